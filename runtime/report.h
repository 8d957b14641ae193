/* runtime/report.h - a run's reports: groups and aggregates across records.
 *
 * A rep_state holds, for every report of a program (bc_report), one group
 * per distinct tuple of key values and, per group, one accumulator per
 * column: counts, exact sums (runtime/decimal.c), least and greatest
 * values, and the sets of distinct values.  Memory is bounded by the
 * number of groups and distinct values, never by the number of records:
 * values an accumulator replaces are reclaimed by copying the live state
 * into a fresh arena when the waste passes the live size.  Two states of
 * one program merge exactly (a parallel run's workers, or the partial
 * states of runs over shards of a corpus), so the report is the same
 * bytes however the records were split.
 */
#ifndef TALLY_RUNTIME_REPORT_H
#define TALLY_RUNTIME_REPORT_H

#include <stdio.h>

#include "bytecode.h"
#include "output.h"
#include "status.h"
#include "value.h"

typedef struct rep_state rep_state;

/* An empty state for [p]'s reports (verified; borrowed, must outlive
 * it), its memory counted in [mem].  NULL out of memory. */
rep_state *rep_new(mem_ctx *mem, const bc_program *p);

/* Frees [s]; NULL is a no-op. */
void rep_free(rep_state *s);

/* Adds the rows one record gave report [report] ([rows]: a list of its
 * in_type's records, borrowed; copied as needed).  RT_OK, RT_ENOMEM, or
 * RT_ERUNTIME with a message in [err] for a sum past DEC_MAX_DIGITS. */
rt_status rep_add(rep_state *s, uint32_t report, const value *rows, char *err,
                  size_t errcap);

/* Adds everything in [from] into [into] (same program).  Same statuses
 * as rep_add. */
rt_status rep_merge(rep_state *into, const rep_state *from, char *err,
                    size_t errcap);

/* Writes every report to [f] in [fmt] (JSON Lines: a line per row, each
 * starting with "report": NAME; JSON: one object, a key per report
 * holding its rows; CSV and table: each report's rows under a line
 * "# report NAME" (CSV) or "report NAME" (table), reports separated by
 * an empty line).  Rows are ordered by their keys, or by the top line's
 * column and then the keys.  RT_OK; RT_ERUNTIME with [err] for a value
 * with no exact form (an integer sum past 64 bits); RT_EIO or
 * RT_ENOMEM. */
rt_status rep_write(rep_state *s, FILE *f, out_format fmt, char *err,
                    size_t errcap);

/* Writes the rows of report [report] (< the program's nreports) alone to
 * [f] in [fmt], as rep_write writes them but without the line naming
 * the report (CSV: the header row, then a row per group).  Statuses as
 * rep_write. */
rt_status rep_write_report(rep_state *s, uint32_t report, FILE *f, out_format fmt,
                           char *err, size_t errcap);

/* Writes every report's rows, as rep_write writes them in JSON Lines, as
 * further elements of a JSON array left open on [f] (out_keep_open): each
 * after ",\n", or after "\n" while *any is false; *any is then true.
 * The caller closes the array.  Statuses as rep_write. */
rt_status rep_write_elements(rep_state *s, FILE *f, bool *any, char *err,
                             size_t errcap);

/* Writes the state itself to [f] as one JSON object (exact: sums as
 * decimal strings, or "N/D" for a fraction with no decimal form;
 * counts; least and greatest values; distinct values sorted), marked
 * with the program's title, version and a hash of its reports' layout.
 * RT_OK, RT_EIO or RT_ENOMEM. */
rt_status rep_write_partial(rep_state *s, FILE *f);

/* Merges the partial state in [len] bytes of [text] (what
 * rep_write_partial wrote) into [s].  RT_EDATA, with "[name]: place:
 * problem" in [err], for text that is not such a state, or one written
 * by another policy or another layout of its reports; RT_ENOMEM. */
rt_status rep_read_partial(rep_state *s, const char *text, size_t len,
                           const char *name, char *err, size_t errcap);

#endif
