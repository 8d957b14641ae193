/* api/whynot.c - why an element of a record did not rank first
 * (tally_whynot, include/tally.h).
 *
 * Works on the compiled program only, never on a formula of one policy:
 * the record is bound once; each price tried is a copy of the bound input
 * with the one field replaced (only the records and lists on the path to
 * it are copied, in a probe arena reset between tries), evaluated by the
 * session's VM, and the rank read from the result by path.  What "the
 * price", "the rank" and "the total" are comes from the options (default
 * "bids[i].price", "bids[i].rank", "total"), so any policy whose ranking
 * depends on a number in its input can be asked.  Prices are whole cents
 * (int64), made exact decimals for the VM; no floating point anywhere.
 * The search (wn_search_price) is written against a probe callback so
 * its tests need no policy.  Never prints: text goes to the caller's
 * FILE, messages to tally_config.message.
 */
#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "tally_assert.h"
#include "date.h"
#include "decimal.h"
#include "vm.h"

/* ---- the search ----------------------------------------------------------- */

/* The [k]th of [n] prices evenly spread over [a, b] (a <= b), both ends
 * included. */
static int64_t spread_at(int64_t a, int64_t b, int k, int n)
{
    if (n < 2 || a >= b) {
        return a;
    }
    return a + (int64_t)(((__int128)(b - a) * k) / (n - 1));
}

/* Asks [f] at [cents] into *[r]; false (out filled) when it stops. */
static bool ask(wn_probe_fn f, void *ud, int64_t cents, wn_probe *r,
                wn_search *out)
{
    *r = f(ud, cents);
    out->probes++;
    if (*r == WN_STOP) {
        out->outcome = WN_STOPPED;
        out->stopped_at = cents;
        return false;
    }
    return true;
}

/* Every spread price in [a, b] must answer [want]; else *out says which
 * pair breaks monotony, with [other] the price on the other side.
 * False when the search is over (stopped or not monotone). */
static bool spread_check(wn_probe_fn f, void *ud, int64_t a, int64_t b,
                         wn_probe want, int64_t other, wn_search *out)
{
    int64_t last = -1;
    for (int k = 0; k < WN_SPREAD; k++) {
        int64_t p = spread_at(a, b, k, WN_SPREAD);
        if (p == last) {
            continue;
        }
        last = p;
        wn_probe r;
        if (!ask(f, ud, p, &r, out)) {
            return false;
        }
        if (r != want) {
            out->outcome = WN_NOT_MONOTONE;
            out->wins_at = want == WN_FIRST ? other : p;
            out->loses_at = want == WN_FIRST ? p : other;
            return false;
        }
    }
    return true;
}

void wn_search_price(wn_probe_fn f, void *ud, int64_t hi, bool hi_known,
                     wn_search *out)
{
    memset(out, 0, sizeof *out);
    wn_probe r = WN_NOT_FIRST;
    int64_t lo;
    if (!hi_known) {
        if (!ask(f, ud, hi, &r, out)) {
            return;
        }
    }
    if (r == WN_FIRST) {
        lo = hi; /* first at the top of the range already */
    } else {
        if (hi > 1 && !ask(f, ud, 1, &r, out)) {
            return;
        }
        if (r != WN_FIRST) {
            /* Not first at 1 cent: a price above it that is first would
             * show the policy rewards a higher price somewhere. */
            if (spread_check(f, ud, 1, hi, WN_NOT_FIRST, 1, out)) {
                out->outcome = WN_NONE;
            }
            return;
        }
        /* first at lo, not first at h */
        lo = 1;
        int64_t h = hi;
        while (h - lo > 1) {
            int64_t mid = lo + (h - lo) / 2;
            if (!ask(f, ud, mid, &r, out)) {
                return;
            }
            if (r == WN_FIRST) {
                lo = mid;
            } else {
                h = mid;
            }
        }
        /* The answer and a cent above it, asked again: a policy that
         * answers two ways for one price is not one to trust. */
        if (!ask(f, ud, lo, &r, out)) {
            return;
        }
        if (r != WN_FIRST) {
            out->outcome = WN_NOT_MONOTONE;
            out->wins_at = out->loses_at = lo;
            return;
        }
        if (!ask(f, ud, lo + 1, &r, out)) {
            return;
        }
        if (r == WN_FIRST) {
            out->outcome = WN_NOT_MONOTONE;
            out->wins_at = out->loses_at = lo + 1;
            return;
        }
        if (!spread_check(f, ud, lo + 1, hi, WN_NOT_FIRST, lo + 1, out)) {
            return;
        }
    }
    if (!spread_check(f, ud, 1, lo, WN_FIRST, lo, out)) {
        return;
    }
    out->outcome = WN_FOUND;
    out->price = lo;
}

/* ---- paths ---------------------------------------------------------------- */

#define WN_MAX_SEGS 16 /* deeper than any record a policy binds in practice */
#define WN_VAR (-1)    /* a segment "[i]": the element asked about */
#define WN_NAME (-2)   /* a segment naming a field */

typedef struct seg {
    const char *name; /* borrowed from the option's text */
    size_t len;
    int64_t index; /* WN_NAME, WN_VAR, or a list index */
} seg;

typedef struct path {
    seg segs[WN_MAX_SEGS];
    int nsegs;
    int var; /* the segment "[i]", or -1 */
    const char *text;
} path;

/* Parses [s]: names joined by '.', each followed by any of "[N]" and
 * "[i]".  False with *[why] set when it is not of that form. */
static bool parse_path(const char *s, path *p, const char **why)
{
    memset(p, 0, sizeof *p);
    p->var = -1;
    p->text = s;
    size_t at = 0;
    for (;;) {
        size_t start = at;
        while ((s[at] >= 'a' && s[at] <= 'z') || (s[at] >= 'A' && s[at] <= 'Z') ||
               (s[at] >= '0' && s[at] <= '9') || s[at] == '_' || s[at] == '-') {
            at++;
        }
        if (at == start || p->nsegs == WN_MAX_SEGS) {
            *why = at == start ? "expected a field name" : "too deep";
            return false;
        }
        p->segs[p->nsegs++] = (seg){s + start, at - start, WN_NAME};
        while (s[at] == '[') {
            at++;
            int64_t n = 0;
            if (s[at] == 'i' && s[at + 1] == ']') {
                if (p->var >= 0) {
                    *why = "more than one [i]";
                    return false;
                }
                n = WN_VAR;
                at++;
            } else if (s[at] >= '0' && s[at] <= '9') {
                while (s[at] >= '0' && s[at] <= '9') {
                    if (n > (INT64_MAX - 9) / 10) {
                        *why = "an index too large";
                        return false;
                    }
                    n = n * 10 + (s[at++] - '0');
                }
            } else {
                *why = "expected [i] or [N]";
                return false;
            }
            if (s[at] != ']' || p->nsegs == WN_MAX_SEGS) {
                *why = s[at] != ']' ? "expected ']'" : "too deep";
                return false;
            }
            at++;
            if (n == WN_VAR) {
                p->var = p->nsegs;
            }
            p->segs[p->nsegs++] = (seg){NULL, 0, n};
        }
        if (s[at] == '\0') {
            return true;
        }
        if (s[at] != '.') {
            *why = "expected '.', '[' or the end";
            return false;
        }
        at++;
    }
}

/* The field of record [rec] whose data key is [name]; -1 if none. */
static int field_named(const bc_program *p, uint16_t rec, const char *name,
                       size_t len)
{
    const bc_record *r = &p->records[rec];
    for (uint32_t i = 0; i < r->nfields; i++) {
        const bc_str *s = &p->strings[bc_record_field(p, r, i)->json];
        if (s->len == len && memcmp(s->p, name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static const bc_type *strip(const bc_program *p, uint16_t *t)
{
    while (p->types[*t].kind == BT_OPTIONAL) {
        *t = p->types[*t].ref;
    }
    return &p->types[*t];
}

/* The type at [pa] from type [t], into *[out]; false with a message in
 * [why] when the program has no such place. */
static bool type_at(const bc_program *p, uint16_t t, bool t_is_record,
                    const path *pa, uint16_t *out, char *why, size_t cap)
{
    for (int k = 0; k < pa->nsegs; k++) {
        const seg *s = &pa->segs[k];
        bc_type rec = {.kind = BT_RECORD, .ref = t};
        const bc_type *ty = k == 0 && t_is_record ? &rec : strip(p, &t);
        if (s->index == WN_NAME) {
            if (ty->kind != BT_RECORD) {
                snprintf(why, cap, "'%.*s' follows a value that is not a record",
                         (int)s->len, s->name);
                return false;
            }
            int f = field_named(p, ty->ref, s->name, s->len);
            if (f < 0) {
                snprintf(why, cap, "%s has no field '%.*s'",
                         bc_string(p, p->records[ty->ref].name), (int)s->len,
                         s->name);
                return false;
            }
            t = bc_record_field(p, &p->records[ty->ref], (uint32_t)f)->type;
        } else {
            if (ty->kind != BT_LIST) {
                snprintf(why, cap, "'%.*s' is not a list", (int)pa->segs[k - 1].len,
                         pa->segs[k - 1].name ? pa->segs[k - 1].name : "");
                return false;
            }
            t = ty->ref;
        }
    }
    *out = t;
    return true;
}

/* The value at segments [from, to) of [pa] from [v], [i] standing for
 * "[i]", into *[out]: none when an optional on the way is none.  False
 * when an index is past its list's end. */
static bool value_at(const bc_program *p, const value *v, const path *pa,
                     int from, int to, int64_t i, value *out)
{
    value cur = *v;
    for (int k = from; k < to; k++) {
        const seg *s = &pa->segs[k];
        if (cur.kind == VAL_NONE) {
            break;
        }
        if (s->index == WN_NAME) {
            if (cur.kind != VAL_RECORD) {
                return false;
            }
            int f = field_named(p, cur.as.r->type, s->name, s->len);
            if (f < 0 || (uint32_t)f >= cur.as.r->count) {
                return false;
            }
            cur = cur.as.r->fields[f];
        } else {
            int64_t n = s->index == WN_VAR ? i : s->index;
            if (cur.kind != VAL_LIST || n < 0 || (uint64_t)n >= cur.as.l->count) {
                return false;
            }
            cur = cur.as.l->items[n];
        }
    }
    *out = cur;
    return true;
}

/* A copy of [v] with the value at segments [k..] of [pa] replaced by
 * [nv]: only what lies on the path is copied, into [a].  RT_ENOMEM, or
 * RT_EDATA when the path is not there. */
static rt_status replace(arena *a, const bc_program *p, const value *v,
                         const path *pa, int k, int64_t i, const value *nv,
                         value *out)
{
    if (k == pa->nsegs) {
        *out = *nv;
        return RT_OK;
    }
    const seg *s = &pa->segs[k];
    *out = *v;
    if (s->index == WN_NAME) {
        if (v->kind != VAL_RECORD) {
            return RT_EDATA;
        }
        int f = field_named(p, v->as.r->type, s->name, s->len);
        if (f < 0 || (uint32_t)f >= v->as.r->count) {
            return RT_EDATA;
        }
        size_t size = sizeof(val_record) + v->as.r->count * sizeof(value);
        val_record *r = arena_alloc(a, size);
        if (!r) {
            return RT_ENOMEM;
        }
        memcpy(r, v->as.r, size);
        out->as.r = r;
        return replace(a, p, &v->as.r->fields[f], pa, k + 1, i, nv,
                       &r->fields[f]);
    }
    int64_t n = s->index == WN_VAR ? i : s->index;
    if (v->kind != VAL_LIST || n < 0 || (uint64_t)n >= v->as.l->count) {
        return RT_EDATA;
    }
    val_list *l = arena_alloc(a, sizeof *l);
    value *items = arena_alloc(a, v->as.l->count * sizeof *items);
    if (!l || !items) {
        return RT_ENOMEM;
    }
    memcpy(items, v->as.l->items, v->as.l->count * sizeof *items);
    l->count = l->cap = v->as.l->count;
    l->items = items;
    out->as.l = l;
    return replace(a, p, &v->as.l->items[n], pa, k + 1, i, nv, &items[n]);
}

/* ---- one question --------------------------------------------------------- */

typedef struct ask_ctx {
    tally_session *s;
    const tally_program *tp;
    const bc_program *p;
    vm *v;
    mem_ctx *mem;
    const tally_whynot_options *o;
    path vary, rank;
    const char *total;
    uint16_t vary_type; /* the varied field's type, optional stripped */
    uint16_t elem_type; /* the type of the input list's elements */
    arena base;         /* the bound record and its result */
    arena probe;        /* one price tried; reset before each */
    const value *input; /* in base */
    long bid;
    int64_t last_rank;  /* the last try's rank, or -1: not ranked */
    vm_error ve;        /* the last try's failure */
    rt_status st;
    char fail[1024];    /* a failure, as a message */
} ask_ctx;

static void say(ask_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(ask_ctx *c, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    api_message(&c->tp->cfg, msg);
}

/* The rank of element [i] in result [res]: -1 when none. */
static int64_t rank_in(ask_ctx *c, const value *res, int64_t i)
{
    value r;
    if (!value_at(c->p, res, &c->rank, 0, c->rank.nsegs, i, &r) ||
        r.kind != VAL_INT) {
        return -1;
    }
    return r.as.i;
}

/* The failure [st] of an evaluation, as a message in c->fail. */
static void note_failure(ask_ctx *c, rt_status st)
{
    c->st = st;
    if (st == RT_ENOMEM) {
        snprintf(c->fail, sizeof c->fail, "out of memory");
    } else if (st == RT_EDATA) {
        snprintf(c->fail, sizeof c->fail, "%s%s%s",
                 c->ve.path && c->ve.path[0] ? c->ve.path : "",
                 c->ve.path && c->ve.path[0] ? ": " : "",
                 c->ve.msg ? c->ve.msg : "rejected");
    } else {
        snprintf(c->fail, sizeof c->fail, "%s: %s (%s:%u:%u)",
                 rt_status_name(st), c->ve.msg ? c->ve.msg : "",
                 c->ve.file ? c->ve.file : bc_string(c->p, c->p->source),
                 c->ve.line, c->ve.col);
    }
}

static wn_probe probe(void *ud, int64_t cents)
{
    ask_ctx *c = ud;
    arena_reset(&c->probe);
    dec hundred = dec_from_int(100), n = dec_from_int(cents), price;
    value changed, res;
    if (dec_div(&c->probe, &n, &hundred, &price) != DEC_OK) {
        note_failure(c, RT_ENOMEM);
        return WN_STOP;
    }
    value nv = val_dec(price);
    rt_status st = replace(&c->probe, c->p, c->input, &c->vary, 0, c->bid,
                           &nv, &changed);
    if (st == RT_EDATA) {
        /* an optional record or list on the way is none */
        memset(&c->ve, 0, sizeof c->ve);
        c->ve.msg = "the field to vary is not there (an optional on its "
                    "path is none)";
    } else if (st == RT_OK) {
        st = vm_eval(c->v, &c->probe, &changed, &res, &c->ve);
    }
    if (st != RT_OK) {
        note_failure(c, st);
        return WN_STOP;
    }
    c->last_rank = rank_in(c, &res, c->bid);
    return c->last_rank == 1 ? WN_FIRST : WN_NOT_FIRST;
}

/* ---- writing values ------------------------------------------------------- */

/* [v] of type [t] (BC_NONE_U16: none known) as a person reads it;
 * decimals exact, at the type's places when it fixes them. */
static void put_value(ask_ctx *c, uint16_t t, const value *v, strbuf *b)
{
    const bc_program *p = c->p;
    static const bc_type any = {.kind = BT_DEC, .places = BC_PLACES_ANY};
    const bc_type *ty = t < p->ntypes ? strip(p, &t) : &any;
    switch ((val_kind)v->kind) {
    case VAL_NONE: sb_puts(b, "none"); break;
    case VAL_BOOL: sb_puts(b, v->as.b ? "true" : "false"); break;
    case VAL_INT:
    case VAL_DURATION: sb_put_i64(b, v->as.i); break;
    case VAL_DEC:
        if (ty->kind == BT_PERCENT) {
            dec h = dec_from_int(100), pc;
            if (dec_mul(&c->probe, &v->as.d, &h, &pc) == DEC_OK) {
                dec_format(&pc, b);
                sb_putc(b, '%');
            }
        } else if (ty->places == BC_PLACES_ANY ||
                   dec_format_fixed(&v->as.d, ty->places, b) != DEC_OK) {
            dec_format(&v->as.d, b);
        }
        break;
    case VAL_DATE: date_format(v->as.i, b); break;
    case VAL_DATETIME: date_instant_format(&v->as.t, b); break;
    case VAL_TEXT: sb_put(b, v->as.s, v->len); break;
    case VAL_ENUM:
        if (v->as.en.code) {
            sb_puts(b, v->as.en.code);
        } else if (v->type < p->nenums &&
                   v->as.i < p->enums[v->type].nmembers) {
            sb_puts(b, bc_string(p, p->members[p->enums[v->type].first_member +
                                               v->as.i].json));
        }
        break;
    case VAL_RECORD: sb_puts(b, "(a record)"); break;
    case VAL_LIST: sb_puts(b, "(a list)"); break;
    case VAL_MAP: sb_puts(b, "(a map)"); break;
    case VAL_ERROR: sb_puts(b, "(unreadable)"); break;
    case VAL_KIND_COUNT: TALLY_UNREACHABLE();
    }
}

/* [cents] as an exact decimal: "54086.99". */
static void put_cents(int64_t cents, strbuf *b)
{
    dec hundred = dec_from_int(100), n = dec_from_int(cents), x;
    arena a;
    arena_init(&a, b->mem);
    if (dec_div(&a, &n, &hundred, &x) == DEC_OK) {
        (void)dec_format_fixed(&x, 2, b);
    }
    arena_free(&a);
}

/* ---- comparing with the first --------------------------------------------- */

typedef struct gap {
    const char *name; /* the field's data key */
    uint16_t type;
    value mine, first;
    dec diff; /* first minus mine */
} gap;

#define WN_MAX_GAPS 64 /* numbers of one element's result shown */

/* The element at [i] of the result's list (the rank path's prefix). */
static bool element(ask_ctx *c, const value *res, int64_t i, value *out)
{
    return value_at(c->p, res, &c->rank, 0, c->rank.var + 1, i, out) &&
           out->kind == VAL_RECORD;
}

static bool is_rank_field(ask_ctx *c, const char *name)
{
    const seg *last = &c->rank.segs[c->rank.nsegs - 1];
    return c->rank.nsegs == c->rank.var + 2 && last->index == WN_NAME &&
           strlen(name) == last->len && memcmp(name, last->name, last->len) == 0;
}

/* The numbers both results hold (the rank aside), first minus mine. */
static size_t gaps_of(ask_ctx *c, const value *mine, const value *first,
                      gap *g)
{
    const bc_program *p = c->p;
    const bc_record *r = &p->records[mine->as.r->type];
    size_t n = 0;
    for (uint32_t k = 0; k < r->nfields && k < mine->as.r->count && n < WN_MAX_GAPS; k++) {
        const bc_field *f = bc_record_field(p, r, k);
        const value *a = &mine->as.r->fields[k], *b = &first->as.r->fields[k];
        const char *name = bc_string(p, f->json);
        if (is_rank_field(c, name) || a->kind != b->kind ||
            (a->kind != VAL_INT && a->kind != VAL_DEC)) {
            continue;
        }
        dec x = a->kind == VAL_INT ? dec_from_int(a->as.i) : a->as.d;
        dec y = b->kind == VAL_INT ? dec_from_int(b->as.i) : b->as.d;
        if (dec_sub(&c->base, &y, &x, &g[n].diff) != DEC_OK) {
            continue;
        }
        g[n].name = name;
        g[n].type = f->type;
        g[n].mine = *a;
        g[n].first = *b;
        n++;
    }
    return n;
}

/* The fields that say why [mine] is not ranked: enums differing from the
 * first's, and what [mine] has that the first's leaves none; with no
 * first, its enums and texts.  Its first text is its name, not a reason. */
static void why_unranked(ask_ctx *c, const value *mine, const value *first,
                         bool json, strbuf *b)
{
    const bc_program *p = c->p;
    const bc_record *r = &p->records[mine->as.r->type];
    bool any = false, named = false;
    for (uint32_t k = 0; k < r->nfields && k < mine->as.r->count; k++) {
        const bc_field *f = bc_record_field(p, r, k);
        const value *a = &mine->as.r->fields[k];
        if (a->kind == VAL_TEXT && !named) {
            named = true; /* the element's name (put_name), not a reason */
            continue;
        }
        const value *o = first ? &first->as.r->fields[k] : NULL;
        bool differs = a->kind == VAL_ENUM && (!o || !val_equal(a, o));
        bool only_mine = a->kind != VAL_NONE && o && o->kind == VAL_NONE;
        if (!first && (a->kind == VAL_ENUM || a->kind == VAL_TEXT)) {
            differs = true;
        }
        if (!differs && !only_mine) {
            continue;
        }
        const char *name = bc_string(p, f->json);
        if (json) {
            sb_puts(b, any ? ", " : "");
            sb_put_json_string(b, name, strlen(name));
            sb_puts(b, ": ");
            strbuf t;
            sb_init(&t, c->mem);
            put_value(c, f->type, a, &t);
            sb_put_json_string(b, t.p ? t.p : "", t.len);
            sb_free(&t);
        } else {
            sb_puts(b, any ? ", " : "");
            sb_printf(b, "%s ", name);
            if (a->kind == VAL_TEXT) {
                sb_putc(b, '"');
            }
            put_value(c, f->type, a, b);
            if (a->kind == VAL_TEXT) {
                sb_putc(b, '"');
            }
        }
        any = true;
    }
}

/* How the element is named: the --where field, else the first text of
 * its result ("supplier S-00384"); nothing when it has none. */
static void put_name(ask_ctx *c, const value *el, strbuf *b)
{
    if (!el) {
        return;
    }
    const bc_program *p = c->p;
    const bc_record *r = &p->records[el->as.r->type];
    for (uint32_t k = 0; k < r->nfields && k < el->as.r->count; k++) {
        if (el->as.r->fields[k].kind == VAL_TEXT) {
            const bc_field *f = bc_record_field(p, r, k);
            sb_printf(b, " (%s ", bc_string(p, f->json));
            put_value(c, f->type, &el->as.r->fields[k], b);
            sb_putc(b, ')');
            return;
        }
    }
}

/* ---- choosing the element ------------------------------------------------- */

/* Whether element [i] matches o->where ("FIELD=VALUE"), in its result
 * [el] or, failing that, its input. */
static bool matches(ask_ctx *c, const value *el, int64_t i, const char *where)
{
    const char *eq = strchr(where, '=');
    const char *want = eq + 1;
    size_t flen = (size_t)(eq - where);
    value got = val_none();
    uint16_t t = BC_NONE_U16;
    bool found = false;
    if (el) {
        int f = field_named(c->p, el->as.r->type, where, flen);
        if (f >= 0 && (uint32_t)f < el->as.r->count) {
            got = el->as.r->fields[f];
            t = bc_record_field(c->p, &c->p->records[el->as.r->type],
                                (uint32_t)f)->type;
            found = true;
        }
    }
    if (!found) {
        /* The input element, then the dotted path within it. */
        value in_el;
        char buf[256];
        path sub;
        const char *why;
        if (flen >= sizeof buf ||
            !value_at(c->p, c->input, &c->vary, 0, c->vary.var + 1, i, &in_el)) {
            return false;
        }
        memcpy(buf, where, flen);
        buf[flen] = '\0';
        if (!parse_path(buf, &sub, &why) || sub.var >= 0 ||
            !type_at(c->p, c->elem_type, false, &sub, &t, buf, sizeof buf) ||
            !value_at(c->p, &in_el, &sub, 0, sub.nsegs, 0, &got)) {
            return false;
        }
    }
    if (got.kind == VAL_NONE) {
        return false;
    }
    strbuf b;
    sb_init(&b, c->mem);
    put_value(c, t, &got, &b);
    bool same = !b.failed && b.len == strlen(want) &&
                memcmp(b.p, want, b.len) == 0;
    sb_free(&b);
    return same;
}

/* ---- the answer ----------------------------------------------------------- */

static const char *const outcome_names[] = {
    [TALLY_WHYNOT_PRICE] = "price",
    [TALLY_WHYNOT_NO_PRICE] = "no_price",
    [TALLY_WHYNOT_WINNER] = "winner",
    [TALLY_WHYNOT_NOT_MONOTONE] = "not_monotone",
    [TALLY_WHYNOT_FAILED] = "failed",
};

/* The first [n] segments of a path, "[i]" written as [i]. */
static void put_segs(const path *pa, int n, int64_t i, strbuf *b)
{
    for (int k = 0; k < n; k++) {
        const seg *s = &pa->segs[k];
        if (s->index == WN_NAME) {
            if (k) {
                sb_putc(b, '.');
            }
            sb_put(b, s->name, s->len);
        } else {
            sb_putc(b, '[');
            sb_put_i64(b, s->index == WN_VAR ? i : s->index);
            sb_putc(b, ']');
        }
    }
}

/* The element's path with its index: "bids[3].price". */
static void put_path(const path *pa, int64_t i, strbuf *b)
{
    put_segs(pa, pa->nsegs, i, b);
}

/* The element list's name: the vary path up to "[i]" ("bids"). */
static void put_list(const path *pa, strbuf *b)
{
    put_segs(pa, pa->var, 0, b);
}

static void put_elem(ask_ctx *c, int64_t i, strbuf *b)
{
    put_list(&c->vary, b);
    sb_printf(b, "[%lld]", (long long)i);
}

/* Appends [s] to [b] as a JSON string. */
static void put_js(strbuf *b, const char *s, size_t len)
{
    sb_put_json_string(b, s, len);
}

/* The explanation of element c->bid of the bound record, to [out]. */
static tally_status explain(ask_ctx *c, FILE *out, tally_whynot_result *res)
{
    const bc_program *p = c->p;
    const tally_whynot_options *o = c->o;
    bool json = o->format == TALLY_WHYNOT_JSON;
    value base_res;
    rt_status st = vm_eval(c->v, &c->base, c->input, &base_res, &c->ve);
    if (st != RT_OK) {
        note_failure(c, st);
        say(c, "tally: the policy fails on the record: %s", c->fail);
        return st == RT_ENOMEM ? TALLY_ENOMEM
               : st == RT_EDATA ? TALLY_EDATA
                                : TALLY_ERUNTIME;
    }
    /* key, list and element */
    const value *key = p->key_field < c->input->as.r->count
                           ? &c->input->as.r->fields[p->key_field]
                           : NULL;
    value list;
    if (!value_at(p, c->input, &c->vary, 0, c->vary.var, 0, &list) ||
        list.kind != VAL_LIST) {
        say(c, "tally: the record has no list at the --vary path's [i]");
        return TALLY_EOPTION;
    }
    int64_t n = list.as.l->count;
    strbuf b;
    sb_init(&b, c->mem);
    if (o->bid < 0) {
        int64_t hit = -1, hits = 0;
        for (int64_t i = 0; i < n; i++) {
            value el;
            bool has = element(c, &base_res, i, &el);
            if (matches(c, has ? &el : NULL, i, o->where)) {
                hit = hit < 0 ? i : hit;
                hits++;
            }
        }
        if (hits != 1) {
            put_list(&c->vary, &b);
            say(c, "tally: %s in %s: %s", hits ? "more than one element" :
                   "no element", b.p ? b.p : "", o->where);
            if (hits) {
                say(c, "hint: name one by its index with --bid N");
            }
            sb_free(&b);
            return TALLY_EOPTION;
        }
        c->bid = (long)hit;
    } else {
        c->bid = o->bid;
        if (c->bid >= n) {
            put_list(&c->vary, &b);
            say(c, "tally: the record has %lld elements in %s; there is no "
                   "index %ld", (long long)n, b.p ? b.p : "", c->bid);
            sb_free(&b);
            return TALLY_EOPTION;
        }
    }
    res->bid = c->bid;
    value price;
    if (!value_at(p, c->input, &c->vary, 0, c->vary.nsegs, c->bid, &price) ||
        price.kind != VAL_DEC) {
        put_path(&c->vary, c->bid, &b);
        say(c, "tally: %s has no value to vary", b.p ? b.p : "");
        sb_free(&b);
        return TALLY_EOPTION;
    }
    /* the present price in whole cents, rounded down */
    dec hundred = dec_from_int(100), cents_d, floor_d;
    int64_t hi = 0;
    bool whole = false;
    if (dec_mul(&c->base, &price.as.d, &hundred, &cents_d) != DEC_OK ||
        dec_round(&c->base, &cents_d, 0, DEC_FLOOR, &floor_d) != DEC_OK ||
        dec_to_int(&floor_d, &hi) != DEC_OK) {
        put_path(&c->vary, c->bid, &b);
        say(c, "tally: %s is too large to vary in hundredths", b.p ? b.p : "");
        sb_free(&b);
        return TALLY_EOPTION;
    }
    whole = dec_is_integer(&cents_d);
    int64_t my_rank = rank_in(c, &base_res, c->bid);
    int64_t first = -1;
    for (int64_t i = 0; i < n && first < 0; i++) {
        if (rank_in(c, &base_res, i) == 1) {
            first = i;
        }
    }
    value mine_el, first_el;
    bool has_mine = element(c, &base_res, c->bid, &mine_el);
    bool has_first = first >= 0 && element(c, &base_res, first, &first_el);

    /* the search */
    wn_search sr;
    memset(&sr, 0, sizeof sr);
    int64_t rank_at_one = -2, rank_above = -2;
    if (my_rank == 1) {
        res->outcome = TALLY_WHYNOT_WINNER;
    } else if (hi < 1) {
        res->outcome = TALLY_WHYNOT_NO_PRICE;
    } else {
        wn_search_price(probe, c, hi, whole, &sr);
        res->evaluations = sr.probes;
        switch (sr.outcome) {
        case WN_FOUND:
            res->outcome = TALLY_WHYNOT_PRICE;
            if (probe(c, sr.price + 1) != WN_STOP) {
                rank_above = c->last_rank;
                res->evaluations++;
            }
            break;
        case WN_NONE:
            res->outcome = TALLY_WHYNOT_NO_PRICE;
            if (probe(c, 1) != WN_STOP) {
                rank_at_one = c->last_rank;
                res->evaluations++;
            }
            break;
        case WN_NOT_MONOTONE: res->outcome = TALLY_WHYNOT_NOT_MONOTONE; break;
        case WN_STOPPED: res->outcome = TALLY_WHYNOT_FAILED; break;
        }
    }
    if (res->outcome == TALLY_WHYNOT_PRICE) {
        strbuf pb;
        sb_init(&pb, c->mem);
        put_cents(sr.price, &pb);
        snprintf(res->price, sizeof res->price, "%s", pb.p ? pb.p : "");
        sb_free(&pb);
    }

    gap gaps[WN_MAX_GAPS];
    size_t ngaps = has_mine && has_first && my_rank != 1
                       ? gaps_of(c, &mine_el, &first_el, gaps)
                       : 0;
    /* what decided it */
    const gap *total = NULL, *worst = NULL;
    const char *total_name = c->total;
    for (size_t k = 0; k < ngaps; k++) {
        if (strcmp(gaps[k].name, total_name) == 0) {
            total = &gaps[k];
        } else if (dec_sign(&gaps[k].diff) > 0 &&
                   (!worst || dec_cmp(&gaps[k].diff, &worst->diff) > 0)) {
            worst = &gaps[k];
        }
    }
    bool tie = total && dec_sign(&total->diff) == 0;

    strbuf elem, vpath, firstname, myname;
    sb_init(&elem, c->mem);
    sb_init(&vpath, c->mem);
    sb_init(&firstname, c->mem);
    sb_init(&myname, c->mem);
    put_elem(c, c->bid, &elem);
    put_path(&c->vary, c->bid, &vpath);
    put_name(c, has_mine ? &mine_el : NULL, &myname);
    if (first >= 0) {
        put_elem(c, first, &firstname);
        put_name(c, has_first ? &first_el : NULL, &firstname);
    }
    strbuf now;
    sb_init(&now, c->mem);
    put_value(c, c->vary_type, &price, &now);
    strbuf keyt;
    sb_init(&keyt, c->mem);
    if (key) {
        put_value(c, BC_NONE_U16, key, &keyt);
    }

    if (json) {
        sb_puts(&b, "{\"format\": 1, \"record\": ");
        put_js(&b, keyt.p ? keyt.p : "", keyt.len);
        sb_printf(&b, ", \"bid\": %ld, \"element\": ", c->bid);
        put_js(&b, elem.p ? elem.p : "", elem.len);
        sb_puts(&b, ", \"vary\": ");
        put_js(&b, vpath.p ? vpath.p : "", vpath.len);
        sb_puts(&b, ", \"price\": ");
        put_js(&b, now.p ? now.p : "", now.len);
        sb_puts(&b, ", \"rank\": ");
        if (my_rank >= 0) {
            sb_put_i64(&b, my_rank);
        } else {
            sb_puts(&b, "null");
        }
        sb_puts(&b, ", \"first\": ");
        if (first >= 0) {
            sb_put_i64(&b, first);
        } else {
            sb_puts(&b, "null");
        }
        sb_printf(&b, ", \"outcome\": \"%s\"", outcome_names[res->outcome]);
        sb_puts(&b, ", \"decided_by\": ");
        if (my_rank == 1) {
            sb_puts(&b, "null");
        } else if (my_rank < 0) {
            sb_puts(&b, "{\"kind\": \"not_ranked\", \"fields\": {");
            if (has_mine) {
                why_unranked(c, &mine_el, has_first ? &first_el : NULL, true, &b);
            }
            sb_puts(&b, "}}");
        } else if (tie) {
            sb_puts(&b, "{\"kind\": \"tie\", \"field\": ");
            put_js(&b, total->name, strlen(total->name));
            sb_puts(&b, "}");
        } else if (worst) {
            sb_puts(&b, "{\"kind\": \"criterion\", \"field\": ");
            put_js(&b, worst->name, strlen(worst->name));
            sb_puts(&b, ", \"gap\": \"");
            value d = val_dec(worst->diff);
            put_value(c, worst->type, &d, &b);
            sb_puts(&b, "\"}");
        } else {
            sb_puts(&b, "{\"kind\": \"order\"}");
        }
        sb_puts(&b, ", \"gaps\": [");
        for (size_t k = 0; k < ngaps; k++) {
            const gap *g = &gaps[k];
            value d = val_dec(g->diff);
            sb_puts(&b, k ? ", {\"field\": " : "{\"field\": ");
            put_js(&b, g->name, strlen(g->name));
            sb_puts(&b, ", \"this\": \"");
            put_value(c, g->type, &g->mine, &b);
            sb_puts(&b, "\", \"first\": \"");
            put_value(c, g->type, &g->first, &b);
            sb_puts(&b, "\", \"gap\": \"");
            put_value(c, g->type, &d, &b);
            sb_puts(&b, "\"}");
        }
        sb_puts(&b, "]");
        if (res->outcome == TALLY_WHYNOT_PRICE) {
            sb_puts(&b, ", \"winning_price\": \"");
            put_cents(sr.price, &b);
            sb_puts(&b, "\", \"next_price\": \"");
            put_cents(sr.price + 1, &b);
            sb_puts(&b, "\", \"rank_at_next_price\": ");
            if (rank_above >= 0) {
                sb_put_i64(&b, rank_above);
            } else {
                sb_puts(&b, "null");
            }
        } else if (res->outcome == TALLY_WHYNOT_NO_PRICE) {
            sb_puts(&b, ", \"rank_at_lowest_price\": ");
            if (rank_at_one >= 0) {
                sb_put_i64(&b, rank_at_one);
            } else {
                sb_puts(&b, "null");
            }
        } else if (res->outcome == TALLY_WHYNOT_NOT_MONOTONE) {
            sb_puts(&b, ", \"first_at\": \"");
            put_cents(sr.wins_at, &b);
            sb_puts(&b, "\", \"not_first_at\": \"");
            put_cents(sr.loses_at, &b);
            sb_puts(&b, "\"");
        } else if (res->outcome == TALLY_WHYNOT_FAILED) {
            sb_puts(&b, ", \"failed_at\": \"");
            put_cents(sr.stopped_at, &b);
            sb_puts(&b, "\", \"error\": ");
            put_js(&b, c->fail, strlen(c->fail));
        }
        sb_printf(&b, ", \"evaluations\": %u}\n", res->evaluations);
    } else {
        sb_printf(&b, "%s, %s%s: ", keyt.p ? keyt.p : "", elem.p ? elem.p : "",
                  myname.p ? myname.p : "");
        if (my_rank == 1) {
            sb_puts(&b, "ranks first already; there is nothing to explain.\n");
        } else {
            if (my_rank >= 0) {
                sb_printf(&b, "ranks %lld", (long long)my_rank);
            } else {
                sb_puts(&b, "is not ranked");
            }
            if (first >= 0) {
                sb_printf(&b, "; first is %s.\n", firstname.p);
            } else {
                sb_puts(&b, "; no element ranks first.\n");
            }
            sb_puts(&b, "What decided it: ");
            if (my_rank < 0) {
                sb_puts(&b, "it is not ranked: ");
                if (has_mine) {
                    why_unranked(c, &mine_el, has_first ? &first_el : NULL,
                                 false, &b);
                }
                sb_puts(&b, ".\n");
            } else if (tie) {
                sb_printf(&b, "a tie on %s (", total->name);
                put_value(c, total->type, &total->mine, &b);
                sb_puts(&b, " each), broken in the first's favour by the "
                            "ranking's tie-break.\n");
            } else if (worst) {
                value d = val_dec(worst->diff);
                sb_printf(&b, "%s, ", worst->name);
                put_value(c, worst->type, &d, &b);
                sb_puts(&b, " behind the first (its largest shortfall");
                if (total) {
                    value td = val_dec(total->diff);
                    sb_printf(&b, "; %s ", total->name);
                    put_value(c, total->type, &td, &b);
                    sb_puts(&b, " behind");
                }
                sb_puts(&b, ").\n");
            } else {
                sb_puts(&b, "the ranking's order: the first is ahead on no "
                            "number of the result, read as higher is better "
                            "(a policy that ranks lower numbers first, or "
                            "breaks a tie, decides here).\n");
            }
            if (ngaps) {
                sb_puts(&b, "Gap to the first (first minus this):\n");
                sb_printf(&b, "  %-24s %14s %14s %14s\n", "field", "this",
                          "first", "gap");
                for (size_t k = 0; k < ngaps; k++) {
                    const gap *g = &gaps[k];
                    strbuf t1, t2, t3;
                    sb_init(&t1, c->mem);
                    sb_init(&t2, c->mem);
                    sb_init(&t3, c->mem);
                    value d = val_dec(g->diff);
                    put_value(c, g->type, &g->mine, &t1);
                    put_value(c, g->type, &g->first, &t2);
                    put_value(c, g->type, &d, &t3);
                    sb_printf(&b, "  %-24s %14s %14s %14s\n", g->name,
                              t1.p ? t1.p : "", t2.p ? t2.p : "",
                              t3.p ? t3.p : "");
                    sb_free(&t1);
                    sb_free(&t2);
                    sb_free(&t3);
                }
            }
            sb_printf(&b, "Price (%s): %s now. ", vpath.p ? vpath.p : "",
                      now.p ? now.p : "");
            switch (res->outcome) {
            case TALLY_WHYNOT_PRICE:
                sb_puts(&b, "It would rank first at ");
                put_cents(sr.price, &b);
                sb_puts(&b, " or less, everything else unchanged; at ");
                put_cents(sr.price + 1, &b);
                if (rank_above >= 0) {
                    sb_printf(&b, " it ranks %lld.\n", (long long)rank_above);
                } else {
                    sb_puts(&b, " it is not ranked.\n");
                }
                break;
            case TALLY_WHYNOT_NO_PRICE:
                sb_puts(&b, "No price would win: ");
                if (hi < 1) {
                    sb_puts(&b, "it is below 0.01 already.\n");
                } else if (rank_at_one >= 0) {
                    sb_printf(&b, "even at 0.01 it ranks %lld; its gap on "
                                  "the rest is more than price can make up.\n",
                              (long long)rank_at_one);
                } else {
                    sb_puts(&b, "at 0.01 it is not ranked.\n");
                }
                break;
            case TALLY_WHYNOT_NOT_MONOTONE:
                sb_puts(&b, "No single price can be given: it ranks first at ");
                put_cents(sr.wins_at, &b);
                if (sr.wins_at == sr.loses_at) {
                    sb_puts(&b, " on one run and not on another.\n");
                } else {
                    sb_puts(&b, " but not at ");
                    put_cents(sr.loses_at, &b);
                    sb_puts(&b, ", a lower price: under this policy a lower "
                                "price does not always rank at least as "
                                "well.\n");
                }
                break;
            case TALLY_WHYNOT_FAILED:
                sb_puts(&b, "The policy failed at ");
                put_cents(sr.stopped_at, &b);
                sb_printf(&b, ": %s.\n", c->fail);
                break;
            case TALLY_WHYNOT_WINNER: break;
            }
            if (res->evaluations) {
                sb_printf(&b, "(%u runs of the policy.)\n", res->evaluations);
            }
        }
    }
    sb_free(&elem);
    sb_free(&vpath);
    sb_free(&firstname);
    sb_free(&myname);
    sb_free(&now);
    sb_free(&keyt);
    tally_status result = TALLY_OK;
    if (b.failed) {
        result = TALLY_ENOMEM;
    } else if (fwrite(b.p, 1, b.len, out) != b.len) {
        result = TALLY_EIO;
    }
    sb_free(&b);
    if (result == TALLY_OK && res->outcome == TALLY_WHYNOT_FAILED) {
        if (c->st == RT_ENOMEM) {
            return TALLY_ENOMEM;
        }
        return TALLY_ERUNTIME;
    }
    return result;
}

/* ---- entry points --------------------------------------------------------- */

/* Sets up [c] for session [s] and options [o]: the paths parsed and
 * checked against the program.  TALLY_EOPTION (message sent) when one
 * does not fit. */
static tally_status setup(ask_ctx *c, tally_session *s,
                          const tally_whynot_options *o)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->tp = api_session_program(s);
    c->p = c->tp->prog;
    c->v = api_session_vm(s);
    c->mem = api_session_mem(s);
    c->o = o;
    c->total = o->total ? o->total : "total";
    c->last_rank = -1;
    arena_init(&c->base, c->mem);
    arena_init(&c->probe, c->mem);
    const bc_program *p = c->p;
    const char *vary = o->vary ? o->vary : "bids[i].price";
    const char *rank = o->rank ? o->rank : "bids[i].rank";
    const char *why = NULL;
    char msg[300];
    if (!parse_path(vary, &c->vary, &why)) {
        say(c, "tally: --vary %s: %s", vary, why);
        return TALLY_EOPTION;
    }
    if (!parse_path(rank, &c->rank, &why)) {
        say(c, "tally: --rank %s: %s", rank, why);
        return TALLY_EOPTION;
    }
    if (c->vary.var < 0 || c->rank.var < 0) {
        say(c, "tally: --%s %s: the path needs [i] where the element's index "
               "goes, as in bids[i].price",
            c->vary.var < 0 ? "vary" : "rank", c->vary.var < 0 ? vary : rank);
        return TALLY_EOPTION;
    }
    uint16_t t;
    if (!type_at(p, p->input_record, true, &c->vary, &t, msg, sizeof msg)) {
        say(c, "tally: --vary %s: %s", vary, msg);
        say(c, "hint: name the price field with --vary, as in "
               "--vary bids[i].price");
        return TALLY_EOPTION;
    }
    path prefix = c->vary;
    prefix.nsegs = c->vary.var + 1;
    if (!type_at(p, p->input_record, true, &prefix, &c->elem_type, msg,
                 sizeof msg)) {
        return TALLY_EINTERNAL; /* a prefix of a path that fits */
    }
    const bc_type *ty = strip(p, &t);
    if (ty->kind != BT_MONEY && ty->kind != BT_DEC) {
        say(c, "tally: --vary %s: the field is not money or a decimal, so it "
               "has no price to vary", vary);
        say(c, "hint: name the price field with --vary, as in "
               "--vary bids[i].price");
        return TALLY_EOPTION;
    }
    c->vary_type = t;
    if (!type_at(p, p->output_type, false, &c->rank, &t, msg, sizeof msg)) {
        say(c, "tally: --rank %s: the result: %s", rank, msg);
        say(c, "hint: name the result's rank field with --rank, as in "
               "--rank bids[i].rank");
        return TALLY_EOPTION;
    }
    ty = strip(p, &t);
    if (ty->kind != BT_INT) {
        say(c, "tally: --rank %s: the field is not an integer", rank);
        return TALLY_EOPTION;
    }
    if (o->bid < 0 && (!o->where || !strchr(o->where, '='))) {
        say(c, "tally: which element? give --bid N or --where FIELD=VALUE");
        return TALLY_EOPTION;
    }
    return TALLY_OK;
}

static void teardown(ask_ctx *c)
{
    arena_free(&c->probe);
    arena_free(&c->base);
}

/* Whether [key] (the record's key value) reads [want]. */
static bool key_is(const value *key, const char *want)
{
    return key && key->kind == VAL_TEXT && key->len == strlen(want) &&
           memcmp(key->as.s, want, key->len) == 0;
}

static const value *key_of(const bc_program *p, const value *rec)
{
    return rec->kind == VAL_RECORD && p->key_field < rec->as.r->count
               ? &rec->as.r->fields[p->key_field]
               : NULL;
}

static tally_status data_refused(ask_ctx *c, const data_error *de)
{
    say(c, "tally: the record is rejected: %s%s%s",
        de->path ? de->path : "", de->path ? ": " : "", de->msg);
    return TALLY_EDATA;
}

tally_status tally_whynot(tally_session *s, const char *json, size_t len,
                          const tally_whynot_options *o, FILE *out,
                          tally_whynot_result *res)
{
    memset(res, 0, sizeof *res);
    ask_ctx c;
    tally_status st = setup(&c, s, o);
    if (st == TALLY_OK) {
        value in;
        data_error de;
        rt_status ds = data_bind_json(c.p, c.p->input_record, json, len, 1,
                                      &c.base, &in, &de);
        if (ds == RT_ENOMEM) {
            st = TALLY_ENOMEM;
        } else if (ds != RT_OK) {
            st = data_refused(&c, &de);
        } else if (o->record && !key_is(key_of(c.p, &in), o->record)) {
            say(&c, "tally: the record is not '%s'", o->record);
            st = TALLY_EOPTION;
        } else {
            c.input = &in;
            st = explain(&c, out, res);
        }
    }
    teardown(&c);
    return st;
}

tally_status tally_whynot_in(tally_session *s, FILE *in, const char *name,
                             const tally_whynot_options *o, FILE *out,
                             tally_whynot_result *res)
{
    memset(res, 0, sizeof *res);
    ask_ctx c;
    tally_status st = setup(&c, s, o);
    if (st != TALLY_OK) {
        teardown(&c);
        return st;
    }
    data_reader *rd = data_reader_new(c.mem, c.p, in, DATA_AUTO,
                                      name ? name : "input");
    if (!rd || !data_reader_start(rd)) {
        data_reader_free(rd);
        teardown(&c);
        return TALLY_ENOMEM;
    }
    for (;;) {
        value rec;
        data_error de;
        arena_reset(&c.base);
        rt_status ds = data_reader_next(rd, &c.base, &rec, &de);
        if (ds == RT_EOF) {
            if (o->record) {
                say(&c, "tally: no record '%s' in %s", o->record,
                    name ? name : "the input");
            } else {
                say(&c, "tally: no record in %s", name ? name : "the input");
            }
            st = TALLY_EOPTION;
            break;
        }
        if (ds == RT_EIO) {
            say(&c, "tally: %s", de.msg);
            st = TALLY_EIO;
            break;
        }
        if (ds == RT_ENOMEM) {
            st = TALLY_ENOMEM;
            break;
        }
        const value *key = ds == RT_OK ? key_of(c.p, &rec) : &de.key;
        if (o->record && !key_is(key, o->record)) {
            continue;
        }
        if (ds != RT_OK) {
            st = data_refused(&c, &de);
            break;
        }
        c.input = &rec;
        st = explain(&c, out, res);
        break;
    }
    data_reader_free(rd);
    teardown(&c);
    return st;
}
