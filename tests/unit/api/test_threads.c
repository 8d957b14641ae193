/* tests/unit/api/test_threads.c - one program shared by threads.
 *
 * include/tally.h promises that a compiled program may be shared by
 * threads for reading, each run keeping its own state.  These tests hold
 * the library to it: several threads call tally_run on one program at
 * once (sequential runs and --jobs runs, with and without a memory cap
 * and an allocator hook) and each must give the bytes a lone run gives.
 * The byte comparison catches a run that sees another's state; the data
 * races themselves are ThreadSanitizer's to find: `.ci/run` builds this
 * suite with -fsanitize=thread (make TSAN=1), where a race on the
 * program's memory accounting made it fail before each run got its own.
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
#include <pthread.h>

#include "tally.h"

#include "../slurp.h"

#define THREADS 4 /* the last one builds and disassembles instead */
#define ROUNDS 3  /* runs per thread */

typedef struct shared {
    const tally_program *p;
    const char *data; /* borrowed: the input, NUL-terminated */
    size_t data_len;
    unsigned jobs;
    const char *want; /* borrowed: a lone run's output */
    size_t want_len;
    tally_status want_status;
} shared;

typedef struct result {
    int mismatches; /* runs whose bytes or status differed */
} result;

/* Runs [s]'s program once over its data; the output, malloc'd, in *out. */
static tally_status run_once(const shared *s, char **out, size_t *out_len)
{
    FILE *in = fmemopen((void *)s->data, s->data_len, "r");
    FILE *o = open_memstream(out, out_len);
    if (!in || !o) {
        abort(); /* the test's own resources, not the library's */
    }
    tally_run_options opts;
    memset(&opts, 0, sizeof opts);
    opts.input = TALLY_INPUT_JSONL;
    opts.output = TALLY_OUTPUT_JSONL;
    opts.input_name = "sample";
    opts.jobs = s->jobs;
    tally_run_stats st;
    tally_status r = tally_run(s->p, &opts, in, o, &st);
    fclose(in);
    fclose(o);
    return r;
}

/* tally_build and tally_disasm on the shared program, from a thread of
 * their own while runs go on: both only read it. */
static void *inspector(void *arg)
{
    const shared *s = arg;
    result *res = calloc(1, sizeof *res);
    if (!res) {
        abort();
    }
    for (int i = 0; i < ROUNDS; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (tally_build(s->p, &buf, &len) != TALLY_OK || len == 0) {
            res->mismatches++;
        }
        tally_buffer_free(s->p, buf, len);
        char *text = NULL;
        size_t tlen = 0;
        FILE *o = open_memstream(&text, &tlen);
        if (!o) {
            abort();
        }
        if (tally_disasm(s->p, o) != TALLY_OK) {
            res->mismatches++;
        }
        fclose(o);
        if (tlen == 0) {
            res->mismatches++;
        }
        free(text);
    }
    return res;
}

static void *worker(void *arg)
{
    const shared *s = arg;
    result *res = calloc(1, sizeof *res);
    if (!res) {
        abort();
    }
    for (int i = 0; i < ROUNDS; i++) {
        char *out = NULL;
        size_t len = 0;
        tally_status r = run_once(s, &out, &len);
        if (r != s->want_status || len != s->want_len ||
            memcmp(out, s->want, len) != 0) {
            res->mismatches++;
        }
        free(out);
    }
    return res;
}

/* A thread-safe counting hook, as an embedder sharing a program between
 * threads must supply (tally.h: the hook is called from every run). */
typedef struct counting {
    pthread_mutex_t mu;
    long live; /* bytes handed out and not returned */
} counting;

static void *counting_alloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size)
{
    counting *c = ud;
    void *q = NULL;
    if (new_size == 0) {
        free(ptr);
    } else {
        q = realloc(ptr, new_size);
        if (!q) {
            return NULL;
        }
    }
    pthread_mutex_lock(&c->mu);
    c->live += (long)new_size - (long)(ptr ? old_size : 0);
    pthread_mutex_unlock(&c->mu);
    return q;
}

static void shared_runs(const char *data_path, unsigned jobs,
                        size_t memory_cap, bool hook)
{
    size_t plen, dlen;
    char *policy = slurp("examples/award/award.tally", &plen);
    char *data = slurp(data_path, &dlen);
    counting c = {PTHREAD_MUTEX_INITIALIZER, 0};
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.memory_cap = memory_cap;
    if (hook) {
        cfg.alloc = counting_alloc;
        cfg.alloc_ud = &c;
    }
    tally_program *p = NULL;
    assert_int_equal(
        tally_compile_in(&cfg, "award.tally", AWARD_DIR, policy, plen, &p),
        TALLY_OK);

    shared s = {p, data, dlen, jobs, NULL, 0, TALLY_OK};
    char *want = NULL;
    size_t want_len = 0;
    s.want_status = run_once(&s, &want, &want_len);
    assert_true(want_len > 0);
    s.want = want;
    s.want_len = want_len;

    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        void *(*fn)(void *) = i == THREADS - 1 ? inspector : worker;
        assert_int_equal(pthread_create(&t[i], NULL, fn, &s), 0);
    }
    int mismatches = 0;
    for (int i = 0; i < THREADS; i++) {
        void *rv;
        assert_int_equal(pthread_join(t[i], &rv), 0);
        mismatches += ((result *)rv)->mismatches;
        free(rv);
    }
    assert_int_equal(mismatches, 0);
    tally_program_free(p);
    if (hook) {
        assert_int_equal(c.live, 0);
    }
    free(want);
    free(data);
    free(policy);
}

static void test_threads_sequential_runs(void **state)
{
    (void)state;
    shared_runs("tests/data/award/sample-20.jsonl", 1, 0, false);
}

static void test_threads_runs_with_errors(void **state)
{
    (void)state;
    shared_runs("tests/data/award/bad-input.jsonl", 1, 0, false);
}

static void test_threads_capped_runs(void **state)
{
    (void)state;
    /* Each run's cap must count that run's bytes alone: with shared
     * accounting, runs at once would push each other over it. */
    shared_runs("tests/data/award/sample-20.jsonl", 1, 8u << 20, true);
}

static void test_threads_parallel_runs(void **state)
{
    (void)state;
    shared_runs("tests/data/award/sample-20.jsonl", 2, 0, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_sequential_runs),
        cmocka_unit_test(test_threads_runs_with_errors),
        cmocka_unit_test(test_threads_capped_runs),
        cmocka_unit_test(test_threads_parallel_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
