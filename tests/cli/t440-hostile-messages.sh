#!/bin/sh
test_description='messages that name the field and value at fault (issue 15): a cut core, e_shnum too large, an oversized synth spec, the physical address width assumed'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# the shipped core cut inside .note.Xen (section 2: 0x568 bytes at 0x200):
# the message names that section, not .shstrtab (written last, also gone)
head -c 768 "$CORE_FILE" >cut-note.core
expect_stderr 2 "section 2 \(SHT_NOTE 7, name unreadable: the section name table, section 1, is past the end of the file too\): 0x568 bytes at offset 0x200 run past the end of the file \(0x300 bytes\): the file ends inside it, 0x468 of its bytes are missing" \
	"$XENPT" info core:cut-note.core
# cut inside .xen_pages: its type is said, and the bytes missing in all
head -c 1048576 "$CORE_FILE" >cut-pages.core
expect_stderr 2 "section 5 \(SHT_PROGBITS 1, name unreadable.*0x8000000 bytes at offset 0x3000 .*0x7f03000 of its bytes are missing \(0x7f83048 in all\)" \
	"$XENPT" info core:cut-pages.core

# e_shnum one too many (8 at offset 60): the header table reaches into .note.Xen
cp "$CORE_FILE" shnum.core
printf '\010' | dd of=shnum.core bs=1 seek=60 conv=notrunc 2>/dev/null
expect_stderr 2 "e_shnum 8 is too large: the section header table at e_shoff 0x40 would end at 0x240, inside the data of section 2 \(.note.Xen\) at 0x200; at most 7 headers fit before it" \
	"$XENPT" info core:shnum.core

# a synth spec bigger than the parser takes: a regular file, too large (sparse)
: >big.synth
truncate -s 17M big.synth
expect_stderr 2 "big.synth: a regular file of 17825792 bytes \(st_size\), more than a spec may have \(16777216 bytes\)" \
	"$XENPT" info synth:big.synth
mkfifo fifo.synth
expect_stderr 2 "fifo.synth: not a regular file" timeout 10 "$XENPT" info synth:fifo.synth

# a core does not record the host's physical address width: info, and a walk
# whose result depends on it (a table frame missing), say 52 was assumed
expect_jq '.paddr_bits == 52 and .paddr_bits_known == false and .p2m_size_from == "shared_info arch.max_pfn"' \
	xenpt -j info "$CORE"
# (info-core.txt, t111, holds the plain form; a mapped walk, which does not
# depend on the width, has no note: walk-core-ktext.txt, t201)
expect_cmp walk-core-root-unreadable.txt xenpt walk --cr3 0x7ffff000 "$CORE" 0xffffffff81000000
expect_jq '.paddr_bits == 52 and .paddr_bits_known == false and .end.reason == "unreadable"' \
	xenpt -j walk --cr3 0x7ffff000 "$CORE" 0xffffffff81000000
done_testing
