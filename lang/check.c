/* lang/check.c - name resolution and static type checking.
 *
 * Declarations are collected first (so order in the file does not matter),
 * then types are resolved, then every body is checked.  Each expression
 * gets a ty; implicit conversions (integer to decimal, T to optional T) are
 * recorded on the node for the compiler.  Errors speak the author's
 * language and suggest the likely fix; an expression already in error has
 * TY_ERROR, which is accepted everywhere so one mistake gives one message.
 * Definitions may not call themselves, directly or not: every policy
 * terminates.  Nothing here allocates outside the compilation's arena.
 *
 * Modules: each file has its own scope of global names (its declarations,
 * its imports' qualifiers and the names its import lists bring in), and
 * files are checked in the loader's order, each after what it imports, so
 * an imported definition is already checked when a body calls it.  A
 * qualified name (m.name, m.Type, m.f(x), m.Rec { }) is looked up among
 * the declarations of m's file alone: nothing leaks from an importer into
 * a module, nor from a module's own imports into its importer.  Local
 * names and a record check's fields shadow a module's qualifier.
 */
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "date.h"
#include "parser.h"
#include "tally_assert.h"
#include "tally_limits.h"

#define NBUCKETS 256  /* first size of the global table; doubles with it */
#define MAX_LOAD 4     /* names per bucket before the table doubles */
#define MAX_LOCALS 4096 /* names in scope at once; far past real policies */
/* Cells of edit-distance tables computed for "did you mean" hints in one
 * policy: ~30 ms.  Without a bound, N unknown names among N declared ones
 * cost N^2 distances; past it, errors go without hints. */
#define SUGGEST_BUDGET (1L << 23)

/* One file's global names. */
typedef struct scope {
    sym **table;       /* arena, chained by hash */
    uint32_t nbuckets; /* a power of two */
    uint32_t nsyms;
} scope;

typedef struct checker {
    tly_comp *c;
    scope *scopes;     /* arena: one per file; k->table is the current's */
    int cur;           /* the file being checked */
    bool in_policy;    /* it is the policy (files[0]), not a module */
    sym **table;       /* arena: global names, chained by hash */
    uint32_t nbuckets; /* a power of two */
    uint32_t nsyms;    /* names in the table */
    long suggest_left; /* SUGGEST_BUDGET, spent by consider() */
    sym **locals; /* arena: the scope stack, innermost last */
    int nlocals;
    int cap;
    int base;          /* locals below base belong to an outer body */
    sym *self;         /* the record whose checks are being checked */
    sym *func;         /* the function whose body is being checked */
    tly_checked res;
    int cap_funcs, cap_enums, cap_records, cap_externs; /* room in res's
                                                           arrays */
    uint32_t stamp;    /* the last record literal's number (sym.given) */
    uint8_t *seen;     /* arena: the cases each match open covers, a
                          region per match (match_expr) */
    uint32_t nseen, cap_seen;
    ty t_error, t_bool, t_int, t_dec, t_money, t_percent, t_date,
        t_datetime, t_duration, t_text, t_none, t_never;
    ty t_units[AST_UNIT_COUNT]; /* a duration type per unit (days: the
                                   same as t_duration) */
    int cap_holidays;
} checker;

/* ---- helpers ----------------------------------------------------------- */

static void *alloc(checker *k, size_t n)
{
    void *p = arena_zalloc(&k->c->arena, n);
    if (!p) {
        k->c->oom = true;
    }
    return p;
}

static void err(checker *k, tly_span sp, const char *hint, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static void err(checker *k, tly_span sp, const char *hint, const char *fmt,
                ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(&k->c->diags, DIAG_ERROR, sp, hint, "%s", buf);
}

static ty *new_ty(checker *k, ty_kind kind)
{
    ty *t = alloc(k, sizeof *t);
    if (!t) {
        return &k->t_error;
    }
    t->kind = kind;
    t->places = -1;
    return t;
}

static ty *wrap(checker *k, ty_kind kind, ty *elem)
{
    ty *t = new_ty(k, kind);
    if (t != &k->t_error) {
        t->elem = elem;
    }
    return t;
}

static const char *describe(checker *k, const ty *t)
{
    strbuf b;
    sb_init(&b, k->c->mem);
    ty_describe(t, &b);
    const char *s = b.failed || !b.p ? "?" : arena_strndup(&k->c->arena, b.p, b.len);
    sb_free(&b);
    return s ? s : "?";
}

void ty_describe(const ty *t, strbuf *b)
{
    switch (t->kind) {
    case TY_ERROR: sb_puts(b, "an unknown type"); break;
    case TY_BOOL: sb_puts(b, "bool"); break;
    case TY_INT: sb_puts(b, "integer"); break;
    case TY_DEC: sb_puts(b, "decimal"); break;
    case TY_MONEY:
        sb_puts(b, "money");
        if (t->currency && strcmp(t->currency, "GBP") != 0) {
            sb_printf(b, " in %s", t->currency);
        }
        break;
    case TY_PERCENT: sb_puts(b, "percent"); break;
    case TY_DATE: sb_puts(b, "date"); break;
    case TY_DATETIME: sb_puts(b, "datetime"); break;
    case TY_DURATION:
        sb_puts(b, "duration");
        switch ((ast_unit)t->unit) {
        case AST_UNIT_DAYS: break;
        case AST_UNIT_WORKING_DAYS: sb_puts(b, " in working days"); break;
        case AST_UNIT_MONTHS: sb_puts(b, " in months"); break;
        case AST_UNIT_MONTHS_EARLIER:
            sb_puts(b, " in months (or earlier)");
            break;
        case AST_UNIT_MONTHS_LATER: sb_puts(b, " in months (or later)"); break;
        case AST_UNIT_SECONDS: sb_puts(b, " in hours and minutes"); break;
        case AST_UNIT_COUNT: break;
        }
        break;
    case TY_TEXT: sb_puts(b, "text"); break;
    case TY_ENUM:
    case TY_RECORD: sb_puts(b, t->decl ? t->decl->name : "?"); break;
    case TY_LIST: sb_puts(b, "list of "); ty_describe(t->elem, b); break;
    case TY_MAP: sb_puts(b, "map of text to "); ty_describe(t->elem, b); break;
    case TY_OPTIONAL: sb_puts(b, "optional "); ty_describe(t->elem, b); break;
    case TY_NONE: sb_puts(b, "none"); break;
    case TY_NEVER: sb_puts(b, "fail"); break;
    case TY_KIND_COUNT: break;
    }
}

static bool is_num(const ty *t)
{
    return t->kind == TY_INT || t->kind == TY_DEC || t->kind == TY_MONEY ||
           t->kind == TY_PERCENT;
}

static bool is_bad(const ty *t)
{
    return t->kind == TY_ERROR || t->kind == TY_NEVER;
}

static bool same(const ty *a, const ty *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case TY_ENUM:
    case TY_RECORD: return a->decl == b->decl;
    case TY_MONEY: return strcmp(a->currency, b->currency) == 0;
    case TY_DURATION: return a->unit == b->unit;
    case TY_LIST:
    case TY_MAP:
    case TY_OPTIONAL: return same(a->elem, b->elem);
    default: return true;
    }
}

/* Can a value of [from] (the type of [n]) be used where [to] is wanted?
 * Records the conversion on [n]. */
static bool fits(checker *k, ast_node *n, ty *from, ty *to)
{
    (void)k;
    if (is_bad(from) || to->kind == TY_ERROR) {
        return true;
    }
    if (same(from, to)) {
        return true;
    }
    if (to->kind == TY_OPTIONAL) {
        if (from->kind == TY_NONE) {
            return true;
        }
        if (from->kind == TY_OPTIONAL) {
            return same(from->elem, to->elem);
        }
        return fits(k, n, from, to->elem);
    }
    if (to->kind == TY_DEC && from->kind == TY_INT) {
        if (n) {
            n->conv |= AUX_TO_DEC;
        }
        return true;
    }
    if (to->kind == TY_LIST && from->kind == TY_LIST &&
        from->elem->kind == TY_NEVER) {
        return true;
    }
    return false;
}

static const char *money_hint(const ty *want)
{
    (void)want;
    return "write an amount of money with its currency, as £5,000 or £0";
}

static void mismatch(checker *k, ast_node *n, ty *got, ty *want,
                     const char *what)
{
    const char *hint = NULL;
    if (got->kind == TY_OPTIONAL && same(got->elem, want)) {
        hint = "this value may be none: use 'x otherwise default' or "
               "'if x is some v then ... else ...'";
    } else if (want->kind == TY_MONEY && (got->kind == TY_INT || got->kind == TY_DEC)) {
        hint = money_hint(want);
    } else if (want->kind == TY_TEXT && got->kind != TY_OPTIONAL) {
        hint = "turn a value into text with text(x)";
    } else if (want->kind == TY_PERCENT && is_num(got)) {
        hint = "write a percentage as 40%";
    }
    err(k, n->sp, hint, "%s should be %s, not %s", what, describe(k, want),
        describe(k, got));
}

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h;
}

static uint32_t hash(checker *k, const char *s)
{
    return hash_name(s) & (k->nbuckets - 1);
}

/* Doubles the global table once it holds MAX_LOAD names a bucket, so a
 * lookup stays constant-time however many declarations there are.  The
 * old buckets stay in the arena (as much again as the new, at most). */
static void grow_table(checker *k)
{
    if (k->nsyms < k->nbuckets * MAX_LOAD) {
        return;
    }
    uint32_t n = k->nbuckets * 2;
    sym **t = arena_zalloc(&k->c->arena, (size_t)n * sizeof *t);
    if (!t) {
        return; /* longer chains, still correct */
    }
    for (uint32_t b = 0; b < k->nbuckets; b++) {
        sym *next;
        for (sym *s = k->table[b]; s; s = next) {
            next = s->next;
            uint32_t h = hash_name(s->name) & (n - 1);
            s->next = t[h];
            t[h] = s;
        }
    }
    k->table = t;
    k->nbuckets = n;
}

/* ---- name indexes ------------------------------------------------------ */

/* Finds the position of [name] in [x]; -1 if absent. */
static int ix_find(const name_ix *x, const char *name)
{
    if (!x->cap) {
        return -1;
    }
    uint32_t mask = x->cap - 1;
    for (uint32_t j = hash_name(name) & mask; x->slots[j].name;
         j = (j + 1) & mask) {
        if (strcmp(x->slots[j].name, name) == 0) {
            return x->slots[j].pos;
        }
    }
    return -1;
}

/* Makes [x] an empty index with room for [n] names; false out of memory
 * (the caller then searches linearly). */
static bool ix_init(checker *k, name_ix *x, uint32_t n)
{
    uint32_t cap = 8;
    while (cap < 2 * n) {
        cap *= 2;
    }
    x->slots = alloc(k, (size_t)cap * sizeof *x->slots);
    x->cap = x->slots ? cap : 0;
    return x->slots != NULL;
}

/* Adds [name] at [pos] to [x] (made by ix_init for enough names) unless
 * it is there already; returns the earlier position, or -1. */
static int ix_add(name_ix *x, const char *name, int pos)
{
    if (!x->cap) {
        return -1;
    }
    uint32_t mask = x->cap - 1;
    uint32_t j = hash_name(name) & mask;
    for (; x->slots[j].name; j = (j + 1) & mask) {
        if (strcmp(x->slots[j].name, name) == 0) {
            return x->slots[j].pos;
        }
    }
    x->slots[j].name = name;
    x->slots[j].pos = pos;
    return -1;
}

/* The global [name] of the current file as declared or imported
 * (SYM_IMPORT itself, not what it names), or NULL. */
static sym *lookup_raw(checker *k, const char *name)
{
    for (sym *s = k->table[hash(k, name)]; s; s = s->next) {
        if (strcmp(s->name, name) == 0 && s->kind != SYM_MEMBER) {
            return s;
        }
    }
    return NULL;
}

/* What the global [name] of the current file names: a name brought in
 * by an import list is the module's declaration itself. */
static sym *lookup_global(checker *k, const char *name)
{
    sym *s = lookup_raw(k, name);
    return s && s->kind == SYM_IMPORT ? s->owner : s;
}

/* Whether [s] is one of its file's own declarations that another file may
 * name: not an import, a qualifier, an enum member or the input. */
static bool exported(const sym *s)
{
    return s->kind != SYM_MEMBER && s->kind != SYM_IMPORT &&
           s->kind != SYM_MODULE && s->kind != SYM_INPUT;
}

/* The declaration [name] of file [file], or NULL. */
static sym *lookup_in(checker *k, int file, const char *name)
{
    /* The current file's scope is in k until leave() keeps it. */
    scope cur = {k->table, k->nbuckets, k->nsyms};
    const scope *sc = file == k->cur ? &cur : &k->scopes[file];
    for (sym *s = sc->table[hash_name(name) & (sc->nbuckets - 1)]; s;
         s = s->next) {
        if (strcmp(s->name, name) == 0 && exported(s)) {
            return s;
        }
    }
    return NULL;
}

/* Enum members live in the same table, possibly several of one name. */
static sym *lookup_member(checker *k, const char *name, const sym *want_enum,
                          int *count)
{
    sym *found = NULL;
    *count = 0;
    if (want_enum && want_enum->ix.cap) {
        int i = ix_find(&want_enum->ix, name);
        if (i >= 0 && want_enum->members[i]) {
            *count = 1;
            return want_enum->members[i];
        }
    }
    for (sym *s = k->table[hash(k, name)]; s; s = s->next) {
        if (s->kind == SYM_MEMBER && strcmp(s->name, name) == 0) {
            if (want_enum && s->owner == want_enum) {
                *count = 1;
                return s;
            }
            found = s;
            (*count)++;
        }
    }
    return found;
}

static sym *new_sym(checker *k, sym_kind kind, const char *name,
                    ast_node *decl)
{
    sym *s = alloc(k, sizeof *s);
    if (!s) {
        return NULL; /* k->c->oom is set; every caller gives up its walk */
    }
    s->kind = kind;
    s->name = name;
    s->decl = decl;
    s->index = -1;
    s->slot = -1;
    return s;
}

static sym *declare(checker *k, sym_kind kind, ast_node *decl)
{
    const char *name = decl->name;
    if (kind != SYM_MEMBER) {
        sym *old = lookup_global(k, name);
        if (old) {
            uint32_t line, col;
            tly_position(k->c, old->decl->name_sp.start, NULL, &line, &col);
            char hint[80];
            snprintf(hint, sizeof hint, "the first is on line %u", line);
            err(k, decl->name_sp, hint, "'%s' is declared twice", name);
            return NULL;
        }
    }
    sym *s = new_sym(k, kind, name, decl);
    if (!s) {
        return NULL;
    }
    uint32_t h = hash(k, name);
    s->next = k->table[h];
    k->table[h] = s;
    k->nsyms++;
    grow_table(k);
    return s;
}

/* Edit distance, for "did you mean" hints; bounded to short names. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40) {
        return 99;
    }
    int row[41];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = (int)j;
    }
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = prev + cost;
            if (row[j] + 1 < best) {
                best = row[j] + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

typedef struct suggest {
    const char *best;
    int dist;
    const char *name;
    long *left; /* the checker's suggest_left */
} suggest;

static void consider(suggest *g, const char *cand)
{
    if (*g->left <= 0) {
        return;
    }
    size_t la = strlen(g->name), lb = strlen(cand);
    *g->left -= 1 + (long)((la < 41 ? la : 1) * (lb < 41 ? lb : 1));
    int d = distance(g->name, cand);
    int limit = (int)strlen(g->name) / 3 + 1;
    if (d <= limit && d < g->dist) {
        g->dist = d;
        g->best = cand;
    }
}

/* Considers every global name of a kind in [kinds] (bits 1 << sym_kind),
 * while the budget lasts. */
static void consider_globals(checker *k, suggest *g, unsigned kinds)
{
    for (uint32_t b = 0; b < k->nbuckets && *g->left > 0; b++) {
        for (sym *t = k->table[b]; t && *g->left > 0; t = t->next) {
            if (kinds & (1u << t->kind)) {
                consider(g, t->name);
            }
        }
    }
}

static const char *hint_for(checker *k, suggest *g)
{
    if (!g->best) {
        return NULL;
    }
    char buf[120];
    snprintf(buf, sizeof buf, "did you mean '%s'?", g->best);
    return arena_strndup(&k->c->arena, buf, strlen(buf));
}

/* Considers every name of file [file] another file may name, of a kind
 * in [kinds]. */
static void consider_module(checker *k, suggest *g, int file, unsigned kinds)
{
    const scope *sc = &k->scopes[file];
    for (uint32_t b = 0; b < sc->nbuckets && *g->left > 0; b++) {
        for (sym *t = sc->table[b]; t && *g->left > 0; t = t->next) {
            if (exported(t) && (kinds & (1u << t->kind))) {
                consider(g, t->name);
            }
        }
    }
}

/* The name a file is known by in messages: its module name, or path. */
static const char *module_name(checker *k, int file)
{
    const tly_file *f = k->c->files[file];
    return f->name ? f->name : f->path;
}

/* Reports that module [file] has no [name] of a kind in [kinds] at [sp],
 * suggesting the nearest it has. */
static void no_such(checker *k, tly_span sp, int file, const char *name,
                    unsigned kinds, const char *what)
{
    suggest g = {NULL, 99, name, &k->suggest_left};
    consider_module(k, &g, file, kinds);
    err(k, sp, hint_for(k, &g), "module %s has no %s '%s'",
        module_name(k, file), what, name);
}

/* ---- scopes ------------------------------------------------------------ */

static sym *bind_local(checker *k, const char *name, ty *t, ast_node *at)
{
    if (k->nlocals == k->cap) {
        int cap = k->cap ? k->cap * 2 : 32;
        if (cap > MAX_LOCALS) {
            err(k, at->sp, NULL, "too many names in scope");
            return NULL;
        }
        sym **l = alloc(k, (size_t)cap * sizeof *l);
        if (!l) {
            return NULL;
        }
        if (k->nlocals) {
            memcpy(l, k->locals, (size_t)k->nlocals * sizeof *l);
        }
        k->locals = l;
        k->cap = cap;
    }
    sym *s = new_sym(k, SYM_LOCAL, name, at);
    if (!s) {
        return NULL;
    }
    s->ty = t;
    k->locals[k->nlocals++] = s;
    return s;
}

static sym *lookup_local(checker *k, const char *name)
{
    for (int i = k->nlocals - 1; i >= k->base; i--) {
        if (strcmp(k->locals[i]->name, name) == 0) {
            return k->locals[i];
        }
    }
    return NULL;
}

static int field_index(const sym *rec, const char *name)
{
    if (rec->ix.cap) {
        return ix_find(&rec->ix, name);
    }
    for (int i = 0; i < rec->nfields; i++) {
        if (strcmp(rec->fields[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* The file of the module [q] qualifies with, when [q] is a name that
 * is an imported module's qualifier and no local name or field hides it;
 * -1 otherwise. */
static int module_of(checker *k, const ast_node *q)
{
    if (!q || q->kind != AST_NAME || lookup_local(k, q->name) ||
        (k->self && field_index(k->self, q->name) >= 0)) {
        return -1;
    }
    sym *s = lookup_global(k, q->name);
    return s && s->kind == SYM_MODULE ? s->ordinal : -1;
}

/* ---- types ------------------------------------------------------------- */

static ty *resolve_type(checker *k, ast_node *n);

static bool const_int(checker *k, ast_node *n, int64_t *out)
{
    bool neg = false;
    if (n->kind == AST_UNARY && n->op == '-') {
        neg = true;
        n = n->a;
    }
    if (n->kind != AST_INT) {
        err(k, n->sp, NULL, "a bound must be a whole number");
        return false;
    }
    char *end;
    errno = 0;
    long long v = strtoll(n->text, &end, 10);
    if (errno || *end) {
        err(k, n->sp, NULL, "number too large");
        return false;
    }
    *out = neg ? -v : v;
    return true;
}

static ty *alias_type(checker *k, sym *s)
{
    if (s->state == 1) {
        err(k, s->decl->name_sp, NULL, "type '%s' is defined in terms of itself",
            s->name);
        s->ty = &k->t_error;
        s->state = 2;
    }
    if (s->state == 0) {
        s->state = 1;
        s->ty = resolve_type(k, s->decl->a);
        s->state = 2;
    }
    return s->ty;
}

static ty *resolve_type(checker *k, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_TYPE_LIST: return wrap(k, TY_LIST, resolve_type(k, n->a));
    case AST_TYPE_MAP: {
        ty *key = resolve_type(k, n->a);
        if (key->kind != TY_TEXT && key->kind != TY_ERROR) {
            err(k, n->a->sp, NULL, "map keys must be text");
        }
        return wrap(k, TY_MAP, resolve_type(k, n->b));
    }
    case AST_TYPE_OPT: {
        ty *in = resolve_type(k, n->a);
        if (in->kind == TY_OPTIONAL) {
            err(k, n->sp, NULL, "optional of an optional type");
            return in;
        }
        return wrap(k, TY_OPTIONAL, in);
    }
    case AST_TYPE_RANGE: {
        ty *base = resolve_type(k, n->a);
        if (base->kind != TY_INT) {
            if (base->kind != TY_ERROR) {
                err(k, n->sp, NULL, "only integers can have bounds");
            }
            return base;
        }
        ty *t = new_ty(k, TY_INT);
        if (t == &k->t_error) {
            return t;
        }
        if (n->b && const_int(k, n->b, &t->min)) {
            t->has_min = true;
        }
        if (n->c && const_int(k, n->c, &t->max)) {
            t->has_max = true;
        }
        if (t->has_min && t->has_max && t->min > t->max) {
            err(k, n->sp, NULL, "the lower bound is above the upper bound");
        }
        return t;
    }
    case AST_TYPE_NAME: {
        static const struct {
            const char *name;
            ty_kind kind;
        } builtin[] = {
            {"bool", TY_BOOL},         {"integer", TY_INT},
            {"decimal", TY_DEC},       {"money", TY_MONEY},
            {"percent", TY_PERCENT},   {"date", TY_DATE},
            {"datetime", TY_DATETIME}, {"duration", TY_DURATION},
            {"text", TY_TEXT},
        };
        if (n->text3) {
            sym *q = lookup_global(k, n->text3);
            if (!q || q->kind != SYM_MODULE) {
                char hint[120];
                snprintf(hint, sizeof hint, "import it first: import %.80s",
                         n->text3);
                err(k, n->sp, hint, "unknown module '%s'", n->text3);
                return &k->t_error;
            }
            sym *t = lookup_in(k, q->ordinal, n->name);
            if (t && (t->kind == SYM_ENUM || t->kind == SYM_RECORD)) {
                n->sym = t;
                return t->ty;
            }
            if (t && t->kind == SYM_ALIAS) {
                return alias_type(k, t);
            }
            no_such(k, n->name_sp, q->ordinal, n->name,
                    1u << SYM_ENUM | 1u << SYM_RECORD | 1u << SYM_ALIAS, "type");
            return &k->t_error;
        }
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
            if (strcmp(n->name, builtin[i].name) != 0) {
                continue;
            }
            if (n->num == -2) {
                if (builtin[i].kind != TY_DEC && builtin[i].kind != TY_MONEY &&
                    builtin[i].kind != TY_PERCENT) {
                    err(k, n->sp, NULL, "only decimals take a number of places");
                    break;
                }
                long places = strtol(n->text, NULL, 10);
                if (places < 0 || places > LIM_MAX_PLACES) {
                    err(k, n->sp, NULL, "places must be between 0 and "
                        LIM_STR(LIM_MAX_PLACES));
                    break;
                }
                ty *t = new_ty(k, builtin[i].kind);
                t->places = (int)places;
                t->currency = "GBP";
                return t;
            }
            switch (builtin[i].kind) {
            case TY_BOOL: return &k->t_bool;
            case TY_INT: return &k->t_int;
            case TY_DEC: return &k->t_dec;
            case TY_MONEY: return &k->t_money;
            case TY_PERCENT: return &k->t_percent;
            case TY_DATE: return &k->t_date;
            case TY_DATETIME: return &k->t_datetime;
            case TY_DURATION: return &k->t_duration;
            default: return &k->t_text;
            }
        }
        sym *s = lookup_global(k, n->name);
        if (s && (s->kind == SYM_ENUM || s->kind == SYM_RECORD)) {
            n->sym = s;
            return s->ty;
        }
        if (s && s->kind == SYM_ALIAS) {
            return alias_type(k, s);
        }
        suggest g = {NULL, 99, n->name, &k->suggest_left};
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
            consider(&g, builtin[i].name);
        }
        consider_globals(k, &g, 1u << SYM_ENUM | 1u << SYM_RECORD |
                                    1u << SYM_ALIAS);
        err(k, n->name_sp, hint_for(k, &g), "unknown type '%s'", n->name);
        return &k->t_error;
    }
    default:
        err(k, n->sp, NULL, "not a type");
        return &k->t_error;
    }
}

/* ---- expressions ------------------------------------------------------- */

static ty *expr(checker *k, ast_node *n, ty *want);
static void check_func(checker *k, sym *f);

/* Checks [n] and requires it to fit [want]. */
static ty *expect(checker *k, ast_node *n, ty *want, const char *what)
{
    ty *t = expr(k, n, want);
    if (!fits(k, n, t, want)) {
        mismatch(k, n, t, want, what);
        return &k->t_error;
    }
    return want;
}

static ty *expect_bool(checker *k, ast_node *n, const char *what)
{
    return expect(k, n, &k->t_bool, what);
}

static bool parse_dec_lit(checker *k, ast_node *n)
{
    dec d;
    arena tmp;
    arena_init(&tmp, k->c->mem);
    dec_status st = dec_parse(&tmp, n->text, strlen(n->text), &d);
    arena_free(&tmp);
    if (st != DEC_OK) {
        err(k, n->sp, NULL, "malformed number '%s'", n->text);
        return false;
    }
    return true;
}

/* The type of [n], a name for the global [s] used as a value; NULL when
 * [s] is not a value (a type, a module). */
static ty *global_value(checker *k, ast_node *n, sym *s)
{
    switch (s->kind) {
    case SYM_PARAM:
    case SYM_DEF:
    case SYM_RULE:
    case SYM_EXTERN:
        if (s->nparams > 0) {
            err(k, n->sp, NULL, "'%s' needs %d argument%s", n->name,
                s->nparams, s->nparams == 1 ? "" : "s");
            return &k->t_error;
        }
        n->sym = s;
        check_func(k, s);
        return s->kind == SYM_RULE ? s->verdict->ty : s->ty;
    case SYM_INPUT:
        n->sym = s;
        return s->ty;
    default:
        return NULL;
    }
}

static ty *name_expr(checker *k, ast_node *n, ty *want)
{
    sym *s = lookup_local(k, n->name);
    if (s) {
        n->sym = s;
        return s->ty;
    }
    if (k->self) {
        int i = field_index(k->self, n->name);
        if (i >= 0) {
            sym *f = new_sym(k, SYM_FIELD, n->name, n);
            if (!f) {
                return &k->t_error;
            }
            f->owner = k->self;
            f->ordinal = i;
            f->ty = k->self->fields[i].ty;
            n->sym = f;
            return f->ty;
        }
    }
    int count;
    sym *want_enum = want && want->kind == TY_ENUM ? want->decl : NULL;
    if (want && want->kind == TY_OPTIONAL && want->elem->kind == TY_ENUM) {
        want_enum = want->elem->decl;
    }
    sym *m = lookup_member(k, n->name, want_enum, &count);
    s = lookup_global(k, n->name);
    if (s) {
        ty *t = global_value(k, n, s);
        if (t) {
            return t;
        }
        if (!m && s->kind == SYM_MODULE) {
            err(k, n->sp, NULL,
                "'%s' is a module: write %s.NAME for one of its declarations",
                n->name, n->name);
            return &k->t_error;
        }
        if (!m) {
            err(k, n->sp, NULL, "'%s' is a type, not a value", n->name);
            return &k->t_error;
        }
    }
    if (m) {
        if (count > 1) {
            err(k, n->sp, "write EnumName.member", "'%s' is a member of more than one enum",
                n->name);
            return &k->t_error;
        }
        n->sym = m;
        return m->owner->ty;
    }
    /* Unknown: suggest the nearest name in scope. */
    suggest g = {NULL, 99, n->name, &k->suggest_left};
    for (int i = k->base; i < k->nlocals; i++) {
        consider(&g, k->locals[i]->name);
    }
    if (k->self) {
        for (int i = 0; i < k->self->nfields; i++) {
            consider(&g, k->self->fields[i].name);
        }
    }
    consider_globals(k, &g, ~(1u << SYM_ENUM | 1u << SYM_RECORD |
                              1u << SYM_ALIAS));
    err(k, n->sp, hint_for(k, &g), "unknown name '%s'", n->name);
    return &k->t_error;
}

static ty *get_expr(checker *k, ast_node *n)
{
    /* module.name */
    int mod = module_of(k, n->a);
    if (mod >= 0) {
        sym *s = lookup_in(k, mod, n->name);
        if (!s) {
            no_such(k, n->name_sp, mod, n->name,
                    ~(1u << SYM_ENUM | 1u << SYM_RECORD | 1u << SYM_ALIAS),
                    "definition or parameter");
            return &k->t_error;
        }
        n->kind = AST_NAME;
        n->a = NULL;
        ty *t = global_value(k, n, s);
        if (!t) {
            err(k, n->sp, NULL, "'%s' is a type, not a value", n->name);
            return &k->t_error;
        }
        return t;
    }
    /* Enum.member, module.Enum.member */
    sym *e = NULL;
    if (n->a->kind == AST_NAME && !lookup_local(k, n->a->name)) {
        e = lookup_global(k, n->a->name);
    } else if (n->a->kind == AST_GET && (mod = module_of(k, n->a->a)) >= 0) {
        e = lookup_in(k, mod, n->a->name);
    }
    {
        if (e && e->kind == SYM_ENUM) {
            int i = ix_find(&e->ix, n->name);
            if (i >= 0 && e->members[i]) {
                n->kind = AST_NAME;
                n->sym = e->members[i];
                return e->ty;
            }
            err(k, n->name_sp, NULL, "enum %s has no member '%s'", e->name,
                n->name);
            return &k->t_error;
        }
    }
    ty *t = expr(k, n->a, NULL);
    if (is_bad(t)) {
        return &k->t_error;
    }
    if (t->kind == TY_OPTIONAL && t->elem->kind == TY_RECORD) {
        err(k, n->name_sp,
            "use 'if x is some v then v.field else ...' or 'x otherwise ...'",
            "this value may be none, so it has no field '%s'", n->name);
        return &k->t_error;
    }
    if (t->kind != TY_RECORD) {
        err(k, n->name_sp, NULL, "%s has no fields (looking for '%s')",
            describe(k, t), n->name);
        return &k->t_error;
    }
    sym *r = t->decl;
    int i = field_index(r, n->name);
    if (i < 0) {
        suggest g = {NULL, 99, n->name, &k->suggest_left};
        for (int j = 0; j < r->nfields; j++) {
            consider(&g, r->fields[j].name);
        }
        err(k, n->name_sp, hint_for(k, &g), "%s has no field '%s'", r->name,
            n->name);
        return &k->t_error;
    }
    n->aux = i;
    n->sym = r;
    return r->fields[i].ty;
}

/* Result type of arithmetic [op] on [a] and [b]; NULL if not allowed. */
static ty *arith(checker *k, int op, ast_node *n, ty *a, ty *b,
                 const char **hint)
{
    ty_kind x = a->kind, y = b->kind;
    *hint = NULL;
    if (x == TY_INT && y == TY_INT) {
        if (op == '/') {
            n->a->conv |= AUX_TO_DEC;
            n->b->conv |= AUX_TO_DEC;
            return &k->t_dec;
        }
        return &k->t_int;
    }
    bool xd = x == TY_INT || x == TY_DEC, yd = y == TY_INT || y == TY_DEC;
    if (xd && yd) {
        if (x == TY_INT) n->a->conv |= AUX_TO_DEC;
        if (y == TY_INT) n->b->conv |= AUX_TO_DEC;
        return &k->t_dec;
    }
    if (x == TY_INT) n->a->conv |= AUX_TO_DEC;
    if (y == TY_INT) n->b->conv |= AUX_TO_DEC;
    if (x == TY_MONEY && y == TY_MONEY) {
        if (strcmp(a->currency, b->currency) != 0) {
            *hint = "convert one amount to the other currency first";
            return NULL;
        }
        if (op == '+' || op == '-') {
            return a;
        }
        if (op == '/') {
            return &k->t_dec;
        }
        *hint = "multiply money by a number or a percentage, not by money";
        return NULL;
    }
    if (x == TY_MONEY && (yd || y == TY_PERCENT)) {
        if (op == '*' || op == '/') {
            return a;
        }
        *hint = "write the amount as money, as £5,000";
        return NULL;
    }
    if ((xd || x == TY_PERCENT) && y == TY_MONEY) {
        if (op == '*') {
            return b;
        }
        *hint = op == '/' ? NULL : "write the amount as money, as £5,000";
        return NULL;
    }
    if (x == TY_PERCENT && y == TY_PERCENT) {
        if (op == '+' || op == '-' || op == '*') {
            return a;
        }
        return &k->t_dec;
    }
    if ((x == TY_PERCENT && yd) || (xd && y == TY_PERCENT)) {
        if (op == '*') {
            return &k->t_dec; /* 50% of a number is a decimal: 50% * 3 = 1.5 */
        }
        if (op == '/' && x == TY_PERCENT) {
            return a;
        }
        *hint = "write a percentage as 40% or turn it into a number";
        return NULL;
    }
    return NULL;
}

static const char *op_name(int op);

/* '+', '-' and '*' where a date, date-time or duration is involved: the
 * result type, with the operation for the compiler in [n]->aux; an error
 * (reported) for a combination that means nothing; NULL when neither
 * side is one of them.  A date plus hours is refused (a date has no time
 * of day), and so is a date-time plus months or working days (they count
 * calendar days, which a date-time only has in a time zone: take
 * local_date first). */
static ty *date_arith(checker *k, int op, ast_node *n, ty *a, ty *b)
{
    ty_kind x = a->kind, y = b->kind;
    if (x != TY_DATE && x != TY_DATETIME && x != TY_DURATION &&
        y != TY_DATE && y != TY_DATETIME && y != TY_DURATION) {
        return NULL;
    }
    bool add = op == '+', sub = op == '-';
    const char *hint = NULL;
    if ((add || sub) && x == TY_DATE && y == TY_DURATION) {
        switch ((ast_unit)b->unit) {
        case AST_UNIT_DAYS:
            n->aux = add ? DOP_ADD_DAYS : DOP_SUB_DAYS;
            return a;
        case AST_UNIT_WORKING_DAYS:
            n->aux = add ? DOP_ADD_WORKING : DOP_SUB_WORKING;
            return a;
        case AST_UNIT_MONTHS:
        case AST_UNIT_MONTHS_EARLIER:
        case AST_UNIT_MONTHS_LATER:
            n->aux = add ? DOP_ADD_MONTHS : DOP_SUB_MONTHS;
            return a;
        case AST_UNIT_SECONDS:
        case AST_UNIT_COUNT:
            hint = "a date has no time of day: add days to it, or hours "
                   "to a datetime";
            break;
        }
    } else if (sub && x == TY_DATE && y == TY_DATE) {
        n->aux = DOP_DAYS_BETWEEN;
        return &k->t_int;
    } else if ((add || sub) && x == TY_DATETIME && y == TY_DURATION) {
        if (b->unit == AST_UNIT_SECONDS) {
            n->aux = add ? DOP_ADD_SECONDS : DOP_SUB_SECONDS;
            return a;
        }
        if (b->unit == AST_UNIT_DAYS) {
            n->aux = add ? DOP_ADD_DAYS_TIME : DOP_SUB_DAYS_TIME;
            return a;
        }
        hint = "months and working days count calendar days: take the "
               "date first, as local_date(t) + 1 month";
    } else if (add && x == TY_DURATION && (y == TY_DATE || y == TY_DATETIME)) {
        hint = "write the date first, as d + 30 days";
    } else if (sub && x == TY_DATETIME && y == TY_DATETIME) {
        hint = "compare date-times with < and >, or subtract their dates: "
               "local_date(a) - local_date(b)";
    } else if (op == '*' && ((x == TY_INT && y == TY_DURATION) ||
                             (x == TY_DURATION && y == TY_INT))) {
        n->aux = DOP_SCALE;
        return x == TY_DURATION ? a : b;
    } else if ((add || sub) && x == TY_DURATION && y == TY_DURATION) {
        hint = "add each duration to the date in turn";
    } else if (op == '*' && (x == TY_DURATION || y == TY_DURATION)) {
        hint = "a duration is multiplied by an integer, as n * 1 day";
    }
    err(k, n->sp, hint, "cannot use %s on %s and %s", op_name(op),
        describe(k, a), describe(k, b));
    return &k->t_error;
}

static const char *op_name(int op)
{
    switch (op) {
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "/";
    case '=': return "=";
    case '<': return "<";
    case '>': return ">";
    case NE: return "!=";
    case LE: return "<=";
    case GE: return ">=";
    case AND: return "and";
    case OR: return "or";
    case IN: return "is in";
    case OTHERWISE: return "otherwise";
    default: return "?";
    }
}

static bool ordered(const ty *t)
{
    switch (t->kind) {
    case TY_INT: case TY_DEC: case TY_MONEY: case TY_PERCENT: case TY_DATE:
    case TY_DATETIME: case TY_DURATION: case TY_TEXT: case TY_ENUM:
        return true;
    default:
        return false;
    }
}

/* Brings [a] and [b] to one comparable type, recording conversions. */
static ty *unify(checker *k, ast_node *na, ty *a, ast_node *nb, ty *b)
{
    if (is_bad(a)) return b;
    if (is_bad(b)) return a;
    if (same(a, b)) return a;
    if (a->kind == TY_INT && b->kind == TY_DEC) {
        na->conv |= AUX_TO_DEC;
        return b;
    }
    if (a->kind == TY_DEC && b->kind == TY_INT) {
        nb->conv |= AUX_TO_DEC;
        return a;
    }
    if (a->kind == TY_OPTIONAL && fits(k, nb, b, a->elem)) return a;
    if (b->kind == TY_OPTIONAL && fits(k, na, a, b->elem)) return b;
    if (a->kind == TY_NONE && b->kind == TY_OPTIONAL) return b;
    if (b->kind == TY_NONE && a->kind == TY_OPTIONAL) return a;
    if (a->kind == TY_NONE) return wrap(k, TY_OPTIONAL, b);
    if (b->kind == TY_NONE) return wrap(k, TY_OPTIONAL, a);
    if (a->kind == TY_LIST && b->kind == TY_LIST) {
        if (a->elem->kind == TY_NEVER) return b;
        if (b->elem->kind == TY_NEVER) return a;
    }
    return NULL;
}

/* When one side is money and the other a plain number, the author almost
 * always forgot the currency: say so at the number. */
static bool money_vs_number(checker *k, ast_node *n, ty *a, ty *b,
                            const char *verb)
{
    bool an = a->kind == TY_INT || a->kind == TY_DEC;
    bool bn = b->kind == TY_INT || b->kind == TY_DEC;
    ast_node *num = NULL;
    if (a->kind == TY_MONEY && bn) {
        num = n->b;
    } else if (b->kind == TY_MONEY && an) {
        num = n->a;
    }
    if (!num) {
        return false;
    }
    int len = (int)(num->sp.end - num->sp.start);
    char hint[160];
    if (num->kind == AST_INT || num->kind == AST_DEC) {
        snprintf(hint, sizeof hint, "write the amount with its currency: £%.*s",
                 len > 40 ? 40 : len, tly_text_at(k->c, num->sp.start));
    } else {
        snprintf(hint, sizeof hint, "only money mixes with money: multiply "
                 "by a rate, or compare with an amount such as £0");
    }
    err(k, num->sp, hint, "cannot %s money and a plain number", verb);
    return true;
}

/* Is [n] a bare name that only an enum member of several enums could
 * be?  Then it takes its type from the other side of the operator. */
static bool ambiguous_member(checker *k, ast_node *n)
{
    if (n->kind != AST_NAME || lookup_local(k, n->name) ||
        lookup_global(k, n->name) ||
        (k->self && field_index(k->self, n->name) >= 0)) {
        return false;
    }
    int count;
    lookup_member(k, n->name, NULL, &count);
    return count > 1;
}

static ty *binary(checker *k, ast_node *n, ty *want)
{
    int op = n->op;
    if (op == OR && n->b->kind == AST_NAME &&
        (strcmp(n->b->name, "earlier") == 0 ||
         strcmp(n->b->name, "later") == 0) &&
        !lookup_local(k, n->b->name) && !lookup_global(k, n->b->name)) {
        /* "d + 1 month\n or earlier": the direction belongs to the
         * duration, written on its line (the scanner reads it there). */
        expr(k, n->a, NULL);
        err(k, n->b->sp, "write it right after the months, on the same "
            "line: d + 1 month or earlier",
            "'or %s' must follow a number of months or years", n->b->name);
        return &k->t_error;
    }
    if (op == AND || op == OR) {
        expect_bool(k, n->a, "the left side");
        expect_bool(k, n->b, "the right side");
        return &k->t_bool;
    }
    if (op == OTHERWISE) {
        ty *a = expr(k, n->a, want ? wrap(k, TY_OPTIONAL, want) : NULL);
        if (is_bad(a)) {
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        if (a->kind != TY_OPTIONAL) {
            err(k, n->a->sp, NULL,
                "'otherwise' needs a value that may be none, and this is %s",
                describe(k, a));
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        ty *e = a->elem;
        ty *b = expr(k, n->b, e);
        if (fits(k, n->b, b, e)) {
            return e;
        }
        if (e->kind == TY_INT && b->kind == TY_DEC) {
            n->a->conv |= AUX_TO_DEC; /* integer-or-none otherwise decimal */
            return b;
        }
        mismatch(k, n->b, b, e, "the value after 'otherwise'");
        return &k->t_error;
    }
    if (op == IN) {
        ty *l;
        if (!ambiguous_member(k, n->a)) {
            ty *x = expr(k, n->a, NULL);
            l = expr(k, n->b, is_bad(x) ? NULL : wrap(k, TY_LIST, x));
            if (is_bad(l)) {
                return &k->t_bool;
            }
            if (l->kind != TY_LIST) {
                err(k, n->b->sp, NULL, "'is in' needs a list, not %s", describe(k, l));
                return &k->t_bool;
            }
            if (!is_bad(x) && !fits(k, n->a, x, l->elem)) {
                mismatch(k, n->a, x, l->elem, "the value looked for");
            }
            return &k->t_bool;
        }
        l = expr(k, n->b, NULL);
        if (is_bad(l)) {
            expr(k, n->a, NULL);
            return &k->t_bool;
        }
        if (l->kind != TY_LIST) {
            err(k, n->b->sp, NULL, "'is in' needs a list, not %s", describe(k, l));
            expr(k, n->a, NULL);
            return &k->t_bool;
        }
        expect(k, n->a, l->elem, "the value looked for");
        return &k->t_bool;
    }
    ty *hint_ty = NULL;
    /* Let an enum member or none on one side take the other's type. */
    ty *a, *b;
    if (ambiguous_member(k, n->a) && !ambiguous_member(k, n->b)) {
        b = expr(k, n->b, NULL);
        a = expr(k, n->a, (b->kind == TY_ENUM || b->kind == TY_OPTIONAL) ? b : NULL);
    } else {
        a = expr(k, n->a, NULL);
        b = expr(k, n->b, (a->kind == TY_ENUM || a->kind == TY_OPTIONAL) ? a : NULL);
    }
    (void)hint_ty;
    if (is_bad(a) || is_bad(b)) {
        return (op == '=' || op == NE || op == '<' || op == LE || op == '>' ||
                op == GE)
                   ? &k->t_bool
                   : &k->t_error;
    }
    if (op == '=' || op == NE) {
        if (!unify(k, n->a, a, n->b, b) &&
            !money_vs_number(k, n, a, b, "compare")) {
            const char *hint = NULL;
            if ((a->kind == TY_MONEY && (b->kind == TY_INT || b->kind == TY_DEC)) ||
                (b->kind == TY_MONEY && (a->kind == TY_INT || a->kind == TY_DEC))) {
                hint = money_hint(NULL);
            }
            err(k, n->sp, hint, "cannot compare %s with %s", describe(k, a),
                describe(k, b));
        }
        return &k->t_bool;
    }
    if (op == '<' || op == LE || op == '>' || op == GE) {
        ty *u = unify(k, n->a, a, n->b, b);
        if ((!u || !ordered(u)) && !money_vs_number(k, n, a, b, "compare")) {
            const char *hint = NULL;
            if ((a->kind == TY_MONEY && (b->kind == TY_INT || b->kind == TY_DEC)) ||
                (b->kind == TY_MONEY && (a->kind == TY_INT || a->kind == TY_DEC))) {
                hint = money_hint(NULL);
            } else if (a->kind == TY_OPTIONAL || b->kind == TY_OPTIONAL) {
                hint = "a value that may be none cannot be ordered: use "
                       "'x otherwise default'";
            }
            err(k, n->sp, hint, "cannot order %s against %s", describe(k, a),
                describe(k, b));
        }
        return &k->t_bool;
    }
    if (a->kind == TY_TEXT && b->kind == TY_TEXT && op == '+') {
        n->aux = 0;
        return &k->t_text;
    }
    if ((a->kind == TY_TEXT || b->kind == TY_TEXT) && op == '+') {
        err(k, n->sp, "turn the value into text with text(x) first",
            "cannot join %s and %s", describe(k, a), describe(k, b));
        return &k->t_error;
    }
    ty *dr = date_arith(k, op, n, a, b);
    if (dr) {
        return dr;
    }
    const char *hint;
    ty *r = is_num(a) && is_num(b) ? arith(k, op, n, a, b, &hint)
                                   : (hint = NULL, NULL);
    if (!r && (op == '+' || op == '-') &&
        money_vs_number(k, n, a, b, op == '+' ? "add" : "subtract")) {
        return &k->t_error;
    }
    if (!r && (a->kind == TY_OPTIONAL || b->kind == TY_OPTIONAL)) {
        hint = "this value may be none: use 'x otherwise default' or "
               "'if x is some v then ... else ...'";
    }
    if (!r) {
        err(k, n->sp, hint, "cannot use %s on %s and %s", op_name(op),
            describe(k, a), describe(k, b));
        return &k->t_error;
    }
    return r;
}

/* Checks a condition, which may be "x is some v" binding v. Returns the
 * number of locals it pushed (0 or 1); the caller pops them after the
 * then-branch. */
static int cond(checker *k, ast_node *n)
{
    if (n->kind != AST_SOME_COND) {
        expect_bool(k, n, "a condition");
        return 0;
    }
    ty *t = expr(k, n->a, NULL);
    if (!is_bad(t) && t->kind != TY_OPTIONAL) {
        err(k, n->a->sp, NULL, "'is some' needs a value that may be none, and this is %s",
            describe(k, t));
        t = &k->t_error;
    }
    sym *s = bind_local(k, n->name, is_bad(t) ? &k->t_error : t->elem, n);
    n->sym = s;
    return s ? 1 : 0;
}

static ty *join(checker *k, ast_node *na, ty *a, ast_node *nb, ty *b,
                const char *what)
{
    if (a->kind == TY_NEVER) return b;
    if (b->kind == TY_NEVER) return a;
    ty *u = unify(k, na, a, nb, b);
    if (!u) {
        err(k, nb->sp, NULL, "%s: one branch is %s and the other %s", what,
            describe(k, a), describe(k, b));
        return &k->t_error;
    }
    return u;
}

/* ---- builtins -------------------------------------------------------- */

const chk_builtin_info chk_builtins[BUILTIN_KIND_COUNT] = {
    [BUILTIN_NONE] = {NULL, 0},
#define CALL BUILTIN_CALL
#define AGG BUILTIN_AGG
#define TALLY_BUILTIN(id, name, forms) [BUILTIN_##id] = {name, forms},
#include "builtins.def"
#undef TALLY_BUILTIN
#undef CALL
#undef AGG
};

/* A dozen names: a scan beats a hash, and runs once per call node. */
chk_builtin chk_builtin_find(const char *name, unsigned form)
{
    for (int i = BUILTIN_NONE + 1; i < BUILTIN_KIND_COUNT; i++) {
        if ((chk_builtins[i].forms & form) &&
            strcmp(chk_builtins[i].name, name) == 0) {
            return (chk_builtin)i;
        }
    }
    return BUILTIN_NONE;
}

static ty *comprehension(checker *k, ast_node *n, ty *want)
{
    const char *agg = n->name; /* NULL: [x for ...] */
    chk_builtin b = agg ? chk_builtin_find(agg, BUILTIN_AGG) : BUILTIN_NONE;
    n->builtin = (uint8_t)b;
    ty *src = expr(k, n->b, NULL);
    ty *elem = &k->t_error;
    if (!is_bad(src)) {
        if (src->kind != TY_LIST) {
            err(k, n->b->sp, NULL, "can only go through a list, not %s",
                describe(k, src));
        } else {
            elem = src->elem;
        }
    }
    int mark = k->nlocals;
    n->sym = bind_local(k, n->text, elem, n);
    if (n->var2) {
        sym *pos = bind_local(k, n->var2, &k->t_int, n);
        if (pos) {
            pos->ordinal = 1; /* marks a position variable */
        }
        n->sym2 = pos;
    }
    if (n->c) {
        expect_bool(k, n->c, "the 'where' condition");
    }
    ty *body_want = NULL;
    if (!agg && want && want->kind == TY_LIST) {
        body_want = want->elem;
    }
    ty *body = expr(k, n->a, body_want);
    for (uint32_t i = 0; i < n->list2.count; i++) {
        ast_node *key = n->list2.items[i];
        ty *kt = expr(k, key->a, NULL);
        if (!is_bad(kt) && !ordered(kt) && kt->kind != TY_BOOL) {
            err(k, key->sp, NULL, "cannot sort by %s", describe(k, kt));
        }
        key->ty = kt;
    }
    k->nlocals = mark;
    if (n->list2.count && b != BUILTIN_SORT) {
        err(k, n->list2.items[0]->sp, NULL, "'by' is only for sort(...)");
    }
    if (!agg) {
        if (body_want && fits(k, n->a, body, body_want)) {
            body = body_want;
        }
        return wrap(k, TY_LIST, body);
    }
    n->aux = 0;
    switch (b) {
    case BUILTIN_SUM:
        if (!is_bad(body) && !is_num(body)) {
            err(k, n->a->sp, NULL, "sum needs numbers, not %s", describe(k, body));
            return &k->t_error;
        }
        return body;
    case BUILTIN_COUNT:
        return &k->t_int;
    case BUILTIN_ALL:
    case BUILTIN_ANY:
        if (!fits(k, n->a, body, &k->t_bool)) {
            mismatch(k, n->a, body, &k->t_bool, "the condition");
        }
        return &k->t_bool;
    case BUILTIN_LOWEST:
    case BUILTIN_HIGHEST:
        if (!is_bad(body) && !ordered(body)) {
            err(k, n->a->sp, NULL, "%s needs values that can be ordered, not %s",
                agg, describe(k, body));
            return &k->t_error;
        }
        return body;
    case BUILTIN_FIRST:
        if (is_bad(body)) {
            return body;
        }
        return body->kind == TY_OPTIONAL ? body : wrap(k, TY_OPTIONAL, body);
    case BUILTIN_SORT:
        if (n->list2.count == 0) {
            err(k, n->sp, "write sort(x for x in list by key descending, ...)",
                "sort needs at least one key after 'by'");
        }
        if (n->list2.count > LIM_MAX_SORT_KEYS) {
            err(k, n->sp, NULL,
                "sort takes at most " LIM_STR(LIM_MAX_SORT_KEYS) " keys");
        }
        return wrap(k, TY_LIST, body);
    case BUILTIN_NONE:
        break;
    case BUILTIN_TEXT: /* not BUILTIN_AGG: chk_builtin_find never gives */
    case BUILTIN_ROUND:
    case BUILTIN_MIN:
    case BUILTIN_MAX:
    case BUILTIN_IS_WORKING_DAY:
    case BUILTIN_ADD_WORKING_DAYS:
    case BUILTIN_WORKING_DAYS_BETWEEN:
    case BUILTIN_LOCAL_DATE:
    case BUILTIN_KIND_COUNT:
        TALLY_UNREACHABLE();
        break;
    }
    err(k, n->name_sp, "use sum, count, all, any, lowest, highest, first or sort",
        "'%s' cannot go through a list", agg);
    return &k->t_error;
}

static ty *call(checker *k, ast_node *n, ty *want)
{
    const char *f = n->name;
    uint32_t argc = n->list.count;
    ast_node **args = n->list.items;
    (void)want;
    sym *s = NULL;
    int mod = -1;
    if (n->c) {
        /* module.f(args): never a builtin */
        mod = module_of(k, n->c);
        if (mod < 0) {
            if (n->c->kind == AST_NAME && !lookup_local(k, n->c->name) &&
                !lookup_global(k, n->c->name)) {
                suggest g = {NULL, 99, n->c->name, &k->suggest_left};
                consider_globals(k, &g, 1u << SYM_MODULE);
                err(k, n->c->sp, hint_for(k, &g), "unknown module '%s'",
                    n->c->name);
            } else {
                err(k, n->name_sp, "only a module's definitions are called "
                    "as NAME.f(...)", "'%s' is not a module's definition", f);
            }
            for (uint32_t i = 0; i < argc; i++) {
                if (args[i]->kind != AST_MODE) {
                    expr(k, args[i], NULL);
                }
            }
            return &k->t_error;
        }
        n->c = NULL;
        n->builtin = BUILTIN_NONE;
        s = lookup_in(k, mod, f);
        goto lookup_done;
    }
    chk_builtin b = chk_builtin_find(f, BUILTIN_CALL);
    if (b == BUILTIN_COUNT && argc != 1) {
        b = BUILTIN_NONE; /* count(a, b) can only be a definition */
    }
    n->builtin = (uint8_t)b;
    switch (b) {
    case BUILTIN_TEXT: {
        if (argc != 1) {
            err(k, n->sp, NULL, "text takes one value");
            return &k->t_text;
        }
        ty *t = expr(k, args[0], NULL);
        if (!is_bad(t) && (t->kind == TY_LIST || t->kind == TY_MAP ||
                           t->kind == TY_RECORD || t->kind == TY_OPTIONAL ||
                           (t->kind == TY_DURATION &&
                            t->unit != AST_UNIT_DAYS))) {
            err(k, args[0]->sp, NULL, "cannot turn %s into text", describe(k, t));
        }
        n->aux = 0;
        return &k->t_text;
    }
    case BUILTIN_ROUND: {
        if (argc != 3) {
            err(k, n->sp, "write round(x, 2, half up)",
                "round takes a value, a number of places and a rounding mode");
            return &k->t_error;
        }
        ty *t = expr(k, args[0], NULL);
        if (t->kind == TY_INT) {
            args[0]->conv |= AUX_TO_DEC;
            t = &k->t_dec;
        }
        if (!is_bad(t) && t->kind != TY_DEC && t->kind != TY_MONEY &&
            t->kind != TY_PERCENT) {
            err(k, args[0]->sp, NULL, "cannot round %s", describe(k, t));
        }
        expect(k, args[1], &k->t_int, "the number of places");
        ast_node *m = args[2];
        char mode[64];
        if (m->kind == AST_MODE) {
            snprintf(mode, sizeof mode, "%s %s", m->name, m->text);
        } else if (m->kind == AST_NAME) {
            snprintf(mode, sizeof mode, "%s", m->name);
        } else {
            mode[0] = '\0';
        }
        dec_round_mode rm = dec_round_mode_from_name(mode);
        if (rm == DEC_ROUND_MODE_COUNT) {
            err(k, m->sp,
                "the modes are half up, half down, half even, up, down, "
                "ceiling and floor",
                "unknown rounding mode '%s'", mode);
        }
        m->num = rm;
        return t;
    }
    case BUILTIN_MIN:
    case BUILTIN_MAX: {
        if (argc != 2) {
            err(k, n->sp, NULL, "%s takes two values", f);
            return &k->t_error;
        }
        ty *ta = expr(k, args[0], NULL);
        ty *tb = expr(k, args[1], NULL);
        ty *u = unify(k, args[0], ta, args[1], tb);
        if (!u || (!is_bad(u) && !ordered(u))) {
            const char *hint = (ta->kind == TY_MONEY || tb->kind == TY_MONEY)
                                   ? money_hint(NULL)
                                   : NULL;
            err(k, n->sp, hint, "cannot compare %s with %s", describe(k, ta),
                describe(k, tb));
            return &k->t_error;
        }
        return u;
    }
    case BUILTIN_IS_WORKING_DAY:
    case BUILTIN_LOCAL_DATE:
        if (argc != 1) {
            err(k, n->sp, NULL, "%s takes one %s", f,
                b == BUILTIN_LOCAL_DATE ? "datetime" : "date");
            return &k->t_error;
        }
        if (b == BUILTIN_LOCAL_DATE) {
            expect(k, args[0], &k->t_datetime, "the instant");
            return &k->t_date;
        }
        expect(k, args[0], &k->t_date, "the day");
        return &k->t_bool;
    case BUILTIN_ADD_WORKING_DAYS:
        if (argc != 2) {
            err(k, n->sp, "write add_working_days(published, 8)",
                "add_working_days takes a date and a number of working days");
            return &k->t_error;
        }
        expect(k, args[0], &k->t_date, "the first day");
        expect(k, args[1], &k->t_int, "the number of working days");
        return &k->t_date;
    case BUILTIN_WORKING_DAYS_BETWEEN:
        if (argc != 2) {
            err(k, n->sp, NULL, "working_days_between takes two dates");
            return &k->t_error;
        }
        expect(k, args[0], &k->t_date, "the first date");
        expect(k, args[1], &k->t_date, "the second date");
        return &k->t_int;
    case BUILTIN_COUNT: {
        ty *t = expr(k, args[0], NULL);
        if (!is_bad(t) && t->kind != TY_LIST && t->kind != TY_MAP) {
            err(k, args[0]->sp, NULL, "count needs a list, not %s", describe(k, t));
        }
        n->aux = 1;
        return &k->t_int;
    }
    case BUILTIN_NONE:
        break;
    case BUILTIN_SUM: /* not BUILTIN_CALL: chk_builtin_find never gives */
    case BUILTIN_LOWEST:
    case BUILTIN_HIGHEST:
    case BUILTIN_FIRST:
    case BUILTIN_SORT:
    case BUILTIN_ALL:
    case BUILTIN_ANY:
    case BUILTIN_KIND_COUNT:
        TALLY_UNREACHABLE();
        break;
    }
    s = lookup_global(k, f);
lookup_done:
    if (!s || (s->kind != SYM_DEF && s->kind != SYM_RULE &&
               s->kind != SYM_PARAM && s->kind != SYM_EXTERN)) {
        if (mod >= 0) {
            for (uint32_t i = 0; i < argc; i++) {
                if (args[i]->kind != AST_MODE) {
                    expr(k, args[i], NULL);
                }
            }
            no_such(k, n->name_sp, mod, f,
                    1u << SYM_DEF | 1u << SYM_RULE | 1u << SYM_EXTERN,
                    "definition");
            return &k->t_error;
        }
        suggest g = {NULL, 99, f, &k->suggest_left};
        for (int i = BUILTIN_NONE + 1; i < BUILTIN_KIND_COUNT; i++) {
            consider(&g, chk_builtins[i].name);
        }
        consider_globals(k, &g, 1u << SYM_DEF | 1u << SYM_RULE |
                                    1u << SYM_EXTERN);
        for (uint32_t i = 0; i < argc; i++) {
            if (args[i]->kind != AST_MODE) {
                expr(k, args[i], NULL);
            }
        }
        err(k, n->name_sp, hint_for(k, &g), "unknown definition '%s'", f);
        return &k->t_error;
    }
    if ((int)argc != s->nparams) {
        err(k, n->sp, NULL, "'%s' takes %d argument%s, not %u", f, s->nparams,
            s->nparams == 1 ? "" : "s", argc);
        return &k->t_error;
    }
    for (uint32_t i = 0; i < argc; i++) {
        char what[80];
        snprintf(what, sizeof what, "argument %u of %s (%s)", i + 1, f,
                 s->params[i]->name);
        expect(k, args[i], s->params[i]->ty, what);
    }
    n->sym = s;
    check_func(k, s);
    return s->kind == SYM_RULE ? s->verdict->ty : s->ty;
}

static ty *record_lit(checker *k, ast_node *n)
{
    sym *r;
    if (n->c) {
        int mod = module_of(k, n->c);
        if (mod < 0) {
            err(k, n->c->sp, NULL, "'%s' is not an imported module",
                n->c->kind == AST_NAME ? n->c->name : "this");
            r = NULL;
        } else {
            r = lookup_in(k, mod, n->name);
            if (!r || r->kind != SYM_RECORD) {
                no_such(k, n->name_sp, mod, n->name, 1u << SYM_RECORD,
                        "record type");
                n->c = NULL;
                for (uint32_t i = 0; i < n->list.count; i++) {
                    expr(k, n->list.items[i]->a, NULL);
                }
                return &k->t_error;
            }
        }
        n->c = NULL;
    } else {
        r = lookup_global(k, n->name);
    }
    if (!r || r->kind != SYM_RECORD) {
        err(k, n->name_sp, NULL, "unknown record type '%s'", n->name);
        for (uint32_t i = 0; i < n->list.count; i++) {
            expr(k, n->list.items[i]->a, NULL);
        }
        return &k->t_error;
    }
    n->sym = r;
    /* Which fields this literal gives: the record's stamps (allocated
     * once) marked with a number new to this literal, so the cost is the
     * literal's and not the record's size, as with a cleared array per
     * literal.  Marked before the values are checked: a literal nested in
     * one may stamp the same record. */
    if (!r->given && !(r->given = alloc(k, (size_t)(r->nfields + 1) *
                                               sizeof *r->given))) {
        return &k->t_error;
    }
    uint32_t stamp = ++k->stamp;
    bool unknown = false; /* a misspelt field explains any missing one */
    int required = 0;     /* required fields given */
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *init = n->list.items[i];
        int fi = field_index(r, init->name);
        init->aux = fi;
        if (fi < 0) {
            suggest g = {NULL, 99, init->name, &k->suggest_left};
            for (int j = 0; j < r->nfields; j++) {
                consider(&g, r->fields[j].name);
            }
            err(k, init->name_sp, hint_for(k, &g), "%s has no field '%s'",
                r->name, init->name);
            unknown = true;
            continue;
        }
        if (r->given[fi] == stamp) {
            err(k, init->name_sp, NULL, "field '%s' is given twice", init->name);
            continue;
        }
        r->given[fi] = stamp;
        required += r->fields[fi].ty->kind != TY_OPTIONAL;
    }
    /* One error per literal: all would be at its start, where the first
     * is kept (diag_add). */
    for (int j = 0; j < r->nfields && !unknown && required < r->nrequired;
         j++) {
        if (r->given[j] != stamp && r->fields[j].ty->kind != TY_OPTIONAL) {
            err(k, n->sp, NULL, "%s needs a value for field '%s'", r->name,
                r->fields[j].name);
            break;
        }
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *init = n->list.items[i];
        if (init->aux < 0) {
            expr(k, init->a, NULL);
            continue;
        }
        char what[80];
        snprintf(what, sizeof what, "field %s", init->name);
        expect(k, init->a, r->fields[init->aux].ty, what);
    }
    return r->ty;
}

/* Makes room for [n] bytes in the checker's scratch stack. */
static bool grow_seen(checker *k, uint32_t n)
{
    if (n <= k->cap_seen) {
        return true;
    }
    uint32_t cap = k->cap_seen ? k->cap_seen : 256;
    while (cap < n) {
        cap *= 2;
    }
    uint8_t *s = alloc(k, cap);
    if (!s) {
        return false;
    }
    if (k->nseen) {
        memcpy(s, k->seen, k->nseen);
    }
    k->seen = s;
    k->cap_seen = cap;
    return true;
}

static ty *match_expr(checker *k, ast_node *n, ty *want)
{
    ty *t = expr(k, n->a, NULL);
    ty *result = NULL;
    ast_node *result_node = NULL;
    bool is_enum = t->kind == TY_ENUM, is_opt = t->kind == TY_OPTIONAL;
    if (!is_bad(t) && !is_enum && !is_opt) {
        err(k, n->a->sp, NULL, "match needs an enum or a value that may be none, not %s",
            describe(k, t));
        t = &k->t_error;
    }
    /* What the arms cover, in a region of the checker's scratch stack
     * (a match nested in an arm takes the next one): an array per match
     * made a policy's memory (matches x members). */
    int nmem = is_enum ? t->decl->nmembers : 2;
    uint32_t base = k->nseen;
    if (!grow_seen(k, base + (uint32_t)nmem + 1)) {
        return &k->t_error;
    }
    memset(k->seen + base, 0, (size_t)nmem + 1);
    k->nseen = base + (uint32_t)nmem + 1;
    int covered = 0; /* distinct members or cases seen */
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *arm = n->list.items[i];
        int mark = k->nlocals;
        if (arm->list.count > 1) {
            for (uint32_t j = 0; j < arm->list.count; j++) {
                if (arm->list.items[j]->kind == AST_SOME_PAT) {
                    err(k, arm->list.items[j]->sp, NULL,
                        "'some' must be the only pattern of its arm");
                }
            }
        }
        for (uint32_t j = 0; j < arm->list.count; j++) {
            ast_node *p = arm->list.items[j];
            if (is_bad(t)) {
                continue;
            }
            if (p->kind == AST_NAME && is_enum) {
                sym *e = t->decl;
                int found = ix_find(&e->ix, p->name);
                if (found < 0 || !e->members[found]) {
                    err(k, p->sp, NULL, "%s has no member '%s'", e->name, p->name);
                    continue;
                }
                if (k->seen[base + (uint32_t)found]) {
                    err(k, p->sp, NULL, "'%s' is matched twice", p->name);
                }
                covered += !k->seen[base + (uint32_t)found];
                k->seen[base + (uint32_t)found] = 1;
                p->sym = e->members[found];
            } else if (p->kind == AST_NONE && is_opt) {
                if (k->seen[base]) {
                    err(k, p->sp, NULL, "'none' is matched twice");
                }
                covered += !k->seen[base];
                k->seen[base] = 1;
            } else if (p->kind == AST_SOME_PAT && is_opt) {
                if (k->seen[base + 1]) {
                    err(k, p->sp, NULL, "'some' is matched twice");
                }
                covered += !k->seen[base + 1];
                k->seen[base + 1] = 1;
                p->sym = bind_local(k, p->name, t->elem, p);
            } else {
                err(k, p->sp, NULL, "this pattern cannot match %s", describe(k, t));
            }
        }
        ty *bt = expr(k, arm->a, want ? want : result);
        k->nlocals = mark;
        if (!result) {
            result = bt;
            result_node = arm->a;
        } else {
            result = join(k, result_node, result, arm->a, bt, "match");
        }
    }
    if (n->c) {
        ty *bt = expr(k, n->c, want ? want : result);
        result = result ? join(k, result_node, result, n->c, bt, "match") : bt;
    }
    /* Widen every arm to the common type (1, 2 and 0.5: all decimal). */
    for (uint32_t i = 0; result && i < n->list.count; i++) {
        ast_node *body = n->list.items[i]->a;
        fits(k, body, body->ty, result);
    }
    if (n->c && result) {
        fits(k, n->c, n->c->ty, result);
    }
    if (n->c) {
    } else if (!is_bad(t) && covered < nmem) {
        for (int m = 0; m < nmem; m++) {
            if (!k->seen[base + (uint32_t)m]) {
                const char *missing = is_enum ? t->decl->members[m]->name
                                              : (m == 0 ? "none" : "some");
                err(k, n->sp, "add the missing case or an 'else'",
                    "match does not cover '%s'", missing);
                break;
            }
        }
    }
    k->nseen = base;
    return result ? result : &k->t_error;
}

static ty *literal_money(checker *k, ast_node *n)
{
    if (!parse_dec_lit(k, n)) {
        return &k->t_error;
    }
    if (strcmp(n->name, "GBP") == 0) {
        return &k->t_money;
    }
    ty *t = new_ty(k, TY_MONEY);
    t->currency = n->name;
    return t;
}

static ty *expr_inner(checker *k, ast_node *n, ty *want)
{
    switch ((ast_kind)n->kind) {
    case AST_INT: {
        char *end;
        errno = 0;
        (void)strtoll(n->text, &end, 10);
        if (errno) {
            /* Too big for an integer: it is still an exact decimal. */
            return parse_dec_lit(k, n) ? (n->kind = AST_DEC, &k->t_dec) : &k->t_error;
        }
        return &k->t_int;
    }
    case AST_DEC: return parse_dec_lit(k, n) ? &k->t_dec : &k->t_error;
    case AST_MONEY: return literal_money(k, n);
    case AST_PERCENT: return parse_dec_lit(k, n) ? &k->t_percent : &k->t_error;
    case AST_TEXT: return &k->t_text;
    case AST_DATE: {
        int64_t days;
        if (!date_parse(n->text, strlen(n->text), &days)) {
            err(k, n->sp, NULL, "'%s' is not a date in the calendar", n->text);
            return &k->t_error;
        }
        n->num = days;
        return &k->t_date;
    }
    case AST_DATETIME: {
        date_instant t;
        if (!date_instant_parse(n->text, strlen(n->text), &t)) {
            err(k, n->sp, NULL, "'%s' is not a valid date and time", n->text);
            return &k->t_error;
        }
        return &k->t_datetime;
    }
    case AST_DURATION:
        if (n->op == AST_UNIT_DAYS) {
            return &k->t_duration;
        }
        return n->op > 0 && n->op < AST_UNIT_COUNT ? &k->t_units[n->op]
                                                   : &k->t_error;
    case AST_BOOL: return &k->t_bool;
    case AST_NONE:
        if (n->op == -1) {
            return &k->t_error;
        }
        return &k->t_none;
    case AST_NAME: return name_expr(k, n, want);
    case AST_GET: return get_expr(k, n);
    case AST_INDEX: {
        ty *t = expr(k, n->a, NULL);
        if (is_bad(t)) {
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        if (t->kind == TY_MAP) {
            expect(k, n->b, &k->t_text, "a map key");
            n->aux = 0;
            return t->elem->kind == TY_OPTIONAL ? t->elem : wrap(k, TY_OPTIONAL, t->elem);
        }
        if (t->kind == TY_LIST) {
            expect(k, n->b, &k->t_int, "a position in a list");
            n->aux = 1;
            return t->elem;
        }
        err(k, n->sp, NULL, "cannot look up a value in %s", describe(k, t));
        expr(k, n->b, NULL);
        return &k->t_error;
    }
    case AST_CALL:
        if (n->op == -1) {
            return &k->t_error;
        }
        return call(k, n, want);
    case AST_MODE:
        err(k, n->sp, NULL, "a rounding mode is only an argument of round()");
        return &k->t_error;
    case AST_UNARY:
        if (n->op == '-') {
            ty *t = expr(k, n->a, NULL);
            if (!is_bad(t) && !is_num(t)) {
                err(k, n->sp, NULL, "cannot negate %s", describe(k, t));
                return &k->t_error;
            }
            return t;
        }
        expect_bool(k, n->a, "the value after 'not'");
        return &k->t_bool;
    case AST_BINARY: return binary(k, n, want);
    case AST_IS_NONE: {
        ty *t = expr(k, n->a, NULL);
        if (!is_bad(t) && t->kind != TY_OPTIONAL) {
            err(k, n->sp, NULL, "%s is never none", describe(k, t));
        }
        return &k->t_bool;
    }
    case AST_IF: {
        int mark = k->nlocals;
        int pushed = cond(k, n->a);
        ty *a = expr(k, n->b, want);
        k->nlocals -= pushed;
        (void)mark;
        ty *b = expr(k, n->c, want ? want : a);
        return join(k, n->b, a, n->c, b, "if");
    }
    case AST_SOME_COND:
        err(k, n->sp, NULL, "'is some NAME' only works as the condition of if or when");
        return &k->t_error;
    case AST_MATCH: return match_expr(k, n, want);
    case AST_LET: {
        ty *t = expr(k, n->a, NULL);
        int mark = k->nlocals;
        n->sym = bind_local(k, n->name, t, n);
        ty *r = expr(k, n->b, want);
        k->nlocals = mark;
        return r;
    }
    case AST_LIST_LIT: {
        ty *elem = want && want->kind == TY_LIST ? want->elem : NULL;
        ty *got = NULL;
        ast_node *first = NULL;
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *e = n->list.items[i];
            ty *t = expr(k, e, elem ? elem : got);
            if (elem) {
                if (!fits(k, e, t, elem)) {
                    mismatch(k, e, t, elem, "a list element");
                }
                continue;
            }
            if (!got) {
                got = t;
                first = e;
            } else {
                ty *u = unify(k, first, got, e, t);
                if (!u) {
                    err(k, e->sp, NULL, "a list holds one type: %s then %s",
                        describe(k, got), describe(k, t));
                } else {
                    got = u;
                }
            }
        }
        if (elem) {
            return want;
        }
        /* Widen every element to the common type (1, 2, 0.5: all decimal). */
        for (uint32_t i = 0; got && i < n->list.count; i++) {
            ast_node *e = n->list.items[i];
            fits(k, e, e->ty, got);
        }
        return wrap(k, TY_LIST, got ? got : &k->t_never);
    }
    case AST_COMPREH: return comprehension(k, n, want);
    case AST_RECORD_LIT: return record_lit(k, n);
    case AST_ON: {
        int mod = n->a->kind == AST_GET ? module_of(k, n->a->a) : -1;
        if (mod >= 0) {
            sym *p = lookup_in(k, mod, n->a->name);
            if (!p || (p->kind != SYM_PARAM && p->kind != SYM_DEF) ||
                !p->dated || p->nparams > 0) {
                no_such(k, n->a->name_sp, mod, n->a->name,
                        1u << SYM_PARAM | 1u << SYM_DEF,
                        "dated parameter or definition without parameters");
                expr(k, n->b, NULL);
                return &k->t_error;
            }
            n->sym = p;
            p->used = true;
            check_func(k, p);
            expect(k, n->b, &k->t_date, "the date");
            return wrap(k, TY_OPTIONAL, p->ty);
        }
        if (n->a->kind != AST_NAME) {
            err(k, n->a->sp, NULL, "only a dated parameter has a value on a date");
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        sym *p = lookup_global(k, n->a->name);
        if (!p || (p->kind != SYM_PARAM && p->kind != SYM_DEF) || !p->dated ||
            p->nparams > 0) {
            err(k, n->a->sp, "declare it with rows 'from DATE = value'",
                "'%s' is not a parameter or definition with dated values "
                "and no parameters", n->a->name);
            expr(k, n->b, NULL);
            return &k->t_error;
        }
        n->sym = p;
        p->used = true;
        check_func(k, p);
        expect(k, n->b, &k->t_date, "the date");
        return wrap(k, TY_OPTIONAL, p->ty);
    }
    case AST_FAIL:
        expect(k, n->a, &k->t_text, "the failure message");
        return &k->t_never;
    default:
        err(k, n->sp, NULL, "not an expression");
        return &k->t_error;
    }
}

static ty *expr(checker *k, ast_node *n, ty *want)
{
    if (k->c->depth > TLY_MAX_NESTING * 4) {
        err(k, n->sp, NULL, "expression nested too deeply");
        n->ty = &k->t_error;
        return &k->t_error;
    }
    k->c->depth++;
    ty *t = expr_inner(k, n, want);
    k->c->depth--;
    if (!t) {
        t = &k->t_error; /* only after out of memory; never a NULL type */
    }
    n->ty = t;
    return t;
}

/* ---- declarations ------------------------------------------------------ */

/* Appends [s] to the array [*arr] of [*count] syms and [*cap] room,
 * doubling it when full: copying it on every append made 40,000
 * declarations cost 6 GB. */
static void push_sym(checker *k, sym ***arr, int *count, int *cap, sym *s)
{
    if (*count == *cap) {
        int n = *cap ? *cap * 2 : 16;
        sym **a = alloc(k, (size_t)n * sizeof *a);
        if (!a) {
            return;
        }
        if (*count) {
            memcpy(a, *arr, (size_t)*count * sizeof *a);
        }
        *arr = a;
        *cap = n;
    }
    (*arr)[(*count)++] = s;
}

static void push_func(checker *k, sym *s)
{
    push_sym(k, &k->res.funcs, &k->res.nfuncs, &k->cap_funcs, s);
}

/* Checks the body of a parameter, definition or rule, once.  Called when
 * the body is reached in order and when another body calls it, which is
 * how a cycle of calls is found. */
/* A citation names a provision in words; its optional URL is where to
 * read it.  Both end up in the bytecode and in output, so they are text
 * a reader can use: not empty, no NUL, and a web address for the URL. */
static void check_cite(checker *k, ast_node *c)
{
    if (!c) {
        return;
    }
    if (c->len == 0 || strlen(c->text) != c->len) {
        err(k, c->sp, "name the provision, e.g. cites \"Procurement Act 2023, s.123\"",
            "a citation must be non-empty text without NUL characters");
    }
    if (c->text2 && (strlen(c->text2) != (size_t)c->num ||
                     (strncmp(c->text2, "https://", 8) != 0 &&
                      strncmp(c->text2, "http://", 7) != 0) ||
                     strcspn(c->text2, " \t\r\n") != (size_t)c->num)) {
        err(k, c->name_sp, "give the address the provision is published at, "
            "e.g. \"https://www.legislation.gov.uk/ukpga/2023/54/section/123\"",
            "a citation's link must be an http:// or https:// address without spaces");
    }
}

/* The exceptions of definition [f]: conditions, values of [f]'s type,
 * citations, unique labels, 'over' naming labels of the same definition,
 * priorities without a cycle; sets each AST_UNLESS's aux (its index) and
 * num (the exceptions it takes priority over, transitively).  Two
 * exceptions with the same condition and no priority between them would
 * always conflict: an error here, not at run time. */
static void check_exceptions(checker *k, sym *f)
{
    ast_list *ex = &f->decl->c->list;
    if (ex->count > 62) {
        err(k, ex->items[62]->sp, "split the definition",
            "a definition has at most 62 exceptions");
        return;
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        w->aux = (int)i;
        w->num = 0;
        if (w->a->kind == AST_SOME_COND) {
            err(k, w->a->sp, "test 'x is not none' here and take the value "
                "apart in the exception's value",
                "an exception's condition cannot bind a name");
        } else {
            expect_bool(k, w->a, "the exception's condition");
        }
        expect(k, w->b, f->ty, "the exception's value");
        check_cite(k, w->cite);
        for (uint32_t j = 0; w->name && j < i; j++) {
            const char *other = ex->items[j]->name;
            if (other && strcmp(other, w->name) == 0) {
                err(k, w->name_sp, "give each exception its own label",
                    "two exceptions of '%s' are labelled '%s'", f->name, w->name);
            }
        }
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        for (uint32_t o = 0; o < w->list.count; o++) {
            ast_node *nm = w->list.items[o];
            uint32_t j = 0;
            while (j < ex->count &&
                   !(ex->items[j]->name && strcmp(ex->items[j]->name, nm->name) == 0)) {
                j++;
            }
            if (j == ex->count) {
                err(k, nm->sp, "label an exception with 'as NAME' to name it here",
                    "'%s' has no exception labelled '%s'", f->name, nm->name);
            } else if (j == i) {
                err(k, nm->sp, NULL, "an exception cannot take priority over itself");
            } else {
                w->num |= (int64_t)1 << j;
            }
        }
    }
    /* Priority is transitive: the closure, then no exception above itself. */
    for (bool grew = true; grew;) {
        grew = false;
        for (uint32_t i = 0; i < ex->count; i++) {
            int64_t all = ex->items[i]->num;
            for (uint32_t j = 0; j < ex->count; j++) {
                if (ex->items[i]->num & ((int64_t)1 << j)) {
                    all |= ex->items[j]->num;
                }
            }
            if (all != ex->items[i]->num) {
                ex->items[i]->num = all;
                grew = true;
            }
        }
    }
    for (uint32_t i = 0; i < ex->count; i++) {
        ast_node *w = ex->items[i];
        if (w->num & ((int64_t)1 << i)) {
            err(k, w->sp, "one of them must give way: remove an 'over'",
                "the priorities of '%s' go round in a circle through this "
                "exception", f->name);
            return;
        }
    }
    const char *src = k->c->src;
    for (uint32_t i = 0; i < ex->count; i++) {
        for (uint32_t j = i + 1; j < ex->count; j++) {
            ast_node *a = ex->items[i], *b = ex->items[j];
            uint32_t la = a->a->sp.end - a->a->sp.start;
            uint32_t lb = b->a->sp.end - b->a->sp.start;
            if ((a->num >> j & 1) || (b->num >> i & 1) || la != lb ||
                memcmp(src + a->a->sp.start, src + b->a->sp.start, la) != 0) {
                continue;
            }
            err(k, b->sp, "say which the law puts first: add 'over' to it",
                "conflict: exceptions %s%s%s and %s%s%s of '%s' apply in the "
                "same case and neither takes priority",
                a->name ? "'" : "", a->name ? a->name : "before this",
                a->name ? "'" : "", b->name ? "'" : "",
                b->name ? b->name : "this one", b->name ? "'" : "", f->name);
        }
    }
}

/* The dated rows of [f]: each 'from D [until E]' a date, E not before D,
 * rows in date order and not overlapping, each value of [f]'s type.
 * Sets row->num (and lo) to D's day and row->hi / has_hi to E's. */
static void check_rows(checker *k, sym *f, ast_list *rows, const char *what)
{
    int64_t prev = INT64_MIN, prev_end = INT64_MIN;
    bool prev_open = false;
    for (uint32_t i = 0; i < rows->count; i++) {
        ast_node *row = rows->items[i];
        int64_t day;
        check_cite(k, row->cite);
        expect(k, row->a, f->ty, what);
        if (!date_parse(row->text, strlen(row->text), &day)) {
            err(k, row->name_sp, NULL, "'%s' is not a date", row->text);
            continue;
        }
        row->num = row->lo = day;
        if (day <= prev) {
            err(k, row->name_sp, "list the rows in date order",
                "this row does not come after the one before");
        } else if (!prev_open && day <= prev_end) {
            err(k, row->name_sp, "end the row before at the latest the day "
                "before this one starts",
                "this row starts on %s, while the row before is still in "
                "force", row->text);
        }
        prev = day;
        prev_open = true;
        if (row->text2) {
            int64_t end;
            if (!date_parse(row->text2, strlen(row->text2), &end)) {
                err(k, row->sp, NULL, "'%s' is not a date", row->text2);
                continue;
            }
            if (end < day) {
                err(k, row->sp, "'until' names the last day the value is in force",
                    "this row ends on %s, before it starts on %s", row->text2,
                    row->text);
            }
            row->hi = end;
            row->has_hi = true;
            prev_end = end;
            prev_open = false;
        }
    }
}

static void check_func(checker *k, sym *f)
{
    if (f->state == 2 || f->kind == SYM_EXTERN) {
        return; /* an extern has no body: its declaration is its type */
    }
    if (f->state == 1) {
        err(k, f->decl->name_sp,
            "a policy must always finish: compute the value without "
            "calling the definition itself",
            "'%s' calls itself, directly or through other definitions",
            f->name);
        f->state = 2;
        return;
    }
    f->state = 1;
    int saved_base = k->base, saved_n = k->nlocals;
    sym *saved_self = k->self, *saved_func = k->func;
    k->base = k->nlocals;
    k->self = NULL;
    k->func = f;
    for (int i = 0; i < f->nparams; i++) {
        sym *p = f->params[i];
        if (k->nlocals < MAX_LOCALS) {
            sym *l = bind_local(k, p->name, p->ty, p->decl);
            if (l) {
                k->locals[k->nlocals - 1] = p; /* keep the same sym */
            }
        }
    }
    ast_node *d = f->decl;
    check_cite(k, d->cite);
    if (f->kind == SYM_PARAM) {
        if (f->dated) {
            check_rows(k, f, &d->list, "the parameter's value");
        } else {
            expect(k, d->b, f->ty, "the parameter's value");
        }
    } else if (f->kind == SYM_DEF && f->dated) {
        check_rows(k, f, &d->list2, "the definition's value");
    } else if (f->kind == SYM_DEF) {
        if (d->b) {
            expect(k, d->b, f->ty, "the definition's value");
        }
        if (d->c) {
            check_exceptions(k, f);
        }
    } else if (f->kind == SYM_RULE) {
        for (uint32_t i = 0; i < d->list2.count; i++) {
            ast_node *w = d->list2.items[i];
            int pushed = cond(k, w->a);
            expect(k, w->b, f->ty, "the rule's outcome");
            expect(k, w->c, &k->t_text, "the reason after 'because'");
            check_cite(k, w->cite);
            k->nlocals -= pushed;
        }
        expect(k, d->c, f->ty, "the rule's outcome");
        if (d->b) {
            expect(k, d->b, &k->t_text, "the reason after 'because'");
        }
        check_cite(k, d->else_cite);
    }
    k->nlocals = saved_n;
    k->base = saved_base;
    k->self = saved_self;
    k->func = saved_func;
    f->state = 2;
}

/* "holiday 2026-06-15": a day added to the bank-holiday calendar.  It
 * must be a real date inside the calendar's years (a holiday outside
 * them would never be consulted: days there are refused) and declared
 * once. */
static void holiday_decl(checker *k, ast_node *d)
{
    int64_t day;
    check_cite(k, d->cite);
    if (!date_parse(d->text, strlen(d->text), &day)) {
        err(k, d->name_sp, NULL, "'%s' is not a date in the calendar", d->text);
        return;
    }
    if (day < date_uk_first() || day > date_uk_last()) {
        strbuf b;
        sb_init(&b, k->c->mem);
        date_format(date_uk_first(), &b);
        sb_puts(&b, " to ");
        date_format(date_uk_last(), &b);
        err(k, d->name_sp, "a day outside the calendar is never a working day "
            "question Tally answers",
            "holiday %s is outside the bank-holiday calendar (%s)", d->text,
            b.failed || !b.p ? "?" : b.p);
        sb_free(&b);
        return;
    }
    tly_checked *r = &k->res;
    for (int i = 0; i < r->nholidays; i++) {
        if (r->holidays[i] == day) {
            err(k, d->name_sp, NULL, "holiday %s is declared twice", d->text);
            return;
        }
    }
    if (r->nholidays == k->cap_holidays) {
        int cap = k->cap_holidays ? k->cap_holidays * 2 : 8;
        int64_t *h = alloc(k, (size_t)cap * sizeof *h);
        if (!h) {
            return;
        }
        if (r->nholidays) {
            memcpy(h, r->holidays, (size_t)r->nholidays * sizeof *h);
        }
        r->holidays = h;
        k->cap_holidays = cap;
    }
    d->num = day;
    r->holidays[r->nholidays++] = day;
}

static void collect(checker *k, ast_node *d)
{
    sym *s;
    switch ((ast_kind)d->kind) {
    case AST_ENUM:
        if (!(s = declare(k, SYM_ENUM, d))) {
            return;
        }
        s->ty = new_ty(k, TY_ENUM);
        s->ty->decl = s;
        s->label = d->text ? d->text : d->name;
        s->nmembers = (int)d->list.count;
        s->members = alloc(k, (size_t)(d->list.count + 1) * sizeof *s->members);
        if (!s->members) {
            return;
        }
        ix_init(k, &s->ix, d->list.count);
        for (uint32_t i = 0; i < d->list.count; i++) {
            ast_node *m = d->list.items[i];
            bool twice = false;
            if (s->ix.cap) {
                twice = ix_add(&s->ix, m->name, (int)i) >= 0;
            } else {
                for (uint32_t j = 0; j < i && !twice; j++) {
                    twice = strcmp(d->list.items[j]->name, m->name) == 0;
                }
            }
            if (twice) {
                err(k, m->name_sp, NULL, "'%s' is listed twice", m->name);
            }
            sym *ms = declare(k, SYM_MEMBER, m);
            if (!ms) {
                continue;
            }
            ms->owner = s;
            ms->ordinal = (int)i;
            s->members[i] = ms;
        }
        push_sym(k, &k->res.enums, &k->res.nenums, &k->cap_enums, s);
        break;
    case AST_RECORD:
        if (!(s = declare(k, SYM_RECORD, d))) {
            return;
        }
        s->ty = new_ty(k, TY_RECORD);
        s->ty->decl = s;
        push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, s);
        break;
    case AST_ALIAS:
        declare(k, SYM_ALIAS, d);
        break;
    case AST_PARAM:
        if ((s = declare(k, SYM_PARAM, d))) {
            s->dated = d->b == NULL;
            push_func(k, s);
        }
        break;
    case AST_DEF:
        if ((s = declare(k, SYM_DEF, d))) {
            s->dated = d->b == NULL && d->c == NULL;
            push_func(k, s);
        }
        break;
    case AST_ASOF:
        if (k->res.asof) {
            err(k, d->sp, "keep one 'as of' line",
                "a policy has one evaluation date");
            return;
        }
        k->res.asof = d;
        break;
    case AST_RULE:
        if ((s = declare(k, SYM_RULE, d))) {
            push_func(k, s);
        }
        break;
    case AST_HOLIDAY:
        holiday_decl(k, d);
        break;
    case AST_EXTERN:
        if ((s = declare(k, SYM_EXTERN, d))) {
            push_sym(k, &k->res.externs, &k->res.nexterns, &k->cap_externs,
                     s);
        }
        break;
    case AST_INPUT:
        if (!k->in_policy) {
            return; /* the loader reported it */
        }
        if (k->res.input) {
            err(k, d->sp, NULL, "a policy has one input");
            return;
        }
        if ((s = declare(k, SYM_INPUT, d))) {
            k->res.input = s;
        }
        break;
    case AST_OUTPUT:
        if (!k->in_policy) {
            return;
        }
        if (k->res.output) {
            err(k, d->sp, NULL, "a policy has one output");
            return;
        }
        k->res.output = d;
        break;
    default:
        break;
    }
}

static void record_fields(checker *k, sym *r)
{
    ast_node *d = r->decl;
    int n = 0;
    for (uint32_t i = 0; i < d->list.count; i++) {
        n += d->list.items[i]->kind == AST_FIELD_DECL;
    }
    r->fields = alloc(k, (size_t)(n + 1) * sizeof *r->fields);
    if (!r->fields) {
        return;
    }
    r->nfields = 0;
    name_ix ix = {NULL, 0};
    ix_init(k, &ix, (uint32_t)n);
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *f = d->list.items[i];
        if (f->kind != AST_FIELD_DECL) {
            continue;
        }
        if (ix.cap ? ix_add(&ix, f->name, r->nfields) >= 0
                   : field_index(r, f->name) >= 0) {
            err(k, f->name_sp, NULL, "field '%s' is declared twice", f->name);
            continue;
        }
        field_info *fi = &r->fields[r->nfields++];
        fi->name = f->name;
        fi->json = f->text ? f->text : f->name;
        fi->ty = resolve_type(k, f->a);
        fi->decl = f;
        fi->unique_key = -1;
        f->ty = fi->ty;
        r->nrequired += fi->ty->kind != TY_OPTIONAL;
    }
    r->ix = ix; /* field_index uses it from now on */
}

static void record_options(checker *k, sym *r)
{
    for (int i = 0; i < r->nfields; i++) {
        field_info *fi = &r->fields[i];
        ast_node *f = fi->decl;
        for (uint32_t j = 0; j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (o->kind == AST_OMIT) {
                if (fi->ty->kind != TY_OPTIONAL) {
                    err(k, o->sp, NULL, "only an optional field can be omitted");
                }
                fi->omit_none = true;
            } else if (o->kind == AST_UNIQUE) {
                ty *t = fi->ty;
                if (t->kind != TY_LIST || t->elem->kind != TY_RECORD) {
                    err(k, o->sp, NULL, "'unique by' needs a list of records");
                    continue;
                }
                int ki = field_index(t->elem->decl, o->name);
                if (ki < 0) {
                    err(k, o->name_sp, NULL, "%s has no field '%s'",
                        t->elem->decl->name, o->name);
                    continue;
                }
                fi->unique_key = ki;
            }
        }
    }
}

/* Checks the where-conditions and checks of a record, with its fields in
 * scope by name. */
static void record_checks(checker *k, sym *r)
{
    k->self = r;
    for (int i = 0; i < r->nfields; i++) {
        ast_node *f = r->fields[i].decl;
        for (uint32_t j = 0; j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (o->kind == AST_WHERE) {
                expect_bool(k, o->a, "a 'where' condition");
                if (o->b) {
                    expect(k, o->b, &k->t_text, "the message after 'else'");
                }
            }
        }
    }
    ast_node *d = r->decl;
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *ch = d->list.items[i];
        if (ch->kind != AST_CHECK) {
            continue;
        }
        expect_bool(k, ch->a, "a check");
        if (ch->b) {
            expect(k, ch->b, &k->t_text, "the message after 'else'");
        }
        if (ch->text && field_index(r, ch->text) < 0) {
            err(k, ch->sp, NULL, "%s has no field '%s' to report at", r->name,
                ch->text);
        }
    }
    k->self = NULL;
}

static void signature(checker *k, sym *f)
{
    ast_node *d = f->decl;
    f->ty = resolve_type(k, d->a);
    if (f->kind == SYM_PARAM) {
        return;
    }
    f->nparams = (int)d->list.count;
    f->params = alloc(k, (size_t)(f->nparams + 1) * sizeof *f->params);
    if (!f->params) {
        return;
    }
    name_ix ix = {NULL, 0};
    ix_init(k, &ix, (uint32_t)f->nparams);
    for (int i = 0; i < f->nparams; i++) {
        ast_node *p = d->list.items[i];
        bool twice = false;
        if (ix.cap) {
            twice = ix_add(&ix, p->name, i) >= 0;
        } else {
            for (int j = 0; j < i && !twice; j++) {
                twice = strcmp(f->params[j]->name, p->name) == 0;
            }
        }
        if (twice) {
            err(k, p->name_sp, NULL, "parameter '%s' is listed twice", p->name);
        }
        sym *ps = new_sym(k, SYM_LOCAL, p->name, p);
        if (!ps) {
            f->nparams = i;
            return;
        }
        ps->ty = resolve_type(k, p->a);
        p->sym = ps;
        f->params[i] = ps;
    }
    if (f->kind == SYM_RULE) {
        /* A rule's result: its outcome and the reason for it. */
        sym *v = new_sym(k, SYM_RECORD, f->name, d);
        if (!v) {
            return;
        }
        v->ty = new_ty(k, TY_RECORD);
        v->ty->decl = v;
        v->nfields = 2;
        v->fields = alloc(k, 2 * sizeof *v->fields);
        if (!v->fields) {
            return;
        }
        v->fields[0] = (field_info){"outcome", "outcome", f->ty, NULL, -1, false};
        v->fields[1] = (field_info){"reason", "reason",
                                    wrap(k, TY_OPTIONAL, &k->t_text), NULL, -1,
                                    true};
        f->verdict = v;
        push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, v);
    }
}

/* The letter of tally_native.h for a type a native function may take or
 * give; 0 for any other. */
static char native_letter(const ty *t)
{
    switch (t->kind) {
    case TY_BOOL: return 'b';
    case TY_INT: return 'i';
    case TY_DEC: return 'd';
    case TY_MONEY: return 'm';
    case TY_TEXT: return 't';
    case TY_DATE: return 'D';
    default: return 0;
    }
}

/* An extern definition's signature: types a native function can be
 * called with (tally_native.h), a library named as a plain file name, at
 * most TALLY_NATIVE_MAX_PARAMS (16) parameters.  Sets [f]'s aux letters
 * on the declaration (decl->text2) for the compiler. */
static void extern_signature(checker *k, sym *f)
{
    ast_node *d = f->decl;
    static const char *const hint =
        "a native function takes and gives integer, decimal, money, bool, "
        "text or date";
    char letters[17];
    int n = 0;
    check_cite(k, d->cite);
    if (f->nparams > 16) {
        err(k, d->name_sp, NULL, "'%s' has %d parameters; a native function "
            "takes at most 16", f->name, f->nparams);
        return;
    }
    for (int i = 0; i < f->nparams; i++) {
        ty *t = f->params[i]->ty;
        char c = native_letter(t);
        if (!c && !is_bad(t)) {
            err(k, d->list.items[i]->a->sp, hint,
                "a native function cannot take %s", describe(k, t));
        }
        if (!c) {
            c = '?';
        }
        letters[n++] = c;
    }
    letters[n] = '\0';
    char r = native_letter(f->ty);
    if (!r && !is_bad(f->ty)) {
        err(k, d->a->sp, hint, "a native function cannot give %s",
            describe(k, f->ty));
    }
    const char *lib = d->b->text;
    bool ok = d->b->len > 0 && d->b->len <= 255 && lib[0] != '.' &&
              lib[0] != '-';
    for (uint32_t i = 0; ok && i < d->b->len; i++) {
        char c = lib[i];
        ok = c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') ||
             (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    if (!ok) {
        err(k, d->b->sp,
            "name the library (\"libtally_postcode\"); where it is found is "
            "for the run to say, with --allow-native",
            "a native library is named by letters, digits, '_', '-' and '.', "
            "not by a path");
    }
    d->text2 = arena_strndup(&k->c->arena, letters, (size_t)n);
    d->op = (int16_t)r;
    if (!d->text2) {
        k->c->oom = true;
    }
}

static bool bindable(checker *k, ty *t, int depth)
{
    if (depth > 32) {
        return false;
    }
    switch (t->kind) {
    case TY_LIST:
    case TY_MAP:
    case TY_OPTIONAL: return bindable(k, t->elem, depth + 1);
    case TY_RECORD: {
        sym *r = t->decl;
        if (r->state == 1) {
            return false; /* a record that contains itself */
        }
        int saved = r->state;
        r->state = 1;
        bool ok = true;
        for (int i = 0; i < r->nfields && ok; i++) {
            ok = bindable(k, r->fields[i].ty, depth + 1);
        }
        r->state = saved;
        return ok;
    }
    default: return true;
    }
}

tly_checked *chk_results(tly_comp *c)
{
    return c->checked;
}

static bool is_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) {
        return false;
    }
    for (s++; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

/* "FILE:LINE:COL" of span offset [off], for a hint naming the other side
 * of a clash. */
static void where(checker *k, uint32_t off, char *buf, size_t cap)
{
    const tly_file *f;
    uint32_t line, col;
    tly_position(k->c, off, &f, &line, &col);
    snprintf(buf, cap, "%s:%u:%u", f->path ? f->path : "", line, col);
}

/* Puts [name] in the current file's scope as a module qualifier (kind
 * SYM_MODULE) or an imported name (SYM_IMPORT of [target]), unless it
 * clashes with a declaration or another import: an error at [at] naming
 * both sides. */
static void bind_import(checker *k, sym_kind kind, const char *name,
                        ast_node *at, int file, sym *target)
{
    sym *old = lookup_raw(k, name);
    if (old) {
        if (old->kind == kind && old->ordinal == file && old->owner == target) {
            return; /* the same thing again: no ambiguity */
        }
        char other[300], hint[400];
        where(k, old->decl->name_sp.start, other, sizeof other);
        if (old->kind == SYM_IMPORT || old->kind == SYM_MODULE) {
            snprintf(hint, sizeof hint,
                     "the other import is at %s; list '%s' in one of them only "
                     "and qualify the other", other, name);
            if (kind == SYM_MODULE || old->kind == SYM_MODULE) {
                snprintf(hint, sizeof hint,
                         "the other import is at %s; import one of them "
                         "'as' another name", other);
            }
            err(k, at->name_sp, hint, "'%s' is imported from both %s and %s",
                name, module_name(k, old->ordinal), module_name(k, file));
        } else if (kind == SYM_MODULE) {
            snprintf(hint, sizeof hint,
                     "the declaration is at %s; import the module 'as' another "
                     "name", other);
            err(k, at->name_sp, hint,
                "'%s' names both an imported module and a declaration of this "
                "file", name);
        } else {
            snprintf(hint, sizeof hint,
                     "the declaration is at %s; rename it, or leave '%s' out of "
                     "the import list and write %s.%s", other, name,
                     module_name(k, file), name);
            err(k, at->name_sp, hint,
                "'%s' is imported from %s and also declared in this file",
                name, module_name(k, file));
        }
        return;
    }
    sym *s = new_sym(k, kind, name, at);
    if (!s) {
        return;
    }
    s->ordinal = file;
    s->owner = target;
    uint32_t h = hash(k, name);
    s->next = k->table[h];
    k->table[h] = s;
    k->nsyms++;
    grow_table(k);
}

/* Binds the imports of the current file, whose declarations are all
 * collected: each module's qualifier, and the names of import lists. */
static void bind_imports(checker *k, ast_node *root)
{
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *d = root->list.items[i];
        if (d->kind != AST_IMPORT) {
            continue;
        }
        if (k->c->nfiles == 0 || d->num < 0 || d->num >= k->c->nfiles) {
            if (k->c->nfiles == 0) {
                err(k, d->sp, NULL, "imports are resolved only when a policy "
                    "is compiled from its file");
            }
            continue;
        }
        int file = (int)d->num;
        const char *q = d->a ? d->a->name : d->op == 0 ? d->name
                                                        : k->c->files[file]->name;
        ast_node *qat = d->a ? d->a : d;
        if (!q || !is_ident(q)) {
            err(k, d->name_sp, "write: import \"...\" as NAME",
                "'%s' is not a name to qualify with", q ? q : "");
        } else {
            bind_import(k, SYM_MODULE, q, qat, file, NULL);
        }
        for (uint32_t j = 0; j < d->list.count; j++) {
            ast_node *n = d->list.items[j];
            sym *s = lookup_in(k, file, n->name);
            if (!s) {
                no_such(k, n->name_sp, file, n->name, ~0u, "declaration");
                continue;
            }
            bind_import(k, SYM_IMPORT, n->name, n, file, s);
        }
    }
}

/* Checks one file, [root], in the current scope: its declarations, then
 * the policy's input and output when [k->in_policy]. */
static void check_file(checker *k, ast_node *root)
{
    tly_comp *c = k->c;
    int r0 = k->res.nrecords, f0 = k->res.nfuncs, x0 = k->res.nexterns;
    for (uint32_t i = 0; i < root->list.count; i++) {
        collect(k, root->list.items[i]);
    }
    bind_imports(k, root);
    int r1 = k->res.nrecords;
    for (int i = r0; i < r1; i++) {
        record_fields(k, k->res.records[i]);
    }
    for (int i = r0; i < r1; i++) {
        record_options(k, k->res.records[i]);
    }
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *d = root->list.items[i];
        if (d->kind == AST_ALIAS) {
            sym *s = lookup_raw(k, d->name);
            if (s && s->kind == SYM_ALIAS) {
                alias_type(k, s);
            }
        }
    }
    for (int i = f0; i < k->res.nfuncs; i++) {
        signature(k, k->res.funcs[i]);
    }
    for (int i = x0; i < k->res.nexterns; i++) {
        signature(k, k->res.externs[i]);
        extern_signature(k, k->res.externs[i]);
    }
    /* A module's own file, checked alone, has no input or output. */
    bool is_module = root->b != NULL;
    /* The input and output. */
    sym *in = k->res.input;
    if (!k->in_policy) {
        /* a module: no input */
    } else if (!in) {
        if (!is_module) {
            tly_span end = {(uint32_t)c->len, (uint32_t)c->len};
            err(k, end, "declare it as: input tender: Tender keyed by id",
                "the policy has no input declaration");
        }
    } else {
        ast_node *d = in->decl;
        sym *r = lookup_global(k, d->text);
        if (d->text3) {
            sym *q = lookup_global(k, d->text3);
            r = q && q->kind == SYM_MODULE ? lookup_in(k, q->ordinal, d->text)
                                           : NULL;
        }
        if (!r || r->kind != SYM_RECORD) {
            err(k, d->sp, NULL, "the input must be a record type, and '%s' is not",
                d->text);
            in->ty = &k->t_error;
        } else {
            in->ty = r->ty;
            int key = field_index(r, d->text2);
            if (key < 0) {
                err(k, d->sp, NULL, "%s has no field '%s' to key records by",
                    r->name, d->text2);
            } else if (r->fields[key].ty->kind != TY_TEXT) {
                err(k, d->sp, NULL, "the key field '%s' must be text", d->text2);
            }
            d->num = key;
            if (!bindable(k, r->ty, 0)) {
                err(k, d->sp, NULL, "the input record contains itself");
            }
        }
    }
    for (int i = r0; i < k->res.nrecords; i++) {
        if (k->res.records[i]->decl->kind == AST_RECORD) {
            record_checks(k, k->res.records[i]);
        }
    }
    for (int i = f0; i < k->res.nfuncs; i++) {
        check_func(k, k->res.funcs[i]);
        k->res.dated |= k->res.funcs[i]->dated;
    }
    if (k->res.asof) {
        expect(k, k->res.asof->a, &k->t_date, "the evaluation date");
    }
    if (!k->in_policy) {
        return;
    }
    if (!k->res.output) {
        if (!is_module) {
            tly_span end = {(uint32_t)c->len, (uint32_t)c->len};
            err(k, end, "declare it as: output result: Result = Result { ... }",
                "the policy has no output declaration");
        }
    } else {
        ast_node *o = k->res.output;
        ty *t = resolve_type(k, o->a);
        if (t->kind != TY_RECORD && t->kind != TY_ERROR) {
            err(k, o->a->sp, NULL, "the output must be a record type");
        }
        k->res.output_ty = t;
        expect(k, o->b, t, "the output");
    }
}

/* Makes file [file]'s scope the current one, with an empty table. */
static bool enter(checker *k, int file)
{
    k->cur = file;
    k->nbuckets = NBUCKETS;
    k->nsyms = 0;
    k->table = arena_zalloc(&k->c->arena, NBUCKETS * sizeof *k->table);
    if (!k->table) {
        k->c->oom = true;
        return false;
    }
    return true;
}

/* Keeps the current file's scope for the files that import it. */
static void leave(checker *k)
{
    k->scopes[k->cur] = (scope){k->table, k->nbuckets, k->nsyms};
}

bool tly_check(tly_comp *c)
{
    checker *k = arena_zalloc(&c->arena, sizeof *k);
    if (!k) {
        c->oom = true;
        return false;
    }
    k->c = c;
    k->suggest_left = SUGGEST_BUDGET;
    ty *builtins[] = {&k->t_error, &k->t_bool, &k->t_int, &k->t_dec,
                      &k->t_money, &k->t_percent, &k->t_date, &k->t_datetime,
                      &k->t_duration, &k->t_text, &k->t_none, &k->t_never};
    ty_kind kinds[] = {TY_ERROR, TY_BOOL, TY_INT, TY_DEC, TY_MONEY,
                       TY_PERCENT, TY_DATE, TY_DATETIME, TY_DURATION,
                       TY_TEXT, TY_NONE, TY_NEVER};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        builtins[i]->kind = kinds[i];
        builtins[i]->places = -1;
        builtins[i]->currency = "GBP";
    }
    for (int u = 0; u < AST_UNIT_COUNT; u++) {
        k->t_units[u] = k->t_duration;
        k->t_units[u].unit = u;
    }
    ast_node *root = c->root;
    if (!root) {
        return false;
    }
    int nfiles = c->nfiles ? c->nfiles : 1;
    k->scopes = arena_zalloc(&c->arena, (size_t)nfiles * sizeof *k->scopes);
    if (!k->scopes) {
        c->oom = true;
        return false;
    }
    k->res.policy = root->a;
    int one = 0;
    const int *order = c->nfiles ? c->order : &one;
    int norder = c->nfiles ? c->norder : 1;
    for (int i = 0; i < norder && !c->oom; i++) {
        int file = order[i];
        ast_node *froot = c->nfiles ? c->files[file]->root : root;
        if (!froot || !enter(k, file)) {
            continue;
        }
        k->in_policy = file == 0;
        check_file(k, froot);
        leave(k);
    }
    c->checked = &k->res;
    return c->diags.nerrors == 0 && !c->oom;
}
