/* tests/unit/runtime/test_date.c - unit tests for runtime/date.c.
 *
 * Expected day counts and instants were computed independently (Python's
 * datetime); the round-trip tests then walk every day over several
 * thousand years and check each against its neighbour, so an error in
 * either conversion direction cannot hide behind the other.  The working-
 * day calendar is checked day by day against the JSON it was generated
 * from (read here with a plain scan, not the generator), and the POSIX
 * rule of the Europe/London TZif file against its own transition table.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"

#include <stdio.h>
#include <stdlib.h>

static void assert_date_fmt(int64_t days, const char *want)
{
    strbuf b;
    sb_init(&b, NULL);
    date_format(days, &b);
    assert_false(b.failed);
    assert_string_equal(b.p, want);
    sb_free(&b);
}

static void assert_instant_fmt(const date_instant *t, const char *want)
{
    strbuf b;
    sb_init(&b, NULL);
    date_instant_format(t, &b);
    assert_false(b.failed);
    assert_string_equal(b.p, want);
    sb_free(&b);
}

static date_instant instant(const char *s)
{
    date_instant t;
    assert_true(date_instant_parse(s, strlen(s), &t));
    return t;
}

static void test_date_parse_valid(void **state)
{
    static const struct {
        const char *s;
        int64_t days;
    } cases[] = {
        {"1970-01-01", 0},      {"1970-01-02", 1},
        {"1969-12-31", -1},     {"1969-12-28", -4},
        {"2000-03-01", 11017},  {"2024-02-29", 19782},
        {"2026-03-01", 20513},  {"2026-04-02", 20545},
        {"1900-03-01", -25508}, {"0001-01-01", -719162},
        {"9999-12-31", 2932896},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t d = 12345;
        assert_true(date_parse(cases[i].s, strlen(cases[i].s), &d));
        assert_int_equal(d, cases[i].days);
        assert_date_fmt(d, cases[i].s);
    }
}

static void test_date_parse_invalid(void **state)
{
    static const char *const bad[] = {
        "2026-02-30", "2026-13-01", "2025-02-29", "1900-02-29",
        "2026-00-10", "2026-01-00", "2026-04-31", "2026-01-32",
        "0000-01-01", "2026-4-02",  "2026-04-2",  "2026/04/02",
        "2026-04-02 ", " 2026-04-02", "20260402", "2026-04-0a",
        "+026-04-02", "-001-01-01", "",           "2026-04-02T00:00:00Z",
        "10000-01-01", "2026-1a-01", "2026--4-02", "2026-04-+2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t d = 12345;
        if (date_parse(bad[i], strlen(bad[i]), &d)) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    }
    int64_t d;
    /* The length decides, not a NUL. */
    assert_false(date_parse("2026-04-02", 9, &d));
    assert_true(date_parse("2026-04-02xyz", 10, &d));
    assert_int_equal(d, 20545);
}

static void test_date_leap_years(void **state)
{
    static const struct {
        int y;
        bool leap;
    } cases[] = {
        {2024, true},  {2025, false}, {2000, true}, {1900, false},
        {2100, false}, {2400, true},  {1600, true}, {4, true},
        {1, false},    {0, true},     {-4, true},   {-100, false},
        {-400, true},  {9996, true},  {1996, true}, {1997, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t feb29, mar1, feb28;
        assert_int_equal(date_from_ymd(cases[i].y, 2, 29, &feb29),
                         cases[i].leap);
        assert_true(date_from_ymd(cases[i].y, 2, 28, &feb28));
        assert_true(date_from_ymd(cases[i].y, 3, 1, &mar1));
        assert_int_equal(mar1 - feb28, cases[i].leap ? 2 : 1);
        int64_t jan1, next;
        assert_true(date_from_ymd(cases[i].y, 1, 1, &jan1));
        assert_true(date_from_ymd(cases[i].y + 1, 1, 1, &next));
        assert_int_equal(next - jan1, cases[i].leap ? 366 : 365);
    }
    int64_t d;
    assert_false(date_from_ymd(2024, 2, 30, &d));
    assert_false(date_from_ymd(2024, 0, 1, &d));
    assert_false(date_from_ymd(2024, 13, 1, &d));
    assert_false(date_from_ymd(2024, 6, 31, &d));
    assert_false(date_from_ymd(2024, 6, 0, &d));
    assert_false(date_from_ymd(2024, 6, -1, &d));
}

static void test_date_round_trip_days(void **state)
{
    /* Every day from 2 BCE-ish to 7000 CE: to_ymd then from_ymd is the
     * identity, and consecutive days are consecutive calendar days. */
    int py, pm, pd;
    date_to_ymd(-720000 - 1, &py, &pm, &pd);
    for (int64_t days = -720000; days <= 1900000; days++) {
        int y, m, d;
        date_to_ymd(days, &y, &m, &d);
        int64_t back;
        assert_true(date_from_ymd(y, m, d, &back));
        assert_int_equal(back, days);
        if (d == pd + 1) {
            assert_true(y == py && m == pm);
        } else {
            assert_int_equal(d, 1);
            assert_true((y == py && m == pm + 1) ||
                        (y == py + 1 && m == 1 && pm == 12 && pd == 31));
        }
        py = y;
        pm = m;
        pd = d;
    }
    /* Far from the epoch, in both directions. */
    static const int years[] = {-1000000, -99999, -1, 0, 1, 99999, 1000000,
                                2000000000, -2000000000};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        for (int m = 1; m <= 12; m++) {
            int64_t days;
            assert_true(date_from_ymd(years[i], m, m == 2 ? 28 : 30, &days));
            int y, mm, d;
            date_to_ymd(days, &y, &mm, &d);
            assert_int_equal(y, years[i]);
            assert_int_equal(mm, m);
            assert_int_equal(d, m == 2 ? 28 : 30);
        }
    }
    /* 400 years are exactly 146097 days, wherever they start. */
    int64_t a, b;
    assert_true(date_from_ymd(-123456, 7, 14, &a));
    assert_true(date_from_ymd(-123056, 7, 14, &b));
    assert_int_equal(b - a, 146097);
}

static void test_date_format_years(void **state)
{
    assert_date_fmt(0, "1970-01-01");
    assert_date_fmt(-719528, "0000-01-01");
    assert_date_fmt(-719529, "-0001-12-31");
    assert_date_fmt(2932897, "+10000-01-01");
    strbuf b;
    sb_init(&b, NULL);
    /* The extremes of int64 format without overflow. */
    date_format(INT64_MAX, &b);
    date_format(INT64_MIN, &b);
    assert_false(b.failed);
    assert_non_null(strstr(b.p, "+25252734927768524-07-27"));
    assert_non_null(strstr(b.p, "-25252734927764585-06-07"));
    sb_free(&b);
}

static void test_date_weekday(void **state)
{
    static const struct {
        const char *s;
        int wd;
    } cases[] = {
        {"1970-01-01", 4}, {"1969-12-28", 7}, {"1969-12-29", 1},
        {"2024-02-29", 4}, {"2026-04-02", 4}, {"2026-04-05", 7},
        {"2026-04-06", 1}, {"0001-01-01", 1}, {"9999-12-31", 5},
        {"2000-03-01", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t d;
        assert_true(date_parse(cases[i].s, strlen(cases[i].s), &d));
        assert_int_equal(date_weekday(d), cases[i].wd);
    }
    assert_int_equal(date_weekday(INT64_MIN), date_weekday(INT64_MIN + 7));
    for (int64_t d = -30; d < 30; d++) {
        assert_int_equal(date_weekday(d + 1), date_weekday(d) % 7 + 1);
    }
}

static void test_date_instant_parse_offsets(void **state)
{
    date_instant a = instant("2026-04-02T12:31:59.5+01:00");
    date_instant b = instant("2026-04-02T11:31:59.5Z");
    assert_int_equal(date_instant_cmp(&a, &b), 0);
    assert_int_equal(a.sec, 1775129519);
    assert_int_equal(a.nsec, 500000000);
    b = instant("2026-04-02t11:31:59.500z");
    assert_int_equal(date_instant_cmp(&a, &b), 0);

    static const struct {
        const char *s;
        int64_t sec;
        int32_t nsec;
    } cases[] = {
        {"2026-04-02T11:31:59Z", 1775129519, 0},
        {"2026-01-01T00:30:00+01:00", 1767223800, 0},
        {"2026-04-01T23:30:00-05:30", 1775106000, 0},
        {"2026-04-02T11:31:59-00:00", 1775129519, 0},
        {"1969-12-31T23:59:59Z", -1, 0},
        {"1969-12-31T23:59:59.999999999Z", -1, 999999999},
        {"0001-01-01T00:00:00Z", -62135596800, 0},
        {"0001-01-01T00:00:00+23:59", -62135596800 - 86340, 0},
        {"9999-12-31T23:59:59Z", 253402300799, 0},
        {"9999-12-31T23:59:59-23:59", 253402300799 + 86340, 0},
        {"2026-04-02T11:31:59.1Z", 1775129519, 100000000},
        {"2026-04-02T11:31:59.12Z", 1775129519, 120000000},
        {"2026-04-02T11:31:59.123456789Z", 1775129519, 123456789},
        {"2026-04-02T11:31:59.000000001Z", 1775129519, 1},
        {"2026-04-02T11:31:59.000000000Z", 1775129519, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        date_instant t = instant(cases[i].s);
        assert_int_equal(t.sec, cases[i].sec);
        assert_int_equal(t.nsec, cases[i].nsec);
    }
}

/* The offset is kept as written: Z, a signed offset in minutes, or
 * RFC 3339's "-00:00" (offset unknown), distinct from "+00:00". */
static void test_date_instant_parse_keeps_offset(void **state)
{
    static const struct {
        const char *s;
        int off;
        date_zone zone;
    } cases[] = {
        {"2026-04-02T11:31:59Z", 0, DATE_ZONE_Z},
        {"2026-04-02T11:31:59z", 0, DATE_ZONE_Z},
        {"2026-04-02T12:31:59+01:00", 60, DATE_ZONE_OFFSET},
        {"2026-04-01T23:30:00-05:30", -330, DATE_ZONE_OFFSET},
        {"2026-04-02T11:31:59+00:00", 0, DATE_ZONE_OFFSET},
        {"2026-04-02T11:31:59-00:00", 0, DATE_ZONE_UNKNOWN},
        {"2026-04-02T11:31:59+23:59", 1439, DATE_ZONE_OFFSET},
        {"2026-04-02T11:31:59-23:59", -1439, DATE_ZONE_OFFSET},
        {"2026-04-02T11:31:59-00:01", -1, DATE_ZONE_OFFSET},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        date_instant t = instant(cases[i].s);
        assert_int_equal(t.off, cases[i].off);
        assert_int_equal(t.zone, cases[i].zone);
        assert_int_equal(t.pad, 0);
        assert_true(date_instant_zone_ok(&t));
    }
}

static void test_date_instant_zone_ok(void **state)
{
    date_instant t = {0, 0, 0, DATE_ZONE_Z, 0};
    assert_true(date_instant_zone_ok(&t));
    t.off = 60;
    assert_false(date_instant_zone_ok(&t)); /* Z with an offset */
    t.zone = DATE_ZONE_UNKNOWN;
    assert_false(date_instant_zone_ok(&t));
    t.zone = DATE_ZONE_OFFSET;
    assert_true(date_instant_zone_ok(&t));
    t.off = DATE_MAX_OFF_MIN + 1;
    assert_false(date_instant_zone_ok(&t));
    t.off = -DATE_MAX_OFF_MIN - 1;
    assert_false(date_instant_zone_ok(&t));
    t.off = -DATE_MAX_OFF_MIN;
    assert_true(date_instant_zone_ok(&t));
    t.off = 0;
    t.zone = DATE_ZONE_COUNT;
    assert_false(date_instant_zone_ok(&t));
}

static void test_date_instant_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "2026-04-02 11:32:00Z",         /* space for T */
        "2026-04-02T11:32:00",          /* no offset */
        "2026-04-02T11:32:00.1234567890Z", /* 10 fraction digits */
        "2026-04-02T24:00:00Z",         /* hour 24 */
        "2026-04-02T11:60:00Z",         /* minute 60 */
        "2026-04-02T11:32:60Z",         /* leap second */
        "2026-04-02T11:32:00.Z",        /* point without digits */
        "2026-04-02T11:32Z",            /* no seconds */
        "2026-04-02T11:32:00+1:00",     /* short offset hour */
        "2026-04-02T11:32:00+01:60",    /* offset minute */
        "2026-04-02T11:32:00+24:00",    /* offset hour */
        "2026-04-02T11:32:00+0100",     /* offset without colon */
        "2026-04-02T11:32:00+01",       /* offset without minutes */
        "2026-04-02T11:32:00+01:00:00", /* offset with seconds */
        "2026-04-02T11:32:00ZZ",        /* trailing */
        "2026-04-02T11:32:00Z ",        /* trailing space */
        "2026-04-02T11:32:00UTC",       /* zone name */
        "2026-02-30T11:32:00Z",         /* no such day */
        "2026-04-02X11:32:00Z",         /* separator */
        "2026-04-02T11-32-00Z",         /* separators */
        "2026-04-02T1a:32:00Z",         /* digit */
        "2026-04-02T11:32:00,5Z",       /* comma fraction */
        "2026-04-02",                   /* date only */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        date_instant t;
        if (date_instant_parse(bad[i], strlen(bad[i]), &t)) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    }
    date_instant t;
    assert_false(date_instant_parse("2026-04-02T11:32:00Z", 19, &t));
    assert_true(date_instant_parse("2026-04-02T11:32:00Z...", 20, &t));
}

static void test_date_instant_format(void **state)
{
    /* Written back in the offset it came with. */
    date_instant t = instant("2026-04-02T12:31:59.5+01:00");
    assert_instant_fmt(&t, "2026-04-02T12:31:59.5+01:00");
    t = instant("2026-04-01T23:30:00.000-05:30");
    assert_instant_fmt(&t, "2026-04-01T23:30:00-05:30");
    t = instant("2026-04-02T11:31:59-00:00");
    assert_instant_fmt(&t, "2026-04-02T11:31:59-00:00");
    t = instant("2026-04-02T11:31:59+00:00");
    assert_instant_fmt(&t, "2026-04-02T11:31:59+00:00");
    t = instant("0001-01-01T00:00:00+23:59");
    assert_instant_fmt(&t, "0001-01-01T00:00:00+23:59");
    t = instant("9999-12-31T23:59:59-23:59");
    assert_instant_fmt(&t, "9999-12-31T23:59:59-23:59");
    /* The same instant, made UTC, is written in UTC. */
    t.off = 0;
    t.zone = DATE_ZONE_Z;
    assert_instant_fmt(&t, "+10000-01-01T23:58:59Z");
    t = instant("2026-04-02T11:31:59.120000000Z");
    assert_instant_fmt(&t, "2026-04-02T11:31:59.12Z");
    t = instant("2026-04-02T11:31:59.000000001Z");
    assert_instant_fmt(&t, "2026-04-02T11:31:59.000000001Z");
    t = instant("2026-04-02T11:31:59.000Z");
    assert_instant_fmt(&t, "2026-04-02T11:31:59Z");
    t = instant("2026-01-01T00:30:00+01:00");
    assert_instant_fmt(&t, "2026-01-01T00:30:00+01:00");
    t.off = 0;
    t.zone = DATE_ZONE_Z;
    assert_instant_fmt(&t, "2025-12-31T23:30:00Z");
    date_instant raw = {.sec = -1, .nsec = 0};
    assert_instant_fmt(&raw, "1969-12-31T23:59:59Z");
    raw = (date_instant){.sec = -86400, .nsec = 250000000};
    assert_instant_fmt(&raw, "1969-12-31T00:00:00.25Z");
    raw = (date_instant){.sec = 0, .nsec = 0};
    assert_instant_fmt(&raw, "1970-01-01T00:00:00Z");
    raw = (date_instant){.sec = -62135596800 - 1, .nsec = 0};
    assert_instant_fmt(&raw, "0000-12-31T23:59:59Z");
    /* The extremes of int64 seconds format without overflow. */
    raw = (date_instant){.sec = INT64_MAX, .nsec = 999999999};
    assert_instant_fmt(&raw, "+292277026596-12-04T15:30:07.999999999Z");
    raw = (date_instant){.sec = INT64_MIN, .nsec = 0};
    assert_instant_fmt(&raw, "-292277022657-01-27T08:29:52Z");
}

static void test_date_instant_cmp_order(void **state)
{
    static const char *const sorted[] = {
        "1969-12-31T23:59:59.999999999Z",
        "1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00.000000001Z",
        "2026-04-02T12:31:59.4+01:00",
        "2026-04-02T11:31:59.5Z",
        "2026-04-02T11:31:59.6Z",
        "2026-04-02T06:31:59.6-05:00",
        "2026-04-02T11:32:00Z",
    };
    size_t n = sizeof sorted / sizeof sorted[0];
    for (size_t i = 0; i < n; i++) {
        date_instant a = instant(sorted[i]);
        for (size_t j = 0; j < n; j++) {
            date_instant b = instant(sorted[j]);
            int c = date_instant_cmp(&a, &b);
            /* entries 5 and 6 are the same instant */
            bool same = i == j || (i == 5 && j == 6) || (i == 6 && j == 5);
            if (same) {
                assert_int_equal(c, 0);
            } else if (i < j) {
                assert_true(c < 0);
            } else {
                assert_true(c > 0);
            }
        }
    }
    date_instant x = {.sec = INT64_MIN}, y = {.sec = INT64_MAX};
    assert_true(date_instant_cmp(&x, &y) < 0);
    assert_true(date_instant_cmp(&y, &x) > 0);
}

static int64_t day_of(const char *s)
{
    int64_t d;
    assert_true(date_parse(s, strlen(s), &d));
    return d;
}

static void assert_day(int64_t d, const char *want)
{
    assert_date_fmt(d, want);
}

static void test_date_add_months_keeps_the_day(void **state)
{
    (void)state;
    int64_t r;
    int y = 0, m = 0;
    assert_int_equal(date_add_months(day_of("2026-01-15"), 1, DATE_MONTH_EXACT,
                                     &r, &y, &m), DATE_OK);
    assert_day(r, "2026-02-15");
    assert_int_equal(date_add_months(day_of("2026-01-15"), -13,
                                     DATE_MONTH_EXACT, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2024-12-15");
    assert_int_equal(date_add_months(day_of("2024-02-29"), 48,
                                     DATE_MONTH_EXACT, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2028-02-29");
    assert_int_equal(date_add_months(day_of("2026-12-31"), 0,
                                     DATE_MONTH_EXACT, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2026-12-31");
}

static void test_date_add_months_missing_day(void **state)
{
    (void)state;
    int64_t r = 7;
    int y = 0, m = 0;
    assert_int_equal(date_add_months(day_of("2026-01-31"), 1, DATE_MONTH_EXACT,
                                     &r, &y, &m), DATE_NO_SUCH_DAY);
    assert_int_equal(r, 7); /* untouched */
    assert_int_equal(y, 2026);
    assert_int_equal(m, 2);
    assert_int_equal(date_add_months(day_of("2026-01-31"), 1,
                                     DATE_MONTH_EARLIER, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2026-02-28");
    assert_int_equal(date_add_months(day_of("2026-01-31"), 1, DATE_MONTH_LATER,
                                     &r, NULL, NULL), DATE_OK);
    assert_day(r, "2026-03-01");
    assert_int_equal(date_add_months(day_of("2024-01-30"), 1, DATE_MONTH_LATER,
                                     &r, NULL, NULL), DATE_OK);
    assert_day(r, "2024-03-01");
    assert_int_equal(date_add_months(day_of("2026-05-31"), -1,
                                     DATE_MONTH_EARLIER, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2026-04-30");
    assert_int_equal(date_add_months(day_of("2024-02-29"), -12,
                                     DATE_MONTH_LATER, &r, NULL, NULL), DATE_OK);
    assert_day(r, "2023-03-01");
    /* Every day of ten years plus every month count up to 30 either way:
     * the result is the same day of the month, or the rule applied. */
    for (int64_t d = day_of("2020-01-01"); d < day_of("2030-01-01"); d++) {
        int yy, mm, dd;
        date_to_ymd(d, &yy, &mm, &dd);
        for (int64_t k = -30; k <= 30; k++) {
            int64_t e, l;
            date_status se =
                date_add_months(d, k, DATE_MONTH_EARLIER, &e, NULL, NULL);
            date_status sl =
                date_add_months(d, k, DATE_MONTH_LATER, &l, NULL, NULL);
            assert_int_equal(se, DATE_OK);
            assert_int_equal(sl, DATE_OK);
            int ey, em, ed;
            date_to_ymd(e, &ey, &em, &ed);
            assert_int_equal((ey * 12 + em) - (yy * 12 + mm), k);
            assert_true(ed <= dd);
            assert_true(e == l || l == e + 1);
        }
    }
}

static void test_date_add_months_out_of_range(void **state)
{
    (void)state;
    int64_t r;
    assert_int_equal(date_add_months(day_of("9999-12-01"), 1, DATE_MONTH_EXACT,
                                     &r, NULL, NULL), DATE_OUT_OF_RANGE);
    assert_int_equal(date_add_months(day_of("0001-01-31"), -1,
                                     DATE_MONTH_EXACT, &r, NULL, NULL),
                     DATE_OUT_OF_RANGE);
    assert_int_equal(date_add_months(day_of("9999-11-30"), 0, DATE_MONTH_LATER,
                                     &r, NULL, NULL), DATE_OK);
    assert_int_equal(date_add_months(day_of("2026-01-01"), INT64_MAX,
                                     DATE_MONTH_EXACT, &r, NULL, NULL),
                     DATE_OUT_OF_RANGE);
    assert_int_equal(date_add_months(day_of("2026-01-01"), INT64_MIN + 1,
                                     DATE_MONTH_EXACT, &r, NULL, NULL),
                     DATE_OUT_OF_RANGE);
    assert_int_equal(date_add_months(INT64_MAX, 1, DATE_MONTH_EXACT, &r, NULL,
                                     NULL), DATE_OUT_OF_RANGE);
}

/* The repository's copy of the GOV.UK data, read with a plain scan for
 * "date": "YYYY-MM-DD" (every date in the file is a holiday's). */
static size_t read_json_holidays(int64_t *out, size_t cap)
{
    FILE *f = fopen("stdlib/calendars/uk-bank-holidays.json", "rb");
    if (!f) {
        return 0;
    }
    static char buf[1 << 18];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    size_t n = 0;
    for (const char *p = buf; (p = strstr(p, "\"date\": \"")) != NULL; p++) {
        int64_t d;
        assert_true(date_parse(p + 9, 10, &d));
        assert_true(n < cap);
        out[n++] = d;
    }
    return n;
}

static void test_date_calendar_matches_its_source(void **state)
{
    (void)state;
    static int64_t hol[1024];
    size_t n = read_json_holidays(hol, 1024);
    if (n == 0) {
        skip(); /* run from elsewhere than the repository root */
    }
    assert_true(n > 250); /* three divisions, ten years */
    assert_int_equal(date_uk_first(), day_of("2019-01-01"));
    assert_int_equal(date_uk_last(), day_of("2028-12-31"));
    for (int64_t d = date_uk_first(); d <= date_uk_last(); d++) {
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++) {
            listed = hol[i] == d;
        }
        bool w;
        assert_int_equal(date_is_working(d, NULL, &w), DATE_OK);
        if (w != (date_weekday(d) <= 5 && !listed)) {
            strbuf b;
            sb_init(&b, NULL);
            date_format(d, &b);
            print_error("%s: working %d\n", b.p, w);
            sb_free(&b);
            fail();
        }
    }
}

static void test_date_calendar_is_the_union(void **state)
{
    (void)state;
    /* procurement-facts §6.2: days off in one part of the UK only. */
    static const char *const regional[] = {
        "2025-01-02", "2025-03-17", "2025-07-14", "2025-08-04", "2025-12-01",
        "2026-01-02", "2026-03-17", "2026-06-15", "2026-07-13", "2026-08-03",
        "2026-11-30", "2027-01-04", "2027-03-17", "2027-07-12", "2027-08-02",
        "2027-11-30",
    };
    for (size_t i = 0; i < sizeof regional / sizeof regional[0]; i++) {
        bool w = true;
        assert_int_equal(date_is_working(day_of(regional[i]), NULL, &w),
                         DATE_OK);
        assert_false(w);
    }
    bool w = false;
    assert_int_equal(date_is_working(day_of("2026-12-01"), NULL, &w), DATE_OK);
    assert_true(w);
    assert_int_equal(date_is_working(day_of("2026-04-06"), NULL, &w), DATE_OK);
    assert_false(w); /* Easter Monday: not Scotland's, but E&W's and NI's */
    assert_int_equal(date_is_working(day_of("2018-12-31"), NULL, &w),
                     DATE_NO_CALENDAR);
    assert_int_equal(date_is_working(day_of("2029-01-01"), NULL, &w),
                     DATE_NO_CALENDAR);
    assert_int_equal(date_is_working(day_of("2029-01-06"), NULL, &w),
                     DATE_NO_CALENDAR); /* a Saturday, still refused */
    int64_t extra_days[] = {day_of("2026-12-01")};
    date_extra ex = {extra_days, 1};
    assert_int_equal(date_is_working(day_of("2026-12-01"), &ex, &w), DATE_OK);
    assert_false(w);
}

static void test_date_working_days_standstill(void **state)
{
    (void)state;
    static const struct {
        const char *published, *ends;
    } cases[] = {
        {"2026-12-22", "2027-01-06"}, /* Christmas, Boxing Day, 1 and 4 Jan */
        {"2026-11-24", "2026-12-04"}, /* St Andrew's Day */
        {"2025-12-29", "2026-01-09"}, /* 1 and 2 January */
        {"2026-03-16", "2026-03-26"}, /* St Patrick's Day */
        {"2026-12-25", "2027-01-11"}, /* published on a holiday */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t r, bad;
        uint64_t steps = 0;
        /* "8 working days beginning with d" = day d - 1 plus 8. */
        assert_int_equal(date_add_working(day_of(cases[i].published) - 1, 8,
                                          NULL, &r, &bad, &steps), DATE_OK);
        assert_day(r, cases[i].ends);
        assert_true(steps >= 8 && steps < 30);
    }
}

static void test_date_working_days_walks(void **state)
{
    (void)state;
    int64_t r = 0, bad = 0, n = 0;
    uint64_t steps = 0;
    int64_t fri = day_of("2026-08-28");
    assert_int_equal(date_add_working(fri, 0, NULL, &r, &bad, &steps), DATE_OK);
    assert_int_equal(r, fri);
    assert_int_equal(steps, 0);
    assert_int_equal(date_add_working(fri, 1, NULL, &r, &bad, NULL), DATE_OK);
    assert_day(r, "2026-09-01"); /* over the weekend and 31 August */
    assert_int_equal(date_add_working(day_of("2026-09-01"), -1, NULL, &r, &bad,
                                      NULL), DATE_OK);
    assert_day(r, "2026-08-28");
    /* A count past the calendar ends at its edge, whatever its size. */
    assert_int_equal(date_add_working(fri, INT64_MAX, NULL, &r, &bad, &steps),
                     DATE_NO_CALENDAR);
    assert_day(bad, "2029-01-01");
    assert_true(steps < 3000);
    assert_int_equal(date_add_working(fri, INT64_MIN, NULL, &r, &bad, &steps),
                     DATE_NO_CALENDAR);
    assert_day(bad, "2018-12-31");
    /* working_days_between inverts + working days, both ways. */
    for (int64_t d = day_of("2019-01-01"); d < day_of("2028-11-01"); d += 3) {
        for (int64_t k = -20; k <= 20; k += 7) {
            if (date_add_working(d, k, NULL, &r, &bad, NULL) != DATE_OK) {
                continue; /* before the calendar's first day */
            }
            assert_int_equal(date_working_between(d, r, NULL, &n, &bad, NULL),
                             DATE_OK);
            assert_int_equal(n, k);
        }
    }
    assert_int_equal(date_working_between(day_of("2026-01-01"),
                                          day_of("2030-01-01"), NULL, &n, &bad,
                                          NULL), DATE_NO_CALENDAR);
    assert_day(bad, "2030-01-01");
    assert_int_equal(date_working_between(day_of("2030-01-01"),
                                          day_of("2030-01-01"), NULL, &n, &bad,
                                          NULL), DATE_OK);
    assert_int_equal(n, 0);
}

/* Reads the system's Europe/London TZif file; NULL (the test skips) when
 * the time-zone database is not installed. */
static uint8_t *read_london(size_t *len)
{
    FILE *f = fopen("/usr/share/zoneinfo/Europe/London", "rb");
    if (!f) {
        return NULL;
    }
    uint8_t *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void test_date_tz_london_clock_changes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = read_london(&len);
    if (!buf) {
        skip();
    }
    static date_tz tz;
    assert_true(date_tz_parse(buf, len, &tz));
    free(buf);
    static const struct {
        const char *t;
        int32_t off;
    } cases[] = {
        {"2026-03-29T00:59:59Z", 0},    {"2026-03-29T01:00:00Z", 3600},
        {"2026-10-25T00:59:59Z", 3600}, {"2026-10-25T01:00:00Z", 0},
        {"2026-07-01T23:30:00Z", 3600}, {"2026-12-01T23:30:00Z", 0},
        {"1970-06-01T00:00:00Z", 3600}, /* British Standard Time, 1968-71 */
        {"2045-03-26T00:59:59Z", 0},    {"2045-03-26T01:00:00Z", 3600},
        {"2045-10-29T00:59:59Z", 3600}, {"2045-10-29T01:00:00Z", 0},
        {"9999-07-01T00:00:00Z", 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        date_instant t = instant(cases[i].t);
        if (date_tz_offset(&tz, &t) != cases[i].off) {
            print_error("%s: offset %d, expected %d\n", cases[i].t,
                        (int)date_tz_offset(&tz, &t), (int)cases[i].off);
            fail();
        }
    }
}

/* The footer rule, used past the last transition, agrees with the
 * transition table hour by hour over the years the table lists. */
static void test_date_tz_rule_matches_table(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = read_london(&len);
    if (!buf) {
        skip();
    }
    static date_tz full, cut;
    assert_true(date_tz_parse(buf, len, &full));
    free(buf);
    assert_true(full.has_rule && full.rule_dst);
    cut = full;
    date_instant from = instant("2000-01-01T00:00:00Z");
    while (cut.count > 0 && cut.at[cut.count - 1] >= from.sec) {
        cut.count--;
    }
    assert_true(full.count > cut.count + 50);
    date_instant to = {.sec = full.at[full.count - 1]};
    for (date_instant t = from; t.sec <= to.sec; t.sec += 3600) {
        assert_int_equal(date_tz_offset(&cut, &t), date_tz_offset(&full, &t));
    }
}

static void test_date_tz_rejects_malformed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = read_london(&len);
    if (!buf) {
        skip();
    }
    static date_tz tz;
    /* Every proper prefix is refused (the footer ends the file). */
    for (size_t n = 0; n < len; n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, buf, n);
        assert_false(date_tz_parse(p, n, &tz));
        free(p);
    }
    /* A flipped bit anywhere never crashes (ASan watches the reads). */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (uint8_t)(1u << bit);
            (void)date_tz_parse(buf, len, &tz);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    static const char *const footers[] = {"GMT0BST,M3.5.0/1,M13.5.0",
                                          "GMT0BST,J60,M10.5.0", "G0",
                                          "GMT0BST,M3.5.0/1"};
    for (size_t i = 0; i < sizeof footers / sizeof footers[0]; i++) {
        /* Swap the footer for a malformed one. */
        size_t at = len - 1;
        while (at > 0 && buf[at - 1] != '\n') {
            at--;
        }
        uint8_t *p = malloc(at + strlen(footers[i]) + 1);
        assert_non_null(p);
        memcpy(p, buf, at);
        memcpy(p + at, footers[i], strlen(footers[i]));
        p[at + strlen(footers[i])] = '\n';
        assert_false(date_tz_parse(p, at + strlen(footers[i]) + 1, &tz));
        free(p);
    }
    free(buf);
}

static void *london_thread(void *arg)
{
    int64_t *out = arg;
    date_instant t = {.sec = 1782948600}; /* 2026-07-01T23:30:00Z */
    const char *why;
    *out = date_london_date(&t, out, &why) ? *out : -1;
    return NULL;
}

static void test_date_london_date_threads(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = read_london(&len);
    if (!buf) {
        skip();
    }
    free(buf);
    /* Threads racing to the first use all see the loaded zone. */
    pthread_t th[8];
    int64_t got[8];
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, london_thread, &got[i]),
                         0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(got[i], day_of("2026-07-02"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse_valid),
        cmocka_unit_test(test_date_parse_invalid),
        cmocka_unit_test(test_date_leap_years),
        cmocka_unit_test(test_date_round_trip_days),
        cmocka_unit_test(test_date_format_years),
        cmocka_unit_test(test_date_weekday),
        cmocka_unit_test(test_date_instant_parse_offsets),
        cmocka_unit_test(test_date_instant_parse_keeps_offset),
        cmocka_unit_test(test_date_instant_zone_ok),
        cmocka_unit_test(test_date_instant_parse_rejects),
        cmocka_unit_test(test_date_instant_format),
        cmocka_unit_test(test_date_instant_cmp_order),
        cmocka_unit_test(test_date_add_months_keeps_the_day),
        cmocka_unit_test(test_date_add_months_missing_day),
        cmocka_unit_test(test_date_add_months_out_of_range),
        cmocka_unit_test(test_date_calendar_matches_its_source),
        cmocka_unit_test(test_date_calendar_is_the_union),
        cmocka_unit_test(test_date_working_days_standstill),
        cmocka_unit_test(test_date_working_days_walks),
        cmocka_unit_test(test_date_tz_london_clock_changes),
        cmocka_unit_test(test_date_tz_rule_matches_table),
        cmocka_unit_test(test_date_tz_rejects_malformed),
        cmocka_unit_test(test_date_london_date_threads),
    };
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
