/* lang/diag.h - diagnostics: collected, never printed by the library.
 *
 * Front-end passes add diagnostics to a list; the embedder (the CLI)
 * renders them with diag_render in one format everywhere:
 *   file:line:col: error: message
 *      14 |   total = bid.price + bid.fee
 *         |           ^~~~~~~~~
 *   hint: ...
 * Lines and columns are 1-based; columns count characters, not bytes.
 */
#ifndef TALLY_LANG_DIAG_H
#define TALLY_LANG_DIAG_H

#include <stdint.h>

#include "ast.h"
#include "mem.h"

typedef enum diag_sev { DIAG_ERROR, DIAG_WARNING, DIAG_SEV_COUNT } diag_sev;

typedef struct diag {
    diag_sev sev;
    tly_span sp;
    const char *msg;  /* arena */
    const char *hint; /* arena, or NULL */
} diag;

typedef struct diag_list {
    arena *arena; /* borrowed: where messages live */
    diag *items;  /* arena */
    uint32_t count;
    uint32_t cap;
    uint32_t nerrors;
    bool oom; /* a diagnostic was lost for want of memory */
} diag_list;

void diag_init(diag_list *l, arena *a);

/* Adds a diagnostic; an error at the same start as an earlier error is
 * dropped (one report per root cause).  [hint] may be NULL. */
void diag_add(diag_list *l, diag_sev sev, tly_span sp, const char *hint,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Computes the 1-based line and character column of byte [off]. */
void diag_position(const char *src, size_t len, uint32_t off, uint32_t *line,
                   uint32_t *col);

/* Appends [d] rendered against [src] to [out]. */
void diag_render(const diag *d, const char *file, const char *src,
                 size_t len, strbuf *out);

#endif
