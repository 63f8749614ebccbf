#!/bin/sh
test_description='p2m/m2p on hostile input: a shared_info that claims 2^32-1 P2M entries, tables that fan out, garbage tables, FIFOs and other non-files as core: and synth: targets'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" tests/fixtures/pv-shared-all-slots.synth

# the shipped core with shared_info's arch.max_pfn (struct arch_shared_info
# at offset 3088 of shared_info, lib/xen/xen_abi.h) set to 2^32-1: the core
# backs 0x8000 entries, so the claim is not taken, and it is reported
cp "$CORE_FILE" maxpfn.core
python3 - <<'PY'
import struct
f = open("maxpfn.core", "r+b"); d = f.read(64)
shoff, = struct.unpack_from("<Q", d, 40); shnum, shstrndx = struct.unpack_from("<HH", d, 60)
f.seek(shoff); sh = f.read(64 * shnum)
stroff, = struct.unpack_from("<Q", sh, 64 * shstrndx + 24)
for i in range(shnum):
    n, = struct.unpack_from("<I", sh, 64 * i); f.seek(stroff + n)
    if f.read(17).split(b"\0")[0] == b".xen_shared_info":
        off, = struct.unpack_from("<Q", sh, 64 * i + 24)
        f.seek(off + 3088); f.write(struct.pack("<Q", 0xffffffff))
PY
expect_ok timeout 20 "$XENPT" -j info core:maxpfn.core
expect_jq '.p2m_size == 32768 and .shinfo_max_pfn == "0xffffffff" and .clean == true
	and .p2m_size_claim == {"field": "shared_info arch.max_pfn", "value": "0xffffffff"}' \
	timeout 20 "$XENPT" -j p2m --check core:maxpfn.core
expect_stderr 0 "shared_info arch.max_pfn is 0xffffffff, more P2M entries than the source backs: the P2M is taken as 0x8000 entries" \
	timeout 20 "$XENPT" p2m core:maxpfn.core
expect_stderr 0 "shared_info arch.max_pfn is 0xffffffff" timeout 20 "$XENPT" m2p core:maxpfn.core
expect_jq '.nr_runs > 0 and .last_pfn == "0x7fff"' timeout 20 "$XENPT" -j p2m core:maxpfn.core
"$XENPT" p2m --check core:maxpfn.core >maxpfn.txt
expect_ok grep -q "^note: shared_info arch.max_pfn is 0xffffffff, more P2M entries than the source backs: the check covers 0x8000$" maxpfn.txt

# one L1 table reached through 496 * 512 * 512 paths: the check reads each of
# the 4 distinct tables once and ends at once, with nothing cut
expect_jq '.walk.tables == 4 and .walk.truncated == false and .walk.roots == 1' \
	timeout 20 "$XENPT" -j p2m --check synth:tests/fixtures/pv-shared-all-slots.synth
expect_stderr 0 "frame cache: .* 4 misses" timeout 20 "$XENPT" p2m --stats --check synth:tests/fixtures/pv-shared-all-slots.synth

# garbage tables: the direct map's L2 (pfn 0x2a13, t201) replaced by random
# bytes; the check ends (findings or not), within the time limit
cp "$CORE_FILE" garbage.core
off=$(python3 "$TEST_DIR/coreedit.py" page-offset garbage.core 0x2a13)
expect_ok test -n "$off"
head -c 4096 /dev/urandom >junk
dd if=junk of=garbage.core bs=1 seek="$off" conv=notrunc 2>/dev/null
timeout 30 "$XENPT" -j p2m --check core:garbage.core >garbage.json 2>garbage.err
st=$?
expect_ok test "$st" -eq 0 -o "$st" -eq 1
expect_ok jq -e '.walk.walked == true' garbage.json

# FIFOs, directories and devices are refused for every file target, at once
# (a FIFO must not block the open waiting for a writer)
mkfifo fifo
mkdir adir
for t in core:fifo synth:fifo; do
	for cmd in info p2m m2p "p2m --check" vcpu dump; do
		# shellcheck disable=SC2086
		expect_stderr 2 "not a regular file" timeout 10 "$XENPT" $cmd $t
	done
done
expect_stderr 2 "is a directory" timeout 10 "$XENPT" p2m core:adir
expect_stderr 2 "is a directory" timeout 10 "$XENPT" p2m synth:adir
expect_stderr 2 "not a regular file" timeout 10 "$XENPT" p2m core:/dev/null
expect_stderr 2 "not a regular file" timeout 10 "$XENPT" p2m synth:/dev/zero
done_testing
