#!/bin/sh
test_description='the shell on a real terminal (tmux): prompt, completion, history, Ctrl-C at the prompt and of a running command (shell and batch), Ctrl-D'
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
trap 'for s in tmux tmux2 tmux3 tmux4; do tmux -S "$TRASH/$s.sock" kill-server 2>/dev/null; done' EXIT
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
tm kill-server

# Ctrl-C while a command runs: a synthetic domain of 200000 mappings
# (bench/gen-synth-spec.py: line 0 maps VA 0x400000 to PFN 0), whose
# dump --expand prints some 400000 lines to the terminal for seconds; Ctrl-C
# as soon as the first lines show stops the dump at its next frame read, the
# prompt comes back, and the shell goes on with the same open source
python3 "$TOP/bench/gen-synth-spec.py" 200000 big.synth
# wait_long PATTERN: as wait_for, 60 s at most (the big domain takes a while to build)
wait_long() {
	_i=0
	while [ $_i -lt 600 ]; do
		screen | grep -E -q -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
sock=$TRASH/tmux3.sock
tm new-session -d -x 200 -y 50 -s x \
	"cd '$TRASH' && XDG_STATE_HOME='$state' '$XENPT' shell synth:big.synth; echo SHELL-EXIT=\$?; sleep 60"
wait_long '^xenpt big\.synth vcpu0>$'
expect_screen '^xenpt big\.synth vcpu0>$' "the shell opens the big synthetic domain"
tm send-keys -t x 'dump --expand' Enter
wait_long '^0x0000'
expect_screen '^0x0000' "dump --expand is running (its first lines are on the screen)"
tm send-keys -t x C-c
expect_screen '^xenpt dump: synthetic domain big \(big\.synth\): .*: interrupted$' \
	"Ctrl-C stops the running dump with the interrupted message"
expect_screen '^xenpt big\.synth vcpu0>$' "the prompt comes back after the interrupted command"
! screen | grep -q 'SHELL-EXIT'
_report $? "the shell did not exit on Ctrl-C" </dev/null
! screen | grep -q '^---\[ summary \]---'
_report $? "the dump did not run to its end" </dev/null
tm send-keys -t x C-l   # readline clears the screen: the checks below see only what follows
tm send-keys -t x 'stats' Enter
expect_screen '^  resident +[1-9][0-9]* of [0-9]+ frames$' \
	"stats: the frames the interrupted dump read are still in the cache"
tm send-keys -t x 'walk 0x400000' Enter
expect_screen '^result: mapped, 4K page: maddr 0x[0-9a-f]+ \(mfn 0x[0-9a-f]+, pfn 0x0\)' \
	"a following command runs on the same open source (VA 0x400000 is PFN 0)"
tm send-keys -t x 'set' Enter
expect_screen '^pause +off$' "nothing was left paused"
expect_screen '^target +synth:big\.synth$' "the same target is open"
tm send-keys -t x 'quit' Enter
expect_screen 'SHELL-EXIT=0' "quit leaves with status 0 after an interrupted command"
tm kill-server

# xenpt batch: Ctrl-C stops the running command and the batch (the rest of
# the script is not run), exit 2; with --json the array is still closed
printf 'stats\ndump --expand\nwalk 0x400000\n' >big.batch
sock=$TRASH/tmux4.sock
tm new-session -d -x 200 -y 50 -s x \
	"cd '$TRASH' && '$XENPT' batch synth:big.synth big.batch; echo BATCH-EXIT=\$?; '$XENPT' --json batch synth:big.synth big.batch >big.json; echo JSON-BATCH-EXIT=\$?; sleep 60"
wait_long '^0x0000'
expect_screen '^0x0000' "batch: dump --expand is running"
tm send-keys -t x C-c
expect_screen '^xenpt dump: synthetic domain big \(big\.synth\): .*: interrupted$' "batch: Ctrl-C stops the dump"
expect_screen '^xenpt batch: interrupted at line 2 of big\.batch; the lines after it were not run$' \
	"batch: says where it stopped"
expect_screen '^BATCH-EXIT=2$' "batch: exit 2 after Ctrl-C"
! screen | grep -q '^result: mapped'
_report $? "batch: the line after the interrupted one did not run" </dev/null
# --json: the dump's output goes to the array, not the screen: wait until it runs
_i=0
while [ $_i -lt 600 ] && ! [ -s big.json ]; do sleep 0.1; _i=$((_i + 1)); done
sleep 1
tm send-keys -t x C-c
expect_screen '^JSON-BATCH-EXIT=2$' "batch --json: exit 2 after Ctrl-C"
expect_jq 'length == 2 and .[0].command == "stats" and .[0].status == 0 and .[1].command == "dump --expand" and .[1].status == 2 and .[1].output.error.code == "interrupted"' \
	cat big.json
done_testing
