/* tests/unit/api/test_whynot.c - why a bid did not win (api/whynot.c).
 *
 * The price search on made-up probes, each a rule "first at these
 * prices" whose answer is known: a threshold (monotone, at every place
 * from 1 cent to the top), a window of winning prices above a losing
 * 1 cent (an abnormally low tender rule), a lone winning price the
 * bisection passes over but the spread finds or not, no winning price,
 * a probe that fails part-way, and one that answers two ways for one
 * price.  Then tally_whynot through the API on a record of the award
 * example as JSON text: its answer equals the CLI's, and out of memory
 * at every allocation is a status, never a crash or a leak (ASan).
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

#include "api.h"
#include "tally.h"

#include "../slurp.h"

/* ---- the search ------------------------------------------------------- */

typedef struct rule {
    int64_t lo, hi;     /* first at prices in [lo, hi] */
    int64_t lone;       /* and at this one too (0: none) */
    int64_t stop_at;    /* WN_STOP here (0: never) */
    int64_t flip_at;    /* first here on the first ask only (0: none) */
    unsigned asked;
    unsigned flips;
} rule;

static wn_probe by_rule(void *ud, int64_t cents)
{
    rule *r = ud;
    r->asked++;
    assert_true(cents >= 1);
    if (r->stop_at && cents == r->stop_at) {
        return WN_STOP;
    }
    if (r->flip_at && cents == r->flip_at) {
        return r->flips++ == 0 ? WN_FIRST : WN_NOT_FIRST;
    }
    if ((cents >= r->lo && cents <= r->hi) || cents == r->lone) {
        return WN_FIRST;
    }
    return WN_NOT_FIRST;
}

/* A threshold anywhere from 1 cent to just below the top: the answer is
 * the threshold exactly, in under a hundred asks. */
static void test_whynot_search_monotone(void **state)
{
    (void)state;
    const int64_t tops[] = {2, 3, 100, 6175100, INT64_MAX / 4};
    for (size_t t = 0; t < sizeof tops / sizeof *tops; t++) {
        int64_t top = tops[t];
        const int64_t ths[] = {1, 2, top / 2, top - 1};
        for (size_t k = 0; k < sizeof ths / sizeof *ths; k++) {
            if (ths[k] < 1 || ths[k] >= top) {
                continue;
            }
            rule r = {.lo = 1, .hi = ths[k]};
            wn_search s;
            wn_search_price(by_rule, &r, top, true, &s);
            assert_int_equal(s.outcome, WN_FOUND);
            assert_int_equal(s.price, ths[k]);
            assert_int_equal(s.probes, r.asked);
            assert_true(s.probes < 100);
        }
    }
    /* The top not known to lose, and winning: the answer is the top. */
    rule r = {.lo = 1, .hi = 500};
    wn_search s;
    wn_search_price(by_rule, &r, 500, false, &s);
    assert_int_equal(s.outcome, WN_FOUND);
    assert_int_equal(s.price, 500);
}

/* First only in a window above 1 cent: not monotone, with a witness. */
static void test_whynot_search_not_monotone(void **state)
{
    (void)state;
    rule r = {.lo = 52500, .hi = 75000};
    wn_search s;
    wn_search_price(by_rule, &r, 100000, true, &s);
    assert_int_equal(s.outcome, WN_NOT_MONOTONE);
    assert_true(s.wins_at >= 52500 && s.wins_at <= 75000);
    assert_int_equal(s.loses_at, 1);

    /* First below a threshold and again at a lone price above it: the
     * spread above the answer is asked, and finds it when it lies on
     * one of its points. */
    int64_t top = 1501; /* spread over [1001, 1501]: 1001 + 500k/15 */
    rule lone = {.lo = 1, .hi = 1000, .lone = 1001 + 500 * 3 / 15};
    wn_search_price(by_rule, &lone, top, true, &s);
    assert_int_equal(s.outcome, WN_NOT_MONOTONE);
    assert_int_equal(s.wins_at, lone.lone);
    assert_int_equal(s.loses_at, 1001);

    /* A price answering two ways: first when the bisection asks, not
     * when the answer is asked again. */
    rule twice = {.lo = 1, .hi = 499, .flip_at = 500};
    wn_search_price(by_rule, &twice, 1000, true, &s);
    assert_int_equal(s.outcome, WN_NOT_MONOTONE);
    assert_int_equal(s.wins_at, s.loses_at);
}

/* Not first at 1 cent nor anywhere sampled: no price. */
static void test_whynot_search_no_solution(void **state)
{
    (void)state;
    rule r = {.lo = 0, .hi = -1};
    wn_search s;
    wn_search_price(by_rule, &r, 6175100, true, &s);
    assert_int_equal(s.outcome, WN_NONE);
    assert_true(s.probes <= 1 + WN_SPREAD);
    /* the top is 1 cent and known to lose: nothing to ask but the spread */
    rule one = {.lo = 0, .hi = -1};
    wn_search_price(by_rule, &one, 1, true, &s);
    assert_int_equal(s.outcome, WN_NONE);
}

/* A failed evaluation stops the search where it happened. */
static void test_whynot_search_stops(void **state)
{
    (void)state;
    rule r = {.lo = 1, .hi = 700, .stop_at = 1};
    wn_search s;
    wn_search_price(by_rule, &r, 1000, true, &s);
    assert_int_equal(s.outcome, WN_STOPPED);
    assert_int_equal(s.stopped_at, 1);
    rule mid = {.lo = 1, .hi = 700, .stop_at = 500};
    wn_search_price(by_rule, &mid, 1000, true, &s);
    assert_int_equal(s.outcome, WN_STOPPED);
    assert_int_equal(s.stopped_at, 500);
}

/* ---- through the API ---------------------------------------------------- */

typedef struct countdown {
    long left; /* allocations still allowed; -1: no limit */
    bool refused;
} countdown;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
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

/* The first line of the award sample: tender T-000001. */
static char *first_record(size_t *len)
{
    size_t all;
    char *text = slurp("examples/award/sample-20.jsonl", &all);
    char *nl = memchr(text, '\n', all);
    *len = nl ? (size_t)(nl - text) : all;
    return text;
}

/* The answer the golden test whynot-price gives through the CLI. */
static void test_whynot_api_answer(void **state)
{
    (void)state;
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tally_program *p = award_with(&cfg);
    tally_session *s = NULL;
    assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
    size_t len;
    char *json = first_record(&len);
    tally_whynot_options o;
    memset(&o, 0, sizeof o);
    o.bid = 0;
    o.record = "T-000001";
    o.format = TALLY_WHYNOT_JSON;
    char *buf = NULL;
    size_t blen = 0;
    FILE *out = open_memstream(&buf, &blen);
    tally_whynot_result res;
    assert_int_equal(tally_whynot(s, json, len, &o, out, &res), TALLY_OK);
    fclose(out);
    assert_int_equal(res.outcome, TALLY_WHYNOT_PRICE);
    assert_int_equal(res.bid, 0);
    assert_string_equal(res.price, "46283.30");
    assert_non_null(strstr(buf, "\"winning_price\": \"46283.30\""));
    free(buf);

    /* The winner, by --where; another record's key; no such bid. */
    o.bid = -1;
    o.where = "supplier=S-00194";
    out = open_memstream(&buf, &blen);
    assert_int_equal(tally_whynot(s, json, len, &o, out, &res), TALLY_OK);
    fclose(out);
    free(buf);
    assert_int_equal(res.outcome, TALLY_WHYNOT_WINNER);
    assert_int_equal(res.bid, 1);
    o.record = "T-000002";
    out = open_memstream(&buf, &blen);
    assert_int_equal(tally_whynot(s, json, len, &o, out, &res), TALLY_EOPTION);
    fclose(out);
    free(buf);
    o.record = NULL;
    o.where = NULL;
    o.bid = 9;
    out = open_memstream(&buf, &blen);
    assert_int_equal(tally_whynot(s, json, len, &o, out, &res), TALLY_EOPTION);
    fclose(out);
    free(buf);
    /* The session evaluates as before. */
    const char *line;
    size_t line_len;
    assert_int_equal(tally_session_eval(s, json, len, &line, &line_len),
                     TALLY_OK);
    assert_non_null(strstr(line, "\"award\": \"S-00194\""));
    free(json);
    tally_session_free(s);
    tally_program_free(p);
}

/* Every allocation refused in turn: TALLY_OK or TALLY_ENOMEM, and
 * everything freed (ASan). */
static void test_whynot_api_out_of_memory(void **state)
{
    (void)state;
    countdown c = {-1, false};
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = &c;
    tally_program *p = award_with(&cfg);
    size_t len;
    char *json = first_record(&len);
    tally_whynot_options o;
    memset(&o, 0, sizeof o);
    o.bid = 2;
    bool finished = false;
    for (long n = 0; n < 2000 && !finished; n++) {
        c.left = -1;
        tally_session *s = NULL;
        assert_int_equal(tally_session_new(p, NULL, &s), TALLY_OK);
        c.left = n;
        c.refused = false;
        char *buf = NULL;
        size_t blen = 0;
        FILE *out = open_memstream(&buf, &blen);
        tally_whynot_result res;
        tally_status st = tally_whynot(s, json, len, &o, out, &res);
        fclose(out);
        if (!c.refused) {
            assert_int_equal(st, TALLY_OK);
            assert_int_equal(res.outcome, TALLY_WHYNOT_PRICE);
            assert_string_equal(res.price, "50853.65");
            finished = true;
        } else {
            assert_true(st == TALLY_ENOMEM || st == TALLY_OK);
        }
        c.left = -1;
        free(buf);
        tally_session_free(s);
    }
    assert_true(finished);
    free(json);
    tally_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whynot_search_monotone),
        cmocka_unit_test(test_whynot_search_not_monotone),
        cmocka_unit_test(test_whynot_search_no_solution),
        cmocka_unit_test(test_whynot_search_stops),
        cmocka_unit_test(test_whynot_api_answer),
        cmocka_unit_test(test_whynot_api_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
