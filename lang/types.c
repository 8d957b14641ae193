/* lang/types.c - the checker's types: building, resolving, comparing,
 * printing.
 *
 * Builds tys in the compilation's arena (the scalar types are the
 * checker's own, shared), resolves a type written in the source (a
 * built-in name, a record, enum or alias of this file or a module, a
 * list, map, optional or bounded integer) to its ty, and holds the rules
 * between types: equality, what fits where (with the implicit integer to
 * decimal conversion recorded on the node), the result type of
 * arithmetic, unification of two branches, and ordering.  Checks no
 * expression itself: that is check.c's.
 */
#include "check_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally_limits.h"

ty *ty_new(checker *k, ty_kind kind)
{
    ty *t = alloc(k, sizeof *t);
    if (!t) {
        return &k->t_error;
    }
    t->kind = kind;
    t->places = -1;
    return t;
}

ty *ty_wrap(checker *k, ty_kind kind, ty *elem)
{
    ty *t = ty_new(k, kind);
    if (t != &k->t_error) {
        t->elem = elem;
    }
    return t;
}

const char *ty_str(checker *k, const ty *t)
{
    strbuf b;
    sb_init(&b, k->c->mem);
    ty_describe(t, &b);
    const char *s = b.failed || !b.p ? "?" : arena_strndup(&k->c->arena, b.p, b.len);
    sb_free(&b);
    return s ? s : "?";
}

void ty_describe(const ty *t, strbuf *b)
{
    switch (t->kind) {
    case TY_ERROR: sb_puts(b, "an unknown type"); break;
    case TY_BOOL: sb_puts(b, "bool"); break;
    case TY_INT: sb_puts(b, "integer"); break;
    case TY_DEC: sb_puts(b, "decimal"); break;
    case TY_MONEY:
        sb_puts(b, "money");
        if (t->currency && strcmp(t->currency, "GBP") != 0) {
            sb_printf(b, " in %s", t->currency);
        }
        break;
    case TY_PERCENT: sb_puts(b, "percent"); break;
    case TY_DATE: sb_puts(b, "date"); break;
    case TY_DATETIME: sb_puts(b, "datetime"); break;
    case TY_DURATION:
        sb_puts(b, "duration");
        switch ((ast_unit)t->unit) {
        case AST_UNIT_DAYS: break;
        case AST_UNIT_WORKING_DAYS: sb_puts(b, " in working days"); break;
        case AST_UNIT_MONTHS: sb_puts(b, " in months"); break;
        case AST_UNIT_MONTHS_EARLIER:
            sb_puts(b, " in months (or earlier)");
            break;
        case AST_UNIT_MONTHS_LATER: sb_puts(b, " in months (or later)"); break;
        case AST_UNIT_SECONDS: sb_puts(b, " in hours and minutes"); break;
        case AST_UNIT_COUNT: break;
        }
        break;
    case TY_TEXT: sb_puts(b, "text"); break;
    case TY_JUDGEMENT: sb_puts(b, "judgement"); break;
    case TY_ENUM:
    case TY_RECORD: sb_puts(b, t->decl ? t->decl->name : "?"); break;
    case TY_LIST: sb_puts(b, "list of "); ty_describe(t->elem, b); break;
    case TY_MAP: sb_puts(b, "map of text to "); ty_describe(t->elem, b); break;
    case TY_OPTIONAL: sb_puts(b, "optional "); ty_describe(t->elem, b); break;
    case TY_NONE: sb_puts(b, "none"); break;
    case TY_NEVER: sb_puts(b, "fail"); break;
    case TY_KIND_COUNT: break;
    }
}

bool ty_currency_code(const char *s)
{
    return s && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z' && s[3] == '\0';
}

bool ty_money_dyn(const ty *t)
{
    return t && t->kind == TY_MONEY && t->currency &&
           strcmp(t->currency, TY_CURRENCY_OF_VALUE) == 0;
}

/* Static money of [from] used as 'money in currency' ([to]): the value
 * takes its type's currency when evaluated (AUX_TO_CUR on [n]). */
static bool to_dyn(ast_node *n, const ty *from, const ty *to)
{
    if (!n || from->kind != TY_MONEY || !ty_money_dyn(to) || ty_money_dyn(from)) {
        return false;
    }
    n->conv |= AUX_TO_CUR;
    return true;
}

bool ty_is_num(const ty *t)
{
    return t->kind == TY_INT || t->kind == TY_DEC || t->kind == TY_MONEY ||
           t->kind == TY_PERCENT;
}

bool ty_is_bad(const ty *t)
{
    return t->kind == TY_ERROR || t->kind == TY_NEVER;
}

static bool same(const ty *a, const ty *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case TY_ENUM:
    case TY_RECORD: return a->decl == b->decl;
    case TY_MONEY: return strcmp(a->currency, b->currency) == 0;
    case TY_DURATION: return a->unit == b->unit;
    case TY_LIST:
    case TY_MAP:
    case TY_OPTIONAL: return same(a->elem, b->elem);
    default: return true;
    }
}

/* Can a value of [from] (the type of [n]) be used where [to] is wanted?
 * Records the conversion on [n]. */
bool ty_fits(checker *k, ast_node *n, ty *from, ty *to)
{
    (void)k;
    if (ty_is_bad(from) || to->kind == TY_ERROR) {
        return true;
    }
    if (same(from, to)) {
        return true;
    }
    if (to->kind == TY_OPTIONAL) {
        if (from->kind == TY_NONE) {
            return true;
        }
        if (from->kind == TY_OPTIONAL) {
            return same(from->elem, to->elem) || to_dyn(n, from->elem, to->elem);
        }
        return ty_fits(k, n, from, to->elem);
    }
    if (to_dyn(n, from, to)) {
        return true;
    }
    if (to->kind == TY_DEC && from->kind == TY_INT) {
        if (n) {
            n->conv |= AUX_TO_DEC;
        }
        return true;
    }
    if (to->kind == TY_LIST && from->kind == TY_LIST &&
        from->elem->kind == TY_NEVER) {
        return true;
    }
    return false;
}

const char *ty_money_hint(const ty *want)
{
    (void)want;
    return "write an amount of money with its currency, as £5,000 or £0";
}

void ty_mismatch(checker *k, ast_node *n, ty *got, ty *want,
                 const char *what)
{
    const char *hint = NULL;
    if (got->kind == TY_OPTIONAL && same(got->elem, want)) {
        hint = "this value may be none: use 'x otherwise default' or "
               "'if x is some v then ... else ...'";
    } else if (want->kind == TY_MONEY && ty_money_dyn(got)) {
        hint = "an amount in 'money in currency' may be in any currency, and "
               "there are no exchange rates: declare this 'money in currency' too";
    } else if (want->kind == TY_MONEY && (got->kind == TY_INT || got->kind == TY_DEC)) {
        hint = ty_money_hint(want);
    } else if (want->kind == TY_TEXT && got->kind != TY_OPTIONAL) {
        hint = "turn a value into text with text(x)";
    } else if (want->kind == TY_PERCENT && ty_is_num(got)) {
        hint = "write a percentage as 40%";
    }
    err(k, n->sp, hint, "%s should be %s, not %s", what, ty_str(k, want),
        ty_str(k, got));
}

/* ---- types written in the source -------------------------------------- */

static bool const_int(checker *k, ast_node *n, int64_t *out)
{
    bool neg = false;
    if (n->kind == AST_UNARY && n->op == '-') {
        neg = true;
        n = n->a;
    }
    if (n->kind != AST_INT) {
        err(k, n->sp, NULL, "a bound must be a whole number");
        return false;
    }
    char *end;
    errno = 0;
    long long v = strtoll(n->text, &end, 10);
    if (errno || *end) {
        err(k, n->sp, NULL, "number too large");
        return false;
    }
    *out = neg ? -v : v;
    return true;
}

ty *ty_alias(checker *k, sym *s)
{
    if (s->state == 1) {
        err(k, s->decl->name_sp, NULL, "type '%s' is defined in terms of itself",
            s->name);
        s->ty = &k->t_error;
        s->state = 2;
    }
    if (s->state == 0) {
        s->state = 1;
        s->ty = ty_resolve(k, s->decl->a);
        s->state = 2;
    }
    return s->ty;
}

ty *ty_resolve(checker *k, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_TYPE_LIST: return ty_wrap(k, TY_LIST, ty_resolve(k, n->a));
    case AST_TYPE_MAP: {
        ty *key = ty_resolve(k, n->a);
        if (key->kind != TY_TEXT && key->kind != TY_ERROR) {
            err(k, n->a->sp, NULL, "map keys must be text");
        }
        return ty_wrap(k, TY_MAP, ty_resolve(k, n->b));
    }
    case AST_TYPE_OPT: {
        ty *in = ty_resolve(k, n->a);
        if (in->kind == TY_OPTIONAL) {
            err(k, n->sp, NULL, "optional of an optional type");
            return in;
        }
        return ty_wrap(k, TY_OPTIONAL, in);
    }
    case AST_TYPE_RANGE: {
        ty *base = ty_resolve(k, n->a);
        if (base->kind != TY_INT) {
            if (base->kind != TY_ERROR) {
                err(k, n->sp, NULL, "only integers can have bounds");
            }
            return base;
        }
        ty *t = ty_new(k, TY_INT);
        if (t == &k->t_error) {
            return t;
        }
        if (n->b && const_int(k, n->b, &t->min)) {
            t->has_min = true;
        }
        if (n->c && const_int(k, n->c, &t->max)) {
            t->has_max = true;
        }
        if (t->has_min && t->has_max && t->min > t->max) {
            err(k, n->sp, NULL, "the lower bound is above the upper bound");
        }
        return t;
    }
    case AST_TYPE_NAME: {
        static const struct {
            const char *name;
            ty_kind kind;
        } builtin[] = {
            {"bool", TY_BOOL},         {"integer", TY_INT},
            {"decimal", TY_DEC},       {"money", TY_MONEY},
            {"percent", TY_PERCENT},   {"date", TY_DATE},
            {"datetime", TY_DATETIME}, {"duration", TY_DURATION},
            {"text", TY_TEXT},         {"judgement", TY_JUDGEMENT},
        };
        if (n->text3) {
            sym *q = res_lookup_global(k, n->text3);
            if (!q || q->kind != SYM_MODULE) {
                char hint[120];
                snprintf(hint, sizeof hint, "import it first: import %.80s",
                         n->text3);
                err(k, n->sp, hint, "unknown module '%s'", n->text3);
                return &k->t_error;
            }
            sym *t = res_lookup_in(k, q->ordinal, n->name);
            if (t && (t->kind == SYM_ENUM || t->kind == SYM_RECORD)) {
                n->sym = t;
                return t->ty;
            }
            if (t && t->kind == SYM_ALIAS) {
                return ty_alias(k, t);
            }
            res_no_such(k, n->name_sp, q->ordinal, n->name,
                        1u << SYM_ENUM | 1u << SYM_RECORD | 1u << SYM_ALIAS, "type");
            return &k->t_error;
        }
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
            if (strcmp(n->name, builtin[i].name) != 0) {
                continue;
            }
            if (n->num == -3) {
                /* money in EUR: a fixed currency; money in currency: the
                 * currency each value carries (from the data) */
                if (builtin[i].kind != TY_MONEY) {
                    err(k, n->sp, NULL, "only money is in a currency");
                    return &k->t_error;
                }
                if (strcmp(n->text, TY_CURRENCY_OF_VALUE) == 0) {
                    ty *t = ty_new(k, TY_MONEY);
                    t->currency = TY_CURRENCY_OF_VALUE;
                    return t;
                }
                if (!ty_currency_code(n->text)) {
                    err(k, n->name_sp,
                        "write 'money in currency' for the currency each "
                        "amount gives, or a code such as 'money in EUR'",
                        "'%s' is not a currency code (ISO 4217: three "
                        "capital letters)", n->text);
                    return &k->t_error;
                }
                if (strcmp(n->text, "GBP") == 0) {
                    return &k->t_money;
                }
                ty *t = ty_new(k, TY_MONEY);
                t->currency = n->text;
                return t;
            }
            if (n->num == -2) {
                if (builtin[i].kind != TY_DEC && builtin[i].kind != TY_MONEY &&
                    builtin[i].kind != TY_PERCENT) {
                    err(k, n->sp, NULL, "only decimals take a number of places");
                    break;
                }
                long places = strtol(n->text, NULL, 10);
                if (places < 0 || places > LIM_MAX_PLACES) {
                    err(k, n->sp, NULL, "places must be between 0 and "
                        LIM_STR(LIM_MAX_PLACES));
                    break;
                }
                ty *t = ty_new(k, builtin[i].kind);
                t->places = (int)places;
                t->currency = "GBP";
                return t;
            }
            switch (builtin[i].kind) {
            case TY_BOOL: return &k->t_bool;
            case TY_INT: return &k->t_int;
            case TY_DEC: return &k->t_dec;
            case TY_MONEY: return &k->t_money;
            case TY_PERCENT: return &k->t_percent;
            case TY_DATE: return &k->t_date;
            case TY_DATETIME: return &k->t_datetime;
            case TY_DURATION: return &k->t_duration;
            case TY_JUDGEMENT: return &k->t_judgement;
            default: return &k->t_text;
            }
        }
        sym *s = res_lookup_global(k, n->name);
        if (s && (s->kind == SYM_ENUM || s->kind == SYM_RECORD)) {
            n->sym = s;
            return s->ty;
        }
        if (s && s->kind == SYM_ALIAS) {
            return ty_alias(k, s);
        }
        suggest g = {NULL, 99, n->name, &k->suggest_left};
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
            res_consider(&g, builtin[i].name);
        }
        res_consider_globals(k, &g, 1u << SYM_ENUM | 1u << SYM_RECORD |
                                    1u << SYM_ALIAS);
        err(k, n->name_sp, res_hint_for(k, &g), "unknown type '%s'", n->name);
        return &k->t_error;
    }
    default:
        err(k, n->sp, NULL, "not a type");
        return &k->t_error;
    }
}


/* Result type of arithmetic [op] on [a] and [b]; NULL if not allowed. */
ty *ty_arith(checker *k, int op, ast_node *n, ty *a, ty *b,
             const char **hint)
{
    ty_kind x = a->kind, y = b->kind;
    *hint = NULL;
    if (x == TY_INT && y == TY_INT) {
        if (op == '/') {
            n->a->conv |= AUX_TO_DEC;
            n->b->conv |= AUX_TO_DEC;
            return &k->t_dec;
        }
        return &k->t_int;
    }
    bool xd = x == TY_INT || x == TY_DEC, yd = y == TY_INT || y == TY_DEC;
    if (xd && yd) {
        if (x == TY_INT) n->a->conv |= AUX_TO_DEC;
        if (y == TY_INT) n->b->conv |= AUX_TO_DEC;
        return &k->t_dec;
    }
    if (x == TY_INT) n->a->conv |= AUX_TO_DEC;
    if (y == TY_INT) n->b->conv |= AUX_TO_DEC;
    if (x == TY_MONEY && y == TY_MONEY && ty_money_dyn(a) != ty_money_dyn(b)) {
        /* money in currency with a fixed currency: checked when run */
        ty *d = ty_money_dyn(a) ? a : b;
        to_dyn(ty_money_dyn(a) ? n->b : n->a, ty_money_dyn(a) ? b : a, d);
        a = b = d;
    }
    if (x == TY_MONEY && y == TY_MONEY) {
        if (strcmp(a->currency, b->currency) != 0) {
            *hint = "convert one amount to the other currency first";
            return NULL;
        }
        if (op == '+' || op == '-') {
            return a;
        }
        if (op == '/') {
            return &k->t_dec;
        }
        *hint = "multiply money by a number or a percentage, not by money";
        return NULL;
    }
    if (x == TY_MONEY && (yd || y == TY_PERCENT)) {
        if (op == '*' || op == '/') {
            return a;
        }
        *hint = "write the amount as money, as £5,000";
        return NULL;
    }
    if ((xd || x == TY_PERCENT) && y == TY_MONEY) {
        if (op == '*') {
            return b;
        }
        *hint = op == '/' ? NULL : "write the amount as money, as £5,000";
        return NULL;
    }
    if (x == TY_PERCENT && y == TY_PERCENT) {
        if (op == '+' || op == '-' || op == '*') {
            return a;
        }
        return &k->t_dec;
    }
    if ((x == TY_PERCENT && yd) || (xd && y == TY_PERCENT)) {
        if (op == '*') {
            return &k->t_dec; /* 50% of a number is a decimal: 50% * 3 = 1.5 */
        }
        if (op == '/' && x == TY_PERCENT) {
            return a;
        }
        *hint = "write a percentage as 40% or turn it into a number";
        return NULL;
    }
    return NULL;
}

bool ty_ordered(const ty *t)
{
    switch (t->kind) {
    case TY_INT: case TY_DEC: case TY_MONEY: case TY_PERCENT: case TY_DATE:
    case TY_DATETIME: case TY_DURATION: case TY_TEXT: case TY_ENUM:
        return true;
    default:
        return false;
    }
}

/* Brings [a] and [b] to one comparable type, recording conversions. */
ty *ty_unify(checker *k, ast_node *na, ty *a, ast_node *nb, ty *b)
{
    if (ty_is_bad(a)) return b;
    if (ty_is_bad(b)) return a;
    if (same(a, b)) return a;
    if (a->kind == TY_INT && b->kind == TY_DEC) {
        na->conv |= AUX_TO_DEC;
        return b;
    }
    if (a->kind == TY_DEC && b->kind == TY_INT) {
        nb->conv |= AUX_TO_DEC;
        return a;
    }
    if (to_dyn(na, a, b)) return b;
    if (to_dyn(nb, b, a)) return a;
    if (a->kind == TY_OPTIONAL && ty_fits(k, nb, b, a->elem)) return a;
    if (b->kind == TY_OPTIONAL && ty_fits(k, na, a, b->elem)) return b;
    if (a->kind == TY_NONE && b->kind == TY_OPTIONAL) return b;
    if (b->kind == TY_NONE && a->kind == TY_OPTIONAL) return a;
    if (a->kind == TY_NONE) return ty_wrap(k, TY_OPTIONAL, b);
    if (b->kind == TY_NONE) return ty_wrap(k, TY_OPTIONAL, a);
    if (a->kind == TY_LIST && b->kind == TY_LIST) {
        if (a->elem->kind == TY_NEVER) return b;
        if (b->elem->kind == TY_NEVER) return a;
    }
    return NULL;
}


bool ty_bindable(checker *k, ty *t, int depth)
{
    if (depth > 32) {
        return false;
    }
    switch (t->kind) {
    case TY_LIST:
    case TY_MAP:
    case TY_OPTIONAL: return ty_bindable(k, t->elem, depth + 1);
    case TY_RECORD: {
        sym *r = t->decl;
        if (r->state == 1) {
            return false; /* a record that contains itself */
        }
        int saved = r->state;
        r->state = 1;
        bool ok = true;
        for (int i = 0; i < r->nfields && ok; i++) {
            ok = ty_bindable(k, r->fields[i].ty, depth + 1);
        }
        r->state = saved;
        return ok;
    }
    default: return true;
    }
}
