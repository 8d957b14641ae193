/* lang/docw.h - a small document writer: HTML or Markdown, escaped.
 *
 * The generated documents (tally doc's methodology, and later the
 * assessment summaries and explanations) say what they hold through these
 * calls -- headings, paragraphs, inline text and code, links, preformatted
 * blocks, tables with captions, bulleted lists -- and the writer alone
 * knows each format's markup and escaping.  Every byte of policy text
 * goes through docw_text or docw_code, so a title or message holding
 * markup ("<script>", "|", "*") is shown, never interpreted.
 *
 * HTML is one self-contained file: inline CSS for screen and print, no
 * scripts, lang="en", a caption on every table and scope on its header
 * cells.  Markdown is GitHub-flavoured (pipe tables).  Output goes to a
 * strbuf: a failed allocation sets its [failed] flag and the caller
 * checks once at the end.
 */
#ifndef TALLY_LANG_DOCW_H
#define TALLY_LANG_DOCW_H

#include <stdbool.h>
#include <stddef.h>

#include "mem.h"

typedef enum docw_format {
    DOCW_HTML,
    DOCW_MARKDOWN,
    DOCW_FORMAT_COUNT
} docw_format;

typedef struct docw {
    docw_format fmt;
    strbuf *out;    /* borrowed: where the document goes */
    int ncols;      /* the open table's columns, 0 outside a table */
    int col;        /* cells written in the open row */
    bool head_row;  /* the open row is the header row */
    bool in_cell;   /* inside a table cell (Markdown: one line, '|'
                       escaped) */
    bool in_item;   /* inside a list item (Markdown: one line) */
} docw;

/* Starts a document titled [title] (plain text) in [fmt] on [out]. */
void docw_begin(docw *w, docw_format fmt, strbuf *out, const char *title);

/* Like docw_begin, with the CSS rules [css_more] (HTML only; trusted
 * text, NULL for none) after the writer's own. */
void docw_begin_css(docw *w, docw_format fmt, strbuf *out, const char *title,
                    const char *css_more);

/* Ends the document. */
void docw_end(docw *w);

/* A heading of [level] (1 to 4) reading [text] (plain text), with the
 * anchor [id] (letters, digits and '-'; NULL for none). */
void docw_heading(docw *w, int level, const char *id, const char *text);

/* Paragraphs: text and code go between these two. */
void docw_para_begin(docw *w);
void docw_para_end(docw *w);

/* Inline plain text: [len] bytes of UTF-8 at [s], escaped. */
void docw_text(docw *w, const char *s, size_t len);
void docw_puts(docw *w, const char *s); /* NUL-terminated */

/* Inline strong (bold) text, escaped. */
void docw_strong(docw *w, const char *s, size_t len);

/* Inline code: policy notation, shown verbatim in a fixed font. */
void docw_code(docw *w, const char *s, size_t len);

/* A link to [url] (http or https, no spaces: what `cites` accepts)
 * reading [len] bytes of [text]. */
void docw_link(docw *w, const char *text, size_t len, const char *url);

/* A link to [href], a file beside this document or below it (its name
 * as the writer made it: letters, digits, '.', '-', '_' and '/'), reading
 * [text] (plain text). */
void docw_file_link(docw *w, const char *text, const char *href);

/* HTML only (Markdown has no place for it: nothing is written): [len]
 * bytes of markup made by the caller, who has escaped every text in it,
 * such as an inline SVG chart. */
void docw_html(docw *w, const char *s, size_t len);

/* A link to the anchor [id] of this document reading [text]. */
void docw_ref(docw *w, const char *text, const char *id);

/* A preformatted block of policy text (lines kept as they are). */
void docw_pre(docw *w, const char *s, size_t len);

/* A table of [ncols] columns, captioned [caption] (plain text), whose
 * header cells are [heads]. */
void docw_table_begin(docw *w, const char *caption, int ncols,
                      const char *const *heads);
/* A body row: docw_row_begin, then for each of the ncols cells
 * docw_cell_begin (row_header: the row's first cell names the row, a
 * header cell with scope="row" in HTML), inline text, docw_cell_end. */
void docw_row_begin(docw *w);
void docw_cell_begin(docw *w, bool row_header);
/* A body cell holding a number: class "num" in HTML, which the caller's
 * CSS (docw_begin_css) aligns; a plain cell in Markdown. */
void docw_num_cell_begin(docw *w);
void docw_cell_end(docw *w);
void docw_row_end(docw *w);
void docw_table_end(docw *w);

/* A bulleted list: items hold inline text. */
void docw_list_begin(docw *w);
void docw_item_begin(docw *w);
void docw_item_end(docw *w);
void docw_list_end(docw *w);

#endif
