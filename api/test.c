/* api/test.c - tally test: a policy's tests, run (include/tally.h).
 *
 * A test (lang/parser.y's test_decl, checked by lang/check.c) is given a
 * record from a data file, maybe an evaluation date and parameter values,
 * and expects values of the output or an error.  Here each file's tests
 * are compiled with their policy (api_front, the test file appended), read
 * off the checked AST into a plan in this run's arena, and run one by one
 * through a session (api/run.c) on the program: the base program, or for
 * a test with `with` lines one compiled with those values put in place of
 * the parameters'.  Expectations are paths into the output record the
 * session writes, compared as JSON (numbers by value, exactly, through
 * runtime/decimal.c), so a passing test and `tally run` see the same
 * result.  With coverage, programs are compiled with COVER instructions
 * and the session's VM counts each probe (runtime/vm.c); the counts are
 * merged by the probe's place and kind, so programs compiled for
 * different tests of one file add up.  A failed expectation on a value
 * is followed by the value's derivation: the record is evaluated again
 * by the policy compiled for tracing (once per file, at the first such
 * failure, on the calling thread; a `with` test's own) and api/
 * explain.c's text for the path is put under it, cut short.  A data
 * file named *.csv is read by the runtime's CSV reader, as tally run
 * --input csv reads it.
 *
 * Owns nothing global; everything lives in a tally_tests' arena.  Never
 * prints except to the report stream and the caller's message callback.
 */
#include "api.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "data.h"
#include "decimal.h"
#include "explain.h"
#include "front.h"
#include "output.h"
#include "parser.h"
#include "vm.h"

/* ---- the plan: what a test gives and expects -------------------------- */

typedef struct tstep {
    const char *key; /* a field's data name or a map key; NULL: [index] */
    size_t key_len;
    long index;
    bool is_map_key; /* key is a map's, not a field's */
} tstep;

enum { VK_NUM, VK_JSON, VK_NONE };

typedef struct texpect {
    int op;             /* AST_EXPECT_* */
    int cmp;            /* AST_EXPECT_VALUE: '=', NE, '<', LE, '>' or GE */
    const char *where;  /* "file:line:col" */
    const char *src;    /* the expectation as written */
    const char *path;   /* the path as written */
    tstep *steps;
    int nsteps;
    int vkind;          /* VK_* */
    const char *want;   /* VK_NUM: the number; VK_JSON: JSON text; an
                           error's substring, JSON-escaped */
} texpect;

typedef struct tcase {
    const char *name;
    const char *file;     /* where the test is written */
    unsigned line;
    const char *data;     /* the data file, as a path from here */
    bool csv;             /* ... read as CSV (its name ends ".csv") */
    const char *json;     /* or the record written out, as JSON text */
    const char *key;      /* NULL: the file's first record */
    const char *as_of;    /* NULL: the policy's own */
    int ordinal;          /* among the tests of the compilation */
    bool has_with;
    texpect *ex;
    int nex;
} tcase;

/* ---- coverage points -------------------------------------------------- */

typedef struct tpoint {
    const char *file;   /* arena */
    const char *what;   /* "rule assessment, arm 2" */
    unsigned line, col;
    uint64_t hits;
    const char *excluded; /* arena: the `tally: nocover` reason, or NULL */
} tpoint;

/* ---- mutants ---------------------------------------------------------- */

typedef struct tsurvivor {
    const char *where;  /* file:line:col */
    const char *change; /* "< becomes <=" */
} tsurvivor;

/* A walk over the policy's own declarations, numbering the places a
 * mutant can change: counting them (target -1), or changing the
 * [target]th and describing it. */
typedef struct mwalk {
    tly_comp *c;
    int n;          /* places seen so far */
    int target;
    bool applied;
    tly_span at;    /* where the change is */
    char change[160];
} mwalk;

/* [text], a literal's digits, one unit up in its last place ("0.19" ->
 * "0.20", "99" -> "100"), in [c]'s arena; NULL out of memory. */
static char *bump(tly_comp *c, const char *text)
{
    size_t n = strlen(text);
    char *d = arena_alloc(&c->arena, n + 2);
    if (!d) {
        return NULL;
    }
    memcpy(d + 1, text, n + 1);
    d[0] = '0';
    for (size_t i = n; i > 0; i--) {
        char *ch = &d[i];
        if (*ch < '0' || *ch > '9') {
            continue;
        }
        if (*ch < '9') {
            (*ch)++;
            break;
        }
        *ch = '0';
        if (i == 1) {
            d[0] = '1';
        }
    }
    return d[0] == '0' ? d + 1 : d;
}

/* One place: when it is the target, applies [fn]'s change. */
static bool site(mwalk *w)
{
    return w->n++ == w->target;
}

static void mwalk_node(mwalk *w, ast_node *n, int depth)
{
    if (!n || depth > 400 || w->applied) {
        return;
    }
    switch ((ast_kind)n->kind) {
    case AST_TEST:
        return;
    case AST_INT:
    case AST_DEC:
    case AST_MONEY:
        if (n->text && site(w)) {
            char *b = bump(w->c, n->text);
            if (b) {
                const char *pound = n->kind == AST_MONEY ? "£" : "";
                snprintf(w->change, sizeof w->change, "%s%s becomes %s%s",
                         pound, n->text, pound, b);
                n->text = b;
                w->at = n->sp;
                w->applied = true;
            }
            return;
        }
        break;
    case AST_BINARY: {
        static const struct { int from, to; const char *a, *b; } swaps[] = {
            {'<', LE, "<", "<="}, {LE, '<', "<=", "<"},
            {'>', GE, ">", ">="}, {GE, '>', ">=", ">"},
            {AND, OR, "and", "or"}, {OR, AND, "or", "and"},
        };
        for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
            if (n->op == swaps[i].from && site(w)) {
                snprintf(w->change, sizeof w->change, "%s becomes %s",
                         swaps[i].a, swaps[i].b);
                n->op = (int16_t)swaps[i].to;
                w->at = n->sp;
                w->applied = true;
                return;
            }
        }
        break;
    }
    case AST_SORT_KEY:
        if (site(w)) {
            snprintf(w->change, sizeof w->change, "%s becomes %s",
                     n->op ? "descending" : "ascending",
                     n->op ? "ascending" : "descending");
            n->op = (int16_t)!n->op;
            w->at = n->sp;
            w->applied = true;
            return;
        }
        break;
    case AST_MODE:
        if (n->name && n->text && strcmp(n->name, "half") == 0 && site(w)) {
            const char *to = strcmp(n->text, "up") == 0 ? "even" : "up";
            snprintf(w->change, sizeof w->change, "half %s becomes half %s",
                     n->text, to);
            n->text = to;
            w->at = n->sp;
            w->applied = true;
            return;
        }
        break;
    case AST_RULE:
        for (uint32_t i = 0; n->list2.count > 1 && i < n->list2.count; i++) {
            if (site(w)) {
                ast_node *arm = n->list2.items[i];
                snprintf(w->change, sizeof w->change,
                         "the when arm of rule %s is dropped", n->name);
                memmove(&n->list2.items[i], &n->list2.items[i + 1],
                        (n->list2.count - i - 1) * sizeof *n->list2.items);
                n->list2.count--;
                w->at = arm->sp;
                w->applied = true;
                return;
            }
        }
        break;
    default:
        break;
    }
    mwalk_node(w, n->a, depth + 1);
    mwalk_node(w, n->b, depth + 1);
    mwalk_node(w, n->c, depth + 1);
    for (uint32_t i = 0; i < n->list.count; i++) {
        mwalk_node(w, n->list.items[i], depth + 1);
    }
    for (uint32_t i = 0; i < n->list2.count; i++) {
        mwalk_node(w, n->list2.items[i], depth + 1);
    }
}

/* Walks the policy's own definitions, rules, parameters, tables, output
 * and findings (not its records' checks, which guard the data, nor its
 * tests). */
static void mwalk_policy(mwalk *w)
{
    ast_node *root = w->c->nfiles ? w->c->files[0]->root : w->c->root;
    for (uint32_t i = 0; root && i < root->list.count && !w->applied; i++) {
        ast_node *d = root->list.items[i];
        switch ((ast_kind)d->kind) {
        case AST_DEF: case AST_RULE: case AST_PARAM: case AST_TABLE:
        case AST_OUTPUT: case AST_FINDING:
            mwalk_node(w, d, 0);
            break;
        default:
            break;
        }
    }
}

/* ---- results ---------------------------------------------------------- */

enum { R_PASS, R_FAIL, R_SKIP };

/* The file whose tests are running, for the derivations of failed
 * expectations: what to compile for tracing, and the traced program,
 * compiled at the first failure that needs it (so files whose tests
 * pass never compile it). */
typedef struct dfile {
    const char *file;       /* the policy, as compiled */
    const char *tests_path; /* its test file, or NULL */
    const char *src;        /* the policy's text */
    size_t len;
    tally_program *traced;  /* owned, or NULL */
    bool tried;             /* traced was compiled, or failed to */
} dfile;

/* A failed expectation on a value: [ex] of the test's, whose failure
 * text ends at byte [at] of the test's; its derivation goes there. */
typedef struct dmark {
    int ex;
    size_t at;
} dmark;

typedef struct tresult {
    const char *suite; /* the file given */
    const char *name;
    const char *where; /* file:line */
    int status;        /* R_* */
    const char *why;   /* R_FAIL: what went wrong, several lines */
    const char *brief; /* R_FAIL: its first line */
} tresult;

struct tally_tests {
    mem_ctx mem;
    arena a;
    tally_config cfg;      /* the caller's, with our message filter */
    const tally_config *outer;
    tally_test_options o;
    bool quiet;            /* drop messages (a runtime trace in a test) */
    tresult *res;
    size_t nres, cap_res;
    const char **broken;   /* files that did not compile */
    size_t nbroken, cap_broken;
    tpoint *pts;
    size_t npts, cap_pts;
    /* while one file is compiled */
    tcase *cases;
    int ncases;
    const char *key_field; /* the input's key, by its data name */
    int nsites;            /* places a mutant can change */
    int mutant;            /* the mutant being compiled, or -1 */
    mwalk last;            /* its change */
    const char *last_where; /* and where it is */
    tsurvivor *surv;
    size_t nsurv, cap_surv;
    unsigned mutants, killed;
    int override;          /* the test whose `with` lines apply, or -1 */
    dfile *df;             /* the file running, for derivations */
    dfile cur;             /* where df points while a file runs */
    bool workers;          /* --jobs workers are running tests */
    bool failed_alloc;
};

static void on_message(void *ud, const char *text)
{
    tally_tests *t = ud;
    if (!t->quiet && t->outer) {
        api_message(t->outer, text);
    }
}

static char *dup_n(tally_tests *t, const char *s, size_t n)
{
    char *d = arena_strndup(&t->a, s, n);
    if (!d) {
        t->failed_alloc = true;
    }
    return d;
}

static char *dup(tally_tests *t, const char *s)
{
    return s ? dup_n(t, s, strlen(s)) : NULL;
}

static char *take(tally_tests *t, strbuf *b)
{
    char *d = b->failed ? NULL : dup_n(t, b->p ? b->p : "", b->len);
    if (b->failed) {
        t->failed_alloc = true;
    }
    sb_free(b);
    return d;
}

static bool grow(tally_tests *t, void **arr, size_t *cap, size_t n,
                 size_t size)
{
    if (n < *cap) {
        return true;
    }
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * size);
    if (!p) {
        t->failed_alloc = true;
        return false;
    }
    *arr = p;
    *cap = nc;
    return true;
}

tally_status tally_tests_new(const tally_config *cfg,
                             const tally_test_options *o, tally_tests **out)
{
    *out = NULL;
    tally_tests *t = calloc(1, sizeof *t);
    if (!t) {
        return TALLY_ENOMEM;
    }
    mem_init(&t->mem);
    arena_init(&t->a, &t->mem);
    if (cfg) {
        t->cfg = *cfg;
    }
    t->outer = cfg;
    t->cfg.message = on_message;
    t->cfg.message_ud = t;
    t->cfg.diagnostic = NULL;
    if (o) {
        t->o = *o;
    }
    t->override = -1;
    t->mutant = -1;
    *out = t;
    return TALLY_OK;
}

void tally_tests_free(tally_tests *t)
{
    if (!t) {
        return;
    }
    free(t->res);
    free(t->broken);
    free(t->pts);
    free(t->surv);
    arena_free(&t->a);
    free(t);
}

/* ---- reading the plan off the checked AST ----------------------------- */

static const char *where_of(tally_tests *t, tly_comp *c, uint32_t off,
                            bool with_col, unsigned *line_out)
{
    const tly_file *f;
    uint32_t line, col;
    tly_position(c, off, &f, &line, &col);
    char buf[64];
    if (with_col) {
        snprintf(buf, sizeof buf, ":%u:%u", line, col);
    } else {
        snprintf(buf, sizeof buf, ":%u", line);
    }
    if (line_out) {
        *line_out = line;
    }
    size_t n = strlen(f->path) + strlen(buf) + 1;
    char *s = arena_alloc(&t->a, n);
    if (!s) {
        t->failed_alloc = true;
        return "?";
    }
    snprintf(s, n, "%s%s", f->path, buf);
    return s;
}

static const char *source_of(tally_tests *t, tly_comp *c, tly_span sp)
{
    return dup_n(t, tly_text_at(c, sp.start), sp.end - sp.start);
}

/* The steps of the path [n] (lang/check.c test_path set the types). */
static void path_steps(tally_tests *t, ast_node *n, texpect *e)
{
    if (n->kind == AST_NAME) {
        e->steps = arena_zalloc(&t->a, 64 * sizeof *e->steps);
        if (!e->steps) {
            t->failed_alloc = true;
        }
        return;
    }
    path_steps(t, n->a, e);
    if (!e->steps || e->nsteps >= 64) {
        e->steps = NULL;
        return;
    }
    tstep *s = &e->steps[e->nsteps++];
    if (n->kind == AST_GET) {
        const ty *pt = n->a->ty;
        while (pt->kind == TY_OPTIONAL) {
            pt = pt->elem;
        }
        const char *json = pt->decl->fields[n->aux].json;
        s->key_len = strlen(json);
        s->key = dup_n(t, json, s->key_len);
    } else if (n->b->kind == AST_INT) {
        s->index = strtol(n->b->text, NULL, 10);
    } else {
        s->key = dup_n(t, n->b->text, n->b->len);
        s->key_len = n->b->len;
        s->is_map_key = true;
    }
}

/* The value [v] of an expectation whose path has type [pt], as the
 * output writer would spell it. */
static void expected_value(tally_tests *t, const ty *pt, ast_node *v,
                           texpect *e)
{
    while (pt->kind == TY_OPTIONAL) {
        pt = pt->elem;
    }
    strbuf b;
    sb_init(&b, &t->mem);
    if (v->kind == AST_NONE) {
        e->vkind = VK_NONE;
        e->want = "none";
        return;
    }
    switch (pt->kind) {
    case TY_INT:
    case TY_DEC:
    case TY_MONEY:
    case TY_PERCENT:
        e->vkind = VK_NUM;
        if (v->kind == AST_UNARY) {
            sb_putc(&b, '-');
            v = v->a;
        }
        sb_puts(&b, v->text);
        break;
    case TY_BOOL:
        e->vkind = VK_JSON;
        sb_puts(&b, v->num ? "true" : "false");
        break;
    case TY_ENUM: {
        const ast_node *m = v->sym->decl;
        const char *sp = m->text ? m->text : m->name;
        e->vkind = VK_JSON;
        sb_put_json_string(&b, sp, strlen(sp));
        break;
    }
    default: /* text, date, date-time */
        e->vkind = VK_JSON;
        sb_put_json_string(&b, v->text, v->kind == AST_TEXT ? v->len
                                                             : strlen(v->text));
        break;
    }
    e->want = take(t, &b);
}

/* Writes [v], a value of type [vt] written out in a test's `given`
 * (lang/check.c's given_literal: records, lists and written values), to
 * [b] as the JSON the input's data would hold: fields by their data
 * names, enum members by their data spellings, numbers other than
 * integers as strings (which every record accepts). */
static void given_json(strbuf *b, const ast_node *v, const ty *vt)
{
    while (vt && vt->kind == TY_OPTIONAL) {
        vt = vt->elem;
    }
    switch ((ast_kind)v->kind) {
    case AST_RECORD_LIT: {
        const sym *r = v->sym;
        sb_putc(b, '{');
        for (uint32_t i = 0; r && i < v->list.count; i++) {
            const ast_node *init = v->list.items[i];
            const field_info *f = &r->fields[init->aux];
            if (i) {
                sb_puts(b, ", ");
            }
            sb_put_json_string(b, f->json, strlen(f->json));
            sb_puts(b, ": ");
            given_json(b, init->a, f->ty);
        }
        sb_putc(b, '}');
        return;
    }
    case AST_LIST_LIT:
        sb_putc(b, '[');
        for (uint32_t i = 0; i < v->list.count; i++) {
            sb_puts(b, i ? ", " : "");
            given_json(b, v->list.items[i], vt ? vt->elem : NULL);
        }
        sb_putc(b, ']');
        return;
    case AST_NONE:
        sb_puts(b, "null");
        return;
    case AST_BOOL:
        sb_puts(b, v->num ? "true" : "false");
        return;
    case AST_NAME: {
        const ast_node *m = v->sym->decl;
        const char *sp = m->text ? m->text : m->name;
        sb_put_json_string(b, sp, strlen(sp));
        return;
    }
    case AST_TEXT:
        sb_put_json_string(b, v->text, v->len);
        return;
    case AST_DATE:
    case AST_DATETIME:
        sb_put_json_string(b, v->text, strlen(v->text));
        return;
    default: { /* a number, maybe negative */
        bool neg = v->kind == AST_UNARY;
        const ast_node *d = neg ? v->a : v;
        bool integer = vt && vt->kind == TY_INT;
        if (!integer) {
            sb_putc(b, '"');
        }
        if (neg) {
            sb_putc(b, '-');
        }
        sb_puts(b, d->text);
        if (!integer) {
            sb_putc(b, '"');
        }
        return;
    }
    }
}

static bool read_plan(void *ud, tly_comp *c)
{
    tally_tests *t = ud;
    tly_checked *k = chk_results(c);
    ast_node *root = c->files[0]->root;
    const char *key_field = NULL;
    if (k->input && k->input->ty->kind == TY_RECORD &&
        k->input->decl->num >= 0) {
        key_field = k->input->ty->decl->fields[k->input->decl->num].json;
    }
    t->key_field = key_field ? dup(t, key_field) : NULL;
    /* The tests that run: the test file's, or the policy's own. */
    int target = c->tests_file >= 0 ? c->tests_file : 0;
    int ordinal = 0, n = 0;
    for (uint32_t i = 0; i < root->list.count; i++) {
        n += root->list.items[i]->kind == AST_TEST;
    }
    t->cases = arena_zalloc(&t->a, (size_t)(n ? n : 1) * sizeof *t->cases);
    t->ncases = 0;
    if (!t->cases) {
        t->failed_alloc = true;
        return false;
    }
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *d = root->list.items[i];
        if (d->kind != AST_TEST) {
            continue;
        }
        int ord = ordinal++;
        if (tly_file_at(c, d->sp.start)->index != target) {
            continue;
        }
        tcase *tc = &t->cases[t->ncases++];
        tc->ordinal = ord;
        tc->name = dup_n(t, d->text, d->len);
        tc->file = dup(t, tly_file_at(c, d->sp.start)->path);
        where_of(t, c, d->sp.start, false, &tc->line);
        tc->ex = arena_zalloc(&t->a, (d->list.count + 1) * sizeof *tc->ex);
        if (!tc->ex) {
            t->failed_alloc = true;
            return false;
        }
        const tly_file *tf = tly_file_at(c, d->sp.start);
        for (uint32_t j = 0; j < d->list.count; j++) {
            ast_node *cl = d->list.items[j];
            switch ((ast_kind)cl->kind) {
            case AST_GIVEN: {
                if (cl->b) {
                    strbuf jb;
                    sb_init(&jb, &t->mem);
                    given_json(&jb, cl->b, cl->b->ty);
                    sb_putc(&jb, '\n');
                    tc->json = take(t, &jb);
                    tc->data = "(written in the test)";
                    if (!tc->json) {
                        t->failed_alloc = true;
                        return false;
                    }
                    break;
                }
                const char *dir = tf->dir ? tf->dir : ".";
                size_t len = strlen(dir) + strlen(cl->text2) + 2;
                char *p = arena_alloc(&t->a, len);
                if (!p) {
                    t->failed_alloc = true;
                    return false;
                }
                if (cl->text2[0] == '/' || strcmp(dir, ".") == 0) {
                    snprintf(p, len, "%s", cl->text2);
                } else {
                    snprintf(p, len, "%s/%s", dir, cl->text2);
                }
                tc->data = p;
                size_t pl = strlen(p);
                tc->csv = pl >= 4 && strcasecmp(p + pl - 4, ".csv") == 0;
                tc->key = cl->text ? dup_n(t, cl->text, cl->len) : NULL;
                break;
            }
            case AST_ASOF:
                tc->as_of = dup(t, cl->a->text);
                break;
            case AST_WITH:
                tc->has_with = true;
                break;
            case AST_EXPECT: {
                texpect *e = &tc->ex[tc->nex++];
                e->op = cl->op;
                e->where = where_of(t, c, cl->sp.start, true, NULL);
                e->src = source_of(t, c, cl->sp);
                if (cl->op != AST_EXPECT_VALUE) {
                    strbuf b;
                    sb_init(&b, &t->mem);
                    sb_put_json_string(&b, cl->text, cl->len);
                    char *w = take(t, &b);
                    if (w) {
                        size_t wl = strlen(w);
                        w[wl - 1] = '\0'; /* without its quotes */
                        e->want = w + 1;
                    }
                    break;
                }
                e->cmp = cl->a->op;
                e->path = source_of(t, c, cl->a->a->sp);
                path_steps(t, cl->a->a, e);
                expected_value(t, cl->a->a->ty, cl->a->b, e);
                break;
            }
            default:
                break;
            }
        }
    }
    return !t->failed_alloc;
}

/* Counts the places a mutant can change, as loaded (before the checker
 * has seen them, as put_overrides sees them). */
static void count_sites(void *ud, tly_comp *c)
{
    tally_tests *t = ud;
    mwalk count = {c, 0, -1, false, {0, 0}, ""};
    mwalk_policy(&count);
    t->nsites = count.n;
}

/* Puts test [t->override]'s `with` values in place of the parameters'
 * own, before the check: the compiled program is the policy with those
 * values (lang/check.c then checks each where the parameter is). */
static void put_overrides(void *ud, tly_comp *c)
{
    tally_tests *t = ud;
    if (t->mutant >= 0) {
        mwalk w = {c, 0, t->mutant, false, {0, 0}, ""};
        mwalk_policy(&w);
        t->last = w;
        t->last_where = w.applied ? where_of(t, c, w.at.start, true, NULL)
                                  : "?";
    }
    ast_node *root = c->files[0]->root;
    int ordinal = 0;
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *d = root->list.items[i];
        if (d->kind != AST_TEST || ordinal++ != t->override) {
            continue;
        }
        for (uint32_t j = 0; j < d->list.count; j++) {
            ast_node *w = d->list.items[j];
            if (w->kind != AST_WITH) {
                continue;
            }
            for (int f = 0; f < c->nfiles && w->op != 1; f++) {
                if (w->text3 && (!c->files[f]->name ||
                                 strcmp(c->files[f]->name, w->text3) != 0)) {
                    continue; /* with MODULE.NAME: that module's */
                }
                ast_node *fr = c->files[f]->root;
                for (uint32_t k = 0; fr && k < fr->list.count; k++) {
                    ast_node *p = fr->list.items[k];
                    if (p->kind == AST_PARAM && strcmp(p->name, w->name) == 0) {
                        p->b = w->a;
                        p->list.count = 0;
                        p->op = 1; /* a lower layer's refinement keeps it */
                        w->op = 1;
                        break;
                    }
                }
            }
        }
    }
}

/* ---- JSON: just enough to walk the output writer's records ------------ */

static const char *ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
        p++;
    }
    return p;
}

/* The end of the JSON value at [p], or NULL when it is malformed. */
static const char *skip(const char *p, const char *e, int depth)
{
    p = ws(p, e);
    if (p >= e || depth > 200) {
        return NULL;
    }
    if (*p == '"') {
        for (p++; p < e; p++) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                return p + 1;
            }
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = ws(p + 1, e);
        if (p < e && *p == close) {
            return p + 1;
        }
        for (;;) {
            if (close == '}') {
                p = skip(p, e, depth + 1); /* the key */
                p = p ? ws(p, e) : NULL;
                if (!p || p >= e || *p != ':') {
                    return NULL;
                }
                p++;
            }
            p = skip(p, e, depth + 1);
            p = p ? ws(p, e) : NULL;
            if (!p || p >= e) {
                return NULL;
            }
            if (*p == close) {
                return p + 1;
            }
            if (*p != ',') {
                return NULL;
            }
            p++;
        }
    }
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
           *p != '\n') {
        p++;
    }
    return p;
}

/* The value of member [key] of the object at [*p], or false. */
static bool member(const char **p, const char **e, const char *key,
                   size_t klen)
{
    const char *q = ws(*p, *e), *end = *e;
    if (q >= end || *q != '{') {
        return false;
    }
    strbuf kb;
    mem_ctx m;
    mem_init(&m);
    sb_init(&kb, &m);
    sb_put_json_string(&kb, key, klen);
    bool found = false;
    q = ws(q + 1, end);
    while (q < end && *q == '"') {
        const char *ke = skip(q, end, 0);
        if (!ke) {
            break;
        }
        bool same = !kb.failed && (size_t)(ke - q) == kb.len &&
                    memcmp(q, kb.p, kb.len) == 0;
        q = ws(ke, end);
        if (q >= end || *q != ':') {
            break;
        }
        q = ws(q + 1, end);
        const char *ve = skip(q, end, 0);
        if (!ve) {
            break;
        }
        if (same) {
            *p = q;
            *e = ve;
            found = true;
            break;
        }
        q = ws(ve, end);
        if (q < end && *q == ',') {
            q = ws(q + 1, end);
        }
    }
    sb_free(&kb);
    return found;
}

static bool element(const char **p, const char **e, long index)
{
    const char *q = ws(*p, *e), *end = *e;
    if (q >= end || *q != '[' || index < 0) {
        return false;
    }
    q = ws(q + 1, end);
    for (long i = 0; q < end && *q != ']'; i++) {
        const char *ve = skip(q, end, 0);
        if (!ve) {
            return false;
        }
        if (i == index) {
            *p = q;
            *e = ve;
            return true;
        }
        q = ws(ve, end);
        if (q < end && *q == ',') {
            q = ws(q + 1, end);
        }
    }
    return false;
}

/* ---- running one test ------------------------------------------------- */

static char *slurp(const char *path, size_t *len);

/* Whether the JSON value [p, e) is the record keyed [tc->key] (any
 * record when the test names no key). */
static bool is_given(mem_ctx *m, const tcase *tc, const char *key_field,
                     const char *p, const char *e)
{
    if (!tc->key) {
        return true;
    }
    if (!key_field || !member(&p, &e, key_field, strlen(key_field))) {
        return false;
    }
    strbuf kb;
    sb_init(&kb, m);
    sb_put_json_string(&kb, tc->key, strlen(tc->key));
    bool same = !kb.failed && (size_t)(e - p) == kb.len &&
                memcmp(p, kb.p, kb.len) == 0;
    sb_free(&kb);
    return same;
}

/* The test's record: written in the test, or read from its data file:
 * JSON Lines, JSON texts one after another (an object over many lines),
 * or one JSON array of records; the first, or the one keyed tc->key.
 * Malloc'd, its length in *len; NULL with why appended to [why] on
 * failure. */
static char *given_record(mem_ctx *m, const tcase *tc,
                          const char *key_field, size_t *len, strbuf *why)
{
    *len = 0;
    if (tc->json) {
        *len = strlen(tc->json);
        char *r = malloc(*len + 1);
        if (r) {
            memcpy(r, tc->json, *len + 1);
        } else {
            sb_puts(why, "  out of memory\n");
        }
        return r;
    }
    size_t n;
    char *buf = slurp(tc->data, &n);
    if (!buf) {
        sb_printf(why, "  cannot read '%s': %s\n", tc->data, strerror(errno));
        return NULL;
    }
    const char *p = buf, *end = buf + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
    }
    p = ws(p, end);
    bool array = p < end && *p == '[';
    if (array) {
        p = ws(p + 1, end);
    }
    char *found = NULL;
    while (p < end && !(array && *p == ']')) {
        const char *ve = skip(p, end, 0);
        if (!ve) { /* not JSON: the line, for the policy to reject */
            ve = p;
            while (ve < end && *ve != '\n') {
                ve++;
            }
        }
        if (is_given(m, tc, key_field, p, ve)) {
            *len = (size_t)(ve - p);
            found = malloc(*len + 2);
            if (found) {
                memcpy(found, p, *len);
                found[(*len)++] = '\n';
                found[*len] = '\0';
            }
            break;
        }
        p = ws(ve, end);
        if (array && p < end && *p == ',') {
            p = ws(p + 1, end);
        }
    }
    free(buf);
    if (!found && !*len) {
        if (tc->key) {
            sb_printf(why, "  no record keyed \"%s\" in '%s'\n", tc->key,
                      tc->data);
        } else {
            sb_printf(why, "  no record in '%s'\n", tc->data);
        }
    } else if (!found) {
        sb_puts(why, "  out of memory\n");
    }
    return found;
}

/* The test's record from its CSV file, read as tally run --input csv
 * reads it (runtime/data_read.c's reader, so the header, quoting, cells
 * and messages are tally run's): the first row, or the one keyed
 * tc->key, bound for [prog] in [a].  *ds is RT_OK (*rec holds it) or
 * RT_EDATA (*de says why the row is rejected, its cell by row and
 * column).  False, with why appended to [why] naming the file, when the
 * file cannot be read, the input cannot be read from CSV, a row before
 * the one wanted cannot be read on, or no row has the key. */
static bool csv_record(mem_ctx *m, const bc_program *prog, const tcase *tc,
                       arena *a, value *rec, data_error *de, rt_status *ds,
                       strbuf *why)
{
    char refusal[512];
    const char *no = data_csv_refusal(prog, refusal, sizeof refusal);
    if (no) {
        sb_printf(why, "  '%s': %s\n", tc->data, no);
        return false;
    }
    FILE *f = fopen(tc->data, "rb");
    if (!f) {
        sb_printf(why, "  cannot read '%s': %s\n", tc->data, strerror(errno));
        return false;
    }
    data_reader *rd = data_reader_new(m, prog, f, DATA_CSV, tc->data);
    if (!rd) {
        fclose(f);
        sb_puts(why, "  out of memory\n");
        return false;
    }
    bool found = false, stop = false;
    strbuf unread; /* the first row that could not be read, keyless */
    sb_init(&unread, m);
    while (!found && !stop) {
        arena_reset(a);
        rt_status st = data_reader_next(rd, a, rec, de);
        switch (st) {
        case RT_EOF:
            stop = true;
            break;
        case RT_OK:
        case RT_EDATA: {
            const value *key =
                st == RT_EDATA ? &de->key
                : rec->kind == VAL_RECORD && prog->key_field < rec->as.r->count
                    ? &rec->as.r->fields[prog->key_field]
                    : NULL;
            bool keyless = st == RT_EDATA && de->key.kind == VAL_NONE;
            if (keyless && !unread.len) {
                sb_printf(&unread, "  %s: %s%s%s\n", tc->data,
                          de->path ? de->path : "", de->path ? ": " : "",
                          de->msg ? de->msg : "");
            }
            if (keyless) {
                stop = !tc->key; /* the first row, unreadable */
            } else if (!tc->key || api_key_is(key, tc->key)) {
                *ds = st;
                found = true;
            }
            break;
        }
        default: /* RT_EIO, RT_ENOMEM */
            sb_printf(&unread, "  cannot read '%s': %s\n", tc->data,
                      de->msg ? de->msg : "out of memory");
            stop = true;
            break;
        }
    }
    data_reader_free(rd);
    fclose(f);
    if (!found && unread.len) {
        sb_put(why, unread.p, unread.len);
    } else if (!found && tc->key) {
        sb_printf(why, "  no record keyed \"%s\" in '%s'\n", tc->key,
                  tc->data);
    } else if (!found) {
        sb_printf(why, "  no record in '%s'\n", tc->data);
    }
    sb_free(&unread);
    return found;
}

/* The test's record bound for [prog] in [a], from its CSV file, its
 * JSON data or the record written in the test: *ds, *rec and *de as
 * csv_record says.  False, with why appended to [why], when there is no
 * such record. */
static bool bound_record(mem_ctx *m, const bc_program *prog, const tcase *tc,
                         const char *key_field, arena *a, value *rec,
                         data_error *de, rt_status *ds, strbuf *why)
{
    if (tc->csv && !tc->json) {
        return csv_record(m, prog, tc, a, rec, de, ds, why);
    }
    size_t len;
    char *text = given_record(m, tc, key_field, &len, why);
    if (!text) {
        return false;
    }
    *ds = data_bind_json(prog, prog->input_record, text, len, 1, a, rec, de);
    free(text);
    if (*ds == RT_ENOMEM) {
        sb_puts(why, "  out of memory\n");
        return false;
    }
    return true;
}

/* How the JSON value [a, ae) compares with what [e] wants: -1, 0 or 1;
 * 2 when it differs but is not ordered against it (other than a
 * number, absent, none). */
static int value_cmp(mem_ctx *m, const texpect *e, const char *a,
                     const char *ae, bool present)
{
    bool null = !present || (ae - a == 4 && memcmp(a, "null", 4) == 0);
    if (e->vkind == VK_NONE) {
        return null ? 0 : 2;
    }
    if (null) {
        return 2;
    }
    if (e->vkind == VK_JSON) {
        return (size_t)(ae - a) == strlen(e->want) &&
               memcmp(a, e->want, strlen(e->want)) == 0 ? 0 : 2;
    }
    if (ae - a >= 2 && *a == '"') {
        a++;
        ae--;
    }
    arena da;
    arena_init(&da, m);
    dec x, y;
    int r = 2;
    if (dec_parse(&da, a, (size_t)(ae - a), &x) == DEC_OK &&
        dec_parse(&da, e->want, strlen(e->want), &y) == DEC_OK) {
        int c = dec_cmp(&x, &y);
        r = c < 0 ? -1 : c > 0;
    }
    arena_free(&da);
    return r;
}

/* Whether the JSON value [a, ae) stands in [e]'s comparison with what it
 * wants. */
static bool value_is(mem_ctx *m, const texpect *e, const char *a,
                     const char *ae, bool present)
{
    int r = value_cmp(m, e, a, ae, present);
    switch (e->cmp) {
    case NE: return r != 0;
    case '<': return r == -1;
    case LE: return r == -1 || r == 0;
    case '>': return r == 1;
    case GE: return r == 1 || r == 0;
    default: return r == 0;
    }
}

/* How [e]'s comparison is written before the value it wants: "" for
 * '=' (the expected value itself), else "< " and the like. */
static const char *cmp_word(const texpect *e)
{
    switch (e->cmp) {
    case NE: return "!= ";
    case '<': return "< ";
    case LE: return "<= ";
    case '>': return "> ";
    case GE: return ">= ";
    default: return "";
    }
}

/* Appends at most [max] bytes of [s, e) to [b], marking a cut. */
static void put_cut(strbuf *b, const char *s, const char *e, size_t max)
{
    size_t n = (size_t)(e - s);
    if (n <= max) {
        sb_put(b, s, n);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) {
        max--; /* never inside a UTF-8 character */
    }
    sb_put(b, s, max);
    sb_puts(b, " ...");
}

/* Checks expectation [e] against the output record [out]; appends why
 * it fails to [b] and returns false, or returns true. */
static bool check_value(mem_ctx *m, const texpect *e, const char *out,
                        size_t out_len, strbuf *b)
{
    const char *p = out, *pe = out + out_len;
    const char *parent = p, *parent_e = pe;
    int parent_steps = 0;
    bool present = e->steps != NULL;
    for (int i = 0; present && i < e->nsteps; i++) {
        const tstep *s = &e->steps[i];
        const char *q = ws(p, pe);
        if (q < pe && *q == '{') {
            parent = p;
            parent_e = pe;
            parent_steps = i;
        }
        if (s->key) {
            present = q < pe && *q == '{' &&
                      member(&p, &pe, s->key, s->key_len);
        } else {
            present = element(&p, &pe, s->index);
        }
        if (present && pe - p == 4 && memcmp(p, "null", 4) == 0 &&
            i + 1 < e->nsteps) {
            present = false;
        }
    }
    if (value_is(m, e, p, pe, present)) {
        return true;
    }
    sb_printf(b, "  %s: expect %s\n", e->where, e->src + strlen("expect "));
    if (e->vkind == VK_NONE) {
        sb_printf(b, "    expected: %snone\n", cmp_word(e));
    } else {
        sb_printf(b, "    expected: %s%s\n", cmp_word(e), e->want);
    }
    sb_puts(b, "    actual:   ");
    if (present) {
        put_cut(b, p, pe, 400);
    } else {
        sb_puts(b, "(not in the result)");
    }
    sb_putc(b, '\n');
    /* Where the value sits: the record holding it, as the run wrote it. */
    sb_puts(b, "    in ");
    const char *path = e->path ? e->path : "";
    size_t plen = strlen(path);
    /* The path as written up to the parent's steps: cut the source at
     * the (parent_steps)th '.' or '[' after the output's name. */
    size_t cut = plen;
    int seen = -1;
    for (size_t i = 0; i < plen; i++) {
        if (path[i] == '.' || path[i] == '[') {
            if (++seen == parent_steps) {
                cut = i;
                break;
            }
        }
    }
    sb_put(b, path, cut);
    sb_puts(b, ": ");
    put_cut(b, ws(parent, parent_e), parent_e, 600);
    sb_putc(b, '\n');
    return false;
}

/* Whether [n] bytes at [s] hold the text [w]. */
static bool contains(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++) {
        if (memcmp(s + i, w, wl) == 0) {
            return true;
        }
    }
    return false;
}

/* The "error" member of an error record, as JSON text. */
static void error_text(const char *out, size_t len, const char **p,
                       const char **e)
{
    *p = out;
    *e = out + len;
    if (!member(p, e, "error", 5)) {
        *p = out;
        *e = out + len;
    }
}

static void add_result(tally_tests *t, const char *suite, const tcase *tc,
                       int status, const char *why)
{
    if (!grow(t, (void **)&t->res, &t->cap_res, t->nres, sizeof *t->res)) {
        return;
    }
    tresult *r = &t->res[t->nres++];
    r->suite = suite;
    r->name = tc->name;
    strbuf b;
    sb_init(&b, &t->mem);
    sb_printf(&b, "%s:%u", tc->file, tc->line);
    r->where = take(t, &b);
    r->status = status;
    r->why = why;
    r->brief = NULL;
    if (why) {
        const char *w = why;
        while (*w == ' ') {
            w++;
        }
        const char *nl = strchr(w, '\n');
        r->brief = dup_n(t, w, nl ? (size_t)(nl - w) : strlen(w));
    }
    if (status == R_FAIL && t->o.report) {
        fprintf(t->o.report, "FAIL %s: \"%s\"\n%s", r->where ? r->where : "?",
                tc->name, why ? why : "");
        if (why && *why && why[strlen(why) - 1] != '\n') {
            fputc('\n', t->o.report);
        }
    }
}

/* Adds the probe counts [hits] (NULL: none) of a run of [p] to the
 * file's points. */
static void add_coverage(tally_tests *t, const tally_program *p,
                         const uint64_t *hits)
{
    const bc_program *bp = p->prog;
    for (uint32_t i = 0; i < bp->nprobes; i++) {
        const bc_probe *pr = &bp->probes[i];
        const char *file = pr->file;
        const char *what = pr->what;
        size_t j = 0;
        for (; j < t->npts; j++) {
            tpoint *q = &t->pts[j];
            if (q->line == pr->line && q->col == pr->col &&
                strcmp(q->file, file) == 0 && strcmp(q->what, what) == 0) {
                break;
            }
        }
        if (j == t->npts) {
            if (!grow(t, (void **)&t->pts, &t->cap_pts, t->npts,
                      sizeof *t->pts)) {
                return;
            }
            tpoint *q = &t->pts[t->npts++];
            q->file = dup(t, file);
            q->what = dup(t, what);
            q->line = pr->line;
            q->col = pr->col;
            q->hits = 0;
            q->excluded = pr->excluded ? dup(t, pr->excluded) : NULL;
            if (!q->file || !q->what || (pr->excluded && !q->excluded)) {
                t->npts--;
                return;
            }
        }
        t->pts[j].hits += hits ? hits[i] : 0;
    }
}

/* After a CSV row's rejection (status [st]), which names the row and
 * column, the file it is in. */
static void put_csv_file(strbuf *b, const tcase *tc, tally_status st)
{
    if (tc->csv && !tc->json && st == TALLY_EDATA) {
        sb_printf(b, " in '%s'", tc->data);
    }
}

/* Runs [tc] on [p]: true when every expectation holds; else false, with
 * why appended to [b] (whose memory, [m], is the only one it uses, so
 * --jobs workers may run it at once: t is only read).  With [count],
 * adds the probe counts to t's points; with [hits], gives a malloc'd
 * copy of them instead (NULL when there are none).  With [marks] (room
 * for tc->nex), notes in it each expectation on a value that failed on
 * a result, and where in [b] its text ends, in *nmarks. */
static bool eval_case(tally_tests *t, mem_ctx *m, const tally_program *p,
                      const tcase *tc, const char *key_field, strbuf *bp,
                      bool count, uint64_t **hits, dmark *marks, int *nmarks)
{
    if (hits) {
        *hits = NULL;
    }
    if (nmarks) {
        *nmarks = 0;
    }
    strbuf b = *bp;
    size_t len = 0;
    char *rec = NULL;
    if (!tc->csv || tc->json) {
        rec = given_record(m, tc, key_field, &len, &b);
        if (!rec) {
            *bp = b;
            return false;
        }
    }
    tally_run_options ro;
    memset(&ro, 0, sizeof ro);
    ro.as_of = tc->as_of;
    tally_session *s = NULL;
    tally_status st = tally_session_new(p, &ro, &s);
    if (st != TALLY_OK) {
        free(rec);
        sb_printf(&b, "  cannot evaluate: %s\n", tally_status_name(st));
        *bp = b;
        return false;
    }
    /* A CSV file's row is read and bound by the runtime's CSV reader,
     * for this program, then evaluated as it stands. */
    arena csv_arena;
    arena_init(&csv_arena, m);
    value csv_rec;
    data_error csv_de;
    rt_status csv_ds = RT_OK;
    if (!rec && !csv_record(m, p->prog, tc, &csv_arena, &csv_rec, &csv_de,
                            &csv_ds, &b)) {
        arena_free(&csv_arena);
        tally_session_free(s);
        *bp = b;
        return false;
    }
    const char *out = NULL;
    size_t out_len = 0;
    bool own_quiet = !t->workers; /* workers: quiet throughout */
    if (own_quiet) {
        t->quiet = true;
    }
    if (rec) {
        st = tally_session_eval(s, rec, len, &out, &out_len);
    } else {
        st = api_session_eval_bound(s, csv_ds, &csv_rec, &csv_de, &out,
                                    &out_len);
    }
    if (own_quiet) {
        t->quiet = false;
    }
    free(rec);
    arena_free(&csv_arena);
    bool ok = true;
    if (!out) {
        sb_printf(&b, "  cannot evaluate: %s\n", tally_status_name(st));
        ok = false;
    }
    bool stop = !ok; /* nothing to compare with */
    for (int i = 0; !stop && i < tc->nex; i++) {
        const texpect *e = &tc->ex[i];
        const char *ep, *ee;
        if (e->op == AST_EXPECT_VALUE) {
            if (st != TALLY_OK) {
                error_text(out, out_len, &ep, &ee);
                sb_printf(&b, "  %s: expect %s\n    but the %s: ", e->where,
                          e->src + strlen("expect "),
                          st == TALLY_EDATA ? "record was rejected"
                                            : "policy failed");
                put_cut(&b, ep, ee, 600);
                put_csv_file(&b, tc, st);
                sb_putc(&b, '\n');
                ok = false;
                break;
            }
            if (!check_value(m, e, out, out_len, &b)) {
                ok = false;
                if (marks) {
                    marks[(*nmarks)++] = (dmark){i, b.len};
                }
            }
            continue;
        }
        tally_status want = e->op == AST_EXPECT_ERROR ? TALLY_ERUNTIME
                                                      : TALLY_EDATA;
        error_text(out, out_len, &ep, &ee);
        bool has = st == want && e->want &&
                   contains(ep, (size_t)(ee - ep), e->want);
        if (!has) {
            sb_printf(&b, "  %s: %s\n    expected: %s containing \"%s\"\n"
                      "    actual:   ", e->where, e->src,
                      want == TALLY_EDATA ? "the record rejected"
                                          : "the policy to fail",
                      e->want ? e->want : "");
            if (st == TALLY_OK) {
                sb_puts(&b, "a result: ");
                put_cut(&b, out, out + out_len, 400);
            } else {
                sb_puts(&b, st == TALLY_EDATA ? "rejected: " : "failed: ");
                put_cut(&b, ep, ee, 400);
                put_csv_file(&b, tc, st);
            }
            sb_putc(&b, '\n');
            ok = false;
        }
    }
    const uint64_t *counts = vm_probe_counts(api_session_vm(s));
    if (count) {
        add_coverage(t, p, counts);
    }
    if (hits) {
        size_t n = p->prog->nprobes;
        *hits = counts && n ? malloc(n * sizeof **hits) : NULL;
        if (*hits) {
            memcpy(*hits, counts, n * sizeof **hits);
        }
    }
    tally_session_free(s);
    *bp = b;
    return ok;
}

/* ---- derivations of failed expectations -------------------------------- */

/* What a failed expectation shows of its value's derivation (tally
 * explain's text): the field's line and as many whole levels under it
 * as fit in DERIV_LINES lines (all of it when it fits; at least the
 * level under the field, cut at DERIV_LINES); the rest is one tally
 * explain away.  Twelve lines keep a failure on one screen beside its
 * values. */
#define DERIV_LINES 12
#define DERIV_MAX_DEPTH 64 /* deeper lines count as this deep */

/* The depth of the explain line at [s] (ending at [nl]): its indent. */
static unsigned line_depth(const char *s, const char *nl)
{
    size_t sp = 0;
    while (s + sp < nl && s[sp] == ' ') {
        sp++;
    }
    return sp / 2 < DERIV_MAX_DEPTH ? (unsigned)(sp / 2) : DERIV_MAX_DEPTH;
}

/* Appends [s] to [b] as one shell word: as it is when no shell treats
 * any of its characters specially, else in single quotes. */
static void put_shell_word(strbuf *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *q = s; plain && *q; q++) {
        plain = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                (*q >= '0' && *q <= '9') || strchr("_./:=@%+,-", *q);
    }
    if (plain) {
        sb_puts(b, s);
        return;
    }
    sb_putc(b, '\'');
    for (const char *q = s; *q; q++) {
        if (*q == '\'') {
            sb_puts(b, "'\\''");
        } else {
            sb_putc(b, *q);
        }
    }
    sb_putc(b, '\'');
}

/* Appends to [pb] [e]'s path by the data's names, as tally explain
 * --path takes it ("bids[2].total"), up to a map's key (the derivation
 * is then the map's). */
static void data_path(strbuf *pb, const texpect *e)
{
    for (int i = 0; e->steps && i < e->nsteps; i++) {
        const tstep *st = &e->steps[i];
        if (st->is_map_key) {
            break;
        }
        if (st->key) {
            if (pb->len) {
                sb_putc(pb, '.');
            }
            sb_put(pb, st->key, st->key_len);
        } else {
            sb_printf(pb, "[%ld]", st->index);
        }
    }
}

/* The key of the bound input record [rec] of [p], as text, in [kb]. */
static void put_key(strbuf *kb, const bc_program *p, const value *rec)
{
    if (rec->kind != VAL_RECORD || p->key_field >= rec->as.r->count) {
        return;
    }
    const value *k = &rec->as.r->fields[p->key_field];
    if (k->kind == VAL_TEXT) {
        sb_put(kb, k->as.s, k->len);
    } else if (k->kind == VAL_INT) {
        sb_printf(kb, "%lld", (long long)k->as.i);
    }
}

/* Appends to [b] the derivation [text] (tally explain's, for [path]),
 * cut to DERIV_DEPTH levels and DERIV_LINES lines, under a failed
 * expectation of [tc] on the record keyed [key] of policy [file]; what
 * is cut is counted, with the command that shows it all. */
static void put_derivation(strbuf *b, const strbuf *text, const tcase *tc,
                           const char *file, const char *path,
                           const char *key, bool truncated)
{
    sb_puts(b, "    derivation:\n");
    const char *s = text->p, *end = s + text->len;
    unsigned at[DERIV_MAX_DEPTH + 1] = {0}; /* lines at each depth */
    for (const char *q = s; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        nl = nl ? nl : end;
        at[line_depth(q, nl)]++;
        q = nl < end ? nl + 1 : end;
    }
    unsigned depth = 1, upto = at[0] + at[1];
    while (depth < DERIV_MAX_DEPTH && upto + at[depth + 1] <= DERIV_LINES) {
        upto += at[++depth];
    }
    unsigned kept = 0, cut = 0;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            nl = end;
        }
        if (line_depth(s, nl) <= depth && kept < DERIV_LINES) {
            sb_puts(b, "      ");
            sb_put(b, s, (size_t)(nl - s));
            sb_putc(b, '\n');
            kept++;
        } else {
            cut++;
        }
        s = nl < end ? nl + 1 : end;
    }
    if (truncated) {
        sb_puts(b, "      (the trace was cut short: the record took more steps "
                   "than a trace keeps)\n");
    }
    if (!cut) {
        return;
    }
    sb_printf(b, "      \xE2\x80\xA6 %u more line%s", cut, cut == 1 ? "" : "s");
    if (tc->json) {
        sb_puts(b, " (tally explain shows them all, for this record in a "
                   "data file)\n");
        return;
    }
    if (tc->has_with) {
        sb_puts(b, " (tally explain shows them all, with this test's `with` "
                   "values written in the policy)\n");
        return;
    }
    sb_puts(b, ": tally explain ");
    put_shell_word(b, file);
    sb_putc(b, ' ');
    put_shell_word(b, tc->data);
    if (tc->csv) {
        sb_puts(b, " --input csv");
    }
    sb_puts(b, " --record ");
    put_shell_word(b, key);
    if (tc->as_of) {
        sb_printf(b, " --as-of %s", tc->as_of);
    }
    sb_puts(b, " --path ");
    put_shell_word(b, path);
    sb_putc(b, '\n');
}

/* The program compiled for tracing that [tc] runs: the file's, compiled
 * at the first need (messages dropped: the file compiled already), or,
 * for a test with `with` lines, its own, in *own for the caller to
 * free.  NULL when it does not compile. */
static const tally_program *traced_program(tally_tests *t, const tcase *tc,
                                           tally_program **own)
{
    dfile *df = t->df;
    *own = NULL;
    if (!df || (!tc->has_with && df->tried)) {
        return df ? df->traced : NULL;
    }
    tally_config cfg = t->cfg;
    cfg.trace = 1;
    api_front_hook h = {df->tests_path, false,
                        tc->has_with ? put_overrides : NULL, NULL, t, false};
    tally_program *tp = NULL;
    t->override = tc->has_with ? tc->ordinal : -1;
    t->quiet = true;
    tally_status st = api_front(&cfg, df->file, NULL, df->src, df->len, &tp,
                                &h);
    t->quiet = false;
    t->override = -1;
    if (st != TALLY_OK) {
        tally_program_free(tp);
        tp = NULL;
    }
    if (tc->has_with) {
        *own = tp;
    } else {
        df->tried = true;
        df->traced = tp;
    }
    return tp;
}

/* [why] ([len] bytes), the failure of [tc], with under each expectation
 * in [marks] ([n] of them) the derivation of its actual value: the
 * record evaluated again, traced (only a failed test's record is), and
 * tally explain's text for the expectation's path, cut short.  Nothing
 * is added where there is none to give: a value not in the result, a
 * traced program that does not compile.  In t's arena. */
static char *derived(tally_tests *t, const tcase *tc, const char *key_field,
                     const char *why, size_t len, const dmark *marks, int n)
{
    strbuf out;
    sb_init(&out, &t->mem);
    tally_program *own = NULL;
    const tally_program *tp = n > 0 ? traced_program(t, tc, &own) : NULL;
    strbuf *bufs = tp ? calloc(2 * (size_t)n + 1, sizeof *bufs) : NULL;
    const char **paths = bufs ? calloc((size_t)n, sizeof *paths) : NULL;
    arena a;
    arena_init(&a, &t->mem);
    value rec;
    data_error de;
    rt_status ds = RT_EDATA;
    bool traced = false, truncated = false;
    strbuf *key = bufs ? &bufs[2 * (size_t)n] : NULL;
    if (paths) {
        for (int i = 0; i <= 2 * n; i++) {
            sb_init(&bufs[i], &t->mem);
        }
        if (bound_record(&t->mem, tp->prog, tc, key_field, &a, &rec, &de, &ds,
                         key) && ds == RT_OK) {
            for (int i = 0; i < n; i++) {
                data_path(&bufs[n + i], &tc->ex[marks[i].ex]);
                paths[i] = bufs[n + i].len && !bufs[n + i].failed
                               ? bufs[n + i].p : NULL;
            }
            sb_clear(key);
            if (tc->key) {
                sb_puts(key, tc->key);
            } else {
                put_key(key, tp->prog, &rec);
            }
            traced = api_explain_paths(tp, &rec, tc->as_of, paths, n, bufs,
                                       &truncated) == TALLY_OK;
        }
    }
    size_t from = 0;
    for (int i = 0; i < n; i++) {
        sb_put(&out, why + from, marks[i].at - from);
        from = marks[i].at;
        if (traced && paths[i] && bufs[i].len && !bufs[i].failed) {
            put_derivation(&out, &bufs[i], tc, t->df->file, paths[i],
                           key->p ? key->p : "", truncated);
        }
    }
    sb_put(&out, why + from, len - from);
    for (int i = 0; paths && i <= 2 * n; i++) {
        sb_free(&bufs[i]);
    }
    free(bufs);
    free(paths);
    arena_free(&a);
    tally_program_free(own);
    return take(t, &out);
}

/* Runs [tc] on [p]; adds its result. */
static void run_case(tally_tests *t, const char *suite, const tally_program *p,
                     const tcase *tc, const char *key_field)
{
    strbuf b;
    sb_init(&b, &t->mem);
    dmark *marks = calloc((size_t)tc->nex + 1, sizeof *marks);
    int nmarks = 0;
    if (eval_case(t, &t->mem, p, tc, key_field, &b, t->o.coverage != 0,
                  NULL, marks, marks ? &nmarks : NULL)) {
        sb_free(&b);
        add_result(t, suite, tc, R_PASS, NULL);
    } else if (nmarks && !b.failed) {
        char *why = derived(t, tc, key_field, b.p, b.len, marks, nmarks);
        sb_free(&b);
        add_result(t, suite, tc, R_FAIL, why);
    } else {
        add_result(t, suite, tc, R_FAIL, take(t, &b));
    }
    free(marks);
}

/* ---- tests in parallel (--jobs) ---------------------------------------- */

/* One test run by a worker: its program (compiled beforehand, on the
 * calling thread) and what came of it, added on the calling thread in
 * the tests' order, so the output is the same bytes as a serial run. */
typedef struct pslot {
    const tcase *tc;
    const tally_program *p; /* NULL: not run (filtered out, or its
                               program did not compile) */
    bool ok;
    char *why;              /* malloc'd, or NULL */
    uint64_t *hits;         /* malloc'd probe counts, or NULL */
    dmark *marks;           /* malloc'd: the failed values to derive */
    int nmarks;
} pslot;

typedef struct pwork {
    tally_tests *t;
    pslot *slots;
    int n;
    const char *key_field;
    pthread_mutex_t lock;
    int next;               /* the next slot to take, under lock */
} pwork;

static void *pworker(void *arg)
{
    pwork *w = arg;
    mem_ctx m;
    mem_init(&m);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        int i = w->next++;
        pthread_mutex_unlock(&w->lock);
        if (i >= w->n) {
            break;
        }
        pslot *sl = &w->slots[i];
        if (!sl->p) {
            continue;
        }
        strbuf b;
        sb_init(&b, &m);
        sl->marks = malloc(((size_t)sl->tc->nex + 1) * sizeof *sl->marks);
        sl->ok = eval_case(w->t, &m, sl->p, sl->tc, w->key_field, &b, false,
                           w->t->o.coverage ? &sl->hits : NULL, sl->marks,
                           sl->marks ? &sl->nmarks : NULL);
        if (!sl->ok && !b.failed && b.len) {
            sl->why = malloc(b.len + 1);
            if (sl->why) {
                memcpy(sl->why, b.p, b.len);
                sl->why[b.len] = '\0';
            }
        }
        sb_free(&b);
    }
    return NULL;
}

/* Runs [slots] on up to t->o.jobs threads; false when no thread could be
 * started (nothing ran). */
static bool run_parallel(tally_tests *t, pslot *slots, int n,
                         const char *key_field)
{
    unsigned nt = t->o.jobs < (unsigned)n ? t->o.jobs : (unsigned)n;
    pthread_t *th = calloc(nt, sizeof *th);
    if (!th) {
        return false;
    }
    pwork w = {t, slots, n, key_field, PTHREAD_MUTEX_INITIALIZER, 0};
    t->workers = true;
    t->quiet = true;
    unsigned started = 0;
    for (; started < nt; started++) {
        if (pthread_create(&th[started], NULL, pworker, &w) != 0) {
            break;
        }
    }
    if (started == 0) {
        pworker(&w); /* no thread to be had: run them here */
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    t->quiet = false;
    t->workers = false;
    pthread_mutex_destroy(&w.lock);
    free(th);
    return true;
}

/* Runs the file's tests with --jobs: the programs compiled here in
 * order (a test with `with` lines gets its own), the tests run by the
 * workers, then each result and its coverage added in the tests' order.
 * False (nothing added) when out of memory. */
static bool run_file_parallel(tally_tests *t, const char *suite,
                              const char *file, const char *tests_path,
                              const char *src, size_t len,
                              const tally_program *base, const tcase *cases,
                              int ncases, const char *key_field)
{
    pslot *slots = calloc((size_t)ncases, sizeof *slots);
    tally_program **own = calloc((size_t)ncases, sizeof *own);
    bool *broke = calloc((size_t)ncases, sizeof *broke);
    if (!slots || !own || !broke) {
        free(slots);
        free(own);
        free(broke);
        return false;
    }
    for (int i = 0; i < ncases; i++) {
        const tcase *tc = &cases[i];
        slots[i].tc = tc;
        if (t->o.filter && !strstr(tc->name, t->o.filter)) {
            continue;
        }
        if (!tc->has_with) {
            slots[i].p = base;
            continue;
        }
        api_front_hook oh = {tests_path, t->o.coverage != 0, put_overrides,
                             NULL, t, t->o.coverage_stdlib != 0};
        t->override = tc->ordinal;
        tally_status st = api_front(&t->cfg, file, NULL, src, len, &own[i],
                                    &oh);
        t->override = -1;
        if (st != TALLY_OK) {
            tally_program_free(own[i]);
            own[i] = NULL;
            broke[i] = true;
            continue;
        }
        slots[i].p = own[i];
    }
    bool ran = run_parallel(t, slots, ncases, key_field);
    for (int i = 0; ran && i < ncases; i++) {
        pslot *sl = &slots[i];
        if (broke[i]) {
            strbuf b;
            sb_init(&b, &t->mem);
            sb_puts(&b, "  the policy with this test's parameter values does "
                    "not compile (see above)\n");
            add_result(t, suite, sl->tc, R_FAIL, take(t, &b));
        } else if (!sl->p) {
            add_result(t, suite, sl->tc, R_SKIP, NULL);
        } else {
            if (t->o.coverage) {
                add_coverage(t, sl->p, sl->hits);
            }
            if (sl->ok) {
                add_result(t, suite, sl->tc, R_PASS, NULL);
            } else if (sl->why && sl->nmarks) {
                /* traced here, on this thread, in the tests' order */
                add_result(t, suite, sl->tc, R_FAIL,
                           derived(t, sl->tc, key_field, sl->why,
                                   strlen(sl->why), sl->marks, sl->nmarks));
            } else {
                add_result(t, suite, sl->tc, R_FAIL,
                           dup(t, sl->why ? sl->why : "  out of memory\n"));
            }
        }
    }
    for (int i = 0; i < ncases; i++) {
        free(slots[i].why);
        free(slots[i].hits);
        free(slots[i].marks);
        tally_program_free(own[i]);
    }
    free(slots);
    free(own);
    free(broke);
    return ran;
}

/* ---- one file --------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 > cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, nc + 1);
            if (!nb || nc > (size_t)TLY_MAX_SOURCE * 2) {
                free(nb ? nb : buf);
                fclose(f);
                errno = nb ? EFBIG : ENOMEM;
                return NULL;
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Runs the file's tests (those not filtered out) against each mutant of
 * its policy, when they all passed on the policy itself: a mutant is
 * killed when a test fails on it (or the checker refuses it), and
 * survives otherwise. */
static void mutate(tally_tests *t, const char *suite, const char *file,
                   const char *tests_path, const char *src, size_t len,
                   size_t first, const char *key_field, const tcase *cases,
                   int ncases)
{
    for (size_t i = first; i < t->nres; i++) {
        if (t->res[i].status == R_FAIL) {
            if (t->o.report) {
                fprintf(t->o.report, "%s: no mutation testing while a test "
                        "fails\n", suite);
            }
            return;
        }
    }
    int nsites = t->nsites;
    for (int m = 0; m < nsites && !t->failed_alloc; m++) {
        t->mutant = m;
        t->last_where = "?";
        t->last.change[0] = '\0';
        t->last.applied = false;
        tally_program *mp = NULL;
        api_front_hook mh = {tests_path, false, put_overrides, NULL, t, false};
        t->quiet = true;
        tally_status st = api_front(&t->cfg, file, NULL, src, len, &mp, &mh);
        t->quiet = false;
        const char *where = t->last_where;
        const char *change = dup(t, t->last.change);
        bool killed = st != TALLY_OK;
        for (int i = 0; i < ncases && !killed; i++) {
            const tcase *tc = &cases[i];
            if (t->o.filter && !strstr(tc->name, t->o.filter)) {
                continue;
            }
            tally_program *own = NULL;
            const tally_program *run = mp;
            if (tc->has_with) {
                t->override = tc->ordinal;
                t->quiet = true;
                st = api_front(&t->cfg, file, NULL, src, len, &own, &mh);
                t->quiet = false;
                t->override = -1;
                if (st != TALLY_OK) {
                    killed = true;
                    tally_program_free(own);
                    break;
                }
                run = own;
            }
            strbuf b;
            sb_init(&b, &t->mem);
            killed = !eval_case(t, &t->mem, run, tc, key_field, &b, false,
                                NULL, NULL, NULL);
            sb_free(&b);
            tally_program_free(own);
        }
        tally_program_free(mp);
        if (!t->last.applied) {
            continue; /* no such place after all: no mutant */
        }
        t->mutants++;
        if (killed) {
            t->killed++;
        } else if (grow(t, (void **)&t->surv, &t->cap_surv, t->nsurv,
                        sizeof *t->surv)) {
            t->surv[t->nsurv++] = (tsurvivor){where, change ? change : "?"};
        }
    }
    t->mutant = -1;
}

static void broken(tally_tests *t, const char *path)
{
    if (grow(t, (void **)&t->broken, &t->cap_broken, t->nbroken,
             sizeof *t->broken)) {
        t->broken[t->nbroken++] = dup(t, path);
    }
}

/* The policy a test file [path] (text [src]) tests: the file its first
 * `import "..."` names, relative to it; NULL when [src] is a policy
 * itself (it declares an input or output), a module, or holds no test
 * or names no policy. */
static char *policy_under_test(tally_tests *t, const char *path,
                               const char *src, size_t len, bool *is_policy)
{
    *is_policy = false;
    tly_comp c;
    tly_comp_init(&c, &t->mem, path, src, len);
    char *found = NULL;
    bool has_test = false;
    if (tly_parse(&c) && c.root) {
        *is_policy = c.root->b != NULL; /* a module: checked as itself */
        for (uint32_t i = 0; i < c.root->list.count; i++) {
            ast_node *d = c.root->list.items[i];
            if (d->kind == AST_INPUT || d->kind == AST_OUTPUT) {
                *is_policy = true;
            }
            has_test |= d->kind == AST_TEST;
            if (!found && d->kind == AST_IMPORT && d->op == 1 &&
                strlen(d->text) == d->len) {
                const char *slash = strrchr(path, '/');
                strbuf b;
                sb_init(&b, &t->mem);
                if (slash && d->text[0] != '/') {
                    sb_put(&b, path, (size_t)(slash - path + 1));
                }
                sb_puts(&b, d->text);
                found = take(t, &b);
            }
        }
    } else {
        *is_policy = true; /* let the full compile report its errors */
    }
    tly_comp_free(&c);
    return *is_policy || !has_test ? NULL : found;
}

tally_status api_check_tests_file(const tally_config *cfg, const char *path,
                                  const char *src, size_t len)
{
    tally_tests *t = NULL;
    if (tally_tests_new(cfg, NULL, &t) != TALLY_OK) {
        return TALLY_ENOMEM;
    }
    bool is_policy;
    char *policy = policy_under_test(t, path, src, len, &is_policy);
    tally_status st = TALLY_EOPTION;
    if (!is_policy && policy) {
        size_t plen;
        char *psrc = slurp(policy, &plen);
        if (!psrc) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: cannot read '%s': %s", policy,
                     strerror(errno));
            api_message(cfg, msg);
            st = TALLY_EIO;
        } else {
            api_front_hook h = {path, false, NULL, NULL, NULL, false};
            st = api_front(cfg, policy, NULL, psrc, plen, NULL, &h);
            free(psrc);
        }
    }
    tally_tests_free(t);
    return st;
}

tally_status tally_tests_file(tally_tests *t, const char *path)
{
    size_t len;
    char *src = slurp(path, &len);
    if (!src) {
        char msg[600];
        snprintf(msg, sizeof msg, "tally: cannot read '%s': %s", path,
                 strerror(errno));
        api_message(t->outer, msg);
        broken(t, path);
        return TALLY_EIO;
    }
    const char *suite = dup(t, path);
    bool is_policy;
    char *policy = policy_under_test(t, path, src, len, &is_policy);
    const char *tests_path = NULL;
    if (!is_policy) {
        if (!policy) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: error: a test file imports the "
                     "policy it tests: import \"POLICY.tally\"", path);
            api_message(t->outer, msg);
            free(src);
            broken(t, path);
            return TALLY_EPOLICY;
        }
        free(src);
        src = slurp(policy, &len);
        if (!src) {
            char msg[600];
            snprintf(msg, sizeof msg, "tally: cannot read '%s': %s", policy,
                     strerror(errno));
            api_message(t->outer, msg);
            broken(t, path);
            return TALLY_EIO;
        }
        tests_path = path;
    }
    const char *file = tests_path ? policy : path;
    t->cur = (dfile){file, tests_path, src, len, NULL, false};
    t->df = &t->cur;
    api_front_hook h = {tests_path, t->o.coverage != 0, count_sites, read_plan,
                        t, t->o.coverage_stdlib != 0};
    tally_program *base = NULL;
    t->cases = NULL;
    t->ncases = 0;
    t->key_field = NULL;
    tally_status st = api_front(&t->cfg, file, NULL, src, len, &base, &h);
    if (st != TALLY_OK) {
        t->df = NULL;
        free(src);
        broken(t, path);
        return st == TALLY_ENOMEM ? TALLY_ENOMEM : TALLY_EPOLICY;
    }
    const char *key_field = t->key_field;
    int ncases = t->ncases;
    tcase *cases = t->cases;
    size_t first = t->nres; /* this file's results start here */
    bool done = t->o.jobs > 1 && ncases > 1 &&
                run_file_parallel(t, suite, file, tests_path, src, len, base,
                                  cases, ncases, key_field);
    for (int i = 0; !done && i < ncases && !t->failed_alloc; i++) {
        const tcase *tc = &cases[i];
        if (t->o.filter && !strstr(tc->name, t->o.filter)) {
            add_result(t, suite, tc, R_SKIP, NULL);
            continue;
        }
        if (!tc->has_with) {
            run_case(t, suite, base, tc, key_field);
            continue;
        }
        tally_program *own = NULL;
        api_front_hook oh = {tests_path, t->o.coverage != 0, put_overrides,
                             NULL, t, t->o.coverage_stdlib != 0};
        t->override = tc->ordinal;
        st = api_front(&t->cfg, file, NULL, src, len, &own, &oh);
        t->override = -1;
        if (st != TALLY_OK) {
            tally_program_free(own);
            strbuf b;
            sb_init(&b, &t->mem);
            sb_puts(&b, "  the policy with this test's parameter values does "
                    "not compile (see above)\n");
            add_result(t, suite, tc, R_FAIL, take(t, &b));
            continue;
        }
        run_case(t, suite, own, tc, key_field);
        tally_program_free(own);
    }
    if (t->o.mutate && !t->failed_alloc) {
        mutate(t, suite, file, tests_path, src, len, first, key_field,
               cases, ncases);
    }
    t->df = NULL;
    tally_program_free(t->cur.traced);
    tally_program_free(base);
    free(src);
    return t->failed_alloc ? TALLY_ENOMEM : TALLY_OK;
}

/* ---- reports ---------------------------------------------------------- */

void tally_tests_counts(const tally_tests *t, tally_test_counts *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->nres; i++) {
        switch (t->res[i].status) {
        case R_PASS: out->passed++; break;
        case R_FAIL: out->failed++; break;
        default: out->skipped++; break;
        }
    }
    out->broken = (unsigned)t->nbroken;
    out->mutants = t->mutants;
    out->killed = t->killed;
    for (size_t i = 0; i < t->npts; i++) {
        if (t->pts[i].excluded) {
            out->excluded++;
            out->excluded_reached += t->pts[i].hits > 0;
            continue;
        }
        out->coverable++;
        out->covered += t->pts[i].hits > 0;
    }
}

/* "87.5": [n] of [d] as a percentage, one decimal, rounded down (100
 * only when every point is reached); "100.0" when there is nothing. */
static void put_percent(strbuf *b, size_t n, size_t d)
{
    uint64_t tenths = d ? (uint64_t)n * 1000 / d : 1000;
    sb_printf(b, "%llu.%llu", (unsigned long long)(tenths / 10),
              (unsigned long long)(tenths % 10));
}

/* The points' order: by file (first seen), then line and column. */
static int by_point(const void *a, const void *b)
{
    const tpoint *x = a, *y = b;
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->col != y->col) {
        return x->col < y->col ? -1 : 1;
    }
    return strcmp(x->what, y->what);
}

/* One excluded point [q] of [file]: its place, what it is, its reason,
 * and whether a test reached it after all (a stale exclusion). */
static void put_excluded(strbuf *b, const char *file, const tpoint *q,
                         bool json, bool first)
{
    if (json) {
        sb_printf(b, "%s{\"line\": %u, \"col\": %u, \"what\": ",
                  first ? "" : ", ", q->line, q->col);
        sb_put_json_string(b, q->what, strlen(q->what));
        sb_puts(b, ", \"reason\": ");
        sb_put_json_string(b, q->excluded, strlen(q->excluded));
        sb_printf(b, ", \"reached\": %s}", q->hits ? "true" : "false");
        return;
    }
    sb_printf(b, "  excluded: %s:%u:%u %s, because \"%s\"\n", file, q->line,
              q->col, q->what, q->excluded);
    if (q->hits) {
        sb_printf(b, "  warning: %s:%u:%u is excluded from coverage but a "
                  "test reached it: remove its 'tally: nocover'\n", file,
                  q->line, q->col);
    }
}

static void put_coverage(const tally_tests *t, strbuf *b, bool json)
{
    /* Group the points by file, in the order first seen; sort each. */
    const char **files = calloc(t->npts + 1, sizeof *files);
    tpoint *pts = malloc((t->npts + 1) * sizeof *pts);
    if (!files || !pts) {
        free(files);
        free(pts);
        b->failed = true;
        return;
    }
    size_t nfiles = 0;
    for (size_t i = 0; i < t->npts; i++) {
        size_t f = 0;
        while (f < nfiles && strcmp(files[f], t->pts[i].file) != 0) {
            f++;
        }
        if (f == nfiles) {
            files[nfiles++] = t->pts[i].file;
        }
    }
    size_t all = 0, all_hit = 0, all_ex = 0;
    if (json) {
        sb_puts(b, "{\"files\": [");
    }
    for (size_t f = 0; f < nfiles; f++) {
        size_t n = 0, hit = 0, ex = 0;
        for (size_t i = 0; i < t->npts; i++) {
            if (strcmp(t->pts[i].file, files[f]) == 0) {
                pts[n++] = t->pts[i];
                if (t->pts[i].excluded) {
                    ex++;
                } else {
                    hit += t->pts[i].hits > 0;
                }
            }
        }
        qsort(pts, n, sizeof *pts, by_point);
        all += n - ex;
        all_hit += hit;
        all_ex += ex;
        if (json) {
            sb_puts(b, f ? ", {\"file\": " : "{\"file\": ");
            sb_put_json_string(b, files[f], strlen(files[f]));
            sb_printf(b, ", \"covered\": %zu, \"total\": %zu, \"percent\": ",
                      hit, n - ex);
            put_percent(b, hit, n - ex);
            sb_puts(b, ", \"uncovered\": [");
        } else {
            sb_printf(b, "%s: %zu of %zu coverage points (", files[f], hit,
                      n - ex);
            put_percent(b, hit, n - ex);
            sb_puts(b, "%)");
            if (ex) {
                sb_printf(b, ", %zu excluded", ex);
            }
            sb_putc(b, '\n');
        }
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            if (pts[i].hits || pts[i].excluded) {
                continue;
            }
            if (json) {
                sb_printf(b, "%s{\"line\": %u, \"col\": %u, \"what\": ",
                          first ? "" : ", ", pts[i].line, pts[i].col);
                sb_put_json_string(b, pts[i].what, strlen(pts[i].what));
                sb_putc(b, '}');
            } else {
                sb_printf(b, "  not reached: %s:%u:%u %s\n", files[f],
                          pts[i].line, pts[i].col, pts[i].what);
            }
            first = false;
        }
        if (json) {
            sb_puts(b, "]");
            if (ex) {
                sb_puts(b, ", \"excluded\": [");
            }
        }
        first = true;
        for (size_t i = 0; i < n; i++) {
            if (pts[i].excluded) {
                put_excluded(b, files[f], &pts[i], json, first);
                first = false;
            }
        }
        if (json) {
            sb_puts(b, ex ? "]}" : "}");
        }
    }
    if (json) {
        sb_printf(b, "], \"covered\": %zu, \"total\": %zu, \"percent\": ",
                  all_hit, all);
        put_percent(b, all_hit, all);
        if (all_ex) {
            sb_printf(b, ", \"excluded\": %zu", all_ex);
        }
        sb_puts(b, "}\n");
    } else {
        sb_printf(b, "coverage: %zu of %zu points (", all_hit, all);
        put_percent(b, all_hit, all);
        sb_puts(b, "%)");
        if (all_ex) {
            sb_printf(b, ", %zu excluded", all_ex);
        }
        sb_putc(b, '\n');
    }
    free(files);
    free(pts);
}

/* A TAP description: '#' would start a directive, a newline end it. */
static void put_tap_text(strbuf *b, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (c == '#' || c == '\n' || c == '\r') {
            c = '_';
        }
        sb_putc(b, c);
    }
}

static void put_tap(const tally_tests *t, strbuf *b)
{
    sb_puts(b, "TAP version 13\n");
    sb_printf(b, "1..%zu\n", t->nres + t->nbroken);
    size_t n = 0;
    for (size_t i = 0; i < t->nres; i++) {
        const tresult *r = &t->res[i];
        sb_printf(b, "%s %zu - ", r->status == R_FAIL ? "not ok" : "ok", ++n);
        put_tap_text(b, r->suite);
        sb_puts(b, ": ");
        put_tap_text(b, r->name);
        if (r->status == R_SKIP) {
            sb_puts(b, " # SKIP not matched by --filter");
        }
        sb_putc(b, '\n');
        if (r->status == R_FAIL) {
            sb_puts(b, "  ---\n  at: ");
            sb_put_json_string(b, r->where, strlen(r->where));
            sb_puts(b, "\n  message: ");
            sb_put_json_string(b, r->why ? r->why : "",
                               r->why ? strlen(r->why) : 0);
            sb_puts(b, "\n  ...\n");
        }
    }
    for (size_t i = 0; i < t->nbroken; i++) {
        sb_printf(b, "not ok %zu - ", ++n);
        put_tap_text(b, t->broken[i]);
        sb_puts(b, ": does not compile\n");
    }
}

static void put_junit(const tally_tests *t, strbuf *b)
{
    tally_test_counts k;
    tally_tests_counts(t, &k);
    sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(b, "<testsuites name=\"tally test\" tests=\"%zu\" "
              "failures=\"%u\" errors=\"%u\">\n", t->nres + t->nbroken,
              k.failed, k.broken);
    for (size_t i = 0; i < t->nres;) {
        size_t j = i;
        unsigned fails = 0, skips = 0;
        while (j < t->nres && strcmp(t->res[j].suite, t->res[i].suite) == 0) {
            fails += t->res[j].status == R_FAIL;
            skips += t->res[j].status == R_SKIP;
            j++;
        }
        sb_puts(b, "  <testsuite name=\"");
        out_put_xml(b, t->res[i].suite, strlen(t->res[i].suite));
        sb_printf(b, "\" tests=\"%zu\" failures=\"%u\" errors=\"0\" "
                  "skipped=\"%u\">\n", j - i, fails, skips);
        for (; i < j; i++) {
            const tresult *r = &t->res[i];
            sb_puts(b, "    <testcase classname=\"");
            out_put_xml(b, r->suite, strlen(r->suite));
            sb_puts(b, "\" name=\"");
            out_put_xml(b, r->name, strlen(r->name));
            if (r->status == R_PASS) {
                sb_puts(b, "\"/>\n");
                continue;
            }
            sb_puts(b, "\">\n");
            if (r->status == R_SKIP) {
                sb_puts(b, "      <skipped message=\"not matched by "
                        "--filter\"/>\n");
            } else {
                sb_puts(b, "      <failure message=\"");
                out_put_xml(b, r->brief ? r->brief : "",
                            r->brief ? strlen(r->brief) : 0);
                sb_puts(b, "\">");
                out_put_xml(b, r->where, strlen(r->where));
                sb_puts(b, "&#10;");
                out_put_xml(b, r->why ? r->why : "",
                            r->why ? strlen(r->why) : 0);
                sb_puts(b, "</failure>\n");
            }
            sb_puts(b, "    </testcase>\n");
        }
        sb_puts(b, "  </testsuite>\n");
    }
    for (size_t i = 0; i < t->nbroken; i++) {
        sb_puts(b, "  <testsuite name=\"");
        out_put_xml(b, t->broken[i], strlen(t->broken[i]));
        sb_puts(b, "\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
                "    <testcase classname=\"");
        out_put_xml(b, t->broken[i], strlen(t->broken[i]));
        sb_puts(b, "\" name=\"compile\">\n      <error message=\"the policy or "
                "its tests have errors\"/>\n    </testcase>\n  </testsuite>\n");
    }
    sb_puts(b, "</testsuites>\n");
}

tally_status tally_tests_write(const tally_tests *t, tally_tests_format fmt,
                               FILE *out)
{
    mem_ctx m;
    mem_init(&m);
    strbuf b;
    sb_init(&b, &m);
    switch (fmt) {
    case TALLY_TESTS_TAP: put_tap(t, &b); break;
    case TALLY_TESTS_JUNIT: put_junit(t, &b); break;
    case TALLY_TESTS_COVERAGE: put_coverage(t, &b, false); break;
    case TALLY_TESTS_COVERAGE_JSON: put_coverage(t, &b, true); break;
    case TALLY_TESTS_MUTANTS:
        sb_printf(&b, "mutation: %u of %u mutants killed (", t->killed,
                  t->mutants);
        put_percent(&b, t->killed, t->mutants);
        sb_puts(&b, "%)\n");
        for (size_t i = 0; i < t->nsurv; i++) {
            sb_printf(&b, "  survived: %s: %s\n", t->surv[i].where,
                      t->surv[i].change);
        }
        break;
    }
    if (b.failed) {
        sb_free(&b);
        return TALLY_ENOMEM;
    }
    bool ok = fwrite(b.p ? b.p : "", 1, b.len, out) == b.len;
    sb_free(&b);
    return ok ? TALLY_OK : TALLY_EIO;
}
