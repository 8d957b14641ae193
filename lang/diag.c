/* lang/diag.c - collecting and rendering diagnostics.
 *
 * Rendering computes line and column from byte offsets only when a
 * diagnostic is printed, so the scanner never tracks lines.  Hostile text
 * must not make reporting slow or large: a second error at one place is
 * dropped through a hash set, positions come from a table built once
 * (diag_map), and a long line is shown as a window around the caret, so
 * each diagnostic costs about its own size whatever the file holds.
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

static uint32_t start_slot(uint32_t key, uint32_t mask)
{
    return (key * 2654435761u) & mask; /* Knuth's multiplicative hash */
}

/* Adds error start [start] to the set; false if it was there already.
 * Out of memory, the set stops growing and lets duplicates through. */
static bool first_error_at(diag_list *l, uint32_t start)
{
    /* 0 marks an empty slot; a start is below TLY_MAX_SOURCE (16 MiB),
     * so start + 1 never wraps round to it. */
    uint32_t key = start + 1;
    if ((l->nstarts + 1) * 2 > l->starts_cap) {
        uint32_t cap = l->starts_cap ? l->starts_cap * 2 : 64;
        uint32_t *t = arena_zalloc(l->arena, (size_t)cap * sizeof *t);
        if (!t) {
            l->oom = true;
            return true;
        }
        for (uint32_t i = 0; i < l->starts_cap; i++) {
            if (l->starts[i]) {
                uint32_t j = start_slot(l->starts[i], cap - 1);
                while (t[j]) {
                    j = (j + 1) & (cap - 1);
                }
                t[j] = l->starts[i];
            }
        }
        l->starts = t; /* the old table stays in the arena: at most as
                          much again as the last */
        l->starts_cap = cap;
    }
    uint32_t mask = l->starts_cap - 1;
    uint32_t j = start_slot(key, mask);
    while (l->starts[j]) {
        if (l->starts[j] == key) {
            return false;
        }
        j = (j + 1) & mask;
    }
    l->starts[j] = key;
    l->nstarts++;
    return true;
}

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of [s] cut to at most [len] bytes without splitting a UTF-8
 * sequence at the end. */
static size_t utf8_cut(const char *s, size_t len)
{
    size_t i = len;
    size_t back = 0;
    while (i > 0 && back < 3 && is_cont((unsigned char)s[i - 1])) {
        i--;
        back++;
    }
    if (i == 0) {
        return len;
    }
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > back + 1 ? i - 1 : len;
}

void diag_add(diag_list *l, diag_sev sev, tly_span sp, const char *hint,
              const char *fmt, ...)
{
    if (sev == DIAG_ERROR && !first_error_at(l, sp.start)) {
        return;
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
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t blen = strlen(buf);
    if (n >= (int)sizeof buf) {
        blen = utf8_cut(buf, blen);
    }
    diag *d = &l->items[l->count++];
    d->sev = sev;
    d->stage = l->stage;
    d->sp = sp;
    d->msg = arena_strndup(l->arena, buf, blen);
    d->hint = hint ? arena_strndup(l->arena, hint, strlen(hint)) : NULL;
    if (!d->msg) {
        d->msg = "out of memory";
        l->oom = true;
    }
    if (sev == DIAG_ERROR) {
        l->nerrors++;
    }
}

/* ---- positions ---------------------------------------------------------- */

bool diag_map_init(diag_map *m, arena *a, const char *src, size_t len)
{
    memset(m, 0, sizeof *m);
    m->src = src;
    m->len = len;
    uint32_t n = 1;
    for (size_t i = 0; i < len; i++) {
        n += src[i] == '\n';
    }
    size_t nblocks = len / DIAG_BLOCK + 1;
    uint32_t *lines = arena_alloc(a, (size_t)n * sizeof *lines);
    uint32_t *chars = arena_alloc(a, nblocks * sizeof *chars);
    if (!lines || !chars) {
        return false;
    }
    lines[0] = 0;
    m->nlines = 1;
    uint32_t count = 0;
    for (size_t i = 0; i < len; i++) {
        if (i % DIAG_BLOCK == 0) {
            chars[i / DIAG_BLOCK] = count;
        }
        count += !is_cont((unsigned char)src[i]);
        if (src[i] == '\n') {
            lines[m->nlines++] = (uint32_t)i + 1;
        }
    }
    if (len % DIAG_BLOCK == 0) {
        chars[len / DIAG_BLOCK] = count;
    }
    m->lines = lines;
    m->chars = chars;
    return true;
}

/* Characters in src[0, off). */
static uint32_t chars_before(const diag_map *m, uint32_t off)
{
    uint32_t n = 0, i = 0;
    if (m->chars) {
        i = off / DIAG_BLOCK * DIAG_BLOCK;
        n = m->chars[off / DIAG_BLOCK];
    }
    for (; i < off; i++) {
        n += !is_cont((unsigned char)m->src[i]);
    }
    return n;
}

void diag_map_position(const diag_map *m, uint32_t off, uint32_t *line,
                       uint32_t *col, uint32_t *line_start)
{
    if (off > m->len) {
        off = (uint32_t)m->len;
    }
    if (!m->lines) {
        uint32_t ln = 1, ls = 0;
        for (uint32_t i = 0; i < off; i++) {
            if (m->src[i] == '\n') {
                ln++;
                ls = i + 1;
            }
        }
        *line = ln;
        *line_start = ls;
        *col = 1 + chars_before(m, off) - chars_before(m, ls);
        return;
    }
    uint32_t lo = 0, hi = m->nlines;
    while (lo + 1 < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->lines[mid] <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    *line = lo + 1;
    *line_start = m->lines[lo];
    *col = 1 + chars_before(m, off) - chars_before(m, m->lines[lo]);
}

void diag_position(const char *src, size_t len, uint32_t off, uint32_t *line,
                   uint32_t *col)
{
    diag_map m = {.src = src, .len = len};
    uint32_t ls;
    diag_map_position(&m, off, line, col, &ls);
}

/* ---- rendering ---------------------------------------------------------- */

static bool line_end(const diag_map *m, size_t i)
{
    return i >= m->len || m->src[i] == '\n' || m->src[i] == '\r';
}

/* The start of the character after the one at [i]; at most three
 * continuation bytes belong to a character (more is not UTF-8, and
 * would let one "character" run on for megabytes). */
static size_t next_char(const diag_map *m, size_t i)
{
    i++;
    for (int k = 0;
         k < 3 && !line_end(m, i) && is_cont((unsigned char)m->src[i]); k++) {
        i++;
    }
    return i;
}

/* The start of the character before [i], not before [lo]. */
static size_t prev_char(const diag_map *m, size_t i, size_t lo)
{
    i--;
    for (int k = 0; k < 3 && i > lo && is_cont((unsigned char)m->src[i]); k++) {
        i--;
    }
    return i;
}

void diag_render_map(const diag_map *m, const diag *d, const char *file,
                     strbuf *out)
{
    static const char *const sev_name[DIAG_SEV_COUNT] = {"error", "warning"};
    const char *src = m->src;
    uint32_t line, col, ls;
    diag_map_position(m, d->sp.start, &line, &col, &ls);
    sb_printf(out, "%s:%u:%u: %s: %s\n", file, line, col, sev_name[d->sev],
              d->msg);
    /* The window [wl, wr) of the line holding the start of the span: up
     * to DIAG_WINDOW / 2 characters before the caret, then to
     * DIAG_WINDOW in all; if the line ends first, more before. */
    size_t start = d->sp.start > m->len ? m->len : d->sp.start;
    size_t wl = start, wr;
    int shown = 0;
    while (wl > ls && shown < DIAG_WINDOW / 2) {
        wl = prev_char(m, wl, ls);
        shown++;
    }
    for (wr = start; !line_end(m, wr) && shown < DIAG_WINDOW; shown++) {
        wr = next_char(m, wr);
    }
    while (wl > ls && shown < DIAG_WINDOW) {
        wl = prev_char(m, wl, ls);
        shown++;
    }
    bool cut_left = wl > ls, cut_right = !line_end(m, wr);
    char num[16];
    int w = snprintf(num, sizeof num, "%u", line);
    sb_printf(out, " %s | %s", num, cut_left ? "..." : "");
    sb_put(out, src + wl, wr - wl);
    sb_puts(out, cut_right ? "...\n" : "\n");
    sb_printf(out, " %*s | %s", w, "", cut_left ? "   " : "");
    /* Underline: spaces to the caret (tabs kept so columns line up), then
     * '^' and '~' across the span, clipped to the window. */
    for (size_t i = wl; i < start; i++) {
        if (src[i] == '\t') {
            sb_putc(out, '\t');
        } else if (!is_cont((unsigned char)src[i])) {
            sb_putc(out, ' ');
        }
    }
    sb_putc(out, '^');
    size_t end = d->sp.end > wr ? wr : d->sp.end;
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

void diag_render(const diag *d, const char *file, const char *src, size_t len,
                 strbuf *out)
{
    diag_map m = {.src = src, .len = len};
    diag_render_map(&m, d, file, out);
}
