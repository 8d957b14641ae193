/* tests/unit/lang/support.h - what the lang/ unit tests share.
 *
 * test_lexer.c, test_parser.c, test_check.c and test_compile.c build one
 * fixture per test: a calloc'd struct holding its own mem_ctx and what was
 * made from the policy text.  fixture_begin() registers it; done() frees
 * it and fails the test if its mem_ctx still has live bytes.  A test that
 * stops at a failed assertion never reaches done(), so teardown(), which
 * TEST() attaches to every case, frees the fixture instead and neither the
 * next test nor ASan sees the leak.  One fixture is open at a time.
 *
 * Also diag_first_line(): a diagnostic as `tally check` prints it; and
 * check_parts(): the `checked` fixture of test_check.c and test_table.c.
 *
 * Static functions only; include once per test, after <cmocka.h>.
 */
#ifndef TALLY_TESTS_UNIT_LANG_SUPPORT_H
#define TALLY_TESTS_UNIT_LANG_SUPPORT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>
#include <stdio.h>

#include "check.h"
#include "front.h"

/* The running test's fixture; all NULL between tests. */
static struct {
    void *f;                  /* calloc'd by the test file */
    const mem_ctx *mem;       /* inside f: must end with no live bytes */
    void (*release)(void *f); /* frees what f holds, not f itself */
} live;

/* Makes [f], just calloc'd, the running test's fixture: done() or
 * teardown() will call [release] on it, then free it, and done() will
 * check [mem], the mem_ctx inside [f] that it allocates from. */
static void fixture_begin(void *f, const mem_ctx *mem, void (*release)(void *f))
{
    assert_null(live.f);
    live.f = f;
    live.mem = mem;
    live.release = release;
}

/* Ends the running test's fixture [f]: frees it, then asserts that its
 * mem_ctx was left with no live bytes. */
static void done(void *f)
{
    assert_ptr_equal(f, live.f);
    live.release(f);
    size_t left = live.mem->live;
    free(f);
    memset(&live, 0, sizeof live);
    assert_int_equal(left, 0);
}

/* Frees the fixture of a test that failed before done(). */
static int teardown(void **state)
{
    (void)state;
    if (live.f) {
        live.release(live.f);
        free(live.f);
        memset(&live, 0, sizeof live);
    }
    return 0;
}

/* Every test frees its fixture through teardown() if it fails early. */
#define TEST(f) cmocka_unit_test_teardown(f, teardown)

/* The first line of diagnostic [i] of [c] as `tally check` prints it,
 * "t.tally:1:5: error: message", rendered into [out]. */
static const char *diag_first_line(const tly_comp *c, uint32_t i, strbuf *out)
{
    assert_true(i < c->diags.count);
    sb_clear(out);
    diag_render(&c->diags.items[i], c->file, c->src, c->len, out);
    assert_false(out->failed);
    char *nl = strchr(out->p, '\n');
    if (nl) {
        *nl = '\0';
    }
    return out->p;
}

/* ---- a checked policy -------------------------------------------------- */

/* test_check.c and test_table.c: a policy parsed and checked, with its
 * diagnostics; free it with done(). */
typedef struct checked {
    mem_ctx mem;
    tly_comp c;
    char *src; /* owned */
    size_t len;
    bool parsed, ok;
    strbuf out;
} checked;

/* Frees what a checked fixture holds; done() and teardown() then free it. */
static void checked_release(void *f)
{
    checked *k = f;
    sb_free(&k->out);
    tly_comp_free(&k->c);
    mem_free(&k->mem, k->src, k->len + 1);
}

/* Parses and checks [head] followed by [tail] (either may be ""), its
 * `import "PATH"` lines resolved in [base_dir] (NULL: the working
 * directory): the test fails if the text does not parse.  Free the result
 * with done(). */
static checked *check_parts_in(const char *head, const char *tail,
                               const char *base_dir)
{
    checked *k = calloc(1, sizeof *k);
    assert_non_null(k);
    fixture_begin(k, &k->mem, checked_release);
    mem_init(&k->mem);
    k->len = strlen(head) + strlen(tail);
    k->src = mem_alloc(&k->mem, k->len + 1);
    assert_non_null(k->src);
    snprintf(k->src, k->len + 1, "%s%s", head, tail);
    tly_comp_init(&k->c, &k->mem, "t.tally", k->src, k->len);
    k->c.base_dir = base_dir;
    sb_init(&k->out, &k->mem);
    k->parsed = tly_load(&k->c);
    if (!k->parsed) {
        print_error("did not parse: %s\n",
                    k->c.diags.count ? k->c.diags.items[0].msg : "?");
    }
    assert_true(k->parsed);
    k->ok = tly_check(&k->c);
    return k;
}

/* check_parts_in with imports resolved in the working directory. */
static checked *check_parts(const char *head, const char *tail)
{
    return check_parts_in(head, tail, NULL);
}

#endif /* TALLY_TESTS_UNIT_LANG_SUPPORT_H */
