/* lang/ast.h - the abstract syntax tree of a policy.
 *
 * One node type for every construct, arena-allocated for one compilation
 * and freed with it (no per-node free).  The parser's actions only call the
 * ast_ constructors below with the rule's span; the checker fills in the
 * [ty] and [sym] fields; the compiler reads both.  Which fields a kind
 * uses is written beside each kind.
 */
#ifndef TALLY_LANG_AST_H
#define TALLY_LANG_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"

/* A byte range of the source; line and column are computed when printing. */
typedef struct tly_span {
    uint32_t start;
    uint32_t end; /* one past the last byte */
} tly_span;

typedef enum ast_kind {
    /* literals: text = the literal as written, parsed by the checker */
    AST_INT,      /* text */
    AST_DEC,      /* text */
    AST_MONEY,    /* text: digits without commas; name: currency code */
    AST_PERCENT,  /* text: the number before '%' */
    AST_TEXT,     /* text, len: unescaped bytes */
    AST_DATE,     /* text */
    AST_DATETIME, /* text */
    AST_DURATION, /* num: count; op: its ast_unit */
    AST_BOOL,     /* num: 0/1 */
    AST_NONE,     /* none */
    /* expressions */
    AST_NAME,     /* name */
    AST_GET,      /* a.name */
    AST_INDEX,    /* a[b] */
    AST_CALL,     /* name(list); c: a module qualifier (AST_NAME) for
                     m.name(list), which the checker resolves and clears */
    AST_MODE,     /* a rounding mode argument, name: "half up" */
    AST_UNARY,    /* op a: '-' or TK_NOT */
    AST_BINARY,   /* a op b */
    AST_IS_NONE,  /* a is none (op 0) / a is not none (op 1) */
    AST_IF,       /* if a then b else c; a may be AST_SOME_COND */
    AST_SOME_COND,/* a is some name  (only as a condition) */
    AST_MATCH,    /* match a, list: AST_ARMs, c: else branch or NULL */
    AST_ARM,      /* list: patterns (AST_NAME, AST_NONE, AST_SOME_PAT), a */
    AST_SOME_PAT, /* some name */
    AST_LET,      /* let name = a in b */
    AST_LIST_LIT, /* [list] */
    AST_COMPREH,  /* name(a for var [at var2] in b [where c] [by list]);
                     name NULL for [a for ...] */
    AST_SORT_KEY, /* a, op: 1 descending */
    AST_RECORD_LIT, /* name { list: AST_FIELD_INIT }; c: a module
                       qualifier as for AST_CALL */
    AST_FIELD_INIT, /* name: a */
    AST_ON,       /* a on b  (a dated parameter's value on a date) */
    AST_FAIL,     /* fail a */
    /* types */
    AST_TYPE_NAME,  /* name; num: places for decimal(2), -1 none; text3:
                       the module qualifier of m.Name, or NULL */
    AST_TYPE_LIST,  /* list of a */
    AST_TYPE_MAP,   /* map of a to b */
    AST_TYPE_OPT,   /* optional a */
    AST_TYPE_RANGE, /* a between/at least/at most: lo, hi, has_lo, has_hi */
    /* declarations */
    AST_PROGRAM,  /* list: declarations; a: AST_POLICY or NULL; b:
                     AST_MODULE or NULL */
    AST_POLICY,   /* text: title; text2: version; text3: source */
    AST_ENUM,     /* name, text: label or NULL, list: AST_MEMBER */
    AST_MEMBER,   /* name, text: JSON spelling or NULL */
    AST_RECORD,   /* name, list: AST_FIELD_DECL and AST_CHECK; op: flags
                     AST_RECORD_* */
    AST_FIELD_DECL, /* name, text: JSON name or NULL, a: type, list: opts */
    AST_WHERE,    /* field option: where a [else b] */
    AST_UNIQUE,   /* field option: unique by name */
    AST_OMIT,     /* field option: omitted when none */
    AST_CHECK,    /* check a [at text] [else b] */
    AST_ALIAS,    /* type name = a */
    AST_PARAM,    /* parameter name: a [cites] = b, or list: AST_ROW */
    AST_ROW,      /* from text(date) [until text2(date)] = a [cites]; the
                     checker sets lo: the first day, hi: the last day in
                     force when has_hi; op: 1 in an amendment, text3:
                     then the amended name as written */
    AST_DEF,      /* definition name(list: AST_PARAM_DECL): a [cites] = b
                     [c: AST_EXCEPTIONS; b NULL when there is no base
                     value], or, dated, b and c NULL and list2: AST_ROW */
    AST_RULE,     /* rule name(list): a [cites] = list2: AST_WHEN, c: else,
                     b: the else's reason after 'because', or NULL */
    AST_WHEN,     /* when a then b because c [cites] */
    AST_PARAM_DECL, /* name: a */
    AST_INPUT,    /* input name: text(type name) keyed by text2; text3:
                     the type's module qualifier, or NULL */
    AST_OUTPUT,   /* output name: a = b */
    AST_ASOF,     /* as of a: each record's evaluation date */
    AST_EXCEPTIONS, /* list: AST_UNLESS, in the order written */
    AST_UNLESS,   /* unless a then b [cites] [as name] [over list:
                     AST_NAME]; the checker sets aux: its index, and num:
                     a bit set of the exceptions it takes priority over,
                     transitively (at most 62) */
    AST_CITE,     /* cites text [text2]: the provision a declaration, row
                     or rule arm applies, and a URL; len, num: their bytes */
    AST_EXTERN,   /* extern definition name(list: AST_PARAM_DECL): a from
                     b (AST_TEXT: the library) [cites]; the checker
                     sets text2: a type letter per parameter, op: the
                     result's letter (include/tally_native.h) */
    AST_IMPORT,   /* import NAME (name; op 0) or import "PATH" (text, len;
                     op 1) [as a: AST_NAME] [(list: AST_NAMEs)]; the
                     loader sets num: the imported file's index */
    AST_MODULE,   /* module name [version text2]: a module's header */
    AST_HOLIDAY,  /* holiday text(date) [cite]: a day the policy
                     adds to the UK bank-holiday calendar; num: the day */
    AST_TABLE,    /* table name(list: AST_PARAM_DECL): a [cites] c: AST_HIT,
                     list2: AST_TROW; a decision table, a definition whose
                     body is its rows (lang/table.c) */
    AST_HIT,      /* hit name [a]: the hit policy as written ("unique",
                     "first", "priority", "any", "collect") and a: the
                     collect's aggregate (AST_NAME "sum", "min", "max",
                     "count") or NULL; the checker sets op: its ast_hit */
    AST_TROW,     /* | list: AST_ENTRY, one per column [=> a] [cites]: a
                     row of a table; a NULL for a count table; the checker
                     sets b: the row's condition (NULL: every input) */
    AST_ENTRY,    /* a table cell; op: its ast_entry; a, b: the values it
                     names (b: a range's upper end), list: a set's values;
                     num: a range's closed ends (1 low, 2 high) */
    AST_FINDING,  /* finding text(code) name(severity) [cites] [c: for
                     AST_NAME(the variable) a: the list] when a because b:
                     what a CI check reports about a record */
    AST_AMEND,    /* amend [text3.]name list: AST_ROW: dated rows added to
                     a parameter or definition another module declares;
                     name_sp covers the qualified name; the checker sets
                     sym: what it amends, text2: its name as written,
                     and op 1 on each of its rows */
    AST_REPORT,   /* report name: an aggregate over every record of a run
                     (parser.y's report_decl says which fields hold what) */
    AST_SUMMARIES,/* summaries for ...: what the assessment summaries show
                     (parser.y's summaries_decl says which fields hold
                     what; lang/summary.c checks it) */
    AST_OPEN,     /* open [between a and b]: what a module's parameter (its
                     c) leaves to the layers below, or a refinement's c;
                     lang/layers.c sets c: the parameter's own value once
                     a lower layer refines it (its b is then the lower
                     layer's); a rule's or definition's 'open [to V, ...]'
                     (its open field) holds the outcomes V in list */
    /* AST_PARAM's op is 1 when api/test.c put a test's 'with' value in
     * it (a lower layer's refinement does not replace that value). */
    AST_REFINE,   /* refine [text3.]name = a [c: AST_OPEN] [cites]: a lower
                     layer's value for an open parameter (lang/layers.c);
                     the checker sets sym: the parameter, b: the
                     refinement by a layer above that it refines, or NULL.
                     'refine [text3.]name when ... (list2: AST_WHEN)' adds
                     arms to an open rule; 'refine [text3.]name + a
                     [cites]' (op '+') adds a term to an open definition */
    /* tests (tally test; api/test.c runs them) */
    AST_TEST,     /* test text(name, len) list: AST_GIVEN, AST_ASOF,
                     AST_WITH, AST_EXPECT in the order written */
    AST_GIVEN,    /* given name(the input) [text(key)] from text2(file);
                     text NULL: the file's first record; or given name
                     b, b the record written out (an AST_RECORD_LIT),
                     a and text2 NULL */
    AST_WITH,     /* with [text3.]name = a: a parameter's value for one
                     test (text3: the module named, or NULL);
                     op 1 once the runner has put a in the parameter */
    AST_EXPECT,   /* expect a = b (op AST_EXPECT_VALUE: a is a path into
                     the output, b the value), or expect error/rejected
                     text (len): a substring of the error record */
    AST_KIND_COUNT
} ast_kind;

/* AST_EXPECT's op. */
#define AST_EXPECT_VALUE 0    /* expect result.x = value */
#define AST_EXPECT_ERROR 1    /* expect error "...": the policy fails */
#define AST_EXPECT_REJECTED 2 /* expect rejected "...": bad data */

/* AST_RECORD's op: the record says `amounts as strings` (its decimal,
 * money and percent data, at any depth, must be JSON strings). */
#define AST_RECORD_AMOUNT_TEXT 1

/* AST_MEMBER's op: the member `other` an open enum adds (its data
 * spelling is empty: see bc_member). */
#define AST_MEMBER_OTHER 1

/* AST_FIELD_DECL's op: the field is `text or integer` (an id that data
 * may write as a JSON integer, bound as text by its exact digits). */
#define AST_FIELD_INT_TEXT 1

/* The unit of a duration literal (AST_DURATION's op), and of a duration
 * type (check.h's ty.unit).  Weeks are written as 7 days, years as 12
 * months, hours and minutes as seconds, by the scanner. */
typedef enum ast_unit {
    AST_UNIT_DAYS,          /* 30 days, 2 weeks */
    AST_UNIT_WORKING_DAYS,  /* 8 working days */
    AST_UNIT_MONTHS,        /* 1 month, 2 years: a missing day is an error */
    AST_UNIT_MONTHS_EARLIER,/* 1 month or earlier: the month's last day */
    AST_UNIT_MONTHS_LATER,  /* 1 month or later: the next month's first day */
    AST_UNIT_SECONDS,       /* 3 hours, 30 minutes: for date-times only */
    AST_UNIT_COUNT
} ast_unit;

/* A decision table's hit policy (AST_HIT's op, set by the checker). */
typedef enum ast_hit {
    AST_HIT_UNIQUE,   /* exactly one row matches */
    AST_HIT_FIRST,    /* the first row that matches, in the order written */
    AST_HIT_PRIORITY, /* the matching row whose output (an enum member)
                         comes first in its enum */
    AST_HIT_ANY,      /* rows that match agree on the output */
    AST_HIT_LIST,     /* collect: the outputs of every row that matches */
    AST_HIT_SUM,      /* collect sum, min, max, count */
    AST_HIT_MIN,
    AST_HIT_MAX,
    AST_HIT_COUNT
} ast_hit;

/* What a table cell tests its column against (AST_ENTRY's op). */
typedef enum ast_entry {
    AST_ENTRY_ANY,   /* any: every value */
    AST_ENTRY_EQ,    /* a value */
    AST_ENTRY_NE,    /* != a */
    AST_ENTRY_LT,    /* < a */
    AST_ENTRY_LE,    /* <= a */
    AST_ENTRY_GT,    /* > a */
    AST_ENTRY_GE,    /* >= a */
    AST_ENTRY_RANGE, /* [a..b], [a..b), (a..b], (a..b) */
    AST_ENTRY_SET    /* {a, b, ...} */
} ast_entry;

typedef struct ast_node ast_node;

typedef struct ast_list {
    ast_node **items; /* arena */
    uint32_t count;
    uint32_t cap;
} ast_list;

struct ty;
struct sym;

struct ast_node {
    uint16_t kind; /* ast_kind */
    int16_t op;    /* operator token, direction, flags */
    tly_span sp;
    const char *name;  /* arena: identifier */
    const char *text;  /* arena: literal text, JSON name, label */
    const char *text2; /* arena */
    const char *text3; /* arena */
    uint32_t len;      /* bytes of text (AST_TEXT may hold NULs) */
    tly_span name_sp;  /* where name was written, for messages */
    ast_node *a, *b, *c;
    ast_node *cite;      /* AST_CITE of a parameter, row, definition,
                            extern, rule or when arm; NULL when none */
    ast_node *else_cite; /* AST_RULE: its else arm's AST_CITE, or NULL */
    ast_node *open;      /* AST_RULE, AST_DEF: its AST_OPEN ('open [to V,
                            ...]' in its header: what the layers below may
                            add, lang/layers.c), or NULL */
    ast_list list;
    ast_list list2;
    int64_t num;
    int64_t lo, hi; /* AST_TYPE_RANGE */
    bool has_lo, has_hi;
    const char *var2; /* AST_COMPREH: the position variable, or NULL */
    /* filled by the checker */
    struct ty *ty;   /* the expression's type */
    struct sym *sym; /* what a name refers to */
    struct sym *sym2; /* AST_COMPREH: the position variable */
    int slot;        /* local slot for bound names */
    int aux;         /* checker/compiler scratch */
    uint8_t conv;    /* implicit conversion after evaluation (AUX_TO_*) */
    uint8_t builtin; /* AST_CALL, AST_COMPREH: the chk_builtin (check.h)
                        named, BUILTIN_NONE (0) for none */
    uint8_t share;   /* lang/percent.c: how a percentage scales the value
                        (0 until that pass has seen the node) */
};

/* Returns a new node of [kind] at [sp] in [a]; NULL out of memory (the
 * parser then stops with an out-of-memory diagnostic). */
ast_node *ast_new(arena *a, ast_kind kind, tly_span sp);

/* Appends [n] to [l]; false out of memory. */
bool ast_push(arena *a, ast_list *l, ast_node *n);

/* Name of [kind], for debugging and tests. */
const char *ast_kind_name(ast_kind kind);

#endif
