/* api/chart.c - bar charts as inline SVG, from exact decimals (chart.h).
 *
 * Owns the charts' geometry and markup; what the numbers mean is the
 * caller's.  A coordinate is an exact decimal (value times pixels over
 * the scale's span) rounded half up to two places by dec_round, then
 * written with dec_format_fixed: never a double.  Integer geometry
 * (margins, rows) is plain int arithmetic.
 */
#include "chart.h"

#include <stdio.h>
#include <string.h>

#include "decimal.h"

static const char *const palette[CHART_COLOURS] = {
    "#1f5f8b", "#c9731d", "#3a8a3a", "#8b3a8b", "#5f5f5f", "#b03030"};

const char *chart_colour(size_t i)
{
    return palette[i % CHART_COLOURS];
}

void chart_xml_text(strbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '&': sb_puts(b, "&amp;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        default: sb_putc(b, *s); break;
        }
    }
}

/* [x] * [num] / [den] rounded half up to two places, in *out; false when
 * [den] is zero or the arithmetic fails. */
static bool scale(arena *a, const dec *x, const dec *num, const dec *den,
                  dec *out)
{
    dec r;
    return dec_sign(den) != 0 && dec_mul(a, x, num, &r) == DEC_OK &&
           dec_div(a, &r, den, &r) == DEC_OK &&
           dec_round(a, &r, 2, DEC_HALF_UP, out) == DEC_OK;
}

/* [x] with two places into [buf] ("0.00" when it does not fit). */
static void fixed2(mem_ctx *m, const dec *x, char *buf, size_t cap)
{
    strbuf b;
    sb_init(&b, m);
    dec_format_fixed(x, 2, &b);
    if (!b.failed && b.len < cap) {
        memcpy(buf, b.p, b.len);
        buf[b.len] = '\0';
    } else {
        snprintf(buf, cap, "0.00");
    }
    sb_free(&b);
}

/* [s] as a decimal in *out; false when it is not one. */
static bool number(arena *a, const char *s, dec *out)
{
    return s && *s && dec_parse_number(a, s, strlen(s), 64, out) == DEC_OK;
}

/* ---- stacked bars ------------------------------------------------------ */

void chart_stacked(strbuf *b, arena *a, const chart_stack *c)
{
    const int left = 220, width = 400, row = 28;
    int height = (int)(c->tall ? c->tall : c->nrows) * row + 60;
    sb_printf(b, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
              "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
              "\n<title>", left + width + 80, height, left + width + 80, height);
    chart_xml_text(b, c->title);
    sb_puts(b, "</title>\n<desc>");
    chart_xml_text(b, c->desc);
    sb_puts(b, "</desc>\n");
    dec max, px = dec_from_int(width);
    if (!number(a, c->max, &max)) {
        max = dec_from_int(0);
    }
    int y = 10;
    for (size_t i = 0; i < c->nrows; i++) {
        const chart_stack_row *r = &c->rows[i];
        sb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
                  "text-anchor=\"end\">", left - 8, y + 15);
        chart_xml_text(b, r->label);
        sb_puts(b, "</text>\n");
        /* Each segment starts where the last ended: the running sum of
         * the values is scaled and rounded, so no error accumulates and
         * the bar ends at the total's own place. */
        dec run = dec_from_int(0), x0 = dec_from_int(0), lft = dec_from_int(left);
        for (uint32_t s = 0; s < c->nseries; s++) {
            dec d, x1, wd, at;
            if (!number(a, r->values[s], &d) ||
                dec_add(a, &run, &d, &run) != DEC_OK ||
                !scale(a, &run, &px, &max, &x1) ||
                dec_sub(a, &x1, &x0, &wd) != DEC_OK ||
                dec_add(a, &lft, &x0, &at) != DEC_OK) {
                continue;
            }
            char xs[64], ws[64];
            fixed2(b->mem, &at, xs, sizeof xs);
            fixed2(b->mem, &wd, ws, sizeof ws);
            sb_printf(b, "<rect x=\"%s\" y=\"%d\" width=\"%s\" height=\"20\" "
                      "fill=\"%s\"></rect>\n", xs, y, ws, chart_colour(s));
            x0 = x1;
        }
        sb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", left + width + 6,
                  y + 15);
        chart_xml_text(b, r->end ? r->end : "");
        sb_puts(b, "</text>\n");
        y += row;
    }
    /* the legend */
    int lx = left;
    for (uint32_t s = 0; s < c->nseries; s++) {
        sb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                  "fill=\"%s\"></rect><text x=\"%d\" y=\"%d\" font-size=\"12\">",
                  lx, y + 8, chart_colour(s), lx + 16, y + 18);
        chart_xml_text(b, c->series[s]);
        sb_puts(b, "</text>\n");
        lx += 16 + 8 * (int)strlen(c->series[s]) + 16;
    }
    sb_puts(b, "</svg>\n<figcaption>");
    chart_xml_text(b, c->caption);
    sb_puts(b, "</figcaption>\n</figure>\n");
}

/* ---- horizontal bars --------------------------------------------------- */

/* Characters (not bytes) of UTF-8 [s]. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

/* The place of [v] on the scale [lo, hi] drawn over [px] pixels from
 * [left], rounded to two places, in *out; false when the span is 0. */
static bool place(arena *a, const dec *v, const dec *lo, const dec *span,
                  const dec *px, const dec *left, dec *out)
{
    dec off, x;
    return dec_sub(a, v, lo, &off) == DEC_OK && scale(a, &off, px, span, &x) &&
           dec_add(a, left, &x, out) == DEC_OK;
}

bool chart_hbar(strbuf *b, arena *a, const chart_bars *c)
{
    const int width = 360, text = 140, row = 26;
    dec lo = dec_from_int(0), hi = dec_from_int(0);
    dec *v = c->nbars ? arena_alloc(a, c->nbars * sizeof *v) : NULL;
    bool *has = c->nbars ? arena_alloc(a, c->nbars * sizeof *has) : NULL;
    if (c->nbars && (!v || !has)) {
        b->failed = true;
        return false;
    }
    size_t longest = 0;
    for (size_t i = 0; i < c->nbars; i++) {
        has[i] = c->values[i] && *c->values[i];
        if (has[i] && !number(a, c->values[i], &v[i])) {
            return false;
        }
        if (has[i] && dec_cmp(&v[i], &lo) < 0) {
            lo = v[i];
        }
        if (has[i] && dec_cmp(&v[i], &hi) > 0) {
            hi = v[i];
        }
        size_t n = chars(c->labels[i]);
        longest = n > longest ? n : longest;
    }
    dec floor;
    if (number(a, c->at_least, &floor) && dec_cmp(&floor, &hi) > 0) {
        hi = floor;
    }
    int left = longest > 40 ? 300 : 16 + 7 * (int)longest;
    left = left < 80 ? 80 : left;
    int w = left + width + text;
    int h = (int)c->nbars * row + 20;
    sb_printf(b, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
              "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
              "aria-label=\"", w, h, w, h);
    chart_xml_text(b, c->title);
    sb_puts(b, "\">\n<title>");
    chart_xml_text(b, c->title);
    sb_puts(b, "</title>\n<desc>");
    for (size_t i = 0; i < c->nbars; i++) {
        chart_xml_text(b, c->labels[i]);
        sb_puts(b, ": ");
        chart_xml_text(b, has[i] ? c->values[i] : "none");
        sb_puts(b, i + 1 < c->nbars ? "; " : ".");
    }
    sb_puts(b, "</desc>\n");
    dec span, px = dec_from_int(width), lft = dec_from_int(left), zero = dec_from_int(0);
    dec axis = lft;
    bool drawn = dec_sub(a, &hi, &lo, &span) == DEC_OK && dec_sign(&span) > 0 &&
                 place(a, &zero, &lo, &span, &px, &lft, &axis);
    char as[64];
    fixed2(b->mem, &axis, as, sizeof as);
    int y = 10;
    for (size_t i = 0; i < c->nbars; i++) {
        sb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
                  "text-anchor=\"end\">", left - 8, y + 14);
        chart_xml_text(b, c->labels[i]);
        sb_puts(b, "</text>\n");
        dec at, from, wd;
        if (drawn && has[i] && place(a, &v[i], &lo, &span, &px, &lft, &at)) {
            bool neg = dec_cmp(&at, &axis) < 0;
            from = neg ? at : axis;
            if (dec_sub(a, neg ? &axis : &at, neg ? &at : &axis, &wd) == DEC_OK) {
                char xs[64], ws[64];
                fixed2(b->mem, &from, xs, sizeof xs);
                fixed2(b->mem, &wd, ws, sizeof ws);
                sb_printf(b, "<rect x=\"%s\" y=\"%d\" width=\"%s\" height=\"18\" "
                          "fill=\"%s\"></rect>\n", xs, y, ws, c->colour);
            }
        }
        sb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", left + width + 8,
                  y + 14);
        chart_xml_text(b, has[i] ? c->values[i] : "none");
        sb_puts(b, "</text>\n");
        y += row;
    }
    sb_printf(b, "<line x1=\"%s\" y1=\"4\" x2=\"%s\" y2=\"%d\" stroke=\"#111\" "
              "stroke-width=\"1\"></line>\n</svg>\n<figcaption>", as, as, h - 4);
    chart_xml_text(b, c->caption);
    sb_puts(b, "</figcaption>\n</figure>\n");
    return true;
}
