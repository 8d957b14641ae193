/* tests/fuzz/fuzz_data.c - fuzz target: tender data from strangers.
 *
 * Input: a data file, any bytes, read as the CLI reads it (DATA_AUTO, as
 * data_sniff decides) by a data_reader over fmemopen.  Each bound record is evaluated by the award
 * policy (compiled once, at the first input) and its result written to a
 * memory stream, as tally_run does, in the output format the input's
 * length picks (size % 4: JSON Lines, JSON, CSV, table), so every writer
 * meets hostile texts.  Checked: the reader ends with RT_EOF, in JSON
 * Lines every record it reports yields exactly one output line (result or
 * error record), every line that is not blank is one record (so format
 * detection or framing that lost a line is a finding), and every byte
 * drawn from the mem_ctx is returned.
 */
#include "fuzz.h"

#include "output.h"

#include <yajl/yajl_parse.h>

/* Lines of [data] holding something besides JSON white space (and, on
 * the first line, a byte order mark): in JSON Lines, each is a record,
 * good or bad, and none may be lost. */
static unsigned long nonblank_lines(const uint8_t *data, size_t size)
{
    unsigned long n = 0;
    size_t i = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    bool blank = true;
    for (; i < size; i++) {
        uint8_t c = data[i];
        if (c == '\n') {
            n += !blank;
            blank = true;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            blank = false;
        }
    }
    return n + !blank;
}

/* True if the first line of [data] that is not blank is, alone, one
 * whole JSON text (yajl says so, not Tally's sniffer) and another line
 * that is not blank follows it: then the input is JSON Lines, and reading
 * it as one array would lose the lines after the first. */
static bool whole_first_line_and_more(const uint8_t *data, size_t size)
{
    size_t i = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' ||
                        data[i] == '\r' || data[i] == '\n')) {
        i++;
    }
    const uint8_t *nl = i < size ? memchr(data + i, '\n', size - i) : NULL;
    if (!nl || nonblank_lines(nl + 1, size - (size_t)(nl + 1 - data)) == 0) {
        return false;
    }
    yajl_handle h = yajl_alloc(NULL, NULL, NULL);
    FUZZ_CHECK(h != NULL, "yajl_alloc failed");
    bool whole = yajl_parse(h, data + i, (size_t)(nl - data) - i) ==
                     yajl_status_ok &&
                 yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return whole;
}

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
        rt_status ds = data_reader_next(r, &rec, &in_rec, &de);
        if (ds == RT_EOF) {
            break;
        }
        FUZZ_CHECK(ds != RT_EIO, "a read error on a memory stream");
        if (ds == RT_ENOMEM) {
            stopped = true; /* the cap: the run stops, as tally_run does */
            break;
        }
        records++;
        FUZZ_CHECK(de.msg != NULL || ds == RT_OK,
                   "a rejected record without a message");
        bool ok;
        if (ds == RT_EDATA) {
            ok = out_error(w, &de.key, de.msg) == RT_OK;
        } else {
            FUZZ_CHECK(ds == RT_OK, "data_reader_next returned %d",
                       (int)ds);
            vm_status vs = vm_eval(v, &rec, &in_rec, &res, &ve);
            if (vs == VM_OK) {
                char err[512];
                ok = out_result(w, &res, err, sizeof err) == RT_OK;
                if (!ok) {
                    ok = out_error(w, NULL, err) == RT_OK;
                }
            } else if (vs == VM_ENOMEM) {
                stopped = true;
                arena_reset(&rec);
                break;
            } else {
                FUZZ_CHECK(ve.msg != NULL, "a vm error without a message");
                ok = out_error(w, NULL, ve.msg) == RT_OK;
            }
        }
        arena_reset(&rec);
        FUZZ_CHECK(ok, "writing to a memory stream failed");
    }
    arena_free(&rec);
    data_format read_as = data_reader_format(r);
    FUZZ_CHECK(out_finish(w) == RT_OK, "finishing the output failed");
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
    FUZZ_CHECK(stopped || read_as == DATA_JSONL ||
                   !whole_first_line_and_more(data, size),
               "read as an array, though its first line is a whole JSON "
               "text and more lines follow");
    FUZZ_CHECK(stopped || read_as != DATA_JSONL ||
                   records == nonblank_lines(data, size),
               "JSON Lines: %lu records from %lu lines that are not blank",
               records, nonblank_lines(data, size));
    FUZZ_CHECK(mem.live == 0, "%zu bytes leaked", mem.live);
    return 0;
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_data(data, size);
}
#endif
