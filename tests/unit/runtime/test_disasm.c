/* tests/unit/runtime/test_disasm.c - unit tests for runtime/disasm.c.
 *
 * A small hand-built program (a memoised output function, a helper it
 * calls, a record check, and a function using LIST, SORT, JUMP and LOOP)
 * is listed and compared with a golden text written out below, byte for
 * byte; the program is verified first so the golden shows real code.
 * Then the listing is shown to be deterministic and to survive a program
 * whose every index is out of range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bytecode.h"
#include "disasm.h"
#include "verify.h"

#define CAP 32

static uint32_t add_str(bc_program *p, const char *s)
{
    size_t len = strlen(s);
    p->strings[p->nstrings].p = arena_strndup(&p->arena, s, len);
    p->strings[p->nstrings].len = (uint32_t)len;
    return p->nstrings++;
}

static void put(bc_program *p, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        p->code[p->code_len++] = (uint8_t)va_arg(ap, int);
    }
    va_end(ap);
}

static void loc(bc_program *p, uint32_t line, uint32_t col)
{
    p->locs[p->nlocs++] = (bc_loc){p->code_len, line, col, BC_NONE_U16};
}

static void func(bc_program *p, uint32_t name, uint16_t arity,
                 uint16_t nlocals, uint16_t stack, uint8_t flags,
                 uint32_t off)
{
    p->funcs[p->nfuncs++] =
        (bc_func){name, arity, nlocals, stack, flags, off, p->code_len - off};
}

static bc_program *tiny(mem_ctx *mem)
{
    bc_program *p = bc_program_new(mem);
    assert_non_null(p);
    arena *a = &p->arena;
    p->strings = arena_zalloc(a, CAP * sizeof *p->strings);
    p->consts = arena_zalloc(a, CAP * sizeof *p->consts);
    p->types = arena_zalloc(a, CAP * sizeof *p->types);
    p->fields = arena_zalloc(a, CAP * sizeof *p->fields);
    p->records = arena_zalloc(a, CAP * sizeof *p->records);
    p->members = arena_zalloc(a, CAP * sizeof *p->members);
    p->enums = arena_zalloc(a, CAP * sizeof *p->enums);
    p->funcs = arena_zalloc(a, CAP * sizeof *p->funcs);
    p->locs = arena_zalloc(a, CAP * sizeof *p->locs);
    p->code = arena_zalloc(a, 256);

    static const char *const strs[] = {
        "Tiny", "1",     "tiny.tally", "in",  "In",  "name",
        "score", "main", "twice",      "check", "ranked", "EUR",
        "Level", "level", "low",       "high", "HIGH", "score must be positive",
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        add_str(p, strs[i]);
    }

    dec d;
    assert_int_equal(dec_parse(a, "2.50", 4, &d), DEC_OK);
    int64_t day;
    assert_true(date_from_ymd(2026, 1, 31, &day));
    p->consts[0] = val_int(2);
    p->consts[1] = val_dec(d);
    p->consts[2] = val_text(p->strings[17].p, p->strings[17].len);
    p->consts[3].kind = VAL_ENUM;
    p->consts[3].as.i = 1;
    p->consts[4].kind = VAL_DATE;
    p->consts[4].as.i = day;
    p->nconsts = 5;

    p->types[0] = (bc_type){.kind = BT_TEXT};
    p->types[1] = (bc_type){.kind = BT_INT};
    p->types[2] = (bc_type){.kind = BT_RECORD, .ref = 0};
    p->types[3] = (bc_type){.kind = BT_MONEY, .places = 2, .currency = 11};
    p->types[4] = (bc_type){.kind = BT_ENUM, .ref = 0};
    p->types[5] = (bc_type){.kind = BT_LIST, .ref = 1};
    p->ntypes = 6;
    p->fields[0] = (bc_field){5, 5, 0, BC_NONE_U16, 0};
    p->fields[1] = (bc_field){6, 6, 1, BC_NONE_U16, 0};
    p->nfields = 2;
    p->records[0] = (bc_record){4, 0, 2, 2};
    p->nrecords = 1;
    p->members[0] = (bc_member){14, 14};
    p->members[1] = (bc_member){15, 16};
    p->nmembers = 2;
    p->enums[0] = (bc_enum){12, 13, 0, 2};
    p->nenums = 1;

    /* main = round(twice(input.score) * 2.5, 2, half even) */
    loc(p, 1, 1);
    put(p, 1, OP_INPUT);
    put(p, 5, OP_FIELD, 0, 0, 1, 0);
    loc(p, 2, 3);
    put(p, 3, OP_CALL, 1, 0);
    put(p, 3, OP_STORE, 0, 0);
    loc(p, 2, 3); /* same place: no new note */
    put(p, 3, OP_LOAD, 0, 0);
    put(p, 1, OP_INT_TO_DEC);
    put(p, 3, OP_CONST, 1, 0);
    put(p, 1, OP_MUL_DEC);
    put(p, 3, OP_CONST, 0, 0);
    loc(p, 3, 5);
    put(p, 2, OP_ROUND, DEC_HALF_EVEN);
    put(p, 1, OP_RET);
    func(p, 7, 0, 1, 2, BC_FUNC_MEMO, 0);

    /* twice(x) = x * 2 */
    uint32_t off = p->code_len;
    loc(p, 5, 3);
    put(p, 3, OP_LOAD, 0, 0);
    put(p, 3, OP_CONST, 0, 0);
    put(p, 1, OP_MUL_INT);
    put(p, 1, OP_RET);
    func(p, 8, 1, 1, 2, 0, off);

    /* check(r): r.score >= 2 or reject at "score" (LOAD then FIELD fused) */
    off = p->code_len;
    loc(p, 7, 3);
    put(p, 7, OP_LOAD_FIELD, 0, 0, 0, 0, 1, 0);
    put(p, 3, OP_CONST, 0, 0);
    put(p, 1, OP_GE);
    put(p, 5, OP_JUMP_IF_TRUE, off + 24, 0, 0, 0);
    loc(p, 8, 5);
    put(p, 3, OP_CONST, 2, 0);
    put(p, 5, OP_CHECK_FAIL, 6, 0, 0, 0);
    put(p, 1, OP_PUSH_TRUE);
    put(p, 1, OP_RET);
    func(p, 9, 1, 1, 2, 0, off);

    /* ranked: operands of every remaining kind; 0019 is unreachable */
    off = p->code_len;
    loc(p, 10, 3);
    put(p, 3, OP_CONST, 3, 0);
    put(p, 3, OP_CONST, 4, 0);
    put(p, 3, OP_LIST, 2, 0);
    put(p, 3, OP_SORT, 2, 2);
    put(p, 2, OP_TO_TEXT, BC_PLACES_ANY);
    put(p, 5, OP_JUMP, off + 24, 0, 0, 0);
    put(p, 5, OP_LOOP, off + 14, 0, 0, 0);
    put(p, 1, OP_RET);
    func(p, 10, 0, 0, 2, 0, off);

    p->title = 0;
    p->version = 1;
    p->source = 2;
    p->input_record = 0;
    p->input_name = 3;
    p->key_field = 0;
    p->output_func = 0;
    p->output_type = 3;
    return p;
}

static const char golden[] =
    "policy \"Tiny\" version \"1\" source \"tiny.tally\"\n"
    "input record In as \"in\", key field name\n"
    "output function main, type 3 (money EUR, 2 places)\n"
    "\n"
    "strings 18\n"
    "     0  \"Tiny\"\n"
    "     1  \"1\"\n"
    "     2  \"tiny.tally\"\n"
    "     3  \"in\"\n"
    "     4  \"In\"\n"
    "     5  \"name\"\n"
    "     6  \"score\"\n"
    "     7  \"main\"\n"
    "     8  \"twice\"\n"
    "     9  \"check\"\n"
    "    10  \"ranked\"\n"
    "    11  \"EUR\"\n"
    "    12  \"Level\"\n"
    "    13  \"level\"\n"
    "    14  \"low\"\n"
    "    15  \"high\"\n"
    "    16  \"HIGH\"\n"
    "    17  \"score must be positive\"\n"
    "constants 5\n"
    "     0  integer 2\n"
    "     1  decimal 2.5\n"
    "     2  text \"score must be positive\"\n"
    "     3  enum Level.high\n"
    "     4  date 2026-01-31\n"
    "types 6\n"
    "     0  text\n"
    "     1  integer\n"
    "     2  record In\n"
    "     3  money EUR, 2 places\n"
    "     4  enum Level\n"
    "     5  list of type 1\n"
    "records 1\n"
    "     0  In, check check\n"
    "           0  name as \"name\": type 0\n"
    "           1  score as \"score\": type 1\n"
    "enums 1\n"
    "     0  Level \"level\": low \"low\", high \"HIGH\"\n"
    "\n"
    "function main (arity 0, locals 1, stack 2, memo)\n"
    "  0000  INPUT                               ; 1:1\n"
    "  0001  FIELD          In.score\n"
    "  0006  CALL           twice                ; 2:3\n"
    "  0009  STORE          0\n"
    "  0012  LOAD           0\n"
    "  0015  INT_TO_DEC\n"
    "  0016  CONST          1 (2.5)\n"
    "  0019  MUL_DEC\n"
    "  0020  CONST          0 (2)\n"
    "  0023  ROUND          half even            ; 3:5\n"
    "  0025  RET\n"
    "\n"
    "function twice (arity 1, locals 1, stack 2)\n"
    "  0000  LOAD           0                    ; 5:3\n"
    "  0003  CONST          0 (2)\n"
    "  0006  MUL_INT\n"
    "  0007  RET\n"
    "\n"
    "function check (arity 1, locals 1, stack 2)\n"
    "  0000  LOAD_FIELD     0 In.score           ; 7:3\n"
    "  0007  CONST          0 (2)\n"
    "  0010  GE\n"
    "  0011  JUMP_IF_TRUE   -> 0024\n"
    "  0016  CONST          2 (\"score must be positive\") ; 8:5\n"
    "  0019  CHECK_FAIL     \"score\"\n"
    "  0024  PUSH_TRUE\n"
    "  0025  RET\n"
    "\n"
    "function ranked (arity 0, locals 0, stack 2)\n"
    "  0000  CONST          3 (Level.high)       ; 10:3\n"
    "  0003  CONST          4 (2026-01-31)\n"
    "  0006  LIST           2\n"
    "  0009  SORT           2 keys: asc desc\n"
    "  0012  TO_TEXT        shortest\n"
    "  0014  JUMP           -> 0024\n"
    "  0019  LOOP           -> 0014\n"
    "  0024  RET\n";

static void test_disasm_golden(void **state)
{
    mem_ctx mem;
    mem_init(&mem);
    bc_program *p = tiny(&mem);
    char err[256];
    if (!vfy_program(p, err, sizeof err)) {
        fail_msg("the golden program must verify: %s", err);
    }
    strbuf b;
    sb_init(&b, &mem);
    disasm_program(p, &b);
    assert_false(b.failed);
    if (strcmp(b.p, golden) != 0) {
        print_error("got:\n%s", b.p);
    }
    assert_string_equal(b.p, golden);
    sb_free(&b);
    bc_program_free(p);
    assert_int_equal(mem.live, 0);
}

static void test_disasm_is_deterministic(void **state)
{
    bc_program *p = tiny(NULL);
    bc_program *q = tiny(NULL); /* other addresses, same program */
    strbuf a, b;
    sb_init(&a, NULL);
    sb_init(&b, NULL);
    disasm_program(p, &a);
    disasm_program(q, &b);
    disasm_program(p, &b); /* appends */
    assert_int_equal(b.len, 2 * a.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_memory_equal(a.p, b.p + a.len, a.len);
    sb_free(&a);
    sb_free(&b);
    bc_program_free(q);
    bc_program_free(p);
}

/* `tally disasm` is for files the verifier rejects too: every index out
 * of range must print, not crash. */
static void test_disasm_survives_bad_indices(void **state)
{
    bc_program *p = tiny(NULL);
    p->title = 99;
    p->input_record = 7;
    p->key_field = 3;
    p->output_func = 9;
    p->output_type = 40;
    p->consts[3].type = 5;                 /* enum */
    p->consts[4].as.i = INT64_MAX;         /* date */
    p->types[2].ref = 50;                  /* record */
    p->types[3].currency = 60;             /* string */
    p->types[4].ref = 70;                  /* enum */
    p->types[5].ref = 80;                  /* element */
    p->types[1].kind = 200;
    p->records[0].first_field = 1;         /* runs past fields */
    p->enums[0].nmembers = 5;              /* runs past members */
    p->fields[1].name = 1000;
    p->code[p->funcs[0].code_off + 4] = 9;    /* FIELD In.#9 */
    p->code[p->funcs[0].code_off + 7] = 9;    /* CALL 9 */
    p->code[p->funcs[0].code_off + 24] = 77;  /* ROUND mode */
    p->code[p->funcs[1].code_off + 6] = 0xF0; /* bad opcode */
    p->funcs[2].code_len = 9;                 /* cuts CONST's operand */
    p->code[p->funcs[3].code_off + 16] = 0xFF; /* JUMP far away */
    p->funcs[4] = p->funcs[3];
    p->funcs[4].code_off = 1000; /* outside the code */
    p->nfuncs = 5;
    p->strings[15].p = "\x01quoted\""; /* a name that needs quotes */
    p->strings[15].len = 8;
    strbuf b;
    sb_init(&b, NULL);
    disasm_program(p, &b);
    assert_false(b.failed);
    static const char *const want[] = {
        "policy #99? version \"1\"",
        "input record #7? as \"in\", key field #3?",
        "output function #9?, type 40\n",
        "     3  enum #5?.1\n",
        "     4  date 9223372036854775807?\n",
        "     1  <kind 200?>\n",
        "     2  record #50?\n",
        "     3  money #60?, 2 places\n",
        "     4  enum #70?\n",
        "     5  list of type 80?\n",
        ("           0  #1000? as \"score\": type 1\n"
         "          <fields out of range>\n"),
        "low \"low\", \"\\u0001quoted\\\"\" \"HIGH\" <members out of range>\n",
        "  0001  FIELD          In.#9?\n",
        "  0006  CALL           #9?                  ; 2:3\n",
        "  0023  ROUND          mode 77?             ; 3:5\n",
        "  0006  <bad opcode 240>\n",
        "  0007  CONST  <operands cut off by the function's end>\n",
        "  0014  JUMP           -> code 65364?\n",
        "  <code 1000..1025 outside the code (85 bytes)>\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(b.p, want[i])) {
            fail_msg("missing \"%s\" in:\n%s", want[i], b.p);
        }
    }
    sb_free(&b);
    bc_program_free(p);
}

static void test_disasm_out_of_memory(void **state)
{
    bc_program *p = tiny(NULL);
    mem_ctx mem;
    mem_init(&mem);
    mem.cap = 300; /* the listing needs more */
    strbuf b;
    sb_init(&b, &mem);
    disasm_program(p, &b);
    assert_true(b.failed);
    sb_free(&b);
    assert_int_equal(mem.live, 0);
    bc_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disasm_golden),
        cmocka_unit_test(test_disasm_is_deterministic),
        cmocka_unit_test(test_disasm_survives_bad_indices),
        cmocka_unit_test(test_disasm_out_of_memory),
    };
    return cmocka_run_group_tests_name("disasm", tests, NULL, NULL);
}
