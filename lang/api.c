/* lang/api.c - the embedding API (include/tally.h) over lang and runtime.
 *
 * Glue only: compile = parse + check + compile + verify; load = read +
 * verify; run = reader -> vm -> writer, one record at a time in a record
 * arena reset after each result is written, so memory stays flat however
 * long the input.  Every record in yields exactly one record out.
 */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "bcfile.h"
#include "data.h"
#include "disasm.h"
#include "front.h"
#include "output.h"
#include "verify.h"
#include "vm.h"

struct tally_program {
    mem_ctx mem;       /* the embedder's allocator and cap */
    tally_config cfg;  /* copied */
    bc_program *prog;  /* owned; verified */
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
}

static int diag_order(const void *a, const void *b)
{
    const diag *x = a, *y = b;
    return x->sp.start < y->sp.start ? -1 : x->sp.start > y->sp.start;
}

static void report(const tally_config *cfg, tly_comp *c)
{
    if (c->oom) {
        message(cfg, "tally: out of memory while compiling");
    }
    if (c->diags.count > 1) {
        qsort(c->diags.items, c->diags.count, sizeof *c->diags.items, diag_order);
    }
    strbuf b;
    sb_init(&b, c->mem);
    for (uint32_t i = 0; i < c->diags.count; i++) {
        sb_clear(&b);
        diag_render(&c->diags.items[i], c->file, c->src, c->len, &b);
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
        char msg[400];
        snprintf(msg, sizeof msg,
                 "%s: internal error: the compiled program fails verification: %s",
                 file, err);
        message(cfg, msg);
        bc_program_free(p);
        return TALLY_EINTERNAL;
    }
    tp = malloc(sizeof *tp);
    if (!tp) {
        bc_program_free(p);
        return TALLY_ENOMEM;
    }
    tp->mem = m;
    if (cfg) {
        tp->cfg = *cfg;
    } else {
        memset(&tp->cfg, 0, sizeof tp->cfg);
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
    tally_program *tp = malloc(sizeof *tp);
    if (!tp) {
        return TALLY_ENOMEM;
    }
    setup_mem(&tp->mem, cfg);
    if (cfg) {
        tp->cfg = *cfg;
    } else {
        memset(&tp->cfg, 0, sizeof tp->cfg);
    }
    char err[256];
    bc_program *p = NULL;
    if (!bc_read(&tp->mem, buf, len, &p, err, sizeof err) ||
        !vfy_program(p, err, sizeof err)) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s: invalid bytecode: %s", file, err);
        message(cfg, msg);
        bc_program_free(p);
        free(tp);
        return TALLY_EBYTECODE;
    }
    tp->prog = p;
    *out = tp;
    return TALLY_OK;
}

tally_status tally_build(const tally_program *p, uint8_t **buf, size_t *len)
{
    strbuf b;
    sb_init(&b, NULL);
    char err[256];
    if (!bc_write(p->prog, &b, err, sizeof err) || b.failed) {
        message(&p->cfg, err);
        sb_free(&b);
        return b.failed ? TALLY_ENOMEM : TALLY_EINTERNAL;
    }
    *buf = (uint8_t *)b.p;
    *len = b.len;
    return TALLY_OK;
}

void tally_buffer_free(const tally_program *p, uint8_t *buf, size_t len)
{
    (void)p;
    (void)len;
    free(buf);
}

tally_status tally_disasm(const tally_program *p, FILE *out)
{
    strbuf b;
    sb_init(&b, NULL);
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
    free(p);
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

/* ---- running ------------------------------------------------------------ */

static const value *record_key(const bc_program *p, const value *rec)
{
    if (rec->kind != VAL_RECORD || p->key_field >= rec->as.r->count) {
        return NULL;
    }
    return &rec->as.r->fields[p->key_field];
}

tally_status tally_run(const tally_program *tp, const tally_run_options *o,
                       FILE *in, FILE *out, tally_run_stats *stats)
{
    const bc_program *p = tp->prog;
    mem_ctx *m = (mem_ctx *)&tp->mem;
    tally_run_stats st;
    memset(&st, 0, sizeof st);
    static const data_format in_fmt[] = {DATA_AUTO, DATA_JSONL, DATA_JSON_ARRAY};
    static const out_format out_fmt[] = {OUT_JSONL, OUT_JSON, OUT_CSV, OUT_TABLE};
    data_reader *r = data_reader_new(m, p, in, in_fmt[o->input],
                                     o->input_name ? o->input_name : "input");
    vm *v = vm_new(m, p);
    out_writer *w = out_new(m, p, out, out_fmt[o->output]);
    tally_status result = TALLY_OK;
    if (!r || !v || !w) {
        result = TALLY_ENOMEM;
        goto done;
    }
    vm_set_budget(v, tp->cfg.budget ? tp->cfg.budget : TALLY_DEFAULT_BUDGET);
    arena rec;
    arena_init(&rec, m);
    char msg[1024];
    for (;;) {
        value in_rec, res;
        data_error de;
        vm_error ve;
        data_status ds = data_reader_next(r, &rec, &in_rec, &de);
        if (ds == DATA_EOF) {
            break;
        }
        if (ds == DATA_IO_ERROR || ds == DATA_ENOMEM) {
            snprintf(msg, sizeof msg, "tally: %s", de.msg ? de.msg : "cannot read the input");
            message(&tp->cfg, msg);
            result = ds == DATA_IO_ERROR ? TALLY_EIO : TALLY_ENOMEM;
            break;
        }
        st.records++;
        bool ok;
        if (ds == DATA_ERROR) {
            if (de.path) {
                snprintf(msg, sizeof msg, "%s: %s", de.path, de.msg);
            } else {
                snprintf(msg, sizeof msg, "%s %ld: %s",
                         o->input == TALLY_INPUT_JSON ? "record" : "line", de.line,
                         de.msg);
            }
            ok = out_error(w, &de.key, msg);
            st.rejected++;
        } else {
            vm_status vs = vm_eval(v, &rec, &in_rec, &res, &ve);
            const value *key = record_key(p, &in_rec);
            if (vs == VM_OK) {
                char err[512];
                ok = out_result(w, &res, err, sizeof err);
                if (!ok && !out_failed(w)) {
                    snprintf(msg, sizeof msg, "runtime error: output %s", err);
                    ok = out_error(w, key, msg);
                    st.failed++;
                } else {
                    st.evaluated++;
                }
            } else if (vs == VM_DATA_ERROR) {
                if (ve.path && ve.path[0]) {
                    snprintf(msg, sizeof msg, "%s: %s", ve.path, ve.msg);
                } else {
                    snprintf(msg, sizeof msg, "%s", ve.msg);
                }
                ok = out_error(w, key, msg);
                st.rejected++;
            } else if (vs == VM_ENOMEM) {
                message(&tp->cfg, "tally: out of memory evaluating a record");
                result = TALLY_ENOMEM;
                arena_reset(&rec);
                break;
            } else {
                snprintf(msg, sizeof msg, "%s: %s (%s:%u:%u)",
                         vs == VM_LIMIT ? "limit exceeded" : "runtime error",
                         ve.msg, bc_string(p, p->source), ve.line, ve.col);
                ok = out_error(w, key, msg);
                st.failed++;
                char full[2048];
                snprintf(full, sizeof full, "%s:%u:%u: %s: %s\n%s",
                         bc_string(p, p->source), ve.line, ve.col,
                         vs == VM_LIMIT ? "limit exceeded" : "runtime error",
                         ve.msg, ve.trace ? ve.trace : "");
                size_t fl = strlen(full);
                while (fl && full[fl - 1] == '\n') {
                    full[--fl] = '\0';
                }
                message(&tp->cfg, full);
            }
        }
        arena_reset(&rec);
        if (!ok && out_failed(w)) {
            message(&tp->cfg, "tally: cannot write the output");
            result = TALLY_EIO;
            break;
        }
        if (o->progress && o->progress_every && st.records % o->progress_every == 0) {
            o->progress(o->progress_ud, &st);
        }
    }
    arena_free(&rec);
    if (!out_finish(w) && result == TALLY_OK) {
        message(&tp->cfg, "tally: cannot write the output");
        result = TALLY_EIO;
    }
    if (result == TALLY_OK) {
        result = st.failed ? TALLY_ERUNTIME : st.rejected ? TALLY_EDATA : TALLY_OK;
    }
done:
    out_free(w);
    vm_free(v);
    data_reader_free(r);
    if (stats) {
        *stats = st;
    }
    return result;
}
