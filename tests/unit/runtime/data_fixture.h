/* tests/unit/runtime/data_fixture.h - the award tender schema, built by
 * hand, and helpers shared by test_data_bind.c and test_data_read.c: a
 * fixture holding the program, a memory context and an arena; GOOD, one
 * valid tender; patched() to break it one way; bind() and the expect_
 * checks; field and value assertions.  Include after <cmocka.h>. */
#ifndef TALLY_TESTS_UNIT_DATA_FIXTURE_H
#define TALLY_TESTS_UNIT_DATA_FIXTURE_H

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
    /* amounts as strings: a JSON number for an amount is bad input */
    for (uint16_t i = 0; i < COUNT(tender); i++) {
        p->fields[p->records[p->input_record].first_field + i].flags |=
            BC_FIELD_AMOUNT_TEXT;
    }
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

static rt_status bind(fixture *f, const char *json, value *out,
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
    rt_status st = bind(f, json, &v, &e);
    if (st != RT_EDATA) {
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
    assert_int_equal(bind(f, s, &v, &e), RT_EDATA);
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


#endif
