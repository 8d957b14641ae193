/* api/explain.h - derivation trees from a vm's trace (api/explain.c),
 * shared by tally_explain and tally run --explain (api/run.c).  Internal
 * to api/.
 */
#ifndef TALLY_API_EXPLAIN_H
#define TALLY_API_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "bytecode.h"
#include "mem.h"
#include "vm.h"

typedef struct xtree xtree;

/* Builds, in [a] (the record arena the trace lives in), the tree of the
 * [nev] events [ev] of one evaluation of [p] on input record [input]
 * (may be NULL: input fields are then not named by path).  [seen]
 * (borrowed, cleared by the caller per record) remembers the calls shown
 * whole.  NULL out of memory. */
xtree *xt_build(const bc_program *p, arena *a, const vm_trace_event *ev,
                uint32_t nev, bool truncated, const value *input,
                strbuf *seen);

/* Whether the trace was cut short at the vm's cap. */
bool xt_truncated(const xtree *t);

/* Appends to [b] the derivation of each field of result [res] (named
 * [out_name]) under [path] (NULL: all): text lines, or with [json] a
 * comma-separated list of field objects (docs/explain.md), or with
 * [compact] the members of run --explain's object, "PATH": {"arms":
 * [...], "cites": [...]}, for the fields some arm or citation decided.
 * False when the result has no field [path]. */
bool xt_render(xtree *t, strbuf *b, const value *res, const char *path,
               bool json, bool compact, const char *out_name);

#endif
