/* examples/embed/embed.c - Tally inside another program.
 *
 * Compiles a policy and evaluates it over JSON Lines read from standard
 * input, writing one result per record to standard output, through the
 * installed library alone (include/tally.h, `pkg-config tally`).  The
 * library never prints: its messages (policy errors, runtime errors,
 * rejected records) reach this program through a callback, which puts
 * them on standard error.
 *
 *   cc embed.c $(pkg-config --cflags --libs tally) -o embed
 *   ./embed ../award/award.tally < ../award/sample-20.jsonl
 *
 * Exit status: 0 when every record was evaluated, 1 when the policy has
 * errors, 2 when some records were rejected or failed, 3 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tally.h>

static void on_message(void *ud, const char *text)
{
    (void)ud;
    fprintf(stderr, "embed: %s\n", text);
}

/* The whole of [path], malloc'd, in *len bytes; NULL if unreadable. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            char *q = realloc(buf, cap);
            if (!q) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = q;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: embed POLICY.tally < DATA.jsonl\n");
        return 3;
    }
    size_t len = 0;
    char *src = read_file(argv[1], &len);
    if (!src) {
        perror(argv[1]);
        return 3;
    }
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.message = on_message;

    tally_program *prog = NULL;
    tally_status st = tally_compile(&cfg, argv[1], src, len, &prog);
    free(src);
    if (st != TALLY_OK) {
        fprintf(stderr, "embed: %s\n", tally_status_name(st));
        return st == TALLY_EPOLICY ? 1 : 3;
    }

    tally_run_options opts;
    memset(&opts, 0, sizeof opts);
    opts.input = TALLY_INPUT_JSONL;
    opts.output = TALLY_OUTPUT_JSONL;
    opts.input_name = "stdin";
    tally_run_stats stats;
    st = tally_run(prog, &opts, stdin, stdout, &stats);
    tally_program_free(prog);
    fprintf(stderr,
            "embed: Tally %s: %llu records, %llu evaluated, %llu rejected, "
            "%llu failed\n",
            TALLY_VERSION, (unsigned long long)stats.records,
            (unsigned long long)stats.evaluated,
            (unsigned long long)stats.rejected,
            (unsigned long long)stats.failed);
    switch (st) {
    case TALLY_OK: return 0;
    case TALLY_EDATA:
    case TALLY_ERUNTIME: return 2;
    default: return 3;
    }
}
