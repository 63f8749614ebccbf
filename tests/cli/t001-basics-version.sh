#!/bin/sh
test_description='version, -V/--version, in plain and JSON'
. "$(dirname "$0")/lib.sh"

# the features depend on the build (libxen-dev)
expect_cmp  version.txt    sh -c '"$XENPT" version | sed -E "s/=(yes|no)/=BOOL/g"'
expect_cmp  version.txt    sh -c '"$XENPT" ver | sed -E "s/=(yes|no)/=BOOL/g"'
expect_json version.json   sh -c '"$XENPT" -j version | jq ".features |= map_values(type)"'
expect_json version.json   sh -c '"$XENPT" version --json | jq ".features |= map_values(type)"'
expect_jq '.version == "0.1.0" and .library == .version and (.features | keys) == ["capstone","libelf","readline","xen"]' \
	xenpt --pretty version
# each optional library is reported as compiled in exactly when the binary links it
for lib in capstone libelf readline; do
	so=$lib; [ $lib = libelf ] && so=libelf.so
	if ldd "$XENPT" | grep -q "$so"; then want=true; else want=false; fi
	expect_jq ".features.$lib == $want" xenpt --json version
done
# --pretty indents
expect_ok sh -c '[ "$("$XENPT" --pretty version | wc -l)" -gt 3 ]'
expect_cmp  dash-V.txt     xenpt -V
expect_cmp  dash-V.txt     xenpt --version
# usage errors
expect_fail 2 "unexpected argument 'extra'" xenpt version extra
expect_fail 2 "'--bogus'"  xenpt version --bogus
done_testing
