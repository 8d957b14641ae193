#!/bin/sh
# tests/hostile/run.sh [--no-jobs] FILE RECORDS - runs the award policy over a hostile
# data file, as the golden tests tests/golden/hostile-*/ do, and checks the
# bookkeeping every run must keep, whatever the data:
#
#   - every input record is accounted for: RECORDS output lines (results
#     plus error records), and the summary line on stderr says
#     "RECORDS records: E evaluated, R rejected, F failed" with
#     E + R + F = RECORDS;
#   - a parallel run (--jobs 2) writes the same bytes, the same summary
#     and exits with the same status.
#
# --no-jobs leaves out the parallel run (for a known, reported bug).
# Prints the sequential run's stdout and stderr and exits with its status,
# or with 99 and a line "hostile: ..." on stderr when a check fails.
# $TALLY is the binary; run from the repository root.
jobs=yes
if [ "$1" = "--no-jobs" ]; then
    jobs=no
    shift
fi
f=$1
want=$2
tmp=${TMPDIR:-/tmp}/hostile.$$
mkdir -p "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT
"$TALLY" run examples/award/award.tally "$f" >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out"
cat "$tmp/err" >&2
bad() {
    echo "hostile: $*" >&2
    exit 99
}
lines=$(wc -l <"$tmp/out" | tr -d ' ')
[ "$lines" = "$want" ] || bad "$lines output records, expected $want"
summary=$(grep '^tally: [0-9]* records: ' "$tmp/err")
[ -n "$summary" ] || bad "no summary line"
set -- $(echo "$summary" | sed 's/[^0-9 ]//g')
[ "$1" = "$want" ] || bad "the summary counts $1 records, expected $want"
[ $(($2 + $3 + $4)) = "$1" ] || bad "$2 + $3 + $4 records accounted for, of $1"
[ "$jobs" = yes ] || exit $status
"$TALLY" run examples/award/award.tally "$f" --jobs 2 >"$tmp/out2" 2>"$tmp/err2"
status2=$?
[ "$status2" = "$status" ] || bad "--jobs 2 exits $status2, one job $status"
cmp -s "$tmp/out" "$tmp/out2" || bad "--jobs 2 writes other bytes:
$(diff "$tmp/out" "$tmp/out2" | head -6 | cut -c1-200)"
grep -qxF "$summary" "$tmp/err2" || bad "--jobs 2 summary differs: $(grep '^tally: ' "$tmp/err2")"
exit $status
