/* runtime/asm.c - the bytecode assembler (see asm.h).
 *
 * Everything about an instruction's layout comes from bc_ops, expanded
 * from opcodes.def; nothing here lists opcodes.  Callers pass untrusted
 * values only in tests: a refused instruction is reported, never
 * asserted.
 */
#include "asm.h"

#include <string.h>

#define TALLY_OP(name, operands, pop, push)                                    \
    _Static_assert(BC_LEN_##name <= ASM_MAX_LEN, #name " fits ASM_MAX_LEN");
#include "opcodes.def"
#undef TALLY_OP

/* One pass: a value too wide for its operand stops the encoding part
 * way, which asm.h allows: on 0, [out] holds nothing usable. */
unsigned asm_encode(uint8_t *out, bc_op op, const uint32_t *x, unsigned n)
{
    if ((unsigned)op >= OP_COUNT || n != bc_ops[op].nopnds) {
        return 0;
    }
    const bc_opinfo *o = &bc_ops[op];
    out[0] = (uint8_t)op;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *b = out + o->off[i];
        uint32_t v = x[i];
        switch (o->width[i]) {
        case 1:
            if (v > 0xFFu) {
                return 0;
            }
            b[0] = (uint8_t)v;
            break;
        case 2:
            if (v > 0xFFFFu) {
                return 0;
            }
            b[0] = (uint8_t)v;
            b[1] = (uint8_t)(v >> 8);
            break;
        default: /* 4: bytecode.c asserts the widths are 1, 2 or 4 */
            bc_put_u32(b, v);
            break;
        }
    }
    return o->len;
}

bool asm_set_target(uint8_t *ins, uint32_t target)
{
    unsigned at;
    if (ins[0] >= OP_COUNT || !bc_jump_operand((bc_op)ins[0], &at)) {
        return false;
    }
    bc_put_u32(ins + bc_ops[ins[0]].off[at], target);
    return true;
}

uint32_t asm_emit(asm_code *c, bc_op op, const uint32_t *x, unsigned n)
{
    uint8_t b[ASM_MAX_LEN];
    unsigned len = asm_encode(b, op, x, n);
    if (len == 0 || len > c->cap - c->len) {
        c->failed = true;
        return UINT32_MAX;
    }
    memcpy(c->bytes + c->len, b, len);
    uint32_t at = c->len;
    c->len += len;
    return at;
}

void asm_land(asm_code *c, uint32_t ins)
{
    if (ins >= c->len || !asm_set_target(c->bytes + ins, c->len)) {
        c->failed = true;
    }
}
