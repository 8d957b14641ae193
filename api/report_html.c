/* api/report_html.c - the portfolio page: a run's reports as HTML
 * (report_html.h).
 *
 * A view of the CSV form, never a second rendering: each report is
 * written by runtime/report.c as CSV (rep_write_report) into memory and
 * read back cell by cell, so the page's cells and row order are the CSV
 * and table formats' to the byte, whether the state came from one run,
 * from --jobs workers or from merged partials.  The column types come
 * from the report's result record: numbers (integers, decimals, money,
 * percentages, durations) are right-aligned as the table aligns them,
 * and each integer, decimal, money or percentage column of a report
 * with group keys and two rows or more gets a horizontal bar chart, a
 * bar per group
 * (api/chart.c: exact coordinates, negative values drawn leftwards from
 * a zero axis); a report without keys charts its percentages together.
 * A column whose cells are not plain decimals (money in several
 * currencies, "EUR 12.50") and a report of more than CHART_MAX_ROWS rows
 * get no chart: the table says everything.  HTML markup and escaping are
 * lang/docw.c's.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "docw.h"

/* Bars a chart may hold: past this a chart is a smear, not a picture,
 * and the table is the better reading (the contracts example's reports
 * have at most a dozen groups). */
#define CHART_MAX_ROWS 60

/* The page's own CSS, after docw's: numbers right-aligned, charts no
 * wider than the page. */
static const char css_more[] =
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:1rem 0}\n"
    "figcaption{font-size:.9em;color:#333}\n"
    "svg{max-width:100%;height:auto}\n";

/* A report's CSV read back: [nrows] rows (the header first) of [ncols]
 * cells, each a NUL-terminated copy in the arena. */
typedef struct grid {
    const char **cell; /* arena: nrows * ncols */
    size_t nrows, ncols;
} grid;

/* Reads the CSV [s] (RFC 4180 as runtime/output.c writes it: quoted
 * cells with doubled quotes, "\n" line ends) into [g].  False when out
 * of memory or when a row's cells are not the header's count. */
static bool read_csv(arena *a, const char *s, size_t len, grid *g)
{
    size_t most = 1;
    for (size_t i = 0; i < len; i++) {
        most += s[i] == ',' || s[i] == '\n';
    }
    g->cell = arena_alloc(a, most * sizeof *g->cell);
    char *buf = arena_alloc(a, len + 1);
    if (!g->cell || !buf) {
        return false;
    }
    g->nrows = g->ncols = 0;
    size_t n = 0, at = 0, row_cells = 0;
    size_t i = 0;
    while (i < len) {
        char *cell = buf + at;
        if (s[i] == '"') {
            i++;
            while (i < len && !(s[i] == '"' && (i + 1 >= len || s[i + 1] != '"'))) {
                buf[at++] = s[i];
                i += s[i] == '"' ? 2 : 1;
            }
            i++; /* the closing quote */
        } else {
            while (i < len && s[i] != ',' && s[i] != '\n') {
                buf[at++] = s[i++];
            }
        }
        buf[at++] = '\0';
        g->cell[n++] = cell;
        row_cells++;
        if (i >= len || s[i] == '\n') {
            if (g->nrows == 0) {
                g->ncols = row_cells;
            } else if (row_cells != g->ncols) {
                return false;
            }
            g->nrows++;
            row_cells = 0;
        }
        i++;
    }
    return g->nrows > 0;
}

/* The kind of field [i] of [rp]'s result record, through optionals. */
static bc_type_kind field_kind(const bc_program *p, const bc_report *rp, size_t i)
{
    const bc_record *rec = &p->records[p->types[rp->out_type].ref];
    const bc_type *ty = &p->types[p->fields[rec->first_field + i].type];
    while (ty->kind == BT_OPTIONAL) {
        ty = &p->types[ty->ref];
    }
    return (bc_type_kind)ty->kind;
}

static bool is_number(bc_type_kind k)
{
    return k == BT_INT || k == BT_DEC || k == BT_MONEY || k == BT_PERCENT ||
           k == BT_DURATION;
}

static bool is_charted(bc_type_kind k)
{
    return k == BT_INT || k == BT_DEC || k == BT_MONEY || k == BT_PERCENT;
}

/* [doc] (comment lines joined by "\n") as paragraphs, split at empty
 * lines, the lines of each joined by spaces, as tally doc shows prose. */
static void paragraphs(docw *w, const char *doc)
{
    const char *p = doc;
    bool open = false;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == 0 && open) {
            docw_para_end(w);
            open = false;
        } else if (n) {
            if (!open) {
                docw_para_begin(w);
                open = true;
            } else {
                docw_puts(w, " ");
            }
            docw_text(w, p, n);
        }
        p = nl ? nl + 1 : p + n;
    }
    if (open) {
        docw_para_end(w);
    }
}

/* The charts of a report with group keys: one per charted column, a bar
 * per row labelled by its keys. */
static void key_charts(const bc_program *p, const bc_report *rp, const char *name,
                       const grid *g, docw *w, arena *a, strbuf *svg)
{
    size_t rows = g->nrows - 1;
    const char **labels = arena_alloc(a, rows * sizeof *labels);
    const char **values = arena_alloc(a, rows * sizeof *values);
    strbuf lab;
    sb_init(&lab, svg->mem);
    if (!labels || !values) {
        svg->failed = true;
        return;
    }
    /* the keys' names, for the titles */
    for (size_t k = 0; k < rp->nkeys; k++) {
        sb_puts(&lab, k ? ", " : "");
        sb_puts(&lab, g->cell[k]);
    }
    char *keys = lab.failed ? NULL : arena_alloc(a, lab.len + 1);
    if (!keys) {
        svg->failed = true;
        sb_free(&lab);
        return;
    }
    memcpy(keys, lab.p, lab.len);
    keys[lab.len] = '\0';
    sb_clear(&lab);
    for (size_t r = 0; r < rows; r++) {
        size_t mark = lab.len;
        for (size_t k = 0; k < rp->nkeys; k++) {
            const char *c = g->cell[(r + 1) * g->ncols + k];
            sb_puts(&lab, k ? ", " : "");
            sb_puts(&lab, *c ? c : "none");
        }
        char *l = lab.failed ? NULL : arena_alloc(a, lab.len - mark + 1);
        if (!l) {
            svg->failed = true;
            sb_free(&lab);
            return;
        }
        memcpy(l, lab.p + mark, lab.len - mark);
        l[lab.len - mark] = '\0';
        labels[r] = l;
        lab.len = mark;
    }
    for (size_t c = rp->nkeys; c < g->ncols; c++) {
        bc_type_kind kind = field_kind(p, rp, c);
        if (!is_charted(kind)) {
            continue;
        }
        for (size_t r = 0; r < rows; r++) {
            values[r] = g->cell[(r + 1) * g->ncols + c];
        }
        char title[400], caption[600];
        snprintf(title, sizeof title, "%s: %s by %s", name, g->cell[c], keys);
        snprintf(caption, sizeof caption, "%s: %s for each %s%s; the table "
                 "above gives the same numbers.", name, g->cell[c], keys,
                 kind == BT_PERCENT ? ", a percentage" : "");
        chart_bars cb = {title, caption, chart_colour(c - rp->nkeys), labels,
                         values, rows, kind == BT_PERCENT ? "100" : NULL};
        sb_clear(svg);
        if (chart_hbar(svg, a, &cb) && !svg->failed) {
            docw_html(w, svg->p, svg->len);
        }
    }
    sb_free(&lab);
}

/* The chart of a report without keys (one row): its percentages side by
 * side, when it has two or more. */
static void share_chart(const bc_program *p, const bc_report *rp, const char *name,
                        const grid *g, docw *w, arena *a, strbuf *svg)
{
    const char **labels = arena_alloc(a, g->ncols * sizeof *labels);
    const char **values = arena_alloc(a, g->ncols * sizeof *values);
    if (!labels || !values) {
        svg->failed = true;
        return;
    }
    size_t n = 0;
    for (size_t c = 0; c < g->ncols; c++) {
        if (field_kind(p, rp, c) == BT_PERCENT) {
            labels[n] = g->cell[c];
            values[n++] = g->cell[g->ncols + c];
        }
    }
    if (n < 2) {
        return;
    }
    char title[300], caption[400];
    snprintf(title, sizeof title, "%s: the percentages", name);
    snprintf(caption, sizeof caption, "%s: its percentages; the table above "
             "gives the same numbers.", name);
    chart_bars cb = {title, caption, chart_colour(0), labels, values, n, "100"};
    sb_clear(svg);
    if (chart_hbar(svg, a, &cb) && !svg->failed) {
        docw_html(w, svg->p, svg->len);
    }
}

/* Writes report [i]'s section. */
static rt_status section(const tally_program *tp, rep_state *rep, uint32_t i, docw *w,
                         arena *a, strbuf *svg, char *err, size_t errcap)
{
    const bc_program *p = tp->prog;
    const bc_report *rp = &p->reports[i];
    const char *name = p->strings[rp->name].p;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        return RT_ENOMEM;
    }
    rt_status st = rep_write_report(rep, i, mem, OUT_CSV, err, errcap);
    if (fclose(mem) != 0 && st == RT_OK) {
        st = RT_ENOMEM;
    }
    grid g;
    if (st == RT_OK && !read_csv(a, text, len, &g)) {
        st = RT_ENOMEM;
    }
    free(text);
    if (st != RT_OK) {
        return st;
    }
    char id[200];
    size_t k = 0;
    for (const char *s = "report-"; *s && k + 1 < sizeof id; s++) {
        id[k++] = *s;
    }
    for (const char *s = name; *s && k + 1 < sizeof id; s++) {
        id[k++] = (char)(*s == '_' ? '-' : *s);
    }
    id[k] = '\0';
    docw_heading(w, 2, id, name);
    if (tp->report_docs && tp->report_docs[i]) {
        paragraphs(w, tp->report_docs[i]);
    }
    size_t rows = g.nrows - 1;
    if (rows == 0) {
        docw_para_begin(w);
        docw_puts(w, "No rows: no record reached this report.");
        docw_para_end(w);
        return RT_OK;
    }
    char caption[300];
    snprintf(caption, sizeof caption, "%s: %zu row%s", name, rows, rows == 1 ? "" : "s");
    docw_table_begin(w, caption, (int)g.ncols, g.cell);
    for (size_t r = 1; r < g.nrows; r++) {
        docw_row_begin(w);
        for (size_t c = 0; c < g.ncols; c++) {
            if (c == 0 && rp->nkeys) {
                docw_cell_begin(w, true);
            } else if (is_number(field_kind(p, rp, c))) {
                docw_num_cell_begin(w);
            } else {
                docw_cell_begin(w, false);
            }
            docw_puts(w, g.cell[r * g.ncols + c]);
            docw_cell_end(w);
        }
        docw_row_end(w);
    }
    docw_table_end(w);
    if (g.ncols != (size_t)rp->nkeys + rp->ncols || rows > CHART_MAX_ROWS ||
        (rp->nkeys && rows < 2)) {
        return RT_OK;
    }
    if (rp->nkeys) {
        key_charts(p, rp, name, &g, w, a, svg);
    } else {
        share_chart(p, rp, name, &g, w, a, svg);
    }
    return svg->failed ? RT_ENOMEM : RT_OK;
}

rt_status api_report_html(const tally_program *tp, rep_state *rep, FILE *f,
                          char *err, size_t errcap)
{
    const bc_program *p = tp->prog;
    mem_ctx m;
    api_setup_mem(&m, &tp->cfg);
    strbuf page, svg;
    sb_init(&page, &m);
    sb_init(&svg, &m);
    arena a;
    arena_init(&a, &m);
    const char *title = p->strings[p->title].p;
    const char *version = p->strings[p->version].p;
    docw w;
    docw_begin_css(&w, DOCW_HTML, &page, title, css_more);
    docw_heading(&w, 1, NULL, title);
    docw_para_begin(&w);
    docw_puts(&w, "Version ");
    docw_puts(&w, version);
    docw_puts(&w, ". The policy's reports over every record of the run: "
                  "each report's rows, a row per group, with bar charts "
                  "comparing the groups.");
    docw_para_end(&w);
    rt_status st = RT_OK;
    for (uint32_t i = 0; i < p->nreports && st == RT_OK; i++) {
        st = section(tp, rep, i, &w, &a, &svg, err, errcap);
        arena_reset(&a);
    }
    docw_end(&w);
    if (st == RT_OK && page.failed) {
        st = RT_ENOMEM;
    }
    if (st == RT_OK && (fwrite(page.p, 1, page.len, f) != page.len ||
                        fflush(f) != 0 || ferror(f))) {
        st = RT_EIO;
    }
    arena_free(&a);
    sb_free(&svg);
    sb_free(&page);
    return st;
}
