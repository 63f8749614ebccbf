# SPDX-License-Identifier: MIT
"""Parse tests/corpus/*.seq (format: tests/corpus/README.md) and compile the
sequences into the C table described by tests/corpus/corpus.h."""

import re

ANCHORS = ["ROOT", "KL3", "KL2", "KL1", "BL1"]
READABLE = {"ROOT", "KL3", "KL2", "BL1"}     # 1:1 mapped in the guest
MAX_FRAMES = 12
MAX_OPS = 48
VIRT_BASE = 0xffffffff80000000
WIN_VA = VIRT_BASE + 0x7000
MAP_BASE = 0xffffffffa0000000
NT_BASE = 0xffffffffc0000000
HOLE_BASE = 0x400000000000

CODES = {
    "mmu": 1, "mmu_ad": 2, "m2p": 3, "pin1": 4, "pin2": 5, "pin3": 6, "pin4": 7,
    "unpin": 8, "baseptr": 9, "user_baseptr": 10, "mark_super": 11,
    "unmark_super": 12, "clear": 13, "flush_local": 14, "flush_all": 15,
    "invlpg_local": 16, "invlpg_all": 17, "uvm": 18, "write": 19, "multicall": 20,
}
# ops that are one hypercall and so can be an entry of a multicall batch
BATCHABLE = set(CODES) - {"write", "multicall"}
UVMF = {"none": 0, "flush": 1, "invlpg": 2, "local": 0, "all": 4}
NONE = 0xff
SYM_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


class SeqError(Exception):
    pass


def num(s):
    try:
        return int(s, 0)
    except ValueError:
        raise SeqError(f"bad number {s!r}")


class Op:
    def __init__(self, text):
        self.text = text
        self.code = 0
        self.sym = NONE
        self.idx = 0
        self.vsym = NONE
        self.vread = 0
        self.vidx = 0
        self.flags = 0
        self.val = 0
        self.va = 0
        self.mfn = 0


class Seq:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.frames = []
        self.ops = []
        self.named = []          # (anchor sym, index)
        self.batch = None        # the open "multicall {" op, if any

    def symbols(self):
        return ANCHORS + self.frames

    def sym(self, s):
        if s not in self.symbols():
            raise SeqError(f"unknown symbol {s!r}")
        return self.symbols().index(s)

    def name_entry(self, sym, idx):
        if sym < len(ANCHORS) and (sym, idx) not in self.named:
            self.named.append((sym, idx))


def parse_slot(seq, s):
    m = re.match(r"^([A-Z][A-Z0-9_]*)\[(\w+)\]$", s)
    if not m:
        raise SeqError(f"expected SYM[idx], got {s!r}")
    idx = num(m.group(2))
    if not 0 <= idx < 512:
        raise SeqError(f"index {idx} out of range")
    return seq.sym(m.group(1)), idx


def parse_value(seq, op, s):
    base, _, flags = s.partition("|")
    extra = num(flags) if flags else 0
    if re.match(r"^[0-9]", base):
        if flags:
            raise SeqError("number|flags: write one number")
        op.val = num(base)
        return
    if "[" in base:
        sym, idx = parse_slot(seq, base)
        if sym >= len(ANCHORS) or ANCHORS[sym] not in READABLE:
            raise SeqError(f"{base}: only ROOT, KL3, KL2, BL1 entries can be read")
        op.vsym, op.vread, op.vidx = sym, 1, idx
        seq.name_entry(sym, idx)
    else:
        op.vsym = seq.sym(base)
    op.val = extra


def parse_va(seq, s, word_ok=False):
    word = 0
    m = re.match(r"^(.*)\[(\w+)\]$", s)
    if m:
        if not word_ok:
            raise SeqError(f"{s}: a word index only for write")
        s, word = m.group(1), num(m.group(2))
        if not 0 <= word < 512:
            raise SeqError("word index out of range")
    base, _, n = s.partition("+")
    n = num(n) if n else 0
    if base == "WIN":
        if n:
            raise SeqError("WIN takes no +N")
        va = WIN_VA
        seq.name_entry(4, 7)
    elif base == "MAP":
        if not 0 <= n < 512:
            raise SeqError("MAP+N: N < 512")
        va = MAP_BASE + n * 4096
        seq.name_entry(3, n)
    elif base == "NT":
        va = NT_BASE + n * 4096
        seq.name_entry(1, 511)
    elif base == "HOLE":
        va = HOLE_BASE + n * 4096
        seq.name_entry(0, 128)
    else:
        va = num(s)
    return va + 8 * word


def parse_op(seq, words, text):
    op = Op(text)
    name = words[0]
    if name not in CODES or name == "multicall":
        raise SeqError(f"unknown op {name!r}")
    op.code = CODES[name]
    args = words[1:]

    def need(n):
        if len(args) != n:
            raise SeqError(f"{name}: expected {n} arguments, got {len(args)}")

    if name in ("mmu", "mmu_ad"):
        need(3)
        if args[1] != "=":
            raise SeqError("expected '='")
        op.sym, op.idx = parse_slot(seq, args[0])
        seq.name_entry(op.sym, op.idx)
        parse_value(seq, op, args[2])
    elif name == "m2p":
        need(3)
        if args[1] != "=":
            raise SeqError("expected '='")
        op.sym = seq.sym(args[0])
        if op.sym < len(ANCHORS):
            raise SeqError("m2p of an anchor: the guest reads anchors through the M2P")
        op.val = num(args[2])
    elif name in ("pin1", "pin2", "pin3", "pin4", "unpin", "baseptr", "user_baseptr",
                  "mark_super", "unmark_super", "clear"):
        need(1)
        if re.match(r"^[0-9]", args[0]):
            op.sym, op.mfn = NONE, num(args[0])   # a raw MFN (0: none)
        else:
            op.sym = seq.sym(args[0])
    elif name in ("flush_local", "flush_all"):
        need(0)
    elif name in ("invlpg_local", "invlpg_all"):
        need(1)
        op.va = parse_va(seq, args[0])
    elif name == "uvm":
        need(4)
        if args[1] != "=":
            raise SeqError("expected '='")
        op.va = parse_va(seq, args[0])
        parse_value(seq, op, args[2])
        for f in args[3].split("|"):
            op.flags |= UVMF[f] if f in UVMF else num(f)
    elif name == "write":
        need(3)
        if args[1] != "=":
            raise SeqError("expected '='")
        op.va = parse_va(seq, args[0], word_ok=True)
        parse_value(seq, op, args[2])
    return op


def parse(path):
    seqs = []
    cur = None
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            where = f"{path}:{lineno}"
            if not line:
                continue
            words = line.split()
            try:
                if words[0] == "seq":
                    if cur:
                        raise SeqError("seq inside a seq")
                    if len(words) != 2 or not NAME_RE.match(words[1]):
                        raise SeqError("seq NAME")
                    cur = Seq(words[1], where)
                elif cur is None:
                    raise SeqError("outside a seq")
                elif words[0] == "end":
                    if cur.batch:
                        raise SeqError("multicall { without }")
                    seqs.append(cur)
                    cur = None
                elif words == ["multicall", "{"]:
                    # one HYPERVISOR_multicall of the ops up to "}": an op
                    # "multicall N" (its own rc) followed by its N entries
                    if cur.batch:
                        raise SeqError("a multicall inside a multicall")
                    cur.batch = Op("multicall 0")
                    cur.batch.code = CODES["multicall"]
                    cur.ops.append(cur.batch)
                elif words == ["}"]:
                    if not cur.batch:
                        raise SeqError("} without multicall {")
                    cur.batch.text = f"multicall {cur.batch.idx}"
                    cur.batch = None
                elif words[0] == "frames":
                    if cur.ops or cur.frames:
                        raise SeqError("frames must come first, once")
                    for s in words[1:]:
                        if not SYM_RE.match(s) or s in ANCHORS or s in cur.frames:
                            raise SeqError(f"bad frame name {s!r}")
                    cur.frames = words[1:]
                    if len(cur.frames) > MAX_FRAMES:
                        raise SeqError("too many frames")
                else:
                    op = parse_op(cur, words, " ".join(words))
                    if cur.batch:
                        if words[0] not in BATCHABLE:
                            raise SeqError(f"{words[0]} is not a hypercall: not in a multicall")
                        if op.vread:
                            raise SeqError("an anchor entry as a value: not in a multicall "
                                           "(the guest reads it before the batch runs)")
                        cur.batch.idx += 1
                    cur.ops.append(op)
                    if len(cur.ops) > MAX_OPS:
                        raise SeqError("too many ops")
            except SeqError as e:
                raise SeqError(f"{where}: {e}")
    if cur:
        raise SeqError(f"{path}: seq {cur.name} has no end")
    return seqs


def fnv(data, h=0xcbf29ce484222325):
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def compile_c(seqs):
    names = set()
    for s in seqs:
        if s.name in names:
            raise SeqError(f"{s.where}: duplicate sequence name {s.name}")
        names.add(s.name)
    out = ["/* Generated by tests/corpus/gen.py --compile from tests/corpus/ *.seq files. */",
           '#include "corpus.h"', "",
           "const struct corpus_op corpus_ops[] = {"]
    blob = bytearray()
    texts = []
    named = []
    seqlines = []
    nop = 0
    for s in seqs:
        first, first_named = nop, len(named)
        for op in s.ops:
            fields = (op.code, op.sym, op.idx, op.vsym, op.vread, op.vidx, op.flags,
                      op.val, op.va if op.code != CODES["m2p"] else 0)
            if op.sym == NONE and op.mfn:
                fields = fields[:8] + (op.mfn,)   # raw MFN target: in .va
            blob += repr(fields).encode()
            out.append("\t{ %d, %d, %d, %d, %d, %d, 0x%x, 0, 0x%xull, 0x%xull }," % fields)
            texts.append(op.text)
            nop += 1
        for sym, idx in s.named:
            named.append(sym << 9 | idx)
        blob += f"{s.name} {len(s.frames)} {s.frames}".encode()
        seqlines.append('\t{ "%s", %d, %d, %d, 0, "%s", %d, %d, 0 },' %
                        (s.name, first, len(s.ops), len(s.frames), " ".join(s.frames),
                         first_named, len(s.named)))
    out.append("\t{ 0 }\n};")
    out.append("const struct corpus_seq corpus_seqs[] = {")
    out += seqlines
    out.append("\t{ 0 }\n};")
    out.append("const uint16_t corpus_named[] = { %s0 };" %
               "".join(f"{n}, " for n in named))
    out.append(f"const uint32_t corpus_nr_seqs = {len(seqs)};")
    out.append(f"const uint32_t corpus_nr_ops = {nop};")
    out.append(f"const uint64_t corpus_hash = 0x{fnv(bytes(blob)):x}ull;")
    out.append("#ifdef CORPUS_TEXT")
    out.append("const char *const corpus_op_text[] = {")
    for t in texts:
        out.append('\t"%s",' % t.replace("\\", "\\\\").replace('"', '\\"'))
    out.append("\t0\n};")
    out.append("#endif")
    return "\n".join(out) + "\n"
