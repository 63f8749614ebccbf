#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent reader of `xl dump-core` files, for checking xenpt's
answers (tests/cli/t2*-oracle*.sh).  It shares no code with libxenpt: ELF
sections by name, .xen_p2m (pfn, mfn) pairs (PV) or .xen_pfn GFNs (HVM)
indexing .xen_pages, vCPU context offsets from
xen/include/public/arch-x86/xen.h (x86_64; PV cores), and a 4-level walk
written from the SDM: PV tables hold MFNs, HVM tables GFNs (CR3 given).

  core-oracle.py FILE walk [--user] VA... -> JSON like `xenpt -j walk`, one a line
  core-oracle.py FILE walk --cr3 CR3 VA... -> the same from an explicit root (HVM cores)
  core-oracle.py FILE read VA LEN        -> the bytes, hex
  core-oracle.py FILE vcpu               -> cr3, user cr3, rip (JSON)
  core-oracle.py FILE find STRING        -> first VA in the direct map
"""
import json, struct, sys

PAGE = 4096
ADDR = 0x000ffffffffff000


class Core:
    def __init__(self, path):
        self.f = open(path, 'rb')
        eh = self.f.read(64)
        assert eh[:4] == b'\x7fELF' and eh[4] == 2, 'not an ELF64 file'
        shoff, = struct.unpack_from('<Q', eh, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', eh, 0x3a)
        self.f.seek(shoff)
        raw = self.f.read(shentsize * shnum)
        shdrs = [struct.unpack_from('<IIQQQQIIQQ', raw, i * shentsize) for i in range(shnum)]
        stroff = shdrs[shstrndx][4]
        self.sec = {}
        for sh in shdrs:
            self.f.seek(stroff + sh[0])
            name = self.f.read(64).split(b'\0')[0].decode()
            self.sec[name] = (sh[4], sh[5])      # offset, size
        self.pfn_of = {}                         # mfn -> pfn
        self.idx_of_mfn = {}                     # table frame -> page index
        self.mfn_of = {}                         # pfn -> mfn
        self.hvm = '.xen_pfn' in self.sec
        if self.hvm:
            off, size = self.sec['.xen_pfn']
            self.f.seek(off)
            raw = self.f.read(size)
            for i in range(size // 8):
                gfn, = struct.unpack_from('<Q', raw, i * 8)
                if gfn != 0xffffffffffffffff:
                    self.idx_of_mfn[gfn] = i     # HVM: tables hold GFNs
            return
        off, size = self.sec['.xen_p2m']
        self.f.seek(off)
        p2m = self.f.read(size)
        for i in range(size // 16):
            pfn, mfn = struct.unpack_from('<QQ', p2m, i * 16)
            self.pfn_of[mfn] = pfn
            self.idx_of_mfn[mfn] = i
            self.mfn_of[pfn] = mfn

    def page(self, mfn):
        i = self.idx_of_mfn.get(mfn)
        if i is None:
            return None
        self.f.seek(self.sec['.xen_pages'][0] + i * PAGE)
        return self.f.read(PAGE)

    def vcpu(self, n=0):
        off, size = self.sec['.xen_prstatus']
        self.f.seek(off + n * 0x1430)
        c = self.f.read(0x1430)
        regs = 520                                # after fpu_ctxt[512], flags
        ctrlreg = 4984
        return {
            'rip': struct.unpack_from('<Q', c, regs + 128)[0],
            'cr3': struct.unpack_from('<Q', c, ctrlreg + 3 * 8)[0],
            'user_cr3': struct.unpack_from('<Q', c, ctrlreg + 1 * 8)[0],
            'cr0': struct.unpack_from('<Q', c, ctrlreg + 0 * 8)[0],
            'cr4': struct.unpack_from('<Q', c, ctrlreg + 4 * 8)[0],
            'flags': struct.unpack_from('<Q', c, 512)[0],
        }

    def walk(self, va, user=False, cr3=None):
        v = self.vcpu()
        if cr3 is None:
            cr3 = v['user_cr3'] if user else v['cr3']
        sp = 'gfn' if self.hvm else 'mfn'
        out = {'va': hex(va), 'mode': '4level', 'space': sp, 'cr3': hex(cr3),
               'user_l4': user, 'levels': [],
               # a core does not record the host's physical address width
               'paddr_bits': 52, 'paddr_bits_known': False,
               # dump-core files have no EFER: an HVM guest's mode is inferred
               'mode_inferred': self.hvm}
        if self.hvm:
            out['mode_from'] = 'CR0.PG=%d CR4.PAE=%d CR4.LA57=%d, no EFER in dump-core files' % (
                v['cr0'] >> 31 & 1, v['cr4'] >> 5 & 1, v['cr4'] >> 12 & 1)
        top = va >> 47
        if top not in (0, 0x1ffff):
            out['end'] = {'reason': 'non_canonical'}
            return out
        table = (cr3 & ADDR) >> 12
        rw = us = True
        nx = False
        for level in (4, 3, 2, 1):
            idx = (va >> (12 + 9 * (level - 1))) & 511
            pg = self.page(table)
            e, = struct.unpack_from('<Q', pg, idx * 8)
            step = {'level': level, 'table_' + sp: hex(table),
                    'index': idx, ('entry_gpaddr' if self.hvm else 'entry_maddr'):
                    hex((table << 12) + idx * 8),
                    'entry': hex(e), 'present': bool(e & 1),
                    # PV: no superpages (Xen's base_disallow_mask has PSE)
                    'leaf': bool(e & 1) and (level == 1 or (self.hvm and level in (2, 3)
                                                             and bool(e & 0x80)))}
            if not self.hvm:
                step['table_pfn'] = hex(self.pfn_of[table]) if table in self.pfn_of else None
            out['levels'].append(step)
            if e & 1:
                nxt = (e & ADDR) >> 12
                if level > 1 and step['leaf']:     # bit 12 is PAT in a large leaf
                    nxt = (e & ADDR & ~((1 << (12 + 9 * (level - 1))) - 1)) >> 12
                step['next_' + sp] = hex(nxt)
                if not self.hvm:
                    step['next_pfn'] = hex(self.pfn_of[nxt]) if nxt in self.pfn_of else None
            # Xen owns L4 slots 256-271 of a 64-bit PV guest, present or not
            if not self.hvm and level == 4 and 256 <= idx <= 271:
                out['end'] = {'reason': 'xen_slot', 'level': 4}
                return out
            if not e & 1:
                out['end'] = {'reason': 'not_present', 'level': level}
                return out
            # xen/arch/x86/mm.c: base_disallow_mask (PWT PCD PSE G) above
            # L1, l1_disallow_mask (PWT PCD PAT) of a domU in L1
            bad = e & (0x98 if level == 1 else 0x198) if not self.hvm else 0
            if bad:
                step['disallowed_bits'] = hex(bad)
                out['end'] = {'reason': 'disallowed_flags', 'level': level, 'bits': hex(bad)}
                return out
            rw = rw and bool(e & 2)
            us = us and bool(e & 4)
            nx = nx or bool(e >> 63)
            if step['leaf']:
                size = 1 << (12 + 9 * (level - 1))
                off = va & (size - 1)
                frame = nxt + (off >> 12)
                if level > 1:      # large page: the frame field has the PAT bit 12
                    frame = ((e & ADDR & ~(size - 1)) + off) >> 12
                out['end'] = {'reason': 'mapped'}
                if self.hvm:
                    out.update({'gfn': hex(frame), 'mfn': None,
                                'gpaddr': hex((frame << 12) | (va & 0xfff))})
                else:
                    out.update({'mfn': hex(frame),
                                'pfn': hex(self.pfn_of[frame]) if frame in self.pfn_of else None,
                                'maddr': hex((frame << 12) | (va & 0xfff))})
                out.update({'page_size': size,
                            'writable': rw, 'nx': nx, 'hw_user': us,
                            # PV: the user L4 is what user mode runs on; in
                            # the kernel L4 a leaf marked _PAGE_GUEST_KERNEL
                            # is the kernel's (xen/arch/x86/pv/mm.h)
                            'user': us and (self.hvm or user or not e & (1 << 52)),
                            'global': bool(e & 0x100), 'accessed': bool(e & 0x20),
                            'dirty': bool(e & 0x40),
                            # Xen's _PAGE_GUEST_KERNEL on a PV kernel leaf
                            'guest_kernel': not self.hvm and bool(e & (1 << 52))})
                return out
            table = nxt
        raise AssertionError('unreachable')

    def read(self, va, n):
        data = b''
        while n:
            w = self.walk(va)
            if w['end']['reason'] != 'mapped':
                raise SystemExit('oracle: va %#x not mapped' % va)
            chunk = min(n, PAGE - (va & 0xfff))
            pg = self.page(int(w['mfn'], 16))
            data += pg[va & 0xfff:(va & 0xfff) + chunk]
            va += chunk
            n -= chunk
        return data


def main(argv):
    c = Core(argv[1])
    cmd = argv[2]
    if cmd == 'walk':
        args = argv[3:]
        user = '--user' in args
        cr3 = None
        if '--cr3' in args:
            i = args.index('--cr3')
            cr3 = int(args[i + 1], 0)
            del args[i:i + 2]
        for va in args:
            if va != '--user':
                print(json.dumps(c.walk(int(va, 0), user, cr3), sort_keys=True))
    elif cmd == 'read':
        print(c.read(int(argv[3], 0), int(argv[4], 0)).hex())
    elif cmd == 'vcpu':
        print(json.dumps({k: hex(v) for k, v in c.vcpu().items()}, sort_keys=True))
    elif cmd == 'find':
        off, size = c.sec['.xen_pages']
        c.f.seek(off)
        blob = c.f.read(size)
        i = blob.find(argv[3].encode())
        if i < 0:
            raise SystemExit('oracle: not found')
        if c.hvm:   # .xen_pfn entry i is the GFN of page i
            c.f.seek(c.sec['.xen_pfn'][0] + (i // PAGE) * 8)
            pfn, = struct.unpack('<Q', c.f.read(8))
            mfn = None
        else:       # .xen_p2m entry i names the frame stored as page i
            c.f.seek(c.sec['.xen_p2m'][0] + (i // PAGE) * 16)
            pfn, mfn = struct.unpack('<QQ', c.f.read(16))
        print(json.dumps({'pfn': hex(pfn), 'mfn': hex(mfn) if mfn is not None else None,
                          'offset': hex(i % PAGE),
                          'direct_map_va': hex(0xffff888000000000 + pfn * PAGE + i % PAGE)}))
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
