" editors/vim/syntax/tally.vim - Vim syntax for Tally policies (*.tally).
"
" Keywords are lang/kwlist.h's (tests/editors/grammar.py checks that every
" one is here); comments run from '#' to the end of the line; the
" silencing comments of `tally check` (# tally: allow NAME because "...")
" are shown apart.  Install: copy syntax/ and ftdetect/ into ~/.vim/ (or
" the site directory `make install` fills, PREFIX/share/vim/vimfiles).
if exists("b:current_syntax")
  finish
endif

syn keyword tallyKeyword amend and as ascending at because between by check cites definition descending else end enum expect extern fail finding for from given hit holiday if import in input is keyed least let list map match module most not of omitted on optional or otherwise output over parameter policy record refine report rule some source summaries table test then to type unique unless until version when where with 
syn keyword tallyBoolean true false
syn keyword tallyConstant none
syn keyword tallyType integer decimal money percent text bool date datetime duration judgement
syn match tallyComment "#.*$" contains=tallyPragma,tallyTodo
syn match tallyPragma "#\s*tally:.*$" contained
syn keyword tallyTodo TODO FIXME XXX contained
syn region tallyString start=+"+ skip=+\\.+ end=+"+ oneline contains=tallyEscape
syn match tallyEscape +\\[nt"\\]+ contained
syn match tallyDateTime "\<\d\{4}-\d\{2}-\d\{2}T\d\{2}:\d\{2}:\d\{2}\(\.\d\+\)\=\(Z\|[+-]\d\{2}:\d\{2}\)"
syn match tallyDate "\<\d\{4}-\d\{2}-\d\{2}\>"
syn match tallyMoney "\(£\s\=\|\<\(GBP\|EUR\|USD\)\s\)\d[0-9,]*\(\.\d\+\)\="
syn match tallyPercent "\<\d\+\(\.\d\+\)\=%"
syn match tallyNumber "\<\d\+\(\.\d\+\)\=\>"
syn match tallyRow "^\s*|"
syn match tallyOperator "=>\|\.\.\|!=\|<>\|<=\|>=\|[=<>+*/-]\|[×÷≠≤≥]"

hi def link tallyKeyword Keyword
hi def link tallyBoolean Boolean
hi def link tallyConstant Constant
hi def link tallyType Type
hi def link tallyComment Comment
hi def link tallyPragma PreProc
hi def link tallyTodo Todo
hi def link tallyString String
hi def link tallyEscape SpecialChar
hi def link tallyDate Constant
hi def link tallyDateTime Constant
hi def link tallyMoney Number
hi def link tallyPercent Number
hi def link tallyNumber Number
hi def link tallyRow Delimiter
hi def link tallyOperator Operator

let b:current_syntax = "tally"
