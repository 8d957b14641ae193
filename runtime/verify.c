/* runtime/verify.c - bytecode verifier.
 *
 * Proves, before anything runs, that every table reference is in range,
 * every jump lands on an instruction of its own function, every operand
 * indexes an existing constant, slot, function, record or string, and the
 * operand stack never underflows, never exceeds the declared depth and
 * has one depth at every instruction whatever the path.  vm.c relies on
 * all of it and only asserts it.  Works on untrusted input (bc_read checks
 * structure only): no assert() on program data, no recursion whose depth
 * depends on the input, no quadratic scans of input-sized tables.
 *
 * Order: strings, types, records, fields, members, enums, constants,
 * functions, header, locations, then code, so each check may rely on the
 * indices the earlier ones proved.
 */
#include "verify.h"

#include "tally_assert.h"
#include "tally_limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_SHOWN 48       /* bytes of a name quoted in a message */

typedef struct vfy {
    const bc_program *p; /* borrowed */
    mem_ctx *mem;        /* borrowed: p's allocator, for scratch tables */
    char *err;
    size_t errcap;
    bool nomem;          /* a failure was for want of scratch memory */
} vfy;

static bool fail(vfy *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool fail(vfy *v, const char *fmt, ...)
{
    if (v->err && v->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err, v->errcap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Allocates [count] elements of [size] bytes of scratch; reports failure. */
static void *scratch(vfy *v, size_t count, size_t size)
{
    if (count && size > SIZE_MAX / count) {
        v->nomem = true;
        fail(v, "out of memory");
        return NULL;
    }
    void *s = mem_alloc(v->mem, count * size);
    if (!s) {
        v->nomem = true;
        fail(v, "out of memory");
    }
    return s;
}

/* Frees scratch from scratch(); mem_alloc gave 1 byte for 0. */
static void drop(vfy *v, void *s, size_t count, size_t size)
{
    size_t n = count * size;
    mem_free(v->mem, s, n ? n : 1);
}

#define NO_INDEX UINT32_MAX /* str_ok: the owner is not a table entry */

/* Checks that string [s], named [what] of [owner] [i], exists. */
static bool str_ok(vfy *v, uint32_t s, const char *owner, uint32_t i,
                   const char *what)
{
    if (s >= v->p->nstrings && i == NO_INDEX) {
        return fail(v, "%s: %s string %u out of range (%u strings)", owner,
                    what, s, v->p->nstrings);
    }
    if (s >= v->p->nstrings) {
        return fail(v, "%s %u: %s string %u out of range (%u strings)", owner,
                    i, what, s, v->p->nstrings);
    }
    return true;
}

/* Length of a name as quoted in messages. */
static int shown(const bc_program *p, uint32_t s)
{
    uint32_t len = p->strings[s].len;
    return len > NAME_SHOWN ? NAME_SHOWN : (int)len;
}

static bool check_tables(vfy *v)
{
    const bc_program *p = v->p;
    static const char *const what[] = {
        "strings", "constants", "types", "fields", "records", "members",
        "enums", "functions", "code", "locations", "extern definitions",
        "citations", "parameters", "parameter rows", "modules",
    };
    const void *tab[] = {p->strings, p->consts,  p->types, p->fields,
                         p->records, p->members, p->enums, p->funcs,
                         p->code,    p->locs,    p->externs, p->cites,
                         p->params,  p->param_rows, p->modules};
    uint32_t n[] = {p->nstrings, p->nconsts,  p->ntypes, p->nfields,
                    p->nrecords, p->nmembers, p->nenums, p->nfuncs,
                    p->code_len, p->nlocs,    p->nexterns, p->ncites,
                    p->nparams,  p->nparam_rows, p->nmodules};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        if (n[i] && !tab[i]) {
            return fail(v, "%s: %u entries but no table", what[i], n[i]);
        }
    }
    for (uint32_t i = 0; i < p->nstrings; i++) {
        if (!p->strings[i].p) {
            return fail(v, "string %u: no bytes", i);
        }
    }
    return true;
}

/* ---- types, records, fields, enums ----------------------------------- */

static bool is_container(uint8_t kind)
{
    return kind == BT_LIST || kind == BT_MAP || kind == BT_OPTIONAL;
}

static bool check_type(vfy *v, uint32_t i)
{
    const bc_program *p = v->p;
    const bc_type *t = &p->types[i];
    if (t->kind >= BT_KIND_COUNT) {
        return fail(v, "type %u: unknown kind %u", i, t->kind);
    }
    if (t->has_min > 1 || t->has_max > 1) {
        return fail(v, "type %u: has_min/has_max %u/%u, expected 0 or 1", i,
                    t->has_min, t->has_max);
    }
    switch ((bc_type_kind)t->kind) {
    case BT_BOOL:
    case BT_DATE:
    case BT_DATETIME:
    case BT_DURATION:
    case BT_TEXT:
        return true;
    case BT_INT:
        if (t->has_min && t->has_max && t->min > t->max) {
            return fail(v, "type %u: min %lld above max %lld", i,
                        (long long)t->min, (long long)t->max);
        }
        return true;
    case BT_MONEY:
        if (t->currency >= p->nstrings) {
            return fail(v, "type %u: currency string %u out of range (%u "
                        "strings)", i, t->currency, p->nstrings);
        }
        /* fall through */
    case BT_DEC:
    case BT_PERCENT:
        if (t->places > LIM_MAX_PLACES && t->places != BC_PLACES_ANY) {
            return fail(v, "type %u: %u decimal places, expected 0..%d or "
                        "any", i, t->places, LIM_MAX_PLACES);
        }
        return true;
    case BT_ENUM:
        if (t->ref >= p->nenums) {
            return fail(v, "type %u: enum %u out of range (%u enums)", i,
                        t->ref, p->nenums);
        }
        return true;
    case BT_RECORD:
        if (t->ref >= p->nrecords) {
            return fail(v, "type %u: record %u out of range (%u records)", i,
                        t->ref, p->nrecords);
        }
        return true;
    case BT_LIST:
    case BT_MAP:
    case BT_OPTIONAL:
        if (t->ref >= p->ntypes) {
            return fail(v, "type %u: element type %u out of range (%u "
                        "types)", i, t->ref, p->ntypes);
        }
        if (t->kind == BT_OPTIONAL && p->types[t->ref].kind == BT_OPTIONAL) {
            return fail(v, "type %u: optional of optional type %u, expected "
                        "a non-optional inner type", i, t->ref);
        }
        return true;
    case BT_KIND_COUNT:
        break;
    }
    return fail(v, "type %u: unknown kind %u", i, t->kind);
}

/* Rejects a chain of list/map/optional types that never reaches a scalar,
 * enum or record (type 3 = list of type 3): such a type has no values and
 * would send anything walking it round forever.  Each type has at most one
 * outgoing reference, so one stamped walk per type finds every cycle in
 * linear time without recursion. */
static bool check_type_cycles(vfy *v)
{
    const bc_program *p = v->p;
    if (p->ntypes == 0) {
        return true;
    }
    uint32_t *stamp = scratch(v, p->ntypes, sizeof *stamp);
    if (!stamp) {
        return false;
    }
    memset(stamp, 0, (size_t)p->ntypes * sizeof *stamp);
    bool ok = true;
    for (uint32_t i = 0; ok && i < p->ntypes; i++) {
        uint32_t j = i;
        while (is_container(p->types[j].kind) && stamp[j] == 0) {
            stamp[j] = i + 1;
            j = p->types[j].ref;
        }
        if (is_container(p->types[j].kind) && stamp[j] == i + 1) {
            ok = fail(v, "type %u: element types form a cycle through type "
                      "%u, expected a scalar, enum or record at the end", i,
                      j);
        }
    }
    drop(v, stamp, p->ntypes, sizeof *stamp);
    return ok;
}

static bool check_records(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nrecords; i++) {
        const bc_record *r = &p->records[i];
        if (!str_ok(v, r->name, "record", i, "name")) {
            return false;
        }
        if ((uint64_t)r->first_field + r->nfields > p->nfields) {
            return fail(v, "record %u: fields %u..%llu out of range (%u "
                        "fields)", i, r->first_field,
                        (unsigned long long)r->first_field + r->nfields,
                        p->nfields);
        }
        if (r->check_fn == BC_NONE_U16) {
            continue;
        }
        if (r->check_fn >= p->nfuncs) {
            return fail(v, "record %u: check function %u out of range (%u "
                        "functions)", i, r->check_fn, p->nfuncs);
        }
        if (p->funcs[r->check_fn].arity != 1) {
            return fail(v, "record %u: check function %u has arity %u, "
                        "expected 1", i, r->check_fn,
                        p->funcs[r->check_fn].arity);
        }
    }
    return true;
}

static bool check_fields(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nfields; i++) {
        const bc_field *f = &p->fields[i];
        if (!str_ok(v, f->name, "field", i, "name") ||
            !str_ok(v, f->json, "field", i, "json")) {
            return false;
        }
        if (f->type >= p->ntypes) {
            return fail(v, "field %u: type %u out of range (%u types)", i,
                        f->type, p->ntypes);
        }
        if (f->flags & ~BC_FIELD_FLAGS) {
            return fail(v, "field %u: unknown flags 0x%02x", i, f->flags);
        }
        if (f->unique_key == BC_NONE_U16) {
            continue;
        }
        const bc_type *t = &p->types[f->type];
        if (t->kind != BT_LIST || p->types[t->ref].kind != BT_RECORD) {
            return fail(v, "field %u: unique key on a field whose type is not "
                        "a list of records", i);
        }
        uint16_t rec = p->types[t->ref].ref;
        if (f->unique_key >= p->records[rec].nfields) {
            return fail(v, "field %u: unique key %u out of range (record %u "
                        "has %u fields)", i, f->unique_key, rec,
                        p->records[rec].nfields);
        }
    }
    return true;
}

static bool check_enums(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nmembers; i++) {
        if (!str_ok(v, p->members[i].name, "member", i, "name") ||
            !str_ok(v, p->members[i].json, "member", i, "json")) {
            return false;
        }
    }
    for (uint32_t i = 0; i < p->nenums; i++) {
        const bc_enum *e = &p->enums[i];
        if (!str_ok(v, e->name, "enum", i, "name") ||
            !str_ok(v, e->label, "enum", i, "label")) {
            return false;
        }
        if ((uint64_t)e->first_member + e->nmembers > p->nmembers) {
            return fail(v, "enum %u: members %u..%llu out of range (%u "
                        "members)", i, e->first_member,
                        (unsigned long long)e->first_member + e->nmembers,
                        p->nmembers);
        }
    }
    return true;
}

/* ---- constants ------------------------------------------------------- */

typedef struct str_key {
    uintptr_t p;  /* address of a string's bytes */
    uint32_t len; /* its length */
} str_key;

static int cmp_str_key(const void *a, const void *b)
{
    const str_key *x = a, *y = b;
    if (x->p != y->p) {
        return x->p < y->p ? -1 : 1;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/* A text constant must be a string-table entry, as bc_write requires:
 * look its address up in the table's sorted addresses. */
static bool check_texts(vfy *v)
{
    const bc_program *p = v->p;
    uint32_t ntext = 0;
    for (uint32_t i = 0; i < p->nconsts; i++) {
        ntext += p->consts[i].kind == VAL_TEXT;
    }
    if (ntext == 0) {
        return true;
    }
    str_key *keys = NULL;
    if (p->nstrings) {
        keys = scratch(v, p->nstrings, sizeof *keys);
        if (!keys) {
            return false;
        }
        for (uint32_t i = 0; i < p->nstrings; i++) {
            keys[i].p = (uintptr_t)p->strings[i].p;
            keys[i].len = p->strings[i].len;
        }
        qsort(keys, p->nstrings, sizeof *keys, cmp_str_key);
    }
    bool ok = true;
    for (uint32_t i = 0; ok && i < p->nconsts; i++) {
        const value *c = &p->consts[i];
        if (c->kind != VAL_TEXT) {
            continue;
        }
        str_key k = {(uintptr_t)c->as.s, c->len};
        if (!keys || !bsearch(&k, keys, p->nstrings, sizeof *keys,
                              cmp_str_key)) {
            ok = fail(v, "constant %u: text does not point at a string-table "
                      "entry", i);
        }
    }
    if (keys) {
        drop(v, keys, p->nstrings, sizeof *keys);
    }
    return ok;
}

static bool check_consts(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const value *c = &p->consts[i];
        switch ((val_kind)c->kind) {
        case VAL_NONE:
        case VAL_BOOL:
        case VAL_INT:
        case VAL_DURATION:
        case VAL_TEXT: /* check_texts */
            break;
        case VAL_DEC:
            if (DEC_IS_BIG(c->as.d) && !c->as.d.u.big) {
                return fail(v, "constant %u: decimal without a value", i);
            }
            break;
        case VAL_DATE:
            if (c->as.i < LIM_MIN_DAY || c->as.i > LIM_MAX_DAY) {
                return fail(v, "constant %u: date %lld days from 1970 is "
                            "outside 0001-01-01..9999-12-31", i,
                            (long long)c->as.i);
            }
            break;
        case VAL_DATETIME:
            if (c->as.t.sec < (int64_t)LIM_MIN_DAY * LIM_SEC_PER_DAY ||
                c->as.t.sec >
                    ((int64_t)LIM_MAX_DAY + 1) * LIM_SEC_PER_DAY - 1) {
                return fail(v, "constant %u: datetime %lld s from 1970 is "
                            "outside years 0001..9999", i,
                            (long long)c->as.t.sec);
            }
            if (c->as.t.nsec < 0 || c->as.t.nsec > 999999999) {
                return fail(v, "constant %u: datetime nanoseconds %d, expected "
                            "0..999999999", i, (int)c->as.t.nsec);
            }
            if (!date_instant_zone_ok(&c->as.t)) {
                return fail(v, "constant %u: datetime offset %d minutes in "
                            "zone form %u, expected an offset within "
                            "+-23:59", i, (int)c->as.t.off,
                            (unsigned)c->as.t.zone);
            }
            break;
        case VAL_ENUM:
            if (c->type >= p->nenums) {
                return fail(v, "constant %u: enum %u out of range (%u enums)",
                            i, c->type, p->nenums);
            }
            if (c->as.i < 0 || c->as.i >= p->enums[c->type].nmembers) {
                return fail(v, "constant %u: ordinal %lld out of range (enum "
                            "%u has %u members)", i, (long long)c->as.i,
                            c->type, p->enums[c->type].nmembers);
            }
            break;
        case VAL_RECORD:
        case VAL_LIST:
        case VAL_MAP:
        case VAL_ERROR:
        case VAL_KIND_COUNT:
        default:
            return fail(v, "constant %u: kind %u cannot be a constant", i,
                        c->kind);
        }
    }
    return check_texts(v);
}

/* ---- functions and header -------------------------------------------- */

typedef struct span {
    uint32_t off; /* code_off */
    uint32_t len; /* code_len */
    uint32_t fn;  /* function index */
} span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->off != y->off) {
        return x->off < y->off ? -1 : 1;
    }
    return x->fn < y->fn ? -1 : x->fn > y->fn;
}

static bool check_overlap(vfy *v)
{
    const bc_program *p = v->p;
    if (p->nfuncs < 2) {
        return true;
    }
    span *s = scratch(v, p->nfuncs, sizeof *s);
    if (!s) {
        return false;
    }
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        s[i] = (span){p->funcs[i].code_off, p->funcs[i].code_len, i};
    }
    qsort(s, p->nfuncs, sizeof *s, cmp_span);
    bool ok = true;
    for (uint32_t i = 1; ok && i < p->nfuncs; i++) {
        if ((uint64_t)s[i - 1].off + s[i - 1].len > s[i].off) {
            ok = fail(v, "function %u: code %u..%u overlaps function %u at "
                      "%u..%llu", s[i].fn, s[i].off, s[i].off + s[i].len,
                      s[i - 1].fn, s[i - 1].off,
                      (unsigned long long)s[i - 1].off + s[i - 1].len);
        }
    }
    drop(v, s, p->nfuncs, sizeof *s);
    return ok;
}

static bool check_funcs(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const bc_func *f = &p->funcs[i];
        if (!str_ok(v, f->name, "function", i, "name")) {
            return false;
        }
        if (f->arity > f->nlocals) {
            return fail(v, "function %u: arity %u above its %u locals", i,
                        f->arity, f->nlocals);
        }
        if (f->flags & ~(BC_FUNC_MEMO | BC_FUNC_MEMO1)) {
            return fail(v, "function %u: unknown flags 0x%02x", i, f->flags);
        }
        if ((f->flags & BC_FUNC_MEMO1) && f->arity != 1) {
            return fail(v, "function %u: memoised by argument with %u "
                        "parameters, expected 1", i, f->arity);
        }
        if ((f->flags & BC_FUNC_MEMO) && f->arity != 0) {
            return fail(v, "function %u: memoised with %u parameters, "
                        "expected 0", i, f->arity);
        }
        if (f->code_len == 0) {
            return fail(v, "function %u: no code, expected at least RET", i);
        }
        if ((uint64_t)f->code_off + f->code_len > p->code_len) {
            return fail(v, "function %u: code %u..%llu outside the code (%u "
                        "bytes)", i, f->code_off,
                        (unsigned long long)f->code_off + f->code_len,
                        p->code_len);
        }
    }
    return check_overlap(v);
}

/* Extern definitions: their strings exist, the name is a C identifier
 * (it is looked up as a symbol), the library a plain file name (never a
 * path: where a library lives is the run's choice, not the file's), and
 * the signature uses known type letters, at most TALLY_NATIVE_MAX_PARAMS
 * of them.  CALL_NATIVE relies on arity equal to the letters. */
/* Citations: their strings exist (a URL and the origin may be none). */
static bool check_cites(vfy *v)
{
    const bc_program *p = v->p;
    if (p->origin != BC_NO_STRING && p->origin >= p->nstrings) {
        return fail(v, "header: source string %u out of range (%u strings)",
                    p->origin, p->nstrings);
    }
    for (uint32_t i = 0; i < p->ncites; i++) {
        const bc_cite *c = &p->cites[i];
        if (c->text >= p->nstrings || c->by >= p->nstrings ||
            (c->url != BC_NO_STRING && c->url >= p->nstrings)) {
            return fail(v, "citation %u: string out of range (%u strings)", i,
                        p->nstrings);
        }
        if (c->func != BC_NONE_U16 && c->func >= p->nfuncs) {
            return fail(v, "citation %u: function %u out of range (%u "
                        "functions)", i, c->func, p->nfuncs);
        }
    }
    return true;
}

/* Parameters: name, function and type exist; rows inside the row table,
 * each ending no earlier than it starts. */
static bool check_params(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nparams; i++) {
        const bc_param *x = &p->params[i];
        if (x->name >= p->nstrings) {
            return fail(v, "parameter %u: string %u out of range (%u strings)",
                        i, x->name, p->nstrings);
        }
        if (x->func >= p->nfuncs || x->type >= p->ntypes) {
            return fail(v, "parameter %u: function %u or type %u out of range",
                        i, x->func, x->type);
        }
        if (x->first_row > p->nparam_rows ||
            x->nrows > p->nparam_rows - x->first_row) {
            return fail(v, "parameter %u: rows %u..%u out of range (%u rows)",
                        i, x->first_row, x->first_row + x->nrows, p->nparam_rows);
        }
    }
    for (uint32_t i = 0; i < p->nparam_rows; i++) {
        if (p->param_rows[i].until < p->param_rows[i].from) {
            return fail(v, "parameter row %u: ends before it starts", i);
        }
    }
    return true;
}

static bool check_externs(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const bc_extern *x = &p->externs[i];
        if (x->name >= p->nstrings || x->library >= p->nstrings ||
            x->params >= p->nstrings) {
            return fail(v, "extern %u: string out of range (%u strings)", i,
                        p->nstrings);
        }
        const bc_str *nm = &p->strings[x->name];
        bool ok = nm->len > 0 && nm->len <= 255 &&
                  !(nm->p[0] >= '0' && nm->p[0] <= '9');
        for (uint32_t k = 0; ok && k < nm->len; k++) {
            char c = nm->p[k];
            ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9');
        }
        if (!ok) {
            return fail(v, "extern %u: name is not a C identifier", i);
        }
        const bc_str *lib = &p->strings[x->library];
        ok = lib->len > 0 && lib->len <= 255 && lib->p[0] != '.' &&
             lib->p[0] != '-';
        for (uint32_t k = 0; ok && k < lib->len; k++) {
            char c = lib->p[k];
            ok = c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') ||
                 (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }
        if (!ok) {
            return fail(v, "extern %.*s: library name is not a plain file "
                        "name", shown(p, x->name), nm->p);
        }
        const bc_str *ps = &p->strings[x->params];
        if (ps->len > TALLY_NATIVE_MAX_PARAMS || x->arity != ps->len) {
            return fail(v, "extern %.*s: %u parameters, at most %d",
                        shown(p, x->name), nm->p, ps->len,
                        TALLY_NATIVE_MAX_PARAMS);
        }
        for (uint32_t k = 0; k < ps->len; k++) {
            if (!bc_native_type_ok((unsigned char)ps->p[k])) {
                return fail(v, "extern %.*s: parameter %u has no native type",
                            shown(p, x->name), nm->p, k + 1);
            }
        }
        if (!bc_native_type_ok(x->result)) {
            return fail(v, "extern %.*s: result has no native type",
                        shown(p, x->name), nm->p);
        }
    }
    return true;
}

/* The findings function, when there is one: arity 0, giving a list of
 * records of code, severity and message (text) and cite and url
 * (optional text), as the runner writes them (BC_FINDING_*). */
static bool check_findings(vfy *v)
{
    const bc_program *p = v->p;
    if (p->findings_func == BC_NONE_U16 && p->findings_type == BC_NONE_U16) {
        return true;
    }
    if (p->findings_func >= p->nfuncs || p->funcs[p->findings_func].arity != 0) {
        return fail(v, "header: findings function %u is not a function of arity 0",
                    p->findings_func);
    }
    const bc_type *t = p->findings_type < p->ntypes ? &p->types[p->findings_type] : NULL;
    const bc_type *e = t && t->kind == BT_LIST && t->ref < p->ntypes ? &p->types[t->ref] : NULL;
    const bc_record *r = e && e->kind == BT_RECORD && e->ref < p->nrecords
                             ? &p->records[e->ref] : NULL;
    if (!r || r->nfields != BC_FINDING_NFIELDS ||
        (uint64_t)r->first_field + r->nfields > p->nfields) {
        return fail(v, "header: findings type %u is not a list of finding records",
                    p->findings_type);
    }
    for (unsigned i = 0; i < BC_FINDING_NFIELDS; i++) {
        uint16_t ft = p->fields[r->first_field + i].type;
        const bc_type *f = ft < p->ntypes ? &p->types[ft] : NULL;
        if (f && i >= BC_FINDING_CITE && f->kind == BT_OPTIONAL && f->ref < p->ntypes) {
            f = &p->types[f->ref];
        } else if (i >= BC_FINDING_CITE) {
            f = NULL;
        }
        if (!f || f->kind != BT_TEXT) {
            return fail(v, "header: findings field %u has the wrong type", i);
        }
    }
    return true;
}

/* The record a type index names through [list] levels of list (0 or 1),
 * or NULL when it is not one whose fields are all in the table. */
static const bc_record *record_through(const bc_program *p, uint16_t t, int list)
{
    const bc_type *ty = t < p->ntypes ? &p->types[t] : NULL;
    if (list && ty) {
        ty = ty->kind == BT_LIST && ty->ref < p->ntypes ? &p->types[ty->ref] : NULL;
    }
    const bc_record *r = ty && ty->kind == BT_RECORD && ty->ref < p->nrecords
                             ? &p->records[ty->ref] : NULL;
    if (r && (uint64_t)r->first_field + r->nfields > p->nfields) {
        return NULL;
    }
    return r;
}

/* [t] without its optional, or BC_NONE_U16 when out of range. */
static uint16_t strip_optional(const bc_program *p, uint16_t t)
{
    if (t < p->ntypes && p->types[t].kind == BT_OPTIONAL) {
        t = p->types[t].ref;
    }
    return t < p->ntypes ? t : BC_NONE_U16;
}

/* Whether a value of type [t] can key a group or be counted distinct:
 * one that report.c compares and encodes (no date-times, no
 * structures). */
static bool groupable(const bc_program *p, uint16_t t)
{
    if (t == BC_NONE_U16) {
        return false;
    }
    switch (p->types[t].kind) {
    case BT_BOOL: case BT_INT: case BT_DEC: case BT_MONEY: case BT_PERCENT:
    case BT_DATE: case BT_DURATION: case BT_TEXT: case BT_ENUM:
        return true;
    default:
        return false;
    }
}

static bool numeric(const bc_program *p, uint16_t t)
{
    if (t == BC_NONE_U16) {
        return false;
    }
    uint8_t k = p->types[t].kind;
    return k == BT_INT || k == BT_DEC || k == BT_MONEY || k == BT_PERCENT;
}

/* One column [c] of report [i]: its argument of type [in] and its result
 * of type [out] agree with its aggregate, as report.c relies on. */
static bool check_report_col(vfy *v, uint32_t i, uint16_t c, const bc_report_col *col,
                             uint16_t in, uint16_t out)
{
    const bc_program *p = v->p;
    uint16_t a = strip_optional(p, in), o = strip_optional(p, out);
    if (col->agg >= BC_AGG_COUNT_) {
        return fail(v, "report %u: column %u has no aggregate %u", i, c, col->agg);
    }
    if (col->places != BC_PLACES_ANY &&
        (col->places > LIM_MAX_PLACES || col->mode >= DEC_ROUND_MODE_COUNT)) {
        return fail(v, "report %u: column %u rounds to %u places in mode %u", i, c,
                    col->places, col->mode);
    }
    if ((col->flags & ~BC_REPORT_LIST) ||
        ((col->flags & BC_REPORT_LIST) && col->agg != BC_AGG_DISTINCT)) {
        return fail(v, "report %u: column %u has flags 0x%x", i, c, col->flags);
    }
    bool ok = o != BC_NONE_U16;
    switch ((bc_agg)col->agg) {
    case BC_AGG_COUNT:
        ok = ok && p->types[o].kind == BT_INT;
        break;
    case BC_AGG_DISTINCT:
        if (col->flags & BC_REPORT_LIST) {
            a = a != BC_NONE_U16 && p->types[a].kind == BT_LIST
                    ? strip_optional(p, p->types[a].ref) : BC_NONE_U16;
        }
        ok = ok && p->types[o].kind == BT_INT && groupable(p, a);
        break;
    case BC_AGG_SUM:
        ok = ok && numeric(p, a) && p->types[o].kind == p->types[a].kind;
        break;
    case BC_AGG_MIN:
    case BC_AGG_MAX:
        ok = ok && groupable(p, a) && p->types[o].kind == p->types[a].kind &&
             p->types[o].ref == p->types[a].ref;
        break;
    case BC_AGG_MEAN:
        ok = ok && numeric(p, a) &&
             p->types[o].kind == (p->types[a].kind == BT_INT ? BT_DEC : p->types[a].kind);
        break;
    case BC_AGG_SHARE:
        ok = ok && a != BC_NONE_U16 && p->types[a].kind == BT_BOOL &&
             p->types[o].kind == BT_PERCENT;
        break;
    case BC_AGG_VSHARE:
        a = a != BC_NONE_U16 && p->types[a].kind == BT_LIST
                ? strip_optional(p, p->types[a].ref) : BC_NONE_U16;
        ok = ok && numeric(p, a) && p->types[o].kind == BT_PERCENT;
        break;
    case BC_AGG_COUNT_:
        TALLY_UNREACHABLE();
    }
    if (!ok) {
        return fail(v, "report %u: column %u: argument type %u and result type %u do not "
                    "fit its aggregate", i, c, in, out);
    }
    return true;
}

/* Each report: its function (arity 0), its row type (a list of records
 * of keys then arguments) and its result type (a record of keys then
 * results), keys of types report.c can group by, and columns that fit
 * their aggregates. */
static bool check_reports(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nreports; i++) {
        const bc_report *rp = &p->reports[i];
        if (!str_ok(v, rp->name, "report", i, "name")) {
            return false;
        }
        if (rp->func >= p->nfuncs || p->funcs[rp->func].arity != 0) {
            return fail(v, "report %u: function %u is not a function of arity 0", i,
                        rp->func);
        }
        const bc_record *in = record_through(p, rp->in_type, 1);
        const bc_record *out = record_through(p, rp->out_type, 0);
        uint32_t n = (uint32_t)rp->nkeys + rp->ncols;
        if (!in || !out || in->nfields != n || out->nfields != n) {
            return fail(v, "report %u: types %u and %u are not a list of rows and a "
                        "record of %u fields", i, rp->in_type, rp->out_type, n);
        }
        if ((rp->top_col != BC_NONE_U16 && rp->top_col >= rp->ncols) || rp->top_desc > 1 ||
            (rp->top_col == BC_NONE_U16) != (rp->top == 0)) {
            return fail(v, "report %u: top %u by column %u", i, rp->top, rp->top_col);
        }
        for (uint16_t k = 0; k < rp->nkeys; k++) {
            uint16_t a = p->fields[in->first_field + k].type;
            uint16_t b = p->fields[out->first_field + k].type;
            if (a != b || !groupable(p, strip_optional(p, a))) {
                return fail(v, "report %u: key %u has types %u and %u, expected one "
                            "type to group by", i, k, a, b);
            }
        }
        for (uint16_t c = 0; c < rp->ncols; c++) {
            if (!check_report_col(v, i, c, &rp->cols[c],
                                  p->fields[in->first_field + rp->nkeys + c].type,
                                  p->fields[out->first_field + rp->nkeys + c].type)) {
                return false;
            }
        }
    }
    return true;
}

static bool check_header(vfy *v)
{
    const bc_program *p = v->p;
    if (!str_ok(v, p->title, "header", NO_INDEX, "title") ||
        !str_ok(v, p->version, "header", NO_INDEX, "version") ||
        !str_ok(v, p->source, "header", NO_INDEX, "source") ||
        !str_ok(v, p->input_name, "header", NO_INDEX, "input name")) {
        return false;
    }
    if (p->input_record >= p->nrecords) {
        return fail(v, "header: input record %u out of range (%u records)",
                    p->input_record, p->nrecords);
    }
    const bc_record *in = &p->records[p->input_record];
    if (p->key_field != BC_NONE_U16) {
        if (p->key_field >= in->nfields) {
            return fail(v, "header: key field %u out of range (input record "
                        "has %u fields)", p->key_field, in->nfields);
        }
        const bc_field *k = bc_record_field(p, in, p->key_field);
        if (p->types[k->type].kind != BT_TEXT) {
            return fail(v, "header: key field %u has type %u, expected a "
                        "text type", p->key_field, k->type);
        }
    }
    if (p->output_func == BC_NONE_U16) {
        return check_reports(v); /* a library: vm_eval reports it has no
                                    output */
    }
    if (p->output_func >= p->nfuncs) {
        return fail(v, "header: output function %u out of range (%u "
                    "functions)", p->output_func, p->nfuncs);
    }
    if (p->funcs[p->output_func].arity != 0) {
        return fail(v, "header: output function %u has arity %u, expected 0",
                    p->output_func, p->funcs[p->output_func].arity);
    }
    if (p->output_type >= p->ntypes) {
        return fail(v, "header: output type %u out of range (%u types)",
                    p->output_type, p->ntypes);
    }
    return check_findings(v) && check_reports(v);
}

static bool check_locs(vfy *v)
{
    const bc_program *p = v->p;
    for (uint32_t i = 0; i < p->nlocs; i++) {
        if (p->locs[i].pc >= p->code_len) {
            return fail(v, "location %u: pc %u outside the code (%u bytes)",
                        i, p->locs[i].pc, p->code_len);
        }
        if (i > 0 && p->locs[i].pc < p->locs[i - 1].pc) {
            return fail(v, "location %u: pc %u is below the previous "
                        "location's pc %u, expected sorted by pc", i,
                        p->locs[i].pc, p->locs[i - 1].pc);
        }
        if (p->locs[i].module != BC_NONE_U16 &&
            p->locs[i].module >= p->nmodules) {
            return fail(v, "location %u: module %u out of range (%u modules)",
                        i, p->locs[i].module, p->nmodules);
        }
    }
    return true;
}

static bool check_modules(vfy *v)
{
    const bc_program *p = v->p;
    if (p->nmodules >= BC_NONE_U16) {
        return fail(v, "modules: %u, expected fewer than %u", p->nmodules,
                    BC_NONE_U16);
    }
    for (uint32_t i = 0; i < p->nmodules; i++) {
        const bc_module *m = &p->modules[i];
        if (!str_ok(v, m->name, "module", i, "name") ||
            !str_ok(v, m->version, "module", i, "version") ||
            !str_ok(v, m->origin, "module", i, "origin")) {
            return false;
        }
    }
    return true;
}

/* ---- code ------------------------------------------------------------ */

/* Scratch for one function, sized for the longest. */
typedef struct walk {
    const bc_func *f;     /* borrowed: the function being checked */
    const uint8_t *code;  /* its first byte */
    uint8_t *is_start;    /* per byte: 1 where an instruction starts */
    int32_t *depth;       /* per byte: stack depth on entry, -1 unknown */
    uint32_t *work;       /* pcs whose successors are still to visit */
    uint32_t nwork;
} walk;

static bool fail_at(vfy *v, const walk *w, uint32_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "function NAME at 0012: <message>"; pc is within the function. */
static bool fail_at(vfy *v, const walk *w, uint32_t pc, const char *fmt, ...)
{
    if (!v->err || !v->errcap) {
        return false;
    }
    const bc_program *p = v->p;
    int n = snprintf(v->err, v->errcap, "function %.*s at %04u: ",
                     shown(p, w->f->name), bc_string(p, w->f->name), pc);
    if (n >= 0 && (size_t)n < v->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err + n, v->errcap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Checks operand [i] of the instruction at [pc], whose operands are
 * [x]: one check per kind, the same for every instruction.  Jump targets
 * wait for check_jumps, which needs every instruction start. */
static bool check_operand(vfy *v, const walk *w, uint32_t pc,
                          const uint32_t *x, unsigned i)
{
    const bc_program *p = v->p;
    bc_op op = (bc_op)w->code[pc];
    const char *name = bc_ops[op].name;
    uint32_t a = x[i];
    switch ((bc_opnd)bc_ops[op].kind[i]) {
    case OPND_CONST:
        if (a >= p->nconsts) {
            return fail_at(v, w, pc, "%s %u out of range (%u constants)",
                           name, a, p->nconsts);
        }
        return true;
    case OPND_LOCAL:
        if (a >= w->f->nlocals) {
            return fail_at(v, w, pc, "%s %u out of range (%u locals)", name,
                           a, w->f->nlocals);
        }
        return true;
    case OPND_LIST_SLOT:
    case OPND_INDEX_SLOT:
    case OPND_ELEM_SLOT:
        if (a >= w->f->nlocals) {
            return fail_at(v, w, pc, "%s slot %u out of range (%u locals)",
                           name, a, w->f->nlocals);
        }
        return true;
    case OPND_FUNC:
        if (a >= p->nfuncs) {
            return fail_at(v, w, pc, "%s %u out of range (%u functions)",
                           name, a, p->nfuncs);
        }
        return true;
    case OPND_EXTERN:
        if (a >= p->nexterns) {
            return fail_at(v, w, pc, "%s %u out of range (%u extern "
                           "definitions)", name, a, p->nexterns);
        }
        return true;
    case OPND_PROBE:
        if (a >= p->nprobes) {
            return fail_at(v, w, pc, "%s %u out of range (%u coverage "
                           "points)", name, a, p->nprobes);
        }
        return true;
    case OPND_CITE:
        if (a >= p->ncites) {
            return fail_at(v, w, pc, "%s %u out of range (%u citations)",
                           name, a, p->ncites);
        }
        return true;
    case OPND_RECORD:
        if (a >= p->nrecords) {
            return fail_at(v, w, pc, "%s record %u out of range (%u "
                           "records)", name, a, p->nrecords);
        }
        return true;
    case OPND_FIELD:
        /* The RECORD operand before it was checked first. */
        if (TALLY_NEVER(i == 0 || bc_ops[op].kind[i - 1] != OPND_RECORD)) {
            return fail_at(v, w, pc, "%s: field operand without a record",
                           name);
        }
        if (a >= p->records[x[i - 1]].nfields) {
            return fail_at(v, w, pc, "%s %u out of range (record %u has "
                           "%u fields)", name, a, x[i - 1],
                           p->records[x[i - 1]].nfields);
        }
        return true;
    case OPND_NVALUES: /* any count: the stack walk checks the values */
    case OPND_JUMP:    /* check_jumps */
    case OPND_LOOP:
        return true;
    case OPND_MODE:
        if (a >= DEC_ROUND_MODE_COUNT) {
            return fail_at(v, w, pc, "%s mode %u out of range (%d modes)",
                           name, a, DEC_ROUND_MODE_COUNT);
        }
        return true;
    case OPND_MONTH_RULE:
        if (a >= DATE_MONTH_RULE_COUNT) {
            return fail_at(v, w, pc, "%s rule %u out of range (%d rules)",
                           name, a, DATE_MONTH_RULE_COUNT);
        }
        return true;
    case OPND_TIME_UNIT:
        if (a != BC_UNIT_SECONDS && a != BC_UNIT_DAYS) {
            return fail_at(v, w, pc, "%s unit %u, expected %u (seconds) or "
                           "%u (days)", name, a, BC_UNIT_SECONDS, BC_UNIT_DAYS);
        }
        return true;
    case OPND_PLACES: {
        /* Places, perhaps flagged as money's (bytecode.h). */
        uint32_t n = a == BC_PLACES_ANY || a == BC_TEXT_PERCENT
                         ? a
                         : (a & BC_TEXT_PLACES_MASK);
        if (n > LIM_MAX_PLACES && n != BC_PLACES_ANY &&
            n != BC_TEXT_PERCENT) {
            return fail_at(v, w, pc, "%s with %u places, expected 0..%d, %u "
                           "(percent) or %u (shortest)", name, a,
                           LIM_MAX_PLACES, BC_TEXT_PERCENT, BC_PLACES_ANY);
        }
        return true;
    }
    case OPND_NKEYS:
        if (a < 1 || a > LIM_MAX_SORT_KEYS) {
            return fail_at(v, w, pc, "%s with %u keys, expected 1..%d", name,
                           a, LIM_MAX_SORT_KEYS);
        }
        return true;
    case OPND_DESC_MASK:
        /* The NKEYS operand before it was checked first. */
        if (TALLY_NEVER(i == 0 || bc_ops[op].kind[i - 1] != OPND_NKEYS)) {
            return fail_at(v, w, pc, "%s: key mask without a key count",
                           name);
        }
        if (a >> x[i - 1]) {
            return fail_at(v, w, pc, "%s descending mask 0x%02x names keys "
                           "beyond the %u sorted", name, a, x[i - 1]);
        }
        return true;
    case OPND_PATH:
        if (a >= p->nstrings) {
            return fail_at(v, w, pc, "%s path string %u out of range (%u "
                           "strings)", name, a, p->nstrings);
        }
        return true;
    case OPND_CURRENCY:
        if (a >= p->nstrings) {
            return fail_at(v, w, pc, "%s currency string %u out of range "
                           "(%u strings)", name, a, p->nstrings);
        }
        if (val_cur_pack(p->strings[a].p, p->strings[a].len) == VAL_CUR_NONE) {
            return fail_at(v, w, pc, "%s currency string %u is not three "
                           "capital letters", name, a);
        }
        return true;
    case OPND_CUR_VERB:
        if ((a & ~(BC_CUR_VERB_MASK | BC_CUR_UNTAG)) != 0 ||
            (a & BC_CUR_VERB_MASK) >= BC_CUR_VERB_COUNT) {
            return fail_at(v, w, pc, "%s operation %u out of range (%d "
                           "operations)", name, a, BC_CUR_VERB_COUNT);
        }
        return true;
    case OPND_NONE:
    case OPND_KIND_COUNT:
        break;
    }
    return fail_at(v, w, pc, "%s operand %u has no kind", name, i);
}

/* Checks every operand of the instruction at [pc], in order. */
static bool check_operands(vfy *v, const walk *w, uint32_t pc)
{
    if (bc_ops[w->code[pc]].nopnds == 0) {
        return true; /* most instructions: nothing to decode */
    }
    uint32_t x[BC_MAX_OPNDS];
    unsigned n = bc_decode(w->code + pc, x);
    for (unsigned i = 0; i < n; i++) {
        if (!check_operand(v, w, pc, x, i)) {
            return false;
        }
    }
    return true;
}

/* Pass 1: every instruction decodes inside the function; marks starts. */
static bool decode(vfy *v, walk *w)
{
    uint32_t len = w->f->code_len;
    memset(w->is_start, 0, len);
    uint32_t pc = 0;
    while (pc < len) {
        uint8_t op = w->code[pc];
        if (op >= OP_COUNT) {
            return fail_at(v, w, pc, "unknown opcode %u (%d defined)", op,
                           OP_COUNT);
        }
        switch (op) {
        case OP_TRACE_ENTER:
        case OP_TRACE_EXIT:
        case OP_TRACE_FIELD:
        case OP_TRACE_INIT:
        case OP_TRACE_REC:
        case OP_TRACE_BEGIN:
        case OP_TRACE_CALL:
            if (!v->p->traced) {
                return fail_at(v, w, pc, "%s in a program not compiled for "
                               "tracing", bc_ops[op].name);
            }
            break;
        default:
            break;
        }
        uint32_t n = bc_ops[op].len;
        if (n > len - pc) {
            return fail_at(v, w, pc, "%s needs %u operand byte(s), the "
                           "function has %u left", bc_ops[op].name, n - 1,
                           len - pc - 1);
        }
        w->is_start[pc] = 1;
        if (!check_operands(v, w, pc)) {
            return false;
        }
        pc += n;
    }
    return true;
}

/* The target of the jump at [ins] (operand [at] of its opcode), as an
 * offset within the function; UINT32_MAX when the absolute target lies
 * before the function. */
static uint32_t target(const walk *w, const uint8_t *ins, unsigned at)
{
    uint32_t t = bc_operand(ins + bc_ops[ins[0]].off[at], 4);
    return t >= w->f->code_off ? t - w->f->code_off : UINT32_MAX;
}

/* Pass 2: jump targets (absolute offsets in code[], as vm.c reads them)
 * are instruction starts of this function; JUMP and JUMP_IF_* go strictly
 * forward, LOOP backward (or to itself), so every cycle contains a LOOP,
 * where the VM charges its budget. */
static bool check_jumps(vfy *v, walk *w)
{
    uint32_t len = w->f->code_len;
    /* decode proved the instructions tile the function. */
    for (uint32_t pc = 0; pc < len; pc += bc_ops[w->code[pc]].len) {
        uint8_t op = w->code[pc];
        unsigned at;
        if (!bc_jump_operand(op, &at)) {
            continue;
        }
        const char *name = bc_ops[op].name;
        bool is_loop = bc_ops[op].kind[at] == OPND_LOOP;
        uint32_t t = target(w, w->code + pc, at);
        if (t >= len) {
            return fail_at(v, w, pc, "%s target %u outside the function "
                           "(code %u..%u)", name,
                           bc_operand(w->code + pc + bc_ops[op].off[at], 4),
                           w->f->code_off, w->f->code_off + len);
        }
        if (!w->is_start[t]) {
            return fail_at(v, w, pc, "%s target %04u is not the start of an "
                           "instruction", name, t);
        }
        if (is_loop && t > pc) {
            return fail_at(v, w, pc, "%s target %04u is forward, expected "
                           "at or before %04u (forward jumps use JUMP)", name,
                           t, pc);
        }
        if (!is_loop && t <= pc) {
            return fail_at(v, w, pc, "%s target %04u is not forward, "
                           "expected after %04u (backward jumps use LOOP)",
                           name, t, pc);
        }
    }
    return true;
}

/* Whether control can go on to the next instruction after [op]: all but
 * the returns, failures and unconditional jumps do. */
static bool falls_through(uint8_t op)
{
    return op != OP_RET && op != OP_FAIL && op != OP_CHECK_FAIL &&
           op != OP_JUMP && op != OP_LOOP;
}

/* Records that control reaches [to] with [depth] values from [from]. */
static bool flow(vfy *v, walk *w, uint32_t from, uint32_t to, int32_t depth)
{
    if (w->depth[to] < 0) {
        w->depth[to] = depth;
        w->work[w->nwork++] = to;
        return true;
    }
    if (w->depth[to] != depth) {
        return fail_at(v, w, to, "stack depth %d arriving from %04u, but %d "
                       "on another path", (int)depth, from, (int)w->depth[to]);
    }
    return true;
}

/* Pass 3: abstract interpretation of stack depths over the control-flow
 * graph.  Each instruction is queued once, when its depth is first known,
 * so the work list never holds more entries than the function has bytes. */
static bool check_stack(vfy *v, walk *w)
{
    const bc_program *p = v->p;
    uint32_t len = w->f->code_len;
    for (uint32_t i = 0; i < len; i++) {
        w->depth[i] = -1;
    }
    w->nwork = 0;
    if (!flow(v, w, 0, 0, 0)) {
        return false;
    }
    while (w->nwork) {
        uint32_t pc = w->work[--w->nwork];
        const uint8_t *ins = w->code + pc;
        uint8_t op = ins[0];
        const char *name = bc_ops[op].name;
        int32_t d = w->depth[pc];
        int pop = bc_stack_pop(p, ins);
        if (pop < 0) {
            return fail_at(v, w, pc, "%s: operand gives no stack effect",
                           name);
        }
        if (d < pop) {
            return fail_at(v, w, pc, "stack underflow: %s pops %d, the stack "
                           "holds %d", name, pop, (int)d);
        }
        int32_t nd = d - pop + bc_ops[op].push;
        if (nd > w->f->max_stack) {
            return fail_at(v, w, pc, "stack depth %d after %s exceeds "
                           "max_stack %u", (int)nd, name, w->f->max_stack);
        }
        uint32_t next = pc + bc_ops[op].len;
        unsigned at;
        if (bc_jump_operand(op, &at) &&
            !flow(v, w, pc, target(w, ins, at), nd)) {
            return false;
        }
        if (!falls_through(op)) {
            continue;
        }
        if (next >= len) {
            return fail_at(v, w, pc, "execution runs off the end of the "
                           "function after %s, expected RET, JUMP, LOOP, "
                           "FAIL or CHECK_FAIL", name);
        }
        if (!flow(v, w, pc, next, nd)) {
            return false;
        }
    }
    return true;
}

static bool check_code(vfy *v)
{
    const bc_program *p = v->p;
    uint32_t max_len = 0;
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        if (p->funcs[i].code_len > max_len) {
            max_len = p->funcs[i].code_len;
        }
    }
    if (max_len == 0) {
        return true;
    }
    walk w = {0};
    w.is_start = scratch(v, max_len, sizeof *w.is_start);
    w.depth = w.is_start ? scratch(v, max_len, sizeof *w.depth) : NULL;
    w.work = w.depth ? scratch(v, max_len, sizeof *w.work) : NULL;
    bool ok = w.work != NULL;
    for (uint32_t i = 0; ok && i < p->nfuncs; i++) {
        w.f = &p->funcs[i];
        w.code = p->code + w.f->code_off;
        ok = decode(v, &w) && check_jumps(v, &w) && check_stack(v, &w);
    }
    if (w.work) {
        drop(v, w.work, max_len, sizeof *w.work);
    }
    if (w.depth) {
        drop(v, w.depth, max_len, sizeof *w.depth);
    }
    if (w.is_start) {
        drop(v, w.is_start, max_len, sizeof *w.is_start);
    }
    return ok;
}

static bool verify(vfy *v)
{
    const bc_program *p = v->p;
    if (!check_tables(v)) {
        return false;
    }
    for (uint32_t i = 0; i < p->ntypes; i++) {
        if (!check_type(v, i)) {
            return false;
        }
    }
    return check_type_cycles(v) && check_records(v) && check_fields(v) &&
           check_enums(v) && check_consts(v) && check_funcs(v) &&
           check_externs(v) && check_cites(v) && check_params(v) &&
           check_header(v) && check_modules(v) && check_locs(v) &&
           check_code(v);
}

rt_status vfy_check(const bc_program *p, char *err, size_t errcap)
{
    vfy v = {.p = p, .mem = p->arena.mem, .err = err, .errcap = errcap};
    if (err && errcap) {
        err[0] = '\0';
    }
    if (verify(&v)) {
        return RT_OK;
    }
    return v.nomem ? RT_ENOMEM : RT_EINVALID;
}

bool vfy_program(const bc_program *p, char *err, size_t errcap)
{
    return vfy_check(p, err, errcap) == RT_OK;
}
