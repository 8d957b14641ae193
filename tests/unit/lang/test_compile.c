/* tests/unit/lang/test_compile.c - unit tests for lang/compile.c.
 *
 * Compiles small policies with tly_parse, tly_check and tly_compile,
 * proves every program with vfy_program exactly as the CLI does, then
 * runs it on JSON input records (data_bind_json + vm_eval) or calls one
 * of its functions (vm_call), and checks the values computed: exact
 * decimals, integer and decimal mixing and overflow, comprehension
 * aggregates on empty and non-empty lists, sort keys with mixed
 * directions and stable ties, rules' outcome and reason, dated
 * parameters around their boundaries, otherwise, match arms, memoized
 * zero-argument definitions, record checks and runtime error positions.
 * Results are compared through a compact rendering ("{v: 0.3}").  Every
 * test frees what it allocated; the mem_ctx must end with no live bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "data.h"
#include "front.h"
#include "verify.h"
#include "vm.h"

#include "support.h"

/* ---- compiling and running --------------------------------------------- */

typedef struct run {
    mem_ctx mem;
    bc_program *p;
    vm *v;
    arena rec;    /* per-record arena, reset before each record */
    value out;    /* the last result */
    vm_error err; /* the last error */
    vm_status st;
    strbuf buf; /* the last rendering */
} run;

/* Frees what a fixture holds; done() and teardown() then free it. */
static void release(void *f)
{
    run *r = f;
    sb_free(&r->buf);
    arena_free(&r->rec);
    vm_free(r->v);
    bc_program_free(r->p);
}

/* Compiles [src], its `import "PATH"` lines resolved in [base_dir]
 * (NULL: the working directory); the program must check, compile and
 * verify.  Free the result with done(). */
static run *compile_in(const char *src, const char *base_dir)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    fixture_begin(r, &r->mem, release);
    mem_init(&r->mem);
    arena_init(&r->rec, &r->mem);
    sb_init(&r->buf, &r->mem);
    tly_comp c;
    tly_comp_init(&c, &r->mem, "t.tally", src, strlen(src));
    c.base_dir = base_dir;
    bool ok = tly_load(&c) && tly_check(&c);
    if (ok) {
        r->p = tly_compile(&c);
    }
    for (uint32_t i = 0; i < c.diags.count; i++) {
        print_error("%s\n", diag_first_line(&c, i, &r->buf));
    }
    size_t ndiags = c.diags.count;
    tly_comp_free(&c);
    assert_int_equal(ndiags, 0);
    assert_non_null(r->p);
    char err[256];
    if (!vfy_program(r->p, err, sizeof err)) {
        fail_msg("the compiled program fails verification: %s", err);
    }
    r->v = vm_new(&r->mem, r->p);
    assert_non_null(r->v);
    return r;
}

/* compile_in with imports resolved in the working directory. */
static run *compile(const char *src)
{
    return compile_in(src, NULL);
}

static void show(run *r, const value *x);

static void show_record(run *r, const value *x)
{
    const bc_record *rec = &r->p->records[x->as.r->type];
    sb_putc(&r->buf, '{');
    for (uint16_t i = 0; i < x->as.r->count; i++) {
        const bc_field *f = &r->p->fields[rec->first_field + i];
        sb_printf(&r->buf, "%s%s: ", i ? ", " : "", bc_string(r->p, f->name));
        show(r, &x->as.r->fields[i]);
    }
    sb_putc(&r->buf, '}');
}

/* Appends a compact rendering of [x] to r->buf. */
static void show(run *r, const value *x)
{
    strbuf *b = &r->buf;
    switch ((val_kind)x->kind) {
    case VAL_NONE: sb_puts(b, "none"); break;
    case VAL_BOOL: sb_puts(b, x->as.b ? "true" : "false"); break;
    case VAL_INT: sb_printf(b, "%lld", (long long)x->as.i); break;
    case VAL_DEC: dec_format(&x->as.d, b); break;
    case VAL_DATE: date_format(x->as.i, b); break;
    case VAL_DATETIME: date_instant_format(&x->as.t, b); break;
    case VAL_DURATION: sb_printf(b, "%lld days", (long long)x->as.i); break;
    case VAL_TEXT: sb_put_json_string(b, x->as.s, x->len); break;
    case VAL_ENUM: {
        const bc_enum *e = &r->p->enums[x->type];
        sb_puts(b,
                bc_string(r->p, r->p->members[e->first_member + x->as.i].name));
        break;
    }
    case VAL_RECORD: show_record(r, x); break;
    case VAL_LIST:
        sb_putc(b, '[');
        for (uint32_t i = 0; i < x->as.l->count; i++) {
            if (i) {
                sb_puts(b, ", ");
            }
            show(r, &x->as.l->items[i]);
        }
        sb_putc(b, ']');
        break;
    case VAL_MAP: sb_printf(b, "<map of %u>", x->as.m->count); break;
    case VAL_ERROR: sb_puts(b, "<error>"); break;
    default: sb_puts(b, "<?>"); break;
    }
}

static const char *shown(run *r, const value *x)
{
    sb_clear(&r->buf);
    show(r, x);
    assert_false(r->buf.failed);
    return r->buf.p ? r->buf.p : "";
}

/* Binds [json] as an input record and evaluates the policy on it. */
static vm_status eval(run *r, const char *json)
{
    arena_reset(&r->rec);
    value in;
    data_error de;
    memset(&de, 0, sizeof de);
    rt_status ds = data_bind_json(r->p, r->p->input_record, json,
                                  strlen(json), 1, &r->rec, &in, &de);
    if (ds != RT_OK) {
        fail_msg("input %s not bound: %s: %s", json, de.path ? de.path : "",
                 de.msg ? de.msg : "?");
    }
    memset(&r->err, 0, sizeof r->err);
    r->st = vm_eval(r->v, &r->rec, &in, &r->out, &r->err);
    return r->st;
}

/* Evaluates and returns the rendered result, or "error: MESSAGE". */
static const char *result(run *r, const char *json)
{
    if (eval(r, json) != VM_OK) {
        sb_clear(&r->buf);
        sb_printf(&r->buf, "%s: %s%s%s", rt_status_name(r->st),
                  r->err.path && r->err.path[0] ? r->err.path : "",
                  r->err.path && r->err.path[0] ? ": " : "",
                  r->err.msg ? r->err.msg : "?");
        return r->buf.p;
    }
    return shown(r, &r->out);
}

/* The [i]th field of the last result. */
static const value *field(run *r, uint16_t i)
{
    assert_int_equal(r->st, VM_OK);
    assert_int_equal(r->out.kind, VAL_RECORD);
    assert_true(i < r->out.as.r->count);
    return &r->out.as.r->fields[i];
}

/* The index of function [name] in the program. */
static uint16_t func(run *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->nfuncs; i++) {
        if (strcmp(bc_string(r->p, r->p->funcs[i].name), name) == 0) {
            return (uint16_t)i;
        }
    }
    fail_msg("no function '%s'", name);
    return 0;
}

#define IN_ID "record In { id: text }\ninput x: In keyed by id\n"

/* ---- numbers ----------------------------------------------------------- */

static void test_compile_decimal_sum_is_exact(void **state)
{
    (void)state;
    run *r = compile(IN_ID "record Out { v: decimal }\n"
                           "output o: Out = Out { v: 0.1 + 0.2 }\n");
    assert_string_equal(result(r, "{\"id\": \"1\"}"), "{v: 0.3}");
    const value *v = field(r, 0);
    assert_int_equal(v->kind, VAL_DEC);
    dec want;
    assert_int_equal(dec_parse(&r->rec, "0.3", 3, &want), DEC_OK);
    assert_int_equal(dec_cmp(&v->as.d, &want), 0);
    /* Canonical: 3/10, inline. */
    assert_false(DEC_IS_BIG(v->as.d));
    assert_int_equal(v->as.d.u.n, 3);
    assert_int_equal(v->as.d.d, 10);
    done(r);
}

static void test_compile_quotient_stays_exact(void **state)
{
    (void)state;
    run *r = compile(
        IN_ID "record Out { third: decimal, back: decimal, half: decimal }\n"
              "output o: Out = Out { third: 1 / 3, back: 1 / 3 * 3,\n"
              "  half: 7 / 2 }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\"}"),
        "{third: 0.33333333333333333333..., back: 1, half: 3.5}");
    const value *third = field(r, 0);
    assert_int_equal(third->kind, VAL_DEC);
    assert_int_equal(third->as.d.u.n, 1);
    assert_int_equal(third->as.d.d, 3);
    assert_int_equal(field(r, 1)->kind, VAL_DEC);
    done(r);
}

static void test_compile_integer_decimal_mixing(void **state)
{
    (void)state;
    run *r =
        compile("record In { id: text, n: integer, d: decimal }\n"
                "input x: In keyed by id\n"
                "record Out { a: decimal, b: integer, c: decimal, e: decimal,\n"
                "  f: decimal, g: bool }\n"
                "output o: Out = Out { a: x.n + 0.5, b: x.n * 2 - 1,\n"
                "  c: x.d * x.n, e: x.n, f: min(x.n, x.d), g: x.n = x.d }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 2, \"d\": \"2.00\"}"),
                        "{a: 2.5, b: 3, c: 4, e: 2, f: 2, g: true}");
    assert_int_equal(field(r, 0)->kind, VAL_DEC);
    assert_int_equal(field(r, 1)->kind, VAL_INT);
    assert_int_equal(field(r, 2)->kind, VAL_DEC);
    /* An integer stored where a decimal is declared is a decimal. */
    assert_int_equal(field(r, 3)->kind, VAL_DEC);
    assert_int_equal(field(r, 4)->kind, VAL_DEC);
    done(r);
}

static void test_compile_money_and_percent(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, price: money, p: percent }\n"
        "input x: In keyed by id\n"
        "record Out { a: money, b: money, c: decimal, d: text, e: text }\n"
        "output o: Out = Out { a: x.price * x.p, b: x.price * 40% + £1,000,\n"
        "  c: x.price / £10, d: text(x.price), e: text(x.price, plain) }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"price\": \"1250.00\", \"p\": \"10\"}"),
        "{a: 125, b: 1500, c: 125, d: \"\u00a31,250.00\", e: \"1250.00\"}");
    done(r);
}

static void test_compile_integer_overflow_is_an_error(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, n: integer }\n"
                     "input x: In keyed by id\n"
                     "record Out { v: integer }\n"
                     "output o: Out = Out {\n"
                     "  v: x.n * 2 }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"n\": 4611686018427387903}"),
        "{v: 9223372036854775806}");
    assert_int_equal(eval(r, "{\"id\": \"1\", \"n\": 4611686018427387904}"),
                     VM_RUNTIME_ERROR);
    assert_non_null(strstr(r->err.msg, "overflow"));
    assert_int_equal(r->err.line, 5);
    assert_int_equal(r->err.col, 6);
    done(r);
}

static void test_compile_division_by_zero_is_an_error(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, n: integer }\n"
                     "input x: In keyed by id\n"
                     "record Out { v: decimal }\n"
                     "output o: Out = Out { v: 1 / x.n }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 4}"), "{v: 0.25}");
    assert_int_equal(eval(r, "{\"id\": \"1\", \"n\": 0}"), VM_RUNTIME_ERROR);
    assert_int_equal(r->err.line, 4);
    assert_int_equal(r->err.col, 26);
    done(r);
}

static void test_compile_rounding_modes(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, d: decimal }\n"
        "input x: In keyed by id\n"
        "record Out { hu: decimal, hd: decimal, he: decimal, up: decimal,\n"
        "  dn: decimal, ce: decimal, fl: decimal }\n"
        "output o: Out = Out { hu: round(x.d, 1, half up),\n"
        "  hd: round(x.d, 1, half down), he: round(x.d, 1, half even),\n"
        "  up: round(x.d, 1, up), dn: round(x.d, 1, down),\n"
        "  ce: round(x.d, 1, ceiling), fl: round(x.d, 1, floor) }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"d\": \"2.25\"}"),
        "{hu: 2.3, hd: 2.2, he: 2.2, up: 2.3, dn: 2.2, ce: 2.3, fl: 2.2}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"d\": \"-2.25\"}"),
                        "{hu: -2.3, hd: -2.2, he: -2.2, up: -2.3, dn: -2.2, "
                        "ce: -2.2, fl: -2.3}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"d\": \"-2.35\"}"),
                        "{hu: -2.4, hd: -2.3, he: -2.4, up: -2.4, dn: -2.3, "
                        "ce: -2.3, fl: -2.4}");
    done(r);
}

/* ---- collections ------------------------------------------------------- */

static const char aggregates_src[] =
    "record In { id: text, xs: list of integer, ds: list of decimal }\n"
    "input x: In keyed by id\n"
    "record Out { s: integer, sd: decimal, c: integer, al: bool, an: bool,\n"
    "  fi: optional integer, l: list of integer, pos: list of integer }\n"
    "output o: Out = Out {\n"
    "  s: sum(v for v in x.xs), sd: sum(d for d in x.ds),\n"
    "  c: count(v for v in x.xs where v > 1),\n"
    "  al: all(v > 0 for v in x.xs), an: any(v > 2 for v in x.xs),\n"
    "  fi: first(v for v in x.xs where v > 1),\n"
    "  l: [v * 10 for v in x.xs where v != 2],\n"
    "  pos: [i for v at i in x.xs] }\n";

static void test_compile_aggregates_on_empty_lists(void **state)
{
    (void)state;
    run *r = compile(aggregates_src);
    assert_string_equal(result(r, "{\"id\": \"1\", \"xs\": [], \"ds\": []}"),
                        "{s: 0, sd: 0, c: 0, al: true, an: false, fi: none, "
                        "l: [], pos: []}");
    assert_int_equal(field(r, 0)->kind, VAL_INT);
    assert_int_equal(field(r, 1)->kind, VAL_DEC);
    done(r);
}

static void test_compile_aggregates_on_lists(void **state)
{
    (void)state;
    run *r = compile(aggregates_src);
    assert_string_equal(
        result(
            r,
            "{\"id\": \"1\", \"xs\": [3, 1, 2], \"ds\": [\"0.1\", \"0.2\"]}"),
        "{s: 6, sd: 0.3, c: 2, al: true, an: true, fi: 3, l: [30, 10], "
        "pos: [1, 2, 3]}");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"xs\": [0, 1], \"ds\": [\"-1\"]}"),
        "{s: 1, sd: -1, c: 0, al: false, an: false, fi: none, l: [0, 10], "
        "pos: [1, 2]}");
    done(r);
}

static void test_compile_lowest_and_highest(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, ds: list of decimal }\n"
                     "input x: In keyed by id\n"
                     "record Out { lo: decimal, hi: decimal }\n"
                     "output o: Out = Out { lo: lowest(d for d in x.ds),\n"
                     "  hi: highest(d * 2 for d in x.ds) }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"ds\": [\"2.5\", \"-1\", \"7\"]}"),
        "{lo: -1, hi: 14}");
    /* No values: lowest has nothing to give, and says so. */
    assert_int_equal(eval(r, "{\"id\": \"1\", \"ds\": []}"), VM_RUNTIME_ERROR);
    assert_non_null(strstr(r->err.msg, "empty"));
    assert_int_equal(r->err.line, 4);
    done(r);
}

static void test_compile_sort_mixed_directions_stable(void **state)
{
    (void)state;
    run *r = compile(
        "record Item { name: text, a: integer, b: decimal }\n"
        "record In { id: text, items: list of Item }\n"
        "input x: In keyed by id\n"
        "record Out { v: list of text, w: list of integer }\n"
        "output o: Out = Out {\n"
        "  v: sort(i.name for i in x.items by i.a ascending, i.b descending),\n"
        "  w: sort(p for i at p in x.items by i.a) }\n");
    /* Ties keep input order: q before t, p before s. */
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"items\": ["
                  "{\"name\": \"p\", \"a\": 1, \"b\": \"1\"},"
                  "{\"name\": \"q\", \"a\": 0, \"b\": \"1\"},"
                  "{\"name\": \"r\", \"a\": 1, \"b\": \"2\"},"
                  "{\"name\": \"s\", \"a\": 1, \"b\": \"1\"},"
                  "{\"name\": \"t\", \"a\": 0, \"b\": \"1\"}]}"),
        "{v: [\"q\", \"t\", \"r\", \"p\", \"s\"], w: [2, 5, 1, 3, 4]}");
    done(r);
}

static void test_compile_sort_descending_text_and_dates(void **state)
{
    (void)state;
    run *r = compile("record Item { name: text, day: date }\n"
                     "record In { id: text, items: list of Item }\n"
                     "input x: In keyed by id\n"
                     "record Out { v: list of text }\n"
                     "output o: Out = Out {\n"
                     "  v: sort(i.name for i in x.items by i.day descending, "
                     "i.name descending) }\n");
    assert_string_equal(result(r,
                               "{\"id\": \"1\", \"items\": ["
                               "{\"name\": \"a\", \"day\": \"2026-01-02\"},"
                               "{\"name\": \"b\", \"day\": \"2026-01-03\"},"
                               "{\"name\": \"c\", \"day\": \"2026-01-02\"}]}"),
                        "{v: [\"b\", \"c\", \"a\"]}");
    done(r);
}

/* ---- rules, parameters, optional values, match -------------------------- */

static const char rule_src[] =
    "record In { id: text, n: integer }\n"
    "input x: In keyed by id\n"
    "enum Grade { high, mid, low }\n"
    "rule grade(v: integer): Grade =\n"
    "  when v > 10 then high because \"big: \" + text(v)\n"
    "  when v > 5 then mid because \"middling\"\n"
    "  else low\n"
    "record Out { g: Grade, why: optional text }\n"
    "output o: Out = Out { g: grade(x.n).outcome, why: grade(x.n).reason }\n";

static void test_compile_rule_outcome_and_reason(void **state)
{
    (void)state;
    run *r = compile(rule_src);
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 11}"),
                        "{g: high, why: \"big: 11\"}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 10}"),
                        "{g: mid, why: \"middling\"}");
    /* The first arm that holds decides; else gives no reason. */
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 5}"),
                        "{g: low, why: none}");
    done(r);
}

static void test_compile_rule_called_directly(void **state)
{
    (void)state;
    run *r = compile(rule_src);
    value arg = val_int(7), out;
    vm_error err;
    arena_reset(&r->rec);
    assert_int_equal(
        vm_call(r->v, &r->rec, func(r, "grade"), &arg, 1, &out, &err), VM_OK);
    assert_string_equal(shown(r, &out), "{outcome: mid, reason: \"middling\"}");
    done(r);
}

static void test_compile_dated_parameter_boundaries(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, day: date }\n"
                     "input x: In keyed by id\n"
                     "parameter rate: decimal\n"
                     "  from 2025-01-01 = 0.1\n"
                     "  from 2026-01-01 = 0.2\n"
                     "record Out { v: optional decimal }\n"
                     "output o: Out = Out { v: rate on x.day }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2024-12-31\"}"),
                        "{v: none}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2025-01-01\"}"),
                        "{v: 0.1}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2025-12-31\"}"),
                        "{v: 0.1}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2026-01-01\"}"),
                        "{v: 0.2}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2099-06-30\"}"),
                        "{v: 0.2}");
    done(r);
}

static void test_compile_dated_record_parameter(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, day: date }\n"
        "input x: In keyed by id\n"
        "record T { goods: money, works: money }\n"
        "parameter t: T\n"
        "  from 2025-02-24 = T { goods: £139,688.00, works: £5,372,609.00 }\n"
        "  from 2026-01-01 = T { goods: £135,018.00, works: £5,193,000.00 }\n"
        "record Out { v: money }\n"
        "output o: Out = Out { v: if t on x.day is some row then row.goods\n"
        "  else fail \"no threshold\" }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2025-12-31\"}"),
                        "{v: 139688}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2026-01-01\"}"),
                        "{v: 135018}");
    assert_int_equal(eval(r, "{\"id\": \"1\", \"day\": \"2025-02-23\"}"),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r->err.msg, "no threshold");
    assert_int_equal(r->err.line, 9);
    done(r);
}

static void test_compile_otherwise(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, o: optional integer, t: optional text }\n"
        "input x: In keyed by id\n"
        "record Out { a: integer, b: decimal, c: text }\n"
        "output o: Out = Out { a: x.o otherwise 7, b: x.o otherwise 0.5,\n"
        "  c: x.t otherwise \"-\" }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"o\": null, \"t\": null}"),
                        "{a: 7, b: 0.5, c: \"-\"}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"o\": 3, \"t\": \"x\"}"),
                        "{a: 3, b: 3, c: \"x\"}");
    /* The integer taken from the optional becomes a decimal. */
    assert_int_equal(field(r, 1)->kind, VAL_DEC);
    done(r);
}

static void test_compile_if_is_some(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, o: optional integer }\n"
        "input x: In keyed by id\n"
        "record Out { a: integer, b: bool, c: bool }\n"
        "output o: Out = Out { a: if x.o is some v then v * 2 else -1,\n"
        "  b: x.o is none, c: x.o is not none }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"o\": 21}"),
                        "{a: 42, b: false, c: true}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"o\": null}"),
                        "{a: -1, b: true, c: false}");
    done(r);
}

static void test_compile_match_arms(void **state)
{
    (void)state;
    run *r = compile(
        "enum Colour { red, green as \"GREEN\", blue, black }\n"
        "record In { id: text, c: Colour, o: optional integer }\n"
        "input x: In keyed by id\n"
        "record Out { a: integer, b: text, c: integer }\n"
        "output o: Out = Out {\n"
        "  a: match x.c when red, green then 1 when blue then 2 else 3 end,\n"
        "  b: match x.o when none then \"none\" when some v then text(v + 1) "
        "end,\n"
        "  c: match x.c when red then 10 when green then 20\n"
        "     when blue then 30 when black then 40 end }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"c\": \"GREEN\", \"o\": 4}"),
        "{a: 1, b: \"5\", c: 20}");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"c\": \"blue\", \"o\": null}"),
        "{a: 2, b: \"none\", c: 30}");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"c\": \"black\", \"o\": 0}"),
        "{a: 3, b: \"1\", c: 40}");
    done(r);
}

static void test_compile_let_and_nested_scopes(void **state)
{
    (void)state;
    run *r =
        compile("record In { id: text, xs: list of integer }\n"
                "input x: In keyed by id\n"
                "record Out { a: list of integer, b: integer }\n"
                "output o: Out = Out {\n"
                "  a: [let y = v * 2 in let z = y + 1 in z for v in x.xs],\n"
                "  b: let v = 100 in v + sum(v for v in x.xs) + v }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"xs\": [1, 3, 2]}"),
                        "{a: [3, 7, 5], b: 206}");
    done(r);
}

/* ---- whole numbers widened to decimals ---------------------------------- */

static void test_compile_list_literal_widens_every_element(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, d: decimal }\n"
        "input x: In keyed by id\n"
        "record Out { s: decimal, member: bool, l: list of decimal }\n"
        "output o: Out = Out { s: sum(v for v in [1, 2, 0.5]),\n"
        "  member: x.d is in [1, 2, 0.5], l: [v * 2 for v in [1, 2, 0.5]] }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"d\": \"2\"}"),
                        "{s: 3.5, member: true, l: [2, 4, 1]}");
    const value *l = field(r, 2);
    for (uint32_t i = 0; i < l->as.l->count; i++) {
        assert_int_equal(l->as.l->items[i].kind, VAL_DEC);
    }
    done(r);
}

static void test_compile_match_arms_widen_every_arm(void **state)
{
    (void)state;
    run *r = compile(
        "enum E { a, b, c }\n"
        "record In { id: text, e: E }\n"
        "input x: In keyed by id\n"
        "record Out { v: decimal }\n"
        "output o: Out = Out {\n"
        "  v: match x.e when a then 1 when b then 2 else 0.5 end * 2 }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"e\": \"a\"}"), "{v: 2}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"e\": \"b\"}"), "{v: 4}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"e\": \"c\"}"), "{v: 1}");
    done(r);
}

static void test_compile_percent_of_integer(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, n: integer }\n"
                     "input x: In keyed by id\n"
                     "record Out { a: decimal, b: decimal, d: decimal }\n"
                     "output o: Out = Out { a: 50% * x.n, b: x.n * 50%,\n"
                     "  d: (50% * x.n) * 2 }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 3}"),
                        "{a: 1.5, b: 1.5, d: 3}");
    done(r);
}

/* ---- definitions ------------------------------------------------------- */

static void test_compile_function_call(void **state)
{
    (void)state;
    run *r = compile(
        IN_ID "definition f(a: integer, b: integer): integer = a * 10 + b\n"
              "record Out { v: integer }\n"
              "output o: Out = Out { v: f(4, 2) }\n");
    value args[2] = {val_int(1), val_int(2)}, out;
    vm_error err;
    assert_int_equal(vm_call(r->v, &r->rec, func(r, "f"), args, 2, &out, &err),
                     VM_OK);
    assert_int_equal(out.kind, VAL_INT);
    assert_int_equal(out.as.i, 12);
    assert_string_equal(result(r, "{\"id\": \"1\"}"), "{v: 42}");
    done(r);
}

static const char memo_src[] =
    "record In { id: text, xs: list of integer }\n"
    "input x: In keyed by id\n"
    "definition heavy: integer = sum(v for v in x.xs)\n"
    "record Out { v: integer }\n"
    "output o: Out = Out { v: heavy + heavy + heavy + heavy + heavy\n"
    "  + heavy + heavy + heavy + heavy + heavy }\n";

static const char *hundred_ones(char *buf, size_t cap, const char *id)
{
    size_t n = (size_t)snprintf(buf, cap, "{\"id\": \"%s\", \"xs\": [", id);
    for (int i = 0; i < 100; i++) {
        n += (size_t)snprintf(buf + n, cap - n, "%s1", i ? ", " : "");
    }
    snprintf(buf + n, cap - n, "]}");
    return buf;
}

static void test_compile_zero_argument_definitions_are_memoized(void **state)
{
    (void)state;
    run *r = compile(memo_src);
    uint16_t heavy = func(r, "heavy");
    assert_true(r->p->funcs[heavy].flags & BC_FUNC_MEMO);
    assert_int_equal(r->p->funcs[heavy].arity, 0);
    char buf[1024];
    hundred_ones(buf, sizeof buf, "1");
    /* The loop runs once: 100 back-edges plus a dozen calls fit in 300
     * budget units, ten loops would need over 1000. */
    vm_set_budget(r->v, 300);
    assert_string_equal(result(r, buf), "{v: 1000}");
    vm_set_budget(r->v, 50); /* and the budget is really counting */
    assert_int_equal(eval(r, buf), VM_LIMIT);
    done(r);
}

static void test_compile_memo_is_per_record(void **state)
{
    (void)state;
    run *r = compile(memo_src);
    assert_string_equal(result(r, "{\"id\": \"1\", \"xs\": [1, 2]}"),
                        "{v: 30}");
    assert_string_equal(result(r, "{\"id\": \"2\", \"xs\": [5]}"), "{v: 50}");
    assert_string_equal(result(r, "{\"id\": \"3\", \"xs\": []}"), "{v: 0}");
    done(r);
}

static void
test_compile_definitions_with_arguments_are_not_memoized(void **state)
{
    (void)state;
    run *r = compile(
        IN_ID "definition twice(n: integer): integer = n * 2\n"
              "record Out { v: list of integer }\n"
              "output o: Out = Out { v: [twice(1), twice(2), twice(3)] }\n");
    assert_false(r->p->funcs[func(r, "twice")].flags & BC_FUNC_MEMO);
    assert_string_equal(result(r, "{\"id\": \"1\"}"), "{v: [2, 4, 6]}");
    done(r);
}

/* ---- records, checks, text, dates -------------------------------------- */

static void test_compile_record_checks(void **state)
{
    (void)state;
    run *r = compile("record In {\n"
                     "  id: text\n"
                     "  v: integer where v >= 0 else \"must not be negative\"\n"
                     "  w: integer where w < 100\n"
                     "  check v < w at w else \"v must be below w\"\n"
                     "}\n"
                     "input x: In keyed by id\n"
                     "record Out { s: integer }\n"
                     "output o: Out = Out { s: x.v + x.w }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"v\": 1, \"w\": 2}"),
                        "{s: 3}");
    assert_string_equal(result(r, "{\"id\": \"1\", \"v\": -1, \"w\": 2}"),
                        "data error: v: must not be negative");
    assert_string_equal(result(r, "{\"id\": \"1\", \"v\": 1, \"w\": 100}"),
                        "data error: w: does not satisfy 'w < 100'");
    assert_string_equal(result(r, "{\"id\": \"1\", \"v\": 5, \"w\": 2}"),
                        "data error: w: v must be below w");
    done(r);
}

static void test_compile_nested_record_check_paths(void **state)
{
    (void)state;
    run *r = compile("record Bid { sid: text, price: money where price > £0 }\n"
                     "record In { id: text, bids: list of Bid unique by sid }\n"
                     "input x: In keyed by id\n"
                     "record Out { n: integer }\n"
                     "output o: Out = Out { n: count(x.bids) }\n");
    assert_string_equal(
        result(r,
               "{\"id\": \"1\", \"bids\": [{\"sid\": \"a\", \"price\": \"1\"},"
               "{\"sid\": \"b\", \"price\": \"0\"}]}"),
        "data error: bids[1].price: does not satisfy 'price > £0'");
    assert_string_equal(
        result(
            r,
            "{\"id\": \"1\", \"bids\": [{\"sid\": \"a\", \"price\": \"1\"}]}"),
        "{n: 1}");
    done(r);
}

static void test_compile_text_and_enums(void **state)
{
    (void)state;
    run *r =
        compile("enum Kind { sub_central as \"sub-central\", central }\n"
                "record In { id: text, k: Kind, day: date, n: integer }\n"
                "input x: In keyed by id\n"
                "record Out { a: text, b: text, c: text, d: bool, e: bool }\n"
                "output o: Out = Out { a: \"kind \" + text(x.k),\n"
                "  b: text(x.day) + \" \" + text(x.n), c: \"tab\\there\",\n"
                "  d: x.k = sub_central, e: x.k is in [central] }\n");
    assert_string_equal(
        result(
            r,
            "{\"id\": \"1\", \"k\": \"sub-central\", \"day\": \"2026-01-01\","
            " \"n\": -4}"),
        "{a: \"kind sub-central\", b: \"2026-01-01 -4\", c: \"tab\\there\", "
        "d: true, e: false}");
    done(r);
}

static void test_compile_dates_and_durations(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, day: date, t1: datetime, t2: datetime }\n"
        "input x: In keyed by id\n"
        "record Out { a: date, b: bool, c: bool, d: bool }\n"
        "output o: Out = Out { a: x.day + 30 days, b: x.day < 2026-03-01,\n"
        "  c: x.t1 = x.t2, d: x.t1 < 2026-04-02T11:32:00Z }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"day\": \"2026-02-15\","
                                  " \"t1\": \"2026-04-02T12:31:59+01:00\","
                                  " \"t2\": \"2026-04-02T11:31:59Z\"}"),
                        "{a: 2026-03-17, b: true, c: true, d: true}");
    done(r);
}

static void test_compile_fail_gives_runtime_error_at_its_position(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, n: integer }\n"
                     "input x: In keyed by id\n"
                     "definition checked_n: integer =\n"
                     "  if x.n > 0 then x.n else fail \"n must be positive, "
                     "not \" + text(x.n)\n"
                     "record Out { v: integer }\n"
                     "output o: Out = Out { v: checked_n }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"n\": 3}"), "{v: 3}");
    assert_int_equal(eval(r, "{\"id\": \"1\", \"n\": -2}"), VM_RUNTIME_ERROR);
    assert_string_equal(r->err.msg, "n must be positive, not -2");
    assert_int_equal(r->err.line, 4);
    assert_int_equal(r->err.col, 28);
    assert_non_null(r->err.trace);
    assert_non_null(strstr(r->err.trace, "checked_n"));
    done(r);
}

/* ---- builtins.def against the checker and the compiler ----------------- */

/* One use of each builtin in each form builtins.def gives it, and what it
 * evaluates to on builtin_input.  test_compile_every_builtin fails when
 * the table has a builtin or a form missing here, so a new builtin gets a
 * case, which then must check, compile, verify and run. */
static const struct {
    const char *name;
    unsigned form; /* BUILTIN_CALL or BUILTIN_AGG */
    const char *type;
    const char *expr;
    const char *want;
} builtin_cases[] = {
    {"text", BUILTIN_CALL, "text", "text(x.n)", "\"3\""},
    {"round", BUILTIN_CALL, "decimal", "round(x.n / 7, 2, half up)", "0.43"},
    {"min", BUILTIN_CALL, "integer", "min(x.n, 2)", "2"},
    {"max", BUILTIN_CALL, "integer", "max(x.n, 2)", "3"},
    {"count", BUILTIN_CALL, "integer", "count(x.ds)", "3"},
    {"count", BUILTIN_AGG, "integer", "count(d for d in x.ds where d > 0)",
     "2"},
    {"sum", BUILTIN_AGG, "decimal", "sum(d for d in x.ds)", "8.5"},
    {"lowest", BUILTIN_AGG, "decimal", "lowest(d for d in x.ds)", "-1"},
    {"highest", BUILTIN_AGG, "decimal", "highest(d for d in x.ds)", "7"},
    {"first", BUILTIN_AGG, "optional decimal",
     "first(d for d in x.ds where d < 0)", "-1"},
    {"sort", BUILTIN_AGG, "list of decimal", "sort(d for d in x.ds by d)",
     "[-1, 2.5, 7]"},
    {"all", BUILTIN_AGG, "bool", "all(d > 0 for d in x.ds)", "false"},
    {"any", BUILTIN_AGG, "bool", "any(d > 0 for d in x.ds)", "true"},
    {"is_working_day", BUILTIN_CALL, "bool", "is_working_day(2026-11-30)",
     "false"},
    {"add_working_days", BUILTIN_CALL, "date",
     "add_working_days(2026-12-22, 8)", "2027-01-06"},
    {"working_days_between", BUILTIN_CALL, "integer",
     "working_days_between(2026-12-22, 2027-01-06)", "7"},
    {"local_date", BUILTIN_CALL, "date", "local_date(2026-07-01T23:30:00Z)",
     "2026-07-02"},
};

static const char builtin_input[] =
    "{\"id\": \"1\", \"n\": 3, \"ds\": [\"2.5\", \"-1\", \"7\"]}";

static void test_compile_every_builtin(void **state)
{
    (void)state;
    size_t ncases = sizeof builtin_cases / sizeof builtin_cases[0];
    for (int b = BUILTIN_NONE + 1; b < BUILTIN_KIND_COUNT; b++) {
        const char *name = chk_builtins[b].name;
        for (unsigned form = BUILTIN_CALL; form <= BUILTIN_AGG; form <<= 1) {
            bool has_form = (chk_builtins[b].forms & form) != 0;
            /* The lookup the checker does agrees with the table. */
            assert_int_equal(chk_builtin_find(name, form),
                             has_form ? b : BUILTIN_NONE);
            bool covered = false;
            for (size_t i = 0; i < ncases; i++) {
                covered |= strcmp(builtin_cases[i].name, name) == 0 &&
                           builtin_cases[i].form == form;
            }
            if (has_form && !covered) {
                fail_msg("builtins.def: '%s' (%s) has no case here", name,
                         form == BUILTIN_CALL ? "call" : "aggregate");
            }
        }
    }
    assert_int_equal(chk_builtin_find("no_such_builtin", BUILTIN_CALL),
                     BUILTIN_NONE);
    char src[512];
    char want[128];
    for (size_t i = 0; i < ncases; i++) {
        snprintf(src, sizeof src,
                 "record In { id: text, n: integer, ds: list of decimal }\n"
                 "input x: In keyed by id\n"
                 "record Out { v: %s }\n"
                 "output o: Out = Out { v: %s }\n",
                 builtin_cases[i].type, builtin_cases[i].expr);
        run *r = compile(src);
        snprintf(want, sizeof want, "{v: %s}", builtin_cases[i].want);
        assert_string_equal(result(r, builtin_input), want);
        done(r);
    }
}

static void test_compile_award_example_verifies_and_runs(void **state)
{
    (void)state;
    FILE *f = fopen("examples/award/award.tally", "rb");
    if (!f) {
        skip(); /* run from elsewhere than the repository root */
    }
    static char src[1 << 16];
    size_t n = fread(src, 1, sizeof src - 1, f);
    fclose(f);
    src[n] = '\0';
    f = fopen("examples/award/sample-20.jsonl", "rb");
    assert_non_null(f);
    static char line[1 << 16];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    run *r = compile_in(src, "examples/award"); /* beside its layers */
    assert_int_equal(eval(r, line), VM_OK);
    /* tender, regime, award: as in sample-20.expected.jsonl line 1 */
    assert_string_equal(shown(r, field(r, 0)), "\"T-000001\"");
    assert_string_equal(shown(r, field(r, 1)), "below_threshold");
    assert_string_equal(shown(r, field(r, 2)), "\"S-00194\"");
    done(r);
}

/* ---- instruction selection -------------------------------------------- */

/* How many [op] instructions, and how many [first] directly followed by
 * [then], the program holds. */
static int count_ops(const bc_program *p, bc_op op)
{
    int n = 0;
    for (uint32_t pc = 0; pc < p->code_len;
         pc += bc_ops[p->code[pc]].len) {
        n += p->code[pc] == op;
    }
    return n;
}

static int count_pairs(const bc_program *p, bc_op first, bc_op then)
{
    int n = 0;
    uint32_t prev = p->code_len;
    for (uint32_t pc = 0; pc < p->code_len;
         pc += bc_ops[p->code[pc]].len) {
        n += prev < p->code_len && p->code[prev] == first &&
             p->code[pc] == then;
        prev = pc;
    }
    return n;
}

static void test_compile_integer_literals_as_decimals_are_folded(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, d: decimal }\n"
                     "input x: In keyed by id\n"
                     "record Out { a: decimal, b: bool }\n"
                     "output o: Out = Out { a: x.d * 2 + 100, b: x.d >= 3 }\n");
    assert_string_equal(result(r, "{\"id\": \"1\", \"d\": \"2.5\"}"),
                        "{a: 105, b: false}");
    assert_int_equal(count_ops(r->p, OP_INT_TO_DEC), 0);
    done(r);
}

static void test_compile_load_then_field_is_fused(void **state)
{
    (void)state;
    run *r = compile(
        "record P { v: integer }\n"
        "record In { id: text, flag: bool, p: P, q: P }\n"
        "input x: In keyed by id\n"
        "definition pick(a: P, b: P, f: bool): integer =\n"
        "  (if f then a else b).v + 0\n" /* + 0: may overflow, so not inlined */
        "definition first(a: P, b: P): integer = a.v + b.v\n"
        "record Out { s: integer, t: integer, u: integer }\n"
        "output o: Out = Out { s: pick(x.p, x.q, x.flag),\n"
        "  t: pick(x.p, x.q, not x.flag), u: first(x.p, x.q) }\n");
    /* a.v and b.v in first(): LOAD_FIELD; (if ...).v: the else branch
     * ends in LOAD b but the then branch jumps in after it, so it stays
     * LOAD then FIELD. */
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"flag\": true, \"p\": {\"v\": 1},"
                  " \"q\": {\"v\": 2}}"),
        "{s: 1, t: 2, u: 3}");
    assert_int_equal(count_ops(r->p, OP_LOAD_FIELD), 2);
    assert_int_equal(count_pairs(r->p, OP_LOAD, OP_FIELD), 1);
    done(r);
}

/* How many jumps land on an unconditional JUMP (jump threading leaves
 * none). */
static int jumps_to_jumps(const bc_program *p)
{
    int n = 0;
    for (uint32_t pc = 0; pc < p->code_len;
         pc += bc_ops[p->code[pc]].len) {
        bc_op op = (bc_op)p->code[pc];
        if (op == OP_JUMP || op == OP_JUMP_IF_FALSE || op == OP_JUMP_IF_TRUE ||
            op == OP_JUMP_IF_NONE || op == OP_JUMP_IF_SOME ||
            op == OP_FOR_NEXT) {
            uint32_t t = bc_u32(p->code + pc + 1);
            n += t < p->code_len && p->code[t] == OP_JUMP;
        }
    }
    return n;
}

static void test_compile_jumps_are_threaded(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, a: bool, b: bool, c: bool }\n"
        "input x: In keyed by id\n"
        "record Out { n: integer, m: bool, k: integer }\n"
        "output o: Out = Out {\n"
        "  n: if x.a then (if x.b then 1 else 2) else 3,\n"
        "  m: x.a and (x.b or x.c) and not (x.c and x.b),\n"
        "  k: if x.a and x.b then 1 else if x.c then 2 else 3 }\n");
    assert_int_equal(jumps_to_jumps(r->p), 0);
    static const char *const want[8] = {
        "{n: 3, m: false, k: 3}", "{n: 3, m: false, k: 2}",
        "{n: 3, m: false, k: 3}", "{n: 3, m: false, k: 2}",
        "{n: 2, m: false, k: 3}", "{n: 2, m: true, k: 2}",
        "{n: 1, m: true, k: 1}",  "{n: 1, m: false, k: 1}",
    };
    for (int i = 0; i < 8; i++) {
        char json[128];
        snprintf(json, sizeof json,
                 "{\"id\": \"1\", \"a\": %s, \"b\": %s, \"c\": %s}",
                 i & 4 ? "true" : "false", i & 2 ? "true" : "false",
                 i & 1 ? "true" : "false");
        assert_string_equal(result(r, json), want[i]);
    }
    done(r);
}

static void test_compile_conditions_are_branches(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, a: bool, b: bool, c: bool }\n"
        "input x: In keyed by id\n"
        "definition both(p: bool, q: bool): bool = p and q\n"
        "record Out { n: integer, m: integer, k: integer, j: integer }\n"
        "output o: Out = Out {\n"
        "  n: if x.a and not x.b then 1 else 2,\n"
        "  m: if not (x.a or x.c) then 1 else 2,\n"
        "  k: count(v for v in [1, 2, 3] where not x.a or v > 2 and x.b),\n"
        "  j: if both(x.a, not x.c) then 1 else 2 }\n");
    /* a condition's 'not' is a jump the other way; only the argument's
     * (not x.c, a value) stays a NOT */
    assert_int_equal(count_ops(r->p, OP_NOT), 1);
    for (int i = 0; i < 8; i++) {
        bool a = i & 4, b = i & 2, c = i & 1;
        int k = 0;
        for (int v = 1; v <= 3; v++) {
            k += !a || (v > 2 && b);
        }
        char json[128], want[64];
        snprintf(json, sizeof json,
                 "{\"id\": \"1\", \"a\": %s, \"b\": %s, \"c\": %s}",
                 a ? "true" : "false", b ? "true" : "false",
                 c ? "true" : "false");
        snprintf(want, sizeof want, "{n: %d, m: %d, k: %d, j: %d}",
                 a && !b ? 1 : 2, !(a || c) ? 1 : 2, k, a && !c ? 1 : 2);
        assert_string_equal(result(r, json), want);
    }
    done(r);
}

/* round to more places than tally_limits.h allows fails at run time, so
 * a definition doing it stays a call and its error names the chain. */
static void test_compile_round_past_the_limit_is_not_inlined(void **state)
{
    (void)state;
    run *r = compile("record In { id: text, d: decimal }\n"
                     "input x: In keyed by id\n"
                     "definition r(v: decimal): decimal =\n"
                     "  round(v, 31, half up)\n"
                     "definition s(v: decimal): decimal =\n"
                     "  round(v, 30, half up)\n"
                     "record Out { a: decimal, b: decimal }\n"
                     "output o: Out = Out { a: s(x.d), b: r(x.d) }\n");
    assert_int_equal(count_ops(r->p, OP_CALL), 1);
    assert_int_equal(eval(r, "{\"id\": \"1\", \"d\": \"1.5\"}"),
                     VM_RUNTIME_ERROR);
    assert_non_null(strstr(r->err.trace, ": in r\n"));
    done(r);
}

static void test_compile_small_definitions_are_inlined(void **state)
{
    (void)state;
    run *r = compile(
        "record In { id: text, d: decimal, n: integer,\n"
        "  m: map of text to integer }\n"
        "input x: In keyed by id\n"
        "definition pts(v: decimal): decimal = round(v, 2, half up)\n"
        "definition big(v: decimal, w: decimal): bool = v > w and v > 1\n"
        "definition get(m: map of text to integer, k: text): decimal =\n"
        "  m[k] otherwise 0.5\n"
        "definition twice(i: integer): integer = i * 2\n"
        "definition half(v: decimal): decimal = v / 2\n"
        "record Out { a: decimal, b: decimal, c: bool, e: decimal,\n"
        "  f: decimal, g: integer, h: decimal, i: bool, j: decimal,\n"
        "  k: bool }\n"
        "output o: Out = Out { a: pts(x.d), b: pts(x.d * 3), c: big(x.d, 2),\n"
        "  e: get(x.m, \"k\"), f: get(x.m, \"none\"), g: twice(x.n),\n"
        "  h: half(x.d),\n"
        /* locals as arguments stand for the parameters themselves, but
         * not where an integer local becomes a decimal */
        "  i: let y = x.d in big(y, y), j: let n = x.n in pts(n),\n"
        "  k: all(big(v, 1) for v in [x.d, 3]) }\n");
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"d\": \"2.345\", \"n\": 4,"
                  " \"m\": {\"k\": 3}}"),
        "{a: 2.35, b: 7.04, c: true, e: 3, f: 0.5, g: 8, h: 1.1725, "
        "i: false, j: 4, k: true}");
    assert_int_equal(field(r, 8)->kind, VAL_DEC);
    /* m[k] otherwise 0.5 converts the integer after the none test, at
     * both places the body was compiled */
    assert_int_equal(field(r, 3)->kind, VAL_DEC);
    assert_int_equal(field(r, 4)->kind, VAL_DEC);
    /* twice can overflow and half can divide by zero, so they stay
     * calls (a runtime error names its chain of calls); the rest are in
     * place */
    assert_int_equal(count_ops(r->p, OP_CALL), 2);
    assert_string_equal(
        result(r, "{\"id\": \"1\", \"d\": \"1\", \"n\": 5000000000000000000,"
                  " \"m\": {}}"),
        "runtime error: integer overflow in *");
    assert_non_null(r->err.trace);
    assert_non_null(strstr(r->err.trace, "in twice"));
    done(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_compile_decimal_sum_is_exact),
        TEST(test_compile_integer_literals_as_decimals_are_folded),
        TEST(test_compile_load_then_field_is_fused),
        TEST(test_compile_small_definitions_are_inlined),
        TEST(test_compile_jumps_are_threaded),
        TEST(test_compile_conditions_are_branches),
        TEST(test_compile_quotient_stays_exact),
        TEST(test_compile_integer_decimal_mixing),
        TEST(test_compile_money_and_percent),
        TEST(test_compile_integer_overflow_is_an_error),
        TEST(test_compile_division_by_zero_is_an_error),
        TEST(test_compile_rounding_modes),
        TEST(test_compile_aggregates_on_empty_lists),
        TEST(test_compile_aggregates_on_lists),
        TEST(test_compile_lowest_and_highest),
        TEST(test_compile_sort_mixed_directions_stable),
        TEST(test_compile_sort_descending_text_and_dates),
        TEST(test_compile_rule_outcome_and_reason),
        TEST(test_compile_rule_called_directly),
        TEST(test_compile_dated_parameter_boundaries),
        TEST(test_compile_dated_record_parameter),
        TEST(test_compile_otherwise),
        TEST(test_compile_if_is_some),
        TEST(test_compile_match_arms),
        TEST(test_compile_let_and_nested_scopes),
        TEST(test_compile_list_literal_widens_every_element),
        TEST(test_compile_match_arms_widen_every_arm),
        TEST(test_compile_percent_of_integer),
        TEST(test_compile_function_call),
        TEST(test_compile_zero_argument_definitions_are_memoized),
        TEST(test_compile_memo_is_per_record),
        TEST(test_compile_definitions_with_arguments_are_not_memoized),
        TEST(test_compile_record_checks),
        TEST(test_compile_nested_record_check_paths),
        TEST(test_compile_text_and_enums),
        TEST(test_compile_dates_and_durations),
        TEST(test_compile_fail_gives_runtime_error_at_its_position),
        TEST(test_compile_round_past_the_limit_is_not_inlined),
        TEST(test_compile_every_builtin),
        TEST(test_compile_award_example_verifies_and_runs),
    };
    return cmocka_run_group_tests_name("lang/compile", tests, NULL, NULL);
}
