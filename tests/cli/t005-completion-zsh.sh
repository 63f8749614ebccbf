#!/bin/sh
test_description='zsh completion: parses, and offers what the binary says (scripted through zpty)'
. "$(dirname "$0")/lib.sh"
command -v zsh >/dev/null 2>&1 || skip_all "zsh not installed (apt-get install zsh)"

expect_ok zsh -n "$TOP/completions/_xenpt"
mkdir bin && ln -s "$XENPT" bin/xenpt
mkdir -p dumps/sub && : >dumps/guest.core && : >dumps/other.core
complete() { PATH=$TRASH/bin:$PATH zsh -f "$TEST_DIR/complete-zsh.zsh" "$@"; }
zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip_all "zsh has no zsh/zpty module"

{ echo "## xenpt "; xenpt __complete commands | sort; } >all-commands
expect_ok sh -c 'PATH=$TRASH/bin:$PATH zsh -f "$TEST_DIR/complete-zsh.zsh" "xenpt " | cmp - all-commands'
expect_cmp complete-zsh.txt complete "xenpt wa" "xenpt v" "xenpt -" \
	"xenpt walk --v" "xenpt read --" "xenpt walk --mode " "xenpt walk " "xenpt walk co" \
	"xenpt walk core:dumps/g" "xenpt info synth:dumps/" "xenpt help w" "xenpt version "
done_testing
