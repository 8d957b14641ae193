/* tests/fuzz/fuzz_policy.c - fuzz target: policy text through the front end.
 *
 * Input: policy text, any bytes.  Runs tly_parse, tly_check and
 * tly_compile as the CLI does; whatever compiles must pass vfy_program
 * (a compiled program the verifier refuses is a compiler bug), survive a
 * bc_write / bc_read round trip unchanged, disassemble, and, when the
 * award fixture records bind to its input type, evaluate on them within a
 * small budget.  Every byte drawn from the mem_ctx must be returned.
 *
 * The same text is also compiled plain (tly_comp.plain: without LOAD FIELD
 * fusion, inlining, jump threading and branching conditions) and both
 * programs run on the fixture records: what the rewrites change is speed,
 * never a result, so both must give the same results and errors, byte for
 * byte.
 *
 * Each input must stay under the ceilings of fuzz.h: FUZZ_CEIL_MS of wall
 * time and 8 times FUZZ_MEMORY_CAP of memory held by Tally and GMP
 * together (trapped as it is crossed), whatever the policy computes.
 */
#include "fuzz.h"

#include "disasm.h"
#include "output.h"

/* Writes [p] and reads it back; the re-read program must verify and
 * write the same bytes. */
static void fuzz_policy_round_trip(mem_ctx *mem, const bc_program *p)
{
    strbuf a, b;
    sb_init(&a, mem);
    sb_init(&b, mem);
    char err[256];
    bool wrote = bc_write(p, &a, err, sizeof err);
    if (!wrote) {
        /* Only out of memory may stop the writer on a compiled program. */
        FUZZ_CHECK(a.failed, "bc_write refused a compiled program: %s", err);
        sb_free(&a);
        return;
    }
    bc_program *q = NULL;
    if (bc_read(mem, (const uint8_t *)a.p, a.len, &q, err, sizeof err)) {
        FUZZ_CHECK(vfy_program(q, err, sizeof err),
                   "a re-read program fails verification: %s", err);
        if (bc_write(q, &b, err, sizeof err)) {
            FUZZ_CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
                       "write(read(write(p))) differs from write(p)");
        }
        bc_program_free(q);
    } else {
        FUZZ_CHECK(strstr(err, "out of memory") != NULL,
                   "bc_read refused what bc_write wrote: %s", err);
    }
    sb_free(&a);
    sb_free(&b);
}

/* Binds the fixture records to [p]'s input type and evaluates [p] on
 * those that bind. */
static void fuzz_policy_run(mem_ctx *mem, const bc_program *p)
{
    if (p->output_func == BC_NONE_U16) {
        return;
    }
    vm *v = vm_new(mem, p);
    if (!v) {
        return;
    }
    vm_set_budget(v, FUZZ_BUDGET);
    const size_t *lens;
    const char *const *recs = fuzz_award_records(&lens);
    arena rec;
    arena_init(&rec, mem);
    for (int i = 0; i < FUZZ_RECORDS; i++) {
        value in;
        data_error de;
        rt_status ds = data_bind_json(p, p->input_record, recs[i], lens[i],
                                      i + 1, &rec, &in, &de);
        if (ds == RT_OK) {
            fuzz_eval(v, &rec, &in);
        } else {
            FUZZ_CHECK(ds == RT_EDATA || ds == RT_ENOMEM,
                       "data_bind_json returned %d", (int)ds);
            FUZZ_CHECK(de.msg != NULL, "a binding error without a message");
        }
        arena_reset(&rec);
    }
    arena_free(&rec);
    vm_free(v);
}

/* The fixture records through [p]: each result as the JSON Lines writer
 * renders it, or the error's status and message, one line each, into
 * [b].  Returns false when the comparison would mean nothing: a record
 * hit the budget (fewer calls inlined means less fuel spent) or memory
 * ran out. */
static bool fuzz_policy_results(mem_ctx *mem, const bc_program *p, strbuf *b)
{
    if (p->output_func == BC_NONE_U16) {
        return true;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL, "open_memstream failed");
    vm *v = vm_new(mem, p);
    out_writer *w = v ? out_new(mem, p, f, OUT_JSONL) : NULL;
    bool comparable = v && w;
    if (comparable) {
        vm_set_budget(v, FUZZ_BUDGET);
    }
    const size_t *lens;
    const char *const *recs = fuzz_award_records(&lens);
    arena rec;
    arena_init(&rec, mem);
    for (int i = 0; i < FUZZ_RECORDS && comparable; i++) {
        value in, out;
        data_error de;
        vm_error ve;
        if (data_bind_json(p, p->input_record, recs[i], lens[i], i + 1, &rec,
                           &in, &de) != RT_OK) {
            arena_reset(&rec);
            continue;
        }
        vm_status st = vm_eval(v, &rec, &in, &out, &ve);
        if (st == VM_OK) {
            char err[256];
            rt_status ws = out_result(w, &out, err, sizeof err);
            if (ws != RT_OK) {
                comparable = ws != RT_ENOMEM;
                fprintf(f, "output refused: %s\n", err);
            }
        } else if (st == VM_LIMIT || st == VM_ENOMEM) {
            comparable = false;
        } else {
            fprintf(f, "%d %s at %u:%u %s\n", (int)st, ve.msg, ve.line,
                    ve.col, ve.path ? ve.path : "");
        }
        arena_reset(&rec);
    }
    if (w) {
        comparable = out_finish(w) == RT_OK && comparable;
    }
    out_free(w);
    vm_free(v);
    arena_free(&rec);
    fclose(f);
    sb_put(b, text, len);
    free(text);
    return comparable && !b->failed;
}

/* Compiles [data] plain and checks its results against [p]'s. */
static void fuzz_policy_compare(mem_ctx *mem, const bc_program *p,
                                const uint8_t *data, size_t size)
{
    tly_comp c;
    tly_comp_init(&c, mem, "fuzz.tally", (const char *)data, size);
    c.plain = true;
    bc_program *q = NULL;
    if (tly_parse(&c) && tly_check(&c)) {
        q = tly_compile(&c);
    }
    bool oom = c.oom;
    tly_comp_free(&c);
    if (!q) {
        FUZZ_CHECK(oom, "compiled with the rewrites, not without them");
        return;
    }
    strbuf a, b;
    sb_init(&a, mem);
    sb_init(&b, mem);
    if (fuzz_policy_results(mem, p, &a) && fuzz_policy_results(mem, q, &b)) {
        FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0),
                   "the optimized program's results differ from the plain "
                   "one's:\n--- optimized\n%s--- plain\n%s",
                   a.p ? a.p : "", b.p ? b.p : "");
    }
    sb_free(&a);
    sb_free(&b);
    bc_program_free(q);
}

static int fuzz_policy(const uint8_t *data, size_t size)
{
    long t0 = fuzz_ceiling_start(8 * FUZZ_MEMORY_CAP);
    mem_ctx mem;
    mem_init(&mem);
    mem.cap = FUZZ_MEMORY_CAP;
    mem.fn = fuzz_alloc;
    tly_comp c;
    tly_comp_init(&c, &mem, "fuzz.tally", (const char *)data, size);
    bool ok = tly_parse(&c);
    if (ok) {
        ok = tly_check(&c);
    }
    bc_program *p = ok ? tly_compile(&c) : NULL;
    if (!ok) {
        FUZZ_CHECK(c.diags.count > 0 || c.oom,
                   "the front end failed without saying why");
    }
    tly_comp_free(&c);
    if (p) {
        char err[256];
        FUZZ_CHECK(vfy_program(p, err, sizeof err),
                   "a compiled program fails verification: %s", err);
        fuzz_policy_round_trip(&mem, p);
        strbuf d;
        sb_init(&d, &mem);
        disasm_program(p, &d);
        sb_free(&d);
        fuzz_policy_run(&mem, p);
        fuzz_policy_compare(&mem, p, data, size);
        bc_program_free(p);
    }
    FUZZ_CHECK(mem.live == 0, "%zu bytes leaked", mem.live);
    fuzz_ceiling_end(t0, &mem);
    return 0;
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_policy(data, size);
}
#endif
