/* lang/front.c - the compilation context's lifetime. */
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
}

void tly_comp_free(tly_comp *c)
{
    arena_free(&c->arena);
    c->root = NULL;
    c->checked = NULL;
}
