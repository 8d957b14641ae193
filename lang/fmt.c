/* lang/fmt.c - `tally fmt`: a policy in the canonical layout.
 *
 * Token-driven: the policy is parsed (a policy that does not parse is not
 * formatted) and scanned with the real scanner; the output is its tokens
 * again, in order, with the spaces between them rewritten and the
 * comments (which the scanner drops) taken from the gaps between tokens.
 * The author's line breaks are kept; what is canonical is
 *  - a declaration of the program starts at column 0, and the lines of a
 *    declaration keep their indentation relative to its first line;
 *  - one space, or none, between two tokens on a line, by the pair (none
 *    inside brackets and before ',', ':' and '.', one around '=' and the
 *    comparisons, ...); a pair the rules do not name keeps a space if it
 *    had one.  In a table row, runs of two or more spaces are kept (they
 *    align the columns);
 *  - a comment after code keeps its column when the code ends before it,
 *    else stands two spaces after it; a comment line is indented like
 *    the code line after it; trailing white space, CR, and blank lines
 *    beyond one in a row go; the text ends with one newline.
 * New syntax needs nothing here: declarations are found from the AST,
 * and unknown tokens take the default spacing.
 *
 * Meaning is never changed: the output is scanned again and must give
 * the same tokens as the input (white space inside a token such as
 * "3   days" or "as\nof" reduced to one space).  If the spacing rules ever
 * glued or split a token, the layout is redone keeping every original
 * space, which cannot; if even that differs, it is an internal error.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "parser.h"
#include "lexer.h"

typedef struct fmt_tok {
    int kind;       /* the scanner's token number, or a character */
    uint32_t start; /* byte offsets in the text scanned */
    uint32_t end;
} fmt_tok;

typedef struct tok_list {
    fmt_tok *items; /* arena */
    size_t count;
    size_t cap;
} tok_list;

static bool tok_push(arena *a, tok_list *l, fmt_tok t)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        fmt_tok *n = arena_alloc(a, cap * sizeof *n);
        if (!n) {
            return false;
        }
        if (l->count) {
            memcpy(n, l->items, l->count * sizeof *n);
        }
        l->items = n;
        l->cap = cap;
    }
    l->items[l->count++] = t;
    return true;
}

/* Scans [c]'s text into [out] (the arena's).  False out of memory. */
static bool scan_all(tly_comp *c, tok_list *out)
{
    yyscan_t scanner;
    c->pos = c->base;
    if (tly_yylex_init_extra(c, &scanner) != 0) {
        c->oom = true;
        return false;
    }
    jmp_buf jb;
    YY_BUFFER_STATE volatile buf = NULL;
    /* Every way out of this function sets it back to NULL. */
    // cppcheck-suppress autoVariables
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
    bool ok = true;
    for (;;) {
        TLY_YYSTYPE v;
        tly_span sp;
        int k = tly_yylex(&v, &sp, scanner);
        if (k <= 0) {
            break;
        }
        fmt_tok t = {k, sp.start - c->base, sp.end - c->base};
        if (!tok_push(&c->arena, out, t)) {
            ok = false;
            c->oom = true;
            break;
        }
    }
    c->lex_jmp = NULL;
    tly_yy_delete_buffer(buf, scanner);
    tly_yylex_destroy(scanner);
    return ok && !c->oom;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Characters (not bytes: '£' is one) in [s, s + len). */
static size_t width(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* A token's text with every run of white space in it as one space. */
static void put_token(strbuf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (is_space(s[i])) {
            while (i + 1 < len && is_space(s[i + 1])) {
                i++;
            }
            sb_putc(b, ' ');
        } else {
            sb_putc(b, s[i]);
        }
    }
}

static bool same_tokens(const char *a, const tok_list *ta, const char *b,
                        const tok_list *tb)
{
    if (ta->count != tb->count) {
        return false;
    }
    for (size_t i = 0; i < ta->count; i++) {
        const fmt_tok *x = &ta->items[i], *y = &tb->items[i];
        if (x->kind != y->kind) {
            return false;
        }
        /* Compare with white space runs as one space. */
        size_t p = x->start, q = y->start;
        while (p < x->end && q < y->end) {
            if (is_space(a[p]) && is_space(b[q])) {
                while (p < x->end && is_space(a[p])) p++;
                while (q < y->end && is_space(b[q])) q++;
                continue;
            }
            if (a[p] != b[q]) {
                return false;
            }
            p++;
            q++;
        }
        if (p != x->end || q != y->end) {
            return false;
        }
    }
    return true;
}

static bool ends_value(int k)
{
    return k == IDENT || k == INT || k == DECIMAL || k == MONEY ||
           k == PERCENT || k == STRING || k == DATE || k == DATETIME ||
           k == DURATION || k == ')' || k == ']';
}

/* The space between tokens [a] and [b] on one line, which had [gap]
 * white space characters between them: 0 or 1 (or [gap] itself, kept in
 * a table row).  [keep]: the fallback, every space as it was. */
static size_t spacing(int a, int b, size_t gap, bool row, bool keep)
{
    size_t had = gap ? 1 : 0;
    if (row && gap >= 2) {
        return gap;
    }
    if (keep) {
        return had;
    }
    if (b == ',' || b == ')' || b == ']' || b == ':' || b == '.' ||
        a == '(' || a == '[' || a == '.') {
        return 0;
    }
    if (a == ',' || a == ':') {
        return 1;
    }
    if (a == '-') {
        return had;
    }
    if (b == '(') {
        return a == IDENT || a == ')' || a == ']' ? had : 1;
    }
    if (b == '[') {
        return ends_value(a) ? had : 1;
    }
    if (a == '{' || b == '}' || a == DOTDOT || b == DOTDOT || b == '-') {
        return had;
    }
    return 1;
}

typedef struct layout {
    tly_comp *c;
    const char *src;
    size_t len;
    const tok_list *toks;
    const uint32_t *heads; /* sorted starts of the program's declarations */
    size_t nheads;
    bool keep;             /* spacing: the fallback */
    strbuf *out;
    size_t col;            /* characters on the output's current line */
} layout;

static bool is_head(const layout *L, uint32_t at)
{
    size_t lo = 0, hi = L->nheads;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->heads[mid] == at) {
            return true;
        }
        if (L->heads[mid] < at) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* Indentation of the source line holding [at], tabs to multiples of 8. */
static size_t old_indent(const layout *L, size_t at)
{
    size_t s = at;
    while (s > 0 && L->src[s - 1] != '\n') {
        s--;
    }
    size_t n = 0;
    for (; s < at && (L->src[s] == ' ' || L->src[s] == '\t'); s++) {
        n = L->src[s] == '\t' ? (n / 8 + 1) * 8 : n + 1;
    }
    return n;
}

/* Column (characters) of [at] in its source line. */
static size_t old_col(const layout *L, size_t at)
{
    size_t s = at;
    while (s > 0 && L->src[s - 1] != '\n') {
        s--;
    }
    return width(L->src + s, at - s);
}

static void put_spaces(layout *L, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sb_putc(L->out, ' ');
    }
    L->col += n;
}

/* A comment, as written. */
static void put_raw(layout *L, const char *s, size_t len)
{
    sb_put(L->out, s, len);
    L->col += width(s, len);
}

static void put_text(layout *L, const char *s, size_t len)
{
    size_t before = L->out->len;
    put_token(L->out, s, len);
    L->col += width(L->out->p ? L->out->p + before : "", L->out->len - before);
}

/* Ends the output's current line (trailing spaces are never written) and
 * writes [blank] (0 or 1) empty lines; none before the first line. */
static void new_line(layout *L, int blank)
{
    if (L->out->len == 0) {
        return;
    }
    sb_putc(L->out, '\n');
    if (blank) {
        sb_putc(L->out, '\n');
    }
    L->col = 0;
}

/* A comment in a gap: [s, s + len) from '#' to the end of its line, less
 * trailing white space. */
typedef struct gap_comment {
    size_t start;
    size_t len;
    int newlines; /* newlines between what came before and it */
} gap_comment;

/* Writes the gap [from, to) of the source, before token [next] (NULL at
 * the end): its comments, the line breaks, and the next token's
 * indentation or the space before it.  [prev] is the token before the
 * gap (NULL at the start); [delta] the current declaration's shift;
 * [row]: the line is a table row. */
static void put_gap(layout *L, size_t from, size_t to, const fmt_tok *prev,
                    const fmt_tok *next, long *delta, int depth, bool *row)
{
    size_t cap = 0;
    for (size_t i = from; i < to; i++) {
        if (L->src[i] == '#') {
            cap++;
            while (i < to && L->src[i] != '\n') {
                i++;
            }
        }
    }
    gap_comment *cm = NULL;
    if (cap) {
        cm = arena_alloc(&L->c->arena, cap * sizeof *cm);
        if (!cm) {
            L->c->oom = true;
            L->out->failed = true;
            return;
        }
    }
    size_t ncm = 0;
    int nl = 0, trailing_nl = 0;
    for (size_t i = from; i < to; i++) {
        char ch = L->src[i];
        if (ch == '\n') {
            nl++;
            trailing_nl++;
            continue;
        }
        if (ch != '#') {
            continue;
        }
        size_t e = i;
        while (e < to && L->src[e] != '\n') {
            e++;
        }
        size_t n = e - i;
        while (n > 0 && is_space(L->src[i + n - 1])) {
            n--;
        }
        cm[ncm].start = i;
        cm[ncm].len = n;
        cm[ncm].newlines = trailing_nl;
        ncm++;
        trailing_nl = 0;
        i = e - 1;
    }
    /* The next line's shift: a declaration's first line goes to column 0. */
    long next_delta = *delta;
    size_t indent = 0;
    bool breaks = next && (nl > 0 || L->out->len == 0);
    if (next && breaks) {
        size_t old = old_indent(L, next->start);
        if (depth == 0 && is_head(L, next->start)) {
            next_delta = -(long)old;
        }
        long want = (long)old + next_delta;
        indent = want > 0 ? (size_t)want : 0;
    }
    for (size_t k = 0; k < ncm; k++) {
        size_t at = cm[k].start;
        if (cm[k].newlines == 0 && prev && L->out->len > 0) {
            /* After code on its line: keep its column if it can. */
            size_t want = old_col(L, at);
            put_spaces(L, want >= L->col + 2 ? want - L->col : 2);
        } else {
            new_line(L, cm[k].newlines > 1);
            long want = (long)old_indent(L, at) + (next ? next_delta : 0);
            put_spaces(L, want > 0 ? (size_t)want : 0);
        }
        put_raw(L, L->src + at, cm[k].len);
    }
    *delta = next_delta;
    if (!next) {
        if (L->out->len) {
            sb_putc(L->out, '\n');
        }
        return;
    }
    if (breaks) {
        new_line(L, trailing_nl > 1 && L->out->len > 0);
        put_spaces(L, indent);
        *row = next->kind == ROW;
        return;
    }
    put_spaces(L, spacing(prev->kind, next->kind, to - from, *row, L->keep));
}

static void lay_out(layout *L)
{
    const tok_list *t = L->toks;
    long delta = 0;
    int depth = 0;
    bool row = false;
    size_t at = 0;
    for (size_t i = 0; i < t->count; i++) {
        const fmt_tok *k = &t->items[i];
        put_gap(L, at, k->start, i ? &t->items[i - 1] : NULL, k, &delta,
                depth, &row);
        put_text(L, L->src + k->start, k->end - k->start);
        if (k->kind == '(' || k->kind == '[' || k->kind == '{') {
            depth++;
        } else if ((k->kind == ')' || k->kind == ']' || k->kind == '}') &&
                   depth > 0) {
            depth--;
        }
        at = k->end;
    }
    put_gap(L, at, L->len, t->count ? &t->items[t->count - 1] : NULL, NULL,
            &delta, depth, &row);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Scans [out] again into [toks] with a scratch compilation. */
static bool rescan(tly_comp *c, const strbuf *out, tok_list *toks,
                   bool *oom)
{
    tly_comp r;
    tly_comp_init(&r, c->mem, c->file, out->p ? out->p : "", out->len);
    tok_list mine = {0};
    bool ok = scan_all(&r, &mine);
    *oom = r.oom;
    /* Copy into c's arena: r's goes now. */
    if (ok) {
        for (size_t i = 0; i < mine.count && ok; i++) {
            ok = tok_push(&c->arena, toks, mine.items[i]);
        }
        *oom = !ok;
    }
    ok = ok && r.diags.nerrors == 0;
    tly_comp_free(&r);
    return ok;
}

bool tly_format(tly_comp *c, strbuf *out)
{
    if (!tly_parse(c)) {
        return false;
    }
    tok_list toks = {0};
    if (!scan_all(c, &toks)) {
        return false;
    }
    /* The program's declarations, by where they start. */
    const ast_node *prog = c->root;
    size_t n = prog->list.count + 2;
    uint32_t *heads = arena_alloc(&c->arena, n * sizeof *heads);
    if (!heads) {
        c->oom = true;
        return false;
    }
    size_t nh = 0;
    for (size_t i = 0; i < prog->list.count; i++) {
        heads[nh++] = prog->list.items[i]->sp.start - c->base;
    }
    if (prog->a) {
        heads[nh++] = prog->a->sp.start - c->base;
    }
    if (prog->b) {
        heads[nh++] = prog->b->sp.start - c->base;
    }
    qsort(heads, nh, sizeof *heads, cmp_u32);
    for (int pass = 0; pass < 2; pass++) {
        sb_clear(out);
        layout L = {c, c->src, c->len, &toks, heads, nh, pass == 1, out, 0};
        lay_out(&L);
        if (out->failed) {
            c->oom = true;
            return false;
        }
        tok_list again = {0};
        bool oom = false;
        bool ok = rescan(c, out, &again, &oom);
        if (oom) {
            c->oom = true;
            return false;
        }
        if (ok && same_tokens(c->src, &toks, out->p ? out->p : "", &again)) {
            return true;
        }
    }
    tly_span all = {c->base, c->base};
    diag_add(&c->diags, DIAG_ERROR, all,
             "please report this policy: the formatter would change its tokens",
             "internal error: the policy cannot be formatted");
    c->internal = true;
    return false;
}
