#!/bin/sh
test_description='p2m/m2p --check whose walk budget runs out: never clean, says what was not checked, exit 2 (issue 15, item 1)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# The shipped core with 2200 more L1 tables, each mapping 512 distinct
# frames the domain does not own (notes, not findings), linked in at L4
# slot 1 of vCPU 0's kernel L4 (mfn 0x53d9a) through one L3 and five L2s
# written over zero pages: 1,126,400 distinct frames, more than the walk's
# budget for a 0x8000-entry P2M (2 * 0x8000 + 2^20 = 0x110000).
cat >mkwide.py <<'PY'
import os, struct, sys
sys.path.insert(0, os.environ["TEST_DIR"])
from coreedit import sections
NL1 = 2200
f = open(sys.argv[1], "r+b")
sec, _ = sections(f)
pages_off = sec[b".xen_pages"][0]; p2m_off, p2m_size, _ = sec[b".xen_p2m"]
f.seek(p2m_off); p2m = f.read(p2m_size)
n = p2m_size // 16
mfn_of = [struct.unpack_from("<QQ", p2m, 16 * i)[1] for i in range(n)]
page = lambda i: pages_off + 4096 * i
ri = mfn_of.index(int(sys.argv[2], 16))
f.seek(page(ri)); l4 = f.read(4096)
slot = 1
assert struct.unpack_from("<Q", l4, 8 * slot)[0] == 0
zero = bytes(4096); free = []
for i in range(n - 1, -1, -1):
    f.seek(page(i))
    if f.read(4096) == zero:
        free.append(i)
        if len(free) == NL1 + 6: break
assert len(free) == NL1 + 6
l1s, l2s, l3 = free[:NL1], free[NL1:NL1 + 5], free[NL1 + 5]
for k, i in enumerate(l1s):   # P|US|A leaves naming mfn 0x10000000 and up
    f.seek(page(i))
    f.write(b"".join(struct.pack("<Q", ((0x10000000 + 512 * k + e) << 12) | 0x25) for e in range(512)))
for k, i in enumerate(l2s):
    f.seek(page(i))
    f.write(b"".join(struct.pack("<Q", (mfn_of[l1s[512 * k + e]] << 12) | 0x27 if 512 * k + e < NL1 else 0)
                     for e in range(512)))
f.seek(page(l3)); f.write(b"".join(struct.pack("<Q", (mfn_of[i] << 12) | 0x27) for i in l2s))
f.seek(page(ri) + 8 * slot); f.write(struct.pack("<Q", (mfn_of[l3] << 12) | 0x27))
PY
cp "$CORE_FILE" wide.core
python3 mkwide.py wide.core 0x53d9a
# the same under the user L4 (mfn 0x53d70) only: the budget runs out in
# its private tables, after the two other roots were walked completely
cp "$CORE_FILE" wide-user.core
python3 mkwide.py wide-user.core 0x53d70

# text: no "clean", the walk line, what was not checked, the result, exit 2
"$XENPT" p2m --check core:wide.core >wide.txt 2>wide.err
expect_ok test $? -eq 2
expect_ok grep -q "^page tables: 3 roots, 0 walked completely; WALK INCOMPLETE: the budget of 0x110000 distinct frames ran out" wide.txt
expect_ok grep -qx "not checked: vcpu 0 kernel L4 mfn 0x53d9a: L4 slot 1 (va 0x8000000000-0xffffffffff)" wide.txt
expect_ok grep -q "^not checked: vcpu 0 user L4 mfn 0x53d70: " wide.txt
expect_ok grep -q "^not checked: shared_info p2m_cr3 L4 mfn 0x54a10: " wide.txt
expect_ok grep -q "^result: incomplete (3 of 3 roots not checked completely); 0 findings in what was checked" wide.txt
expect_code 1 grep -q "result: clean" wide.txt
expect_ok grep -q "the check did not finish: .* 3 of 3 roots not checked completely" wide.err
expect_stderr 2 "the check did not finish" xenpt m2p --check core:wide.core

# JSON: the same facts, one document
expect_jq -s 2 '.complete == false and .clean == false and .result == "incomplete"
	and .walk.truncated == true and .walk.roots == 3 and .walk.roots_complete == 0
	and .walk.budget == "0x110000" and .nr_findings == 0
	and .not_checked[0] == {"root": "vcpu 0 kernel L4 mfn 0x53d9a", "root_mfn": "0x53d9a", "level": 4,
		"first_slot": 1, "last_slot": 1, "va_start": "0x8000000000", "va_last": "0xffffffffff"}
	and ([.not_checked[].root] | unique) == ["shared_info p2m_cr3 L4 mfn 0x54a10", "vcpu 0 kernel L4 mfn 0x53d9a", "vcpu 0 user L4 mfn 0x53d70"]' \
	xenpt -j p2m --check core:wide.core
expect_jq -s 2 '.complete == false and .result == "incomplete"' xenpt -j m2p --check core:wide.core

# one root of three not checked completely, and only its slot 1
"$XENPT" p2m --check core:wide-user.core >user.txt 2>user.err
expect_ok test $? -eq 2
expect_ok grep -q "^page tables: 3 roots, 2 walked completely; WALK INCOMPLETE" user.txt
expect_ok grep -q "^result: incomplete (1 of 3 roots not checked completely)" user.txt
expect_jq -s 2 '.result == "incomplete" and .walk.roots_complete == 2
	and ([.not_checked[] | [.root, .first_slot, .last_slot]] == [["vcpu 0 user L4 mfn 0x53d70", 1, 1]])' \
	xenpt -j p2m --check core:wide-user.core

# the shipped core: complete, clean, nothing left out
expect_jq '.complete == true and .clean == true and .result == "clean" and .not_checked == []
	and .walk.roots == 3 and .walk.roots_complete == 3 and .walk.truncated == false' \
	xenpt -j p2m --check "$CORE"
"$XENPT" p2m --check "$CORE" >ok.txt 2>ok.err
expect_ok grep -q "^page tables: 3 roots walked, " ok.txt
expect_ok grep -q "^result: clean" ok.txt
done_testing
