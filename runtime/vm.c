/* runtime/vm.c - the bytecode interpreter.
 *
 * Runs verified programs (verify.c): operands are in range, jumps land on
 * instruction starts and the operand stack never underflows or passes a
 * function's max_stack, so those are only asserted here.  Value kinds are
 * not proved: every instruction that reads a payload checks the kind (and
 * FIELD the record type) and stops with "bytecode type confusion at OP"
 * instead of crashing, with one predictable branch.
 *
 * One interpreter loop, written once behind VM_CASE/VM_NEXT/VM_DISPATCH,
 * expands to computed goto (TALLY_COMPUTED_GOTO) or a switch.  ip, sp,
 * locals and constants live in locals of execute(); ip stays on the first
 * byte of the running instruction until it completes, so every error maps
 * to that instruction's source position through bc_loc_find.
 *
 * Owns: the operand stack (grown on a deep call, never shrunk), the frame
 * array, the memo table and the checks walker's path.  Per-record values
 * go to the caller's arena; nothing here is global.
 */
#include "vm.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "data.h"
#include "ffi_native.h"
#include "tally_limits.h"

/* Invariants proved by verify.c or kept by this file; on in debug builds.
 * Never used on anything a hostile file controls unproved. */
#if defined(TALLY_DEBUG) || !defined(NDEBUG)
#define VM_ASSERT(x) assert(x)
#else
#define VM_ASSERT(x) ((void)0)
#endif

/* The same for per-instruction operand checks on the hottest paths
 * (dispatch, CONST, LOAD, STORE, FIELD): only with TALLY_DEBUG_VM, since
 * TALLY_DEBUG is on in every Makefile build and these cost about a tenth
 * of the award workload's interpreter time. */
#ifdef TALLY_DEBUG_VM
#define VM_HOT_ASSERT(x) assert(x)
#else
#define VM_HOT_ASSERT(x) ((void)0)
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Checks walker recursion, in type levels (a record, list, map or
 * optional each take one).  Bound input is at most DATA_MAX_DEPTH (64)
 * containers deep and verify.c rejects container cycles in the type
 * table; this bound is a second line so a value graph handed in by an
 * embedder can never exhaust the C stack. */
#define WALK_MAX_DEPTH 256

/* Work beyond one instruction is charged to the budget in proportion
 * (vm_set_budget): one unit per VM_TEXT_UNIT bytes copied or compared,
 * per VM_SCAN_UNIT items or map entries scanned or compared, per
 * VM_SORT_UNIT row comparisons of a sort, and dec_cost for big decimals.
 * A unit is about what a loop iteration costs (a few ns), so a record's
 * time stays proportional to its budget whatever it does; the divisors
 * keep the small cases of real policies (a few bids, a short text) at 0. */
#define VM_TEXT_UNIT 64
#define VM_SCAN_UNIT 8
#define VM_SORT_UNIT 4

/* Texts and lists the VM builds obey the limits bound input obeys
 * (data.h), checked before anything is allocated: at most DATA_MAX_TEXT
 * bytes, DATA_MAX_ITEMS items. */
#define VM_MAX_TEXT DATA_MAX_TEXT
#define VM_MAX_ITEMS DATA_MAX_ITEMS

/* ---- the machine ----------------------------------------------------- */

typedef struct vm_frame {
    uint32_t base;  /* stack index of locals[0] */
    uint32_t pc;    /* absolute pc of the instruction this frame runs: its
                       CALL while a callee runs; the failing one on error */
    uint16_t func;  /* function index */
    uint8_t is_memo; /* store the result in the memo table on RET */
    uint8_t is_memo1; /* store the result in memo1 slot [memo1_slot] */
    uint32_t memo1_slot;
} vm_frame;

/* Results of one-parameter functions (BC_FUNC_MEMO1), cached per record in
 * a small direct-mapped table per function: a policy asks for total(bid)
 * or assessment(bid) many times, for the few bids of one tender.  Keys are
 * compared by identity: records and lists by pointer (a record's values
 * are immutable while it is evaluated), scalars by their canonical bits. */
#define VM_MEMO1_WAYS 32 /* slots per function; more bids just recompute */

typedef struct memo1_entry {
    value key;
    value result;
    uint32_t gen; /* valid when equal to vm.gen */
} memo1_entry;

typedef enum seg_kind { SEG_FIELD, SEG_INDEX, SEG_KEY } seg_kind;

/* One step of the checks walker's path from the input root. */
typedef struct path_seg {
    uint8_t kind;  /* seg_kind */
    uint32_t len;  /* SEG_KEY: key bytes */
    const char *s; /* SEG_FIELD: json name (program); SEG_KEY: key (arena) */
    uint32_t index; /* SEG_INDEX */
} path_seg;

struct vm {
    mem_ctx *mem;           /* borrowed */
    const bc_program *prog; /* borrowed */

    value *stack;        /* owned; stack_cap slots: locals and operands */
    uint32_t stack_cap;
    uint32_t depth;      /* index of the innermost frame while running */
    vm_frame frames[VM_MAX_DEPTH];

    value *memo;         /* owned; nfuncs results of BC_FUNC_MEMO calls */
    memo1_entry *memo1;  /* owned; VM_MEMO1_WAYS per function, or NULL
                            when no function is BC_FUNC_MEMO1 */
    uint32_t *memo_gen;  /* owned; memo[f] is valid when memo_gen[f]==gen */
    uint32_t gen;        /* bumped per record; never 0 while running */

    uint8_t *needs_walk; /* owned; per type, then per record: the checks
                            walker must enter values of it (a check is
                            reachable from it) */
    path_seg *path;      /* owned; the walker's current path */
    uint32_t path_count;
    uint32_t path_cap;


    uint64_t budget;     /* budget units per record; 0 = unlimited */
    uint64_t fuel;       /* units the current record may still spend;
                            UINT64_MAX when unlimited (never runs out) */
    bool over_budget;    /* a charge() could not be paid this record */

    strbuf sb;           /* scratch for texts and messages; kept between
                            records so steady state does not allocate */
    const ffi_table *natives; /* borrowed: the run's bound native
                                 functions, or NULL */
    bool has_as_of;      /* the run gives an evaluation date: */
    int64_t as_of;       /*   days since 1970-01-01 (EVAL_DATE) */
    uint64_t *probe_hits; /* owned, nprobes entries when the program has
                             coverage points: the visits of each */
    uint32_t *cite_gen;  /* owned, ncites entries, when citations are
                            collected (vm_collect_cites): cites[k] was noted
                            this record when cite_gen[k] == gen; else NULL
                            and CITE does nothing */

    uint32_t tr_max;     /* vm_set_trace: events kept per evaluation, 0:
                            no trace */
    vm_trace_event *tr;  /* record arena: this evaluation's events */
    uint32_t tr_count, tr_cap;
    bool tr_truncated;   /* an event past tr_max was dropped */

    /* Per evaluation (vm_eval / vm_call): */
    arena *a;            /* borrowed: the record arena */
    value input;         /* what INPUT pushes */
    vm_error *err;       /* borrowed: where failures are described */
};

/* Marks, in v->needs_walk, every type and record from which a record with
 * a check can be reached: a reverse breadth-first search from the checked
 * records over "contains" edges, linear in types plus fields.  Tolerates
 * out-of-range references (skipped) so it never reads past a table. */
static bool plan_walk(vm *v)
{
    const bc_program *p = v->prog;
    size_t nt = p->ntypes, nr = p->nrecords, nodes = nt + nr;
    v->needs_walk = mem_alloc(v->mem, nodes ? nodes : 1);
    if (!v->needs_walk) {
        return false;
    }
    memset(v->needs_walk, 0, nodes ? nodes : 1);
    if (nodes == 0) {
        return true;
    }
    /* Edge child -> parent for "parent contains child". */
    size_t nedges = 0;
    for (size_t r = 0; r < nr; r++) {
        nedges += p->records[r].nfields;
    }
    nedges += nt;
    size_t *start = mem_alloc(v->mem, (nodes + 1) * sizeof *start);
    uint32_t *adj = mem_alloc(v->mem, (nedges ? nedges : 1) * sizeof *adj);
    uint32_t *queue = mem_alloc(v->mem, nodes * sizeof *queue);
    bool ok = start && adj && queue;
    if (!ok) {
        goto done;
    }
    memset(start, 0, (nodes + 1) * sizeof *start);
    /* Two passes over the same edges: count, then fill (CSR). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t t = 0; t < nt; t++) {
            const bc_type *ty = &p->types[t];
            size_t child = SIZE_MAX;
            if (ty->kind == BT_RECORD && ty->ref < nr) {
                child = nt + ty->ref;
            } else if ((ty->kind == BT_LIST || ty->kind == BT_MAP ||
                        ty->kind == BT_OPTIONAL) &&
                       ty->ref < nt) {
                child = ty->ref;
            }
            if (child == SIZE_MAX) {
                continue;
            }
            if (pass == 0) {
                start[child + 1]++;
            } else {
                adj[start[child]++] = (uint32_t)t;
            }
        }
        for (size_t r = 0; r < nr; r++) {
            const bc_record *rec = &p->records[r];
            for (uint32_t i = 0; i < rec->nfields; i++) {
                size_t fi = (size_t)rec->first_field + i;
                if (fi >= p->nfields || p->fields[fi].type >= nt) {
                    continue;
                }
                size_t child = p->fields[fi].type;
                if (pass == 0) {
                    start[child + 1]++;
                } else {
                    adj[start[child]++] = (uint32_t)(nt + r);
                }
            }
        }
        if (pass == 0) {
            for (size_t i = 0; i < nodes; i++) {
                start[i + 1] += start[i];
            }
        } else {
            /* The fill advanced start[i] to the old start[i+1]. */
            for (size_t i = nodes; i > 0; i--) {
                start[i] = start[i - 1];
            }
            start[0] = 0;
        }
    }
    size_t head = 0, tail = 0;
    for (size_t r = 0; r < nr; r++) {
        if (p->records[r].check_fn != BC_NONE_U16) {
            v->needs_walk[nt + r] = 1;
            queue[tail++] = (uint32_t)(nt + r);
        }
    }
    while (head < tail) {
        uint32_t n = queue[head++];
        for (size_t e = start[n]; e < start[n + 1]; e++) {
            if (!v->needs_walk[adj[e]]) {
                v->needs_walk[adj[e]] = 1;
                queue[tail++] = adj[e];
            }
        }
    }
done:
    mem_free(v->mem, start, (nodes + 1) * sizeof *start);
    mem_free(v->mem, adj, (nedges ? nedges : 1) * sizeof *adj);
    mem_free(v->mem, queue, nodes * sizeof *queue);
    return ok;
}

vm *vm_new(mem_ctx *mem, const bc_program *prog)
{
    vm *v = mem_alloc(mem, sizeof *v);
    if (!v) {
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->mem = mem;
    v->prog = prog;
    v->gen = 1;
    sb_init(&v->sb, mem);

    /* Room for a few frames of the largest function; calls grow it. */
    uint64_t frame_max = 1;
    for (uint32_t f = 0; f < prog->nfuncs; f++) {
        const bc_func *fn = &prog->funcs[f];
        uint64_t need = (uint64_t)fn->nlocals + fn->max_stack + fn->arity;
        frame_max = need > frame_max ? need : frame_max;
    }
    uint64_t cap = frame_max * 8 < 256 ? 256 : frame_max * 8;
    v->stack_cap = (uint32_t)(cap > VM_MAX_STACK_SLOTS ? VM_MAX_STACK_SLOTS
                                                       : cap);
    v->stack = mem_alloc(mem, v->stack_cap * sizeof(value));
    size_t nf = prog->nfuncs ? prog->nfuncs : 1;
    v->memo = mem_alloc(mem, nf * sizeof(value));
    v->memo_gen = mem_alloc(mem, nf * sizeof(uint32_t));
    if (!v->stack || !v->memo || !v->memo_gen || !plan_walk(v)) {
        vm_free(v);
        return NULL;
    }
    memset(v->memo_gen, 0, nf * sizeof(uint32_t));
    if (prog->nprobes) {
        v->probe_hits = mem_alloc(mem, prog->nprobes * sizeof(uint64_t));
        if (!v->probe_hits) {
            vm_free(v);
            return NULL;
        }
        memset(v->probe_hits, 0, prog->nprobes * sizeof(uint64_t));
    }
    for (uint32_t f = 0; f < prog->nfuncs; f++) {
        if (prog->funcs[f].flags & BC_FUNC_MEMO1) {
            v->memo1 = mem_alloc(mem, nf * VM_MEMO1_WAYS * sizeof(memo1_entry));
            if (!v->memo1) {
                vm_free(v);
                return NULL;
            }
            memset(v->memo1, 0, nf * VM_MEMO1_WAYS * sizeof(memo1_entry));
            break;
        }
    }
    return v;
}

void vm_free(vm *v)
{
    if (!v) {
        return;
    }
    const bc_program *p = v->prog;
    size_t nf = p->nfuncs ? p->nfuncs : 1;
    size_t nodes = (size_t)p->ntypes + p->nrecords;
    mem_free(v->mem, v->stack, v->stack_cap * sizeof(value));
    mem_free(v->mem, v->memo, nf * sizeof(value));
    mem_free(v->mem, v->memo_gen, nf * sizeof(uint32_t));
    if (v->memo1) {
        mem_free(v->mem, v->memo1, nf * VM_MEMO1_WAYS * sizeof(memo1_entry));
    }
    mem_free(v->mem, v->needs_walk, nodes ? nodes : 1);
    mem_free(v->mem, v->path, v->path_cap * sizeof(path_seg));
    if (v->cite_gen) {
        mem_free(v->mem, v->cite_gen, p->ncites * sizeof(uint32_t));
    }
    if (v->probe_hits) {
        mem_free(v->mem, v->probe_hits, p->nprobes * sizeof(uint64_t));
    }
    sb_free(&v->sb);
    mem_free(v->mem, v, sizeof *v);
}

void vm_set_as_of(vm *v, bool has, int64_t day)
{
    v->has_as_of = has;
    v->as_of = day;
}

const uint64_t *vm_probe_counts(const vm *v)
{
    return v->probe_hits;
}

bool vm_collect_cites(vm *v)
{
    size_t n = v->prog->ncites;
    if (v->cite_gen || n == 0) {
        return true;
    }
    v->cite_gen = mem_alloc(v->mem, n * sizeof(uint32_t));
    if (!v->cite_gen) {
        return false;
    }
    memset(v->cite_gen, 0, n * sizeof(uint32_t));
    return true;
}

bool vm_set_trace(vm *v, uint32_t max_events)
{
    if (!v->prog->traced) {
        max_events = 0; /* nothing to note: its CITEs are not traced */
    }
    if (max_events && !vm_collect_cites(v)) {
        return false;
    }
    v->tr_max = max_events;
    return true;
}

const vm_trace_event *vm_trace(const vm *v, uint32_t *count, bool *truncated)
{
    *count = v->tr_count;
    *truncated = v->tr_truncated;
    return v->tr_count ? v->tr : NULL;
}

/* Forgets the trace (its events are in a record arena now reset or
 * about to be). */
static void trace_reset(vm *v)
{
    v->tr = NULL;
    v->tr_count = v->tr_cap = 0;
    v->tr_truncated = false;
}

/* Notes one event; past tr_max drops it and marks the trace truncated.
 * The array doubles in the record arena (the old copies stay there until
 * the reset: at most twice tr_max events in all).  False out of
 * memory. */
static __attribute__((noinline)) bool trace_add(vm *v, uint8_t kind,
                                                uint16_t a, uint16_t b,
                                                uint32_t pc, const value *val,
                                                const void *rec)
{
    if (v->tr_count == v->tr_cap) {
        if (v->tr_cap >= v->tr_max) {
            v->tr_truncated = true;
            return true;
        }
        uint32_t cap = v->tr_cap ? v->tr_cap * 2 : 64;
        if (cap > v->tr_max) {
            cap = v->tr_max;
        }
        vm_trace_event *n = arena_alloc(v->a, (size_t)cap * sizeof *n);
        if (!n) {
            return false;
        }
        if (v->tr_count) {
            memcpy(n, v->tr, (size_t)v->tr_count * sizeof *n);
        }
        v->tr = n;
        v->tr_cap = cap;
    }
    vm_trace_event *e = &v->tr[v->tr_count++];
    e->kind = kind;
    e->a = a;
    e->b = b;
    e->depth = v->depth;
    e->pc = pc;
    e->val = val ? *val : val_none();
    e->rec = rec;
    return true;
}

/* Whether CALL of [f] with its arguments below [sp] will reuse a result
 * remembered this record (as CALL decides it), and that result in
 * *[out].  Only TRACE_CALL asks. */
static __attribute__((noinline)) bool memo_peek(vm *v, uint16_t f,
                                                const value *sp, value *out)
{
    const bc_func *callee = &v->prog->funcs[f];
    if ((callee->flags & BC_FUNC_MEMO) && v->memo_gen[f] == v->gen) {
        *out = v->memo[f];
        return true;
    }
    if (callee->flags & BC_FUNC_MEMO1) {
        const value *k = sp - 1;
        uint64_t w1 = k->as.d.u.n ^ ((uint64_t)k->kind << 56), w2 = k->as.d.d;
        uint64_t h = (w1 * 0x9E3779B97F4A7C15u) ^ (w2 * 0xC2B2AE3D27D4EB4Fu);
        uint32_t m1 = (uint32_t)f * VM_MEMO1_WAYS + (uint32_t)(h >> 59);
        const memo1_entry *e = &v->memo1[m1];
        if (e->gen == v->gen && e->key.kind == k->kind &&
            e->key.type == k->type && e->key.len == k->len &&
            e->key.as.d.u.n == k->as.d.u.n && e->key.as.d.d == k->as.d.d) {
            *out = e->result;
            return true;
        }
    }
    return false;
}

bool vm_cited(const vm *v, uint32_t k)
{
    return v->cite_gen && k < v->prog->ncites && v->cite_gen[k] == v->gen;
}

/* The citation of function [f] itself, or -1.  Only on the error path. */
static int32_t func_cite(const bc_program *p, uint16_t f)
{
    for (uint32_t k = 0; k < p->ncites; k++) {
        if (p->cites[k].func == f) {
            return (int32_t)k;
        }
    }
    return -1;
}

void vm_set_budget(vm *v, uint64_t instructions)
{
    v->budget = instructions;
}

void vm_set_natives(vm *v, const ffi_table *t)
{
    v->natives = t;
}

/* ---- errors ------------------------------------------------------------ */

/* A message formatted into the record arena; a static one out of memory. */
static const char *fmt_msg(vm *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *fmt_msg(vm *v, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return "error";
    }
    size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    const char *s = arena_strndup(v->a, tmp, len);
    return s ? s : "error (out of memory for its message)";
}

static const char *source_name(const bc_program *p)
{
    return p->source < p->nstrings ? bc_string(p, p->source) : "<policy>";
}

static const char *func_name(const bc_program *p, uint16_t f)
{
    if (f < p->nfuncs && p->funcs[f].name < p->nstrings) {
        return bc_string(p, p->funcs[f].name);
    }
    return "<function>";
}

/* Fills v->err for a failure at frames[v->depth].pc (already stored),
 * or, when [in_code] is false, for one outside any function (line 0, no
 * trace).  [path] only for VM_DATA_ERROR; the trace for runtime errors and
 * limits. */
static vm_status raise(vm *v, vm_status st, const char *path, const char *msg,
                       bool in_code)
{
    const bc_program *p = v->prog;
    vm_error *e = v->err;
    e->status = st;
    e->msg = msg;
    e->path = st == VM_DATA_ERROR ? (path ? path : "") : NULL;
    e->trace = NULL;
    e->cite = -1;
    e->line = e->col = 0;
    e->file = source_name(p);
    if (!in_code) {
        return st;
    }
    const bc_loc *loc = bc_loc_find(p, v->frames[v->depth].pc);
    if (loc) {
        e->line = loc->line;
        e->col = loc->col;
    }
    e->file = bc_loc_file(p, loc);
    if (st != VM_RUNTIME_ERROR && st != VM_LIMIT) {
        return st;
    }
    strbuf *b = &v->sb;
    sb_clear(b);
    for (uint32_t k = v->depth + 1; k-- > 0;) {
        const vm_frame *fr = &v->frames[k];
        const bc_loc *l = bc_loc_find(p, fr->pc);
        if (l) {
            sb_printf(b, "%s:%" PRIu32 ":%" PRIu32 ": ", bc_loc_file(p, l),
                      l->line, l->col);
        } else {
            sb_printf(b, "%s: ", source_name(p));
        }
        sb_printf(b, "%s %s", k == v->depth ? "in" : "called from",
                  func_name(p, fr->func));
        int32_t c = func_cite(p, fr->func);
        if (c >= 0) {
            sb_printf(b, " (cites %s)", bc_string(p, p->cites[c].text));
            if (e->cite < 0) {
                e->cite = c;
            }
        }
        sb_putc(b, '\n');
    }
    if (!b->failed && b->len > 0) {
        e->trace = arena_strndup(v->a, b->p, b->len);
    }
    return st;
}

/* A text value as a NUL-terminated arena string (for FAIL, CHECK_FAIL). */
static const char *text_cstr(vm *v, const value *t)
{
    const char *s = arena_strndup(v->a, t->len ? t->as.s : "", t->len);
    return s ? s : "error (out of memory for its message)";
}

/* Renders the walker's path joined with [rel] (a path relative to the
 * record being checked, "" for the record itself) into the arena. */
static const char *render_path(vm *v, const char *rel)
{
    strbuf *b = &v->sb;
    sb_clear(b);
    for (uint32_t i = 0; i < v->path_count; i++) {
        const path_seg *s = &v->path[i];
        switch ((seg_kind)s->kind) {
        case SEG_FIELD:
            if (b->len > 0) {
                sb_putc(b, '.');
            }
            sb_puts(b, s->s);
            break;
        case SEG_KEY:
            if (b->len > 0) {
                sb_putc(b, '.');
            }
            sb_put(b, s->s, s->len);
            break;
        case SEG_INDEX:
            sb_printf(b, "[%" PRIu32 "]", s->index);
            break;
        }
    }
    if (rel[0] != '\0') {
        if (b->len > 0 && rel[0] != '[') {
            sb_putc(b, '.');
        }
        sb_puts(b, rel);
    }
    if (b->failed) {
        return NULL;
    }
    return arena_strndup(v->a, b->len ? b->p : "", b->len);
}

/* ---- helpers of the hot loop ----------------------------------------- */

/* Values move and are built as three 8-byte words: header (kind, flags,
 * type, len), payload, payload.  A struct copy compiles to a 16-byte plus
 * an 8-byte access, and a 16-byte load of a slot just written in 8-byte
 * or narrower pieces cannot be forwarded from the store buffer: it stalls
 * until the stores retire.  Measured on the sum loop of test_vm.c, uniform
 * word access made the interpreter about twice as fast.  The empty asm
 * keeps the words in general registers so no compiler re-merges them. */
typedef uint64_t __attribute__((may_alias)) vm_word;

static inline void vcopy(value *dst, const value *src)
{
    const vm_word *s = (const vm_word *)src;
    vm_word *d = (vm_word *)dst;
    uint64_t h = s[0], p = s[1], q = s[2];
    __asm__("" : "+r"(h), "+r"(p), "+r"(q));
    d[0] = h;
    d[1] = p;
    d[2] = q;
}

/* The header word of a value of [kind] with flags, type and len 0. */
static inline uint64_t header_word(uint8_t kind)
{
    union {
        struct {
            uint8_t kind, flags;
            uint16_t type;
            uint32_t len;
        } h;
        uint64_t w;
    } u = {.h = {kind, 0, 0, 0}};
    return u.w;
}

_Static_assert(offsetof(value, as) == 8 && sizeof(value) == 24,
               "vm_word access assumes an 8-byte header and 16-byte payload");

/* Stores a scalar of [kind] whose payload words are [w1] and [w2]. */
static inline void set_words(value *dst, uint8_t kind, uint64_t w1,
                             uint64_t w2)
{
    vm_word *d = (vm_word *)dst;
    d[0] = header_word(kind);
    d[1] = w1;
    d[2] = w2;
}

/* The same with a one-word payload; the second word is zeroed so values
 * stay fully defined. */
static inline void set_word(value *dst, uint8_t kind, uint64_t w)
{
    set_words(dst, kind, w, 0);
}

static inline void set_bool(value *dst, bool b)
{
    union {
        bool b;
        uint64_t w;
    } u = {.w = 0};
    u.b = b;
    set_word(dst, VAL_BOOL, u.w);
}

static inline void set_int(value *dst, int64_t i)
{
    set_word(dst, VAL_INT, (uint64_t)i);
}

/* Kinds whose payload is as.i alone, compared as integers. */
static inline bool is_ikind(uint8_t k)
{
    return k == VAL_INT || k == VAL_DATE || k == VAL_DURATION;
}

/* Takes [units] of the record's budget for work beyond one instruction
 * (bytes copied, items compared, limbs multiplied).  False, with the fuel
 * at 0 and over_budget set, when the budget cannot pay: the caller stops
 * the record with the budget error. */
static inline bool charge(vm *v, uint64_t units)
{
    if (LIKELY(units <= v->fuel)) {
        v->fuel -= units;
        return true;
    }
    v->fuel = 0;
    v->over_budget = true;
    return false;
}

/* The budget's share of one big-decimal operation: none unless [x] or
 * [y] (NULL for one operand) is big, so inline values pay nothing. */
static inline bool charge_dec(vm *v, const dec *x, const dec *y)
{
    if (!DEC_IS_BIG(*x) && (!y || !DEC_IS_BIG(*y))) {
        return true;
    }
    return charge(v, dec_cost(x, y));
}

static const value *map_lookup(vm *v, const val_map *m, const value *k);
static inline int eq_values(vm *v, const value *x, const value *y);

/* Structural equality (val_equal) charging the budget for what it reads:
 * 1 when equal, 0 when not, -1 when the budget ran out. */
static __attribute__((noinline)) int eq_slow(vm *v, const value *x,
                                             const value *y)
{
    if (x->kind != y->kind) {
        return 0;
    }
    switch ((val_kind)x->kind) {
    case VAL_TEXT:
        if (x->len != y->len) {
            return 0;
        }
        if (!charge(v, x->len / VM_TEXT_UNIT)) {
            return -1;
        }
        return x->len == 0 || memcmp(x->as.s, y->as.s, x->len) == 0;
    case VAL_DEC:
        if (!charge_dec(v, &x->as.d, &y->as.d)) {
            return -1;
        }
        return val_equal(x, y);
    case VAL_RECORD: {
        const val_record *a = x->as.r, *b = y->as.r;
        if (a == b) {
            return 1;
        }
        if (a->type != b->type || a->count != b->count) {
            return 0;
        }
        if (!charge(v, a->count)) {
            return -1;
        }
        for (uint16_t i = 0; i < a->count; i++) {
            int e = eq_values(v, &a->fields[i], &b->fields[i]);
            if (e != 1) {
                return e;
            }
        }
        return 1;
    }
    case VAL_LIST: {
        const val_list *a = x->as.l, *b = y->as.l;
        if (a == b) {
            return 1;
        }
        if (a->count != b->count) {
            return 0;
        }
        if (!charge(v, a->count)) { /* a unit an item: each is a call */
            return -1;
        }
        for (uint32_t i = 0; i < a->count; i++) {
            int e = eq_values(v, &a->items[i], &b->items[i]);
            if (e != 1) {
                return e;
            }
        }
        return 1;
    }
    case VAL_MAP: {
        /* Equal as sets of entries: key order is the input's, not data. */
        const val_map *a = x->as.m, *b = y->as.m;
        if (a == b) {
            return 1;
        }
        if (a->count != b->count) {
            return 0;
        }
        for (uint32_t i = 0; i < a->count; i++) {
            const value *r = map_lookup(v, b, &a->keys[i]);
            if (!r) {
                return v->over_budget ? -1 : 0;
            }
            int e = eq_slow(v, &a->vals[i], r);
            if (e != 1) {
                return e;
            }
        }
        return 1;
    }
    case VAL_NONE:
    case VAL_BOOL:
    case VAL_INT:
    case VAL_DATE:
    case VAL_DURATION:
    case VAL_DATETIME:
    case VAL_ENUM:
    case VAL_ERROR:
    case VAL_KIND_COUNT:
    default:
        return val_equal(x, y);
    }
}

/* 1 when equal, 0 when not, -1 when the budget ran out. */
static inline int eq_values(vm *v, const value *x, const value *y)
{
    if (x->kind == y->kind) {
        if (is_ikind(x->kind)) {
            return x->as.i == y->as.i;
        }
        /* Enum members and booleans are compared often (rule outcomes,
         * `is in` over grounds) and cost nothing to compare here. */
        if (x->kind == VAL_ENUM) {
            return x->type == y->type && x->as.i == y->as.i &&
                   (x->as.en.code == y->as.en.code || val_codes_alike(x, y));
        }
        if (x->kind == VAL_BOOL) {
            return x->as.b == y->as.b;
        }
    }
    return eq_slow(v, x, y);
}

/* cmp_values' answer when the budget ran out: not -1, 0 or 1. */
#define CMP_STOP 2

/* val_compare charging the budget for long texts and big decimals:
 * -1, 0 or 1, or CMP_STOP when the budget ran out (then at once, doing
 * no work, so a sort stopped mid-way finishes fast). */
static __attribute__((noinline)) int cmp_slow(vm *v, const value *x,
                                              const value *y)
{
    if (x->kind == y->kind) {
        if (x->kind == VAL_TEXT) {
            uint32_t n = x->len < y->len ? x->len : y->len;
            if (!charge(v, n / VM_TEXT_UNIT)) {
                return CMP_STOP;
            }
        } else if (x->kind == VAL_DEC &&
                   !charge_dec(v, &x->as.d, &y->as.d)) {
            return CMP_STOP;
        }
    }
    int c = val_compare(x, y);
    return (c > 0) - (c < 0);
}

static inline int cmp_values(vm *v, const value *x, const value *y)
{
    if (x->kind == y->kind) {
        if (is_ikind(x->kind)) {
            return (x->as.i > y->as.i) - (x->as.i < y->as.i);
        }
        if (x->kind == VAL_DEC && x->as.d.d != 0 && x->as.d.d == y->as.d.d) {
            return (x->as.d.u.n > y->as.d.u.n) - (x->as.d.u.n < y->as.d.u.n);
        }
    }
    return cmp_slow(v, x, y);
}

/* Orders two SORT rows by their first [nkeys] items; key i descending
 * when bit i of [desc] is set (keys past the eighth ascend).  After the
 * budget ran out, answers at once (v->over_budget tells). */
static int cmp_rows(vm *v, const val_list *x, const val_list *y,
                    unsigned nkeys, unsigned desc)
{
    for (unsigned k = 0; k < nkeys; k++) {
        int c = cmp_values(v, &x->items[k], &y->items[k]);
        if (c == CMP_STOP) {
            return 0;
        }
        if (c != 0) {
            return (k < 8 && ((desc >> k) & 1)) ? -c : c;
        }
    }
    return 0;
}

#define SORT_RUN 16 /* insertion-sorted run length; above it merging wins */

/* Stable sort of [n] rows: insertion sort on runs of SORT_RUN, then
 * bottom-up merges between [rows] and [tmp] (n slots). */
static const val_list **sort_rows(vm *v, const val_list **rows,
                                  const val_list **tmp, size_t n,
                                  unsigned nkeys, unsigned desc)
{
    for (size_t lo = 0; lo < n; lo += SORT_RUN) {
        size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            const val_list *x = rows[i];
            size_t j = i;
            while (j > lo && cmp_rows(v, rows[j - 1], x, nkeys, desc) > 0) {
                rows[j] = rows[j - 1];
                j--;
            }
            rows[j] = x;
        }
    }
    const val_list **src = rows, **dst = tmp;
    for (size_t w = SORT_RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* Ties take the left run: stable. */
                dst[k++] = cmp_rows(v, src[j], src[i], nkeys, desc) < 0
                               ? src[j++]
                               : src[i++];
            }
            while (i < mid) {
                dst[k++] = src[i++];
            }
            while (j < hi) {
                dst[k++] = src[j++];
            }
        }
        const val_list **t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* The message of a DEC_TOO_BIG, as a limit. */
#define MSG_NUMBER_TOO_BIG                                                     \
    "number too large: more than " TALLY_STR(DEC_MAX_DIGITS) " digits"
#define MSG_TEXT_TOO_LONG                                                      \
    "text longer than " TALLY_STR(VM_MAX_TEXT_BYTES) " bytes"
#define VM_MAX_TEXT_BYTES 1048576 /* VM_MAX_TEXT, spelled for messages */
#define VM_MAX_ITEMS_COUNT 1000000 /* VM_MAX_ITEMS, the same */
#define TALLY_STR_(x) #x
#define TALLY_STR(x) TALLY_STR_(x)
_Static_assert(VM_MAX_TEXT == VM_MAX_TEXT_BYTES, "keep the message true");
_Static_assert(VM_MAX_ITEMS == VM_MAX_ITEMS_COUNT, "keep the message true");

/* Rewrites the fixed-point number in [b] ("-1234567.50") as money is
 * written: a comma between each three digits of its whole part and, when
 * [pound], a pound sign after the sign ("-£1,234,567.50").  Out of memory
 * leaves b->failed set. */
static void group_money(strbuf *b, bool pound)
{
    size_t neg = b->len && b->p[0] == '-';
    size_t ilen = 0;
    while (neg + ilen < b->len && b->p[neg + ilen] != '.') {
        ilen++;
    }
    static const char pound_utf8[] = "\xc2\xa3"; /* U+00A3 */
    size_t extra = (ilen ? (ilen - 1) / 3 : 0) +
                   (pound ? sizeof pound_utf8 - 1 : 0);
    if (extra == 0 || !sb_reserve(b, extra)) {
        return;
    }
    char *p = b->p;
    size_t src = b->len, dst = b->len + extra;
    while (src > neg + ilen) { /* the point and the fraction */
        p[--dst] = p[--src];
    }
    for (size_t k = 0; k < ilen; k++) {
        if (k && k % 3 == 0) {
            p[--dst] = ',';
        }
        p[--dst] = p[--src];
    }
    if (pound) {
        dst -= sizeof pound_utf8 - 1;
        memcpy(p + dst, pound_utf8, sizeof pound_utf8 - 1);
    }
    VM_ASSERT(dst == neg && src == neg);
    b->len += extra;
    p[b->len] = '\0';
}

/* The runtime error of text() on a number [b] holds that it cannot write
 * exactly: with no finite decimal form (it ends "..."), or with more than
 * [places] places.  The message, in the record arena, says to round. */
static const char *text_inexact(vm *v, const strbuf *b, unsigned places)
{
    bool endless = b->len >= 3 && memcmp(b->p + b->len - 3, "...", 3) == 0;
    int shown = b->len > 60 ? 60 : (int)b->len;
    const char *more = b->len > 60 ? "..." : "";
    if (endless || places == BC_PLACES_ANY) {
        return fmt_msg(v, "text() of %.*s%s: no exact decimal form; round "
                       "it first, as in text(round(x, 2, half up))",
                       shown, b->p ? b->p : "", more);
    }
    return fmt_msg(v, "text() of %.*s%s: more than %u decimal place%s; round "
                   "it first, as in text(round(x, %u, half up))",
                   shown, b->p ? b->p : "", more, places,
                   places == 1 ? "" : "s", places);
}

/* TO_TEXT: the text form of scalar [x] into *[out].  Returns VM_OK,
 * VM_ENOMEM, VM_LIMIT (*[why] says which: the budget, a number or a text
 * too large), or VM_RUNTIME_ERROR: with *[why] set, a number text()
 * cannot write exactly (text_inexact); with *[why] NULL, a kind with no
 * text form (type confusion). */
static __attribute__((noinline)) vm_status to_text(vm *v, const value *x,
                                                   unsigned places, value *out,
                                                   const char **why)
{
    static const char s_true[] = "true", s_false[] = "false",
                      s_none[] = "none";
    const bc_program *p = v->prog;
    strbuf *b = &v->sb;
    switch ((val_kind)x->kind) {
    case VAL_TEXT:
        *out = *x;
        return VM_OK;
    case VAL_NONE:
        *out = val_text(s_none, sizeof s_none - 1);
        return VM_OK;
    case VAL_BOOL:
        *out = x->as.b ? val_text(s_true, sizeof s_true - 1)
                       : val_text(s_false, sizeof s_false - 1);
        return VM_OK;
    case VAL_ENUM: {
        if (x->type >= p->nenums || x->as.i < 0 ||
            x->as.i >= p->enums[x->type].nmembers) {
            return VM_RUNTIME_ERROR;
        }
        size_t m = (size_t)p->enums[x->type].first_member + (size_t)x->as.i;
        if (m >= p->nmembers || p->members[m].json >= p->nstrings) {
            return VM_RUNTIME_ERROR;
        }
        const bc_str *s = &p->strings[p->members[m].json];
        if (s->len == 0 && x->as.en.code) { /* an open enum's other: its code */
            *out = val_text(x->as.en.code, x->len);
            return VM_OK;
        }
        if (s->len == 0 && p->members[m].name < p->nstrings) {
            s = &p->strings[p->members[m].name]; /* 'other' */
        }
        *out = val_text(s->p, s->len);
        return VM_OK;
    }
    case VAL_INT:
        sb_clear(b);
        sb_put_i64(b, x->as.i);
        break;
    case VAL_DEC:
        sb_clear(b);
        /* Twice: the percent's product, then the digits. */
        if (DEC_IS_BIG(x->as.d) &&
            !charge(v, 2 * dec_cost(&x->as.d, NULL))) {
            *why = NULL;
            return VM_LIMIT;
        }
        if (places == BC_TEXT_PERCENT || places == BC_PLACES_ANY) {
            dec d = x->as.d;
            if (places == BC_TEXT_PERCENT) {
                /* A percent is held as a fraction: 0.125 reads "12.5%". */
                dec hundred = dec_from_int(100);
                dec_status ds = dec_mul(v->a, &x->as.d, &hundred, &d);
                if (ds == DEC_TOO_BIG) {
                    *why = MSG_NUMBER_TOO_BIG;
                    return VM_LIMIT;
                }
                if (ds != DEC_OK) {
                    return VM_ENOMEM;
                }
            }
            dec_format(&d, b);
            if (!b->failed && b->len >= 3 &&
                memcmp(b->p + b->len - 3, "...", 3) == 0) {
                /* 1/3 has no text that is true: the policy rounds */
                if (places == BC_TEXT_PERCENT) {
                    sb_putc(b, '%');
                }
                *why = text_inexact(v, b, BC_PLACES_ANY);
                return VM_RUNTIME_ERROR;
            }
            if (places == BC_TEXT_PERCENT) {
                sb_putc(b, '%');
            }
        } else {
            unsigned n = places & BC_TEXT_PLACES_MASK;
            if (dec_format_fixed(&x->as.d, (int)n, b) != DEC_OK) {
                sb_clear(b);
                dec_format(&x->as.d, b);
                *why = b->failed ? "out of memory" : text_inexact(v, b, n);
                return VM_RUNTIME_ERROR;
            }
            /* An amount carrying a currency other than GBP ('money in
             * currency') reads "EUR 1,234.50", as a fixed one does. */
            bool code = (places & BC_TEXT_POUND) && x->type != VAL_CUR_NONE &&
                        x->type != val_cur_pack("GBP", 3);
            if (places & (BC_TEXT_GROUPED | BC_TEXT_POUND)) {
                group_money(b, (places & BC_TEXT_POUND) && !code);
            }
            if (code) {
                size_t n = b->len;
                sb_put(b, "    ", 4);
                if (!b->failed) {
                    memmove(b->p + 4, b->p, n);
                    val_cur_code(x->type, b->p);
                    b->p[3] = ' ';
                }
            }
        }
        break;
    case VAL_DATE:
        sb_clear(b);
        date_format(x->as.i, b);
        break;
    case VAL_DATETIME:
        sb_clear(b);
        date_instant_format(&x->as.t, b);
        break;
    case VAL_DURATION:
        sb_clear(b);
        sb_put_i64(b, x->as.i);
        if (x->as.i == 1 || x->as.i == -1) {
            sb_put(b, " day", 4);
        } else {
            sb_put(b, " days", 5);
        }
        break;
    case VAL_RECORD:
    case VAL_LIST:
    case VAL_MAP:
    case VAL_ERROR:
    case VAL_KIND_COUNT:
    default:
        return VM_RUNTIME_ERROR;
    }
    if (b->failed) {
        return VM_ENOMEM;
    }
    if (b->len > VM_MAX_TEXT) {
        *why = MSG_TEXT_TOO_LONG;
        return VM_LIMIT;
    }
    char *s = arena_strndup(v->a, b->p ? b->p : "", b->len);
    if (!s) {
        return VM_ENOMEM;
    }
    *out = val_text(s, (uint32_t)b->len);
    return VM_OK;
}

/* Builds a record of type [rt] from the [n] values at [first] and
 * stores it over *[first].  False out of memory. */
static __attribute__((noinline)) bool make_record(vm *v, value *first,
                                                  uint16_t rt, uint16_t n)
{
    val_record *r = arena_alloc(v->a, sizeof *r + (size_t)n * sizeof(value));
    if (!r) {
        return false;
    }
    r->type = rt;
    r->count = n;
    if (n) {
        memcpy(r->fields, first, (size_t)n * sizeof(value));
    }
    value rv = {0};
    rv.kind = VAL_RECORD;
    rv.type = rt;
    rv.as.r = r;
    *first = rv;
    return true;
}

/* Builds a list of the [n] values at [first] (items inline after the
 * header) and stores it over *[first].  False out of memory. */
static __attribute__((noinline)) bool make_list(vm *v, value *first,
                                                uint16_t n)
{
    val_list *l = arena_alloc(v->a, sizeof *l + (size_t)n * sizeof(value));
    if (!l) {
        return false;
    }
    l->count = l->cap = n;
    l->items = n ? (value *)(l + 1) : NULL;
    if (n) {
        memcpy(l->items, first, (size_t)n * sizeof(value));
    }
    value lv = {0};
    lv.kind = VAL_LIST;
    lv.as.l = l;
    *first = lv;
    return true;
}

/* Doubles [l]'s capacity in the record arena (the old array is left to
 * the arena), up to VM_MAX_ITEMS.  VM_OK, VM_LIMIT when [l] already holds
 * VM_MAX_ITEMS, or VM_ENOMEM. */
static __attribute__((noinline)) vm_status grow_list(vm *v, val_list *l)
{
    if (l->cap >= VM_MAX_ITEMS) {
        return VM_LIMIT;
    }
    uint32_t cap = l->cap ? l->cap * 2 : 8;
    if (cap > VM_MAX_ITEMS) {
        cap = VM_MAX_ITEMS;
    }
    value *items = arena_alloc(v->a, (size_t)cap * sizeof(value));
    if (!items) {
        return VM_ENOMEM;
    }
    if (l->count) {
        memcpy(items, l->items, (size_t)l->count * sizeof(value));
    }
    l->items = items;
    l->cap = cap;
    return VM_OK;
}

/* The value of text key [k] in [m], or NULL.  Keys of one map tend to
 * share a prefix and differ at the end ("Q1", "Q2"), so the last byte is
 * compared before the call to memcmp: a miss rarely makes the call.  The
 * scan is charged to the budget first: NULL with v->over_budget set when
 * it cannot be paid. */
static const value *map_lookup(vm *v, const val_map *m, const value *k)
{
    uint32_t len = k->len;
    if (UNLIKELY(m->count >= VM_SCAN_UNIT) &&
        !charge(v, (uint64_t)m->count * (1 + len / VM_TEXT_UNIT) /
                       VM_SCAN_UNIT)) {
        return NULL;
    }
    if (len == 0) {
        for (uint32_t i = 0; i < m->count; i++) {
            if (m->keys[i].len == 0) {
                return &m->vals[i];
            }
        }
        return NULL;
    }
    char last = k->as.s[len - 1];
    for (uint32_t i = 0; i < m->count; i++) {
        const value *mk = &m->keys[i];
        if (mk->len == len && mk->as.s[len - 1] == last &&
            memcmp(mk->as.s, k->as.s, len) == 0) {
            return &m->vals[i];
        }
    }
    return NULL;
}

/* 1 when [x] is in [l], 0 when not, -1 when the budget ran out. */
static int list_contains(vm *v, const val_list *l, const value *x)
{
    if (!charge(v, l->count / VM_SCAN_UNIT)) {
        return -1;
    }
    for (uint32_t i = 0; i < l->count; i++) {
        int e = eq_values(v, x, &l->items[i]);
        if (e != 0) {
            return e;
        }
    }
    return 0;
}

/* Two amounts each carrying its currency, and not the same one: what
 * CUR_JOIN refuses, for the instructions that compare many values at once
 * (IN, SORT). */
static inline bool cur_clash(const value *x, const value *y)
{
    return x->kind == VAL_DEC && y->kind == VAL_DEC &&
           x->type != VAL_CUR_NONE && y->type != VAL_CUR_NONE &&
           x->type != y->type;
}

/* The first item of [l] that clashes with [x] in currency (cur_clash),
 * or NULL. */
static const value *list_cur_clash(const val_list *l, const value *x)
{
    if (x->kind != VAL_DEC || x->type == VAL_CUR_NONE) {
        return NULL;
    }
    for (uint32_t i = 0; i < l->count; i++) {
        if (cur_clash(x, &l->items[i])) {
            return &l->items[i];
        }
    }
    return NULL;
}

/* *[x] = *[x] + *[y], texts, charging the bytes copied.  VM_OK, VM_LIMIT
 * past VM_MAX_TEXT (checked first) or the budget (v->over_budget), or
 * VM_ENOMEM. */
static __attribute__((noinline)) vm_status concat(vm *v, value *x,
                                                  const value *y)
{
    if (y->len == 0) {
        return VM_OK;
    }
    if (x->len == 0) {
        *x = *y;
        return VM_OK;
    }
    uint64_t len = (uint64_t)x->len + y->len;
    if (len > VM_MAX_TEXT || !charge(v, len / VM_TEXT_UNIT)) {
        return VM_LIMIT;
    }
    char *s = arena_alloc(v->a, (size_t)len);
    if (!s) {
        return VM_ENOMEM;
    }
    memcpy(s, x->as.s, x->len);
    memcpy(s + x->len, y->as.s, y->len);
    *x = val_text(s, (uint32_t)len);
    return VM_OK;
}

/* SORT: replaces the list of rows [k1..k_nkeys, item] at *[top] by the
 * list of items in stable key order, charging the budget n log n /
 * VM_SORT_UNIT and each costly comparison.  VM_OK, VM_ENOMEM, VM_LIMIT
 * when the budget ran out, or VM_RUNTIME_ERROR when a row is not a list
 * of nkeys + 1 values. */
static __attribute__((noinline)) vm_status sort_list(vm *v, value *top,
                                                     unsigned nkeys,
                                                     unsigned desc,
                                                     const value *clash[2])
{
    if (top->kind != VAL_LIST) {
        return VM_RUNTIME_ERROR;
    }
    const val_list *in = top->as.l;
    size_t n = in->count;
    for (size_t i = 0; i < n; i++) {
        const value *e = &in->items[i];
        if (e->kind != VAL_LIST || e->as.l->count != nkeys + 1) {
            return VM_RUNTIME_ERROR;
        }
    }
    /* A key of money in two currencies has no order (issue 9 item 3):
     * each key's first amount with a currency against every later one. */
    for (unsigned k = 0; k < nkeys; k++) {
        const value *first = NULL;
        for (size_t i = 0; i < n; i++) {
            const value *x = &in->items[i].as.l->items[k];
            if (x->kind != VAL_DEC || x->type == VAL_CUR_NONE) {
                continue;
            }
            if (!first) {
                first = x;
            } else if (cur_clash(first, x)) {
                clash[0] = first;
                clash[1] = x;
                return VM_RUNTIME_ERROR;
            }
        }
    }
    uint64_t lg = 64 - (uint64_t)__builtin_clzll((uint64_t)n | 1);
    if (!charge(v, (uint64_t)n * lg * (nkeys ? nkeys : 1) / VM_SORT_UNIT)) {
        return VM_LIMIT;
    }
    val_list *res = arena_alloc(v->a, sizeof *res + n * sizeof(value));
    const val_list **rows = n ? arena_alloc(v->a, 2 * n * sizeof *rows) : NULL;
    if (!res || (n && !rows)) {
        return VM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        rows[i] = in->items[i].as.l;
    }
    const val_list **sorted =
        n > 1 ? sort_rows(v, rows, rows + n, n, nkeys, desc) : rows;
    if (v->over_budget) {
        return VM_LIMIT;
    }
    res->count = res->cap = (uint32_t)n;
    res->items = n ? (value *)(res + 1) : NULL;
    for (size_t i = 0; i < n; i++) {
        res->items[i] = sorted[i]->items[nkeys];
    }
    top->as.l = res;
    return VM_OK;
}

/* Grows the stack so it holds [need] slots.  VM_OK, VM_LIMIT past
 * VM_MAX_STACK_SLOTS, or VM_ENOMEM.  Moves the stack: callers rebase. */
static vm_status grow_stack(vm *v, size_t need)
{
    if (need > VM_MAX_STACK_SLOTS) {
        return VM_LIMIT;
    }
    size_t cap = v->stack_cap;
    while (cap < need) {
        cap *= 2;
    }
    if (cap > VM_MAX_STACK_SLOTS) {
        cap = VM_MAX_STACK_SLOTS;
    }
    value *s = mem_realloc(v->mem, v->stack, v->stack_cap * sizeof(value),
                           cap * sizeof(value));
    if (!s) {
        return VM_ENOMEM;
    }
    v->stack = s;
    v->stack_cap = (uint32_t)cap;
    return VM_OK;
}

/* ---- the interpreter --------------------------------------------------- */

/* ---- dates and working days -------------------------------------------- */

/* Reads a holidays operand (none, or a list of dates) into *[out], the
 * days copied into the record arena.  False on a kind the compiler never
 * emits (type confusion), or out of memory (*[nomem]). */
static bool holidays_arg(vm *v, const value *h, date_extra *out, bool *nomem)
{
    out->days = NULL;
    out->count = 0;
    if (h->kind == VAL_NONE) {
        return true;
    }
    if (h->kind != VAL_LIST) {
        return false;
    }
    const val_list *l = h->as.l;
    if (l->count == 0) {
        return true;
    }
    int64_t *d = arena_alloc(v->a, (size_t)l->count * sizeof *d);
    if (!d) {
        *nomem = true;
        return false;
    }
    for (uint32_t i = 0; i < l->count; i++) {
        if (l->items[i].kind != VAL_DATE) {
            return false;
        }
        d[i] = l->items[i].as.i;
    }
    out->days = d;
    out->count = l->count;
    return true;
}

/* Writes [day] as YYYY-MM-DD into [buf] (the days the VM holds have
 * four-digit years; others are shown as computed). */
static void fmt_day(int64_t day, char *buf, size_t cap)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

/* The message for a day outside the bank-holiday calendar. */
static const char *no_calendar(vm *v, int64_t day)
{
    char d[32], lo[32], hi[32];
    fmt_day(day, d, sizeof d);
    fmt_day(date_uk_first(), lo, sizeof lo);
    fmt_day(date_uk_last(), hi, sizeof hi);
    return fmt_msg(v, "no bank-holiday calendar for %s: the UK calendar "
                      "covers %s to %s", d, lo, hi);
}

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* The instructions after CALL_NATIVE in opcodes.def: [o] with operand
 * [a] on the [n] values at [x]; the result goes to x[0].  VM_OK, or a
 * status with *[msg] (NULL: type confusion; v->over_budget: the budget). */
static vm_status date_instr(vm *v, bc_op o, uint32_t a, value *x,
                            const char **msg)
{
    *msg = NULL;
    date_extra ex;
    bool nomem = false;
    int64_t r, bad;
    uint64_t steps = 0;
    date_status ds;
    switch (o) {
    case OP_SUB_DAYS:
        if (x[0].kind != VAL_DATE || x[1].kind != VAL_DURATION) {
            return VM_RUNTIME_ERROR;
        }
        if (__builtin_sub_overflow(x[0].as.i, x[1].as.i, &r) ||
            r < LIM_MIN_DAY || r > LIM_MAX_DAY) {
            *msg = "date out of range (years 0001 to 9999) in date - days";
            return VM_RUNTIME_ERROR;
        }
        x[0].as.i = r;
        return VM_OK;
    case OP_ADD_MONTHS:
    case OP_SUB_MONTHS: {
        if (x[0].kind != VAL_DATE || x[1].kind != VAL_DURATION ||
            a >= DATE_MONTH_RULE_COUNT) {
            return VM_RUNTIME_ERROR;
        }
        int64_t n = x[1].as.i;
        bool neg = o == OP_SUB_MONTHS;
        int ty = 0, tm = 1;
        ds = n == INT64_MIN ? DATE_OUT_OF_RANGE
                            : date_add_months(x[0].as.i, neg ? -n : n,
                                              (date_month_rule)a, &r, &ty, &tm);
        if (ds == DATE_NO_SUCH_DAY) {
            char from[32], early[32], late[32];
            int y, m, d;
            date_to_ymd(x[0].as.i, &y, &m, &d);
            fmt_day(x[0].as.i, from, sizeof from);
            date_add_months(x[0].as.i, neg ? -n : n, DATE_MONTH_EARLIER, &r,
                            NULL, NULL);
            fmt_day(r, early, sizeof early);
            fmt_day(r + 1, late, sizeof late);
            *msg = fmt_msg(v, "%s %c %" PRId64 " month%s: %s %d has no day "
                              "%d; write 'or earlier' after the months for "
                              "%s, or 'or later' for %s",
                           from, neg ? '-' : '+', n, n == 1 ? "" : "s",
                           month_names[tm - 1], ty, d, early, late);
            return VM_RUNTIME_ERROR;
        }
        if (ds != DATE_OK) {
            *msg = neg ? "date out of range (years 0001 to 9999) in date - "
                         "months"
                       : "date out of range (years 0001 to 9999) in date + "
                         "months";
            return VM_RUNTIME_ERROR;
        }
        x[0].as.i = r;
        return VM_OK;
    }
    case OP_ADD_WORKING:
    case OP_SUB_WORKING:
    case OP_WORKING_END:
    case OP_WORKING_COUNT: {
        bool end = o == OP_WORKING_END, count = o == OP_WORKING_COUNT;
        if (x[0].kind != VAL_DATE ||
            x[1].kind != (count ? VAL_DATE : end ? VAL_INT : VAL_DURATION)) {
            return VM_RUNTIME_ERROR;
        }
        if (!holidays_arg(v, &x[2], &ex, &nomem)) {
            if (nomem) {
                *msg = "out of memory";
                return VM_ENOMEM;
            }
            return VM_RUNTIME_ERROR;
        }
        int64_t n = x[1].as.i;
        if (count) {
            ds = date_working_between(x[0].as.i, n, &ex, &r, &bad, &steps);
        } else if (end) {
            if (n < 1) {
                *msg = fmt_msg(v, "add_working_days counts at least 1 "
                                  "working day, not %" PRId64, n);
                return VM_RUNTIME_ERROR;
            }
            /* The n-th working day of those beginning with d: day d - 1
             * plus n working days (d counts if it is one). */
            ds = x[0].as.i - 1 < LIM_MIN_DAY
                     ? (bad = x[0].as.i - 1, DATE_NO_CALENDAR)
                     : date_add_working(x[0].as.i - 1, n, &ex, &r, &bad,
                                        &steps);
        } else {
            if (o == OP_SUB_WORKING) {
                n = n == INT64_MIN ? INT64_MAX : -n;
            }
            ds = date_add_working(x[0].as.i, n, &ex, &r, &bad, &steps);
        }
        if (!charge(v, steps / VM_SCAN_UNIT)) {
            return VM_LIMIT;
        }
        if (ds != DATE_OK) {
            *msg = no_calendar(v, bad);
            return VM_RUNTIME_ERROR;
        }
        if (count) {
            x[0].kind = VAL_INT;
        }
        x[0].as.i = r;
        return VM_OK;
    }
    case OP_IS_WORKING: {
        bool w;
        if (x[0].kind != VAL_DATE) {
            return VM_RUNTIME_ERROR;
        }
        if (!holidays_arg(v, &x[1], &ex, &nomem)) {
            if (nomem) {
                *msg = "out of memory";
                return VM_ENOMEM;
            }
            return VM_RUNTIME_ERROR;
        }
        if (date_is_working(x[0].as.i, &ex, &w) != DATE_OK) {
            *msg = no_calendar(v, x[0].as.i);
            return VM_RUNTIME_ERROR;
        }
        x[0] = val_bool(w);
        return VM_OK;
    }
    case OP_DAYS_BETWEEN:
        if (x[0].kind != VAL_DATE || x[1].kind != VAL_DATE) {
            return VM_RUNTIME_ERROR;
        }
        if (__builtin_sub_overflow(x[0].as.i, x[1].as.i, &r)) {
            *msg = "integer overflow in date - date";
            return VM_RUNTIME_ERROR;
        }
        x[0] = val_int(r);
        return VM_OK;
    case OP_ADD_SECONDS:
    case OP_SUB_SECONDS: {
        if (x[0].kind != VAL_DATETIME || x[1].kind != VAL_DURATION ||
            (a != BC_UNIT_SECONDS && a != BC_UNIT_DAYS)) {
            return VM_RUNTIME_ERROR;
        }
        int64_t secs;
        if (__builtin_mul_overflow(x[1].as.i,
                                   (int64_t)(a == BC_UNIT_DAYS ? LIM_SEC_PER_DAY
                                                               : 1),
                                   &secs) ||
            (o == OP_ADD_SECONDS
                 ? __builtin_add_overflow(x[0].as.t.sec, secs, &r)
                 : __builtin_sub_overflow(x[0].as.t.sec, secs, &r)) ||
            r < (int64_t)LIM_MIN_DAY * LIM_SEC_PER_DAY ||
            r >= ((int64_t)LIM_MAX_DAY + 1) * LIM_SEC_PER_DAY) {
            *msg = o == OP_ADD_SECONDS
                       ? "date-time out of range (years 0001 to 9999) in "
                         "datetime + duration"
                       : "date-time out of range (years 0001 to 9999) in "
                         "datetime - duration";
            return VM_RUNTIME_ERROR;
        }
        x[0].as.t.sec = r;
        return VM_OK;
    }
    case OP_MUL_DUR: {
        value *d = x[0].kind == VAL_DURATION ? &x[0] : &x[1];
        value *i = d == &x[0] ? &x[1] : &x[0];
        if (d->kind != VAL_DURATION || i->kind != VAL_INT) {
            return VM_RUNTIME_ERROR;
        }
        if (__builtin_mul_overflow(d->as.i, i->as.i, &r)) {
            *msg = "integer overflow in duration *";
            return VM_RUNTIME_ERROR;
        }
        x[0].kind = VAL_DURATION;
        x[0].as.i = r;
        return VM_OK;
    }
    case OP_LOCAL_DATE: {
        const char *why;
        if (x[0].kind != VAL_DATETIME) {
            return VM_RUNTIME_ERROR;
        }
        if (!date_london_date(&x[0].as.t, &r, &why)) {
            *msg = why;
            return VM_RUNTIME_ERROR;
        }
        value d = val_none();
        d.kind = VAL_DATE;
        d.as.i = r;
        x[0] = d;
        return VM_OK;
    }
    default:
        return VM_RUNTIME_ERROR;
    }
}

/* CALL_NATIVE's work, out of line: charges the call and the text it
 * passes (FFI_CALL_COST, a unit per VM_TEXT_UNIT bytes), calls extern
 * [x] on [args] and stores its result in *[out].  VM_LIMIT with
 * v->over_budget when the budget cannot pay; VM_RUNTIME_ERROR with *[msg]
 * for a native failure, or with *[msg] NULL for type confusion. */
static vm_status call_native(vm *v, uint16_t x, const value *args,
                             value *out, const char **msg)
{
    const bc_extern *ex = &v->prog->externs[x];
    if (!v->natives) {
        *msg = fmt_msg(v, "native function '%s' is not bound: the run "
                       "has not bound native functions",
                       bc_string(v->prog, ex->name));
        return VM_RUNTIME_ERROR;
    }
    if (!charge(v, FFI_CALL_COST)) {
        return VM_LIMIT;
    }
    size_t bytes = 0;
    rt_status fo = ffi_invoke(v->natives, x, args, v->a, out, &bytes, msg);
    if (!charge(v, bytes / VM_TEXT_UNIT)) {
        return VM_LIMIT;
    }
    if (fo == RT_OK || fo == RT_ERUNTIME || fo == RT_ENOMEM) {
        return fo; /* the VM's status already */
    }
    *msg = NULL; /* type confusion, or a call never bound: a bug */
    return VM_RUNTIME_ERROR;
}

/* Runs function [func] with [nargs] arguments [args] (borrowed) on an
 * empty stack until it returns, storing the result in *[out].  Errors fill
 * v->err through raise().  Not re-entrant: the checks walker and vm_eval
 * call it one run after another. */
/* Runs trace instruction [ip] (a TRACE_*; code at [code]) of the
 * running frame, whose locals are [locals] and stack top [sp]: notes its
 * event when tracing.  0, or 1 out of memory, or 2 for a value of the
 * wrong kind. */
static __attribute__((noinline)) int trace_instr(vm *v, const uint8_t *ip,
                                                 const uint8_t *code,
                                                 const value *sp,
                                                 const value *locals)
{
    const bc_program *prog = v->prog;
    uint32_t pc = (uint32_t)(ip - code);
    uint16_t f = v->frames[v->depth].func;
    switch ((bc_op)*ip) {
    case OP_TRACE_ENTER:
        if (v->tr_max) {
            if (!trace_add(v, VM_TR_ENTER, f, 0, pc, NULL, NULL)) {
                return 1;
            }
            for (uint16_t i = 0; i < prog->funcs[f].arity; i++) {
                if (!trace_add(v, VM_TR_ARG, f, i, pc, &locals[i], NULL)) {
                    return 1;
                }
            }
        }
        return 0;
    case OP_TRACE_EXIT:
        return v->tr_max && !trace_add(v, VM_TR_EXIT, f, 0, pc, sp - 1, NULL);
    case OP_TRACE_FIELD: {
        uint16_t r = BC_ARG(ip, TRACE_FIELD, 0);
        uint16_t fi = BC_ARG(ip, TRACE_FIELD, 1);
        const value *x = sp - 1;
        if (x->kind != VAL_RECORD || x->as.r->type != r ||
            fi >= x->as.r->count) {
            return 2;
        }
        return v->tr_max && !trace_add(v, VM_TR_FIELD, r, fi, pc,
                                       &x->as.r->fields[fi], x->as.r);
    }
    case OP_TRACE_INIT:
        return v->tr_max && !trace_add(v, VM_TR_INIT,
                                       BC_ARG(ip, TRACE_INIT, 0),
                                       BC_ARG(ip, TRACE_INIT, 1), pc, sp - 1,
                                       NULL);
    case OP_TRACE_REC:
        return v->tr_max && !trace_add(v, VM_TR_REC, BC_ARG(ip, TRACE_REC, 0),
                                       0, pc, sp - 1, NULL);
    case OP_TRACE_BEGIN:
        return v->tr_max && !trace_add(v, VM_TR_BEGIN,
                                       BC_ARG(ip, TRACE_BEGIN, 0), 0, pc,
                                       NULL, NULL);
    case OP_TRACE_CALL: {
        uint16_t g = BC_ARG(ip, TRACE_CALL, 0);
        VM_ASSERT(g < prog->nfuncs);
        uint16_t n = prog->funcs[g].arity;
        if ((size_t)(sp - locals) < n) {
            return 2;
        }
        value r;
        if (v->tr_max && memo_peek(v, g, sp, &r)) {
            if (!trace_add(v, VM_TR_MEMO, g, 0, pc, &r, NULL)) {
                return 1;
            }
            for (uint16_t i = 0; i < n; i++) {
                if (!trace_add(v, VM_TR_ARG, g, i, pc, sp - n + i, NULL)) {
                    return 1;
                }
            }
        }
        return 0;
    }
    default:
        return 2;
    }
}

static vm_status execute(vm *v, uint16_t func, const value *args,
                         uint16_t nargs, value *out)
{
    /* Few locals live across the loop -- ip, sp, locals, code, consts, v
     * -- so the compiler keeps them in callee-saved registers; the frame,
     * the budget and the arena are read from [v] where needed, and big
     * instruction bodies are out-of-line helpers.  (With more, gcc 12
     * spilled sp and locals to memory and the loop ran half as fast.) */
    const bc_program *const prog = v->prog;
    const uint8_t *const code = prog->code;
    const value *const consts = prog->consts;

    vm_status st = VM_OK;
    dec_status ds = DEC_OK;
    const char *msg = NULL;
    const char *path = NULL;

    v->depth = 0;
    vm_frame *fr = &v->frames[0];
    fr->base = 0;
    fr->func = func;
    fr->is_memo = 0;
    fr->is_memo1 = 0;
    fr->pc = 0;
    if (func >= prog->nfuncs || prog->funcs[func].arity != nargs) {
        if (func < prog->nfuncs) {
            fr->pc = prog->funcs[func].code_off;
        }
        return raise(v, VM_RUNTIME_ERROR, NULL,
                     "bytecode type confusion at entry: wrong function",
                     false);
    }
    const bc_func *fn = &prog->funcs[func];
    fr->pc = fn->code_off;
    size_t need = (size_t)(fn->nlocals > nargs ? fn->nlocals : nargs) +
                  fn->max_stack;
    if (need > v->stack_cap && (st = grow_stack(v, need)) != VM_OK) {
        return raise(v, st, NULL,
                     st == VM_LIMIT ? "operand stack limit exceeded"
                                    : "out of memory",
                     true);
    }
    value *locals = v->stack;
    for (uint16_t i = 0; i < nargs; i++) {
        locals[i] = args[i];
    }
    for (uint32_t i = nargs; i < fn->nlocals; i++) {
        locals[i] = val_none();
    }
    value *sp = locals + (fn->nlocals > nargs ? fn->nlocals : nargs);
    const uint8_t *ip = code + fn->code_off;

#define THROW(st_, msg_)                                                       \
    do {                                                                       \
        st = (st_);                                                            \
        msg = (msg_);                                                          \
        goto fail;                                                             \
    } while (0)
#define CONFUSED() goto confused
#define NOMEM() THROW(VM_ENOMEM, "out of memory")
#define TOP (sp[-1])
#define FR (&v->frames[v->depth]) /* the running frame */
/* Where the jump [name] at ip goes: its operand 0, an absolute offset in
 * code[] that verify.c proved lands on an instruction of the running
 * function.  Does not compile unless opcodes.def gives that operand a
 * JUMP or LOOP kind, so the VM and the list agree on what jumps. */
#define TARGET(name)                                                           \
    (code + BC_ARG(ip, name, 0) +                                              \
     0 * sizeof(char[BC_IS_JUMP_KIND(BC_K_##name##_0) ? 1 : -1]))

#ifdef TALLY_TRACE_VM
#define VM_TRACE()                                                             \
    fprintf(stderr, "vm %6u %-14s depth %2u stack %3d\n",                      \
            (unsigned)(ip - code), bc_ops[*ip].name, (unsigned)v->depth,       \
            (int)(sp - locals))
#else
#define VM_TRACE() ((void)0)
#endif

#ifdef TALLY_COMPUTED_GOTO
    static const void *const dispatch[OP_COUNT] = {
#define TALLY_OP(name, operands, pop, push) &&op_##name,
#include "opcodes.def"
#undef TALLY_OP
    };
#define VM_DISPATCH()                                                          \
    do {                                                                       \
        VM_HOT_ASSERT(*ip < OP_COUNT);                                         \
        VM_TRACE();                                                            \
        goto *dispatch[*ip];                                                   \
    } while (0)
#define VM_CASE(name) op_##name
#define VM_LOOP() VM_DISPATCH();
#define VM_LOOP_END()
#else
#define VM_DISPATCH() goto dispatch
#define VM_CASE(name) case OP_##name
#define VM_LOOP()                                                              \
    dispatch:                                                                  \
    VM_TRACE();                                                                \
    switch ((bc_op)*ip)
#define VM_LOOP_END()                                                          \
    case OP_COUNT:                                                             \
    default:                                                                   \
        VM_ASSERT(!"verified code has only known opcodes");                    \
        CONFUSED();
#endif
/* Finishes an instruction of [n] bytes, always BC_OP_LEN(its name) so
 * the length comes from opcodes.def, and runs the next one. */
#define VM_NEXT(n)                                                             \
    do {                                                                       \
        ip += (n);                                                             \
        VM_DISPATCH();                                                         \
    } while (0)

/* Exact decimal binary op [fn] (instruction [op]) on the two top values
 * (the result may alias an operand, decimal.h).  A big operand shares the
 * kind test's unlikely branch, where its work is charged: inline values
 * pay two compares for it. */
#define DEC_BINOP(op, fn)                                                      \
    do {                                                                       \
        value *dx_ = sp - 2, *dy_ = sp - 1;                                    \
        if (UNLIKELY((dx_->kind != VAL_DEC) | (dy_->kind != VAL_DEC) |         \
                     (dx_->as.d.d == 0) | (dy_->as.d.d == 0))) {               \
            if ((dx_->kind != VAL_DEC) | (dy_->kind != VAL_DEC)) {             \
                CONFUSED();                                                    \
            }                                                                  \
            if (!charge(v, dec_cost(&dx_->as.d, &dy_->as.d))) {                \
                goto budget;                                                   \
            }                                                                  \
        }                                                                      \
        ds = fn(v->a, &dx_->as.d, &dy_->as.d, &dx_->as.d);                     \
        if (UNLIKELY(ds != DEC_OK)) {                                          \
            goto dec_failed;                                                   \
        }                                                                      \
        sp--;                                                                  \
        VM_NEXT(BC_OP_LEN(op));                                                \
    } while (0)
/* Checked integer binary op [builtin] (instruction [op]). */
#define INT_BINOP(op, builtin, sym)                                            \
    do {                                                                       \
        value *x = sp - 2, *y = sp - 1;                                        \
        if (UNLIKELY((x->kind != VAL_INT) | (y->kind != VAL_INT))) {           \
            CONFUSED();                                                        \
        }                                                                      \
        if (UNLIKELY(builtin(x->as.i, y->as.i, &x->as.i))) {                   \
            THROW(VM_RUNTIME_ERROR, "integer overflow in " sym);               \
        }                                                                      \
        sp--;                                                                  \
        VM_NEXT(BC_OP_LEN(op));                                                \
    } while (0)
#define CMP_OP(op, rel)                                                        \
    do {                                                                       \
        int c_ = cmp_values(v, sp - 2, sp - 1);                                \
        if (UNLIKELY(c_ == CMP_STOP)) {                                        \
            goto budget;                                                       \
        }                                                                      \
        sp--;                                                                  \
        set_bool(&TOP, c_ rel 0);                                              \
        VM_NEXT(BC_OP_LEN(op));                                                \
    } while (0)

    VM_LOOP()
    {
    VM_CASE(NOP):
        VM_NEXT(BC_OP_LEN(NOP));

    VM_CASE(PUSH_NONE):
        set_word(sp++, VAL_NONE, 0);
        VM_NEXT(BC_OP_LEN(PUSH_NONE));

    VM_CASE(PUSH_TRUE):
        set_bool(sp++, true);
        VM_NEXT(BC_OP_LEN(PUSH_TRUE));

    VM_CASE(PUSH_FALSE):
        set_bool(sp++, false);
        VM_NEXT(BC_OP_LEN(PUSH_FALSE));

    VM_CASE(CONST):
        VM_HOT_ASSERT(BC_ARG(ip, CONST, 0) < prog->nconsts);
        vcopy(sp++, &consts[BC_ARG(ip, CONST, 0)]);
        VM_NEXT(BC_OP_LEN(CONST));

    VM_CASE(LOAD):
        VM_HOT_ASSERT(BC_ARG(ip, LOAD, 0) < prog->funcs[FR->func].nlocals);
        vcopy(sp++, &locals[BC_ARG(ip, LOAD, 0)]);
        VM_NEXT(BC_OP_LEN(LOAD));

    VM_CASE(STORE):
        VM_HOT_ASSERT(BC_ARG(ip, STORE, 0) < prog->funcs[FR->func].nlocals);
        vcopy(&locals[BC_ARG(ip, STORE, 0)], --sp);
        VM_NEXT(BC_OP_LEN(STORE));

    VM_CASE(POP):
        sp--;
        VM_NEXT(BC_OP_LEN(POP));

    VM_CASE(DUP):
        vcopy(sp, sp - 1);
        sp++;
        VM_NEXT(BC_OP_LEN(DUP));

    VM_CASE(INPUT):
        vcopy(sp++, &v->input);
        VM_NEXT(BC_OP_LEN(INPUT));

    VM_CASE(CALL): {
        uint16_t f = BC_ARG(ip, CALL, 0);
        VM_ASSERT(f < prog->nfuncs);
        const bc_func *callee = &prog->funcs[f];
        if ((callee->flags & BC_FUNC_MEMO) && v->memo_gen[f] == v->gen) {
            sp -= callee->arity; /* 0 in any sane program */
            vcopy(sp++, &v->memo[f]);
            VM_NEXT(BC_OP_LEN(CALL));
        }
        uint32_t m1 = UINT32_MAX;
        if (callee->flags & BC_FUNC_MEMO1) {
            const value *k = sp - 1;
            uint64_t w1 = k->as.d.u.n ^ ((uint64_t)k->kind << 56), w2 = k->as.d.d;
            uint64_t h = (w1 * 0x9E3779B97F4A7C15u) ^ (w2 * 0xC2B2AE3D27D4EB4Fu);
            m1 = (uint32_t)f * VM_MEMO1_WAYS + (uint32_t)(h >> 59);
            memo1_entry *e = &v->memo1[m1];
            if (e->gen == v->gen && e->key.kind == k->kind &&
                e->key.type == k->type && e->key.len == k->len &&
                e->key.as.d.u.n == k->as.d.u.n && e->key.as.d.d == k->as.d.d) {
                vcopy(sp - 1, &e->result);
                VM_NEXT(BC_OP_LEN(CALL));
            }
            vcopy(&e->key, k);
            e->gen = 0; /* filled on RET */
        }
        if (UNLIKELY(v->fuel-- == 0)) {
            goto budget;
        }
        if (UNLIKELY(v->depth == VM_MAX_DEPTH - 1)) {
            THROW(VM_RUNTIME_ERROR, "call depth exceeded");
        }
        value *nl = sp - callee->arity;
        uint32_t nslots =
            callee->nlocals > callee->arity ? callee->nlocals : callee->arity;
        size_t top = (size_t)(nl - v->stack) + nslots + callee->max_stack;
        if (UNLIKELY(top > v->stack_cap)) {
            value *old = v->stack;
            vm_status gs = grow_stack(v, top);
            if (gs != VM_OK) {
                THROW(gs, gs == VM_LIMIT ? "operand stack limit exceeded"
                                         : "out of memory");
            }
            sp = v->stack + (sp - old);
            nl = v->stack + (nl - old); /* locals: set to nl below */
        }
        for (value *p = sp; p < nl + callee->nlocals; p++) {
            set_word(p, VAL_NONE, 0);
        }
        vm_frame *fr = FR;
        fr->pc = (uint32_t)(ip - code);
        fr++;
        v->depth++;
        fr->base = (uint32_t)(nl - v->stack);
        fr->func = f;
        fr->is_memo = (callee->flags & BC_FUNC_MEMO) != 0;
        fr->is_memo1 = m1 != UINT32_MAX;
        fr->memo1_slot = m1;
        locals = nl;
        sp = nl + nslots;
        ip = code + callee->code_off;
        VM_DISPATCH();
    }

    VM_CASE(RET): {
        const value *r = sp - 1;
        vm_frame *fr = FR;
        if (fr->is_memo) {
            vcopy(&v->memo[fr->func], r);
            v->memo_gen[fr->func] = v->gen;
        } else if (fr->is_memo1) {
            memo1_entry *e = &v->memo1[fr->memo1_slot];
            vcopy(&e->result, r);
            e->gen = v->gen;
        }
        if (v->depth == 0) {
            *out = *r;
            return VM_OK;
        }
        sp = locals; /* below r: vcopy reads r whole before writing */
        fr--;
        v->depth--;
        locals = v->stack + fr->base;
        ip = code + fr->pc + BC_OP_LEN(CALL); /* past the CALL */
        vcopy(sp++, r);
        VM_DISPATCH();
    }

    VM_CASE(JUMP):
        ip = TARGET(JUMP);
        VM_DISPATCH();

    VM_CASE(FOR_NEXT): {
        value *lv = &locals[BC_ARG(ip, FOR_NEXT, 1)];
        value *iv = &locals[BC_ARG(ip, FOR_NEXT, 2)];
        if (UNLIKELY((lv->kind != VAL_LIST) | (iv->kind != VAL_INT))) {
            CONFUSED();
        }
        uint64_t i = (uint64_t)iv->as.i;
        if (i >= lv->as.l->count) {
            ip = TARGET(FOR_NEXT);
            VM_DISPATCH();
        }
        vcopy(&locals[BC_ARG(ip, FOR_NEXT, 3)], &lv->as.l->items[i]);
        iv->as.i = (int64_t)i + 1;
        VM_NEXT(BC_OP_LEN(FOR_NEXT));
    }

    VM_CASE(LOOP):
        if (UNLIKELY(v->fuel-- == 0)) {
            goto budget;
        }
        ip = TARGET(LOOP);
        VM_DISPATCH();

    VM_CASE(JUMP_IF_FALSE): {
        const value *c = --sp;
        if (UNLIKELY(c->kind != VAL_BOOL)) {
            sp++;
            CONFUSED();
        }
        ip = c->as.b ? ip + BC_OP_LEN(JUMP_IF_FALSE)
                     : TARGET(JUMP_IF_FALSE);
        VM_DISPATCH();
    }

    VM_CASE(JUMP_IF_TRUE): {
        const value *c = --sp;
        if (UNLIKELY(c->kind != VAL_BOOL)) {
            sp++;
            CONFUSED();
        }
        ip = c->as.b ? TARGET(JUMP_IF_TRUE)
                     : ip + BC_OP_LEN(JUMP_IF_TRUE);
        VM_DISPATCH();
    }

    /* pop 1, push 1 in opcodes.def: the verifier proves a value is
     * there to look at. */
    VM_CASE(JUMP_IF_NONE):
        ip = TOP.kind == VAL_NONE ? TARGET(JUMP_IF_NONE)
                                  : ip + BC_OP_LEN(JUMP_IF_NONE);
        VM_DISPATCH();

    VM_CASE(JUMP_IF_SOME):
        ip = TOP.kind != VAL_NONE ? TARGET(JUMP_IF_SOME)
                                  : ip + BC_OP_LEN(JUMP_IF_SOME);
        VM_DISPATCH();

    VM_CASE(NOT):
        if (UNLIKELY(TOP.kind != VAL_BOOL)) {
            CONFUSED();
        }
        set_bool(&TOP, !TOP.as.b);
        VM_NEXT(BC_OP_LEN(NOT));

    VM_CASE(ADD_INT):
        INT_BINOP(ADD_INT, __builtin_add_overflow, "+");

    VM_CASE(SUB_INT):
        INT_BINOP(SUB_INT, __builtin_sub_overflow, "-");

    VM_CASE(MUL_INT):
        INT_BINOP(MUL_INT, __builtin_mul_overflow, "*");

    VM_CASE(NEG_INT):
        if (UNLIKELY(TOP.kind != VAL_INT)) {
            CONFUSED();
        }
        if (UNLIKELY(TOP.as.i == INT64_MIN)) {
            THROW(VM_RUNTIME_ERROR, "integer overflow in negation");
        }
        TOP.as.i = -TOP.as.i;
        VM_NEXT(BC_OP_LEN(NEG_INT));

    VM_CASE(INT_TO_DEC):
        if (UNLIKELY(TOP.kind != VAL_INT)) {
            CONFUSED();
        }
        set_words(&TOP, VAL_DEC, (uint64_t)TOP.as.i, 1); /* n/1, canonical */
        VM_NEXT(BC_OP_LEN(INT_TO_DEC));

    VM_CASE(ADD_DEC): {
        /* Integer-valued operands (n/1) stay inline and canonical; the
         * common case of sums of amounts skips the call. */
        value *x = sp - 2, *y = sp - 1;
        int64_t n;
        if (LIKELY((x->kind == VAL_DEC) & (y->kind == VAL_DEC) &
                   (x->as.d.d == 1) & (y->as.d.d == 1)) &&
            !__builtin_add_overflow(x->as.d.u.n, y->as.d.u.n, &n)) {
            x->as.d.u.n = n;
            sp--;
            VM_NEXT(BC_OP_LEN(ADD_DEC));
        }
        DEC_BINOP(ADD_DEC, dec_add);
    }

    VM_CASE(SUB_DEC): {
        value *x = sp - 2, *y = sp - 1;
        int64_t n;
        if (LIKELY((x->kind == VAL_DEC) & (y->kind == VAL_DEC) &
                   (x->as.d.d == 1) & (y->as.d.d == 1)) &&
            !__builtin_sub_overflow(x->as.d.u.n, y->as.d.u.n, &n)) {
            x->as.d.u.n = n;
            sp--;
            VM_NEXT(BC_OP_LEN(SUB_DEC));
        }
        DEC_BINOP(SUB_DEC, dec_sub);
    }

    VM_CASE(MUL_DEC):
        DEC_BINOP(MUL_DEC, dec_mul);

    VM_CASE(DIV_DEC):
        DEC_BINOP(DIV_DEC, dec_div);

    VM_CASE(NEG_DEC): {
        if (UNLIKELY(TOP.kind != VAL_DEC)) {
            CONFUSED();
        }
        if (UNLIKELY(!charge_dec(v, &TOP.as.d, NULL))) {
            goto budget;
        }
        ds = dec_neg(v->a, &TOP.as.d, &TOP.as.d);
        if (UNLIKELY(ds != DEC_OK)) {
            goto dec_failed;
        }
        VM_NEXT(BC_OP_LEN(NEG_DEC));
    }

    VM_CASE(ROUND): {
        value *x = sp - 2, *n = sp - 1;
        unsigned mode = BC_ARG(ip, ROUND, 0);
        if (UNLIKELY((x->kind != VAL_DEC) | (n->kind != VAL_INT) |
                     (mode >= DEC_ROUND_MODE_COUNT))) {
            CONFUSED();
        }
        if (UNLIKELY(n->as.i < 0 || n->as.i > LIM_MAX_PLACES)) {
            THROW(VM_RUNTIME_ERROR,
                  fmt_msg(v, "cannot round to %" PRId64 " places: places "
                             "must be 0 to " LIM_STR(LIM_MAX_PLACES),
                          n->as.i));
        }
        if (UNLIKELY(!charge_dec(v, &x->as.d, NULL))) {
            goto budget;
        }
        ds = dec_round(v->a, &x->as.d, (int)n->as.i, (dec_round_mode)mode,
                       &x->as.d);
        if (UNLIKELY(ds != DEC_OK)) {
            goto dec_failed;
        }
        sp--;
        VM_NEXT(BC_OP_LEN(ROUND));
    }

    VM_CASE(ADD_DAYS): {
        value *x = sp - 2, *y = sp - 1;
        int64_t r;
        if (UNLIKELY((x->kind != VAL_DATE) | (y->kind != VAL_DURATION))) {
            CONFUSED();
        }
        if (UNLIKELY(__builtin_add_overflow(x->as.i, y->as.i, &r) ||
                     r < LIM_MIN_DAY || r > LIM_MAX_DAY)) {
            THROW(VM_RUNTIME_ERROR,
                  "date out of range (years 0001 to 9999) in date + days");
        }
        x->as.i = r;
        sp--;
        VM_NEXT(BC_OP_LEN(ADD_DAYS));
    }

    VM_CASE(EQ): {
        int e = eq_values(v, sp - 2, sp - 1);
        if (UNLIKELY(e < 0)) {
            goto budget;
        }
        sp--;
        set_bool(&TOP, e);
        VM_NEXT(BC_OP_LEN(EQ));
    }

    VM_CASE(NE): {
        int e = eq_values(v, sp - 2, sp - 1);
        if (UNLIKELY(e < 0)) {
            goto budget;
        }
        sp--;
        set_bool(&TOP, !e);
        VM_NEXT(BC_OP_LEN(NE));
    }

    VM_CASE(LT):
        CMP_OP(LT, <);
    VM_CASE(LE):
        CMP_OP(LE, <=);
    VM_CASE(GT):
        CMP_OP(GT, >);
    VM_CASE(GE):
        CMP_OP(GE, >=);

    VM_CASE(MIN): {
        /* The first on a tie: replace it only when the second is less. */
        int c = cmp_values(v, sp - 1, sp - 2);
        if (UNLIKELY(c == CMP_STOP)) {
            goto budget;
        }
        if (c < 0) {
            vcopy(sp - 2, sp - 1);
        }
        sp--;
        VM_NEXT(BC_OP_LEN(MIN));
    }

    VM_CASE(MAX): {
        int c = cmp_values(v, sp - 1, sp - 2);
        if (UNLIKELY(c == CMP_STOP)) {
            goto budget;
        }
        if (c > 0) {
            vcopy(sp - 2, sp - 1);
        }
        sp--;
        VM_NEXT(BC_OP_LEN(MAX));
    }

    VM_CASE(IS_NONE):
        set_bool(&TOP, TOP.kind == VAL_NONE);
        VM_NEXT(BC_OP_LEN(IS_NONE));

    VM_CASE(FIELD): {
        uint16_t rt = BC_ARG(ip, FIELD, 0), fi = BC_ARG(ip, FIELD, 1);
        if (UNLIKELY(TOP.kind != VAL_RECORD || TOP.as.r->type != rt)) {
            CONFUSED();
        }
        VM_HOT_ASSERT(fi < TOP.as.r->count);
        vcopy(&TOP, &TOP.as.r->fields[fi]);
        VM_NEXT(BC_OP_LEN(FIELD));
    }

    VM_CASE(LOAD_FIELD): {
        const value *x = &locals[BC_ARG(ip, LOAD_FIELD, 0)];
        uint16_t rt = BC_ARG(ip, LOAD_FIELD, 1);
        uint16_t fi = BC_ARG(ip, LOAD_FIELD, 2);
        if (UNLIKELY(x->kind != VAL_RECORD || x->as.r->type != rt)) {
            CONFUSED();
        }
        VM_HOT_ASSERT(fi < x->as.r->count);
        vcopy(sp++, &x->as.r->fields[fi]);
        VM_NEXT(BC_OP_LEN(LOAD_FIELD));
    }

    VM_CASE(RECORD): {
        uint16_t rt = BC_ARG(ip, RECORD, 0);
        VM_ASSERT(rt < prog->nrecords);
        sp -= prog->records[rt].nfields;
        if (UNLIKELY(!make_record(v, sp, rt, prog->records[rt].nfields))) {
            NOMEM();
        }
        sp++;
        VM_NEXT(BC_OP_LEN(RECORD));
    }

    VM_CASE(LIST): {
        uint16_t n = BC_ARG(ip, LIST, 0);
        sp -= n;
        if (UNLIKELY(!make_list(v, sp, n))) {
            NOMEM();
        }
        sp++;
        VM_NEXT(BC_OP_LEN(LIST));
    }

    VM_CASE(LIST_NEW):
        if (UNLIKELY(!make_list(v, sp, 0))) {
            NOMEM();
        }
        sp++;
        VM_NEXT(BC_OP_LEN(LIST_NEW));

    VM_CASE(LIST_APPEND): {
        /* In place: the compiler appends only to a list it just made. */
        value *lv = sp - 2;
        if (UNLIKELY(lv->kind != VAL_LIST)) {
            CONFUSED();
        }
        val_list *l = lv->as.l;
        if (UNLIKELY(l->count == l->cap)) {
            vm_status gs = grow_list(v, l);
            if (gs != VM_OK) {
                THROW(gs, gs == VM_LIMIT ? "list longer than "
                                           TALLY_STR(VM_MAX_ITEMS_COUNT)
                                           " elements"
                                         : "out of memory");
            }
        }
        vcopy(&l->items[l->count++], sp - 1);
        sp--;
        VM_NEXT(BC_OP_LEN(LIST_APPEND));
    }

    VM_CASE(LIST_LEN):
        if (UNLIKELY(TOP.kind != VAL_LIST)) {
            CONFUSED();
        }
        set_int(&TOP, TOP.as.l->count);
        VM_NEXT(BC_OP_LEN(LIST_LEN));

    VM_CASE(LIST_GET): {
        value *lv = sp - 2, *iv = sp - 1;
        if (UNLIKELY((lv->kind != VAL_LIST) | (iv->kind != VAL_INT))) {
            CONFUSED();
        }
        const val_list *l = lv->as.l;
        if (UNLIKELY((uint64_t)iv->as.i >= l->count)) {
            THROW(VM_RUNTIME_ERROR,
                  fmt_msg(v,
                          "list position %" PRId64 " out of range (the list "
                          "has %" PRIu32 " item%s)",
                          iv->as.i == INT64_MAX ? INT64_MAX : iv->as.i + 1,
                          l->count, l->count == 1 ? "" : "s"));
        }
        vcopy(lv, &l->items[iv->as.i]);
        sp--;
        VM_NEXT(BC_OP_LEN(LIST_GET));
    }

    VM_CASE(MAP_GET): {
        value *mv = sp - 2, *kv = sp - 1;
        if (UNLIKELY((mv->kind != VAL_MAP) | (kv->kind != VAL_TEXT))) {
            CONFUSED();
        }
        const value *r = map_lookup(v, mv->as.m, kv);
        if (!r) {
            if (UNLIKELY(v->over_budget)) {
                goto budget;
            }
            set_word(mv, VAL_NONE, 0);
        } else if (UNLIKELY(r->kind == VAL_ERROR)) {
            /* SPEC: award-evaluation, Input: a bad entry is an error only
             * when the policy reads it. */
            path = r->as.e->path;
            THROW(VM_DATA_ERROR, r->as.e->msg ? r->as.e->msg : "bad value");
        } else {
            vcopy(mv, r);
        }
        sp--;
        VM_NEXT(BC_OP_LEN(MAP_GET));
    }

    VM_CASE(IN): {
        if (UNLIKELY(TOP.kind != VAL_LIST)) {
            CONFUSED();
        }
        int found = list_contains(v, TOP.as.l, sp - 2);
        if (UNLIKELY(found < 0)) {
            goto budget;
        }
        const value *other = list_cur_clash(TOP.as.l, sp - 2);
        if (UNLIKELY(other != NULL)) {
            char cx[4], cy[4];
            val_cur_code(sp[-2].type, cx);
            val_cur_code(other->type, cy);
            THROW(VM_RUNTIME_ERROR,
                  fmt_msg(v, "cannot use is in on money in %s and a list "
                             "holding money in %s (amounts in different "
                             "currencies)", cx, cy));
        }
        sp--;
        set_bool(&TOP, found);
        VM_NEXT(BC_OP_LEN(IN));
    }

    VM_CASE(EVAL_DATE): {
        if (v->has_as_of) {
            value d = val_none();
            d.kind = VAL_DATE;
            d.as.i = v->as_of;
            *sp++ = d;
        } else {
            *sp++ = val_none();
        }
        VM_NEXT(BC_OP_LEN(EVAL_DATE));
    }

    VM_CASE(COVER): {
        uint16_t k = BC_ARG(ip, COVER, 0);
        VM_ASSERT(k < prog->nprobes && v->probe_hits);
        v->probe_hits[k]++;
        if (v->tr_max &&
            !trace_add(v, VM_TR_ARM, k, 0, (uint32_t)(ip - code), NULL, NULL)) {
            NOMEM();
        }
        VM_NEXT(BC_OP_LEN(COVER));
    }

    VM_CASE(CUR_SET): {
        uint16_t k = BC_ARG(ip, CUR_SET, 0);
        VM_ASSERT(k < prog->nstrings);
        if (TOP.kind == VAL_DEC) {
            TOP.type = val_cur_pack(prog->strings[k].p, prog->strings[k].len);
        } else if (UNLIKELY(TOP.kind != VAL_NONE)) {
            CONFUSED();
        }
        VM_NEXT(BC_OP_LEN(CUR_SET));
    }

    VM_CASE(CUR_JOIN): {
        /* SPEC: issue 9 item 3: no amount mixes currencies, and there
         * is no rate table to convert one. */
        value *x = sp - 2, *y = sp - 1;
        unsigned verb = BC_ARG(ip, CUR_JOIN, 0);
        if ((x->kind == VAL_DEC) & (y->kind == VAL_DEC)) {
            if (UNLIKELY(x->type != y->type && x->type != VAL_CUR_NONE &&
                         y->type != VAL_CUR_NONE)) {
                char cx[4], cy[4];
                val_cur_code(x->type, cx);
                val_cur_code(y->type, cy);
                unsigned w = verb & BC_CUR_VERB_MASK;
                VM_ASSERT(w < BC_CUR_VERB_COUNT);
                THROW(VM_RUNTIME_ERROR,
                      fmt_msg(v, "cannot use %s on money in %s and money in "
                                 "%s (amounts in different currencies)",
                              bc_cur_verb_names[w], cx, cy));
            }
            uint16_t c = (verb & BC_CUR_UNTAG) ? VAL_CUR_NONE
                         : x->type != VAL_CUR_NONE ? x->type : y->type;
            x->type = y->type = c;
        } else if (x->kind == VAL_DEC || y->kind == VAL_DEC) {
            /* money * decimal, or none beside an amount: the amount's
             * currency, unless the result is no amount */
            if (verb & BC_CUR_UNTAG) {
                if (x->kind == VAL_DEC) x->type = VAL_CUR_NONE;
                if (y->kind == VAL_DEC) y->type = VAL_CUR_NONE;
            }
        }
        VM_NEXT(BC_OP_LEN(CUR_JOIN));
    }

    VM_CASE(CITE): {
        if (v->cite_gen) {
            uint16_t k = BC_ARG(ip, CITE, 0);
            VM_ASSERT(k < prog->ncites);
            v->cite_gen[k] = v->gen;
            if (v->tr_max && !trace_add(v, VM_TR_CITE, k, 0,
                                        (uint32_t)(ip - code), NULL, NULL)) {
                NOMEM();
            }
        }
        VM_NEXT(BC_OP_LEN(CITE));
    }

    /* Derivation traces: only in programs compiled for tracing, and out
     * of line, so that the loop is compiled as it was without them. */
    VM_CASE(TRACE_ENTER):
    VM_CASE(TRACE_EXIT):
    VM_CASE(TRACE_FIELD):
    VM_CASE(TRACE_INIT):
    VM_CASE(TRACE_REC):
    VM_CASE(TRACE_BEGIN):
    VM_CASE(TRACE_CALL): {
        int tr = trace_instr(v, ip, code, sp, locals);
        if (UNLIKELY(tr != 0)) {
            if (tr == 1) {
                NOMEM();
            }
            CONFUSED();
        }
        ip += bc_ops[*ip].len;
        VM_DISPATCH();
    }

    VM_CASE(CALL_NATIVE): {
        uint16_t x = BC_ARG(ip, CALL_NATIVE, 0);
        VM_ASSERT(x < prog->nexterns);
        uint16_t n = prog->externs[x].arity;
        value res;
        vm_status ns = call_native(v, x, sp - n, &res, &msg);
        if (UNLIKELY(ns != VM_OK)) {
            if (ns == VM_LIMIT) {
                goto budget;
            }
            if (ns == VM_ENOMEM) {
                NOMEM();
            }
            if (!msg) {
                CONFUSED();
            }
            THROW(ns, msg);
        }
        sp -= n;
        *sp++ = res;
        VM_NEXT(BC_OP_LEN(CALL_NATIVE));
    }

    VM_CASE(CONCAT): {
        value *x = sp - 2, *y = sp - 1;
        if (UNLIKELY((x->kind != VAL_TEXT) | (y->kind != VAL_TEXT))) {
            CONFUSED();
        }
        vm_status cs = concat(v, x, y);
        if (UNLIKELY(cs != VM_OK)) {
            if (v->over_budget) {
                goto budget;
            }
            THROW(cs, cs == VM_LIMIT ? MSG_TEXT_TOO_LONG : "out of memory");
        }
        sp--;
        VM_NEXT(BC_OP_LEN(CONCAT));
    }

    VM_CASE(TO_TEXT): {
        const char *why = NULL;
        vm_status ts = to_text(v, &TOP, BC_ARG(ip, TO_TEXT, 0), &TOP, &why);
        if (UNLIKELY(ts != VM_OK)) {
            if (ts == VM_ENOMEM) {
                NOMEM();
            }
            if (ts == VM_LIMIT) {
                if (v->over_budget) {
                    goto budget;
                }
                THROW(VM_LIMIT, why);
            }
            if (why) {
                THROW(VM_RUNTIME_ERROR, why);
            }
            CONFUSED();
        }
        VM_NEXT(BC_OP_LEN(TO_TEXT));
    }

    VM_CASE(SORT): {
        const value *clash[2] = {NULL, NULL};
        vm_status ss = sort_list(v, &TOP, BC_ARG(ip, SORT, 0),
                                 BC_ARG(ip, SORT, 1), clash);
        if (UNLIKELY(ss != VM_OK)) {
            if (ss == VM_ENOMEM) {
                NOMEM();
            }
            if (ss == VM_LIMIT) {
                goto budget;
            }
            if (clash[0]) {
                char cx[4], cy[4];
                val_cur_code(clash[0]->type, cx);
                val_cur_code(clash[1]->type, cy);
                THROW(VM_RUNTIME_ERROR,
                      fmt_msg(v, "cannot sort by money in %s and money in %s "
                                 "(amounts in different currencies)", cx, cy));
            }
            CONFUSED();
        }
        VM_NEXT(BC_OP_LEN(SORT));
    }

    VM_CASE(FAIL):
        if (UNLIKELY(TOP.kind != VAL_TEXT)) {
            CONFUSED();
        }
        THROW(VM_RUNTIME_ERROR, text_cstr(v, &TOP));

    VM_CASE(CHECK_FAIL): {
        uint32_t s = BC_ARG(ip, CHECK_FAIL, 0);
        VM_ASSERT(s < prog->nstrings);
        if (UNLIKELY(TOP.kind != VAL_TEXT)) {
            CONFUSED();
        }
        msg = text_cstr(v, &TOP);
        path = render_path(v, bc_string(prog, s));
        if (!path) {
            NOMEM();
        }
        THROW(VM_DATA_ERROR, msg);
    }

    VM_CASE(SUB_DAYS):
    VM_CASE(ADD_MONTHS):
    VM_CASE(SUB_MONTHS):
    VM_CASE(ADD_WORKING):
    VM_CASE(SUB_WORKING):
    VM_CASE(DAYS_BETWEEN):
    VM_CASE(ADD_SECONDS):
    VM_CASE(SUB_SECONDS):
    VM_CASE(MUL_DUR):
    VM_CASE(IS_WORKING):
    VM_CASE(WORKING_END):
    VM_CASE(WORKING_COUNT):
    VM_CASE(LOCAL_DATE): {
        /* Rare and each a call's worth of work: one shared body, the
         * operand (a MONTH_RULE or TIME_UNIT, or none) read by its
         * table offset. */
        const bc_opinfo *oi = &bc_ops[*ip];
        uint32_t a = oi->nopnds ? ip[oi->off[0]] : 0;
        vm_status ds = date_instr(v, (bc_op)*ip, a, sp - oi->pop, &msg);
        if (UNLIKELY(ds != VM_OK)) {
            if (ds == VM_LIMIT) {
                goto budget;
            }
            if (!msg) {
                CONFUSED();
            }
            THROW(ds, msg);
        }
        sp -= oi->pop - 1;
        VM_NEXT(oi->len);
    }

    VM_LOOP_END()
    }

    /* Shared tails: ip is still on the failing instruction. */
dec_failed:
    if (ds == DEC_DIV_ZERO) {
        THROW(VM_RUNTIME_ERROR, "division by zero");
    }
    if (ds == DEC_TOO_BIG) {
        THROW(VM_LIMIT, MSG_NUMBER_TOO_BIG);
    }
    NOMEM();
budget:
    THROW(VM_LIMIT, fmt_msg(v, "instruction budget of %" PRIu64 " exceeded",
                            v->budget));
confused:
    THROW(VM_RUNTIME_ERROR, fmt_msg(v, "bytecode type confusion at %s",
                                    *ip < OP_COUNT ? bc_ops[*ip].name
                                                   : "an unknown opcode"));
fail:
    FR->pc = (uint32_t)(ip - code);
    return raise(v, st, path, msg, true);

#undef THROW
#undef CONFUSED
#undef NOMEM
#undef TOP
#undef FR
#undef TARGET
#undef VM_TRACE
#undef VM_DISPATCH
#undef VM_CASE
#undef VM_LOOP
#undef VM_LOOP_END
#undef VM_NEXT
#undef DEC_BINOP
#undef INT_BINOP
#undef CMP_OP
}

/* ---- checks ------------------------------------------------------------ */

/* Checks: before the output function, vm_eval walks the bound input along
 * its type and calls each record's check function (bc_record.check_fn)
 * with the record.  Order: a record's own check first, then its fields in
 * declaration order, each walked the same way (parent before children,
 * depth first), so the first failure reported is the first in that order.
 * The walker enters record fields, list elements ("bids[1]"), present
 * optionals and map values ("scores.Q1"; entries that failed to bind are
 * left for MAP_GET to report), and only types from which a checked record
 * is reachable (v->needs_walk). */

static vm_status walk_value(vm *v, uint16_t t, const value *x, int depth);

static vm_status walk_confused(vm *v, const char *what)
{
    return raise(v, VM_RUNTIME_ERROR, NULL, what, false);
}

static bool push_seg(vm *v, path_seg s)
{
    if (v->path_count == v->path_cap) {
        uint32_t cap = v->path_cap ? v->path_cap * 2 : 16;
        path_seg *p = mem_realloc(v->mem, v->path,
                                  v->path_cap * sizeof(path_seg),
                                  cap * sizeof(path_seg));
        if (!p) {
            return false;
        }
        v->path = p;
        v->path_cap = cap;
    }
    v->path[v->path_count++] = s;
    return true;
}

static vm_status walk_nomem(vm *v)
{
    return raise(v, VM_ENOMEM, NULL, "out of memory", false);
}

static vm_status walk_record(vm *v, uint16_t r, const value *x, int depth)
{
    const bc_program *p = v->prog;
    if (depth > WALK_MAX_DEPTH) {
        return walk_confused(v, "input nested too deep for its checks");
    }
    if (x->kind != VAL_RECORD || x->as.r->type != r || r >= p->nrecords ||
        x->as.r->count < p->records[r].nfields) {
        return walk_confused(v, "bytecode type confusion in input checks");
    }
    const bc_record *rec = &p->records[r];
    if (rec->check_fn != BC_NONE_U16) {
        value ignored;
        vm_status st = execute(v, rec->check_fn, x, 1, &ignored);
        if (st != VM_OK) {
            return st;
        }
    }
    for (uint32_t i = 0; i < rec->nfields; i++) {
        size_t fi = (size_t)rec->first_field + i;
        if (fi >= p->nfields) {
            return walk_confused(v, "bytecode type confusion in input checks");
        }
        const bc_field *f = &p->fields[fi];
        if (f->type >= p->ntypes || !v->needs_walk[f->type]) {
            continue;
        }
        path_seg s = {.kind = SEG_FIELD,
                      .s = f->json < p->nstrings ? bc_string(p, f->json) : "?"};
        if (!push_seg(v, s)) {
            return walk_nomem(v);
        }
        vm_status st = walk_value(v, f->type, &x->as.r->fields[i], depth + 1);
        v->path_count--;
        if (st != VM_OK) {
            return st;
        }
    }
    return VM_OK;
}

static vm_status walk_value(vm *v, uint16_t t, const value *x, int depth)
{
    const bc_program *p = v->prog;
    if (depth > WALK_MAX_DEPTH) {
        return walk_confused(v, "input nested too deep for its checks");
    }
    const bc_type *ty = &p->types[t];
    switch ((bc_type_kind)ty->kind) {
    case BT_RECORD:
        return walk_record(v, ty->ref, x, depth);
    case BT_OPTIONAL:
        if (x->kind == VAL_NONE || ty->ref >= p->ntypes) {
            return VM_OK;
        }
        return walk_value(v, ty->ref, x, depth + 1);
    case BT_LIST: {
        if (x->kind != VAL_LIST || ty->ref >= p->ntypes) {
            return walk_confused(v, "bytecode type confusion in input checks");
        }
        const val_list *l = x->as.l;
        for (uint32_t i = 0; i < l->count; i++) {
            path_seg s = {.kind = SEG_INDEX, .index = i};
            if (!push_seg(v, s)) {
                return walk_nomem(v);
            }
            vm_status st = walk_value(v, ty->ref, &l->items[i], depth + 1);
            v->path_count--;
            if (st != VM_OK) {
                return st;
            }
        }
        return VM_OK;
    }
    case BT_MAP: {
        if (x->kind != VAL_MAP || ty->ref >= p->ntypes) {
            return walk_confused(v, "bytecode type confusion in input checks");
        }
        const val_map *m = x->as.m;
        for (uint32_t i = 0; i < m->count; i++) {
            if (m->vals[i].kind == VAL_ERROR) {
                continue;
            }
            path_seg s = {.kind = SEG_KEY, .s = m->keys[i].as.s,
                          .len = m->keys[i].len};
            if (!push_seg(v, s)) {
                return walk_nomem(v);
            }
            vm_status st = walk_value(v, ty->ref, &m->vals[i], depth + 1);
            v->path_count--;
            if (st != VM_OK) {
                return st;
            }
        }
        return VM_OK;
    }
    case BT_BOOL:
    case BT_INT:
    case BT_DEC:
    case BT_MONEY:
    case BT_PERCENT:
    case BT_DATE:
    case BT_DATETIME:
    case BT_DURATION:
    case BT_TEXT:
    case BT_ENUM:
    case BT_KIND_COUNT:
        break;
    }
    return VM_OK;
}

/* ---- entry points ------------------------------------------------------ */

static void begin(vm *v, arena *a, const value *input, value *out,
                  vm_error *err)
{
    memset(err, 0, sizeof *err);
    err->cite = -1;
    *out = val_none();
    trace_reset(v);
    v->a = a;
    v->err = err;
    v->fuel = v->budget ? v->budget : UINT64_MAX;
    v->over_budget = false;
    v->path_count = 0;
    v->input = input ? *input : val_none();
    /* A new generation forgets every memo result in O(1); on wrap-around
     * clear the table once so no stale entry can match. */
    if (++v->gen == 0) {
        size_t nf = v->prog->nfuncs ? v->prog->nfuncs : 1;
        memset(v->memo_gen, 0, nf * sizeof(uint32_t));
        if (v->memo1) {
            memset(v->memo1, 0, nf * VM_MEMO1_WAYS * sizeof(memo1_entry));
        }
        if (v->cite_gen) {
            memset(v->cite_gen, 0, v->prog->ncites * sizeof(uint32_t));
        }
        v->gen = 1;
    }
}

vm_status vm_eval(vm *v, arena *a, const value *input, value *out,
                  vm_error *err)
{
    const bc_program *p = v->prog;
    begin(v, a, input, out, err);
    uint16_t r = p->input_record;
    if (input->kind != VAL_RECORD || r >= p->nrecords ||
        input->as.r->type != r) {
        return walk_confused(v, "input is not a record of the policy's "
                                "input type");
    }
    /* SPEC: award-evaluation, Bad input: checks reject a record before
     * anything is computed from it. */
    if (v->needs_walk[p->ntypes + r]) {
        vm_status st = walk_record(v, r, input, 0);
        if (st != VM_OK) {
            return st;
        }
    }
    if (p->output_func == BC_NONE_U16) {
        return walk_confused(v, "the program has no output function");
    }
    value res;
    vm_status st = execute(v, p->output_func, NULL, 0, &res);
    if (st == VM_OK) {
        *out = res;
    }
    return st;
}

vm_status vm_eval_findings(vm *v, value *out, vm_error *err)
{
    const bc_program *p = v->prog;
    memset(err, 0, sizeof *err);
    err->cite = -1;
    v->err = err;
    *out = val_none();
    if (p->findings_func == BC_NONE_U16) {
        return VM_OK;
    }
    value res;
    vm_status st = execute(v, p->findings_func, NULL, 0, &res);
    if (st == VM_OK) {
        *out = res;
    }
    return st;
}

vm_status vm_eval_report(vm *v, uint32_t report, value *out, vm_error *err)
{
    const bc_program *p = v->prog;
    memset(err, 0, sizeof *err);
    err->cite = -1;
    v->err = err;
    *out = val_none();
    if (report >= p->nreports) {
        return VM_OK;
    }
    value res;
    vm_status st = execute(v, p->reports[report].func, NULL, 0, &res);
    if (st == VM_OK) {
        *out = res;
    }
    return st;
}

vm_status vm_call(vm *v, arena *a, uint16_t func, const value *args,
                  uint16_t nargs, value *out, vm_error *err)
{
    begin(v, a, NULL, out, err);
    value res;
    vm_status st = execute(v, func, args, nargs, &res);
    if (st == VM_OK) {
        *out = res;
    }
    return st;
}
