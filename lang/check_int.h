/* lang/check_int.h - what the checker's three files share, and nothing
 * outside them may include.
 *
 * The checker is split by job: types.c builds, resolves, compares and
 * prints types (ty_); resolve.c keeps the symbol tables and scopes,
 * collects declarations, binds imports and looks names up (res_);
 * check.c checks expressions and declarations and drives a compilation's
 * check (chk_, tly_check).  They share one state, the checker, which
 * lives in the compilation's arena like everything they allocate.
 */
#ifndef TALLY_LANG_CHECK_INT_H
#define TALLY_LANG_CHECK_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

#define MAX_LOCALS 4096 /* names in scope at once; far past real policies */
#define MAX_DATED_ROWS 128 /* rows of one dated value, amendments included:
                              compile.c's gen_rows jumps out of at most 128
                              (past them the earliest would be out of reach) */
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
    bool in_module;    /* the file being checked starts with a module header */
    bool in_policy;    /* it is the policy (files[0]), not a module */
    sym **table;       /* arena: global names, chained by hash */
    uint32_t nbuckets; /* a power of two */
    uint32_t nsyms;    /* names in the table */
    long suggest_left; /* SUGGEST_BUDGET, spent by res_consider() */
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
        t_datetime, t_duration, t_text, t_none, t_never, t_judgement;
    ty t_units[AST_UNIT_COUNT]; /* a duration type per unit (days: the
                                   same as t_duration) */
    int cap_holidays;
    ast_node **amends; /* arena: the AST_AMENDs checked (amend.c), merged
                          into what they amend once every file is */
    int namends, cap_amends;
} checker;

/* A "did you mean" search: the nearest candidate to [name] so far. */
typedef struct suggest {
    const char *best;
    int dist;
    const char *name;
    long *left; /* the checker's suggest_left */
} suggest;

/* ---- helpers (every file) ---------------------------------------------- */

/* [n] zeroed bytes of the compilation's arena; NULL (and the compilation
 * marked out of memory) when there is no room. */
static inline void *alloc(checker *k, size_t n)
{
    void *p = arena_zalloc(&k->c->arena, n);
    if (!p) {
        k->c->oom = true;
    }
    return p;
}

static inline void err(checker *k, tly_span sp, const char *hint,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports an error at [sp] with an optional [hint]. */
static inline void err(checker *k, tly_span sp, const char *hint,
                       const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(&k->c->diags, DIAG_ERROR, sp, hint, "%s", buf);
}

/* ---- types.c ----------------------------------------------------------- */

/* A fresh type of [kind] with free places; &k->t_error out of memory. */
ty *ty_new(checker *k, ty_kind kind);

/* A fresh list, map or optional type of [elem]. */
ty *ty_wrap(checker *k, ty_kind kind, ty *elem);

/* [t] in words ("list of Bid"), in the arena; "?" out of memory. */
const char *ty_str(checker *k, const ty *t);

/* Whether [t] is integer, decimal, money or percent. */
bool ty_is_num(const ty *t);

/* Whether [t] is already in error or is fail's: accepted everywhere. */
bool ty_is_bad(const ty *t);

/* Can a value of [from] (the type of [n]) be used where [to] is wanted?
 * Records the conversion on [n]. */
bool ty_fits(checker *k, ast_node *n, ty *from, ty *to);

/* The hint for a plain number where money of type [want] is wanted. */
const char *ty_money_hint(const ty *want);

/* Reports that [n], of type [got], is not the [want] that [what] needs,
 * with a hint at the likely fix. */
void ty_mismatch(checker *k, ast_node *n, ty *got, ty *want,
                 const char *what);

/* The type the alias [s] names, resolved once; an alias defined in terms
 * of itself is reported and is the error type. */
ty *ty_alias(checker *k, sym *s);

/* The type the type node [n] names in the current file; the error type
 * (reported) when it names none. */
ty *ty_resolve(checker *k, ast_node *n);

/* Result type of arithmetic [op] on [a] and [b]; NULL if not allowed. */
ty *ty_arith(checker *k, int op, ast_node *n, ty *a, ty *b,
             const char **hint);

/* Whether values of [t] can be compared with < and >. */
bool ty_ordered(const ty *t);

/* Brings [a] and [b] to one comparable type, recording conversions. */
ty *ty_unify(checker *k, ast_node *na, ty *a, ast_node *nb, ty *b);

/* Whether data can be bound to [t]: false for a record that contains
 * itself, or nesting past 32 levels ([depth] starts at 0). */
bool ty_bindable(checker *k, ty *t, int depth);

/* ---- resolve.c --------------------------------------------------------- */

/* Finds the position of [name] in [x]; -1 if absent. */
int res_ix_find(const name_ix *x, const char *name);

/* Makes [x] an empty index with room for [n] names; false out of memory
 * (the caller then searches linearly). */
bool res_ix_init(checker *k, name_ix *x, uint32_t n);

/* Adds [name] at [pos] to [x] (made by res_ix_init for enough names)
 * unless it is there already; returns the earlier position, or -1. */
int res_ix_add(name_ix *x, const char *name, int pos);

/* The global [name] of the current file as declared or imported
 * (SYM_IMPORT itself, not what it names), or NULL. */
sym *res_lookup_raw(checker *k, const char *name);

/* What the global [name] of the current file names: a name brought in
 * by an import list is the module's declaration itself. */
sym *res_lookup_global(checker *k, const char *name);

/* The declaration [name] of file [file], or NULL. */
sym *res_lookup_in(checker *k, int file, const char *name);

/* The enum member [name], preferring one of [want_enum] (may be NULL);
 * [*count] is how many enums have a member of that name (1 when
 * [want_enum] has it).  Enum members live in the same table, possibly
 * several of one name. */
sym *res_lookup_member(checker *k, const char *name, const sym *want_enum,
                       int *count);

/* A fresh symbol, in no table; NULL out of memory (k->c->oom set). */
sym *res_new_sym(checker *k, sym_kind kind, const char *name,
                 ast_node *decl);

/* Makes [cand] the suggestion of [g] if it is the nearest yet and near
 * enough, while the budget lasts. */
void res_consider(suggest *g, const char *cand);

/* Considers every global name of a kind in [kinds] (bits 1 << sym_kind),
 * while the budget lasts. */
void res_consider_globals(checker *k, suggest *g, unsigned kinds);

/* "did you mean 'x'?" for [g]'s suggestion, in the arena; NULL if none. */
const char *res_hint_for(checker *k, suggest *g);

/* Reports that module [file] has no [name] of a kind in [kinds] at [sp],
 * suggesting the nearest it has. */
void res_no_such(checker *k, tly_span sp, int file, const char *name,
                 unsigned kinds, const char *what);

/* Pushes a local [name] of type [t] bound at [at] onto the scope stack;
 * NULL (reported or out of memory) when it cannot. */
sym *res_bind_local(checker *k, const char *name, ty *t, ast_node *at);

/* The innermost local [name] of the current body, or NULL. */
sym *res_lookup_local(checker *k, const char *name);

/* The index of field [name] of record [rec]; -1 if it has none. */
int res_field_index(const sym *rec, const char *name);

/* The file of the module [q] qualifies with, when [q] is a name that
 * is an imported module's qualifier and no local name or field hides it;
 * -1 otherwise. */
int res_module_of(checker *k, const ast_node *q);

/* Appends [s] to the array [*arr] of [*count] syms and [*cap] room,
 * doubling it when full: copying it on every append made 40,000
 * declarations cost 6 GB. */
void res_push_sym(checker *k, sym ***arr, int *count, int *cap, sym *s);

/* Declares the top-level declaration [d] in the current file's scope and
 * the checker's results (a name clash is reported). */
void res_collect(checker *k, ast_node *d);

/* Binds the imports of the current file, whose declarations are all
 * collected: each module's qualifier, and the names of import lists. */
void res_bind_imports(checker *k, ast_node *root);

/* Makes file [file]'s scope the current one, with an empty table. */
bool res_enter(checker *k, int file);

/* Keeps the current file's scope for the files that import it. */
void res_leave(checker *k);

/* ---- check.c ----------------------------------------------------------- */

/* "holiday 2026-06-15": a day added to the bank-holiday calendar.  It
 * must be a real date inside the calendar's years (a holiday outside
 * them would never be consulted: days there are refused) and declared
 * once. */
void chk_holiday_decl(checker *k, ast_node *d);

/* The dated rows [rows] of [f]: each 'from D [until E]' a date, E not
 * before D, the rows in date order and not overlapping, each a value of
 * [f]'s type ([what] names it in messages), in the current scope.  Sets
 * each row's lo (and num) to D's day and hi / has_hi to E's. */
void chk_rows(checker *k, sym *f, ast_list *rows, const char *what);

/* ---- amend.c ----------------------------------------------------------- */

/* Checks the amendment [d] in the current file: what it names (a dated
 * parameter or definition of another module, imported here), its rows
 * (chk_rows, each citing its instrument, the definition's parameters in
 * scope); keeps it for amend_merge.  Errors are reported. */
void amend_check(checker *k, ast_node *d);

/* Once every file is checked: each amended item's rows and its
 * amendments', in date order, written back into its declaration; an
 * amendment's row before the declaration's last, or starting while
 * another row is in force, is reported naming both, and so is every
 * amendment row on a cycle of calls (one that reads what it amends). */
void amend_merge(checker *k);

/* "FILE:LINE:COL" of span offset [off] into [buf], for a message naming
 * another declaration. */
void amend_where(checker *k, uint32_t off, char *buf, size_t cap);

/* What [s] is, with its article, for "... and 'x' is a record". */
const char *amend_kind_words(const sym *s);

/* The name [d] (an AST_AMEND or AST_REFINE) names as written
 * ("procurement.thresholds"), in the arena. */
const char *amend_written_name(checker *k, const ast_node *d);

/* What [d] (an AST_AMEND, or an AST_REFINE when [refine]) names, [shown]
 * as written, or NULL after an error: a name of another module, qualified
 * with an imported module's name or brought in by an import list. */
sym *amend_target(checker *k, ast_node *d, const char *shown, bool refine);

/* Checks the value a module's parameter [f] leaves open (its
 * declaration's c: 'open [between LO and HI]'; the grammar has none
 * after dated rows): only in a module, a range only of numbers written out, its own value within.
 * Errors are reported. */
void layers_open_check(checker *k, sym *f);

/* Checks the refinement [d] in the current file and, when it is
 * permitted, makes its value the parameter's for the whole program (the
 * compiler reads nothing else): the parameter must be one a layer above
 * declares open, or a layer between leaves open, and the value within
 * the range it is open within; every other change is an error naming the
 * upper declaration's file:line:col and citation. */
void layers_refine(checker *k, ast_node *d);

/* Checks the open clause of the rule or definition [f] (its
 * declaration's open: 'open [to V, ...]'): only in a module; a rule's
 * outcomes written out, of its type; a definition's value one number
 * (not dated, no exceptions), with no outcomes.  Errors are reported. */
void layers_open_item_check(checker *k, sym *f);

/* Checks the value a test's 'with' [cl] gives the parameter [s]: when a
 * layer leaves [s] open within a range, the value lies within the
 * narrowest range the layers declare (an error at [cl] names the
 * range's declaration). */
void layers_with_check(checker *k, sym *s, ast_node *cl);

/* Checks the when arm [w] of rule [f] (its parameters in scope): its
 * condition, outcome, reason and citation.  False after an error. */
bool chk_arm(checker *k, sym *f, ast_node *w);

/* Checks [n] and requires it to fit [want] ([what] names it in the
 * message); the type it has for the caller. */
ty *chk_expect(checker *k, ast_node *n, ty *want, const char *what);

/* Checks the citation [c] (NULL: none): its URL, if any, is one. */
void chk_cite(checker *k, ast_node *c);

/* ---- percent.c --------------------------------------------------------- */

/* After a clean check: warns wherever a percentage first times a number
 * (40% * ratio, the fraction) meets a plain integer or decimal in '+',
 * '-' or a comparison, the likely sign of weights meant as marks; each
 * warning says how to write marks and how to keep the fraction. */
void pct_warn(checker *k);

/* ---- lint.c ------------------------------------------------------------ */

/* After a clean check: the coded warnings of lang/lint.c (unused
 * declarations, parameters, imports and members, constant conditions,
 * unreachable arms, shadowed names, impossible weights, uncited
 * definitions in legal text), each message ending "[Wnnn name]". */
void lint_warn(checker *k);

/* ---- summary.c ---------------------------------------------------------- */

/* Checks the `summaries` declaration of the file [root], if any (lang/summary.h). */
void sum_check(checker *k, ast_node *root);

#endif
