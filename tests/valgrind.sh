#!/bin/sh
# tests/valgrind.sh [TALLY] [FILTER] - runs every golden CLI test
# (tests/golden/run.sh) with the tally binary under valgrind's memcheck:
# invalid reads and writes, uses of uninitialised values, bad frees and
# leaks (definite and indirect; GMP's and yajl's own caches are still
# reachable at exit, which is not a leak).  TALLY defaults to bin/tally;
# FILTER, when given, runs only the golden tests whose names contain it.
#
# Each tally process writes its own log; a process with an error exits 99,
# which also fails its golden test.  Prints every log that reports an
# error and exits 1 if there was any.  Slow (the 100 MB tests take a
# minute or so): not part of `make test`.
root=$(cd "$(dirname "$0")/.." && pwd)
tally=$(cd "$(dirname "${1:-$root/bin/tally}")" && pwd)/$(basename "${1:-bin/tally}")
filter=$2
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs" "$work/golden"
cat >"$work/tally" <<WRAP
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --track-origins=yes --log-file="$work/logs/%p.log" "$tally" "\$@"
WRAP
chmod +x "$work/tally"
# A copy of the golden folders (all, or those matching FILTER), so the
# stock runner can be used as it is.
cd "$root" || exit 1
for d in tests/golden/*/; do
    n=$(basename "$d")
    case $n in *"$filter"*) ;; *) continue ;; esac
    # Checks that start tally a thousand times over on one record each,
    # to compare numbers, not to reach new code: whynot-check re-runs
    # every reported price and a penny more (about 1,900 processes, half
    # an hour under memcheck); explain-numbers runs explain once per
    # record.  The paths they take are the whynot-* and explain-* tests',
    # which do run here.  Named, they still run when FILTER asks for them.
    case $n in whynot-check|explain-numbers)
        [ "$filter" = "$n" ] || continue ;;
    esac
    cp -r "$d" "$work/golden/$n"
done
cp tests/golden/run.sh "$work/golden/run.sh"
# run.sh works from the repository root, on tests/golden/*/: point it at
# the copy by running it with the root and the folder list patched.
sed -e "s#^root=.*#root=$root#" -e "s#tests/golden/\*/#$work/golden/*/#" \
    tests/golden/run.sh >"$work/run.sh"
TALLY_NATIVE_DIR=$(cd "$(dirname "$(readlink -f "$tally")")/.." && pwd)/tests/native
export TALLY_NATIVE_DIR
sh "$work/run.sh" "$work/tally"
golden=$?
bad=0
for log in "$work"/logs/*.log; do
    [ -f "$log" ] || continue
    if grep -q "ERROR SUMMARY: [1-9]" "$log"; then
        # A run killed by a signal on purpose (output-signal) stops
        # mid-record: what it holds then only in registers shows as
        # "definitely lost", depending on where the signal lands.  Such a
        # process counts only for errors other than leaks.
        if grep -q "Process terminating with default action of signal" "$log" &&
           ! grep -q -e "Invalid " -e "uninitialised" -e "Mismatched" \
                     -e "Syscall param" -e "overlap" -e "Invalid free" "$log"; then
            continue
        fi
        bad=$((bad + 1))
        echo "--- $(grep -m1 'Command:' "$log" | sed 's/.*Command: //')"
        grep -v "^==[0-9]*== *$" "$log" | sed -n '1,60p'
    fi
done
n=$(ls "$work"/logs | wc -l)
echo "valgrind: $n tally processes, $bad with errors"
[ $bad -eq 0 ] && [ $golden -eq 0 ]
