#!/bin/sh
# tests/fuzz/seed.sh TALLY - (re)creates the seed inputs of the fuzz
# corpora in tests/fuzz/corpus/<target>/ from the repository's own test
# material; files already there (grown by campaigns) are kept.
#   policy    examples/**/*.tally and tests/lang/**/*.tally
#   bytecode  `tally build` of each of those that compiles, twice: mode
#             byte 0 (read as is) and 1 (checksum re-sealed), see
#             fuzz_bytecode.c
#   data      each line of tests/data/award/*.jsonl (one file per line),
#             edge-3.jsonl whole, and a two-element JSON array (fuzz_run
#             reads this corpus too)
# Seeds are named seed-<source> so a merge can tell them from finds.
set -e
TALLY=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
c=tests/fuzz/corpus
mkdir -p $c/policy $c/bytecode $c/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in examples/*/*.tally tests/lang/*/*.tally; do
    name=seed-$(echo "$f" | tr '/' '_')
    cp "$f" "$c/policy/$name"
    if "$TALLY" build "$f" -o "$tmp/b.tbc" 2>/dev/null; then
        printf '\000' | cat - "$tmp/b.tbc" >"$c/bytecode/$name.0"
        printf '\001' | cat - "$tmp/b.tbc" >"$c/bytecode/$name.1"
    fi
done
for f in tests/data/award/*.jsonl; do
    case $f in *.expected.jsonl) continue ;; esac
    base=$(basename "$f" .jsonl)
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        printf '%s\n' "$line" >"$c/data/seed-$base-$n"
    done <"$f"
done
cp tests/data/award/edge-3.jsonl "$c/data/seed-edge-3-whole"
{
    printf '['
    head -n 1 tests/data/award/sample-20.jsonl
    printf ','
    sed -n 2p tests/data/award/sample-20.jsonl
    printf ']\n'
} >"$c/data/seed-array"
