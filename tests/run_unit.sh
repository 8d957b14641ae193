#!/bin/sh
# tests/run_unit.sh - runs each cmocka unit test binary given as arguments
# and prints one summary line: "unit: N passed, M failed".
pass=0
fail=0
for t in "$@"; do
    if "$t" >"$t.log" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $t" >&2
        tail -n 30 "$t.log" >&2
    fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
