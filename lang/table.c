/* lang/table.c - the static analysis of decision tables (table.h).
 *
 * Every entry of a column names values of the column's type, so the
 * values it names cut the column into classes: each value named, the
 * open stretches between them, and for a text or an enum each value
 * named and "the rest".  No entry can tell two values of one class
 * apart, so whether a row matches a class is decided by testing one
 * representative of it, exactly.  A row is then a set of classes per
 * column, and every question about the table is a question about
 * boxes of classes: two rows overlap when their boxes meet; a gap is a
 * class of each column that no row's box holds; a row can never match
 * under 'hit first' when the boxes before it cover its own.  The gap
 * and cover searches go column by column and try each class, but treat
 * alike the classes that leave the same rows in play, which keeps them
 * small for tables people write; a budget bounds the rest.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "decimal.h"
#include "diag.h"

typedef enum tv_class {
    TV_NUM,  /* integers, decimals, money, percentages (as written), dates */
    TV_FIN,  /* bool and enums: the value's position */
    TV_TEXT
} tv_class;

/* One value of a column. */
typedef struct tv {
    dec d;         /* TV_NUM */
    int64_t i;     /* TV_FIN */
    const char *s; /* TV_TEXT; NULL: a text no entry of the column names */
    uint32_t len;
} tv;

/* An entry, its values converted. */
typedef struct ent {
    const ast_node *n; /* AST_ENTRY */
    tv v[2];           /* the value; a range's ends */
    tv *set;           /* arena: a set's values */
    uint32_t nset;
} ent;

typedef struct column {
    const char *name;
    const ty *ty;
    tv_class cls;
    bool discrete; /* integers and dates: nothing lies between n and n+1 */
    tv *pts;       /* arena: the values its entries name */
    int npts;
    tv *cells;     /* arena: a representative of each class */
    int ncells;
} column;

typedef struct an {
    tly_comp *c;
    arena *a;
    ast_node *t;
    const char *name;
    int nrows, ncols;
    column *cols;
    ent *ents;       /* [r * ncols + j] */
    uint8_t **in;    /* [r * ncols + j]: 1 per class of column j row r holds */
    int *first, *last; /* [r * ncols + j]: the first and last class it holds,
                          so that most pairs of rows part without a scan */
    bool *empty;     /* rows that hold no input */
    uint8_t **live;  /* per depth: the rows still in play */
    uint64_t **seen; /* per depth: hashes of the row sets tried */
    int *pt;         /* an input: a class per column */
    long budget;
    bool gave_up;
    bool failed;
} an;

static void *get(an *A, size_t n)
{
    void *p = arena_zalloc(A->a, n ? n : 1);
    if (!p) {
        A->failed = true;
        A->c->oom = true;
    }
    return p;
}

bool tbl_is_constant(const ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_INT: case AST_DEC: case AST_MONEY: case AST_PERCENT:
    case AST_TEXT: case AST_DATE: case AST_BOOL:
        return true;
    case AST_UNARY:
        return n->op == '-' && n->a &&
               (n->a->kind == AST_INT || n->a->kind == AST_DEC ||
                n->a->kind == AST_MONEY || n->a->kind == AST_PERCENT);
    case AST_NAME: case AST_GET:
        return n->sym && n->sym->kind == SYM_MEMBER;
    default:
        return false;
    }
}

/* [n], a constant (tbl_is_constant), as a value of class [cls]. */
static bool const_value(an *A, const ast_node *n, tv_class cls, tv *out)
{
    memset(out, 0, sizeof *out);
    switch ((ast_kind)n->kind) {
    case AST_INT:
        out->d = dec_from_int(strtoll(n->text, NULL, 10));
        return cls == TV_NUM;
    case AST_DEC: case AST_MONEY: case AST_PERCENT:
        if (dec_parse(A->a, n->text, strlen(n->text), &out->d) != DEC_OK) {
            A->failed = true;
            return false;
        }
        return cls == TV_NUM;
    case AST_DATE:
        out->d = dec_from_int(n->num);
        return cls == TV_NUM;
    case AST_BOOL:
        out->i = n->num;
        return cls == TV_FIN;
    case AST_TEXT:
        out->s = n->text;
        out->len = n->len;
        return cls == TV_TEXT;
    case AST_UNARY: {
        tv x;
        if (n->op != '-' || !const_value(A, n->a, cls, &x) || cls != TV_NUM ||
            dec_neg(A->a, &x.d, &out->d) != DEC_OK) {
            return false;
        }
        return true;
    }
    case AST_NAME: case AST_GET:
        if (n->sym && n->sym->kind == SYM_MEMBER) {
            out->i = n->sym->ordinal;
            return cls == TV_FIN;
        }
        return false;
    default:
        return false;
    }
}

static int tv_cmp(tv_class cls, const tv *x, const tv *y)
{
    switch (cls) {
    case TV_NUM:
        return dec_cmp(&x->d, &y->d);
    case TV_FIN:
        return x->i < y->i ? -1 : x->i > y->i;
    case TV_TEXT:
        if (!x->s || !y->s) { /* the unnamed rest sorts last */
            return !x->s && !y->s ? 0 : x->s ? -1 : 1;
        }
        if (x->len != y->len) {
            int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
            return c ? c : x->len < y->len ? -1 : 1;
        }
        return memcmp(x->s, y->s, x->len);
    }
    return 0;
}

static int cmp_num(const void *x, const void *y)
{
    return tv_cmp(TV_NUM, x, y);
}

static int cmp_text(const void *x, const void *y)
{
    return tv_cmp(TV_TEXT, x, y);
}

/* ---- classes ----------------------------------------------------------- */

static void add_point(an *A, column *col, const tv *v, int *cap)
{
    if (col->npts == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        tv *p = get(A, (size_t)ncap * sizeof *p);
        if (!p) {
            return;
        }
        if (col->npts) {
            memcpy(p, col->pts, (size_t)col->npts * sizeof *p);
        }
        col->pts = p;
        *cap = ncap;
    }
    col->pts[col->npts++] = *v;
}

/* Converts every value of column [j]'s entries (reporting one that is
 * not written out) and gathers them as the column's points. */
static void convert_column(an *A, int j)
{
    column *col = &A->cols[j];
    int cap = 0;
    for (int r = 0; r < A->nrows && !A->failed; r++) {
        ent *e = &A->ents[r * A->ncols + j];
        const ast_node *n = e->n;
        const ast_node *vals[2] = {n->a, n->op == AST_ENTRY_RANGE ? n->b : NULL};
        if (n->op == AST_ENTRY_SET) {
            e->nset = n->list.count;
            e->set = get(A, e->nset * sizeof *e->set);
            for (uint32_t i = 0; e->set && i < e->nset; i++) {
                const ast_node *x = n->list.items[i];
                if (!tbl_is_constant(x) || !const_value(A, x, col->cls, &e->set[i])) {
                    goto not_constant;
                }
                add_point(A, col, &e->set[i], &cap);
            }
            continue;
        }
        for (int k = 0; k < 2 && n->op != AST_ENTRY_ANY; k++) {
            if (!vals[k]) {
                continue;
            }
            if (!tbl_is_constant(vals[k]) || !const_value(A, vals[k], col->cls, &e->v[k])) {
                goto not_constant;
            }
            add_point(A, col, &e->v[k], &cap);
        }
        continue;
not_constant:
        if (!A->failed) {
            diag_add(&A->c->diags, DIAG_ERROR, n->sp,
                     "write the value itself (a number, an amount, a date, a text, "
                     "true or false, or a member of the column's enum); compare "
                     "with a parameter in a definition instead",
                     "an entry of a table must be a value written out");
            A->failed = true;
        }
    }
}

static void add_cell(an *A, column *col, const tv *v, int *cap)
{
    if (col->ncells == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        tv *p = get(A, (size_t)ncap * sizeof *p);
        if (!p) {
            return;
        }
        if (col->ncells) {
            memcpy(p, col->cells, (size_t)col->ncells * sizeof *p);
        }
        col->cells = p;
        *cap = ncap;
    }
    col->cells[col->ncells++] = *v;
}

/* A number of the open stretch (lo, hi) of a column of numbers, or of
 * (lo, infinity) when [hi] is NULL and (-infinity, hi) when [lo] is:
 * the next whole step from an end when it fits, else the middle. */
static bool between(an *A, const column *col, const tv *lo, const tv *hi, tv *out)
{
    dec one = dec_from_int(1);
    memset(out, 0, sizeof *out);
    if (!lo) {
        return dec_sub(A->a, &hi->d, &one, &out->d) == DEC_OK;
    }
    if (dec_add(A->a, &lo->d, &one, &out->d) != DEC_OK) {
        return false;
    }
    if (!hi || dec_cmp(&out->d, &hi->d) < 0) {
        return true;
    }
    if (col->discrete) {
        return false; /* nothing lies between n and n+1 */
    }
    dec sum, two = dec_from_int(2);
    return dec_add(A->a, &lo->d, &hi->d, &sum) == DEC_OK &&
           dec_div(A->a, &sum, &two, &out->d) == DEC_OK;
}

/* The classes of column [j] from its points. */
static void build_cells(an *A, int j)
{
    column *col = &A->cols[j];
    int cap = 0;
    if (col->cls == TV_FIN) {
        int n = col->ty->kind == TY_BOOL ? 2 : col->ty->decl->nmembers;
        for (int i = 0; i < n; i++) {
            tv v;
            memset(&v, 0, sizeof v);
            v.i = i;
            add_cell(A, col, &v, &cap);
        }
        return;
    }
    if (col->cls == TV_NUM) {
        int pcap = col->npts;
        if (col->ty->has_min) {
            tv v;
            memset(&v, 0, sizeof v);
            v.d = dec_from_int(col->ty->min);
            add_point(A, col, &v, &pcap);
        }
        if (col->ty->has_max) {
            tv v;
            memset(&v, 0, sizeof v);
            v.d = dec_from_int(col->ty->max);
            add_point(A, col, &v, &pcap);
        }
    }
    if (A->failed) {
        return;
    }
    qsort(col->pts, (size_t)col->npts, sizeof *col->pts,
          col->cls == TV_NUM ? cmp_num : cmp_text);
    int m = 0;
    for (int i = 0; i < col->npts; i++) {
        if (m == 0 || tv_cmp(col->cls, &col->pts[m - 1], &col->pts[i]) != 0) {
            col->pts[m++] = col->pts[i];
        }
    }
    col->npts = m;
    if (col->cls == TV_TEXT) {
        for (int i = 0; i < m; i++) {
            add_cell(A, col, &col->pts[i], &cap);
        }
        tv rest;
        memset(&rest, 0, sizeof rest);
        add_cell(A, col, &rest, &cap);
        return;
    }
    tv v;
    if (m == 0) {
        memset(&v, 0, sizeof v);
        v.d = dec_from_int(0);
        add_cell(A, col, &v, &cap);
        return;
    }
    if (between(A, col, NULL, &col->pts[0], &v)) {
        add_cell(A, col, &v, &cap);
    }
    for (int i = 0; i < m; i++) {
        add_cell(A, col, &col->pts[i], &cap);
        if (between(A, col, &col->pts[i], i + 1 < m ? &col->pts[i + 1] : NULL, &v)) {
            add_cell(A, col, &v, &cap);
        }
    }
    /* A bounded integer takes no value outside its bounds. */
    if (col->ty->has_min || col->ty->has_max) {
        dec lo = dec_from_int(col->ty->has_min ? col->ty->min : 0);
        dec hi = dec_from_int(col->ty->has_max ? col->ty->max : 0);
        int k = 0;
        for (int i = 0; i < col->ncells; i++) {
            const dec *x = &col->cells[i].d;
            if ((col->ty->has_min && dec_cmp(x, &lo) < 0) ||
                (col->ty->has_max && dec_cmp(x, &hi) > 0)) {
                continue;
            }
            col->cells[k++] = col->cells[i];
        }
        col->ncells = k;
    }
}

static bool holds(tv_class cls, const ent *e, const tv *x)
{
    switch ((ast_entry)e->n->op) {
    case AST_ENTRY_ANY: return true;
    case AST_ENTRY_EQ: return tv_cmp(cls, x, &e->v[0]) == 0;
    case AST_ENTRY_NE: return tv_cmp(cls, x, &e->v[0]) != 0;
    case AST_ENTRY_LT: return tv_cmp(cls, x, &e->v[0]) < 0;
    case AST_ENTRY_LE: return tv_cmp(cls, x, &e->v[0]) <= 0;
    case AST_ENTRY_GT: return tv_cmp(cls, x, &e->v[0]) > 0;
    case AST_ENTRY_GE: return tv_cmp(cls, x, &e->v[0]) >= 0;
    case AST_ENTRY_RANGE: {
        int lo = tv_cmp(cls, x, &e->v[0]), hi = tv_cmp(cls, x, &e->v[1]);
        return (lo > 0 || (lo == 0 && (e->n->num & 1))) &&
               (hi < 0 || (hi == 0 && (e->n->num & 2)));
    }
    case AST_ENTRY_SET:
        for (uint32_t i = 0; i < e->nset; i++) {
            if (tv_cmp(cls, x, &e->set[i]) == 0) {
                return true;
            }
        }
        return false;
    }
    return false;
}

/* ---- writing an input -------------------------------------------------- */

static void put_money(strbuf *b, const column *col, const dec *x)
{
    dec_format_money(x, col->ty->currency ? col->ty->currency : "GBP", b);
}

static void put_value(strbuf *b, const column *col, const tv *v)
{
    switch (col->ty->kind) {
    case TY_BOOL:
        sb_puts(b, v->i ? "true" : "false");
        break;
    case TY_ENUM:
        sb_puts(b, col->ty->decl->members[v->i]->name);
        break;
    case TY_TEXT:
        if (!v->s) {
            sb_puts(b, "any other text");
        } else {
            sb_putc(b, '"');
            for (uint32_t i = 0; i < v->len; i++) {
                if (v->s[i] == '"' || v->s[i] == '\\') {
                    sb_putc(b, '\\');
                }
                sb_putc(b, v->s[i]);
            }
            sb_putc(b, '"');
        }
        break;
    case TY_MONEY:
        put_money(b, col, &v->d);
        break;
    case TY_DATE: {
        int64_t day = 0;
        if (dec_to_int(&v->d, &day) == DEC_OK) {
            date_format(day, b);
        }
        break;
    }
    case TY_PERCENT:
        dec_format(&v->d, b);
        sb_putc(b, '%');
        break;
    default:
        dec_format(&v->d, b);
        break;
    }
}

/* "value = £30,000.00, sme = true": the input A->pt names. */
static void put_input(an *A, strbuf *b)
{
    for (int j = 0; j < A->ncols; j++) {
        sb_printf(b, "%s%s = ", j ? ", " : "", A->cols[j].name);
        put_value(b, &A->cols[j], &A->cols[j].cells[A->pt[j]]);
    }
}

/* "row 2", "rows 1 and 3", "rows 1, 3 and 4": the rows of [which]
 * (1-based numbers), at most eight, then "and others". */
static void put_rows(strbuf *b, const int *which, int n)
{
    sb_puts(b, n == 1 ? "row " : "rows ");
    for (int i = 0; i < n; i++) {
        if (i == 8) {
            sb_puts(b, " and others");
            break;
        }
        if (i > 0) {
            sb_puts(b, i == n - 1 ? " and " : ", ");
        }
        sb_printf(b, "%d", which[i] + 1);
    }
}

static void report(an *A, tly_span sp, diag_sev sev, const char *hint, strbuf *msg)
{
    if (msg->failed) {
        A->c->oom = true;
    } else {
        diag_add(&A->c->diags, sev, sp, hint, "%s", msg->p ? msg->p : "");
    }
    sb_free(msg);
    if (sev == DIAG_ERROR) {
        A->failed = true;
    }
}

/* ---- searches ---------------------------------------------------------- */

static bool row_holds(const an *A, int r, int j, int x)
{
    return A->in[r * A->ncols + j][x] != 0;
}

/* Whether some input, its class in column j within [want][j] (all when
 * [want] is NULL), is held by none of the rows [live] marks, looking
 * from column [j] on; if so A->pt holds one.  Gives up (false, with
 * gave_up) past the budget. */
static bool uncovered(an *A, int j, const uint8_t *live, uint8_t *const *want)
{
    bool any = false;
    for (int r = 0; r < A->nrows && !any; r++) {
        any = live[r] != 0;
    }
    if (!any) {
        for (int x = j; x < A->ncols; x++) {
            int k = 0;
            while (want && !want[x][k]) {
                k++;
            }
            A->pt[x] = k;
        }
        return true;
    }
    if (j == A->ncols) {
        return false;
    }
    const column *col = &A->cols[j];
    uint8_t *sub = A->live[j + 1];
    uint64_t *seen = A->seen[j];
    int nseen = 0;
    for (int x = 0; x < col->ncells; x++) {
        if (want && !want[j][x]) {
            continue;
        }
        if (--A->budget < 0) {
            A->gave_up = true;
            return false;
        }
        uint64_t h = 1469598103934665603u;
        for (int r = 0; r < A->nrows; r++) {
            sub[r] = live[r] && row_holds(A, r, j, x);
            h = (h ^ sub[r]) * 1099511628211u;
        }
        /* Classes that leave the same rows in play lead to the same
         * answer: try one.  (Equal hashes of different sets only cost
         * completeness, which the caller cannot tell from a proof; so
         * compare the sets themselves on a hash match.) */
        bool dup = false;
        for (int s = 0; s < nseen && !dup; s++) {
            if (seen[(size_t)2 * s] == h) {
                int y = (int)seen[(size_t)2 * s + 1];
                dup = true;
                for (int r = 0; r < A->nrows && dup; r++) {
                    dup = (live[r] && row_holds(A, r, j, y)) == (sub[r] != 0);
                }
            }
        }
        if (dup) {
            continue;
        }
        seen[(size_t)2 * nseen] = h;
        seen[(size_t)2 * nseen + 1] = (uint64_t)x;
        nseen++;
        A->pt[j] = x;
        if (uncovered(A, j + 1, sub, want)) {
            return true;
        }
    }
    return false;
}

/* The first class of column [j] that rows [r] and [s] both hold, or -1. */
static int common(const an *A, int r, int s, int j)
{
    int a = r * A->ncols + j, b = s * A->ncols + j;
    int lo = A->first[a] > A->first[b] ? A->first[a] : A->first[b];
    int hi = A->last[a] < A->last[b] ? A->last[a] : A->last[b];
    for (int x = lo; x <= hi; x++) {
        if (A->in[a][x] && A->in[b][x]) {
            return x;
        }
    }
    return -1;
}

/* Whether rows [r] and [s] hold a common input; if so A->pt holds one. */
static bool overlap(an *A, int r, int s)
{
    for (int j = 0; j < A->ncols; j++) {
        int x = common(A, r, s, j);
        if (x < 0) {
            return false;
        }
        A->pt[j] = x;
    }
    return true;
}

static bool overlaps(const an *A, int r, int s)
{
    for (int j = 0; j < A->ncols; j++) {
        if (common(A, r, s, j) < 0) {
            return false;
        }
    }
    return true;
}

/* ---- the checks -------------------------------------------------------- */

static tly_span row_span(const an *A, int r)
{
    return A->t->list2.items[r]->sp;
}

static void check_empty_rows(an *A)
{
    for (int r = 0; r < A->nrows; r++) {
        for (int j = 0; j < A->ncols && !A->empty[r]; j++) {
            int x = 0;
            while (x < A->cols[j].ncells && !row_holds(A, r, j, x)) {
                x++;
            }
            if (x < A->cols[j].ncells) {
                continue;
            }
            A->empty[r] = true;
            strbuf m;
            sb_init(&m, A->c->mem);
            sb_printf(&m, "row %d of table '%s' can never match: its entry for "
                      "'%s' holds no value '%s' can take", r + 1, A->name,
                      A->cols[j].name, A->cols[j].name);
            report(A, A->ents[r * A->ncols + j].n->sp, DIAG_ERROR,
                   "a range [a..b) needs a below b; [a..a] holds a alone", &m);
        }
    }
}

/* Under 'hit unique': each pair of rows that hold a common input. */
static void check_unique(an *A)
{
    for (int s = 1; s < A->nrows; s++) {
        for (int r = 0; r < s; r++) {
            if (A->empty[r] || A->empty[s] || !overlap(A, r, s)) {
                continue;
            }
            strbuf m;
            sb_init(&m, A->c->mem);
            sb_printf(&m, "rows %d and %d of table '%s' overlap: both match ",
                      r + 1, s + 1, A->name);
            put_input(A, &m);
            report(A, row_span(A, s), DIAG_ERROR,
                   "under 'hit unique' one row matches each input: narrow one of "
                   "them (ranges that meet are written [a..b) and [b..c)), or "
                   "use 'hit first' if the order of the rows decides", &m);
            break; /* one report per row */
        }
    }
}

/* The output of row [r] as a value, when it is written out. */
static bool row_output(an *A, int r, tv_class cls, tv *out)
{
    const ast_node *o = A->t->list2.items[r]->a;
    return o && tbl_is_constant(o) && const_value(A, o, cls, out);
}

static tv_class class_of(const ty *t)
{
    switch (t->kind) {
    case TY_BOOL: case TY_ENUM: return TV_FIN;
    case TY_TEXT: return TV_TEXT;
    default: return TV_NUM;
    }
}

/* Under 'hit any': rows that hold a common input and give different
 * outputs, when both outputs are written out (others are compared at
 * run time). */
static void check_any(an *A, const ty *out_ty)
{
    tv_class cls = class_of(out_ty);
    for (int s = 1; s < A->nrows; s++) {
        tv os;
        if (A->empty[s] || !row_output(A, s, cls, &os)) {
            continue;
        }
        for (int r = 0; r < s; r++) {
            tv orr;
            if (A->empty[r] || !row_output(A, r, cls, &orr) ||
                tv_cmp(cls, &orr, &os) == 0 || !overlap(A, r, s)) {
                continue;
            }
            strbuf m;
            sb_init(&m, A->c->mem);
            sb_printf(&m, "rows %d and %d of table '%s' both match ", r + 1,
                      s + 1, A->name);
            put_input(A, &m);
            sb_puts(&m, " and give different outputs");
            report(A, row_span(A, s), DIAG_ERROR,
                   "under 'hit any' rows that match one input must agree: "
                   "narrow one of them, or give them the same output", &m);
            break;
        }
    }
}

static void check_gap(an *A)
{
    uint8_t *live = A->live[0];
    for (int r = 0; r < A->nrows; r++) {
        live[r] = !A->empty[r];
    }
    if (!uncovered(A, 0, live, NULL)) {
        return;
    }
    strbuf m;
    sb_init(&m, A->c->mem);
    sb_printf(&m, "no row of table '%s' matches ", A->name);
    put_input(A, &m);
    report(A, A->t->name_sp, DIAG_ERROR,
           A->t->c->op == AST_HIT_UNIQUE
               ? "add a row that covers it: the table must give a value for every input"
               : "add a row that covers it, or end the table with a row of 'any' "
                 "entries", &m);
}

/* Under 'hit first' (in [order], the order rows are tried): rows that
 * the rows before them cover entirely. */
static void check_reachable(an *A, const int *order, const char *why)
{
    uint8_t **want = get(A, (size_t)A->ncols * sizeof *want);
    int *cover = get(A, (size_t)A->nrows * sizeof *cover);
    if (!want || !cover) {
        return;
    }
    for (int p = 1; p < A->nrows && !A->gave_up; p++) {
        int s = order[p];
        if (A->empty[s]) {
            continue;
        }
        uint8_t *live = A->live[0];
        memset(live, 0, (size_t)A->nrows);
        int ncover = 0;
        for (int q = 0; q < p; q++) {
            int r = order[q];
            if (!A->empty[r] && overlaps(A, r, s)) {
                live[r] = 1;
                cover[ncover++] = r;
            }
        }
        if (ncover == 0) {
            continue;
        }
        for (int j = 0; j < A->ncols; j++) {
            want[j] = A->in[s * A->ncols + j];
        }
        if (uncovered(A, 0, live, want) || A->gave_up) {
            continue;
        }
        /* One input of the row, to show. */
        for (int j = 0; j < A->ncols; j++) {
            int x = 0;
            while (!want[j][x]) {
                x++;
            }
            A->pt[j] = x;
        }
        for (int i = 1; i < ncover; i++) { /* numbers in the order written */
            for (int k = i; k > 0 && cover[k - 1] > cover[k]; k--) {
                int t = cover[k];
                cover[k] = cover[k - 1];
                cover[k - 1] = t;
            }
        }
        strbuf m;
        sb_init(&m, A->c->mem);
        sb_printf(&m, "row %d of table '%s' can never %s: ", s + 1, A->name, why);
        put_rows(&m, cover, ncover);
        sb_printf(&m, " %s every input it covers, such as ", ncover == 1 ? "takes" : "take");
        put_input(A, &m);
        report(A, row_span(A, s), DIAG_ERROR,
               strcmp(why, "match") == 0
                   ? "remove the row, or move it above the rows that take its inputs"
                   : "remove the row, or give it an output of higher priority", &m);
    }
}

bool tbl_analyse(tly_comp *c, ast_node *t, sym *const *params, int ncols)
{
    an A;
    memset(&A, 0, sizeof A);
    A.c = c;
    A.a = &c->arena;
    A.t = t;
    A.name = t->name;
    A.nrows = (int)t->list2.count;
    A.ncols = ncols;
    A.budget = TBL_SEARCH_BUDGET;
    A.cols = get(&A, (size_t)ncols * sizeof *A.cols);
    A.ents = get(&A, (size_t)A.nrows * (size_t)ncols * sizeof *A.ents);
    A.in = get(&A, (size_t)A.nrows * (size_t)ncols * sizeof *A.in);
    A.first = get(&A, (size_t)A.nrows * (size_t)ncols * sizeof *A.first);
    A.last = get(&A, (size_t)A.nrows * (size_t)ncols * sizeof *A.last);
    A.empty = get(&A, (size_t)A.nrows * sizeof *A.empty);
    A.live = get(&A, (size_t)(ncols + 1) * sizeof *A.live);
    A.seen = get(&A, (size_t)(ncols + 1) * sizeof *A.seen);
    A.pt = get(&A, (size_t)(ncols + 1) * sizeof *A.pt);
    if (A.failed) {
        return false;
    }
    for (int j = 0; j < ncols; j++) {
        column *col = &A.cols[j];
        col->name = params[j]->name;
        col->ty = params[j]->ty;
        col->cls = class_of(col->ty);
        col->discrete = col->ty->kind == TY_INT || col->ty->kind == TY_DATE;
        for (int r = 0; r < A.nrows; r++) {
            A.ents[r * ncols + j].n = t->list2.items[r]->list.items[j];
        }
    }
    for (int j = 0; j < ncols && !A.failed; j++) {
        convert_column(&A, j);
    }
    for (int j = 0; j < ncols && !A.failed; j++) {
        build_cells(&A, j);
    }
    for (int j = 0; j <= ncols && !A.failed; j++) {
        A.live[j] = get(&A, (size_t)A.nrows);
        int nc = j < ncols ? A.cols[j].ncells : 0;
        A.seen[j] = get(&A, (size_t)(2 * nc + 1) * sizeof(uint64_t));
    }
    for (int r = 0; r < A.nrows && !A.failed; r++) {
        for (int j = 0; j < ncols && !A.failed; j++) {
            const column *col = &A.cols[j];
            uint8_t *in = get(&A, (size_t)col->ncells);
            int k = r * ncols + j;
            A.first[k] = col->ncells;
            A.last[k] = -1;
            for (int x = 0; in && x < col->ncells; x++) {
                in[x] = holds(col->cls, &A.ents[k], &col->cells[x]);
                if (in[x]) {
                    A.first[k] = x < A.first[k] ? x : A.first[k];
                    A.last[k] = x;
                }
            }
            A.in[k] = in;
        }
    }
    if (A.failed) {
        return false;
    }
    check_empty_rows(&A);
    ast_hit hit = (ast_hit)t->c->op;
    int *order = get(&A, (size_t)A.nrows * sizeof *order);
    if (!order) {
        return false;
    }
    for (int r = 0; r < A.nrows; r++) {
        order[r] = r;
    }
    switch (hit) {
    case AST_HIT_UNIQUE:
        check_unique(&A);
        check_gap(&A);
        break;
    case AST_HIT_ANY:
        check_any(&A, t->ty);
        check_gap(&A);
        break;
    case AST_HIT_FIRST:
        check_gap(&A);
        check_reachable(&A, order, "match");
        break;
    case AST_HIT_PRIORITY: {
        /* Rows are tried by their output's place in its enum, then in
         * the order written. */
        int64_t *rank = get(&A, (size_t)A.nrows * sizeof *rank);
        if (!rank) {
            return false;
        }
        for (int r = 0; r < A.nrows; r++) {
            tv o;
            rank[r] = row_output(&A, r, TV_FIN, &o) ? o.i : INT64_MAX;
        }
        for (int i = 1; i < A.nrows; i++) {
            for (int k = i; k > 0 && rank[order[k - 1]] > rank[order[k]]; k--) {
                int x = order[k];
                order[k] = order[k - 1];
                order[k - 1] = x;
            }
        }
        check_gap(&A);
        check_reachable(&A, order, "decide");
        break;
    }
    case AST_HIT_MIN:
    case AST_HIT_MAX:
        check_gap(&A);
        break;
    case AST_HIT_LIST:
    case AST_HIT_SUM:
    case AST_HIT_COUNT:
        break;
    }
    if (A.gave_up && !A.failed) {
        diag_add(&c->diags, DIAG_WARNING, t->name_sp,
                 "split the table, or give its columns fewer distinct values",
                 "table '%s' is too large to prove free of gaps and unreachable "
                 "rows; those are found at run time instead [W602 table-too-large]", t->name);
    }
    return !A.failed;
}
