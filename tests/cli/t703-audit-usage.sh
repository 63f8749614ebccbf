#!/bin/sh
test_description='audit: usage and input errors (exit 2, JSON errors)'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

expect_stderr 2 'no TARGET given' xenpt audit
expect_stderr 2 "--frame: 'zz' is not a frame number" xenpt audit --frame zz "$SYNTH_PV"
expect_stderr 2 'give no TARGET' xenpt audit --all "$SYNTH_PV"
expect_code 2 xenpt audit synth:does-not-exist.synth
expect_jq -s 2 '.error.code == "invalid_arg"' xenpt -j audit nosuchkind:x
expect_jq -s 2 '.error.code == "unsupported" and (.error.message | test("64-bit PV"))' \
	xenpt -j audit "$SYNTH_HVM4"
expect_jq -s 2 '.error | has("code")' xenpt -j audit
# --all needs a live host (none here, or a build without Xen): an error, not "clean"
expect_code 2 xenpt audit --all
expect_jq -s 2 '.error | has("message")' xenpt -j audit --all
# completion asks the binary: the options, and a TARGET after them
capture opts xenpt __complete options audit
expect_ok grep -qx -- --frame opts
expect_ok grep -qx -- --no-types opts
expect_ok grep -qx -- --all opts
done_testing
