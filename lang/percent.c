/* lang/percent.c - the warning for a percentage mixed with marks.
 *
 * A percentage times a number is a plain decimal, the fraction: 40% *
 * ratio is 0.4 x ratio.  An author who weights a score with 40% and means
 * 40 marks gets a result a hundred times too small, with no error, and
 * adds it to marks written as numbers.  After a policy checks cleanly,
 * this pass gives every numeric expression a scale (ast_node.share):
 *
 *   SUSPECT   a percentage first, times a number that is not a literal
 *             (40% * ratio, weights.price * lowest / price): a weighting
 *             that may have been meant as marks;
 *   WEIGHTED  another product of a percentage and a number (the number
 *             first, ratio * 40%, which reads as "40% of the ratio"; or a
 *             literal or whole number, 50% * 3): taken as meant;
 *   PLAIN     anything else.
 *
 * Scales pass through '/' by a number, unary '-', 'let', sums of scaled
 * terms and the value of a definition or parameter named or called.  A
 * warning is given where a SUSPECT value meets a plain integer or decimal
 * in '+', '-' or a comparison, unless that is a number written between
 * -1 and 1 (a fraction, as in 'total >= 0.5'): where the two scales are
 * most likely mixed.  The rule, and the two ways to write what is meant,
 * are in docs/language.md ("Percentages").  Only reads the checked AST,
 * writing share; messages go to the compilation's diagnostics.
 */
#include "check_int.h"

#include <string.h>

#include "parser.h"

enum { SHARE_UNSEEN, SHARE_PLAIN, SHARE_WEIGHTED, SHARE_SUSPECT };

static bool kind_is(const ast_node *n, ty_kind kind)
{
    return n && n->ty && n->ty->kind == kind;
}

/* A plain integer or decimal: what marks are written as. */
static bool is_plain_number(const ast_node *n)
{
    return kind_is(n, TY_INT) || kind_is(n, TY_DEC);
}

static bool is_literal(const ast_node *n)
{
    return n->kind == AST_INT || n->kind == AST_DEC || n->kind == AST_MONEY;
}

/* A number written between -1 and 1 (0.5, -1, 0): a fraction, which a
 * fraction may meet without a warning. */
static bool is_fraction_literal(const ast_node *n)
{
    if (n->kind == AST_UNARY && n->op == '-' && n->a) {
        n = n->a;
    }
    if ((n->kind != AST_INT && n->kind != AST_DEC) || !n->text) {
        return false;
    }
    const char *t = n->text;
    if (t[0] == '0' && (t[1] == '\0' || t[1] == '.')) {
        return true;
    }
    if (t[0] != '1' || (t[1] != '\0' && t[1] != '.')) {
        return false;
    }
    for (t += t[1] ? 2 : 1; *t; t++) {
        if (*t != '0') {
            return false;
        }
    }
    return true;
}

/* The source text of [n] when it is short and on one line, else NULL;
 * in [buf], in brackets when [n] is an operation (so "40 * (a + b)"
 * keeps its meaning, and "(a / b)" reads as written). */
static const char *source_of(checker *k, const ast_node *n, char *buf,
                             size_t cap)
{
    uint32_t len = n->sp.end - n->sp.start;
    const char *s = tly_text_at(k->c, n->sp.start);
    if (len == 0 || len > 40 || memchr(s, '\n', len)) {
        return NULL;
    }
    bool wrap = n->kind == AST_BINARY;
    snprintf(buf, cap, "%s%.*s%s", wrap ? "(" : "", (int)len, s,
             wrap ? ")" : "");
    return buf;
}

/* "0.4" for the percentage literal text "40": its points over 100. */
static void fraction_of(const char *points, char *buf, size_t cap)
{
    const char *dot = strchr(points, '.');
    size_t ilen = dot ? (size_t)(dot - points) : strlen(points);
    const char *frac = dot ? dot + 1 : "";
    char digits[96];
    snprintf(digits, sizeof digits, "%.*s%s", (int)ilen, points, frac);
    size_t n = strlen(digits);
    long point = (long)ilen - 2; /* digits before the point, once divided */
    char out[128];
    size_t o = 0;
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (long z = point; z < 0 && o < 100; z++) {
            out[o++] = '0';
        }
        for (size_t i = 0; i < n && o < 120; i++) {
            out[o++] = digits[i];
        }
    } else {
        for (size_t i = 0; i < n && o < 120; i++) {
            if ((long)i == point) {
                out[o++] = '.';
            }
            out[o++] = digits[i];
        }
    }
    out[o] = '\0';
    /* No trailing zeros after the point, nor a bare point; at least one
     * digit before it ("000.4" cannot arise: points has no leading 0s
     * beyond what was written). */
    if (strchr(out, '.')) {
        while (o > 0 && out[o - 1] == '0') {
            out[--o] = '\0';
        }
        if (o > 0 && out[o - 1] == '.') {
            out[--o] = '\0';
        }
    }
    const char *p = out;
    while (p[0] == '0' && p[1] >= '0' && p[1] <= '9') {
        p++; /* "040" written as "40%" over 100 is "0.4", never "00.4" */
    }
    snprintf(buf, cap, "%s", p);
}

static const char *op_words(int op)
{
    switch (op) {
    case '+': return "'+' adds it to";
    case '-': return "'-' mixes it with";
    case '=': return "'=' compares it with";
    case NE: return "'!=' compares it with";
    case '<': return "'<' compares it with";
    case LE: return "'<=' compares it with";
    case '>': return "'>' compares it with";
    case GE: return "'>=' compares it with";
    default: return "this mixes it with";
    }
}

/* Warns that [s], a SUSPECT value, meets a plain number through [op]. */
static void warn(checker *k, const ast_node *s, int op)
{
    const char *verb = op_words(op);
    char msg[400], hint[400], dbuf[64], pbuf[64];
    const ast_node *p = s->kind == AST_BINARY && s->op == '*' ? s->a : NULL;
    const char *d = p ? source_of(k, s->b, dbuf, sizeof dbuf) : NULL;
    if (p && d && p->kind == AST_PERCENT && strlen(p->text) < 40) {
        char frac[64];
        fraction_of(p->text, frac, sizeof frac);
        snprintf(msg, sizeof msg, "%s%% * %s is %s × %s, a fraction, not %s "
                 "marks, and %s a plain number", p->text, d, frac, d, p->text,
                 verb);
        snprintf(hint, sizeof hint, "for marks, weight with a number: %s * %s; "
                 "if the fraction is meant, put the number first: %s * %s%%",
                 p->text, d, d, p->text);
    } else if (p && d && source_of(k, p, pbuf, sizeof pbuf)) {
        snprintf(msg, sizeof msg, "%s * %s is a fraction of %s, not marks, "
                 "and %s a plain number", pbuf, d, d, verb);
        snprintf(hint, sizeof hint, "for marks, weight with a number, not a "
                 "percentage; if the fraction is meant, put the number first: "
                 "%s * %s", d, pbuf);
    } else if ((s->kind == AST_NAME || s->kind == AST_CALL) && s->sym) {
        snprintf(msg, sizeof msg, "'%s' is a percentage times a number, a "
                 "fraction, not marks, and %s a plain number", s->sym->name,
                 verb);
        snprintf(hint, sizeof hint, "for marks, weight with a number in "
                 "'%s', not a percentage; if the fraction is meant, put the "
                 "number first there (ratio * 40%%)", s->sym->name);
    } else {
        snprintf(msg, sizeof msg, "a percentage times a number is a fraction "
                 "of the number, not marks, and %s a plain number", verb);
        snprintf(hint, sizeof hint, "for marks, weight with numbers (40 * x), "
                 "not percentages; if the fraction is meant, put the number "
                 "first (x * 40%%)");
    }
    diag_add(&k->c->diags, DIAG_WARNING, s->sp, hint, "%s [W601 percent-marks]", msg);
}

static int scale(checker *k, ast_node *n);

/* The scale of the value global [s] gives: its body's, when it has one
 * body (not dated, no exceptions). */
static int global_scale(checker *k, const sym *s)
{
    if (!s || (s->kind != SYM_DEF && s->kind != SYM_PARAM) || s->dated ||
        !s->decl || (s->kind == SYM_DEF && s->decl->c) || !s->decl->b) {
        return SHARE_PLAIN;
    }
    return scale(k, s->decl->b);
}

static int own_scale(checker *k, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_NAME:
    case AST_CALL:
        return n->builtin == 0 ? global_scale(k, n->sym) : SHARE_PLAIN;
    case AST_LET:
        return n->b ? n->b->share : SHARE_PLAIN;
    case AST_UNARY:
        return n->op == '-' && n->a ? n->a->share : SHARE_PLAIN;
    case AST_BINARY:
        break;
    default:
        return SHARE_PLAIN;
    }
    ast_node *a = n->a, *b = n->b;
    bool num_a = is_plain_number(a) || kind_is(a, TY_MONEY);
    bool num_b = is_plain_number(b) || kind_is(b, TY_MONEY);
    switch (n->op) {
    case '*':
        if (kind_is(a, TY_PERCENT) && (kind_is(b, TY_DEC) || kind_is(b, TY_MONEY)) &&
            !is_literal(b)) {
            return SHARE_SUSPECT;
        }
        if ((kind_is(a, TY_PERCENT) && num_b) || (kind_is(b, TY_PERCENT) && num_a)) {
            return SHARE_WEIGHTED;
        }
        return SHARE_PLAIN;
    case '/':
        return a->share != SHARE_PLAIN && num_b ? a->share : SHARE_PLAIN;
    case '+':
    case '-':
        if (a->share != SHARE_PLAIN && b->share != SHARE_PLAIN) {
            return a->share > b->share ? a->share : b->share;
        }
        /* fall through */
    case '=': case NE: case '<': case LE: case '>': case GE:
        if (a->share == SHARE_SUSPECT && is_plain_number(b) &&
            !is_fraction_literal(b)) {
            warn(k, a, n->op);
        } else if (b->share == SHARE_SUSPECT && is_plain_number(a) &&
                   !is_fraction_literal(a)) {
            warn(k, b, n->op);
        }
        return SHARE_PLAIN;
    default:
        return SHARE_PLAIN;
    }
}

/* Gives [n] and everything below it a scale, once (a node reached twice,
 * as an amendment's row is, keeps its first), warning on the way. */
static int scale(checker *k, ast_node *n)
{
    if (!n) {
        return SHARE_PLAIN;
    }
    if (n->share != SHARE_UNSEEN) {
        return n->share;
    }
    n->share = SHARE_PLAIN; /* while below is visited */
    scale(k, n->a);
    scale(k, n->b);
    scale(k, n->c);
    for (uint32_t i = 0; i < n->list.count; i++) {
        scale(k, n->list.items[i]);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        scale(k, n->list2.items[i]);
    }
    n->share = (uint8_t)own_scale(k, n);
    return n->share;
}

void pct_warn(checker *k)
{
    tly_comp *c = k->c;
    if (c->nfiles == 0) {
        scale(k, c->root);
        return;
    }
    for (int i = 0; i < c->nfiles; i++) {
        scale(k, c->files[i]->root);
    }
}
