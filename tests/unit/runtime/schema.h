/* tests/unit/runtime/schema.h - bc_program schemas built by hand.
 *
 * data_fixture.h and test_output.c need programs that only describe
 * data: strings, types, records and enums, no code and no constants, so
 * they build them here without the compiler.  prog_new() gives a program
 * with room for 256 strings, 64 types, 64 fields, 16 records, 64 enum
 * members and 8 enums; str(), type() and enumeration() append to it and
 * return the new entry's index.  Records stay in each test file: the
 * binder cares about a field's unique key, the writer about its flags.
 *
 * Static functions only; include once per test, after <cmocka.h>.
 */
#ifndef TALLY_TESTS_UNIT_RUNTIME_SCHEMA_H
#define TALLY_TESTS_UNIT_RUNTIME_SCHEMA_H

#include <stdint.h>
#include <string.h>

#include "bytecode.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static bc_program *prog_new(mem_ctx *mem)
{
    bc_program *p = bc_program_new(mem);
    assert_non_null(p);
    p->strings = arena_zalloc(&p->arena, 256 * sizeof *p->strings);
    p->types = arena_zalloc(&p->arena, 64 * sizeof *p->types);
    p->fields = arena_zalloc(&p->arena, 64 * sizeof *p->fields);
    p->records = arena_zalloc(&p->arena, 16 * sizeof *p->records);
    p->members = arena_zalloc(&p->arena, 64 * sizeof *p->members);
    p->enums = arena_zalloc(&p->arena, 8 * sizeof *p->enums);
    assert_true(p->strings && p->types && p->fields && p->records &&
                p->members && p->enums);
    return p;
}

static uint32_t str(bc_program *p, const char *s)
{
    assert_true(p->nstrings < 256);
    bc_str *b = &p->strings[p->nstrings];
    b->len = (uint32_t)strlen(s);
    b->p = arena_strndup(&p->arena, s, b->len);
    return p->nstrings++;
}

/* A type of kind [k] referring to [ref], any number of decimal places. */
static uint16_t type(bc_program *p, bc_type_kind k, uint16_t ref)
{
    assert_true(p->ntypes < 64);
    bc_type *t = &p->types[p->ntypes];
    t->kind = (uint8_t)k;
    t->ref = ref;
    t->places = BC_PLACES_ANY;
    return (uint16_t)p->ntypes++;
}

/* An enum [name] of the [n] members [m], each named in JSON as in Tally;
 * [label] is what error messages call a value of it. */
static uint16_t enumeration(bc_program *p, const char *name, const char *label,
                            int n, const char **m)
{
    bc_enum *e = &p->enums[p->nenums];
    e->name = str(p, name);
    e->label = str(p, label);
    e->first_member = p->nmembers;
    e->nmembers = (uint16_t)n;
    for (int i = 0; i < n; i++) {
        p->members[p->nmembers].name = p->members[p->nmembers].json =
            str(p, m[i]);
        p->nmembers++;
    }
    return (uint16_t)p->nenums++;
}

#endif /* TALLY_TESTS_UNIT_RUNTIME_SCHEMA_H */
