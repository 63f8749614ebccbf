# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034,SC2153
#
# Shared by tests/live/run.sh and bench/bench_live.sh (sourced, POSIX sh):
# where is Xen (a dom0 here, or xenlab), start xenlab when it is not up and
# shut down only what we started, the xenlab domUs, and a wrapper that lets
# the host-built xenpt run in xenlab's minimal dom0.
#
# The caller sets ROOT (the checkout), BUILD (relative to ROOT), XENLAB and
# TAG (message prefix); these functions set MODE (dom0 | xenlab | none),
# DROOT (the checkout as dom0 sees it), WHY (when MODE=none), LAB_STARTED,
# STARTED (domUs we started).

LAB_STARTED=0
STARTED=""

# MODE, DROOT; MODE=none with WHY when there is no way to Xen.
lab_detect() {
	if [ -e /proc/xen/privcmd ] && grep -q control_d /proc/xen/capabilities 2>/dev/null; then
		MODE=dom0
		DROOT=$ROOT
		[ "$(id -u)" = 0 ] || { MODE=none; WHY="this is a Xen dom0, but the tests must run as root"; }
	elif [ -x "$XENLAB" ]; then
		MODE=xenlab
		DROOT=/host
	else
		MODE=none
		WHY="no Xen here (no /proc/xen/privcmd of a dom0) and no xenlab at $XENLAB (set XENLAB=...)"
	fi
}

# Run a command in dom0 (busybox sh in xenlab).
in_dom0() {
	if [ "$MODE" = xenlab ]; then
		"$XENLAB" run -t "${T:-900}" "$1"
	else
		sh -c "$1"
	fi
}

# xenlab: make sure it is up with ROOT at /host; boot it if it is down.
# Returns 1 with WHY set if that is not possible.
lab_up() {
	[ "$MODE" = xenlab ] || return 0
	if st=$("$XENLAB" status 2>&1); then
		hostdir=$(printf '%s\n' "$st" | sed -n 's/.*host dir \(.*\) at \/host.*/\1/p')
		if [ -z "$hostdir" ] || [ "$(cd "$hostdir" 2>/dev/null && pwd -P)" != "$ROOT" ]; then
			WHY="xenlab is up with '${hostdir:-?}' at /host, not this checkout ($ROOT); not touching it"
			return 1
		fi
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		WHY="xenlab is not up, and starting it needs root"
		return 1
	fi
	echo "$TAG: xenlab is not up: building and booting it (xenlab build; xenlab up $ROOT)"
	t0=$(date +%s)
	if ! "$XENLAB" build >/tmp/xenpt-lab.$$ 2>&1; then
		tail -20 /tmp/xenpt-lab.$$
		rm -f /tmp/xenpt-lab.$$
		WHY="xenlab build failed"
		return 1
	fi
	LAB_STARTED=1
	if ! "$XENLAB" up "$ROOT" >/tmp/xenpt-lab.$$ 2>&1; then
		tail -20 /tmp/xenpt-lab.$$
		rm -f /tmp/xenpt-lab.$$
		WHY="xenlab up failed"
		return 1
	fi
	rm -f /tmp/xenpt-lab.$$
	echo "$TAG: xenlab up after $(($(date +%s) - t0)) s"
}

# Stop the domUs we started, and the lab if we booted it.
lab_cleanup() {
	for d in $STARTED; do
		case $d in
		pv) "$XENLAB" domu stop >/dev/null 2>&1 ;;
		pvh) "$XENLAB" domu stop --pvh >/dev/null 2>&1 ;;
		esac
	done
	STARTED=""
	if [ "$LAB_STARTED" = 1 ]; then
		echo "$TAG: shutting down the xenlab this run started"
		"$XENLAB" down >/dev/null 2>&1 || echo "$TAG: xenlab down failed"
		LAB_STARTED=0
	fi
}

# Prints the path (as dom0 sees it) of a command that runs BUILD/xenpt in
# dom0.  xenlab's dom0 has only what Xen's tools need: the other libraries
# that xenpt and the programs given as arguments link (readline, capstone,
# sanitizer runtimes) are copied from this host into BUILD/live/dom0-lib
# (DROOT/BUILD/live/dom0-lib as dom0 sees it: put it in LD_LIBRARY_PATH for
# those programs)
# and given to xenpt by a wrapper.  Only libraries dom0 lacks are copied, so
# the directory cannot shadow dom0's own.
xenpt_for_dom0() {
	libdir=$BUILD/live/dom0-lib
	if [ "$MODE" != xenlab ]; then
		rm -rf "$libdir"	# built here: nothing is missing
		echo "$DROOT/$BUILD/xenpt"
		return
	fi
	rm -rf "$libdir"
	mkdir -p "$libdir"
	have=$("$XENLAB" run 'ls /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu 2>/dev/null' 2>/dev/null)
	for lib in $(ldd "$BUILD/xenpt" "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u); do
		name=$(basename "$lib")
		printf '%s\n' "$have" | grep -qx "$name" || cp -L "$lib" "$libdir/$name"
	done
	printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$DROOT/$libdir" "$DROOT/$BUILD/xenpt" \
		>"$BUILD/live/xenpt-dom0"
	chmod +x "$BUILD/live/xenpt-dom0"
	libs=$(cd "$libdir" && echo ./*)
	[ "$libs" != "./*" ] && echo "$TAG: libraries for xenpt in dom0: $libs" >&2
	echo "$DROOT/$BUILD/live/xenpt-dom0"
}

# Make sure the xenlab domU NAME runs (start it with xenlab; PVH boots
# triple-fault now and then under TCG, so try twice).  Not in a subshell:
# it records what it started in $STARTED, for lab_cleanup.
ensure_domu() {	# kind(pv|pvh) name
	if in_dom0 "xl list 2>/dev/null | awk 'NR>1 {print \$1}'" 2>/dev/null | grep -qx "$2"; then
		return 0
	fi
	if [ "$MODE" != xenlab ]; then
		echo "$TAG: no domain '$2' here; set XENPT_LIVE_$(echo "$1" | tr '[:lower:]' '[:upper:]')=DOMAIN"
		return 1
	fi
	flag=""
	[ "$1" = pvh ] && flag=--pvh
	for try in 1 2; do
		echo "$TAG: starting the $1 domU ($2), try $try"
		if "$XENLAB" domu start $flag >/dev/null 2>/tmp/xenpt-live-start.$$; then
			STARTED="$STARTED $1"
			rm -f /tmp/xenpt-live-start.$$
			return 0
		fi
		sed "s/^/$TAG:   /" /tmp/xenpt-live-start.$$ | tail -5
		"$XENLAB" domu stop $flag >/dev/null 2>&1
	done
	rm -f /tmp/xenpt-live-start.$$
	return 1
}
