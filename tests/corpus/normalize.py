#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a corpus record (tests/corpus/README.md) with every per-boot value
replaced: each MFN by the symbol that names it in that run (anchors from the
header, fresh frames from the sequence's `sym` lines), `mfn=` fields by `*`,
and present entries whose frame has no symbol (in the header: the guest image
mapped by BL1, the builder's second L1 in KL2[1]; Xen's own L4 slots) by
`?|FLAGS`.  Two records of the same corpus on the same Xen
normalize to the same text (make check-live compares them this way).

  normalize.py FILE.rec > FILE.norm
  normalize.py --compare WANT.rec GOT.rec
      per sequence: equal after normalization or not; prints the lines that
      differ and "corpus: N passed, N failed" (the header counts as one);
      exit 1 on any difference
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
            elif v & 1 and (w[1] == "xent" or w[0] == "world"):
                # a present entry to a frame no symbol names: the guest
                # image and the builder's other tables (header), Xen's own
                # frames (L4 slots 256-271)
                w[4] = f"?|0x{v & ~ADDR:x}"
            line = " ".join(w)
        out.append(line)
    return out


def by_sequence(lines):
    groups = {}
    for line in lines:
        key = line.split()[0]
        groups.setdefault(key, []).append(line)
    return groups


def compare(want_path, got_path):
    with open(want_path) as f:
        want = by_sequence(normalize(f))
    with open(got_path) as f:
        got = by_sequence(normalize(f))
    passed = failed = 0
    for key in list(want) + [k for k in got if k not in want]:
        w, g = want.get(key, []), got.get(key, [])
        if w == g:
            passed += 1
            continue
        failed += 1
        print(f"corpus: {key} differs")
        for line in w:
            if line not in g:
                print(f"corpus:   - {line}")
        for line in g:
            if line not in w:
                print(f"corpus:   + {line}")
    print(f"corpus: {passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    if sys.argv[1] == "--compare":
        return compare(sys.argv[2], sys.argv[3])
    with open(sys.argv[1]) as f:
        for line in normalize(f):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
