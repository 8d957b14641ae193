/* runtime/bytecode.c - opcode tables and program lifetime.
 *
 * The tables here are expanded from opcodes.def; nothing about an
 * instruction is written down anywhere else.
 */
#include "bytecode.h"

#include <string.h>

const bc_opinfo bc_ops[OP_COUNT] = {
#define TALLY_OP(name, fmt, pop, push) {#name, FMT_##fmt, pop, push},
#include "opcodes.def"
#undef TALLY_OP
};

const uint8_t bc_fmt_len[FMT_COUNT] = {
    [FMT_NONE] = 0, [FMT_U8] = 1,      [FMT_U16] = 2,
    [FMT_U32] = 4,  [FMT_U16_U16] = 4, [FMT_U8_U8] = 2,
    [FMT_U32_3U16] = 10, [FMT_U16_3] = 6,
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
    uint16_t a = bc_u16(ins + 1);
    switch (op) {
    case OP_CALL:
        return a < p->nfuncs ? p->funcs[a].arity : -1;
    case OP_RECORD:
        return a < p->nrecords ? p->records[a].nfields : -1;
    case OP_LIST:
        return a;
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
