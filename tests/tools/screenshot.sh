#!/bin/sh
# tests/tools/screenshot.sh HTML PNG WIDTH HEIGHT [--colour RRGGBB:MIN]...
# Draws the page HTML with headless Chromium into PNG (WIDTH x HEIGHT)
# and checks it with png_check.py: the size, not blank, and any colours
# asked for.  Chromium runs with a fresh profile and without the
# background traffic it makes by default (component updates, sync, field
# trials), so it neither touches a user's browser nor the network, and
# --no-sandbox because the tests run as root in CI.  Exits 0 when the
# screenshot passes, 1 otherwise (saying why), 77 when Chromium is not
# installed.
html=$1 png=$2 w=$3 h=$4
shift 4
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || exit 77
profile=$(mktemp -d)
log=$(mktemp)
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$w,$h" \
    --screenshot="$png" "file://$html" >"$log" 2>&1
rm -rf "$profile"
if [ ! -s "$png" ]; then
    echo "chromium drew no screenshot of $html:"
    tail -5 "$log"
    rm -f "$log"
    exit 1
fi
rm -f "$log"
python3 "$(dirname "$0")/png_check.py" "$png" "$w" "$h" "$@" >"$png.check" ||
    { cat "$png.check"; exit 1; }
exit 0
