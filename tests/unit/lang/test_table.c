/* tests/unit/lang/test_table.c - unit tests for the analysis of decision
 * tables (lang/table.c).
 *
 * Each case is one table put in front of a small correct policy, then
 * parsed and checked.  The analysis must find what is there and nothing
 * else: gaps between decimals (a fraction between two entries), none in a
 * bounded integer column its rows cover, a missing enum member or bool, a
 * text no entry names, unreachable rows with every row that covers them,
 * and the budget's warning for a table too large to search.  Each input
 * it shows is checked word for word, in the column's own notation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "front.h"

#include "support.h"

static const char tail_src[] = "\n"
                               "enum Colour { red, green, blue }\n"
                               "record In { id: text }\n"
                               "input x: In keyed by id\n"
                               "record Out { v: bool }\n"
                               "output r: Out = Out { v: true }\n";

/* Parses and checks [table] followed by the tail policy.  The warnings
 * of lang/lint.c (codes W1xx to W5xx: the table is never used, nor the
 * enum's members) are dropped: the tables here are fragments; the
 * table analysis's own warning (W602) is kept. */
static checked *check_table(const char *table)
{
    checked *k = check_parts(table, tail_src);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < k->c.diags.count; i++) {
        const diag *d = &k->c.diags.items[i];
        const char *code = d->sev == DIAG_WARNING ? strstr(d->msg, " [W") : NULL;
        if (code && code[3] >= '1' && code[3] <= '5') {
            continue;
        }
        k->c.diags.items[kept++] = *d;
    }
    k->c.diags.count = kept;
    return k;
}

/* The message of diagnostic [i], without its place. */
static const char *message(checked *k, uint32_t i)
{
    const char *line = diag_first_line(&k->c, i, &k->out);
    const char *m = strstr(line, ": error: ");
    if (!m) {
        m = strstr(line, ": warning: ");
        assert_non_null(m);
        return m + strlen(": warning: ");
    }
    return m + strlen(": error: ");
}

static void expect_clean(const char *table)
{
    checked *k = check_table(table);
    if (k->c.diags.count) {
        print_error("unexpected: %s\n", message(k, 0));
    }
    assert_true(k->ok);
    assert_int_equal(k->c.diags.count, 0);
    done(k);
}

/* Exactly one error, with message [want]. */
static void expect_error(const char *table, const char *want)
{
    checked *k = check_table(table);
    assert_false(k->ok);
    assert_int_equal(k->c.diags.count, 1);
    assert_int_equal(k->c.diags.items[0].sev, DIAG_ERROR);
    assert_string_equal(message(k, 0), want);
    done(k);
}

static void test_decimal_gap_is_a_fraction(void **state)
{
    (void)state;
    /* Nothing between 1.5 and 1.6 but a fraction: 1.5 + 1 does not fit,
     * so the middle is shown. */
    expect_error("table t(rate: decimal): integer hit unique\n"
                 "  | <= 1.5 => 1\n"
                 "  | >= 1.6 => 2\n",
                 "no row of table 't' matches rate = 1.55");
}

static void test_integer_has_nothing_between_neighbours(void **state)
{
    (void)state;
    expect_clean("table t(n: integer): integer hit unique\n"
                 "  | <= 5 => 1\n"
                 "  | >= 6 => 2\n");
    expect_error("table t(n: integer): integer hit unique\n"
                 "  | <= 5 => 1\n"
                 "  | >= 7 => 2\n",
                 "no row of table 't' matches n = 6");
}

static void test_bounded_integer_column(void **state)
{
    (void)state;
    /* Bounds end the column: [0..50) and [50..100] cover it all. */
    expect_clean("table t(score: integer between 0 and 100): integer hit unique\n"
                 "  | [0..50) => 1\n"
                 "  | [50..100] => 2\n");
    expect_error("table t(score: integer): integer hit unique\n"
                 "  | [0..50) => 1\n"
                 "  | [50..100] => 2\n",
                 "no row of table 't' matches score = -1");
}

static void test_enum_bool_and_sets(void **state)
{
    (void)state;
    expect_clean("table t(c: Colour, b: bool): integer hit unique\n"
                 "  | {red, green} | any => 1\n"
                 "  | blue | true => 2\n"
                 "  | blue | false => 3\n");
    expect_error("table t(c: Colour, b: bool): integer hit unique\n"
                 "  | {red, green} | any => 1\n"
                 "  | blue | true => 2\n",
                 "no row of table 't' matches c = blue, b = false");
    /* Enums are ordered as declared. */
    expect_clean("table t(c: Colour): integer hit unique\n"
                 "  | < green => 1\n"
                 "  | >= green => 2\n");
}

static void test_text_other_than_named(void **state)
{
    (void)state;
    expect_clean("table t(s: text): integer hit unique\n"
                 "  | \"a\" => 1\n"
                 "  | != \"a\" => 2\n");
    expect_error("table t(s: text): integer hit unique\n"
                 "  | {\"a\", \"b\"} => 1\n",
                 "no row of table 't' matches s = any other text");
}

static void test_inputs_in_their_notation(void **state)
{
    (void)state;
    expect_error("table t(p: percent, d: date, m: money): integer hit first\n"
                 "  | < 40% | any | any => 1\n"
                 "  | any | < 2026-01-01 | any => 2\n"
                 "  | any | any | < -£1,000.5 => 3\n",
                 "no row of table 't' matches p = 40%, d = 2026-01-01, "
                 "m = -£1,000.50");
}

static void test_unique_overlap_names_both_rows(void **state)
{
    (void)state;
    expect_error("table t(n: integer, c: Colour): integer hit unique\n"
                 "  | < 10 | any => 1\n"
                 "  | >= 10 | any => 2\n"
                 "  | [5..15] | {blue} => 3\n",
                 "rows 1 and 3 of table 't' overlap: both match n = 5, c = blue");
}

static void test_first_row_covered_by_several(void **state)
{
    (void)state;
    /* Neither row 1 nor row 2 covers row 3 alone; together they do. */
    expect_error("table t(n: integer): integer hit first\n"
                 "  | < 10 => 1\n"
                 "  | >= 10 => 2\n"
                 "  | [5..15] => 3\n",
                 "row 3 of table 't' can never match: rows 1 and 2 take every "
                 "input it covers, such as n = 5");
    /* A row that covers more than those above it is reachable. */
    expect_clean("table t(n: integer): integer hit first\n"
                 "  | [5..15] => 3\n"
                 "  | < 10 => 1\n"
                 "  | any => 2\n");
}

static void test_priority_orders_by_enum(void **state)
{
    (void)state;
    /* red outranks blue, so the blue row decides nothing the red row
     * matches; the red row, written later, is not shadowed. */
    expect_clean("table t(n: integer): Colour hit priority\n"
                 "  | any => blue\n"
                 "  | < 5 => red\n");
    expect_error("table t(n: integer): Colour hit priority\n"
                 "  | any => red\n"
                 "  | < 5 => blue\n",
                 "row 2 of table 't' can never decide: row 1 takes every "
                 "input it covers, such as n = 4");
}

static void test_collect_tables_have_no_gap_check(void **state)
{
    (void)state;
    expect_clean("table t(n: integer): integer hit collect sum\n"
                 "  | < 5 => 1\n");
    expect_clean("table t(n: integer): integer hit collect count\n"
                 "  | < 5\n");
    expect_error("table t(n: integer): integer hit collect max\n"
                 "  | < 5 => 1\n",
                 "no row of table 't' matches n = 5");
}

static void test_budget_gives_a_warning(void **state)
{
    (void)state;
    /* Seven columns of ten classes each, every row leaving the others
     * open: the search cannot finish and says so, as a warning. */
    strbuf b;
    mem_ctx mem;
    mem_init(&mem);
    sb_init(&b, &mem);
    sb_puts(&b, "table t(a: integer, b: integer, c: integer, d: integer, "
                "e: integer, f: integer, g: integer): integer hit first\n");
    for (int j = 0; j < 7; j++) {
        for (int v = 0; v < 9; v++) {
            sb_puts(&b, "  |");
            for (int i = 0; i < 7; i++) {
                if (i != j) {
                    sb_puts(&b, " any |");
                } else if (v == 0) {
                    sb_puts(&b, " < 1 |");
                } else {
                    sb_printf(&b, " %d |", v);
                }
            }
            b.len--; /* the last '|' */
            sb_puts(&b, "=> 1\n");
        }
    }
    assert_false(b.failed);
    checked *k = check_table(b.p);
    sb_free(&b);
    assert_int_equal(mem.live, 0);
    assert_true(k->ok);
    assert_int_equal(k->c.diags.count, 1);
    assert_int_equal(k->c.diags.items[0].sev, DIAG_WARNING);
    assert_string_equal(message(k, 0),
                        "table 't' is too large to prove free of gaps and "
                        "unreachable rows; those are found at run time instead "
                        "[W602 table-too-large]");
    done(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_decimal_gap_is_a_fraction),
        TEST(test_integer_has_nothing_between_neighbours),
        TEST(test_bounded_integer_column),
        TEST(test_enum_bool_and_sets),
        TEST(test_text_other_than_named),
        TEST(test_inputs_in_their_notation),
        TEST(test_unique_overlap_names_both_rows),
        TEST(test_first_row_covered_by_several),
        TEST(test_priority_orders_by_enum),
        TEST(test_collect_tables_have_no_gap_check),
        TEST(test_budget_gives_a_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
