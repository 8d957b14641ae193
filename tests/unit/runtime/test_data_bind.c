/* tests/unit/runtime/test_data_bind.c - unit tests for runtime/data_bind.c.
 *
 * On the award tender schema built by hand (data_fixture.h; no compiler
 * needed): every line of tests/data/award/bad-input.jsonl is bound and its
 * error path and message checked against the expected file (lines whose
 * expected error is a policy check must bind); the edge tenders bind;
 * record-level errors and their priority; field errors, duplicates,
 * missing fields, unknown keys; lone surrogate escapes; VAL_ERROR map
 * entries; unique keys; nesting; and allocation failure at every step.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data_fixture.h"

/* ---- binding --------------------------------------------------------- */

static void test_data_bind_good_tender(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    assert_int_equal(bind(f, GOOD, &v, &e), RT_OK);
    assert_int_equal(v.kind, VAL_RECORD);
    assert_int_equal(v.type, f->prog->input_record);
    assert_int_equal(v.as.r->count, 11);
    assert_text(field(&v, T_ID), "T-000001");
    const value *buyer = field(&v, T_BUYER);
    assert_text(field(buyer, 0), "Northfield Council");
    assert_int_equal(field(buyer, 1)->kind, VAL_ENUM);
    assert_int_equal(field(buyer, 1)->as.i, 1);
    assert_int_equal(field(&v, T_PUBLISHED)->kind, VAL_DATE);
    int64_t day;
    assert_true(date_parse("2026-03-14", 10, &day));
    assert_int_equal(field(&v, T_PUBLISHED)->as.i, day);
    assert_int_equal(field(&v, T_CATEGORY)->as.i, 1);
    assert_dec(field(&v, T_EST), "250000", &f->a);
    assert_int_equal(field(&v, T_RESERVED)->kind, VAL_NONE);
    assert_dec(field(field(&v, T_WEIGHTS), 2), "10", &f->a);
    const value *qs = field(&v, T_QUESTIONS);
    assert_int_equal(qs->kind, VAL_LIST);
    assert_int_equal(qs->as.l->count, 2);
    assert_text(field(&qs->as.l->items[1], 0), "Q2");
    assert_int_equal(field(&qs->as.l->items[1], 2)->as.i, 2);
    const value *bids = field(&v, T_BIDS);
    assert_int_equal(bids->as.l->count, 1);
    const value *bid = &bids->as.l->items[0];
    const value *sup = field(bid, B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 45);
    assert_true(field(sup, S_LOCAL)->as.b);
    assert_int_equal(field(sup, S_EXCLUSIONS)->kind, VAL_LIST);
    assert_int_equal(field(sup, S_EXCLUSIONS)->as.l->count, 0);
    assert_dec(field(bid, B_PRICE), "231500.00", &f->a);
    const value *sub = field(bid, B_SUBMITTED);
    assert_int_equal(sub->kind, VAL_DATETIME);
    date_instant t;
    assert_true(date_instant_parse("2026-04-02T12:32:00+01:00", 25, &t));
    assert_int_equal(date_instant_cmp(&sub->as.t, &t), 0);
    const value *scores = field(bid, B_SCORES);
    assert_int_equal(scores->kind, VAL_MAP);
    assert_int_equal(scores->as.m->count, 2);
    assert_text(&scores->as.m->keys[1], "Q2");
    assert_int_equal(scores->as.m->vals[1].as.i, 3);
    /* SPEC: "35.0" is percentage points: the value is the fraction. */
    assert_dec(field(field(bid, B_SOCIAL), 2), "0.35", &f->a);
}

static void test_data_bind_percent_and_optional(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("\"35.0\"", "\"12.5\"");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    const value *bid = &field(&v, T_BIDS)->as.l->items[0];
    assert_dec(field(field(bid, B_SOCIAL), 2), "0.125", &f->a);
    free(s);
    s = patched("\"reserved\": null", "\"reserved\": \"local-sme\"");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    assert_int_equal(field(&v, T_RESERVED)->kind, VAL_ENUM);
    assert_int_equal(field(&v, T_RESERVED)->as.i, 0);
    free(s);
    /* An enum with no label is named by its type name. */
    expect_patched_error(f, "\"reserved\": null", "\"reserved\": \"sme\"",
                         "reserved", "unknown Reserved \"sme\"");
    expect_patched_error(f, "\"reserved\": null", "\"reserved\": 1",
                         "reserved", "not a string");
    expect_patched_error(f, "\"35.0\"", "35", "bids[0].social_value."
                         "local_spend_pct", "not a decimal string");
}

/* The path of an expected error text, or NULL for "line N: ...". */
static char *expected_path(const char *error, const char **msg)
{
    if (strncmp(error, "line ", 5) == 0) {
        *msg = strchr(error, ':') + 2;
        return NULL;
    }
    const char *colon = strstr(error, ": ");
    assert_non_null(colon);
    *msg = colon + 2;
    return strndup(error, (size_t)(colon - error));
}

/* Reads the "error" string of an expected record (no escapes but \"). */
static char *expected_error(const char *line)
{
    const char *at = strstr(line, "\"error\": \"");
    if (!at) {
        return NULL;
    }
    at += 10;
    char *out = malloc(strlen(at) + 1);
    size_t n = 0;
    for (; *at && *at != '"'; at++) {
        if (*at == '\\') {
            at++;
        }
        out[n++] = *at;
    }
    out[n] = '\0';
    return out;
}

/* Expected errors that the policy's checks raise, not the binder. */
static bool is_policy_check(const char *msg)
{
    return strstr(msg, "no threshold in force") ||
           strstr(msg, "do not add up") ||
           strstr(msg, "must be greater than 0");
}

/* Messages where our wording differs from the reference's (the spec
 * allows any wording); the paths still must match. */
static const char *our_wording(const char *msg)
{
    if (strcmp(msg, "not null or \"local-sme\"") == 0) {
        return "unknown Reserved \"sme\"";
    }
    if (strcmp(msg, "duplicate question id \"Q1\"") == 0) {
        return "duplicate id \"Q1\"";
    }
    return msg;
}

/* Finds the map entry at [path] ("bids[1].scores.Q2") in tender [v]. */
static const value *score_entry(const value *v, const char *path)
{
    unsigned bid;
    char q[16];
    assert_int_equal(sscanf(path, "bids[%u].scores.%15s", &bid, q), 2);
    const value *scores =
        field(&field(v, T_BIDS)->as.l->items[bid], B_SCORES);
    for (uint32_t i = 0; i < scores->as.m->count; i++) {
        const value *k = &scores->as.m->keys[i];
        if (k->len == strlen(q) && memcmp(k->as.s, q, k->len) == 0) {
            return &scores->as.m->vals[i];
        }
    }
    fail_msg("no entry %s", path);
    return NULL;
}

static void test_data_bind_bad_input_file(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(DATA_DIR "bad-input.jsonl", "r");
    FILE *ex = fopen(DATA_DIR "bad-input.expected.jsonl", "r");
    assert_non_null(in);
    assert_non_null(ex);
    data_reader *r = data_reader_new(&f->mem, f->prog, in, DATA_JSONL,
                                     "bad-input.jsonl");
    assert_non_null(r);
    char want[8192];
    long n = 0, schema = 0, policy = 0, ok = 0, in_map = 0;
    while (fgets(want, sizeof want, ex)) {
        n++;
        arena_reset(&f->a);
        value v;
        data_error e;
        rt_status st = data_reader_next(r, &f->a, &v, &e);
        char *error = expected_error(want);
        if (!error) { /* a tender the policy evaluates */
            assert_int_equal(st, RT_OK);
            ok++;
            continue;
        }
        const char *msg;
        char *path = expected_path(error, &msg);
        if (is_policy_check(msg)) {
            assert_int_equal(st, RT_OK);
            policy++;
        } else if (path && strstr(path, ".scores.")) {
            /* A bad score binds as an error value, raised when read. */
            assert_int_equal(st, RT_OK);
            const value *s = score_entry(&v, path);
            assert_int_equal(s->kind, VAL_ERROR);
            assert_string_equal(s->as.e->path, path);
            assert_string_equal(s->as.e->msg, msg);
            in_map++;
        } else {
            if (st != RT_EDATA) {
                fail_msg("line %ld: expected \"%s\", bound", n, error);
            }
            assert_int_equal(e.line, n);
            if (path) {
                assert_non_null(e.path);
                assert_string_equal(e.path, path);
                assert_int_equal(e.key.kind, VAL_TEXT);
            } else {
                assert_null(e.path);
                assert_int_equal(e.key.kind, VAL_NONE);
            }
            assert_string_equal(e.msg, our_wording(msg));
            schema++;
        }
        free(path);
        free(error);
    }
    arena_reset(&f->a);
    value v;
    data_error e;
    assert_int_equal(data_reader_next(r, &f->a, &v, &e), RT_EOF);
    assert_int_equal(n, 33);
    assert_int_equal(ok, 2);
    assert_int_equal(policy, 5);
    assert_int_equal(in_map, 2);
    assert_int_equal(schema, 24);
    data_reader_free(r);
    fclose(in);
    fclose(ex);
}

static void test_data_bind_edge_file(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(DATA_DIR "edge.jsonl", "r");
    assert_non_null(in);
    data_reader *r = data_reader_new(&f->mem, f->prog, in, DATA_AUTO, NULL);
    long records = 0, errors = 0;
    for (;;) {
        arena_reset(&f->a);
        value v;
        data_error e;
        rt_status st = data_reader_next(r, &f->a, &v, &e);
        if (st == RT_EOF) {
            break;
        }
        if (st == RT_EDATA) {
            assert_int_equal(e.line, 21);
            assert_string_equal(e.path, "bids[1].supplier.exclusions[1]");
            assert_string_equal(e.msg, "unknown exclusion ground \"bribe\"");
            assert_text(&e.key, "T-000021");
            errors++;
            continue;
        }
        assert_int_equal(st, RT_OK);
        records++;
    }
    assert_int_equal(records, 65);
    assert_int_equal(errors, 1);
    data_reader_free(r);
    fclose(in);
}

static void test_data_bind_record_level(void **state)
{
    fixture *f = *state;
    expect_error(f, "{\"id\": \"x\", \"buyer\": ", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\"} {}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\",}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"\xff\"}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\" // c\n}", NULL, "not valid JSON");
    expect_error(f, "", NULL, "not valid JSON");
    expect_error(f, "[1, 2, 3]", NULL, "not a JSON object");
    expect_error(f, "\"T-1\"", NULL, "not a JSON object");
    expect_error(f, "null", NULL, "not a JSON object");
    expect_error(f, "{}", NULL, "id missing or not a string");
    expect_error(f, "{\"id\": null}", NULL, "id missing or not a string");
    expect_error(f, "{\"id\": [\"T\"]}", NULL, "id missing or not a string");
    /* Priority: not JSON, then not an object, then the key, then fields. */
    expect_error(f, "{\"id\": 17, \"buyer\": 3", NULL, "not valid JSON");
    expect_error(f, "{\"buyer\": 3, \"id\": 17}", NULL,
                 "id missing or not a string");
    /* The first "id" decides; a later one is a duplicate field. */
    expect_error(f, "{\"id\": 1, \"id\": \"x\"}", NULL,
                 "id missing or not a string");
    char *s = patched("\"cpv\"", "\"id\": \"T-2\", \"cpv\"");
    expect_error(f, s, "id", "duplicate key");
    free(s);
    /* A key is read even after an error earlier in the text. */
    value v;
    data_error e;
    assert_int_equal(bind(f, "{\"buyer\": 3, \"id\": \"late\"}", &v, &e),
                     RT_EDATA);
    assert_string_equal(e.path, "buyer");
    assert_string_equal(e.msg, "not an object");
    assert_text(&e.key, "late");
}

static void test_data_bind_field_errors(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"title\"", "\"title\": \"x\", \"title\"",
                         "title", "duplicate key");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 45, \"staff\": 45",
                         "bids[0].supplier.staff", "duplicate key");
    expect_patched_error(f, "\"buyer\"", "\"buyer\": null, \"x\"", "buyer",
                         "not an object");
    expect_patched_error(f, "\"250000.00\"", "250000.00", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"250000.00\"", "\"+250000\"", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"250000.00\"", "null", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 4.0",
                         "bids[0].supplier.staff", "not an integer");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 1e2",
                         "bids[0].supplier.staff", "not an integer");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 9223372036854775808",
                         "bids[0].supplier.staff", "not an integer");
    char *s = patched("\"staff\": 45", "\"staff\": 9223372036854775807");
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    const value *sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, INT64_MAX);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": -0");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    free(s);
    /* 18 digits, the most the binder's short path reads, and 19. */
    s = patched("\"staff\": 45", "\"staff\": 999999999999999999");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 999999999999999999);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": 1000000000000000000");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 1000000000000000000);
    free(s);
    expect_patched_error(f, "\"staff\": 45", "\"staff\": -1",
                         "bids[0].supplier.staff", "-1 out of range");
    /* Short texts are checked for UTF-8 a word at a time: an overlong
     * form in the last byte of 4, 8 and 16 is still found. */
    expect_patched_error(f, "\"NF1 2AB\"", "\"N\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF1 2A\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF1 2AB NF1 2A\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "{\"Q1\": 4", "{\"Q\xed\xa0\x80\": 4",
                         "bids[0].scores", "a key is not valid UTF-8");
}

/* yajl decodes a \ud800 escape with no low surrogate after it to '?':
 * the binder finds such escapes in the record's text itself, so a text
 * never silently changes. */
#define LONE "not valid UTF-8 (a \\u escape of a lone surrogate)"

static void test_data_bind_lone_surrogate(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF\\ud800\"",
                         "bids[0].supplier.postcode", LONE);
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\uDBFF\"",
                         "bids[0].supplier.postcode", LONE);
    /* a high surrogate followed by another high one, or by a non-escape */
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\ud800\\ud800\\udc00\"",
                         "bids[0].supplier.postcode", LONE);
    expect_patched_error(f, "\"NF1 2AB\"", "\"x\\ud83du00de\"",
                         "bids[0].supplier.postcode", LONE);
    /* a lone low surrogate: yajl encodes it, the UTF-8 check refuses it */
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\udc00\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    /* in a map key */
    expect_patched_error(f, "{\"Q1\": 4", "{\"Q\\ud800\": 4",
                         "bids[0].scores", "a key is " LONE);
    /* the third of three keys, after a good pair; an ignored (unknown)
     * field's value is not read, as with any invalid UTF-8 */
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}",
                         "{\"Q\\ud83d\\ude00\": 4, \"Q2\": 3, \"\\ud800\": 1}",
                         "bids[0].scores", "a key is " LONE);
    /* Not lone: a pair, an escaped backslash before "ud800", an escaped
     * backslash and then a pair. */
    static const char *fine[] = {"\"\\ud83d\\ude00\"", "\"\\\\ud800\"",
                                 "\"\\\\\\ud83d\\ude00\""};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        char *s = patched("\"NF1 2AB\"", fine[i]);
        value v;
        data_error e;
        assert_int_equal(bind(f, s, &v, &e), RT_OK);
        free(s);
    }
}

static void test_data_bind_field_errors_more(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"staff\": 45", "\"staff\": -1",
                         "bids[0].supplier.staff", "-1 out of range");
    expect_patched_error(f, "\"local\": true", "\"local\": 1",
                         "bids[0].supplier.local", "not a boolean");
    expect_patched_error(f, "\"2026-03-14\"", "\"2026-3-14\"", "published",
                         "not a date YYYY-MM-DD");
    expect_patched_error(
        f, "\"2026-04-02T11:32:00Z\"", "\"2026-04-02 11:32:00Z\"",
        "bids[0].submitted",
        "not a date-time YYYY-MM-DDTHH:MM:SS[.s](Z|+hh:mm)");
    expect_patched_error(f, "\"exclusions\": []",
                         "\"exclusions\": [\"fraud\", \"Fraud\"]",
                         "bids[0].supplier.exclusions[1]",
                         "unknown exclusion ground \"Fraud\"");
    expect_patched_error(f, "\"exclusions\": []",
                         "\"exclusions\": [\"a\\\"b\\n\"]",
                         "bids[0].supplier.exclusions[0]",
                         "unknown exclusion ground \"a\\\"b\\n\"");
    /* Missing fields: reported at the close, first in declaration order,
     * after any error inside the object. */
    expect_patched_error(f, "\"staff\": 45, ", "",
                         "bids[0].supplier.staff", "missing");
    expect_patched_error(f, "\"name\": \"Acme Grounds Ltd\", \"staff\": 45",
                         "\"staff\": \"x\"", "bids[0].supplier.staff",
                         "not an integer");
    expect_patched_error(f, "\"title\": \"Grounds maintenance, north parks\",",
                         "", "title", "missing");
    /* Document order: the first offending field wins. */
    expect_patched_error(f, "\"category\": \"services\"",
                         "\"category\": \"x\", \"published\": 1",
                         "category", "unknown category \"x\"");
    /* Unknown keys are skipped whatever they hold, at any level. */
    char *s = patched("\"cpv\"", "\"extra\": {\"a\": [1, {\"id\": 2}], "
                                 "\"id\": null}, \"more\": [[[]]], \"cpv\"");
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": 45, \"x\": [true]");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    free(s);
    /* A long bad value is cut in the message. */
    char big[400] = "\"exclusions\": [\"";
    memset(big + strlen(big), 'z', 200);
    strcpy(big + strlen(big), "\"]");
    s = patched("\"exclusions\": []", big);
    assert_int_equal(bind(f, s, &v, &e), RT_EDATA);
    assert_true(strlen(e.msg) < 100);
    assert_non_null(strstr(e.msg, "zzz\"..."));
    free(s);
}

static void test_data_bind_map_errors(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("{\"Q1\": 4, \"Q2\": 3}",
                      "{\"Q1\": \"x\", \"Q2\": 3, \"Q9\": null, "
                      "\"Q8\": [1, {\"a\": [2]}], \"Q7\": 9}");
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    free(s);
    const value *scores =
        field(&field(&v, T_BIDS)->as.l->items[0], B_SCORES);
    assert_int_equal(scores->as.m->count, 5);
    static const char *want[][2] = {
        {"bids[0].scores.Q1", "not an integer"},
        {NULL, NULL},
        {"bids[0].scores.Q9", "not an integer"},
        {"bids[0].scores.Q8", "not an integer"},
        {"bids[0].scores.Q7", "9 out of range"}};
    for (int i = 0; i < 5; i++) {
        const value *x = &scores->as.m->vals[i];
        if (!want[i][0]) {
            assert_int_equal(x->kind, VAL_INT);
            continue;
        }
        assert_int_equal(x->kind, VAL_ERROR);
        assert_string_equal(x->as.e->path, want[i][0]);
        assert_string_equal(x->as.e->msg, want[i][1]);
    }
    assert_text(&scores->as.m->keys[3], "Q8");
    /* A soft error inside a map does not hide a later real one. */
    s = patched("{\"Q1\": 4, \"Q2\": 3}", "{\"Q1\": {}, \"Q2\": 3}");
    char *at = strstr(s, "\"local_jobs\": 3");
    memcpy(at, "\"local_jobs\": T", 15);
    assert_int_equal(bind(f, s, &v, &e), RT_EDATA);
    assert_null(e.path);
    memcpy(at, "\"local_jobs\": 0", 15);
    assert_int_equal(bind(f, s, &v, &e), RT_OK);
    char *s2 = malloc(strlen(s) + 2);
    size_t pre = (size_t)(at - s) + 14;
    memcpy(s2, s, pre);
    strcpy(s2 + pre, "-1");
    strcat(s2, at + 15);
    expect_error(f, s2, "bids[0].social_value.local_jobs", "-1 out of range");
    free(s2);
    free(s);
    /* A repeated map key is ambiguous: the record is rejected. */
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}",
                         "{\"Q1\": 4, \"Q2\": 3, \"Q1\": 5}",
                         "bids[0].scores.Q1", "duplicate key");
    /* Many keys go through the hash table. */
    char big[2048] = "{";
    for (int i = 0; i < 40; i++) {
        sprintf(big + strlen(big), "%s\"K%d\": 1", i ? ", " : "",
                i == 33 ? 7 : i);
    }
    strcat(big, "}");
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}", big,
                         "bids[0].scores.K7", "duplicate key");
}

static void test_data_bind_unique(void **state)
{
    fixture *f = *state;
    expect_patched_error(
        f, "{\"id\": \"Q2\"",
        "{\"id\": \"Q3\", \"weight\": \"1\", \"min_score\": 0}, "
        "{\"id\": \"Q1\"",
        "questions[2].id", "duplicate id \"Q1\"");
    /* An error inside an element comes first (it is met first). */
    expect_patched_error(
        f, "{\"id\": \"Q2\", \"weight\": \"30\"",
        "{\"id\": \"Q1\", \"weight\": 30", "questions[1].weight",
        "not a decimal string");
    /* Long lists use the hash table: the later of the pair is named. */
    char list[4096] = "\"questions\": [";
    for (int i = 0; i < 30; i++) {
        sprintf(list + strlen(list),
                "%s{\"id\": \"Q%d\", \"weight\": \"1\", \"min_score\": 0}",
                i ? ", " : "", i == 17 ? 5 : i);
    }
    strcat(list, "], \"old\": [");
    char *s = patched("\"questions\": [", list);
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "questions[17].id");
    assert_string_equal(e.msg, "duplicate id \"Q5\"");
    free(s);
}

/* A schema whose list type contains itself: nesting only data bounds. */
static void test_data_bind_nesting(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = prog_new(&mem);
    uint16_t t_text = type(p, BT_TEXT, 0);
    uint16_t t_deep = type(p, BT_LIST, 1); /* list of itself */
    assert_int_equal(t_deep, 1);
    fdef node[] = {{"id", t_text, NU}, {"x", t_deep, NU}};
    p->input_record = record(p, "Node", 2, node);
    p->key_field = 0;
    arena a;
    arena_init(&a, &mem);
    char *s = malloc(800100);
    value v;
    data_error e;
    for (int depth = 60; depth <= 200000; depth = depth < 70 ? depth + 1
                                                 : depth * 10) {
        int n = sprintf(s, "{\"id\": \"n\", \"x\": ");
        for (int i = 0; i < depth; i++) {
            s[n++] = '[';
        }
        for (int i = 0; i < depth; i++) {
            s[n++] = ']';
        }
        s[n++] = '}';
        arena_reset(&a);
        rt_status st = data_bind_json(p, 0, s, (size_t)n, 1, &a, &v, &e);
        /* The record is level 1, x's lists levels 2.. */
        if (depth + 1 <= DATA_MAX_DEPTH) {
            assert_int_equal(st, RT_OK);
        } else {
            assert_int_equal(st, RT_EDATA);
            assert_string_equal(e.msg, "nesting too deep");
            assert_int_equal(strncmp(e.path, "x[0][0]", 7), 0);
            assert_int_equal(strlen(e.path),
                             1 + 3 * (DATA_MAX_DEPTH - 1));
            assert_text(&e.key, "n");
        }
    }
    /* Deep values under unknown keys are skipped, not bound. */
    int n = sprintf(s, "{\"id\": \"n\", \"x\": [], \"y\": ");
    for (int i = 0; i < 100000; i++) {
        s[n++] = '{';
        n += sprintf(s + n, "\"a\":");
    }
    s[n++] = '1';
    for (int i = 0; i < 100000; i++) {
        s[n++] = '}';
    }
    s[n++] = '}';
    arena_reset(&a);
    assert_int_equal(data_bind_json(p, 0, s, (size_t)n, 1, &a, &v, &e),
                     RT_OK);
    free(s);
    arena_free(&a);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}


/* Binds GOOD with [from] patched to [to] and checks that field [field]
 * of the tender (or, when [in_bid], the first bid's price) is the
 * decimal string [want] exactly. */
static void expect_amount(fixture *f, const char *from, const char *to,
                          bool in_bid, const char *want)
{
    char *s = patched(from, to);
    value v;
    data_error e;
    rt_status st = bind(f, s, &v, &e);
    if (st != RT_OK) {
        fail_msg("%s: not bound: %s: %s", to, e.path ? e.path : "-", e.msg);
    }
    const value *x = &v.as.r->fields[T_EST];
    if (in_bid) {
        x = &v.as.r->fields[T_BIDS].as.l->items[0].as.r->fields[B_PRICE];
    }
    dec d;
    assert_int_equal(dec_parse(&f->a, want, strlen(want), &d), DEC_OK);
    assert_int_equal(x->kind, VAL_DEC);
    if (dec_cmp(&x->as.d, &d) != 0) {
        fail_msg("%s: not %s", to, want);
    }
    free(s);
}

/* A JSON number binds to an amount exactly from its text, unless the
 * record says "amounts as strings" (the award fixture does: its flag is
 * on the tender's fields and holds at every depth below). */
static void test_data_bind_numbers(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"231500.00\"", "231500.00", "bids[0].price",
                         "not a decimal string");
    bc_record *t = &f->prog->records[f->prog->input_record];
    for (uint16_t i = 0; i < t->nfields; i++) {
        f->prog->fields[t->first_field + i].flags &= ~BC_FIELD_AMOUNT_TEXT;
    }
    expect_amount(f, "\"250000.00\"", "248652.47", false, "248652.47");
    expect_amount(f, "\"250000.00\"", "0.1", false, "0.1");
    expect_amount(f, "\"250000.00\"", "-0", false, "0");
    expect_amount(f, "\"250000.00\"", "-0.0e-7", false, "0");
    expect_amount(f, "\"250000.00\"", "1e3", false, "1000");
    expect_amount(f, "\"250000.00\"", "2.5E+2", false, "250");
    expect_amount(f, "\"250000.00\"", "12345E-4", false, "1.2345");
    expect_amount(f, "\"250000.00\"", "0.00123e2", false, "0.123");
    expect_amount(f, "\"250000.00\"", "-1.5e-3", false, "-0.0015");
    expect_amount(f, "\"250000.00\"", "123456789012345678901234567890.5",
                  false, "123456789012345678901234567890.5");
    expect_amount(f, "\"231500.00\"", "231500.01", true, "231500.01");
    expect_patched_error(f, "\"250000.00\"", "1e1000", "estimated_value",
                         "number with more than 1000 digits");
    expect_patched_error(f, "\"250000.00\"", "1e99999999999999999999",
                         "estimated_value",
                         "number with more than 1000 digits");
    expect_amount(f, "\"250000.00\"", "0e99999999999999999999", false, "0");
    char big[1001];
    big[0] = '1';
    memset(big + 1, '0', 999);
    big[1000] = '\0';
    expect_amount(f, "\"250000.00\"", "1e999", false, big);
    /* integers stay integers: no fraction, no exponent, 64 bits */
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 1e2",
                         "bids[0].supplier.staff", "not an integer");
}

/* Binds [json] reporting all errors. */
static rt_status bind_all(fixture *f, const char *json, value *out,
                          data_error *err)
{
    arena_reset(&f->a);
    return data_bind_json_errors(f->prog, f->prog->input_record, json,
                                 strlen(json), 7, true, &f->a, out, err);
}

/* GOOD with each [from] in turn replaced by its [to]. */
static char *patched_all(const char *const (*pairs)[2], int n)
{
    char *s = malloc(strlen(GOOD) + 1);
    strcpy(s, GOOD);
    for (int i = 0; i < n; i++) {
        char *at = strstr(s, pairs[i][0]);
        assert_non_null(at);
        size_t pre = (size_t)(at - s);
        char *t = malloc(strlen(s) + strlen(pairs[i][1]) + 1);
        memcpy(t, s, pre);
        strcpy(t + pre, pairs[i][1]);
        strcat(t, at + strlen(pairs[i][0]));
        free(s);
        s = t;
    }
    return s;
}

static void test_data_bind_all_errors(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    /* Every problem, in document order; a value of the wrong kind is
     * skipped whole; a missing field is named when its object closes; a
     * bad score (a map entry) is not a problem of the record. */
    static const char *const many[][2] = {
        {"\"sub-central\"", "\"local\""},
        {"\"2026-03-14\"", "[\"2026-03-14\"]"},
        {"{\"id\": \"Q1\", \"weight\": \"20\"", "{\"id\": \"Q1\", \"weight\": 20.5e"},
        {"\"staff\": 45, ", ""},
        {"\"local\": true", "\"local\": {\"a\": [1, 2]}"},
        {"\"exclusions\": []", "\"exclusions\": [\"fraud\", 3, \"x\"]"},
        {"\"Q1\": 4", "\"Q1\": \"four\""},
        {"\"apprenticeships\": 2", "\"apprenticeships\": -2"},
    };
    /* 20.5e is not JSON: first check the rest with a good weight */
    char *s = patched_all(many, 8);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_null(e.path); /* not valid JSON: the record as a whole */
    assert_string_equal(e.msg, "not valid JSON");
    assert_int_equal(e.nmore, 0);
    free(s);
    static const char *const fixed[][2] = {
        {"\"sub-central\"", "\"local\""},
        {"\"2026-03-14\"", "[\"2026-03-14\"]"},
        {"{\"id\": \"Q1\", \"weight\": \"20\"", "{\"id\": \"Q1\", \"weight\": true"},
        {"\"staff\": 45, ", ""},
        {"\"local\": true", "\"local\": {\"a\": [1, 2]}"},
        {"\"exclusions\": []", "\"exclusions\": [\"fraud\", 3, \"x\"]"},
        {"\"Q1\": 4", "\"Q1\": \"four\""},
        {"\"apprenticeships\": 2", "\"apprenticeships\": -2"},
    };
    s = patched_all(fixed, 8);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_int_equal(e.key.kind, VAL_TEXT);
    assert_memory_equal(e.key.as.s, "T-000001", 8);
    static const char *const want[][2] = {
        {"buyer.type", "unknown buyer type \"local\""},
        {"published", "not a date YYYY-MM-DD"},
        {"questions[0].weight", "not a decimal string"},
        {"bids[0].supplier.local", "not a boolean"},
        {"bids[0].supplier.exclusions[1]", "not a string"},
        {"bids[0].supplier.exclusions[2]", "unknown exclusion ground \"x\""},
        {"bids[0].supplier.staff", "missing"},
        {"bids[0].social_value.apprenticeships", "-2 out of range"},
    };
    assert_string_equal(e.path, want[0][0]);
    assert_string_equal(e.msg, want[0][1]);
    assert_int_equal(e.nmore, 7);
    assert_int_equal(e.unshown, 0);
    for (int i = 1; i < 8; i++) {
        assert_string_equal(e.more[i - 1].path, want[i][0]);
        assert_string_equal(e.more[i - 1].msg, want[i][1]);
    }
    /* Without the option, only the first. */
    assert_int_equal(bind(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "buyer.type");
    assert_int_equal(e.nmore, 0);
    assert_null(e.more);
    free(s);
    /* One problem: as without the option; a good record binds. */
    static const char *const one[][2] = {{"\"250000.00\"", "\"250k\""}};
    s = patched_all(one, 1);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "estimated_value");
    assert_int_equal(e.nmore, 0);
    assert_int_equal(e.unshown, 0);
    free(s);
    assert_int_equal(bind_all(f, GOOD, &v, &e), RT_OK);
    /* Past DATA_MAX_ERRORS: counted, not kept. */
    char list[4096] = "\"exclusions\": [";
    for (int i = 0; i < 25; i++) {
        sprintf(list + strlen(list), "%s%d", i ? ", " : "", i);
    }
    strcat(list, "]");
    const char *const lots[][2] = {{"\"exclusions\": []", list}};
    s = patched_all(lots, 1);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "bids[0].supplier.exclusions[0]");
    assert_int_equal(e.nmore, DATA_MAX_ERRORS - 1);
    assert_int_equal(e.unshown, 25 - DATA_MAX_ERRORS);
    assert_string_equal(e.more[DATA_MAX_ERRORS - 2].path,
                        "bids[0].supplier.exclusions[19]");
    free(s);
    /* A repeated map key stops the binding: nothing after it is named. */
    static const char *const stop[][2] = {
        {"{\"Q1\": 4, \"Q2\": 3}", "{\"Q1\": 4, \"Q1\": 3}"},
        {"\"apprenticeships\": 2", "\"apprenticeships\": -2"},
    };
    s = patched_all(stop, 2);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "bids[0].scores.Q1");
    assert_string_equal(e.msg, "duplicate key");
    assert_int_equal(e.nmore, 0);
    free(s);
    /* A duplicate unique key, then more. */
    static const char *const dup[][2] = {
        {"{\"id\": \"Q2\"", "{\"id\": \"Q1\""},
        {"\"price\": \"231500.00\"", "\"price\": null"},
    };
    s = patched_all(dup, 2);
    assert_int_equal(bind_all(f, s, &v, &e), RT_EDATA);
    assert_string_equal(e.path, "questions[1].id");
    assert_string_equal(e.msg, "duplicate id \"Q1\"");
    assert_int_equal(e.nmore, 1);
    assert_string_equal(e.more[0].path, "bids[0].price");
    free(s);
    /* Every allocation refused in turn: out of memory, never a crash. */
    s = patched_all(fixed, 8);
    for (long n = 1; n < 400; n++) {
        arena_free(&f->a);
        arena_init(&f->a, &f->mem);
        f->mem.fail_at = n;
        rt_status st = data_bind_json_errors(f->prog, f->prog->input_record,
                                             s, strlen(s), 1, true, &f->a, &v,
                                             &e);
        f->mem.fail_at = 0;
        if (st == RT_EDATA) {
            assert_int_equal(e.nmore, 7);
            break;
        }
        assert_int_equal(st, RT_ENOMEM);
    }
    free(s);
}

static void test_data_bind_enomem(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("{\"Q1\": 4, \"Q2\": 3}",
                      "{\"Q1\": \"x\", \"Q2\": 3, \"Q3\": 1, \"Q4\": 1, "
                      "\"Q5\": 1, \"Q6\": 1, \"Q7\": 1, \"Q8\": 1, \"Q9\": 1}");
    int failures = 0;
    for (long n = 1; n < 200; n++) {
        arena_free(&f->a);
        arena_init(&f->a, &f->mem);
        f->mem.fail_at = n;
        rt_status st = data_bind_json(f->prog, f->prog->input_record, s,
                                      strlen(s), 1, &f->a, &v, &e);
        f->mem.fail_at = 0;
        if (st == RT_OK) {
            break;
        }
        assert_int_equal(st, RT_ENOMEM);
        assert_string_equal(e.msg, "out of memory");
        failures++;
    }
    assert_true(failures > 2);
    /* A cap too small for the parser is refused up front. */
    arena_free(&f->a);
    arena_init(&f->a, &f->mem);
    f->mem.cap = f->mem.live + 1000;
    assert_int_equal(data_bind_json(f->prog, f->prog->input_record, s,
                                    strlen(s), 1, &f->a, &v, &e),
                     RT_ENOMEM);
    f->mem.cap = 0;
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_data_bind_good_tender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_percent_and_optional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_bad_input_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_edge_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_record_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_field_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_field_errors_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_map_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_unique, setup, teardown),
        cmocka_unit_test(test_data_bind_nesting),
        cmocka_unit_test_setup_teardown(test_data_bind_lone_surrogate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_all_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bind_enomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
