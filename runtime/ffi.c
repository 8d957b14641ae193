/* runtime/ffi.c - native functions through libffi.
 *
 * Owns the run's table of bound extern definitions and the libraries it
 * loaded.  Binding trusts nothing the program says: a library is opened
 * only when the run's allow-list names it, only once its manifest has
 * been found, and a declaration is bound only when the manifest's entry
 * has exactly its signature.  Every native function has the one shape of
 * tally_native_fn, so one libffi call interface, prepared at bind time
 * and then only read, serves every call on every thread.  Results are
 * untrusted: a boolean must be 0 or 1, a date in range, a decimal exact
 * text that dec_parse accepts, a text valid UTF-8 within DATA_MAX_TEXT;
 * anything else fails the call, never the process.  Native code itself
 * runs with the process's rights and is not sandboxed (README.md).
 */
#include "ffi_native.h"

#include <dlfcn.h>
#include <ffi.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "utf8.h"

/* Manifest entries read before a library is taken for malformed: far more
 * functions than a library offers, a bound on a missing terminator. */
#define MAX_MANIFEST 65536

/* Dates a result may name: 0001-01-01 and 9999-12-31 as days since
 * 1970-01-01, the range date_parse reads (verify.c uses the same). */
#define MIN_DAY (-719162)
#define MAX_DAY 2932896

/* Bytes of a native function's error message kept. */
#define ERR_CAP 256

typedef struct ffi_binding {
    tally_native_fn fn; /* resolved symbol or registered function */
    void *ud;           /* registered: its pointer; a library's: NULL */
} ffi_binding;

struct ffi_table {
    mem_ctx *mem;            /* borrowed */
    const bc_program *prog;  /* borrowed */
    ffi_binding *b;          /* owned; one per extern definition */
    uint32_t nb;
    void **handles;          /* owned; per allow-list entry, or NULL */
    size_t nallow;
    ffi_cif cif;             /* tally_native_fn's call interface */
    ffi_type *atypes[6];
};

static rt_status bind_fail(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static rt_status bind_fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return RT_ENATIVE;
}

bool ffi_signature_ok(const char *params, char result)
{
    if (!params || !bc_native_type_ok((unsigned char)result)) {
        return false;
    }
    size_t n = strlen(params);
    if (n > TALLY_NATIVE_MAX_PARAMS) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!bc_native_type_ok((unsigned char)params[i])) {
            return false;
        }
    }
    return true;
}

static const char *type_word(int c)
{
    switch (c) {
    case TALLY_NATIVE_BOOL: return "bool";
    case TALLY_NATIVE_INTEGER: return "integer";
    case TALLY_NATIVE_DECIMAL: return "decimal";
    case TALLY_NATIVE_MONEY: return "money";
    case TALLY_NATIVE_TEXT: return "text";
    case TALLY_NATIVE_DATE: return "date";
    default: return "?";
    }
}

/* "(text, decimal): money" for messages. */
static void describe_sig(char *out, size_t cap, const char *params,
                         size_t nparams, char result)
{
    size_t n = 0;
    out[0] = '\0';
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "(");
    for (size_t i = 0; i < nparams && n < cap; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
                              type_word((unsigned char)params[i]));
    }
    if (n < cap) {
        snprintf(out + n, cap - n, "): %s", type_word((unsigned char)result));
    }
}

/* The library name an allow-list entry stands for: a name as it is; a
 * path's file name up to ".so".  Writes at most [cap] bytes with a NUL. */
static void allow_name(const char *entry, char *out, size_t cap)
{
    const char *base = strrchr(entry, '/');
    base = base ? base + 1 : entry;
    size_t len = strlen(base);
    const char *so = strstr(base, ".so");
    while (so && so[3] != '\0' && so[3] != '.') {
        so = strstr(so + 1, ".so");
    }
    if (so) {
        len = (size_t)(so - base);
    }
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(out, base, len);
    out[len] = '\0';
}

/* Index in [allow] of the entry for library [lib], or -1. */
static long find_allowed(const char *const *allow, const char *lib)
{
    for (long i = 0; allow && allow[i]; i++) {
        char name[256];
        allow_name(allow[i], name, sizeof name);
        if (strcmp(name, lib) == 0) {
            return i;
        }
    }
    return -1;
}

static const ffi_reg *find_reg(const ffi_reg *regs, size_t nregs,
                               const char *lib, const char *name)
{
    /* The last registration wins; one for this library before one for
     * any library. */
    const ffi_reg *any = NULL;
    for (size_t i = nregs; i-- > 0;) {
        if (strcmp(regs[i].name, name) != 0) {
            continue;
        }
        if (regs[i].library && strcmp(regs[i].library, lib) == 0) {
            return &regs[i];
        }
        if (!regs[i].library && !any) {
            any = &regs[i];
        }
    }
    return any;
}

/* Opens allow-list entry [i] for library [lib] once; NULL with [err]
 * written on failure. */
static void *open_library(ffi_table *t, const char *const *allow, long i,
                          const char *lib, const char *decl, char *err,
                          size_t errcap)
{
    if (t->handles[i]) {
        return t->handles[i];
    }
    char path[4096];
    if (strchr(allow[i], '/')) {
        snprintf(path, sizeof path, "%s", allow[i]);
    } else {
        snprintf(path, sizeof path, "%s.so", allow[i]);
    }
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        bind_fail(err, errcap, "extern definition '%s': cannot load native "
                  "library '%s': %s", decl, lib, why ? why : "unknown error");
        return NULL;
    }
    t->handles[i] = h;
    return h;
}

/* Binds extern [x] to a symbol of an allowed library. */
static rt_status bind_library(ffi_table *t, const bc_extern *x,
                             const char *const *allow, char *err,
                             size_t errcap)
{
    const bc_program *p = t->prog;
    const char *name = bc_string(p, x->name);
    const char *lib = bc_string(p, x->library);
    const bc_str *params = &p->strings[x->params];
    long i = find_allowed(allow, lib);
    if (i < 0) {
        return bind_fail(err, errcap, "extern definition '%s': native library "
                         "'%s' is not allowed for this run (allow it with "
                         "--allow-native or tally_config.allow_native)",
                         name, lib);
    }
    void *h = open_library(t, allow, i, lib, name, err, errcap);
    if (!h) {
        return RT_ENATIVE;
    }
    dlerror();
    const tally_native_library *m = dlsym(h, "tally_native_manifest");
    if (!m) {
        return bind_fail(err, errcap, "extern definition '%s': '%s' is not a "
                         "Tally native library (it has no "
                         "tally_native_manifest)", name, lib);
    }
    if (m->abi != TALLY_NATIVE_ABI || !m->entries) {
        return bind_fail(err, errcap, "extern definition '%s': native library "
                         "'%s' was built for native ABI %u, this tally "
                         "speaks %u", name, lib, m->abi, TALLY_NATIVE_ABI);
    }
    const tally_native_entry *e = NULL;
    for (size_t k = 0; k < MAX_MANIFEST && m->entries[k].name; k++) {
        if (strcmp(m->entries[k].name, name) == 0) {
            e = &m->entries[k];
            break;
        }
    }
    if (!e) {
        return bind_fail(err, errcap, "extern definition '%s': native library "
                         "'%s' does not offer '%s' (not in its manifest)",
                         name, lib, name);
    }
    const char *eparams = e->params ? e->params : "";
    if (strlen(eparams) != params->len ||
        memcmp(eparams, params->p, params->len) != 0 ||
        e->result != (char)x->result) {
        char want[200], got[200];
        describe_sig(want, sizeof want, params->p, params->len,
                     (char)x->result);
        describe_sig(got, sizeof got, eparams, strlen(eparams), e->result);
        return bind_fail(err, errcap, "extern definition '%s' is declared %s "
                         "but native library '%s' offers %s", name, want,
                         lib, got);
    }
    dlerror();
    void *sym = dlsym(h, name);
    if (!sym) {
        return bind_fail(err, errcap, "extern definition '%s': native library "
                         "'%s' lists '%s' in its manifest but has no such "
                         "symbol", name, lib, name);
    }
    /* POSIX guarantees a function pointer survives this conversion. */
    tally_native_fn fn;
    memcpy(&fn, &sym, sizeof fn);
    t->b[x - p->externs] = (ffi_binding){fn, NULL};
    return RT_OK;
}

rt_status ffi_bind(mem_ctx *mem, const bc_program *p,
                  const char *const *allow, const ffi_reg *regs,
                  size_t nregs, ffi_table **out, char *err, size_t errcap)
{
    *out = NULL;
    if (err && errcap) {
        err[0] = '\0';
    }
    if (p->nexterns == 0) {
        return RT_OK;
    }
    ffi_table *t = mem_alloc(mem, sizeof *t);
    if (!t) {
        return RT_ENOMEM;
    }
    memset(t, 0, sizeof *t);
    t->mem = mem;
    t->prog = p;
    t->nb = p->nexterns;
    while (allow && allow[t->nallow]) {
        t->nallow++;
    }
    t->b = mem_alloc(mem, t->nb * sizeof *t->b);
    t->handles = mem_alloc(mem, (t->nallow + 1) * sizeof *t->handles);
    if (!t->b || !t->handles) {
        ffi_free(t);
        return RT_ENOMEM;
    }
    memset(t->b, 0, t->nb * sizeof *t->b);
    memset(t->handles, 0, (t->nallow + 1) * sizeof *t->handles);
    ffi_type *size = sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32;
    t->atypes[0] = &ffi_type_pointer; /* ud */
    t->atypes[1] = &ffi_type_pointer; /* args */
    t->atypes[2] = size;              /* nargs */
    t->atypes[3] = &ffi_type_pointer; /* result */
    t->atypes[4] = &ffi_type_pointer; /* err */
    t->atypes[5] = size;              /* errcap */
    if (ffi_prep_cif(&t->cif, FFI_DEFAULT_ABI, 6, &ffi_type_sint,
                     t->atypes) != FFI_OK) {
        ffi_free(t);
        return bind_fail(err, errcap, "libffi cannot prepare the native "
                         "calling interface");
    }
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const bc_extern *x = &p->externs[i];
        const char *name = bc_string(p, x->name);
        const char *lib = bc_string(p, x->library);
        const ffi_reg *r = find_reg(regs, nregs, lib, name);
        if (r) {
            const bc_str *params = &p->strings[x->params];
            if (strlen(r->params) != params->len ||
                memcmp(r->params, params->p, params->len) != 0 ||
                r->result != (char)x->result) {
                char want[200], got[200];
                describe_sig(want, sizeof want, params->p, params->len,
                             (char)x->result);
                describe_sig(got, sizeof got, r->params, strlen(r->params),
                             r->result);
                ffi_free(t);
                return bind_fail(err, errcap, "extern definition '%s' is "
                                 "declared %s but the registered function "
                                 "takes %s", name, want, got);
            }
            t->b[i] = (ffi_binding){r->fn, r->ud};
            continue;
        }
        rt_status st = bind_library(t, x, allow, err, errcap);
        if (st != RT_OK) {
            ffi_free(t);
            return st;
        }
    }
    *out = t;
    return RT_OK;
}

void ffi_free(ffi_table *t)
{
    if (!t) {
        return;
    }
    if (t->handles) {
        for (size_t i = 0; i < t->nallow; i++) {
            if (t->handles[i]) {
                dlclose(t->handles[i]);
            }
        }
        mem_free(t->mem, t->handles, (t->nallow + 1) * sizeof *t->handles);
    }
    if (t->b) {
        mem_free(t->mem, t->b, t->nb * sizeof *t->b);
    }
    mem_free(t->mem, t, sizeof *t);
}

/* ---- calling ----------------------------------------------------------- */

static const char *call_msg(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *call_msg(arena *a, const char *fmt, ...)
{
    char tmp[ERR_CAP + 200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return "native function failed";
    }
    size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    const char *s = arena_strndup(a, tmp, len);
    return s ? s : "native function failed (out of memory for its message)";
}

/* Writes decimal [d] as exact text into [a]; false (with *[nomem] when
 * memory ran out) when it has no finite decimal form. */
static bool exact_text(arena *a, const dec *d, tally_native_value *nv,
                       bool *nomem)
{
    strbuf b;
    sb_init(&b, a->mem);
    dec_format(d, &b);
    /* dec_format ends a value with no finite decimal form with "...". */
    bool ok = !b.failed && b.len > 0 &&
              !(b.len >= 3 && memcmp(b.p + b.len - 3, "...", 3) == 0);
    *nomem = b.failed;
    if (ok) {
        char *s = arena_strndup(a, b.p, b.len);
        if (!s) {
            *nomem = true;
            ok = false;
        } else {
            nv->p = s;
            nv->len = b.len;
        }
    }
    sb_free(&b);
    return ok;
}

rt_status ffi_invoke(const ffi_table *t, uint16_t x, const value *args,
                    arena *a, value *out, size_t *bytes, const char **msg)
{
    const bc_program *p = t->prog;
    const bc_extern *ex = &p->externs[x];
    const char *name = bc_string(p, ex->name);
    const char *letters = bc_string(p, ex->params);
    tally_native_value av[TALLY_NATIVE_MAX_PARAMS];
    size_t nargs = ex->arity;
    *bytes = 0;
    *out = val_none();
    for (size_t k = 0; k < nargs; k++) {
        const value *v = &args[k];
        tally_native_value *nv = &av[k];
        memset(nv, 0, sizeof *nv);
        nv->type = letters[k];
        bool nomem = false;
        switch (letters[k]) {
        case TALLY_NATIVE_BOOL:
            if (v->kind != VAL_BOOL) {
                return RT_EINTERNAL;
            }
            nv->i = v->as.b ? 1 : 0;
            break;
        case TALLY_NATIVE_INTEGER:
            if (v->kind != VAL_INT) {
                return RT_EINTERNAL;
            }
            nv->i = v->as.i;
            break;
        case TALLY_NATIVE_DATE:
            if (v->kind != VAL_DATE) {
                return RT_EINTERNAL;
            }
            nv->i = v->as.i;
            break;
        case TALLY_NATIVE_DECIMAL:
        case TALLY_NATIVE_MONEY:
            if (v->kind != VAL_DEC) {
                return RT_EINTERNAL;
            }
            if (!exact_text(a, &v->as.d, nv, &nomem)) {
                if (nomem) {
                    return RT_ENOMEM;
                }
                *msg = call_msg(a, "argument %zu of native function '%s' "
                                "has no exact decimal form: round it first",
                                k + 1, name);
                return RT_ERUNTIME;
            }
            *bytes += nv->len;
            break;
        case TALLY_NATIVE_TEXT:
            if (v->kind != VAL_TEXT) {
                return RT_EINTERNAL;
            }
            nv->p = v->len ? v->as.s : "";
            nv->len = v->len;
            *bytes += v->len;
            break;
        default:
            return RT_EINTERNAL; /* verify.c proved the letters */
        }
    }
    char buf[TALLY_NATIVE_BUF_CAP];
    char err[ERR_CAP];
    err[0] = '\0';
    tally_native_value res;
    memset(&res, 0, sizeof res);
    res.type = (char)ex->result;
    bool has_text = ex->result == TALLY_NATIVE_TEXT ||
                    ex->result == TALLY_NATIVE_DECIMAL ||
                    ex->result == TALLY_NATIVE_MONEY;
    if (has_text) {
        res.buf = buf;
        res.cap = sizeof buf;
    }
    const ffi_binding *bd = &t->b[x];
    void *ud = bd->ud;
    const tally_native_value *argp = av;
    size_t errcap = sizeof err;
    tally_native_value *resp = &res;
    char *errp = err;
    void *avals[6] = {&ud, &argp, &nargs, &resp, &errp, &errcap};
    ffi_arg rc = 0;
    void (*fn)(void);
    memcpy(&fn, &bd->fn, sizeof fn);
    ffi_call((ffi_cif *)&t->cif, fn, &rc, avals);
    if ((int)rc != 0) {
        err[sizeof err - 1] = '\0';
        size_t elen = strlen(err);
        if (!utf8_valid(err, elen)) {
            *msg = call_msg(a, "native function '%s' failed (its message is "
                            "not UTF-8)", name);
        } else if (elen == 0) {
            *msg = call_msg(a, "native function '%s' failed", name);
        } else {
            *msg = call_msg(a, "native function '%s' failed: %s", name, err);
        }
        return RT_ERUNTIME;
    }
    switch (ex->result) {
    case TALLY_NATIVE_BOOL:
        if (res.i != 0 && res.i != 1) {
            *msg = call_msg(a, "native function '%s' returned %lld for a "
                            "bool, expected 0 or 1", name, (long long)res.i);
            return RT_ERUNTIME;
        }
        *out = val_bool(res.i == 1);
        return RT_OK;
    case TALLY_NATIVE_INTEGER:
        *out = val_int(res.i);
        return RT_OK;
    case TALLY_NATIVE_DATE:
        if (res.i < MIN_DAY || res.i > MAX_DAY) {
            *msg = call_msg(a, "native function '%s' returned day %lld, "
                            "outside 0001-01-01..9999-12-31", name,
                            (long long)res.i);
            return RT_ERUNTIME;
        }
        *out = val_int(res.i);
        out->kind = VAL_DATE;
        return RT_OK;
    default:
        break;
    }
    if (!res.p && res.len) {
        *msg = call_msg(a, "native function '%s' returned %zu bytes at "
                        "a NULL pointer", name, res.len);
        return RT_ERUNTIME;
    }
    const char *rp = res.len ? res.p : "";
    if (ex->result == TALLY_NATIVE_TEXT) {
        if (res.len > DATA_MAX_TEXT) {
            *msg = call_msg(a, "native function '%s' returned a text of %zu "
                            "bytes, more than the %zu allowed", name, res.len,
                            (size_t)DATA_MAX_TEXT);
            return RT_ERUNTIME;
        }
        if (!utf8_valid(rp, res.len)) {
            *msg = call_msg(a, "native function '%s' returned a text that is "
                            "not valid UTF-8", name);
            return RT_ERUNTIME;
        }
        char *s = arena_strndup(a, rp, res.len);
        if (!s) {
            return RT_ENOMEM;
        }
        *out = val_text(s, (uint32_t)res.len);
        *bytes += res.len;
        return RT_OK;
    }
    /* decimal, money */
    if (res.len == 0 || res.len > DATA_MAX_DECIMAL) {
        *msg = call_msg(a, "native function '%s' returned a decimal of %zu "
                        "bytes, expected 1 to %d", name, res.len,
                        DATA_MAX_DECIMAL);
        return RT_ERUNTIME;
    }
    dec d;
    dec_status ds = dec_parse(a, rp, res.len, &d);
    if (ds == DEC_ENOMEM) {
        return RT_ENOMEM;
    }
    if (ds != DEC_OK) {
        *msg = call_msg(a, "native function '%s' returned a malformed "
                        "decimal (expected digits with an optional '-' "
                        "and '.')", name);
        return RT_ERUNTIME;
    }
    *out = val_dec(d);
    *bytes += res.len;
    return RT_OK;
}
