/* api/api.h - what the two halves of the embedding API share (internal).
 *
 * api/program.c makes and keeps programs (compile, load, build, disasm);
 * api/doc.c writes a policy's methodology; api/run.c runs them over records; api/record.c builds a record through
 * the API for a session.  Both see the program handle and the
 * helpers here; nothing outside api/ includes this header.
 */
#ifndef TALLY_API_API_H
#define TALLY_API_API_H

#include "tally.h"

#include <stdbool.h>

#include "bytecode.h"
#include "ffi_native.h"
#include "mem.h"
#include "status.h"

struct tally_program {
    mem_ctx mem;       /* the embedder's allocator and cap */
    tally_config cfg;  /* copied */
    bc_program *prog;  /* owned; verified */
    ffi_reg *regs;     /* owned, through mem: tally_register_native's
                          functions, their strings owned too */
    size_t nregs;
    size_t cap_regs;
    const char **report_docs; /* prog's arena: each report's comment (its
                                 lines joined by "\n"), or NULL; NULL
                                 for a program loaded from bytecode */
};

/* The program [s] runs, and the memory accounting its records draw on
 * (api/record.c's records are counted with the session's). */
const tally_program *api_session_program(const tally_session *s);
mem_ctx *api_session_mem(tally_session *s);

/* The VM [s] evaluates with (tally test reads its coverage counts). */
struct vm *api_session_vm(tally_session *s);

struct value;
struct data_error;

/* Evaluates on [s], as tally_session_eval does, an input record already
 * read and bound elsewhere (tally test's CSV data, read by a data_reader
 * of [s]'s program): [ds] is the reader's status for it, RT_OK with the
 * record in [in_rec] (borrowed; its arena must outlive the call) or
 * RT_EDATA with the rejection in [de].  Output and status as
 * tally_session_eval. */
tally_status api_session_eval_bound(tally_session *s, rt_status ds,
                                    const struct value *in_rec,
                                    const struct data_error *de,
                                    const char **out, size_t *out_len);

/* Binds [tp]'s native functions as a run does (api/run.c): *nt receives
 * the table (NULL when the program has no extern definitions), freed
 * with ffi_free.  TALLY_OK, or the status with a message sent. */
tally_status api_bind_natives(const tally_program *tp, mem_ctx *m,
                              ffi_table **nt);

/* Whether [key] (a text or integer value, or NULL) is written [want]:
 * how tally explain and tally test find a record by its key. */
bool api_key_is(const struct value *key, const char *want);

/* The API's status for the runtime's [s] (runtime/status.h): the one
 * place a runtime status becomes a tally_status.  RT_OK and RT_EOF are
 * TALLY_OK; a limit is a failed record, TALLY_ERUNTIME; RT_EINTERNAL
 * (and anything unknown) TALLY_EINTERNAL. */
tally_status api_status(rt_status s);

/* Points [m] at cfg's allocator and memory cap (0: the default cap,
 * TALLY_NO_MEMORY_CAP: none); [cfg] may be NULL. */
void api_setup_mem(mem_ctx *m, const tally_config *cfg);

struct tly_comp;

/* Sends the diagnostics of compilation [c] to cfg->message (and
 * cfg->diagnostic) in source order, at most cfg->max_errors of them,
 * then a line counting the rest. */
void api_report(const tally_config *cfg, struct tly_comp *c);
/* What tally test adds to a compile (api/test.c): a test file appended
 * to the policy, an instrumented program, and two looks at the front
 * end's state: after loading (to put a test's parameter values in place)
 * and after checking (to read the tests; false stops the compile). */
typedef struct api_front_hook {
    const char *tests_path; /* lang/front.h tly_comp.tests_path, or NULL */
    bool coverage;          /* compile with coverage probes */
    void (*loaded)(void *ud, struct tly_comp *c);
    bool (*checked)(void *ud, struct tly_comp *c);
    void *ud;
    bool coverage_stdlib;   /* with coverage: the standard library's
                               points too (tly_comp.coverage_stdlib) */
} api_front_hook;

/* Compiles (out non-NULL) or checks policy text as tally_compile_in and
 * tally_check_in do, with [h]'s additions (NULL: none). */
tally_status api_front(const tally_config *cfg, const char *file,
                       const char *base_dir, const char *src, size_t len,
                       tally_program **out, const api_front_hook *h);

/* When [src], the text of the file at [path], is a test file (it
 * declares no input or output and imports a policy by path), checks the
 * policy it imports with its tests (api/test.c); else returns
 * TALLY_EOPTION having done nothing. */
tally_status api_check_tests_file(const tally_config *cfg, const char *path,
                                  const char *src, size_t len);

/* Sends [text] to cfg->message, if there is one. */
void api_message(const tally_config *cfg, const char *text);

/* ---- why not (api/whynot.c) ------------------------------------------------
 *
 * The price search on its own, over a probe the caller supplies, so that
 * it can be tested with made-up policies (tests/unit/api/test_whynot.c).
 * Prices are whole hundredths ("cents": pennies for pounds). */
typedef enum wn_probe {
    WN_FIRST,     /* at this price the element ranks first */
    WN_NOT_FIRST, /* it does not (ranks lower, or is not ranked) */
    WN_STOP       /* the evaluation failed: the search stops */
} wn_probe;

typedef wn_probe (*wn_probe_fn)(void *ud, int64_t cents);

typedef enum wn_outcome {
    WN_FOUND,        /* price: the largest ranking first */
    WN_NONE,         /* not first at 1 cent, nor at any price sampled */
    WN_NOT_MONOTONE, /* first at wins_at, not first at loses_at < wins_at */
    WN_STOPPED       /* the probe at stopped_at said WN_STOP */
} wn_outcome;

/* Prices sampled on each side of an answer to test it: a lower price must
 * rank first wherever the answer does.  16 keeps the search under a
 * hundred runs of the program for any price below 2^63 cents. */
#define WN_SPREAD 16

typedef struct wn_search {
    wn_outcome outcome;
    int64_t price;      /* WN_FOUND */
    int64_t wins_at;    /* WN_NOT_MONOTONE */
    int64_t loses_at;   /* WN_NOT_MONOTONE */
    int64_t stopped_at; /* WN_STOPPED */
    unsigned probes;    /* calls of the probe */
} wn_search;

/* Finds the largest price in [1, hi] cents at which [f] says WN_FIRST,
 * where [f] says WN_NOT_FIRST at [hi] (asked unless [hi_known]): first
 * at 1 cent, then a bisection keeping "first at lo, not at hi", then the
 * answer and the answer + 1 asked again, then WN_SPREAD prices evenly
 * spread over [1, answer] (each must be first) and over (answer, hi]
 * (none may be).  When 1 cent is not first, WN_SPREAD prices over
 * [1, hi] are asked: any first there is WN_NOT_MONOTONE.  hi >= 1. */
void wn_search_price(wn_probe_fn f, void *ud, int64_t hi, bool hi_known,
                     wn_search *out);

#endif
