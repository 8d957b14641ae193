#!/bin/sh
# tests/fuzz/merge.sh TARGET [BUILD] - folds what a campaign found
# (BUILD/corpus/TARGET, BUILD defaulting to build-fuzz) into the checked-in
# corpus tests/fuzz/corpus/TARGET (for run: corpus/data, which fuzz_run
# shares with fuzz_data), minimized with libFuzzer's -merge=1:
# the seeds (seed-*) are kept as they are, and of everything else only the
# inputs that add coverage to them are kept.  For run, every input of
# corpus/data stays and only run's finds that add coverage are added.
# Grown policies are cut to 8 KiB (the seeds are kept whole), which keeps
# the corpus near 5 MB.  Run from the repository root after
# `make fuzz-build`; `make fuzz-merge` runs it for every target.
set -e
t=$1
b=${2:-build-fuzz}
case $t in
policy) max=8192 ;;
bytecode | data | run) max=16384 ;;
*) echo "merge.sh: unknown target $t" >&2; exit 1 ;;
esac
corpus=tests/fuzz/corpus/$t
[ "$t" = run ] && corpus=tests/fuzz/corpus/data
new=$(mktemp -d)
trap 'rm -rf "$new"' EXIT
if [ "$t" = run ]; then
    cp "$corpus"/* "$new"/ # data's inputs all stay; run's finds are added
else
    cp "$corpus"/seed-* "$new"/
fi
mkdir -p "$b/corpus/$t"
"$b/fuzz_$t" -merge=1 -max_len=$max -timeout=10 -rss_limit_mb=2048 \
    "$new" "$corpus" "$b/corpus/$t" 2>"$b/merge-$t.log" || {
    tail -20 "$b/merge-$t.log" >&2
    exit 1
}
rm -f "$corpus"/*
cp "$new"/* "$corpus"/
echo "merge.sh: $t: $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
