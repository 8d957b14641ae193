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

struct tally_program;

/* Evaluates [tp] (compiled with tally_config.trace) on the input record
 * [in_rec] (bound for [tp]'s program; borrowed) with the evaluation date
 * [as_of] ("YYYY-MM-DD"; NULL: the policy's own), and appends to each
 * outs[i] the text derivation of field paths[i] of the result, as tally
 * explain --path writes it (data names, "bids[2].total"); outs[i] is
 * left as it was when paths[i] is NULL or the result has no such field.  *truncated tells
 * whether the trace was cut short.  Returns TALLY_OK; TALLY_ERUNTIME or
 * TALLY_EDATA when the policy fails on the record (outs untouched);
 * TALLY_EOPTION when [tp] is not traced or [as_of] is not a date;
 * TALLY_ENOMEM; or binding natives' status.  Sends no message but
 * binding natives'.  Used by tally test for a failed expectation. */
tally_status api_explain_paths(const struct tally_program *tp,
                               const value *in_rec, const char *as_of,
                               const char *const *paths, int npaths,
                               strbuf *outs, bool *truncated);

#endif
