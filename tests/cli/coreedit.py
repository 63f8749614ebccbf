#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Small edits of xl dump-core files for the CLI tests (tests/cli/t*.sh).

The tests make their hostile inputs from the shipped core instead of
storing them; this is the one place that reads a core's section table.

  coreedit.py page-offset FILE PFN   file offset of PFN's page in .xen_pages
  coreedit.py empty FILE             in place: no pages at all (the header's
                                     xch_nr_pages and the sizes of .xen_pages
                                     and .xen_p2m set to 0)
  coreedit.py collide-tables FILE ROOT_MFN NTABLES NLEAFTABLES
                                     in place: page tables whose frame numbers
                                     all collided in the hash tables xenpt had
                                     before lib/base/htab.c (see collide_key);
                                     L4 slot 1 of ROOT_MFN's page names an L3
                                     whose first entries name L2s naming
                                     NTABLES*512 colliding (absent) L1 tables,
                                     and the next an L2 naming NLEAFTABLES
                                     real L1s that map colliding frames
  coreedit.py collide-p2m FILE       in place: every MFN of .xen_p2m replaced
                                     by a colliding one
  coreedit.py random-tables FILE ROOT_MFN N SEED
                                     in place: L4 slot 1 names the first of N
                                     pages filled with random entries, most of
                                     them present and naming one of the N
                                     (random flags, levels and loops)
  coreedit.py fan-out FILE ROOT_MFN NTABLES
                                     in place: L4 slot 1 names an L3 whose 512
                                     entries all name one L2 whose 512 entries
                                     name NTABLES real L1 tables, round robin
"""
import struct
import sys


def sections(f):
    """{name: (offset, size, index)} and the section-header table's offset."""
    f.seek(0)
    d = f.read(64)
    shoff, = struct.unpack_from("<Q", d, 40)
    shnum, shstrndx = struct.unpack_from("<HH", d, 60)
    f.seek(shoff)
    sh = f.read(64 * shnum)
    stroff, = struct.unpack_from("<Q", sh, 64 * shstrndx + 24)
    sec = {}
    for i in range(shnum):
        n, = struct.unpack_from("<I", sh, 64 * i)
        f.seek(stroff + n)
        nm = f.read(17).split(b"\0")[0]
        off, size = struct.unpack_from("<QQ", sh, 64 * i + 24)
        sec[nm] = (off, size, i)
    return sec, shoff


def page_offset(f, pfn):
    """File offset of PFN's page (.xen_p2m holds (pfn, mfn) pairs in page order)."""
    sec, _ = sections(f)
    pages_off = sec[b".xen_pages"][0]
    p2m_off, p2m_size, _ = sec[b".xen_p2m"]
    f.seek(p2m_off)
    p2m = f.read(p2m_size)
    for i in range(p2m_size // 16):
        if struct.unpack_from("<Q", p2m, 16 * i)[0] == pfn:
            return pages_off + 4096 * i
    return None


def empty(f):
    sec, shoff = sections(f)
    for nm in (b".xen_pages", b".xen_p2m"):
        f.seek(shoff + 64 * sec[nm][2] + 32)
        f.write(struct.pack("<Q", 0))
    off, size, _ = sec[b".note.Xen"]
    f.seek(off)
    notes = f.read(size)
    o = 0
    while o + 12 <= size:
        namesz, descsz, typ = struct.unpack_from("<III", notes, o)
        desc = o + 12 + ((namesz + 3) & ~3)
        if typ == 0x2000001:   # XEN_ELFNOTE_DUMPCORE_HEADER: xch_nr_pages at +16
            f.seek(off + desc + 16)
            f.write(struct.pack("<Q", 0))
        o = (desc + descsz + 3) & ~3


GOLDEN = 0x9e3779b97f4a7c15
GOLDEN_INV_39 = pow(GOLDEN, -1, 1 << 39)


def collide_key(t):
    """The t-th MFN (below 2^39) whose old hash ((mfn * golden) >> 20) is 0
    in every table up to 2^19 slots (lib/walk/ptgraph.c, lib/view/audit.c,
    lib/view/p2m.c before lib/base/htab.c): mfn * golden mod 2^39 < 2^20."""
    k = (t * GOLDEN_INV_39) % (1 << 39)
    assert ((k * GOLDEN) % (1 << 64)) >> 20 & ((1 << 19) - 1) == 0
    return k


def p2m_pairs(f):
    sec, _ = sections(f)
    p2m_off, p2m_size, _ = sec[b".xen_p2m"]
    f.seek(p2m_off)
    p2m = f.read(p2m_size)
    return [struct.unpack_from("<QQ", p2m, 16 * i) for i in range(p2m_size // 16)], sec


TABLE = 0x67   # P RW US A D


def write_page(f, sec, index, entries):
    f.seek(sec[b".xen_pages"][0] + 4096 * index)
    f.write(struct.pack("<512Q", *(list(entries) + [0] * (512 - len(entries)))))


def donors(pairs, root_index, n):
    """n page indexes from the top of the PFNs, never the root."""
    order = sorted(range(len(pairs)), key=lambda i: -pairs[i][0])
    out = [i for i in order if i != root_index][:n]
    assert len(out) == n
    return out


def root_index(pairs, root_mfn):
    for i, (pfn, mfn) in enumerate(pairs):
        if mfn == root_mfn:
            return i
    raise SystemExit("root mfn 0x%x not in the core" % root_mfn)


def set_l4_slot1(f, sec, ri, mfn):
    f.seek(sec[b".xen_pages"][0] + 4096 * ri + 8)
    f.write(struct.pack("<Q", (mfn << 12) | TABLE))


def collide_tables(f, root_mfn, ntables, nleaf):
    pairs, sec = p2m_pairs(f)
    ri = root_index(pairs, root_mfn)
    nl2 = (nleaf + 511) // 512
    d = donors(pairs, ri, 1 + ntables + nl2 + nleaf)
    l3, l2s, leaf_l2s, l1s = d[0], d[1:1 + ntables], d[1 + ntables:1 + ntables + nl2], d[1 + ntables + nl2:]
    mfn = lambda i: pairs[i][1]
    t = 1
    for l2 in l2s:
        write_page(f, sec, l2, [(collide_key(t + i) << 12) | TABLE for i in range(512)])
        t += 512
    for j, l2 in enumerate(leaf_l2s):
        write_page(f, sec, l2, [(mfn(x) << 12) | TABLE for x in l1s[512 * j:512 * (j + 1)]])
    for l1 in l1s:
        write_page(f, sec, l1, [(collide_key(t + i) << 12) | TABLE for i in range(512)])
        t += 512
    write_page(f, sec, l3, [(mfn(x) << 12) | TABLE for x in l2s + leaf_l2s])
    set_l4_slot1(f, sec, ri, mfn(l3))


def collide_p2m(f):
    sec, _ = sections(f)
    p2m_off, p2m_size, _ = sec[b".xen_p2m"]
    for i in range(p2m_size // 16):
        f.seek(p2m_off + 16 * i + 8)
        f.write(struct.pack("<Q", collide_key(i + 1)))


def fan_out(f, root_mfn, ntables):
    pairs, sec = p2m_pairs(f)
    ri = root_index(pairs, root_mfn)
    d = donors(pairs, ri, 2 + ntables)
    l3, l2, l1s = d[0], d[1], d[2:]
    mfn = lambda i: pairs[i][1]
    for k, l1 in enumerate(l1s):
        write_page(f, sec, l1, [((k * 512 + i) % 0x8000 << 12) | 0x25 for i in range(512)])
    write_page(f, sec, l2, [(mfn(l1s[i % ntables]) << 12) | TABLE for i in range(512)])
    write_page(f, sec, l3, [(mfn(l2) << 12) | TABLE] * 512)
    set_l4_slot1(f, sec, ri, mfn(l3))


def random_tables(f, root_mfn, n, seed):
    import random
    rnd = random.Random(seed)
    pairs, sec = p2m_pairs(f)
    ri = root_index(pairs, root_mfn)
    d = donors(pairs, ri, n)
    mfns = [pairs[i][1] for i in d]
    for i in d:
        ents = []
        for _ in range(512):
            r = rnd.random()
            if r < 0.2:
                ents.append(rnd.getrandbits(64))
            elif r < 0.3:
                ents.append(0)
            else:
                ents.append((rnd.choice(mfns) << 12) | (rnd.getrandbits(12) | 1))
        write_page(f, sec, i, ents)
    set_l4_slot1(f, sec, ri, mfns[0])


def main(argv):
    if len(argv) == 4 and argv[1] == "page-offset":
        with open(argv[2], "rb") as f:
            off = page_offset(f, int(argv[3], 0))
        if off is None:
            return 1
        print(off)
        return 0
    if len(argv) == 3 and argv[1] == "empty":
        with open(argv[2], "r+b") as f:
            empty(f)
        return 0
    if len(argv) == 6 and argv[1] == "collide-tables":
        with open(argv[2], "r+b") as f:
            collide_tables(f, int(argv[3], 0), int(argv[4], 0), int(argv[5], 0))
        return 0
    if len(argv) == 3 and argv[1] == "collide-p2m":
        with open(argv[2], "r+b") as f:
            collide_p2m(f)
        return 0
    if len(argv) == 6 and argv[1] == "random-tables":
        with open(argv[2], "r+b") as f:
            random_tables(f, int(argv[3], 0), int(argv[4], 0), int(argv[5], 0))
        return 0
    if len(argv) == 5 and argv[1] == "fan-out":
        with open(argv[2], "r+b") as f:
            fan_out(f, int(argv[3], 0), int(argv[4], 0))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
