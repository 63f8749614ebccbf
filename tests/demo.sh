#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make demo`: the main job of xenpt on the bundled sample data, no Xen
# needed.  Each step is echoed as "$ xenpt ..." before it runs; the demo
# exits non-zero if a step that should succeed fails.
#
#   XENPT  the binary (default build/xenpt)
#   BUILD  the build directory holding fixtures/xenlab-domu.core (default build)
#
# Run from the top of the checkout (make does), so that the paths shown are
# the ones you can type.

set -u
XENPT=${XENPT:-build/xenpt}
BUILD=${BUILD:-build}
SYNTH=synth:tests/fixtures/pv-linux.synth
HVM4=tests/fixtures/hvm-4level.synth
HVM2=tests/fixtures/hvm-2level.synth
CORE_FILE=$BUILD/fixtures/xenlab-domu.core
CORE=core:$CORE_FILE
PVH_FILE=$BUILD/fixtures/xenlab-domu-pvh.core
PVH=core:$PVH_FILE

failed=0
steps=0

say() { printf '\n# %s\n' "$*"; }

# run ARGS...: show and run "xenpt ARGS"; it must exit 0
run() {
	steps=$((steps + 1))
	printf '$ xenpt %s\n' "$*"
	"$XENPT" "$@"
	rc=$?
	if [ $rc -ne 0 ]; then
		printf '!!! exit %d: this step should have succeeded\n' $rc
		failed=$((failed + 1))
	fi
}

# run_pipe "ARGS" "FILTER": show and run "xenpt ARGS | FILTER"
run_pipe() {
	steps=$((steps + 1))
	printf '$ xenpt %s | %s\n' "$1" "$2"
	# shellcheck disable=SC2086
	out=$("$XENPT" $1) || { printf '!!! xenpt %s failed\n' "$1"; failed=$((failed + 1)); return; }
	printf '%s\n' "$out" | sh -c "$2"
}

# expect_exit N ARGS...: show and run "xenpt ARGS"; it must exit N
expect_exit() {
	want=$1
	shift
	steps=$((steps + 1))
	printf '$ xenpt %s\n' "$*"
	"$XENPT" "$@"
	rc=$?
	printf '(exit %d)\n' $rc
	if [ $rc -ne "$want" ]; then
		printf '!!! expected exit %d\n' "$want"
		failed=$((failed + 1))
	fi
}

if [ ! -x "$XENPT" ]; then
	echo "demo.sh: $XENPT is not built (run make)" >&2
	exit 1
fi

say "xenpt and its features"
run version

say "A synthetic 64-bit PV domain laid out like Linux 6.1 (tests/fixtures/pv-linux.synth)"
run list "$SYNTH"
run info "$SYNTH"
run vcpu "$SYNTH" 0

say "Walk kernel text: four levels, every table as MFN and PFN, a 4K read-only executable page"
run walk "$SYNTH" 0xffffffff81000000
say "Kernel .data, where the fixture wrote a string: writable, no-exec"
run walk "$SYNTH" 0xffffffff81300040
say "Nothing maps 0x1000: the walk says where it stopped (--strict turns that into exit 1)"
expect_exit 1 walk --strict "$SYNTH" 0x1000
say "L4 slots 256-271 belong to Xen in every 64-bit PV guest: labelled, not walked"
run walk "$SYNTH" 0xffff800000000000
say "A non-canonical address"
run walk "$SYNTH" 0x0000800000000000
say "The user heap through vCPU 0's user L4 (ctrlreg[1]), and kernel text through it (not there)"
run walk --user "$SYNTH" 0x1a00010
run walk --user "$SYNTH" 0xffffffff81000000
say "The same answer as JSON, for scripts"
run_pipe "--json walk $SYNTH 0xffffffff81300040" "jq -c '{va, reason: .end.reason, pfn, mfn, maddr, writable, nx}'"

say "Read the strings the fixture wrote: kernel .data, then the user heap (vCPU 0's rsi points there)"
run read "$SYNTH" 0xffffffff81300040 48
run read --user "$SYNTH" 0x1a00010 48
run_pipe "read --raw $SYNTH 0xffffffff81300040 34" "cat; echo"
say "The same page by guest frame (PFN 0x1300) and the kernel banner in .rodata"
run read --gfn 0x1300 "$SYNTH" 80
run read "$SYNTH" 0xffffffff81200000 0x56
say "A read that runs into an unmapped page prints what it could, then names the address"
expect_exit 2 read "$SYNTH" 0xffffc9000001fff0 32

if [ -f "$HVM4" ]; then
	say "HVM guests: tables hold GFNs; a 2M page and a 1G page of a 4-level guest"
	run list "synth:$HVM4"
	run walk "synth:$HVM4" 0xffff888000345678
	run walk "synth:$HVM4" 0xffff888052345678
else
	say "(skipped: $HVM4 is missing)"
fi
if [ -f "$HVM2" ]; then
	say "... and a 4M page of a 32-bit guest in 2-level paging"
	run walk "synth:$HVM2" 0xc0200000
fi

if [ -f "$CORE_FILE" ]; then
	say "A real 'xl dump-core' of a 64-bit PV Linux domU (Xen 4.17.7, 128 MiB, 1 vCPU)"
	run list "$CORE"
	run info "$CORE"
	run vcpu "$CORE"
	say "Its kernel text (Linux loads at 16 MiB: PFN 0x1000) and its linear P2M at p2m_vaddr"
	run walk "$CORE" 0xffffffff81000000
	run walk "$CORE" 0xffffc90000000000
	say "The P2M itself: PFN 0, 1, 2, 3 are MFN 0x55000, 0x55001, 0x55002, 0x55003"
	run read "$CORE" 0xffffc90000000000 32
	say "A busybox page through the user L4, and Xen's read-only M2P in slot 256"
	run walk --user "$CORE" 0x400000
	run walk "$CORE" 0xffff800000000000
	say "The marker string the domU's init wrote, found in the direct map"
	run read "$CORE" 0xffff8880029e43d0 64
else
	say "(skipped: $CORE_FILE is missing; make fixtures decompresses it)"
fi

if [ -f "$PVH_FILE" ]; then
	say "The same kernel as a PVH guest (HVM with HAP): its text is mapped with 2M pages, tables hold GFNs"
	run list "$PVH"
	run walk "$PVH" 0xffffffff81000000
fi

echo
if [ $failed -ne 0 ]; then
	echo "demo: $failed of $steps steps failed"
	exit 1
fi
echo "demo: all $steps steps ran as expected"
