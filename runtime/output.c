/* runtime/output.c - result writer: JSON Lines, JSON array, CSV, table.
 *
 * Values are printed by their declared type, never guessed from the value:
 * the output type says which decimals print with how many places, which
 * enums spell how, which none fields are left out.  Each result is
 * rendered into the output buffer after a mark; if any part cannot be
 * printed exactly the buffer is cut back to the mark and the caller gets a
 * message naming the field, so a refused result leaves no trace.
 * Everything goes through one strbuf written to the stream in blocks of
 * OUT_FLUSH bytes; every fwrite and fflush is checked.  The table format
 * keeps its cells in one byte buffer to size its columns, a page at a
 * time (TABLE_PAGE_ROWS rows or TABLE_PAGE_BYTES of cells), so its
 * memory stays flat however many records a run has.
 */
#include "output.h"
#include "tally_assert.h"

#include <string.h>

/* Buffered bytes that trigger a write: large blocks keep the cost of
 * stdio calls out of the profile, small enough to stay in cache. */
#define OUT_FLUSH 65536

/* A table is printed in pages, each with its own header and column
 * widths, so that its memory does not grow with the run: a page ends
 * after the result that brings it to this many rows, or this many bytes
 * of cells.  A screenful is far smaller; a page this size keeps columns
 * steady over long stretches and costs well under a megabyte or two. */
#define TABLE_PAGE_ROWS 1000
#define TABLE_PAGE_BYTES ((size_t)1 << 20)

/* Bytes of one result as JSON: the largest record the reader takes
 * (DATA_MAX_RECORD).  A policy can share one list many times over at the
 * cost of a pointer each ([l for b in xs] with l = xs: 10^10 items from
 * 10^5), so a result's size is not bounded by the memory it holds;
 * writing it is, here, checked as it is written. */
#define OUT_MAX_RESULT ((size_t)64 << 20)
#define OUT_MAX_RESULT_MSG "result longer than 67108864 bytes"

typedef struct out_col {
    const char *name; /* arena: dotted JSON names, "bids.price_score" */
    size_t rest;      /* in_list: offset in name after "bids." */
    uint16_t type;    /* type index of the cell's value */
    bool in_list;     /* path starts at an element of the exploded list */
    bool right;       /* table: numbers align right */
    uint16_t depth;   /* steps in path */
    uint16_t *path;   /* arena: field positions, record by record */
} out_col;

typedef struct cell {
    size_t off; /* in tcells */
    size_t len;
} cell;

struct out_writer {
    mem_ctx *mem;           /* borrowed */
    const bc_program *prog; /* borrowed */
    FILE *f;                /* borrowed */
    uint8_t fmt;            /* out_format */
    bool failed;            /* a write failed or memory ran out */
    bool nomem;             /* ... and it was memory (see out_status) */
    uint64_t nwritten;      /* records written (results and errors) */
    bool keep_open;         /* JSON: out_finish leaves the array open
                               (out_keep_open) */
    bool started;           /* JSON: an earlier writer opened the array
                               (out_continue) */
    bool any_before;        /* ... and wrote an element into it */
    strbuf buf;             /* pending output */
    arena tmp;              /* per-result scratch (percent points) */
    char *err;              /* borrowed from out_result: message buffer */
    size_t errcap;
    size_t rec_start;       /* buf.len where the current result starts */
    bool over_limit;        /* the last result passed OUT_MAX_RESULT */
    bool refused_nomem;     /* the last result was refused for memory */
    out_cited_fn cited;     /* JSON: add "cites" (out_set_cites), or NULL */
    const void *cited_ud;
    int32_t error_cite;     /* for the next out_error: see out_error_cite */
    const value *findings;  /* the next result's findings (a list of
                               prog->findings_type), or NULL */
    const value *key;       /* the next result's record key, or NULL */
    strbuf cases;           /* JUnit: every test case, until out_finish */
    uint64_t ncases, nfailures, nerrors; /* JUnit: counts; TAP: ncases */

    /* Every field's JSON key rendered once, as `, "name": `, so a record
     * costs a copy per field instead of escaping each name again for
     * every result.  Field i of prog->fields owns keys.p[key_off[i] ..
     * key_off[i + 1]); the first key of a record skips the ", ". */
    strbuf keys;
    size_t *key_off; /* owned, prog->nfields + 1 entries */

    /* CSV and table */
    arena colmem;     /* column names and paths */
    out_col *cols;    /* owned */
    uint32_t ncols;
    uint32_t cols_cap;
    uint32_t key_col; /* column of the record's key */
    bool key_added;   /* key_col was added (not in the output type) */
    uint16_t type;    /* the type of what out_result writes: the program's
                         output type, or another (out_new_as) */
    bool bare;        /* out_new_as: no key column is added, and CSV has no
                         error column */
    bool explode;     /* one row per element of the list below */
    uint16_t list_depth;
    uint16_t list_path[OUT_MAX_COLUMN_DEPTH]; /* to the exploded list */
    const char *list_name;                    /* arena */
    strbuf cellb;     /* one cell under construction */

    /* table */
    strbuf tcells;  /* every cell's bytes */
    cell *cells;    /* owned, row after row, ncols + 1 per row */
    size_t ncells;
    size_t cells_cap;
    bool taken;        /* no stream: out_take has handed out buf */
    size_t head_bytes; /* bytes of tcells holding the header row */
    uint64_t pages;    /* pages printed so far */
};

/* A step of the path to the value being printed, for messages. */
typedef struct seg {
    const struct seg *up;
    const char *name; /* a field or map key; NULL: index */
    size_t len;
    uint32_t index;
} seg;

static const bc_type *type_at(const out_writer *w, uint16_t t)
{
    return &w->prog->types[t];
}

static const bc_str *str_at(const out_writer *w, uint32_t i)
{
    return &w->prog->strings[i];
}

static void put_path(strbuf *b, const seg *s)
{
    if (!s) {
        return;
    }
    put_path(b, s->up);
    if (s->name) {
        if (b->len) {
            sb_putc(b, '.');
        }
        sb_put(b, s->name, s->len);
    } else {
        sb_printf(b, "[%u]", (unsigned)s->index);
    }
}

/* Stores "path: msg" in the caller's message buffer.  Returns false. */
static bool refuse(out_writer *w, const seg *at, const char *msg)
{
    if (!w->err || w->errcap == 0) {
        return false;
    }
    strbuf m;
    sb_init(&m, w->mem);
    put_path(&m, at);
    sb_puts(&m, m.len ? ": " : "");
    sb_puts(&m, msg);
    if (m.failed) {
        snprintf(w->err, w->errcap, "out of memory");
    } else {
        snprintf(w->err, w->errcap, "%s", m.p);
    }
    sb_free(&m);
    return false;
}

/* refuse() for a result that could not be written for lack of memory:
 * out_result then answers RT_ENOMEM, not RT_ERUNTIME. */
static bool refuse_nomem(out_writer *w, const seg *at)
{
    w->refused_nomem = true;
    return refuse(w, at, "out of memory");
}

/* The writer's sticky state: RT_OK, or why writing stopped for good. */
static rt_status sticky(const out_writer *w)
{
    return !w->failed ? RT_OK : w->nomem ? RT_ENOMEM : RT_EIO;
}

static bool flush(out_writer *w)
{
    if (!w->f) {
        return !w->failed; /* held for out_take */
    }
    if (w->buf.len && !w->failed) {
        if (fwrite(w->buf.p, 1, w->buf.len, w->f) != w->buf.len) {
            w->failed = true;
        }
    }
    sb_clear(&w->buf);
    return !w->failed;
}

/* ---- values ---------------------------------------------------------- */

/* Appends the decimal [d] of type [ty] (points for a percent). */
static bool put_dec(out_writer *w, strbuf *b, const bc_type *ty,
                    const value *v, const seg *at)
{
    dec d = v->as.d;
    if (ty->kind == BT_PERCENT) {
        dec hundred = dec_from_int(100);
        dec_status st = dec_mul(&w->tmp, &d, &hundred, &d);
        if (st == DEC_TOO_BIG) {
            w->over_limit = true;
            return refuse(w, at, "number too large: more than 100000 digits");
        }
        if (st != DEC_OK) {
            return refuse_nomem(w, at);
        }
    }
    if (ty->places == BC_PLACES_ANY) {
        /* Only a finite decimal can be written exactly; a quotient such
         * as 1/3 must be rounded by the policy first. */
        size_t mark = b->len;
        dec_format(&d, b);
        if (b->failed || b->len < mark + 3 || memcmp(b->p + b->len - 3, "...", 3) != 0) {
            return true;
        }
        strbuf m;
        sb_init(&m, w->mem);
        sb_put(&m, b->p + mark, b->len - mark);
        sb_puts(&m, " has no exact decimal form; round it in the policy");
        b->len = mark;
        b->p[mark] = '\0';
        bool ok = m.failed ? refuse_nomem(w, at) : refuse(w, at, m.p);
        sb_free(&m);
        return ok;
    }
    if (dec_format_fixed(&d, ty->places, b) == DEC_OK) {
        return true;
    }
    strbuf m;
    sb_init(&m, w->mem);
    dec_format(&d, &m);
    sb_printf(&m, " has more than %u decimal place%s; round it in the policy",
              (unsigned)ty->places, ty->places == 1 ? "" : "s");
    bool ok = m.failed ? refuse_nomem(w, at) : refuse(w, at, m.p);
    sb_free(&m);
    return ok;
}

static bool put_json(out_writer *w, strbuf *b, uint16_t t, const value *v,
                     const seg *at);

/* Refuses integer [i] outside the bounds of its output type [ty] (as
 * binding refuses one on input), saying what the type allows. */
static bool out_of_range(out_writer *w, const bc_type *ty, int64_t i,
                         const seg *at)
{
    char msg[160];
    if (ty->has_min && ty->has_max) {
        snprintf(msg, sizeof msg, "%lld out of range: its type allows %lld "
                 "to %lld", (long long)i, (long long)ty->min,
                 (long long)ty->max);
    } else if (ty->has_min) {
        snprintf(msg, sizeof msg, "%lld out of range: its type allows at "
                 "least %lld", (long long)i, (long long)ty->min);
    } else {
        snprintf(msg, sizeof msg, "%lld out of range: its type allows at "
                 "most %lld", (long long)i, (long long)ty->max);
    }
    return refuse(w, at, msg);
}

static bool mismatch(out_writer *w, const value *v, const seg *at)
{
    if (v->kind == VAL_ERROR) {
        return refuse(w, at, v->as.e->msg);
    }
    return refuse(w, at, "value does not match its declared type");
}

/* Appends a scalar of type [ty].  [json]: quote texts and decimals as
 * JSON strings; else raw, for a CSV or table cell. */
static bool put_scalar(out_writer *w, strbuf *b, const bc_type *ty,
                       const value *v, const seg *at, bool json)
{
    switch ((bc_type_kind)ty->kind) {
    case BT_BOOL:
        if (v->kind != VAL_BOOL) {
            return mismatch(w, v, at);
        }
        sb_puts(b, v->as.b ? "true" : "false");
        return true;
    case BT_INT:
    case BT_DURATION:
        if (v->kind != (ty->kind == BT_INT ? VAL_INT : VAL_DURATION)) {
            return mismatch(w, v, at);
        }
        if (ty->kind == BT_INT && ((ty->has_min && v->as.i < ty->min) ||
                                   (ty->has_max && v->as.i > ty->max))) {
            return out_of_range(w, ty, v->as.i, at);
        }
        sb_put_i64(b, v->as.i);
        return true;
    case BT_DEC:
    case BT_MONEY:
    case BT_PERCENT: {
        if (v->kind != VAL_DEC) {
            return mismatch(w, v, at);
        }
        size_t mark = b->len;
        if (json) {
            sb_putc(b, '"');
        }
        if (!put_dec(w, b, ty, v, at)) {
            b->len = mark;
            return false;
        }
        if (json) {
            sb_putc(b, '"');
        }
        return true;
    }
    case BT_DATE:
    case BT_DATETIME:
        if (v->kind != (ty->kind == BT_DATE ? VAL_DATE : VAL_DATETIME)) {
            return mismatch(w, v, at);
        }
        if (json) {
            sb_putc(b, '"');
        }
        if (ty->kind == BT_DATE) {
            date_format(v->as.i, b);
        } else {
            date_instant_format(&v->as.t, b);
        }
        if (json) {
            sb_putc(b, '"');
        }
        return true;
    case BT_TEXT:
        if (v->kind != VAL_TEXT) {
            return mismatch(w, v, at);
        }
        if (json) {
            sb_put_json_string(b, v->as.s, v->len);
        } else {
            sb_put(b, v->as.s, v->len);
        }
        return true;
    case BT_ENUM: {
        const bc_enum *en = &w->prog->enums[ty->ref];
        if (v->kind != VAL_ENUM || v->as.i < 0 ||
            v->as.i >= (int64_t)en->nmembers) {
            return mismatch(w, v, at);
        }
        const bc_str *s =
            str_at(w, w->prog->members[en->first_member + v->as.i].json);
        bc_str code;
        if (s->len == 0) { /* an open enum's other: the code, or 'other' */
            s = str_at(w, w->prog->members[en->first_member + v->as.i].name);
            if (v->as.en.code) {
                code.p = v->as.en.code;
                code.len = v->len;
                s = &code;
            }
        }
        if (json) {
            sb_put_json_string(b, s->p, s->len);
        } else {
            sb_put(b, s->p, s->len);
        }
        return true;
    }
    case BT_RECORD:
    case BT_LIST:
    case BT_MAP:
    case BT_OPTIONAL:
    case BT_KIND_COUNT:
        break;
    }
    return mismatch(w, v, at);
}

static bool put_record(out_writer *w, strbuf *b, uint16_t rec,
                       const value *v, const seg *at)
{
    const bc_record *r = &w->prog->records[rec];
    if (v->kind != VAL_RECORD || v->as.r->count != r->nfields) {
        return mismatch(w, v, at);
    }
    sb_putc(b, '{');
    size_t skip = 2; /* no ", " before the first key */
    for (uint32_t i = 0; i < r->nfields; i++) {
        uint32_t fi = r->first_field + i;
        const bc_field *fd = &w->prog->fields[fi];
        const value *fv = &v->as.r->fields[i];
        if (fv->kind == VAL_NONE && (fd->flags & BC_FIELD_OMIT_NONE)) {
            continue;
        }
        size_t off = w->key_off[fi] + skip;
        sb_put(b, w->keys.p + off, w->key_off[fi + 1] - off);
        skip = 0;
        const bc_str *name = str_at(w, fd->json);
        seg s = {at, name->p, name->len, 0};
        /* Most fields hold a scalar (perhaps optional, and then present):
         * print it from here as put_json would, one call shallower. */
        const bc_type *ty = type_at(w, fd->type);
        while (ty->kind == BT_OPTIONAL) {
            ty = type_at(w, ty->ref);
        }
        bool scalar =
            ty->kind != BT_RECORD && ty->kind != BT_LIST && ty->kind != BT_MAP;
        bool ok = fv->kind != VAL_NONE && scalar
                      ? put_scalar(w, b, ty, fv, &s, true)
                      : put_json(w, b, fd->type, fv, &s);
        if (!ok) {
            return false;
        }
    }
    sb_putc(b, '}');
    return true;
}

/* Appends [v] of type [t] as JSON. */
/* Whether the result being written into [b] has passed OUT_MAX_RESULT
 * ([b] is the pending output, where it starts at rec_start, or a cell). */
#define UNLIKELY_BIG(w, b)                                                     \
    __builtin_expect(((b) == &(w)->buf ? (b)->len - (w)->rec_start            \
                                       : (b)->len) > OUT_MAX_RESULT,           \
                     0)

static bool put_json(out_writer *w, strbuf *b, uint16_t t, const value *v,
                     const seg *at)
{
    const bc_type *ty = type_at(w, t);
    while (ty->kind == BT_OPTIONAL) {
        if (v->kind == VAL_NONE) {
            sb_put(b, "null", 4);
            return true;
        }
        t = ty->ref;
        ty = type_at(w, t);
    }
    if (ty->kind == BT_RECORD) {
        return put_record(w, b, ty->ref, v, at);
    }
    if (ty->kind == BT_LIST) {
        if (v->kind != VAL_LIST) {
            return mismatch(w, v, at);
        }
        sb_putc(b, '[');
        for (uint32_t i = 0; i < v->as.l->count; i++) {
            if (i) {
                sb_put(b, ", ", 2);
            }
            if (UNLIKELY_BIG(w, b)) {
                w->over_limit = true;
                return refuse(w, at, OUT_MAX_RESULT_MSG);
            }
            seg s = {at, NULL, 0, i};
            if (!put_json(w, b, ty->ref, &v->as.l->items[i], &s)) {
                return false;
            }
        }
        sb_putc(b, ']');
        return true;
    }
    if (ty->kind == BT_MAP) {
        if (v->kind != VAL_MAP) {
            return mismatch(w, v, at);
        }
        const val_map *m = v->as.m;
        sb_putc(b, '{');
        for (uint32_t i = 0; i < m->count; i++) {
            if (i) {
                sb_put(b, ", ", 2);
            }
            if (UNLIKELY_BIG(w, b)) {
                w->over_limit = true;
                return refuse(w, at, OUT_MAX_RESULT_MSG);
            }
            sb_put_json_string(b, m->keys[i].as.s, m->keys[i].len);
            sb_put(b, ": ", 2);
            seg s = {at, m->keys[i].as.s, m->keys[i].len, 0};
            if (!put_json(w, b, ty->ref, &m->vals[i], &s)) {
                return false;
            }
        }
        sb_putc(b, '}');
        return true;
    }
    if (v->kind == VAL_NONE) {
        sb_put(b, "null", 4); /* none where the type has no none: lenient */
        return true;
    }
    return put_scalar(w, b, ty, v, at, true);
}

/* Appends a key value of unknown type: texts as strings, else by kind. */
static void put_key_json(strbuf *b, const value *k)
{
    if (!k) {
        sb_puts(b, "null");
        return;
    }
    switch ((val_kind)k->kind) {
    case VAL_TEXT: sb_put_json_string(b, k->as.s, k->len); break;
    case VAL_INT: sb_put_i64(b, k->as.i); break;
    case VAL_BOOL: sb_puts(b, k->as.b ? "true" : "false"); break;
    case VAL_DEC:
        sb_putc(b, '"');
        dec_format(&k->as.d, b);
        sb_putc(b, '"');
        break;
    case VAL_NONE:
    case VAL_DATE:
    case VAL_DATETIME:
    case VAL_DURATION:
    case VAL_ENUM:
    case VAL_RECORD:
    case VAL_LIST:
    case VAL_MAP:
    case VAL_ERROR:
    case VAL_KIND_COUNT: sb_puts(b, "null"); break; /* keys are texts */
    }
}

/* ---- columns --------------------------------------------------------- */

static bool add_col(out_writer *w, const char *name, size_t rest,
                    uint16_t type, bool in_list, const uint16_t *path,
                    uint16_t depth)
{
    if (w->ncols == w->cols_cap) {
        uint32_t cap = w->cols_cap ? w->cols_cap * 2 : 16;
        out_col *c = mem_realloc(w->mem, w->cols, w->cols_cap * sizeof *c,
                                 cap * sizeof *c);
        if (!c) {
            return false;
        }
        w->cols = c;
        w->cols_cap = cap;
    }
    out_col *c = &w->cols[w->ncols];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->rest = rest;
    c->type = type;
    c->in_list = in_list;
    c->depth = depth;
    if (depth) {
        c->path = arena_alloc(&w->colmem, depth * sizeof *path);
        if (!c->path) {
            return false;
        }
        memcpy(c->path, path, depth * sizeof *path);
    }
    const bc_type *ty = type_at(w, type);
    while (ty->kind == BT_OPTIONAL) {
        ty = type_at(w, ty->ref);
    }
    c->right = ty->kind == BT_INT || ty->kind == BT_DEC ||
               ty->kind == BT_MONEY || ty->kind == BT_PERCENT ||
               ty->kind == BT_DURATION;
    w->ncols++;
    return true;
}

/* The record a type is, through optionals, or BC_NONE_U16. */
static uint16_t record_of(const out_writer *w, uint16_t t)
{
    const bc_type *ty = type_at(w, t);
    while (ty->kind == BT_OPTIONAL) {
        ty = type_at(w, ty->ref);
    }
    return ty->kind == BT_RECORD ? ty->ref : BC_NONE_U16;
}

/* The element record of a list type, through optionals, or BC_NONE_U16. */
static uint16_t list_record(const out_writer *w, uint16_t t)
{
    const bc_type *ty = type_at(w, t);
    while (ty->kind == BT_OPTIONAL) {
        ty = type_at(w, ty->ref);
    }
    return ty->kind == BT_LIST ? record_of(w, ty->ref) : BC_NONE_U16;
}

/* Counts list-of-records fields reachable through nested records. */
static uint32_t count_lists(const out_writer *w, uint16_t rec, int depth)
{
    const bc_record *r = &w->prog->records[rec];
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->nfields; i++) {
        uint16_t t = bc_record_field(w->prog, r, i)->type;
        uint16_t sub = record_of(w, t);
        if (sub != BC_NONE_U16 && depth + 1 < OUT_MAX_COLUMN_DEPTH) {
            n += count_lists(w, sub, depth + 1);
        } else if (list_record(w, t) != BC_NONE_U16) {
            n++;
        }
    }
    return n;
}

static const char *join_name(out_writer *w, const char *prefix,
                             const bc_str *name)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    char *s = arena_alloc(&w->colmem, plen + 1 + name->len + 1);
    if (!s) {
        return NULL;
    }
    size_t n = 0;
    if (plen) {
        memcpy(s, prefix, plen);
        s[plen] = '.';
        n = plen + 1;
    }
    memcpy(s + n, name->p, name->len);
    s[n + name->len] = '\0';
    return s;
}

/* Adds the columns of record [rec] reached by [path] ([depth] steps),
 * named under [prefix] (NULL at the top). */
static bool walk_cols(out_writer *w, uint16_t rec, const char *prefix,
                      uint16_t *path, uint16_t depth, bool in_list,
                      size_t rest)
{
    const bc_record *r = &w->prog->records[rec];
    for (uint32_t i = 0; i < r->nfields; i++) {
        const bc_field *fd = bc_record_field(w->prog, r, i);
        const char *name = join_name(w, prefix, str_at(w, fd->json));
        if (!name) {
            return false;
        }
        path[depth] = (uint16_t)i;
        uint16_t sub = record_of(w, fd->type);
        uint16_t elem = list_record(w, fd->type);
        bool ok;
        if (sub != BC_NONE_U16 && depth + 1 < OUT_MAX_COLUMN_DEPTH) {
            ok = walk_cols(w, sub, name, path, depth + 1, in_list, rest);
        } else if (w->explode && !in_list && elem != BC_NONE_U16) {
            w->list_depth = depth + 1;
            memcpy(w->list_path, path, (depth + 1) * sizeof *path);
            w->list_name = name;
            uint16_t sub_path[OUT_MAX_COLUMN_DEPTH];
            ok = walk_cols(w, elem, name, sub_path, 0, true,
                           strlen(name) + 1);
        } else {
            ok = add_col(w, name, rest, fd->type, in_list, path, depth + 1);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool build_cols(out_writer *w)
{
    const char *input = bc_string(w->prog, w->prog->input_name);
    uint16_t rec = record_of(w, w->type);
    if (rec == BC_NONE_U16) {
        if (!add_col(w, "value", 0, w->type, false, NULL, 0)) {
            return false;
        }
    } else {
        uint16_t path[OUT_MAX_COLUMN_DEPTH];
        w->explode = count_lists(w, rec, 0) == 1;
        if (!walk_cols(w, rec, NULL, path, 0, false, 0)) {
            return false;
        }
    }
    w->key_col = UINT32_MAX;
    for (uint32_t i = 0; i < w->ncols; i++) {
        if (!w->cols[i].in_list && strcmp(w->cols[i].name, input) == 0) {
            w->key_col = i;
            break;
        }
    }
    if (w->key_col == UINT32_MAX && !w->bare) {
        /* Error records need somewhere to put the key: a first column. */
        if (!add_col(w, input, 0, 0, false, NULL, 0)) {
            return false;
        }
        out_col k = w->cols[w->ncols - 1];
        memmove(w->cols + 1, w->cols, (w->ncols - 1) * sizeof *w->cols);
        w->cols[0] = k;
        w->cols[0].right = false;
        w->key_col = 0;
        w->key_added = true;
    }
    return true;
}

/* The value column [c] shows for [root] and list element [elem] (NULL
 * for the empty row of an empty list), or NULL when absent. */
static const value *col_value(const out_col *c, const value *root,
                              const value *elem)
{
    const value *v = c->in_list ? elem : root;
    for (uint16_t i = 0; v && i < c->depth; i++) {
        if (v->kind != VAL_RECORD || c->path[i] >= v->as.r->count) {
            return NULL;
        }
        v = &v->as.r->fields[c->path[i]];
    }
    return v;
}

/* Renders cell [c] of a row into w->cellb. */
static bool put_cell(out_writer *w, const out_col *c, const value *v,
                     uint32_t elem_index)
{
    sb_clear(&w->cellb);
    if (!v || v->kind == VAL_NONE) {
        return true;
    }
    uint16_t t = c->type;
    const bc_type *ty = type_at(w, t);
    while (ty->kind == BT_OPTIONAL) {
        t = ty->ref;
        ty = type_at(w, t);
    }
    seg s0 = {NULL, w->list_name, w->list_name ? strlen(w->list_name) : 0, 0};
    seg s1 = {&s0, NULL, 0, elem_index};
    seg s2 = {&s1, c->name + c->rest, strlen(c->name + c->rest), 0};
    seg top = {NULL, c->name, strlen(c->name), 0};
    const seg *at = c->in_list ? &s2 : &top;
    if (ty->kind == BT_RECORD || ty->kind == BT_LIST || ty->kind == BT_MAP) {
        return put_json(w, &w->cellb, t, v, at);
    }
    return put_scalar(w, &w->cellb, ty, v, at, false);
}

static void put_csv_cell(strbuf *b, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) {
        sb_put(b, s, len);
        return;
    }
    sb_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            sb_put(b, s + run, i + 1 - run);
            sb_putc(b, '"');
            run = i + 1;
        }
    }
    sb_put(b, s + run, len - run);
    sb_putc(b, '"');
}

/* Emits the current w->cellb as cell [i] of a row (csv or table). */
static bool emit_cell(out_writer *w, uint32_t i)
{
    if (w->fmt == OUT_CSV) {
        if (i) {
            sb_putc(&w->buf, ',');
        }
        put_csv_cell(&w->buf, w->cellb.p ? w->cellb.p : "", w->cellb.len);
        return true;
    }
    if (w->ncells == w->cells_cap) {
        size_t cap = w->cells_cap ? w->cells_cap * 2 : 1024;
        cell *p = mem_realloc(w->mem, w->cells, w->cells_cap * sizeof *p,
                              cap * sizeof *p);
        if (!p) {
            w->failed = w->nomem = true;
            return false;
        }
        w->cells = p;
        w->cells_cap = cap;
    }
    cell *c = &w->cells[w->ncells++];
    c->off = w->tcells.len;
    c->len = w->cellb.len;
    /* A table row is one line: control characters become spaces. */
    for (size_t k = 0; k < w->cellb.len; k++) {
        char ch = w->cellb.p[k];
        sb_putc(&w->tcells, (char)((unsigned char)ch < 0x20 ? ' ' : ch));
    }
    return !w->tcells.failed;
}

static bool end_row(out_writer *w)
{
    if (w->fmt == OUT_CSV) {
        sb_putc(&w->buf, '\n');
    }
    return true;
}

/* Writes the header row (CSV) or stores it as the first row (table). */
static bool header(out_writer *w)
{
    for (uint32_t i = 0; i <= w->ncols; i++) {
        if (i == w->ncols && w->bare && w->fmt == OUT_CSV) {
            break;
        }
        sb_clear(&w->cellb);
        sb_puts(&w->cellb, i < w->ncols ? w->cols[i].name : "error");
        if (!emit_cell(w, i)) {
            return false;
        }
    }
    w->head_bytes = w->tcells.len;
    return end_row(w);
}

/* Writes the rows of result [v]; on a refusal the caller cuts back. */
static bool result_rows(out_writer *w, const value *v)
{
    const val_list *l = NULL;
    if (w->explode) {
        const value *lv = v;
        for (uint16_t i = 0; lv && i < w->list_depth; i++) {
            if (lv->kind != VAL_RECORD || w->list_path[i] >= lv->as.r->count) {
                lv = NULL;
                break;
            }
            lv = &lv->as.r->fields[w->list_path[i]];
        }
        if (lv && lv->kind == VAL_LIST) {
            l = lv->as.l;
        }
    }
    uint32_t rows = l && l->count ? l->count : 1;
    for (uint32_t r = 0; r < rows; r++) {
        const value *elem = l && r < l->count ? &l->items[r] : NULL;
        for (uint32_t i = 0; i < w->ncols; i++) {
            const out_col *c = &w->cols[i];
            const value *cv = w->key_added && i == 0 ? NULL
                                                     : col_value(c, v, elem);
            if (!put_cell(w, c, cv, r) || !emit_cell(w, i)) {
                return false;
            }
        }
        sb_clear(&w->cellb);
        if ((!(w->bare && w->fmt == OUT_CSV) && !emit_cell(w, w->ncols)) || !end_row(w)) {
            return false;
        }
    }
    return true;
}

/* ---- the writer ------------------------------------------------------ */

/* Renders every field's key into w->keys (see out_writer).  False out of
 * memory. */
static bool render_keys(out_writer *w)
{
    const bc_program *p = w->prog;
    w->key_off = mem_alloc(w->mem, (p->nfields + (size_t)1) * sizeof(size_t));
    if (!w->key_off) {
        return false;
    }
    for (uint32_t i = 0; i < p->nfields; i++) {
        const bc_str *name = str_at(w, p->fields[i].json);
        w->key_off[i] = w->keys.len;
        sb_put(&w->keys, ", ", 2);
        sb_put_json_string(&w->keys, name->p, name->len);
        sb_put(&w->keys, ": ", 2);
    }
    w->key_off[p->nfields] = w->keys.len;
    return !w->keys.failed;
}

/* out_new's and out_new_as's work: [bare] for the latter. */
static out_writer *new_writer(mem_ctx *mem, const bc_program *prog, FILE *f,
                              out_format fmt, uint16_t type, bool bare)
{
    out_writer *w = mem_alloc(mem, sizeof *w);
    if (!w) {
        return NULL;
    }
    memset(w, 0, sizeof *w);
    w->mem = mem;
    w->prog = prog;
    w->type = type;
    w->bare = bare;
    w->f = f;
    w->fmt = (uint8_t)fmt;
    w->error_cite = -1;
    sb_init(&w->buf, mem);
    sb_init(&w->cellb, mem);
    sb_init(&w->tcells, mem);
    sb_init(&w->keys, mem);
    sb_init(&w->cases, mem);
    arena_init(&w->tmp, mem);
    arena_init(&w->colmem, mem);
    /* Every format needs the keys: CSV and table cells holding a record
     * (or a list of them) are JSON too. */
    if (!render_keys(w)) {
        out_free(w);
        return NULL;
    }
    if (fmt == OUT_CSV || fmt == OUT_TABLE) {
        if (!build_cols(w) || !header(w) || w->buf.failed) {
            out_free(w);
            return NULL;
        }
    }
    return w;
}

out_writer *out_new(mem_ctx *mem, const bc_program *prog, FILE *f,
                    out_format fmt)
{
    return new_writer(mem, prog, f, fmt, prog->output_type, false);
}

out_writer *out_new_as(mem_ctx *mem, const bc_program *prog, FILE *f,
                       out_format fmt, uint16_t type)
{
    return new_writer(mem, prog, f, fmt, type, true);
}

rt_status out_take(out_writer *w, const char **text, size_t *len)
{
    if (TALLY_NEVER(w->f != NULL)) {
        return RT_EINTERNAL;
    }
    if (w->failed) {
        return sticky(w);
    }
    size_t n = w->buf.len;
    while (n && w->buf.p[n - 1] == '\n') {
        n--;
    }
    if (n) {
        w->buf.p[n] = '\0'; /* the newline goes: a C string too */
    }
    *text = n ? w->buf.p : "";
    *len = n;
    w->taken = true;
    return RT_OK;
}

void out_free(out_writer *w)
{
    if (!w) {
        return;
    }
    sb_free(&w->buf);
    sb_free(&w->cellb);
    sb_free(&w->tcells);
    sb_free(&w->keys);
    sb_free(&w->cases);
    mem_free(w->mem, w->key_off,
             (w->prog->nfields + (size_t)1) * sizeof(size_t));
    arena_free(&w->tmp);
    arena_free(&w->colmem);
    mem_free(w->mem, w->cols, w->cols_cap * sizeof *w->cols);
    mem_free(w->mem, w->cells, w->cells_cap * sizeof *w->cells);
    mem_free(w->mem, w, sizeof *w);
}

rt_status out_status(const out_writer *w)
{
    return sticky(w);
}

/* Before a record: the JSON array's opening or separator. */
static void open_record(out_writer *w)
{
    if (w->fmt == OUT_JSON) {
        sb_puts(&w->buf, w->nwritten || w->any_before ? ",\n"
                         : w->started                ? "\n"
                                                     : "[\n");
    }
}

static void close_record(out_writer *w)
{
    if (w->fmt == OUT_JSONL) {
        sb_putc(&w->buf, '\n');
    }
}

void out_set_cites(out_writer *w, out_cited_fn cited, const void *ud)
{
    w->cited = cited;
    w->cited_ud = ud;
}

void out_error_cite(out_writer *w, int32_t k)
{
    w->error_cite = k;
}

/* One citation as a JSON object. */
static void put_cite(out_writer *w, uint32_t k, bool first)
{
    const bc_program *p = w->prog;
    const bc_cite *c = &p->cites[k];
    const bc_str *by = str_at(w, c->by), *text = str_at(w, c->text);
    sb_puts(&w->buf, first ? "{\"by\": " : ", {\"by\": ");
    sb_put_json_string(&w->buf, by->p, by->len);
    sb_puts(&w->buf, ", \"cites\": ");
    sb_put_json_string(&w->buf, text->p, text->len);
    if (c->url != BC_NO_STRING) {
        const bc_str *url = str_at(w, c->url);
        sb_puts(&w->buf, ", \"url\": ");
        sb_put_json_string(&w->buf, url->p, url->len);
    }
    sb_putc(&w->buf, '}');
}

/* Turns the JSON object just written, which ends the buffer with '}',
 * into one with a last key "cites": the citations [w->cited] names, or
 * with [only] >= 0 that one alone. */
static void add_cites(out_writer *w, int32_t only)
{
    if (w->buf.failed || w->buf.len == 0 || w->buf.p[w->buf.len - 1] != '}') {
        return;
    }
    w->buf.len--;
    sb_puts(&w->buf, w->buf.len && w->buf.p[w->buf.len - 1] == '{'
                         ? "\"cites\": [" : ", \"cites\": [");
    if (only >= 0) {
        put_cite(w, (uint32_t)only, true);
    } else {
        bool first = true;
        for (uint32_t k = 0; k < w->prog->ncites; k++) {
            if (w->cited(w->cited_ud, k)) {
                put_cite(w, k, first);
                first = false;
            }
        }
    }
    sb_puts(&w->buf, "]}");
}

/* Turns the JSON object just written into one with a key "findings": the
 * list w->findings, written as prog->findings_type. */
static bool add_findings(out_writer *w)
{
    if (w->buf.failed || w->buf.len == 0 || w->buf.p[w->buf.len - 1] != '}') {
        return true;
    }
    w->buf.len--;
    sb_puts(&w->buf, w->buf.len && w->buf.p[w->buf.len - 1] == '{'
                         ? "\"findings\": " : ", \"findings\": ");
    bool ok = put_json(w, &w->buf, w->prog->findings_type, w->findings, NULL);
    sb_putc(&w->buf, '}');
    return ok;
}

void out_set_findings(out_writer *w, const value *key, const value *findings)
{
    w->key = key && key->kind != VAL_NONE ? key : NULL;
    w->findings = findings && findings->kind == VAL_LIST &&
                          w->prog->findings_type != BC_NONE_U16
                      ? findings
                      : NULL;
}

/* ---- CI formats: JUnit XML, TAP, GitHub Actions ---------------------------- */

static bool ci_format(const out_writer *w)
{
    return w->fmt == OUT_JUNIT || w->fmt == OUT_TAP || w->fmt == OUT_GITHUB;
}

/* Field [i] of finding [f] (BC_FINDING_*), or NULL when absent. */
static const value *finding_field(const value *f, unsigned i)
{
    if (f->kind != VAL_RECORD || f->as.r->count != BC_FINDING_NFIELDS ||
        f->as.r->fields[i].kind != VAL_TEXT) {
        return NULL;
    }
    return &f->as.r->fields[i];
}

/* The record's key as plain text ("?" when it has none). */
static void put_key_text(strbuf *b, const value *k)
{
    if (!k) {
        sb_putc(b, '?');
    } else if (k->kind == VAL_TEXT) {
        sb_put(b, k->as.s, k->len);
    } else {
        put_key_json(b, k);
    }
}

void out_put_xml(strbuf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&apos;"); break;
        case '\n': sb_puts(b, "&#10;"); break;
        case '\r': sb_puts(b, "&#13;"); break;
        case '\t': sb_puts(b, "&#9;"); break;
        default:
            if (c < 0x20) {
                sb_putc(b, '?');
            } else {
                sb_putc(b, s[i]);
            }
            break;
        }
    }
}

static void put_xml(strbuf *b, const char *s, size_t len)
{
    out_put_xml(b, s, len);
}

static void put_xml_value(strbuf *b, const value *v)
{
    if (v) {
        put_xml(b, v->as.s, v->len);
    }
}

/* "warning TP-001: message (cites X)": one finding as a line of text. */
static void put_finding_line(strbuf *b, const value *f, bool xml)
{
    const value *parts[] = {finding_field(f, BC_FINDING_SEVERITY),
                            finding_field(f, BC_FINDING_CODE),
                            finding_field(f, BC_FINDING_MESSAGE)};
    const char *seps[] = {"", " ", ": "};
    for (int i = 0; i < 3; i++) {
        sb_puts(b, seps[i]);
        if (parts[i] && xml) {
            put_xml_value(b, parts[i]);
        } else if (parts[i]) {
            sb_put(b, parts[i]->as.s, parts[i]->len);
        }
    }
    const value *cite = finding_field(f, BC_FINDING_CITE);
    if (cite) {
        sb_puts(b, " (cites ");
        if (xml) {
            put_xml_value(b, cite);
        } else {
            sb_put(b, cite->as.s, cite->len);
        }
        sb_putc(b, ')');
    }
}

/* A GitHub workflow command's message or property: '%', CR and LF (and,
 * in a property, ':' and ',') as %XX. */
static void put_gh(strbuf *b, const char *s, size_t len, bool property)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' || c == '\r' || c == '\n' || (property && (c == ':' || c == ','))) {
            sb_printf(b, "%%%02X", (unsigned char)c);
        } else {
            sb_putc(b, c);
        }
    }
}

/* One record in a CI format: its findings ([list], may be NULL) or, with
 * [error], the message of its error record. */
static void put_case(out_writer *w, const value *key, const value *list, const char *error)
{
    uint32_t n = list && list->kind == VAL_LIST ? list->as.l->count : 0;
    const bc_str *input = str_at(w, w->prog->input_name);
    strbuf keyb;
    sb_init(&keyb, w->mem);
    put_key_text(&keyb, key);
    const char *k = keyb.p ? keyb.p : "?";
    w->ncases++;
    if (w->fmt == OUT_JUNIT) {
        strbuf *b = &w->cases;
        sb_puts(b, "    <testcase classname=\"");
        put_xml(b, input->p, input->len);
        sb_puts(b, "\" name=\"");
        put_xml(b, k, keyb.len);
        sb_puts(b, "\"");
        if (error) {
            w->nerrors++;
            sb_puts(b, ">\n      <error message=\"");
            put_xml(b, error, strlen(error));
            sb_puts(b, "\"/>\n    </testcase>\n");
        } else if (n == 0) {
            sb_puts(b, "/>\n");
        } else {
            w->nfailures++;
            const value *first = &list->as.l->items[0];
            const value *code = finding_field(first, BC_FINDING_CODE);
            const value *msg = finding_field(first, BC_FINDING_MESSAGE);
            sb_puts(b, ">\n      <failure type=\"");
            put_xml_value(b, code);
            sb_puts(b, "\" message=\"");
            put_xml_value(b, msg);
            if (n > 1) {
                sb_printf(b, " (and %u more)", n - 1);
            }
            sb_puts(b, "\">");
            for (uint32_t i = 0; i < n; i++) {
                sb_puts(b, i ? "&#10;" : "");
                put_finding_line(b, &list->as.l->items[i], true);
            }
            sb_puts(b, "</failure>\n    </testcase>\n");
        }
    } else if (w->fmt == OUT_TAP) {
        strbuf *b = &w->buf;
        if (w->ncases == 1) {
            sb_puts(b, "TAP version 13\n");
        }
        sb_printf(b, "%s %llu - ", error || n ? "not ok" : "ok",
                  (unsigned long long)w->ncases);
        for (size_t i = 0; i < keyb.len; i++) { /* '#' would start a directive */
            char ch = k[i];
            if (ch == '#' || ch == '\n' || ch == '\r') {
                ch = '_';
            }
            sb_putc(b, ch);
        }
        sb_putc(b, '\n');
        if (error) {
            sb_puts(b, "  ---\n  error: ");
            sb_put_json_string(b, error, strlen(error));
            sb_puts(b, "\n  ...\n");
        } else if (n) {
            static const char *const names[BC_FINDING_NFIELDS] = {
                "code", "severity", "message", "cite", "url"};
            sb_puts(b, "  ---\n  findings:\n");
            for (uint32_t i = 0; i < n; i++) {
                for (unsigned j = 0; j < BC_FINDING_NFIELDS; j++) {
                    const value *x = finding_field(&list->as.l->items[i], j);
                    if (x) {
                        sb_printf(b, "    %s%s: ", j ? "  " : "- ", names[j]);
                        sb_put_json_string(b, x->as.s, x->len);
                        sb_putc(b, '\n');
                    }
                }
            }
            sb_puts(b, "  ...\n");
        }
    } else {
        strbuf *b = &w->buf;
        if (error) {
            sb_puts(b, "::error title=");
            put_gh(b, k, keyb.len, true);
            sb_puts(b, "::");
            put_gh(b, k, keyb.len, false);
            sb_puts(b, ": ");
            put_gh(b, error, strlen(error), false);
            sb_putc(b, '\n');
        }
        for (uint32_t i = 0; i < n; i++) {
            const value *f = &list->as.l->items[i];
            const value *sev = finding_field(f, BC_FINDING_SEVERITY);
            const value *code = finding_field(f, BC_FINDING_CODE);
            const char *cmd = sev && sev->len == 5 && memcmp(sev->as.s, "error", 5) == 0
                                  ? "error"
                              : sev && sev->len == 7 && memcmp(sev->as.s, "warning", 7) == 0
                                  ? "warning"
                                  : "notice";
            sb_printf(b, "::%s title=", cmd);
            if (code) {
                put_gh(b, code->as.s, code->len, true);
            }
            sb_puts(b, "::");
            put_gh(b, k, keyb.len, false);
            sb_puts(b, ": ");
            strbuf line;
            sb_init(&line, w->mem);
            put_finding_line(&line, f, false);
            put_gh(b, line.p ? line.p : "", line.len, false);
            if (line.failed) {
                b->failed = true;
            }
            sb_free(&line);
            sb_putc(b, '\n');
        }
    }
    if (keyb.failed) {
        w->buf.failed = true;
    }
    sb_free(&keyb);
}

/* JUnit: the document, now that the counts are known. */
static void junit_document(out_writer *w)
{
    const bc_str *title = str_at(w, w->prog->title);
    const bc_str *name = title->len ? title : str_at(w, w->prog->source);
    strbuf *b = &w->buf;
    sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    put_xml(b, name->p, name->len);
    sb_printf(b, "\" tests=\"%llu\" failures=\"%llu\" errors=\"%llu\">\n",
              (unsigned long long)w->ncases, (unsigned long long)w->nfailures,
              (unsigned long long)w->nerrors);
    sb_puts(b, "  <testsuite name=\"");
    put_xml(b, name->p, name->len);
    sb_printf(b, "\" tests=\"%llu\" failures=\"%llu\" errors=\"%llu\" skipped=\"0\">\n",
              (unsigned long long)w->ncases, (unsigned long long)w->nfailures,
              (unsigned long long)w->nerrors);
    sb_put(b, w->cases.p, w->cases.len);
    sb_puts(b, "  </testsuite>\n</testsuites>\n");
    if (w->cases.failed) {
        b->failed = true;
    }
}

/* Finishes a record: checks memory, counts it and writes a full buffer. */
static bool print_table(out_writer *w);

/* In memory (no stream): drops the bytes out_take handed out, so the
 * buffer holds one record at a time. */
static void forget_taken(out_writer *w)
{
    if (w->taken) {
        sb_clear(&w->buf);
        w->taken = false;
    }
}

static bool commit(out_writer *w)
{
    if (w->buf.failed || w->tcells.failed || w->cellb.failed) {
        w->failed = w->nomem = true;
        return false;
    }
    w->nwritten++;
    if (w->fmt == OUT_TABLE &&
        (w->ncells / (w->ncols + 1) > TABLE_PAGE_ROWS ||
         w->tcells.len >= TABLE_PAGE_BYTES)) {
        return print_table(w);
    }
    if (w->buf.len >= OUT_FLUSH) {
        return flush(w);
    }
    return true;
}

static void cut(out_writer *w, size_t mark, size_t cmark, size_t tmark)
{
    w->buf.len = mark;
    if (w->buf.p) {
        w->buf.p[mark] = '\0';
    }
    w->ncells = cmark;
    w->tcells.len = tmark;
}

/* out_result's work: true when written; false with the message in
 * [w]'s err buffer and the reason in its flags. */
static bool write_result(out_writer *w, const value *v, char *err,
                         size_t errcap)
{
    if (err && errcap) {
        err[0] = '\0';
    }
    w->err = err;
    w->errcap = errcap;
    if (w->failed) {
        return refuse(w, NULL, "write error");
    }
    forget_taken(w);
    arena_reset(&w->tmp);
    size_t mark = w->buf.len, cmark = w->ncells, tmark = w->tcells.len;
    w->rec_start = mark;
    w->over_limit = false;
    w->refused_nomem = false;
    bool ok;
    if (ci_format(w)) {
        put_case(w, w->key, w->findings, NULL);
        ok = true;
    } else if (w->fmt == OUT_JSONL || w->fmt == OUT_JSON) {
        open_record(w);
        ok = put_json(w, &w->buf, w->type, v, NULL);
        if (ok && w->findings) {
            ok = add_findings(w);
        }
        if (ok && w->cited) {
            add_cites(w, -1);
        }
        close_record(w);
    } else {
        ok = result_rows(w, v);
    }
    if (!ok) {
        cut(w, mark, cmark, tmark);
        if (w->failed) {
            refuse(w, NULL, "out of memory");
        }
        return false;
    }
    if (!commit(w)) {
        return refuse(w, NULL, w->nomem ? "out of memory" : "write error");
    }
    return true;
}

rt_status out_result(out_writer *w, const value *v, char *err,
                     size_t errcap)
{
    if (write_result(w, v, err, errcap)) {
        return RT_OK;
    }
    rt_status st = sticky(w);
    return st != RT_OK       ? st
           : w->over_limit   ? RT_ELIMIT
           : w->refused_nomem ? RT_ENOMEM
                             : RT_ERUNTIME;
}

/* out_findings's work: false when writing failed. */
static bool write_findings(out_writer *w, const value *key, const value *list)
{
    if (w->failed) {
        return false;
    }
    forget_taken(w);
    if (ci_format(w)) {
        put_case(w, key, list, NULL);
        return commit(w);
    }
    if (!list || list->kind != VAL_LIST || (w->fmt != OUT_JSONL && w->fmt != OUT_JSON)) {
        return true;
    }
    const value *k = key && key->kind != VAL_NONE ? key : NULL;
    const bc_str *input = str_at(w, w->prog->input_name);
    static const char *const names[BC_FINDING_NFIELDS] = {"code", "severity",
                                                          "message", "cite", "url"};
    for (uint32_t i = 0; i < list->as.l->count; i++) {
        const value *f = &list->as.l->items[i];
        if (f->kind != VAL_RECORD || f->as.r->count != BC_FINDING_NFIELDS) {
            continue; /* the verifier has checked the type: never here */
        }
        open_record(w);
        sb_putc(&w->buf, '{');
        sb_put_json_string(&w->buf, input->p, input->len);
        sb_puts(&w->buf, ": ");
        put_key_json(&w->buf, k);
        for (unsigned j = 0; j < BC_FINDING_NFIELDS; j++) {
            const value *x = &f->as.r->fields[j];
            if (x->kind != VAL_TEXT) {
                continue; /* an absent cite or url */
            }
            sb_printf(&w->buf, ", \"%s\": ", names[j]);
            sb_put_json_string(&w->buf, x->as.s, x->len);
        }
        sb_putc(&w->buf, '}');
        close_record(w);
        if (!commit(w)) {
            return false;
        }
    }
    return true;
}

rt_status out_findings(out_writer *w, const value *key, const value *list)
{
    return write_findings(w, key, list) ? RT_OK : sticky(w);
}

/* out_error's work: false when writing failed. */
static bool write_error(out_writer *w, const value *key, const char *msg)
{
    if (w->failed) {
        return false;
    }
    forget_taken(w);
    if (ci_format(w)) {
        put_case(w, key && key->kind != VAL_NONE ? key : NULL, NULL, msg);
        return commit(w);
    }
    const value *k = key && key->kind != VAL_NONE ? key : NULL;
    size_t mark = w->buf.len, cmark = w->ncells, tmark = w->tcells.len;
    if (w->fmt == OUT_JSONL || w->fmt == OUT_JSON) {
        const bc_str *input = str_at(w, w->prog->input_name);
        open_record(w);
        sb_putc(&w->buf, '{');
        sb_put_json_string(&w->buf, input->p, input->len);
        sb_put(&w->buf, ": ", 2);
        put_key_json(&w->buf, k);
        sb_puts(&w->buf, ", \"error\": ");
        sb_put_json_string(&w->buf, msg, strlen(msg));
        sb_putc(&w->buf, '}');
        if (w->cited && w->error_cite >= 0 &&
            (uint32_t)w->error_cite < w->prog->ncites) {
            add_cites(w, w->error_cite);
        }
        w->error_cite = -1;
        close_record(w);
    } else {
        for (uint32_t i = 0; i <= w->ncols; i++) {
            sb_clear(&w->cellb);
            if (i == w->key_col && k) {
                if (k->kind == VAL_TEXT) {
                    sb_put(&w->cellb, k->as.s, k->len);
                } else {
                    put_key_json(&w->cellb, k);
                }
            } else if (i == w->ncols) {
                sb_puts(&w->cellb, msg);
            }
            if (!emit_cell(w, i)) {
                cut(w, mark, cmark, tmark);
                return false;
            }
        }
        end_row(w);
    }
    return commit(w);
}

/* Display width of UTF-8 text: one column per code point. */
static size_t width(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return n;
}

static void pad(strbuf *b, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        sb_put(b, spaces, k);
        n -= k;
    }
}

/* Prints the stored page of the table: header, a rule, then every row,
 * columns two spaces apart, numbers right-aligned, and a blank line
 * before every page but the first.  The error column is shown only when
 * some record of the page is an error.  Then forgets the page's rows,
 * keeping the header for the next. */
static bool print_table(out_writer *w)
{
    uint32_t nc = w->ncols + 1;
    size_t rows = w->ncells / nc;
    if (w->pages++ > 0) {
        sb_putc(&w->buf, '\n');
    }
    bool any_error = false;
    for (size_t r = 1; r < rows; r++) {
        any_error |= w->cells[r * nc + w->ncols].len > 0;
    }
    uint32_t shown = any_error ? nc : w->ncols;
    size_t *wd = mem_alloc(w->mem, shown * sizeof *wd);
    if (!wd) {
        w->failed = w->nomem = true;
        return false;
    }
    for (uint32_t i = 0; i < shown; i++) {
        wd[i] = 0;
        for (size_t r = 0; r < rows; r++) {
            const cell *c = &w->cells[r * nc + i];
            size_t cw = width(w->tcells.p + c->off, c->len);
            wd[i] = cw > wd[i] ? cw : wd[i];
        }
    }
    for (size_t r = 0; r < rows; r++) {
        for (uint32_t i = 0; i < shown; i++) {
            const cell *c = &w->cells[r * nc + i];
            const char *s = w->tcells.p + c->off;
            size_t gap = wd[i] - width(s, c->len);
            bool right = r > 0 && i < w->ncols && w->cols[i].right;
            if (i) {
                sb_put(&w->buf, "  ", 2);
            }
            if (right) {
                pad(&w->buf, gap);
            }
            sb_put(&w->buf, s, c->len);
            if (!right && i + 1 < shown) {
                pad(&w->buf, gap);
            }
        }
        /* No trailing blanks: a short last cell would leave them. */
        while (w->buf.len && w->buf.p[w->buf.len - 1] == ' ') {
            w->buf.len--;
        }
        sb_putc(&w->buf, '\n');
        if (r == 0) {
            for (uint32_t i = 0; i < shown; i++) {
                if (i) {
                    sb_put(&w->buf, "  ", 2);
                }
                for (size_t k = 0; k < wd[i]; k++) {
                    sb_putc(&w->buf, '-');
                }
            }
            sb_putc(&w->buf, '\n');
        }
        if (w->buf.len >= OUT_FLUSH && !flush(w)) {
            break;
        }
    }
    mem_free(w->mem, wd, shown * sizeof *wd);
    w->ncells = nc; /* the header row stays */
    w->tcells.len = w->head_bytes;
    if (w->buf.failed) {
        w->failed = w->nomem = true;
        return false;
    }
    return !w->failed && flush(w);
}

rt_status out_error(out_writer *w, const value *key, const char *msg)
{
    return write_error(w, key, msg) ? RT_OK : sticky(w);
}

void out_keep_open(out_writer *w)
{
    w->keep_open = true;
}

void out_continue(out_writer *w, bool any)
{
    w->keep_open = true;
    w->started = true;
    w->any_before = any;
}

bool out_wrote_any(const out_writer *w)
{
    return w->nwritten != 0 || w->any_before;
}

rt_status out_finish(out_writer *w)
{
    if (!w->failed) {
        if (w->fmt == OUT_JSON && w->keep_open) {
            if (!w->nwritten && !w->started) {
                sb_putc(&w->buf, '[');
            }
        } else if (w->fmt == OUT_JSON) {
            sb_puts(&w->buf, w->nwritten ? "\n]\n" : "[]\n");
        } else if (w->fmt == OUT_JUNIT) {
            junit_document(w);
        } else if (w->fmt == OUT_TAP) {
            if (w->ncases == 0) {
                sb_puts(&w->buf, "TAP version 13\n");
            }
            sb_printf(&w->buf, "1..%llu\n", (unsigned long long)w->ncases);
        } else if (w->fmt == OUT_TABLE &&
                   (w->pages == 0 || w->ncells > w->ncols + 1u)) {
            print_table(w); /* the last page; a header alone only when
                               the run had no rows at all */
        }
        if (w->buf.failed) {
            w->failed = w->nomem = true;
        }
    }
    flush(w);
    if (fflush(w->f) != 0) {
        w->failed = true;
    }
    return sticky(w);
}
