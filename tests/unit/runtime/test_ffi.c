/* tests/unit/runtime/test_ffi.c - native functions (runtime/ffi.c), end to
 * end through the embedding API: functions registered with
 * tally_register_native, and the test library tests/native/postcode.c
 * built as $(BUILD)/tests/native/libtally_postcode.so beside this binary's
 * directory.  The golden tests tests/golden/native-* cover the CLI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tally.h"

/* What a run said: messages and output, NUL-terminated. */
typedef struct said {
    char msgs[4096];
    size_t len;
} said;

static void on_message(void *ud, const char *text)
{
    said *s = ud;
    int n = snprintf(s->msgs + s->len, sizeof s->msgs - s->len, "%s\n", text);
    if (n > 0 && s->len + (size_t)n < sizeof s->msgs) {
        s->len += (size_t)n;
    }
}

static const char policy[] =
    "record Site { id: text, postcode: text, rate: decimal }\n"
    "input site: Site keyed by id\n"
    "extern definition postcode_area(postcode: text): text\n"
    "  from \"libtally_postcode\"\n"
    "record Out { id: text, area: text }\n"
    "output result: Out = Out { id: site.id, area: "
    "postcode_area(site.postcode) }\n";

static const char thirds[] =
    "record Site { id: text, postcode: text, rate: decimal }\n"
    "input site: Site keyed by id\n"
    "extern definition scale(x: decimal): decimal from \"libmaths\"\n"
    "record Out { id: text, v: decimal }\n"
    "output result: Out = Out { id: site.id, v: scale(site.rate / 3) }\n";

static const char input[] =
    "{\"id\": \"S-1\", \"postcode\": \"NR1 3QU\", \"rate\": \"1\"}\n";

/* Compiles [src] with [allow], registers nothing, runs it on [in]; the
 * output goes to [out] (cap bytes), messages to [s]. */
static tally_status run(tally_program *p, const char *in, char *out,
                        size_t cap)
{
    FILE *fin = fmemopen((void *)in, strlen(in), "r");
    FILE *fout = fmemopen(out, cap, "w");
    assert_non_null(fin);
    assert_non_null(fout);
    memset(out, 0, cap);
    tally_run_options o;
    memset(&o, 0, sizeof o);
    o.input_name = "test";
    tally_status st = tally_run(p, &o, fin, fout, NULL);
    fclose(fin);
    fclose(fout);
    return st;
}

static tally_program *compile(const char *src, const char *const *allow,
                              said *s, uint64_t budget)
{
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.message = on_message;
    cfg.message_ud = s;
    cfg.allow_native = allow;
    cfg.budget = budget;
    tally_program *p = NULL;
    assert_int_equal(tally_compile(&cfg, "t.tally", src, strlen(src), &p),
                     TALLY_OK);
    return p;
}

/* A registered postcode_area: every postcode is in "Testshire", except
 * "XX" ones, which fail. */
static int fake_area(void *ud, const tally_native_value *args, size_t nargs,
                     tally_native_value *result, char *err, size_t errcap)
{
    int *calls = ud;
    (*calls)++;
    assert_int_equal(nargs, 1);
    assert_int_equal(args[0].type, TALLY_NATIVE_TEXT);
    if (args[0].len >= 2 && memcmp(args[0].p, "XX", 2) == 0) {
        snprintf(err, errcap, "no such area");
        return 1;
    }
    assert_int_equal(result->type, TALLY_NATIVE_TEXT);
    assert_non_null(result->buf);
    memcpy(result->buf, "Testshire", 9);
    result->p = result->buf;
    result->len = 9;
    return 0;
}

static int bad_text(void *ud, const tally_native_value *args, size_t nargs,
                    tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->p = "\xc3(";
    result->len = 2;
    return 0;
}

static int echo(void *ud, const tally_native_value *args, size_t nargs,
                tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)nargs, (void)err, (void)errcap;
    result->p = args[0].p;
    result->len = args[0].len;
    return 0;
}

static void test_ffi_registered_call(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    int calls = 0;
    assert_int_equal(tally_register_native(p, "libtally_postcode",
                                           "postcode_area", "t", 't',
                                           fake_area, &calls),
                     TALLY_OK);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_OK);
    assert_string_equal(out, "{\"id\": \"S-1\", \"area\": \"Testshire\"}\n");
    assert_int_equal(calls, 1);
    tally_program_free(p);
}

static void test_ffi_registered_failure_is_runtime_error(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    int calls = 0;
    /* NULL library: stands for the declaration whatever its library. */
    assert_int_equal(tally_register_native(p, NULL, "postcode_area", "t",
                                           't', fake_area, &calls),
                     TALLY_OK);
    char out[512];
    const char *in = "{\"id\": \"S-9\", \"postcode\": \"XX1\", \"rate\": \"1\"}\n";
    assert_int_equal(run(p, in, out, sizeof out), TALLY_ERUNTIME);
    assert_non_null(strstr(out, "runtime error: native function "
                                "'postcode_area' failed: no such area "
                                "(t.tally:6:47)"));
    tally_program_free(p);
}

static void test_ffi_registered_signature_mismatch(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    int calls = 0;
    assert_int_equal(tally_register_native(p, NULL, "postcode_area", "i",
                                           't', fake_area, &calls),
                     TALLY_OK);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ENATIVE);
    assert_string_equal(out, "");
    assert_non_null(strstr(s.msgs, "extern definition 'postcode_area' is "
                                   "declared (text): text but the "
                                   "registered function takes (integer): "
                                   "text"));
    assert_int_equal(calls, 0);
    /* A malformed registration is refused at once. */
    assert_int_equal(tally_register_native(p, NULL, "postcode_area", "x",
                                           't', fake_area, &calls),
                     TALLY_ENATIVE);
    assert_int_equal(tally_register_native(p, NULL, "a-b", "t", 't',
                                           fake_area, &calls),
                     TALLY_ENATIVE);
    tally_program_free(p);
}

static void test_ffi_text_not_utf8(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    assert_int_equal(tally_register_native(p, NULL, "postcode_area", "t",
                                           't', bad_text, NULL),
                     TALLY_OK);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ERUNTIME);
    assert_non_null(strstr(out, "returned a text that is not valid UTF-8"));
    tally_program_free(p);
}

static void test_ffi_inexact_decimal_argument(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(thirds, NULL, &s, 0);
    assert_int_equal(tally_register_native(p, "libmaths", "scale", "d", 'd',
                                           echo, NULL),
                     TALLY_OK);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ERUNTIME);
    assert_non_null(strstr(out, "argument 1 of native function 'scale' has "
                                "no exact decimal form: round it first"));
    const char *in = "{\"id\": \"S-2\", \"postcode\": \"\", \"rate\": \"0.3\"}\n";
    assert_int_equal(run(p, in, out, sizeof out), TALLY_OK);
    assert_string_equal(out, "{\"id\": \"S-2\", \"v\": \"0.1\"}\n");
    tally_program_free(p);
}

static void test_ffi_call_charges_budget(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 500);
    int calls = 0;
    assert_int_equal(tally_register_native(p, NULL, "postcode_area", "t",
                                           't', fake_area, &calls),
                     TALLY_OK);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ERUNTIME);
    assert_non_null(strstr(out, "instruction budget of 500 exceeded"));
    assert_int_equal(calls, 0);
    tally_program_free(p);
}

static void test_ffi_not_allowed(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ENATIVE);
    assert_string_equal(out, "");
    assert_non_null(strstr(s.msgs, "t.tally: extern definition "
                                   "'postcode_area': native library "
                                   "'libtally_postcode' is not allowed"));
    tally_program_free(p);
}

/* $(BUILD)/tests/native/NAME, from this binary in $(BUILD)/tests/runtime. */
static void native_path(char *out, size_t cap, const char *name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    assert_non_null(slash);
    *slash = '\0';
    snprintf(out, cap, "%s/../native/%s", self, name);
}

static void test_ffi_library_call(void **state)
{
    char lib[4200];
    native_path(lib, sizeof lib, "libtally_postcode.so");
    const char *allow[] = {lib, NULL};
    said s = {{0}, 0};
    tally_program *p = compile(policy, allow, &s, 0);
    char out[512];
    assert_int_equal(run(p, input, out, sizeof out), TALLY_OK);
    assert_string_equal(out, "{\"id\": \"S-1\", \"area\": \"Norwich\"}\n");
    /* Twice: each run loads and unloads the library. */
    assert_int_equal(run(p, input, out, sizeof out), TALLY_OK);
    tally_program_free(p);
}

static void test_ffi_library_without_manifest(void **state)
{
    char lib[4200];
    native_path(lib, sizeof lib, "libtally_nomanifest.so");
    const char *allow[] = {lib, NULL};
    said s = {{0}, 0};
    tally_program *p = compile(policy, allow, &s, 0);
    char out[512];
    /* Its name is libtally_nomanifest: not the library declared. */
    assert_int_equal(run(p, input, out, sizeof out), TALLY_ENATIVE);
    assert_non_null(strstr(s.msgs, "is not allowed"));
    tally_program_free(p);
}

static void test_ffi_bytecode_needs_allow(void **state)
{
    said s = {{0}, 0};
    tally_program *p = compile(policy, NULL, &s, 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(tally_build(p, &buf, &len), TALLY_OK);
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.message = on_message;
    cfg.message_ud = &s;
    tally_program *q = NULL;
    assert_int_equal(tally_load(&cfg, "t.tbc", buf, len, &q), TALLY_OK);
    char out[512];
    assert_int_equal(run(q, input, out, sizeof out), TALLY_ENATIVE);
    assert_string_equal(out, "");
    tally_program_free(q);
    char lib[4200];
    native_path(lib, sizeof lib, "libtally_postcode.so");
    const char *allow[] = {lib, NULL};
    cfg.allow_native = allow;
    assert_int_equal(tally_load(&cfg, "t.tbc", buf, len, &q), TALLY_OK);
    assert_int_equal(run(q, input, out, sizeof out), TALLY_OK);
    assert_string_equal(out, "{\"id\": \"S-1\", \"area\": \"Norwich\"}\n");
    tally_program_free(q);
    tally_buffer_free(p, buf, len);
    tally_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffi_registered_call),
        cmocka_unit_test(test_ffi_registered_failure_is_runtime_error),
        cmocka_unit_test(test_ffi_registered_signature_mismatch),
        cmocka_unit_test(test_ffi_text_not_utf8),
        cmocka_unit_test(test_ffi_inexact_decimal_argument),
        cmocka_unit_test(test_ffi_call_charges_budget),
        cmocka_unit_test(test_ffi_not_allowed),
        cmocka_unit_test(test_ffi_library_call),
        cmocka_unit_test(test_ffi_library_without_manifest),
        cmocka_unit_test(test_ffi_bytecode_needs_allow),
    };
    return cmocka_run_group_tests_name("ffi", tests, NULL, NULL);
}
