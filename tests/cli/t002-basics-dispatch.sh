#!/bin/sh
test_description='command dispatch: exact names, unique prefixes, ambiguity, the completion helper'
. "$(dirname "$0")/lib.sh"

# unique prefixes run the command
expect_cmp  help-walk.txt  xenpt wa --help
expect_cmp  help-walk.txt  xenpt w --help
expect_cmp  help-read.txt  xenpt re --help
expect_ok   xenpt vers
expect_ok   xenpt ve
# an ambiguous prefix is exit 2 listing every candidate, never the first match
expect_cmp -s 2 -e ambiguous-v.txt xenpt v
expect_fail 2 "'v' is ambiguous: vcpu version$" xenpt v --help
expect_cmp  help.txt       xenpt h
# unknown commands are named
expect_fail 2 "unknown command 'nope'" xenpt nope
expect_fail 2 "unknown command 'walkk'" xenpt walkk
expect_fail 2 "unknown command ''" xenpt ''
expect_fail 2 "unknown global option '--bogus'" xenpt --bogus
expect_fail 2 "unknown global option '-x'" xenpt -x walk
# the hidden completion helper
# the commands are those `help` lists (help.txt pins that list), in its order
expect_ok   sh -c '[ "$("$XENPT" __complete commands)" = "$("$XENPT" help | sed -n "s/^  \([a-z_][a-z0-9_-]*\)  .*/\1/p")" ]'
expect_cmp  complete-options-walk.txt  xenpt __complete options walk
expect_cmp  complete-options-walk.txt  xenpt __complete options wa
expect_cmp  complete-options-read.txt  xenpt __complete options read
expect_cmp  complete-options-list.txt  xenpt __complete options list
# targets: core: and synth: first; live ids and names follow only in dom0
expect_cmp  complete-targets.txt       sh -c '"$XENPT" __complete targets | head -n 2'
expect_code 2 xenpt __complete options nosuch
expect_code 2 xenpt __complete bogus
expect_code 2 xenpt __complete
# hidden: not in help, not offered by completion, but not a prefix target either
expect_ok   sh -c '! "$XENPT" help | grep -q __complete'
expect_fail 2 "unknown command '__c'" xenpt __c
done_testing
