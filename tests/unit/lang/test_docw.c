/* tests/unit/lang/test_docw.c - the document writer (lang/docw.c).
 *
 * Policy text holding markup ("<script>", "|", "*", backticks, quotes)
 * is shown, never interpreted, in each format: HTML escapes it, Markdown
 * escapes or fences it and keeps a table cell on one line.  Tables have
 * captions and scoped header cells.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "docw.h"

typedef struct fixture {
    mem_ctx mem;
    strbuf out;
    docw w;
} fixture;

static void start(fixture *f, docw_format fmt)
{
    mem_init(&f->mem);
    sb_init(&f->out, &f->mem);
    docw_begin(&f->w, fmt, &f->out, "T");
    sb_clear(&f->out); /* the tests look at what follows the preamble */
}

static void finish(fixture *f)
{
    assert_false(f->out.failed);
    sb_free(&f->out);
    assert_int_equal(f->mem.live, 0);
}

static void test_docw_html_escapes_text_and_code(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_HTML);
    docw_para_begin(&f.w);
    docw_puts(&f.w, "<script>a & 'b' \"c\"</script>");
    docw_code(&f.w, "x < £5", strlen("x < £5"));
    docw_para_end(&f.w);
    assert_string_equal(f.out.p,
                        "<p>&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;"
                        "&lt;/script&gt;<code>x &lt; £5</code></p>\n");
    finish(&f);
}

static void test_docw_html_table_is_accessible(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_HTML);
    const char *heads[] = {"A", "B<"};
    docw_table_begin(&f.w, "Cap & more", 2, heads);
    docw_row_begin(&f.w);
    docw_cell_begin(&f.w, true);
    docw_puts(&f.w, "r");
    docw_cell_end(&f.w);
    docw_cell_begin(&f.w, false);
    docw_puts(&f.w, "v");
    docw_cell_end(&f.w);
    docw_row_end(&f.w);
    docw_table_end(&f.w);
    assert_string_equal(f.out.p,
                        "<table>\n<caption>Cap &amp; more</caption>\n<thead>\n"
                        "<tr><th scope=\"col\">A</th><th scope=\"col\">B&lt;"
                        "</th></tr>\n</thead>\n<tbody>\n<tr><th scope=\"row\">"
                        "r</th><td>v</td></tr>\n</tbody>\n</table>\n");
    finish(&f);
}

static void test_docw_markdown_escapes(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_MARKDOWN);
    docw_para_begin(&f.w);
    docw_puts(&f.w, "a*b [c] <d> minimum_insurance _x_\nnext");
    docw_para_end(&f.w);
    assert_string_equal(f.out.p, "a\\*b \\[c\\] \\<d\\> minimum_insurance "
                                 "\\_x\\_ next\n\n");
    finish(&f);
}

static void test_docw_markdown_code_fences(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_MARKDOWN);
    docw_code(&f.w, "a `b` c", 7);
    docw_code(&f.w, "`x", 2);
    assert_string_equal(f.out.p, "``a `b` c```` `x ``");
    finish(&f);
}

static void test_docw_markdown_cell_one_line(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_MARKDOWN);
    const char *heads[] = {"A|B"};
    docw_table_begin(&f.w, "C", 1, heads);
    docw_row_begin(&f.w);
    docw_cell_begin(&f.w, false);
    docw_code(&f.w, "x | y\nz", 7);
    docw_puts(&f.w, " p|q\nr");
    docw_cell_end(&f.w);
    docw_row_end(&f.w);
    docw_table_end(&f.w);
    assert_string_equal(f.out.p, "*C*\n\n| A\\|B |\n|---|\n"
                                 "| `x \\| y z` p\\|q r |\n\n");
    finish(&f);
}

static void test_docw_links(void **state)
{
    (void)state;
    fixture f;
    start(&f, DOCW_MARKDOWN);
    docw_link(&f.w, "s.1 [a]", 7, "https://e.org/x_(y)?a=1&b=2");
    assert_string_equal(f.out.p, "[s.1 \\[a\\]](https://e.org/x_%28y%29?a=1&b=2)");
    finish(&f);
    start(&f, DOCW_HTML);
    docw_link(&f.w, "s.1", 3, "https://e.org/?a=1&b=\"2\"");
    assert_string_equal(f.out.p,
                        "<a href=\"https://e.org/?a=1&amp;b=&quot;2&quot;\">s.1</a>");
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docw_html_escapes_text_and_code),
        cmocka_unit_test(test_docw_html_table_is_accessible),
        cmocka_unit_test(test_docw_markdown_escapes),
        cmocka_unit_test(test_docw_markdown_code_fences),
        cmocka_unit_test(test_docw_markdown_cell_one_line),
        cmocka_unit_test(test_docw_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
