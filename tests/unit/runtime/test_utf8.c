/* tests/unit/runtime/test_utf8.c - the one UTF-8 checker (runtime/utf8.c).
 *
 * Each case names where the first ill-formed sequence starts, in short
 * texts and in long ones (the checker passes ASCII a word at a time, and
 * looks at the last 8 bytes separately, so positions around 8-byte
 * boundaries matter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define AT(lit) utf8_invalid_at(lit, sizeof lit - 1)

static void test_utf8_well_formed(void **state)
{
    (void)state;
    assert_int_equal(AT(""), 0);
    assert_int_equal(AT("plain ASCII text, longer than a word"), 36);
    assert_int_equal(AT("\xC2\x80"), 2);                 /* U+0080 */
    assert_int_equal(AT("\xDF\xBF"), 2);                 /* U+07FF */
    assert_int_equal(AT("\xE0\xA0\x80"), 3);             /* U+0800 */
    assert_int_equal(AT("\xED\x9F\xBF"), 3);             /* U+D7FF */
    assert_int_equal(AT("\xEE\x80\x80"), 3);             /* U+E000 */
    assert_int_equal(AT("\xF0\x90\x80\x80"), 4);         /* U+10000 */
    assert_int_equal(AT("\xF4\x8F\xBF\xBF"), 4);         /* U+10FFFF */
    assert_int_equal(AT("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80"), 14);
    assert_true(utf8_valid("\xC2\xA3" "1,234", 7));
}

static void test_utf8_ill_formed(void **state)
{
    (void)state;
    assert_int_equal(AT("\x80"), 0);              /* lone continuation */
    assert_int_equal(AT("ab\xC0\xAF"), 2);        /* overlong '/' */
    assert_int_equal(AT("abc\xC1\xBF"), 3);       /* overlong */
    assert_int_equal(AT("\xE0\x9F\xBF"), 0);      /* overlong 3-byte */
    assert_int_equal(AT("x\xED\xA0\x80"), 1);     /* U+D800 surrogate */
    assert_int_equal(AT("x\xED\xBF\xBF"), 1);     /* U+DFFF surrogate */
    assert_int_equal(AT("\xF0\x8F\xBF\xBF"), 0);  /* overlong 4-byte */
    assert_int_equal(AT("ok\xF4\x90\x80\x80"), 2); /* above U+10FFFF */
    assert_int_equal(AT("\xF5\x80\x80\x80"), 0);
    assert_int_equal(AT("\xFF"), 0);
    assert_int_equal(AT("caf\xE9"), 3);           /* Latin-1 */
    assert_int_equal(AT("\xC3"), 0);              /* cut short */
    assert_int_equal(AT("\xE2\x80"), 0);
    assert_int_equal(AT("\xE2\x80x"), 0);         /* bad third byte */
    assert_false(utf8_valid("\xC3", 1));
}

static void test_utf8_word_boundaries(void **state)
{
    (void)state;
    char buf[64];
    /* A bad byte at every position of a 40-byte ASCII text. */
    for (size_t len = 1; len <= 40; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(buf, 'a', len);
            buf[at] = (char)0xFF;
            assert_int_equal(utf8_invalid_at(buf, len), at);
        }
        memset(buf, 'a', len);
        assert_int_equal(utf8_invalid_at(buf, len), len);
    }
    /* A two-byte character ending exactly at the end, after ASCII. */
    memset(buf, 'a', 20);
    memcpy(buf + 18, "\xC3\xA9", 2);
    assert_int_equal(utf8_invalid_at(buf, 20), 20);
    buf[19] = 'a'; /* now cut short at 18 */
    assert_int_equal(utf8_invalid_at(buf, 20), 18);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_well_formed),
        cmocka_unit_test(test_utf8_ill_formed),
        cmocka_unit_test(test_utf8_word_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
