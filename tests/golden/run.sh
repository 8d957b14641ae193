#!/bin/sh
# tests/golden/run.sh TALLY - end-to-end tests of the tally command.
#
# Each folder under tests/golden/ is one test:
#   cmd              a shell command line; $TALLY is the binary under test,
#                    run from the repository root; $TALLY_NATIVE_DIR holds
#                    the test native libraries (tests/native, built)
#   status           the expected exit status (default 0)
#   stdout           expected standard output, byte for byte
#   stdout.jsonl     expected standard output, compared as JSON values
#                    (tests/tools/jsoncmp.py: an error's field path must
#                    match, its wording may differ)
#   stderr           expected standard error, byte for byte
#   stderr.contains  lines that must each appear in standard error
# Expected files are written by hand or copied from independent sources
# (shared/data/award/*.expected.jsonl); never regenerated from a failing run.
#
# The tests are shared among one shard per processor (GOLDEN_JOBS
# overrides; 1 runs them in this process), each shard a copy of this
# script in its own temporary folder, side by side.  A shard takes the
# next test no other shard has taken (an atomic mkdir claims it), so a
# shard held up by a slow test leaves the rest to the others; the
# failures of each shard are then printed in turn, and one total.  Every
# test writes only below $TMPDIR.
TALLY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export TALLY
# The test native libraries are built beside the binary's build
# (BUILD/tests/native); a wrapper elsewhere (tests/valgrind.sh) sets it.
: "${TALLY_NATIVE_DIR:=$(cd "$(dirname "$(readlink -f "$TALLY")")/.." && pwd)/tests/native}"
export TALLY_NATIVE_DIR
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=${GOLDEN_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in ''|*[!0-9]*|0) jobs=1 ;; esac
if [ -z "${GOLDEN_SHARD:-}" ] && [ "$jobs" -gt 1 ]; then
    GOLDEN_CLAIMS=$tmp/claims
    export GOLDEN_CLAIMS
    mkdir "$GOLDEN_CLAIMS"
    i=0
    while [ $i -lt "$jobs" ]; do
        (GOLDEN_SHARD=$i/$jobs sh "$0" "$TALLY" >"$tmp/out$i" 2>&1
         echo $? >"$tmp/rc$i") &
        i=$((i + 1))
    done
    wait
    pass=0
    fail=0
    status=0
    i=0
    while [ $i -lt "$jobs" ]; do
        grep -v '^golden: ' "$tmp/out$i"
        counts=$(sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/out$i")
        if [ -z "$counts" ]; then
            echo "FAIL golden shard $i/$jobs: no total (the runner stopped)"
            status=1
        else
            set -- $counts
            pass=$((pass + $1))
            fail=$((fail + $2))
        fi
        [ "$(cat "$tmp/rc$i")" = 0 ] || status=1
        i=$((i + 1))
    done
    echo "golden: $pass passed, $fail failed"
    exit $status
fi
pass=0
fail=0
for d in tests/golden/*/; do
    name=$(basename "$d")
    [ -f "$d/cmd" ] || continue
    if [ -n "${GOLDEN_CLAIMS:-}" ]; then
        mkdir "$GOLDEN_CLAIMS/$name" 2>/dev/null || continue
    fi
    want=0
    [ -f "$d/status" ] && want=$(cat "$d/status")
    TMPDIR="$tmp" sh -c "$(cat "$d/cmd")" >"$tmp/out" 2>"$tmp/err"
    got=$?
    why=""
    if [ "$got" != "$want" ]; then
        why="exit status $got, expected $want"
    elif [ -f "$d/stdout" ] && ! cmp -s "$d/stdout" "$tmp/out"; then
        why="stdout differs:
$(diff "$d/stdout" "$tmp/out" | head -20)"
    elif [ -f "$d/stdout.jsonl" ] && ! python3 tests/tools/jsoncmp.py "$d/stdout.jsonl" "$tmp/out" >"$tmp/cmp"; then
        why="stdout differs: $(cat "$tmp/cmp")"
    elif [ -f "$d/stderr" ] && ! cmp -s "$d/stderr" "$tmp/err"; then
        why="stderr differs:
$(diff "$d/stderr" "$tmp/err" | head -20)"
    elif [ -f "$d/stderr.contains" ]; then
        while IFS= read -r line; do
            if ! grep -qF -- "$line" "$tmp/err"; then
                why="stderr lacks: $line"
                break
            fi
        done <"$d/stderr.contains"
    fi
    if [ -n "$why" ]; then
        fail=$((fail + 1))
        echo "FAIL golden/$name: $why"
        echo "--- stderr:"
        head -20 "$tmp/err"
    else
        pass=$((pass + 1))
    fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
