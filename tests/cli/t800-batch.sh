#!/bin/sh
test_description='batch and the shell without a terminal: one open source, built-ins, expressions, JSON'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# Facts (t200, xenpt-synth(5)): 0xffffffff810a3f17 is kernel text in the
# synthetic PV domain, mapped through 4 tables (L4 0x14a90, L3 0x1e582,
# L2 0x65e, L1 0x15928) to mfn 0x98bd.
VA=0xffffffff810a3f17
printf 'walk %s\nwalk %s\nstats\n' $VA $VA >two-walks.batch

hexadd() { python3 -c "import sys; print(hex((int(sys.argv[1], 0) + int(sys.argv[2], 0)) % (1 << 64)))" "$1" "$2"; }

# the commands run on ONE source: the second walk reads the 4 tables the
# first one fetched (4 misses, 4 map calls in all); a stable source answers
# it from its frame-pointer memo, which counts nothing (0 frame-cache hits)
capture stats xenpt batch "$SYNTH_PV" two-walks.batch
expect_ok grep -q '^  misses         4$' stats
expect_ok grep -q '^  hits           0$' stats
expect_ok grep -q '^  map calls      4$' stats

# each command's output is what the command prints alone
capture alone xenpt walk "$SYNTH_PV" $VA
capture batched through "sed -n 1,7p" xenpt batch "$SYNTH_PV" two-walks.batch
expect_same alone batched "a batched walk prints what 'xenpt walk' prints"

# standard input, and the shell without a terminal reads the same language
capture from-stdin sh -c 'printf "walk %s\n" '$VA' | "$XENPT" batch "$1" -' sh "$SYNTH_PV"
capture from-shell sh -c 'printf "walk %s\n" '$VA' | "$XENPT" shell "$1"' sh "$SYNTH_PV"
expect_same from-stdin from-shell "shell on a pipe = batch"
expect_same alone from-stdin "batch - = the command alone"

# JSON: one array, one object per line with the line, its status, its output
printf 'walk %s\nset vcpu 1\nbogus\n' $VA >mixed.batch
expect_jq -s 2 'length == 3 and .[0].command == "walk 0xffffffff810a3f17" and .[0].status == 0
	and .[0].output.mfn == "0x98bd" and .[1].output == null and .[1].status == 0
	and .[2].status == 2 and .[2].output.error.code == "invalid_arg"' \
	xenpt --json batch "$SYNTH_PV" mixed.batch
# the worst status wins; an all-good batch exits 0
printf 'walk %s\ninfo\n' $VA >good.batch
expect_code 0 xenpt batch "$SYNTH_PV" good.batch
expect_stderr 2 "unknown command 'bogus'" xenpt batch "$SYNTH_PV" mixed.batch

# built-ins: set vcpu picks the registers and tables; quit ends the batch
v1rip=$(xenpt -j vcpu "$SYNTH_PV" 1 | jq -r '.[0].regs.rip')
expect_jq ".[1].output.va == \"$v1rip\"" sh -c 'printf "set vcpu 1\nwalk rip\nquit\nwalk 0\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"
expect_jq 'length == 3' sh -c 'printf "set vcpu 1\nwalk rip\nquit\nwalk 0\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"
expect_stderr 2 "the domain has no vCPU 7 \\(it has 2\\)" sh -c 'echo "set vcpu 7" | "$XENPT" batch "$1" -' sh "$SYNTH_PV"
expect_stderr 2 "space is 'user' or 'kernel', not 'both'" sh -c 'echo "set space both" | "$XENPT" batch "$1" -' sh "$SYNTH_PV"
# set space user: vCPU 0's user L4 (the synthetic process has one)
ucr3=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].user_cr3')
expect_jq ".[1].output.cr3 == \"$ucr3\" and .[1].output.user_l4 == true" \
	sh -c 'printf "set space user\nwalk 0x1a00000\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"
# set cr3: walks from that root
kcr3=$(xenpt -j vcpu "$SYNTH_PV" 1 | jq -r '.[0].cr3')
expect_jq ".[1].output.cr3 == \"$kcr3\"" \
	sh -c 'printf "set cr3 '"$kcr3"'\nwalk 0xffffffff81000000\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"

# expressions: registers, sums, $_ and *ADDR
v0rip=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].regs.rip')
v0rsp=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].regs.rsp')
want=$(hexadd "$v0rip" 0x1000)
expect_jq ".va == \"$want\"" xenpt -j walk "$SYNTH_PV" rip+0x1000
expect_jq ".va == \"$want\"" xenpt -j walk "$SYNTH_PV" '(rip + 0x2000) - 0x1000'
expect_jq ".[1].output.va == \"$(hexadd $VA 0x10)\"" \
	sh -c 'printf "walk '$VA'\nwalk \$_+0x10\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"
# *rsp is the 8 bytes at rsp, as 'read' shows them (little-endian)
ptr=$(xenpt read --raw "$SYNTH_PV" "$v0rsp" 8 | od -A n -t x8 | tr -d ' ')
expect_jq ".va == \"$(hexadd 0x$ptr 0)\"" xenpt -j walk "$SYNTH_PV" '*rsp'
expect_stderr 2 "'\\\$_' is not a virtual address: it is not set yet" xenpt walk "$SYNTH_PV" '$_'
expect_stderr 2 "'nosuch' is not a number or a register" xenpt walk "$SYNTH_PV" 'rip+nosuch'
expect_stderr 2 "missing '\\)'" xenpt walk "$SYNTH_PV" '(rip'

# commands with an optional TARGET (audit, list) use the open one
expect_jq '.[0].status == 0 and (.[0].output.findings | length) == 0 and .[1].output[0].name == "demo-pv"' \
	sh -c 'printf "audit\nlist\n" | "$XENPT" -j batch "$1" -' sh "$SYNTH_PV"

# no target: 'open' first
expect_stderr 2 "no target is open" sh -c 'echo "walk 0" | "$XENPT" batch -'
expect_jq '.[1].output.va == "0xffffffff810a3f17"' \
	sh -c 'printf "open %s\nwalk 0xffffffff810a3f17\n" "$1" | "$XENPT" -j batch -' sh "$SYNTH_PV"
# shell and batch do not nest; a missing file names it
expect_stderr 2 "'shell' cannot run inside the shell" sh -c 'echo "shell" | "$XENPT" batch "$1" -' sh "$SYNTH_PV"
expect_stderr 2 "no-such.batch" xenpt batch "$SYNTH_PV" no-such.batch
expect_stderr 2 "unclosed quote" sh -c 'echo "walk \"0x1" | "$XENPT" batch "$1" -' sh "$SYNTH_PV"
# a command's own --json applies to that command only
expect_jq '.va == "0xffffffff810a3f17"' sh -c 'printf "walk --json %s\n" '$VA' | "$XENPT" batch "$1" - | head -n 1' sh "$SYNTH_PV"
expect_ok sh -c 'printf "walk --json %s\nwalk %s\n" '$VA' '$VA' | "$XENPT" batch "$1" - | tail -n 1 | grep -q "^result: mapped"' sh "$SYNTH_PV"
done_testing
