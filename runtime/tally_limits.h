/* runtime/tally_limits.h - the limits of the language, each defined once.
 *
 * A limit that more than one file checks lives here, with where its
 * number comes from; the checker (lang/), the verifier, the VM, the
 * decimal and date code and the disassembler include this header rather
 * than repeat the number.  Limits one file alone enforces stay beside
 * their code (data.h's DATA_MAX_*, compile.c's MAX_CODE).  Named
 * tally_limits.h, not limits.h, so that <limits.h> still finds the C
 * library's header through -Iruntime.
 */
#ifndef TALLY_RUNTIME_TALLY_LIMITS_H
#define TALLY_RUNTIME_TALLY_LIMITS_H

/* Decimal places a value can be rounded to, shown with or declared to
 * have (decimal(2)): 0..30.  dec_round computes 10^places in 128 bits
 * (10^30 < 2^100), and a place operand is one byte whose values
 * above 30 mean "shortest" and "percent" (bytecode.h). */
#define LIM_MAX_PLACES 30

/* Keys of one sort(... by ...): SORT's descending mask is one byte. */
#define LIM_MAX_SORT_KEYS 8

/* The dates Tally reads, writes and holds: 0001-01-01..9999-12-31, as
 * days from 1970-01-01 (ISO 8601 without the expanded form; date.h). */
#define LIM_MIN_DAY (-719162) /* 0001-01-01 */
#define LIM_MAX_DAY 2932896   /* 9999-12-31 */
/* The largest count a duration literal may be written with, in its
 * smallest unit (days, months or seconds): 10^12 seconds is about 31,700
 * years, beyond every date Tally can hold (years 0001..9999), so no
 * meaningful literal is refused and count * 86400 cannot overflow. */
#define LIM_MAX_DURATION 1000000000000
#define LIM_SEC_PER_DAY 86400 /* a datetime's range is the days' range */

/* A limit spelled as a string literal, for messages:
 * "at most " LIM_STR(LIM_MAX_SORT_KEYS) " keys". */
#define LIM_STR_(x) #x
#define LIM_STR(x) LIM_STR_(x)

#endif
