#!/bin/sh
test_description='list and info open a synthetic spec without applying its mapping lines; every other command applies them, errors included'
. "$(dirname "$0")/lib.sh"

# Line 5 is wrong, and only a mapping line: list and info do not read it
# (issue 14: a 500,000-line spec opens for them in milliseconds), the
# commands that read the page tables report it with its line number.
cat >lazy.synth <<'SPEC'
domain pv
name lazy
memory 64M
map 0x400000 pfn=0x10
map 0x401000 pfn=0x11 size=zz
SPEC
expect_jq '.[0] | .name == "lazy" and .tot_pages == 16384 and .vcpus == 1' xenpt -j list synth:lazy.synth
expect_jq '.name == "lazy" and .p2m_size == 16384' xenpt -j info synth:lazy.synth
expect_stderr 2 "lazy.synth:5: 'size=zz': size must be a number" xenpt walk synth:lazy.synth 0x400000
for cmd in "dump" "rmap --pfn 0x10" "p2m --check" "audit"; do
	# shellcheck disable=SC2086
	expect_stderr 2 "lazy.synth:5: 'size=zz': size must be a number" xenpt $cmd synth:lazy.synth
done

# A spec with another directive after its mapping lines is applied whole at
# open, as before: list reports its error.
cat >eager.synth <<'SPEC'
domain pv
name eager
memory 64M
map 0x400000 pfn=0x10 size=zz
vcpu 0 online=yes
SPEC
expect_stderr 2 "eager.synth:4: 'size=zz': size must be a number" xenpt list synth:eager.synth

# Applied lazily, the mappings are the same as applied at once: walk of the
# lazily opened spec against the eager one (a `vcpu` line last forces it).
cat >good.synth <<'SPEC'
domain pv
name good
memory 64M
map 0x400000 pfn=0x10 size=0x3000
unmap 0x401000
SPEC
{ cat good.synth; echo 'vcpu 0 online=yes'; } >good-eager.synth
capture lazy.out xenpt -j walk synth:good.synth 0x402000
capture eager.out xenpt -j walk synth:good-eager.synth 0x402000
expect_same lazy.out eager.out "walk of 0x402000: lazy and eager opening agree"
expect_jq '.end.reason == "mapped" and .pfn == "0x12"' xenpt -j walk synth:good.synth 0x402000
expect_jq '.end.reason == "not_present"' xenpt -j walk synth:good.synth 0x401000
done_testing
