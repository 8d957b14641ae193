/* lang/module.c - the module loader: a policy's imports, read and parsed.
 *
 * tly_load parses the policy, then follows its imports depth first:
 * `import "path.tally"` relative to the importing file's directory,
 * `import NAME` through the library path, the installed standard library
 * (TALLY_STDLIB_DIR, set at build time) and last the copy compiled into
 * Tally (stdmods.h).  Each file is read once, by canonical path, however
 * many paths lead to it; each gets its own range of span offsets
 * (front.h), so a diagnostic anywhere names its file.  The files are then
 * ordered so that each comes after what it imports, which is the order
 * the checker needs.  Owns no state beyond the compilation: every text,
 * name and table is in the compilation's arena.
 */
#include "front.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stdmods.h"

/* All the text of one compilation, every module's included: the offsets
 * of spans are 32-bit, and four policies' worth is far past any real
 * set of modules. */
#define MAX_TOTAL_SOURCE (4 * (size_t)TLY_MAX_SOURCE)

static void error(tly_comp *c, tly_span sp, const char *hint, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

static void error(tly_comp *c, tly_span sp, const char *hint, const char *fmt,
                  ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(&c->diags, DIAG_ERROR, sp, hint, "%s", msg);
}

static char *copy_str(tly_comp *c, const char *s)
{
    char *d = arena_strndup(&c->arena, s, strlen(s));
    if (!d) {
        c->oom = true;
    }
    return d;
}

/* The directory of [path] ("." for a bare file name). */
static char *dir_of(tly_comp *c, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        return copy_str(c, ".");
    }
    if (slash == path) {
        return copy_str(c, "/");
    }
    char *d = arena_strndup(&c->arena, path, (size_t)(slash - path));
    if (!d) {
        c->oom = true;
    }
    return d;
}

/* [dir]/[rel], or [rel] alone when it is absolute or [dir] is ".". */
static char *join(tly_comp *c, const char *dir, const char *rel)
{
    if (rel[0] == '/' || strcmp(dir, ".") == 0) {
        return copy_str(c, rel);
    }
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = arena_alloc(&c->arena, n);
    if (!p) {
        c->oom = true;
        return NULL;
    }
    snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
             rel);
    return p;
}

/* The canonical path of [path] in the arena, or NULL (errno says why). */
static char *canonical(tly_comp *c, const char *path)
{
    char *r = realpath(path, NULL);
    if (!r) {
        return NULL;
    }
    char *d = copy_str(c, r);
    free(r);
    return d;
}

/* The file's name less its directory and ".tally". */
static char *stem(tly_comp *c, const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 6 && strcmp(b + n - 6, ".tally") == 0) {
        n -= 6;
    }
    char *s = arena_strndup(&c->arena, b, n);
    if (!s) {
        c->oom = true;
    }
    return s;
}

static int find_key(const tly_comp *c, const char *key)
{
    for (int i = 0; i < c->nfiles; i++) {
        if (strcmp(c->files[i]->key, key) == 0) {
            return i;
        }
    }
    return -1;
}

/* Appends a file of [len] bytes of [src] to the table, at the next free
 * offsets; -1 (with an error at [at]) when there is no room. */
static int add_file(tly_comp *c, tly_span at, const char *path,
                    const char *key, const char *src, size_t len)
{
    if (c->nfiles >= TLY_MAX_MODULES) {
        error(c, at, NULL, "more than %d files imported", TLY_MAX_MODULES);
        return -1;
    }
    uint32_t base = 0;
    if (c->nfiles) {
        const tly_file *last = c->files[c->nfiles - 1];
        size_t next = (size_t)last->base + last->len + 1;
        if (next + len > MAX_TOTAL_SOURCE) {
            error(c, at, NULL, "the policy and its modules are larger than %zu "
                  "bytes", MAX_TOTAL_SOURCE);
            return -1;
        }
        base = (uint32_t)next;
    }
    tly_file *f = arena_zalloc(&c->arena, sizeof *f);
    if (!f) {
        c->oom = true;
        return -1;
    }
    f->path = path;
    f->key = key;
    f->src = src;
    f->len = len;
    f->base = base;
    f->via_file = -1;
    f->index = c->nfiles;
    c->files[c->nfiles] = f;
    return c->nfiles++;
}

/* Parses file [i] with the compilation's parser, its spans offset by its
 * base; false if it has syntax errors. */
static bool parse_file(tly_comp *c, int i)
{
    tly_file *f = c->files[i];
    const char *src = c->src, *file = c->file;
    size_t len = c->len;
    ast_node *root = c->root;
    c->src = f->src;
    c->len = f->len;
    c->file = f->path;
    c->base = f->base;
    c->root = NULL;
    c->nopen = 0;
    c->quiet_at = -1;
    c->depth = 0;
    bool ok = tly_parse(c);
    f->root = c->root;
    c->src = src;
    c->len = len;
    c->file = file;
    c->base = 0;
    c->root = root;
    if (f->root && f->root->b) {
        f->name = f->root->b->name;
        f->version = f->root->b->text2;
    }
    return ok && f->root;
}

/* Reads the file at [path] into the arena; false with an error at [at]. */
static bool read_file(tly_comp *c, tly_span at, const char *path,
                      char **out, size_t *len)
{
    /* Not blocking: opening a FIFO for reading would wait for a writer
     * before fstat could tell it is no file. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        error(c, at, NULL, "cannot read '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error(c, at, NULL, "cannot read '%s': not a regular file", path);
        close(fd);
        return false;
    }
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        error(c, at, NULL, "cannot read '%s': %s", path, strerror(errno));
        close(fd);
        return false;
    }
    if ((uint64_t)st.st_size > TLY_MAX_SOURCE) {
        error(c, at, NULL, "'%s' is larger than %u bytes", path,
              TLY_MAX_SOURCE);
        fclose(fp);
        return false;
    }
    size_t n = (size_t)st.st_size;
    char *buf = arena_alloc(&c->arena, n + 1);
    if (!buf) {
        c->oom = true;
        fclose(fp);
        return false;
    }
    size_t got = fread(buf, 1, n, fp);
    bool bad = ferror(fp) != 0;
    fclose(fp);
    if (bad) {
        error(c, at, NULL, "cannot read '%s'", path);
        return false;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return true;
}

/* Adds and parses the file at [path] (canonical [key]) unless it is
 * there already; its index, or -1 after an error. */
static int open_path(tly_comp *c, tly_span at, const char *path,
                     const char *key)
{
    int j = find_key(c, key);
    if (j >= 0) {
        return j;
    }
    char *src;
    size_t len;
    if (!read_file(c, at, path, &src, &len)) {
        return -1;
    }
    j = add_file(c, at, path, key, src, len);
    if (j < 0) {
        return -1;
    }
    tly_file *f = c->files[j];
    f->dir = dir_of(c, path);
    f->name = stem(c, path);
    parse_file(c, j);
    return j;
}

/* The module [name] from the library path, the installed standard
 * library or the built-in copy; -1 after an error. */
static int open_library(tly_comp *c, ast_node *d)
{
    const char *name = d->name;
    size_t n = strlen(name) + 8;
    char *fname = arena_alloc(&c->arena, n);
    if (!fname) {
        c->oom = true;
        return -1;
    }
    snprintf(fname, n, "%s.tally", name);
    for (const char *const *dir = c->lib_path; dir && *dir; dir++) {
        char *path = join(c, *dir, fname);
        char *key = path ? canonical(c, path) : NULL;
        if (key) {
            return open_path(c, d->name_sp, path, key);
        }
    }
#ifdef TALLY_STDLIB_DIR
    {
        char *path = join(c, TALLY_STDLIB_DIR, fname);
        char *key = path ? canonical(c, path) : NULL;
        if (key) {
            return open_path(c, d->name_sp, path, key);
        }
    }
#endif
    if (!c->no_builtin_stdlib) {
        for (size_t i = 0; i < tly_nstdlib; i++) {
            if (strcmp(tly_stdlib[i].name, name) != 0) {
                continue;
            }
            size_t kn = strlen(name) + 8;
            char *key = arena_alloc(&c->arena, kn);
            size_t pn = strlen(fname) + 10;
            char *path = arena_alloc(&c->arena, pn);
            if (!key || !path) {
                c->oom = true;
                return -1;
            }
            snprintf(key, kn, "stdlib:%s", name);
            snprintf(path, pn, "<stdlib>/%s", fname);
            int j = find_key(c, key);
            if (j >= 0) {
                return j;
            }
            j = add_file(c, d->name_sp, path, key,
                         (const char *)tly_stdlib[i].text, tly_stdlib[i].len);
            if (j < 0) {
                return -1;
            }
            c->files[j]->builtin = true;
            c->files[j]->name = tly_stdlib[i].name;
            parse_file(c, j);
            return j;
        }
    }
    /* The nearest built-in name, for the hint. */
    const char *best = NULL;
    for (size_t i = 0; i < tly_nstdlib; i++) {
        const char *s = tly_stdlib[i].name;
        size_t common = 0;
        while (s[common] && s[common] == name[common]) {
            common++;
        }
        if (common >= 3 || (!best && tly_nstdlib == 1)) {
            best = s;
        }
    }
    char hint[200];
    if (best) {
        snprintf(hint, sizeof hint, "did you mean '%s'?", best);
    } else {
        snprintf(hint, sizeof hint,
                 "a council's own file is imported by its path: import \"%.100s.tally\"",
                 name);
    }
    error(c, d->name_sp, hint, "unknown module '%s'", name);
    return -1;
}

/* The file [d] of file [from] imports; -1 after an error. */
static int resolve(tly_comp *c, int from, ast_node *d)
{
    if (d->op == 0) {
        return open_library(c, d);
    }
    const tly_file *f = c->files[from];
    if (strlen(d->text) != d->len || d->len == 0) {
        error(c, d->name_sp, NULL, "not a file name");
        return -1;
    }
    if (!f->dir) {
        error(c, d->name_sp, NULL,
              "a standard-library module imports only other modules by name");
        return -1;
    }
    if (c->no_file_imports) {
        error(c, d->name_sp, "import modules by name, from the library path",
              "importing files is not allowed here");
        return -1;
    }
    char *path = join(c, f->dir, d->text);
    if (!path) {
        return -1;
    }
    char *key = canonical(c, path);
    if (!key) {
        if (c->oom) {
            return -1;
        }
        error(c, d->name_sp, NULL, "cannot read '%s': %s", path,
              strerror(errno));
        return -1;
    }
    int j = open_path(c, d->name_sp, path, key);
    if (j > 0) {
        c->files[j]->by_path = true;
    }
    return j;
}

/* Reports the import [d] of file [from] that closes a cycle back to file
 * [to], which is on the import stack. */
static void cycle(tly_comp *c, int from, int to, ast_node *d)
{
    char msg[400], hint[400];
    size_t m = 0, h = 0;
    m += (size_t)snprintf(msg, sizeof msg, "import cycle: %s imports %s",
                          c->files[from]->path, c->files[to]->path);
    /* The stack from [to] up to [from], each entry imported by the one
     * before through its via. */
    int chain[TLY_MAX_MODULES];
    int n = 0;
    for (int k = from; k >= 0 && k != to && n < TLY_MAX_MODULES;
         k = c->files[k]->via_file) {
        chain[n++] = k;
    }
    hint[0] = '\0';
    for (int i = n - 1; i >= 0; i--) {
        const tly_file *g = c->files[chain[i]];
        if (m < sizeof msg) {
            m += (size_t)snprintf(msg + m, sizeof msg - m, ", which imports %s",
                                  g->path);
        }
        const tly_file *at;
        uint32_t line, col;
        tly_position(c, g->via.start, &at, &line, &col);
        if (h < sizeof hint) {
            h += (size_t)snprintf(hint + h, sizeof hint - h,
                                  "%s%s:%u:%u imports %s",
                                  i == n - 1 ? "" : "; ", at->path, line, col,
                                  g->path);
        }
    }
    if (h < sizeof hint) {
        snprintf(hint + h, sizeof hint - h,
                 "%sa module cannot import itself, directly or through others",
                 n ? "; " : "");
    }
    error(c, d->sp, hint, "%s", msg);
}

/* Loads what file [i] imports, depth first, then places [i] in the order. */
static void visit(tly_comp *c, int i)
{
    tly_file *f = c->files[i];
    f->state = 1;
    ast_node *root = f->root;
    for (uint32_t k = 0; root && k < root->list.count && !c->oom; k++) {
        ast_node *d = root->list.items[k];
        if (d->kind != AST_IMPORT) {
            continue;
        }
        d->num = -1;
        int j = resolve(c, i, d);
        if (j < 0) {
            continue;
        }
        d->num = j;
        tly_file *g = c->files[j];
        if (g->state == 1) {
            cycle(c, i, j, d);
            d->num = -1;
        } else if (g->state == 0) {
            g->via = d->sp;
            g->via_file = i;
            visit(c, j);
        }
    }
    f->state = 2;
    c->order[c->norder++] = i;
}

/* A module imported by another reads no data of its own and writes no
 * result: what it needs comes in as arguments. */
static void library_rules(tly_comp *c, int i)
{
    ast_node *root = c->files[i]->root;
    for (uint32_t k = 0; root && k < root->list.count; k++) {
        ast_node *d = root->list.items[k];
        if (d->kind == AST_INPUT || d->kind == AST_OUTPUT) {
            error(c, d->sp,
                  "a module's definitions take what they need as arguments; "
                  "the policy importing it declares the input and output",
                  "an imported module cannot declare an %s",
                  d->kind == AST_INPUT ? "input" : "output");
        }
    }
}

/* Reads the test file c->tests_path after every module, and moves its
 * tests into the policy's declarations, where they are checked in the
 * policy's scope.  Besides tests it may only import the policy. */
static void add_tests(tly_comp *c)
{
    tly_span none = {0, 0};
    char *key = canonical(c, c->tests_path);
    if (!key) {
        if (!c->oom) {
            error(c, none, NULL, "cannot read '%s': %s", c->tests_path,
                  strerror(errno));
        }
        return;
    }
    if (find_key(c, key) >= 0) {
        error(c, none, NULL, "'%s' is the policy or one of its modules, not "
              "a test file", c->tests_path);
        return;
    }
    char *src;
    size_t len;
    if (!read_file(c, none, c->tests_path, &src, &len)) {
        return;
    }
    int j = add_file(c, none, c->tests_path, key, src, len);
    if (j < 0) {
        return;
    }
    tly_file *f = c->files[j];
    f->dir = dir_of(c, c->tests_path);
    f->state = 2;
    c->tests_file = j;
    if (!parse_file(c, j)) {
        return;
    }
    ast_node *root = c->files[0]->root;
    for (uint32_t k = 0; k < f->root->list.count; k++) {
        ast_node *d = f->root->list.items[k];
        if (d->kind == AST_TEST) {
            if (!ast_push(&c->arena, &root->list, d)) {
                c->oom = true;
                return;
            }
            continue;
        }
        if (d->kind == AST_IMPORT && d->op == 1 && f->dir &&
            strlen(d->text) == d->len) {
            char *path = join(c, f->dir, d->text);
            char *ikey = path ? canonical(c, path) : NULL;
            if (ikey && strcmp(ikey, c->files[0]->key) == 0) {
                continue;
            }
        }
        error(c, d->sp, "keep declarations in the policy; a test file imports "
              "it and holds tests", "a test file holds only tests and the "
              "import of the policy it tests");
    }
    if (f->root->a || f->root->b) {
        error(c, (f->root->a ? f->root->a : f->root->b)->sp, NULL,
              "a test file has no policy or module header");
    }
}

bool tly_load(tly_comp *c)
{
    c->files = arena_zalloc(&c->arena, TLY_MAX_MODULES * sizeof *c->files);
    c->order = arena_zalloc(&c->arena, TLY_MAX_MODULES * sizeof *c->order);
    if (!c->files || !c->order) {
        c->oom = true;
        return false;
    }
    tly_span none = {0, 0};
    char *key = canonical(c, c->file);
    if (!key) {
        key = copy_str(c, "<policy>");
    }
    const char *path = c->file;
    if (!key || add_file(c, none, path, key, c->src, c->len) != 0) {
        c->oom = true;
        return false;
    }
    tly_file *root = c->files[0];
    root->dir = c->base_dir ? copy_str(c, c->base_dir) : dir_of(c, c->file);
    c->base = 0;
    bool ok = tly_parse(c);
    root->root = c->root;
    if (c->root && c->root->b) {
        root->name = c->root->b->name;
        root->version = c->root->b->text2;
    }
    if (!ok || !c->root) {
        return false;
    }
    visit(c, 0);
    for (int i = 1; i < c->nfiles; i++) {
        library_rules(c, i);
    }
    if (c->tests_path && c->diags.nerrors == 0 && !c->oom) {
        add_tests(c);
    }
    return c->diags.nerrors == 0 && !c->oom;
}
