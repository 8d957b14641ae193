/* runtime/value.h - runtime values.
 *
 * A value is 24 bytes: a kind tag, a small type index, a length for text,
 * and a 16-byte payload (an exact decimal fits inline).  Policies are
 * statically typed, so the VM mostly trusts kinds; the tag serves equality,
 * sorting, output and debugging.
 *
 * Ownership, in one rule: every heap object a value points to (text bytes,
 * records, lists, maps, big decimals) lives in an arena -- the program's
 * arena for constants, the per-record arena for everything built while
 * evaluating or binding one input record.  Values are immutable once built
 * and copied by plain assignment; nothing is freed one by one.  A value
 * must not outlive the arena its payload lives in (the runner resets the
 * record arena only after the record's output has been written).
 *
 * "optional T" has no box: a value of an optional type is either VAL_NONE
 * or a value of T.
 */
#ifndef TALLY_RUNTIME_VALUE_H
#define TALLY_RUNTIME_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "decimal.h"

typedef enum val_kind {
    VAL_NONE,     /* absent optional, JSON null */
    VAL_BOOL,     /* as.b */
    VAL_INT,      /* as.i */
    VAL_DEC,      /* as.d: decimal, money, percent; type: 0, or for
                     'money in currency' the currency (val_cur_pack) */
    VAL_DATE,     /* as.i: days since 1970-01-01 */
    VAL_DATETIME, /* as.t */
    VAL_DURATION, /* as.i: days */
    VAL_TEXT,     /* as.s, len bytes of UTF-8, not NUL-terminated */
    VAL_ENUM,     /* as.i: member ordinal; type: enum index; for an open
                     enum's 'other' read from data, as.en.code holds the
                     code (len bytes, arena), else as.en.code is NULL */
    VAL_RECORD,   /* as.r; type: record index */
    VAL_LIST,     /* as.l */
    VAL_MAP,      /* as.m; keys are texts */
    VAL_ERROR,    /* as.e: a map entry that failed to bind (see data.h) */
    VAL_KIND_COUNT
} val_kind;

typedef struct val_record val_record;
typedef struct val_list val_list;
typedef struct val_map val_map;
typedef struct val_error val_error;

typedef struct value {
    uint8_t kind;  /* val_kind */
    uint8_t flags; /* reserved, 0 */
    uint16_t type; /* VAL_ENUM: enum index; VAL_RECORD: record index */
    uint32_t len;  /* VAL_TEXT: byte length */
    union {
        bool b;
        int64_t i;
        dec d;
        date_instant t;
        const char *s; /* arena */
        struct {
            int64_t i;        /* as.i: the ordinal */
            const char *code; /* arena: see VAL_ENUM */
        } en;
        val_record *r; /* arena */
        val_list *l;   /* arena */
        val_map *m;    /* arena */
        val_error *e;  /* arena */
    } as;
} value;

_Static_assert(sizeof(value) == 24, "value layout is part of the VM's speed");

struct val_record {
    uint16_t type;   /* record index in the program */
    uint16_t count;  /* number of fields */
    value fields[];  /* in declaration order */
};

struct val_list {
    uint32_t count;
    uint32_t cap;
    value *items; /* arena */
};

struct val_map {
    uint32_t count;
    value *keys; /* arena; VAL_TEXT, in input order, unique */
    value *vals; /* arena; parallel to keys */
};

/* A value that could not be bound from the input, kept so that an error is
 * raised only if the policy reads it (e.g. a score for a question the tender
 * does not ask is ignored, SPEC: award-evaluation, Input). */
struct val_error {
    const char *path; /* arena, NUL-terminated: "bids[0].scores.Q1" */
    const char *msg;  /* arena, NUL-terminated: "not an integer" */
};

static inline value val_none(void)
{
    value v = {0};
    v.kind = VAL_NONE;
    return v;
}

static inline value val_bool(bool b)
{
    value v = {0};
    v.kind = VAL_BOOL;
    v.as.b = b;
    return v;
}

static inline value val_int(int64_t i)
{
    value v = {0};
    v.kind = VAL_INT;
    v.as.i = i;
    return v;
}

static inline value val_dec(dec d)
{
    value v = {0};
    v.kind = VAL_DEC;
    v.as.d = d;
    return v;
}

static inline value val_text(const char *s, uint32_t len)
{
    value v = {0};
    v.kind = VAL_TEXT;
    v.len = len;
    v.as.s = s;
    return v;
}

/* Money's currency, when the value carries it ('money in currency'),
 * is packed into a VAL_DEC's type field: a code of three capital letters
 * is ((c0 * 26) + c1) * 26 + c2 + 1 over 'A' = 0, at most 17576, so it
 * fits 16 bits; 0 means the value carries no currency (a plain decimal,
 * or money whose currency is its static type's).  Arithmetic keeps the
 * field: an operation writes only as.d of its first operand. */
#define VAL_CUR_NONE 0u

/* The packed form of the code [s] ([len] bytes), or VAL_CUR_NONE when it
 * is not three capital letters A-Z. */
static inline uint16_t val_cur_pack(const char *s, size_t len)
{
    if (len != 3) {
        return VAL_CUR_NONE;
    }
    unsigned n = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] < 'A' || s[i] > 'Z') {
            return VAL_CUR_NONE;
        }
        n = n * 26 + (unsigned)(s[i] - 'A');
    }
    return (uint16_t)(n + 1);
}

/* Writes the code of packed currency [c] (not VAL_CUR_NONE) into [out]:
 * three letters and a NUL. */
static inline void val_cur_code(uint16_t c, char out[4])
{
    unsigned n = (unsigned)c - 1;
    out[2] = (char)('A' + n % 26);
    n /= 26;
    out[1] = (char)('A' + n % 26);
    out[0] = (char)('A' + n / 26 % 26);
    out[3] = '\0';
}

/* Are the codes of two members of one enum alike: equal unless both are
 * an open enum's 'other' read from data (value.h, VAL_ENUM) with
 * different codes.  An 'other' with no code (written in the policy)
 * stands for every unknown code, so `x = other` asks whether x is one. */
static inline bool val_codes_alike(const value *x, const value *y)
{
    const char *a = x->as.en.code, *b = y->as.en.code;
    if (a == b || !a || !b) {
        return true;
    }
    if (x->len != y->len) {
        return false;
    }
    for (uint32_t i = 0; i < x->len; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

/* Structural equality.  Texts compare by bytes, decimals by value (and
 * amounts carrying different currencies are not equal), enum members by
 * ordinal and, for two unknown codes of an open enum, by code, records
 * field by field, lists element by element.  NONE equals only NONE. */
bool val_equal(const value *x, const value *y);

/* Total order for sorting and comparison operators, for values of one
 * kind: ints, decimals, dates, instants, durations, enums (ordinal),
 * booleans (false < true), texts (by Unicode code point, which for UTF-8 is
 * byte order).  Returns <0, 0, >0. */
int val_compare(const value *x, const value *y);

#endif
