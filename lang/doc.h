/* lang/doc.h - the published methodology of a checked policy (tally doc).
 *
 * Walks a compilation that tly_check accepted and writes, through the
 * document writer (docw.h), what a council publishes with its tender:
 * the header, the authors' comments as prose, every record and enum as a
 * table, every parameter with its value on a day and its dated history,
 * definitions, rules, exceptions, decision tables, findings and the
 * output, the imported modules' items the policy uses, and every
 * citation once in a references section.  Expressions are shown in the
 * policy's own notation: the text the author wrote (amounts exactly as
 * written), on one line, comments left out.
 */
#ifndef TALLY_LANG_DOC_H
#define TALLY_LANG_DOC_H

#include <stdbool.h>
#include <stdint.h>

#include "docw.h"
#include "front.h"

typedef struct doc_options {
    docw_format format;
    bool has_as_of;   /* [as_of] was given: values are shown in force on it */
    int64_t as_of;    /* days since 1970-01-01 */
    bool has_today;   /* the day to use when neither [as_of] nor a date
                         written as the policy's `as of` gives one */
    int64_t today;
} doc_options;

/* Appends the methodology of [c] (parsed, loaded and checked without
 * errors) to [out] in [o]'s format.  The day values are shown on is
 * [o]->as_of, else the policy's `as of` when it is a date literal, else
 * [o]->today, else none (each dated value then shows its history only).
 * Scratch memory comes from c's arena; a failed allocation sets
 * out->failed. */
void doc_render(tly_comp *c, const doc_options *o, strbuf *out);

/* Appends to [out] the comment block directly above the declaration at
 * byte [at] of [f] (no blank line between) as plain text: each line
 * without its '#' and one space, ended by "\n", directives to Tally's
 * tools ("tally: ...") left out.  False when nothing was appended. */
bool doc_comment_text(const tly_file *f, size_t at, strbuf *out);

#endif
