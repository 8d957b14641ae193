#!/bin/sh
# tests/docs/doc_html.sh TALLY - the HTML of `tally doc` as browsers and
# checkers see it.  Every policy of the examples and of the doc goldens
# is rendered and checked with HTML Tidy (`tidy -errors -quiet`: no
# errors, no warnings); then, when Chromium is installed, each page is
# drawn headless to an 800x1200 PNG screenshot (tests/tools/screenshot.sh),
# which must have that size and not be blank (tests/tools/png_check.py).
# Without Chromium that part is skipped, and says so.
TALLY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
chromium=$(command -v chromium || command -v chromium-browser || true)
for p in examples/award/award.tally tests/golden/doc-constructs/policy.tally; do
    n=$((n + 1))
    out="$tmp/$n"
    if ! "$TALLY" doc "$p" --as-of 2026-03-01 --out "$out" 2>"$tmp/err"; then
        echo "FAIL doc_html: tally doc $p: $(cat "$tmp/err")"
        fail=1
        continue
    fi
    if ! tidy -errors -quiet "$out/index.html" >"$tmp/tidy" 2>&1; then
        echo "FAIL doc_html: tidy on the doc of $p:"
        head -20 "$tmp/tidy"
        fail=1
    fi
    if [ -n "$chromium" ]; then
        sh tests/tools/screenshot.sh "$out/index.html" "$out/page.png" 800 1200 ||
            { echo "FAIL doc_html: screenshot of the doc of $p"; fail=1; }
    fi
done
if [ -z "$chromium" ]; then
    echo "doc_html: chromium is not installed: screenshot test skipped"
fi
[ "$fail" -eq 0 ] && echo "doc_html: $n documents valid"
exit $fail
