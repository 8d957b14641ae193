/* runtime/date.c - calendar dates and UTC instants.
 *
 * Days count from 1970-01-01 in the proleptic Gregorian calendar.  The
 * conversions work on 400-year eras of 146097 days, with each year taken
 * to start on 1 March so that the leap day falls last and month lengths
 * follow one formula; they are exact for every int64 day count.  Parsers
 * take untrusted text: they check every byte and the calendar, and never
 * assert on input.  Below them: month arithmetic, the UK working-day
 * calendar (a compiled-in table, uk_holidays.inc) and Europe/London, read
 * from the system's TZif file once per process (see date_london_date: the
 * one piece of process-wide state, written once under pthread_once and
 * read-only after; TZ and localtime are never used, since setenv("TZ")
 * races with other threads).
 */
#include "date.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally_assert.h"
#include "tally_limits.h"
#include "uk_holidays.inc"

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
    out->off = 0;
    out->zone = DATE_ZONE_Z;
    out->pad = 0;
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
        if (offset == 0 && s[i] == '-') {
            out->zone = DATE_ZONE_UNKNOWN;
        } else {
            out->zone = DATE_ZONE_OFFSET;
            out->off = (int16_t)(offset / 60);
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

bool date_instant_zone_ok(const date_instant *t)
{
    switch (t->zone) {
    case DATE_ZONE_OFFSET:
        return t->off >= -DATE_MAX_OFF_MIN && t->off <= DATE_MAX_OFF_MIN;
    case DATE_ZONE_Z:
    case DATE_ZONE_UNKNOWN:
        return t->off == 0;
    default:
        return false;
    }
}

void date_instant_format(const date_instant *t, strbuf *b)
{
    assert(t->nsec >= 0 && t->nsec < NSEC_PER_SEC && "contract: nsec");
    assert(date_instant_zone_ok(t) && "contract: zone");
    /* The local time the offset names; sec is within years 1..9999
     * wherever it came from (parser, verifier, VM), so no overflow. */
    int64_t local = t->sec + (int64_t)t->off * 60;
    int64_t days = floor_div(local, SECS_PER_DAY);
    int64_t rem = floor_mod(local, SECS_PER_DAY);
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
    switch ((date_zone)t->zone) {
    case DATE_ZONE_OFFSET: {
        int m = t->off < 0 ? -t->off : t->off;
        sb_printf(b, "%c%02d:%02d", t->off < 0 ? '-' : '+', m / 60, m % 60);
        break;
    }
    case DATE_ZONE_UNKNOWN: sb_puts(b, "-00:00"); break;
    case DATE_ZONE_Z: sb_putc(b, 'Z'); break;
    case DATE_ZONE_COUNT:
    default: TALLY_UNREACHABLE(); /* date_instant_zone_ok, asserted */
    }
}

int date_instant_cmp(const date_instant *x, const date_instant *y)
{
    if (x->sec != y->sec) {
        return x->sec < y->sec ? -1 : 1;
    }
    return (x->nsec > y->nsec) - (x->nsec < y->nsec);
}

/* ---- calendar arithmetic --------------------------------------------- */

date_status date_add_months(int64_t day, int64_t months, date_month_rule rule,
                            int64_t *out, int *ty, int *tm)
{
    int y, m, d;
    if (day < LIM_MIN_DAY || day > LIM_MAX_DAY) {
        return DATE_OUT_OF_RANGE;
    }
    date_to_ymd(day, &y, &m, &d);
    /* Months since year 0, with |months| bounded first so nothing
     * overflows: 9999 years is under 120000 months. */
    if (months > 200000 || months < -200000) {
        return DATE_OUT_OF_RANGE;
    }
    int64_t idx = (int64_t)y * 12 + (m - 1) + months;
    int64_t ny = floor_div(idx, 12);
    int nm = (int)floor_mod(idx, 12) + 1;
    if (ny < 1 || ny > 9999) {
        return DATE_OUT_OF_RANGE;
    }
    if (ty) {
        *ty = (int)ny;
    }
    if (tm) {
        *tm = nm;
    }
    int last = month_days(ny, nm);
    if (d <= last) {
        *out = civil_to_days(ny, nm, d);
        return DATE_OK;
    }
    switch (rule) {
    case DATE_MONTH_EARLIER:
        *out = civil_to_days(ny, nm, last);
        return DATE_OK;
    case DATE_MONTH_LATER:
        *out = civil_to_days(ny, nm, last) + 1;
        return *out > LIM_MAX_DAY ? DATE_OUT_OF_RANGE : DATE_OK;
    case DATE_MONTH_EXACT:
    case DATE_MONTH_RULE_COUNT:
        break;
    }
    return DATE_NO_SUCH_DAY;
}

/* ---- the UK working-day calendar ---------------------------------------- */

int64_t date_uk_first(void)
{
    return civil_to_days(UK_HOLIDAYS_FIRST_YEAR, 1, 1);
}

int64_t date_uk_last(void)
{
    return civil_to_days(UK_HOLIDAYS_LAST_YEAR, 12, 31);
}

static bool uk_holiday(int64_t day)
{
    size_t lo = 0, hi = sizeof uk_holidays / sizeof uk_holidays[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (uk_holidays[mid] < day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < sizeof uk_holidays / sizeof uk_holidays[0] &&
           uk_holidays[lo] == day;
}

date_status date_is_working(int64_t day, const date_extra *extra, bool *out)
{
    if (day < date_uk_first() || day > date_uk_last()) {
        return DATE_NO_CALENDAR;
    }
    bool w = date_weekday(day) <= 5 && !uk_holiday(day);
    for (size_t i = 0; w && extra && i < extra->count; i++) {
        w = extra->days[i] != day;
    }
    *out = w;
    return DATE_OK;
}

date_status date_add_working(int64_t day, int64_t n, const date_extra *extra,
                             int64_t *out, int64_t *bad, uint64_t *steps)
{
    int64_t step = n < 0 ? -1 : 1;
    uint64_t left = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    uint64_t walked = 0;
    date_status st = DATE_OK;
    /* Every step looks at a day in the calendar, so the walk ends within
     * its length (ten years) whatever [n] is. */
    while (left > 0) {
        bool w;
        day += step;
        walked++;
        if ((st = date_is_working(day, extra, &w)) != DATE_OK) {
            *bad = day;
            break;
        }
        left -= w;
    }
    if (steps) {
        *steps = walked;
    }
    if (st == DATE_OK) {
        *out = day;
    }
    return st;
}

date_status date_working_between(int64_t a, int64_t b, const date_extra *extra,
                                 int64_t *out, int64_t *bad, uint64_t *steps)
{
    /* The days counted: a excluded, b included, whichever comes first:
     * (a, b] forwards, [b, a) backwards. */
    int64_t lo = a < b ? a + 1 : b, hi = a < b ? b : a - 1;
    int64_t count = 0;
    uint64_t walked = 0;
    date_status st = DATE_OK;
    /* Both ends are checked first, so a span reaching outside the
     * calendar is refused before any walk. */
    if (lo <= hi) {
        if (lo < date_uk_first() || lo > date_uk_last()) {
            *bad = lo;
            st = DATE_NO_CALENDAR;
        } else if (hi < date_uk_first() || hi > date_uk_last()) {
            *bad = hi;
            st = DATE_NO_CALENDAR;
        }
    }
    for (int64_t d = lo; st == DATE_OK && d <= hi; d++) {
        bool w;
        walked++;
        if ((st = date_is_working(d, extra, &w)) != DATE_OK) {
            *bad = d;
            break;
        }
        count += w;
    }
    if (steps) {
        *steps = walked;
    }
    if (st == DATE_OK) {
        *out = a <= b ? count : -count;
    }
    return st;
}

/* ---- time zones ---------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* POSIX TZ footer parsing (only what a rule "STDoff[DST[off],Mm.w.d[/t],
 * Mm.w.d[/t]]" needs); [*p] advances over what was read. */
static bool tz_name(const char **p, const char *end)
{
    const char *s = *p;
    if (s < end && *s == '<') {
        while (s < end && *s != '>') {
            s++;
        }
        if (s == end) {
            return false;
        }
        *p = s + 1;
        return true;
    }
    while (s < end && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) {
        s++;
    }
    if (s - *p < 3) {
        return false;
    }
    *p = s;
    return true;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to 167 (RFC 8536 allows it). */
static bool tz_hms(const char **p, const char *end, int32_t *out)
{
    const char *s = *p;
    int sign = 1;
    if (s < end && (*s == '+' || *s == '-')) {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    int32_t v[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        if (part > 0) {
            if (s >= end || *s != ':') {
                break;
            }
            s++;
        }
        int nd = 0;
        while (s < end && *s >= '0' && *s <= '9' && nd < 3) {
            v[part] = v[part] * 10 + (*s - '0');
            s++;
            nd++;
        }
        if (nd == 0 || (part > 0 && v[part] > 59) || v[0] > 167) {
            return false;
        }
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    *p = s;
    return true;
}

static bool tz_int(const char **p, const char *end, int lo, int hi, int8_t *out)
{
    const char *s = *p;
    int v = 0, nd = 0;
    while (s < end && *s >= '0' && *s <= '9' && nd < 2) {
        v = v * 10 + (*s - '0');
        s++;
        nd++;
    }
    if (nd == 0 || v < lo || v > hi) {
        return false;
    }
    *out = (int8_t)v;
    *p = s;
    return true;
}

static bool tz_rule_part(const char **p, const char *end, date_tz *tz, int i)
{
    const char *s = *p;
    if (s >= end || *s != ',' || s + 1 >= end || s[1] != 'M') {
        return false; /* only the Mm.w.d form */
    }
    s += 2;
    if (!tz_int(&s, end, 1, 12, &tz->rule_m[i]) || s >= end || *s++ != '.' ||
        !tz_int(&s, end, 1, 5, &tz->rule_w[i]) || s >= end || *s++ != '.' ||
        !tz_int(&s, end, 0, 6, &tz->rule_d[i])) {
        return false;
    }
    tz->rule_t[i] = 7200; /* 02:00 unless given */
    if (s < end && *s == '/') {
        s++;
        if (!tz_hms(&s, end, &tz->rule_t[i])) {
            return false;
        }
    }
    *p = s;
    return true;
}

static bool tz_footer(const char *s, const char *end, date_tz *tz)
{
    int32_t std;
    if (s == end) {
        return true; /* no rule: the last transition holds */
    }
    if (!tz_name(&s, end) || !tz_hms(&s, end, &std)) {
        return false;
    }
    tz->std_off = -std; /* POSIX offsets are west of UTC */
    tz->dst_off = tz->std_off;
    tz->rule_dst = false;
    if (s < end && *s != ',') {
        if (!tz_name(&s, end)) {
            return false;
        }
        tz->rule_dst = true;
        tz->dst_off = tz->std_off + 3600;
        if (s < end && *s != ',') {
            int32_t dst;
            if (!tz_hms(&s, end, &dst)) {
                return false;
            }
            tz->dst_off = -dst;
        }
        if (!tz_rule_part(&s, end, tz, 0) || !tz_rule_part(&s, end, tz, 1)) {
            return false;
        }
    }
    if (s != end) {
        return false;
    }
    tz->has_rule = true;
    return true;
}

bool date_tz_parse(const uint8_t *buf, size_t len, date_tz *tz)
{
    memset(tz, 0, sizeof *tz);
    /* The version 1 block is skipped; version 2+ repeats it with 64-bit
     * times, then the footer. */
    if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2') {
        return false;
    }
    uint64_t c[6];
    for (int i = 0; i < 6; i++) {
        c[i] = be32(buf + 20 + (size_t)4 * (size_t)i);
    }
    /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    uint64_t v1 = c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (v1 > len - 44 || len - 44 - v1 < 44) {
        return false;
    }
    const uint8_t *h = buf + 44 + v1;
    if (memcmp(h, "TZif", 4) != 0) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        c[i] = be32(h + 20 + (size_t)4 * (size_t)i);
    }
    uint64_t timecnt = c[3], typecnt = c[4];
    uint64_t v2 = timecnt * 9 + typecnt * 6 + c[5] + c[2] * 12 + c[1] + c[0];
    size_t avail = len - (size_t)(h + 44 - buf);
    if (typecnt == 0 || typecnt > 256 || timecnt > DATE_TZ_MAX_TRANS ||
        v2 > avail) {
        return false;
    }
    const uint8_t *times = h + 44;
    const uint8_t *idx = times + timecnt * 8;
    const uint8_t *types = idx + timecnt;
    for (uint64_t i = 0; i < timecnt; i++) {
        uint8_t t = idx[i];
        if (t >= typecnt) {
            return false;
        }
        tz->at[i] = be64(times + 8 * i);
        if (i > 0 && tz->at[i] <= tz->at[i - 1]) {
            return false;
        }
        int32_t off = (int32_t)be32(types + (size_t)6 * t);
        if (off < -25 * 3600 || off > 26 * 3600) {
            return false;
        }
        tz->off[i] = off;
    }
    tz->count = (uint32_t)timecnt;
    tz->first_off = (int32_t)be32(types);
    if (tz->first_off < -25 * 3600 || tz->first_off > 26 * 3600) {
        return false;
    }
    /* The footer: "\n" TZ string "\n". */
    const char *f = (const char *)(h + 44 + v2);
    const char *end = (const char *)buf + len;
    if (f >= end || *f != '\n') {
        return false;
    }
    const char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
    if (!nl) {
        return false;
    }
    return tz_footer(f + 1, nl, tz);
}

/* The day (days since the epoch) of POSIX rule "Mm.w.d" in year [y]: the
 * w-th (5: last) weekday d (0 = Sunday) of month m. */
static int64_t rule_day(int64_t y, int m, int w, int d)
{
    int64_t first = civil_to_days(y, m, 1);
    int wd = date_weekday(first) % 7; /* 0 = Sunday */
    int64_t day = first + (d - wd + 7) % 7 + (int64_t)(w - 1) * 7;
    int64_t last = first + month_days(y, m) - 1;
    while (day > last) {
        day -= 7;
    }
    return day;
}

int32_t date_tz_offset(const date_tz *tz, const date_instant *t)
{
    if (tz->count > 0 && t->sec < tz->at[0]) {
        return tz->first_off;
    }
    if (tz->count > 0 && t->sec < tz->at[tz->count - 1]) {
        uint32_t lo = 0, hi = tz->count; /* the last at[i] <= t */
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (tz->at[mid] <= t->sec) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return tz->off[lo];
    }
    if (!tz->has_rule) {
        return tz->count > 0 ? tz->off[tz->count - 1] : tz->first_off;
    }
    if (!tz->rule_dst) {
        return tz->std_off;
    }
    int64_t y;
    int m, d;
    days_to_civil(floor_div(t->sec + tz->std_off, SECS_PER_DAY), &y, &m, &d);
    /* The start is given in standard time, the end in daylight time. */
    int64_t start = rule_day(y, tz->rule_m[0], tz->rule_w[0], tz->rule_d[0]) *
                        SECS_PER_DAY + tz->rule_t[0] - tz->std_off;
    int64_t end = rule_day(y, tz->rule_m[1], tz->rule_w[1], tz->rule_d[1]) *
                      SECS_PER_DAY + tz->rule_t[1] - tz->dst_off;
    bool dst = start < end ? (t->sec >= start && t->sec < end)
                           : (t->sec >= start || t->sec < end);
    return dst ? tz->dst_off : tz->std_off;
}

/* The process's one copy of Europe/London: written once by london_load
 * under pthread_once, read-only afterwards (pthread_once orders the
 * write before every later reader's return from pthread_once). */
static struct {
    date_tz tz;
    const char *why; /* NULL: loaded */
} london;
static pthread_once_t london_once = PTHREAD_ONCE_INIT;

#define TZ_MAX_FILE (1u << 20) /* a TZif file is a few KiB; 1 MiB is ample */

static void london_load(void)
{
    const char *dir = getenv("TZDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/Europe/London",
             dir && *dir ? dir : "/usr/share/zoneinfo");
    london.why = "cannot read the time-zone database for Europe/London "
                 "(install the tzdata package)";
    FILE *f = fopen(path, "rb");
    if (!f) {
        return;
    }
    /* Process-wide and read once, so outside any run's allocator and
     * memory cap (mem.h serves one VM or compilation). */
    uint8_t *buf = malloc(TZ_MAX_FILE);
    size_t n = buf ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
    fclose(f);
    if (buf && n > 0 && n < TZ_MAX_FILE) {
        london.why = date_tz_parse(buf, n, &london.tz)
                         ? NULL
                         : "the time-zone database's Europe/London file is "
                           "malformed";
    }
    free(buf);
}

bool date_london_date(const date_instant *t, int64_t *day, const char **why)
{
    if (pthread_once(&london_once, london_load) != 0 || london.why) {
        *why = london.why ? london.why : "cannot load the time-zone database";
        return false;
    }
    int32_t off = date_tz_offset(&london.tz, t);
    *day = floor_div(t->sec + off, SECS_PER_DAY);
    return true;
}
