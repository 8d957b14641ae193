/* tests/unit/lang/test_diag.c - unit tests for lang/diag.c.
 *
 * Rendering a diagnostic on a line longer than DIAG_WINDOW characters
 * shows a window around the caret with "..." where the line was cut, and
 * keeps the true column in the location: in ASCII and in 2-, 3- and
 * 4-byte UTF-8 (never cut inside a character), with the caret near the
 * start, the middle and the end of the line, and a span running past the
 * window.  Short lines are shown whole, as before.  Also: diag_map gives
 * the same positions as a scan from the start, a second error at one
 * place is dropped, and a long message is cut at a character boundary.
 * Every expected text is built here from its parts, by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

/* Appends [n] copies of [s] to [b]. */
static void rep(strbuf *b, const char *s, int n)
{
    for (int i = 0; i < n; i++) {
        sb_puts(b, s);
    }
}

/* Renders an error "oops" at bytes [start, end) of [src] as t.tally and
 * compares with [want]. */
static void check_render(const char *src, uint32_t start, uint32_t end,
                         const char *want)
{
    mem_ctx m;
    mem_init(&m);
    strbuf got;
    sb_init(&got, &m);
    diag d = {DIAG_ERROR, {start, end}, "oops", NULL, DIAG_CHECK};
    diag_render(&d, "t.tally", src, strlen(src), &got);
    assert_false(got.failed);
    assert_string_equal(got.p, want);
    /* The same through a map with its tables. */
    arena a;
    arena_init(&a, &m);
    diag_map map;
    assert_true(diag_map_init(&map, &a, src, strlen(src)));
    sb_clear(&got);
    diag_render_map(&map, &d, "t.tally", &got);
    assert_string_equal(got.p, want);
    arena_free(&a);
    sb_free(&got);
    assert_int_equal(m.live, 0);
}

/* [before] x 200, "bad", [after] x 200 on line 2, the error on "bad". */
static void check_middle(const char *before, const char *after)
{
    mem_ctx m;
    mem_init(&m);
    strbuf src, want;
    sb_init(&src, &m);
    sb_init(&want, &m);
    sb_puts(&src, "first line\n");
    uint32_t line_start = (uint32_t)src.len;
    rep(&src, before, 200);
    uint32_t start = (uint32_t)src.len;
    sb_puts(&src, "bad");
    rep(&src, after, 200);
    sb_puts(&src, "\nlast line\n");
    (void)line_start;
    /* Column 201: 200 characters come before "bad", whatever their
     * width in bytes.  Shown: 60 characters before the caret, then "bad"
     * and 57 more, 120 in all, cut on both sides. */
    sb_puts(&want, "t.tally:2:201: error: oops\n");
    sb_puts(&want, " 2 | ...");
    rep(&want, before, 60);
    sb_puts(&want, "bad");
    rep(&want, after, 57);
    sb_puts(&want, "...\n");
    sb_puts(&want, "   |    ");
    rep(&want, " ", 60);
    sb_puts(&want, "^~~\n");
    check_render(src.p, start, start + 3, want.p);
    sb_free(&src);
    sb_free(&want);
}

static void test_diag_window_ascii_middle(void **state)
{
    (void)state;
    check_middle("x", "y");
}

static void test_diag_window_utf8_middle(void **state)
{
    (void)state;
    check_middle("\xC3\xA9", "\xE2\x82\xAC");         /* é, € */
    check_middle("\xF0\x9F\x98\x80", "\xC3\xA9");     /* 😀, é */
    check_middle("\xE2\x82\xAC", "\xF0\x9F\x98\x80"); /* €, 😀 */
}

static void test_diag_window_caret_near_end(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf src, want;
    sb_init(&src, &m);
    sb_init(&want, &m);
    rep(&src, "\xC3\xA9", 300);
    sb_puts(&src, "!");
    /* The line ends 1 character after the caret: the window takes 119
     * before it instead of 60. */
    sb_puts(&want, "t.tally:1:301: error: oops\n");
    sb_puts(&want, " 1 | ...");
    rep(&want, "\xC3\xA9", 119);
    sb_puts(&want, "!\n   |    ");
    rep(&want, " ", 119);
    sb_puts(&want, "^\n");
    check_render(src.p, 600, 601, want.p);
    /* At the very end of the text (an error "at the end of the file"):
     * the last 120 characters, the caret just after them. */
    sb_clear(&want);
    sb_puts(&want, "t.tally:1:302: error: oops\n");
    sb_puts(&want, " 1 | ...");
    rep(&want, "\xC3\xA9", 119);
    sb_puts(&want, "!\n   |    ");
    rep(&want, " ", 120);
    sb_puts(&want, "^\n");
    check_render(src.p, 601, 601, want.p);
    sb_free(&src);
    sb_free(&want);
}

static void test_diag_window_caret_near_start(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf src, want;
    sb_init(&src, &m);
    sb_init(&want, &m);
    rep(&src, "ab", 5);
    rep(&src, "\xE2\x82\xAC", 290); /* € */
    /* Caret at column 11: the window starts at the line's start and runs
     * 120 characters, cut on the right only.  The span runs to the end of
     * the line: '~' stops at the window's edge. */
    sb_puts(&want, "t.tally:1:11: error: oops\n");
    sb_puts(&want, " 1 | ");
    rep(&want, "ab", 5);
    rep(&want, "\xE2\x82\xAC", 110);
    sb_puts(&want, "...\n   | ");
    rep(&want, " ", 10);
    sb_puts(&want, "^");
    rep(&want, "~", 109);
    sb_puts(&want, "\n");
    check_render(src.p, 10, (uint32_t)src.len, want.p);
    sb_free(&src);
    sb_free(&want);
}

static void test_diag_window_short_line_whole(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf src, want;
    sb_init(&src, &m);
    sb_init(&want, &m);
    /* Exactly DIAG_WINDOW characters, a tab among them: shown whole. */
    sb_puts(&src, "\t");
    rep(&src, "\xC3\xA9", 119);
    sb_puts(&want, "t.tally:1:61: error: oops\n");
    sb_puts(&want, " 1 | \t");
    rep(&want, "\xC3\xA9", 119);
    sb_puts(&want, "\n   | \t");
    rep(&want, " ", 59);
    sb_puts(&want, "^~\n");
    check_render(src.p, 1 + 59 * 2, 1 + 61 * 2, want.p);
    sb_free(&src);
    sb_free(&want);
}

static void test_diag_map_positions(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf src;
    sb_init(&src, &m);
    /* Lines of every length around DIAG_BLOCK, mixed widths, CRLF. */
    for (int i = 0; i < 300; i++) {
        rep(&src, i % 3 ? "a" : "\xE2\x82\xAC", i % 150);
        sb_puts(&src, i % 7 ? "\n" : "\r\n");
    }
    arena a;
    arena_init(&a, &m);
    diag_map map;
    assert_true(diag_map_init(&map, &a, src.p, src.len));
    for (uint32_t off = 0; off <= src.len + 2; off++) {
        uint32_t l1, c1, l2, c2, ls;
        diag_position(src.p, src.len, off, &l1, &c1);
        diag_map_position(&map, off, &l2, &c2, &ls);
        assert_int_equal(l1, l2);
        assert_int_equal(c1, c2);
    }
    arena_free(&a);
    sb_free(&src);
    assert_int_equal(m.live, 0);
}

static void test_diag_add_one_error_per_place(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    diag_list l;
    diag_init(&l, &a);
    for (uint32_t i = 0; i < 10000; i++) {
        tly_span sp = {i * 7 % 10000, i * 7 % 10000 + 1};
        diag_add(&l, DIAG_ERROR, sp, NULL, "first %u", i);
        diag_add(&l, DIAG_ERROR, sp, NULL, "second %u", i);
    }
    assert_int_equal(l.count, 10000);
    assert_int_equal(l.nerrors, 10000);
    assert_false(l.oom);
    for (uint32_t i = 0; i < l.count; i++) {
        assert_memory_equal(l.items[i].msg, "first", 5);
    }
    arena_free(&a);
    assert_int_equal(m.live, 0);
}

static void test_diag_add_long_message_cut_whole(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    strbuf name;
    sb_init(&name, &m);
    sb_puts(&name, "ab");
    rep(&name, "\xC3\xA9", 300);
    diag_list l;
    diag_init(&l, &a);
    diag_add(&l, DIAG_ERROR, (tly_span){0, 1}, NULL, "%s", name.p);
    /* 511 bytes fit: "ab", 254 'é' and half of the next, which goes. */
    assert_int_equal(strlen(l.items[0].msg), 510);
    assert_memory_equal(l.items[0].msg, name.p, 510);
    sb_free(&name);
    arena_free(&a);
    assert_int_equal(m.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_window_ascii_middle),
        cmocka_unit_test(test_diag_window_utf8_middle),
        cmocka_unit_test(test_diag_window_caret_near_end),
        cmocka_unit_test(test_diag_window_caret_near_start),
        cmocka_unit_test(test_diag_window_short_line_whole),
        cmocka_unit_test(test_diag_map_positions),
        cmocka_unit_test(test_diag_add_one_error_per_place),
        cmocka_unit_test(test_diag_add_long_message_cut_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
