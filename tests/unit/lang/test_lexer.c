/* tests/unit/lang/test_lexer.c - unit tests for lang/lexer.l.
 *
 * Drives the generated scanner (tly_yylex, build/gen/lexer.h) directly on
 * small sources and checks every token's kind, byte span and value: each
 * literal kind (money with its currency and comma-free digits, percent,
 * date, date-time, duration, decimal, integer, text with escapes),
 * keywords against identifiers, comments and operators; then every lexical
 * error with its message, hint and span, and that scanning goes on after
 * one so a single run reports them all.  Each test frees its compilation;
 * the mem_ctx must end with no live bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front.h"
#include "lexer.h"

#include "support.h"

/* ---- scanning a source into a token array ------------------------------ */

#define MAX_TOKS 64

typedef struct tok {
    int kind;
    uint32_t start, end;
    const char *s; /* arena: the token's text value, NULL for punctuation */
    uint32_t len;
    const char *cur;
    int64_t num;
    int working; /* DURATION: its unit (ast_unit) */
} tok;

typedef struct lexed {
    mem_ctx mem;
    tly_comp c;
    tok t[MAX_TOKS];
    int n;
} lexed;

static bool has_value(int kind)
{
    return kind == IDENT || kind == INT || kind == DECIMAL || kind == MONEY ||
           kind == PERCENT || kind == STRING || kind == DATE ||
           kind == DATETIME;
}

/* Frees what a fixture holds; done() and teardown() then free it. */
static void release(void *f)
{
    lexed *x = f;
    tly_comp_free(&x->c);
}

/* Scans [len] bytes of [src] to the end; free the result with done(). */
static lexed *lex_n(const char *src, size_t len)
{
    lexed *x = calloc(1, sizeof *x);
    assert_non_null(x);
    fixture_begin(x, &x->mem, release);
    mem_init(&x->mem);
    tly_comp_init(&x->c, &x->mem, "t.tally", src, len);
    yyscan_t sc;
    assert_int_equal(tly_yylex_init_extra(&x->c, &sc), 0);
    YY_BUFFER_STATE b = tly_yy_scan_bytes(src, (int)len, sc);
    assert_non_null(b);
    TLY_YYSTYPE v;
    TLY_YYLTYPE loc;
    for (;;) {
        memset(&v, 0, sizeof v);
        int k = tly_yylex(&v, &loc, sc);
        if (k == 0) {
            break;
        }
        assert_true(x->n < MAX_TOKS);
        tok *t = &x->t[x->n++];
        t->kind = k;
        t->start = loc.start;
        t->end = loc.end;
        if (has_value(k)) {
            t->s = v.tok.s;
            t->len = v.tok.len;
            t->cur = v.tok.cur;
        }
        if (k == DURATION) {
            t->num = v.tok.num;
            t->working = v.tok.unit;
        }
    }
    tly_yy_delete_buffer(b, sc);
    tly_yylex_destroy(sc);
    return x;
}

static lexed *lex(const char *src)
{
    return lex_n(src, strlen(src));
}

static void assert_tok(const lexed *x, int i, int kind, uint32_t start,
                       uint32_t end)
{
    assert_true(i < x->n);
    assert_int_equal(x->t[i].kind, kind);
    assert_int_equal(x->t[i].start, start);
    assert_int_equal(x->t[i].end, end);
}

static void assert_text(const lexed *x, int i, const char *s)
{
    assert_non_null(x->t[i].s);
    assert_int_equal(x->t[i].len, strlen(s));
    assert_memory_equal(x->t[i].s, s, strlen(s));
}

/* The [i]th diagnostic is an error at [start, end) with message [msg]. */
static void assert_diag(const lexed *x, uint32_t i, uint32_t start,
                        uint32_t end, const char *msg)
{
    assert_true(i < x->c.diags.count);
    const diag *d = &x->c.diags.items[i];
    assert_int_equal(d->sev, DIAG_ERROR);
    assert_string_equal(d->msg, msg);
    assert_int_equal(d->sp.start, start);
    assert_int_equal(d->sp.end, end);
}

/* ---- literals ---------------------------------------------------------- */

static void test_lexer_money_pound_grouped(void **state)
{
    (void)state;
    lexed *x = lex("£5,000,000.00");
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, MONEY, 0, 14); /* '£' is two bytes */
    assert_text(x, 0, "5000000.00");
    assert_string_equal(x->t[0].cur, "GBP");
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_money_pound_plain_and_spaced(void **state)
{
    (void)state;
    lexed *x = lex("£5000.50 £ 12 £0");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, MONEY, 0, 9);
    assert_text(x, 0, "5000.50");
    assert_tok(x, 1, MONEY, 10, 15);
    assert_text(x, 1, "12");
    assert_tok(x, 2, MONEY, 16, 19);
    assert_text(x, 2, "0");
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_money_currency_code(void **state)
{
    (void)state;
    lexed *x = lex("GBP 5000 EUR 12.50 USD 1,234.5");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, MONEY, 0, 8);
    assert_text(x, 0, "5000");
    assert_string_equal(x->t[0].cur, "GBP");
    assert_tok(x, 1, MONEY, 9, 18);
    assert_text(x, 1, "12.50");
    assert_string_equal(x->t[1].cur, "EUR");
    assert_tok(x, 2, MONEY, 19, 30);
    assert_text(x, 2, "1234.5");
    assert_string_equal(x->t[2].cur, "USD");
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_currency_code_alone_is_a_name(void **state)
{
    (void)state;
    lexed *x = lex("GBP GBP5000");
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, IDENT, 0, 3);
    assert_text(x, 0, "GBP");
    assert_tok(x, 1, IDENT, 4, 11);
    assert_text(x, 1, "GBP5000");
    done(x);
}

static void test_lexer_percent(void **state)
{
    (void)state;
    lexed *x = lex("40% 12.5%");
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, PERCENT, 0, 3);
    assert_text(x, 0, "40"); /* the number before '%' */
    assert_tok(x, 1, PERCENT, 4, 9);
    assert_text(x, 1, "12.5");
    done(x);
}

static void test_lexer_date(void **state)
{
    (void)state;
    lexed *x = lex("2026-01-01");
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, DATE, 0, 10);
    assert_text(x, 0, "2026-01-01");
    done(x);
}

static void test_lexer_datetime(void **state)
{
    (void)state;
    lexed *x = lex("2026-04-02T11:32:00Z 2026-04-02T12:32:00.25+01:00");
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, DATETIME, 0, 20);
    assert_text(x, 0, "2026-04-02T11:32:00Z");
    assert_tok(x, 1, DATETIME, 21, 49);
    assert_text(x, 1, "2026-04-02T12:32:00.25+01:00");
    done(x);
}

static void test_lexer_duration(void **state)
{
    (void)state;
    lexed *x = lex("30 days 1 day 8 working days");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, DURATION, 0, 7);
    assert_int_equal(x->t[0].num, 30);
    assert_int_equal(x->t[0].working, 0);
    assert_tok(x, 1, DURATION, 8, 13);
    assert_int_equal(x->t[1].num, 1);
    assert_tok(x, 2, DURATION, 14, 28);
    assert_int_equal(x->t[2].num, 8);
    assert_int_equal(x->t[2].working, 1);
    done(x);
}

/* Units: weeks are days, years months, hours and minutes seconds; the
 * month-end direction is part of the token, unless a name goes on. */
static void test_lexer_duration_units(void **state)
{
    (void)state;
    lexed *x = lex("2 weeks 3 months 1 year or earlier 2 months or later "
                   "2 hours 30 minutes 1 month or later_x");
    assert_int_equal(x->c.diags.count, 0);
    assert_int_equal(x->n, 9);
    static const struct {
        int64_t num;
        int unit;
    } want[] = {
        {14, AST_UNIT_DAYS},          {3, AST_UNIT_MONTHS},
        {12, AST_UNIT_MONTHS_EARLIER}, {2, AST_UNIT_MONTHS_LATER},
        {7200, AST_UNIT_SECONDS},     {1800, AST_UNIT_SECONDS},
        {1, AST_UNIT_MONTHS},
    };
    for (int i = 0; i < 7; i++) {
        assert_int_equal(x->t[i].kind, DURATION);
        assert_int_equal(x->t[i].num, want[i].num);
        assert_int_equal(x->t[i].working, want[i].unit);
    }
    assert_tok(x, 2, DURATION, 17, 34);
    assert_tok(x, 6, DURATION, 72, 79);
    assert_tok(x, 7, OR, 80, 82);
    assert_tok(x, 8, IDENT, 83, 90);
    done(x);
}

static void test_lexer_duration_too_long(void **state)
{
    (void)state;
    lexed *x = lex("1000000000001 days 16666666667 minutes");
    assert_int_equal(x->n, 2);
    assert_diag(x, 0, 0, 18, "duration too long");
    assert_diag(x, 1, 19, 38, "duration too long");
    done(x);
}

static void test_lexer_decimal_and_integer(void **state)
{
    (void)state;
    lexed *x = lex("0.2 42 007");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, DECIMAL, 0, 3);
    assert_text(x, 0, "0.2");
    assert_tok(x, 1, INT, 4, 6);
    assert_text(x, 1, "42");
    assert_tok(x, 2, INT, 7, 10);
    assert_text(x, 2, "007");
    done(x);
}

static void test_lexer_number_then_dot_is_two_tokens(void **state)
{
    (void)state;
    lexed *x = lex("1.x");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, INT, 0, 1);
    assert_tok(x, 1, '.', 1, 2);
    assert_tok(x, 2, IDENT, 2, 3);
    done(x);
}

static void test_lexer_text_escapes(void **state)
{
    (void)state;
    lexed *x = lex("\"a\\n\\t\\\"q\\\"\\\\z\"");
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, STRING, 0, 15);
    assert_text(x, 0, "a\n\t\"q\"\\z");
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_text_keeps_utf8_and_hash(void **state)
{
    (void)state;
    lexed *x = lex("\"£5 # not a comment\" y");
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, STRING, 0, 21);
    assert_text(x, 0, "£5 # not a comment");
    assert_tok(x, 1, IDENT, 22, 23);
    done(x);
}

static void test_lexer_empty_text(void **state)
{
    (void)state;
    lexed *x = lex("\"\"");
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, STRING, 0, 2);
    assert_int_equal(x->t[0].len, 0);
    done(x);
}

/* ---- keywords, names, comments, operators ------------------------------ */

static const struct {
    const char *s;
    int tok;
} every_keyword[] = {
#define TALLY_KW(s, t) {s, t},
#include "kwlist.h"
#undef TALLY_KW
};

static void test_lexer_every_keyword(void **state)
{
    (void)state;
    size_t n = sizeof every_keyword / sizeof every_keyword[0];
    assert_true(n > 40);
    for (size_t i = 0; i < n; i++) {
        lexed *x = lex(every_keyword[i].s);
        assert_int_equal(x->n, 1);
        assert_tok(x, 0, every_keyword[i].tok, 0,
                   (uint32_t)strlen(every_keyword[i].s));
        done(x);
    }
}

static void test_lexer_keyword_list_is_sorted(void **state)
{
    (void)state;
    /* The scanner binary-searches kwlist.h. */
    size_t n = sizeof every_keyword / sizeof every_keyword[0];
    for (size_t i = 1; i < n; i++) {
        assert_true(strcmp(every_keyword[i - 1].s, every_keyword[i].s) < 0);
    }
}

static void test_lexer_keyword_prefixes_are_names(void **state)
{
    (void)state;
    lexed *x = lex("an andx in_force notes _x1 And IF ends");
    const char *names[] = {"an",  "andx", "in_force", "notes",
                           "_x1", "And",  "IF",       "ends"};
    assert_int_equal(x->n, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(x->t[i].kind, IDENT);
        assert_text(x, i, names[i]);
    }
    assert_tok(x, 1, IDENT, 3, 7);
    done(x);
}

static void test_lexer_keywords_and_names_mixed(void **state)
{
    (void)state;
    lexed *x = lex("if bid is some s then s else none");
    int kinds[] = {IF, IDENT, IS, SOME, IDENT, THEN, IDENT, ELSE, NONE};
    assert_int_equal(x->n, 9);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(x->t[i].kind, kinds[i]);
    }
    assert_tok(x, 1, IDENT, 3, 6);
    assert_tok(x, 8, NONE, 29, 33);
    done(x);
}

static void test_lexer_comments_are_skipped(void **state)
{
    (void)state;
    lexed *x = lex("# heading ( \" £\nx # trailing\n  # indented\ny # at end");
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, IDENT, 17, 18);
    assert_tok(x, 1, IDENT, 43, 44);
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_operators(void **state)
{
    (void)state;
    lexed *x = lex("= != <> ≠ <= ≤ >= ≥ < > + - * × / ÷ ( ) [ ] { } , : .");
    int kinds[] = {'=', NE,  NE,  NE,  LE,  LE,  GE,  GE,  '<',
                   '>', '+', '-', '*', '*', '/', '/', '(', ')',
                   '[', ']', '{', '}', ',', ':', '.'};
    int n = (int)(sizeof kinds / sizeof kinds[0]);
    assert_int_equal(x->n, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(x->t[i].kind, kinds[i]);
    }
    assert_tok(x, 3, NE, 8, 11);    /* '≠' is three bytes */
    assert_tok(x, 13, '*', 36, 38); /* '×' is two */
    assert_int_equal(x->c.diags.count, 0);
    done(x);
}

static void test_lexer_spans_are_bytes_after_multibyte(void **state)
{
    (void)state;
    lexed *x = lex("£5 ≥ x");
    assert_int_equal(x->n, 3);
    assert_tok(x, 0, MONEY, 0, 3);
    assert_tok(x, 1, GE, 4, 7);
    assert_tok(x, 2, IDENT, 8, 9);
    done(x);
}

/* ---- lexical errors ---------------------------------------------------- */

static void test_lexer_unterminated_text(void **state)
{
    (void)state;
    lexed *x = lex("\"abc");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 0, 4, "unterminated text");
    assert_non_null(x->c.diags.items[0].hint);
    assert_non_null(strstr(x->c.diags.items[0].hint, "\""));
    /* The scanner still hands the parser a text. */
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, STRING, 0, 4);
    assert_text(x, 0, "abc");
    done(x);
}

static void test_lexer_unterminated_text_stops_at_line_end(void **state)
{
    (void)state;
    lexed *x = lex("x = \"abc\ny");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 4, 8, "unterminated text");
    assert_int_equal(x->n, 4);
    assert_tok(x, 2, STRING, 4, 8);
    assert_tok(x, 3, IDENT, 9, 10);
    done(x);
}

static void test_lexer_bad_escape(void **state)
{
    (void)state;
    lexed *x = lex("\"a\\qb\"");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 2, 4, "unknown escape '\\q' in text");
    const char *hint = x->c.diags.items[0].hint;
    assert_non_null(hint);
    assert_non_null(strstr(hint, "\\n"));
    assert_int_equal(x->n, 1);
    assert_tok(x, 0, STRING, 0, 6);
    done(x);
}

static void test_lexer_grouped_number_without_pound(void **state)
{
    (void)state;
    lexed *x = lex("x > 5,000");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(
        x, 0, 4, 9,
        "a number with thousands separators must be an amount of money");
    assert_non_null(strstr(x->c.diags.items[0].hint, "£"));
    assert_int_equal(x->n, 3);
    assert_tok(x, 2, INT, 4, 9);
    done(x);
}

static void test_lexer_stray_character(void **state)
{
    (void)state;
    lexed *x = lex("a @ b");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 2, 3, "unexpected character '@'");
    assert_int_equal(x->n, 2); /* skipped, scanning goes on */
    assert_tok(x, 0, IDENT, 0, 1);
    assert_tok(x, 1, IDENT, 4, 5);
    done(x);
}

static void test_lexer_stray_multibyte_character(void **state)
{
    (void)state;
    lexed *x = lex("a € b");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 2, 5, "unexpected character '€'");
    assert_int_equal(x->n, 2);
    done(x);
}

static void test_lexer_nul_byte_message_is_whole(void **state)
{
    (void)state;
    lexed *x = lex_n("a \0 b", 5);
    assert_int_equal(x->c.diags.count, 1);
    const diag *d = &x->c.diags.items[0];
    assert_int_equal(d->sp.start, 2);
    assert_int_equal(d->sp.end, 3);
    /* The message must name the byte readably, not stop at it. */
    assert_non_null(strstr(d->msg, "unexpected character"));
    assert_true(strlen(d->msg) > strlen("unexpected character '"));
    assert_int_equal(d->msg[strlen(d->msg) - 1], '\'');
    done(x);
}

static void test_lexer_pound_alone(void **state)
{
    (void)state;
    lexed *x = lex("£ x");
    assert_int_equal(x->c.diags.count, 1);
    assert_diag(x, 0, 0, 2, "'£' must be followed by an amount");
    assert_non_null(strstr(x->c.diags.items[0].hint, "£5,000"));
    assert_int_equal(x->n, 2);
    assert_tok(x, 0, MONEY, 0, 2);
    assert_string_equal(x->t[0].cur, "GBP");
    assert_tok(x, 1, IDENT, 3, 4);
    done(x);
}

static void test_lexer_every_error_is_reported(void **state)
{
    (void)state;
    lexed *x = lex("\"a\\q\" @ 5,000 £\n\"open");
    assert_int_equal(x->c.diags.count, 5);
    assert_diag(x, 0, 2, 4, "unknown escape '\\q' in text");
    assert_diag(x, 1, 6, 7, "unexpected character '@'");
    assert_diag(
        x, 2, 8, 13,
        "a number with thousands separators must be an amount of money");
    assert_diag(x, 3, 14, 16, "'£' must be followed by an amount");
    assert_diag(x, 4, 17, 22, "unterminated text");
    done(x);
}

static void test_lexer_error_column_counts_characters(void **state)
{
    (void)state;
    /* Through the parser, as `tally check` sees it: '@' is the 4th
     * character of line 2 though its 5th byte. */
    const char *src = "record R { a: integer }\n£5 @";
    mem_ctx m;
    mem_init(&m);
    tly_comp c;
    tly_comp_init(&c, &m, "t.tally", src, strlen(src));
    assert_false(tly_parse(&c));
    const diag *d = NULL;
    for (uint32_t i = 0; i < c.diags.count; i++) {
        if (strcmp(c.diags.items[i].msg, "unexpected character '@'") == 0) {
            d = &c.diags.items[i];
        }
    }
    assert_non_null(d);
    uint32_t line, col;
    diag_position(src, strlen(src), d->sp.start, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    tly_comp_free(&c);
    assert_int_equal(m.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_lexer_money_pound_grouped),
        TEST(test_lexer_money_pound_plain_and_spaced),
        TEST(test_lexer_money_currency_code),
        TEST(test_lexer_currency_code_alone_is_a_name),
        TEST(test_lexer_percent),
        TEST(test_lexer_date),
        TEST(test_lexer_datetime),
        TEST(test_lexer_duration),
        TEST(test_lexer_duration_units),
        TEST(test_lexer_duration_too_long),
        TEST(test_lexer_decimal_and_integer),
        TEST(test_lexer_number_then_dot_is_two_tokens),
        TEST(test_lexer_text_escapes),
        TEST(test_lexer_text_keeps_utf8_and_hash),
        TEST(test_lexer_empty_text),
        TEST(test_lexer_every_keyword),
        TEST(test_lexer_keyword_list_is_sorted),
        TEST(test_lexer_keyword_prefixes_are_names),
        TEST(test_lexer_keywords_and_names_mixed),
        TEST(test_lexer_comments_are_skipped),
        TEST(test_lexer_operators),
        TEST(test_lexer_spans_are_bytes_after_multibyte),
        TEST(test_lexer_unterminated_text),
        TEST(test_lexer_unterminated_text_stops_at_line_end),
        TEST(test_lexer_bad_escape),
        TEST(test_lexer_grouped_number_without_pound),
        TEST(test_lexer_stray_character),
        TEST(test_lexer_stray_multibyte_character),
        TEST(test_lexer_nul_byte_message_is_whole),
        TEST(test_lexer_pound_alone),
        TEST(test_lexer_every_error_is_reported),
        TEST(test_lexer_error_column_counts_characters),
    };
    return cmocka_run_group_tests_name("lang/lexer", tests, NULL, NULL);
}
