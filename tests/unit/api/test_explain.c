/* tests/unit/api/test_explain.c - the derivation trace recorder
 * (runtime/vm.c vm_set_trace, vm_trace) and tally_explain's edges.
 *
 * Compiles examples/award/award.tally for tracing (tally_config.trace)
 * and evaluates records of examples/award/sample-20.jsonl on a vm:
 *   - a normal program, or tracing off, notes nothing and gives the same
 *     result as the traced program;
 *   - the events are bounded by the cap: at the cap the trace stops and
 *     says it was truncated, and the record arena grows by at most twice
 *     the cap's events over a run without a trace;
 *   - the events are released with the record arena: after each
 *     arena_reset of a run over the sample only the arena's kept chunk
 *     stays;
 *   - tally_explain: a cap too small writes "trace truncated"; a
 *     program not compiled for tracing is refused (TALLY_EOPTION);
 *   - api_explain_paths (tally test's derivations): a field's text is
 *     tally_explain's for that --path, a NULL path or one the result
 *     lacks writes nothing, and a program not traced or a bad date is
 *     refused.
 * Allocation failure while tracing is swept by test_alloc_fail.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "data.h"
#include "explain.h"
#include "vm.h"

#include "../slurp.h"

typedef struct fixture {
    char *src;
    size_t src_len;
    tally_program *traced, *plain;
} fixture;

static fixture fx;

static int setup(void **state)
{
    fx.src = slurp("examples/award/award.tally", &fx.src_len);
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(tally_compile_in(&cfg, "award.tally", AWARD_DIR, fx.src,
                                      fx.src_len, &fx.plain),
                     TALLY_OK);
    cfg.trace = 1;
    assert_int_equal(tally_compile_in(&cfg, "award.tally", AWARD_DIR, fx.src,
                                      fx.src_len, &fx.traced),
                     TALLY_OK);
    return 0;
}

static int teardown(void **state)
{
    tally_program_free(fx.traced);
    tally_program_free(fx.plain);
    free(fx.src);
    return 0;
}

/* Evaluates the first record of the sample with [p] on a vm tracing up
 * to [cap] events (0: off); fills the event count, truncation, the
 * arena bytes the record used, and the result's JSON text in [out]. */
typedef struct one_run {
    uint32_t nev;
    bool truncated;
    size_t arena_bytes; /* live bytes at the end of the record, over
                           those before it */
    size_t after_reset; /* live bytes after arena_reset, over before */
    char out[4096];
} one_run;

static void run_one(const tally_program *tp, uint32_t cap, one_run *r)
{
    const bc_program *p = tp->prog;
    mem_ctx m;
    mem_init(&m);
    FILE *in = fopen("examples/award/sample-20.jsonl", "rb");
    assert_non_null(in);
    data_reader *rd = data_reader_new(&m, p, in, DATA_JSONL, "sample");
    assert_non_null(rd);
    assert_true(data_reader_start(rd));
    vm *v = vm_new(&m, p);
    assert_non_null(v);
    assert_true(vm_set_trace(v, cap));
    arena a;
    arena_init(&a, &m);
    size_t before = m.live;
    value in_rec, res;
    data_error de;
    memset(r, 0, sizeof *r);
    /* Every record of the sample, one arena reset after each: the
     * figures are the largest over them, the first record's trace. */
    for (int k = 0; data_reader_next(rd, &a, &in_rec, &de) == RT_OK; k++) {
        vm_error ve;
        assert_int_equal(vm_eval(v, &a, &in_rec, &res, &ve), RT_OK);
        if (k == 0) {
            vm_trace(v, &r->nev, &r->truncated);
            assert_int_equal(res.kind, VAL_RECORD);
            snprintf(r->out, sizeof r->out, "%u fields",
                     (unsigned)res.as.r->count);
        }
        if (m.live - before > r->arena_bytes) {
            r->arena_bytes = m.live - before;
        }
        arena_reset(&a);
        if (m.live - before > r->after_reset) {
            r->after_reset = m.live - before;
        }
    }
    arena_free(&a);
    vm_free(v);
    data_reader_free(rd);
    fclose(in);
    assert_int_equal(m.live, 0);
}

static void test_no_trace_without_instrumentation(void **state)
{
    one_run a, b, c;
    run_one(fx.plain, 1000, &a); /* tracing on, normal program */
    assert_int_equal(a.nev, 0);
    assert_false(a.truncated);
    run_one(fx.traced, 0, &b); /* traced program, tracing off */
    assert_int_equal(b.nev, 0);
    run_one(fx.traced, 100000, &c);
    assert_true(c.nev > 1000);
    assert_false(c.truncated);
    assert_string_equal(a.out, c.out);
}

static void test_trace_bounded_and_released(void **state)
{
    one_run off, small, big;
    run_one(fx.traced, 0, &off);
    run_one(fx.traced, 500, &small);
    assert_int_equal(small.nev, 500);
    assert_true(small.truncated);
    run_one(fx.traced, 100000, &big);
    assert_true(big.nev > 500);
    assert_false(big.truncated);
    /* Bounded: at most twice the cap's events (the doubling leaves the
     * old copies in the arena), with the arena's chunks, which grow by
     * doubling, at most twice what is asked of them. */
    size_t ev = sizeof(vm_trace_event);
    print_message("record arena: %zu bytes untraced, %zu with 500 events, "
                  "%zu with the whole trace (%u events)\n", off.arena_bytes,
                  small.arena_bytes, big.arena_bytes, (unsigned)big.nev);
    assert_true(small.arena_bytes <=
                2 * (off.arena_bytes + 2 * 500 * ev) + 65536);
    assert_true(big.arena_bytes > small.arena_bytes);
    /* Released after the record, with its arena: a reset keeps only the
     * arena's newest chunk, well under what a traced record uses. */
    assert_true(big.after_reset < big.arena_bytes);
}

static void test_explain_truncated_and_refused(void **state)
{
    FILE *in = fopen("examples/award/sample-20.jsonl", "rb");
    assert_non_null(in);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    tally_explain_options o;
    memset(&o, 0, sizeof o);
    o.record = "T-000002";
    o.max_events = 50;
    assert_int_equal(tally_explain(fx.traced, &o, in, out), TALLY_OK);
    fclose(out);
    assert_non_null(strstr(text, "trace truncated"));
    free(text);
    rewind(in);
    out = open_memstream(&text, &len);
    assert_int_equal(tally_explain(fx.plain, &o, in, out), TALLY_EOPTION);
    fclose(out);
    assert_int_equal(len, 0);
    free(text);
    fclose(in);
}

static void test_explain_paths(void **state)
{
    const bc_program *p = fx.traced->prog;
    mem_ctx m;
    mem_init(&m);
    FILE *in = fopen("examples/award/sample-20.jsonl", "rb");
    assert_non_null(in);
    data_reader *rd = data_reader_new(&m, p, in, DATA_JSONL, "sample");
    assert_non_null(rd);
    arena a;
    arena_init(&a, &m);
    value rec;
    data_error de;
    assert_int_equal(data_reader_next(rd, &a, &rec, &de), RT_OK);
    const value *k = &rec.as.r->fields[p->key_field];
    assert_int_equal(k->kind, VAL_TEXT);
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)k->len, k->as.s);
    const char *paths[4] = {"award", NULL, "nosuch", "bids[0].total"};
    strbuf outs[4];
    for (int i = 0; i < 4; i++) {
        sb_init(&outs[i], &m);
    }
    bool trunc = true;
    assert_int_equal(api_explain_paths(fx.traced, &rec, NULL, paths, 4, outs,
                                       &trunc), TALLY_OK);
    assert_false(trunc);
    assert_int_equal(outs[1].len, 0);
    assert_int_equal(outs[2].len, 0);
    assert_non_null(outs[3].p);
    assert_int_equal(strncmp(outs[3].p, "result.bids[0].total = ", 23), 0);
    /* The field's text is tally explain --path's. */
    rewind(in);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    tally_explain_options o;
    memset(&o, 0, sizeof o);
    o.record = key;
    o.path = "award";
    assert_int_equal(tally_explain(fx.traced, &o, in, out), TALLY_OK);
    fclose(out);
    assert_non_null(outs[0].p);
    assert_string_equal(outs[0].p, text);
    free(text);
    /* Refused: a program not traced, an evaluation date not a date. */
    assert_int_equal(api_explain_paths(fx.plain, &rec, NULL, paths, 1, outs,
                                       &trunc), TALLY_EOPTION);
    assert_int_equal(api_explain_paths(fx.traced, &rec, "2026-13-01", paths,
                                       1, outs, &trunc), TALLY_EOPTION);
    for (int i = 0; i < 4; i++) {
        sb_free(&outs[i]);
    }
    arena_free(&a);
    data_reader_free(rd);
    fclose(in);
    assert_int_equal(m.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_trace_without_instrumentation),
        cmocka_unit_test(test_trace_bounded_and_released),
        cmocka_unit_test(test_explain_truncated_and_refused),
        cmocka_unit_test(test_explain_paths),
    };
    return cmocka_run_group_tests_name("explain", tests, setup, teardown);
}
