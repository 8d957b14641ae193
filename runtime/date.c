/* runtime/date.c - calendar dates and UTC instants.
 *
 * Days count from 1970-01-01 in the proleptic Gregorian calendar.  The
 * conversions work on 400-year eras of 146097 days, with each year taken
 * to start on 1 March so that the leap day falls last and month lengths
 * follow one formula; they are exact for every int64 day count.  Parsers
 * take untrusted text: they check every byte and the calendar, and never
 * assert on input.  Nothing here knows about time zones beyond the fixed
 * offset an RFC 3339 string carries.
 */
#include "date.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>

#define DAYS_PER_ERA 146097 /* 400 Gregorian years: 400*365 + 97 leap */
#define YEARS_PER_ERA 400
/* 0000-03-01, the first day of era 0, is 719468 days before 1970-01-01. */
#define EPOCH_SHIFT 719468
#define SECS_PER_DAY 86400
#define NSEC_PER_SEC 1000000000

/* Floor division and its remainder in [0, b), for b > 0; neither
 * overflows, even for INT64_MIN (q * b would). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - ((a % b) < 0);
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int8_t days[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Day of the March-based year (0 = 1 March) for month [m] (1..12) and
 * day [d]: the months from March have lengths 31 30 31 30 31 31 30 31 30
 * 31 31 (29|28), and (153 * mp + 2) / 5 sums them for mp months. */
static int64_t day_of_mar_year(int m, int d)
{
    int mp = m > 2 ? m - 3 : m + 9;
    return (153 * mp + 2) / 5 + d - 1;
}

static int64_t civil_to_days(int64_t y, int m, int d)
{
    y -= m <= 2; /* January and February end the previous March year */
    int64_t era = floor_div(y, YEARS_PER_ERA);
    int64_t yoe = y - era * YEARS_PER_ERA;                  /* 0..399 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + day_of_mar_year(m, d);
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

/* Inverse of civil_to_days for any int64 [days]; *y as int64. */
static void days_to_civil(int64_t days, int64_t *y, int *m, int *d)
{
    /* Split before shifting, so that days near INT64_MAX cannot overflow. */
    int64_t era = floor_div(days, DAYS_PER_ERA);
    int64_t doe = floor_mod(days, DAYS_PER_ERA) + EPOCH_SHIFT % DAYS_PER_ERA;
    era += EPOCH_SHIFT / DAYS_PER_ERA;
    if (doe >= DAYS_PER_ERA) {
        doe -= DAYS_PER_ERA;
        era++;
    }
    /* Year of era: remove the leap days before doe (one per 1460 days,
     * minus one per 36524, plus one per 146096), then divide by 365. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (yoe * 365 + yoe / 4 - yoe / 100); /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                        /* 0..11 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * YEARS_PER_ERA + (*m <= 2);
}

bool date_from_ymd(int y, int m, int d, int64_t *days)
{
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m)) {
        return false;
    }
    *days = civil_to_days(y, m, d);
    return true;
}

void date_to_ymd(int64_t days, int *y, int *m, int *d)
{
    int64_t yy;
    days_to_civil(days, &yy, m, d);
    assert(yy >= INT_MIN && yy <= INT_MAX && "contract: year fits an int");
    *y = (int)yy;
}

/* Reads [n] decimal digits at [s]; false if any is not a digit. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool date_parse(const char *s, size_t len, int64_t *days)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) || y == 0) {
        return false;
    }
    return date_from_ymd(y, m, d, days);
}

static void put_ymd(strbuf *b, int64_t days)
{
    int64_t y;
    int m, d;
    days_to_civil(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) {
        sb_printf(b, "%04" PRId64 "-%02d-%02d", y, m, d);
    } else {
        /* ISO 8601 expanded years: always signed, at least 4 digits. */
        sb_printf(b, "%+05" PRId64 "-%02d-%02d", y, m, d);
    }
}

void date_format(int64_t days, strbuf *b)
{
    put_ymd(b, days);
}

int date_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    return (int)((floor_mod(days, 7) + 3) % 7) + 1;
}

bool date_instant_parse(const char *s, size_t len, date_instant *out)
{
    int64_t days;
    int hh, mm, ss;
    /* Shortest form: "YYYY-MM-DDTHH:MM:SSZ", 20 bytes. */
    if (len < 20 || !date_parse(s, 10, &days) ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
        !digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) ||
        !digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59) {
        return false;
    }
    size_t i = 19;
    int32_t nsec = 0;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (i - start == 9) {
                return false; /* more than nanoseconds */
            }
            nsec = nsec * 10 + (s[i] - '0');
            i++;
        }
        if (i == start) {
            return false;
        }
        for (size_t k = i - start; k < 9; k++) {
            nsec *= 10;
        }
    }
    int64_t offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
            !digits(s + i + 4, 2, &om) || oh > 23 || om > 59) {
            return false;
        }
        offset = (int64_t)oh * 3600 + (int64_t)om * 60;
        if (s[i] == '-') {
            offset = -offset;
        }
        i += 6;
    } else {
        return false;
    }
    if (i != len) {
        return false;
    }
    /* Local time minus its offset is UTC. */
    out->sec = days * SECS_PER_DAY + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss -
               offset;
    out->nsec = nsec;
    return true;
}

void date_instant_format(const date_instant *t, strbuf *b)
{
    assert(t->nsec >= 0 && t->nsec < NSEC_PER_SEC && "contract: nsec");
    int64_t days = floor_div(t->sec, SECS_PER_DAY);
    int64_t rem = floor_mod(t->sec, SECS_PER_DAY);
    put_ymd(b, days);
    sb_printf(b, "T%02d:%02d:%02d", (int)(rem / 3600), (int)(rem / 60 % 60),
              (int)(rem % 60));
    if (t->nsec != 0) {
        int32_t f = t->nsec;
        int width = 9;
        while (f % 10 == 0) {
            f /= 10;
            width--;
        }
        sb_printf(b, ".%0*d", width, (int)f);
    }
    sb_putc(b, 'Z');
}

int date_instant_cmp(const date_instant *x, const date_instant *y)
{
    if (x->sec != y->sec) {
        return x->sec < y->sec ? -1 : 1;
    }
    return (x->nsec > y->nsec) - (x->nsec < y->nsec);
}
