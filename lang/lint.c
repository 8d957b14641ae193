/* lang/lint.c - the warnings of `tally check`, and silencing them.
 *
 * After a policy checks cleanly this pass reads the checked AST (the
 * checker's n->sym links) and warns, each warning with a code and a name
 * written after its message as "[W101 unused-definition]":
 *
 *   W101 unused-definition  a definition, rule, table or parameter of a
 *                           policy (a file with an output) that nothing
 *                           names; a module's are exported, never unused
 *   W102 unused-parameter   a parameter of a definition or rule its body
 *                           never reads (a table's columns read all)
 *   W103 unused-import      a name an import list brings in, unused
 *   W104 unused-member      a member of an enum of the policy that is
 *                           never named, when the input record cannot
 *                           hold the enum at any depth: the value can
 *                           never exist
 *   W201 constant-condition a condition that is always true or always
 *                           false: `true`, `false`, `x = x`, `x < x` ...
 *   W202 unreachable-arm    a rule arm (or its else) after an arm whose
 *                           condition is always true; a match arm or
 *                           else no value can reach
 *   (W201 and W202 also where an enclosing if, rule arm or match arm,
 *   or an input integer's declared bounds, decide it: narrow())
 *   W301 shadowed-name      a parameter or a name bound by let, for or
 *                           `is some` that hides a declaration of the
 *                           file
 *   W401 weights-sum        a record check `a + b + ... = N` that the
 *                           fields' declared bounds make impossible, or
 *                           (decimal, percent, money) their `where`
 *                           comparisons with literals: weights_where()
 *   W501 uncited-definition a definition, parameter, rule or table
 *                           without `cites` in a file marked as legal
 *                           text by a comment line `# tally: legal`
 *
 * The policy's file is warned about, and each user module it imports by
 * path (not the standard library): a module's warnings name its own
 * file:line:col, once however often it is imported.
 *
 * (W601 percent-marks is lang/percent.c's, W602 table-too-large
 * lang/table.c's.)  Everything here is sound where it can see: a warning
 * is given only when the fact is certain from the text and the types.
 *
 * lint_allow then drops each warning silenced on its line, or by the
 * comment lines just above it, with `# tally: allow NAME because "..."`;
 * without a reason the warning stays and its hint says to give one.
 */
#include "check_int.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "parser.h"

/* ---- a set of symbols ---------------------------------------------------- */

typedef struct sym_set {
    const sym **slots; /* arena; NULL: empty */
    size_t cap;        /* a power of two */
    size_t count;
} sym_set;

static size_t hash_ptr(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(x ^ (x >> 29));
}

static bool set_has(const sym_set *s, const sym *p)
{
    if (!s->cap) {
        return false;
    }
    for (size_t i = hash_ptr(p) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slots[i]) {
            return false;
        }
        if (s->slots[i] == p) {
            return true;
        }
    }
}

static bool set_add(checker *k, sym_set *s, const sym *p)
{
    if ((s->count + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        const sym **n = alloc(k, cap * sizeof *n);
        if (!n) {
            return false;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slots[i]) {
                size_t j = hash_ptr(s->slots[i]) & (cap - 1);
                while (n[j]) {
                    j = (j + 1) & (cap - 1);
                }
                n[j] = s->slots[i];
            }
        }
        s->slots = n;
        s->cap = cap;
    }
    size_t i = hash_ptr(p) & (s->cap - 1);
    while (s->slots[i] && s->slots[i] != p) {
        i = (i + 1) & (s->cap - 1);
    }
    if (!s->slots[i]) {
        s->slots[i] = p;
        s->count++;
    }
    return true;
}

/* ---- walking ------------------------------------------------------------- */

typedef struct lint {
    checker *k;
    const sym **globals; /* arena: the file's definitions, parameters,
                            rules and tables, sorted by name */
    size_t nglobals;
    sym_set used;     /* symbols some node other than their own names */
    sym_set in_input; /* enums and records the input can hold */
    int file;         /* the file whose declarations are warned about */
} lint;

/* Marks the enums data of type [t] can hold: its own, and its records'
 * fields' (records once each: they are marked too). */
static void mark_type(lint *L, const ty *t)
{
    for (; t; t = t->elem) {
        if (t->kind == TY_ENUM && t->decl) {
            set_add(L->k, &L->in_input, t->decl);
        }
        if (t->kind == TY_RECORD && t->decl && !set_has(&L->in_input, t->decl)) {
            const sym *r = t->decl;
            set_add(L->k, &L->in_input, r);
            for (int j = 0; j < r->nfields; j++) {
                mark_type(L, r->fields[j].ty);
            }
        }
        if (t->kind != TY_LIST && t->kind != TY_MAP && t->kind != TY_OPTIONAL) {
            break;
        }
    }
}

/* Marks every symbol [n] and its children name (recursion bounded by the
 * parser's nesting limit). */
static void mark(lint *L, const ast_node *n)
{
    if (!n) {
        return;
    }
    if (n->sym && n->sym->decl != n) {
        set_add(L->k, &L->used, n->sym);
    }
    if (n->sym2 && n->sym2->decl != n) {
        set_add(L->k, &L->used, n->sym2);
    }
    mark(L, n->a);
    mark(L, n->b);
    mark(L, n->c);
    mark(L, n->cite);
    mark(L, n->else_cite);
    for (uint32_t i = 0; i < n->list.count; i++) {
        mark(L, n->list.items[i]);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        mark(L, n->list2.items[i]);
    }
}

static int file_of(checker *k, uint32_t off)
{
    return tly_file_at(k->c, off)->index;
}

static void warn(checker *k, tly_span sp, const char *code, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void warn(checker *k, tly_span sp, const char *code, const char *hint,
                 const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(&k->c->diags, DIAG_WARNING, sp, hint, "%s [%s]", buf, code);
}

static const char *decl_word(const ast_node *d)
{
    switch (d->kind) {
    case AST_PARAM: return "parameter";
    case AST_RULE: return "rule";
    case AST_TABLE: return "table";
    default: return "definition";
    }
}

/* ---- constant conditions ------------------------------------------------- */

/* The same name or field path on both sides: x, x.a.b. */
static bool same_path(const ast_node *a, const ast_node *b)
{
    if (!a || !b || a->kind != b->kind) {
        return false;
    }
    if (a->kind == AST_NAME) {
        return a->sym && a->sym == b->sym;
    }
    if (a->kind == AST_GET) {
        return a->name && b->name && strcmp(a->name, b->name) == 0 &&
               same_path(a->a, b->a);
    }
    return false;
}

/* 1 always true, 0 always false, -1 not known. */
static int constant(const ast_node *n)
{
    if (!n) {
        return -1;
    }
    if (n->kind == AST_BOOL) {
        return n->num != 0;
    }
    if (n->kind == AST_UNARY && n->op == NOT) {
        int v = constant(n->a);
        return v < 0 ? -1 : !v;
    }
    if (n->kind == AST_BINARY && same_path(n->a, n->b)) {
        switch (n->op) {
        case '=': case LE: case GE: return 1;
        case NE: case '<': case '>': return 0;
        default: return -1;
        }
    }
    if (n->kind == AST_BINARY && (n->op == AND || n->op == OR)) {
        int x = constant(n->a), y = constant(n->b);
        if (n->op == AND && (x == 0 || y == 0)) {
            return 0;
        }
        if (n->op == OR && (x == 1 || y == 1)) {
            return 1;
        }
        return x == 1 && y == 1 ? 1 : x == 0 && y == 0 ? 0 : -1;
    }
    return -1;
}

static void check_cond(lint *L, const ast_node *cond, const char *what)
{
    int v = constant(cond);
    if (v >= 0) {
        warn(L->k, cond->sp, "W201 constant-condition",
             v ? "remove the condition, or write the one meant"
               : "remove what it guards, or write the condition meant",
             "this %s is always %s", what, v ? "true" : "false");
    }
}

/* Conditions anywhere below [n]. */
static void conditions(lint *L, const ast_node *n)
{
    if (!n) {
        return;
    }
    switch (n->kind) {
    case AST_IF:
        if (n->a && n->a->kind != AST_SOME_COND) {
            check_cond(L, n->a, "condition");
        }
        break;
    case AST_COMPREH:
        if (n->c) {
            check_cond(L, n->c, "'where' condition");
        }
        break;
    case AST_CHECK:
        check_cond(L, n->a, "check");
        break;
    case AST_UNLESS:
        check_cond(L, n->a, "exception's condition");
        break;
    case AST_FINDING:
        check_cond(L, n->a, "finding's condition");
        break;
    case AST_RULE: {
        bool after_true = false;
        for (uint32_t i = 0; i < n->list2.count; i++) {
            const ast_node *w = n->list2.items[i];
            if (after_true) {
                warn(L->k, w->sp, "W202 unreachable-arm",
                     "an earlier arm's condition is always true",
                     "this arm of rule '%s' is never reached", n->name);
                after_true = false; /* once per rule */
                break;
            }
            if (!w->a || w->a->kind == AST_SOME_COND) {
                continue;
            }
            int v = constant(w->a);
            if (v >= 0) {
                check_cond(L, w->a, "arm's condition");
            }
            if (v == 1) {
                after_true = true;
            }
        }
        if (after_true && n->c) {
            warn(L->k, n->c->sp, "W202 unreachable-arm",
                 "an earlier arm's condition is always true",
                 "the else of rule '%s' is never reached", n->name);
        }
        break;
    }
    default:
        break;
    }
    conditions(L, n->a);
    conditions(L, n->b);
    conditions(L, n->c);
    for (uint32_t i = 0; i < n->list.count; i++) {
        conditions(L, n->list.items[i]);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        conditions(L, n->list2.items[i]);
    }
}

/* ---- what enclosing branches exclude ---------------------------------- */

/* What is known, inside a branch, about the enum values of paths (a name
 * or a field path: values never change): the members each may still be.
 * Only enums of at most 64 members are followed; a fact that does not
 * fit is dropped, which only loses warnings. */
#define LINT_FACTS 16

typedef struct facts {
    const ast_node *path[LINT_FACTS];
    uint64_t may[LINT_FACTS]; /* bit i: member i is still possible */
    int n;
} facts;

/* The enum of path [p] when it is a name or field path whose type is an
 * enum of at most 64 members (not optional), else NULL. */
static const sym *enum_path(const ast_node *p)
{
    if (!p || (p->kind != AST_NAME && p->kind != AST_GET) || !p->ty ||
        p->ty->kind != TY_ENUM || !p->ty->decl ||
        p->ty->decl->nmembers <= 0 || p->ty->decl->nmembers > 64) {
        return NULL;
    }
    if (p->kind == AST_NAME && (!p->sym || p->sym->kind == SYM_MEMBER)) {
        return NULL;
    }
    return p->ty->decl;
}

static uint64_t all_members(const sym *e)
{
    return e->nmembers == 64 ? ~(uint64_t)0
                             : ((uint64_t)1 << e->nmembers) - 1;
}

/* The members path [p] of enum [e] may be, as far as [f] knows. */
static uint64_t may_be(const facts *f, const ast_node *p, const sym *e)
{
    for (int i = 0; i < f->n; i++) {
        if (same_path(f->path[i], p)) {
            return f->may[i];
        }
    }
    return all_members(e);
}

static void restrict_to(facts *f, const ast_node *p, const sym *e,
                        uint64_t mask)
{
    for (int i = 0; i < f->n; i++) {
        if (same_path(f->path[i], p)) {
            f->may[i] &= mask;
            return;
        }
    }
    if (f->n < LINT_FACTS) {
        f->path[f->n] = p;
        f->may[f->n++] = all_members(e) & mask;
    }
}

/* [n] as "path = member" or "path != member" (either side): the path,
 * its enum, the member's bit and whether it is '='; false otherwise. */
static bool member_test(const ast_node *n, const ast_node **path,
                        const sym **e, uint64_t *bit, bool *eq)
{
    if (!n || n->kind != AST_BINARY || (n->op != '=' && n->op != NE)) {
        return false;
    }
    for (int side = 0; side < 2; side++) {
        const ast_node *p = side ? n->b : n->a, *m = side ? n->a : n->b;
        const sym *en = enum_path(p);
        if (en && m && m->sym && m->sym->kind == SYM_MEMBER &&
            m->sym->owner == en && m->sym->ordinal >= 0 &&
            m->sym->ordinal < 64) {
            *path = p;
            *e = en;
            *bit = (uint64_t)1 << m->sym->ordinal;
            *eq = n->op == '=';
            return true;
        }
    }
    return false;
}

static void assume(facts *f, const ast_node *cond, bool truth);

/* [f] becomes what holds when either [x] or [y] does: a path keeps a
 * fact only where both know it, with the members either allows. */
static void either(facts *f, const facts *x, const facts *y)
{
    facts out;
    out.n = 0;
    for (int i = 0; i < x->n; i++) {
        for (int j = 0; j < y->n; j++) {
            if (same_path(x->path[i], y->path[j])) {
                out.path[out.n] = x->path[i];
                out.may[out.n++] = x->may[i] | y->may[j];
                break;
            }
        }
    }
    *f = out;
}

/* [c] as a test of one path alone ('c = goods or c = works', with not,
 * and, or, = and != of members): the path, its enum and the members for
 * which [c] is true; false otherwise. */
static bool member_set(const ast_node *c, const ast_node **path,
                       const sym **e, uint64_t *m)
{
    if (!c) {
        return false;
    }
    if (c->kind == AST_UNARY && c->op == NOT) {
        if (!member_set(c->a, path, e, m)) {
            return false;
        }
        *m = all_members(*e) & ~*m;
        return true;
    }
    if (c->kind == AST_BINARY && (c->op == AND || c->op == OR)) {
        const ast_node *pb;
        const sym *eb;
        uint64_t mb;
        if (!member_set(c->a, path, e, m) || !member_set(c->b, &pb, &eb, &mb) ||
            *e != eb || !same_path(*path, pb)) {
            return false;
        }
        *m = c->op == AND ? *m & mb : *m | mb;
        return true;
    }
    uint64_t bit;
    bool eq;
    if (!member_test(c, path, e, &bit, &eq)) {
        return false;
    }
    *m = eq ? bit : all_members(*e) & ~bit;
    return true;
}

/* Adds to [f] what [cond] being [truth] says. */
static void assume(facts *f, const ast_node *cond, bool truth)
{
    if (!cond) {
        return;
    }
    if (cond->kind == AST_UNARY && cond->op == NOT) {
        assume(f, cond->a, !truth);
        return;
    }
    if (cond->kind == AST_BINARY &&
        ((cond->op == AND && truth) || (cond->op == OR && !truth))) {
        assume(f, cond->a, truth);
        assume(f, cond->b, truth);
        return;
    }
    if (cond->kind == AST_BINARY &&
        ((cond->op == OR && truth) || (cond->op == AND && !truth))) {
        /* 'a = X or a = Y' true: a is X or Y (each side's facts, joined;
         * a fact only one side gives is dropped) */
        facts x = *f, y = *f;
        assume(&x, cond->a, truth);
        assume(&y, cond->b, truth);
        either(f, &x, &y);
        return;
    }
    const ast_node *p;
    const sym *e;
    uint64_t bit;
    bool eq;
    if (member_test(cond, &p, &e, &bit, &eq)) {
        restrict_to(f, p, e, eq == truth ? bit : ~bit);
    }
}

/* A path read from the input record: its bounds were checked when the
 * data was bound, so they hold. */
static bool input_path(const ast_node *p)
{
    while (p && p->kind == AST_GET) {
        p = p->a;
    }
    return p && p->kind == AST_NAME && p->sym && p->sym->kind == SYM_INPUT;
}

/* [p OP v] for an input integer whose declared bounds decide it: 1 always
 * true, 0 always false, -1 not known. */
static int bounded(const ast_node *p, int op, int64_t v)
{
    if (!p || p->kind != AST_GET || !input_path(p) || !p->ty ||
        p->ty->kind != TY_INT || (!p->ty->has_min && !p->ty->has_max)) {
        return -1;
    }
    const ty *t = p->ty;
    bool lo = t->has_min, hi = t->has_max;
    switch (op) {
    case '<':
        return hi && t->max < v ? 1 : lo && t->min >= v ? 0 : -1;
    case LE:
        return hi && t->max <= v ? 1 : lo && t->min > v ? 0 : -1;
    case '>':
        return lo && t->min > v ? 1 : hi && t->max <= v ? 0 : -1;
    case GE:
        return lo && t->min >= v ? 1 : hi && t->max < v ? 0 : -1;
    case '=':
        return (lo && v < t->min) || (hi && v > t->max) ? 0
               : lo && hi && t->min == v && t->max == v ? 1 : -1;
    case NE:
        return (lo && v < t->min) || (hi && v > t->max) ? 1
               : lo && hi && t->min == v && t->max == v ? 0 : -1;
    default:
        return -1;
    }
}

static bool int_literal(const ast_node *n, int64_t *v);

/* [n] as an integer literal or one negated ("-5"), into [v]. */
static bool signed_literal(const ast_node *n, int64_t *v)
{
    if (n->kind == AST_UNARY && n->op == '-' && n->a &&
        int_literal(n->a, v)) {
        *v = -*v;
        return true;
    }
    return int_literal(n, v);
}

/* [cond]'s value where [f] holds: 1 always true, 0 always false, -1 not
 * known. */
static int known(const facts *f, const ast_node *cond)
{
    if (!cond) {
        return -1;
    }
    if (cond->kind == AST_UNARY && cond->op == NOT) {
        int v = known(f, cond->a);
        return v < 0 ? -1 : !v;
    }
    if (cond->kind == AST_BINARY && (cond->op == AND || cond->op == OR)) {
        const ast_node *p;
        const sym *e;
        uint64_t m;
        if (member_set(cond, &p, &e, &m)) {
            /* 'c = goods or c = works' where c is one of those */
            uint64_t may = may_be(f, p, e);
            if (may && !(may & ~m)) {
                return 1;
            }
            if (may && !(may & m)) {
                return 0;
            }
        }
        int x = known(f, cond->a), y = known(f, cond->b);
        if (cond->op == AND) {
            return x == 0 || y == 0 ? 0 : x == 1 && y == 1 ? 1 : -1;
        }
        return x == 1 || y == 1 ? 1 : x == 0 && y == 0 ? 0 : -1;
    }
    const ast_node *p;
    const sym *e;
    uint64_t bit;
    bool eq;
    if (member_test(cond, &p, &e, &bit, &eq)) {
        uint64_t may = may_be(f, p, e);
        if (may == bit) {
            return eq;
        }
        if (!(may & bit)) {
            return !eq;
        }
        return -1;
    }
    int64_t v;
    if (cond->kind == AST_BINARY && cond->a && cond->b) {
        if (signed_literal(cond->b, &v)) {
            return bounded(cond->a, cond->op, v);
        }
        if (signed_literal(cond->a, &v)) {
            int op = cond->op == '<' ? '>' : cond->op == '>' ? '<'
                     : cond->op == LE ? GE : cond->op == GE ? LE : cond->op;
            return bounded(cond->b, op, v);
        }
    }
    return -1;
}

/* W201 for [cond], when [f] (not the text alone: conditions() has
 * those) decides it.  Returns its value as known(). */
static int check_known(lint *L, const facts *f, const ast_node *cond,
                       const char *what)
{
    if (!cond || cond->kind == AST_SOME_COND || constant(cond) >= 0) {
        return -1;
    }
    int v = known(f, cond);
    if (v >= 0) {
        warn(L->k, cond->sp, "W201 constant-condition",
             v ? "an enclosing condition or match arm, or the value's "
                 "declared bounds, already decide it"
               : "an enclosing condition or match arm, or the value's "
                 "declared bounds, already rule it out",
             "this %s is always %s", what, v ? "true" : "false");
    }
    return v;
}

static void narrow(lint *L, const ast_node *n, const facts *f);

static void narrow_match(lint *L, const ast_node *n, const facts *f)
{
    narrow(L, n->a, f);
    const sym *e = enum_path(n->a);
    uint64_t left = e ? may_be(f, n->a, e) : 0;
    bool none_seen = false, some_seen = false;
    for (uint32_t i = 0; i < n->list.count; i++) {
        const ast_node *arm = n->list.items[i];
        uint64_t pats = 0;
        bool known_pats = e != NULL;
        for (uint32_t j = 0; j < arm->list.count; j++) {
            const ast_node *p = arm->list.items[j];
            if (p->kind == AST_NONE) {
                none_seen = true;
            } else if (p->kind == AST_SOME_PAT && !p->text) {
                some_seen = true;
            }
            if (e && p->kind == AST_NAME && p->sym &&
                p->sym->kind == SYM_MEMBER && p->sym->ordinal < 64) {
                pats |= (uint64_t)1 << p->sym->ordinal;
            } else if (e && p->kind == AST_SOME_PAT && p->text &&
                       p->aux >= 0 && p->aux < 64) {
                pats |= (uint64_t)1 << p->aux;
            } else {
                known_pats = false;
            }
        }
        facts in = *f;
        if (known_pats) {
            if (!(pats & left) && pats) {
                warn(L->k, arm->sp, "W202 unreachable-arm",
                     "an enclosing condition or an earlier arm leaves this "
                     "value no member this arm matches",
                     "this arm of the match is never reached");
            }
            restrict_to(&in, n->a, e, pats);
            left &= ~pats;
        }
        narrow(L, arm->a, &in);
    }
    if (!n->c) {
        return;
    }
    facts in = *f;
    if (e) {
        restrict_to(&in, n->a, e, left);
    }
    if ((e && !left) ||
        (!e && n->a && n->a->ty && n->a->ty->kind == TY_OPTIONAL &&
         none_seen && some_seen)) {
        warn(L->k, n->c->sp, "W202 unreachable-arm",
             "the arms already match every value; remove the else",
             "the else of this match is never reached");
    }
    narrow(L, n->c, &in);
}

/* Walks [n] with what [f] says of its enum values: W201 for conditions
 * the enclosing branches or an input's bounds decide, W202 for match
 * arms and elses no value can reach. */
static void narrow(lint *L, const ast_node *n, const facts *f)
{
    if (!n) {
        return;
    }
    switch (n->kind) {
    case AST_IF: {
        check_known(L, f, n->a, "condition");
        narrow(L, n->a, f);
        facts t = *f, e = *f;
        if (n->a && n->a->kind != AST_SOME_COND) {
            assume(&t, n->a, true);
            assume(&e, n->a, false);
        }
        narrow(L, n->b, &t);
        narrow(L, n->c, &e);
        return;
    }
    case AST_MATCH:
        narrow_match(L, n, f);
        return;
    case AST_RULE: {
        facts after = *f;
        bool reached = true;
        for (uint32_t i = 0; i < n->list2.count; i++) {
            const ast_node *w = n->list2.items[i];
            if (!w) {
                continue;
            }
            int v = reached ? check_known(L, &after, w->a, "arm's condition")
                            : -1;
            facts in = after;
            if (w->a && w->a->kind != AST_SOME_COND) {
                assume(&in, w->a, true);
            }
            narrow(L, w->a, &after);
            narrow(L, w->b, &in);
            narrow(L, w->c, &in);
            if (w->a && w->a->kind != AST_SOME_COND) {
                assume(&after, w->a, false);
            }
            if (v == 1 && reached) {
                const ast_node *next = i + 1 < n->list2.count
                                           ? n->list2.items[i + 1] : n->c;
                if (next) {
                    warn(L->k, next->sp, "W202 unreachable-arm",
                         "an earlier arm's condition is always true here",
                         next == n->c ? "the else of rule '%s' is never reached"
                                      : "this arm of rule '%s' is never reached",
                         n->name);
                }
            }
            if (v == 1 || (w->a && constant(w->a) == 1)) {
                reached = false; /* conditions() warns of a constant one */
            }
        }
        narrow(L, n->c, &after);
        narrow(L, n->a, f);
        narrow(L, n->b, f);
        return;
    }
    case AST_COMPREH:
        check_known(L, f, n->c, "'where' condition");
        break;
    case AST_UNLESS:
        check_known(L, f, n->a, "exception's condition");
        break;
    case AST_FINDING:
        check_known(L, f, n->a, "finding's condition");
        break;
    default:
        break;
    }
    narrow(L, n->a, f);
    narrow(L, n->b, f);
    narrow(L, n->c, f);
    for (uint32_t i = 0; i < n->list.count; i++) {
        narrow(L, n->list.items[i], f);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        narrow(L, n->list2.items[i], f);
    }
}

/* ---- shadowing ----------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const sym *const *)a)->name, (*(const sym *const *)b)->name);
}

/* Fills L->globals: the file's definitions, parameters, rules and tables
 * by name (a binary search each: a policy may have many thousands). */
static void collect_globals(lint *L)
{
    checker *k = L->k;
    L->globals = alloc(k, ((size_t)k->res.nfuncs + 1) * sizeof *L->globals);
    L->nglobals = 0;
    if (!L->globals) {
        return;
    }
    for (int i = 0; i < k->res.nfuncs; i++) {
        const sym *f = k->res.funcs[i];
        if (f->decl && f->name && file_of(k, f->decl->sp.start) == L->file &&
            (f->decl->kind == AST_DEF || f->decl->kind == AST_PARAM ||
             f->decl->kind == AST_RULE || f->decl->kind == AST_TABLE)) {
            L->globals[L->nglobals++] = f;
        }
    }
    qsort(L->globals, L->nglobals, sizeof *L->globals, by_name);
}

/* The file's own declaration named [name] (a definition, parameter, rule
 * or table), or NULL. */
static const sym *global_named(const lint *L, const char *name)
{
    size_t lo = 0, hi = L->nglobals;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(L->globals[mid]->name, name);
        if (c == 0) {
            return L->globals[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static void shadow_one(lint *L, const char *name, tly_span at)
{
    if (!name) {
        return;
    }
    const sym *g = global_named(L, name);
    if (g) {
        uint32_t line, col;
        tly_position(L->k->c, g->decl->sp.start, NULL, &line, &col);
        char hint[160];
        snprintf(hint, sizeof hint, "rename it: inside, '%s' no longer means "
                 "the %s of line %u", name, decl_word(g->decl), line);
        warn(L->k, at, "W301 shadowed-name", hint,
             "'%s' hides the %s '%s'", name, decl_word(g->decl), name);
    }
}

static void shadows(lint *L, const ast_node *n)
{
    if (!n) {
        return;
    }
    switch (n->kind) {
    case AST_LET:
    case AST_SOME_COND:
        shadow_one(L, n->name, n->name_sp.end ? n->name_sp : n->sp);
        break;
    case AST_COMPREH:
        shadow_one(L, n->text, n->sp);
        break;
    case AST_PARAM_DECL:
        shadow_one(L, n->name, n->name_sp.end ? n->name_sp : n->sp);
        break;
    default:
        break;
    }
    shadows(L, n->a);
    shadows(L, n->b);
    shadows(L, n->c);
    for (uint32_t i = 0; i < n->list.count; i++) {
        shadows(L, n->list.items[i]);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        shadows(L, n->list2.items[i]);
    }
}

/* ---- weights ------------------------------------------------------------- */

/* Adds the bounds of the sum [n] of fields (a + b + ...) to [lo]/[hi];
 * false when a term is not a field or a bound is missing ([*has_lo] and
 * [*has_hi] are cleared for a missing one). */
static bool sum_bounds(const ast_node *n, int64_t *lo, int64_t *hi,
                       bool *has_lo, bool *has_hi)
{
    if (n->kind == AST_BINARY && n->op == '+') {
        return sum_bounds(n->a, lo, hi, has_lo, has_hi) &&
               sum_bounds(n->b, lo, hi, has_lo, has_hi);
    }
    if (n->kind != AST_NAME || !n->sym || n->sym->kind != SYM_FIELD ||
        !n->ty || n->ty->kind != TY_INT) {
        return false;
    }
    const ty *t = n->ty;
    /* Bounds are at most LIM-sized; sums of a record's fields stay far
     * from overflow, but guard anyway. */
    if (t->has_min && *has_lo && !__builtin_add_overflow(*lo, t->min, lo)) {
    } else {
        *has_lo = false;
    }
    if (t->has_max && *has_hi && !__builtin_add_overflow(*hi, t->max, hi)) {
    } else {
        *has_hi = false;
    }
    return true;
}

static bool int_literal(const ast_node *n, int64_t *v)
{
    if (n->kind != AST_INT || !n->text) {
        return false;
    }
    int64_t x = 0;
    for (const char *p = n->text; *p; p++) {
        if (*p < '0' || *p > '9' || x > (INT64_MAX - 9) / 10) {
            return false;
        }
        x = x * 10 + (*p - '0');
    }
    *v = x;
    return true;
}

/* ---- W401 over decimal, percent and money fields ---------------------- */

/* One end of the values a field or a sum of fields may take. */
typedef struct dbound {
    bool known;
    bool strict; /* the value never reaches it ('<', '>') */
    dec v;
} dbound;

/* Literal [n] (an integer, decimal, amount or percent, or one negated)
 * as its value in [out] (a percent as a fraction: 30% is 0.3). */
static bool num_literal(arena *a, const ast_node *n, dec *out)
{
    bool neg = false;
    if (n && n->kind == AST_UNARY && n->op == '-') {
        neg = true;
        n = n->a;
    }
    if (!n || !n->text ||
        (n->kind != AST_INT && n->kind != AST_DEC && n->kind != AST_MONEY &&
         n->kind != AST_PERCENT) ||
        dec_parse(a, n->text, strlen(n->text), out) != DEC_OK) {
        return false;
    }
    if (n->kind == AST_PERCENT) {
        dec h = dec_from_int(100);
        if (dec_div(a, out, &h, out) != DEC_OK) {
            return false;
        }
    }
    return !neg || dec_neg(a, out, out) == DEC_OK;
}

/* Tightens [b] to [v] ([strict] for '<' or '>'): the lower end when
 * [low], else the upper. */
static void tighten(dbound *b, const dec *v, bool strict, bool low)
{
    int c = b->known ? dec_cmp(v, &b->v) : 0;
    if (!b->known || (low ? c > 0 : c < 0)) {
        b->known = true;
        b->v = *v;
        b->strict = strict;
    } else if (c == 0 && strict) {
        b->strict = true;
    }
}

/* Whether [n] names the field [f] names (a 'where' condition's own). */
static bool names_field(const ast_node *n, const sym *f)
{
    return n && n->kind == AST_NAME && n->sym &&
           n->sym->kind == SYM_FIELD && n->sym->owner == f->owner &&
           n->sym->ordinal == f->ordinal;
}

/* What 'where' condition [c] of field [f] says of its bounds: the
 * comparisons with a literal it joins with 'and'. */
static void where_bounds(arena *a, const ast_node *c, const sym *f,
                         dbound *lo, dbound *hi)
{
    if (!c || c->kind != AST_BINARY) {
        return;
    }
    if (c->op == AND) {
        where_bounds(a, c->a, f, lo, hi);
        where_bounds(a, c->b, f, lo, hi);
        return;
    }
    int op = c->op;
    dec v;
    if (names_field(c->a, f) && num_literal(a, c->b, &v)) {
        /* f OP v */
    } else if (names_field(c->b, f) && num_literal(a, c->a, &v)) {
        op = op == '<' ? '>' : op == '>' ? '<' : op == LE ? GE
             : op == GE ? LE : op;
    } else {
        return;
    }
    if (op == '<' || op == LE || op == '=') {
        tighten(hi, &v, op == '<', false);
    }
    if (op == '>' || op == GE || op == '=') {
        tighten(lo, &v, op == '>', true);
    }
}

/* Adds the bounds of field sum [n] (a + b + ...) to [lo]/[hi]: a field's
 * declared integer bounds and its 'where' conditions' comparisons with
 * literals.  False when a term is not a number field. */
static bool dec_sum_bounds(arena *a, const ast_node *n, dbound *lo, dbound *hi)
{
    if (n->kind == AST_BINARY && n->op == '+') {
        return dec_sum_bounds(a, n->a, lo, hi) &&
               dec_sum_bounds(a, n->b, lo, hi);
    }
    if (n->kind != AST_NAME || !n->sym || n->sym->kind != SYM_FIELD ||
        !n->ty || !n->sym->owner || n->sym->ordinal < 0 ||
        n->sym->ordinal >= n->sym->owner->nfields ||
        !n->sym->owner->fields[n->sym->ordinal].decl ||
        (n->ty->kind != TY_INT && n->ty->kind != TY_DEC &&
         n->ty->kind != TY_MONEY && n->ty->kind != TY_PERCENT)) {
        return false;
    }
    const ty *t = n->ty;
    dbound flo = {false, false, dec_from_int(0)};
    dbound fhi = flo;
    if (t->kind == TY_INT && t->has_min) {
        dec m = dec_from_int(t->min);
        tighten(&flo, &m, false, true);
    }
    if (t->kind == TY_INT && t->has_max) {
        dec m = dec_from_int(t->max);
        tighten(&fhi, &m, false, false);
    }
    /* the field's declaration, with its options ('where') */
    const ast_node *d = n->sym->owner->fields[n->sym->ordinal].decl;
    for (uint32_t i = 0; i < d->list.count; i++) {
        const ast_node *o = d->list.items[i];
        if (o && o->kind == AST_WHERE) {
            where_bounds(a, o->a, n->sym, &flo, &fhi);
        }
    }
    dbound *ends[2] = {lo, hi};
    const dbound *adds[2] = {&flo, &fhi};
    for (int e = 0; e < 2; e++) {
        if (!ends[e]->known) {
            continue; /* already open: stays so */
        }
        if (!adds[e]->known ||
            dec_add(a, &ends[e]->v, &adds[e]->v, &ends[e]->v) != DEC_OK) {
            ends[e]->known = false;
            continue;
        }
        ends[e]->strict = ends[e]->strict || adds[e]->strict;
    }
    return true;
}

/* [v] written as the sum's type [t] writes it: "30%", "£1,000.00". */
static void put_num(strbuf *b, const ty *t, const dec *v, arena *a)
{
    if (t && t->kind == TY_PERCENT) {
        dec h = dec_from_int(100), p;
        if (dec_mul(a, v, &h, &p) == DEC_OK) {
            dec_format(&p, b);
            sb_putc(b, '%');
            return;
        }
    }
    if (!t || t->kind != TY_MONEY) {
        dec_format(v, b);
        return;
    }
    const char *code = !t->currency          ? "GBP"
                       : ty_money_dyn(t)        ? NULL
                                                : t->currency;
    dec_format_money(v, code, b);
}

/* W401 for check [ch] ('a + b + ... = N') over fields whose 'where'
 * conditions (or integer bounds) make N out of reach. */
static void weights_where(lint *L, const ast_node *ch)
{
    tly_comp *c = L->k->c;
    arena *a = &c->arena;
    const ast_node *sum = ch->a->a, *lit = ch->a->b;
    dec want;
    if (!num_literal(a, lit, &want)) {
        sum = ch->a->b;
        lit = ch->a->a;
        if (!num_literal(a, lit, &want)) {
            return;
        }
    }
    dbound lo = {true, false, dec_from_int(0)};
    dbound hi = lo;
    if (!dec_sum_bounds(a, sum, &lo, &hi)) {
        return;
    }
    bool over = hi.known && (dec_cmp(&hi.v, &want) < 0 ||
                             (hi.strict && dec_cmp(&hi.v, &want) == 0));
    bool under = !over && lo.known &&
                 (dec_cmp(&lo.v, &want) > 0 ||
                  (lo.strict && dec_cmp(&lo.v, &want) == 0));
    if (!over && !under) {
        return;
    }
    const dbound *end = over ? &hi : &lo;
    strbuf x, y;
    sb_init(&x, c->mem);
    sb_init(&y, c->mem);
    put_num(&x, sum->ty, &end->v, a);
    put_num(&y, sum->ty, &want, a);
    if (!x.failed && !y.failed && x.p && y.p) {
        warn(L->k, ch->a->sp, "W401 weights-sum",
             over ? "widen the fields' bounds, or check the total meant"
                  : "lower the fields' bounds, or check the total meant",
             "these fields add up to %s %s, never %s",
             over ? (end->strict ? "less than" : "at most")
                  : (end->strict ? "more than" : "at least"),
             x.p, y.p);
    } else {
        c->oom = true;
    }
    sb_free(&x);
    sb_free(&y);
}

static void weights(lint *L, const ast_node *rec)
{
    for (uint32_t i = 0; i < rec->list.count; i++) {
        const ast_node *ch = rec->list.items[i];
        if (ch->kind != AST_CHECK || !ch->a || ch->a->kind != AST_BINARY ||
            ch->a->op != '=') {
            continue;
        }
        const ast_node *sum = ch->a->a, *lit = ch->a->b;
        int64_t want;
        if (!int_literal(lit, &want)) {
            sum = ch->a->b;
            lit = ch->a->a;
            if (!int_literal(lit, &want)) {
                weights_where(L, ch);
                continue;
            }
        }
        int64_t lo = 0, hi = 0;
        bool has_lo = true, has_hi = true;
        if (!sum_bounds(sum, &lo, &hi, &has_lo, &has_hi)) {
            weights_where(L, ch);
            continue;
        }
        if (has_hi && hi < want) {
            warn(L->k, ch->a->sp, "W401 weights-sum",
                 "widen the fields' bounds, or check the total meant",
                 "these fields add up to at most %lld, never %lld",
                 (long long)hi, (long long)want);
        } else if (has_lo && lo > want) {
            warn(L->k, ch->a->sp, "W401 weights-sum",
                 "lower the fields' bounds, or check the total meant",
                 "these fields add up to at least %lld, never %lld",
                 (long long)lo, (long long)want);
        } else {
            weights_where(L, ch);
        }
    }
}

/* ---- the file's text ----------------------------------------------------- */

/* Whether the [n] bytes at [s] begin with [w]. */
static bool starts(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && memcmp(s, w, k) == 0;
}

/* Whether the text [s, s + len) has a comment line starting "# tally:
 * legal" (spaces allowed between the words). */
static bool marked_legal(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && s[e] != '\n') {
            e++;
        }
        size_t p = i;
        while (p < e && (s[p] == ' ' || s[p] == '\t')) {
            p++;
        }
        if (p < e && s[p] == '#') {
            p++;
            while (p < e && s[p] == ' ') p++;
            if (starts(s + p, e - p, "tally:")) {
                p += 6;
                while (p < e && s[p] == ' ') p++;
                if (starts(s + p, e - p, "legal") &&
                    (e - p == 5 || s[p + 5] == ' ' || s[p + 5] == '\r')) {
                    return true;
                }
            }
        }
        i = e + 1;
    }
    return false;
}

/* ---- imports ------------------------------------------------------------- */

/* Whether some node under [n], outside import declarations, names [name]:
 * as a name, a type, an input's type, or through a member of the enum
 * [name].  A name spelled alike counts (never a false warning). */
static bool names_anywhere(const ast_node *n, const char *name)
{
    if (!n || n->kind == AST_IMPORT) {
        return false;
    }
    /* A literal's name field is its currency, or unset: not a name. */
    bool literal = n->kind <= AST_NONE;
    if ((!literal && n->name && strcmp(n->name, name) == 0) ||
        (n->kind == AST_INPUT && n->text && strcmp(n->text, name) == 0) ||
        (n->sym && n->sym->kind == SYM_MEMBER && n->sym->owner &&
         n->sym->owner->name && strcmp(n->sym->owner->name, name) == 0)) {
        return true;
    }
    if (names_anywhere(n->a, name) || names_anywhere(n->b, name) ||
        names_anywhere(n->c, name)) {
        return true;
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        if (names_anywhere(n->list.items[i], name)) {
            return true;
        }
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        if (names_anywhere(n->list2.items[i], name)) {
            return true;
        }
    }
    return false;
}

/* ---- the pass ------------------------------------------------------------ */

static bool decl_kind_named(const ast_node *d)
{
    return d->kind == AST_DEF || d->kind == AST_PARAM || d->kind == AST_RULE ||
           d->kind == AST_TABLE;
}

/* The warnings of file [file] (its AST [root]): the policy's, or a user
 * module's.  A module has no output, so W101 and W104 stay off for it:
 * every declaration of a module is exported (the language has no private
 * ones), and an importer may use any enum member. */
static void lint_file(lint *L, int file, ast_node *root)
{
    checker *k = L->k;
    tly_comp *c = k->c;
    L->file = file;
    collect_globals(L);
    if (c->oom) {
        return;
    }
    bool is_policy = file == 0 && k->res.output != NULL && !root->b;
    const tly_file *f0 = tly_file_at(c, root->sp.start);
    bool legal = marked_legal(f0->src, f0->len);

    /* W101, W102, W501: the file's own declarations. */
    for (int i = 0; i < k->res.nfuncs; i++) {
        sym *s = k->res.funcs[i];
        const ast_node *d = s->decl;
        if (!d || !decl_kind_named(d) || file_of(k, d->sp.start) != file) {
            continue;
        }
        if (is_policy && !set_has(&L->used, s)) {
            warn(k, d->name_sp, "W101 unused-definition",
                 "remove it, or use it",
                 "%s '%s' is never used", decl_word(d), s->name);
        }
        if (d->kind == AST_DEF || d->kind == AST_RULE) {
            for (int j = 0; j < s->nparams; j++) {
                const sym *p = s->params[j];
                if (!set_has(&L->used, p) && p->decl) {
                    warn(k, p->decl->name_sp.end ? p->decl->name_sp : p->decl->sp,
                         "W102 unused-parameter",
                         "remove it, or use it in the body",
                         "parameter '%s' of '%s' is never used", p->name, s->name);
                }
            }
        }
        if (legal && !d->cite && !(d->kind == AST_RULE && d->list2.count &&
                                   d->list2.items[0]->cite)) {
            warn(k, d->name_sp, "W501 uncited-definition",
                 "add 'cites \"...\"' naming the provision it applies",
                 "%s '%s' cites no provision, in a file marked as legal text",
                 decl_word(d), s->name);
        }
    }
    /* W103: names import lists bring in. */
    for (uint32_t i = 0; i < root->list.count; i++) {
        const ast_node *d = root->list.items[i];
        if (d->kind != AST_IMPORT) {
            continue;
        }
        /* Each name costs a walk of the file: bounded for a hostile one. */
        for (uint32_t j = 0; j < d->list.count && d->list.count <= 256; j++) {
            const ast_node *nm = d->list.items[j];
            if (!nm->name) {
                continue;
            }
            if (!names_anywhere(root, nm->name)) {
                warn(k, nm->sp, "W103 unused-import",
                     "remove it from the import list",
                     "'%s' is imported but never used", nm->name);
            }
        }
    }
    /* W104: enums of a policy no data can hold. */
    if (is_policy) {
        for (int i = 0; i < k->res.nenums; i++) {
            const sym *e = k->res.enums[i];
            if (!e->decl || file_of(k, e->decl->sp.start) != 0 ||
                set_has(&L->in_input, e)) {
                continue;
            }
            for (int j = 0; j < e->nmembers; j++) {
                const sym *m = e->members[j];
                if (!set_has(&L->used, m)) {
                    warn(k, m->decl ? m->decl->sp : e->decl->name_sp,
                         "W104 unused-member",
                         "no input can hold this enum, so a member no "
                         "expression names never occurs; remove it",
                         "member '%s' of enum '%s' is never used", m->name,
                         e->name);
                }
            }
        }
    }
    /* W201, W202, W301, W401 over the file's declarations. */
    for (uint32_t i = 0; i < root->list.count; i++) {
        const ast_node *d = root->list.items[i];
        conditions(L, d);
        facts none = {{0}, {0}, 0};
        narrow(L, d, &none);
        if (d->kind != AST_IMPORT) {
            shadows(L, d);
        }
        if (d->kind == AST_RECORD) {
            weights(L, d);
        }
    }
}

void lint_warn(checker *k)
{
    tly_comp *c = k->c;
    lint L = {k, NULL, 0, {0}, {0}, 0};
    int nfiles = c->nfiles ? c->nfiles : 1;
    for (int f = 0; f < nfiles; f++) {
        ast_node *root = c->nfiles ? c->files[f]->root : c->root;
        if (!root) {
            continue;
        }
        mark(&L, root);
        if (root->a) {
            mark(&L, root->a);
        }
    }
    if (k->res.input) {
        mark_type(&L, k->res.input->ty);
    }
    /* The policy, then each user module it imports by path, once however
     * often it is imported; not the standard library (nor a module only
     * imported by name), which is checked where it is written. */
    for (int f = 0; f < nfiles && !c->oom; f++) {
        ast_node *root = c->nfiles ? c->files[f]->root : c->root;
        if (root && (f == 0 || c->files[f]->by_path)) {
            lint_file(&L, f, root);
        }
    }
}

/* ---- silencing ----------------------------------------------------------- */

/* The warning's name: "unused-definition" from a message ending "[W101
 * unused-definition]"; NULL when it has none. */
static const char *warning_name(const char *msg, size_t *len)
{
    size_t n = strlen(msg);
    if (n < 4 || msg[n - 1] != ']') {
        return NULL;
    }
    const char *open = strrchr(msg, '[');
    const char *sp = open ? strchr(open, ' ') : NULL;
    if (!open || open[1] != 'W' || !sp) {
        return NULL;
    }
    *len = (size_t)(msg + n - 1 - (sp + 1));
    return sp + 1;
}

/* In the line [s, e): "# tally: allow NAME" -> 0 none, 1 with a reason
 * (because "..."), 2 without. */
static int allows(const char *s, const char *e, const char *name, size_t nlen)
{
    const char *p = s;
    while (p < e && *p != '#') {
        if (*p == '"') { /* text may hold a '#' */
            p++;
            while (p < e && *p != '"') {
                p += *p == '\\' ? 2 : 1;
            }
        }
        p++;
    }
    if (p >= e) {
        return 0;
    }
    p++;
    while (p < e && *p == ' ') p++;
    static const char tag[] = "tally: allow";
    if ((size_t)(e - p) < sizeof tag - 1 || memcmp(p, tag, sizeof tag - 1) != 0) {
        return 0;
    }
    p += sizeof tag - 1;
    while (p < e && *p == ' ') p++;
    if ((size_t)(e - p) < nlen || memcmp(p, name, nlen) != 0 ||
        (p + nlen < e && p[nlen] != ' ' && p[nlen] != '\r')) {
        return 0;
    }
    p += nlen;
    while (p < e && *p == ' ') p++;
    static const char because[] = "because";
    if ((size_t)(e - p) < sizeof because - 1 ||
        memcmp(p, because, sizeof because - 1) != 0) {
        return 2;
    }
    p += sizeof because - 1;
    while (p < e && *p == ' ') p++;
    if (p + 2 >= e || *p != '"' || p[1] == '"') {
        return 2;
    }
    return 1;
}

static bool comment_only(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    return s < e && *s == '#';
}

void lint_allow(tly_comp *c)
{
    diag_list *l = &c->diags;
    uint32_t kept = 0;
    /* The last line looked at, and its answer for the last name: many
     * warnings on one long line (a generated policy) cost one scan. */
    const char *last_ls = NULL, *last_le = NULL, *last_name = NULL;
    size_t last_nlen = 0;
    int last_got = 0;
    for (uint32_t i = 0; i < l->count; i++) {
        diag *d = &l->items[i];
        size_t nlen = 0;
        const char *name = d->sev == DIAG_WARNING ? warning_name(d->msg, &nlen) : NULL;
        int got = 0;
        if (name) {
            const tly_file *f = tly_file_at(c, d->sp.start);
            size_t off = d->sp.start - f->base;
            if (off > f->len) {
                off = f->len;
            }
            const char *src = f->src, *end = src + f->len;
            if (last_ls && src + off >= last_ls && src + off < last_le &&
                last_nlen == nlen && memcmp(last_name, name, nlen) == 0) {
                got = last_got;
                goto decided;
            }
            const char *ls = src + off;
            while (ls > src && ls[-1] != '\n') ls--;
            const char *le = src + off;
            while (le < end && *le != '\n') le++;
            last_ls = ls;
            last_le = le;
            got = allows(ls, le, name, nlen);
            /* The comment lines just above. */
            while (!got && ls > src) {
                const char *pe = ls - 1;
                const char *ps = pe;
                while (ps > src && ps[-1] != '\n') ps--;
                if (!comment_only(ps, pe)) {
                    break;
                }
                got = allows(ps, pe, name, nlen);
                ls = ps;
            }
            last_name = name;
            last_nlen = nlen;
            last_got = got;
        }
    decided:
        if (got == 1) {
            continue;
        }
        if (got == 2) {
            d->hint = "the 'tally: allow' comment needs a reason: "
                      "# tally: allow NAME because \"why\"";
        }
        l->items[kept++] = *d;
    }
    l->count = kept;
}

/* ---- coverage exclusions ------------------------------------------------- */

/* In the line [s, e): the comment's "# tally: nocover" -> 0 none; 1 with a
 * reason (because "..."), its text in [*r, *r + *rlen) as written between
 * the quotes; 2 without one.  [*at]: where the comment's '#' is. */
static int nocover_in(const char *s, const char *e, const char **r,
                      size_t *rlen, const char **at)
{
    const char *p = s;
    while (p < e && *p != '#') {
        if (*p == '"') { /* text may hold a '#' */
            p++;
            while (p < e && *p != '"') {
                p += *p == '\\' ? 2 : 1;
            }
        }
        p++;
    }
    if (p >= e) {
        return 0;
    }
    *at = p;
    p++;
    while (p < e && *p == ' ') p++;
    static const char tag[] = "tally: nocover";
    size_t k = sizeof tag - 1;
    /* cppcheck concludes that the rest of the line is always shorter
     * than the tag; `# tally: nocover because "..."` is not, and reaches
     * the memcmp (tests/golden/test-nocover). */
    // cppcheck-suppress knownConditionTrueFalse
    if ((size_t)(e - p) < k || memcmp(p, tag, k) != 0 ||
        (p + k < e && p[k] != ' ' && p[k] != '\r')) {
        return 0;
    }
    p += k;
    while (p < e && *p == ' ') p++;
    static const char because[] = "because";
    if ((size_t)(e - p) < sizeof because - 1 ||
        memcmp(p, because, sizeof because - 1) != 0) {
        return 2;
    }
    p += sizeof because - 1;
    while (p < e && *p == ' ') p++;
    if (p >= e || *p != '"') {
        return 2;
    }
    const char *q = ++p;
    while (q < e && *q != '"') {
        q += *q == '\\' ? 2 : 1;
    }
    if (q >= e || q == p) {
        return 2;
    }
    *r = p;
    *rlen = (size_t)(q - p);
    return 1;
}

const char *lint_nocover(tly_comp *c, uint32_t off)
{
    const tly_file *f = tly_file_at(c, off);
    size_t o = off - f->base;
    if (o > f->len) {
        o = f->len;
    }
    const char *src = f->src, *end = src + f->len;
    const char *ls = src + o;
    while (ls > src && ls[-1] != '\n') ls--;
    const char *le = src + o;
    while (le < end && *le != '\n') le++;
    const char *r = NULL, *at;
    size_t rlen = 0;
    int got = nocover_in(ls, le, &r, &rlen, &at);
    while (!got && ls > src) { /* the comment lines just above */
        const char *pe = ls - 1;
        const char *ps = pe;
        while (ps > src && ps[-1] != '\n') ps--;
        if (!comment_only(ps, pe)) {
            break;
        }
        got = nocover_in(ps, pe, &r, &rlen, &at);
        ls = ps;
    }
    if (got != 1) {
        return NULL;
    }
    char *d = arena_alloc(&c->arena, rlen + 1);
    if (!d) {
        c->oom = true;
        return NULL;
    }
    memcpy(d, r, rlen);
    d[rlen] = '\0';
    return d;
}

void lint_nocover_check(tly_comp *c)
{
    int nfiles = c->nfiles ? c->nfiles : 1;
    for (int i = 0; i < nfiles; i++) {
        const tly_file *f = c->nfiles ? c->files[i] : tly_file_at(c, 0);
        if (f->builtin) {
            continue;
        }
        const char *s = f->src, *end = s + f->len;
        while (s < end) {
            const char *e = s;
            while (e < end && *e != '\n') e++;
            const char *r, *at;
            size_t rlen;
            if (nocover_in(s, e, &r, &rlen, &at) == 2) {
                uint32_t o = f->base + (uint32_t)(at - f->src);
                tly_span sp = {o, o + 1};
                diag_add(&c->diags, DIAG_ERROR, sp,
                         "# tally: nocover because \"why it cannot be "
                         "reached\"",
                         "a coverage exclusion needs a reason");
            }
            s = e + 1;
        }
    }
}
