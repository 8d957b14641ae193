/* lang/front.h - one compilation: source, arena, diagnostics, AST.
 *
 * A tly_comp is the context every front-end pass receives explicitly (no
 * global state).  All its memory is in [arena], freed by tly_comp_free in
 * one call, whatever state an error left the passes in.
 */
#ifndef TALLY_LANG_FRONT_H
#define TALLY_LANG_FRONT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "bytecode.h"
#include "diag.h"
#include "mem.h"

/* Limits on policy text, each with the reason for its number. */
#define TLY_MAX_SOURCE (16u << 20) /* 16 MiB: far beyond any real policy */
#define TLY_MAX_NESTING 200        /* parser depth: keeps bison's stack small */

typedef struct tly_comp {
    mem_ctx *mem;     /* borrowed */
    arena arena;      /* owns the AST, types, symbols and messages */
    const char *file; /* borrowed: the name used in messages */
    const char *src;  /* borrowed: the policy text */
    size_t len;
    diag_list diags;
    ast_node *root; /* AST_PROGRAM after parsing; NULL if it failed */
    size_t pos;     /* scanner: byte offset of the next token */
    uint32_t open[64]; /* scanner: offsets of unclosed brackets */
    char open_ch[64];  /* scanner: which bracket each is */
    int nopen;
    int64_t quiet_at;  /* parser: skip a syntax error at this offset (the
                          scanner already explained it), or -1 */
    int depth;      /* current nesting, checked against TLY_MAX_NESTING */
    void *checked;  /* the checker's results (check.h), arena */
    ast_node oom_node; /* parser: stands in for a node that could not be
                          allocated, so actions may write into it; the
                          parse is abandoned (oom) */
    jmp_buf *lex_jmp;  /* scanner: where a failed buffer allocation in
                          flex's set-up jumps back to (tly_parse) */
    bool too_deep;  /* the parser's nesting limit was hit */
    tly_span bison_at; /* parser: where bison gave up (yyerror) */
    bool plain;     /* tly_compile: none of the optional rewrites (LOAD
                       FIELD fusion, inlining, jump threading, conditions
                       as branches); the policy fuzzer compares the two
                       programs' results */
    bool oom;       /* an allocation failed; the pass gave up */
} tly_comp;

void tly_comp_init(tly_comp *c, mem_ctx *mem, const char *file,
                   const char *src, size_t len);
void tly_comp_free(tly_comp *c);

/* Parses c->src into c->root, adding every syntax error to c->diags.
 * Returns true when there were no errors. */
bool tly_parse(tly_comp *c);

/* Resolves names and checks types of c->root; true when there were no
 * errors. */
bool tly_check(tly_comp *c);

/* Compiles the checked c->root into a new program; NULL on failure (a
 * diagnostic says why). */
bc_program *tly_compile(tly_comp *c);

#endif
