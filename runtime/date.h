/* runtime/date.h - calendar dates, instants and durations.
 *
 * Dates are days since 1970-01-01 in the proleptic Gregorian calendar.
 * Date-times are instants: UTC seconds since the epoch plus nanoseconds,
 * so "2026-04-02T12:31:59.5+01:00" and "2026-04-02T11:31:59.5Z" compare
 * equal.  Parsers are strict and work on untrusted text.
 */
#ifndef TALLY_RUNTIME_DATE_H
#define TALLY_RUNTIME_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

typedef struct date_instant {
    int64_t sec;  /* seconds since 1970-01-01T00:00:00Z */
    int32_t nsec; /* 0..999999999 */
} date_instant;

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
 * ('T' or 't'; seconds 00-59, hours 00-23, offsets up to 23:59).  False on
 * anything else, including more than 9 fractional digits. */
bool date_instant_parse(const char *s, size_t len, date_instant *out);

/* Appends the instant as UTC "YYYY-MM-DDTHH:MM:SS[.f]Z", the fraction
 * without trailing zeros (years as date_format).  [t]->nsec must be in
 * 0..999999999 (asserted). */
void date_instant_format(const date_instant *t, strbuf *b);

/* Returns <0, 0, >0. */
int date_instant_cmp(const date_instant *x, const date_instant *y);

#endif
