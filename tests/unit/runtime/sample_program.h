/* tests/unit/runtime/sample_program.h - the hand-built sample program.
 *
 * sample() builds, without the compiler, a small valid bc_program with
 * every table filled: two records (Tender, Bid), an enum (Ground), types
 * of most kinds, constants of every kind (0.1, a 40-digit decimal, a date,
 * a datetime, a duration, text with an embedded NUL), locations, and two
 * functions: main, a memoised loop over the bids, and check_bid, a record
 * check, assembled by runtime/asm.c as the compiler's code is.
 * test_bcfile.c round-trips and attacks it; test_verify.c breaks
 * it one fault at a time.  Both pin its exact shape: test_verify.c aims at
 * instruction offsets (MAIN_FIELD, ..., checked by
 * test_verify_fixture_layout) and test_bcfile.c counts its table entries,
 * so a change here must keep both or update both.
 *
 * Static functions only; include once per test, after <cmocka.h>.
 */
#ifndef TALLY_TESTS_UNIT_RUNTIME_SAMPLE_PROGRAM_H
#define TALLY_TESTS_UNIT_RUNTIME_SAMPLE_PROGRAM_H

#include <stdint.h>
#include <string.h>

#include "asm.h"
#include "bytecode.h"

#define CAP 32       /* entries per table in the fixture */
#define CODE_CAP 512 /* code bytes in the fixture */

enum {
    S_TITLE, S_VERSION, S_SOURCE, S_INPUT, S_TENDER, S_BID, S_ID, S_BIDS,
    S_PRICE, S_GBP, S_GROUND_T, S_LABEL, S_FRAUD, S_BRIBERY, S_MAIN,
    S_CHECK, S_PATH, S_HELLO, S_NUL, S_GROUND, S_COUNT
};
enum {
    C_NONE, C_TRUE, C_NEG, C_TENTH, C_BIG, C_DATE, C_DATETIME, C_DURATION,
    C_HELLO, C_ENUM, C_NUL, C_ZERO, C_ONE, C_TWO, C_COUNT
};
enum {
    T_TEXT, T_MONEY, T_BID, T_BIDS, T_SCORE, T_GROUND, T_OPT_SCORE, T_DEC,
    T_MAP, T_COUNT
};
enum { R_TENDER, R_BID };
enum { FN_MAIN, FN_CHECK };

#define BIG_DIGITS "1234567890123456789012345678901234567.891" /* 40 digits */

static uint32_t add_str(bc_program *p, const char *s, size_t len)
{
    p->strings[p->nstrings].p = arena_strndup(&p->arena, s, len);
    p->strings[p->nstrings].len = (uint32_t)len;
    return p->nstrings++;
}

/* Appends [op] with operands [x] (of [n]) through the shared assembler,
 * which checks them against opcodes.def; returns the instruction's pc. */
static uint32_t emit_x(bc_program *p, bc_op op, const uint32_t *x, unsigned n)
{
    asm_code c = {p->code, p->code_len, CODE_CAP, false};
    uint32_t pc = asm_emit(&c, op, x, n);
    assert_false(c.failed);
    p->code_len = c.len;
    return pc;
}

static uint32_t emit(bc_program *p, bc_op op)
{
    return emit_x(p, op, NULL, 0);
}

/* emit with operands: EMIT(p, OP_FIELD, record, field). */
#define EMIT(p, op, ...) emit_x((p), (op), ASM_OPERANDS(__VA_ARGS__))

/* Points the jump at [pc] at the next instruction. */
static void land_here(bc_program *p, uint32_t pc)
{
    asm_code c = {p->code, p->code_len, CODE_CAP, false};
    asm_land(&c, pc);
    assert_false(c.failed);
}

static void add_loc(bc_program *p, uint32_t line, uint32_t col)
{
    p->locs[p->nlocs++] = (bc_loc){p->code_len, line, col, BC_NONE_U16};
}

static value text_const(const bc_program *p, uint32_t s)
{
    return val_text(p->strings[s].p, p->strings[s].len);
}

/* The fixture: a valid program exercising every table and constant kind.
 * main sums the bids' prices in a loop and returns a tenth of the total
 * rounded half up to 2 places; check_bid rejects a bid without a price. */
static bc_program *sample(mem_ctx *mem)
{
    bc_program *p = bc_program_new(mem);
    assert_non_null(p);
    arena *a = &p->arena;
    p->strings = arena_zalloc(a, CAP * sizeof *p->strings);
    p->consts = arena_zalloc(a, CAP * sizeof *p->consts);
    p->types = arena_zalloc(a, CAP * sizeof *p->types);
    p->fields = arena_zalloc(a, CAP * sizeof *p->fields);
    p->records = arena_zalloc(a, CAP * sizeof *p->records);
    p->members = arena_zalloc(a, CAP * sizeof *p->members);
    p->enums = arena_zalloc(a, CAP * sizeof *p->enums);
    p->funcs = arena_zalloc(a, CAP * sizeof *p->funcs);
    p->locs = arena_zalloc(a, CAP * sizeof *p->locs);
    p->code = arena_zalloc(a, CODE_CAP);

    static const char *const strs[S_COUNT] = {
        [S_TITLE] = "Sample award",  [S_VERSION] = "2026.1",
        [S_SOURCE] = "sample.tally", [S_INPUT] = "tender",
        [S_TENDER] = "Tender",       [S_BID] = "Bid",
        [S_ID] = "id",               [S_BIDS] = "bids",
        [S_PRICE] = "price",         [S_GBP] = "GBP",
        [S_GROUND_T] = "Ground",     [S_LABEL] = "exclusion ground",
        [S_FRAUD] = "fraud",         [S_BRIBERY] = "bribery",
        [S_MAIN] = "main",           [S_CHECK] = "check_bid",
        [S_PATH] = "price",          [S_HELLO] = "hello, world",
        [S_NUL] = NULL,              [S_GROUND] = "ground",
    };
    for (int i = 0; i < S_COUNT; i++) {
        if (i == S_NUL) {
            add_str(p, "a\0b", 3); /* embedded NUL survives */
        } else {
            add_str(p, strs[i], strlen(strs[i]));
        }
    }

    dec tenth, big;
    assert_int_equal(dec_parse(a, "0.1", 3, &tenth), DEC_OK);
    assert_int_equal(dec_parse(a, BIG_DIGITS, strlen(BIG_DIGITS), &big),
                     DEC_OK);
    assert_true(DEC_IS_BIG(big));
    int64_t day;
    assert_true(date_from_ymd(2026, 4, 1, &day));
    value c[C_COUNT] = {
        [C_NONE] = val_none(),      [C_TRUE] = val_bool(true),
        [C_NEG] = val_int(-42),     [C_TENTH] = val_dec(tenth),
        [C_BIG] = val_dec(big),     [C_HELLO] = text_const(p, S_HELLO),
        [C_NUL] = text_const(p, S_NUL), [C_ZERO] = val_int(0),
        [C_ONE] = val_int(1),       [C_TWO] = val_int(2),
    };
    c[C_DATE].kind = VAL_DATE;
    c[C_DATE].as.i = day;
    c[C_DATETIME].kind = VAL_DATETIME;
    /* 12:34:56.5Z written as 13:34:56.5+01:00: the offset round-trips */
    c[C_DATETIME].as.t = (date_instant){day * 86400 + 45296, 500000000, 60,
                                        DATE_ZONE_OFFSET, 0};
    c[C_DURATION].kind = VAL_DURATION;
    c[C_DURATION].as.i = 30;
    c[C_ENUM].kind = VAL_ENUM;
    c[C_ENUM].type = 0;
    c[C_ENUM].as.i = 1;
    memcpy(p->consts, c, sizeof c);
    p->nconsts = C_COUNT;

    bc_type t[T_COUNT] = {
        [T_TEXT] = {.kind = BT_TEXT},
        [T_MONEY] = {.kind = BT_MONEY, .places = 2, .currency = S_GBP},
        [T_BID] = {.kind = BT_RECORD, .ref = R_BID},
        [T_BIDS] = {.kind = BT_LIST, .ref = T_BID},
        [T_SCORE] = {.kind = BT_INT, .has_min = 1, .has_max = 1, .min = 0,
                     .max = 100},
        [T_GROUND] = {.kind = BT_ENUM, .ref = 0},
        [T_OPT_SCORE] = {.kind = BT_OPTIONAL, .ref = T_SCORE},
        [T_DEC] = {.kind = BT_DEC, .places = BC_PLACES_ANY},
        [T_MAP] = {.kind = BT_MAP, .ref = T_DEC},
    };
    memcpy(p->types, t, sizeof t);
    p->ntypes = T_COUNT;

    bc_field f[] = {
        {S_ID, S_ID, T_TEXT, BC_NONE_U16, 0},
        {S_BIDS, S_BIDS, T_BIDS, 0, 0}, /* bid ids unique in a tender */
        {S_ID, S_ID, T_TEXT, BC_NONE_U16, 0},
        {S_PRICE, S_PRICE, T_MONEY, BC_NONE_U16, 0},
        {S_GROUND, S_GROUND, T_GROUND, BC_NONE_U16, BC_FIELD_OMIT_NONE},
    };
    memcpy(p->fields, f, sizeof f);
    p->nfields = 5;
    p->records[R_TENDER] = (bc_record){S_TENDER, 0, 2, BC_NONE_U16};
    p->records[R_BID] = (bc_record){S_BID, 2, 3, FN_CHECK};
    p->nrecords = 2;
    p->members[0] = (bc_member){S_FRAUD, S_FRAUD};
    p->members[1] = (bc_member){S_BRIBERY, S_BRIBERY};
    p->nmembers = 2;
    p->enums[0] = (bc_enum){S_GROUND_T, S_LABEL, 0, 2};
    p->nenums = 1;

    /* main: total = 0; i = 0; while i < len(bids): total += bids[i].price;
     * return round(total * 0.1, 2, half up) */
    add_loc(p, 2, 3);
    emit(p, OP_INPUT);
    EMIT(p, OP_FIELD, R_TENDER, 1);
    EMIT(p, OP_STORE, 0);
    EMIT(p, OP_CONST, C_ZERO);
    emit(p, OP_INT_TO_DEC);
    EMIT(p, OP_STORE, 1);
    EMIT(p, OP_CONST, C_ZERO);
    EMIT(p, OP_STORE, 2);
    uint32_t loop = p->code_len;
    add_loc(p, 3, 5);
    EMIT(p, OP_LOAD, 2);
    EMIT(p, OP_LOAD, 0);
    emit(p, OP_LIST_LEN);
    emit(p, OP_LT);
    uint32_t exit_jump = p->code_len;
    EMIT(p, OP_JUMP_IF_FALSE, 0);
    add_loc(p, 4, 7);
    EMIT(p, OP_LOAD, 1);
    EMIT(p, OP_LOAD, 0);
    EMIT(p, OP_LOAD, 2);
    emit(p, OP_LIST_GET);
    EMIT(p, OP_FIELD, R_BID, 1);
    emit(p, OP_ADD_DEC);
    EMIT(p, OP_STORE, 1);
    EMIT(p, OP_LOAD, 2);
    EMIT(p, OP_CONST, C_ONE);
    emit(p, OP_ADD_INT);
    EMIT(p, OP_STORE, 2);
    EMIT(p, OP_LOOP, loop);
    land_here(p, exit_jump);
    add_loc(p, 5, 3);
    EMIT(p, OP_LOAD, 1);
    EMIT(p, OP_CONST, C_TENTH);
    emit(p, OP_MUL_DEC);
    EMIT(p, OP_CONST, C_TWO);
    EMIT(p, OP_ROUND, DEC_HALF_UP);
    emit(p, OP_RET);
    p->funcs[FN_MAIN] = (bc_func){S_MAIN, 0, 3, 3, BC_FUNC_MEMO, 0,
                                  p->code_len};

    /* check_bid(bid): if bid.price is none, reject at "price" */
    uint32_t off = p->code_len;
    add_loc(p, 8, 3);
    EMIT(p, OP_LOAD, 0);
    EMIT(p, OP_FIELD, R_BID, 1);
    emit(p, OP_IS_NONE);
    uint32_t skip = p->code_len;
    EMIT(p, OP_JUMP_IF_FALSE, 0);
    EMIT(p, OP_CONST, C_HELLO);
    EMIT(p, OP_CHECK_FAIL, S_PATH);
    land_here(p, skip);
    add_loc(p, 9, 3);
    emit(p, OP_PUSH_TRUE);
    emit(p, OP_RET);
    p->funcs[FN_CHECK] = (bc_func){S_CHECK, 1, 1, 1, 0, off,
                                   p->code_len - off};
    p->nfuncs = 2;

    p->title = S_TITLE;
    p->version = S_VERSION;
    p->source = S_SOURCE;
    p->input_record = R_TENDER;
    p->input_name = S_INPUT;
    p->key_field = 0;
    p->output_func = FN_MAIN;
    p->output_type = T_DEC;
    return p;
}

#endif /* TALLY_TESTS_UNIT_RUNTIME_SAMPLE_PROGRAM_H */
