/* runtime/mem.c - allocator hook, accounting, arenas and byte buffers.
 *
 * Owns the only calls to realloc/free in Tally (GMP keeps its own; see
 * decimal.c).  Everything here must be safe when an allocation fails:
 * callers get NULL (or strbuf.failed) and no state is left half-changed.
 */
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mem_init(mem_ctx *m)
{
    memset(m, 0, sizeof *m);
}

static void *raw(mem_ctx *m, void *p, size_t old_size, size_t new_size)
{
    if (m && m->fn) {
        return m->fn(m->ud, p, old_size, new_size);
    }
    if (new_size == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, new_size);
}

void *mem_realloc(mem_ctx *m, void *p, size_t old_size, size_t new_size)
{
    if (new_size == 0) {
        mem_free(m, p, old_size);
        return NULL;
    }
    if (m) {
        if (m->fail_at > 0 && --m->fail_at == 0) {
            return NULL;
        }
        if (new_size > old_size && m->cap &&
            m->live + (new_size - old_size) > m->cap) {
            m->hit_cap = true;
            return NULL;
        }
    }
    void *q = raw(m, p, old_size, new_size);
    if (q && m) {
        m->live = m->live - old_size + new_size;
        if (m->live > m->peak) {
            m->peak = m->live;
        }
    }
    return q;
}

void *mem_alloc(mem_ctx *m, size_t size)
{
    return mem_realloc(m, NULL, 0, size ? size : 1);
}

void mem_free(mem_ctx *m, void *p, size_t size)
{
    if (!p) {
        return;
    }
    raw(m, p, size, 0);
    if (m) {
        m->live -= size;
    }
}

bool mem_charge(mem_ctx *m, size_t size)
{
    if (!m) {
        return true;
    }
    if (m->fail_at > 0 && --m->fail_at == 0) {
        return false;
    }
    if (size > SIZE_MAX - m->live || (m->cap && m->live + size > m->cap)) {
        m->hit_cap = true;
        return false;
    }
    m->live += size;
    if (m->live > m->peak) {
        m->peak = m->live;
    }
    return true;
}

void mem_uncharge(mem_ctx *m, size_t size)
{
    if (m) {
        m->live -= size;
    }
}

char *mem_strndup(mem_ctx *m, const char *s, size_t len)
{
    char *d = mem_alloc(m, len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* ---- arenas ---------------------------------------------------------- */

#define ARENA_CHUNK 16384 /* first chunk; later ones double, see grow() */

struct arena_chunk {
    arena_chunk *next;
    size_t size; /* bytes of data[] */
    _Alignas(ARENA_ALIGN) char data[];
};

struct arena_final {
    arena_final *next;
    void (*fn)(void *);
    void *p;
};

void arena_init(arena *a, mem_ctx *mem)
{
    memset(a, 0, sizeof *a);
    a->mem = mem;
}

static bool grow(arena *a, size_t need)
{
    size_t size = a->head ? a->head->size * 2 : ARENA_CHUNK;
    if (size > (size_t)1 << 24) {
        size = (size_t)1 << 24;
    }
    if (size < need) {
        size = need;
    }
    arena_chunk *c = mem_alloc(a->mem, sizeof *c + size);
    if (!c) {
        return false;
    }
    c->size = size;
    c->next = a->head;
    a->head = c;
    a->p = c->data;
    a->end = c->data + size;
    return true;
}

void *arena_alloc_slow(arena *a, size_t size)
{
    if (size > SIZE_MAX / 2) {
        return NULL; /* no chunk could hold it; rounding would wrap */
    }
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0) {
        size = ARENA_ALIGN;
    }
    if ((size_t)(a->end - a->p) < size && !grow(a, size)) {
        return NULL;
    }
    void *r = a->p;
    a->p += size;
    a->used += size;
    return r;
}

void *arena_zalloc(arena *a, size_t size)
{
    void *p = arena_alloc(a, size);
    if (p) {
        memset(p, 0, size);
    }
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
    char *d = arena_alloc(a, len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

bool arena_defer(arena *a, void (*fn)(void *), void *p)
{
    arena_final *f = arena_alloc(a, sizeof *f);
    if (!f) {
        fn(p);
        return false;
    }
    f->fn = fn;
    f->p = p;
    f->next = a->finals;
    a->finals = f;
    return true;
}

static void run_finals(arena *a)
{
    for (arena_final *f = a->finals; f; f = f->next) {
        f->fn(f->p);
    }
    a->finals = NULL;
}

void arena_reset(arena *a)
{
    run_finals(a);
    if (!a->head) {
        return;
    }
    /* Keep the largest (newest) chunk so steady state reuses it. */
    arena_chunk *keep = a->head;
    arena_chunk *c = keep->next;
    while (c) {
        arena_chunk *n = c->next;
        mem_free(a->mem, c, sizeof *c + c->size);
        c = n;
    }
    keep->next = NULL;
    a->p = keep->data;
    a->end = keep->data + keep->size;
    a->used = 0;
}

void arena_free(arena *a)
{
    run_finals(a);
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        mem_free(a->mem, c, sizeof *c + c->size);
        c = n;
    }
    a->head = NULL;
    a->p = a->end = NULL;
    a->used = 0;
}

/* ---- byte buffers ---------------------------------------------------- */

void sb_init(strbuf *b, mem_ctx *mem)
{
    memset(b, 0, sizeof *b);
    b->mem = mem;
}

void sb_free(strbuf *b)
{
    mem_free(b->mem, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

void sb_clear(strbuf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->p) {
        b->p[0] = '\0';
    }
}

bool sb_grow(strbuf *b, size_t extra)
{
    if (b->failed) {
        return false;
    }
    if (extra < b->cap - b->len) {
        return true;
    }
    /* A request past half the address space cannot be met; refusing it
     * here keeps the doubling below from wrapping. */
    if (extra >= SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < need) {
        cap *= 2;
    }
    char *p = mem_realloc(b->mem, b->p, b->cap, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sb_put(b, tmp, (size_t)n);
        return;
    }
    if (!sb_reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_put_i64(strbuf *b, int64_t i)
{
    char buf[20]; /* "-9223372036854775808": 19 digits and a sign */
    char *end = buf + sizeof buf;
    char *p = end;
    /* Negated as unsigned: -INT64_MIN does not fit in an int64_t. */
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do {
        *--p = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    if (i < 0) {
        *--p = '-';
    }
    sb_put(b, p, (size_t)(end - p));
}

/* Bytes a JSON string cannot hold as they are: controls, '"' and '\\'.
 * A table, so the scan costs one load and test per byte. */
static const bool json_escape[256] = {
    [0x00 ... 0x1f] = true,
    ['"'] = true,
    ['\\'] = true,
};

/* The rest of sb_put_json_string's [s], from [i], the first byte that
 * needs an escape; the opening quote and s[0 .. i) are in [b] already.
 * Apart, so the common case pays for none of its registers. */
static __attribute__((noinline)) void put_escaped(strbuf *b, const char *s,
                                                  size_t i, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = i;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!json_escape[c]) {
            continue;
        }
        sb_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_put(b, e, 6);
        }
        }
    }
    sb_put(b, s + run, len - run);
    sb_putc(b, '"');
}

void sb_put_json_string(strbuf *b, const char *s, size_t len)
{
    /* Most strings (names, codes, enum spellings) need no escape: find
     * how much of [s] is plain and copy that in one go with the quotes. */
    size_t i = 0;
    while (i < len && !json_escape[(unsigned char)s[i]]) {
        i++;
    }
    if (!sb_reserve(b, i + 2)) {
        return;
    }
    char *d = b->p + b->len;
    *d++ = '"';
    if (i) { /* s may be NULL when len is 0 */
        memcpy(d, s, i);
        d += i;
    }
    if (i < len) {
        *d = '\0';
        b->len = (size_t)(d - b->p);
        put_escaped(b, s, i, len);
        return;
    }
    *d++ = '"';
    *d = '\0';
    b->len = (size_t)(d - b->p);
}
