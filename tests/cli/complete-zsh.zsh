#!/bin/zsh -f
# SPDX-License-Identifier: MIT
# Helper of t005-completion-zsh.sh: run a real interactive zsh in a pty with
# completions/_xenpt on $fpath and compinit, type each LINE argument plus
# TAB, and print the candidates compsys offered (captured by wrapping
# compadd) after a "## LINE" header, sorted and unique.  Exit 77 without
# zsh/zpty.
zmodload zsh/zpty 2>/dev/null || exit 77
compdir=${0:A:h:h:h}/completions
out=$(mktemp) || exit 1
zpty z "env -i HOME=/nonexistent TERM=dumb PATH=${(q)PATH} zsh -f -i"
zpty -w z "PS1='' PS2='' RPS1=''; unsetopt zle_bracketed_paste 2>/dev/null; setopt nobeep"
zpty -w z "fpath=(${(q)compdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "compadd() { local -a __m; builtin compadd -O __m \"\$@\"; (( \$#__m )) && print -rl -- \"\${__m[@]}\" >> ${(q)out}; builtin compadd \"\$@\"; }"
zpty -w z "zstyle ':completion:*' menu no; LISTMAX=0"
# _main_complete runs (and then forgets) comppostfuncs when it is done
zpty -w z "_t_done() { print -r -- END >> ${(q)out}.done; }"
zpty -w z 'print -r -- READY$((6*7))'
zpty -r -m z junk '*READY42*' || { print "zsh did not start"; exit 1; }
n=0
for line in "$@"; do
  (( n++ ))
  : > $out
  rm -f $out.done
  zpty -w z "comppostfuncs=(_t_done); print -r -- SET$n-\$((1+1))"
  zpty -r -m z junk "*SET$n-2*" || { print -r -- "## $line"; print "(zsh did not answer)"; continue; }
  # type the line and TAB, and wait for completion to end: typed-ahead
  # keys would make zle skip it
  zpty -w -n z "$line"$'\t'
  for (( i = 0; i < 100; i++ )); do
    [[ -e $out.done ]] && break
    sleep 0.05
  done
  zpty -w z $'\C-e\C-u'
  print -r -- "## $line"
  [[ -s $out ]] && print -rl -- ${(ou)${(f)"$(<$out)"}}
done
zpty -d z
rm -f $out $out.done
