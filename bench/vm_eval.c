/* bench/vm_eval.c - Tally's evaluation alone, and its compile time.
 *
 * Uses the library's internals (build/libtally.a) the way api/run.c's
 * tally_run does, but splits the phases so the VM can be timed by itself:
 *
 *   1. compile: tly_parse + tly_check + tly_compile + vfy_program on the
 *      policy, [--compile-runs] times; the median is reported.
 *   2. bind: data_reader binds records into memory, all kept (at most
 *      [--batch] records at a time, default all) in one arena, one after
 *      the other, as the baseline keeps its tenders in one bump arena.
 *      (An arena per record, as tally_run uses one, would start each
 *      record on a fresh 16 KiB chunk: sparse memory, which the baseline
 *      does not pay for.)
 *   3. eval (timed): for each bound record, vm_eval into a scratch arena
 *      reset after every record, then out_result (or out_error, worded as
 *      tally_run words it) into an out_writer on [-o] (default /dev/null).
 *
 * With -o the output is byte-identical to `tally run`, which run.py
 * checks.  Prints {"tenders":..,"bids":..,"eval_ns":..,"compile_ns":..}
 * on stderr.  Not part of the library build; not a test.  Built by
 * `make bench`.
 *
 *   vm_eval POLICY DATA [-o OUT] [--batch N] [--compile-runs K]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"
#include "front.h"
#include "output.h"
#include "tally.h"
#include "verify.h"
#include "vm.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "vm_eval: %s%s%s\n", what, why ? ": " : "", why ? why : "");
    exit(5);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        die("cannot read", path);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        die("cannot read", path);
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Compiles and verifies [src]; the program is drawn from [mem]. */
static bc_program *compile(mem_ctx *mem, const char *file, const char *src,
                           size_t len)
{
    tly_comp c;
    tly_comp_init(&c, mem, file, src, len);
    bc_program *p = NULL;
    if (tly_load(&c) && tly_check(&c)) { /* with its imports, as tally_compile */
        p = tly_compile(&c);
    }
    tly_comp_free(&c);
    if (!p) {
        die(file, "does not compile (run `tally check` on it)");
    }
    char err[256];
    if (!vfy_program(p, err, sizeof err)) {
        die("the compiled program fails verification", err);
    }
    return p;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* One input record, bound and kept until its batch is evaluated. */
typedef struct held {
    rt_status st;   /* RT_OK or RT_EDATA; value and error text in
                       the batch's arena */
    value rec;      /* RT_OK: the bound tender */
    data_error err; /* RT_EDATA: why it was rejected */
} held;

typedef struct bench {
    const bc_program *p;
    vm *v;
    out_writer *w;
    arena scratch; /* results of one vm_eval, reset after each */
    uint64_t tenders, bids, eval_ns;
    uint16_t bids_field; /* index of "bids" in the input record */
} bench;

static const value *record_key(const bc_program *p, const value *rec)
{
    if (rec->kind != VAL_RECORD || p->key_field >= rec->as.r->count) {
        return NULL;
    }
    return &rec->as.r->fields[p->key_field];
}

/* Evaluates and writes one held record, as tally_run does. */
static void eval_one(bench *b, held *h)
{
    char msg[1024];
    const bc_program *p = b->p;
    rt_status ws = RT_OK; /* the writer's answer */
    if (h->st == RT_EDATA) {
        if (h->err.path) {
            snprintf(msg, sizeof msg, "%s: %s", h->err.path, h->err.msg);
        } else {
            snprintf(msg, sizeof msg, "line %ld: %s", h->err.line, h->err.msg);
        }
        ws = out_error(b->w, &h->err.key, msg);
    } else {
        value res;
        vm_error ve;
        vm_status vs = vm_eval(b->v, &b->scratch, &h->rec, &res, &ve);
        const value *key = record_key(p, &h->rec);
        if (vs == VM_OK) {
            char err[512];
            ws = out_result(b->w, &res, err, sizeof err);
            if (ws != RT_OK && out_status(b->w) == RT_OK) {
                snprintf(msg, sizeof msg, "%s: output %s", rt_status_name(ws),
                         err);
                ws = out_error(b->w, key, msg);
            }
        } else if (vs == VM_DATA_ERROR) {
            if (ve.path && ve.path[0]) {
                snprintf(msg, sizeof msg, "%s: %s", ve.path, ve.msg);
            } else {
                snprintf(msg, sizeof msg, "%s", ve.msg);
            }
            ws = out_error(b->w, key, msg);
        } else if (vs == VM_ENOMEM) {
            die("out of memory evaluating a record", NULL);
        } else {
            snprintf(msg, sizeof msg, "%s: %s (%s:%u:%u)",
                     rt_status_name(vs),
                     ve.msg, bc_string(p, p->source), ve.line, ve.col);
            ws = out_error(b->w, key, msg);
        }
        arena_reset(&b->scratch);
    }
    if (ws != RT_OK && out_status(b->w) != RT_OK) {
        die("cannot write the output", NULL);
    }
}

static void eval_batch(bench *b, held *hs, size_t n, arena *hold)
{
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        eval_one(b, &hs[i]);
    }
    b->eval_ns += now_ns() - t0;
    b->tenders += n;
    for (size_t i = 0; i < n; i++) {
        const value *r = &hs[i].rec;
        if (hs[i].st == RT_OK && b->bids_field < r->as.r->count &&
            r->as.r->fields[b->bids_field].kind == VAL_LIST) {
            b->bids += r->as.r->fields[b->bids_field].as.l->count;
        }
    }
    arena_reset(hold);
}

int main(int argc, char **argv)
{
    const char *policy = NULL, *data = NULL, *out_path = "/dev/null";
    size_t batch = 0;
    int compile_runs = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            batch = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--compile-runs") == 0 && i + 1 < argc) {
            compile_runs = atoi(argv[++i]);
        } else if (!policy) {
            policy = argv[i];
        } else if (!data) {
            data = argv[i];
        } else {
            data = NULL;
            break;
        }
    }
    if (!policy || !data || compile_runs < 1) {
        fprintf(stderr, "usage: vm_eval POLICY DATA [-o OUT] [--batch N] "
                        "[--compile-runs K]\n");
        return 4;
    }
    size_t len;
    char *src = slurp(policy, &len);
    mem_ctx mem;
    mem_init(&mem);

    /* 1. compile, [compile_runs] times (the first one warms the caches
     * as the CLI never can; the median is what a run pays). */
    uint64_t *ct = malloc((size_t)compile_runs * sizeof *ct);
    bc_program *p = NULL;
    for (int i = 0; i < compile_runs; i++) {
        bc_program_free(p);
        uint64_t t0 = now_ns();
        p = compile(&mem, policy, src, len);
        ct[i] = now_ns() - t0;
    }
    uint64_t first_compile = ct[0];
    qsort(ct, (size_t)compile_runs, sizeof *ct, cmp_u64);
    uint64_t compile_ns = ct[compile_runs / 2];

    FILE *in = fopen(data, "rb");
    FILE *out = fopen(out_path, "wb");
    if (!in || !out) {
        die("cannot open", !in ? data : out_path);
    }
    bench b = {
        .p = p, .v = vm_new(&mem, p), .w = out_new(&mem, p, out, OUT_JSONL)};
    data_reader *r = data_reader_new(&mem, p, in, DATA_AUTO, data);
    if (!b.v || !b.w || !r) {
        die("out of memory", NULL);
    }
    vm_set_budget(b.v, TALLY_DEFAULT_BUDGET);
    arena_init(&b.scratch, &mem);
    b.bids_field = BC_NONE_U16;
    const bc_record *tr = &p->records[p->input_record];
    for (uint16_t f = 0; f < tr->nfields; f++) {
        if (strcmp(bc_string(p, p->fields[tr->first_field + f].name), "bids") ==
            0) {
            b.bids_field = f;
        }
    }

    /* 2. bind every record (of a batch) into memory; 3. evaluate them. */
    size_t cap = batch ? batch : 1024, n = 0;
    held *hs = malloc(cap * sizeof *hs);
    arena hold;
    arena_init(&hold, &mem);
    size_t peak_live = 0;
    for (;;) {
        if (n == cap) {
            if (batch) {
                peak_live = mem.live > peak_live ? mem.live : peak_live;
                eval_batch(&b, hs, n, &hold);
                n = 0;
            } else {
                cap *= 2;
                hs = realloc(hs, cap * sizeof *hs);
            }
        }
        if (!hs) {
            die("out of memory", NULL);
        }
        held *h = &hs[n];
        h->st = data_reader_next(r, &hold, &h->rec, &h->err);
        if (h->st == RT_EOF) {
            break;
        }
        if (h->st != RT_OK && h->st != RT_EDATA) {
            die("cannot read the input", h->err.msg);
        }
        n++;
    }
    peak_live = mem.live > peak_live ? mem.live : peak_live;
    eval_batch(&b, hs, n, &hold);
    arena_free(&hold);
    if (out_finish(b.w) != RT_OK) {
        die("cannot write the output", NULL);
    }
    fprintf(stderr,
            "{\"tenders\": %llu, \"bids\": %llu, \"eval_ns\": %llu, "
            "\"compile_ns\": %llu, \"first_compile_ns\": %llu, "
            "\"bound_bytes\": %zu}\n",
            (unsigned long long)b.tenders, (unsigned long long)b.bids,
            (unsigned long long)b.eval_ns, (unsigned long long)compile_ns,
            (unsigned long long)first_compile, peak_live);
    free(hs);
    arena_free(&b.scratch);
    data_reader_free(r);
    out_free(b.w);
    vm_free(b.v);
    bc_program_free(p);
    fclose(in);
    fclose(out);
    free(ct);
    free(src);
    return 0;
}
