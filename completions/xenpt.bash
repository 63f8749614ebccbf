# SPDX-License-Identifier: MIT
# bash completion for xenpt(1).
#
# Thin on purpose (style.md 2.8): command names, per-command options and
# targets all come from the binary, so this file never lists them:
#   xenpt __complete commands        command names
#   xenpt __complete options CMD     CMD's long options (plus the common ones)
#   xenpt __complete targets         the kinds' prefixes (core:, synth:) and,
#                                    in dom0, live ids/names
#   xenpt help CMD                   which options take an argument (and the
#                                    values their help lists), and what the
#                                    positional arguments are (its usage line)
# After a prefix it lists it completes file names.  Works without the
# bash-completion package; tests/cli/t004-completion-bash.sh tests it.

# Run the xenpt being completed (the word the user typed, if it runs).
_xenpt_run()
{
	local bin=${_xenpt_bin:-xenpt}
	"$bin" "$@" 2>/dev/null
}

# The current word up to the cursor, with the ':' that bash splits words at
# put back ("core:tests/fix" rather than "tests/fix").  Sets _xenpt_words
# (every word before the current one) and _xenpt_cur.
_xenpt_split_line()
{
	local line=${COMP_LINE:0:COMP_POINT}
	local -a w
	read -r -a w <<<"$line"
	if [[ $line == *[[:space:]] || ${#w[@]} -eq 0 ]]; then
		_xenpt_cur=
		_xenpt_words=("${w[@]}")
	else
		_xenpt_cur=${w[${#w[@]}-1]}
		_xenpt_words=("${w[@]:0:${#w[@]}-1}")
	fi
}

# COMPREPLY from candidates ($1: the current word, then the candidates),
# trimmed of what bash already treats as a separate word before a ':'.
_xenpt_reply()
{
	local cur=$1 c
	shift
	COMPREPLY=()
	for c in "$@"; do
		[[ $c == "$cur"* ]] && COMPREPLY+=("$c")
	done
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local colon_prefix=${cur%"${cur##*:}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$colon_prefix"}
		done
	fi
}

# File names after a kind's prefix (core:, synth:), directories with a trailing '/'.
_xenpt_target_files()
{
	local cur=$1 kind=${1%%:*}: path=${1#*:} f
	local -a cands=()
	while IFS= read -r f; do
		[[ -d $f ]] && f+=/
		cands+=("$kind$f")
	done < <(compgen -f -- "$path")
	_xenpt_reply "$cur" "${cands[@]}"
	compopt -o nospace 2>/dev/null
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} != */ ]]; then
		compopt +o nospace 2>/dev/null
	fi
}

_xenpt_targets()
{
	local cur=$1 p
	local -a t
	mapfile -t t < <(_xenpt_run __complete targets)
	# after a kind's prefix (core:, synth:, whatever the binary lists), a file
	for p in "${t[@]}"; do
		if [[ $p == *: && $cur == "$p"* ]]; then
			_xenpt_target_files "$cur"
			return
		fi
	done
	_xenpt_reply "$cur" "${t[@]}"
	# prefixes go on with a file name: no space after them
	local c
	for c in "${COMPREPLY[@]}"; do
		[[ $c == *: ]] && compopt -o nospace 2>/dev/null
	done
}

_xenpt()
{
	local _xenpt_cur _xenpt_bin
	local -a _xenpt_words
	_xenpt_split_line
	local cur=$_xenpt_cur
	COMPREPLY=()

	_xenpt_bin=${_xenpt_words[0]:-xenpt}
	# a relative path such as ./build/xenpt is run as typed; a bare name via PATH
	[[ $_xenpt_bin == */* && ! -x $_xenpt_bin ]] && _xenpt_bin=xenpt

	# global options, then the command
	local i=1 cmd=
	while [[ $i -lt ${#_xenpt_words[@]} ]]; do
		case ${_xenpt_words[i]} in
		-*) ;;
		*) cmd=${_xenpt_words[i]}; break ;;
		esac
		((i++))
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			# global options: the common ones plus --version
			local -a g
			mapfile -t g < <(_xenpt_run __complete options help)
			_xenpt_reply "$cur" "${g[@]}" --version
		else
			local -a c
			mapfile -t c < <(_xenpt_run __complete commands)
			_xenpt_reply "$cur" "${c[@]}"
		fi
		return 0
	fi

	# Which options take an argument, and the positional arguments, from
	# the command's --help (its usage line and its option lines).
	local help usage
	help=$(_xenpt_run help "$cmd") || help=
	usage=$(sed -n '1s/^usage: [^ ]* [^ ]* *//p' <<<"$help")
	# option lines look like "  -m, --mode MODE          paging mode: 2level, pae"
	local -A arghelp=()
	local line text
	while IFS= read -r line; do
		[[ $line =~ ^\ +((-[[:alnum:]]),\ )?(--[[:alnum:]-]+)\ [[:upper:]][[:upper:][:digit:]_]*\ +(.*)$ ]] || continue
		text=${BASH_REMATCH[4]}
		arghelp[${BASH_REMATCH[3]}]=$text
		[[ -n ${BASH_REMATCH[2]} ]] && arghelp[${BASH_REMATCH[2]}]=$text
	done <<<"$help"

	# the word before the cursor: an option waiting for its argument?
	local prev=
	[[ ${#_xenpt_words[@]} -gt $((i + 1)) ]] && prev=${_xenpt_words[${#_xenpt_words[@]}-1]}
	if [[ -n $prev && -n ${arghelp[$prev]+set} ]]; then
		# "...: a, b, c (...)" in the help line: offer a, b, c
		local -a vals=()
		if [[ ${arghelp[$prev]} =~ :\ ([[:alnum:]_-]+(,\ [[:alnum:]_-]+)+) ]]; then
			read -r -a vals <<<"${BASH_REMATCH[1]//,/}"
		elif [[ ${arghelp[$prev]} == *System.map*kallsyms* ]]; then
			# --symbols: a file, or the words kallsyms and none
			local f
			vals=(kallsyms none)
			while IFS= read -r f; do
				[[ -d $f ]] && f+=/
				vals+=("$f")
			done < <(compgen -f -- "$cur")
		fi
		_xenpt_reply "$cur" "${vals[@]}"
		return 0
	fi

	if [[ $cur == -* ]]; then
		local -a opts
		mapfile -t opts < <(_xenpt_run __complete options "$cmd")
		_xenpt_reply "$cur" "${opts[@]}"
		return 0
	fi

	# count the positional words already given after the command
	local npos=0 j skip=0
	for ((j = i + 1; j < ${#_xenpt_words[@]}; j++)); do
		if ((skip)); then
			skip=0
			continue
		fi
		case ${_xenpt_words[j]} in
		--*=*) ;;
		-*) [[ -n ${arghelp[${_xenpt_words[j]}]+set} ]] && skip=1 ;;
		*) ((npos++)) ;;
		esac
	done

	# the usage line's positional words, options and brackets removed
	local -a pos
	read -r -a pos <<<"$(sed -e 's/\[OPTIONS\]//g' -e 's/{[^}]*}/ARG/g' -e 's/[][]//g' <<<"$usage")"
	case ${pos[npos]-} in
	TARGET)
		_xenpt_targets "$cur"
		;;
	COMMAND)
		local -a c
		mapfile -t c < <(_xenpt_run __complete commands)
		_xenpt_reply "$cur" "${c[@]}"
		;;
	esac
	return 0
}

complete -F _xenpt xenpt
