/* runtime/data_bind.c - the typed binder: one JSON text into one record.
 *
 * The binder sits on yajl's event parser: each event is checked against
 * the type the schema expects at that point and turned into a value in the
 * record arena, so no document tree is ever built.  Containers in progress
 * are frames on a fixed stack (DATA_MAX_DEPTH); list elements and map
 * entries wait on a reused scratch stack until their container closes and
 * are then copied to the arena at their exact size.  After the first error
 * the binder keeps listening (to tell invalid JSON apart and to find the
 * record's key) but binds nothing more; with all errors asked for, it
 * notes the error, puts none where the bad value was (skipping a bad
 * container's contents) and binds on, so later problems are found too.
 *
 * The reader (data_read.c) frames the input into records and hands each
 * one's text here.  Nothing here trusts the input: every problem takes an
 * error path, never an assert, and the limits of data.h (record size,
 * text and decimal length, list and map size, nesting) bound what one
 * record may cost.  Texts must be well-formed UTF-8, which yajl alone
 * does not ensure.
 */
#include "data_bind.h"
#include "tally_assert.h"
#include "utf8.h"

#include <errno.h>
#include <setjmp.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* A record slot not bound yet: a kind no real value has. */
#define SLOT_UNSET VAL_KIND_COUNT

/* A bad value quoted in a message is cut to this many bytes (then "..."),
 * so a megabyte-long bogus enum name cannot make a megabyte message. */
#define MSG_VALUE_MAX 64

/* Marks an error path, so that the compiler keeps it out of line and the
 * callbacks' common paths need fewer registers to save and restore. */
#define COLD __attribute__((cold, noinline))

/* Marks the event handling shared by several callbacks, so that each
 * callback gets its own copy with the JSON kind known, and the checks
 * that cannot apply to it vanish. */
#define INLINE_EVENT inline __attribute__((always_inline))

/* Lists with at most this many elements are checked for duplicate keys by
 * comparing every pair; longer ones use a hash table (n^2 / 2 compares of
 * 8 elements cost less than building the table). */
#define UNIQUE_PAIRWISE_MAX 8

/* ---- memory for yajl ------------------------------------------------- */

/* yajl does not survive a failed allocation: it dereferences the result.
 * So its blocks are drawn from the mem_ctx like any others (counted, under
 * the cap, subject to fault injection and to the embedder's hook), but
 * each carries a header linking it into a list of yajl's live blocks, and
 * a refused request does not return: ya_realloc longjmps back to bind(),
 * which frees every block on the list (yajl's handle is abandoned
 * mid-parse, with nothing of ours on the frames skipped) and reports
 * RT_ENOMEM.  This is the one non-local jump in Tally; it is confined
 * to bind() and the allocator below, as Lua confines its own to ldo.c. */
typedef struct ya_block ya_block;
struct ya_block {
    size_t size;    /* bytes yajl asked for, without the header */
    ya_block *prev; /* neighbours in the binder's list of live blocks */
    ya_block *next;
};

/* The header, rounded up so the block stays aligned for any object. */
#define YA_HEADER ((sizeof(ya_block) + 15) & ~(size_t)15)

typedef struct ya_state {
    mem_ctx *mem;    /* borrowed */
    ya_block *live;  /* yajl's blocks not yet freed */
    jmp_buf *escape; /* where a refused request goes; NULL outside bind() */
} ya_state;

static void ya_link(ya_state *y, ya_block *blk)
{
    blk->prev = NULL;
    blk->next = y->live;
    if (y->live) {
        y->live->prev = blk;
    }
    y->live = blk;
}

static void ya_unlink(ya_state *y, ya_block *blk)
{
    if (blk->prev) {
        blk->prev->next = blk->next;
    } else {
        y->live = blk->next;
    }
    if (blk->next) {
        blk->next->prev = blk->prev;
    }
}

static void *ya_realloc(void *ctx, void *p, size_t size)
{
    ya_state *y = ctx;
    ya_block *old = p ? (ya_block *)((char *)p - YA_HEADER) : NULL;
    size_t old_size = old ? old->size + YA_HEADER : 0;
    if (old) {
        ya_unlink(y, old); /* the block may move */
    }
    ya_block *blk = NULL;
    if (size <= SIZE_MAX - YA_HEADER) {
        blk = mem_realloc(y->mem, old, old_size, size + YA_HEADER);
    }
    if (!blk) {
        if (old) {
            ya_link(y, old); /* still yajl's, freed with the rest */
        }
        /* bind() sets the escape before it lets yajl allocate */
        if (y->escape) {
            longjmp(*y->escape, 1);
        }
        return NULL;
    }
    blk->size = size;
    ya_link(y, blk);
    return (char *)blk + YA_HEADER;
}

static void *ya_malloc(void *ctx, size_t size)
{
    return ya_realloc(ctx, NULL, size);
}

static void ya_free(void *ctx, void *p)
{
    if (!p) {
        return;
    }
    ya_state *y = ctx;
    ya_block *blk = (ya_block *)((char *)p - YA_HEADER);
    ya_unlink(y, blk);
    mem_free(y->mem, blk, blk->size + YA_HEADER);
}

/* Frees whatever yajl still holds, after a parse was abandoned. */
static void ya_free_all(ya_state *y)
{
    while (y->live) {
        ya_block *blk = y->live;
        y->live = blk->next;
        mem_free(y->mem, blk, blk->size + YA_HEADER);
    }
}

/* ---- the binder ------------------------------------------------------ */

/* True if the [len] bytes at [x] and [y] are equal.  Field names and map
 * keys are short, and for them a call to memcmp costs more than the
 * comparison: up to 16 bytes are compared here as two overlapping words. */
static inline bool same_bytes(const char *x, const char *y, size_t len)
{
    if (len >= 8 && len <= 16) {
        uint64_t x0, x1, y0, y1;
        memcpy(&x0, x, 8);
        memcpy(&y0, y, 8);
        memcpy(&x1, x + len - 8, 8);
        memcpy(&y1, y + len - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (len >= 4 && len < 8) {
        uint32_t x0, x1, y0, y1;
        memcpy(&x0, x, 4);
        memcpy(&y0, y, 4);
        memcpy(&x1, x + len - 4, 4);
        memcpy(&y1, y + len - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (len < 4) {
        for (size_t i = 0; i < len; i++) {
            if (x[i] != y[i]) {
                return false;
            }
        }
        return true;
    }
    return memcmp(x, y, len) == 0;
}

typedef enum frame_kind {
    FR_RECORD,
    FR_LIST,
    FR_MAP,
    FR_MONEY, /* an amount written as {"amount": ..., "currency": ...} */
    FR_KIND_COUNT
} frame_kind;

/* FR_MONEY's members (frame.field), and what it has seen (frame.count). */
#define MONEY_AMOUNT 0u
#define MONEY_CURRENCY 1u
#define MONEY_OTHER 2u

typedef struct frame {
    uint8_t kind;        /* frame_kind */
    uint16_t type;       /* FR_RECORD: record index; else element type */
    uint16_t unique;     /* FR_LIST: element field that must be unique, or
                            BC_NONE_U16 */
    uint16_t expect;     /* type of the value that comes next: FR_RECORD:
                            of [field], set with it; else [type] */
    uint32_t field;      /* FR_RECORD: field whose value comes next */
    uint32_t count;      /* FR_LIST, FR_MAP: elements so far (so the index
                            of the one being bound); FR_RECORD: fields
                            bound, so "missing" needs no scan when none is */
    size_t base;         /* first scratch slot of this container's values */
    val_record *rec;     /* FR_RECORD: arena; slots SLOT_UNSET until bound */
    const bc_field *fields; /* FR_RECORD: the record's fields (borrowed) */
    value key;           /* FR_MAP: key of the entry being bound (arena);
                            FR_MONEY: the amount, once bound */
    value cur;           /* FR_MONEY: the currency (text, arena) or none */
} frame;

typedef enum top_kind { TOP_NONE, TOP_OBJECT, TOP_OTHER } top_kind;

typedef enum json_kind { J_NULL, J_BOOL, J_NUMBER, J_STRING } json_kind;

typedef struct binder {
    const bc_program *prog; /* borrowed */
    mem_ctx *mem;           /* borrowed: scratch and yajl memory */
    arena *a;               /* borrowed: values and messages */
    uint16_t record;        /* record type of the top-level object */

    const char *keyjson; /* borrowed: JSON name of the key, or NULL */
    size_t keyjson_len;
    bool at_key;   /* the next depth-1 value is the key member */
    bool key_seen; /* the key member was met (the first one counts) */
    bool key_ok;   /* ... and was a string, copied to key */
    value key;     /* arena */
    const char *key_problem; /* arena: why a string key was refused */

    long depth;       /* open containers (counted even when not bound) */
    uint8_t top;      /* top_kind */
    long skip_base;   /* >= 0: skip events until depth returns to it */
    bool skip_next;   /* the next value belongs to an unknown key */
    bool failed;      /* an error is recorded: bind nothing more */
    bool nomem;       /* out of memory: the parse is canceled */
    bool all_errors;  /* go on past a rejecting error (data_binder_all_errors) */
    bool skip_fill;   /* the value being skipped (to skip_base) was bad:
                         deliver none for it when it ends */
    const char *err_path; /* arena: first error */
    const char *err_msg;  /* arena */
    uint32_t nerr;        /* rejecting errors found (all_errors) */
    data_issue *more;     /* arena: errors after the first, up to
                             DATA_MAX_ERRORS - 1 (all_errors) */
    value result;

    value *scratch; /* owned: pending list elements and map entries */
    size_t nscratch;
    size_t scratch_cap;
    uint32_t *slots; /* owned: hash table for duplicate checks */
    size_t slots_cap;
    strbuf sb; /* paths and messages under construction */
    ya_state ya; /* yajl's memory during bind() */
    yajl_handle h;   /* the parse in progress, during bind() */
    const char *json; /* borrowed: the record's text, during bind() */
    size_t json_len;
    size_t lone_at; /* offset in json of the next \u escape of a lone
                       high surrogate, SIZE_MAX if none: yajl decodes it
                       to '?', so the binder must look for it itself */

    frame frames[DATA_MAX_DEPTH];
} binder;

static void binder_init(binder *b, mem_ctx *mem, const bc_program *prog)
{
    memset(b, 0, sizeof *b);
    b->mem = mem;
    b->prog = prog;
    sb_init(&b->sb, mem);
}

static void binder_free(binder *b)
{
    mem_free(b->mem, b->scratch, b->scratch_cap * sizeof *b->scratch);
    mem_free(b->mem, b->slots, b->slots_cap * sizeof *b->slots);
    sb_free(&b->sb);
}

static const bc_type *type_at(const binder *b, uint16_t t)
{
    return &b->prog->types[t];
}

static const bc_str *str_at(const binder *b, uint32_t i)
{
    return &b->prog->strings[i];
}

/* Is [ty] 'money in currency' (each value carries its own currency)? */
static bool money_dyn(const binder *b, const bc_type *ty)
{
    if (ty->kind != BT_MONEY) {
        return false;
    }
    const bc_str *c = str_at(b, ty->currency);
    return c->len == sizeof BC_CURRENCY_OF_VALUE - 1 &&
           memcmp(c->p, BC_CURRENCY_OF_VALUE, c->len) == 0;
}

/* Copies the message under construction in b->sb to the arena. */
static const char *sb_to_arena(binder *b)
{
    if (b->sb.failed) {
        b->nomem = true;
        return NULL;
    }
    const char *s = arena_strndup(b->a, b->sb.p ? b->sb.p : "", b->sb.len);
    if (!s) {
        b->nomem = true;
    }
    return s;
}

/* Writes to b->sb the path of the value being bound in frames[0..n-1]
 * (each frame contributes its current child), then [extra] as a field. */
static void build_path(binder *b, long n, const char *extra)
{
    sb_clear(&b->sb);
    for (long i = 0; i < n; i++) {
        const frame *f = &b->frames[i];
        switch ((frame_kind)f->kind) {
        case FR_RECORD: {
            const bc_record *r = &b->prog->records[f->type];
            const bc_str *s = str_at(b, bc_record_field(b->prog, r,
                                                        f->field)->json);
            if (b->sb.len) {
                sb_putc(&b->sb, '.');
            }
            sb_put(&b->sb, s->p, s->len);
            break;
        }
        case FR_LIST:
            sb_printf(&b->sb, "[%u]", (unsigned)f->count);
            break;
        case FR_MAP:
            if (b->sb.len) {
                sb_putc(&b->sb, '.');
            }
            sb_put(&b->sb, f->key.as.s, f->key.len);
            break;
        case FR_MONEY:
            if (f->field == MONEY_AMOUNT || f->field == MONEY_CURRENCY) {
                sb_puts(&b->sb, f->field == MONEY_AMOUNT ? ".amount"
                                                         : ".currency");
            }
            break;
        case FR_KIND_COUNT:
            break;
        }
    }
    if (extra) {
        if (b->sb.len) {
            sb_putc(&b->sb, '.');
        }
        sb_puts(&b->sb, extra);
    }
}

static __attribute__((noinline)) bool scratch_grow(binder *b)
{
    size_t cap = b->scratch_cap ? b->scratch_cap * 2 : 256;
    value *p = mem_realloc(b->mem, b->scratch, b->scratch_cap * sizeof *p,
                           cap * sizeof *p);
    if (!p) {
        b->nomem = true;
        return false;
    }
    b->scratch = p;
    b->scratch_cap = cap;
    return true;
}

static inline bool scratch_push(binder *b, value v)
{
    if (b->nscratch == b->scratch_cap && !scratch_grow(b)) {
        return false;
    }
    b->scratch[b->nscratch++] = v;
    return true;
}

/* Notes the error [path]: [m] that rejects the record.  Without all
 * errors the first one stops the binding; with them each is kept (up to
 * DATA_MAX_ERRORS) and the binding goes on.  Returns false. */
static COLD bool reject(binder *b, const char *path, const char *m)
{
    if (b->nerr == 0) {
        b->err_path = path;
        b->err_msg = m;
    } else if (b->nerr < DATA_MAX_ERRORS) {
        if (!b->more) {
            b->more = arena_alloc(b->a, (DATA_MAX_ERRORS - 1) *
                                            sizeof *b->more);
            if (!b->more) {
                b->nomem = true;
                return false;
            }
        }
        b->more[b->nerr - 1] = (data_issue){path, m};
    }
    b->nerr++;
    if (!b->all_errors) {
        b->failed = true;
    }
    return false;
}

/* Records error [msg] for the value being bound in frames[0..n-1] (see
 * build_path; [extra] names a field below it).  Inside a map entry, unless
 * [hard], the entry becomes a VAL_ERROR and the rest of its value is
 * skipped; otherwise the record is rejected.  Always returns false. */
static COLD bool fail_path(binder *b, long n, const char *extra,
                           const char *msg, bool hard)
{
    long k = -1;
    if (!hard) {
        for (long i = n - 1; i >= 0; i--) {
            if (b->frames[i].kind == FR_MAP) {
                k = i;
                break;
            }
        }
    }
    build_path(b, n, extra);
    const char *path = sb_to_arena(b);
    const char *m = arena_strndup(b->a, msg, strlen(msg));
    if (!path || !m) {
        b->nomem = true;
        return false;
    }
    if (k < 0) {
        return reject(b, path, m);
    }
    /* SPEC: award-evaluation, Input: a score for a question the tender
     * does not ask is ignored, so a bad map entry fails only if read. */
    frame *mf = &b->frames[k];
    val_error *e = arena_alloc(b->a, sizeof *e);
    if (!e) {
        b->nomem = true;
        return false;
    }
    e->path = path;
    e->msg = m;
    value ev = {0};
    ev.kind = VAL_ERROR;
    ev.as.e = e;
    b->nscratch = mf->base + 2 * (size_t)mf->count;
    if (scratch_push(b, mf->key) && scratch_push(b, ev)) {
        mf->count++;
    }
    b->skip_next = false;
    b->skip_base = k + 1;
    return false;
}

/* An error for the value at the current depth after which nothing more
 * can be bound, even with all errors asked for (a limit, or a map key
 * that is not text).  Always returns false. */
static COLD bool fail_stop(binder *b, long n, const char *msg)
{
    fail_path(b, n, NULL, msg, true);
    b->failed = true;
    return false;
}

/* An error for the value being bound at the current depth. */
static COLD bool fail(binder *b, const char *msg)
{
    return fail_path(b, b->depth, NULL, msg, false);
}

/* Like fail() with a message formatted from a prefix, a value quoted as a
 * JSON string (cut at MSG_VALUE_MAX bytes) and nothing else. */
static COLD bool fail_quoted(binder *b, const char *prefix, const char *s,
                             size_t len)
{
    strbuf q;
    sb_init(&q, b->mem);
    sb_puts(&q, prefix);
    if (len > MSG_VALUE_MAX) {
        size_t cut = MSG_VALUE_MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
            cut--; /* not inside a UTF-8 sequence */
        }
        sb_put_json_string(&q, s, cut);
        sb_puts(&q, "...");
    } else {
        sb_put_json_string(&q, s, len);
    }
    if (q.failed) {
        sb_free(&q);
        b->nomem = true;
        return false;
    }
    fail(b, q.p);
    sb_free(&q);
    return false;
}

static COLD bool fail_range(binder *b, int64_t i)
{
    char msg[48];
    snprintf(msg, sizeof msg, "%lld out of range", (long long)i);
    return fail(b, msg);
}

/* The type expected for the value about to arrive at the current depth
 * (which is at least 1). */
static inline uint16_t expected_type(const binder *b)
{
    return b->frames[b->depth - 1].expect;
}

/* deliver()'s out-of-line part, for lists and maps: [f] is the frame at
 * the top. */
static bool deliver_item(binder *b, frame *f, value v)
{
    switch ((frame_kind)f->kind) {
    case FR_RECORD:
        f->rec->fields[f->field] = v;
        f->count++;
        return true;
    case FR_LIST:
        if (f->count >= DATA_MAX_ITEMS) {
            char msg[64];
            snprintf(msg, sizeof msg, "more than %u elements", DATA_MAX_ITEMS);
            return fail_stop(b, b->depth, msg);
        }
        if (!scratch_push(b, v)) {
            return false;
        }
        f->count++;
        return true;
    case FR_MAP:
        if (f->count >= DATA_MAX_ITEMS) {
            char msg[64];
            snprintf(msg, sizeof msg, "more than %u entries", DATA_MAX_ITEMS);
            return fail_stop(b, b->depth, msg);
        }
        if (!scratch_push(b, f->key) || !scratch_push(b, v)) {
            return false;
        }
        f->count++;
        return true;
    case FR_MONEY:
        f->key = v; /* the amount (the currency is kept by money_currency) */
        return true;
    case FR_KIND_COUNT:
        break;
    }
    return false;
}

/* Hands a finished value to the container being filled. */
static inline bool deliver(binder *b, value v)
{
    if (b->depth == 0) {
        b->result = v;
        return true;
    }
    frame *f = &b->frames[b->depth - 1];
    if (f->kind == FR_RECORD) { /* the common case, inline */
        f->rec->fields[f->field] = v;
        f->count++;
        return true;
    }
    return deliver_item(b, f, v);
}

/* Parses a JSON number's text as an int64: digits only, no fraction or
 * exponent (yajl has checked the grammar). */
static bool parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    if (i == len) {
        return false;
    }
    uint64_t n = 0;
    if (len - i <= 18) {
        /* below 10^18 < INT64_MAX: no digit can overflow */
        for (; i < len; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (d > 9) {
                return false;
            }
            n = n * 10 + d;
        }
        *out = neg ? -(int64_t)n : (int64_t)n;
        return true;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || n > (limit - d) / 10) {
            return false;
        }
        n = n * 10 + d;
    }
    *out = neg ? (int64_t)(0 - n) : (int64_t)n;
    return true;
}

static const char *type_problem(bc_type_kind k)
{
    switch (k) {
    case BT_BOOL: return "not a boolean";
    case BT_INT: return "not an integer";
    case BT_DEC:
    case BT_MONEY:
    case BT_PERCENT: return "not a decimal string";
    case BT_DATE: return "not a date YYYY-MM-DD";
    case BT_DATETIME:
        return "not a date-time YYYY-MM-DDTHH:MM:SS[.s](Z|+hh:mm)";
    case BT_DURATION: return "not a number of days";
    case BT_TEXT:
    case BT_ENUM: return "not a string";
    case BT_RECORD:
    case BT_MAP: return "not an object";
    case BT_LIST: return "not an array";
    case BT_OPTIONAL:
    case BT_KIND_COUNT: break;
    }
    return "not valid here";
}

/* True if the [len] <= 16 bytes at [s] are all ASCII, so valid UTF-8:
 * the usual name or code, checked with two overlapping loads (or, below
 * 4 bytes, the first, middle and last byte, which are all of them). */
static inline bool short_ascii(const char *s, size_t len)
{
    if (len >= 8) {
        uint64_t x, y;
        memcpy(&x, s, 8);
        memcpy(&y, s + len - 8, 8);
        return ((x | y) & 0x8080808080808080u) == 0;
    }
    if (len >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4);
        return ((x | y) & 0x80808080u) == 0;
    }
    if (len == 0) {
        return true;
    }
    return ((s[0] | s[len / 2] | s[len - 1]) & 0x80) == 0;
}

/* Copies the [len] <= 16 bytes at [s] to [d] as short_ascii reads them,
 * without a call to memcpy. */
static inline void copy_short(char *d, const char *s, size_t len)
{
    if (len >= 8) {
        uint64_t x, y;
        memcpy(&x, s, 8);
        memcpy(&y, s + len - 8, 8);
        memcpy(d, &x, 8);
        memcpy(d + len - 8, &y, 8);
    } else if (len >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + len - 4, &y, 4);
    } else if (len > 0) {
        d[0] = s[0];
        d[len / 2] = s[len / 2];
        d[len - 1] = s[len - 1];
    }
}

static COLD const char *text_too_long(char buf[64])
{
    snprintf(buf, 64, "text longer than %zu bytes", DATA_MAX_TEXT);
    return buf;
}

/* Why a string cannot be kept as text, or NULL if it can; [buf] holds
 * the message when it needs formatting. */
static inline const char *text_problem(const char *s, size_t len, char buf[64])
{
    if (len <= 16 && short_ascii(s, len)) {
        return NULL;
    }
    if (len > DATA_MAX_TEXT) {
        return text_too_long(buf);
    }
    if (!utf8_valid(s, len)) {
        return "not valid UTF-8";
    }
    return NULL;
}

/* Copies [len] bytes at [s], which text_problem has passed, to the arena
 * as a text value in *v. */
static bool keep_text(binder *b, const char *s, size_t len, value *v)
{
    char *p = arena_alloc(b->a, len ? len : 1);
    if (!p) {
        b->nomem = true;
        return false;
    }
    if (len <= 16) {
        copy_short(p, s, len);
    } else {
        memcpy(p, s, len);
    }
    *v = val_text(p, (uint32_t)len);
    return true;
}

static bool copy_text(binder *b, const char *s, size_t len, value *v)
{
    char buf[64];
    const char *problem = text_problem(s, len, buf);
    if (problem) {
        return fail(b, problem);
    }
    return keep_text(b, s, len, v);
}

static COLD bool fail_decimal_len(binder *b)
{
    char msg[64];
    snprintf(msg, sizeof msg, "decimal string longer than %d bytes",
             DATA_MAX_DECIMAL);
    return fail(b, msg);
}

static bool bind_decimal(binder *b, bc_type_kind k, const char *s,
                         size_t len, value *v)
{
    if (len > DATA_MAX_DECIMAL) {
        return fail_decimal_len(b);
    }
    dec d;
    dec_status st = dec_parse(b->a, s, len, &d);
    if (st == DEC_OK && k == BT_PERCENT) {
        /* Data give percentage points; the value is the fraction. */
        dec hundred = dec_from_int(100);
        st = dec_div(b->a, &d, &hundred, &d);
    }
    if (st == DEC_ENOMEM) {
        b->nomem = true;
        return false;
    }
    if (st != DEC_OK) {
        return fail(b, type_problem(k));
    }
    *v = val_dec(d);
    return true;
}

/* True if the amount about to be bound must be a JSON string: some
 * record on the path to it takes "amounts as strings" (the flag is on
 * each of its fields), which holds for everything bound inside it. */
static COLD bool amounts_as_text(const binder *b)
{
    for (long i = 0; i < b->depth; i++) {
        const frame *f = &b->frames[i];
        if (f->kind == FR_RECORD && f->rec->count > 0 &&
            (f->fields[f->field].flags & BC_FIELD_AMOUNT_TEXT)) {
            return true;
        }
    }
    return false;
}

/* True if the JSON number text [s] of [len] bytes is an integer: an
 * optional '-' and digits, no fraction or exponent (yajl has checked the
 * grammar; the length is bounded by DATA_MAX_TEXT as any text is). */
static bool json_integer(const char *s, size_t len)
{
    if (len > DATA_MAX_TEXT) {
        return false;
    }
    for (size_t i = s[0] == '-'; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* True if a JSON integer may bind to the text about to be bound: the
 * record field it is in (itself, or inside its list or optional) is
 * `text or integer`. */
static COLD bool int_as_text(const binder *b)
{
    for (long i = b->depth - 1; i >= 0; i--) {
        const frame *f = &b->frames[i];
        if (f->kind == FR_RECORD) {
            return f->rec->count > 0 &&
                   (f->fields[f->field].flags & BC_FIELD_INT_TEXT);
        }
        if (f->kind == FR_MAP) {
            return false;
        }
    }
    return false;
}

/* Binds a JSON number's text to a decimal, money or percent, exactly:
 * the text is the value (dec_parse_number), never a double. */
static bool bind_number(binder *b, bc_type_kind k, const char *s, size_t len,
                        value *v)
{
    dec d;
    dec_status st = dec_parse_number(b->a, s, len, DATA_MAX_DECIMAL, &d);
    if (st == DEC_OK && k == BT_PERCENT) {
        dec hundred = dec_from_int(100);
        st = dec_div(b->a, &d, &hundred, &d);
    }
    if (st == DEC_ENOMEM) {
        b->nomem = true;
        return false;
    }
    if (st == DEC_TOO_BIG) {
        char msg[64];
        snprintf(msg, sizeof msg, "number with more than %d digits",
                 DATA_MAX_DECIMAL);
        return fail(b, msg);
    }
    if (st != DEC_OK) {
        return fail(b, type_problem(k));
    }
    *v = val_dec(d);
    return true;
}

static COLD bool fail_enum(binder *b, uint16_t e, const char *s, size_t len)
{
    const bc_enum *en = &b->prog->enums[e];
    const bc_str *label = str_at(b, en->label);
    if (label->len == 0) {
        label = str_at(b, en->name);
    }
    char prefix[128];
    snprintf(prefix, sizeof prefix, "unknown %s ", label->p);
    return fail_quoted(b, prefix, s, len);
}

/* Binds [s] of [len] bytes, a code no member of open enum [e] spells,
 * to its last member, 'other', keeping the code. */
static COLD bool bind_other(binder *b, uint16_t e, const char *s, size_t len,
                            value *v)
{
    value code;
    if (!copy_text(b, s, len, &code)) {
        return false;
    }
    *v = (value){0};
    v->kind = VAL_ENUM;
    v->type = e;
    v->as.en.i = b->prog->enums[e].nmembers - 1;
    v->as.en.code = code.as.s;
    v->len = code.len;
    return true;
}

static bool bind_enum(binder *b, uint16_t e, const char *s, size_t len,
                      value *v)
{
    const bc_enum *en = &b->prog->enums[e];
    for (uint32_t i = 0; i < en->nmembers; i++) {
        const bc_member *mb = &b->prog->members[en->first_member + i];
        const bc_str *m = str_at(b, mb->json);
        if (m->len == len && same_bytes(m->p, s, len) && len > 0) {
            *v = (value){0};
            v->kind = VAL_ENUM;
            v->type = e;
            v->as.i = i;
            return true;
        }
    }
    if (en->nmembers > 0 &&
        str_at(b, b->prog->members[en->first_member + en->nmembers - 1].json)
                ->len == 0) {
        return bind_other(b, e, s, len, v);
    }
    return fail_enum(b, e, s, len);
}

/* Binds a scalar event of JSON kind [jk] to type [t].  On a mismatch the
 * error is recorded and false returned. */
static INLINE_EVENT bool bind_scalar(binder *b, uint16_t t, json_kind jk,
                                     const char *s, size_t len, bool bv,
                                     value *v)
{
    const bc_type *ty = type_at(b, t);
    while (ty->kind == BT_OPTIONAL) {
        if (jk == J_NULL) {
            *v = val_none();
            return true;
        }
        ty = type_at(b, ty->ref);
    }
    bc_type_kind k = (bc_type_kind)ty->kind;
    int64_t i;
    switch (k) {
    case BT_BOOL:
        if (jk != J_BOOL) {
            return fail(b, type_problem(k));
        }
        *v = val_bool(bv);
        return true;
    case BT_INT:
        if (jk != J_NUMBER || !parse_int(s, len, &i)) {
            return fail(b, type_problem(k));
        }
        if ((ty->has_min && i < ty->min) || (ty->has_max && i > ty->max)) {
            return fail_range(b, i);
        }
        *v = val_int(i);
        return true;
    case BT_DEC:
    case BT_MONEY:
    case BT_PERCENT:
        /* A JSON number binds from its text, exactly.  SPEC:
         * award-evaluation, Input: there money is a decimal string, and
         * the policy says so with "amounts as strings". */
        if (jk == J_NUMBER && !amounts_as_text(b)) {
            if (!bind_number(b, k, s, len, v)) {
                return false;
            }
        } else if (jk != J_STRING) {
            return fail(b, type_problem(k));
        } else if (!bind_decimal(b, k, s, len, v)) {
            return false;
        }
        if (k == BT_MONEY && money_dyn(b, ty)) {
            /* an amount with no currency given: pounds, as ever */
            v->type = val_cur_pack("GBP", 3);
        }
        return true;
    case BT_DATE:
        if (jk != J_STRING || !date_parse(s, len, &i)) {
            return fail(b, type_problem(k));
        }
        *v = (value){0};
        v->kind = VAL_DATE;
        v->as.i = i;
        return true;
    case BT_DATETIME: {
        date_instant when;
        if (jk != J_STRING || !date_instant_parse(s, len, &when)) {
            return fail(b, type_problem(k));
        }
        *v = (value){0};
        v->kind = VAL_DATETIME;
        v->as.t = when;
        return true;
    }
    case BT_DURATION:
        if (jk != J_NUMBER || !parse_int(s, len, &i)) {
            return fail(b, type_problem(k));
        }
        if (i < 0) {
            return fail_range(b, i);
        }
        *v = (value){0};
        v->kind = VAL_DURATION;
        v->as.i = i;
        return true;
    case BT_TEXT:
        if (jk == J_NUMBER && int_as_text(b) && json_integer(s, len)) {
            return keep_text(b, s, len, v); /* the digits, as written */
        }
        if (jk != J_STRING) {
            return fail(b, type_problem(k));
        }
        return copy_text(b, s, len, v);
    case BT_ENUM:
        if (jk != J_STRING) {
            return fail(b, type_problem(k));
        }
        return bind_enum(b, ty->ref, s, len, v);
    case BT_RECORD:
    case BT_LIST:
    case BT_MAP:
        return fail(b, type_problem(k));
    case BT_OPTIONAL:
    case BT_KIND_COUNT:
        break;
    }
    return fail(b, "bad type in program");
}

/* Notes the key member's value when it arrives at depth 1. */
static __attribute__((noinline)) void see_key(binder *b, json_kind jk,
                                              const char *s, size_t len)
{
    if (b->depth != 1 || !b->at_key) {
        return;
    }
    b->at_key = false;
    b->key_seen = true;
    if (jk == J_STRING) {
        char buf[64];
        const char *problem = text_problem(s, len, buf);
        if (problem) {
            /* The key would be printed in error records: none at all
             * beats an invalid or a megabyte one. */
            b->key_problem = arena_strndup(b->a, problem, strlen(problem));
            if (!b->key_problem) {
                b->nomem = true;
            }
            return;
        }
        char *p = arena_alloc(b->a, len ? len : 1);
        if (!p) {
            b->nomem = true;
            return;
        }
        memcpy(p, s, len);
        b->key = val_text(p, (uint32_t)len);
        b->key_ok = true;
    }
}

static bool binding(const binder *b)
{
    return !b->failed && b->skip_base < 0;
}

/* After a scalar failed to bind: a bad map entry ends with it; with all
 * errors, none takes its place, so that the record is not also "missing"
 * it and later list indices stay right. */
static COLD void bad_scalar(binder *b)
{
    if (b->skip_base == b->depth) {
        b->skip_base = -1; /* the bad map entry was this scalar */
    } else if (binding(b)) {
        deliver(b, val_none());
    }
}

/* A scalar member of an amount object: the currency is checked and kept
 * here (false: nothing more to do); the amount goes on to bind_scalar
 * (true). */
static COLD bool money_member(binder *b, json_kind jk, const char *s,
                              size_t len)
{
    frame *f = &b->frames[b->depth - 1];
    if (f->field != MONEY_CURRENCY) {
        return true;
    }
    if (jk == J_NULL) {
        f->cur = val_none();
        return false;
    }
    if (jk != J_STRING) {
        fail(b, "not a string");
        return false;
    }
    copy_text(b, s, len, &f->cur);
    return false;
}

static INLINE_EVENT int scalar_event(binder *b, json_kind jk, const char *s,
                                     size_t len, bool bv)
{
    if (b->at_key) {
        see_key(b, jk, s, len);
    }
    if (b->depth == 0) {
        b->top = TOP_OTHER;
        return !b->nomem;
    }
    if (!binding(b) || b->skip_next) {
        b->skip_next = false;
        return !b->nomem;
    }
    if (__builtin_expect(b->frames[b->depth - 1].kind == FR_MONEY, 0)) {
        if (!money_member(b, jk, s, len)) {
            return !b->nomem;
        }
    }
    value v;
    if (bind_scalar(b, expected_type(b), jk, s, len, bv, &v)) {
        deliver(b, v);
    } else {
        bad_scalar(b);
    }
    return !b->nomem;
}

static int on_null(void *ctx)
{
    return scalar_event(ctx, J_NULL, NULL, 0, false);
}

static int on_boolean(void *ctx, int v)
{
    return scalar_event(ctx, J_BOOL, NULL, 0, v != 0);
}

static __attribute__((noinline)) int number_general(binder *b, const char *s,
                                                    size_t len)
{
    return scalar_event(b, J_NUMBER, s, len, false);
}

/* The usual number, a short integer for an int field of a record or an
 * int entry of a map, is bound here with no call (and so no callee-saved
 * registers to save), the rest by a tail call to number_general.  Nothing
 * changes before the value is known to be good, so the general path
 * starts afresh on anything else, errors included. */
static int on_number(void *ctx, const char *s, size_t len)
{
    binder *b = ctx;
    long depth = b->depth;
    if (depth > 0 && !b->at_key && !b->skip_next && binding(b) && len > 0 &&
        len <= 18) {
        frame *f = &b->frames[depth - 1];
        const bc_type *ty = type_at(b, f->expect);
        /* below 10^18 < INT64_MAX: no digit can overflow */
        size_t k = s[0] == '-';
        uint64_t n = 0;
        bool ok = ty->kind == BT_INT && k < len;
        for (; ok && k < len; k++) {
            unsigned d = (unsigned)(s[k] - '0');
            ok = d <= 9;
            n = n * 10 + d;
        }
        int64_t i = s[0] == '-' ? -(int64_t)n : (int64_t)n;
        ok = ok && !(ty->has_min && i < ty->min) &&
             !(ty->has_max && i > ty->max);
        if (ok && f->kind == FR_RECORD) {
            f->rec->fields[f->field] = val_int(i);
            f->count++;
            return !b->nomem;
        }
        if (ok && f->kind == FR_MAP && f->count < DATA_MAX_ITEMS &&
            b->scratch_cap - b->nscratch >= 2) {
            b->scratch[b->nscratch] = f->key;
            b->scratch[b->nscratch + 1] = val_int(i);
            b->nscratch += 2;
            f->count++;
            return !b->nomem;
        }
    }
    return number_general(b, s, len);
}

/* The value of the 4 hex digits at [s], or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* The offset in [s] of the first \uD800..\uDBFF escape at or after [from]
 * that no \uDC00..\uDFFF escape follows, or SIZE_MAX.  A backslash is an
 * escape when it ends an odd run of backslashes; outside strings JSON has
 * none.  (A lone low surrogate needs no search: yajl encodes it as bytes
 * utf8_valid refuses.)  Records without backslashes cost one memchr. */
static size_t next_lone_surrogate(const char *s, size_t len, size_t from)
{
    size_t i = from;
    while (i < len) {
        const char *p = memchr(s + i, '\\', len - i);
        if (!p) {
            return SIZE_MAX;
        }
        size_t j = (size_t)(p - s), run = 0;
        while (j + run < len && s[j + run] == '\\') {
            run++;
        }
        i = j + run;
        if (run % 2 == 0 || i + 5 > len || s[i] != 'u') {
            continue;
        }
        long hi = hex4(s + i + 1);
        if (hi < 0xD800 || hi > 0xDBFF) {
            continue;
        }
        long lo = i + 11 <= len && s[i + 5] == '\\' && s[i + 6] == 'u'
                      ? hex4(s + i + 7)
                      : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return j + run - 1;
        }
        i += 11;
    }
    return SIZE_MAX;
}

#define LONE_SURROGATE "not valid UTF-8 (a \\u escape of a lone surrogate)"

/* True when the string token yajl has just read holds the lone surrogate
 * at b->lone_at; the search then moves past it. */
static inline bool lone_here(binder *b)
{
    if (b->lone_at == SIZE_MAX) {
        return false;
    }
    size_t end = yajl_get_bytes_consumed(b->h);
    if (end <= b->lone_at) {
        return false;
    }
    b->lone_at = next_lone_surrogate(b->json, b->json_len, end);
    return true;
}

/* on_string for a string holding a lone surrogate: the error any invalid
 * UTF-8 in a string gets, where that string is used. */
static COLD int lone_string(binder *b)
{
    if (b->at_key && b->depth == 1) {
        b->at_key = false;
        b->key_seen = true;
        b->key_problem = arena_strndup(b->a, LONE_SURROGATE,
                                       strlen(LONE_SURROGATE));
        if (!b->key_problem) {
            b->nomem = true;
        }
    }
    if (b->depth == 0) {
        b->top = TOP_OTHER;
        return !b->nomem;
    }
    if (!binding(b) || b->skip_next) {
        b->skip_next = false;
        return !b->nomem;
    }
    fail(b, LONE_SURROGATE);
    bad_scalar(b); /* as scalar_event after a failed scalar */
    return !b->nomem;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    binder *b = ctx;
    if (__builtin_expect(lone_here(b), 0)) {
        return lone_string(b);
    }
    return scalar_event(b, J_STRING, (const char *)s, len, false);
}

static bool push_record(binder *b, uint16_t rec)
{
    const bc_record *r = &b->prog->records[rec];
    val_record *vr =
        arena_alloc(b->a, sizeof *vr + (size_t)r->nfields * sizeof(value));
    if (!vr) {
        b->nomem = true;
        return false;
    }
    vr->type = rec;
    vr->count = r->nfields;
    /* Only the kind marks a slot unset: the rest is never read unless the
     * slot is bound, and a record with an unset slot is never delivered. */
    for (uint32_t i = 0; i < r->nfields; i++) {
        vr->fields[i].kind = SLOT_UNSET;
    }
    frame *f = &b->frames[b->depth];
    f->kind = FR_RECORD;
    f->type = rec;
    f->field = r->nfields ? r->nfields - 1u : 0; /* first guess: field 0 */
    f->expect = r->nfields ? bc_record_field(b->prog, r, f->field)->type : 0;
    f->count = 0;
    f->base = b->nscratch; /* records use no scratch: kept as it is */
    f->rec = vr;
    f->fields = r->nfields ? bc_record_field(b->prog, r, 0) : NULL;
    return true;
}

static int start_container(binder *b, bool is_map)
{
    if (b->depth == 1 && b->at_key) {
        b->at_key = false;
        b->key_seen = true; /* not a string */
    }
    if (b->depth == 0) {
        b->top = is_map ? TOP_OBJECT : TOP_OTHER;
        if (!is_map) {
            b->failed = true; /* reported as "not a JSON object" */
        } else if (!push_record(b, b->record)) {
            return 0;
        }
        b->depth++;
        return 1;
    }
    if (!binding(b) || b->skip_next) {
        if (binding(b)) {
            b->skip_base = b->depth; /* an unknown key's value */
        }
        b->skip_next = false;
        b->depth++;
        return 1;
    }
    if (b->depth >= DATA_MAX_DEPTH) {
        fail_stop(b, b->depth, "nesting too deep");
        b->depth++;
        return !b->nomem;
    }
    uint16_t t = expected_type(b);
    const bc_type *ty = type_at(b, t);
    while (ty->kind == BT_OPTIONAL) {
        t = ty->ref;
        ty = type_at(b, t);
    }
    frame *f = &b->frames[b->depth];
    if (is_map && ty->kind == BT_RECORD) {
        if (!push_record(b, ty->ref)) {
            return 0;
        }
    } else if (is_map && ty->kind == BT_MONEY && !amounts_as_text(b)) {
        /* OCDS writes an amount as {"amount": 1.5, "currency": "GBP"} */
        f->kind = FR_MONEY;
        f->type = t;
        f->expect = expected_type(b); /* optional money: a null amount is none */
        f->field = MONEY_OTHER;
        f->count = 0;
        f->base = b->nscratch;
        f->key = f->cur = val_none();
    } else if (is_map && ty->kind == BT_MAP) {
        f->kind = FR_MAP;
        f->type = f->expect = ty->ref;
        f->count = 0;
        f->base = b->nscratch;
        f->key = val_none();
    } else if (!is_map && ty->kind == BT_LIST) {
        const frame *up = &b->frames[b->depth - 1];
        f->kind = FR_LIST;
        f->type = f->expect = ty->ref;
        f->count = 0;
        f->base = b->nscratch;
        f->unique = BC_NONE_U16;
        if (up->kind == FR_RECORD) {
            const bc_record *r = &b->prog->records[up->type];
            f->unique = bc_record_field(b->prog, r, up->field)->unique_key;
        }
    } else {
        fail(b, type_problem((bc_type_kind)ty->kind));
        if (binding(b)) {
            /* all errors: skip the contents, none in its place */
            b->skip_base = b->depth;
            b->skip_fill = true;
        }
    }
    b->depth++;
    return !b->nomem;
}

static int on_start_map(void *ctx)
{
    return start_container(ctx, true);
}

static int on_start_array(void *ctx)
{
    return start_container(ctx, false);
}

/* The error for a map key that cannot be text, [problem] saying why.  It
 * cannot name its entry in a path either: the map as a whole is at fault. */
static COLD int bad_map_key(binder *b, const char *problem)
{
    char msg[96];
    snprintf(msg, sizeof msg, "a key is %s", problem);
    fail_stop(b, b->depth - 1, msg);
    return !b->nomem;
}

/* on_map_key in a map: the key of the entry that comes next. */
static __attribute__((noinline)) int map_key(binder *b, frame *f, const char *s,
                                             size_t len)
{
    char buf[64];
    const char *problem = text_problem(s, len, buf);
    if (problem) {
        return bad_map_key(b, problem);
    }
    keep_text(b, s, len, &f->key);
    return !b->nomem;
}

/* The index of the field of the record in [f] named [s], looking at the
 * fields after [i] in turn (wrapping around, [i] itself last), or the
 * number of fields if none is named so. */
static __attribute__((noinline)) uint32_t find_field(const binder *b,
                                                     const frame *f, uint32_t i,
                                                     const char *s, size_t len)
{
    uint32_t n = f->rec->count;
    for (uint32_t j = 0; j < n; j++) {
        i = i + 1 < n ? i + 1 : 0;
        const bc_str *name = str_at(b, f->fields[i].json);
        if (name->len == len && same_bytes(name->p, s, len)) {
            return i;
        }
    }
    return n;
}

/* on_map_key in an amount object: "amount" and "currency" are read
 * (each once), anything else skipped. */
static COLD int money_key(binder *b, frame *f, const char *s, size_t len)
{
    uint32_t m = len == 6 && memcmp(s, "amount", 6) == 0     ? MONEY_AMOUNT
                 : len == 8 && memcmp(s, "currency", 8) == 0 ? MONEY_CURRENCY
                                                             : MONEY_OTHER;
    f->field = m;
    if (m == MONEY_OTHER) {
        b->skip_next = true;
        return 1;
    }
    if (f->count & (1u << m)) {
        fail(b, "duplicate key");
    }
    f->count |= 1u << m;
    return !b->nomem;
}

/* on_map_key in general: any depth, container, or state. */
static __attribute__((noinline)) int map_key_general(binder *b, const char *s,
                                                     size_t len)
{
    if (b->depth == 1) {
        b->at_key = b->keyjson && !b->key_seen && len == b->keyjson_len &&
                    same_bytes(s, b->keyjson, len);
    }
    if (!binding(b)) {
        return 1;
    }
    frame *f = &b->frames[b->depth - 1];
    if (f->kind == FR_MAP) {
        return map_key(b, f, s, len);
    }
    if (f->kind == FR_MONEY) {
        return money_key(b, f, s, len);
    }
    /* FR_RECORD: data usually come in declaration order, so try the
     * field after the last one first. */
    uint32_t n = f->rec->count;
    if (n == 0) {
        b->skip_next = true;
        return 1;
    }
    uint32_t i = f->field + 1 < n ? f->field + 1 : 0;
    const bc_str *name = str_at(b, f->fields[i].json);
    if (name->len != len || !same_bytes(name->p, s, len)) {
        i = find_field(b, f, i, s, len);
        if (i == n) {
            b->skip_next = true; /* unknown keys are skipped whatever they
                                    hold */
            return 1;
        }
    }
    f->field = i;
    f->expect = f->fields[i].type;
    if (f->rec->fields[i].kind != SLOT_UNSET) {
        fail(b, "duplicate key");
    }
    return !b->nomem;
}

/* Most keys name the field after the last one bound, in a record below
 * the top level.  That case is handled here with no call but a tail call
 * to map_key_general for the rest, so that it needs no callee-saved
 * registers: the save and restore would cost as much as the work. */
/* on_map_key while the record holds a lone surrogate escape not yet
 * passed (rare, so out of the common path): a key holding it fails the
 * object it is in; any other key goes the general way. */
static COLD int lone_key(binder *b, const char *s, size_t len)
{
    if (!lone_here(b)) {
        return map_key_general(b, s, len);
    }
    if (binding(b)) {
        long depth = b->depth;
        bad_map_key(b, LONE_SURROGATE);
        if (depth == 1 && b->failed && b->nerr == 1) {
            b->err_path = NULL; /* a key of the record itself */
        }
    }
    return !b->nomem;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    binder *b = ctx;
    const char *s = (const char *)k;
    long depth = b->depth;
    if (__builtin_expect(b->lone_at != SIZE_MAX, 0)) {
        return lone_key(b, s, len);
    }
    /* depth 1 may hold the key member; names past 16 bytes need memcmp */
    if (depth > 1 && len <= 16 && binding(b)) {
        frame *f = &b->frames[depth - 1];
        uint32_t n = f->kind == FR_RECORD ? f->rec->count : 0;
        uint32_t i = f->field + 1 < n ? f->field + 1 : 0;
        if (n != 0) {
            const bc_field *fd = &f->fields[i];
            const bc_str *name = str_at(b, fd->json);
            if (name->len == len && same_bytes(name->p, s, len) &&
                f->rec->fields[i].kind == SLOT_UNSET) {
                f->field = i;
                f->expect = fd->type;
                return !b->nomem;
            }
        }
    }
    return map_key_general(b, s, len);
}

/* val_equal for the usual keys, texts, without a call.  (Keys of other
 * kinds go to val_equal, the one definition of equal values: enum
 * members of two enum types are different keys.) */
static inline bool same_key(const value *x, const value *y)
{
    if (x->kind == VAL_TEXT && y->kind == VAL_TEXT) {
        return x->len == y->len && same_bytes(x->as.s, y->as.s, x->len);
    }
    return val_equal(x, y);
}

static uint32_t hash_value(const value *v)
{
    uint64_t h = 1469598103934665603u ^ v->kind;
    switch ((val_kind)v->kind) {
    case VAL_TEXT:
        for (uint32_t i = 0; i < v->len; i++) {
            h = (h ^ (unsigned char)v->as.s[i]) * 1099511628211u;
        }
        break;
    case VAL_BOOL: h ^= v->as.b; break;
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
    case VAL_ENUM: h = (h ^ (uint64_t)v->as.i) * 1099511628211u; break;
    case VAL_DATETIME:
        h = (h ^ (uint64_t)v->as.t.sec) * 1099511628211u;
        h = (h ^ (uint64_t)v->as.t.nsec) * 1099511628211u;
        break;
    case VAL_DEC: /* canonical when inline; big ones share a bucket */
        if (!DEC_IS_BIG(v->as.d)) {
            h = (h ^ (uint64_t)v->as.d.u.n) * 1099511628211u;
            h = (h ^ v->as.d.d) * 1099511628211u;
        }
        break;
    case VAL_NONE:
    case VAL_RECORD:
    case VAL_LIST:
    case VAL_MAP:
    case VAL_ERROR:
    case VAL_KIND_COUNT: break; /* not key kinds: one bucket, and
                                   val_equal decides */
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* A word equal values share and unequal ones rarely do, cheaper than
 * hash_value for short texts: first_duplicate compares these first. */
static inline uint64_t key_print(const value *v)
{
    if (v->kind != VAL_TEXT) {
        return hash_value(v);
    }
    const char *s = v->as.s;
    uint64_t len = v->len, w = len << 32;
    if (len >= 8) {
        uint64_t lo, hi;
        memcpy(&lo, s, 8);
        memcpy(&hi, s + len - 8, 8);
        return lo ^ (hi << 1 | hi >> 63) ^ len;
    }
    if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + len - 4, 4);
        return ((uint64_t)hi << 32 | lo) ^ len;
    }
    for (size_t i = 0; i < len; i++) {
        w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    }
    return w;
}

/* Returns the index of the first of the [n] values [vals] (or, unless
 * [field] is BC_NONE_U16, of their field [field]) that equals an earlier
 * one; -1 if none, -2 out of memory. */
static long first_duplicate(binder *b, const value *vals, size_t n,
                            uint16_t field)
{
#define KEY_AT(i) (field == BC_NONE_U16 ? &vals[i] \
                   : &vals[i].as.r->fields[field])
    if (n <= UNIQUE_PAIRWISE_MAX) {
        uint64_t print[UNIQUE_PAIRWISE_MAX];
        for (size_t j = 0; j < n; j++) {
            print[j] = key_print(KEY_AT(j));
            for (size_t i = 0; i < j; i++) {
                if (print[i] == print[j] && same_key(KEY_AT(i), KEY_AT(j))) {
                    return (long)j;
                }
            }
        }
        return -1;
    }
    size_t cap = 16;
    while (cap < 2 * n) {
        cap *= 2;
    }
    if (cap > b->slots_cap) {
        uint32_t *p = mem_realloc(b->mem, b->slots,
                                  b->slots_cap * sizeof *p, cap * sizeof *p);
        if (!p) {
            b->nomem = true;
            return -2;
        }
        b->slots = p;
        b->slots_cap = cap;
    }
    /* Slot holds element index + 1; 0 is empty. */
    memset(b->slots, 0, cap * sizeof *b->slots);
    for (size_t j = 0; j < n; j++) {
        const value *kj = KEY_AT(j);
        size_t s = hash_value(kj) & (cap - 1);
        while (b->slots[s]) {
            if (same_key(KEY_AT(b->slots[s] - 1), kj)) {
                return (long)j;
            }
            s = (s + 1) & (cap - 1);
        }
        b->slots[s] = (uint32_t)(j + 1);
    }
    return -1;
#undef KEY_AT
}

/* Appends [v] to b->sb for a message: texts quoted, numbers plain. */
static void put_key_value(binder *b, const value *v)
{
    switch ((val_kind)v->kind) {
    case VAL_TEXT: {
        size_t len = v->len > MSG_VALUE_MAX ? MSG_VALUE_MAX : v->len;
        sb_put_json_string(&b->sb, v->as.s, len);
        break;
    }
    case VAL_INT: sb_printf(&b->sb, "%lld", (long long)v->as.i); break;
    case VAL_ENUM: {
        const bc_enum *en = &b->prog->enums[v->type];
        const bc_str *m =
            str_at(b, b->prog->members[en->first_member + v->as.i].json);
        sb_put_json_string(&b->sb, m->p, m->len);
        break;
    }
    case VAL_DEC: dec_format(&v->as.d, &b->sb); break;
    case VAL_NONE:
    case VAL_BOOL:
    case VAL_DATE:
    case VAL_DATETIME:
    case VAL_DURATION:
    case VAL_RECORD:
    case VAL_LIST:
    case VAL_MAP:
    case VAL_ERROR:
    case VAL_KIND_COUNT: sb_puts(&b->sb, "value"); break;
    }
}

/* Checks a finished list of records for a repeated unique key. */
static bool check_unique(binder *b, frame *f, const value *items)
{
    const bc_type *et = type_at(b, f->type);
    while (et->kind == BT_OPTIONAL) {
        et = type_at(b, et->ref);
    }
    if (f->unique == BC_NONE_U16 || et->kind != BT_RECORD) {
        return true;
    }
    const bc_record *r = &b->prog->records[et->ref];
    if (f->unique >= r->nfields) {
        return true; /* the verifier rejects such programs */
    }
    for (uint32_t i = 0; i < f->count; i++) {
        if (items[i].kind != VAL_RECORD) {
            return true; /* optional elements: not checked */
        }
    }
    long j = first_duplicate(b, items, f->count, f->unique);
    if (j == -2) {
        return false;
    }
    if (j < 0) {
        return true;
    }
    const bc_str *kj = str_at(b, bc_record_field(b->prog, r, f->unique)->json);
    sb_clear(&b->sb);
    sb_puts(&b->sb, "duplicate ");
    sb_put(&b->sb, kj->p, kj->len);
    sb_putc(&b->sb, ' ');
    put_key_value(b, &items[j].as.r->fields[f->unique]);
    const char *msg = sb_to_arena(b);
    if (!msg) {
        return false;
    }
    f->count = (uint32_t)j;
    return fail_path(b, b->depth, kj->p, msg, false);
}

/* The value of the amount object in [f] (at the top), in *v: its amount
 * when its currency is absent, null or the money type's own (GBP); none
 * when the amount is absent or null and the field is optional.  Money
 * read from data has no currency of its own yet (value.h: it is the
 * type's), so an amount in another currency is refused, never taken for
 * pounds.  False (the error recorded) otherwise. */
static COLD bool money_end(binder *b, frame *f, value *v)
{
    const bc_type *ty = type_at(b, f->type);
    const bc_str *want = str_at(b, ty->currency);
    f->field = MONEY_OTHER; /* errors name the amount object itself */
    if (money_dyn(b, ty)) {
        /* money in currency: any ISO 4217-shaped code, kept in the
         * value; absent or null is GBP */
        uint16_t c = f->cur.kind == VAL_TEXT
                         ? val_cur_pack(f->cur.as.s, f->cur.len)
                         : val_cur_pack("GBP", 3);
        if (c == VAL_CUR_NONE) {
            strbuf q;
            sb_init(&q, b->mem);
            sb_puts(&q, "currency ");
            sb_put_json_string(&q, f->cur.as.s,
                               f->cur.len > MSG_VALUE_MAX ? MSG_VALUE_MAX
                                                          : f->cur.len);
            sb_puts(&q, " is not a currency code (three capital letters, ISO 4217)");
            if (q.failed) {
                sb_free(&q);
                b->nomem = true;
                return false;
            }
            fail_path(b, b->depth - 1, NULL, q.p, false);
            sb_free(&q);
            return false;
        }
        if (f->key.kind == VAL_DEC) {
            f->key.type = c;
        }
    } else if (f->cur.kind == VAL_TEXT &&
        !(f->cur.len == want->len && memcmp(f->cur.as.s, want->p, want->len) == 0)) {
        strbuf q;
        sb_init(&q, b->mem);
        sb_puts(&q, "an amount in ");
        sb_put_json_string(&q, f->cur.as.s,
                           f->cur.len > MSG_VALUE_MAX ? MSG_VALUE_MAX
                                                      : f->cur.len);
        sb_printf(&q, " cannot be read as money in %.*s", (int)want->len,
                  want->p);
        if (q.failed) {
            sb_free(&q);
            b->nomem = true;
            return false;
        }
        fail_path(b, b->depth - 1, NULL, q.p, false);
        sb_free(&q);
        return false;
    }
    if (f->key.kind == VAL_DEC) {
        *v = f->key;
        return true;
    }
    const frame *up = &b->frames[b->depth - 2];
    if (type_at(b, up->expect)->kind == BT_OPTIONAL) {
        *v = val_none();
        return true;
    }
    if (f->count & (1u << MONEY_AMOUNT)) {
        f->field = MONEY_AMOUNT;
        return fail(b, "not a decimal string"); /* null */
    }
    f->field = MONEY_AMOUNT;
    return fail(b, "missing");
}

/* Closes the container at the top of the stack. */
static int end_container(binder *b)
{
    if (b->depth == 0) {
        return 1; /* yajl never does this */
    }
    if (!binding(b) || b->depth > DATA_MAX_DEPTH) {
        b->depth--;
        if (b->skip_base == b->depth) {
            b->skip_base = -1;
            if (b->skip_fill) {
                b->skip_fill = false;
                if (binding(b)) {
                    deliver(b, val_none()); /* for the bad container */
                }
            }
        }
        return !b->nomem;
    }
    frame *f = &b->frames[b->depth - 1];
    value v = {0};
    bool ok = true;
    switch ((frame_kind)f->kind) {
    case FR_RECORD: {
        const bc_record *r = &b->prog->records[f->type];
        /* Each field is bound at most once (a second is a duplicate key),
         * so a full count means none is missing.  An optional field whose
         * key is absent is none, as if it were null (output leaves such a
         * field out with 'omitted when none', so what it writes reads
         * back); any other absent field is missing. */
        for (uint32_t i = 0; f->count < r->nfields && i < r->nfields; i++) {
            if (f->rec->fields[i].kind == SLOT_UNSET) {
                if (type_at(b, f->fields[i].type)->kind == BT_OPTIONAL) {
                    f->rec->fields[i] = val_none();
                    continue;
                }
                f->field = i;
                ok = fail(b, "missing");
                if (!binding(b)) {
                    break;
                }
            }
        }
        v.kind = VAL_RECORD;
        v.type = f->type;
        v.as.r = f->rec;
        break;
    }
    case FR_LIST: {
        val_list *l = arena_alloc(b->a, sizeof *l);
        value *items = arena_alloc(b->a, (size_t)f->count * sizeof *items);
        if (!l || !items) {
            b->nomem = true;
            return 0;
        }
        if (f->count) {
            memcpy(items, b->scratch + f->base,
                   (size_t)f->count * sizeof *items);
        }
        l->count = l->cap = f->count;
        l->items = items;
        ok = check_unique(b, f, items);
        v.kind = VAL_LIST;
        v.as.l = l;
        break;
    }
    case FR_MAP: {
        val_map *m = arena_alloc(b->a, sizeof *m);
        value *keys = arena_alloc(b->a, (size_t)f->count * sizeof *keys);
        value *vals = arena_alloc(b->a, (size_t)f->count * sizeof *vals);
        if (!m || !keys || !vals) {
            b->nomem = true;
            return 0;
        }
        /* scratch is NULL until a value is held: empty containers read none */
        const value *src = f->count ? b->scratch + f->base : NULL;
        for (uint32_t i = 0; i < f->count; i++) {
            keys[i] = src[(size_t)2 * i];
            vals[i] = src[(size_t)2 * i + 1];
        }
        m->count = f->count;
        m->keys = keys;
        m->vals = vals;
        long j = first_duplicate(b, keys, f->count, BC_NONE_U16);
        if (j == -2) {
            return 0;
        }
        if (j >= 0) {
            f->key = keys[j];
            ok = fail_stop(b, b->depth, "duplicate key");
        }
        v.kind = VAL_MAP;
        v.as.m = m;
        break;
    }
    case FR_MONEY:
        ok = money_end(b, f, &v);
        break;
    case FR_KIND_COUNT:
        break;
    }
    if (b->nomem) {
        return 0;
    }
    if (ok) {
        b->nscratch = f->base;
    }
    b->depth--;
    if (!ok) {
        if (b->skip_base == b->depth) {
            b->skip_base = -1; /* the bad map entry was this container */
        } else if (binding(b)) {
            /* all errors: the rejected container's place holds none */
            b->nscratch = f->base;
            deliver(b, val_none());
        }
        return !b->nomem;
    }
    deliver(b, v);
    return !b->nomem;
}

static int on_end(void *ctx)
{
    return end_container(ctx);
}

static const yajl_callbacks callbacks = {
    on_null,      on_boolean,  NULL,   NULL,           on_number, on_string,
    on_start_map, on_map_key,  on_end, on_start_array, on_end,
};

/* Resets [b] for one record of type [record] bound into [a]. */
static void binder_start(binder *b, uint16_t record, arena *a)
{
    b->a = a;
    b->record = record;
    b->keyjson = NULL;
    b->keyjson_len = 0;
    const bc_program *p = b->prog;
    if (record == p->input_record && p->key_field != BC_NONE_U16) {
        const bc_record *r = &p->records[record];
        const bc_str *s = str_at(b, bc_record_field(p, r, p->key_field)->json);
        b->keyjson = s->p;
        b->keyjson_len = s->len;
    }
    b->at_key = b->key_seen = b->key_ok = false;
    b->key = val_none();
    b->key_problem = NULL;
    b->depth = 0;
    b->top = TOP_NONE;
    b->skip_base = -1;
    b->skip_next = b->failed = b->nomem = b->skip_fill = false;
    b->err_path = b->err_msg = NULL;
    b->nerr = 0;
    b->more = NULL;
    b->result = val_none();
    b->nscratch = 0;
}

/* Sets a record-level error (no path, no key). */
static rt_status record_error(binder *b, data_error *err, const char *msg)
{
    err->key = val_none();
    err->path = NULL;
    err->msg = arena_strndup(b->a, msg, strlen(msg));
    return err->msg ? RT_EDATA : RT_ENOMEM;
}

/* yajl's own memory for a text of [len] bytes: the handle, lexer and
 * decode buffers (each at most the text's size) and one byte per level.
 * A record whose parse cannot fit under the cap is refused before it
 * starts; a request refused mid-parse is handled too (see ya_realloc). */
static size_t yajl_need(size_t len)
{
    return 2 * len + 8192;
}

rt_status data_binder_bind(binder *b, uint16_t record, const char *json,
                        size_t len, long line, arena *a, value *out,
                        data_error *err)
{
    memset(err, 0, sizeof *err);
    err->line = line;
    err->key = val_none();
    if (len > DATA_MAX_RECORD) {
        char msg[64];
        snprintf(msg, sizeof msg, "record longer than %zu bytes",
                 DATA_MAX_RECORD);
        b->a = a;
        return record_error(b, err, msg);
    }
    if (b->mem && b->mem->cap &&
        (b->mem->live > b->mem->cap ||
         b->mem->cap - b->mem->live < yajl_need(len))) {
        b->mem->hit_cap = true; /* the cap's refusal, as mem_realloc's */
        return RT_ENOMEM;
    }
    binder_start(b, record, a);
    /* b->ya lives outside this frame, so it keeps its value across the
     * longjmp; nothing local is changed between setjmp and the jump. */
    jmp_buf escape;
    b->ya.mem = b->mem;
    b->ya.live = NULL;
    b->ya.escape = NULL;
    if (setjmp(escape) != 0) {
        b->ya.escape = NULL;
        ya_free_all(&b->ya);
        return RT_ENOMEM;
    }
    b->ya.escape = &escape;
    yajl_alloc_funcs afs = {ya_malloc, ya_realloc, ya_free, &b->ya};
    yajl_handle h = yajl_alloc(&callbacks, &afs, b);
    yajl_status st = yajl_status_error;
    b->h = h;
    b->json = json;
    b->json_len = len;
    b->lone_at = next_lone_surrogate(json, len, 0);
    if (h) {
        st = yajl_parse(h, (const unsigned char *)json, len);
        if (st == yajl_status_ok) {
            /* A newline ends any token still open.  Without it yajl takes
             * an unterminated string or literal after a complete value
             * ({...}"abc) for a token yet to arrive, and the record with
             * its trailing garbage would be accepted. */
            st = yajl_parse(h, (const unsigned char *)"\n", 1);
        }
        if (st == yajl_status_ok) {
            st = yajl_complete_parse(h);
        }
        yajl_free(h);
    }
    b->ya.escape = NULL;
    ya_free_all(&b->ya); /* nothing, unless yajl leaks */
    if (!h || b->nomem) {
        return RT_ENOMEM;
    }
    if (st != yajl_status_ok) {
        return record_error(b, err, "not valid JSON");
    }
    if (b->top != TOP_OBJECT) {
        return record_error(b, err, "not a JSON object");
    }
    if (b->keyjson && !b->key_ok) {
        sb_clear(&b->sb);
        sb_put(&b->sb, b->keyjson, b->keyjson_len);
        if (b->key_problem) {
            sb_puts(&b->sb, ": ");
            sb_puts(&b->sb, b->key_problem);
        } else {
            sb_puts(&b->sb, " missing or not a string");
        }
        const char *msg = sb_to_arena(b);
        return msg ? record_error(b, err, msg) : RT_ENOMEM;
    }
    if (b->nerr > 0) {
        err->key = b->key;
        err->path = b->err_path;
        err->msg = b->err_msg;
        uint32_t kept = b->nerr < DATA_MAX_ERRORS ? b->nerr : DATA_MAX_ERRORS;
        err->more = b->nerr > 1 ? b->more : NULL;
        err->nmore = kept - 1;
        err->unshown = b->nerr - kept;
        return RT_EDATA;
    }
    *out = b->result;
    return RT_OK;
}

binder *data_binder_new(mem_ctx *mem, const bc_program *prog)
{
    binder *b = mem_alloc(mem, sizeof *b);
    if (b) {
        binder_init(b, mem, prog);
    }
    return b;
}

void data_binder_all_errors(binder *b, bool on)
{
    b->all_errors = on;
}

void data_binder_free(binder *b)
{
    if (b) {
        mem_ctx *mem = b->mem;
        binder_free(b);
        mem_free(mem, b, sizeof *b);
    }
}

rt_status data_bind_json(const bc_program *prog, uint16_t record,
                         const char *json, size_t len, long line, arena *a,
                         value *out, data_error *err)
{
    return data_bind_json_errors(prog, record, json, len, line, false, a, out,
                                 err);
}

rt_status data_bind_json_errors(const bc_program *prog, uint16_t record,
                                const char *json, size_t len, long line,
                                bool all_errors, arena *a, value *out,
                                data_error *err)
{
    memset(err, 0, sizeof *err);
    err->line = line;
    err->key = val_none();
    binder *b = data_binder_new(a->mem, prog);
    if (!b) {
        return data_finish(RT_ENOMEM, err);
    }
    b->all_errors = all_errors;
    rt_status st = data_binder_bind(b, record, json, len, line, a, out, err);
    data_binder_free(b);
    return data_finish(st, err);
}
