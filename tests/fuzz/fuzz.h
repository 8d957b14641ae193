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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Award records the bytecode target evaluates its programs on: the first
 * lines of the sample data. */
#define FUZZ_RECORDS 3

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

/* Compiles policy text [src] with the front end and verifies the result,
 * aborting if any step fails: for fixtures known to be correct. */
static bc_program *fuzz_compile_fixture(mem_ctx *mem, const char *file,
                                        const char *src, size_t len)
{
    tly_comp c;
    tly_comp_init(&c, mem, file, src, len);
    bool ok = tly_parse(&c) && tly_check(&c);
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
        prog = fuzz_compile_fixture(&mem, "award.tally", src, len);
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
    FUZZ_CHECK(st < VM_STATUS_COUNT, "vm_eval returned %d", (int)st);
    FUZZ_CHECK(err.status == st || st == VM_OK, "err.status %d for %d",
               (int)err.status, (int)st);
    if (st != VM_OK) {
        FUZZ_CHECK(err.msg != NULL, "status %d without a message", (int)st);
    }
    return st;
}

#endif
