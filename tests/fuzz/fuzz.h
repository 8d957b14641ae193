/* tests/fuzz/fuzz.h - what the fuzz targets share.
 *
 * Each target (fuzz_policy.c, fuzz_bytecode.c, fuzz_data.c) defines one
 * function "int fuzz_<name>(const uint8_t *data, size_t size)" that runs
 * one input and aborts on any broken promise (a leak counted by the
 * mem_ctx, a compiled program the verifier refuses, ...), plus, unless
 * FUZZ_REPLAY is defined, LLVMFuzzerTestOneInput calling it.  The replay
 * test (tests/unit/runtime/test_fuzz_regress.c) includes all three files
 * with FUZZ_REPLAY defined and runs each over its regression folder, so
 * everything here is static and every target's own helpers carry its
 * name.
 *
 * Fixture files are found under FUZZ_ROOT: the Makefile passes the
 * repository's absolute path to fuzz builds; the replay test runs from
 * the repository root.
 */
#ifndef TALLY_TESTS_FUZZ_H
#define TALLY_TESTS_FUZZ_H

#include <gmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bcfile.h"
#include "data.h"
#include "front.h"
#include "verify.h"
#include "vm.h"

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

/* Budget units per record: far more than the award policy needs on the
 * fixture records (a few hundred), small enough that a hostile LOOP costs
 * milliseconds. */
#define FUZZ_BUDGET 20000

/* Memory a single input may use.  Every entry point must turn the cap
 * into a clean error; 64 MiB is far above what any fixture needs and far
 * below libFuzzer's RSS limit. */
#define FUZZ_MEMORY_CAP ((size_t)64 << 20)

/* Stops the run with a message: libFuzzer and the replay test both treat
 * abort() as a failure and keep the input. */
#define FUZZ_CHECK(cond, ...)                                              \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz: check failed: %s: ", #cond);            \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Ceilings: what one input may cost, whatever it is, well above what the
 * limits it runs under allow, so that crossing one is a finding ("work or
 * memory out of proportion to the limits"), not a slow input.  A policy
 * that squares a number 40 times or doubles a text 40 times needs no loop
 * and no call: before the budget charged such work and GMP's memory was
 * counted, it ran for minutes and took gigabytes under a budget of 20,000
 * and a cap of 64 MiB.
 *
 *   FUZZ_CEIL_MS     wall time of one input, every run of it included
 *                    (the policy target evaluates each program 9 times on
 *                    FUZZ_BUDGET; the run target, twice over, on the
 *                    defaults); below libFuzzer's -timeout=10, so the
 *                    finding names the ceiling.
 *   FUZZ_CEIL_BYTES  the most any ceiling on memory may be (each target
 *                    sets its own below it: 8 times its cap): memory
 *                    GMP and Tally hold at once, counted by the hooks
 *                    below, which trap the moment it is crossed, and the
 *                    heap of the whole process where AddressSanitizer can
 *                    tell it; below libFuzzer's -rss_limit_mb=2048. */
#define FUZZ_CEIL_MS 5000
#define FUZZ_CEIL_BYTES ((size_t)1536 << 20)

/* The same for a ceiling crossed. */
#define FUZZ_TRAP(...)                                                     \
    do {                                                                   \
        fprintf(stderr, "fuzz: ceiling crossed: ");                        \
        fprintf(stderr, __VA_ARGS__);                                      \
        fputc('\n', stderr);                                               \
        abort();                                                           \
    } while (0)

/* The heap in use by the whole process, or 0 where no sanitizer says. */
extern size_t __sanitizer_get_current_allocated_bytes(void)
    __attribute__((weak));

static size_t fuzz_heap_bytes(void)
{
    return __sanitizer_get_current_allocated_bytes
               ? __sanitizer_get_current_allocated_bytes()
               : 0;
}

/* Memory one input holds, process-wide (the harness may have global
 * state; the library may not, so it counts GMP's bytes through its
 * mem_ctx instead): what GMP holds, through mp_set_memory_functions, and
 * what Tally holds, through the fuzz_alloc hook the targets give their
 * mem_ctx or tally_config.  Both trap the moment the sum crosses the
 * ceiling set by fuzz_ceiling_start. */
static _Atomic size_t fuzz_gmp_live;
static _Atomic size_t fuzz_tally_live;
static _Atomic size_t fuzz_peak;
static _Atomic size_t fuzz_ceil_bytes = FUZZ_CEIL_BYTES;
static _Atomic long fuzz_start_ms; /* of the input now watched; 0: none */

static long fuzz_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Adds [add] and takes [sub] bytes from [live], then checks the ceilings:
 * memory always, the heap and the clock on large allocations. */
static void fuzz_count(_Atomic size_t *live, size_t add, size_t sub)
{
    atomic_fetch_add(live, add);
    atomic_fetch_sub(live, sub);
    size_t all = atomic_load(&fuzz_gmp_live) + atomic_load(&fuzz_tally_live);
    size_t peak = atomic_load(&fuzz_peak);
    while (all > peak &&
           !atomic_compare_exchange_weak(&fuzz_peak, &peak, all)) {
    }
    size_t ceil = atomic_load(&fuzz_ceil_bytes);
    if (all > ceil) {
        FUZZ_TRAP("the input holds %zu bytes, %zu of them GMP's (ceiling "
                  "%zu)", all, (size_t)atomic_load(&fuzz_gmp_live), ceil);
    }
    if (add >= ((size_t)64 << 10)) {
        size_t heap = fuzz_heap_bytes();
        if (heap > ceil) {
            FUZZ_TRAP("the heap holds %zu bytes (ceiling %zu)", heap, ceil);
        }
        long start = atomic_load(&fuzz_start_ms);
        long ms = start ? fuzz_now_ms() - start : 0;
        if (ms > FUZZ_CEIL_MS) {
            FUZZ_TRAP("the input has run %ld ms (ceiling %d)", ms,
                      FUZZ_CEIL_MS);
        }
    }
}

static void *fuzz_gmp_alloc(size_t n)
{
    void *p = malloc(n);
    FUZZ_CHECK(p != NULL, "GMP asked for %zu bytes", n);
    fuzz_count(&fuzz_gmp_live, n, 0);
    return p;
}

static void *fuzz_gmp_realloc(void *p, size_t old, size_t n)
{
    void *q = realloc(p, n);
    FUZZ_CHECK(q != NULL, "GMP asked for %zu bytes", n);
    fuzz_count(&fuzz_gmp_live, n, old);
    return q;
}

static void fuzz_gmp_free(void *p, size_t n)
{
    free(p);
    fuzz_count(&fuzz_gmp_live, 0, n);
}

/* A realloc-style hook for a mem_ctx (mem_alloc_fn) or a tally_config
 * (tally_alloc_fn): the C library's, counted. */
static void *fuzz_alloc(void *ud, void *p, size_t old, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(p);
        fuzz_count(&fuzz_tally_live, 0, old);
        return NULL;
    }
    void *q = realloc(p, n);
    if (q) {
        fuzz_count(&fuzz_tally_live, n, old);
    }
    return q;
}

static void fuzz_gmp_hooks(void)
{
    mp_set_memory_functions(fuzz_gmp_alloc, fuzz_gmp_realloc, fuzz_gmp_free);
}

/* Starts the ceilings' watch over one input, which may hold [ceil_bytes]
 * at most: installs the GMP hooks once (before the first number; GMP's
 * own allocator is malloc too, so a block from before is freed just as
 * well) and returns the start time. */
static long fuzz_ceiling_start(size_t ceil_bytes)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fuzz_gmp_hooks);
    atomic_store(&fuzz_ceil_bytes, ceil_bytes);
    atomic_store(&fuzz_peak, atomic_load(&fuzz_gmp_live) +
                                 atomic_load(&fuzz_tally_live));
    long t = fuzz_now_ms();
    atomic_store(&fuzz_start_ms, t);
    return t;
}

/* Ends it: traps if the input took longer than FUZZ_CEIL_MS, or if the
 * mem_ctx [m] (NULL: none to check) ever held more than its cap. */
static void fuzz_ceiling_end(long t0, const mem_ctx *m)
{
    long ms = fuzz_now_ms() - t0;
    atomic_store(&fuzz_start_ms, 0); /* no input is watched now */
    atomic_store(&fuzz_ceil_bytes, FUZZ_CEIL_BYTES);
    if (ms > FUZZ_CEIL_MS) {
        FUZZ_TRAP("the input took %ld ms (ceiling %d)", ms, FUZZ_CEIL_MS);
    }
    if (m && m->cap && m->peak > m->cap) {
        FUZZ_TRAP("the mem_ctx held %zu bytes past its cap of %zu", m->peak,
                  m->cap);
    }
}

/* Award records the bytecode target evaluates its programs on: the first
 * lines of the sample data. */
#define FUZZ_RECORDS 3


/* Reads the file [rel] under FUZZ_ROOT into a malloc'd buffer (NUL
 * appended, not counted in *len); aborts if it cannot. */
static char *fuzz_slurp(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", FUZZ_ROOT, rel);
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    FUZZ_CHECK(buf != NULL, "out of memory");
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            FUZZ_CHECK(buf != NULL, "out of memory");
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Compiles policy text [src] with the front end, its `import "PATH"`
 * lines resolved in [base_dir] (a fixture's own directory), and verifies
 * the result, aborting if any step fails: for fixtures known to be
 * correct.  Only fixtures import files: fuzz inputs go through tly_parse,
 * which reads no other file (fuzz_policy.c). */
static bc_program *fuzz_compile_fixture(mem_ctx *mem, const char *file,
                                        const char *base_dir, const char *src,
                                        size_t len)
{
    tly_comp c;
    tly_comp_init(&c, mem, file, src, len);
    c.base_dir = base_dir;
    bool ok = tly_load(&c) && tly_check(&c);
    bc_program *p = ok ? tly_compile(&c) : NULL;
    tly_comp_free(&c);
    FUZZ_CHECK(p != NULL, "%s does not compile", file);
    char err[256];
    FUZZ_CHECK(vfy_program(p, err, sizeof err), "%s: %s", file, err);
    return p;
}

/* The award example, compiled once; never freed (a fixture for the whole
 * process). */
static bc_program *fuzz_award(void)
{
    static mem_ctx mem;
    static bc_program *prog;
    if (!prog) {
        size_t len;
        char *src = fuzz_slurp("examples/award/award.tally", &len);
        mem_init(&mem);
        /* Beside its layers, consortium.tally and northfield.tally. */
        prog = fuzz_compile_fixture(&mem, "award.tally",
                                    FUZZ_ROOT "/examples/award", src, len);
        free(src);
    }
    return prog;
}

/* The first FUZZ_RECORDS lines of the sample award data; [lens] receives
 * their lengths.  Loaded once, never freed. */
static const char *const *fuzz_award_records(const size_t **lens)
{
    static char *text;
    static const char *lines[FUZZ_RECORDS];
    static size_t line_lens[FUZZ_RECORDS];
    if (!text) {
        size_t len;
        text = fuzz_slurp("tests/data/award/sample-20.jsonl", &len);
        char *p = text;
        for (int i = 0; i < FUZZ_RECORDS; i++) {
            char *nl = strchr(p, '\n');
            FUZZ_CHECK(nl != NULL, "sample-20.jsonl has too few lines");
            lines[i] = p;
            line_lens[i] = (size_t)(nl - p);
            p = nl + 1;
        }
    }
    *lens = line_lens;
    return lines;
}

/* Evaluates [prog] (verified) on one bound record [in]; checks only what
 * must hold whatever the program: a known status, and a complete error.
 * Returns the status. */
static vm_status fuzz_eval(vm *v, arena *rec, const value *in)
{
    value out;
    vm_error err;
    vm_status st = vm_eval(v, rec, in, &out, &err);
    FUZZ_CHECK(st < RT_STATUS_COUNT, "vm_eval returned %d", (int)st);
    FUZZ_CHECK(err.status == st || st == VM_OK, "err.status %d for %d",
               (int)err.status, (int)st);
    if (st != VM_OK) {
        FUZZ_CHECK(err.msg != NULL, "status %d without a message", (int)st);
    }
    return st;
}

#endif
