/* cli/diff.c - a unified diff of two texts (cli/diff.h).
 *
 * `tally fmt --check` shows what the formatter would change, and the
 * formatter keeps the author's line breaks, so the changes are mostly
 * single lines rewritten in place: a greedy match (the nearest line the
 * two sides share, within DIFF_LOOKAHEAD lines) gives the same hunks a
 * minimal diff would, without its quadratic memory.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

/* How far ahead to look for the next shared line: the longest run of
 * lines one reformatting can add or remove (blank lines dropped) is far
 * below it. */
#define DIFF_LOOKAHEAD 200
#define DIFF_CONTEXT 3

typedef struct line {
    const char *s;
    size_t len; /* without the newline */
} line;

static line *split(const char *t, size_t len, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += t[i] == '\n';
    }
    line *v = malloc((n + 2) * sizeof *v);
    if (!v) {
        return NULL;
    }
    size_t k = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\n') {
            v[k].s = t + start;
            v[k].len = i - start;
            k++;
            start = i + 1;
        }
    }
    if (start < len) {
        v[k].s = t + start;
        v[k].len = len - start;
        k++;
    }
    *count = k;
    return v;
}

static bool eq(const line *x, const line *y)
{
    return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

/* One edit: 0 same, '-' only in a, '+' only in b. */
typedef struct op {
    char kind;
    size_t ai, bi;
} op;

static void put(FILE *out, char mark, const line *l)
{
    fputc(mark, out);
    fwrite(l->s, 1, l->len, out);
    fputc('\n', out);
}

bool diff_unified(FILE *out, const char *name, const char *a, size_t alen,
                  const char *b, size_t blen)
{
    size_t na = 0, nb = 0;
    line *la = split(a, alen, &na);
    line *lb = split(b, blen, &nb);
    op *ops = malloc((na + nb + 1) * sizeof *ops);
    if (!la || !lb || !ops) {
        free(la);
        free(lb);
        free(ops);
        return false;
    }
    size_t n = 0, i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && eq(&la[i], &lb[j])) {
            ops[n++] = (op){0, i++, j++};
            continue;
        }
        /* The nearest pair (i + di, j + dj) of equal lines. */
        size_t best_i = na, best_j = nb, best = (size_t)-1;
        for (size_t d = 1; d <= (size_t)2 * DIFF_LOOKAHEAD && best == (size_t)-1; d++) {
            for (size_t di = 0; di <= d; di++) {
                size_t dj = d - di;
                if (di > DIFF_LOOKAHEAD || dj > DIFF_LOOKAHEAD ||
                    i + di >= na || j + dj >= nb) {
                    continue;
                }
                if (eq(&la[i + di], &lb[j + dj])) {
                    best = d;
                    best_i = i + di;
                    best_j = j + dj;
                    break;
                }
            }
        }
        while (i < best_i) {
            ops[n++] = (op){'-', i++, j};
        }
        while (j < best_j) {
            ops[n++] = (op){'+', i, j++};
        }
    }
    fprintf(out, "--- %s\n+++ %s\n", name, name);
    size_t k = 0;
    while (k < n) {
        if (ops[k].kind == 0) {
            k++;
            continue;
        }
        /* A hunk: from DIFF_CONTEXT lines before this change to
         * DIFF_CONTEXT after the last change closer than twice that. */
        size_t start = k >= DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
        while (start < k && ops[start].kind != 0) {
            start++;
        }
        size_t end = k, same = 0;
        for (size_t e = k; e < n; e++) {
            if (ops[e].kind == 0) {
                if (++same > (size_t)2 * DIFF_CONTEXT) {
                    break;
                }
            } else {
                same = 0;
                end = e;
            }
        }
        size_t stop = end + 1;
        for (size_t c = 0; c < DIFF_CONTEXT && stop < n && ops[stop].kind == 0; c++) {
            stop++;
        }
        size_t acount = 0, bcount = 0;
        for (size_t e = start; e < stop; e++) {
            acount += ops[e].kind != '+';
            bcount += ops[e].kind != '-';
        }
        size_t a0 = ops[start].ai, b0 = ops[start].bi;
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", acount ? a0 + 1 : a0, acount,
                bcount ? b0 + 1 : b0, bcount);
        for (size_t e = start; e < stop; e++) {
            if (ops[e].kind == '+') {
                put(out, '+', &lb[ops[e].bi]);
            } else if (ops[e].kind == '-') {
                put(out, '-', &la[ops[e].ai]);
            } else {
                put(out, ' ', &la[ops[e].ai]);
            }
        }
        k = stop;
    }
    free(la);
    free(lb);
    free(ops);
    return true;
}
