/* tests/unit/runtime/test_verify.c - unit tests for runtime/verify.c.
 *
 * Starts from a valid hand-built program (sample_program.h, shared with
 * test_bcfile.c: two records, an enum, constants of every kind, a
 * function with a loop and a record check) and breaks one thing at a
 * time: every table cross-reference, every operand check, every jump
 * rule and every stack rule.  Each case checks the verifier's message
 * text, so a wrong diagnosis fails as surely as a missed one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bytecode.h"
#include "verify.h"

#include "sample_program.h"

/* Offsets of instructions the cases below aim at, within their function;
 * test_verify_fixture_layout keeps them honest. */
#define MAIN_FIELD 1  /* FIELD Tender.bids */
#define MAIN_STORE 6  /* STORE 0 */
#define MAIN_CONST 9  /* CONST 11 */
#define MAIN_CONST2 16 /* CONST 11 */
#define MAIN_LOOP_HEAD 22 /* LOAD 2 */
#define MAIN_JIF 30   /* JUMP_IF_FALSE -> 69 */
#define MAIN_FIELD2 45 /* FIELD Bid.price */
#define MAIN_LOOP 64  /* LOOP -> 22 */
#define MAIN_END 69   /* LOAD 1 */
#define MAIN_ROUND 79 /* ROUND half up */
#define MAIN_RET 81   /* RET */
#define MAIN_LEN 82
#define CHECK_JIF 9   /* JUMP_IF_FALSE -> 22 */
#define CHECK_FAIL 17 /* CHECK_FAIL "price" */
#define CHECK_OK 22   /* PUSH_TRUE */
#define CHECK_LEN 24

static uint8_t *at(bc_program *p, uint32_t fn, uint32_t off)
{
    return &p->code[p->funcs[fn].code_off + off];
}

static void set_u16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void set_u32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
}

static void assert_verifies(const bc_program *p)
{
    char err[256] = "";
    if (!vfy_program(p, err, sizeof err)) {
        fail_msg("rejected: %s", err);
    }
}

/* ---- valid programs -------------------------------------------------- */

static void test_verify_fixture_layout(void **state)
{
    bc_program *p = sample(NULL);
    static const struct {
        uint32_t fn, off;
        bc_op op;
    } want[] = {
        {FN_MAIN, MAIN_FIELD, OP_FIELD},
        {FN_MAIN, MAIN_STORE, OP_STORE},
        {FN_MAIN, MAIN_CONST, OP_CONST},
        {FN_MAIN, MAIN_CONST2, OP_CONST},
        {FN_MAIN, MAIN_LOOP_HEAD, OP_LOAD},
        {FN_MAIN, MAIN_JIF, OP_JUMP_IF_FALSE},
        {FN_MAIN, MAIN_FIELD2, OP_FIELD},
        {FN_MAIN, MAIN_LOOP, OP_LOOP},
        {FN_MAIN, MAIN_END, OP_LOAD},
        {FN_MAIN, MAIN_ROUND, OP_ROUND},
        {FN_MAIN, MAIN_RET, OP_RET},
        {FN_CHECK, CHECK_JIF, OP_JUMP_IF_FALSE},
        {FN_CHECK, CHECK_FAIL, OP_CHECK_FAIL},
        {FN_CHECK, CHECK_OK, OP_PUSH_TRUE},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(*at(p, want[i].fn, want[i].off), want[i].op);
    }
    assert_int_equal(p->funcs[FN_MAIN].code_len, MAIN_LEN);
    assert_int_equal(p->funcs[FN_CHECK].code_len, CHECK_LEN);
    assert_int_equal(p->code_len, MAIN_LEN + CHECK_LEN);
    assert_int_equal(bc_u32(at(p, FN_MAIN, MAIN_JIF) + 1), MAIN_END);
    assert_int_equal(bc_u32(at(p, FN_MAIN, MAIN_LOOP) + 1), MAIN_LOOP_HEAD);
    assert_int_equal(bc_u32(at(p, FN_CHECK, CHECK_JIF) + 1),
                     MAIN_LEN + CHECK_OK);
    bc_program_free(p);
}

/* The sample with a report added verifies: the fixture of the report
 * faults below is valid without them. */
static bc_report *add_report(bc_program *p);
static void test_verify_accepts_report(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = sample(&mem);
    add_report(p);
    assert_verifies(p);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_verify_accepts_sample(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = sample(&mem);
    size_t before = mem.live;
    assert_verifies(p);
    assert_int_equal(mem.live, before); /* scratch all returned */
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

/* check_bid opens with LOAD 0; FIELD Bid.price (7 bytes): rewrites it as
 * the fused LOAD_FIELD [slot] [rec] [field], also 7 bytes. */
static void fuse_check_load(bc_program *p, uint16_t slot, uint16_t rec,
                            uint16_t field)
{
    uint8_t *ins = at(p, FN_CHECK, 0);
    assert_int_equal(ins[0], OP_LOAD);
    assert_int_equal(ins[3], OP_FIELD);
    ins[0] = OP_LOAD_FIELD;
    set_u16(ins + 1, slot);
    set_u16(ins + 3, rec);
    set_u16(ins + 5, field);
}

static void test_verify_accepts_variants(void **state)
{
    /* the compiler's fused LOAD_FIELD for LOAD then FIELD */
    bc_program *fused = sample(NULL);
    fuse_check_load(fused, 0, R_BID, 1);
    assert_verifies(fused);
    bc_program_free(fused);

    /* no output function: a library; vm_eval refuses to run it */
    bc_program *p = sample(NULL);
    p->output_func = BC_NONE_U16;
    p->output_type = BC_NONE_U16;
    assert_verifies(p);
    bc_program_free(p);

    /* no key field */
    p = sample(NULL);
    p->key_field = BC_NONE_U16;
    assert_verifies(p);
    bc_program_free(p);

    /* unreachable bytes after the last RET need not end in one */
    p = sample(NULL);
    p->code[p->code_len++] = OP_NOP;
    p->code[p->code_len++] = OP_DUP;
    p->funcs[FN_CHECK].code_len += 2;
    assert_verifies(p);
    bc_program_free(p);

    /* CALL pops the callee's arity: main calls itself with no argument */
    p = sample(NULL);
    *at(p, FN_MAIN, MAIN_CONST2) = OP_CALL;
    set_u16(at(p, FN_MAIN, MAIN_CONST2) + 1, FN_MAIN);
    assert_verifies(p);
    bc_program_free(p);

    /* TO_TEXT takes 0..30 places, each perhaps flagged grouped (0x40)
     * and with a pound sign (0x80), 254 (percent) or 255 (shortest) */
    for (int places = 0; places <= 255; places++) {
        if ((places & 0x3F) > 30 && places < 254) {
            continue;
        }
        p = sample(NULL);
        uint8_t *ins = at(p, FN_MAIN, MAIN_ROUND);
        ins[0] = OP_TO_TEXT; /* x, places -> x, text: RET returns the text */
        ins[1] = (uint8_t)places;
        assert_verifies(p);
        bc_program_free(p);
    }

    /* a LOOP to itself is a legal (budgeted) cycle; gaps between
     * functions are allowed */
    p = sample(NULL);
    uint32_t off = p->code_len + 3;
    p->code[off] = OP_LOOP;
    set_u32(&p->code[off + 1], off);
    p->funcs[2] = (bc_func){S_MAIN, 0, 0, 0, 0, off, 5};
    p->nfuncs = 3;
    p->code_len = off + 5;
    assert_verifies(p);
    bc_program_free(p);

    /* an empty program is not one: it has no input record */
    p = bc_program_new(NULL);
    char err[256];
    assert_false(vfy_program(p, err, sizeof err));
    assert_string_equal(err, "header: title string 0 out of range (0 strings)");
    assert_false(vfy_program(p, NULL, 0)); /* no buffer is fine */
    bc_program_free(p);
}

static void test_verify_out_of_memory(void **state)
{
    for (long n = 1;; n++) {
        mem_ctx mem;
        mem_init(&mem);
        bc_program *p = sample(&mem);
        size_t before = mem.live;
        mem.fail_at = n;
        char err[256];
        rt_status st = vfy_check(p, err, sizeof err);
        assert_int_equal(mem.live, before);
        bc_program_free(p);
        if (st == RT_OK) {
            assert_true(n > 1);
            break;
        }
        /* the status says it, not only the message */
        assert_int_equal(st, RT_ENOMEM);
        assert_string_equal(err, "out of memory");
    }
}

/* ---- one broken thing at a time -------------------------------------- */

#define MUTATE(name) static void mut_##name(bc_program *p)

/* tables */
MUTATE(no_table) { p->locs = NULL; }
MUTATE(null_string) { p->strings[3].p = NULL; }
/* citations */
static bc_cite *add_cite(bc_program *p)
{
    p->cites = arena_zalloc(&p->arena, sizeof *p->cites);
    assert_non_null(p->cites);
    p->cites[0] = (bc_cite){S_HELLO, BC_NO_STRING, S_MAIN, FN_MAIN};
    p->ncites = 1;
    return p->cites;
}
MUTATE(cite_no_table) { p->ncites = 1; }
MUTATE(cite_text) { add_cite(p)->text = p->nstrings; }
MUTATE(cite_url) { add_cite(p)->url = p->nstrings + 7; }
MUTATE(cite_by) { add_cite(p)->by = BC_NO_STRING; }
MUTATE(cite_func) { add_cite(p)->func = 2; }
MUTATE(origin) { p->origin = p->nstrings; }
/* parameters */
static bc_param *add_param(bc_program *p)
{
    p->params = arena_zalloc(&p->arena, sizeof *p->params);
    p->param_rows = arena_zalloc(&p->arena, sizeof *p->param_rows);
    assert_true(p->params && p->param_rows);
    p->params[0] = (bc_param){S_MAIN, FN_MAIN, T_TEXT, 0, 1};
    p->param_rows[0] = (bc_span_days){100, 200};
    p->nparams = 1;
    p->nparam_rows = 1;
    return p->params;
}
MUTATE(param_name) { add_param(p)->name = p->nstrings; }
MUTATE(param_func) { add_param(p)->func = 2; }
MUTATE(param_rows) { add_param(p)->nrows = 2; }
MUTATE(param_row_order) { add_param(p); p->param_rows[0].until = 99; }
/* types */
MUTATE(type_kind) { p->types[T_TEXT].kind = 99; }
MUTATE(type_bound_flag) { p->types[T_SCORE].has_min = 2; }
MUTATE(type_enum_ref) { p->types[T_GROUND].ref = 1; }
MUTATE(type_record_ref) { p->types[T_BID].ref = 2; }
MUTATE(type_elem_ref) { p->types[T_BIDS].ref = T_COUNT; }
MUTATE(type_map_ref) { p->types[T_MAP].ref = 0xFFFF; }
MUTATE(type_opt_opt) { p->types[T_OPT_SCORE].ref = T_OPT_SCORE; }
MUTATE(type_cycle)
{
    p->types[T_MAP].ref = T_BIDS;
    p->types[T_BIDS].ref = T_MAP;
}
MUTATE(type_self_list) { p->types[T_BIDS].ref = T_BIDS; }
MUTATE(type_currency) { p->types[T_MONEY].currency = 500; }
MUTATE(type_places) { p->types[T_MONEY].places = 31; }
MUTATE(type_min_max) { p->types[T_SCORE].min = 101; }
/* records */
MUTATE(record_name) { p->records[R_TENDER].name = S_COUNT; }
MUTATE(record_fields) { p->records[R_BID].nfields = 4; }
MUTATE(record_fields_wrap) { p->records[R_BID].first_field = 0xFFFFFFFF; }
MUTATE(check_fn_range) { p->records[R_BID].check_fn = 2; }
MUTATE(check_fn_arity) { p->records[R_BID].check_fn = FN_MAIN; }
/* fields */
MUTATE(field_name) { p->fields[0].name = 999; }
MUTATE(field_json) { p->fields[2].json = 99; }
MUTATE(field_type) { p->fields[3].type = T_COUNT; }
MUTATE(field_flags) { p->fields[4].flags = 0x82; }
MUTATE(unique_not_list) { p->fields[0].unique_key = 0; }
MUTATE(unique_not_records)
{
    p->types[T_BIDS].ref = T_TEXT; /* list of text */
}
MUTATE(unique_range) { p->fields[1].unique_key = 3; }
/* enums */
MUTATE(member_json) { p->members[1].json = S_COUNT; }
MUTATE(enum_label) { p->enums[0].label = 25; }
MUTATE(enum_members) { p->enums[0].nmembers = 3; }
/* constants */
MUTATE(const_enum_type) { p->consts[C_ENUM].type = 1; }
MUTATE(const_enum_ordinal) { p->consts[C_ENUM].as.i = 2; }
MUTATE(const_enum_negative) { p->consts[C_ENUM].as.i = -1; }
MUTATE(const_text_pointer)
{
    p->consts[C_HELLO].as.s += 1; /* inside "hello, world" */
    p->consts[C_HELLO].len -= 1;
}
MUTATE(const_text_len) { p->consts[C_HELLO].len = 3; }
MUTATE(const_kind) { p->consts[C_NONE].kind = VAL_LIST; }
MUTATE(const_nsec) { p->consts[C_DATETIME].as.t.nsec = 1000000000; }
MUTATE(const_date) { p->consts[C_DATE].as.i = 2932897; }
MUTATE(const_datetime) { p->consts[C_DATETIME].as.t.sec = INT64_MIN; }
MUTATE(const_offset) { p->consts[C_DATETIME].as.t.off = 24 * 60; }
MUTATE(const_zone) { p->consts[C_DATETIME].as.t.zone = DATE_ZONE_COUNT; }
/* functions */
MUTATE(func_name) { p->funcs[FN_CHECK].name = S_COUNT; }
MUTATE(func_arity) { p->funcs[FN_CHECK].nlocals = 0; }
MUTATE(func_flags) { p->funcs[FN_CHECK].flags = 4; }
MUTATE(func_memo_arity) { p->funcs[FN_CHECK].flags = BC_FUNC_MEMO; }
MUTATE(func_empty) { p->funcs[FN_CHECK].code_len = 0; }
MUTATE(func_outside) { p->funcs[FN_CHECK].code_len = CHECK_LEN + 1; }
MUTATE(func_wraps) { p->funcs[FN_CHECK].code_off = 0xFFFFFFF0; }
MUTATE(func_overlap) { p->funcs[FN_CHECK].code_off = MAIN_LEN - 2; }
/* header */
MUTATE(header_title) { p->title = S_COUNT; }
MUTATE(header_input_name) { p->input_name = 77; }
MUTATE(input_record) { p->input_record = 2; }
MUTATE(key_field_range) { p->key_field = 2; }
MUTATE(key_field_type) { p->key_field = 1; }
MUTATE(output_func_range) { p->output_func = 2; }
MUTATE(output_func_arity) { p->output_func = FN_CHECK; }
MUTATE(output_type) { p->output_type = T_COUNT; }
MUTATE(findings_func_range) { p->findings_func = 2; p->findings_type = T_BIDS; }
MUTATE(findings_func_arity) { p->findings_func = FN_CHECK; p->findings_type = T_BIDS; }
MUTATE(findings_type_shape) { p->findings_func = FN_MAIN; p->findings_type = T_BIDS; }
MUTATE(findings_type_range) { p->findings_func = FN_MAIN; p->findings_type = T_COUNT; }
/* reports: a valid one first (each bid a row: key id, the sum of the
 * prices, the greatest ground), then one fault each */
static bc_report *add_report(bc_program *p)
{
    bc_report *r = arena_zalloc(&p->arena, sizeof *r);
    bc_report_col *c = arena_zalloc(&p->arena, 2 * sizeof *c);
    assert_non_null(r);
    assert_non_null(c);
    c[0] = (bc_report_col){BC_AGG_SUM, BC_PLACES_ANY, 0, 0};
    c[1] = (bc_report_col){BC_AGG_MAX, BC_PLACES_ANY, 0, 0};
    *r = (bc_report){S_TITLE, FN_MAIN, T_BIDS, T_BID, 1, 2, BC_NONE_U16, 0, 0, c};
    p->reports = r;
    p->nreports = 1;
    return r;
}
MUTATE(report_func) { add_report(p)->func = FN_CHECK; }
MUTATE(report_types) { add_report(p)->in_type = T_BID; }
MUTATE(report_agg) { add_report(p)->cols[0].agg = 9; }
MUTATE(report_arg_type) { add_report(p)->cols[0].agg = BC_AGG_SHARE; }
MUTATE(report_distinct_list) { add_report(p)->cols[1] = (bc_report_col){BC_AGG_DISTINCT, BC_PLACES_ANY, 0, BC_REPORT_LIST}; }
MUTATE(report_round) { add_report(p)->cols[0].places = 31; }
MUTATE(report_flags) { add_report(p)->cols[0].flags = BC_REPORT_LIST; }
MUTATE(report_top) { bc_report *r = add_report(p); r->top = 3; r->top_col = 5; }
MUTATE(report_top_none) { add_report(p)->top = 3; }
MUTATE(report_name) { add_report(p)->name = 999; }
/* locations */
MUTATE(locs_unsorted)
{
    bc_loc t = p->locs[1];
    p->locs[1] = p->locs[2];
    p->locs[2] = t;
}
MUTATE(loc_outside) { p->locs[p->nlocs - 1].pc = p->code_len; }
/* instructions */
MUTATE(bad_opcode) { *at(p, FN_MAIN, MAIN_RET) = 0xEE; }
MUTATE(cut_operand) { p->funcs[FN_MAIN].code_len = MAIN_ROUND + 1; }
MUTATE(const_range) { set_u16(at(p, FN_MAIN, MAIN_CONST) + 1, C_COUNT); }
MUTATE(load_range) { set_u16(at(p, FN_MAIN, MAIN_LOOP_HEAD) + 1, 3); }
MUTATE(store_range) { set_u16(at(p, FN_MAIN, MAIN_STORE) + 1, 3); }
MUTATE(call_range) { *at(p, FN_MAIN, MAIN_CONST) = OP_CALL; }
MUTATE(field_record) { set_u16(at(p, FN_MAIN, MAIN_FIELD) + 1, 2); }
MUTATE(field_index) { set_u16(at(p, FN_MAIN, MAIN_FIELD2) + 3, 3); }
MUTATE(load_field_slot) { fuse_check_load(p, 1, R_BID, 1); }
MUTATE(load_field_record) { fuse_check_load(p, 0, 2, 1); }
MUTATE(load_field_index) { fuse_check_load(p, 0, R_BID, 3); }
/* main opens with INPUT, FIELD Tender.bids: a JUMP_IF_NONE over them
 * (to the STORE at 6; the FIELD's last byte, 0, reads as a NOP) looks
 * at the top of an empty stack. */
MUTATE(jump_if_none_empty)
{
    uint8_t *ins = at(p, FN_MAIN, 0);
    ins[0] = OP_JUMP_IF_NONE;
    set_u32(ins + 1, p->funcs[FN_MAIN].code_off + MAIN_STORE);
}
/* JUMP_IF_SOME keeps the tested value where JUMP_IF_FALSE pops it: the
 * loop exit then arrives one value deeper than the rest of the code. */
MUTATE(jump_if_some_keeps) { *at(p, FN_MAIN, MAIN_JIF) = OP_JUMP_IF_SOME; }
MUTATE(record_range) { *at(p, FN_MAIN, MAIN_CONST) = OP_RECORD; }
MUTATE(round_mode) { at(p, FN_MAIN, MAIN_ROUND)[1] = DEC_ROUND_MODE_COUNT; }
/* ROUND's two bytes and stack effect are those of ADD_MONTHS and
 * ADD_SECONDS: the same place carries their one-byte operands. */
MUTATE(month_rule)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_ROUND);
    i[0] = OP_ADD_MONTHS;
    i[1] = DATE_MONTH_RULE_COUNT;
}
MUTATE(time_unit)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_ROUND);
    i[0] = OP_ADD_SECONDS;
    i[1] = BC_UNIT_DAYS + 1;
}
MUTATE(to_text_places)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_ROUND);
    i[0] = OP_TO_TEXT;
    i[1] = 31;
}
MUTATE(to_text_flagged_places)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_ROUND);
    i[0] = OP_TO_TEXT;
    i[1] = 0xC0 | 31; /* grouped, pound, 31 places */
}
MUTATE(sort_no_keys) { *at(p, FN_MAIN, MAIN_STORE) = OP_SORT; }
MUTATE(sort_many_keys)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_STORE);
    i[0] = OP_SORT;
    i[1] = 9;
}
MUTATE(sort_mask)
{
    uint8_t *i = at(p, FN_MAIN, MAIN_STORE);
    i[0] = OP_SORT;
    i[1] = 2;
    i[2] = 4;
}
MUTATE(check_fail_string) { set_u32(at(p, FN_CHECK, CHECK_FAIL) + 1, S_COUNT); }
/* jumps */
MUTATE(jump_mid) { set_u32(at(p, FN_MAIN, MAIN_JIF) + 1, MAIN_END + 1); }
MUTATE(jump_back) { set_u32(at(p, FN_MAIN, MAIN_JIF) + 1, MAIN_LOOP_HEAD); }
MUTATE(jump_self) { set_u32(at(p, FN_MAIN, MAIN_JIF) + 1, MAIN_JIF); }
MUTATE(jump_other_fn)
{
    set_u32(at(p, FN_MAIN, MAIN_JIF) + 1, MAIN_LEN + CHECK_OK);
}
MUTATE(jump_before_fn) { set_u32(at(p, FN_CHECK, CHECK_JIF) + 1, MAIN_END); }
MUTATE(jump_to_loop) { *at(p, FN_MAIN, MAIN_LOOP) = OP_JUMP; }
MUTATE(loop_forward) { set_u32(at(p, FN_MAIN, MAIN_LOOP) + 1, MAIN_END); }
/* stack */
MUTATE(underflow) { memset(at(p, FN_CHECK, 0), OP_NOP, 3); }
MUTATE(list_underflow) { *at(p, FN_MAIN, MAIN_CONST) = OP_LIST; }
MUTATE(call_underflow)
{
    *at(p, FN_MAIN, MAIN_CONST2) = OP_CALL;
    set_u16(at(p, FN_MAIN, MAIN_CONST2) + 1, FN_CHECK);
}
MUTATE(overflow) { p->funcs[FN_MAIN].max_stack = 2; }
MUTATE(merge_mismatch) { memset(at(p, FN_CHECK, CHECK_FAIL), OP_NOP, 5); }
MUTATE(loop_mismatch) { memset(at(p, FN_MAIN, MAIN_LOOP - 3), OP_NOP, 3); }
MUTATE(falls_off) { *at(p, FN_MAIN, MAIN_RET) = OP_NOP; }
MUTATE(falls_off_branch)
{
    /* only the branch taken when the price is present runs off */
    *at(p, FN_CHECK, CHECK_LEN - 1) = OP_POP;
}

typedef struct vcase {
    const char *name;
    void (*mutate)(bc_program *p);
    const char *want; /* the whole message */
} vcase;

#define CASE(name, want) {#name, mut_##name, want}

static const vcase cases[] = {
    CASE(no_table, "locations: 6 entries but no table"),
    CASE(null_string, "string 3: no bytes"),
    CASE(cite_no_table, "citations: 1 entries but no table"),
    CASE(cite_text, "citation 0: string out of range (20 strings)"),
    CASE(cite_url, "citation 0: string out of range (20 strings)"),
    CASE(cite_by, "citation 0: string out of range (20 strings)"),
    CASE(cite_func, "citation 0: function 2 out of range (2 functions)"),
    CASE(origin, "header: source string 20 out of range (20 strings)"),
    CASE(param_name, "parameter 0: string 20 out of range (20 strings)"),
    CASE(param_func, "parameter 0: function 2 or type 0 out of range"),
    CASE(param_rows, "parameter 0: rows 0..2 out of range (1 rows)"),
    CASE(param_row_order, "parameter row 0: ends before it starts"),
    CASE(type_kind, "type 0: unknown kind 99"),
    CASE(type_bound_flag, "type 4: has_min/has_max 2/1, expected 0 or 1"),
    CASE(type_enum_ref, "type 5: enum 1 out of range (1 enums)"),
    CASE(type_record_ref, "type 2: record 2 out of range (2 records)"),
    CASE(type_elem_ref, "type 3: element type 9 out of range (9 types)"),
    CASE(type_map_ref, "type 8: element type 65535 out of range (9 types)"),
    CASE(type_opt_opt, "type 6: optional of optional type 6, expected a "
                       "non-optional inner type"),
    CASE(type_cycle, "type 3: element types form a cycle through type 3, "
                     "expected a scalar, enum or record at the end"),
    CASE(type_self_list, "type 3: element types form a cycle through type "
                         "3, expected a scalar, enum or record at the end"),
    CASE(type_currency, "type 1: currency string 500 out of range (20 "
                        "strings)"),
    CASE(type_places, "type 1: 31 decimal places, expected 0..30 or any"),
    CASE(type_min_max, "type 4: min 101 above max 100"),
    CASE(record_name, "record 0: name string 20 out of range (20 strings)"),
    CASE(record_fields, "record 1: fields 2..6 out of range (5 fields)"),
    CASE(record_fields_wrap, "record 1: fields 4294967295..4294967298 out "
                             "of range (5 fields)"),
    CASE(check_fn_range, "record 1: check function 2 out of range (2 "
                         "functions)"),
    CASE(check_fn_arity, "record 1: check function 0 has arity 0, "
                         "expected 1"),
    CASE(field_name, "field 0: name string 999 out of range (20 strings)"),
    CASE(field_json, "field 2: json string 99 out of range (20 strings)"),
    CASE(field_type, "field 3: type 9 out of range (9 types)"),
    CASE(field_flags, "field 4: unknown flags 0x82"),
    CASE(unique_not_list, "field 0: unique key on a field whose type is not "
                          "a list of records"),
    CASE(unique_not_records, "field 1: unique key on a field whose type is "
                             "not a list of records"),
    CASE(unique_range, "field 1: unique key 3 out of range (record 1 has 3 "
                       "fields)"),
    CASE(member_json, "member 1: json string 20 out of range (20 strings)"),
    CASE(enum_label, "enum 0: label string 25 out of range (20 strings)"),
    CASE(enum_members, "enum 0: members 0..3 out of range (2 members)"),
    CASE(const_enum_type, "constant 9: enum 1 out of range (1 enums)"),
    CASE(const_enum_ordinal, "constant 9: ordinal 2 out of range (enum 0 "
                             "has 2 members)"),
    CASE(const_enum_negative, "constant 9: ordinal -1 out of range (enum 0 "
                              "has 2 members)"),
    CASE(const_text_pointer, "constant 8: text does not point at a "
                             "string-table entry"),
    CASE(const_text_len, "constant 8: text does not point at a string-table "
                         "entry"),
    CASE(const_kind, "constant 0: kind 10 cannot be a constant"),
    CASE(const_nsec, "constant 6: datetime nanoseconds 1000000000, expected "
                     "0..999999999"),
    CASE(const_date, "constant 5: date 2932897 days from 1970 is outside "
                     "0001-01-01..9999-12-31"),
    CASE(const_datetime, "constant 6: datetime -9223372036854775808 s from "
                         "1970 is outside years 0001..9999"),
    CASE(const_offset, "constant 6: datetime offset 1440 minutes in zone "
                       "form 1, expected an offset within +-23:59"),
    CASE(const_zone, "constant 6: datetime offset 60 minutes in zone form "
                     "3, expected an offset within +-23:59"),
    CASE(func_name, "function 1: name string 20 out of range (20 strings)"),
    CASE(func_arity, "function 1: arity 1 above its 0 locals"),
    CASE(func_flags, "function 1: unknown flags 0x04"),
    CASE(func_memo_arity, "function 1: memoised with 1 parameters, "
                          "expected 0"),
    CASE(func_empty, "function 1: no code, expected at least RET"),
    CASE(func_outside, "function 1: code 82..107 outside the code (106 "
                       "bytes)"),
    CASE(func_wraps, "function 1: code 4294967280..4294967304 outside the "
                     "code (106 bytes)"),
    CASE(func_overlap, "function 1: code 80..104 overlaps function 0 at "
                       "0..82"),
    CASE(header_title, "header: title string 20 out of range (20 strings)"),
    CASE(header_input_name, "header: input name string 77 out of range (20 "
                            "strings)"),
    CASE(input_record, "header: input record 2 out of range (2 records)"),
    CASE(key_field_range, "header: key field 2 out of range (input record "
                          "has 2 fields)"),
    CASE(key_field_type, "header: key field 1 has type 3, expected a text "
                         "type"),
    CASE(output_func_range, "header: output function 2 out of range (2 "
                            "functions)"),
    CASE(output_func_arity, "header: output function 1 has arity 1, "
                            "expected 0"),
    CASE(output_type, "header: output type 9 out of range (9 types)"),
    CASE(findings_func_range, "header: findings function 2 is not a function "
                              "of arity 0"),
    CASE(findings_func_arity, "header: findings function 1 is not a function "
                              "of arity 0"),
    CASE(findings_type_shape, "header: findings type 3 is not a list of "
                              "finding records"),
    CASE(findings_type_range, "header: findings type 9 is not a list of "
                              "finding records"),
    CASE(report_func, "report 0: function 1 is not a function of arity 0"),
    CASE(report_types, "report 0: types 2 and 2 are not a list of rows and a record "
                       "of 3 fields"),
    CASE(report_agg, "report 0: column 0 has no aggregate 9"),
    CASE(report_arg_type, "report 0: column 0: argument type 1 and result type 1 do "
                          "not fit its aggregate"),
    CASE(report_distinct_list, "report 0: column 1: argument type 5 and result type 5 "
                               "do not fit its aggregate"),
    CASE(report_round, "report 0: column 0 rounds to 31 places in mode 0"),
    CASE(report_flags, "report 0: column 0 has flags 0x1"),
    CASE(report_top, "report 0: top 3 by column 5"),
    CASE(report_top_none, "report 0: top 3 by column 65535"),
    CASE(report_name, "report 0: name string 999 out of range (20 strings)"),
    CASE(locs_unsorted, "location 2: pc 22 is below the previous location's "
                        "pc 35, expected sorted by pc"),
    CASE(loc_outside, "location 5: pc 106 outside the code (106 bytes)"),
    CASE(bad_opcode, NULL), /* message names OP_COUNT; see below */
    CASE(cut_operand, "function main at 0079: ROUND needs 1 operand byte(s), "
                      "the function has 0 left"),
    CASE(const_range, "function main at 0009: CONST 14 out of range (14 "
                      "constants)"),
    CASE(load_range, "function main at 0022: LOAD 3 out of range (3 locals)"),
    CASE(store_range, "function main at 0006: STORE 3 out of range (3 "
                      "locals)"),
    CASE(call_range, "function main at 0009: CALL 11 out of range (2 "
                     "functions)"),
    CASE(field_record, "function main at 0001: FIELD record 2 out of range "
                       "(2 records)"),
    CASE(field_index, "function main at 0045: FIELD 3 out of range (record "
                      "1 has 3 fields)"),
    CASE(load_field_slot, "function check_bid at 0000: LOAD_FIELD 1 out of "
                          "range (1 locals)"),
    CASE(load_field_record, "function check_bid at 0000: LOAD_FIELD record 2 "
                            "out of range (2 records)"),
    CASE(load_field_index, "function check_bid at 0000: LOAD_FIELD 3 out of "
                           "range (record 1 has 3 fields)"),
    CASE(jump_if_none_empty, "function main at 0000: stack underflow: "
                             "JUMP_IF_NONE pops 1, the stack holds 0"),
    CASE(jump_if_some_keeps, "function main at 0041: stack depth 4 after "
                             "LOAD exceeds max_stack 3"),
    CASE(record_range, "function main at 0009: RECORD record 11 out of range "
                       "(2 records)"),
    CASE(round_mode, "function main at 0079: ROUND mode 7 out of range (7 "
                     "modes)"),
    CASE(month_rule, "function main at 0079: ADD_MONTHS rule 3 out of range "
                     "(3 rules)"),
    CASE(time_unit, "function main at 0079: ADD_SECONDS unit 2, expected 0 "
                    "(seconds) or 1 (days)"),
    CASE(to_text_places, "function main at 0079: TO_TEXT with 31 places, "
                         "expected 0..30, 254 (percent) or 255 (shortest)"),
    CASE(to_text_flagged_places, "function main at 0079: TO_TEXT with 223 "
                                 "places, expected 0..30, 254 (percent) or "
                                 "255 (shortest)"),
    CASE(sort_no_keys, "function main at 0006: SORT with 0 keys, expected "
                       "1..8"),
    CASE(sort_many_keys, "function main at 0006: SORT with 9 keys, expected "
                         "1..8"),
    CASE(sort_mask, "function main at 0006: SORT descending mask 0x04 names "
                    "keys beyond the 2 sorted"),
    CASE(check_fail_string, "function check_bid at 0017: CHECK_FAIL path "
                            "string 20 out of range (20 strings)"),
    CASE(jump_mid, "function main at 0030: JUMP_IF_FALSE target 0070 is not "
                   "the start of an instruction"),
    CASE(jump_back, "function main at 0030: JUMP_IF_FALSE target 0022 is not "
                    "forward, expected after 0030 (backward jumps use LOOP)"),
    CASE(jump_self, "function main at 0030: JUMP_IF_FALSE target 0030 is not "
                    "forward, expected after 0030 (backward jumps use LOOP)"),
    CASE(jump_other_fn, "function main at 0030: JUMP_IF_FALSE target 104 "
                        "outside the function (code 0..82)"),
    CASE(jump_before_fn, "function check_bid at 0009: JUMP_IF_FALSE target "
                         "69 outside the function (code 82..106)"),
    CASE(jump_to_loop, "function main at 0064: JUMP target 0022 is not "
                       "forward, expected after 0064 (backward jumps use "
                       "LOOP)"),
    CASE(loop_forward, "function main at 0064: LOOP target 0069 is forward, "
                       "expected at or before 0064 (forward jumps use JUMP)"),
    CASE(underflow, "function check_bid at 0003: stack underflow: FIELD pops "
                    "1, the stack holds 0"),
    CASE(list_underflow, "function main at 0009: stack underflow: LIST pops "
                         "11, the stack holds 0"),
    CASE(call_underflow, "function main at 0016: stack underflow: CALL pops "
                         "1, the stack holds 0"),
    CASE(overflow, "function main at 0041: stack depth 3 after LOAD exceeds "
                   "max_stack 2"),
    CASE(merge_mismatch, "function check_bid at 0022: stack depth 1 arriving "
                         "from 0021, but 0 on another path"),
    CASE(loop_mismatch, "function main at 0022: stack depth 1 arriving from "
                        "0064, but 0 on another path"),
    CASE(falls_off, "function main at 0081: execution runs off the end of "
                    "the function after NOP, expected RET, JUMP, LOOP, FAIL "
                    "or CHECK_FAIL"),
    CASE(falls_off_branch, "function check_bid at 0023: execution runs off "
                           "the end of the function after POP, expected RET, "
                           "JUMP, LOOP, FAIL or CHECK_FAIL"),
};

static void test_verify_rejects_each_fault(void **state)
{
    char bad_opcode[128];
    snprintf(bad_opcode, sizeof bad_opcode,
             "function main at 0081: unknown opcode 238 (%d defined)",
             OP_COUNT);
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mem_ctx mem;
        mem_init(&mem);
        bc_program *p = sample(&mem);
        cases[i].mutate(p);
        const char *want = cases[i].want ? cases[i].want : bad_opcode;
        char err[256] = "";
        bool ok = vfy_program(p, err, sizeof err);
        /* a broken program is invalid, never "out of memory" */
        assert_int_equal(vfy_check(p, NULL, 0), ok ? RT_OK : RT_EINVALID);
        if (ok) {
            print_error("case %s: accepted, expected \"%s\"\n", cases[i].name,
                        want);
            failures++;
        } else if (strcmp(err, want) != 0) {
            print_error("case %s:\n  got  \"%s\"\n  want \"%s\"\n",
                        cases[i].name, err, want);
            failures++;
        }
        /* a tiny buffer truncates, never overflows */
        char tiny[8];
        assert_false(vfy_program(p, tiny, sizeof tiny));
        assert_true(strlen(tiny) < sizeof tiny);
        bc_program_free(p);
        assert_int_equal(mem.live, 0);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_fixture_layout),
        cmocka_unit_test(test_verify_accepts_sample),
        cmocka_unit_test(test_verify_accepts_report),
        cmocka_unit_test(test_verify_accepts_variants),
        cmocka_unit_test(test_verify_out_of_memory),
        cmocka_unit_test(test_verify_rejects_each_fault),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
