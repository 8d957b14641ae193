/* tests/fuzz/fuzz_bytecode.c - fuzz target: bytecode files from strangers.
 *
 * Input: a bytecode file, any bytes.  The first byte is a mode, the rest
 * the file: mode bit 0 set means "re-seal the checksum before reading",
 * so mutations get past the checksum to the structural checks and the
 * verifier (without it, nearly every mutant would die on the checksum).
 * Whatever bc_read accepts must disassemble; whatever vfy_program also
 * accepts is run on the fixture award records (bound to the program's own
 * input type) with a small budget, and its results written with the JSON
 * Lines writer.  Every byte drawn from the mem_ctx must be returned.
 */
#include "fuzz.h"

#include "disasm.h"
#include "output.h"

/* Runs verified [p] on the fixture records, writing results to /dev/null
 * so output.c sees whatever values the program builds. */
static void fuzz_bytecode_run(mem_ctx *mem, const bc_program *p)
{
    if (p->output_func == BC_NONE_U16) {
        return;
    }
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        FUZZ_CHECK(sink != NULL, "cannot open /dev/null");
    }
    vm *v = vm_new(mem, p);
    out_writer *w = out_new(mem, p, sink, OUT_JSONL);
    if (!v || !w) {
        out_free(w);
        vm_free(v);
        return;
    }
    vm_set_budget(v, FUZZ_BUDGET);
    const size_t *lens;
    const char *const *recs = fuzz_award_records(&lens);
    arena rec;
    arena_init(&rec, mem);
    for (int i = 0; i < FUZZ_RECORDS; i++) {
        value in, out;
        data_error de;
        vm_error ve;
        rt_status ds = data_bind_json(p, p->input_record, recs[i], lens[i],
                                      i + 1, &rec, &in, &de);
        if (ds == RT_OK &&
            vm_eval(v, &rec, &in, &out, &ve) == VM_OK) {
            char err[256];
            out_result(w, &out, err, sizeof err);
        } else if (ds != RT_OK) {
            FUZZ_CHECK(de.msg != NULL, "a binding error without a message");
        } else {
            FUZZ_CHECK(ve.msg != NULL, "a vm error without a message");
        }
        arena_reset(&rec);
    }
    out_finish(w);
    arena_free(&rec);
    out_free(w);
    vm_free(v);
}

static int fuzz_bytecode(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    bool reseal = data[0] & 1;
    data++;
    size--;
    uint8_t *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL, "out of memory");
    memcpy(buf, data, size);
    if (reseal && size >= 8) {
        uint64_t sum = bc_checksum(buf, size - 8);
        for (int i = 0; i < 8; i++) {
            buf[size - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
        }
    }
    mem_ctx mem;
    mem_init(&mem);
    mem.cap = FUZZ_MEMORY_CAP;
    bc_program *p = NULL;
    char err[256];
    err[0] = '\0';
    if (bc_read(&mem, buf, size, &p, err, sizeof err)) {
        FUZZ_CHECK(p != NULL, "bc_read succeeded without a program");
        strbuf d;
        sb_init(&d, &mem);
        disasm_program(p, &d);
        sb_free(&d);
        if (vfy_program(p, err, sizeof err)) {
            fuzz_bytecode_run(&mem, p);
        } else {
            FUZZ_CHECK(err[0] != '\0', "the verifier refused in silence");
        }
        bc_program_free(p);
    } else {
        FUZZ_CHECK(p == NULL, "bc_read failed but left a program");
        FUZZ_CHECK(strncmp(err, "offset ", 7) == 0 ||
                       strstr(err, "out of memory") != NULL,
                   "bc_read's message names no offset: %s", err);
    }
    free(buf);
    FUZZ_CHECK(mem.live == 0, "%zu bytes leaked", mem.live);
    return 0;
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_bytecode(data, size);
}
#endif
