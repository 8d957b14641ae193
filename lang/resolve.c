/* lang/resolve.c - the checker's names: symbol tables, scopes, imports.
 *
 * Collects each file's declarations into its scope of global names,
 * binds its imports, and looks names up: globals, enum members, locals
 * on the scope stack, fields by index, and "did you mean" suggestions
 * within a budget.  Reports clashes (a name declared twice, imported
 * twice) but checks no type or expression.
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
#include "check_int.h"

#include <stdio.h>
#include <string.h>

#define NBUCKETS 256  /* first size of the global table; doubles with it */
#define MAX_LOAD 4     /* names per bucket before the table doubles */

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
int res_ix_find(const name_ix *x, const char *name)
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
bool res_ix_init(checker *k, name_ix *x, uint32_t n)
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
int res_ix_add(name_ix *x, const char *name, int pos)
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
sym *res_lookup_raw(checker *k, const char *name)
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
sym *res_lookup_global(checker *k, const char *name)
{
    sym *s = res_lookup_raw(k, name);
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
sym *res_lookup_in(checker *k, int file, const char *name)
{
    /* The current file's scope is in k until res_leave() keeps it. */
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
sym *res_lookup_member(checker *k, const char *name, const sym *want_enum,
                       int *count)
{
    sym *found = NULL;
    *count = 0;
    if (want_enum && want_enum->ix.cap) {
        int i = res_ix_find(&want_enum->ix, name);
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

sym *res_new_sym(checker *k, sym_kind kind, const char *name,
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
        sym *old = res_lookup_global(k, name);
        if (old) {
            uint32_t line, col;
            tly_position(k->c, old->decl->name_sp.start, NULL, &line, &col);
            char hint[80];
            snprintf(hint, sizeof hint, "the first is on line %u", line);
            err(k, decl->name_sp, hint, "'%s' is declared twice", name);
            return NULL;
        }
    }
    sym *s = res_new_sym(k, kind, name, decl);
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



void res_consider(suggest *g, const char *cand)
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
void res_consider_globals(checker *k, suggest *g, unsigned kinds)
{
    for (uint32_t b = 0; b < k->nbuckets && *g->left > 0; b++) {
        for (sym *t = k->table[b]; t && *g->left > 0; t = t->next) {
            if (kinds & (1u << t->kind)) {
                res_consider(g, t->name);
            }
        }
    }
}

const char *res_hint_for(checker *k, suggest *g)
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
                res_consider(g, t->name);
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
void res_no_such(checker *k, tly_span sp, int file, const char *name,
                 unsigned kinds, const char *what)
{
    suggest g = {NULL, 99, name, &k->suggest_left};
    consider_module(k, &g, file, kinds);
    err(k, sp, res_hint_for(k, &g), "module %s has no %s '%s'",
        module_name(k, file), what, name);
}

/* ---- scopes ------------------------------------------------------------ */

sym *res_bind_local(checker *k, const char *name, ty *t, ast_node *at)
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
    sym *s = res_new_sym(k, SYM_LOCAL, name, at);
    if (!s) {
        return NULL;
    }
    s->ty = t;
    k->locals[k->nlocals++] = s;
    return s;
}

sym *res_lookup_local(checker *k, const char *name)
{
    for (int i = k->nlocals - 1; i >= k->base; i--) {
        if (strcmp(k->locals[i]->name, name) == 0) {
            return k->locals[i];
        }
    }
    return NULL;
}

int res_field_index(const sym *rec, const char *name)
{
    if (rec->ix.cap) {
        return res_ix_find(&rec->ix, name);
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
int res_module_of(checker *k, const ast_node *q)
{
    if (!q || q->kind != AST_NAME || res_lookup_local(k, q->name) ||
        (k->self && res_field_index(k->self, q->name) >= 0)) {
        return -1;
    }
    sym *s = res_lookup_global(k, q->name);
    return s && s->kind == SYM_MODULE ? s->ordinal : -1;
}

/* Appends [s] to the array [*arr] of [*count] syms and [*cap] room,
 * doubling it when full: copying it on every append made 40,000
 * declarations cost 6 GB. */
void res_push_sym(checker *k, sym ***arr, int *count, int *cap, sym *s)
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
    res_push_sym(k, &k->res.funcs, &k->res.nfuncs, &k->cap_funcs, s);
}

void res_collect(checker *k, ast_node *d)
{
    sym *s;
    switch ((ast_kind)d->kind) {
    case AST_ENUM:
        if (!(s = declare(k, SYM_ENUM, d))) {
            return;
        }
        s->ty = ty_new(k, TY_ENUM);
        s->ty->decl = s;
        s->label = d->text ? d->text : d->name;
        s->nmembers = (int)d->list.count;
        s->members = alloc(k, (size_t)(d->list.count + 1) * sizeof *s->members);
        if (!s->members) {
            return;
        }
        res_ix_init(k, &s->ix, d->list.count);
        for (uint32_t i = 0; i < d->list.count; i++) {
            ast_node *m = d->list.items[i];
            bool twice = false;
            if (s->ix.cap) {
                twice = res_ix_add(&s->ix, m->name, (int)i) >= 0;
            } else {
                for (uint32_t j = 0; j < i && !twice; j++) {
                    twice = strcmp(d->list.items[j]->name, m->name) == 0;
                }
            }
            if (twice && m->op == AST_MEMBER_OTHER) {
                uint32_t j = 0; /* the member the author named 'other' */
                while (j < i && strcmp(d->list.items[j]->name, "other") != 0) {
                    j++;
                }
                err(k, d->list.items[j]->name_sp,
                    "an open enum has its own 'other', for the codes it does "
                    "not list: name this member differently",
                    "'other' is a member of every open enum");
            } else if (twice) {
                err(k, m->name_sp, NULL, "'%s' is listed twice", m->name);
            }
            if (m->text && !m->text[0] && m->op != AST_MEMBER_OTHER) {
                err(k, m->name_sp, NULL,
                    "a member's data spelling cannot be empty");
            }
            sym *ms = declare(k, SYM_MEMBER, m);
            if (!ms) {
                continue;
            }
            ms->owner = s;
            ms->ordinal = (int)i;
            s->members[i] = ms;
        }
        res_push_sym(k, &k->res.enums, &k->res.nenums, &k->cap_enums, s);
        break;
    case AST_RECORD:
        if (!(s = declare(k, SYM_RECORD, d))) {
            return;
        }
        s->ty = ty_new(k, TY_RECORD);
        s->ty->decl = s;
        res_push_sym(k, &k->res.records, &k->res.nrecords, &k->cap_records, s);
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
    case AST_TABLE: /* a definition whose body is its rows */
        if ((s = declare(k, SYM_DEF, d))) {
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
        chk_holiday_decl(k, d);
        break;
    case AST_EXTERN:
        if ((s = declare(k, SYM_EXTERN, d))) {
            res_push_sym(k, &k->res.externs, &k->res.nexterns, &k->cap_externs,
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
    case AST_FINDING:
        if (!k->in_policy) {
            err(k, d->sp, "declare findings in the policy that imports this module",
                "a finding belongs to a policy, not to a module");
            return;
        }
        if (k->res.nfindings % 16 == 0) {
            ast_node **grown = alloc(k, (size_t)(k->res.nfindings + 16) * sizeof *grown);
            if (!grown) {
                return;
            }
            if (k->res.nfindings) {
                memcpy(grown, k->res.findings,
                       (size_t)k->res.nfindings * sizeof *grown);
            }
            k->res.findings = grown;
        }
        k->res.findings[k->res.nfindings++] = d;
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
    sym *old = res_lookup_raw(k, name);
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
    sym *s = res_new_sym(k, kind, name, at);
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
void res_bind_imports(checker *k, ast_node *root)
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
            sym *s = res_lookup_in(k, file, n->name);
            if (!s) {
                res_no_such(k, n->name_sp, file, n->name, ~0u, "declaration");
                continue;
            }
            bind_import(k, SYM_IMPORT, n->name, n, file, s);
        }
    }
}

/* Makes file [file]'s scope the current one, with an empty table. */
bool res_enter(checker *k, int file)
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
void res_leave(checker *k)
{
    k->scopes[k->cur] = (scope){k->table, k->nbuckets, k->nsyms};
}
