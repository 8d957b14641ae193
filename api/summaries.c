/* api/summaries.c - tally_summaries: assessment summaries from a run
 * (include/tally.h).
 *
 * The policy is checked (for its `summaries` declaration, typed by
 * lang/summary.c) and compiled; each tender is evaluated by a session,
 * with citations; then the input record and the output record, both
 * JSON, are read along the declaration's paths.  Every number a summary
 * prints is the text the run wrote (or the input held, for weights and
 * question scores), never recomputed: the only numbers made here are the
 * points available (the exact sum of the criteria's weights), the count
 * of tenders ranked and the chart's coordinates, which are exact
 * decimals rounded to two places explicitly.  The wording is the
 * policy's, with lang/summary.c's defaults; lang/docw.c writes HTML and
 * Markdown, and JSON is written here.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "chart.h"
#include "decimal.h"
#include "docw.h"
#include "front.h"
#include "summary.h"

/* What the declaration says, gathered by role. */
typedef struct spec {
    ast_node *decl;
    ast_node *role[SUM_ROLE_COUNT]; /* single items, or NULL */
    ast_node **crit;                /* criteria, in the order written */
    uint32_t ncrit;
} spec;

/* One supplier of a tender. */
typedef struct supplier {
    yajl_val out, in;  /* its output element and paired input element */
    const char *id;    /* its reference as text (owned by buf) */
    const char *name;  /* its name, or its reference */
    char file[96];     /* its letter's file name, without extension */
    bool scored;       /* it has a total */
} supplier;

/* One tender being written. */
typedef struct tender {
    const spec *sp;
    yajl_val in, out;
    const char *ref, *title, *buyer;
    char dir[96];
    supplier *sup;
    size_t nsup;
    supplier *award; /* the most advantageous tender, or NULL */
    char available[64];
    size_t ranked;
    arena *a;        /* scratch for decimals */
    strbuf *scratch; /* text of values */
    char problem[300]; /* why no letters were written, or "" */
} tender;

/* ---- reading values --------------------------------------------------- */

static yajl_val walk(const tender *t, const supplier *s, const ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_NAME:
        switch (n->aux) {
        case SUM_ROOT_INPUT: return t->in;
        case SUM_ROOT_OUTPUT: return t->out;
        case SUM_ROOT_EACH: return s ? s->out : NULL;
        default: return s ? s->in : NULL;
        }
    case AST_GET: {
        yajl_val v = walk(t, s, n->a);
        if (!v || !YAJL_IS_OBJECT(v) || !n->text) {
            return NULL;
        }
        for (size_t i = 0; i < v->u.object.len; i++) {
            if (strcmp(v->u.object.keys[i], n->text) == 0) {
                return v->u.object.values[i];
            }
        }
        return NULL;
    }
    case AST_INDEX: {
        yajl_val v = walk(t, s, n->a);
        if (!v) {
            return NULL;
        }
        if (YAJL_IS_OBJECT(v) && n->b->kind == AST_TEXT) {
            for (size_t i = 0; i < v->u.object.len; i++) {
                if (strcmp(v->u.object.keys[i], n->b->text) == 0) {
                    return v->u.object.values[i];
                }
            }
            return NULL;
        }
        if (YAJL_IS_ARRAY(v) && n->b->kind == AST_INT) {
            size_t i = (size_t)strtoull(n->b->text, NULL, 10);
            return i < v->u.array.len ? v->u.array.values[i] : NULL;
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

/* [v] as the text the run wrote: a string's bytes, a number's digits, a
 * bool; NULL for null or a missing value. */
static const char *scalar(yajl_val v)
{
    if (!v) {
        return NULL;
    }
    if (YAJL_IS_STRING(v)) {
        return v->u.string;
    }
    if (YAJL_IS_NUMBER(v)) {
        return v->u.number.r;
    }
    if (YAJL_IS_TRUE(v)) {
        return "true";
    }
    if (YAJL_IS_FALSE(v)) {
        return "false";
    }
    return NULL;
}

static const char *sum_value(const tender *t, const supplier *s, sum_role r)
{
    const ast_node *it = t->sp->role[r];
    return it ? scalar(walk(t, s, it->a)) : NULL;
}

static yajl_val object_get(yajl_val o, const char *key)
{
    if (!o || !YAJL_IS_OBJECT(o)) {
        return NULL;
    }
    for (size_t i = 0; i < o->u.object.len; i++) {
        if (strcmp(o->u.object.keys[i], key) == 0) {
            return o->u.object.values[i];
        }
    }
    return NULL;
}

/* A reference as a file name: letters, digits, '.', '-', '_'; others
 * (and a leading '.') become '_'. */
static void file_name(char *buf, size_t cap, const char *id)
{
    size_t n = 0;
    for (const char *p = id ? id : ""; *p && n + 1 < cap; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
                  (ch == '.' && n > 0);
        if (!ok) {
            ch = '_';
        }
        buf[n++] = ch;
    }
    if (n == 0) {
        buf[n++] = '_';
    }
    buf[n] = '\0';
}

/* ---- wording ----------------------------------------------------------- */

static const char *wording(const spec *sp, sum_role r)
{
    const ast_node *it = sp->role[r];
    return it ? it->a->text : sum_default_wording(r);
}

/* The value of the placeholder {[name]} for supplier [s]; NULL unknown. */
static const char *placeholder(const tender *t, const supplier *s,
                               const char *name, char *num, size_t cap)
{
    if (strcmp(name, "tender") == 0) return t->ref;
    if (strcmp(name, "title") == 0) return t->title;
    if (strcmp(name, "buyer") == 0) return t->buyer;
    if (strcmp(name, "supplier") == 0) return s ? s->id : NULL;
    if (strcmp(name, "name") == 0) return s ? s->name : NULL;
    if (strcmp(name, "status") == 0) return s ? sum_value(t, s, SUM_STATUS) : NULL;
    if (strcmp(name, "reason") == 0) return s ? sum_value(t, s, SUM_REASON) : NULL;
    if (strcmp(name, "total") == 0) return s ? sum_value(t, s, SUM_TOTAL) : NULL;
    if (strcmp(name, "rank") == 0) return s ? sum_value(t, s, SUM_RANK) : NULL;
    if (strcmp(name, "available") == 0) return t->available;
    if (strcmp(name, "ranked") == 0) {
        snprintf(num, cap, "%zu", t->ranked);
        return num;
    }
    if (strcmp(name, "award") == 0) return t->award ? t->award->id : NULL;
    if (strcmp(name, "award_name") == 0) return t->award ? t->award->name : NULL;
    if (strcmp(name, "award_total") == 0) {
        return t->award ? sum_value(t, t->award, SUM_TOTAL) : NULL;
    }
    return NULL;
}

/* [tpl] with each {name} replaced, into [b] (cleared first). */
static void expand(const tender *t, const supplier *s, const char *tpl,
                   strbuf *b)
{
    sb_clear(b);
    for (const char *p = tpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p < 40) {
            char name[40], num[32];
            memcpy(name, p + 1, (size_t)(close - p - 1));
            name[close - p - 1] = '\0';
            const char *v = placeholder(t, s, name, num, sizeof num);
            sb_puts(b, v ? v : "-");
            p = close + 1;
        } else {
            sb_putc(b, *p++);
        }
    }
    sb_putc(b, '\0');
    b->len--;
}

/* ---- HTML and Markdown ------------------------------------------------ */

static void para(docw *w, const char *text)
{
    if (!text || !*text) {
        return;
    }
    docw_para_begin(w);
    docw_puts(w, text);
    docw_para_end(w);
}

static void cell(docw *w, const char *text, bool head)
{
    docw_cell_begin(w, head);
    docw_puts(w, text ? text : "");
    docw_cell_end(w);
}

/* The tender's chart: a stacked bar of each scored supplier's points per
 * criterion, drawn to the points available, with a text alternative
 * (api/chart.c). */
static void chart(tender *t, docw *w, mem_ctx *m)
{
    const spec *sp = t->sp;
    if (!sp->ncrit || !t->ranked) {
        return;
    }
    strbuf b, desc;
    sb_init(&b, m);
    sb_init(&desc, m);
    chart_stack_row *rows = arena_alloc(t->a, (t->nsup + 1) * sizeof *rows);
    const char **vals = arena_alloc(t->a, (t->nsup * sp->ncrit + 1) * sizeof *vals);
    const char **series = arena_alloc(t->a, (sp->ncrit + 1) * sizeof *series);
    if (!rows || !vals || !series) {
        sb_free(&b);
        sb_free(&desc);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->nsup; i++) {
        supplier *s = &t->sup[i];
        if (!s->scored) {
            continue;
        }
        sb_puts(&desc, s->name);
        sb_puts(&desc, ": ");
        const char **v = vals + n * sp->ncrit;
        for (uint32_t c = 0; c < sp->ncrit; c++) {
            v[c] = scalar(walk(t, s, sp->crit[c]->a));
            sb_puts(&desc, sp->crit[c]->text);
            sb_puts(&desc, " ");
            sb_puts(&desc, v[c] ? v[c] : "-");
            sb_puts(&desc, ", ");
        }
        sb_puts(&desc, "total ");
        sb_puts(&desc, sum_value(t, s, SUM_TOTAL));
        sb_puts(&desc, ". ");
        rows[n].label = s->name;
        rows[n].values = v;
        rows[n].end = sum_value(t, s, SUM_TOTAL);
        n++;
    }
    for (uint32_t c = 0; c < sp->ncrit; c++) {
        series[c] = sp->crit[c]->text;
    }
    char caption[200];
    snprintf(caption, sizeof caption, "Points of each scored tender, out of %s, "
             "by criterion (the table below gives the same numbers).", t->available);
    chart_stack cs = {
        .title = "Points of each scored tender by criterion",
        .desc = desc.failed || !desc.p ? "" : desc.p,
        .caption = caption,
        .series = series,
        .nseries = sp->ncrit,
        .max = t->available,
        .rows = rows,
        .nrows = n,
        .tall = t->ranked,
    };
    chart_stacked(&b, t->a, &cs);
    if (!b.failed) {
        docw_html(w, b.p, b.len);
    }
    sb_free(&desc);
    sb_free(&b);
}

/* The per-question table of [s]: its score and the evaluators' words. */
static void question_table(tender *t, docw *w, const supplier *s,
                           const char *caption)
{
    const spec *sp = t->sp;
    yajl_val q = sp->role[SUM_QUESTIONS] ? walk(t, s, sp->role[SUM_QUESTIONS]->a) : NULL;
    yajl_val j = sp->role[SUM_JUSTIFY] ? walk(t, s, sp->role[SUM_JUSTIFY]->a) : NULL;
    yajl_val keys = q && YAJL_IS_OBJECT(q) ? q : j;
    if (!keys || !YAJL_IS_OBJECT(keys) || !keys->u.object.len) {
        return;
    }
    static const char *const heads[] = {"Question", "Score", "The evaluators' justification"};
    docw_table_begin(w, caption, 3, heads);
    for (size_t i = 0; i < keys->u.object.len; i++) {
        const char *k = keys->u.object.keys[i];
        docw_row_begin(w);
        cell(w, k, true);
        cell(w, scalar(object_get(q, k)), false);
        cell(w, scalar(object_get(j, k)), false);
        docw_row_end(w);
    }
    docw_table_end(w);
}

/* Is [s] a scored tender other than the winner with the winner's total? */
static bool tied(const tender *t, const supplier *s)
{
    if (!t->award || t->award == s || !s->scored) {
        return false;
    }
    const char *a = sum_value(t, s, SUM_TOTAL), *b = sum_value(t, t->award, SUM_TOTAL);
    dec x, y;
    return a && b && dec_parse_number(t->a, a, strlen(a), 64, &x) == DEC_OK &&
           dec_parse_number(t->a, b, strlen(b), 64, &y) == DEC_OK &&
           dec_cmp(&x, &y) == 0;
}

/* The letter to supplier [s]. */
static void letter(tender *t, docw *w, const supplier *s, mem_ctx *m)
{
    const spec *sp = t->sp;
    strbuf *x = t->scratch;
    expand(t, s, wording(sp, SUM_W_HEADING), x);
    docw_begin(w, w->fmt, w->out, x->p);
    docw_heading(w, 1, NULL, x->p);
    expand(t, s, wording(sp, SUM_W_OPENING), x);
    para(w, x->p);
    if (s->scored) {
        expand(t, s, wording(sp, SUM_W_SCORED), x);
        para(w, x->p);
    } else {
        expand(t, s, wording(sp, SUM_W_UNSCORED), x);
        para(w, x->p);
    }
    expand(t, s, wording(sp, !t->award ? SUM_W_NO_AWARD
                                       : t->award == s ? SUM_W_WON : SUM_W_LOST), x);
    para(w, x->p);
    if (tied(t, s)) {
        expand(t, s, wording(sp, SUM_W_TIED), x);
        para(w, x->p);
    }
    if (sp->ncrit) {
        bool other = t->award && t->award != s;
        expand(t, s, wording(sp, SUM_W_SCORES), x);
        docw_heading(w, 2, NULL, x->p);
        const char *heads4[] = {"Criterion", "Weight", wording(sp, SUM_W_YOURS),
                                wording(sp, SUM_W_BEST)};
        char cap[300];
        snprintf(cap, sizeof cap, "%s: points by criterion%s", s->name,
                 other ? ", beside the most advantageous tender" : "");
        docw_table_begin(w, cap, other ? 4 : 3, heads4);
        for (uint32_t c = 0; c < sp->ncrit; c++) {
            docw_row_begin(w);
            cell(w, sp->crit[c]->text, true);
            cell(w, scalar(walk(t, s, sp->crit[c]->b)), false);
            const char *v = scalar(walk(t, s, sp->crit[c]->a));
            cell(w, v ? v : wording(sp, SUM_W_NOT_SCORED), false);
            if (other) {
                cell(w, scalar(walk(t, t->award, sp->crit[c]->a)), false);
            }
            docw_row_end(w);
        }
        docw_row_begin(w);
        cell(w, "Total", true);
        cell(w, t->available, false);
        const char *tot = sum_value(t, s, SUM_TOTAL);
        cell(w, tot ? tot : wording(sp, SUM_W_NOT_SCORED), false);
        if (other) {
            cell(w, sum_value(t, t->award, SUM_TOTAL), false);
        }
        docw_row_end(w);
        if (sp->role[SUM_RANK]) {
            docw_row_begin(w);
            cell(w, "Rank", true);
            cell(w, "", false);
            const char *rk = sum_value(t, s, SUM_RANK);
            cell(w, rk ? rk : wording(sp, SUM_W_NOT_SCORED), false);
            if (other) {
                cell(w, sum_value(t, t->award, SUM_RANK), false);
            }
            docw_row_end(w);
        }
        docw_table_end(w);
    }
    bool own = s->scored || (sp->role[SUM_JUSTIFY] &&
                             walk(t, s, sp->role[SUM_JUSTIFY]->a));
    if ((sp->role[SUM_QUESTIONS] || sp->role[SUM_JUSTIFY]) &&
        (own || (t->award && t->award != s))) {
        expand(t, s, wording(sp, SUM_W_REASONS), x);
        docw_heading(w, 2, NULL, x->p);
        char cap[300];
        snprintf(cap, sizeof cap, "%s: score and justification per question", s->name);
        if (own) {
            question_table(t, w, s, cap);
        }
        if (t->award && t->award != s) {
            snprintf(cap, sizeof cap, "The most advantageous tender (%s): score "
                     "and justification per question", t->award->name);
            question_table(t, w, t->award, cap);
        }
    }
    yajl_val cites = object_get(t->out, "cites");
    if (cites && YAJL_IS_ARRAY(cites) && cites->u.array.len) {
        expand(t, s, wording(sp, SUM_W_RULES), x);
        docw_heading(w, 2, NULL, x->p);
        docw_list_begin(w);
        for (size_t i = 0; i < cites->u.array.len; i++) {
            yajl_val c = cites->u.array.values[i];
            const char *by = scalar(object_get(c, "by"));
            const char *ci = scalar(object_get(c, "cites"));
            const char *url = scalar(object_get(c, "url"));
            docw_item_begin(w);
            if (url) {
                docw_link(w, ci ? ci : "", ci ? strlen(ci) : 0, url);
            } else {
                docw_puts(w, ci ? ci : "");
            }
            docw_puts(w, " (");
            docw_puts(w, by ? by : "");
            docw_puts(w, ")");
            docw_item_end(w);
        }
        docw_list_end(w);
    }
    expand(t, s, wording(sp, SUM_W_CLOSING), x);
    para(w, x->p);
    expand(t, s, wording(sp, SUM_W_SIGNATURE), x);
    para(w, x->p);
    (void)m;
    docw_end(w);
}

/* The tender's page: every supplier in a table, the chart, the letters. */
static void tender_page(tender *t, docw *w, const char *ext, mem_ctx *m)
{
    const spec *sp = t->sp;
    expand(t, NULL, wording(sp, SUM_W_PAGE), t->scratch);
    char title[400];
    snprintf(title, sizeof title, "%s", t->scratch->p ? t->scratch->p : "");
    docw_begin(w, w->fmt, w->out, title);
    docw_heading(w, 1, NULL, title);
    docw_para_begin(w);
    docw_puts(w, "Reference ");
    docw_puts(w, t->ref);
    if (t->buyer) {
        docw_puts(w, ", for ");
        docw_puts(w, t->buyer);
    }
    docw_puts(w, ". ");
    if (t->award) {
        docw_puts(w, "The most advantageous tender is that of ");
        docw_puts(w, t->award->name);
        docw_puts(w, ".");
    } else {
        docw_puts(w, "No tender is to be awarded the contract.");
    }
    docw_para_end(w);
    chart(t, w, m);
    if (!t->nsup) {
        para(w, "No tenders were received.");
        docw_end(w);
        return;
    }
    int ncols = 4 + (int)sp->ncrit + 2;
    const char **heads = arena_alloc(t->a, (size_t)ncols * sizeof *heads);
    if (!heads) {
        docw_end(w);
        return;
    }
    int h = 0;
    heads[h++] = "Supplier";
    heads[h++] = "Status";
    for (uint32_t c = 0; c < sp->ncrit; c++) {
        heads[h++] = sp->crit[c]->text;
    }
    heads[h++] = "Total";
    heads[h++] = "Rank";
    heads[h++] = "Reason";
    heads[h++] = "Summary";
    docw_table_begin(w, "Every tender, as assessed", ncols, heads);
    for (size_t i = 0; i < t->nsup; i++) {
        supplier *s = &t->sup[i];
        docw_row_begin(w);
        cell(w, s->name, true);
        cell(w, sum_value(t, s, SUM_STATUS), false);
        for (uint32_t c = 0; c < sp->ncrit; c++) {
            cell(w, scalar(walk(t, s, sp->crit[c]->a)), false);
        }
        cell(w, sum_value(t, s, SUM_TOTAL), false);
        cell(w, sum_value(t, s, SUM_RANK), false);
        cell(w, sum_value(t, s, SUM_REASON), false);
        docw_cell_begin(w, false);
        char href[128];
        snprintf(href, sizeof href, "%s.%s", s->file, ext);
        docw_file_link(w, "assessment summary", href);
        docw_cell_end(w);
        docw_row_end(w);
    }
    docw_table_end(w);
    docw_end(w);
}

/* ---- JSON --------------------------------------------------------------- */

static void jkey(strbuf *b, bool *first, const char *k)
{
    if (!*first) {
        sb_puts(b, ", ");
    }
    *first = false;
    sb_put_json_string(b, k, strlen(k));
    sb_puts(b, ": ");
}

/* A value as the run wrote it: strings stay strings, numbers numbers. */
static void jval(strbuf *b, yajl_val v)
{
    if (v && YAJL_IS_STRING(v)) {
        sb_put_json_string(b, v->u.string, strlen(v->u.string));
    } else if (v && (YAJL_IS_NUMBER(v) || YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))) {
        sb_puts(b, scalar(v));
    } else {
        sb_puts(b, "null"); /* null, absent, or not a scalar */
    }
}

static void jstr(strbuf *b, const char *s)
{
    if (s) {
        sb_put_json_string(b, s, strlen(s));
    } else {
        sb_puts(b, "null");
    }
}

static void json_questions(tender *t, strbuf *b, const supplier *s)
{
    const spec *sp = t->sp;
    yajl_val q = sp->role[SUM_QUESTIONS] ? walk(t, s, sp->role[SUM_QUESTIONS]->a) : NULL;
    yajl_val j = sp->role[SUM_JUSTIFY] ? walk(t, s, sp->role[SUM_JUSTIFY]->a) : NULL;
    yajl_val keys = q && YAJL_IS_OBJECT(q) ? q : j;
    sb_putc(b, '[');
    for (size_t i = 0; keys && YAJL_IS_OBJECT(keys) && i < keys->u.object.len; i++) {
        const char *k = keys->u.object.keys[i];
        bool f = true;
        sb_puts(b, i ? ", {" : "{");
        jkey(b, &f, "question");
        jstr(b, k);
        jkey(b, &f, "score");
        jval(b, object_get(q, k));
        jkey(b, &f, "justification");
        jval(b, object_get(j, k));
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
}

/* One supplier's summary as a JSON object: the values and the letter's
 * paragraphs. */
static void json_supplier(tender *t, strbuf *b, const supplier *s, bool letter_too)
{
    const spec *sp = t->sp;
    bool f = true;
    sb_putc(b, '{');
    jkey(b, &f, "supplier");
    jstr(b, s->id);
    jkey(b, &f, "name");
    jstr(b, s->name);
    jkey(b, &f, "status");
    jstr(b, sum_value(t, s, SUM_STATUS));
    jkey(b, &f, "reason");
    jstr(b, sum_value(t, s, SUM_REASON));
    jkey(b, &f, "criteria");
    sb_putc(b, '[');
    for (uint32_t c = 0; c < sp->ncrit; c++) {
        bool g = true;
        sb_puts(b, c ? ", {" : "{");
        jkey(b, &g, "criterion");
        jstr(b, sp->crit[c]->text);
        jkey(b, &g, "weight");
        jval(b, walk(t, s, sp->crit[c]->b));
        jkey(b, &g, "score");
        jval(b, walk(t, s, sp->crit[c]->a));
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
    jkey(b, &f, "total");
    jval(b, sp->role[SUM_TOTAL] ? walk(t, s, sp->role[SUM_TOTAL]->a) : NULL);
    jkey(b, &f, "rank");
    jval(b, sp->role[SUM_RANK] ? walk(t, s, sp->role[SUM_RANK]->a) : NULL);
    jkey(b, &f, "questions");
    json_questions(t, b, s);
    if (letter_too) {
        strbuf *x = t->scratch;
        jkey(b, &f, "letter");
        sb_putc(b, '[');
        sum_role rs[] = {SUM_W_OPENING, s->scored ? SUM_W_SCORED : SUM_W_UNSCORED,
                         !t->award ? SUM_W_NO_AWARD
                                   : t->award == s ? SUM_W_WON : SUM_W_LOST,
                         tied(t, s) ? SUM_W_TIED : SUM_ROLE_COUNT,
                         SUM_W_CLOSING, SUM_W_SIGNATURE};
        bool g = true;
        for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
            if (rs[i] == SUM_ROLE_COUNT) {
                continue;
            }
            expand(t, s, wording(sp, rs[i]), x);
            if (!x->len) {
                continue;
            }
            if (!g) {
                sb_puts(b, ", ");
            }
            g = false;
            sb_put_json_string(b, x->p, x->len);
        }
        sb_putc(b, ']');
    }
    sb_putc(b, '}');
}

static void json_tender_head(tender *t, strbuf *b, bool *f)
{
    jkey(b, f, "tender");
    jstr(b, t->ref);
    jkey(b, f, "title");
    jstr(b, t->title);
    jkey(b, f, "buyer");
    jstr(b, t->buyer);
    jkey(b, f, "available");
    jstr(b, t->available);
    jkey(b, f, "ranked");
    sb_printf(b, "%zu", t->ranked);
    jkey(b, f, "award");
    jstr(b, t->award ? t->award->id : NULL);
    jkey(b, f, "cites");
    yajl_val cites = object_get(t->out, "cites");
    sb_putc(b, '[');
    for (size_t i = 0; cites && YAJL_IS_ARRAY(cites) && i < cites->u.array.len; i++) {
        yajl_val c = cites->u.array.values[i];
        bool g = true;
        sb_puts(b, i ? ", {" : "{");
        jkey(b, &g, "by");
        jval(b, object_get(c, "by"));
        jkey(b, &g, "cites");
        jval(b, object_get(c, "cites"));
        if (object_get(c, "url")) {
            jkey(b, &g, "url");
            jval(b, object_get(c, "url"));
        }
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
}

static void json_letter(tender *t, strbuf *b, const supplier *s)
{
    bool f = true;
    sb_putc(b, '{');
    jkey(b, &f, "summary_format");
    sb_puts(b, "1");
    json_tender_head(t, b, &f);
    jkey(b, &f, "most_advantageous");
    if (t->award && t->award != s) {
        json_supplier(t, b, t->award, false);
    } else {
        sb_puts(b, "null");
    }
    jkey(b, &f, "summary");
    json_supplier(t, b, s, true);
    sb_puts(b, "}\n");
}

static void json_tender(tender *t, strbuf *b)
{
    bool f = true;
    sb_putc(b, '{');
    jkey(b, &f, "summary_format");
    sb_puts(b, "1");
    json_tender_head(t, b, &f);
    jkey(b, &f, "suppliers");
    sb_putc(b, '[');
    for (size_t i = 0; i < t->nsup; i++) {
        if (i) {
            sb_puts(b, ", ");
        }
        json_supplier(t, b, &t->sup[i], false);
    }
    sb_puts(b, "]}\n");
}

/* ---- the run ------------------------------------------------------------ */

static bool gather(const ast_node *d, spec *sp, arena *a)
{
    memset(sp, 0, sizeof *sp);
    sp->decl = (ast_node *)d;
    sp->crit = arena_alloc(a, (d->list.count + 1) * sizeof *sp->crit);
    if (!sp->crit) {
        return false;
    }
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *it = d->list.items[i];
        if (it->aux == SUM_CRITERION) {
            sp->crit[sp->ncrit++] = it;
        } else if (it->aux >= 0 && it->aux < SUM_ROLE_COUNT) {
            sp->role[it->aux] = it;
        }
    }
    return true;
}

/* Fills [t] from its input and output; false with t->problem set when
 * its letters cannot be written. */
static bool prepare(tender *t, size_t *cap_sup)
{
    const spec *sp = t->sp;
    t->ref = sum_value(t, NULL, SUM_TENDER);
    t->title = sum_value(t, NULL, SUM_TITLE);
    t->buyer = sum_value(t, NULL, SUM_BUYER);
    if (!t->ref) {
        t->ref = "tender";
    }
    if (!t->title) {
        t->title = t->ref;
    }
    file_name(t->dir, sizeof t->dir, t->ref);
    yajl_val list = walk(t, NULL, sp->decl->a->a);
    yajl_val paired = sp->decl->b ? walk(t, NULL, sp->decl->b->a) : NULL;
    size_t n = list && YAJL_IS_ARRAY(list) ? list->u.array.len : 0;
    if (sp->decl->b) {
        size_t m = paired && YAJL_IS_ARRAY(paired) ? paired->u.array.len : 0;
        if (m != n) {
            snprintf(t->problem, sizeof t->problem, "the output lists %zu "
                     "suppliers and the input %zu, so they cannot be paired", n, m);
            return false;
        }
    }
    if (n > *cap_sup) {
        supplier *grown = realloc(t->sup, n * sizeof *grown);
        if (!grown) {
            snprintf(t->problem, sizeof t->problem, "out of memory");
            return false;
        }
        t->sup = grown;
        *cap_sup = n;
    }
    t->nsup = n;
    t->award = NULL;
    t->ranked = 0;
    const char *award = sum_value(t, NULL, SUM_AWARD);
    for (size_t i = 0; i < n; i++) {
        supplier *s = &t->sup[i];
        memset(s, 0, sizeof *s);
        s->out = list->u.array.values[i];
        s->in = paired ? paired->u.array.values[i] : NULL;
        s->id = sum_value(t, s, SUM_SUPPLIER);
        if (!s->id) {
            s->id = "supplier";
        }
        s->name = sum_value(t, s, SUM_NAME);
        if (!s->name) {
            s->name = s->id;
        }
        s->scored = sum_value(t, s, SUM_TOTAL) != NULL;
        if (sum_value(t, s, SUM_RANK)) {
            t->ranked++;
        }
        if (award && !t->award && strcmp(award, s->id) == 0) {
            t->award = s;
        }
        file_name(s->file, sizeof s->file - 12, s->id);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(t->sup[k].file, s->file) == 0) {
                size_t l = strlen(s->file);
                snprintf(s->file + l, sizeof s->file - l, "-%zu", i + 1);
                break;
            }
        }
    }
    /* The points available: the exact sum of the criteria's weights. */
    dec sum = dec_from_int(0);
    for (uint32_t c = 0; c < sp->ncrit; c++) {
        const char *v = scalar(walk(t, n ? &t->sup[0] : NULL, sp->crit[c]->b));
        dec d;
        if (v && dec_parse_number(t->a, v, strlen(v), 64, &d) == DEC_OK) {
            (void)dec_add(t->a, &sum, &d, &sum);
        }
    }
    sb_clear(t->scratch);
    dec_format(&sum, t->scratch);
    snprintf(t->available, sizeof t->available, "%.*s",
             (int)(t->scratch->len < 60 ? t->scratch->len : 60),
             t->scratch->failed ? "" : t->scratch->p);
    /* Every scored supplier has the evaluators' words on each question. */
    if (sp->role[SUM_JUSTIFY]) {
        for (size_t i = 0; i < n; i++) {
            supplier *s = &t->sup[i];
            if (!s->scored) {
                continue;
            }
            yajl_val j = walk(t, s, sp->role[SUM_JUSTIFY]->a);
            if (!j || !YAJL_IS_OBJECT(j)) {
                snprintf(t->problem, sizeof t->problem, "supplier %.80s has no "
                         "justifications", s->id);
                return false;
            }
            yajl_val q = sp->role[SUM_QUESTIONS] ? walk(t, s, sp->role[SUM_QUESTIONS]->a) : NULL;
            for (size_t k = 0; q && YAJL_IS_OBJECT(q) && k < q->u.object.len; k++) {
                const char *why = scalar(object_get(j, q->u.object.keys[k]));
                if (!why || !*why) {
                    snprintf(t->problem, sizeof t->problem, "supplier %.80s has "
                             "no justification for question %.80s", s->id,
                             q->u.object.keys[k]);
                    return false;
                }
            }
        }
    }
    return true;
}

typedef struct writer {
    tally_summary_format fmt;
    const char *ext;
    tally_summary_sink sink;
    void *ud;
    strbuf page;    /* one file at a time */
    strbuf index;   /* the index, written last */
    docw iw;        /* the index's writer (HTML, Markdown) */
    size_t ntenders;
    bool failed;    /* a sink refused a file */
} writer;

static void emit(writer *wr, const char *dir, const char *file)
{
    char name[256];
    snprintf(name, sizeof name, "%s%s%s.%s", dir ? dir : "", dir ? "/" : "",
             file, wr->ext);
    if (!wr->failed && !wr->page.failed &&
        wr->sink(wr->ud, name, wr->page.p ? wr->page.p : "", wr->page.len) != 0) {
        wr->failed = true;
    }
    sb_clear(&wr->page);
}

static void index_row(writer *wr, tender *t, const char *problem)
{
    if (wr->fmt == TALLY_SUMMARY_JSON) {
        bool f = true;
        sb_puts(&wr->index, wr->ntenders ? ",\n {" : "\n {");
        jkey(&wr->index, &f, "tender");
        jstr(&wr->index, t->ref);
        jkey(&wr->index, &f, "title");
        jstr(&wr->index, t->title);
        jkey(&wr->index, &f, "award");
        jstr(&wr->index, t->award && !problem ? t->award->id : NULL);
        jkey(&wr->index, &f, "summaries");
        if (problem) {
            sb_puts(&wr->index, "null");
            jkey(&wr->index, &f, "problem");
            jstr(&wr->index, problem);
        } else {
            sb_putc(&wr->index, '[');
            for (size_t i = 0; i < t->nsup; i++) {
                sb_printf(&wr->index, "%s\"%s/%s.json\"", i ? ", " : "", t->dir,
                          t->sup[i].file);
            }
            sb_putc(&wr->index, ']');
        }
        sb_putc(&wr->index, '}');
    } else {
        docw *w = &wr->iw;
        docw_row_begin(w);
        cell(w, t->ref, true);
        cell(w, t->title, false);
        docw_cell_begin(w, false);
        if (problem) {
            docw_puts(w, "no summaries: ");
            docw_puts(w, problem);
        } else if (t->award) {
            docw_puts(w, "awarded to ");
            docw_puts(w, t->award->name);
        } else {
            docw_puts(w, "no award");
        }
        docw_cell_end(w);
        docw_cell_begin(w, false);
        if (!problem) {
            char href[256];
            snprintf(href, sizeof href, "%s/index.%s", t->dir, wr->ext);
            char text[64];
            snprintf(text, sizeof text, "%zu summar%s", t->nsup,
                     t->nsup == 1 ? "y" : "ies");
            docw_file_link(w, text, href);
        }
        docw_cell_end(w);
        docw_row_end(w);
    }
    wr->ntenders++;
}

/* Writes the tender's page and letters. */
static void write_tender(writer *wr, tender *t, mem_ctx *m)
{
    if (wr->fmt == TALLY_SUMMARY_JSON) {
        json_tender(t, &wr->page);
        emit(wr, t->dir, "index");
        for (size_t i = 0; i < t->nsup; i++) {
            json_letter(t, &wr->page, &t->sup[i]);
            emit(wr, t->dir, t->sup[i].file);
        }
        return;
    }
    docw w;
    docw_format f = wr->fmt == TALLY_SUMMARY_MARKDOWN ? DOCW_MARKDOWN : DOCW_HTML;
    memset(&w, 0, sizeof w);
    w.fmt = f;
    w.out = &wr->page;
    tender_page(t, &w, wr->ext, m);
    emit(wr, t->dir, "index");
    for (size_t i = 0; i < t->nsup; i++) {
        memset(&w, 0, sizeof w);
        w.fmt = f;
        w.out = &wr->page;
        letter(t, &w, &t->sup[i], m);
        emit(wr, t->dir, t->sup[i].file);
    }
}

/* The reference of a record that got no output: the tender path when it
 * starts at the input, else its line number. */
static const char *record_ref(tender *t, size_t line, char *buf, size_t cap)
{
    const char *r = t->in ? sum_value(t, NULL, SUM_TENDER) : NULL;
    if (r) {
        return r;
    }
    snprintf(buf, cap, "line %zu", line);
    return buf;
}

tally_status tally_summaries(const tally_config *cfg, const char *file,
                             const char *src, size_t len, FILE *in,
                             tally_summary_format format,
                             tally_summary_sink sink, void *ud)
{
    mem_ctx m;
    api_setup_mem(&m, cfg);
    tly_comp c;
    tly_comp_init(&c, &m, file, src, len);
    c.diags.stage = DIAG_SYNTAX;
    c.lib_path = cfg ? cfg->lib_path : NULL;
    c.no_file_imports = cfg && cfg->no_file_imports;
    bool ok = tly_load(&c);
    if (ok) {
        c.diags.stage = DIAG_CHECK;
        ok = tly_check(&c);
    }
    const ast_node *decl = NULL;
    for (uint32_t i = 0; ok && c.root && i < c.root->list.count; i++) {
        if (c.root->list.items[i]->kind == AST_SUMMARIES) {
            decl = c.root->list.items[i];
        }
    }
    if (ok && !decl) {
        /* No defaults: which output fields are the suppliers, scores,
         * weights and ranks is the policy's to say. */
        tly_span end = {(uint32_t)len, (uint32_t)len};
        diag_add(&c.diags, DIAG_ERROR, end,
                 "add a 'summaries' declaration (docs/language.md, "
                 "\"Assessment summaries\")",
                 "the policy declares no summaries, so it does not say which "
                 "values are the suppliers, their scores, weights and ranks");
        ok = false;
    }
    api_report(cfg, &c);
    if (!ok) {
        tally_status st = c.oom ? TALLY_ENOMEM : TALLY_EPOLICY;
        tly_comp_free(&c);
        return st;
    }
    spec sp;
    tally_program *p = NULL;
    tally_session *sess = NULL;
    tally_status st = TALLY_OK;
    if (!gather(decl, &sp, &c.arena)) {
        tly_comp_free(&c);
        return TALLY_ENOMEM;
    }
    st = tally_compile(cfg, file, src, len, &p);
    if (st == TALLY_OK) {
        tally_run_options ro;
        memset(&ro, 0, sizeof ro);
        ro.cites = 1;
        st = tally_session_new(p, &ro, &sess);
    }
    if (st != TALLY_OK) {
        tally_program_free(p);
        tly_comp_free(&c);
        return st;
    }
    writer wr;
    memset(&wr, 0, sizeof wr);
    wr.fmt = format;
    wr.ext = format == TALLY_SUMMARY_JSON ? "json"
             : format == TALLY_SUMMARY_MARKDOWN ? "md" : "html";
    wr.sink = sink;
    wr.ud = ud;
    sb_init(&wr.page, &m);
    sb_init(&wr.index, &m);
    strbuf scratch;
    sb_init(&scratch, &m);
    arena a;
    arena_init(&a, &m);
    if (format == TALLY_SUMMARY_JSON) {
        sb_puts(&wr.index, "{\"summary_format\": 1, \"tenders\": [");
    } else {
        const char *head = wording(&sp, SUM_W_INDEX);
        docw_begin(&wr.iw, format == TALLY_SUMMARY_MARKDOWN ? DOCW_MARKDOWN : DOCW_HTML,
                   &wr.index, head);
        docw_heading(&wr.iw, 1, NULL, head);
        para(&wr.iw, "One assessment summary for each supplier whose tender "
                     "was assessed, made from the same evaluation that "
                     "decided the award.");
        static const char *const heads[] = {"Tender", "Title", "Outcome", "Summaries"};
        docw_table_begin(&wr.iw, "The tenders assessed", 4, heads);
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0, cap_sup = 0;
    ssize_t got;
    tender t;
    memset(&t, 0, sizeof t);
    t.sp = &sp;
    t.a = &a;
    t.scratch = &scratch;
    tally_status worst = TALLY_OK;
    while (!wr.failed && (got = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                     line[n - 1] == ' ' || line[n - 1] == '\t')) {
            line[--n] = '\0';
        }
        if (!n) {
            continue;
        }
        const char *out;
        size_t olen;
        tally_status es = tally_session_eval(sess, line, n, &out, &olen);
        if (es == TALLY_ENOMEM || es == TALLY_EINTERNAL) {
            worst = es;
            break;
        }
        char ebuf[256];
        t.in = yajl_tree_parse(line, ebuf, sizeof ebuf);
        char *otext = malloc(olen + 1);
        if (!otext) {
            yajl_tree_free(t.in);
            worst = TALLY_ENOMEM;
            break;
        }
        memcpy(otext, out, olen);
        otext[olen] = '\0';
        t.out = yajl_tree_parse(otext, ebuf, sizeof ebuf);
        t.problem[0] = '\0';
        if (es != TALLY_OK) {
            const char *why = scalar(object_get(t.out, "error"));
            snprintf(t.problem, sizeof t.problem, "%s: %.200s",
                     es == TALLY_EDATA ? "the record was rejected"
                                       : "the policy failed on it",
                     why ? why : "see the run's error record");
            if (worst == TALLY_OK || es == TALLY_ERUNTIME) {
                worst = es;
            }
        } else if (!prepare(&t, &cap_sup)) {
            if (worst == TALLY_OK) {
                worst = TALLY_EDATA;
            }
        }
        if (t.problem[0]) {
            char refbuf[40];
            tender bad = t;
            bad.ref = record_ref(&t, lineno, refbuf, sizeof refbuf);
            bad.title = t.in ? sum_value(&t, NULL, SUM_TITLE) : NULL;
            if (!bad.title) {
                bad.title = "";
            }
            char msg[500];
            snprintf(msg, sizeof msg, "tally: %.100s: no summaries for %.60s: %s",
                     file, bad.ref, t.problem);
            api_message(cfg, msg);
            index_row(&wr, &bad, t.problem);
        } else {
            write_tender(&wr, &t, &m);
            index_row(&wr, &t, NULL);
        }
        yajl_tree_free(t.in);
        yajl_tree_free(t.out);
        t.in = t.out = NULL;
        free(otext);
        arena_reset(&a);
    }
    if (ferror(in) && worst == TALLY_OK) {
        api_message(cfg, "tally: cannot read the data");
        worst = TALLY_EIO;
    }
    free(line);
    free(t.sup);
    if (format == TALLY_SUMMARY_JSON) {
        sb_puts(&wr.index, "\n]}\n");
    } else {
        docw_table_end(&wr.iw);
        docw_end(&wr.iw);
    }
    if (!wr.failed && (wr.index.failed || wr.page.failed || scratch.failed)) {
        worst = TALLY_ENOMEM;
    } else if (!wr.failed) {
        sb_clear(&wr.page);
        sb_put(&wr.page, wr.index.p ? wr.index.p : "", wr.index.len);
        emit(&wr, NULL, "index");
    }
    if (wr.failed) {
        worst = TALLY_EIO;
    }
    arena_free(&a);
    sb_free(&scratch);
    sb_free(&wr.page);
    sb_free(&wr.index);
    tally_session_free(sess);
    tally_program_free(p);
    tly_comp_free(&c);
    return worst;
}
