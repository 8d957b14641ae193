#!/bin/sh
# tests/docs/summaries_html.sh TALLY - the HTML of `tally summaries` as
# browsers and checkers see it.  The award example's summaries of its
# justified sample and edge data are written in HTML, and every page (the
# index, each tender's page, each letter) must pass HTML Tidy
# (`tidy -errors -quiet`: no errors, no warnings) and hold no script
# (tests/tools/html_valid.sh, shared with tests/docs/report_html.sh).
# Then, when Chromium is installed, a tender's page (with its chart) and a
# letter are drawn headless to 800x900 screenshots (tests/tools/
# screenshot.sh), which must have that size and not be blank, and the
# page's chart must show at least 2,000 pixels of each criterion's colour
# (#1f5f8b price, #c9731d quality, #3a8a3a social value).  Without
# Chromium that part is skipped, and says so.
TALLY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for d in sample-justified edge-justified; do
    # the edge data holds a rejected record: status 2, and the rest written
    "$TALLY" summaries examples/award/award.tally "examples/award/$d.jsonl" \
        --out "$tmp/$d" 2>"$tmp/err"
    s=$?
    if [ "$s" -ne 0 ] && [ "$s" -ne 2 ]; then
        echo "FAIL summaries_html: tally summaries of $d: status $s: $(cat "$tmp/err")"
        fail=1
        continue
    fi
    pages=$(find "$tmp/$d" -name '*.html' | sort)
    n=$((n + $(echo "$pages" | wc -l)))
    # shellcheck disable=SC2086 # one page a word: the names have no blanks
    sh tests/tools/html_valid.sh summaries_html $pages || fail=1
done
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    sh tests/tools/screenshot.sh "$tmp/sample-justified/T-000003/index.html" \
        "$tmp/tender.png" 800 900 --colour 1f5f8b:2000 --colour c9731d:2000 \
        --colour 3a8a3a:2000 ||
        { echo "FAIL summaries_html: screenshot of a tender's page"; fail=1; }
    sh tests/tools/screenshot.sh "$tmp/sample-justified/T-000001/S-00384.html" \
        "$tmp/letter.png" 800 900 ||
        { echo "FAIL summaries_html: screenshot of a letter"; fail=1; }
else
    echo "summaries_html: chromium is not installed: screenshot test skipped"
fi
[ "$fail" -eq 0 ] && echo "summaries_html: $n pages valid"
exit $fail
