/* runtime/decimal.h - exact decimal arithmetic (rationals), with rounding.
 *
 * A dec is an exact rational number.  Every value a policy can write or read
 * is a finite decimal, but quotients are kept exact: 1 / 3 stays one third
 * until the policy rounds it (SPEC: award-evaluation rule 9).  Small values
 * (numerator and denominator in 64 bits) live inline and are computed with
 * 128-bit intermediates; when a result does not fit, it moves to a GMP
 * rational allocated in the caller's arena (freed at arena reset by a
 * finalizer).  Results are always canonical: reduced, denominator > 0, and
 * inline whenever they fit, so equal numbers have equal representations.
 *
 * No binary floating point is used anywhere in this module.
 */
#ifndef TALLY_RUNTIME_DECIMAL_H
#define TALLY_RUNTIME_DECIMAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"

typedef struct dec_big dec_big; /* a GMP rational; private to decimal.c */

typedef struct dec {
    union {
        int64_t n;   /* inline: numerator */
        dec_big *big; /* big: the value, arena-owned */
    } u;
    uint64_t d; /* inline: denominator, >= 1, gcd(|n|, d) = 1; 0 means big */
} dec;

#define DEC_IS_BIG(x) ((x).d == 0)

typedef enum dec_status {
    DEC_OK = 0,
    DEC_ENOMEM,   /* the arena could not allocate a big value */
    DEC_DIV_ZERO, /* division by zero */
    DEC_SYNTAX,   /* dec_parse: not a decimal string */
    DEC_INEXACT,  /* dec_format_fixed: needs more places than asked */
    DEC_RANGE,    /* dec_to_int: not an integer or out of int64 range */
    DEC_TOO_BIG   /* the result could pass DEC_MAX_DIGITS */
} dec_status;

/* The largest numerator or denominator arithmetic may build, in decimal
 * digits.  No policy needs more: input decimals have at most 1000 digits
 * (DATA_MAX_DECIMAL), so this is a hundred products of them; one number
 * at the bound takes about 42 KB and a product of two a millisecond.
 * Without it a chain of n squarings takes 2^n digits of time and memory.
 * DEC_MAX_BITS is the same bound in bits, ceil(100000 log2 10). */
#define DEC_MAX_DIGITS 100000
#define DEC_MAX_BITS 332193

/* Rounding modes, named as legal texts name them.  HALF_UP rounds a tie
 * away from zero (2.345 -> 2.35, -2.345 -> -2.35). */
typedef enum dec_round_mode {
    DEC_HALF_UP,   /* nearest; ties away from zero */
    DEC_HALF_DOWN, /* nearest; ties toward zero */
    DEC_HALF_EVEN, /* nearest; ties to the even digit (banker's) */
    DEC_UP,        /* away from zero */
    DEC_DOWN,      /* toward zero (truncate) */
    DEC_CEILING,   /* toward +infinity */
    DEC_FLOOR,     /* toward -infinity */
    DEC_ROUND_MODE_COUNT
} dec_round_mode;

/* Returns [i] as a dec. */
dec dec_from_int(int64_t i);

/* Parses a strict decimal string: optional '-', one or more digits,
 * optionally '.' and one or more digits.  No '+', exponent, spaces or
 * commas.  Any number of digits (large ones go big in [a]).  Returns
 * DEC_SYNTAX or DEC_ENOMEM on failure, leaving *out unspecified. */
dec_status dec_parse(arena *a, const char *s, size_t len, dec *out);

/* Parses a JSON number's text exactly, never through binary floating
 * point: optional '-', digits, optionally '.' and digits, optionally 'e'
 * or 'E', an optional sign and digits ("248652.47", "1e3", "-0",
 * "2.5E-3").  The value is the one the text denotes: the exponent shifts
 * the decimal point, and "-0" is zero.  DEC_TOO_BIG when the value,
 * written out as a decimal string without an exponent, would need more
 * than [max_digits] digits (so "1e999999999" costs no more than its text),
 * DEC_SYNTAX for anything that is not a number, DEC_ENOMEM; *out is then
 * unspecified. */
dec_status dec_parse_number(arena *a, const char *s, size_t len,
                            size_t max_digits, dec *out);

/* Exact arithmetic; big results are allocated in [a], and their limbs,
 * which GMP allocates, are counted in a->mem (against its cap) until the
 * arena is reset.  Inputs are borrowed and may alias out.  Before calling
 * GMP, each operation bounds its result from the operands' sizes (a sum
 * or product of n- and m-bit parts has at most n + m + 1 bits) and
 * returns DEC_TOO_BIG when that could pass DEC_MAX_BITS, DEC_ENOMEM when
 * the memory it may need would pass the cap. */
dec_status dec_add(arena *a, const dec *x, const dec *y, dec *out);
dec_status dec_sub(arena *a, const dec *x, const dec *y, dec *out);
dec_status dec_mul(arena *a, const dec *x, const dec *y, dec *out);
dec_status dec_div(arena *a, const dec *x, const dec *y, dec *out);
dec_status dec_neg(arena *a, const dec *x, dec *out);

/* The work of one operation on big [x] and [y] (y NULL for one operand:
 * negation, rounding, formatting, comparison against a small value) in
 * the VM's budget units, about 5 ns each: the limbs read plus their
 * pairwise products over DEC_COST_DIV (GMP multiplies and reduces n-limb
 * numbers in well under n^2 / DEC_COST_DIV such units up to the bound).
 * Cheap to compute: sizes only.  The VM charges it for every operation
 * with a big operand, so inline values never pay for it. */
#define DEC_COST_DIV 16
uint64_t dec_cost(const dec *x, const dec *y);

/* Returns <0, 0, >0 as x <, =, > y.  Never fails. */
int dec_cmp(const dec *x, const dec *y);
int dec_sign(const dec *x);
bool dec_is_integer(const dec *x);

/* Rounds [x] to [places] (0..LIM_MAX_PLACES, tally_limits.h) decimal
 * places with [mode].  DEC_RANGE when [places] is outside that range or
 * [mode] is not a mode. */
dec_status dec_round(arena *a, const dec *x, int places, dec_round_mode mode,
                     dec *out);

/* Stores x in *out when it is an integer within int64; else DEC_RANGE. */
dec_status dec_to_int(const dec *x, int64_t *out);

/* Appends x with exactly [places] digits after the point ("38.20", "-0.50",
 * "7" for places 0) to [b].  DEC_INEXACT (nothing appended) when x needs
 * more places; DEC_RANGE when [places] < 0.  Out of memory sets b->failed. */
dec_status dec_format_fixed(const dec *x, int places, strbuf *b);

/* Appends the shortest exact decimal form of x ("0.3", "12", "-4.125").
 * A value with no finite decimal form (1/3) is written rounded half-up to
 * 20 places followed by "..." so it can never be mistaken for exact. */
void dec_format(const dec *x, strbuf *b);

/* Appends x as an amount is written for people: the sign, then the
 * currency ("£" for [code] "GBP", else [code] and a space; nothing when
 * [code] is NULL), then the whole units grouped in threes with commas
 * and two places ("-£1,234,567.50", "EUR 3.00"); a value that needs more
 * places keeps them (dec_format).  Out of memory sets b->failed. */
void dec_format_money(const dec *x, const char *code, strbuf *b);

/* Appends x exactly: its shortest decimal form when it has one, else
 * "N/D" (numerator and denominator in lowest terms: "1/3", "-7/6").  For
 * state written to be read back (report partials). */
void dec_format_exact(const dec *x, strbuf *b);

/* Parses what dec_format_exact writes: a strict decimal string, or two
 * strict integers "N/D" with D > 0.  DEC_SYNTAX or DEC_ENOMEM on failure
 * (and DEC_TOO_BIG as dec_div). */
dec_status dec_parse_exact(arena *a, const char *s, size_t len, dec *out);

/* Parses a rounding mode name ("half up", "half even", "floor", ...) as
 * written in a policy; returns DEC_ROUND_MODE_COUNT when unknown. */
dec_round_mode dec_round_mode_from_name(const char *name);
/* Returns the name of [m] as above (static storage); NULL when [m] is not
 * a mode. */
const char *dec_round_mode_name(dec_round_mode m);

#endif
