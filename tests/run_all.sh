#!/bin/sh
# tests/run_all.sh TALLY - the end-to-end suites after the unit tests:
# the language tests (tests/lang) and the golden CLI tests (tests/golden,
# which deals its tests over the processors itself); then, in two lanes
# side by side, compiling generated 1 MB worst cases within the ceiling
# (tests/limits), the award example against the spec's independent
# expected outputs on freshly generated data (tests/tools/check_generated.sh),
# `tally fmt` over every policy of the repository (tests/fmt), and the
# editor grammars against the reserved words and the policies
# (tests/editors); and the generated worst cases of one run
# (tests/hostile/work/worst_case.py), the manual page and completions
# against the command, the HTML of tally doc and tally summaries (tidy,
# and headless Chromium screenshots where installed; the portfolio page
# of a run's reports in the first lane), every number of the
# summaries against tally run (tests/tools/summary_numbers.py), every
# example of the language reference (tests/docs), and the award example's
# own tests (tally test examples/award).
#
# Each lane's output is kept and printed when both are done, so the two
# never interleave; the exit status is 1 when any suite failed.
TALLY=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
python3 "$root/tests/lang/run.py" "$TALLY" || status=1
sh "$root/tests/golden/run.sh" "$TALLY" || status=1

lane_a() {
    s=0
    python3 "$root/tests/limits/run.py" "$TALLY" || s=1
    sh "$root/tests/tools/check_generated.sh" "$TALLY" || s=1
    python3 "$root/tests/fmt/run.py" "$TALLY" || s=1
    python3 "$root/tests/editors/grammar.py" || s=1
    # the portfolio page of a run's reports: tidy, and a Chromium screenshot
    sh "$root/tests/docs/report_html.sh" "$TALLY" || s=1
    return $s
}
lane_b() {
    s=0
    python3 "$root/tests/hostile/work/worst_case.py" "$TALLY" || s=1
    sh "$root/tests/docs/cli_docs.sh" "$TALLY" || s=1
    sh "$root/tests/docs/doc_html.sh" "$TALLY" || s=1
    # tally summaries: the HTML (tidy, Chromium), and every number against the run
    sh "$root/tests/docs/summaries_html.sh" "$TALLY" || s=1
    (cd "$root" && python3 tests/tools/summary_numbers.py "$TALLY" \
        examples/award/sample-justified.jsonl examples/award/edge-justified.jsonl) || s=1
    python3 "$root/tests/docs/language.py" "$TALLY" || s=1
    # The award example's own tests (examples/award/award_test.tally), every
    # coverage point reached or excluded with a reason.
    (cd "$root" && "$TALLY" test --coverage --min-coverage 100 examples/award) || s=1
    return $s
}
(lane_a >"$tmp/a" 2>&1; echo $? >"$tmp/a.rc") &
(lane_b >"$tmp/b" 2>&1; echo $? >"$tmp/b.rc") &
wait
cat "$tmp/a" "$tmp/b"
[ "$(cat "$tmp/a.rc")" = 0 ] || status=1
[ "$(cat "$tmp/b.rc")" = 0 ] || status=1
exit $status
