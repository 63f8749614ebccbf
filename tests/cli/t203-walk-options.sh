#!/bin/sh
test_description='walk: usage errors, unknown targets, --vcpu/--cr3/--mode/--strict'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

expect_fail 2 "no TARGET given" xenpt walk
expect_fail 2 "no VA given" xenpt walk "$CORE"
expect_fail 2 "'not-an-address' is not a virtual address" xenpt walk "$CORE" not-an-address
expect_fail 2 "'0x' is not a virtual address" xenpt walk "$CORE" 0x
expect_fail 2 "usage: xenpt walk" xenpt walk "$CORE" -1
expect_fail 2 "is not a virtual address" xenpt walk "$CORE" 0x10000000000000000
expect_fail 2 "unexpected argument 'extra'" xenpt walk "$CORE" 0x1000 extra
expect_fail 2 "--vcpu: 'x' is not a vCPU number" xenpt walk --vcpu x "$CORE" 0x1000
expect_fail 2 "unknown paging mode '7level'" xenpt walk --mode 7level "$CORE" 0x1000
expect_fail 2 "--cr3 cannot be combined with --vcpu or --user" xenpt walk --cr3 0x53d70000 --vcpu 0 "$CORE" 0x1000
expect_fail 2 "--cr3 cannot be combined with --vcpu or --user" xenpt walk --cr3 0x53d70000 --user "$CORE" 0x1000
expect_fail 2 "no vCPU 3" xenpt walk --vcpu 3 "$CORE" 0x1000
# unknown targets are named, and the address is not needed to say so
expect_fail 2 "core file tests/fixtures/nonexistent.core: no such file" \
	xenpt walk core:tests/fixtures/nonexistent.core 0x1000
expect_fail 2 "'bogus/target'" xenpt walk bogus/target 0x1000
expect_json -s 2 error-walk-nonexistent.json xenpt -j walk core:tests/fixtures/nonexistent.core 0x1000
# --strict: 0 when mapped, 1 for every other end
expect_code 0 xenpt walk --strict "$CORE" 0xffffffff81000000
expect_code 1 xenpt walk --strict "$CORE" 0x1000
expect_code 1 xenpt walk -s "$CORE" 0xffff800000000000
expect_code 1 xenpt walk --strict "$CORE" 0x0000800000000000
expect_code 1 xenpt -j walk --strict "$CORE" 0x1000
# --mode 4level is what the vCPU uses anyway
expect_cmp walk-core-ktext.txt xenpt walk --mode 4level "$CORE" 0xffffffff81000000
expect_cmp walk-core-ktext.txt xenpt walk --vcpu 0 "$CORE" 0xffffffff81000000
done_testing
