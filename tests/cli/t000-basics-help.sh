#!/bin/sh
test_description='help, --help and the command list, without Xen'
. "$(dirname "$0")/lib.sh"

expect_cmp   help.txt            xenpt help
expect_cmp   help.txt            xenpt --help
expect_cmp   help.txt            xenpt -h
# no command at all: the list on stderr, exit 2
expect_cmp -s 2 -e no-command.txt xenpt
expect_cmp   help-walk.txt       xenpt help walk
expect_cmp   help-walk.txt       xenpt walk --help
expect_cmp   help-walk.txt       xenpt walk -h
expect_cmp   help-walk.txt       xenpt help wa
# --help wins over missing arguments and never opens a target
expect_cmp   help-walk.txt       xenpt walk --help core:/nonexistent
expect_cmp   help-read.txt       xenpt read --help
expect_cmp   help-version.txt    xenpt version --help
# usage error: an unknown command, named
expect_fail 2 "unknown command 'nope'" xenpt help nope
# every command's --help exits 0 (tests/lint/sync.sh checks the rest)
for c in $(xenpt __complete commands); do
	case $c in help) continue ;; esac
	expect_ok xenpt "$c" --help
done
expect_cmp  help-help.txt       xenpt help --help
expect_cmp  help-help.txt       xenpt help help
expect_fail 2 "'v' is ambiguous" xenpt help v
expect_fail 2 "unexpected argument 'read'" xenpt help walk read
# JSON mode: help is text for people; a script must still get JSON (bpftool: null)
expect_json  help.json           xenpt -j help
done_testing
