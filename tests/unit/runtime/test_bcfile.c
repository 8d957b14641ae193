/* tests/unit/runtime/test_bcfile.c - unit tests for runtime/bcfile.c.
 *
 * Takes a program built by hand with every table filled (sample_program.h,
 * shared with test_verify.c: two records, an enum, constants of every
 * kind including 0.1 and a 40-digit decimal, two functions, one with a
 * loop, and locations), writes it and reads it back field for field.
 * Then attacks the reader: every header field, every prefix of a valid
 * file, every single-bit flip (rejected by the checksum, then again with
 * the checksum re-sealed so the structural checks and the verifier see
 * the damage), seeded random damage, and every allocation failing in
 * turn.  A counting mem_ctx proves nothing leaks on any path; run the
 * suite under ASan too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bcfile.h"
#include "bytecode.h"
#include "disasm.h"
#include "verify.h"

#include "sample_program.h"

/* ---- helpers --------------------------------------------------------- */

static void assert_value_equal(const bc_program *pa, const value *x,
                               const bc_program *pb, const value *y)
{
    assert_int_equal(x->kind, y->kind);
    assert_int_equal(x->flags, y->flags);
    assert_int_equal(x->type, y->type);
    assert_int_equal(x->len, y->len);
    switch (x->kind) {
    case VAL_NONE:
        break;
    case VAL_BOOL:
        assert_int_equal(x->as.b, y->as.b);
        break;
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
    case VAL_ENUM:
        assert_true(x->as.i == y->as.i);
        break;
    case VAL_DEC:
        assert_int_equal(DEC_IS_BIG(x->as.d), DEC_IS_BIG(y->as.d));
        assert_int_equal(dec_cmp(&x->as.d, &y->as.d), 0);
        break;
    case VAL_DATETIME:
        assert_true(x->as.t.sec == y->as.t.sec);
        assert_int_equal(x->as.t.nsec, y->as.t.nsec);
        assert_int_equal(x->as.t.off, y->as.t.off);
        assert_int_equal(x->as.t.zone, y->as.t.zone);
        break;
    case VAL_TEXT: {
        assert_memory_equal(x->as.s, y->as.s, x->len);
        /* both point at the same string-table entry */
        uint32_t i = 0;
        while (i < pa->nstrings && pa->strings[i].p != x->as.s) {
            i++;
        }
        assert_true(i < pa->nstrings);
        assert_ptr_equal(pb->strings[i].p, y->as.s);
        break;
    }
    default:
        fail_msg("unexpected constant kind %u", x->kind);
    }
}

/* Asserts a->X[i].F == b->X[i].F for each listed field F of table X. */
#define EQ(t, f) assert_true(a->t[i].f == b->t[i].f)

/* Field-for-field equality of two programs. */
static void assert_prog_equal(const bc_program *a, const bc_program *b)
{
    assert_int_equal(a->nstrings, b->nstrings);
    for (uint32_t i = 0; i < a->nstrings; i++) {
        assert_int_equal(a->strings[i].len, b->strings[i].len);
        assert_memory_equal(a->strings[i].p, b->strings[i].p,
                            a->strings[i].len + 1); /* the NUL too */
    }
    assert_int_equal(a->nconsts, b->nconsts);
    for (uint32_t i = 0; i < a->nconsts; i++) {
        assert_value_equal(a, &a->consts[i], b, &b->consts[i]);
    }
    assert_int_equal(a->ntypes, b->ntypes);
    for (uint32_t i = 0; i < a->ntypes; i++) {
        EQ(types, kind);
        EQ(types, places);
        EQ(types, has_min);
        EQ(types, has_max);
        EQ(types, ref);
        EQ(types, currency);
        EQ(types, min);
        EQ(types, max);
    }
    assert_int_equal(a->nfields, b->nfields);
    for (uint32_t i = 0; i < a->nfields; i++) {
        EQ(fields, name);
        EQ(fields, json);
        EQ(fields, type);
        EQ(fields, unique_key);
        EQ(fields, flags);
    }
    assert_int_equal(a->nrecords, b->nrecords);
    for (uint32_t i = 0; i < a->nrecords; i++) {
        EQ(records, name);
        EQ(records, first_field);
        EQ(records, nfields);
        EQ(records, check_fn);
    }
    assert_int_equal(a->nmembers, b->nmembers);
    for (uint32_t i = 0; i < a->nmembers; i++) {
        EQ(members, name);
        EQ(members, json);
    }
    assert_int_equal(a->nenums, b->nenums);
    for (uint32_t i = 0; i < a->nenums; i++) {
        EQ(enums, name);
        EQ(enums, label);
        EQ(enums, first_member);
        EQ(enums, nmembers);
    }
    assert_int_equal(a->nfuncs, b->nfuncs);
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        EQ(funcs, name);
        EQ(funcs, arity);
        EQ(funcs, nlocals);
        EQ(funcs, max_stack);
        EQ(funcs, flags);
        EQ(funcs, code_off);
        EQ(funcs, code_len);
    }
    assert_int_equal(a->nlocs, b->nlocs);
    for (uint32_t i = 0; i < a->nlocs; i++) {
        EQ(locs, pc);
        EQ(locs, line);
        EQ(locs, col);
        EQ(locs, module);
    }
    assert_int_equal(a->nmodules, b->nmodules);
    for (uint32_t i = 0; i < a->nmodules; i++) {
        EQ(modules, name);
        EQ(modules, version);
        EQ(modules, origin);
    }
    assert_int_equal(a->code_len, b->code_len);
    if (a->code_len) {
        assert_memory_equal(a->code, b->code, a->code_len);
    }
    assert_int_equal(a->title, b->title);
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->source, b->source);
    assert_int_equal(a->input_record, b->input_record);
    assert_int_equal(a->input_name, b->input_name);
    assert_int_equal(a->key_field, b->key_field);
    assert_int_equal(a->output_func, b->output_func);
    assert_int_equal(a->output_type, b->output_type);
}

/* Writes [p]; the caller frees the returned buffer (malloc). */
static uint8_t *write_prog(const bc_program *p, size_t *len)
{
    strbuf b;
    sb_init(&b, NULL);
    char err[256];
    if (!bc_write(p, &b, err, sizeof err)) {
        fail_msg("bc_write: %s", err);
    }
    uint8_t *out = malloc(b.len);
    assert_non_null(out);
    memcpy(out, b.p, b.len);
    *len = b.len;
    sb_free(&b);
    return out;
}

static uint8_t *sample_file(size_t *len)
{
    bc_program *p = sample(NULL);
    uint8_t *buf = write_prog(p, len);
    bc_program_free(p);
    return buf;
}

static void put32(uint8_t *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
    }
}

/* Recomputes the trailing checksum after a deliberate change. */
static void reseal(uint8_t *b, size_t len)
{
    uint64_t h = bc_checksum(b, len - 8);
    for (int i = 0; i < 8; i++) {
        b[len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
    }
}

/* Offset of section [tag]'s head in a well-formed file. */
static size_t section(const uint8_t *b, size_t len, const char *tag)
{
    size_t pos = 20;
    while (pos + 8 <= len - 8) {
        if (memcmp(b + pos, tag, 4) == 0) {
            return pos;
        }
        pos += 8 + (size_t)bc_u32(b + pos + 4);
    }
    fail_msg("no section %s", tag);
    return 0;
}

/* A copy of [b] with [byte] inserted at [at], which lies in section
 * [tag] (or, for NULL, between sections), the lengths fixed and the
 * checksum re-sealed. */
static uint8_t *insert_byte(const uint8_t *b, size_t len, size_t at,
                            const char *tag, uint8_t byte)
{
    uint8_t *c = malloc(len + 1);
    assert_non_null(c);
    memcpy(c, b, at);
    c[at] = byte;
    memcpy(c + at + 1, b + at, len - at);
    if (tag) {
        size_t s = section(b, len, tag);
        put32(c, s + 4, bc_u32(b + s + 4) + 1);
    }
    put32(c, 16, (uint32_t)len + 1);
    reseal(c, len + 1);
    return c;
}

/* Reads [len] bytes that must be rejected with a message starting with
 * "offset " and containing [want]; checks nothing leaked. */
static void assert_rejects(const uint8_t *b, size_t len, const char *want)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = (bc_program *)1;
    char err[256];
    bool ok = bc_read(&mem, b, len, &p, err, sizeof err);
    if (ok) {
        bc_program_free(p);
        fail_msg("accepted, expected \"%s\"", want);
    }
    assert_null(p);
    if (strncmp(err, "offset ", 7) != 0 || !strstr(err, want)) {
        fail_msg("error \"%s\", expected \"%s\"", err, want);
    }
    assert_int_equal(mem.live, 0);
}

/* ---- round trip ------------------------------------------------------ */

static void test_bcfile_round_trip(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = sample(&mem);
    char err[256];
    assert_true(vfy_program(p, err, sizeof err));

    strbuf b;
    sb_init(&b, &mem);
    sb_puts(&b, "prefix"); /* bc_write appends */
    assert_true(bc_write(p, &b, err, sizeof err));
    assert_memory_equal(b.p, "prefix", 6);

    bc_program *q = NULL;
    assert_true(bc_read(&mem, (const uint8_t *)b.p + 6, b.len - 6, &q, err,
                        sizeof err));
    assert_prog_equal(p, q);
    assert_true(vfy_program(q, err, sizeof err));
    assert_true(DEC_IS_BIG(q->consts[C_BIG].as.d));
    assert_int_equal(q->strings[S_NUL].len, 3);

    /* Writing is deterministic: the copy writes the same bytes. */
    strbuf c;
    sb_init(&c, &mem);
    assert_true(bc_write(q, &c, err, sizeof err));
    assert_int_equal(c.len, b.len - 6);
    assert_memory_equal(c.p, b.p + 6, c.len);

    sb_free(&c);
    sb_free(&b);
    bc_program_free(q);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_bcfile_round_trip_empty(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = bc_program_new(&mem);
    strbuf b;
    sb_init(&b, &mem);
    char err[256];
    assert_true(bc_write(p, &b, err, sizeof err));
    /* header 20 + 17 sections of 8 + counts (13 x 4) + HEAD 24 + CITE's
     * origin and count 8 + PARM's two counts 8 + FIND 4 + sum 8 */
    assert_int_equal(b.len, 20 + 17 * 8 + 13 * 4 + 24 + 8 + 8 + 4 + 8);
    bc_program *q = NULL;
    assert_true(bc_read(&mem, (const uint8_t *)b.p, b.len, &q, err,
                        sizeof err));
    assert_prog_equal(p, q);
    assert_null(q->strings);
    assert_null(q->code);
    sb_free(&b);
    bc_program_free(q);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_bcfile_header_layout(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    assert_memory_equal(b, "\x1bTALLY\r\n\x1a\n", 10);
    assert_int_equal(bc_u16(b + 10), BC_FORMAT_VERSION);
    assert_memory_equal(b + 12, "\x04\x03\x02\x01", 4);
    assert_int_equal(bc_u32(b + 16), len);
    assert_memory_equal(b + 20, "STRS", 4);
    /* the checksum is FNV-1a 64 of everything before it */
    uint64_t h = bc_checksum(b, len - 8);
    assert_true(bc_u32(b + len - 8) == (uint32_t)h);
    assert_true(bc_u32(b + len - 4) == (uint32_t)(h >> 32));
    /* fixed-size tables take the entry sizes the layout documents */
    static const struct {
        const char *tag;
        uint32_t count, size;
    } tables[] = {
        {"TYPE", T_COUNT, 24}, {"FILD", 5, 13}, {"RECD", 2, 12},
        {"MEMB", 2, 8},        {"ENUM", 1, 14}, {"FUNC", 2, 19},
        {"LOCS", 6, 14},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        size_t s = section(b, len, tables[i].tag);
        assert_int_equal(bc_u32(b + s + 8), tables[i].count);
        assert_int_equal(bc_u32(b + s + 4), 4 + tables[i].count *
                                                    tables[i].size);
    }
    size_t head = section(b, len, "HEAD");
    assert_int_equal(bc_u32(b + head + 4), 24);
    size_t extn = section(b, len, "EXTN");
    assert_int_equal(extn, head + 8 + 24);
    assert_int_equal(bc_u32(b + extn + 4), 4); /* no extern definitions */
    size_t cite = section(b, len, "CITE");
    assert_int_equal(cite, extn + 8 + 4);
    assert_int_equal(bc_u32(b + cite + 4), 8); /* origin, no citations */
    assert_int_equal(bc_u32(b + cite + 8), BC_NO_STRING);
    size_t parm = section(b, len, "PARM");
    assert_int_equal(parm, cite + 8 + 8);
    assert_int_equal(bc_u32(b + parm + 4), 8); /* no parameters, no rows */
    size_t mods = section(b, len, "MODS");
    assert_int_equal(mods, parm + 8 + 8);
    assert_int_equal(bc_u32(b + mods + 4), 4); /* no modules */
    size_t find = section(b, len, "FIND");
    assert_int_equal(find, mods + 8 + 4);
    assert_int_equal(bc_u32(b + find + 4), 4); /* no findings */
    assert_int_equal(bc_u16(b + find + 8), BC_NONE_U16);
    assert_int_equal(bc_u16(b + find + 10), BC_NONE_U16);
    size_t rept = section(b, len, "REPT");
    assert_int_equal(rept, find + 8 + 4);
    assert_int_equal(bc_u32(b + rept + 4), 4); /* no reports */
    assert_int_equal(bc_u32(b + rept + 8), 0);
    assert_int_equal(rept + 8 + 4, len - 8);
    /* published FNV-1a 64 test vectors */
    assert_true(bc_checksum((const uint8_t *)"", 0) == 0xcbf29ce484222325u);
    assert_true(bc_checksum((const uint8_t *)"a", 1) ==
                0xaf63dc4c8601ec8cu);
    free(b);
}

/* ---- header rejections ----------------------------------------------- */

static void test_bcfile_rejects_bad_magic(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    b[1] = 'X';
    assert_rejects(b, len, "offset 0: bad magic");
    free(b);
    assert_rejects((const uint8_t *)"{\"not\": \"bytecode\"}", 19,
                   "offset 0: bad magic");
}

static void test_bcfile_rejects_mangled_sentinel(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    /* CRLF -> LF, as a text-mode copy does */
    uint8_t *c = malloc(len);
    assert_non_null(c);
    memcpy(c, b, 6);
    memcpy(c + 6, b + 7, len - 7);
    assert_rejects(c, len - 1, "offset 6: mangled sentinel");
    /* LF -> CRLF */
    uint8_t *d = malloc(len + 2);
    assert_non_null(d);
    memcpy(d, b, 7);
    memcpy(d + 7, "\r\n\x1a\r\n", 5);
    memcpy(d + 12, b + 10, len - 10);
    assert_rejects(d, len + 2, "offset 6: mangled sentinel");
    /* ^Z dropped */
    b[8] = '\n';
    assert_rejects(b, len, "expected bytes 0d 0a 1a 0a");
    free(d);
    free(c);
    free(b);
}

static void test_bcfile_rejects_wrong_version(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    b[10] = BC_FORMAT_VERSION + 1;
    reseal(b, len);
    char want[64];
    snprintf(want, sizeof want, "offset 10: format version %d, expected %d",
             BC_FORMAT_VERSION + 1, BC_FORMAT_VERSION);
    assert_rejects(b, len, want);
    free(b);
}

/* The header's source and the citations survive the round trip. */
static void test_bcfile_round_trip_cites(void **state)
{
    bc_program *p = sample(NULL);
    p->origin = 1;
    p->ncites = 2;
    p->cites = arena_zalloc(&p->arena, 2 * sizeof *p->cites);
    assert_non_null(p->cites);
    p->cites[0] = (bc_cite){.text = 0, .url = BC_NO_STRING, .by = 1, .func = 0};
    p->cites[1] = (bc_cite){.text = 1, .url = 0, .by = 0, .func = BC_NONE_U16};
    size_t len;
    uint8_t *b = write_prog(p, &len);
    mem_ctx mem;
    mem_init(&mem);
    bc_program *q = NULL;
    char err[256];
    assert_true(bc_read(&mem, b, len, &q, err, sizeof err));
    assert_int_equal(q->origin, 1);
    assert_int_equal(q->ncites, 2);
    assert_memory_equal(q->cites, p->cites, 2 * sizeof *p->cites);
    bc_program_free(q);
    /* A parameter, dated, survives too. */
    bc_program *r = sample(NULL);
    r->nparams = 1;
    r->params = arena_zalloc(&r->arena, sizeof *r->params);
    r->params[0] = (bc_param){.name = 1, .func = 0, .type = 0, .first_row = 0, .nrows = 2};
    r->nparam_rows = 2;
    r->param_rows = arena_zalloc(&r->arena, 2 * sizeof *r->param_rows);
    r->param_rows[0] = (bc_span_days){20000, 20100};
    r->param_rows[1] = (bc_span_days){20500, INT64_MAX};
    size_t rlen;
    uint8_t *rb = write_prog(r, &rlen);
    assert_true(bc_read(&mem, rb, rlen, &q, err, sizeof err));
    assert_int_equal(q->nparams, 1);
    assert_memory_equal(q->params, r->params, sizeof *r->params);
    assert_int_equal(q->nparam_rows, 2);
    assert_memory_equal(q->param_rows, r->param_rows, 2 * sizeof *r->param_rows);
    bc_program_free(q);
    free(rb);
    bc_program_free(r);
    /* A citation count the section cannot hold. */
    size_t cite = section(b, len, "CITE");
    put32(b, cite + 12, 3);
    reseal(b, len);
    assert_rejects(b, len, "citations");
    free(b);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

/* [b] rewritten as a file of format [version] (3 to 7): no REPT; for 6
 * and below no FIND; for 5
 * and below no MODS and LOCS entries without their module, for 4 and 3
 * no CITE or PARM, for 3 no EXTN either; a new buffer (malloc) of *[len]
 * bytes, re-sealed. */
static uint8_t *downgrade(const uint8_t *b, size_t *len, int version)
{
    uint8_t *c = malloc(*len);
    assert_non_null(c);
    memcpy(c, b, 20);
    size_t in = 20, out = 20;
    while (in < *len - 8) {
        uint32_t slen = bc_u32(b + in + 4);
        if (memcmp(b + in, "REPT", 4) == 0 ||
            (version <= 6 && memcmp(b + in, "FIND", 4) == 0) ||
            (version <= 5 && memcmp(b + in, "MODS", 4) == 0) ||
            (version <= 4 && (memcmp(b + in, "CITE", 4) == 0 ||
                              memcmp(b + in, "PARM", 4) == 0)) ||
            (version == 3 && memcmp(b + in, "EXTN", 4) == 0)) {
            in += 8 + slen;
            continue;
        }
        if (version <= 5 && memcmp(b + in, "LOCS", 4) == 0) {
            uint32_t n = bc_u32(b + in + 8);
            memcpy(c + out, "LOCS", 4);
            put32(c, out + 4, 4 + 12 * n);
            put32(c, out + 8, n);
            for (uint32_t i = 0; i < n; i++) {
                memcpy(c + out + 12 + 12 * i, b + in + 12 + 14 * i, 12);
            }
            in += 8 + slen;
            out += 12 + 12 * (size_t)n;
            continue;
        }
        memcpy(c + out, b + in, 8 + slen);
        in += 8 + slen;
        out += 8 + slen;
    }
    out += 8;
    c[10] = (uint8_t)version;
    c[11] = 0;
    put32(c, 16, (uint32_t)out);
    reseal(c, out);
    *len = out;
    return c;
}

/* Files of format 3 (no EXTN section: no native functions), 4 (no CITE:
 * it cites nothing, no source line), 5 (no MODS: no modules; locations
 * without one), 6 (no FIND: no findings) and 7 (no REPT: no reports)
 * are still read; a later format must have what it added. */
static void test_bcfile_reads_older_formats(void **state)
{
    for (int version = 3; version <= 7; version++) {
        size_t len0, len;
        uint8_t *b0 = sample_file(&len0);
        len = len0;
        uint8_t *b = downgrade(b0, &len, version);
        mem_ctx mem;
        mem_init(&mem);
        bc_program *p = NULL;
        char err[256];
        if (!bc_read(&mem, b, len, &p, err, sizeof err)) {
            fail_msg("format %d: %s", version, err);
        }
        assert_int_equal(p->nexterns, 0);
        assert_int_equal(p->nmodules, 0);
        assert_int_equal(p->ncites, 0);
        assert_int_equal(p->findings_func, BC_NONE_U16);
        assert_int_equal(p->nreports, 0);
        if (version < 5) {
            assert_int_equal(p->origin, BC_NO_STRING);
        }
        assert_true(p->nlocs > 0);
        for (uint32_t i = 0; i < p->nlocs; i++) {
            assert_int_equal(p->locs[i].module, BC_NONE_U16);
        }
        bc_program *q = sample(NULL);
        assert_int_equal(p->nfuncs, q->nfuncs);
        assert_int_equal(p->code_len, q->code_len);
        assert_memory_equal(p->code, q->code, q->code_len);
        assert_int_equal(p->nlocs, q->nlocs);
        for (uint32_t i = 0; i < p->nlocs; i++) {
            assert_int_equal(p->locs[i].line, q->locs[i].line);
        }
        bc_program_free(q);
        bc_program_free(p);
        assert_int_equal(mem.live, 0);
        b[10] = (uint8_t)(version + 1);
        reseal(b, len);
        assert_rejects(b, len, version == 5 ? "location" : "expected a section head");
        free(b);
        free(b0);
    }
}

/* The modules a program was compiled from: written, read back, listed by
 * disasm; a malformed MODS section or a location naming a module that is
 * not there is refused, by the reader or the verifier. */
static void test_bcfile_modules(void **state)
{
    bc_program *p = sample(NULL);
    p->modules = arena_zalloc(&p->arena, 2 * sizeof *p->modules);
    assert_non_null(p->modules);
    p->modules[0] = (bc_module){S_GROUND, S_VERSION, S_SOURCE};
    p->nmodules = 1;
    p->locs[0].module = 0;
    size_t len;
    uint8_t *b = write_prog(p, &len);
    mem_ctx mem;
    mem_init(&mem);
    bc_program *q = NULL;
    char err[256];
    assert_true(bc_read(&mem, b, len, &q, err, sizeof err));
    assert_prog_equal(p, q);
    assert_int_equal(vfy_check(q, err, sizeof err), RT_OK);
    assert_string_equal(bc_loc_file(q, &q->locs[0]),
                        q->strings[S_SOURCE].p);
    strbuf d;
    sb_init(&d, NULL);
    disasm_program(q, &d);
    assert_non_null(strstr(d.p, "module 0 "));
    sb_free(&d);
    bc_program_free(q);

    /* a count the section cannot hold */
    size_t mods = section(b, len, "MODS");
    uint8_t *c = malloc(len);
    assert_non_null(c);
    memcpy(c, b, len);
    put32(c, mods + 8, 1000);
    reseal(c, len);
    assert_rejects(c, len, "1000 modules cannot fit");
    free(c);
    /* a byte past the last entry */
    c = insert_byte(b, len, len - 8, "MODS", 0);
    char want[80];
    snprintf(want, sizeof want, "section MODS: 1 bytes after its last entry");
    assert_rejects(c, len + 1, want);
    free(c);
    /* a name that is no string; a location's module that is not there */
    p->modules[0].name = 999;
    assert_int_equal(vfy_check(p, err, sizeof err), RT_EINVALID);
    assert_non_null(strstr(err, "module 0: name string 999 out of range"));
    p->modules[0].name = S_GROUND;
    p->locs[0].module = 5;
    assert_int_equal(vfy_check(p, err, sizeof err), RT_EINVALID);
    assert_non_null(strstr(err, "location 0: module 5 out of range (1 modules)"));
    free(b);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_bcfile_rejects_bad_probe(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    memcpy(b + 12, "\x01\x02\x03\x04", 4); /* as big-endian would write */
    reseal(b, len);
    assert_rejects(b, len,
                   "offset 12: byte-order probe 0x04030201, expected "
                   "0x01020304");
    free(b);
}

static void test_bcfile_rejects_every_truncation(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    for (size_t n = 0; n < len; n++) {
        uint8_t *c = malloc(n ? n : 1); /* exact size: ASan sees overreads */
        assert_non_null(c);
        memcpy(c, b, n);
        assert_rejects(c, n, n < 20 ? "truncated" : "file length field");
        free(c);
    }
    assert_rejects(b, 5, "offset 0: truncated: expected magic");
    assert_rejects(b, 19, "offset 16: truncated: expected file length");
    free(b);
}

static void test_bcfile_rejects_length_mismatch(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    uint8_t *c = malloc(len + 1);
    assert_non_null(c);
    memcpy(c, b, len);
    c[len] = 0;
    char want[96];
    snprintf(want, sizeof want,
             "offset 16: file length field says %zu bytes, expected the %zu",
             len, len + 1);
    assert_rejects(c, len + 1, want);
    /* a header claiming a file too short to hold a checksum */
    put32(b, 16, 20);
    assert_rejects(b, 20, "offset 16: file length 20, expected at least 28");
    free(c);
    free(b);
}

static void test_bcfile_rejects_bad_checksum(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    b[len / 2] ^= 0x10;
    char want[32];
    snprintf(want, sizeof want, "offset %zu: checksum 0x", len - 8);
    assert_rejects(b, len, want);
    assert_rejects(b, len, "the file is corrupted");
    free(b);
}

/* ---- structural rejections (checksum re-sealed) ---------------------- */

static void test_bcfile_rejects_section_order(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    size_t s = section(b, len, "TYPE");
    memcpy(b + s, "TYPX", 4);
    reseal(b, len);
    char want[64];
    snprintf(want, sizeof want,
             "offset %zu: expected section TYPE, found \"TYPX\"", s);
    assert_rejects(b, len, want);
    free(b);
}

static void test_bcfile_rejects_section_length(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    size_t s = section(b, len, "CODE");
    put32(b, s + 4, 0x7FFFFFFF);
    reseal(b, len);
    char want[80];
    snprintf(want, sizeof want,
             "offset %zu: section CODE: length 2147483647 runs past", s);
    assert_rejects(b, len, want);
    free(b);
}

static void test_bcfile_rejects_huge_counts(void **state)
{
    static const char *const tags[] = {"STRS", "CNST", "TYPE", "FILD",
                                       "RECD", "MEMB", "ENUM", "FUNC",
                                       "CODE", "LOCS"};
    size_t len;
    uint8_t *b = sample_file(&len);
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        uint8_t *c = malloc(len);
        assert_non_null(c);
        memcpy(c, b, len);
        size_t s = section(c, len, tags[i]);
        put32(c, s + 8, 0xFFFFFFFF); /* would be gigabytes if believed */
        reseal(c, len);
        char want[64];
        snprintf(want, sizeof want, "offset %zu: 4294967295 ", s + 8);
        assert_rejects(c, len, want);
        assert_rejects(c, len, "cannot fit in the");
        free(c);
    }
    free(b);
}

static void test_bcfile_rejects_string_overrun(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    size_t s = section(b, len, "STRS");
    put32(b, s + 12, 1000000); /* string 0's length */
    reseal(b, len);
    char want[80];
    snprintf(want, sizeof want, "offset %zu: string 0: length 1000000 runs "
             "past the section", s + 12);
    assert_rejects(b, len, want);
    free(b);
}

/* Offset of constant [i]'s kind byte in a file of the sample. */
static size_t const_at(const uint8_t *b, size_t len, uint32_t i)
{
    size_t pos = section(b, len, "CNST") + 12;
    for (uint32_t k = 0; k < i; k++) {
        switch (b[pos]) {
        case 0: pos += 1; break;
        case 1: pos += 2; break;
        case 2: case 4: case 6: pos += 9; break;
        case 3: pos += 5 + bc_u32(b + pos + 1); break;
        case 5: pos += 13; break;
        case 7: pos += 5; break;
        case 8: pos += 11; break;
        case 9: pos += 16; break;
        default: fail_msg("kind %u", b[pos]);
        }
    }
    return pos;
}

static void test_bcfile_rejects_bad_constants(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    char want[96];

    uint8_t *c = malloc(len);
    assert_non_null(c);
    size_t at = const_at(b, len, 3);
    memcpy(c, b, len);
    c[at] = 10;
    reseal(c, len);
    snprintf(want, sizeof want, "offset %zu: constant 3: unknown kind 10", at);
    assert_rejects(c, len, want);

    memcpy(c, b, len);
    at = const_at(b, len, C_TRUE);
    c[at + 1] = 2;
    reseal(c, len);
    snprintf(want, sizeof want,
             "offset %zu: constant 1: bool byte 2, expected 0 or 1", at);
    assert_rejects(c, len, want);

    memcpy(c, b, len);
    at = const_at(b, len, C_HELLO);
    put32(c, at + 1, S_COUNT);
    reseal(c, len);
    snprintf(want, sizeof want,
             "offset %zu: constant 8: string 20 out of range (20 strings)",
             at);
    assert_rejects(c, len, want);

    memcpy(c, b, len);
    at = const_at(b, len, C_TENTH);
    assert_memory_equal(c + at + 5, "0.1", 3);
    c[at + 6] = ','; /* "0,1" */
    reseal(c, len);
    snprintf(want, sizeof want,
             "offset %zu: constant 3: expected decimal text", at);
    assert_rejects(c, len, want);

    memcpy(c, b, len);
    put32(c, at + 1, 100000);
    reseal(c, len);
    assert_rejects(c, len, "constant 3: decimal text of 100000 bytes runs "
                           "past the section");
    free(c);
    free(b);
}

static void test_bcfile_rejects_trailing_bytes(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    size_t s = section(b, len, "LOCS");
    size_t end = s + 8 + bc_u32(b + s + 4);
    uint8_t *c = insert_byte(b, len, end, "LOCS", 0);
    char want[80];
    snprintf(want, sizeof want, "offset %zu: section LOCS: 1 bytes after its "
             "last entry", end);
    assert_rejects(c, len + 1, want);
    free(c);

    c = insert_byte(b, len, len - 8, NULL, 0);
    snprintf(want, sizeof want, "offset %zu: 1 bytes after section REPT, "
             "expected the checksum", len - 8);
    assert_rejects(c, len + 1, want);
    free(c);

    /* a HEAD section one byte short */
    s = section(b, len, "HEAD");
    c = malloc(len - 1);
    assert_non_null(c);
    memcpy(c, b, len - 9);
    put32(c, s + 4, 23);
    put32(c, 16, (uint32_t)len - 1);
    reseal(c, len - 1);
    assert_rejects(c, len - 1, "truncated: expected the header fields");
    free(c);
    free(b);
}

/* ---- damage ---------------------------------------------------------- */

/* Reads [b], which may be anything; if it parses, the verifier and the
 * disassembler must cope with whatever it holds. */
static bool read_and_check(const uint8_t *b, size_t len, int *verified)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = NULL;
    char err[256];
    bool ok = bc_read(&mem, b, len, &p, err, sizeof err);
    if (!ok) {
        assert_null(p);
        assert_true(strncmp(err, "offset ", 7) == 0);
    } else {
        err[0] = '\0';
        if (vfy_program(p, err, sizeof err)) {
            ++*verified;
        } else {
            assert_true(err[0] != '\0');
        }
        strbuf d;
        sb_init(&d, &mem);
        disasm_program(p, &d);
        assert_false(d.failed);
        sb_free(&d);
        bc_program_free(p);
    }
    assert_int_equal(mem.live, 0);
    return ok;
}

static void test_bcfile_survives_bit_flips(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    int parsed = 0, verified = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, b, len);
            c[i] ^= (uint8_t)(1u << bit);
            /* FNV-1a catches every single-byte change */
            assert_false(read_and_check(c, len, &verified));
            if (i >= len - 8) {
                continue; /* re-sealing would undo the flip */
            }
            reseal(c, len);
            parsed += read_and_check(c, len, &verified);
        }
    }
    /* Most flips land in operands, strings or constants and still parse;
     * the verifier must have turned some of those away. */
    assert_true(parsed > 0);
    assert_true(verified < parsed);
    free(c);
    free(b);
}

static void test_bcfile_survives_random_damage(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    uint64_t seed = 0x9E3779B97F4A7C15u; /* fixed: failures reproduce */
    int verified = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(c, b, len);
        int hits = 1 + round % 4;
        for (int k = 0; k < hits; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t at = 20 + (size_t)(seed >> 33) % (len - 28);
            c[at] = (uint8_t)(seed >> 17);
        }
        reseal(c, len);
        read_and_check(c, len, &verified);
    }
    free(c);
    free(b);
}

/* ---- allocation failure ---------------------------------------------- */

static void test_bcfile_read_out_of_memory(void **state)
{
    size_t len;
    uint8_t *b = sample_file(&len);
    for (long n = 1;; n++) {
        mem_ctx mem;
        mem_init(&mem);
        mem.fail_at = n;
        bc_program *p = NULL;
        char err[256];
        rt_status st = bc_load(&mem, b, len, &p, err, sizeof err);
        if (st == RT_OK) {
            bc_program_free(p);
            assert_int_equal(mem.live, 0);
            assert_true(n > 1);
            break;
        }
        /* the status says it, not only the message */
        assert_int_equal(st, RT_ENOMEM);
        assert_null(p);
        assert_non_null(strstr(err, "out of memory"));
        assert_int_equal(mem.live, 0);
    }
    /* A bad file is invalid, not out of memory. */
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = NULL;
    b[len / 2] ^= 0x40;
    assert_int_equal(bc_load(&mem, b, len, &p, NULL, 0), RT_EINVALID);
    assert_null(p);
    free(b);
}

static void test_bcfile_write_out_of_memory(void **state)
{
    bc_program *p = sample(NULL);
    for (long n = 1;; n++) {
        mem_ctx mem;
        mem_init(&mem);
        strbuf b;
        sb_init(&b, &mem);
        mem.fail_at = n;
        char err[256];
        bool ok = bc_write(p, &b, err, sizeof err);
        if (ok) {
            sb_free(&b);
            break;
        }
        assert_non_null(strstr(err, "out of memory"));
        assert_int_equal(b.len, 0);
        assert_true(b.failed); /* how a caller tells ENOMEM apart */
        sb_free(&b);
        assert_int_equal(mem.live, 0);
    }
    bc_program_free(p);
}

/* ---- write rejections ------------------------------------------------ */

static void assert_write_fails(bc_program *p, const char *want)
{
    strbuf b;
    sb_init(&b, NULL);
    sb_puts(&b, "keep");
    char err[256];
    assert_false(bc_write(p, &b, err, sizeof err));
    if (!strstr(err, want)) {
        fail_msg("error \"%s\", expected \"%s\"", err, want);
    }
    assert_int_equal(b.len, 4); /* [out] as it was */
    assert_string_equal(b.p, "keep");
    assert_false(b.failed);
    sb_free(&b);
}

static void test_bcfile_write_rejects_inexact_decimal(void **state)
{
    bc_program *p = sample(NULL);
    dec one = dec_from_int(1), three = dec_from_int(3);
    assert_int_equal(dec_div(&p->arena, &one, &three, &p->consts[C_TENTH].as.d),
                     DEC_OK);
    assert_write_fails(p, "constant 3: decimal 0.33333333333333333333... has "
                          "no finite decimal form");
    bc_program_free(p);
}

static void test_bcfile_write_rejects_loose_text(void **state)
{
    bc_program *p = sample(NULL);
    p->consts[C_HELLO] = val_text("hello, world", 12); /* not in strings */
    assert_write_fails(p, "constant 8: text does not point at a string-table "
                          "entry");
    bc_program_free(p);
}

static void test_bcfile_write_rejects_record_constant(void **state)
{
    bc_program *p = sample(NULL);
    p->consts[C_NONE].kind = VAL_RECORD;
    assert_write_fails(p, "constant 0: a record constant cannot be stored");
    bc_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcfile_round_trip),
        cmocka_unit_test(test_bcfile_round_trip_empty),
        cmocka_unit_test(test_bcfile_header_layout),
        cmocka_unit_test(test_bcfile_rejects_bad_magic),
        cmocka_unit_test(test_bcfile_rejects_mangled_sentinel),
        cmocka_unit_test(test_bcfile_rejects_wrong_version),
        cmocka_unit_test(test_bcfile_reads_older_formats),
        cmocka_unit_test(test_bcfile_modules),
        cmocka_unit_test(test_bcfile_round_trip_cites),
        cmocka_unit_test(test_bcfile_rejects_bad_probe),
        cmocka_unit_test(test_bcfile_rejects_every_truncation),
        cmocka_unit_test(test_bcfile_rejects_length_mismatch),
        cmocka_unit_test(test_bcfile_rejects_bad_checksum),
        cmocka_unit_test(test_bcfile_rejects_section_order),
        cmocka_unit_test(test_bcfile_rejects_section_length),
        cmocka_unit_test(test_bcfile_rejects_huge_counts),
        cmocka_unit_test(test_bcfile_rejects_string_overrun),
        cmocka_unit_test(test_bcfile_rejects_bad_constants),
        cmocka_unit_test(test_bcfile_rejects_trailing_bytes),
        cmocka_unit_test(test_bcfile_survives_bit_flips),
        cmocka_unit_test(test_bcfile_survives_random_damage),
        cmocka_unit_test(test_bcfile_read_out_of_memory),
        cmocka_unit_test(test_bcfile_write_out_of_memory),
        cmocka_unit_test(test_bcfile_write_rejects_inexact_decimal),
        cmocka_unit_test(test_bcfile_write_rejects_loose_text),
        cmocka_unit_test(test_bcfile_write_rejects_record_constant),
    };
    return cmocka_run_group_tests_name("bcfile", tests, NULL, NULL);
}
