/* cli/report.h - the reports of `tally run` and `tally merge`.
 *
 * A run over several data files is several tally_run calls; the
 * policy's reports cover them all.  So each call writes its reports'
 * partial state into memory, and at the end tally_report_merge makes
 * the report (or the partial state --report-partial asks for) from all
 * of them: the same path `tally merge` takes for the partial files of
 * runs on other machines, so the bytes are the same either way.
 */
#ifndef TALLY_CLI_REPORT_H
#define TALLY_CLI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "tally.h"

/* tally run's report options, and the partial states gathered. */
typedef struct cli_reports {
    const char *path;         /* --report FILE, or NULL */
    const char *partial_path; /* --report-partial FILE, or NULL */
    int format;               /* --report-format (a tally_output_format),
                                 or -1: from FILE's extension */
    char **texts;             /* malloc'd: each run's partial state */
    size_t *lens;
    const char **names;
    size_t n;
    char *cur;                /* open_memstream's buffer for the run */
    size_t cur_len;
    FILE *mem;                /* the stream o->report_partial points at */
} cli_reports;

/* Takes a report option at argv[*i] (1, *i at its value; 0 when not one;
 * -1 after a usage error, shown with [usage], the status in *rc). */
int cli_report_option(cli_reports *r, int argc, char **argv, int *i, const char *usage,
                      int *rc);

/* Before each tally_run of [p]: points [o] at a fresh in-memory partial
 * state when [p] has reports.  False out of memory. */
bool cli_reports_attach(cli_reports *r, const tally_program *p, tally_run_options *o,
                        const char *name);

/* After each tally_run: keeps the partial state it wrote.  False out of
 * memory. */
bool cli_reports_collect(cli_reports *r, tally_run_options *o);

/* After the runs: writes the report (to --report FILE, else to [out]
 * in the run's format [fmt]: with [ja] non-NULL, as the last elements
 * of the results' JSON array) and the partial state (--report-partial
 * FILE).  Returns the status that worsens the run, or TALLY_OK. */
tally_status cli_reports_finish(cli_reports *r, const tally_program *p,
                                tally_output_format fmt, tally_json_array *ja,
                                FILE *out);

/* Frees what [r] gathered. */
void cli_reports_free(cli_reports *r);

/* `tally merge POLICY PARTIAL...`: the exit status. */
int cmd_merge(tally_config *cfg, int argc, char **argv);

/* From cli/main.c. */
int cli_usage_error(const char *msg, const char *usage);
/* The usage error for an option that command [cmd] does not know
 * ("unknown option '--x' for merge"): the exit status. */
int cli_unknown_option(const char *a, const char *cmd, const char *usage);
int cli_exit_for(tally_status s);
int cli_load_program(const tally_config *cfg, const char *path, tally_program **out);
char *cli_slurp(const char *path, size_t *len);

extern const char cli_usage_merge[];

#endif
