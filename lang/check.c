/* lang/check.c - static type checking of expressions and declarations.
 *
 * Declarations are collected first (so order in the file does not matter),
 * then types are resolved, then every body is checked.  Each expression
 * gets a ty; implicit conversions (integer to decimal, T to optional T) are
 * recorded on the node for the compiler.  Errors speak the author's
 * language and suggest the likely fix; an expression already in error has
 * TY_ERROR, which is accepted everywhere so one mistake gives one message.
 * Definitions may not call themselves, directly or not: every policy
 * terminates.  Nothing here allocates outside the compilation's arena.
 *
 * This file checks expressions and declarations and drives the check of
 * a compilation, file by file (tly_check); the types themselves are
 * types.c's, and the symbol tables, scopes and imports resolve.c's
 * (check_int.h).
 */
#include "check_int.h"
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode.h"
#include "decimal.h"
#include "date.h"
#include "parser.h"
#include "tally_assert.h"
#include "tally_limits.h"

/* ---- expressions ------------------------------------------------------- */

static ty *expr(checker *k, ast_node *n, ty *want);
static void check_func(checker *k, sym *f);

/* Checks [n] and requires it to fit [want]. */
static ty *expect(checker *k, ast_node *n, ty *want, const char *what)
{
    ty *t = expr(k, n, want);
    if (!ty_fits(k, n, t, want)) {
        ty_mismatch(k, n, t, want, what);
        return &k->t_error;
    }
    return want;
}

ty *chk_expect(checker *k, ast_node *n, ty *want, const char *what)
{
    return expect(k, n, want, what);
}

static ty *expect_bool(checker *k, ast_node *n, const char *what)
{
    return expect(k, n, &k->t_bool, what);
}

static bool parse_dec_lit(checker *k, ast_node *n)
{
    dec d;
    arena tmp;
    arena_init(&tmp, k->c->mem);
    dec_status st = dec_parse(&tmp, n->text, strlen(n->text), &d);
    arena_free(&tmp);
    if (st != DEC_OK) {
        err(k, n->sp, NULL, "malformed number '%s'", n->text);
        return false;
    }
    return true;
}

/* The type of [n], a name for the global [s] used as a value; NULL when
 * [s] is not a value (a type, a module). */
static ty *global_value(checker *k, ast_node *n, sym *s)
{
    switch (s->kind) {
    case SYM_PARAM:
    case SYM_DEF:
    case SYM_RULE:
    case SYM_EXTERN:
        if (s->nparams > 0) {
            err(k, n->sp, NULL, "'%s' needs %d argument%s", n->name,
                s->nparams, s->nparams == 1 ? "" : "s");
            return &k->t_error;
        }
        n->sym = s;
        check_func(k, s);
        return s->kind == SYM_RULE ? s->verdict->ty : s->ty;
    case SYM_INPUT:
        n->sym = s;
        return s->ty;
    default:
        return NULL;
    }
}

static ty *name_expr(checker *k, ast_node *n, ty *want)
{
    sym *s = res_lookup_local(k, n->name);
    if (s) {
        n->sym = s;
        return s->ty;
    }
    if (k->self) {
        int i = res_field_index(k->self, n->name);
        if (i >= 0) {
            sym *f = res_new_sym(k, SYM_FIELD, n->name, n);
            if (!f) {
                return &k->t_error;
            }
            f->owner = k->self;
            f->ordinal = i;
            f->ty = k->self->fields[i].ty;
            n->sym = f;
            return f->ty;
        }
    }
    int count;
    sym *want_enum = want && want->kind == TY_ENUM ? want->decl : NULL;
    if (want && want->kind == TY_OPTIONAL && want->elem->kind == TY_ENUM) {
        want_enum = want->elem->decl;
    }
    sym *m = res_lookup_member(k, n->name, want_enum, &count);
    s = res_lookup_global(k, n->name);
    if (s) {
        ty *t = global_value(k, n, s);
        if (t) {
            return t;
        }
        if (!m && s->kind == SYM_MODULE) {
            err(k, n->sp, NULL,
                "'%s' is a module: write %s.NAME for one of its declarations",
                n->name, n->name);
            return &k->t_error;
        }
        if (!m) {
            err(k, n->sp, NULL, "'%s' is a type, not a value", n->name);
            return &k->t_error;
        }
    }
    if (m) {
        if (count > 1) {
            err(k, n->sp, "write EnumName.member", "'%s' is a member of more than one enum",
                n->name);
            return &k->t_error;
        }
        n->sym = m;
        return m->owner->ty;
    }
    /* Unknown: suggest the nearest name in scope. */
    suggest g = {NULL, 99, n->name, &k->suggest_left};
    for (int i = k->base; i < k->nlocals; i++) {
        res_consider(&g, k->locals[i]->name);
    }
    if (k->self) {
        for (int i = 0; i < k->self->nfields; i++) {
            res_consider(&g, k->self->fields[i].name);
        }
    }
    res_consider_globals(k, &g, ~(1u << SYM_ENUM | 1u << SYM_RECORD |
                                  1u << SYM_ALIAS));
    err(k, n->sp, res_hint_for(k, &g), "unknown name '%s'", n->name);
    return &k->t_error;
}

static ty *get_expr(checker *k, ast_node *n)
{
    /* module.name */
    int mod = res_module_of(k, n->a);
    if (mod >= 0) {
        sym *s = res_lookup_in(k, mod, n->name);
        if (!s) {
            res_no_such(k, n->name_sp, mod, n->name,
                        ~(1u << SYM_ENUM | 1u << SYM_RECORD | 1u << SYM_ALIAS),
                        "definition or parameter");
            return &k->t_error;
        }
        n->kind = AST_NAME;
        n->a = NULL;
        ty *t = global_value(k, n, s);
        if (!t) {
            err(k, n->sp, NULL, "'%s' is a type, not a value", n->name);
            return &k->t_error;
        }
        return t;
    }
    /* Enum.member, module.Enum.member */
    sym *e = NULL;
    if (n->a->kind == AST_NAME && !res_lookup_local(k, n->a->name)) {
        e = res_lookup_global(k, n->a->name);
    } else if (n->a->kind == AST_GET && (mod = res_module_of(k, n->a->a)) >= 0) {
        e = res_lookup_in(k, mod, n->a->name);
    }
    {
        if (e && e->kind == SYM_ENUM) {
            int i = res_ix_find(&e->ix, n->name);
            if (i >= 0 && e->members[i]) {
                n->kind = AST_NAME;
                n->sym = e->members[i];
                return e->ty;
            }
            err(k, n->name_sp, NULL, "enum %s has no member '%s'", e->name,
                n->name);
            return &k->t_error;
        }
    }
    ty *t = expr(k, n->a, NULL);
    if (ty_is_bad(t)) {
        return &k->t_error;
    }
    if (t->kind == TY_OPTIONAL && t->elem->kind == TY_RECORD) {
        err(k, n->name_sp,
            "use 'if x is some v then v.field else ...' or 'x otherwise ...'",
            "this value may be none, so it has no field '%s'", n->name);
        return &k->t_error;
    }
    if (t->kind != TY_RECORD) {
        err(k, n->name_sp, NULL, "%s has no fields (looking for '%s')",
            ty_str(k, t), n->name);
        return &k->t_error;
    }
    sym *r = t->decl;
    int i = res_field_index(r, n->name);
    if (i < 0) {
        suggest g = {NULL, 99, n->name, &k->suggest_left};
        for (int j = 0; j < r->nfields; j++) {
            res_consider(&g, r->fields[j].name);
        }
        err(k, n->name_sp, res_hint_for(k, &g), "%s has no field '%s'", r->name,
            n->name);
        return &k->t_error;
    }
    n->aux = i;
    n->sym = r;
    return r->fields[i].ty;
}

static const char *op_name(int op);

/* '+', '-' and '*' where a date, date-time or duration is involved: the
 * result type, with the operation for the compiler in [n]->aux; an error
 * (reported) for a combination that means nothing; NULL when neither
 * side is one of them.  A date plus hours is refused (a date has no time
 * of day), and so is a date-time plus months or working days (they count
 * calendar days, which a date-time only has in a time zone: take
 * local_date first). */
static ty *date_arith(checker *k, int op, ast_node *n, ty *a, ty *b)
{
    ty_kind x = a->kind, y = b->kind;
    if (x != TY_DATE && x != TY_DATETIME && x != TY_DURATION &&
        y != TY_DATE && y != TY_DATETIME && y != TY_DURATION) {
        return NULL;
    }
    bool add = op == '+', sub = op == '-';
    const char *hint = NULL;
    if ((add || sub) && x == TY_DATE && y == TY_DURATION) {
        switch ((ast_unit)b->unit) {
        case AST_UNIT_DAYS:
            n->aux = add ? DOP_ADD_DAYS : DOP_SUB_DAYS;
            return a;
        case AST_UNIT_WORKING_DAYS:
            n->aux = add ? DOP_ADD_WORKING : DOP_SUB_WORKING;
            return a;
        case AST_UNIT_MONTHS:
        case AST_UNIT_MONTHS_EARLIER:
        case AST_UNIT_MONTHS_LATER:
            n->aux = add ? DOP_ADD_MONTHS : DOP_SUB_MONTHS;
            return a;
        case AST_UNIT_SECONDS:
        case AST_UNIT_COUNT:
            hint = "a date has no time of day: add days to it, or hours "
                   "to a datetime";
            break;
        }
    } else if (sub && x == TY_DATE && y == TY_DATE) {
        n->aux = DOP_DAYS_BETWEEN;
        return &k->t_int;
    } else if ((add || sub) && x == TY_DATETIME && y == TY_DURATION) {
        if (b->unit == AST_UNIT_SECONDS) {
            n->aux = add ? DOP_ADD_SECONDS : DOP_SUB_SECONDS;
            return a;
        }
        if (b->unit == AST_UNIT_DAYS) {
            n->aux = add ? DOP_ADD_DAYS_TIME : DOP_SUB_DAYS_TIME;
            return a;
        }
        hint = "months and working days count calendar days: take the "
               "date first, as local_date(t) + 1 month";
    } else if (add && x == TY_DURATION && (y == TY_DATE || y == TY_DATETIME)) {
        hint = "write the date first, as d + 30 days";
    } else if (sub && x == TY_DATETIME && y == TY_DATETIME) {
        hint = "compare date-times with < and >, or subtract their dates: "
               "local_date(a) - local_date(b)";
    } else if (op == '*' && ((x == TY_INT && y == TY_DURATION) ||
                             (x == TY_DURATION && y == TY_INT))) {
        n->aux = DOP_SCALE;
        return x == TY_DURATION ? a : b;
    } else if ((add || sub) && x == TY_DURATION && y == TY_DURATION) {
        hint = "add each duration to the date in turn";
    } else if (op == '*' && (x == TY_DURATION || y == TY_DURATION)) {
        hint = "a duration is multiplied by an integer, as n * 1 day";
    }
    err(k, n->sp, hint, "cannot use %s on %s and %s", op_name(op),
        ty_str(k, a), ty_str(k, b));
    return &k->t_error;
}

static const char *op_name(int op)
{
    switch (op) {
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "/";
    case '=': return "=";
    case '<': return "<";
    case '>': return ">";
    case NE: return "!=";
    case LE: return "<=";
    case GE: return ">=";
    case AND: return "and";
    case OR: return "or";
    case IN: return "is in";
    case OTHERWISE: return "otherwise";
    default: return "?";
    }
}

/* When one side is money and the other a plain number, the author almost
 * always forgot the currency: say so at the number. */
static bool money_vs_number(checker *k, ast_node *n, ty *a, ty *b,
                            const char *verb)
{
    bool an = a->kind == TY_INT || a->kind == TY_DEC;
    bool bn = b->kind == TY_INT || b->kind == TY_DEC;
    ast_node *num = NULL;
    if (a->kind == TY_MONEY && bn) {
        num = n->b;
    } else if (b->kind == TY_MONEY && an) {
        num = n->a;
    }
    if (!num) {
        return false;
    }
    int len = (int)(num->sp.end - num->sp.start);
    char hint[160];
    if (num->kind == AST_INT || num->kind == AST_DEC) {
        snprintf(hint, sizeof hint, "write the amount with its currency: £%.*s",
                 len > 40 ? 40 : len, tly_text_at(k->c, num->sp.start));
    } else {
        snprintf(hint, sizeof hint, "only money mixes with money: multiply "
                 "by a rate, or compare with an amount such as £0");
    }
    err(k, num->sp, hint, "cannot %s money and a plain number", verb);
    return true;
}

/* Is [n] a bare name that only an enum member of several enums could
 * be?  Then it takes its type from the other side of the operator. */
static bool ambiguous_member(checker *k, ast_node *n)
{
    if (n->kind != AST_NAME || res_lookup_local(k, n->name) ||
        res_lookup_global(k, n->name) ||
        (k->self && res_field_index(k->self, n->name) >= 0)) {
        return false;
    }
    int count;
    res_lookup_member(k, n->name, NULL, &count);
    return count > 1;
}

static ty *binary(checker *k, ast_node *n, ty *want)
{
    int op = n->op;
    if (op == OR && n->b->kind == AST_NAME &&
        (strcmp(n->b->name, "earlier") == 0 ||
         strcmp(n->b->name, "later") == 0) &&
        !res_lookup_local(k, n->b->name) && !res_lookup_global(k, n->b->name)) {
        /* "d + 1 month\n or earlier": the direction belongs to the
         * duration, written on its line (the scanner reads it there). */
        expr(k, n->a, NULL);
        err(k, n->b->sp, "write it right after the months, on the same "
            "line: d + 1 month or earlier",
            "'or %s' must follow a number of months or years", n->b->name);
        return &k->t_error;
    }
    if (op == AND || op == OR) {
        expect_bool(k, n->a, "the left side");
        expect_bool(k, n->b, "the right side");
        return &k->t_bool;
    }
    if (op == OTHERWISE) {
        ty *a = expr(k, n->a, want ? ty_wrap(k, TY_OPTIONAL, want) : NULL);
        if (ty_is_bad(a)) {
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        if (a->kind != TY_OPTIONAL) {
            err(k, n->a->sp, NULL,
                "'otherwise' needs a value that may be none, and this is %s",
                ty_str(k, a));
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        ty *e = a->elem;
        ty *b = expr(k, n->b, e);
        if (ty_fits(k, n->b, b, e)) {
            return e;
        }
        if (e->kind == TY_INT && b->kind == TY_DEC) {
            n->a->conv |= AUX_TO_DEC; /* integer-or-none otherwise decimal */
            return b;
        }
        ty_mismatch(k, n->b, b, e, "the value after 'otherwise'");
        return &k->t_error;
    }
    if (op == IN) {
        ty *l;
        if (!ambiguous_member(k, n->a)) {
            ty *x = expr(k, n->a, NULL);
            l = expr(k, n->b, ty_is_bad(x) ? NULL : ty_wrap(k, TY_LIST, x));
            if (ty_is_bad(l)) {
                return &k->t_bool;
            }
            if (l->kind != TY_LIST) {
                err(k, n->b->sp, NULL, "'is in' needs a list, not %s", ty_str(k, l));
                return &k->t_bool;
            }
            if (!ty_is_bad(x) && !ty_fits(k, n->a, x, l->elem)) {
                ty_mismatch(k, n->a, x, l->elem, "the value looked for");
            }
            return &k->t_bool;
        }
        l = expr(k, n->b, NULL);
        if (ty_is_bad(l)) {
            expr(k, n->a, NULL);
            return &k->t_bool;
        }
        if (l->kind != TY_LIST) {
            err(k, n->b->sp, NULL, "'is in' needs a list, not %s", ty_str(k, l));
            expr(k, n->a, NULL);
            return &k->t_bool;
        }
        expect(k, n->a, l->elem, "the value looked for");
        return &k->t_bool;
    }
    ty *hint_ty = NULL;
    /* Let an enum member or none on one side take the other's type. */
    ty *a, *b;
    if (ambiguous_member(k, n->a) && !ambiguous_member(k, n->b)) {
        b = expr(k, n->b, NULL);
        a = expr(k, n->a, (b->kind == TY_ENUM || b->kind == TY_OPTIONAL) ? b : NULL);
    } else {
        a = expr(k, n->a, NULL);
        b = expr(k, n->b, (a->kind == TY_ENUM || a->kind == TY_OPTIONAL) ? a : NULL);
    }
    (void)hint_ty;
    if (ty_is_bad(a) || ty_is_bad(b)) {
        return (op == '=' || op == NE || op == '<' || op == LE || op == '>' ||
                op == GE)
                   ? &k->t_bool
                   : &k->t_error;
    }
    if (op == '=' || op == NE) {
        if (!ty_unify(k, n->a, a, n->b, b) &&
            !money_vs_number(k, n, a, b, "compare")) {
            const char *hint = NULL;
            if ((a->kind == TY_MONEY && (b->kind == TY_INT || b->kind == TY_DEC)) ||
                (b->kind == TY_MONEY && (a->kind == TY_INT || a->kind == TY_DEC))) {
                hint = ty_money_hint(NULL);
            }
            err(k, n->sp, hint, "cannot compare %s with %s", ty_str(k, a),
                ty_str(k, b));
        }
        return &k->t_bool;
    }
    if (op == '<' || op == LE || op == '>' || op == GE) {
        ty *u = ty_unify(k, n->a, a, n->b, b);
        if ((!u || !ty_ordered(u)) && !money_vs_number(k, n, a, b, "compare")) {
            const char *hint = NULL;
            if ((a->kind == TY_MONEY && (b->kind == TY_INT || b->kind == TY_DEC)) ||
                (b->kind == TY_MONEY && (a->kind == TY_INT || a->kind == TY_DEC))) {
                hint = ty_money_hint(NULL);
            } else if (a->kind == TY_OPTIONAL || b->kind == TY_OPTIONAL) {
                hint = "a value that may be none cannot be ordered: use "
                       "'x otherwise default'";
            }
            err(k, n->sp, hint, "cannot order %s against %s", ty_str(k, a),
                ty_str(k, b));
        }
        return &k->t_bool;
    }
    if (a->kind == TY_TEXT && b->kind == TY_TEXT && op == '+') {
        n->aux = 0;
        return &k->t_text;
    }
    if ((a->kind == TY_TEXT || b->kind == TY_TEXT) && op == '+') {
        err(k, n->sp, "turn the value into text with text(x) first",
            "cannot join %s and %s", ty_str(k, a), ty_str(k, b));
        return &k->t_error;
    }
    ty *dr = date_arith(k, op, n, a, b);
    if (dr) {
        return dr;
    }
    const char *hint;
    ty *r = ty_is_num(a) && ty_is_num(b) ? ty_arith(k, op, n, a, b, &hint)
                                   : (hint = NULL, NULL);
    if (!r && (op == '+' || op == '-') &&
        money_vs_number(k, n, a, b, op == '+' ? "add" : "subtract")) {
        return &k->t_error;
    }
    if (!r && (a->kind == TY_OPTIONAL || b->kind == TY_OPTIONAL)) {
        hint = "this value may be none: use 'x otherwise default' or "
               "'if x is some v then ... else ...'";
    }
    if (!r) {
        err(k, n->sp, hint, "cannot use %s on %s and %s", op_name(op),
            ty_str(k, a), ty_str(k, b));
        return &k->t_error;
    }
    return r;
}

/* Checks a condition, which may be "x is some v" binding v. Returns the
 * number of locals it pushed (0 or 1); the caller pops them after the
 * then-branch. */
static int cond(checker *k, ast_node *n)
{
    if (n->kind != AST_SOME_COND) {
        expect_bool(k, n, "a condition");
        return 0;
    }
    ty *t = expr(k, n->a, NULL);
    if (!ty_is_bad(t) && t->kind != TY_OPTIONAL) {
        err(k, n->a->sp, NULL, "'is some' needs a value that may be none, and this is %s",
            ty_str(k, t));
        t = &k->t_error;
    }
    sym *s = res_bind_local(k, n->name, ty_is_bad(t) ? &k->t_error : t->elem, n);
    n->sym = s;
    return s ? 1 : 0;
}

static ty *join(checker *k, ast_node *na, ty *a, ast_node *nb, ty *b,
                const char *what)
{
    if (a->kind == TY_NEVER) return b;
    if (b->kind == TY_NEVER) return a;
    ty *u = ty_unify(k, na, a, nb, b);
    if (!u) {
        err(k, nb->sp, NULL, "%s: one branch is %s and the other %s", what,
            ty_str(k, a), ty_str(k, b));
        return &k->t_error;
    }
    return u;
}

/* ---- builtins -------------------------------------------------------- */

const chk_builtin_info chk_builtins[BUILTIN_KIND_COUNT] = {
    [BUILTIN_NONE] = {NULL, 0},
#define CALL BUILTIN_CALL
#define AGG BUILTIN_AGG
#define TALLY_BUILTIN(id, name, forms) [BUILTIN_##id] = {name, forms},
#include "builtins.def"
#undef TALLY_BUILTIN
#undef CALL
#undef AGG
};

/* A dozen names: a scan beats a hash, and runs once per call node. */
chk_builtin chk_builtin_find(const char *name, unsigned form)
{
    for (int i = BUILTIN_NONE + 1; i < BUILTIN_KIND_COUNT; i++) {
        if ((chk_builtins[i].forms & form) &&
            strcmp(chk_builtins[i].name, name) == 0) {
            return (chk_builtin)i;
        }
    }
    return BUILTIN_NONE;
}

static ty *comprehension(checker *k, ast_node *n, ty *want)
{
    const char *agg = n->name; /* NULL: [x for ...] */
    chk_builtin b = agg ? chk_builtin_find(agg, BUILTIN_AGG) : BUILTIN_NONE;
    n->builtin = (uint8_t)b;
    ty *src = expr(k, n->b, NULL);
    ty *elem = &k->t_error;
    if (!ty_is_bad(src)) {
        if (src->kind != TY_LIST) {
            err(k, n->b->sp, NULL, "can only go through a list, not %s",
                ty_str(k, src));
        } else {
            elem = src->elem;
        }
    }
    int mark = k->nlocals;
    n->sym = res_bind_local(k, n->text, elem, n);
    if (n->var2) {
        sym *pos = res_bind_local(k, n->var2, &k->t_int, n);
        if (pos) {
            pos->ordinal = 1; /* marks a position variable */
        }
        n->sym2 = pos;
    }
    if (n->c) {
        expect_bool(k, n->c, "the 'where' condition");
    }
    ty *body_want = NULL;
    if (!agg && want && want->kind == TY_LIST) {
        body_want = want->elem;
    }
    ty *body = expr(k, n->a, body_want);
    for (uint32_t i = 0; i < n->list2.count; i++) {
        ast_node *key = n->list2.items[i];
        ty *kt = expr(k, key->a, NULL);
        if (!ty_is_bad(kt) && !ty_ordered(kt) && kt->kind != TY_BOOL) {
            err(k, key->sp, NULL, "cannot sort by %s", ty_str(k, kt));
        }
        key->ty = kt;
    }
    k->nlocals = mark;
    if (n->list2.count && b != BUILTIN_SORT) {
        err(k, n->list2.items[0]->sp, NULL, "'by' is only for sort(...)");
    }
    if (!agg) {
        if (body_want && ty_fits(k, n->a, body, body_want)) {
            body = body_want;
        }
        return ty_wrap(k, TY_LIST, body);
    }
    n->aux = 0;
    switch (b) {
    case BUILTIN_SUM:
        if (!ty_is_bad(body) && !ty_is_num(body)) {
            err(k, n->a->sp, NULL, "sum needs numbers, not %s", ty_str(k, body));
            return &k->t_error;
        }
        return body;
    case BUILTIN_COUNT:
        return &k->t_int;
    case BUILTIN_ALL:
    case BUILTIN_ANY:
        if (!ty_fits(k, n->a, body, &k->t_bool)) {
            ty_mismatch(k, n->a, body, &k->t_bool, "the condition");
        }
        return &k->t_bool;
    case BUILTIN_LOWEST:
    case BUILTIN_HIGHEST:
        if (!ty_is_bad(body) && !ty_ordered(body)) {
            err(k, n->a->sp, NULL, "%s needs values that can be ordered, not %s",
                agg, ty_str(k, body));
            return &k->t_error;
        }
        return body;
    case BUILTIN_FIRST:
        if (ty_is_bad(body)) {
            return body;
        }
        return body->kind == TY_OPTIONAL ? body : ty_wrap(k, TY_OPTIONAL, body);
    case BUILTIN_SORT:
        if (n->list2.count == 0) {
            err(k, n->sp, "write sort(x for x in list by key descending, ...)",
                "sort needs at least one key after 'by'");
        }
        if (n->list2.count > LIM_MAX_SORT_KEYS) {
            err(k, n->sp, NULL,
                "sort takes at most " LIM_STR(LIM_MAX_SORT_KEYS) " keys");
        }
        return ty_wrap(k, TY_LIST, body);
    case BUILTIN_NONE:
        break;
    case BUILTIN_TEXT: /* not BUILTIN_AGG: chk_builtin_find never gives */
    case BUILTIN_ROUND:
    case BUILTIN_MIN:
    case BUILTIN_MAX:
    case BUILTIN_IS_WORKING_DAY:
    case BUILTIN_ADD_WORKING_DAYS:
    case BUILTIN_WORKING_DAYS_BETWEEN:
    case BUILTIN_LOCAL_DATE:
    case BUILTIN_KIND_COUNT:
        TALLY_UNREACHABLE();
        break;
    }
    err(k, n->name_sp, "use sum, count, all, any, lowest, highest, first or sort",
        "'%s' cannot go through a list", agg);
    return &k->t_error;
}

/* The rounding mode [m] names (`half up`, `floor`...), or
 * DEC_ROUND_MODE_COUNT, reported, when it names none: for round() and a
 * report column's rounding. */
static dec_round_mode rounding_mode(checker *k, const ast_node *m)
{
    char mode[64];
    if (m->kind == AST_MODE) {
        snprintf(mode, sizeof mode, "%s %s", m->name, m->text);
    } else if (m->kind == AST_NAME) {
        snprintf(mode, sizeof mode, "%s", m->name);
    } else {
        mode[0] = '\0';
    }
    dec_round_mode rm = dec_round_mode_from_name(mode);
    if (rm == DEC_ROUND_MODE_COUNT) {
        err(k, m->sp,
            "the modes are half up, half down, half even, up, down, "
            "ceiling and floor",
            "unknown rounding mode '%s'", mode);
    }
    return rm;
}

static ty *call(checker *k, ast_node *n, ty *want)
{
    const char *f = n->name;
    uint32_t argc = n->list.count;
    ast_node **args = n->list.items;
    (void)want;
    sym *s = NULL;
    int mod = -1;
    if (n->c) {
        /* module.f(args): never a builtin */
        mod = res_module_of(k, n->c);
        if (mod < 0) {
            if (n->c->kind == AST_NAME && !res_lookup_local(k, n->c->name) &&
                !res_lookup_global(k, n->c->name)) {
                suggest g = {NULL, 99, n->c->name, &k->suggest_left};
                res_consider_globals(k, &g, 1u << SYM_MODULE);
                err(k, n->c->sp, res_hint_for(k, &g), "unknown module '%s'",
                    n->c->name);
            } else {
                err(k, n->name_sp, "only a module's definitions are called "
                    "as NAME.f(...)", "'%s' is not a module's definition", f);
            }
            for (uint32_t i = 0; i < argc; i++) {
                if (args[i]->kind != AST_MODE) {
                    expr(k, args[i], NULL);
                }
            }
            return &k->t_error;
        }
        n->c = NULL;
        n->builtin = BUILTIN_NONE;
        s = res_lookup_in(k, mod, f);
        goto lookup_done;
    }
    chk_builtin b = chk_builtin_find(f, BUILTIN_CALL);
    if (b == BUILTIN_COUNT && argc != 1) {
        b = BUILTIN_NONE; /* count(a, b) can only be a definition */
    }
    n->builtin = (uint8_t)b;
    switch (b) {
    case BUILTIN_TEXT: {
        if (argc == 2 && (args[1]->kind != AST_NAME ||
                          strcmp(args[1]->name, "plain") != 0)) {
            err(k, args[1]->sp,
                "write text(x) for the usual form or text(x, plain) for "
                "digits alone",
                "text's second argument can only be 'plain'");
            argc = 1;
        }
        if (argc != 1 && argc != 2) {
            err(k, n->sp, NULL, "text takes one value (and perhaps 'plain')");
            return &k->t_text;
        }
        ty *t = expr(k, args[0], NULL);
        if (!ty_is_bad(t) && (t->kind == TY_LIST || t->kind == TY_MAP ||
                              t->kind == TY_RECORD || t->kind == TY_OPTIONAL ||
                              (t->kind == TY_DURATION &&
                            t->unit != AST_UNIT_DAYS))) {
            err(k, args[0]->sp, NULL, "cannot turn %s into text", ty_str(k, t));
        }
        n->aux = 0;
        return &k->t_text;
    }
    case BUILTIN_ROUND: {
        if (argc != 3) {
            err(k, n->sp, "write round(x, 2, half up)",
                "round takes a value, a number of places and a rounding mode");
            return &k->t_error;
        }
        ty *t = expr(k, args[0], NULL);
        if (t->kind == TY_INT) {
            args[0]->conv |= AUX_TO_DEC;
            t = &k->t_dec;
        }
        if (!ty_is_bad(t) && t->kind != TY_DEC && t->kind != TY_MONEY &&
            t->kind != TY_PERCENT) {
            err(k, args[0]->sp, NULL, "cannot round %s", ty_str(k, t));
        }
        expect(k, args[1], &k->t_int, "the number of places");
        ast_node *m = args[2];
        m->num = rounding_mode(k, m);
        return t;
    }
    case BUILTIN_MIN:
    case BUILTIN_MAX: {
        if (argc != 2) {
            err(k, n->sp, NULL, "%s takes two values", f);
            return &k->t_error;
        }
        ty *ta = expr(k, args[0], NULL);
        ty *tb = expr(k, args[1], NULL);
        ty *u = ty_unify(k, args[0], ta, args[1], tb);
        if (!u || (!ty_is_bad(u) && !ty_ordered(u))) {
            const char *hint = (ta->kind == TY_MONEY || tb->kind == TY_MONEY)
                                   ? ty_money_hint(NULL)
                                   : NULL;
            err(k, n->sp, hint, "cannot compare %s with %s", ty_str(k, ta),
                ty_str(k, tb));
            return &k->t_error;
        }
        return u;
    }
    case BUILTIN_IS_WORKING_DAY:
    case BUILTIN_LOCAL_DATE:
        if (argc != 1) {
            err(k, n->sp, NULL, "%s takes one %s", f,
                b == BUILTIN_LOCAL_DATE ? "datetime" : "date");
            return &k->t_error;
        }
        if (b == BUILTIN_LOCAL_DATE) {
            expect(k, args[0], &k->t_datetime, "the instant");
            return &k->t_date;
        }
        expect(k, args[0], &k->t_date, "the day");
        return &k->t_bool;
    case BUILTIN_ADD_WORKING_DAYS:
        if (argc != 2) {
            err(k, n->sp, "write add_working_days(published, 8)",
                "add_working_days takes a date and a number of working days");
            return &k->t_error;
        }
        expect(k, args[0], &k->t_date, "the first day");
        expect(k, args[1], &k->t_int, "the number of working days");
        return &k->t_date;
    case BUILTIN_WORKING_DAYS_BETWEEN:
        if (argc != 2) {
            err(k, n->sp, NULL, "working_days_between takes two dates");
            return &k->t_error;
        }
        expect(k, args[0], &k->t_date, "the first date");
        expect(k, args[1], &k->t_date, "the second date");
        return &k->t_int;
    case BUILTIN_COUNT: {
        ty *t = expr(k, args[0], NULL);
        if (!ty_is_bad(t) && t->kind != TY_LIST && t->kind != TY_MAP) {
            err(k, args[0]->sp, NULL, "count needs a list, not %s", ty_str(k, t));
        }
        n->aux = 1;
        return &k->t_int;
    }
    case BUILTIN_NONE:
        break;
    case BUILTIN_SUM: /* not BUILTIN_CALL: chk_builtin_find never gives */
    case BUILTIN_LOWEST:
    case BUILTIN_HIGHEST:
    case BUILTIN_FIRST:
    case BUILTIN_SORT:
    case BUILTIN_ALL:
    case BUILTIN_ANY:
    case BUILTIN_KIND_COUNT:
        TALLY_UNREACHABLE();
        break;
    }
    s = res_lookup_global(k, f);
lookup_done:
    if (!s || (s->kind != SYM_DEF && s->kind != SYM_RULE &&
               s->kind != SYM_PARAM && s->kind != SYM_EXTERN)) {
        if (mod >= 0) {
            for (uint32_t i = 0; i < argc; i++) {
                if (args[i]->kind != AST_MODE) {
                    expr(k, args[i], NULL);
                }
            }
            res_no_such(k, n->name_sp, mod, f,
                        1u << SYM_DEF | 1u << SYM_RULE | 1u << SYM_EXTERN,
                        "definition");
            return &k->t_error;
        }
        chk_builtin agg = chk_builtin_find(f, BUILTIN_AGG);
        if (agg != BUILTIN_NONE) {
            /* sum(x.xs): the name is right, the form is not */
            for (uint32_t i = 0; i < argc; i++) {
                if (args[i]->kind != AST_MODE) {
                    expr(k, args[i], NULL);
                }
            }
            char hint[96];
            snprintf(hint, sizeof hint, "write %s(v for v in LIST), with "
                     "'where' to keep some", f);
            err(k, n->name_sp, hint, "%s goes through a list with 'for'", f);
            return &k->t_error;
        }
        suggest g = {NULL, 99, f, &k->suggest_left};
        for (int i = BUILTIN_NONE + 1; i < BUILTIN_KIND_COUNT; i++) {
            res_consider(&g, chk_builtins[i].name);
        }
        res_consider_globals(k, &g, 1u << SYM_DEF | 1u << SYM_RULE |
                                    1u << SYM_EXTERN);
        for (uint32_t i = 0; i < argc; i++) {
            if (args[i]->kind != AST_MODE) {
                expr(k, args[i], NULL);
            }
        }
        err(k, n->name_sp, res_hint_for(k, &g), "unknown definition '%s'", f);
        return &k->t_error;
    }
    if ((int)argc != s->nparams) {
        err(k, n->sp, NULL, "'%s' takes %d argument%s, not %u", f, s->nparams,
            s->nparams == 1 ? "" : "s", argc);
        return &k->t_error;
    }
    for (uint32_t i = 0; i < argc; i++) {
        char what[80];
        snprintf(what, sizeof what, "argument %u of %s (%s)", i + 1, f,
                 s->params[i]->name);
        expect(k, args[i], s->params[i]->ty, what);
    }
    n->sym = s;
    check_func(k, s);
    return s->kind == SYM_RULE ? s->verdict->ty : s->ty;
}

static ty *record_lit(checker *k, ast_node *n)
{
    sym *r;
    if (n->c) {
        int mod = res_module_of(k, n->c);
        if (mod < 0) {
            err(k, n->c->sp, NULL, "'%s' is not an imported module",
                n->c->kind == AST_NAME ? n->c->name : "this");
            r = NULL;
        } else {
            r = res_lookup_in(k, mod, n->name);
            if (!r || r->kind != SYM_RECORD) {
                res_no_such(k, n->name_sp, mod, n->name, 1u << SYM_RECORD,
                            "record type");
                n->c = NULL;
                for (uint32_t i = 0; i < n->list.count; i++) {
                    expr(k, n->list.items[i]->a, NULL);
                }
                return &k->t_error;
            }
        }
        n->c = NULL;
    } else {
        r = res_lookup_global(k, n->name);
    }
    if (!r || r->kind != SYM_RECORD) {
        err(k, n->name_sp, NULL, "unknown record type '%s'", n->name);
        for (uint32_t i = 0; i < n->list.count; i++) {
            expr(k, n->list.items[i]->a, NULL);
        }
        return &k->t_error;
    }
    n->sym = r;
    /* Which fields this literal gives: the record's stamps (allocated
     * once) marked with a number new to this literal, so the cost is the
     * literal's and not the record's size, as with a cleared array per
     * literal.  Marked before the values are checked: a literal nested in
     * one may stamp the same record. */
    if (!r->given && !(r->given = alloc(k, (size_t)(r->nfields + 1) *
                                               sizeof *r->given))) {
        return &k->t_error;
    }
    uint32_t stamp = ++k->stamp;
    bool unknown = false; /* a misspelt field explains any missing one */
    int required = 0;     /* required fields given */
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *init = n->list.items[i];
        int fi = res_field_index(r, init->name);
        init->aux = fi;
        if (fi < 0) {
            suggest g = {NULL, 99, init->name, &k->suggest_left};
            for (int j = 0; j < r->nfields; j++) {
                res_consider(&g, r->fields[j].name);
            }
            err(k, init->name_sp, res_hint_for(k, &g), "%s has no field '%s'",
                r->name, init->name);
            unknown = true;
            continue;
        }
        if (r->given[fi] == stamp) {
            err(k, init->name_sp, NULL, "field '%s' is given twice", init->name);
            continue;
        }
        r->given[fi] = stamp;
        required += r->fields[fi].ty->kind != TY_OPTIONAL;
    }
    /* One error per literal: all would be at its start, where the first
     * is kept (diag_add). */
    for (int j = 0; j < r->nfields && !unknown && required < r->nrequired;
         j++) {
        if (r->given[j] != stamp && r->fields[j].ty->kind != TY_OPTIONAL) {
            err(k, n->sp, NULL, "%s needs a value for field '%s'", r->name,
                r->fields[j].name);
            break;
        }
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *init = n->list.items[i];
        if (init->aux < 0) {
            expr(k, init->a, NULL);
            continue;
        }
        char what[80];
        snprintf(what, sizeof what, "field %s", init->name);
        expect(k, init->a, r->fields[init->aux].ty, what);
    }
    return r->ty;
}

/* Makes room for [n] bytes in the checker's scratch stack. */
static bool grow_seen(checker *k, uint32_t n)
{
    if (n <= k->cap_seen) {
        return true;
    }
    uint32_t cap = k->cap_seen ? k->cap_seen : 256;
    while (cap < n) {
        cap *= 2;
    }
    uint8_t *s = alloc(k, cap);
    if (!s) {
        return false;
    }
    if (k->nseen) {
        memcpy(s, k->seen, k->nseen);
    }
    k->seen = s;
    k->cap_seen = cap;
    return true;
}

static ty *match_expr(checker *k, ast_node *n, ty *want)
{
    ty *t = expr(k, n->a, NULL);
    ty *result = NULL;
    ast_node *result_node = NULL;
    bool is_enum = t->kind == TY_ENUM, is_opt = t->kind == TY_OPTIONAL;
    if (!ty_is_bad(t) && !is_enum && !is_opt) {
        err(k, n->a->sp, NULL, "match needs an enum or a value that may be none, not %s",
            ty_str(k, t));
        t = &k->t_error;
    }
    /* What the arms cover, in a region of the checker's scratch stack
     * (a match nested in an arm takes the next one): an array per match
     * made a policy's memory (matches x members). */
    int nmem = is_enum ? t->decl->nmembers : 2;
    uint32_t base = k->nseen;
    if (!grow_seen(k, base + (uint32_t)nmem + 1)) {
        return &k->t_error;
    }
    memset(k->seen + base, 0, (size_t)nmem + 1);
    k->nseen = base + (uint32_t)nmem + 1;
    int covered = 0; /* distinct members or cases seen */
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *arm = n->list.items[i];
        int mark = k->nlocals;
        if (arm->list.count > 1) {
            for (uint32_t j = 0; j < arm->list.count; j++) {
                if (arm->list.items[j]->kind == AST_SOME_PAT) {
                    err(k, arm->list.items[j]->sp, NULL,
                        arm->list.items[j]->text
                            ? "'other(NAME)' must be the only pattern of its arm"
                            : "'some' must be the only pattern of its arm");
                }
            }
        }
        for (uint32_t j = 0; j < arm->list.count; j++) {
            ast_node *p = arm->list.items[j];
            if (ty_is_bad(t)) {
                continue;
            }
            if (p->kind == AST_SOME_PAT && p->text) {
                /* other(c): the open enum's member 'other', its code in c */
                int found = is_enum ? res_ix_find(&t->decl->ix, "other") : -1;
                sym *m = found >= 0 ? t->decl->members[found] : NULL;
                /* bound even when wrong: one error, not one per use */
                p->sym = res_bind_local(k, p->name, &k->t_text, p);
                if (strcmp(p->text, "other") != 0) {
                    err(k, p->sp, "an open enum's unknown code is matched as other(NAME)",
                        "'%s(...)' is not a pattern", p->text);
                    continue;
                }
                if (!m || !m->decl || m->decl->op != AST_MEMBER_OTHER) {
                    err(k, p->sp, "declare the enum 'open' to take codes it does not list",
                        "other(%s) matches the unknown codes of an open enum, and %s "
                        "is not one", p->name, ty_str(k, t));
                    continue;
                }
                if (k->seen[base + (uint32_t)found]) {
                    err(k, p->sp, NULL, "'other' is matched twice");
                }
                covered += !k->seen[base + (uint32_t)found];
                k->seen[base + (uint32_t)found] = 1;
                p->aux = found; /* the member's ordinal */
                continue;
            }
            if (p->kind == AST_NAME && is_enum) {
                sym *e = t->decl;
                int found = res_ix_find(&e->ix, p->name);
                if (found < 0 || !e->members[found]) {
                    err(k, p->sp, NULL, "%s has no member '%s'", e->name, p->name);
                    continue;
                }
                if (k->seen[base + (uint32_t)found]) {
                    err(k, p->sp, NULL, "'%s' is matched twice", p->name);
                }
                covered += !k->seen[base + (uint32_t)found];
                k->seen[base + (uint32_t)found] = 1;
                p->sym = e->members[found];
            } else if (p->kind == AST_NONE && is_opt) {
                if (k->seen[base]) {
                    err(k, p->sp, NULL, "'none' is matched twice");
                }
                covered += !k->seen[base];
                k->seen[base] = 1;
            } else if (p->kind == AST_SOME_PAT && is_opt) {
                if (k->seen[base + 1]) {
                    err(k, p->sp, NULL, "'some' is matched twice");
                }
                covered += !k->seen[base + 1];
                k->seen[base + 1] = 1;
                p->sym = res_bind_local(k, p->name, t->elem, p);
            } else {
                err(k, p->sp, NULL, "this pattern cannot match %s", ty_str(k, t));
            }
        }
        ty *bt = expr(k, arm->a, want ? want : result);
        k->nlocals = mark;
        if (!result) {
            result = bt;
            result_node = arm->a;
        } else {
            result = join(k, result_node, result, arm->a, bt, "match");
        }
    }
    if (n->c) {
        ty *bt = expr(k, n->c, want ? want : result);
        result = result ? join(k, result_node, result, n->c, bt, "match") : bt;
    }
    /* Widen every arm to the common type (1, 2 and 0.5: all decimal). */
    for (uint32_t i = 0; result && i < n->list.count; i++) {
        ast_node *body = n->list.items[i]->a;
        ty_fits(k, body, body->ty, result);
    }
    if (n->c && result) {
        ty_fits(k, n->c, n->c->ty, result);
    }
    if (n->c) {
    } else if (!ty_is_bad(t) && covered < nmem) {
        for (int m = 0; m < nmem; m++) {
            if (!k->seen[base + (uint32_t)m]) {
                const char *missing = is_enum ? t->decl->members[m]->name
                                              : (m == 0 ? "none" : "some");
                err(k, n->sp, "add the missing case or an 'else'",
                    "match does not cover '%s'", missing);
                break;
            }
        }
    }
    k->nseen = base;
    return result ? result : &k->t_error;
}

static ty *literal_money(checker *k, ast_node *n)
{
    if (!parse_dec_lit(k, n)) {
        return &k->t_error;
    }
    if (strcmp(n->name, "GBP") == 0) {
        return &k->t_money;
    }
    ty *t = ty_new(k, TY_MONEY);
    t->currency = n->name;
    return t;
}

static ty *expr_inner(checker *k, ast_node *n, ty *want)
{
    switch ((ast_kind)n->kind) {
    case AST_INT: {
        char *end;
        errno = 0;
        (void)strtoll(n->text, &end, 10);
        if (errno) {
            /* Too big for an integer: it is still an exact decimal. */
            return parse_dec_lit(k, n) ? (n->kind = AST_DEC, &k->t_dec) : &k->t_error;
        }
        return &k->t_int;
    }
    case AST_DEC: return parse_dec_lit(k, n) ? &k->t_dec : &k->t_error;
    case AST_MONEY: return literal_money(k, n);
    case AST_PERCENT: return parse_dec_lit(k, n) ? &k->t_percent : &k->t_error;
    case AST_TEXT: return &k->t_text;
    case AST_DATE: {
        int64_t days;
        if (!date_parse(n->text, strlen(n->text), &days)) {
            err(k, n->sp, NULL, "'%s' is not a date in the calendar", n->text);
            return &k->t_error;
        }
        n->num = days;
        return &k->t_date;
    }
    case AST_DATETIME: {
        date_instant t;
        if (!date_instant_parse(n->text, strlen(n->text), &t)) {
            err(k, n->sp, NULL, "'%s' is not a valid date and time", n->text);
            return &k->t_error;
        }
        return &k->t_datetime;
    }
    case AST_DURATION:
        if (n->op == AST_UNIT_DAYS) {
            return &k->t_duration;
        }
        return n->op > 0 && n->op < AST_UNIT_COUNT ? &k->t_units[n->op]
                                                   : &k->t_error;
    case AST_BOOL: return &k->t_bool;
    case AST_NONE:
        if (n->op == -1) {
            return &k->t_error;
        }
        return &k->t_none;
    case AST_NAME: return name_expr(k, n, want);
    case AST_GET: return get_expr(k, n);
    case AST_INDEX: {
        ty *t = expr(k, n->a, NULL);
        if (ty_is_bad(t)) {
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        if (t->kind == TY_MAP) {
            expect(k, n->b, &k->t_text, "a map key");
            n->aux = 0;
            return t->elem->kind == TY_OPTIONAL ? t->elem : ty_wrap(k, TY_OPTIONAL, t->elem);
        }
        if (t->kind == TY_LIST) {
            expect(k, n->b, &k->t_int, "a position in a list");
            n->aux = 1;
            return t->elem;
        }
        err(k, n->sp, NULL, "cannot look up a value in %s", ty_str(k, t));
        expr(k, n->b, NULL);
        return &k->t_error;
    }
    case AST_CALL:
        if (n->op == -1) {
            return &k->t_error;
        }
        return call(k, n, want);
    case AST_MODE:
        err(k, n->sp, NULL, "a rounding mode is only an argument of round()");
        return &k->t_error;
    case AST_UNARY:
        if (n->op == '-') {
            ty *t = expr(k, n->a, NULL);
            if (!ty_is_bad(t) && !ty_is_num(t)) {
                err(k, n->sp, NULL, "cannot negate %s", ty_str(k, t));
                return &k->t_error;
            }
            return t;
        }
        expect_bool(k, n->a, "the value after 'not'");
        return &k->t_bool;
    case AST_BINARY: return binary(k, n, want);
    case AST_IS_NONE: {
        ty *t = expr(k, n->a, NULL);
        if (!ty_is_bad(t) && t->kind != TY_OPTIONAL) {
            err(k, n->sp, NULL, "%s is never none", ty_str(k, t));
        }
        return &k->t_bool;
    }
    case AST_IF: {
        int mark = k->nlocals;
        int pushed = cond(k, n->a);
        ty *a = expr(k, n->b, want);
        k->nlocals -= pushed;
        (void)mark;
        ty *b = expr(k, n->c, want ? want : a);
        return join(k, n->b, a, n->c, b, "if");
    }
    case AST_SOME_COND:
        err(k, n->sp, NULL, "'is some NAME' only works as the condition of if or when");
        return &k->t_error;
    case AST_MATCH: return match_expr(k, n, want);
    case AST_LET: {
        ty *t = expr(k, n->a, NULL);
        int mark = k->nlocals;
        n->sym = res_bind_local(k, n->name, t, n);
        ty *r = expr(k, n->b, want);
        k->nlocals = mark;
        return r;
    }
    case AST_LIST_LIT: {
        ty *elem = want && want->kind == TY_LIST ? want->elem : NULL;
        ty *got = NULL;
        ast_node *first = NULL;
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *e = n->list.items[i];
            ty *t = expr(k, e, elem ? elem : got);
            if (elem) {
                if (!ty_fits(k, e, t, elem)) {
                    ty_mismatch(k, e, t, elem, "a list element");
                }
                continue;
            }
            if (!got) {
                got = t;
                first = e;
            } else {
                ty *u = ty_unify(k, first, got, e, t);
                if (!u) {
                    err(k, e->sp, NULL, "a list holds one type: %s then %s",
                        ty_str(k, got), ty_str(k, t));
                } else {
                    got = u;
                }
            }
        }
        if (elem) {
            return want;
        }
        /* Widen every element to the common type (1, 2, 0.5: all decimal). */
        for (uint32_t i = 0; got && i < n->list.count; i++) {
            ast_node *e = n->list.items[i];
            ty_fits(k, e, e->ty, got);
        }
        return ty_wrap(k, TY_LIST, got ? got : &k->t_never);
    }
    case AST_COMPREH: return comprehension(k, n, want);
    case AST_RECORD_LIT: return record_lit(k, n);
    case AST_ON: {
        int mod = n->a->kind == AST_GET ? res_module_of(k, n->a->a) : -1;
        if (mod >= 0) {
            sym *p = res_lookup_in(k, mod, n->a->name);
            if (!p || (p->kind != SYM_PARAM && p->kind != SYM_DEF) ||
                !p->dated || p->nparams > 0) {
                res_no_such(k, n->a->name_sp, mod, n->a->name,
                            1u << SYM_PARAM | 1u << SYM_DEF,
                            "dated parameter or definition without parameters");
                expr(k, n->b, NULL);
                return &k->t_error;
            }
            n->sym = p;
            p->used = true;
            check_func(k, p);
            expect(k, n->b, &k->t_date, "the date");
            return ty_wrap(k, TY_OPTIONAL, p->ty);
        }
        if (n->a->kind != AST_NAME) {
            err(k, n->a->sp, NULL, "only a dated parameter has a value on a date");
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        sym *p = res_lookup_global(k, n->a->name);
        if (!p || (p->kind != SYM_PARAM && p->kind != SYM_DEF) || !p->dated ||
            p->nparams > 0) {
            err(k, n->a->sp, "declare it with rows 'from DATE = value'",
                "'%s' is not a parameter or definition with dated values "
                "and no parameters", n->a->name);
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        n->sym = p;
        p->used = true;
        check_func(k, p);
        expect(k, n->b, &k->t_date, "the date");
        return ty_wrap(k, TY_OPTIONAL, p->ty);
    }
    case AST_FAIL:
        expect(k, n->a, &k->t_text, "the failure message");
        return &k->t_never;
    default:
        err(k, n->sp, NULL, "not an expression");
        return &k->t_error;
    }
}

/* Is [t] a judgement, or one that may be none? */
static bool is_judgement(const ty *t)
{
    if (t && t->kind == TY_OPTIONAL) {
        t = t->elem;
    }
    return t && t->kind == TY_JUDGEMENT;
}

/* An evaluator's judgement is passed through, never computed with:
 * refuses one as an operand of an operator (but 'otherwise'), as an
 * argument of a built-in (text, count, ...), as what an aggregate other
 * than first and sort reads, or as what a match tests (a sort key of one
 * is refused as unordered).  Calls of definitions and
 * record fields pass it on and are allowed. */
static void judgement_use(checker *k, ast_node *n)
{
    ast_node *bad = NULL;
    switch ((ast_kind)n->kind) {
    case AST_BINARY:
        if (n->op != OTHERWISE) {
            bad = is_judgement(n->a->ty) ? n->a : is_judgement(n->b->ty) ? n->b : NULL;
        }
        break;
    case AST_UNARY:
    case AST_SORT_KEY:
    case AST_MATCH:
        bad = is_judgement(n->a->ty) ? n->a : NULL;
        break;
    case AST_COMPREH:
        /* first and sort pass their elements on; the rest compute */
        bad = n->name && n->a && is_judgement(n->a->ty) &&
                      n->builtin != BUILTIN_FIRST && n->builtin != BUILTIN_SORT
                  ? n->a : NULL;
        break;
    case AST_CALL:
        if (n->builtin != BUILTIN_NONE) {
            for (uint32_t i = 0; i < n->list.count && !bad; i++) {
                if (is_judgement(n->list.items[i]->ty)) {
                    bad = n->list.items[i];
                }
            }
        }
        break;
    default:
        break;
    }
    if (bad) {
        err(k, bad->sp, "pass it on unchanged: to an output field of type "
            "judgement, or to a definition",
            "a judgement is an evaluator's own words: it cannot be compared, "
            "joined, converted or computed with");
    }
}

static ty *expr(checker *k, ast_node *n, ty *want)
{
    if (k->c->depth > TLY_MAX_NESTING * 4) {
        err(k, n->sp, NULL, "expression nested too deeply");
        n->ty = &k->t_error;
        return &k->t_error;
    }
    k->c->depth++;
    ty *t = expr_inner(k, n, want);
    k->c->depth--;
    if (t && !ty_is_bad(t)) {
        judgement_use(k, n);
    }
    if (!t) {
        t = &k->t_error; /* only after out of memory; never a NULL type */
    }
    n->ty = t;
    return t;
}

/* ---- declarations ------------------------------------------------------ */


/* Checks the body of a parameter, definition or rule, once.  Called when
 * the body is reached in order and when another body calls it, which is
 * how a cycle of calls is found. */
/* A citation names a provision in words; its optional URL is where to
 * read it.  Both end up in the bytecode and in output, so they are text
 * a reader can use: not empty, no NUL, and a web address for the URL. */
void chk_cite(checker *k, ast_node *c)
{
    if (!c) {
        return;
    }
    if (c->len == 0 || strlen(c->text) != c->len) {
        err(k, c->sp, "name the provision, e.g. cites \"Procurement Act 2023, s.123\"",
            "a citation must be non-empty text without NUL characters");
    }
    if (c->text2 && (strlen(c->text2) != (size_t)c->num ||
                     (strncmp(c->text2, "https://", 8) != 0 &&
                      strncmp(c->text2, "http://", 7) != 0) ||
                     strcspn(c->text2, " \t\r\n") != (size_t)c->num)) {
        err(k, c->name_sp, "give the address the provision is published at, "
            "e.g. \"https://www.legislation.gov.uk/ukpga/2023/54/section/123\"",
            "a citation's link must be an http:// or https:// address without spaces");
    }
}

bool chk_arm(checker *k, sym *f, ast_node *w)
{
    uint32_t before = k->c->diags.nerrors;
    int pushed = cond(k, w->a);
    expect(k, w->b, f->ty, "the rule's outcome");
    expect(k, w->c, &k->t_text, "the reason after 'because'");
    chk_cite(k, w->cite);
    k->nlocals -= pushed;
    return k->c->diags.nerrors == before;
}

/* The exceptions of definition [f]: conditions, values of [f]'s type,
 * citations, unique labels, 'over' naming labels of the same definition,
 * priorities without a cycle; sets each AST_UNLESS's aux (its index) and
 * num (the exceptions it takes priority over, transitively).  Two
 * exceptions with the same condition and no priority between them would
 * always conflict: an error here, not at run time. */
static void check_exceptions(checker *k, sym *f)
{
    ast_list *ex = &f->decl->c->list;
    if (ex->count > 62) {
        err(k, ex->items[62]->sp, "split the definition",
            "a definition has at most 62 exceptions");
        return;
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        w->aux = (int)i;
        w->num = 0;
        if (w->a->kind == AST_SOME_COND) {
            err(k, w->a->sp, "test 'x is not none' here and take the value "
                "apart in the exception's value",
                "an exception's condition cannot bind a name");
        } else {
            expect_bool(k, w->a, "the exception's condition");
        }
        expect(k, w->b, f->ty, "the exception's value");
        chk_cite(k, w->cite);
        for (uint32_t j = 0; w->name && j < i; j++) {
            const char *other = ex->items[j]->name;
            if (other && strcmp(other, w->name) == 0) {
                err(k, w->name_sp, "give each exception its own label",
                    "two exceptions of '%s' are labelled '%s'", f->name, w->name);
            }
        }
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        for (uint32_t o = 0; o < w->list.count; o++) {
            ast_node *nm = w->list.items[o];
            uint32_t j = 0;
            while (j < ex->count &&
                   !(ex->items[j]->name && strcmp(ex->items[j]->name, nm->name) == 0)) {
                j++;
            }
            if (j == ex->count) {
                err(k, nm->sp, "label an exception with 'as NAME' to name it here",
                    "'%s' has no exception labelled '%s'", f->name, nm->name);
            } else if (j == i) {
                err(k, nm->sp, NULL, "an exception cannot take priority over itself");
            } else {
                w->num |= (int64_t)1 << j;
            }
        }
    }
    /* Priority is transitive: the closure, then no exception above itself. */
    for (bool grew = true; grew;) {
        grew = false;
        for (uint32_t i = 0; i < ex->count; i++) {
            int64_t all = ex->items[i]->num;
            for (uint32_t j = 0; j < ex->count; j++) {
                if (ex->items[i]->num & ((int64_t)1 << j)) {
                    all |= ex->items[j]->num;
                }
            }
            if (all != ex->items[i]->num) {
                ex->items[i]->num = all;
                grew = true;
            }
        }
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        if (w->num & ((int64_t)1 << i)) {
            err(k, w->sp, "one of them must give way: remove an 'over'",
                "the priorities of '%s' go round in a circle through this "
                "exception", f->name);
            return;
        }
    }
    const char *src = k->c->src;
    for (uint32_t i = 0; i < ex->count; i++) {
        for (uint32_t j = i + 1; j < ex->count; j++) {
            ast_node *a = ex->items[i], *b = ex->items[j];
            uint32_t la = a->a->sp.end - a->a->sp.start;
            uint32_t lb = b->a->sp.end - b->a->sp.start;
            if ((a->num >> j & 1) || (b->num >> i & 1) || la != lb ||
                memcmp(src + a->a->sp.start, src + b->a->sp.start, la) != 0) {
                continue;
            }
            err(k, b->sp, "say which the law puts first: add 'over' to it",
                "conflict: exceptions %s%s%s and %s%s%s of '%s' apply in the "
                "same case and neither takes priority",
                a->name ? "'" : "", a->name ? a->name : "before this",
                a->name ? "'" : "", b->name ? "'" : "",
                b->name ? b->name : "this one", b->name ? "'" : "", f->name);
        }
    }
}

void chk_rows(checker *k, sym *f, ast_list *rows, const char *what)
{
    int64_t prev = INT64_MIN, prev_end = INT64_MIN;
    bool prev_open = false;
    for (uint32_t i = 0; i < rows->count; i++) {
        ast_node *row = rows->items[i];
        int64_t day;
        chk_cite(k, row->cite);
        expect(k, row->a, f->ty, what);
        if (!date_parse(row->text, strlen(row->text), &day)) {
            err(k, row->name_sp, NULL, "'%s' is not a date", row->text);
            continue;
        }
        row->num = row->lo = day;
        if (i == MAX_DATED_ROWS) {
            err(k, row->sp, "split the value, or drop rows no longer needed",
                "'%s' has more than %d dated rows", f->name, MAX_DATED_ROWS);
        }
        if (day <= prev) {
            err(k, row->name_sp, "list the rows in date order",
                "this row does not come after the one before");
        } else if (!prev_open && day <= prev_end) {
            err(k, row->name_sp, "end the row before at the latest the day "
                "before this one starts",
                "this row starts on %s, while the row before is still in "
                "force", row->text);
        }
        prev = day;
        prev_open = true;
        if (row->text2) {
            int64_t end;
            if (!date_parse(row->text2, strlen(row->text2), &end)) {
                err(k, row->sp, NULL, "'%s' is not a date", row->text2);
                continue;
            }
            if (end < day) {
                err(k, row->sp, "'until' names the last day the value is in force",
                    "this row ends on %s, before it starts on %s", row->text2,
                    row->text);
            }
            row->hi = end;
            row->has_hi = true;
            prev_end = end;
            prev_open = false;
        }
    }
}

/* ---- decision tables ---------------------------------------------------- */

/* The hit policies as written, and what each means (ast.h ast_hit). */
static const struct hit_word {
    const char *word, *agg;
    ast_hit hit;
} hit_words[] = {
    {"unique", NULL, AST_HIT_UNIQUE}, {"first", NULL, AST_HIT_FIRST},
    {"priority", NULL, AST_HIT_PRIORITY}, {"any", NULL, AST_HIT_ANY},
    {"collect", NULL, AST_HIT_LIST}, {"collect", "sum", AST_HIT_SUM},
    {"collect", "min", AST_HIT_MIN}, {"collect", "max", AST_HIT_MAX},
    {"collect", "count", AST_HIT_COUNT},
};

/* The type each row of table [f] gives under [hit], or NULL after
 * reporting that the table's declared type does not suit the policy;
 * &k->t_error for a count table (its rows give nothing). */
static ty *table_output(checker *k, sym *f, ast_hit hit)
{
    ast_node *d = f->decl;
    ty *t = f->ty;
    if (ty_is_bad(t)) {
        return NULL;
    }
    switch (hit) {
    case AST_HIT_LIST:
        if (t->kind != TY_LIST) {
            err(k, d->a->sp, "declare its type as 'list of T', T the type of each row's output",
                "a 'hit collect' table gives the list of the outputs of the rows that match");
            return NULL;
        }
        return t->elem;
    case AST_HIT_COUNT:
        if (t->kind != TY_INT) {
            err(k, d->a->sp, "declare its type as integer",
                "a 'hit collect count' table gives the number of rows that match");
            return NULL;
        }
        return &k->t_error;
    case AST_HIT_SUM:
        if (!ty_is_num(t)) {
            err(k, d->a->sp, NULL, "a 'hit collect sum' table adds numbers, money or "
                "percentages, not %s", ty_str(k, t));
            return NULL;
        }
        return t;
    case AST_HIT_MIN: case AST_HIT_MAX:
        if (!ty_ordered(t)) {
            err(k, d->a->sp, NULL, "a 'hit collect %s' table needs outputs that can be "
                "ordered, not %s", hit == AST_HIT_MIN ? "min" : "max", ty_str(k, t));
            return NULL;
        }
        return t;
    case AST_HIT_PRIORITY:
        if (t->kind != TY_ENUM) {
            err(k, d->a->sp, "declare an enum whose members are listed from the highest "
                "priority down, and give the table that type",
                "a 'hit priority' table gives a member of an enum: of the rows that "
                "match, the one whose output is declared first wins");
            return NULL;
        }
        return t;
    default:
        return t;
    }
}

/* Whether a column of type [t] can be tested by a table's entries. */
static bool table_column_ok(const ty *t)
{
    switch (t->kind) {
    case TY_BOOL: case TY_INT: case TY_DEC: case TY_MONEY: case TY_PERCENT:
    case TY_DATE: case TY_TEXT: case TY_ENUM:
        return true;
    default:
        return false;
    }
}

/* Entry [e] of column [p]: its values typed as the column, each written
 * out; comparisons and ranges only where the column's values are
 * ordered by more than their spelling. */
static void check_entry(checker *k, sym *p, ast_node *e)
{
    ty *t = p->ty;
    char what[160];
    snprintf(what, sizeof what, "the entry for '%.100s'", p->name);
    if (e->op == AST_ENTRY_EQ && e->a->kind == AST_NAME && strcmp(e->a->name, "any") == 0 &&
        !(t->kind == TY_ENUM && res_ix_find(&t->decl->ix, "any") >= 0)) {
        e->op = AST_ENTRY_ANY; /* matches every value */
        e->a = NULL;
        return;
    }
    if (e->op != AST_ENTRY_EQ && e->op != AST_ENTRY_NE && e->op != AST_ENTRY_SET &&
        (t->kind == TY_TEXT || t->kind == TY_BOOL)) {
        err(k, e->sp, "write a value, != a value, or a set such as {\"a\", \"b\"}",
            "a comparison or a range needs a column of numbers, money, percentages, "
            "dates or an enum; '%s' is %s", p->name, ty_str(k, t));
        return;
    }
    ast_node *vals[2] = {e->a, e->op == AST_ENTRY_RANGE ? e->b : NULL};
    uint32_t n = e->op == AST_ENTRY_SET ? e->list.count : vals[1] ? 2 : 1;
    for (uint32_t i = 0; i < n; i++) {
        ast_node *v = e->op == AST_ENTRY_SET ? e->list.items[i] : vals[i];
        if (ty_is_bad(expect(k, v, t, what))) {
            continue;
        }
        if (!tbl_is_constant(v)) {
            err(k, v->sp, "write the value itself (a number, an amount, a date, a "
                "text, true or false, or a member of the column's enum); compare "
                "with a parameter in a definition and give the table the result",
                "an entry of a table must be a value written out");
        }
    }
}

/* Decision table [f]: its hit policy, columns, rows and outputs; then,
 * when all of that is sound, lang/table.c's analysis of which inputs
 * each row matches. */
static void check_table(checker *k, sym *f)
{
    ast_node *d = f->decl, *h = d->c;
    uint32_t errors = k->c->diags.nerrors;
    const char *agg = h->a ? h->a->name : NULL;
    size_t w = 0, nw = sizeof hit_words / sizeof hit_words[0];
    while (w < nw && !(strcmp(hit_words[w].word, h->name) == 0 &&
                       (agg && hit_words[w].agg ? strcmp(agg, hit_words[w].agg) == 0
                                                : agg == hit_words[w].agg))) {
        w++;
    }
    if (w == nw) {
        err(k, h->sp, "write one of: hit unique, hit first, hit priority, hit any, "
            "hit collect, hit collect sum, hit collect min, hit collect max, "
            "hit collect count",
            "'%s%s%s' is not a hit policy", h->name, agg ? " " : "", agg ? agg : "");
        return;
    }
    ast_hit hit = hit_words[w].hit;
    h->op = (int16_t)hit;
    d->ty = f->ty;
    ty *out = table_output(k, f, hit);
    if (f->nparams == 0) {
        err(k, d->name_sp, "give the table parameters: each is one of its columns",
            "table '%s' has no columns", f->name);
        return;
    }
    if (f->nparams > TBL_MAX_COLUMNS) {
        err(k, d->list.items[TBL_MAX_COLUMNS]->sp, "split the table",
            "a table has at most %d columns", TBL_MAX_COLUMNS);
        return;
    }
    if (d->list2.count > TBL_MAX_ROWS) {
        err(k, d->list2.items[TBL_MAX_ROWS]->sp, "split the table",
            "a table has at most %d rows", TBL_MAX_ROWS);
        return;
    }
    bool columns_ok = true;
    for (int j = 0; j < f->nparams; j++) {
        sym *p = f->params[j];
        if (!ty_is_bad(p->ty) && !table_column_ok(p->ty)) {
            err(k, p->decl->a->sp, "compute what the table decides on in a definition "
                "and give the table that (a number, money, a date, a text, true or "
                "false, or an enum member)",
                "a column of a table cannot be %s", ty_str(k, p->ty));
            columns_ok = false;
        }
        columns_ok = columns_ok && !ty_is_bad(p->ty);
    }
    for (uint32_t r = 0; r < d->list2.count; r++) {
        ast_node *row = d->list2.items[r];
        chk_cite(k, row->cite);
        if (row->list.count != (uint32_t)f->nparams) {
            err(k, row->sp, "give one entry per column, 'any' where a column does not matter",
                "row %u of table '%s' has %u entr%s; the table has %d column%s",
                r + 1, f->name, row->list.count, row->list.count == 1 ? "y" : "ies",
                f->nparams, f->nparams == 1 ? "" : "s");
            continue;
        }
        for (int j = 0; columns_ok && j < f->nparams; j++) {
            check_entry(k, f->params[j], row->list.items[j]);
        }
        if (hit == AST_HIT_COUNT) {
            if (row->a) {
                err(k, row->a->sp, "remove '=> ...': a count table counts the rows that match",
                    "a row of a 'hit collect count' table has no output");
            }
        } else if (!row->a) {
            err(k, row->sp, "give the row's output after '=>'",
                "row %u of table '%s' has no output", r + 1, f->name);
        } else if (out) {
            expect(k, row->a, out, "the row's output");
            if (hit == AST_HIT_PRIORITY &&
                !((row->a->kind == AST_NAME || row->a->kind == AST_GET) && row->a->sym &&
                  row->a->sym->kind == SYM_MEMBER)) {
                err(k, row->a->sp, "write the member itself: its place in the enum is "
                    "its priority",
                    "under 'hit priority' a row's output must be a member of %s",
                    ty_str(k, out));
            }
        }
    }
    if (k->c->diags.nerrors == errors && !k->c->oom) {
        tbl_analyse(k->c, d, f->params, f->nparams);
    }
}

static void check_func(checker *k, sym *f)
{
    if (f->state == 2 || f->kind == SYM_EXTERN) {
        return; /* an extern has no body: its declaration is its type */
    }
    if (f->state == 1) {
        err(k, f->decl->name_sp,
            "a policy must always finish: compute the value without "
            "calling the definition itself",
            "'%s' calls itself, directly or through other definitions",
            f->name);
        f->state = 2;
        return;
    }
    f->state = 1;
    int saved_base = k->base, saved_n = k->nlocals;
    sym *saved_self = k->self, *saved_func = k->func;
    k->base = k->nlocals;
    k->self = NULL;
    k->func = f;
    for (int i = 0; i < f->nparams; i++) {
        sym *p = f->params[i];
        if (k->nlocals < MAX_LOCALS) {
            sym *l = res_bind_local(k, p->name, p->ty, p->decl);
            if (l) {
                k->locals[k->nlocals - 1] = p; /* keep the same sym */
            }
        }
    }
    ast_node *d = f->decl;
    chk_cite(k, d->cite);
    if (f->kind == SYM_PARAM) {
        if (f->dated) {
            chk_rows(k, f, &d->list, "the parameter's value");
        } else {
            expect(k, d->b, f->ty, "the parameter's value");
        }
        if (d->c) {
            layers_open_check(k, f);
        }
    } else if (d->kind == AST_TABLE) {
        check_table(k, f);
    } else if (f->kind == SYM_DEF && f->dated) {
        chk_rows(k, f, &d->list2, "the definition's value");
    } else if (f->kind == SYM_DEF) {
        if (d->b) {
            expect(k, d->b, f->ty, "the definition's value");
        }
        if (d->c) {
            check_exceptions(k, f);
        }
    } else if (f->kind == SYM_RULE) {
        for (uint32_t i = 0; i < d->list2.count; i++) {
            ast_node *w = d->list2.items[i];
            int pushed = cond(k, w->a);
            expect(k, w->b, f->ty, "the rule's outcome");
            expect(k, w->c, &k->t_text, "the reason after 'because'");
            chk_cite(k, w->cite);
            k->nlocals -= pushed;
        }
        expect(k, d->c, f->ty, "the rule's outcome");
        if (d->b) {
            expect(k, d->b, &k->t_text, "the reason after 'because'");
        }
        chk_cite(k, d->else_cite);
    }
    if (d->open && (f->kind == SYM_RULE || f->kind == SYM_DEF)) {
        layers_open_item_check(k, f);
    }
    k->nlocals = saved_n;
    k->base = saved_base;
    k->self = saved_self;
    k->func = saved_func;
    f->state = 2;
}

/* ---- tests ---------------------------------------------------------------- */

/* Checks the path [n] of an expectation, `result.bids[2].total`: the
 * output's name, then fields (by their names, as the policy writes
 * them), list positions (integers from 0) and map keys (text); each
 * step's node gets its type, and an AST_GET its field's index in aux.
 * Returns the type at the end of the path. */
static ty *test_path(checker *k, ast_node *n)
{
    ast_node *o = k->res.output;
    switch ((ast_kind)n->kind) {
    case AST_NAME:
        if (!o || strcmp(n->name, o->name) != 0) {
            err(k, n->sp, o ? "an expectation starts at the output" : NULL,
                "'%s' is not the policy's output%s%s%s", n->name,
                o ? " ('" : "", o ? o->name : "", o ? "')" : "");
            return n->ty = &k->t_error;
        }
        return n->ty = k->res.output_ty ? k->res.output_ty : &k->t_error;
    case AST_GET: {
        ty *t = test_path(k, n->a);
        while (t->kind == TY_OPTIONAL) {
            t = t->elem;
        }
        if (ty_is_bad(t)) {
            return n->ty = &k->t_error;
        }
        if (t->kind != TY_RECORD) {
            err(k, n->name_sp, NULL, "%s has no fields, so no '%s'",
                ty_str(k, t), n->name);
            return n->ty = &k->t_error;
        }
        int i = res_field_index(t->decl, n->name);
        if (i < 0) {
            err(k, n->name_sp, NULL, "%s has no field '%s'", t->decl->name,
                n->name);
            return n->ty = &k->t_error;
        }
        n->aux = i;
        return n->ty = t->decl->fields[i].ty;
    }
    case AST_INDEX: {
        ty *t = test_path(k, n->a);
        while (t->kind == TY_OPTIONAL) {
            t = t->elem;
        }
        if (ty_is_bad(t)) {
            return n->ty = &k->t_error;
        }
        if (t->kind == TY_LIST && n->b->kind == AST_INT) {
            return n->ty = t->elem;
        }
        if (t->kind == TY_MAP && n->b->kind == AST_TEXT) {
            return n->ty = t->elem;
        }
        if (t->kind == TY_LIST) {
            err(k, n->b->sp, "write result.bids[0] for the first",
                "a position in %s is a whole number written from 0",
                ty_str(k, t));
        } else if (t->kind == TY_MAP) {
            err(k, n->b->sp, NULL, "a key of %s is written as text",
                ty_str(k, t));
        } else {
            err(k, n->b->sp, NULL, "%s has no positions or keys",
                ty_str(k, t));
        }
        return n->ty = &k->t_error;
    }
    default:
        err(k, n->sp, "write the output's name and fields: result.bids[0].total",
            "an expectation names a value of the output");
        return n->ty = &k->t_error;
    }
}

/* A value an expectation compares with: a literal (a negative number
 * too), an enum member or none. */
static bool test_literal(const ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_INT: case AST_DEC: case AST_MONEY: case AST_PERCENT:
    case AST_TEXT: case AST_DATE: case AST_DATETIME: case AST_BOOL:
    case AST_NONE:
        return true;
    case AST_NAME:
        return n->sym && n->sym->kind == SYM_MEMBER;
    case AST_UNARY:
        return n->op == '-' && (n->a->kind == AST_INT || n->a->kind == AST_DEC ||
                                n->a->kind == AST_MONEY ||
                                n->a->kind == AST_PERCENT);
    default:
        return false;
    }
}

/* A record given to a test in Tally syntax is written out: record
 * literals, lists and written values (test_literal) only, so it can be
 * bound as data is (api/test.c writes it as JSON); an error at each
 * value that is not. */
static void given_literal(checker *k, ast_node *n)
{
    if (n->kind == AST_RECORD_LIT || n->kind == AST_LIST_LIT) {
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *v = n->list.items[i];
            given_literal(k, v->kind == AST_FIELD_INIT ? v->a : v);
        }
        return;
    }
    if (n->kind == AST_DURATION || !test_literal(n)) {
        err(k, n->sp, "write the value itself: a number, text, date, enum "
            "member, none, a list [...] or a record R { ... }",
            "a given record is written out");
    }
}

/* The tests of the policy (and of its test file): what each gives,
 * overrides and expects, against the input, the parameters and the
 * output (api/test.c runs them). */
static void check_tests(checker *k, ast_node *root)
{
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *t = root->list.items[i];
        if (t->kind != AST_TEST) {
            continue;
        }
        if (t->len == 0 || strlen(t->text) != t->len) {
            err(k, t->name_sp, NULL, "a test's name must be non-empty text");
        }
        int ngiven = 0, nasof = 0;
        bool expects = false;
        for (uint32_t j = 0; j < t->list.count; j++) {
            ast_node *cl = t->list.items[j];
            switch ((ast_kind)cl->kind) {
            case AST_GIVEN:
                if (++ngiven > 1) {
                    err(k, cl->sp, NULL, "a test is given one record");
                }
                if (k->res.input && strcmp(cl->name, k->res.input->name) != 0) {
                    err(k, cl->name_sp, NULL,
                        "'%s' is not the policy's input ('%s')", cl->name,
                        k->res.input->name);
                }
                if (cl->b) {
                    if (k->res.input) {
                        expect(k, cl->b, k->res.input->ty, "the given record");
                    }
                    given_literal(k, cl->b);
                } else if (cl->a->len == 0 || strlen(cl->text2) != cl->a->len) {
                    err(k, cl->a->sp, NULL, "not a file name");
                }
                break;
            case AST_ASOF:
                if (++nasof > 1) {
                    err(k, cl->sp, "a policy's own 'as of' line goes before its tests",
                        "a test has one evaluation date");
                } else if (cl->a->kind != AST_DATE) {
                    err(k, cl->a->sp, "write a date: as of 2026-03-01",
                        "a test's evaluation date is a written date");
                } else {
                    expect(k, cl->a, &k->t_date, "the evaluation date");
                }
                break;
            case AST_WITH: {
                if (cl->op == 1) {
                    break; /* put in the parameter, checked there */
                }
                sym *s;
                if (cl->text3) { /* with MODULE.NAME = V */
                    ast_node q = {.kind = AST_NAME, .name = cl->text3};
                    int file = res_module_of(k, &q);
                    if (file < 0) {
                        err(k, cl->name_sp, NULL, "'%s' is not an imported "
                            "module", cl->text3);
                        break;
                    }
                    s = res_lookup_in(k, file, cl->name);
                } else {
                    s = res_lookup_global(k, cl->name);
                }
                if (s && s->kind == SYM_IMPORT) {
                    s = s->owner;
                }
                if (!s || s->kind != SYM_PARAM) {
                    err(k, cl->name_sp, "a test can set a parameter's value",
                        "'%s' is not a parameter", cl->name);
                    break;
                }
                if (!ty_is_bad(expect(k, cl->a, s->ty,
                                      "the parameter's value"))) {
                    layers_with_check(k, s, cl);
                }
                break;
            }
            case AST_EXPECT:
                expects = true;
                if (cl->name) {
                    if (strcmp(cl->name, "error") == 0) {
                        cl->op = AST_EXPECT_ERROR;
                    } else if (strcmp(cl->name, "rejected") == 0) {
                        cl->op = AST_EXPECT_REJECTED;
                    } else {
                        err(k, cl->name_sp,
                            "write: expect error \"...\" (the policy fails) or "
                            "expect rejected \"...\" (bad data)",
                            "'%s' is not a kind of error", cl->name);
                    }
                    if (strlen(cl->text) != cl->len) {
                        err(k, cl->sp, NULL, "an expected message must not hold NUL characters");
                    }
                    break;
                }
                int op = cl->a->kind == AST_BINARY ? cl->a->op : 0;
                if (op != '=' && op != NE && op != '<' && op != LE &&
                    op != '>' && op != GE) {
                    err(k, cl->a->sp, "write: expect result.award = \"S-00002\"",
                        "an expectation compares a value of the output with "
                        "'=', '!=', '<', '<=', '>' or '>='");
                    break;
                }
                ty *pt = test_path(k, cl->a->a);
                if (ty_is_bad(pt)) {
                    break;
                }
                const ty *npt = pt;
                while (npt->kind == TY_OPTIONAL) {
                    npt = npt->elem;
                }
                if (op != '=' && op != NE && npt->kind != TY_INT &&
                    npt->kind != TY_DEC && npt->kind != TY_MONEY &&
                    npt->kind != TY_PERCENT) {
                    err(k, cl->a->sp, "compare other values with '=' or '!='",
                        "only numbers are compared with '<', '<=', '>' or '>='");
                    break;
                }
                if (op != '=' && op != NE && cl->a->b->kind == AST_NONE) {
                    err(k, cl->a->b->sp, NULL, "none is not ordered: compare it "
                        "with '=' or '!='");
                    break;
                }
                expect(k, cl->a->b, pt, "the expected value");
                if (!test_literal(cl->a->b)) {
                    err(k, cl->a->b->sp, "write the value itself: a number, "
                        "text, date, enum member or none",
                        "an expected value is written out");
                }
                break;
            default:
                break;
            }
        }
        if (ngiven == 0) {
            char hint[200];
            snprintf(hint, sizeof hint, "add: given %s \"KEY\" from \"FILE.jsonl\"",
                     k->res.input ? k->res.input->name : "tender");
            err(k, t->name_sp, hint, "the test is given no record");
        }
        if (!expects) {
            err(k, (tly_span){t->sp.start, t->sp.start + 4}, "add: expect result.FIELD = VALUE",
                "the test expects nothing");
        }
    }
}

/* ---- findings ------------------------------------------------------------ */

/* The record every finding is reported as: code, severity, message, and
 * the citation and its link (omitted when the finding has none). */
static sym *finding_record(checker *k, ast_node *at)
{
    sym *v = res_new_sym(k, SYM_RECORD, "finding", at);
    if (!v) {
        return NULL;
    }
    v->ty = ty_new(k, TY_RECORD);
    v->ty->decl = v;
    v->nfields = 5;
    v->fields = alloc(k, 5 * sizeof *v->fields);
    if (!v->fields) {
        return NULL;
    }
    ty *opt = ty_wrap(k, TY_OPTIONAL, &k->t_text);
    const char *names[] = {"code", "severity", "message", "cite", "url"};
    for (int i = 0; i < 5; i++) {
        v->fields[i] = (field_info){names[i], names[i], i < 3 ? &k->t_text : opt,
                                    NULL, -1, i >= 3, false};
    }
    res_push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, v);
    return v;
}

/* The policy's findings: a severity of error, warning or notice, a code,
 * a condition and a text message, optionally for each element of a
 * list. */
static void check_findings(checker *k)
{
    if (k->res.nfindings == 0) {
        return;
    }
    k->res.finding = finding_record(k, k->res.findings[0]);
    if (!k->res.finding) {
        return;
    }
    k->res.findings_ty = ty_wrap(k, TY_LIST, k->res.finding->ty);
    for (int i = 0; i < k->res.nfindings; i++) {
        ast_node *f = k->res.findings[i];
        if (strcmp(f->name, "error") != 0 && strcmp(f->name, "warning") != 0 &&
            strcmp(f->name, "notice") != 0) {
            err(k, f->name_sp, "write error, warning or notice",
                "'%s' is not a severity", f->name);
        }
        if (f->len == 0 || strlen(f->text) != f->len) {
            err(k, f->sp, "give the finding a code such as \"TP-001\"",
                "a finding's code must be non-empty text without NUL characters");
        }
        chk_cite(k, f->cite);
        int saved = k->nlocals;
        if (f->c) {
            ty *lt = expr(k, f->c->a, NULL);
            if (lt->kind != TY_LIST && !ty_is_bad(lt)) {
                err(k, f->c->a->sp, NULL, "a finding goes through a list: 'for x in "
                    "LIST', and this is %s", ty_str(k, lt));
            }
            if (k->nlocals < MAX_LOCALS) {
                f->c->sym = res_bind_local(k, f->c->name,
                                           lt->kind == TY_LIST ? lt->elem : &k->t_error,
                                           f->c);
            }
        }
        cond(k, f->a);
        expect(k, f->b, &k->t_text, "the finding's message");
        k->nlocals = saved;
    }
}

/* ---- reports ------------------------------------------------------------- */

/* Whether a report can group by, or count distinct, values of [t]
 * (runtime/report.c compares and encodes these). */
static bool groupable(const ty *t)
{
    if (t->kind == TY_OPTIONAL) {
        t = t->elem;
    }
    switch (t->kind) {
    case TY_BOOL: case TY_INT: case TY_DEC: case TY_MONEY: case TY_PERCENT:
    case TY_DATE: case TY_DURATION: case TY_TEXT: case TY_ENUM:
        return true;
    default:
        return false;
    }
}

/* A record made by the checker for a report: [n] fields, named later. */
static sym *report_record(checker *k, const char *name, ast_node *at, int n)
{
    sym *v = res_new_sym(k, SYM_RECORD, name, at);
    if (!v) {
        return NULL;
    }
    v->ty = ty_new(k, TY_RECORD);
    v->ty->decl = v;
    v->nfields = n;
    v->fields = alloc(k, (size_t)(n ? n : 1) * sizeof *v->fields);
    if (!v->fields) {
        return NULL;
    }
    return v;
}

/* The aggregates a column may name, as bc_agg numbers them. */
static const char *const report_aggs[] = {"count", "sum", "min", "max", "mean",
                                          "share", "count_distinct", "share"};

/* The rounding of a column written AGG(x, PLACES, MODE): sets col->lo and
 * col->hi; false (reported) when they are not a whole number of places
 * and a mode. */
static bool report_rounding(checker *k, ast_node *col, ast_node *places, ast_node *m)
{
    char *end;
    long n = places->kind == AST_INT ? strtol(places->text, &end, 10) : -1;
    if (places->kind != AST_INT || n < 0 || n > LIM_MAX_PLACES) {
        err(k, places->sp, "write the places as a whole number, as in mean(x, 2, half up)",
            "the places of a report column are a number from 0 to %d", LIM_MAX_PLACES);
        return false;
    }
    dec_round_mode rm = rounding_mode(k, m);
    if (rm == DEC_ROUND_MODE_COUNT) {
        return false;
    }
    col->lo = n;
    col->hi = rm;
    return true;
}

/* [t] with [places] places on output (a fresh copy), or [t] itself for
 * -1. */
static ty *with_places(checker *k, ty *t, int64_t places)
{
    if (places < 0 || ty_is_bad(t)) {
        return t;
    }
    ty *c = ty_new(k, t->kind);
    if (c != &k->t_error) {
        *c = *t;
        c->places = (int)places;
    }
    return c;
}

/* One column [col] of a report: its aggregate, argument and result type
 * (*arg, *res). */
static void report_column(checker *k, ast_node *col, ty **arg, ty **res)
{
    ast_node *a = col->a;
    *arg = &k->t_int;
    *res = &k->t_int;
    col->lo = -1;
    col->b = NULL;
    col->op = 0;
    int agg = -1;
    for (int i = 0; i < BC_AGG_DISTINCT + 1; i++) {
        if (a->name && strcmp(a->name, report_aggs[i]) == 0) {
            agg = i;
        }
    }
    if (a->kind == AST_CALL && a->c && agg != BC_AGG_SHARE && agg >= 0) {
        err(k, a->c->sp, "only share weighs its condition by a value: share(COND of "
            "VALUE, PLACES, MODE)", "'of' has no meaning in %s", report_aggs[agg]);
        *res = &k->t_error;
        return;
    }
    if (agg < 0) {
        err(k, a->name_sp, "a column is count, sum(x), min(x), max(x), mean(x, PLACES, MODE), "
            "share(CONDITION, PLACES, MODE) or count_distinct(x)",
            "unknown report aggregate '%s'", a->name ? a->name : "?");
        *res = &k->t_error;
        return;
    }
    col->num = agg;
    if (a->kind == AST_COMPREH) {
        if (agg != BC_AGG_DISTINCT) {
            err(k, a->sp, "write the comprehension inside the argument, as in "
                "sum(sum(b.price for b in t.bids))",
                "only count_distinct goes through a list with 'for' in a report column");
            *res = &k->t_error;
            return;
        }
        a->name = NULL; /* a list comprehension: its elements are counted */
        ty *lt = expr(k, a, NULL);
        col->op = 1;
        col->b = a;
        *arg = lt;
        if (!ty_is_bad(lt) && (lt->kind != TY_LIST || !groupable(lt->elem))) {
            err(k, a->sp, NULL, "count_distinct counts texts, enums, numbers, dates or "
                "booleans, not %s", ty_str(k, lt->kind == TY_LIST ? lt->elem : lt));
        }
        return;
    }
    ast_node **args = a->list.items;
    int argc = (int)a->list.count;
    if (agg == BC_AGG_COUNT) {
        if (argc) {
            err(k, a->sp, "count counts the rows of a group; count_distinct(x) counts "
                "different values", "count takes no argument in a report");
        }
        return;
    }
    bool rounds = agg == BC_AGG_SUM || agg == BC_AGG_MEAN || agg == BC_AGG_SHARE;
    bool must_round = agg == BC_AGG_MEAN || agg == BC_AGG_SHARE;
    if ((argc != 1 || must_round) && !(rounds && argc == 3)) {
        err(k, a->sp, must_round ? "write it as in mean(x, 2, half up): a mean or a share "
                                   "is exact until rounded"
                                 : rounds ? "write sum(x), or sum(x, PLACES, MODE)"
                                          : NULL,
            "%s takes %s", report_aggs[agg],
            must_round ? "a value, the places and a rounding mode"
                       : rounds ? "one value, then optionally the places and a mode"
                                : "one value");
        *res = &k->t_error;
        return;
    }
    if (argc == 3 && !report_rounding(k, col, args[1], args[2])) {
        *res = &k->t_error;
        return;
    }
    ast_node *x = args[0];
    col->b = x;
    if (a->kind == AST_CALL && a->c) {
        /* share(COND of VALUE, P, MODE): a share of the total VALUE */
        col->num = BC_AGG_VSHARE;
        col->c = a->c;
        ty *pt = expr(k, x, NULL);
        ty *w = expr(k, a->c, NULL);
        ty *wb = w->kind == TY_OPTIONAL ? w->elem : w;
        ty *pb = pt->kind == TY_OPTIONAL ? pt->elem : pt;
        if (ty_is_bad(w) || ty_is_bad(pt)) {
            *res = &k->t_error;
            return;
        }
        if (pb->kind != TY_BOOL) {
            /* share(PART of WHOLE): sum of PART over sum of WHOLE, PART a
             * value of WHOLE's type (a part of it, row by row) */
            if (!ty_is_num(pb) || pb->kind != wb->kind ||
                (pb->kind == TY_MONEY && !ty_money_dyn(pb) && !ty_money_dyn(wb) &&
                 strcmp(pb->currency, wb->currency) != 0)) {
                err(k, x->sp, "write share(CONDITION of VALUE, ...) or share(PART of "
                    "WHOLE, ...) with PART and WHOLE of one type",
                    "a share's part should be a condition or %s, not %s",
                    ty_str(k, wb), ty_str(k, pt));
                *res = &k->t_error;
                return;
            }
            col->op = 2;
        }
        if (!ty_is_num(wb)) {
            err(k, a->c->sp, NULL, "a share weighs rows by numbers, money or "
                "percentages, not %s", ty_str(k, w));
            *res = &k->t_error;
            return;
        }
        *arg = ty_wrap(k, TY_LIST, ty_wrap(k, TY_OPTIONAL, wb));
        *res = ty_wrap(k, TY_OPTIONAL, with_places(k, &k->t_percent, col->lo));
        return;
    }
    ty *t = agg == BC_AGG_SHARE ? expect_bool(k, x, "a share's condition") : expr(k, x, NULL);
    *arg = t;
    if (ty_is_bad(t)) {
        *res = &k->t_error;
        return;
    }
    ty *base = t->kind == TY_OPTIONAL ? t->elem : t;
    switch (agg) {
    case BC_AGG_SUM:
    case BC_AGG_MEAN:
        if (!ty_is_num(base) || base->kind == TY_DURATION) {
            err(k, x->sp, NULL, "%s adds numbers, money or percentages, not %s",
                report_aggs[agg], ty_str(k, t));
            *res = &k->t_error;
            return;
        }
        if (agg == BC_AGG_SUM) {
            *res = col->lo >= 0 && base->kind == TY_INT ? &k->t_error : base;
            if (col->lo >= 0 && base->kind == TY_INT) {
                err(k, args[1]->sp, "an integer sum is exact: write sum(x)",
                    "an integer sum has no places to round to");
                return;
            }
        } else {
            *res = base->kind == TY_INT ? &k->t_dec : base;
            if (t->kind == TY_OPTIONAL) {
                *res = ty_wrap(k, TY_OPTIONAL, with_places(k, *res, col->lo));
                return;
            }
        }
        *res = with_places(k, *res, col->lo);
        return;
    case BC_AGG_MIN:
    case BC_AGG_MAX:
    case BC_AGG_DISTINCT:
        if (!groupable(t)) {
            err(k, x->sp, NULL, "%s takes a text, an enum, a number, a date or a boolean, "
                "not %s", report_aggs[agg], ty_str(k, t));
            *res = &k->t_error;
            return;
        }
        *res = agg == BC_AGG_DISTINCT ? &k->t_int : t;
        return;
    case BC_AGG_SHARE:
        *res = with_places(k, &k->t_percent, col->lo);
        return;
    default:
        return;
    }
}

/* The policy's reports: the variable each goes through, its keys (of
 * types it can group by) and columns, names unique among them, the top
 * line's column; and the two records the compiler builds: the rows a
 * record gives (keys, then each column's argument) and the report's
 * result (keys, then each column's result). */
static void check_reports(checker *k)
{
    for (int r = 0; r < k->res.nreports; r++) {
        ast_node *d = k->res.reports[r];
        int mark = k->nlocals;
        ast_node *v = d->c;
        if (!v->a) {
            const char *in = k->res.input ? k->res.input->name : NULL;
            if (in && strcmp(v->name, in) != 0) {
                err(k, v->name_sp, NULL, "'for each' names the input, '%s'", in);
            }
        } else {
            ty *lt = expr(k, v->a, NULL);
            if (lt->kind != TY_LIST && !ty_is_bad(lt)) {
                err(k, v->a->sp, "write 'for each INPUT' to report on every record",
                    "a report goes through a list: 'for x in LIST', and this is %s",
                    ty_str(k, lt));
            }
            if (k->nlocals < MAX_LOCALS) {
                v->sym = res_bind_local(k, v->name,
                                        lt->kind == TY_LIST ? lt->elem : &k->t_error, v);
            }
        }
        if (d->b) {
            cond(k, d->b);
        }
        int nkeys = (int)d->list.count, ncols = (int)d->list2.count;
        int n = nkeys + ncols;
        char *rows_name = alloc(k, strlen(d->name) + 16);
        char *out_name = alloc(k, strlen(d->name) + 16);
        if (!rows_name || !out_name) {
            k->nlocals = mark;
            return;
        }
        sprintf(rows_name, "report %s rows", d->name);
        sprintf(out_name, "report %s", d->name);
        sym *rows = report_record(k, rows_name, d, n);
        sym *out = report_record(k, out_name, d, n);
        if (!rows || !out) {
            k->nlocals = mark;
            return;
        }
        for (int i = 0; i < n; i++) {
            ast_node *f = i < nkeys ? d->list.items[i] : d->list2.items[i - nkeys];
            for (int j = 0; j < i; j++) {
                ast_node *g = j < nkeys ? d->list.items[j] : d->list2.items[j - nkeys];
                if (strcmp(f->name, g->name) == 0) {
                    err(k, f->name_sp, "give each key and column of a report its own name",
                        "'%s' is named twice in report %s", f->name, d->name);
                }
            }
            ty *arg, *res;
            if (i < nkeys) {
                arg = res = expr(k, f->a, NULL);
                if (!ty_is_bad(arg) && !groupable(arg)) {
                    err(k, f->a->sp, NULL, "a report groups by a text, an enum, a number, a "
                        "date or a boolean, not %s", ty_str(k, arg));
                }
            } else {
                report_column(k, f, &arg, &res);
            }
            rows->fields[i] = (field_info){f->name, f->name, arg, NULL, -1, false, false};
            out->fields[i] = (field_info){f->name, f->name, res, NULL, -1, false, false};
        }
        ast_node *top = d->a;
        if (top) {
            char *end;
            errno = 0;
            long long tn = strtoll(top->text, &end, 10);
            if (errno || tn < 1 || tn > UINT32_MAX) {
                err(k, top->sp, NULL, "top takes a number of rows from 1 to %u",
                    (unsigned)UINT32_MAX);
            }
            top->num = tn;
            top->aux = -1;
            for (int c = 0; c < ncols; c++) {
                if (strcmp(d->list2.items[c]->name, top->name) == 0) {
                    top->aux = c;
                }
            }
            if (top->aux < 0) {
                err(k, top->name_sp, "top N by COLUMN orders by one of the report's columns",
                    "report %s has no column '%s'", d->name, top->name);
            }
        }
        d->sym = out;
        d->sym2 = rows;
        d->ty = ty_wrap(k, TY_LIST, rows->ty);
        res_push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, rows);
        res_push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, out);
        for (int j = 0; j < r; j++) {
            if (strcmp(k->res.reports[j]->name, d->name) == 0) {
                err(k, d->name_sp, NULL, "report %s is declared twice", d->name);
            }
        }
        k->nlocals = mark;
    }
}

/* "holiday 2026-06-15": a day added to the bank-holiday calendar.  It
 * must be a real date inside the calendar's years (a holiday outside
 * them would never be consulted: days there are refused) and declared
 * once. */
void chk_holiday_decl(checker *k, ast_node *d)
{
    int64_t day;
    chk_cite(k, d->cite);
    if (!date_parse(d->text, strlen(d->text), &day)) {
        err(k, d->name_sp, NULL, "'%s' is not a date in the calendar", d->text);
        return;
    }
    if (day < date_uk_first() || day > date_uk_last()) {
        strbuf b;
        sb_init(&b, k->c->mem);
        date_format(date_uk_first(), &b);
        sb_puts(&b, " to ");
        date_format(date_uk_last(), &b);
        err(k, d->name_sp, "a day outside the calendar is never a working day "
            "question Tally answers",
            "holiday %s is outside the bank-holiday calendar (%s)", d->text,
            b.failed || !b.p ? "?" : b.p);
        sb_free(&b);
        return;
    }
    tly_checked *r = &k->res;
    for (int i = 0; i < r->nholidays; i++) {
        if (r->holidays[i] == day) {
            err(k, d->name_sp, NULL, "holiday %s is declared twice", d->text);
            return;
        }
    }
    if (r->nholidays == k->cap_holidays) {
        int cap = k->cap_holidays ? k->cap_holidays * 2 : 8;
        int64_t *h = alloc(k, (size_t)cap * sizeof *h);
        if (!h) {
            return;
        }
        if (r->nholidays) {
            memcpy(h, r->holidays, (size_t)r->nholidays * sizeof *h);
        }
        r->holidays = h;
        k->cap_holidays = cap;
    }
    d->num = day;
    r->holidays[r->nholidays++] = day;
}


static void record_fields(checker *k, sym *r)
{
    ast_node *d = r->decl;
    int n = 0;
    for (uint32_t i = 0; i < d->list.count; i++) {
        n += d->list.items[i]->kind == AST_FIELD_DECL;
    }
    r->fields = alloc(k, (size_t)(n + 1) * sizeof *r->fields);
    if (!r->fields) {
        return;
    }
    r->nfields = 0;
    name_ix ix = {NULL, 0};
    res_ix_init(k, &ix, (uint32_t)n);
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *f = d->list.items[i];
        if (f->kind != AST_FIELD_DECL) {
            continue;
        }
        if (ix.cap ? res_ix_add(&ix, f->name, r->nfields) >= 0
            : res_field_index(r, f->name) >= 0) {
            err(k, f->name_sp, NULL, "field '%s' is declared twice", f->name);
            continue;
        }
        field_info *fi = &r->fields[r->nfields++];
        fi->name = f->name;
        fi->json = f->text ? f->text : f->name;
        fi->ty = ty_resolve(k, f->a);
        fi->decl = f;
        fi->unique_key = -1;
        f->ty = fi->ty;
        r->nrequired += fi->ty->kind != TY_OPTIONAL;
    }
    r->ix = ix; /* field_index uses it from now on */
}

static void record_options(checker *k, sym *r)
{
    for (int i = 0; i < r->nfields; i++) {
        field_info *fi = &r->fields[i];
        ast_node *f = fi->decl;
        if (f && (f->op & AST_FIELD_INT_TEXT)) {
            ty *t = fi->ty;
            while (t->kind == TY_OPTIONAL || t->kind == TY_LIST) {
                t = t->elem;
            }
            if (t->kind != TY_TEXT && t->kind != TY_ERROR) {
                err(k, f->a->sp, "write 'text or integer' (an id kept as "
                    "text, whichever way the data write it)",
                    "only text can be 'or integer'");
            }
            fi->int_text = true;
        }
        for (uint32_t j = 0; f && j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (o->kind == AST_OMIT) {
                if (fi->ty->kind != TY_OPTIONAL) {
                    err(k, o->sp, NULL, "only an optional field can be omitted");
                }
                fi->omit_none = true;
            } else if (o->kind == AST_UNIQUE) {
                ty *t = fi->ty;
                if (t->kind != TY_LIST || t->elem->kind != TY_RECORD) {
                    err(k, o->sp, NULL, "'unique by' needs a list of records");
                    continue;
                }
                int ki = res_field_index(t->elem->decl, o->name);
                if (ki < 0) {
                    err(k, o->name_sp, NULL, "%s has no field '%s'",
                        t->elem->decl->name, o->name);
                    continue;
                }
                fi->unique_key = ki;
            }
        }
    }
}

/* Checks the where-conditions and checks of a record, with its fields in
 * scope by name. */
static void record_checks(checker *k, sym *r)
{
    k->self = r;
    for (int i = 0; i < r->nfields; i++) {
        ast_node *f = r->fields[i].decl;
        for (uint32_t j = 0; j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (o->kind == AST_WHERE) {
                expect_bool(k, o->a, "a 'where' condition");
                if (o->b) {
                    expect(k, o->b, &k->t_text, "the message after 'else'");
                }
            }
        }
    }
    ast_node *d = r->decl;
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *ch = d->list.items[i];
        if (ch->kind != AST_CHECK) {
            continue;
        }
        expect_bool(k, ch->a, "a check");
        if (ch->b) {
            expect(k, ch->b, &k->t_text, "the message after 'else'");
        }
        if (ch->text && res_field_index(r, ch->text) < 0) {
            err(k, ch->sp, NULL, "%s has no field '%s' to report at", r->name,
                ch->text);
        }
    }
    k->self = NULL;
}

static void signature(checker *k, sym *f)
{
    ast_node *d = f->decl;
    f->ty = ty_resolve(k, d->a);
    if (f->kind == SYM_PARAM) {
        return;
    }
    f->nparams = (int)d->list.count;
    f->params = alloc(k, (size_t)(f->nparams + 1) * sizeof *f->params);
    if (!f->params) {
        f->nparams = 0; /* out of memory: no parameters for check_func to walk */
        return;
    }
    name_ix ix = {NULL, 0};
    res_ix_init(k, &ix, (uint32_t)f->nparams);
    for (int i = 0; i < f->nparams; i++) {
        ast_node *p = d->list.items[i];
        bool twice = false;
        if (ix.cap) {
            twice = res_ix_add(&ix, p->name, i) >= 0;
        } else {
            for (int j = 0; j < i && !twice; j++) {
                twice = strcmp(f->params[j]->name, p->name) == 0;
            }
        }
        if (twice) {
            err(k, p->name_sp, NULL, "parameter '%s' is listed twice", p->name);
        }
        sym *ps = res_new_sym(k, SYM_LOCAL, p->name, p);
        if (!ps) {
            f->nparams = i;
            return;
        }
        ps->ty = ty_resolve(k, p->a);
        p->sym = ps;
        f->params[i] = ps;
    }
    if (f->kind == SYM_RULE) {
        /* A rule's result: its outcome and the reason for it. */
        sym *v = res_new_sym(k, SYM_RECORD, f->name, d);
        if (!v) {
            return;
        }
        v->ty = ty_new(k, TY_RECORD);
        v->ty->decl = v;
        v->nfields = 2;
        v->fields = alloc(k, 2 * sizeof *v->fields);
        if (!v->fields) {
            return;
        }
        v->fields[0] = (field_info){"outcome", "outcome", f->ty, NULL, -1, false,
                                    false};
        v->fields[1] = (field_info){"reason", "reason",
                                    ty_wrap(k, TY_OPTIONAL, &k->t_text), NULL, -1,
                                    true, false};
        f->verdict = v;
        res_push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, v);
    }
}

/* The letter of tally_native.h for a type a native function may take or
 * give; 0 for any other. */
static char native_letter(const ty *t)
{
    switch (t->kind) {
    case TY_BOOL: return 'b';
    case TY_INT: return 'i';
    case TY_DEC: return 'd';
    case TY_MONEY: return 'm';
    case TY_TEXT: return 't';
    case TY_DATE: return 'D';
    default: return 0;
    }
}

/* An extern definition's signature: types a native function can be
 * called with (tally_native.h), a library named as a plain file name, at
 * most TALLY_NATIVE_MAX_PARAMS (16) parameters.  Sets [f]'s aux letters
 * on the declaration (decl->text2) for the compiler. */
static void extern_signature(checker *k, sym *f)
{
    ast_node *d = f->decl;
    static const char *const hint =
        "a native function takes and gives integer, decimal, money, bool, "
        "text or date";
    char letters[17];
    int n = 0;
    chk_cite(k, d->cite);
    if (f->nparams > 16) {
        err(k, d->name_sp, NULL, "'%s' has %d parameters; a native function "
            "takes at most 16", f->name, f->nparams);
        return;
    }
    for (int i = 0; i < f->nparams; i++) {
        ty *t = f->params[i]->ty;
        char c = native_letter(t);
        if (!c && !ty_is_bad(t)) {
            err(k, d->list.items[i]->a->sp, hint,
                "a native function cannot take %s", ty_str(k, t));
        }
        if (!c) {
            c = '?';
        }
        letters[n++] = c;
    }
    letters[n] = '\0';
    char r = native_letter(f->ty);
    if (!r && !ty_is_bad(f->ty)) {
        err(k, d->a->sp, hint, "a native function cannot give %s",
            ty_str(k, f->ty));
    }
    const char *lib = d->b->text;
    bool ok = d->b->len > 0 && d->b->len <= 255 && lib[0] != '.' &&
              lib[0] != '-';
    for (uint32_t i = 0; ok && i < d->b->len; i++) {
        char c = lib[i];
        ok = c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') ||
             (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    if (!ok) {
        err(k, d->b->sp,
            "name the library (\"libtally_postcode\"); where it is found is "
            "for the run to say, with --allow-native",
            "a native library is named by letters, digits, '_', '-' and '.', "
            "not by a path");
    }
    d->text2 = arena_strndup(&k->c->arena, letters, (size_t)n);
    d->op = (int16_t)r;
    if (!d->text2) {
        k->c->oom = true;
    }
}


tly_checked *chk_results(tly_comp *c)
{
    return c->checked;
}


/* Checks one file, [root], in the current scope: its declarations, then
 * the policy's input and output when [k->in_policy]. */
static void check_file(checker *k, ast_node *root)
{
    tly_comp *c = k->c;
    int r0 = k->res.nrecords, f0 = k->res.nfuncs, x0 = k->res.nexterns;
    for (uint32_t i = 0; i < root->list.count; i++) {
        res_collect(k, root->list.items[i]);
    }
    res_bind_imports(k, root);
    int r1 = k->res.nrecords;
    for (int i = r0; i < r1; i++) {
        record_fields(k, k->res.records[i]);
    }
    for (int i = r0; i < r1; i++) {
        record_options(k, k->res.records[i]);
    }
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *d = root->list.items[i];
        if (d->kind == AST_ALIAS) {
            sym *s = res_lookup_raw(k, d->name);
            if (s && s->kind == SYM_ALIAS) {
                ty_alias(k, s);
            }
        }
    }
    for (int i = f0; i < k->res.nfuncs; i++) {
        signature(k, k->res.funcs[i]);
    }
    for (int i = x0; i < k->res.nexterns; i++) {
        signature(k, k->res.externs[i]);
        extern_signature(k, k->res.externs[i]);
    }
    if (!k->in_policy || root->b) {
        for (uint32_t i = 0; i < root->list.count; i++) {
            if (root->list.items[i]->kind == AST_TEST) {
                err(k, root->list.items[i]->sp,
                    "write tests in the policy, or in a test file importing it",
                    "a module's file holds no tests");
            }
        }
    }
    /* A module's own file, checked alone, has no input or output. */
    bool is_module = root->b != NULL;
    k->in_module = is_module;
    /* The input and output. */
    sym *in = k->res.input;
    if (!k->in_policy) {
        /* a module: no input */
    } else if (!in) {
        if (!is_module) {
            tly_span end = {(uint32_t)c->len, (uint32_t)c->len};
            err(k, end, "declare it as: input tender: Tender keyed by id",
                "the policy has no input declaration");
        }
    } else {
        ast_node *d = in->decl;
        sym *r = res_lookup_global(k, d->text);
        if (d->text3) {
            sym *q = res_lookup_global(k, d->text3);
            r = q && q->kind == SYM_MODULE ? res_lookup_in(k, q->ordinal, d->text)
                                           : NULL;
        }
        if (!r || r->kind != SYM_RECORD) {
            err(k, d->sp, NULL, "the input must be a record type, and '%s' is not",
                d->text);
            in->ty = &k->t_error;
        } else {
            in->ty = r->ty;
            int key = res_field_index(r, d->text2);
            if (key < 0) {
                err(k, d->sp, NULL, "%s has no field '%s' to key records by",
                    r->name, d->text2);
            } else if (r->fields[key].ty->kind != TY_TEXT) {
                err(k, d->sp, NULL, "the key field '%s' must be text", d->text2);
            }
            d->num = key;
            if (!ty_bindable(k, r->ty, 0)) {
                err(k, d->sp, NULL, "the input record contains itself");
            }
        }
    }
    for (int i = r0; i < k->res.nrecords; i++) {
        if (k->res.records[i]->decl->kind == AST_RECORD) {
            record_checks(k, k->res.records[i]);
        }
    }
    for (int i = f0; i < k->res.nfuncs; i++) {
        check_func(k, k->res.funcs[i]);
        k->res.dated |= k->res.funcs[i]->dated;
    }
    for (uint32_t i = 0; i < root->list.count; i++) {
        if (root->list.items[i]->kind == AST_AMEND) {
            amend_check(k, root->list.items[i]);
        } else if (root->list.items[i]->kind == AST_REFINE) {
            layers_refine(k, root->list.items[i]);
        }
    }
    if (k->res.asof) {
        expect(k, k->res.asof->a, &k->t_date, "the evaluation date");
    }
    if (!k->in_policy) {
        sum_check(k, root); /* only to refuse summaries in a module */
        return;
    }
    if (!k->res.output) {
        if (!is_module) {
            tly_span end = {(uint32_t)c->len, (uint32_t)c->len};
            err(k, end, "declare it as: output result: Result = Result { ... }",
                "the policy has no output declaration");
        }
    } else {
        ast_node *o = k->res.output;
        ty *t = ty_resolve(k, o->a);
        if (t->kind != TY_RECORD && t->kind != TY_ERROR) {
            err(k, o->a->sp, NULL, "the output must be a record type");
        }
        k->res.output_ty = t;
        expect(k, o->b, t, "the output");
    }
    check_findings(k);
    check_reports(k);
    sum_check(k, root);
    if (!is_module) {
        check_tests(k, root);
    }
}


bool tly_check(tly_comp *c)
{
    checker *k = arena_zalloc(&c->arena, sizeof *k);
    if (!k) {
        c->oom = true;
        return false;
    }
    k->c = c;
    k->suggest_left = SUGGEST_BUDGET;
    ty *builtins[] = {&k->t_error, &k->t_bool, &k->t_int, &k->t_dec,
                      &k->t_money, &k->t_percent, &k->t_date, &k->t_datetime,
                      &k->t_duration, &k->t_text, &k->t_none, &k->t_never,
                      &k->t_judgement};
    ty_kind kinds[] = {TY_ERROR, TY_BOOL, TY_INT, TY_DEC, TY_MONEY,
                       TY_PERCENT, TY_DATE, TY_DATETIME, TY_DURATION,
                       TY_TEXT, TY_NONE, TY_NEVER, TY_JUDGEMENT};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        builtins[i]->kind = kinds[i];
        builtins[i]->places = -1;
        builtins[i]->currency = "GBP";
    }
    for (int u = 0; u < AST_UNIT_COUNT; u++) {
        k->t_units[u] = k->t_duration;
        k->t_units[u].unit = u;
    }
    ast_node *root = c->root;
    if (!root) {
        return false;
    }
    int nfiles = c->nfiles ? c->nfiles : 1;
    k->scopes = arena_zalloc(&c->arena, (size_t)nfiles * sizeof *k->scopes);
    if (!k->scopes) {
        c->oom = true;
        return false;
    }
    k->res.policy = root->a;
    int one = 0;
    const int *order = c->nfiles ? c->order : &one;
    int norder = c->nfiles ? c->norder : 1;
    for (int i = 0; i < norder && !c->oom; i++) {
        int file = order[i];
        ast_node *froot = c->nfiles ? c->files[file]->root : root;
        if (!froot || !res_enter(k, file)) {
            continue;
        }
        k->in_policy = file == 0;
        check_file(k, froot);
        res_leave(k);
    }
    amend_merge(k);
    if (c->diags.nerrors == 0 && !c->oom) {
        pct_warn(k);
        lint_warn(k);
    }
    lint_allow(c);
    lint_nocover_check(c);
    c->checked = &k->res;
    return c->diags.nerrors == 0 && !c->oom;
}
