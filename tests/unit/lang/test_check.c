/* tests/unit/lang/test_check.c - unit tests for the checker
 * (lang/check.c, types.c, resolve.c).
 *
 * Each case is a declaration or two written as a policy author would, put
 * in front of a small, correct policy (a Bid input, an output, an enum, a
 * dated parameter and a one-argument definition), then parsed and checked.
 * The typical mistakes must give exactly one diagnostic, at the right
 * line and column as `tally check` prints it, with the right hint:
 * misspelt fields and names, money against bare numbers, text joined to
 * numbers, argument counts, definitions calling themselves, matches that
 * miss a case, duplicates, unknown types, optional values used as values,
 * missing input or output.  Correct policies (the award example included)
 * must check cleanly, with the types and conversions the compiler relies
 * on.  Each test frees its compilation; no live bytes may remain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "front.h"

#include "support.h"

/* The correct policy every case is put in front of.  Its first line is
 * blank so the case under test owns line 1 whatever it ends with. */
static const char base_src[] = "\n"
                               "record Bid {\n"
                               "  id: text\n"
                               "  price: money\n"
                               "  score: integer\n"
                               "  weight: decimal\n"
                               "  name: optional text\n"
                               "  extra: optional integer\n"
                               "  published: date\n"
                               "  tags: list of text\n"
                               "}\n"
                               "input bid: Bid keyed by id\n"
                               "record Out { v: bool }\n"
                               "output result: Out = Out { v: true }\n"
                               "enum Colour { red, green, blue }\n"
                               "parameter rate: decimal from 2025-01-01 = 0.1\n"
                               "definition f(x: integer): integer = x\n";

/* Parses and checks [src]; free the result with done(). */
static checked *check_text(const char *src)
{
    return check_parts(src, "");
}

/* Checks [snippet] followed by the base policy. */
static checked *check_case(const char *snippet)
{
    size_t n = strlen(snippet) + sizeof base_src;
    char *src = malloc(n);
    assert_non_null(src);
    snprintf(src, n, "%s%s", snippet, base_src);
    checked *k = check_text(src);
    free(src);
    return k;
}

/* The first line of diagnostic [i] as `tally check` prints it. */
static const char *line_of(checked *k, uint32_t i)
{
    return diag_first_line(&k->c, i, &k->out);
}

static void print_diags(checked *k)
{
    for (uint32_t i = 0; i < k->c.diags.count; i++) {
        print_error("  %s | hint: %s\n", line_of(k, i),
                    k->c.diags.items[i].hint ? k->c.diags.items[i].hint : "-");
    }
}

/* Exactly one error, printed as [want], with hint [hint] (NULL: none). */
static void assert_one_error(checked *k, const char *want, const char *hint)
{
    assert_false(k->ok);
    if (k->c.diags.count != 1) {
        print_diags(k);
    }
    assert_int_equal(k->c.diags.count, 1);
    assert_int_equal(k->c.diags.items[0].sev, DIAG_ERROR);
    assert_string_equal(line_of(k, 0), want);
    if (hint) {
        assert_non_null(k->c.diags.items[0].hint);
        assert_string_equal(k->c.diags.items[0].hint, hint);
    } else {
        assert_null(k->c.diags.items[0].hint);
    }
}

/* Exactly one error, printed as [want], whose hint contains [part]. */
static void assert_one_error_hinting(checked *k, const char *want,
                                     const char *part)
{
    assert_false(k->ok);
    if (k->c.diags.count != 1) {
        print_diags(k);
    }
    assert_int_equal(k->c.diags.count, 1);
    assert_string_equal(line_of(k, 0), want);
    const char *h = k->c.diags.items[0].hint;
    if (!h || !strstr(h, part)) {
        print_error("hint '%s' does not mention '%s'\n", h ? h : "(none)",
                    part);
    }
    assert_non_null(h);
    assert_non_null(strstr(h, part));
}

/* Diagnostics other than lang/lint.c's warnings (unused declarations,
 * shadowed names, ...: codes W1xx to W5xx), which the fragments checked
 * here, never whole policies, give by the way. */
static uint32_t not_lint(const checked *k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < k->c.diags.count; i++) {
        const diag *d = &k->c.diags.items[i];
        const char *code = d->sev == DIAG_WARNING ? strstr(d->msg, " [W") : NULL;
        if (!code || code[3] < '1' || code[3] > '5') {
            n++;
        }
    }
    return n;
}

static void assert_clean(checked *k)
{
    if (!k->ok || not_lint(k) != 0) {
        print_diags(k);
    }
    assert_true(k->ok);
    assert_int_equal(not_lint(k), 0);
}

/* ---- names and fields -------------------------------------------------- */

static void test_check_misspelt_field(void **state)
{
    (void)state;
    checked *k = check_case("definition t: bool = bid.prise > £1");
    assert_one_error(k, "t.tally:1:26: error: Bid has no field 'prise'",
                     "did you mean 'price'?");
    done(k);
}

static void test_check_misspelt_field_in_record_literal(void **state)
{
    (void)state;
    checked *k = check_case("definition t: Out = Out { w: true }");
    /* One mistake, one message: not also "needs a value for field 'v'". */
    assert_one_error(k, "t.tally:1:27: error: Out has no field 'w'",
                     "did you mean 'v'?");
    done(k);
}

static void test_check_unknown_name_with_suggestion(void **state)
{
    (void)state;
    checked *k = check_case("definition t: bool = bidd.price > £1");
    assert_one_error(k, "t.tally:1:22: error: unknown name 'bidd'",
                     "did you mean 'bid'?");
    done(k);
}

static void test_check_unknown_name_without_suggestion(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = zzzqqq");
    assert_one_error(k, "t.tally:1:25: error: unknown name 'zzzqqq'", NULL);
    done(k);
}

static void test_check_unknown_enum_member(void **state)
{
    (void)state;
    checked *k = check_case("definition t: Colour = blu");
    assert_one_error(k, "t.tally:1:24: error: unknown name 'blu'",
                     "did you mean 'blue'?");
    done(k);
}

static void test_check_one_error_per_root_cause(void **state)
{
    (void)state;
    /* The unknown name makes the whole expression unknown: no cascade of
     * "cannot use *" and "cannot order" after it. */
    checked *k = check_case("definition t: bool = (zz + 1) * 2 > 3");
    assert_one_error(k, "t.tally:1:23: error: unknown name 'zz'", NULL);
    done(k);
}

/* ---- money, numbers and text ------------------------------------------- */

static void test_check_money_compared_with_bare_number(void **state)
{
    (void)state;
    checked *k = check_case("definition t: bool = bid.price > 5");
    assert_one_error(
        k, "t.tally:1:34: error: cannot compare money and a plain number",
        "write the amount with its currency: £5");
    done(k);
}

static void test_check_bare_number_compared_with_money(void **state)
{
    (void)state;
    checked *k = check_case("definition t: bool = 5.5 < bid.price");
    assert_one_error_hinting(
        k, "t.tally:1:22: error: cannot compare money and a plain number",
        "£5.5");
    done(k);
}

static void test_check_money_plus_integer_literal(void **state)
{
    (void)state;
    checked *k = check_case("definition t: money = bid.price + 1");
    assert_one_error(k,
                     "t.tally:1:35: error: cannot add money and a plain number",
                     "write the amount with its currency: £1");
    done(k);
}

static void test_check_money_plus_integer_field(void **state)
{
    (void)state;
    checked *k = check_case("definition t: money = bid.price + bid.score");
    assert_one_error_hinting(
        k, "t.tally:1:35: error: cannot add money and a plain number", "£");
    /* The hint must not paste '£' in front of a name: "£bid.score" is
     * not something an author can write. */
    assert_null(strstr(k->c.diags.items[0].hint, "£bid"));
    done(k);
}

static void test_check_money_in_two_currencies(void **state)
{
    (void)state;
    checked *k = check_case("definition t: money = bid.price + EUR 5");
    assert_one_error(
        k, "t.tally:1:23: error: cannot use + on money and money in EUR",
        "convert one amount to the other currency first");
    done(k);
}

static void test_check_money_times_money(void **state)
{
    (void)state;
    checked *k = check_case("definition t: money = bid.price * bid.price");
    assert_one_error(
        k, "t.tally:1:23: error: cannot use * on money and money",
        "multiply money by a number or a percentage, not by money");
    done(k);
}

static void test_check_text_plus_number(void **state)
{
    (void)state;
    checked *k = check_case("definition t: text = \"score: \" + bid.score");
    assert_one_error_hinting(
        k, "t.tally:1:22: error: cannot join text and integer", "text(x)");
    done(k);
}

/* ---- calls and recursion ----------------------------------------------- */

static void test_check_wrong_argument_count(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = f(1, 2)");
    assert_one_error(k, "t.tally:1:25: error: 'f' takes 1 argument, not 2",
                     NULL);
    done(k);
}

static void test_check_definition_used_without_arguments(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = f");
    assert_one_error(k, "t.tally:1:25: error: 'f' needs 1 argument", NULL);
    done(k);
}

static void test_check_wrong_argument_type(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = f(\"one\")");
    assert_one_error(
        k,
        "t.tally:1:27: error: argument 1 of f (x) should be integer, not text",
        NULL);
    done(k);
}

static void test_check_unknown_definition(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = g(1)");
    assert_one_error(k, "t.tally:1:25: error: unknown definition 'g'",
                     "did you mean 'f'?");
    done(k);
}

static void test_check_definition_calls_itself(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = t + 1");
    assert_one_error_hinting(
        k,
        "t.tally:1:12: error: 't' calls itself, directly or through other "
        "definitions",
        "must always finish");
    done(k);
}

static void test_check_definition_with_argument_calls_itself(void **state)
{
    (void)state;
    checked *k = check_case("definition g(n: integer): integer =\n"
                            "  if n = 0 then 0 else g(n - 1)");
    assert_one_error_hinting(
        k,
        "t.tally:1:12: error: 'g' calls itself, directly or through other "
        "definitions",
        "must always finish");
    done(k);
}

static void test_check_definitions_call_each_other(void **state)
{
    (void)state;
    checked *k = check_case("definition g: integer = h + 1\n"
                            "definition h: integer = g\n");
    /* One cycle, one message. */
    assert_one_error_hinting(
        k,
        "t.tally:1:12: error: 'g' calls itself, directly or through other "
        "definitions",
        "must always finish");
    done(k);
}

static void test_check_cycle_through_dated_parameter(void **state)
{
    (void)state;
    /* d needs p on a date, and p's row needs d: the policy would never
     * finish, so the checker must refuse it as it refuses d = d + 1. */
    checked *k =
        check_case("parameter p: integer\n"
                   "  from 2025-01-01 = d + 1\n"
                   "definition d: integer = (p on 2026-01-01) otherwise 0\n");
    assert_false(k->ok);
    if (k->c.diags.count != 1) {
        print_diags(k);
    }
    assert_int_equal(k->c.diags.count, 1);
    assert_non_null(
        strstr(k->c.diags.items[0].msg,
               "calls itself, directly or through other definitions"));
    done(k);
}

/* Named without 'on', a dated parameter is read on the evaluation date
 * (compile.c); 'on' picks a day, and only for something dated without
 * parameters. */
static void test_check_dated_parameter_without_date(void **state)
{
    (void)state;
    checked *k = check_case("definition t: decimal = rate\n"
                            "definition u: optional decimal = t on 2026-01-01");
    assert_one_error(k,
                     "t.tally:2:34: error: 't' is not a parameter or "
                     "definition with dated values and no parameters",
                     "declare it with rows 'from DATE = value'");
    done(k);
}

/* ---- match, conditions, branches --------------------------------------- */

static void test_check_match_misses_enum_member(void **state)
{
    (void)state;
    checked *k = check_case("definition t(c: Colour): integer =\n"
                            "  match c when red then 1 when green then 2 end");
    assert_one_error(k, "t.tally:2:3: error: match does not cover 'blue'",
                     "add the missing case or an 'else'");
    done(k);
}

static void test_check_match_misses_some(void **state)
{
    (void)state;
    checked *k = check_case(
        "definition t: integer = match bid.extra when none then 0 end");
    assert_one_error(k, "t.tally:1:25: error: match does not cover 'some'",
                     "add the missing case or an 'else'");
    done(k);
}

static void test_check_match_member_twice(void **state)
{
    (void)state;
    checked *k = check_case("definition t(c: Colour): integer =\n"
                            "  match c when red, red then 1 else 2 end");
    assert_one_error(k, "t.tally:2:21: error: 'red' is matched twice", NULL);
    done(k);
}

static void test_check_condition_must_be_bool(void **state)
{
    (void)state;
    checked *k =
        check_case("definition t: integer = if bid.score then 1 else 2");
    assert_one_error(
        k, "t.tally:1:28: error: a condition should be bool, not integer",
        NULL);
    done(k);
}

static void test_check_branches_must_agree(void **state)
{
    (void)state;
    checked *k =
        check_case("definition t: integer = if true then 1 else \"a\"");
    assert_one_error(k,
                     "t.tally:1:45: error: if: one branch is integer and the "
                     "other text",
                     NULL);
    done(k);
}

static void test_check_sort_needs_a_key(void **state)
{
    (void)state;
    checked *k =
        check_case("definition t: list of integer = sort(x for x in [1, 2])");
    assert_one_error_hinting(
        k, "t.tally:1:33: error: sort needs at least one key after 'by'",
        "by key descending");
    done(k);
}

static void test_check_unknown_rounding_mode(void **state)
{
    (void)state;
    checked *k = check_case(
        "definition t: decimal = round(bid.weight, 2, half sideways)");
    assert_one_error_hinting(
        k, "t.tally:1:46: error: unknown rounding mode 'half sideways'",
        "half even");
    done(k);
}

/* ---- declarations ------------------------------------------------------ */

static void test_check_duplicate_declaration(void **state)
{
    (void)state;
    checked *k = check_case("definition c: integer = 1\n"
                            "definition c: text = \"x\"\n");
    assert_one_error(k, "t.tally:2:12: error: 'c' is declared twice",
                     "the first is on line 1");
    done(k);
}

static void test_check_duplicate_field(void **state)
{
    (void)state;
    checked *k = check_case("record Two { x: integer, x: text }");
    assert_one_error(k, "t.tally:1:26: error: field 'x' is declared twice",
                     NULL);
    done(k);
}

static void test_check_duplicate_enum_member(void **state)
{
    (void)state;
    checked *k = check_case("enum E { a, b, a }");
    assert_one_error(k, "t.tally:1:16: error: 'a' is listed twice", NULL);
    done(k);
}

static void test_check_unknown_type_with_suggestion(void **state)
{
    (void)state;
    checked *k = check_case("definition c: Colur = red");
    assert_one_error(k, "t.tally:1:15: error: unknown type 'Colur'",
                     "did you mean 'Colour'?");
    done(k);
}

static void test_check_unknown_builtin_type_with_suggestion(void **state)
{
    (void)state;
    checked *k = check_case("record Two { n: integr }");
    assert_one_error(k, "t.tally:1:17: error: unknown type 'integr'",
                     "did you mean 'integer'?");
    done(k);
}

static void test_check_missing_input(void **state)
{
    (void)state;
    checked *k = check_text("record R { id: text }\n"
                            "record Out { v: bool }\n"
                            "output result: Out = Out { v: true }");
    assert_one_error_hinting(
        k, "t.tally:3:37: error: the policy has no input declaration",
        "input tender: Tender keyed by id");
    done(k);
}

static void test_check_missing_output(void **state)
{
    (void)state;
    checked *k = check_text("record R { id: text }\n"
                            "input r: R keyed by id");
    assert_one_error_hinting(
        k, "t.tally:2:23: error: the policy has no output declaration",
        "output result: Result");
    done(k);
}

static void test_check_input_key_must_exist(void **state)
{
    (void)state;
    checked *k = check_text("record R { id: text }\n"
                            "input r: R keyed by code\n"
                            "record Out { v: bool }\n"
                            "output result: Out = Out { v: true }\n");
    assert_one_error(k,
                     "t.tally:2:1: error: R has no field 'code' to key "
                     "records by",
                     NULL);
    done(k);
}

/* ---- optional values --------------------------------------------------- */

static const char *const optional_hint_word = "otherwise";

static void test_check_optional_used_as_value(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = bid.extra");
    assert_one_error_hinting(
        k,
        "t.tally:1:25: error: the definition's value should be integer, not "
        "optional integer",
        optional_hint_word);
    done(k);
}

static void test_check_optional_text_used_as_text(void **state)
{
    (void)state;
    checked *k = check_case("definition t: text = bid.name");
    /* text(x) cannot help here (it refuses optional values): the hint
     * must say how to deal with none. */
    assert_one_error_hinting(
        k,
        "t.tally:1:22: error: the definition's value should be text, not "
        "optional text",
        optional_hint_word);
    done(k);
}

static void test_check_optional_in_arithmetic(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = bid.extra + 1");
    assert_one_error_hinting(
        k, "t.tally:1:25: error: cannot use + on optional integer and integer",
        optional_hint_word);
    done(k);
}

static void test_check_optional_ordered(void **state)
{
    (void)state;
    checked *k = check_case("definition t: bool = bid.extra > 2");
    assert_one_error_hinting(
        k, "t.tally:1:22: error: cannot order optional integer against integer",
        optional_hint_word);
    done(k);
}

static void test_check_otherwise_needs_optional(void **state)
{
    (void)state;
    checked *k = check_case("definition t: integer = bid.score otherwise 0");
    assert_one_error(k,
                     "t.tally:1:25: error: 'otherwise' needs a value that may "
                     "be none, and this is integer",
                     NULL);
    done(k);
}

/* ---- enum members shared by two enums ---------------------------------- */

static const char two_enums_src[] = "\n"
                                    "record In { id: text, b: B }\n"
                                    "input x: In keyed by id\n"
                                    "record Out { v: bool }\n"
                                    "output r: Out = Out { v: true }\n"
                                    "enum A { p, q }\n"
                                    "enum B { q, r }\n";

static checked *check_with_two_enums(const char *snippet)
{
    size_t n = strlen(snippet) + sizeof two_enums_src;
    char *src = malloc(n);
    assert_non_null(src);
    snprintf(src, n, "%s%s", snippet, two_enums_src);
    checked *k = check_text(src);
    free(src);
    return k;
}

static void test_check_shared_member_resolved_by_other_side(void **state)
{
    (void)state;
    checked *k = check_with_two_enums("definition t: bool = x.b = q");
    assert_clean(k);
    done(k);
}

static void test_check_shared_member_on_the_left(void **state)
{
    (void)state;
    /* = is symmetric: the member may be written first. */
    checked *k = check_with_two_enums("definition t: bool = q = x.b");
    assert_clean(k);
    done(k);
}

static void test_check_shared_member_in_list_after_is_in(void **state)
{
    (void)state;
    checked *k = check_with_two_enums("definition t: bool = x.b is in [q, r]");
    assert_clean(k);
    done(k);
}

static void test_check_shared_member_without_context(void **state)
{
    (void)state;
    checked *k = check_with_two_enums("definition t: text = text(q)");
    assert_one_error(
        k, "t.tally:1:27: error: 'q' is a member of more than one enum",
        "write EnumName.member");
    done(k);
}

/* ---- correct policies -------------------------------------------------- */

static void test_check_base_policy_is_clean(void **state)
{
    (void)state;
    checked *k = check_case("");
    assert_clean(k);
    done(k);
}

static void test_check_correct_definitions(void **state)
{
    (void)state;
    checked *k = check_case(
        "definition a: decimal = bid.score + 0.5\n"
        "definition b: decimal = bid.score / 2\n"
        "definition c: money = bid.price * 40% + £1,000\n"
        "definition d: integer = bid.extra otherwise 0\n"
        "definition e: text = if bid.name is some n then n else \"-\"\n"
        "definition g: Colour = if bid.score > 3 then red else blue\n"
        "definition h: optional Colour = if a > 1 then green else none\n"
        "definition i: bool = green is in [red, green]\n"
        "definition j: integer = count(t for t in bid.tags where t != \"\")\n"
        "definition k: list of text = sort(t for t in bid.tags by t "
        "descending)\n"
        "definition l: optional decimal = rate on bid.published\n"
        "definition m: date = bid.published + 30 days\n"
        "definition n: text = \"score \" + text(bid.score)\n"
        "definition o: decimal = round(bid.weight, 2, half even)\n"
        "definition p: integer = match g when red, green then 1 else 2 end\n"
        "definition q: integer = let s = bid.score in s * s\n"
        "definition r: list of integer = [i for t at i in bid.tags]\n"
        "definition s: integer = f(bid.score)\n");
    assert_clean(k);
    done(k);
}

static void test_check_rule_and_verdict(void **state)
{
    (void)state;
    checked *k = check_case(
        "rule grade(s: integer): Colour =\n"
        "  when s > 10 then red because \"big: \" + text(s)\n"
        "  when bid.extra is some e then green because \"extra \" + text(e)\n"
        "  else blue\n"
        "definition g: Colour = grade(bid.score).outcome\n"
        "definition w: optional text = grade(1).reason\n");
    assert_clean(k);
    done(k);
}

static void test_check_record_checks(void **state)
{
    (void)state;
    checked *k =
        check_text("record R {\n"
                   "  id: text\n"
                   "  n: integer where n >= 0 else \"must not be negative\"\n"
                   "  m: integer\n"
                   "  check n < m at m else \"n must be below m\"\n"
                   "}\n"
                   "input r: R keyed by id\n"
                   "record Out { v: integer }\n"
                   "output result: Out = Out { v: r.n }\n");
    assert_clean(k);
    done(k);
}

static void test_check_award_example(void **state)
{
    (void)state;
    FILE *f = fopen("examples/award/award.tally", "rb");
    if (!f) {
        skip(); /* run from elsewhere than the repository root */
    }
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof buf - 1);
    buf[n] = '\0';
    /* Its layers (consortium.tally, northfield.tally) are beside it. */
    checked *k = check_parts_in(buf, "", "examples/award");
    assert_clean(k);
    done(k);
}

/* ---- what the checker records for the compiler -------------------------- */

static ast_node *def_body(checked *k, const char *name)
{
    for (uint32_t i = 0; i < k->c.root->list.count; i++) {
        ast_node *d = k->c.root->list.items[i];
        if (d->kind == AST_DEF && strcmp(d->name, name) == 0) {
            return d->b;
        }
    }
    fail_msg("no definition '%s'", name);
    return NULL;
}

static void test_check_types_and_conversions(void **state)
{
    (void)state;
    checked *k = check_case("definition a: decimal = bid.score + 0.5\n"
                            "definition b: integer = bid.score + 1\n"
                            "definition c: decimal = 7 / 2\n"
                            "definition d: money = bid.price * 2\n");
    assert_clean(k);
    ast_node *a = def_body(k, "a");
    assert_int_equal(a->ty->kind, TY_DEC);
    assert_true(a->a->conv & AUX_TO_DEC); /* the integer side widens */
    assert_false(a->b->conv & AUX_TO_DEC);
    ast_node *b = def_body(k, "b");
    assert_int_equal(b->ty->kind, TY_INT);
    assert_false(b->a->conv & AUX_TO_DEC);
    ast_node *c = def_body(k, "c");
    assert_int_equal(c->ty->kind, TY_DEC); /* integer division is exact */
    assert_true(c->a->conv & AUX_TO_DEC);
    assert_true(c->b->conv & AUX_TO_DEC);
    ast_node *d = def_body(k, "d");
    assert_int_equal(d->ty->kind, TY_MONEY);
    assert_string_equal(d->ty->currency, "GBP");
    done(k);
}

static void test_check_percent_of_integer_is_decimal(void **state)
{
    (void)state;
    checked *k = check_case("definition a: decimal = 50% * bid.score\n"
                            "definition b: decimal = bid.score * 50%\n");
    assert_clean(k);
    /* 50% of 3 is 1.5: not an integer. */
    assert_int_equal(def_body(k, "a")->ty->kind, TY_DEC);
    assert_int_equal(def_body(k, "b")->ty->kind, TY_DEC);
    done(k);
}

static void test_check_percent_of_integer_is_not_an_integer(void **state)
{
    (void)state;
    checked *k = check_case("definition a: integer = 50% * bid.score");
    assert_one_error(k,
                     "t.tally:1:25: error: the definition's value should be "
                     "integer, not decimal",
                     NULL);
    done(k);
}

static void test_check_list_literal_widens_every_element(void **state)
{
    (void)state;
    checked *k =
        check_case("definition l: bool = bid.weight is in [1, 2, 0.5]");
    assert_clean(k);
    ast_node *list = def_body(k, "l")->b;
    assert_int_equal(list->kind, AST_LIST_LIT);
    assert_int_equal(list->ty->kind, TY_LIST);
    assert_int_equal(list->ty->elem->kind, TY_DEC);
    assert_true(list->list.items[0]->conv & AUX_TO_DEC);
    assert_true(list->list.items[1]->conv & AUX_TO_DEC);
    assert_false(list->list.items[2]->conv & AUX_TO_DEC);
    done(k);
}

static void test_check_results_for_compiler(void **state)
{
    (void)state;
    checked *k = check_case("");
    assert_clean(k);
    tly_checked *r = chk_results(&k->c);
    assert_non_null(r);
    assert_non_null(r->input);
    assert_string_equal(r->input->name, "bid");
    assert_int_equal(r->input->ty->kind, TY_RECORD);
    assert_non_null(r->output);
    assert_int_equal(r->output_ty->kind, TY_RECORD);
    assert_int_equal(r->nenums, 1);
    assert_string_equal(r->enums[0]->name, "Colour");
    assert_int_equal(r->enums[0]->nmembers, 3);
    assert_int_equal(r->nfuncs, 2); /* rate and f, in declaration order */
    assert_string_equal(r->funcs[0]->name, "rate");
    assert_true(r->funcs[0]->dated);
    assert_string_equal(r->funcs[1]->name, "f");
    assert_int_equal(r->funcs[1]->nparams, 1);
    done(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_check_misspelt_field),
        TEST(test_check_misspelt_field_in_record_literal),
        TEST(test_check_unknown_name_with_suggestion),
        TEST(test_check_unknown_name_without_suggestion),
        TEST(test_check_unknown_enum_member),
        TEST(test_check_one_error_per_root_cause),
        TEST(test_check_money_compared_with_bare_number),
        TEST(test_check_bare_number_compared_with_money),
        TEST(test_check_money_plus_integer_literal),
        TEST(test_check_money_plus_integer_field),
        TEST(test_check_money_in_two_currencies),
        TEST(test_check_money_times_money),
        TEST(test_check_text_plus_number),
        TEST(test_check_wrong_argument_count),
        TEST(test_check_definition_used_without_arguments),
        TEST(test_check_wrong_argument_type),
        TEST(test_check_unknown_definition),
        TEST(test_check_definition_calls_itself),
        TEST(test_check_definition_with_argument_calls_itself),
        TEST(test_check_definitions_call_each_other),
        TEST(test_check_cycle_through_dated_parameter),
        TEST(test_check_dated_parameter_without_date),
        TEST(test_check_match_misses_enum_member),
        TEST(test_check_match_misses_some),
        TEST(test_check_match_member_twice),
        TEST(test_check_condition_must_be_bool),
        TEST(test_check_branches_must_agree),
        TEST(test_check_sort_needs_a_key),
        TEST(test_check_unknown_rounding_mode),
        TEST(test_check_duplicate_declaration),
        TEST(test_check_duplicate_field),
        TEST(test_check_duplicate_enum_member),
        TEST(test_check_unknown_type_with_suggestion),
        TEST(test_check_unknown_builtin_type_with_suggestion),
        TEST(test_check_missing_input),
        TEST(test_check_missing_output),
        TEST(test_check_input_key_must_exist),
        TEST(test_check_optional_used_as_value),
        TEST(test_check_optional_text_used_as_text),
        TEST(test_check_optional_in_arithmetic),
        TEST(test_check_optional_ordered),
        TEST(test_check_otherwise_needs_optional),
        TEST(test_check_shared_member_resolved_by_other_side),
        TEST(test_check_shared_member_on_the_left),
        TEST(test_check_shared_member_in_list_after_is_in),
        TEST(test_check_shared_member_without_context),
        TEST(test_check_base_policy_is_clean),
        TEST(test_check_correct_definitions),
        TEST(test_check_rule_and_verdict),
        TEST(test_check_record_checks),
        TEST(test_check_award_example),
        TEST(test_check_types_and_conversions),
        TEST(test_check_percent_of_integer_is_decimal),
        TEST(test_check_percent_of_integer_is_not_an_integer),
        TEST(test_check_list_literal_widens_every_element),
        TEST(test_check_results_for_compiler),
    };
    return cmocka_run_group_tests_name("lang/check", tests, NULL, NULL);
}
