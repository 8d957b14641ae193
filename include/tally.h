/* include/tally.h - the embedding API of Tally.
 *
 * Tally compiles procurement policies to bytecode and evaluates them
 * against tender data.  This header is the whole public interface: what
 * is not here is not API.  A program embeds Tally by compiling a policy
 * (or loading a built bytecode file, which is verified before use) and
 * running it over a stream of records.
 *
 * Memory: every allocation goes through tally_config.alloc when given
 * (the program handle and tally_build's buffer too), except the input
 * batches of a run with jobs > 1 (see tally_run_options.jobs).
 * Ownership: a tally_program belongs to the caller until
 * tally_program_free; buffers returned by tally_build are freed with
 * tally_buffer_free.  Threads: a program may be shared by threads only
 * for reading; each run uses its own state, its own memory accounting
 * and its own memory cap (tally_config.alloc, if given, is then called
 * from those threads at once and must be thread-safe).  The library never prints:
 * messages reach the caller through tally_config.message.
 */
#ifndef TALLY_H
#define TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tally_native.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TALLY_API __attribute__((visibility("default")))
#else
#define TALLY_API
#endif

#define TALLY_VERSION_MAJOR 0
#define TALLY_VERSION_MINOR 1
#define TALLY_VERSION_PATCH 0
#define TALLY_VERSION "0.1.0"

typedef enum tally_status {
    TALLY_OK = 0,
    TALLY_EPOLICY,   /* the policy has errors (messages say which) */
    TALLY_EDATA,     /* some input records were rejected */
    TALLY_ERUNTIME,  /* the policy failed on some record */
    TALLY_EBYTECODE, /* a bytecode file is malformed or fails verification */
    TALLY_EIO,       /* reading or writing failed */
    TALLY_ENOMEM,    /* out of memory, or the memory cap was reached */
    TALLY_EINTERNAL, /* a bug in Tally */
    TALLY_ECANCELED, /* the run was stopped by its should_stop callback */
    TALLY_ENATIVE,   /* a native function cannot be bound: its library is
                        not allowed, fails to load, lacks the function, or
                        disagrees with the policy's declaration */
    TALLY_EOPTION,   /* a run option is not valid (the message says which) */
    TALLY_EFINDINGS  /* every record was evaluated, and some findings were
                        at or above tally_run_options.fail_on */
} tally_status;

/* Realloc-style allocator: ptr NULL allocates, new_size 0 frees. */
typedef void *(*tally_alloc_fn)(void *ud, void *ptr, size_t old_size,
                                size_t new_size);

/* Receives each message (a rendered diagnostic, a runtime trace), without
 * a trailing newline. */
typedef void (*tally_message_fn)(void *ud, const char *text);

typedef enum tally_severity {
    TALLY_SEVERITY_ERROR,
    TALLY_SEVERITY_WARNING
} tally_severity;

/* One diagnostic about a policy, as data: what tally_message_fn receives
 * rendered.  Every pointer is valid only during the call. */
typedef struct tally_diagnostic {
    tally_severity severity;
    const char *code;    /* the stage that found it: "syntax" (lexer and
                            parser), "check" (names and types), "compile"
                            (code generation and its limits) */
    const char *file;    /* the policy's name, as given to tally_compile */
    uint32_t line;       /* 1-based */
    uint32_t column;     /* 1-based, in characters */
    uint32_t end_line;   /* where the span ends (inclusive of its last */
    uint32_t end_column; /* character); equal to line/column for a point */
    const char *message; /* "unknown field 'pirce'" */
    const char *hint;    /* "did you mean 'price'?", or NULL */
} tally_diagnostic;

/* Receives each diagnostic as data, in source order, at most max_errors
 * of them (the count of the rest goes to tally_message_fn only). */
typedef void (*tally_diagnostic_fn)(void *ud, const tally_diagnostic *d);

typedef struct tally_config {
    tally_alloc_fn alloc;     /* NULL: the C library */
    void *alloc_ud;
    tally_message_fn message; /* NULL: messages are dropped */
    void *message_ud;
    size_t memory_cap;        /* bytes of live memory a compile or a
                                 run may hold, counted through one
                                 accounting (per worker with jobs > 1),
                                 GMP's numbers included; 0:
                                 TALLY_DEFAULT_MEMORY_CAP;
                                 TALLY_NO_MEMORY_CAP: none */
    uint64_t budget;          /* budget units per record: one per loop
                                 iteration and call, and work beyond that
                                 in proportion (text bytes copied, items
                                 scanned or sorted, big-number limbs); 0:
                                 TALLY_DEFAULT_BUDGET */
    uint32_t max_errors;      /* diagnostics sent per policy compiled, in
                                 source order, then one line counting the
                                 rest; 0: TALLY_DEFAULT_MAX_ERRORS;
                                 TALLY_ALL_ERRORS: every one */
    tally_diagnostic_fn diagnostic; /* NULL: diagnostics only as
                                       messages */
    void *diagnostic_ud;
    const char *const *allow_native; /* libraries a run may load for the
                                 policy's extern definitions, NULL-
                                 terminated (borrowed; must outlive the
                                 programs made with this config): a name
                                 ("libtally_postcode": loaded as
                                 libtally_postcode.so from the system's
                                 library path) or a path with a '/'
                                 ("./lib/libtally_postcode.so", whose
                                 name is the file name up to ".so").
                                 NULL: none.  Only tally_run loads; a
                                 compile, check, load or build never does.
                                 Native code runs with the process's full
                                 rights: allow only libraries you trust */
    const char *const *lib_path; /* directories searched, in order, for
                                 the modules a policy imports by name
                                 (`import procurement` reads
                                 DIR/procurement.tally), NULL-terminated
                                 (borrowed: used only while compiling),
                                 before the installed standard library
                                 (PREFIX/share/tally/stdlib) and the copy
                                 built into the library.  NULL: those
                                 two only */
    int no_file_imports;      /* non-zero: `import "PATH"` is an error,
                                 for policy text from someone who may not
                                 read the compiling process's files (an
                                 imported file's lines can appear in
                                 diagnostics); `import NAME` still works */
    int trace;                /* non-zero: compile programs for derivation
                                 traces (tally_explain, tally_run_options
                                 .explain): every call, field read, arm
                                 and record literal is noted; slower, no
                                 results reused within a record, never
                                 written by tally_build */
} tally_config;

#define TALLY_DEFAULT_BUDGET 100000000u /* far above any real tender */

/* A screenful and more: enough to fix a policy by, and a bound on what a
 * hostile one can make a CI log hold (each error shows at most
 * 120 characters of its line, so ~25 KB at most for the default). */
#define TALLY_DEFAULT_MAX_ERRORS 50u
#define TALLY_ALL_ERRORS UINT32_MAX

/* 512 MiB: eight times the largest record text the reader accepts (64
 * MiB, DATA_MAX_RECORD), room for the values of any record of a real
 * shape (a run of the award policy holds a few MiB), while what the cap
 * cannot see (code, stacks, GMP's transient buffers, malloc's overhead)
 * still fits with it under 1 GB: a hostile policy stops with "limit
 * exceeded: memory cap" before it can exhaust an ordinary machine or
 * container.  Per worker with jobs > 1.  Raise it with memory_cap (the
 * CLI's --memory-cap BYTES), lift it with TALLY_NO_MEMORY_CAP. */
#define TALLY_DEFAULT_MEMORY_CAP ((size_t)512 << 20)
#define TALLY_NO_MEMORY_CAP SIZE_MAX /* memory_cap: lift the cap */

typedef struct tally_program tally_program;

/* Compiles policy text [src] of [len] bytes, named [file] in messages.
 * On success *out is a new program; otherwise the errors have been sent
 * to cfg->message (up to cfg->max_errors, then a count of the rest) and
 * TALLY_EPOLICY (or TALLY_ENOMEM) is returned.  Compiling is near-linear
 * in [len], and all its memory counts against cfg->memory_cap. */
TALLY_API tally_status tally_compile(const tally_config *cfg, const char *file,
                                     const char *src, size_t len,
                                     tally_program **out);

/* Checks policy text without producing a program; the same messages as
 * tally_compile.  A test file ([src] holds tests and imports the policy
 * it tests by path, and [file] is its path) is checked with that policy,
 * read from the file system (not when cfg->no_file_imports). */
TALLY_API tally_status tally_check(const tally_config *cfg, const char *file,
                                   const char *src, size_t len);

/* tally_compile and tally_check for a policy whose `import "PATH"` lines
 * are resolved relative to [base_dir] (NULL: the directory of [file], as
 * tally_compile does): for text that is not read from [file].  Modules
 * imported by name are looked up through cfg->lib_path, the installed
 * standard library, then the built-in copy.  Every module's code is
 * compiled into the program: a built program needs none of the files. */
TALLY_API tally_status tally_compile_in(const tally_config *cfg,
                                        const char *file, const char *base_dir,
                                        const char *src, size_t len,
                                        tally_program **out);
TALLY_API tally_status tally_check_in(const tally_config *cfg, const char *file,
                                      const char *base_dir, const char *src,
                                      size_t len);

/* Writes the policy text [src] ([len] bytes; [file] names it in
 * messages) to [out] in Tally's canonical layout (`tally fmt`,
 * docs/language.md "Layout"): the same tokens, comments kept, spacing
 * and indentation made canonical.  Imports are not read.  A policy with
 * syntax errors is not formatted: TALLY_EPOLICY, each error through
 * tally_config.message, nothing written.  TALLY_EIO when writing [out]
 * fails.  TALLY_EINTERNAL (with a message asking for the policy to be
 * reported) if the layout it made would not read back as the same
 * tokens: a bug in the formatter, checked on every call. */
TALLY_API tally_status tally_format(const tally_config *cfg, const char *file,
                                    const char *src, size_t len, FILE *out);

/* Reads and verifies a bytecode file held in [buf].  A malformed or
 * hostile file gives TALLY_EBYTECODE and a message naming the offset. */
TALLY_API tally_status tally_load(const tally_config *cfg, const char *file,
                                  const uint8_t *buf, size_t len,
                                  tally_program **out);

/* Serializes [p]; *buf (owned by the caller, free with tally_buffer_free
 * and the same [p] and *len: the buffer comes from p's allocator and is
 * exactly *len bytes) receives the bytes.  A program compiled with
 * tally_config.trace is refused (TALLY_EOPTION, with a message). */
TALLY_API tally_status tally_build(const tally_program *p, uint8_t **buf,
                                   size_t *len);
TALLY_API void tally_buffer_free(const tally_program *p, uint8_t *buf,
                                 size_t len);

/* A readable listing of [p]'s bytecode, written to [out]. */
TALLY_API tally_status tally_disasm(const tally_program *p, FILE *out);

TALLY_API void tally_program_free(tally_program *p); /* NULL is a no-op */

/* Registers the C function [fn] for [p]'s extern definitions named
 * [name] from [library] (NULL: from any library), with a type letter per
 * parameter in [params] and [result] (tally_native.h); [fn] is called
 * with [ud].  A registered function needs no allow_native entry and is
 * preferred to a library's.  Whether it matches the declaration is
 * checked when a run starts, as a library's manifest is: a mismatch
 * gives TALLY_ENATIVE then.  Registering again under the same [library]
 * and [name] replaces the earlier one.  Strings are copied.  Not to be
 * called while [p] runs on another thread.  Returns TALLY_OK,
 * TALLY_ENATIVE (message sent) for a malformed [name] or signature, or
 * TALLY_ENOMEM. */
TALLY_API tally_status tally_register_native(tally_program *p,
                                             const char *library,
                                             const char *name,
                                             const char *params, char result,
                                             tally_native_fn fn, void *ud);

typedef enum tally_input_format {
    TALLY_INPUT_AUTO,  /* a JSON array, or JSON Lines when the first line
                          is a whole value and more lines follow */
    TALLY_INPUT_JSONL,
    TALLY_INPUT_JSON,
    TALLY_INPUT_OCDS,  /* Open Contracting data as published: release
                          packages (each release a record), record
                          packages (each record's compiledRelease), and
                          releases, one object a line; packages may be
                          pretty-printed, and are streamed */
    TALLY_INPUT_CSV    /* a header row naming the input record's fields
                          (by their data names), then a record a row;
                          refused (TALLY_EOPTION) when the input record
                          has a record, list or map field */
} tally_input_format;

typedef enum tally_output_format {
    TALLY_OUTPUT_JSONL,
    TALLY_OUTPUT_JSON,
    TALLY_OUTPUT_CSV,
    TALLY_OUTPUT_TABLE,
    TALLY_OUTPUT_JUNIT,  /* JUnit XML: a test case per record, failing with
                            its findings, an error for an error record */
    TALLY_OUTPUT_TAP,    /* TAP version 13, a test point per record */
    TALLY_OUTPUT_GITHUB, /* GitHub Actions annotations, a line per finding
                            and per error record */
    TALLY_OUTPUT_HTML    /* reports only (report_format, tally_report_merge):
                            one self-contained HTML page of every report,
                            its table and bar charts; refused
                            (TALLY_EOPTION) as a run's output */
} tally_output_format;

typedef struct tally_run_stats {
    uint64_t records;   /* input records seen */
    uint64_t evaluated; /* results written */
    uint64_t rejected;  /* records rejected as bad data */
    uint64_t failed;    /* records on which the policy failed */
    uint64_t findings;  /* findings reported, of every severity */
    uint64_t failing;   /* of those, at or above tally_run_options.fail_on */
} tally_run_stats;

/* The least severity of finding that makes a run's status
 * TALLY_EFINDINGS (tally_run_options.fail_on). */
typedef enum tally_fail_on {
    TALLY_FAIL_ON_NONE,    /* findings never change the status */
    TALLY_FAIL_ON_NOTICE,  /* any finding */
    TALLY_FAIL_ON_WARNING, /* a warning or an error */
    TALLY_FAIL_ON_ERROR    /* an error */
} tally_fail_on;

/* One JSON array that several runs write into (tally_run_options
 * .json_array): `tally run --format json` over several inputs, with the
 * reports after the results, is one JSON document.  Zero it before the
 * first run. */
typedef struct tally_json_array {
    int open; /* a run has written the array's "[" */
    int any;  /* it holds an element */
} tally_json_array;

/* Appends one element to the array [a] tracks on [out]: [len] bytes of
 * [json], one JSON value (not checked), opening the array first if no run
 * has.  TALLY_OK, or TALLY_EIO when writing failed. */
TALLY_API tally_status tally_json_array_add(tally_json_array *a, FILE *out,
                                            const char *json, size_t len);

/* Ends the array [a] tracks on [out] ("[]" when no run opened it).
 * TALLY_OK, or TALLY_EIO when writing failed. */
TALLY_API tally_status tally_json_array_close(tally_json_array *a, FILE *out);

/* Called every [progress_every] records, for progress displays. */
typedef void (*tally_progress_fn)(void *ud, const tally_run_stats *s);

typedef struct tally_run_options {
    tally_input_format input;
    tally_output_format output;
    const char *input_name; /* for messages */
    tally_progress_fn progress;
    void *progress_ud;
    uint64_t progress_every;
    unsigned jobs; /* worker threads; 0 or 1: evaluate on the calling
                      thread.  More apply to JSON Lines in and out, and
                      give the same bytes in the same order.  With more
                      than one, tally_config.alloc is called from the
                      workers at the same time (it must be thread-safe),
                      the memory cap applies to each worker, and the
                      batches of input text use the C library's malloc. */
    uint64_t budget;   /* this run's budget per record; 0: the program's
                          (tally_config.budget) */
    size_t memory_cap; /* this run's memory cap; 0: the program's
                          (tally_config.memory_cap); TALLY_NO_MEMORY_CAP:
                          none */
    int (*should_stop)(void *ud); /* asked before each record (before each
                                     batch with jobs > 1): non-zero ends
                                     the run, after writing what is
                                     evaluated, with TALLY_ECANCELED.  One
                                     record is bounded by the budget. */
    void *should_stop_ud;
    int cites;  /* non-zero, JSON Lines and JSON output: each result ends with
                   "cites", the citations of the definitions, parameter
                   rows and rule arms that decided it, as a list of
                   {"by": "definition sme", "cites": "Procurement Act
                   2023, s.123(1)", "url": ...} (url when the policy gives
                   one), in the order the policy first cites them; an
                   error record inside a cited definition ends with that
                   one.  CSV and table output have no place for them:
                   there it is ignored (tally run refuses the pair). */
    int findings_only; /* non-zero, JSON Lines and JSON output: write each
                          finding of the policy's 'finding' declarations as
                          a record of its own ({"<input>": key, "code",
                          "severity", "message", "cite", "url"}) instead of
                          the results; error records are written as ever.
                          Without it a result ends with "findings": [...]
                          when the policy declares findings. */
    tally_fail_on fail_on; /* findings at or above this severity make the
                              status TALLY_EFINDINGS (when no record failed
                              or was rejected) */
    const char *as_of; /* "YYYY-MM-DD": the evaluation date of every
                          record, overriding the policy's 'as of' line;
                          dated parameters and definitions named without
                          'on' take their value in force that day.  NULL:
                          the policy's own.  Not a date: TALLY_EOPTION. */
    int all_errors; /* non-zero: a rejected record's error names every
                       problem found in it, in document order ("bids[0]
                       .price: not a decimal string; buyer: missing"), up
                       to 20, then "; and N more"; zero: only the first */
    const char *records_at; /* a JSON pointer ("/data/items"): the records
                               are the elements of the array there in each
                               top-level object of the input (one, or one
                               a line), streamed; overrides [input].  NULL:
                               none.  Not a pointer of object keys:
                               TALLY_EOPTION. */
    FILE *report; /* where the policy's reports are written once every
                     record is read: NULL writes them to the run's output
                     after the results (refused, TALLY_EOPTION, for the CI
                     formats) unless [report_partial] is given */
    tally_output_format report_format; /* JSONL, JSON, CSV, TABLE or HTML: the
                                          format of [report]; ignored when
                                          reports go to the run's output,
                                          which take its format */
    FILE *report_partial; /* non-NULL: the reports' partial state is
                             written here as JSON (exact sums, counts,
                             least and greatest values, distinct values)
                             for tally_report_merge, and no report is
                             written unless [report] is given */
    tally_json_array *json_array; /* with JSON output: non-NULL makes the
                                     results elements of one array that
                                     spans runs (several inputs, then the
                                     reports): the first run opens it, no
                                     run closes it, tally_json_array_close
                                     does.  NULL: a run writes one whole
                                     array, its reports (when they go to
                                     [out]) as its last elements, each
                                     with "report": NAME first */
    int explain; /* non-zero, JSON Lines and JSON output, with a program
                    compiled with tally_config.trace (else TALLY_EOPTION):
                    each result ends with "explain", its compact reason
                    tree (docs/explain.md) */
} tally_run_options;

/* Evaluates [p] on every record read from [in], writing one result or one
 * error record per input record to [out], in input order.  Returns
 * TALLY_OK when every record was evaluated, TALLY_ERUNTIME when the policy
 * failed on some, TALLY_EDATA when some were rejected (and none failed),
 * or TALLY_EIO / TALLY_ENOMEM when the run could not go on.  A failed
 * write to [out] gives TALLY_EIO without a message: the caller knows what
 * [out] is, and ferror(out) tells it from a read error on [in].  Before
 * reading any record, binds [p]'s extern definitions (registered functions
 * first, then the libraries of cfg->allow_native); when one cannot be
 * bound it sends a message naming the declaration and returns
 * TALLY_ENATIVE, having read and written nothing.  Libraries are loaded
 * for the run and unloaded at its end. */
TALLY_API tally_status tally_run(const tally_program *p,
                                 const tally_run_options *opts, FILE *in,
                                 FILE *out, tally_run_stats *stats);

/* ---- derivation traces: tally explain (docs/explain.md) ---------------- */

/* What tally_explain explains and how it writes it. */
typedef struct tally_explain_options {
    tally_input_format input; /* as tally_run_options.input */
    const char *input_name;   /* for messages */
    const char *record;       /* the key (the input's `keyed by` field, as
                                 text) of the record to explain: the first
                                 record whose key it is */
    const char *path;         /* NULL: every field of the result; else one
                                 field or part of it, "bids[2].total"
                                 (0-based positions, as error paths),
                                 optionally after "result." (the output's
                                 name) */
    int json;                 /* non-zero: the versioned trace JSON
                                 (trace_version 1) instead of text */
    uint32_t max_events;      /* events kept per record; 0: the default,
                                 TALLY_DEFAULT_TRACE_EVENTS; past it the
                                 trace says "trace truncated" */
    const char *as_of;        /* as tally_run_options.as_of */
} tally_explain_options;

#define TALLY_DEFAULT_TRACE_EVENTS 200000u

/* Reads records from [in] until the one whose key is opts->record,
 * evaluates it with [p] (compiled with tally_config.trace, else
 * TALLY_EOPTION) and writes to [out] the derivation of its result, or of
 * the field opts->path: an indented tree of the definitions and rules
 * that ran with their arguments and values, the input fields they read
 * (by path from the input record), the arms taken and the citations on
 * the way, each with its place in the policy.  Returns TALLY_OK;
 * TALLY_EOPTION, with a message, when no record has that key or the
 * result has no such field; TALLY_EDATA when the record is rejected as
 * bad data and TALLY_ERUNTIME when the policy fails on it (the message
 * says why; the text shows the derivation up to the failure);
 * TALLY_EIO / TALLY_ENOMEM as tally_run. */
TALLY_API tally_status tally_explain(const tally_program *p,
                                     const tally_explain_options *opts,
                                     FILE *in, FILE *out);

/* Merges the [n] partial report states in [texts] (each [lens] bytes,
 * named [names] in messages), as tally_run_options.report_partial wrote
 * them for runs of [p] over parts of a corpus, and writes the reports to
 * [out] in [format] (JSONL, JSON, CSV, TABLE or HTML): the bytes one run over
 * the whole corpus writes.  With [partial] non-zero it writes the merged
 * partial state instead, to be merged again.  Returns TALLY_OK;
 * TALLY_EDATA, with a message naming the file and the place, for a text
 * that is not a partial state of [p]'s reports (another policy, version
 * or layout of its reports, or damaged); TALLY_EOPTION when [p] declares
 * no report; TALLY_ERUNTIME for a result with no exact form;
 * TALLY_ENOMEM; TALLY_EIO when writing [out] failed. */
TALLY_API tally_status tally_report_merge(const tally_program *p, size_t n,
                                          const char *const *names,
                                          const char *const *texts,
                                          const size_t *lens,
                                          tally_output_format format,
                                          int partial, FILE *out);

/* A session evaluates records one at a time, for an embedder that has
 * them one at a time (a request handler, a queue consumer) rather than as
 * a stream: it keeps a VM, a result writer and their memory, reused from
 * record to record.  One session per thread; any number may share [p].
 * [opts] may be NULL; only its budget and memory_cap apply (records are
 * JSON in and JSON out).  [p] must outlive the session. */
typedef struct tally_session tally_session;

TALLY_API tally_status tally_session_new(const tally_program *p,
                                         const tally_run_options *opts,
                                         tally_session **out);

/* Evaluates the one record in the [len] bytes of JSON text at [json].
 * *out / *out_len receive the output record as JSON text, without a
 * newline: exactly the line tally_run would write for it (a result, or
 * an error record naming the record and the field), valid until the next
 * call on [s].  Returns TALLY_OK for a result, TALLY_EDATA for a rejected
 * record, TALLY_ERUNTIME for one the policy failed on (its trace goes to
 * tally_config.message); TALLY_ENOMEM or TALLY_EINTERNAL when no output
 * record could be made (*out is then NULL). */
TALLY_API tally_status tally_session_eval(tally_session *s, const char *json,
                                          size_t len, const char **out,
                                          size_t *out_len);

TALLY_API void tally_session_free(tally_session *s); /* NULL is a no-op */

/* A record built through the API, for an embedder that holds the values
 * rather than JSON text: made for one session, set field by field, then
 * evaluated by tally_session_eval_record, which gives exactly what
 * tally_session_eval gives for the same record as JSON.
 *
 * A [path] names a value inside the input record by the data's keys (the
 * names JSON text would use): "id", "supplier.name", "bids[0].price" (a
 * list element: [N], where N is at most the list's length so far, and N
 * equal to it appends), "scores[\"Q1\"]" (a map entry: a quoted key, with
 * \" and \\ escapes).  The records, lists and map entries a path goes
 * through are made as needed.  Each setter checks the path against the
 * program's input types and the value against the field's type, and
 * returns TALLY_OK, TALLY_EDATA for a path or value that does not fit
 * (no such field, a setter of the wrong type, a malformed decimal, date
 * or enum spelling, text not UTF-8: tally_record_error says which, naming
 * the field), or TALLY_ENOMEM.  A setter refused with TALLY_EDATA
 * leaves the record as it was.  What depends on the whole record
 * (required fields, integer bounds, unique keys, the record's checks) is
 * found when it is evaluated, as for JSON text: the output is then an
 * error record.
 *
 * Memory comes from the session's accounting (its cap applies); a value
 * set twice keeps the first until tally_record_clear.  A record must be
 * freed before its session, and, like its session, used by one thread at
 * a time. */
typedef struct tally_record tally_record;

/* A new, empty record for [s]'s program's input; TALLY_ENOMEM if none. */
TALLY_API tally_status tally_record_new(tally_session *s, tally_record **out);

/* Empties [r] for the next record, keeping its memory for reuse. */
TALLY_API void tally_record_clear(tally_record *r);

TALLY_API void tally_record_free(tally_record *r); /* NULL is a no-op */

/* The message of the last failed call on [r] ("bids[0].prise: Bid has no
 * field 'prise'"), or "" after a call that succeeded.  Valid until the
 * next call on [r]. */
TALLY_API const char *tally_record_error(const tally_record *r);

/* An integer field, or a duration in days. */
TALLY_API tally_status tally_record_set_int(tally_record *r, const char *path,
                                            int64_t v);
TALLY_API tally_status tally_record_set_duration(tally_record *r,
                                                 const char *path,
                                                 int64_t days);
/* A decimal, money or percent field from its exact decimal text:
 * "1234.50", "-3", "40" (percent, as in data, is in percentage points:
 * "40" is 40%).  Never a double. */
TALLY_API tally_status tally_record_set_decimal(tally_record *r,
                                                const char *path,
                                                const char *digits);
TALLY_API tally_status tally_record_set_bool(tally_record *r, const char *path,
                                             int v);
/* A text field: [len] bytes of UTF-8 at [s] (copied). */
TALLY_API tally_status tally_record_set_text(tally_record *r, const char *path,
                                             const char *s, size_t len);
/* A date field ("2026-04-25") or a datetime field
 * ("2026-04-28T07:02:00Z", an offset or Z required). */
TALLY_API tally_status tally_record_set_date(tally_record *r, const char *path,
                                             const char *date);
/* An enum field, by the member's spelling in data ("above-threshold"). */
TALLY_API tally_status tally_record_set_enum(tally_record *r, const char *path,
                                             const char *spelling);
/* An optional field (or list element, or map value) set to none. */
TALLY_API tally_status tally_record_set_none(tally_record *r,
                                             const char *path);
/* A list or map field set to empty (a list or map that is never set is
 * missing, as a key left out of JSON text is). */
TALLY_API tally_status tally_record_set_empty(tally_record *r,
                                              const char *path);

/* [r] as the JSON text tally_session_eval_record evaluates, in *out /
 * *out_len (valid until the next call on [r]); TALLY_ENOMEM if it cannot
 * be made.  Fields come in declaration order, map entries in the order
 * first set. */
TALLY_API tally_status tally_record_json(tally_record *r, const char **out,
                                         size_t *out_len);

/* Evaluates the record built in [r] (made for [s]) as tally_session_eval
 * evaluates JSON text: the same output line in *out / *out_len, the same
 * statuses, and TALLY_EOPTION when [r] belongs to another session. */
TALLY_API tally_status tally_session_eval_record(tally_session *s,
                                                 tally_record *r,
                                                 const char **out,
                                                 size_t *out_len);

/* Writes to [out] a JSON description of what [p] reads and writes, for
 * tools that build forms or check data against a policy:
 *   {"format": 1, "title": ..., "version": ..., "source": ...,
 *    "input": {"name": "tender", "key": "id", "type": T},
 *    "output": {"type": T}, "parameters": [P], "origin": ...,
 *    "cites": [C]}
 * where a type T is {"kind": "record", "name": ..., "fields": [{"name":
 * ..., "json": ..., "type": T}]}, {"kind": "list", "of": T}, {"kind":
 * "map", "of": T}, {"kind": "optional", "of": T}, {"kind": "enum",
 * "name": ..., "members": [...]}, {"kind": "integer", "min": ..., "max":
 * ...}, {"kind": "money", "currency": ...}, {"kind": "decimal",
 * "places": ...}, or {"kind": K} for bool, percent, date, datetime,
 * duration and text.  A record met again inside itself is {"kind":
 * "record", "name": ..., "ref": true}.  A parameter P is {"name": ...,
 * "type": T, "cites": ... or null}, and, when its value changes over
 * time, "in_force": [{"from": "YYYY-MM-DD", "until": "YYYY-MM-DD" or
 * null}] for its rows.  "origin" is the header's source
 * line (null without one); each citation C is {"by": ..., "cites": ...,
 * "url": ...} as tally_run_options.cites writes them. */
TALLY_API tally_status tally_describe(const tally_program *p, FILE *out);

/* The policy's header: its title, version and source ("" for what the
 * header does not give), and how many citations the program carries.
 * The strings live as long as [p]. */
typedef struct tally_policy_info {
    const char *title;
    const char *version;
    const char *origin; /* the header's `source "..."` */
    unsigned ncites;
    unsigned nreports; /* the policy's report declarations */
} tally_policy_info;

TALLY_API void tally_program_policy(const tally_program *p,
                                    tally_policy_info *out);

typedef enum tally_doc_format {
    TALLY_DOC_HTML,    /* one self-contained page: inline CSS, no scripts */
    TALLY_DOC_MARKDOWN /* GitHub-flavoured Markdown */
} tally_doc_format;

typedef struct tally_doc_options {
    tally_doc_format format;
    const char *as_of; /* "YYYY-MM-DD": dated values are shown as in force
                          that day.  NULL: the policy's `as of` when it is
                          a date written out, else [today] */
    const char *today; /* "YYYY-MM-DD" used when neither gives a day;
                          NULL: no day (dated values show their history
                          only) */
} tally_doc_options;

/* Checks the policy text [src] of [len] bytes, named [file] in messages
 * (its `import "PATH"` lines resolved from [file]'s directory), and
 * writes to [out] the methodology a council publishes with its tender:
 * the header, the authors' comments as prose, every record, enum,
 * parameter (its value on the day and its dated history), definition,
 * rule, exception, decision table, finding and the output, the imported
 * modules' items the policy uses, and every citation once, as links
 * where the policy gives an address.  A policy with errors gives
 * TALLY_EPOLICY and its diagnostics, as tally_check does, and writes
 * nothing; a malformed date in [opts] TALLY_EOPTION (message sent);
 * a failed write TALLY_EIO without a message. */
TALLY_API tally_status tally_doc(const tally_config *cfg, const char *file,
                                 const char *src, size_t len,
                                 const tally_doc_options *opts, FILE *out);
/* ---- assessment summaries (tally summaries) -------------------------------
 *
 * A supplier's assessment summary (Procurement Act 2023 s.50, Procurement
 * Regulations 2024 reg. 31), made from the same run that made the
 * decision: the policy's `summaries` declaration says which values of the
 * input and output records are the supplier, its status and reason, each
 * criterion's score and weight, the total, the rank, the award and the
 * evaluators' justifications, and gives the letter's wording. */
typedef enum tally_summary_format {
    TALLY_SUMMARY_HTML,     /* self-contained pages with an inline SVG chart */
    TALLY_SUMMARY_MARKDOWN, /* GitHub-flavoured Markdown */
    TALLY_SUMMARY_JSON      /* one JSON object a file */
} tally_summary_format;

/* Receives one file of the summaries: [name] is "index.EXT" (every
 * tender), "TENDER/index.EXT" (one tender) or "TENDER/SUPPLIER.EXT" (one
 * letter), TENDER and SUPPLIER the records' references with any byte
 * but letters, digits, '.', '-' and '_' made '_'.  Returns non-zero when
 * the file could not be written (the summaries then stop, TALLY_EIO). */
typedef int (*tally_summary_sink)(void *ud, const char *name,
                                  const char *bytes, size_t len);

/* Checks and compiles the policy [src] (as tally_doc and tally_compile
 * do; errors as tally_check gives them, TALLY_EPOLICY, nothing written),
 * refuses one with no `summaries` declaration (TALLY_EPOLICY, an error
 * at the end of the file), then evaluates each JSON Lines record of [in] and gives [sink]
 * each tender's page and letters, then the index.  A record the policy
 * rejects or fails on, or whose scored suppliers lack a justification
 * the declaration asks for, gets no letters: the index lists it with
 * the reason, a message names it, and the result is TALLY_EDATA (or
 * TALLY_ERUNTIME when the policy failed) once every record is done. */
TALLY_API tally_status tally_summaries(const tally_config *cfg,
                                       const char *file, const char *src,
                                       size_t len, FILE *in,
                                       tally_summary_format format,
                                       tally_summary_sink sink, void *ud);

/* ---- tests (tally test) ----------------------------------------------------
 *
 * A policy's `test` blocks, in its own file or in a test file importing it
 * (`import "award.tally"`, then tests), are worked examples: a record
 * given from a data file, an optional evaluation date and parameter
 * values, and what the output must hold.  A tally_tests gathers the
 * results of the tests of any number of files, and their coverage. */
typedef struct tally_tests tally_tests;

typedef struct tally_test_options {
    const char *filter; /* run only the tests whose name contains this;
                           the others count as skipped.  NULL: all */
    int coverage;       /* non-zero: compile instrumented programs and count
                           which rule arms, branches, match cases,
                           exceptions, table rows and definitions the tests
                           reach (tally_tests_write TALLY_TESTS_COVERAGE) */
    int mutate;         /* non-zero: after a file's tests all pass, run them
                           again against each mutant of its policy (one
                           small change: a number one unit up in its last
                           place, < and <= swapped, and and or swapped, a
                           rule's when arm dropped, a sort direction or a
                           rounding mode changed); a mutant no test fails
                           survives (tally_tests_write
                           TALLY_TESTS_MUTANTS) */
    FILE *report;       /* each failed test described as it fails (its
                           file:line, each unmet expectation with expected
                           and actual values and where the actual value
                           sits in the result); NULL: none */
    unsigned jobs;      /* run a file's tests on this many threads (0 or
                           1: one); results, coverage and output are the
                           same, in the same order, as with one */
    int coverage_stdlib; /* with coverage, non-zero: count the points of
                            the modules imported by name (the standard
                            library, --lib-path) too; without it coverage
                            counts the policy and the modules it imports
                            by path ("shared/scoring.tally") */
} tally_test_options;

typedef struct tally_test_counts {
    unsigned passed, failed, skipped;
    unsigned broken;    /* files whose policy or tests did not compile */
    unsigned covered, coverable; /* coverage points reached, and in all */
    unsigned mutants, killed;    /* mutants run, and those a test failed
                                    on (or the checker refused) */
    unsigned excluded;  /* coverage points excluded by `# tally: nocover
                           because "..."`: in neither count above */
    unsigned excluded_reached; /* of those, the ones a test reached */
} tally_test_counts;

/* What tally_tests_write writes. */
typedef enum tally_tests_format {
    TALLY_TESTS_TAP,           /* TAP version 13, a test point per test */
    TALLY_TESTS_JUNIT,         /* JUnit XML, a test suite per file */
    TALLY_TESTS_COVERAGE,      /* per file, the percentage and every point
                                  not reached, by kind, name and line */
    TALLY_TESTS_COVERAGE_JSON, /* the same as one JSON object */
    TALLY_TESTS_MUTANTS        /* the mutation score, and each surviving
                                  mutant's place and change */
} tally_tests_format;

/* A new, empty set of results for tests run with [o] ([o] copied; its
 * filter borrowed).  TALLY_OK or TALLY_ENOMEM. */
TALLY_API tally_status tally_tests_new(const tally_config *cfg,
                                       const tally_test_options *o,
                                       tally_tests **out);

/* Compiles the tests of the file at [path] (a policy holding tests, or a
 * test file whose `import "..."` names the policy it tests) and runs
 * them, adding their results.  Returns TALLY_OK when they ran, passing or
 * not; TALLY_EPOLICY when the policy or its tests have errors (sent to
 * cfg->message; the file counts as broken); TALLY_EIO when [path] cannot
 * be read; TALLY_ENOMEM. */
TALLY_API tally_status tally_tests_file(tally_tests *t, const char *path);

TALLY_API void tally_tests_counts(const tally_tests *t,
                                  tally_test_counts *out);

/* Writes the results so far to [out] in [fmt].  TALLY_OK, TALLY_EIO
 * when writing failed, TALLY_ENOMEM. */
TALLY_API tally_status tally_tests_write(const tally_tests *t,
                                         tally_tests_format fmt, FILE *out);

TALLY_API void tally_tests_free(tally_tests *t); /* NULL is a no-op */

/* ---- why not (tally whynot) ---------------------------------------------
 *
 * For one element of a list in the input (a bid of a tender) that does not
 * rank first: what decided it, its gap to the element that does on every
 * number of the result, and the largest price at which it would have
 * ranked first with everything else unchanged.  The price is found by
 * evaluating the compiled policy again, not by a formula: the record is
 * bound once, then the one input field is varied in whole hundredths (a
 * penny) and the program re-run, a bisection between 0.01 and the present
 * price, checked at the answer and a penny above it, and at evenly spread
 * prices on both sides; a policy under which a lower price does not
 * always rank at least as well is reported as such, never answered. */
typedef enum tally_whynot_format {
    TALLY_WHYNOT_TEXT, /* plain words, for a person */
    TALLY_WHYNOT_JSON  /* one JSON object (docs: "tally whynot") */
} tally_whynot_format;

typedef struct tally_whynot_options {
    const char *record; /* the key of the record to explain (the input's
                           `keyed by` field); NULL: the first record */
    long bid;           /* the element's index in the list, from 0; or -1:
                           chosen by [where] */
    const char *where;  /* with bid -1: "FIELD=VALUE", the one element whose
                           result field FIELD (or, failing that, input field
                           FIELD, dotted: "supplier.id") reads VALUE */
    const char *vary;   /* the input field varied, with [i] for the
                           element: NULL means "bids[i].price"; money or
                           decimal */
    const char *rank;   /* the result field holding the element's rank, 1
                           for first: NULL means "bids[i].rank"; integer,
                           none when not ranked */
    const char *total;  /* the result field that sums the criteria (told
                           apart from them when saying what decided it);
                           NULL means "total" */
    tally_whynot_format format;
} tally_whynot_options;

typedef enum tally_whynot_outcome {
    TALLY_WHYNOT_PRICE,        /* [price]: the largest price ranking first */
    TALLY_WHYNOT_NO_PRICE,     /* no price from 0.01 up ranks first */
    TALLY_WHYNOT_WINNER,       /* the element ranks first already */
    TALLY_WHYNOT_NOT_MONOTONE, /* a price ranks first above one that does
                                  not: no single largest price is claimed */
    TALLY_WHYNOT_FAILED        /* the policy failed at a price tried */
} tally_whynot_outcome;

typedef struct tally_whynot_result {
    tally_whynot_outcome outcome;
    long bid;            /* the element explained */
    char price[64];      /* TALLY_WHYNOT_PRICE: exact, "54086.99" */
    unsigned evaluations; /* runs of the program the answer took */
} tally_whynot_result;

/* Explains why the element [o]->bid (or [o]->where) of the record in the
 * [len] bytes of JSON text at [json] does not rank first, evaluating with
 * session [s], and writes the explanation to [out] in [o]->format.
 * Returns TALLY_OK with *res filled; TALLY_EOPTION (message sent) for a
 * path that the program's input or output does not have or that is not
 * of the right type, an element that is not there, or a record of
 * another key than [o]->record; TALLY_EDATA for a rejected record and
 * TALLY_ERUNTIME when the policy fails on it (messages sent; for a
 * failure at a price tried, res->outcome is TALLY_WHYNOT_FAILED and the
 * explanation says where); TALLY_ENOMEM; TALLY_EIO when writing [out]
 * failed. */
TALLY_API tally_status tally_whynot(tally_session *s, const char *json,
                                    size_t len, const tally_whynot_options *o,
                                    FILE *out, tally_whynot_result *res);

/* tally_whynot for the record keyed [o]->record among the records read
 * from [in] (JSON Lines or a JSON array, as tally_run reads them; [name]
 * names it in messages).  No such record: TALLY_EOPTION. */
TALLY_API tally_status tally_whynot_in(tally_session *s, FILE *in,
                                       const char *name,
                                       const tally_whynot_options *o,
                                       FILE *out, tally_whynot_result *res);

/* The message for a status. */
TALLY_API const char *tally_status_name(tally_status s);

/* The library's version, "MAJOR.MINOR.PATCH": TALLY_VERSION as the
 * library was built, which a program linked against a newer shared
 * library can compare with the TALLY_VERSION it was compiled with. */
TALLY_API const char *tally_version(void);

#ifdef __cplusplus
}
#endif

#endif
