/* runtime/output.h - writing results: JSON Lines, JSON, CSV, aligned table.
 *
 * An out_writer prints one result per input record, shaped by the
 * program's output type: record keys in declaration order under their JSON
 * names, decimals as exact strings with the places the type declares,
 * enums by their data spelling.  A result that cannot be printed exactly
 * (a decimal with more places than declared) is refused whole, so the
 * caller can report it as an error record instead.  Output is gathered in
 * a large buffer and written in blocks; the table format holds every row
 * until out_finish, because column widths depend on all of them.
 */
#ifndef TALLY_RUNTIME_OUTPUT_H
#define TALLY_RUNTIME_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bytecode.h"
#include "mem.h"
#include "status.h"
#include "value.h"

/* Nested records flattened into CSV/table columns deeper than this are
 * written as one JSON cell: no real output nests so deep, and the bound
 * keeps each column's path short. */
#define OUT_MAX_COLUMN_DEPTH 16

typedef enum out_format {
    OUT_JSONL, /* one JSON object per line */
    OUT_JSON,  /* one JSON array, elements separated by ",\n" */
    OUT_CSV,   /* RFC 4180 quoting, header row, "\n" line ends */
    OUT_TABLE, /* aligned columns for people, printed at out_finish */
    OUT_JUNIT, /* JUnit XML: a test case per record, failing when it has
                  findings, an error when it could not be evaluated;
                  held until out_finish (the counts come first) */
    OUT_TAP,   /* TAP version 13: "ok"/"not ok" per record, findings and
                  errors in a YAML block, the plan at the end */
    OUT_GITHUB,/* GitHub Actions workflow commands: a "::error", "::warning"
                  or "::notice" line per finding, "::error" per error
                  record; nothing for a clean record */
    OUT_FORMAT_COUNT
} out_format;

typedef struct out_writer out_writer;

/* Creates a writer of [prog]'s results to [f] in format [fmt].  [prog]
 * must have passed the verifier; [prog] and [f] are borrowed and must
 * outlive the writer.  CSV and table columns are
 * built from the output type now, so the header is the same whatever the
 * data: nested records become dotted columns ("bids.supplier"); when the
 * output record has exactly one list-of-records field, each element gets
 * its own row with the parent's columns repeated; other lists and maps
 * are one JSON cell; a final "error" column holds error records' messages.
 * [f] NULL (JSON Lines only): nothing is written anywhere, and each
 * record is had with out_take.  Returns NULL out of memory. */
out_writer *out_new(mem_ctx *mem, const bc_program *prog, FILE *f,
                    out_format fmt);

/* Like out_new, for values of type [type] (a record type of [prog])
 * instead of the program's output: a report's rows (runtime/report.c).
 * Only out_result, out_take, out_finish and out_free are for it; CSV
 * has no error column, and no key column is added. */
out_writer *out_new_as(mem_ctx *mem, const bc_program *prog, FILE *f,
                       out_format fmt, uint16_t type);

/* Writes result [v] (borrowed; of type prog->output_type) and returns
 * RT_OK.  When [v] cannot be written it writes nothing, puts "path:
 * problem" in [err] (of [errcap] bytes) and returns why: RT_ERUNTIME for
 * a value with no exact form (a decimal needing more places than its
 * type prints, an unbound value), RT_ELIMIT for a result past
 * OUT_MAX_RESULT or a number too large to print, RT_ENOMEM when memory
 * ran out for this result; the writer goes on after those three.  RT_EIO
 * or RT_ENOMEM when writing failed for good (out_status). */
rt_status out_result(out_writer *w, const value *v, char *err,
                     size_t errcap);

/* Writes an error record: {"<input name>": key, "error": msg}, key null
 * when [key] is NULL or none.  RT_OK, or RT_EIO / RT_ENOMEM when writing
 * failed (for good). */
rt_status out_error(out_writer *w, const value *key, const char *msg);

/* Whether citation k of the program decided the result being written. */
typedef bool (*out_cited_fn)(const void *ud, uint32_t k);

/* From now on (JSON Lines and JSON only) each result ends with a key
 * "cites": a list of {"by", "cites", "url"} objects, one per citation k of
 * prog->cites for which [cited]([ud], k) is true, in the order of cites[]
 * (url only when the policy gave one).  [cited] NULL turns it off. */
void out_set_cites(out_writer *w, out_cited_fn cited, const void *ud);

/* With citations on, the next out_error ends with "cites": [citation k]
 * (a runtime error inside a cited definition); k < 0: no key. */
void out_error_cite(out_writer *w, int32_t k);

/* The findings of the result written next and its record's key (both
 * borrowed; NULL: none): in JSON Lines and JSON the result ends with a
 * key "findings" holding [findings], a list of the program's finding
 * records; the CI formats (JUnit, TAP, GitHub) write the findings under
 * the key.  Call before each out_result. */
void out_set_findings(out_writer *w, const value *key, const value *findings);

/* Writes each finding of [list] (a list of the program's finding records)
 * as a record of its own, {"<input name>": key, "code", "severity",
 * "message", "cite", "url"} (cite and url when given), for JSON Lines and
 * JSON; nothing for an empty list.  The CI formats write the record as
 * out_result would.  CSV and table: nothing.  RT_OK, or RT_EIO /
 * RT_ENOMEM as out_status. */
rt_status out_findings(out_writer *w, const value *key, const value *list);

/* RT_OK while writing works; once it has failed, for good, RT_EIO (a
 * write error) or RT_ENOMEM (memory, or the memory cap), and every later
 * call fails the same way. */
rt_status out_status(const out_writer *w);

/* Closes a JSON array, prints a table, writes what is buffered and
 * flushes the stream.  RT_OK, or out_status's failure if any write failed
 * along the way. */
rt_status out_finish(out_writer *w);

/* From now on, out_finish leaves a JSON array open for more elements (a
 * run's report rows, runtime/report.c): it writes "[" if no record was
 * written and nothing else.  The caller then writes the elements, each
 * after ",\n" (or "\n" when it is the first element of all), and closes
 * the array: "\n]\n" after any element, "]\n" when there was none.
 * Other formats are not affected. */
void out_keep_open(out_writer *w);

/* Like out_keep_open, for an array an earlier writer opened and left
 * open, holding an element if [any]: [w] writes no "[", and its first
 * element follows ",\n" if [any], else "\n". */
void out_continue(out_writer *w, bool any);

/* Whether an element is in the array: [w] wrote a record (result or
 * error), or an earlier writer did (out_continue). */
bool out_wrote_any(const out_writer *w);

/* For a writer made with no stream (out_new's [f] NULL, JSON Lines):
 * the output record the last out_result or out_error wrote, without its
 * newline (NUL-terminated), in *text / *len, valid until the next call
 * on [w].  RT_OK, or out_status's failure if writing failed. */
rt_status out_take(out_writer *w, const char **text, size_t *len);

/* Frees [w] (without finishing it; the stream is not closed).  NULL is a
 * no-op. */
void out_free(out_writer *w);

/* Appends [len] bytes of [s] to [b] as XML character data or an attribute
 * value: markup characters as entities, and the control characters XML
 * 1.0 does not allow as '?' (the JUnit writer's escaping, which the test
 * runner's JUnit report shares: api/test.c). */
void out_put_xml(strbuf *b, const char *s, size_t len);

#endif
