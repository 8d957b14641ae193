/* bench/baseline/award.c - the award methodology hand-written in C.
 *
 * The yardstick for `make bench`: what a skilled engineer writes when the
 * methodology (shared/spec/award-evaluation.md) must run fast and exactly
 * and no policy language is involved.  yajl's event parser (the JSON
 * library Tally uses) feeds a state machine that binds each tender straight
 * into C structs in a bump arena; the whole file goes through one parser
 * (yajl_allow_multiple_values), never a line at a time.  Arithmetic is
 * exact: every quantity is a fraction of two 128-bit integers, never
 * reduced (denominators stay small for real data) and checked for
 * overflow at each step, so the program stops rather than print a wrong
 * figure.  No floating point anywhere.
 *
 * Output is byte-identical to `tally run examples/award/award.tally` on
 * generator data (key order and spacing as Tally writes them).  Of the
 * bad-input paths only the unknown exclusion ground of the generator's
 * --edge set is handled; other malformed input is not diagnosed.
 *
 *   award FILE [-o OUT]            end to end: read, evaluate, write
 *   award --eval-only FILE [-o OUT] [--batch N]
 *        parse every tender into memory first (N at a time, default all),
 *        then time only evaluation + formatting; OUT defaults to /dev/null.
 *        Prints {"tenders":..,"bids":..,"eval_ns":..} on stderr.
 *
 * Not part of the library build; not a test.  Built by `make bench`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

typedef __int128 i128;

static void die(const char *msg)
{
    fprintf(stderr, "award: %s\n", msg);
    exit(5);
}

/* ---- exact arithmetic ------------------------------------------------- */

/* An exact rational [n]/[d], d > 0.  Not kept reduced: rounding and
 * comparison do not need it, and real data keeps denominators small
 * (cents times a weight's places); every step checks for overflow. */
typedef struct frac {
    i128 n;
    i128 d;
} frac;

static i128 mul(i128 a, i128 b)
{
    i128 r;
    if (__builtin_mul_overflow(a, b, &r)) {
        die("arithmetic overflow");
    }
    return r;
}

static i128 add(i128 a, i128 b)
{
    i128 r;
    if (__builtin_add_overflow(a, b, &r)) {
        die("arithmetic overflow");
    }
    return r;
}

static frac f_int(int64_t i)
{
    return (frac){i, 1};
}

static frac f_add(frac a, frac b)
{
    if (a.d == b.d) {
        return (frac){add(a.n, b.n), a.d};
    }
    /* Denominators are powers of ten times small factors: when one divides
     * the other, scale instead of multiplying them, so sums of weights with
     * mixed places do not grow the denominator. */
    if (a.d > b.d && a.d % b.d == 0) {
        return (frac){add(a.n, mul(b.n, a.d / b.d)), a.d};
    }
    if (b.d > a.d && b.d % a.d == 0) {
        return (frac){add(b.n, mul(a.n, b.d / a.d)), b.d};
    }
    return (frac){add(mul(a.n, b.d), mul(b.n, a.d)), mul(a.d, b.d)};
}

static frac f_mul(frac a, frac b)
{
    return (frac){mul(a.n, b.n), mul(a.d, b.d)};
}

/* a / b for b != 0; equal denominators cancel (cents over cents). */
static frac f_div(frac a, frac b)
{
    frac r =
        a.d == b.d ? (frac){a.n, b.n} : (frac){mul(a.n, b.d), mul(a.d, b.n)};
    if (r.d < 0) {
        r.n = -r.n;
        r.d = -r.d;
    }
    return r;
}

static int f_cmp(frac a, frac b)
{
    i128 x = a.d == b.d ? a.n : mul(a.n, b.d);
    i128 y = a.d == b.d ? b.n : mul(b.n, a.d);
    return (x > y) - (x < y);
}

static frac f_min(frac a, frac b)
{
    return f_cmp(a, b) <= 0 ? a : b;
}

/* SPEC: award-evaluation rule 9: rounded once, to 2 places, half away
 * from zero.  Returns hundredths. */
static int64_t f_cents(frac a)
{
    i128 m = a.n < 0 ? -a.n : a.n;
    i128 c = add(mul(m, 200), a.d) / mul(a.d, 2);
    return (int64_t)(a.n < 0 ? -c : c);
}

/* Parses a decimal string (-?digits(.digits)?) exactly; false if it is
 * not one or does not fit 18 digits. */
static bool parse_dec(const unsigned char *s, size_t len, frac *out)
{
    size_t i = 0;
    bool neg = len && s[0] == '-';
    i += neg;
    int64_t n = 0, d = 1;
    int digits = 0;
    bool point = false;
    for (; i < len; i++) {
        if (s[i] == '.' && !point && digits) {
            point = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 18) {
            return false;
        }
        n = n * 10 + (s[i] - '0');
        if (point) {
            d *= 10;
        }
    }
    if (!digits || (point && d == 1)) {
        return false;
    }
    *out = (frac){neg ? -n : n, d};
    return true;
}

/* ---- dates ----------------------------------------------------------------
 */

static int digits2(const unsigned char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" as YYYYMMDD (ordered like the dates). */
static int32_t parse_date(const unsigned char *s, size_t len)
{
    if (len != 10) {
        die("bad date");
    }
    return (digits2(s) * 100 + digits2(s + 2)) * 10000 + digits2(s + 5) * 100 +
           digits2(s + 8);
}

/* An RFC 3339 instant: seconds since the epoch (UTC) and the fraction of
 * a second in units of 1e-18. */
typedef struct instant {
    int64_t sec;
    int64_t frac18;
} instant;

static instant parse_instant(const unsigned char *s, size_t len)
{
    if (len < 20) {
        die("bad date-time");
    }
    int64_t y = digits2(s) * 100 + digits2(s + 2);
    int64_t days = days_from_civil(y, digits2(s + 5), digits2(s + 8));
    instant t = {days * 86400 + digits2(s + 11) * 3600 + digits2(s + 14) * 60 +
                     digits2(s + 17),
                 0};
    size_t i = 19;
    if (s[i] == '.') {
        int64_t scale = 100000000000000000;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            t.frac18 += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i < len && (s[i] == '+' || s[i] == '-') && i + 6 == len) {
        int64_t off = digits2(s + i + 1) * 3600 + digits2(s + i + 4) * 60;
        t.sec -= s[i] == '+' ? off : -off;
    } else if (!(i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))) {
        die("bad date-time");
    }
    return t;
}

static int instant_cmp(instant a, instant b)
{
    if (a.sec != b.sec) {
        return a.sec < b.sec ? -1 : 1;
    }
    return (a.frac18 > b.frac18) - (a.frac18 < b.frac18);
}

/* ---- the bound tender -------------------------------------------------------
 */

/* SPEC: award-evaluation rule 2, grounds in the order of the lists. */
static const char *const grounds[] = {"corruption",
                                      "bribery",
                                      "fraud",
                                      "money-laundering",
                                      "terrorism",
                                      "modern-slavery",
                                      "tax-evasion",
                                      "organised-crime",
                                      "cartel",
                                      "theft",
                                      "insolvency",
                                      "professional-misconduct",
                                      "poor-performance",
                                      "environmental-breach",
                                      "labour-market-breach",
                                      "national-security"};
enum { GROUND_MANDATORY = 10, GROUND_COUNT = 16 };

typedef struct str {
    const char *p; /* arena, NUL-terminated */
    uint32_t len;
} str;

typedef struct question {
    str id;
    frac weight;
    int min_score;
} question;

typedef struct score {
    str key;
    int value;
} score;

typedef struct bid {
    str supplier;
    int64_t staff;
    frac turnover, balance_sheet, insurance, price, spend_pct;
    bool local;
    int8_t mandatory;     /* first mandatory ground, or -1 */
    int8_t discretionary; /* first discretionary ground, or -1 */
    int64_t jobs, apprenticeships;
    instant submitted;
    score *scores; /* arena */
    uint32_t nscores;
} bid;

typedef struct tender {
    str id;
    bool central;
    int category; /* 0 goods, 1 services, 2 works */
    bool reserved;
    int32_t published; /* YYYYMMDD */
    frac estimated, w_price, w_quality, w_social;
    question *questions; /* arena */
    uint32_t nquestions;
    bid *bids; /* arena */
    uint32_t nbids;
    const char *error; /* arena: "path: problem", or NULL */
} tender;

/* A bump allocator: chunks are kept on reset, so steady state is free. */
typedef struct chunk {
    struct chunk *next;
    size_t size;
    char mem[];
} chunk;

typedef struct arena {
    chunk *head, *first;
    char *p, *end;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if ((size_t)(a->end - a->p) < n) {
        chunk *c = a->head ? a->head->next : a->first;
        if (!c || c->size < n) {
            size_t size = n > (1u << 20) ? n : (1u << 20);
            c = malloc(sizeof *c + size);
            if (!c) {
                die("out of memory");
            }
            c->size = size;
            c->next = a->head ? a->head->next : a->first;
            if (a->head) {
                a->head->next = c;
            } else {
                a->first = c;
            }
        }
        a->head = c;
        a->p = (char *)(((uintptr_t)c->mem + 15) & ~(uintptr_t)15);
        a->end = c->mem + c->size;
    }
    void *r = a->p;
    a->p += n;
    return r;
}

static void arena_reset(arena *a)
{
    a->head = NULL;
    a->p = a->end = NULL;
}

static str arena_str(arena *a, const unsigned char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return (str){p, (uint32_t)len};
}

/* ---- binding: yajl events straight into the structs ---------------------- */

typedef enum ctx {
    C_TOP,
    C_TENDER,
    C_BUYER,
    C_WEIGHTS,
    C_QUESTIONS,
    C_QUESTION,
    C_BIDS,
    C_BID,
    C_SUPPLIER,
    C_EXCLUSIONS,
    C_SCORES,
    C_SOCIAL,
    C_SKIP
} ctx;

typedef enum key {
    K_OTHER,
    K_ID,
    K_BUYER,
    K_TYPE,
    K_PUBLISHED,
    K_CATEGORY,
    K_ESTIMATED,
    K_RESERVED,
    K_WEIGHTS,
    K_QUESTIONS,
    K_BIDS,
    K_PRICE,
    K_QUALITY,
    K_SOCIAL_VALUE,
    K_WEIGHT,
    K_MIN_SCORE,
    K_SUPPLIER,
    K_SUBMITTED,
    K_SCORES,
    K_STAFF,
    K_TURNOVER,
    K_BALANCE,
    K_LOCAL,
    K_EXCLUSIONS,
    K_INSURANCE,
    K_JOBS,
    K_APPRENTICESHIPS,
    K_SPEND
} key;

#define MAX_DEPTH 64

typedef struct binder binder;
typedef void (*tender_fn)(binder *b, tender *t);

struct binder {
    arena *a;
    ctx stack[MAX_DEPTH];
    int depth;
    key k;
    tender *t;
    question *qs; /* scratch, reused */
    uint32_t nqs, capqs;
    bid *bs;
    uint32_t nbs, capbs;
    score *ss;
    uint32_t nss, capss;
    uint32_t nexcl; /* exclusions seen in the current bid */
    tender_fn done;
    void *ud;
};

static void *grow(void *p, uint32_t *cap, size_t elem)
{
    *cap = *cap ? *cap * 2 : 16;
    p = realloc(p, *cap * elem);
    if (!p) {
        die("out of memory");
    }
    return p;
}

static key key_of(ctx c, const unsigned char *s, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, n) == 0)
    switch (c) {
    case C_TENDER:
        return IS("id")                ? K_ID
               : IS("buyer")           ? K_BUYER
               : IS("published")       ? K_PUBLISHED
               : IS("category")        ? K_CATEGORY
               : IS("estimated_value") ? K_ESTIMATED
               : IS("reserved")        ? K_RESERVED
               : IS("weights")         ? K_WEIGHTS
               : IS("questions")       ? K_QUESTIONS
               : IS("bids")            ? K_BIDS
                                       : K_OTHER;
    case C_BUYER: return IS("type") ? K_TYPE : K_OTHER;
    case C_WEIGHTS:
        return IS("price")          ? K_PRICE
               : IS("quality")      ? K_QUALITY
               : IS("social_value") ? K_SOCIAL_VALUE
                                    : K_OTHER;
    case C_QUESTION:
        return IS("id")          ? K_ID
               : IS("weight")    ? K_WEIGHT
               : IS("min_score") ? K_MIN_SCORE
                                 : K_OTHER;
    case C_BID:
        return IS("supplier")       ? K_SUPPLIER
               : IS("price")        ? K_PRICE
               : IS("submitted")    ? K_SUBMITTED
               : IS("scores")       ? K_SCORES
               : IS("social_value") ? K_SOCIAL_VALUE
                                    : K_OTHER;
    case C_SUPPLIER:
        return IS("id")              ? K_ID
               : IS("staff")         ? K_STAFF
               : IS("turnover")      ? K_TURNOVER
               : IS("balance_sheet") ? K_BALANCE
               : IS("local")         ? K_LOCAL
               : IS("exclusions")    ? K_EXCLUSIONS
               : IS("insurance")     ? K_INSURANCE
                                     : K_OTHER;
    case C_SOCIAL:
        return IS("local_jobs")        ? K_JOBS
               : IS("apprenticeships") ? K_APPRENTICESHIPS
               : IS("local_spend_pct") ? K_SPEND
                                       : K_OTHER;
    default: return K_OTHER;
    }
#undef IS
}

static int push(binder *b, ctx c)
{
    if (b->depth + 1 >= MAX_DEPTH) {
        die("nesting too deep");
    }
    b->stack[++b->depth] = c;
    return 1;
}

static bid *cur_bid(binder *b)
{
    return &b->bs[b->nbs - 1];
}

static int on_start_map(void *ud)
{
    binder *b = ud;
    ctx c = b->stack[b->depth];
    switch (c) {
    case C_TOP:
        b->t = arena_alloc(b->a, sizeof *b->t);
        memset(b->t, 0, sizeof *b->t);
        b->nqs = b->nbs = 0;
        return push(b, C_TENDER);
    case C_TENDER:
        return push(b, b->k == K_BUYER     ? C_BUYER
                       : b->k == K_WEIGHTS ? C_WEIGHTS
                                           : C_SKIP);
    case C_QUESTIONS:
        if (b->nqs == b->capqs) {
            b->qs = grow(b->qs, &b->capqs, sizeof *b->qs);
        }
        memset(&b->qs[b->nqs++], 0, sizeof *b->qs);
        return push(b, C_QUESTION);
    case C_BIDS:
        if (b->nbs == b->capbs) {
            b->bs = grow(b->bs, &b->capbs, sizeof *b->bs);
        }
        memset(&b->bs[b->nbs++], 0, sizeof *b->bs);
        cur_bid(b)->mandatory = cur_bid(b)->discretionary = -1;
        b->nss = 0;
        return push(b, C_BID);
    case C_BID:
        return push(b, b->k == K_SUPPLIER       ? C_SUPPLIER
                       : b->k == K_SCORES       ? C_SCORES
                       : b->k == K_SOCIAL_VALUE ? C_SOCIAL
                                                : C_SKIP);
    default: return push(b, C_SKIP);
    }
}

static int on_start_array(void *ud)
{
    binder *b = ud;
    ctx c = b->stack[b->depth];
    if (c == C_TENDER && b->k == K_QUESTIONS) {
        return push(b, C_QUESTIONS);
    }
    if (c == C_TENDER && b->k == K_BIDS) {
        return push(b, C_BIDS);
    }
    if (c == C_SUPPLIER && b->k == K_EXCLUSIONS) {
        b->nexcl = 0;
        return push(b, C_EXCLUSIONS);
    }
    return push(b, C_SKIP);
}

static int on_end(void *ud)
{
    binder *b = ud;
    ctx c = b->stack[b->depth--];
    if (c == C_BID) {
        bid *bd = cur_bid(b);
        bd->nscores = b->nss;
        bd->scores = arena_alloc(b->a, b->nss * sizeof *b->ss + 1);
        memcpy(bd->scores, b->ss, b->nss * sizeof *b->ss);
    } else if (c == C_TENDER) {
        tender *t = b->t;
        t->nquestions = b->nqs;
        t->questions = arena_alloc(b->a, b->nqs * sizeof *b->qs + 1);
        memcpy(t->questions, b->qs, b->nqs * sizeof *b->qs);
        t->nbids = b->nbs;
        t->bids = arena_alloc(b->a, b->nbs * sizeof *b->bs + 1);
        memcpy(t->bids, b->bs, b->nbs * sizeof *b->bs);
        b->done(b, t);
    }
    return 1;
}

static int on_key(void *ud, const unsigned char *s, size_t n)
{
    binder *b = ud;
    ctx c = b->stack[b->depth];
    if (c == C_SCORES) {
        if (b->nss == b->capss) {
            b->ss = grow(b->ss, &b->capss, sizeof *b->ss);
        }
        b->ss[b->nss++] = (score){arena_str(b->a, s, n), -1};
        return 1;
    }
    b->k = key_of(c, s, n);
    return 1;
}

static void bad_ground(binder *b, const unsigned char *s, size_t n)
{
    tender *t = b->t;
    if (t->error) {
        return;
    }
    char *msg = arena_alloc(b->a, n + 96);
    snprintf(
        msg, n + 96,
        "bids[%u].supplier.exclusions[%u]: unknown exclusion ground \"%.*s\"",
        b->nbs - 1, b->nexcl, (int)n, (const char *)s);
    t->error = msg;
}

static frac dec_or_die(const unsigned char *s, size_t n)
{
    frac f;
    if (!parse_dec(s, n, &f)) {
        die("bad decimal");
    }
    return f;
}

static int on_string(void *ud, const unsigned char *s, size_t n)
{
    binder *b = ud;
    tender *t = b->t;
    switch (b->stack[b->depth]) {
    case C_TENDER:
        switch (b->k) {
        case K_ID: t->id = arena_str(b->a, s, n); break;
        case K_PUBLISHED: t->published = parse_date(s, n); break;
        case K_CATEGORY:
            t->category = s[0] == 'g' ? 0 : s[0] == 's' ? 1 : 2;
            break;
        case K_ESTIMATED: t->estimated = dec_or_die(s, n); break;
        case K_RESERVED: t->reserved = true; break;
        default: break;
        }
        break;
    case C_BUYER:
        if (b->k == K_TYPE) {
            t->central = n == 7;
        }
        break;
    case C_WEIGHTS:
        switch (b->k) {
        case K_PRICE: t->w_price = dec_or_die(s, n); break;
        case K_QUALITY: t->w_quality = dec_or_die(s, n); break;
        case K_SOCIAL_VALUE: t->w_social = dec_or_die(s, n); break;
        default: break;
        }
        break;
    case C_QUESTION:
        if (b->k == K_ID) {
            b->qs[b->nqs - 1].id = arena_str(b->a, s, n);
        } else if (b->k == K_WEIGHT) {
            b->qs[b->nqs - 1].weight = dec_or_die(s, n);
        }
        break;
    case C_BID:
        if (b->k == K_PRICE) {
            cur_bid(b)->price = dec_or_die(s, n);
        } else if (b->k == K_SUBMITTED) {
            cur_bid(b)->submitted = parse_instant(s, n);
        }
        break;
    case C_SUPPLIER: {
        bid *bd = cur_bid(b);
        switch (b->k) {
        case K_ID: bd->supplier = arena_str(b->a, s, n); break;
        case K_TURNOVER: bd->turnover = dec_or_die(s, n); break;
        case K_BALANCE: bd->balance_sheet = dec_or_die(s, n); break;
        case K_INSURANCE: bd->insurance = dec_or_die(s, n); break;
        default: break;
        }
        break;
    }
    case C_EXCLUSIONS: {
        bid *bd = cur_bid(b);
        int g = 0;
        while (g < GROUND_COUNT &&
               !(strlen(grounds[g]) == n && memcmp(grounds[g], s, n) == 0)) {
            g++;
        }
        if (g == GROUND_COUNT) {
            bad_ground(b, s, n);
        } else if (g < GROUND_MANDATORY && bd->mandatory < 0) {
            bd->mandatory = (int8_t)g;
        } else if (g >= GROUND_MANDATORY && bd->discretionary < 0) {
            bd->discretionary = (int8_t)g;
        }
        b->nexcl++;
        break;
    }
    case C_SOCIAL:
        if (b->k == K_SPEND) {
            cur_bid(b)->spend_pct = dec_or_die(s, n);
        }
        break;
    default: break;
    }
    return 1;
}

static int on_integer(void *ud, long long v)
{
    binder *b = ud;
    switch (b->stack[b->depth]) {
    case C_QUESTION:
        if (b->k == K_MIN_SCORE) {
            b->qs[b->nqs - 1].min_score = (int)v;
        }
        break;
    case C_SCORES: b->ss[b->nss - 1].value = (int)v; break;
    case C_SUPPLIER:
        if (b->k == K_STAFF) {
            cur_bid(b)->staff = v;
        }
        break;
    case C_SOCIAL:
        if (b->k == K_JOBS) {
            cur_bid(b)->jobs = v;
        } else if (b->k == K_APPRENTICESHIPS) {
            cur_bid(b)->apprenticeships = v;
        }
        break;
    default: break;
    }
    return 1;
}

static int on_boolean(void *ud, int v)
{
    binder *b = ud;
    if (b->stack[b->depth] == C_SUPPLIER && b->k == K_LOCAL) {
        cur_bid(b)->local = v;
    }
    return 1;
}

static int on_null(void *ud)
{
    return 1;
}

static int on_double(void *ud, double v)
{
    return 1; /* no field of the schema is a JSON fraction */
}

static const yajl_callbacks callbacks = {
    on_null,      on_boolean, on_integer, on_double,      NULL,   on_string,
    on_start_map, on_key,     on_end,     on_start_array, on_end,
};

/* ---- output -----------------------------------------------------------------
 */

typedef struct out {
    char *p;
    size_t len, cap;
    int fd;
    uint64_t total; /* bytes written */
} out;

static void out_flush(out *o)
{
    size_t off = 0;
    while (off < o->len) {
        ssize_t w = write(o->fd, o->p + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("cannot write the output");
        }
        off += (size_t)w;
    }
    o->total += o->len;
    o->len = 0;
}

/* Room for [n] more bytes. */
static char *out_room(out *o, size_t n)
{
    if (o->len + n > o->cap) {
        out_flush(o);
        if (n > o->cap) {
            o->cap = n;
            o->p = realloc(o->p, o->cap);
            if (!o->p) {
                die("out of memory");
            }
        }
    }
    return o->p + o->len;
}

static void put(out *o, const char *s, size_t n)
{
    memcpy(out_room(o, n), s, n);
    o->len += n;
}

#define PUT(o, lit) put((o), lit, sizeof(lit) - 1)

/* A JSON string, escaped as Tally escapes it. */
static void put_json_string(out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out_room(o, n * 6 + 2), *start = p;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char)c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p++ = '"';
    o->len += (size_t)(p - start);
}

/* "38.21": hundredths with exactly two places, in quotes. */
static void put_cents(out *o, int64_t c)
{
    char buf[32], *p = buf + sizeof buf;
    uint64_t m = c < 0 ? -(uint64_t)c : (uint64_t)c;
    *--p = '"';
    *--p = (char)('0' + m % 10);
    m /= 10;
    *--p = (char)('0' + m % 10);
    m /= 10;
    *--p = '.';
    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (c < 0) {
        *--p = '-';
    }
    *--p = '"';
    put(o, p, (size_t)(buf + sizeof buf - p));
}

static void put_uint(out *o, uint64_t m)
{
    char buf[24], *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    put(o, p, (size_t)(buf + sizeof buf - p));
}

/* ---- evaluation
 * ----------------------------------------------------------------- */

typedef enum status { ST_SCORED, ST_EXCLUDED, ST_FAILED } status;

/* Per-bid results of one tender; scratch reused across tenders. */
typedef struct result {
    status st;
    bool sme;
    const char *reason_pre; /* "mandatory exclusion: " etc. */
    const char *reason_arg; /* ground name or question id, or NULL */
    frac raw_social;
    int64_t price_c, quality_c, social_c, total_c;
    uint32_t rank;
} result;

typedef struct evaluator {
    result *r;
    uint32_t cap;
    uint32_t *order;
    int8_t *qscore; /* bid's score for each question, -1 missing */
    uint32_t qcap;
} evaluator;

static const frac insurance_min = {500000000, 100};
static const frac turnover_max = {4400000000, 100};
static const frac balance_max = {3800000000, 100};

/* SPEC: award-evaluation rule 1 (Procurement Act 2023, Schedule 1). */
static bool threshold_for(const tender *t, frac *thr)
{
    static const int64_t rows[2][3] = {
        {13968800, 21490400, 537260900}, /* from 2025-02-24 */
        {13501800, 20772000, 519300000}, /* from 2026-01-01 */
    };
    if (t->published < 20250224) {
        return false;
    }
    const int64_t *row = rows[t->published >= 20260101];
    int col = t->category == 2 ? 2 : t->central ? 0 : 1;
    *thr = (frac){row[col], 100};
    return true;
}

/* SPEC: award-evaluation rule 10: rounded total desc, rounded quality
 * desc, submitted asc, supplier id asc, input order. */
static bool ranks_before(const tender *t, const result *r, uint32_t a,
                         uint32_t b)
{
    if (r[a].total_c != r[b].total_c) {
        return r[a].total_c > r[b].total_c;
    }
    if (r[a].quality_c != r[b].quality_c) {
        return r[a].quality_c > r[b].quality_c;
    }
    int c = instant_cmp(t->bids[a].submitted, t->bids[b].submitted);
    if (c) {
        return c < 0;
    }
    c = strcmp(t->bids[a].supplier.p, t->bids[b].supplier.p);
    if (c) {
        return c < 0;
    }
    return a < b;
}

static void evaluate(evaluator *ev, const tender *t, out *o)
{
    PUT(o, "{\"tender\": ");
    put_json_string(o, t->id.p, t->id.len);
    frac thr;
    if (t->error || !threshold_for(t, &thr)) {
        PUT(o, ", \"error\": ");
        char msg[64];
        const char *m = t->error;
        if (!m) {
            snprintf(msg, sizeof msg,
                     "published: no threshold in force on %04d-%02d-%02d",
                     t->published / 10000, t->published / 100 % 100,
                     t->published % 100);
            m = msg;
        }
        put_json_string(o, m, strlen(m));
        PUT(o, "}\n");
        return;
    }
    uint32_t nb = t->nbids, nq = t->nquestions;
    if (nb > ev->cap) {
        ev->cap = nb * 2;
        ev->r = realloc(ev->r, ev->cap * sizeof *ev->r);
        ev->order = realloc(ev->order, ev->cap * sizeof *ev->order);
    }
    if ((size_t)nb * nq > ev->qcap) {
        ev->qcap = nb * nq * 2;
        ev->qscore = realloc(ev->qscore, ev->qcap);
    }
    if ((nb && (!ev->r || !ev->order)) || (nb && nq && !ev->qscore)) {
        die("out of memory");
    }
    bool above = f_cmp(t->estimated, thr) >= 0;
    bool reserved_local = !above && t->reserved; /* SPEC: rule 3 */
    result *r = ev->r;
    uint32_t ncompliant = 0;
    frac lowest = {0, 1}, best_raw = {0, 1};
    for (uint32_t i = 0; i < nb; i++) {
        const bid *b = &t->bids[i];
        result *x = &r[i];
        int8_t *qs = ev->qscore + (size_t)i * nq;
        /* SPEC: rule 8 (Procurement Act 2023, s.123(1)). */
        x->sme = b->staff < 250 && (f_cmp(b->turnover, turnover_max) <= 0 ||
                                    f_cmp(b->balance_sheet, balance_max) <= 0);
        x->reason_arg = NULL;
        for (uint32_t q = 0; q < nq; q++) {
            qs[q] = -1;
            const str *id = &t->questions[q].id;
            for (uint32_t s = 0; s < b->nscores; s++) {
                if (b->scores[s].key.len == id->len &&
                    memcmp(b->scores[s].key.p, id->p, id->len) == 0) {
                    qs[q] = (int8_t)b->scores[s].value;
                    break;
                }
            }
        }
        /* SPEC: rules 2 to 4. */
        if (b->mandatory >= 0) {
            x->st = ST_EXCLUDED;
            x->reason_pre = "mandatory exclusion: ";
            x->reason_arg = grounds[b->mandatory];
        } else if (b->discretionary >= 0) {
            x->st = ST_EXCLUDED;
            x->reason_pre = "discretionary exclusion: ";
            x->reason_arg = grounds[b->discretionary];
        } else if (reserved_local && !(b->local && x->sme)) {
            x->st = ST_EXCLUDED;
            x->reason_pre = "not eligible: reserved for local SMEs";
        } else if (f_cmp(b->insurance, insurance_min) < 0) {
            x->st = ST_FAILED;
            x->reason_pre = "insurance below 5000000.00";
        } else {
            x->st = ST_SCORED;
            for (uint32_t q = 0; q < nq; q++) {
                if (qs[q] < t->questions[q].min_score) {
                    x->st = ST_FAILED;
                    x->reason_pre = "";
                    x->reason_arg = t->questions[q].id.p;
                    break;
                }
            }
        }
        if (x->st != ST_SCORED) {
            continue;
        }
        /* SPEC: rule 7, raw points. */
        frac pct = f_min(b->spend_pct, f_int(100));
        frac raw =
            f_add(f_int(5 * (b->jobs < 10 ? b->jobs : 10) +
                        6 * (b->apprenticeships < 5 ? b->apprenticeships : 5)),
                  f_div(pct, f_int(5)));
        x->raw_social = raw;
        if (ncompliant == 0 || f_cmp(b->price, lowest) < 0) {
            lowest = b->price;
        }
        if (ncompliant == 0 || f_cmp(raw, best_raw) > 0) {
            best_raw = raw;
        }
        ev->order[ncompliant++] = i;
    }
    /* SPEC: rules 5, 6, 7 and 9. */
    bool sv_zero = best_raw.n == 0;
    for (uint32_t k = 0; k < ncompliant; k++) {
        uint32_t i = ev->order[k];
        const bid *b = &t->bids[i];
        result *x = &r[i];
        const int8_t *qs = ev->qscore + (size_t)i * nq;
        frac price = f_mul(t->w_price, f_div(lowest, b->price));
        frac quality = {0, 1};
        for (uint32_t q = 0; q < nq; q++) {
            quality = f_add(quality, f_mul(t->questions[q].weight,
                                           f_int(qs[q] < 0 ? 0 : qs[q])));
        }
        quality.d = mul(quality.d, 5);
        frac social = sv_zero
                          ? f_int(0)
                          : f_mul(t->w_social, f_div(x->raw_social, best_raw));
        frac total = f_add(f_add(price, quality), social);
        x->price_c = f_cents(price);
        x->quality_c = f_cents(quality);
        x->social_c = f_cents(social);
        x->total_c = f_cents(total);
    }
    /* SPEC: rule 10: insertion sort (a dozen bids at most in practice). */
    uint32_t *ord = ev->order;
    for (uint32_t k = 1; k < ncompliant; k++) {
        uint32_t v = ord[k], j = k;
        while (j > 0 && ranks_before(t, r, v, ord[j - 1])) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
    for (uint32_t k = 0; k < ncompliant; k++) {
        r[ord[k]].rank = k + 1;
    }
    if (above) {
        PUT(o, ", \"regime\": \"above-threshold\", \"award\": ");
    } else {
        PUT(o, ", \"regime\": \"below-threshold\", \"award\": ");
    }
    if (ncompliant) {
        const str *s = &t->bids[ord[0]].supplier;
        put_json_string(o, s->p, s->len);
    } else {
        PUT(o, "null");
    }
    PUT(o, ", \"bids\": [");
    for (uint32_t i = 0; i < nb; i++) {
        const result *x = &r[i];
        if (i) {
            PUT(o, ", ");
        }
        PUT(o, "{\"supplier\": ");
        put_json_string(o, t->bids[i].supplier.p, t->bids[i].supplier.len);
        if (x->sme) {
            PUT(o, ", \"sme\": true, \"status\": ");
        } else {
            PUT(o, ", \"sme\": false, \"status\": ");
        }
        if (x->st == ST_SCORED) {
            PUT(o, "\"scored\", \"price_score\": ");
            put_cents(o, x->price_c);
            PUT(o, ", \"quality_score\": ");
            put_cents(o, x->quality_c);
            PUT(o, ", \"social_value_score\": ");
            put_cents(o, x->social_c);
            PUT(o, ", \"total\": ");
            put_cents(o, x->total_c);
            PUT(o, ", \"rank\": ");
            put_uint(o, x->rank);
            PUT(o, "}");
            continue;
        }
        if (x->st == ST_EXCLUDED) {
            PUT(o, "\"excluded\", \"reason\": ");
        } else {
            PUT(o, "\"failed\", \"reason\": ");
        }
        char reason[256];
        int n =
            snprintf(reason, sizeof reason, "%s%s%s", x->reason_pre,
                     x->reason_arg ? x->reason_arg : "",
                     x->reason_arg && !*x->reason_pre ? " below minimum" : "");
        put_json_string(o, reason,
                        (size_t)n < sizeof reason ? (size_t)n
                                                  : sizeof reason - 1);
        PUT(o, "}");
    }
    PUT(o, "]}\n");
}

/* ---- driver
 * -------------------------------------------------------------------- */

typedef struct run {
    evaluator ev;
    out o;
    arena *a;
    tender **all; /* eval-only: tenders of the current batch */
    size_t nall, capall, batch;
    uint64_t bids, tenders, eval_ns;
} run;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void eval_now(binder *b, tender *t)
{
    run *r = b->ud;
    r->bids += t->nbids;
    r->tenders++;
    evaluate(&r->ev, t, &r->o);
    arena_reset(b->a);
}

/* Eval-only: times evaluation + formatting of every tender held, then
 * forgets them.  Parsing is done and no tender is half-bound. */
static void eval_batch(run *r)
{
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < r->nall; i++) {
        r->bids += r->all[i]->nbids;
        evaluate(&r->ev, r->all[i], &r->o);
    }
    out_flush(&r->o);
    r->eval_ns += now_ns() - t0;
    r->tenders += r->nall;
    r->nall = 0;
    arena_reset(r->a);
}

static void keep(binder *b, tender *t)
{
    run *r = b->ud;
    if (r->nall == r->capall) {
        r->capall = r->capall ? r->capall * 2 : 1024;
        r->all = realloc(r->all, r->capall * sizeof *r->all);
        if (!r->all) {
            die("out of memory");
        }
    }
    r->all[r->nall++] = t;
    if (r->batch && r->nall >= r->batch) {
        eval_batch(r);
    }
}

static void parse_error(yajl_handle h, const unsigned char *buf, size_t len)
{
    unsigned char *e = yajl_get_error(h, 1, buf, len);
    fprintf(stderr, "award: %s", (const char *)e);
    yajl_free_error(h, e);
    exit(5);
}

int main(int argc, char **argv)
{
    const char *in_path = NULL, *out_path = NULL;
    bool eval_only = false;
    size_t batch = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--eval-only") == 0) {
            eval_only = true;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            batch = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (!in_path) {
            in_path = argv[i];
        } else {
            in_path = NULL;
            break;
        }
    }
    if (!in_path) {
        fprintf(stderr,
                "usage: award [--eval-only [--batch N]] FILE [-o OUT]\n");
        return 4;
    }
    int in = open(in_path, O_RDONLY);
    if (in < 0) {
        perror(in_path);
        return 6;
    }
    if (!out_path && eval_only) {
        out_path = "/dev/null";
    }
    run r = {0};
    r.o.fd = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
    if (r.o.fd < 0) {
        perror(out_path);
        return 6;
    }
    r.o.cap = 1 << 16;
    r.o.p = malloc(r.o.cap);
    arena a = {0};
    binder b = {.a = &a, .done = eval_only ? keep : eval_now, .ud = &r};
    yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
    yajl_config(h, yajl_allow_multiple_values, 1);
    r.a = &a;
    r.batch = batch;
    static unsigned char buf[1 << 18];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            perror(in_path);
            return 6;
        }
        if (n == 0) {
            if (yajl_complete_parse(h) != yajl_status_ok) {
                parse_error(h, buf, 0);
            }
            break;
        }
        if (yajl_parse(h, buf, (size_t)n) != yajl_status_ok) {
            parse_error(h, buf, (size_t)n);
        }
    }
    if (eval_only) {
        eval_batch(&r);
    }
    out_flush(&r.o);
    yajl_free(h);
    if (eval_only) {
        fprintf(stderr,
                "{\"tenders\": %llu, \"bids\": %llu, \"eval_ns\": %llu, "
                "\"out_bytes\": %llu}\n",
                (unsigned long long)r.tenders, (unsigned long long)r.bids,
                (unsigned long long)r.eval_ns, (unsigned long long)r.o.total);
    }
    return 0;
}
