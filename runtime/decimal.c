/* runtime/decimal.c - exact rational arithmetic for the dec type.
 *
 * The inline path (int64 numerator over uint64 denominator) is the VM's
 * hot path: each operation computes with 128-bit intermediates, reduces
 * with a binary gcd, and only when the exact result does not fit goes to
 * GMP.  Big results are mpq_t values in the caller's arena, cleared by an
 * arena finalizer; GMP allocates their limbs through its own allocator
 * (installing ours would be global state, see STYLE §5), and aborts if
 * that fails, so GMP is never asked for what the cap would refuse: each
 * operation bounds its result's size from its operands' before the call
 * (DEC_MAX_BITS), counts that much, twice over for GMP's temporaries,
 * against the arena's mem_ctx while GMP works, and the limbs of each big
 * result stay counted until its finalizer clears it.  Every result is
 * canonical: a big value never fits inline.
 * Inline operands reach GMP as read-only views (mpz_roinit_n) over limbs
 * on the stack, so mixing inline and big values allocates nothing.
 *
 * No binary floating point here, ever: every value is exact.
 */
#include "decimal.h"

#include <gmp.h>
#include <string.h>

#include "tally_limits.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

struct dec_big {
    mpq_t q;      /* canonical; never representable inline */
    arena *a;     /* borrowed: the arena holding this; [bytes] are counted
                     in a->mem as it is when cleared (a program's arena is
                     re-pointed at the mem_ctx of its handle, api/program.c) */
    size_t bytes; /* q's limbs, counted until clear_big */
};

#if GMP_NAIL_BITS != 0
#error "decimal.c assumes GMP without nail bits"
#endif
#if GMP_NUMB_BITS == 64
#define U64_LIMBS 1
#elif GMP_NUMB_BITS == 32
#define U64_LIMBS 2
#else
#error "decimal.c assumes 32- or 64-bit GMP limbs"
#endif

#define FORMAT_PLACES 20    /* dec_format: places of a non-terminating value */

static const uint64_t pow10_u64[20] = {
    1u,
    10u,
    100u,
    1000u,
    10000u,
    100000u,
    1000000u,
    10000000u,
    100000000u,
    1000000000u,
    10000000000u,
    100000000000u,
    1000000000000u,
    10000000000000u,
    100000000000000u,
    1000000000000000u,
    10000000000000000u,
    100000000000000000u,
    1000000000000000000u,
    10000000000000000000u,
};

static const char *const mode_names[DEC_ROUND_MODE_COUNT] = {
    [DEC_HALF_UP] = "half up", [DEC_HALF_DOWN] = "half down",
    [DEC_HALF_EVEN] = "half even", [DEC_UP] = "up",
    [DEC_DOWN] = "down", [DEC_CEILING] = "ceiling",
    [DEC_FLOOR] = "floor",
};

/* ---- inline helpers -------------------------------------------------- */

static inline uint64_t mag64(int64_t n)
{
    return n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
}

/* Binary gcd; gcd(0, b) = b. */
static inline uint64_t gcd64(uint64_t a, uint64_t b)
{
    if (a == 0 || b == 1) {
        return b;
    }
    if (b == 0 || a == 1) {
        return a;
    }
    int shift = __builtin_ctzll(a | b);
    a >>= __builtin_ctzll(a);
    do {
        b >>= __builtin_ctzll(b);
        if (a > b) {
            uint64_t t = a;
            a = b;
            b = t;
        }
        b -= a;
    } while (b != 0);
    return a << shift;
}

/* x / g for a gcd g, which is 1 more often than not: a 64-bit division
 * costs tens of cycles, the test one. */
static inline uint64_t cut(uint64_t x, uint64_t g)
{
    return g == 1 ? x : x / g;
}

/* u128 by u64, staying in 64-bit instructions when the dividend fits. */
static inline u128 div128(u128 m, uint64_t d)
{
    return (m >> 64) ? m / d : (u128)((uint64_t)m / d);
}

static inline uint64_t mod128(u128 m, uint64_t d)
{
    return (m >> 64) ? (uint64_t)(m % d) : (uint64_t)m % d;
}

/* Stores (-1)^[neg] [num]/[den], already reduced, when it fits inline;
 * false (out untouched) otherwise.  num == 0 requires den == 1. */
static inline bool put_small(bool neg, u128 num, u128 den, dec *out)
{
    if (den > UINT64_MAX || num > (u128)INT64_MAX + neg) {
        return false;
    }
    /* num == 2^63 with neg wraps to INT64_MIN (GCC/clang define it). */
    out->u.n = neg ? (int64_t)((uint64_t)0 - (uint64_t)num) : (int64_t)num;
    out->d = (uint64_t)den;
    return true;
}

/* x + y (or x - y when [sub]) of inline parts; false if it does not fit. */
static inline bool add_small(int64_t a, uint64_t b, int64_t c, uint64_t d,
                             bool sub, dec *out)
{
    if ((b | d) == 1) {
        int64_t s;
        if (sub ? __builtin_sub_overflow(a, c, &s)
                : __builtin_add_overflow(a, c, &s)) {
            return false;
        }
        out->u.n = s;
        out->d = 1;
        return true;
    }
    /* Knuth 4.5.1: with g = gcd(b, d), t = a(d/g) +- c(b/g) and
     * g2 = gcd(t, g), the sum is (t/g2) / ((b/g)(d/g2)), reduced. */
    uint64_t g = b == d ? b : gcd64(b, d);
    uint64_t bg = b / g;
    i128 l = (i128)a * (i128)(d / g);
    i128 r = (i128)c * (i128)bg;
    i128 t;
    if (sub ? __builtin_sub_overflow(l, r, &t)
            : __builtin_add_overflow(l, r, &t)) {
        return false;
    }
    if (t == 0) {
        out->u.n = 0;
        out->d = 1;
        return true;
    }
    bool neg = t < 0;
    u128 m = neg ? (u128)0 - (u128)t : (u128)t;
    uint64_t g2 = g == 1 ? 1 : gcd64(mod128(m, g), g);
    return put_small(neg, g2 == 1 ? m : div128(m, g2), (u128)bg * (d / g2),
                     out);
}

static inline bool mul_small(int64_t a, uint64_t b, int64_t c, uint64_t d,
                             dec *out)
{
    if ((b | d) == 1) {
        int64_t p;
        if (__builtin_mul_overflow(a, c, &p)) {
            return false;
        }
        out->u.n = p;
        out->d = 1;
        return true;
    }
    /* Cross-reduce so the product needs no gcd of its own; a zero factor
     * has denominator 1 and cancels the other's, giving 0/1. */
    uint64_t ua = mag64(a), uc = mag64(c);
    uint64_t g1 = gcd64(ua, d), g2 = gcd64(uc, b);
    u128 num = (u128)cut(ua, g1) * cut(uc, g2);
    u128 den = (u128)cut(b, g2) * cut(d, g1);
    return put_small((a < 0) != (c < 0), num, den, out);
}

/* Caller guarantees c != 0. */
static inline bool div_small(int64_t a, uint64_t b, int64_t c, uint64_t d,
                             dec *out)
{
    uint64_t ua = mag64(a), uc = mag64(c);
    uint64_t g1 = gcd64(ua, uc), g2 = gcd64(b, d);
    u128 num = (u128)cut(ua, g1) * cut(d, g2);
    u128 den = (u128)cut(b, g2) * cut(uc, g1);
    return put_small((a < 0) != (c < 0), num, den, out);
}

/* ---- GMP bridge ------------------------------------------------------ */

/* A read-only mpq view of an inline value; nothing to clear. */
typedef struct qview {
    mpq_t q;
    mp_limb_t num[U64_LIMBS]; /* |n|, little-endian limbs */
    mp_limb_t den[U64_LIMBS]; /* d */
} qview;

static void view_u64(mpz_ptr z, mp_limb_t *limbs, uint64_t v, bool neg)
{
    mp_size_t size;
#if U64_LIMBS == 1
    limbs[0] = (mp_limb_t)v;
    size = v != 0;
#else
    limbs[0] = (mp_limb_t)(v & 0xFFFFFFFFu);
    limbs[1] = (mp_limb_t)(v >> 32);
    size = limbs[1] ? 2 : limbs[0] != 0;
#endif
    mpz_roinit_n(z, limbs, neg ? -size : size);
}

/* Returns x's value as an mpq: the big value itself, or [v] viewing the
 * inline one.  The result is only read, and lives as long as x and v. */
static mpq_srcptr as_mpq(const dec *x, qview *v)
{
    if (DEC_IS_BIG(*x)) {
        return x->u.big->q;
    }
    view_u64(mpq_numref(v->q), v->num, mag64(x->u.n), x->u.n < 0);
    view_u64(mpq_denref(v->q), v->den, x->d, false);
    return v->q;
}

/* |z| as a uint64 when it fits. */
static bool mag_u64(mpz_srcptr z, uint64_t *v)
{
    size_t n = mpz_size(z);
    if (n > U64_LIMBS) {
        return false;
    }
#if U64_LIMBS == 1
    *v = n ? (uint64_t)mpz_getlimbn(z, 0) : 0;
#else
    *v = (n > 1 ? (uint64_t)mpz_getlimbn(z, 1) << 32 : 0) |
         (n ? (uint64_t)mpz_getlimbn(z, 0) : 0);
#endif
    return true;
}

static void clear_big(void *p)
{
    dec_big *big = p;
    mpq_clear(big->q);
    mem_uncharge(big->a->mem, big->bytes);
}

/* Bytes of limbs [r] holds, as counted against the memory cap. */
static size_t limb_bytes(mpq_srcptr r)
{
    return (mpz_size(mpq_numref(r)) + mpz_size(mpq_denref(r))) *
           sizeof(mp_limb_t);
}

/* Stores canonical [r] in *out: inline when it fits, else moved into a
 * new dec_big in [a].  Takes [r] (clears it in every case). */
static dec_status store(arena *a, mpq_ptr r, dec *out)
{
    uint64_t n, d;
    if (mag_u64(mpq_numref(r), &n) && mag_u64(mpq_denref(r), &d) &&
        put_small(mpq_sgn(r) < 0, n, d, out)) {
        mpq_clear(r);
        return DEC_OK;
    }
    size_t bytes = limb_bytes(r);
    dec_big *big = arena_alloc(a, sizeof *big);
    if (!big || !mem_charge(a->mem, bytes)) {
        mpq_clear(r);
        return DEC_ENOMEM;
    }
    big->a = a;
    big->bytes = bytes;
    mpq_init(big->q);
    mpq_swap(big->q, r);
    mpq_clear(r);
    if (!arena_defer(a, clear_big, big)) {
        return DEC_ENOMEM; /* arena_defer has cleared big->q */
    }
    out->u.big = big;
    out->d = 0;
    return DEC_OK;
}

typedef enum binop { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } binop;

/* Bits of x's numerator and denominator, at most: O(1), from sizes. */
static void size_bits(const dec *x, uint64_t *num, uint64_t *den)
{
    if (!DEC_IS_BIG(*x)) {
        *num = *den = 64;
        return;
    }
    *num = mpz_sizeinbase(mpq_numref(x->u.big->q), 2);
    *den = mpz_sizeinbase(mpq_denref(x->u.big->q), 2);
}

/* Limbs of x's numerator and denominator together. */
static uint64_t size_limbs(const dec *x)
{
    if (!DEC_IS_BIG(*x)) {
        return 2;
    }
    return mpz_size(mpq_numref(x->u.big->q)) +
           mpz_size(mpq_denref(x->u.big->q));
}

uint64_t dec_cost(const dec *x, const dec *y)
{
    uint64_t lx = size_limbs(x), ly = y ? size_limbs(y) : lx;
    return lx + (y ? ly : 0) + lx * ly / DEC_COST_DIV;
}

/* Counts [bits] of result, twice over for GMP's temporaries, against
 * a->mem while GMP works: DEC_TOO_BIG past DEC_MAX_BITS, DEC_ENOMEM past
 * the cap, else DEC_OK with *[held] bytes to give back by mem_uncharge. */
static dec_status reserve(arena *a, uint64_t num_bits, uint64_t den_bits,
                          size_t *held)
{
    *held = 0;
    if (num_bits > DEC_MAX_BITS || den_bits > DEC_MAX_BITS) {
        return DEC_TOO_BIG;
    }
    size_t bytes = (size_t)(num_bits + den_bits) / 4 + 64;
    if (!mem_charge(a->mem, bytes)) {
        return DEC_ENOMEM;
    }
    *held = bytes;
    return DEC_OK;
}

/* The general path: any operand big, or an inline result that overflows.
 * Division by zero has been ruled out by the caller. */
static dec_status slow_binop(arena *a, binop op, const dec *x, const dec *y,
                             dec *out)
{
    /* a/b +- c/d = (ad +- cb)/bd; (a/b)(c/d) = ac/bd; (a/b)/(c/d) = ad/bc,
     * each before reduction, which GMP does after (or partly before). */
    uint64_t xn, xd, yn, yd, num, den;
    size_bits(x, &xn, &xd);
    size_bits(y, &yn, &yd);
    switch (op) {
    case BIN_ADD:
    case BIN_SUB:
        num = (xn + yd > yn + xd ? xn + yd : yn + xd) + 1;
        den = xd + yd;
        break;
    case BIN_MUL:
        num = xn + yn;
        den = xd + yd;
        break;
    case BIN_DIV:
    default:
        num = xn + yd;
        den = xd + yn;
        break;
    }
    size_t held;
    dec_status st = reserve(a, num, den, &held);
    if (st != DEC_OK) {
        return st;
    }
    qview vx, vy;
    mpq_srcptr qx = as_mpq(x, &vx), qy = as_mpq(y, &vy);
    mpq_t r;
    mpq_init(r);
    switch (op) {
    case BIN_ADD: mpq_add(r, qx, qy); break;
    case BIN_SUB: mpq_sub(r, qx, qy); break;
    case BIN_MUL: mpq_mul(r, qx, qy); break;
    case BIN_DIV: mpq_div(r, qx, qy); break;
    }
    mem_uncharge(a->mem, held);
    return store(a, r, out);
}

/* ---- construction and arithmetic ------------------------------------- */

dec dec_from_int(int64_t i)
{
    dec r;
    r.u.n = i;
    r.d = 1;
    return r;
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits [s, s+ilen) then [f, f+flen) over 10^flen, no digit limit. */
static dec_status parse_big(arena *a, bool neg, const char *s, size_t ilen,
                            const char *f, size_t flen, dec *out)
{
    char *buf = mem_alloc(a->mem, ilen + flen + 1);
    if (!buf) {
        return DEC_ENOMEM;
    }
    memcpy(buf, s, ilen);
    memcpy(buf + ilen, f, flen);
    buf[ilen + flen] = '\0';
    mpq_t r;
    mpq_init(r);
    int rc = mpz_set_str(mpq_numref(r), buf, 10);
    mem_free(a->mem, buf, ilen + flen + 1);
    if (rc != 0) { /* cannot happen: the caller checked every digit */
        mpq_clear(r);
        return DEC_SYNTAX;
    }
    if (neg) {
        mpz_neg(mpq_numref(r), mpq_numref(r));
    }
    mpz_ui_pow_ui(mpq_denref(r), 10, (unsigned long)flen);
    mpq_canonicalize(r);
    return store(a, r, out);
}

/* The number of bytes of [w], the 8 bytes at some p loaded little-endian
 * (p[0] in the low byte), that are decimal digits before the first that
 * is not.  A byte is a digit when its high nibble is 3 and stays 3 once 6
 * is added; a carry out of a byte (from 0xFA up, not a digit) changes only
 * bytes after it, so the first non-digit is still found. */
static inline int leading_digits(uint64_t w)
{
    uint64_t hi = 0xF0F0F0F0F0F0F0F0u;
    uint64_t t = ((w & hi) | (((w + 0x0606060606060606u) & hi) >> 4)) ^
                 0x3333333333333333u;
    return t ? __builtin_ctzll(t) >> 3 : 8;
}

/* The value of the first [k] (1..8) bytes of [w], all digits, loaded as
 * for leading_digits.  Shifting the k digits to the top leaves zeros,
 * leading zeros, below them; then adjacent digits, pairs and quads are
 * combined, each step one multiply (Lemire's method). */
static inline uint64_t swar_digits(uint64_t w, int k)
{
    w = (w & 0x0F0F0F0F0F0F0F0Fu) << (8 * (8 - k));
    w = (w * (10 * 256 + 1)) >> 8;
    w = ((w & 0x00FF00FF00FF00FFu) * (100 * 65536 + 1)) >> 16;
    return ((w & 0x0000FFFF0000FFFFu) * (10000 * 4294967296u + 1)) >> 32;
}

/* Digits a uint64 accumulates with no overflow check: 10^18 - 1 is below
 * INT64_MAX, so any such numerator is also a valid inline one. */
#define SHORT_DIGITS 18

/* The common case of dec_parse, money such as "123456.78": at most
 * SHORT_DIGITS digits once trailing fraction zeros are dropped.  Stores
 * the canonical value and returns true; returns false, *out untouched,
 * for anything else (longer or not well-formed), which the general path
 * then parses or rejects, so results and errors stay the general path's. */
static inline bool parse_short(const char *s, size_t len, dec *out)
{
    if (len == 0) {
        return false; /* and s may be NULL: no arithmetic on it */
    }
    const char *p = s, *end = s + len;
    bool neg = *p == '-';
    p += neg;
    const char *istart = p;
    uint64_t m = 0;
    size_t ndigits = 0; /* in m, leading zeros too */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes at a time while eight remain: the integer part is most
     * of a money string's digits. */
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        int k = leading_digits(w);
        if (k == 0) {
            break;
        }
        if (ndigits + (size_t)k > SHORT_DIGITS) {
            return false;
        }
        m = m * pow10_u64[k] + swar_digits(w, k);
        p += k;
        ndigits += (size_t)k;
        if (k < 8) {
            break;
        }
    }
#endif
    for (; p < end && is_digit(*p); p++) {
        if (++ndigits > SHORT_DIGITS) {
            return false;
        }
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p == istart) {
        return false; /* no digit */
    }
    int places = 0;                        /* at most SHORT_DIGITS */
    if (p < end && *p == '.') {
        const char *fstart = ++p;
        size_t zeros = 0; /* fraction zeros not yet in m: maybe trailing */
        for (; p < end && is_digit(*p); p++) {
            if (*p == '0') {
                zeros++;
                continue;
            }
            ndigits += zeros + 1;
            if (ndigits > SHORT_DIGITS) {
                return false;
            }
            m = m * pow10_u64[zeros + 1] + (uint64_t)(*p - '0');
            places += (int)zeros + 1;
            zeros = 0;
        }
        if (p == fstart) {
            return false;
        }
    }
    if (p != end) {
        return false;
    }
    /* m / 10^places with the last fraction digit non-zero: m is not a
     * multiple of 10, so gcd(m, 10^places) is a power of 2 or of 5 alone,
     * found without a gcd loop. */
    uint64_t den = 1;
    if (places > 0) {
        if ((m & 1) == 0) {
            int t = __builtin_ctzll(m);
            t = t < places ? t : places;
            m >>= t;
            den = pow10_u64[places] >> t; /* 2^(places - t) 5^places */
        } else {
            int k = 0;
            while (k < places && m % 5 == 0) {
                m /= 5;
                k++;
            }
            den = pow10_u64[places - k] << k; /* 2^places 5^(places - k) */
        }
    }
    out->u.n = neg ? -(int64_t)m : (int64_t)m;
    out->d = den;
    return true;
}

/* dec_parse beyond parse_short: out of line, so that the common case
 * saves no registers for it. */
static __attribute__((noinline)) dec_status parse_long(arena *a, const char *s,
                                                       size_t len, dec *out)
{
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    i += neg;
    size_t istart = i;
    while (i < len && is_digit(s[i])) {
        i++;
    }
    size_t iend = i;
    if (iend == istart) {
        return DEC_SYNTAX;
    }
    size_t fstart = i, fend = i;
    if (i < len && s[i] == '.') {
        fstart = ++i;
        while (i < len && is_digit(s[i])) {
            i++;
        }
        fend = i;
        if (fend == fstart) {
            return DEC_SYNTAX;
        }
    }
    if (i != len) {
        return DEC_SYNTAX;
    }
    while (fend > fstart && s[fend - 1] == '0') {
        fend--; /* trailing fraction zeros do not change the value */
    }
    size_t places = fend - fstart;
    if (places < 20) {
        uint64_t m = 0;
        bool ovf = false;
        for (size_t k = istart; k < iend && !ovf; k++) {
            ovf = __builtin_mul_overflow(m, 10u, &m) ||
                  __builtin_add_overflow(m, (uint64_t)(s[k] - '0'), &m);
        }
        for (size_t k = fstart; k < fend && !ovf; k++) {
            ovf = __builtin_mul_overflow(m, 10u, &m) ||
                  __builtin_add_overflow(m, (uint64_t)(s[k] - '0'), &m);
        }
        uint64_t den = pow10_u64[places];
        uint64_t g = gcd64(m, den);
        if (!ovf && put_small(neg, m / g, den / g, out)) {
            return DEC_OK;
        }
    }
    return parse_big(a, neg, s + istart, iend - istart, s + fstart, places,
                     out);
}

dec_status dec_parse(arena *a, const char *s, size_t len, dec *out)
{
    if (parse_short(s, len, out)) {
        return DEC_OK;
    }
    return parse_long(a, s, len, out);
}

dec_status dec_parse_number(arena *a, const char *s, size_t len,
                            size_t max_digits, dec *out)
{
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    i += neg;
    size_t istart = i;
    while (i < len && is_digit(s[i])) {
        i++;
    }
    size_t iend = i, fstart = i, fend = i;
    if (iend == istart) {
        return DEC_SYNTAX;
    }
    if (i < len && s[i] == '.') {
        fstart = ++i;
        while (i < len && is_digit(s[i])) {
            i++;
        }
        fend = i;
        if (fend == fstart) {
            return DEC_SYNTAX;
        }
    }
    if (i == len) { /* no exponent: a decimal string as it stands */
        if ((iend - istart) + (fend - fstart) > max_digits) {
            return DEC_TOO_BIG;
        }
        return dec_parse(a, s, len, out);
    }
    if (s[i] != 'e' && s[i] != 'E') {
        return DEC_SYNTAX;
    }
    i++;
    bool eneg = i < len && s[i] == '-';
    i += i < len && (s[i] == '-' || s[i] == '+');
    size_t estart = i;
    /* The exponent saturates far beyond any digit limit: its text may be
     * long ("1e0000000000000000000001"), its value needs no more. */
    int64_t e = 0;
    for (; i < len && is_digit(s[i]); i++) {
        e = e > 1000000000 ? e : e * 10 + (s[i] - '0');
    }
    if (i != len || i == estart) {
        return DEC_SYNTAX;
    }
    e = eneg ? -e : e;
    /* The digits, as one run d[0..n) with the point after [point] of
     * them, leading and trailing zeros dropped. */
    size_t nint = iend - istart, nfrac = fend - fstart;
    char *d = arena_alloc(a, nint + nfrac + 1);
    if (!d) {
        return DEC_ENOMEM;
    }
    memcpy(d, s + istart, nint);
    memcpy(d + nint, s + fstart, nfrac);
    size_t n = nint + nfrac, lead = 0;
    while (lead < n && d[lead] == '0') {
        lead++;
    }
    while (n > lead && d[n - 1] == '0') {
        n--;
    }
    if (lead == n) { /* all zeros: zero, whatever the sign or exponent */
        *out = dec_from_int(0);
        return DEC_OK;
    }
    int64_t point = (int64_t)nint + e - (int64_t)lead;
    d += lead;
    n -= lead;
    /* Written out: 0.000ddd, ddd000 or dd.d; bounded before it is made. */
    int64_t digits = point <= 0                ? 1 - point + (int64_t)n
                     : point >= (int64_t)n ? point
                                               : (int64_t)n;
    if (digits > (int64_t)max_digits) {
        return DEC_TOO_BIG;
    }
    size_t cap = (size_t)digits + 3;
    char *t = arena_alloc(a, cap);
    if (!t) {
        return DEC_ENOMEM;
    }
    size_t k = 0;
    if (neg) {
        t[k++] = '-';
    }
    if (point <= 0) {
        t[k++] = '0';
        t[k++] = '.';
        memset(t + k, '0', (size_t)-point);
        k += (size_t)-point;
        memcpy(t + k, d, n);
        k += n;
    } else if (point >= (int64_t)n) {
        memcpy(t + k, d, n);
        k += n;
        memset(t + k, '0', (size_t)point - n);
        k += (size_t)point - n;
    } else {
        memcpy(t + k, d, (size_t)point);
        k += (size_t)point;
        t[k++] = '.';
        memcpy(t + k, d + point, n - (size_t)point);
        k += n - (size_t)point;
    }
    return dec_parse(a, t, k, out);
}

dec_status dec_add(arena *a, const dec *x, const dec *y, dec *out)
{
    if (__builtin_expect((x->d != 0) & (y->d != 0), 1) &&
        add_small(x->u.n, x->d, y->u.n, y->d, false, out)) {
        return DEC_OK;
    }
    return slow_binop(a, BIN_ADD, x, y, out);
}

dec_status dec_sub(arena *a, const dec *x, const dec *y, dec *out)
{
    if (__builtin_expect((x->d != 0) & (y->d != 0), 1) &&
        add_small(x->u.n, x->d, y->u.n, y->d, true, out)) {
        return DEC_OK;
    }
    return slow_binop(a, BIN_SUB, x, y, out);
}

dec_status dec_mul(arena *a, const dec *x, const dec *y, dec *out)
{
    if (__builtin_expect((x->d != 0) & (y->d != 0), 1) &&
        mul_small(x->u.n, x->d, y->u.n, y->d, out)) {
        return DEC_OK;
    }
    return slow_binop(a, BIN_MUL, x, y, out);
}

dec_status dec_div(arena *a, const dec *x, const dec *y, dec *out)
{
    /* A big value is never zero: zero is always inline 0/1. */
    if (!DEC_IS_BIG(*y) && y->u.n == 0) {
        return DEC_DIV_ZERO;
    }
    if (__builtin_expect((x->d != 0) & (y->d != 0), 1) &&
        div_small(x->u.n, x->d, y->u.n, y->d, out)) {
        return DEC_OK;
    }
    return slow_binop(a, BIN_DIV, x, y, out);
}

dec_status dec_neg(arena *a, const dec *x, dec *out)
{
    if (!DEC_IS_BIG(*x) && x->u.n != INT64_MIN) {
        out->u.n = -x->u.n;
        out->d = x->d;
        return DEC_OK;
    }
    uint64_t num, den;
    size_bits(x, &num, &den);
    size_t held;
    dec_status st = reserve(a, num, den, &held);
    if (st != DEC_OK) {
        return st;
    }
    qview v;
    mpq_srcptr q = as_mpq(x, &v);
    mpq_t r;
    mpq_init(r);
    mpq_neg(r, q);
    mem_uncharge(a->mem, held);
    return store(a, r, out);
}

/* ---- comparison ------------------------------------------------------ */

int dec_cmp(const dec *x, const dec *y)
{
    if ((x->d != 0) & (y->d != 0)) {
        if (x->d == y->d) {
            return (x->u.n > y->u.n) - (x->u.n < y->u.n);
        }
        /* Each cross product is below 2^127 in magnitude. */
        i128 l = (i128)x->u.n * (i128)y->d;
        i128 r = (i128)y->u.n * (i128)x->d;
        return (l > r) - (l < r);
    }
    qview vx, vy;
    int c = mpq_cmp(as_mpq(x, &vx), as_mpq(y, &vy));
    return (c > 0) - (c < 0);
}

int dec_sign(const dec *x)
{
    if (!DEC_IS_BIG(*x)) {
        return (x->u.n > 0) - (x->u.n < 0);
    }
    return mpq_sgn(x->u.big->q);
}

bool dec_is_integer(const dec *x)
{
    if (!DEC_IS_BIG(*x)) {
        return x->d == 1;
    }
    return mpz_cmp_ui(mpq_denref(x->u.big->q), 1) == 0;
}

/* ---- rounding -------------------------------------------------------- */

/* Whether a truncated magnitude moves one unit away from zero, given a
 * nonzero remainder [half] below (<0), at (0) or above (>0) one half. */
static inline bool round_away(dec_round_mode mode, bool neg, int half,
                              bool odd)
{
    switch (mode) {
    case DEC_HALF_UP: return half >= 0;
    case DEC_HALF_DOWN: return half > 0;
    case DEC_HALF_EVEN: return half > 0 || (half == 0 && odd);
    case DEC_UP: return true;
    case DEC_DOWN: return false;
    case DEC_CEILING: return !neg;
    case DEC_FLOOR: return neg;
    case DEC_ROUND_MODE_COUNT: break;
    }
    return false; /* mode was validated by the caller */
}

static dec_status slow_round(arena *a, const dec *x, int places,
                             dec_round_mode mode, dec *out)
{
    /* |n| 10^places / d: 10^30 < 2^100 */
    uint64_t num, den;
    size_bits(x, &num, &den);
    size_t held;
    dec_status st = reserve(a, num + 100, 100, &held);
    if (st != DEC_OK) {
        return st;
    }
    qview v;
    /* as_mpq fills what it uses; zeroed too so that analyzers, which
     * cannot see mpz_roinit_n write it, know the view is defined */
    memset(&v, 0, sizeof v);
    mpq_srcptr q = as_mpq(x, &v);
    bool neg = mpq_sgn(q) < 0;
    mpq_t r;
    mpz_t rem;
    mpq_init(r);
    mpz_init(rem);
    mpz_ui_pow_ui(mpq_denref(r), 10, (unsigned long)places);
    mpz_mul(mpq_numref(r), mpq_numref(q), mpq_denref(r));
    mpz_abs(mpq_numref(r), mpq_numref(r));
    mpz_tdiv_qr(mpq_numref(r), rem, mpq_numref(r), mpq_denref(q));
    if (mpz_sgn(rem) != 0) {
        mpz_mul_2exp(rem, rem, 1);
        int c = mpz_cmp(rem, mpq_denref(q));
        int half = (c > 0) - (c < 0);
        if (round_away(mode, neg, half, mpz_odd_p(mpq_numref(r)))) {
            mpz_add_ui(mpq_numref(r), mpq_numref(r), 1);
        }
    }
    mpz_clear(rem);
    if (neg) {
        mpz_neg(mpq_numref(r), mpq_numref(r));
    }
    mpq_canonicalize(r);
    mem_uncharge(a->mem, held);
    return store(a, r, out);
}

dec_status dec_round(arena *a, const dec *x, int places, dec_round_mode mode,
                     dec *out)
{
    if (places < 0 || places > LIM_MAX_PLACES ||
        (unsigned)mode >= DEC_ROUND_MODE_COUNT) {
        return DEC_RANGE;
    }
    if (DEC_IS_BIG(*x) || places >= 20) {
        return slow_round(a, x, places, mode, out);
    }
    uint64_t scale = pow10_u64[places], d = x->d;
    if (scale % d == 0) {
        *out = *x; /* already has at most [places] places */
        return DEC_OK;
    }
    /* gcd(n, d) = 1 and d does not divide scale, so the remainder of
     * |n| * scale / d is nonzero. */
    bool neg = x->u.n < 0;
    u128 m = (u128)mag64(x->u.n) * scale;
    u128 q = div128(m, d);
    uint64_t rem = mod128(m, d);
    int half = (rem > d - rem) - (rem < d - rem);
    q += round_away(mode, neg, half, (q & 1) != 0);
    uint64_t g = gcd64(mod128(q, scale), scale);
    if (put_small(neg, div128(q, g), scale / g, out)) {
        return DEC_OK;
    }
    return slow_round(a, x, places, mode, out);
}

dec_status dec_to_int(const dec *x, int64_t *out)
{
    /* Canonical form: a big value is a non-integer or beyond int64. */
    if (DEC_IS_BIG(*x) || x->d != 1) {
        return DEC_RANGE;
    }
    *out = x->u.n;
    return DEC_OK;
}

/* ---- formatting ------------------------------------------------------ */

static void put_zeros(strbuf *b, size_t count)
{
    /* Exactly 32 zeros: the array has no room for, and needs no, NUL. */
    static const char zeros[32] = "00000000000000000000000000000000";
    while (count > 0) {
        size_t k = count < sizeof zeros ? count : sizeof zeros;
        sb_put(b, zeros, k);
        count -= k;
    }
}

/* Appends (-1)^[neg] dig / 10^[scale] with [places] >= [scale] places,
 * [dig] being [len] >= 1 decimal digits without leading zeros. */
static void put_scaled(strbuf *b, bool neg, const char *dig, size_t len,
                       size_t scale, size_t places)
{
    if (neg) {
        sb_putc(b, '-');
    }
    if (len > scale) {
        sb_put(b, dig, len - scale);
        dig += len - scale;
        len = scale;
    } else {
        sb_putc(b, '0');
    }
    if (places > 0) {
        sb_putc(b, '.');
        put_zeros(b, scale - len);
        sb_put(b, dig, len);
        put_zeros(b, places - scale);
    }
}

/* Writes the digits of [v] at the end of buf[40]; returns the first. */
static char *u128_digits(u128 v, char *end)
{
    char *p = end;
    while (v > UINT64_MAX) {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    uint64_t w = (uint64_t)v;
    do {
        *--p = (char)('0' + (int)(w % 10));
        w /= 10;
    } while (w != 0);
    return p;
}

/* Appends (-1)^[neg] |m| / 10^[scale] with [places] places. */
static void put_mpz_scaled(strbuf *b, bool neg, mpz_srcptr m, size_t scale,
                           size_t places)
{
    size_t cap = mpz_sizeinbase(m, 10) + 2;
    char *buf = mem_alloc(b->mem, cap);
    if (!buf) {
        b->failed = true;
        return;
    }
    mpz_get_str(buf, 10, m);
    const char *dig = buf + (buf[0] == '-');
    put_scaled(b, neg, dig, strlen(dig), scale, places);
    mem_free(b->mem, buf, cap);
}

/* Number of places x needs (max of its denominator's powers of 2 and 5),
 * or -1 when the decimal expansion does not terminate. */
static int exact_places(uint64_t d)
{
    int v2 = __builtin_ctzll(d);
    int v5 = 0;
    d >>= v2;
    while (d % 5 == 0) {
        d /= 5;
        v5++;
    }
    if (d != 1) {
        return -1;
    }
    return v2 > v5 ? v2 : v5;
}

/* The GMP path of dec_format_fixed for any value and place count. */
static dec_status slow_format_fixed(const dec *x, size_t places, strbuf *b)
{
    qview v;
    /* as_mpq fills what it uses; zeroed too so that analyzers, which
     * cannot see mpz_roinit_n write it, know the view is defined */
    memset(&v, 0, sizeof v);
    mpq_srcptr q = as_mpq(x, &v);
    mpz_t m;
    mpz_init(m);
    mpz_ui_pow_ui(m, 10, (unsigned long)places);
    mpz_mul(m, m, mpq_numref(q));
    dec_status st = DEC_INEXACT;
    if (mpz_divisible_p(m, mpq_denref(q))) {
        mpz_divexact(m, m, mpq_denref(q));
        put_mpz_scaled(b, mpq_sgn(q) < 0, m, places, places);
        st = DEC_OK;
    }
    mpz_clear(m);
    return st;
}

/* "00" to "99": digits are written two at a time, halving the divisions
 * by a constant (each a multiply and a shift) per value. */
static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes exactly [count] decimal digits of [v] (zero-padded on the left,
 * [v] below 10^count) to end on [end]; returns the first. */
static inline char *put_digits(char *end, uint64_t v, int count)
{
    for (; count >= 2; count -= 2) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (count) {
        *--end = (char)('0' + (int)v);
    }
    return end;
}

/* Number of decimal digits of [v], 1 for 0: log10 estimated from the bit
 * length (1233 / 4096 is just above log10(2)), then corrected once.  v | 1
 * has as many digits as v (a power of ten above 1 is even) and is not 0. */
static inline int count_digits(uint64_t v)
{
    v |= 1;
    int t = ((64 - __builtin_clzll(v)) * 1233) >> 12; /* 0..19 */
    return t + (v >= pow10_u64[t]);
}

/* dec_format_fixed's common case, an inline value whose digits scaled to
 * [places] <= 19 fit a uint64 [v]: (-1)^[neg] v / 10^places appended in
 * one piece, with no u128 division and no intermediate buffer. */
static void put_fixed_u64(strbuf *b, bool neg, uint64_t v, int places)
{
    uint64_t scale = pow10_u64[places];
    uint64_t ip = v / scale, fp = v % scale;
    int ilen = count_digits(ip);
    size_t len = (size_t)neg + (size_t)ilen + (places ? (size_t)places + 1 : 0);
    if (!sb_reserve(b, len)) {
        return; /* b->failed is set */
    }
    char *start = b->p + b->len;
    char *end = start + len;
    *end = '\0';
    if (places) {
        end = put_digits(end, fp, places);
        *--end = '.';
    }
    end = put_digits(end, ip, ilen);
    if (neg) {
        *--end = '-';
    }
    b->len += len;
}

dec_status dec_format_fixed(const dec *x, int places, strbuf *b)
{
    if (places < 0) {
        return DEC_RANGE;
    }
    if (DEC_IS_BIG(*x)) {
        return slow_format_fixed(x, (size_t)places, b);
    }
    uint64_t d = x->d;
    if (places < 20) {
        /* x has at most [places] places exactly when d divides 10^places
         * (d's only prime factors are then 2 and 5, few enough). */
        uint64_t scale = pow10_u64[places];
        if (scale % d != 0) {
            return DEC_INEXACT;
        }
        uint64_t v;
        if (!__builtin_mul_overflow(mag64(x->u.n), scale / d, &v)) {
            put_fixed_u64(b, x->u.n < 0, v, places);
            return DEC_OK;
        }
    }
    int need = d == 1 ? 0 : exact_places(d);
    if (need < 0 || need > places) {
        return DEC_INEXACT;
    }
    if (need >= 20) {
        return slow_format_fixed(x, (size_t)places, b);
    }
    char buf[40];
    char *end = buf + sizeof buf;
    char *dig = u128_digits((u128)mag64(x->u.n) * (pow10_u64[need] / d), end);
    put_scaled(b, x->u.n < 0, dig, (size_t)(end - dig), (size_t)need,
               (size_t)places);
    return DEC_OK;
}

void dec_format_money(const dec *x, const char *code, strbuf *b)
{
    strbuf t;
    sb_init(&t, b->mem);
    if (dec_format_fixed(x, 2, &t) != DEC_OK) {
        sb_clear(&t);
        dec_format(x, &t);
    }
    if (t.failed) {
        b->failed = true;
        sb_free(&t);
        return;
    }
    const char *s = t.p;
    size_t len = t.len;
    if (len && s[0] == '-') {
        sb_putc(b, '-');
        s++;
        len--;
    }
    if (code && strcmp(code, "GBP") == 0) {
        sb_puts(b, "\xC2\xA3"); /* U+00A3 */
    } else if (code) {
        sb_puts(b, code);
        sb_putc(b, ' ');
    }
    size_t whole = 0;
    while (whole < len && s[whole] != '.') {
        whole++;
    }
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0) {
            sb_putc(b, ',');
        }
        sb_putc(b, s[i]);
    }
    sb_put(b, s + whole, len - whole);
    sb_free(&t);
}

/* dec_format of a value with no finite decimal form, through GMP:
 * floor((2|n| 10^20 + d) / 2d) is |x| rounded half up to 20 places. */
static void slow_format_inexact(mpq_srcptr q, strbuf *b)
{
    mpz_t m, d2;
    mpz_init(m);
    mpz_init(d2);
    mpz_ui_pow_ui(m, 10, FORMAT_PLACES);
    mpz_mul(m, m, mpq_numref(q));
    mpz_abs(m, m);
    mpz_mul_2exp(m, m, 1);
    mpz_add(m, m, mpq_denref(q));
    mpz_mul_2exp(d2, mpq_denref(q), 1);
    mpz_fdiv_q(m, m, d2);
    put_mpz_scaled(b, mpq_sgn(q) < 0, m, FORMAT_PLACES, FORMAT_PLACES);
    sb_put(b, "...", 3);
    mpz_clear(m);
    mpz_clear(d2);
}

void dec_format(const dec *x, strbuf *b)
{
    if (DEC_IS_BIG(*x)) {
        mpq_srcptr q = x->u.big->q;
        mpz_t odd, five;
        mpz_init(odd);
        mpz_init_set_ui(five, 5);
        mp_bitcnt_t v2 = mpz_scan1(mpq_denref(q), 0);
        mpz_tdiv_q_2exp(odd, mpq_denref(q), v2);
        mp_bitcnt_t v5 = mpz_remove(odd, odd, five);
        bool terminates = mpz_cmp_ui(odd, 1) == 0;
        mpz_clear(odd);
        mpz_clear(five);
        if (terminates) {
            (void)slow_format_fixed(x, v2 > v5 ? v2 : v5, b);
        } else {
            slow_format_inexact(q, b);
        }
        return;
    }
    uint64_t d = x->d;
    int need = d == 1 ? 0 : exact_places(d);
    if (need >= 0) {
        (void)dec_format_fixed(x, need, b); /* exact by construction */
        return;
    }
    /* No finite form: the integer part, then 20 digits computed in two
     * 10-digit steps (each product is below 2^98), rounded half up by the
     * final remainder (never exactly a half: the expansion goes on). */
    uint64_t n = mag64(x->u.n);
    uint64_t ip = n / d, r = n % d;
    u128 t = (u128)r * pow10_u64[10];
    uint64_t f1 = (uint64_t)(t / d);
    t = (u128)(uint64_t)(t % d) * pow10_u64[10];
    uint64_t f2 = (uint64_t)(t / d);
    r = (uint64_t)(t % d);
    u128 frac = (u128)f1 * pow10_u64[10] + f2 + (r >= d - r);
    u128 one = (u128)pow10_u64[10] * pow10_u64[10];
    if (frac == one) {
        ip++; /* ip <= 2^63 / 3: no overflow */
        frac = 0;
    }
    char buf[48];
    char *end = buf + sizeof buf;
    char *dig = u128_digits(ip, end);
    if (x->u.n < 0) {
        sb_putc(b, '-');
    }
    sb_put(b, dig, (size_t)(end - dig));
    sb_putc(b, '.');
    dig = u128_digits(frac, end);
    put_zeros(b, FORMAT_PLACES - (size_t)(end - dig));
    sb_put(b, dig, (size_t)(end - dig));
    sb_put(b, "...", 3);
}

void dec_format_exact(const dec *x, strbuf *b)
{
    size_t mark = b->len;
    dec_format(x, b);
    if (b->failed || b->len < mark + 3 || memcmp(b->p + b->len - 3, "...", 3) != 0) {
        return;
    }
    b->len = mark;
    b->p[mark] = '\0';
    if (!DEC_IS_BIG(*x)) {
        sb_put_i64(b, x->u.n);
        sb_printf(b, "/%llu", (unsigned long long)x->d);
        return;
    }
    mpq_srcptr q = x->u.big->q;
    size_t need = mpz_sizeinbase(mpq_numref(q), 10) + mpz_sizeinbase(mpq_denref(q), 10) + 3;
    if (!sb_grow(b, need)) {
        return;
    }
    mpq_get_str(b->p + b->len, 10, q); /* "N/D", NUL-terminated, in room */
    b->len += strlen(b->p + b->len);
}

dec_status dec_parse_exact(arena *a, const char *s, size_t len, dec *out)
{
    const char *slash = memchr(s, '/', len);
    if (!slash) {
        return dec_parse(a, s, len, out);
    }
    dec n, d;
    size_t nl = (size_t)(slash - s);
    dec_status st = dec_parse(a, s, nl, &n);
    if (st == DEC_OK) {
        st = dec_parse(a, slash + 1, len - nl - 1, &d);
    }
    if (st == DEC_OK && (!dec_is_integer(&n) || !dec_is_integer(&d) || dec_sign(&d) <= 0)) {
        st = DEC_SYNTAX;
    }
    if (st == DEC_OK) {
        st = dec_div(a, &n, &d, out);
    }
    return st == DEC_DIV_ZERO ? DEC_SYNTAX : st;
}

/* ---- rounding mode names --------------------------------------------- */

dec_round_mode dec_round_mode_from_name(const char *name)
{
    if (!name) {
        return DEC_ROUND_MODE_COUNT;
    }
    for (int m = 0; m < DEC_ROUND_MODE_COUNT; m++) {
        if (strcmp(name, mode_names[m]) == 0) {
            return (dec_round_mode)m;
        }
    }
    return DEC_ROUND_MODE_COUNT;
}

const char *dec_round_mode_name(dec_round_mode m)
{
    if ((unsigned)m >= DEC_ROUND_MODE_COUNT) {
        return NULL;
    }
    return mode_names[m];
}
