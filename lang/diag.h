/* lang/diag.h - diagnostics: collected, never printed by the library.
 *
 * Front-end passes add diagnostics to a list; the embedder (the CLI)
 * renders them with diag_render in one format everywhere:
 *   file:line:col: error: message
 *      14 |   total = bid.price + bid.fee
 *         |           ^~~~~~~~~
 *   hint: ...
 * Lines and columns are 1-based; columns count characters, not bytes.  A
 * source line longer than DIAG_WINDOW characters is shown as a window of
 * that many around the caret, with "..." where it was cut; the location
 * keeps the true column.  Positions come from a diag_map, built once per
 * file, so no diagnostic costs more than its own window to place.
 */
#ifndef TALLY_LANG_DIAG_H
#define TALLY_LANG_DIAG_H

#include <stdint.h>

#include "ast.h"
#include "mem.h"

/* Characters of a source line shown under a message: a wide terminal's
 * line less the gutter.  The caret is kept DIAG_WINDOW / 2 characters
 * from the left edge when the line is cut there. */
#define DIAG_WINDOW 120

/* Bytes per entry of diag_map's character counts: each position costs a
 * scan of at most this many bytes besides a binary search. */
#define DIAG_BLOCK 64

typedef enum diag_sev { DIAG_ERROR, DIAG_WARNING, DIAG_SEV_COUNT } diag_sev;

/* The stage of a compilation that found a diagnostic: its code in the
 * API's tally_diagnostic. */
typedef enum diag_stage {
    DIAG_SYNTAX,  /* lexer and parser */
    DIAG_CHECK,   /* names and types */
    DIAG_COMPILE, /* code generation and its limits */
    DIAG_STAGE_COUNT
} diag_stage;

typedef struct diag {
    diag_sev sev;
    tly_span sp;
    const char *msg;  /* arena */
    const char *hint; /* arena, or NULL */
    uint8_t stage;    /* diag_stage: the list's stage when it was added */
} diag;

typedef struct diag_list {
    arena *arena; /* borrowed: where messages live */
    diag *items;  /* arena */
    uint32_t count;
    uint32_t cap;
    uint32_t nerrors;
    uint32_t *starts;    /* arena: open-addressed set of error starts + 1
                            (0: empty), for dropping a second error at one
                            place in constant time */
    uint32_t starts_cap; /* slots in starts: a power of two, or 0 */
    uint32_t nstarts;    /* slots used */
    bool oom;            /* a diagnostic was lost for want of memory */
    uint8_t stage;       /* diag_stage of what is added now; the driver
                            sets it as the compilation moves on */
} diag_list;

void diag_init(diag_list *l, arena *a);

/* Adds a diagnostic; an error at the same start as an earlier error is
 * dropped (one report per root cause).  [hint] may be NULL.  A message
 * longer than 511 bytes is cut, at a character boundary. */
void diag_add(diag_list *l, diag_sev sev, tly_span sp, const char *hint,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Where the lines of one source text start and how many characters come
 * before each DIAG_BLOCK-byte block (jq's linemap): line and column of
 * any offset in O(log lines + DIAG_BLOCK).  Without its tables (not built,
 * or out of memory) it still answers, by scanning from the start. */
typedef struct diag_map {
    const char *src; /* borrowed */
    size_t len;
    uint32_t *lines; /* arena, or NULL: offset of each line's first byte */
    uint32_t nlines;
    uint32_t *chars; /* arena, or NULL: characters in src[0, i * DIAG_BLOCK) */
} diag_map;

/* Builds [m] for [len] bytes of [src] (len < 4 GiB) with its tables in
 * [a].  Returns false out of memory; [m] then works without tables. */
bool diag_map_init(diag_map *m, arena *a, const char *src, size_t len);

/* The 1-based line and character column of byte [off] (clamped to the
 * text), and the offset where that line starts. */
void diag_map_position(const diag_map *m, uint32_t off, uint32_t *line,
                       uint32_t *col, uint32_t *line_start);

/* Computes the 1-based line and character column of byte [off], scanning
 * [src] from its start: for one position; diag_map for many. */
void diag_position(const char *src, size_t len, uint32_t off, uint32_t *line,
                   uint32_t *col);

/* Appends [d] rendered against the text of [m] to [out]. */
void diag_render_map(const diag_map *m, const diag *d, const char *file,
                     strbuf *out);

/* Appends [d] rendered against [src] to [out]: diag_render_map without
 * tables, for one diagnostic. */
void diag_render(const diag *d, const char *file, const char *src, size_t len,
                 strbuf *out);

#endif
