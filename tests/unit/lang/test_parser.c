/* tests/unit/lang/test_parser.c - unit tests for lang/parser.y.
 *
 * Parses small policies with tly_parse and checks the tree's shape through
 * a compact s-expression rendering ("a + b * c" is "(+ a (* b c))"):
 * operator precedence and associativity, the extent of if/let/fail, "is
 * in", comprehensions with where/at/by, record literals, match; then the
 * declarations and their spans.  Syntax errors are checked as `tally
 * check` prints them, "file:line:col: error: message", and recovery at
 * declaration boundaries must report every independent error in one run
 * and keep the good declarations.  Each test frees its compilation; the
 * mem_ctx must end with no live bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front.h"
#include "parser.h"

#include "support.h"

/* ---- rendering the tree ------------------------------------------------ */

static void sexp(strbuf *b, const ast_node *n);

static void sexp_list(strbuf *b, const ast_list *l)
{
    for (uint32_t i = 0; i < l->count; i++) {
        sb_putc(b, ' ');
        sexp(b, l->items[i]);
    }
}

static const char *op_text(int op)
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
    case IN: return "is-in";
    case OTHERWISE: return "otherwise";
    default: return "?";
    }
}

static void sexp2(strbuf *b, const char *head, const ast_node *x,
                  const ast_node *y)
{
    sb_printf(b, "(%s ", head);
    sexp(b, x);
    sb_putc(b, ' ');
    sexp(b, y);
    sb_putc(b, ')');
}

static void sexp(strbuf *b, const ast_node *n)
{
    if (!n) {
        sb_puts(b, "nil");
        return;
    }
    switch ((ast_kind)n->kind) {
    case AST_INT:
    case AST_DEC:
    case AST_DATE:
    case AST_DATETIME: sb_puts(b, n->text); return;
    case AST_PERCENT: sb_printf(b, "%s%%", n->text); return;
    case AST_MONEY: sb_printf(b, "%s:%s", n->name, n->text); return;
    case AST_TEXT: sb_put_json_string(b, n->text, n->len); return;
    case AST_DURATION:
        sb_printf(b, "%lld%s", (long long)n->num, n->op ? "wd" : "d");
        return;
    case AST_BOOL: sb_puts(b, n->num ? "true" : "false"); return;
    case AST_NONE: sb_puts(b, "none"); return;
    case AST_NAME: sb_puts(b, n->name); return;
    case AST_GET:
        sb_puts(b, "(. ");
        sexp(b, n->a);
        sb_printf(b, " %s)", n->name);
        return;
    case AST_INDEX: sexp2(b, "[]", n->a, n->b); return;
    case AST_CALL:
        sb_printf(b, "(call %s", n->name);
        sexp_list(b, &n->list);
        sb_putc(b, ')');
        return;
    case AST_MODE: sb_printf(b, "(mode %s %s)", n->name, n->text); return;
    case AST_UNARY:
        sb_puts(b, n->op == '-' ? "(neg " : "(not ");
        sexp(b, n->a);
        sb_putc(b, ')');
        return;
    case AST_BINARY: sexp2(b, op_text(n->op), n->a, n->b); return;
    case AST_IS_NONE:
        sb_puts(b, n->op ? "(is-not-none " : "(is-none ");
        sexp(b, n->a);
        sb_putc(b, ')');
        return;
    case AST_IF:
        sb_puts(b, "(if ");
        sexp(b, n->a);
        sb_putc(b, ' ');
        sexp(b, n->b);
        sb_putc(b, ' ');
        sexp(b, n->c);
        sb_putc(b, ')');
        return;
    case AST_SOME_COND:
        sb_puts(b, "(is-some ");
        sexp(b, n->a);
        sb_printf(b, " %s)", n->name);
        return;
    case AST_MATCH:
        sb_puts(b, "(match ");
        sexp(b, n->a);
        sexp_list(b, &n->list);
        if (n->c) {
            sb_puts(b, " (else ");
            sexp(b, n->c);
            sb_putc(b, ')');
        }
        sb_putc(b, ')');
        return;
    case AST_ARM:
        sb_puts(b, "(when");
        sexp_list(b, &n->list);
        sb_puts(b, " -> ");
        sexp(b, n->a);
        sb_putc(b, ')');
        return;
    case AST_SOME_PAT: sb_printf(b, "(some %s)", n->name); return;
    case AST_LET:
        sb_printf(b, "(let %s ", n->name);
        sexp(b, n->a);
        sb_putc(b, ' ');
        sexp(b, n->b);
        sb_putc(b, ')');
        return;
    case AST_LIST_LIT:
        sb_puts(b, "[list");
        sexp_list(b, &n->list);
        sb_putc(b, ']');
        return;
    case AST_COMPREH:
        sb_printf(b, "(%s ", n->name ? n->name : "list-of");
        sexp(b, n->a);
        sb_printf(b, " for %s", n->text);
        if (n->var2) {
            sb_printf(b, " at %s", n->var2);
        }
        sb_puts(b, " in ");
        sexp(b, n->b);
        if (n->c) {
            sb_puts(b, " where ");
            sexp(b, n->c);
        }
        if (n->list2.count) {
            sb_puts(b, " by");
            sexp_list(b, &n->list2);
        }
        sb_putc(b, ')');
        return;
    case AST_SORT_KEY:
        sexp(b, n->a);
        sb_puts(b, n->op ? " desc" : " asc");
        return;
    case AST_RECORD_LIT:
        sb_printf(b, "(%s", n->name);
        sexp_list(b, &n->list);
        sb_putc(b, ')');
        return;
    case AST_FIELD_INIT:
        sb_printf(b, "%s: ", n->name);
        sexp(b, n->a);
        return;
    case AST_ON: sexp2(b, "on", n->a, n->b); return;
    case AST_FAIL:
        sb_puts(b, "(fail ");
        sexp(b, n->a);
        sb_putc(b, ')');
        return;
    default: sb_printf(b, "<%s>", ast_kind_name((ast_kind)n->kind)); return;
    }
}

/* ---- parsing helpers --------------------------------------------------- */

typedef struct parsed {
    mem_ctx mem;
    tly_comp c;
    bool ok;
    char *src;  /* owned */
    strbuf out; /* the last rendering */
} parsed;

/* Frees what a fixture holds; done() and teardown() then free it. */
static void release(void *f)
{
    parsed *p = f;
    sb_free(&p->out);
    tly_comp_free(&p->c);
    mem_free(&p->mem, p->src, strlen(p->src) + 1);
}

/* Parses [src]; free the result with done(). */
static parsed *parse(const char *src)
{
    parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    fixture_begin(p, &p->mem, release);
    mem_init(&p->mem);
    p->src = mem_strndup(&p->mem, src, strlen(src));
    assert_non_null(p->src);
    tly_comp_init(&p->c, &p->mem, "t.tally", p->src, strlen(src));
    p->ok = tly_parse(&p->c);
    sb_init(&p->out, &p->mem);
    return p;
}

static const char *render(parsed *p, const ast_node *n)
{
    sb_clear(&p->out);
    sexp(&p->out, n);
    assert_false(p->out.failed);
    return p->out.p;
}

/* The prefix every expression test puts before its expression. */
#define EXPR_PREFIX "definition d: integer = "

/* Parses [expr] as the body of a definition and checks its rendering. */
static void assert_expr(const char *expr, const char *want)
{
    char src[512];
    snprintf(src, sizeof src, EXPR_PREFIX "%s", expr);
    parsed *p = parse(src);
    if (!p->ok) {
        print_error("'%s' did not parse: %s\n", expr,
                    p->c.diags.count ? p->c.diags.items[0].msg : "?");
    }
    assert_true(p->ok);
    assert_non_null(p->c.root);
    assert_int_equal(p->c.root->list.count, 1);
    ast_node *d = p->c.root->list.items[0];
    assert_int_equal(d->kind, AST_DEF);
    assert_string_equal(render(p, d->b), want);
    /* The body's span is the whole expression as written. */
    assert_int_equal(d->b->sp.start, strlen(EXPR_PREFIX));
    assert_int_equal(d->b->sp.end, strlen(src));
    done(p);
}

/* The [i]th diagnostic, rendered first line only, as `tally check` shows
 * it: "t.tally:1:5: error: message". */
static const char *diag_line(parsed *p, uint32_t i)
{
    return diag_first_line(&p->c, i, &p->out);
}

static const char *diag_hint(parsed *p, uint32_t i)
{
    assert_true(i < p->c.diags.count);
    return p->c.diags.items[i].hint;
}

static int diag_order(const void *a, const void *b)
{
    const diag *x = a, *y = b;
    return x->sp.start < y->sp.start ? -1 : x->sp.start > y->sp.start;
}

/* Sorts diagnostics by position, as the CLI prints them. */
static void sort_diags(parsed *p)
{
    qsort(p->c.diags.items, p->c.diags.count, sizeof *p->c.diags.items,
          diag_order);
}

/* ---- precedence and associativity -------------------------------------- */

static void test_parser_mul_binds_tighter_than_add(void **state)
{
    (void)state;
    assert_expr("a + b * c", "(+ a (* b c))");
    assert_expr("a * b + c", "(+ (* a b) c)");
    assert_expr("(a + b) * c", "(* (+ a b) c)");
}

static void test_parser_arithmetic_is_left_associative(void **state)
{
    (void)state;
    assert_expr("a - b - c", "(- (- a b) c)");
    assert_expr("a / b * c", "(* (/ a b) c)");
}

static void test_parser_unary_minus_binds_tightest(void **state)
{
    (void)state;
    assert_expr("- a * b", "(* (neg a) b)");
    assert_expr("a * -b", "(* a (neg b))");
    assert_expr("-a.b[1]", "(neg ([] (. a b) 1))");
}

static void test_parser_not_between_comparison_and_and(void **state)
{
    (void)state;
    assert_expr("not a and b", "(and (not a) b)");
    assert_expr("not a = b", "(not (= a b))");
    assert_expr("a and not b or c", "(or (and a (not b)) c)");
    assert_expr("not not a", "(not (not a))");
}

static void test_parser_and_binds_tighter_than_or(void **state)
{
    (void)state;
    assert_expr("a or b and c", "(or a (and b c))");
    assert_expr("a < b and c or d", "(or (and (< a b) c) d)");
}

static void test_parser_otherwise_binds_loosest(void **state)
{
    (void)state;
    assert_expr("a otherwise b + c", "(otherwise a (+ b c))");
    assert_expr("a or b otherwise c", "(otherwise (or a b) c)");
    assert_expr("a otherwise b otherwise c", "(otherwise (otherwise a b) c)");
    assert_expr("p on d otherwise 3", "(otherwise (on p d) 3)");
}

static void test_parser_comparison_spellings(void **state)
{
    (void)state;
    assert_expr("x <> y", "(!= x y)");
    assert_expr("x ≠ y", "(!= x y)");
    assert_expr("x ≤ y", "(<= x y)");
    assert_expr("x >= y", "(>= x y)");
    assert_expr("a × b ÷ c", "(/ (* a b) c)");
}

static void test_parser_if_else_extends_right(void **state)
{
    (void)state;
    assert_expr("if a then b else c + d", "(if a b (+ c d))");
    assert_expr("if a then b else if c then d else e", "(if a b (if c d e))");
    assert_expr("1 + if a then b else c", "(+ 1 (if a b c))");
    assert_expr("if x is some v then v else 0", "(if (is-some x v) v 0)");
}

static void test_parser_is_in(void **state)
{
    (void)state;
    assert_expr("x is in L", "(is-in x L)");
    assert_expr("x.a is in L and y", "(and (is-in (. x a) L) y)");
    assert_expr("g is in [a, b]", "(is-in g [list a b])");
}

static void test_parser_is_none(void **state)
{
    (void)state;
    assert_expr("a is none or b is not none",
                "(or (is-none a) (is-not-none b))");
}

static void test_parser_let_extends_right(void **state)
{
    (void)state;
    assert_expr("let x = 1 in x + 2", "(let x 1 (+ x 2))");
    assert_expr("let x = a in let y = x in y * 2",
                "(let x a (let y x (* y 2)))");
}

static void test_parser_fail_takes_whole_expression(void **state)
{
    (void)state;
    assert_expr("fail \"no \" + x", "(fail (+ \"no \" x))");
}

static void test_parser_comprehensions(void **state)
{
    (void)state;
    assert_expr("sum(x.a for x in L)", "(sum (. x a) for x in L)");
    assert_expr("first(q for q in L where not ok(q))",
                "(first q for q in L where (not (call ok q)))");
    assert_expr("sort(x for x at i in L where x > 0 by x.a descending, i)",
                "(sort x for x at i in L where (> x 0) by (. x a) desc i asc)");
    assert_expr("sort(x for x in L by x ascending)",
                "(sort x for x in L by x asc)");
    assert_expr("[i for b at i in L]", "(list-of i for b at i in L)");
    assert_expr("lowest(b.price for b in bids) * 2",
                "(* (lowest (. b price) for b in bids) 2)");
}

static void test_parser_calls_and_rounding_mode(void **state)
{
    (void)state;
    assert_expr("round(x, 2, half up)", "(call round x 2 (mode half up))");
    assert_expr("round(x, 0, floor)", "(call round x 0 floor)");
    assert_expr("f()", "(call f)");
    assert_expr("text(a) + \"x\"", "(+ (call text a) \"x\")");
}

static void test_parser_record_literals(void **state)
{
    (void)state;
    assert_expr("R { a: 1, b: 2 }", "(R a: 1 b: 2)");
    assert_expr("R { a: 1, b: 2, }", "(R a: 1 b: 2)");
    assert_expr("R {}", "(R)");
    assert_expr("R { a: S { b: 1 } }", "(R a: (S b: 1))");
}

static void test_parser_lists_and_access(void **state)
{
    (void)state;
    assert_expr("[1, 2, 3]", "[list 1 2 3]");
    assert_expr("[]", "[list]");
    assert_expr("a.b.c", "(. (. a b) c)");
    assert_expr("x[1][2]", "([] ([] x 1) 2)");
    assert_expr("b.scores[q.id]", "([] (. b scores) (. q id))");
}

static void test_parser_match(void **state)
{
    (void)state;
    assert_expr("match e when a, b then 1 when none then 2 else 3 end",
                "(match e (when a b -> 1) (when none -> 2) (else 3))");
    assert_expr("match x when some v then v when none then 0 end",
                "(match x (when (some v) -> v) (when none -> 0))");
}

static void test_parser_literals(void **state)
{
    (void)state;
    assert_expr("£5,000.50 + GBP 7", "(+ GBP:5000.50 GBP:7)");
    assert_expr("EUR 3", "EUR:3");
    assert_expr("40% * 0.5", "(* 40% 0.5)");
    assert_expr("2026-01-01 + 30 days", "(+ 2026-01-01 30d)");
    assert_expr("8 working days", "8wd");
    assert_expr("\"a\\tb\"", "\"a\\tb\"");
    assert_expr("true and false", "(and true false)");
    assert_expr("2026-04-02T11:32:00Z", "2026-04-02T11:32:00Z");
}

static void test_parser_subexpression_spans(void **state)
{
    (void)state;
    parsed *p = parse(EXPR_PREFIX "a + b * c");
    assert_true(p->ok);
    ast_node *e = p->c.root->list.items[0]->b;
    uint32_t base = (uint32_t)strlen(EXPR_PREFIX);
    assert_int_equal(e->b->sp.start, base + 4); /* b * c */
    assert_int_equal(e->b->sp.end, base + 9);
    assert_int_equal(e->a->sp.start, base);
    assert_int_equal(e->a->sp.end, base + 1);
    done(p);
}

/* ---- declarations ------------------------------------------------------ */

static const char decls_src[] =
    "policy \"P\" version \"1\" source \"S\"\n"
    "enum G \"ground\" { a, b_c as \"b-c\", }\n"
    "type Score = integer between 0 and 5\n"
    "record R {\n"
    "  kind as \"type\": G\n"
    "  n: Score where n > 1 else \"too small\"\n"
    "  qs: list of Q unique by id\n"
    "  r: optional text omitted when none\n"
    "  check n < 4 at n else \"big\"\n"
    "}\n"
    "parameter p: decimal cites \"act\"\n"
    "  from 2025-01-01 = 1\n"
    "  from 2026-01-01 = 2 cites \"si\"\n"
    "parameter q: money = £5\n"
    "definition d(x: integer, y: R): integer cites \"c\" = x\n"
    "rule u(x: integer): G = when x > 1 then a because \"why\" else b_c\n"
    "input t: R keyed by id\n"
    "output o: R = R { n: 1 }\n";

static void test_parser_declarations(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *root = p->c.root;
    assert_int_equal(root->kind, AST_PROGRAM);
    assert_non_null(root->a);
    assert_string_equal(root->a->text, "P");
    assert_string_equal(root->a->text2, "1");
    assert_string_equal(root->a->text3, "S");
    assert_int_equal(root->list.count, 9);
    static const ast_kind kinds[] = {AST_ENUM,  AST_ALIAS, AST_RECORD,
                                     AST_PARAM, AST_PARAM, AST_DEF,
                                     AST_RULE,  AST_INPUT, AST_OUTPUT};
    static const char *const names[] = {"G", "Score", "R", "p", "q",
                                        "d", "u",     "t", "o"};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(root->list.items[i]->kind, kinds[i]);
        assert_string_equal(root->list.items[i]->name, names[i]);
    }
    done(p);
}

static void test_parser_enum_members_and_spellings(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *e = p->c.root->list.items[0];
    assert_string_equal(e->text, "ground");
    assert_int_equal(e->list.count, 2);
    assert_string_equal(e->list.items[0]->name, "a");
    assert_null(e->list.items[0]->text);
    assert_string_equal(e->list.items[1]->name, "b_c");
    assert_string_equal(e->list.items[1]->text, "b-c");
    /* name_sp is the name as written, for messages */
    assert_int_equal(e->name_sp.start, 39);
    assert_int_equal(e->name_sp.end, 40);
    done(p);
}

static void test_parser_record_fields_and_options(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *r = p->c.root->list.items[2];
    assert_int_equal(r->list.count, 5);
    ast_node *kind = r->list.items[0];
    assert_int_equal(kind->kind, AST_FIELD_DECL);
    assert_string_equal(kind->name, "kind");
    assert_string_equal(kind->text, "type");
    assert_int_equal(kind->a->kind, AST_TYPE_NAME);
    assert_string_equal(kind->a->name, "G");
    ast_node *n = r->list.items[1];
    assert_int_equal(n->list.count, 1);
    ast_node *w = n->list.items[0];
    assert_int_equal(w->kind, AST_WHERE);
    assert_string_equal(render(p, w->a), "(> n 1)");
    assert_string_equal(render(p, w->b), "\"too small\"");
    ast_node *qs = r->list.items[2];
    assert_int_equal(qs->a->kind, AST_TYPE_LIST);
    assert_int_equal(qs->list.items[0]->kind, AST_UNIQUE);
    assert_string_equal(qs->list.items[0]->name, "id");
    ast_node *opt = r->list.items[3];
    assert_int_equal(opt->a->kind, AST_TYPE_OPT);
    assert_int_equal(opt->list.items[0]->kind, AST_OMIT);
    ast_node *ch = r->list.items[4];
    assert_int_equal(ch->kind, AST_CHECK);
    assert_string_equal(render(p, ch->a), "(< n 4)");
    assert_string_equal(ch->text, "n");
    assert_string_equal(render(p, ch->b), "\"big\"");
    done(p);
}

static void test_parser_type_range(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *t = p->c.root->list.items[1]->a;
    assert_int_equal(t->kind, AST_TYPE_RANGE);
    assert_string_equal(t->a->name, "integer");
    assert_string_equal(render(p, t->b), "0");
    assert_string_equal(render(p, t->c), "5");
    done(p);
}

static void test_parser_dated_parameter_rows(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *prm = p->c.root->list.items[3];
    assert_null(prm->b); /* dated: rows instead of one value */
    assert_int_equal(prm->cite->kind, AST_CITE);
    assert_string_equal(prm->cite->text, "act");
    assert_null(prm->cite->text2);
    assert_int_equal(prm->list.count, 2);
    assert_int_equal(prm->list.items[0]->kind, AST_ROW);
    assert_string_equal(prm->list.items[0]->text, "2025-01-01");
    assert_null(prm->list.items[0]->cite);
    assert_string_equal(prm->list.items[1]->text, "2026-01-01");
    assert_string_equal(prm->list.items[1]->cite->text, "si");
    ast_node *q = p->c.root->list.items[4];
    assert_string_equal(render(p, q->b), "GBP:5");
    done(p);
}

/* A citation may carry a link; a rule's arms and its else may each cite,
 * and the else may give a reason. */
static void test_parser_citations(void **state)
{
    (void)state;
    parsed *p = parse(
        "definition d: integer cites \"s.1\" \"https://x.example/1\" = 1\n"
        "rule u: text cites \"s.2\" =\n"
        "  when d > 1 then \"a\" because \"why\" cites \"s.2(a)\"\n"
        "  when d > 2 then \"b\" because \"why not\"\n"
        "  else \"c\" because \"otherwise\" cites \"s.2(c)\"\n");
    assert_true(p->ok);
    ast_node *d = p->c.root->list.items[0];
    assert_string_equal(d->cite->text, "s.1");
    assert_string_equal(d->cite->text2, "https://x.example/1");
    assert_int_equal(d->cite->num, 19);
    ast_node *u = p->c.root->list.items[1];
    assert_string_equal(u->cite->text, "s.2");
    assert_null(u->cite->text2);
    assert_string_equal(u->list2.items[0]->cite->text, "s.2(a)");
    assert_null(u->list2.items[1]->cite);
    assert_string_equal(render(p, u->b), "\"otherwise\"");
    assert_string_equal(u->else_cite->text, "s.2(c)");
    done(p);
}

static void test_parser_definition_and_rule(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    ast_node *d = p->c.root->list.items[5];
    assert_int_equal(d->list.count, 2);
    assert_string_equal(d->list.items[0]->name, "x");
    assert_string_equal(d->list.items[1]->name, "y");
    assert_string_equal(d->cite->text, "c");
    ast_node *u = p->c.root->list.items[6];
    assert_null(u->b); /* no reason after else */
    assert_null(u->else_cite);
    assert_int_equal(u->list.count, 1);
    assert_int_equal(u->list2.count, 1);
    ast_node *w = u->list2.items[0];
    assert_int_equal(w->kind, AST_WHEN);
    assert_string_equal(render(p, w->a), "(> x 1)");
    assert_string_equal(render(p, w->b), "a");
    assert_string_equal(render(p, w->c), "\"why\"");
    assert_string_equal(render(p, u->c), "b_c");
    ast_node *in = p->c.root->list.items[7];
    assert_string_equal(in->text, "R");
    assert_string_equal(in->text2, "id");
    done(p);
}

/* ---- syntax errors ----------------------------------------------------- */

static void test_parser_missing_paren_at_end_of_file(void **state)
{
    (void)state;
    parsed *p = parse("definition a: integer = f(1, 2");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    /* The end of the file is just after the '2', column 31. */
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:31: error: syntax error at the end of the "
                        "file: expected ')'");
    done(p);
}

static void test_parser_missing_paren_before_other_bracket(void **state)
{
    (void)state;
    parsed *p = parse("definition a: integer = (1 + 2\n  * 3 ]\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    assert_string_equal(
        diag_line(p, 0),
        "t.tally:2:7: error: syntax error near ']': expected ')'");
    assert_non_null(diag_hint(p, 0));
    done(p);
}

static void test_parser_unclosed_paren_before_declaration(void **state)
{
    (void)state;
    parsed *p =
        parse("definition a: integer = (1 + 2\ndefinition b: integer = 3\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    /* Reported where the bracket was opened, not at 'definition'. */
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:25: error: this '(' is never closed");
    assert_non_null(strstr(diag_hint(p, 0), "')'"));
    done(p);
}

static void test_parser_missing_comma_is_not_a_missing_bracket(void **state)
{
    (void)state;
    parsed *p = parse("enum E { p q }\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    const char *line = diag_line(p, 0);
    assert_non_null(strstr(line, "t.tally:1:12: error: syntax error near 'q'"));
    /* A ',' is as acceptable as the '}' here: the message must not claim
     * only a closing bracket is missing. */
    assert_non_null(strstr(line, "','"));
    done(p);
}

static void test_parser_keyword_as_field_name_is_explained(void **state)
{
    (void)state;
    parsed *p = parse("record R { id: text, on: date }\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    const char *line = diag_line(p, 0);
    assert_non_null(strstr(line, "t.tally:1:22: error: "));
    assert_non_null(strstr(line, "'on'"));
    /* 'on' is a reserved word; no bracket is missing. */
    const char *hint = diag_hint(p, 0);
    assert_true(hint == NULL ||
                strcmp(hint, "every opening bracket needs its closing one") !=
                    0);
    done(p);
}

static void test_parser_comparisons_do_not_chain(void **state)
{
    (void)state;
    parsed *p = parse("definition a: bool = a = b = c\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:28: error: syntax error near '='");
    done(p);
}

static void test_parser_bare_in_hints_is_in(void **state)
{
    (void)state;
    parsed *p = parse("definition a: bool = x in L\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:24: error: syntax error near 'in'");
    assert_string_equal(diag_hint(p, 0),
                        "membership is written 'x is in list'");
    done(p);
}

static void test_parser_field_without_colon(void **state)
{
    (void)state;
    parsed *p = parse("record R {\n  x integer\n}\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    const char *line = diag_line(p, 0);
    assert_non_null(strstr(
        line, "t.tally:2:5: error: syntax error near 'integer': expected"));
    assert_non_null(strstr(line, "':'"));
    done(p);
}

static void test_parser_error_near_token_uses_characters(void **state)
{
    (void)state;
    parsed *p = parse("definition a: money = £5 £6\n");
    assert_false(p->ok);
    assert_int_equal(p->c.diags.count, 1);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:26: error: syntax error near '£6'");
    done(p);
}

static void test_parser_too_deep_nesting_is_a_policy_error(void **state)
{
    (void)state;
    /* 20000 nested negations: too deep to be a real policy.  It must be
     * refused as a policy error, not reported as running out of memory. */
    size_t n = 20000;
    char *src = test_malloc(n + 64);
    strcpy(src, EXPR_PREFIX);
    size_t at = strlen(src);
    memset(src + at, '-', n);
    strcpy(src + at + n, "1\n");
    parsed *p = parse(src);
    test_free(src);
    assert_false(p->ok);
    assert_false(p->c.oom);
    assert_true(p->c.diags.count >= 1);
    assert_non_null(strstr(p->c.diags.items[0].msg, "nested"));
    done(p);
}

/* ---- recovery ---------------------------------------------------------- */

static const char several_errors_src[] = "definition a: integer = 1 2\n"
                                         "definition b: integer = (\n"
                                         "record R { x integer }\n"
                                         "definition c: integer = 3\n"
                                         "enum E { p, q r }\n"
                                         "definition ok: integer = 4\n";

static void test_parser_reports_every_independent_error(void **state)
{
    (void)state;
    parsed *p = parse(several_errors_src);
    assert_false(p->ok);
    sort_diags(p);
    assert_int_equal(p->c.diags.count, 4);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:27: error: syntax error near '2'");
    assert_string_equal(diag_line(p, 1),
                        "t.tally:2:25: error: this '(' is never closed");
    assert_non_null(strstr(diag_line(p, 2),
                           "t.tally:3:14: error: syntax error near 'integer'"));
    assert_non_null(
        strstr(diag_line(p, 3), "t.tally:5:15: error: syntax error near 'r'"));
    assert_int_equal(p->c.diags.nerrors, 4);
    done(p);
}

static void test_parser_recovery_keeps_good_declarations(void **state)
{
    (void)state;
    parsed *p = parse(several_errors_src);
    assert_false(p->ok);
    assert_non_null(p->c.root);
    /* The declarations without errors survive for later passes. */
    bool has_c = false, has_ok = false;
    for (uint32_t i = 0; i < p->c.root->list.count; i++) {
        const char *name = p->c.root->list.items[i]->name;
        has_c |= name && strcmp(name, "c") == 0;
        has_ok |= name && strcmp(name, "ok") == 0;
    }
    assert_true(has_c);
    assert_true(has_ok);
    done(p);
}

static void test_parser_recovers_from_error_in_first_declaration(void **state)
{
    (void)state;
    parsed *p = parse("defintion a: integer = 1\n"
                      "definition b: integer = 1 2\n");
    assert_false(p->ok);
    sort_diags(p);
    assert_int_equal(p->c.diags.count, 2);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:1: error: syntax error near 'defintion'");
    assert_string_equal(diag_line(p, 1),
                        "t.tally:2:27: error: syntax error near '2'");
    done(p);
}

static void test_parser_recovers_after_policy_header(void **state)
{
    (void)state;
    parsed *p = parse("policy \"x\"\n"
                      "definition a: integer = 1 )\n"
                      "definition b: integer = 1 2\n");
    assert_false(p->ok);
    sort_diags(p);
    assert_int_equal(p->c.diags.count, 2);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:2:27: error: syntax error near ')'");
    assert_string_equal(diag_line(p, 1),
                        "t.tally:3:27: error: syntax error near '2'");
    done(p);
}

static void test_parser_reports_error_early_in_next_declaration(void **state)
{
    (void)state;
    /* The second error is the 3rd token of the declaration after the
     * first error: still an independent mistake, still reported. */
    parsed *p = parse("definition a: integer = 1 2\n"
                      "definition b integer = 2\n");
    assert_false(p->ok);
    sort_diags(p);
    assert_int_equal(p->c.diags.count, 2);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:27: error: syntax error near '2'");
    assert_non_null(strstr(diag_line(p, 1),
                           "t.tally:2:14: error: syntax error near 'integer'"));
    done(p);
}

static void test_parser_lexical_and_syntax_errors_together(void **state)
{
    (void)state;
    parsed *p = parse("definition a: text = \"a\\qb\"\n"
                      "definition b: integer = 1 2\n");
    assert_false(p->ok);
    sort_diags(p);
    assert_int_equal(p->c.diags.count, 2);
    assert_string_equal(diag_line(p, 0),
                        "t.tally:1:24: error: unknown escape '\\q' in text");
    assert_string_equal(diag_line(p, 1),
                        "t.tally:2:27: error: syntax error near '2'");
    done(p);
}

static void test_parser_clean_policy_has_no_diagnostics(void **state)
{
    (void)state;
    parsed *p = parse(decls_src);
    assert_true(p->ok);
    assert_int_equal(p->c.diags.count, 0);
    assert_false(p->c.oom);
    done(p);
}

static void test_parser_empty_source(void **state)
{
    (void)state;
    parsed *p = parse("# nothing but a comment\n");
    assert_true(p->ok);
    assert_non_null(p->c.root);
    assert_int_equal(p->c.root->list.count, 0);
    assert_null(p->c.root->a);
    done(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_parser_mul_binds_tighter_than_add),
        TEST(test_parser_arithmetic_is_left_associative),
        TEST(test_parser_unary_minus_binds_tightest),
        TEST(test_parser_not_between_comparison_and_and),
        TEST(test_parser_and_binds_tighter_than_or),
        TEST(test_parser_otherwise_binds_loosest),
        TEST(test_parser_comparison_spellings),
        TEST(test_parser_if_else_extends_right),
        TEST(test_parser_is_in),
        TEST(test_parser_is_none),
        TEST(test_parser_let_extends_right),
        TEST(test_parser_fail_takes_whole_expression),
        TEST(test_parser_comprehensions),
        TEST(test_parser_calls_and_rounding_mode),
        TEST(test_parser_record_literals),
        TEST(test_parser_lists_and_access),
        TEST(test_parser_match),
        TEST(test_parser_literals),
        TEST(test_parser_subexpression_spans),
        TEST(test_parser_declarations),
        TEST(test_parser_enum_members_and_spellings),
        TEST(test_parser_record_fields_and_options),
        TEST(test_parser_type_range),
        TEST(test_parser_dated_parameter_rows),
        TEST(test_parser_definition_and_rule),
        TEST(test_parser_citations),
        TEST(test_parser_missing_paren_at_end_of_file),
        TEST(test_parser_missing_paren_before_other_bracket),
        TEST(test_parser_unclosed_paren_before_declaration),
        TEST(test_parser_missing_comma_is_not_a_missing_bracket),
        TEST(test_parser_keyword_as_field_name_is_explained),
        TEST(test_parser_comparisons_do_not_chain),
        TEST(test_parser_bare_in_hints_is_in),
        TEST(test_parser_field_without_colon),
        TEST(test_parser_error_near_token_uses_characters),
        TEST(test_parser_too_deep_nesting_is_a_policy_error),
        TEST(test_parser_reports_every_independent_error),
        TEST(test_parser_recovery_keeps_good_declarations),
        TEST(test_parser_recovers_from_error_in_first_declaration),
        TEST(test_parser_recovers_after_policy_header),
        TEST(test_parser_reports_error_early_in_next_declaration),
        TEST(test_parser_lexical_and_syntax_errors_together),
        TEST(test_parser_clean_policy_has_no_diagnostics),
        TEST(test_parser_empty_source),
    };
    return cmocka_run_group_tests_name("lang/parser", tests, NULL, NULL);
}
