#!/bin/sh
# scripts/gen_opcodes_md.sh - writes docs/opcodes.md from runtime/opcodes.def,
# the one list of instructions, and runtime/operands.def, the kinds of
# operand (STYLE.md §7).  `make docs` runs it and the test suite checks the
# committed file is current.
def=${1:-runtime/opcodes.def}
kinds=${2:-$(dirname "$def")/operands.def}
cat <<'HEAD'
# Tally VM instructions

Generated from `runtime/opcodes.def` and `runtime/operands.def` by
`scripts/gen_opcodes_md.sh`; do not edit by hand.  An instruction is one
opcode byte followed by its operands, little-endian, in the order listed.
Each operand has a kind, which fixes its width, how the verifier checks it
and how the disassembler shows it.  *bytes* counts the whole instruction,
opcode included; *pop*/*push* count operand stack values, and `-1` means
the count depends on the operand.

## Operand kinds

| kind | bytes | meaning |
|---|---|---|
HEAD
awk '
function flush() {
    if (kind != "") {
        gsub(/ +/, " ", doc); gsub(/^ +| +$/, "", doc)
        printf "| `%s` | %s | %s |\n", kind, width, doc
    }
    kind = ""
}
/^TALLY_OPERAND\(/ {
    flush()
    line = $0
    sub(/^TALLY_OPERAND\(/, "", line)
    split(line, parts, ")")
    n = split(parts[1], f, ",")
    for (i = 1; i <= n; i++) gsub(/^ +| +$/, "", f[i])
    kind = f[1]; width = f[2]
    doc = line
    if (index(doc, "/*") > 0) { doc = substr(doc, index(doc, "/*") + 2) } else doc = ""
    if (sub(/\*\/.*$/, "", doc) == 0) open = 1; else open = 0
    next
}
open && kind != "" {
    extra = $0
    if (sub(/\*\/.*$/, "", extra) > 0) open = 0
    doc = doc " " extra
    next
}
END { flush() }
' "$kinds"
cat <<'MID'

## Instructions

| # | instruction | operands | bytes | pop | push | meaning |
|---|---|---|---|---|---|---|
MID
awk -v kinds="$kinds" '
BEGIN {
    while ((getline line < kinds) > 0) {
        if (line ~ /^TALLY_OPERAND\(/) {
            sub(/^TALLY_OPERAND\( */, "", line)
            split(line, f, ",")
            kn = f[1]; gsub(/ /, "", kn)
            v = f[2]; sub(/\).*$/, "", v); gsub(/ /, "", v)
            width[kn] = v
        }
    }
}
function flush() {
    if (name != "") {
        gsub(/ +/, " ", doc); gsub(/^ +| +$/, "", doc)
        printf "| %d | `%s` | %s | %d | %s | %s | %s |\n", count++, name, ops, len, pop, push, doc
    }
    name = ""
}
/^TALLY_OP\(/ {
    flush()
    line = $0
    sub(/^TALLY_OP\( */, "", line)
    name = line; sub(/,.*$/, "", name)
    ops = line; sub(/^[^(]*\(/, "", ops); sub(/\).*$/, "", ops)
    rest = line; sub(/^[^)]*\) *, */, "", rest); sub(/\).*$/, "", rest)
    split(rest, pp, ",")
    pop = pp[1]; push = pp[2]; gsub(/ /, "", pop); gsub(/ /, "", push)
    len = 1
    n = split(ops, ks, ",")
    for (i = 1; i <= n; i++) { gsub(/ /, "", ks[i]); len += width[ks[i]] }
    gsub(/ +/, " ", ops); gsub(/^ +| +$/, "", ops)
    if (ops == "") ops = "—"
    doc = ""
    next
}
/^ +(\/\*|\*)/ && name != "" {
    extra = $0
    sub(/^ +\/\* */, "", extra); sub(/^ +\* */, "", extra); sub(/ *\*\/ *$/, "", extra)
    doc = doc " " extra
    next
}
{ flush() }
END { flush() }
' "$def"
