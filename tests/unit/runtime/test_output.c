/* tests/unit/runtime/test_output.c - unit tests for runtime/output.c.
 *
 * Programs describing the award result (and one with every scalar type)
 * are built by hand; results are built as values and written to memory
 * streams, then compared with golden text: JSON Lines and JSON arrays in
 * the reference's layout, omitted none fields, decimal places (and the
 * refusal of a result that would need rounding), CSV with flattened and
 * exploded columns and RFC 4180 quoting, the aligned table, error
 * records, a failing stream, and findings: after a JSON result, one
 * record each, and in the CI formats (JUnit XML, TAP, GitHub
 * annotations) with their escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"

#include "schema.h"

/* ---- a hand-built program -------------------------------------------- */

/* A field for record(), which with schema.h builds the programs here. */
typedef struct fdef {
    const char *json;
    uint16_t type;
    uint8_t flags;
} fdef;

static uint16_t dec_type(bc_program *p, bc_type_kind k, uint8_t places)
{
    uint16_t t = type(p, k, 0);
    p->types[t].places = places;
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
        fd->unique_key = BC_NONE_U16;
        fd->flags = f[i].flags;
    }
    return (uint16_t)p->nrecords++;
}

#define OMIT BC_FIELD_OMIT_NONE

enum { REGIME_ABOVE, REGIME_BELOW };
enum { ST_SCORED, ST_EXCLUDED, ST_FAILED };

/* The award result (SPEC: award-evaluation, Output). */
static bc_program *award_result_program(mem_ctx *mem)
{
    bc_program *p = prog_new(mem);
    static const char *regimes[] = {"above-threshold", "below-threshold"};
    static const char *statuses[] = {"scored", "excluded", "failed"};
    uint16_t e_regime = enumeration(p, "Regime", "", 2, regimes);
    uint16_t e_status = enumeration(p, "Status", "", 3, statuses);
    uint16_t t_text = type(p, BT_TEXT, 0);
    uint16_t t_opt_text = type(p, BT_OPTIONAL, t_text);
    uint16_t t_score = type(p, BT_OPTIONAL, dec_type(p, BT_DEC, 2));
    uint16_t t_rank = type(p, BT_OPTIONAL, type(p, BT_INT, 0));
    fdef bid[] = {{"supplier", t_text, 0},
                  {"sme", type(p, BT_BOOL, 0), 0},
                  {"status", type(p, BT_ENUM, e_status), 0},
                  {"reason", t_opt_text, OMIT},
                  {"price_score", t_score, OMIT},
                  {"quality_score", t_score, OMIT},
                  {"social_value_score", t_score, OMIT},
                  {"total", t_score, OMIT},
                  {"rank", t_rank, OMIT}};
    uint16_t r_bid = record(p, "BidResult", COUNT(bid), bid);
    fdef result[] = {{"tender", t_text, 0},
                     {"regime", type(p, BT_ENUM, e_regime), 0},
                     {"award", t_opt_text, 0},
                     {"bids", type(p, BT_LIST, type(p, BT_RECORD, r_bid)),
                      0}};
    uint16_t r_result = record(p, "Result", COUNT(result), result);
    p->output_type = type(p, BT_RECORD, r_result);
    p->input_name = str(p, "tender");
    return p;
}

/* ---- values ---------------------------------------------------------- */

typedef struct fixture {
    mem_ctx mem;
    bc_program *prog;
    arena a;
    char *text; /* what the stream received */
    size_t len;
    FILE *f;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mem_init(&f->mem);
    f->prog = award_result_program(&f->mem);
    arena_init(&f->a, &f->mem);
    f->f = open_memstream(&f->text, &f->len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->f) {
        fclose(f->f);
    }
    free(f->text);
    arena_free(&f->a);
    bc_program_free(f->prog);
    assert_int_equal(f->mem.live, 0);
    free(f);
    return 0;
}

/* What was written, after flushing the stream. */
static const char *written(fixture *f)
{
    fflush(f->f);
    return f->text;
}

static value txt(const char *s)
{
    return val_text(s, (uint32_t)strlen(s));
}

static value num(arena *a, const char *s)
{
    dec d;
    assert_int_equal(dec_parse(a, s, strlen(s), &d), DEC_OK);
    return val_dec(d);
}

static value enm(uint16_t e, int64_t i)
{
    value v = val_int(i);
    v.kind = VAL_ENUM;
    v.type = e;
    return v;
}

static value rec(arena *a, uint16_t type, int n, const value *fields)
{
    val_record *r = arena_alloc(a, sizeof *r + (size_t)n * sizeof(value));
    r->type = type;
    r->count = (uint16_t)n;
    memcpy(r->fields, fields, (size_t)n * sizeof(value));
    value v = {0};
    v.kind = VAL_RECORD;
    v.type = type;
    v.as.r = r;
    return v;
}

static value list(arena *a, int n, const value *items)
{
    val_list *l = arena_alloc(a, sizeof *l);
    l->count = l->cap = (uint32_t)n;
    l->items = arena_alloc(a, (size_t)(n ? n : 1) * sizeof(value));
    if (n) {
        memcpy(l->items, items, (size_t)n * sizeof(value));
    }
    value v = {0};
    v.kind = VAL_LIST;
    v.as.l = l;
    return v;
}

static value scored_bid(arena *a, const char *sup, bool sme,
                        const char *scores[4], int64_t rank)
{
    value f[9] = {txt(sup),
                  val_bool(sme),
                  enm(1, ST_SCORED),
                  val_none(),
                  num(a, scores[0]),
                  num(a, scores[1]),
                  num(a, scores[2]),
                  num(a, scores[3]),
                  val_int(rank)};
    return rec(a, 0, 9, f);
}

static value other_bid(arena *a, const char *sup, bool sme, int status,
                       const char *reason)
{
    value f[9] = {txt(sup), val_bool(sme), enm(1, status), txt(reason),
                  val_none(), val_none(), val_none(), val_none(),
                  val_none()};
    return rec(a, 0, 9, f);
}

static value result(arena *a, const char *tender, int regime,
                    const char *award, int n, const value *bids)
{
    value f[4] = {txt(tender), enm(0, regime),
                  award ? txt(award) : val_none(), list(a, n, bids)};
    return rec(a, 1, 4, f);
}

/* The spec's example result. */
static value example(arena *a)
{
    const char *s[4] = {"38.21", "41", "7.5", "86.71"};
    value bids[3] = {
        scored_bid(a, "S-00042", true, s, 1),
        other_bid(a, "S-00007", false, ST_EXCLUDED,
                  "mandatory exclusion: fraud"),
        other_bid(a, "S-00013", true, ST_FAILED, "Q2 below minimum")};
    return result(a, "T-000001", REGIME_ABOVE, "S-00042", 3, bids);
}

static const char EXAMPLE_JSON[] =
    "{\"tender\": \"T-000001\", \"regime\": \"above-threshold\", "
    "\"award\": \"S-00042\", \"bids\": ["
    "{\"supplier\": \"S-00042\", \"sme\": true, \"status\": \"scored\", "
    "\"price_score\": \"38.21\", \"quality_score\": \"41.00\", "
    "\"social_value_score\": \"7.50\", \"total\": \"86.71\", \"rank\": 1}, "
    "{\"supplier\": \"S-00007\", \"sme\": false, \"status\": \"excluded\", "
    "\"reason\": \"mandatory exclusion: fraud\"}, "
    "{\"supplier\": \"S-00013\", \"sme\": true, \"status\": \"failed\", "
    "\"reason\": \"Q2 below minimum\"}]}";

static const char EMPTY_JSON[] =
    "{\"tender\": \"T-2\", \"regime\": \"below-threshold\", "
    "\"award\": null, \"bids\": []}";

static bool put(out_writer *w, const value *v)
{
    char err[256];
    bool ok = out_result(w, v, err, sizeof err) == RT_OK;
    if (!ok) {
        print_error("out_result: %s\n", err);
    }
    return ok;
}

/* ---- tests ----------------------------------------------------------- */

static void test_output_jsonl_golden(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSONL);
    assert_non_null(w);
    value v = example(&f->a);
    assert_true(put(w, &v));
    value e = result(&f->a, "T-2", REGIME_BELOW, NULL, 0, NULL);
    assert_true(put(w, &e));
    value key = txt("T-3");
    assert_int_equal(out_error(w, &key, "bids[1].price: must be greater than 0"), RT_OK);
    assert_int_equal(out_error(w, NULL, "line 4: not valid JSON"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    char want[4096];
    snprintf(want, sizeof want,
             "%s\n%s\n"
             "{\"tender\": \"T-3\", \"error\": \"bids[1].price: must be "
             "greater than 0\"}\n"
             "{\"tender\": null, \"error\": \"line 4: not valid JSON\"}\n",
             EXAMPLE_JSON, EMPTY_JSON);
    assert_string_equal(written(f), want);
}

static void test_output_json_array(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSON);
    value v = example(&f->a);
    assert_true(put(w, &v));
    value key = txt("T-\"3\"");
    assert_int_equal(out_error(w, &key, "x"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    char want[4096];
    snprintf(want, sizeof want,
             "[\n%s,\n{\"tender\": \"T-\\\"3\\\"\", \"error\": \"x\"}\n]\n",
             EXAMPLE_JSON);
    assert_string_equal(written(f), want);
}

static void test_output_json_array_empty(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSON);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(written(f), "[]\n");
}

/* A score needing more places than declared is refused whole. */
static void test_output_places_refused(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSON);
    value v = example(&f->a);
    value bad = example(&f->a);
    dec x = dec_from_int(535), y = dec_from_int(14);
    value *price = &bad.as.r->fields[3].as.l->items[0].as.r->fields[4];
    assert_int_equal(dec_div(&f->a, &x, &y, &price->as.d), DEC_OK);
    char err[256];
    assert_int_equal(out_result(w, &bad, err, sizeof err), RT_ERUNTIME);
    assert_int_equal(out_status(w), RT_OK);
    assert_string_equal(err, "bids[0].price_score: 38.21428571428571428571... "
                             "has more than 2 decimal places; round it in "
                             "the policy");
    /* Exact but too long: 38.215. */
    *price = num(&f->a, "38.215");
    assert_int_equal(out_result(w, &bad, err, sizeof err), RT_ERUNTIME);
    assert_string_equal(err, "bids[0].price_score: 38.215 has more than 2 "
                             "decimal places; round it in the policy");
    /* Trailing zeros are fine: 38.2100. */
    *price = num(&f->a, "38.2100");
    assert_true(put(w, &bad));
    assert_true(put(w, &v));
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    char want[4096];
    snprintf(want, sizeof want, "[\n%s,\n%s\n]\n", EXAMPLE_JSON,
             EXAMPLE_JSON);
    assert_string_equal(written(f), want);
}

static void test_output_unbound_value(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSONL);
    value v = example(&f->a);
    val_error e = {"bids[0].scores.Q1", "not an integer"};
    value *total = &v.as.r->fields[3].as.l->items[0].as.r->fields[7];
    total->kind = VAL_ERROR;
    total->as.e = &e;
    char err[256];
    assert_int_equal(out_result(w, &v, err, sizeof err), RT_ERUNTIME);
    assert_string_equal(err, "bids[0].total: not an integer");
    /* A wrong kind is a bug upstream, reported, never a crash. */
    *total = txt("7");
    assert_int_equal(out_result(w, &v, err, sizeof err), RT_ERUNTIME);
    assert_string_equal(err,
                        "bids[0].total: value does not match its declared "
                        "type");
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_true(f->text == NULL || f->text[0] == '\0');
}

/* Every scalar type, percent points, maps, none not omitted. */
static void test_output_every_type(void **state)
{
    fixture *f = *state;
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = prog_new(&mem);
    static const char *colours[] = {"dark-red"};
    uint16_t e_col = enumeration(p, "Colour", "", 1, colours);
    uint16_t t_int = type(p, BT_INT, 0);
    fdef inner[] = {{"n", t_int, 0}};
    uint16_t r_inner = record(p, "Inner", 1, inner);
    fdef all[] = {
        {"b", type(p, BT_BOOL, 0), 0},
        {"i", t_int, 0},
        {"d", type(p, BT_DEC, 0), 0},
        {"m", dec_type(p, BT_MONEY, 2), 0},
        {"p", type(p, BT_PERCENT, 0), 0},
        {"p1", dec_type(p, BT_PERCENT, 1), 0},
        {"day", type(p, BT_DATE, 0), 0},
        {"at", type(p, BT_DATETIME, 0), 0},
        {"dur", type(p, BT_DURATION, 0), 0},
        {"s", type(p, BT_TEXT, 0), 0},
        {"e", type(p, BT_ENUM, e_col), 0},
        {"none", type(p, BT_OPTIONAL, t_int), 0},
        {"gone", type(p, BT_OPTIONAL, t_int), OMIT},
        {"kept", type(p, BT_OPTIONAL, t_int), OMIT},
        {"map", type(p, BT_MAP, t_int), 0},
        {"ints", type(p, BT_LIST, t_int), 0},
        {"inner", type(p, BT_RECORD, r_inner), 0}};
    uint16_t r_all = record(p, "All", COUNT(all), all);
    p->output_type = type(p, BT_RECORD, r_all);
    p->input_name = str(p, "id");

    arena *a = &f->a;
    value day = {0}, at = {0}, dur = {0};
    day.kind = VAL_DATE;
    assert_true(date_parse("2026-03-14", 10, &day.as.i));
    at.kind = VAL_DATETIME;
    assert_true(date_instant_parse("2026-04-02T12:31:59.5+01:00", 27,
                                   &at.as.t));
    dur.kind = VAL_DURATION;
    dur.as.i = 30;
    val_map m = {2, (value[]){txt("Q1"), txt("a\"b")},
                 (value[]){val_int(4), val_int(-3)}};
    value mv = {0};
    mv.kind = VAL_MAP;
    mv.as.m = &m;
    value ints[2] = {val_int(1), val_int(2)};
    value in1[1] = {val_int(9)};
    value fields[] = {val_bool(false), val_int(-42), num(a, "0.125"),
                      num(a, "1234.5"), num(a, "0.35"), num(a, "0.125"),
                      day, at, dur, txt("tab\there \xc3\xa9 \x01"),
                      enm(e_col, 0), val_none(), val_none(), val_int(5), mv,
                      list(a, 2, ints), rec(a, r_inner, 1, in1)};
    value v = rec(a, r_all, COUNT(fields), fields);
    out_writer *w = out_new(&mem, p, f->f, OUT_JSONL);
    assert_true(put(w, &v));
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(
        written(f),
        "{\"b\": false, \"i\": -42, \"d\": \"0.125\", \"m\": \"1234.50\", "
        "\"p\": \"35\", \"p1\": \"12.5\", \"day\": \"2026-03-14\", "
        "\"at\": \"2026-04-02T12:31:59.5+01:00\", \"dur\": 30, "
        "\"s\": \"tab\\there \xc3\xa9 \\u0001\", \"e\": \"dark-red\", "
        "\"none\": null, \"kept\": 5, "
        "\"map\": {\"Q1\": 4, \"a\\\"b\": -3}, \"ints\": [1, 2], "
        "\"inner\": {\"n\": 9}}\n");
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static const char CSV_HEADER[] =
    "tender,regime,award,bids.supplier,bids.sme,bids.status,bids.reason,"
    "bids.price_score,bids.quality_score,bids.social_value_score,"
    "bids.total,bids.rank,error\n";

static void test_output_csv(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_CSV);
    value v = example(&f->a);
    assert_true(put(w, &v));
    value e = result(&f->a, "T-2", REGIME_BELOW, NULL, 0, NULL);
    assert_true(put(w, &e));
    value q = result(&f->a, "T,\"4\"", REGIME_BELOW, NULL, 1,
                     (value[]){other_bid(&f->a, "S\n1", false, ST_FAILED,
                                         "Q1 below minimum")});
    assert_true(put(w, &q));
    value key = txt("T-3");
    assert_int_equal(out_error(w, &key, "weights: do not add up, really"), RT_OK);
    assert_int_equal(out_error(w, NULL, "line 9: not valid JSON"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    char want[4096];
    snprintf(want, sizeof want,
             "%s"
             "T-000001,above-threshold,S-00042,S-00042,true,scored,,38.21,"
             "41.00,7.50,86.71,1,\n"
             "T-000001,above-threshold,S-00042,S-00007,false,excluded,"
             "mandatory exclusion: fraud,,,,,,\n"
             "T-000001,above-threshold,S-00042,S-00013,true,failed,"
             "Q2 below minimum,,,,,,\n"
             "T-2,below-threshold,,,,,,,,,,,\n"
             "\"T,\"\"4\"\"\",below-threshold,,\"S\n1\",false,failed,"
             "Q1 below minimum,,,,,,\n"
             "T-3,,,,,,,,,,,,\"weights: do not add up, really\"\n"
             ",,,,,,,,,,,,line 9: not valid JSON\n",
             CSV_HEADER);
    assert_string_equal(written(f), want);
}

/* A places refusal in a CSV row leaves no partial rows behind. */
static void test_output_csv_refused(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_CSV);
    value bad = example(&f->a);
    value *total = &bad.as.r->fields[3].as.l->items[0].as.r->fields[7];
    *total = num(&f->a, "1.001");
    char err[256];
    assert_int_equal(out_result(w, &bad, err, sizeof err), RT_ERUNTIME);
    assert_string_equal(err, "bids[0].total: 1.001 has more than 2 decimal "
                             "places; round it in the policy");
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(written(f), CSV_HEADER);
}

/* No list of records: one row per result; two lists: JSON cells; no key
 * field in the output: a key column is added first. */
static void test_output_csv_shapes(void **state)
{
    fixture *f = *state;
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = prog_new(&mem);
    uint16_t t_int = type(p, BT_INT, 0);
    fdef pt[] = {{"x", t_int, 0}, {"y", type(p, BT_OPTIONAL, t_int), 0}};
    uint16_t r_pt = record(p, "Pt", 2, pt);
    uint16_t t_pts = type(p, BT_LIST, type(p, BT_RECORD, r_pt));
    fdef out[] = {{"a", type(p, BT_OPTIONAL, type(p, BT_RECORD, r_pt)), 0},
                  {"l1", t_pts, 0},
                  {"l2", t_pts, 0}};
    uint16_t r_out = record(p, "Out", 3, out);
    p->output_type = type(p, BT_RECORD, r_out);
    p->input_name = str(p, "id");
    arena *a = &f->a;
    value pts[2] = {rec(a, r_pt, 2, (value[]){val_int(1), val_none()}),
                    rec(a, r_pt, 2, (value[]){val_int(2), val_int(3)})};
    value v1 = rec(a, r_out, 3,
                   (value[]){pts[1], list(a, 2, pts), list(a, 0, NULL)});
    value v2 = rec(a, r_out, 3,
                   (value[]){val_none(), list(a, 0, NULL), list(a, 1, pts)});
    out_writer *w = out_new(&mem, p, f->f, OUT_CSV);
    assert_true(put(w, &v1));
    assert_true(put(w, &v2));
    value key = txt("k");
    assert_int_equal(out_error(w, &key, "bad"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(written(f),
                        "id,a.x,a.y,l1,l2,error\n"
                        ",2,3,\"[{\"\"x\"\": 1, \"\"y\"\": null}, "
                        "{\"\"x\"\": 2, \"\"y\"\": 3}]\",[],\n"
                        ",,,[],\"[{\"\"x\"\": 1, \"\"y\"\": null}]\",\n"
                        "k,,,,,bad\n");
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_output_table(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_TABLE);
    value v = example(&f->a);
    assert_true(put(w, &v));
    value e = result(&f->a, "T-2\xc3\xa9", REGIME_BELOW, NULL, 0, NULL);
    assert_true(put(w, &e));
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(
        written(f),
        "tender    regime           award    bids.supplier  bids.sme  "
        "bids.status  bids.reason                 bids.price_score  "
        "bids.quality_score  bids.social_value_score  bids.total  "
        "bids.rank\n"
        "--------  ---------------  -------  -------------  --------  "
        "-----------  --------------------------  ----------------  "
        "------------------  -----------------------  ----------  "
        "---------\n"
        "T-000001  above-threshold  S-00042  S-00042        true      "
        "scored                                              38.21  "
        "             41.00                     7.50       86.71  "
        "        1\n"
        "T-000001  above-threshold  S-00042  S-00007        false     "
        "excluded     mandatory exclusion: fraud\n"
        "T-000001  above-threshold  S-00042  S-00013        true      "
        "failed       Q2 below minimum\n"
        "T-2\xc3\xa9      below-threshold\n");
}

static void test_output_table_errors(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_TABLE);
    value e = result(&f->a, "T-2", REGIME_BELOW, NULL, 0, NULL);
    assert_true(put(w, &e));
    value key = txt("T-3");
    assert_int_equal(out_error(w, &key, "weights:\ndo not add up"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    const char *t = written(f);
    assert_non_null(strstr(t, "bids.rank  error\n"));
    assert_non_null(strstr(t, "\nT-3  "));
    assert_non_null(strstr(t, "  weights: do not add up\n"));
}

static void test_output_write_error(void **state)
{
    fixture *f = *state;
    FILE *full = fopen("/dev/full", "w");
    if (!full) {
        skip();
    }
    out_writer *w = out_new(&f->mem, f->prog, full, OUT_JSONL);
    value v = example(&f->a);
    char err[256];
    /* Enough to pass OUT_FLUSH several times. */
    bool ok = true;
    for (int i = 0; i < 1000 && ok; i++) {
        ok = out_result(w, &v, err, sizeof err) == RT_OK;
    }
    assert_false(ok);
    assert_int_equal(out_status(w), RT_EIO);
    assert_int_equal(out_error(w, NULL, "x"), RT_EIO);
    assert_int_equal(out_finish(w), RT_EIO);
    out_free(w);
    fclose(full);
}

/* Every allocation may fail: NULL or false, no crash, no leak. */
static void test_output_enomem(void **state)
{
    fixture *f = *state;
    static const out_format fmts[] = {OUT_JSONL, OUT_JSON, OUT_CSV,
                                      OUT_TABLE};
    value v = example(&f->a);
    for (int k = 0; k < 4; k++) {
        for (long n = 1; n < 60; n++) {
            f->mem.fail_at = n;
            out_writer *w = out_new(&f->mem, f->prog, f->f, fmts[k]);
            char err[128];
            bool ok = w && out_result(w, &v, err, sizeof err) == RT_OK &&
                      out_finish(w) == RT_OK;
            f->mem.fail_at = 0;
            out_free(w);
            if (ok) {
                break;
            }
        }
    }
}

/* ---- findings ------------------------------------------------------- */

/* Gives the fixture's program a finding record and findings_type; the
 * record's index in *[r]. */
static void add_findings(bc_program *p, uint16_t *r)
{
    uint16_t t_text = type(p, BT_TEXT, 0);
    uint16_t t_opt = type(p, BT_OPTIONAL, t_text);
    fdef fd[] = {{"code", t_text, 0}, {"severity", t_text, 0}, {"message", t_text, 0},
                 {"cite", t_opt, OMIT}, {"url", t_opt, OMIT}};
    *r = record(p, "finding", COUNT(fd), fd);
    p->findings_type = type(p, BT_LIST, type(p, BT_RECORD, *r));
}

static value finding(arena *a, uint16_t r, const char *code, const char *sev,
                     const char *msg, const char *cite)
{
    value f[5] = {txt(code), txt(sev), txt(msg), cite ? txt(cite) : val_none(),
                  val_none()};
    return rec(a, r, 5, f);
}

/* Writes the example result with two findings and an error record in
 * format [fmt]; returns what was written. */
static const char *findings_in(fixture *f, out_format fmt)
{
    uint16_t r;
    add_findings(f->prog, &r);
    f->prog->title = str(f->prog, "Checks & <more>");
    out_writer *w = out_new(&f->mem, f->prog, f->f, fmt);
    assert_non_null(w);
    value fs[2] = {finding(&f->a, r, "TP-1", "warning", "short <period> & \"more\"",
                           "s.54"),
                   finding(&f->a, r, "K%,:", "notice", "two\nlines", NULL)};
    value l = list(&f->a, 2, fs);
    value key = txt("T-1");
    value v = example(&f->a);
    out_set_findings(w, &key, &l);
    assert_true(put(w, &v));
    value none = list(&f->a, 0, NULL);
    value key2 = txt("T-2");
    out_set_findings(w, &key2, &none);
    assert_true(put(w, &v));
    value key3 = txt("T#3");
    assert_int_equal(out_error(w, &key3, "days: not an integer"), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    return written(f);
}

static void test_output_findings_json(void **state)
{
    fixture *f = *state;
    uint16_t r;
    add_findings(f->prog, &r);
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_JSONL);
    value fs[1] = {finding(&f->a, r, "TP-1", "warning", "short", "s.54")};
    value l = list(&f->a, 1, fs);
    value key = txt("T-1");
    out_set_findings(w, &key, &l);
    value v = result(&f->a, "T-2", REGIME_BELOW, NULL, 0, NULL);
    assert_true(put(w, &v));
    assert_int_equal(out_findings(w, &key, &l), RT_OK);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(written(f),
        "{\"tender\": \"T-2\", \"regime\": \"below-threshold\", \"award\": null, "
        "\"bids\": [], \"findings\": [{\"code\": \"TP-1\", \"severity\": \"warning\", "
        "\"message\": \"short\", \"cite\": \"s.54\"}]}\n"
        "{\"tender\": \"T-1\", \"code\": \"TP-1\", \"severity\": \"warning\", "
        "\"message\": \"short\", \"cite\": \"s.54\"}\n");
}

static void test_output_junit(void **state)
{
    fixture *f = *state;
    assert_string_equal(findings_in(f, OUT_JUNIT),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"Checks &amp; &lt;more&gt;\" tests=\"3\" failures=\"1\" errors=\"1\">\n"
        "  <testsuite name=\"Checks &amp; &lt;more&gt;\" tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\">\n"
        "    <testcase classname=\"tender\" name=\"T-1\">\n"
        "      <failure type=\"TP-1\" message=\"short &lt;period&gt; &amp; &quot;more&quot; "
        "(and 1 more)\">warning TP-1: short &lt;period&gt; &amp; &quot;more&quot; (cites "
        "s.54)&#10;notice K%,:: two&#10;lines</failure>\n"
        "    </testcase>\n"
        "    <testcase classname=\"tender\" name=\"T-2\"/>\n"
        "    <testcase classname=\"tender\" name=\"T#3\">\n"
        "      <error message=\"days: not an integer\"/>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}

static void test_output_tap(void **state)
{
    fixture *f = *state;
    assert_string_equal(findings_in(f, OUT_TAP),
        "TAP version 13\n"
        "not ok 1 - T-1\n"
        "  ---\n"
        "  findings:\n"
        "    - code: \"TP-1\"\n"
        "      severity: \"warning\"\n"
        "      message: \"short <period> & \\\"more\\\"\"\n"
        "      cite: \"s.54\"\n"
        "    - code: \"K%,:\"\n"
        "      severity: \"notice\"\n"
        "      message: \"two\\nlines\"\n"
        "  ...\n"
        "ok 2 - T-2\n"
        "not ok 3 - T_3\n"
        "  ---\n"
        "  error: \"days: not an integer\"\n"
        "  ...\n"
        "1..3\n");
}

static void test_output_github(void **state)
{
    fixture *f = *state;
    assert_string_equal(findings_in(f, OUT_GITHUB),
        "::warning title=TP-1::T-1: warning TP-1: short <period> & \"more\" (cites s.54)\n"
        "::notice title=K%25%2C%3A::T-1: notice K%25,:: two%0Alines\n"
        "::error title=T#3::T#3: days: not an integer\n");
}

static void test_output_tap_empty(void **state)
{
    fixture *f = *state;
    out_writer *w = out_new(&f->mem, f->prog, f->f, OUT_TAP);
    assert_int_equal(out_finish(w), RT_OK);
    out_free(w);
    assert_string_equal(written(f), "TAP version 13\n1..0\n");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_output_jsonl_golden),
        T(test_output_json_array),
        T(test_output_json_array_empty),
        T(test_output_places_refused),
        T(test_output_unbound_value),
        T(test_output_every_type),
        T(test_output_csv),
        T(test_output_csv_refused),
        T(test_output_csv_shapes),
        T(test_output_table),
        T(test_output_table_errors),
        T(test_output_write_error),
        T(test_output_enomem),
        T(test_output_findings_json),
        T(test_output_junit),
        T(test_output_tap),
        T(test_output_github),
        T(test_output_tap_empty),
    };
#undef T
    return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
