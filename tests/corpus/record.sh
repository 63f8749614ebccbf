#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Record the differential corpus on real Xen (tests/corpus/README.md):
#
#   sh tests/corpus/record.sh OUT.rec      (make corpus-record: the committed
#                                           tests/corpus/xen-4.17.7.rec)
#
# Starts the corpus build of the test guest (build/guest/xenpt-corpusguest,
# scenario=none poll_ms=1) as "xenpt-corpus",
# runs $BUILD/guest/corpus-record in dom0, copies the record to OUT.rec
# (a path inside this checkout) and destroys the guest.  In a Xen dom0 it
# runs there; elsewhere it drives xenlab (booted and shut down again if it
# was not up).  Needs `make guest` first.  Exit status: the driver's.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$ROOT" || exit 2
BUILD=${XENPT_BUILD:-build}
XENLAB=${XENLAB:-$ROOT/../shared/xenlab/xenlab}
TAG=corpus
OUT=${1:?usage: record.sh OUT.rec}
case $OUT in
"$ROOT"/*) OUT=${OUT#"$ROOT"/} ;;
/*) echo "$TAG: $OUT is outside the checkout"; exit 2 ;;
esac
NAME=xenpt-corpus
# shellcheck source=tests/live/lab.sh
. "$ROOT/tests/live/lab.sh"

lab_detect
if [ "$MODE" = none ]; then
	echo "$TAG: cannot record: $WHY"
	exit 2
fi
for f in "$BUILD/guest/xenpt-corpusguest" "$BUILD/guest/xenpt-corpusguest.cfg" "$BUILD/guest/corpus-record"; do
	[ -e "$f" ] || { echo "$TAG: $f is missing: run make guest (with libxen-dev)"; exit 2; }
done
lab_up || { echo "$TAG: $WHY"; exit 2; }
trap 'lab_cleanup' EXIT

in_dom0 "xl destroy $NAME" >/dev/null 2>&1
CFG=$DROOT/$BUILD/guest/xenpt-corpusguest.cfg
EXTRA='extra="scenario=none poll_ms=1"'
domid=""
for try in 1 2 3; do
	if [ "$MODE" = xenlab ]; then
		domid=$("$XENLAB" domu start --timeout 120 --ready 'XENPT-GUEST READY' "$CFG" "$NAME" -- "$EXTRA" 2>/dev/null | tail -1)
	else
		xl create "$CFG" "name=\"$NAME\"" "$EXTRA" >/dev/null 2>&1 &&
			for i in $(seq 1 100); do
				grep -q 'XENPT-GUEST READY' "/var/log/xen/console/guest-$NAME.log" 2>/dev/null && break
				sleep 0.2
			done
		domid=$(xl domid "$NAME" 2>/dev/null)
	fi
	case $domid in
	''|*[!0-9]*) echo "$TAG: starting the guest failed (try $try)"; in_dom0 "xl destroy $NAME" >/dev/null 2>&1; domid="" ;;
	*) break ;;
	esac
done
[ -n "$domid" ] || exit 2
echo "$TAG: guest $NAME is domain $domid"

T=1800 in_dom0 "$DROOT/$BUILD/guest/corpus-record $domid /tmp/xenpt-corpus.rec; rc=\$?; cp /tmp/xenpt-corpus.rec $DROOT/$OUT.tmp; exit \$rc"
rc=$?
if [ -s "$OUT.tmp" ]; then
	mv "$OUT.tmp" "$OUT"
	echo "$TAG: wrote $OUT ($(grep -c ' end$' "$OUT") sequences)"
else
	rm -f "$OUT.tmp"
	echo "$TAG: no record written"
	[ "$rc" = 0 ] && rc=2
fi
# The guest now holds what the sequences left behind (pinned tables nobody
# links, self-mapped L4s, ...; tests/corpus/README.md): with
# XENPT_CORPUS_AUDIT=XENPT (the xenpt command in dom0) audit it, whole and
# for two frames whose state the record names, into OUT.audit*.json.
if [ "$rc" = 0 ] && [ -n "${XENPT_CORPUS_AUDIT:-}" ]; then
	in_dom0 "export LD_LIBRARY_PATH=$DROOT/$BUILD/live/dom0-lib; R=/tmp/xenpt-corpus.rec; X='$XENPT_CORPUS_AUDIT'
mfn() { grep \"^\$1 sym \$2 \" \$R | sed 's/.* mfn=\\(0x[0-9a-f]*\\).*/\\1/'; }
\$X --pause -j audit $domid >/tmp/xenpt-corpus.audit.json; echo \$? >/tmp/xenpt-corpus.audit.rc
\$X --pause -j audit --frame \$(mfn pin.double-l2 A) $domid >/tmp/xenpt-corpus.audit-pin.json
\$X --pause -j audit --frame \$(mfn linear.two-levels N) $domid >/tmp/xenpt-corpus.audit-self.json
for f in audit audit-pin audit-self; do cp /tmp/xenpt-corpus.\$f.json $DROOT/$OUT.\$f.json; done
cp /tmp/xenpt-corpus.audit.rc $DROOT/$OUT.audit.rc" >/dev/null 2>&1 ||
		echo "$TAG: the audit of the guest could not run"
fi
if [ "$rc" != 0 ]; then
	echo "$TAG: corpus-record exited $rc; the guest's console:"
	in_dom0 "tail -20 /var/log/xen/console/guest-$NAME.log" 2>/dev/null | sed "s/^/$TAG:   /"
fi
in_dom0 "xl destroy $NAME" >/dev/null 2>&1
exit "$rc"
