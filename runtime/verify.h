/* runtime/verify.h - proves a bytecode program safe to run.
 *
 * vm.c runs only programs that vfy_program accepted, and merely asserts
 * what the verifier proved.  See verify.c for the full list of checks.
 */
#ifndef TALLY_RUNTIME_VERIFY_H
#define TALLY_RUNTIME_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "bytecode.h"
#include "status.h"

/* Checks [p] (borrowed; may come from an untrusted file through bc_read):
 * every table cross-reference is in range, every instruction decodes
 * inside its function with in-range operands, every jump lands on an
 * instruction of the same function (JUMP and JUMP_IF_* strictly forward,
 * LOOP backward, so every cycle passes a LOOP), the operand stack depth
 * is the same on every path into an instruction, never negative and never
 * above the function's max_stack, and no path runs off a function's end.
 * Also required: input_record names a record; key_field is BC_NONE_U16
 * or a text field of the input record; output_func is BC_NONE_U16 (no
 * output: vm_eval refuses to run it) or a function of arity 0, and then
 * output_type a type.  Jump operands are absolute offsets in code[] that
 * must land inside the jumping function.  Returns true if all holds; else
 * false with a message in [err] (at most [errcap] bytes) naming the table
 * entry, or the function and code offset, and what was expected.
 * Temporary memory comes from [p]'s mem_ctx and is freed before
 * returning; out of memory is reported as a failure. */
bool vfy_program(const bc_program *p, char *err, size_t errcap);

/* vfy_program, telling out of memory from an invalid program by status,
 * never by the message: RT_OK, RT_EINVALID ([err] says which rule) or
 * RT_ENOMEM (scratch memory ran out before it could tell). */
rt_status vfy_check(const bc_program *p, char *err, size_t errcap);

#endif
