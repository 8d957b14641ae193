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
#include <string.h>

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

void data_reader_free(data_reader *r)
{
    if (!r) {
        return;
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
    SNIFF_AFTER  /* on later lines: is there anything but white space? */
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
            if (c != '[') {
                return decided(sn, DATA_JSONL);
            }
            sn->phase = SNIFF_ARRAY;
            sn->first = sn->seen;
            sn->depth = 1;
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
    /* Only an array's first line (closed or not) leaves it undecided. */
    return decided(sn, sn->phase >= SNIFF_ARRAY ? DATA_JSON_ARRAY
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
    return data_finish(next_line(r, a, out, err), err);
}
