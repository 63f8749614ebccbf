#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Does xenpt install cleanly on a fresh, minimal Debian 12?
#
#   tests/install/fresh-debian.sh [REPO]        (or: make check-install)
#
# Builds a minimal bookworm (debootstrap --variant=minbase, plus git and make
# and nothing else), clones REPO (default: this checkout; its HEAD commit, so
# uncommitted changes are not tested) into it, runs `make deps && make install`
# there as root into the real root (PREFIX=/usr/local), and checks what a user
# of the installed xenpt relies on:
#   - `man xenpt-walk` finds and renders the page (no mandb run after install),
#   - a new login shell completes xenpt (bash-completion's on-demand loader),
#   - zsh's compinit finds the zsh completion,
#   - a program built with `cc t.c $(pkg-config --cflags --libs xenpt)` runs
#     without a manual ldconfig,
#   - `cc -static t.c $(pkg-config --static --cflags --libs xenpt)` links a
#     fully static program that runs,
#   - the installed xenpt runs on the bundled data, the example sessions of
#     README.md match its real output, and `make uninstall` removes every
#     file again.
# Prints one line per check and "N passed, N failed"; exit status 0 when all
# passed, 1 when a check failed, 2 when the chroot could not be set up.
#
# Needs root, network access to the Debian mirror and some minutes.  Cached in
# $XENPT_INSTALL_CACHE (default /var/tmp/xenpt-install), never in the repo:
# the minimal system as a tarball (made once, by debootstrap) and the .debs
# apt downloads (bind-mounted into the chroot).  Every run unpacks a fresh
# chroot from the tarball and removes it at the end (KEEP=1 keeps it; the log
# of the run is kept in the cache directory either way).
#
# Environment: XENPT_INSTALL_CACHE, DEBIAN_MIRROR (default
# http://deb.debian.org/debian), KEEP=1, XENPT_REV (the commit of REPO to
# test instead of HEAD, e.g. an older one to see the checks fail).

set -u

SRC=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
CACHE=${XENPT_INSTALL_CACHE:-/var/tmp/xenpt-install}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
KEEP=${KEEP:-0}
TARBALL=$CACHE/$SUITE-minbase-git-make.tar
APTCACHE=$CACHE/apt-archives
LOG=$CACHE/last-run.log

die() { echo "fresh-debian: $*" >&2; exit 2; }
say() { echo "fresh-debian: $*"; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
REV=${XENPT_REV:-HEAD}
commit=$(git -C "$SRC" rev-parse --verify "$REV^{commit}" 2>/dev/null) || die "$SRC: no commit $REV"
if [ "$REV" = HEAD ] && [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	say "note: $SRC has uncommitted changes; they are not tested"
fi
mkdir -p "$CACHE" "$APTCACHE/partial" || die "cannot create $CACHE"
: >"$LOG"

# ---- chroot plumbing --------------------------------------------------------
ROOT=
MOUNTS=()

mount_chroot() {
	local r=$1
	mount -t proc proc "$r/proc" || return 1
	MOUNTS+=("$r/proc")
	# rslave: unmounting these later must not propagate to the host's mounts
	mount --rbind /sys "$r/sys" || return 1
	MOUNTS+=("$r/sys")
	mount --make-rslave "$r/sys" || return 1
	mount --rbind /dev "$r/dev" || return 1
	MOUNTS+=("$r/dev")
	mount --make-rslave "$r/dev" || return 1
	mount --bind "$APTCACHE" "$r/var/cache/apt/archives" || return 1
	MOUNTS+=("$r/var/cache/apt/archives")
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || :
	# no daemons started by package scripts inside the chroot
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" && chmod 755 "$r/usr/sbin/policy-rc.d"
}

umount_chroot() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -R "${MOUNTS[i]}" 2>/dev/null || umount -R -l "${MOUNTS[i]}" 2>/dev/null ||
			echo "fresh-debian: cannot unmount ${MOUNTS[i]}" >&2
	done
	MOUNTS=()
}

# Remove a chroot directory, but never while anything is mounted below it.
remove_root() {
	local r=$1
	[ -n "$r" ] && [ -d "$r" ] || return 0
	if grep -q " $r/" /proc/self/mounts; then
		echo "fresh-debian: still mounted below $r; not removing it" >&2
		return 1
	fi
	rm -rf --one-file-system "$r"
}

cleanup() {
	umount_chroot
	if [ -n "$ROOT" ]; then
		if [ "$KEEP" = 1 ]; then say "kept the chroot: $ROOT"; else remove_root "$ROOT"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Run a command in the chroot as root with a clean environment, as a user
# would after logging in on the console.
in_chroot() {
	chroot "$ROOT" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
		TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# ---- the cached minimal system ------------------------------------------------
if [ ! -f "$TARBALL" ]; then
	tmp=$CACHE/minbase.tmp
	if [ ! -f "$tmp/.debootstrap-ok" ]; then
		if ! command -v debootstrap >/dev/null; then
			say "installing debootstrap on the host"
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
				>>"$LOG" 2>&1 || die "cannot install debootstrap (see $LOG)"
		fi
		remove_root "$tmp" || die "cannot remove $tmp"
		say "debootstrap --variant=minbase $SUITE (once; cached in $TARBALL)"
		debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" >>"$LOG" 2>&1 ||
			die "debootstrap failed (see $LOG)"
		touch "$tmp/.debootstrap-ok"
	fi
	ROOT=$tmp
	say "installing git and make into the minimal system"
	mount_chroot "$ROOT" || die "cannot mount /proc, /sys, /dev in $ROOT"
	{ in_chroot apt-get update -qq &&
	  in_chroot apt-get install -y -qq --no-install-recommends git make &&
	  in_chroot sh -c 'rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d /etc/resolv.conf'; } \
		>>"$LOG" 2>&1 || die "cannot install git and make (see $LOG)"
	umount_chroot
	rm -f "$ROOT/.debootstrap-ok"
	tar -C "$ROOT" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL" || die "cannot write $TARBALL"
	remove_root "$ROOT" || die "cannot remove $ROOT"
	ROOT=
fi

# ---- a fresh chroot for this run ----------------------------------------------
ROOT=$CACHE/root.$$
mkdir "$ROOT" && tar -C "$ROOT" -xpf "$TARBALL" || die "cannot unpack $TARBALL"
mount_chroot "$ROOT" || die "cannot mount /proc, /sys, /dev in $ROOT"
for p in git make; do
	in_chroot dpkg -s "$p" >/dev/null 2>&1 || die "$p missing from $TARBALL"
done
if in_chroot dpkg -s build-essential >/dev/null 2>&1 || in_chroot sh -c 'command -v cc' >/dev/null; then
	die "$TARBALL is not minimal (it has a compiler)"
fi
{ git clone -q --no-checkout "$SRC" "$ROOT/root/xenpt" &&
  git -C "$ROOT/root/xenpt" checkout -q "$commit"; } >>"$LOG" 2>&1 || die "cannot clone $SRC (see $LOG)"
say "testing $commit ($(git -C "$SRC" log -1 --format=%s "$commit" | cut -c1-60))"

# ---- checks ----------------------------------------------------------------------
pass=0 fail=0
# check NAME COMMAND...: run it (in the chroot if it says so), output to the log
check() {
	local name=$1 out
	shift
	printf '\n==== %s\n' "$name" >>"$LOG"
	if out=$("$@" 2>&1); then
		pass=$((pass + 1)); echo "ok - $name"
		printf '%s\n' "$out" >>"$LOG"
	else
		fail=$((fail + 1)); echo "not ok - $name"
		printf '%s\n' "$out" | tee -a "$LOG" | tail -n 15 | sed 's/^/#   /'
	fi
}

say "make deps && make install (minutes; log: $LOG)"
check "make deps && make install" in_chroot sh -c 'cd /root/xenpt && make deps && make install'
if [ "$fail" != 0 ]; then
	echo "$pass passed, $fail failed"
	exit 1
fi

cat >"$ROOT/root/t.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <xenpt/xenpt.h>

int main(void)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;
	const char *v = xenpt_version();

	if (strcmp(v, XENPT_VERSION_STRING) != 0) {
		fprintf(stderr, "library %s, header %s\n", v, XENPT_VERSION_STRING);
		return 1;
	}
	/* Links the source front end, and with it the live backend. */
	err = xenpt_source_open_target("core:/nonexistent.core", 0, &src);
	if (!err) {
		xenpt_source_close(src);
		return 1;
	}
	printf("xenpt %s, live backend %s, %s\n", v, xenpt_have_xen() ? "yes" : "no",
	       xenpt_error_message(err));
	xenpt_error_destroy(err);
	return 0;
}
EOF

check "man xenpt-walk renders (without mandb)" in_chroot sh -c '
	man -w xenpt-walk && man -P cat xenpt-walk | grep -q "^NAME" &&
	man -P cat xenpt-walk | grep -q "xenpt-walk" && man -P cat 5 xenpt-synth | grep -q "^NAME" &&
	man -P cat xenpt | grep -q "^NAME"'

# What bash-completion does on the first <Tab> after "xenpt": the default
# completion (complete -D) loads the command's completion file on demand.
cat >"$ROOT/root/complete-check.bash" <<'EOF'
complete -p -D || exit 1
loader=$(complete -p -D | sed -n 's/.*-F \([^ ]*\).*/\1/p')
"$loader" xenpt
complete -p xenpt || exit 1
COMP_LINE="xenpt wa" COMP_POINT=8 COMP_WORDS=(xenpt wa) COMP_CWORD=1
_xenpt xenpt wa xenpt
echo "COMPREPLY: ${COMPREPLY[*]}"
[ "${COMPREPLY[*]}" = walk ]
EOF
check "bash completion in a new login shell" in_chroot bash -lic '. /root/complete-check.bash' </dev/null

check "zsh compinit finds _xenpt" in_chroot zsh -fc '
	autoload -Uz compinit && compinit -u -D && print -r -- "_comps[xenpt]=${_comps[xenpt]}" &&
	[[ ${_comps[xenpt]} == _xenpt ]]'

check "libxenpt.so.$(sed -n 's/^SOVERSION *= *//p' "$ROOT/root/xenpt/Makefile") in the ld.so cache" \
	in_chroot sh -c 'ldconfig -p | grep " => /usr/local/lib/libxenpt.so"'

check "cc t.c \$(pkg-config --cflags --libs xenpt) runs (no manual ldconfig)" in_chroot sh -c '
	cd /root && pkg-config --cflags --libs xenpt &&
	cc -Wall -Werror -o t t.c $(pkg-config --cflags --libs xenpt) && ./t &&
	ldd ./t | grep "libxenpt.so.* => /usr/local/lib/libxenpt.so"'

check "cc -static t.c \$(pkg-config --static --cflags --libs xenpt) runs" in_chroot sh -c '
	cd /root && pkg-config --static --libs xenpt &&
	cc -static -Wall -Werror -o t-static t.c $(pkg-config --static --cflags --libs xenpt) &&
	./t-static && ! readelf -d t-static | grep -q NEEDED && ! readelf -l t-static | grep -q INTERP'

check "installed xenpt runs on the bundled data" in_chroot sh -c '
	cd /root/xenpt && command -v xenpt && xenpt version &&
	xenpt walk synth:tests/fixtures/pv-linux.synth 0xffffffff81300040 | grep "^result: mapped" &&
	xenpt dump synth:tests/fixtures/pv-linux.synth --max-lines 4'

check "README's example sessions match the real output" in_chroot sh -c '
	cd /root/xenpt && make -s fixtures && python3 tests/install/readme-examples.py'

check "make uninstall removes every file" in_chroot sh -c '
	cd /root/xenpt && make uninstall && left=$(find /usr/local -type f -o -type l | grep -i xenpt);
	[ -z "$left" ] || { echo "left behind: $left"; exit 1; }
	! ldconfig -p | grep libxenpt'

say "$((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
