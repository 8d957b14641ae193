/* tests/unit/runtime/test_sweep.c - hostile bytecode: every bit, every prefix.
 *
 * Compiles examples/award/award.tally with the front end, writes it with
 * bc_write, and damages the file every way one change can:
 *
 *   - every prefix (truncation), as is and with the file-length field
 *     patched and the checksum re-sealed, so the cut reaches the section
 *     checks instead of stopping at the length field;
 *   - every single bit flipped: the checksum must refuse it; then, with
 *     the checksum re-sealed (bc_checksum), bc_read and vfy_program must
 *     refuse it or the program must run.
 *
 * A refusal must say where: bc_read's message starts "offset N:", the
 * verifier's names the table entry ("type 7:", "field 12:", "header:",
 * ...) or the function and code offset ("function main at 0042:").  A
 * program both accept is run on every record of
 * tests/data/award/sample-20.jsonl (bound to its own, possibly damaged,
 * input type) with a small budget, and each result is written by the JSON
 * Lines writer: whatever the damage, no memory error (`make test SAN=1`
 * proves it under ASan and UBSan) and nothing left allocated.  Running is
 * the slow part, so every flip is read and verified but only one bit in
 * SWEEP_RUN_EVERY is run (the byte's bits in turn, so all eight bit
 * positions are covered).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bcfile.h"
#include "data.h"
#include "front.h"
#include "output.h"
#include "verify.h"
#include "vm.h"

#include "../slurp.h"

/* Run one resealed flip in this many on the sample records; the rest are
 * read and verified only.  31 is prime to 8, so every bit position of every
 * region of the file gets run. */
#define SWEEP_RUN_EVERY 31

/* Without re-sealing, a flip is refused by the checksum: FNV-1a changes
 * whenever one byte does (each step, xor then multiply by an odd number,
 * is a bijection of the state).  The sweep confirms it on every flip of
 * the header and the checksum and on one byte in this many elsewhere;
 * hashing the whole file for every flip would triple the run time. */
#define SWEEP_UNSEALED_EVERY 8

/* Budget units per record: the award policy needs a few hundred on the
 * sample; a damaged loop stops quickly. */
#define SWEEP_BUDGET 20000

#define SWEEP_RECORDS_MAX 64

typedef struct sweep {
    uint8_t *file; /* the award bytecode, malloc'd */
    size_t len;
    char *data;    /* sample-20.jsonl, malloc'd */
    const char *rec[SWEEP_RECORDS_MAX]; /* its lines, into data */
    size_t rec_len[SWEEP_RECORDS_MAX];
    int nrec;
    FILE *sink;    /* /dev/null, for the writer */
    /* what happened, for the final checks */
    long read_refused, verify_refused, ran, results;
} sweep;

static int setup(void **state)
{
    sweep *s = calloc(1, sizeof *s);
    assert_non_null(s);
    size_t len;
    char *src = slurp("examples/award/award.tally", &len);
    mem_ctx mem;
    mem_init(&mem);
    tly_comp c;
    tly_comp_init(&c, &mem, "award.tally", src, len);
    c.base_dir = AWARD_DIR;
    assert_true(tly_load(&c) && tly_check(&c));
    bc_program *p = tly_compile(&c);
    tly_comp_free(&c);
    assert_non_null(p);
    strbuf b;
    sb_init(&b, NULL);
    char err[256];
    assert_true(bc_write(p, &b, err, sizeof err));
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
    free(src);
    s->file = (uint8_t *)b.p; /* strbuf with a NULL mem_ctx: malloc'd */
    s->len = b.len;

    s->data = slurp("tests/data/award/sample-20.jsonl", &len);
    for (char *q = s->data; *q && s->nrec < SWEEP_RECORDS_MAX;) {
        char *nl = strchr(q, '\n');
        size_t n = nl ? (size_t)(nl - q) : strlen(q);
        s->rec[s->nrec] = q;
        s->rec_len[s->nrec++] = n;
        q += n + (nl != NULL);
    }
    assert_int_equal(s->nrec, 20);
    s->sink = fopen("/dev/null", "w");
    assert_non_null(s->sink);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    sweep *s = *state;
    fclose(s->sink);
    free(s->data);
    free(s->file);
    free(s);
    return 0;
}

static void put_u32(uint8_t *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
    }
}

/* Rewrites the last 8 bytes of [b] as the checksum of those before. */
static void reseal(uint8_t *b, size_t len)
{
    uint64_t sum = bc_checksum(b, len - 8);
    for (int i = 0; i < 8; i++) {
        b[len - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    }
}

/* True if the verifier's message [err] names where the problem is. */
static bool names_a_place(const char *err)
{
    static const char *const prefixes[] = {
        "string ", "type ",     "field ",    "record ",  "member ",
        "enum ",   "constant ", "function ", "location ", "header: ",
        "code ",   "citation ", "parameter ", "module ",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        if (strncmp(err, prefixes[i], strlen(prefixes[i])) == 0) {
            return true;
        }
    }
    /* "strings: 3 entries but no table" and the like */
    return strstr(err, ": ") != NULL && strstr(err, "entries") != NULL;
}

/* Runs verified [p] on every sample record: bind, evaluate, write. */
static void run_program(sweep *s, mem_ctx *mem, const bc_program *p)
{
    s->ran++;
    if (p->output_func == BC_NONE_U16) {
        return;
    }
    vm *v = vm_new(mem, p);
    out_writer *w = out_new(mem, p, s->sink, OUT_JSONL);
    assert_non_null(v);
    assert_non_null(w);
    vm_set_budget(v, SWEEP_BUDGET);
    arena rec;
    arena_init(&rec, mem);
    for (int i = 0; i < s->nrec; i++) {
        value in, out;
        data_error de;
        vm_error ve;
        rt_status ds = data_bind_json(p, p->input_record, s->rec[i],
                                      s->rec_len[i], i + 1, &rec, &in, &de);
        if (ds != RT_OK) {
            assert_true(ds == RT_EDATA);
            assert_non_null(de.msg);
        } else {
            vm_status vs = vm_eval(v, &rec, &in, &out, &ve);
            if (vs == VM_OK) {
                char err[256];
                if (out_result(w, &out, err, sizeof err) == RT_OK) {
                    s->results++;
                } else {
                    assert_int_equal(out_status(w), RT_OK);
                }
            } else {
                assert_int_equal(ve.status, vs);
                assert_non_null(ve.msg);
            }
        }
        arena_reset(&rec);
    }
    out_finish(w);
    arena_free(&rec);
    out_free(w);
    vm_free(v);
}

/* Reads [b]; when bc_read refuses, its message must name the offset.
 * Then the verifier; when it refuses, its message must name the place.
 * When [run], a program both accept is run on the sample.  Returns true
 * if bc_read accepted. */
static bool try_file(sweep *s, const uint8_t *b, size_t len, bool run)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = NULL;
    char err[256] = "";
    bool read = bc_read(&mem, b, len, &p, err, sizeof err);
    if (!read) {
        assert_null(p);
        if (strncmp(err, "offset ", 7) != 0) {
            fail_msg("bc_read names no offset: \"%s\"", err);
        }
        s->read_refused++;
    } else if (!vfy_program(p, err, sizeof err)) {
        if (!names_a_place(err)) {
            fail_msg("the verifier names no place: \"%s\"", err);
        }
        s->verify_refused++;
    } else if (run) {
        run_program(s, &mem, p);
    }
    bc_program_free(p);
    if (mem.live != 0) {
        fail_msg("%zu bytes left allocated", mem.live);
    }
    return read;
}

static void reset_counts(sweep *s)
{
    s->read_refused = s->verify_refused = s->ran = s->results = 0;
}

static void test_sweep_every_truncation(void **state)
{
    sweep *s = *state;
    reset_counts(s);
    uint8_t *c = malloc(s->len);
    assert_non_null(c);
    for (size_t n = 0; n < s->len; n++) {
        memcpy(c, s->file, n);
        assert_false(try_file(s, c, n, false));
        /* The same cut with a consistent length field and checksum, so
         * it reaches the section checks. */
        if (n >= 28) {
            put_u32(c, 16, (uint32_t)n);
            reseal(c, n);
            assert_false(try_file(s, c, n, false));
        }
    }
    assert_int_equal(s->read_refused, (long)s->len + (long)s->len - 28);
    free(c);
}

static void test_sweep_every_bit_flip(void **state)
{
    sweep *s = *state;
    reset_counts(s);
    uint8_t *c = malloc(s->len);
    assert_non_null(c);
    /* The checksum of a flipped file, from the FNV-1a state before the
     * flipped byte: the same as bc_checksum, in half the time. */
    size_t body = s->len - 8;
    uint64_t *pre = malloc((body + 1) * sizeof *pre);
    assert_non_null(pre);
    pre[0] = bc_checksum(s->file, 0);
    for (size_t i = 0; i < body; i++) {
        pre[i + 1] = (pre[i] ^ s->file[i]) * 0x100000001b3u;
    }
    assert_true(pre[body] == bc_checksum(s->file, body));
    long flips = 0, resealed = 0, accepted = 0, unsealed = 0;
    memcpy(c, s->file, s->len);
    for (size_t i = 0; i < s->len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c + body, s->file + body, 8);
            c[i] = s->file[i] ^ (uint8_t)(1u << bit);
            flips++;
            if (i < 20 || i >= body || i % SWEEP_UNSEALED_EVERY == 0) {
                assert_false(try_file(s, c, s->len, false));
                unsealed++;
            }
            if (i >= body) {
                c[i] = s->file[i];
                continue; /* re-sealing would undo the flip */
            }
            uint64_t h = pre[i];
            for (size_t k = i; k < body; k++) {
                h = (h ^ c[k]) * 0x100000001b3u;
            }
            for (int k = 0; k < 8; k++) {
                c[body + (size_t)k] = (uint8_t)(h >> (8 * k));
            }
            resealed++;
            bool run = flips % SWEEP_RUN_EVERY == 0;
            long before = s->ran;
            if (try_file(s, c, s->len, run) && s->ran > before) {
                accepted++;
            }
            c[i] = s->file[i];
        }
    }
    free(pre);
    print_message("sweep: %ld flips; %ld resealed: %ld refused by bc_read, "
                  "%ld by the verifier, %ld run (%ld results)\n",
                  flips, resealed, s->read_refused - unsealed,
                  s->verify_refused, s->ran, s->results);
    assert_int_equal(flips, (long)s->len * 8);
    /* A flip in a string, a constant or a location still verifies and
     * runs; a flip in an opcode or a table index mostly does not.  Both
     * must have happened, or the sweep is not testing what it says. */
    assert_true(accepted > 0);
    assert_true(s->verify_refused > 0);
    assert_true(s->read_refused - unsealed > 0);
    free(c);
}

/* The undamaged file must verify and produce a result for every sample
 * record: the baseline the sweep damages. */
static void test_sweep_baseline_runs(void **state)
{
    sweep *s = *state;
    reset_counts(s);
    assert_true(try_file(s, s->file, s->len, true));
    assert_int_equal(s->ran, 1);
    assert_int_equal(s->results, s->nrec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_baseline_runs),
        cmocka_unit_test(test_sweep_every_truncation),
        cmocka_unit_test(test_sweep_every_bit_flip),
    };
    return cmocka_run_group_tests_name("sweep", tests, setup, teardown);
}
