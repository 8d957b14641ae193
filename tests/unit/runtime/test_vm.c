/* tests/unit/runtime/test_vm.c - unit tests for runtime/vm.c.
 *
 * Each test assembles a small bc_program by hand with the builder below
 * (instructions, constants, types, records, functions and a location per
 * instruction), proves it with vfy_program exactly as a real run would,
 * and runs it.  Instruction families: exact decimal and checked integer
 * arithmetic, comparisons, records and lists, loops and the instruction
 * budget, memo calls, SORT, MAP_GET on unbound entries, the checks walker
 * and its paths, type confusion from hostile but verified bytecode, error
 * positions and call traces, TO_TEXT of every kind, limits and out of
 * memory.  Every test frees all it allocated; the builder's mem_ctx must
 * end with no live bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asm.h"
#include "bytecode.h"
#include "verify.h"
#include "vm.h"

/* ---- a bytecode builder ------------------------------------------------ */

#define TB_CODE 8192
#define TB_MAX_STACK 64 /* declared for every function; the verifier
                           checks no function goes deeper */

typedef struct tb {
    mem_ctx mem;
    bc_program *p;
    uint8_t code[TB_CODE];
    uint32_t ncode;
    value consts[64];
    uint32_t nconsts;
    bc_str strings[160];
    uint32_t nstrings;
    bc_func funcs[16];
    uint32_t nfuncs;
    bc_loc locs[TB_CODE];
    uint32_t nlocs;
    bc_type types[32];
    uint32_t ntypes;
    bc_field fields[64];
    uint32_t nfields;
    bc_record records[16];
    uint32_t nrecords;
    bc_enum enums[4];
    uint32_t nenums;
    bc_member members[16];
    uint32_t nmembers;
    uint32_t line, col; /* position given to the next instructions */
    int func;           /* function being assembled, -1 none */
} tb;

static uint32_t tb_str(tb *b, const char *s)
{
    assert_true(b->nstrings < sizeof b->strings / sizeof b->strings[0]);
    size_t len = strlen(s);
    char *c = arena_strndup(&b->p->arena, s, len);
    assert_non_null(c);
    b->strings[b->nstrings] = (bc_str){c, (uint32_t)len};
    return b->nstrings++;
}

static tb *tb_new(void)
{
    tb *b = calloc(1, sizeof *b);
    assert_non_null(b);
    mem_init(&b->mem);
    b->p = bc_program_new(&b->mem);
    assert_non_null(b->p);
    b->line = b->col = 1;
    b->func = -1;
    b->p->source = tb_str(b, "test.tally"); /* also title, version, name */
    return b;
}

static void tb_free(tb *b)
{
    bc_program_free(b->p);
    assert_int_equal(b->mem.live, 0); /* nothing leaked through mem_ */
    free(b);
}

static uint16_t tb_k(tb *b, value v)
{
    assert_true(b->nconsts < sizeof b->consts / sizeof b->consts[0]);
    b->consts[b->nconsts] = v;
    return (uint16_t)b->nconsts++;
}

static uint16_t tb_k_int(tb *b, int64_t i)
{
    return tb_k(b, val_int(i));
}

static dec parse_dec(arena *a, const char *s)
{
    dec d;
    assert_int_equal(dec_parse(a, s, strlen(s), &d), DEC_OK);
    return d;
}

static uint16_t tb_k_dec(tb *b, const char *s)
{
    return tb_k(b, val_dec(parse_dec(&b->p->arena, s)));
}

static uint16_t tb_k_text(tb *b, const char *s)
{
    uint32_t i = tb_str(b, s);
    return tb_k(b, val_text(b->strings[i].p, b->strings[i].len));
}

static value kinded(val_kind k, int64_t i)
{
    value v = val_int(i);
    v.kind = (uint8_t)k;
    return v;
}

static uint16_t tb_type(tb *b, bc_type_kind kind, uint16_t ref)
{
    bc_type t = {0};
    t.kind = (uint8_t)kind;
    t.ref = ref;
    t.places = BC_PLACES_ANY;
    b->types[b->ntypes] = t;
    return (uint16_t)b->ntypes++;
}

/* Declares a record of [n] fields named and typed by [names]/[types]. */
static uint16_t tb_record(tb *b, const char *name, uint16_t n,
                          const char *const *names, const uint16_t *types)
{
    bc_record r = {0};
    r.name = tb_str(b, name);
    r.first_field = b->nfields;
    r.nfields = n;
    r.check_fn = BC_NONE_U16;
    for (uint16_t i = 0; i < n; i++) {
        bc_field f = {0};
        f.name = f.json = tb_str(b, names[i]);
        f.type = types[i];
        f.unique_key = BC_NONE_U16;
        b->fields[b->nfields++] = f;
    }
    b->records[b->nrecords] = r;
    return (uint16_t)b->nrecords++;
}

static uint16_t tb_func(tb *b, const char *name, uint16_t arity,
                        uint16_t nlocals, uint8_t flags)
{
    assert_int_equal(b->func, -1);
    bc_func f = {0};
    f.name = tb_str(b, name);
    f.arity = arity;
    f.nlocals = nlocals;
    f.max_stack = TB_MAX_STACK;
    f.flags = flags;
    f.code_off = b->ncode;
    b->funcs[b->nfuncs] = f;
    b->func = (int)b->nfuncs;
    return (uint16_t)b->nfuncs++;
}

static void tb_end(tb *b)
{
    bc_func *f = &b->funcs[b->func];
    f->code_len = b->ncode - f->code_off;
    b->func = -1;
}

static void tb_at(tb *b, uint32_t line, uint32_t col)
{
    b->line = line;
    b->col = col;
}

/* Absolute pc of the next instruction (a jump target). */
static uint32_t tb_here(tb *b)
{
    return b->ncode;
}

/* Emits [op] with [n] raw operand bytes (hostile code, copied as is);
 * returns its absolute pc.  Valid code goes through tb_asm. */
static uint32_t tb_emit(tb *b, bc_op op, const uint8_t *operands, size_t n)
{
    assert_true(b->func >= 0);
    assert_int_equal(n, bc_ops[op].len - 1u);
    assert_true(b->ncode + 1 + n <= TB_CODE);
    uint32_t pc = b->ncode;
    b->locs[b->nlocs++] = (bc_loc){pc, b->line, b->col, BC_NONE_U16};
    b->code[b->ncode++] = (uint8_t)op;
    if (n) {
        memcpy(b->code + b->ncode, operands, n);
    }
    b->ncode += (uint32_t)n;
    return pc;
}

/* Emits [op] with operand values [x] (of [n]) through the shared
 * assembler, which checks them against opcodes.def; returns its pc. */
static uint32_t tb_asm(tb *b, bc_op op, const uint32_t *x, unsigned n)
{
    assert_true(b->func >= 0);
    asm_code c = {b->code, b->ncode, TB_CODE, false};
    uint32_t pc = asm_emit(&c, op, x, n);
    assert_false(c.failed);
    b->locs[b->nlocs++] = (bc_loc){pc, b->line, b->col, BC_NONE_U16};
    b->ncode = c.len;
    return pc;
}

static uint32_t op0(tb *b, bc_op op)
{
    return tb_asm(b, op, NULL, 0);
}

static uint32_t op8(tb *b, bc_op op, uint8_t x)
{
    return tb_asm(b, op, ASM_OPERANDS(x));
}

static uint32_t op8_8(tb *b, bc_op op, uint8_t x, uint8_t y)
{
    return tb_asm(b, op, ASM_OPERANDS(x, y));
}

static uint32_t op16(tb *b, bc_op op, uint16_t x)
{
    return tb_asm(b, op, ASM_OPERANDS(x));
}

static uint32_t op16_16(tb *b, bc_op op, uint16_t x, uint16_t y)
{
    return tb_asm(b, op, ASM_OPERANDS(x, y));
}

static uint32_t op32(tb *b, bc_op op, uint32_t x)
{
    return tb_asm(b, op, ASM_OPERANDS(x));
}

/* Points the jump at absolute pc [j] to the next instruction. */
static void tb_patch(tb *b, uint32_t j)
{
    asm_code c = {b->code, b->ncode, TB_CODE, false};
    asm_land(&c, j);
    assert_false(c.failed);
}

#define COPY(field, count)                                                     \
    do {                                                                       \
        if (b->count) {                                                        \
            p->field = arena_alloc(&p->arena, b->count * sizeof b->field[0]);  \
            assert_non_null(p->field);                                         \
            memcpy(p->field, b->field, b->count * sizeof b->field[0]);         \
        }                                                                      \
        p->count = b->count;                                                   \
    } while (0)

/* Completes the program with [output] (BC_NONE_U16: one returning none)
 * as its output function and proves
 * it with the verifier.  A program without records gets an empty input
 * record "Input" (type 0 unless types were declared). */
static bc_program *tb_finish(tb *b, uint16_t output)
{
    assert_int_equal(b->func, -1);
    if (output == BC_NONE_U16) {
        output = tb_func(b, "main", 0, 0, 0);
        op0(b, OP_PUSH_NONE);
        op0(b, OP_RET);
        tb_end(b);
    }
    if (b->nrecords == 0) {
        tb_record(b, "Input", 0, NULL, NULL);
    }
    if (b->ntypes == 0) {
        tb_type(b, BT_RECORD, 0);
    }
    bc_program *p = b->p;
    p->output_func = output;
    p->output_type = 0;
    p->code_len = b->ncode;
    if (b->ncode) {
        p->code = arena_alloc(&p->arena, b->ncode);
        memcpy(p->code, b->code, b->ncode);
    }
    COPY(consts, nconsts);
    COPY(strings, nstrings);
    COPY(funcs, nfuncs);
    COPY(locs, nlocs);
    COPY(types, ntypes);
    COPY(fields, nfields);
    COPY(records, nrecords);
    COPY(enums, nenums);
    COPY(members, nmembers);
    char err[256];
    if (!vfy_program(p, err, sizeof err)) {
        fail_msg("test program does not verify: %s", err);
    }
    return p;
}

/* ---- running ----------------------------------------------------------- */

typedef struct run {
    tb *b;
    arena a;
    vm *v;
    value out;
    vm_error err;
} run;

static void run_begin(run *r, tb *b)
{
    memset(r, 0, sizeof *r);
    r->b = b;
    arena_init(&r->a, &b->mem);
    r->v = vm_new(&b->mem, b->p);
    assert_non_null(r->v);
}

static void run_end(run *r)
{
    vm_free(r->v);
    arena_free(&r->a);
    tb_free(r->b);
}

static value mk_record(arena *a, uint16_t type, uint16_t n, const value *f)
{
    val_record *r = arena_alloc(a, sizeof *r + n * sizeof(value));
    assert_non_null(r);
    r->type = type;
    r->count = n;
    if (n) {
        memcpy(r->fields, f, n * sizeof(value));
    }
    value v = {0};
    v.kind = VAL_RECORD;
    v.type = type;
    v.as.r = r;
    return v;
}

static value mk_list(arena *a, uint32_t n, const value *items)
{
    val_list *l = arena_alloc(a, sizeof *l);
    assert_non_null(l);
    l->count = l->cap = n;
    l->items = n ? arena_alloc(a, n * sizeof(value)) : NULL;
    if (n) {
        memcpy(l->items, items, n * sizeof(value));
    }
    value v = {0};
    v.kind = VAL_LIST;
    v.as.l = l;
    return v;
}

static value txt(const char *s)
{
    return val_text(s, (uint32_t)strlen(s));
}

/* Runs the output function on [input], or on an empty record of the
 * input type when [input] is NULL. */
static vm_status run_eval(run *r, const value *input)
{
    value in;
    if (!input) {
        in = mk_record(&r->a, r->b->p->input_record, 0, NULL);
        input = &in;
    }
    vm_status st = vm_eval(r->v, &r->a, input, &r->out, &r->err);
    assert_int_equal(r->err.status, st);
    return st;
}

static void assert_text(const value *v, const char *want)
{
    assert_int_equal(v->kind, VAL_TEXT);
    char buf[512];
    assert_true(v->len < sizeof buf);
    memcpy(buf, v->len ? v->as.s : "", v->len);
    buf[v->len] = '\0';
    assert_string_equal(buf, want);
}

static void assert_dec(const value *v, const char *want)
{
    assert_int_equal(v->kind, VAL_DEC);
    strbuf sb;
    sb_init(&sb, NULL);
    dec_format(&v->as.d, &sb);
    assert_false(sb.failed);
    assert_string_equal(sb.len ? sb.p : "", want);
    sb_free(&sb);
}

static const value *item(const value *list, uint32_t i)
{
    assert_int_equal(list->kind, VAL_LIST);
    assert_true(i < list->as.l->count);
    return &list->as.l->items[i];
}

/* ---- arithmetic -------------------------------------------------------- */

static void test_vm_dec_exact(void **state)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    /* 0.1 + 0.2, and whether it equals 0.3 */
    op16(b, OP_CONST, tb_k_dec(b, "0.1"));
    op16(b, OP_CONST, tb_k_dec(b, "0.2"));
    op0(b, OP_ADD_DEC);
    op0(b, OP_DUP);
    op16(b, OP_CONST, tb_k_dec(b, "0.3"));
    op0(b, OP_EQ);
    /* 1 / 3 * 3 */
    uint16_t three = tb_k_dec(b, "3");
    op16(b, OP_CONST, tb_k_dec(b, "1"));
    op16(b, OP_CONST, three);
    op0(b, OP_DIV_DEC);
    op16(b, OP_CONST, three);
    op0(b, OP_MUL_DEC);
    /* 9223372036854775807 + 1 leaves 64 bits; - 1 comes back inline */
    op16(b, OP_CONST, tb_k_int(b, INT64_MAX));
    op0(b, OP_INT_TO_DEC);
    op16(b, OP_CONST, tb_k_dec(b, "1"));
    op0(b, OP_ADD_DEC);
    op0(b, OP_DUP);
    op16(b, OP_CONST, tb_k_dec(b, "1"));
    op0(b, OP_SUB_DEC);
    /* -(2.5 - 10) */
    op16(b, OP_CONST, tb_k_dec(b, "2.5"));
    op16(b, OP_CONST, tb_k_dec(b, "10"));
    op0(b, OP_SUB_DEC);
    op0(b, OP_NEG_DEC);
    op16(b, OP_LIST, 6);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    assert_dec(item(&r.out, 0), "0.3");
    assert_true(item(&r.out, 1)->as.b);
    assert_dec(item(&r.out, 2), "1");
    assert_false(DEC_IS_BIG(item(&r.out, 2)->as.d));
    assert_dec(item(&r.out, 3), "9223372036854775808");
    assert_true(DEC_IS_BIG(item(&r.out, 3)->as.d));
    assert_dec(item(&r.out, 4), "9223372036854775807");
    assert_false(DEC_IS_BIG(item(&r.out, 4)->as.d));
    assert_dec(item(&r.out, 5), "7.5");
    run_end(&r);
}

/* SPEC: award-evaluation rule 9: exactly 27.005, reported 27.01. */
static void test_vm_dec_spec_example(void **state)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "40"));
    op16(b, OP_CONST, tb_k_dec(b, "1000.01"));
    op0(b, OP_MUL_DEC);
    op16(b, OP_CONST, tb_k_dec(b, "3000.03"));
    op0(b, OP_DIV_DEC);
    op16(b, OP_CONST, tb_k_dec(b, "20"));
    op16(b, OP_CONST, tb_k_dec(b, "10"));
    op0(b, OP_MUL_DEC);
    op16(b, OP_CONST, tb_k_dec(b, "30"));
    op0(b, OP_DIV_DEC);
    op0(b, OP_ADD_DEC);
    op16(b, OP_CONST, tb_k_dec(b, "7.005"));
    op0(b, OP_ADD_DEC);
    op0(b, OP_DUP);
    op16(b, OP_CONST, tb_k_int(b, 2));
    op8(b, OP_ROUND, DEC_HALF_UP);
    op0(b, OP_DUP);
    op8(b, OP_TO_TEXT, 2);
    op16(b, OP_LIST, 3);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    assert_dec(item(&r.out, 0), "27.005");
    assert_dec(item(&r.out, 1), "27.01");
    assert_text(item(&r.out, 2), "27.01");
    run_end(&r);
}

/* Runs "CONST x; CONST y; op; RET" (or "CONST x; op; RET" for a unary
 * op, y ignored) on integers. */
static vm_status int_op(bc_op op, int64_t x, int64_t y, int64_t *res,
                        char *msg, size_t msgcap)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    op16(b, OP_CONST, tb_k_int(b, x));
    if (bc_ops[op].pop == 2) {
        op16(b, OP_CONST, tb_k_int(b, y));
    }
    op0(b, op);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    vm_status st = run_eval(&r, NULL);
    if (st == VM_OK) {
        assert_int_equal(r.out.kind, VAL_INT);
        *res = r.out.as.i;
    } else {
        snprintf(msg, msgcap, "%s", r.err.msg);
        assert_null(r.err.path);
    }
    run_end(&r);
    return st;
}

static void test_vm_int_checked(void **state)
{
    int64_t res = 0;
    char msg[128];
    assert_int_equal(int_op(OP_ADD_INT, 40, 2, &res, msg, sizeof msg), VM_OK);
    assert_int_equal(res, 42);
    assert_int_equal(int_op(OP_SUB_INT, 40, 50, &res, msg, sizeof msg), VM_OK);
    assert_int_equal(res, -10);
    assert_int_equal(int_op(OP_MUL_INT, -6, 7, &res, msg, sizeof msg), VM_OK);
    assert_int_equal(res, -42);
    assert_int_equal(int_op(OP_NEG_INT, 5, 0, &res, msg, sizeof msg), VM_OK);
    assert_int_equal(res, -5);
    assert_int_equal(int_op(OP_ADD_INT, INT64_MAX, 1, &res, msg, sizeof msg),
                     VM_RUNTIME_ERROR);
    assert_string_equal(msg, "integer overflow in +");
    assert_int_equal(int_op(OP_SUB_INT, INT64_MIN, 1, &res, msg, sizeof msg),
                     VM_RUNTIME_ERROR);
    assert_string_equal(msg, "integer overflow in -");
    assert_int_equal(
        int_op(OP_MUL_INT, INT64_MAX / 2 + 1, 2, &res, msg, sizeof msg),
        VM_RUNTIME_ERROR);
    assert_string_equal(msg, "integer overflow in *");
    assert_int_equal(int_op(OP_NEG_INT, INT64_MIN, 0, &res, msg, sizeof msg),
                     VM_RUNTIME_ERROR);
    assert_string_equal(msg, "integer overflow in negation");
    /* The edges themselves are fine. */
    assert_int_equal(
        int_op(OP_ADD_INT, INT64_MAX - 1, 1, &res, msg, sizeof msg), VM_OK);
    assert_true(res == INT64_MAX);
    assert_int_equal(int_op(OP_MUL_INT, INT64_MIN, 1, &res, msg, sizeof msg),
                     VM_OK);
    assert_true(res == INT64_MIN);
}

static void test_vm_div_zero_position(void **state)
{
    tb *b = tb_new();
    tb_at(b, 3, 5);
    uint16_t f = tb_func(b, "score", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "1"));
    op16(b, OP_CONST, tb_k_dec(b, "0.00"));
    tb_at(b, 7, 12);
    op0(b, OP_DIV_DEC);
    tb_at(b, 8, 1);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "division by zero");
    assert_int_equal(r.err.line, 7);
    assert_int_equal(r.err.col, 12);
    assert_null(r.err.path);
    assert_string_equal(r.err.trace, "test.tally:7:12: in score\n");
    assert_int_equal(r.out.kind, VAL_NONE);
    run_end(&r);
}

static void test_vm_trace_two_frames(void **state)
{
    tb *b = tb_new();
    uint16_t g = tb_func(b, "price_score", 1, 1, 0);
    tb_at(b, 44, 3);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, tb_k_dec(b, "0"));
    tb_at(b, 45, 12);
    op0(b, OP_DIV_DEC);
    op0(b, OP_RET);
    tb_end(b);
    tb_at(b, 79, 1);
    uint16_t f = tb_func(b, "bid_result", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "5"));
    tb_at(b, 80, 5);
    op16(b, OP_CALL, g);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "division by zero");
    assert_int_equal(r.err.line, 45);
    assert_int_equal(r.err.col, 12);
    assert_string_equal(r.err.trace,
                        "test.tally:45:12: in price_score\n"
                        "test.tally:80:5: called from bid_result\n");
    run_end(&r);
}

static void test_vm_round_and_dates(void **state)
{
    tb *b = tb_new();
    uint16_t date_k, ok_f, bad_round, bad_round_neg, bad_date;
    int64_t d;
    assert_true(date_parse("2026-03-14", 10, &d));
    date_k = tb_k(b, kinded(VAL_DATE, d));
    ok_f = tb_func(b, "ok", 0, 0, 0);
    op16(b, OP_CONST, date_k);
    op16(b, OP_CONST, tb_k(b, kinded(VAL_DURATION, 30)));
    op0(b, OP_ADD_DAYS);
    op16(b, OP_CONST, tb_k_dec(b, "-2.345"));
    op16(b, OP_CONST, tb_k_int(b, 2));
    op8(b, OP_ROUND, DEC_HALF_UP);
    op16(b, OP_CONST, tb_k_dec(b, "2.345"));
    op16(b, OP_CONST, tb_k_int(b, 2));
    op8(b, OP_ROUND, DEC_HALF_EVEN);
    op16(b, OP_CONST, tb_k_dec(b, "7"));
    op16(b, OP_CONST, tb_k_int(b, 30));
    op8(b, OP_ROUND, DEC_FLOOR);
    op16(b, OP_LIST, 4);
    op0(b, OP_RET);
    tb_end(b);
    bad_round = tb_func(b, "bad_round", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "1.5"));
    op16(b, OP_CONST, tb_k_int(b, 31));
    op8(b, OP_ROUND, DEC_HALF_UP);
    op0(b, OP_RET);
    tb_end(b);
    bad_round_neg = tb_func(b, "bad_round_neg", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "1.5"));
    op16(b, OP_CONST, tb_k_int(b, -1));
    op8(b, OP_ROUND, DEC_HALF_UP);
    op0(b, OP_RET);
    tb_end(b);
    bad_date = tb_func(b, "bad_date", 0, 0, 0);
    assert_true(date_parse("9999-12-31", 10, &d));
    op16(b, OP_CONST, tb_k(b, kinded(VAL_DATE, d)));
    op16(b, OP_CONST, tb_k(b, kinded(VAL_DURATION, 1)));
    op0(b, OP_ADD_DAYS);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, ok_f);
    run r;
    run_begin(&r, b);
    assert_int_equal(vm_call(r.v, &r.a, ok_f, NULL, 0, &r.out, &r.err),
                     VM_OK);
    int64_t want;
    assert_true(date_parse("2026-04-13", 10, &want));
    assert_int_equal(item(&r.out, 0)->kind, VAL_DATE);
    assert_int_equal(item(&r.out, 0)->as.i, want);
    assert_dec(item(&r.out, 1), "-2.35");
    assert_dec(item(&r.out, 2), "2.34");
    assert_dec(item(&r.out, 3), "7");
    assert_int_equal(vm_call(r.v, &r.a, bad_round, NULL, 0, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg,
                        "cannot round to 31 places: places must be 0 to 30");
    assert_int_equal(
        vm_call(r.v, &r.a, bad_round_neg, NULL, 0, &r.out, &r.err),
        VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg,
                        "cannot round to -1 places: places must be 0 to 30");
    assert_int_equal(vm_call(r.v, &r.a, bad_date, NULL, 0, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(
        r.err.msg, "date out of range (years 0001 to 9999) in date + days");
    run_end(&r);
}

/* ---- comparison -------------------------------------------------------- */

static void test_vm_compare(void **state)
{
    tb *b = tb_new();
    uint16_t i3 = tb_k_int(b, 3), i5 = tb_k_int(b, 5);
    uint16_t third = tb_k_dec(b, "0.3333"), half = tb_k_dec(b, "0.5");
    uint16_t half2 = tb_k_dec(b, "0.50");
    uint16_t s10 = tb_k_text(b, "S-10"), s9 = tb_k_text(b, "S-9");
    uint16_t d1 = tb_k(b, kinded(VAL_DATE, 100)),
             d2 = tb_k(b, kinded(VAL_DATE, 101));
    uint16_t none = tb_k(b, val_none()), fls = tb_k(b, val_bool(false));
    static const struct {
        bc_op op;
        int x, y; /* indices into ks[] */
        bool want;
    } cases[] = {
        {OP_LT, 0, 1, true},   {OP_LT, 1, 0, false},  {OP_LE, 0, 0, true},
        {OP_GT, 1, 0, true},   {OP_GE, 0, 1, false},  {OP_EQ, 0, 0, true},
        {OP_NE, 0, 1, true},   {OP_LT, 2, 3, true},   {OP_EQ, 3, 4, true},
        {OP_NE, 3, 4, false},  {OP_GE, 3, 4, true},   {OP_LT, 5, 6, true},
        {OP_GT, 5, 6, false},  {OP_EQ, 5, 5, true},   {OP_LT, 7, 8, true},
        {OP_GE, 8, 7, true},   {OP_EQ, 9, 9, true},   {OP_EQ, 9, 10, false},
        {OP_NE, 9, 10, true},  {OP_EQ, 0, 2, false},
    };
    uint16_t ks[] = {i3, i5, third, half, half2, s10, s9, d1, d2, none, fls};
    size_t n = sizeof cases / sizeof cases[0];
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        op16(b, OP_CONST, ks[cases[i].x]);
        op16(b, OP_CONST, ks[cases[i].y]);
        op0(b, cases[i].op);
    }
    /* IS_NONE, NOT, MIN, MAX */
    op16(b, OP_CONST, none);
    op0(b, OP_IS_NONE);
    op16(b, OP_CONST, fls);
    op0(b, OP_IS_NONE);
    op16(b, OP_CONST, fls);
    op0(b, OP_NOT);
    op16(b, OP_CONST, i5);
    op16(b, OP_CONST, i3);
    op0(b, OP_MIN);
    op16(b, OP_CONST, s10);
    op16(b, OP_CONST, s9);
    op0(b, OP_MAX);
    op16(b, OP_LIST, (uint16_t)(n + 5));
    op0(b, OP_RET);
    tb_end(b);
    /* MIN/MAX keep the first of two equal values: tell equal lists apart
     * by address. */
    uint16_t mm = tb_func(b, "minmax", 2, 2, 0);
    op16(b, OP_LOAD, 0);
    op16(b, OP_LOAD, 1);
    op0(b, OP_MIN);
    op16(b, OP_LOAD, 0);
    op16(b, OP_LOAD, 1);
    op0(b, OP_MAX);
    op16(b, OP_LOAD, 1);
    op16(b, OP_LOAD, 0);
    op0(b, OP_MIN);
    op16(b, OP_LIST, 3);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    for (size_t i = 0; i < n; i++) {
        const value *v = item(&r.out, (uint32_t)i);
        assert_int_equal(v->kind, VAL_BOOL);
        if (v->as.b != cases[i].want) {
            fail_msg("case %zu: %s gave %d", i, bc_ops[cases[i].op].name,
                     v->as.b);
        }
    }
    assert_true(item(&r.out, (uint32_t)n)->as.b);
    assert_false(item(&r.out, (uint32_t)n + 1)->as.b);
    assert_true(item(&r.out, (uint32_t)n + 2)->as.b);
    assert_int_equal(item(&r.out, (uint32_t)n + 3)->as.i, 3);
    assert_text(item(&r.out, (uint32_t)n + 4), "S-9");

    value one = val_int(1);
    value args[2] = {mk_list(&r.a, 1, &one), mk_list(&r.a, 1, &one)};
    assert_int_equal(vm_call(r.v, &r.a, mm, args, 2, &r.out, &r.err), VM_OK);
    assert_ptr_equal(item(&r.out, 0)->as.l, args[0].as.l);
    assert_ptr_equal(item(&r.out, 1)->as.l, args[0].as.l);
    assert_ptr_equal(item(&r.out, 2)->as.l, args[1].as.l);
    run_end(&r);
}

/* ---- records, lists, texts --------------------------------------------- */

static void test_vm_records_and_lists(void **state)
{
    tb *b = tb_new();
    uint16_t t_int = tb_type(b, BT_INT, 0), t_text = tb_type(b, BT_TEXT, 0);
    static const char *const names[] = {"x", "label"};
    uint16_t types[] = {t_int, t_text};
    uint16_t point = tb_record(b, "Point", 2, names, types);
    tb_record(b, "Other", 2, names, types);
    tb_type(b, BT_RECORD, point);
    uint16_t f = tb_func(b, "main", 0, 2, 0); /* locals: list, i */
    op16(b, OP_CONST, tb_k_int(b, 7));
    op16(b, OP_CONST, tb_k_text(b, "a"));
    op16(b, OP_RECORD, point);
    op0(b, OP_DUP);
    op16_16(b, OP_FIELD, point, 1); /* "a" */
    op16(b, OP_CONST, tb_k_text(b, "bc"));
    op0(b, OP_CONCAT);               /* "abc" */
    op16(b, OP_CONST, tb_k_text(b, ""));
    op0(b, OP_CONCAT);               /* "abc" */
    /* list = []; for i in 0..19: list.append(i * i) */
    op0(b, OP_LIST_NEW);
    op16(b, OP_STORE, 0);
    uint16_t zero = tb_k_int(b, 0), one = tb_k_int(b, 1);
    op16(b, OP_CONST, zero);
    op16(b, OP_STORE, 1);
    uint32_t top = tb_here(b);
    op16(b, OP_LOAD, 1);
    op16(b, OP_CONST, tb_k_int(b, 20));
    op0(b, OP_LT);
    uint32_t exit = op32(b, OP_JUMP_IF_FALSE, 0);
    op16(b, OP_LOAD, 0);
    op16(b, OP_LOAD, 1);
    op16(b, OP_LOAD, 1);
    op0(b, OP_MUL_INT);
    op0(b, OP_LIST_APPEND);
    op0(b, OP_POP);
    op16(b, OP_LOAD, 1);
    op16(b, OP_CONST, one);
    op0(b, OP_ADD_INT);
    op16(b, OP_STORE, 1);
    op32(b, OP_LOOP, top);
    tb_patch(b, exit);
    op16(b, OP_LOAD, 0);
    op16(b, OP_LOAD, 0);
    op0(b, OP_LIST_LEN);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, tb_k_int(b, 5));
    op0(b, OP_LIST_GET);             /* 25 */
    op16(b, OP_CONST, tb_k_int(b, 49));
    op16(b, OP_LOAD, 0);
    op0(b, OP_IN);                   /* true */
    op16(b, OP_CONST, tb_k_int(b, 50));
    op16(b, OP_LOAD, 0);
    op0(b, OP_IN);                   /* false */
    op16(b, OP_LIST, 7);             /* [Point, "abc", list, 20, 25, t, f] */
    op0(b, OP_RET);
    tb_end(b);
    uint16_t oob = tb_func(b, "oob", 0, 0, 0);
    op16(b, OP_CONST, one);
    op16(b, OP_CONST, zero);
    op16(b, OP_LIST, 2);
    op16(b, OP_CONST, tb_k_int(b, 2));
    tb_at(b, 12, 9);
    op0(b, OP_LIST_GET);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t neg = tb_func(b, "neg", 0, 0, 0);
    op16(b, OP_CONST, one);
    op16(b, OP_LIST, 1);
    op16(b, OP_CONST, tb_k_int(b, -1));
    op0(b, OP_LIST_GET);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    const value *pt = item(&r.out, 0);
    assert_int_equal(pt->kind, VAL_RECORD);
    assert_int_equal(pt->type, point);
    assert_int_equal(pt->as.r->type, point);
    assert_int_equal(pt->as.r->count, 2);
    assert_int_equal(pt->as.r->fields[0].as.i, 7);
    assert_text(&pt->as.r->fields[1], "a");
    assert_text(item(&r.out, 1), "abc");
    const value *l = item(&r.out, 2);
    assert_int_equal(l->as.l->count, 20);
    for (uint32_t i = 0; i < 20; i++) {
        assert_int_equal(item(l, i)->as.i, (int64_t)i * i);
    }
    assert_int_equal(item(&r.out, 3)->as.i, 20);
    assert_int_equal(item(&r.out, 4)->as.i, 25);
    assert_true(item(&r.out, 5)->as.b);
    assert_false(item(&r.out, 6)->as.b);

    assert_int_equal(vm_call(r.v, &r.a, oob, NULL, 0, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg,
                        "list position 3 out of range (the list has 2 items)");
    assert_int_equal(r.err.line, 12);
    assert_int_equal(r.err.col, 9);
    assert_int_equal(vm_call(r.v, &r.a, neg, NULL, 0, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg,
                        "list position 0 out of range (the list has 1 item)");
    run_end(&r);
}

/* ---- loops and the budget ---------------------------------------------- */

/* An input record {nums: list of int} and main summing it with LOOP. */
static tb *sum_program(void)
{
    tb *b = tb_new();
    tb_type(b, BT_RECORD, 0);
    uint16_t t_int = tb_type(b, BT_INT, 0);
    uint16_t t_list = tb_type(b, BT_LIST, t_int);
    static const char *const names[] = {"nums"};
    tb_record(b, "Input", 1, names, &t_list);
    uint16_t f = tb_func(b, "total", 0, 3, 0); /* list, i, sum */
    op0(b, OP_INPUT);
    op16_16(b, OP_FIELD, 0, 0);
    op16(b, OP_STORE, 0);
    uint16_t zero = tb_k_int(b, 0);
    op16(b, OP_CONST, zero);
    op16(b, OP_STORE, 1);
    op16(b, OP_CONST, zero);
    op16(b, OP_STORE, 2);
    uint32_t top = tb_here(b);
    op16(b, OP_LOAD, 1);
    op16(b, OP_LOAD, 0);
    op0(b, OP_LIST_LEN);
    op0(b, OP_LT);
    uint32_t exit = op32(b, OP_JUMP_IF_FALSE, 0);
    op16(b, OP_LOAD, 2);
    op16(b, OP_LOAD, 0);
    op16(b, OP_LOAD, 1);
    op0(b, OP_LIST_GET);
    op0(b, OP_ADD_INT);
    op16(b, OP_STORE, 2);
    op16(b, OP_LOAD, 1);
    op16(b, OP_CONST, tb_k_int(b, 1));
    op0(b, OP_ADD_INT);
    op16(b, OP_STORE, 1);
    tb_at(b, 30, 7);
    op32(b, OP_LOOP, top);
    tb_patch(b, exit);
    op16(b, OP_LOAD, 2);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    return b;
}

static value nums_input(arena *a, uint32_t n)
{
    value *items = arena_alloc(a, n * sizeof(value));
    for (uint32_t i = 0; i < n; i++) {
        items[i] = val_int(i + 1);
    }
    value l = mk_list(a, n, items);
    return mk_record(a, 0, 1, &l);
}

static void test_vm_loop_sum(void **state)
{
    run r;
    run_begin(&r, sum_program());
    value in = nums_input(&r.a, 100);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    assert_int_equal(r.out.kind, VAL_INT);
    assert_int_equal(r.out.as.i, 5050);
    value empty = nums_input(&r.a, 0);
    assert_int_equal(run_eval(&r, &empty), VM_OK);
    assert_int_equal(r.out.as.i, 0);
    run_end(&r);
}

static void test_vm_budget(void **state)
{
    run r;
    run_begin(&r, sum_program());
    value in = nums_input(&r.a, 100);
    /* 100 elements: 100 LOOPs.  The budget is per record. */
    vm_set_budget(r.v, 100);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    assert_int_equal(r.out.as.i, 5050);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    vm_set_budget(r.v, 99);
    assert_int_equal(run_eval(&r, &in), VM_LIMIT);
    assert_string_equal(r.err.msg, "instruction budget of 99 exceeded");
    assert_int_equal(r.err.line, 30);
    assert_int_equal(r.err.col, 7);
    assert_string_equal(r.err.trace, "test.tally:30:7: in total\n");
    vm_set_budget(r.v, 0);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    run_end(&r);

    /* A LOOP onto itself stops at the budget. */
    tb *b = tb_new();
    uint16_t f = tb_func(b, "spin", 0, 0, 0);
    op32(b, OP_LOOP, tb_here(b));
    tb_end(b);
    tb_finish(b, f);
    run_begin(&r, b);
    vm_set_budget(r.v, 1000);
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg, "instruction budget of 1000 exceeded");
    run_end(&r);
}

static void test_vm_budget_counts_calls(void **state)
{
    tb *b = tb_new();
    uint16_t leaf = tb_func(b, "leaf", 0, 0, 0);
    op0(b, OP_PUSH_NONE);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    for (int i = 0; i < 5; i++) {
        op16(b, OP_CALL, leaf);
        op0(b, OP_POP);
    }
    op0(b, OP_PUSH_TRUE);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    vm_set_budget(r.v, 5);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    vm_set_budget(r.v, 4);
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    run_end(&r);
}

/* A function that doubles "ab" [n] times with DUP CONCAT (no loop) and
 * returns the text. */
static tb *doubling_program(int n)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "double", 0, 0, 0);
    op16(b, OP_CONST, tb_k_text(b, "ab"));
    for (int i = 0; i < n; i++) {
        op0(b, OP_DUP);
        tb_at(b, 40, i + 1);
        op0(b, OP_CONCAT);
    }
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    return b;
}

static void test_vm_text_limit_checked_before_allocating(void **state)
{
    run r;
    /* 2 * 2^19 bytes is DATA_MAX_TEXT exactly: allowed. */
    run_begin(&r, doubling_program(19));
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    assert_int_equal(r.out.len, 1048576);
    run_end(&r);
    /* One more doubling, or thirty, stops at the limit with no more than
     * the last text allocated. */
    run_begin(&r, doubling_program(30));
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg, "text longer than 1048576 bytes");
    assert_int_equal(r.err.line, 40);
    assert_int_equal(r.err.col, 20);
    assert_true(r.a.used < 4 * 1048576);
    run_end(&r);
}

static void test_vm_budget_counts_bytes_copied(void **state)
{
    run r;
    run_begin(&r, doubling_program(19));
    /* No loop and no call, yet 2 MiB copied: 32,768 units of 64 bytes.
     * Half of that is not enough. */
    vm_set_budget(r.v, 20000);
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg, "instruction budget of 20000 exceeded");
    vm_set_budget(r.v, 40000);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    run_end(&r);
}

/* A function that squares 1.0000001 [n] times with DUP MUL_DEC. */
static tb *squaring_program(int n)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "square", 0, 0, 0);
    op16(b, OP_CONST, tb_k_dec(b, "1.0000001"));
    for (int i = 0; i < n; i++) {
        op0(b, OP_DUP);
        tb_at(b, 50, i + 1);
        op0(b, OP_MUL_DEC);
    }
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    return b;
}

static void test_vm_big_numbers_charged_and_bounded(void **state)
{
    run r;
    /* 12 squarings: 32,768 digits, within DEC_MAX_DIGITS, but far more
     * than 1,000 units of work. */
    run_begin(&r, squaring_program(12));
    vm_set_budget(r.v, 1000);
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg, "instruction budget of 1000 exceeded");
    vm_set_budget(r.v, 0);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    assert_int_equal(r.out.kind, VAL_DEC);
    run_end(&r);
    /* 40: refused at the 14th, before GMP is asked for it. */
    run_begin(&r, squaring_program(40));
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg,
                        "number too large: more than 100000 digits");
    assert_int_equal(r.err.col, 14);
    run_end(&r);
}

/* ---- calls ------------------------------------------------------------- */

/* The memo function appends to a list in the input each time it really
 * runs (LIST_APPEND works in place) and returns the list's length. */
/* The fused instructions do what the sequences they replace did. */
static void test_vm_superinstructions(void **state)
{
    tb *b = tb_new();
    tb_type(b, BT_RECORD, 0);
    uint16_t t_int = tb_type(b, BT_INT, 0);
    static const char *const names[] = {"a", "b"};
    uint16_t ts[] = {t_int, t_int};
    tb_record(b, "In", 2, names, ts);
    uint16_t none = tb_k(b, val_none());
    uint16_t seven = tb_k_int(b, 7);
    uint16_t minus = tb_k_int(b, -1);
    /* pick(r): [r.b, r.a] through LOAD_FIELD */
    uint16_t pick = tb_func(b, "pick", 1, 1, 0);
    uint8_t lf[6] = {0, 0, 0, 0, 1, 0}; /* local 0, record 0, field 1 */
    tb_emit(b, OP_LOAD_FIELD, lf, 6);
    lf[4] = 0;
    tb_emit(b, OP_LOAD_FIELD, lf, 6);
    op16(b, OP_LIST, 2);
    op0(b, OP_RET);
    tb_end(b);
    /* or_minus(x): x unless none, then -1 (JUMP_IF_SOME keeps x);
     * is_some(x): JUMP_IF_NONE keeps x too, then drops it */
    uint16_t om = tb_func(b, "or_minus", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    uint32_t j = op32(b, OP_JUMP_IF_SOME, 0);
    op0(b, OP_POP);
    op16(b, OP_CONST, minus);
    tb_patch(b, j);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t is = tb_func(b, "is_some", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    j = op32(b, OP_JUMP_IF_NONE, 0);
    op0(b, OP_POP);
    op0(b, OP_PUSH_TRUE);
    op0(b, OP_RET);
    tb_patch(b, j);
    op0(b, OP_POP);
    op0(b, OP_PUSH_FALSE);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    op0(b, OP_INPUT);
    op16(b, OP_CALL, pick);
    op16(b, OP_CONST, seven);
    op16(b, OP_CALL, om);
    op16(b, OP_CONST, none);
    op16(b, OP_CALL, om);
    op16(b, OP_CONST, seven);
    op16(b, OP_CALL, is);
    op16(b, OP_CONST, none);
    op16(b, OP_CALL, is);
    op16(b, OP_LIST, 5);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    value xs[2] = {val_int(10), val_int(20)};
    value in = mk_record(&r.a, 0, 2, xs);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    const value *picked = item(&r.out, 0);
    assert_int_equal(item(picked, 0)->as.i, 20);
    assert_int_equal(item(picked, 1)->as.i, 10);
    assert_int_equal(item(&r.out, 1)->as.i, 7);
    assert_int_equal(item(&r.out, 2)->as.i, -1);
    assert_true(item(&r.out, 3)->as.b);
    assert_false(item(&r.out, 4)->as.b);
    run_end(&r);
}

static void test_vm_memo_once_per_record(void **state)
{
    tb *b = tb_new();
    tb_type(b, BT_RECORD, 0);
    uint16_t t_bool = tb_type(b, BT_BOOL, 0);
    uint16_t t_list = tb_type(b, BT_LIST, t_bool);
    static const char *const names[] = {"log"};
    tb_record(b, "Input", 1, names, &t_list);
    uint16_t m = tb_func(b, "lowest_price", 0, 0, BC_FUNC_MEMO);
    op0(b, OP_INPUT);
    op16_16(b, OP_FIELD, 0, 0);
    op0(b, OP_PUSH_TRUE);
    op0(b, OP_LIST_APPEND);
    op0(b, OP_LIST_LEN);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    op16(b, OP_CALL, m);
    op16(b, OP_CALL, m);
    op16(b, OP_CALL, m);
    op16(b, OP_LIST, 3);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    value log = mk_list(&r.a, 0, NULL);
    value in = mk_record(&r.a, 0, 1, &log);
    assert_int_equal(run_eval(&r, &in), VM_OK);
    assert_int_equal(log.as.l->count, 1);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(item(&r.out, i)->as.i, 1);
    }
    /* A new record forgets the memo: one more real call. */
    assert_int_equal(run_eval(&r, &in), VM_OK);
    assert_int_equal(log.as.l->count, 2);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(item(&r.out, i)->as.i, 2);
    }
    run_end(&r);
}

static void test_vm_call_depth_and_stack_growth(void **state)
{
    tb *b = tb_new();
    /* rec(n) = n == 0 ? 0 : rec(n - 1) + 1, with 300 locals per frame so
     * the stack must grow several times. */
    uint16_t rec = tb_func(b, "rec", 1, 300, 0);
    uint16_t zero = tb_k_int(b, 0), one = tb_k_int(b, 1);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, zero);
    op0(b, OP_EQ);
    uint32_t j = op32(b, OP_JUMP_IF_FALSE, 0);
    op16(b, OP_CONST, zero);
    op0(b, OP_RET);
    tb_patch(b, j);
    op16(b, OP_LOAD, 299);
    op0(b, OP_IS_NONE); /* locals past the parameters start as none */
    uint32_t j2 = op32(b, OP_JUMP_IF_TRUE, 0);
    op16(b, OP_CONST, tb_k_text(b, "local not none"));
    op0(b, OP_FAIL);
    tb_patch(b, j2);
    op16(b, OP_CONST, one);
    op16(b, OP_STORE, 299);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, one);
    op0(b, OP_SUB_INT);
    op16(b, OP_CALL, rec);
    op16(b, OP_CONST, one);
    op0(b, OP_ADD_INT);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t forever = tb_func(b, "forever", 0, 0, 0);
    tb_at(b, 9, 9);
    op16(b, OP_CALL, forever);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, forever);
    run r;
    run_begin(&r, b);
    value n = val_int(150);
    assert_int_equal(vm_call(r.v, &r.a, rec, &n, 1, &r.out, &r.err), VM_OK);
    assert_int_equal(r.out.as.i, 150);
    n = val_int(VM_MAX_DEPTH);
    assert_int_equal(vm_call(r.v, &r.a, rec, &n, 1, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "call depth exceeded");
    assert_int_equal(run_eval(&r, NULL), VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "call depth exceeded");
    /* One trace line per frame. */
    int lines = 0;
    for (const char *p = r.err.trace; *p; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, VM_MAX_DEPTH);
    assert_memory_equal(r.err.trace, "test.tally:9:9: in forever\n", 27);
    /* Still usable afterwards. */
    n = val_int(3);
    assert_int_equal(vm_call(r.v, &r.a, rec, &n, 1, &r.out, &r.err), VM_OK);
    assert_int_equal(r.out.as.i, 3);
    run_end(&r);
}

/* Frames of 60000 locals: the 18th call passes VM_MAX_STACK_SLOTS. */
static void test_vm_stack_limit(void **state)
{
    tb *b = tb_new();
    uint16_t deep = tb_func(b, "deep", 0, 60000, 0);
    tb_at(b, 2, 4);
    op16(b, OP_CALL, deep);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, deep);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_LIMIT);
    assert_string_equal(r.err.msg, "operand stack limit exceeded");
    assert_string_equal(rt_status_name(r.err.status), "limit exceeded");
    assert_int_equal(r.err.line, 2);
    assert_non_null(r.err.trace);
    run_end(&r);
    assert_string_equal(rt_status_name(VM_DATA_ERROR), "data error");
    assert_string_equal(rt_status_name(VM_RUNTIME_ERROR), "runtime error");
    /* The VM's statuses are the runtime's: one name per status, none
     * shared, and a value outside the enum is named as such. */
    for (int i = 0; i < RT_STATUS_COUNT; i++) {
        assert_string_not_equal(rt_status_name((rt_status)i),
                                "unknown status");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(rt_status_name((rt_status)i),
                                    rt_status_name((rt_status)j));
        }
    }
    assert_string_equal(rt_status_name(RT_STATUS_COUNT), "unknown status");
    assert_int_equal(VM_ENOMEM, RT_ENOMEM);
}

static void test_vm_fail(void **state)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "threshold", 0, 0, 0);
    op16(b, OP_CONST, tb_k_text(b, "no threshold in force on 2020-01-01"));
    tb_at(b, 4, 2);
    op0(b, OP_FAIL);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "no threshold in force on 2020-01-01");
    assert_int_equal(r.err.line, 4);
    assert_string_equal(r.err.trace, "test.tally:4:2: in threshold\n");
    run_end(&r);
}

/* ---- SORT -------------------------------------------------------------- */

typedef struct srow {
    int64_t total, quality;
    const char *id;
    int64_t index;
} srow;

/* total desc, quality desc, id asc (bytewise), stable. */
static int srow_cmp(const srow *x, const srow *y)
{
    if (x->total != y->total) {
        return x->total > y->total ? -1 : 1;
    }
    if (x->quality != y->quality) {
        return x->quality > y->quality ? -1 : 1;
    }
    int c = strcmp(x->id, y->id);
    return (c > 0) - (c < 0);
}

static void check_sort(run *r, uint16_t sortf, uint32_t n, unsigned seed)
{
    static const char *const ids[] = {"S-9", "S-10", "S-1", "S-100"};
    srow *rows = calloc(n ? n : 1, sizeof *rows);
    value *elems = arena_alloc(&r->a, (n ? n : 1) * sizeof(value));
    for (uint32_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        rows[i].total = (seed >> 16) % 4;
        rows[i].quality = (seed >> 8) % 3;
        rows[i].id = ids[(seed >> 4) % 4];
        rows[i].index = i;
        value parts[4] = {val_dec(dec_from_int(rows[i].total)),
                          val_int(rows[i].quality), txt(rows[i].id),
                          val_int(i)};
        elems[i] = mk_list(&r->a, 4, parts);
    }
    /* Reference: insertion sort is stable. */
    for (uint32_t i = 1; i < n; i++) {
        srow x = rows[i];
        uint32_t j = i;
        while (j > 0 && srow_cmp(&rows[j - 1], &x) > 0) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = x;
    }
    value arg = mk_list(&r->a, n, elems);
    assert_int_equal(vm_call(r->v, &r->a, sortf, &arg, 1, &r->out, &r->err),
                     VM_OK);
    assert_int_equal(r->out.as.l->count, n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(item(&r->out, i)->as.i, rows[i].index);
    }
    free(rows);
}

static void test_vm_sort_stable_mixed(void **state)
{
    tb *b = tb_new();
    uint16_t sortf = tb_func(b, "rank", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op8_8(b, OP_SORT, 3, 0x3); /* keys 0 and 1 descending, 2 ascending */
    op0(b, OP_RET);
    tb_end(b);
    uint16_t bad = tb_func(b, "bad", 0, 0, 0);
    op16(b, OP_CONST, tb_k_int(b, 1));
    op16(b, OP_LIST, 1);
    op16(b, OP_LIST, 1);
    op8_8(b, OP_SORT, 1, 0); /* a row of 1 item, expected 2 */
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, BC_NONE_U16);
    run r;
    run_begin(&r, b);
    uint32_t sizes[] = {0, 1, 2, 5, 16, 17, 33, 100, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_sort(&r, sortf, sizes[i], (unsigned)i + 7);
    }
    assert_int_equal(vm_call(r.v, &r.a, bad, NULL, 0, &r.out, &r.err),
                     VM_RUNTIME_ERROR);
    assert_string_equal(r.err.msg, "bytecode type confusion at SORT");
    run_end(&r);
}

/* ---- maps and data errors ---------------------------------------------- */

static void test_vm_map_get(void **state)
{
    tb *b = tb_new();
    uint16_t q1 = tb_k_text(b, "Q1"), q2 = tb_k_text(b, "Q2"),
             q3 = tb_k_text(b, "Q3");
    uint16_t ok = tb_func(b, "ok", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, q1);
    op0(b, OP_MAP_GET);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, q3);
    op0(b, OP_MAP_GET);
    op0(b, OP_IS_NONE);
    op16(b, OP_LIST, 2);
    op0(b, OP_RET);
    tb_end(b);
    uint16_t bad = tb_func(b, "bad", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op16(b, OP_CONST, q2);
    tb_at(b, 21, 17);
    op0(b, OP_MAP_GET);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, BC_NONE_U16);
    run r;
    run_begin(&r, b);
    val_error e = {"bids[0].scores.Q2", "not an integer"};
    val_map *m = arena_alloc(&r.a, sizeof *m);
    value keys[2] = {txt("Q1"), txt("Q2")};
    value vals[2] = {val_int(4), {0}};
    vals[1].kind = VAL_ERROR;
    vals[1].as.e = &e;
    m->count = 2;
    m->keys = keys;
    m->vals = vals;
    value mv = {0};
    mv.kind = VAL_MAP;
    mv.as.m = m;
    assert_int_equal(vm_call(r.v, &r.a, ok, &mv, 1, &r.out, &r.err), VM_OK);
    assert_int_equal(item(&r.out, 0)->as.i, 4);
    assert_true(item(&r.out, 1)->as.b);
    assert_int_equal(vm_call(r.v, &r.a, bad, &mv, 1, &r.out, &r.err),
                     VM_DATA_ERROR);
    assert_string_equal(r.err.path, "bids[0].scores.Q2");
    assert_string_equal(r.err.msg, "not an integer");
    assert_int_equal(r.err.line, 21);
    assert_int_equal(r.err.col, 17);
    assert_null(r.err.trace);
    run_end(&r);
}

/* Tender {weights: Weights, bids: list of Bid, lead: optional Bid,
 * by_id: map of Bid}; Weights {total: decimal}; Bid {supplier: text,
 * price: decimal}.  Checks: Tender needs a bid ("bids"), Weights a total
 * of 100 (the record itself), Bid a positive price ("price"). */
typedef struct checks {
    uint16_t tender, weights, bid;
} checks;

static tb *checks_program(checks *c)
{
    tb *b = tb_new();
    uint16_t t_tender = tb_type(b, BT_RECORD, 0);
    uint16_t t_weights = tb_type(b, BT_RECORD, 1);
    uint16_t t_bid = tb_type(b, BT_RECORD, 2);
    uint16_t t_bids = tb_type(b, BT_LIST, t_bid);
    uint16_t t_dec = tb_type(b, BT_DEC, 0);
    uint16_t t_text = tb_type(b, BT_TEXT, 0);
    uint16_t t_lead = tb_type(b, BT_OPTIONAL, t_bid);
    uint16_t t_map = tb_type(b, BT_MAP, t_bid);
    uint16_t t_ints = tb_type(b, BT_LIST, tb_type(b, BT_INT, 0));
    (void)t_tender;
    static const char *const tn[] = {"weights", "bids", "lead", "by_id",
                                     "counts"};
    uint16_t tt[] = {t_weights, t_bids, t_lead, t_map, t_ints};
    static const char *const wn[] = {"total"};
    static const char *const bn[] = {"supplier", "price"};
    uint16_t bt[] = {t_text, t_dec};
    c->tender = tb_record(b, "Tender", 5, tn, tt);
    c->weights = tb_record(b, "Weights", 1, wn, &t_dec);
    c->bid = tb_record(b, "Bid", 2, bn, bt);

    uint16_t tf = tb_func(b, "tender_ok", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op16_16(b, OP_FIELD, c->tender, 1);
    op0(b, OP_LIST_LEN);
    op16(b, OP_CONST, tb_k_int(b, 0));
    op0(b, OP_GT);
    uint32_t j = op32(b, OP_JUMP_IF_TRUE, 0);
    op16(b, OP_CONST, tb_k_text(b, "a tender needs a bid"));
    op32(b, OP_CHECK_FAIL, tb_str(b, "bids"));
    tb_patch(b, j);
    op0(b, OP_PUSH_NONE);
    op0(b, OP_RET);
    tb_end(b);

    uint16_t wf = tb_func(b, "weights_ok", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op16_16(b, OP_FIELD, c->weights, 0);
    op16(b, OP_CONST, tb_k_dec(b, "100"));
    op0(b, OP_EQ);
    j = op32(b, OP_JUMP_IF_TRUE, 0);
    op16(b, OP_CONST, tb_k_text(b, "weights add up to more than 100"));
    op32(b, OP_CHECK_FAIL, tb_str(b, ""));
    tb_patch(b, j);
    op0(b, OP_PUSH_NONE);
    op0(b, OP_RET);
    tb_end(b);

    uint16_t bf = tb_func(b, "bid_ok", 1, 1, 0);
    op16(b, OP_LOAD, 0);
    op16_16(b, OP_FIELD, c->bid, 1);
    op16(b, OP_CONST, tb_k_dec(b, "0"));
    op0(b, OP_GT);
    j = op32(b, OP_JUMP_IF_TRUE, 0);
    op16(b, OP_CONST, tb_k_text(b, "must be more than 0"));
    op32(b, OP_CHECK_FAIL, tb_str(b, "price"));
    tb_patch(b, j);
    op0(b, OP_PUSH_NONE);
    op0(b, OP_RET);
    tb_end(b);

    uint16_t out = tb_func(b, "result", 0, 0, 0);
    op16(b, OP_CONST, tb_k_text(b, "done"));
    op0(b, OP_RET);
    tb_end(b);

    b->records[c->tender].check_fn = tf;
    b->records[c->weights].check_fn = wf;
    b->records[c->bid].check_fn = bf;
    tb_finish(b, out);
    return b;
}

static value mk_bid(arena *a, uint16_t type, const char *id, const char *price)
{
    value f[2] = {txt(id), val_dec(parse_dec(a, price))};
    return mk_record(a, type, 2, f);
}

static value mk_tender(arena *a, const checks *c, const char *total,
                       uint32_t nbids, const char *const *prices,
                       const char *lead_price, const char *map_price)
{
    value w = val_dec(parse_dec(a, total));
    value bids[8];
    for (uint32_t i = 0; i < nbids; i++) {
        char id[16];
        snprintf(id, sizeof id, "S-%u", i);
        bids[i] = mk_bid(a, c->bid, arena_strndup(a, id, strlen(id)),
                         prices[i]);
    }
    value f[5];
    f[0] = mk_record(a, c->weights, 1, &w);
    f[1] = mk_list(a, nbids, bids);
    f[2] = lead_price ? mk_bid(a, c->bid, "S-L", lead_price) : val_none();
    val_map *m = arena_alloc(a, sizeof *m);
    value *keys = arena_alloc(a, 2 * sizeof(value));
    value *vals = arena_alloc(a, 2 * sizeof(value));
    static val_error unbound = {"by_id.S-X", "not a bid"};
    keys[0] = txt("S-X");
    vals[0] = (value){0};
    vals[0].kind = VAL_ERROR; /* left for MAP_GET; the walker skips it */
    vals[0].as.e = &unbound;
    keys[1] = txt("S-2");
    vals[1] = mk_bid(a, c->bid, "S-2", map_price);
    m->count = 2;
    m->keys = keys;
    m->vals = vals;
    f[3] = (value){0};
    f[3].kind = VAL_MAP;
    f[3].as.m = m;
    value one = val_int(1);
    f[4] = mk_list(a, 1, &one);
    return mk_record(a, c->tender, 5, f);
}

static void test_vm_checks_paths(void **state)
{
    checks c;
    run r;
    run_begin(&r, checks_program(&c));
    static const char *const good[] = {"10", "20", "30"};
    static const char *const bad1[] = {"10", "-1", "0"};

    value in = mk_tender(&r.a, &c, "100", 3, good, "5", "7");
    assert_int_equal(run_eval(&r, &in), VM_OK);
    assert_text(&r.out, "done");

    in = mk_tender(&r.a, &c, "100", 3, bad1, "5", "7");
    assert_int_equal(run_eval(&r, &in), VM_DATA_ERROR);
    assert_string_equal(r.err.path, "bids[1].price");
    assert_string_equal(r.err.msg, "must be more than 0");
    assert_null(r.err.trace);
    assert_int_equal(r.out.kind, VAL_NONE);

    /* Parent before children, fields in order: weights before bids. */
    in = mk_tender(&r.a, &c, "101", 3, bad1, "5", "7");
    assert_int_equal(run_eval(&r, &in), VM_DATA_ERROR);
    assert_string_equal(r.err.path, "weights");
    assert_string_equal(r.err.msg, "weights add up to more than 100");

    /* The tender's own check runs before its fields'. */
    in = mk_tender(&r.a, &c, "101", 0, NULL, "5", "7");
    assert_int_equal(run_eval(&r, &in), VM_DATA_ERROR);
    assert_string_equal(r.err.path, "bids");
    assert_string_equal(r.err.msg, "a tender needs a bid");

    /* Optionals and map values. */
    in = mk_tender(&r.a, &c, "100", 3, good, "-5", "7");
    assert_int_equal(run_eval(&r, &in), VM_DATA_ERROR);
    assert_string_equal(r.err.path, "lead.price");
    in = mk_tender(&r.a, &c, "100", 3, good, NULL, "0");
    assert_int_equal(run_eval(&r, &in), VM_DATA_ERROR);
    assert_string_equal(r.err.path, "by_id.S-2.price");
    in = mk_tender(&r.a, &c, "100", 3, good, NULL, "1");
    assert_int_equal(run_eval(&r, &in), VM_OK);

    /* An input that is not the input record. */
    value wrong = val_int(3);
    assert_int_equal(run_eval(&r, &wrong), VM_RUNTIME_ERROR);
    run_end(&r);
}

/* ---- type confusion ---------------------------------------------------- */

/* Builds main from [code] (operands inline, ends in RET) over constants
 * 0: int 1, 1: text "t", 2: decimal 2, 3: date; records 0 and 1 with one
 * int field each.  The program verifies; running it must report type
 * confusion at [op] rather than crash. */
static void expect_confusion(const uint8_t *code, size_t len, const char *op)
{
    tb *b = tb_new();
    uint16_t t_int = tb_type(b, BT_INT, 0);
    static const char *const names[] = {"x"};
    tb_record(b, "A", 1, names, &t_int);
    tb_record(b, "B", 1, names, &t_int);
    tb_type(b, BT_RECORD, 0);
    tb_k_int(b, 1);
    tb_k_text(b, "t");
    tb_k_dec(b, "2");
    tb_k(b, kinded(VAL_DATE, 0));
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    for (size_t i = 0; i < len;) {
        bc_op o = (bc_op)code[i];
        size_t n = bc_ops[o].len - 1u;
        tb_emit(b, o, code + i + 1, n);
        i += 1 + n;
    }
    tb_end(b);
    /* An input record of type 0 whose field is an int. */
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    value x = val_int(1);
    value in = mk_record(&r.a, 0, 1, &x);
    assert_int_equal(run_eval(&r, &in), VM_RUNTIME_ERROR);
    char want[64];
    snprintf(want, sizeof want, "bytecode type confusion at %s", op);
    assert_string_equal(r.err.msg, want);
    assert_int_equal(r.err.line, 1);
    run_end(&r);
}

#define K(i) OP_CONST, (i), 0
#define CONFUSION(op, ...)                                                     \
    do {                                                                       \
        static const uint8_t code_[] = {__VA_ARGS__, OP_RET};                  \
        expect_confusion(code_, sizeof code_, op);                             \
    } while (0)

static void test_vm_type_confusion(void **state)
{
    CONFUSION("ADD_INT", K(1), K(0), OP_ADD_INT);
    CONFUSION("NEG_INT", K(2), OP_NEG_INT);
    CONFUSION("INT_TO_DEC", K(2), OP_INT_TO_DEC);
    CONFUSION("ADD_DEC", K(0), K(2), OP_ADD_DEC);
    CONFUSION("SUB_DEC", K(2), K(1), OP_SUB_DEC);
    CONFUSION("DIV_DEC", K(0), K(0), OP_DIV_DEC);
    CONFUSION("MUL_DEC", K(3), K(2), OP_MUL_DEC);
    CONFUSION("NEG_DEC", K(0), OP_NEG_DEC);
    CONFUSION("ROUND", K(1), K(0), OP_ROUND, 0);
    CONFUSION("ROUND", K(2), K(2), OP_ROUND, 0);
    CONFUSION("ADD_DAYS", K(3), K(0), OP_ADD_DAYS);
    CONFUSION("NOT", K(0), OP_NOT);
    CONFUSION("JUMP_IF_FALSE", K(0), K(0), OP_JUMP_IF_FALSE, 11, 0, 0, 0);
    CONFUSION("JUMP_IF_TRUE", K(0), K(1), OP_JUMP_IF_TRUE, 11, 0, 0, 0);
    CONFUSION("FIELD", K(0), OP_FIELD, 0, 0, 0, 0);
    CONFUSION("FIELD", OP_INPUT, OP_FIELD, 1, 0, 0, 0); /* wrong record */
    CONFUSION("LIST_LEN", K(1), OP_LIST_LEN);
    CONFUSION("LIST_GET", K(0), K(0), OP_LIST_GET);
    CONFUSION("LIST_GET", K(0), OP_LIST, 1, 0, K(1), OP_LIST_GET);
    CONFUSION("LIST_APPEND", K(0), K(0), OP_LIST_APPEND);
    CONFUSION("MAP_GET", OP_INPUT, K(1), OP_MAP_GET);
    CONFUSION("IN", K(0), K(0), OP_IN);
    CONFUSION("CONCAT", K(1), K(0), OP_CONCAT);
    CONFUSION("TO_TEXT", OP_LIST_NEW, OP_TO_TEXT, 0xFF);
    CONFUSION("TO_TEXT", OP_INPUT, OP_TO_TEXT, 0xFF);
    CONFUSION("SORT", K(0), OP_SORT, 1, 0);
    CONFUSION("SORT", K(0), OP_LIST, 1, 0, OP_SORT, 1, 0);
    CONFUSION("FAIL", K(0), OP_FAIL);
    CONFUSION("CHECK_FAIL", K(0), OP_CHECK_FAIL, 0, 0, 0, 0);
}

/* ---- TO_TEXT ----------------------------------------------------------- */

static void test_vm_to_text(void **state)
{
    tb *b = tb_new();
    /* enum 0: buyer type {central, sub-central} */
    b->members[0] = (bc_member){tb_str(b, "central"), tb_str(b, "central")};
    b->members[1] = (bc_member){tb_str(b, "sub_central"),
                                tb_str(b, "sub-central")};
    b->nmembers = 2;
    b->enums[0] = (bc_enum){tb_str(b, "BuyerType"), tb_str(b, "buyer type"),
                            0, 2};
    b->nenums = 1;
    int64_t day;
    assert_true(date_parse("2026-03-14", 10, &day));
    date_instant t;
    const char *ts = "2026-04-02T12:32:00.5+01:00";
    assert_true(date_instant_parse(ts, strlen(ts), &t));
    value tv = {0};
    tv.kind = VAL_DATETIME;
    tv.as.t = t;
    value ev = kinded(VAL_ENUM, 1);
    ev.type = 0;
    static const struct {
        uint8_t places;
        const char *want;
    } want[] = {
        {0xFF, "-42"},
        {0xFF, "-9223372036854775808"},
        {2, "38.20"},
        {0, "7"},
        {3, "0.125"},                      /* 1/8, computed */
        {0xFF, "0.3"},
        {2 | BC_TEXT_GROUPED | BC_TEXT_POUND, "-\u00a31,234,567.50"},
        {0xFF, "true"},
        {0xFF, "false"},
        {0xFF, "2026-03-14"},
        {0xFF, "2026-04-02T12:32:00.5+01:00"}, /* its own offset */
        {0xFF, "30 days"},
        {0xFF, "sub-central"},
        {0xFF, "abc"},
        {0xFF, "none"},
        {0xFF, ""},
        /* money: separators between threes, the pound after the sign */
        {0 | BC_TEXT_GROUPED, "999"},
        {0 | BC_TEXT_GROUPED, "1,000"},
        {1 | BC_TEXT_GROUPED, "-100,000.5"},
        {2 | BC_TEXT_GROUPED | BC_TEXT_POUND, "\u00a30.00"},
        {2 | BC_TEXT_POUND, "-\u00a30.05"},
        {2 | BC_TEXT_GROUPED | BC_TEXT_POUND, "\u00a3123,456,789,012,345,678,901,234.00"},
    };
    uint16_t ks[] = {
        tb_k_int(b, -42), tb_k_int(b, INT64_MIN), tb_k_dec(b, "38.2"),
        tb_k_dec(b, "7"), 0 /* 1/8, computed */, tb_k_dec(b, "0.30"),
        tb_k_dec(b, "-1234567.5"), tb_k(b, val_bool(true)),
        tb_k(b, val_bool(false)), tb_k(b, kinded(VAL_DATE, day)), tb_k(b, tv),
        tb_k(b, kinded(VAL_DURATION, 30)), tb_k(b, ev), tb_k_text(b, "abc"),
        tb_k(b, val_none()), tb_k_text(b, ""), tb_k_dec(b, "999"),
        tb_k_dec(b, "1000"), tb_k_dec(b, "-100000.5"), tb_k_dec(b, "0"),
        tb_k_dec(b, "-0.05"), tb_k_dec(b, "123456789012345678901234"),
    };
    size_t n = sizeof ks / sizeof ks[0];
    uint16_t one = tb_k_dec(b, "1"), eight = tb_k_dec(b, "8");
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        if (i == 4) {
            op16(b, OP_CONST, one);
            op16(b, OP_CONST, eight);
            op0(b, OP_DIV_DEC);
        } else {
            op16(b, OP_CONST, ks[i]);
        }
        op8(b, OP_TO_TEXT, want[i].places);
    }
    op16(b, OP_LIST, (uint16_t)n);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);
    run r;
    run_begin(&r, b);
    assert_int_equal(run_eval(&r, NULL), VM_OK);
    for (size_t i = 0; i < n; i++) {
        assert_text(item(&r.out, (uint32_t)i), want[i].want);
    }
    run_end(&r);
}

/* text() of a number it cannot write exactly in the places asked: a
 * runtime error whose message says to round first. */
static void test_vm_to_text_inexact(void **state)
{
    static const struct {
        const char *num, *den;
        uint8_t places;
        const char *msg;
    } cases[] = {
        {"1", "3", 2, "text() of 0.33333333333333333333...: no exact decimal "
                      "form; round it first, as in text(round(x, 2, half up))"},
        {"1", "3", 0xFF, "text() of 0.33333333333333333333...: no exact "
                         "decimal form; round it first, as in "
                         "text(round(x, 2, half up))"},
        {"1", "3", BC_TEXT_PERCENT,
         "text() of 33.33333333333333333333...%: no exact decimal form; "
         "round it first, as in text(round(x, 2, half up))"},
        {"1", "8", 2 | BC_TEXT_GROUPED | BC_TEXT_POUND,
         "text() of 0.125: more than 2 decimal places; round it first, as "
         "in text(round(x, 2, half up))"},
        {"1", "8", 1, "text() of 0.125: more than 1 decimal place; round it "
                      "first, as in text(round(x, 1, half up))"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tb *b = tb_new();
        uint16_t f = tb_func(b, "main", 0, 0, 0);
        op16(b, OP_CONST, tb_k_dec(b, cases[i].num));
        op16(b, OP_CONST, tb_k_dec(b, cases[i].den));
        op0(b, OP_DIV_DEC);
        tb_at(b, 4, 9);
        op8(b, OP_TO_TEXT, cases[i].places);
        op0(b, OP_RET);
        tb_end(b);
        tb_finish(b, f);
        run r;
        run_begin(&r, b);
        assert_int_equal(run_eval(&r, NULL), VM_RUNTIME_ERROR);
        assert_string_equal(r.err.msg, cases[i].msg);
        assert_int_equal(r.err.line, 4);
        assert_int_equal(r.err.col, 9);
        run_end(&r);
    }
}

/* ---- memory ------------------------------------------------------------ */

static void test_vm_out_of_memory(void **state)
{
    tb *b = tb_new();
    uint16_t f = tb_func(b, "main", 0, 0, 0);
    op16(b, OP_CONST, tb_k_text(b, "ab"));
    op16(b, OP_CONST, tb_k_text(b, "cd"));
    op0(b, OP_CONCAT);
    op0(b, OP_RET);
    tb_end(b);
    tb_finish(b, f);

    /* vm_new fails cleanly at each of its allocations. */
    size_t base = b->mem.live;
    vm *v = NULL;
    for (long k = 1; !v; k++) {
        assert_true(k < 50);
        b->mem.fail_at = k;
        v = vm_new(&b->mem, b->p);
        if (!v) {
            assert_int_equal(b->mem.live, base);
        }
    }
    b->mem.fail_at = 0;

    /* The record arena cannot get its first chunk: CONCAT fails. */
    arena inputs;
    arena_init(&inputs, NULL);
    value in = mk_record(&inputs, 0, 0, NULL);
    mem_ctx rm;
    mem_init(&rm);
    rm.cap = 1;
    arena a;
    arena_init(&a, &rm);
    value out;
    vm_error err;
    assert_int_equal(vm_eval(v, &a, &in, &out, &err), VM_ENOMEM);
    assert_string_equal(err.msg, "out of memory");
    assert_int_equal(out.kind, VAL_NONE);
    /* With memory it works, on the same vm. */
    rm.cap = 0;
    assert_int_equal(vm_eval(v, &a, &in, &out, &err), VM_OK);
    assert_text(&out, "abcd");
    vm_free(v);
    arena_free(&a);
    assert_int_equal(rm.live, 0);
    arena_free(&inputs);
    tb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_dec_exact),
        cmocka_unit_test(test_vm_dec_spec_example),
        cmocka_unit_test(test_vm_int_checked),
        cmocka_unit_test(test_vm_div_zero_position),
        cmocka_unit_test(test_vm_trace_two_frames),
        cmocka_unit_test(test_vm_round_and_dates),
        cmocka_unit_test(test_vm_compare),
        cmocka_unit_test(test_vm_records_and_lists),
        cmocka_unit_test(test_vm_loop_sum),
        cmocka_unit_test(test_vm_budget),
        cmocka_unit_test(test_vm_budget_counts_calls),
        cmocka_unit_test(test_vm_text_limit_checked_before_allocating),
        cmocka_unit_test(test_vm_budget_counts_bytes_copied),
        cmocka_unit_test(test_vm_big_numbers_charged_and_bounded),
        cmocka_unit_test(test_vm_superinstructions),
        cmocka_unit_test(test_vm_memo_once_per_record),
        cmocka_unit_test(test_vm_call_depth_and_stack_growth),
        cmocka_unit_test(test_vm_stack_limit),
        cmocka_unit_test(test_vm_fail),
        cmocka_unit_test(test_vm_sort_stable_mixed),
        cmocka_unit_test(test_vm_map_get),
        cmocka_unit_test(test_vm_checks_paths),
        cmocka_unit_test(test_vm_type_confusion),
        cmocka_unit_test(test_vm_to_text),
        cmocka_unit_test(test_vm_to_text_inexact),
        cmocka_unit_test(test_vm_out_of_memory),
    };
    return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
