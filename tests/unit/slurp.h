/* tests/unit/slurp.h - reads a repository file whole, for unit tests that
 * compile the award example or read its data (test_alloc_fail.c,
 * test_sweep.c).  Paths are relative to the repository root, where
 * `make test` runs the tests; include after <cmocka.h>. */
#ifndef TALLY_TESTS_UNIT_SLURP_H
#define TALLY_TESTS_UNIT_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* Where the award example's `import "PATH"` lines resolve (its layers,
 * consortium.tally and northfield.tally, are beside it): the base_dir to
 * give tally_compile_in or tly_comp.base_dir when the award is compiled
 * from a buffer under a bare file name. */
#define AWARD_DIR "examples/award"

/* The bytes of [path], NUL-terminated, malloc'd; *len without the NUL.
 * Fails the running test when the file cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s (run from the repository root)", path);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

#endif
