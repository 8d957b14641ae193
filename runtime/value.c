/* runtime/value.c - equality and ordering of runtime values.
 *
 * The two functions here serve the VM's EQ/NE/IN/MAP lookups and its
 * ordered comparisons, MIN/MAX and SORT.  They read values built by the
 * VM, the data binder or the bytecode reader and never allocate.  Values
 * of different kinds are unequal and order by kind, so a comparison can
 * never crash whatever it is handed.
 */
#include "value.h"

#include <string.h>

static int cmp_i64(int64_t x, int64_t y)
{
    return (x > y) - (x < y);
}

static int cmp_text(const value *x, const value *y)
{
    /* UTF-8 byte order is code point order. */
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->as.s, y->as.s, n) : 0;
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return (x->len > y->len) - (x->len < y->len);
}

static bool dec_equal(const dec *x, const dec *y)
{
    /* Canonical forms: two inline decimals are equal iff their parts are. */
    if (!DEC_IS_BIG(*x) && !DEC_IS_BIG(*y)) {
        return x->u.n == y->u.n && x->d == y->d;
    }
    return dec_cmp(x, y) == 0;
}

static int cmp_str0(const char *x, const char *y)
{
    int c = strcmp(x ? x : "", y ? y : "");
    return (c > 0) - (c < 0);
}

/* Index of key [k] in [m], or -1. */
static int64_t map_find(const val_map *m, const value *k)
{
    for (uint32_t i = 0; i < m->count; i++) {
        const value *mk = &m->keys[i];
        if (mk->len == k->len &&
            (k->len == 0 || memcmp(mk->as.s, k->as.s, k->len) == 0)) {
            return i;
        }
    }
    return -1;
}

bool val_equal(const value *x, const value *y)
{
    if (x->kind != y->kind) {
        return false;
    }
    switch ((val_kind)x->kind) {
    case VAL_NONE:
        return true;
    case VAL_BOOL:
        return x->as.b == y->as.b;
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
        return x->as.i == y->as.i;
    case VAL_DEC:
        return x->type == y->type && dec_equal(&x->as.d, &y->as.d);
    case VAL_DATETIME:
        return x->as.t.sec == y->as.t.sec && x->as.t.nsec == y->as.t.nsec;
    case VAL_TEXT:
        return x->len == y->len &&
               (x->len == 0 || memcmp(x->as.s, y->as.s, x->len) == 0);
    case VAL_ENUM:
        return x->type == y->type && x->as.i == y->as.i && val_codes_alike(x, y);
    case VAL_RECORD: {
        const val_record *a = x->as.r, *b = y->as.r;
        if (a == b) {
            return true;
        }
        if (a->type != b->type || a->count != b->count) {
            return false;
        }
        for (uint16_t i = 0; i < a->count; i++) {
            if (!val_equal(&a->fields[i], &b->fields[i])) {
                return false;
            }
        }
        return true;
    }
    case VAL_LIST: {
        const val_list *a = x->as.l, *b = y->as.l;
        if (a == b) {
            return true;
        }
        if (a->count != b->count) {
            return false;
        }
        for (uint32_t i = 0; i < a->count; i++) {
            if (!val_equal(&a->items[i], &b->items[i])) {
                return false;
            }
        }
        return true;
    }
    case VAL_MAP: {
        /* Equal as sets of entries: key order is the input's, not data. */
        const val_map *a = x->as.m, *b = y->as.m;
        if (a == b) {
            return true;
        }
        if (a->count != b->count) {
            return false;
        }
        for (uint32_t i = 0; i < a->count; i++) {
            int64_t j = map_find(b, &a->keys[i]);
            if (j < 0 || !val_equal(&a->vals[i], &b->vals[j])) {
                return false;
            }
        }
        return true;
    }
    case VAL_ERROR:
        return x->as.e == y->as.e ||
               (cmp_str0(x->as.e->path, y->as.e->path) == 0 &&
                cmp_str0(x->as.e->msg, y->as.e->msg) == 0);
    case VAL_KIND_COUNT:
        break;
    }
    return false; /* a corrupt kind tag: unequal, never a crash */
}

int val_compare(const value *x, const value *y)
{
    if (x->kind != y->kind) {
        return x->kind < y->kind ? -1 : 1;
    }
    switch ((val_kind)x->kind) {
    case VAL_NONE:
        return 0;
    case VAL_BOOL:
        return (int)x->as.b - (int)y->as.b;
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
        return cmp_i64(x->as.i, y->as.i);
    case VAL_DEC: {
        int c = dec_cmp(&x->as.d, &y->as.d);
        return (c > 0) - (c < 0);
    }
    case VAL_DATETIME: {
        int c = date_instant_cmp(&x->as.t, &y->as.t);
        return (c > 0) - (c < 0);
    }
    case VAL_TEXT:
        return cmp_text(x, y);
    case VAL_ENUM:
        if (x->type != y->type) {
            return x->type < y->type ? -1 : 1;
        }
        return cmp_i64(x->as.i, y->as.i);
    case VAL_RECORD: {
        const val_record *a = x->as.r, *b = y->as.r;
        if (a == b) {
            return 0;
        }
        if (a->type != b->type) {
            return a->type < b->type ? -1 : 1;
        }
        uint16_t n = a->count < b->count ? a->count : b->count;
        for (uint16_t i = 0; i < n; i++) {
            int c = val_compare(&a->fields[i], &b->fields[i]);
            if (c != 0) {
                return c;
            }
        }
        return (a->count > b->count) - (a->count < b->count);
    }
    case VAL_LIST: {
        const val_list *a = x->as.l, *b = y->as.l;
        if (a == b) {
            return 0;
        }
        uint32_t n = a->count < b->count ? a->count : b->count;
        for (uint32_t i = 0; i < n; i++) {
            int c = val_compare(&a->items[i], &b->items[i]);
            if (c != 0) {
                return c;
            }
        }
        return (a->count > b->count) - (a->count < b->count);
    }
    case VAL_MAP: {
        /* Some total order, consistent with val_equal's 0: by count, then
         * entries in stored order. */
        const val_map *a = x->as.m, *b = y->as.m;
        if (a->count != b->count) {
            return a->count < b->count ? -1 : 1;
        }
        if (val_equal(x, y)) {
            return 0;
        }
        for (uint32_t i = 0; i < a->count; i++) {
            int c = cmp_text(&a->keys[i], &b->keys[i]);
            if (c == 0) {
                c = val_compare(&a->vals[i], &b->vals[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
    case VAL_ERROR: {
        if (x->as.e == y->as.e) {
            return 0;
        }
        int c = cmp_str0(x->as.e->path, y->as.e->path);
        return c ? c : cmp_str0(x->as.e->msg, y->as.e->msg);
    }
    case VAL_KIND_COUNT:
        break;
    }
    return 0; /* a corrupt kind tag: treat as equal, never a crash */
}
