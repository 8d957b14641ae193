/* lang/parser.y - the Tally grammar.
 *
 * NOTES
 *  - Pure parser with byte-span locations; all state is in the tly_comp
 *    passed as %parse-param.  Actions only build nodes with ast_ calls and
 *    the rule's span: no lookups, no type checks (PostgreSQL's rule).
 *  - %expect 0: conflicts are resolved with precedence, never tolerated.
 *  - Recovery: an error inside a declaration skips to the next declaration
 *    keyword; inside brackets, to the closing bracket; so one `tally check`
 *    reports every independent syntax error.
 *  - Messages name the unexpected token in the author's words and list what
 *    would have been accepted (parse.error custom + parse.lac full).
 */
%require "3.8"
%define api.pure full
%define api.prefix {tly_yy}
%define api.location.type {tly_span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {struct tly_comp *c}

%code requires {
#include "ast.h"
struct tly_comp;
typedef struct tly_tok {
    const char *s;   /* arena */
    uint32_t len;
    const char *cur; /* MONEY: currency code */
    int64_t num;     /* DURATION: the count, in its unit */
    int unit;        /* DURATION: an ast_unit */
} tly_tok;
#define YYLLOC_DEFAULT(Cur, Rhs, N)                        \
    do {                                                   \
        if (N) {                                           \
            (Cur).start = YYRHSLOC(Rhs, 1).start;          \
            (Cur).end = YYRHSLOC(Rhs, N).end;              \
        } else {                                           \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end; \
        }                                                  \
    } while (0)
}

%code {
#include <stdio.h>
#include <string.h>
#include "front.h"
#include "lexer.h"

#define A (&c->arena)
#define N(kind, sp) mk(c, kind, sp)

static ast_node *mk(struct tly_comp *c, ast_kind kind, tly_span sp)
{
    ast_node *n = ast_new(&c->arena, kind, sp);
    if (!n) {
        c->oom = true;
        /* A writable stand-in keeps actions simple; the parse is
         * abandoned, so what they write there is never read. */
        memset(&c->oom_node, 0, sizeof c->oom_node);
        n = &c->oom_node;
    }
    return n;
}

static ast_node *push(struct tly_comp *c, ast_node *host, ast_node *n)
{
    if (!c->oom && !ast_push(&c->arena, &host->list, n)) {
        c->oom = true;
    }
    return host;
}

static ast_node *push2(struct tly_comp *c, ast_node *host, ast_node *n)
{
    if (!c->oom && !ast_push(&c->arena, &host->list2, n)) {
        c->oom = true;
    }
    return host;
}

static ast_node *named(struct tly_comp *c, ast_kind kind, tly_span sp,
                       tly_tok name, tly_span name_sp)
{
    ast_node *n = mk(c, kind, sp);
    if (n->kind == (uint16_t)kind) {
        n->name = name.s;
        n->name_sp = name_sp;
    }
    return n;
}

static ast_node *lit(struct tly_comp *c, ast_kind kind, tly_span sp,
                     tly_tok t)
{
    ast_node *n = mk(c, kind, sp);
    if (n->kind == (uint16_t)kind) {
        n->text = t.s;
        n->len = t.len;
        n->name = t.cur;
        n->num = t.num;
        n->op = (int16_t)t.unit;
    }
    return n;
}

static ast_node *bin(struct tly_comp *c, int op, ast_node *a, ast_node *b,
                     tly_span sp)
{
    ast_node *n = mk(c, AST_BINARY, sp);
    if (n->kind == AST_BINARY) {
        n->op = (int16_t)op;
        n->a = a;
        n->b = b;
    }
    return n;
}

static ast_node *with(ast_node *n, ast_node *a, ast_node *b, ast_node *cc)
{
    if (n->kind != AST_NONE || a || b || cc) {
        /* Writing into the static dummy would be a bug: guard on oom. */
    }
    n->a = a;
    n->b = b;
    n->c = cc;
    return n;
}

/* Adds a declaration to the program; the header goes in its own place. */
/* The record option `amounts as strings` ([w1] and [w2] the two names),
 * which sets AST_RECORD_AMOUNT_TEXT on [rec]; any other pair of names
 * there is an error. */
static void record_option(struct tly_comp *c, ast_node *rec, tly_tok w1,
                          tly_span sp1, tly_tok w2, tly_span sp2)
{
    if (strcmp(w1.s, "amounts") != 0) {
        diag_add(&c->diags, DIAG_ERROR, sp1,
                 "a field is 'name: type' (or 'name as \"key\": type'); "
                 "the record option is 'amounts as strings'",
                 "syntax error: unexpected '%s as %s' in a record", w1.s, w2.s);
        return;
    }
    if (strcmp(w2.s, "strings") != 0) {
        diag_add(&c->diags, DIAG_ERROR, sp2,
                 "write 'amounts as strings'",
                 "syntax error: amounts can only be declared 'as strings'");
        return;
    }
    if (rec->op & AST_RECORD_AMOUNT_TEXT) {
        diag_add(&c->diags, DIAG_ERROR, sp1, NULL,
                 "'amounts as strings' is declared twice");
        return;
    }
    rec->op |= AST_RECORD_AMOUNT_TEXT;
}

/* An enum declared `enum E [w] { ... }` ([sp] the word's place): only
 * `open`, which adds the member `other` (AST_MEMBER_OTHER), holding any
 * code the data use that no member spells. */
static void enum_open(struct tly_comp *c, ast_node *en, tly_tok w,
                      tly_span sp)
{
    if (strcmp(w.s, "open") != 0) {
        diag_add(&c->diags, DIAG_ERROR, sp,
                 "an enum whose data may hold codes it does not list is "
                 "'enum NAME open { ... }'",
                 "syntax error near '%s': expected '{' or 'open'", w.s);
        return;
    }
    tly_tok other = {.s = "other"};
    ast_node *m = named(c, AST_MEMBER, sp, other, sp);
    m->text = "";
    m->op = AST_MEMBER_OTHER;
    push(c, en, m);
}

/* What a parameter leaves open, 'open [between lo and hi]' ([w] the word
 * at [wsp], [sp] the whole): an AST_OPEN, or NULL after an error. */
static ast_node *open_word(struct tly_comp *c, tly_tok w, tly_span wsp,
                           tly_span sp, ast_node *lo, ast_node *hi)
{
    if (strcmp(w.s, "open") != 0) {
        diag_add(&c->diags, DIAG_ERROR, wsp,
                 "a value a lower layer may refine ends with 'open' or "
                 "'open between LO and HI'",
                 "syntax error near '%s': expected 'open' or 'cites'", w.s);
        return NULL;
    }
    ast_node *o = ast_new(&c->arena, AST_OPEN, sp);
    if (o) {
        o->a = lo;
        o->b = hi;
    }
    return o;
}

/* A field typed `T or [w]` ([sp] its place): only `text or integer`
 * (AST_FIELD_INT_TEXT; the checker sees that T is text). */
static void field_or(struct tly_comp *c, ast_node *field, tly_tok w,
                     tly_span sp)
{
    if (strcmp(w.s, "integer") != 0) {
        diag_add(&c->diags, DIAG_ERROR, sp,
                 "an id that data write as a string or a number is "
                 "'text or integer'",
                 "a field can be 'text or integer', not 'or %s'", w.s);
        return;
    }
    field->op |= AST_FIELD_INT_TEXT;
}

/* A word of a report declaration that is not reserved ([want]: each,
 * group, columns or top): anything else there is a syntax error. */
static void report_word(struct tly_comp *c, tly_tok w, tly_span sp,
                        const char *want, const char *hint)
{
    if (strcmp(w.s, want) != 0) {
        diag_add(&c->diags, DIAG_ERROR, sp, hint,
                 "syntax error: expected '%s' in a report, found '%s'", want, w.s);
    }
}

static ast_node *add_decl(struct tly_comp *c, ast_node *prog, ast_node *d)
{
    if (!d) {
        return prog;
    }
    if (d->kind == AST_MODULE) {
        if (prog->b) {
            diag_add(&c->diags, DIAG_ERROR, d->sp, "keep one 'module' line, at the top",
                     "a module has one header");
        } else {
            prog->b = d;
        }
        return prog;
    }
    if (d->kind == AST_POLICY) {
        if (prog->a) {
            diag_add(&c->diags, DIAG_ERROR, d->sp, "keep one 'policy' line, at the top",
                     "a policy has one header");
        } else {
            prog->a = d;
        }
        return prog;
    }
    return push(c, prog, d);
}

/* The parser's stack limit is what bounds nesting: past it yyparse
 * returns 2, which means the policy is nested too deeply.  (Bison's
 * stacks, at most YYMAXDEPTH entries of a few bytes, come from malloc:
 * its LAC helpers are given no context through which YYMALLOC could
 * reach the compilation's allocator.  malloc failing for them is
 * reported as the nesting limit too.) */
#define YYMAXDEPTH (TLY_MAX_NESTING * 25)

/* Bison calls this only when it gives up itself: syntax errors go to
 * yyreport_syntax_error (parse.error custom).  What happened is told by
 * yyparse's status, not by [msg]; the place is kept for its report. */
static void yyerror(tly_span *loc, void *scanner, struct tly_comp *c,
                    const char *msg)
{
    (void)scanner;
    (void)msg;
    c->bison_at = *loc;
}
}

%union {
    tly_tok tok;
    ast_node *node;
    int num;
}

%token <tok> IDENT INT DECIMAL MONEY PERCENT STRING DATE DATETIME DURATION
%token NE "!=" LE "<=" GE ">=" ASOF "as of"
%token REFINE "refine"
%token AMEND "amend" AND "and" AS "as" ASCENDING "ascending" AT "at" BECAUSE "because"
%token BETWEEN "between" BY "by" CHECK "check" CITES "cites"
%token DEFINITION "definition" DESCENDING "descending" ELSE "else" END "end"
%token ENUM "enum" EXTERN "extern" FAIL "fail" FALSE "false" FOR "for" FROM "from" IF "if"
%token IMPORT "import" MODULE "module"
%token IN "in" INPUT "input" IS "is" KEYED "keyed" LEAST "least" LET "let"
%token LIST "list" MAP "map" MATCH "match" MOST "most" NONE "none" NOT "not"
%token OF "of" OMITTED "omitted" ON "on" OPTIONAL "optional" OR "or"
%token OTHERWISE "otherwise" OUTPUT "output" OVER "over" PARAMETER "parameter"
%token POLICY "policy" RECORD "record" RULE "rule" SOME "some"
%token SOURCE "source" THEN "then" TO "to" TRUE "true" TYPE "type"
%token HOLIDAY "holiday" TABLE "table" HIT "hit" FINDING "finding" REPORT "report"
%token ARROW "=>" DOTDOT ".." ROW "'|' (a table row)"
%token TEST "test" GIVEN "given" EXPECT "expect" WITH "with"
%token SUMMARIES "summaries"
%token UNIQUE "unique" UNLESS "unless" UNTIL "until" VERSION "version" WHEN "when" WHERE "where"

%type <node> program decls decl header enum_decl members member record_decl
%type <node> record_items record_item field_decl field_opts check_decl type
%type <node> alias_decl param_decl rows row def_decl rule_decl whens when_arm
%type <node> extern_decl asof_decl exceptions exception overs holiday_decl
%type <node> import_decl import_as import_names name_list module_decl amend_decl refine_decl open_clause open_to outcomes outcome
%type <node> input_decl output_decl params param_list param expr cond
%type <node> args arg exprs arms arm patterns pattern inits init keys key
%type <node> comprehension else_msg cites else_because
%type <node> table_decl hit trows trow entries entry finding_decl finding_for
%type <node> report_decl report_for report_where report_rest report_keys report_cols report_col report_agg report_top
%type <node> test_decl test_clauses test_clause
%type <node> summaries_decl summaries_for summaries_items summaries_item
%type <tok> rename label at_path
%type <num> direction report_dir

%precedence LOWEST
%precedence ASOF /* an 'as of' after a test's clauses is the test's own */

%left OTHERWISE
%left OR
%left AND
%precedence NOT
%nonassoc '=' NE '<' LE '>' GE IS
%nonassoc ON
%left '+' '-'
%left '*' '/'
%precedence UMINUS
%precedence '.' '['

%start program

%%

program
    : decls             { $$ = $1; c->root = $$; }
    ;

/* The header is a declaration like the others, so that the parser's
 * first state has nothing to decide and an error in the first
 * declaration can be recovered from like any other. */
header
    : kw_policy STRING  { $$ = N(AST_POLICY, @$); $$->text = $2.s; }
    | header VERSION STRING  { $$ = $1; $$->text2 = $3.s; }
    | header SOURCE STRING   { $$ = $1; $$->text3 = $3.s; }
    ;

decls
    : %empty            { $$ = N(AST_PROGRAM, @$); }
    | decls decl        { $$ = add_decl(c, $1, $2); }
    ;

decl
    : header | enum_decl | record_decl | alias_decl | param_decl | def_decl
    | rule_decl | input_decl | output_decl | extern_decl | asof_decl
    | import_decl | module_decl | holiday_decl | table_decl | finding_decl | amend_decl
    | refine_decl
    | report_decl
    | summaries_decl
    | test_decl
    | error             { $$ = NULL; }
    ;

/* A declaration keyword ends error recovery at once, so a mistake early
 * in the next declaration is reported too (yyerrok). */
kw_policy: POLICY { yyerrok; } ;
kw_enum: ENUM { yyerrok; } ;
kw_record: RECORD { yyerrok; } ;
kw_type: TYPE { yyerrok; } ;
kw_parameter: PARAMETER { yyerrok; } ;
kw_definition: DEFINITION { yyerrok; } ;
kw_rule: RULE { yyerrok; } ;
kw_input: INPUT { yyerrok; } ;
kw_output: OUTPUT { yyerrok; } ;
kw_extern: EXTERN { yyerrok; } ;
kw_import: IMPORT { yyerrok; } ;
kw_module: MODULE { yyerrok; } ;
kw_amend: AMEND { yyerrok; } ;
kw_refine: REFINE { yyerrok; } ;
kw_table: TABLE { yyerrok; } ;
kw_finding: FINDING { yyerrok; } ;
kw_report: REPORT { yyerrok; } ;
kw_summaries: SUMMARIES { yyerrok; } ;
kw_test: TEST { yyerrok; } ;

/* ---- modules ------------------------------------------------------------ */

/* import procurement, import "shared/sme.tally", either with `as NAME`
 * and/or `(a, b)`: the names brought in unqualified (lang/module.c reads
 * the file, lang/resolve.c binds the names). */
import_decl
    : kw_import IDENT import_as import_names
                        { $$ = $4; $$->sp = @$; $$->name = $2.s; $$->name_sp = @2;
                          $$->a = $3; $$->op = 0; }
    | kw_import STRING import_as import_names
                        { $$ = $4; $$->sp = @$; $$->text = $2.s; $$->len = $2.len;
                          $$->name_sp = @2; $$->a = $3; $$->op = 1; }
    ;

import_as
    : %empty            { $$ = NULL; }
    | AS IDENT          { $$ = named(c, AST_NAME, @2, $2, @2); }
    ;

import_names
    : %empty            { $$ = N(AST_IMPORT, @$); }
    | '(' name_list ')' { $$ = $2; }
    ;

name_list
    : IDENT             { $$ = push(c, N(AST_IMPORT, @$), named(c, AST_NAME, @1, $1, @1)); }
    | name_list ',' IDENT
                        { $$ = push(c, $1, named(c, AST_NAME, @3, $3, @3)); }
    ;

/* module NAME [version "x"]: the header of a file meant to be imported. */
module_decl
    : kw_module IDENT   { $$ = named(c, AST_MODULE, @$, $2, @2); }
    | kw_module IDENT VERSION STRING
                        { $$ = named(c, AST_MODULE, @$, $2, @2); $$->text2 = $4.s; }
    ;

kw_holiday: HOLIDAY { yyerrok; } ;

/* holiday 2026-06-15 cites "...": a day added to the bank holidays. */
holiday_decl
    : kw_holiday DATE cites
                        { $$ = N(AST_HOLIDAY, @$); $$->text = $2.s; $$->cite = $3;
                          $$->name_sp = @2; }
    ;

/* amend procurement.thresholds  from 2027-01-01 = ... cites "S.I. ...":
 * dated rows a module adds to a dated parameter or definition it
 * imports (lang/check.c merges them into the program's). */
amend_decl
    : kw_amend IDENT rows
                        { $$ = $3; $$->kind = AST_AMEND; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; }
    | kw_amend IDENT '.' IDENT rows
                        { $$ = $5; $$->kind = AST_AMEND; $$->sp = @$; $$->name = $4.s;
                          $$->text3 = $2.s; $$->name_sp.start = @2.start;
                          $$->name_sp.end = @4.end; }
    ;

/* refine consortium.price_weight = 45 [open between 40 and 50] cites "...":
 * a lower layer's value for a parameter an upper layer (a module it
 * imports) declares open (lang/layers.c checks and applies it). */
refine_decl
    : kw_refine IDENT '=' expr open_clause cites
                        { $$ = N(AST_REFINE, @$); $$->name = $2.s; $$->name_sp = @2;
                          $$->a = $4; $$->c = $5; $$->cite = $6; }
    | kw_refine IDENT '.' IDENT '=' expr open_clause cites
                        { $$ = N(AST_REFINE, @$); $$->name = $4.s; $$->text3 = $2.s;
                          $$->name_sp.start = @2.start; $$->name_sp.end = @4.end;
                          $$->a = $6; $$->c = $7; $$->cite = $8; }
    | kw_refine IDENT whens
                        { $$ = N(AST_REFINE, @$); $$->name = $2.s; $$->name_sp = @2;
                          $$->list2 = $3->list; }
    | kw_refine IDENT '.' IDENT whens
                        { $$ = N(AST_REFINE, @$); $$->name = $4.s; $$->text3 = $2.s;
                          $$->name_sp.start = @2.start; $$->name_sp.end = @4.end;
                          $$->list2 = $5->list; }
    | kw_refine IDENT '+' expr cites
                        { $$ = N(AST_REFINE, @$); $$->name = $2.s; $$->name_sp = @2;
                          $$->op = '+'; $$->a = $4; $$->cite = $5; }
    | kw_refine IDENT '.' IDENT '+' expr cites
                        { $$ = N(AST_REFINE, @$); $$->name = $4.s; $$->text3 = $2.s;
                          $$->name_sp.start = @2.start; $$->name_sp.end = @4.end;
                          $$->op = '+'; $$->a = $6; $$->cite = $7; }
    ;

/* What a parameter leaves open to the layers below: 'open', or 'open
 * between LO and HI' (the word is not reserved: an identifier here). */
open_clause
    : %empty            { $$ = NULL; }
    | IDENT             { $$ = open_word(c, $1, @1, @$, NULL, NULL); }
    | IDENT BETWEEN expr AND expr %prec LOWEST
                        { $$ = open_word(c, $1, @1, @$, $3, $5); }
    ;

/* What a rule or definition leaves open to the layers below, in its
 * header: 'open' (a rule: further arms reaching its own arms' outcomes;
 * a definition: further terms added to its value), or a rule's 'open to
 * V, ...' (the outcomes further arms may reach). */
open_to
    : %empty            { $$ = NULL; }
    | IDENT             { $$ = open_word(c, $1, @1, @$, NULL, NULL); }
    | IDENT TO outcomes { $$ = open_word(c, $1, @1, @$, NULL, NULL);
                          if ($$) {
                              $$->list = $3->list;
                          } }
    ;

/* The outcomes a rule is open to: text or enum members, written out (an
 * expression would run on into the '=' that follows). */
outcomes
    : outcome           { $$ = push(c, N(AST_LIST_LIT, @$), $1); }
    | outcomes ',' outcome
                        { $$ = push(c, $1, $3); }
    ;

outcome
    : STRING            { $$ = lit(c, AST_TEXT, @$, $1); }
    | IDENT             { $$ = named(c, AST_NAME, @$, $1, @1); }
    | IDENT '.' IDENT   { $$ = named(c, AST_GET, @$, $3, @3);
                          if ($$) { $$->a = named(c, AST_NAME, @1, $1, @1); } }
    ;

/* ---- enumerations ---------------------------------------------------- */

enum_decl
    : kw_enum IDENT label '{' members comma '}'
                        { $$ = $5; $$->kind = AST_ENUM; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->text = $3.s; }
    | kw_enum IDENT label IDENT '{' members comma '}'
                        { $$ = $6; $$->kind = AST_ENUM; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->text = $3.s;
                          enum_open(c, $$, $4, @4); }
    ;

label
    : %empty            { $$.s = NULL; }
    | STRING            { $$ = $1; }
    ;

comma
    : %empty
    | ','
    ;

members
    : member            { $$ = push(c, N(AST_ENUM, @$), $1); }
    | members ',' member { $$ = push(c, $1, $3); }
    ;

member
    : IDENT rename      { $$ = named(c, AST_MEMBER, @$, $1, @1); $$->text = $2.s; }
    ;

rename
    : %empty            { $$.s = NULL; }
    | AS STRING         { $$ = $2; }
    ;

/* ---- records ----------------------------------------------------------- */

record_decl
    : kw_record IDENT '{' record_items '}'
                        { $$ = $4; $$->kind = AST_RECORD; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; }
    ;

record_items
    : %empty            { $$ = N(AST_RECORD, @$); }
    | record_items record_item  { $$ = $2 ? push(c, $1, $2) : $1; }
    | record_items IDENT AS IDENT comma
                        { $$ = $1; record_option(c, $$, $2, @2, $4, @4); }
    ;

record_item
    : field_decl comma  { $$ = $1; }
    | check_decl comma  { $$ = $1; }
    ;

field_decl
    : IDENT rename ':' type field_opts
                        { $$ = $5; $$->kind = AST_FIELD_DECL; $$->sp = @$; $$->name = $1.s;
                          $$->name_sp = @1; $$->text = $2.s; $$->a = $4; }
    | IDENT rename ':' type OR IDENT field_opts
                        { $$ = $7; $$->kind = AST_FIELD_DECL; $$->sp = @$; $$->name = $1.s;
                          $$->name_sp = @1; $$->text = $2.s; $$->a = $4;
                          field_or(c, $$, $6, @6); }
    ;

field_opts
    : %empty            { $$ = N(AST_FIELD_DECL, @$); }
    | field_opts WHERE expr else_msg
                        { ast_node *w = N(AST_WHERE, @2); w->a = $3; w->b = $4; w->sp = @3;
                          $$ = push(c, $1, w); }
    | field_opts UNIQUE BY IDENT
                        { $$ = push(c, $1, named(c, AST_UNIQUE, @$, $4, @4)); }
    | field_opts OMITTED WHEN NONE
                        { $$ = push(c, $1, N(AST_OMIT, @2)); }
    ;

else_msg
    : %empty            { $$ = NULL; }
    | ELSE expr         { $$ = $2; }
    ;

check_decl
    : CHECK expr at_path else_msg
                        { $$ = N(AST_CHECK, @$); $$->a = $2; $$->text = $3.s; $$->b = $4;
                          $$->sp = @2; }
    ;

at_path
    : %empty            { $$.s = NULL; }
    | AT IDENT          { $$ = $2; }
    ;

/* ---- types ------------------------------------------------------------- */

type
    : IDENT             { $$ = named(c, AST_TYPE_NAME, @$, $1, @1); $$->num = -1; }
    | IDENT '.' IDENT   { $$ = named(c, AST_TYPE_NAME, @$, $3, @3); $$->num = -1;
                          $$->text3 = $1.s; }
    | IDENT '(' INT ')' { $$ = named(c, AST_TYPE_NAME, @$, $1, @1); $$->text = $3.s; $$->num = -2; }
    | IDENT IN IDENT    { $$ = named(c, AST_TYPE_NAME, @$, $1, @1); $$->text = $3.s; $$->num = -3;
                          $$->name_sp = @3; }
    | LIST OF type      { $$ = N(AST_TYPE_LIST, @$); $$->a = $3; }
    | MAP OF type TO type  { $$ = N(AST_TYPE_MAP, @$); $$->a = $3; $$->b = $5; }
    | OPTIONAL type     { $$ = N(AST_TYPE_OPT, @$); $$->a = $2; }
    | IDENT BETWEEN expr AND expr %prec LOWEST
                        { $$ = N(AST_TYPE_RANGE, @$); $$->a = named(c, AST_TYPE_NAME, @1, $1, @1);
                          $$->a->num = -1; $$->b = $3; $$->c = $5; }
    | IDENT AT LEAST expr %prec LOWEST
                        { $$ = N(AST_TYPE_RANGE, @$); $$->a = named(c, AST_TYPE_NAME, @1, $1, @1);
                          $$->a->num = -1; $$->b = $4; }
    | IDENT AT MOST expr %prec LOWEST
                        { $$ = N(AST_TYPE_RANGE, @$); $$->a = named(c, AST_TYPE_NAME, @1, $1, @1);
                          $$->a->num = -1; $$->c = $4; }
    ;

alias_decl
    : kw_type IDENT '=' type   { $$ = named(c, AST_ALIAS, @$, $2, @2); $$->a = $4; }
    ;

/* ---- parameters, definitions, rules ------------------------------------ */

/* The provision a declaration applies, and optionally where to read it:
 * cites "Procurement Act 2023, s.123" "https://www.legislation.gov.uk/..." */
cites
    : %empty            { $$ = NULL; }
    | CITES STRING      { $$ = N(AST_CITE, @$); $$->text = $2.s; $$->len = $2.len; }
    | CITES STRING STRING
                        { $$ = N(AST_CITE, @$); $$->text = $2.s; $$->len = $2.len;
                          $$->text2 = $3.s; $$->num = $3.len; $$->name_sp = @3; }
    ;

param_decl
    : kw_parameter IDENT ':' type cites '=' expr open_clause cites
                        { $$ = named(c, AST_PARAM, @$, $2, @2); $$->a = $4;
                          $$->cite = $5 ? $5 : $9; $$->b = $7; $$->c = $8; }
    | kw_parameter IDENT ':' type cites rows
                        { $$ = $6; $$->kind = AST_PARAM; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $4; $$->cite = $5; }
    ;

rows
    : row               { $$ = push(c, N(AST_PARAM, @$), $1); }
    | rows row          { $$ = push(c, $1, $2); }
    ;

row
    : FROM DATE '=' expr cites
                        { $$ = N(AST_ROW, @$); $$->text = $2.s; $$->a = $4; $$->cite = $5;
                          $$->name_sp = @2; }
    | FROM DATE UNTIL DATE '=' expr cites
                        { $$ = N(AST_ROW, @$); $$->text = $2.s; $$->a = $6; $$->cite = $7;
                          $$->name_sp = @2; $$->text2 = $4.s; }
    ;

/* Exceptions to a definition's base value, as the law writes them:
 *   unless COND then VALUE [cites ...] [as LABEL] [over LABEL, ...]
 * "over" gives this exception priority over the ones it names. */
exceptions
    : exception         { $$ = push(c, N(AST_EXCEPTIONS, @$), $1); }
    | exceptions exception  { $$ = push(c, $1, $2); }
    ;

exception
    : UNLESS cond THEN expr cites
                        { $$ = N(AST_UNLESS, @$); $$->a = $2; $$->b = $4; $$->cite = $5; }
    | UNLESS cond THEN expr cites AS IDENT
                        { $$ = N(AST_UNLESS, @$); $$->a = $2; $$->b = $4; $$->cite = $5;
                          $$->name = $7.s; $$->name_sp = @7; }
    | UNLESS cond THEN expr cites AS IDENT OVER overs
                        { $$ = $9; $$->kind = AST_UNLESS; $$->sp = @$; $$->a = $2;
                          $$->b = $4; $$->cite = $5; $$->name = $7.s; $$->name_sp = @7; }
    | UNLESS cond THEN expr cites OVER overs
                        { $$ = $7; $$->kind = AST_UNLESS; $$->sp = @$; $$->a = $2;
                          $$->b = $4; $$->cite = $5; }
    ;

overs
    : IDENT             { $$ = push(c, N(AST_UNLESS, @$), named(c, AST_NAME, @1, $1, @1)); }
    | overs ',' IDENT   { $$ = push(c, $1, named(c, AST_NAME, @3, $3, @3)); }
    ;

/* ---- decision tables (checked by lang/table.c) ------------------------- */

/* table band(value: money, sme: bool): Band cites "..." hit unique
 * (the citation may also follow the hit policy)
 *   | < £30,000              | any   => small  cites "para 4(a)"
 *   | [£30,000..£100,000)    | true  => medium
 * A row starts with '|' at the start of a line (the scanner's ROW); its
 * entries, one per parameter, are separated by '|'. */
table_decl
    : kw_table IDENT params ':' type cites hit cites trows
                        { $$ = $3; $$->kind = AST_TABLE; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->cite = $6 ? $6 : $8;
                          $$->c = $7; $$->list2 = $9->list; }
    ;

hit
    : HIT UNIQUE        { $$ = N(AST_HIT, @$); $$->name = "unique"; $$->name_sp = @2; }
    | HIT IDENT         { $$ = named(c, AST_HIT, @$, $2, @2); }
    | HIT IDENT IDENT   { $$ = named(c, AST_HIT, @$, $2, @2);
                          $$->a = named(c, AST_NAME, @3, $3, @3); }
    ;

trows
    : trow              { $$ = push(c, N(AST_TABLE, @$), $1); }
    | trows trow        { $$ = push(c, $1, $2); }
    ;

trow
    : ROW entries ARROW expr cites
                        { $$ = $2; $$->sp = @$; $$->a = $4; $$->cite = $5; }
    | ROW entries cites { $$ = $2; $$->sp = @$; $$->cite = $3; }
    ;

entries
    : entry             { $$ = push(c, N(AST_TROW, @$), $1); }
    | entries '|' entry { $$ = push(c, $1, $3); }
    ;

entry
    : expr              { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_EQ; $$->a = $1; }
    | NE expr           { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_NE; $$->a = $2; }
    | '<' expr          { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_LT; $$->a = $2; }
    | LE expr           { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_LE; $$->a = $2; }
    | '>' expr          { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_GT; $$->a = $2; }
    | GE expr           { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_GE; $$->a = $2; }
    | '[' expr DOTDOT expr ']'
                        { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_RANGE; $$->a = $2;
                          $$->b = $4; $$->num = 3; }
    | '[' expr DOTDOT expr ')'
                        { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_RANGE; $$->a = $2;
                          $$->b = $4; $$->num = 1; }
    | '(' expr DOTDOT expr ']'
                        { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_RANGE; $$->a = $2;
                          $$->b = $4; $$->num = 2; }
    | '(' expr DOTDOT expr ')'
                        { $$ = N(AST_ENTRY, @$); $$->op = AST_ENTRY_RANGE; $$->a = $2;
                          $$->b = $4; $$->num = 0; }
    | '{' exprs '}'     { $$ = $2; $$->kind = AST_ENTRY; $$->sp = @$; $$->op = AST_ENTRY_SET; }
    ;

/* ---- tests ---------------------------------------------------------------- */

/* test "S-00007 is excluded for fraud"
 *   given tender "T-0001" from "sample.jsonl"
 *     (or the record written out: given order Order { id: "A-1", ... })
 *   as of 2026-03-01
 *   with minimum_insurance = £10,000,000
 *   expect result.award = "S-00002"
 *   expect error "no threshold"
 * A worked example the policy must reproduce (tally test, api/test.c).
 * An 'as of' line after a test's clauses is the test's: a policy's own
 * 'as of' goes before its tests.  Which words may follow 'expect' and whether the '=' form is a path and
 * a value are the checker's to say (lang/check.c). */
test_decl
    : kw_test STRING test_clauses %prec LOWEST
                        { $$ = $3; $$->sp = @$; $$->text = $2.s; $$->len = $2.len;
                          $$->name_sp = @2; }
    ;

test_clauses
    : %empty            { $$ = N(AST_TEST, @$); }
    | test_clauses test_clause
                        { $$ = push(c, $1, $2); }
    ;

test_clause
    : GIVEN IDENT STRING FROM STRING
                        { $$ = named(c, AST_GIVEN, @$, $2, @2); $$->text = $3.s;
                          $$->len = $3.len; $$->text2 = $5.s; $$->a = lit(c, AST_TEXT, @5, $5); }
    | GIVEN IDENT FROM STRING
                        { $$ = named(c, AST_GIVEN, @$, $2, @2); $$->text2 = $4.s;
                          $$->a = lit(c, AST_TEXT, @4, $4); }
    | GIVEN IDENT IDENT '{' inits comma '}'
                        { $$ = named(c, AST_GIVEN, @$, $2, @2); $$->b = $5;
                          $$->b->name = $3.s; $$->b->name_sp = @3; $$->b->sp = @3;
                          $$->b->sp.end = @7.end; }
    | GIVEN IDENT IDENT '{' '}'
                        { $$ = named(c, AST_GIVEN, @$, $2, @2);
                          $$->b = named(c, AST_RECORD_LIT, @3, $3, @3);
                          $$->b->sp.end = @5.end; }
    | ASOF expr         { $$ = N(AST_ASOF, @$); $$->a = $2; }
    | WITH IDENT '=' expr
                        { $$ = named(c, AST_WITH, @$, $2, @2); $$->a = $4; }
    | WITH IDENT '.' IDENT '=' expr
                        { $$ = named(c, AST_WITH, @$, $4, @4); $$->text3 = $2.s;
                          $$->name_sp.start = @2.start; $$->a = $6; }
    | EXPECT expr       { $$ = N(AST_EXPECT, @$); $$->op = AST_EXPECT_VALUE; $$->a = $2; }
    | EXPECT IDENT STRING
                        { $$ = named(c, AST_EXPECT, @$, $2, @2); $$->text = $3.s;
                          $$->len = $3.len; $$->op = AST_EXPECT_ERROR; }
    ;

/* ---- findings ------------------------------------------------------------ */

/* finding "TP-001" warning cites "s.54" [for b in LIST]
 *   when COND because MESSAGE
 * What a check reports about a record (api/run.c writes them). */
finding_decl
    : kw_finding STRING IDENT cites finding_for WHEN cond BECAUSE expr
                        { $$ = N(AST_FINDING, @$); $$->text = $2.s; $$->len = $2.len;
                          $$->name = $3.s; $$->name_sp = @3; $$->cite = $4; $$->c = $5;
                          $$->a = $7; $$->b = $9; }
    ;

finding_for
    : %empty            { $$ = NULL; }
    | FOR IDENT IN expr { $$ = named(c, AST_NAME, @$, $2, @2); $$->a = $4; }
    ;

/* ---- reports -------------------------------------------------------------- */

/* report NAME
 *   for each INPUT | for x in LIST
 *   [where COND]
 *   [group by EXPR as NAME, ...]
 *   columns NAME: AGG ...
 *   [top N by COLUMN [ascending|descending]]
 * An aggregate over every record of a run (api/run.c, runtime/report.c).
 * The words each, group, columns and top are not reserved: report_word
 * checks them.  AST_REPORT: name; c: AST_NAME(the variable), its a the
 * list or NULL for each input record; b: the where condition or NULL;
 * list: AST_FIELD_INIT(as-name, a key); list2: AST_FIELD_INIT(column, a
 * its aggregate); a: the top line or NULL, an AST_REPORT whose text is N
 * (sp its place), name the column and op 1 for descending. */
report_decl
    : kw_report IDENT report_for report_where IDENT report_rest
                        { $$ = $6; $$->kind = AST_REPORT; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->c = $3; $$->b = $4;
                          report_word(c, $5, @5, $$->list.count ? "group" : "columns",
                                      "after 'for' and 'where' write 'group by KEY as NAME' "
                                      "or 'columns'"); }
    ;

report_for
    : FOR IDENT IDENT   { $$ = named(c, AST_NAME, @3, $3, @3);
                          report_word(c, $2, @2, "each",
                                      "write 'for each INPUT' or 'for x in LIST'"); }
    | FOR IDENT IN expr { $$ = named(c, AST_NAME, @2, $2, @2); $$->a = $4; }
    ;

report_where
    : %empty            { $$ = NULL; }
    | WHERE cond        { $$ = $2; }
    ;

report_rest
    : BY report_keys IDENT report_cols report_top
                        { $$ = $4; $$->list = $2->list; $$->a = $5;
                          report_word(c, $3, @3, "columns",
                                      "after the group keys write 'columns'"); }
    | report_cols report_top
                        { $$ = $1; $$->a = $2; }
    ;

report_keys
    : expr AS IDENT     { ast_node *k = named(c, AST_FIELD_INIT, @$, $3, @3); k->a = $1;
                          $$ = push(c, N(AST_REPORT, @$), k); }
    | report_keys ',' expr AS IDENT
                        { ast_node *k = named(c, AST_FIELD_INIT, @3, $5, @5); k->a = $3;
                          $$ = push(c, $1, k); }
    ;

report_cols
    : report_col        { $$ = push2(c, N(AST_REPORT, @$), $1); }
    | report_cols report_col { $$ = push2(c, $1, $2); }
    ;

report_col
    : IDENT ':' report_agg
                        { $$ = named(c, AST_FIELD_INIT, @$, $1, @1); $$->a = $3; }
    ;

report_agg
    : IDENT             { $$ = named(c, AST_CALL, @$, $1, @1); }
    | IDENT '(' args ')' { $$ = $3; $$->kind = AST_CALL; $$->sp = @$; $$->name = $1.s;
                          $$->name_sp = @1; }
    | IDENT '(' comprehension ')'
                        { $$ = $3; $$->name = $1.s; $$->name_sp = @1; $$->sp = @$; }
    /* share(COND of VALUE, PLACES, MODE): c holds VALUE */
    | IDENT '(' expr OF expr ',' args ')'
                        { $$ = push(c, N(AST_CALL, @$), $3);
                          for (uint32_t i = 0; i < $7->list.count; i++) {
                              push(c, $$, $7->list.items[i]);
                          }
                          $$->name = $1.s; $$->name_sp = @1; $$->c = $5; }
    | IDENT '(' expr OF expr ')'
                        { $$ = push(c, N(AST_CALL, @$), $3);
                          $$->name = $1.s; $$->name_sp = @1; $$->c = $5; }
    ;

report_top
    : %empty            { $$ = NULL; }
    | IDENT INT BY IDENT report_dir
                        { $$ = named(c, AST_REPORT, @$, $4, @4); $$->text = $2.s;
                          $$->sp = @2; $$->op = (int16_t)$5;
                          report_word(c, $1, @1, "top",
                                      "a column is 'name: aggregate'; the last line may be "
                                      "'top N by COLUMN'"); }
    ;

/* The order of the top rows: greatest first unless 'ascending'. */
report_dir
    : %empty            { $$ = 1; }
    | ASCENDING         { $$ = 0; }
    | DESCENDING        { $$ = 1; }
    ;

/* ---- assessment summaries ---------------------------------------------- */

/* summaries for b in result.bids [, bid in tender.bids]
 *   WORD: PATH-OR-TEXT ...
 *   criterion "Title" weight PATH: PATH ...
 * Which values of a run the assessment summaries show, and their wording
 * (lang/summary.c checks it, api/summaries.c writes them).  The words
 * before ':' are not reserved: the checker knows them.  AST_SUMMARIES:
 * a: the first 'for' (AST_NAME: name the variable, a the output list),
 * b: the second or NULL (the input list paired with it by position);
 * list: AST_FIELD_INIT(word, a the value), and for a criterion an
 * AST_FIELD_INIT named "criterion" with text its title, b its weight. */
summaries_decl
    : kw_summaries summaries_for summaries_items
                        { $$ = $3; $$->sp = @$; $$->a = $2->a; $$->b = $2->b; }
    ;

summaries_for
    : FOR IDENT IN expr { ast_node *v = named(c, AST_NAME, @$, $2, @2); v->a = $4;
                          $$ = N(AST_SUMMARIES, @$); $$->a = v; }
    | FOR IDENT IN expr ',' IDENT IN expr
                        { ast_node *v = named(c, AST_NAME, @2, $2, @2); v->a = $4;
                          ast_node *w = named(c, AST_NAME, @6, $6, @6); w->a = $8;
                          $$ = N(AST_SUMMARIES, @$); $$->a = v; $$->b = w; }
    ;

summaries_items
    : %empty            { $$ = N(AST_SUMMARIES, @$); }
    | summaries_items summaries_item { $$ = push(c, $1, $2); }
    ;

summaries_item
    : IDENT ':' expr    { $$ = named(c, AST_FIELD_INIT, @$, $1, @1); $$->a = $3; }
    | IDENT STRING IDENT expr ':' expr
                        { $$ = named(c, AST_FIELD_INIT, @$, $1, @1); $$->text = $2.s;
                          $$->len = $2.len; $$->b = $4; $$->a = $6;
                          if (strcmp($1.s, "criterion") != 0) {
                              diag_add(&c->diags, DIAG_ERROR, @1,
                                       "write criterion \"Title\" weight PATH: PATH",
                                       "syntax error: expected 'criterion' in summaries, "
                                       "found '%s'", $1.s);
                          }
                          if (strcmp($3.s, "weight") != 0) {
                              diag_add(&c->diags, DIAG_ERROR, @3,
                                       "write criterion \"Title\" weight PATH: PATH",
                                       "syntax error: expected 'weight' after the "
                                       "criterion's title, found '%s'", $3.s);
                          } }
    ;

/* The evaluation date of each record: what dated parameters and
 * definitions named without 'on' are read at. */
asof_decl
    : ASOF expr         { $$ = N(AST_ASOF, @$); $$->a = $2; }
    ;

params
    : %empty            { $$ = N(AST_DEF, @$); }
    | '(' ')'           { $$ = N(AST_DEF, @$); }
    | '(' param_list ')' { $$ = $2; }
    ;

param_list
    : param             { $$ = push(c, N(AST_DEF, @$), $1); }
    | param_list ',' param  { $$ = push(c, $1, $3); }
    ;

param
    : IDENT ':' type    { $$ = named(c, AST_PARAM_DECL, @$, $1, @1); $$->a = $3; }
    ;

def_decl
    : kw_definition IDENT params ':' type open_to cites '=' expr
                        { $$ = $3; $$->kind = AST_DEF; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->open = $6; $$->cite = $7; $$->b = $9; }
    | kw_definition IDENT params ':' type open_to cites '=' expr exceptions
                        { $$ = $3; $$->kind = AST_DEF; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->open = $6; $$->cite = $7; $$->b = $9;
                          $$->c = $10; }
    | kw_definition IDENT params ':' type open_to cites '=' exceptions
                        { $$ = $3; $$->kind = AST_DEF; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->open = $6; $$->cite = $7; $$->c = $9; }
    | kw_definition IDENT params ':' type open_to cites rows
                        { $$ = $3; $$->kind = AST_DEF; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->open = $6; $$->cite = $7;
                          $$->list2 = $8->list; }
    ;

/* A native function: typed like a definition, with the library it comes
 * from instead of a body.  Checked without the library; bound when a run
 * starts (runtime/ffi.c). */
extern_decl
    : kw_extern DEFINITION IDENT params ':' type FROM STRING cites
                        { $$ = $4; $$->kind = AST_EXTERN; $$->sp = @$; $$->name = $3.s;
                          $$->name_sp = @3; $$->a = $6; $$->b = lit(c, AST_TEXT, @8, $8);
                          $$->cite = $9; }
    ;

rule_decl
    : kw_rule IDENT params ':' type open_to cites '=' whens ELSE expr else_because cites
                        { $$ = $3; $$->kind = AST_RULE; $$->sp = @$; $$->name = $2.s;
                          $$->name_sp = @2; $$->a = $5; $$->open = $6; $$->cite = $7;
                          $$->list2 = $9->list; $$->c = $11; $$->b = $12;
                          $$->else_cite = $13; }
    ;

else_because
    : %empty            { $$ = NULL; }
    | BECAUSE expr      { $$ = $2; }
    ;

whens
    : when_arm          { $$ = push(c, N(AST_RULE, @$), $1); }
    | whens when_arm    { $$ = push(c, $1, $2); }
    ;

when_arm
    : WHEN cond THEN expr BECAUSE expr cites
                        { $$ = N(AST_WHEN, @$); $$->a = $2; $$->b = $4; $$->c = $6;
                          $$->cite = $7; }
    ;

input_decl
    : kw_input IDENT ':' IDENT KEYED BY IDENT
                        { $$ = named(c, AST_INPUT, @$, $2, @2); $$->text = $4.s;
                          $$->text2 = $7.s; }
    | kw_input IDENT ':' IDENT '.' IDENT KEYED BY IDENT
                        { $$ = named(c, AST_INPUT, @$, $2, @2); $$->text = $6.s;
                          $$->text3 = $4.s; $$->text2 = $9.s; }
    ;

output_decl
    : kw_output IDENT ':' type '=' expr
                        { $$ = named(c, AST_OUTPUT, @$, $2, @2); $$->a = $4; $$->b = $6; }
    ;

/* ---- expressions ------------------------------------------------------- */

cond
    : expr              { $$ = $1; }
    | expr IS SOME IDENT
                        { $$ = named(c, AST_SOME_COND, @$, $4, @4); $$->a = $1; }
    ;

expr
    : INT               { $$ = lit(c, AST_INT, @$, $1); }
    | DECIMAL           { $$ = lit(c, AST_DEC, @$, $1); }
    | MONEY             { $$ = lit(c, AST_MONEY, @$, $1); }
    | PERCENT           { $$ = lit(c, AST_PERCENT, @$, $1); }
    | STRING            { $$ = lit(c, AST_TEXT, @$, $1); }
    | DATE              { $$ = lit(c, AST_DATE, @$, $1); }
    | DATETIME          { $$ = lit(c, AST_DATETIME, @$, $1); }
    | DURATION          { $$ = lit(c, AST_DURATION, @$, $1); }
    | TRUE              { $$ = N(AST_BOOL, @$); $$->num = 1; }
    | FALSE             { $$ = N(AST_BOOL, @$); $$->num = 0; }
    | NONE              { $$ = N(AST_NONE, @$); }
    | IDENT             { $$ = named(c, AST_NAME, @$, $1, @1); }
    | expr '.' IDENT    { $$ = named(c, AST_GET, @$, $3, @3); $$->a = $1; }
    | expr '[' expr ']' { $$ = N(AST_INDEX, @$); $$->a = $1; $$->b = $3; }
    | IDENT '(' ')'     { $$ = named(c, AST_CALL, @$, $1, @1); }
    | IDENT '(' args ')' { $$ = $3; $$->kind = AST_CALL; $$->sp = @$; $$->name = $1.s;
                          $$->name_sp = @1; }
    | IDENT '(' comprehension ')'
                        { $$ = $3; $$->name = $1.s; $$->name_sp = @1; $$->sp = @$; }
    | expr '.' IDENT '(' ')'
                        { $$ = named(c, AST_CALL, @$, $3, @3); $$->c = $1; }
    | expr '.' IDENT '(' args ')'
                        { $$ = $5; $$->kind = AST_CALL; $$->sp = @$; $$->name = $3.s;
                          $$->name_sp = @3; $$->c = $1; }
    | expr '.' IDENT '{' inits comma '}'
                        { $$ = $5; $$->name = $3.s; $$->name_sp = @3; $$->sp = @$;
                          $$->c = $1; }
    | '[' ']'           { $$ = N(AST_LIST_LIT, @$); }
    | '[' exprs ']'     { $$ = $2; $$->sp = @$; }
    | '[' comprehension ']' { $$ = $2; $$->sp = @$; }
    | IDENT '{' inits comma '}'
                        { $$ = $3; $$->name = $1.s; $$->name_sp = @1; $$->sp = @$; }
    | IDENT '{' '}'     { $$ = named(c, AST_RECORD_LIT, @$, $1, @1); }
    | '(' expr ')'      { $$ = $2; }
    | '-' expr %prec UMINUS  { $$ = N(AST_UNARY, @$); $$->op = '-'; $$->a = $2; }
    | NOT expr          { $$ = N(AST_UNARY, @$); $$->op = NOT; $$->a = $2; }
    | expr '*' expr     { $$ = bin(c, '*', $1, $3, @$); }
    | expr '/' expr     { $$ = bin(c, '/', $1, $3, @$); }
    | expr '+' expr     { $$ = bin(c, '+', $1, $3, @$); }
    | expr '-' expr     { $$ = bin(c, '-', $1, $3, @$); }
    | expr '=' expr     { $$ = bin(c, '=', $1, $3, @$); }
    | expr NE expr      { $$ = bin(c, NE, $1, $3, @$); }
    | expr '<' expr     { $$ = bin(c, '<', $1, $3, @$); }
    | expr LE expr      { $$ = bin(c, LE, $1, $3, @$); }
    | expr '>' expr     { $$ = bin(c, '>', $1, $3, @$); }
    | expr GE expr      { $$ = bin(c, GE, $1, $3, @$); }
    | expr IS IN expr %prec IS { $$ = bin(c, IN, $1, $4, @$); }
    | expr AND expr     { $$ = bin(c, AND, $1, $3, @$); }
    | expr OR expr      { $$ = bin(c, OR, $1, $3, @$); }
    | expr OTHERWISE expr { $$ = bin(c, OTHERWISE, $1, $3, @$); }
    | expr ON expr      { $$ = N(AST_ON, @$); $$->a = $1; $$->b = $3; }
    | expr IS NONE      { $$ = N(AST_IS_NONE, @$); $$->a = $1; $$->op = 0; }
    | expr IS NOT NONE  { $$ = N(AST_IS_NONE, @$); $$->a = $1; $$->op = 1; }
    | IF cond THEN expr ELSE expr %prec LOWEST
                        { $$ = with(N(AST_IF, @$), $2, $4, $6); }
    | LET IDENT '=' expr IN expr %prec LOWEST
                        { $$ = named(c, AST_LET, @$, $2, @2); $$->a = $4; $$->b = $6; }
    | MATCH expr arms END
                        { $$ = $3; $$->sp = @$; $$->a = $2; }
    | MATCH expr arms ELSE expr END
                        { $$ = $3; $$->sp = @$; $$->a = $2; $$->c = $5; }
    | FAIL expr %prec LOWEST { $$ = N(AST_FAIL, @$); $$->a = $2; }
    ;

args
    : arg               { $$ = push(c, N(AST_CALL, @$), $1); }
    | args ',' arg      { $$ = push(c, $1, $3); }
    ;

arg
    : expr              { $$ = $1; }
    | IDENT IDENT       { $$ = named(c, AST_MODE, @$, $1, @1); $$->text = $2.s; }
    ;

exprs
    : expr              { $$ = push(c, N(AST_LIST_LIT, @$), $1); }
    | exprs ',' expr    { $$ = push(c, $1, $3); }
    ;

comprehension
    : expr FOR IDENT IN expr
                        { $$ = named(c, AST_COMPREH, @$, $3, @3); $$->name = NULL;
                          $$->text = $3.s; $$->a = $1; $$->b = $5; }
    | expr FOR IDENT AT IDENT IN expr
                        { $$ = named(c, AST_COMPREH, @$, $3, @3); $$->name = NULL;
                          $$->text = $3.s; $$->var2 = $5.s; $$->a = $1; $$->b = $7; }
    | comprehension WHERE expr
                        { $$ = $1; $$->c = $3; }
    | comprehension BY keys
                        { $$ = $1; $$->list2 = $3->list; }
    ;

keys
    : key               { $$ = push(c, N(AST_COMPREH, @$), $1); }
    | keys ',' key      { $$ = push(c, $1, $3); }
    ;

key
    : expr direction    { $$ = N(AST_SORT_KEY, @$); $$->a = $1; $$->op = (int16_t)$2; }
    ;

direction
    : %empty            { $$ = 0; }
    | ASCENDING         { $$ = 0; }
    | DESCENDING        { $$ = 1; }
    ;

arms
    : arm               { $$ = push(c, N(AST_MATCH, @$), $1); }
    | arms arm          { $$ = push(c, $1, $2); }
    ;

arm
    : WHEN patterns THEN expr
                        { $$ = $2; $$->sp = @$; $$->a = $4; }
    ;

patterns
    : pattern           { $$ = push(c, N(AST_ARM, @$), $1); }
    | patterns ',' pattern { $$ = push(c, $1, $3); }
    ;

pattern
    : IDENT             { $$ = named(c, AST_NAME, @$, $1, @1); }
    | NONE              { $$ = N(AST_NONE, @$); }
    | SOME IDENT        { $$ = named(c, AST_SOME_PAT, @$, $2, @2); }
    /* other(c): an open enum's unknown code, bound as text (text: the
     * word before the bracket, which the checker wants to be 'other') */
    | IDENT '(' IDENT ')'
                        { $$ = named(c, AST_SOME_PAT, @$, $3, @3); $$->text = $1.s;
                          $$->name_sp = @1; }
    ;

inits
    : init              { $$ = push(c, N(AST_RECORD_LIT, @$), $1); }
    | inits ',' init    { $$ = push(c, $1, $3); }
    ;

init
    : IDENT ':' expr    { $$ = named(c, AST_FIELD_INIT, @$, $1, @1); $$->a = $3; }
    ;

%%

/* Token names in the author's words, for "expected ..." lists. */
static const char *describe(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_IDENT: return "a name";
    case YYSYMBOL_INT: return "a whole number";
    case YYSYMBOL_DECIMAL: return "a number";
    case YYSYMBOL_MONEY: return "an amount of money";
    case YYSYMBOL_PERCENT: return "a percentage";
    case YYSYMBOL_STRING: return "a text in quotes";
    case YYSYMBOL_DATE: return "a date";
    case YYSYMBOL_DATETIME: return "a date and time";
    case YYSYMBOL_DURATION: return "a duration";
    case YYSYMBOL_YYEOF: return "the end of the file";
    default: return yysymbol_name(s);
    }
}

/* Words authors bring from other languages where a declaration starts,
 * and Tally's word for each. */
static const struct {
    const char *word;
    const char *tally;
    const char *form;
} wrong_words[] = {
    {"function", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"func", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"fun", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"fn", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"def", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"define", "definition", "definition NAME(PARAM: TYPE): TYPE = ..."},
    {"const", "definition", "definition NAME: TYPE = ..."},
    {"var", "definition", "definition NAME: TYPE = ..."},
    {"val", "definition", "definition NAME: TYPE = ..."},
    {"struct", "record", "record NAME { FIELD: TYPE ... }"},
    {"class", "record", "record NAME { FIELD: TYPE ... }"},
    {"enumeration", "enum", "enum NAME { MEMBER, ... }"},
    {"param", "parameter", "parameter NAME: TYPE = VALUE"},
    {"constant", "parameter", "parameter NAME: TYPE = VALUE"},
    {"use", "import", "import NAME (NAMES)"},
    {"include", "import", "import NAME (NAMES)"},
    {"require", "import", "import NAME (NAMES)"},
};

/* Edit distance of [a] ([alen] bytes) and [b], at most 3 (more: 3). */
static int near_word(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen > 20 || blen > 20 || (alen > blen ? alen - blen : blen - alen) > 2) {
        return 3;
    }
    int d[21][21];
    for (size_t i = 0; i <= alen; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= blen; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        for (size_t j = 1; j <= blen; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    }
    return d[alen][blen] < 3 ? d[alen][blen] : 3;
}

/* Where the text before span offset [off] ends: back over white space
 * and comments, so that a missing word is shown where it goes. */
static uint32_t end_before(const struct tly_comp *c, uint32_t off)
{
    size_t i = off - c->base;
    for (;;) {
        while (i > 0 && (c->src[i - 1] == ' ' || c->src[i - 1] == '\t' ||
                         c->src[i - 1] == '\n' || c->src[i - 1] == '\r')) {
            i--;
        }
        /* A comment ends the line: find its '#' outside text. */
        size_t ls = i;
        while (ls > 0 && c->src[ls - 1] != '\n') {
            ls--;
        }
        size_t hash = i;
        bool in_text = false;
        for (size_t k = ls; k < i; k++) {
            if (c->src[k] == '"' && (k == ls || c->src[k - 1] != '\\')) {
                in_text = !in_text;
            } else if (c->src[k] == '#' && !in_text) {
                hash = k;
                break;
            }
        }
        if (hash == i) {
            return c->base + (uint32_t)i;
        }
        i = hash;
    }
}

/* "line L, column C" of span offset [off], into [buf]. */
static void where_is(struct tly_comp *c, uint32_t off, char *buf, size_t size)
{
    uint32_t line, col;
    tly_position(c, off, NULL, &line, &col);
    snprintf(buf, size, "line %u, column %u", line, col);
}

static bool expects(const yysymbol_kind_t *expected, int n, yysymbol_kind_t s)
{
    for (int i = 0; i < n; i++) {
        if (expected[i] == s) {
            return true;
        }
    }
    return false;
}

/* A token that ends what came before it: a declaration's first word, the
 * end of the file, a closing bracket or a comma. */
static bool ends_expression(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_YYEOF: case YYSYMBOL_DEFINITION: case YYSYMBOL_RECORD:
    case YYSYMBOL_ENUM: case YYSYMBOL_PARAMETER: case YYSYMBOL_RULE:
    case YYSYMBOL_INPUT: case YYSYMBOL_OUTPUT: case YYSYMBOL_TYPE:
    case YYSYMBOL_POLICY: case YYSYMBOL_TABLE: case YYSYMBOL_FINDING:
    case YYSYMBOL_IMPORT: case YYSYMBOL_MODULE: case YYSYMBOL_AMEND:
    case YYSYMBOL_HOLIDAY: case YYSYMBOL_EXTERN: case YYSYMBOL_REFINE:
        return true;
    default:
        return s == YYTRANSLATE(')') || s == YYTRANSLATE(']') ||
               s == YYTRANSLATE('}') || s == YYTRANSLATE(',');
    }
}

static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner,
                                 struct tly_comp *c)
{
    (void)scanner;
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
    yysymbol_kind_t got = yypcontext_token(ctx);
    tly_span eof_loc;
    const tly_span *loc = yypcontext_location(ctx);
    if (c->quiet_at == (int64_t)loc->start) {
        return 0; /* the scanner reported the unclosed bracket */
    }
    if (got == YYSYMBOL_YYEOF) {
        /* Point just after the last thing written, not at white space. */
        size_t end = c->len;
        while (end > 0 && (c->src[end - 1] == ' ' || c->src[end - 1] == '\t' ||
                           c->src[end - 1] == '\n' || c->src[end - 1] == '\r')) {
            end--;
        }
        eof_loc.start = eof_loc.end = c->base + (uint32_t)end;
        loc = &eof_loc;
    }
    char near[48];
    if (got == YYSYMBOL_YYEOF) {
        snprintf(near, sizeof near, "at the end of the file");
    } else {
        uint32_t len = loc->end - loc->start;
        if (len > 30) {
            len = 30;
        }
        snprintf(near, sizeof near, "near '%.*s'", (int)len,
                 c->src + (loc->start - c->base));
    }
    /* A word from another language where a declaration starts. */
    if (expects(expected, n, YYSYMBOL_DEFINITION) &&
        (got == YYSYMBOL_IDENT || got == YYSYMBOL_LET)) {
        const char *w = c->src + (loc->start - c->base);
        size_t wl = loc->end - loc->start;
        if (got == YYSYMBOL_LET) {
            diag_add(&c->diags, DIAG_ERROR, *loc,
                     "write 'definition NAME: TYPE = VALUE'",
                     "syntax error %s: 'let' names a value inside an expression "
                     "('let x = ... in ...'); a declaration starts with "
                     "'definition'", near);
            return 0;
        }
        for (size_t i = 0; i < sizeof wrong_words / sizeof wrong_words[0]; i++) {
            if (strlen(wrong_words[i].word) == wl &&
                memcmp(wrong_words[i].word, w, wl) == 0) {
                char hint[120];
                snprintf(hint, sizeof hint, "write '%s'", wrong_words[i].form);
                diag_add(&c->diags, DIAG_ERROR, *loc, hint,
                         "syntax error %s: Tally writes '%s' here, not '%.*s'",
                         near, wrong_words[i].tally, (int)wl, w);
                return 0;
            }
        }
        /* A misspelt declaration word: say which was meant. */
        static const char *const decl_words[] = {
            "definition", "record", "enum", "parameter", "rule", "input",
            "output", "type", "policy", "table", "finding", "import",
            "module", "amend", "holiday", "extern", "refine"};
        for (size_t i = 0; i < sizeof decl_words / sizeof decl_words[0]; i++) {
            if (wl >= 3 && near_word(w, wl, decl_words[i]) <= (wl > 5 ? 2 : 1)) {
                char hint[80];
                snprintf(hint, sizeof hint, "did you mean '%s'?", decl_words[i]);
                diag_add(&c->diags, DIAG_ERROR, *loc, hint, "syntax error %s",
                         near);
                return 0;
            }
        }
    }
    /* A forgotten 'else': shown where it goes, after what came before. */
    if (expects(expected, n, YYSYMBOL_ELSE) && ends_expression(got)) {
        uint32_t at = end_before(c, got == YYSYMBOL_YYEOF ? c->base + (uint32_t)c->len
                                                           : loc->start);
        tly_span sp = {at, at};
        if (expects(expected, n, YYSYMBOL_WHEN)) {
            diag_add(&c->diags, DIAG_ERROR, sp,
                     "end the rule with 'else VALUE because \"...\"', for the "
                     "cases no 'when' arm takes",
                     "syntax error: the rule has no 'else' arm");
        } else {
            diag_add(&c->diags, DIAG_ERROR, sp,
                     "add 'else VALUE' here: an 'if' has a value either way",
                     "syntax error: 'if ... then ...' without 'else'");
        }
        return 0;
    }
    /* A missing closing bracket is the likeliest cause when one is
     * acceptable here: say so rather than list every operator.  The
     * hint says where the bracket left open is: the one [got] closed, if
     * it is a closing bracket of another kind, else the innermost. */
    /* A reserved word where a name was wanted.  Under parse.error custom
     * a keyword's symbol name is its spelling without quotes ("match"),
     * while the other tokens are upper case (IDENT) or, for the
     * end of input and errors, below YYSYMBOL_YYUNDEF's. */
    const char *gname = yysymbol_name(got);
    if (got > YYSYMBOL_YYUNDEF && gname[0] >= 'a' && gname[0] <= 'z') {
        for (int i = 0; i < n; i++) {
            if (expected[i] == YYSYMBOL_IDENT) {
                diag_add(&c->diags, DIAG_ERROR, *loc,
                         "choose another name; 'as \"...\"' keeps the name the data uses",
                         "syntax error %s: '%s' is a reserved word", near, gname);
                /* What follows the word (its ':') is no second error. */
                size_t at = loc->end - c->base;
                while (at < c->len && (c->src[at] == ' ' || c->src[at] == '\t')) {
                    at++;
                }
                c->quiet_at = (int64_t)(c->base + at);
                return 0;
            }
        }
    }
    /* Decision tables: the hit policy before the rows, a row per line. */
    for (int i = 0; i < n; i++) {
        if (expected[i] == YYSYMBOL_HIT && got == YYSYMBOL_ROW) {
            diag_add(&c->diags, DIAG_ERROR, *loc,
                     "write 'hit unique', 'hit first', 'hit priority', 'hit any' or "
                     "'hit collect' on the line before the rows",
                     "syntax error %s: a table names its hit policy before its rows", near);
            return 0;
        }
        if (expected[i] == YYSYMBOL_ROW && got == (yysymbol_kind_t)YYTRANSLATE('|')) {
            diag_add(&c->diags, DIAG_ERROR, *loc,
                     "start each row of a table on a line of its own",
                     "syntax error %s: a row has its entries, then '=>' and its "
                     "output", near);
            return 0;
        }
    }
    static const char *const closer_text[] = {"')'", "']'", "'}'"};
    for (size_t k = 0; n > 5 && k < sizeof closer_text / sizeof closer_text[0]; k++) {
        for (int i = 0; i < n; i++) {
            if (strcmp(yysymbol_name(expected[i]), closer_text[k]) == 0) {
                char hint[120] = "every opening bracket needs its closing one";
                bool closer = got == YYTRANSLATE(')') || got == YYTRANSLATE(']') ||
                              got == YYTRANSLATE('}');
                uint32_t open_at = 0;
                char open_ch = 0;
                if (closer && c->closed_ch) {
                    open_at = c->closed_at;
                    open_ch = c->closed_ch;
                } else if (!closer && c->nopen > 0 &&
                           c->nopen <= (int)(sizeof c->open / sizeof c->open[0])) {
                    open_at = c->open[c->nopen - 1];
                    open_ch = c->open_ch[c->nopen - 1];
                }
                if (open_ch == "([{"[k]) {
                    char w[48];
                    where_is(c, open_at, w, sizeof w);
                    snprintf(hint, sizeof hint, "close the '%c' opened at %s",
                             open_ch, w);
                }
                diag_add(&c->diags, DIAG_ERROR, *loc, hint,
                         "syntax error %s: expected %s", near, closer_text[k]);
                return 0;
            }
        }
    }
    if (n > 0 && n <= 5) {
        char exp[256] = "";
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
            int w = snprintf(exp + used, sizeof exp - used, "%s%s", sep,
                             describe(expected[i]));
            if (w < 0 || (size_t)w >= sizeof exp - used) {
                break;
            }
            used += (size_t)w;
        }
        diag_add(&c->diags, DIAG_ERROR, *loc, NULL,
                 "syntax error %s: expected %s", near, exp);
    } else if (got == YYSYMBOL_IN) {
        diag_add(&c->diags, DIAG_ERROR, *loc,
                 "membership is written 'x is in list'",
                 "syntax error %s", near);
    } else {
        diag_add(&c->diags, DIAG_ERROR, *loc, NULL, "syntax error %s", near);
    }
    return 0;
}

bool tly_parse(struct tly_comp *c)
{
    yyscan_t scanner;
    if (c->len > TLY_MAX_SOURCE) {
        tly_span all = {c->base, c->base};
        diag_add(&c->diags, DIAG_ERROR, all, NULL,
                 "policy is larger than %u bytes", TLY_MAX_SOURCE);
        return false;
    }
    c->pos = c->base;
    if (tly_yylex_init_extra(c, &scanner) != 0) {
        c->oom = true;
        return false;
    }
    /* flex reports a failed allocation of its buffer through
     * YY_FATAL_ERROR, which must not return: it jumps back here. */
    jmp_buf jb;
    YY_BUFFER_STATE volatile buf = NULL;
    c->lex_jmp = &jb;
    if (setjmp(jb) != 0) {
        c->lex_jmp = NULL;
        tly_yylex_destroy(scanner);
        c->oom = true;
        return false;
    }
    buf = tly_yy_scan_bytes(c->src, (int)c->len, scanner);
    if (!buf) {
        c->lex_jmp = NULL;
        tly_yylex_destroy(scanner);
        c->oom = true;
        return false;
    }
    int rc = tly_yyparse(scanner, c);
    c->lex_jmp = NULL;
    tly_yy_delete_buffer(buf, scanner);
    tly_yylex_destroy(scanner);
    if (rc == 2) {
        c->too_deep = true;
        diag_add(&c->diags, DIAG_ERROR, c->bison_at,
                 "split the expression with definitions",
                 "the policy is nested too deeply here");
    }
    return rc == 0 && c->diags.nerrors == 0 && !c->oom;
}
