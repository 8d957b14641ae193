/* tests/unit/api/test_record.c - records built through the API
 * (api/record.c, tally_record_*).
 *
 * A built record must be the record given as JSON text: every record of
 * the award example's sample is rebuilt from its parsed JSON through the
 * setters alone (each string value accepted by exactly one of the string
 * setters, each object tried as a map first) and must give, byte for
 * byte, the line tally_session_eval gives for the text, with the same
 * status.  Then the mistakes: each gives TALLY_EDATA and a message naming
 * the field, and changes nothing; a whole-record problem (a missing
 * field, a bound) comes out of the evaluation as the JSON path's error
 * record; out of memory is a status at every allocation.
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
#include <yajl/yajl_tree.h>

#include "tally.h"

#include "../slurp.h"

/* ---- helpers ------------------------------------------------------------ */

static tally_program *award_with(const tally_config *cfg)
{
    size_t len;
    char *src = slurp("examples/award/award.tally", &len);
    tally_program *p = NULL;
    assert_int_equal(tally_compile(cfg, "examples/award/award.tally", src,
                                   len, &p),
                     TALLY_OK);
    free(src);
    return p;
}

static tally_program *award(void)
{
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    return award_with(&cfg);
}

/* Sets the string [s] at [path] with whichever string setter the field's
 * type takes; exactly one must. */
static tally_status set_string(tally_record *r, const char *path,
                               const char *s)
{
    int ok = 0;
    tally_status st;
    if ((st = tally_record_set_enum(r, path, s)) == TALLY_OK) {
        ok++;
    }
    if ((st = tally_record_set_date(r, path, s)) == TALLY_OK) {
        ok++;
    }
    if ((st = tally_record_set_decimal(r, path, s)) == TALLY_OK) {
        ok++;
    }
    if ((st = tally_record_set_text(r, path, s, strlen(s))) == TALLY_OK) {
        ok++;
    }
    if (ok != 1) {
        fail_msg("%s: %d string setters took \"%s\"", path, ok, s);
    }
    return TALLY_OK;
}

/* Whether [path] names a field the input has: the sample's records carry
 * keys the policy does not read ("cpv"), which the binder skips and a
 * setter refuses. */
static bool known(tally_record *r, const char *path)
{
    if (tally_record_set_none(r, path) == TALLY_OK) {
        return true; /* optional: set again below */
    }
    return strstr(tally_record_error(r), " has no field '") == NULL;
}

/* Builds the JSON value [v] at [path] ("" for the record itself). */
static void build(tally_record *r, const char *path, yajl_val v)
{
    char sub[512];
    if (YAJL_IS_OBJECT(v)) {
        /* A map takes set_empty, a record refuses it and stays unset. */
        bool is_map = *path && tally_record_set_empty(r, path) == TALLY_OK;
        for (size_t i = 0; i < v->u.object.len; i++) {
            const char *k = v->u.object.keys[i];
            if (is_map) {
                snprintf(sub, sizeof sub, "%s[\"%s\"]", path, k);
            } else {
                snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
                         k);
                if (!known(r, sub)) {
                    continue;
                }
            }
            build(r, sub, v->u.object.values[i]);
        }
    } else if (YAJL_IS_ARRAY(v)) {
        assert_int_equal(tally_record_set_empty(r, path), TALLY_OK);
        for (size_t i = 0; i < v->u.array.len; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            build(r, sub, v->u.array.values[i]);
        }
    } else if (YAJL_IS_STRING(v)) {
        set_string(r, path, YAJL_GET_STRING(v));
    } else if (YAJL_IS_INTEGER(v)) {
        tally_status st = tally_record_set_int(r, path, YAJL_GET_INTEGER(v));
        if (st != TALLY_OK) {
            fail_msg("%s", tally_record_error(r));
        }
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        assert_int_equal(tally_record_set_bool(r, path, YAJL_IS_TRUE(v)),
                         TALLY_OK);
    } else if (YAJL_IS_NULL(v)) {
        assert_int_equal(tally_record_set_none(r, path), TALLY_OK);
    } else {
        fail_msg("%s: a JSON value the award sample does not have", path);
    }
}

/* ---- a built record is the record as text ------------------------------- */

static void test_record_award_sample(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("examples/award/sample-20.jsonl", &len);
    tally_session *by_text = NULL, *by_api = NULL;
    assert_int_equal(tally_session_new(p, NULL, &by_text), TALLY_OK);
    assert_int_equal(tally_session_new(p, NULL, &by_api), TALLY_OK);
    tally_record *r = NULL;
    assert_int_equal(tally_record_new(by_api, &r), TALLY_OK);
    int records = 0;
    for (char *line = data; line < data + len;) {
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        char err[256];
        yajl_val v = yajl_tree_parse(line, err, sizeof err);
        assert_non_null(v);
        tally_record_clear(r);
        build(r, "", v);
        yajl_tree_free(v);

        const char *want, *got;
        size_t want_len, got_len;
        tally_status want_st =
            tally_session_eval(by_text, line, strlen(line), &want, &want_len);
        char *keep = malloc(want_len + 1);
        assert_non_null(keep);
        memcpy(keep, want, want_len + 1);
        tally_status got_st = tally_session_eval_record(by_api, r, &got,
                                                        &got_len);
        assert_int_equal(got_st, want_st);
        if (got_len != want_len || memcmp(got, keep, want_len) != 0) {
            fail_msg("record %d: built gave\n  %.*s\ntext gave\n  %s",
                     records + 1, (int)got_len, got, keep);
        }
        free(keep);
        records++;
        line = nl ? nl + 1 : data + len;
    }
    assert_int_equal(records, 20);
    tally_record_free(r);
    tally_session_free(by_api);
    tally_session_free(by_text);
    tally_program_free(p);
    free(data);
}

/* A small record set by hand reads back as the JSON a person would
 * write, fields in declaration order, map entries in the order set. */
static void test_record_json(void **state)
{
    (void)state;
    tally_program *p = award();
    tally_session *s = NULL;
    tally_record *r = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    assert_int_equal(tally_record_new(s, &r), TALLY_OK);
    const char *json;
    size_t json_len;
    assert_int_equal(tally_record_json(r, &json, &json_len), TALLY_OK);
    assert_string_equal(json, "{}");
    assert_int_equal(tally_record_set_text(r, "title", "Pens", 4), TALLY_OK);
    assert_int_equal(tally_record_set_text(r, "id", "T-1", 3), TALLY_OK);
    assert_int_equal(tally_record_set_enum(r, "buyer.type", "central"),
                     TALLY_OK);
    assert_int_equal(tally_record_set_none(r, "reserved"), TALLY_OK);
    assert_int_equal(tally_record_set_decimal(r, "bids[0].price", "10.50"),
                     TALLY_OK);
    assert_int_equal(tally_record_set_int(r, "bids[0].scores[\"Q2\"]", 3),
                     TALLY_OK);
    assert_int_equal(tally_record_set_int(r, "bids[0].scores[\"Q1\"]", 4),
                     TALLY_OK);
    assert_int_equal(tally_record_set_int(r, "bids[0].scores[\"Q2\"]", 5),
                     TALLY_OK); /* set again: replaced, keeps its place */
    assert_int_equal(tally_record_set_date(r, "bids[0].submitted",
                                           "2026-04-28T07:02:00Z"),
                     TALLY_OK);
    assert_int_equal(tally_record_set_empty(r, "bids[0].supplier.exclusions"),
                     TALLY_OK);
    assert_int_equal(tally_record_set_text(r, "buyer.name", "A \"B\"\n", 6),
                     TALLY_OK);
    assert_int_equal(tally_record_json(r, &json, &json_len), TALLY_OK);
    assert_string_equal(json,
                        "{\"id\":\"T-1\",\"buyer\":{\"name\":\"A \\\"B\\\"\\n\","
                        "\"type\":\"central\"},\"title\":\"Pens\","
                        "\"reserved\":null,\"bids\":[{\"supplier\":"
                        "{\"exclusions\":[]},\"price\":\"10.50\","
                        "\"submitted\":\"2026-04-28T07:02:00Z\","
                        "\"scores\":{\"Q2\":5,\"Q1\":4}}]}");
    assert_int_equal(json_len, strlen(json));
    tally_record_free(r);
    tally_session_free(s);
    tally_program_free(p);
}

/* ---- mistakes ----------------------------------------------------------- */

/* [st] is TALLY_EDATA and the message is [msg]. */
static void refused(tally_record *r, tally_status st, const char *msg)
{
    assert_int_equal(st, TALLY_EDATA);
    assert_string_equal(tally_record_error(r), msg);
}

static void test_record_mistakes(void **state)
{
    (void)state;
    tally_program *p = award();
    tally_session *s = NULL;
    tally_record *r = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    assert_int_equal(tally_record_new(s, &r), TALLY_OK);

    refused(r, tally_record_set_text(r, "titel", "x", 1),
            "titel: Tender has no field 'titel'");
    refused(r, tally_record_set_decimal(r, "bids[0].prise", "1"),
            "bids[0].prise: Bid has no field 'prise'");
    refused(r, tally_record_set_int(r, "bids[0].price", 5),
            "bids[0].price: the field is money, which tally_record_set_int "
            "cannot set");
    refused(r, tally_record_set_text(r, "published", "2026-01-01", 10),
            "published: the field is date, which tally_record_set_text "
            "cannot set");
    refused(r, tally_record_set_decimal(r, "estimated_value", "12,500.00"),
            "estimated_value: '12,500.00' is not a decimal string (digits, "
            "an optional sign and point: \"1234.50\")");
    refused(r, tally_record_set_decimal(r, "estimated_value", "1e3"),
            "estimated_value: '1e3' is not a decimal string (digits, an "
            "optional sign and point: \"1234.50\")");
    refused(r, tally_record_set_date(r, "published", "2026-02-30"),
            "published: '2026-02-30' is not a date YYYY-MM-DD");
    refused(r, tally_record_set_date(r, "bids[0].submitted", "2026-04-28"),
            "bids[0].submitted: '2026-04-28' is not a date-time "
            "YYYY-MM-DDTHH:MM:SS[.s](Z|+hh:mm)");
    refused(r, tally_record_set_enum(r, "category", "food"),
            "category: unknown category 'food'");
    refused(r, tally_record_set_enum(r, "reserved", "local_sme"),
            "reserved: unknown reservation 'local_sme'");
    refused(r, tally_record_set_none(r, "title"),
            "title: the field is text, not optional: it cannot be none");
    refused(r, tally_record_set_empty(r, "weights"),
            "weights: the field is record Weights, not a list or a map");
    refused(r, tally_record_set_text(r, "buyer.name", "\xff", 1),
            "buyer.name: text must be valid UTF-8");
    refused(r, tally_record_set_text(r, "title", NULL, 0),
            "title: tally_record_set_text was given NULL");
    refused(r, tally_record_set_int(r, "bids[1].supplier.staff", 3),
            "bids[1]: the list has 0 elements, so the next is [0]: give "
            "elements in order");
    refused(r, tally_record_set_int(r, "bids[\"x\"].supplier.staff", 3),
            "bids: a list is indexed by a number, as [0]");
    refused(r, tally_record_set_int(r, "bids[0].scores[0]", 3),
            "bids[0].scores: a map is indexed by a quoted key, as [\"key\"]");
    refused(r, tally_record_set_int(r, "bids[0].scores.Q1", 3),
            "bids[0].scores: not a record, so it has no field 'Q1'");
    refused(r, tally_record_set_text(r, "title.x", "x", 1),
            "title: a text value has no parts");
    refused(r, tally_record_set_text(r, "weights[0]", "x", 1),
            "weights: a record's fields are named with '.'");
    refused(r, tally_record_set_text(r, "", "x", 1), "an empty field path");
    refused(r, tally_record_set_text(r, "bids[0", "x", 1),
            "bids[0: a path step in brackets is an index [0] or a quoted "
            "key [\"key\"] of at most 255 bytes");
    refused(r, tally_record_set_text(r, "id..x", "x", 1),
            "id: a text value has no parts");

    /* None of them changed the record. */
    const char *json;
    size_t json_len;
    assert_int_equal(tally_record_json(r, &json, &json_len), TALLY_OK);
    assert_string_equal(json, "{}");

    /* A success clears the message. */
    assert_int_equal(tally_record_set_text(r, "id", "T-9", 3), TALLY_OK);
    assert_string_equal(tally_record_error(r), "");

    /* What needs the whole record is the binder's, as for text: a record
     * missing fields is the same error record. */
    const char *out;
    size_t out_len;
    assert_int_equal(tally_session_eval_record(s, r, &out, &out_len),
                     TALLY_EDATA);
    assert_string_equal(out, "{\"tender\": \"T-9\", \"error\": "
                             "\"buyer: missing\"}");

    /* A record belongs to its session. */
    tally_session *other = NULL;
    assert_int_equal(tally_session_new(p, NULL, &other), TALLY_OK);
    assert_int_equal(tally_session_eval_record(other, r, &out, &out_len),
                     TALLY_EOPTION);
    assert_null(out);
    assert_string_equal(tally_record_error(r),
                        "the record was made for another session");
    tally_session_free(other);

    tally_record_free(r);
    tally_record_free(NULL);
    tally_session_free(s);
    tally_program_free(p);
}

/* A bound on an integer is checked when the record is evaluated, with the
 * JSON path's message. */
static void test_record_bounds_at_eval(void **state)
{
    (void)state;
    tally_program *p = award();
    size_t len;
    char *data = slurp("examples/award/sample-20.jsonl", &len);
    *strchr(data, '\n') = '\0';
    tally_session *s = NULL;
    tally_record *r = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    assert_int_equal(tally_record_new(s, &r), TALLY_OK);
    char err[256];
    yajl_val v = yajl_tree_parse(data, err, sizeof err);
    build(r, "", v);
    yajl_tree_free(v);
    assert_int_equal(tally_record_set_int(r, "bids[0].scores[\"Q1\"]", 9),
                     TALLY_OK);
    const char *out;
    size_t out_len;
    assert_int_equal(tally_session_eval_record(s, r, &out, &out_len),
                     TALLY_EDATA);
    assert_string_equal(out, "{\"tender\": \"T-000001\", \"error\": "
                             "\"bids[0].scores.Q1: 9 out of range\"}");
    tally_record_free(r);
    tally_session_free(s);
    tally_program_free(p);
    free(data);
}

/* ---- out of memory ------------------------------------------------------ */

typedef struct countdown {
    long left; /* allocations to grant; < 0: all */
    bool refused;
} countdown;

static void *count_alloc(void *ud, void *ptr, size_t old_size,
                         size_t new_size)
{
    countdown *c = ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (c->left == 0) {
        c->refused = true;
        return NULL;
    }
    if (c->left > 0) {
        c->left--;
    }
    return realloc(ptr, new_size);
}

/* Every allocation a record makes, refused in turn: each call answers
 * TALLY_OK or TALLY_ENOMEM, and everything is freed (ASan). */
static void test_record_out_of_memory(void **state)
{
    (void)state;
    countdown c = {-1, false};
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = &c;
    tally_program *p = award_with(&cfg);
    bool finished = false;
    for (long n = 0; n < 400 && !finished; n++) {
        c.left = -1;
        tally_session *s = NULL;
        assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
        c.left = n;
        c.refused = false;
        tally_record *r = NULL;
        tally_status st = tally_record_new(s, &r);
        if (st == TALLY_OK) {
            tally_status sts[6];
            sts[0] = tally_record_set_text(r, "id", "T-1", 3);
            sts[1] = tally_record_set_decimal(r, "bids[0].price", "10.50");
            sts[2] = tally_record_set_int(r, "bids[0].scores[\"Q1\"]", 4);
            sts[3] = tally_record_set_empty(r, "questions");
            sts[4] = tally_record_set_enum(r, "bids[1].supplier.exclusions[0]",
                                           "bribery");
            const char *out = NULL;
            size_t out_len;
            sts[5] = tally_session_eval_record(s, r, &out, &out_len);
            for (int i = 0; i < 6; i++) {
                assert_true(sts[i] == TALLY_OK || sts[i] == TALLY_ENOMEM ||
                            (i == 5 && sts[i] == TALLY_EDATA));
                if (sts[i] == TALLY_ENOMEM && i < 5) {
                    assert_string_equal(tally_record_error(r),
                                        "out of memory building the record");
                }
            }
            if (!c.refused) {
                for (int i = 0; i < 5; i++) {
                    assert_int_equal(sts[i], TALLY_OK);
                }
                assert_int_equal(sts[5], TALLY_EDATA); /* fields missing */
                assert_non_null(out);
                finished = true;
            }
        } else {
            assert_int_equal(st, TALLY_ENOMEM);
            assert_null(r);
        }
        c.left = -1;
        tally_record_free(r);
        tally_session_free(s);
    }
    assert_true(finished);
    tally_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_award_sample),
        cmocka_unit_test(test_record_json),
        cmocka_unit_test(test_record_mistakes),
        cmocka_unit_test(test_record_bounds_at_eval),
        cmocka_unit_test(test_record_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
