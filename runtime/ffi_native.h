/* runtime/ffi_native.h - native functions: binding a program's extern
 * definitions and calling them.
 *
 * A run binds every bc_extern of its program once, before any record:
 * to a function the embedder registered, or to a symbol of a library on
 * the run's allow-list, checked against that library's manifest
 * (include/tally_native.h).  The table that results is read-only while
 * the run's VMs share it; CALL_NATIVE marshals values through it.  All of
 * it belongs to one run: no library stays loaded after ffi_free, and
 * nothing here is global.  (Named ffi_native.h, not ffi.h: with -Iruntime
 * an ffi.h here would hide libffi's <ffi.h>; and ffi_invoke, not
 * ffi_call, which is libffi's.)
 */
#ifndef TALLY_RUNTIME_FFI_NATIVE_H
#define TALLY_RUNTIME_FFI_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytecode.h"
#include "mem.h"
#include "status.h"
#include "tally_native.h"
#include "value.h"

/* Budget units one native call costs, besides a unit per 64 bytes of
 * text passed either way.  A unit is about one loop iteration (a few ns,
 * vm.c); a call through libffi with its marshalling costs about a
 * hundred, and the native work is unknown, so a call is charged as a
 * small loop: the default budget (10^8) still allows 100,000 calls per
 * record. */
#define FFI_CALL_COST 1000u

/* A function the embedder registered (tally_register_native). */
typedef struct ffi_reg {
    const char *library; /* borrowed; NULL: a declaration from any library */
    const char *name;    /* borrowed */
    const char *params;  /* borrowed: a type letter per parameter */
    char result;
    tally_native_fn fn;
    void *ud;
} ffi_reg;

typedef struct ffi_table ffi_table;

/* Binding and calls answer with the runtime's status (status.h): RT_OK;
 * RT_ENATIVE (bind: a declaration cannot be bound; err says why);
 * RT_ERUNTIME (call: the function failed or returned a bad value);
 * RT_EINTERNAL (call: an argument is not of its declared kind, which the
 * verifier rules out); RT_ENOMEM. */

/* Binds every extern definition of [p] (borrowed; must outlive the
 * table): first to an entry of [regs] ([nregs] of them, borrowed) with
 * its library (or NULL) and name, else to the symbol of a library named
 * in [allow] (NULL-terminated, borrowed; NULL: none), loaded with
 * dlopen and checked against its manifest.  Nothing is loaded that
 * [allow] does not name, and nothing when [p] has no extern definition
 * (*[out] is then NULL).  On success *[out] is a new table, freed with
 * ffi_free.  On failure writes the reason, naming the declaration, to
 * [err] and returns RT_ENATIVE or RT_ENOMEM; nothing stays loaded. */
rt_status ffi_bind(mem_ctx *mem, const bc_program *p,
                  const char *const *allow, const ffi_reg *regs,
                  size_t nregs, ffi_table **out, char *err, size_t errcap);

/* Unloads the libraries of [t] and frees it; NULL is a no-op. */
void ffi_free(ffi_table *t);

/* Calls extern definition [x] of the table's program with its arguments
 * [args] (arity of them, borrowed), storing the result in *[out], made
 * in [a].  *[bytes] receives the bytes of text marshalled (arguments and
 * result), for the budget.  On RT_ERUNTIME *[msg] (in [a], or static)
 * says what went wrong, for a runtime error at the call site. */
rt_status ffi_invoke(const ffi_table *t, uint16_t x, const value *args,
                    arena *a, value *out, size_t *bytes, const char **msg);

/* Whether the letters [params] and [result] form a signature a native
 * function may have. */
bool ffi_signature_ok(const char *params, char result);

#endif
