" editors/vim/ftdetect/tally.vim - *.tally files are Tally policies.
autocmd BufNewFile,BufRead *.tally setfiletype tally
