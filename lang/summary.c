/* lang/summary.c - checks a policy's `summaries` declaration.
 *
 * Each item is a word and a value.  A value is a path -- a name (the
 * input, the output, or a 'for' variable) then fields, list positions and
 * map keys -- typed here against the records, or, for the wording, a
 * text literal.  The checker records what api/summaries.c needs to read
 * a run's JSON without the policy: the role of each item (aux), the root
 * of each path (its AST_NAME's aux, SUM_ROOT_*) and the JSON key of each
 * field (its AST_GET's text).  Nothing is compiled: a summary quotes the
 * values the run wrote, so what a supplier reads is what was computed.
 */
#include <string.h>

#include "check_int.h"
#include "summary.h"

static const char *const words[SUM_ROLE_COUNT] = {
    "tender", "title", "buyer", "award", "supplier", "name", "status",
    "reason", "total", "rank", "questions", "justifications", "criterion",
    "heading", "opening", "scored", "won", "lost", "no_award", "unscored",
    "reasons", "closing", "signature", "tied", "scores", "yours", "best",
    "not_scored", "rules", "page", "index",
};

/* Each default is one sentence split over adjacent literals, which
 * clang-tidy takes for a forgotten comma; the designators show it is not. */
// NOLINTBEGIN(bugprone-suspicious-missing-comma)
static const char *const defaults[SUM_ROLE_COUNT] = {
    [SUM_W_HEADING] = "Assessment summary: {title}",
    [SUM_W_OPENING] = "This is the assessment summary of the tender of "
                      "{name} for {title} (reference {tender}).",
    [SUM_W_SCORED] = "The tender scored {total} out of {available} and was "
                     "ranked {rank} of {ranked}.",
    [SUM_W_WON] = "It is the most advantageous tender.",
    [SUM_W_LOST] = "The most advantageous tender, from {award_name}, "
                   "scored {award_total}.",
    [SUM_W_NO_AWARD] = "No tender is to be awarded the contract.",
    [SUM_W_UNSCORED] = "The tender was not scored: {status}, {reason}.",
    [SUM_W_REASONS] = "The evaluators' reasons",
    [SUM_W_CLOSING] = "",
    [SUM_W_SIGNATURE] = "",
    [SUM_W_TIED] = "Its total equals that of the most advantageous tender: "
                   "the tie was decided by the policy's tie-break.",
    [SUM_W_SCORES] = "Scores against the award criteria",
    [SUM_W_YOURS] = "This tender",
    [SUM_W_BEST] = "Most advantageous tender",
    [SUM_W_NOT_SCORED] = "not scored",
    [SUM_W_RULES] = "The rules applied",
    [SUM_W_PAGE] = "Assessment of tenders: {title}",
    [SUM_W_INDEX] = "Assessment summaries",
};
// NOLINTEND(bugprone-suspicious-missing-comma)

static const char *const placeholders[] = {
    "tender", "title", "buyer", "supplier", "name", "status", "reason",
    "total", "rank", "available", "ranked", "award", "award_name",
    "award_total",
};

bool sum_placeholder(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
        if (strlen(placeholders[i]) == len && memcmp(placeholders[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

const char *sum_role_word(sum_role r)
{
    return r < SUM_ROLE_COUNT ? words[r] : "?";
}

const char *sum_default_wording(sum_role r)
{
    return r < SUM_ROLE_COUNT && defaults[r] ? defaults[r] : "";
}

/* The scope of the declaration's paths. */
typedef struct sum_scope {
    ast_node *decl;
    ty *each;   /* the first 'for' variable's type, or NULL */
    ty *paired; /* the second's, or NULL */
} sum_scope;

static ty *strip(ty *t)
{
    while (t && t->kind == TY_OPTIONAL) {
        t = t->elem;
    }
    return t;
}

/* Types the path [n]; NULL (reported) when it is not one. */
static ty *path(checker *k, sum_scope *s, ast_node *n)
{
    switch ((ast_kind)n->kind) {
    case AST_NAME: {
        ast_node *d = s->decl;
        if (d->a && strcmp(n->name, d->a->name) == 0 && s->each) {
            n->aux = SUM_ROOT_EACH;
            return n->ty = s->each;
        }
        if (d->b && strcmp(n->name, d->b->name) == 0 && s->paired) {
            n->aux = SUM_ROOT_PAIRED;
            return n->ty = s->paired;
        }
        if (k->res.input && strcmp(n->name, k->res.input->name) == 0) {
            n->aux = SUM_ROOT_INPUT;
            return n->ty = k->res.input->ty;
        }
        if (k->res.output && strcmp(n->name, k->res.output->name) == 0 &&
            k->res.output_ty) {
            n->aux = SUM_ROOT_OUTPUT;
            return n->ty = k->res.output_ty;
        }
        err(k, n->sp, "a path starts at the input, the output or a 'for' "
            "variable", "'%s' is not the input, the output or a variable of "
            "these summaries", n->name);
        return NULL;
    }
    case AST_GET: {
        ty *t = path(k, s, n->a);
        if (!t) {
            return NULL;
        }
        t = strip(t);
        if (ty_is_bad(t)) {
            return NULL;
        }
        if (t->kind != TY_RECORD) {
            err(k, n->name_sp, NULL, "%s has no fields, so no '%s'",
                ty_str(k, t), n->name);
            return NULL;
        }
        int i = res_field_index(t->decl, n->name);
        if (i < 0) {
            err(k, n->name_sp, NULL, "%s has no field '%s'", t->decl->name,
                n->name);
            return NULL;
        }
        n->text = t->decl->fields[i].json;
        n->aux = i;
        return n->ty = t->decl->fields[i].ty;
    }
    case AST_INDEX: {
        ty *t = path(k, s, n->a);
        if (!t) {
            return NULL;
        }
        t = strip(t);
        if (t->kind == TY_MAP && n->b->kind == AST_TEXT) {
            return n->ty = t->elem;
        }
        if (t->kind == TY_LIST && n->b->kind == AST_INT) {
            return n->ty = t->elem;
        }
        err(k, n->b->sp, NULL, "a summary's path reads a map by a text key "
            "or a list by a position written as a number");
        return NULL;
    }
    default:
        err(k, n->sp, "write a field of the input or the output: "
            "b.total, tender.title",
            "summaries show the values a run wrote: a path, not a "
            "computation");
        return NULL;
    }
}

static bool scalar(const ty *t)
{
    return t->kind == TY_TEXT || t->kind == TY_ENUM || t->kind == TY_INT;
}

/* Checks an item's value against what its role needs. */
static void item(checker *k, sum_scope *s, ast_node *it, bool seen[])
{
    int r = -1;
    for (int i = 0; i < SUM_ROLE_COUNT; i++) {
        if (strcmp(it->name, words[i]) == 0) {
            r = i;
        }
    }
    if (r < 0) {
        err(k, it->name_sp, "summaries name tender, title, buyer, award, "
            "supplier, name, status, reason, total, rank, questions, "
            "justifications and criterion values, and the wording heading, "
            "opening, scored, won, lost, tied, no_award, unscored, reasons, "
            "closing, signature, scores, yours, best, not_scored, rules, page "
            "and index",
            "summaries have no '%s'", it->name);
        return;
    }
    it->aux = r;
    if (r != SUM_CRITERION) {
        if (seen[r]) {
            err(k, it->name_sp, NULL, "'%s' is given twice", it->name);
        }
        seen[r] = true;
    }
    if (r >= SUM_W_HEADING) {
        if (it->a->kind != AST_TEXT) {
            err(k, it->a->sp, "the wording is text in quotes, with {names} "
                "for values: \"Dear {name},\"", "'%s' is wording: a text in "
                "quotes", it->name);
            return;
        }
        for (const char *p = it->a->text; p && (p = strchr(p, '{'));) {
            const char *close = strchr(p, '}');
            size_t n = close ? (size_t)(close - p - 1) : 0;
            if (!close || !sum_placeholder(p + 1, n)) {
                err(k, it->a->sp, "the values are {tender}, {title}, {buyer}, "
                    "{supplier}, {name}, {status}, {reason}, {total}, {rank}, "
                    "{available}, {ranked}, {award}, {award_name} and "
                    "{award_total}",
                    "'%.*s' in the %s wording is not a value a summary has",
                    close ? (int)(n + 2) : 1, p, it->name);
                break;
            }
            p = close + 1;
        }
        return;
    }
    ty *t = path(k, s, it->a);
    if (!t) {
        return;
    }
    ty *base = strip(t);
    if (ty_is_bad(base)) {
        return;
    }
    const char *want = NULL;
    switch ((sum_role)r) {
    case SUM_TENDER: case SUM_SUPPLIER: case SUM_AWARD: case SUM_STATUS:
        if (!scalar(base)) {
            want = "text, an enumeration or an integer";
        }
        break;
    case SUM_TITLE: case SUM_BUYER: case SUM_NAME: case SUM_REASON:
        if (base->kind != TY_TEXT) {
            want = "text";
        }
        break;
    case SUM_TOTAL: case SUM_CRITERION:
        if (!ty_is_num(base)) {
            want = "a number";
        }
        break;
    case SUM_RANK:
        if (base->kind != TY_INT) {
            want = "an integer";
        }
        break;
    case SUM_QUESTIONS:
        if (base->kind != TY_MAP || !ty_is_num(strip(base->elem))) {
            want = "a map of text to numbers";
        }
        break;
    case SUM_JUSTIFY:
        if (base->kind != TY_MAP || strip(base->elem)->kind != TY_JUDGEMENT) {
            err(k, it->a->sp, "declare the evaluators' words as "
                "'map of text to judgement' in the data and pass them to the "
                "output unchanged",
                "justifications must be a map of text to judgement, not %s",
                ty_str(k, t));
            return;
        }
        break;
    default:
        break;
    }
    if (want) {
        err(k, it->a->sp, NULL, "'%s' must be %s, not %s", it->name, want,
            ty_str(k, t));
        return;
    }
    if (r == SUM_CRITERION) {
        if (!it->text || !it->text[0]) {
            err(k, it->sp, NULL, "a criterion has a title");
        }
        ty *w = path(k, s, it->b);
        if (w && !ty_is_bad(strip(w)) && !ty_is_num(strip(w))) {
            err(k, it->b->sp, NULL, "a criterion's weight must be a number, "
                "not %s", ty_str(k, w));
        }
    }
    /* Per-supplier values are read from the 'for' variables; the
     * tender's from the input or the output. */
    ast_node *root = it->a;
    while (root->kind != AST_NAME) {
        root = root->a;
    }
    bool per = root->aux == SUM_ROOT_EACH || root->aux == SUM_ROOT_PAIRED;
    bool wants_per = r >= SUM_SUPPLIER && r <= SUM_CRITERION;
    if (per != wants_per) {
        err(k, it->a->sp, wants_per ? "start it at a 'for' variable" :
            "start it at the input or the output",
            "'%s' is a value of %s", it->name,
            wants_per ? "each supplier" : "the tender");
    }
}

void sum_check(checker *k, ast_node *root)
{
    ast_node *d = NULL;
    for (uint32_t i = 0; i < root->list.count; i++) {
        ast_node *n = root->list.items[i];
        if (n->kind != AST_SUMMARIES) {
            continue;
        }
        if (!k->in_policy || root->b) {
            err(k, n->sp, "declare summaries in the policy that imports "
                "this module", "summaries belong to a policy, not to a module");
            continue;
        }
        if (d) {
            err(k, n->sp, NULL, "a policy declares its summaries once");
            continue;
        }
        d = n;
    }
    if (!d) {
        return;
    }
    sum_scope s = {d, NULL, NULL};
    ty *l = path(k, &s, d->a->a);
    if (l && !ty_is_bad(strip(l))) {
        if (strip(l)->kind != TY_LIST || strip(strip(l)->elem)->kind != TY_RECORD) {
            err(k, d->a->a->sp, "write for b in result.bids",
                "summaries go through a list of records in the output, and "
                "this is %s", ty_str(k, l));
        } else {
            s.each = strip(l)->elem;
        }
    }
    if (d->b) {
        ty *p = path(k, &s, d->b->a);
        if (p && !ty_is_bad(strip(p))) {
            if (strip(p)->kind != TY_LIST) {
                err(k, d->b->a->sp, "write , bid in tender.bids",
                    "the second 'for' goes through a list, and this is %s",
                    ty_str(k, p));
            } else {
                s.paired = strip(p)->elem;
            }
        }
    }
    bool seen[SUM_ROLE_COUNT] = {false};
    for (uint32_t i = 0; i < d->list.count; i++) {
        item(k, &s, d->list.items[i], seen);
    }
    if (s.each && !seen[SUM_SUPPLIER]) {
        err(k, d->a->name_sp, "write supplier: b.supplier",
            "summaries must say which value names each supplier");
    }
}
