#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a corpus record (tests/corpus/README.md) with every per-boot value
replaced: each MFN by the symbol that names it in that run (anchors from the
header, fresh frames from the sequence's `sym` lines), `mfn=` fields by `*`,
and entries whose frame has no symbol (the guest image mapped by BL1, Xen's
own L4 slots) by `?|FLAGS`.  Two records of the same corpus on the same Xen
normalize to the same text (make check-live compares them this way).

  normalize.py FILE.rec > FILE.norm
"""

import re
import sys

ADDR = 0x000FFFFFFFFFF000


def normalize(lines):
    lines = list(lines)
    anchors = {}
    for line in lines:
        if line.startswith("world anchor "):
            anchors[int(re.search(r"mfn=(0x[0-9a-f]+)", line).group(1), 16)] = line.split()[2]
    syms = {}
    out = []
    for line in lines:
        line = line.split("#", 1)[0].rstrip()
        if not line:
            continue
        w = line.split()
        if len(w) > 2 and w[1] == "seq":
            syms = {}
        elif len(w) > 3 and w[1] == "sym":
            syms[int(re.search(r"mfn=(0x[0-9a-f]+)", line).group(1), 16)] = w[2]
        line = re.sub(r"mfn=0x[0-9a-f]+", "mfn=*", line)
        if len(w) == 5 and w[1] in ("ent", "xent"):
            v = int(w[4], 16)
            mfn = (v & ADDR) >> 12
            name = syms.get(mfn) or anchors.get(mfn)
            if v and name:
                w[4] = f"{name}|0x{v & ~ADDR:x}"
            elif v and (w[1] == "xent" or (w[0] == "world" and w[2] == "BL1")):
                w[4] = f"?|0x{v & ~ADDR:x}"
            line = " ".join(w)
        out.append(line)
    return out


def main():
    with open(sys.argv[1]) as f:
        for line in normalize(f):
            print(line)


if __name__ == "__main__":
    main()
