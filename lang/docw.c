/* lang/docw.c - the document writer: HTML or Markdown (docw.h).
 *
 * Owns each format's markup and escaping and nothing else: what a
 * document says is its caller's.  HTML escapes & < > " and ' everywhere;
 * Markdown backslash-escapes its punctuation in text, fences code with
 * more backticks than it holds, and inside a table cell or list item
 * keeps everything on one line and escapes '|' (GitHub's tables split
 * cells on it even inside code).
 */
#include "docw.h"

#include <string.h>

/* Print-friendly and readable on screen; no web fonts, no scripts. */
static const char css[] =
    "body{font-family:Georgia,'Times New Roman',serif;line-height:1.45;"
    "max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111;"
    "background:#fff}\n"
    "h1,h2,h3,h4{font-family:Helvetica,Arial,sans-serif;line-height:1.2}\n"
    "h2{border-bottom:1px solid #999;padding-bottom:.2rem;margin-top:2.2rem}\n"
    "h3{margin-top:1.6rem}\n"
    "table{border-collapse:collapse;margin:.6rem 0 1rem;width:100%}\n"
    "caption{text-align:left;font-weight:bold;padding:.3rem 0}\n"
    "th,td{border:1px solid #999;padding:.25rem .45rem;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:#e8e8e8}\n"
    "code,pre{font-family:'DejaVu Sans Mono',Consolas,monospace;"
    "font-size:.88em}\n"
    "pre{background:#f4f4f4;border:1px solid #ccc;padding:.5rem;"
    "white-space:pre-wrap}\n"
    "a{color:#0b4f8a}\n"
    "@media print{body{max-width:none;margin:0}a{color:#000}"
    "h2,h3{break-after:avoid}tr,pre{break-inside:avoid}"
    "a[href^='http']::after{content:' <' attr(href) '>';font-size:.8em}}\n";

static void put(docw *w, const char *s)
{
    sb_puts(w->out, s);
}

static void html_escape(docw *w, const char *s, size_t len)
{
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            sb_put(w->out, s + from, i - from);
            sb_puts(w->out, rep);
            from = i + 1;
        }
    }
    sb_put(w->out, s + from, len - from);
}

static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* Markdown text: line breaks become spaces (a paragraph is one line, and
 * a cell or item must be), and what could start markup is escaped; an
 * underscore inside a word (minimum_insurance) cannot, and stays bare. */
static void md_escape(docw *w, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\n' || ch == '\r' || ch == '\t') {
            sb_putc(w->out, ' ');
            continue;
        }
        bool esc = ch == '\\' || ch == '`' || ch == '*' || ch == '[' ||
                   ch == ']' || ch == '<' || ch == '>' || ch == '|' ||
                   ch == '~' || (ch == '#' && i == 0);
        if (ch == '_') {
            esc = i == 0 || i + 1 == len || !is_alnum(s[i - 1]) ||
                  !is_alnum(s[i + 1]);
        }
        if (esc) {
            sb_putc(w->out, '\\');
        }
        sb_putc(w->out, ch);
    }
}

void docw_begin(docw *w, docw_format fmt, strbuf *out, const char *title)
{
    docw_begin_css(w, fmt, out, title, NULL);
}

void docw_begin_css(docw *w, docw_format fmt, strbuf *out, const char *title,
                    const char *css_more)
{
    memset(w, 0, sizeof *w);
    w->fmt = fmt;
    w->out = out;
    if (fmt == DOCW_HTML) {
        put(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
               "<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, "
               "initial-scale=1\">\n<title>");
        html_escape(w, title, strlen(title));
        put(w, "</title>\n<style>\n");
        put(w, css);
        if (css_more) {
            put(w, css_more);
        }
        put(w, "</style>\n</head>\n<body>\n<main>\n");
    }
}

void docw_end(docw *w)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "</main>\n</body>\n</html>\n");
    }
}

void docw_heading(docw *w, int level, const char *id, const char *text)
{
    if (level < 1) {
        level = 1;
    } else if (level > 4) {
        level = 4;
    }
    if (w->fmt == DOCW_HTML) {
        sb_printf(w->out, "<h%d", level);
        if (id) {
            sb_printf(w->out, " id=\"%s\"", id);
        }
        sb_putc(w->out, '>');
        html_escape(w, text, strlen(text));
        sb_printf(w->out, "</h%d>\n", level);
        return;
    }
    for (int i = 0; i < level; i++) {
        sb_putc(w->out, '#');
    }
    sb_putc(w->out, ' ');
    md_escape(w, text, strlen(text));
    put(w, "\n\n");
}

void docw_para_begin(docw *w)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<p>");
    }
}

void docw_para_end(docw *w)
{
    put(w, w->fmt == DOCW_HTML ? "</p>\n" : "\n\n");
}

void docw_text(docw *w, const char *s, size_t len)
{
    if (w->fmt == DOCW_HTML) {
        html_escape(w, s, len);
    } else {
        md_escape(w, s, len);
    }
}

void docw_puts(docw *w, const char *s)
{
    docw_text(w, s, strlen(s));
}

void docw_strong(docw *w, const char *s, size_t len)
{
    put(w, w->fmt == DOCW_HTML ? "<strong>" : "**");
    docw_text(w, s, len);
    put(w, w->fmt == DOCW_HTML ? "</strong>" : "**");
}

void docw_code(docw *w, const char *s, size_t len)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<code>");
        html_escape(w, s, len);
        put(w, "</code>");
        return;
    }
    /* A fence one longer than the longest run of backticks inside. */
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < len; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    bool pad = len && (s[0] == '`' || s[len - 1] == '`');
    for (size_t i = 0; i <= longest; i++) {
        sb_putc(w->out, '`');
    }
    if (pad) {
        sb_putc(w->out, ' ');
    }
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\n' || ch == '\r') {
            sb_putc(w->out, ' ');
        } else if (ch == '|' && w->in_cell) {
            put(w, "\\|");
        } else {
            sb_putc(w->out, ch);
        }
    }
    if (pad) {
        sb_putc(w->out, ' ');
    }
    for (size_t i = 0; i <= longest; i++) {
        sb_putc(w->out, '`');
    }
}

void docw_link(docw *w, const char *text, size_t len, const char *url)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<a href=\"");
        html_escape(w, url, strlen(url));
        put(w, "\">");
        html_escape(w, text, len);
        put(w, "</a>");
        return;
    }
    sb_putc(w->out, '[');
    md_escape(w, text, len);
    put(w, "](");
    for (const char *u = url; *u; u++) {
        if (*u == '(' || *u == ')' || *u == '|' || *u == '<' || *u == '>') {
            sb_printf(w->out, "%%%02X", (unsigned char)*u);
        } else {
            sb_putc(w->out, *u);
        }
    }
    sb_putc(w->out, ')');
}

void docw_file_link(docw *w, const char *text, const char *href)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<a href=\"");
        html_escape(w, href, strlen(href));
        put(w, "\">");
        html_escape(w, text, strlen(text));
        put(w, "</a>");
        return;
    }
    sb_putc(w->out, '[');
    md_escape(w, text, strlen(text));
    put(w, "](");
    put(w, href);
    sb_putc(w->out, ')');
}

void docw_html(docw *w, const char *s, size_t len)
{
    if (w->fmt == DOCW_HTML) {
        sb_put(w->out, s, len);
    }
}

void docw_ref(docw *w, const char *text, const char *id)
{
    if (w->fmt == DOCW_HTML) {
        sb_printf(w->out, "<a href=\"#%s\">", id);
        html_escape(w, text, strlen(text));
        put(w, "</a>");
        return;
    }
    sb_putc(w->out, '[');
    md_escape(w, text, strlen(text));
    sb_printf(w->out, "](#%s)", id);
}

void docw_pre(docw *w, const char *s, size_t len)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<pre><code>");
        html_escape(w, s, len);
        put(w, "</code></pre>\n");
        return;
    }
    /* A fence longer than any run of backticks at a line's start. */
    size_t longest = 2, run = 0;
    bool at_start = true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '`' && at_start) {
            run++;
            longest = run > longest ? run : longest;
        } else {
            at_start = s[i] == '\n';
            run = 0;
        }
    }
    for (size_t i = 0; i <= longest; i++) {
        sb_putc(w->out, '`');
    }
    put(w, "tally\n");
    sb_put(w->out, s, len);
    if (len && s[len - 1] != '\n') {
        sb_putc(w->out, '\n');
    }
    for (size_t i = 0; i <= longest; i++) {
        sb_putc(w->out, '`');
    }
    put(w, "\n\n");
}

void docw_table_begin(docw *w, const char *caption, int ncols,
                      const char *const *heads)
{
    w->ncols = ncols;
    if (w->fmt == DOCW_HTML) {
        put(w, "<table>\n<caption>");
        html_escape(w, caption, strlen(caption));
        put(w, "</caption>\n<thead>\n<tr>");
        for (int i = 0; i < ncols; i++) {
            put(w, "<th scope=\"col\">");
            html_escape(w, heads[i], strlen(heads[i]));
            put(w, "</th>");
        }
        put(w, "</tr>\n</thead>\n<tbody>\n");
        return;
    }
    put(w, "*");
    md_escape(w, caption, strlen(caption));
    put(w, "*\n\n|");
    w->in_cell = true;
    for (int i = 0; i < ncols; i++) {
        sb_putc(w->out, ' ');
        md_escape(w, heads[i], strlen(heads[i]));
        put(w, " |");
    }
    w->in_cell = false;
    put(w, "\n|");
    for (int i = 0; i < ncols; i++) {
        put(w, "---|");
    }
    sb_putc(w->out, '\n');
}

void docw_row_begin(docw *w)
{
    w->col = 0;
    put(w, w->fmt == DOCW_HTML ? "<tr>" : "|");
}

void docw_cell_begin(docw *w, bool row_header)
{
    w->head_row = row_header;
    w->in_cell = true;
    if (w->fmt == DOCW_HTML) {
        put(w, row_header ? "<th scope=\"row\">" : "<td>");
    } else {
        sb_putc(w->out, ' ');
    }
}

void docw_num_cell_begin(docw *w)
{
    w->head_row = false;
    w->in_cell = true;
    if (w->fmt == DOCW_HTML) {
        put(w, "<td class=\"num\">");
    } else {
        sb_putc(w->out, ' ');
    }
}

void docw_cell_end(docw *w)
{
    w->in_cell = false;
    w->col++;
    if (w->fmt == DOCW_HTML) {
        put(w, w->head_row ? "</th>" : "</td>");
    } else {
        put(w, " |");
    }
    w->head_row = false;
}

void docw_row_end(docw *w)
{
    put(w, w->fmt == DOCW_HTML ? "</tr>\n" : "\n");
}

void docw_table_end(docw *w)
{
    w->ncols = 0;
    put(w, w->fmt == DOCW_HTML ? "</tbody>\n</table>\n" : "\n");
}

void docw_list_begin(docw *w)
{
    if (w->fmt == DOCW_HTML) {
        put(w, "<ul>\n");
    }
}

void docw_item_begin(docw *w)
{
    w->in_item = true;
    put(w, w->fmt == DOCW_HTML ? "<li>" : "- ");
}

void docw_item_end(docw *w)
{
    w->in_item = false;
    put(w, w->fmt == DOCW_HTML ? "</li>\n" : "\n");
}

void docw_list_end(docw *w)
{
    put(w, w->fmt == DOCW_HTML ? "</ul>\n" : "\n");
}
