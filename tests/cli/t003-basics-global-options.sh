#!/bin/sh
test_description='global options before and after the command; errors follow the output mode'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# -j/--json/-p/--pretty before the command, --json/--pretty after it
for o in -j --json -p --pretty; do
	expect_jq '.[0].tot_pages == 32768' xenpt $o list "$CORE"
done
for o in --json -j --pretty; do
	expect_jq '.[0].tot_pages == 32768' xenpt list $o "$CORE"
done
# options may follow the target (GNU getopt order)
expect_jq '.[0].tot_pages == 32768' xenpt list "$CORE" --json
# --stats and -v print frame-cache statistics on stderr, and not on stdout
expect_stderr 0 '^xenpt walk: frame cache: [0-9]+ lookups, [0-9]+ hits' \
	xenpt --stats walk "$CORE" 0xffffffff81000000
expect_stderr 0 '^xenpt walk: frame cache: ' xenpt walk --stats "$CORE" 0xffffffff81000000
expect_stderr 0 '^xenpt walk: frame cache: ' xenpt -v walk "$CORE" 0xffffffff81000000
expect_jq '.end.reason == "mapped"' xenpt -j --stats walk "$CORE" 0xffffffff81000000
# --pause means nothing for a core file, and is accepted
expect_ok xenpt --pause info "$CORE"
expect_ok xenpt info --pause "$CORE"
# in JSON mode an error is also a JSON object on stdout
expect_json -s 2 error-no-core.json xenpt -j info core:tests/fixtures/nonexistent.core
expect_json -s 2 error-no-core.json xenpt info --json core:tests/fixtures/nonexistent.core
expect_fail 2 '^xenpt info: core file tests/fixtures/nonexistent.core: ' \
	xenpt -j info core:tests/fixtures/nonexistent.core
# usage errors from getopt name the program and the command
expect_fail 2 "^xenpt walk: .*'--bogus'" xenpt walk --bogus "$CORE" 0x1000
expect_fail 2 "usage: xenpt walk \[OPTIONS\] TARGET VA" xenpt walk --bogus "$CORE" 0x1000
expect_fail 2 "'--v' is ambiguous" xenpt walk --v 1 "$CORE" 0x1000
expect_fail 2 "'--vcpu' requires an argument" xenpt walk "$CORE" 0x1000 --vcpu
expect_jq -s 2 '.error.code == "invalid_arg"' xenpt -j walk "$CORE" not-an-address
done_testing
