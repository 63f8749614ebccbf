#!/bin/sh
test_description='symbols from the guest'"'"'s own kallsyms: the Linux PV core against its kernel'"'"'s System.map; a guest without kallsyms and a damaged table said so'
. "$(dirname "$0")/lib.sh"
MAP=build/fixtures/xenlab-domu.System.map.txt
need "$CORE_FILE" "$MAP" build/fixtures/xenpt-testguest.core "$SYNTH_PV_FILE"
G=core:build/fixtures/xenpt-testguest.core
# the truth: the System.map of Debian's 6.1.0-56-amd64 (tests/fixtures/xenlab-domu.System.map.README)
addr() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' "$MAP"; }

# a name in an address, no --symbols: found through the guest's kallsyms
expect_jq ".va == \"$(addr linux_banner)\"" xenpt -j walk "$CORE" linux_banner
expect_jq ".address == \"$(addr linux_banner)\"" xenpt -j read "$CORE" linux_banner+0 1
capture banner xenpt read --raw "$CORE" linux_banner 14
printf 'Linux version ' >banner-expected
expect_same banner banner-expected "linux_banner (kallsyms) holds the kernel's banner"
# --symbols kallsyms and --symbols System.map name the vCPU's entry points alike
# (every KEY_symbol string of the JSON: rip, the callbacks, the #PF handler)
syms='[paths(type == "string") as $p | select($p[-1] | tostring | endswith("symbol")) | [$p, getpath($p)]]'
capture vcpu-k through "jq -c '$syms'" xenpt -j vcpu --symbols kallsyms "$CORE"
capture vcpu-m through "jq -c '$syms'" xenpt -j vcpu --symbols "$MAP" "$CORE"
expect_ok grep -q 'page_fault_handler' vcpu-k
expect_same vcpu-k vcpu-m "vcpu: RIP and the #PF handler named from kallsyms as from the System.map"
expect_jq '.[0].page_fault_handler.address_symbol == "xen_asm_exc_page_fault"' xenpt -j vcpu --symbols kallsyms "$CORE"
# dis labels from kallsyms automatically: each label the System.map's name at that address
capture dis-labels through "jq -r '.instructions[] | select(.symbol and (.symbol | test(\"[+]\") | not)) | \"\(.address | ltrimstr(\"0x\")) \(.symbol)\"'" \
	xenpt -j dis "$CORE" xen_asm_exc_page_fault 40
capture dis-map through "awk 'NR == FNR { want[\$1] = 1; next } (\$1 in want) && \$2 ~ /^[Tt]\$/ { print \$1, \$3 }' dis-addrs -" \
	sh -c "cut -d' ' -f1 dis-labels >dis-addrs; cat '$MAP'"
expect_same dis-labels dis-map "dis: every label from kallsyms is the System.map's symbol at that address"
# 300 names unique in the System.map, every 250th of the text and data symbols: each
# resolves, in one batch (kallsyms read once), to the System.map's address
awk '$1 ~ /^ffffffff/ && $2 ~ /^[TtDdRrBb]$/ { n[$3]++; a[$3] = $1; o[++k] = $3 }
     END { for (i = 1; i <= k; i++) if (n[o[i]] == 1 && ++c % 250 == 0) print o[i], "0x" a[o[i]] }' "$MAP" | head -n 300 >sample
expect_ok test "$(wc -l <sample)" -eq 300
awk '{ print "walk " $1 }' sample >sample.batch
capture sample-xenpt through "jq -r '.[] | \"\(.command | sub(\"^walk \"; \"\")) \(.output.va)\"'" \
	xenpt -j batch "$CORE" sample.batch
expect_same sample-xenpt sample "300 sampled names resolve to their System.map addresses"
# the shell's symbols built-in: kallsyms_num_syms symbols (read at its System.map address: 94266)
capture nsyms through "od -An -tu4 | tr -d ' '" xenpt read --raw "$CORE" "$(addr kallsyms_num_syms)" 4
expect_ok grep -qx 94266 nsyms
printf 'symbols kallsyms\nsymbols\nsymbols none\nsymbols\n' >sym.batch
capture sym-out xenpt batch "$CORE" sym.batch
printf '94266 symbols (with the guest'"'"'s kallsyms)\n0 symbols (symbols none)\n' >sym-want
expect_same sym-out sym-want "batch: symbols kallsyms, symbols, symbols none"
# the shell and batch read kallsyms by themselves for the commands that show names,
# once per open target: another target gets its own (here: none, said once)
printf 'vcpu\ndis rip 1\nopen %s\nvcpu\ndis rip 1\n' "$G" >auto.batch
capture auto xenpt batch "$CORE" auto.batch
expect_ok grep -q '^  symbols        event xen_asm_exc_xen_hypervisor_callback  failsafe xen_failsafe_callback  syscall xen_entry_SYSCALL_64  #PF xen_asm_exc_page_fault$' auto
expect_ok grep -q '^=* *0xffffffff81a442b5 <+0x5> ' auto
expect_ok test "$(grep -c 'no kallsyms table found in 0xffffffff80000000-' auto.err)" -eq 1
# --symbols none: no kallsyms, a name is an error
expect_stderr 2 "'linux_banner' is not a virtual address" xenpt walk --symbols none "$CORE" linux_banner
expect_jq '.[0] | has("rip_symbol") | not' xenpt -j vcpu "$CORE"   # one-shot vcpu: only when asked

# not Linux (the project's test guest): said, with where it looked, and xenpt goes on
expect_stderr 0 "warning: kallsyms: no kallsyms table found in 0xffffffff80000000-0xffffffff80400000 \(the mapped run of the kernel image holding the vCPU's RIP; 2 other runs searched too, 1027 pages in all, 1 of them unreadable\): no kallsyms_token_table" \
	xenpt vcpu --symbols kallsyms "$G"
expect_stderr 0 'going on without them' xenpt vcpu --symbols kallsyms "$G"
expect_stderr 0 'hint: a kernel built without CONFIG_KALLSYMS' xenpt vcpu --symbols kallsyms "$G"
expect_stderr 0 "note: no symbols: kallsyms: no kallsyms table found in 0xffffffff80000000-" xenpt dis "$G" 0xffffffff8000808b 2
expect_stderr 2 "note: no symbols: kallsyms: no kallsyms table found in 0xffffffff81000000-0xffffffff81400000" \
	xenpt walk "$SYNTH_PV" no_such_symbol
# JSON: the automatic note stays off stdout and stderr, the explicit warning does not
expect_jq '.instructions | length == 2' xenpt -j dis "$G" 0xffffffff8000808b 2

# a damaged table (hostile memory): kallsyms_markers overwritten with random bytes in a
# copy of the core: the reader says what it found and what did not decode, and goes on
cp "$CORE_FILE" damaged.core
pfn=$(xenpt -j walk "$CORE" "$(addr kallsyms_markers)" | jq -r .pfn)
off=$(python3 "$TEST_DIR/coreedit.py" page-offset damaged.core "$pfn")
expect_ok test -n "$off"
head -c 4096 /dev/urandom >junk
dd if=junk of=damaged.core bs=4096 seek=$((off / 4096)) conv=notrunc status=none
expect_stderr 0 "kallsyms_token_table at $(addr kallsyms_token_table) \(index at $(addr kallsyms_token_index)\), but no kallsyms_names that decodes with it; going on without them" \
	xenpt vcpu --symbols kallsyms core:damaged.core
expect_stderr 2 "no kallsyms table found in 0xffffffff81000000-0xffffffff84600000" xenpt walk core:damaged.core linux_banner
done_testing
