/* runtime/bcfile.h - the bytecode file: writing a bc_program, reading one.
 *
 * The layout is documented once, atop bcfile.c.  Reading checks structure
 * only (lengths, counts, section order, checksum, constant encodings); a
 * program that bc_read accepts must still pass vfy_program (verify.h)
 * before anything runs it.
 */
#ifndef TALLY_RUNTIME_BCFILE_H
#define TALLY_RUNTIME_BCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytecode.h"
#include "mem.h"
#include "status.h"

/* Appends the file form of [p] (borrowed) to [out].  Returns false and
 * writes a message to [err] (at most [errcap] bytes, NUL-terminated) when
 * [p] cannot be written: a decimal constant with no finite decimal form, a
 * text constant not pointing at a string-table entry, a constant of a kind
 * a file cannot hold, a file over 4 GiB, or out of memory.  On failure
 * [out] keeps only the bytes it had before the call, and [out]->failed is
 * set exactly when the failure was out of memory. */
bool bc_write(const bc_program *p, strbuf *out, char *err, size_t errcap);

/* Parses the [len] bytes at [buf] (borrowed, untrusted) into a new program
 * drawing on [mem]; on success stores it in *[out] (owned by the caller,
 * freed with bc_program_free).  On any failure returns false, leaves *[out]
 * NULL, frees everything it allocated, and writes to [err] a message that
 * starts with the byte offset and says what was expected there, e.g.
 * "offset 52: constant 3: unknown kind 9". */
bool bc_read(mem_ctx *mem, const uint8_t *buf, size_t len, bc_program **out,
             char *err, size_t errcap);

/* bc_read, telling out of memory from a bad file by status, never by the
 * message: RT_OK, RT_EINVALID ([err] says where) or RT_ENOMEM. */
rt_status bc_load(mem_ctx *mem, const uint8_t *buf, size_t len,
                  bc_program **out, char *err, size_t errcap);

/* The file checksum (64-bit FNV-1a) of [len] bytes at [buf].  A file ends
 * with the checksum of every byte before it; exposed so fuzz targets and
 * tests can re-seal a mutated file and reach the structural checks. */
uint64_t bc_checksum(const uint8_t *buf, size_t len);

#endif
