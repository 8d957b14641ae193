/* api/run.c - the embedding API's runs: tally_run (include/tally.h).
 *
 * run = reader -> vm -> writer, one record at a time in a record arena
 * reset after each result is written, so memory stays flat however long
 * the input; or, with jobs > 1, the same reader framing JSON Lines on the
 * calling thread and workers binding, evaluating and formatting batches
 * that are written back in input order.  Every record in yields exactly
 * one record out.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "data.h"
#include "date.h"
#include "explain.h"
#include "ffi_native.h"
#include "output.h"
#include "report.h"
#include "report_html.h"
#include "vm.h"

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
    bool findings_only;    /* tally_run_options.findings_only */
    bool all_errors;       /* tally_run_options.all_errors */
    tally_fail_on fail_on; /* tally_run_options.fail_on */
    rep_state *rep;        /* borrowed: where the records' report rows go,
                              or NULL (a session) */
    strbuf *msgs; /* parallel: messages kept, NUL-separated, for the
                     writer thread to pass on in input order; NULL: sent
                     at once */
    bool explain;  /* tally_run_options.explain: the vm keeps a trace */
} runner;

/* run --explain: the member "explain": {...} of [res], the result of
 * [in_rec] just evaluated on [r]'s vm, in the record arena; NULL out of
 * memory. */
static const char *explain_member(runner *r, const value *in_rec,
                                  const value *res)
{
    uint32_t nev;
    bool trunc;
    const vm_trace_event *ev = vm_trace(r->v, &nev, &trunc);
    strbuf seen, b;
    sb_init(&seen, r->mem);
    sb_init(&b, r->mem);
    const char *out = NULL;
    xtree *t = xt_build(r->p, &r->rec, ev, nev, trunc, in_rec, &seen);
    const bc_program *p = r->p;
    if (t) {
        sb_puts(&b, "\"explain\": {");
        xt_render(t, &b, res, NULL, true, true,
                  bc_string(p, p->funcs[p->output_func].name));
        if (trunc) {
            sb_puts(&b, b.p[b.len - 1] == '{' ? "" : ", ");
            sb_puts(&b, "\"truncated\": true");
        }
        sb_putc(&b, '}');
        if (!b.failed) {
            out = arena_strndup(&r->rec, b.p, b.len);
        }
    }
    sb_free(&seen);
    sb_free(&b);
    return out;
}

static void say(runner *r, const char *text)
{
    if (r->msgs) {
        sb_put(r->msgs, text, strlen(text) + 1);
    } else {
        api_message(&r->tp->cfg, text);
    }
}

/* Counts the findings of [list] in r->st, and those at or above the
 * run's fail_on. */
static void count_findings(runner *r, const value *list)
{
    for (uint32_t i = 0; i < list->as.l->count; i++) {
        const value *f = &list->as.l->items[i];
        r->st.findings++;
        if (r->fail_on == TALLY_FAIL_ON_NONE || f->kind != VAL_RECORD ||
            f->as.r->count != BC_FINDING_NFIELDS) {
            continue;
        }
        const value *sev = &f->as.r->fields[BC_FINDING_SEVERITY];
        tally_fail_on level = TALLY_FAIL_ON_NOTICE;
        if (sev->kind == VAL_TEXT && sev->len == 5 && memcmp(sev->as.s, "error", 5) == 0) {
            level = TALLY_FAIL_ON_ERROR;
        } else if (sev->kind == VAL_TEXT && sev->len == 7 &&
                   memcmp(sev->as.s, "warning", 7) == 0) {
            level = TALLY_FAIL_ON_WARNING;
        }
        r->st.failing += level >= r->fail_on;
    }
}

/* What the writer's answer [ws] means for the run: TALLY_OK, or the
 * status that stops it (out of memory said; a write error left to the
 * caller, who knows the stream). */
static tally_status written(runner *r, rt_status ws)
{
    if (ws == RT_ENOMEM) {
        say(r, "tally: out of memory writing the output");
    }
    return api_status(ws);
}

/* Writes the error record of a rejected record with several problems
 * ([de], the first already formatted in [first]): "first; path: msg;
 * ...; and N more". */
static rt_status all_errors_out(runner *r, const data_error *de,
                                const char *first)
{
    strbuf sb;
    sb_init(&sb, r->mem);
    sb_puts(&sb, first);
    for (uint32_t i = 0; i < de->nmore; i++) {
        const data_issue *d = &de->more[i];
        sb_puts(&sb, "; ");
        if (d->path[0]) {
            sb_puts(&sb, d->path);
            sb_puts(&sb, ": ");
        }
        sb_puts(&sb, d->msg);
    }
    if (de->unshown) {
        sb_printf(&sb, "; and %u more", (unsigned)de->unshown);
    }
    rt_status st = sb.failed ? RT_ENOMEM : out_error(r->w, &de->key, sb.p);
    sb_free(&sb);
    return st;
}

/* Adds [rows] (one list per report, or NULL) to the run's reports, once
 * the record's result is written: TALLY_OK, or the status that stops the
 * run. */
static tally_status add_rows(runner *r, const value *rows)
{
    for (uint32_t i = 0; rows && i < r->p->nreports; i++) {
        char err[300];
        rt_status st = rep_add(r->rep, i, &rows[i], err, sizeof err);
        if (st == RT_ENOMEM) {
            say(r, "tally: out of memory adding to the reports");
            return TALLY_ENOMEM;
        }
        if (st != RT_OK) {
            char msg[400];
            snprintf(msg, sizeof msg, "tally: report %s: %s",
                     bc_string(r->p, r->p->reports[i].name), err);
            say(r, msg);
            return TALLY_ERUNTIME;
        }
    }
    return TALLY_OK;
}

/* Writes the one output record for one input record: a result, or an
 * error record.  [ds] is the reader's or binder's status for it.
 * Returns TALLY_OK, or the status that stops the run. */
static tally_status handle(runner *r, rt_status ds, const value *in_rec,
                           const data_error *de)
{
    const bc_program *p = r->p;
    char msg[1024];
    r->st.records++;
    if (ds == RT_EDATA) {
        if (de->path) {
            snprintf(msg, sizeof msg, "%s: %s", de->path, de->msg);
        } else {
            snprintf(msg, sizeof msg, "%s %ld: %s",
                     r->records_not_lines ? "record" : "line", de->line, de->msg);
        }
        r->st.rejected++;
        if (de->nmore == 0 && de->unshown == 0) {
            return written(r, out_error(r->w, &de->key, msg));
        }
        return written(r, all_errors_out(r, de, msg));
    }
    value res, found = val_none();
    vm_error ve;
    rt_status st = vm_eval(r->v, &r->rec, in_rec, &res, &ve);
    const value *key = record_key(p, in_rec);
    if (st == RT_OK && r->explain) {
        const char *m = explain_member(r, in_rec, &res);
        st = m ? RT_OK : RT_ENOMEM;
        out_set_extra(r->w, m);
    }
    if (st == RT_OK && p->findings_func != BC_NONE_U16) {
        st = vm_eval_findings(r->v, &found, &ve);
    }
    if (st == RT_OK && found.kind == VAL_LIST) {
        count_findings(r, &found);
    }
    value *rows = NULL; /* each report's rows for this record */
    if (st == RT_OK && r->rep && p->nreports) {
        rows = arena_alloc(&r->rec, p->nreports * sizeof *rows);
        st = rows ? RT_OK : RT_ENOMEM;
        for (uint32_t i = 0; st == RT_OK && i < p->nreports; i++) {
            st = vm_eval_report(r->v, i, &rows[i], &ve);
        }
    }
    if (st == RT_OK && r->findings_only) {
        st = out_findings(r->w, key, &found);
        if (st == RT_OK) {
            r->st.evaluated++;
            return add_rows(r, rows);
        }
        return written(r, st);
    }
    char err[512];
    bool in_output = false; /* the result was made but cannot be written */
    if (st == RT_OK) {
        out_set_findings(r->w, key, found.kind == VAL_LIST ? &found : NULL);
        st = out_result(r->w, &res, err, sizeof err);
        if (st == RT_OK) {
            r->st.evaluated++;
            return add_rows(r, rows);
        }
        if (out_status(r->w) != RT_OK) {
            return written(r, st); /* writing stopped for good */
        }
        in_output = true;
    }
    switch (st) {
    case RT_EDATA:
        if (ve.path && ve.path[0]) {
            snprintf(msg, sizeof msg, "%s: %s", ve.path, ve.msg);
        } else {
            snprintf(msg, sizeof msg, "%s", ve.msg);
        }
        r->st.rejected++;
        return written(r, out_error(r->w, key, msg));
    case RT_ENOMEM:
        if (!r->cap || !r->mem->hit_cap) {
            say(r, in_output ? "tally: out of memory writing the output"
                             : "tally: out of memory evaluating a record");
            return TALLY_ENOMEM;
        }
        /* Over the memory cap: this record fails, the run goes on (its
         * arena is reset by the caller). */
        snprintf(msg, sizeof msg, "limit exceeded: memory cap of %zu bytes reached",
                 r->cap);
        r->st.failed++;
        st = out_error(r->w, key, msg);
        char note[300];
        snprintf(note, sizeof note, "tally: a record needs more than the memory cap of %zu bytes",
                 r->cap);
        say(r, note);
        return written(r, st);
    case RT_ERUNTIME:
    case RT_ELIMIT:
        break;
    default:
        say(r, "tally: internal error: an unexpected status evaluating a "
               "record");
        return TALLY_EINTERNAL;
    }
    const char *what = rt_status_name(st); /* "runtime error", "limit
                                               exceeded" */
    r->st.failed++;
    if (in_output) {
        snprintf(msg, sizeof msg, "%s: output %s", what, err);
        return written(r, out_error(r->w, key, msg));
    }
    snprintf(msg, sizeof msg, "%s: %s (%s:%u:%u)", what, ve.msg,
             ve.file ? ve.file : bc_string(p, p->source), ve.line,
             ve.col);
    out_error_cite(r->w, ve.cite);
    rt_status ws = out_error(r->w, key, msg);
    char full[8192];
    snprintf(full, sizeof full, "%s:%u:%u: %s: %s\n%s",
             ve.file ? ve.file : bc_string(p, p->source), ve.line,
             ve.col, what, ve.msg,
             ve.trace ? ve.trace : "");
    size_t fl = strlen(full);
    while (fl && full[fl - 1] == '\n') {
        full[--fl] = '\0';
    }
    say(r, full);
    return written(r, ws);
}

static bool cited_in(const void *ud, uint32_t k)
{
    return vm_cited(ud, k);
}

/* With [cites] (tally_run_options.cites), makes [v] note the citations
 * each record's evaluation runs through and [w] (when not NULL) write
 * them.  False out of memory. */
static bool want_cites(bool cites, vm *v, out_writer *w)
{
    if (!cites) {
        return true;
    }
    if (!vm_collect_cites(v)) {
        return false;
    }
    if (w) {
        out_set_cites(w, cited_in, v);
    }
    return true;
}

/* The run's evaluation date (tally_run_options.as_of): *has false when
 * none is given.  False, with a message, when it is not a date. */
static bool run_as_of(const tally_program *tp, const tally_run_options *o,
                      bool *has, int64_t *day)
{
    *has = false;
    *day = 0;
    if (!o || !o->as_of) {
        return true;
    }
    if (!date_parse(o->as_of, strlen(o->as_of), day)) {
        char msg[200];
        snprintf(msg, sizeof msg, "tally: the evaluation date '%.40s' is not "
                 "a date YYYY-MM-DD", o->as_of);
        api_message(&tp->cfg, msg);
        return false;
    }
    *has = true;
    return true;
}

/* Gives [v] the run's budget and evaluation date. */
static void setup_vm(vm *v, uint64_t budget, bool has_as_of, int64_t as_of)
{
    vm_set_budget(v, budget);
    vm_set_as_of(v, has_as_of, as_of);
}

static tally_status final_status(const tally_run_stats *st)
{
    return st->failed     ? TALLY_ERUNTIME
           : st->rejected ? TALLY_EDATA
           : st->failing  ? TALLY_EFINDINGS
                          : TALLY_OK;
}

static const out_format out_fmt[] = {OUT_JSONL, OUT_JSON,  OUT_CSV,   OUT_TABLE,
                                     OUT_JUNIT, OUT_TAP,   OUT_GITHUB};

/* The budget a run gives each record: its own, else the program's. */
static uint64_t run_budget(const tally_program *tp, const tally_run_options *o)
{
    if (o && o->budget) {
        return o->budget;
    }
    return tp->cfg.budget ? tp->cfg.budget : TALLY_DEFAULT_BUDGET;
}

/* The accounting of a run of [tp] (or one worker of it): the program's
 * allocator, nothing counted yet, and the run's cap, else the program's.
 * The program is shared, read-only, by runs on other threads, so its own
 * counters are never written by a run. */
static mem_ctx run_mem_of(const tally_program *tp, const tally_run_options *o)
{
    mem_ctx m = tp->mem;
    m.live = m.peak = 0;
    m.hit_cap = false;
    if (o && o->memory_cap) {
        m.cap = o->memory_cap == TALLY_NO_MEMORY_CAP ? 0 : o->memory_cap;
    }
    return m;
}

/* True when the embedder asks the run to stop. */
static bool stop_asked(const tally_run_options *o)
{
    return o->should_stop && o->should_stop(o->should_stop_ud) != 0;
}

/* The error record of the record on [line] that could not be read within
 * the memory cap: it fails, and the run goes on. */
static tally_status cap_record(runner *r, long line)
{
    char msg[200], text[300];
    snprintf(msg, sizeof msg, "memory cap of %zu bytes reached", r->cap);
    r->st.records++;
    r->st.failed++;
    snprintf(text, sizeof text, "tally: line %ld: %s", line, msg);
    say(r, text);
    snprintf(text, sizeof text, "limit exceeded: %s", msg);
    return api_status(out_error(r->w, NULL, text));
}

/* A run's JSON array left open: for the reports' rows after the results,
 * or for later runs (tally_run_options.json_array): one document. */
typedef struct json_tail {
    tally_json_array *ja; /* the array's state (the caller's, or the
                             run's own when only the reports need it);
                             NULL: the writer closes its own array */
    bool open;            /* the results' writer finished and left it
                             open */
} json_tail;

/* Evaluates every record [rd] reads on this thread, with the run's
 * accounting [m]. */
static tally_status run_sequential(const tally_program *tp,
                                   const ffi_table *natives,
                                   const tally_run_options *o, data_reader *rd,
                                   mem_ctx *m, FILE *out, rep_state *rep,
                                   json_tail *tail, tally_run_stats *stats)
{
    const bc_program *p = tp->prog;
    runner r;
    memset(&r, 0, sizeof r);
    r.tp = tp;
    r.p = p;
    r.records_not_lines = data_reader_format(rd) == DATA_JSON_ARRAY ||
                          data_reader_format(rd) == DATA_WRAPPED;
    r.findings_only = o->findings_only != 0;
    r.all_errors = o->all_errors != 0;
    r.fail_on = o->fail_on;
    r.explain = o->explain && (o->output == TALLY_OUTPUT_JSONL ||
                               o->output == TALLY_OUTPUT_JSON);
    r.rep = rep;
    r.cap = m->cap;
    r.mem = m;
    arena_init(&r.rec, m);
    r.v = vm_new(m, p);
    r.w = out_new(m, p, out, out_fmt[o->output]);
    tally_status result = TALLY_OK;
    if (!r.v || !r.w || !want_cites(o->cites != 0, r.v, r.w) ||
        (r.explain && !vm_set_trace(r.v, TALLY_DEFAULT_TRACE_EVENTS))) {
        result = TALLY_ENOMEM;
        goto done;
    }
    if (tail->ja && tail->ja->open) {
        out_continue(r.w, tail->ja->any != 0);
    } else if (tail->ja) {
        out_keep_open(r.w);
    }
    bool has_as_of;
    int64_t as_of;
    run_as_of(tp, o, &has_as_of, &as_of); /* checked by tally_run */
    setup_vm(r.v, run_budget(tp, o), has_as_of, as_of);
    vm_set_natives(r.v, natives);
    for (;;) {
        value in_rec;
        data_error de;
        if (stop_asked(o)) {
            result = TALLY_ECANCELED;
            break;
        }
        m->hit_cap = false;
        rt_status ds = data_reader_next(rd, &r.rec, &in_rec, &de);
        if (ds == RT_EOF) {
            break;
        }
        if (ds == RT_ENOMEM && r.cap && m->hit_cap) {
            arena_reset(&r.rec);
            result = cap_record(&r, de.line);
            if (result != TALLY_OK) {
                break;
            }
            continue;
        }
        if (ds == RT_EIO || ds == RT_ENOMEM) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: %s", de.msg ? de.msg : "cannot read the input");
            api_message(&tp->cfg, msg);
            result = ds == RT_EIO ? TALLY_EIO : TALLY_ENOMEM;
            break;
        }
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
    rt_status fin = out_finish(r.w);
    if (fin != RT_OK && result == TALLY_OK) {
        result = api_status(fin);
    }
    if (tail->ja && fin == RT_OK) {
        tail->open = true;
        tail->ja->open = 1;
        tail->ja->any = out_wrote_any(r.w);
    }
    if (result == TALLY_OK) {
        result = final_status(&r.st);
    }
done:
    arena_free(&r.rec);
    out_free(r.w);
    vm_free(r.v);
    *stats = r.st;
    return result;
}

/* ---- parallel runs ------------------------------------------------------ */

/* A parallel run frames JSON Lines on the calling thread with the same
 * reader a sequential run uses (data_reader_next_text) into batches, lets
 * [jobs] worker threads bind, evaluate and format each batch into memory,
 * and writes the batches back in input order, so the bytes out are the
 * same as a sequential run's.  Records are independent, so nothing else is
 * shared: each worker has its own vm, arena, writer and memory accounting
 * (a memory cap applies per worker). */

#define BATCH_LINES 256      /* lines per batch: amortizes the hand-offs */
#define BATCH_BYTES (1 << 20) /* or this much text, whichever comes first */

typedef enum { SLOT_EMPTY, SLOT_FILLED, SLOT_BUSY, SLOT_DONE } slot_state;

/* What an entry of a batch holds: a record's text, or the error the
 * reader gave for its line (the message), or a line the reader could not
 * hold within the memory cap. */
typedef enum { ENTRY_TEXT, ENTRY_ERROR, ENTRY_CAP } entry_kind;

typedef struct slot {
    slot_state state;
    strbuf text;      /* the batch's entries, each NUL-terminated */
    size_t *starts;   /* owned: offset of each entry in text */
    size_t *lens;     /* owned: its length (a line may hold NUL bytes) */
    long *lines;      /* owned: its line number */
    uint8_t *kinds;   /* owned: its entry_kind */
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
    uint64_t budget;       /* per record */
    bool cites;            /* tally_run_options.cites */
    bool findings_only;    /* tally_run_options.findings_only */
    bool all_errors;       /* tally_run_options.all_errors */
    tally_fail_on fail_on; /* tally_run_options.fail_on */
    bool has_as_of;        /* tally_run_options.as_of, parsed */
    int64_t as_of;
    bool reports;          /* the run keeps reports: each worker its part */
    pthread_mutex_t mu;
    pthread_cond_t filled; /* a slot became FILLED, or the run ends */
    pthread_cond_t done;   /* a slot became DONE */
    slot *slots;
    unsigned nslots;
    unsigned next_take; /* the next slot a worker takes, in order */
    bool closing;
} pool;

static void process_batch(pool *pl, slot *s, vm *v, mem_ctx *m, rep_state *rep)
{
    const tally_program *tp = pl->tp;
    const bc_program *p = tp->prog;
    runner r;
    memset(&r, 0, sizeof r);
    r.tp = tp;
    r.p = p;
    r.v = v;
    r.msgs = &s->msgs;
    r.findings_only = pl->findings_only;
    r.all_errors = pl->all_errors;
    r.fail_on = pl->fail_on;
    r.rep = rep;
    r.cap = m->cap;
    r.mem = m;
    arena_init(&r.rec, m);
    s->out = NULL;
    s->out_len = 0;
    FILE *f = open_memstream(&s->out, &s->out_len);
    r.w = f ? out_new(m, p, f, OUT_JSONL) : NULL;
    s->status = TALLY_OK;
    if (r.w && pl->cites) {
        out_set_cites(r.w, cited_in, v);
    }
    if (!r.w) {
        s->status = TALLY_ENOMEM;
    }
    for (uint32_t i = 0; i < s->n && s->status == TALLY_OK; i++) {
        const char *line = s->text.p + s->starts[i];
        size_t len = s->lens[i];
        value in_rec;
        data_error de;
        m->hit_cap = false;
        rt_status ds;
        if (s->kinds[i] == ENTRY_TEXT) {
            ds = data_bind_json_errors(p, p->input_record, line, len,
                                       s->lines[i], r.all_errors, &r.rec,
                                       &in_rec, &de);
        } else {
            memset(&de, 0, sizeof de);
            de.key = val_none();
            de.line = s->lines[i];
            de.msg = line;
            ds = s->kinds[i] == ENTRY_ERROR ? RT_EDATA : RT_ENOMEM;
            m->hit_cap = s->kinds[i] == ENTRY_CAP;
        }
        if (ds == RT_ENOMEM && r.cap && m->hit_cap) {
            /* as a sequential run: this record fails, the run goes on */
            arena_reset(&r.rec);
            s->status = cap_record(&r, s->lines[i]);
            continue;
        }
        if (ds == RT_ENOMEM) {
            say(&r, "tally: out of memory reading the input");
            s->status = TALLY_ENOMEM;
            break;
        }
        s->status = handle(&r, ds, &in_rec, &de);
        arena_reset(&r.rec);
    }
    if (r.w && s->status == TALLY_OK) {
        s->status = api_status(out_finish(r.w));
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
    rep_state *rep; /* owned: this worker's part of the reports, merged in
                       worker order when the run ends; NULL without
                       reports */
    pthread_t th;
} worker;

static void *work(void *arg)
{
    worker *wk = arg;
    pool *pl = wk->pl;
    vm *v = vm_new(&wk->mem, pl->tp->prog);
    if (v && !want_cites(pl->cites, v, NULL)) {
        vm_free(v);
        v = NULL; /* each batch then fails as out of memory */
    }
    if (v) {
        setup_vm(v, pl->budget, pl->has_as_of, pl->as_of);
        vm_set_natives(v, pl->natives);
    }
    if (v && pl->reports) {
        wk->rep = rep_new(&wk->mem, pl->tp->prog);
        if (!wk->rep) {
            vm_free(v);
            v = NULL; /* each batch then fails as out of memory */
        }
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
            process_batch(pl, s, v, &wk->mem, wk->rep);
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
        api_message(&tp->cfg, s->msgs.p + i);
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
    st->findings += s->st.findings;
    st->failing += s->st.failing;
    sb_clear(&s->text);
    sb_clear(&s->msgs);
    s->n = 0;
    s->state = SLOT_EMPTY;
    return result;
}

static bool slot_add(slot *s, const char *line, size_t len, long lineno,
                     entry_kind kind)
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
        uint8_t *ki = realloc(s->kinds, cap * sizeof *ki);
        if (ki) {
            s->kinds = ki;
        }
        if (!st || !ln || !le || !ki) {
            return false;
        }
        s->cap = cap;
    }
    s->starts[s->n] = s->text.len;
    s->lens[s->n] = len;
    s->lines[s->n] = lineno;
    s->kinds[s->n] = (uint8_t)kind;
    s->n++;
    sb_put(&s->text, line, len);
    sb_putc(&s->text, '\0');
    return !s->text.failed;
}

/* Evaluates every record [rd] (JSON Lines) reads on o->jobs workers; the
 * calling thread frames the input with the run's accounting [m]. */
static tally_status run_parallel(const tally_program *tp,
                                 const ffi_table *natives,
                                 const tally_run_options *o, data_reader *rd,
                                 mem_ctx *m, FILE *out, rep_state *rep,
                                 tally_run_stats *stats)
{
    tally_run_stats st;
    memset(&st, 0, sizeof st);
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.tp = tp;
    pl.natives = natives;
    pl.budget = run_budget(tp, o);
    pl.cites = o->cites != 0;
    pl.findings_only = o->findings_only != 0;
    pl.all_errors = o->all_errors != 0;
    pl.fail_on = o->fail_on;
    pl.reports = rep != NULL;
    run_as_of(tp, o, &pl.has_as_of, &pl.as_of); /* checked by tally_run */
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
        wk[i].mem = run_mem_of(tp, o);
        if (pthread_create(&wk[i].th, NULL, work, &wk[i]) != 0) {
            break;
        }
        started++;
    }
    tally_status result = started ? TALLY_OK : TALLY_EINTERNAL;
    arena scratch; /* the reader's message for one line */
    arena_init(&scratch, m);
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
        if (result == TALLY_OK && stop_asked(o)) {
            result = TALLY_ECANCELED;
        }
        if (result != TALLY_OK) {
            break;
        }
        while (s->n < BATCH_LINES && s->text.len < BATCH_BYTES) {
            const char *text;
            size_t len;
            data_error de;
            arena_reset(&scratch);
            m->hit_cap = false;
            rt_status ds = data_reader_next_text(rd, &scratch, &text, &len,
                                                 &de);
            if (ds == RT_EOF) {
                eof = true;
                break;
            }
            entry_kind kind = ENTRY_TEXT;
            if (ds == RT_EDATA) {
                kind = ENTRY_ERROR;
                text = de.msg;
                len = strlen(de.msg);
            } else if (ds == RT_ENOMEM && m->cap && m->hit_cap) {
                kind = ENTRY_CAP;
                text = "";
                len = 0;
            } else if (ds != RT_OK) {
                char msg[600];
                snprintf(msg, sizeof msg, "tally: %s",
                         de.msg ? de.msg : "cannot read the input");
                api_message(&tp->cfg, msg);
                result = ds == RT_EIO ? TALLY_EIO : TALLY_ENOMEM;
                eof = true;
                break;
            }
            if (!slot_add(s, text, len, de.line, kind)) {
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
    /* Each worker's part of the reports, in worker order (the merge is
     * exact, so any order gives the same report). */
    for (unsigned i = 0; i < started; i++) {
        if (rep && wk[i].rep && result == TALLY_OK) {
            char err[300];
            rt_status rs = rep_merge(rep, wk[i].rep, err, sizeof err);
            if (rs != RT_OK) {
                char msg[400];
                snprintf(msg, sizeof msg, "tally: %s", rs == RT_ENOMEM
                         ? "out of memory merging the reports" : err);
                api_message(&tp->cfg, msg);
                result = rs == RT_ENOMEM ? TALLY_ENOMEM : TALLY_ERUNTIME;
            }
        }
        rep_free(wk[i].rep);
    }
    arena_free(&scratch);
    for (unsigned i = 0; i < pl.nslots; i++) {
        sb_free(&pl.slots[i].text);
        sb_free(&pl.slots[i].msgs);
        free(pl.slots[i].starts);
        free(pl.slots[i].lines);
        free(pl.slots[i].lens);
        free(pl.slots[i].kinds);
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

/* Binds [tp]'s native functions, before any record is read: a library
 * that is not allowed, not found or not matching stops the run here.  A
 * program without extern definitions binds and loads nothing (*nt stays
 * NULL). */
static tally_status bind_natives(const tally_program *tp, mem_ctx *m,
                                 ffi_table **nt)
{
    *nt = NULL;
    if (!tp->prog->nexterns) {
        return TALLY_OK;
    }
    char err[600];
    rt_status fo = ffi_bind(m, tp->prog, tp->cfg.allow_native, tp->regs,
                            tp->nregs, nt, err, sizeof err);
    if (fo == RT_ENOMEM) {
        api_message(&tp->cfg, "tally: out of memory while binding native "
                              "functions");
        return TALLY_ENOMEM;
    }
    if (fo != RT_OK) {
        const bc_program *p = tp->prog;
        char msg[800];
        snprintf(msg, sizeof msg, "%s: %s",
                 p->source < p->nstrings ? bc_string(p, p->source)
                                         : "<policy>",
                 err);
        api_message(&tp->cfg, msg);
        return TALLY_ENATIVE;
    }
    return TALLY_OK;
}

tally_status api_bind_natives(const tally_program *tp, mem_ctx *m,
                              ffi_table **nt)
{
    return bind_natives(tp, m, nt);
}

tally_status tally_json_array_add(tally_json_array *a, FILE *out, const char *json,
                                  size_t len)
{
    fputs(a->open ? (a->any ? ",\n" : "\n") : "[\n", out);
    fwrite(json, 1, len, out);
    a->open = a->any = 1;
    return ferror(out) ? TALLY_EIO : TALLY_OK;
}

tally_status tally_json_array_close(tally_json_array *a, FILE *out)
{
    fputs(!a->open ? "[]\n" : a->any ? "\n]\n" : "]\n", out);
    a->open = a->any = 0;
    return fflush(out) != 0 || ferror(out) ? TALLY_EIO : TALLY_OK;
}

/* Writes the run's reports where [o] says: the partial state, the
 * report, or both.  TALLY_OK or the status that ends the run. */
static tally_status write_reports(const tally_program *tp, const tally_run_options *o,
                                  rep_state *rep, FILE *out, json_tail *tail)
{
    static const out_format fmts[] = {OUT_JSONL, OUT_JSON,  OUT_CSV,   OUT_TABLE,
                                      OUT_JSONL, OUT_JSONL, OUT_JSONL};
    rt_status st = RT_OK;
    char err[600] = "";
    if (o->report_partial) {
        st = rep_write_partial(rep, o->report_partial);
    }
    if (st == RT_OK && (o->report || !o->report_partial)) {
        FILE *f = o->report ? o->report : out;
        tally_output_format fmt = o->report ? o->report_format : o->output;
        bool any = tail->open && tail->ja->any;
        st = tail->open && !o->report ? rep_write_elements(rep, out, &any, err, sizeof err)
             : fmt == TALLY_OUTPUT_HTML ? api_report_html(tp, rep, f, err, sizeof err)
             : rep_write(rep, f, fmts[fmt <= TALLY_OUTPUT_GITHUB ? fmt : 0], err,
                         sizeof err);
        if (tail->open) {
            tail->ja->any = any;
        }
    }
    if (st == RT_ERUNTIME) {
        char msg[700];
        snprintf(msg, sizeof msg, "tally: %s", err);
        api_message(&tp->cfg, msg);
        return TALLY_ERUNTIME;
    }
    if (st == RT_ENOMEM) {
        api_message(&tp->cfg, "tally: out of memory writing the reports");
    }
    return api_status(st);
}

tally_status tally_run(const tally_program *tp, const tally_run_options *o,
                       FILE *in, FILE *out, tally_run_stats *stats)
{
    static const data_format in_fmt[] = {DATA_AUTO, DATA_JSONL,
                                         DATA_JSON_ARRAY, DATA_WRAPPED,
                                         DATA_CSV};
    tally_run_stats st;
    memset(&st, 0, sizeof st);
    bool has_as_of;
    int64_t as_of;
    if (!run_as_of(tp, o, &has_as_of, &as_of)) {
        if (stats) {
            *stats = st;
        }
        return TALLY_EOPTION;
    }
    /* The run's own accounting (run_mem_of): the cap applies to this
     * run's bytes, as to each worker's. */
    if (o->explain && !tp->prog->traced) {
        api_message(&tp->cfg, "tally: --explain needs a program compiled for "
                              "tracing: run the policy's source, not a built "
                              "bytecode file");
        if (stats) {
            *stats = st;
        }
        return TALLY_EOPTION;
    }
    if (o->output == TALLY_OUTPUT_HTML) {
        api_message(&tp->cfg, "tally: HTML is a format for the policy's reports "
                              "(--report FILE), not for its results");
        if (stats) {
            *stats = st;
        }
        return TALLY_EOPTION;
    }
    mem_ctx run_mem = run_mem_of(tp, o);
    ffi_table *nt = NULL;
    tally_status result = bind_natives(tp, &run_mem, &nt);
    if (result != TALLY_OK) {
        if (stats) {
            *stats = st;
        }
        return result;
    }
    rep_state *rep = NULL;
    tally_json_array own = {0, 0};
    json_tail tail = {NULL, false};
    if (o->output == TALLY_OUTPUT_JSON) {
        tail.ja = o->json_array ? o->json_array
                  : tp->prog->nreports && !o->report && !o->report_partial ? &own
                                                                            : NULL;
    }
    if (tp->prog->nreports) {
        if (!o->report && !o->report_partial && o->output >= TALLY_OUTPUT_JUNIT) {
            api_message(&tp->cfg, "tally: the policy's reports need their own file "
                                  "(--report FILE) with a CI output format");
            if (stats) {
                *stats = st;
            }
            ffi_free(nt);
            return TALLY_EOPTION;
        }
        rep = rep_new(&run_mem, tp->prog);
        if (!rep) {
            api_message(&tp->cfg, "tally: out of memory starting the reports");
            ffi_free(nt);
            if (stats) {
                *stats = st;
            }
            return TALLY_ENOMEM;
        }
    }
    data_reader *rd = data_reader_new(&run_mem, tp->prog, in,
                                      o->records_at ? DATA_WRAPPED
                                                    : in_fmt[o->input],
                                      o->input_name ? o->input_name : "input");
    char why[300];
    if (!o->records_at && o->input == TALLY_INPUT_CSV &&
        data_csv_refusal(tp->prog, why, sizeof why)) {
        char msg[320];
        snprintf(msg, sizeof msg, "tally: %s", why);
        api_message(&tp->cfg, msg);
        result = TALLY_EOPTION;
    } else if (rd && o->records_at &&
               !data_reader_records_at(rd, o->records_at)) {
        api_message(&tp->cfg, "tally: --records-at needs a JSON pointer to "
                              "an array, such as /data/items");
        result = TALLY_EOPTION;
    } else if (rd && !o->records_at && o->input == TALLY_INPUT_OCDS &&
               !data_reader_ocds(rd)) {
        rd = (data_reader_free(rd), NULL);
    }
    if (rd && o->all_errors) {
        data_reader_all_errors(rd);
    }
    if (result != TALLY_OK) {
        /* reported above */
    } else if (!rd || !data_reader_start(rd)) {
        api_message(&tp->cfg, "tally: out of memory reading the input");
        result = TALLY_ENOMEM;
    } else if (o->jobs > 1 && !o->explain && o->output == TALLY_OUTPUT_JSONL &&
               data_reader_format(rd) == DATA_JSONL) {
        /* Parallel runs take JSON Lines and write JSON Lines; anything
         * else runs on one thread.  Either way one reader frames the
         * input, so both see the same records. */
        result = run_parallel(tp, nt, o, rd, &run_mem, out, rep, &st);
    } else {
        result = run_sequential(tp, nt, o, rd, &run_mem, out, rep, &tail, &st);
    }
    if (rep && (result == TALLY_OK || result == TALLY_EDATA ||
                result == TALLY_ERUNTIME || result == TALLY_EFINDINGS)) {
        tally_status rs = write_reports(tp, o, rep, out, &tail);
        if (rs != TALLY_OK) {
            result = rs;
        }
    }
    if (tail.open && tail.ja == &own &&
        tally_json_array_close(&own, out) != TALLY_OK &&
        (result == TALLY_OK || result == TALLY_EDATA || result == TALLY_ERUNTIME ||
         result == TALLY_EFINDINGS)) {
        result = TALLY_EIO; /* the results' array, with the reports' rows */
    }
    rep_free(rep);
    data_reader_free(rd);
    ffi_free(nt);
    if (stats) {
        *stats = st;
    }
    return result;
}

/* ---- one record at a time ------------------------------------------------ */

struct tally_session {
    mem_ctx mem;      /* the session's accounting; first, for release */
    ffi_table *natives; /* owned: the program's native functions, bound */
    runner r;         /* vm, writer (no stream), record arena */
    uint64_t records; /* evaluated so far: names rejected records */
};

static tally_status session_output(tally_session *s,
                                   const tally_run_stats *before,
                                   const char **out, size_t *out_len);

tally_status tally_session_new(const tally_program *tp,
                               const tally_run_options *o,
                               tally_session **out)
{
    *out = NULL;
    mem_ctx m = run_mem_of(tp, o);
    tally_session *s = mem_alloc(&m, sizeof *s);
    if (!s) {
        return TALLY_ENOMEM;
    }
    memset(s, 0, sizeof *s);
    s->mem = m;
    runner *r = &s->r;
    r->tp = tp;
    r->p = tp->prog;
    r->records_not_lines = true;
    r->all_errors = o && o->all_errors;
    r->cap = s->mem.cap;
    r->mem = &s->mem;
    arena_init(&r->rec, &s->mem);
    tally_status bound = bind_natives(tp, &s->mem, &s->natives);
    if (bound != TALLY_OK) {
        tally_session_free(s);
        return bound;
    }
    r->v = vm_new(&s->mem, tp->prog);
    r->w = out_new(&s->mem, tp->prog, NULL, OUT_JSONL);
    if (!r->v || !r->w || !want_cites(o && o->cites != 0, r->v, r->w)) {
        tally_session_free(s);
        return TALLY_ENOMEM;
    }
    bool has_as_of;
    int64_t as_of;
    if (!run_as_of(tp, o, &has_as_of, &as_of)) {
        tally_session_free(s);
        return TALLY_EOPTION;
    }
    setup_vm(r->v, run_budget(tp, o), has_as_of, as_of);
    vm_set_natives(r->v, s->natives);
    *out = s;
    return TALLY_OK;
}

tally_status tally_session_eval(tally_session *s, const char *json, size_t len,
                                const char **out, size_t *out_len)
{
    runner *r = &s->r;
    const bc_program *p = r->p;
    *out = NULL;
    *out_len = 0;
    tally_run_stats before = r->st;
    long line = (long)++s->records;
    value in_rec;
    data_error de;
    s->mem.hit_cap = false;
    rt_status ds = data_bind_json_errors(p, p->input_record, json, len, line,
                                         r->all_errors, &r->rec, &in_rec,
                                         &de);
    tally_status st;
    if (ds == RT_ENOMEM && r->cap && s->mem.hit_cap) {
        st = cap_record(r, line);
    } else if (ds == RT_ENOMEM) {
        st = TALLY_ENOMEM;
    } else {
        st = handle(r, ds, &in_rec, &de);
    }
    arena_reset(&r->rec);
    if (st != TALLY_OK) {
        return st;
    }
    return session_output(s, &before, out, out_len);
}

tally_status api_session_eval_bound(tally_session *s, rt_status ds,
                                    const value *in_rec, const data_error *de,
                                    const char **out, size_t *out_len)
{
    runner *r = &s->r;
    *out = NULL;
    *out_len = 0;
    tally_run_stats before = r->st;
    s->records++;
    s->mem.hit_cap = false;
    tally_status st = handle(r, ds, in_rec, de);
    arena_reset(&r->rec);
    if (st != TALLY_OK) {
        return st;
    }
    return session_output(s, &before, out, out_len);
}

/* The output record [s] has just written, in *out / *out_len, and what
 * it was, measured against the counts [before] the record. */
static tally_status session_output(tally_session *s,
                                   const tally_run_stats *before,
                                   const char **out, size_t *out_len)
{
    runner *r = &s->r;
    rt_status taken = out_take(r->w, out, out_len);
    if (taken != RT_OK) {
        *out = NULL;
        return taken == RT_ENOMEM ? TALLY_ENOMEM : TALLY_EINTERNAL;
    }
    return r->st.failed > before->failed     ? TALLY_ERUNTIME
           : r->st.rejected > before->rejected ? TALLY_EDATA
                                               : TALLY_OK;
}

const tally_program *api_session_program(const tally_session *s)
{
    return s->r.tp;
}

struct vm *api_session_vm(tally_session *s)
{
    return s->r.v;
}

mem_ctx *api_session_mem(tally_session *s)
{
    return &s->mem;
}

void tally_session_free(tally_session *s)
{
    if (!s) {
        return;
    }
    arena_free(&s->r.rec);
    out_free(s->r.w);
    vm_free(s->r.v);
    ffi_free(s->natives);
    mem_ctx m = s->mem;
    mem_free(&m, s, sizeof *s);
}

/* ---- merging partial reports ---------------------------------------------- */

tally_status tally_report_merge(const tally_program *tp, size_t n, const char *const *names,
                                const char *const *texts, const size_t *lens,
                                tally_output_format format, int partial, FILE *out)
{
    static const out_format fmts[] = {OUT_JSONL, OUT_JSON, OUT_CSV, OUT_TABLE};
    if (!tp->prog->nreports) {
        api_message(&tp->cfg, "tally: the policy declares no report to merge");
        return TALLY_EOPTION;
    }
    if ((unsigned)format > TALLY_OUTPUT_TABLE && format != TALLY_OUTPUT_HTML) {
        api_message(&tp->cfg, "tally: reports are written as JSON Lines, JSON, CSV, "
                              "a table or HTML");
        return TALLY_EOPTION;
    }
    mem_ctx m = run_mem_of(tp, NULL);
    rep_state *rep = rep_new(&m, tp->prog);
    if (!rep) {
        api_message(&tp->cfg, "tally: out of memory merging the reports");
        return TALLY_ENOMEM;
    }
    rt_status st = RT_OK;
    char err[800] = "";
    for (size_t i = 0; i < n && st == RT_OK; i++) {
        st = rep_read_partial(rep, texts[i], lens[i], names[i], err, sizeof err);
    }
    if (st == RT_OK) {
        st = partial                        ? rep_write_partial(rep, out)
             : format == TALLY_OUTPUT_HTML ? api_report_html(tp, rep, out, err, sizeof err)
                                           : rep_write(rep, out, fmts[format], err, sizeof err);
    }
    rep_free(rep);
    if (st == RT_EDATA || st == RT_ERUNTIME) {
        char msg[900];
        snprintf(msg, sizeof msg, "tally: %s", err);
        api_message(&tp->cfg, msg);
        return st == RT_EDATA ? TALLY_EDATA : TALLY_ERUNTIME;
    }
    if (st == RT_ENOMEM) {
        api_message(&tp->cfg, "tally: out of memory merging the reports");
    }
    return api_status(st);
}
