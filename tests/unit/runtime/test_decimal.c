/* tests/unit/runtime/test_decimal.c - unit tests for runtime/decimal.c.
 *
 * Checks exact values, never approximations: each result is compared by
 * its canonical representation or by its printed decimal form.  Covers
 * the strict parser, exact arithmetic on both the inline and the GMP
 * path (and the way back), every rounding mode on both signs, formatting,
 * the spec's rule 9 example, the bound on big results (DEC_MAX_DIGITS)
 * and the counting of GMP's memory against the cap.  Every test owns one
 * arena and frees it, so the leak checker sees any big value whose
 * finalizer did not run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "decimal.h"

/* Parses [s], which must be valid. */
static dec num(arena *a, const char *s)
{
    dec x;
    assert_int_equal(dec_parse(a, s, strlen(s), &x), DEC_OK);
    return x;
}

/* Asserts that dec_format(x) is exactly [want]. */
static void assert_fmt(const dec *x, const char *want)
{
    strbuf b;
    sb_init(&b, NULL);
    dec_format(x, &b);
    assert_false(b.failed);
    assert_string_equal(b.len ? b.p : "", want);
    sb_free(&b);
}

static void assert_inline(const dec *x, int64_t n, uint64_t d)
{
    assert_false(DEC_IS_BIG(*x));
    assert_true(x->u.n == n);
    assert_true(x->d == d);
}

static void test_dec_parse_accepts(void **state)
{
    static const struct {
        const char *in;
        const char *out; /* dec_format of the value */
        bool big;
    } cases[] = {
        {"0", "0", false},
        {"-0", "0", false},
        {"-0.000", "0", false},
        {"35", "35", false},
        {"35.0", "35", false},
        {"0.125", "0.125", false},
        {"-4.125", "-4.125", false},
        {"007.50", "7.5", false},
        {"1.10", "1.1", false},
        {"1.0000000000000000000000000000", "1", false},
        {"0.0000000000000000001", "0.0000000000000000001", false},
        {"9223372036854775807", "9223372036854775807", false},
        {"-9223372036854775808", "-9223372036854775808", false},
        {"9223372036854775808", "9223372036854775808", true},
        {"-9223372036854775809", "-9223372036854775809", true},
        {"0.00000000000000000001", "0.00000000000000000001", true},
        {"123456789012345678901234567890.123456789",
         "123456789012345678901234567890.123456789", true},
        {"-0.0000000000000000000000000000000000000000005",
         "-0.0000000000000000000000000000000000000000005", true},
        /* Integer parts read eight bytes at a time: a digit run ending
         * at each position of the word, and runs of several words. */
        {"12345678", "12345678", false},
        {"1234567.8", "1234567.8", false},
        {"-12345678.25", "-12345678.25", false},
        {"00000000.10", "0.1", false},
        {"123456789012345678", "123456789012345678", false},
        {"1234567890123456789", "1234567890123456789", false},
        {"1234567890123456.78", "1234567890123456.78", false},
        {"0000000000000000000000000.5", "0.5", false},
    };
    arena a;
    arena_init(&a, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec x;
        assert_int_equal(dec_parse(&a, cases[i].in, strlen(cases[i].in), &x),
                         DEC_OK);
        assert_int_equal(DEC_IS_BIG(x), cases[i].big);
        assert_fmt(&x, cases[i].out);
    }
    dec x = num(&a, "0.50");
    assert_inline(&x, 1, 2);
    x = num(&a, "-0");
    assert_inline(&x, 0, 1);
    x = num(&a, "-12.34");
    assert_inline(&x, -617, 50);
    arena_free(&a);
}

static void test_dec_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",    "-",   ".",     "1.",   ".5",   "-.5",  "+1",    "1e5",
        "1E5", " 1",  "1 ",    "1,000", "--1", "1.2.3", "0x10", "1.-2",
        "- 1", "1_0", "∞",     "NaN",   "inf", "12a",  "1..2",  "-1-",
        /* non-digits next to the digits in a word read whole: '/' and ':'
         * border '0' and '9', and \xFA overflows when 6 is added */
        "1234567/", "1234567:", "12345678:", "1234567\xFA",
        "1234\3775678", /* \377 is \xFF */
        "123456789012/3456", "-12345678.1:",
    };
    arena a;
    arena_init(&a, NULL);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dec x;
        assert_int_equal(dec_parse(&a, bad[i], strlen(bad[i]), &x),
                         DEC_SYNTAX);
    }
    dec x;
    /* Length, not NUL, ends the text. */
    assert_int_equal(dec_parse(&a, "1\0", 2, &x), DEC_SYNTAX);
    assert_int_equal(dec_parse(&a, "12", 1, &x), DEC_OK);
    assert_inline(&x, 1, 1);
    /* Many digits are accepted, but must still be digits. */
    char longbad[200];
    memset(longbad, '7', sizeof longbad);
    longbad[150] = 'x';
    assert_int_equal(dec_parse(&a, longbad, sizeof longbad, &x), DEC_SYNTAX);
    arena_free(&a);
}

static void test_dec_add_sub_exact(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = num(&a, "0.1"), y = num(&a, "0.2"), r;
    assert_int_equal(dec_add(&a, &x, &y, &r), DEC_OK);
    dec want = num(&a, "0.3");
    assert_int_equal(dec_cmp(&r, &want), 0);
    assert_inline(&r, 3, 10);

    dec third = dec_from_int(1), three = dec_from_int(3), sixth;
    assert_int_equal(dec_div(&a, &third, &three, &third), DEC_OK);
    dec six = dec_from_int(6), one = dec_from_int(1);
    assert_int_equal(dec_div(&a, &one, &six, &sixth), DEC_OK);
    assert_int_equal(dec_add(&a, &third, &sixth, &r), DEC_OK);
    assert_inline(&r, 1, 2);
    assert_int_equal(dec_sub(&a, &third, &sixth, &r), DEC_OK);
    assert_inline(&r, 1, 6);
    assert_int_equal(dec_sub(&a, &sixth, &third, &r), DEC_OK);
    assert_inline(&r, -1, 6);

    /* 0.3 - 0.1 - 0.2 is exactly zero, in canonical form. */
    assert_int_equal(dec_sub(&a, &want, &x, &r), DEC_OK);
    assert_int_equal(dec_sub(&a, &r, &y, &r), DEC_OK);
    assert_inline(&r, 0, 1);

    dec p = num(&a, "-1.5"), q = num(&a, "1.5");
    assert_int_equal(dec_add(&a, &p, &q, &r), DEC_OK);
    assert_inline(&r, 0, 1);
    assert_int_equal(dec_sub(&a, &p, &q, &r), DEC_OK);
    assert_inline(&r, -3, 1);

    /* Same denominator that reduces: 0.25 + 0.25 = 1/2. */
    p = num(&a, "0.25");
    assert_int_equal(dec_add(&a, &p, &p, &r), DEC_OK);
    assert_inline(&r, 1, 2);
    /* Denominators sharing a factor: 1/6 + 1/10 = 4/15. */
    dec ten = dec_from_int(10), tenth;
    assert_int_equal(dec_div(&a, &one, &ten, &tenth), DEC_OK);
    assert_int_equal(dec_add(&a, &sixth, &tenth, &r), DEC_OK);
    assert_inline(&r, 4, 15);
    /* Integers, both signs. */
    p = dec_from_int(-7);
    q = dec_from_int(12);
    assert_int_equal(dec_add(&a, &p, &q, &r), DEC_OK);
    assert_inline(&r, 5, 1);
    assert_int_equal(dec_sub(&a, &p, &q, &r), DEC_OK);
    assert_inline(&r, -19, 1);
    arena_free(&a);
}

static void test_dec_mul_div_exact(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = num(&a, "1000.01"), y = num(&a, "3000.03"), r;
    assert_int_equal(dec_div(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, 1, 3);
    x = num(&a, "2.5");
    y = num(&a, "0.4");
    assert_int_equal(dec_mul(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, 1, 1);
    x = dec_from_int(7);
    y = dec_from_int(-2);
    assert_int_equal(dec_div(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, -7, 2);
    assert_fmt(&r, "-3.5");
    assert_int_equal(dec_div(&a, &y, &r, &r), DEC_OK); /* -2 / -3.5 */
    assert_inline(&r, 4, 7);
    x = dec_from_int(0);
    y = num(&a, "-0.75");
    assert_int_equal(dec_mul(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, 0, 1);
    assert_int_equal(dec_mul(&a, &y, &x, &r), DEC_OK);
    assert_inline(&r, 0, 1);
    assert_int_equal(dec_div(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, 0, 1);
    assert_int_equal(dec_mul(&a, &y, &y, &r), DEC_OK);
    assert_inline(&r, 9, 16);
    x = num(&a, "-1.2");
    y = num(&a, "0.35");
    assert_int_equal(dec_mul(&a, &x, &y, &r), DEC_OK);
    assert_fmt(&r, "-0.42");
    assert_int_equal(dec_div(&a, &x, &y, &r), DEC_OK);
    assert_inline(&r, -24, 7);
    arena_free(&a);
}

static void test_dec_div_by_zero(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = num(&a, "5"), zero = num(&a, "-0.00"), r = dec_from_int(99);
    assert_int_equal(dec_div(&a, &x, &zero, &r), DEC_DIV_ZERO);
    assert_int_equal(dec_div(&a, &zero, &zero, &r), DEC_DIV_ZERO);
    dec big = num(&a, "123456789012345678901234567890");
    assert_true(DEC_IS_BIG(big));
    assert_int_equal(dec_div(&a, &big, &zero, &r), DEC_DIV_ZERO);
    assert_inline(&r, 99, 1); /* untouched */
    arena_free(&a);
}

/* SPEC: award-evaluation rule 9. */
static void test_dec_rule9_example(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec w = dec_from_int(40), lo = num(&a, "1000.01"),
        bid = num(&a, "3000.03"), q = dec_from_int(20),
        s = dec_from_int(10), best = dec_from_int(30),
        soc = num(&a, "7.005"), t1, t2, total;
    assert_int_equal(dec_mul(&a, &w, &lo, &t1), DEC_OK);
    assert_int_equal(dec_div(&a, &t1, &bid, &t1), DEC_OK);
    assert_int_equal(dec_mul(&a, &q, &s, &t2), DEC_OK);
    assert_int_equal(dec_div(&a, &t2, &best, &t2), DEC_OK);
    assert_int_equal(dec_add(&a, &t1, &t2, &total), DEC_OK);
    assert_int_equal(dec_add(&a, &total, &soc, &total), DEC_OK);
    dec want = num(&a, "27.005");
    assert_int_equal(dec_cmp(&total, &want), 0);
    assert_inline(&total, 5401, 200);

    dec r;
    strbuf b;
    sb_init(&b, NULL);
    assert_int_equal(dec_round(&a, &total, 2, DEC_HALF_UP, &r), DEC_OK);
    assert_int_equal(dec_format_fixed(&r, 2, &b), DEC_OK);
    assert_string_equal(b.p, "27.01");
    sb_clear(&b);
    assert_int_equal(dec_round(&a, &total, 2, DEC_DOWN, &r), DEC_OK);
    assert_int_equal(dec_format_fixed(&r, 2, &b), DEC_OK);
    assert_string_equal(b.p, "27.00");
    sb_free(&b);
    arena_free(&a);
}

static void test_dec_overflow_to_big_and_back(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = num(&a, "123456789012345678"), y = num(&a, "987654321098765432");
    dec p, back;
    assert_int_equal(dec_mul(&a, &x, &y, &p), DEC_OK);
    assert_true(DEC_IS_BIG(p));
    assert_fmt(&p, "121932631137021794322511812221002896");
    assert_int_equal(dec_div(&a, &p, &y, &back), DEC_OK);
    assert_inline(&back, 123456789012345678, 1);
    assert_int_equal(dec_cmp(&back, &x), 0);

    /* The same with fractions: 1234567890.12345678 squared, then back. */
    x = num(&a, "1234567890.12345678");
    assert_int_equal(dec_mul(&a, &x, &x, &p), DEC_OK);
    assert_true(DEC_IS_BIG(p));
    assert_fmt(&p, "1524157875323883652.7968299765279684");
    assert_int_equal(dec_div(&a, &p, &x, &back), DEC_OK);
    assert_false(DEC_IS_BIG(back));
    assert_int_equal(dec_cmp(&back, &x), 0);

    /* Add across the int64 boundary and come back. */
    dec max = dec_from_int(INT64_MAX), one = dec_from_int(1), r;
    assert_int_equal(dec_add(&a, &max, &one, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "9223372036854775808");
    assert_int_equal(dec_sub(&a, &r, &one, &r), DEC_OK);
    assert_inline(&r, INT64_MAX, 1);
    dec min = dec_from_int(INT64_MIN);
    assert_int_equal(dec_sub(&a, &min, &one, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "-9223372036854775809");
    assert_int_equal(dec_add(&a, &r, &one, &r), DEC_OK);
    assert_inline(&r, INT64_MIN, 1);

    /* Denominators whose product passes 2^64. */
    dec d1 = num(&a, "0.0000000001"), d2 = num(&a, "0.00000000003");
    assert_int_equal(dec_mul(&a, &d1, &d2, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "0.000000000000000000003");
    assert_int_equal(dec_div(&a, &r, &d2, &r), DEC_OK);
    assert_inline(&r, 1, 10000000000);
    /* A sum whose inline denominator would not fit. */
    dec t = dec_from_int(3), s = dec_from_int(7), th, sv;
    assert_int_equal(dec_div(&a, &one, &t, &th), DEC_OK);
    assert_int_equal(dec_div(&a, &d1, &s, &sv), DEC_OK); /* 1/7e10 */
    assert_int_equal(dec_mul(&a, &sv, &d1, &sv), DEC_OK); /* 1/7e20 */
    assert_true(DEC_IS_BIG(sv));
    assert_int_equal(dec_add(&a, &th, &sv, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_int_equal(dec_sub(&a, &r, &sv, &r), DEC_OK);
    assert_inline(&r, 1, 3);
    arena_free(&a);
}

static void test_dec_neg_int64_min(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = dec_from_int(INT64_MIN), r;
    assert_int_equal(dec_neg(&a, &x, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "9223372036854775808");
    assert_int_equal(dec_sign(&r), 1);
    assert_int_equal(dec_neg(&a, &r, &r), DEC_OK); /* aliased */
    assert_inline(&r, INT64_MIN, 1);
    x = num(&a, "-5.25");
    assert_int_equal(dec_neg(&a, &x, &x), DEC_OK);
    assert_inline(&x, 21, 4);
    /* INT64_MIN over a denominator goes big too, and comes back. */
    dec three = dec_from_int(3);
    x = dec_from_int(INT64_MIN);
    assert_int_equal(dec_div(&a, &x, &three, &x), DEC_OK);
    assert_inline(&x, INT64_MIN, 3);
    assert_int_equal(dec_neg(&a, &x, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_int_equal(dec_add(&a, &r, &x, &r), DEC_OK);
    assert_inline(&r, 0, 1);
    /* Multiplying by -1 and dividing by -1 take the same care. */
    dec m1 = dec_from_int(-1);
    x = dec_from_int(INT64_MIN);
    assert_int_equal(dec_mul(&a, &x, &m1, &r), DEC_OK);
    assert_fmt(&r, "9223372036854775808");
    assert_int_equal(dec_div(&a, &x, &m1, &r), DEC_OK);
    assert_fmt(&r, "9223372036854775808");
    arena_free(&a);
}

typedef struct round_case {
    const char *in;
    int places;
    /* HALF_UP, HALF_DOWN, HALF_EVEN, UP, DOWN, CEILING, FLOOR */
    const char *want[DEC_ROUND_MODE_COUNT];
} round_case;

static void check_rounding(arena *a, const dec *x, const round_case *c)
{
    for (int m = 0; m < DEC_ROUND_MODE_COUNT; m++) {
        dec r;
        assert_int_equal(dec_round(a, x, c->places, (dec_round_mode)m, &r),
                         DEC_OK);
        dec want = num(a, c->want[m]);
        if (dec_cmp(&r, &want) != 0) {
            strbuf b;
            sb_init(&b, NULL);
            dec_format(&r, &b);
            print_error("round(%s, %d, %s) = %s, want %s\n", c->in,
                        c->places, dec_round_mode_name((dec_round_mode)m),
                        b.p, c->want[m]);
            sb_free(&b);
            fail();
        }
    }
}

static void test_dec_round_all_modes(void **state)
{
    static const round_case cases[] = {
        /* positive and negative ties */
        {"2.345", 2, {"2.35", "2.34", "2.34", "2.35", "2.34", "2.35", "2.34"}},
        {"-2.345", 2,
         {"-2.35", "-2.34", "-2.34", "-2.35", "-2.34", "-2.34", "-2.35"}},
        {"2.355", 2, {"2.36", "2.35", "2.36", "2.36", "2.35", "2.36", "2.35"}},
        {"-2.355", 2,
         {"-2.36", "-2.35", "-2.36", "-2.36", "-2.35", "-2.35", "-2.36"}},
        {"0.5", 0, {"1", "0", "0", "1", "0", "1", "0"}},
        {"-0.5", 0, {"-1", "0", "0", "-1", "0", "0", "-1"}},
        {"1.5", 0, {"2", "1", "2", "2", "1", "2", "1"}},
        {"-1.5", 0, {"-2", "-1", "-2", "-2", "-1", "-1", "-2"}},
        {"0.125", 2, {"0.13", "0.12", "0.12", "0.13", "0.12", "0.13", "0.12"}},
        /* non-ties above and below the half */
        {"2.346", 2, {"2.35", "2.35", "2.35", "2.35", "2.34", "2.35", "2.34"}},
        {"-2.346", 2,
         {"-2.35", "-2.35", "-2.35", "-2.35", "-2.34", "-2.34", "-2.35"}},
        {"2.341", 2, {"2.34", "2.34", "2.34", "2.35", "2.34", "2.35", "2.34"}},
        {"-2.341", 2,
         {"-2.34", "-2.34", "-2.34", "-2.35", "-2.34", "-2.34", "-2.35"}},
        {"0.001", 2, {"0", "0", "0", "0.01", "0", "0.01", "0"}},
        {"-0.001", 2, {"0", "0", "0", "-0.01", "0", "0", "-0.01"}},
        {"9.995", 2, {"10", "9.99", "10", "10", "9.99", "10", "9.99"}},
        /* already exact: unchanged in every mode */
        {"-7.5", 1, {"-7.5", "-7.5", "-7.5", "-7.5", "-7.5", "-7.5", "-7.5"}},
        {"42", 0, {"42", "42", "42", "42", "42", "42", "42"}},
        /* a big value, ties at 2 places */
        {"123456789012345678901234567890.125", 2,
         {"123456789012345678901234567890.13",
          "123456789012345678901234567890.12",
          "123456789012345678901234567890.12",
          "123456789012345678901234567890.13",
          "123456789012345678901234567890.12",
          "123456789012345678901234567890.13",
          "123456789012345678901234567890.12"}},
        {"-123456789012345678901234567890.135", 2,
         {"-123456789012345678901234567890.14",
          "-123456789012345678901234567890.13",
          "-123456789012345678901234567890.14",
          "-123456789012345678901234567890.14",
          "-123456789012345678901234567890.13",
          "-123456789012345678901234567890.13",
          "-123456789012345678901234567890.14"}},
        /* a tie beyond 19 places (the GMP path on an inline value) */
        {"0.0000000000000000000025", 21,
         {"0.000000000000000000003", "0.000000000000000000002",
          "0.000000000000000000002", "0.000000000000000000003",
          "0.000000000000000000002", "0.000000000000000000003",
          "0.000000000000000000002"}},
    };
    arena a;
    arena_init(&a, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec x = num(&a, cases[i].in);
        check_rounding(&a, &x, &cases[i]);
    }
    /* Quotients with no finite form: 2/3 and -2/3. */
    dec two = dec_from_int(2), three = dec_from_int(3), mtwo = dec_from_int(-2);
    dec x;
    static const round_case pos = {
        "2/3", 2, {"0.67", "0.67", "0.67", "0.67", "0.66", "0.67", "0.66"}};
    static const round_case neg = {
        "-2/3", 2,
        {"-0.67", "-0.67", "-0.67", "-0.67", "-0.66", "-0.66", "-0.67"}};
    assert_int_equal(dec_div(&a, &two, &three, &x), DEC_OK);
    check_rounding(&a, &x, &pos);
    assert_int_equal(dec_div(&a, &mtwo, &three, &x), DEC_OK);
    check_rounding(&a, &x, &neg);
    static const round_case pos25 = {
        "2/3",
        25,
        {"0.6666666666666666666666667", "0.6666666666666666666666667",
         "0.6666666666666666666666667", "0.6666666666666666666666667",
         "0.6666666666666666666666666", "0.6666666666666666666666667",
         "0.6666666666666666666666666"}};
    assert_int_equal(dec_div(&a, &two, &three, &x), DEC_OK);
    check_rounding(&a, &x, &pos25);
    arena_free(&a);
}

static void test_dec_round_edges(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = dec_from_int(INT64_MAX), three = dec_from_int(3), r;
    assert_int_equal(dec_div(&a, &x, &three, &x), DEC_OK);
    /* The rounded value needs a numerator past int64: big. */
    assert_int_equal(dec_round(&a, &x, 2, DEC_HALF_UP, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "3074457345618258602.33");
    assert_int_equal(dec_round(&a, &x, 0, DEC_CEILING, &r), DEC_OK);
    assert_inline(&r, 3074457345618258603, 1);
    /* Rounding to a whole number demotes a big value. */
    x = num(&a, "9223372036854775806.9");
    assert_true(DEC_IS_BIG(x));
    assert_int_equal(dec_round(&a, &x, 0, DEC_HALF_EVEN, &r), DEC_OK);
    assert_inline(&r, INT64_MAX, 1);
    assert_int_equal(dec_round(&a, &x, 30, DEC_HALF_EVEN, &r), DEC_OK);
    assert_int_equal(dec_cmp(&r, &x), 0);
    /* Out-of-range places and modes. */
    assert_int_equal(dec_round(&a, &three, -1, DEC_HALF_UP, &r), DEC_RANGE);
    assert_int_equal(dec_round(&a, &three, 31, DEC_HALF_UP, &r), DEC_RANGE);
    assert_int_equal(dec_round(&a, &three, 2, DEC_ROUND_MODE_COUNT, &r),
                     DEC_RANGE);
    /* In place. */
    x = num(&a, "1.005");
    assert_int_equal(dec_round(&a, &x, 2, DEC_HALF_UP, &x), DEC_OK);
    assert_inline(&x, 101, 100);
    arena_free(&a);
}

/* Amounts as people read them: sign first, then the currency, commas
 * between groups of three whole units, two places unless more are
 * needed. */
static void test_dec_format_money(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *code;
        const char *out;
    } cases[] = {
        {"5000000", "GBP", "\xC2\xA3" "5,000,000.00"},
        {"-1234567.5", "GBP", "-\xC2\xA3" "1,234,567.50"},
        {"999.99", "GBP", "\xC2\xA3" "999.99"},
        {"1000", "EUR", "EUR 1,000.00"},
        {"-100000", "EUR", "-EUR 100,000.00"},
        {"0", NULL, "0.00"},
        {"123456", NULL, "123,456.00"},
        {"1234.125", "GBP", "\xC2\xA3" "1,234.125"},
        {"0.001", NULL, "0.001"},
    };
    arena a;
    arena_init(&a, NULL);
    strbuf b;
    sb_init(&b, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec x = num(&a, cases[i].in);
        sb_clear(&b);
        dec_format_money(&x, cases[i].code, &b);
        assert_false(b.failed);
        assert_string_equal(b.p, cases[i].out);
    }
    sb_free(&b);
    arena_free(&a);
}

static void test_dec_format_fixed_places(void **state)
{
    static const struct {
        const char *in;
        int places;
        const char *out; /* NULL: DEC_INEXACT */
    } cases[] = {
        {"38.2", 2, "38.20"},
        {"-0.5", 2, "-0.50"},
        {"7", 0, "7"},
        {"7", 3, "7.000"},
        {"0", 2, "0.00"},
        {"-0", 0, "0"},
        {"0.001", 3, "0.001"},
        {"-12.5", 3, "-12.500"},
        {"1.25", 1, NULL},
        {"0.001", 2, NULL},
        {"-9223372036854775808", 1, "-9223372036854775808.0"},
        {"0.5", 25, "0.5000000000000000000000000"},
        {"123456789012345678901234567890.5", 3,
         "123456789012345678901234567890.500"},
        {"123456789012345678901234567890.5", 0, NULL},
        {"0.0000000000000000000000000000001", 31,
         "0.0000000000000000000000000000001"},
        {"0.0000000000000000000000000000001", 30, NULL},
        /* Digit counts around powers of ten, and the digits scaled to
         * [places] just inside and just outside 64 bits. */
        {"9", 0, "9"},
        {"10", 0, "10"},
        {"99", 1, "99.0"},
        {"100", 2, "100.00"},
        {"999999999999999999", 0, "999999999999999999"},
        {"1000000000000000000", 0, "1000000000000000000"},
        {"0.9999999999999999999", 19, "0.9999999999999999999"},
        {"-0.0000000000000000001", 19, "-0.0000000000000000001"},
        {"0.25", 19, "0.2500000000000000000"},
        {"0.25", 20, "0.25000000000000000000"},
        {"1844674407370955161.5", 1, "1844674407370955161.5"},
        {"1844674407370955161.6", 1, "1844674407370955161.6"},
        {"9223372036854775807", 1, "9223372036854775807.0"},
        {"-9223372036854775808", 19,
         "-9223372036854775808.0000000000000000000"},
        {"0.5", 19, "0.5000000000000000000"},
        {"0.125", 2, NULL},
    };
    arena a;
    arena_init(&a, NULL);
    strbuf b;
    sb_init(&b, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec x = num(&a, cases[i].in);
        sb_clear(&b);
        sb_puts(&b, "<");
        dec_status st = dec_format_fixed(&x, cases[i].places, &b);
        if (cases[i].out) {
            assert_int_equal(st, DEC_OK);
            assert_string_equal(b.p + 1, cases[i].out);
        } else {
            assert_int_equal(st, DEC_INEXACT);
            assert_string_equal(b.p, "<"); /* nothing appended */
        }
    }
    dec one = dec_from_int(1), three = dec_from_int(3), x;
    assert_int_equal(dec_div(&a, &one, &three, &x), DEC_OK);
    sb_clear(&b);
    assert_int_equal(dec_format_fixed(&x, 30, &b), DEC_INEXACT);
    assert_int_equal(b.len, 0);
    /* 2^-40 needs exactly 40 places. */
    dec p = dec_from_int(1099511627776);
    assert_int_equal(dec_div(&a, &one, &p, &x), DEC_OK);
    assert_int_equal(dec_format_fixed(&x, 39, &b), DEC_INEXACT);
    assert_int_equal(dec_format_fixed(&x, 40, &b), DEC_OK);
    assert_string_equal(b.p, "0.0000000000009094947017729282379150390625");
    assert_int_equal(dec_format_fixed(&x, -1, &b), DEC_RANGE);
    /* A failed buffer takes nothing, and the value still decides the
     * status. */
    x = num(&a, "38.2");
    b.failed = true;
    size_t len = b.len;
    assert_int_equal(dec_format_fixed(&x, 2, &b), DEC_OK);
    assert_int_equal(dec_format_fixed(&x, 0, &b), DEC_INEXACT);
    assert_int_equal(b.len, len);
    sb_free(&b);
    arena_free(&a);
}

static void test_dec_format_shortest(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec x = num(&a, "0.30"), one = dec_from_int(1), three = dec_from_int(3),
        seven = dec_from_int(7), r;
    assert_fmt(&x, "0.3");
    x = num(&a, "12.000");
    assert_fmt(&x, "12");
    x = num(&a, "-4.125");
    assert_fmt(&x, "-4.125");
    assert_int_equal(dec_div(&a, &one, &three, &r), DEC_OK);
    assert_fmt(&r, "0.33333333333333333333...");
    x = dec_from_int(-2);
    assert_int_equal(dec_div(&a, &x, &three, &r), DEC_OK);
    assert_fmt(&r, "-0.66666666666666666667...");
    x = dec_from_int(100);
    assert_int_equal(dec_div(&a, &x, &seven, &r), DEC_OK);
    assert_fmt(&r, "14.28571428571428571429...");
    /* 2^-63: an inline value with 63 places. */
    x = dec_from_int(INT64_MIN);
    assert_int_equal(dec_div(&a, &one, &x, &r), DEC_OK);
    assert_inline(&r, -1, (uint64_t)1 << 63);
    assert_fmt(&r, "-0.000000000000000000108420217248550443400745280086994171"
                   "142578125");
    /* Big values, terminating and not. */
    x = num(&a, "1000000000000000000000000000000");
    assert_int_equal(dec_div(&a, &x, &three, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "333333333333333333333333333333.33333333333333333333...");
    assert_int_equal(dec_add(&a, &r, &x, &r), DEC_OK);
    assert_fmt(&r, "1333333333333333333333333333333.33333333333333333333...");
    /* 1 - 1/(3e21) rounds up to 1 at 20 places: the carry reaches the
     * integer part. */
    x = num(&a, "0.000000000000000000001");
    assert_int_equal(dec_div(&a, &x, &three, &r), DEC_OK);
    assert_int_equal(dec_sub(&a, &one, &r, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    assert_fmt(&r, "1.00000000000000000000...");
    x = num(&a, "-98765432109876543210.0123");
    assert_fmt(&x, "-98765432109876543210.0123");
    arena_free(&a);
}

static void test_dec_cmp_across_representations(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec big = num(&a, "9223372036854775808"),
        nbig = num(&a, "-9223372036854775809"),
        frac = num(&a, "0.00000000000000000000001"),
        max = dec_from_int(INT64_MAX), min = dec_from_int(INT64_MIN),
        zero = dec_from_int(0);
    assert_true(dec_cmp(&max, &big) < 0);
    assert_true(dec_cmp(&big, &max) > 0);
    assert_true(dec_cmp(&nbig, &min) < 0);
    assert_true(dec_cmp(&min, &nbig) > 0);
    assert_true(dec_cmp(&nbig, &big) < 0);
    assert_true(dec_cmp(&frac, &zero) > 0);
    assert_true(dec_cmp(&zero, &frac) < 0);
    assert_int_equal(dec_cmp(&big, &big), 0);
    dec big2 = num(&a, "9223372036854775808.000");
    assert_int_equal(dec_cmp(&big, &big2), 0);
    /* Inline values with different denominators. */
    dec one = dec_from_int(1), three = dec_from_int(3), third;
    assert_int_equal(dec_div(&a, &one, &three, &third), DEC_OK);
    dec p = num(&a, "0.3333"), q = num(&a, "0.3334");
    assert_true(dec_cmp(&p, &third) < 0);
    assert_true(dec_cmp(&third, &q) < 0);
    assert_true(dec_cmp(&max, &min) > 0);
    /* Cross products near 2^127. */
    dec m1 = num(&a, "9223372036854775806.5"),
        m2 = num(&a, "9223372036854775806.25");
    assert_true(DEC_IS_BIG(m1));
    assert_true(dec_cmp(&m1, &m2) > 0);
    dec u = dec_from_int(INT64_MAX), v;
    dec big_d = num(&a, "18446744073709551615");
    assert_int_equal(dec_div(&a, &u, &big_d, &v), DEC_OK);
    assert_inline(&v, INT64_MAX, UINT64_MAX);
    dec w = num(&a, "0.5");
    assert_true(dec_cmp(&v, &w) < 0);
    assert_true(dec_cmp(&w, &v) > 0);
    arena_free(&a);
}

static void test_dec_to_int_range(void **state)
{
    arena a;
    arena_init(&a, NULL);
    int64_t i = 7;
    dec x = num(&a, "42.000");
    assert_int_equal(dec_to_int(&x, &i), DEC_OK);
    assert_int_equal(i, 42);
    x = num(&a, "-9223372036854775808");
    assert_int_equal(dec_to_int(&x, &i), DEC_OK);
    assert_true(i == INT64_MIN);
    x = num(&a, "9223372036854775807");
    assert_int_equal(dec_to_int(&x, &i), DEC_OK);
    assert_true(i == INT64_MAX);
    i = 7;
    x = num(&a, "2.5");
    assert_int_equal(dec_to_int(&x, &i), DEC_RANGE);
    x = num(&a, "9223372036854775808");
    assert_int_equal(dec_to_int(&x, &i), DEC_RANGE);
    x = num(&a, "-9223372036854775809");
    assert_int_equal(dec_to_int(&x, &i), DEC_RANGE);
    x = num(&a, "100000000000000000000.5");
    assert_int_equal(dec_to_int(&x, &i), DEC_RANGE);
    assert_int_equal(i, 7);
    arena_free(&a);
}

static void test_dec_sign_and_integer(void **state)
{
    arena a;
    arena_init(&a, NULL);
    static const struct {
        const char *in;
        int sign;
        bool integer;
    } cases[] = {
        {"0", 0, true},
        {"-0.0", 0, true},
        {"3", 1, true},
        {"-3", -1, true},
        {"0.5", 1, false},
        {"-0.5", -1, false},
        {"100000000000000000000", 1, true},
        {"-100000000000000000000", -1, true},
        {"100000000000000000000.5", 1, false},
        {"-0.000000000000000000001", -1, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec x = num(&a, cases[i].in);
        assert_int_equal(dec_sign(&x), cases[i].sign);
        assert_int_equal(dec_is_integer(&x), cases[i].integer);
    }
    arena_free(&a);
}

static void test_dec_round_mode_names(void **state)
{
    static const char *const names[DEC_ROUND_MODE_COUNT] = {
        "half up", "half down", "half even", "up", "down", "ceiling", "floor",
    };
    for (int m = 0; m < DEC_ROUND_MODE_COUNT; m++) {
        assert_string_equal(dec_round_mode_name((dec_round_mode)m), names[m]);
        assert_int_equal(dec_round_mode_from_name(names[m]), m);
    }
    assert_int_equal(dec_round_mode_from_name("Half Up"), DEC_ROUND_MODE_COUNT);
    assert_int_equal(dec_round_mode_from_name("half-up"), DEC_ROUND_MODE_COUNT);
    assert_int_equal(dec_round_mode_from_name(""), DEC_ROUND_MODE_COUNT);
    assert_int_equal(dec_round_mode_from_name(NULL), DEC_ROUND_MODE_COUNT);
    assert_null(dec_round_mode_name(DEC_ROUND_MODE_COUNT));
}

static void test_dec_out_of_memory(void **state)
{
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    dec x = dec_from_int(INT64_MAX), r = dec_from_int(5);
    m.fail_at = 1;
    assert_int_equal(dec_mul(&a, &x, &x, &r), DEC_ENOMEM);
    m.fail_at = 1;
    assert_int_equal(dec_parse(&a, "123456789012345678901234567890", 30, &r),
                     DEC_ENOMEM);
    m.fail_at = 2; /* the digit buffer succeeds, the arena chunk fails */
    assert_int_equal(dec_parse(&a, "123456789012345678901234567890", 30, &r),
                     DEC_ENOMEM);
    /* Inline results need no memory at all. */
    m.fail_at = 1;
    dec y = dec_from_int(3);
    assert_int_equal(dec_div(&a, &x, &y, &r), DEC_OK);
    m.fail_at = 0;
    assert_int_equal(dec_mul(&a, &x, &x, &r), DEC_OK);
    assert_true(DEC_IS_BIG(r));
    arena_free(&a);
    assert_int_equal(m.live, 0);
}

/* ---- the size bound and the memory count ----------------------------- */

/* A big integer of [digits] digits, 10^(digits-1) + 7, parsed into [a]
 * (dec_parse takes any number of digits). */
static dec big_int(arena *a, size_t digits)
{
    char *s = malloc(digits + 1);
    assert_non_null(s);
    memset(s, '0', digits);
    s[0] = '1';
    s[digits - 1] = '7';
    s[digits] = '\0';
    dec x;
    assert_int_equal(dec_parse(a, s, digits, &x), DEC_OK);
    free(s);
    assert_true(DEC_IS_BIG(x));
    return x;
}

static void test_dec_size_bound_stops_a_squaring_chain(void **state)
{
    arena a;
    arena_init(&a, NULL);
    /* 1.0000001 has 8 digits over 8: step k has 8 * 2^k.  2^13 * 8 =
     * 65,536 fits DEC_MAX_DIGITS; 2^14 * 8 = 131,072 does not, and must
     * be refused before GMP computes it. */
    dec t = num(&a, "1.0000001");
    for (int k = 1; k <= 13; k++) {
        assert_int_equal(dec_mul(&a, &t, &t, &t), DEC_OK);
    }
    dec r = dec_from_int(5);
    assert_int_equal(dec_mul(&a, &t, &t, &r), DEC_TOO_BIG);
    assert_inline(&r, 5, 1); /* out untouched */
    /* A quotient, a sum and a difference are bounded the same way. */
    dec inv;
    assert_int_equal(dec_div(&a, &t, &t, &inv), DEC_TOO_BIG);
    dec half = num(&a, "0.5");
    assert_int_equal(dec_add(&a, &t, &half, &r), DEC_OK);
    assert_int_equal(dec_sub(&a, &t, &half, &r), DEC_OK);
    arena_free(&a);
}

static void test_dec_size_bound_at_the_edge(void **state)
{
    arena a;
    arena_init(&a, NULL);
    /* Bits of a product are at most the sum of the factors' bits. */
    dec x = big_int(&a, DEC_MAX_DIGITS / 2 - 100), r;
    assert_int_equal(dec_mul(&a, &x, &x, &r), DEC_OK);
    dec y = big_int(&a, DEC_MAX_DIGITS / 2 + 100);
    assert_int_equal(dec_mul(&a, &y, &y, &r), DEC_TOO_BIG);
    assert_int_equal(dec_mul(&a, &x, &y, &r), DEC_OK);
    /* A sum is at most one bit more than its larger part. */
    dec z = big_int(&a, DEC_MAX_DIGITS - 10);
    assert_int_equal(dec_add(&a, &z, &z, &r), DEC_OK);
    /* Parsed numbers may be longer (a policy constant); arithmetic on
     * them is refused, rounding and negation included. */
    dec w = big_int(&a, DEC_MAX_DIGITS + 10);
    dec one = dec_from_int(1);
    assert_int_equal(dec_add(&a, &w, &one, &r), DEC_TOO_BIG);
    assert_int_equal(dec_neg(&a, &w, &r), DEC_TOO_BIG);
    assert_int_equal(dec_round(&a, &w, 2, DEC_HALF_UP, &r), DEC_TOO_BIG);
    arena_free(&a);
}

static void test_dec_size_bound_is_checked_first(void **state)
{
    arena a;
    arena_init(&a, NULL);
    /* Two numbers of 2,000,000 digits: GMP would take seconds and
     * megabytes for their product; the refusal takes neither. */
    dec x = big_int(&a, 2000000), r;
    assert_int_equal(dec_mul(&a, &x, &x, &r), DEC_TOO_BIG);
    assert_int_equal(dec_div(&a, &x, &x, &r), DEC_TOO_BIG);
    arena_free(&a);
}

static void test_dec_big_values_count_against_the_cap(void **state)
{
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    dec t = num(&a, "1.0000001");
    for (int k = 1; k <= 10; k++) {
        assert_int_equal(dec_mul(&a, &t, &t, &t), DEC_OK);
    }
    /* 8,192 digits over 8,192: about 3,400 bytes each, held by GMP and
     * counted in m.live while the arena holds the value. */
    size_t with = m.live;
    arena_reset(&a);
    size_t without = m.live;
    assert_true(with - without >= 6000);
    /* A cap that leaves no room for the limbs: refused, hit_cap set,
     * nothing left counted. */
    t = num(&a, "1.0000001");
    for (int k = 1; k <= 8; k++) {
        assert_int_equal(dec_mul(&a, &t, &t, &t), DEC_OK);
    }
    m.cap = m.live + 100;
    m.hit_cap = false;
    dec r;
    assert_int_equal(dec_mul(&a, &t, &t, &r), DEC_ENOMEM);
    assert_true(m.hit_cap);
    assert_true(m.live <= m.cap);
    m.cap = 0;
    arena_free(&a);
    assert_int_equal(m.live, 0);
}

static void test_dec_big_values_follow_their_arena(void **state)
{
    /* api/program.c compiles with a mem_ctx on its stack, then copies it
     * into the program handle and re-points the program's arena at the
     * copy: a big constant's bytes must be given back to the copy, not
     * to the dead original. */
    mem_ctx first, moved;
    mem_init(&first);
    arena a;
    arena_init(&a, &first);
    dec t = num(&a, "123456789012345678901234567890.5");
    assert_true(DEC_IS_BIG(t));
    moved = first;
    a.mem = &moved;
    size_t before = first.live;
    arena_free(&a);
    assert_int_equal(moved.live, 0);
    assert_int_equal(first.live, before);
}

static void test_dec_cost_grows_with_size(void **state)
{
    arena a;
    arena_init(&a, NULL);
    dec small = big_int(&a, 30), mid = big_int(&a, 3000);
    dec large = big_int(&a, 30000);
    uint64_t cs = dec_cost(&small, &small), cm = dec_cost(&mid, &mid);
    uint64_t cl = dec_cost(&large, &large);
    assert_true(cs >= 1 && cs < 20);
    /* Ten times the digits, at least ten (and at most a hundred) times
     * the cost: pairwise limb products dominate. */
    assert_true(cl >= 10 * cm && cl <= 100 * cm);
    assert_true(dec_cost(&large, NULL) >= cl / 2);
    arena_free(&a);
}

/* ---- agreement with GMP on many random inline operands --------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *g)
{
    /* xorshift64* */
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 2685821657736338717u;
}

/* A random canonical inline dec, magnitudes from tiny to the limits. */
static dec random_dec(rng *g)
{
    static const uint64_t dens[] = {1, 2, 3, 4, 5, 8, 10, 100, 1000, 7, 9,
                                    12, 1000000, 999983};
    uint64_t k = next(g);
    int bits = (int)(k % 64);
    int64_t n = (int64_t)(next(g) >> (63 - bits));
    if (k & 64) {
        n = -n;
    }
    if ((k & 0x300) == 0x300) {
        n = (k & 0x400) ? INT64_MIN : INT64_MAX;
    }
    uint64_t d = dens[(k >> 12) % (sizeof dens / sizeof dens[0])];
    if ((k & 0x1800) == 0x1800) {
        d = next(g) | 1; /* huge odd denominator */
    }
    mpq_t q;
    mpq_init(q);
    mpz_set_si(mpq_numref(q), n);
    mpz_set_ui(mpq_denref(q), d);
    mpq_canonicalize(q);
    dec x;
    x.u.n = mpz_get_si(mpq_numref(q));
    x.d = mpz_get_ui(mpq_denref(q));
    mpq_clear(q);
    return x;
}

static void to_mpq(mpq_t q, const dec *x)
{
    assert_false(DEC_IS_BIG(*x));
    mpz_set_si(mpq_numref(q), x->u.n);
    mpz_set_ui(mpq_denref(q), x->d);
}

/* Parses the integer [z] exactly (inline or big). */
static dec from_mpz(arena *a, mpz_srcptr z)
{
    char *s = mpz_get_str(NULL, 10, z);
    dec x = num(a, s);
    void (*gmp_free)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &gmp_free);
    gmp_free(s, strlen(s) + 1);
    return x;
}

/* Asserts that [x] equals [want] and is canonical: inline exactly when
 * numerator and denominator fit. */
static void assert_equals_mpq(arena *a, const dec *x, mpq_srcptr want)
{
    bool fits = mpz_fits_slong_p(mpq_numref(want)) &&
                mpz_fits_ulong_p(mpq_denref(want));
    assert_int_equal(DEC_IS_BIG(*x), !fits);
    if (fits) {
        assert_true(x->u.n == mpz_get_si(mpq_numref(want)));
        assert_true(x->d == mpz_get_ui(mpq_denref(want)));
        return;
    }
    /* x = N/D exactly iff x * D = N. */
    dec n = from_mpz(a, mpq_numref(want)), d = from_mpz(a, mpq_denref(want));
    dec xd;
    assert_int_equal(dec_mul(a, x, &d, &xd), DEC_OK);
    assert_int_equal(dec_cmp(&xd, &n), 0);
}

static void test_dec_ops_match_gmp(void **state)
{
    rng g = {0x9E3779B97F4A7C15u};
    arena a;
    arena_init(&a, NULL);
    mpq_t qx, qy, want, qcarry;
    mpq_init(qx);
    mpq_init(qy);
    mpq_init(want);
    mpq_init(qcarry);
    dec carry = dec_from_int(0);
    bool has_carry = false;
    int bigs = 0, inlines = 0, big_inputs = 0;
    for (int i = 0; i < 200000; i++) {
        dec x = random_dec(&g), y = random_dec(&g), r;
        to_mpq(qx, &x);
        to_mpq(qy, &y);
        uint64_t k = next(&g);
        if (has_carry && (k & 4)) {
            /* Feed an earlier result back in, big or inline. */
            x = carry;
            mpq_set(qx, qcarry);
            big_inputs += DEC_IS_BIG(x);
        }
        dec_status st;
        switch (k % 4) {
        case 0:
            st = dec_add(&a, &x, &y, &r);
            mpq_add(want, qx, qy);
            break;
        case 1:
            st = dec_sub(&a, &x, &y, &r);
            mpq_sub(want, qx, qy);
            break;
        case 2:
            st = dec_mul(&a, &x, &y, &r);
            mpq_mul(want, qx, qy);
            break;
        default:
            st = dec_div(&a, &x, &y, &r);
            if (mpq_sgn(qy) == 0) {
                assert_int_equal(st, DEC_DIV_ZERO);
                continue;
            }
            mpq_div(want, qx, qy);
            break;
        }
        assert_int_equal(st, DEC_OK);
        assert_equals_mpq(&a, &r, want);
        int c = mpq_cmp(want, qx);
        assert_int_equal(dec_cmp(&r, &x), (c > 0) - (c < 0));
        c = mpq_cmp(want, qy);
        assert_int_equal(dec_cmp(&y, &r), (c < 0) - (c > 0));
        assert_int_equal(dec_sign(&r), mpq_sgn(want));
        bigs += DEC_IS_BIG(r);
        inlines += !DEC_IS_BIG(r);
        carry = r;
        mpq_set(qcarry, want);
        has_carry = true;
        if ((i & 1023) == 1023) {
            arena_reset(&a); /* carry would dangle */
            has_carry = false;
        }
    }
    /* The generator must exercise both paths, or this test proves little. */
    assert_true(bigs > 10000);
    assert_true(inlines > 10000);
    assert_true(big_inputs > 10000);
    mpq_clear(qx);
    mpq_clear(qy);
    mpq_clear(want);
    mpq_clear(qcarry);
    arena_free(&a);
}

/* Reference rounding, phrased differently from decimal.c: through floor
 * and ceiling of x * 10^places rather than magnitude and remainder. */
static void reference_round(mpq_t out, mpq_srcptr x, int places,
                            dec_round_mode mode)
{
    mpq_t s, half, diff;
    mpz_t fl, ce, scale;
    mpq_inits(s, half, diff, NULL);
    mpz_inits(fl, ce, scale, NULL);
    mpz_ui_pow_ui(scale, 10, (unsigned long)places);
    mpq_set_z(s, scale);
    mpq_mul(s, s, x);
    mpz_fdiv_q(fl, mpq_numref(s), mpq_denref(s));
    mpz_cdiv_q(ce, mpq_numref(s), mpq_denref(s));
    bool neg = mpq_sgn(s) < 0;
    mpz_srcptr toward0 = neg ? ce : fl, away = neg ? fl : ce;
    mpq_set_z(diff, fl);
    mpq_sub(diff, s, diff); /* s - floor(s), in [0, 1) */
    mpq_set_ui(half, 1, 2);
    int c = mpq_cmp(diff, half);
    mpz_srcptr pick = NULL;
    switch (mode) {
    case DEC_UP: pick = away; break;
    case DEC_DOWN: pick = toward0; break;
    case DEC_CEILING: pick = ce; break;
    case DEC_FLOOR: pick = fl; break;
    case DEC_HALF_UP: pick = c < 0 ? fl : c > 0 ? ce : away; break;
    case DEC_HALF_DOWN: pick = c < 0 ? fl : c > 0 ? ce : toward0; break;
    case DEC_HALF_EVEN:
        pick = c < 0 ? fl : c > 0 ? ce : mpz_even_p(fl) ? fl : ce;
        break;
    case DEC_ROUND_MODE_COUNT: fail();
    }
    mpq_set_num(out, pick);
    mpq_set_den(out, scale);
    mpq_canonicalize(out);
    mpq_clears(s, half, diff, NULL);
    mpz_clears(fl, ce, scale, NULL);
}

static void test_dec_round_matches_reference(void **state)
{
    rng g = {0xD1B54A32D192ED03u};
    arena a;
    arena_init(&a, NULL);
    mpq_t qx, want;
    mpq_init(qx);
    mpq_init(want);
    int changed = 0;
    for (int i = 0; i < 100000; i++) {
        dec x = random_dec(&g), r;
        to_mpq(qx, &x);
        if (i & 1) {
            /* Half of the inputs big: x * 10^25 / 7 and the like. */
            dec f = num(&a, "10000000000000000000000000.5");
            assert_int_equal(dec_mul(&a, &x, &f, &x), DEC_OK);
            mpq_t qf;
            mpq_init(qf);
            mpq_set_str(qf, "20000000000000000000000001/2", 10);
            mpq_mul(qx, qx, qf);
            mpq_clear(qf);
        }
        uint64_t k = next(&g);
        int places = (int)(k % 31);
        dec_round_mode mode = (dec_round_mode)((k >> 8) % DEC_ROUND_MODE_COUNT);
        assert_int_equal(dec_round(&a, &x, places, mode, &r), DEC_OK);
        reference_round(want, qx, places, mode);
        assert_equals_mpq(&a, &r, want);
        changed += dec_cmp(&r, &x) != 0;
        if ((i & 1023) == 1023) {
            arena_reset(&a);
        }
    }
    assert_true(changed > 10000);
    mpq_clear(qx);
    mpq_clear(want);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dec_parse_accepts),
        cmocka_unit_test(test_dec_parse_rejects),
        cmocka_unit_test(test_dec_add_sub_exact),
        cmocka_unit_test(test_dec_mul_div_exact),
        cmocka_unit_test(test_dec_div_by_zero),
        cmocka_unit_test(test_dec_rule9_example),
        cmocka_unit_test(test_dec_overflow_to_big_and_back),
        cmocka_unit_test(test_dec_neg_int64_min),
        cmocka_unit_test(test_dec_round_all_modes),
        cmocka_unit_test(test_dec_round_edges),
        cmocka_unit_test(test_dec_format_fixed_places),
        cmocka_unit_test(test_dec_format_money),
        cmocka_unit_test(test_dec_format_shortest),
        cmocka_unit_test(test_dec_cmp_across_representations),
        cmocka_unit_test(test_dec_to_int_range),
        cmocka_unit_test(test_dec_sign_and_integer),
        cmocka_unit_test(test_dec_round_mode_names),
        cmocka_unit_test(test_dec_out_of_memory),
        cmocka_unit_test(test_dec_size_bound_stops_a_squaring_chain),
        cmocka_unit_test(test_dec_size_bound_at_the_edge),
        cmocka_unit_test(test_dec_size_bound_is_checked_first),
        cmocka_unit_test(test_dec_big_values_count_against_the_cap),
        cmocka_unit_test(test_dec_cost_grows_with_size),
        cmocka_unit_test(test_dec_big_values_follow_their_arena),
        cmocka_unit_test(test_dec_ops_match_gmp),
        cmocka_unit_test(test_dec_round_matches_reference),
    };
    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
