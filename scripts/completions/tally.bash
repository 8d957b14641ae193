# scripts/completions/tally.bash - bash completion for the tally command.
# Installed as PREFIX/share/bash-completion/completions/tally.  Completes
# commands, each command's options and their values, and files: policies
# (*.tally) and bytecode (*.tbc) where a program is expected, data files
# elsewhere.  tests/docs/cli_docs.sh checks it against `tally --help`.

_tally()
{
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "check build run fmt disasm describe test merge doc whynot explain summaries --help --version" -- "$cur"))
        return
    fi
    case $prev in
    --format)
        if [[ $cmd == merge ]]; then
            COMPREPLY=($(compgen -W "jsonl json csv table html" -- "$cur"))
        elif [[ $cmd == doc ]]; then
            COMPREPLY=($(compgen -W "html markdown" -- "$cur"))
        elif [[ $cmd == whynot || $cmd == explain ]]; then
            COMPREPLY=($(compgen -W "text json" -- "$cur"))
        elif [[ $cmd == summaries ]]; then
            COMPREPLY=($(compgen -W "html markdown json" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "jsonl json csv table junit tap github" -- "$cur"))
        fi
        return ;;
    --report-format) COMPREPLY=($(compgen -W "jsonl json csv table html" -- "$cur")); return ;;
    --report|--report-partial) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --input) COMPREPLY=($(compgen -W "jsonl json ocds csv auto" -- "$cur")); return ;;
    --fail-on) COMPREPLY=($(compgen -W "findings notice warning error" -- "$cur")); return ;;
    --memory-cap)
        [[ $cmd == run ]] && COMPREPLY=($(compgen -W "unlimited" -- "$cur"))
        return ;;
    --budget|--max-errors|--jobs|-j|--as-of|--records-at) return ;;
    --record|--path|--max-steps) return ;;
    --output|-o|--junit|--coverage-json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --filter|--min-coverage|--min-mutation-score) return ;;
    --record|--bid|--where|--vary|--rank|--total) return ;;
    --lib-path|--out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --allow-native) COMPREPLY=($(compgen -f -X '!*.so' -- "$cur")); return ;;
    esac
    local opts
    case $cmd in
    run) opts="--format --output -o --input --records-at --budget --memory-cap --max-errors --lib-path --as-of --cite --explain --all-errors --findings-only --fail-on --jobs -j --report --report-format --report-partial --allow-native --help --" ;;
    merge) opts="--format --output -o --partial --lib-path --max-errors --memory-cap --help --" ;;
    build) opts="-o --max-errors --memory-cap --lib-path --help --" ;;
    check) opts="--strict --max-errors --memory-cap --lib-path --help --" ;;
    fmt) opts="--check --write --help --" ;;
    disasm|describe) opts="--lib-path --help" ;;
    doc) opts="--out -o --format --as-of --max-errors --memory-cap --lib-path --help --" ;;
    whynot) opts="--record --bid --where --vary --rank --total --format --as-of --max-errors --memory-cap --lib-path --help --" ;;
    explain) opts="--record --path --format --input --as-of --max-steps --max-errors --lib-path --help" ;;
    summaries) opts="--out -o --format --max-errors --memory-cap --lib-path --help --" ;;
    test) opts="--filter --jobs -j --tap --junit --coverage --coverage-stdlib --coverage-json --min-coverage --mutate --min-mutation-score --max-errors --memory-cap --lib-path --help --" ;;
    *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    # The program comes first; after it, data files.
    local nargs=0
    for ((i = i + 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --format|--input|--records-at|--budget|--memory-cap|--max-errors|--jobs|-j|--output|-o|--allow-native|--lib-path|--as-of|--fail-on|--filter|--junit|--coverage-json|--min-coverage|--min-mutation-score|--report|--report-format|--report-partial|--out) ((i++)) ;;
        --record|--bid|--where|--vary|--rank|--total) ((i++)) ;;
        --format|--input|--records-at|--budget|--memory-cap|--max-errors|--jobs|-j|--output|-o|--allow-native|--lib-path|--as-of|--fail-on|--filter|--junit|--coverage-json|--min-coverage|--min-mutation-score|--report|--report-format|--report-partial|--out|--record|--path|--max-steps) ((i++)) ;;
        -*) ;;
        *) ((nargs++)) ;;
        esac
    done
    if [[ $cmd == test ]]; then
        COMPREPLY=($(compgen -f -X '!*.tally' -- "$cur") $(compgen -d -- "$cur"))
    elif [[ $cmd == build || $cmd == check || $cmd == fmt ]]; then
        [[ $cmd == build && $nargs -gt 0 ]] && return
        COMPREPLY=($(compgen -f -X '!*.tally' -- "$cur") $(compgen -d -- "$cur"))
    elif [[ $nargs -eq 0 ]]; then
        COMPREPLY=($(compgen -f -X '!*.tally' -- "$cur") $(compgen -f -X '!*.tbc' -- "$cur")
                   $(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _tally tally
