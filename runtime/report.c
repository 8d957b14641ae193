/* runtime/report.c - a run's reports: groups and aggregates across records.
 *
 * Each report keeps an open-addressed index from a group's encoded keys
 * (encode: a canonical byte string per value, so equal values, and only
 * they, give equal bytes) to its group, and per group one accumulator
 * per column.  Everything a group holds lives in the state's arena; the
 * growing tables (group lists, indexes, distinct sets) are mem_ blocks.
 * A value an accumulator replaces (a sum that went big, a new least
 * text) is waste in the arena: when the waste passes the live bytes,
 * compact() copies the live state into the other arena and resets the
 * first, so memory stays proportional to the groups.
 *
 * Sums, means and shares are exact (runtime/decimal.c); a mean or share
 * is rounded only when written, as the column says.  Nothing here
 * depends on the order rows arrive in: merging states in any order gives
 * the same report, which is what makes --jobs and shards byte-identical.
 * Partial states are JSON read with yajl's tree parser (a partial is
 * bounded by the groups, not by the records).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "date.h"
#include "decimal.h"
#include "tally_assert.h"

#define PARTIAL_FORMAT 1
#define COMPACT_MIN (1u << 20) /* never compact for less waste than this:
                                  a copy of a small state costs more than
                                  the memory it frees */

typedef struct dent {
    uint64_t hash;
    const char *bytes; /* arena: the value's encoding */
    uint32_t len;
    value v; /* payload in the arena */
} dent;

typedef struct dset {
    dent *e;      /* owned (mem_): cap slots, bytes NULL when empty */
    uint32_t n;
    uint32_t cap; /* 0 or a power of two, at least twice n */
} dset;

typedef struct acc {
    uint64_t n;    /* rows (count, share) or values not none (sum, mean) */
    uint64_t hits; /* share: rows whose condition held */
    bool has;      /* sum, mean, min, max: v holds a value */
    value v;       /* the sum (VAL_DEC), least or greatest value; vshare:
                      the sum where the condition held */
    bool has_w;    /* vshare: w holds a value */
    value w;       /* vshare: the sum over every row */
    dset set;      /* count_distinct */
} acc;

typedef struct group {
    uint64_t hash;
    const char *kb; /* arena: the keys' encoding */
    uint32_t klen;
    value *keys;    /* arena: nkeys */
    acc *accs;      /* arena: ncols */
} group;

typedef struct rtab {
    const bc_report *rp;
    const bc_record *in, *out;
    group **g;     /* owned (mem_): groups in order of arrival */
    uint32_t n, cap;
    uint32_t *ix;  /* owned: ixcap slots, group index + 1, 0 empty */
    uint32_t ixcap;
} rtab;

struct rep_state {
    mem_ctx *mem;
    const bc_program *p;
    arena ar[2]; /* the live state in ar[cur]; the other empty */
    int cur;
    arena tmp;   /* scratch: sums before they are kept, finished rows */
    size_t live; /* bytes of live state put in ar[cur] (an estimate for
                    big decimals) */
    size_t waste;/* bytes of ar[cur] no longer referenced */
    strbuf kb;   /* scratch: an encoding */
    rtab *t;     /* owned: nreports */
    bool nomem;
};

/* ---- types ---------------------------------------------------------- */

static const bc_type *type_of(const bc_program *p, uint16_t t)
{
    const bc_type *ty = &p->types[t];
    return ty->kind == BT_OPTIONAL ? &p->types[ty->ref] : ty;
}

static uint16_t field_type(const bc_program *p, const bc_record *r, uint32_t i)
{
    return p->fields[r->first_field + i].type;
}

/* ---- values ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

#define FNV_START 14695981039346656037ull

/* Appends [v]'s canonical encoding: a kind byte, then 8 bytes for the
 * integer kinds, length and bytes for text, the exact digits and a NUL
 * for decimals. */
static void encode(strbuf *b, const value *v)
{
    sb_putc(b, (char)('A' + v->kind));
    switch ((val_kind)v->kind) {
    case VAL_BOOL:
        sb_putc(b, v->as.b ? '1' : '0');
        break;
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
    case VAL_ENUM: {
        unsigned char x[8];
        for (int i = 0; i < 8; i++) {
            x[i] = (unsigned char)((uint64_t)v->as.i >> (8 * i));
        }
        sb_put(b, (const char *)x, 8);
        if (v->kind == VAL_ENUM && v->as.en.code) {
            /* an open enum's unknown code: "payer" apart from "reviewBody" */
            unsigned char l[4];
            for (int i = 0; i < 4; i++) {
                l[i] = (unsigned char)(v->len >> (8 * i));
            }
            sb_put(b, (const char *)l, 4);
            sb_put(b, v->as.en.code, v->len);
        }
        break;
    }
    case VAL_DEC:
        dec_format_exact(&v->as.d, b);
        if (v->type != VAL_CUR_NONE) { /* EUR 5 and USD 5 are two keys */
            char c[4];
            val_cur_code(v->type, c);
            sb_put(b, c, 3);
        }
        sb_putc(b, '\0');
        break;
    case VAL_TEXT: {
        unsigned char x[4];
        for (int i = 0; i < 4; i++) {
            x[i] = (unsigned char)(v->len >> (8 * i));
        }
        sb_put(b, (const char *)x, 4);
        sb_put(b, v->as.s, v->len);
        break;
    }
    default:
        break; /* none: the kind byte alone; others the verifier refuses */
    }
}

/* A copy of [v] whose payload is in [a]; false out of memory.  Adds the
 * bytes it took to *[bytes]. */
static bool copy_value(arena *a, const value *v, value *out, size_t *bytes)
{
    *out = *v;
    if (v->kind == VAL_TEXT) {
        char *t = arena_alloc(a, v->len ? v->len : 1);
        if (!t) {
            return false;
        }
        memcpy(t, v->as.s, v->len);
        out->as.s = t;
        *bytes += v->len;
    } else if (v->kind == VAL_ENUM && v->as.en.code) {
        char *t = arena_alloc(a, v->len ? v->len : 1);
        if (!t) {
            return false;
        }
        memcpy(t, v->as.en.code, v->len);
        out->as.en.code = t;
        *bytes += v->len;
    } else if (v->kind == VAL_DEC && DEC_IS_BIG(v->as.d)) {
        dec zero = dec_from_int(0);
        if (dec_add(a, &v->as.d, &zero, &out->as.d) != DEC_OK) {
            return false;
        }
        *bytes += 64 + 8 * (size_t)dec_cost(&v->as.d, NULL);
    }
    return true;
}

/* The bytes [v]'s payload takes in an arena, as copy_value counts them. */
static size_t payload(const value *v)
{
    if (v->kind == VAL_TEXT || (v->kind == VAL_ENUM && v->as.en.code)) {
        return v->len;
    }
    if (v->kind == VAL_DEC && DEC_IS_BIG(v->as.d)) {
        return 64 + 8 * (size_t)dec_cost(&v->as.d, NULL);
    }
    return 0;
}

/* Orders values of one column: none first, then val_compare. */
static int compare(const value *x, const value *y)
{
    if (x->kind == VAL_NONE || y->kind == VAL_NONE) {
        return (x->kind != VAL_NONE) - (y->kind != VAL_NONE);
    }
    int c = val_compare(x, y);
    if (c == 0 && x->kind == VAL_DEC) {
        /* equal amounts in two currencies: by the packed code, i.e.
         * alphabetically, so groups keep one order */
        c = (x->type > y->type) - (x->type < y->type);
    }
    if (c == 0 && x->kind == VAL_ENUM && (x->as.en.code || y->as.en.code)) {
        /* unknown codes of an open enum: by their bytes (no code first) */
        if (!x->as.en.code || !y->as.en.code) {
            return (x->as.en.code != NULL) - (y->as.en.code != NULL);
        }
        uint32_t n = x->len < y->len ? x->len : y->len;
        c = n ? memcmp(x->as.en.code, y->as.en.code, n) : 0;
        c = c ? c : (x->len > y->len) - (x->len < y->len);
    }
    return c;
}

/* ---- the state ------------------------------------------------------- */

rep_state *rep_new(mem_ctx *mem, const bc_program *p)
{
    rep_state *s = mem_alloc(mem, sizeof *s);
    if (!s) {
        return NULL;
    }
    memset(s, 0, sizeof *s);
    s->mem = mem;
    s->p = p;
    arena_init(&s->ar[0], mem);
    arena_init(&s->ar[1], mem);
    arena_init(&s->tmp, mem);
    sb_init(&s->kb, mem);
    if (p->nreports) {
        s->t = mem_alloc(mem, p->nreports * sizeof *s->t);
        if (!s->t) {
            rep_free(s);
            return NULL;
        }
        memset(s->t, 0, p->nreports * sizeof *s->t);
    }
    for (uint32_t i = 0; i < p->nreports; i++) {
        const bc_report *rp = &p->reports[i];
        s->t[i].rp = rp;
        s->t[i].in = &p->records[p->types[p->types[rp->in_type].ref].ref];
        s->t[i].out = &p->records[p->types[rp->out_type].ref];
    }
    return s;
}

void rep_free(rep_state *s)
{
    if (!s) {
        return;
    }
    for (uint32_t i = 0; s->t && i < s->p->nreports; i++) {
        rtab *t = &s->t[i];
        for (uint32_t g = 0; g < t->n; g++) {
            for (uint16_t c = 0; c < t->rp->ncols; c++) {
                dset *d = &t->g[g]->accs[c].set;
                mem_free(s->mem, d->e, d->cap * sizeof *d->e);
            }
        }
        mem_free(s->mem, t->g, t->cap * sizeof *t->g);
        mem_free(s->mem, t->ix, t->ixcap * sizeof *t->ix);
    }
    if (s->t) {
        mem_free(s->mem, s->t, s->p->nreports * sizeof *s->t);
    }
    arena_free(&s->ar[0]);
    arena_free(&s->ar[1]);
    arena_free(&s->tmp);
    sb_free(&s->kb);
    mem_ctx *m = s->mem;
    mem_free(m, s, sizeof *s);
}

static arena *live(rep_state *s)
{
    return &s->ar[s->cur];
}

/* Copies [n] bytes into the live arena. */
static const char *keep_bytes(rep_state *s, arena *a, const char *p, size_t n)
{
    char *t = arena_alloc(a, n ? n : 1);
    if (t) {
        memcpy(t, p, n);
        s->live += n;
    }
    return t;
}

/* ---- distinct sets ---------------------------------------------------- */

/* Adds [v] (none: nothing) to [d]; false out of memory. */
static bool dset_add(rep_state *s, dset *d, const value *v)
{
    if (v->kind == VAL_NONE) {
        return true;
    }
    sb_clear(&s->kb);
    encode(&s->kb, v);
    if (s->kb.failed) {
        return false;
    }
    uint64_t h = fnv(FNV_START, s->kb.p, s->kb.len);
    if (d->cap && d->n * 2 + 2 <= d->cap) {
        /* room */
    } else {
        uint32_t cap = d->cap ? d->cap * 2 : 8;
        dent *e = mem_alloc(s->mem, cap * sizeof *e);
        if (!e) {
            return false;
        }
        memset(e, 0, cap * sizeof *e);
        for (uint32_t i = 0; i < d->cap; i++) {
            if (d->e[i].bytes) {
                uint32_t j = (uint32_t)d->e[i].hash & (cap - 1);
                while (e[j].bytes) {
                    j = (j + 1) & (cap - 1);
                }
                e[j] = d->e[i];
            }
        }
        mem_free(s->mem, d->e, d->cap * sizeof *d->e);
        d->e = e;
        d->cap = cap;
    }
    uint32_t j = (uint32_t)h & (d->cap - 1);
    while (d->e[j].bytes) {
        if (d->e[j].hash == h && d->e[j].len == s->kb.len &&
            memcmp(d->e[j].bytes, s->kb.p, s->kb.len) == 0) {
            return true;
        }
        j = (j + 1) & (d->cap - 1);
    }
    dent n = {h, NULL, (uint32_t)s->kb.len, val_none()};
    n.bytes = keep_bytes(s, live(s), s->kb.p, s->kb.len);
    if (!n.bytes || !copy_value(live(s), v, &n.v, &s->live)) {
        return false;
    }
    d->e[j] = n;
    d->n++;
    return true;
}

/* ---- groups ------------------------------------------------------------ */

/* The group of [keys] in [t], made when new; NULL out of memory. */
static group *group_for(rep_state *s, rtab *t, const value *keys)
{
    uint16_t nk = t->rp->nkeys;
    sb_clear(&s->kb);
    for (uint16_t k = 0; k < nk; k++) {
        encode(&s->kb, &keys[k]);
    }
    if (s->kb.failed) {
        return NULL;
    }
    uint64_t h = fnv(FNV_START, s->kb.p, s->kb.len);
    if (t->ixcap && t->ixcap >= (t->n + 1) * 2) {
        uint32_t j = (uint32_t)h & (t->ixcap - 1);
        while (t->ix[j]) {
            group *g = t->g[t->ix[j] - 1];
            if (g->hash == h && g->klen == s->kb.len &&
                memcmp(g->kb, s->kb.p, s->kb.len) == 0) {
                return g;
            }
            j = (j + 1) & (t->ixcap - 1);
        }
    } else {
        uint32_t cap = t->ixcap ? t->ixcap * 2 : 16;
        uint32_t *ix = mem_alloc(s->mem, cap * sizeof *ix);
        if (!ix) {
            return NULL;
        }
        memset(ix, 0, cap * sizeof *ix);
        for (uint32_t i = 0; i < t->n; i++) {
            uint32_t j = (uint32_t)t->g[i]->hash & (cap - 1);
            while (ix[j]) {
                j = (j + 1) & (cap - 1);
            }
            ix[j] = i + 1;
        }
        mem_free(s->mem, t->ix, t->ixcap * sizeof *t->ix);
        t->ix = ix;
        t->ixcap = cap;
        return group_for(s, t, keys); /* the encoding is made again */
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        group **g = mem_realloc(s->mem, t->g, t->cap * sizeof *g, cap * sizeof *g);
        if (!g) {
            return NULL;
        }
        t->g = g;
        t->cap = cap;
    }
    arena *a = live(s);
    group *g = arena_zalloc(a, sizeof *g);
    value *kv = arena_zalloc(a, (nk ? nk : 1) * sizeof *kv);
    acc *ac = arena_zalloc(a, (t->rp->ncols ? t->rp->ncols : 1) * sizeof *ac);
    if (!g || !kv || !ac) {
        return NULL;
    }
    s->live += sizeof *g + nk * sizeof *kv + t->rp->ncols * sizeof *ac;
    g->hash = h;
    g->klen = (uint32_t)s->kb.len;
    g->kb = keep_bytes(s, a, s->kb.p, s->kb.len);
    if (!g->kb) {
        return NULL;
    }
    for (uint16_t k = 0; k < nk; k++) {
        if (!copy_value(a, &keys[k], &kv[k], &s->live)) {
            return NULL;
        }
    }
    g->keys = kv;
    g->accs = ac;
    uint32_t j = (uint32_t)h & (t->ixcap - 1);
    while (t->ix[j]) {
        j = (j + 1) & (t->ixcap - 1);
    }
    t->g[t->n++] = g;
    t->ix[j] = t->n;
    return g;
}

/* ---- accumulating ------------------------------------------------------ */

/* Replaces *[slot] (set when *[has]) by [v] (kept in the live arena). */
static bool replace_in(rep_state *s, value *slot, bool *has, const value *v)
{
    if (*has) {
        s->waste += payload(slot);
    }
    value c;
    if (!copy_value(live(s), v, &c, &s->live)) {
        return false;
    }
    *slot = c;
    *has = true;
    return true;
}

/* Replaces a->v by [v]. */
static bool replace(rep_state *s, acc *a, const value *v)
{
    return replace_in(s, &a->v, &a->has, v);
}

/* Amounts that carry their currency ('money in currency', value.h) in
 * two currencies never fold into one sum, least or greatest: there is no
 * rate table.  RT_ERUNTIME (the message in [err]) when [have] and [x]
 * carry different currencies; [what] is the column's verb. */
static rt_status same_currency(const value *have, const value *x, const char *what,
                               char *err, size_t errcap)
{
    if (have->kind != VAL_DEC || x->kind != VAL_DEC || have->type == x->type ||
        have->type == VAL_CUR_NONE || x->type == VAL_CUR_NONE) {
        return RT_OK;
    }
    char ch[4], cx[4];
    val_cur_code(have->type, ch);
    val_cur_code(x->type, cx);
    snprintf(err, errcap, "a report cannot %s money in %s and money in %s "
             "(amounts in different currencies: group by the currency)", what, ch, cx);
    return RT_ERUNTIME;
}

static rt_status add_into(rep_state *s, value *sum, bool *has, const value *x, char *err,
                          size_t errcap);

/* Adds the number [x] to the sum in [a]. */
static rt_status add_to_sum(rep_state *s, acc *a, const value *x, char *err, size_t errcap)
{
    return add_into(s, &a->v, &a->has, x, err, errcap);
}

/* Adds the number [x] to *[sum] (none yet unless *[has]). */
static rt_status add_into(rep_state *s, value *sum, bool *has, const value *x, char *err,
                          size_t errcap)
{
    value d = *x;
    if (d.kind == VAL_INT) {
        d = val_dec(dec_from_int(d.as.i));
    }
    if (d.kind != VAL_DEC) {
        return RT_OK; /* the verifier has checked the type */
    }
    if (!*has) {
        return replace_in(s, sum, has, &d) ? RT_OK : RT_ENOMEM;
    }
    rt_status cs = same_currency(sum, &d, "sum", err, errcap);
    if (cs != RT_OK) {
        return cs;
    }
    value r = val_dec(dec_from_int(0));
    r.type = sum->type != VAL_CUR_NONE ? sum->type : d.type;
    dec_status st = dec_add(&s->tmp, &sum->as.d, &d.as.d, &r.as.d);
    if (st == DEC_TOO_BIG) {
        snprintf(err, errcap, "a sum in a report has more than %d digits", DEC_MAX_DIGITS);
        return RT_ERUNTIME;
    }
    if (st != DEC_OK) {
        return RT_ENOMEM;
    }
    bool ok = replace_in(s, sum, has, &r);
    arena_reset(&s->tmp);
    return ok ? RT_OK : RT_ENOMEM;
}

/* Folds one row's argument [x] into column [c]'s accumulator [a]. */
static rt_status fold(rep_state *s, const bc_report_col *c, acc *a, const value *x,
                      char *err, size_t errcap)
{
    switch ((bc_agg)c->agg) {
    case BC_AGG_COUNT:
        a->n++;
        return RT_OK;
    case BC_AGG_SHARE:
        a->n++;
        a->hits += x->kind == VAL_BOOL && x->as.b;
        return RT_OK;
    case BC_AGG_SUM:
    case BC_AGG_MEAN:
        if (x->kind == VAL_NONE) {
            return RT_OK;
        }
        a->n++;
        return add_to_sum(s, a, x, err, errcap);
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        if (x->kind == VAL_NONE) {
            return RT_OK;
        }
        if (a->has) {
            rt_status cs = same_currency(&a->v, x, c->agg == BC_AGG_MIN ? "take the min of"
                                                                        : "take the max of",
                                         err, errcap);
            if (cs != RT_OK) {
                return cs;
            }
        }
        if (!a->has || (c->agg == BC_AGG_MIN ? compare(x, &a->v) < 0
                                             : compare(x, &a->v) > 0)) {
            return replace(s, a, x) ? RT_OK : RT_ENOMEM;
        }
        return RT_OK;
    case BC_AGG_VSHARE: {
        /* [VALUE if COND else none, VALUE]: a row without VALUE counts
         * nowhere */
        if (x->kind != VAL_LIST || x->as.l->count != 2 ||
            x->as.l->items[1].kind == VAL_NONE) {
            return RT_OK;
        }
        a->n++;
        rt_status st = add_into(s, &a->w, &a->has_w, &x->as.l->items[1], err, errcap);
        if (st == RT_OK && x->as.l->items[0].kind != VAL_NONE) {
            a->hits++;
            st = add_into(s, &a->v, &a->has, &x->as.l->items[0], err, errcap);
        }
        if (st == RT_OK && a->has && a->has_w) {
            st = same_currency(&a->w, &a->v, "sum", err, errcap);
        }
        return st;
    }
    case BC_AGG_DISTINCT:
        if (c->flags & BC_REPORT_LIST) {
            if (x->kind != VAL_LIST) {
                return RT_OK;
            }
            for (uint32_t i = 0; i < x->as.l->count; i++) {
                if (!dset_add(s, &a->set, &x->as.l->items[i])) {
                    return RT_ENOMEM;
                }
            }
            return RT_OK;
        }
        return dset_add(s, &a->set, x) ? RT_OK : RT_ENOMEM;
    case BC_AGG_COUNT_:
        break;
    }
    return RT_OK;
}

/* Folds accumulator [o] (of another state, or read from a partial) into
 * [a]. */
static rt_status fold_acc(rep_state *s, const bc_report_col *c, acc *a, const acc *o,
                          char *err, size_t errcap)
{
    switch ((bc_agg)c->agg) {
    case BC_AGG_COUNT:
    case BC_AGG_SHARE:
        a->n += o->n;
        a->hits += o->hits;
        return RT_OK;
    case BC_AGG_SUM:
    case BC_AGG_MEAN:
        a->n += o->n;
        return o->has ? add_to_sum(s, a, &o->v, err, errcap) : RT_OK;
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        return o->has ? fold(s, c, a, &o->v, err, errcap) : RT_OK;
    case BC_AGG_VSHARE: {
        a->n += o->n;
        a->hits += o->hits;
        rt_status st = o->has_w ? add_into(s, &a->w, &a->has_w, &o->w, err, errcap) : RT_OK;
        if (st == RT_OK && o->has) {
            st = add_into(s, &a->v, &a->has, &o->v, err, errcap);
        }
        if (st == RT_OK && a->has && a->has_w) {
            st = same_currency(&a->w, &a->v, "sum", err, errcap);
        }
        return st;
    }
    case BC_AGG_DISTINCT:
        for (uint32_t i = 0; i < o->set.cap; i++) {
            if (o->set.e[i].bytes && !dset_add(s, &a->set, &o->set.e[i].v)) {
                return RT_ENOMEM;
            }
        }
        return RT_OK;
    case BC_AGG_COUNT_:
        break;
    }
    return RT_OK;
}

/* A copy of [o] (ncols accumulators after nk keys) in [to], its
 * distinct sets in new slot arrays; NULL (with what was made freed or
 * left in [to]) out of memory. */
static group *copy_group(rep_state *s, arena *to, const group *o, uint16_t nk, uint16_t nc,
                         size_t *bytes)
{
    group *g = arena_alloc(to, sizeof *g);
    value *kv = arena_alloc(to, (nk ? nk : 1) * sizeof *kv);
    acc *ac = arena_zalloc(to, (nc ? nc : 1) * sizeof *ac);
    char *kb = arena_alloc(to, o->klen ? o->klen : 1);
    if (!g || !kv || !ac || !kb) {
        return NULL;
    }
    *g = *o;
    memcpy(kb, o->kb, o->klen);
    g->kb = kb;
    g->keys = kv;
    g->accs = ac;
    *bytes += sizeof *g + nk * sizeof *kv + nc * sizeof *ac + o->klen;
    for (uint16_t k = 0; k < nk; k++) {
        if (!copy_value(to, &o->keys[k], &kv[k], bytes)) {
            return NULL;
        }
    }
    bool ok = true;
    for (uint16_t c = 0; c < nc && ok; c++) {
        const acc *oa = &o->accs[c];
        ac[c] = *oa;
        ac[c].set.e = NULL;
        if ((oa->has && !copy_value(to, &oa->v, &ac[c].v, bytes)) ||
            (oa->has_w && !copy_value(to, &oa->w, &ac[c].w, bytes))) {
            ok = false;
            break;
        }
        if (!oa->set.cap) {
            continue;
        }
        dent *e = mem_alloc(s->mem, oa->set.cap * sizeof *e);
        if (!e) {
            ok = false;
            break;
        }
        memset(e, 0, oa->set.cap * sizeof *e);
        ac[c].set.e = e;
        for (uint32_t j = 0; j < oa->set.cap && ok; j++) {
            const dent *d = &oa->set.e[j];
            if (!d->bytes) {
                continue;
            }
            char *b = arena_alloc(to, d->len ? d->len : 1);
            ok = b && copy_value(to, &d->v, &e[j].v, bytes);
            if (ok) {
                memcpy(b, d->bytes, d->len);
                e[j].bytes = b;
                e[j].len = d->len;
                e[j].hash = d->hash;
                *bytes += d->len;
            }
        }
    }
    if (!ok) {
        for (uint16_t c = 0; c < nc; c++) {
            mem_free(s->mem, ac[c].set.e, ac[c].set.e ? o->accs[c].set.cap * sizeof(dent) : 0);
        }
        return NULL;
    }
    return g;
}

/* Copies the live state into the other arena and empties this one,
 * when the waste passes what is live.  Out of memory it leaves the state
 * as it was (compacting is only ever an economy). */
static void compact(rep_state *s)
{
    if (s->waste < COMPACT_MIN || s->waste < s->live) {
        return;
    }
    arena *to = &s->ar[1 - s->cur];
    size_t total = 0, bytes = 0;
    for (uint32_t i = 0; i < s->p->nreports; i++) {
        total += s->t[i].n;
    }
    group **ng = mem_alloc(s->mem, (total ? total : 1) * sizeof *ng);
    if (!ng) {
        return;
    }
    size_t made = 0;
    bool ok = true;
    for (uint32_t i = 0; i < s->p->nreports && ok; i++) {
        rtab *t = &s->t[i];
        for (uint32_t gi = 0; gi < t->n && ok; gi++) {
            ng[made] = copy_group(s, to, t->g[gi], t->rp->nkeys, t->rp->ncols, &bytes);
            ok = ng[made] != NULL;
            made += ok;
        }
    }
    if (!ok) {
        /* undo: the copies' slot arrays, then their arena */
        size_t k = 0;
        for (uint32_t i = 0; i < s->p->nreports && k < made; i++) {
            rtab *t = &s->t[i];
            for (uint32_t gi = 0; gi < t->n && k < made; gi++, k++) {
                for (uint16_t c = 0; c < t->rp->ncols; c++) {
                    dset *d = &ng[k]->accs[c].set;
                    mem_free(s->mem, d->e, d->e ? d->cap * sizeof *d->e : 0);
                }
            }
        }
        arena_reset(to);
        mem_free(s->mem, ng, (total ? total : 1) * sizeof *ng);
        return;
    }
    size_t k = 0;
    for (uint32_t i = 0; i < s->p->nreports; i++) {
        rtab *t = &s->t[i];
        for (uint32_t gi = 0; gi < t->n; gi++, k++) {
            for (uint16_t c = 0; c < t->rp->ncols; c++) {
                dset *d = &t->g[gi]->accs[c].set;
                mem_free(s->mem, d->e, d->cap * sizeof *d->e);
            }
            t->g[gi] = ng[k];
        }
    }
    mem_free(s->mem, ng, (total ? total : 1) * sizeof *ng);
    arena_reset(live(s));
    s->cur = 1 - s->cur;
    s->live = bytes;
    s->waste = 0;
}

rt_status rep_add(rep_state *s, uint32_t report, const value *rows, char *err, size_t errcap)
{
    if (report >= s->p->nreports || rows->kind != VAL_LIST) {
        return RT_OK;
    }
    rtab *t = &s->t[report];
    const bc_report *rp = t->rp;
    for (uint32_t i = 0; i < rows->as.l->count; i++) {
        const value *r = &rows->as.l->items[i];
        if (r->kind != VAL_RECORD || r->as.r->count != rp->nkeys + rp->ncols) {
            continue; /* the verifier has checked the type: never here */
        }
        group *g = group_for(s, t, r->as.r->fields);
        if (!g) {
            return RT_ENOMEM;
        }
        for (uint16_t c = 0; c < rp->ncols; c++) {
            rt_status st = fold(s, &rp->cols[c], &g->accs[c],
                                &r->as.r->fields[rp->nkeys + c], err, errcap);
            if (st != RT_OK) {
                return st;
            }
        }
    }
    compact(s);
    return RT_OK;
}

rt_status rep_merge(rep_state *into, const rep_state *from, char *err, size_t errcap)
{
    for (uint32_t i = 0; i < into->p->nreports; i++) {
        rtab *t = &into->t[i];
        const rtab *f = &from->t[i];
        for (uint32_t gi = 0; gi < f->n; gi++) {
            const group *o = f->g[gi];
            group *g = group_for(into, t, o->keys);
            if (!g) {
                return RT_ENOMEM;
            }
            for (uint16_t c = 0; c < t->rp->ncols; c++) {
                rt_status st = fold_acc(into, &t->rp->cols[c], &g->accs[c], &o->accs[c],
                                        err, errcap);
                if (st != RT_OK) {
                    return st;
                }
            }
        }
    }
    compact(into);
    return RT_OK;
}

/* ---- finishing ----------------------------------------------------------- */

/* Rounds [x] as column [c] says, for a result of kind [kind] (a
 * percentage rounds its points). */
static dec_status round_col(arena *a, const bc_report_col *c, uint8_t kind, dec *x)
{
    if (c->places == BC_PLACES_ANY) {
        return DEC_OK;
    }
    if (kind != BT_PERCENT) {
        return dec_round(a, x, c->places, (dec_round_mode)c->mode, x);
    }
    dec hundred = dec_from_int(100);
    dec_status st = dec_mul(a, x, &hundred, x);
    if (st == DEC_OK) {
        st = dec_round(a, x, c->places, (dec_round_mode)c->mode, x);
    }
    if (st == DEC_OK) {
        st = dec_div(a, x, &hundred, x);
    }
    return st;
}

/* The result of column [c] from [a], of type [out] (the result
 * field's). */
static rt_status result(rep_state *s, const rtab *t, uint16_t c, const acc *a, value *out,
                        char *err, size_t errcap)
{
    const bc_report_col *col = &t->rp->cols[c];
    const bc_program *p = s->p;
    uint8_t kind = type_of(p, field_type(p, t->out, t->rp->nkeys + c))->kind;
    dec x;
    dec_status st = DEC_OK;
    *out = val_none();
    switch ((bc_agg)col->agg) {
    case BC_AGG_COUNT:
        *out = val_int((int64_t)a->n);
        return RT_OK;
    case BC_AGG_DISTINCT:
        *out = val_int((int64_t)a->set.n);
        return RT_OK;
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        if (a->has) {
            *out = a->v;
        }
        return RT_OK;
    case BC_AGG_SUM:
        x = a->has ? a->v.as.d : dec_from_int(0);
        break;
    case BC_AGG_MEAN: {
        if (!a->has || !a->n) {
            return RT_OK;
        }
        dec n = dec_from_int((int64_t)a->n);
        st = dec_div(&s->tmp, &a->v.as.d, &n, &x);
        break;
    }
    case BC_AGG_SHARE: {
        dec h = dec_from_int((int64_t)a->hits), n = dec_from_int((int64_t)(a->n ? a->n : 1));
        st = dec_div(&s->tmp, &h, &n, &x);
        break;
    }
    case BC_AGG_VSHARE: {
        if (!a->has_w || dec_sign(&a->w.as.d) == 0) {
            return RT_OK; /* no value to share: none */
        }
        dec h = a->has ? a->v.as.d : dec_from_int(0);
        st = dec_div(&s->tmp, &h, &a->w.as.d, &x);
        break;
    }
    default:
        return RT_OK;
    }
    if (st == DEC_OK) {
        st = round_col(&s->tmp, col, kind, &x);
    }
    if (st == DEC_ENOMEM) {
        return RT_ENOMEM;
    }
    if (st != DEC_OK) {
        snprintf(err, errcap, "a result has more than %d digits", DEC_MAX_DIGITS);
        return RT_ERUNTIME;
    }
    if (kind == BT_INT) {
        int64_t i;
        if (dec_to_int(&x, &i) != DEC_OK) {
            snprintf(err, errcap, "an integer sum is outside the 64-bit range");
            return RT_ERUNTIME;
        }
        *out = val_int(i);
        return RT_OK;
    }
    *out = val_dec(x);
    out->type = a->has ? a->v.type : VAL_CUR_NONE; /* money in currency */
    return RT_OK;
}

typedef struct row {
    const value *v;   /* a record of the report's out_type */
    const rtab *t;
} row;

static int by_keys(const row *a, const row *b)
{
    for (uint16_t k = 0; k < a->t->rp->nkeys; k++) {
        int c = compare(&a->v->as.r->fields[k], &b->v->as.r->fields[k]);
        if (c) {
            return c;
        }
    }
    return 0;
}

static int row_order(const void *x, const void *y)
{
    const row *a = x, *b = y;
    const bc_report *rp = a->t->rp;
    if (rp->top) {
        const value *u = &a->v->as.r->fields[rp->nkeys + rp->top_col];
        const value *w = &b->v->as.r->fields[rp->nkeys + rp->top_col];
        if ((u->kind == VAL_NONE) != (w->kind == VAL_NONE)) {
            return u->kind == VAL_NONE ? 1 : -1; /* none last either way */
        }
        int c = u->kind == VAL_NONE ? 0 : val_compare(u, w);
        if (c) {
            return rp->top_desc ? -c : c;
        }
    }
    return by_keys(a, b);
}

/* The rows of report [t], finished and ordered, in *rows (s->tmp) and
 * their number in *n (after the top line's cut). */
static rt_status finish_rows(rep_state *s, const rtab *t, row **rows, uint32_t *n,
                             char *err, size_t errcap)
{
    const bc_report *rp = t->rp;
    uint32_t nf = (uint32_t)rp->nkeys + rp->ncols;
    row *r = arena_alloc(&s->tmp, (t->n ? t->n : 1) * sizeof *r);
    if (!r) {
        return RT_ENOMEM;
    }
    for (uint32_t gi = 0; gi < t->n; gi++) {
        const group *g = t->g[gi];
        val_record *vr = arena_alloc(&s->tmp, sizeof *vr + nf * sizeof(value));
        if (!vr) {
            return RT_ENOMEM;
        }
        vr->type = s->p->types[rp->out_type].ref;
        vr->count = (uint16_t)nf;
        for (uint16_t k = 0; k < rp->nkeys; k++) {
            vr->fields[k] = g->keys[k];
        }
        for (uint16_t c = 0; c < rp->ncols; c++) {
            rt_status st = result(s, t, c, &g->accs[c], &vr->fields[rp->nkeys + c], err,
                                  errcap);
            if (st != RT_OK) {
                return st;
            }
        }
        value *v = arena_alloc(&s->tmp, sizeof *v);
        if (!v) {
            return RT_ENOMEM;
        }
        *v = val_none();
        v->kind = VAL_RECORD;
        v->type = vr->type;
        v->as.r = vr;
        r[gi] = (row){v, t};
    }
    qsort(r, t->n, sizeof *r, row_order);
    *rows = r;
    *n = rp->top && rp->top < t->n ? rp->top : t->n;
    return RT_OK;
}

/* Writes report [t]'s rows in [fmt] to [f]. */
static rt_status write_one(rep_state *s, const rtab *t, FILE *f, out_format fmt, bool *elems,
                           char *err, size_t errcap)
{
    row *rows;
    uint32_t n;
    const bc_str *name = &s->p->strings[t->rp->name];
    char e[512];
    rt_status st = finish_rows(s, t, &rows, &n, e, sizeof e);
    if (st == RT_ERUNTIME) {
        snprintf(err, errcap, "report %s: %s", name->p, e);
    }
    if (st != RT_OK) {
        return st;
    }
    out_writer *w = out_new_as(s->mem, s->p, fmt == OUT_JSONL ? NULL : f, fmt,
                               t->rp->out_type);
    if (!w) {
        return RT_ENOMEM;
    }
    strbuf head;
    sb_init(&head, s->mem);
    sb_put_json_string(&head, name->p, name->len);
    for (uint32_t i = 0; i < n && st == RT_OK; i++) {
        st = out_result(w, rows[i].v, e, sizeof e);
        if (st != RT_OK && out_status(w) == RT_OK) {
            snprintf(err, errcap, "report %s: %s", name->p, e);
            break;
        }
        if (st == RT_OK && fmt == OUT_JSONL) {
            const char *text;
            size_t len;
            st = out_take(w, &text, &len);
            if (st == RT_OK && !head.failed && len >= 2) {
                if (elems) {
                    fputs(*elems ? ",\n" : "\n", f);
                    *elems = true;
                }
                fprintf(f, "{\"report\": %s%s", head.p, len > 2 ? ", " : "");
                fwrite(text + 1, 1, len - 1, f);
                if (!elems) {
                    fputc('\n', f);
                }
            }
        }
    }
    if (head.failed && st == RT_OK) {
        st = RT_ENOMEM;
    }
    rt_status fin = out_finish(w);
    out_free(w);
    sb_free(&head);
    if (st == RT_OK) {
        st = fin;
    }
    if (st == RT_OK && ferror(f)) {
        st = RT_EIO;
    }
    return st;
}

rt_status rep_write(rep_state *s, FILE *f, out_format fmt, char *err, size_t errcap)
{
    rt_status st = RT_OK;
    if (fmt == OUT_JSON) {
        fputs("{", f);
    }
    for (uint32_t i = 0; i < s->p->nreports && st == RT_OK; i++) {
        const bc_str *name = &s->p->strings[s->t[i].rp->name];
        if (fmt == OUT_JSON) {
            strbuf b;
            sb_init(&b, s->mem);
            sb_put_json_string(&b, name->p, name->len);
            fprintf(f, "%s%s: ", i ? ", " : "", b.failed ? "\"\"" : b.p);
            sb_free(&b);
        } else if (fmt == OUT_CSV || fmt == OUT_TABLE) {
            if (i) {
                fputc('\n', f);
            }
            if (fmt == OUT_TABLE || s->p->nreports > 1) {
                fprintf(f, "%sreport %s\n", fmt == OUT_CSV ? "# " : "", name->p);
            }
        }
        fflush(f);
        st = write_one(s, &s->t[i], f, fmt, NULL, err, errcap);
        arena_reset(&s->tmp);
    }
    if (fmt == OUT_JSON && st == RT_OK) {
        fputs("}\n", f);
    }
    if (st == RT_OK && (fflush(f) != 0 || ferror(f))) {
        st = RT_EIO;
    }
    return st;
}

rt_status rep_write_report(rep_state *s, uint32_t report, FILE *f, out_format fmt,
                           char *err, size_t errcap)
{
    rt_status st = write_one(s, &s->t[report], f, fmt, NULL, err, errcap);
    arena_reset(&s->tmp);
    if (st == RT_OK && (fflush(f) != 0 || ferror(f))) {
        st = RT_EIO;
    }
    return st;
}

rt_status rep_write_elements(rep_state *s, FILE *f, bool *any, char *err, size_t errcap)
{
    rt_status st = RT_OK;
    for (uint32_t i = 0; i < s->p->nreports && st == RT_OK; i++) {
        st = write_one(s, &s->t[i], f, OUT_JSONL, any, err, errcap);
        arena_reset(&s->tmp);
    }
    if (st == RT_OK && (fflush(f) != 0 || ferror(f))) {
        st = RT_EIO;
    }
    return st;
}

/* ---- partial states ----------------------------------------------------- */

/* Appends [t]'s layout to [b]: what two programs must share for their
 * partial states to merge. */
static void type_sig(strbuf *b, const bc_program *p, uint16_t t, int depth)
{
    const bc_type *ty = &p->types[t];
    sb_printf(b, "(%u %u", ty->kind, ty->places);
    if (depth < 4 && (ty->kind == BT_OPTIONAL || ty->kind == BT_LIST)) {
        type_sig(b, p, ty->ref, depth + 1);
    } else if (ty->kind == BT_ENUM) {
        const bc_enum *e = &p->enums[ty->ref];
        for (uint16_t m = 0; m < e->nmembers; m++) {
            sb_printf(b, " %s", bc_string(p, p->members[e->first_member + m].json));
        }
    } else if (ty->kind == BT_MONEY) {
        sb_printf(b, " %s", bc_string(p, ty->currency));
    }
    sb_putc(b, ')');
}

/* The hash of [p]'s reports' layout, as 16 hex digits in [hex]. */
static bool layout_hash(rep_state *s, char hex[17])
{
    const bc_program *p = s->p;
    strbuf b;
    sb_init(&b, s->mem);
    for (uint32_t i = 0; i < p->nreports; i++) {
        const rtab *t = &s->t[i];
        const bc_report *rp = t->rp;
        sb_printf(&b, "report %s %u %u %u %u %u;", bc_string(p, rp->name), rp->nkeys,
                  rp->ncols, rp->top, rp->top_col, rp->top_desc);
        for (uint32_t f = 0; f < (uint32_t)rp->nkeys + rp->ncols; f++) {
            sb_printf(&b, " %s:", bc_string(p, p->fields[t->out->first_field + f].json));
            type_sig(&b, p, field_type(p, t->in, f), 0);
            type_sig(&b, p, field_type(p, t->out, f), 0);
            if (f >= rp->nkeys) {
                const bc_report_col *c = &rp->cols[f - rp->nkeys];
                sb_printf(&b, "%u.%u.%u.%u", c->agg, c->places, c->mode, c->flags);
            }
        }
    }
    bool ok = !b.failed;
    snprintf(hex, 17, "%016llx",
             (unsigned long long)fnv(FNV_START, ok ? b.p : "", ok ? b.len : 0));
    sb_free(&b);
    return ok;
}

/* Appends [v] (of type [t]) as partial-state JSON. */
static void put_value(strbuf *b, const bc_program *p, uint16_t t, const value *v)
{
    const bc_type *ty = type_of(p, t);
    switch ((val_kind)v->kind) {
    case VAL_NONE:
        sb_puts(b, "null");
        return;
    case VAL_BOOL:
        sb_puts(b, v->as.b ? "true" : "false");
        return;
    case VAL_INT:
    case VAL_DURATION:
        sb_put_i64(b, v->as.i);
        return;
    case VAL_DATE:
        sb_putc(b, '"');
        date_format(v->as.i, b);
        sb_putc(b, '"');
        return;
    case VAL_DEC:
        sb_putc(b, '"');
        dec_format_exact(&v->as.d, b);
        if (v->type != VAL_CUR_NONE) { /* money in currency: "12.5 EUR" */
            char c[4];
            val_cur_code(v->type, c);
            sb_putc(b, ' ');
            sb_put(b, c, 3);
        }
        sb_putc(b, '"');
        return;
    case VAL_TEXT:
        sb_put_json_string(b, v->as.s, v->len);
        return;
    case VAL_ENUM: {
        if (v->as.en.code) { /* an open enum's unknown code, as read */
            sb_put_json_string(b, v->as.en.code, v->len);
            return;
        }
        const bc_enum *e = ty->kind == BT_ENUM ? &p->enums[ty->ref] : NULL;
        const char *m = e && v->as.i >= 0 && v->as.i < e->nmembers
                            ? bc_string(p, p->members[e->first_member + v->as.i].json)
                            : "";
        sb_put_json_string(b, m, strlen(m));
        return;
    }
    default:
        sb_puts(b, "null");
        return;
    }
}

static int dent_order(const void *x, const void *y)
{
    return compare(&((const dent *)x)->v, &((const dent *)y)->v);
}

/* Appends accumulator [a] of column [c] of [t] as partial-state JSON. */
static bool put_acc(rep_state *s, strbuf *b, const rtab *t, uint16_t c, const acc *a)
{
    const bc_report_col *col = &t->rp->cols[c];
    const bc_program *p = s->p;
    uint16_t arg = field_type(p, t->in, t->rp->nkeys + c);
    switch ((bc_agg)col->agg) {
    case BC_AGG_COUNT:
        sb_printf(b, "%llu", (unsigned long long)a->n);
        return true;
    case BC_AGG_SHARE:
        sb_printf(b, "[%llu, %llu]", (unsigned long long)a->hits, (unsigned long long)a->n);
        return true;
    case BC_AGG_VSHARE: /* [rows that hold, rows, their sum, the total] */
        sb_printf(b, "[%llu, %llu, ", (unsigned long long)a->hits, (unsigned long long)a->n);
        if (a->has) {
            put_value(b, p, 0, &a->v);
        } else {
            sb_puts(b, "null");
        }
        sb_puts(b, ", ");
        if (a->has_w) {
            put_value(b, p, 0, &a->w);
        } else {
            sb_puts(b, "null");
        }
        sb_putc(b, ']');
        return true;
    case BC_AGG_SUM:
    case BC_AGG_MEAN:
        sb_putc(b, '[');
        if (a->has) {
            put_value(b, p, arg, &a->v); /* "12.5", or "12.5 EUR" */
        } else {
            sb_puts(b, "null");
        }
        sb_printf(b, ", %llu]", (unsigned long long)a->n);
        return true;
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        if (a->has) {
            put_value(b, p, arg, &a->v);
        } else {
            sb_puts(b, "null");
        }
        return true;
    case BC_AGG_DISTINCT: {
        if (col->flags & BC_REPORT_LIST) {
            arg = type_of(p, arg)->ref;
        }
        dent *e = arena_alloc(&s->tmp, (a->set.n ? a->set.n : 1) * sizeof *e);
        if (!e) {
            return false;
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < a->set.cap; i++) {
            if (a->set.e[i].bytes) {
                e[n++] = a->set.e[i];
            }
        }
        qsort(e, n, sizeof *e, dent_order);
        sb_putc(b, '[');
        for (uint32_t i = 0; i < n; i++) {
            if (i) {
                sb_puts(b, ", ");
            }
            put_value(b, p, arg, &e[i].v);
        }
        sb_putc(b, ']');
        return true;
    }
    case BC_AGG_COUNT_:
        break;
    }
    return true;
}

static int by_keys_only(const void *x, const void *y)
{
    return by_keys(x, y);
}

rt_status rep_write_partial(rep_state *s, FILE *f)
{
    const bc_program *p = s->p;
    char hex[17];
    if (!layout_hash(s, hex)) {
        return RT_ENOMEM;
    }
    strbuf b;
    sb_init(&b, s->mem);
    sb_printf(&b, "{\"tally\": \"report partial\", \"format\": %d, \"policy\": ",
              PARTIAL_FORMAT);
    sb_put_json_string(&b, p->strings[p->title].p, p->strings[p->title].len);
    sb_puts(&b, ", \"version\": ");
    sb_put_json_string(&b, p->strings[p->version].p, p->strings[p->version].len);
    sb_printf(&b, ", \"layout\": \"%s\", \"reports\": [", hex);
    bool ok = true;
    for (uint32_t i = 0; i < p->nreports && ok; i++) {
        const rtab *t = &s->t[i];
        const bc_str *name = &p->strings[t->rp->name];
        sb_puts(&b, i ? ", {\"report\": " : "{\"report\": ");
        sb_put_json_string(&b, name->p, name->len);
        sb_puts(&b, ", \"groups\": [");
        /* Groups in key order, so equal states give equal files. */
        row *rows = arena_alloc(&s->tmp, (t->n ? t->n : 1) * sizeof *rows);
        value *kv = arena_alloc(&s->tmp, (t->n ? t->n : 1) * sizeof *kv);
        val_record **vr = arena_alloc(&s->tmp, (t->n ? t->n : 1) * sizeof *vr);
        if (!rows || !kv || !vr) {
            ok = false;
            break;
        }
        for (uint32_t g = 0; g < t->n && ok; g++) {
            vr[g] = arena_alloc(&s->tmp, sizeof(val_record) +
                                             (t->rp->nkeys + (size_t)1) * sizeof(value));
            if (!vr[g]) {
                ok = false;
                break;
            }
            vr[g]->count = t->rp->nkeys;
            memcpy(vr[g]->fields, t->g[g]->keys, t->rp->nkeys * sizeof(value));
            /* the group's index rides after the keys */
            vr[g]->fields[t->rp->nkeys] = val_int(g);
            kv[g] = val_none();
            kv[g].kind = VAL_RECORD;
            kv[g].as.r = vr[g];
            rows[g] = (row){&kv[g], t};
        }
        if (!ok) {
            break;
        }
        qsort(rows, t->n, sizeof *rows, by_keys_only);
        for (uint32_t r = 0; r < t->n && ok; r++) {
            const group *g = t->g[rows[r].v->as.r->fields[t->rp->nkeys].as.i];
            sb_puts(&b, r ? ", [[" : "[[");
            for (uint16_t k = 0; k < t->rp->nkeys; k++) {
                if (k) {
                    sb_puts(&b, ", ");
                }
                put_value(&b, p, field_type(p, t->in, k), &g->keys[k]);
            }
            sb_puts(&b, "], [");
            for (uint16_t c = 0; c < t->rp->ncols && ok; c++) {
                if (c) {
                    sb_puts(&b, ", ");
                }
                ok = put_acc(s, &b, t, c, &g->accs[c]);
            }
            sb_puts(&b, "]]");
        }
        sb_puts(&b, "]}");
        arena_reset(&s->tmp);
    }
    sb_puts(&b, "]}\n");
    rt_status st = ok && !b.failed ? RT_OK : RT_ENOMEM;
    arena_reset(&s->tmp);
    if (st == RT_OK && (fwrite(b.p, 1, b.len, f) != b.len || fflush(f) != 0)) {
        st = RT_EIO;
    }
    sb_free(&b);
    return st;
}

/* Reading a partial: where the reader is, for messages. */
typedef struct rd {
    rep_state *s;
    const char *name; /* the file, as the caller names it */
    char *err;
    size_t errcap;
} rd;

static rt_status bad(rd *r, const char *place, const char *what)
{
    snprintf(r->err, r->errcap, "%s: %s%s%s", r->name, place, *place ? ": " : "", what);
    return RT_EDATA;
}

static const char *str_of(yajl_val v)
{
    return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* A count: a whole number from 0. */
static bool get_count(yajl_val v, uint64_t *out)
{
    if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0) {
        return false;
    }
    *out = (uint64_t)YAJL_GET_INTEGER(v);
    return true;
}

/* A value of type [t] written by put_value, in s->tmp.  NULL when it is
 * one, else what is wrong. */
static const char *get_value(rep_state *s, yajl_val v, uint16_t t, value *out)
{
    const bc_program *p = s->p;
    bool optional = p->types[t].kind == BT_OPTIONAL;
    const bc_type *ty = type_of(p, t);
    *out = val_none();
    if (YAJL_IS_NULL(v)) {
        return optional ? NULL : "null for a value that cannot be none";
    }
    const char *str = str_of(v);
    switch (ty->kind) {
    case BT_BOOL:
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
            return "not a boolean";
        }
        *out = val_bool(YAJL_IS_TRUE(v));
        return NULL;
    case BT_INT:
    case BT_DURATION:
        if (!YAJL_IS_INTEGER(v)) {
            return "not an integer";
        }
        *out = val_int(YAJL_GET_INTEGER(v));
        out->kind = ty->kind == BT_INT ? VAL_INT : VAL_DURATION;
        return NULL;
    case BT_DATE: {
        int64_t day;
        if (!str || !date_parse(str, strlen(str), &day)) {
            return "not a date YYYY-MM-DD";
        }
        *out = val_int(day);
        out->kind = VAL_DATE;
        return NULL;
    }
    case BT_DEC:
    case BT_MONEY:
    case BT_PERCENT: {
        dec d;
        size_t len = str ? strlen(str) : 0;
        uint16_t cur = VAL_CUR_NONE;
        if (ty->kind == BT_MONEY && len > 4 && str[len - 4] == ' ') {
            /* money in currency: "12.5 EUR" (put_value) */
            cur = val_cur_pack(str + len - 3, 3);
            if (cur == VAL_CUR_NONE) {
                return "not a currency code after the amount";
            }
            len -= 4;
        }
        dec_status st = str ? dec_parse_exact(&s->tmp, str, len, &d) : DEC_SYNTAX;
        if (st == DEC_ENOMEM) {
            s->nomem = true;
            return "out of memory";
        }
        if (st != DEC_OK) {
            return "not an exact decimal string";
        }
        *out = val_dec(d);
        out->type = cur;
        return NULL;
    }
    case BT_TEXT: {
        if (!str) {
            return "not a string";
        }
        size_t len = strlen(str);
        char *c = arena_alloc(&s->tmp, len + 1);
        if (!c) {
            s->nomem = true;
            return "out of memory";
        }
        memcpy(c, str, len + 1);
        *out = val_text(c, (uint32_t)len);
        return NULL;
    }
    case BT_ENUM: {
        const bc_enum *e = &p->enums[ty->ref];
        for (uint16_t m = 0; str && m < e->nmembers; m++) {
            const char *mj = bc_string(p, p->members[e->first_member + m].json);
            if (mj[0] && strcmp(mj, str) == 0) { /* "": an open enum's other */
                *out = val_int(m);
                out->kind = VAL_ENUM;
                out->type = ty->ref;
                return NULL;
            }
        }
        if (str && e->nmembers > 0 &&
            bc_string(p, p->members[e->first_member + e->nmembers - 1].json)[0] == '\0') {
            /* an open enum: a code it does not list is its 'other' */
            size_t len = strlen(str);
            char *c = arena_alloc(&s->tmp, len + 1);
            if (!c) {
                s->nomem = true;
                return "out of memory";
            }
            memcpy(c, str, len + 1); /* with its NUL, though len counts */
            *out = val_int(e->nmembers - 1);
            out->kind = VAL_ENUM;
            out->type = ty->ref;
            out->as.en.code = len ? c : NULL; /* "": the policy's 'other' */
            out->len = (uint32_t)len;
            return NULL;
        }
        return "not a member of the enum";
    }
    default:
        return "a value of a type reports do not keep";
    }
}

/* A partial's sum [x]: null (nothing summed: *[has] false), or an exact
 * decimal string, for money in currency followed by its code ("12.5
 * EUR"), into *[out].  0, or -1 out of memory, 1 when malformed. */
static int get_sum(rep_state *s, yajl_val x, value *out, bool *has)
{
    *has = false;
    if (YAJL_IS_NULL(x)) {
        return 0;
    }
    dec d;
    const char *str = str_of(x);
    size_t len = str ? strlen(str) : 0;
    uint16_t cur = VAL_CUR_NONE;
    if (len > 4 && str[len - 4] == ' ') { /* money in currency */
        cur = val_cur_pack(str + len - 3, 3);
        len -= 4;
    }
    dec_status st = str ? dec_parse_exact(&s->tmp, str, len, &d) : DEC_SYNTAX;
    if (st == DEC_ENOMEM) {
        return -1;
    }
    if (st != DEC_OK || (len != strlen(str) && cur == VAL_CUR_NONE)) {
        return 1;
    }
    *out = val_dec(d);
    out->type = cur;
    *has = true;
    return 0;
}

/* Column [c]'s state [v] of report [t], folded into [a]. */
static rt_status get_acc(rd *r, const rtab *t, uint16_t c, yajl_val v, acc *a,
                         const char *place)
{
    rep_state *s = r->s;
    const bc_program *p = s->p;
    const bc_report_col *col = &t->rp->cols[c];
    uint16_t arg = field_type(p, t->in, t->rp->nkeys + c);
    acc o;
    memset(&o, 0, sizeof o);
    switch ((bc_agg)col->agg) {
    case BC_AGG_COUNT:
        if (!get_count(v, &o.n)) {
            return bad(r, place, "not a count");
        }
        break;
    case BC_AGG_SHARE:
        if (!YAJL_IS_ARRAY(v) || v->u.array.len != 2 ||
            !get_count(v->u.array.values[0], &o.hits) ||
            !get_count(v->u.array.values[1], &o.n) || o.hits > o.n) {
            return bad(r, place, "not [rows that hold, rows]");
        }
        break;
    case BC_AGG_SUM:
    case BC_AGG_MEAN: {
        if (!YAJL_IS_ARRAY(v) || v->u.array.len != 2 ||
            !get_count(v->u.array.values[1], &o.n)) {
            return bad(r, place, "not [sum, values]");
        }
        int got = get_sum(s, v->u.array.values[0], &o.v, &o.has);
        if (got != 0) {
            return got < 0 ? RT_ENOMEM : bad(r, place, "the sum is not an exact decimal string");
        }
        break;
    }
    case BC_AGG_VSHARE: {
        if (!YAJL_IS_ARRAY(v) || v->u.array.len != 4 ||
            !get_count(v->u.array.values[0], &o.hits) ||
            !get_count(v->u.array.values[1], &o.n) || o.hits > o.n) {
            return bad(r, place, "not [rows that hold, rows, their sum, the total]");
        }
        int got = get_sum(s, v->u.array.values[2], &o.v, &o.has);
        if (got == 0) {
            got = get_sum(s, v->u.array.values[3], &o.w, &o.has_w);
        }
        if (got != 0) {
            return got < 0 ? RT_ENOMEM : bad(r, place, "a sum is not an exact decimal string");
        }
        break;
    }
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        if (!YAJL_IS_NULL(v)) {
            const char *why = get_value(s, v, arg, &o.v);
            if (why) {
                return s->nomem ? RT_ENOMEM : bad(r, place, why);
            }
            o.has = o.v.kind != VAL_NONE;
        }
        break;
    case BC_AGG_DISTINCT: {
        if (col->flags & BC_REPORT_LIST) {
            arg = type_of(p, arg)->ref;
        }
        if (!YAJL_IS_ARRAY(v)) {
            return bad(r, place, "not a list of the distinct values");
        }
        for (size_t i = 0; i < v->u.array.len; i++) {
            value x;
            const char *why = get_value(s, v->u.array.values[i], arg, &x);
            if (why) {
                return s->nomem ? RT_ENOMEM : bad(r, place, why);
            }
            if (!dset_add(s, &a->set, &x)) {
                return RT_ENOMEM;
            }
        }
        return RT_OK;
    }
    case BC_AGG_COUNT_:
        break;
    }
    char e[200];
    rt_status st = fold_acc(s, col, a, &o, e, sizeof e);
    return st == RT_ERUNTIME ? bad(r, place, e) : st;
}

static rt_status read_tree(rd *r, yajl_val root)
{
    rep_state *s = r->s;
    const bc_program *p = s->p;
    const char *kind_path[] = {"tally", NULL};
    const char *fmt_path[] = {"format", NULL};
    const char *pol_path[] = {"policy", NULL};
    const char *ver_path[] = {"version", NULL};
    const char *lay_path[] = {"layout", NULL};
    const char *rep_path[] = {"reports", NULL};
    const char *kind = str_of(yajl_tree_get(root, kind_path, yajl_t_string));
    if (!YAJL_IS_OBJECT(root) || !kind || strcmp(kind, "report partial") != 0) {
        return bad(r, "", "not a partial report (tally run --report-partial writes them)");
    }
    yajl_val fmt = yajl_tree_get(root, fmt_path, yajl_t_number);
    if (!fmt || !YAJL_IS_INTEGER(fmt) || YAJL_GET_INTEGER(fmt) != PARTIAL_FORMAT) {
        return bad(r, "format", "not a partial format this tally reads (1)");
    }
    const char *pol = str_of(yajl_tree_get(root, pol_path, yajl_t_string));
    const char *ver = str_of(yajl_tree_get(root, ver_path, yajl_t_string));
    if (!pol || !ver || strcmp(pol, bc_string(p, p->title)) != 0 ||
        strcmp(ver, bc_string(p, p->version)) != 0) {
        char m[600];
        snprintf(m, sizeof m, "written by policy \"%.200s\" version \"%.60s\", not \"%.200s\" "
                 "version \"%.60s\"", pol ? pol : "?", ver ? ver : "?",
                 bc_string(p, p->title), bc_string(p, p->version));
        return bad(r, "policy", m);
    }
    char hex[17];
    if (!layout_hash(s, hex)) {
        return RT_ENOMEM;
    }
    const char *lay = str_of(yajl_tree_get(root, lay_path, yajl_t_string));
    if (!lay || strcmp(lay, hex) != 0) {
        char m[300];
        snprintf(m, sizeof m, "the reports' layout %.20s is not this program's %s: the "
                 "partial was written by another build of the policy's reports",
                 lay ? lay : "(none)", hex);
        return bad(r, "layout", m);
    }
    yajl_val reps = yajl_tree_get(root, rep_path, yajl_t_array);
    if (!reps || reps->u.array.len != p->nreports) {
        return bad(r, "reports", "not a list of this program's reports");
    }
    char place[160];
    for (uint32_t i = 0; i < p->nreports; i++) {
        rtab *t = &s->t[i];
        yajl_val rv = reps->u.array.values[i];
        const char *rn_path[] = {"report", NULL};
        const char *g_path[] = {"groups", NULL};
        const char *rn = str_of(yajl_tree_get(rv, rn_path, yajl_t_string));
        yajl_val gs = yajl_tree_get(rv, g_path, yajl_t_array);
        snprintf(place, sizeof place, "reports[%u]", i);
        if (!rn || strcmp(rn, bc_string(p, t->rp->name)) != 0 || !gs) {
            return bad(r, place, "not {\"report\": NAME, \"groups\": [...]} for this report");
        }
        value *keys = mem_alloc(s->mem, (t->rp->nkeys + (size_t)1) * sizeof *keys);
        if (!keys) {
            return RT_ENOMEM;
        }
        rt_status st = RT_OK;
        for (size_t g = 0; g < gs->u.array.len && st == RT_OK; g++) {
            yajl_val gv = gs->u.array.values[g];
            snprintf(place, sizeof place, "reports[%u].groups[%zu]", i, g);
            if (!YAJL_IS_ARRAY(gv) || gv->u.array.len != 2 ||
                !YAJL_IS_ARRAY(gv->u.array.values[0]) ||
                !YAJL_IS_ARRAY(gv->u.array.values[1]) ||
                gv->u.array.values[0]->u.array.len != t->rp->nkeys ||
                gv->u.array.values[1]->u.array.len != t->rp->ncols) {
                st = bad(r, place, "not [[keys], [columns]] of this report");
                break;
            }
            for (uint16_t k = 0; k < t->rp->nkeys && st == RT_OK; k++) {
                const char *why = get_value(s, gv->u.array.values[0]->u.array.values[k],
                                            field_type(p, t->in, k), &keys[k]);
                if (why) {
                    snprintf(place, sizeof place, "reports[%u].groups[%zu][0][%u]", i, g, k);
                    st = s->nomem ? RT_ENOMEM : bad(r, place, why);
                }
            }
            group *grp = st == RT_OK ? group_for(s, t, keys) : NULL;
            if (st == RT_OK && !grp) {
                st = RT_ENOMEM;
            }
            for (uint16_t c = 0; c < t->rp->ncols && st == RT_OK; c++) {
                snprintf(place, sizeof place, "reports[%u].groups[%zu][1][%u]", i, g, c);
                st = get_acc(r, t, c, gv->u.array.values[1]->u.array.values[c],
                             &grp->accs[c], place);
            }
            arena_reset(&s->tmp);
        }
        mem_free(s->mem, keys, (t->rp->nkeys + (size_t)1) * sizeof *keys);
        if (st != RT_OK) {
            return st;
        }
    }
    compact(s);
    return RT_OK;
}

/* One partial state, the [len] bytes at [text] ([line] of the file, 0
 * when it is the whole file). */
static rt_status read_one(rep_state *s, const char *text, size_t len, const char *name,
                          long line, char *err, size_t errcap)
{
    char where[600];
    err[0] = '\0';
    if (line) {
        snprintf(where, sizeof where, "%s: line %ld", name, line);
        name = where;
    }
    rd r = {s, name, err, errcap};
    char *z = mem_alloc(s->mem, len + 1);
    if (!z) {
        return RT_ENOMEM;
    }
    memcpy(z, text, len);
    z[len] = '\0';
    char why[256];
    why[0] = '\0';
    yajl_val root = yajl_tree_parse(z, why, sizeof why);
    mem_free(s->mem, z, len + 1);
    if (!root) {
        /* yajl's message is several lines, with a picture of the
         * place: one line, spaces run together. */
        char *w = why;
        for (char *c = why; *c; c++) {
            char ch = *c;
            if (ch == '\n') {
                ch = ' ';
            }
            if (ch != ' ' || (w > why && w[-1] != ' ')) {
                *w++ = ch;
            }
        }
        while (w > why && w[-1] == ' ') {
            w--;
        }
        *w = '\0';
        char m[300];
        snprintf(m, sizeof m, "not valid JSON: %s", why[0] ? why : "parse error");
        return bad(&r, "", m);
    }
    rt_status st = read_tree(&r, root);
    yajl_tree_free(root);
    return st;
}

rt_status rep_read_partial(rep_state *s, const char *text, size_t len, const char *name,
                           char *err, size_t errcap)
{
    if (memchr(text, '\0', len)) {
        rd r = {s, name, err, errcap};
        return bad(&r, "", "not a partial report: it holds a NUL byte");
    }
    /* Several partials, one a line (a map-reduce job's mappers' output
     * gathered), or one, on one line or more. */
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && i + 1 < len && text[i + 1] == '{') {
            lines++;
        }
    }
    if (!lines) {
        return read_one(s, text, len, name, 0, err, errcap);
    }
    long line = 1;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t k = at;
        while (k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) {
            k++;
        }
        if (k < end) {
            rt_status st = read_one(s, text + at, end - at, name, line, err, errcap);
            if (st != RT_OK) {
                return st;
            }
        }
        at = end + 1;
        line++;
    }
    return RT_OK;
}
