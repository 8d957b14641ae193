/* lang/amend.c - amendments: dated rows a module adds to what it imports.
 *
 *   import procurement
 *   amend procurement.thresholds
 *     from 2027-01-01 = procurement.Thresholds { ... } cites "S.I. 2026/1234"
 *
 * A policy is compiled as one program, so an amendment changes the
 * parameter or definition for all of it: the module that declares it
 * reads the new rows too.  amend_check resolves and checks one 'amend' in
 * the file being checked (its rows' values in that file's names, over the
 * definition's parameters); amend_merge, once every file is checked, puts
 * each item's rows and all its amendments' in date order and writes the
 * merged list back into the declaration, which is all the compiler reads.
 * An amendment adds rows after the declaration's last one: one that would
 * start before it, or while another row (of the declaration or of another
 * amendment) is in force, is an error naming both rows.  A row may not
 * read what it amends, even through other definitions: the one search
 * for cycles below runs after the merge.  Everything lives in the
 * compilation's arena.
 */
#include "check_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

void amend_where(checker *k, uint32_t off, char *buf, size_t cap)
{
    const tly_file *f;
    uint32_t line, col;
    tly_position(k->c, off, &f, &line, &col);
    snprintf(buf, cap, "%s:%u:%u", f->path ? f->path : "", line, col);
}

const char *amend_kind_words(const sym *s)
{
    switch (s->kind) {
    case SYM_ENUM: return "an enumeration";
    case SYM_RECORD: return "a record";
    case SYM_ALIAS: return "a type";
    case SYM_PARAM: return "a parameter";
    case SYM_DEF: return "a definition";
    case SYM_RULE: return "a rule";
    case SYM_INPUT: return "the input";
    case SYM_MEMBER: return "an enum member";
    case SYM_EXTERN: return "an extern definition";
    case SYM_MODULE: return "a module";
    default: return "not a dated value";
    }
}

const char *amend_written_name(checker *k, const ast_node *d)
{
    if (!d->text3) {
        return d->name;
    }
    size_t n = strlen(d->text3) + strlen(d->name) + 2;
    char *s = alloc(k, n);
    if (!s) {
        return d->name;
    }
    snprintf(s, n, "%s.%s", d->text3, d->name);
    return s;
}

sym *amend_target(checker *k, ast_node *d, const char *shown, bool refine)
{
    tly_span at = d->name_sp;
    if (d->text3) {
        ast_node q;
        memset(&q, 0, sizeof q);
        q.kind = AST_NAME;
        q.name = d->text3;
        int file = res_module_of(k, &q);
        if (file < 0) {
            char hint[200];
            snprintf(hint, sizeof hint, "import the module first: import %.100s",
                     d->text3);
            err(k, at, hint, "'%s' is not an imported module", d->text3);
            return NULL;
        }
        sym *f = res_lookup_in(k, file, d->name);
        if (!f) {
            tly_span name_at = {at.end - (uint32_t)strlen(d->name), at.end};
            res_no_such(k, name_at, file, d->name,
                        (1u << SYM_PARAM) | (1u << SYM_DEF),
                        "parameter or definition");
        }
        return f;
    }
    sym *raw = res_lookup_raw(k, d->name);
    if (!raw) {
        err(k, at, refine ? "write it with its module's name (refine "
            "MODULE.NAME), or bring it in with import MODULE (NAME)"
            : "write it with its module's name (amend MODULE.NAME), or "
            "bring it in with import MODULE (NAME)",
            "'%s' is not imported", d->name);
        return NULL;
    }
    if (raw->kind == SYM_MODULE) {
        if (refine) {
            err(k, at, "name the parameter: refine MODULE.NAME",
                "only a parameter declared open can be refined, and '%s' is "
                "a module", shown);
        } else {
            err(k, at, "name the parameter or definition: amend MODULE.NAME",
                "only a dated parameter or definition can be amended, and "
                "'%s' is a module", shown);
        }
        return NULL;
    }
    if (raw->kind != SYM_IMPORT) {
        err(k, at, refine ? "change the value in its declaration: a "
            "refinement changes what a layer above declares open"
            : "add the row to its declaration: an amendment changes "
            "what another module declares",
            "'%s' is declared in this file", d->name);
        return NULL;
    }
    return raw->owner;
}

void amend_check(checker *k, ast_node *d)
{
    const char *shown = amend_written_name(k, d);
    sym *f = amend_target(k, d, shown, false);
    if (!f) {
        return;
    }
    if (f->kind != SYM_PARAM && f->kind != SYM_DEF) {
        err(k, d->name_sp, NULL,
            "only a dated parameter or definition can be amended, and '%s' "
            "is %s", shown, amend_kind_words(f));
        return;
    }
    if (!f->dated) {
        err(k, d->name_sp, "an amendment adds 'from DATE' rows to a value "
            "that has them; change a value without dates in its own "
            "declaration",
            "'%s' has no dated values to amend", shown);
        return;
    }
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *row = d->list.items[i];
        row->op = 1; /* an amendment's row (the compiler says so in CITE) */
        row->text3 = shown;
        if (!row->cite) {
            err(k, row->sp, "end the row with the instrument, e.g. "
                "cites \"S.I. 2026/1234\"",
                "an amendment must cite the instrument that makes it");
        }
    }
    /* The rows' values see the definition's parameters, as its own do. */
    int saved_base = k->base, saved_n = k->nlocals;
    k->base = k->nlocals;
    for (int i = 0; i < f->nparams; i++) {
        sym *p = f->params[i];
        if (k->nlocals < MAX_LOCALS && res_bind_local(k, p->name, p->ty, p->decl)) {
            k->locals[k->nlocals - 1] = p; /* the same sym as the rows' */
        }
    }
    chk_rows(k, f, &d->list, f->kind == SYM_DEF ? "the definition's value"
                                                : "the parameter's value");
    k->nlocals = saved_n;
    k->base = saved_base;
    d->sym = f;
    d->text2 = shown;
    if (k->namends == k->cap_amends) {
        int cap = k->cap_amends ? k->cap_amends * 2 : 8;
        ast_node **a = alloc(k, (size_t)cap * sizeof *a);
        if (!a) {
            return;
        }
        if (k->namends) {
            memcpy(a, k->amends, (size_t)k->namends * sizeof *a);
        }
        k->amends = a;
        k->cap_amends = cap;
    }
    k->amends[k->namends++] = d;
}

/* One row of an item with its amendments, for the merge. */
typedef struct merged {
    ast_node *row;
    const ast_node *amend; /* its AST_AMEND; NULL: the declaration's own */
    uint32_t seq;          /* the declaration's rows first, then each
                              amendment's in the order checked */
} merged;

static int by_day(const void *a, const void *b)
{
    const merged *x = a, *y = b;
    if (x->row->lo != y->row->lo) {
        return x->row->lo < y->row->lo ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Amendments in groups by what they amend, each group in check order. */
static int by_target(const void *a, const void *b)
{
    const ast_node *x = *(ast_node *const *)a, *y = *(ast_node *const *)b;
    uintptr_t p = (uintptr_t)x->sym, q = (uintptr_t)y->sym;
    if (p != q) {
        return p < q ? -1 : 1;
    }
    return x->aux < y->aux ? -1 : x->aux > y->aux;
}

/* Whether [row]'s 'from' is a date (else chk_rows reported it). */
static bool has_day(const ast_node *row)
{
    int64_t day;
    return date_parse(row->text, strlen(row->text), &day);
}

/* Merges the rows of [f] and of the [n] amendments [am] of it. */
static void merge(checker *k, sym *f, ast_node **am, int n)
{
    ast_list *own = f->kind == SYM_DEF ? &f->decl->list2 : &f->decl->list;
    uint32_t total = own->count;
    for (int i = 0; i < n; i++) {
        total += am[i]->list.count;
    }
    merged *m = alloc(k, (size_t)total * sizeof *m);
    ast_node **items = alloc(k, (size_t)total * sizeof *items);
    if (!m || !items) {
        return;
    }
    uint32_t count = 0;
    int64_t last_own = INT64_MIN;
    for (uint32_t r = 0; r < own->count; r++) {
        if (has_day(own->items[r])) {
            m[count] = (merged){own->items[r], NULL, count};
            count++;
            if (own->items[r]->lo > last_own) {
                last_own = own->items[r]->lo;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        for (uint32_t r = 0; r < am[i]->list.count; r++) {
            if (has_day(am[i]->list.items[r])) {
                m[count] = (merged){am[i]->list.items[r], am[i], count};
                count++;
            }
        }
    }
    qsort(m, count, sizeof *m, by_day);
    char other[300];
    for (uint32_t i = 0; i < count; i++) {
        ast_node *r = m[i].row;
        items[i] = r;
        if (!m[i].amend) {
            continue;
        }
        const char *name = m[i].amend->text2;
        if (r->lo < last_own) {
            /* The first of the declaration's rows it comes before. */
            uint32_t j = i + 1;
            while (j < count && m[j].amend) {
                j++;
            }
            if (j < count) {
                amend_where(k, m[j].row->name_sp.start, other, sizeof other);
                err(k, r->name_sp, "an amendment adds rows after the "
                    "declaration's last one; change earlier rows in the "
                    "declaration itself",
                    "this amendment of '%s' starts on %s, before the row from "
                    "%s at %s", name, r->text, m[j].row->text, other);
            }
            continue;
        }
        if (i == 0) {
            continue;
        }
        ast_node *p = m[i - 1].row;
        amend_where(k, p->name_sp.start, other, sizeof other);
        if (p->lo == r->lo) {
            err(k, r->name_sp, "only one row can be in force on a day: start "
                "the amendment after it",
                "this amendment of '%s' starts on %s, the day the row at %s "
                "starts", name, r->text, other);
        } else if (p->has_hi && r->lo <= p->hi) {
            err(k, r->name_sp, "only one row can be in force on a day: start "
                "the amendment the day after the other row's 'until'",
                "this amendment of '%s' starts on %s, while the row at %s is "
                "in force until %s", name, r->text, other, p->text2);
        }
    }
    if (count > MAX_DATED_ROWS && own->count <= MAX_DATED_ROWS) {
        err(k, items[MAX_DATED_ROWS]->sp, "split the value, or drop rows no "
            "longer needed", "'%s' has more than %d dated rows, its "
            "amendments' included", f->name, MAX_DATED_ROWS);
    }
    ast_list merged_rows = {items, count, total};
    *own = merged_rows;
}

/* The search for cycles an amendment makes.  Without amendments no
 * function reaches itself (check_func reports it), so a cycle now runs
 * through some amendment's row: the rows' values may read anything, the
 * amended item itself included, through other definitions or other
 * amendments' rows.  The calls of every function (parameter, definition,
 * rule) are listed once, each with the amendment row it is made from,
 * then walked depth first without recursion; a call back to a function
 * on the walk's stack closes a cycle, and every amendment row on it is
 * reported.  Linear in the program's size. */
typedef struct edge {
    uint32_t to;     /* index of the function called */
    ast_node *via;   /* the amendment row the call is made from, or NULL */
} edge;

typedef struct graph {
    checker *k;
    edge *edges;     /* arena */
    uint32_t nedges, cap;
    bool failed;     /* out of memory: no search */
} graph;

static bool is_func(const sym *s)
{
    return s->kind == SYM_PARAM || s->kind == SYM_DEF || s->kind == SYM_RULE;
}

/* Lists the calls in [n] (not descending into what they call); [via]:
 * the amendment row [n] is in.  Nesting is the expression's, which the
 * checker bounds. */
static void calls_in(graph *g, ast_node *n, ast_node *via)
{
    if (!n || g->failed) {
        return;
    }
    if (n->kind == AST_ROW) {
        via = n->op == 1 ? n : NULL;
    }
    sym *s = n->sym;
    if (s && n->kind != AST_AMEND && is_func(s) && s->walked > 0) {
        if (g->nedges == g->cap) {
            uint32_t cap = g->cap ? g->cap * 2 : 64;
            edge *e = alloc(g->k, (size_t)cap * sizeof *e);
            if (!e) {
                g->failed = true;
                return;
            }
            if (g->nedges) {
                memcpy(e, g->edges, (size_t)g->nedges * sizeof *e);
            }
            g->edges = e;
            g->cap = cap;
        }
        g->edges[g->nedges++] = (edge){s->walked - 1, via};
    }
    calls_in(g, n->a, via);
    calls_in(g, n->b, via);
    calls_in(g, n->c, via);
    for (uint32_t i = 0; i < n->list.count; i++) {
        calls_in(g, n->list.items[i], via);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        calls_in(g, n->list2.items[i], via);
    }
}

/* Reports every amendment row on the cycle that the current call of
 * [stack][top] closes back to [stack][from]: the call each frame from
 * [from] up is following (next[] is one past it). */
static void report_cycle(checker *k, sym **f, const uint32_t *next,
                         const edge *edges, const uint32_t *stack, int from,
                         int top)
{
    for (int i = from; i <= top; i++) {
        ast_node *row = edges[next[stack[i]] - 1].via;
        if (row) {
            err(k, row->a->sp, "a policy must always finish: compute the "
                "value without reading what the amendment amends",
                "this amendment of '%s' reads '%s' itself, directly or "
                "through other definitions", row->text3, f[stack[i]]->name);
        }
    }
}

static void no_cycles(checker *k)
{
    int n = k->res.nfuncs;
    sym **f = k->res.funcs;
    graph g = {k, NULL, 0, 0, false};
    uint32_t *first = alloc(k, ((size_t)n + 1) * sizeof *first);
    uint32_t *next = alloc(k, ((size_t)n + 1) * sizeof *next);
    uint32_t *stack = alloc(k, ((size_t)n + 1) * sizeof *stack);
    uint8_t *color = alloc(k, ((size_t)n + 1) * sizeof *color);
    if (!first || !next || !stack || !color) {
        return;
    }
    for (int i = 0; i < n; i++) {
        f[i]->walked = (uint32_t)i + 1; /* its index, for calls_in */
    }
    for (int i = 0; i < n; i++) {
        first[i] = g.nedges;
        ast_node *d = f[i]->decl;
        calls_in(&g, d->a, NULL);
        calls_in(&g, d->b, NULL);
        calls_in(&g, d->c, NULL);
        for (uint32_t j = 0; j < d->list.count; j++) {
            calls_in(&g, d->list.items[j], NULL);
        }
        for (uint32_t j = 0; j < d->list2.count; j++) {
            calls_in(&g, d->list2.items[j], NULL);
        }
    }
    first[n] = g.nedges;
    for (int i = 0; i < n; i++) {
        f[i]->walked = 0;
    }
    if (g.failed) {
        return;
    }
    /* color: 0 unvisited, 1 on the stack, 2 done.  next[v]: the next of
     * v's calls to follow, an index into edges. */
    for (int root = 0; root < n; root++) {
        if (color[root]) {
            continue;
        }
        int top = 0;
        stack[0] = (uint32_t)root;
        color[root] = 1;
        next[root] = first[root];
        while (top >= 0) {
            uint32_t v = stack[top];
            if (next[v] == first[v + 1]) {
                color[v] = 2;
                top--;
                continue;
            }
            uint32_t w = g.edges[next[v]++].to;
            if (color[w] == 0) {
                color[w] = 1;
                next[w] = first[w];
                stack[++top] = w;
            } else if (color[w] == 1) {
                int from = top;
                while (from > 0 && stack[from] != w) {
                    from--;
                }
                report_cycle(k, f, next, g.edges, stack, from, top);
            }
        }
    }
}

void amend_merge(checker *k)
{
    if (k->namends == 0) {
        return;
    }
    ast_node **am = k->amends;
    for (int i = 0; i < k->namends; i++) {
        am[i]->aux = i;
    }
    qsort(am, (size_t)k->namends, sizeof *am, by_target);
    for (int i = 0; i < k->namends;) {
        int j = i + 1;
        while (j < k->namends && am[j]->sym == am[i]->sym) {
            j++;
        }
        merge(k, am[i]->sym, am + i, j - i);
        i = j;
    }
    no_cycles(k);
}
