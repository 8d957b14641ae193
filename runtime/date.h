/* runtime/date.h - calendar dates, instants, durations, the UK
 * working-day calendar and the Europe/London time zone.
 *
 * Dates are days since 1970-01-01 in the proleptic Gregorian calendar.
 * Date-times are instants: UTC seconds since the epoch plus nanoseconds,
 * so "2026-04-02T12:31:59.5+01:00" and "2026-04-02T11:31:59.5Z" compare
 * equal.  Each also keeps, in bytes the struct would pad anyway, the
 * offset it was written with, so it is written back as it came: the
 * offset is how the instant is shown, never part of what it is.  Parsers are strict and work on untrusted text.  The bank-holiday
 * calendar is compiled in (uk_holidays.inc) and covers whole years only:
 * a question about a day outside them is refused, never answered as if
 * that year had no holidays.
 */
#ifndef TALLY_RUNTIME_DATE_H
#define TALLY_RUNTIME_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

/* How an instant's offset was written (RFC 3339, section 4.3). */
typedef enum date_zone {
    DATE_ZONE_Z,       /* "Z" or "z": UTC; off is 0 */
    DATE_ZONE_OFFSET,  /* "+hh:mm" or "-hh:mm" (not "-00:00"): off */
    DATE_ZONE_UNKNOWN, /* "-00:00": UTC, local offset unknown; off is 0 */
    DATE_ZONE_COUNT
} date_zone;

/* The largest offset RFC 3339 text can give: 23:59, in minutes. */
#define DATE_MAX_OFF_MIN (23 * 60 + 59)

typedef struct date_instant {
    int64_t sec;  /* seconds since 1970-01-01T00:00:00Z */
    int32_t nsec; /* 0..999999999 */
    int16_t off;  /* offset written, minutes east of UTC, within
                     +-DATE_MAX_OFF_MIN; 0 unless zone is DATE_ZONE_OFFSET */
    uint8_t zone; /* date_zone; a zeroed instant is UTC, written "Z" */
    uint8_t pad;  /* 0 */
} date_instant;

_Static_assert(sizeof(date_instant) == 16, "fits a value's payload");

/* Whether [t]'s offset fields are consistent (for untrusted bytecode):
 * zone in range, off within DATE_MAX_OFF_MIN and 0 unless an offset. */
bool date_instant_zone_ok(const date_instant *t);

/* Parses "YYYY-MM-DD" (exactly that shape, a real calendar day, years
 * 0001-9999) into days since the epoch.  False on anything else. */
bool date_parse(const char *s, size_t len, int64_t *days);

/* Days since the epoch for a valid y-m-d (any int year, proleptic; year 0
 * is 1 BCE); false if not a real day. */
bool date_from_ymd(int y, int m, int d, int64_t *days);
/* The calendar day of [days]; its year must fit an int (|days| below about
 * 7.8e11; asserted). */
void date_to_ymd(int64_t days, int *y, int *m, int *d);

/* Appends "YYYY-MM-DD" for any int64 [days]; a year outside 0000..9999 is
 * written ISO 8601 expanded, signed ("+10000-01-01", "-0001-12-31"). */
void date_format(int64_t days, strbuf *b);

/* ISO weekday: 1 = Monday .. 7 = Sunday. */
int date_weekday(int64_t days);

/* Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|z|+hh:mm|-hh:mm)"
 * ('T' or 't'; seconds 00-59, hours 00-23, offsets up to 23:59), keeping
 * the offset as written in [out]->off and ->zone.  False on anything
 * else, including more than 9 fractional digits. */
bool date_instant_parse(const char *s, size_t len, date_instant *out);

/* Appends the instant as RFC 3339 in the offset it was written with:
 * local "YYYY-MM-DDTHH:MM:SS[.f]" then "Z", "+hh:mm" or "-00:00" as
 * [t]->zone says, the fraction without trailing zeros (years as
 * date_format).  [t]->nsec must be in 0..999999999 and its zone fields
 * consistent (date_instant_zone_ok) (both asserted). */
void date_instant_format(const date_instant *t, strbuf *b);

/* Orders the instants, whatever their offsets: <0, 0, >0. */
int date_instant_cmp(const date_instant *x, const date_instant *y);

/* ---- calendar arithmetic ------------------------------------------- */

/* What adding months does when the day does not exist in the target
 * month (31 January + 1 month). */
typedef enum date_month_rule {
    DATE_MONTH_EXACT,   /* an error */
    DATE_MONTH_EARLIER, /* the target month's last day (28 February) */
    DATE_MONTH_LATER,   /* the first day of the month after (1 March) */
    DATE_MONTH_RULE_COUNT
} date_month_rule;

typedef enum date_status {
    DATE_OK,
    DATE_NO_SUCH_DAY,   /* months: the day is not in the target month */
    DATE_OUT_OF_RANGE,  /* the result is outside 0001-01-01..9999-12-31 */
    DATE_NO_CALENDAR,   /* a day outside the bank-holiday calendar */
    DATE_STATUS_COUNT
} date_status;

/* [day] + [months] calendar months (negative: back), keeping the day of
 * the month; [day] must be in 0001..9999.  DATE_NO_SUCH_DAY under
 * DATE_MONTH_EXACT when that day is not in the target month, with
 * *[ty] and *[tm] set to the target year and month; DATE_OUT_OF_RANGE
 * when the target is outside years 1..9999.  *[out] on DATE_OK. */
date_status date_add_months(int64_t day, int64_t months, date_month_rule rule,
                            int64_t *out, int *ty, int *tm);

/* ---- the UK working-day calendar (Procurement Act 2023, s.123(1)) ---- */

/* The first and last day the compiled-in bank-holiday calendar covers
 * (whole years; see runtime/uk_holidays.inc for its source). */
int64_t date_uk_first(void);
int64_t date_uk_last(void);

/* Holidays a policy adds to the calendar (proclaimed after the data was
 * read): [days], [count] of them, in any order, borrowed. */
typedef struct date_extra {
    const int64_t *days; /* borrowed */
    size_t count;
} date_extra;

/* Whether [day] is a working day: not a Saturday or Sunday, not a bank
 * holiday in any part of the UK, not in [extra] (NULL: none).
 * DATE_NO_CALENDAR when [day] is outside date_uk_first..date_uk_last. */
date_status date_is_working(int64_t day, const date_extra *extra, bool *out);

/* The [n]-th working day after [day] ([day] itself not counted; n < 0:
 * the |n|-th before it; n = 0: [day]).  DATE_NO_CALENDAR, with *[bad]
 * the first day looked at outside the calendar.  *[steps] (may be NULL)
 * receives the days examined, for the caller's budget. */
date_status date_add_working(int64_t day, int64_t n, const date_extra *extra,
                             int64_t *out, int64_t *bad, uint64_t *steps);

/* The number of working days between [a] and [b], excluding [a] and
 * including [b]: those in (a, b] when a <= b, and minus those in [b, a)
 * when b < a.  So date_working_between(a, a + n working days) is n for
 * every n, either way.  Errors as date_add_working. */
date_status date_working_between(int64_t a, int64_t b, const date_extra *extra,
                                 int64_t *out, int64_t *bad, uint64_t *steps);

/* ---- time zones ------------------------------------------------------ */

/* A zone's rules read from a TZif file (RFC 8536): its transitions and,
 * past the last one, its POSIX TZ footer rule.  DATE_TZ_MAX_TRANS bounds
 * the table: Europe/London has about 250. */
#define DATE_TZ_MAX_TRANS 2000
typedef struct date_tz {
    int64_t at[DATE_TZ_MAX_TRANS];  /* transition instants, ascending */
    int32_t off[DATE_TZ_MAX_TRANS]; /* UTC offset (s) from at[i] on */
    uint32_t count;                 /* transitions */
    int32_t first_off;  /* offset before the first transition */
    bool has_rule;      /* the footer gives a rule past the last one */
    int32_t std_off, dst_off; /* the rule's offsets (east of UTC, s) */
    bool rule_dst;      /* the rule has daylight time */
    int8_t rule_m[2], rule_w[2], rule_d[2]; /* Mm.w.d start, end */
    int32_t rule_t[2];  /* local seconds into the day of start, end */
} date_tz;

/* Parses a TZif file [buf] of [len] bytes (version 2 or later, whose
 * 64-bit data is used) into *[tz].  False if malformed or if it has more
 * than DATE_TZ_MAX_TRANS transitions.  Works on untrusted input. */
bool date_tz_parse(const uint8_t *buf, size_t len, date_tz *tz);

/* The UTC offset in seconds in [tz] at [t]. */
int32_t date_tz_offset(const date_tz *tz, const date_instant *t);

/* The calendar date of [t] in Europe/London (GMT or BST), from the
 * system time-zone database ($TZDIR or /usr/share/zoneinfo), read once
 * per process under pthread_once and read-only after, so any number of
 * threads may call this.  False, with *[why] a static message, when the
 * database cannot be read. */
bool date_london_date(const date_instant *t, int64_t *day, const char **why);

#endif
