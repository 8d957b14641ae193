#!/bin/sh
# tests/docs/cli_docs.sh TALLY - the manual page and the shell completions
# against the command itself, so neither can go stale:
#   - every command `tally --help` lists, and every option each command's
#     --help lists, is in docs/tally.1 and in both completions;
#   - docs/tally.1 renders with groff without a warning, and its version is
#     tally.h's;
#   - the bash completion, loaded into bash, completes commands, options,
#     option values, and policy files where a program is expected.
# Prints "cli docs: ok" or each problem, and exits 1 on any.
TALLY=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
man=$root/docs/tally.1
bash_c=$root/scripts/completions/tally.bash
zsh_c=$root/scripts/completions/_tally
bad=0
fail() {
    echo "cli docs: $*"
    bad=1
}
# The man page escapes '-' as '\-'.
in_man() {
    sed 's/\\-/-/g' "$man" | grep -q -e "$1"
}
commands=$("$TALLY" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$commands" ] || fail "no commands in tally --help"
for c in $commands; do
    in_man "^\.BI* \"$c " || fail "docs/tally.1 does not describe command $c"
    grep -q "$c" "$bash_c" || fail "bash completion lacks command $c"
    grep -q "'$c:" "$zsh_c" || fail "zsh completion lacks command $c"
    # Options are the lines that start "  -"; their descriptions start in
    # column 35.
    opts=$("$TALLY" "$c" --help | grep '^  -' | cut -c1-34 |
           grep -o -e '--[a-z-]*' -e '-[a-z]\b' | sort -u)
    for o in $opts; do
        in_man "$o" || fail "docs/tally.1 does not describe $c $o"
        # The bash completion lists each command's options on one line.
        grep "^    $c[)|]\|[|]$c)" "$bash_c" | grep -q -- "[ \"]$o[ \"]" ||
            fail "bash completion lacks $c $o"
        awk -v c="$c" '$0 ~ "^"c"[)|]" || $0 ~ "[|]"c"\\)" {on=1; next} /^  ;;/ {on=0} on' "$zsh_c" |
            grep -q -- "$o" || fail "zsh completion lacks $c $o"
    done
done
for o in --help --version; do
    in_man "$o" || fail "docs/tally.1 does not describe $o"
done
version=$(sed -n 's/^#define TALLY_VERSION "\(.*\)"/\1/p' "$root/include/tally.h")
grep -q "^\.TH TALLY 1 \"[0-9-]*\" \"Tally $version\"" "$man" ||
    fail "docs/tally.1 is not for version $version"
if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -ww -z "$man" 2>&1)
    [ -z "$warn" ] || fail "groff: $warn"
else
    fail "groff is not installed (make deps installs groff-base)"
fi

# The bash completion at work, in a folder with a policy, a bytecode file
# and a data file.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/a.tally" "$tmp/b.tbc" "$tmp/data.jsonl"
complete_words() { # the words of a command line, the last being completed
    bash -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _tally
        [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
    ' sh "$bash_c" "$@"
}
expect() { # expect "WANT" WORD... : the completions of the words are WANT
    want=$1; shift
    got=$(cd "$tmp" && complete_words "$@")
    [ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}
expect "run " tally ru
expect "--format " tally run a.tally --fo
expect "csv " tally run a.tally --format c
expect "auto csv json jsonl ocds " tally run a.tally --input ""
expect "unlimited " tally run a.tally --memory-cap ""
expect "a.tally b.tbc " tally run ""
expect "a.tally b.tbc data.jsonl " tally run a.tally ""
expect "a.tally b.tbc data.jsonl " tally run --format csv a.tally ""
expect "a.tally " tally build ""
expect "--max-errors --memory-cap " tally check --m
expect "" tally nosuchcommand ""
[ $bad = 0 ] && echo "cli docs: ok"
exit $bad
