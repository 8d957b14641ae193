/* lang/table.h - the static analysis of decision tables.
 *
 * A table's entries are values written out, so which inputs each row
 * matches is known before any data is seen.  tbl_analyse cuts each
 * column's values into the few classes its entries cannot tell apart
 * and reports, each with an input that shows it: rows that overlap
 * under 'hit unique', rows that match the same input and disagree under
 * 'hit any', inputs no row matches (a gap) where a table must give one
 * value, and rows that can never match or never decide.
 */
#ifndef TALLY_LANG_TABLE_H
#define TALLY_LANG_TABLE_H

#include "check.h"

/* The most rows and columns a table may have: the analysis is quadratic
 * in rows, and a table wider than this is a policy to split. */
#define TBL_MAX_ROWS 500
#define TBL_MAX_COLUMNS 16

/* Cell classes the gap and reachability searches may visit per table;
 * past it the table is reported as too large to prove complete, and the
 * runtime check alone stands. */
#define TBL_SEARCH_BUDGET 200000

/* Analyses table [t] (AST_TABLE) whose rows and entries the checker has
 * typed without error: its hit policy in t->c->op, the columns' types in
 * [params] (the table's parameters, [ncols] of them), every entry's
 * values typed as its column.  Adds its findings to [c]'s diagnostics;
 * an entry that is not a value written out is an error here.  Returns
 * false when it reported an error. */
bool tbl_analyse(tly_comp *c, ast_node *t, sym *const *params, int ncols);

/* Whether [n], typed by the checker, is a value written out (a literal,
 * a negated number, an enum member): what a table entry must be. */
bool tbl_is_constant(const ast_node *n);

#endif
