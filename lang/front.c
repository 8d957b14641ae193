/* lang/front.c - the compilation context's lifetime, and where a span
 * offset lies: which file, line and column (one offset space for the
 * policy and every module it imports; front.h). */
#include "front.h"

#include <string.h>

void tly_comp_init(tly_comp *c, mem_ctx *mem, const char *file,
                   const char *src, size_t len)
{
    memset(c, 0, sizeof *c);
    c->mem = mem;
    arena_init(&c->arena, mem);
    c->file = file;
    c->src = src;
    c->len = len;
    diag_init(&c->diags, &c->arena);
    c->quiet_at = -1;
    c->tests_file = -1;
}

void tly_comp_free(tly_comp *c)
{
    arena_free(&c->arena);
    c->root = NULL;
    c->checked = NULL;
    c->files = NULL;
    c->nfiles = 0;
}

const tly_file *tly_file_at(tly_comp *c, uint32_t off)
{
    if (c->nfiles == 0) {
        if (c->solo.src != c->src || c->solo.len != c->len) {
            memset(&c->solo, 0, sizeof c->solo);
            c->solo.path = c->file;
            c->solo.src = c->src;
            c->solo.len = c->len;
            c->solo.root = c->root;
        }
        return &c->solo;
    }
    /* Files are in increasing base order: the last one starting at or
     * before [off]. */
    int lo = 0, hi = c->nfiles;
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (c->files[mid]->base <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return c->files[lo];
}

void tly_position(tly_comp *c, uint32_t off, const tly_file **file,
                  uint32_t *line, uint32_t *col)
{
    tly_file *f = (tly_file *)tly_file_at(c, off);
    if (!f->has_map) {
        /* Out of memory, the map scans: slower, still right. */
        diag_map_init(&f->map, &c->arena, f->src, f->len);
        f->has_map = true;
    }
    uint32_t ls;
    diag_map_position(&f->map, off - f->base, line, col, &ls);
    if (file) {
        *file = f;
    }
}

const char *tly_text_at(tly_comp *c, uint32_t off)
{
    const tly_file *f = tly_file_at(c, off);
    uint32_t rel = off - f->base;
    return f->src + (rel <= f->len ? rel : f->len);
}
