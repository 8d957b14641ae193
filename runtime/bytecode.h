/* runtime/bytecode.h - a compiled policy: the program the VM runs.
 *
 * A bc_program holds everything a policy compiles to: a string table,
 * constants, the type descriptors that bind input data and shape output,
 * functions with their code, and a per-instruction source location table.
 * The compiler (lang/compile.c) builds one in memory; bcfile.c writes it to
 * a versioned file and reads it back; verify.c proves a program safe to
 * run before vm.c touches it.  Everything a program points to lives in its
 * arena, freed by bc_program_free.
 *
 * Indices are fixed-width so the file format is the in-memory format
 * field by field.  BC_NONE_U16 marks an absent u16 index.
 */
#ifndef TALLY_RUNTIME_BYTECODE_H
#define TALLY_RUNTIME_BYTECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "tally_native.h"
#include "value.h"

/* 4 added the EXTN section and CALL_NATIVE.  Files of format 3 (no
 * native functions) are still read: the rest of the format is the same. */
#define BC_FORMAT_VERSION 4
#define BC_FORMAT_MIN_VERSION 3
#define BC_NONE_U16 0xFFFFu
#define BC_PLACES_ANY 0xFFu
#define BC_TEXT_PERCENT 0xFEu /* TO_TEXT: a percent, as "12.5%" */

typedef enum bc_op {
#define TALLY_OP(name, fmt, pop, push) OP_##name,
#include "opcodes.def"
#undef TALLY_OP
    OP_COUNT
} bc_op;

_Static_assert(OP_COUNT <= 256, "opcodes must fit the opcode byte");

typedef enum bc_fmt {
    FMT_NONE,
    FMT_U8,
    FMT_U16,
    FMT_U32,
    FMT_U16_U16,
    FMT_U8_U8,
    FMT_U32_3U16, /* FOR_NEXT: target, list slot, index slot, element slot */
    FMT_U16_3,    /* LOAD_FIELD: local slot, record type, field */
    FMT_COUNT
} bc_fmt;

typedef struct bc_opinfo {
    const char *name; /* "ADD_DEC" */
    uint8_t fmt;      /* bc_fmt */
    int8_t pop;       /* -1: see bc_stack_effect */
    int8_t push;
} bc_opinfo;

/* Indexed by bc_op. */
extern const bc_opinfo bc_ops[OP_COUNT];
/* Bytes of operands for each bc_fmt. */
extern const uint8_t bc_fmt_len[FMT_COUNT];

typedef enum bc_type_kind {
    BT_BOOL,
    BT_INT,
    BT_DEC,
    BT_MONEY,   /* a decimal in one currency (GBP unless stated) */
    BT_PERCENT, /* held as a fraction: 40% is 0.4; JSON "40" means 40% */
    BT_DATE,
    BT_DATETIME,
    BT_DURATION,
    BT_TEXT,
    BT_ENUM,     /* ref: enum index */
    BT_RECORD,   /* ref: record index */
    BT_LIST,     /* ref: element type index */
    BT_MAP,      /* ref: value type index; keys are text */
    BT_OPTIONAL, /* ref: inner type index; JSON null binds to none */
    BT_KIND_COUNT
} bc_type_kind;

typedef struct bc_type {
    uint8_t kind;    /* bc_type_kind */
    uint8_t places;  /* decimals on output: fixed places, or BC_PLACES_ANY */
    uint8_t has_min; /* BT_INT: min is a bound */
    uint8_t has_max; /* BT_INT: max is a bound */
    uint16_t ref;    /* see bc_type_kind */
    uint16_t currency; /* BT_MONEY: ISO 4217 code as a string index */
    int64_t min;     /* BT_INT inclusive bounds, checked when binding */
    int64_t max;
} bc_type;

#define BC_FIELD_OMIT_NONE 1u /* output leaves the key out when none */

typedef struct bc_field {
    uint32_t name;       /* string: the policy's name */
    uint32_t json;       /* string: the input/output key */
    uint16_t type;       /* type index */
    uint16_t unique_key; /* list of records: element field that must be
                            unique within the list, or BC_NONE_U16 */
    uint8_t flags;       /* BC_FIELD_* */
} bc_field;

typedef struct bc_record {
    uint32_t name;        /* string */
    uint32_t first_field; /* index of its first field in fields[] */
    uint16_t nfields;
    uint16_t check_fn; /* function run on each bound record, arity 1, or
                          BC_NONE_U16; it raises CHECK_FAIL on bad data */
} bc_record;

typedef struct bc_member {
    uint32_t name; /* string: the policy's identifier */
    uint32_t json; /* string: the spelling in data and output */
} bc_member;

typedef struct bc_enum {
    uint32_t name;         /* string */
    uint32_t label;        /* string: noun for messages, "exclusion ground" */
    uint32_t first_member; /* index in members[] */
    uint16_t nmembers;
} bc_enum;

#define BC_FUNC_MEMO 1u  /* no parameters: evaluated once per input record */
#define BC_FUNC_MEMO1 2u /* one parameter: results cached per input record,
                            keyed by the argument (pure functions only) */

typedef struct bc_func {
    uint32_t name;      /* string: the policy's name, for traces */
    uint16_t arity;     /* parameters, in locals 0..arity-1 */
    uint16_t nlocals;   /* all locals, parameters included */
    uint16_t max_stack; /* deepest operand stack within one call */
    uint8_t flags;      /* BC_FUNC_* */
    uint32_t code_off;  /* first byte in code[] */
    uint32_t code_len;
} bc_func;

/* An extern definition: a native function the program calls through
 * CALL_NATIVE, bound when a run starts (runtime/ffi.c).  Type letters are
 * those of include/tally_native.h. */
typedef struct bc_extern {
    uint32_t name;    /* string: the policy's name, also the C symbol */
    uint32_t library; /* string: the library's name as declared */
    uint32_t params;  /* string: one type letter per parameter */
    uint8_t result;   /* the result's type letter */
    uint16_t arity;   /* not in the file: the params string's length */
} bc_extern;

typedef struct bc_loc {
    uint32_t pc;   /* absolute offset in code[]; sorted ascending */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, in characters */
} bc_loc;

typedef struct bc_str {
    const char *p; /* arena, NUL-terminated */
    uint32_t len;  /* bytes, without the NUL */
} bc_str;

typedef struct bc_program {
    arena arena; /* owns everything below */

    uint32_t title;   /* string: the policy header */
    uint32_t version; /* string */
    uint32_t source;  /* string: the policy file name, for messages */

    uint16_t input_record; /* record index the input binds to */
    uint32_t input_name;   /* string: "tender"; keys error records */
    uint16_t key_field;    /* field of input_record naming a record */
    uint16_t output_func;  /* function, arity 0, building the result */
    uint16_t output_type;  /* type index of its result */

    bc_str *strings;
    uint32_t nstrings;
    value *consts; /* NONE, BOOL, INT, DEC, DATE, DATETIME, DURATION,
                      TEXT (pointing into strings), ENUM */
    uint32_t nconsts;
    bc_type *types;
    uint32_t ntypes;
    bc_field *fields;
    uint32_t nfields;
    bc_record *records;
    uint32_t nrecords;
    bc_member *members;
    uint32_t nmembers;
    bc_enum *enums;
    uint32_t nenums;
    bc_func *funcs;
    uint32_t nfuncs;
    uint8_t *code;
    uint32_t code_len;
    bc_loc *locs;
    uint32_t nlocs;
    bc_extern *externs; /* native functions; none in most programs */
    uint32_t nexterns;
} bc_program;

/* Allocates an empty program drawing on [mem]; NULL out of memory. */
bc_program *bc_program_new(mem_ctx *mem);

/* Frees [p] and everything it owns; NULL is a no-op. */
void bc_program_free(bc_program *p);

/* Values popped by the instruction at code[pc] of [p] (operands already
 * validated for CALL/RECORD); -1 if an operand is out of range. */
int bc_stack_pop(const bc_program *p, const uint8_t *ins);

/* Reads operands (little-endian) of the instruction starting at [ins]. */
static inline uint16_t bc_u16(const uint8_t *b)
{
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t bc_u32(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

/* The source location of the instruction at absolute [pc], or NULL. */
const bc_loc *bc_loc_find(const bc_program *p, uint32_t pc);

/* Whether [c] is a type letter a native function may take or give
 * (tally_native.h). */
static inline bool bc_native_type_ok(int c)
{
    return c == TALLY_NATIVE_BOOL || c == TALLY_NATIVE_INTEGER ||
           c == TALLY_NATIVE_DECIMAL || c == TALLY_NATIVE_MONEY ||
           c == TALLY_NATIVE_TEXT || c == TALLY_NATIVE_DATE;
}

/* Field [i] of record [r]. */
static inline const bc_field *bc_record_field(const bc_program *p,
                                              const bc_record *r, uint32_t i)
{
    return &p->fields[r->first_field + i];
}

/* String [i]'s bytes (NUL-terminated). */
static inline const char *bc_string(const bc_program *p, uint32_t i)
{
    return p->strings[i].p;
}

#endif
