/* lang/diag.c - collecting and rendering diagnostics.
 *
 * Rendering computes line and column from byte offsets only when a
 * diagnostic is printed, so the scanner never tracks lines.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void diag_init(diag_list *l, arena *a)
{
    memset(l, 0, sizeof *l);
    l->arena = a;
}

void diag_add(diag_list *l, diag_sev sev, tly_span sp, const char *hint,
              const char *fmt, ...)
{
    if (sev == DIAG_ERROR) {
        for (uint32_t i = 0; i < l->count; i++) {
            if (l->items[i].sev == DIAG_ERROR &&
                l->items[i].sp.start == sp.start) {
                return;
            }
        }
    }
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        diag *items = arena_alloc(l->arena, cap * sizeof *items);
        if (!items) {
            l->oom = true;
            if (sev == DIAG_ERROR) {
                l->nerrors++;
            }
            return;
        }
        if (l->count) {
            memcpy(items, l->items, l->count * sizeof *items);
        }
        l->items = items;
        l->cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag *d = &l->items[l->count++];
    d->sev = sev;
    d->sp = sp;
    d->msg = arena_strndup(l->arena, buf, strlen(buf));
    d->hint = hint ? arena_strndup(l->arena, hint, strlen(hint)) : NULL;
    if (!d->msg) {
        d->msg = "out of memory";
        l->oom = true;
    }
    if (sev == DIAG_ERROR) {
        l->nerrors++;
    }
}

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

void diag_position(const char *src, size_t len, uint32_t off, uint32_t *line,
                   uint32_t *col)
{
    uint32_t ln = 1, cl = 1;
    if (off > len) {
        off = (uint32_t)len;
    }
    for (uint32_t i = 0; i < off; i++) {
        if (src[i] == '\n') {
            ln++;
            cl = 1;
        } else if (!is_cont((unsigned char)src[i])) {
            cl++;
        }
    }
    *line = ln;
    *col = cl;
}

void diag_render(const diag *d, const char *file, const char *src,
                 size_t len, strbuf *out)
{
    static const char *const sev_name[DIAG_SEV_COUNT] = {"error", "warning"};
    uint32_t line, col;
    diag_position(src, len, d->sp.start, &line, &col);
    sb_printf(out, "%s:%u:%u: %s: %s\n", file, line, col, sev_name[d->sev],
              d->msg);
    /* The source line holding the start of the span. */
    size_t ls = d->sp.start > len ? len : d->sp.start;
    while (ls > 0 && src[ls - 1] != '\n') {
        ls--;
    }
    size_t le = ls;
    while (le < len && src[le] != '\n' && src[le] != '\r') {
        le++;
    }
    char num[16];
    int w = snprintf(num, sizeof num, "%u", line);
    sb_printf(out, " %s | ", num);
    sb_put(out, src + ls, le - ls);
    sb_putc(out, '\n');
    sb_printf(out, " %*s | ", w, "");
    /* Underline: spaces to the caret (tabs kept so columns line up), then
     * '^' and '~' across the span, clipped to the line. */
    size_t start = d->sp.start > len ? len : d->sp.start;
    for (size_t i = ls; i < start; i++) {
        if (src[i] == '\t') {
            sb_putc(out, '\t');
        } else if (!is_cont((unsigned char)src[i])) {
            sb_putc(out, ' ');
        }
    }
    sb_putc(out, '^');
    size_t end = d->sp.end > le ? le : d->sp.end;
    bool first = true;
    for (size_t i = start; i < end; i++) {
        if (is_cont((unsigned char)src[i])) {
            continue;
        }
        if (first) {
            first = false;
            continue;
        }
        sb_putc(out, '~');
    }
    sb_putc(out, '\n');
    if (d->hint) {
        sb_printf(out, "hint: %s\n", d->hint);
    }
}
