#!/bin/sh
# tests/clang-tidy.sh [FILES...] - clang-tidy over Tally's C (default:
# runtime/, lang/ and cli/) with the checked-in .clang-tidy, in both VM
# dispatch builds for vm.c.  Exits 1 on any warning in Tally's own files;
# run from anywhere (it generates the scanner and parser headers first).
# Every check turned off is listed, with its reason, in .clang-tidy.
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
[ -f build/gen/lexer.h ] || make -s build/gen/lexer.c >/dev/null || exit 1
if [ $# -eq 0 ]; then
    set -- runtime/*.c lang/*.c api/*.c cli/*.c
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
check() {
    clang-tidy -quiet "$1" -- -std=gnu11 -Iinclude -Iruntime -Ilang -Iapi \
        -Ibuild/gen -DTALLY_DEBUG "$2" >"$log" 2>&1
    # clang-tidy exits 0 on warnings; a warning line is what fails.
    if grep -q -E ': (warning|error):' "$log"; then
        grep -E ': (warning|error):|note: ' "$log" | head -40
        status=1
    fi
}
for f in "$@"; do
    check "$f" -DTALLY_COMPUTED_GOTO
    case $f in
    runtime/vm.c) check "$f" -UTALLY_COMPUTED_GOTO ;;
    esac
done
[ $status -eq 0 ] && echo "clang-tidy: clean ($# files)"
exit $status
