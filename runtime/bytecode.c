/* runtime/bytecode.c - opcode tables and program lifetime.
 *
 * The tables here are expanded from opcodes.def; nothing about an
 * instruction is written down anywhere else.
 */
#include "bytecode.h"

#include <string.h>

/* One row of bc_ops, from the layout constants bytecode.h derives. */
#define BC_ROW_(name, pop, push)                                               \
    {#name, pop, push, BC_LEN_##name,                                          \
     (BC_W_##name##_0 > 0) + (BC_W_##name##_1 > 0) + (BC_W_##name##_2 > 0) +   \
         (BC_W_##name##_3 > 0),                                                \
     BC_IS_JUMP_KIND(BC_K_##name##_0)   ? 0                                    \
     : BC_IS_JUMP_KIND(BC_K_##name##_1) ? 1                                    \
     : BC_IS_JUMP_KIND(BC_K_##name##_2) ? 2                                    \
     : BC_IS_JUMP_KIND(BC_K_##name##_3) ? 3                                    \
                                        : -1,                                  \
     {BC_K_##name##_0, BC_K_##name##_1, BC_K_##name##_2, BC_K_##name##_3},     \
     {BC_OFF_##name##_0, BC_OFF_##name##_1, BC_OFF_##name##_2,                 \
      BC_OFF_##name##_3},                                                      \
     {BC_W_##name##_0, BC_W_##name##_1, BC_W_##name##_2, BC_W_##name##_3}},

const bc_opinfo bc_ops[OP_COUNT] = {
#define TALLY_OP(name, operands, pop, push) BC_ROW_(name, pop, push)
#include "opcodes.def"
#undef TALLY_OP
};

#undef BC_ROW_

const bc_opndinfo bc_opnds[OPND_KIND_COUNT] = {
    [OPND_NONE] = {"NONE", 0},
#define TALLY_OPERAND(kind, width) [OPND_##kind] = {#kind, width},
#include "operands.def"
#undef TALLY_OPERAND
};

_Static_assert(sizeof bc_opnds / sizeof bc_opnds[0] == OPND_KIND_COUNT,
               "one row per operand kind");

/* bc_operand reads 1, 2 or 4 bytes; asm.c writes the same. */
#define TALLY_OPERAND(kind, width)                                             \
    _Static_assert((width) == 1 || (width) == 2 || (width) == 4,               \
                   #kind " is 1, 2 or 4 bytes wide");
#include "operands.def"
#undef TALLY_OPERAND

const char *const bc_cur_verb_names[BC_CUR_VERB_COUNT] = {
    [BC_CUR_ADD] = "+",        [BC_CUR_SUB] = "-",
    [BC_CUR_MUL] = "*",        [BC_CUR_DIV] = "/",
    [BC_CUR_EQ] = "=",         [BC_CUR_NE] = "!=",
    [BC_CUR_LT] = "<",         [BC_CUR_LE] = "<=",
    [BC_CUR_GT] = ">",         [BC_CUR_GE] = ">=",
    [BC_CUR_MIN] = "min",      [BC_CUR_MAX] = "max",
    [BC_CUR_SUM] = "sum",      [BC_CUR_LOWEST] = "lowest",
    [BC_CUR_HIGHEST] = "highest", [BC_CUR_MATCH] = "a match",
};

bc_program *bc_program_new(mem_ctx *mem)
{
    bc_program *p = mem_alloc(mem, sizeof *p);
    if (!p) {
        return NULL;
    }
    memset(p, 0, sizeof *p);
    arena_init(&p->arena, mem);
    p->key_field = BC_NONE_U16;
    p->output_func = BC_NONE_U16;
    p->findings_func = BC_NONE_U16;
    p->findings_type = BC_NONE_U16;
    p->origin = BC_NO_STRING;
    return p;
}

void bc_program_free(bc_program *p)
{
    if (!p) {
        return;
    }
    mem_ctx *mem = p->arena.mem;
    arena_free(&p->arena);
    mem_free(mem, p, sizeof *p);
}

int bc_stack_pop(const bc_program *p, const uint8_t *ins)
{
    bc_op op = (bc_op)ins[0];
    int pop = (int)bc_ops[op].pop;
    if (pop >= 0) {
        return pop;
    }
    uint32_t a = bc_operand(ins + bc_ops[op].off[0], bc_ops[op].width[0]);
    switch (op) {
    case OP_CALL:
        return a < p->nfuncs ? p->funcs[a].arity : -1;
    case OP_RECORD:
        return a < p->nrecords ? p->records[a].nfields : -1;
    case OP_LIST:
        return a <= INT32_MAX ? (int)a : -1;
    case OP_CALL_NATIVE:
        return a < p->nexterns ? p->externs[a].arity : -1;
    default:
        return -1;
    }
}

const bc_loc *bc_loc_find(const bc_program *p, uint32_t pc)
{
    /* Last entry with entry.pc <= pc. */
    uint32_t lo = 0, hi = p->nlocs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->locs[mid].pc <= pc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo ? &p->locs[lo - 1] : NULL;
}
