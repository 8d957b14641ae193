#!/bin/sh
# tests/tools/report_shards.sh TALLY [N] [POLICY] - a corpus split across
# processes gives the report of one run over it, byte for byte.  POLICY
# (default tests/golden/report-stdout/policy.tally) reads the records
# gen_tenders.py makes.
#
# Generates N tender records (tests/tools/gen_tenders.py, default 30000),
# runs the report-stdout policy over all of them once on one thread and
# once with --jobs 2, then splits them into three shards, runs each shard
# as a separate process in parallel writing a partial report, merges the
# three with `tally merge` (and again through a combiner: two merged into
# one partial with --partial, then merged with the third) and compares
# every report with the single run's.  Prints one line per comparison
# and exits 1 on the first difference.
set -u
TALLY=$1
N=${2:-30000}
root=$(cd "$(dirname "$0")/../.." && pwd)
policy=${3:-$root/tests/golden/report-stdout/policy.tally}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$root/tests/tools/gen_tenders.py" "$N" 7 > "$work/all.jsonl" || exit 1
"$TALLY" run "$policy" "$work/all.jsonl" -o /dev/null --report "$work/single.jsonl" 2>/dev/null || exit 1
"$TALLY" run "$policy" "$work/all.jsonl" -o /dev/null --report "$work/jobs.jsonl" --jobs 2 2>/dev/null || exit 1
same() {
    if cmp -s "$work/single.jsonl" "$1"; then
        echo "$2: same bytes"
    else
        echo "$2: DIFFERENT"
        diff "$work/single.jsonl" "$1" | head -5
        exit 1
    fi
}
same "$work/jobs.jsonl" "--jobs 2"
(cd "$work" && split -n l/3 -d all.jsonl shard.)
for s in 00 01 02; do
    "$TALLY" run "$policy" "$work/shard.$s" -o /dev/null --report-partial "$work/part.$s.json" 2>/dev/null &
done
wait
for s in 00 01 02; do
    [ -s "$work/part.$s.json" ] || { echo "shard $s wrote no partial"; exit 1; }
done
"$TALLY" merge "$policy" "$work/part.00.json" "$work/part.01.json" "$work/part.02.json" > "$work/merged.jsonl" || exit 1
same "$work/merged.jsonl" "3 shards merged"
"$TALLY" merge "$policy" --partial "$work/part.02.json" "$work/part.00.json" -o "$work/combined.json" || exit 1
"$TALLY" merge "$policy" "$work/part.01.json" "$work/combined.json" > "$work/merged2.jsonl" || exit 1
same "$work/merged2.jsonl" "combiner, then merge"
lines=$(wc -l < "$work/single.jsonl")
echo "report lines: $lines"
