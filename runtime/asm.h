/* runtime/asm.h - the bytecode assembler, shared by the compiler and tests.
 *
 * Encodes one instruction from its opcode and operand values, checked
 * against what opcodes.def says of its operands (how many, and that each
 * value fits its kind's width), and points jumps at their targets.  It
 * does not care where code lives: lang/compile.c encodes into its growing
 * buffer, the unit tests into fixed ones through asm_code.  Either way the
 * layout of an instruction is written down nowhere but opcodes.def.
 * Proves nothing about meaning (an index in range, a target on an
 * instruction): that is verify.c's job.
 */
#ifndef TALLY_RUNTIME_ASM_H
#define TALLY_RUNTIME_ASM_H

#include <stdbool.h>
#include <stdint.h>

#include "bytecode.h"

/* Bytes the longest instruction may take: asm_encode's output buffer.
 * Four operands of at most four bytes, and the opcode. */
#define ASM_MAX_LEN (1 + 4 * BC_MAX_OPNDS)

/* Encodes [op] with the [n] operand values [x] into [out] (ASM_MAX_LEN
 * bytes).  Returns the instruction's length, or 0 when [op] is not an
 * opcode, [n] is not its number of operands, or a value does not fit its
 * operand's width; [out] then holds nothing usable. */
unsigned asm_encode(uint8_t *out, bc_op op, const uint32_t *x, unsigned n);

/* Points the jump instruction at [ins] (its JUMP or LOOP operand) at
 * absolute offset [target] in code[].  False, changing nothing, when the
 * instruction has no jump operand. */
bool asm_set_target(uint8_t *ins, uint32_t target);

/* Code being assembled into a buffer the caller owns. */
typedef struct asm_code {
    uint8_t *bytes; /* borrowed: room for cap bytes */
    uint32_t len;   /* bytes used; the next instruction's offset */
    uint32_t cap;
    bool failed;    /* an instruction was refused (see asm_emit) */
} asm_code;

/* Appends [op] with operands [x] (of [n]) to [c]; returns its offset.
 * When asm_encode refuses it or it does not fit in cap, sets c->failed,
 * appends nothing and returns UINT32_MAX. */
uint32_t asm_emit(asm_code *c, bc_op op, const uint32_t *x, unsigned n);

/* Operand values written out, as the two arguments (array, count) that
 * asm_encode and asm_emit take: ASM_OPERANDS(rec, field). */
#define ASM_OPERANDS(...)                                                      \
    (const uint32_t[]){__VA_ARGS__},                                           \
        (unsigned)(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

/* asm_emit with the operands written out: ASM(c, OP_FIELD, rec, field);
 * ASM0 for an instruction without operands. */
#define ASM(c, op, ...) asm_emit((c), (op), ASM_OPERANDS(__VA_ARGS__))
#define ASM0(c, op) asm_emit((c), (op), NULL, 0)

/* Points the jump at offset [ins] of [c] at the next instruction: the
 * label "here".  Offsets in [c] are taken as absolute (c->bytes is the
 * start of code[]).  Sets c->failed if [ins] is not a jump. */
void asm_land(asm_code *c, uint32_t ins);

#endif
