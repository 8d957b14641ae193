/* lang/api.c - the embedding API (include/tally.h) over lang and runtime.
 *
 * Glue only: compile = parse + check + compile + verify; load = read +
 * verify; run = reader -> vm -> writer, one record at a time in a record
 * arena reset after each result is written, so memory stays flat however
 * long the input.  Every record in yields exactly one record out.
 */
#define _GNU_SOURCE /* fopencookie, open_memstream, getline */
#include "tally.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "bcfile.h"
#include "data.h"
#include "disasm.h"
#include "ffi_native.h"
#include "front.h"
#include "output.h"
#include "verify.h"
#include "vm.h"

struct tally_program {
    mem_ctx mem;       /* the embedder's allocator and cap */
    tally_config cfg;  /* copied */
    bc_program *prog;  /* owned; verified */
    ffi_reg *regs;     /* owned, through mem: tally_register_native's
                          functions, their strings owned too */
    size_t nregs;
    size_t cap_regs;
};

static void message(const tally_config *cfg, const char *text)
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
        message(cfg, "tally: out of memory while compiling");
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
            message(cfg, "tally: out of memory while reporting");
            break;
        }
        if (b.len && b.p[b.len - 1] == '\n') {
            b.p[--b.len] = '\0';
        }
        message(cfg, b.p ? b.p : "");
    }
    sb_free(&b);
    if (c->diags.count > shown) {
        uint32_t more = c->diags.count - shown;
        char line[160];
        snprintf(line, sizeof line,
                 "tally: %u more error%s not shown (use --max-errors 0 to see "
                 "them all)", more, more == 1 ? "" : "s");
        message(cfg, line);
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
            message(cfg, "tally: out of memory while compiling");
            bc_program_free(p);
            return TALLY_ENOMEM;
        }
        char msg[400];
        snprintf(msg, sizeof msg,
                 "%s: internal error: the compiled program fails verification: %s",
                 file, err);
        message(cfg, msg);
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
            message(cfg, "tally: out of memory while loading the program");
            bc_program_free(p);
            program_release(tp);
            return TALLY_ENOMEM;
        }
        char msg[400];
        snprintf(msg, sizeof msg, "%s: invalid bytecode: %s", file, err);
        message(cfg, msg);
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
        message(&p->cfg, err);
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
        message(&p->cfg, msg);
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
    case TALLY_ENATIVE: return "native function not bound";
    }
    return "unknown status";
}

/* ---- running ------------------------------------------------------------ */

static const value *record_key(const bc_program *p, const value *rec)
{
    if (rec->kind != VAL_RECORD || p->key_field >= rec->as.r->count) {
        return NULL;
    }
    return &rec->as.r->fields[p->key_field];
}

/* What one evaluator needs: a vm, a writer and a record arena.  The
 * sequential run has one; a parallel run has one per worker. */
typedef struct runner {
    const tally_program *tp;
    const bc_program *p;
    vm *v;
    out_writer *w;
    arena rec;
    tally_run_stats st;
    bool records_not_lines; /* name rejected records "record N" */
    size_t cap; /* the memory cap, 0 for none */
    mem_ctx *mem; /* borrowed: the accounting, whose hit_cap tells the cap
                     from the allocator running out */
    strbuf *msgs; /* parallel: messages kept, NUL-separated, for the
                     writer thread to pass on in input order; NULL: sent
                     at once */
} runner;

static void say(runner *r, const char *text)
{
    if (r->msgs) {
        sb_put(r->msgs, text, strlen(text) + 1);
    } else {
        message(&r->tp->cfg, text);
    }
}

/* Writes the one output record for one input record: a result, or an
 * error record.  Returns TALLY_OK, or the status that stops the run. */
static tally_status handle(runner *r, data_status ds, const value *in_rec,
                           const data_error *de)
{
    const bc_program *p = r->p;
    char msg[1024];
    bool ok;
    r->st.records++;
    if (ds == DATA_ERROR) {
        if (de->path) {
            snprintf(msg, sizeof msg, "%s: %s", de->path, de->msg);
        } else {
            snprintf(msg, sizeof msg, "%s %ld: %s",
                     r->records_not_lines ? "record" : "line", de->line, de->msg);
        }
        ok = out_error(r->w, &de->key, msg);
        r->st.rejected++;
    } else {
        value res;
        vm_error ve;
        vm_status vs = vm_eval(r->v, &r->rec, in_rec, &res, &ve);
        const value *key = record_key(p, in_rec);
        if (vs == VM_OK) {
            char err[512];
            ok = out_result(r->w, &res, err, sizeof err);
            if (!ok && !out_failed(r->w)) {
                snprintf(msg, sizeof msg, "%s: output %s",
                         out_over_limit(r->w) ? "limit exceeded"
                                              : "runtime error",
                         err);
                ok = out_error(r->w, key, msg);
                r->st.failed++;
            } else {
                r->st.evaluated++;
            }
        } else if (vs == VM_DATA_ERROR) {
            if (ve.path && ve.path[0]) {
                snprintf(msg, sizeof msg, "%s: %s", ve.path, ve.msg);
            } else {
                snprintf(msg, sizeof msg, "%s", ve.msg);
            }
            ok = out_error(r->w, key, msg);
            r->st.rejected++;
        } else if (vs == VM_ENOMEM && r->cap && r->mem->hit_cap) {
            /* Over the memory cap: this record fails, the run goes on
             * (its arena is reset by the caller). */
            snprintf(msg, sizeof msg, "limit exceeded: memory cap of %zu bytes reached",
                     r->cap);
            ok = out_error(r->w, key, msg);
            r->st.failed++;
            char note[300];
            snprintf(note, sizeof note, "tally: a record needs more than the memory cap of %zu bytes",
                     r->cap);
            say(r, note);
        } else if (vs == VM_ENOMEM) {
            say(r, "tally: out of memory evaluating a record");
            return TALLY_ENOMEM;
        } else {
            const char *what = vs == VM_LIMIT ? "limit exceeded" : "runtime error";
            snprintf(msg, sizeof msg, "%s: %s (%s:%u:%u)", what, ve.msg,
                     bc_string(p, p->source), ve.line, ve.col);
            ok = out_error(r->w, key, msg);
            r->st.failed++;
            char full[8192];
            snprintf(full, sizeof full, "%s:%u:%u: %s: %s\n%s",
                     bc_string(p, p->source), ve.line, ve.col, what, ve.msg,
                     ve.trace ? ve.trace : "");
            size_t fl = strlen(full);
            while (fl && full[fl - 1] == '\n') {
                full[--fl] = '\0';
            }
            say(r, full);
        }
    }
    if (!ok && out_failed(r->w)) {
        if (out_nomem(r->w)) {
            say(r, "tally: out of memory writing the output");
            return TALLY_ENOMEM;
        }
        return TALLY_EIO; /* the caller, who knows [out], reports it */
    }
    return TALLY_OK;
}

static tally_status final_status(const tally_run_stats *st)
{
    return st->failed ? TALLY_ERUNTIME : st->rejected ? TALLY_EDATA : TALLY_OK;
}

static const out_format out_fmt[] = {OUT_JSONL, OUT_JSON, OUT_CSV, OUT_TABLE};

static tally_status run_sequential(const tally_program *tp,
                                   const ffi_table *natives,
                                   const tally_run_options *o, FILE *in,
                                   FILE *out, tally_run_stats *stats)
{
    const bc_program *p = tp->prog;
    /* The run's own accounting: the program is shared, read-only, by
     * runs on other threads, so its counters must not be written here.
     * The cap applies to this run's bytes, as to each worker's. */
    mem_ctx run_mem = tp->mem;
    run_mem.live = run_mem.peak = 0;
    mem_ctx *m = &run_mem;
    static const data_format in_fmt[] = {DATA_AUTO, DATA_JSONL, DATA_JSON_ARRAY};
    runner r;
    memset(&r, 0, sizeof r);
    r.tp = tp;
    r.p = p;
    r.records_not_lines = o->input == TALLY_INPUT_JSON;
    r.cap = m->cap;
    r.mem = m;
    arena_init(&r.rec, m);
    data_reader *rd = data_reader_new(m, p, in, in_fmt[o->input],
                                      o->input_name ? o->input_name : "input");
    r.v = vm_new(m, p);
    r.w = out_new(m, p, out, out_fmt[o->output]);
    tally_status result = TALLY_OK;
    if (!rd || !r.v || !r.w) {
        result = TALLY_ENOMEM;
        goto done;
    }
    vm_set_budget(r.v, tp->cfg.budget ? tp->cfg.budget : TALLY_DEFAULT_BUDGET);
    vm_set_natives(r.v, natives);
    for (;;) {
        value in_rec;
        data_error de;
        m->hit_cap = false;
        data_status ds = data_reader_next(rd, &r.rec, &in_rec, &de);
        if (ds == DATA_EOF) {
            break;
        }
        if (ds == DATA_ENOMEM && r.cap && m->hit_cap) {
            data_error cap_err = de;
            char msg[200];
            snprintf(msg, sizeof msg, "memory cap of %zu bytes reached", r.cap);
            cap_err.path = NULL;
            cap_err.msg = msg;
            arena_reset(&r.rec);
            r.st.records++;
            r.st.failed++;
            char line[300];
            snprintf(line, sizeof line, "tally: line %ld: %s", de.line, msg);
            message(&tp->cfg, line);
            snprintf(line, sizeof line, "limit exceeded: %s", msg);
            if (!out_error(r.w, NULL, line)) {
                result = out_nomem(r.w) ? TALLY_ENOMEM : TALLY_EIO;
                break;
            }
            (void)cap_err;
            continue;
        }
        if (ds == DATA_IO_ERROR || ds == DATA_ENOMEM) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: %s", de.msg ? de.msg : "cannot read the input");
            message(&tp->cfg, msg);
            result = ds == DATA_IO_ERROR ? TALLY_EIO : TALLY_ENOMEM;
            break;
        }
        r.records_not_lines = data_reader_format(rd) == DATA_JSON_ARRAY;
        result = handle(&r, ds, &in_rec, &de);
        arena_reset(&r.rec);
        if (result != TALLY_OK) {
            break;
        }
        if (o->progress && o->progress_every &&
            r.st.records % o->progress_every == 0) {
            o->progress(o->progress_ud, &r.st);
        }
    }
    if (!out_finish(r.w) && result == TALLY_OK) {
        result = TALLY_EIO;
    }
    if (result == TALLY_OK) {
        result = final_status(&r.st);
    }
done:
    arena_free(&r.rec);
    out_free(r.w);
    vm_free(r.v);
    data_reader_free(rd);
    *stats = r.st;
    return result;
}

/* ---- parallel runs ------------------------------------------------------ */

/* A parallel run reads JSON Lines on the calling thread in batches, lets
 * [jobs] worker threads bind, evaluate and format each batch into memory,
 * and writes the batches back in input order, so the bytes out are the
 * same as a sequential run's.  Records are independent, so nothing else is
 * shared: each worker has its own vm, arena, writer and memory accounting
 * (a memory cap applies per worker). */

#define BATCH_LINES 256      /* lines per batch: amortizes the hand-offs */
#define BATCH_BYTES (1 << 20) /* or this much text, whichever comes first */

typedef enum { SLOT_EMPTY, SLOT_FILLED, SLOT_BUSY, SLOT_DONE } slot_state;

typedef struct slot {
    slot_state state;
    strbuf text;      /* the batch's lines, each NUL-terminated */
    size_t *starts;   /* owned: offset of each line in text */
    size_t *lens;     /* owned: its length (a line may hold NUL bytes) */
    long *lines;      /* owned: its line number */
    uint32_t n;
    uint32_t cap;
    char *out;        /* malloc'd by open_memstream: formatted output */
    size_t out_len;
    strbuf msgs;      /* messages, NUL-separated */
    tally_run_stats st;
    tally_status status;
} slot;

typedef struct pool {
    const tally_program *tp;
    const ffi_table *natives; /* the run's, shared read-only */
    pthread_mutex_t mu;
    pthread_cond_t filled; /* a slot became FILLED, or the run ends */
    pthread_cond_t done;   /* a slot became DONE */
    slot *slots;
    unsigned nslots;
    unsigned next_take; /* the next slot a worker takes, in order */
    bool closing;
} pool;

static void process_batch(pool *pl, slot *s, vm *v, mem_ctx *m)
{
    const tally_program *tp = pl->tp;
    const bc_program *p = tp->prog;
    runner r;
    memset(&r, 0, sizeof r);
    r.tp = tp;
    r.p = p;
    r.v = v;
    r.msgs = &s->msgs;
    r.cap = m->cap;
    r.mem = m;
    arena_init(&r.rec, m);
    s->out = NULL;
    s->out_len = 0;
    FILE *f = open_memstream(&s->out, &s->out_len);
    r.w = f ? out_new(m, p, f, OUT_JSONL) : NULL;
    s->status = TALLY_OK;
    if (!r.w) {
        s->status = TALLY_ENOMEM;
    }
    for (uint32_t i = 0; i < s->n && s->status == TALLY_OK; i++) {
        const char *line = s->text.p + s->starts[i];
        size_t len = s->lens[i];
        value in_rec;
        data_error de;
        m->hit_cap = false;
        data_status ds = data_bind_json(p, p->input_record, line, len, s->lines[i],
                                        &r.rec, &in_rec, &de);
        if (ds == DATA_ENOMEM) {
            say(&r, "tally: out of memory reading the input");
            s->status = TALLY_ENOMEM;
            break;
        }
        s->status = handle(&r, ds, &in_rec, &de);
        arena_reset(&r.rec);
    }
    if (r.w && !out_finish(r.w) && s->status == TALLY_OK) {
        s->status = TALLY_EIO;
    }
    out_free(r.w);
    if (f) {
        fclose(f);
    } else if (s->status == TALLY_OK) {
        s->status = TALLY_ENOMEM;
    }
    arena_free(&r.rec);
    s->st = r.st;
}

typedef struct worker {
    pool *pl;
    mem_ctx mem; /* this worker's accounting */
    pthread_t th;
} worker;

static void *work(void *arg)
{
    worker *wk = arg;
    pool *pl = wk->pl;
    vm *v = vm_new(&wk->mem, pl->tp->prog);
    if (v) {
        vm_set_budget(v, pl->tp->cfg.budget ? pl->tp->cfg.budget : TALLY_DEFAULT_BUDGET);
        vm_set_natives(v, pl->natives);
    }
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        slot *s = &pl->slots[pl->next_take % pl->nslots];
        if (s->state != SLOT_FILLED) {
            if (pl->closing) {
                break;
            }
            pthread_cond_wait(&pl->filled, &pl->mu);
            continue;
        }
        s->state = SLOT_BUSY;
        pl->next_take++;
        pthread_mutex_unlock(&pl->mu);
        if (v) {
            process_batch(pl, s, v, &wk->mem);
        } else {
            s->status = TALLY_ENOMEM;
        }
        pthread_mutex_lock(&pl->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    vm_free(v);
    return NULL;
}

/* Writes slot [s] (DONE) out, unless [out] is NULL (the run has
 * stopped), and empties it; the status that stops the run, or TALLY_OK. */
static tally_status drain(const tally_program *tp, slot *s, FILE *out,
                          tally_run_stats *st)
{
    for (size_t i = 0; i < s->msgs.len; i += strlen(s->msgs.p + i) + 1) {
        message(&tp->cfg, s->msgs.p + i);
    }
    tally_status result = s->status;
    if (out && s->out_len && fwrite(s->out, 1, s->out_len, out) != s->out_len) {
        result = TALLY_EIO; /* the caller, who knows [out], reports it */
    }
    free(s->out);
    s->out = NULL;
    st->records += s->st.records;
    st->evaluated += s->st.evaluated;
    st->rejected += s->st.rejected;
    st->failed += s->st.failed;
    sb_clear(&s->text);
    sb_clear(&s->msgs);
    s->n = 0;
    s->state = SLOT_EMPTY;
    return result;
}

static bool slot_add(slot *s, const char *line, size_t len, long lineno)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : BATCH_LINES;
        size_t *st = realloc(s->starts, cap * sizeof *st);
        if (st) {
            s->starts = st;
        }
        long *ln = realloc(s->lines, cap * sizeof *ln);
        if (ln) {
            s->lines = ln;
        }
        size_t *le = realloc(s->lens, cap * sizeof *le);
        if (le) {
            s->lens = le;
        }
        if (!st || !ln || !le) {
            return false;
        }
        s->cap = cap;
    }
    s->starts[s->n] = s->text.len;
    s->lens[s->n] = len;
    s->lines[s->n] = lineno;
    s->n++;
    sb_put(&s->text, line, len);
    sb_putc(&s->text, '\0');
    return !s->text.failed;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return false;
        }
    }
    return true;
}

static tally_status run_parallel(const tally_program *tp,
                                 const ffi_table *natives,
                                 const tally_run_options *o, FILE *in,
                                 FILE *out, tally_run_stats *stats)
{
    tally_run_stats st;
    memset(&st, 0, sizeof st);
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.tp = tp;
    pl.natives = natives;
    pl.nslots = o->jobs * 2;
    pl.slots = calloc(pl.nslots, sizeof *pl.slots);
    worker *wk = calloc(o->jobs, sizeof *wk);
    if (!pl.slots || !wk) {
        free(pl.slots);
        free(wk);
        return TALLY_ENOMEM;
    }
    for (unsigned i = 0; i < pl.nslots; i++) {
        sb_init(&pl.slots[i].text, NULL);
        sb_init(&pl.slots[i].msgs, NULL);
    }
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.filled, NULL);
    pthread_cond_init(&pl.done, NULL);
    unsigned started = 0;
    for (unsigned i = 0; i < o->jobs; i++) {
        wk[i].pl = &pl;
        wk[i].mem = tp->mem;
        wk[i].mem.live = wk[i].mem.peak = 0;
        if (pthread_create(&wk[i].th, NULL, work, &wk[i]) != 0) {
            break;
        }
        started++;
    }
    tally_status result = started ? TALLY_OK : TALLY_EINTERNAL;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    unsigned fill = 0, next_write = 0;
    bool eof = !started;
    while (!eof && result == TALLY_OK) {
        slot *s = &pl.slots[fill % pl.nslots];
        pthread_mutex_lock(&pl.mu);
        /* The slot to fill is the oldest one: write it out first. */
        while (s->state != SLOT_EMPTY && result == TALLY_OK) {
            if (s->state == SLOT_DONE) {
                result = drain(tp, s, out, &st);
                next_write++;
            } else {
                pthread_cond_wait(&pl.done, &pl.mu);
            }
        }
        pthread_mutex_unlock(&pl.mu);
        if (result != TALLY_OK) {
            break;
        }
        while (s->n < BATCH_LINES && s->text.len < BATCH_BYTES) {
            ssize_t got = getline(&line, &cap, in);
            if (got < 0) {
                eof = true;
                if (ferror(in)) {
                    message(&tp->cfg, "tally: cannot read the input");
                    result = TALLY_EIO;
                }
                break;
            }
            lineno++;
            size_t len = (size_t)got;
            const char *text = line;
            if (lineno == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
                text += 3; /* a byte order mark */
                len -= 3;
            }
            if (blank(text, len)) {
                continue;
            }
            if (!slot_add(s, text, len, lineno)) {
                result = TALLY_ENOMEM;
                break;
            }
        }
        pthread_mutex_lock(&pl.mu);
        if (s->n) {
            s->state = SLOT_FILLED;
            fill++;
            pthread_cond_broadcast(&pl.filled);
        }
        pthread_mutex_unlock(&pl.mu);
        if (o->progress && o->progress_every) {
            tally_run_stats now = st;
            o->progress(o->progress_ud, &now);
        }
    }
    /* Write what remains, in order. */
    pthread_mutex_lock(&pl.mu);
    while (next_write < fill) {
        slot *s = &pl.slots[next_write % pl.nslots];
        if (s->state != SLOT_DONE) {
            pthread_cond_wait(&pl.done, &pl.mu);
            continue;
        }
        tally_status r = drain(tp, s, result == TALLY_OK ? out : NULL, &st);
        if (result == TALLY_OK) {
            result = r;
        }
        next_write++;
    }
    pl.closing = true;
    pthread_cond_broadcast(&pl.filled);
    pthread_mutex_unlock(&pl.mu);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(wk[i].th, NULL);
    }
    free(line);
    for (unsigned i = 0; i < pl.nslots; i++) {
        sb_free(&pl.slots[i].text);
        sb_free(&pl.slots[i].msgs);
        free(pl.slots[i].starts);
        free(pl.slots[i].lines);
        free(pl.slots[i].lens);
        free(pl.slots[i].out);
    }
    pthread_cond_destroy(&pl.filled);
    pthread_cond_destroy(&pl.done);
    pthread_mutex_destroy(&pl.mu);
    free(pl.slots);
    free(wk);
    if (result == TALLY_OK && fflush(out) != 0) {
        result = TALLY_EIO;
    }
    if (result == TALLY_OK) {
        result = final_status(&st);
    }
    *stats = st;
    return result;
}

/* A stream that first gives back the bytes already read to look at the
 * input's start, then the rest of the original stream. */
typedef struct prefixed {
    char *pre;  /* malloc'd: the bytes read to decide the format */
    size_t len;
    size_t cap;
    size_t pos; /* next byte of pre to give back */
    FILE *rest; /* borrowed */
} prefixed;

static ssize_t prefixed_read(void *cookie, char *buf, size_t n)
{
    prefixed *p = cookie;
    if (p->pos < p->len) {
        size_t k = p->len - p->pos < n ? p->len - p->pos : n;
        memcpy(buf, p->pre + p->pos, k);
        p->pos += k;
        return (ssize_t)k;
    }
    size_t got = fread(buf, 1, n, p->rest);
    if (got == 0 && ferror(p->rest)) {
        return -1;
    }
    return (ssize_t)got;
}

/* Reads the start of [in] into [p] until data_sniff_feed, the reader's
 * own rule, tells whether the data is a JSON array (*array).  False out
 * of memory. */
static bool sniff_input(prefixed *p, FILE *in, bool *array)
{
    p->rest = in;
    data_sniffer sn;
    data_sniff_init(&sn);
    data_format f = DATA_AUTO;
    while (f == DATA_AUTO) {
        if (p->cap - p->len < 65536) {
            size_t cap = p->cap ? p->cap * 2 : 65536;
            char *q = realloc(p->pre, cap);
            if (!q) {
                return false;
            }
            p->pre = q;
            p->cap = cap;
        }
        size_t got = fread(p->pre + p->len, 1, p->cap - p->len, in);
        if (got == 0) {
            f = data_sniff_end(&sn); /* end of input, or a read error the
                                        run itself will meet and report */
            break;
        }
        f = data_sniff_feed(&sn, p->pre + p->len, got);
        p->len += got;
    }
    *array = f == DATA_JSON_ARRAY;
    return true;
}

tally_status tally_run(const tally_program *tp, const tally_run_options *o,
                       FILE *in, FILE *out, tally_run_stats *stats)
{
    tally_run_stats st;
    memset(&st, 0, sizeof st);
    tally_status result;
    /* Native functions are bound before any record is read: a library
     * that is not allowed, not found or not matching stops the run here.
     * A program without extern definitions binds nothing and loads
     * nothing (nt stays NULL). */
    mem_ctx nt_mem = tp->mem;
    nt_mem.live = nt_mem.peak = 0;
    ffi_table *nt = NULL;
    if (tp->prog->nexterns) {
        char err[600];
        ffi_outcome fo = ffi_bind(&nt_mem, tp->prog, tp->cfg.allow_native,
                                  tp->regs, tp->nregs, &nt, err, sizeof err);
        if (fo == FFI_ENOMEM) {
            message(&tp->cfg, "tally: out of memory while binding native "
                              "functions");
            result = TALLY_ENOMEM;
            goto done;
        }
        if (fo != FFI_DONE) {
            const bc_program *p = tp->prog;
            char msg[800];
            snprintf(msg, sizeof msg, "%s: %s",
                     p->source < p->nstrings ? bc_string(p, p->source)
                                             : "<policy>",
                     err);
            message(&tp->cfg, msg);
            result = TALLY_ENATIVE;
            goto done;
        }
    }
    /* Parallel runs take JSON Lines and write JSON Lines; anything else
     * runs on one thread. */
    if (o->jobs > 1 && o->input != TALLY_INPUT_JSON &&
        o->output == TALLY_OUTPUT_JSONL) {
        prefixed *p = calloc(1, sizeof *p);
        bool array = false;
        if (!p) {
            result = TALLY_ENOMEM;
            goto done;
        }
        p->rest = in;
        if (o->input == TALLY_INPUT_AUTO && !sniff_input(p, in, &array)) {
            free(p->pre);
            free(p);
            result = TALLY_ENOMEM;
            goto done;
        }
        cookie_io_functions_t io = {.read = prefixed_read};
        FILE *f = fopencookie(p, "r", io);
        if (!f) {
            free(p->pre);
            free(p);
            result = TALLY_ENOMEM;
            goto done;
        }
        result = array ? run_sequential(tp, nt, o, f, out, &st)
                       : run_parallel(tp, nt, o, f, out, &st);
        fclose(f);
        free(p->pre);
        free(p);
    } else {
        result = run_sequential(tp, nt, o, in, out, &st);
    }
done:
    ffi_free(nt);
    if (stats) {
        *stats = st;
    }
    return result;
}
