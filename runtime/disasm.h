/* runtime/disasm.h - a readable listing of a bytecode program.
 *
 * Used by `tally disasm` and by golden tests, so the output is a pure
 * function of the program: no addresses, no locale, no clock.
 */
#ifndef TALLY_RUNTIME_DISASM_H
#define TALLY_RUNTIME_DISASM_H

#include "bytecode.h"
#include "mem.h"

/* Appends a listing of [p] (borrowed) to [out]: the header (title,
 * version, source, input, output), the string, constant, type, record and
 * enum tables, then each function, one line per instruction with its
 * offset within the function, opcode, decoded operands and, where it
 * changes, the source line:col.  Safe on a program the verifier rejected:
 * an out-of-range index is shown as "#N?" and a function's listing stops
 * at the first instruction that does not decode.  Out of memory shows as
 * [out]->failed. */
void disasm_program(const bc_program *p, strbuf *out);

#endif
