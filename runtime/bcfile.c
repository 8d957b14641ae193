/* runtime/bcfile.c - the bytecode file format: bc_write and bc_read.
 *
 * Owns the byte layout below and nothing else: the reader checks that a
 * file is well formed and rebuilds the program in its arena; whether the
 * program is safe to run is verify.c's question, asked after reading.
 * The input is untrusted: no assert() on it, every count is checked
 * against the bytes left before anything is allocated for it (so a file
 * costs at most 24 times its size: a 1-byte constant becomes a 24-byte
 * value; the mem_ctx cap bounds the rest), and every reject names the
 * offset and what was expected there.
 *
 * Layout.  Every field is fixed-width little-endian, written one by one.
 *
 *   offset size  header
 *        0    6  magic "\x1bTALLY"
 *        6    4  sentinel "\r\n\x1a\n": newline conversion or a DOS text
 *                copy (^Z is its end-of-file) mangles it
 *       10    2  u16 format version, BC_FORMAT_VERSION
 *       12    4  u32 probe 0x01020304, stored 04 03 02 01 (byte order)
 *       16    4  u32 length of the whole file, checksum included
 *       20       sections, each: u32 tag (four ASCII letters), u32 payload
 *                length, payload; all fifteen, in the order of the
 *                table (format 3, still read, has no EXTN, CITE, PARM or MODS;
 *                format 4 no CITE, PARM or MODS; format 5 no MODS;
 *                format 6 no FIND; format 7 no REPT)
 *      end-8  8  u64 checksum: FNV-1a 64 of every byte before it
 *
 *   section  payload ("N x" is a u32 count N followed by N entries)
 *   STRS  N x { u32 len, len bytes }               strings (may hold NULs)
 *   CNST  N x { u8 kind, payload by kind }         constants, see CK_*
 *   TYPE  N x { u8 kind, u8 places, u8 has_min, u8 has_max, u16 ref,
 *               u16 currency, i64 min, i64 max }                (24 bytes)
 *   FILD  N x { u32 name, u32 json, u16 type, u16 unique_key, u8 flags }
 *   RECD  N x { u32 name, u32 first_field, u16 nfields, u16 check_fn }
 *   MEMB  N x { u32 name, u32 json }
 *   ENUM  N x { u32 name, u32 label, u32 first_member, u16 nmembers }
 *   FUNC  N x { u32 name, u16 arity, u16 nlocals, u16 max_stack, u8 flags,
 *               u32 code_off, u32 code_len }
 *   CODE  u32 len, len bytes of instructions
 *   LOCS  N x { u32 pc, u32 line, u32 col }
 *   HEAD  u32 title, u32 version, u32 source, u16 input_record,
 *         u32 input_name, u16 key_field, u16 output_func, u16 output_type
 *   EXTN  N x { u32 name, u32 library, u32 params, u8 result }
 *         extern definitions (native functions); strings as in
 *         bc_extern, checked by the verifier
 *   CITE  u32 origin, N x { u32 text, u32 url, u32 by, u16 func }
 *         the header's 'source', then the citations CITE operands name;
 *         strings, or 0xFFFFFFFF for none (origin, url)
 *   PARM  N x { u32 name, u16 func, u16 type, u32 first_row, u16 nrows },
 *         M x { i64 from, i64 until }
 *         the parameters, then the days their dated rows are in force
 *   MODS  N x { u32 name, u32 version, u32 origin }      (from format 6)
 *         the imported modules compiled in (bc_module)
 *   FIND  u16 findings_func, u16 findings_type            (from format 7)
 *         the function listing a record's findings and its result type,
 *         0xFFFF both when the policy declares none
 *   REPT  N x { u32 name, u16 func, u16 in_type, u16 out_type, u16 nkeys,
 *               u16 ncols, u16 top_col, u8 top_desc, u32 top,
 *               ncols x { u8 agg, u8 places, u8 mode, u8 flags } }
 *         the policy's reports (bc_report)                (from format 8)
 *
 * From format 6 a LOCS entry ends with u16 module: the module of that
 * source position (an index in MODS) or 0xFFFF for the policy's own.
 *
 * A section's length must equal the bytes its entries take.  Constant
 * kinds are numbered by the file (CK_*), not by val_kind, so reordering
 * the in-memory enum cannot silently change the format.
 */
#include "bcfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAGIC "\x1bTALLY"
#define MAGIC_LEN 6
#define SENTINEL "\r\n\x1a\n"
#define SENTINEL_LEN 4
#define PROBE 0x01020304u
#define HEADER_LEN 20   /* magic, sentinel, version, probe, file length */
#define CHECKSUM_LEN 8  /* u64 FNV-1a */
#define SECTION_HEAD 8  /* u32 tag, u32 length */

#define FNV_OFFSET 0xcbf29ce484222325u /* FNV-1a 64 parameters, from the */
#define FNV_PRIME 0x100000001b3u       /* published FNV specification   */

/* Constant kinds as the file numbers them. */
enum {
    CK_NONE,     /* nothing */
    CK_BOOL,     /* u8: 0 or 1 */
    CK_INT,      /* i64 */
    CK_DEC,      /* u32 len, len bytes: shortest exact decimal text */
    CK_DATE,     /* i64 days since 1970-01-01 */
    CK_DATETIME, /* i64 seconds, i32 nanoseconds */
    CK_DURATION, /* i64 days */
    CK_TEXT,     /* u32 string index */
    CK_ENUM,     /* u16 enum index, i64 member ordinal */
    CK_DATETIME_AT, /* i64 seconds, i32 nanoseconds, i16 offset in minutes,
                       u8 date_zone: an instant written with an offset
                       (CK_DATETIME is one written with Z) */
    CK_COUNT
};

/* Sections in file order. */
enum {
    SEC_STRS,
    SEC_CNST,
    SEC_TYPE,
    SEC_FILD,
    SEC_RECD,
    SEC_MEMB,
    SEC_ENUM,
    SEC_FUNC,
    SEC_CODE,
    SEC_LOCS,
    SEC_HEAD,
    SEC_EXTN, /* from format 4 */
    SEC_CITE, /* from format 5 */
    SEC_PARM, /* from format 5 */
    SEC_MODS, /* from format 6 */
    SEC_FIND, /* from format 7 */
    SEC_REPT, /* from format 8 */
    SEC_COUNT
};

static const char section_tag[SEC_COUNT][5] = {
    "STRS", "CNST", "TYPE", "FILD", "RECD", "MEMB",
    "ENUM", "FUNC", "CODE", "LOCS", "HEAD", "EXTN", "CITE", "PARM", "MODS", "FIND", "REPT",
};

/* Bytes per entry of the fixed-size tables. */
#define TYPE_LEN 24
#define FIELD_LEN 13
#define RECORD_LEN 12
#define MEMBER_LEN 8
#define ENUM_LEN 14
#define FUNC_LEN 19
#define LOC_LEN 14    /* format 6; 12 before (no module) */
#define LOC_LEN_V4 12
#define MODULE_LEN 12
#define HEAD_LEN 24
#define EXTERN_LEN 13
#define CITE_LEN 14
#define PARAM_LEN 14
#define PARAM_ROW_LEN 16

uint64_t bc_checksum(const uint8_t *buf, size_t len)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= buf[i];
        h *= FNV_PRIME;
    }
    return h;
}

static void put_err(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (!err || errcap == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

/* ---- writing --------------------------------------------------------- */

static void put_u8(strbuf *b, uint8_t v)
{
    sb_putc(b, (char)v);
}

static void put_u16(strbuf *b, uint16_t v)
{
    char c[2] = {(char)(v & 0xFF), (char)(v >> 8)};
    sb_put(b, c, 2);
}

static void put_u32(strbuf *b, uint32_t v)
{
    char c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (char)((v >> (8 * i)) & 0xFF);
    }
    sb_put(b, c, 4);
}

static void put_u64(strbuf *b, uint64_t v)
{
    char c[8];
    for (int i = 0; i < 8; i++) {
        c[i] = (char)((v >> (8 * i)) & 0xFF);
    }
    sb_put(b, c, 8);
}

static void patch_u32(strbuf *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b->p[at + (size_t)i] = (char)((v >> (8 * i)) & 0xFF);
    }
}

/* Writes a section head with a zero length; returns where the length is,
 * for end_section to patch. */
static size_t begin_section(strbuf *b, int sec)
{
    sb_put(b, section_tag[sec], 4);
    size_t at = b->len;
    put_u32(b, 0);
    return at;
}

static void end_section(strbuf *b, size_t at)
{
    if (!b->failed) {
        patch_u32(b, at, (uint32_t)(b->len - at - 4));
    }
}

static const char *kind_name(uint8_t kind)
{
    static const char *const names[VAL_KIND_COUNT] = {
        [VAL_NONE] = "none",         [VAL_BOOL] = "bool",
        [VAL_INT] = "integer",       [VAL_DEC] = "decimal",
        [VAL_DATE] = "date",         [VAL_DATETIME] = "datetime",
        [VAL_DURATION] = "duration", [VAL_TEXT] = "text",
        [VAL_ENUM] = "enum",         [VAL_RECORD] = "record",
        [VAL_LIST] = "list",         [VAL_MAP] = "map",
        [VAL_ERROR] = "error",
    };
    return kind < VAL_KIND_COUNT ? names[kind] : "unknown";
}

/* The index of the string-table entry whose bytes [v] points at; false if
 * none.  Linear: programs written are compiled ones, with few strings. */
static bool find_text(const bc_program *p, const value *v, uint32_t *out)
{
    for (uint32_t i = 0; i < p->nstrings; i++) {
        if (p->strings[i].p == v->as.s && p->strings[i].len == v->len) {
            *out = i;
            return true;
        }
    }
    return false;
}

static bool write_const(const bc_program *p, uint32_t i, strbuf *b, char *err,
                        size_t errcap)
{
    const value *v = &p->consts[i];
    switch (v->kind) {
    case VAL_NONE:
        put_u8(b, CK_NONE);
        return true;
    case VAL_BOOL:
        put_u8(b, CK_BOOL);
        put_u8(b, v->as.b ? 1 : 0);
        return true;
    case VAL_INT:
        put_u8(b, CK_INT);
        put_u64(b, (uint64_t)v->as.i);
        return true;
    case VAL_DEC: {
        strbuf t;
        sb_init(&t, b->mem);
        dec_format(&v->as.d, &t);
        if (t.failed) {
            sb_free(&t);
            b->failed = true; /* bc_write's contract: OOM shows in [out] */
            put_err(err, errcap, "constant %u: out of memory", i);
            return false;
        }
        if (t.len >= 3 && memcmp(t.p + t.len - 3, "...", 3) == 0) {
            put_err(err, errcap,
                    "constant %u: decimal %s has no finite decimal form; "
                    "round it before writing",
                    i, t.p);
            sb_free(&t);
            return false;
        }
        put_u8(b, CK_DEC);
        put_u32(b, (uint32_t)t.len);
        sb_put(b, t.p, t.len);
        sb_free(&t);
        return true;
    }
    case VAL_DATE:
        put_u8(b, CK_DATE);
        put_u64(b, (uint64_t)v->as.i);
        return true;
    case VAL_DATETIME:
        put_u8(b, v->as.t.zone == DATE_ZONE_Z ? CK_DATETIME : CK_DATETIME_AT);
        put_u64(b, (uint64_t)v->as.t.sec);
        put_u32(b, (uint32_t)v->as.t.nsec);
        if (v->as.t.zone != DATE_ZONE_Z) {
            put_u16(b, (uint16_t)v->as.t.off);
            put_u8(b, v->as.t.zone);
        }
        return true;
    case VAL_DURATION:
        put_u8(b, CK_DURATION);
        put_u64(b, (uint64_t)v->as.i);
        return true;
    case VAL_TEXT: {
        uint32_t s;
        if (!find_text(p, v, &s)) {
            put_err(err, errcap,
                    "constant %u: text does not point at a string-table "
                    "entry",
                    i);
            return false;
        }
        put_u8(b, CK_TEXT);
        put_u32(b, s);
        return true;
    }
    case VAL_ENUM:
        put_u8(b, CK_ENUM);
        put_u16(b, v->type);
        put_u64(b, (uint64_t)v->as.i);
        return true;
    default:
        put_err(err, errcap,
                "constant %u: a %s constant cannot be stored in a file", i,
                kind_name(v->kind));
        return false;
    }
}

static bool write_body(const bc_program *p, strbuf *b, char *err,
                       size_t errcap)
{
    size_t at = begin_section(b, SEC_STRS);
    put_u32(b, p->nstrings);
    for (uint32_t i = 0; i < p->nstrings; i++) {
        put_u32(b, p->strings[i].len);
        sb_put(b, p->strings[i].p, p->strings[i].len);
    }
    end_section(b, at);

    at = begin_section(b, SEC_CNST);
    put_u32(b, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        if (!write_const(p, i, b, err, errcap)) {
            return false;
        }
    }
    end_section(b, at);

    at = begin_section(b, SEC_TYPE);
    put_u32(b, p->ntypes);
    for (uint32_t i = 0; i < p->ntypes; i++) {
        const bc_type *t = &p->types[i];
        put_u8(b, t->kind);
        put_u8(b, t->places);
        put_u8(b, t->has_min);
        put_u8(b, t->has_max);
        put_u16(b, t->ref);
        put_u16(b, t->currency);
        put_u64(b, (uint64_t)t->min);
        put_u64(b, (uint64_t)t->max);
    }
    end_section(b, at);

    at = begin_section(b, SEC_FILD);
    put_u32(b, p->nfields);
    for (uint32_t i = 0; i < p->nfields; i++) {
        const bc_field *f = &p->fields[i];
        put_u32(b, f->name);
        put_u32(b, f->json);
        put_u16(b, f->type);
        put_u16(b, f->unique_key);
        put_u8(b, f->flags);
    }
    end_section(b, at);

    at = begin_section(b, SEC_RECD);
    put_u32(b, p->nrecords);
    for (uint32_t i = 0; i < p->nrecords; i++) {
        const bc_record *r = &p->records[i];
        put_u32(b, r->name);
        put_u32(b, r->first_field);
        put_u16(b, r->nfields);
        put_u16(b, r->check_fn);
    }
    end_section(b, at);

    at = begin_section(b, SEC_MEMB);
    put_u32(b, p->nmembers);
    for (uint32_t i = 0; i < p->nmembers; i++) {
        put_u32(b, p->members[i].name);
        put_u32(b, p->members[i].json);
    }
    end_section(b, at);

    at = begin_section(b, SEC_ENUM);
    put_u32(b, p->nenums);
    for (uint32_t i = 0; i < p->nenums; i++) {
        const bc_enum *e = &p->enums[i];
        put_u32(b, e->name);
        put_u32(b, e->label);
        put_u32(b, e->first_member);
        put_u16(b, e->nmembers);
    }
    end_section(b, at);

    at = begin_section(b, SEC_FUNC);
    put_u32(b, p->nfuncs);
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const bc_func *f = &p->funcs[i];
        put_u32(b, f->name);
        put_u16(b, f->arity);
        put_u16(b, f->nlocals);
        put_u16(b, f->max_stack);
        put_u8(b, f->flags);
        put_u32(b, f->code_off);
        put_u32(b, f->code_len);
    }
    end_section(b, at);

    at = begin_section(b, SEC_CODE);
    put_u32(b, p->code_len);
    if (p->code_len) {
        sb_put(b, (const char *)p->code, p->code_len);
    }
    end_section(b, at);

    at = begin_section(b, SEC_LOCS);
    put_u32(b, p->nlocs);
    for (uint32_t i = 0; i < p->nlocs; i++) {
        put_u32(b, p->locs[i].pc);
        put_u32(b, p->locs[i].line);
        put_u32(b, p->locs[i].col);
        put_u16(b, p->locs[i].module);
    }
    end_section(b, at);

    at = begin_section(b, SEC_HEAD);
    put_u32(b, p->title);
    put_u32(b, p->version);
    put_u32(b, p->source);
    put_u16(b, p->input_record);
    put_u32(b, p->input_name);
    put_u16(b, p->key_field);
    put_u16(b, p->output_func);
    put_u16(b, p->output_type);
    end_section(b, at);

    at = begin_section(b, SEC_EXTN);
    put_u32(b, p->nexterns);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        put_u32(b, p->externs[i].name);
        put_u32(b, p->externs[i].library);
        put_u32(b, p->externs[i].params);
        put_u8(b, p->externs[i].result);
    }
    end_section(b, at);

    at = begin_section(b, SEC_CITE);
    put_u32(b, p->origin);
    put_u32(b, p->ncites);
    for (uint32_t i = 0; i < p->ncites; i++) {
        put_u32(b, p->cites[i].text);
        put_u32(b, p->cites[i].url);
        put_u32(b, p->cites[i].by);
        put_u16(b, p->cites[i].func);
    }
    end_section(b, at);

    at = begin_section(b, SEC_PARM);
    put_u32(b, p->nparams);
    for (uint32_t i = 0; i < p->nparams; i++) {
        put_u32(b, p->params[i].name);
        put_u16(b, p->params[i].func);
        put_u16(b, p->params[i].type);
        put_u32(b, p->params[i].first_row);
        put_u16(b, p->params[i].nrows);
    }
    put_u32(b, p->nparam_rows);
    for (uint32_t i = 0; i < p->nparam_rows; i++) {
        put_u64(b, (uint64_t)p->param_rows[i].from);
        put_u64(b, (uint64_t)p->param_rows[i].until);
    }
    end_section(b, at);

    at = begin_section(b, SEC_MODS);
    put_u32(b, p->nmodules);
    for (uint32_t i = 0; i < p->nmodules; i++) {
        put_u32(b, p->modules[i].name);
        put_u32(b, p->modules[i].version);
        put_u32(b, p->modules[i].origin);
    }
    end_section(b, at);

    at = begin_section(b, SEC_FIND);
    put_u16(b, p->findings_func);
    put_u16(b, p->findings_type);
    end_section(b, at);

    at = begin_section(b, SEC_REPT);
    put_u32(b, p->nreports);
    for (uint32_t i = 0; i < p->nreports; i++) {
        const bc_report *rp = &p->reports[i];
        put_u32(b, rp->name);
        put_u16(b, rp->func);
        put_u16(b, rp->in_type);
        put_u16(b, rp->out_type);
        put_u16(b, rp->nkeys);
        put_u16(b, rp->ncols);
        put_u16(b, rp->top_col);
        put_u8(b, rp->top_desc);
        put_u32(b, rp->top);
        for (uint16_t c = 0; c < rp->ncols; c++) {
            put_u8(b, rp->cols[c].agg);
            put_u8(b, rp->cols[c].places);
            put_u8(b, rp->cols[c].mode);
            put_u8(b, rp->cols[c].flags);
        }
    }
    end_section(b, at);
    return true;
}

bool bc_write(const bc_program *p, strbuf *out, char *err, size_t errcap)
{
    if (out->failed) {
        put_err(err, errcap, "out of memory");
        return false;
    }
    size_t start = out->len;
    sb_put(out, MAGIC, MAGIC_LEN);
    sb_put(out, SENTINEL, SENTINEL_LEN);
    put_u16(out, BC_FORMAT_VERSION);
    put_u32(out, PROBE);
    size_t len_at = out->len;
    put_u32(out, 0);
    if (!write_body(p, out, err, errcap)) {
        goto fail;
    }
    size_t total = out->len - start + CHECKSUM_LEN;
    if (!out->failed && total > UINT32_MAX) {
        put_err(err, errcap, "program too large: %zu bytes, the format "
                "holds at most 4 GiB", total);
        goto fail;
    }
    if (!out->failed) {
        patch_u32(out, len_at, (uint32_t)total);
        put_u64(out, bc_checksum((const uint8_t *)out->p + start,
                                 out->len - start));
    }
    if (out->failed) {
        put_err(err, errcap, "out of memory");
        goto fail;
    }
    return true;

fail:
    /* Drop the partial file; an allocation failure stays visible in
     * [out]->failed, as after any failed append. */
    out->len = start;
    if (out->p) {
        out->p[start] = '\0';
    }
    return false;
}

/* ---- reading --------------------------------------------------------- */

typedef struct reader {
    const uint8_t *buf; /* borrowed: the whole file */
    size_t pos;         /* next byte to read */
    size_t end;         /* reads stop here: the current section's end */
    bc_program *prog;   /* being built; owned until returned */
    char *err;
    size_t errcap;
    bool nomem;         /* the failure was for want of memory */
    uint16_t version;   /* the file's format version */
} reader;

static bool fail(reader *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "offset AT: <message>" to the error buffer; returns false. */
static bool fail(reader *r, size_t at, const char *fmt, ...)
{
    if (!r->err || r->errcap == 0) {
        return false;
    }
    int n = snprintf(r->err, r->errcap, "offset %zu: ", at);
    if (n >= 0 && (size_t)n < r->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + n, r->errcap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static size_t left(const reader *r)
{
    return r->end - r->pos;
}

/* Checks that [n] bytes of [what] remain in the current section. */
static bool need(reader *r, size_t n, const char *what)
{
    if (left(r) < n) {
        return fail(r, r->pos, "truncated: expected %s (%zu bytes), %zu left",
                    what, n, left(r));
    }
    return true;
}

static uint8_t get_u8(reader *r)
{
    return r->buf[r->pos++];
}

static uint16_t get_u16(reader *r)
{
    uint16_t v = bc_u16(r->buf + r->pos);
    r->pos += 2;
    return v;
}

static uint32_t get_u32(reader *r)
{
    uint32_t v = bc_u32(r->buf + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t get_u64(reader *r)
{
    uint64_t lo = bc_u32(r->buf + r->pos);
    uint64_t hi = bc_u32(r->buf + r->pos + 4);
    r->pos += 8;
    return lo | (hi << 32);
}

/* Reads a table count: the u32 at pos, which must leave room for that many
 * entries of at least [min_len] bytes each. */
static bool get_count(reader *r, size_t min_len, const char *what,
                      uint32_t *count)
{
    size_t at = r->pos;
    if (!need(r, 4, "a count")) {
        return false;
    }
    *count = get_u32(r);
    if (*count > left(r) / min_len) {
        return fail(r, at, "%u %s cannot fit in the %zu bytes left", *count,
                    what, left(r));
    }
    return true;
}

/* Allocates [count] zeroed entries of [size] bytes in the program arena;
 * NULL (and *ok true) for an empty table. */
static void *alloc_table(reader *r, uint32_t count, size_t size, bool *ok)
{
    *ok = true;
    if (count == 0) {
        return NULL;
    }
    if (count > SIZE_MAX / size) {
        *ok = fail(r, r->pos, "table of %u entries too large", count);
        return NULL;
    }
    void *t = arena_zalloc(&r->prog->arena, (size_t)count * size);
    if (!t) {
        r->nomem = true;
        *ok = fail(r, r->pos, "out of memory");
    }
    return t;
}

static bool read_strings(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, 4, "strings", &p->nstrings)) {
        return false;
    }
    p->strings = alloc_table(r, p->nstrings, sizeof *p->strings, &ok);
    if (!ok) {
        return false;
    }
    for (uint32_t i = 0; i < p->nstrings; i++) {
        size_t at = r->pos;
        if (!need(r, 4, "a string length")) {
            return false;
        }
        uint32_t len = get_u32(r);
        if (len > left(r)) {
            return fail(r, at, "string %u: length %u runs past the section "
                        "(%zu bytes left)", i, len, left(r));
        }
        char *s = arena_strndup(&p->arena, (const char *)r->buf + r->pos, len);
        if (!s) {
            r->nomem = true;
            return fail(r, at, "out of memory");
        }
        p->strings[i].p = s;
        p->strings[i].len = len;
        r->pos += len;
    }
    return true;
}

static bool read_const(reader *r, uint32_t i, value *v)
{
    bc_program *p = r->prog;
    size_t at = r->pos;
    if (!need(r, 1, "a constant kind")) {
        return false;
    }
    uint8_t kind = get_u8(r);
    memset(v, 0, sizeof *v);
    switch (kind) {
    case CK_NONE:
        v->kind = VAL_NONE;
        return true;
    case CK_BOOL: {
        if (!need(r, 1, "a bool")) {
            return false;
        }
        uint8_t b = get_u8(r);
        if (b > 1) {
            return fail(r, at, "constant %u: bool byte %u, expected 0 or 1",
                        i, b);
        }
        *v = val_bool(b == 1);
        return true;
    }
    case CK_INT:
    case CK_DATE:
    case CK_DURATION:
        if (!need(r, 8, "an i64")) {
            return false;
        }
        v->kind = kind == CK_INT    ? VAL_INT
                  : kind == CK_DATE ? VAL_DATE
                                    : VAL_DURATION;
        v->as.i = (int64_t)get_u64(r);
        return true;
    case CK_DEC: {
        if (!need(r, 4, "a decimal length")) {
            return false;
        }
        uint32_t len = get_u32(r);
        if (len > left(r)) {
            return fail(r, at, "constant %u: decimal text of %u bytes runs "
                        "past the section (%zu bytes left)", i, len, left(r));
        }
        dec d;
        dec_status st = dec_parse(&p->arena, (const char *)r->buf + r->pos,
                                  len, &d);
        if (st == DEC_ENOMEM) {
            r->nomem = true;
            return fail(r, at, "constant %u: out of memory", i);
        }
        if (st != DEC_OK) {
            return fail(r, at, "constant %u: expected decimal text such as "
                        "\"-12.5\"", i);
        }
        r->pos += len;
        *v = val_dec(d);
        return true;
    }
    case CK_DATETIME:
    case CK_DATETIME_AT:
        if (!need(r, kind == CK_DATETIME ? 12 : 15, "an instant")) {
            return false;
        }
        v->kind = VAL_DATETIME;
        v->as.t.sec = (int64_t)get_u64(r);
        v->as.t.nsec = (int32_t)get_u32(r);
        if (kind == CK_DATETIME_AT) {
            /* verify.c checks the pair (date_instant_zone_ok). */
            v->as.t.off = (int16_t)get_u16(r);
            v->as.t.zone = get_u8(r);
        }
        return true;
    case CK_TEXT: {
        if (!need(r, 4, "a string index")) {
            return false;
        }
        uint32_t s = get_u32(r);
        if (s >= p->nstrings) {
            return fail(r, at, "constant %u: string %u out of range (%u "
                        "strings)", i, s, p->nstrings);
        }
        *v = val_text(p->strings[s].p, p->strings[s].len);
        return true;
    }
    case CK_ENUM:
        if (!need(r, 10, "an enum index and ordinal")) {
            return false;
        }
        v->kind = VAL_ENUM;
        v->type = get_u16(r);
        v->as.i = (int64_t)get_u64(r);
        return true;
    default:
        return fail(r, at, "constant %u: unknown kind %u", i, kind);
    }
}

static bool read_consts(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, 1, "constants", &p->nconsts)) {
        return false;
    }
    p->consts = alloc_table(r, p->nconsts, sizeof *p->consts, &ok);
    if (!ok) {
        return false;
    }
    for (uint32_t i = 0; i < p->nconsts; i++) {
        if (!read_const(r, i, &p->consts[i])) {
            return false;
        }
    }
    return true;
}

static bool read_types(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, TYPE_LEN, "types", &p->ntypes)) {
        return false;
    }
    p->types = alloc_table(r, p->ntypes, sizeof *p->types, &ok);
    for (uint32_t i = 0; ok && i < p->ntypes; i++) {
        bc_type *t = &p->types[i];
        t->kind = get_u8(r);
        t->places = get_u8(r);
        t->has_min = get_u8(r);
        t->has_max = get_u8(r);
        t->ref = get_u16(r);
        t->currency = get_u16(r);
        t->min = (int64_t)get_u64(r);
        t->max = (int64_t)get_u64(r);
    }
    return ok;
}

static bool read_fields(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, FIELD_LEN, "fields", &p->nfields)) {
        return false;
    }
    p->fields = alloc_table(r, p->nfields, sizeof *p->fields, &ok);
    for (uint32_t i = 0; ok && i < p->nfields; i++) {
        bc_field *f = &p->fields[i];
        f->name = get_u32(r);
        f->json = get_u32(r);
        f->type = get_u16(r);
        f->unique_key = get_u16(r);
        f->flags = get_u8(r);
    }
    return ok;
}

static bool read_records(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, RECORD_LEN, "records", &p->nrecords)) {
        return false;
    }
    p->records = alloc_table(r, p->nrecords, sizeof *p->records, &ok);
    for (uint32_t i = 0; ok && i < p->nrecords; i++) {
        bc_record *rec = &p->records[i];
        rec->name = get_u32(r);
        rec->first_field = get_u32(r);
        rec->nfields = get_u16(r);
        rec->check_fn = get_u16(r);
    }
    return ok;
}

static bool read_members(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, MEMBER_LEN, "members", &p->nmembers)) {
        return false;
    }
    p->members = alloc_table(r, p->nmembers, sizeof *p->members, &ok);
    for (uint32_t i = 0; ok && i < p->nmembers; i++) {
        p->members[i].name = get_u32(r);
        p->members[i].json = get_u32(r);
    }
    return ok;
}

static bool read_enums(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, ENUM_LEN, "enums", &p->nenums)) {
        return false;
    }
    p->enums = alloc_table(r, p->nenums, sizeof *p->enums, &ok);
    for (uint32_t i = 0; ok && i < p->nenums; i++) {
        bc_enum *e = &p->enums[i];
        e->name = get_u32(r);
        e->label = get_u32(r);
        e->first_member = get_u32(r);
        e->nmembers = get_u16(r);
    }
    return ok;
}

static bool read_funcs(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, FUNC_LEN, "functions", &p->nfuncs)) {
        return false;
    }
    p->funcs = alloc_table(r, p->nfuncs, sizeof *p->funcs, &ok);
    for (uint32_t i = 0; ok && i < p->nfuncs; i++) {
        bc_func *f = &p->funcs[i];
        f->name = get_u32(r);
        f->arity = get_u16(r);
        f->nlocals = get_u16(r);
        f->max_stack = get_u16(r);
        f->flags = get_u8(r);
        f->code_off = get_u32(r);
        f->code_len = get_u32(r);
    }
    return ok;
}

static bool read_code(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, 1, "code bytes", &p->code_len)) {
        return false;
    }
    p->code = alloc_table(r, p->code_len, 1, &ok);
    if (ok && p->code_len) {
        memcpy(p->code, r->buf + r->pos, p->code_len);
        r->pos += p->code_len;
    }
    return ok;
}

static bool read_locs(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    bool has_module = r->version >= 6;
    if (!get_count(r, has_module ? LOC_LEN : LOC_LEN_V4, "locations",
                   &p->nlocs)) {
        return false;
    }
    p->locs = alloc_table(r, p->nlocs, sizeof *p->locs, &ok);
    for (uint32_t i = 0; ok && i < p->nlocs; i++) {
        p->locs[i].pc = get_u32(r);
        p->locs[i].line = get_u32(r);
        p->locs[i].col = get_u32(r);
        p->locs[i].module = has_module ? get_u16(r) : BC_NONE_U16;
    }
    return ok;
}

static bool read_modules(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, MODULE_LEN, "modules", &p->nmodules)) {
        return false;
    }
    p->modules = alloc_table(r, p->nmodules, sizeof *p->modules, &ok);
    for (uint32_t i = 0; ok && i < p->nmodules; i++) {
        p->modules[i].name = get_u32(r);
        p->modules[i].version = get_u32(r);
        p->modules[i].origin = get_u32(r);
    }
    return ok;
}

static bool read_findings(reader *r)
{
    bc_program *p = r->prog;
    if (!need(r, 4, "the findings function")) {
        return false;
    }
    p->findings_func = get_u16(r);
    p->findings_type = get_u16(r);
    return true;
}

/* The reports: fixed entries of REPORT_LEN bytes, each followed by its
 * columns, COLUMN_LEN bytes each. */
#define REPORT_LEN 21
#define COLUMN_LEN 4
static bool read_reports(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, REPORT_LEN, "reports", &p->nreports)) {
        return false;
    }
    p->reports = alloc_table(r, p->nreports, sizeof *p->reports, &ok);
    for (uint32_t i = 0; ok && i < p->nreports; i++) {
        bc_report *rp = &p->reports[i];
        if (!need(r, REPORT_LEN, "a report")) {
            return false;
        }
        rp->name = get_u32(r);
        rp->func = get_u16(r);
        rp->in_type = get_u16(r);
        rp->out_type = get_u16(r);
        rp->nkeys = get_u16(r);
        rp->ncols = get_u16(r);
        rp->top_col = get_u16(r);
        rp->top_desc = get_u8(r);
        rp->top = get_u32(r);
        if (!need(r, (size_t)rp->ncols * COLUMN_LEN, "a report's columns")) {
            return false;
        }
        rp->cols = alloc_table(r, rp->ncols, sizeof *rp->cols, &ok);
        for (uint16_t c = 0; ok && c < rp->ncols; c++) {
            rp->cols[c].agg = get_u8(r);
            rp->cols[c].places = get_u8(r);
            rp->cols[c].mode = get_u8(r);
            rp->cols[c].flags = get_u8(r);
        }
    }
    return ok;
}

static bool read_head(reader *r)
{
    bc_program *p = r->prog;
    if (!need(r, HEAD_LEN, "the header fields")) {
        return false;
    }
    p->title = get_u32(r);
    p->version = get_u32(r);
    p->source = get_u32(r);
    p->input_record = get_u16(r);
    p->input_name = get_u32(r);
    p->key_field = get_u16(r);
    p->output_func = get_u16(r);
    p->output_type = get_u16(r);
    return true;
}

static bool read_externs(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, EXTERN_LEN, "extern definitions", &p->nexterns)) {
        return false;
    }
    p->externs = alloc_table(r, p->nexterns, sizeof *p->externs, &ok);
    for (uint32_t i = 0; ok && i < p->nexterns; i++) {
        bc_extern *x = &p->externs[i];
        x->name = get_u32(r);
        x->library = get_u32(r);
        x->params = get_u32(r);
        x->result = get_u8(r);
        /* The strings come first in the file, so the arity is known
         * here; an index out of range is the verifier's to report. */
        x->arity = x->params < p->nstrings && p->strings[x->params].len <= 0xFFFF
                       ? (uint16_t)p->strings[x->params].len
                       : 0xFFFF;
    }
    return ok;
}

static bool read_cites(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!need(r, 4, "the header's source")) {
        return false;
    }
    p->origin = get_u32(r);
    if (!get_count(r, CITE_LEN, "citations", &p->ncites)) {
        return false;
    }
    p->cites = alloc_table(r, p->ncites, sizeof *p->cites, &ok);
    for (uint32_t i = 0; ok && i < p->ncites; i++) {
        p->cites[i].text = get_u32(r);
        p->cites[i].url = get_u32(r);
        p->cites[i].by = get_u32(r);
        p->cites[i].func = get_u16(r);
    }
    return ok;
}

static bool read_params(reader *r)
{
    bc_program *p = r->prog;
    bool ok;
    if (!get_count(r, PARAM_LEN, "parameters", &p->nparams)) {
        return false;
    }
    p->params = alloc_table(r, p->nparams, sizeof *p->params, &ok);
    for (uint32_t i = 0; ok && i < p->nparams; i++) {
        p->params[i].name = get_u32(r);
        p->params[i].func = get_u16(r);
        p->params[i].type = get_u16(r);
        p->params[i].first_row = get_u32(r);
        p->params[i].nrows = get_u16(r);
    }
    if (!ok || !get_count(r, PARAM_ROW_LEN, "parameter rows", &p->nparam_rows)) {
        return false;
    }
    p->param_rows = alloc_table(r, p->nparam_rows, sizeof *p->param_rows, &ok);
    for (uint32_t i = 0; ok && i < p->nparam_rows; i++) {
        p->param_rows[i].from = (int64_t)get_u64(r);
        p->param_rows[i].until = (int64_t)get_u64(r);
    }
    return ok;
}

static bool (*const section_reader[SEC_COUNT])(reader *) = {
    [SEC_STRS] = read_strings, [SEC_CNST] = read_consts,
    [SEC_TYPE] = read_types,   [SEC_FILD] = read_fields,
    [SEC_RECD] = read_records, [SEC_MEMB] = read_members,
    [SEC_ENUM] = read_enums,   [SEC_FUNC] = read_funcs,
    [SEC_CODE] = read_code,    [SEC_LOCS] = read_locs,
    [SEC_HEAD] = read_head,    [SEC_EXTN] = read_externs,
    [SEC_CITE] = read_cites,   [SEC_PARM] = read_params,
    [SEC_MODS] = read_modules,  [SEC_FIND] = read_findings,
    [SEC_REPT] = read_reports,
};

/* Prints a four-byte tag for a message, non-printable bytes as '?'. */
static void tag_text(const uint8_t *b, char out[5])
{
    for (int i = 0; i < 4; i++) {
        out[i] = (char)(b[i] >= 0x20 && b[i] < 0x7F ? b[i] : '?');
    }
    out[4] = '\0';
}

/* Reads the sections between the header and the checksum, which starts
 * at [body_end]. */
static bool read_sections(reader *r, size_t body_end, int nsections)
{
    for (int sec = 0; sec < nsections; sec++) {
        size_t at = r->pos;
        r->end = body_end;
        if (!need(r, SECTION_HEAD, "a section head")) {
            return false;
        }
        if (memcmp(r->buf + r->pos, section_tag[sec], 4) != 0) {
            char found[5];
            tag_text(r->buf + r->pos, found);
            return fail(r, at, "expected section %s, found \"%s\"",
                        section_tag[sec], found);
        }
        r->pos += 4;
        uint32_t len = get_u32(r);
        if (len > left(r)) {
            return fail(r, at, "section %s: length %u runs past the end of "
                        "the sections (%zu bytes left)", section_tag[sec],
                        len, left(r));
        }
        r->end = r->pos + len;
        if (!section_reader[sec](r)) {
            return false;
        }
        if (r->pos != r->end) {
            return fail(r, r->pos, "section %s: %zu bytes after its last "
                        "entry, expected the section to end",
                        section_tag[sec], left(r));
        }
    }
    if (r->pos != body_end) {
        return fail(r, r->pos, "%zu bytes after section %s, expected the "
                    "checksum", body_end - r->pos, section_tag[nsections - 1]);
    }
    return true;
}

static bool read_header(reader *r, size_t len, uint16_t *version_out)
{
    r->end = len;
    if (!need(r, MAGIC_LEN, "magic")) {
        return false;
    }
    if (memcmp(r->buf, MAGIC, MAGIC_LEN) != 0) {
        return fail(r, 0, "bad magic: not a Tally bytecode file");
    }
    r->pos = MAGIC_LEN;
    if (!need(r, SENTINEL_LEN, "sentinel")) {
        return false;
    }
    if (memcmp(r->buf + r->pos, SENTINEL, SENTINEL_LEN) != 0) {
        return fail(r, r->pos, "mangled sentinel: expected bytes 0d 0a 1a "
                    "0a (was the file copied as text?)");
    }
    r->pos += SENTINEL_LEN;
    if (!need(r, 2, "format version")) {
        return false;
    }
    uint16_t version = get_u16(r);
    if (version < BC_FORMAT_MIN_VERSION || version > BC_FORMAT_VERSION) {
        return fail(r, r->pos - 2, "format version %u, expected %u: "
                    "rebuild the policy with this tally", version,
                    BC_FORMAT_VERSION);
    }
    *version_out = version;
    if (!need(r, 4, "byte-order probe")) {
        return false;
    }
    uint32_t probe = get_u32(r);
    if (probe != PROBE) {
        return fail(r, r->pos - 4, "byte-order probe 0x%08x, expected "
                    "0x%08x", probe, PROBE);
    }
    if (!need(r, 4, "file length")) {
        return false;
    }
    uint32_t file_len = get_u32(r);
    if (file_len != len) {
        return fail(r, r->pos - 4, "file length field says %u bytes, "
                    "expected the %zu bytes present%s", file_len, len,
                    file_len > len ? " (truncated?)" : "");
    }
    if (len < HEADER_LEN + CHECKSUM_LEN) {
        return fail(r, r->pos - 4, "file length %zu, expected at least %d",
                    len, HEADER_LEN + CHECKSUM_LEN);
    }
    size_t body_end = len - CHECKSUM_LEN;
    uint64_t want = bc_checksum(r->buf, body_end);
    r->pos = body_end;
    uint64_t got = get_u64(r);
    if (got != want) {
        return fail(r, body_end, "checksum 0x%016llx, expected 0x%016llx: "
                    "the file is corrupted", (unsigned long long)got,
                    (unsigned long long)want);
    }
    r->pos = HEADER_LEN;
    return true;
}

/* Reads the whole file into a new program in *out (NULL on failure). */
static bool read_file(reader *r, mem_ctx *mem, size_t len, bc_program **out)
{
    *out = NULL;
    uint16_t version = 0;
    if (!read_header(r, len, &version)) {
        return false;
    }
    r->prog = bc_program_new(mem);
    if (!r->prog) {
        r->nomem = true;
        return fail(r, 0, "out of memory");
    }
    /* Format 3 ends with HEAD: it cannot name a native function; format
     * 4 ends with EXTN: it cites nothing; format 5 with PARM: it has no
     * modules; format 6 with MODS: it has no findings; format 7 with
     * FIND: it has no reports. */
    r->version = version;
    int nsections = version >= 8   ? SEC_COUNT
                    : version == 7 ? SEC_REPT
                    : version == 6 ? SEC_FIND
                    : version == 5 ? SEC_MODS
                    : version == 4 ? SEC_CITE
                                   : SEC_EXTN;
    if (!read_sections(r, len - CHECKSUM_LEN, nsections)) {
        bc_program_free(r->prog);
        return false;
    }
    *out = r->prog;
    return true;
}

rt_status bc_load(mem_ctx *mem, const uint8_t *buf, size_t len,
                  bc_program **out, char *err, size_t errcap)
{
    if (err && errcap) {
        err[0] = '\0';
    }
    reader r = {.buf = buf, .err = err, .errcap = errcap};
    if (read_file(&r, mem, len, out)) {
        return RT_OK;
    }
    return r.nomem ? RT_ENOMEM : RT_EINVALID;
}

bool bc_read(mem_ctx *mem, const uint8_t *buf, size_t len, bc_program **out,
             char *err, size_t errcap)
{
    return bc_load(mem, buf, len, out, err, errcap) == RT_OK;
}
