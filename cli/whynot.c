/* cli/whynot.c - `tally whynot POLICY DATA --record ID --bid N`.
 *
 * A client of include/tally.h only: reads the options, compiles or loads
 * the program, opens DATA and hands both to tally_whynot_in, which finds
 * the record, re-evaluates the program at the prices it tries and writes
 * the explanation.  Exit status as for run: 0 when the question was
 * answered (whatever the answer), 1 policy errors, 2 the record is
 * rejected, 3 the policy fails on it, 4 a usage error (an unknown record,
 * element or path included), 5 out of memory, 6 DATA unreadable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "whynot.h"

const char cli_usage_whynot[] =
    "usage: tally whynot POLICY DATA --record ID (--bid N | --where F=V) "
    "[options]\n"
    "Says why one bid of one tender in DATA did not rank first: what decided\n"
    "it (a gate or exclusion, a tie-break, or the criterion with the largest\n"
    "shortfall), its gap to the first on every number of the result, exact,\n"
    "and the largest price at which it would rank first with everything else\n"
    "unchanged, found by running the policy again at prices from 0.01 up to\n"
    "its own (a bisection in whole pennies, checked at the answer and a penny\n"
    "above it); or why no price would win, or that a lower price does not\n"
    "always rank better under this policy.  DATA is JSON Lines or a JSON\n"
    "array ('-' for standard input).  Exit status 0 when answered, 1 policy\n"
    "errors, 2 the record is rejected, 3 the policy fails on it, 4 a usage\n"
    "error (no such record, bid or field), 5 out of memory, 6 DATA cannot be\n"
    "read.\n"
    "\n"
    "  --record ID                     the record's key (its `keyed by` field);\n"
    "                                  default: the first record\n"
    "  --bid N                         the bid's index in the list, from 0\n"
    "  --where FIELD=VALUE             the one bid whose result field FIELD (or\n"
    "                                  input field, dotted: supplier.id) reads\n"
    "                                  VALUE\n"
    "  --vary PATH                     the input field that is the price, with\n"
    "                                  [i] for the bid (default bids[i].price)\n"
    "  --rank PATH                     the result field holding the rank, 1 for\n"
    "                                  first (default bids[i].rank)\n"
    "  --total NAME                    the result field that sums the criteria\n"
    "                                  (default total)\n"
    "  --format text|json              plain words (default) or one JSON object\n"
    "  --as-of DATE                    evaluate as on DATE (YYYY-MM-DD)\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N policy errors\n"
    "  --memory-cap BYTES              stop when compiling or evaluating uses\n"
    "                                  more memory\n";

/* Digits only, as the other numeric options. */
static bool parse_index(const char *s, long *out)
{
    long n = 0;
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (2147483647L - 9) / 10) {
            return false;
        }
        n = n * 10 + (*s - '0');
    }
    *out = n;
    return true;
}

int cmd_whynot(tally_config *cfg, struct lib_dirs *ld, int argc, char **argv)
{
    const char *usage = cli_usage_whynot;
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    }
    tally_whynot_options o;
    memset(&o, 0, sizeof o);
    o.bid = -1;
    const char *as_of = NULL;
    const char *files[2] = {NULL, NULL};
    int nfiles = 0, rc = 0;
    bool options = true;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!options || a[0] != '-' || !a[1]) {
            if (nfiles == 2) {
                return cli_usage_error("whynot takes one policy and one data "
                                       "file", usage);
            }
            files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options = false;
            continue;
        }
        const char **text = strcmp(a, "--record") == 0  ? &o.record
                            : strcmp(a, "--where") == 0 ? &o.where
                            : strcmp(a, "--vary") == 0  ? &o.vary
                            : strcmp(a, "--rank") == 0  ? &o.rank
                            : strcmp(a, "--total") == 0 ? &o.total
                            : strcmp(a, "--as-of") == 0 ? &as_of
                                                        : NULL;
        if (text) {
            if (!val || !*val) {
                char msg[80];
                snprintf(msg, sizeof msg, "%s needs a value", a);
                return cli_usage_error(msg, usage);
            }
            if (text == &o.where && !strchr(val, '=')) {
                return cli_usage_error("--where needs FIELD=VALUE", usage);
            }
            *text = val;
            i++;
        } else if (strcmp(a, "--bid") == 0) {
            if (!parse_index(val, &o.bid)) {
                return cli_usage_error("--bid needs an index: digits, from 0",
                                       usage);
            }
            i++;
        } else if (strcmp(a, "--format") == 0) {
            if (val && strcmp(val, "text") == 0) {
                o.format = TALLY_WHYNOT_TEXT;
            } else if (val && strcmp(val, "json") == 0) {
                o.format = TALLY_WHYNOT_JSON;
            } else {
                return cli_usage_error("--format needs text or json", usage);
            }
            i++;
        } else if (!cli_other_option(cfg, ld, argc, argv, &i, "whynot", usage,
                                     &rc)) {
            return rc;
        }
    }
    if (nfiles != 2) {
        return cli_usage_error("whynot needs a policy and a data file", usage);
    }
    if (o.bid >= 0 && o.where) {
        return cli_usage_error("give --bid or --where, not both", usage);
    }
    if (o.bid < 0 && !o.where) {
        return cli_usage_error("whynot needs --bid N or --where FIELD=VALUE",
                               usage);
    }
    if (!cli_libs_done(ld, cfg)) {
        return cli_exit_for(TALLY_ENOMEM);
    }
    tally_program *p;
    rc = cli_load_program(cfg, files[0], &p);
    if (rc != 0) {
        return rc;
    }
    bool is_stdin = strcmp(files[1], "-") == 0;
    FILE *in = is_stdin ? stdin : fopen(files[1], "rb");
    if (!in) {
        fprintf(stderr, "tally: cannot read %s: %s\n", files[1],
                strerror(errno));
        tally_program_free(p);
        return cli_exit_for(TALLY_EIO);
    }
    tally_run_options ro;
    memset(&ro, 0, sizeof ro);
    ro.as_of = as_of;
    tally_session *s = NULL;
    tally_status st = tally_session_new(p, &ro, &s);
    tally_whynot_result res;
    if (st == TALLY_OK) {
        st = tally_whynot_in(s, in, is_stdin ? "standard input" : files[1], &o,
                             stdout, &res);
    }
    if (st == TALLY_EIO && ferror(stdout)) {
        fprintf(stderr, "tally: cannot write standard output: %s\n",
                strerror(errno));
    }
    tally_session_free(s);
    if (!is_stdin) {
        fclose(in);
    }
    tally_program_free(p);
    return cli_exit_for(st);
}
