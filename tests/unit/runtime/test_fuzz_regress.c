/* tests/unit/runtime/test_fuzz_regress.c - replays the fuzz targets' inputs.
 *
 * Builds the four fuzz targets of tests/fuzz/ without libFuzzer (their
 * sources are included with FUZZ_REPLAY defined, so only their
 * fuzz_<target> functions are compiled) and runs each over:
 *
 *   tests/fuzz/regress/<target>/   every input that ever crashed a target,
 *                                  kept after its fix
 *   tests/fuzz/corpus/<target>/    the corpus the campaigns grew, which
 *                                  covers what they reached (run shares
 *                                  data's)
 *   tests/fuzz/known/<target>/     inputs that still crash, through bugs
 *                                  reported to lang/'s owners (see
 *                                  tests/fuzz/README.md); run only when
 *                                  the environment sets TALLY_KNOWN_BUGS=1,
 *                                  and moved to regress/ once fixed
 *
 * (fuzz_run.c compares one-thread and two-thread runs of tally_run.)
 * A target reports a broken promise by abort() (FUZZ_CHECK) or, in the
 * sanitizer build, through ASan/UBSan; either fails this test.  Each file
 * name is printed before it runs, so the log's last line names the culprit.
 * Run from the repository root (as `make test` does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#define FUZZ_REPLAY
#include "../../fuzz/fuzz_bytecode.c"
#include "../../fuzz/fuzz_data.c"
#include "../../fuzz/fuzz_policy.c"
#include "../../fuzz/fuzz_run.c"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs [fn] over every regular file in [dir] (which may not exist), in
 * name order; returns how many. */
static int replay_dir(const char *dir, fuzz_fn fn)
{
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    if (n > 1) {
        qsort(names, n, sizeof *names, by_name);
    }
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        /* An exact-size copy, so ASan sees any read past the input. */
        uint8_t *buf = malloc(len ? (size_t)len : 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        fprintf(stderr, "replay %s\n", path);
        fn(buf, (size_t)len);
        free(buf);
        free(names[i]);
        count++;
    }
    free(names);
    return count;
}

/* Replays [target]'s regression inputs and the corpus in [corpus]. */
static void replay(const char *target, const char *corpus_name, fuzz_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", target);
    int regress = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", corpus_name);
    int corpus = replay_dir(dir, fn);
    const char *known = getenv("TALLY_KNOWN_BUGS");
    if (known && strcmp(known, "1") == 0) {
        snprintf(dir, sizeof dir, "tests/fuzz/known/%s", target);
        replay_dir(dir, fn);
    }
    /* The seeds are checked in: an empty corpus means a wrong directory. */
    assert_true(corpus > 0);
    print_message("%s: %d regression inputs, %d corpus inputs\n", target,
                  regress, corpus);
}

static void test_fuzz_regress_policy(void **state)
{
    replay("policy", "policy", fuzz_policy);
}

static void test_fuzz_regress_bytecode(void **state)
{
    replay("bytecode", "bytecode", fuzz_bytecode);
}

static void test_fuzz_regress_data(void **state)
{
    replay("data", "data", fuzz_data);
}

static void test_fuzz_regress_run(void **state)
{
    replay("run", "data", fuzz_run); /* the same kind of input */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regress_policy),
        cmocka_unit_test(test_fuzz_regress_bytecode),
        cmocka_unit_test(test_fuzz_regress_data),
        cmocka_unit_test(test_fuzz_regress_run),
    };
    return cmocka_run_group_tests_name("fuzz_regress", tests, NULL, NULL);
}
