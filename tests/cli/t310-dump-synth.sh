#!/bin/sh
test_description='dump on the synthetic PV fixture: sections, runs, findings, --user, --tables, errors'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# Facts (xenpt-synth(5), layout linux; t200): kernel text 0xffffffff81000000
# 2 MiB read-only executable, rodata 1 MiB read-only no-exec, data 1 MiB
# writable no-exec; the direct map of the 64 MiB at 0xffff888000000000,
# where Xen's page-table frames are mapped read-only; the linear P2M at
# 0xffffc90000000000; Xen's L4 slots 256-271 are not walked.
expect_cmp  dump-synth.txt   xenpt dump "$SYNTH_PV"
expect_json dump-synth.json  xenpt -j dump "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "mapped" and .section == "kernel text")
	| [.start, .last, .writable, .nx]] == [
	["0xffffffff81000000", "0xffffffff811fffff", false, false],
	["0xffffffff81200000", "0xffffffff812fffff", false, true],
	["0xffffffff81300000", "0xffffffff813fffff", true, true]]' xenpt -j dump "$SYNTH_PV"
# the direct map covers the domain's 64 MiB, 4K pages, never writable where
# the frame is a page table (Xen's rule), and every table is mapped there
expect_jq '[.runs[] | select(.section == "direct map" and .kind == "mapped")]
	| (.[0].start == "0xffff888000000000") and (.[-1].last == "0xffff888003ffffff")
	and all(.[]; .level == 1) and all(.[] | select(.frame_type != null); .writable | not)' \
	xenpt -j dump "$SYNTH_PV"
expect_jq '.runs[] | select(.kind == "xen_slot") | .start == "0xffff800000000000" and .last == "0xffff87ffffffffff"
	and .entries == 16 and .section == "Xen reserved: L4 slots 256-271"' xenpt -j dump "$SYNTH_PV"
expect_jq '.summary.findings == 0 and .summary.pages_4k * 4096 == (.summary.mapped_bytes | ltrimstr("0x") | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)))' xenpt -j dump "$SYNTH_PV"
expect_code 0 xenpt dump --strict "$SYNTH_PV"
# the sizes in a run line add up: start-end and the size column agree
expect_ok sh -c '"$XENPT" dump "$SYNTH_PV" | grep -q "^0xffffffff81000000-0xffffffff81200000      2M      ro                     x          pte$"'
# vCPU 0's user L4: the user half and, in slot 511, the vsyscall L3
expect_cmp  dump-synth-user.txt  xenpt dump --user "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "mapped" and .section != "user")] | length == 0' xenpt -j dump --user "$SYNTH_PV"
# --vcpu 1 runs on the init root: no user half
expect_jq '[.runs[] | select(.kind == "mapped" and .section == "user")] | length == 0' xenpt -j dump --vcpu 1 "$SYNTH_PV"
# --cr3 with vCPU 0's user L4 is --user
cr3=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].user_cr3')
expect_ok test -n "$cr3" -a "$cr3" != null
capture by-user through "jq -S 'del(.user_l4)'" xenpt -j dump --user "$SYNTH_PV"
capture by-cr3 through "jq -S 'del(.user_l4)'" xenpt -j dump --cr3 "$cr3" "$SYNTH_PV"
expect_same by-user by-cr3 "--cr3 \$user_cr3 dumps like --user"
# --tables: every table frame, with Xen's type; the levels agree with the types
expect_cmp  dump-synth-tables.txt   xenpt dump --tables "$SYNTH_PV"
expect_json dump-synth-tables.json  xenpt -j dump --tables "$SYNTH_PV"
expect_jq 'all(.tables[]; .level as $l | .xen_type | startswith("l\($l)"))' xenpt -j dump --tables "$SYNTH_PV"
expect_jq '([.tables[] | select(.level == 1)] | length) == ([.tables[] | select(.level == 2) | .links] | add)' \
	xenpt -j dump --tables "$SYNTH_PV"
# usage errors and unknown targets
expect_fail 2 "no TARGET given" xenpt dump
expect_fail 2 "unexpected argument 'extra'" xenpt dump "$SYNTH_PV" extra
expect_fail 2 "--level: 'x' is not a level" xenpt dump --level x "$SYNTH_PV"
expect_fail 2 "--level: '6' is not a level" xenpt dump --level 6 "$SYNTH_PV"
expect_fail 2 "--range: '0x2000-0x1000' is not START-END" xenpt dump --range 0x2000-0x1000 "$SYNTH_PV"
expect_fail 2 "--max-lines: 'many' is not a number" xenpt dump --max-lines many "$SYNTH_PV"
expect_fail 2 "cannot be combined" xenpt dump --cr3 0x1000 --user "$SYNTH_PV"
expect_fail 2 "no vCPU 2" xenpt dump --vcpu 2 "$SYNTH_PV"
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt dump synth:tests/fixtures/nonexistent.synth
expect_json -s 2 error-dump-synth-nonexistent.json xenpt -j dump synth:tests/fixtures/nonexistent.synth
expect_fail 2 "unknown kind of target 'nosuch:' in 'nosuch:thing'" xenpt dump nosuch:thing
done_testing
