/* tests/native/postcode.c - a small native library for the tests:
 * postcode areas, and functions that misbehave on purpose.
 *
 * Built by the Makefile as $(BUILD)/tests/native/libtally_postcode.so and
 * used by tests/golden/native-* and tests/unit/runtime/test_ffi.c.  It
 * includes tally_native.h only, as a third-party library would.  The
 * manifest lists "vanished", which the library does not define: the
 * missing-symbol test.  No state: every function is a function of its
 * arguments.
 */
#include <stdio.h>
#include <string.h>

#include "tally_native.h"

#define EXPORT __attribute__((visibility("default")))

static const struct {
    const char *outward; /* the postcode up to the space */
    const char *area;
} areas[] = {
    {"NR1", "Norwich"},   {"NR2", "Norwich"}, {"IP1", "Ipswich"},
    {"CB1", "Cambridge"}, {"PE1", "Peterborough"},
};

/* postcode_area(postcode: text): text */
EXPORT int postcode_area(void *ud, const tally_native_value *args,
                         size_t nargs, tally_native_value *result, char *err,
                         size_t errcap)
{
    (void)ud;
    if (nargs != 1 || args[0].type != TALLY_NATIVE_TEXT) {
        snprintf(err, errcap, "called with the wrong arguments");
        return 1;
    }
    const char *p = args[0].p;
    size_t n = 0;
    while (n < args[0].len && p[n] != ' ') {
        n++;
    }
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++) {
        if (strlen(areas[i].outward) == n &&
            memcmp(areas[i].outward, p, n) == 0) {
            /* Written into the buffer Tally lends, to show that way. */
            size_t len = strlen(areas[i].area);
            memcpy(result->buf, areas[i].area, len);
            result->p = result->buf;
            result->len = len;
            return 0;
        }
    }
    snprintf(err, errcap, "unknown postcode '%.*s'", (int)args[0].len, p);
    return 1;
}

/* is_local(postcode: text): bool -- Norfolk's NR postcodes */
EXPORT int is_local(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)nargs, (void)err, (void)errcap;
    result->i = args[0].len >= 2 && memcmp(args[0].p, "NR", 2) == 0;
    return 0;
}

/* echo_decimal(x: decimal): decimal -- the exact text, back */
EXPORT int echo_decimal(void *ud, const tally_native_value *args,
                        size_t nargs, tally_native_value *result, char *err,
                        size_t errcap)
{
    (void)ud, (void)nargs, (void)err, (void)errcap;
    result->p = args[0].p; /* valid until this returns: Tally copies */
    result->len = args[0].len;
    return 0;
}

/* uplift(fee: money, times: integer): money -- fee followed by "0" times
 * digits after a point, exactly: uplift(£12.5, 2) is "12.500" */
EXPORT int uplift(void *ud, const tally_native_value *args, size_t nargs,
                  tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)nargs;
    long long times = args[1].i;
    if (times < 0 || (size_t)times + args[0].len + 2 > result->cap) {
        snprintf(err, errcap, "cannot uplift %lld times", times);
        return 1;
    }
    size_t n = args[0].len;
    memcpy(result->buf, args[0].p, n);
    if (!memchr(args[0].p, '.', n) && times > 0) {
        result->buf[n++] = '.';
    }
    for (long long i = 0; i < times; i++) {
        result->buf[n++] = '0';
    }
    result->p = result->buf;
    result->len = n;
    return 0;
}

/* next_day(d: date): date */
EXPORT int next_day(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)nargs, (void)err, (void)errcap;
    result->i = args[0].i + 1;
    return 0;
}

/* not_utf8(x: text): text -- returns bytes that are not UTF-8 */
EXPORT int not_utf8(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->p = "caf\xe9";
    result->len = 4;
    return 0;
}

/* too_long(x: text): text -- returns 1 MiB and one byte */
EXPORT int too_long(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    static const char big[(1u << 20) + 1];
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->p = big;
    result->len = sizeof big;
    return 0;
}

/* junk_decimal(x: text): decimal -- returns "1e5", not exact text */
EXPORT int junk_decimal(void *ud, const tally_native_value *args,
                        size_t nargs, tally_native_value *result, char *err,
                        size_t errcap)
{
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->p = "1e5";
    result->len = 3;
    return 0;
}

/* bad_bool(x: text): bool -- returns 2 */
EXPORT int bad_bool(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->i = 2;
    return 0;
}

static const tally_native_entry entries[] = {
    {"postcode_area", "t", TALLY_NATIVE_TEXT},
    {"is_local", "t", TALLY_NATIVE_BOOL},
    {"echo_decimal", "d", TALLY_NATIVE_DECIMAL},
    {"uplift", "mi", TALLY_NATIVE_MONEY},
    {"next_day", "D", TALLY_NATIVE_DATE},
    {"not_utf8", "t", TALLY_NATIVE_TEXT},
    {"too_long", "t", TALLY_NATIVE_TEXT},
    {"junk_decimal", "t", TALLY_NATIVE_DECIMAL},
    {"bad_bool", "t", TALLY_NATIVE_BOOL},
    {"vanished", "t", TALLY_NATIVE_TEXT}, /* listed, never defined */
    {NULL, NULL, 0},
};

EXPORT const tally_native_library tally_native_manifest = {TALLY_NATIVE_ABI,
                                                           entries};
