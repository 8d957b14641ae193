/* tests/fuzz/fuzz_data.c - fuzz target: tender data from strangers.
 *
 * Input: a data file, any bytes, read as the CLI reads it (DATA_AUTO: a
 * JSON array when it starts with '[', JSON Lines otherwise) by a
 * data_reader over fmemopen.  Each bound record is evaluated by the award
 * policy (compiled once, at the first input) and its result written to a
 * memory stream, as tally_run does, in the output format the input's
 * length picks (size % 4: JSON Lines, JSON, CSV, table), so every writer
 * meets hostile texts.  Checked: the reader ends with DATA_EOF, in JSON
 * Lines every record it reports yields exactly one output line (result or
 * error record), and every byte drawn from the mem_ctx is returned.
 */
#include "fuzz.h"

#include "output.h"

static int fuzz_data(const uint8_t *data, size_t size)
{
    const bc_program *p = fuzz_award();
    FILE *in = size ? fmemopen((void *)data, size, "r")
                    : fopen("/dev/null", "r");
    FUZZ_CHECK(in != NULL, "cannot open the input stream");
    char *obuf = NULL;
    size_t olen = 0;
    FILE *out = open_memstream(&obuf, &olen);
    FUZZ_CHECK(out != NULL, "cannot open the output stream");

    mem_ctx mem;
    mem_init(&mem);
    mem.cap = FUZZ_MEMORY_CAP;
    data_reader *r = data_reader_new(&mem, p, in, DATA_AUTO, "fuzz");
    vm *v = vm_new(&mem, p);
    out_format fmt = (out_format)(size % OUT_FORMAT_COUNT);
    out_writer *w = out_new(&mem, p, out, fmt);
    FUZZ_CHECK(r && v && w, "cannot set up the run");
    vm_set_budget(v, FUZZ_BUDGET);
    arena rec;
    arena_init(&rec, &mem);
    unsigned long records = 0;
    bool stopped = false;
    for (;;) {
        value in_rec, res;
        data_error de;
        vm_error ve;
        data_status ds = data_reader_next(r, &rec, &in_rec, &de);
        if (ds == DATA_EOF) {
            break;
        }
        FUZZ_CHECK(ds != DATA_IO_ERROR, "a read error on a memory stream");
        if (ds == DATA_ENOMEM) {
            stopped = true; /* the cap: the run stops, as tally_run does */
            break;
        }
        records++;
        FUZZ_CHECK(de.msg != NULL || ds == DATA_RECORD,
                   "a rejected record without a message");
        bool ok;
        if (ds == DATA_ERROR) {
            ok = out_error(w, &de.key, de.msg);
        } else {
            FUZZ_CHECK(ds == DATA_RECORD, "data_reader_next returned %d",
                       (int)ds);
            vm_status vs = vm_eval(v, &rec, &in_rec, &res, &ve);
            if (vs == VM_OK) {
                char err[512];
                ok = out_result(w, &res, err, sizeof err);
                if (!ok) {
                    ok = out_error(w, NULL, err);
                }
            } else if (vs == VM_ENOMEM) {
                stopped = true;
                arena_reset(&rec);
                break;
            } else {
                FUZZ_CHECK(ve.msg != NULL, "a vm error without a message");
                ok = out_error(w, NULL, ve.msg);
            }
        }
        arena_reset(&rec);
        FUZZ_CHECK(ok, "writing to a memory stream failed");
    }
    arena_free(&rec);
    FUZZ_CHECK(out_finish(w), "finishing the output failed");
    out_free(w);
    vm_free(v);
    data_reader_free(r);
    fclose(in);
    fclose(out);
    unsigned long lines = 0;
    for (size_t i = 0; i < olen; i++) {
        lines += obuf[i] == '\n';
    }
    free(obuf);
    FUZZ_CHECK(stopped || fmt != OUT_JSONL || lines == records,
               "%lu records in, %lu lines out", records, lines);
    FUZZ_CHECK(mem.live == 0, "%zu bytes leaked", mem.live);
    return 0;
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_data(data, size);
}
#endif
