#!/bin/sh
# tests/tools/html_valid.sh NAME PAGE... - the checks every generated
# HTML page passes (tally summaries' pages, the portfolio page of a run's
# reports): HTML Tidy finds nothing (`tidy -errors -quiet`: no errors,
# no warnings), and the page is self-contained: no script, and nothing
# fetched (no src= or stylesheet link; links to citations are allowed).
# Prints "FAIL NAME: ..." for each page that fails; exits 1 if any did.
name=$1
shift
tmp=$(mktemp)
fail=0
for page in "$@"; do
    if ! tidy -errors -quiet "$page" >"$tmp" 2>&1; then
        echo "FAIL $name: tidy on $page:"
        head -20 "$tmp"
        fail=1
    fi
    if grep -qi '<script' "$page"; then
        echo "FAIL $name: $page holds a script"
        fail=1
    fi
    if grep -qiE ' src=|<link ' "$page"; then
        echo "FAIL $name: $page fetches something"
        fail=1
    fi
done
rm -f "$tmp"
exit $fail
