#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The dom0 half of the live tests: tests/live/run.sh runs this in dom0
# (through xenlab, or directly on a dom0), as root, with busybox sh or any
# POSIX sh.  It starts the test guest and a throw-away domain, runs the two
# test programs and prints their output, each program's summary and one
# closing line "dom0: N passed, N failed, N skipped".
#
#   sh tests/live/dom0.sh --source BIN --cli BIN [--zombie-map BIN] --xenpt XENPT
#        --guest-cfg CFG --guest-kernel KERNEL [--pv DOM] [--pvh DOM]
#        [--core-pv] [--core-pvh] [--no-gone] [-v]
#
# The test guest (tests/guest/, scenario=all hold=1) runs as
# xenpt-live-guest-PID; the throw-away domains are xenpt-live-gone-PID*.
# Both are destroyed on the way out.  Environment: XENPT_LIVE_SAN_ENV
# (assignments put before live_source, e.g. ASAN_OPTIONS=...).
set -u

src="" cli="" zmap="" xenpt="" gcfg="" gkernel="" pv="" pvh="" core_pv=0 core_pvh=0 gone=1 verbose=""
while [ $# -gt 0 ]; do
	case $1 in
	--source) src=$2; shift ;;
	--cli) cli=$2; shift ;;
	--zombie-map) zmap=$2; shift ;;
	--xenpt) xenpt=$2; shift ;;
	--guest-cfg) gcfg=$2; shift ;;
	--guest-kernel) gkernel=$2; shift ;;
	--pv) pv=$2; shift ;;
	--pvh) pvh=$2; shift ;;
	--core-pv) core_pv=1 ;;
	--core-pvh) core_pvh=1 ;;
	--no-gone) gone=0 ;;
	-v) verbose=-v ;;
	*) echo "dom0.sh: unknown argument $1"; echo "dom0: 0 passed, 1 failed, 0 skipped"; exit 1 ;;
	esac
	shift
done

# Processes that crash in dom0 meanwhile (the kernel logs them): reported
# at the end, since a crashed xl or sh can make a check fail for reasons
# that are not the check's.
faults_before=$(dmesg 2>/dev/null | grep -cE 'segfault|general protection fault')

guest=xenpt-live-guest-$$
gone_src=xenpt-live-gone-$$
passed=0 failed=0 skipped=0
logdir=/var/log/xen/console

cleanup() {
	xl destroy "$guest" >/dev/null 2>&1
	xl destroy "$gone_src" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() { echo "FAIL - $*"; failed=$((failed + 1)); }

# Add one program's "N passed, N failed" line to the totals (a missing line
# is a failure: the program crashed or hung).
tally() {	# name outfile rc
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
	if [ -z "$line" ]; then
		fail "$1 did not finish (exit status $3)"
		return
	fi
	p=${line%% passed*}
	f=${line#* passed, }
	f=${f%% failed*}
	k=0
	case $line in *" skipped"*) k=${line#* failed, }; k=${k%% skipped*} ;; esac
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
	[ "$3" = 0 ] || [ "$f" != 0 ] || fail "$1 exited with status $3 but reported no failure"
}

# ---- the test guest ---------------------------------------------------------
guest_up=0
if [ -n "$gcfg" ]; then
	rm -f "$logdir/guest-$guest.log"
	t0=$(date +%s)
	if xl create "$gcfg" "name=\"$guest\"" "kernel=\"$gkernel\"" 'extra="scenario=all hold=1"' \
		>/tmp/$guest.create 2>&1; then
		i=0
		while [ $i -lt 120 ]; do
			if [ -d "$logdir" ]; then
				grep -q 'XENPT-GUEST READY' "$logdir/guest-$guest.log" 2>/dev/null && break
			elif "$xenpt" info --json "$guest" 2>/dev/null | grep -q '"pfn_to_mfn_frame_list_list":"0x[1-9a-f]'; then
				sleep 2	# no console log here: give the scenarios time to finish
				break
			fi
			sleep 0.5
			i=$((i + 1))
		done
		if [ $i -lt 120 ]; then
			guest_up=1
			echo "# test guest $guest (domid $(xl domid "$guest")) READY after $(($(date +%s) - t0)) s"
		else
			fail "the test guest $guest did not get READY in 60 s"
			tail -20 "$logdir/guest-$guest.log" 2>/dev/null | sed 's/^/#   /'
		fi
	else
		fail "xl create of the test guest failed"
		sed 's/^/#   /' /tmp/$guest.create
	fi
	rm -f /tmp/$guest.create
fi

# ---- live_source: the library against Xen's tools ---------------------------
args="$verbose"
[ -n "$pv" ] && args="$args --pv $pv"
[ -n "$pv" ] && [ $core_pv = 1 ] && args="$args --core"
[ -n "$pvh" ] && args="$args --pvh $pvh"
[ -n "$pvh" ] && [ $core_pvh = 1 ] && args="$args --pvh-core"
# A paused, never-run test guest that live_source destroys while looking.
if [ $gone = 1 ] && [ -n "$gcfg" ]; then
	if xl create -p "$gcfg" "name=\"$gone_src\"" "kernel=\"$gkernel\"" >/tmp/$gone_src.create 2>&1; then
		args="$args --gone $gone_src"
	else
		fail "gone: xl create -p of a throw-away domain failed"
		sed 's/^/#   /' /tmp/$gone_src.create
	fi
	rm -f /tmp/$gone_src.create
fi
echo "# === live_source $args"
out=/tmp/xenpt-live-source.$$
t0=$(date +%s)
# shellcheck disable=SC2086
env ${XENPT_LIVE_SAN_ENV:-} "$src" $args >"$out" 2>&1
rc=$?
cat "$out"
echo "# live_source: $(($(date +%s) - t0)) s"
tally live_source "$out" $rc
xl destroy "$gone_src" >/dev/null 2>&1

# ---- live_cli: the xenpt binary against Xen's tools and the test guest -------
args="--xenpt $xenpt $verbose"
[ -n "$pv" ] && args="$args --pv $pv"
[ -n "$pv" ] && [ $core_pv = 1 ] && args="$args --core-pv"
[ -n "$pvh" ] && args="$args --pvh $pvh"
[ -n "$pvh" ] && [ $core_pvh = 1 ] && args="$args --core-pvh"
[ $guest_up = 1 ] && args="$args --guest $guest"
[ $gone = 1 ] && [ -n "$gcfg" ] && args="$args --gone-cfg $gcfg --gone-kernel $gkernel"
[ $gone = 1 ] && [ -n "$gcfg" ] && [ -n "$zmap" ] && args="$args --zombie-map $zmap"
[ -d "$logdir" ] && args="$args --console-dir $logdir"
echo "# === live_cli $args"
t0=$(date +%s)
# shellcheck disable=SC2086
"$cli" $args >"$out" 2>&1
rc=$?
cat "$out"
echo "# live_cli: $(($(date +%s) - t0)) s"
tally live_cli "$out" $rc
rm -f "$out"

faults=$(dmesg 2>/dev/null | grep -E 'segfault|general protection fault' | tail -n +$((faults_before + 1)))
if [ -n "$faults" ]; then
	echo "# dom0's kernel logged crashed processes during this run:"
	printf '%s\n' "$faults" | sed 's/^/#   /'
fi
echo "dom0: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
