#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Small edits of xl dump-core files for the CLI tests (tests/cli/t*.sh).

The tests make their hostile inputs from the shipped core instead of
storing them; this is the one place that reads a core's section table.

  coreedit.py page-offset FILE PFN   file offset of PFN's page in .xen_pages
  coreedit.py empty FILE             in place: no pages at all (the header's
                                     xch_nr_pages and the sizes of .xen_pages
                                     and .xen_p2m set to 0)
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
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
