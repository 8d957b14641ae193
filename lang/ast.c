/* lang/ast.c - AST node construction.
 *
 * Nodes and their lists live in the compilation's arena; nothing here
 * frees.  Kept tiny so that parser actions stay one line.
 */
#include "ast.h"

#include <string.h>

ast_node *ast_new(arena *a, ast_kind kind, tly_span sp)
{
    ast_node *n = arena_zalloc(a, sizeof *n);
    if (n) {
        n->kind = (uint16_t)kind;
        n->sp = sp;
        n->name_sp = sp;
        n->slot = -1;
    }
    return n;
}

bool ast_push(arena *a, ast_list *l, ast_node *n)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        ast_node **items = arena_alloc(a, cap * sizeof *items);
        if (!items) {
            return false;
        }
        if (l->count) {
            memcpy(items, l->items, l->count * sizeof *items);
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = n;
    return true;
}

const char *ast_kind_name(ast_kind kind)
{
    static const char *const names[AST_KIND_COUNT] = {
        "int", "decimal", "money", "percent", "text", "date", "datetime",
        "duration", "bool", "none", "name", "get", "index", "call", "mode",
        "unary", "binary", "is-none", "if", "some-cond", "match", "arm",
        "some-pattern", "let", "list", "comprehension", "sort-key", "record",
        "field-init", "on", "fail", "type", "list-type", "map-type",
        "optional-type", "range-type", "program", "policy", "enum", "member",
        "record-decl", "field-decl", "where", "unique", "omit", "check",
        "alias", "parameter", "row", "definition", "rule", "when", "param",
        "input", "output", "as-of", "exceptions", "unless", "cite", "extern",
        "import", "module", "holiday", "table", "hit", "table-row", "entry",
        "finding", "amend", "report", "summaries", "open", "refine", "test", "given", "with", "expect",
    };
    return kind < AST_KIND_COUNT ? names[kind] : "?";
}
