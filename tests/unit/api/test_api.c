/* tests/unit/api/test_api.c - the embedding API beyond tally_run
 * (api/program.c, api/run.c): diagnostics as data, sessions that evaluate
 * one record at a time, a run's own budget and memory cap, cancellation,
 * the description of a program, the library's version, and policies
 * with imports (a base path for text, the library path, diagnostics
 * naming the imported file).
 *
 * Sessions are held to the stream runner: for every record of the award
 * example's sample and bad-input files, tally_session_eval must give the
 * very line tally_run writes, and the status its counts imply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

#include "api.h" /* api_status, the one mapping from the runtime's status */

#include "../slurp.h"

/* ---- helpers ------------------------------------------------------------ */

static tally_program *compile_file(const tally_config *cfg, const char *path)
{
    size_t len;
    char *src = slurp(path, &len);
    tally_program *p = NULL;
    assert_int_equal(tally_compile(cfg, path, src, len, &p), TALLY_OK);
    free(src);
    return p;
}

static tally_program *award(void)
{
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    return compile_file(&cfg, "examples/award/award.tally");
}

/* tally_run over the [len] bytes at [data]; the output, malloc'd. */
static tally_status run_text(const tally_program *p,
                             const tally_run_options *o, const char *data,
                             size_t len, char **out, size_t *out_len)
{
    FILE *in = fmemopen((void *)data, len, "r");
    FILE *f = open_memstream(out, out_len);
    assert_non_null(in);
    assert_non_null(f);
    tally_run_stats st;
    tally_status r = tally_run(p, o, in, f, &st);
    fclose(in);
    fclose(f);
    return r;
}

static tally_run_options jsonl_options(void)
{
    tally_run_options o;
    memset(&o, 0, sizeof o);
    o.input = TALLY_INPUT_JSONL;
    o.output = TALLY_OUTPUT_JSONL;
    o.input_name = "test";
    return o;
}

static size_t count_lines(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += s[i] == '\n';
    }
    return n;
}

/* ---- diagnostics as data ------------------------------------------------ */

typedef struct seen {
    int n;
    tally_severity severity[8];
    char code[8][16];
    uint32_t line[8], column[8], end_line[8], end_column[8];
    char message[8][128];
    char hint[8][128];
    char file[8][64];
} seen;

static void on_diag(void *ud, const tally_diagnostic *d)
{
    seen *s = ud;
    if (s->n >= 8) {
        s->n++;
        return;
    }
    int i = s->n++;
    s->severity[i] = d->severity;
    snprintf(s->code[i], sizeof s->code[i], "%s", d->code);
    snprintf(s->file[i], sizeof s->file[i], "%s", d->file);
    s->line[i] = d->line;
    s->column[i] = d->column;
    s->end_line[i] = d->end_line;
    s->end_column[i] = d->end_column;
    snprintf(s->message[i], sizeof s->message[i], "%s", d->message);
    snprintf(s->hint[i], sizeof s->hint[i], "%s", d->hint ? d->hint : "");
}

static tally_status check_text(const char *src, uint32_t max_errors,
                               seen *s)
{
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.diagnostic = on_diag;
    cfg.diagnostic_ud = s;
    cfg.max_errors = max_errors;
    memset(s, 0, sizeof *s);
    return tally_check(&cfg, "p.tally", src, strlen(src));
}

static void test_api_diagnostic_check(void **state)
{
    (void)state;
    seen s;
    /* "prise" is at line 4, columns 30-34 ("bid.prise": the field) */
    assert_int_equal(check_text("record Bid { id: text, price: money }\n"
                                "input bid: Bid keyed by id\n"
                                "record Out { v: money }\n"
                                "output r: Out = Out { v: bid.prise }\n",
                                0, &s),
                     TALLY_EPOLICY);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.severity[0], TALLY_SEVERITY_ERROR);
    assert_string_equal(s.code[0], "check");
    assert_string_equal(s.file[0], "p.tally");
    assert_int_equal(s.line[0], 4);
    assert_int_equal(s.column[0], 30);
    assert_int_equal(s.end_line[0], 4);
    assert_int_equal(s.end_column[0], 34);
    assert_string_equal(s.message[0], "Bid has no field 'prise'");
    assert_string_equal(s.hint[0], "did you mean 'price'?");
}

/* A warning (a percentage weighting meeting marks) comes as data with
 * its severity, and the policy is still correct. */
static void test_api_diagnostic_warning(void **state)
{
    (void)state;
    seen s;
    assert_int_equal(check_text("record Bid { id: text, r: decimal, q: decimal }\n"
                                "input b: Bid keyed by id\n"
                                "record Out { v: decimal }\n"
                                "output o: Out = Out { v: b.q + 40% * b.r }\n",
                                0, &s),
                     TALLY_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.severity[0], TALLY_SEVERITY_WARNING);
    assert_string_equal(s.code[0], "check");
    assert_int_equal(s.line[0], 4);
    assert_int_equal(s.column[0], 32);
    assert_int_equal(s.end_column[0], 40);
    assert_non_null(strstr(s.message[0], "40% * b.r is 0.4 × b.r"));
    assert_non_null(strstr(s.hint[0], "40 * b.r"));
}

static void test_api_diagnostic_syntax(void **state)
{
    (void)state;
    seen s;
    assert_int_equal(check_text("record Bid { id: text }\n"
                                "definition x(: integer = 1\n",
                                0, &s),
                     TALLY_EPOLICY);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.code[0], "syntax");
    assert_int_equal(s.line[0], 2);
    assert_int_equal(s.column[0], 14);
    assert_non_null(strstr(s.message[0], "syntax error near ':'"));
}

static void test_api_diagnostic_cap(void **state)
{
    (void)state;
    /* Five unknown names: max_errors 2 sends two as data. */
    seen s;
    assert_int_equal(check_text("record In { id: text }\n"
                                "input x: In keyed by id\n"
                                "record Out { a: integer, b: integer, "
                                "c: integer, d: integer, e: integer }\n"
                                "output r: Out = Out { a: aa, b: bb, "
                                "c: cc, d: dd, e: ee }\n",
                                2, &s),
                     TALLY_EPOLICY);
    assert_int_equal(s.n, 2);
    assert_true(s.column[0] < s.column[1]); /* source order */
    assert_int_equal(check_text("record In { id: text }\n"
                                "input x: In keyed by id\n"
                                "record Out { a: integer, b: integer, "
                                "c: integer, d: integer, e: integer }\n"
                                "output r: Out = Out { a: aa, b: bb, "
                                "c: cc, d: dd, e: ee }\n",
                                TALLY_ALL_ERRORS, &s),
                     TALLY_EPOLICY);
    assert_int_equal(s.n, 5);
}

/* ---- sessions ----------------------------------------------------------- */

/* Every record of [path] through a session gives the line tally_run
 * gives, with the status its kind implies. */
static void session_matches_run(const char *path)
{
    tally_program *p = award();
    size_t len;
    char *data = slurp(path, &len);
    tally_run_options o = jsonl_options();
    char *want = NULL;
    size_t want_len = 0;
    run_text(p, &o, data, len, &want, &want_len);

    tally_session *s = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    const char *w = want;
    int records = 0;
    for (char *line = data; line < data + len;) {
        char *nl = memchr(line, '\n', (size_t)(data + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(data + len - line);
        const char *out;
        size_t out_len;
        tally_status st = tally_session_eval(s, line, n, &out, &out_len);
        const char *wnl = strchr(w, '\n');
        assert_non_null(wnl);
        size_t wn = (size_t)(wnl - w);
        assert_non_null(out);
        if (out_len != wn || memcmp(out, w, wn) != 0) {
            fail_msg("record %d: session gave\n  %.*s\nrun gave\n  %.*s",
                     records + 1, (int)out_len, out, (int)wn, w);
        }
        bool is_error = strstr(out, "\"error\": ") != NULL;
        assert_int_equal(st == TALLY_OK, !is_error);
        if (is_error) {
            assert_true(st == TALLY_EDATA || st == TALLY_ERUNTIME);
        }
        records++;
        w = wnl + 1;
        line = nl ? nl + 1 : data + len;
    }
    assert_int_equal(*w, '\0');
    assert_true(records > 0);
    tally_session_free(s);
    tally_program_free(p);
    free(want);
    free(data);
}

static void test_api_session_sample(void **state)
{
    (void)state;
    session_matches_run("tests/data/award/sample-20.jsonl");
}

static void test_api_session_bad_input(void **state)
{
    (void)state;
    /* Rejected records are named "line N" by a JSON Lines run and
     * "record N" by a session (its records have no lines); compare the
     * rest only through the statuses. */
    tally_program *p = award();
    tally_session *s = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    const char *out;
    size_t out_len;
    assert_int_equal(tally_session_eval(s, "[1]", 3, &out, &out_len),
                     TALLY_EDATA);
    assert_string_equal(out, "{\"tender\": null, \"error\": "
                             "\"record 1: not a JSON object\"}");
    assert_int_equal(out_len, strlen(out));
    assert_int_equal(tally_session_eval(s, "{\"id\": \"X\"}", 11, &out,
                                        &out_len),
                     TALLY_EDATA);
    assert_string_equal(out, "{\"tender\": \"X\", \"error\": "
                             "\"buyer: missing\"}");
    tally_session_free(s);
    tally_program_free(p);
}

static void test_api_session_budget(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("tests/data/award/sample-20.jsonl", &len);
    size_t first = (size_t)(strchr(data, '\n') - data);
    tally_run_options o = jsonl_options();
    o.budget = 100;
    tally_session *s = NULL;
    assert_int_equal(tally_session_new(p, &o, &s), TALLY_OK);
    const char *out;
    size_t out_len;
    assert_int_equal(tally_session_eval(s, data, first, &out, &out_len),
                     TALLY_ERUNTIME);
    assert_non_null(strstr(out, "limit exceeded: instruction budget of 100 "
                                "exceeded"));
    tally_session_free(s);
    /* The program's own budget is untouched: a session without options
     * evaluates the record. */
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    assert_int_equal(tally_session_eval(s, data, first, &out, &out_len),
                     TALLY_OK);
    tally_session_free(s);
    tally_program_free(p);
    free(data);
}

/* ---- a run's own limits, and cancellation ------------------------------- */

static void test_api_run_budget_and_cap(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("tests/data/award/sample-20.jsonl", &len);
    tally_run_options o = jsonl_options();
    char *out = NULL;
    size_t out_len = 0;
    o.budget = 100;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len),
                     TALLY_ERUNTIME);
    assert_int_equal(count_lines(out, out_len), 20);
    assert_non_null(strstr(out, "instruction budget of 100 exceeded"));
    free(out);
    o.budget = 0;
    o.memory_cap = 1; /* no record can be read */
    out = NULL;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len),
                     TALLY_ENOMEM);
    free(out);
    o.memory_cap = TALLY_NO_MEMORY_CAP;
    out = NULL;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len), TALLY_OK);
    assert_int_equal(count_lines(out, out_len), 20);
    free(out);
    tally_program_free(p);
    free(data);
}

/* tally_run_options.json_array: runs over two inputs and an added
 * element make one JSON array; a run on its own closes its array; an
 * array nobody opened closes as "[]". */
static void test_api_json_array(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("tests/data/award/sample-20.jsonl", &len);
    const char *second = strchr(data, '\n') + 1; /* the records after the first */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    assert_non_null(f);
    tally_json_array ja = {0, 0};
    tally_run_options o = jsonl_options();
    o.output = TALLY_OUTPUT_JSON;
    o.json_array = &ja;
    tally_run_stats st;
    FILE *in = fmemopen(data, (size_t)(second - data), "r");
    assert_int_equal(tally_run(p, &o, in, f, &st), TALLY_OK);
    fclose(in);
    assert_true(ja.open && ja.any);
    in = fmemopen((void *)second, len - (size_t)(second - data), "r");
    assert_int_equal(tally_run(p, &o, in, f, &st), TALLY_OK);
    fclose(in);
    assert_int_equal(tally_json_array_add(&ja, f, "{\"extra\": 1}", 12), TALLY_OK);
    assert_int_equal(tally_json_array_close(&ja, f), TALLY_OK);
    fclose(f);
    /* one array: "[\n", twenty-one elements joined by ",\n", "\n]\n" */
    assert_true(out_len > 4 && memcmp(out, "[\n{", 3) == 0);
    assert_string_equal(out + out_len - 15, "{\"extra\": 1}\n]\n");
    size_t commas = 0;
    for (char *c = out; (c = strstr(c, "},\n{")) != NULL; c++) {
        commas++;
    }
    assert_int_equal(commas, 20);
    assert_null(strstr(out, "]\n["));
    free(out);
    /* without json_array a run writes its own whole array */
    o.json_array = NULL;
    out = NULL;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len), TALLY_OK);
    assert_true(out_len > 4 && memcmp(out + out_len - 3, "\n]\n", 3) == 0);
    free(out);
    /* a policy with reports, alone: its report rows end its array */
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tally_program *rp = compile_file(&cfg, "tests/golden/report-stdout/policy.tally");
    size_t rlen;
    char *rdata = slurp("tests/golden/report-stdout/data.jsonl", &rlen);
    out = NULL;
    assert_int_equal(run_text(rp, &o, rdata, rlen, &out, &out_len), TALLY_EDATA);
    assert_true(out_len > 4 && memcmp(out, "[\n{", 3) == 0);
    assert_non_null(strstr(out, "},\n{\"report\": \"spend_by_buyer\", \"buyer\": \"York\""));
    assert_string_equal(out + out_len - 3, "\n]\n");
    assert_null(strstr(out, "]\n{"));
    free(out);
    free(rdata);
    tally_program_free(rp);
    /* an array no run opened */
    out = NULL;
    f = open_memstream(&out, &out_len);
    tally_json_array empty = {0, 0};
    assert_int_equal(tally_json_array_close(&empty, f), TALLY_OK);
    fclose(f);
    assert_string_equal(out, "[]\n");
    free(out);
    /* an element added to an array no run opened opens it */
    out = NULL;
    f = open_memstream(&out, &out_len);
    assert_int_equal(tally_json_array_add(&empty, f, "1", 1), TALLY_OK);
    assert_int_equal(tally_json_array_add(&empty, f, "2", 1), TALLY_OK);
    assert_int_equal(tally_json_array_close(&empty, f), TALLY_OK);
    fclose(f);
    assert_string_equal(out, "[\n1,\n2\n]\n");
    free(out);
    tally_program_free(p);
    free(data);
}

typedef struct stopper {
    int calls;
    int stop_at; /* the call that says stop */
} stopper;

static int should_stop(void *ud)
{
    stopper *st = ud;
    return ++st->calls >= st->stop_at;
}

static void test_api_run_cancel(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("tests/data/award/sample-20.jsonl", &len);
    tally_run_options o = jsonl_options();
    stopper st = {0, 4};
    o.should_stop = should_stop;
    o.should_stop_ud = &st;
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len),
                     TALLY_ECANCELED);
    assert_int_equal(count_lines(out, out_len), 3); /* asked before each */
    free(out);
    /* With workers: asked before each batch; what was framed is written
     * whole, in order. */
    st.calls = 0;
    st.stop_at = 1;
    o.jobs = 2;
    out = NULL;
    assert_int_equal(run_text(p, &o, data, len, &out, &out_len),
                     TALLY_ECANCELED);
    assert_int_equal(count_lines(out, out_len), 0);
    free(out);
    assert_string_equal(tally_status_name(TALLY_ECANCELED), "canceled");
    tally_program_free(p);
    free(data);
}

/* ---- describing a program, version -------------------------------------- */

static void test_api_describe(void **state)
{
    (void)state;
    tally_program *p = award();
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(tally_describe(p, f), TALLY_OK);
    fclose(f);
    static const char *const want[] = {
        "{\"format\": 1, \"title\": \"Northfield Council award evaluation\"",
        "\"version\": \"2026.1\"",
        "\"input\": {\"name\": \"tender\", \"key\": \"id\", \"type\": "
        "{\"kind\": \"record\", \"name\": \"Tender\"",
        "{\"name\": \"kind\", \"json\": \"type\", \"type\": {\"kind\": "
        "\"enum\", \"name\": \"BuyerType\", \"members\": [\"central\", "
        "\"sub-central\"]}}",
        "\"json\": \"estimated_value\", \"type\": {\"kind\": \"money\", "
        "\"currency\": \"GBP\"}",
        "\"output\": {\"type\": {\"kind\": \"record\"",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (!strstr(text, want[i])) {
            fail_msg("describe lacks %s\nin %s", want[i], text);
        }
    }
    assert_int_equal(text[len - 1], '\n');
    free(text);
    tally_program_free(p);
}

/* ---- modules ------------------------------------------------------------ */

/* The one output line [p] gives for the record [json]. */
static void assert_eval(const tally_program *p, const char *json,
                        const char *want)
{
    tally_session *s = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    const char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(tally_session_eval(s, json, strlen(json), &out, &out_len),
                     TALLY_OK);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
    tally_session_free(s);
}

static const char sme_policy[] =
    "import procurement\n"
    "record T { id: text, staff: integer }\n"
    "input tender: T keyed by id\n"
    "record R { sme: bool }\n"
    "output result: R = R { sme: procurement.sme(tender.staff, £1, £1) }\n";

/* Text compiled with a base path finds its "path" imports there; the
 * library path comes before the built-in standard library. */
static void test_api_modules(void **state)
{
    (void)state;
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    static const char two[] =
        "import \"shared/scoring.tally\"\n"
        "input tender: scoring.Bid keyed by supplier\n"
        "record R { band: scoring.Band }\n"
        "output result: R = R { band: scoring.band(tender.quality) }\n";
    tally_program *p = NULL;
    /* Named as if elsewhere: without the base path the import is not
     * found. */
    assert_int_equal(tally_compile(&cfg, "policy.tally", two, strlen(two), &p),
                     TALLY_EPOLICY);
    assert_null(p);
    assert_int_equal(tally_compile_in(&cfg, "policy.tally",
                                      "tests/golden/mod-two-files", two,
                                      strlen(two), &p),
                     TALLY_OK);
    assert_eval(p, "{\"supplier\": \"A\", \"price\": \"1.00\", \"quality\": 90}",
                "{\"band\": \"high\"}");
    tally_program_free(p);
    assert_int_equal(tally_check_in(&cfg, "policy.tally",
                                    "tests/golden/mod-two-files", two,
                                    strlen(two)),
                     TALLY_OK);
    /* an embedder compiling text it does not trust refuses file imports */
    cfg.no_file_imports = 1;
    assert_int_equal(tally_check_in(&cfg, "policy.tally",
                                    "tests/golden/mod-two-files", two,
                                    strlen(two)),
                     TALLY_EPOLICY);
    cfg.no_file_imports = 0;

    /* the built-in procurement: 50 staff is an SME */
    assert_int_equal(tally_compile(&cfg, "p.tally", sme_policy,
                                   strlen(sme_policy), &p),
                     TALLY_OK);
    assert_eval(p, "{\"id\": \"a\", \"staff\": 50}", "{\"sme\": true}");
    tally_program_free(p);
    /* a council's own, first on the library path: not below 10 staff */
    static const char *const dirs[] = {"tests/golden/nowhere",
                                       "tests/golden/mod-lib-path/lib", NULL};
    cfg.lib_path = dirs;
    assert_int_equal(tally_compile(&cfg, "p.tally", sme_policy,
                                   strlen(sme_policy), &p),
                     TALLY_OK);
    assert_eval(p, "{\"id\": \"a\", \"staff\": 50}", "{\"sme\": false}");
    tally_program_free(p);
}

/* A diagnostic in an imported file names that file, with its own lines. */
static void test_api_modules_diagnostic(void **state)
{
    (void)state;
    seen s;
    memset(&s, 0, sizeof s);
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.diagnostic = on_diag;
    cfg.diagnostic_ud = &s;
    static const char src[] = "import \"broken.tally\"\n";
    assert_int_equal(tally_check_in(&cfg, "p.tally",
                                    "tests/golden/mod-parse-error", src,
                                    strlen(src)),
                     TALLY_EPOLICY);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.code[0], "syntax");
    assert_string_equal(s.file[0], "tests/golden/mod-parse-error/broken.tally");
    assert_int_equal(s.line[0], 5);
    assert_int_equal(s.column[0], 31);
}

static void test_api_version(void **state)
{
    (void)state;
    assert_string_equal(tally_version(), TALLY_VERSION);
}

/* ---- tests (tally test) -------------------------------------------------- */

/* The golden fee policy's tests through the API: counts, coverage counted
 * by hand (two rule arms, a definition and its two branches), and a
 * second file's results added to the first's. */
static void test_api_tests(void **state)
{
    (void)state;
    tally_test_options o;
    memset(&o, 0, sizeof o);
    o.coverage = 1;
    o.filter = "order";
    tally_tests *t = NULL;
    assert_int_equal(tally_tests_new(NULL, &o, &t), TALLY_OK);
    assert_int_equal(tally_tests_file(t, "tests/golden/test-fail/policy.tally"),
                     TALLY_OK);
    tally_test_counts k;
    tally_tests_counts(t, &k);
    /* "order": a large order (passes), an urgent one (fails on its
     * band), a refused one and a missing one (fail); two skipped. */
    assert_int_equal(k.passed, 1);
    assert_int_equal(k.failed, 3);
    assert_int_equal(k.skipped, 2);
    assert_int_equal(k.broken, 0);
    assert_int_equal(k.coverable, 5);
    assert_int_equal(k.covered, 5);
    assert_int_equal(tally_tests_file(t, "tests/golden/test-file/fees/policy_test.tally"),
                     TALLY_OK);
    assert_int_equal(tally_tests_file(t, "tests/golden/no-such.tally"), TALLY_EIO);
    tally_tests_counts(t, &k);
    assert_int_equal(k.passed, 2); /* "a rate of 5%" is skipped */
    assert_int_equal(k.skipped, 3);
    assert_int_equal(k.broken, 1);
    assert_int_equal(k.coverable, 10); /* the same points in two files */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tally_tests_write(t, TALLY_TESTS_JUNIT, f), TALLY_OK);
    assert_int_equal(tally_tests_write(t, TALLY_TESTS_COVERAGE_JSON, f), TALLY_OK);
    fclose(f);
    tally_tests_free(t);
    tally_tests_free(NULL);
}

/* ---- statuses ------------------------------------------------------------ */

/* Every runtime status becomes the API's in one place, as documented. */
static void test_api_status_mapping(void **state)
{
    (void)state;
    assert_int_equal(api_status(RT_OK), TALLY_OK);
    assert_int_equal(api_status(RT_EOF), TALLY_OK);
    assert_int_equal(api_status(RT_EDATA), TALLY_EDATA);
    assert_int_equal(api_status(RT_ERUNTIME), TALLY_ERUNTIME);
    assert_int_equal(api_status(RT_ELIMIT), TALLY_ERUNTIME);
    assert_int_equal(api_status(RT_ENOMEM), TALLY_ENOMEM);
    assert_int_equal(api_status(RT_EIO), TALLY_EIO);
    assert_int_equal(api_status(RT_EINVALID), TALLY_EBYTECODE);
    assert_int_equal(api_status(RT_ENATIVE), TALLY_ENATIVE);
    assert_int_equal(api_status(RT_EINTERNAL), TALLY_EINTERNAL);
    assert_int_equal(api_status(RT_STATUS_COUNT), TALLY_EINTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_diagnostic_check),
        cmocka_unit_test(test_api_diagnostic_warning),
        cmocka_unit_test(test_api_diagnostic_syntax),
        cmocka_unit_test(test_api_diagnostic_cap),
        cmocka_unit_test(test_api_session_sample),
        cmocka_unit_test(test_api_session_bad_input),
        cmocka_unit_test(test_api_session_budget),
        cmocka_unit_test(test_api_run_budget_and_cap),
        cmocka_unit_test(test_api_run_cancel),
        cmocka_unit_test(test_api_describe),
        cmocka_unit_test(test_api_version),
        cmocka_unit_test(test_api_modules),
        cmocka_unit_test(test_api_modules_diagnostic),
        cmocka_unit_test(test_api_status_mapping),
        cmocka_unit_test(test_api_json_array),
        cmocka_unit_test(test_api_tests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
