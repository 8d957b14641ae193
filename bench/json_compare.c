/* bench/json_compare.c - JSON parsing speed: yajl events, yajl tree,
 * json-c, and Tally's reader and typed binder (runtime/data_read.c,
 * runtime/data_bind.c).
 *
 * Reads a JSON Lines file of award tenders into memory once, then times
 * each way of getting through every line, best of [runs]:
 *   yajl-events  yajl's event parser with callbacks that do nothing
 *   yajl-tree    yajl_tree_parse into a document tree, then free it
 *   json-c       json_tokener_parse into json-c objects, then put them
 *   tally-bind   data_reader over the in-memory text (fmemopen), binding
 *                each tender into typed values in a per-record arena
 *   tally-file   the same data_reader reading the file through stdio
 * Not part of the library build; not a test.  Build and run:
 *
 *   python3 bench/gen_tenders.py --seed 1 --tenders 20000 \
 *       > /tmp/t.jsonl
 *   cc -std=gnu11 -O2 -Iruntime bench/json_compare.c runtime/data_read.c \
 *       runtime/data_bind.c runtime/utf8.c runtime/bytecode.c \
 *       runtime/mem.c runtime/decimal.c runtime/date.c \
 *       -lyajl -ljson-c -lgmp -o /tmp/json_compare
 *   /tmp/json_compare /tmp/t.jsonl 5
 *
 * A third argument runs only the contender of that name (for profiling).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "data.h"

/* ---- the award tender schema, built by hand -------------------------- */

typedef struct fdef {
    const char *json;
    uint16_t type;
    uint16_t unique;
} fdef;

static uint32_t str(bc_program *p, const char *s)
{
    bc_str *b = &p->strings[p->nstrings];
    b->len = (uint32_t)strlen(s);
    b->p = arena_strndup(&p->arena, s, b->len);
    return p->nstrings++;
}

static uint16_t type(bc_program *p, bc_type_kind k, uint16_t ref)
{
    bc_type *t = &p->types[p->ntypes];
    t->kind = (uint8_t)k;
    t->ref = ref;
    t->places = BC_PLACES_ANY;
    return (uint16_t)p->ntypes++;
}

static uint16_t record(bc_program *p, const char *name, int n,
                       const fdef *f)
{
    bc_record *r = &p->records[p->nrecords];
    r->name = str(p, name);
    r->first_field = p->nfields;
    r->nfields = (uint16_t)n;
    r->check_fn = BC_NONE_U16;
    for (int i = 0; i < n; i++) {
        bc_field *fd = &p->fields[p->nfields++];
        fd->name = fd->json = str(p, f[i].json);
        fd->type = f[i].type;
        fd->unique_key = f[i].unique;
    }
    return (uint16_t)p->nrecords++;
}

static uint16_t enumeration(bc_program *p, const char *name,
                            const char *label, int n, const char **m)
{
    bc_enum *e = &p->enums[p->nenums];
    e->name = str(p, name);
    e->label = str(p, label);
    e->first_member = p->nmembers;
    e->nmembers = (uint16_t)n;
    for (int i = 0; i < n; i++) {
        p->members[p->nmembers].name = p->members[p->nmembers].json =
            str(p, m[i]);
        p->nmembers++;
    }
    return (uint16_t)p->nenums++;
}

#define NU BC_NONE_U16
#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static bc_program *award_program(mem_ctx *mem)
{
    bc_program *p = bc_program_new(mem);
    p->strings = arena_zalloc(&p->arena, 256 * sizeof *p->strings);
    p->types = arena_zalloc(&p->arena, 64 * sizeof *p->types);
    p->fields = arena_zalloc(&p->arena, 64 * sizeof *p->fields);
    p->records = arena_zalloc(&p->arena, 16 * sizeof *p->records);
    p->members = arena_zalloc(&p->arena, 64 * sizeof *p->members);
    p->enums = arena_zalloc(&p->arena, 8 * sizeof *p->enums);
    static const char *buyer_types[] = {"central", "sub-central"};
    static const char *categories[] = {"goods", "services", "works"};
    static const char *reserved[] = {"local-sme"};
    static const char *grounds[] = {
        "corruption", "bribery", "fraud", "money-laundering", "terrorism",
        "modern-slavery", "tax-evasion", "organised-crime", "cartel",
        "theft", "insolvency", "professional-misconduct", "poor-performance",
        "environmental-breach", "labour-market-breach", "national-security"};
    uint16_t e_buyer = enumeration(p, "BuyerType", "buyer type", 2,
                                   buyer_types);
    uint16_t e_cat = enumeration(p, "Category", "category", 3, categories);
    uint16_t e_res = enumeration(p, "Reserved", "", 1, reserved);
    uint16_t e_ground = enumeration(p, "Ground", "exclusion ground",
                                    COUNT(grounds), grounds);
    uint16_t t_text = type(p, BT_TEXT, 0);
    uint16_t t_bool = type(p, BT_BOOL, 0);
    uint16_t t_dec = type(p, BT_DEC, 0);
    uint16_t t_money = type(p, BT_MONEY, 0);
    uint16_t t_score = type(p, BT_INT, 0);
    p->types[t_score].has_min = p->types[t_score].has_max = 1;
    p->types[t_score].max = 5;
    uint16_t t_count = type(p, BT_INT, 0);
    p->types[t_count].has_min = 1;
    fdef buyer[] = {{"name", t_text, NU},
                    {"type", type(p, BT_ENUM, e_buyer), NU}};
    fdef weights[] = {{"price", t_dec, NU}, {"quality", t_dec, NU},
                      {"social_value", t_dec, NU}};
    fdef question[] = {{"id", t_text, NU}, {"weight", t_dec, NU},
                       {"min_score", t_score, NU}};
    fdef supplier[] = {
        {"id", t_text, NU}, {"name", t_text, NU}, {"staff", t_count, NU},
        {"turnover", t_money, NU}, {"balance_sheet", t_money, NU},
        {"postcode", t_text, NU}, {"local", t_bool, NU},
        {"exclusions", type(p, BT_LIST, type(p, BT_ENUM, e_ground)), NU},
        {"insurance", t_money, NU}};
    fdef social[] = {{"local_jobs", t_count, NU},
                     {"apprenticeships", t_count, NU},
                     {"local_spend_pct", type(p, BT_PERCENT, 0), NU}};
    uint16_t r_buyer = record(p, "Buyer", COUNT(buyer), buyer);
    uint16_t r_weights = record(p, "Weights", COUNT(weights), weights);
    uint16_t r_question = record(p, "Question", COUNT(question), question);
    uint16_t r_supplier = record(p, "Supplier", COUNT(supplier), supplier);
    uint16_t r_social = record(p, "SocialValue", COUNT(social), social);
    fdef bid[] = {{"supplier", type(p, BT_RECORD, r_supplier), NU},
                  {"price", t_money, NU},
                  {"submitted", type(p, BT_DATETIME, 0), NU},
                  {"scores", type(p, BT_MAP, t_score), NU},
                  {"social_value", type(p, BT_RECORD, r_social), NU}};
    uint16_t r_bid = record(p, "Bid", COUNT(bid), bid);
    fdef tender[] = {
        {"id", t_text, NU},
        {"buyer", type(p, BT_RECORD, r_buyer), NU},
        {"title", t_text, NU},
        {"published", type(p, BT_DATE, 0), NU},
        {"category", type(p, BT_ENUM, e_cat), NU},
        {"cpv", t_text, NU},
        {"estimated_value", t_money, NU},
        {"reserved", type(p, BT_OPTIONAL, type(p, BT_ENUM, e_res)), NU},
        {"weights", type(p, BT_RECORD, r_weights), NU},
        {"questions", type(p, BT_LIST, type(p, BT_RECORD, r_question)), 0},
        {"bids", type(p, BT_LIST, type(p, BT_RECORD, r_bid)), NU}};
    p->input_record = record(p, "Tender", COUNT(tender), tender);
    p->input_name = str(p, "tender");
    p->key_field = 0;
    return p;
}

/* ---- the contenders -------------------------------------------------- */

typedef struct text {
    char *p;     /* the whole file, NUL-terminated */
    size_t len;
    char *line;  /* scratch for one NUL-terminated line */
    size_t cap;
} text;

static int nop(void *ctx)
{
    return 1;
}

static int nop_bool(void *ctx, int b)
{
    return 1;
}

static int nop_str(void *ctx, const unsigned char *s, size_t n)
{
    return 1;
}

static int nop_num(void *ctx, const char *s, size_t n)
{
    return 1;
}

static const yajl_callbacks nop_callbacks = {
    nop, nop_bool, NULL, NULL, nop_num, nop_str,
    nop, nop_str,  nop,  nop,  nop,
};

/* Calls [fn] on each line of [t]; returns the number of failures. */
static long each_line(text *t, long (*fn)(text *, const char *, size_t))
{
    long bad = 0;
    const char *p = t->p, *end = t->p + t->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n) {
            bad += fn(t, p, n);
        }
        p += n + 1;
    }
    return bad;
}

static long yajl_events(text *t, const char *s, size_t n)
{
    yajl_handle h = yajl_alloc(&nop_callbacks, NULL, NULL);
    yajl_status st = yajl_parse(h, (const unsigned char *)s, n);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }
    yajl_free(h);
    return st != yajl_status_ok;
}

/* Copies a line to NUL-terminated scratch, as both tree APIs need. */
static const char *terminated(text *t, const char *s, size_t n)
{
    if (n + 1 > t->cap) {
        t->cap = 2 * (n + 1);
        t->line = realloc(t->line, t->cap);
    }
    memcpy(t->line, s, n);
    t->line[n] = '\0';
    return t->line;
}

static long yajl_treeparse(text *t, const char *s, size_t n)
{
    char err[128];
    yajl_val v = yajl_tree_parse(terminated(t, s, n), err, sizeof err);
    yajl_tree_free(v);
    return v == NULL;
}

static long jsonc(text *t, const char *s, size_t n)
{
    json_object *o = json_tokener_parse(terminated(t, s, n));
    json_object_put(o);
    return o == NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs a data_reader over [in]; returns records rejected (-1 on failure). */
static long tally_read(const bc_program *prog, mem_ctx *mem, FILE *in,
                       long *records)
{
    data_reader *r = data_reader_new(mem, prog, in, DATA_JSONL, "bench");
    arena a;
    arena_init(&a, mem);
    long bad = 0;
    *records = 0;
    for (;;) {
        arena_reset(&a);
        value v;
        data_error e;
        rt_status st = data_reader_next(r, &a, &v, &e);
        if (st == RT_EOF) {
            break;
        }
        if (st == RT_OK) {
            (*records)++;
        } else if (st == RT_EDATA) {
            bad++;
        } else {
            bad = -1;
            break;
        }
    }
    arena_free(&a);
    data_reader_free(r);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: json_compare FILE.jsonl [runs [name]]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    text t = {0};
    fseek(f, 0, SEEK_END);
    t.len = (size_t)ftell(f);
    rewind(f);
    t.p = malloc(t.len + 1);
    if (fread(t.p, 1, t.len, f) != t.len) {
        perror("read");
        return 1;
    }
    t.p[t.len] = '\0';
    fclose(f);
    double mb = (double)t.len / 1e6;

    mem_ctx mem;
    mem_init(&mem);
    bc_program *prog = award_program(&mem);

    static const char *names[] = {"yajl-events", "yajl-tree", "json-c",
                                  "tally-bind", "tally-file"};
    printf("%s: %.1f MB\n", argv[1], mb);
    for (int k = 0; k < 5; k++) {
        if (argc > 3 && strcmp(argv[3], names[k]) != 0) {
            continue;
        }
        double best = 1e30;
        long bad = 0, records = 0;
        for (int run = 0; run < runs; run++) {
            double t0 = now();
            if (k == 0) {
                bad = each_line(&t, yajl_events);
            } else if (k == 1) {
                bad = each_line(&t, yajl_treeparse);
            } else if (k == 2) {
                bad = each_line(&t, jsonc);
            } else {
                FILE *in = k == 3 ? fmemopen(t.p, t.len, "r")
                                  : fopen(argv[1], "rb");
                bad = tally_read(prog, &mem, in, &records);
                fclose(in);
            }
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        printf("%-12s %8.1f MB/s  %7.3f s", names[k], mb / best, best);
        if (k >= 3) {
            printf("  %ld records, %ld rejected, peak %zu KB", records, bad,
                   mem.peak / 1024);
        } else {
            printf("  %ld failed", bad);
        }
        printf("\n");
    }
    bc_program_free(prog);
    free(t.p);
    free(t.line);
    return 0;
}
