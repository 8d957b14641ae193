/* runtime/data.h - reading input records: typed binding of JSON data.
 *
 * A data_reader turns a stream of JSON Lines (or one JSON array) into
 * values of the program's input record type, one record at a time, without
 * ever holding more than one record's text: JSON Lines are read a line at a
 * time into a reused buffer, array elements are split off by a small
 * scanner and bound one by one.  Binding follows the program's type
 * descriptors directly from the JSON parser's events (no document tree):
 * every value is checked as it arrives, and a record that does not fit its
 * schema comes back as a data_error naming the first offending field as a
 * path ("bids[1].supplier.exclusions[1]").  SPEC: award-evaluation, Input
 * and Bad input.
 *
 * One exception to "reject the record": a map entry whose value does not
 * bind is stored as a VAL_ERROR value (see value.h), because the policy may
 * never read it; the VM raises the error only if it does.
 */
#ifndef TALLY_RUNTIME_DATA_H
#define TALLY_RUNTIME_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "bytecode.h"
#include "mem.h"
#include "status.h"
#include "value.h"

/* Containers nested deeper than this are rejected ("nesting too deep").
 * Tally types are not recursive, so real data is as deep as the schema
 * (the award tender is 5 levels); 64 leaves room for any policy while
 * bounding the binder's frame stack, which is a fixed array. */
#define DATA_MAX_DEPTH 64

/* Limits on one input record.  Each stops data that would cost memory or
 * time out of all proportion to any real tender, and rejects just that
 * record, with a message naming the limit, so the run goes on.  The
 * numbers are far above real tenders (a 1,000-bid tender is about 3 MB of
 * JSON; names and titles are under a kilobyte; money has a dozen digits):
 *
 *   DATA_MAX_RECORD   bytes of one record's JSON text (a JSON Lines line
 *                     or an array element): "record longer than N bytes".
 *                     The reader skips the rest of such a line without
 *                     holding it, so memory stays flat.
 *   DATA_MAX_TEXT     bytes of one string bound as text or as a map key
 *                     (after unescaping): "text longer than N bytes".
 *   DATA_MAX_DECIMAL  bytes of one decimal string: "decimal string longer
 *                     than N bytes".  Big decimals live in GMP, outside
 *                     the memory cap, and their arithmetic costs time the
 *                     instruction budget does not count; 1000 digits is
 *                     more than any amount needs.
 *   DATA_MAX_ITEMS    elements of one list or entries of one map: "more
 *                     than N elements" / "more than N entries" (24 bytes a
 *                     value: a million is 24 MB). */
#define DATA_MAX_RECORD ((size_t)64 << 20)
#define DATA_MAX_TEXT ((size_t)1 << 20)
#define DATA_MAX_DECIMAL 1000
#define DATA_MAX_ITEMS 1000000u

typedef enum data_format {
    DATA_JSONL,      /* one JSON text per line */
    DATA_JSON_ARRAY, /* one JSON array of records */
    DATA_AUTO,       /* decided by data_sniff */
    DATA_WRAPPED,    /* records in an array inside each top-level object:
                        at a JSON pointer (data_reader_records_at), or
                        OCDS packages (data_reader_ocds) */
    DATA_CSV,        /* a header row, then a record a row (libcsv) */
    DATA_FORMAT_COUNT
} data_format;

/* Decides what DATA_AUTO reads, from the input's first bytes.  The input
 * is a JSON array when, after a byte order mark and white space, it
 * starts with '[' and that array does not close on its first line, or
 * closes there with nothing but white space after it to the end of the
 * input.  It is DATA_WRAPPED, read as data_reader_ocds reads (an OCDS
 * package's releases or records, or the object as one record), when it
 * starts with '{' and nothing else on that line: an object printed over
 * many lines.  Anything else is JSON Lines (a first line `[1]` followed by
 * records is a bad first line, not an array with garbage after it, so no
 * later record is lost).  An array whose first line is longer than
 * DATA_MAX_RECORD is an array.  The reader and the parallel runner's
 * framer both decide with this, so they cannot disagree. */
typedef struct data_sniffer {
    uint8_t phase;  /* where the scan is; see data_read.c */
    uint8_t result; /* data_format once decided, else DATA_AUTO */
    bool in_str;    /* inside a string of the first array */
    bool esc;       /* after a backslash in that string */
    long depth;     /* bracket depth in the first array */
    size_t seen;    /* bytes fed so far */
    size_t first;   /* offset of the first array's '[' */
} data_sniffer;

void data_sniff_init(data_sniffer *sn);

/* Feeds the next [len] bytes of input [s].  Returns the format once it
 * is known (and from then on), DATA_AUTO while more input is needed. */
data_format data_sniff_feed(data_sniffer *sn, const char *s, size_t len);

/* The format, at the end of the input. */
data_format data_sniff_end(data_sniffer *sn);

/* One more problem of a rejected record, after the first (see
 * data_error.more). */
typedef struct data_issue {
    const char *path; /* arena: as data_error.path (never NULL) */
    const char *msg;  /* arena */
} data_issue;

/* With all errors asked for (data_reader_all_errors), a rejected record
 * reports at most this many problems (the first and DATA_MAX_ERRORS - 1
 * more), then how many it left out: 20 fill a screen and name every
 * problem of a record typed in by hand. */
#define DATA_MAX_ERRORS 20

typedef struct data_error {
    long line;     /* JSONL: 1-based line where the record starts;
                      array: 1-based element number */
    value key;     /* the record's key (VAL_TEXT, arena), or VAL_NONE when
                      it could not be read */
    const char *path; /* arena: "bids[1].price"; NULL for a problem with the
                         record as a whole (not JSON, no key) */
    const char *msg;  /* arena (static "out of memory" for RT_ENOMEM):
                         "unknown exclusion ground \"arson\"" */
    const data_issue *more; /* arena: with all errors asked for, the
                               record's later problems in document order
                               (a field's "missing" when its object
                               closes); NULL when none */
    uint32_t nmore;   /* entries of [more] */
    uint32_t unshown; /* problems found past DATA_MAX_ERRORS */
} data_error;

/* Reading and binding answer with the runtime's status (status.h):
 * RT_OK (*out holds a bound record), RT_EDATA (*err describes a rejected
 * record; the reader has moved past it), RT_EOF (no more records), RT_EIO
 * (reading failed; err->msg says why), RT_ENOMEM (out of memory, or the
 * memory cap was hit). */

typedef struct data_reader data_reader;

/* Creates a reader of records of [prog]'s input record from [in], in
 * format [fmt].  [prog] must have passed the verifier (type references are
 * trusted); [prog] and [in] are borrowed and must outlive the reader;
 * [in_name] (borrowed, may be NULL) names the input in I/O messages.
 * Buffers are drawn from [mem].  NULL out of memory. */
data_reader *data_reader_new(mem_ctx *mem, const bc_program *prog, FILE *in,
                             data_format fmt, const char *in_name);

/* Makes [r] (created with DATA_WRAPPED, before its first record) read
 * the records of the array at JSON pointer [pointer] ("/data/items":
 * object keys, with ~1 for '/' and ~0 for '~'; no array indices) in each
 * top-level JSON object of the input: one object, possibly pretty-printed
 * over many lines, or one a line.  The array's elements are streamed one
 * at a time, so memory stays flat however large the wrapper; the
 * wrapper's other members are skipped.  An object without such an array
 * gives one error record ("no array at /data/items").  Keys are matched
 * as written in the data (a key spelled with \u escapes does not match).
 * False (and [r] unchanged) when [pointer] is not of that form or
 * memory runs out. */
bool data_reader_records_at(data_reader *r, const char *pointer);

/* Makes [r] (created with DATA_WRAPPED) read Open Contracting Data
 * Standard data as published: each top-level object is a release
 * package (its "releases" are the records), a record package (the
 * "compiledRelease" of each of its "records" is a record), or a release
 * itself (JSON Lines of releases).  Packages may be pretty-printed over
 * many lines or one a line, and are streamed as data_reader_records_at
 * streams.  False out of memory. */
bool data_reader_ocds(data_reader *r);

/* Why [prog]'s input record cannot be read from CSV (a field that is a
 * record, list or map: CSV cells hold only scalars), written to [buf] of
 * [n] bytes; NULL when it can.  DATA_CSV reads:
 *
 *   - a header row naming the columns: a column fills the input record's
 *     field whose data name (its name, or its `as "..."` rename) it
 *     bears; other columns are ignored; a name given twice is an error;
 *   - then one record a row, cells quoted or not (RFC 4180: "" for a
 *     quote inside quotes, line breaks inside quotes), rows ended by LF
 *     or CRLF, a UTF-8 byte order mark dropped.  A cell is bound as the
 *     JSON string of its text, except: an integer or duration cell of
 *     digits is a number, a bool cell "true" or "false" a boolean, and
 *     an empty cell (unquoted) none for an optional field and the empty
 *     text for a text field;
 *   - errors name the row (the header is row 1) and the column:
 *     "row 3, column 2 (price): not a decimal string".
 *
 * The parser is libcsv; its buffer, outside the memory cap, holds one
 * cell, and a cell longer than DATA_MAX_RECORD ends the input with an
 * error. */
const char *data_csv_refusal(const bc_program *prog, char *buf, size_t n);

/* Makes [r] report every problem of a rejected record (data_error.more),
 * up to DATA_MAX_ERRORS, instead of only the first.  The binder goes on
 * past a bad value as if it had been null: a value of the wrong JSON kind
 * (its contents skipped), a bad scalar, a missing field, a duplicate key
 * or unique value.  It still stops at the first problem that makes the
 * rest unreadable: nesting too deep, too many elements or entries, a map
 * key that is not text (and JSON that is not valid, or has no key, which
 * are whole-record errors either way). */
void data_reader_all_errors(data_reader *r);

/* Frees [r] and its buffers (not the stream); NULL is a no-op. */
void data_reader_free(data_reader *r);

/* Decides [r]'s format now (for DATA_AUTO, reading as much of the input
 * as data_sniff needs, held to be read again), so that the caller can
 * look at data_reader_format before the first record.  False out of
 * memory. */
bool data_reader_start(data_reader *r);

/* The next record of JSON Lines, framed but not bound: for a caller that
 * binds elsewhere (the parallel run's workers, with data_bind_json).
 * RT_OK with the line's bytes in *text / *len (valid until the next
 * call; a line may hold NUL bytes) and its number in err->line; or what
 * data_reader_next returns for the line itself (RT_EDATA: too long;
 * RT_ENOMEM), RT_EOF or RT_EIO.  The framing (byte order
 * mark, blank lines, line numbers, limits) is the reader's own, so a
 * record framed here and bound there is the record data_reader_next
 * would give.  Only for a reader whose format is DATA_JSONL. */
rt_status data_reader_next_text(data_reader *r, arena *a, const char **text,
                                size_t *len, data_error *err);

/* The format [r] reads: as given to data_reader_new, or, for DATA_AUTO,
 * what the first record showed (DATA_AUTO until then). */
data_format data_reader_format(const data_reader *r);

/* Reads and binds the next record, allocating the value and any message in
 * [a] (the per-record arena, which the caller resets between records).
 * RT_OK: *out is a VAL_RECORD of prog->input_record.  RT_EDATA:
 * *err describes the rejected record and the reader has moved past it.
 * RT_EIO: err->msg says why (then RT_EOF follows).  RT_ENOMEM:
 * err->msg is the static "out of memory", err->line the record's line,
 * and the reader has moved past that record, so a caller whose memory
 * cap stopped one large record may go on with the next.  *err is always initialised.
 * Blank lines are skipped; a UTF-8 byte order mark at the start of input
 * is ignored. */
rt_status data_reader_next(data_reader *r, arena *a, value *out,
                           data_error *err);

/* Binds one complete JSON text [json] of [len] bytes to record type
 * [record] of [prog].  The key rule (a string member named by
 * prog->key_field) applies when [record] is prog->input_record.  [line]
 * is copied into err->line.  Values and messages live in [a]; the parser's
 * own memory is drawn from a->mem and freed before returning.  Returns
 * RT_OK, RT_EDATA or RT_ENOMEM (err->msg "out of memory"). */
rt_status data_bind_json(const bc_program *prog, uint16_t record,
                         const char *json, size_t len, long line, arena *a,
                         value *out, data_error *err);

/* data_bind_json, reporting every problem of a rejected record as
 * data_reader_all_errors does when [all_errors]. */
rt_status data_bind_json_errors(const bc_program *prog, uint16_t record,
                                const char *json, size_t len, long line,
                                bool all_errors, arena *a, value *out,
                                data_error *err);

#endif
