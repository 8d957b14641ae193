/* api/program.c - the embedding API's programs: compile, check, load,
 * build, disassemble, free (include/tally.h).
 *
 * Glue only: compile = parse + check + compile + verify (lang/, then
 * runtime/verify.c); load = read + verify.  A program handle owns its
 * bc_program and a copy of the embedder's allocator settings; runs read
 * it and never write it, so threads may share it (api/run.c).
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcfile.h"
#include "date.h"
#include "disasm.h"
#include "doc.h"
#include "check.h"
#include "front.h"
#include "verify.h"

tally_status api_status(rt_status s)
{
    switch (s) {
    case RT_OK:
    case RT_EOF: return TALLY_OK;
    case RT_EDATA: return TALLY_EDATA;
    case RT_ERUNTIME:
    case RT_ELIMIT: return TALLY_ERUNTIME;
    case RT_ENOMEM: return TALLY_ENOMEM;
    case RT_EIO: return TALLY_EIO;
    case RT_EINVALID: return TALLY_EBYTECODE;
    case RT_ENATIVE: return TALLY_ENATIVE;
    case RT_EINTERNAL:
    case RT_STATUS_COUNT: break;
    }
    return TALLY_EINTERNAL;
}

void api_message(const tally_config *cfg, const char *text)
{
    if (cfg && cfg->message) {
        cfg->message(cfg->message_ud, text);
    }
}

void api_setup_mem(mem_ctx *m, const tally_config *cfg)
{
    mem_init(m);
    if (cfg) {
        m->fn = (mem_alloc_fn)cfg->alloc;
        m->ud = cfg->alloc_ud;
        m->cap = cfg->memory_cap;
    }
    /* mem_ctx's 0 means no cap; the config's means the default. */
    if (m->cap == 0) {
        m->cap = TALLY_DEFAULT_MEMORY_CAP;
    } else if (m->cap == TALLY_NO_MEMORY_CAP) {
        m->cap = 0;
    }
}

/* A program handle drawn from [m] (the embedder's allocator), holding a
 * copy of [m] that then counts the handle too; NULL out of memory. */
static tally_program *program_new(const mem_ctx *m, const tally_config *cfg)
{
    mem_ctx mm = *m;
    tally_program *tp = mem_alloc(&mm, sizeof *tp);
    if (!tp) {
        return NULL;
    }
    memset(tp, 0, sizeof *tp);
    tp->mem = mm;
    if (cfg) {
        tp->cfg = *cfg;
    }
    return tp;
}

/* Returns the handle to the allocator it came from: through a copy of its
 * mem_ctx, since the handle holding it goes first. */
static void program_release(tally_program *tp)
{
    mem_ctx m = tp->mem;
    mem_free(&m, tp, sizeof *tp);
}

/* An allocator with the embedder's hook for a buffer handed to the
 * caller (no accounting: the caller may free it after the program). */
static mem_ctx hook_of(const tally_program *p)
{
    mem_ctx m;
    mem_init(&m);
    m.fn = p->mem.fn;
    m.ud = p->mem.ud;
    return m;
}

static int diag_order(const void *a, const void *b)
{
    const diag *x = a, *y = b;
    return x->sp.start < y->sp.start ? -1 : x->sp.start > y->sp.start;
}

/* Sends the diagnostics of [c] in source order, at most
 * cfg->max_errors of them (0: TALLY_DEFAULT_MAX_ERRORS), then a line
 * counting the rest: a hostile policy can hold a million errors. */
/* Sends [d] to cfg->diagnostic as data, its span's ends as lines and
 * columns through [map]. */
static void send_diagnostic(const tally_config *cfg, const diag_map *map,
                            const diag *d, const char *file)
{
    static const char *const codes[DIAG_STAGE_COUNT] = {"syntax", "check",
                                                        "compile"};
    tally_diagnostic td;
    memset(&td, 0, sizeof td);
    td.severity = d->sev == DIAG_WARNING ? TALLY_SEVERITY_WARNING
                                         : TALLY_SEVERITY_ERROR;
    td.code = d->stage < DIAG_STAGE_COUNT ? codes[d->stage] : "check";
    td.file = file;
    uint32_t line_start;
    diag_map_position(map, d->sp.start, &td.line, &td.column, &line_start);
    uint32_t last = d->sp.end > d->sp.start ? d->sp.end - 1 : d->sp.start;
    diag_map_position(map, last, &td.end_line, &td.end_column, &line_start);
    td.message = d->msg;
    td.hint = d->hint;
    cfg->diagnostic(cfg->diagnostic_ud, &td);
}

void api_report(const tally_config *cfg, tly_comp *c)
{
    if (c->oom) {
        api_message(cfg, "tally: out of memory while compiling");
    }
    if (c->diags.count > 1) {
        qsort(c->diags.items, c->diags.count, sizeof *c->diags.items, diag_order);
    }
    uint32_t max = cfg && cfg->max_errors ? cfg->max_errors
                                          : TALLY_DEFAULT_MAX_ERRORS;
    uint32_t shown = c->diags.count < max ? c->diags.count : max;
    diag_map map = {.src = c->src, .len = c->len}; /* without tables */
    if (shown) {
        diag_map_init(&map, &c->arena, c->src, c->len); /* or scans */
    }
    strbuf b;
    sb_init(&b, c->mem);
    for (uint32_t i = 0; i < shown; i++) {
        sb_clear(&b);
        /* Each file of a policy with imports has its own text and offsets
         * (lang/front.h): render against the file the span is in. */
        diag one = c->diags.items[i];
        const diag_map *dm = &map;
        const char *file = c->file;
        if (c->nfiles) {
            uint32_t line, col;
            const tly_file *f;
            tly_position(c, one.sp.start, &f, &line, &col);
            one.sp.start -= f->base;
            one.sp.end = one.sp.end >= f->base ? one.sp.end - f->base : 0;
            if (one.sp.end > f->len) {
                one.sp.end = (uint32_t)f->len;
            }
            dm = &f->map;
            file = f->path;
        }
        diag_render_map(dm, &one, file, &b);
        if (b.failed) {
            api_message(cfg, "tally: out of memory while reporting");
            break;
        }
        if (b.len && b.p[b.len - 1] == '\n') {
            b.p[--b.len] = '\0';
        }
        api_message(cfg, b.p ? b.p : "");
        if (cfg && cfg->diagnostic) {
            send_diagnostic(cfg, dm, &one, file);
        }
    }
    sb_free(&b);
    if (c->diags.count > shown) {
        uint32_t more = c->diags.count - shown;
        char line[160];
        snprintf(line, sizeof line,
                 "tally: %u more error%s not shown (use --max-errors 0 to see "
                 "them all)", more, more == 1 ? "" : "s");
        api_message(cfg, line);
    }
}

/* The comment block directly above each report declaration of [c], as
 * `tally doc` reads it (doc_comment_text), in [p]'s arena: what the
 * portfolio page shows under the report's name (api/report_html.c).  It
 * is taken here, once per compile of a policy with reports, because the
 * program keeps no source to read it from later.  An array of
 * p->nreports, an entry NULL for a report with no comment; NULL when
 * there is no report or no memory (the page then shows none). */
static const char **report_docs(tly_comp *c, bc_program *p)
{
    tly_checked *k = chk_results(c);
    if (!k || !p->nreports || (uint32_t)k->nreports != p->nreports) {
        return NULL;
    }
    const char **docs = arena_alloc(&p->arena, p->nreports * sizeof *docs);
    if (!docs) {
        return NULL;
    }
    for (uint32_t i = 0; i < p->nreports; i++) {
        docs[i] = NULL;
        const tly_file *f = tly_file_at(c, k->reports[i]->sp.start);
        strbuf b;
        sb_init(&b, c->mem);
        doc_comment_text(f, k->reports[i]->sp.start - f->base, &b);
        char *d = b.len && !b.failed ? arena_alloc(&p->arena, b.len + 1) : NULL;
        if (d) {
            memcpy(d, b.p, b.len);
            d[b.len] = '\0';
            docs[i] = d;
        }
        sb_free(&b);
    }
    return docs;
}

static tally_status front(const tally_config *cfg, const char *file,
                          const char *base_dir, const char *src, size_t len,
                          tally_program **out)
{
    return api_front(cfg, file, base_dir, src, len, out, NULL);
}

tally_status api_front(const tally_config *cfg, const char *file,
                       const char *base_dir, const char *src, size_t len,
                       tally_program **out, const api_front_hook *h)
{
    tally_program *tp = NULL;
    mem_ctx m;
    api_setup_mem(&m, cfg);
    tly_comp c;
    tly_comp_init(&c, &m, file, src, len);
    c.diags.stage = DIAG_SYNTAX;
    c.base_dir = base_dir;
    c.lib_path = cfg ? cfg->lib_path : NULL;
    c.no_file_imports = cfg && cfg->no_file_imports;
    if (h) {
        c.tests_path = h->tests_path;
        c.coverage = h->coverage;
        c.coverage_stdlib = h->coverage && h->coverage_stdlib;
        c.plain = h->coverage; /* no inlining: every call reaches its
                                  definition's coverage point */
    }
    if (cfg && cfg->trace) {
        c.trace = true;
        c.plain = true; /* every definition called, so every one traced */
    }
    bool ok = tly_load(&c);
    if (ok && h && h->loaded) {
        h->loaded(h->ud, &c);
    }
    if (ok) {
        c.diags.stage = DIAG_CHECK;
        ok = tly_check(&c);
    }
    if (ok && h && h->checked) {
        ok = h->checked(h->ud, &c);
    }
    bc_program *p = NULL;
    const char **docs = NULL;
    if (ok && out) {
        c.diags.stage = DIAG_COMPILE;
        p = tly_compile(&c);
        ok = p != NULL;
        docs = ok ? report_docs(&c, p) : NULL;
    }
    api_report(cfg, &c);
    tally_status st = c.oom ? TALLY_ENOMEM : ok ? TALLY_OK : TALLY_EPOLICY;
    tly_comp_free(&c);
    if (st != TALLY_OK || !out) {
        bc_program_free(p);
        return st;
    }
    char err[256];
    rt_status vs = vfy_check(p, err, sizeof err);
    if (vs != RT_OK) {
        if (vs == RT_ENOMEM) {
            api_message(cfg, "tally: out of memory while compiling");
            bc_program_free(p);
            return TALLY_ENOMEM;
        }
        char msg[400];
        snprintf(msg, sizeof msg,
                 "%s: internal error: the compiled program fails verification: %s",
                 file, err);
        api_message(cfg, msg);
        bc_program_free(p);
        return TALLY_EINTERNAL;
    }
    tp = program_new(&m, cfg);
    if (!tp) {
        bc_program_free(p);
        return TALLY_ENOMEM;
    }
    tp->prog = p;
    tp->report_docs = docs;
    /* The program's arena keeps pointing at the caller's mem_ctx copy
     * [m]; re-point it at the one the program owns. */
    p->arena.mem = &tp->mem;
    *out = tp;
    return TALLY_OK;
}

tally_status tally_compile(const tally_config *cfg, const char *file,
                           const char *src, size_t len, tally_program **out)
{
    *out = NULL;
    return front(cfg, file, NULL, src, len, out);
}

tally_status tally_compile_in(const tally_config *cfg, const char *file,
                              const char *base_dir, const char *src,
                              size_t len, tally_program **out)
{
    *out = NULL;
    return front(cfg, file, base_dir, src, len, out);
}

tally_status tally_check(const tally_config *cfg, const char *file,
                         const char *src, size_t len)
{
    /* A test file is checked with the policy it tests. */
    tally_status st = file && !(cfg && cfg->no_file_imports)
                          ? api_check_tests_file(cfg, file, src, len)
                          : TALLY_EOPTION;
    if (st != TALLY_EOPTION) {
        return st;
    }
    return front(cfg, file, NULL, src, len, NULL);
}

tally_status tally_check_in(const tally_config *cfg, const char *file,
                            const char *base_dir, const char *src, size_t len)
{
    return front(cfg, file, base_dir, src, len, NULL);
}

tally_status tally_format(const tally_config *cfg, const char *file,
                          const char *src, size_t len, FILE *out)
{
    mem_ctx m;
    api_setup_mem(&m, cfg);
    tly_comp c;
    tly_comp_init(&c, &m, file, src, len);
    c.diags.stage = DIAG_SYNTAX;
    strbuf b;
    sb_init(&b, &m);
    bool ok = tly_format(&c, &b);
    api_report(cfg, &c);
    tally_status st = c.oom ? TALLY_ENOMEM : ok ? TALLY_OK
                      : c.diags.nerrors && !c.internal ? TALLY_EPOLICY
                      : TALLY_EINTERNAL;
    if (st == TALLY_OK && b.len && fwrite(b.p, 1, b.len, out) != b.len) {
        st = TALLY_EIO;
    }
    sb_free(&b);
    tly_comp_free(&c);
    return st;
}

tally_status tally_load(const tally_config *cfg, const char *file,
                        const uint8_t *buf, size_t len, tally_program **out)
{
    *out = NULL;
    mem_ctx m;
    api_setup_mem(&m, cfg);
    tally_program *tp = program_new(&m, cfg);
    if (!tp) {
        return TALLY_ENOMEM;
    }
    char err[256];
    bc_program *p = NULL;
    rt_status ls = bc_load(&tp->mem, buf, len, &p, err, sizeof err);
    rt_status vs = ls == RT_OK ? vfy_check(p, err, sizeof err)
                               : RT_EINVALID;
    if (ls != RT_OK || vs != RT_OK) {
        if (ls == RT_ENOMEM || vs == RT_ENOMEM) {
            api_message(cfg, "tally: out of memory while loading the program");
            bc_program_free(p);
            program_release(tp);
            return TALLY_ENOMEM;
        }
        char msg[400];
        snprintf(msg, sizeof msg, "%s: invalid bytecode: %s", file, err);
        api_message(cfg, msg);
        bc_program_free(p);
        program_release(tp);
        return TALLY_EBYTECODE;
    }
    tp->prog = p;
    *out = tp;
    return TALLY_OK;
}

tally_status tally_build(const tally_program *p, uint8_t **buf, size_t *len)
{
    if (p->prog->traced) {
        api_message(&p->cfg, "tally: a program compiled for tracing "
                             "(tally_config.trace) is not written to a file");
        return TALLY_EOPTION;
    }
    mem_ctx m = hook_of(p);
    strbuf b;
    sb_init(&b, &m);
    char err[256];
    if (!bc_write(p->prog, &b, err, sizeof err) || b.failed) {
        api_message(&p->cfg, err);
        sb_free(&b);
        return b.failed ? TALLY_ENOMEM : TALLY_EINTERNAL;
    }
    /* Cut to the bytes, so that tally_buffer_free can tell the
     * allocator the size it handed out. */
    size_t size = b.len ? b.len : 1;
    char *shrunk = mem_realloc(&m, b.p, b.cap, size);
    if (!shrunk) {
        sb_free(&b);
        return TALLY_ENOMEM;
    }
    *buf = (uint8_t *)shrunk;
    *len = b.len;
    return TALLY_OK;
}

void tally_buffer_free(const tally_program *p, uint8_t *buf, size_t len)
{
    if (!buf) {
        return;
    }
    mem_ctx m = hook_of(p);
    mem_free(&m, buf, len ? len : 1);
}

tally_status tally_disasm(const tally_program *p, FILE *out)
{
    mem_ctx m = hook_of(p);
    strbuf b;
    sb_init(&b, &m);
    disasm_program(p->prog, &b);
    tally_status st = TALLY_OK;
    if (b.failed) {
        st = TALLY_ENOMEM;
    } else if (b.len && fwrite(b.p, 1, b.len, out) != b.len) {
        st = TALLY_EIO;
    }
    sb_free(&b);
    return st;
}

static void free_reg(tally_program *p, ffi_reg *r)
{
    if (r->library) {
        mem_free(&p->mem, (char *)r->library, strlen(r->library) + 1);
    }
    mem_free(&p->mem, (char *)r->name, strlen(r->name) + 1);
    mem_free(&p->mem, (char *)r->params, strlen(r->params) + 1);
}

void tally_program_free(tally_program *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->nregs; i++) {
        free_reg(p, &p->regs[i]);
    }
    if (p->regs) {
        mem_free(&p->mem, p->regs, p->cap_regs * sizeof *p->regs);
    }
    bc_program_free(p->prog);
    program_release(p);
}

tally_status tally_register_native(tally_program *p, const char *library,
                                   const char *name, const char *params,
                                   char result, tally_native_fn fn, void *ud)
{
    bool ok = name && fn && name[0] && ffi_signature_ok(params, result);
    for (const char *c = name; ok && *c; c++) {
        ok = *c == '_' || (*c >= 'a' && *c <= 'z') ||
             (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
    }
    if (!ok) {
        char msg[200];
        snprintf(msg, sizeof msg, "tally: cannot register native function "
                 "'%.64s': it needs a C name, a function, and type letters "
                 "of tally_native.h (at most %d parameters)",
                 name ? name : "(null)", TALLY_NATIVE_MAX_PARAMS);
        api_message(&p->cfg, msg);
        return TALLY_ENATIVE;
    }
    ffi_reg r = {NULL, NULL, NULL, result, fn, ud};
    r.library = library ? mem_strndup(&p->mem, library, strlen(library)) : NULL;
    r.name = mem_strndup(&p->mem, name, strlen(name));
    r.params = mem_strndup(&p->mem, params, strlen(params));
    if ((library && !r.library) || !r.name || !r.params) {
        if (r.library) {
            mem_free(&p->mem, (char *)r.library, strlen(library) + 1);
        }
        if (r.name) {
            mem_free(&p->mem, (char *)r.name, strlen(name) + 1);
        }
        if (r.params) {
            mem_free(&p->mem, (char *)r.params, strlen(params) + 1);
        }
        return TALLY_ENOMEM;
    }
    for (size_t i = 0; i < p->nregs; i++) {
        ffi_reg *o = &p->regs[i];
        bool same_lib = (!o->library && !library) ||
                        (o->library && library && strcmp(o->library, library) == 0);
        if (same_lib && strcmp(o->name, name) == 0) {
            free_reg(p, o);
            *o = r;
            return TALLY_OK;
        }
    }
    if (p->nregs == p->cap_regs) {
        size_t cap = p->cap_regs ? p->cap_regs * 2 : 8;
        ffi_reg *n = mem_realloc(&p->mem, p->regs, p->cap_regs * sizeof *n,
                                 cap * sizeof *n);
        if (!n) {
            free_reg(p, &r);
            return TALLY_ENOMEM;
        }
        p->regs = n;
        p->cap_regs = cap;
    }
    p->regs[p->nregs++] = r;
    return TALLY_OK;
}

const char *tally_status_name(tally_status s)
{
    switch (s) {
    case TALLY_OK: return "ok";
    case TALLY_EPOLICY: return "policy error";
    case TALLY_EDATA: return "input rejected";
    case TALLY_ERUNTIME: return "runtime error";
    case TALLY_EBYTECODE: return "invalid bytecode";
    case TALLY_EIO: return "input/output error";
    case TALLY_ENOMEM: return "out of memory";
    case TALLY_EINTERNAL: return "internal error";
    case TALLY_ECANCELED: return "canceled";
    case TALLY_ENATIVE: return "native function not bound";
    case TALLY_EOPTION: return "invalid option";
    case TALLY_EFINDINGS: return "findings at or above the fail-on level";
    }
    return "unknown status";
}

const char *tally_version(void)
{
    return TALLY_VERSION;
}

/* ---- describing a program ----------------------------------------------- */

static void put_str(strbuf *b, const bc_program *p, uint32_t s)
{
    sb_put_json_string(b, p->strings[s].p, p->strings[s].len);
}

static void put_type(strbuf *b, const bc_program *p, uint16_t t,
                     uint8_t *open, int depth);

/* Appends the name and fields of record [rec] to a record type being
 * described ([open] marks the records being described, so one met again
 * inside itself is a reference). */
static void put_record_fields(strbuf *b, const bc_program *p, uint16_t rec,
                              uint8_t *open, int depth)
{
    const bc_record *r = &p->records[rec];
    sb_puts(b, ", \"name\": ");
    put_str(b, p, r->name);
    if (open[rec] || depth > 64) {
        sb_puts(b, ", \"ref\": true");
        return;
    }
    open[rec] = 1;
    sb_puts(b, ", \"fields\": [");
    for (uint16_t i = 0; i < r->nfields; i++) {
        const bc_field *f = &p->fields[r->first_field + i];
        sb_puts(b, i ? ", {\"name\": " : "{\"name\": ");
        put_str(b, p, f->name);
        sb_puts(b, ", \"json\": ");
        put_str(b, p, f->json);
        sb_puts(b, ", \"type\": ");
        put_type(b, p, f->type, open, depth + 1);
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
    open[rec] = 0;
}

/* Appends type [t] as described at tally_describe; [depth] bounds the
 * walk (the verifier bounds type nesting, but this stays safe without). */
static void put_type(strbuf *b, const bc_program *p, uint16_t t,
                     uint8_t *open, int depth)
{
    static const char *const kinds[BT_KIND_COUNT] = {
        "bool", "integer", "decimal", "money",  "percent",  "date",
        "datetime", "duration", "text", "enum", "record",  "list",
        "map", "optional"};
    const bc_type *ty = &p->types[t];
    sb_puts(b, "{\"kind\": \"");
    sb_puts(b, ty->kind < BT_KIND_COUNT ? kinds[ty->kind] : "unknown");
    sb_putc(b, '"');
    switch ((bc_type_kind)ty->kind) {
    case BT_INT:
        if (ty->has_min) {
            sb_puts(b, ", \"min\": ");
            sb_put_i64(b, ty->min);
        }
        if (ty->has_max) {
            sb_puts(b, ", \"max\": ");
            sb_put_i64(b, ty->max);
        }
        break;
    case BT_DEC:
    case BT_PERCENT:
        if (ty->places != BC_PLACES_ANY) {
            sb_puts(b, ", \"places\": ");
            sb_put_i64(b, ty->places);
        }
        break;
    case BT_MONEY:
        sb_puts(b, ", \"currency\": ");
        put_str(b, p, ty->currency);
        break;
    case BT_ENUM: {
        const bc_enum *e = &p->enums[ty->ref];
        sb_puts(b, ", \"name\": ");
        put_str(b, p, e->name);
        sb_puts(b, ", \"members\": [");
        for (uint16_t i = 0; i < e->nmembers; i++) {
            sb_puts(b, i ? ", " : "");
            put_str(b, p, p->members[e->first_member + i].json);
        }
        sb_putc(b, ']');
        break;
    }
    case BT_RECORD:
        put_record_fields(b, p, ty->ref, open, depth);
        break;
    case BT_LIST:
    case BT_MAP:
    case BT_OPTIONAL:
        sb_puts(b, ", \"of\": ");
        if (depth > 64) {
            sb_puts(b, "null");
        } else {
            put_type(b, p, ty->ref, open, depth + 1);
        }
        break;
    case BT_BOOL:
    case BT_DATE:
    case BT_DATETIME:
    case BT_DURATION:
    case BT_TEXT:
    case BT_KIND_COUNT: break;
    }
    sb_putc(b, '}');
}

tally_status tally_describe(const tally_program *tp, FILE *out)
{
    const bc_program *p = tp->prog;
    mem_ctx m = hook_of(tp);
    uint8_t *open = mem_alloc(&m, p->nrecords ? p->nrecords : 1);
    if (!open) {
        return TALLY_ENOMEM;
    }
    memset(open, 0, p->nrecords ? p->nrecords : 1);
    strbuf b;
    sb_init(&b, &m);
    sb_puts(&b, "{\"format\": 1, \"title\": ");
    put_str(&b, p, p->title);
    sb_puts(&b, ", \"version\": ");
    put_str(&b, p, p->version);
    sb_puts(&b, ", \"source\": ");
    put_str(&b, p, p->source);
    sb_puts(&b, ", \"input\": {\"name\": ");
    put_str(&b, p, p->input_name);
    const bc_record *in = &p->records[p->input_record];
    if (p->key_field < in->nfields) {
        sb_puts(&b, ", \"key\": ");
        put_str(&b, p, p->fields[in->first_field + p->key_field].json);
    }
    sb_puts(&b, ", \"type\": ");
    sb_puts(&b, "{\"kind\": \"record\"");
    put_record_fields(&b, p, p->input_record, open, 0);
    sb_putc(&b, '}');
    sb_puts(&b, "}, \"output\": {\"type\": ");
    put_type(&b, p, p->output_type, open, 0);
    sb_puts(&b, "}, \"parameters\": [");
    for (uint32_t i = 0; i < p->nparams; i++) {
        const bc_param *x = &p->params[i];
        sb_puts(&b, i ? ", {\"name\": " : "{\"name\": ");
        put_str(&b, p, x->name);
        sb_puts(&b, ", \"type\": ");
        put_type(&b, p, x->type, open, 0);
        sb_puts(&b, ", \"cites\": ");
        uint32_t k = 0;
        while (k < p->ncites && p->cites[k].func != x->func) {
            k++;
        }
        if (k < p->ncites) {
            put_str(&b, p, p->cites[k].text);
        } else {
            sb_puts(&b, "null");
        }
        if (x->nrows) {
            sb_puts(&b, ", \"in_force\": [");
            for (uint32_t r = 0; r < x->nrows; r++) {
                const bc_span_days *d = &p->param_rows[x->first_row + r];
                sb_puts(&b, r ? ", {\"from\": \"" : "{\"from\": \"");
                date_format(d->from, &b);
                if (d->until == INT64_MAX) {
                    sb_puts(&b, "\", \"until\": null}");
                } else {
                    sb_puts(&b, "\", \"until\": \"");
                    date_format(d->until, &b);
                    sb_puts(&b, "\"}");
                }
            }
            sb_putc(&b, ']');
        }
        sb_putc(&b, '}');
    }
    sb_puts(&b, "], \"origin\": ");
    if (p->origin != BC_NO_STRING) {
        put_str(&b, p, p->origin);
    } else {
        sb_puts(&b, "null");
    }
    sb_puts(&b, ", \"cites\": [");
    for (uint32_t i = 0; i < p->ncites; i++) {
        const bc_cite *c = &p->cites[i];
        sb_puts(&b, i ? ", {\"by\": " : "{\"by\": ");
        put_str(&b, p, c->by);
        sb_puts(&b, ", \"cites\": ");
        put_str(&b, p, c->text);
        if (c->url != BC_NO_STRING) {
            sb_puts(&b, ", \"url\": ");
            put_str(&b, p, c->url);
        }
        sb_putc(&b, '}');
    }
    sb_puts(&b, "]}\n");
    tally_status st = TALLY_OK;
    if (b.failed) {
        st = TALLY_ENOMEM;
    } else if (fwrite(b.p, 1, b.len, out) != b.len) {
        st = TALLY_EIO;
    }
    sb_free(&b);
    mem_free(&m, open, p->nrecords ? p->nrecords : 1);
    return st;
}

void tally_program_policy(const tally_program *tp, tally_policy_info *out)
{
    const bc_program *p = tp->prog;
    out->title = p->title < p->nstrings ? bc_string(p, p->title) : "";
    out->version = p->version < p->nstrings ? bc_string(p, p->version) : "";
    out->origin = p->origin < p->nstrings ? bc_string(p, p->origin) : "";
    out->ncites = p->ncites;
    out->nreports = p->nreports;
}
