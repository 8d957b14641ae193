/* lang/compile.c - the checked AST to a bc_program.
 *
 * Lays out the program's tables (records, enums, types, strings,
 * constants) from the checker's results, then compiles every parameter,
 * definition, rule, record check and the output to a function of stack
 * code.  Tracks the operand stack depth while emitting, so each function
 * knows its max_stack and the verifier's proof holds by construction;
 * emits one location entry whenever the source position changes.
 * Loops come only from comprehensions over lists and always end with a
 * LOOP back-edge, so the VM can charge its budget there.  Relies on the
 * checker: nothing here re-checks types, and an unexpected shape is a bug
 * (TALLY_NEVER-style: reported as an internal error diagnostic).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "tally_assert.h"
#include "check.h"
#include "decimal.h"
#include "date.h"
#include "parser.h"
#include "tally_limits.h"
#include "value.h"

/* Forward jumps waiting for their target.  [at] is the operand of the
 * latest; until patched, each operand holds the offset of the previous
 * one's operand (0 ends the chain: no operand is at offset 0), so one fwd
 * stands for every jump of a condition that goes to the same place. */
typedef struct fwd {
    uint32_t at; /* offset of the u32 operand to patch; 0: none */
    int depth;   /* stack depth when jumping */
} fwd;

/* Bytecode one policy may compile to.  A record literal pushes every
 * field it leaves out, so a policy can ask for (fields x literals)
 * instructions: 1 MB of text could make 300 MB of code and take a
 * gigabyte to build.  The award example compiles to 6 KB. */
#define MAX_CODE (16u << 20)

/* An open-addressed set of indexes into one of the program's tables
 * (strings, constants, types), keyed by what they hold: interning stays
 * constant-time however many entries a policy makes. */
typedef struct intern {
    uint32_t *slots; /* the compilation's arena: index + 1; 0: empty */
    uint32_t cap;    /* a power of two, or 0 */
    uint32_t count;
} intern;

typedef struct cg {
    tly_comp *c;
    tly_checked *k;
    bc_program *p;
    arena *pa; /* the program's arena */
    bool failed;
    /* growing tables (capacity beside each) */
    uint32_t cap_strings, cap_consts, cap_types, cap_code, cap_locs;
    /* the function being compiled */
    uint32_t fstart; /* its first byte in code */
    int depth, max_depth;
    int nlocals, max_locals;
    bool dead; /* after an unconditional transfer: code is unreachable */
    /* for fusing instructions: the last one emitted, and the last offset
     * a jump lands on (fusing across it would skip the jump's way in) */
    uint32_t last_pc, target;
    bc_op last_op;
    uint32_t last_line, last_col;
    tly_span last_sp; /* of the instruction being emitted */
    uint32_t last_off; /* source offset of the last location noted */
    bool too_big;     /* MAX_CODE reached: reported, nothing more emitted */
    diag_map map; /* line and column of each location */
    int *module_of; /* arena, per file of the compilation: its index in
                       p->modules, -1 for the policy's own */
    uint16_t last_module; /* of the last location noted */
    intern strs, consts, types;
    ast_node **inits;   /* program arena: a stack of record
                           literals' initializers, by field */
    uint32_t ninits, cap_inits;
    const char *fkind, *fname; /* the declaration being compiled, for
                                  coverage points ("rule", "assessment") */
    uint32_t cap_probes;
} cg;

static void fail(cg *g, tly_span sp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(cg *g, tly_span sp, const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(&g->c->diags, DIAG_ERROR, sp, NULL, "%s", buf);
    g->failed = true;
}

static void oom(cg *g)
{
    g->c->oom = true;
    g->failed = true;
}

/* Grows the array [*arr] of [size]-byte items to hold [need]. */
static bool grow(cg *g, void **arr, uint32_t *cap, uint32_t count,
                 uint32_t need, size_t size)
{
    if (need <= *cap) {
        return true;
    }
    uint32_t n = *cap ? *cap * 2 : 16;
    while (n < need) {
        n *= 2;
    }
    void *a = arena_alloc(g->pa, (size_t)n * size);
    if (!a) {
        oom(g);
        return false;
    }
    if (count) {
        memcpy(a, *arr, (size_t)count * size);
    }
    *arr = a;
    *cap = n;
    return true;
}

/* ---- tables ------------------------------------------------------------ */

static uint32_t hash_bytes(uint32_t h, const void *b, size_t len)
{
    const unsigned char *s = b;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ s[i]) * 16777619u; /* FNV-1a */
    }
    return h;
}

static uint32_t hash_string(cg *g, uint32_t i)
{
    return hash_bytes(2166136261u, g->p->strings[i].p, g->p->strings[i].len);
}

/* Makes room in [x] for one more entry of a table of [n], rehashing its
 * entries with [hash_at]; false out of memory (reported). */
static bool intern_room(cg *g, intern *x, uint32_t n,
                        uint32_t (*hash_at)(cg *g, uint32_t i))
{
    if ((x->count + 1) * 2 <= x->cap) {
        return true;
    }
    uint32_t cap = x->cap ? x->cap * 2 : 64;
    uint32_t *t = arena_zalloc(&g->c->arena, (size_t)cap * sizeof *t);
    if (!t) {
        oom(g);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = hash_at(g, i) & (cap - 1);
        while (t[j]) {
            j = (j + 1) & (cap - 1);
        }
        t[j] = i + 1;
    }
    x->slots = t;
    x->cap = cap;
    x->count = n;
    return true;
}

static uint32_t string(cg *g, const char *s, size_t len)
{
    bc_program *p = g->p;
    if (!intern_room(g, &g->strs, p->nstrings, hash_string)) {
        return 0;
    }
    uint32_t mask = g->strs.cap - 1;
    uint32_t j = hash_bytes(2166136261u, s, len) & mask;
    for (; g->strs.slots[j]; j = (j + 1) & mask) {
        const bc_str *e = &p->strings[g->strs.slots[j] - 1];
        if (e->len == len && memcmp(e->p, s, len) == 0) {
            return g->strs.slots[j] - 1;
        }
    }
    if (!grow(g, (void **)&p->strings, &g->cap_strings, p->nstrings,
              p->nstrings + 1, sizeof *p->strings)) {
        return 0;
    }
    char *d = arena_strndup(g->pa, s, len);
    if (!d) {
        oom(g);
        return 0;
    }
    p->strings[p->nstrings] = (bc_str){d, (uint32_t)len};
    g->strs.slots[j] = p->nstrings + 1;
    g->strs.count++;
    return p->nstrings++;
}

static uint32_t cstring(cg *g, const char *s)
{
    return string(g, s ? s : "", s ? strlen(s) : 0);
}

/* A hash of [v] that equal constants share (val_equal, same type). */
static uint32_t hash_value(cg *g, const value *v)
{
    uint32_t h = hash_bytes(2166136261u, &v->kind, sizeof v->kind);
    h = hash_bytes(h, &v->type, sizeof v->type);
    switch ((val_kind)v->kind) {
    case VAL_BOOL: return hash_bytes(h, &v->as.b, sizeof v->as.b);
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
    case VAL_ENUM: return hash_bytes(h, &v->as.i, sizeof v->as.i);
    case VAL_DATETIME:
        h = hash_bytes(h, &v->as.t.sec, sizeof v->as.t.sec);
        return hash_bytes(h, &v->as.t.nsec, sizeof v->as.t.nsec);
    case VAL_TEXT: return hash_bytes(h, v->as.s, v->len);
    case VAL_DEC:
        if (!DEC_IS_BIG(v->as.d)) {
            /* Canonical (decimal.h): equal numbers, equal fields. */
            h = hash_bytes(h, &v->as.d.u.n, sizeof v->as.d.u.n);
            return hash_bytes(h, &v->as.d.d, sizeof v->as.d.d);
        } else {
            strbuf b;
            sb_init(&b, g->c->mem);
            dec_format(&v->as.d, &b);
            h = b.failed ? h : hash_bytes(h, b.p, b.len);
            sb_free(&b);
            return h;
        }
    default: return h; /* none; nothing else is a constant */
    }
}

static uint32_t hash_const(cg *g, uint32_t i)
{
    return hash_value(g, &g->p->consts[i]);
}

static uint16_t constant(cg *g, value v, tly_span sp)
{
    bc_program *p = g->p;
    if (!intern_room(g, &g->consts, p->nconsts, hash_const)) {
        return 0;
    }
    uint32_t mask = g->consts.cap - 1;
    uint32_t j = hash_value(g, &v) & mask;
    for (; g->consts.slots[j]; j = (j + 1) & mask) {
        uint32_t i = g->consts.slots[j] - 1;
        if (p->consts[i].kind == v.kind && p->consts[i].type == v.type &&
            val_equal(&p->consts[i], &v) &&
            (v.kind != VAL_DATETIME || /* equal instants, written alike */
             (p->consts[i].as.t.off == v.as.t.off &&
              p->consts[i].as.t.zone == v.as.t.zone))) {
            return (uint16_t)i;
        }
    }
    if (p->nconsts >= 0xFFFF) {
        fail(g, sp, "too many constants in one policy (at most 65535)");
        return 0;
    }
    if (!grow(g, (void **)&p->consts, &g->cap_consts, p->nconsts,
              p->nconsts + 1, sizeof *p->consts)) {
        return 0;
    }
    p->consts[p->nconsts] = v;
    g->consts.slots[j] = p->nconsts + 1;
    g->consts.count++;
    return (uint16_t)p->nconsts++;
}

static bc_type_kind bt_kind(ty_kind k)
{
    switch (k) {
    case TY_BOOL: return BT_BOOL;
    case TY_INT: return BT_INT;
    case TY_DEC: return BT_DEC;
    case TY_MONEY: return BT_MONEY;
    case TY_PERCENT: return BT_PERCENT;
    case TY_DATE: return BT_DATE;
    case TY_DATETIME: return BT_DATETIME;
    case TY_DURATION: return BT_DURATION;
    case TY_TEXT:
    case TY_JUDGEMENT: /* bound and written as text */
        return BT_TEXT;
    case TY_ENUM: return BT_ENUM;
    case TY_RECORD: return BT_RECORD;
    case TY_LIST: return BT_LIST;
    case TY_MAP: return BT_MAP;
    case TY_OPTIONAL: return BT_OPTIONAL;
    default: return BT_KIND_COUNT;
    }
}

/* bc_type is compared with memcmp: built memset to zero, padding too. */
static uint32_t hash_type(cg *g, uint32_t i)
{
    return hash_bytes(2166136261u, &g->p->types[i], sizeof g->p->types[i]);
}

static uint16_t type_index(cg *g, ty *t)
{
    bc_type bt;
    memset(&bt, 0, sizeof bt);
    bt.kind = (uint8_t)bt_kind(t->kind);
    if (bt.kind == BT_KIND_COUNT) {
        fail(g, (tly_span){0, 0}, "internal error: type %d has no layout", t->kind);
        return 0;
    }
    bt.places = BC_PLACES_ANY;
    if (t->kind == TY_MONEY) {
        bt.places = t->places >= 0 ? (uint8_t)t->places : 2;
        bt.currency = (uint16_t)cstring(g, t->currency);
    } else if ((t->kind == TY_DEC || t->kind == TY_PERCENT) && t->places >= 0) {
        bt.places = (uint8_t)t->places;
    }
    bt.has_min = t->has_min;
    bt.has_max = t->has_max;
    bt.min = t->has_min ? t->min : 0;
    bt.max = t->has_max ? t->max : 0;
    if (t->kind == TY_LIST || t->kind == TY_MAP || t->kind == TY_OPTIONAL) {
        bt.ref = type_index(g, t->elem);
    } else if (t->kind == TY_ENUM || t->kind == TY_RECORD) {
        bt.ref = (uint16_t)t->decl->index;
    }
    bc_program *p = g->p;
    if (!intern_room(g, &g->types, p->ntypes, hash_type)) {
        return 0;
    }
    uint32_t mask = g->types.cap - 1;
    uint32_t j = hash_bytes(2166136261u, &bt, sizeof bt) & mask;
    for (; g->types.slots[j]; j = (j + 1) & mask) {
        uint32_t i = g->types.slots[j] - 1;
        if (memcmp(&p->types[i], &bt, sizeof bt) == 0) {
            return (uint16_t)i;
        }
    }
    if (!grow(g, (void **)&p->types, &g->cap_types, p->ntypes, p->ntypes + 1,
              sizeof *p->types)) {
        return 0;
    }
    p->types[p->ntypes] = bt;
    g->types.slots[j] = p->ntypes + 1;
    g->types.count++;
    return (uint16_t)p->ntypes++;
}

/* ---- emission ---------------------------------------------------------- */

/* Columns came from a scan of the line up to the offset: quadratic on
 * one long line.  diag_map answers each in constant time. */
static void line_table(cg *g)
{
    if (g->c->nfiles == 0 &&
        !diag_map_init(&g->map, &g->c->arena, g->c->src, g->c->len)) {
        oom(g);
    }
}

/* Line and column of [off] in its own file (front.h: each module's spans
 * are offset by its base). */
static void position(cg *g, uint32_t off, uint32_t *line, uint32_t *col,
                     uint16_t *module)
{
    *module = BC_NONE_U16;
    if (g->c->nfiles) {
        const tly_file *f;
        tly_position(g->c, off, &f, line, col);
        int fi = f->index;
        if (fi < g->c->nfiles && g->module_of && g->module_of[fi] >= 0) {
            *module = (uint16_t)g->module_of[fi];
        }
        return;
    }
    uint32_t ls;
    diag_map_position(&g->map, off, line, col, &ls);
}

static void put(cg *g, const void *b, uint32_t n)
{
    bc_program *p = g->p;
    if ((uint64_t)p->code_len + n > MAX_CODE) {
        if (!g->too_big) {
            g->too_big = true;
            fail(g, g->last_sp, "the policy compiles to more than %u MiB of "
                 "bytecode: use fewer or smaller record literals and lists",
                 MAX_CODE >> 20);
        }
        return;
    }
    if (!grow(g, (void **)&p->code, &g->cap_code, p->code_len, p->code_len + n, 1)) {
        return;
    }
    memcpy(p->code + p->code_len, b, n);
    p->code_len += n;
}

static void note_loc(cg *g, tly_span sp)
{
    if (sp.start == g->last_off) {
        return; /* the same place: the same line and column */
    }
    g->last_off = sp.start;
    uint32_t line, col;
    uint16_t module;
    position(g, sp.start, &line, &col, &module);
    if (line == g->last_line && col == g->last_col &&
        module == g->last_module) {
        return;
    }
    bc_program *p = g->p;
    if (!grow(g, (void **)&p->locs, &g->cap_locs, p->nlocs, p->nlocs + 1,
              sizeof *p->locs)) {
        return;
    }
    if (p->nlocs && p->locs[p->nlocs - 1].pc == p->code_len) {
        p->nlocs--; /* two positions for one instruction: keep the last */
    }
    p->locs[p->nlocs++] = (bc_loc){p->code_len, line, col, module};
    g->last_line = line;
    g->last_col = col;
    g->last_module = module;
}

static void stack(cg *g, int pop, int push)
{
    g->depth -= pop;
    if (g->depth < 0 && g->failed) {
        g->depth = 0; /* emission stopped part-way; the code is dropped */
    } else if (TALLY_NEVER(g->depth < 0)) {
        fail(g, (tly_span){0, 0}, "internal error: stack underflow in compiler");
        g->depth = 0;
    }
    g->depth += push;
    if (g->depth > g->max_depth) {
        g->max_depth = g->depth;
    }
}

/* Emits [op] with the [n] operands [x] at [sp], encoded by the shared
 * assembler (asm.h); for ops with a variable pop count, [pop] gives it.
 * Write the operands with ASM_OPERANDS(a, b, ...). */
static void emit(cg *g, bc_op op, tly_span sp, int pop, const uint32_t *x,
                 unsigned n)
{
    if (g->too_big) {
        return; /* the program is dropped; stop growing it */
    }
    uint8_t b[ASM_MAX_LEN];
    unsigned len = asm_encode(b, op, x, n);
    if (TALLY_NEVER(len == 0)) {
        fail(g, sp, "internal error: %s with operands that do not fit it",
             bc_ops[op].name);
        return;
    }
    g->last_sp = sp;
    note_loc(g, sp);
    g->last_pc = g->p->code_len;
    g->last_op = op;
    put(g, b, len);
    stack(g, bc_ops[op].pop >= 0 ? bc_ops[op].pop : pop, bc_ops[op].push);
    g->dead = false;
}

static void op0(cg *g, bc_op op, tly_span sp)
{
    emit(g, op, sp, 0, NULL, 0);
}

static void op16(cg *g, bc_op op, uint16_t a, tly_span sp, int pop)
{
    emit(g, op, sp, pop, ASM_OPERANDS(a));
}

/* With c->coverage (tally test --coverage), a coverage point at [sp]:
 * [what] is reached here.  The policy's own file has them, and so do the
 * user modules it imports by path; the modules imported by name (the
 * standard library) only with c->coverage_stdlib.  A trace program has
 * them in the policy only.  Without coverage, nothing: a normal program
 * pays nothing. */
static void cover(cg *g, tly_span sp, const char *what)
{
    if ((!g->c->coverage && !g->c->trace) || g->failed || !g->fname) {
        return;
    }
    const char *file = g->c->file;
    uint32_t line, col;
    if (g->c->nfiles) {
        const tly_file *f;
        tly_position(g->c, sp.start, &f, &line, &col);
        if (f->index != 0 &&
            (!g->c->coverage || !(f->by_path || g->c->coverage_stdlib) ||
             f->index == g->c->tests_file)) {
            return;
        }
        file = f->path;
    } else {
        uint32_t ls;
        diag_map_position(&g->map, sp.start, &line, &col, &ls);
    }
    bc_program *p = g->p;
    if (p->nprobes >= 0xFFFF) {
        fail(g, sp, "too many coverage points in one policy");
        return;
    }
    if (!grow(g, (void **)&p->probes, &g->cap_probes, p->nprobes,
              p->nprobes + 1, sizeof *p->probes)) {
        return;
    }
    char buf[400];
    snprintf(buf, sizeof buf, "%s %s: %s", g->fkind, g->fname, what);
    bc_probe *pr = &p->probes[p->nprobes];
    pr->file = arena_strndup(g->pa, file, strlen(file));
    pr->what = arena_strndup(g->pa, buf, strlen(buf));
    pr->line = line;
    pr->col = col;
    const char *why = lint_nocover(g->c, sp.start);
    pr->excluded = why ? arena_strndup(g->pa, why, strlen(why)) : NULL;
    if (!pr->file || !pr->what || (why && !pr->excluded)) {
        oom(g);
        return;
    }
    op16(g, OP_COVER, (uint16_t)p->nprobes++, sp, 0);
}

/* With c->trace (tally explain), instruction [op] of the TRACE_* family
 * (no operands) at [sp]; else nothing. */
static void trace0(cg *g, bc_op op, tly_span sp)
{
    if (g->c->trace && !g->failed && !g->dead) {
        op0(g, op, sp);
    }
}

/* With c->trace, TRACE_CALL of function [f] at [sp], before its CALL. */
static void trace_call(cg *g, uint16_t f, tly_span sp)
{
    if (g->c->trace && !g->failed && !g->dead) {
        op16(g, OP_TRACE_CALL, f, sp, 0);
    }
}

/* With c->trace, TRACE_FIELD or TRACE_INIT [op] of field [fi] of record
 * type [rec] at [sp]; else nothing. */
static void trace_field(cg *g, bc_op op, uint16_t rec, uint16_t fi,
                        tly_span sp)
{
    if (g->c->trace && !g->failed && !g->dead) {
        emit(g, op, sp, 0, ASM_OPERANDS(rec, fi));
    }
}

/* One citation to register: [c] (an AST_CITE), what cites it ([what],
 * [name], [detail]: "rule", "award", ", arm 2") and [func], the function
 * it is the citation of, or -1 (a rule's arm, an extern). */
typedef struct cite_item {
    ast_node *c;
    const char *what, *name;
    char detail[80];
    int func;
} cite_item;

static int by_place(const void *a, const void *b)
{
    uint32_t x = ((const cite_item *)a)->c->sp.start;
    uint32_t y = ((const cite_item *)b)->c->sp.start;
    return x < y ? -1 : x > y;
}

static void add_cite_item(cite_item *items, uint32_t *n, ast_node *c,
                          const char *what, const char *name, int func,
                          const char *detail)
{
    if (c) {
        cite_item *it = &items[(*n)++];
        it->c = c;
        it->what = what;
        it->name = name;
        it->func = func;
        snprintf(it->detail, sizeof it->detail, "%.79s", detail);
    }
}

/* Cites each of the numbered parts [parts] of [name] (table rows, rule
 * arms): detail ", <label> N". */
static void add_part_cites(cite_item *items, uint32_t *n, const ast_list *parts,
                           const char *kind, const char *name,
                           const char *label)
{
    for (uint32_t r = 0; r < parts->count; r++) {
        char what[40];
        bool added = strcmp(label, "arm") == 0 && parts->items[r]->op == 1;
        snprintf(what, sizeof what, ", %s %u%s", label, r + 1,
                 added ? " (added)" : ""); /* lang/layers.c */
        add_cite_item(items, n, parts->items[r]->cite, kind, name, -1, what);
    }
}

/* Cites each dated row [rows] of [s] (a parameter's or a definition's):
 * detail " from DATE", marked when an amendment added the row. */
static void add_row_cites(cite_item *items, uint32_t *n, const sym *s,
                          const ast_list *rows, const char *kind)
{
    for (uint32_t r = 0; s->dated && r < rows->count; r++) {
        const ast_node *row = rows->items[r];
        char from[40];
        snprintf(from, sizeof from, " from %.10s%s", row->text,
                 row->op == 1 ? " (amendment)" : "");
        add_cite_item(items, n, row->cite, kind, s->name,
                      s->row_base + (int)r, from);
    }
}

/* Fills the program's citations, in the order the policy writes them, and
 * remembers each one's index in its AST_CITE (c->slot) for CITE.  After
 * function indices are assigned. */
static void register_cites(cg *g, tly_checked *k)
{
    uint32_t n = 0;
    for (int i = 0; i < k->nfuncs; i++) {
        ast_node *d = k->funcs[i]->decl;
        n += 2 + d->list.count + d->list2.count + /* rows, arms, else */
             (d->c ? d->c->list.count : 0);       /* exceptions */
        for (ast_node *r = k->funcs[i]->refined; r; r = r->b) {
            n++; /* refinements */
        }
    }
    n += (uint32_t)k->nexterns;
    if (n == 0) {
        return;
    }
    cite_item *items = arena_alloc(g->pa, n * sizeof *items);
    if (!items) {
        oom(g);
        return;
    }
    n = 0;
    for (int i = 0; i < k->nfuncs; i++) {
        sym *s = k->funcs[i];
        ast_node *d = s->decl;
        if (s->kind == SYM_PARAM) {
            add_cite_item(items, &n, d->cite, "parameter", s->name, s->index, "");
            /* The lower layers' values (lang/layers.c), the last first. */
            for (ast_node *r = s->refined; r; r = r->b) {
                add_cite_item(items, &n, r->cite, "parameter", s->name, -1,
                              " (refinement)");
            }
            add_row_cites(items, &n, s, &d->list, "parameter");
        } else if (d->kind == AST_TABLE) {
            add_cite_item(items, &n, d->cite, "table", s->name, s->index, "");
            add_part_cites(items, &n, &d->list2, "table", s->name, "row");
        } else if (s->kind == SYM_RULE) {
            add_cite_item(items, &n, d->cite, "rule", s->name, s->index, "");
            add_part_cites(items, &n, &d->list2, "rule", s->name, "arm");
            add_cite_item(items, &n, d->else_cite, "rule", s->name, -1, ", else");
        } else {
            add_cite_item(items, &n, d->cite, "definition", s->name, s->index, "");
            for (uint32_t e = 0; d->c && e < d->c->list.count; e++) {
                ast_node *w = d->c->list.items[e];
                char what[80];
                if (w->name) {
                    snprintf(what, sizeof what, ", exception %.60s", w->name);
                } else {
                    snprintf(what, sizeof what, ", exception %u", e + 1);
                }
                add_cite_item(items, &n, w->cite, "definition", s->name, -1, what);
            }
            add_row_cites(items, &n, s, &d->list2, "definition");
            /* The lower layers' added terms (lang/layers.c), the last
             * first. */
            for (ast_node *r = s->refined; r; r = r->b) {
                add_cite_item(items, &n, r->cite, "definition", s->name, -1,
                              " (added term)");
            }
        }
    }
    for (int i = 0; i < k->nexterns; i++) {
        sym *s = k->externs[i];
        add_cite_item(items, &n, s->decl->cite, "extern definition", s->name,
                      -1, "");
    }
    if (n >= 0xFFFF) {
        fail(g, items[0xFFFF].c->sp, "too many citations in one policy");
        return;
    }
    qsort(items, n, sizeof *items, by_place);
    bc_program *p = g->p;
    p->cites = arena_zalloc(g->pa, (n ? n : 1) * sizeof *p->cites);
    if (!p->cites) {
        oom(g);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        cite_item *it = &items[i];
        char by[300];
        snprintf(by, sizeof by, "%s %s%s", it->what, it->name, it->detail);
        bc_cite *e = &p->cites[i];
        e->text = string(g, it->c->text, it->c->len);
        e->url = it->c->text2 ? string(g, it->c->text2, (size_t)it->c->num)
                              : BC_NO_STRING;
        e->by = cstring(g, by);
        e->func = it->func >= 0 ? (uint16_t)it->func : BC_NONE_U16;
        it->c->slot = (int)i;
    }
    p->ncites = n;
}

/* Emits CITE for [c] (an AST_CITE registered by register_cites; NULL:
 * nothing). */
static void cite(cg *g, ast_node *c, tly_span sp)
{
    if (c && c->slot >= 0 && !g->failed) {
        op16(g, OP_CITE, (uint16_t)c->slot, sp, 0);
    }
}

/* Where the jump operand of the instruction just emitted, [op], lies. */
static uint32_t jump_operand_at(cg *g, bc_op op)
{
    unsigned at = 0;
    bool is_jump = bc_jump_operand(op, &at);
    TALLY_ASSERT(is_jump);
    (void)is_jump;
    return g->last_pc + bc_ops[op].off[at];
}

/* Jump targets are absolute offsets in code[] (see opcodes.def). */
static uint32_t here(cg *g)
{
    return g->p->code_len;
}

/* Emits a forward jump to be patched; none when the code is unreachable. */
static fwd jump(cg *g, bc_op op, tly_span sp)
{
    fwd f = {0, 0};
    if (g->dead) {
        return f;
    }
    emit(g, op, sp, 0, ASM_OPERANDS(0));
    f.at = jump_operand_at(g, op);
    f.depth = g->depth;
    if (op == OP_JUMP) {
        g->dead = true;
    }
    return f;
}

static void land(cg *g, fwd f)
{
    if (!f.at || g->failed) {
        return; /* after a failure the code is incomplete and dropped */
    }
    /* Both ways into a label carry the same stack depth. */
    TALLY_ASSERT(g->dead || g->depth == f.depth);
    uint32_t t = here(g);
    g->target = t;
    for (uint32_t at = f.at; at;) {
        uint8_t *b = g->p->code + at;
        at = bc_u32(b); /* the previous jump of the chain, or 0 */
        bc_put_u32(b, t);
    }
    if (g->dead) {
        g->depth = f.depth;
        g->dead = false;
    }
}

static void loop_to(cg *g, uint32_t target, tly_span sp)
{
    emit(g, OP_LOOP, sp, 0, ASM_OPERANDS(target));
    g->dead = true;
}

static int new_slot(cg *g)
{
    int s = g->nlocals++;
    if (g->nlocals > g->max_locals) {
        g->max_locals = g->nlocals;
    }
    if (g->nlocals > 0xFFFF) {
        fail(g, (tly_span){0, 0}, "too many local names in one definition");
    }
    return s;
}

static void load(cg *g, int slot, tly_span sp)
{
    op16(g, OP_LOAD, (uint16_t)slot, sp, 0);
}

static void store(cg *g, int slot, tly_span sp)
{
    op16(g, OP_STORE, (uint16_t)slot, sp, 0);
}

/* Field [fi] of the record of type [rec] on the top.  Right after a LOAD
 * of the record (s.staff, tender.weights) the two become one LOAD_FIELD:
 * a quarter of the award policy's instructions are such pairs. */
static void field(cg *g, uint16_t rec, uint16_t fi, tly_span sp)
{
    bc_program *p = g->p;
    if (!g->c->plain && !g->failed && !g->dead && g->last_op == OP_LOAD &&
        g->last_pc + BC_OP_LEN(LOAD) == p->code_len &&
        g->target != p->code_len &&
        g->last_pc >= g->fstart) {
        uint16_t slot = BC_ARG(p->code + g->last_pc, LOAD, 0);
        p->code_len = g->last_pc; /* take the LOAD back */
        g->depth--;
        emit(g, OP_LOAD_FIELD, sp, 0, ASM_OPERANDS(slot, rec, fi));
    } else {
        trace_field(g, OP_TRACE_FIELD, rec, fi, sp);
        emit(g, OP_FIELD, sp, 0, ASM_OPERANDS(rec, fi));
    }
}

static void push_int(cg *g, int64_t i, tly_span sp)
{
    op16(g, OP_CONST, constant(g, val_int(i), sp), sp, 0);
}

static void push_text(cg *g, const char *s, size_t len, tly_span sp)
{
    uint32_t si = string(g, s, len);
    value v = val_text(g->p->strings[si].p, (uint32_t)len);
    op16(g, OP_CONST, constant(g, v, sp), sp, 0);
}

static bool lit_dec(cg *g, const char *text, tly_span sp, value *out)
{
    dec d;
    if (dec_parse(g->pa, text, strlen(text), &d) != DEC_OK) {
        fail(g, sp, "malformed number '%s'", text);
        return false;
    }
    *out = val_dec(d);
    return true;
}

/* ---- expressions ------------------------------------------------------- */

static void gen(cg *g, ast_node *n);

static uint8_t text_places(const ty *t)
{
    if (!t) {
        return BC_PLACES_ANY; /* never: the checker types every argument */
    }
    if (t->kind == TY_MONEY) {
        return t->places >= 0 ? (uint8_t)t->places : 2;
    }
    if (t->kind == TY_PERCENT) {
        return BC_TEXT_PERCENT;
    }
    if (t->kind == TY_DEC && t->places >= 0) {
        return (uint8_t)t->places;
    }
    return BC_PLACES_ANY;
}

static bool is_int(const ast_node *n)
{
    return n->ty && n->ty->kind == TY_INT && !(n->conv & AUX_TO_DEC);
}

/* Is [t] 'money in currency', or optional such money? */
static bool dyn_ty(const ty *t)
{
    return t && (ty_money_dyn(t) ||
                 (t->kind == TY_OPTIONAL && ty_money_dyn(t->elem)));
}

/* Does [n]'s value carry its currency ('money in currency', or fixed
 * money converted to it)? */
static bool carries_cur(const ast_node *n)
{
    return n && (dyn_ty(n->ty) || (n->conv & AUX_TO_CUR));
}

/* Before an operation [verb] on the two values on top of the stack, the
 * results of [a] and [b]: when either carries its currency, CUR_JOIN
 * checks the two agree (a runtime error at [sp] naming both if not) and
 * gives the currency to the result; [untag] for a result that is no
 * amount (money / money). */
static void cur_join(cg *g, const ast_node *a, const ast_node *b,
                     bc_cur_verb verb, bool untag, tly_span sp)
{
    if (!carries_cur(a) && !carries_cur(b)) {
        return;
    }
    emit(g, OP_CUR_JOIN, sp, 0,
         ASM_OPERANDS((uint32_t)verb | (untag ? BC_CUR_UNTAG : 0)));
}

/* ---- definitions compiled in place ------------------------------------- */

/* A call costs a frame and, for one argument, a memo lookup: more than
 * the whole body of points(x) = round(x, 2, half up) or sme(s).  Small
 * definitions whose bodies call nothing and cannot fail at run time are
 * compiled into their callers instead: the arguments are evaluated left
 * to right, as for a call, into fresh locals that stand for the
 * parameters.  Cannot fail matters: a runtime error names the chain of
 * calls that led to it, and an inlined body has no frame to name. */

#define INLINE_MAX_NODES 40
#define INLINE_MAX_PARAMS 4

/* Whether [n] is within budget *left (in nodes), calls no definition and
 * cannot raise a runtime error (out of memory aside). */
static bool never_fails(const ast_node *n, int *left)
{
    if (!n) {
        return true;
    }
    if (--*left < 0) {
        return false;
    }
    switch ((ast_kind)n->kind) {
    case AST_INT:
    case AST_DEC:
    case AST_MONEY:
    case AST_PERCENT:
    case AST_TEXT:
    case AST_DATE:
    case AST_BOOL:
    case AST_NONE:
        return true;
    case AST_NAME: /* parameters, names bound in the body, enum members;
                      not a record check's own fields (slot 0 there) */
        return n->sym && (n->sym->kind == SYM_LOCAL ||
                          n->sym->kind == SYM_MEMBER);
    case AST_GET:
    case AST_IS_NONE:
    case AST_SOME_COND:
        return never_fails(n->a, left);
    case AST_INDEX: /* a map lookup gives none; a list index can fail */
        return n->a->ty && n->a->ty->kind == TY_MAP &&
               never_fails(n->a, left) && never_fails(n->b, left);
    case AST_UNARY: /* -x overflows for the least integer */
        return (n->op != '-' || !is_int(n->a)) && never_fails(n->a, left);
    case AST_IF:
        return never_fails(n->a, left) && never_fails(n->b, left) &&
               never_fails(n->c, left);
    case AST_BINARY:
        switch (n->op) {
        case AND: case OR: case OTHERWISE: case IN:
        case '=': case NE: case '<': case LE: case '>': case GE:
            break;
        case '+': case '-': case '*': /* exact decimals, and text '+';
                                         date arithmetic can leave the
                                         calendar */
            if (!n->ty || n->ty->kind == TY_INT || n->aux != DOP_NONE) {
                return false; /* integers overflow */
            }
            break;
        default:
            return false; /* '/' divides by zero */
        }
        return never_fails(n->a, left) && never_fails(n->b, left);
    case AST_CALL: {
        /* round with a literal place count in 0..LIM_MAX_PLACES (the
         * checker lets any integer through: the VM refuses the rest), min
         * and max; text() refuses inexact decimals at run time */
        if (n->sym || !n->name) {
            return false;
        }
        ast_node **args = n->list.items;
        bool ok = n->builtin == BUILTIN_MIN || n->builtin == BUILTIN_MAX ||
                  (n->builtin == BUILTIN_ROUND && n->list.count == 3 &&
                   args[1]->kind == AST_INT &&
                   strtoll(args[1]->text, NULL, 10) <= LIM_MAX_PLACES);
        for (uint32_t i = 0; ok && i < n->list.count; i++) {
            ok = args[i]->kind == AST_MODE || never_fails(args[i], left);
        }
        return ok;
    }
    default:
        return false;
    }
}

static bool inlinable(const sym *f)
{
    if (f->kind != SYM_DEF || f->nparams < 1 ||
        f->nparams > INLINE_MAX_PARAMS || !f->decl || !f->decl->b ||
        f->decl->c) {
        return false;
    }
    int left = INLINE_MAX_NODES;
    return never_fails(f->decl->b, &left);
}

/* Whether argument [a] is a local name taken as it is: its parameter
 * can then stand for the caller's local itself (locals never change
 * while in scope), with no copy. */
static bool plain_local(const ast_node *a)
{
    return a->kind == AST_NAME && a->sym && a->sym->kind == SYM_LOCAL &&
           !(a->conv & AUX_TO_DEC);
}

static void branch(cg *g, ast_node *c, bool when, fwd *out);
static void push_holidays(cg *g, tly_span sp);

/* Compiles the call [n] of inlinable [f] in place: its value, or, with
 * [out], as a condition (see branch). */
static void inline_call(cg *g, ast_node *n, sym *f, bool when, fwd *out)
{
    ast_node **args = n->list.items;
    for (uint32_t i = 0; i < n->list.count; i++) {
        if (!plain_local(args[i])) {
            gen(g, args[i]);
        }
    }
    int mark = g->nlocals;
    int saved[INLINE_MAX_PARAMS] = {0};
    cite(g, f->decl->cite, n->sp);
    for (int i = f->nparams - 1; i >= 0; i--) {
        saved[i] = f->params[i]->slot;
        if (plain_local(args[i])) {
            f->params[i]->slot = args[i]->sym->slot;
            continue;
        }
        int slot = new_slot(g);
        store(g, slot, n->sp);
        f->params[i]->slot = slot;
    }
    if (out) {
        branch(g, f->decl->b, when, out);
    } else {
        gen(g, f->decl->b);
    }
    for (int i = 0; i < f->nparams; i++) {
        f->params[i]->slot = saved[i];
    }
    g->nlocals = mark;
}

static void gen_call(cg *g, ast_node *n)
{
    ast_node **args = n->list.items;
    if (!n->sym) {
        switch ((chk_builtin)n->builtin) {
        case BUILTIN_TEXT: {
            /* text(x, plain): as an output field writes x (the checker
             * let only 'plain' be a second argument). */
            bool plain = n->list.count == 2;
            const ty *t = args[0]->ty;
            if (ty_money_dyn(t) && !plain) {
                /* the currency is the value's: TO_TEXT writes "£1,234.50"
                 * for GBP, "EUR 1,234.50" for another */
                gen(g, args[0]);
                emit(g, OP_TO_TEXT, n->sp, 0,
                     ASM_OPERANDS(text_places(t) | BC_TEXT_GROUPED |
                                  BC_TEXT_POUND));
                return;
            }
            if (t && t->kind == TY_MONEY && !plain) {
                /* "£1,234.50" and "-£5.00"; other currencies "EUR
                 * 1,234.50" and "EUR -5.00" */
                const char *cur = t->currency ? t->currency : "GBP";
                bool gbp = strcmp(cur, "GBP") == 0;
                if (!gbp) {
                    char pre[16];
                    int len = snprintf(pre, sizeof pre, "%s ", cur);
                    push_text(g, pre, (size_t)len, n->sp);
                }
                gen(g, args[0]);
                emit(g, OP_TO_TEXT, n->sp, 0,
                     ASM_OPERANDS(text_places(t) | BC_TEXT_GROUPED |
                                  (gbp ? BC_TEXT_POUND : 0)));
                if (!gbp) {
                    op0(g, OP_CONCAT, n->sp);
                }
                return;
            }
            gen(g, args[0]);
            if (t && t->kind == TY_PERCENT && plain) {
                /* percentage points, as output writes them: "40" */
                op16(g, OP_CONST,
                     constant(g, val_dec(dec_from_int(100)), n->sp), n->sp, 0);
                op0(g, OP_MUL_DEC, n->sp);
                emit(g, OP_TO_TEXT, n->sp, 0, ASM_OPERANDS(BC_PLACES_ANY));
                return;
            }
            emit(g, OP_TO_TEXT, n->sp, 0, ASM_OPERANDS(text_places(t)));
            return;
        }
        case BUILTIN_ROUND: {
            /* A percent is held as a fraction (83.33% is 0.8333) but its
             * places count in percent units, as it is written and
             * printed: round 100 times it, then scale back (exact). */
            bool pct = args[0]->ty && args[0]->ty->kind == TY_PERCENT;
            gen(g, args[0]);
            uint16_t hundred = 0;
            if (pct) {
                hundred = constant(g, val_dec(dec_from_int(100)), n->sp);
                op16(g, OP_CONST, hundred, n->sp, 0);
                op0(g, OP_MUL_DEC, n->sp);
            }
            gen(g, args[1]);
            emit(g, OP_ROUND, n->sp, 0, ASM_OPERANDS((uint32_t)args[2]->num));
            if (pct) {
                op16(g, OP_CONST, hundred, n->sp, 0);
                op0(g, OP_DIV_DEC, n->sp);
            }
            return;
        }
        case BUILTIN_MIN:
        case BUILTIN_MAX:
            gen(g, args[0]);
            gen(g, args[1]);
            cur_join(g, args[0], args[1],
                     n->builtin == BUILTIN_MIN ? BC_CUR_MIN : BC_CUR_MAX, false,
                     n->sp);
            op0(g, n->builtin == BUILTIN_MIN ? OP_MIN : OP_MAX, n->sp);
            return;
        case BUILTIN_COUNT:
            gen(g, args[0]);
            op0(g, OP_LIST_LEN, n->sp);
            return;
        case BUILTIN_IS_WORKING_DAY:
            gen(g, args[0]);
            push_holidays(g, n->sp);
            op0(g, OP_IS_WORKING, n->sp);
            return;
        case BUILTIN_ADD_WORKING_DAYS:
        case BUILTIN_WORKING_DAYS_BETWEEN:
            gen(g, args[0]);
            gen(g, args[1]);
            push_holidays(g, n->sp);
            op0(g, n->builtin == BUILTIN_ADD_WORKING_DAYS ? OP_WORKING_END
                                                          : OP_WORKING_COUNT,
                n->sp);
            return;
        case BUILTIN_LOCAL_DATE:
            gen(g, args[0]);
            op0(g, OP_LOCAL_DATE, n->sp);
            return;
        case BUILTIN_NONE: /* the checker resolves every call */
        case BUILTIN_SUM:  /* aggregates: gen_comprehension */
        case BUILTIN_LOWEST:
        case BUILTIN_HIGHEST:
        case BUILTIN_FIRST:
        case BUILTIN_SORT:
        case BUILTIN_ALL:
        case BUILTIN_ANY:
        case BUILTIN_KIND_COUNT:
            break;
        }
        fail(g, n->sp, "internal error: '%s' is not a builtin call",
             n->name ? n->name : "?");
        return;
    }
    if (!g->c->plain && inlinable(n->sym)) {
        inline_call(g, n, n->sym, false, NULL);
        return;
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        gen(g, args[i]);
    }
    if (n->sym->kind == SYM_EXTERN) {
        cite(g, n->sym->decl->cite, n->sp);
    }
    if (n->sym->kind != SYM_EXTERN) {
        trace_call(g, (uint16_t)n->sym->index, n->sp);
    }
    op16(g, n->sym->kind == SYM_EXTERN ? OP_CALL_NATIVE : OP_CALL,
         (uint16_t)n->sym->index, n->sp, (int)n->list.count);
}

static void gen_name(cg *g, ast_node *n)
{
    sym *s = n->sym;
    switch (s->kind) {
    case SYM_LOCAL:
        load(g, s->slot, n->sp);
        break;
    case SYM_FIELD:
        load(g, 0, n->sp);
        field(g, (uint16_t)s->owner->index, (uint16_t)s->ordinal, n->sp);
        break;
    case SYM_PARAM:
    case SYM_DEF:
    case SYM_RULE:
        trace_call(g, (uint16_t)s->index, n->sp);
        op16(g, OP_CALL, (uint16_t)s->index, n->sp, 0);
        break;
    case SYM_EXTERN:
        cite(g, s->decl->cite, n->sp);
        op16(g, OP_CALL_NATIVE, (uint16_t)s->index, n->sp, 0);
        break;
    case SYM_INPUT:
        op0(g, OP_INPUT, n->sp);
        break;
    case SYM_MEMBER: {
        value v = val_none();
        v.kind = VAL_ENUM;
        v.type = (uint16_t)s->owner->index;
        v.as.i = s->ordinal;
        op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        break;
    }
    default:
        fail(g, n->sp, "internal error: cannot compile name '%s'", n->name);
    }
}

/* Pushes the policy's declared holidays, the operand the working-day
 * instructions take: none when there are none, else a list of dates. */
static void push_holidays(cg *g, tly_span sp)
{
    tly_checked *k = g->k;
    if (k->nholidays == 0) {
        op0(g, OP_PUSH_NONE, sp);
        return;
    }
    for (int i = 0; i < k->nholidays; i++) {
        value v = val_none();
        v.kind = VAL_DATE;
        v.as.i = k->holidays[i];
        op16(g, OP_CONST, constant(g, v, sp), sp, 0);
    }
    op16(g, OP_LIST, (uint16_t)k->nholidays, sp, k->nholidays);
}

/* The date, date-time or duration operator the checker chose (n->aux, a
 * chk_date_op), after both operands. */
static void gen_date_op(cg *g, ast_node *n)
{
    int unit = n->b->ty ? n->b->ty->unit : 0;
    uint32_t rule = unit == AST_UNIT_MONTHS_EARLIER ? DATE_MONTH_EARLIER
                    : unit == AST_UNIT_MONTHS_LATER ? DATE_MONTH_LATER
                                                    : DATE_MONTH_EXACT;
    switch ((chk_date_op)n->aux) {
    case DOP_ADD_DAYS: op0(g, OP_ADD_DAYS, n->sp); return;
    case DOP_SUB_DAYS: op0(g, OP_SUB_DAYS, n->sp); return;
    case DOP_ADD_MONTHS:
        emit(g, OP_ADD_MONTHS, n->sp, 0, ASM_OPERANDS(rule));
        return;
    case DOP_SUB_MONTHS:
        emit(g, OP_SUB_MONTHS, n->sp, 0, ASM_OPERANDS(rule));
        return;
    case DOP_ADD_WORKING:
    case DOP_SUB_WORKING:
        push_holidays(g, n->sp);
        op0(g, n->aux == DOP_ADD_WORKING ? OP_ADD_WORKING : OP_SUB_WORKING,
            n->sp);
        return;
    case DOP_DAYS_BETWEEN: op0(g, OP_DAYS_BETWEEN, n->sp); return;
    case DOP_ADD_SECONDS:
    case DOP_SUB_SECONDS:
    case DOP_ADD_DAYS_TIME:
    case DOP_SUB_DAYS_TIME: {
        bool add = n->aux == DOP_ADD_SECONDS || n->aux == DOP_ADD_DAYS_TIME;
        uint32_t u = n->aux == DOP_ADD_DAYS_TIME || n->aux == DOP_SUB_DAYS_TIME
                         ? BC_UNIT_DAYS
                         : BC_UNIT_SECONDS;
        emit(g, add ? OP_ADD_SECONDS : OP_SUB_SECONDS, n->sp, 0,
             ASM_OPERANDS(u));
        return;
    }
    case DOP_SCALE: op0(g, OP_MUL_DUR, n->sp); return;
    case DOP_NONE:
    case DOP_COUNT:
        break;
    }
    fail(g, n->sp, "internal error: unknown date operation %d", n->aux);
}

static void gen_arith(cg *g, ast_node *n)
{
    int op = n->op;
    gen(g, n->a);
    gen(g, n->b);
    if (n->ty->kind == TY_TEXT) {
        op0(g, OP_CONCAT, n->sp);
        return;
    }
    if (n->aux != DOP_NONE) {
        gen_date_op(g, n);
        return;
    }
    bool ints = is_int(n->a) && is_int(n->b);
    bc_op o;
    bc_cur_verb verb;
    switch (op) {
    case '+': o = ints ? OP_ADD_INT : OP_ADD_DEC; verb = BC_CUR_ADD; break;
    case '-': o = ints ? OP_SUB_INT : OP_SUB_DEC; verb = BC_CUR_SUB; break;
    case '*': o = ints ? OP_MUL_INT : OP_MUL_DEC; verb = BC_CUR_MUL; break;
    default: o = OP_DIV_DEC; verb = BC_CUR_DIV; break;
    }
    cur_join(g, n->a, n->b, verb, n->ty->kind != TY_MONEY, n->sp);
    op0(g, o, n->sp);
}

static void gen_binary(cg *g, ast_node *n)
{
    switch (n->op) {
    case AND:
    case OR: {
        gen(g, n->a);
        fwd f = jump(g, n->op == AND ? OP_JUMP_IF_FALSE : OP_JUMP_IF_TRUE, n->sp);
        gen(g, n->b);
        fwd end = jump(g, OP_JUMP, n->sp);
        land(g, f);
        op0(g, n->op == AND ? OP_PUSH_FALSE : OP_PUSH_TRUE, n->sp);
        land(g, end);
        return;
    }
    case OTHERWISE: {
        /* The conversion applies to the value, after the none test: off
         * while n->a is compiled, then back, since a definition compiled
         * in place (inline_call) compiles its body more than once. */
        uint8_t conv = n->a->conv;
        bool convert = conv & AUX_TO_DEC;
        n->a->conv &= (uint8_t)~AUX_TO_DEC;
        gen(g, n->a);
        n->a->conv = conv;
        fwd some = jump(g, OP_JUMP_IF_SOME, n->sp);
        op0(g, OP_POP, n->sp);
        gen(g, n->b);
        if (convert) {
            fwd end = jump(g, OP_JUMP, n->sp);
            land(g, some);
            op0(g, OP_INT_TO_DEC, n->sp);
            land(g, end);
        } else {
            land(g, some);
        }
        return;
    }
    case IN:
        gen(g, n->a);
        gen(g, n->b);
        op0(g, OP_IN, n->sp);
        return;
    case '=': case NE: case '<': case LE: case '>': case GE: {
        gen(g, n->a);
        gen(g, n->b);
        bc_op o = n->op == '=' ? OP_EQ : n->op == NE ? OP_NE : n->op == '<' ? OP_LT
                  : n->op == LE ? OP_LE : n->op == '>' ? OP_GT : OP_GE;
        bc_cur_verb verb = n->op == '=' ? BC_CUR_EQ : n->op == NE ? BC_CUR_NE
                           : n->op == '<' ? BC_CUR_LT : n->op == LE ? BC_CUR_LE
                           : n->op == '>' ? BC_CUR_GT : BC_CUR_GE;
        cur_join(g, n->a, n->b, verb, true, n->sp);
        op0(g, o, n->sp);
        return;
    }
    default:
        gen_arith(g, n);
    }
}

/* Adds the jump [f] to the chain [*out] (see fwd). */
static void chain(cg *g, fwd f, fwd *out)
{
    if (!f.at || g->failed) {
        return;
    }
    if (out->at) {
        TALLY_ASSERT(out->depth == f.depth);
        bc_put_u32(g->p->code + f.at, out->at);
    }
    *out = f;
}

/* Compiles condition [c] as control flow: jumps (added to *out) when it
 * is [when], falls through when it is not.  'and', 'or' and 'not' become
 * jumps rather than booleans pushed, tested and popped: in
 * "a and not b" a false a jumps out at once, and no NOT runs. */
static void branch(cg *g, ast_node *c, bool when, fwd *out)
{
    bool logic = c->kind == AST_BINARY && (c->op == AND || c->op == OR);
    if (!g->c->plain && logic) {
        if ((c->op == AND) != when) {
            /* a and b is false, a or b is true, as soon as one side is */
            branch(g, c->a, when, out);
            branch(g, c->b, when, out);
        } else {
            /* a and b is true (a or b false) only if both sides are */
            fwd skip = {0, 0};
            branch(g, c->a, !when, &skip);
            branch(g, c->b, when, out);
            land(g, skip);
        }
        return;
    }
    if (!g->c->plain && c->kind == AST_UNARY && c->op != '-') {
        branch(g, c->a, !when, out); /* not */
        return;
    }
    if (!g->c->plain && c->kind == AST_CALL && c->sym && inlinable(c->sym)) {
        inline_call(g, c, c->sym, when, out); /* sme(s) as a condition */
        return;
    }
    gen(g, c);
    chain(g, jump(g, when ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, c->sp), out);
}

/* Evaluates a condition; for "x is some v" binds v.  Returns the jump
 * taken when the condition does not hold; *some_pop tells whether the
 * not-taken path left the tested value on the stack (to be popped). */
static fwd gen_cond(cg *g, ast_node *c, bool *some_pop)
{
    if (c->kind == AST_SOME_COND) {
        gen(g, c->a);
        fwd f = jump(g, OP_JUMP_IF_NONE, c->sp);
        c->sym->slot = new_slot(g);
        store(g, c->sym->slot, c->sp);
        *some_pop = true;
        return f;
    }
    *some_pop = false;
    fwd no = {0, 0};
    branch(g, c, false, &no);
    return no;
}

static void land_cond(cg *g, fwd f, bool some_pop, tly_span sp)
{
    land(g, f);
    if (some_pop) {
        op0(g, OP_POP, sp);
    }
}

static void gen_if(cg *g, ast_node *n)
{
    int mark = g->nlocals;
    bool some;
    fwd no = gen_cond(g, n->a, &some);
    cover(g, n->b->sp, "then");
    gen(g, n->b);
    g->nlocals = mark;
    fwd end = jump(g, OP_JUMP, n->sp);
    land_cond(g, no, some, n->sp);
    cover(g, n->c->sp, "else");
    gen(g, n->c);
    land(g, end);
}

static void gen_match(cg *g, ast_node *n)
{
    gen(g, n->a);
    int tmp = new_slot(g);
    store(g, tmp, n->sp);
    fwd ends[256];
    uint32_t nends = 0;
    if (n->list.count > 250) {
        fail(g, n->sp, "too many cases in one match");
        return;
    }
    for (uint32_t i = 0; i < n->list.count; i++) {
        ast_node *arm = n->list.items[i];
        fwd hits = {0, 0}; /* every pattern's jump into the arm, chained:
                              an array of 64 dropped the 65th pattern */
        int mark = g->nlocals;
        ast_node *some_pat = NULL;
        for (uint32_t j = 0; j < arm->list.count; j++) {
            ast_node *p = arm->list.items[j];
            load(g, tmp, p->sp);
            if (p->kind == AST_NONE) {
                op0(g, OP_IS_NONE, p->sp);
                chain(g, jump(g, OP_JUMP_IF_TRUE, p->sp), &hits);
            } else if (p->kind == AST_SOME_PAT && p->text) {
                /* other(c): the member 'other' (any code), c its text */
                value v = val_none();
                v.kind = VAL_ENUM;
                v.type = (uint16_t)n->a->ty->decl->index;
                v.as.i = p->aux;
                op16(g, OP_CONST, constant(g, v, p->sp), p->sp, 0);
                op0(g, OP_EQ, p->sp);
                chain(g, jump(g, OP_JUMP_IF_TRUE, p->sp), &hits);
                some_pat = p;
            } else if (p->kind == AST_SOME_PAT) {
                op0(g, OP_IS_NONE, p->sp);
                chain(g, jump(g, OP_JUMP_IF_FALSE, p->sp), &hits);
                some_pat = p;
            } else {
                value v = val_none();
                v.kind = VAL_ENUM;
                v.type = (uint16_t)p->sym->owner->index;
                v.as.i = p->sym->ordinal;
                op16(g, OP_CONST, constant(g, v, p->sp), p->sp, 0);
                op0(g, OP_EQ, p->sp);
                chain(g, jump(g, OP_JUMP_IF_TRUE, p->sp), &hits);
            }
        }
        fwd next = jump(g, OP_JUMP, arm->sp);
        land(g, hits);
        if (some_pat) {
            some_pat->sym->slot = new_slot(g);
            load(g, tmp, some_pat->sp);
            if (some_pat->text) {
                emit(g, OP_TO_TEXT, some_pat->sp, 0, ASM_OPERANDS(BC_PLACES_ANY));
            }
            store(g, some_pat->sym->slot, some_pat->sp);
        }
        cover(g, arm->sp, "case");
        gen(g, arm->a);
        g->nlocals = mark;
        ends[nends++] = jump(g, OP_JUMP, arm->sp);
        land(g, next);
    }
    if (n->c) {
        cover(g, n->c->sp, "else");
        gen(g, n->c);
    } else {
        push_text(g, "no case of the match applies", 28, n->sp);
        op0(g, OP_FAIL, n->sp);
        stack(g, 0, 1); /* the value the match would have produced */
        g->dead = true;
    }
    for (uint32_t i = 0; i < nends; i++) {
        land(g, ends[i]);
    }
}

static void gen_comprehension(cg *g, ast_node *n)
{
    const char *agg = n->name;
    enum { A_LIST, A_SUM, A_COUNT, A_ALL, A_ANY, A_MIN, A_MAX, A_FIRST, A_SORT,
           A_BAD } kind = A_BAD;
    switch ((chk_builtin)n->builtin) {
    case BUILTIN_NONE: kind = agg ? A_BAD : A_LIST; break;
    case BUILTIN_SUM: kind = A_SUM; break;
    case BUILTIN_COUNT: kind = A_COUNT; break;
    case BUILTIN_ALL: kind = A_ALL; break;
    case BUILTIN_ANY: kind = A_ANY; break;
    case BUILTIN_LOWEST: kind = A_MIN; break;
    case BUILTIN_HIGHEST: kind = A_MAX; break;
    case BUILTIN_FIRST: kind = A_FIRST; break;
    case BUILTIN_SORT: kind = A_SORT; break;
    case BUILTIN_TEXT: /* calls: gen_call */
    case BUILTIN_ROUND:
    case BUILTIN_MIN:
    case BUILTIN_MAX:
    case BUILTIN_IS_WORKING_DAY:
    case BUILTIN_ADD_WORKING_DAYS:
    case BUILTIN_WORKING_DAYS_BETWEEN:
    case BUILTIN_LOCAL_DATE:
    case BUILTIN_KIND_COUNT:
        break;
    }
    if (kind == A_BAD) {
        /* The checker rejects any other name: never compiled as a sort. */
        fail(g, n->sp, "internal error: '%s' is not an aggregate",
             agg ? agg : "?");
        stack(g, 0, 1); /* the value the aggregate would have produced */
        return;
    }
    int mark = g->nlocals;
    gen(g, n->b);
    int list = new_slot(g);
    store(g, list, n->sp);
    int idx = new_slot(g);
    push_int(g, 0, n->sp);
    store(g, idx, n->sp);
    int acc = new_slot(g);
    int tmp = -1;

    switch (kind) {
    case A_LIST:
    case A_SORT: op0(g, OP_LIST_NEW, n->sp); break;
    case A_SUM:
        if (n->ty->kind == TY_INT) {
            push_int(g, 0, n->sp);
        } else {
            op16(g, OP_CONST, constant(g, val_dec(dec_from_int(0)), n->sp), n->sp, 0);
        }
        break;
    case A_COUNT: push_int(g, 0, n->sp); break;
    case A_ALL: op0(g, OP_PUSH_TRUE, n->sp); break;
    case A_ANY: op0(g, OP_PUSH_FALSE, n->sp); break;
    default: op0(g, OP_PUSH_NONE, n->sp); break;
    }
    store(g, acc, n->sp);
    if (kind == A_MIN || kind == A_MAX) {
        tmp = new_slot(g);
    }
    /* The loop: FOR_NEXT takes the next element or leaves; idx then holds
     * the element's 1-based position. */
    uint32_t top = here(g);
    g->target = top;
    n->sym->slot = new_slot(g);
    emit(g, OP_FOR_NEXT, n->sp, 0,
         ASM_OPERANDS(0, (uint32_t)list, (uint32_t)idx,
                      (uint32_t)n->sym->slot));
    fwd done = {jump_operand_at(g, OP_FOR_NEXT), g->depth};
    if (n->var2) {
        n->sym2->slot = idx;
    }
    fwd skip = {0, 0};
    if (n->c) {
        branch(g, n->c, false, &skip);
    }
    fwd early = {0, 0};
    switch (kind) {
    case A_LIST:
        load(g, acc, n->sp);
        gen(g, n->a);
        op0(g, OP_LIST_APPEND, n->sp);
        op0(g, OP_POP, n->sp);
        break;
    case A_SORT:
        load(g, acc, n->sp);
        for (uint32_t i = 0; i < n->list2.count; i++) {
            gen(g, n->list2.items[i]->a);
        }
        gen(g, n->a);
        op16(g, OP_LIST, (uint16_t)(n->list2.count + 1), n->sp,
             (int)n->list2.count + 1);
        op0(g, OP_LIST_APPEND, n->sp);
        op0(g, OP_POP, n->sp);
        break;
    case A_SUM:
        load(g, acc, n->sp);
        gen(g, n->a);
        cur_join(g, n->a, n->a, BC_CUR_SUM, false, n->a->sp);
        op0(g, n->ty->kind == TY_INT ? OP_ADD_INT : OP_ADD_DEC, n->sp);
        store(g, acc, n->sp);
        break;
    case A_COUNT:
        load(g, acc, n->sp);
        push_int(g, 1, n->sp);
        op0(g, OP_ADD_INT, n->sp);
        store(g, acc, n->sp);
        break;
    case A_ALL:
    case A_ANY: {
        gen(g, n->a);
        fwd keep = jump(g, kind == A_ALL ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, n->sp);
        op0(g, kind == A_ALL ? OP_PUSH_FALSE : OP_PUSH_TRUE, n->sp);
        store(g, acc, n->sp);
        early = jump(g, OP_JUMP, n->sp);
        land(g, keep);
        break;
    }
    case A_FIRST:
        gen(g, n->a);
        store(g, acc, n->sp);
        early = jump(g, OP_JUMP, n->sp);
        break;
    case A_MIN:
    case A_MAX: {
        gen(g, n->a);
        store(g, tmp, n->sp);
        load(g, acc, n->sp);
        op0(g, OP_IS_NONE, n->sp);
        fwd set = jump(g, OP_JUMP_IF_TRUE, n->sp);
        load(g, acc, n->sp);
        load(g, tmp, n->sp);
        cur_join(g, n->a, n->a, kind == A_MIN ? BC_CUR_LOWEST : BC_CUR_HIGHEST,
                 false, n->a->sp);
        op0(g, kind == A_MIN ? OP_MIN : OP_MAX, n->sp);
        store(g, acc, n->sp);
        fwd next = jump(g, OP_JUMP, n->sp);
        land(g, set);
        load(g, tmp, n->sp);
        store(g, acc, n->sp);
        land(g, next);
        break;
    }
    case A_BAD: /* returned above */
        break;
    }
    land(g, skip);
    loop_to(g, top, n->sp);
    land(g, done);
    land(g, early);
    load(g, acc, n->sp);
    if (kind == A_SORT) {
        uint8_t mask = 0;
        for (uint32_t i = 0; i < n->list2.count; i++) {
            if (n->list2.items[i]->op) {
                mask |= (uint8_t)(1u << i);
            }
        }
        emit(g, OP_SORT, n->sp, 0, ASM_OPERANDS(n->list2.count, mask));
    } else if (kind == A_MIN || kind == A_MAX) {
        fwd ok = jump(g, OP_JUMP_IF_SOME, n->sp);
        op0(g, OP_POP, n->sp);
        const char *msg = kind == A_MIN ? "lowest of no values: the list is empty"
                                        : "highest of no values: the list is empty";
        push_text(g, msg, strlen(msg), n->sp);
        op0(g, OP_FAIL, n->sp);
        g->dead = true;
        land(g, ok);
    }
    g->nlocals = mark;
}

/* The dated rows of parameter or definition [s]. */
static ast_list *rows_of(sym *s)
{
    return s->kind == SYM_DEF ? &s->decl->list2 : &s->decl->list;
}

/* With the date in local [day]: for each of [s]'s rows, latest first,
 * "if day >= from (and day <= until) then call the row"; the row's value
 * is then on the stack and control goes to the [*ends] (at most [cap];
 * *nends counts them).  Falls through, with nothing pushed, when no row
 * is in force.  The row functions take [s]'s parameters, in locals
 * 0..nparams-1. */
static void gen_rows(cg *g, sym *s, int day, tly_span sp, fwd *ends,
                     uint32_t cap, uint32_t *nends)
{
    ast_list *rows = rows_of(s);
    fwd gaps[128];
    uint32_t ngaps = 0;
    for (uint32_t i = rows->count; i-- > 0 && *nends < cap && ngaps < 128;) {
        ast_node *row = rows->items[i];
        value v = val_none();
        v.kind = VAL_DATE;
        v.as.i = row->lo;
        load(g, day, sp);
        op16(g, OP_CONST, constant(g, v, sp), sp, 0);
        op0(g, OP_GE, sp);
        fwd next = jump(g, OP_JUMP_IF_FALSE, sp);
        if (row->has_hi) {
            /* The latest row begun is the one in force, if not ended. */
            v.as.i = row->hi;
            load(g, day, sp);
            op16(g, OP_CONST, constant(g, v, sp), sp, 0);
            op0(g, OP_LE, sp);
            gaps[ngaps++] = jump(g, OP_JUMP_IF_FALSE, sp);
        }
        for (int a = 0; a < s->nparams; a++) {
            load(g, a, sp);
        }
        trace_call(g, (uint16_t)(s->row_base + (int)i), sp);
        op16(g, OP_CALL, (uint16_t)(s->row_base + (int)i), sp, s->nparams);
        ends[(*nends)++] = jump(g, OP_JUMP, sp);
        land(g, next);
    }
    for (uint32_t i = 0; i < ngaps; i++) {
        land(g, gaps[i]);
    }
}

/* [n]: NAME on DATE: the value in force that day, or none. */
static void gen_on(cg *g, ast_node *n)
{
    sym *p = n->sym;
    cite(g, p->decl->cite, n->sp); /* consulted, whether or not in force */
    gen(g, n->b);
    int tmp = new_slot(g);
    store(g, tmp, n->sp);
    fwd ends[128];
    uint32_t nends = 0;
    gen_rows(g, p, tmp, n->sp, ends, 128, &nends);
    op0(g, OP_PUSH_NONE, n->sp);
    for (uint32_t i = 0; i < nends; i++) {
        land(g, ends[i]);
    }
    g->nlocals--;
}

/* " [label, line L, cites X]": exception [w] in a message. */
static void exception_piece(cg *g, ast_node *w, char *buf, size_t cap)
{
    uint32_t line, col;
    uint16_t module;
    position(g, w->sp.start, &line, &col, &module);
    char name[80];
    if (w->name) {
        snprintf(name, sizeof name, "%.60s, ", w->name);
    } else {
        name[0] = '\0';
    }
    if (w->cite) {
        snprintf(buf, cap, " [%sline %u, cites %.120s]", name, line, w->cite->text);
    } else {
        snprintf(buf, cap, " [%sline %u]", name, line);
    }
}

/* The body of definition [s] with exceptions: every condition first; an
 * exception applies when its condition holds and no applicable exception
 * takes priority over it.  None applies: the base value, or, without
 * one, an error; one: its value; more: a conflict error naming them. */
static void gen_exceptions(cg *g, sym *s)
{
    ast_node *d = s->decl;
    ast_list *ex = &d->c->list;
    uint32_t n = ex->count;
    tly_span sp = d->c->sp;
    int mark = g->nlocals;
    int first = g->nlocals;
    for (uint32_t i = 0; i < n; i++) {
        new_slot(g); /* holds: the condition of exception i */
    }
    int wins = g->nlocals;
    for (uint32_t i = 0; i < n; i++) {
        new_slot(g); /* applies: i holds and nothing above it does */
    }
    int count = new_slot(g);
    for (uint32_t i = 0; i < n; i++) {
        gen(g, ex->items[i]->a);
        store(g, first + (int)i, ex->items[i]->sp);
    }
    push_int(g, 0, sp);
    store(g, count, sp);
    for (uint32_t i = 0; i < n; i++) {
        fwd out[64];
        uint32_t nout = 0;
        load(g, first + (int)i, sp);
        out[nout++] = jump(g, OP_JUMP_IF_FALSE, sp);
        for (uint32_t j = 0; j < n; j++) {
            if (ex->items[j]->num >> i & 1) { /* j takes priority over i */
                load(g, first + (int)j, sp);
                out[nout++] = jump(g, OP_JUMP_IF_TRUE, sp);
            }
        }
        op0(g, OP_PUSH_TRUE, sp);
        store(g, wins + (int)i, sp);
        load(g, count, sp);
        push_int(g, 1, sp);
        op0(g, OP_ADD_INT, sp);
        store(g, count, sp);
        fwd next = jump(g, OP_JUMP, sp);
        for (uint32_t k = 0; k < nout; k++) {
            land(g, out[k]);
        }
        op0(g, OP_PUSH_FALSE, sp);
        store(g, wins + (int)i, sp);
        land(g, next);
    }
    char buf[400];
    /* More than one applies: a conflict. */
    load(g, count, sp);
    push_int(g, 1, sp);
    op0(g, OP_GT, sp);
    fwd no_conflict = jump(g, OP_JUMP_IF_FALSE, sp);
    snprintf(buf, sizeof buf, "conflict in '%s': these exceptions all apply "
             "and none takes priority over the others:", s->name);
    push_text(g, buf, strlen(buf), sp);
    for (uint32_t i = 0; i < n; i++) {
        load(g, wins + (int)i, sp);
        fwd skip = jump(g, OP_JUMP_IF_FALSE, sp);
        exception_piece(g, ex->items[i], buf, sizeof buf);
        push_text(g, buf, strlen(buf), sp);
        op0(g, OP_CONCAT, sp);
        land(g, skip);
    }
    op0(g, OP_FAIL, sp);
    g->dead = true;
    land(g, no_conflict);
    /* One applies: its value. */
    fwd ends[64];
    uint32_t nends = 0;
    for (uint32_t i = 0; i < n; i++) {
        ast_node *w = ex->items[i];
        load(g, wins + (int)i, w->sp);
        fwd next = jump(g, OP_JUMP_IF_FALSE, w->sp);
        cover(g, w->sp, "exception");
        cite(g, w->cite, w->sp);
        gen(g, w->b);
        ends[nends++] = jump(g, OP_JUMP, w->sp);
        land(g, next);
    }
    /* None applies. */
    if (d->b) {
        cover(g, d->b->sp, "no exception applies");
        gen(g, d->b);
    } else {
        strbuf m;
        sb_init(&m, g->pa->mem);
        sb_printf(&m, "no case of '%s' applies: it has no value of its own "
                  "and none of its exceptions applies:", s->name);
        for (uint32_t i = 0; i < n; i++) {
            exception_piece(g, ex->items[i], buf, sizeof buf);
            sb_puts(&m, buf);
        }
        if (m.failed) {
            oom(g);
        } else {
            push_text(g, m.p, m.len, sp);
        }
        sb_free(&m);
        op0(g, OP_FAIL, sp);
        stack(g, 0, 1); /* stands for the value this way never gives */
        g->dead = true;
    }
    for (uint32_t i = 0; i < nends; i++) {
        land(g, ends[i]);
    }
    g->nlocals = mark;
}

/* ---- decision tables -------------------------------------------------- */

/* Jumps to [*miss] unless the inputs (the table's parameters, locals
 * 0..n-1) match [row]; falls through when they do. */
static void gen_row_test(cg *g, ast_node *row, fwd *miss)
{
    static const bc_op cmp[] = {
        [AST_ENTRY_EQ] = OP_EQ, [AST_ENTRY_NE] = OP_NE, [AST_ENTRY_LT] = OP_LT,
        [AST_ENTRY_LE] = OP_LE, [AST_ENTRY_GT] = OP_GT, [AST_ENTRY_GE] = OP_GE,
    };
    for (uint32_t j = 0; j < row->list.count; j++) {
        ast_node *e = row->list.items[j];
        switch ((ast_entry)e->op) {
        case AST_ENTRY_ANY:
            break;
        case AST_ENTRY_EQ: case AST_ENTRY_NE: case AST_ENTRY_LT:
        case AST_ENTRY_LE: case AST_ENTRY_GT: case AST_ENTRY_GE:
            load(g, (int)j, e->sp);
            gen(g, e->a);
            op0(g, cmp[e->op], e->sp);
            chain(g, jump(g, OP_JUMP_IF_FALSE, e->sp), miss);
            break;
        case AST_ENTRY_RANGE:
            load(g, (int)j, e->sp);
            gen(g, e->a);
            op0(g, e->num & 1 ? OP_GE : OP_GT, e->sp);
            chain(g, jump(g, OP_JUMP_IF_FALSE, e->sp), miss);
            load(g, (int)j, e->sp);
            gen(g, e->b);
            op0(g, e->num & 2 ? OP_LE : OP_LT, e->sp);
            chain(g, jump(g, OP_JUMP_IF_FALSE, e->sp), miss);
            break;
        case AST_ENTRY_SET: {
            fwd hit = {0, 0};
            for (uint32_t i = 0; i < e->list.count; i++) {
                load(g, (int)j, e->sp);
                gen(g, e->list.items[i]);
                op0(g, OP_EQ, e->sp);
                chain(g, jump(g, OP_JUMP_IF_TRUE, e->sp), &hit);
            }
            chain(g, jump(g, OP_JUMP, e->sp), miss);
            land(g, hit);
            break;
        }
        }
    }
    cover(g, row->sp, "row");
}

/* Pushes "[prefix] value = 12, sme = true": [prefix] and the table's
 * inputs, as text. */
static void push_inputs(cg *g, sym *s, const char *prefix, tly_span sp)
{
    push_text(g, prefix, strlen(prefix), sp);
    for (int j = 0; j < s->nparams; j++) {
        char name[120];
        snprintf(name, sizeof name, "%s%.100s = ", j ? ", " : "", s->params[j]->name);
        push_text(g, name, strlen(name), sp);
        op0(g, OP_CONCAT, sp);
        load(g, j, sp);
        emit(g, OP_TO_TEXT, sp, 0, ASM_OPERANDS(BC_PLACES_ANY));
        op0(g, OP_CONCAT, sp);
    }
}

/* Fails with "no row of table 'x' matches value = ...". */
static void gen_no_row(cg *g, sym *s, tly_span sp)
{
    char msg[200];
    snprintf(msg, sizeof msg, "no row of table '%.120s' matches ", s->name);
    push_inputs(g, s, msg, sp);
    op0(g, OP_FAIL, sp);
    stack(g, 0, 1); /* stands for the value this way never gives */
    g->dead = true;
}

/* Fails with [what] and the inputs, then " [row N, line L, cites X]" for
 * each row whose slot in [matched] holds true. */
static void gen_rows_fail(cg *g, sym *s, const char *what, int matched, tly_span sp)
{
    push_inputs(g, s, what, sp);
    push_text(g, ":", 1, sp);
    op0(g, OP_CONCAT, sp);
    ast_list *rows = &s->decl->list2;
    for (uint32_t r = 0; r < rows->count; r++) {
        ast_node *row = rows->items[r];
        char piece[300], at[200];
        exception_piece(g, row, at, sizeof at);
        snprintf(piece, sizeof piece, " [row %u, %s", r + 1, at + 2);
        load(g, matched + (int)r, sp);
        fwd skip = jump(g, OP_JUMP_IF_FALSE, sp);
        push_text(g, piece, strlen(piece), sp);
        op0(g, OP_CONCAT, sp);
        land(g, skip);
    }
    op0(g, OP_FAIL, sp);
    g->dead = true;
}

/* The rows of priority table [s] in the order they are tried: by the
 * place of their output (an enum member the checker has required) in
 * its enum, then in the order written. */
static void priority_order(ast_list *rows, uint32_t *order)
{
    for (uint32_t i = 0; i < rows->count; i++) {
        order[i] = i;
    }
    for (uint32_t i = 1; i < rows->count; i++) {
        for (uint32_t k = i; k > 0; k--) {
            const sym *a = rows->items[order[k - 1]]->a->sym;
            const sym *b = rows->items[order[k]]->a->sym;
            if (a->ordinal <= b->ordinal) {
                break;
            }
            uint32_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    }
}

/* The body of decision table [s] under its hit policy (ast.h ast_hit);
 * the rows that decide are cited as they do. */
static void gen_table(cg *g, sym *s)
{
    ast_node *d = s->decl;
    ast_list *rows = &d->list2;
    uint32_t n = rows->count;
    tly_span sp = d->c->sp;
    int mark = g->nlocals;
    ast_hit hit = (ast_hit)d->c->op;
    switch (hit) {
    case AST_HIT_FIRST:
    case AST_HIT_PRIORITY: {
        uint32_t *order = arena_alloc(g->pa, (n ? n : 1) * sizeof *order);
        if (!order) {
            oom(g);
            return;
        }
        if (hit == AST_HIT_PRIORITY) {
            priority_order(rows, order);
        } else {
            for (uint32_t i = 0; i < n; i++) {
                order[i] = i;
            }
        }
        fwd ends = {0, 0};
        for (uint32_t i = 0; i < n; i++) {
            ast_node *row = rows->items[order[i]];
            fwd miss = {0, 0};
            gen_row_test(g, row, &miss);
            cite(g, row->cite, row->sp);
            gen(g, row->a);
            chain(g, jump(g, OP_JUMP, row->sp), &ends);
            land(g, miss);
        }
        if (!g->dead) {
            gen_no_row(g, s, sp);
        }
        land(g, ends);
        break;
    }
    case AST_HIT_UNIQUE:
    case AST_HIT_ANY: {
        int matched = g->nlocals;
        for (uint32_t i = 0; i < n; i++) {
            new_slot(g); /* holds: row i matches */
        }
        int count = new_slot(g);
        push_int(g, 0, sp);
        store(g, count, sp);
        for (uint32_t i = 0; i < n; i++) {
            ast_node *row = rows->items[i];
            fwd miss = {0, 0};
            gen_row_test(g, row, &miss);
            load(g, count, row->sp);
            push_int(g, 1, row->sp);
            op0(g, OP_ADD_INT, row->sp);
            store(g, count, row->sp);
            op0(g, OP_PUSH_TRUE, row->sp);
            fwd next = jump(g, OP_JUMP, row->sp);
            land(g, miss);
            op0(g, OP_PUSH_FALSE, row->sp);
            land(g, next);
            store(g, matched + (int)i, row->sp);
        }
        load(g, count, sp);
        push_int(g, 0, sp);
        op0(g, OP_GT, sp);
        fwd some = jump(g, OP_JUMP_IF_TRUE, sp);
        gen_no_row(g, s, sp);
        land(g, some);
        char what[200];
        if (hit == AST_HIT_UNIQUE) {
            load(g, count, sp);
            push_int(g, 1, sp);
            op0(g, OP_GT, sp);
            fwd one = jump(g, OP_JUMP_IF_FALSE, sp);
            snprintf(what, sizeof what, "more than one row of table '%.120s' matches ",
                     s->name);
            gen_rows_fail(g, s, what, matched, sp);
            land(g, one);
        }
        /* The first row that matches gives the value. */
        int val = new_slot(g);
        fwd got = {0, 0};
        for (uint32_t i = 0; i < n; i++) {
            ast_node *row = rows->items[i];
            fwd next = {0, 0};
            if (i + 1 < n) {
                load(g, matched + (int)i, row->sp);
                next = jump(g, OP_JUMP_IF_FALSE, row->sp);
            }
            cite(g, row->cite, row->sp);
            gen(g, row->a);
            store(g, val, row->sp);
            chain(g, jump(g, OP_JUMP, row->sp), &got);
            land(g, next);
        }
        land(g, got);
        if (hit == AST_HIT_ANY) {
            /* Every other row that matches must give the same. */
            fwd bad = {0, 0};
            for (uint32_t i = 1; i < n; i++) {
                ast_node *row = rows->items[i];
                load(g, matched + (int)i, row->sp);
                fwd skip = jump(g, OP_JUMP_IF_FALSE, row->sp);
                cite(g, row->cite, row->sp);
                gen(g, row->a);
                load(g, val, row->sp);
                op0(g, OP_NE, row->sp);
                chain(g, jump(g, OP_JUMP_IF_TRUE, row->sp), &bad);
                land(g, skip);
            }
            fwd fine = jump(g, OP_JUMP, sp);
            land(g, bad);
            snprintf(what, sizeof what, "rows of table '%.120s' give different "
                     "outputs for ", s->name);
            gen_rows_fail(g, s, what, matched, sp);
            land(g, fine);
        }
        load(g, val, sp);
        break;
    }
    case AST_HIT_LIST:
    case AST_HIT_SUM:
    case AST_HIT_COUNT: {
        int acc = new_slot(g);
        if (hit == AST_HIT_LIST) {
            op0(g, OP_LIST_NEW, sp);
        } else if (hit == AST_HIT_COUNT || s->ty->kind == TY_INT) {
            push_int(g, 0, sp);
        } else {
            op16(g, OP_CONST, constant(g, val_dec(dec_from_int(0)), sp), sp, 0);
        }
        store(g, acc, sp);
        for (uint32_t i = 0; i < n; i++) {
            ast_node *row = rows->items[i];
            fwd miss = {0, 0};
            gen_row_test(g, row, &miss);
            cite(g, row->cite, row->sp);
            load(g, acc, row->sp);
            if (hit == AST_HIT_COUNT) {
                push_int(g, 1, row->sp);
                op0(g, OP_ADD_INT, row->sp);
                store(g, acc, row->sp);
            } else if (hit == AST_HIT_SUM) {
                gen(g, row->a);
                cur_join(g, row->a, row->a, BC_CUR_SUM, false, row->sp);
                op0(g, s->ty->kind == TY_INT ? OP_ADD_INT : OP_ADD_DEC, row->sp);
                store(g, acc, row->sp);
            } else {
                gen(g, row->a);
                op0(g, OP_LIST_APPEND, row->sp);
                op0(g, OP_POP, row->sp);
            }
            land(g, miss);
        }
        load(g, acc, sp);
        break;
    }
    case AST_HIT_MIN:
    case AST_HIT_MAX: {
        int acc = new_slot(g), have = new_slot(g);
        op0(g, OP_PUSH_FALSE, sp);
        store(g, have, sp);
        op0(g, OP_PUSH_NONE, sp);
        store(g, acc, sp);
        for (uint32_t i = 0; i < n; i++) {
            ast_node *row = rows->items[i];
            fwd miss = {0, 0};
            gen_row_test(g, row, &miss);
            cite(g, row->cite, row->sp);
            gen(g, row->a);
            load(g, have, row->sp);
            fwd first = jump(g, OP_JUMP_IF_FALSE, row->sp);
            load(g, acc, row->sp);
            cur_join(g, row->a, row->a, hit == AST_HIT_MIN ? BC_CUR_MIN : BC_CUR_MAX, false,
                     row->sp);
            op0(g, hit == AST_HIT_MIN ? OP_MIN : OP_MAX, row->sp);
            land(g, first);
            store(g, acc, row->sp);
            op0(g, OP_PUSH_TRUE, row->sp);
            store(g, have, row->sp);
            land(g, miss);
        }
        load(g, have, sp);
        fwd some = jump(g, OP_JUMP_IF_TRUE, sp);
        gen_no_row(g, s, sp);
        land(g, some);
        load(g, acc, sp);
        break;
    }
    }
    g->nlocals = mark;
}

/* ---- findings ------------------------------------------------------------ */

/* The head of a `for x in LIST` that a finding or a report goes through:
 * evaluates [list] into a slot, starts its index at 0 in another, and
 * emits, at the loop's top (*top, where each turn starts again: loop_to),
 * the FOR_NEXT that puts the next element in a new slot given to [var]
 * or leaves.  The jump returned lands after the loop (land). */
static fwd begin_list_loop(cg *g, ast_node *list, sym *var, tly_span sp, uint32_t *top)
{
    gen(g, list);
    int slot = new_slot(g);
    store(g, slot, sp);
    int idx = new_slot(g);
    push_int(g, 0, sp);
    store(g, idx, sp);
    *top = here(g);
    g->target = *top;
    var->slot = new_slot(g);
    emit(g, OP_FOR_NEXT, sp, 0,
         ASM_OPERANDS(0, (uint32_t)slot, (uint32_t)idx, (uint32_t)var->slot));
    return (fwd){jump_operand_at(g, OP_FOR_NEXT), g->depth};
}

/* The findings function: the list of the findings that hold for the
 * record, in the order declared (and, for one that goes through a list,
 * in the list's order), each a record of k->finding. */
static void gen_findings(cg *g, tly_checked *k)
{
    tly_span sp0 = k->findings[0]->sp;
    int acc = new_slot(g);
    op0(g, OP_LIST_NEW, sp0);
    store(g, acc, sp0);
    for (int i = 0; i < k->nfindings && !g->failed; i++) {
        ast_node *f = k->findings[i];
        tly_span sp = f->sp;
        int mark = g->nlocals;
        uint32_t top = 0;
        fwd done = {0, 0};
        if (f->c) {
            done = begin_list_loop(g, f->c->a, f->c->sym, sp, &top);
        }
        fwd skip = {0, 0};
        branch(g, f->a, false, &skip);
        cite(g, f->cite, sp);
        load(g, acc, sp);
        push_text(g, f->text, f->len, sp);
        push_text(g, f->name, strlen(f->name), sp);
        gen(g, f->b);
        if (f->cite) {
            push_text(g, f->cite->text, f->cite->len, sp);
        } else {
            op0(g, OP_PUSH_NONE, sp);
        }
        if (f->cite && f->cite->text2) {
            push_text(g, f->cite->text2, (size_t)f->cite->num, sp);
        } else {
            op0(g, OP_PUSH_NONE, sp);
        }
        op16(g, OP_RECORD, (uint16_t)k->finding->index, sp, 5);
        op0(g, OP_LIST_APPEND, sp);
        op0(g, OP_POP, sp);
        land(g, skip);
        if (f->c) {
            loop_to(g, top, sp);
            land(g, done);
        }
        g->nlocals = mark;
    }
    load(g, acc, sp0);
}

/* ---- reports ------------------------------------------------------------- */

/* The rows function of report [d]: the list of the rows the record gives
 * it, each a record of d->sym2 (the keys, then each column's argument):
 * one row, or none when 'where' fails, for 'for each'; one per element
 * that passes 'where' for 'for x in LIST'. */
static void gen_report(cg *g, ast_node *d)
{
    tly_span sp = d->sp;
    int acc = new_slot(g);
    op0(g, OP_LIST_NEW, sp);
    store(g, acc, sp);
    uint32_t top = 0;
    fwd done = {0, 0};
    ast_node *v = d->c;
    if (v->a) {
        done = begin_list_loop(g, v->a, v->sym, sp, &top);
    }
    fwd skip = {0, 0};
    if (d->b) {
        branch(g, d->b, false, &skip);
    }
    load(g, acc, sp);
    uint32_t n = d->list.count + d->list2.count;
    for (uint32_t i = 0; i < d->list.count; i++) {
        gen(g, d->list.items[i]->a);
    }
    for (uint32_t i = 0; i < d->list2.count; i++) {
        ast_node *col = d->list2.items[i];
        if (col->num == BC_AGG_VSHARE && col->op == 2) {
            /* [PART, WHOLE] */
            gen(g, col->b);
            gen(g, col->c);
            op16(g, OP_LIST, 2, col->sp, 2);
        } else if (col->num == BC_AGG_VSHARE) {
            /* [VALUE if COND else none, VALUE] */
            gen(g, col->b);
            fwd f = jump(g, OP_JUMP_IF_FALSE, col->sp);
            gen(g, col->c);
            fwd end = jump(g, OP_JUMP, col->sp);
            land(g, f);
            op0(g, OP_PUSH_NONE, col->sp);
            land(g, end);
            gen(g, col->c);
            op16(g, OP_LIST, 2, col->sp, 2);
        } else if (col->b) {
            gen(g, col->b);
        } else {
            push_int(g, 1, col->sp);
        }
    }
    op16(g, OP_RECORD, (uint16_t)d->sym2->index, sp, (int)n);
    op0(g, OP_LIST_APPEND, sp);
    op0(g, OP_POP, sp);
    if (d->b) {
        land(g, skip);
    }
    if (v->a) {
        loop_to(g, top, sp);
        land(g, done);
    }
    load(g, acc, sp);
}

/* The body of dated [s] named without 'on': its value on the evaluation
 * date ([asof_fn]), or a runtime error naming it and the date. */
static void gen_dated(cg *g, sym *s, uint16_t asof_fn)
{
    tly_span sp = s->decl->sp;
    op16(g, OP_CALL, asof_fn, sp, 0);
    int day = new_slot(g);
    store(g, day, sp);
    fwd ends[128];
    uint32_t nends = 0;
    gen_rows(g, s, day, sp, ends, 128, &nends);
    char msg[300];
    snprintf(msg, sizeof msg, "no value of '%s' is in force on ", s->name);
    push_text(g, msg, strlen(msg), sp);
    load(g, day, sp);
    emit(g, OP_TO_TEXT, sp, 0, ASM_OPERANDS(BC_PLACES_ANY));
    op0(g, OP_CONCAT, sp);
    op0(g, OP_FAIL, sp);
    stack(g, 0, 1); /* stands for the value this way never gives */
    g->dead = true;
    for (uint32_t i = 0; i < nends; i++) {
        land(g, ends[i]);
    }
}

/* The evaluation-date function: the run's date (tally run --as-of) when
 * it gives one, else the policy's 'as of', else a runtime error saying
 * how to give one. */
static void gen_asof(cg *g, ast_node *asof, tly_span sp)
{
    op0(g, OP_EVAL_DATE, sp);
    fwd done = jump(g, OP_JUMP_IF_SOME, sp);
    op0(g, OP_POP, sp);
    if (asof) {
        gen(g, asof->a);
    } else {
        static const char msg[] =
            "no evaluation date: the policy has dated values but no 'as of' "
            "line, and the run gives no --as-of date";
        push_text(g, msg, sizeof msg - 1, sp);
        op0(g, OP_FAIL, sp);
        stack(g, 0, 1);
        g->dead = true;
    }
    land(g, done);
}

static void gen_inner(cg *g, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_INT:
        push_int(g, strtoll(n->text, NULL, 10), n->sp);
        break;
    case AST_DEC:
    case AST_MONEY: {
        value v;
        if (lit_dec(g, n->text, n->sp, &v)) {
            op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        }
        break;
    }
    case AST_PERCENT: {
        value v;
        if (lit_dec(g, n->text, n->sp, &v)) {
            dec hundred = dec_from_int(100);
            if (dec_div(g->pa, &v.as.d, &hundred, &v.as.d) != DEC_OK) {
                oom(g);
            }
            op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        }
        break;
    }
    case AST_TEXT:
        push_text(g, n->text, n->len, n->sp);
        break;
    case AST_DATE: {
        value v = val_none();
        v.kind = VAL_DATE;
        v.as.i = n->num;
        op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        break;
    }
    case AST_DATETIME: {
        value v = val_none();
        v.kind = VAL_DATETIME;
        date_instant_parse(n->text, strlen(n->text), &v.as.t);
        op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        break;
    }
    case AST_DURATION: {
        value v = val_none();
        v.kind = VAL_DURATION;
        v.as.i = n->num;
        op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
        break;
    }
    case AST_BOOL:
        op0(g, n->num ? OP_PUSH_TRUE : OP_PUSH_FALSE, n->sp);
        break;
    case AST_NONE:
        op0(g, OP_PUSH_NONE, n->sp);
        break;
    case AST_NAME:
        gen_name(g, n);
        break;
    case AST_GET:
        gen(g, n->a);
        field(g, (uint16_t)n->sym->index, (uint16_t)n->aux, n->name_sp);
        break;
    case AST_INDEX:
        gen(g, n->a);
        gen(g, n->b);
        if (n->aux == 1) {
            push_int(g, 1, n->sp);
            op0(g, OP_SUB_INT, n->sp);
            op0(g, OP_LIST_GET, n->sp);
        } else {
            op0(g, OP_MAP_GET, n->sp);
        }
        break;
    case AST_CALL:
        gen_call(g, n);
        break;
    case AST_UNARY:
        gen(g, n->a);
        if (n->op == '-') {
            op0(g, is_int(n->a) ? OP_NEG_INT : OP_NEG_DEC, n->sp);
        } else {
            op0(g, OP_NOT, n->sp);
        }
        break;
    case AST_BINARY:
        gen_binary(g, n);
        break;
    case AST_IS_NONE:
        gen(g, n->a);
        op0(g, OP_IS_NONE, n->sp);
        if (n->op) {
            op0(g, OP_NOT, n->sp);
        }
        break;
    case AST_IF:
        gen_if(g, n);
        break;
    case AST_MATCH:
        gen_match(g, n);
        break;
    case AST_LET: {
        int mark = g->nlocals;
        gen(g, n->a);
        n->sym->slot = new_slot(g);
        store(g, n->sym->slot, n->sp);
        gen(g, n->b);
        g->nlocals = mark;
        break;
    }
    case AST_LIST_LIT:
        if (n->list.count > 0xFFFF) { /* LIST's operand is 16 bits */
            fail(g, n->sp, "too many items in one list (at most 65535)");
            break;
        }
        for (uint32_t i = 0; i < n->list.count; i++) {
            gen(g, n->list.items[i]);
        }
        op16(g, OP_LIST, (uint16_t)n->list.count, n->sp, (int)n->list.count);
        break;
    case AST_COMPREH:
        gen_comprehension(g, n);
        break;
    case AST_RECORD_LIT: {
        /* Initializers by field, on a stack shared with the literals
         * nested in them: a scan of the initializers per field was
         * quadratic in a record's size. */
        sym *r = n->sym;
        uint32_t base = g->ninits;
        if (!grow(g, (void **)&g->inits, &g->cap_inits, g->ninits,
                  base + (uint32_t)r->nfields, sizeof *g->inits)) {
            break;
        }
        if (r->nfields) {
            memset(g->inits + base, 0, (size_t)r->nfields * sizeof *g->inits);
        }
        g->ninits = base + (uint32_t)r->nfields;
        if (g->c->trace && !g->failed && !g->dead) {
            op16(g, OP_TRACE_BEGIN, (uint16_t)r->index, n->sp, 0);
        }
        for (uint32_t i = 0; i < n->list.count; i++) {
            ast_node *init = n->list.items[i];
            if (init->aux >= 0 && init->aux < r->nfields) {
                g->inits[base + (uint32_t)init->aux] = init;
            }
        }
        for (int f = 0; f < r->nfields; f++) {
            ast_node *init = g->inits[base + (uint32_t)f];
            if (init) {
                gen(g, init->a);
            } else {
                op0(g, OP_PUSH_NONE, n->sp);
            }
            trace_field(g, OP_TRACE_INIT, (uint16_t)r->index, (uint16_t)f,
                        init ? init->sp : n->sp);
        }
        g->ninits = base;
        op16(g, OP_RECORD, (uint16_t)r->index, n->sp, r->nfields);
        if (g->c->trace && !g->failed) {
            op16(g, OP_TRACE_REC, (uint16_t)r->index, n->sp, 0);
        }
        break;
    }
    case AST_ON:
        gen_on(g, n);
        break;
    case AST_FAIL:
        gen(g, n->a);
        op0(g, OP_FAIL, n->sp);
        stack(g, 0, 1); /* stands for the value this branch never gives */
        g->dead = true;
        break;
    default:
        fail(g, n->sp, "internal error: cannot compile %s", ast_kind_name(n->kind));
    }
}

/* Constant folding: a numeric expression built only from literals is
 * computed now, exactly, and emitted as one constant.  An integer overflow
 * or a division by zero is left to run time, where it is reported with
 * the policy's location; a quotient without a finite decimal form is left
 * too, since bytecode files hold constants as decimal text. */
static bool fold(cg *g, ast_node *n, value *out);

static bool fold_operand(cg *g, ast_node *n, value *out)
{
    if (!fold(g, n, out)) {
        return false;
    }
    if ((n->conv & AUX_TO_DEC) && out->kind == VAL_INT) {
        *out = val_dec(dec_from_int(out->as.i));
    }
    return true;
}

static bool fold(cg *g, ast_node *n, value *out)
{
    switch ((ast_kind)n->kind) {
    case AST_INT: {
        char *end;
        long long v = strtoll(n->text, &end, 10);
        *out = val_int(v);
        return *end == '\0';
    }
    case AST_DEC:
    case AST_MONEY:
        return dec_parse(g->pa, n->text, strlen(n->text), &out->as.d) == DEC_OK &&
               (*out = val_dec(out->as.d), true);
    case AST_PERCENT: {
        dec d, hundred = dec_from_int(100);
        if (dec_parse(g->pa, n->text, strlen(n->text), &d) != DEC_OK ||
            dec_div(g->pa, &d, &hundred, &d) != DEC_OK) {
            return false;
        }
        *out = val_dec(d);
        return true;
    }
    case AST_UNARY: {
        value a;
        if (n->op != '-' || !fold_operand(g, n->a, &a)) {
            return false;
        }
        if (a.kind == VAL_INT) {
            if (a.as.i == INT64_MIN) {
                return false;
            }
            *out = val_int(-a.as.i);
            return true;
        }
        dec d;
        if (dec_neg(g->pa, &a.as.d, &d) != DEC_OK) {
            return false;
        }
        *out = val_dec(d);
        return true;
    }
    case AST_BINARY: {
        int op = n->op;
        if (op != '+' && op != '-' && op != '*' && op != '/') {
            return false;
        }
        ty_kind k = n->ty ? n->ty->kind : TY_ERROR;
        if (k != TY_INT && k != TY_DEC && k != TY_MONEY && k != TY_PERCENT) {
            return false;
        }
        value a, b;
        if (!fold_operand(g, n->a, &a) || !fold_operand(g, n->b, &b)) {
            return false;
        }
        if (a.kind == VAL_INT && b.kind == VAL_INT) {
            int64_t r;
            bool ovf = op == '+' ? __builtin_add_overflow(a.as.i, b.as.i, &r)
                       : op == '-' ? __builtin_sub_overflow(a.as.i, b.as.i, &r)
                                   : __builtin_mul_overflow(a.as.i, b.as.i, &r);
            if (ovf || op == '/') {
                return false;
            }
            *out = val_int(r);
            return true;
        }
        if (a.kind != VAL_DEC || b.kind != VAL_DEC) {
            return false;
        }
        dec r;
        dec_status st = op == '+' ? dec_add(g->pa, &a.as.d, &b.as.d, &r)
                        : op == '-' ? dec_sub(g->pa, &a.as.d, &b.as.d, &r)
                        : op == '*' ? dec_mul(g->pa, &a.as.d, &b.as.d, &r)
                                    : dec_div(g->pa, &a.as.d, &b.as.d, &r);
        if (st != DEC_OK) {
            return false;
        }
        strbuf text;
        sb_init(&text, g->c->mem);
        dec_format(&r, &text);
        bool finite = !text.failed && text.len > 0 && text.p[text.len - 1] != '.';
        sb_free(&text);
        if (!finite) {
            return false;
        }
        *out = val_dec(r);
        return true;
    }
    default:
        return false;
    }
}

static void gen(cg *g, ast_node *n)
{
    if (g->failed) {
        return;
    }
    value v;
    /* An integer literal used as a decimal is folded too: one CONST of
     * the decimal rather than CONST then INT_TO_DEC on every run. */
    bool foldable = n->kind == AST_BINARY || n->kind == AST_UNARY ||
                    (n->kind == AST_INT && (n->conv & AUX_TO_DEC));
    if (foldable && fold_operand(g, n, &v)) {
        op16(g, OP_CONST, constant(g, v, n->sp), n->sp, 0);
    } else {
        gen_inner(g, n);
        if (n->conv & AUX_TO_DEC) {
            op0(g, OP_INT_TO_DEC, n->sp);
        }
    }
    if ((n->conv & AUX_TO_CUR) && n->ty) {
        /* fixed-currency money used as 'money in currency' */
        const ty *t = n->ty->kind == TY_OPTIONAL ? n->ty->elem : n->ty;
        uint32_t k = cstring(g, t->currency);
        if (k > 0xFFFFu) {
            fail(g, n->sp, "too many strings in the program (more than 65536)");
            return;
        }
        op16(g, OP_CUR_SET, (uint16_t)k, n->sp, 0);
    }
}

/* ---- functions --------------------------------------------------------- */

static void begin(cg *g, int arity)
{
    g->fstart = g->p->code_len;
    g->depth = g->max_depth = 0;
    g->nlocals = g->max_locals = arity;
    g->dead = false;
    g->last_line = g->last_col = 0;
    g->last_off = UINT32_MAX;
}

/* Jump threading over the function just compiled: a jump that lands on
 * an unconditional JUMP goes straight to where that one goes.  Nested
 * and/or and if/else leave such chains (a JUMP to the end of an inner
 * branch, which JUMPs to the end of the outer one).  A JUMP leaves the
 * stack as it is, so the depth at the new target is the one at the old;
 * every target stays forward of its jump. */
static void thread_jumps(cg *g)
{
    uint8_t *code = g->p->code;
    uint32_t end = g->p->code_len;
    for (uint32_t pc = g->fstart; pc < end; pc += bc_ops[code[pc]].len) {
        unsigned at;
        if (!bc_jump_operand((bc_op)code[pc], &at) ||
            bc_ops[code[pc]].kind[at] != OPND_JUMP) {
            continue; /* LOOP targets are behind; nothing to thread */
        }
        uint8_t *operand = code + pc + bc_ops[code[pc]].off[at];
        uint32_t t = bc_u32(operand);
        /* Chains are short; the bound keeps a bug from looping. */
        for (int hops = 0; hops < 16 && t > pc && t < end &&
                           code[t] == OP_JUMP;
             hops++) {
            t = BC_ARG(code + t, JUMP, 0);
        }
        bc_put_u32(operand, t);
    }
}

static void finish(cg *g, uint16_t index, const char *name, int arity,
                   tly_span sp)
{
    if (!g->dead) {
        trace0(g, OP_TRACE_EXIT, sp);
        op0(g, OP_RET, sp);
    }
    g->dead = true;
    if (!g->failed && !g->c->plain) {
        thread_jumps(g);
    }
    if (g->max_depth + 1 > 0xFFFF) { /* max_stack is 16 bits */
        fail(g, sp, "'%s' is too large to compile: split it into smaller "
             "definitions", name ? name : "the output");
        return;
    }
    bc_func *f = &g->p->funcs[index];
    f->name = cstring(g, name);
    f->arity = (uint16_t)arity;
    f->nlocals = (uint16_t)g->max_locals;
    f->max_stack = (uint16_t)(g->max_depth + 1);
    /* Every function is pure, so results can be reused within a record. */
    f->flags = arity == 0 ? BC_FUNC_MEMO : arity == 1 ? BC_FUNC_MEMO1 : 0;
    /* Traced programs keep the flags: TRACE_CALL notes each reuse. */
    f->code_off = g->fstart;
    f->code_len = g->p->code_len - g->fstart;
}

static void gen_rule(cg *g, sym *s)
{
    ast_node *d = s->decl;
    for (uint32_t i = 0; i < d->list2.count; i++) {
        ast_node *w = d->list2.items[i];
        int mark = g->nlocals;
        bool some;
        fwd no = gen_cond(g, w->a, &some);
        cover(g, w->sp, "when");
        cite(g, w->cite, w->sp);
        gen(g, w->b);
        gen(g, w->c);
        op16(g, OP_RECORD, (uint16_t)s->verdict->index, w->sp, 2);
        trace0(g, OP_TRACE_EXIT, w->sp);
        op0(g, OP_RET, w->sp);
        g->dead = true;
        g->nlocals = mark;
        land_cond(g, no, some, w->sp);
    }
    cover(g, d->c->sp, "else");
    cite(g, d->else_cite, d->c->sp);
    gen(g, d->c);
    if (d->b) {
        gen(g, d->b);
    } else {
        op0(g, OP_PUSH_NONE, d->c->sp);
    }
    op16(g, OP_RECORD, (uint16_t)s->verdict->index, d->c->sp, 2);
}

static char *default_message(cg *g, ast_node *cond)
{
    const char *src = tly_text_at(g->c, cond->sp.start);
    int len = (int)(cond->sp.end - cond->sp.start);
    char buf[200];
    snprintf(buf, sizeof buf, "does not satisfy '%.*s'", len > 150 ? 150 : len, src);
    return arena_strndup(g->pa, buf, strlen(buf));
}

static void gen_check(cg *g, ast_node *cond, ast_node *msg, const char *path)
{
    fwd ok = {0, 0};
    branch(g, cond, true, &ok);
    if (msg) {
        gen(g, msg);
    } else {
        char *m = default_message(g, cond);
        if (m) {
            push_text(g, m, strlen(m), cond->sp);
        }
    }
    emit(g, OP_CHECK_FAIL, cond->sp, 0, ASM_OPERANDS(cstring(g, path)));
    g->dead = true;
    land(g, ok);
}

static bool has_checks(sym *r)
{
    ast_node *d = r->decl;
    if (d->kind != AST_RECORD) {
        return false;
    }
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *f = d->list.items[i];
        if (f->kind == AST_CHECK) {
            return true;
        }
        for (uint32_t j = 0; j < f->list.count; j++) {
            if (f->list.items[j]->kind == AST_WHERE) {
                return true;
            }
        }
    }
    return false;
}

static void gen_record_checks(cg *g, sym *r)
{
    for (int i = 0; i < r->nfields; i++) {
        ast_node *f = r->fields[i].decl;
        for (uint32_t j = 0; j < f->list.count; j++) {
            ast_node *o = f->list.items[j];
            if (o->kind == AST_WHERE) {
                gen_check(g, o->a, o->b, r->fields[i].json);
            }
        }
    }
    ast_node *d = r->decl;
    for (uint32_t i = 0; i < d->list.count; i++) {
        ast_node *ch = d->list.items[i];
        if (ch->kind == AST_CHECK) {
            const char *path = "";
            if (ch->text) {
                for (int f = 0; f < r->nfields; f++) {
                    if (strcmp(r->fields[f].name, ch->text) == 0) {
                        path = r->fields[f].json;
                    }
                }
            }
            gen_check(g, ch->a, ch->b, path);
        }
    }
    op0(g, OP_PUSH_TRUE, r->decl->sp);
}

/* Whether the tables fit the program's 16-bit indexes and counts (an
 * index of 0xFFFF is BC_NONE_U16); a failure names what does not fit. */
static bool fits_u16(cg *g)
{
    tly_checked *k = g->k;
    if (k->nenums >= 0xFFFF) {
        fail(g, k->enums[0xFFFF]->decl->name_sp,
             "too many enums in one policy (at most 65534)");
    }
    if (k->nrecords >= 0xFFFF) {
        fail(g, k->records[0xFFFF]->decl->name_sp,
             "too many records in one policy (at most 65534)");
    }
    for (int i = 0; i < k->nenums; i++) {
        if (k->enums[i]->nmembers > 0xFFFF) {
            fail(g, k->enums[i]->decl->name_sp,
                 "too many members in one enum (at most 65535)");
        }
    }
    for (int i = 0; i < k->nrecords; i++) {
        if (k->records[i]->nfields >= 0xFFFF) {
            fail(g, k->records[i]->decl->name_sp,
                 "too many fields in one record (at most 65534)");
        }
    }
    return !g->failed;
}

static void layout(cg *g)
{
    tly_checked *k = g->k;
    bc_program *p = g->p;
    if (!fits_u16(g)) {
        return;
    }
    /* Enums and their members. */
    p->nenums = (uint32_t)k->nenums;
    p->enums = arena_zalloc(g->pa, (size_t)(k->nenums + 1) * sizeof *p->enums);
    uint32_t nmem = 0;
    for (int i = 0; i < k->nenums; i++) {
        nmem += (uint32_t)k->enums[i]->nmembers;
    }
    p->members = arena_zalloc(g->pa, (size_t)(nmem + 1) * sizeof *p->members);
    p->nrecords = (uint32_t)k->nrecords;
    p->records = arena_zalloc(g->pa, (size_t)(k->nrecords + 1) * sizeof *p->records);
    if (!p->enums || !p->members || !p->records) {
        oom(g);
        return;
    }
    for (int i = 0; i < k->nenums; i++) {
        k->enums[i]->index = i;
    }
    for (int i = 0; i < k->nrecords; i++) {
        k->records[i]->index = i;
    }
    for (int i = 0; i < k->nenums; i++) {
        sym *e = k->enums[i];
        bc_enum *be = &p->enums[i];
        be->name = cstring(g, e->name);
        be->label = cstring(g, e->label);
        be->first_member = p->nmembers;
        be->nmembers = (uint16_t)e->nmembers;
        for (int m = 0; m < e->nmembers; m++) {
            ast_node *md = e->members[m]->decl;
            p->members[p->nmembers].name = cstring(g, md->name);
            p->members[p->nmembers].json = cstring(g, md->text ? md->text : md->name);
            p->nmembers++;
        }
    }
    uint32_t nfields = 0;
    for (int i = 0; i < k->nrecords; i++) {
        nfields += (uint32_t)k->records[i]->nfields;
    }
    p->fields = arena_zalloc(g->pa, (size_t)(nfields + 1) * sizeof *p->fields);
    if (!p->fields) {
        oom(g);
        return;
    }
    for (int i = 0; i < k->nrecords; i++) {
        sym *r = k->records[i];
        bc_record *br = &p->records[i];
        br->name = cstring(g, r->name);
        br->first_field = p->nfields;
        br->nfields = (uint16_t)r->nfields;
        br->check_fn = BC_NONE_U16;
        for (int f = 0; f < r->nfields; f++) {
            field_info *fi = &r->fields[f];
            bc_field *bf = &p->fields[p->nfields++];
            bf->name = cstring(g, fi->name);
            bf->json = cstring(g, fi->json);
            bf->type = type_index(g, fi->ty);
            bf->unique_key = fi->unique_key >= 0 ? (uint16_t)fi->unique_key : BC_NONE_U16;
            bf->flags = fi->omit_none ? BC_FIELD_OMIT_NONE : 0;
            if (fi->int_text) {
                bf->flags |= BC_FIELD_INT_TEXT;
            }
            if (r->decl && r->decl->kind == AST_RECORD &&
                (r->decl->op & AST_RECORD_AMOUNT_TEXT)) {
                bf->flags |= BC_FIELD_AMOUNT_TEXT;
            }
        }
    }
}

/* The modules table: every imported file, in the loader's order (each
 * after what it imports), and each file's index in it for note_loc. */
static void modules(cg *g)
{
    tly_comp *c = g->c;
    bc_program *p = g->p;
    if (c->nfiles <= 1) {
        return;
    }
    g->module_of = arena_alloc(&c->arena, (size_t)c->nfiles * sizeof *g->module_of);
    p->modules = arena_zalloc(g->pa, (size_t)c->nfiles * sizeof *p->modules);
    if (!g->module_of || !p->modules) {
        oom(g);
        return;
    }
    for (int i = 0; i < c->nfiles; i++) {
        g->module_of[i] = -1;
    }
    for (int i = 0; i < c->norder; i++) {
        const tly_file *f = c->files[c->order[i]];
        if (c->order[i] == 0) {
            continue;
        }
        g->module_of[c->order[i]] = (int)p->nmodules;
        p->modules[p->nmodules++] = (bc_module){
            cstring(g, f->name ? f->name : ""),
            cstring(g, f->version ? f->version : ""),
            cstring(g, f->path)};
    }
}

/* [t]'s type index, or BC_NONE_U16 when [t] (may be NULL) has no layout
 * (nested lists and the like always have one; this is for the odd kind). */
static uint16_t sig_type(cg *g, ty *t)
{
    for (ty *u = t; u; u = u->elem) {
        if (bt_kind(u->kind) == BT_KIND_COUNT) {
            return BC_NONE_U16;
        }
        if (u->kind != TY_LIST && u->kind != TY_MAP && u->kind != TY_OPTIONAL) {
            return type_index(g, t);
        }
    }
    return BC_NONE_U16;
}

/* The types of every function's result and parameters, for a traced
 * program (bc_program.sig_first): tally explain writes a call's
 * arguments and value by them ("fee(£5,000,000.00, 12.5%)"), as the
 * values carry no static type.  Functions made here without a declaration
 * (the evaluation date, record checks, findings, reports) are not known
 * but the output's. */
static void trace_sigs(cg *g, tly_checked *k, uint32_t out_fn)
{
    bc_program *p = g->p;
    uint32_t n = 0;
    for (uint32_t f = 0; f < p->nfuncs; f++) {
        n += 1u + p->funcs[f].arity;
    }
    p->sig_first = arena_zalloc(g->pa, ((size_t)p->nfuncs + 1) * sizeof *p->sig_first);
    p->sig_types = arena_zalloc(g->pa, ((size_t)n + 1) * sizeof *p->sig_types);
    if (!p->sig_first || !p->sig_types) {
        oom(g);
        return;
    }
    n = 0;
    for (uint32_t f = 0; f < p->nfuncs; f++) {
        p->sig_first[f] = n;
        for (uint32_t i = 0; i <= p->funcs[f].arity; i++) {
            p->sig_types[n++] = BC_NONE_U16;
        }
    }
    for (int i = 0; i < k->nfuncs && !g->failed; i++) {
        sym *s = k->funcs[i];
        uint32_t nrows = s->dated ? rows_of(s)->count : 0;
        for (uint32_t r = 0; r <= nrows; r++) {
            uint32_t f = r == 0 ? (uint32_t)s->index : (uint32_t)s->row_base + r - 1;
            if (f >= p->nfuncs || p->funcs[f].arity != (uint16_t)s->nparams) {
                continue;
            }
            uint16_t *x = &p->sig_types[p->sig_first[f]];
            x[0] = sig_type(g, s->ty);
            for (int a = 0; a < s->nparams; a++) {
                x[1 + a] = sig_type(g, s->params[a]->ty);
            }
        }
    }
    if (out_fn < p->nfuncs) {
        p->sig_types[p->sig_first[out_fn]] = sig_type(g, k->output_ty);
    }
}

bc_program *tly_compile(tly_comp *c)
{
    tly_checked *k = chk_results(c);
    if (!k || c->diags.nerrors) {
        return NULL;
    }
    bc_program *p = bc_program_new(c->mem);
    if (!p) {
        c->oom = true;
        return NULL;
    }
    cg g;
    memset(&g, 0, sizeof g);
    g.c = c;
    g.k = k;
    g.p = p;
    g.pa = &p->arena;
    if (!k->input || !k->output) {
        /* A module checked alone has neither; only a policy runs. */
        ast_node *root = c->root;
        tly_span at = root && root->b ? root->b->sp : (tly_span){0, 0};
        diag_add(&c->diags, DIAG_ERROR, at,
                 "import it from a policy that declares an input and output",
                 "a module has no input or output, so it cannot be built or run");
        bc_program_free(p);
        return NULL;
    }
    line_table(&g);
    cstring(&g, ""); /* string 0 is the empty string */
    modules(&g);
    layout(&g);
    if (g.failed) {
        bc_program_free(p); /* out of memory, or tables too large */
        return NULL;
    }
    /* Extern definitions, in declaration order. */
    if (k->nexterns >= 0xFFFF) {
        fail(&g, k->externs[0xFFFF]->decl->name_sp,
             "too many extern definitions in one policy (at most 65534)");
    } else if (k->nexterns) {
        p->externs = arena_zalloc(g.pa, (size_t)k->nexterns * sizeof *p->externs);
        if (!p->externs) {
            oom(&g);
        }
        for (int i = 0; p->externs && i < k->nexterns; i++) {
            sym *s = k->externs[i];
            ast_node *d = s->decl;
            bc_extern *x = &p->externs[p->nexterns++];
            s->index = i;
            x->name = cstring(&g, s->name);
            x->library = string(&g, d->b->text, d->b->len);
            x->params = cstring(&g, d->text2 ? d->text2 : "");
            x->result = (uint8_t)d->op;
            x->arity = (uint16_t)s->nparams;
        }
    }
    /* Function indices: declarations, dated rows, record checks, output. */
    uint32_t nf = 0;
    for (int i = 0; i < k->nfuncs; i++) {
        k->funcs[i]->index = (int)nf++;
    }
    for (int i = 0; i < k->nfuncs; i++) {
        sym *s = k->funcs[i];
        if (s->dated) {
            s->row_base = (int)nf;
            nf += rows_of(s)->count;
        }
    }
    /* The evaluation date, when something is dated. */
    uint32_t asof_fn = k->dated ? nf++ : UINT32_MAX;
    uint32_t check_base = nf;
    for (int i = 0; i < k->nrecords; i++) {
        if (has_checks(k->records[i])) {
            p->records[i].check_fn = (uint16_t)nf++;
        }
    }
    (void)check_base;
    uint32_t out_fn = nf++;
    uint32_t find_fn = k->nfindings ? nf++ : UINT32_MAX;
    uint32_t rep_fn = nf;
    nf += (uint32_t)k->nreports;
    if (nf >= 0xFFFF) {
        fail(&g, (tly_span){0, 0}, "too many definitions in one policy");
    }
    p->nfuncs = nf;
    p->funcs = arena_zalloc(g.pa, (size_t)(nf + 1) * sizeof *p->funcs);
    if (!p->funcs) {
        oom(&g);
    }
    if (!g.failed) {
        register_cites(&g, k);
    }
    for (int i = 0; i < k->nfuncs && !g.failed; i++) {
        sym *s = k->funcs[i];
        ast_node *d = s->decl;
        begin(&g, s->nparams);
        trace0(&g, OP_TRACE_ENTER, d->sp);
        for (int a = 0; a < s->nparams; a++) {
            s->params[a]->slot = a;
        }
        g.fname = s->kind == SYM_PARAM ? NULL : s->name;
        g.fkind = s->kind == SYM_RULE ? "rule"
                  : d->kind == AST_TABLE ? "table" : "definition";
        if (s->dated) {
            /* Named without 'on': the value on the evaluation date. */
            cite(&g, d->cite, d->sp);
            gen_dated(&g, s, (uint16_t)asof_fn);
            finish(&g, (uint16_t)s->index, s->name, s->nparams, d->sp);
            ast_list *rows = rows_of(s);
            for (uint32_t r = 0; r < rows->count && !g.failed; r++) {
                ast_node *row = rows->items[r];
                begin(&g, s->nparams);
                trace0(&g, OP_TRACE_ENTER, row->sp);
                char name[200];
                snprintf(name, sizeof name, "%s from %s", s->name, row->text);
                cover(&g, row->sp, "row");
                cite(&g, row->cite, row->sp);
                gen(&g, row->a);
                finish(&g, (uint16_t)(s->row_base + (int)r), name, s->nparams,
                       row->sp);
            }
            continue;
        }
        cite(&g, d->cite, d->sp);
        for (ast_node *r = s->kind == SYM_PARAM || s->kind == SYM_DEF
                               ? s->refined : NULL;
             r; r = r->b) {
            cite(&g, r->cite, r->sp);
        }
        if (s->kind == SYM_DEF && d->kind != AST_TABLE) {
            cover(&g, d->name_sp, "reached");
        }
        if (s->kind == SYM_RULE) {
            gen_rule(&g, s);
        } else if (d->kind == AST_TABLE) {
            gen_table(&g, s);
        } else if (s->kind == SYM_DEF && d->c) {
            gen_exceptions(&g, s);
        } else {
            gen(&g, d->b);
        }
        finish(&g, (uint16_t)s->index, s->name, s->nparams, d->sp);
    }
    g.fname = NULL;
    for (int i = 0; i < k->nrecords && !g.failed; i++) {
        sym *r = k->records[i];
        if (p->records[i].check_fn == BC_NONE_U16) {
            continue;
        }
        begin(&g, 1);
        gen_record_checks(&g, r);
        char name[200];
        snprintf(name, sizeof name, "checks of %s", r->name);
        finish(&g, p->records[i].check_fn, name, 1, r->decl->sp);
    }
    /* The parameters, for tools. */
    uint32_t nparams = 0, nrows = 0;
    for (int i = 0; i < k->nfuncs; i++) {
        if (k->funcs[i]->kind == SYM_PARAM) {
            nparams++;
            nrows += k->funcs[i]->dated ? rows_of(k->funcs[i])->count : 0;
        }
    }
    if (nparams && !g.failed) {
        p->params = arena_zalloc(g.pa, nparams * sizeof *p->params);
        p->param_rows = arena_zalloc(g.pa, (nrows ? nrows : 1) * sizeof *p->param_rows);
        if (!p->params || !p->param_rows) {
            oom(&g);
        }
        for (int i = 0; !g.failed && i < k->nfuncs; i++) {
            sym *s = k->funcs[i];
            if (s->kind != SYM_PARAM) {
                continue;
            }
            bc_param *x = &p->params[p->nparams++];
            x->name = cstring(&g, s->name);
            x->func = (uint16_t)s->index;
            x->type = type_index(&g, s->ty);
            x->first_row = p->nparam_rows;
            ast_list *rows = s->dated ? rows_of(s) : NULL;
            for (uint32_t r = 0; rows && r < rows->count; r++) {
                ast_node *row = rows->items[r];
                bc_span_days *d = &p->param_rows[p->nparam_rows++];
                d->from = row->lo;
                d->until = row->has_hi ? row->hi : INT64_MAX;
            }
            x->nrows = (uint16_t)(p->nparam_rows - x->first_row);
        }
    }
    if (!g.failed && asof_fn != UINT32_MAX) {
        tly_span sp = k->asof ? k->asof->sp : (tly_span){0, 0};
        begin(&g, 0);
        gen_asof(&g, k->asof, sp);
        finish(&g, (uint16_t)asof_fn, "as of", 0, sp);
    }
    if (!g.failed) {
        begin(&g, 0);
        trace0(&g, OP_TRACE_ENTER, k->output->sp);
        gen(&g, k->output->b);
        finish(&g, (uint16_t)out_fn, k->output->name, 0, k->output->sp);
    }
    if (!g.failed && find_fn != UINT32_MAX) {
        begin(&g, 0);
        gen_findings(&g, k);
        finish(&g, (uint16_t)find_fn, "findings", 0, k->findings[0]->sp);
        p->findings_func = (uint16_t)find_fn;
        p->findings_type = type_index(&g, k->findings_ty);
    }
    if (!g.failed && k->nreports) {
        p->reports = arena_zalloc(g.pa, (size_t)k->nreports * sizeof *p->reports);
        if (!p->reports) {
            oom(&g);
        }
    }
    for (int i = 0; !g.failed && i < k->nreports; i++) {
        ast_node *d = k->reports[i];
        begin(&g, 0);
        gen_report(&g, d);
        char name[200];
        snprintf(name, sizeof name, "report %s", d->name);
        finish(&g, (uint16_t)(rep_fn + (uint32_t)i), name, 0, d->sp);
        bc_report *rp = &p->reports[p->nreports++];
        rp->name = cstring(&g, d->name);
        rp->func = (uint16_t)(rep_fn + (uint32_t)i);
        rp->in_type = type_index(&g, d->ty);
        rp->out_type = type_index(&g, d->sym->ty);
        rp->nkeys = (uint16_t)d->list.count;
        rp->ncols = (uint16_t)d->list2.count;
        rp->top_col = d->a ? (uint16_t)d->a->aux : BC_NONE_U16;
        rp->top_desc = d->a ? (uint8_t)d->a->op : 0;
        rp->top = d->a ? (uint32_t)d->a->num : 0;
        rp->cols = arena_zalloc(g.pa, (size_t)(rp->ncols ? rp->ncols : 1) * sizeof *rp->cols);
        if (!rp->cols) {
            oom(&g);
            break;
        }
        for (uint16_t ci = 0; ci < rp->ncols; ci++) {
            ast_node *col = d->list2.items[ci];
            rp->cols[ci].agg = (uint8_t)col->num;
            rp->cols[ci].places = col->lo >= 0 ? (uint8_t)col->lo : BC_PLACES_ANY;
            rp->cols[ci].mode = col->lo >= 0 ? (uint8_t)col->hi : 0;
            rp->cols[ci].flags = col->op == 1 ? BC_REPORT_LIST : 0;
        }
    }
    /* Header. */
    ast_node *pol = k->policy;
    p->title = cstring(&g, pol && pol->text ? pol->text : "");
    p->version = cstring(&g, pol && pol->text2 ? pol->text2 : "");
    p->source = cstring(&g, c->file);
    p->origin = pol && pol->text3 ? cstring(&g, pol->text3) : BC_NO_STRING;
    p->input_record = (uint16_t)k->input->ty->decl->index;
    p->input_name = cstring(&g, k->input->name);
    p->key_field = (uint16_t)k->input->decl->num;
    p->output_func = (uint16_t)out_fn;
    p->output_type = type_index(&g, k->output_ty);
    p->traced = c->trace;
    if (!g.failed && c->trace) {
        trace_sigs(&g, k, out_fn);
    }
    if (g.failed || c->oom) {
        bc_program_free(p);
        return NULL;
    }
    return p;
}
