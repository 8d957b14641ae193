/* lang/summary.h - what a policy's `summaries` declaration says.
 *
 * The declaration (parser.y summaries_decl) names which values of a run
 * an assessment summary shows -- the supplier, its status, the reason it
 * was not scored, each criterion's score and weight, the total, the rank,
 * the award, the evaluators' justifications -- as paths into the input
 * and output records, and the letter's wording as templates.  The
 * checker (lang/summary.c) types every path and records, on each item
 * node, its role (aux: a sum_role) and, on each AST_GET of a path, the
 * JSON key of its field (text), so that api/summaries.c can read the
 * values from a run's JSON without knowing the policy.
 */
#ifndef TALLY_LANG_SUMMARY_H
#define TALLY_LANG_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

/* The role of an item: which value or which sentence it gives. */
typedef enum sum_role {
    /* values (paths) */
    SUM_TENDER,    /* the tender's reference (the record) */
    SUM_TITLE,     /* the tender's title */
    SUM_BUYER,     /* the authority's name */
    SUM_AWARD,     /* the supplier value of the most advantageous tender,
                      or none: no award */
    SUM_SUPPLIER,  /* per supplier: its reference (required) */
    SUM_NAME,      /* per supplier: its name */
    SUM_STATUS,    /* per supplier: scored, excluded, ... */
    SUM_REASON,    /* per supplier: why it was not scored */
    SUM_TOTAL,     /* per supplier: the total score */
    SUM_RANK,      /* per supplier: its rank */
    SUM_QUESTIONS, /* per supplier: map of question to its score */
    SUM_JUSTIFY,   /* per supplier: map of question to a judgement */
    SUM_CRITERION, /* criterion "Title" weight PATH: PATH */
    /* wording (text templates, {name} placeholders) */
    SUM_W_HEADING,
    SUM_W_OPENING,
    SUM_W_SCORED,
    SUM_W_WON,
    SUM_W_LOST,
    SUM_W_NO_AWARD,
    SUM_W_UNSCORED,
    SUM_W_REASONS,
    SUM_W_CLOSING,
    SUM_W_SIGNATURE,
    SUM_W_TIED,    /* a scored tender whose total equals the winner's */
    SUM_W_SCORES,  /* the heading of the scores */
    SUM_W_YOURS,   /* the column of the supplier's own points */
    SUM_W_BEST,    /* the column of the most advantageous tender's */
    SUM_W_NOT_SCORED, /* a cell where the supplier has no points */
    SUM_W_RULES,   /* the heading of the citations */
    SUM_W_PAGE,    /* the heading of a tender's page */
    SUM_W_INDEX,   /* the heading of the index */
    SUM_ROLE_COUNT
} sum_role;

/* The word a role is written with ("tender", "opening", ...). */
const char *sum_role_word(sum_role r);

/* The wording a policy gets for a template it does not declare. */
const char *sum_default_wording(sum_role r);

/* Is [name] a placeholder the wording may write as {name}? */
bool sum_placeholder(const char *name, size_t len);

/* A path's root (AST_NAME's aux after checking). */
#define SUM_ROOT_INPUT 0   /* the input record */
#define SUM_ROOT_OUTPUT 1  /* the output record */
#define SUM_ROOT_EACH 2    /* the element of the first 'for' list */
#define SUM_ROOT_PAIRED 3  /* the element of the second, by position */

#endif
