#!/bin/sh
# tests/tools/check_generated.sh TALLY - the award example against an
# independent implementation (tests/tools/reference.py) on tenders made by
# the spec's generator, for several seeds, with and without --edge.
TALLY=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for seed in 1 2 3 7 42; do
    for edge in "" "--edge"; do
        python3 "$root/bench/gen_tenders.py" --seed $seed --tenders 200 $edge >"$tmp/in.jsonl"
        python3 "$root/tests/tools/reference.py" <"$tmp/in.jsonl" >"$tmp/want.jsonl"
        "$TALLY" run "$root/examples/award/award.tally" "$tmp/in.jsonl" >"$tmp/got.jsonl" 2>"$tmp/err"
        if python3 "$root/tests/tools/jsoncmp.py" "$tmp/want.jsonl" "$tmp/got.jsonl" >"$tmp/cmp"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL generated seed $seed $edge: $(cat "$tmp/cmp")"
        fi
    done
done
echo "generated: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
