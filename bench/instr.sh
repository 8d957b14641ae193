#!/bin/sh
# bench/instr.sh [BASE_REV] [TENDERS] - instructions per tender of
# `tally run examples/award/award.tally`, this working tree against
# BASE_REV (default: the previous commit), counted by callgrind.
#
# Timing on a shared machine moves by several per cent from run to run;
# instruction counts do not move at all, so a change that costs 1% shows
# as 1%.  They are not time (cache misses and branch mispredictions are
# not counted), so `make bench` remains the measure of speed; this is the
# measure of "did this change make the VM do more work".
#
# Each tally runs twice: over one tender (compile, stdlib and start-up:
# the fixed cost) and over TENDERS (default 1000) generated tenders; the
# per-tender cost is the difference over TENDERS - 1.  Both revisions must
# print the same bytes, or the comparison stops.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
base=${1:-HEAD~1}
n=${2:-1000}
command -v valgrind >/dev/null || { echo "instr.sh: needs valgrind" >&2; exit 1; }
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
rev=$(git rev-parse --short "$base")
git worktree add -q --detach "$work/base" "$rev"
echo "instr.sh: building $rev and the working tree" >&2
make -s -C "$work/base" build/bin/tally >/dev/null
make -s build/bin/tally >/dev/null
python3 bench/gen_tenders.py --seed 1 --tenders "$n" > "$work/many.jsonl"
head -n 1 "$work/many.jsonl" > "$work/one.jsonl"
count() { # count TALLY POLICY DATA OUT -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
        "$1" run "$2" "$3" > "$4" 2> "$work/cg.err" || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err"
}
b1=$(count "$work/base/build/bin/tally" "$work/base/examples/award/award.tally" "$work/one.jsonl" "$work/b1")
bn=$(count "$work/base/build/bin/tally" "$work/base/examples/award/award.tally" "$work/many.jsonl" "$work/bn")
h1=$(count build/bin/tally examples/award/award.tally "$work/one.jsonl" "$work/h1")
hn=$(count build/bin/tally examples/award/award.tally "$work/many.jsonl" "$work/hn")
cmp -s "$work/bn" "$work/hn" || { echo "instr.sh: $rev and the working tree print different results" >&2; exit 1; }
awk -v rev="$rev" -v n="$n" -v b1="$b1" -v bn="$bn" -v h1="$h1" -v hn="$hn" 'BEGIN {
    bp = (bn - b1) / (n - 1); hp = (hn - h1) / (n - 1)
    printf "%-14s %14s %14s\n", "", rev, "working tree"
    printf "%-14s %14d %14d   %+.1f%%\n", "fixed cost", b1, h1, 100 * (h1 - b1) / b1
    printf "%-14s %14.0f %14.0f   %+.1f%%\n", "per tender", bp, hp, 100 * (hp - bp) / bp
    printf "%-14s %14d %14d   %+.1f%%\n", n " tenders", bn, hn, 100 * (hn - bn) / bn
}'
