/* api/doc.c - tally_doc: a policy's published methodology (include/tally.h).
 *
 * Glue only: parse and check as tally_check does (the same diagnostics),
 * then lang/doc.c renders the checked compilation into one buffer, which
 * is written out whole.  Nothing is compiled to bytecode and nothing is
 * evaluated: the document is the policy's text, arranged.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "doc.h"
#include "front.h"

/* [s] as a day, or false with a message naming [what]. */
static bool doc_day(const tally_config *cfg, const char *what, const char *s,
                    int64_t *day)
{
    if (date_parse(s, strlen(s), day)) {
        return true;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "tally: %s '%.40s' is not a date YYYY-MM-DD",
             what, s);
    api_message(cfg, msg);
    return false;
}

tally_status tally_doc(const tally_config *cfg, const char *file,
                       const char *src, size_t len,
                       const tally_doc_options *opts, FILE *out)
{
    doc_options o;
    memset(&o, 0, sizeof o);
    o.format = opts && opts->format == TALLY_DOC_MARKDOWN ? DOCW_MARKDOWN
                                                          : DOCW_HTML;
    if (opts && opts->as_of) {
        if (!doc_day(cfg, "--as-of", opts->as_of, &o.as_of)) {
            return TALLY_EOPTION;
        }
        o.has_as_of = true;
    }
    if (opts && opts->today) {
        if (!doc_day(cfg, "today", opts->today, &o.today)) {
            return TALLY_EOPTION;
        }
        o.has_today = true;
    }
    mem_ctx m;
    api_setup_mem(&m, cfg);
    tly_comp c;
    tly_comp_init(&c, &m, file, src, len);
    c.diags.stage = DIAG_SYNTAX;
    c.lib_path = cfg ? cfg->lib_path : NULL;
    c.no_file_imports = cfg && cfg->no_file_imports;
    bool ok = tly_load(&c);
    if (ok) {
        c.diags.stage = DIAG_CHECK;
        ok = tly_check(&c);
    }
    api_report(cfg, &c);
    tally_status st = c.oom ? TALLY_ENOMEM : ok ? TALLY_OK : TALLY_EPOLICY;
    if (st == TALLY_OK) {
        strbuf b;
        sb_init(&b, &m);
        doc_render(&c, &o, &b);
        if (b.failed || c.oom) {
            api_message(cfg, "tally: out of memory while writing the document");
            st = TALLY_ENOMEM;
        } else if (b.len && fwrite(b.p, 1, b.len, out) != b.len) {
            st = TALLY_EIO;
        }
        sb_free(&b);
    }
    tly_comp_free(&c);
    return st;
}
