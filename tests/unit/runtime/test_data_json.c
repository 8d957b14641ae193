/* tests/unit/runtime/test_data_json.c - unit tests for runtime/data_json.c.
 *
 * A bc_program mirroring the award tender schema is built by hand (no
 * compiler needed), then: every line of tests/data/award/bad-input.jsonl is
 * bound and its error path and message checked against the expected file
 * (lines whose expected error is a policy check must bind); the edge
 * tenders bind; record-level errors and their priority; field errors,
 * duplicates, missing fields, unknown keys; VAL_ERROR map entries; unique
 * keys; nesting; the reader on JSON Lines (blank lines, CRLF, BOM, a last
 * line without newline, a 1 MB line, flat memory) and JSON arrays; and
 * allocation failure at every step.  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data.h"

#include "schema.h"

#define DATA_DIR "tests/data/award/"

/* ---- a hand-built program -------------------------------------------- */

/* A field for record(), which with schema.h builds the programs here. */
typedef struct fdef {
    const char *json;
    uint16_t type;
    uint16_t unique; /* BC_NONE_U16 unless a unique list */
} fdef;

static uint16_t int_type(bc_program *p, bool has_min, int64_t min,
                         bool has_max, int64_t max)
{
    uint16_t t = type(p, BT_INT, 0);
    p->types[t].has_min = has_min;
    p->types[t].min = min;
    p->types[t].has_max = has_max;
    p->types[t].max = max;
    return t;
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

#define NU BC_NONE_U16

/* Field positions used by the tests. */
enum { T_ID, T_BUYER, T_TITLE, T_PUBLISHED, T_CATEGORY, T_CPV, T_EST,
       T_RESERVED, T_WEIGHTS, T_QUESTIONS, T_BIDS };
enum { B_SUPPLIER, B_PRICE, B_SUBMITTED, B_SCORES, B_SOCIAL };
enum { S_ID, S_NAME, S_STAFF, S_TURNOVER, S_BALANCE, S_POSTCODE, S_LOCAL,
       S_EXCLUSIONS, S_INSURANCE };

/* The award tender (SPEC: award-evaluation, Input). */
static bc_program *award_program(mem_ctx *mem)
{
    bc_program *p = prog_new(mem);
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
    uint16_t t_pct = type(p, BT_PERCENT, 0);
    uint16_t t_date = type(p, BT_DATE, 0);
    uint16_t t_instant = type(p, BT_DATETIME, 0);
    uint16_t t_score = int_type(p, true, 0, true, 5);
    uint16_t t_count = int_type(p, true, 0, false, 0);
    uint16_t t_buyer_type = type(p, BT_ENUM, e_buyer);
    uint16_t t_cat = type(p, BT_ENUM, e_cat);
    uint16_t t_res = type(p, BT_OPTIONAL, type(p, BT_ENUM, e_res));
    uint16_t t_ground = type(p, BT_ENUM, e_ground);
    uint16_t t_grounds = type(p, BT_LIST, t_ground);
    uint16_t t_scores = type(p, BT_MAP, t_score);

    fdef buyer[] = {{"name", t_text, NU}, {"type", t_buyer_type, NU}};
    uint16_t r_buyer = record(p, "Buyer", COUNT(buyer), buyer);
    fdef weights[] = {{"price", t_dec, NU}, {"quality", t_dec, NU},
                      {"social_value", t_dec, NU}};
    uint16_t r_weights = record(p, "Weights", COUNT(weights), weights);
    fdef question[] = {{"id", t_text, NU}, {"weight", t_dec, NU},
                       {"min_score", t_score, NU}};
    uint16_t r_question = record(p, "Question", COUNT(question), question);
    fdef supplier[] = {
        {"id", t_text, NU},         {"name", t_text, NU},
        {"staff", t_count, NU},     {"turnover", t_money, NU},
        {"balance_sheet", t_money, NU}, {"postcode", t_text, NU},
        {"local", t_bool, NU},      {"exclusions", t_grounds, NU},
        {"insurance", t_money, NU}};
    uint16_t r_supplier = record(p, "Supplier", COUNT(supplier), supplier);
    fdef social[] = {{"local_jobs", t_count, NU},
                     {"apprenticeships", t_count, NU},
                     {"local_spend_pct", t_pct, NU}};
    uint16_t r_social = record(p, "SocialValue", COUNT(social), social);
    fdef bid[] = {{"supplier", type(p, BT_RECORD, r_supplier), NU},
                  {"price", t_money, NU},
                  {"submitted", t_instant, NU},
                  {"scores", t_scores, NU},
                  {"social_value", type(p, BT_RECORD, r_social), NU}};
    uint16_t r_bid = record(p, "Bid", COUNT(bid), bid);
    fdef tender[] = {
        {"id", t_text, NU},
        {"buyer", type(p, BT_RECORD, r_buyer), NU},
        {"title", t_text, NU},
        {"published", t_date, NU},
        {"category", t_cat, NU},
        {"cpv", t_text, NU},
        {"estimated_value", t_money, NU},
        {"reserved", t_res, NU},
        {"weights", type(p, BT_RECORD, r_weights), NU},
        {"questions", type(p, BT_LIST, type(p, BT_RECORD, r_question)), 0},
        {"bids", type(p, BT_LIST, type(p, BT_RECORD, r_bid)), NU}};
    p->input_record = record(p, "Tender", COUNT(tender), tender);
    p->input_name = str(p, "tender");
    p->key_field = T_ID;
    return p;
}

/* ---- helpers --------------------------------------------------------- */

typedef struct fixture {
    mem_ctx mem;
    bc_program *prog;
    arena a;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mem_init(&f->mem);
    f->prog = award_program(&f->mem);
    arena_init(&f->a, &f->mem);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arena_free(&f->a);
    bc_program_free(f->prog);
    assert_int_equal(f->mem.live, 0);
    free(f);
    return 0;
}

static const char GOOD[] =
    "{\"id\": \"T-000001\","
    " \"buyer\": {\"name\": \"Northfield Council\", \"type\": \"sub-central\"},"
    " \"title\": \"Grounds maintenance, north parks\","
    " \"published\": \"2026-03-14\", \"category\": \"services\","
    " \"cpv\": \"77310000\", \"estimated_value\": \"250000.00\","
    " \"reserved\": null,"
    " \"weights\": {\"price\": \"40\", \"quality\": \"50\","
    " \"social_value\": \"10\"},"
    " \"questions\": [{\"id\": \"Q1\", \"weight\": \"20\", \"min_score\": 2},"
    " {\"id\": \"Q2\", \"weight\": \"30\", \"min_score\": 2}],"
    " \"bids\": [{\"supplier\": {\"id\": \"S-00042\","
    " \"name\": \"Acme Grounds Ltd\", \"staff\": 45,"
    " \"turnover\": \"3200000.00\", \"balance_sheet\": \"1100000.00\","
    " \"postcode\": \"NF1 2AB\", \"local\": true, \"exclusions\": [],"
    " \"insurance\": \"5000000.00\"},"
    " \"price\": \"231500.00\", \"submitted\": \"2026-04-02T11:32:00Z\","
    " \"scores\": {\"Q1\": 4, \"Q2\": 3},"
    " \"social_value\": {\"local_jobs\": 3, \"apprenticeships\": 2,"
    " \"local_spend_pct\": \"35.0\"}}]}";

/* GOOD with the first occurrence of [from] replaced by [to]. */
static char *patched(const char *from, const char *to)
{
    const char *at = strstr(GOOD, from);
    assert_non_null(at);
    size_t n = strlen(GOOD) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    size_t pre = (size_t)(at - GOOD);
    memcpy(s, GOOD, pre);
    strcpy(s + pre, to);
    strcat(s, at + strlen(from));
    return s;
}

static data_status bind(fixture *f, const char *json, value *out,
                        data_error *err)
{
    arena_reset(&f->a);
    return data_bind_json(f->prog, f->prog->input_record, json, strlen(json),
                          7, &f->a, out, err);
}

/* Binds [json] and checks the error's path (NULL: record level), message
 * and, for field errors, the key. */
static void expect_error(fixture *f, const char *json, const char *path,
                         const char *msg)
{
    value v;
    data_error e;
    data_status st = bind(f, json, &v, &e);
    if (st != DATA_ERROR) {
        fail_msg("expected %s: %s, bound (%d) %.120s", path ? path : "-",
                 msg, st, json);
    }
    assert_int_equal(e.line, 7);
    if (path) {
        assert_non_null(e.path);
        assert_string_equal(e.path, path);
    } else {
        assert_null(e.path);
        assert_int_equal(e.key.kind, VAL_NONE);
    }
    assert_string_equal(e.msg, msg);
}

static void expect_patched_error(fixture *f, const char *from, const char *to,
                                 const char *path, const char *msg)
{
    char *s = patched(from, to);
    expect_error(f, s, path, msg);
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), DATA_ERROR);
    assert_int_equal(e.key.kind, VAL_TEXT);
    assert_memory_equal(e.key.as.s, "T-000001", 8);
    free(s);
}

static const value *field(const value *rec, int i)
{
    assert_int_equal(rec->kind, VAL_RECORD);
    assert_true(i < rec->as.r->count);
    return &rec->as.r->fields[i];
}

static void assert_dec(const value *v, const char *s, arena *a)
{
    assert_int_equal(v->kind, VAL_DEC);
    dec want;
    assert_int_equal(dec_parse(a, s, strlen(s), &want), DEC_OK);
    assert_int_equal(dec_cmp(&v->as.d, &want), 0);
}

static void assert_text(const value *v, const char *s)
{
    assert_int_equal(v->kind, VAL_TEXT);
    assert_int_equal(v->len, strlen(s));
    assert_memory_equal(v->as.s, s, v->len);
}

/* ---- binding --------------------------------------------------------- */

static void test_data_json_good_tender(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    assert_int_equal(bind(f, GOOD, &v, &e), DATA_RECORD);
    assert_int_equal(v.kind, VAL_RECORD);
    assert_int_equal(v.type, f->prog->input_record);
    assert_int_equal(v.as.r->count, 11);
    assert_text(field(&v, T_ID), "T-000001");
    const value *buyer = field(&v, T_BUYER);
    assert_text(field(buyer, 0), "Northfield Council");
    assert_int_equal(field(buyer, 1)->kind, VAL_ENUM);
    assert_int_equal(field(buyer, 1)->as.i, 1);
    assert_int_equal(field(&v, T_PUBLISHED)->kind, VAL_DATE);
    int64_t day;
    assert_true(date_parse("2026-03-14", 10, &day));
    assert_int_equal(field(&v, T_PUBLISHED)->as.i, day);
    assert_int_equal(field(&v, T_CATEGORY)->as.i, 1);
    assert_dec(field(&v, T_EST), "250000", &f->a);
    assert_int_equal(field(&v, T_RESERVED)->kind, VAL_NONE);
    assert_dec(field(field(&v, T_WEIGHTS), 2), "10", &f->a);
    const value *qs = field(&v, T_QUESTIONS);
    assert_int_equal(qs->kind, VAL_LIST);
    assert_int_equal(qs->as.l->count, 2);
    assert_text(field(&qs->as.l->items[1], 0), "Q2");
    assert_int_equal(field(&qs->as.l->items[1], 2)->as.i, 2);
    const value *bids = field(&v, T_BIDS);
    assert_int_equal(bids->as.l->count, 1);
    const value *bid = &bids->as.l->items[0];
    const value *sup = field(bid, B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 45);
    assert_true(field(sup, S_LOCAL)->as.b);
    assert_int_equal(field(sup, S_EXCLUSIONS)->kind, VAL_LIST);
    assert_int_equal(field(sup, S_EXCLUSIONS)->as.l->count, 0);
    assert_dec(field(bid, B_PRICE), "231500.00", &f->a);
    const value *sub = field(bid, B_SUBMITTED);
    assert_int_equal(sub->kind, VAL_DATETIME);
    date_instant t;
    assert_true(date_instant_parse("2026-04-02T12:32:00+01:00", 25, &t));
    assert_int_equal(date_instant_cmp(&sub->as.t, &t), 0);
    const value *scores = field(bid, B_SCORES);
    assert_int_equal(scores->kind, VAL_MAP);
    assert_int_equal(scores->as.m->count, 2);
    assert_text(&scores->as.m->keys[1], "Q2");
    assert_int_equal(scores->as.m->vals[1].as.i, 3);
    /* SPEC: "35.0" is percentage points: the value is the fraction. */
    assert_dec(field(field(bid, B_SOCIAL), 2), "0.35", &f->a);
}

static void test_data_json_percent_and_optional(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("\"35.0\"", "\"12.5\"");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    const value *bid = &field(&v, T_BIDS)->as.l->items[0];
    assert_dec(field(field(bid, B_SOCIAL), 2), "0.125", &f->a);
    free(s);
    s = patched("\"reserved\": null", "\"reserved\": \"local-sme\"");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    assert_int_equal(field(&v, T_RESERVED)->kind, VAL_ENUM);
    assert_int_equal(field(&v, T_RESERVED)->as.i, 0);
    free(s);
    /* An enum with no label is named by its type name. */
    expect_patched_error(f, "\"reserved\": null", "\"reserved\": \"sme\"",
                         "reserved", "unknown Reserved \"sme\"");
    expect_patched_error(f, "\"reserved\": null", "\"reserved\": 1",
                         "reserved", "not a string");
    expect_patched_error(f, "\"35.0\"", "35", "bids[0].social_value."
                         "local_spend_pct", "not a decimal string");
}

/* The path of an expected error text, or NULL for "line N: ...". */
static char *expected_path(const char *error, const char **msg)
{
    if (strncmp(error, "line ", 5) == 0) {
        *msg = strchr(error, ':') + 2;
        return NULL;
    }
    const char *colon = strstr(error, ": ");
    assert_non_null(colon);
    *msg = colon + 2;
    return strndup(error, (size_t)(colon - error));
}

/* Reads the "error" string of an expected record (no escapes but \"). */
static char *expected_error(const char *line)
{
    const char *at = strstr(line, "\"error\": \"");
    if (!at) {
        return NULL;
    }
    at += 10;
    char *out = malloc(strlen(at) + 1);
    size_t n = 0;
    for (; *at && *at != '"'; at++) {
        if (*at == '\\') {
            at++;
        }
        out[n++] = *at;
    }
    out[n] = '\0';
    return out;
}

/* Expected errors that the policy's checks raise, not the binder. */
static bool is_policy_check(const char *msg)
{
    return strstr(msg, "no threshold in force") ||
           strstr(msg, "do not add up") ||
           strstr(msg, "must be greater than 0");
}

/* Messages where our wording differs from the reference's (the spec
 * allows any wording); the paths still must match. */
static const char *our_wording(const char *msg)
{
    if (strcmp(msg, "not null or \"local-sme\"") == 0) {
        return "unknown Reserved \"sme\"";
    }
    if (strcmp(msg, "duplicate question id \"Q1\"") == 0) {
        return "duplicate id \"Q1\"";
    }
    return msg;
}

/* Finds the map entry at [path] ("bids[1].scores.Q2") in tender [v]. */
static const value *score_entry(const value *v, const char *path)
{
    unsigned bid;
    char q[16];
    assert_int_equal(sscanf(path, "bids[%u].scores.%15s", &bid, q), 2);
    const value *scores =
        field(&field(v, T_BIDS)->as.l->items[bid], B_SCORES);
    for (uint32_t i = 0; i < scores->as.m->count; i++) {
        const value *k = &scores->as.m->keys[i];
        if (k->len == strlen(q) && memcmp(k->as.s, q, k->len) == 0) {
            return &scores->as.m->vals[i];
        }
    }
    fail_msg("no entry %s", path);
    return NULL;
}

static void test_data_json_bad_input_file(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(DATA_DIR "bad-input.jsonl", "r");
    FILE *ex = fopen(DATA_DIR "bad-input.expected.jsonl", "r");
    assert_non_null(in);
    assert_non_null(ex);
    data_reader *r = data_reader_new(&f->mem, f->prog, in, DATA_JSONL,
                                     "bad-input.jsonl");
    assert_non_null(r);
    char want[8192];
    long n = 0, schema = 0, policy = 0, ok = 0, in_map = 0;
    while (fgets(want, sizeof want, ex)) {
        n++;
        arena_reset(&f->a);
        value v;
        data_error e;
        data_status st = data_reader_next(r, &f->a, &v, &e);
        char *error = expected_error(want);
        if (!error) { /* a tender the policy evaluates */
            assert_int_equal(st, DATA_RECORD);
            ok++;
            continue;
        }
        const char *msg;
        char *path = expected_path(error, &msg);
        if (is_policy_check(msg)) {
            assert_int_equal(st, DATA_RECORD);
            policy++;
        } else if (path && strstr(path, ".scores.")) {
            /* A bad score binds as an error value, raised when read. */
            assert_int_equal(st, DATA_RECORD);
            const value *s = score_entry(&v, path);
            assert_int_equal(s->kind, VAL_ERROR);
            assert_string_equal(s->as.e->path, path);
            assert_string_equal(s->as.e->msg, msg);
            in_map++;
        } else {
            if (st != DATA_ERROR) {
                fail_msg("line %ld: expected \"%s\", bound", n, error);
            }
            assert_int_equal(e.line, n);
            if (path) {
                assert_non_null(e.path);
                assert_string_equal(e.path, path);
                assert_int_equal(e.key.kind, VAL_TEXT);
            } else {
                assert_null(e.path);
                assert_int_equal(e.key.kind, VAL_NONE);
            }
            assert_string_equal(e.msg, our_wording(msg));
            schema++;
        }
        free(path);
        free(error);
    }
    arena_reset(&f->a);
    value v;
    data_error e;
    assert_int_equal(data_reader_next(r, &f->a, &v, &e), DATA_EOF);
    assert_int_equal(n, 33);
    assert_int_equal(ok, 2);
    assert_int_equal(policy, 5);
    assert_int_equal(in_map, 2);
    assert_int_equal(schema, 24);
    data_reader_free(r);
    fclose(in);
    fclose(ex);
}

static void test_data_json_edge_file(void **state)
{
    fixture *f = *state;
    FILE *in = fopen(DATA_DIR "edge.jsonl", "r");
    assert_non_null(in);
    data_reader *r = data_reader_new(&f->mem, f->prog, in, DATA_AUTO, NULL);
    long records = 0, errors = 0;
    for (;;) {
        arena_reset(&f->a);
        value v;
        data_error e;
        data_status st = data_reader_next(r, &f->a, &v, &e);
        if (st == DATA_EOF) {
            break;
        }
        if (st == DATA_ERROR) {
            assert_int_equal(e.line, 21);
            assert_string_equal(e.path, "bids[1].supplier.exclusions[1]");
            assert_string_equal(e.msg, "unknown exclusion ground \"bribe\"");
            assert_text(&e.key, "T-000021");
            errors++;
            continue;
        }
        assert_int_equal(st, DATA_RECORD);
        records++;
    }
    assert_int_equal(records, 65);
    assert_int_equal(errors, 1);
    data_reader_free(r);
    fclose(in);
}

static void test_data_json_record_level(void **state)
{
    fixture *f = *state;
    expect_error(f, "{\"id\": \"x\", \"buyer\": ", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\"} {}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\",}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"\xff\"}", NULL, "not valid JSON");
    expect_error(f, "{\"id\": \"x\" // c\n}", NULL, "not valid JSON");
    expect_error(f, "", NULL, "not valid JSON");
    expect_error(f, "[1, 2, 3]", NULL, "not a JSON object");
    expect_error(f, "\"T-1\"", NULL, "not a JSON object");
    expect_error(f, "null", NULL, "not a JSON object");
    expect_error(f, "{}", NULL, "id missing or not a string");
    expect_error(f, "{\"id\": null}", NULL, "id missing or not a string");
    expect_error(f, "{\"id\": [\"T\"]}", NULL, "id missing or not a string");
    /* Priority: not JSON, then not an object, then the key, then fields. */
    expect_error(f, "{\"id\": 17, \"buyer\": 3", NULL, "not valid JSON");
    expect_error(f, "{\"buyer\": 3, \"id\": 17}", NULL,
                 "id missing or not a string");
    /* The first "id" decides; a later one is a duplicate field. */
    expect_error(f, "{\"id\": 1, \"id\": \"x\"}", NULL,
                 "id missing or not a string");
    char *s = patched("\"cpv\"", "\"id\": \"T-2\", \"cpv\"");
    expect_error(f, s, "id", "duplicate key");
    free(s);
    /* A key is read even after an error earlier in the text. */
    value v;
    data_error e;
    assert_int_equal(bind(f, "{\"buyer\": 3, \"id\": \"late\"}", &v, &e),
                     DATA_ERROR);
    assert_string_equal(e.path, "buyer");
    assert_string_equal(e.msg, "not an object");
    assert_text(&e.key, "late");
}

static void test_data_json_field_errors(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"title\"", "\"title\": \"x\", \"title\"",
                         "title", "duplicate key");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 45, \"staff\": 45",
                         "bids[0].supplier.staff", "duplicate key");
    expect_patched_error(f, "\"buyer\"", "\"buyer\": null, \"x\"", "buyer",
                         "not an object");
    expect_patched_error(f, "\"250000.00\"", "250000.00", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"250000.00\"", "\"+250000\"", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"250000.00\"", "null", "estimated_value",
                         "not a decimal string");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 4.0",
                         "bids[0].supplier.staff", "not an integer");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 1e2",
                         "bids[0].supplier.staff", "not an integer");
    expect_patched_error(f, "\"staff\": 45", "\"staff\": 9223372036854775808",
                         "bids[0].supplier.staff", "not an integer");
    char *s = patched("\"staff\": 45", "\"staff\": 9223372036854775807");
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    const value *sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, INT64_MAX);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": -0");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    free(s);
    /* 18 digits, the most the binder's short path reads, and 19. */
    s = patched("\"staff\": 45", "\"staff\": 999999999999999999");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 999999999999999999);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": 1000000000000000000");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    sup = field(&field(&v, T_BIDS)->as.l->items[0], B_SUPPLIER);
    assert_int_equal(field(sup, S_STAFF)->as.i, 1000000000000000000);
    free(s);
    expect_patched_error(f, "\"staff\": 45", "\"staff\": -1",
                         "bids[0].supplier.staff", "-1 out of range");
    /* Short texts are checked for UTF-8 a word at a time: an overlong
     * form in the last byte of 4, 8 and 16 is still found. */
    expect_patched_error(f, "\"NF1 2AB\"", "\"N\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF1 2A\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF1 2AB NF1 2A\xc0\xaf\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    expect_patched_error(f, "{\"Q1\": 4", "{\"Q\xed\xa0\x80\": 4",
                         "bids[0].scores", "a key is not valid UTF-8");
}

/* yajl decodes a \ud800 escape with no low surrogate after it to '?':
 * the binder finds such escapes in the record's text itself, so a text
 * never silently changes. */
#define LONE "not valid UTF-8 (a \\u escape of a lone surrogate)"

static void test_data_json_lone_surrogate(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"NF1 2AB\"", "\"NF\\ud800\"",
                         "bids[0].supplier.postcode", LONE);
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\uDBFF\"",
                         "bids[0].supplier.postcode", LONE);
    /* a high surrogate followed by another high one, or by a non-escape */
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\ud800\\ud800\\udc00\"",
                         "bids[0].supplier.postcode", LONE);
    expect_patched_error(f, "\"NF1 2AB\"", "\"x\\ud83du00de\"",
                         "bids[0].supplier.postcode", LONE);
    /* a lone low surrogate: yajl encodes it, the UTF-8 check refuses it */
    expect_patched_error(f, "\"NF1 2AB\"", "\"\\udc00\"",
                         "bids[0].supplier.postcode", "not valid UTF-8");
    /* in a map key */
    expect_patched_error(f, "{\"Q1\": 4", "{\"Q\\ud800\": 4",
                         "bids[0].scores", "a key is " LONE);
    /* the third of three keys, after a good pair; an ignored (unknown)
     * field's value is not read, as with any invalid UTF-8 */
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}",
                         "{\"Q\\ud83d\\ude00\": 4, \"Q2\": 3, \"\\ud800\": 1}",
                         "bids[0].scores", "a key is " LONE);
    /* Not lone: a pair, an escaped backslash before "ud800", an escaped
     * backslash and then a pair. */
    static const char *fine[] = {"\"\\ud83d\\ude00\"", "\"\\\\ud800\"",
                                 "\"\\\\\\ud83d\\ude00\""};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        char *s = patched("\"NF1 2AB\"", fine[i]);
        value v;
        data_error e;
        assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
        free(s);
    }
}

static void test_data_json_field_errors_more(void **state)
{
    fixture *f = *state;
    expect_patched_error(f, "\"staff\": 45", "\"staff\": -1",
                         "bids[0].supplier.staff", "-1 out of range");
    expect_patched_error(f, "\"local\": true", "\"local\": 1",
                         "bids[0].supplier.local", "not a boolean");
    expect_patched_error(f, "\"2026-03-14\"", "\"2026-3-14\"", "published",
                         "not a date YYYY-MM-DD");
    expect_patched_error(
        f, "\"2026-04-02T11:32:00Z\"", "\"2026-04-02 11:32:00Z\"",
        "bids[0].submitted",
        "not a date-time YYYY-MM-DDTHH:MM:SS[.s](Z|+hh:mm)");
    expect_patched_error(f, "\"exclusions\": []",
                         "\"exclusions\": [\"fraud\", \"Fraud\"]",
                         "bids[0].supplier.exclusions[1]",
                         "unknown exclusion ground \"Fraud\"");
    expect_patched_error(f, "\"exclusions\": []",
                         "\"exclusions\": [\"a\\\"b\\n\"]",
                         "bids[0].supplier.exclusions[0]",
                         "unknown exclusion ground \"a\\\"b\\n\"");
    /* Missing fields: reported at the close, first in declaration order,
     * after any error inside the object. */
    expect_patched_error(f, "\"staff\": 45, ", "",
                         "bids[0].supplier.staff", "missing");
    expect_patched_error(f, "\"name\": \"Acme Grounds Ltd\", \"staff\": 45",
                         "\"staff\": \"x\"", "bids[0].supplier.staff",
                         "not an integer");
    expect_patched_error(f, "\"title\": \"Grounds maintenance, north parks\",",
                         "", "title", "missing");
    /* Document order: the first offending field wins. */
    expect_patched_error(f, "\"category\": \"services\"",
                         "\"category\": \"x\", \"published\": 1",
                         "category", "unknown category \"x\"");
    /* Unknown keys are skipped whatever they hold, at any level. */
    char *s = patched("\"cpv\"", "\"extra\": {\"a\": [1, {\"id\": 2}], "
                                 "\"id\": null}, \"more\": [[[]]], \"cpv\"");
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    free(s);
    s = patched("\"staff\": 45", "\"staff\": 45, \"x\": [true]");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    free(s);
    /* A long bad value is cut in the message. */
    char big[400] = "\"exclusions\": [\"";
    memset(big + strlen(big), 'z', 200);
    strcpy(big + strlen(big), "\"]");
    s = patched("\"exclusions\": []", big);
    assert_int_equal(bind(f, s, &v, &e), DATA_ERROR);
    assert_true(strlen(e.msg) < 100);
    assert_non_null(strstr(e.msg, "zzz\"..."));
    free(s);
}

static void test_data_json_map_errors(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("{\"Q1\": 4, \"Q2\": 3}",
                      "{\"Q1\": \"x\", \"Q2\": 3, \"Q9\": null, "
                      "\"Q8\": [1, {\"a\": [2]}], \"Q7\": 9}");
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    free(s);
    const value *scores =
        field(&field(&v, T_BIDS)->as.l->items[0], B_SCORES);
    assert_int_equal(scores->as.m->count, 5);
    static const char *want[][2] = {
        {"bids[0].scores.Q1", "not an integer"},
        {NULL, NULL},
        {"bids[0].scores.Q9", "not an integer"},
        {"bids[0].scores.Q8", "not an integer"},
        {"bids[0].scores.Q7", "9 out of range"}};
    for (int i = 0; i < 5; i++) {
        const value *x = &scores->as.m->vals[i];
        if (!want[i][0]) {
            assert_int_equal(x->kind, VAL_INT);
            continue;
        }
        assert_int_equal(x->kind, VAL_ERROR);
        assert_string_equal(x->as.e->path, want[i][0]);
        assert_string_equal(x->as.e->msg, want[i][1]);
    }
    assert_text(&scores->as.m->keys[3], "Q8");
    /* A soft error inside a map does not hide a later real one. */
    s = patched("{\"Q1\": 4, \"Q2\": 3}", "{\"Q1\": {}, \"Q2\": 3}");
    char *at = strstr(s, "\"local_jobs\": 3");
    memcpy(at, "\"local_jobs\": T", 15);
    assert_int_equal(bind(f, s, &v, &e), DATA_ERROR);
    assert_null(e.path);
    memcpy(at, "\"local_jobs\": 0", 15);
    assert_int_equal(bind(f, s, &v, &e), DATA_RECORD);
    char *s2 = malloc(strlen(s) + 2);
    size_t pre = (size_t)(at - s) + 14;
    memcpy(s2, s, pre);
    strcpy(s2 + pre, "-1");
    strcat(s2, at + 15);
    expect_error(f, s2, "bids[0].social_value.local_jobs", "-1 out of range");
    free(s2);
    free(s);
    /* A repeated map key is ambiguous: the record is rejected. */
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}",
                         "{\"Q1\": 4, \"Q2\": 3, \"Q1\": 5}",
                         "bids[0].scores.Q1", "duplicate key");
    /* Many keys go through the hash table. */
    char big[2048] = "{";
    for (int i = 0; i < 40; i++) {
        sprintf(big + strlen(big), "%s\"K%d\": 1", i ? ", " : "",
                i == 33 ? 7 : i);
    }
    strcat(big, "}");
    expect_patched_error(f, "{\"Q1\": 4, \"Q2\": 3}", big,
                         "bids[0].scores.K7", "duplicate key");
}

static void test_data_json_unique(void **state)
{
    fixture *f = *state;
    expect_patched_error(
        f, "{\"id\": \"Q2\"",
        "{\"id\": \"Q3\", \"weight\": \"1\", \"min_score\": 0}, "
        "{\"id\": \"Q1\"",
        "questions[2].id", "duplicate id \"Q1\"");
    /* An error inside an element comes first (it is met first). */
    expect_patched_error(
        f, "{\"id\": \"Q2\", \"weight\": \"30\"",
        "{\"id\": \"Q1\", \"weight\": 30", "questions[1].weight",
        "not a decimal string");
    /* Long lists use the hash table: the later of the pair is named. */
    char list[4096] = "\"questions\": [";
    for (int i = 0; i < 30; i++) {
        sprintf(list + strlen(list),
                "%s{\"id\": \"Q%d\", \"weight\": \"1\", \"min_score\": 0}",
                i ? ", " : "", i == 17 ? 5 : i);
    }
    strcat(list, "], \"old\": [");
    char *s = patched("\"questions\": [", list);
    value v;
    data_error e;
    assert_int_equal(bind(f, s, &v, &e), DATA_ERROR);
    assert_string_equal(e.path, "questions[17].id");
    assert_string_equal(e.msg, "duplicate id \"Q5\"");
    free(s);
}

/* A schema whose list type contains itself: nesting only data bounds. */
static void test_data_json_nesting(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = prog_new(&mem);
    uint16_t t_text = type(p, BT_TEXT, 0);
    uint16_t t_deep = type(p, BT_LIST, 1); /* list of itself */
    assert_int_equal(t_deep, 1);
    fdef node[] = {{"id", t_text, NU}, {"x", t_deep, NU}};
    p->input_record = record(p, "Node", 2, node);
    p->key_field = 0;
    arena a;
    arena_init(&a, &mem);
    char *s = malloc(800100);
    value v;
    data_error e;
    for (int depth = 60; depth <= 200000; depth = depth < 70 ? depth + 1
                                                 : depth * 10) {
        int n = sprintf(s, "{\"id\": \"n\", \"x\": ");
        for (int i = 0; i < depth; i++) {
            s[n++] = '[';
        }
        for (int i = 0; i < depth; i++) {
            s[n++] = ']';
        }
        s[n++] = '}';
        arena_reset(&a);
        data_status st = data_bind_json(p, 0, s, (size_t)n, 1, &a, &v, &e);
        /* The record is level 1, x's lists levels 2.. */
        if (depth + 1 <= DATA_MAX_DEPTH) {
            assert_int_equal(st, DATA_RECORD);
        } else {
            assert_int_equal(st, DATA_ERROR);
            assert_string_equal(e.msg, "nesting too deep");
            assert_int_equal(strncmp(e.path, "x[0][0]", 7), 0);
            assert_int_equal(strlen(e.path),
                             1 + 3 * (DATA_MAX_DEPTH - 1));
            assert_text(&e.key, "n");
        }
    }
    /* Deep values under unknown keys are skipped, not bound. */
    int n = sprintf(s, "{\"id\": \"n\", \"x\": [], \"y\": ");
    for (int i = 0; i < 100000; i++) {
        s[n++] = '{';
        n += sprintf(s + n, "\"a\":");
    }
    s[n++] = '1';
    for (int i = 0; i < 100000; i++) {
        s[n++] = '}';
    }
    s[n++] = '}';
    arena_reset(&a);
    assert_int_equal(data_bind_json(p, 0, s, (size_t)n, 1, &a, &v, &e),
                     DATA_RECORD);
    free(s);
    arena_free(&a);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

/* ---- the reader ------------------------------------------------------ */

static FILE *file_with(const char *text, size_t len)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    rewind(fp);
    return fp;
}

typedef struct got {
    data_status st;
    long line;
    char path[64];
    char msg[96];
    char key[32];
} got;

/* Reads every record of [fp] into [out] (at most [cap]); returns the count
 * (the final DATA_EOF not included). */
static int read_all(fixture *f, FILE *fp, data_format fmt, got *out,
                    int cap)
{
    data_reader *r = data_reader_new(&f->mem, f->prog, fp, fmt, "t");
    assert_non_null(r);
    int n = 0;
    for (;;) {
        arena_reset(&f->a);
        value v;
        data_error e;
        data_status st = data_reader_next(r, &f->a, &v, &e);
        if (st == DATA_EOF) {
            break;
        }
        assert_true(n < cap);
        got *g = &out[n++];
        memset(g, 0, sizeof *g);
        g->st = st;
        if (st == DATA_RECORD) {
            const value *k = field(&v, T_ID);
            snprintf(g->key, sizeof g->key, "%.*s", (int)k->len, k->as.s);
        } else {
            assert_int_equal(st, DATA_ERROR);
            g->line = e.line;
            snprintf(g->path, sizeof g->path, "%s", e.path ? e.path : "");
            snprintf(g->msg, sizeof g->msg, "%s", e.msg);
            if (e.key.kind == VAL_TEXT) {
                snprintf(g->key, sizeof g->key, "%.*s", (int)e.key.len,
                         e.key.as.s);
            }
        }
    }
    data_reader_free(r);
    fclose(fp);
    return n;
}

/* GOOD with its id replaced by [id], in a malloc'd string. */
static char *good_with_id(const char *id)
{
    char to[64];
    snprintf(to, sizeof to, "\"id\": \"%s\"", id);
    return patched("\"id\": \"T-000001\"", to);
}

static void test_data_json_reader_lines(void **state)
{
    fixture *f = *state;
    char *a = good_with_id("A"), *b = good_with_id("B"),
         *c = good_with_id("C");
    char text[8192];
    /* BOM, blank lines, white-space lines, CRLF, bad line, no final \n */
    int len = snprintf(text, sizeof text,
                       "\xEF\xBB\xBF%s\r\n\r\n   \t\n\n%s\r\n[1]\n\n%s", a,
                       b, c);
    got g[8];
    int n = read_all(f, file_with(text, (size_t)len), DATA_JSONL, g, 8);
    assert_int_equal(n, 4);
    assert_int_equal(g[0].st, DATA_RECORD);
    assert_string_equal(g[0].key, "A");
    assert_string_equal(g[1].key, "B");
    assert_int_equal(g[2].st, DATA_ERROR);
    assert_int_equal(g[2].line, 6);
    assert_string_equal(g[2].msg, "not a JSON object");
    assert_string_equal(g[3].key, "C");
    /* A truncated last line without newline is an error, then EOF. */
    len = snprintf(text, sizeof text, "%s\n%.*s", a, 100, b);
    n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_int_equal(g[1].st, DATA_ERROR);
    assert_int_equal(g[1].line, 2);
    assert_string_equal(g[1].msg, "not valid JSON");
    /* Empty and blank inputs have no records. */
    assert_int_equal(read_all(f, file_with("", 0), DATA_AUTO, g, 8), 0);
    assert_int_equal(read_all(f, file_with("\n \r\n", 4), DATA_AUTO, g, 8),
                     0);
    /* Line numbers count leading blank lines under DATA_AUTO too. */
    n = read_all(f, file_with("\n\n{}\n", 5), DATA_AUTO, g, 8);
    assert_int_equal(n, 1);
    assert_int_equal(g[0].line, 3);
    free(a);
    free(b);
    free(c);
}

static void test_data_json_reader_huge_line(void **state)
{
    fixture *f = *state;
    size_t big = 1 << 20;
    char *title = malloc(big + 32);
    strcpy(title, "\"title\": \"");
    size_t n = strlen(title);
    memset(title + n, 'x', big);
    strcpy(title + n + big, "\",");
    char *line = patched("\"title\": \"Grounds maintenance, north parks\",",
                         title);
    size_t ll = strlen(line);
    size_t len = 3 * (ll + 1);
    char *text = malloc(len + 1);
    snprintf(text, len + 1, "%s\n%s\n%s\n", line, GOOD, line);
    FILE *fp = file_with(text, strlen(text));
    data_reader *r = data_reader_new(&f->mem, f->prog, fp, DATA_JSONL, "t");
    for (int i = 0; i < 3; i++) {
        arena_reset(&f->a);
        value v;
        data_error e;
        assert_int_equal(data_reader_next(r, &f->a, &v, &e), DATA_RECORD);
        assert_int_equal(field(&v, T_TITLE)->len,
                         i == 1 ? strlen("Grounds maintenance, north parks")
                                : big);
    }
    arena_reset(&f->a);
    value v;
    data_error e;
    assert_int_equal(data_reader_next(r, &f->a, &v, &e), DATA_EOF);
    data_reader_free(r);
    fclose(fp);
    free(text);
    free(line);
    free(title);
}

static void test_data_json_reader_io_error(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen("/dev/null", "w"); /* reading it fails */
    assert_non_null(fp);
    data_reader *r = data_reader_new(&f->mem, f->prog, fp, DATA_AUTO, "in");
    value v;
    data_error e;
    assert_int_equal(data_reader_next(r, &f->a, &v, &e), DATA_IO_ERROR);
    assert_int_equal(strncmp(e.msg, "in: read error: ", 16), 0);
    assert_int_equal(data_reader_next(r, &f->a, &v, &e), DATA_EOF);
    data_reader_free(r);
    fclose(fp);
    data_reader_free(NULL);
}

/* Memory stays flat: reading 20x more records does not raise the peak. */
static void test_data_json_reader_memory_flat(void **state)
{
    fixture *f = *state;
    size_t peaks[2];
    int counts[2] = {100, 2000};
    for (int k = 0; k < 2; k++) {
        FILE *fp = tmpfile();
        for (int i = 0; i < counts[k]; i++) {
            fprintf(fp, "%s\n", GOOD);
        }
        rewind(fp);
        arena_free(&f->a);
        arena_init(&f->a, &f->mem);
        size_t base = f->mem.live;
        f->mem.peak = base;
        data_reader *r =
            data_reader_new(&f->mem, f->prog, fp, DATA_JSONL, "t");
        int n = 0;
        for (;;) {
            arena_reset(&f->a);
            value v;
            data_error e;
            data_status st = data_reader_next(r, &f->a, &v, &e);
            if (st == DATA_EOF) {
                break;
            }
            assert_int_equal(st, DATA_RECORD);
            n++;
        }
        assert_int_equal(n, counts[k]);
        peaks[k] = f->mem.peak - base;
        data_reader_free(r);
        fclose(fp);
    }
    assert_int_equal(peaks[0], peaks[1]);
    assert_true(peaks[1] < 256 * 1024);
}

static void test_data_json_reader_array(void **state)
{
    fixture *f = *state;
    char *a = good_with_id("A,]\\\"["), *b = good_with_id("B");
    size_t cap = 3 * strlen(GOOD) + 512;
    char *text = malloc(cap);
    got g[8];
    /* Elements with brackets and escaped quotes inside strings. */
    int len = snprintf(text, cap, "\xEF\xBB\xBF [\n  %s,\n%s ,\n 3, {} ]\n\n",
                       a, b);
    int n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
    assert_int_equal(n, 4);
    assert_string_equal(g[0].key, "A,]\"[");
    assert_string_equal(g[1].key, "B");
    assert_int_equal(g[2].st, DATA_ERROR);
    assert_int_equal(g[2].line, 3);
    assert_string_equal(g[2].msg, "not a JSON object");
    assert_int_equal(g[3].line, 4);
    assert_string_equal(g[3].msg, "id missing or not a string");
    /* The same with the format forced. */
    n = read_all(f, file_with(text, (size_t)len), DATA_JSON_ARRAY, g, 8);
    assert_int_equal(n, 4);
    /* Empty arrays; "[1,]"; an error inside an element; garbage after. */
    assert_int_equal(read_all(f, file_with("[]", 2), DATA_AUTO, g, 8), 0);
    assert_int_equal(read_all(f, file_with(" [ \n ] \n", 8), DATA_AUTO, g, 8),
                     0);
    n = read_all(f, file_with("[{\"id\": \"x\"},]", 14), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].path, "buyer");
    assert_string_equal(g[0].msg, "missing");
    assert_string_equal(g[0].key, "x");
    assert_int_equal(g[1].line, 2);
    assert_string_equal(g[1].msg, "not valid JSON");
    n = read_all(f, file_with("[{\"id\": \"x\"}] x", 15), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_string_equal(g[1].msg, "not valid JSON");
    /* Input ending inside the array. */
    len = snprintf(text, cap, "[%s, %.50s", b, b);
    n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_int_equal(g[0].st, DATA_RECORD);
    assert_string_equal(g[1].msg, "not valid JSON");
    len = snprintf(text, cap, "[%s", b);
    n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_int_equal(g[0].st, DATA_RECORD);
    assert_string_equal(g[1].msg, "not valid JSON: the array is not closed");
    n = read_all(f, file_with("[", 1), DATA_AUTO, g, 8);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].msg, "not valid JSON");
    /* Forced array format on JSON Lines input. */
    n = read_all(f, file_with("{}\n{}\n", 6), DATA_JSON_ARRAY, g, 8);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].msg, "not a JSON array");
    free(text);
    free(a);
    free(b);
}

/* data_sniff on [text], fed whole and then a byte at a time: the split
 * must never change the decision. */
static data_format sniff(const char *text, size_t len)
{
    data_sniffer sn;
    data_sniff_init(&sn);
    data_format whole = data_sniff_feed(&sn, text, len);
    if (whole == DATA_AUTO) {
        whole = data_sniff_end(&sn);
    }
    data_sniff_init(&sn);
    data_format bytes = DATA_AUTO;
    for (size_t i = 0; i < len && bytes == DATA_AUTO; i++) {
        bytes = data_sniff_feed(&sn, text + i, 1);
    }
    if (bytes == DATA_AUTO) {
        bytes = data_sniff_end(&sn);
    }
    assert_int_equal(whole, bytes);
    assert_int_equal(data_sniff_end(&sn), bytes); /* decided stays */
    return whole;
}

#define SNIFF(lit) sniff(lit, sizeof lit - 1)

static void test_data_json_sniff(void **state)
{
    (void)state;
    /* Arrays: pretty-printed, one line, empty, after a BOM and blanks. */
    assert_int_equal(SNIFF("[\n{\"id\": 1}\n]\n"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("[{\"id\": 1}, {\"id\": 2}]"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("[{\"id\": 1}]\n\n  \r\n"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("[]"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("\xEF\xBB\xBF \n\t[ {} ]"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("[{\"a\": \"]\\\"\\n[\"},\n{}]"), DATA_JSON_ARRAY);
    assert_int_equal(SNIFF("[{}, "), DATA_JSON_ARRAY); /* unclosed */
    assert_int_equal(SNIFF("[1] x"), DATA_JSON_ARRAY); /* garbage: its
                                                          own error */
    /* JSON Lines: objects; a first line that is a whole array with more
     * lines after it; nothing at all. */
    assert_int_equal(SNIFF("{\"id\": 1}\n[1]\n"), DATA_JSONL);
    assert_int_equal(SNIFF("[1]\n{\"id\": 1}\n"), DATA_JSONL);
    assert_int_equal(SNIFF("[]\n{}"), DATA_JSONL);
    assert_int_equal(SNIFF("[1,2,3]\r\n\r\n{}\r\n"), DATA_JSONL);
    assert_int_equal(SNIFF("[\"]\"] \n x"), DATA_JSONL);
    assert_int_equal(SNIFF("\n\n{}"), DATA_JSONL);
    assert_int_equal(SNIFF(""), DATA_JSONL);
    assert_int_equal(SNIFF(" \n "), DATA_JSONL);
    assert_int_equal(SNIFF("\xEF\xBB{}"), DATA_JSONL); /* half a BOM */
    assert_int_equal(SNIFF("x[]"), DATA_JSONL);
}

static void test_data_json_reader_first_line_array(void **state)
{
    fixture *f = *state;
    char *a = good_with_id("A"), *b = good_with_id("B");
    size_t cap = 3 * strlen(GOOD) + 512;
    char *text = malloc(cap);
    got g[8];
    /* Each first line is one bad record; no record after it is lost, and
     * line numbers stay those of the file. */
    static const char *firsts[] = {"[1]", "[]", "[1,2,3]", " [ {} ] "};
    for (size_t i = 0; i < sizeof firsts / sizeof *firsts; i++) {
        int len = snprintf(text, cap, "%s\n%s\n\n%s\n", firsts[i], a, b);
        int n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
        assert_int_equal(n, 3);
        assert_int_equal(g[0].st, DATA_ERROR);
        assert_int_equal(g[0].line, 1);
        assert_string_equal(g[1].key, "A");
        assert_string_equal(g[2].key, "B");
    }
    /* An array after blank lines: records are numbered from 1. */
    int len = snprintf(text, cap, "\n\n[{\"id\": \"x\"},\n%s]\n", a);
    int n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 8);
    assert_int_equal(n, 2);
    assert_int_equal(g[0].line, 1);
    assert_string_equal(g[0].key, "x");
    assert_string_equal(g[1].key, "A");
    free(text);
    free(a);
    free(b);
}

/* A first line longer than the reader's block: the bytes held to decide
 * are read again, not lost, whichever way the decision goes. */
static void test_data_json_reader_long_first_line(void **state)
{
    fixture *f = *state;
    size_t pad = 200000; /* three read blocks */
    char *title = malloc(pad + 1);
    memset(title, 'x', pad);
    title[pad] = '\0';
    char *rec = good_with_id("L");
    size_t cap = pad + 2 * strlen(rec) + 64;
    char *text = malloc(cap);
    got g[4];
    /* [ "xxx…" ] then a record: JSON Lines, the array line a bad record */
    int len = snprintf(text, cap, "[\"%s\"]\n%s\n", title, rec);
    int n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 4);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].msg, "not a JSON object");
    assert_string_equal(g[1].key, "L");
    /* [ record, "xxx…" ] alone: an array of two elements */
    len = snprintf(text, cap, "[%s, \"%s\"]", rec, title);
    n = read_all(f, file_with(text, (size_t)len), DATA_AUTO, g, 4);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].key, "L");
    assert_int_equal(g[1].line, 2);
    assert_string_equal(g[1].msg, "not a JSON object");
    free(text);
    free(rec);
    free(title);
}

/* Every allocation the binder and reader make may fail: the result is
 * DATA_ENOMEM (or success), never a crash or a leak. */
static void test_data_json_enomem(void **state)
{
    fixture *f = *state;
    value v;
    data_error e;
    char *s = patched("{\"Q1\": 4, \"Q2\": 3}",
                      "{\"Q1\": \"x\", \"Q2\": 3, \"Q3\": 1, \"Q4\": 1, "
                      "\"Q5\": 1, \"Q6\": 1, \"Q7\": 1, \"Q8\": 1, \"Q9\": 1}");
    int failures = 0;
    for (long n = 1; n < 200; n++) {
        arena_free(&f->a);
        arena_init(&f->a, &f->mem);
        f->mem.fail_at = n;
        data_status st = data_bind_json(f->prog, f->prog->input_record, s,
                                        strlen(s), 1, &f->a, &v, &e);
        f->mem.fail_at = 0;
        if (st == DATA_RECORD) {
            break;
        }
        assert_int_equal(st, DATA_ENOMEM);
        assert_string_equal(e.msg, "out of memory");
        failures++;
    }
    assert_true(failures > 2);
    /* A cap too small for the parser is refused up front. */
    arena_free(&f->a);
    arena_init(&f->a, &f->mem);
    f->mem.cap = f->mem.live + 1000;
    assert_int_equal(data_bind_json(f->prog, f->prog->input_record, s,
                                    strlen(s), 1, &f->a, &v, &e),
                     DATA_ENOMEM);
    f->mem.cap = 0;
    /* The reader. */
    for (long n = 1; n < 100; n++) {
        FILE *fp = file_with(s, strlen(s));
        arena_free(&f->a);
        arena_init(&f->a, &f->mem);
        f->mem.fail_at = n;
        data_reader *r =
            data_reader_new(&f->mem, f->prog, fp, DATA_AUTO, "t");
        data_status st = DATA_ENOMEM;
        if (r) {
            st = data_reader_next(r, &f->a, &v, &e);
        }
        f->mem.fail_at = 0;
        data_reader_free(r);
        fclose(fp);
        if (st == DATA_RECORD) {
            break;
        }
        assert_int_equal(st, DATA_ENOMEM);
        if (r) {
            assert_string_equal(e.msg, "out of memory");
        }
    }
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_data_json_good_tender, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_percent_and_optional,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_bad_input_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_edge_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_record_level, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_field_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_field_errors_more,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_map_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_unique, setup,
                                        teardown),
        cmocka_unit_test(test_data_json_nesting),
        cmocka_unit_test_setup_teardown(test_data_json_reader_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_huge_line,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_io_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_memory_flat,
                                        setup, teardown),
        cmocka_unit_test(test_data_json_sniff),
        cmocka_unit_test_setup_teardown(test_data_json_lone_surrogate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_first_line_array,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_long_first_line,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_json_reader_array, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_json_enomem, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("data_json", tests, NULL, NULL);
}
