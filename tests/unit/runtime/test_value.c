/* tests/unit/runtime/test_value.c - unit tests for runtime/value.c.
 *
 * val_equal and val_compare on every kind: scalars, texts in code point
 * order, decimals across inline and big forms, records, lists and maps
 * structurally, none against everything, and values of different kinds
 * (unequal, ordered by kind, never a crash).  Values are built by hand in
 * one arena per test, freed at the end so the leak checker sees all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "value.h"

static value num(arena *a, const char *s)
{
    dec d;
    assert_int_equal(dec_parse(a, s, strlen(s), &d), DEC_OK);
    return val_dec(d);
}

static value quot(arena *a, const char *x, const char *y)
{
    value vx = num(a, x), vy = num(a, y);
    dec q;
    assert_int_equal(dec_div(a, &vx.as.d, &vy.as.d, &q), DEC_OK);
    return val_dec(q);
}

static value txt(const char *s)
{
    return val_text(s, (uint32_t)strlen(s));
}

static value kinded(val_kind k, int64_t i)
{
    value v = val_int(i);
    v.kind = (uint8_t)k;
    return v;
}

static value instant(int64_t sec, int32_t nsec)
{
    value v = {0};
    v.kind = VAL_DATETIME;
    v.as.t.sec = sec;
    v.as.t.nsec = nsec;
    return v;
}

static value enm(uint16_t type, int64_t ordinal)
{
    value v = kinded(VAL_ENUM, ordinal);
    v.type = type;
    return v;
}

static value rec(arena *a, uint16_t type, uint16_t n, const value *f)
{
    val_record *r = arena_alloc(a, sizeof *r + n * sizeof(value));
    assert_non_null(r);
    r->type = type;
    r->count = n;
    memcpy(r->fields, f, n * sizeof(value));
    value v = {0};
    v.kind = VAL_RECORD;
    v.type = type;
    v.as.r = r;
    return v;
}

static value list(arena *a, uint32_t n, const value *items)
{
    val_list *l = arena_alloc(a, sizeof *l);
    assert_non_null(l);
    l->count = l->cap = n;
    l->items = arena_alloc(a, (n ? n : 1) * sizeof(value));
    if (n) {
        memcpy(l->items, items, n * sizeof(value));
    }
    value v = {0};
    v.kind = VAL_LIST;
    v.as.l = l;
    return v;
}

static value map(arena *a, uint32_t n, const value *keys, const value *vals)
{
    val_map *m = arena_alloc(a, sizeof *m);
    assert_non_null(m);
    m->count = n;
    m->keys = arena_alloc(a, (n ? n : 1) * sizeof(value));
    m->vals = arena_alloc(a, (n ? n : 1) * sizeof(value));
    if (n) {
        memcpy(m->keys, keys, n * sizeof(value));
        memcpy(m->vals, vals, n * sizeof(value));
    }
    value v = {0};
    v.kind = VAL_MAP;
    v.as.m = m;
    return v;
}

/* x < y in both directions, and unequal. */
static void assert_less(const value *x, const value *y)
{
    assert_int_equal(val_compare(x, y), -1);
    assert_int_equal(val_compare(y, x), 1);
    assert_false(val_equal(x, y));
    assert_false(val_equal(y, x));
}

static void assert_same(const value *x, const value *y)
{
    assert_true(val_equal(x, y));
    assert_true(val_equal(y, x));
    assert_int_equal(val_compare(x, y), 0);
    assert_int_equal(val_compare(y, x), 0);
}

static void test_value_scalars(void **state)
{
    value f = val_bool(false), t = val_bool(true);
    assert_less(&f, &t);
    assert_same(&t, &t);

    value i1 = val_int(-5), i2 = val_int(3), i3 = val_int(INT64_MAX),
          i0 = val_int(INT64_MIN);
    assert_less(&i1, &i2);
    assert_less(&i0, &i3);
    assert_less(&i2, &i3);
    value i2b = val_int(3);
    assert_same(&i2, &i2b);

    value d1 = kinded(VAL_DATE, 20000), d2 = kinded(VAL_DATE, 20001);
    assert_less(&d1, &d2);
    value u1 = kinded(VAL_DURATION, -1), u2 = kinded(VAL_DURATION, 30);
    assert_less(&u1, &u2);

    value t1 = instant(100, 5), t2 = instant(100, 6), t3 = instant(101, 0);
    assert_less(&t1, &t2);
    assert_less(&t2, &t3);
    value t1b = instant(100, 5);
    assert_same(&t1, &t1b);

    value e1 = enm(0, 1), e2 = enm(0, 2), e3 = enm(1, 0);
    assert_less(&e1, &e2);
    assert_less(&e2, &e3); /* by enum type first */
    value e1b = enm(0, 1);
    assert_same(&e1, &e1b);
}

static void test_value_text_code_point_order(void **state)
{
    value a = txt("S-10"), b = txt("S-9");
    assert_less(&a, &b); /* SPEC: award-evaluation rule 10: S-10 < S-9 */
    value p = txt("abc"), q = txt("abcd");
    assert_less(&p, &q); /* a prefix first */
    value e = txt(""), z = txt("z");
    assert_less(&e, &z);
    value e2 = val_text(NULL, 0);
    assert_same(&e, &e2);
    /* U+00E9 (C3 A9) after U+007A; U+FFFD (EF BF BD) after U+00E9;
     * U+1F600 (F0 9F 98 80) after U+FFFD: byte order is code point order. */
    value eacute = txt("\xc3\xa9"), repl = txt("\xef\xbf\xbd"),
          emoji = txt("\xf0\x9f\x98\x80");
    assert_less(&z, &eacute);
    assert_less(&eacute, &repl);
    assert_less(&repl, &emoji);
    /* Bytes above 0x7F compare unsigned. */
    value hi = txt("\xc3"), lo = txt("\x7f");
    assert_less(&lo, &hi);
    /* Equal texts at different addresses. */
    char buf[] = "S-10";
    value c = val_text(buf, 4);
    assert_same(&a, &c);
    /* Embedded NUL bytes count. */
    value n1 = val_text("a\0b", 3), n2 = val_text("a\0c", 3);
    assert_less(&n1, &n2);
}

static void test_value_decimals(void **state)
{
    arena a;
    arena_init(&a, NULL);
    value x = num(&a, "0.3"), y = num(&a, "0.30");
    assert_same(&x, &y);
    value third = quot(&a, "1", "3"), two6 = quot(&a, "2", "6");
    assert_same(&third, &two6);
    value approx = num(&a, "0.3333333333");
    assert_less(&approx, &third);
    value neg = num(&a, "-0.001");
    value zero = num(&a, "0");
    assert_less(&neg, &zero);
    /* Big values (beyond 64 bits) against each other and inline ones. */
    value big1 = num(&a, "123456789012345678901234567890.5");
    value big2 = num(&a, "123456789012345678901234567890.50");
    value big3 = num(&a, "123456789012345678901234567891");
    assert_true(DEC_IS_BIG(big1.as.d));
    assert_same(&big1, &big2);
    assert_less(&big1, &big3);
    assert_less(&x, &big1);
    value bneg = num(&a, "-99999999999999999999999999");
    assert_less(&bneg, &neg);
    arena_free(&a);
}

static void test_value_none_and_mixed_kinds(void **state)
{
    arena a;
    arena_init(&a, NULL);
    value none = val_none(), none2 = val_none();
    assert_same(&none, &none2);
    value f = val_bool(false), zero = val_int(0), dz = num(&a, "0"),
          empty = txt(""), date0 = kinded(VAL_DATE, 0),
          dur0 = kinded(VAL_DURATION, 0);
    const value *all[] = {&none, &f, &zero, &dz, &date0, &dur0, &empty};
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            if (i == j) {
                continue;
            }
            /* Different kinds: unequal, ordered by kind, antisymmetric. */
            assert_false(val_equal(all[i], all[j]));
            int c = val_compare(all[i], all[j]);
            assert_int_equal(c, all[i]->kind < all[j]->kind ? -1 : 1);
            assert_int_equal(val_compare(all[j], all[i]), -c);
        }
    }
    /* An int and a decimal of the same number are different kinds. */
    value one = val_int(1), d1 = num(&a, "1");
    assert_false(val_equal(&one, &d1));
    arena_free(&a);
}

static void test_value_records_lists_maps(void **state)
{
    arena a;
    arena_init(&a, NULL);
    value f1[] = {txt("S-1"), num(&a, "10.5"), val_none()};
    value f2[] = {txt("S-1"), num(&a, "10.50"), val_none()};
    value f3[] = {txt("S-1"), num(&a, "10.6"), val_none()};
    value r1 = rec(&a, 2, 3, f1), r2 = rec(&a, 2, 3, f2),
          r3 = rec(&a, 2, 3, f3), r4 = rec(&a, 3, 3, f1);
    assert_same(&r1, &r2);
    assert_same(&r1, &r1);
    assert_less(&r1, &r3);
    assert_less(&r1, &r4); /* record type first */

    value l1 = list(&a, 3, f1), l2 = list(&a, 3, f2), l3 = list(&a, 2, f1),
          l0 = list(&a, 0, NULL), l0b = list(&a, 0, NULL);
    assert_same(&l1, &l2);
    assert_less(&l3, &l1); /* a prefix first */
    assert_less(&l0, &l3);
    assert_same(&l0, &l0b);
    value nested1[] = {l1, r1}, nested2[] = {l2, r2}, nested3[] = {l2, r3};
    value n1 = list(&a, 2, nested1), n2 = list(&a, 2, nested2),
          n3 = list(&a, 2, nested3);
    assert_same(&n1, &n2);
    assert_less(&n1, &n3);

    value k1[] = {txt("Q1"), txt("Q2")}, v1[] = {val_int(4), val_int(3)};
    value k2[] = {txt("Q2"), txt("Q1")}, v2[] = {val_int(3), val_int(4)};
    value v3[] = {val_int(3), val_int(5)};
    value m1 = map(&a, 2, k1, v1), m2 = map(&a, 2, k2, v2),
          m3 = map(&a, 2, k2, v3), m4 = map(&a, 1, k1, v1);
    assert_same(&m1, &m2); /* key order is not data */
    assert_false(val_equal(&m1, &m3));
    assert_true(val_compare(&m1, &m3) != 0);
    assert_int_equal(val_compare(&m1, &m3), -val_compare(&m3, &m1));
    assert_less(&m4, &m1); /* fewer entries first */
    value k3[] = {txt("Q1"), txt("Q3")};
    value m5 = map(&a, 2, k3, v1);
    assert_false(val_equal(&m1, &m5));
    arena_free(&a);
}

static void test_value_errors(void **state)
{
    val_error e1 = {"bids[0].scores.Q1", "not an integer"};
    val_error e2 = {"bids[0].scores.Q1", "not an integer"};
    val_error e3 = {"bids[0].scores.Q2", "not an integer"};
    value x = {0}, y = {0}, z = {0};
    x.kind = y.kind = z.kind = VAL_ERROR;
    x.as.e = &e1;
    y.as.e = &e2;
    z.as.e = &e3;
    assert_same(&x, &y);
    assert_less(&x, &z);
}

/* Money's currency packed into a decimal ('money in currency'): every
 * code of three capital letters round-trips and none packs to 0; other
 * spellings do not pack; amounts in two currencies are not equal. */
static void test_value_currencies(void **state)
{
    char code[4], back[4];
    unsigned seen = 0;
    for (char x = 'A'; x <= 'Z'; x++) {
        for (char y = 'A'; y <= 'Z'; y++) {
            for (char z = 'A'; z <= 'Z'; z++) {
                code[0] = x, code[1] = y, code[2] = z, code[3] = '\0';
                uint16_t c = val_cur_pack(code, 3);
                assert_int_not_equal(c, VAL_CUR_NONE);
                val_cur_code(c, back);
                assert_string_equal(back, code);
                seen++;
            }
        }
    }
    assert_int_equal(seen, 17576);
    assert_int_equal(val_cur_pack("ZZZ", 3), 17576);
    assert_int_equal(val_cur_pack("eur", 3), VAL_CUR_NONE);
    assert_int_equal(val_cur_pack("EURO", 4), VAL_CUR_NONE);
    assert_int_equal(val_cur_pack("EU", 2), VAL_CUR_NONE);
    assert_int_equal(val_cur_pack("E1R", 3), VAL_CUR_NONE);
    assert_int_equal(val_cur_pack("", 0), VAL_CUR_NONE);
    arena a;
    arena_init(&a, NULL);
    value eur = num(&a, "10"), usd = num(&a, "10.0"), plain = num(&a, "10");
    eur.type = val_cur_pack("EUR", 3);
    usd.type = val_cur_pack("USD", 3);
    assert_false(val_equal(&eur, &usd));
    assert_false(val_equal(&eur, &plain));
    value eur2 = num(&a, "10.00");
    eur2.type = val_cur_pack("EUR", 3);
    assert_true(val_equal(&eur, &eur2));
    arena_free(&a);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_scalars),
        cmocka_unit_test(test_value_text_code_point_order),
        cmocka_unit_test(test_value_decimals),
        cmocka_unit_test(test_value_none_and_mixed_kinds),
        cmocka_unit_test(test_value_records_lists_maps),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_value_currencies),
    };
    return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
