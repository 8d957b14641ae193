/* runtime/status.h - the one status the runtime reports, from the VM up
 * to the API.
 *
 * Every runtime layer that can fail answers with an rt_status: the VM
 * (vm_eval, vm_call), the data reader and binder, native calls and their
 * binding, the result writer, the bytecode reader and the verifier.  The
 * details travel beside it in the layer's own error record (vm_error,
 * data_error, an err buffer), never in place of it: a caller decides by
 * the status alone, and out of memory is RT_ENOMEM everywhere, never
 * recognised by a message.  api/ turns a status into a tally_status in
 * one place (api_status, api/program.c).
 */
#ifndef TALLY_RUNTIME_STATUS_H
#define TALLY_RUNTIME_STATUS_H

typedef enum rt_status {
    RT_OK = 0,
    RT_EDATA,     /* the input record is bad: a path and message say why */
    RT_ERUNTIME,  /* the policy failed on a record (a native function's
                     failure included): message, position, trace */
    RT_ELIMIT,    /* a limit stopped it: the budget, a stack, the memory
                     cap, a number, text or result too large */
    RT_ENOMEM,    /* out of memory (the allocator, or the memory cap when
                     the caller cannot tell them apart) */
    RT_EIO,       /* reading the input or writing the output failed */
    RT_EINVALID,  /* bytes that are not a valid program (bytecode file,
                     verifier): the message says where */
    RT_ENATIVE,   /* a native function cannot be bound: not allowed, not
                     loadable, missing, or not matching its declaration */
    RT_EINTERNAL, /* a state the code proves impossible (a bug) */
    RT_EOF,       /* not a failure: the input has no more records */
    RT_STATUS_COUNT
} rt_status;

/* A short name of [s] for messages: "ok", "data error", "runtime error",
 * "limit exceeded", "out of memory", ...; "unknown status" for a value
 * outside the enum. */
const char *rt_status_name(rt_status s);

#endif
