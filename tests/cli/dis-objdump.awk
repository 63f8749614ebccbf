# SPDX-License-Identifier: MIT
# objdump -d lines ("ADDR:<TAB>BYTES<TAB>MNEMONIC OPERANDS") to "ADDR MNEMONIC",
# spelled as Capstone does.  Continuation lines (bytes only) are skipped.
#   - "data16 cs nop WORD PTR ..." (prefixes objdump prints as words): nop
#   - "xchg ax,ax" (66 90): Capstone calls it nop
NF >= 3 && $1 ~ /^ *[0-9a-f]+:$/ {
	a = $1
	gsub(/[ :]/, "", a)
	n = split($3, w, " ")
	m = w[1]
	for (i = 1; i < n && w[i] ~ /^(data16|data32|addr32|cs|ds|es|ss|fs|gs)$/; i++)
		m = w[i + 1]
	if ($3 ~ /^xchg +ax,ax$/)
		m = "nop"
	print a, m
}
