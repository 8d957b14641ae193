#!/bin/sh
# examples/ci/tally-ci.sh [DIR] - the checks a policy repository runs in
# CI, with Tally installed (`make install`, or TALLY=/path/to/tally):
#
#   1. tally check --strict   every policy and test file: no error, no warning
#   2. tally fmt --check      every file in the canonical layout (a diff if not)
#   3. tally test             every test passes, coverage at least
#                             MIN_COVERAGE percent (default 100), JUnit XML
#                             written to JUNIT (default tally-junit.xml)
#
# DIR (default: the current directory) is searched for .tally files.  The
# script stops at the first failing step with that step's exit status
# (tally --help lists them: 1 errors or warnings under --strict, or a file
# not formatted; 8 a test failed; 9 coverage under the minimum).
set -eu
dir=${1:-.}
tally=${TALLY:-tally}
min=${MIN_COVERAGE:-100}
junit=${JUNIT:-tally-junit.xml}
files=$(find "$dir" -name '*.tally' | LC_ALL=C sort)
if [ -z "$files" ]; then
    echo "tally-ci: no .tally files under $dir" >&2
    exit 4
fi
echo "== tally check --strict"
# shellcheck disable=SC2086 # one word per file: paths hold no spaces here
"$tally" check --strict $files
echo "== tally fmt --check"
# shellcheck disable=SC2086
"$tally" fmt --check $files
echo "== tally test --coverage --min-coverage $min --junit $junit"
"$tally" test --coverage --min-coverage "$min" --junit "$junit" "$dir"
