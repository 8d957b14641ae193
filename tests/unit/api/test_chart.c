/* tests/unit/api/test_chart.c - the SVG bar charts (api/chart.c).
 *
 * Each chart is written from decimal texts and checked for the
 * coordinates worked out by hand: a bar from the zero axis (rightwards
 * for a positive value, leftwards for a negative one), widths that are
 * exact quotients rounded half up to two places, segments of a stacked
 * bar that start where the last ended, and the scale's floor for
 * percentages.  Then the text alternative (every value in words, "none"
 * for a missing one), escaping of labels holding markup, and refusal of
 * a value that is not a decimal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chart.h"

typedef struct fixture {
    mem_ctx m;
    arena a;
    strbuf b;
} fixture;

static void setup(fixture *f)
{
    mem_init(&f->m);
    arena_init(&f->a, &f->m);
    sb_init(&f->b, &f->m);
}

static void teardown(fixture *f)
{
    sb_free(&f->b);
    arena_free(&f->a);
}

static void has(const fixture *f, const char *want)
{
    if (!f->b.p || !strstr(f->b.p, want)) {
        fail_msg("missing %s in:\n%s", want, f->b.p ? f->b.p : "");
    }
}

static void lacks(const fixture *f, const char *what)
{
    if (f->b.p && strstr(f->b.p, what)) {
        fail_msg("unexpected %s in:\n%s", what, f->b.p);
    }
}

/* 10, 30 and -10 on a scale from -10 to 30: 360 pixels for 40, so 9 a
 * unit, the axis at 80 + 90 (labels of two characters get the least
 * margin, 80). */
static void test_hbar_negative(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *labels[] = {"a", "bb", "c"};
    const char *values[] = {"10", "30.00", "-10"};
    chart_bars c = {"Spend", "Spend by size", chart_colour(0), labels, values, 3, NULL};
    assert_true(chart_hbar(&f.b, &f.a, &c));
    has(&f, "role=\"img\" aria-label=\"Spend\"");
    has(&f, "<title>Spend</title>\n<desc>a: 10; bb: 30.00; c: -10.</desc>");
    has(&f, "<rect x=\"170.00\" y=\"10\" width=\"90.00\" height=\"18\" fill=\"#1f5f8b\">");
    has(&f, "<rect x=\"170.00\" y=\"36\" width=\"270.00\" height=\"18\"");
    has(&f, "<rect x=\"80.00\" y=\"62\" width=\"90.00\" height=\"18\"");
    has(&f, "<line x1=\"170.00\" y1=\"4\" x2=\"170.00\" y2=\"94\"");
    has(&f, "<figcaption>Spend by size</figcaption>");
    assert_false(f.b.failed);
    teardown(&f);
}

/* A width with no exact pixel form is rounded half up to two places:
 * 1 of 7 is 51.428...; 2.5 of 7 is 128.571... */
static void test_hbar_rounding(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *labels[] = {"x", "y"};
    const char *values[] = {"1", "2.5"};
    chart_bars c = {"T", "C", chart_colour(1), labels, values, 2, "7"};
    assert_true(chart_hbar(&f.b, &f.a, &c));
    has(&f, "<rect x=\"80.00\" y=\"10\" width=\"51.43\" height=\"18\" fill=\"#c9731d\">");
    has(&f, "<rect x=\"80.00\" y=\"36\" width=\"128.57\"");
    teardown(&f);
}

/* A percentage scale reaches 100 whatever the values; a missing value is
 * no bar and "none" in words; all zeros draw no bar. */
static void test_hbar_floor_none_zero(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *labels[] = {"sme", "vcse"};
    const char *values[] = {"25.0", NULL};
    chart_bars c = {"Share", "Share", chart_colour(2), labels, values, 2, "100"};
    assert_true(chart_hbar(&f.b, &f.a, &c));
    has(&f, "<rect x=\"80.00\" y=\"10\" width=\"90.00\"");
    has(&f, "<desc>sme: 25.0; vcse: none.</desc>");
    has(&f, ">none</text>");
    assert_int_equal(1, (int)(strstr(f.b.p, "<rect") != NULL));
    lacks(&f, "y=\"36\" width");
    sb_clear(&f.b);
    const char *zeros[] = {"0", "0.00"};
    chart_bars z = {"Z", "Z", chart_colour(0), labels, zeros, 2, NULL};
    assert_true(chart_hbar(&f.b, &f.a, &z));
    lacks(&f, "<rect");
    teardown(&f);
}

/* Markup in a label is shown, not interpreted; a value that is not a
 * decimal is refused and nothing is written. */
static void test_hbar_escape_refuse(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *labels[] = {"<b>&\"x\""};
    const char *values[] = {"3"};
    chart_bars c = {"a<b", "c&d", chart_colour(0), labels, values, 1, NULL};
    assert_true(chart_hbar(&f.b, &f.a, &c));
    has(&f, "&lt;b&gt;&amp;&quot;x&quot;");
    has(&f, "aria-label=\"a&lt;b\"");
    has(&f, "<figcaption>c&amp;d</figcaption>");
    lacks(&f, "<b>");
    sb_clear(&f.b);
    const char *bad[] = {"EUR 3.00"};
    chart_bars d = {"T", "C", chart_colour(0), labels, bad, 1, NULL};
    assert_false(chart_hbar(&f.b, &f.a, &d));
    assert_int_equal(f.b.len, 0);
    teardown(&f);
}

/* Segments of 1 and 2 points out of 4 over 400 pixels from 220: the
 * second starts where the first ended; a missing segment is skipped. */
static void test_stacked(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *v1[] = {"1", "2"};
    const char *v2[] = {NULL, "1.5"};
    chart_stack_row rows[] = {{"A", v1, "3"}, {"B", v2, "1.5"}};
    const char *series[] = {"price", "quality"};
    chart_stack c = {"T", "A: 1, 2. B: -, 1.5.", "Cap", series, 2, "4", rows, 2, 0};
    chart_stacked(&f.b, &f.a, &c);
    has(&f, "width=\"700\" height=\"116\" viewBox=\"0 0 700 116\" role=\"img\">");
    has(&f, "<rect x=\"220.00\" y=\"10\" width=\"100.00\" height=\"20\" fill=\"#1f5f8b\">");
    has(&f, "<rect x=\"320.00\" y=\"10\" width=\"200.00\" height=\"20\" fill=\"#c9731d\">");
    has(&f, "<rect x=\"220.00\" y=\"38\" width=\"150.00\" height=\"20\" fill=\"#c9731d\">");
    has(&f, "<text x=\"626\" y=\"25\" font-size=\"12\">3</text>");
    has(&f, "fill=\"#1f5f8b\"></rect><text x=\"236\" y=\"84\" font-size=\"12\">price</text>");
    has(&f, "<figcaption>Cap</figcaption>\n</figure>\n");
    assert_false(f.b.failed);
    teardown(&f);
}

static void test_palette(void **state)
{
    (void)state;
    assert_string_equal(chart_colour(0), "#1f5f8b");
    assert_string_equal(chart_colour(CHART_COLOURS), "#1f5f8b");
    assert_string_equal(chart_colour(5), "#b03030");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hbar_negative),
        cmocka_unit_test(test_hbar_rounding),
        cmocka_unit_test(test_hbar_floor_none_zero),
        cmocka_unit_test(test_hbar_escape_refuse),
        cmocka_unit_test(test_stacked),
        cmocka_unit_test(test_palette),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
