/* runtime/mem.h - the one door for memory: allocator hook, arenas, buffers.
 *
 * Every byte Tally allocates goes through a mem_ctx, which calls the
 * embedder's realloc-style hook (or the C library's).  The context counts
 * live bytes, enforces the memory cap and can fail the Nth allocation for
 * tests.  Arenas carve many small objects out of chunks and free them in
 * one call: one per compilation (AST, types) and one per input record
 * (runtime values), reset between records so steady state allocates
 * nothing.  Out of memory is reported by a NULL return, never abort().
 */
#ifndef TALLY_RUNTIME_MEM_H
#define TALLY_RUNTIME_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Realloc-style hook: ptr NULL allocates, new_size 0 frees (returns NULL). */
typedef void *(*mem_alloc_fn)(void *ud, void *ptr, size_t old_size,
                              size_t new_size);

typedef struct mem_ctx {
    mem_alloc_fn fn;  /* NULL: the C library's realloc/free */
    void *ud;         /* passed to fn */
    size_t live;      /* bytes currently allocated */
    size_t peak;      /* high-water mark of live */
    size_t cap;       /* 0: no cap; else allocations past it fail */
    long fail_at;     /* >0: the fail_at-th allocation from now fails */
    bool hit_cap;     /* an allocation was refused for the cap (not by
                         the allocator) since the owner cleared this */
} mem_ctx;

/* Initialises [m] with the C library allocator and no cap. */
void mem_init(mem_ctx *m);

/* Allocates [size] bytes; NULL on failure or when the cap is hit.
 * [m] may be NULL, meaning the C library with no accounting. */
void *mem_alloc(mem_ctx *m, size_t size);

/* Resizes [p] from [old_size] to [new_size]; NULL on failure, leaving [p]
 * valid. */
void *mem_realloc(mem_ctx *m, void *p, size_t old_size, size_t new_size);

/* Frees [p] of [size] bytes; NULL is a no-op. */
void mem_free(mem_ctx *m, void *p, size_t size);

/* Counts [size] bytes that another allocator holds on Tally's behalf
 * (GMP's limbs, decimal.c) as live in [m], as mem_alloc would: false,
 * nothing counted, when that would pass the cap or an injected failure is
 * due.  [m] may be NULL (always true).  Undone by mem_uncharge. */
bool mem_charge(mem_ctx *m, size_t size);

/* Returns [size] bytes counted by mem_charge. */
void mem_uncharge(mem_ctx *m, size_t size);

/* Duplicates [len] bytes of [s] plus a NUL terminator. */
char *mem_strndup(mem_ctx *m, const char *s, size_t len);

typedef struct arena_chunk arena_chunk;
typedef struct arena_final arena_final;

typedef struct arena {
    mem_ctx *mem;        /* borrowed */
    arena_chunk *head;   /* owned; newest chunk first */
    char *p;             /* next free byte in head */
    char *end;           /* end of head */
    arena_final *finals; /* owned; finalizers run on reset/free */
    size_t used;         /* bytes handed out since the last reset */
} arena;

/* Initialises an empty arena drawing from [mem]. */
void arena_init(arena *a, mem_ctx *mem);

#define ARENA_ALIGN 16 /* max_align_t on the platforms we build for */

/* The slow half of arena_alloc: a new chunk, size 0, sizes near
 * SIZE_MAX (refused, never wrapped round to a small block). */
void *arena_alloc_slow(arena *a, size_t size);

/* Returns [size] bytes aligned for any object, or NULL out of memory.
 * Memory lives until arena_reset or arena_free.  The binder and the VM
 * allocate every value here, so the bump itself is inline. */
static inline void *arena_alloc(arena *a, size_t size)
{
    if (size - 1 < 4096) { /* 1..4096: no overflow rounding up */
        size_t n = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
        if (n <= (size_t)(a->end - a->p)) {
            void *r = a->p;
            a->p += n;
            a->used += n;
            return r;
        }
    }
    return arena_alloc_slow(a, size);
}

/* Like arena_alloc, zero-filled. */
void *arena_zalloc(arena *a, size_t size);

/* Copies [len] bytes of [s] into the arena, NUL-terminated. */
char *arena_strndup(arena *a, const char *s, size_t len);

/* Registers [fn]([p]) to run at the next reset or free (for objects such
 * as GMP numbers that own memory outside the arena).  Returns false out of
 * memory, having called fn(p) already so nothing leaks. */
bool arena_defer(arena *a, void (*fn)(void *), void *p);

/* Runs finalizers and forgets every object, keeping the first chunk. */
void arena_reset(arena *a);

/* Runs finalizers and returns every chunk to the allocator. */
void arena_free(arena *a);

/* A growable byte buffer.  After a failed append, [failed] is set and
 * further appends do nothing, so callers may check once at the end.
 * Every append leaves [p] NUL-terminated, so callers may print it.
 *
 * The result writer appends a few bytes at a time, millions of times a
 * run, so the appends are inline: a test and a copy when there is room,
 * a call to sb_grow only when there is not. */
typedef struct strbuf {
    mem_ctx *mem; /* borrowed */
    char *p;      /* owned; NUL-terminated after each append */
    size_t len;   /* bytes, without the NUL */
    size_t cap;   /* bytes allocated at p; 0 or at least len + 1 */
    bool failed;  /* an append ran out of memory; appends now do nothing */
} strbuf;

void sb_init(strbuf *b, mem_ctx *mem);
void sb_free(strbuf *b);
void sb_clear(strbuf *b);

/* Makes room in [b] for [extra] more bytes and a NUL after them.  Returns
 * false, with [failed] set, out of memory, and false at once if [b] had
 * already failed.  The slow half of sb_reserve. */
bool sb_grow(strbuf *b, size_t extra);

/* Like sb_grow, but inline for the common case of room to spare. */
static inline bool sb_reserve(strbuf *b, size_t extra)
{
    /* cap is 0 or above len, so the subtraction cannot wrap. */
    if (!b->failed && extra < b->cap - b->len) {
        return true;
    }
    return sb_grow(b, extra);
}

/* Appends [len] bytes of [s] ([s] may be NULL when [len] is 0). */
static inline void sb_put(strbuf *b, const char *s, size_t len)
{
    if (!sb_reserve(b, len)) {
        return;
    }
    if (len) { /* s may be NULL then, and memcpy must not see it */
        memcpy(b->p + b->len, s, len);
    }
    b->len += len;
    b->p[b->len] = '\0';
}

/* Appends the NUL-terminated [s]. */
static inline void sb_puts(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static inline void sb_putc(strbuf *b, char c)
{
    if (!sb_reserve(b, 1)) {
        return;
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void sb_printf(strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends [i] in decimal, as printf's "%" PRId64 would, without its
 * format parsing. */
void sb_put_i64(strbuf *b, int64_t i);

/* Appends [s] as a JSON string literal, quotes included. */
void sb_put_json_string(strbuf *b, const char *s, size_t len);

#endif
