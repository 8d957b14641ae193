/* tests/unit/runtime/test_opcodes.c - opcodes.def against its users.
 *
 * opcodes.def and operands.def are the one list (STYLE.md §7): lengths,
 * operand offsets, the verifier's checks, the disassembler's rendering,
 * jumps and the VM's decoding all derive from them.  These tests fail
 * when a user and the list disagree: for every instruction, the length
 * the kinds give is the one the VM's constants, the assembler, the
 * disassembler and the verifier use; every instruction with valid
 * operands verifies; every operand with a kind the verifier checks is
 * rejected out of range, naming its instruction; and exactly the
 * instructions with a JUMP or LOOP operand are treated as jumps.  (The
 * builtins table is held to its users by test_compile_every_builtin.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "asm.h"
#include "bytecode.h"
#include "disasm.h"
#include "tally_limits.h"
#include "verify.h"

#define CODE_CAP 64

/* A program with one of each table entry an operand can name: string 0
 * ("main"; string 3 "EUR" for a currency), constant 0, type 0 (bool), record 0 with field 0, function 0
 * (main: no parameters, two locals, stack 8), extern 0 (a native main()
 * giving a bool, from libx).  Code comes later. */
static bc_program *fixture(mem_ctx *mem)
{
    bc_program *p = bc_program_new(mem);
    assert_non_null(p);
    arena *a = &p->arena;
    p->strings = arena_zalloc(a, 4 * sizeof *p->strings);
    p->strings[0] = (bc_str){arena_strndup(a, "main", 4), 4};
    p->strings[1] = (bc_str){arena_strndup(a, "libx", 4), 4};
    p->strings[2] = (bc_str){arena_strndup(a, "", 0), 0};
    p->strings[3] = (bc_str){arena_strndup(a, "EUR", 3), 3}; /* CURRENCY */
    p->nstrings = 4;
    p->externs = arena_zalloc(a, sizeof *p->externs);
    p->externs[0] = (bc_extern){0, 1, 2, 'b', 0}; /* main() from libx */
    p->nexterns = 1;
    p->cites = arena_zalloc(a, sizeof *p->cites);
    p->cites[0] = (bc_cite){1, BC_NO_STRING, 0, BC_NONE_U16}; /* "libx" */
    p->ncites = 1;
    p->probes = arena_zalloc(a, sizeof *p->probes);
    p->probes[0] = (bc_probe){"main.tally", "definition main: reached", 1, 1, NULL};
    p->nprobes = 1;
    p->traced = true; /* in memory, as compiled for tracing: TRACE_* may
                         appear */
    p->consts = arena_zalloc(a, sizeof *p->consts);
    p->consts[0] = val_int(1);
    p->nconsts = 1;
    p->types = arena_zalloc(a, sizeof *p->types);
    p->types[0] = (bc_type){.kind = BT_BOOL, .places = BC_PLACES_ANY};
    p->ntypes = 1;
    p->fields = arena_zalloc(a, sizeof *p->fields);
    p->fields[0] = (bc_field){0, 0, 0, BC_NONE_U16, 0};
    p->nfields = 1;
    p->records = arena_zalloc(a, sizeof *p->records);
    p->records[0] = (bc_record){0, 0, 1, BC_NONE_U16};
    p->nrecords = 1;
    p->funcs = arena_zalloc(a, sizeof *p->funcs);
    p->funcs[0] = (bc_func){0, 0, 2, 8, 0, 0, 0};
    p->nfuncs = 1;
    p->code = arena_zalloc(a, CODE_CAP);
    p->title = p->version = p->source = p->input_name = 0;
    p->input_record = 0;
    p->output_func = 0;
    p->output_type = 0;
    return p;
}

/* A valid value for an operand of [kind] (a jump's is set apart). */
static uint32_t valid_value(bc_opnd kind)
{
    return kind == OPND_NKEYS ? 1 : kind == OPND_CURRENCY ? 3 : 0;
}

/* A value the verifier must reject for an operand of [kind] and [width];
 * false for kinds it leaves to other passes. */
static bool bad_value(bc_opnd kind, unsigned width, uint32_t *out)
{
    switch (kind) {
    case OPND_JUMP:    /* check_jumps: see test_opcodes_jumps */
    case OPND_LOOP:
    case OPND_NVALUES: /* the stack walk */
    case OPND_NONE:
    case OPND_KIND_COUNT:
        return false;
    case OPND_PLACES:
        *out = LIM_MAX_PLACES + 1; /* 0xFE and 0xFF mean percent, shortest */
        return true;
    default:
        *out = width == 4 ? UINT32_MAX : (1u << (8 * width)) - 1;
        return true;
    }
}

/* Lays out, in [p], a function that runs [op] once with operands [x]:
 * enough values pushed for it to pop, then it, then (if control goes on)
 * its results popped and a value returned.  Jumps go to the instruction
 * after them, LOOP to itself.  Returns the pc of [op]. */
static uint32_t lay_out(bc_program *p, bc_op op, uint32_t *x)
{
    const bc_opinfo *o = &bc_ops[op];
    asm_code c = {p->code, 0, CODE_CAP, false};
    /* Encode once to learn the pops; bc_stack_pop reads the operands. */
    uint8_t ins[ASM_MAX_LEN];
    unsigned at;
    bool is_jump = bc_jump_operand(op, &at);
    assert_int_equal(asm_encode(ins, op, x, o->nopnds), o->len);
    int pop = bc_stack_pop(p, ins);
    assert_true(pop >= 0);
    for (int i = 0; i < pop; i++) {
        ASM0(&c, OP_PUSH_NONE);
    }
    uint32_t pc = c.len;
    if (is_jump) {
        x[at] = o->kind[at] == OPND_LOOP ? pc : pc + o->len;
    }
    assert_int_equal(asm_emit(&c, op, x, o->nopnds), pc);
    if (op != OP_RET && op != OP_FAIL && op != OP_CHECK_FAIL) {
        for (int i = 0; i < o->push; i++) {
            ASM0(&c, OP_POP);
        }
        ASM0(&c, OP_PUSH_NONE);
        ASM0(&c, OP_RET);
    }
    assert_false(c.failed);
    p->code_len = c.len;
    p->funcs[0].code_len = c.len;
    return pc;
}

/* The operand values lay_out starts from: valid for every kind. */
static void valid_operands(bc_op op, uint32_t x[BC_MAX_OPNDS])
{
    for (unsigned i = 0; i < BC_MAX_OPNDS; i++) {
        x[i] = valid_value((bc_opnd)bc_ops[op].kind[i]);
    }
}

static void test_opcodes_lengths_agree(void **state)
{
    (void)state;
    /* The VM's constants (BC_OP_LEN, BC_ARG's offsets and widths, the
     * kinds TARGET checks) and the table come from the same list. */
#define TALLY_OP(op, operands, pop, push)                                      \
    assert_int_equal(BC_OP_LEN(op), bc_ops[OP_##op].len);                      \
    assert_int_equal(BC_OFF_##op##_0, bc_ops[OP_##op].off[0]);                 \
    assert_int_equal(BC_OFF_##op##_1, bc_ops[OP_##op].off[1]);                 \
    assert_int_equal(BC_OFF_##op##_2, bc_ops[OP_##op].off[2]);                 \
    assert_int_equal(BC_OFF_##op##_3, bc_ops[OP_##op].off[3]);                 \
    assert_int_equal(BC_K_##op##_0, bc_ops[OP_##op].kind[0]);                  \
    assert_int_equal(BC_K_##op##_1, bc_ops[OP_##op].kind[1]);                  \
    assert_int_equal(BC_K_##op##_2, bc_ops[OP_##op].kind[2]);                  \
    assert_int_equal(BC_K_##op##_3, bc_ops[OP_##op].kind[3]);                  \
    assert_int_equal(BC_W_##op##_0, bc_ops[OP_##op].width[0]);                 \
    assert_int_equal(BC_W_##op##_1, bc_ops[OP_##op].width[1]);                 \
    assert_int_equal(BC_W_##op##_2, bc_ops[OP_##op].width[2]);                 \
    assert_int_equal(BC_W_##op##_3, bc_ops[OP_##op].width[3]);                 \
    assert_string_equal(#op, bc_ops[OP_##op].name);
#include "opcodes.def"
#undef TALLY_OP
    for (int op = 0; op < OP_COUNT; op++) {
        const bc_opinfo *o = &bc_ops[op];
        /* Each operand follows the one before, as wide as its kind. */
        unsigned off = 1;
        for (unsigned i = 0; i < BC_MAX_OPNDS; i++) {
            if (i >= o->nopnds) {
                assert_int_equal(o->kind[i], OPND_NONE);
                assert_int_equal(o->width[i], 0);
                continue;
            }
            assert_true(o->kind[i] > OPND_NONE &&
                        o->kind[i] < OPND_KIND_COUNT);
            assert_int_equal(o->width[i], bc_opnds[o->kind[i]].width);
            assert_int_equal(o->off[i], off);
            off += o->width[i];
        }
        assert_int_equal(o->len, off);
        /* The assembler writes that many bytes and no operand count but
         * the table's. */
        uint8_t b[ASM_MAX_LEN];
        uint32_t x[BC_MAX_OPNDS];
        valid_operands((bc_op)op, x);
        assert_int_equal(asm_encode(b, (bc_op)op, x, o->nopnds), o->len);
        assert_int_equal(asm_encode(b, (bc_op)op, x, o->nopnds + 1), 0);
        /* The decoder reads back what was written. */
        uint32_t y[BC_MAX_OPNDS];
        assert_int_equal(bc_decode(b, y), o->nopnds);
        for (unsigned i = 0; i < o->nopnds; i++) {
            assert_int_equal(y[i], x[i]);
        }
    }
}

/* The TRACE_* instructions verify only in a program compiled for
 * tracing: a normal program, and so every file, is refused with them. */
static void test_opcodes_trace_needs_traced_program(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    for (int op = OP_TRACE_ENTER; op <= OP_TRACE_CALL; op++) {
        bc_program *p = fixture(&mem);
        p->traced = false;
        uint32_t x[BC_MAX_OPNDS];
        valid_operands((bc_op)op, x);
        uint32_t pc = lay_out(p, (bc_op)op, x);
        char err[256], want[256];
        assert_false(vfy_program(p, err, sizeof err));
        snprintf(want, sizeof want, "function main at %04x: %s in a program "
                 "not compiled for tracing", (unsigned)pc, bc_ops[op].name);
        assert_string_equal(err, want);
        bc_program_free(p);
    }
}

/* The verifier steps over an instruction by its length: one byte short,
 * it says exactly how many operand bytes were wanted. */
static void test_opcodes_verifier_steps_by_length(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    for (int op = 0; op < OP_COUNT; op++) {
        const bc_opinfo *o = &bc_ops[op];
        if (o->len < 2) {
            continue;
        }
        bc_program *p = fixture(&mem);
        memset(p->code, 0, o->len - 1u);
        p->code[0] = (uint8_t)op;
        p->code_len = p->funcs[0].code_len = o->len - 1u;
        char err[256], want[256];
        assert_false(vfy_program(p, err, sizeof err));
        snprintf(want, sizeof want, "function main at 0000: %s needs %u "
                 "operand byte(s), the function has %u left", o->name,
                 o->len - 1u, o->len - 2u);
        assert_string_equal(err, want);
        bc_program_free(p);
    }
}

/* Every instruction with valid operands verifies, and the disassembler
 * lists it and goes on at the next instruction. */
static void test_opcodes_valid_operands_verify(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    for (int op = 0; op < OP_COUNT; op++) {
        const bc_opinfo *o = &bc_ops[op];
        bc_program *p = fixture(&mem);
        uint32_t x[BC_MAX_OPNDS];
        valid_operands((bc_op)op, x);
        uint32_t pc = lay_out(p, (bc_op)op, x);
        char err[256] = "";
        if (!vfy_program(p, err, sizeof err)) {
            fail_msg("%s with valid operands: %s", o->name, err);
        }
        strbuf b;
        sb_init(&b, &mem);
        disasm_program(p, &b);
        assert_false(b.failed);
        char line[64];
        snprintf(line, sizeof line, "\n  %04u  %s", pc, o->name);
        const char *at_op = strstr(b.p, line);
        assert_non_null(at_op);
        if (pc + o->len < p->code_len) {
            snprintf(line, sizeof line, "\n  %04u  %s", pc + o->len,
                     bc_ops[p->code[pc + o->len]].name);
            assert_non_null(strstr(b.p, line));
        }
        /* A jump shows its target; nothing else shows an arrow. */
        const char *eol = strchr(at_op + 1, '\n');
        const char *arrow = strstr(at_op + 1, "-> ");
        unsigned at;
        assert_int_equal(arrow && (!eol || arrow < eol),
                         bc_jump_operand((bc_op)op, &at));
        sb_free(&b);
        bc_program_free(p);
    }
}

/* Each operand the verifier checks is refused out of range, in a message
 * that names the instruction: one check per kind, on every instruction
 * that has the kind. */
static void test_opcodes_every_checked_operand_is_checked(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    int checked = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        const bc_opinfo *o = &bc_ops[op];
        for (unsigned i = 0; i < o->nopnds; i++) {
            uint32_t bad;
            if (!bad_value((bc_opnd)o->kind[i], o->width[i], &bad)) {
                continue;
            }
            bc_program *p = fixture(&mem);
            uint32_t x[BC_MAX_OPNDS];
            valid_operands((bc_op)op, x);
            x[i] = bad;
            /* bc_stack_pop would read a bad CALL/RECORD index: lay out
             * with valid operands, then put the bad one in place. */
            uint32_t good[BC_MAX_OPNDS];
            valid_operands((bc_op)op, good);
            uint32_t pc = lay_out(p, (bc_op)op, good);
            for (unsigned k = 0; k < o->nopnds; k++) {
                if (bc_ops[op].kind[k] != OPND_JUMP &&
                    bc_ops[op].kind[k] != OPND_LOOP) {
                    good[k] = x[k];
                }
            }
            assert_int_equal(asm_encode(p->code + pc, (bc_op)op, good,
                                        o->nopnds),
                             o->len);
            char err[256], want[64];
            assert_false(vfy_program(p, err, sizeof err));
            snprintf(want, sizeof want, "function main at %04u: %s ", pc,
                     o->name);
            if (strncmp(err, want, strlen(want)) != 0) {
                fail_msg("%s operand %u (%s) = %u: \"%s\"", o->name, i,
                         bc_opnds[o->kind[i]].name, bad, err);
            }
            checked++;
            bc_program_free(p);
        }
    }
    assert_true(checked > 0);
}

/* Exactly the instructions with a JUMP or LOOP operand are jumps to the
 * verifier: a target inside the instruction itself is refused. */
static void test_opcodes_jumps(void **state)
{
    (void)state;
    mem_ctx mem;
    mem_init(&mem);
    int njumps = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        const bc_opinfo *o = &bc_ops[op];
        bool has_jump_kind = false;
        for (unsigned i = 0; i < o->nopnds; i++) {
            has_jump_kind |= o->kind[i] == OPND_JUMP ||
                             o->kind[i] == OPND_LOOP;
        }
        unsigned at;
        assert_int_equal(bc_jump_operand((bc_op)op, &at), has_jump_kind);
        if (!has_jump_kind) {
            continue;
        }
        njumps++;
        bc_program *p = fixture(&mem);
        uint32_t x[BC_MAX_OPNDS];
        valid_operands((bc_op)op, x);
        uint32_t pc = lay_out(p, (bc_op)op, x);
        assert_true(asm_set_target(p->code + pc, pc + 1));
        char err[256], want[128];
        assert_false(vfy_program(p, err, sizeof err));
        snprintf(want, sizeof want, "function main at %04u: %s target %04u "
                 "is not the start of an instruction", pc, o->name, pc + 1);
        assert_string_equal(err, want);
        bc_program_free(p);
    }
    assert_true(njumps > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opcodes_lengths_agree),
        cmocka_unit_test(test_opcodes_verifier_steps_by_length),
        cmocka_unit_test(test_opcodes_trace_needs_traced_program),
        cmocka_unit_test(test_opcodes_valid_operands_verify),
        cmocka_unit_test(test_opcodes_every_checked_operand_is_checked),
        cmocka_unit_test(test_opcodes_jumps),
    };
    return cmocka_run_group_tests_name("opcodes", tests, NULL, NULL);
}
