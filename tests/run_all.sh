#!/bin/sh
# tests/run_all.sh TALLY - the end-to-end suites after the unit tests:
# language tests (tests/lang), golden CLI tests (tests/golden), compiling
# generated 1 MB worst cases within the ceiling (tests/limits), and the
# award example against the spec's independent expected outputs on
# freshly generated data (tests/tools/check_generated.sh), and the
# generated worst cases of one run (tests/hostile/work/worst_case.py), and
# the manual page and completions against the command, the HTML of
# tally doc and tally summaries (tidy, and headless Chromium screenshots
# where installed), every number of the summaries against tally run
# (tests/tools/summary_numbers.py), and every example of the language
# reference (tests/docs).
# the manual page and completions against the command, and every example
# of the language reference (tests/docs), the award example's tests
# (tally test examples/award), `tally fmt` over every policy of the
# repository (tests/fmt), and the editor grammars against the reserved
# words and the policies (tests/editors).
TALLY=$1
status=0
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$root/tests/lang/run.py" ]; then
    python3 "$root/tests/lang/run.py" "$TALLY" || status=1
fi
sh "$root/tests/golden/run.sh" "$TALLY" || status=1
python3 "$root/tests/limits/run.py" "$TALLY" || status=1
if [ -f "$root/tests/tools/check_generated.sh" ]; then
    sh "$root/tests/tools/check_generated.sh" "$TALLY" || status=1
fi
python3 "$root/tests/hostile/work/worst_case.py" "$TALLY" || status=1
sh "$root/tests/docs/cli_docs.sh" "$TALLY" || status=1
sh "$root/tests/docs/doc_html.sh" "$TALLY" || status=1
# tally summaries: the HTML (tidy, Chromium), and every number against the run
sh "$root/tests/docs/summaries_html.sh" "$TALLY" || status=1
(cd "$root" && python3 tests/tools/summary_numbers.py "$TALLY" \
    examples/award/sample-justified.jsonl examples/award/edge-justified.jsonl) || status=1
# the portfolio page of a run's reports: tidy, and a Chromium screenshot
sh "$root/tests/docs/report_html.sh" "$TALLY" || status=1
python3 "$root/tests/docs/language.py" "$TALLY" || status=1
# The award example's own tests (examples/award/award_test.tally), every
# coverage point reached or excluded with a reason.
(cd "$root" && "$TALLY" test --coverage --min-coverage 100 examples/award) || status=1
python3 "$root/tests/fmt/run.py" "$TALLY" || status=1
python3 "$root/tests/editors/grammar.py" || status=1
exit $status
