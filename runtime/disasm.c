/* runtime/disasm.c - bytecode listing for `tally disasm` and golden tests.
 *
 * Prints; decides nothing.  Must stay deterministic (golden files compare
 * it byte for byte) and must not trust the program: `tally disasm` is the
 * tool one reaches for on a file the verifier rejected, so every index is
 * range-checked here and a bad one prints as "#N?".  Instructions are
 * decoded by the operand kinds of opcodes.def, and each kind has one
 * rendering (put_operand), whatever the instruction.
 */
#include "disasm.h"

#include <string.h>

#include "tally_limits.h"

#define OPERAND_COLUMN 23 /* "  0000  " + the longest name, JUMP_IF_FALSE */
#define LOC_COLUMN 44     /* where "; line:col" starts */

/* Prints a name as is when it is a plain word, else as a JSON string. */
static void put_name(strbuf *b, const bc_program *p, uint32_t s)
{
    if (s >= p->nstrings) {
        sb_printf(b, "#%u?", s);
        return;
    }
    const bc_str *str = &p->strings[s];
    bool plain = str->len > 0;
    for (uint32_t i = 0; plain && i < str->len; i++) {
        unsigned char c = (unsigned char)str->p[i];
        plain = c > ' ' && c != '"' && c != 0x7F;
    }
    if (plain) {
        sb_put(b, str->p, str->len);
    } else {
        sb_put_json_string(b, str->p, str->len);
    }
}

/* Prints string [s] as a JSON string literal. */
static void put_quoted(strbuf *b, const bc_program *p, uint32_t s)
{
    if (s >= p->nstrings) {
        sb_printf(b, "#%u?", s);
        return;
    }
    sb_put_json_string(b, p->strings[s].p, p->strings[s].len);
}

static void put_func_name(strbuf *b, const bc_program *p, uint32_t f)
{
    if (f >= p->nfuncs) {
        sb_printf(b, "#%u?", f);
        return;
    }
    put_name(b, p, p->funcs[f].name);
}

static void put_record_name(strbuf *b, const bc_program *p, uint32_t r)
{
    if (r >= p->nrecords) {
        sb_printf(b, "#%u?", r);
        return;
    }
    put_name(b, p, p->records[r].name);
}

/* Field [i] of record [r] by name, or "#i?". */
static void put_field_name(strbuf *b, const bc_program *p, uint32_t r,
                           uint32_t i)
{
    if (r < p->nrecords && i < p->records[r].nfields &&
        (uint64_t)p->records[r].first_field + i < p->nfields) {
        put_name(b, p, bc_record_field(p, &p->records[r], i)->name);
    } else {
        sb_printf(b, "#%u?", i);
    }
}

static void put_enum_member(strbuf *b, const bc_program *p, uint32_t e,
                            int64_t ord)
{
    if (e >= p->nenums) {
        sb_printf(b, "#%u?.%lld", e, (long long)ord);
        return;
    }
    const bc_enum *en = &p->enums[e];
    put_name(b, p, en->name);
    sb_putc(b, '.');
    if (ord >= 0 && ord < en->nmembers &&
        (uint64_t)en->first_member + (uint64_t)ord < p->nmembers) {
        put_name(b, p, p->members[en->first_member + (uint32_t)ord].name);
    } else {
        sb_printf(b, "#%lld?", (long long)ord);
    }
}

static void put_value(strbuf *b, const bc_program *p, const value *v)
{
    switch ((val_kind)v->kind) {
    case VAL_NONE:
        sb_puts(b, "none");
        return;
    case VAL_BOOL:
        sb_puts(b, v->as.b ? "true" : "false");
        return;
    case VAL_INT:
        sb_printf(b, "%lld", (long long)v->as.i);
        return;
    case VAL_DEC:
        dec_format(&v->as.d, b);
        return;
    case VAL_DATE:
        if (v->as.i >= LIM_MIN_DAY && v->as.i <= LIM_MAX_DAY) {
            date_format(v->as.i, b);
        } else {
            sb_printf(b, "%lld?", (long long)v->as.i); /* raw days */
        }
        return;
    case VAL_DATETIME:
        if (v->as.t.sec >= (int64_t)LIM_MIN_DAY * LIM_SEC_PER_DAY &&
            v->as.t.sec < ((int64_t)LIM_MAX_DAY + 1) * LIM_SEC_PER_DAY &&
            v->as.t.nsec >= 0 && v->as.t.nsec <= 999999999 &&
            date_instant_zone_ok(&v->as.t)) {
            date_instant_format(&v->as.t, b);
        } else {
            sb_printf(b, "%lld s %d ns %d min/%u?", (long long)v->as.t.sec,
                      (int)v->as.t.nsec, (int)v->as.t.off,
                      (unsigned)v->as.t.zone);
        }
        return;
    case VAL_DURATION:
        sb_printf(b, "%lld days", (long long)v->as.i);
        return;
    case VAL_TEXT:
        sb_put_json_string(b, v->as.s ? v->as.s : "", v->as.s ? v->len : 0);
        return;
    case VAL_ENUM:
        put_enum_member(b, p, v->type, v->as.i);
        return;
    case VAL_RECORD:
    case VAL_LIST:
    case VAL_MAP:
    case VAL_ERROR:
    case VAL_KIND_COUNT:
        break;
    }
    sb_printf(b, "<kind %u?>", v->kind);
}

static const char *const value_kind_name[VAL_KIND_COUNT] = {
    [VAL_NONE] = "none",         [VAL_BOOL] = "bool",
    [VAL_INT] = "integer",       [VAL_DEC] = "decimal",
    [VAL_DATE] = "date",         [VAL_DATETIME] = "datetime",
    [VAL_DURATION] = "duration", [VAL_TEXT] = "text",
    [VAL_ENUM] = "enum",         [VAL_RECORD] = "record",
    [VAL_LIST] = "list",         [VAL_MAP] = "map",
    [VAL_ERROR] = "error",
};

static const char *const type_kind_name[BT_KIND_COUNT] = {
    [BT_BOOL] = "bool",         [BT_INT] = "integer",
    [BT_DEC] = "decimal",       [BT_MONEY] = "money",
    [BT_PERCENT] = "percent",   [BT_DATE] = "date",
    [BT_DATETIME] = "datetime", [BT_DURATION] = "duration",
    [BT_TEXT] = "text",         [BT_ENUM] = "enum",
    [BT_RECORD] = "record",     [BT_LIST] = "list of type",
    [BT_MAP] = "map of type",   [BT_OPTIONAL] = "optional type",
};

/* One line's worth of type [t]; refers to other types by index, so a
 * cyclic type table prints fine. */
static void put_type(strbuf *b, const bc_program *p, const bc_type *t)
{
    if (t->kind >= BT_KIND_COUNT) {
        sb_printf(b, "<kind %u?>", t->kind);
        return;
    }
    sb_puts(b, type_kind_name[t->kind]);
    switch ((bc_type_kind)t->kind) {
    case BT_INT:
        if (t->has_min) {
            sb_printf(b, " min %lld", (long long)t->min);
        }
        if (t->has_max) {
            sb_printf(b, " max %lld", (long long)t->max);
        }
        return;
    case BT_MONEY:
        sb_putc(b, ' ');
        put_name(b, p, t->currency);
        /* fall through */
    case BT_DEC:
    case BT_PERCENT:
        if (t->places != BC_PLACES_ANY) {
            sb_printf(b, ", %u places", t->places);
        }
        return;
    case BT_ENUM:
        sb_putc(b, ' ');
        if (t->ref < p->nenums) {
            put_name(b, p, p->enums[t->ref].name);
        } else {
            sb_printf(b, "#%u?", t->ref);
        }
        return;
    case BT_RECORD:
        sb_putc(b, ' ');
        put_record_name(b, p, t->ref);
        return;
    case BT_LIST:
    case BT_MAP:
    case BT_OPTIONAL:
        sb_printf(b, " %u%s", t->ref, t->ref < p->ntypes ? "" : "?");
        return;
    case BT_BOOL:
    case BT_DATE:
    case BT_DATETIME:
    case BT_DURATION:
    case BT_TEXT:
    case BT_KIND_COUNT:
        return;
    }
}

/* The reports (format 8): each with its function, types, keys and
 * columns, their rounding and the top line.  Indices are shown, not
 * trusted: a listing may be of a file the verifier refused. */
static void put_reports(strbuf *b, const bc_program *p)
{
    static const char *const agg[BC_AGG_COUNT_] = {"count", "sum", "min", "max",
                                                  "mean", "share", "count_distinct",
                                                  "share of"};
    for (uint32_t i = 0; i < p->nreports; i++) {
        const bc_report *rp = &p->reports[i];
        sb_printf(b, "report %u ", i);
        put_quoted(b, p, rp->name);
        sb_puts(b, " function ");
        put_func_name(b, p, rp->func);
        sb_printf(b, ", rows type %u, result type %u, %u key%s\n", rp->in_type,
                  rp->out_type, rp->nkeys, rp->nkeys == 1 ? "" : "s");
        for (uint16_t c = 0; c < rp->ncols; c++) {
            const bc_report_col *col = &rp->cols[c];
            sb_printf(b, "  column %u %s", c, col->agg < BC_AGG_COUNT_ ? agg[col->agg] : "?");
            if (col->flags & BC_REPORT_LIST) {
                sb_puts(b, " of a list");
            }
            if (col->places != BC_PLACES_ANY) {
                const char *m = dec_round_mode_name((dec_round_mode)col->mode);
                sb_printf(b, ", round %u %s", col->places, m ? m : "?");
            }
            sb_putc(b, '\n');
        }
        if (rp->top) {
            sb_printf(b, "  top %u by column %u %s\n", rp->top, rp->top_col,
                      rp->top_desc ? "descending" : "ascending");
        }
    }
}

static void put_header(strbuf *b, const bc_program *p)
{
    sb_puts(b, "policy ");
    put_quoted(b, p, p->title);
    sb_puts(b, " version ");
    put_quoted(b, p, p->version);
    sb_puts(b, " source ");
    put_quoted(b, p, p->source);
    sb_puts(b, "\ninput record ");
    put_record_name(b, p, p->input_record);
    sb_puts(b, " as ");
    put_quoted(b, p, p->input_name);
    if (p->key_field == BC_NONE_U16) {
        sb_puts(b, ", no key field");
    } else {
        sb_puts(b, ", key field ");
        put_field_name(b, p, p->input_record, p->key_field);
    }
    sb_puts(b, "\noutput function ");
    put_func_name(b, p, p->output_func);
    sb_printf(b, ", type %u", p->output_type);
    if (p->output_type < p->ntypes) {
        sb_puts(b, " (");
        put_type(b, p, &p->types[p->output_type]);
        sb_putc(b, ')');
    }
    sb_putc(b, '\n');
    /* Only a policy with imports has modules: other listings are as they
     * were before modules existed. */
    for (uint32_t i = 0; i < p->nmodules; i++) {
        const bc_module *m = &p->modules[i];
        sb_printf(b, "module %u ", i);
        put_name(b, p, m->name);
        sb_puts(b, " version ");
        put_quoted(b, p, m->version);
        sb_puts(b, " from ");
        put_quoted(b, p, m->origin);
        sb_putc(b, '\n');
    }
    put_reports(b, p);
}

static void put_tables(strbuf *b, const bc_program *p)
{
    sb_printf(b, "\nstrings %u\n", p->nstrings);
    for (uint32_t i = 0; i < p->nstrings; i++) {
        sb_printf(b, "  %4u  ", i);
        put_quoted(b, p, i);
        sb_putc(b, '\n');
    }
    sb_printf(b, "constants %u\n", p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const value *c = &p->consts[i];
        sb_printf(b, "  %4u  ", i);
        if (c->kind != VAL_NONE && c->kind < VAL_KIND_COUNT) {
            sb_puts(b, value_kind_name[c->kind]);
            sb_putc(b, ' ');
        }
        put_value(b, p, c);
        sb_putc(b, '\n');
    }
    sb_printf(b, "types %u\n", p->ntypes);
    for (uint32_t i = 0; i < p->ntypes; i++) {
        sb_printf(b, "  %4u  ", i);
        put_type(b, p, &p->types[i]);
        sb_putc(b, '\n');
    }
    sb_printf(b, "records %u\n", p->nrecords);
    for (uint32_t i = 0; i < p->nrecords; i++) {
        const bc_record *r = &p->records[i];
        sb_printf(b, "  %4u  ", i);
        put_name(b, p, r->name);
        if (r->check_fn != BC_NONE_U16) {
            sb_puts(b, ", check ");
            put_func_name(b, p, r->check_fn);
        }
        sb_putc(b, '\n');
        for (uint32_t j = 0; j < r->nfields; j++) {
            if ((uint64_t)r->first_field + j >= p->nfields) {
                sb_puts(b, "          <fields out of range>\n");
                break;
            }
            const bc_field *f = bc_record_field(p, r, j);
            sb_printf(b, "        %4u  ", j);
            put_name(b, p, f->name);
            sb_puts(b, " as ");
            put_quoted(b, p, f->json);
            sb_printf(b, ": type %u", f->type);
            if (f->unique_key != BC_NONE_U16) {
                sb_printf(b, ", unique key %u", f->unique_key);
            }
            if (f->flags & BC_FIELD_OMIT_NONE) {
                sb_puts(b, ", omit when none");
            }
            if (f->flags & BC_FIELD_AMOUNT_TEXT) {
                sb_puts(b, ", amounts as strings");
            }
            if (f->flags & BC_FIELD_INT_TEXT) {
                sb_puts(b, ", text or integer");
            }
            sb_putc(b, '\n');
        }
    }
    sb_printf(b, "enums %u\n", p->nenums);
    for (uint32_t i = 0; i < p->nenums; i++) {
        const bc_enum *e = &p->enums[i];
        sb_printf(b, "  %4u  ", i);
        put_name(b, p, e->name);
        sb_putc(b, ' ');
        put_quoted(b, p, e->label);
        sb_putc(b, ':');
        for (uint32_t j = 0; j < e->nmembers; j++) {
            if ((uint64_t)e->first_member + j >= p->nmembers) {
                sb_puts(b, " <members out of range>");
                break;
            }
            const bc_member *m = &p->members[e->first_member + j];
            sb_puts(b, j ? ", " : " ");
            put_name(b, p, m->name);
            sb_putc(b, ' ');
            put_quoted(b, p, m->json);
        }
        sb_putc(b, '\n');
    }
    /* Listed only when there are any, so listings of programs without
     * native functions read as before. */
    if (p->nexterns) {
        sb_printf(b, "externs %u\n", p->nexterns);
    }
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const bc_extern *x = &p->externs[i];
        sb_printf(b, "  %4u  ", i);
        put_name(b, p, x->name);
        sb_puts(b, "(");
        put_quoted(b, p, x->params);
        sb_printf(b, "): '%c' from ",
                  x->result >= 0x20 && x->result < 0x7F ? x->result : '?');
        put_quoted(b, p, x->library);
        sb_putc(b, '\n');
    }
    if (p->origin != BC_NO_STRING) {
        sb_puts(b, "source ");
        put_quoted(b, p, p->origin);
        sb_putc(b, '\n');
    }
    if (p->ncites) {
        sb_printf(b, "cites %u\n", p->ncites);
    }
    for (uint32_t i = 0; i < p->ncites; i++) {
        const bc_cite *c = &p->cites[i];
        sb_printf(b, "  %4u  ", i);
        put_quoted(b, p, c->by);
        sb_puts(b, " cites ");
        put_quoted(b, p, c->text);
        if (c->url != BC_NO_STRING) {
            sb_putc(b, ' ');
            put_quoted(b, p, c->url);
        }
        sb_putc(b, '\n');
    }
}

/* Prints a jump target, absolute in code[], as an offset within [f],
 * like the instruction offsets. */
static void put_target(strbuf *b, const bc_func *f, uint32_t t)
{
    if (t >= f->code_off && t - f->code_off < f->code_len) {
        sb_printf(b, "-> %04u", t - f->code_off);
    } else {
        sb_printf(b, "-> code %u?", t);
    }
}

/* Prints operand [i] of [x], of [kind], [first] when none is printed
 * before it: one rendering per kind, whatever the instruction.  Operands
 * are separated by a blank, except those that read as part of the one
 * before: a FIELD (".name" after its record), FOR_NEXT's slots
 * ("list[index] -> element") and a sort's mask. */
static void put_operand(strbuf *b, const bc_program *p, bc_opnd kind,
                        const uint32_t *x, unsigned i, bool first)
{
    uint32_t a = x[i];
    const char *sep = first ? "" : " ";
    switch (kind) {
    case OPND_CONST:
        sb_printf(b, "%s%u", sep, a);
        if (a < p->nconsts) {
            sb_puts(b, " (");
            put_value(b, p, &p->consts[a]);
            sb_putc(b, ')');
        } else {
            sb_putc(b, '?');
        }
        return;
    case OPND_LOCAL:
    case OPND_NVALUES:
    case OPND_LIST_SLOT:
        sb_printf(b, "%s%u", sep, a);
        return;
    case OPND_INDEX_SLOT:
        sb_printf(b, "[%u]", a);
        return;
    case OPND_ELEM_SLOT:
        sb_printf(b, " -> %u", a);
        return;
    case OPND_FUNC:
        sb_puts(b, sep);
        put_func_name(b, p, a);
        return;
    case OPND_EXTERN:
        sb_puts(b, sep);
        if (a < p->nexterns) {
            put_name(b, p, p->externs[a].name);
        } else {
            sb_printf(b, "#%u?", a);
        }
        return;
    case OPND_PROBE:
        sb_printf(b, "%s%u", sep, a);
        if (a < p->nprobes) {
            sb_printf(b, " %s", p->probes[a].what);
        }
        return;
    case OPND_CITE:
        sb_printf(b, "%s%u", sep, a);
        if (a < p->ncites) {
            sb_putc(b, ' ');
            put_quoted(b, p, p->cites[a].text);
        }
        return;
    case OPND_RECORD:
        sb_puts(b, sep);
        put_record_name(b, p, a);
        return;
    case OPND_FIELD: /* after its RECORD operand (operands.def) */
        sb_putc(b, '.');
        put_field_name(b, p, i ? x[i - 1] : UINT32_MAX, a);
        return;
    case OPND_MODE:
        sb_puts(b, sep);
        if (a < DEC_ROUND_MODE_COUNT) {
            sb_puts(b, dec_round_mode_name((dec_round_mode)a));
        } else {
            sb_printf(b, "mode %u?", a);
        }
        return;
    case OPND_MONTH_RULE:
        sb_puts(b, sep);
        switch (a) {
        case DATE_MONTH_EXACT: sb_puts(b, "exact"); break;
        case DATE_MONTH_EARLIER: sb_puts(b, "or earlier"); break;
        case DATE_MONTH_LATER: sb_puts(b, "or later"); break;
        default: sb_printf(b, "rule %u?", a); break;
        }
        return;
    case OPND_TIME_UNIT:
        sb_puts(b, sep);
        sb_puts(b, a == BC_UNIT_SECONDS ? "seconds"
                   : a == BC_UNIT_DAYS  ? "days"
                                        : "unit?");
        return;
    case OPND_PLACES:
        sb_puts(b, sep);
        if (a == BC_PLACES_ANY) {
            sb_puts(b, "shortest");
        } else if (a == BC_TEXT_PERCENT) {
            sb_puts(b, "percent");
        } else {
            sb_printf(b, "%u places%s%s", a & BC_TEXT_PLACES_MASK,
                      a & BC_TEXT_GROUPED ? " grouped" : "",
                      a & BC_TEXT_POUND ? " pound" : "");
        }
        return;
    case OPND_NKEYS:
        sb_printf(b, "%s%u keys:", sep, a);
        return;
    case OPND_DESC_MASK: /* after its NKEYS operand (operands.def) */
        for (unsigned k = 0; i && k < x[i - 1] && k < 8; k++) {
            sb_puts(b, (a >> k) & 1 ? " desc" : " asc");
        }
        return;
    case OPND_PATH:
    case OPND_CURRENCY:
        sb_puts(b, sep);
        put_quoted(b, p, a);
        return;
    case OPND_CUR_VERB:
        sb_puts(b, sep);
        sb_puts(b, (a & BC_CUR_VERB_MASK) < BC_CUR_VERB_COUNT
                       ? bc_cur_verb_names[a & BC_CUR_VERB_MASK]
                       : "operation?");
        if (a & BC_CUR_UNTAG) {
            sb_puts(b, " untag");
        }
        return;
    case OPND_JUMP: /* put_operands prints targets last */
    case OPND_LOOP:
    case OPND_NONE:
    case OPND_KIND_COUNT:
        return;
    }
}

/* The operands of the instruction at [ins] in [f], decoded by the kinds
 * opcodes.def gives them; its bytes are known to be present.  A jump
 * target comes last, after the operands that say what the jump tests. */
static void put_operands(strbuf *b, const bc_program *p, const bc_func *f,
                         const uint8_t *ins)
{
    const bc_opinfo *o = &bc_ops[ins[0]];
    uint32_t x[BC_MAX_OPNDS];
    unsigned n = bc_decode(ins, x);
    unsigned at;
    bool is_jump = bc_jump_operand((bc_op)ins[0], &at);
    for (unsigned i = 0; i < n; i++) {
        put_operand(b, p, (bc_opnd)o->kind[i], x, i, i == (is_jump && !at));
    }
    if (is_jump) {
        if (n > 1) {
            sb_puts(b, ", ");
        }
        put_target(b, f, x[at]);
    }
}

/* Pads the line begun at [line_start] with blanks to column [col], or
 * adds one blank when it is already that long. */
static void pad_to(strbuf *b, size_t line_start, size_t col)
{
    size_t used = b->len - line_start;
    do {
        sb_putc(b, ' ');
    } while (++used < col && !b->failed);
}

static void put_func(strbuf *b, const bc_program *p, uint32_t fi)
{
    const bc_func *f = &p->funcs[fi];
    sb_puts(b, "\nfunction ");
    put_name(b, p, f->name);
    sb_printf(b, " (arity %u, locals %u, stack %u%s)\n", f->arity,
              f->nlocals, f->max_stack,
              f->flags & BC_FUNC_MEMO    ? ", memo"
              : f->flags & BC_FUNC_MEMO1 ? ", memo by argument"
                                         : "");
    if ((uint64_t)f->code_off + f->code_len > p->code_len || !p->code) {
        sb_printf(b, "  <code %u..%llu outside the code (%u bytes)>\n",
                  f->code_off, (unsigned long long)f->code_off + f->code_len,
                  p->code_len);
        return;
    }
    const uint8_t *code = p->code + f->code_off;
    const bc_loc *last = NULL;
    uint32_t pc = 0;
    while (pc < f->code_len && !b->failed) {
        size_t line = b->len;
        uint8_t op = code[pc];
        sb_printf(b, "  %04u  ", pc);
        if (op >= OP_COUNT) {
            sb_printf(b, "<bad opcode %u>\n", op);
            return;
        }
        uint32_t n = bc_ops[op].len;
        sb_puts(b, bc_ops[op].name);
        if (n > f->code_len - pc) {
            sb_puts(b, "  <operands cut off by the function's end>\n");
            return;
        }
        if (n > 1) {
            pad_to(b, line, OPERAND_COLUMN);
            put_operands(b, p, f, code + pc);
        }
        const bc_loc *loc = bc_loc_find(p, f->code_off + pc);
        if (loc && (!last || loc->line != last->line ||
                    loc->col != last->col || loc->module != last->module)) {
            pad_to(b, line, LOC_COLUMN);
            sb_puts(b, "; ");
            if (loc->module < p->nmodules) {
                /* A module's line: named by the module (listed above). */
                put_name(b, p, p->modules[loc->module].name);
                sb_putc(b, ':');
            }
            sb_printf(b, "%u:%u", loc->line, loc->col);
            last = loc;
        }
        sb_putc(b, '\n');
        pc += n;
    }
}

void disasm_program(const bc_program *p, strbuf *out)
{
    put_header(out, p);
    put_tables(out, p);
    for (uint32_t i = 0; i < p->nfuncs && !out->failed; i++) {
        put_func(out, p, i);
    }
}
