#!/bin/sh
test_description='the shell on a real terminal (tmux): prompt, completion, history, Ctrl-C, Ctrl-D'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed (make deps installs it)"
"$XENPT" version | grep -q 'readline=yes' || skip_all "xenpt was built without libreadline"

sock=$TRASH/tmux.sock
state=$TRASH/state
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t x; }
# wait_for PATTERN: until the screen shows it (10 s at most)
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		screen | grep -E -q -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# expect_screen PATTERN DESCRIPTION
expect_screen() {
	wait_for "$1"
	_s=$?
	{ printf '%s\n' "the screen never showed /$1/; it shows:"; screen | grep -v '^$' | tail -n 15; } >"$TRASH/.detail"
	_report $_s "$2" <"$TRASH/.detail"
}
start() {
	tm new-session -d -x 200 -y 50 -s x \
		"cd '$PWD' && XDG_STATE_HOME='$state' '$XENPT' shell $SYNTH_PV; echo SHELL-EXIT=\$?; sleep 60"
}
trap 'tmux -S "$TRASH/tmux.sock" kill-server 2>/dev/null; tmux -S "$TRASH/tmux2.sock" kill-server 2>/dev/null' EXIT
start
expect_screen '^xenpt pv-linux\.synth vcpu0>$' "the prompt names the target and the vCPU"
tm send-keys -t x 'set vcpu 1' Enter
expect_screen '^xenpt pv-linux\.synth vcpu1>$' "set vcpu 1 shows in the prompt"
tm send-keys -t x 'set space user' Enter
expect_screen 'vcpu1 user>$' "set space user shows in the prompt"
tm send-keys -t x 'set space kernel' Enter
# completion: command names, options, set keywords, addresses already used
tm send-keys -t x 'wal' Tab
expect_screen 'vcpu1> walk$' "Tab completes a command name"
tm send-keys -t x '0xffffffff810a3f17' Enter
expect_screen '^result: mapped, 4K page: maddr 0x98bdf17' "a command runs on the open target"
tm send-keys -t x 'walk --sym' Tab
expect_screen 'vcpu1> walk --symbols$' "Tab completes an option of the command"
tm send-keys -t x C-u 'set sp' Tab
expect_screen 'vcpu1> set space$' "Tab completes what set takes"
tm send-keys -t x 'ke' Tab
expect_screen 'vcpu1> set space kernel$' "Tab completes the value of set space"
tm send-keys -t x C-u 'read 0xffffffff810a3' Tab
expect_screen 'vcpu1> read 0xffffffff810a3f17$' "Tab completes an address used before"
# Ctrl-C at the prompt discards the line and gives a new prompt
# (the terminal drops typed-ahead input on SIGINT: wait for the text first)
tm send-keys -t x C-u 'not-a-command'
wait_for 'vcpu1> not-a-command$'
tm send-keys -t x C-c
expect_screen 'not-a-command\^C$' "Ctrl-C at the prompt ends the line"
tm send-keys -t x Enter
sleep 0.3
! screen | grep -q "unknown command 'not-a-command'"
_report $? "a line ended by Ctrl-C is not run" </dev/null
expect_screen '^xenpt pv-linux\.synth vcpu1>$' "the shell goes on after Ctrl-C"
# history: kept in $XDG_STATE_HOME/xenpt/history, and back after a restart
tm send-keys -t x 'quit' Enter
expect_screen 'SHELL-EXIT=0' "quit leaves with status 0"
expect_ok grep -qx 'set vcpu 1' "$state/xenpt/history"
expect_ok grep -qx 'walk 0xffffffff810a3f17' "$state/xenpt/history"
tm kill-server
sock=$TRASH/tmux2.sock   # a new server: the old one may still be going away
start
expect_screen '^xenpt pv-linux\.synth vcpu0>$' "a new shell starts at vCPU 0"
tm send-keys -t x Up
expect_screen 'vcpu0> quit$' "Up recalls the previous session's last line"
# Ctrl-D leaves
tm send-keys -t x C-u C-d
expect_screen 'SHELL-EXIT=0' "Ctrl-D leaves with status 0"
done_testing
