#!/bin/bash
# SPDX-License-Identifier: MIT
# Helper of t004-completion-bash.sh: source completions/xenpt.bash and print,
# for each LINE argument, the candidates bash would offer (COMPREPLY, one
# per line, sorted) after a "## LINE" header.  The cursor is at the end of
# LINE; $WORDBREAKS (default: bash's, with ':') plays COMP_WORDBREAKS.
set -u
. "$(dirname "$0")/../../completions/xenpt.bash"
for line in "$@"; do
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDBREAKS=${WORDBREAKS-$' \t\n"\'><=;|&(:'}
	# COMP_WORDS/COMP_CWORD as bash would split them (the function reads COMP_LINE)
	read -r -a COMP_WORDS <<<"$line"
	COMP_CWORD=${#COMP_WORDS[@]}
	[[ $line == *' ' ]] || COMP_CWORD=$((COMP_CWORD - 1))
	COMPREPLY=()
	_xenpt xenpt "${COMP_WORDS[COMP_CWORD]-}" "${COMP_WORDS[COMP_CWORD-1]-}"
	echo "## $line"
	[[ ${#COMPREPLY[@]} -gt 0 ]] && printf '%s\n' "${COMPREPLY[@]}" | sort
done
:
