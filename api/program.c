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
#include "disasm.h"
#include "front.h"
#include "verify.h"

void api_message(const tally_config *cfg, const char *text)
{
    if (cfg && cfg->message) {
        cfg->message(cfg->message_ud, text);
    }
}

static void setup_mem(mem_ctx *m, const tally_config *cfg)
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
static void report(const tally_config *cfg, tly_comp *c)
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
        diag_render_map(&map, &c->diags.items[i], c->file, &b);
        if (b.failed) {
            api_message(cfg, "tally: out of memory while reporting");
            break;
        }
        if (b.len && b.p[b.len - 1] == '\n') {
            b.p[--b.len] = '\0';
        }
        api_message(cfg, b.p ? b.p : "");
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

static tally_status front(const tally_config *cfg, const char *file,
                          const char *src, size_t len, tally_program **out)
{
    tally_program *tp = NULL;
    mem_ctx m;
    setup_mem(&m, cfg);
    tly_comp c;
    tly_comp_init(&c, &m, file, src, len);
    bool ok = tly_parse(&c) && tly_check(&c);
    bc_program *p = NULL;
    if (ok && out) {
        p = tly_compile(&c);
        ok = p != NULL;
    }
    report(cfg, &c);
    tally_status st = c.oom ? TALLY_ENOMEM : ok ? TALLY_OK : TALLY_EPOLICY;
    tly_comp_free(&c);
    if (st != TALLY_OK || !out) {
        bc_program_free(p);
        return st;
    }
    char err[256];
    if (!vfy_program(p, err, sizeof err)) {
        if (strstr(err, "out of memory")) {
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
    return front(cfg, file, src, len, out);
}

tally_status tally_check(const tally_config *cfg, const char *file,
                         const char *src, size_t len)
{
    return front(cfg, file, src, len, NULL);
}

tally_status tally_load(const tally_config *cfg, const char *file,
                        const uint8_t *buf, size_t len, tally_program **out)
{
    *out = NULL;
    mem_ctx m;
    setup_mem(&m, cfg);
    tally_program *tp = program_new(&m, cfg);
    if (!tp) {
        return TALLY_ENOMEM;
    }
    char err[256];
    bc_program *p = NULL;
    if (!bc_read(&tp->mem, buf, len, &p, err, sizeof err) ||
        !vfy_program(p, err, sizeof err)) {
        if (strstr(err, "out of memory")) {
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

void tally_program_free(tally_program *p)
{
    if (!p) {
        return;
    }
    bc_program_free(p->prog);
    program_release(p);
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
    }
    return "unknown status";
}
