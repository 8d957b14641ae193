/* tests/unit/runtime/test_mem.c - the memory context, arenas and strbuf.
 *
 * mem.c is the one door for memory (STYLE.md §6): these tests pin what
 * the rest of Tally relies on — live-byte accounting, the cap, the
 * failing-allocation test mode, arena alignment, reset and finalizers —
 * and the strbuf appends the result writer makes millions of times a run:
 * the inline fast path, growth, NUL termination, the "failed: append
 * nothing more" rule, integers without printf, and JSON string escaping
 * of every byte.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"

/* ---- the context ------------------------------------------------------- */

static void test_mem_counts_live_and_peak(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    char *a = mem_alloc(&m, 100);
    char *b = mem_alloc(&m, 50);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(m.live, 150);
    b = mem_realloc(&m, b, 50, 500);
    assert_non_null(b);
    assert_int_equal(m.live, 600);
    mem_free(&m, a, 100);
    mem_free(&m, b, 500);
    mem_free(&m, NULL, 0); /* a no-op */
    assert_int_equal(m.live, 0);
    assert_int_equal(m.peak, 600);
}

static void test_mem_cap_refuses_past_it(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    m.cap = 1000;
    char *a = mem_alloc(&m, 800);
    assert_non_null(a);
    assert_null(mem_alloc(&m, 300));
    /* a refused realloc leaves the block as it was */
    a[0] = 'x';
    assert_null(mem_realloc(&m, a, 800, 2000));
    assert_int_equal(a[0], 'x');
    assert_int_equal(m.live, 800);
    mem_free(&m, a, 800);
    assert_int_equal(m.live, 0);
}

static void test_mem_charge_counts_outside_bytes(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    m.cap = 1000;
    char *a = mem_alloc(&m, 600);
    assert_non_null(a);
    /* Bytes held elsewhere (GMP's limbs) count as live, against the cap,
     * and a refusal says it was the cap's. */
    assert_true(mem_charge(&m, 300));
    assert_int_equal(m.live, 900);
    assert_int_equal(m.peak, 900);
    assert_false(m.hit_cap);
    assert_false(mem_charge(&m, 200));
    assert_true(m.hit_cap);
    assert_int_equal(m.live, 900);
    assert_null(mem_alloc(&m, 200));
    mem_uncharge(&m, 300);
    assert_int_equal(m.live, 600);
    /* Injected failures apply too, and are not the cap's. */
    m.hit_cap = false;
    m.fail_at = 1;
    assert_false(mem_charge(&m, 1));
    assert_false(m.hit_cap);
    assert_true(mem_charge(NULL, SIZE_MAX));
    mem_free(&m, a, 600);
    assert_int_equal(m.live, 0);
}

static void test_mem_fails_the_nth_allocation(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    m.fail_at = 3;
    void *a = mem_alloc(&m, 8);
    void *b = mem_alloc(&m, 8);
    void *c = mem_alloc(&m, 8);
    void *d = mem_alloc(&m, 8);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_non_null(d); /* only the third */
    mem_free(&m, a, 8);
    mem_free(&m, b, 8);
    mem_free(&m, d, 8);
    assert_int_equal(m.live, 0);
}

static void test_mem_strndup(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    char *s = mem_strndup(&m, "policy text", 6);
    assert_string_equal(s, "policy");
    mem_free(&m, s, 7);
    assert_int_equal(m.live, 0);
}

/* ---- arenas ------------------------------------------------------------ */

static int finalized;

static void count_final(void *p)
{
    (void)p;
    finalized++;
}

static void test_arena_aligns_resets_and_frees(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    for (size_t size = 1; size < 5000; size += 37) {
        char *p = arena_alloc(&a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, 0xAB, size); /* ASan: every byte handed out is usable */
    }
    unsigned char *z = arena_zalloc(&a, 64);
    assert_non_null(z);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(z[i], 0);
    }
    /* sizes that would wrap when rounded up are refused, not shrunk */
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 8));
    assert_non_null(arena_alloc(&a, 0)); /* a distinct, valid pointer */
    char *s = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    finalized = 0;
    assert_true(arena_defer(&a, count_final, NULL));
    assert_true(arena_defer(&a, count_final, NULL));
    size_t before = m.live;
    arena_reset(&a);
    assert_int_equal(finalized, 2);
    assert_int_equal(a.used, 0);
    assert_true(m.live <= before); /* keeps its first chunk at most */
    assert_non_null(arena_alloc(&a, 10));
    arena_free(&a);
    assert_int_equal(finalized, 2); /* each runs once */
    assert_int_equal(m.live, 0);
}

static void test_arena_out_of_memory_runs_the_finalizer(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    arena a;
    arena_init(&a, &m);
    m.cap = 1; /* nothing more can be allocated */
    assert_null(arena_alloc(&a, 16));
    finalized = 0;
    assert_false(arena_defer(&a, count_final, NULL));
    assert_int_equal(finalized, 1); /* called at once: nothing leaks */
    arena_free(&a);
    assert_int_equal(m.live, 0);
}

/* ---- strbuf ------------------------------------------------------------ */

static void test_sb_appends_grow_and_stay_terminated(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf b;
    sb_init(&b, &m);
    sb_put(&b, NULL, 0); /* nothing, and no memcpy from NULL */
    for (int i = 0; i < 1000; i++) {
        sb_putc(&b, (char)('a' + i % 26));
        assert_int_equal(b.p[b.len], '\0');
    }
    sb_puts(&b, "xyz");
    sb_put(&b, "12345", 2);
    sb_printf(&b, "[%d:%s]", 7, "q");
    assert_int_equal(b.len, 1000 + 3 + 2 + 5);
    assert_memory_equal(b.p, "abcdefghij", 10);
    assert_string_equal(b.p + 1000, "xyz12[7:q]");
    assert_true(b.cap > b.len);
    assert_false(b.failed);
    sb_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    /* a printf result longer than its stack buffer */
    char big[600];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&b, "<%s>", big);
    assert_int_equal(b.len, sizeof big + 1);
    assert_int_equal(b.p[0], '<');
    assert_int_equal(b.p[b.len - 1], '>');
    sb_free(&b);
    assert_int_equal(m.live, 0);
}

static void test_sb_after_a_failure_appends_nothing(void **state)
{
    (void)state;
    mem_ctx m;
    mem_init(&m);
    strbuf b;
    sb_init(&b, &m);
    sb_puts(&b, "kept");
    size_t cap = b.cap;
    m.cap = m.live; /* the next growth fails */
    char big[1024];
    memset(big, 'x', sizeof big);
    sb_put(&b, big, sizeof big);
    assert_true(b.failed);
    /* even appends that would fit are refused now */
    assert_true(cap > b.len + 2);
    sb_putc(&b, '!');
    sb_put(&b, "ab", 2);
    sb_put_i64(&b, 42);
    sb_put_json_string(&b, "q", 1);
    sb_printf(&b, "%d", 1);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.p, "kept");
    /* clearing starts over */
    m.cap = 0;
    sb_clear(&b);
    assert_false(b.failed);
    sb_put(&b, big, sizeof big);
    assert_false(b.failed);
    assert_int_equal(b.len, sizeof big);
    sb_free(&b);
    assert_int_equal(m.live, 0);
}

static void test_sb_put_i64_matches_printf(void **state)
{
    (void)state;
    static const int64_t cases[] = {
        0, 1, -1, 9, 10, -10, 99, 100, 123456789, -987654321,
        INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1,
        1000000000000000000, -1000000000000000000,
    };
    strbuf b;
    sb_init(&b, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "%" PRId64, cases[i]);
        sb_clear(&b);
        sb_put_i64(&b, cases[i]);
        assert_string_equal(b.p, want);
    }
    /* appends after what is there */
    sb_clear(&b);
    sb_puts(&b, "n=");
    sb_put_i64(&b, -5);
    assert_string_equal(b.p, "n=-5");
    sb_free(&b);
}

/* The escape JSON needs for byte [c], or NULL when it stands as itself. */
static const char *json_escape(unsigned char c, char buf[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
    }
    if (c < 0x20) {
        snprintf(buf, 8, "\\u%04x", c);
        return buf;
    }
    return NULL;
}

static void test_sb_json_string_escapes_every_byte(void **state)
{
    (void)state;
    strbuf b;
    sb_init(&b, NULL);
    for (int c = 0; c < 256; c++) {
        /* the byte alone, and inside a run of plain text */
        char in[5] = {'a', 'b', (char)c, 'd', '\0'};
        char esc[8], want[32];
        const char *e = json_escape((unsigned char)c, esc);
        if (e) {
            snprintf(want, sizeof want, "\"ab%sd\"", e);
        } else {
            snprintf(want, sizeof want, "\"ab%cd\"", c);
        }
        sb_clear(&b);
        sb_put_json_string(&b, in, 4);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.p, want, b.len);
    }
    /* nothing to escape; empty; every escape at once */
    sb_clear(&b);
    sb_put_json_string(&b, "plain text", 10);
    assert_string_equal(b.p, "\"plain text\"");
    sb_clear(&b);
    sb_put_json_string(&b, NULL, 0);
    assert_string_equal(b.p, "\"\"");
    sb_clear(&b);
    sb_put_json_string(&b, "\"\\\n\r\t\x01\x1f", 7);
    assert_string_equal(b.p, "\"\\\"\\\\\\n\\r\\t\\u0001\\u001f\"");
    sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_counts_live_and_peak),
        cmocka_unit_test(test_mem_cap_refuses_past_it),
        cmocka_unit_test(test_mem_charge_counts_outside_bytes),
        cmocka_unit_test(test_mem_fails_the_nth_allocation),
        cmocka_unit_test(test_mem_strndup),
        cmocka_unit_test(test_arena_aligns_resets_and_frees),
        cmocka_unit_test(test_arena_out_of_memory_runs_the_finalizer),
        cmocka_unit_test(test_sb_appends_grow_and_stay_terminated),
        cmocka_unit_test(test_sb_after_a_failure_appends_nothing),
        cmocka_unit_test(test_sb_put_i64_matches_printf),
        cmocka_unit_test(test_sb_json_string_escapes_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
