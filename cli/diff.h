/* cli/diff.h - a unified diff of two texts, for `tally fmt --check`.
 */
#ifndef TALLY_CLI_DIFF_H
#define TALLY_CLI_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Writes to [out] a unified diff (three lines of context, `--- [name]`
 * and `+++ [name]` headers) turning [a] ([alen] bytes) into [b].  The diff
 * is correct but not always the shortest: lines are matched greedily,
 * looking ahead at most DIFF_LOOKAHEAD lines for the next common one.
 * Returns false out of memory (nothing useful written). */
bool diff_unified(FILE *out, const char *name, const char *a, size_t alen,
                  const char *b, size_t blen);

#endif
