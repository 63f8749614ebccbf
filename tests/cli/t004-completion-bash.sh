#!/bin/sh
test_description='bash completion: commands, options and targets come from the binary'
. "$(dirname "$0")/lib.sh"
command -v bash >/dev/null 2>&1 || skip_all "bash not installed"

# the completion runs `xenpt` from PATH
mkdir bin && ln -s "$XENPT" bin/xenpt
mkdir -p dumps/sub && : >dumps/guest.core && : >dumps/other.core && : >dumps/sub/deep.core
complete() { PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "$@"; }

expect_cmp complete-bash-commands.txt complete "xenpt wa" "xenpt v" "xenpt -j re" \
	"xenpt --" "xenpt help w" "xenpt version "
# every command, whatever the table holds today
{ echo "## xenpt "; xenpt __complete commands | sort; } >all-commands
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt " | cmp - all-commands'
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt help " | sed "1s/help //" | cmp - all-commands'
expect_cmp complete-bash-options.txt complete "xenpt walk --v" "xenpt wa --u" "xenpt read --" \
	"xenpt list --p" "xenpt walk --mode " "xenpt walk -m 4" "xenpt walk --vcpu " \
	"xenpt read --gfn 1 --r"
# targets: core: and synth: (plus live domains in dom0: none here); file names
# after them, directories with a '/' and no space; bash splits words at ':'
# by default, so the candidates lose the part before it
expect_cmp complete-bash-targets.txt complete "xenpt walk " "xenpt walk co" "xenpt info s" \
	"xenpt walk core:dumps/" "xenpt walk core:dumps/g" "xenpt walk core:dumps/s" \
	"xenpt read --vcpu 0 synth:dumps/o" "xenpt walk --vcpu 0 " "xenpt walk core:dumps/guest.core "
# the bundled fixtures, as a user in a checkout would type them
expect_cmp complete-bash-fixtures.txt complete "xenpt walk core:tests/fix" "xenpt walk synth:tests/fixtures/pv-l" \
	"xenpt info core:build/fixtures/xenlab-domu."
# ... and keep it when ':' is not a word break
WORDBREAKS=' 	
' expect_cmp complete-bash-targets-nocolon.txt complete "xenpt walk core:dumps/g" "xenpt list synth:dumps/"
# --symbols: kallsyms, none, or a file
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt walk --symbols k" | grep -qx kallsyms'
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt dis --symbols n" | grep -qx none'
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt vcpu --symbols dumps/g" | grep -qx dumps/guest.core'
# only the commands `xenpt __complete commands` prints: a hidden one is never offered
expect_ok sh -c 'PATH=$TRASH/bin:$PATH bash "$TEST_DIR/complete-bash.sh" "xenpt __" | grep -qv "^__complete"'
done_testing
