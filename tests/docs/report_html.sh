#!/bin/sh
# tests/docs/report_html.sh TALLY - the portfolio page (`tally run
# --report x.html`) as browsers and checkers see it.  The contracts
# example's sample and the compliance example's real releases are written
# as HTML pages, which must pass tests/tools/html_valid.sh (HTML Tidy
# clean, no script, nothing fetched).  Then, when Chromium is installed,
# the contracts page is drawn headless to an 800x1800 screenshot
# (tests/tools/screenshot.sh), which must have that size and not be
# blank, and show at least 4,000 pixels of each of the first three
# palette colours: the bars of spend_by_size's contracts (#1f5f8b),
# value (#c9731d) and paid (#3a8a3a) charts, about 6,900 to 9,400 each.
# Without Chromium that part is skipped, and says so.
TALLY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# the sample's one failed record makes the run's status 3
"$TALLY" run examples/contracts/contracts.tally examples/contracts/sample.jsonl \
    -o /dev/null --report "$tmp/contracts.html" 2>/dev/null
[ -s "$tmp/contracts.html" ] || { echo "FAIL report_html: no contracts page"; fail=1; }
"$TALLY" run examples/compliance/compliance.tally examples/compliance/releases.jsonl \
    -o /dev/null --report "$tmp/compliance.html" 2>/dev/null ||
    { echo "FAIL report_html: the compliance page"; fail=1; }
sh tests/tools/html_valid.sh report_html "$tmp/contracts.html" "$tmp/compliance.html" || fail=1
sh tests/tools/screenshot.sh "$tmp/contracts.html" "$tmp/contracts.png" 800 1800 \
    --colour 1f5f8b:4000 --colour c9731d:4000 --colour 3a8a3a:4000
case $? in
0) ;;
77) echo "report_html: chromium is not installed: screenshot test skipped" ;;
*) echo "FAIL report_html: screenshot of the contracts page"; fail=1 ;;
esac
[ "$fail" -eq 0 ] && echo "report_html: 2 pages valid"
exit $fail
