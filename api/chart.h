/* api/chart.h - bar charts as inline SVG, from exact decimals.
 *
 * The charts of the generated HTML pages (tally summaries' tender pages,
 * the portfolio page of a run's reports) are written here, and only
 * here.  Every value is the text of an exact decimal (what a run wrote);
 * every coordinate is computed exactly (runtime/decimal.c) and rounded
 * half up to two places explicitly, so no binary floating point reaches
 * a number written and the same values give the same bytes everywhere.
 * Each chart is a <figure> holding the <svg> (role="img", with a <title>
 * and a <desc> saying every value in words) and a <figcaption>; every
 * text is escaped, so policy names holding markup are shown as written.
 * Nothing here allocates outside the caller's strbuf and arena.
 */
#ifndef TALLY_API_CHART_H
#define TALLY_API_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

/* The colours of the charts' series, in order (six, chosen to stay apart
 * for the common kinds of colour blindness and in greyscale print). */
#define CHART_COLOURS 6

/* The [i]th colour of the palette ("#rrggbb"), repeating after six. */
const char *chart_colour(size_t i);

/* Appends [s] (plain text, NUL-terminated) to [b] escaped for XML and
 * HTML text and attribute values (& < > "). */
void chart_xml_text(strbuf *b, const char *s);

/* A row of a stacked bar chart. */
typedef struct chart_stack_row {
    const char *label;         /* plain text, left of the bar */
    const char *const *values; /* nseries decimal texts; NULL or not a
                                  number: that segment is not drawn */
    const char *end;           /* plain text right of the bar (a total) */
} chart_stack_row;

/* A stacked bar chart: a bar per row, a segment per series, the whole
 * width standing for [max]. */
typedef struct chart_stack {
    const char *title;   /* plain text: the <title> */
    const char *desc;    /* plain text: the <desc>, every value in words */
    const char *caption; /* plain text: the <figcaption> */
    const char *const *series; /* nseries names, for the legend */
    uint32_t nseries;
    const char *max;     /* decimal text the full width stands for; not a
                            positive number: no segment is drawn */
    const chart_stack_row *rows;
    size_t nrows;
    size_t tall;         /* rows the height makes room for (0: nrows) */
} chart_stack;

/* Appends to [b] the stacked bar chart [c] (a figure, 220 pixels of
 * labels, 400 of bars, 80 for the end texts, 28 a row): each segment
 * starts where the last ended, at the running sum scaled and rounded, so
 * no error accumulates and a bar ends at its total's own place.  [a]
 * holds the decimals (the caller resets it).  Out of memory sets
 * b->failed. */
void chart_stacked(strbuf *b, arena *a, const chart_stack *c);

/* A horizontal bar chart: a bar per label, drawn from a zero axis. */
typedef struct chart_bars {
    const char *title;   /* plain text: the <title> and aria-label */
    const char *caption; /* plain text: the <figcaption> */
    const char *colour;  /* the bars' fill, "#rrggbb" */
    const char *const *labels; /* nbars plain texts, left of the bars */
    const char *const *values; /* nbars decimal texts; NULL or "" (none):
                                  no bar, and "none" in words */
    size_t nbars;
    const char *at_least; /* decimal text the scale reaches at least (100
                             for percentages), or NULL */
} chart_bars;

/* Appends to [b] the bar chart [c]: the scale runs from the least of 0
 * and the values to the greatest of 0, the values and [at_least]; a
 * value is a bar from the zero axis (drawn as a line) to its place,
 * rightwards for a positive value and leftwards for a negative one, with
 * its text right of the bars; the <desc> reads "label: value; ...".
 * Labels get between 80 and 300 pixels (7 a character), bars 360, the
 * value texts 140, a row 26.  False, writing nothing, when a value is
 * not a decimal; [a] holds the decimals.  Out of memory sets b->failed. */
bool chart_hbar(strbuf *b, arena *a, const chart_bars *c);

#endif
