/* include/tally_native.h - the contract between Tally and native functions.
 *
 * For authors of native libraries (and embedders registering C functions
 * with tally_register_native).  Self-contained: a library includes this
 * header alone and links with nothing of Tally's.  A policy declares
 *
 *   extern definition postcode_area(postcode: text): text
 *     from "libtally_postcode" cites "ONS postcode directory"
 *
 * and, when the run allows that library, Tally calls postcode_area through
 * libffi with the one shape below, whatever the declared types: no call
 * through a guessed C signature can go wrong.
 *
 * Every native function has the type tally_native_fn.  It reads [nargs]
 * arguments, each marshalled by its declared type (the table below), and
 * fills [result], whose type is set before the call.  It returns 0 on
 * success; anything else is a native failure: [err] (errcap bytes, at
 * least 1, starting empty) should hold a message, and the record fails
 * with a runtime error at the call site of the policy.
 *
 *   type     letter  field                        notes
 *   bool     'b'     i: 0 or 1                    a result outside 0..1 fails
 *   integer  'i'     i: int64_t
 *   decimal  'd'     p, len: exact decimal text   "-12.345": optional '-',
 *                                                 digits, optional '.' and
 *                                                 digits; never a double
 *   money    'm'     p, len: exact decimal text   amount in the currency the
 *                                                 declaration names
 *   text     't'     p, len: UTF-8, not NUL-      a result must be valid
 *                    terminated                   UTF-8, at most 1 MiB
 *   date     'D'     i: days since 1970-01-01     0001-01-01..9999-12-31
 *
 * Argument texts are borrowed for the call only.  A text, decimal or money
 * result is copied by Tally when the function returns: write it into the
 * [buf] of [result] (cap bytes, TALLY_NATIVE_BUF_CAP) and point p at it,
 * or point p at memory of the library's own that stays valid until the
 * function returns (static data, say).  Native functions must be
 * functions of their arguments (Tally may reuse a result within a record
 * instead of calling again) and must be safe to call from several threads
 * at once (`tally run --jobs N`).
 *
 * A library proves which functions it offers, and with which types, by
 * exporting a manifest; see tally_native_manifest below.
 */
#ifndef TALLY_NATIVE_H
#define TALLY_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this calling convention; a manifest states the one it was
 * built against and Tally refuses any other. */
#define TALLY_NATIVE_ABI 1u

/* Type letters, in manifests and in tally_native_value.type. */
#define TALLY_NATIVE_BOOL 'b'
#define TALLY_NATIVE_INTEGER 'i'
#define TALLY_NATIVE_DECIMAL 'd'
#define TALLY_NATIVE_MONEY 'm'
#define TALLY_NATIVE_TEXT 't'
#define TALLY_NATIVE_DATE 'D'

/* Most parameters a native function may take. */
#define TALLY_NATIVE_MAX_PARAMS 16

/* Bytes of the buffer a result may be written into. */
#define TALLY_NATIVE_BUF_CAP 1024

typedef struct tally_native_value {
    char type;     /* TALLY_NATIVE_* letter; set by Tally */
    int64_t i;     /* bool, integer, date (see the table above) */
    const char *p; /* decimal, money, text: the bytes (not NUL-terminated) */
    size_t len;    /* bytes at p */
    char *buf;     /* result only: room for the result's bytes, or NULL */
    size_t cap;    /* bytes at buf */
} tally_native_value;

/* The one shape of every native function.  [ud] is NULL for a function
 * of a library, and the registered pointer for one registered with
 * tally_register_native. */
typedef int (*tally_native_fn)(void *ud, const tally_native_value *args,
                               size_t nargs, tally_native_value *result,
                               char *err, size_t errcap);

/* One function a library offers: [name] is both its symbol and the name
 * a policy declares; [params] a type letter per parameter ("t", "dm", ""
 * for none); [result] the result's letter. */
typedef struct tally_native_entry {
    const char *name;
    const char *params;
    char result;
} tally_native_entry;

/* What a library exports under the symbol "tally_native_manifest":
 *
 *   static const tally_native_entry entries[] = {
 *       {"postcode_area", "t", TALLY_NATIVE_TEXT},
 *       {NULL, NULL, 0},
 *   };
 *   const tally_native_library tally_native_manifest = {
 *       TALLY_NATIVE_ABI, entries};
 *
 * A library without it is not loaded; a policy's declaration that does
 * not match its entry (or has none) is an error before any record runs. */
typedef struct tally_native_library {
    uint32_t abi;                      /* TALLY_NATIVE_ABI */
    const tally_native_entry *entries; /* ends with a NULL name */
} tally_native_library;

#ifdef __cplusplus
}
#endif

#endif
