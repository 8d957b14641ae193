/* cli/report.c - the reports of `tally run` and `tally merge`.
 *
 * See report.h.  Files are written through outfile.c, as --output is.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

const char cli_usage_merge[] =
    "usage: tally merge PROGRAM PARTIAL... [options]\n"
    "Merges the partial reports that `tally run --report-partial FILE` wrote\n"
    "for runs of PROGRAM over parts of a corpus (on other machines, or as a\n"
    "map-reduce job's mappers) and writes the policy's reports: the same\n"
    "bytes as one run over the whole corpus.  A partial written by another\n"
    "policy, another version of it, or another layout of its reports is\n"
    "refused, naming the file.\n"
    "\n"
    "  --format jsonl|json|csv|table|html\n"
    "                                  the reports' format (default jsonl;\n"
    "                                  html: one page with bar charts)\n"
    "  --output FILE, -o FILE          write to FILE (as `tally run -o`)\n"
    "  --partial                       write the merged partial state\n"
    "                                  instead, to be merged again (a\n"
    "                                  combiner)\n"
    "  --lib-path DIR                  look for PROGRAM's imported modules\n"
    "                                  in DIR first (repeatable)\n"
    "  --max-errors N                  report at most N errors of PROGRAM\n"
    "  --memory-cap BYTES              stop compiling PROGRAM past BYTES\n"
    "\n"
    "Exit status 0, 1 when PROGRAM has errors, 2 when a partial is not one\n"
    "of PROGRAM's reports, 3 for a result with no exact form, 4 for a usage\n"
    "error, 6 when a file cannot be read or written.\n";

/* A report format by name; -1 when not one. */
static int format_named(const char *s)
{
    return strcmp(s, "jsonl") == 0   ? TALLY_OUTPUT_JSONL
           : strcmp(s, "json") == 0  ? TALLY_OUTPUT_JSON
           : strcmp(s, "csv") == 0   ? TALLY_OUTPUT_CSV
           : strcmp(s, "table") == 0 ? TALLY_OUTPUT_TABLE
           : strcmp(s, "html") == 0  ? TALLY_OUTPUT_HTML
                                     : -1;
}

/* The format a report file's name asks for: .json, .csv, .txt (a table),
 * .html or .htm (the portfolio page), else JSON Lines. */
static tally_output_format format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && slash > dot)) {
        return TALLY_OUTPUT_JSONL;
    }
    return strcmp(dot, ".json") == 0  ? TALLY_OUTPUT_JSON
           : strcmp(dot, ".csv") == 0 ? TALLY_OUTPUT_CSV
           : strcmp(dot, ".txt") == 0 ? TALLY_OUTPUT_TABLE
           : strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0 ? TALLY_OUTPUT_HTML
                                      : TALLY_OUTPUT_JSONL;
}

int cli_report_option(cli_reports *r, int argc, char **argv, int *i, const char *usage,
                      int *rc)
{
    const char *a = argv[*i];
    const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (strcmp(a, "--report") == 0) {
        if (!val || !*val) {
            *rc = cli_usage_error("--report needs a file name", usage);
            return -1;
        }
        r->path = val;
    } else if (strcmp(a, "--report-partial") == 0) {
        if (!val || !*val) {
            *rc = cli_usage_error("--report-partial needs a file name", usage);
            return -1;
        }
        r->partial_path = val;
    } else if (strcmp(a, "--report-format") == 0) {
        if (!val || format_named(val) < 0) {
            *rc = cli_usage_error("--report-format is jsonl, json, csv, table or html", usage);
            return -1;
        }
        r->format = format_named(val);
    } else {
        return 0;
    }
    (*i)++;
    return 1;
}

bool cli_reports_attach(cli_reports *r, const tally_program *p, tally_run_options *o,
                        const char *name)
{
    tally_policy_info info;
    tally_program_policy(p, &info);
    o->report = NULL;
    o->report_partial = NULL;
    if (!info.nreports) {
        return true;
    }
    r->cur = NULL;
    r->cur_len = 0;
    r->mem = open_memstream(&r->cur, &r->cur_len);
    if (!r->mem) {
        return false;
    }
    char **t = realloc(r->texts, (r->n + 1) * sizeof *t);
    if (t) {
        r->texts = t;
    }
    size_t *l = realloc(r->lens, (r->n + 1) * sizeof *l);
    if (l) {
        r->lens = l;
    }
    const char **nm = realloc(r->names, (r->n + 1) * sizeof *nm);
    if (nm) {
        r->names = nm;
    }
    if (!t || !l || !nm) {
        fclose(r->mem);
        free(r->cur);
        r->mem = NULL;
        return false;
    }
    r->names[r->n] = name;
    o->report_partial = r->mem;
    return true;
}

bool cli_reports_collect(cli_reports *r, tally_run_options *o)
{
    if (!r->mem) {
        return true;
    }
    o->report_partial = NULL;
    bool ok = fclose(r->mem) == 0;
    r->mem = NULL;
    if (ok && r->cur_len) {
        r->texts[r->n] = r->cur;
        r->lens[r->n] = r->cur_len;
        r->n++;
    } else {
        free(r->cur);
    }
    r->cur = NULL;
    return ok;
}

/* Merges what [r] gathered into [path] (NULL: [out]) in [fmt], or as a
 * partial state. */
static tally_status merge_to(cli_reports *r, const tally_program *p, const char *path,
                             FILE *out, tally_output_format fmt, int partial)
{
    outfile of;
    if (path && !outf_open(&of, path)) {
        return TALLY_EIO;
    }
    tally_status st = tally_report_merge(p, r->n, r->names, (const char *const *)r->texts,
                                         r->lens, fmt, partial, path ? of.f : out);
    if (path && !outf_close(&of, st == TALLY_OK) && st == TALLY_OK) {
        st = TALLY_EIO;
    }
    return st;
}

/* Merges what [r] gathered as JSON Lines and adds each line to the JSON
 * array [ja] on [out]. */
static tally_status merge_to_array(cli_reports *r, const tally_program *p,
                                   tally_json_array *ja, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        return TALLY_ENOMEM;
    }
    tally_status st = merge_to(r, p, NULL, mem, TALLY_OUTPUT_JSONL, 0);
    if (fclose(mem) != 0 && st == TALLY_OK) {
        st = TALLY_ENOMEM;
    }
    for (size_t at = 0; st == TALLY_OK && at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        st = tally_json_array_add(ja, out, text + at, n);
        at += n + 1;
    }
    free(text);
    return st;
}

tally_status cli_reports_finish(cli_reports *r, const tally_program *p,
                                tally_output_format fmt, tally_json_array *ja,
                                FILE *out)
{
    if (!r->n) {
        return TALLY_OK;
    }
    tally_status st = TALLY_OK;
    if (r->partial_path) {
        st = merge_to(r, p, r->partial_path, NULL, TALLY_OUTPUT_JSONL, 1);
    }
    if (st == TALLY_OK && r->path) {
        tally_output_format f = r->format >= 0 ? (tally_output_format)r->format
                                               : format_of_path(r->path);
        st = merge_to(r, p, r->path, NULL, f, 0);
    } else if (st == TALLY_OK && !r->partial_path && ja) {
        st = merge_to_array(r, p, ja, out);
    } else if (st == TALLY_OK && !r->partial_path) {
        st = merge_to(r, p, NULL, out, fmt, 0);
    }
    return st;
}

void cli_reports_free(cli_reports *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->texts[i]);
    }
    free(r->texts);
    free(r->lens);
    free(r->names);
    memset(r, 0, sizeof *r);
}

int cmd_merge(tally_config *cfg, int argc, char **argv)
{
    const char *prog_path = NULL, *out_path = NULL;
    int format = TALLY_OUTPUT_JSONL, partial = 0;
    cli_reports r;
    memset(&r, 0, sizeof r);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files) {
        return 5;
    }
    size_t nfiles = 0;
    bool options = true;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!options || a[0] != '-' || !a[1]) {
            if (!prog_path) {
                prog_path = a;
            } else {
                files[nfiles++] = a;
            }
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
            if (!val || format_named(val) < 0) {
                rc = cli_usage_error("--format is jsonl, json, csv, table or html", cli_usage_merge);
            }
            format = val ? format_named(val) : format;
            i++;
        } else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) {
            if (!val) {
                rc = cli_usage_error("--output needs a file name", cli_usage_merge);
            }
            out_path = val;
            i++;
        } else if (strcmp(a, "--partial") == 0) {
            partial = 1;
        } else {
            rc = cli_unknown_option(a, "merge", cli_usage_merge);
        }
    }
    if (rc == 0 && (!prog_path || nfiles == 0)) {
        rc = cli_usage_error("merge needs a policy or bytecode file and partial reports",
                             cli_usage_merge);
    }
    tally_program *p = NULL;
    if (rc == 0) {
        rc = cli_load_program(cfg, prog_path, &p);
    }
    r.texts = calloc(nfiles + 1, sizeof *r.texts);
    r.lens = calloc(nfiles + 1, sizeof *r.lens);
    r.names = calloc(nfiles + 1, sizeof *r.names);
    if (rc == 0 && (!r.texts || !r.lens || !r.names)) {
        rc = 5;
    }
    for (size_t i = 0; rc == 0 && i < nfiles; i++) {
        r.texts[i] = cli_slurp(files[i], &r.lens[i]);
        if (!r.texts[i]) {
            fprintf(stderr, "tally: cannot read %s: %s\n", files[i], strerror(errno));
            rc = 6;
            break;
        }
        r.names[i] = files[i];
        r.n++;
    }
    outfile of;
    if (rc == 0 && (out_path ? !outf_open(&of, out_path) : !outf_open_stdout(&of))) {
        rc = out_path ? 6 : 5;
    } else if (rc == 0) {
        tally_status st = tally_report_merge(p, r.n, r.names, (const char *const *)r.texts,
                                             r.lens, (tally_output_format)format, partial,
                                             of.f);
        if (!outf_close(&of, st == TALLY_OK) && st == TALLY_OK) {
            st = TALLY_EIO;
        }
        rc = cli_exit_for(st);
    }
    cli_reports_free(&r);
    free(files);
    tally_program_free(p);
    return rc;
}
