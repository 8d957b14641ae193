#!/bin/sh
# scripts/gen_opcodes_md.sh - writes docs/opcodes.md from runtime/opcodes.def,
# the one list of instructions (STYLE.md §7).  `make docs` runs it and the
# test suite checks the committed file is current.
def=${1:-runtime/opcodes.def}
cat <<'HEAD'
# Tally VM instructions

Generated from `runtime/opcodes.def` by `scripts/gen_opcodes_md.sh`; do not
edit by hand.  An instruction is one opcode byte followed by its operands,
little-endian.  Operand formats: `NONE`; `U8` one byte; `U16` two bytes;
`U32` four bytes (for jumps, an absolute offset in the code, inside the same
function); `U16_U16` two u16; `U8_U8` two bytes; `U32_3U16` a jump target
then three u16; `U16_3` three u16.  *pop*/*push* count operand
stack values; `-1` means the count depends on the operand.

| # | instruction | operands | pop | push | meaning |
|---|---|---|---|---|---|
HEAD
awk '
/^TALLY_OP\(/ {
    if (name != "") emit()
    line = $0
    sub(/^TALLY_OP\(/, "", line)
    split(line, parts, ")")
    n = split(parts[1], f, ",")
    for (i = 1; i <= n; i++) gsub(/^ +| +$/, "", f[i])
    name = f[1]; fmt = f[2]; pop = f[3]; push = f[4]
    doc = line
    if (index(doc, "/*") > 0) { doc = substr(doc, index(doc, "/*") + 2); sub(/\*\/.*$/, "", doc) } else doc = ""
    gsub(/^ +| +$/, "", doc)
    next
}
/^ +\/\*/ && name != "" {
    extra = $0
    sub(/^ +\/\* */, "", extra); sub(/ *\*\/ *$/, "", extra)
    doc = doc " " extra
    next
}
function emit() {
    printf "| %d | `%s` | %s | %s | %s | %s |\n", count++, name, fmt, pop, push, doc
    name = ""
}
END { if (name != "") emit() }
' "$def"
