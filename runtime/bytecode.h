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

/* 4 added the EXTN section and CALL_NATIVE; 5 the CITE and PARM sections
 * and the CITE and EVAL_DATE instructions; 6 the MODS section (the
 * modules compiled in), a module per source location, and the date and
 * working-day instructions (numbered after those); 7 the FIND section
 * (a policy's findings); 8 the REPT section (its reports); 9 the
 * CUR_SET and CUR_JOIN instructions and money types whose currency is
 * "currency" (BC_CURRENCY_OF_VALUE).  Files of formats 3 (no native
 * functions), 4 (no citations), 5 (no modules, no date instructions), 6
 * (no findings), 7 (no reports) and 8 (no currency carried by a value)
 * are still read: the rest of the format is the same. */
#define BC_FORMAT_VERSION 9
#define BC_FORMAT_MIN_VERSION 3
#define BC_NONE_U16 0xFFFFu

/* The fields of a finding record (bc_program.findings_type's elements),
 * in order: code, severity ("error", "warning" or "notice") and message
 * are text; cite and url optional text. */
enum { BC_FINDING_CODE, BC_FINDING_SEVERITY, BC_FINDING_MESSAGE, BC_FINDING_CITE,
       BC_FINDING_URL, BC_FINDING_NFIELDS };
#define BC_NO_STRING 0xFFFFFFFFu /* a string field that names none */
#define BC_PLACES_ANY 0xFFu
#define BC_TEXT_PERCENT 0xFEu /* TO_TEXT: a percent, as "12.5%" */
/* TO_TEXT of an amount of money: places (<= LIM_MAX_PLACES, under
 * BC_TEXT_PLACES_MASK) with these flags: thousands separators, and a
 * pound sign between the sign and the digits ("-£1,234.50"). */
#define BC_TEXT_PLACES_MASK 0x3Fu
#define BC_TEXT_GROUPED 0x40u
#define BC_TEXT_POUND 0x80u
/* A BT_MONEY type whose currency string is this word is 'money in
 * currency': each value carries its own (value.h); no ISO 4217 code is
 * spelt so. */
#define BC_CURRENCY_OF_VALUE "currency"
/* CUR_JOIN's operand: the operation, for its message, and a flag. */
typedef enum bc_cur_verb {
    BC_CUR_ADD, BC_CUR_SUB, BC_CUR_MUL, BC_CUR_DIV, BC_CUR_EQ, BC_CUR_NE,
    BC_CUR_LT, BC_CUR_LE, BC_CUR_GT, BC_CUR_GE, BC_CUR_MIN, BC_CUR_MAX,
    BC_CUR_SUM, BC_CUR_LOWEST, BC_CUR_HIGHEST, BC_CUR_MATCH,
    BC_CUR_VERB_COUNT
} bc_cur_verb;
#define BC_CUR_VERB_MASK 0x1Fu
#define BC_CUR_UNTAG 0x80u /* the result is no amount: carry no currency */
/* How [v] (a bc_cur_verb) is written in messages: "+", "min", ... */
extern const char *const bc_cur_verb_names[BC_CUR_VERB_COUNT];
#define BC_UNIT_SECONDS 0u    /* TIME_UNIT: the duration counts seconds */
#define BC_UNIT_DAYS 1u       /* TIME_UNIT: days of 86400 seconds */

typedef enum bc_op {
#define TALLY_OP(name, operands, pop, push) OP_##name,
#include "opcodes.def"
#undef TALLY_OP
    OP_COUNT
} bc_op;

_Static_assert(OP_COUNT <= 256, "opcodes must fit the opcode byte");

/* The kinds of operand (operands.def).  OPND_NONE pads the kind lists of
 * instructions with fewer than BC_MAX_OPNDS operands. */
typedef enum bc_opnd {
    OPND_NONE,
#define TALLY_OPERAND(kind, width) OPND_##kind,
#include "operands.def"
#undef TALLY_OPERAND
    OPND_KIND_COUNT
} bc_opnd;

#define BC_MAX_OPNDS 4 /* FOR_NEXT's; a fifth fails to compile (below) */

/* ---- operand layout as constant expressions --------------------------
 *
 * For each instruction NAME, opcodes.def's operand list (a, b, c, d)
 * becomes enum constants the VM can use where only a constant will do:
 *   BC_LEN_NAME       bytes of the whole instruction, opcode included
 *   BC_OFF_NAME_i     offset of operand i from the opcode byte
 *   BC_W_NAME_i       its width in bytes (0: no such operand)
 *   BC_K_NAME_i       its kind, a bc_opnd (OPND_NONE: no such operand)
 * An empty list "()" arrives as one empty argument, which pastes to
 * OPND_W_ and OPND_K_: no width and no kind, like the NONE padding. */
enum {
    OPND_W_ = 0,
    OPND_W_NONE = 0,
    OPND_K_ = OPND_NONE,
    OPND_K_NONE = OPND_NONE,
#define TALLY_OPERAND(kind, width)                                             \
    OPND_W_##kind = (width), OPND_K_##kind = OPND_##kind,
#include "operands.def"
#undef TALLY_OPERAND
};

/* Whether [kind] is a jump target's: JUMP forward, LOOP backward. */
#define BC_IS_JUMP_KIND(kind)                                                  \
    ((int)(kind) == (int)OPND_JUMP || (int)(kind) == (int)OPND_LOOP)

#define BC_APPLY_(m, ...) m(__VA_ARGS__)
#define BC_PAD_(...) __VA_ARGS__, NONE, NONE, NONE, NONE, NONE
#define BC_LAYOUT_(len, k, w, off, extra, a, b, c, d, e, ...)                  \
    k##_0 = OPND_K_##a, k##_1 = OPND_K_##b, k##_2 = OPND_K_##c,                \
    k##_3 = OPND_K_##d,                                                        \
    w##_0 = OPND_W_##a, w##_1 = OPND_W_##b, w##_2 = OPND_W_##c,                \
    w##_3 = OPND_W_##d, off##_0 = 1, off##_1 = 1 + OPND_W_##a,                 \
    off##_2 = 1 + OPND_W_##a + OPND_W_##b,                                     \
    off##_3 = 1 + OPND_W_##a + OPND_W_##b + OPND_W_##c,                        \
    len = 1 + OPND_W_##a + OPND_W_##b + OPND_W_##c + OPND_W_##d,               \
    extra = OPND_W_##e,

/* The names are pasted before anything is expanded, so an opcode named
 * like a macro elsewhere (a parser token, say) stays a name. */
enum {
#define TALLY_OP(name, operands, pop, push)                                    \
    BC_APPLY_(BC_LAYOUT_, BC_LEN_##name, BC_K_##name, BC_W_##name,             \
              BC_OFF_##name, BC_EXTRA_##name, BC_PAD_ operands)
#include "opcodes.def"
#undef TALLY_OP
};

#define TALLY_OP(name, operands, pop, push)                                    \
    _Static_assert(BC_EXTRA_##name == 0, #name " has more than "               \
                   "BC_MAX_OPNDS operands");
#include "opcodes.def"
#undef TALLY_OP

/* Bytes of instruction [name] (CONST, FOR_NEXT, ...), opcode included. */
#define BC_OP_LEN(name) BC_LEN_##name

/* Operand [i] (0-based) of instruction [name] starting at [ins], read at
 * the width its kind gives; a constant offset and width, so it compiles
 * to a plain load. */
#define BC_ARG(ins, name, i)                                                   \
    bc_operand((ins) + BC_OFF_##name##_##i, BC_W_##name##_##i)

typedef struct bc_opinfo {
    const char *name;             /* "ADD_DEC" */
    int8_t pop;                   /* -1: see bc_stack_pop */
    int8_t push;
    uint8_t len;                  /* bytes, opcode included */
    uint8_t nopnds;               /* operands */
    int8_t jump;                  /* the JUMP or LOOP operand, or -1 */
    uint8_t kind[BC_MAX_OPNDS];   /* bc_opnd of each; OPND_NONE past nopnds */
    uint8_t off[BC_MAX_OPNDS];    /* offset of each from the opcode byte */
    uint8_t width[BC_MAX_OPNDS];  /* bytes of each: its kind's width */
} bc_opinfo;

/* Indexed by bc_op. */
extern const bc_opinfo bc_ops[OP_COUNT];

typedef struct bc_opndinfo {
    const char *name; /* "JUMP" */
    uint8_t width;    /* bytes: 1, 2 or 4 */
} bc_opndinfo;

/* Indexed by bc_opnd. */
extern const bc_opndinfo bc_opnds[OPND_KIND_COUNT];

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
#define BC_FIELD_AMOUNT_TEXT 2u /* input: a decimal, money or percent in
                                   this field's value, at any depth, must
                                   be a JSON string ("amounts as strings") */
#define BC_FIELD_INT_TEXT 4u /* input: a JSON integer bound to text in this
                                field's value (itself, or the elements of
                                its list) is kept as its digits ("text or
                                integer") */
#define BC_FIELD_FLAGS \
    (BC_FIELD_OMIT_NONE | BC_FIELD_AMOUNT_TEXT | BC_FIELD_INT_TEXT)

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

/* An open enum (`enum E open { ... }`) ends with the member 'other',
 * whose data spelling is empty (no other member may have one): a code
 * that no member spells binds to it, the code kept in the value (see
 * VAL_ENUM in value.h), and output writes the code back. */
typedef struct bc_member {
    uint32_t name; /* string: the policy's identifier */
    uint32_t json; /* string: the spelling in data and output; empty for
                      an open enum's 'other' */
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

/* A citation: the provision a definition, parameter, row or rule arm
 * applies.  CITE k, executed when that item decides something, names it. */
typedef struct bc_cite {
    uint32_t text; /* string: "Procurement Act 2023, s.123(1)" */
    uint32_t url;  /* string: where to read it, or BC_NO_STRING */
    uint32_t by;   /* string: what cites it, "definition sme", "rule
                      award, arm 2" */
    uint16_t func; /* the function it is the citation of (a definition,
                      parameter or row), or BC_NONE_U16 (a rule's arm, an
                      extern): runtime errors name it from there */
} bc_cite;

/* A parameter of the policy, for tools (tally describe): its function,
 * type and, when dated, the days its rows are in force. */
typedef struct bc_param {
    uint32_t name;      /* string */
    uint16_t func;      /* its function (the value on the evaluation date) */
    uint16_t type;      /* type index of its value */
    uint32_t first_row; /* index in param_rows[] */
    uint16_t nrows;     /* 0: not dated */
} bc_param;

typedef struct bc_span_days {
    int64_t from;  /* first day in force, days since 1970-01-01 */
    int64_t until; /* last day in force, or INT64_MAX: open-ended */
} bc_span_days;

typedef struct bc_loc {
    uint32_t pc;     /* absolute offset in code[]; sorted ascending */
    uint32_t line;   /* 1-based */
    uint32_t col;    /* 1-based, in characters */
    uint16_t module; /* the imported module whose source this is (index in
                        modules), or BC_NONE_U16: the policy's own */
} bc_loc;

/* A module compiled into the program: what `import` brought in, kept so
 * a listing says what a program is made of and a runtime error in a
 * module's code names the module's file. */
typedef struct bc_module {
    uint32_t name;    /* string: "procurement" */
    uint32_t version; /* string: from its module header, or "" */
    uint32_t origin;  /* string: the file it was read from, as the compiler
                         named it ("<stdlib>/procurement.tally" for the
                         copy built into Tally) */
} bc_module;

/* What a report column computes over the rows of a group (bc_report_col
 * .agg).  The argument is the column's field of the report's row record. */
typedef enum bc_agg {
    BC_AGG_COUNT,    /* rows in the group (the argument is ignored) */
    BC_AGG_SUM,      /* exact total of a number; none skipped */
    BC_AGG_MIN,      /* least value; none skipped, none if every one is */
    BC_AGG_MAX,      /* greatest value; likewise */
    BC_AGG_MEAN,     /* exact sum / count of the values not none */
    BC_AGG_SHARE,    /* true rows / rows, a percent */
    BC_AGG_DISTINCT, /* how many different values (elements, for a list) */
    BC_AGG_VSHARE,   /* share(COND of VALUE): the sum of VALUE over the rows
                        where COND holds / its sum over every row, a
                        percent, none when that is zero; the argument is
                        a list [VALUE if COND else none, VALUE] and a row
                        whose VALUE is none is skipped (format 9) */
    BC_AGG_COUNT_
} bc_agg;

/* A report column: its aggregate and the rounding of its result. */
typedef struct bc_report_col {
    uint8_t agg;    /* bc_agg */
    uint8_t places; /* rounding places, or BC_PLACES_ANY for none */
    uint8_t mode;   /* dec_round_mode when rounding */
    uint8_t flags;  /* BC_REPORT_LIST */
} bc_report_col;

#define BC_REPORT_LIST 1u /* DISTINCT: the argument is a list, each element
                             a value */

/* A report: the function [func] (arity 0) lists, for the record being
 * evaluated, its rows -- a list ([in_type]) of records holding the group
 * keys then one argument per column; runtime/report.c groups the rows of
 * every record and writes each group as a record of [out_type] (keys,
 * then the columns' results, under their names). */
typedef struct bc_report {
    uint32_t name;       /* string */
    uint16_t func;       /* function, arity 0 */
    uint16_t in_type;    /* list of records of nkeys + ncols fields */
    uint16_t out_type;   /* record of nkeys + ncols fields */
    uint16_t nkeys;
    uint16_t ncols;
    uint16_t top_col;    /* column ordering the top rows, or BC_NONE_U16 */
    uint8_t top_desc;    /* 1: greatest first */
    uint32_t top;        /* rows kept (0: every group) */
    bc_report_col *cols; /* arena: ncols */
} bc_report;

typedef struct bc_str {
    const char *p; /* arena, NUL-terminated */
    uint32_t len;  /* bytes, without the NUL */
} bc_str;

/* A coverage point of a program compiled for tally test --coverage: a
 * rule arm, branch, match case, exception, table row or definition. */
typedef struct bc_probe {
    const char *file; /* the program's arena: its file, as compiled */
    const char *what; /* the program's arena: "rule assessment: when" */
    uint32_t line, col;
    const char *excluded; /* the program's arena: the reason of its
                             `# tally: nocover because "..."`, or NULL */
} bc_probe;

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
    uint16_t findings_func; /* function, arity 0, listing the record's
                               findings, or BC_NONE_U16 when the policy
                               declares none */
    uint16_t findings_type; /* its result: a list of records of code,
                               severity, message, cite and url (BC_FINDING_*) */

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
    uint32_t origin;    /* string: the policy header's 'source', or
                           BC_NO_STRING (always, in files before format 5) */
    bc_cite *cites;     /* what the policy cites; CITE operands index it */
    uint32_t ncites;
    bc_param *params;   /* the policy's parameters, in declaration order */
    uint32_t nparams;
    bc_span_days *param_rows;
    uint32_t nparam_rows;
    bc_module *modules; /* imported modules; none for a one-file policy */
    uint32_t nmodules;
    bc_report *reports; /* the policy's reports, in declaration order */
    uint32_t nreports;
    bc_probe *probes;   /* coverage points, COVER operands index them;
                           none unless compiled for coverage, and never
                           written to or read from a file */
    uint32_t nprobes;
    bool traced;        /* compiled for tracing (tally explain): may hold
                           the TRACE_* instructions; never written to or
                           read from a file */
    uint32_t *sig_first; /* compiled for tracing: per function f, where its
                            types start in sig_types[]; NULL otherwise */
    uint16_t *sig_types; /* from sig_first[f]: f's result type, then its
                            arity parameters' types (BC_NONE_U16: not
                            known), so that tally explain writes a call's
                            arguments and value by their types; never
                            written to or read from a file */
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

/* Writes [v] little-endian at [b] (4 bytes): a jump target patched in. */
static inline void bc_put_u32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

/* The operand of [width] bytes (1, 2 or 4) at [b]. */
static inline uint32_t bc_operand(const uint8_t *b, unsigned width)
{
    return width == 1 ? b[0] : width == 2 ? bc_u16(b) : bc_u32(b);
}

/* Decodes the operands of the instruction at [ins], whose bc_ops[ins[0]]
 * .len bytes must be present, into [out] (BC_MAX_OPNDS entries; those
 * past nopnds are left as they were).  Returns the number of operands. */
static inline unsigned bc_decode(const uint8_t *ins,
                                 uint32_t out[BC_MAX_OPNDS])
{
    const bc_opinfo *o = &bc_ops[ins[0]];
    for (unsigned i = 0; i < o->nopnds; i++) {
        out[i] = bc_operand(ins + o->off[i], o->width[i]);
    }
    return o->nopnds;
}

/* Whether [op] has a JUMP or LOOP operand; its index in *[at] if so.
 * Jump threading (compile.c), the verifier and the disassembler all ask
 * this, never a list of opcodes. */
static inline bool bc_jump_operand(bc_op op, unsigned *at)
{
    int8_t j = bc_ops[op].jump;
    if (j < 0) {
        return false;
    }
    *at = (unsigned)j;
    return true;
}

/* The source location of the instruction at absolute [pc], or NULL. */
const bc_loc *bc_loc_find(const bc_program *p, uint32_t pc);

/* The file [loc] (which may be NULL) is in: its module's origin, or the
 * policy's source; "<policy>" if neither is a string of [p]. */
static inline const char *bc_loc_file(const bc_program *p, const bc_loc *loc)
{
    if (loc && loc->module < p->nmodules &&
        p->modules[loc->module].origin < p->nstrings) {
        return p->strings[p->modules[loc->module].origin].p;
    }
    return p->source < p->nstrings ? p->strings[p->source].p : "<policy>";
}

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
