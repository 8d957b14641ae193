#!/bin/sh
# tests/docs/doc_html.sh TALLY - the HTML of `tally doc` as browsers and
# checkers see it.  Every policy of the examples and of the doc goldens
# is rendered and checked with HTML Tidy (`tidy -errors -quiet`: no
# errors, no warnings); then, when Chromium is installed, each page is
# drawn headless to a PNG screenshot, which must exist and not be empty.
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
        # A private profile: no state shared with a user's browser.
        "$chromium" --headless --disable-gpu --no-sandbox \
            --user-data-dir="$tmp/profile" --window-size=1024,4000 \
            --screenshot="$out/page.png" "file://$out/index.html" \
            >"$tmp/chromium" 2>&1
        if [ ! -s "$out/page.png" ]; then
            echo "FAIL doc_html: chromium drew no screenshot of the doc of $p:"
            tail -5 "$tmp/chromium"
            fail=1
        fi
    fi
done
if [ -z "$chromium" ]; then
    echo "doc_html: chromium is not installed: screenshot test skipped"
fi
[ "$fail" -eq 0 ] && echo "doc_html: $n documents valid"
exit $fail
