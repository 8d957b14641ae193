/* runtime/vm.h - the virtual machine that runs a verified bc_program.
 *
 * One vm runs one program against input records, one record at a time.
 * For each record it first runs the record checks the program declares
 * (bc_record.check_fn) over the bound input, then the output function, and
 * hands back the result or an error that names the input field (data
 * errors) or the policy source position and call chain (runtime errors).
 *
 * The vm owns its operand stack, frames and memo table (allocated through
 * the program's mem_ctx at vm_new, grown only when a deeper call needs it);
 * every value it builds for a record lives in the caller's per-record arena.
 * There is no global state: several vms may run at once, one per thread.
 * The program must have passed the verifier (verify.c); the vm asserts what
 * the verifier proves and checks, cheaply, what it does not: value kinds.
 */
#ifndef TALLY_RUNTIME_VM_H
#define TALLY_RUNTIME_VM_H

#include <stdint.h>

#include "bytecode.h"
#include "mem.h"
#include "status.h"
#include "value.h"

/* Deepest call chain a program may build.  The language has no unbounded
 * recursion; the limit stops hostile bytecode, and keeps the frame array a
 * fixed part of struct vm. */
#define VM_MAX_DEPTH 200

/* Most operand-stack slots (locals included) across all frames: 2^20
 * values, 24 MiB.  Past it a call fails with VM_LIMIT rather than asking
 * the allocator for whatever a hostile max_stack claims. */
#define VM_MAX_STACK_SLOTS (1u << 20)

typedef struct vm vm;
struct ffi_table;

/* The VM answers with the runtime's one status (status.h), of which it
 * gives five: RT_OK, RT_EDATA (the input record is bad: path and msg say
 * why), RT_ERUNTIME (the policy failed: msg, line/col and trace),
 * RT_ELIMIT (the instruction budget or stack limit was hit) and RT_ENOMEM
 * (out of memory: arena or allocator cap).  The VM_ names are its
 * spellings of those five, kept so the VM's raise sites read unchanged
 * while other work on vm.c is in flight; new code outside vm.c writes
 * RT_. */
typedef rt_status vm_status;
#define VM_OK RT_OK
#define VM_DATA_ERROR RT_EDATA
#define VM_RUNTIME_ERROR RT_ERUNTIME
#define VM_LIMIT RT_ELIMIT
#define VM_ENOMEM RT_ENOMEM

typedef struct vm_error {
    vm_status status;
    const char *path; /* VM_DATA_ERROR: field path from the input record's
                         root, "bids[1].price", "weights", "" for the record
                         itself; arena.  NULL for other statuses. */
    const char *msg;  /* human message; arena or static */
    uint32_t line;    /* policy source position of the failing */
    uint32_t col;     /*   instruction; 0 when unknown */
    const char *file; /* the file of that position: the policy's source or
                         an imported module's (bc_loc_file); never NULL
                         after vm_eval fails */
    const char *trace; /* VM_RUNTIME_ERROR/VM_LIMIT: the call chain, one
                          line per frame, innermost first,
                          "award.tally:45:12: in price_score\n"
                          "award.tally:80:5: called from bid_result\n";
                          arena; NULL for other statuses.  A frame whose
                          function cites a provision says so:
                          "... in threshold (cites Procurement Act 2023,
                          Schedule 1)" */
    int32_t cite;      /* VM_RUNTIME_ERROR/VM_LIMIT: the citation of the
                          innermost function on the chain that has one
                          (index in cites[]), or -1 */
} vm_error;

/* Creates a vm for [prog], which must have passed the verifier and must
 * outlive the vm (borrowed).  Allocates through [mem].  Returns NULL out of
 * memory. */
vm *vm_new(mem_ctx *mem, const bc_program *prog);

/* Frees [v] and everything it owns; NULL is a no-op. */
void vm_free(vm *v);

/* Limits each vm_eval to [instructions] budget units: one per backward
 * jump (LOOP) and one per CALL, checks included.  0 means unlimited (the
 * default).  Exceeding it stops the record with VM_LIMIT
 * "instruction budget of N exceeded". */
void vm_set_budget(vm *v, uint64_t instructions);

/* Lets [v] call native functions through [t] (borrowed, bound for v's
 * program by ffi_bind; must outlive its use).  Without it, or with NULL,
 * CALL_NATIVE fails with a runtime error: nothing is bound. */
void vm_set_natives(vm *v, const struct ffi_table *t);

/* The evaluation date EVAL_DATE pushes: [day] (days since 1970-01-01)
 * when [has], else none (the policy's own 'as of' then decides). */
void vm_set_as_of(vm *v, bool has, int64_t day);

/* From now on each evaluation notes which citations (prog->cites) decided
 * its result: the CITE instructions it ran.  Returns false out of memory
 * (nothing changes).  Off by default: CITE then costs one test. */
bool vm_collect_cites(vm *v);

/* The visits of each of the program's coverage points (prog->probes)
 * over every evaluation so far, or NULL when it has none. */
const uint64_t *vm_probe_counts(const vm *v);

/* After a vm_eval, until the next: whether cites[k] was noted. */
bool vm_cited(const vm *v, uint32_t k);

/* ---- derivation traces (tally explain) ----------------------------------
 *
 * A program compiled for tracing (bc_program.traced: TRACE_* and COVER
 * instructions, no memo flags) run on a vm with vm_set_trace notes, per
 * output evaluation, what its derivation did, as a flat list of events in
 * execution order; nesting follows [depth].  A normal program holds none
 * of those instructions, so its runs pay nothing for them.  The events
 * live in the record arena (released with it, after the record); at most
 * [max_events] of them are kept, after which the trace is cut short and
 * says so (vm_trace's *truncated). */
typedef enum vm_trace_kind {
    VM_TR_ENTER, /* function a entered */
    VM_TR_ARG,   /* its argument b is val */
    VM_TR_EXIT,  /* function a returns val */
    VM_TR_FIELD, /* field b of record rec (of type a) read: val */
    VM_TR_INIT,  /* field b of a record literal of type a is val */
    VM_TR_REC,   /* the record val (type a) was built from those fields */
    VM_TR_BEGIN, /* a record literal of type a begins */
    VM_TR_MEMO,  /* function a's result for these arguments (ARG events
                    follow) is val, remembered: its body does not run */
    VM_TR_ARM,   /* coverage point a (prog->probes: an arm taken) */
    VM_TR_CITE   /* citation a (prog->cites) decided part of the result */
} vm_trace_kind;

typedef struct vm_trace_event {
    uint8_t kind;    /* vm_trace_kind */
    uint16_t a, b;   /* as vm_trace_kind says */
    uint32_t depth;  /* call depth: 0 in the output function */
    uint32_t pc;     /* code offset of the instruction that noted it: its
                        source position is bc_loc_find(prog, pc) */
    value val;       /* as vm_trace_kind says; record arena */
    const void *rec; /* VM_TR_FIELD: the record read (val_record *), to
                        tell which input field it was */
} vm_trace_event;

/* Keeps a trace of at most [max_events] events of each vm_eval (0: off,
 * the default) and collects citations (vm_collect_cites).  Only programs
 * compiled for tracing give events: for others this does nothing.  False
 * out of memory. */
bool vm_set_trace(vm *v, uint32_t max_events);

/* After a vm_eval, until the arena given to it is reset: the events of
 * its evaluation (the record checks', then the output's: a result the
 * checks computed and the output reuses was derived there) in *[count]
 * (none: NULL), and in *[truncated] whether more happened than
 * vm_set_trace allowed. */
const vm_trace_event *vm_trace(const vm *v, uint32_t *count, bool *truncated);

/* Evaluates one bound input record [input] (a VAL_RECORD of
 * prog->input_record, borrowed): runs the record checks over it (see
 * vm.c, "Checks"), then calls prog->output_func and stores its result in
 * *[out].  Everything allocated (result, error texts) lives in [a], the
 * per-record arena, which the caller resets after using the result.
 * On failure returns the status, fills *[err] (err->status equals the
 * return value) and leaves *[out] as none.  [err] may not be NULL. */
vm_status vm_eval(vm *v, arena *a, const value *input, value *out,
                  vm_error *err);

/* After a vm_eval that returned VM_OK, and before anything else runs on
 * [v]: lists the same record's findings (prog->findings_func, a list of
 * finding records) in *[out], in the same arena, with the same budget
 * and citations; none when the program declares no findings.  Fails
 * as vm_eval does. */
vm_status vm_eval_findings(vm *v, value *out, vm_error *err);

/* Like vm_eval_findings, for report [report] of the program: the rows the
 * record gives it (a list of its in_type's records) in *[out]; none when
 * there is no such report. */
vm_status vm_eval_report(vm *v, uint32_t report, value *out, vm_error *err);

/* Calls function [func] of the program with [nargs] arguments [args]
 * (borrowed) and stores its result in *[out], outside any input record:
 * INPUT pushes none.  Memo results are not kept between calls.  For tests
 * and the policy test runner; same errors as vm_eval. */
vm_status vm_call(vm *v, arena *a, uint16_t func, const value *args,
                  uint16_t nargs, value *out, vm_error *err);

#endif
