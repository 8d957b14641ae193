/* runtime/data_bind.h - between the reader and the binder (internal).
 *
 * data_read.c frames the input into records; data_bind.c binds each
 * record's JSON text into a typed value.  This header is their contract;
 * the rest of Tally sees only data.h.
 */
#ifndef TALLY_RUNTIME_DATA_BIND_H
#define TALLY_RUNTIME_DATA_BIND_H

#include "data.h"

typedef struct binder binder;

/* A binder for [prog]'s records, drawing scratch memory from [mem]; NULL
 * out of memory.  One binder serves any number of records in turn. */
binder *data_binder_new(mem_ctx *mem, const bc_program *prog);

/* Makes [b] report every problem of a rejected record, up to
 * DATA_MAX_ERRORS (see data_reader_all_errors), when [on]. */
void data_binder_all_errors(binder *b, bool on);

/* Frees [b]; NULL is a no-op. */
void data_binder_free(binder *b);

/* Binds the [len] bytes of JSON at [json], the record on line (or
 * element) [line], as record type [record]: RT_OK with the value
 * in *out, RT_EDATA with *err filled (messages in [a]), or
 * RT_ENOMEM. */
rt_status data_binder_bind(binder *b, uint16_t record, const char *json,
                           size_t len, long line, arena *a, value *out,
                           data_error *err);

/* [st], with *err's message set for RT_ENOMEM (which may come with
 * nothing else filled in). */
static inline rt_status data_finish(rt_status st, data_error *err)
{
    if (st == RT_ENOMEM) {
        err->path = NULL;
        err->key = val_none();
        err->msg = "out of memory";
        err->more = NULL;
        err->nmore = err->unshown = 0;
    }
    return st;
}

#endif
