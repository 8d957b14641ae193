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
#define TLY_MAX_MODULES 256        /* files in one compilation: a council's
                                      policy imports a handful; bounds the
                                      loader's recursion and a hostile tree */

/* One source file of a compilation: the policy (files[0]) or a module it
 * imports, directly or not.  Every span of the compilation is an offset
 * in one space: file f's bytes are at [f->base, f->base + f->len], the
 * files in the order they were read, one byte apart so an end-of-file
 * span belongs to one file only. */
typedef struct tly_file {
    const char *path;    /* arena: the name used in messages */
    const char *key;     /* arena: canonical path, or "stdlib:NAME" for the
                            copy built into Tally; one file, one key */
    const char *dir;     /* arena: where its "path" imports are resolved,
                            or NULL (a built-in module imports none) */
    const char *src;     /* borrowed (files[0]) or arena */
    size_t len;
    uint32_t base;       /* offset of src[0] in spans */
    const char *name;    /* arena: the module's name, or NULL (the policy) */
    const char *version; /* arena: from its module header, or NULL */
    bool builtin;        /* the copy compiled into Tally */
    bool by_path;        /* a user module: some `import "PATH"` reached it
                            (not the policy, a test file, or a module
                            only imported by name from the library) */
    int index;           /* in files[] */
    ast_node *root;      /* AST_PROGRAM, or NULL if it failed to parse */
    int state;           /* loader: 0 unvisited, 1 on the import stack, 2
                            done */
    tly_span via;        /* loader: the import that put it on the stack */
    int via_file;        /* loader: the file holding [via] */
    diag_map map;        /* line map, built on first use (tly_position) */
    bool has_map;
} tly_file;

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
    uint32_t closed_at; /* scanner: the opening bracket the last closing
                           one matched (or popped, when of another kind) */
    char closed_ch;
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
    bool internal;  /* a pass caught a bug of its own (the error says
                       which): TALLY_EINTERNAL, not a policy error */
    /* Modules (lang/module.c).  nfiles == 0: one file, c->src, as before
     * imports existed (the unit tests' compilations). */
    tly_file **files;  /* arena */
    int nfiles;
    int *order;        /* arena: file indexes, each after its imports; the
                          policy last */
    int norder;
    uint32_t base;     /* scanner: the offset of the text being parsed */
    const char *base_dir;         /* borrowed: where the policy's "path"
                                     imports are resolved; NULL: its
                                     file's directory */
    const char *const *lib_path;  /* borrowed, NULL-terminated, or NULL:
                                     directories searched for `import
                                     NAME` before the installed and
                                     built-in standard library */
    bool no_builtin_stdlib;       /* only lib_path and the installed copy */
    bool no_file_imports;         /* `import "PATH"` is refused */
    tly_file solo;     /* tly_file_at's answer without a file table */
    const char *tests_path; /* borrowed, or NULL: a test file (tally test)
                               whose tests tly_load adds to the policy's
                               declarations, its spans its own (the file
                               after the policy's modules) */
    int tests_file;    /* tly_load: the test file's index, or -1 */
    bool coverage;     /* tly_compile: emit a COVER instruction at each
                          rule arm, branch, case, exception and table row
                          (tally test --coverage); bc_program.probes names
                          them */
    bool coverage_stdlib; /* with coverage: points in the modules imported
                             by name (the standard library, --lib-path)
                             too; without it, only in the policy and the
                             user modules (tly_file.by_path) */
    bool trace;        /* tly_compile: a program for derivation traces
                          (tally explain): coverage points at every arm,
                          TRACE_* instructions at each function's entry
                          and return, field read and record literal, no
                          memo flags; bc_program.traced */
} tly_comp;

void tly_comp_init(tly_comp *c, mem_ctx *mem, const char *file,
                   const char *src, size_t len);
void tly_comp_free(tly_comp *c);

/* Parses c->src into c->root, adding every syntax error to c->diags.
 * Returns true when there were no errors. */
bool tly_parse(tly_comp *c);

/* Parses c->src as tly_parse does, then reads, parses and orders every
 * module it imports (lang/module.c): files named by path relative to the
 * importing file, standard-library modules by name through c->lib_path,
 * the installed copy, then the built-in one.  An import cycle, an
 * unknown module, an unreadable file or a module declaring an input or
 * output is an error at the import.  With c->tests_path, then reads that
 * test file and adds its tests to the policy's declarations: it may hold
 * only tests and imports of the policy itself.  True when all parsed. */
bool tly_load(tly_comp *c);

/* The file holding span offset [off]: files[0]'s stand-in (path c->file,
 * text c->src) when there is no file table.  Never NULL. */
const tly_file *tly_file_at(tly_comp *c, uint32_t off);

/* The file, 1-based line and character column of span offset [off]. */
void tly_position(tly_comp *c, uint32_t off, const tly_file **file,
                  uint32_t *line, uint32_t *col);

/* The bytes at span offset [off] (inside some file's text). */
const char *tly_text_at(tly_comp *c, uint32_t off);

/* Writes c->src in the canonical layout (lang/fmt.c) to [out] (cleared
 * first).  False when it does not parse (its syntax errors in c->diags),
 * out of memory (c->oom), or if the layout would change its tokens (an
 * internal error, in c->diags). */
bool tly_format(tly_comp *c, strbuf *out);

/* Resolves names and checks types of c->root; true when there were no
 * errors. */
bool tly_check(tly_comp *c);

/* Drops every warning of c->diags silenced by a comment `# tally: allow
 * NAME because "reason"` on its line or in the comment lines just above
 * (lang/lint.c); a silencing comment without a reason silences nothing
 * and the warning's hint says so. */
void lint_allow(tly_comp *c);

/* The reason of a coverage exclusion `# tally: nocover because "reason"`
 * on the line of span offset [off] or in the comment lines just above
 * (lang/lint.c), as written between the quotes, in c->arena; NULL when
 * there is none (or one without a reason). */
const char *lint_nocover(tly_comp *c, uint32_t off);

/* Adds an error at each `# tally: nocover` of the policy and its
 * user-written modules that gives no reason. */
void lint_nocover_check(tly_comp *c);

/* Compiles the checked c->root into a new program; NULL on failure (a
 * diagnostic says why). */
bc_program *tly_compile(tly_comp *c);

#endif
