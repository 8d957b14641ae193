/* lang/layers.c - layered policies: what an upper layer leaves open, and
 * a lower layer's refinements of it.
 *
 *   module consortium version "2026.1"          (an upper layer)
 *   parameter price_weight: decimal = 40 open between 30 and 60
 *     cites "Consortium framework, clause 6.2"
 *
 *   import "consortium.tally"                   (a lower layer)
 *   refine consortium.price_weight = 45 cites "Cabinet, 12 March 2026"
 *
 * Statute, consortium, council and procurement are files that import the
 * one above.  A layer may change only what the layer above declares open,
 * and only within it: a parameter's value within its range.  A layer
 * between may refine and leave the value open to the layers below it
 * ('refine ... = V open between LO and HI'), narrowing the range, never
 * widening it.  Everything else (refining a closed parameter, a rule, a
 * definition, a value out of range, a second refinement of a value no
 * layer reopened) is an error naming the upper declaration's
 * file:line:col and citation, so a council's legal team sees which
 * provision the change would break.
 *
 * A refinement is resolved here, at compile time: its value (a value
 * written out, reading nothing, or the name of the refining file's own
 * parameter whose value is written out) becomes the parameter's value for the
 * whole program, the upper module's own definitions included, as an
 * amendment's rows do; the bytecode is what it would be had the upper
 * layer written the value.  Files are checked in import order, upper
 * layers first, so each refinement meets what the layers above left.
 * Everything lives in the compilation's arena.
 */
#include "check_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "tally_limits.h"

/* The source text of [sp] into [buf] (at most [cap] - 1 bytes, "..."
 * when cut): how a value or bound is written, for a message. */
static void text_of(checker *k, tly_span sp, char *buf, size_t cap)
{
    const tly_file *f;
    uint32_t line, col;
    tly_position(k->c, sp.start, &f, &line, &col);
    size_t start = sp.start - f->base, end = sp.end - f->base;
    if (!f->src || end > f->len || start > end) {
        snprintf(buf, cap, "?");
        return;
    }
    size_t n = end - start;
    if (n >= cap) {
        snprintf(buf, cap, "%.*s...", (int)(cap - 4), f->src + start);
        return;
    }
    memcpy(buf, f->src + start, n);
    buf[n] = '\0';
}

/* " at FILE:L:C (cites "...")": where [decl] is declared and what it
 * cites, for a message naming the upper layer's declaration. */
static void upper(checker *k, const ast_node *decl, char *buf, size_t cap)
{
    char at[200];
    amend_where(k, decl->name_sp.start, at, sizeof at);
    if (decl->cite && decl->cite->text) {
        snprintf(buf, cap, "%s (cites \"%.100s\")", at, decl->cite->text);
    } else {
        snprintf(buf, cap, "%s", at);
    }
}

/* The number [n] is written as (a literal, perhaps negated) into [out], in
 * [a]; false when [n] is not one. */
static bool number(arena *a, const ast_node *n, dec *out)
{
    bool neg = false;
    if (n && n->kind == AST_UNARY && n->op == '-') {
        neg = true;
        n = n->a;
    }
    if (!n || (n->kind != AST_INT && n->kind != AST_DEC &&
               n->kind != AST_MONEY && n->kind != AST_PERCENT) || !n->text) {
        return false;
    }
    if (dec_parse(a, n->text, strlen(n->text), out) != DEC_OK) {
        return false;
    }
    return !neg || dec_neg(a, out, out) == DEC_OK;
}

/* The first name [n] reads (a parameter, definition, rule, input or
 * native function), or NULL: a refinement's value is written out. */
static const char *reads(const ast_node *n, int depth)
{
    if (!n || depth > 4 * TLY_MAX_NESTING) {
        return NULL;
    }
    const sym *s = n->sym;
    if (s && (s->kind == SYM_PARAM || s->kind == SYM_DEF ||
              s->kind == SYM_RULE || s->kind == SYM_INPUT ||
              s->kind == SYM_EXTERN)) {
        return s->name;
    }
    const char *r = reads(n->a, depth + 1);
    r = r ? r : reads(n->b, depth + 1);
    r = r ? r : reads(n->c, depth + 1);
    for (uint32_t i = 0; !r && i < n->list.count; i++) {
        r = reads(n->list.items[i], depth + 1);
    }
    return r;
}

/* The value of the parameter [n] names, when it is one this file declares
 * with a value written out (not dated, not itself open, reading nothing):
 * a layer may give its refinement a name of its own ('refine
 * consortium.x = minimum_insurance').  Else NULL. */
static const ast_node *own_param_value(checker *k, const ast_node *n)
{
    const sym *s = n->kind == AST_NAME ? n->sym : NULL;
    if (!s || s->kind != SYM_PARAM || s->dated || !s->decl->b || s->decl->c ||
        tly_file_at(k->c, s->decl->sp.start)->index != k->cur ||
        reads(s->decl->b, 0)) {
        return NULL;
    }
    return s->decl->b;
}

/* Whether [v] lies within the range of [o] (an AST_OPEN with both ends,
 * numbers written out); true when any is not a number (reported
 * elsewhere). */
static bool within(checker *k, const ast_node *o, const ast_node *v)
{
    arena tmp;
    arena_init(&tmp, k->c->mem);
    dec lo, hi, x;
    bool ok = true;
    if (number(&tmp, o->a, &lo) && number(&tmp, o->b, &hi) &&
        number(&tmp, v, &x)) {
        ok = dec_cmp(&x, &lo) >= 0 && dec_cmp(&x, &hi) <= 0;
    }
    arena_free(&tmp);
    return ok;
}

/* Checks the range of [o] for a parameter of type [t]: numbers written
 * out, of the type, the lower end not above the upper.  False after an
 * error. */
static bool check_range(checker *k, ast_node *o, ty *t, const char *name)
{
    if (!o->a) {
        return true;
    }
    if (!ty_is_num(t)) {
        if (!ty_is_bad(t)) {
            err(k, o->sp, "leave it 'open', or open a number's value "
                "within a range", "only an integer, decimal, money or "
                "percent value can be open within a range, and '%s' is %s",
                name, ty_str(k, t));
        }
        return false;
    }
    bool ok = true;
    ast_node *ends[2] = {o->a, o->b};
    for (int i = 0; i < 2; i++) {
        if (ty_is_bad(chk_expect(k, ends[i], t, "the end of the open range"))) {
            ok = false;
        } else if (!reads(ends[i], 0)) {
            arena tmp;
            arena_init(&tmp, k->c->mem);
            dec x;
            bool lit = number(&tmp, ends[i], &x);
            arena_free(&tmp);
            if (!lit) {
                err(k, ends[i]->sp, NULL, "the ends of an open range must "
                    "be numbers written out");
                ok = false;
            }
        } else {
            err(k, ends[i]->sp, NULL, "the ends of an open range must be "
                "numbers written out");
            ok = false;
        }
    }
    if (ok) {
        arena tmp;
        arena_init(&tmp, k->c->mem);
        dec lo, hi;
        if (number(&tmp, o->a, &lo) && number(&tmp, o->b, &hi) &&
            dec_cmp(&lo, &hi) > 0) {
            err(k, o->sp, NULL, "the open range's lower end is above its "
                "upper end");
            ok = false;
        }
        arena_free(&tmp);
    }
    return ok;
}

void layers_open_check(checker *k, sym *f)
{
    ast_node *d = f->decl, *o = d->c;
    if (!k->in_module) {
        err(k, o->sp, "a policy is the lowest layer: declare the value in "
            "a module that the layers below import",
            "only a module's parameter can be open: nothing imports a policy");
        return;
    }
    if (!check_range(k, o, f->ty, f->name) || !o->a) {
        return;
    }
    if (!within(k, o, d->b)) {
        char lo[80], hi[80], v[80];
        text_of(k, o->a->sp, lo, sizeof lo);
        text_of(k, o->b->sp, hi, sizeof hi);
        text_of(k, d->b->sp, v, sizeof v);
        err(k, d->b->sp, NULL, "the parameter's own value %s is outside "
            "the range %s to %s it is open within", v, lo, hi);
    }
}

static void refine_arms(checker *k, ast_node *d, sym *f, const char *shown,
                        const char *up);
static void refine_term(checker *k, ast_node *d, sym *f, const char *shown,
                        const char *up);

/* Whether file [from] imports file [to], directly or not ([seen]: one
 * flag a file, so each is walked once). */
static bool reaches(checker *k, int from, int to, bool *seen)
{
    if (from == to) {
        return true;
    }
    if (from < 0 || from >= k->c->nfiles || seen[from]) {
        return false;
    }
    seen[from] = true;
    const ast_node *root = k->c->files[from]->root;
    for (uint32_t i = 0; root && i < root->list.count; i++) {
        const ast_node *d = root->list.items[i];
        if (d->kind == AST_IMPORT && d->num >= 0 &&
            reaches(k, (int)d->num, to, seen)) {
            return true;
        }
    }
    return false;
}

/* Whether the file being checked imports the file holding [n]. */
static bool imports_file_of(checker *k, const ast_node *n)
{
    int to = tly_file_at(k->c, n->sp.start)->index;
    bool *seen = alloc(k, (size_t)k->c->nfiles + 1);
    if (!seen) {
        return true;
    }
    memset(seen, 0, (size_t)k->c->nfiles + 1);
    return reaches(k, k->cur, to, seen);
}

void layers_refine(checker *k, ast_node *d)
{
    const char *shown = amend_written_name(k, d);
    if (d->list2.count) {
        /* added arms: each cites its own decision (refine_arms) */
    } else if (!d->cite) {
        err(k, d->sp, "end it with the decision that makes it, e.g. "
            "cites \"Cabinet decision, 12 March 2026\"",
            "a refinement must cite the decision that makes it");
    } else {
        chk_cite(k, d->cite);
    }
    sym *f = amend_target(k, d, shown, true);
    if (!f) {
        return;
    }
    char up[400];
    if (d->list2.count || d->op == '+') {
        upper(k, f->decl, up, sizeof up);
        if (d->list2.count) {
            refine_arms(k, d, f, shown, up);
        } else {
            refine_term(k, d, f, shown, up);
        }
        return;
    }
    if (f->kind == SYM_PARAM && f->refined &&
        !imports_file_of(k, f->refined)) {
        /* Two layers side by side: neither is the layer above the other,
         * whichever is checked first. */
        char here[200], there[200];
        amend_where(k, d->name_sp.start, here, sizeof here);
        amend_where(k, f->refined->name_sp.start, there, sizeof there);
        bool first = strcmp(here, there) < 0;
        err(k, d->name_sp, "refine a value on one layer of each chain: the "
            "layer that imports the other refines what that one leaves "
            "open", "'%s' is refined at %s and at %s, and neither file "
            "imports the other", shown, first ? here : there,
            first ? there : here);
        return;
    }
    /* What the layers above leave: the last refinement's, or the
     * declaration's. */
    const ast_node *by = f->refined ? f->refined : f->decl;
    upper(k, by, up, sizeof up);
    if (f->kind != SYM_PARAM) {
        err(k, d->name_sp, "a lower layer may refine only a parameter the "
            "layer above declares open ('parameter NAME: T = V open ...')",
            "'%s' is %s, declared at %s, and cannot be refined", shown,
            amend_kind_words(f), up);
        return;
    }
    ast_node *open = by->c;
    if (!open && f->refined) {
        err(k, d->name_sp, "a value is refined once on each layer; a layer "
            "between leaves it open to the layers below with "
            "'refine NAME = V open between LO and HI'",
            "'%s' is already refined at %s, which leaves it closed", shown, up);
        return;
    }
    if (!open) {
        err(k, d->name_sp, "a lower layer may refine only what the layer "
            "above declares open ('parameter NAME: T = V open ...')",
            "'%s' is not open to refinement: it is declared at %s", shown, up);
        return;
    }
    if (ty_is_bad(chk_expect(k, d->a, f->ty, "the refined value"))) {
        return;
    }
    /* The value as written: d->a, or the value of this file's parameter
     * it names (the layer's own figure, under its own name). */
    const ast_node *val = own_param_value(k, d->a);
    const char *r = val ? NULL : reads(d->a, 0);
    if (r) {
        err(k, d->a->sp, "write the value out, or name a parameter of this "
            "file whose value is written out: the layer above reads it "
            "wherever it is used", "a refinement's value may not read "
            "'%s'", r);
        return;
    }
    if (!val) {
        val = d->a;
    }
    char lo[80], hi[80], v[80];
    if (open->a) {
        text_of(k, open->a->sp, lo, sizeof lo);
        text_of(k, open->b->sp, hi, sizeof hi);
        arena tmp;
        arena_init(&tmp, k->c->mem);
        dec x;
        bool lit = number(&tmp, val, &x);
        arena_free(&tmp);
        if (!lit) {
            err(k, d->a->sp, NULL, "'%s' is open between %s and %s, so its "
                "refinement must be a number written out", shown, lo, hi);
            return;
        }
        if (!within(k, open, val)) {
            text_of(k, val->sp, v, sizeof v);
            err(k, d->a->sp, "choose a value within the range, or ask the "
                "layer above to open a wider one",
                "%s is outside the range %s to %s that '%s' is open within "
                "at %s", v, lo, hi, shown, up);
            return;
        }
    }
    if (d->c) {
        /* A layer between: the value stays open to the layers below,
         * within the range it received at most. */
        if (!k->in_module) {
            err(k, d->c->sp, "a policy is the lowest layer: refine the "
                "value in a module that the layers below import",
                "only a module can leave a value open: nothing imports a "
                "policy");
            return;
        }
        if (!d->c->a) {
            d->c->a = open->a; /* 'open': the range it received */
            d->c->b = open->b;
        } else if (!check_range(k, d->c, f->ty, f->name)) {
            return;
        } else if (open->a && (!within(k, open, d->c->a) ||
                               !within(k, open, d->c->b))) {
            char nlo[80], nhi[80];
            text_of(k, d->c->a->sp, nlo, sizeof nlo);
            text_of(k, d->c->b->sp, nhi, sizeof nhi);
            err(k, d->c->sp, "a layer may narrow the range it received, "
                "never widen it",
                "the range %s to %s widens the range %s to %s that '%s' is "
                "open within at %s", nlo, nhi, lo, hi, shown, up);
            return;
        }
        if (d->c->a && !within(k, d->c, val)) {
            char nlo[80], nhi[80];
            text_of(k, d->c->a->sp, nlo, sizeof nlo);
            text_of(k, d->c->b->sp, nhi, sizeof nhi);
            text_of(k, val->sp, v, sizeof v);
            err(k, d->a->sp, NULL, "the refined value %s is outside the "
                "range %s to %s it leaves open", v, nlo, nhi);
            return;
        }
    }
    if (val != d->a) {
        d->a->sym->gives = d; /* a test's 'with' of it is range-checked */
    }
    d->sym = f;
    d->text2 = shown;
    d->b = f->refined; /* the refinement it refines, for --cite */
    f->refined = d;
    if (!f->decl->c->c) {
        f->decl->c->c = f->decl->b; /* the upper layer's own, for tally doc */
    }
    if (f->decl->op != 1) { /* 1: a test's 'with' value (api/test.c) */
        f->decl->b = d->a; /* what the compiler reads, everywhere */
    }
}

void layers_with_check(checker *k, sym *s, ast_node *cl)
{
    if (s->kind != SYM_PARAM || s->dated) {
        return;
    }
    /* The narrowest range: the last refinement's, when it leaves the
     * value open; else the range that refinement received; else the
     * declaration's. */
    const ast_node *r = s->refined, *by = s->decl;
    if (s->gives) {
        /* The lower layer's own figure, the value of a refinement: the
         * range that refinement leaves open, or the one it received. */
        r = s->gives;
        if (!r->c) {
            by = r->b ? r->b : r->sym->decl;
        } else {
            by = r;
        }
    } else if (r && r->c) {
        by = r;
    } else if (r) {
        by = r->b ? r->b : s->decl;
    }
    const ast_node *open = by->c;
    if (!open || !open->a || !open->b || within(k, open, cl->a)) {
        return;
    }
    char up[400], lo[80], hi[80], v[80];
    upper(k, by, up, sizeof up);
    text_of(k, open->a->sp, lo, sizeof lo);
    text_of(k, open->b->sp, hi, sizeof hi);
    text_of(k, cl->a->sp, v, sizeof v);
    err(k, cl->a->sp, "a test sets a value a layer could set: choose one "
        "within the range", "%s is outside the range %s to %s that '%s' is "
        "open within at %s", v, lo, hi, amend_written_name(k, cl), up);
}

/* ---- rules and definitions open to additions --------------------------- */

/* Whether the outcomes [a] and [b] are the same value written out: the
 * same text, the same enum member, the same number.  False when either
 * is not written out. */
static bool same_outcome(checker *k, const ast_node *a, const ast_node *b)
{
    if (!a || !b) {
        return false;
    }
    if (a->sym && b->sym && a->sym->kind == SYM_MEMBER) {
        return a->sym == b->sym;
    }
    if (a->kind == AST_TEXT && b->kind == AST_TEXT) {
        return a->len == b->len && a->text && b->text &&
               memcmp(a->text, b->text, a->len) == 0;
    }
    arena tmp;
    arena_init(&tmp, k->c->mem);
    dec x, y;
    bool same = number(&tmp, a, &x) && number(&tmp, b, &y) &&
                dec_cmp(&x, &y) == 0;
    arena_free(&tmp);
    return same;
}

/* Whether an outcome is written out: text, an enum member or a number. */
static bool written_out(checker *k, const ast_node *n)
{
    if (n->kind == AST_TEXT || (n->sym && n->sym->kind == SYM_MEMBER)) {
        return true;
    }
    arena tmp;
    arena_init(&tmp, k->c->mem);
    dec x;
    bool lit = number(&tmp, n, &x);
    arena_free(&tmp);
    return lit;
}

void layers_open_item_check(checker *k, sym *f)
{
    ast_node *d = f->decl, *o = d->open;
    if (!k->in_module) {
        err(k, o->sp, "a policy is the lowest layer: declare it in a module "
            "that the layers below import",
            "only a module's rule or definition can be open: nothing "
            "imports a policy");
        return;
    }
    if (f->kind == SYM_RULE) {
        for (uint32_t i = 0; i < o->list.count; i++) {
            ast_node *v = o->list.items[i];
            if (!ty_is_bad(chk_expect(k, v, f->ty, "the outcome it is open "
                                      "to")) && !written_out(k, v)) {
                err(k, v->sp, NULL, "the outcomes a rule is open to must be "
                    "written out");
            }
        }
        return;
    }
    if (o->list.count) {
        err(k, o->sp, "a definition is left 'open' to further terms",
            "only a rule names the outcomes it is open to");
        return;
    }
    if (f->kind != SYM_DEF || f->dated || d->kind == AST_TABLE || d->c ||
        !d->b) {
        err(k, o->sp, "leave open a definition written as one value",
            "'%s' has dated values or exceptions, so it cannot be open to "
            "further terms", f->name);
        return;
    }
    if (!ty_is_bad(f->ty) && f->ty->kind != TY_INT &&
        f->ty->kind != TY_DEC && f->ty->kind != TY_MONEY) {
        err(k, o->sp, "only a number (integer, decimal or money) can take "
            "further terms",
            "'%s' is %s, so it cannot be open to further terms", f->name,
            ty_str(k, f->ty));
    }
}

/* The upper declaration's outcomes an added arm of [f] may reach, as
 * text for a message: its 'open to' list, or its own arms'. */
static void allowed_text(checker *k, const ast_node *decl, char *buf,
                         size_t cap)
{
    const ast_node *o = decl->open;
    const ast_list *l = o->list.count ? &o->list : &decl->list2;
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < l->count && used + 4 < cap; i++) {
        const ast_node *v = o->list.count ? l->items[i] : l->items[i]->b;
        char t[80];
        text_of(k, v->sp, t, sizeof t);
        if (strstr(buf, t) && used) {
            continue; /* the same outcome on two arms */
        }
        int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", t);
        if (n < 0 || (size_t)n >= cap - used) {
            break;
        }
        used += (size_t)n;
    }
}

/* Checks the arms [d] adds to the open rule [f] ([shown] as written) and
 * appends them after the rule's own; [up] names its declaration. */
static void refine_arms(checker *k, ast_node *d, sym *f, const char *shown,
                        const char *up)
{
    ast_node *decl = f->decl;
    if (f->kind != SYM_RULE) {
        err(k, d->name_sp, "only a rule declared open ('rule NAME(...): T "
            "open [to V, ...] = ...') takes further arms",
            "'%s' is %s, declared at %s, and takes no arms", shown,
            amend_kind_words(f), up);
        return;
    }
    if (!decl->open) {
        err(k, d->name_sp, "a lower layer may add arms only to a rule the "
            "layer above declares open ('rule NAME(...): T open = ...')",
            "'%s' is not open to further arms: it is declared at %s", shown,
            up);
        return;
    }
    char allowed[300];
    allowed_text(k, decl, allowed, sizeof allowed);
    const ast_list *l = decl->open->list.count ? &decl->open->list : NULL;
    uint32_t own = decl->list2.count;
    int saved_base = k->base, saved_n = k->nlocals;
    k->base = k->nlocals;
    for (int i = 0; i < f->nparams; i++) {
        sym *p = f->params[i];
        if (k->nlocals < MAX_LOCALS &&
            res_bind_local(k, p->name, p->ty, p->decl)) {
            k->locals[k->nlocals - 1] = p; /* the same sym as the rule's */
        }
    }
    bool ok = true;
    for (uint32_t i = 0; i < d->list2.count; i++) {
        ast_node *w = d->list2.items[i];
        if (!w->cite) {
            err(k, w->sp, "end the arm with the decision that adds it, e.g. "
                "cites \"Cabinet decision, 12 March 2026\"",
                "an added arm must cite the decision that adds it");
            ok = false;
        }
        if (!chk_arm(k, f, w)) {
            ok = false;
            continue;
        }
        bool found = false;
        uint32_t n = l ? l->count : own;
        for (uint32_t j = 0; !found && j < n; j++) {
            const ast_node *v = l ? l->items[j] : decl->list2.items[j]->b;
            found = same_outcome(k, w->b, v);
        }
        if (!found) {
            char v[80];
            text_of(k, w->b->sp, v, sizeof v);
            err(k, w->b->sp, "an added arm may reach only an outcome the rule "
                "is open to: ask the layer above to open it to more",
                "the outcome %s is not one '%s' is open to at %s: it is open "
                "to %s", v, shown, up, allowed[0] ? allowed : "none");
            ok = false;
        }
    }
    k->nlocals = saved_n;
    k->base = saved_base;
    if (!ok) {
        return;
    }
    d->sym = f;
    d->text2 = shown;
    for (uint32_t i = 0; i < d->list2.count; i++) {
        ast_node *w = d->list2.items[i];
        w->op = 1; /* added by a lower layer (--cite says so) */
        if (!ast_push(&k->c->arena, &decl->list2, w)) {
            k->c->oom = true;
            return;
        }
    }
}

/* Checks the term [d] adds to the open definition [f] ([shown] as
 * written) and makes the definition's value its own plus the term. */
static void refine_term(checker *k, ast_node *d, sym *f, const char *shown,
                        const char *up)
{
    ast_node *decl = f->decl;
    if (f->kind != SYM_DEF) {
        err(k, d->name_sp, "only a definition declared open ('definition "
            "NAME(...): T open = ...') takes further terms",
            "'%s' is %s, declared at %s, and takes no terms", shown,
            amend_kind_words(f), up);
        return;
    }
    if (!decl->open) {
        err(k, d->name_sp, "a lower layer may add a term only to a "
            "definition the layer above declares open ('definition NAME(...): "
            "T open = ...')",
            "'%s' is not open to further terms: it is declared at %s", shown,
            up);
        return;
    }
    if (!decl->b || f->dated || decl->c || ty_is_bad(f->ty)) {
        return; /* reported at the declaration */
    }
    int saved_base = k->base, saved_n = k->nlocals;
    k->base = k->nlocals;
    for (int i = 0; i < f->nparams; i++) {
        sym *p = f->params[i];
        if (k->nlocals < MAX_LOCALS &&
            res_bind_local(k, p->name, p->ty, p->decl)) {
            k->locals[k->nlocals - 1] = p; /* the same sym as its own */
        }
    }
    char what[200];
    snprintf(what, sizeof what, "the term added to '%s'", shown);
    ty *t = chk_expect(k, d->a, f->ty, what);
    k->nlocals = saved_n;
    k->base = saved_base;
    if (ty_is_bad(t)) {
        return;
    }
    ast_node *sum = ast_new(&k->c->arena, AST_BINARY, d->a->sp);
    const char *hint;
    ty *r = sum ? (sum->op = '+', sum->a = decl->b, sum->b = d->a,
                   ty_arith(k, '+', sum, f->ty, f->ty, &hint))
                : NULL;
    if (!sum) {
        k->c->oom = true;
        return;
    }
    if (!r || r->kind != f->ty->kind) {
        err(k, d->a->sp, hint, "a term cannot be added to '%s', which is %s",
            shown, ty_str(k, f->ty));
        return;
    }
    sum->ty = f->ty;
    sum->aux = DOP_NONE;
    d->sym = f;
    d->text2 = shown;
    d->b = f->refined; /* the term a layer above added, for --cite */
    f->refined = d;
    decl->b = sum;
}
