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

void layers_refine(checker *k, ast_node *d)
{
    const char *shown = amend_written_name(k, d);
    if (!d->cite) {
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
    d->sym = f;
    d->text2 = shown;
    d->b = f->refined; /* the refinement it refines, for --cite */
    f->refined = d;
    if (!f->decl->c->c) {
        f->decl->c->c = f->decl->b; /* the upper layer's own, for tally doc */
    }
    f->decl->b = d->a; /* what the compiler reads, everywhere */
}
