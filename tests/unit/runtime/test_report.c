/* tests/unit/runtime/test_report.c - unit tests for runtime/report.c.
 *
 * A small policy with one report (every kind of column, grouped by a text
 * key) is compiled by the front end; the rows its records give are
 * computed once by the VM, then fed to report states directly:
 *
 *   - the report's text, exact to the byte, in JSON Lines;
 *   - the records split across two states and merged give the same bytes
 *     as one state that saw them all, whichever way they are split;
 *   - a partial state written and read back into an empty state gives the
 *     same report, and damaged or foreign partial text is refused with the
 *     name and place;
 *   - memory is bounded by the groups, not the records: ten thousand
 *     records in three groups hold no more than a hundred do, once the
 *     state has compacted;
 *   - every allocation of rep_new, rep_add, rep_merge, rep_write and
 *     rep_read_partial refused in turn: each ends in RT_ENOMEM or a clean
 *     result, and every byte comes back after rep_free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data.h"
#include "front.h"
#include "report.h"
#include "verify.h"
#include "vm.h"

static const char policy_src[] =
    "policy \"Report unit\" version \"1\"\n"
    "record Tender { id: text, buyer: text, n: integer, d: decimal, "
    "value: money, sme: bool }\n"
    "input tender: Tender keyed by id\n"
    "record Out { id: text }\n"
    "output r: Out = Out { id: tender.id }\n"
    "report by_buyer\n"
    "  for each tender\n"
    "  group by tender.buyer as buyer\n"
    "  columns\n"
    "    tenders: count\n"
    "    n: sum(tender.n)\n"
    "    d: sum(tender.d)\n"
    "    total: sum(tender.value)\n"
    "    lowest: min(tender.value)\n"
    "    highest: max(tender.value)\n"
    "    first_id: min(tender.id)\n"
    "    average: mean(tender.value, 2, half up)\n"
    "    sme_share: share(tender.sme, 1, half up)\n"
    "    values: count_distinct(tender.value)\n";

static const char data_src[] =
    "{\"id\": \"T1\", \"buyer\": \"York\", \"n\": 1, \"d\": \"0.1\", "
    "\"value\": \"10.00\", \"sme\": true}\n"
    "{\"id\": \"T2\", \"buyer\": \"Leeds\", \"n\": 2, \"d\": \"0.2\", "
    "\"value\": \"5.50\", \"sme\": false}\n"
    "{\"id\": \"T3\", \"buyer\": \"York\", \"n\": 3, \"d\": \"0.1\", "
    "\"value\": \"10\", \"sme\": false}\n"
    "{\"id\": \"T4\", \"buyer\": \"York\", \"n\": -4, \"d\": \"0.1\", "
    "\"value\": \"1.01\", \"sme\": false}\n"
    "{\"id\": \"T5\", \"buyer\": \"Hull\", \"n\": 7, \"d\": \"1.25\", "
    "\"value\": \"0.03\", \"sme\": true}\n";

#define NREC 5

/* What the report must say of data_src, worked out by hand: York has
 * T1, T3 and T4 (10.00 + 10 + 1.01 = 21.01, mean 7.003... -> 7.00, one
 * SME of three -> 33.3%, two distinct values), Leeds T2, Hull T5. */
static const char expected_report[] =
    "{\"report\": \"by_buyer\", \"buyer\": \"Hull\", \"tenders\": 1, \"n\": 7, "
    "\"d\": \"1.25\", \"total\": \"0.03\", \"lowest\": \"0.03\", "
    "\"highest\": \"0.03\", \"first_id\": \"T5\", \"average\": \"0.03\", "
    "\"sme_share\": \"100.0\", \"values\": 1}\n"
    "{\"report\": \"by_buyer\", \"buyer\": \"Leeds\", \"tenders\": 1, \"n\": 2, "
    "\"d\": \"0.2\", \"total\": \"5.50\", \"lowest\": \"5.50\", "
    "\"highest\": \"5.50\", \"first_id\": \"T2\", \"average\": \"5.50\", "
    "\"sme_share\": \"0.0\", \"values\": 1}\n"
    "{\"report\": \"by_buyer\", \"buyer\": \"York\", \"tenders\": 3, \"n\": 0, "
    "\"d\": \"0.3\", \"total\": \"21.01\", \"lowest\": \"1.01\", "
    "\"highest\": \"10.00\", \"first_id\": \"T1\", \"average\": \"7.00\", "
    "\"sme_share\": \"33.3\", \"values\": 2}\n";

/* The compiled policy and each record's report rows, made once. */
typedef struct fixture {
    mem_ctx mem;
    bc_program *p;
    vm *v;
    arena rows_arena; /* the rows below live here */
    value rows[NREC]; /* record i's rows for report 0 */
} fixture;

static fixture fx;

static int setup(void **state)
{
    (void)state;
    mem_init(&fx.mem);
    tly_comp c;
    tly_comp_init(&c, &fx.mem, "report.tally", policy_src,
                  sizeof policy_src - 1);
    bool ok = tly_load(&c) && tly_check(&c);
    fx.p = ok ? tly_compile(&c) : NULL;
    tly_comp_free(&c);
    char err[256];
    if (!fx.p || !vfy_program(fx.p, err, sizeof err) || fx.p->nreports != 1) {
        return -1;
    }
    fx.v = vm_new(&fx.mem, fx.p);
    FILE *in = fmemopen((void *)data_src, sizeof data_src - 1, "r");
    data_reader *r = in ? data_reader_new(&fx.mem, fx.p, in, DATA_JSONL,
                                          "data") : NULL;
    if (!fx.v || !r) {
        return -1;
    }
    arena_init(&fx.rows_arena, &fx.mem);
    int n = 0;
    for (;;) {
        value rec, res;
        data_error de;
        vm_error ve;
        rt_status ds = data_reader_next(r, &fx.rows_arena, &rec, &de);
        if (ds == RT_EOF) {
            break;
        }
        if (ds != RT_OK || n == NREC ||
            vm_eval(fx.v, &fx.rows_arena, &rec, &res, &ve) != VM_OK ||
            vm_eval_report(fx.v, 0, &fx.rows[n], &ve) != VM_OK) {
            return -1;
        }
        n++;
    }
    data_reader_free(r);
    fclose(in);
    return n == NREC ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&fx.rows_arena);
    vm_free(fx.v);
    bc_program_free(fx.p);
    return 0;
}

/* The report of [s] in JSON Lines, malloc'd (free it), or NULL with the
 * status in [*st]. */
static char *report_text(rep_state *s, rt_status *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    char err[256];
    *st = rep_write(s, f, OUT_JSONL, err, sizeof err);
    fclose(f);
    if (*st != RT_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* A state that has seen the records whose bit is set in [mask]. */
static rep_state *state_of(mem_ctx *m, unsigned mask)
{
    rep_state *s = rep_new(m, fx.p);
    assert_non_null(s);
    char err[256];
    for (int i = 0; i < NREC; i++) {
        if (mask & (1u << i)) {
            assert_int_equal(rep_add(s, 0, &fx.rows[i], err, sizeof err),
                             RT_OK);
        }
    }
    return s;
}

static void test_report_text(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    rep_state *s = state_of(&m, (1u << NREC) - 1);
    rt_status st;
    char *text = report_text(s, &st);
    assert_int_equal(st, RT_OK);
    assert_string_equal(text, expected_report);
    free(text);
    rep_free(s);
    assert_int_equal(m.live, 0);
}

static void test_empty_report(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    rep_state *s = rep_new(&m, fx.p);
    assert_non_null(s);
    rt_status st;
    char *text = report_text(s, &st);
    assert_int_equal(st, RT_OK);
    assert_string_equal(text, ""); /* no group, no row */
    free(text);
    rep_free(s);
    rep_free(NULL);
    assert_int_equal(m.live, 0);
}

/* Every split of the five records into two states merges into the same
 * bytes as one state. */
static void test_merge_every_split(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    unsigned all = (1u << NREC) - 1;
    for (unsigned mask = 0; mask <= all; mask++) {
        rep_state *a = state_of(&m, mask);
        rep_state *b = state_of(&m, all & ~mask);
        char err[256];
        assert_int_equal(rep_merge(a, b, err, sizeof err), RT_OK);
        rt_status st;
        char *text = report_text(a, &st);
        assert_int_equal(st, RT_OK);
        assert_string_equal(text, expected_report);
        free(text);
        rep_free(a);
        rep_free(b);
    }
    assert_int_equal(m.live, 0);
}

/* The partial state of a state, as text (malloc'd). */
static char *partial_text(rep_state *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(rep_write_partial(s, f), RT_OK);
    fclose(f);
    return buf;
}

/* A partial state read back into an empty state gives the same report;
 * two partials of a split add up to the whole. */
static void test_partial_round_trip(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    rep_state *a = state_of(&m, 0x5); /* T1, T3 */
    rep_state *b = state_of(&m, 0x1a); /* T2, T4, T5 */
    size_t la, lb;
    char *pa = partial_text(a, &la);
    char *pb = partial_text(b, &lb);
    rep_state *whole = rep_new(&m, fx.p);
    assert_non_null(whole);
    char err[256];
    assert_int_equal(rep_read_partial(whole, pa, la, "a.json", err, sizeof err),
                     RT_OK);
    assert_int_equal(rep_read_partial(whole, pb, lb, "b.json", err, sizeof err),
                     RT_OK);
    rt_status st;
    char *text = report_text(whole, &st);
    assert_int_equal(st, RT_OK);
    assert_string_equal(text, expected_report);
    free(text);
    free(pa);
    free(pb);
    rep_free(a);
    rep_free(b);
    rep_free(whole);
    assert_int_equal(m.live, 0);
}

/* Damaged partial text: every cut short of the whole and a few edits are
 * refused with RT_EDATA naming the file, never accepted or crashed on; the
 * state they were read into is left usable. */
static void test_partial_damaged(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    rep_state *a = state_of(&m, 0x1f);
    size_t len;
    char *pa = partial_text(a, &len);
    char err[256];
    for (size_t cut = 0; cut + 1 < len; cut++) {
        rep_state *s = rep_new(&m, fx.p);
        assert_non_null(s);
        err[0] = '\0';
        rt_status st = rep_read_partial(s, pa, cut, "cut.json", err,
                                        sizeof err);
        if (st != RT_EDATA) {
            /* only whitespace may be missing from a partial that reads */
            for (size_t k = cut; k < len; k++) {
                assert_true(pa[k] == ' ' || pa[k] == '\n');
            }
        } else {
            assert_non_null(strstr(err, "cut.json"));
        }
        rep_free(s);
    }
    /* another policy's partial: the title differs */
    char *foreign = strdup(pa);
    char *title = strstr(foreign, "Report unit");
    assert_non_null(title);
    title[0] = 'X';
    rep_state *s = rep_new(&m, fx.p);
    assert_int_equal(rep_read_partial(s, foreign, len, "foreign.json", err,
                                      sizeof err),
                     RT_EDATA);
    assert_non_null(strstr(err, "foreign.json"));
    /* not JSON at all */
    assert_int_equal(rep_read_partial(s, "[1, 2", 5, "junk.json", err,
                                      sizeof err),
                     RT_EDATA);
    assert_non_null(strstr(err, "junk.json"));
    /* the state is still usable and still empty */
    rt_status st;
    char *text = report_text(s, &st);
    assert_int_equal(st, RT_OK);
    assert_string_equal(text, "");
    free(text);
    free(foreign);
    free(pa);
    rep_free(s);
    rep_free(a);
    assert_int_equal(m.live, 0);
}

/* Memory grows with the groups, not the records: the same five rows
 * added two thousand times over hold no more than after one pass (the
 * sums and the distinct sets do not grow; replaced values are reclaimed),
 * and the counts come out right (a decimal sum is written in its exact
 * shortest form: 0.1 six thousand times is 600). */
static void test_memory_bounded(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    rep_state *s = rep_new(&m, fx.p);
    assert_non_null(s);
    char err[256];
    size_t after_one = 0, most = 0;
    for (int pass = 0; pass < 2000; pass++) {
        for (int i = 0; i < NREC; i++) {
            assert_int_equal(rep_add(s, 0, &fx.rows[i], err, sizeof err),
                             RT_OK);
        }
        if (pass == 0) {
            after_one = m.live;
        }
        most = m.live > most ? m.live : most;
    }
    assert_true(most <= 4 * after_one + 65536);
    rt_status st;
    char *text = report_text(s, &st);
    assert_int_equal(st, RT_OK);
    assert_non_null(strstr(text, "\"buyer\": \"York\", \"tenders\": 6000, "
                                 "\"n\": 0, \"d\": \"600\", "
                                 "\"total\": \"42020.00\""));
    free(text);
    rep_free(s);
    assert_int_equal(m.live, 0);
}

/* One run of every operation with the [n]th allocation refused; true
 * when a failure was injected (so the sweep goes on). */
static bool run_with_failure(long n)
{
    mem_ctx m;
    mem_init(&m);
    m.fail_at = n;
    char err[256];
    size_t la = 0;
    char *pa = NULL;
    {
        /* the partial text is made without failures */
        mem_ctx quiet;
        mem_init(&quiet);
        rep_state *q = state_of(&quiet, 0x1a);
        pa = partial_text(q, &la);
        rep_free(q);
    }
    rep_state *a = rep_new(&m, fx.p);
    rep_state *b = a ? rep_new(&m, fx.p) : NULL;
    rt_status st = b ? RT_OK : RT_ENOMEM;
    for (int i = 0; st == RT_OK && i < NREC; i++) {
        st = rep_add(i % 2 ? b : a, 0, &fx.rows[i], err, sizeof err);
        assert_true(st == RT_OK || st == RT_ENOMEM);
    }
    if (st == RT_OK) {
        st = rep_merge(a, b, err, sizeof err);
        assert_true(st == RT_OK || st == RT_ENOMEM);
    }
    rep_state *c = st == RT_OK ? rep_new(&m, fx.p) : NULL;
    if (st == RT_OK && !c) {
        st = RT_ENOMEM;
    }
    if (st == RT_OK) {
        st = rep_read_partial(c, pa, la, "p.json", err, sizeof err);
        assert_true(st == RT_OK || st == RT_ENOMEM);
    }
    if (st == RT_OK) {
        char *text = report_text(a, &st);
        assert_true(st == RT_OK || st == RT_ENOMEM);
        if (text) {
            assert_string_equal(text, expected_report);
            free(text);
        }
    }
    bool injected = m.fail_at == 0;
    rep_free(c);
    rep_free(b);
    rep_free(a);
    free(pa);
    assert_int_equal(m.live, 0);
    if (!injected) {
        assert_int_equal(st, RT_OK);
    }
    return injected;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    long n = 1;
    while (run_with_failure(n)) {
        n++;
        assert_true(n < 100000);
    }
    /* 38 allocations when written; far fewer means the sweep no longer
     * reaches the operations it is meant to */
    assert_true(n > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_text),
        cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_merge_every_split),
        cmocka_unit_test(test_partial_round_trip),
        cmocka_unit_test(test_partial_damaged),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
