/* api/explain.c - derivation traces made readable: tally_explain, the
 * compact reason tree of tally run --explain (docs/explain.md), and the
 * derivations under tally test's failed expectations.
 *
 * A program compiled for tracing (tally_config.trace) run on a vm with
 * vm_set_trace leaves, per record, a flat list of events (runtime/vm.h).
 * This file turns them into a tree -- calls with their arguments and
 * results, input fields read, arms taken, citations, record literals
 * field by field -- and finds in it the derivation of each field of the
 * result: the output's records are the literals' values, so a field's
 * derivation is what ran between its literal's start (or the previous
 * field) and its value.  Input fields are named by their path from the
 * input record, found by the record read's identity in the bound input.
 * Everything lives in the record arena and goes with it.
 */
#define _GNU_SOURCE /* memmem */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "date.h"
#include "decimal.h"
#include "explain.h"
#include "vm.h"

/* ---- the tree ------------------------------------------------------------ */

typedef enum xkind {
    XN_ROOT,
    XN_CALL, /* ev: ENTER; val: EXIT's */
    XN_READ, /* ev: FIELD */
    XN_ARM,  /* ev: ARM */
    XN_CITE, /* ev: CITE */
    XN_LIT,  /* ev: BEGIN; val: REC's */
    XN_INIT  /* ev: INIT (field b); before it, pending (field unset) */
} xkind;

typedef struct xnode xnode;
struct xnode {
    uint8_t kind;       /* xkind */
    bool done;          /* closed by its EXIT, INIT or REC */
    bool memo;          /* XN_CALL: a result reused (VM_TR_MEMO), no body */
    uint32_t mark;      /* compact rendering: visited for field mark */
    uint16_t field;     /* XN_INIT: field index; BC_NONE_U16 while pending */
    uint16_t func;      /* XN_CALL: the function */
    uint32_t ev;        /* the event that made it (INIT: the INIT) */
    uint32_t begin_ev;  /* XN_INIT: unused; XN_CALL: its ENTER */
    value val;          /* XN_CALL, XN_INIT, XN_LIT once done */
    xnode *parent, *first, *last, *next;
};

/* Where an input record sits in the input: its path. */
typedef struct in_rec {
    const void *r;
    const char *path;
} in_rec;

struct xtree {
    const bc_program *p;
    arena *a;
    const vm_trace_event *ev;
    uint32_t nev;
    bool truncated;
    xnode *root;
    xnode **lits;   /* done literals, by record identity */
    uint32_t nlits;
    in_rec *ins;    /* input records, by identity */
    uint32_t nins, cap_ins;
    strbuf *seen;   /* text: calls already expanded, "f(args) = v\n" */
    xnode **calls;  /* finished calls that ran, by function then order */
    uint32_t ncalls;
    xnode **rcalls; /* those whose result is a record, by its identity */
    uint32_t nrcalls;
    uint32_t gen;   /* compact rendering: the field being gathered */
    bool failed;    /* out of memory */
};

static xnode *add_node(xtree *t, xnode *parent, uint8_t kind, uint32_t ev)
{
    xnode *n = arena_zalloc(t->a, sizeof *n);
    if (!n) {
        t->failed = true;
        return NULL;
    }
    n->kind = kind;
    n->ev = ev;
    n->field = BC_NONE_U16;
    n->val = val_none();
    n->parent = parent;
    if (parent) {
        if (parent->last) {
            parent->last->next = n;
        } else {
            parent->first = n;
        }
        parent->last = n;
    }
    return n;
}

static int cmp_lit(const void *x, const void *y)
{
    const void *a = (*(xnode *const *)x)->val.as.r;
    const void *b = (*(xnode *const *)y)->val.as.r;
    return a < b ? -1 : a > b;
}

/* Calls by function, then in the order they ran. */
static int cmp_call(const void *x, const void *y)
{
    const xnode *a = *(xnode *const *)x, *b = *(xnode *const *)y;
    int32_t d = (int32_t)a->func - (int32_t)b->func;
    if (d) {
        return d < 0 ? -1 : 1;
    }
    return a->ev < b->ev ? -1 : a->ev > b->ev;
}

static int cmp_in(const void *x, const void *y)
{
    const void *a = ((const in_rec *)x)->r, *b = ((const in_rec *)y)->r;
    return a < b ? -1 : a > b;
}

/* Notes where every record of the input [x] sits, its path [path]. */
static void index_input(xtree *t, const value *x, const char *path, int depth)
{
    if (t->failed || depth > 64) {
        return;
    }
    char buf[512];
    if (x->kind == VAL_RECORD) {
        if (t->nins == t->cap_ins) {
            uint32_t cap = t->cap_ins ? t->cap_ins * 2 : 64;
            in_rec *n = arena_alloc(t->a, cap * sizeof *n);
            if (!n) {
                t->failed = true;
                return;
            }
            if (t->nins) {
                memcpy(n, t->ins, t->nins * sizeof *n);
            }
            t->ins = n;
            t->cap_ins = cap;
        }
        t->ins[t->nins].r = x->as.r;
        t->ins[t->nins].path = path;
        t->nins++;
        const bc_program *p = t->p;
        if (x->type >= p->nrecords) {
            return;
        }
        const bc_record *rec = &p->records[x->type];
        for (uint32_t i = 0; i < rec->nfields && i < x->as.r->count; i++) {
            const bc_field *f = bc_record_field(p, rec, i);
            const value *fv = &x->as.r->fields[i];
            if (fv->kind != VAL_RECORD && fv->kind != VAL_LIST) {
                continue;
            }
            snprintf(buf, sizeof buf, "%s.%s", path, bc_string(p, f->json));
            const char *s = arena_strndup(t->a, buf, strlen(buf));
            if (!s) {
                t->failed = true;
                return;
            }
            index_input(t, fv, s, depth + 1);
        }
    } else if (x->kind == VAL_LIST) {
        for (uint32_t i = 0; i < x->as.l->count; i++) {
            const value *e = &x->as.l->items[i];
            if (e->kind != VAL_RECORD && e->kind != VAL_LIST) {
                continue;
            }
            snprintf(buf, sizeof buf, "%s[%u]", path, i);
            const char *s = arena_strndup(t->a, buf, strlen(buf));
            if (!s) {
                t->failed = true;
                return;
            }
            index_input(t, e, s, depth + 1);
        }
    }
}

/* The path of input record [r], or NULL when it is not one. */
static const char *input_path(const xtree *t, const void *r)
{
    size_t lo = 0, hi = t->nins;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->ins[mid].r == r) {
            return t->ins[mid].path;
        }
        if ((const char *)t->ins[mid].r < (const char *)r) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

xtree *xt_build(const bc_program *p, arena *a, const vm_trace_event *ev,
                uint32_t nev, bool truncated, const value *input,
                strbuf *seen)
{
    xtree *t = arena_zalloc(a, sizeof *t);
    if (!t) {
        return NULL;
    }
    t->p = p;
    t->a = a;
    t->ev = ev;
    t->nev = nev;
    t->truncated = truncated;
    t->seen = seen;
    t->root = add_node(t, NULL, XN_ROOT, 0);
    xnode *top = t->root;
    uint32_t nlits = 0;
    for (uint32_t i = 0; i < nev && !t->failed; i++) {
        const vm_trace_event *e = &ev[i];
        switch ((vm_trace_kind)e->kind) {
        case VM_TR_ENTER:
            top = add_node(t, top, XN_CALL, i);
            if (top) {
                top->func = e->a;
            }
            break;
        case VM_TR_ARG:
            break; /* read from after the ENTER or MEMO */
        case VM_TR_MEMO: {
            xnode *m = add_node(t, top, XN_CALL, i);
            if (m) {
                m->func = e->a;
                m->memo = true;
                m->done = true;
                m->val = e->val;
            }
            break;
        }
        case VM_TR_EXIT:
            while (top != t->root && top->kind != XN_CALL) {
                top = top->parent;
            }
            if (top != t->root) {
                top->val = e->val;
                top->done = true;
                top = top->parent;
            }
            break;
        case VM_TR_FIELD:
            add_node(t, top, XN_READ, i);
            break;
        case VM_TR_ARM:
            add_node(t, top, XN_ARM, i);
            break;
        case VM_TR_CITE:
            add_node(t, top, XN_CITE, i);
            break;
        case VM_TR_BEGIN:
            top = add_node(t, top, XN_LIT, i);
            if (top) {
                top = add_node(t, top, XN_INIT, i);
            }
            break;
        case VM_TR_INIT:
            if (top->kind == XN_INIT) {
                top->field = e->b;
                top->ev = i;
                top->val = e->val;
                top->done = true;
                top = add_node(t, top->parent, XN_INIT, i);
            }
            break;
        case VM_TR_REC:
            if (top->kind == XN_INIT && top->parent &&
                top->parent->kind == XN_LIT) {
                top = top->parent; /* its last child, pending, is unused */
                top->val = e->val;
                top->done = true;
                nlits++;
                top = top->parent;
            }
            break;
        }
        if (!top) {
            t->failed = true;
        }
    }
    if (t->failed) {
        return NULL;
    }
    /* The literals, by the identity of the record each built. */
    t->lits = arena_alloc(a, (nlits ? nlits : 1) * sizeof *t->lits);
    uint32_t ncalls = 0;
    for (uint32_t i = 0; i < nev; i++) {
        ncalls += ev[i].kind == VM_TR_ENTER;
    }
    t->calls = arena_alloc(a, (ncalls ? ncalls : 1) * sizeof *t->calls);
    t->rcalls = arena_alloc(a, (ncalls ? ncalls : 1) * sizeof *t->rcalls);
    if (!t->lits || !t->calls || !t->rcalls) {
        return NULL;
    }
    xnode *stack[256];
    int sp = 0;
    stack[sp++] = t->root;
    while (sp > 0) {
        xnode *n = stack[--sp];
        for (xnode *c = n->first; c; c = c->next) {
            if (c->kind == XN_LIT && c->done && c->val.kind == VAL_RECORD &&
                t->nlits < nlits) {
                t->lits[t->nlits++] = c;
            }
            if (c->kind == XN_CALL && c->done && !c->memo &&
                t->ncalls < ncalls) {
                t->calls[t->ncalls++] = c;
                if (c->val.kind == VAL_RECORD) {
                    t->rcalls[t->nrcalls++] = c;
                }
            }
            if (c->first) {
                if (sp == 256) {
                    /* Deeper than any policy nests: walk it in turn. */
                    continue;
                }
                stack[sp++] = c;
            }
        }
    }
    qsort(t->lits, t->nlits, sizeof *t->lits, cmp_lit);
    qsort(t->rcalls, t->nrcalls, sizeof *t->rcalls, cmp_lit);
    qsort(t->calls, t->ncalls, sizeof *t->calls, cmp_call);
    if (input) {
        index_input(t, input, bc_string(p, p->input_name), 0);
        if (t->failed) {
            return NULL;
        }
        qsort(t->ins, t->nins, sizeof *t->ins, cmp_in);
    }
    return t;
}

bool xt_truncated(const xtree *t)
{
    return t->truncated;
}

/* The literal that built record [r], or NULL. */
static xnode *lit_of(const xtree *t, const void *r)
{
    size_t lo = 0, hi = t->nlits;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const void *m = t->lits[mid]->val.as.r;
        if (m == r) {
            return t->lits[mid];
        }
        if ((const char *)m < (const char *)r) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* The INIT node of field [f] in literal [lit], or NULL. */
static xnode *init_of(xnode *lit, uint16_t f)
{
    for (xnode *c = lit ? lit->first : NULL; c; c = c->next) {
        if (c->kind == XN_INIT && c->done && c->field == f) {
            return c;
        }
    }
    return NULL;
}

/* ---- values and places ------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "award.tally:148" (with ":col" when [col]) for code offset [pc]. */
static void put_at(const bc_program *p, strbuf *b, uint32_t pc, bool col)
{
    const bc_loc *l = bc_loc_find(p, pc);
    sb_puts(b, base_name(bc_loc_file(p, l)));
    if (l) {
        sb_printf(b, ":%u", (unsigned)l->line);
        if (col) {
            sb_printf(b, ":%u", (unsigned)l->col);
        }
    }
}

static const bc_type *type_of(const bc_program *p, uint16_t t)
{
    const bc_type *ty = t < p->ntypes ? &p->types[t] : NULL;
    while (ty && ty->kind == BT_OPTIONAL) {
        ty = ty->ref < p->ntypes ? &p->types[ty->ref] : NULL;
    }
    return ty;
}

/* The static type of function [fn]'s result ([i] 0) or its parameter
 * i - 1, as the traced program keeps it; NULL when not known. */
static const bc_type *sig_of(const bc_program *p, uint32_t fn, uint32_t i)
{
    if (!p->sig_first || !p->sig_types || fn >= p->nfuncs ||
        i > p->funcs[fn].arity) {
        return NULL;
    }
    uint16_t t = p->sig_types[p->sig_first[fn] + i];
    return t == BC_NONE_U16 ? NULL : type_of(p, t);
}

/* Money with thousands separators: "£412,000.00", or for an amount that
 * carries another currency (money in currency) "EUR 412,000.00", as
 * text() writes it. */
static void put_money(strbuf *b, const dec *d, uint16_t cur)
{
    char code[4] = "GBP";
    if (cur != VAL_CUR_NONE) {
        val_cur_code(cur, code);
    }
    dec_format_money(d, code, b);
}

/* [x] in plain words; [ty] (may be NULL) its static type when known. */
static void put_value(const xtree *t, strbuf *b, const value *x,
                      const bc_type *ty)
{
    const bc_program *p = t->p;
    switch ((val_kind)x->kind) {
    case VAL_NONE:
        sb_puts(b, "none");
        return;
    case VAL_BOOL:
        sb_puts(b, x->as.b ? "true" : "false");
        return;
    case VAL_INT:
        sb_put_i64(b, x->as.i);
        return;
    case VAL_DEC:
        if ((ty && ty->kind == BT_MONEY) || x->type != VAL_CUR_NONE) {
            put_money(b, &x->as.d, x->type);
        } else if (ty && ty->kind == BT_PERCENT) {
            dec h = dec_from_int(100), r;
            arena *a = t->a;
            if (dec_mul(a, &x->as.d, &h, &r) == DEC_OK) {
                dec_format(&r, b);
                sb_putc(b, '%');
            } else {
                dec_format(&x->as.d, b);
            }
        } else if (ty && ty->places != BC_PLACES_ANY &&
                   dec_format_fixed(&x->as.d, ty->places, b) == DEC_OK) {
            /* written */
        } else {
            dec_format(&x->as.d, b);
        }
        return;
    case VAL_DATE:
        date_format(x->as.i, b);
        return;
    case VAL_DATETIME:
        date_instant_format(&x->as.t, b);
        return;
    case VAL_DURATION:
        sb_put_i64(b, x->as.i);
        sb_puts(b, x->as.i == 1 ? " day" : " days");
        return;
    case VAL_TEXT:
        sb_putc(b, '"');
        sb_put(b, x->as.s, x->len);
        sb_putc(b, '"');
        return;
    case VAL_ENUM:
        if (x->type < p->nenums &&
            (uint32_t)x->as.i < p->enums[x->type].nmembers) {
            const bc_member *m =
                &p->members[p->enums[x->type].first_member + (uint32_t)x->as.i];
            const char *s = bc_string(p, m->json);
            if (s[0]) {
                sb_puts(b, s);
            } else if (x->as.en.code) {
                sb_put(b, x->as.en.code, x->len);
            } else {
                sb_puts(b, "other");
            }
        } else {
            sb_puts(b, "?");
        }
        return;
    case VAL_RECORD: {
        const char *in = input_path(t, x->as.r);
        if (in) {
            sb_puts(b, in);
        } else if (x->type < p->nrecords) {
            /* A record the policy built: its fields, when few. */
            const bc_record *r = &p->records[x->type];
            sb_puts(b, bc_string(p, r->name));
            if (r->nfields > 4 || x->as.r->count < r->nfields) {
                sb_puts(b, " {...}");
                return;
            }
            sb_puts(b, " {");
            for (uint32_t i = 0; i < r->nfields; i++) {
                const bc_field *f = bc_record_field(p, r, i);
                const value *fv = &x->as.r->fields[i];
                sb_printf(b, "%s%s: ", i ? ", " : "", bc_string(p, f->name));
                if (fv->kind == VAL_RECORD) {
                    sb_puts(b, "{...}");
                } else {
                    put_value(t, b, fv, type_of(p, f->type));
                }
            }
            sb_putc(b, '}');
        } else {
            sb_puts(b, "record");
        }
        return;
    }
    case VAL_LIST:
        sb_printf(b, "[%u item%s]", (unsigned)x->as.l->count,
                  x->as.l->count == 1 ? "" : "s");
        return;
    case VAL_MAP:
        sb_puts(b, "{map}");
        return;
    default:
        sb_puts(b, "?");
        return;
    }
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct rctx {
    xtree *t;
    strbuf *b;
    bool json;
    bool compact;     /* run --explain: arms and citations only */
    strbuf *arms;     /* compact: the field's arms, JSON strings */
    strbuf *cites;    /* compact: its citations, JSON strings */
    int depth;        /* recursion guard */
} rctx;

/* The call whose result is the record [r] (a rule's verdict), or NULL:
 * a read of its field is explained by that call. */
static xnode *call_of(const xtree *t, const void *r)
{
    size_t lo = 0, hi = t->nrcalls;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const void *m = t->rcalls[mid]->val.as.r;
        if (m == r) {
            while (mid > 0 && t->rcalls[mid - 1]->val.as.r == r) {
                mid--; /* the first that made it */
            }
            return t->rcalls[mid];
        }
        if ((const char *)m < (const char *)r) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* The call that computed the result memo call [n] reuses: the first of
 * its function that ran with equal arguments, or NULL. */
static xnode *full_call(const xtree *t, const xnode *n)
{
    size_t lo = 0, hi = t->ncalls;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->calls[mid]->func < n->func) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t k = lo; k < t->ncalls && t->calls[k]->func == n->func; k++) {
        const xnode *c = t->calls[k];
        bool same = true;
        uint32_t i = n->ev + 1, j = c->ev + 1;
        for (; i < t->nev && t->ev[i].kind == VM_TR_ARG && t->ev[i].a == n->func;
             i++, j++) {
            if (j >= t->nev || t->ev[j].kind != VM_TR_ARG ||
                !val_equal(&t->ev[i].val, &t->ev[j].val)) {
                same = false;
                break;
            }
        }
        if (same) {
            return (xnode *)c;
        }
    }
    return NULL;
}

static void indent(strbuf *b, int n)
{
    for (int i = 0; i < n; i++) {
        sb_puts(b, "  ");
    }
}

static void put_json_text(strbuf *b, const strbuf *s)
{
    sb_put_json_string(b, s->p ? s->p : "", s->len);
}

static void render_children(rctx *c, xnode *n, int ind);
static void render(rctx *c, xnode *n, int ind);

/* One call's head: "price_score(tender.bids[2]) = 35.71". */
static void call_head(rctx *c, xnode *n, strbuf *h)
{
    const xtree *t = c->t;
    const bc_program *p = t->p;
    const vm_trace_event *e = &t->ev[n->ev];
    sb_puts(h, e->a < p->nfuncs ? bc_string(p, p->funcs[e->a].name) : "?");
    sb_putc(h, '(');
    for (uint32_t i = n->ev + 1; i < t->nev && t->ev[i].kind == VM_TR_ARG &&
                                 t->ev[i].a == e->a;
         i++) {
        if (i > n->ev + 1) {
            sb_puts(h, ", ");
        }
        put_value(t, h, &t->ev[i].val, sig_of(p, e->a, i - n->ev));
    }
    sb_putc(h, ')');
}

static void note_arm(rctx *c, const xnode *n)
{
    const xtree *t = c->t;
    const bc_program *p = t->p;
    const vm_trace_event *e = &t->ev[n->ev];
    strbuf s;
    sb_init(&s, c->b->mem);
    sb_puts(&s, e->a < p->nprobes ? p->probes[e->a].what : "?");
    sb_puts(&s, " (");
    put_at(p, &s, e->pc, false);
    sb_putc(&s, ')');
    strbuf j;
    sb_init(&j, c->b->mem);
    put_json_text(&j, &s);
    sb_putc(&j, '\n');
    if (!s.failed && !j.failed &&
        !(c->arms->len && memmem(c->arms->p, c->arms->len, j.p, j.len))) {
        sb_put(c->arms, j.p, j.len);
    }
    sb_free(&s);
    sb_free(&j);
}

static void note_cite(rctx *c, const xnode *n)
{
    const bc_program *p = c->t->p;
    const vm_trace_event *e = &c->t->ev[n->ev];
    if (e->a >= p->ncites) {
        return;
    }
    strbuf j;
    sb_init(&j, c->b->mem);
    const char *txt = bc_string(p, p->cites[e->a].text);
    sb_put_json_string(&j, txt, strlen(txt));
    sb_putc(&j, '\n');
    if (!j.failed &&
        !(c->cites->len && memmem(c->cites->p, c->cites->len, j.p, j.len))) {
        sb_put(c->cites, j.p, j.len);
    }
    sb_free(&j);
}

/* A node's text line (text format) or object (JSON). */
static void render(rctx *c, xnode *n, int ind)
{
    xtree *t = c->t;
    const bc_program *p = t->p;
    strbuf *b = c->b;
    const vm_trace_event *e = &t->ev[n->ev];
    if (n->kind == XN_CALL && n->memo) {
        xnode *full = full_call(t, n);
        if (full) {
            n = full;
            e = &t->ev[n->ev];
        }
    }
    if (++c->depth > 400) {
        c->depth--;
        return;
    }
    if (c->compact) {
        if (n->mark == t->gen) {
            c->depth--;
            return; /* gathered already for this field */
        }
        n->mark = t->gen;
        if (n->kind == XN_ARM) {
            note_arm(c, n);
        } else if (n->kind == XN_CITE) {
            note_cite(c, n);
        } else if (n->kind == XN_READ && e->val.kind != VAL_RECORD &&
                   !input_path(t, e->rec)) {
            xnode *src = call_of(t, e->rec);
            if (src) {
                render_children(c, src, ind);
            }
        } else {
            render_children(c, n, ind);
        }
        c->depth--;
        return;
    }
    strbuf h;
    sb_init(&h, b->mem);
    switch ((xkind)n->kind) {
    case XN_CALL: {
        call_head(c, n, &h);
        strbuf v;
        sb_init(&v, b->mem);
        if (n->done) {
            put_value(t, &v, &n->val, sig_of(p, e->a, 0));
        } else {
            sb_puts(&v, "(not finished)");
        }
        /* A call already shown whole, with the same arguments, is not
         * expanded again.  The key names the function by its index, not
         * only by the text shown: two layers may each declare a function
         * of one name ("#12 " cannot occur inside "#112 "). */
        strbuf key;
        sb_init(&key, b->mem);
        sb_printf(&key, "#%u ", (unsigned)e->a);
        sb_put(&key, h.p ? h.p : "", h.len);
        sb_puts(&key, " = ");
        sb_put(&key, v.p ? v.p : "", v.len);
        sb_putc(&key, '\n');
        bool seen = !key.failed && c->t->seen->len &&
                    memmem(c->t->seen->p, c->t->seen->len, key.p, key.len);
        if (!seen && !key.failed && n->first) {
            sb_put(c->t->seen, key.p, key.len);
        }
        if (c->json) {
            sb_puts(b, "{\"kind\": \"call\", \"name\": ");
            const char *nm = e->a < p->nfuncs ? bc_string(p, p->funcs[e->a].name) : "?";
            sb_put_json_string(b, nm, strlen(nm));
            sb_puts(b, ", \"at\": \"");
            put_at(p, b, e->pc, true);
            sb_puts(b, "\", \"args\": [");
            for (uint32_t i = n->ev + 1; i < t->nev && t->ev[i].kind == VM_TR_ARG &&
                                         t->ev[i].a == e->a;
                 i++) {
                strbuf a;
                sb_init(&a, b->mem);
                put_value(t, &a, &t->ev[i].val, sig_of(p, e->a, i - n->ev));
                if (i > n->ev + 1) {
                    sb_puts(b, ", ");
                }
                put_json_text(b, &a);
                sb_free(&a);
            }
            sb_puts(b, "], \"value\": ");
            if (n->done) {
                put_json_text(b, &v);
            } else {
                sb_puts(b, "null, \"unfinished\": true");
            }
            if (seen) {
                sb_puts(b, ", \"shown_above\": true");
            } else if (n->first) {
                sb_puts(b, ", \"steps\": [");
                render_children(c, n, ind + 1);
                sb_putc(b, ']');
            }
            sb_putc(b, '}');
        } else {
            indent(b, ind);
            sb_put(b, h.p ? h.p : "", h.len);
            sb_puts(b, " = ");
            sb_put(b, v.p ? v.p : "", v.len);
            sb_puts(b, "  (");
            put_at(p, b, e->pc, false);
            sb_puts(b, seen ? ", as above)\n" : n->memo ? ", remembered)\n" : ")\n");
            if (!seen) {
                render_children(c, n, ind + 1);
            }
        }
        sb_free(&v);
        sb_free(&key);
        break;
    }
    case XN_READ: {
        const bc_record *r = e->a < p->nrecords ? &p->records[e->a] : NULL;
        const bc_field *f = r && e->b < r->nfields ? bc_record_field(p, r, e->b) : NULL;
        const char *fname = f ? bc_string(p, f->name) : "?";
        const char *in = input_path(t, e->rec);
        strbuf v;
        sb_init(&v, b->mem);
        put_value(t, &v, &e->val, f ? type_of(p, f->type) : NULL);
        xnode *src = in ? NULL : call_of(t, e->rec);
        if (c->json) {
            sb_puts(b, "{\"kind\": \"read\", \"field\": ");
            sb_put_json_string(b, fname, strlen(fname));
            sb_puts(b, ", \"value\": ");
            put_json_text(b, &v);
            if (in) {
                sb_puts(b, ", \"input\": ");
                strbuf ip;
                sb_init(&ip, b->mem);
                sb_printf(&ip, "%s.%s", in, f ? bc_string(p, f->json) : "?");
                put_json_text(b, &ip);
                sb_free(&ip);
            }
            if (src) {
                sb_puts(b, ", \"of\": ");
                render(c, src, ind + 1);
            }
            sb_putc(b, '}');
        } else {
            indent(b, ind);
            sb_printf(b, "%s = ", fname);
            sb_put(b, v.p ? v.p : "", v.len);
            if (in) {
                sb_printf(b, "  (%s.%s)\n", in, f ? bc_string(p, f->json) : "?");
            } else if (src) {
                sb_puts(b, "  (of the result of:)\n");
                render(c, src, ind + 1);
            } else {
                sb_putc(b, '\n');
            }
        }
        sb_free(&v);
        break;
    }
    case XN_ARM: {
        const char *what = e->a < p->nprobes ? p->probes[e->a].what : "?";
        if (c->json) {
            sb_puts(b, "{\"kind\": \"arm\", \"what\": ");
            sb_put_json_string(b, what, strlen(what));
            sb_puts(b, ", \"at\": \"");
            put_at(p, b, e->pc, true);
            sb_puts(b, "\"}");
        } else {
            indent(b, ind);
            sb_printf(b, "took %s  (", what);
            put_at(p, b, e->pc, false);
            sb_puts(b, ")\n");
        }
        break;
    }
    case XN_CITE: {
        if (e->a >= p->ncites) {
            break;
        }
        const bc_cite *ci = &p->cites[e->a];
        const char *txt = bc_string(p, ci->text);
        const char *by = bc_string(p, ci->by);
        if (c->json) {
            sb_puts(b, "{\"kind\": \"cite\", \"cites\": ");
            sb_put_json_string(b, txt, strlen(txt));
            sb_puts(b, ", \"by\": ");
            sb_put_json_string(b, by, strlen(by));
            if (ci->url != BC_NO_STRING) {
                const char *u = bc_string(p, ci->url);
                sb_puts(b, ", \"url\": ");
                sb_put_json_string(b, u, strlen(u));
            }
            sb_putc(b, '}');
        } else {
            indent(b, ind);
            sb_printf(b, "cites %s  (%s)\n", txt, by);
        }
        break;
    }
    case XN_LIT: {
        const char *rn = e->a < p->nrecords ? bc_string(p, p->records[e->a].name) : "?";
        if (c->json) {
            sb_puts(b, "{\"kind\": \"record\", \"type\": ");
            sb_put_json_string(b, rn, strlen(rn));
            sb_puts(b, ", \"at\": \"");
            put_at(p, b, e->pc, true);
            sb_puts(b, "\", \"fields\": [");
            render_children(c, n, ind + 1);
            sb_puts(b, "]}");
        } else {
            indent(b, ind);
            sb_printf(b, "builds %s  (", rn);
            put_at(p, b, e->pc, false);
            sb_puts(b, ")\n");
            render_children(c, n, ind + 1);
        }
        break;
    }
    case XN_INIT: {
        if (n->field == BC_NONE_U16) {
            break; /* a literal's unused last slot, or an unfinished one */
        }
        const bc_record *r = e->a < p->nrecords ? &p->records[e->a] : NULL;
        const bc_field *f = r && n->field < r->nfields ? bc_record_field(p, r, n->field) : NULL;
        const char *fname = f ? bc_string(p, f->name) : "?";
        strbuf v;
        sb_init(&v, b->mem);
        put_value(t, &v, &n->val, f ? type_of(p, f->type) : NULL);
        if (c->json) {
            sb_puts(b, "{\"kind\": \"field\", \"field\": ");
            sb_put_json_string(b, fname, strlen(fname));
            sb_puts(b, ", \"value\": ");
            put_json_text(b, &v);
            sb_puts(b, ", \"at\": \"");
            put_at(p, b, e->pc, true);
            sb_puts(b, "\", \"steps\": [");
            render_children(c, n, ind + 1);
            sb_puts(b, "]}");
        } else {
            indent(b, ind);
            sb_printf(b, "%s = ", fname);
            sb_put(b, v.p ? v.p : "", v.len);
            sb_puts(b, "  (");
            put_at(p, b, e->pc, false);
            sb_puts(b, ")\n");
            render_children(c, n, ind + 1);
        }
        sb_free(&v);
        break;
    }
    case XN_ROOT:
        render_children(c, n, ind);
        break;
    }
    sb_free(&h);
    c->depth--;
}

/* Whether [k] says nothing its parent's line does not: the coverage
 * point at a definition's start ("reached"), a read that only steps into
 * an input record (tender.weights), or the same read as its sibling
 * before. */
static bool is_noise(const xtree *t, const xnode *k, const xnode *prev)
{
    const vm_trace_event *e = &t->ev[k->ev];
    if (k->kind == XN_ARM) {
        const char *w = e->a < t->p->nprobes ? t->p->probes[e->a].what : "";
        size_t n = strlen(w);
        return n >= 9 && strcmp(w + n - 9, ": reached") == 0;
    }
    if (k->kind == XN_READ) {
        if (e->val.kind == VAL_RECORD && input_path(t, e->val.as.r)) {
            return true;
        }
        if (prev && prev->kind == XN_READ) {
            const vm_trace_event *pe = &t->ev[prev->ev];
            return pe->rec == e->rec && pe->a == e->a && pe->b == e->b;
        }
    }
    return false;
}

static void render_children(rctx *c, xnode *n, int ind)
{
    bool first = true;
    const xnode *prev = NULL;
    for (xnode *k = n->first; k; k = k->next) {
        if (k->kind == XN_INIT && k->field == BC_NONE_U16) {
            continue;
        }
        if (is_noise(c->t, k, prev)) {
            continue;
        }
        prev = k;
        if (c->json && !c->compact) {
            if (!first) {
                sb_puts(c->b, ", ");
            }
        }
        first = false;
        render(c, k, ind);
    }
}

/* ---- fields of the result -------------------------------------------------- */

/* Calls [fn] for each field of the result under [x] (of type [ty]) that
 * is not a record or list of records, with its path in [path]; [src] is
 * the INIT node that gave it (NULL when unknown).  Fields omitted from the
 * output when none are skipped. */
typedef void (*leaf_fn)(void *ud, const char *path, const value *x,
                        const bc_type *ty, xnode *src);

static void each_leaf(xtree *t, strbuf *path, const value *x, uint16_t tyi,
                      xnode *src, bool all, leaf_fn fn, void *ud, int depth)
{
    const bc_program *p = t->p;
    const bc_type *ty = type_of(p, tyi);
    if (depth > 64 || path->failed) {
        return;
    }
    if (x->kind == VAL_RECORD && x->type < p->nrecords) {
        xnode *lit = lit_of(t, x->as.r);
        const bc_record *r = &p->records[x->type];
        for (uint16_t i = 0; i < r->nfields && i < x->as.r->count; i++) {
            const bc_field *f = bc_record_field(p, r, i);
            const value *fv = &x->as.r->fields[i];
            if (fv->kind == VAL_NONE && (f->flags & BC_FIELD_OMIT_NONE) && !all) {
                continue;
            }
            size_t keep = path->len;
            sb_printf(path, ".%s", bc_string(p, f->json));
            each_leaf(t, path, fv, f->type, init_of(lit, i), all, fn, ud,
                      depth + 1);
            path->len = keep;
        }
        return;
    }
    if (x->kind == VAL_LIST && ty && ty->kind == BT_LIST) {
        const bc_type *et = type_of(p, ty->ref);
        if (et && et->kind == BT_RECORD) {
            for (uint32_t i = 0; i < x->as.l->count; i++) {
                size_t keep = path->len;
                sb_printf(path, "[%u]", (unsigned)i);
                each_leaf(t, path, &x->as.l->items[i], ty->ref, NULL, all,
                          fn, ud, depth + 1);
                path->len = keep;
            }
            return;
        }
    }
    sb_putc(path, '\0');
    path->len--;
    fn(ud, path->failed ? "?" : path->p, x, ty, src);
}

typedef struct leaf_ctx {
    rctx *c;
    bool any;
} leaf_ctx;

static void leaf_out(void *ud, const char *path, const value *x,
                     const bc_type *ty, xnode *src)
{
    leaf_ctx *l = ud;
    rctx *c = l->c;
    xtree *t = c->t;
    const bc_program *p = t->p;
    strbuf *b = c->b;
    strbuf v;
    sb_init(&v, b->mem);
    put_value(t, &v, x, ty);
    const bc_record *r = NULL;
    const bc_field *f = NULL;
    if (src) {
        const vm_trace_event *e = &t->ev[src->ev];
        r = e->a < p->nrecords ? &p->records[e->a] : NULL;
        f = r && src->field < r->nfields ? bc_record_field(p, r, src->field) : NULL;
    }
    if (c->compact) {
        strbuf arms, cites;
        sb_init(&arms, b->mem);
        sb_init(&cites, b->mem);
        c->arms = &arms;
        c->cites = &cites;
        t->gen++;
        if (src) {
            render_children(c, src, 0);
        }
        if (arms.len || cites.len) {
            sb_puts(b, l->any ? ", " : "");
            sb_put_json_string(b, path, strlen(path));
            sb_puts(b, ": {");
            const strbuf *lists[2] = {&arms, &cites};
            const char *names[2] = {"arms", "cites"};
            bool firstk = true;
            for (int k = 0; k < 2; k++) {
                if (!lists[k]->len) {
                    continue;
                }
                sb_printf(b, "%s\"%s\": [", firstk ? "" : ", ", names[k]);
                firstk = false;
                const char *s = lists[k]->p, *end = s + lists[k]->len;
                bool first = true;
                while (s < end) {
                    const char *nl = memchr(s, '\n', (size_t)(end - s));
                    if (!nl) {
                        break;
                    }
                    sb_puts(b, first ? "" : ", ");
                    sb_put(b, s, (size_t)(nl - s));
                    first = false;
                    s = nl + 1;
                }
                sb_putc(b, ']');
            }
            sb_putc(b, '}');
            l->any = true;
        }
        sb_free(&arms);
        sb_free(&cites);
    } else if (c->json) {
        sb_puts(b, l->any ? ",\n  " : "\n  ");
        sb_puts(b, "{\"path\": ");
        sb_put_json_string(b, path, strlen(path));
        sb_puts(b, ", \"value\": ");
        put_json_text(b, &v);
        if (src) {
            sb_puts(b, ", \"at\": \"");
            put_at(p, b, t->ev[src->ev].pc, true);
            sb_puts(b, "\", \"steps\": [");
            render_children(c, src, 1);
            sb_putc(b, ']');
        } else {
            sb_puts(b, ", \"steps\": []");
        }
        sb_putc(b, '}');
        l->any = true;
    } else {
        sb_puts(b, path);
        sb_puts(b, " = ");
        sb_put(b, v.p ? v.p : "", v.len);
        if (src) {
            sb_puts(b, "  (");
            put_at(p, b, t->ev[src->ev].pc, false);
            sb_printf(b, " %s)\n", f ? bc_string(p, f->name) : "?");
            render_children(c, src, 1);
        } else {
            sb_putc(b, '\n');
        }
        l->any = true;
    }
    sb_free(&v);
}

/* Follows [path] ("bids[2].total", optionally after "NAME.", the output's
 * name) from the result [res] of type [ty]: the value, its type and the
 * INIT node that gave it.  False when the result has no such field. */
static bool follow(xtree *t, const char *path, const char *out_name,
                   const value *res, uint16_t ty, const value **x,
                   uint16_t *xty, xnode **src)
{
    const bc_program *p = t->p;
    size_t on = strlen(out_name);
    if (strncmp(path, out_name, on) == 0 && (path[on] == '.' || path[on] == '[')) {
        path += on;
        if (*path == '.') {
            path++;
        }
    } else if (strcmp(path, out_name) == 0) {
        path += on;
    }
    const value *cur = res;
    uint16_t cty = ty;
    xnode *s = NULL;
    const char *q = path;
    while (*q) {
        if (*q == '[') {
            char *end;
            unsigned long i = strtoul(q + 1, &end, 10);
            const bc_type *tt = type_of(p, cty);
            if (end == q + 1 || *end != ']' || cur->kind != VAL_LIST || !tt ||
                tt->kind != BT_LIST || i >= cur->as.l->count) {
                return false;
            }
            cur = &cur->as.l->items[i];
            cty = tt->ref;
            s = NULL;
            q = end + 1;
            if (*q == '.') {
                q++;
                if (!*q) {
                    return false;
                }
            }
            continue;
        }
        size_t n = strcspn(q, ".[");
        if (n == 0 || cur->kind != VAL_RECORD || cur->type >= p->nrecords) {
            return false;
        }
        const bc_record *r = &p->records[cur->type];
        uint16_t i = 0;
        for (; i < r->nfields; i++) {
            const char *j = bc_string(p, bc_record_field(p, r, i)->json);
            if (strlen(j) == n && memcmp(j, q, n) == 0) {
                break;
            }
        }
        if (i == r->nfields || i >= cur->as.r->count) {
            return false;
        }
        s = init_of(lit_of(t, cur->as.r), i);
        cty = bc_record_field(p, r, i)->type;
        cur = &cur->as.r->fields[i];
        q += n;
        if (*q == '.') {
            q++;
            if (!*q) {
                return false;
            }
        }
    }
    *x = cur;
    *xty = cty;
    *src = s;
    return true;
}

bool xt_render(xtree *t, strbuf *b, const value *res, const char *path,
               bool json, bool compact, const char *out_name)
{
    const bc_program *p = t->p;
    rctx c = {.t = t, .b = b, .json = json, .compact = compact};
    const value *x = res;
    uint16_t ty = p->output_type;
    xnode *src = NULL;
    if (path && !follow(t, path, out_name, res, p->output_type, &x, &ty, &src)) {
        return false;
    }
    strbuf pb;
    sb_init(&pb, b->mem);
    sb_puts(&pb, out_name);
    if (path) {
        size_t on = strlen(out_name);
        const char *rest = path;
        if (strncmp(path, out_name, on) == 0 &&
            (path[on] == '.' || path[on] == '[' || !path[on])) {
            rest = path + on;
        }
        if (*rest && *rest != '[' && *rest != '.') {
            sb_putc(&pb, '.');
        }
        sb_puts(&pb, rest);
    }
    leaf_ctx l = {.c = &c};
    if (src && x->kind != VAL_RECORD &&
        !(x->kind == VAL_LIST && type_of(p, ty) && type_of(p, ty)->kind == BT_LIST &&
          type_of(p, type_of(p, ty)->ref) &&
          type_of(p, type_of(p, ty)->ref)->kind == BT_RECORD)) {
        sb_putc(&pb, '\0');
        pb.len--;
        leaf_out(&l, pb.failed ? "?" : pb.p, x, type_of(p, ty), src);
    } else {
        each_leaf(t, &pb, x, ty, NULL, path != NULL, leaf_out, &l, 0);
    }
    sb_free(&pb);
    return true;
}

/* ---- tally_explain ------------------------------------------------------- */

bool api_key_is(const value *key, const char *want)
{
    if (!key) {
        return false;
    }
    if (key->kind == VAL_TEXT) {
        return strlen(want) == key->len && memcmp(key->as.s, want, key->len) == 0;
    }
    if (key->kind == VAL_INT) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)key->as.i);
        return strcmp(buf, want) == 0;
    }
    return false;
}

tally_status tally_explain(const tally_program *tp,
                           const tally_explain_options *o, FILE *in, FILE *out)
{
    static const data_format in_fmt[] = {DATA_AUTO, DATA_JSONL,
                                         DATA_JSON_ARRAY, DATA_WRAPPED,
                                         DATA_CSV};
    const bc_program *p = tp->prog;
    if (!p->traced) {
        api_message(&tp->cfg, "tally: explain needs a program compiled for "
                              "tracing (from the policy's source, with "
                              "tally_config.trace)");
        return TALLY_EOPTION;
    }
    if (!o->record) {
        api_message(&tp->cfg, "tally: explain needs the key of a record");
        return TALLY_EOPTION;
    }
    mem_ctx m;
    api_setup_mem(&m, &tp->cfg);
    int64_t day = 0;
    bool has_as_of = false;
    if (o->as_of) {
        if (!date_parse(o->as_of, strlen(o->as_of), &day)) {
            api_message(&tp->cfg, "tally: --as-of needs a date YYYY-MM-DD");
            return TALLY_EOPTION;
        }
        has_as_of = true;
    }
    tally_status result = TALLY_OK;
    arena rec;
    arena_init(&rec, &m);
    strbuf b, seen;
    sb_init(&b, &m);
    sb_init(&seen, &m);
    data_reader *rd = data_reader_new(&m, p, in, in_fmt[o->input],
                                      o->input_name ? o->input_name : "input");
    vm *v = vm_new(&m, p);
    if (!rd || !v || !data_reader_start(rd) ||
        !vm_set_trace(v, o->max_events ? o->max_events
                                       : TALLY_DEFAULT_TRACE_EVENTS)) {
        api_message(&tp->cfg, "tally: out of memory starting to explain");
        result = TALLY_ENOMEM;
        goto done;
    }
    vm_set_budget(v, tp->cfg.budget ? tp->cfg.budget : TALLY_DEFAULT_BUDGET);
    vm_set_as_of(v, has_as_of, day);
    const char *out_name = bc_string(p, p->output_func < p->nfuncs
                                            ? p->funcs[p->output_func].name
                                            : p->input_name);
    for (;;) {
        value in_rec;
        data_error de;
        arena_reset(&rec);
        rt_status ds = data_reader_next(rd, &rec, &in_rec, &de);
        if (ds == RT_EOF) {
            char msg[400];
            snprintf(msg, sizeof msg, "tally: no record in %s has %s %s",
                     o->input_name ? o->input_name : "the input",
                     bc_string(p, bc_record_field(p, &p->records[p->input_record],
                                                  p->key_field)->name),
                     o->record);
            api_message(&tp->cfg, msg);
            result = TALLY_EOPTION;
            break;
        }
        if (ds == RT_EIO || ds == RT_ENOMEM) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: %s", de.msg ? de.msg : "cannot read the input");
            api_message(&tp->cfg, msg);
            result = ds == RT_EIO ? TALLY_EIO : TALLY_ENOMEM;
            break;
        }
        const value *key = ds == RT_EDATA ? &de.key
                           : (in_rec.kind == VAL_RECORD && p->key_field < in_rec.as.r->count)
                               ? &in_rec.as.r->fields[p->key_field] : NULL;
        if (!api_key_is(key, o->record)) {
            continue;
        }
        if (ds == RT_EDATA) {
            char msg[1200];
            snprintf(msg, sizeof msg, "tally: record %s is rejected as bad data: %s%s%s",
                     o->record, de.path ? de.path : "", de.path ? ": " : "", de.msg);
            api_message(&tp->cfg, msg);
            result = TALLY_EDATA;
            break;
        }
        value res;
        vm_error ve;
        rt_status st = vm_eval(v, &rec, &in_rec, &res, &ve);
        uint32_t nev;
        bool trunc;
        const vm_trace_event *ev = vm_trace(v, &nev, &trunc);
        if (st == RT_ENOMEM) {
            api_message(&tp->cfg, "tally: out of memory explaining a record");
            result = TALLY_ENOMEM;
            break;
        }
        xtree *t = xt_build(p, &rec, ev, nev, trunc, &in_rec, &seen);
        if (!t) {
            api_message(&tp->cfg, "tally: out of memory explaining a record");
            result = TALLY_ENOMEM;
            break;
        }
        if (st != RT_OK) {
            char msg[1200];
            snprintf(msg, sizeof msg, "tally: record %s: %s: %s (%s:%u:%u)", o->record,
                     rt_status_name(st), ve.msg ? ve.msg : "", ve.file ? ve.file : "?",
                     ve.line, ve.col);
            api_message(&tp->cfg, msg);
            result = st == RT_EDATA ? TALLY_EDATA : TALLY_ERUNTIME;
            break;
        }
        if (o->json) {
            sb_puts(&b, "{\"trace_version\": 1, \"policy\": ");
            const char *src = bc_string(p, p->source);
            sb_put_json_string(&b, src, strlen(src));
            sb_puts(&b, ", \"record\": ");
            sb_put_json_string(&b, o->record, strlen(o->record));
            sb_puts(&b, ", \"path\": ");
            if (o->path) {
                sb_put_json_string(&b, o->path, strlen(o->path));
            } else {
                sb_puts(&b, "null");
            }
            sb_printf(&b, ", \"truncated\": %s, \"fields\": [",
                      trunc ? "true" : "false");
        }
        size_t mark = b.len;
        if (!xt_render(t, &b, &res, o->path, o->json != 0, false, out_name)) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: the result of record %s has no field %s",
                     o->record, o->path);
            api_message(&tp->cfg, msg);
            result = TALLY_EOPTION;
            break;
        }
        if (o->json) {
            sb_puts(&b, b.len > mark ? "\n]}\n" : "]}\n");
        } else if (trunc) {
            sb_puts(&b, "(trace truncated: the record took more steps than the "
                        "trace keeps; what is shown is its beginning)\n");
        }
        break;
    }
    if (result == TALLY_OK) {
        if (b.failed) {
            api_message(&tp->cfg, "tally: out of memory explaining a record");
            result = TALLY_ENOMEM;
        } else if (fwrite(b.p, 1, b.len, out) != b.len || fflush(out) != 0) {
            result = TALLY_EIO;
        }
    }
done:
    vm_free(v);
    data_reader_free(rd);
    sb_free(&b);
    sb_free(&seen);
    arena_free(&rec);
    return result;
}

tally_status api_explain_paths(const tally_program *tp, const value *in_rec,
                               const char *as_of, const char *const *paths,
                               int npaths, strbuf *outs, bool *truncated)
{
    const bc_program *p = tp->prog;
    *truncated = false;
    int64_t day = 0;
    if (!p->traced || (as_of && !date_parse(as_of, strlen(as_of), &day))) {
        return TALLY_EOPTION;
    }
    mem_ctx m;
    api_setup_mem(&m, &tp->cfg);
    ffi_table *nt = NULL;
    tally_status result = api_bind_natives(tp, &m, &nt);
    if (result != TALLY_OK) {
        return result;
    }
    arena rec;
    arena_init(&rec, &m);
    strbuf seen;
    sb_init(&seen, &m);
    vm *v = vm_new(&m, p);
    if (!v || !vm_set_trace(v, TALLY_DEFAULT_TRACE_EVENTS)) {
        result = TALLY_ENOMEM;
        goto done;
    }
    vm_set_budget(v, tp->cfg.budget ? tp->cfg.budget : TALLY_DEFAULT_BUDGET);
    vm_set_as_of(v, as_of != NULL, day);
    vm_set_natives(v, nt);
    value res;
    vm_error ve;
    rt_status st = vm_eval(v, &rec, in_rec, &res, &ve);
    if (st != RT_OK) {
        result = st == RT_ENOMEM ? TALLY_ENOMEM
                 : st == RT_EDATA ? TALLY_EDATA
                                  : TALLY_ERUNTIME;
        goto done;
    }
    uint32_t nev;
    const vm_trace_event *ev = vm_trace(v, &nev, truncated);
    xtree *t = xt_build(p, &rec, ev, nev, *truncated, in_rec, &seen);
    if (!t) {
        result = TALLY_ENOMEM;
        goto done;
    }
    const char *out_name = bc_string(p, p->output_func < p->nfuncs
                                            ? p->funcs[p->output_func].name
                                            : p->input_name);
    for (int i = 0; i < npaths; i++) {
        if (!paths[i]) {
            continue;
        }
        sb_clear(&seen); /* "as above" within this field's derivation only */
        /* false (nothing written) when the result has no such field */
        (void)xt_render(t, &outs[i], &res, paths[i], false, false, out_name);
    }
done:
    vm_free(v);
    sb_free(&seen);
    arena_free(&rec);
    ffi_free(nt);
    return result;
}
