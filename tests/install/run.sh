#!/bin/sh
# tests/install/run.sh ROOT PREFIX CC CFLAGS - checks a `make install
# DESTDIR=ROOT PREFIX=PREFIX` tree, then builds examples/embed against it
# with pkg-config alone and runs it on the award example.
#
#   - every file `make install` promises is there: the binary, the header,
#     libtally.a, libtally.so.X.Y.Z with its soname link and dev link,
#     tally.pc, the docs, the manual page and the shell completions, the
#     standard library's modules, the Vim syntax and the TextMate grammar;
#   - the shared library's soname is libtally.so.MAJOR, and it exports the
#     tally_ API and nothing else;
#   - examples/embed builds with `pkg-config --cflags --libs tally` (CC and
#     CFLAGS are the build's, so a sanitizer build links its runtime) and,
#     run on the installed shared library, gives the award results the
#     specification expects (compared as JSON, tests/tools/jsoncmp.py);
#   - the installed binary runs.
# Prints "install: ok" or what is wrong, and exits 1.
root=$1
prefix=$2
cc=$3
cflags=$4
here=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
    echo "install: $*"
    exit 1
}
lib=$root$prefix/lib
for f in bin/tally include/tally.h include/tally_native.h lib/libtally.a lib/libtally.so \
         lib/pkgconfig/tally.pc share/doc/tally/README.md \
         share/doc/tally/opcodes.md share/man/man1/tally.1 \
         share/bash-completion/completions/tally share/zsh/site-functions/_tally \
         share/tally/stdlib/procurement.tally share/vim/vimfiles/syntax/tally.vim \
         share/vim/vimfiles/ftdetect/tally.vim \
         share/tally/editors/textmate/tally.tmLanguage.json; do
    [ -e "$root$prefix/$f" ] || fail "$prefix/$f was not installed"
done
so=$(cd "$lib" && ls libtally.so.*.*.* 2>/dev/null)
[ -n "$so" ] || fail "no versioned libtally.so.X.Y.Z"
major=${so#libtally.so.}
major=${major%%.*}
[ "$(readlink "$lib/libtally.so.$major")" = "$so" ] ||
    fail "libtally.so.$major does not point at $so"
soname=$(readelf -d "$lib/$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtally.so.$major" ] || fail "soname is '$soname'"
others=$(nm -D --defined-only "$lib/$so" | awk '{print $3}' |
         grep -v '^tally_' | grep -v '^_' )
[ -z "$others" ] || fail "exports more than the tally_ API: $(echo $others)"
nm -D --defined-only "$lib/$so" | grep -q ' tally_run$' ||
    fail "tally_run is not exported"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PKG_CONFIG_PATH=$lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
flags=$(pkg-config --cflags --libs tally) || fail "pkg-config does not know tally"
[ "$(pkg-config --modversion tally)" = "$(sed -n 's/^#define TALLY_VERSION "\(.*\)"/\1/p' "$here/include/tally.h")" ] ||
    fail "tally.pc's version is not tally.h's"
# shellcheck disable=SC2086
$cc $cflags -o "$tmp/embed" "$here/examples/embed/embed.c" $flags ||
    fail "examples/embed does not build with: $flags"
LD_LIBRARY_PATH=$lib "$tmp/embed" "$here/examples/award/award.tally" \
    <"$here/tests/data/award/sample-20.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "embed exited $?: $(cat "$tmp/err")"
LD_LIBRARY_PATH=$lib ldd "$tmp/embed" | grep -q "libtally.so.$major => $lib/" ||
    fail "embed is not linked with the installed libtally.so"
python3 "$here/tests/tools/jsoncmp.py" \
    "$here/tests/data/award/sample-20.expected.jsonl" "$tmp/out" ||
    fail "embed's results differ from the specification's"
grep -q "20 records, 20 evaluated" "$tmp/err" || fail "embed's summary: $(cat "$tmp/err")"
"$root$prefix/bin/tally" --version >/dev/null || fail "the installed tally does not run"
echo "install: ok"
