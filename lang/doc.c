/* lang/doc.c - the published methodology of a checked policy (doc.h).
 *
 * A walk over the policy's declarations in the order written, each
 * rendered by its kind through the document writer; the authors' own
 * section headings and comments become the document's headings and
 * prose.  The lexer drops comments, so they are read here from the source
 * text around the declarations' spans: the '#' lines directly above a
 * declaration (no blank line between) describe it, other comment blocks
 * between declarations are free-standing prose, and a block whose first
 * line is "---- Title ----" opens a section titled Title.  A field's or
 * member's description is the comment above it or at the end of its
 * line.  Expressions are the policy's own text (tly_text_at over the
 * node's span), flattened to one line with comments removed, so amounts
 * read exactly as written.  Nothing here evaluates: a parameter's value
 * on a day is the row in force that day, as the checker dated it.
 */
#include "doc.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "date.h"

typedef struct doc {
    tly_comp *c;
    tly_checked *k;
    docw w;
    bool has_day;
    int64_t day;
    char day_text[16];  /* "2026-03-01" */
    bool in_section;    /* an h2 is open: declarations are h3 */
    ast_node **cites;   /* arena: every distinct citation, first use first */
    int ncites, capcites;
    ast_node **set;     /* arena: the same, hashed; 2 * capcites slots */
    sym **used;         /* arena: imported declarations the policy names */
    int nused, capused;
    const tly_file *policy; /* the policy's file */
    const char *module; /* the module whose items are being shown, which
                           qualifies their headings; NULL for the policy */
} doc;

/* ---- source text ------------------------------------------------------ */

static const tly_file *file_of(doc *d, uint32_t off)
{
    return tly_file_at(d->c, off);
}

/* Appends the text of [sp] on one line: runs of white space (line breaks
 * included) become one space, comments go, string literals are kept as
 * written; no space after an opening bracket or before a closing one. */
static void flat_span(doc *d, tly_span sp, strbuf *b)
{
    const tly_file *f = file_of(d, sp.start);
    size_t end = sp.end - f->base, i = sp.start - f->base;
    if (end > f->len) {
        end = f->len;
    }
    const char *s = f->src;
    bool space = false;
    while (i < end) {
        char ch = s[i];
        if (ch == '#') {
            while (i < end && s[i] != '\n') {
                i++;
            }
            space = true;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = true;
            i++;
            continue;
        }
        if (space && b->len && b->p[b->len - 1] != '(' &&
            b->p[b->len - 1] != '[' && ch != ')' && ch != ']') {
            sb_putc(b, ' ');
        }
        space = false;
        if (ch == '"') {
            size_t j = i + 1;
            while (j < end && s[j] != '"' && s[j] != '\n') {
                j += s[j] == '\\' && j + 1 < end ? 2 : 1;
            }
            j = j < end ? j + 1 : end;
            sb_put(b, s + i, j - i);
            i = j;
            continue;
        }
        sb_putc(b, ch);
        i++;
    }
}

/* The flattened text of [n] as inline code. */
static void code_of(doc *d, const ast_node *n)
{
    strbuf b;
    sb_init(&b, d->c->mem);
    flat_span(d, n->sp, &b);
    docw_code(&d->w, b.p ? b.p : "", b.len);
    sb_free(&b);
}

/* The text of [sp] with its layout: each line after the first loses the
 * indentation the first line's column had, so the block reads as
 * written.  Trailing blanks go. */
static void block_span(doc *d, tly_span sp, strbuf *b)
{
    const tly_file *f = file_of(d, sp.start);
    size_t start = sp.start - f->base, end = sp.end - f->base;
    if (end > f->len) {
        end = f->len;
    }
    size_t ls = start;
    while (ls > 0 && f->src[ls - 1] != '\n') {
        ls--;
    }
    /* The least indentation of the block's lines, the first counted at
     * its column. */
    size_t indent = start - ls, col = 0;
    bool at_start = false;
    for (size_t i = start; i < end; i++) {
        if (f->src[i] == '\n') {
            at_start = true;
            col = 0;
        } else if (at_start && f->src[i] == ' ') {
            col++;
        } else if (at_start) {
            at_start = false;
            indent = col < indent ? col : indent;
        }
    }
    for (size_t i = indent; i < start - ls; i++) {
        sb_putc(b, ' ');
    }
    size_t skip = 0;
    for (size_t i = start; i < end; i++) {
        char ch = f->src[i];
        if (ch == '\n') {
            while (b->len && b->p[b->len - 1] == ' ') {
                b->len--;
            }
            sb_putc(b, '\n');
            skip = indent;
            continue;
        }
        if (skip && ch == ' ') {
            skip--;
            continue;
        }
        skip = 0;
        sb_putc(b, ch);
    }
    while (b->len && (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\n')) {
        b->len--;
    }
    if (b->p) {
        b->p[b->len] = '\0';
    }
}

/* ---- comments ---------------------------------------------------------- */

/* The start of the line holding byte [i] of [f]. */
static size_t line_start(const tly_file *f, size_t i)
{
    while (i > 0 && f->src[i - 1] != '\n') {
        i--;
    }
    return i;
}

/* Whether line [ls] of [f] (to its end [*le]) is a comment line; [*text]
 * is then what follows '#' and one space. */
static bool comment_line(const tly_file *f, size_t ls, size_t *le,
                         const char **text, size_t *tlen)
{
    size_t e = ls;
    while (e < f->len && f->src[e] != '\n') {
        e++;
    }
    *le = e;
    size_t i = ls;
    while (i < e && (f->src[i] == ' ' || f->src[i] == '\t')) {
        i++;
    }
    if (i >= e || f->src[i] != '#') {
        return false;
    }
    i++;
    if (i < e && f->src[i] == ' ') {
        i++;
    }
    size_t t = e;
    while (t > i && (f->src[t - 1] == ' ' || f->src[t - 1] == '\r')) {
        t--;
    }
    *text = f->src + i;
    *tlen = t - i;
    return true;
}

/* Whether comment text [t, t + len) is a directive to Tally's tools
 * ("tally: allow ...", "tally: nocover ...", "tally: legal"), not prose:
 * documents leave it out. */
static bool directive(const char *t, size_t len)
{
    return len >= 6 && memcmp(t, "tally:", 6) == 0;
}

/* A section heading line, "---- Title ----": the title's bytes. */
static bool heading_line(const char *t, size_t len, const char **title,
                         size_t *tlen)
{
    size_t i = 0;
    while (i < len && (t[i] == '-' || t[i] == '=')) {
        i++;
    }
    if (i < 3) {
        return false;
    }
    size_t e = len;
    while (e > i && (t[e - 1] == '-' || t[e - 1] == '=' || t[e - 1] == ' ')) {
        e--;
    }
    while (i < e && t[i] == ' ') {
        i++;
    }
    *title = t + i;
    *tlen = e - i;
    return e > i;
}

static void open_section(doc *d, const char *title, size_t len)
{
    char buf[256];
    if (len >= sizeof buf) {
        len = sizeof buf - 1;
    }
    memcpy(buf, title, len);
    buf[len] = '\0';
    docw_heading(&d->w, 2, NULL, buf);
    d->in_section = true;
}

/* Writes the comment lines [from, to) of [f] (line starts; every line
 * between is a comment line) as prose: paragraphs split at empty comment
 * lines, lines indented under the '#' kept as a preformatted block, and
 * a first line "---- Title ----" as a section heading when [sections]. */
static void prose(doc *d, const tly_file *f, size_t from, size_t to,
                  bool sections)
{
    strbuf para, pre;
    sb_init(&para, d->c->mem);
    sb_init(&pre, d->c->mem);
    size_t ls = from;
    bool first = true;
    while (ls < to) {
        size_t le;
        const char *t;
        size_t tl;
        if (!comment_line(f, ls, &le, &t, &tl)) {
            break;
        }
        if (directive(t, tl)) {
            ls = le < f->len ? le + 1 : le;
            continue;
        }
        const char *title;
        size_t titlelen;
        bool indented = tl >= 2 && t[0] == ' ' && t[1] == ' ';
        if (first && sections && heading_line(t, tl, &title, &titlelen)) {
            open_section(d, title, titlelen);
        } else if (first && heading_line(t, tl, &title, &titlelen)) {
            docw_para_begin(&d->w);
            docw_strong(&d->w, title, titlelen);
            docw_para_end(&d->w);
        } else if (indented) {
            if (para.len) {
                docw_para_begin(&d->w);
                docw_text(&d->w, para.p, para.len);
                docw_para_end(&d->w);
                sb_clear(&para);
            }
            sb_put(&pre, t + 2, tl - 2);
            sb_putc(&pre, '\n');
        } else {
            if (pre.len) {
                docw_pre(&d->w, pre.p, pre.len);
                sb_clear(&pre);
            }
            if (tl == 0) {
                if (para.len) {
                    docw_para_begin(&d->w);
                    docw_text(&d->w, para.p, para.len);
                    docw_para_end(&d->w);
                    sb_clear(&para);
                }
            } else {
                if (para.len) {
                    sb_putc(&para, ' ');
                }
                sb_put(&para, t, tl);
            }
        }
        first = false;
        ls = le < f->len ? le + 1 : le;
    }
    if (pre.len) {
        docw_pre(&d->w, pre.p, pre.len);
    }
    if (para.len) {
        docw_para_begin(&d->w);
        docw_text(&d->w, para.p, para.len);
        docw_para_end(&d->w);
    }
    sb_free(&para);
    sb_free(&pre);
}

/* The comment block directly above byte [at] of [f] (no blank line
 * between): its first line's start in *from, and the line start of [at]
 * in *to; false when there is none. */
static bool comment_above(const tly_file *f, size_t at, size_t *from,
                          size_t *to)
{
    size_t ls = line_start(f, at);
    *to = ls;
    size_t first = ls;
    while (first > 0) {
        size_t prev = line_start(f, first - 1), le;
        const char *t;
        size_t tl;
        if (!comment_line(f, prev, &le, &t, &tl)) {
            break;
        }
        first = prev;
    }
    *from = first;
    return first < ls;
}

bool doc_comment_text(const tly_file *f, size_t at, strbuf *out)
{
    size_t from, to;
    if (!comment_above(f, at, &from, &to)) {
        return false;
    }
    size_t start = out->len;
    for (size_t ls = from; ls < to;) {
        size_t le;
        const char *t;
        size_t tl;
        if (!comment_line(f, ls, &le, &t, &tl)) {
            break;
        }
        if (!directive(t, tl)) {
            sb_put(out, t, tl);
            sb_putc(out, '\n');
        }
        ls = le < f->len ? le + 1 : le;
    }
    return out->len > start;
}

/* The comment at the end of the line holding byte [at] of [f], when
 * nothing but a comma stands between [at] and it; false otherwise. */
static bool comment_after(const tly_file *f, size_t at, const char **text,
                          size_t *len)
{
    size_t i = at;
    bool in_str = false;
    while (i < f->len && f->src[i] != '\n') {
        char ch = f->src[i];
        if (in_str && ch == '\\') {
            i += 2;
            continue;
        }
        if (ch == '"') {
            in_str = !in_str;
        } else if (ch == '#' && !in_str) {
            size_t e;
            return comment_line(f, i, &e, text, len) && *len > 0 &&
                   !directive(*text, *len);
        } else if (!in_str && ch != ' ' && ch != '\t' && ch != ',' &&
                   ch != '\r' && !(i == at && (ch == '}' || ch == ')'))) {
            return false; /* more code follows: the comment is not ours */
        }
        i++;
    }
    return false;
}

/* The description of an item (a field, a member) at [sp]: the comment
 * lines above it, else the comment ending its line, joined into [b]. */
static bool describe_item(doc *d, tly_span sp, strbuf *b)
{
    const tly_file *f = file_of(d, sp.start);
    size_t from, to;
    if (comment_above(f, sp.start - f->base, &from, &to)) {
        for (size_t ls = from; ls < to;) {
            size_t le;
            const char *t;
            size_t tl;
            comment_line(f, ls, &le, &t, &tl);
            if (directive(t, tl)) {
                ls = le + 1;
                continue;
            }
            if (tl && b->len) {
                sb_putc(b, ' ');
            }
            sb_put(b, t, tl);
            ls = le + 1;
        }
        return b->len > 0;
    }
    const char *t;
    size_t tl;
    if (comment_after(f, sp.end - f->base, &t, &tl)) {
        sb_put(b, t, tl);
        return true;
    }
    return false;
}

/* ---- citations --------------------------------------------------------- */

static bool same_cite(const ast_node *a, const ast_node *b)
{
    if (a->len != b->len || memcmp(a->text, b->text, a->len) != 0) {
        return false;
    }
    if (!a->text2 || !b->text2) {
        return !a->text2 && !b->text2;
    }
    return a->num == b->num && memcmp(a->text2, b->text2, (size_t)a->num) == 0;
}

static uint32_t cite_hash(const ast_node *c)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < c->len; i++) {
        h = (h ^ (unsigned char)c->text[i]) * 16777619u;
    }
    for (int64_t i = 0; c->text2 && i < c->num; i++) {
        h = (h ^ (unsigned char)c->text2[i]) * 16777619u;
    }
    return h;
}

/* Adds [cite] to the references unless an equal one is there: a hash
 * set ([set], open addressing, at most half full) keeps this linear in
 * the policy's citations. */
static void note_cite(doc *d, ast_node *cite)
{
    uint32_t mask = (uint32_t)d->capcites * 2 - 1;
    if (d->capcites) {
        for (uint32_t i = cite_hash(cite) & mask; d->set[i]; i = (i + 1) & mask) {
            if (same_cite(d->set[i], cite)) {
                return;
            }
        }
    }
    if (d->ncites == d->capcites) {
        int cap = d->capcites ? d->capcites * 2 : 16;
        ast_node **n = arena_alloc(&d->c->arena, (size_t)cap * sizeof *n);
        ast_node **set = arena_zalloc(&d->c->arena, (size_t)cap * 2 * sizeof *set);
        if (!n || !set) {
            d->w.out->failed = true;
            return;
        }
        if (d->ncites) {
            memcpy(n, d->cites, (size_t)d->ncites * sizeof *n);
        }
        d->cites = n;
        d->set = set;
        d->capcites = cap;
        mask = (uint32_t)cap * 2 - 1;
        for (int k = 0; k < d->ncites; k++) {
            uint32_t i = cite_hash(n[k]) & mask;
            while (set[i]) {
                i = (i + 1) & mask;
            }
            set[i] = n[k];
        }
    }
    uint32_t i = cite_hash(cite) & mask;
    while (d->set[i]) {
        i = (i + 1) & mask;
    }
    d->set[i] = cite;
    d->cites[d->ncites++] = cite;
}

/* The citation [cite] inline: a link when it has an address. */
static void cite_inline(doc *d, ast_node *cite)
{
    note_cite(d, cite);
    if (cite->text2) {
        char url[2048];
        size_t n = (size_t)cite->num < sizeof url ? (size_t)cite->num
                                                  : sizeof url - 1;
        memcpy(url, cite->text2, n);
        url[n] = '\0';
        docw_link(&d->w, cite->text, cite->len, url);
    } else {
        docw_text(&d->w, cite->text, cite->len);
    }
}

/* A cell holding [cite], or nothing. */
static void cite_cell(doc *d, ast_node *cite)
{
    docw_cell_begin(&d->w, false);
    if (cite) {
        cite_inline(d, cite);
    }
    docw_cell_end(&d->w);
}

/* " Cites X." after a sentence, when there is a citation. */
static void cites_sentence(doc *d, ast_node *cite)
{
    if (cite) {
        docw_puts(&d->w, " Cites ");
        cite_inline(d, cite);
        docw_puts(&d->w, ".");
    }
}

/* ---- small pieces ------------------------------------------------------ */

static void text_cell(doc *d, const char *s, bool row_header)
{
    docw_cell_begin(&d->w, row_header);
    docw_puts(&d->w, s);
    docw_cell_end(&d->w);
}

static void code_cell(doc *d, const ast_node *n)
{
    docw_cell_begin(&d->w, false);
    if (n) {
        code_of(d, n);
    }
    docw_cell_end(&d->w);
}

/* A declaration's heading: h3 inside a section, h2 outside one. */
static void decl_heading(doc *d, const char *what, const char *name)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s %s%s%s", what,
             d->module ? d->module : "", d->module ? "." : "", name);
    docw_heading(&d->w, d->in_section ? 3 : 2, NULL, buf);
}

/* The comment block directly above declaration [n], as prose. */
static void decl_comment(doc *d, const ast_node *n)
{
    const tly_file *f = file_of(d, n->sp.start);
    size_t from, to;
    if (comment_above(f, n->sp.start - f->base, &from, &to)) {
        prose(d, f, from, to, false);
    }
}

/* "Takes `b: Bid` and `q: Question`; " for a parameter list. */
static void takes(doc *d, const ast_list *params)
{
    if (!params->count) {
        return;
    }
    docw_puts(&d->w, "Takes ");
    for (uint32_t i = 0; i < params->count; i++) {
        if (i) {
            docw_puts(&d->w, i + 1 == params->count ? " and " : ", ");
        }
        code_of(d, params->items[i]);
    }
    docw_puts(&d->w, "; ");
}

static void day_text(int64_t day, char *buf, size_t cap)
{
    int y, m, dd;
    date_to_ymd(day, &y, &m, &dd);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, dd);
}

/* ---- dated rows -------------------------------------------------------- */

typedef struct rows {
    ast_node **items; /* arena: AST_ROWs in date order */
    int count;
} rows;

/* The rows of dated [decl] by date: [own], its list, into which the
 * checker (lang/amend.c) has merged every amendment's rows in date
 * order. */
static rows rows_of(const ast_list *own)
{
    rows r = {own->items, (int)own->count};
    return r;
}

/* The row of [r] in force on the doc's day, or NULL. */
static ast_node *in_force(const doc *d, const rows *r)
{
    if (!d->has_day) {
        return NULL;
    }
    ast_node *found = NULL;
    for (int i = 0; i < r->count; i++) {
        if (r->items[i]->lo <= d->day) {
            found = r->items[i];
        }
    }
    if (found && found->has_hi && d->day > found->hi) {
        return NULL;
    }
    return found;
}

/* Whether every row's value is a record literal (a table of amounts). */
static bool record_rows(const rows *r)
{
    for (int i = 0; i < r->count; i++) {
        if (!r->items[i]->a || r->items[i]->a->kind != AST_RECORD_LIT) {
            return false;
        }
    }
    return r->count > 0;
}

static ast_node *field_init(ast_node *lit, const char *name)
{
    for (uint32_t i = 0; i < lit->list.count; i++) {
        if (strcmp(lit->list.items[i]->name, name) == 0) {
            return lit->list.items[i]->a;
        }
    }
    return NULL;
}

/* The history of a dated [name]: a row per date, the row in force on
 * the day marked; a record value is spread over a column per field. */
static void rows_table(doc *d, const char *name, const rows *r)
{
    bool spread = record_rows(r);
    ast_node *first = spread ? r->items[0]->a : NULL;
    int nfields = spread ? (int)first->list.count : 1;
    if (nfields > 24) {
        spread = false;
        nfields = 1;
    }
    const char *heads[32];
    int n = 0;
    heads[n++] = "From";
    heads[n++] = "Until";
    for (int i = 0; i < nfields; i++) {
        heads[n++] = spread ? first->list.items[i]->name : "Value";
    }
    heads[n++] = "Citation";
    char on[40];
    if (d->has_day) {
        snprintf(on, sizeof on, "On %s", d->day_text);
        heads[n++] = on;
    }
    char caption[300];
    snprintf(caption, sizeof caption, "History of %s: each row is in force "
             "from its date until the next row's date, or until the day given",
             name);
    ast_node *now = in_force(d, r);
    docw_table_begin(&d->w, caption, n, heads);
    for (int i = 0; i < r->count; i++) {
        ast_node *row = r->items[i];
        docw_row_begin(&d->w);
        text_cell(d, row->text, true);
        text_cell(d, row->text2 ? row->text2 : "", false);
        for (int f = 0; f < nfields; f++) {
            code_cell(d, spread ? field_init(row->a, first->list.items[f]->name)
                                : row->a);
        }
        docw_cell_begin(&d->w, false);
        if (row->cite) {
            cite_inline(d, row->cite);
        }
        if (row->op == 1) {
            const tly_file *f = file_of(d, row->sp.start);
            docw_puts(&d->w, row->cite ? " (amendment in " : "amendment in ");
            docw_puts(&d->w, f->path);
            docw_puts(&d->w, row->cite ? ")" : "");
        }
        docw_cell_end(&d->w);
        if (d->has_day) {
            text_cell(d, row == now ? "in force" : "", false);
        }
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
}

/* "On DAY: VALUE (the row from DATE)." for a dated declaration. */
static void value_on_day(doc *d, const rows *r)
{
    if (!d->has_day) {
        return;
    }
    ast_node *now = in_force(d, r);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "On ");
    docw_puts(&d->w, d->day_text);
    if (!now) {
        docw_puts(&d->w, " no row is in force.");
    } else {
        docw_puts(&d->w, " the row from ");
        docw_puts(&d->w, now->text);
        docw_puts(&d->w, " is in force: ");
        code_of(d, now->a);
        docw_puts(&d->w, ".");
    }
    docw_para_end(&d->w);
}

/* ---- declarations ------------------------------------------------------ */

static void render_enum(doc *d, ast_node *n)
{
    decl_heading(d, "Enumeration", n->name);
    decl_comment(d, n);
    bool any_desc = false;
    strbuf b;
    sb_init(&b, d->c->mem);
    for (uint32_t i = 0; i < n->list.count; i++) {
        sb_clear(&b);
        any_desc |= describe_item(d, n->list.items[i]->sp, &b);
    }
    const char *heads[] = {"Member", "In the data", "Description"};
    char caption[300];
    snprintf(caption, sizeof caption, "Members of %s%s%s%s", n->name,
             n->text ? " (" : "", n->text ? n->text : "", n->text ? ")" : "");
    docw_table_begin(&d->w, caption, any_desc ? 3 : 2, heads);
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *m = n->list.items[i];
        docw_row_begin(&d->w);
        text_cell(d, m->name, true);
        docw_cell_begin(&d->w, false);
        const char *spell = m->text ? m->text : m->name;
        docw_code(&d->w, spell, strlen(spell));
        docw_cell_end(&d->w);
        if (any_desc) {
            sb_clear(&b);
            describe_item(d, m->sp, &b);
            docw_cell_begin(&d->w, false);
            docw_text(&d->w, b.p ? b.p : "", b.len);
            docw_cell_end(&d->w);
        }
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
    sb_free(&b);
}

static void render_record(doc *d, ast_node *n)
{
    decl_heading(d, "Record", n->name);
    decl_comment(d, n);
    if (n->op & AST_RECORD_AMOUNT_TEXT) {
        docw_para_begin(&d->w);
        docw_puts(&d->w, "Every amount inside it (decimal, money and "
                         "percent, at any depth) must be written in the data "
                         "as a JSON string, never a number.");
        docw_para_end(&d->w);
    }
    char caption[300];
    snprintf(caption, sizeof caption, "Fields of %s", n->name);
    int nfields = 0;
    for (uint32_t i = 0; i < n->list.count; i++) {
        nfields += n->list.items[i]->kind == AST_FIELD_DECL;
    }
    strbuf b;
    sb_init(&b, d->c->mem);
    if (nfields) {
        const char *heads[] = {"Field", "In the data", "Type", "Optional",
                               "Conditions", "Description"};
        docw_table_begin(&d->w, caption, 6, heads);
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *f = n->list.items[i];
        if (f->kind != AST_FIELD_DECL) {
            continue;
        }
        docw_row_begin(&d->w);
        text_cell(d, f->name, true);
        docw_cell_begin(&d->w, false);
        const char *json = f->text ? f->text : f->name;
        docw_code(&d->w, json, strlen(json));
        docw_cell_end(&d->w);
        bool opt = f->a && f->a->kind == AST_TYPE_OPT;
        code_cell(d, opt ? f->a->a : f->a);
        text_cell(d, opt ? "yes" : "no", false);
        docw_cell_begin(&d->w, false);
        for (uint32_t j = 0; j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (j) {
                docw_puts(&d->w, "; ");
            }
            if (o->kind == AST_WHERE) {
                code_of(d, o->a);
                if (o->b) {
                    docw_puts(&d->w, ", else ");
                    code_of(d, o->b);
                }
            } else if (o->kind == AST_UNIQUE) {
                docw_puts(&d->w, "unique by ");
                docw_code(&d->w, o->name, strlen(o->name));
            } else if (o->kind == AST_OMIT) {
                docw_puts(&d->w, "left out of the result when none");
            }
        }
        docw_cell_end(&d->w);
        sb_clear(&b);
        describe_item(d, f->sp, &b);
        docw_cell_begin(&d->w, false);
        docw_text(&d->w, b.p ? b.p : "", b.len);
        docw_cell_end(&d->w);
        docw_row_end(&d->w);
    }
    if (nfields) {
        docw_table_end(&d->w);
    }
    sb_free(&b);
    bool list = false;
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *ch = n->list.items[i];
        if (ch->kind != AST_CHECK) {
            continue;
        }
        if (!list) {
            docw_para_begin(&d->w);
            docw_puts(&d->w, "Checked for every record:");
            docw_para_end(&d->w);
            docw_list_begin(&d->w);
            list = true;
        }
        docw_item_begin(&d->w);
        code_of(d, ch->a);
        if (ch->text) {
            docw_puts(&d->w, " (at ");
            docw_code(&d->w, ch->text, strlen(ch->text));
            docw_puts(&d->w, ")");
        }
        if (ch->b) {
            docw_puts(&d->w, ", else ");
            code_of(d, ch->b);
        }
        docw_item_end(&d->w);
    }
    if (list) {
        docw_list_end(&d->w);
    }
}

static void render_alias(doc *d, ast_node *n)
{
    decl_heading(d, "Type", n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_code(&d->w, n->name, strlen(n->name));
    docw_puts(&d->w, " is ");
    code_of(d, n->a);
    docw_puts(&d->w, ".");
    docw_para_end(&d->w);
}

static void render_param(doc *d, ast_node *n)
{
    decl_heading(d, "Parameter", n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "Of type ");
    code_of(d, n->a);
    if (n->b) {
        docw_puts(&d->w, "; its value is ");
        code_of(d, n->b);
    } else {
        docw_puts(&d->w, "; its value depends on the date");
    }
    if (n->c) { /* open to the layers below (lang/layers.c) */
        if (n->c->c) {
            docw_puts(&d->w, ", a lower layer's refinement of the ");
            code_of(d, n->c->c);
            docw_puts(&d->w, " declared here,");
        }
        docw_puts(&d->w, " open to the layers below");
        if (n->c->a && n->c->b) {
            docw_puts(&d->w, " between ");
            code_of(d, n->c->a);
            docw_puts(&d->w, " and ");
            code_of(d, n->c->b);
        }
    }
    docw_puts(&d->w, ".");
    cites_sentence(d, n->cite);
    docw_para_end(&d->w);
    if (!n->b) {
        rows r = rows_of(&n->list);
        value_on_day(d, &r);
        rows_table(d, n->name, &r);
    }
}

/* "Takes ...; returns T[after]." and the citation. */
static void signature(doc *d, ast_node *n, const char *returns,
                      const char *after)
{
    docw_para_begin(&d->w);
    takes(d, &n->list);
    docw_puts(&d->w, n->list.count ? returns : "");
    if (!n->list.count) {
        char cap[64];
        snprintf(cap, sizeof cap, "%c%s", returns[0] - 'a' + 'A', returns + 1);
        docw_puts(&d->w, cap);
    }
    if (n->a) {
        code_of(d, n->a);
    }
    docw_puts(&d->w, after);
    docw_puts(&d->w, ".");
    cites_sentence(d, n->cite);
    docw_para_end(&d->w);
}

/* A body: inline when short and on one line, else as written. */
static void body(doc *d, ast_node *e, const char *lead)
{
    strbuf b;
    sb_init(&b, d->c->mem);
    flat_span(d, e->sp, &b);
    const tly_file *f = file_of(d, e->sp.start);
    bool one_line = memchr(f->src + (e->sp.start - f->base), '\n',
                           e->sp.end - e->sp.start) == NULL;
    if (one_line && b.len <= 72) {
        docw_para_begin(&d->w);
        docw_puts(&d->w, lead);
        docw_puts(&d->w, " ");
        docw_code(&d->w, b.p ? b.p : "", b.len);
        docw_puts(&d->w, ".");
        docw_para_end(&d->w);
    } else {
        docw_para_begin(&d->w);
        docw_puts(&d->w, lead);
        docw_puts(&d->w, ":");
        docw_para_end(&d->w);
        sb_clear(&b);
        block_span(d, e->sp, &b);
        docw_pre(&d->w, b.p ? b.p : "", b.len);
    }
    sb_free(&b);
}

static void render_exceptions(doc *d, ast_node *n)
{
    docw_para_begin(&d->w);
    if (n->b) {
        docw_puts(&d->w, "Its value is ");
        code_of(d, n->b);
        docw_puts(&d->w, " unless one of the exceptions below applies. ");
    } else {
        docw_puts(&d->w, "It has no base value: one of the exceptions below "
                         "must apply. ");
    }
    docw_puts(&d->w, "Every exception's condition is evaluated; an exception "
                     "applies when its condition holds and no other that "
                     "applies takes priority over it. When two apply and "
                     "neither takes priority, the record fails with a "
                     "conflict error naming both.");
    docw_para_end(&d->w);
    const char *heads[] = {"Exception", "Unless", "Then", "Priority over",
                           "Citation"};
    char caption[300];
    snprintf(caption, sizeof caption, "Exceptions to %s", n->name);
    docw_table_begin(&d->w, caption, 5, heads);
    ast_list *ex = &n->c->list;
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *u = ex->items[i];
        char label[80];
        snprintf(label, sizeof label, "%u", i + 1);
        docw_row_begin(&d->w);
        text_cell(d, u->name ? u->name : label, true);
        code_cell(d, u->a);
        code_cell(d, u->b);
        docw_cell_begin(&d->w, false);
        for (uint32_t j = 0; j < u->list.count; j++) {
            docw_puts(&d->w, j ? ", " : "");
            docw_puts(&d->w, u->list.items[j]->name);
        }
        docw_cell_end(&d->w);
        cite_cell(d, u->cite);
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
}

static void render_def(doc *d, ast_node *n)
{
    decl_heading(d, "Definition", n->name);
    decl_comment(d, n);
    signature(d, n, "returns ", "");
    if (n->list2.count) {
        rows r = rows_of(&n->list2);
        value_on_day(d, &r);
        rows_table(d, n->name, &r);
    } else if (n->c) {
        render_exceptions(d, n);
    } else if (n->b) {
        body(d, n->b, "Defined as");
    }
}

static void render_rule(doc *d, ast_node *n)
{
    decl_heading(d, "Rule", n->name);
    decl_comment(d, n);
    signature(d, n, "gives ", ", with a reason");
    docw_para_begin(&d->w);
    docw_puts(&d->w, "The arms are tried in order; the first whose condition "
                     "holds gives the outcome and its reason.");
    docw_para_end(&d->w);
    const char *heads[] = {"Arm", "When", "Then", "Because", "Citation"};
    char caption[300];
    snprintf(caption, sizeof caption, "Arms of rule %s", n->name);
    docw_table_begin(&d->w, caption, 5, heads);
    for (uint32_t i = 0; i < n->list2.count; i++) {
        ast_node *a = n->list2.items[i];
        char num[16];
        snprintf(num, sizeof num, "%u", i + 1);
        docw_row_begin(&d->w);
        text_cell(d, num, true);
        code_cell(d, a->a);
        code_cell(d, a->b);
        code_cell(d, a->c);
        cite_cell(d, a->cite);
        docw_row_end(&d->w);
    }
    if (n->c) {
        docw_row_begin(&d->w);
        text_cell(d, "else", true);
        text_cell(d, "otherwise", false);
        code_cell(d, n->c);
        code_cell(d, n->b);
        cite_cell(d, n->else_cite);
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
}

static const char *hit_words(const ast_node *hit)
{
    switch ((ast_hit)hit->op) {
    case AST_HIT_UNIQUE:
        return "Hit policy unique: exactly one row matches any input; "
               "Tally checks that rows neither overlap nor leave a gap.";
    case AST_HIT_FIRST:
        return "Hit policy first: the first row that matches, in the order "
               "written, gives the result.";
    case AST_HIT_PRIORITY:
        return "Hit policy priority: of the rows that match, the one whose "
               "output comes first in its enumeration's order gives the "
               "result.";
    case AST_HIT_ANY:
        return "Hit policy any: several rows may match, and they must all "
               "give the same output.";
    case AST_HIT_LIST:
        return "Hit policy collect: the result is the list of the outputs of "
               "every row that matches, in the order written.";
    case AST_HIT_SUM:
        return "Hit policy collect sum: the result is the sum of the outputs "
               "of every row that matches.";
    case AST_HIT_MIN:
        return "Hit policy collect min: the result is the least output of "
               "the rows that match.";
    case AST_HIT_MAX:
        return "Hit policy collect max: the result is the greatest output of "
               "the rows that match.";
    case AST_HIT_COUNT:
        return "Hit policy collect count: the result is the number of rows "
               "that match.";
    }
    return "";
}

static void render_table(doc *d, ast_node *n)
{
    decl_heading(d, "Decision table", n->name);
    decl_comment(d, n);
    signature(d, n, "gives ", "");
    docw_para_begin(&d->w);
    docw_puts(&d->w, n->c ? hit_words(n->c) : "");
    docw_puts(&d->w, " An entry is a value, a comparison (< 5), a range "
                     "([a..b) includes a, excludes b) or a set ({a, b}); any "
                     "matches every value.");
    docw_para_end(&d->w);
    int ncols = (int)n->list.count;
    if (ncols > 24) {
        ncols = 24;
    }
    const char *heads[28];
    int h = 0;
    heads[h++] = "Row";
    for (int i = 0; i < ncols; i++) {
        heads[h++] = n->list.items[i]->name;
    }
    heads[h++] = "Output";
    heads[h++] = "Citation";
    char caption[300];
    snprintf(caption, sizeof caption, "Rows of decision table %s", n->name);
    docw_table_begin(&d->w, caption, h, heads);
    for (uint32_t i = 0; i < n->list2.count; i++) {
        ast_node *r = n->list2.items[i];
        char num[16];
        snprintf(num, sizeof num, "%u", i + 1);
        docw_row_begin(&d->w);
        text_cell(d, num, true);
        for (int j = 0; j < ncols; j++) {
            code_cell(d, (uint32_t)j < r->list.count ? r->list.items[j] : NULL);
        }
        code_cell(d, r->a);
        cite_cell(d, r->cite);
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
}

static void render_finding(doc *d, ast_node *n)
{
    char head[200];
    snprintf(head, sizeof head, "%.120s (%s)", n->text, n->name);
    decl_heading(d, "Finding", head);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    if (n->c) {
        docw_puts(&d->w, "For each ");
        docw_code(&d->w, n->c->name, strlen(n->c->name));
        docw_puts(&d->w, " in ");
        code_of(d, n->c->a);
        docw_puts(&d->w, ": reported as ");
    } else {
        docw_puts(&d->w, "Reported as ");
    }
    docw_puts(&d->w, n->name[0] == 'e' ? "an " : "a ");
    docw_puts(&d->w, n->name);
    docw_puts(&d->w, " with code ");
    docw_code(&d->w, n->text, n->len);
    docw_puts(&d->w, " when ");
    code_of(d, n->a);
    docw_puts(&d->w, ", with the message ");
    code_of(d, n->b);
    docw_puts(&d->w, ".");
    cites_sentence(d, n->cite);
    docw_para_end(&d->w);
}

static void render_output(doc *d, ast_node *n)
{
    decl_heading(d, "Output", n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "Each record's result is ");
    code_of(d, n->a);
    docw_puts(&d->w, ".");
    docw_para_end(&d->w);
    body(d, n->b, "It is");
}

static void render_extern(doc *d, ast_node *n)
{
    decl_heading(d, "External definition", n->name);
    decl_comment(d, n);
    signature(d, n, "returns ", "");
    docw_para_begin(&d->w);
    docw_puts(&d->w, "Computed by the native library ");
    if (n->b) {
        code_of(d, n->b);
    }
    docw_puts(&d->w, ", which a run must allow.");
    docw_para_end(&d->w);
}

static void render_amend(doc *d, ast_node *n)
{
    strbuf b;
    sb_init(&b, d->c->mem);
    flat_span(d, n->name_sp, &b);
    decl_heading(d, "Amendment of", b.p ? b.p : n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "These rows are added to ");
    docw_code(&d->w, b.p ? b.p : "", b.len);
    docw_puts(&d->w, ", everywhere it is read, its own module included.");
    docw_para_end(&d->w);
    rows r = {n->list.items, (int)n->list.count};
    rows_table(d, b.p ? b.p : n->name, &r);
    sb_free(&b);
}

/* A report: what it goes over, its groups, its columns, its top rows. */
static void render_report(doc *d, ast_node *n)
{
    decl_heading(d, "Report", n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    if (n->c && n->c->a) {
        docw_puts(&d->w, "Over each ");
        docw_code(&d->w, n->c->name, strlen(n->c->name));
        docw_puts(&d->w, " in ");
        code_of(d, n->c->a);
        docw_puts(&d->w, " of every record of a run");
    } else {
        docw_puts(&d->w, "Over every record of a run");
    }
    if (n->b) {
        docw_puts(&d->w, " where ");
        code_of(d, n->b);
    }
    if (n->list.count) {
        docw_puts(&d->w, ", one row for each ");
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *k = n->list.items[i];
            if (i) {
                docw_puts(&d->w, i + 1 == n->list.count ? " and " : ", ");
            }
            code_of(d, k->a);
            docw_puts(&d->w, " (");
            docw_code(&d->w, k->name, strlen(k->name));
            docw_puts(&d->w, ")");
        }
    } else {
        docw_puts(&d->w, ", in one row");
    }
    docw_puts(&d->w, ".");
    if (n->a) {
        docw_puts(&d->w, " Only the ");
        docw_puts(&d->w, n->a->text);
        docw_puts(&d->w, n->a->op ? " greatest" : " smallest");
        docw_puts(&d->w, " rows by ");
        docw_code(&d->w, n->a->name, strlen(n->a->name));
        docw_puts(&d->w, " are written.");
    }
    docw_para_end(&d->w);
    const char *heads[2] = {"Column", "Aggregate"};
    char caption[300];
    snprintf(caption, sizeof caption, "Columns of report %s", n->name);
    docw_table_begin(&d->w, caption, 2, heads);
    for (uint32_t i = 0; i < n->list2.count; i++) {
        ast_node *col = n->list2.items[i];
        docw_row_begin(&d->w);
        text_cell(d, col->name, true);
        code_cell(d, col->a);
        docw_row_end(&d->w);
    }
    docw_table_end(&d->w);
}

/* The assessment summaries: whom they go to, the criteria, the values
 * quoted and the council's wording. */
static void render_summaries(doc *d, ast_node *n)
{
    docw_heading(&d->w, d->in_section ? 3 : 2, NULL,
                 "What each assessment summary shows");
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "One summary for each ");
    docw_code(&d->w, n->a->name, strlen(n->a->name));
    docw_puts(&d->w, " in ");
    code_of(d, n->a->a);
    if (n->b) {
        docw_puts(&d->w, ", with ");
        docw_code(&d->w, n->b->name, strlen(n->b->name));
        docw_puts(&d->w, ", the element of ");
        code_of(d, n->b->a);
        docw_puts(&d->w, " in the same place");
    }
    docw_puts(&d->w, " (tally summaries writes them).");
    docw_para_end(&d->w);
    const char *heads[3] = {"Criterion", "Weight", "Score"};
    bool any = false;
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *it = n->list.items[i];
        if (!it->text) {
            continue;
        }
        if (!any) {
            docw_table_begin(&d->w, "Criteria of the assessment summaries", 3, heads);
            any = true;
        }
        docw_row_begin(&d->w);
        docw_cell_begin(&d->w, true);
        docw_text(&d->w, it->text, it->len);
        docw_cell_end(&d->w);
        code_cell(d, it->b);
        code_cell(d, it->a);
        docw_row_end(&d->w);
    }
    if (any) {
        docw_table_end(&d->w);
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *h2[2] = {pass ? "Wording" : "Value", pass ? "Text" : "Quoted from"};
        any = false;
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *it = n->list.items[i];
            bool words = it->a && it->a->kind == AST_TEXT;
            if (it->text || words != (pass == 1)) {
                continue;
            }
            if (!any) {
                docw_table_begin(&d->w, pass ? "Wording of the assessment summaries"
                                             : "Values the assessment summaries quote",
                                 2, h2);
                any = true;
            }
            docw_row_begin(&d->w);
            text_cell(d, it->name, true);
            if (words) {
                docw_cell_begin(&d->w, false);
                docw_text(&d->w, it->a->text, it->a->len);
                docw_cell_end(&d->w);
            } else {
                code_cell(d, it->a);
            }
            docw_row_end(&d->w);
        }
        if (any) {
            docw_table_end(&d->w);
        }
    }
}

/* A lower layer's refinement (lang/layers.c): what it sets, what the
 * layer above leaves open, and the decision it cites. */
static void render_refine(doc *d, ast_node *n)
{
    strbuf b;
    sb_init(&b, d->c->mem);
    flat_span(d, n->name_sp, &b);
    decl_heading(d, "Refinement of", b.p ? b.p : n->name);
    decl_comment(d, n);
    docw_para_begin(&d->w);
    docw_puts(&d->w, "Sets ");
    docw_code(&d->w, b.p ? b.p : "", b.len);
    const sym *f = n->sym;
    const ast_node *by = n->b ? n->b : f ? f->decl : NULL;
    const ast_node *o = by ? by->c : NULL;
    if (o && o->a && o->b) {
        docw_puts(&d->w, ", which the layer above leaves open between ");
        code_of(d, o->a);
        docw_puts(&d->w, " and ");
        code_of(d, o->b);
        docw_puts(&d->w, ",");
    }
    docw_puts(&d->w, " to ");
    code_of(d, n->a);
    docw_puts(&d->w, ", everywhere it is read, its own module included.");
    if (n->c) {
        docw_puts(&d->w, " It leaves the value open to the layers below");
        if (n->c->a && n->c->b) {
            docw_puts(&d->w, " between ");
            code_of(d, n->c->a);
            docw_puts(&d->w, " and ");
            code_of(d, n->c->b);
        }
        docw_puts(&d->w, ".");
    }
    cites_sentence(d, n->cite);
    docw_para_end(&d->w);
    sb_free(&b);
}

/* One sentence for the small declarations. */
static void render_line(doc *d, ast_node *n)
{
    decl_comment(d, n);
    docw_para_begin(&d->w);
    switch ((ast_kind)n->kind) {
    case AST_INPUT:
        docw_puts(&d->w, "Each record read is a ");
        docw_code(&d->w, n->text, strlen(n->text));
        docw_puts(&d->w, ", called ");
        docw_code(&d->w, n->name, strlen(n->name));
        docw_puts(&d->w, " in the rules and identified in the results by its ");
        docw_code(&d->w, n->text2, strlen(n->text2));
        docw_puts(&d->w, ".");
        break;
    case AST_ASOF:
        docw_puts(&d->w, "Each record is evaluated as of ");
        code_of(d, n->a);
        docw_puts(&d->w, ": dated parameters and definitions take the value "
                         "in force that day.");
        break;
    case AST_HOLIDAY:
        docw_puts(&d->w, "A bank holiday is added to the UK calendar: ");
        docw_puts(&d->w, n->text);
        docw_puts(&d->w, ".");
        cites_sentence(d, n->cite);
        break;
    case AST_IMPORT: {
        const tly_file *f = n->num >= 0 && n->num < d->c->nfiles
                                ? d->c->files[n->num] : NULL;
        docw_puts(&d->w, "Uses the module ");
        if (f && f->name) {
            docw_code(&d->w, f->name, strlen(f->name));
        } else {
            code_of(d, n);
        }
        if (f && f->version) {
            docw_puts(&d->w, " version ");
            docw_puts(&d->w, f->version);
        }
        docw_puts(&d->w, f && f->builtin ? " (the standard library)" : "");
        if (n->list.count) {
            docw_puts(&d->w, ", naming ");
            for (uint32_t i = 0; i < n->list.count; i++) {
                docw_puts(&d->w, i ? ", " : "");
                docw_code(&d->w, n->list.items[i]->name,
                          strlen(n->list.items[i]->name));
            }
            docw_puts(&d->w, " directly");
        }
        docw_puts(&d->w, ". What this policy uses of it is set out under "
                         "\"From the modules imported\".");
        break;
    }
    default:
        break;
    }
    docw_para_end(&d->w);
}

static void render_decl(doc *d, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_ENUM: render_enum(d, n); break;
    case AST_RECORD: render_record(d, n); break;
    case AST_ALIAS: render_alias(d, n); break;
    case AST_PARAM: render_param(d, n); break;
    case AST_DEF: render_def(d, n); break;
    case AST_RULE: render_rule(d, n); break;
    case AST_TABLE: render_table(d, n); break;
    case AST_FINDING: render_finding(d, n); break;
    case AST_OUTPUT: render_output(d, n); break;
    case AST_EXTERN: render_extern(d, n); break;
    case AST_AMEND: render_amend(d, n); break;
    case AST_REPORT: render_report(d, n); break;
    case AST_SUMMARIES: render_summaries(d, n); break;
    case AST_REFINE: render_refine(d, n); break;
    case AST_INPUT:
    case AST_ASOF:
    case AST_HOLIDAY:
    case AST_IMPORT: render_line(d, n); break;
    default: break;
    }
}

/* ---- what the policy uses of its modules ------------------------------- */

static void note_used(doc *d, sym *s)
{
    if (!s || !s->decl) {
        return;
    }
    switch (s->kind) {
    case SYM_ENUM:
    case SYM_RECORD:
    case SYM_PARAM:
    case SYM_DEF:
    case SYM_RULE:
    case SYM_EXTERN: break;
    default: return;
    }
    if (file_of(d, s->decl->sp.start) == d->policy) {
        return;
    }
    for (int i = 0; i < d->nused; i++) {
        if (d->used[i] == s) {
            return;
        }
    }
    if (d->nused == d->capused) {
        int cap = d->capused ? d->capused * 2 : 16;
        sym **n = arena_alloc(&d->c->arena, (size_t)cap * sizeof *n);
        if (!n) {
            d->w.out->failed = true;
            return;
        }
        if (d->nused) {
            memcpy(n, d->used, (size_t)d->nused * sizeof *n);
        }
        d->used = n;
        d->capused = cap;
    }
    d->used[d->nused++] = s;
}

static void walk_used(doc *d, ast_node *n, int depth)
{
    if (!n || depth > 4 * TLY_MAX_NESTING) {
        return;
    }
    if (n->kind == AST_NAME || n->kind == AST_CALL || n->kind == AST_ON ||
        n->kind == AST_RECORD_LIT || n->kind == AST_TYPE_NAME ||
        n->kind == AST_AMEND || n->kind == AST_REFINE) {
        note_used(d, n->sym);
    }
    if (n->kind == AST_FIELD_DECL && n->ty) {
        const ty *t = n->ty;
        while (t && t->elem) {
            t = t->elem;
        }
        if (t) {
            note_used(d, t->decl);
        }
    }
    walk_used(d, n->a, depth + 1);
    walk_used(d, n->b, depth + 1);
    walk_used(d, n->c, depth + 1);
    for (uint32_t i = 0; i < n->list.count; i++) {
        walk_used(d, n->list.items[i], depth + 1);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        walk_used(d, n->list2.items[i], depth + 1);
    }
}

/* A sort of the used items by where they are declared: modules in the
 * order read, each in its own order. */
static void sort_used(doc *d)
{
    for (int i = 1; i < d->nused; i++) {
        sym *x = d->used[i];
        int j = i - 1;
        while (j >= 0 && d->used[j]->decl->sp.start > x->decl->sp.start) {
            d->used[j + 1] = d->used[j];
            j--;
        }
        d->used[j + 1] = x;
    }
}

static void render_used(doc *d)
{
    if (!d->nused) {
        return;
    }
    sort_used(d);
    docw_heading(&d->w, 2, "modules", "From the modules imported");
    d->in_section = true;
    docw_para_begin(&d->w);
    docw_puts(&d->w, "The items of imported modules that this policy names, "
                     "as those modules declare them.");
    docw_para_end(&d->w);
    const tly_file *last = NULL;
    for (int i = 0; i < d->nused; i++) {
        ast_node *n = d->used[i]->decl;
        const tly_file *f = file_of(d, n->sp.start);
        if (f != last) {
            docw_para_begin(&d->w);
            docw_puts(&d->w, "From the module ");
            const char *name = f->name ? f->name : f->path;
            docw_code(&d->w, name, strlen(name));
            if (f->version) {
                docw_puts(&d->w, " version ");
                docw_puts(&d->w, f->version);
            }
            docw_puts(&d->w, f->builtin ? " (the standard library):"
                                        : " (");
            if (!f->builtin) {
                docw_puts(&d->w, f->path);
                docw_puts(&d->w, "):");
            }
            docw_para_end(&d->w);
            last = f;
        }
        d->module = f ? f->name : NULL;
        render_decl(d, n);
        d->module = NULL;
    }
}

/* ---- the document ------------------------------------------------------ */

static void render_values(doc *d, ast_node *root)
{
    /* Every dated parameter the policy declares or uses, on the day. */
    int n = 0;
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *p = root->list.items[i];
        n += p->kind == AST_PARAM;
    }
    for (int i = 0; i < d->nused; i++) {
        n += d->used[i]->kind == SYM_PARAM;
    }
    if (!n) {
        return;
    }
    char title[80];
    if (d->has_day) {
        snprintf(title, sizeof title, "Parameters in force on %s",
                 d->day_text);
    } else {
        snprintf(title, sizeof title, "Parameters");
    }
    docw_heading(&d->w, 2, "parameters", title);
    const char *heads[] = {"Parameter", "Value", "In force from", "Citation"};
    docw_table_begin(&d->w, title, 4, heads);
    for (int pass = 0; pass < 2; pass++) {
        int count = pass ? d->nused : (int)root->list.count;
        for (int i = 0; i < count; i++) {
            ast_node *p = pass ? d->used[i]->decl : root->list.items[i];
            if (p->kind != AST_PARAM) {
                continue;
            }
            docw_row_begin(&d->w);
            const tly_file *f = file_of(d, p->sp.start);
            char name[200];
            snprintf(name, sizeof name, "%s%s%s", pass && f->name ? f->name : "",
                     pass && f->name ? "." : "", p->name);
            text_cell(d, name, true);
            ast_node *cite = p->cite;
            if (p->b) {
                code_cell(d, p->b);
                text_cell(d, "always", false);
            } else {
                rows r = rows_of(&p->list);
                ast_node *now = in_force(d, &r);
                code_cell(d, now ? now->a : NULL);
                text_cell(d, now ? now->text : d->has_day ? "none in force"
                                                          : "see its history",
                          false);
                cite = now && now->cite ? now->cite : cite;
            }
            cite_cell(d, cite);
            docw_row_end(&d->w);
        }
    }
    docw_table_end(&d->w);
}

static void render_references(doc *d)
{
    docw_heading(&d->w, 2, "references", "References");
    if (!d->ncites) {
        docw_para_begin(&d->w);
        docw_puts(&d->w, "The policy cites no provision.");
        docw_para_end(&d->w);
        return;
    }
    docw_para_begin(&d->w);
    docw_puts(&d->w, "Every provision this document cites, once, in the "
                     "order first cited.");
    docw_para_end(&d->w);
    docw_list_begin(&d->w);
    for (int i = 0; i < d->ncites; i++) {
        docw_item_begin(&d->w);
        ast_node *c = d->cites[i];
        if (c->text2) {
            char url[2048];
            size_t n = (size_t)c->num < sizeof url ? (size_t)c->num
                                                   : sizeof url - 1;
            memcpy(url, c->text2, n);
            url[n] = '\0';
            docw_text(&d->w, c->text, c->len);
            docw_puts(&d->w, ": ");
            docw_link(&d->w, url, strlen(url), url);
        } else {
            docw_text(&d->w, c->text, c->len);
        }
        docw_item_end(&d->w);
    }
    docw_list_end(&d->w);
}

/* Free-standing comment blocks of [f] between line start [from] and the
 * declaration at [at] (whose own block, directly above it, is left for
 * it); [sections]: a "----" first line opens a section. */
static void between(doc *d, const tly_file *f, size_t from, size_t at)
{
    size_t to = line_start(f, at), above_from, above_to;
    if (comment_above(f, at, &above_from, &above_to)) {
        to = above_from;
    }
    size_t ls = from;
    while (ls < to) {
        size_t le;
        const char *t;
        size_t tl;
        if (!comment_line(f, ls, &le, &t, &tl)) {
            ls = le < f->len ? le + 1 : le;
            continue;
        }
        size_t end = ls;
        while (end < to && comment_line(f, end, &le, &t, &tl)) {
            end = le < f->len ? le + 1 : le;
        }
        prose(d, f, ls, end, true);
        ls = end;
    }
}

/* The line after the one holding byte [at]. */
static size_t next_line(const tly_file *f, size_t at)
{
    while (at < f->len && f->src[at] != '\n') {
        at++;
    }
    return at < f->len ? at + 1 : at;
}

void doc_render(tly_comp *c, const doc_options *o, strbuf *out)
{
    doc d;
    memset(&d, 0, sizeof d);
    d.c = c;
    d.k = chk_results(c);
    ast_node *root = c->root;
    d.policy = c->nfiles ? c->files[0] : tly_file_at(c, 0);
    const ast_node *pol = d.k ? d.k->policy : NULL;
    const ast_node *asof = d.k ? d.k->asof : NULL;
    const char *day_from = NULL;
    if (o->has_as_of) {
        d.has_day = true;
        d.day = o->as_of;
        day_from = "the date asked for";
    } else if (asof && asof->a && asof->a->kind == AST_DATE &&
               date_parse(asof->a->text, strlen(asof->a->text), &d.day)) {
        d.has_day = true;
        day_from = "the policy's evaluation date";
    } else if (o->has_today) {
        d.has_day = true;
        d.day = o->today;
        day_from = "the day this document was made";
    }
    if (d.has_day) {
        day_text(d.day, d.day_text, sizeof d.day_text);
    }
    /* A module alone (tally check accepts one) is titled by its header. */
    const ast_node *mod = root && !pol ? root->b : NULL;
    char modtitle[200];
    if (mod && mod->name) {
        snprintf(modtitle, sizeof modtitle, "Module %s", mod->name);
    }
    const char *title = pol && pol->text ? pol->text
                        : mod && mod->name ? modtitle : d.policy->path;
    const char *version = pol ? pol->text2 : mod ? mod->text2 : NULL;
    docw_begin(&d.w, o->format, out, title);
    docw_heading(&d.w, 1, NULL, title);
    docw_para_begin(&d.w);
    if (version) {
        docw_puts(&d.w, "Version ");
        docw_puts(&d.w, version);
        docw_puts(&d.w, ". ");
    }
    if (pol && pol->text3) {
        docw_puts(&d.w, "Source: ");
        docw_puts(&d.w, pol->text3);
        docw_puts(&d.w, ". ");
    }
    docw_puts(&d.w, mod ? "This document is the module " :
                    "This document is the evaluation methodology as the "
                    "policy ");
    docw_code(&d.w, d.policy->path, strlen(d.policy->path));
    docw_puts(&d.w, mod ? " as it states itself." :
                    " states it: Tally evaluates tenders by exactly these "
                    "rules.");
    if (d.has_day) {
        docw_puts(&d.w, " Values that change over time are shown as in "
                        "force on ");
        docw_puts(&d.w, d.day_text);
        docw_puts(&d.w, " (");
        docw_puts(&d.w, day_from);
        docw_puts(&d.w, "), with their history.");
    }
    docw_para_end(&d.w);
    const tly_file *f = d.policy;
    /* The introduction: every comment before the first declaration or
     * the header, whichever comes first. */
    size_t pos = 0;
    uint32_t first = root && root->list.count
                         ? root->list.items[0]->sp.start - f->base
                         : (uint32_t)f->len;
    if (pol && pol->sp.start - f->base < first) {
        first = pol->sp.start - f->base;
    }
    for (size_t ls = 0; pol && ls < first;) {
        size_t le;
        const char *t;
        size_t tl;
        if (!comment_line(f, ls, &le, &t, &tl)) {
            ls = le < f->len ? le + 1 : le;
            continue;
        }
        size_t end = ls;
        while (end < first && comment_line(f, end, &le, &t, &tl)) {
            end = le < f->len ? le + 1 : le;
        }
        prose(&d, f, ls, end, false);
        ls = end;
    }
    if (pol) {
        pos = next_line(f, pol->sp.end ? pol->sp.end - 1 - f->base : 0);
    }
    for (uint32_t i = 0; root && i < root->list.count; i++) {
        walk_used(&d, root->list.items[i], 0);
    }
    for (uint32_t i = 0; root && i < root->list.count; i++) {
        ast_node *n = root->list.items[i];
        size_t at = n->sp.start - f->base;
        if (at >= pos) {
            between(&d, f, pos, at);
        }
        if (!d.in_section && n->kind != AST_IMPORT) {
            docw_heading(&d.w, 2, NULL, "Methodology");
            d.in_section = true;
        }
        render_decl(&d, n);
        pos = next_line(f, n->sp.end ? n->sp.end - 1 - f->base : 0);
    }
    render_used(&d);
    if (root) {
        render_values(&d, root);
    }
    render_references(&d);
    docw_end(&d.w);
}
