/* runtime/data_read.c - the reader: a stream of records, framed.
 *
 * Reads JSON Lines a line at a time, or a JSON array an element at a
 * time, from a stdio stream; decides which for DATA_AUTO (data_sniff);
 * drops a byte order mark, skips blank lines, numbers records; and hands
 * each record's text to the binder (data_bind.c).  It owns only a read
 * block and one record's text, so memory stays flat however large the
 * input.  Every line or element it frames is one record, good or bad:
 * nothing is dropped or merged, whatever the bytes.
 */
#include "data_bind.h"
#include "tally_assert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

/* Bytes read from the stream at a time: large enough that fread's cost
 * vanishes, small enough to stay in L2. */
#define READ_BLOCK 65536

typedef enum arr_state {
    ARR_OPEN,  /* before '[' */
    ARR_FIRST, /* after '[': an element or ']' */
    ARR_NEXT,  /* after ',': an element */
    ARR_TAIL,  /* after ']': only white space may follow */
    ARR_UNCLOSED, /* input ended inside the array after an element */
    ARR_DONE
} arr_state;

/* Components a JSON pointer of --records-at may have; keys longer than
 * WRAP_KEY_MAX bytes never match one. */
#define WRAP_MAX_COMPONENTS 16
#define WRAP_KEY_MAX 256

typedef struct wrap_path {
    char *comp[WRAP_MAX_COMPONENTS]; /* owned, unescaped keys */
    size_t len[WRAP_MAX_COMPONENTS];
    int n;
    bool compiled; /* each element's "compiledRelease" is the record */
    char *text;    /* owned: the pointer as written, for messages */
} wrap_path;

typedef enum wrap_state {
    W_TOP,   /* before a top-level value */
    W_ELEMS, /* inside the records' array, before an element */
    W_REST,  /* after it: the enclosing objects' rest is skipped */
    W_RESYNC, /* after bad JSON: on at the next line starting with '{' */
    W_UNCLOSED, /* the input ended inside the array, after an element */
    W_DONE
} wrap_state;

typedef struct csv_state csv_state;

struct data_reader {
    mem_ctx *mem;           /* borrowed */
    const bc_program *prog; /* borrowed */
    FILE *in;               /* borrowed */
    const char *in_name;    /* borrowed, may be NULL */
    uint8_t fmt;            /* data_format; AUTO until the first byte */
    bool started;           /* the BOM check and AUTO detection are done */
    bool eof;               /* the stream is exhausted */
    bool io_error;          /* a read failed: report once, then EOF */
    int read_errno;         /* errno of that failure */
    uint8_t arr;            /* arr_state */
    long line;              /* JSONL: lines consumed; array: elements */
    char *blk;              /* the bytes being read: own_blk, or while
                               replaying, held.p */
    char *own_blk;          /* owned, READ_BLOCK bytes */
    strbuf held;            /* bytes read to decide DATA_AUTO, read
                               again from the start once it is decided */
    size_t blk_len;         /* bytes valid in blk */
    size_t blk_pos;         /* next unread byte */
    strbuf text;            /* the record's text when it spans blocks */
    bool elem_too_long;     /* array: the element in hand passed
                               DATA_MAX_RECORD; its text is dropped */
    binder *b;              /* owned */
    /* DATA_WRAPPED: where the records are (see "wrapped records") */
    wrap_path paths[2];     /* the arrays to look for; owned */
    int npaths;
    bool ocds;              /* an object with none of them is a record */
    uint8_t wrap;           /* wrap_state */
    int wpath;              /* the path matched in the object in hand */
    long wdepth;            /* W_REST: containers still to close */
    bool holding;           /* the top-level object's text is kept in
                               r->text: it may be a record itself */
    bool held_too_long;     /* ... and it passed DATA_MAX_RECORD */
    char last;              /* the byte take() consumed last */
    /* DATA_CSV (see "CSV") */
    csv_state *csv;         /* owned, NULL until the first record */
};

data_format data_reader_format(const data_reader *r)
{
    return (data_format)r->fmt;
}

data_reader *data_reader_new(mem_ctx *mem, const bc_program *prog, FILE *in,
                             data_format fmt, const char *in_name)
{
    data_reader *r = mem_alloc(mem, sizeof *r);
    if (!r) {
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->own_blk = mem_alloc(mem, READ_BLOCK);
    if (!r->own_blk) {
        mem_free(mem, r, sizeof *r);
        return NULL;
    }
    r->blk = r->own_blk;
    sb_init(&r->held, mem);
    r->mem = mem;
    r->prog = prog;
    r->in = in;
    r->in_name = in_name;
    r->fmt = (uint8_t)fmt;
    r->arr = ARR_OPEN;
    sb_init(&r->text, mem);
    r->b = data_binder_new(mem, prog);
    if (!r->b) {
        sb_free(&r->held);
        mem_free(mem, r->own_blk, READ_BLOCK);
        mem_free(mem, r, sizeof *r);
        return NULL;
    }
    return r;
}

static void wrap_path_free(mem_ctx *mem, wrap_path *w)
{
    for (int i = 0; i < w->n; i++) {
        mem_free(mem, w->comp[i], w->len[i] + 1);
    }
    if (w->text) {
        mem_free(mem, w->text, strlen(w->text) + 1);
    }
    memset(w, 0, sizeof *w);
}

/* Parses JSON pointer [pointer] into [w]; false if it is not "/key..."
 * (at most WRAP_MAX_COMPONENTS keys, ~ only as ~0 or ~1) or out of
 * memory, [w] then empty. */
static bool wrap_path_parse(mem_ctx *mem, const char *pointer, wrap_path *w)
{
    memset(w, 0, sizeof *w);
    if (pointer[0] != '/') {
        return false;
    }
    w->text = mem_strndup(mem, pointer, strlen(pointer));
    if (!w->text) {
        return false;
    }
    const char *p = pointer;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (w->n == WRAP_MAX_COMPONENTS) {
            wrap_path_free(mem, w);
            return false;
        }
        char *c = mem_alloc(mem, n + 1);
        if (!c) {
            wrap_path_free(mem, w);
            return false;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] != '~') {
                c[k++] = p[i];
            } else if (i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
                c[k++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                mem_free(mem, c, n + 1);
                wrap_path_free(mem, w);
                return false;
            }
        }
        c[k] = '\0';
        w->comp[w->n] = c;
        w->len[w->n] = k;
        w->n++;
        /* the allocation is n + 1 bytes: free it by that size */
        if (k != n) {
            char *exact = mem_strndup(mem, c, k);
            mem_free(mem, c, n + 1);
            if (!exact) {
                w->n--;
                wrap_path_free(mem, w);
                return false;
            }
            w->comp[w->n - 1] = exact;
        }
        p += n;
    }
    return *p == '\0';
}

bool data_reader_records_at(data_reader *r, const char *pointer)
{
    wrap_path w;
    if (r->started || r->npaths || !wrap_path_parse(r->mem, pointer, &w)) {
        return false;
    }
    r->paths[0] = w;
    r->npaths = 1;
    return true;
}

static bool set_ocds(data_reader *r)
{
    if (!wrap_path_parse(r->mem, "/releases", &r->paths[0])) {
        return false;
    }
    r->npaths = 1;
    if (!wrap_path_parse(r->mem, "/records", &r->paths[1])) {
        return false; /* data_reader_free frees paths[0] */
    }
    r->paths[1].compiled = true;
    r->npaths = 2;
    r->ocds = true;
    return true;
}

bool data_reader_ocds(data_reader *r)
{
    return !r->started && !r->npaths && set_ocds(r);
}

static void csv_state_free(data_reader *r);

void data_reader_all_errors(data_reader *r)
{
    data_binder_all_errors(r->b, true);
}

void data_reader_free(data_reader *r)
{
    if (!r) {
        return;
    }
    csv_state_free(r);
    for (int i = 0; i < r->npaths; i++) {
        wrap_path_free(r->mem, &r->paths[i]);
    }
    data_binder_free(r->b);
    sb_free(&r->text);
    sb_free(&r->held);
    mem_free(r->mem, r->own_blk, READ_BLOCK);
    mem_free(r->mem, r, sizeof *r);
}

/* Makes unread bytes available; false at end of input or on error. */
static bool refill(data_reader *r)
{
    if (r->blk_pos < r->blk_len) {
        return true;
    }
    if (r->blk != r->own_blk) { /* the held bytes are read again: done */
        sb_free(&r->held);
        r->blk = r->own_blk;
        r->blk_len = r->blk_pos = 0;
    }
    if (r->eof) {
        return false;
    }
    r->blk_pos = 0;
    r->blk_len = fread(r->blk, 1, READ_BLOCK, r->in);
    if (r->blk_len == 0) {
        r->eof = true;
        r->io_error = ferror(r->in) != 0;
        r->read_errno = errno;
        return false;
    }
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_space(s[i])) {
            return false;
        }
    }
    return true;
}

/* ---- DATA_AUTO ------------------------------------------------------ */

enum {
    SNIFF_BOM,   /* inside the first three bytes, which may be a BOM */
    SNIFF_SPACE, /* white space before the first value */
    SNIFF_ARRAY, /* inside the first value, an array, on its first line */
    SNIFF_LINE,  /* after it closed, on the same line */
    SNIFF_AFTER, /* on later lines: is there anything but white space? */
    SNIFF_OBJECT /* after a first '{': is the rest of its line blank? */
};

void data_sniff_init(data_sniffer *sn)
{
    memset(sn, 0, sizeof *sn);
    sn->phase = SNIFF_BOM;
    sn->result = DATA_AUTO;
}

static data_format decided(data_sniffer *sn, data_format f)
{
    sn->result = (uint8_t)f;
    return f;
}

data_format data_sniff_feed(data_sniffer *sn, const char *s, size_t len)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
    for (size_t i = 0; i < len && sn->result == DATA_AUTO; i++, sn->seen++) {
        char c = s[i];
        switch (sn->phase) {
        case SNIFF_BOM:
            if (sn->seen < 3 && c == bom[sn->seen]) {
                if (sn->seen == 2) {
                    sn->phase = SNIFF_SPACE;
                }
                continue;
            }
            if (sn->seen > 0) { /* a partial mark: not white space */
                return decided(sn, DATA_JSONL);
            }
            sn->phase = SNIFF_SPACE;
            /* fall through */
        case SNIFF_SPACE:
            if (is_space(c)) {
                continue;
            }
            if (c != '[' && c != '{') {
                return decided(sn, DATA_JSONL);
            }
            sn->phase = c == '[' ? SNIFF_ARRAY : SNIFF_OBJECT;
            sn->first = sn->seen;
            sn->depth = 1;
            continue;
        case SNIFF_OBJECT:
            /* A line "{" alone is no JSON Lines record: it opens an object
             * printed over many lines (a package, or a record).  Anything
             * else on the line makes it a record, good or bad. */
            if (c == '\n') {
                return decided(sn, DATA_WRAPPED);
            }
            if (!is_space(c)) {
                return decided(sn, DATA_JSONL);
            }
            continue;
        case SNIFF_ARRAY:
            if (c == '\n' || sn->seen - sn->first > DATA_MAX_RECORD) {
                /* A JSON Lines record is one line, within the limit: this
                 * can only be an array. */
                return decided(sn, DATA_JSON_ARRAY);
            }
            if (sn->in_str) {
                if (sn->esc) {
                    sn->esc = false;
                } else if (c == '\\') {
                    sn->esc = true;
                } else if (c == '"') {
                    sn->in_str = false;
                }
            } else if (c == '"') {
                sn->in_str = true;
            } else if (c == '[' || c == '{') {
                sn->depth++;
            } else if ((c == ']' || c == '}') && --sn->depth == 0) {
                sn->phase = SNIFF_LINE;
            }
            continue;
        case SNIFF_LINE:
            if (c == '\n') {
                sn->phase = SNIFF_AFTER;
            }
            continue;
        case SNIFF_AFTER:
            if (!is_space(c)) {
                return decided(sn, DATA_JSONL); /* another line */
            }
            continue;
        default:
            TALLY_UNREACHABLE();
        }
    }
    return (data_format)sn->result;
}

data_format data_sniff_end(data_sniffer *sn)
{
    if (sn->result != DATA_AUTO) {
        return (data_format)sn->result;
    }
    /* Only an array's first line (closed or not) leaves it undecided, or
     * a first line "{": one (bad) JSON Lines record. */
    return decided(sn, sn->phase >= SNIFF_ARRAY && sn->phase <= SNIFF_AFTER
                           ? DATA_JSON_ARRAY
                           : DATA_JSONL);
}

/* Drops a UTF-8 byte order mark at the start of input and, for DATA_AUTO,
 * decides the format with data_sniff_feed, holding the bytes it needed
 * in r->held to be read again from the start.  False out of memory
 * (the reader is then at the end of its input). */
static bool start(data_reader *r)
{
    r->started = true;
    bool bom = false;
    if (refill(r) && r->blk_len - r->blk_pos >= 3 &&
        memcmp(r->blk + r->blk_pos, "\xEF\xBB\xBF", 3) == 0) {
        r->blk_pos += 3;
        bom = true;
    }
    if (r->fmt != DATA_AUTO) {
        return true;
    }
    data_sniffer sn;
    data_sniff_init(&sn);
    if (bom) {
        /* The mark is dropped: the sniffer must not take a second one
         * after it for a mark too (the fuzzer found a run whose two
         * framers disagreed on that). */
        sn.phase = SNIFF_SPACE;
    }
    data_format f = DATA_AUTO;
    if (refill(r)) {
        f = data_sniff_feed(&sn, r->blk + r->blk_pos, r->blk_len - r->blk_pos);
    }
    if (f == DATA_AUTO && !r->eof) {
        /* The block ends inside the first line: hold it and read on. */
        sb_put(&r->held, r->blk + r->blk_pos, r->blk_len - r->blk_pos);
        r->blk_pos = r->blk_len;
        while (f == DATA_AUTO && !r->held.failed && refill(r)) {
            const char *p = r->blk + r->blk_pos;
            size_t n = r->blk_len - r->blk_pos;
            sb_put(&r->held, p, n);
            r->blk_pos = r->blk_len;
            f = data_sniff_feed(&sn, p, n);
        }
        if (r->held.failed) {
            sb_free(&r->held);
            r->eof = true;
            r->fmt = DATA_JSONL;
            return false;
        }
        r->blk = r->held.p;
        r->blk_len = r->held.len;
        r->blk_pos = 0;
    }
    if (f == DATA_AUTO) {
        f = data_sniff_end(&sn);
    }
    r->fmt = (uint8_t)f;
    if (f == DATA_WRAPPED && !set_ocds(r)) {
        r->eof = true;
        r->fmt = DATA_JSONL;
        return false;
    }
    return true;
}

static rt_status io_error(data_reader *r, arena *a, data_error *err)
{
    r->io_error = false;
    char msg[256];
    snprintf(msg, sizeof msg, "%s: read error: %s",
             r->in_name ? r->in_name : "input", strerror(r->read_errno));
    memset(err, 0, sizeof *err);
    err->line = r->line;
    err->key = val_none();
    err->msg = arena_strndup(a, msg, strlen(msg));
    return err->msg ? RT_EIO : RT_ENOMEM;
}

static rt_status array_error(data_reader *r, arena *a, data_error *err,
                             const char *msg);

/* The error for a record over DATA_MAX_RECORD bytes. */
static rt_status too_long(data_reader *r, arena *a, data_error *err)
{
    char msg[64];
    snprintf(msg, sizeof msg, "record longer than %zu bytes",
             DATA_MAX_RECORD);
    return array_error(r, a, err, msg);
}

/* Frames the next line that is not blank: RT_OK with its text in
 * *text / *len (valid until the next call), or an error of the line
 * itself (too long, memory), or RT_EOF / RT_EIO. */
static rt_status frame_line(data_reader *r, arena *a, const char **text,
                            size_t *text_len, data_error *err)
{
    for (;;) {
        const char *s = NULL;
        size_t len = 0;
        size_t skipped = 0; /* bytes of a line too long to hold */
        bool lost = false;  /* ... or that memory ran out holding */
        sb_clear(&r->text);
        for (;;) {
            if (!refill(r)) {
                if (r->io_error) {
                    return io_error(r, a, err);
                }
                if (r->text.len == 0 && skipped == 0 && !lost) {
                    return RT_EOF;
                }
                s = r->text.p; /* a last line without '\n' */
                len = r->text.len;
                break;
            }
            char *p = r->blk + r->blk_pos;
            size_t avail = r->blk_len - r->blk_pos;
            char *nl = memchr(p, '\n', avail);
            size_t n = nl ? (size_t)(nl - p) : avail;
            if (lost || skipped || r->text.len + n > DATA_MAX_RECORD) {
                /* Count the line's bytes, keep none of them: the record
                 * is refused whole and the reader goes on after it. */
                skipped += r->text.len + n;
                sb_clear(&r->text);
                r->blk_pos += n + (nl != NULL);
                if (nl) {
                    break;
                }
                continue;
            }
            if (!nl) {
                sb_put(&r->text, p, avail);
                r->blk_pos = r->blk_len;
                if (r->text.failed) {
                    lost = true;
                    sb_clear(&r->text);
                }
                continue;
            }
            r->blk_pos += n + 1;
            if (r->text.len == 0) {
                s = p; /* whole line in the block: no copy */
                len = n;
            } else {
                sb_put(&r->text, p, n);
                if (r->text.failed) {
                    lost = true;
                    sb_clear(&r->text);
                }
                s = r->text.p;
                len = r->text.len;
            }
            break;
        }
        r->line++;
        if (lost) {
            err->line = r->line;
            return RT_ENOMEM; /* past the line: the caller may go on */
        }
        if (skipped) {
            return too_long(r, a, err);
        }
        if (is_blank(s, len)) {
            continue;
        }
        *text = s;
        *text_len = len;
        err->line = r->line;
        return RT_OK;
    }
}

static rt_status next_line(data_reader *r, arena *a, value *out,
                           data_error *err)
{
    const char *s;
    size_t len;
    rt_status st = frame_line(r, a, &s, &len, err);
    if (st != RT_OK) {
        return st;
    }
    return data_binder_bind(r->b, r->prog->input_record, s, len, r->line, a,
                            out, err);
}

/* Skips white space; returns the next byte, or -1 at end of input. */
static int peek_nonspace(data_reader *r)
{
    while (refill(r)) {
        char c = r->blk[r->blk_pos];
        if (!is_space(c)) {
            return (unsigned char)c;
        }
        r->blk_pos++;
    }
    return -1;
}

/* Appends [n] bytes of the element in hand to r->text, unless that
 * makes it longer than DATA_MAX_RECORD: then drops it, and the rest. */
static void keep(data_reader *r, const char *p, size_t n)
{
    if (r->elem_too_long || r->text.len + n > DATA_MAX_RECORD) {
        r->elem_too_long = true;
        sb_clear(&r->text);
        return;
    }
    sb_put(&r->text, p, n);
}

/* Scans one array element into r->text, stopping after the ',' or ']'
 * that ends it (or at end of input).  Returns that byte, or -1. */
static int scan_element(data_reader *r)
{
    long depth = 0;
    bool in_str = false, esc = false;
    while (refill(r)) {
        const char *p = r->blk + r->blk_pos;
        size_t avail = r->blk_len - r->blk_pos;
        for (size_t i = 0; i < avail; i++) {
            char c = p[i];
            if (in_str) {
                if (esc) {
                    esc = false;
                } else if (c == '\\') {
                    esc = true;
                } else if (c == '"') {
                    in_str = false;
                }
                continue;
            }
            switch (c) {
            case '"': in_str = true; break;
            case '{':
            case '[': depth++; break;
            case '}':
                if (depth > 0) {
                    depth--;
                }
                break;
            case ']':
                if (depth > 0) {
                    depth--;
                    break;
                }
                /* fall through */
            case ',':
                if (depth == 0) {
                    keep(r, p, i);
                    r->blk_pos += i + 1;
                    return (unsigned char)c;
                }
                break;
            default: break;
            }
        }
        keep(r, p, avail);
        r->blk_pos = r->blk_len;
    }
    return -1;
}

static rt_status array_error(data_reader *r, arena *a, data_error *err,
                             const char *msg)
{
    memset(err, 0, sizeof *err);
    err->line = r->line;
    err->key = val_none();
    err->msg = arena_strndup(a, msg, strlen(msg));
    return err->msg ? RT_EDATA : RT_ENOMEM;
}

static rt_status next_element(data_reader *r, arena *a, value *out,
                              data_error *err)
{
    int c;
    switch ((arr_state)r->arr) {
    case ARR_OPEN:
        c = peek_nonspace(r);
        if (c == -1) {
            r->arr = ARR_DONE;
            return r->io_error ? io_error(r, a, err) : RT_EOF;
        }
        if (c != '[') {
            r->arr = ARR_DONE;
            r->line = 1;
            return array_error(r, a, err, "not a JSON array");
        }
        r->blk_pos++;
        r->arr = ARR_FIRST;
        if (peek_nonspace(r) == ']') {
            r->blk_pos++;
            r->arr = ARR_TAIL;
        }
        return next_element(r, a, out, err);
    case ARR_FIRST:
    case ARR_NEXT: {
        sb_clear(&r->text);
        r->elem_too_long = false;
        c = scan_element(r);
        if (c == -1 && r->io_error) {
            r->arr = ARR_DONE;
            return io_error(r, a, err);
        }
        r->arr = c == ',' ? ARR_NEXT : c == ']' ? ARR_TAIL : ARR_UNCLOSED;
        r->line++;
        if (r->text.failed) {
            /* scan_element read to the element's end: the caller may go
             * on with the next one */
            if (c == -1) {
                r->arr = ARR_DONE;
            }
            err->line = r->line;
            return RT_ENOMEM;
        }
        if (r->elem_too_long) {
            if (c == -1) {
                r->arr = ARR_DONE;
            }
            return too_long(r, a, err);
        }
        const char *s = r->text.p ? r->text.p : "";
        if (is_blank(s, r->text.len)) {
            /* "[1,]", "[1,,2]" or input ending inside the array */
            if (c == -1) {
                r->arr = ARR_DONE;
            }
            return array_error(r, a, err, "not valid JSON");
        }
        rt_status st = data_binder_bind(r->b, r->prog->input_record, s, r->text.len,
                              r->line, a, out, err);
        if (r->arr == ARR_UNCLOSED && st != RT_OK) {
            r->arr = ARR_DONE; /* the element's error says it all */
        }
        return st;
    }
    case ARR_TAIL:
        c = peek_nonspace(r);
        r->arr = ARR_DONE;
        if (c == -1) {
            return r->io_error ? io_error(r, a, err) : RT_EOF;
        }
        r->line++;
        return array_error(r, a, err, "not valid JSON");
    case ARR_UNCLOSED:
        r->arr = ARR_DONE;
        r->line++;
        return array_error(r, a, err,
                           "not valid JSON: the array is not closed");
    case ARR_DONE:
        return RT_EOF;
    }
    return RT_EOF;
}

/* ---- wrapped records (DATA_WRAPPED) ----------------------------------- */

/* The input is a sequence of top-level objects (one, pretty-printed, or
 * one a line).  In each, the members are scanned a byte at a time along
 * the path of one of r->paths; the other members' values are skipped
 * without being held.  Once the path's array is reached its elements are
 * framed by scan_element and bound one at a time, as a JSON array's are;
 * after it, the rest of the object is skipped.  For OCDS, a top-level
 * object's text is held while its members are scanned: if none is
 * "releases" or "records", the object is itself a release. */

/* The next byte, consumed (and held, while holding); -1 at the end. */
static int take(data_reader *r)
{
    if (!refill(r)) {
        return -1;
    }
    char c = r->blk[r->blk_pos++];
    r->last = c;
    if (r->holding) {
        if (r->text.len >= DATA_MAX_RECORD) {
            r->held_too_long = true;
            r->holding = false;
            sb_clear(&r->text);
        } else {
            sb_putc(&r->text, c);
        }
    }
    return (unsigned char)c;
}

/* The next byte that is not white space, not consumed; -1 at the end. */
static int wpeek(data_reader *r)
{
    while (refill(r)) {
        char c = r->blk[r->blk_pos];
        if (!is_space(c)) {
            return (unsigned char)c;
        }
        take(r);
    }
    return -1;
}

/* Consumes the rest of a string whose opening quote is consumed, keeping
 * its first WRAP_KEY_MAX raw bytes in [key] (when not NULL) and their
 * count in *len (WRAP_KEY_MAX + 1: longer).  False at the end of input. */
static bool take_string(data_reader *r, char *key, size_t *len)
{
    size_t n = 0;
    bool esc = false;
    for (;;) {
        int c = take(r);
        if (c == -1) {
            return false;
        }
        if (!esc && c == '"') {
            break;
        }
        esc = !esc && c == '\\';
        if (key && n <= WRAP_KEY_MAX) {
            if (n < WRAP_KEY_MAX) {
                key[n] = (char)c;
            }
            n++;
        }
    }
    if (len) {
        *len = n;
    }
    return true;
}

/* Consumes bytes until [depth] open containers have closed (strings
 * skipped whole).  False at the end of input. */
static bool skip_open(data_reader *r, long depth)
{
    while (depth > 0) {
        int c = take(r);
        if (c == -1) {
            return false;
        }
        if (c == '"') {
            if (!take_string(r, NULL, NULL)) {
                return false;
            }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

/* Consumes one value (a string, a container, or a scalar up to the byte
 * that ends it).  False at the end of input. */
static bool skip_value(data_reader *r)
{
    int c = wpeek(r);
    if (c == -1) {
        return false;
    }
    if (c == '"') {
        take(r);
        return take_string(r, NULL, NULL);
    }
    if (c == '{' || c == '[') {
        take(r);
        return skip_open(r, 1);
    }
    while (c != -1 && c != ',' && c != '}' && c != ']' && !is_space((char)c)) {
        take(r);
        c = refill(r) ? (unsigned char)r->blk[r->blk_pos] : -1;
    }
    return true;
}

/* In-memory: the offset after the JSON value starting at [i] of [s]
 * (white space before it skipped), or SIZE_MAX if it does not end. */
static size_t value_end(const char *s, size_t n, size_t i)
{
    long depth = 0;
    bool in_str = false, esc = false;
    while (i < n && is_space(s[i])) {
        i++;
    }
    for (; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (esc) {
                esc = false;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
                if (depth == 0) {
                    return i + 1;
                }
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i; /* a scalar ended by its container */
            }
            if (--depth == 0) {
                return i + 1;
            }
        } else if (depth == 0 && (c == ',' || is_space(c))) {
            return i;
        }
    }
    return depth == 0 && !in_str ? n : SIZE_MAX;
}

/* In-memory: the value of member [key] of the JSON object [s], as
 * *at / *len; false if [s] is not an object or has no such member. */
static bool find_member(const char *s, size_t n, const char *key,
                        size_t *at, size_t *len)
{
    size_t klen = strlen(key), i = 0;
    while (i < n && is_space(s[i])) {
        i++;
    }
    if (i == n || s[i] != '{') {
        return false;
    }
    i++;
    for (;;) {
        while (i < n && (is_space(s[i]) || s[i] == ',')) {
            i++;
        }
        if (i == n || s[i] != '"') {
            return false;
        }
        size_t ks = ++i;
        while (i < n && s[i] != '"') {
            i += s[i] == '\\' ? 2 : 1;
        }
        if (i >= n) {
            return false;
        }
        size_t ke = i++;
        while (i < n && is_space(s[i])) {
            i++;
        }
        if (i == n || s[i] != ':') {
            return false;
        }
        i++;
        while (i < n && is_space(s[i])) {
            i++;
        }
        size_t vs = i, ve = value_end(s, n, i);
        if (ve == SIZE_MAX) {
            return false;
        }
        if (ke - ks == klen && memcmp(s + ks, key, klen) == 0) {
            *at = vs;
            *len = ve - vs;
            return true;
        }
        i = ve;
    }
}

static rt_status wrap_error(data_reader *r, arena *a, data_error *err,
                              const char *msg)
{
    r->line++;
    return array_error(r, a, err, msg);
}

/* An error that leaves the reader lost in the input: the next line that
 * starts with '{' (a JSON Lines record; the indented lines inside a
 * pretty-printed object do not) starts afresh. */
static rt_status wrap_lost(data_reader *r, arena *a, data_error *err,
                             const char *msg)
{
    r->holding = false;
    r->wrap = W_RESYNC;
    return wrap_error(r, a, err, msg);
}

/* Binds the element in r->text (framed by scan_element). */
static rt_status wrap_bind(data_reader *r, arena *a, value *out,
                             data_error *err)
{
    r->line++;
    if (r->text.failed) {
        err->line = r->line;
        return RT_ENOMEM;
    }
    if (r->elem_too_long) {
        return too_long(r, a, err);
    }
    const char *s = r->text.p ? r->text.p : "";
    size_t len = r->text.len;
    if (is_blank(s, len)) {
        return array_error(r, a, err, "not valid JSON");
    }
    if (r->paths[r->wpath].compiled) {
        size_t at, n;
        if (!find_member(s, len, "compiledRelease", &at, &n)) {
            return array_error(r, a, err, "a record with no compiledRelease");
        }
        s += at;
        len = n;
    }
    return data_binder_bind(r->b, r->prog->input_record, s, len, r->line, a,
                            out, err);
}

/* The next element of the records' array, or on to the next object. */
static rt_status wrap_elements(data_reader *r, arena *a, value *out,
                                 data_error *err);

/* Scans the members of the top-level object whose '{' is consumed, along
 * the paths, to the records' array or the object's end. */
static rt_status wrap_object(data_reader *r, arena *a, value *out,
                               data_error *err)
{
    int level = 0; /* path components matched: objects entered */
    r->wpath = -1;
    for (;;) {
        int c = wpeek(r);
        if (c == ',') {
            take(r);
            continue;
        }
        if (c == '}') {
            take(r);
            if (level == 0 && r->ocds) {
                /* no package member: the object is a release */
                r->holding = false;
                r->wrap = W_TOP;
                r->line++;
                if (r->held_too_long) {
                    return too_long(r, a, err);
                }
                if (r->text.failed) {
                    err->line = r->line;
                    return RT_ENOMEM;
                }
                return data_binder_bind(r->b, r->prog->input_record,
                                        r->text.p, r->text.len, r->line, a,
                                        out, err);
            }
            r->holding = false;
            r->wdepth = level;
            r->wrap = level ? W_REST : W_TOP;
            char msg[300];
            snprintf(msg, sizeof msg, "no array at %s",
                     r->paths[r->wpath < 0 ? 0 : r->wpath].text);
            return wrap_error(r, a, err, msg);
        }
        char key[WRAP_KEY_MAX];
        size_t klen = 0;
        if (c != '"' || (take(r), !take_string(r, key, &klen)) ||
            wpeek(r) != ':') {
            return wrap_lost(r, a, err, "not valid JSON");
        }
        take(r);
        int v = wpeek(r);
        int hit = -1;
        for (int i = 0; i < r->npaths && hit < 0; i++) {
            const wrap_path *w = &r->paths[i];
            if ((r->wpath < 0 || r->wpath == i) && level < w->n &&
                w->len[level] == klen &&
                memcmp(w->comp[level], key, klen) == 0 &&
                v == (level + 1 == w->n ? '[' : '{')) {
                hit = i;
            }
        }
        if (hit < 0) {
            if (!skip_value(r)) {
                return wrap_lost(r, a, err, "not valid JSON");
            }
            continue;
        }
        take(r);
        r->holding = false;
        sb_clear(&r->text);
        r->wpath = hit;
        level++;
        if (level == r->paths[hit].n) {
            r->wdepth = level; /* the objects around the array */
            r->wrap = W_ELEMS;
            if (wpeek(r) == ']') {
                take(r);
                r->wrap = W_REST;
            }
            return wrap_elements(r, a, out, err);
        }
    }
}

static rt_status wrap_elements(data_reader *r, arena *a, value *out,
                                 data_error *err)
{
    for (;;) {
        switch ((wrap_state)r->wrap) {
        case W_TOP: {
            int c = wpeek(r);
            if (c == -1) {
                r->wrap = W_DONE;
                return r->io_error ? io_error(r, a, err) : RT_EOF;
            }
            take(r);
            if (c != '{') {
                return wrap_lost(r, a, err, "not a JSON object");
            }
            sb_clear(&r->text);
            r->held_too_long = false;
            if (r->ocds) {
                r->holding = true;
                sb_putc(&r->text, '{');
            }
            return wrap_object(r, a, out, err);
        }
        case W_ELEMS: {
            sb_clear(&r->text);
            r->elem_too_long = false;
            int c = scan_element(r);
            if (c == -1) {
                r->wrap = W_DONE;
                if (r->io_error) {
                    return io_error(r, a, err);
                }
                if (!r->elem_too_long && !r->text.failed &&
                    is_blank(r->text.p ? r->text.p : "", r->text.len)) {
                    return wrap_error(r, a, err,
                                      "not valid JSON: the array is not "
                                      "closed");
                }
                r->wrap = W_UNCLOSED; /* the element first, as in arrays */
            }
            if (c == ']') {
                r->wrap = W_REST;
            }
            return wrap_bind(r, a, out, err);
        }
        case W_REST:
            if (!skip_open(r, r->wdepth)) {
                r->wrap = W_DONE;
                return wrap_error(r, a, err, "not valid JSON: the object is "
                                             "not closed");
            }
            r->wrap = W_TOP;
            continue;
        case W_RESYNC:
            if (!refill(r)) {
                r->wrap = W_DONE;
            } else if (r->last == '\n' && r->blk[r->blk_pos] == '{') {
                r->wrap = W_TOP;
            } else {
                take(r);
            }
            continue;
        case W_UNCLOSED:
            r->wrap = W_DONE;
            return wrap_error(r, a, err,
                              "not valid JSON: the array is not closed");
        case W_DONE:
            return RT_EOF;
        }
        return RT_EOF;
    }
}

/* ---- CSV (DATA_CSV) ----------------------------------------------------- */

/* libcsv parses each block and calls back for every cell and every row's
 * end.  The header row makes the column map; each later row is written
 * as a JSON object of the mapped cells (typed as data.h says), queued in
 * [ready], and bound from there one at a time, so the binder, its
 * checks and its messages are the JSON ones.  Rows are queued a block at
 * a time: the queue holds at most one block's rows and the row in
 * hand. */

/* A field's column map entry: none. */
#define CSV_NO_FIELD UINT32_MAX

/* Errors a row may carry, before binding. */
enum { CSV_ROW_OK, CSV_ROW_EXTRA, CSV_ROW_TOO_LONG };

typedef struct csv_row_head {
    long row;     /* 1-based; the header is row 1 */
    size_t len;   /* bytes of JSON after this head */
    int problem;  /* CSV_ROW_* */
} csv_row_head;

struct csv_state {
    struct csv_parser p;
    bool header_done;
    bool done;        /* parsing is over: only [ready] is left */
    const char *fatal; /* static: the input cannot be read on */
    long fatal_row;   /* ... the row it names, or 0 for the row in hand */
    long row;         /* rows ended so far */
    uint32_t cell;    /* cells so far in the row in hand */
    uint32_t *col;    /* owned: column -> field index, CSV_NO_FIELD */
    size_t ncols;
    size_t colcap;
    strbuf names;     /* header: the names, NUL-separated */
    strbuf cur;       /* the row in hand, as JSON */
    bool cur_extra;   /* ... has more cells than the header */
    bool cur_too_long;
    strbuf ready;     /* completed rows: csv_row_head, then JSON */
    size_t ready_pos;
    data_reader *r;   /* borrowed: the reader */
};

/* libcsv's allocations: refused past a cell of DATA_MAX_RECORD bytes, so
 * one endless cell cannot take all memory (its buffer is outside the
 * memory cap). */
static void *csv_realloc_capped(void *p, size_t size)
{
    if (size > DATA_MAX_RECORD + 4096) {
        return NULL;
    }
    return realloc(p, size);
}

static void csv_state_free(data_reader *r)
{
    csv_state *c = r->csv;
    if (!c) {
        return;
    }
    csv_free(&c->p);
    mem_free(r->mem, c->col, c->colcap * sizeof *c->col);
    sb_free(&c->names);
    sb_free(&c->cur);
    sb_free(&c->ready);
    mem_free(r->mem, c, sizeof *c);
    r->csv = NULL;
}

static const bc_type *csv_base(const bc_program *p, uint16_t t, bool *opt)
{
    *opt = false;
    while (p->types[t].kind == BT_OPTIONAL) {
        *opt = true;
        t = p->types[t].ref;
    }
    return &p->types[t];
}

const char *data_csv_refusal(const bc_program *prog, char *buf, size_t n)
{
    const bc_record *rec = &prog->records[prog->input_record];
    for (uint32_t i = 0; i < rec->nfields; i++) {
        const bc_field *f = bc_record_field(prog, rec, i);
        bool opt;
        const bc_type *t = csv_base(prog, f->type, &opt);
        const char *what = t->kind == BT_RECORD ? "a record"
                           : t->kind == BT_LIST ? "a list"
                           : t->kind == BT_MAP  ? "a map"
                                                : NULL;
        if (what) {
            const bc_str *name = &prog->strings[f->json];
            snprintf(buf, n, "CSV input cannot fill field \"%.*s\": it is %s, "
                     "and a CSV cell holds one value; read JSON instead",
                     (int)(name->len > 200 ? 200 : name->len), name->p, what);
            return buf;
        }
    }
    return NULL;
}

static bool digits_only(const char *s, size_t len)
{
    size_t i = len > 0 && s[0] == '-';
    if (i == len) {
        return false;
    }
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* The cell's field is [f]: writes `"key":value` to the row in hand. */
static void csv_put_cell(csv_state *c, const bc_field *f, const char *s,
                         size_t len, bool empty_unquoted)
{
    const bc_program *p = c->r->prog;
    bool opt;
    const bc_type *t = csv_base(p, f->type, &opt);
    strbuf *b = &c->cur;
    sb_putc(b, b->len ? ',' : '{');
    const bc_str *key = &p->strings[f->json];
    sb_put_json_string(b, key->p, key->len);
    sb_putc(b, ':');
    if (empty_unquoted && opt) {
        sb_puts(b, "null");
        return;
    }
    if (!s) {
        s = ""; /* an empty cell */
        len = 0;
    }
    bool as_is = ((t->kind == BT_INT || t->kind == BT_DURATION) && digits_only(s, len)) ||
                 (t->kind == BT_BOOL && ((len == 4 && memcmp(s, "true", 4) == 0) ||
                                         (len == 5 && memcmp(s, "false", 5) == 0)));
    if (as_is) {
        sb_put(b, s, len);
    } else {
        sb_put_json_string(b, s, len);
    }
}

static void csv_on_cell(void *cell, size_t len, void *data)
{
    csv_state *c = data;
    const char *s = cell;
    uint32_t col = c->cell++;
    if (!c->header_done) {
        sb_put(&c->names, s ? s : "", len);
        sb_putc(&c->names, '\0');
        return;
    }
    if (col >= c->ncols) {
        c->cur_extra = true;
        return;
    }
    if (c->col[col] == CSV_NO_FIELD || c->cur_too_long) {
        return;
    }
    const bc_program *p = c->r->prog;
    const bc_record *rec = &p->records[p->input_record];
    csv_put_cell(c, bc_record_field(p, rec, c->col[col]), s, len, s == NULL);
    if (c->cur.len > DATA_MAX_RECORD) {
        c->cur_too_long = true;
        sb_clear(&c->cur);
    }
}

/* The header has ended: maps its columns to fields. */
static void csv_header(csv_state *c)
{
    data_reader *r = c->r;
    const bc_program *p = r->prog;
    const bc_record *rec = &p->records[p->input_record];
    c->header_done = true;
    c->ncols = c->cell;
    c->colcap = c->ncols ? c->ncols : 1;
    c->col = mem_alloc(r->mem, c->colcap * sizeof *c->col);
    if (!c->col || c->names.failed) {
        c->fatal = "out of memory reading the CSV header";
        return;
    }
    const char *name = c->names.p;
    for (size_t k = 0; k < c->ncols; k++) {
        size_t len = strlen(name);
        c->col[k] = CSV_NO_FIELD;
        for (uint32_t i = 0; i < rec->nfields; i++) {
            const bc_str *js = &p->strings[bc_record_field(p, rec, i)->json];
            if (js->len == len && memcmp(js->p, name, len) == 0) {
                c->col[k] = i;
            }
        }
        for (size_t j = 0; j < k && c->col[k] != CSV_NO_FIELD; j++) {
            if (c->col[j] == c->col[k]) {
                c->fatal = "the header names a column twice";
                c->fatal_row = 1;
            }
        }
        name += len + 1;
    }
}

static void csv_on_row(int term, void *data)
{
    csv_state *c = data;
    (void)term;
    c->row++;
    if (!c->header_done) {
        csv_header(c);
        c->cell = 0;
        return;
    }
    if (c->fatal) {
        return; /* the header is bad: no row can be read */
    }
    csv_row_head h = {c->row, 0, CSV_ROW_OK};
    if (c->cur_too_long) {
        h.problem = CSV_ROW_TOO_LONG;
    } else if (c->cur_extra) {
        h.problem = CSV_ROW_EXTRA;
    } else {
        if (c->cur.len == 0) {
            sb_putc(&c->cur, '{');
        }
        sb_putc(&c->cur, '}');
        h.len = c->cur.len;
    }
    sb_put(&c->ready, (const char *)&h, sizeof h);
    if (h.problem == CSV_ROW_OK) {
        sb_put(&c->ready, c->cur.p, c->cur.len);
    }
    sb_clear(&c->cur);
    c->cur_extra = c->cur_too_long = false;
    c->cell = 0;
}

/* Feeds the next block to libcsv, or ends the parse at the end of the
 * input. */
static void csv_feed(data_reader *r)
{
    csv_state *c = r->csv;
    if (refill(r)) {
        size_t n = r->blk_len - r->blk_pos;
        size_t used = csv_parse(&c->p, r->blk + r->blk_pos, n, csv_on_cell,
                                csv_on_row, c);
        r->blk_pos = r->blk_len;
        if (used != n) {
            c->done = true;
            c->fatal = csv_error(&c->p) == CSV_ENOMEM
                           ? "a cell longer than the record limit"
                           : "not valid CSV: a quote inside an unquoted "
                             "cell, or after a quoted one";
        }
        return;
    }
    c->done = true;
    if (csv_fini(&c->p, csv_on_cell, csv_on_row, c) != 0) {
        c->fatal = "not valid CSV: a quoted cell is not closed";
    }
}

/* The path [path] of a binding error in row [row] as the row and the
 * column, in [a] ([path] itself out of memory). */
static const char *csv_cell_name(data_reader *r, arena *a, long row,
                                 const char *path)
{
    csv_state *c = r->csv;
    char buf[512];
    if (!path) {
        snprintf(buf, sizeof buf, "row %ld", row);
    } else {
        const bc_program *p = r->prog;
        const bc_record *rec = &p->records[p->input_record];
        size_t col = c->ncols;
        for (size_t k = 0; k < c->ncols; k++) {
            if (c->col[k] == CSV_NO_FIELD) {
                continue;
            }
            const bc_str *js =
                &p->strings[bc_record_field(p, rec, c->col[k])->json];
            if (strlen(path) == js->len &&
                memcmp(path, js->p, js->len) == 0) {
                col = k;
            }
        }
        if (col < c->ncols) {
            snprintf(buf, sizeof buf, "row %ld, column %zu (%.300s)", row,
                     col + 1, path);
        } else {
            snprintf(buf, sizeof buf, "row %ld: %.300s", row, path);
        }
    }
    const char *named = arena_strndup(a, buf, strlen(buf));
    return named ? named : path;
}

/* Rewrites a binding error's paths as the row and the column. */
static void csv_name_cell(data_reader *r, arena *a, long row, data_error *err)
{
    err->path = csv_cell_name(r, a, row, err->path);
    if (err->nmore == 0) {
        return;
    }
    data_issue *more = arena_alloc(a, err->nmore * sizeof *more);
    if (!more) {
        return; /* the paths stay as the binder wrote them */
    }
    for (uint32_t i = 0; i < err->nmore; i++) {
        more[i].path = csv_cell_name(r, a, row, err->more[i].path);
        more[i].msg = err->more[i].msg;
    }
    err->more = more;
}

static rt_status csv_row_error(data_reader *r, arena *a, long row,
                                 data_error *err, const char *msg)
{
    memset(err, 0, sizeof *err);
    err->line = row;
    err->key = val_none();
    err->msg = arena_strndup(a, msg, strlen(msg));
    if (!err->msg) {
        return RT_ENOMEM;
    }
    csv_name_cell(r, a, row, err);
    return RT_EDATA;
}

static rt_status next_csv(data_reader *r, arena *a, value *out,
                            data_error *err)
{
    if (!r->csv) {
        csv_state *c = mem_alloc(r->mem, sizeof *c);
        if (!c) {
            return RT_ENOMEM;
        }
        memset(c, 0, sizeof *c);
        if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
            mem_free(r->mem, c, sizeof *c);
            return RT_ENOMEM;
        }
        csv_set_realloc_func(&c->p, csv_realloc_capped);
        c->r = r;
        sb_init(&c->names, r->mem);
        sb_init(&c->cur, r->mem);
        sb_init(&c->ready, r->mem);
        r->csv = c;
    }
    csv_state *c = r->csv;
    for (;;) {
        if (c->ready_pos < c->ready.len) {
            csv_row_head h;
            memcpy(&h, c->ready.p + c->ready_pos, sizeof h);
            const char *json = c->ready.p + c->ready_pos + sizeof h;
            c->ready_pos += sizeof h + h.len;
            r->line = h.row;
            if (h.problem == CSV_ROW_EXTRA) {
                return csv_row_error(r, a, h.row, err,
                                     "more cells than the header has columns");
            }
            if (h.problem == CSV_ROW_TOO_LONG) {
                char msg[64];
                snprintf(msg, sizeof msg, "row longer than %zu bytes",
                         DATA_MAX_RECORD);
                return csv_row_error(r, a, h.row, err, msg);
            }
            rt_status st = data_binder_bind(r->b, r->prog->input_record,
                                              json, h.len, h.row, a, out, err);
            if (st == RT_EDATA) {
                csv_name_cell(r, a, h.row, err);
            }
            return st;
        }
        sb_clear(&c->ready);
        c->ready_pos = 0;
        if (c->ready.failed || c->cur.failed) {
            c->done = true;
            c->fatal = "out of memory reading CSV";
        }
        if (c->fatal) {
            const char *msg = c->fatal;
            c->fatal = NULL;
            c->done = true;
            r->eof = true;
            r->blk_pos = r->blk_len;
            return csv_row_error(r, a, c->fatal_row ? c->fatal_row : c->row + 1,
                                 err, msg);
        }
        if (c->done) {
            return r->io_error ? io_error(r, a, err) : RT_EOF;
        }
        csv_feed(r);
    }
}

bool data_reader_start(data_reader *r)
{
    return r->started || start(r);
}

rt_status data_reader_next_text(data_reader *r, arena *a, const char **text,
                                size_t *len, data_error *err)
{
    memset(err, 0, sizeof *err);
    err->key = val_none();
    err->line = r->line;
    if (!r->started && !start(r)) {
        return RT_ENOMEM;
    }
    if (TALLY_NEVER(r->fmt != DATA_JSONL)) {
        err->msg = "internal error: records framed as text in a JSON array";
        return RT_EIO;
    }
    return data_finish(frame_line(r, a, text, len, err), err);
}

rt_status data_reader_next(data_reader *r, arena *a, value *out,
                           data_error *err)
{
    memset(err, 0, sizeof *err);
    err->key = val_none();
    err->line = r->line;
    if (!r->started && !start(r)) {
        return RT_ENOMEM;
    }
    if (r->fmt == DATA_JSON_ARRAY) {
        return data_finish(next_element(r, a, out, err), err);
    }
    if (r->fmt == DATA_CSV) {
        return data_finish(next_csv(r, a, out, err), err);
    }
    if (r->fmt == DATA_WRAPPED) {
        if (TALLY_NEVER(r->npaths == 0)) {
            err->msg = "internal error: wrapped records with no path";
            return RT_EIO;
        }
        return data_finish(wrap_elements(r, a, out, err), err);
    }
    return data_finish(next_line(r, a, out, err), err);
}
