/* tests/fuzz/fuzz_run.c - fuzz target: tally_run, one thread against two.
 *
 * Input: a data file, any bytes, given to the public API's tally_run (as
 * the CLI does) for the award policy, compiled once with tally_compile:
 * once evaluating on the calling thread (jobs 1) and once with two worker
 * threads (jobs 2), which reads JSON Lines with its own reader.  The two
 * must agree byte for byte, in status and in every count, and every record
 * must be accounted for (records = evaluated + rejected + failed, one
 * output line each).  This is the entry point the other data target
 * (fuzz_data.c, the runtime's reader alone) does not reach.  Both runs
 * use the default limits (budget and memory cap) and together must stay
 * under the ceilings of fuzz.h: FUZZ_CEIL_MS of wall time, and three
 * default caps of memory held by Tally and GMP (trapped as crossed).
 */
#include "fuzz.h"

#include "tally.h"

/* Switches that leave inputs of a known bug out of the comparison while
 * it is being fixed, so a campaign can go on; 0 when there is none.  Both
 * were for the API's parallel run (api/run.c), now fixed (regress/run/api-*): it
 * cut a line at its first NUL byte, and took " [" or a byte order mark
 * then "[" for JSON Lines where the reader, skipping those, saw an
 * array. */
#define FUZZ_RUN_SKIP_NUL 0
#define FUZZ_RUN_SKIP_LATE_ARRAY 0

/* TALLY_KNOWN_BUGS=1 in the environment compares those inputs too, so the
 * replay of tests/fuzz/known/run/ shows the bugs. */
static bool fuzz_run_skip_known(void)
{
    const char *k = getenv("TALLY_KNOWN_BUGS");
    return !k || strcmp(k, "1") != 0;
}

/* True if [data] is a JSON array the parallel run does not recognise. */
static bool fuzz_run_late_array(const uint8_t *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < size && (data[i] == ' ' || data[i] == '\t' ||
                        data[i] == '\n' || data[i] == '\r')) {
        i++;
    }
    return i > 0 && i < size && data[i] == '[';
}

typedef struct fuzz_run_out {
    char *bytes; /* open_memstream's */
    size_t len;
    tally_status status;
    tally_run_stats stats;
} fuzz_run_out;

static const tally_program *fuzz_run_award(void)
{
    static tally_program *prog;
    if (!prog) {
        size_t len;
        char *src = fuzz_slurp("examples/award/award.tally", &len);
        /* The default budget and memory cap; memory through the
         * counting hook of fuzz.h. */
        tally_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.alloc = fuzz_alloc;
        /* Beside its layers, consortium.tally and northfield.tally. */
        tally_status st = tally_compile_in(
            &cfg, "award.tally", FUZZ_ROOT "/examples/award", src, len, &prog);
        FUZZ_CHECK(st == TALLY_OK, "award.tally: %s", tally_status_name(st));
        free(src);
    }
    return prog;
}

static void fuzz_run_once(const uint8_t *data, size_t size, unsigned jobs,
                          fuzz_run_out *r)
{
    FILE *in = size ? fmemopen((void *)data, size, "r")
                    : fopen("/dev/null", "r");
    FILE *out = open_memstream(&r->bytes, &r->len);
    FUZZ_CHECK(in && out, "cannot open streams");
    tally_run_options o;
    memset(&o, 0, sizeof o);
    o.input = TALLY_INPUT_AUTO;
    o.output = TALLY_OUTPUT_JSONL;
    o.input_name = "fuzz";
    o.jobs = jobs;
    r->status = tally_run(fuzz_run_award(), &o, in, out, &r->stats);
    fclose(in);
    fclose(out);
}

static int fuzz_run(const uint8_t *data, size_t size)
{
    if (fuzz_run_skip_known() &&
        ((FUZZ_RUN_SKIP_NUL && memchr(data, '\0', size)) ||
         (FUZZ_RUN_SKIP_LATE_ARRAY && fuzz_run_late_array(data, size)))) {
        return 0;
    }
    fuzz_run_out one, two;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    /* Two workers and the calling thread may each fill a default cap. */
    long t0 = fuzz_ceiling_start(3 * TALLY_DEFAULT_MEMORY_CAP);
    fuzz_run_once(data, size, 1, &one);
    fuzz_run_once(data, size, 2, &two);
    fuzz_ceiling_end(t0, NULL);
    const tally_run_stats *s = &one.stats;
    FUZZ_CHECK(s->records == s->evaluated + s->rejected + s->failed,
               "%llu records, %llu + %llu + %llu accounted for",
               (unsigned long long)s->records,
               (unsigned long long)s->evaluated,
               (unsigned long long)s->rejected,
               (unsigned long long)s->failed);
    unsigned long long lines = 0;
    for (size_t i = 0; i < one.len; i++) {
        lines += one.bytes[i] == '\n';
    }
    FUZZ_CHECK(lines == s->records, "%llu records, %llu output lines",
               (unsigned long long)s->records, lines);
    FUZZ_CHECK(one.status == two.status, "status %s with one job, %s with two",
               tally_status_name(one.status), tally_status_name(two.status));
    FUZZ_CHECK(memcmp(&one.stats, &two.stats, sizeof one.stats) == 0,
               "counts differ: %llu/%llu records",
               (unsigned long long)one.stats.records,
               (unsigned long long)two.stats.records);
    FUZZ_CHECK(one.len == two.len &&
                   (one.len == 0 || memcmp(one.bytes, two.bytes, one.len) == 0),
               "outputs differ (%zu and %zu bytes)", one.len, two.len);
    free(one.bytes);
    free(two.bytes);
    return 0;
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_run(data, size);
}
#endif
