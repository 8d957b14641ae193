/* lang/check.h - types and symbols shared by the checker and compiler.
 *
 * The checker (check.c, with types.c and resolve.c: check_int.h)
 * resolves every name of a parsed policy to a sym, gives every expression
 * a ty, records implicit conversions on the nodes, and rejects ill-typed
 * policies with diagnostics in the author's words.  The compiler
 * (compile.c) reads the results and never re-checks.  All of it lives in
 * the compilation's arena.
 */
#ifndef TALLY_LANG_CHECK_H
#define TALLY_LANG_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "front.h"

typedef enum ty_kind {
    TY_ERROR, /* already reported; suppresses cascades */
    TY_BOOL,
    TY_INT,
    TY_DEC,
    TY_MONEY,
    TY_PERCENT,
    TY_DATE,
    TY_DATETIME,
    TY_DURATION,
    TY_TEXT,
    TY_ENUM,     /* sym: the enum */
    TY_RECORD,   /* sym: the record (or a rule's verdict) */
    TY_LIST,     /* elem */
    TY_MAP,      /* elem: value type; keys are text */
    TY_OPTIONAL, /* elem */
    TY_NONE,     /* the literal none: becomes optional T by context */
    TY_NEVER,    /* fail: fits any type */
    TY_JUDGEMENT,/* an evaluator's written justification: text read from
                    the data that can only be passed through (no
                    literal, operator or built-in takes one) */
    TY_KIND_COUNT
} ty_kind;

typedef struct sym sym;

/* An open-addressed index from names to positions (a record's fields, an
 * enum's members), so a lookup costs the same whatever their number. */
typedef struct name_ix {
    struct ix_slot {
        const char *name; /* arena; NULL: an empty slot */
        int pos;
    } *slots;     /* arena */
    uint32_t cap; /* slots: a power of two, at least twice the names; 0:
                     no index (search linearly) */
} name_ix;

typedef struct ty {
    ty_kind kind;
    struct ty *elem;      /* list, map, optional */
    sym *decl;            /* enum, record */
    const char *currency; /* money: "GBP" */
    int unit;             /* duration: an ast_unit; a declared duration
                             (the type name) counts days */
    int places;           /* decimals on output; -1 free */
    bool has_min, has_max;
    int64_t min, max; /* integer bounds, checked when data is bound */
} ty;

typedef enum sym_kind {
    SYM_ENUM,
    SYM_RECORD,
    SYM_ALIAS,
    SYM_PARAM,
    SYM_DEF,
    SYM_RULE,
    SYM_INPUT,
    SYM_MEMBER, /* an enum member: owner, ordinal */
    SYM_LOCAL,  /* a parameter or bound name: slot */
    SYM_FIELD,  /* a field of the record being checked: owner, index */
    SYM_EXTERN, /* a native function: params, ty; index: the extern's */
    SYM_MODULE, /* an imported module's qualifier: ordinal, its file */
    SYM_IMPORT, /* a name an import list brings in: owner, what it names
                   in its module; ordinal, that module's file */
    SYM_KIND_COUNT
} sym_kind;

typedef struct field_info {
    const char *name; /* arena */
    const char *json; /* arena: the data key */
    ty *ty;
    ast_node *decl;  /* AST_FIELD_DECL, or NULL for a verdict */
    int unique_key;  /* index in the element record, or -1 */
    bool omit_none;
    bool int_text;   /* `text or integer`: a JSON integer binds as text */
} field_info;

struct sym {
    sym_kind kind;
    const char *name; /* arena */
    ast_node *decl;   /* the declaring node */
    ty *ty;           /* value type, or the type an enum/record names */
    sym *next;        /* hash chain */
    sym *owner;       /* member: its enum; field: its record */
    int ordinal;      /* member: position; field: index */
    int slot;         /* local: slot in the frame, assigned by the compiler */
    /* records */
    field_info *fields; /* arena */
    int nfields;
    /* enums */
    sym **members; /* arena */
    int nmembers;
    const char *label; /* enum: noun for data errors */
    name_ix ix;        /* record: fields by name; enum: members by name */
    int nrequired;     /* record: fields not optional */
    uint32_t *given;   /* record: arena, per field, the number of the last
                          literal giving it (check.c record_lit) */
    /* functions (params, defs, rules) */
    sym **params; /* arena: SYM_LOCALs */
    int nparams;
    bool dated;    /* parameter or definition with "from DATE" rows */
    int state;     /* 0 unchecked, 1 in progress, 2 done (recursion) */
    int index;     /* program index: record, enum or function (-1 none) */
    int row_base;  /* dated parameter or definition: first row function */
    sym *verdict;  /* rule: its result record */
    ast_node *refined; /* lang/layers.c: a parameter's last refinement,
                          or a definition's last added term
                          (AST_REFINE), or NULL */
    ast_node *gives; /* lang/layers.c: the refinement whose value names
                        this parameter of the refining file, or NULL */
    uint32_t walked; /* lang/amend.c: its index + 1 while the calls of
                        every function are listed (else 0) */
    bool used;
};

/* The built-in functions (builtins.def).  BUILTIN_NONE: a call of a
 * definition, or a list comprehension without an aggregate. */
typedef enum chk_builtin {
    BUILTIN_NONE,
#define TALLY_BUILTIN(id, name, forms) BUILTIN_##id,
#include "builtins.def"
#undef TALLY_BUILTIN
    BUILTIN_KIND_COUNT
} chk_builtin;

#define BUILTIN_CALL 1u /* written f(args) */
#define BUILTIN_AGG 2u  /* written f(x for x in list ...) */

typedef struct chk_builtin_info {
    const char *name; /* "sum" */
    unsigned forms;   /* BUILTIN_CALL and/or BUILTIN_AGG */
} chk_builtin_info;

/* Indexed by chk_builtin; BUILTIN_NONE's row has a NULL name. */
extern const chk_builtin_info chk_builtins[BUILTIN_KIND_COUNT];

/* The builtin called [name] that can be written in [form] (BUILTIN_CALL
 * or BUILTIN_AGG), or BUILTIN_NONE.  The checker asks once per node and
 * records the answer in ast_node.builtin for the compiler. */
chk_builtin chk_builtin_find(const char *name, unsigned form);

/* How the compiler carries out a '+', '-' or '*' on dates, date-times
 * and durations: ast_node.aux of that AST_BINARY, set by the checker
 * (0 for every other binary). */
typedef enum chk_date_op {
    DOP_NONE,
    DOP_ADD_DAYS,     /* date + days */
    DOP_SUB_DAYS,     /* date - days */
    DOP_ADD_MONTHS,   /* date + months (the unit gives the rule) */
    DOP_SUB_MONTHS,
    DOP_ADD_WORKING,  /* date + working days */
    DOP_SUB_WORKING,
    DOP_DAYS_BETWEEN, /* date - date: integer days */
    DOP_ADD_SECONDS,  /* datetime + hours/minutes */
    DOP_SUB_SECONDS,
    DOP_ADD_DAYS_TIME,/* datetime + days (86400 s each) */
    DOP_SUB_DAYS_TIME,
    DOP_SCALE,        /* integer * duration, duration * integer */
    DOP_COUNT
} chk_date_op;

/* Flags on ast_node.aux set by the checker for the compiler. */
#define AUX_TO_DEC 1 /* convert this integer to a decimal after evaluating */
#define AUX_TO_CUR 2 /* this money's fixed currency goes with the value:
                        it is used as 'money in currency' */

/* The currency of a 'money in currency' type: each value carries its own
 * (an ISO 4217 code can never be this word). */
#define TY_CURRENCY_OF_VALUE "currency"

/* Is [t] 'money in currency'? */
bool ty_money_dyn(const ty *t);

/* Is [s] an ISO 4217-shaped code: exactly three capital letters A-Z? */
bool ty_currency_code(const char *s);

/* The checker's results, kept for the compiler. */
typedef struct tly_checked {
    sym **records; /* in declaration order, verdicts included */
    int nrecords;
    sym **enums;
    int nenums;
    sym **funcs; /* params, defs, rules in declaration order */
    int nfuncs;
    sym **externs; /* SYM_EXTERNs in declaration order */
    int nexterns;
    sym *input;  /* SYM_INPUT: ty is the record */
    ast_node *output; /* AST_OUTPUT */
    ty *output_ty;
    ast_node *policy; /* AST_POLICY or NULL */
    ast_node *asof;   /* AST_ASOF: the evaluation date, or NULL */
    bool dated;       /* some parameter or definition has dated rows: the
                         compiler then builds the evaluation-date function */
    ast_node **findings; /* arena: the policy's AST_FINDINGs, in order */
    int nfindings;
    sym *finding;        /* the record each finding is reported as
                            (code, severity, message, cite, url), or NULL */
    ty *findings_ty;     /* list of that record */
    ast_node **reports;  /* arena: the policy's AST_REPORTs, in order; the
                            checker sets on each: sym, its result record;
                            sym2, its row record, ty a list of it; on each column
                            (list2's AST_FIELD_INIT): num its bc_agg, lo
                            its rounding places (-1: none), hi its
                            dec_round_mode, op 1 when its argument is a
                            list, b the argument (NULL for count); on the
                            top line (a): num, N, and aux, the column */
    int nreports;
    int64_t *holidays; /* arena: the days of the policy's holiday
                          declarations, in declaration order */
    int nholidays;
} tly_checked;

/* Returns the checker's results for [c] after tly_check succeeded. */
tly_checked *chk_results(tly_comp *c);

/* Appends a readable name of [t] ("list of Bid", "money") to [b]. */
void ty_describe(const ty *t, strbuf *b);

#endif
