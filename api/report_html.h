/* api/report_html.h - the portfolio page: a run's reports as HTML.
 *
 * See report_html.c.
 */
#ifndef TALLY_API_REPORT_HTML_H
#define TALLY_API_REPORT_HTML_H

#include <stdio.h>

#include "api.h"
#include "report.h"

/* Writes every report of [tp] held in [rep] to [f] as one self-contained
 * HTML page (no script, nothing fetched): the policy's title and
 * version, then per report its name, its comment (tp->report_docs), the
 * table of its rows -- the cells and order of the CSV and table formats
 * -- and its bar charts (api/chart.c).  Statuses as rep_write: RT_OK;
 * RT_ERUNTIME with [err] for a value with no exact form; RT_EIO;
 * RT_ENOMEM. */
rt_status api_report_html(const tally_program *tp, rep_state *rep, FILE *f,
                          char *err, size_t errcap);

#endif
