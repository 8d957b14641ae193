/* api/record.c - records built through the API (include/tally.h,
 * tally_record_*).
 *
 * An embedder that holds a record as values rather than JSON text sets
 * them one by one by field path ("bids[0].supplier.staff"); each setter
 * checks the path against the program's input schema and the value
 * against the field's type, and answers with a status and a message
 * naming the field, so a mistake is found where it is made.  What is
 * checked here is the shape: the field exists, the setter fits its type,
 * a decimal, date, date-time, enum spelling or text is well formed.
 * What depends on the whole record (required fields, integer bounds,
 * unique keys, the record's checks) is the binder's, as for JSON text:
 * tally_session_eval_record writes the record as JSON and evaluates it
 * through tally_session_eval, so a built record and the same record
 * given as text give the same bytes out.  Everything a record holds is
 * in one arena on its session's memory (counted against the session's
 * cap); a value set twice keeps the first in the arena until the record
 * is cleared or freed.
 */
#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "date.h"
#include "decimal.h"
#include "utf8.h"

/* What a node of the record under construction holds. */
typedef enum node_kind {
    NODE_SCALAR, /* json: its JSON text (null, a number, a string, ...) */
    NODE_RECORD, /* items: one slot per field of record [ref], NULL unset */
    NODE_LIST,   /* items: the elements in order, none NULL */
    NODE_MAP     /* items and keys: the entries in the order first set */
} node_kind;

typedef struct node {
    node_kind kind;
    uint16_t ref;       /* record: its record index */
    const char *json;   /* scalar: arena */
    size_t json_len;
    struct node **items; /* arena */
    const char **keys;   /* map: arena, NUL-terminated, valid UTF-8 */
    size_t *key_lens;
    uint32_t count;      /* list, map: elements; record: fields */
    uint32_t cap;
} node;

struct tally_record {
    tally_session *s;         /* borrowed: must outlive the record */
    const bc_program *p;      /* the session's program */
    mem_ctx *mem;             /* the session's accounting */
    arena a;                  /* everything below */
    node *root;               /* the input record; NULL until first set */
    strbuf json;              /* the record as JSON text, when asked */
    char error[512];          /* the last setter's message, or "" */
};

/* ---- errors ------------------------------------------------------------- */

static tally_status fail(tally_record *r, tally_status st, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

/* Keeps the message of a failed call on [r] and returns [st]. */
static tally_status fail(tally_record *r, tally_status st, const char *fmt,
                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    return st;
}

static tally_status no_memory(tally_record *r)
{
    return fail(r, TALLY_ENOMEM, "out of memory building the record");
}

/* ---- the schema --------------------------------------------------------- */

static const bc_type *type_of(const bc_program *p, uint16_t t)
{
    return &p->types[t];
}

/* [t] without its optional wrappers. */
static const bc_type *strip(const bc_program *p, uint16_t t)
{
    const bc_type *ty = type_of(p, t);
    while (ty->kind == BT_OPTIONAL) {
        ty = type_of(p, ty->ref);
    }
    return ty;
}

/* The type [t] in a message's words: "money", "enum Status", "list". */
static void type_words(const bc_program *p, uint16_t t, char *buf, size_t cap)
{
    const bc_type *ty = type_of(p, t);
    const char *opt = "";
    if (ty->kind == BT_OPTIONAL) {
        opt = "optional ";
        ty = strip(p, t);
    }
    static const char *const names[BT_KIND_COUNT] = {
        [BT_BOOL] = "bool",         [BT_INT] = "integer",
        [BT_DEC] = "decimal",       [BT_MONEY] = "money",
        [BT_PERCENT] = "percent",   [BT_DATE] = "date",
        [BT_DATETIME] = "datetime", [BT_DURATION] = "duration",
        [BT_TEXT] = "text",         [BT_ENUM] = "enum",
        [BT_RECORD] = "record",     [BT_LIST] = "list",
        [BT_MAP] = "map",           [BT_OPTIONAL] = "optional",
    };
    const char *name = ty->kind < BT_KIND_COUNT ? names[ty->kind] : "?";
    if (ty->kind == BT_ENUM && ty->ref < p->nenums) {
        snprintf(buf, cap, "%s%s %s", opt, name,
                 bc_string(p, p->enums[ty->ref].name));
    } else if (ty->kind == BT_RECORD && ty->ref < p->nrecords) {
        snprintf(buf, cap, "%s%s %s", opt, name,
                 bc_string(p, p->records[ty->ref].name));
    } else {
        snprintf(buf, cap, "%s%s", opt, name);
    }
}

/* The field of record [rec] whose data key is the [len] bytes at [key];
 * -1 if none. */
static int field_of(const bc_program *p, uint16_t rec, const char *key,
                    size_t len)
{
    const bc_record *rr = &p->records[rec];
    for (uint32_t i = 0; i < rr->nfields; i++) {
        const bc_field *f = &p->fields[rr->first_field + i];
        const bc_str *s = &p->strings[f->json];
        if (s->len == len && memcmp(s->p, key, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- nodes -------------------------------------------------------------- */

static node *new_node(tally_record *r, node_kind kind)
{
    node *n = arena_zalloc(&r->a, sizeof *n);
    if (n) {
        n->kind = kind;
    }
    return n;
}

/* A node for a value of type [t] that a path goes through: a record, list
 * or map, empty. */
static node *new_container(tally_record *r, uint16_t t)
{
    const bc_type *ty = strip(r->p, t);
    switch (ty->kind) {
    case BT_RECORD: {
        node *n = new_node(r, NODE_RECORD);
        if (!n) {
            return NULL;
        }
        n->ref = ty->ref;
        n->count = r->p->records[ty->ref].nfields;
        n->items = arena_zalloc(&r->a, (n->count + 1) * sizeof *n->items);
        return n->items ? n : NULL;
    }
    case BT_LIST:
    case BT_MAP: {
        node *n = new_node(r, ty->kind == BT_LIST ? NODE_LIST : NODE_MAP);
        if (n) {
            n->ref = ty->ref; /* the element or value type */
        }
        return n;
    }
    default: return NULL;
    }
}

/* Makes room for one more element or entry in the list or map [n]. */
static bool grow(tally_record *r, node *n)
{
    if (n->count < n->cap) {
        return true;
    }
    uint32_t cap = n->cap ? n->cap * 2 : 8;
    node **items = arena_zalloc(&r->a, (size_t)cap * sizeof *items);
    if (!items) {
        return false;
    }
    if (n->count) {
        memcpy(items, n->items, n->count * sizeof *items);
    }
    if (n->kind == NODE_MAP) {
        const char **keys = arena_zalloc(&r->a, (size_t)cap * sizeof *keys);
        size_t *lens = arena_zalloc(&r->a, (size_t)cap * sizeof *lens);
        if (!keys || !lens) {
            return false;
        }
        if (n->count) {
            memcpy(keys, n->keys, n->count * sizeof *keys);
            memcpy(lens, n->key_lens, n->count * sizeof *lens);
        }
        n->keys = keys;
        n->key_lens = lens;
    }
    n->items = items;
    n->cap = cap;
    return true;
}

/* ---- paths -------------------------------------------------------------- */

/* Where a path leads: the slot holding the value and the value's type. */
typedef struct place {
    node **slot;  /* where the leaf's node goes */
    uint16_t type; /* the type the leaf binds to (optionals included) */
} place;

/* Reads a list index ("[12]") or a map key ("[\"Q1\"]", with \" and \\
 * escapes) at path + *at; the key, unescaped, into [key]. */
static bool read_bracket(const char *path, size_t *at, bool *is_key,
                         uint64_t *index, char *key, size_t key_cap,
                         size_t *key_len)
{
    size_t i = *at + 1;
    if (path[i] == '"') {
        size_t n = 0;
        for (i++; path[i] && path[i] != '"'; i++) {
            if (path[i] == '\\' && (path[i + 1] == '"' || path[i + 1] == '\\')) {
                i++;
            }
            if (n + 1 >= key_cap) {
                return false;
            }
            key[n++] = path[i];
        }
        if (path[i] != '"' || path[i + 1] != ']') {
            return false;
        }
        key[n] = '\0';
        *key_len = n;
        *is_key = true;
        *at = i + 2;
        return true;
    }
    uint64_t v = 0;
    size_t start = i;
    for (; path[i] >= '0' && path[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(path[i] - '0');
    }
    if (i == start || path[i] != ']') {
        return false;
    }
    *index = v;
    *is_key = false;
    *at = i + 1;
    return true;
}

/* Makes the root record node if there is none yet. */
static bool make_root(tally_record *r)
{
    if (r->root) {
        return true;
    }
    node *n = arena_zalloc(&r->a, sizeof *n);
    if (!n) {
        return false;
    }
    n->kind = NODE_RECORD;
    n->ref = r->p->input_record;
    n->count = r->p->records[n->ref].nfields;
    n->items = arena_zalloc(&r->a, (n->count + 1) * sizeof *n->items);
    if (!n->items) {
        return false;
    }
    r->root = n;
    return true;
}

/* Walks [path] from the record's root to the place of its last step.
 * With [dry], checks the path against the types and changes nothing
 * (out->slot is then NULL); without, makes the records, lists and map
 * entries it goes through.  A path that passed a dry walk fails a real
 * one only out of memory. */
static tally_status walk(tally_record *r, const char *path, bool dry,
                         place *out)
{
    const bc_program *p = r->p;
    out->slot = NULL;
    out->type = 0;
    if (!path || !*path) {
        return fail(r, TALLY_EDATA, "an empty field path");
    }
    if (!dry && !make_root(r)) {
        return no_memory(r);
    }
    node *cur = r->root;      /* the container the next step is in; NULL
                                 when a dry walk passes where nothing is
                                 set yet */
    int cur_kind = BT_RECORD; /* its type's kind */
    uint16_t cur_ref = p->input_record; /* record index, or element type */
    bool first = true;
    size_t at = 0;
    int depth = 0;
    char words[128];
    for (;;) {
        if (++depth > DATA_MAX_DEPTH) {
            return fail(r, TALLY_EDATA, "%s: more than %d levels of nesting",
                        path, DATA_MAX_DEPTH);
        }
        node **slot = NULL;
        uint16_t type;
        size_t step = at;
        if (first || path[at] == '.') {
            /* a field of the record [cur] */
            if (!first) {
                at++;
            }
            size_t start = at;
            while (path[at] && path[at] != '.' && path[at] != '[') {
                at++;
            }
            if (cur_kind != BT_RECORD) {
                return fail(r, TALLY_EDATA, "%.*s: not a record, so it has no "
                            "field '%.*s'", (int)step, path,
                            (int)(at - start), path + start);
            }
            int fi = field_of(p, cur_ref, path + start, at - start);
            if (fi < 0) {
                return fail(r, TALLY_EDATA, "%.*s: %s has no field '%.*s'",
                            (int)at, path,
                            bc_string(p, p->records[cur_ref].name),
                            (int)(at - start), path + start);
            }
            if (cur) {
                slot = &cur->items[fi];
            }
            type = p->fields[p->records[cur_ref].first_field + (uint32_t)fi]
                       .type;
        } else if (path[at] == '[') {
            bool is_key;
            uint64_t index = 0;
            char key[256];
            size_t key_len = 0;
            if (!read_bracket(path, &at, &is_key, &index, key, sizeof key,
                              &key_len)) {
                return fail(r, TALLY_EDATA, "%s: a path step in brackets is "
                            "an index [0] or a quoted key [\"key\"] of at "
                            "most 255 bytes", path);
            }
            if (cur_kind == BT_LIST && !is_key) {
                uint32_t count = cur ? cur->count : 0;
                if (index > count) {
                    return fail(r, TALLY_EDATA, "%.*s: the list has %u "
                                "elements, so the next is [%u]: give "
                                "elements in order", (int)at, path, count,
                                count);
                }
                if (index == count && count >= DATA_MAX_ITEMS) {
                    return fail(r, TALLY_EDATA, "%.*s: more than %u "
                                "elements", (int)at, path, DATA_MAX_ITEMS);
                }
                if (!dry && index == count) {
                    if (!grow(r, cur)) {
                        return no_memory(r);
                    }
                    cur->items[cur->count++] = NULL;
                }
                if (cur && index < cur->count) {
                    slot = &cur->items[index];
                }
            } else if (cur_kind == BT_MAP && is_key) {
                if (!utf8_valid(key, key_len)) {
                    return fail(r, TALLY_EDATA, "%.*s: a map key must be "
                                "valid UTF-8", (int)at, path);
                }
                uint32_t count = cur ? cur->count : 0, i = 0;
                while (i < count && !(cur->key_lens[i] == key_len &&
                                      memcmp(cur->keys[i], key, key_len) ==
                                          0)) {
                    i++;
                }
                if (i == count && count >= DATA_MAX_ITEMS) {
                    return fail(r, TALLY_EDATA, "%.*s: more than %u "
                                "entries", (int)at, path, DATA_MAX_ITEMS);
                }
                if (!dry && i == count) {
                    if (!grow(r, cur)) {
                        return no_memory(r);
                    }
                    cur->keys[i] = arena_strndup(&r->a, key, key_len);
                    if (!cur->keys[i]) {
                        return no_memory(r);
                    }
                    cur->key_lens[i] = key_len;
                    cur->items[i] = NULL;
                    cur->count++;
                }
                if (cur && i < cur->count) {
                    slot = &cur->items[i];
                }
            } else {
                return fail(r, TALLY_EDATA, "%.*s: %s", (int)step, path,
                            cur_kind == BT_LIST
                                ? "a list is indexed by a number, as [0]"
                            : cur_kind == BT_MAP
                                ? "a map is indexed by a quoted key, as "
                                  "[\"key\"]"
                                : "a record's fields are named with '.'");
            }
            type = cur_ref;
        } else {
            return fail(r, TALLY_EDATA, "%s: a path is field names joined "
                        "by '.', with [N] for list elements and [\"key\"] "
                        "for map entries", path);
        }
        first = false;
        if (!path[at]) {
            out->slot = dry ? NULL : slot;
            out->type = type;
            return TALLY_OK;
        }
        /* The value goes on: it must be a record, list or map. */
        const bc_type *ty = strip(p, type);
        if (ty->kind != BT_RECORD && ty->kind != BT_LIST &&
            ty->kind != BT_MAP) {
            type_words(p, type, words, sizeof words);
            return fail(r, TALLY_EDATA, "%.*s: a %s value has no parts",
                        (int)at, path, words);
        }
        node *next = slot ? *slot : NULL;
        if (next && next->kind == NODE_SCALAR) {
            next = NULL; /* none given before: replaced by the container */
        }
        if (!next && !dry) {
            next = new_container(r, type);
            if (!next) {
                return no_memory(r);
            }
            *slot = next;
        }
        cur = next;
        cur_kind = ty->kind;
        cur_ref = ty->ref;
    }
}

/* Checks the [len] bytes at [s] for a field of type [ty]: TALLY_OK, or
 * TALLY_EDATA with the problem written to [buf], or TALLY_ENOMEM. */
typedef tally_status (*checker)(tally_record *r, const bc_type *ty,
                                const char *s, size_t len, char *buf,
                                size_t cap);

/* Puts the scalar JSON text [json] of [len] bytes at [path], if the type
 * there is one of [kinds] (bits 1 << bc_type_kind); [setter] names the
 * function for a message.  [check], when not NULL, checks the value
 * against the type found and returns a message, or NULL. */
static tally_status put(tally_record *r, const char *path, unsigned kinds,
                        const char *setter, const char *json, size_t len,
                        checker check,
                        const char *raw, size_t raw_len)
{
    r->error[0] = '\0';
    place pl;
    tally_status st = walk(r, path, true, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    const bc_type *ty = strip(r->p, pl.type);
    if (!(kinds & (1u << ty->kind))) {
        char words[128];
        type_words(r->p, pl.type, words, sizeof words);
        return fail(r, TALLY_EDATA, "%s: the field is %s, which %s cannot "
                    "set", path, words, setter);
    }
    if (check) {
        char buf[256];
        st = check(r, ty, raw, raw_len, buf, sizeof buf);
        if (st == TALLY_ENOMEM) {
            return no_memory(r);
        }
        if (st != TALLY_OK) {
            return fail(r, st, "%s: %s", path, buf);
        }
    }
    node *n = new_node(r, NODE_SCALAR);
    char *copy = arena_strndup(&r->a, json, len);
    if (!n || !copy) {
        return no_memory(r);
    }
    n->json = copy;
    n->json_len = len;
    st = walk(r, path, false, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    *pl.slot = n;
    return TALLY_OK;
}

/* Quotes [s] as a JSON string into [b]. */
static bool quote(tally_record *r, strbuf *b, const char *s, size_t len)
{
    sb_init(b, r->mem);
    sb_put_json_string(b, s, len);
    return !b->failed && b->p;
}

/* ---- value checks ------------------------------------------------------- */

static tally_status check_decimal(tally_record *r, const bc_type *ty,
                                 const char *s, size_t len, char *buf,
                                 size_t cap)
{
    if (len > DATA_MAX_DECIMAL) {
        snprintf(buf, cap, "a decimal string of at most %d bytes",
                 DATA_MAX_DECIMAL);
        return TALLY_EDATA;
    }
    arena tmp;
    arena_init(&tmp, r->mem);
    dec d;
    dec_status st = dec_parse(&tmp, s, len, &d);
    arena_free(&tmp);
    if (st == DEC_ENOMEM) {
        return TALLY_ENOMEM;
    }
    if (st != DEC_OK) {
        snprintf(buf, cap, "'%.*s' is not a decimal string (digits, an "
                 "optional sign and point: \"1234.50\")",
                 len > 64 ? 64 : (int)len, s);
        return TALLY_EDATA;
    }
    (void)ty;
    return TALLY_OK;
}

static tally_status check_text(tally_record *r, const bc_type *ty,
                              const char *s, size_t len, char *buf,
                              size_t cap)
{
    (void)r;
    (void)ty;
    if (!utf8_valid(s, len)) {
        snprintf(buf, cap, "text must be valid UTF-8");
        return TALLY_EDATA;
    }
    return TALLY_OK;
}

static tally_status check_date(tally_record *r, const bc_type *ty,
                              const char *s, size_t len, char *buf,
                              size_t cap)
{
    (void)r;
    int64_t days;
    date_instant when;
    if (ty->kind == BT_DATE ? !date_parse(s, len, &days)
                            : !date_instant_parse(s, len, &when)) {
        snprintf(buf, cap, "'%.*s' is not a %s", len > 64 ? 64 : (int)len, s,
                 ty->kind == BT_DATE
                     ? "date YYYY-MM-DD"
                     : "date-time YYYY-MM-DDTHH:MM:SS[.s](Z|+hh:mm)");
        return TALLY_EDATA;
    }
    return TALLY_OK;
}

static tally_status check_enum(tally_record *r, const bc_type *ty,
                              const char *s, size_t len, char *buf,
                              size_t cap)
{
    const bc_program *p = r->p;
    const bc_enum *en = &p->enums[ty->ref];
    for (uint32_t i = 0; i < en->nmembers; i++) {
        const bc_str *m = &p->strings[p->members[en->first_member + i].json];
        if (m->len == len && memcmp(m->p, s, len) == 0) {
            return TALLY_OK;
        }
        if (m->len == 0 && i + 1 == en->nmembers) {
            return TALLY_OK; /* an open enum: any code is its 'other' */
        }
    }
    const char *label = bc_string(p, en->label);
    snprintf(buf, cap, "unknown %s '%.*s'",
             *label ? label : bc_string(p, en->name),
             len > 64 ? 64 : (int)len, s);
    return TALLY_EDATA;
}

/* ---- the public functions ----------------------------------------------- */

tally_status tally_record_new(tally_session *s, tally_record **out)
{
    *out = NULL;
    mem_ctx *mem = api_session_mem(s);
    tally_record *r = mem_alloc(mem, sizeof *r);
    if (!r) {
        return TALLY_ENOMEM;
    }
    memset(r, 0, sizeof *r);
    r->s = s;
    r->p = api_session_program(s)->prog;
    r->mem = mem;
    arena_init(&r->a, mem);
    sb_init(&r->json, mem);
    *out = r;
    return TALLY_OK;
}

void tally_record_clear(tally_record *r)
{
    arena_reset(&r->a);
    r->root = NULL;
    sb_free(&r->json);
    sb_init(&r->json, r->mem);
    r->error[0] = '\0';
}

void tally_record_free(tally_record *r)
{
    if (!r) {
        return;
    }
    arena_free(&r->a);
    sb_free(&r->json);
    mem_free(r->mem, r, sizeof *r);
}

const char *tally_record_error(const tally_record *r)
{
    return r->error;
}

tally_status tally_record_set_int(tally_record *r, const char *path,
                                  int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    return put(r, path, 1u << BT_INT, "tally_record_set_int", buf, (size_t)n,
               NULL, NULL, 0);
}

tally_status tally_record_set_duration(tally_record *r, const char *path,
                                       int64_t days)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)days);
    return put(r, path, 1u << BT_DURATION, "tally_record_set_duration", buf,
               (size_t)n, NULL, NULL, 0);
}

tally_status tally_record_set_bool(tally_record *r, const char *path, int v)
{
    return put(r, path, 1u << BT_BOOL, "tally_record_set_bool",
               v ? "true" : "false", v ? 4 : 5, NULL, NULL, 0);
}

tally_status tally_record_set_none(tally_record *r, const char *path)
{
    r->error[0] = '\0';
    place pl;
    tally_status st = walk(r, path, true, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    if (type_of(r->p, pl.type)->kind != BT_OPTIONAL) {
        char words[128];
        type_words(r->p, pl.type, words, sizeof words);
        return fail(r, TALLY_EDATA, "%s: the field is %s, not optional: it "
                    "cannot be none", path, words);
    }
    node *n = new_node(r, NODE_SCALAR);
    if (!n) {
        return no_memory(r);
    }
    n->json = "null";
    n->json_len = 4;
    st = walk(r, path, false, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    *pl.slot = n;
    return TALLY_OK;
}

tally_status tally_record_set_empty(tally_record *r, const char *path)
{
    r->error[0] = '\0';
    place pl;
    tally_status st = walk(r, path, true, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    const bc_type *ty = strip(r->p, pl.type);
    if (ty->kind != BT_LIST && ty->kind != BT_MAP) {
        char words[128];
        type_words(r->p, pl.type, words, sizeof words);
        return fail(r, TALLY_EDATA, "%s: the field is %s, not a list or a "
                    "map", path, words);
    }
    node *n = new_container(r, pl.type);
    if (!n) {
        return no_memory(r);
    }
    st = walk(r, path, false, &pl);
    if (st != TALLY_OK) {
        return st;
    }
    *pl.slot = n;
    return TALLY_OK;
}

/* The setters whose value is a string in the data: quoted, then put. */
static tally_status put_string(tally_record *r, const char *path,
                               unsigned kinds, const char *setter,
                               const char *s, size_t len, checker check)
{
    if (!s) {
        return fail(r, TALLY_EDATA, "%s: %s was given NULL", path ? path : "",
                    setter);
    }
    strbuf b;
    if (!quote(r, &b, s, len)) {
        sb_free(&b);
        return no_memory(r);
    }
    tally_status st = put(r, path, kinds, setter, b.p, b.len, check, s, len);
    sb_free(&b);
    return st;
}

tally_status tally_record_set_decimal(tally_record *r, const char *path,
                                      const char *digits)
{
    return put_string(r, path, 1u << BT_DEC | 1u << BT_MONEY |
                                   1u << BT_PERCENT,
                      "tally_record_set_decimal", digits,
                      digits ? strlen(digits) : 0, check_decimal);
}

tally_status tally_record_set_text(tally_record *r, const char *path,
                                   const char *s, size_t len)
{
    return put_string(r, path, 1u << BT_TEXT, "tally_record_set_text", s,
                      len, check_text);
}

tally_status tally_record_set_date(tally_record *r, const char *path,
                                   const char *date)
{
    return put_string(r, path, 1u << BT_DATE | 1u << BT_DATETIME,
                      "tally_record_set_date", date, date ? strlen(date) : 0,
                      check_date);
}

tally_status tally_record_set_enum(tally_record *r, const char *path,
                                   const char *spelling)
{
    return put_string(r, path, 1u << BT_ENUM, "tally_record_set_enum",
                      spelling, spelling ? strlen(spelling) : 0, check_enum);
}

/* ---- evaluation --------------------------------------------------------- */

/* Writes [n] as JSON to [b]; [depth] bounds the recursion as the binder's
 * nesting limit does (a deeper record is refused there anyway). */
static void write_node(const bc_program *p, const node *n, strbuf *b,
                       int depth)
{
    if (depth > DATA_MAX_DEPTH) {
        sb_puts(b, "null");
        return;
    }
    switch (n->kind) {
    case NODE_SCALAR: sb_put(b, n->json, n->json_len); return;
    case NODE_RECORD: {
        const bc_record *rr = &p->records[n->ref];
        bool any = false;
        sb_putc(b, '{');
        for (uint32_t i = 0; i < n->count; i++) {
            if (!n->items[i]) {
                continue;
            }
            const bc_str *key = &p->strings[p->fields[rr->first_field + i].json];
            if (any) {
                sb_putc(b, ',');
            }
            any = true;
            sb_put_json_string(b, key->p, key->len);
            sb_putc(b, ':');
            write_node(p, n->items[i], b, depth + 1);
        }
        sb_putc(b, '}');
        return;
    }
    case NODE_LIST:
        sb_putc(b, '[');
        for (uint32_t i = 0; i < n->count; i++) {
            if (i) {
                sb_putc(b, ',');
            }
            if (n->items[i]) {
                write_node(p, n->items[i], b, depth + 1);
            } else {
                sb_puts(b, "null"); /* made by a path, never set */
            }
        }
        sb_putc(b, ']');
        return;
    case NODE_MAP:
        sb_putc(b, '{');
        for (uint32_t i = 0; i < n->count; i++) {
            if (i) {
                sb_putc(b, ',');
            }
            sb_put_json_string(b, n->keys[i], n->key_lens[i]);
            sb_putc(b, ':');
            if (n->items[i]) {
                write_node(p, n->items[i], b, depth + 1);
            } else {
                sb_puts(b, "null");
            }
        }
        sb_putc(b, '}');
        return;
    }
}

/* Writes [r] as JSON text into r->json; false out of memory. */
static bool write_record(tally_record *r)
{
    sb_clear(&r->json);
    if (r->root) {
        write_node(r->p, r->root, &r->json, 0);
    } else {
        sb_puts(&r->json, "{}");
    }
    return !r->json.failed && r->json.p;
}

tally_status tally_record_json(tally_record *r, const char **out,
                               size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!write_record(r)) {
        sb_free(&r->json);
        sb_init(&r->json, r->mem);
        return TALLY_ENOMEM;
    }
    *out = r->json.p;
    *out_len = r->json.len;
    return TALLY_OK;
}

tally_status tally_session_eval_record(tally_session *s, tally_record *r,
                                       const char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (r->s != s) {
        return fail(r, TALLY_EOPTION, "the record was made for another "
                    "session");
    }
    if (!write_record(r)) {
        sb_free(&r->json);
        sb_init(&r->json, r->mem);
        return TALLY_ENOMEM;
    }
    return tally_session_eval(s, r->json.p, r->json.len, out, out_len);
}
