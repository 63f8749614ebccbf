# SPDX-License-Identifier: MIT
"""The small grammar behind tests/corpus/generated.seq (gen.py calls
generate() with a fixed seed).  Every sequence keeps the running guest
alive: anchors are written only in their free slots (README.md), a new
base pointer always gets ROOT[511] first, and a store goes only to a MAP
slot mapped earlier in the same sequence, never remapped after it."""

ROOT_FREE = [s for s in range(1, 511) if not 256 <= s <= 271]
KL3_FREE = list(range(0, 510)) + [511]
KL2_FREE = [s for s in range(2, 512) if s != 256]
LINK = {1: ["KL2", KL2_FREE], 2: ["KL3", KL3_FREE], 3: ["ROOT", ROOT_FREE]}
PIN = {1: "pin1", 2: "pin2", 3: "pin3", 4: "pin4"}
TABLE_FLAGS = [0x67, 0x67, 0x67, 0x63, 0x27, 0x25, 0x65, 0x23]
DATA_FLAGS = [0x67, 0x25, 0x65, 0x27, 0x23, 0x21, 0x8000000000000025, 0x8000000000000067]
BAD_BITS = [0x8, 0x10, 0x80, 0x100, 0x200, 0x400, 0x800, 1 << 52, 1 << 62, 1 << 63,
            1 << 61]
UVM_FLAGS = ["invlpg", "invlpg", "flush", "none", "invlpg|all", "flush|all"]


class Seq:
    def __init__(self, rnd, name):
        self.rnd = rnd
        self.name = name
        self.frames = []
        self.ops = []
        self.used = {}          # anchor -> slots used

    def frame(self, prefix):
        n = f"{prefix}{len(self.frames)}"
        self.frames.append(n)
        return n

    def slot(self, anchor, choices):
        used = self.used.setdefault(anchor, set())
        while True:
            s = self.rnd.choice(choices)
            if s not in used:
                used.add(s)
                return s

    def map_slot(self):
        return self.slot("KL1", list(range(512)))

    def op(self, text):
        self.ops.append(text)

    def text(self):
        out = [f"seq {self.name}"]
        if self.frames:
            out.append("frames " + " ".join(self.frames))
        out += self.ops
        out.append("end")
        return "\n".join(out) + "\n"


def bogus_mfn(r):
    """An MFN no RAM has (xenlab's machine has 1.5 GiB, MFNs < 0x60000)."""
    return 0x100000 + r.randrange(1 << 24)


def hx(v):
    return f"0x{v:x}"


def build_hier(s, depth, plain):
    """Fresh tables T[depth]..T[1] (+ a data frame); returns {level: name}."""
    r = s.rnd
    t = {lvl: s.frame(f"T{lvl}_") for lvl in range(depth, 0, -1)}
    data = s.frame("D") if r.random() < 0.7 else None
    links = []
    for lvl in range(depth, 1, -1):
        links.append((t[lvl], r.randrange(512), t[lvl - 1], r.choice(TABLE_FLAGS)))
    if data:
        links.append((t[1], r.randrange(512), data, r.choice(DATA_FLAGS)))
    if plain:
        for parent, idx, child, fl in reversed(links):
            s.op(f"mmu {parent}[{idx}] = {child}|{hx(fl)}")
        s.op(f"{PIN[depth]} {t[depth]}")
    else:
        s.op(f"{PIN[depth]} {t[depth]}")
        for parent, idx, child, fl in links:
            s.op(f"mmu {parent}[{idx}] = {child}|{hx(fl)}")
    return t, data, links


def g_hier(s):
    r = s.rnd
    depth = r.randint(1, 4)
    t, data, links = build_hier(s, depth, plain=r.random() < 0.5)
    top = t[depth]
    if depth <= 3 and r.random() < 0.5:
        anchor, free = LINK[depth]
        slot = s.slot(anchor, free)
        s.op(f"mmu {anchor}[{slot}] = {top}|{hx(r.choice(TABLE_FLAGS))}")
        if r.random() < 0.4:
            s.op(f"unpin {top}")
        if r.random() < 0.5:
            s.op(f"mmu {anchor}[{slot}] = 0")
    for _ in range(r.randint(0, 4)):
        k = r.random()
        lvl = r.randint(1, depth)
        if k < 0.3:
            s.op(f"{PIN[r.randint(1, 4)]} {t[lvl]}")
        elif k < 0.5:
            s.op(f"unpin {t[lvl]}")
        elif k < 0.7 and links:
            parent, idx, _, _ = r.choice(links)
            s.op(f"mmu {parent}[{idx}] = 0")
        elif k < 0.85:
            slot = s.map_slot()
            s.op(f"uvm MAP+{slot} = {t[lvl]}|{hx(r.choice([0x25, 0x67]))} invlpg")
        else:
            s.op(f"{PIN[depth]} {top}")


def g_pinorder(s):
    r = s.rnd
    fr = [s.frame("P") for _ in range(r.randint(1, 3))]
    for _ in range(r.randint(3, 8)):
        f = r.choice(fr)
        k = r.random()
        if k < 0.55:
            s.op(f"{PIN[r.randint(1, 4)]} {f}")
        elif k < 0.85:
            s.op(f"unpin {f}")
        else:
            a, b = r.sample(fr, 2) if len(fr) > 1 else (f, f)
            s.op(f"mmu {a}[{r.randrange(512)}] = {b}|{hx(r.choice(TABLE_FLAGS))}")


def g_anchor_pins(s):
    r = s.rnd
    names = ["ROOT", "KL3", "KL2", "KL1", "BL1"]
    for _ in range(r.randint(1, 4)):
        a = r.choice(names)
        if r.random() < 0.6:
            s.op(f"{PIN[r.randint(1, 4)]} {a}")
        else:
            s.op(f"unpin {a}")


def g_map(s):
    r = s.rnd
    d = s.frame("D")
    slot = s.map_slot()
    fl = r.choice(DATA_FLAGS)
    via_uvm = r.random() < 0.5
    if via_uvm:
        s.op(f"uvm MAP+{slot} = {d}|{hx(fl)} {r.choice(UVM_FLAGS)}")
    else:
        s.op(f"mmu KL1[{slot}] = {d}|{hx(fl)}")
    lvl = r.randint(1, 4)
    s.op(f"{PIN[lvl]} {d}")
    if r.random() < 0.5:
        p = s.frame("T")
        s.op(f"pin{min(lvl + 1, 4) if lvl < 4 else 2} {p}")
        s.op(f"mmu {p}[{r.randrange(512)}] = {d}|0x67")
    if r.random() < 0.6:
        s.op(f"uvm MAP+{slot} = 0 invlpg")
        s.op(f"{PIN[lvl]} {d}")
    if r.random() < 0.3:
        s.op(f"unpin {d}")


def g_linear(s):
    r = s.rnd
    lvl = r.randint(2, 4)
    anchor = {2: "KL2", 3: "KL3", 4: "ROOT"}[lvl]
    free = {2: KL2_FREE, 3: KL3_FREE, 4: ROOT_FREE}[lvl]
    if r.random() < 0.5:
        tbl, fresh = anchor, False
    else:
        tbl, fresh = s.frame("L"), True
        if lvl == 4 and r.random() < 0.5:
            s.op(f"mmu {tbl}[511] = ROOT[511]")
        s.op(f"{PIN[lvl]} {tbl}")
    target = tbl
    if r.random() < 0.4:
        target = s.frame("O")
        s.op(f"{PIN[lvl]} {target}")
    for _ in range(r.randint(1, 3)):
        slot = s.slot(tbl, free) if not fresh else r.randrange(512)
        if fresh and lvl == 4 and 256 <= slot <= 271:
            slot = 300
        fl = r.choice([0x25, 0x27, 0x21, 0x23, 0x65, 0x67, 0xa5, 0x8000000000000025])
        s.op(f"mmu {tbl}[{slot}] = {target}|{hx(fl)}")
        if r.random() < 0.4:
            s.op(f"mmu {tbl}[{slot}] = {target}|{hx(fl | 0x2)}")
        if r.random() < 0.3:
            s.op(f"mmu {tbl}[{slot}] = 0")
    if fresh and r.random() < 0.4:
        s.op(f"unpin {tbl}")


def g_xenslot(s):
    r = s.rnd
    if r.random() < 0.5:
        tbl = "ROOT"
    else:
        tbl = s.frame("N")
        if r.random() < 0.5:
            s.op(f"mmu {tbl}[{r.randint(256, 271)}] = {hx(bogus_mfn(r) << 12 | 0x67)}")
        s.op(f"pin4 {tbl}")
    for _ in range(r.randint(1, 3)):
        slot = r.randint(256, 271) if r.random() < 0.8 else r.choice([255, 272])
        v = r.choice(["0", "KL3|0x67", "KL3|0x25", hx(bogus_mfn(r) << 12 | 0x63)])
        if slot in (255, 272) and tbl == "ROOT":
            x = s.frame("X")
            v = f"{x}|0x67"
        s.op(f"mmu {tbl}[{slot}] = {v}")


def g_flags(s):
    r = s.rnd
    lvl = r.randint(1, 4)
    t = s.frame(f"T{lvl}_")
    c = s.frame("C")
    plain = r.random() < 0.3
    if not plain:
        s.op(f"{PIN[lvl]} {t}")
    for _ in range(r.randint(1, 4)):
        bits = 0
        for _ in range(r.randint(1, 2)):
            bits |= r.choice(BAD_BITS)
        base = r.choice([0x67, 0x25, 0x66, 0x63])
        s.op(f"mmu {t}[{r.randrange(256)}] = {c}|{hx(base | bits)}")
    if plain:
        s.op(f"{PIN[lvl]} {t}")


def g_uvm(s):
    r = s.rnd
    d = s.frame("D")
    for _ in range(r.randint(1, 4)):
        k = r.random()
        if k < 0.6:
            va = f"MAP+{s.map_slot()}"
        elif k < 0.7:
            va = "WIN"
        elif k < 0.8:
            va = f"NT+{r.randrange(16)}"
        elif k < 0.9:
            va = f"HOLE+{r.randrange(16)}"
        else:
            va = hx(r.choice([0x8000000000000000, 0xffff800000000000, 0x7fffffffe000]))
        v = r.choice([f"{d}|{hx(r.choice(DATA_FLAGS))}", "0", "KL1|0x25", "KL1|0x67",
                      hx(bogus_mfn(r) << 12 | 0x25)])
        s.op(f"uvm {va} = {v} {r.choice(UVM_FLAGS)}")
    if r.random() < 0.3:
        s.op(f"pin1 {d}")


def g_ptwr(s):
    r = s.rnd
    l1 = s.frame("L")
    d = s.frame("D")
    how = r.random()
    if how < 0.4:
        s.op(f"pin1 {l1}")
    elif how < 0.7:
        p = s.frame("P")
        s.op(f"mmu {p}[{r.randrange(512)}] = {l1}|0x67")
        s.op(f"pin2 {p}")
    # else: l1 stays untyped, the store faults
    slot = s.map_slot()
    if r.random() < 0.5:
        s.op(f"uvm MAP+{slot} = {l1}|{hx(r.choice([0x25, 0x21, 0x8000000000000025]))} invlpg")
    else:
        s.op(f"mmu KL1[{slot}] = {l1}|0x25")
    for _ in range(r.randint(1, 4)):
        v = r.choice([f"{d}|{hx(r.choice(DATA_FLAGS))}", "0", f"{d}|0xa5", "KL2|0x67",
                      "KL2|0x25", f"{l1}|0x25", f"{l1}|0x67", hx(0x1025)])
        s.op(f"write MAP+{slot}[{r.randrange(512)}] = {v}")
    if r.random() < 0.3:
        s.op(f"unpin {l1}")


def g_baseptr(s):
    r = s.rnd
    n = s.frame("N")
    s.op(f"mmu {n}[511] = ROOT[511]")
    if r.random() < 0.3:
        x = s.frame("X")
        s.op(f"mmu {n}[{r.randrange(256)}] = {x}|{hx(r.choice(TABLE_FLAGS))}")
    if r.random() < 0.5:
        s.op(f"pin4 {n}")
    if r.random() < 0.7:
        s.op(f"baseptr {n}")
        if r.random() < 0.4:
            s.op(f"unpin {n}")
        if r.random() < 0.3:
            s.op(f"pin4 {n}")
        if r.random() < 0.6:
            s.op("baseptr ROOT")
    if r.random() < 0.5:
        u = s.frame("U")
        if r.random() < 0.3:
            s.op(f"{PIN[r.randint(1, 4)]} {u}")
        s.op(f"user_baseptr {u}")
        if r.random() < 0.5:
            s.op("user_baseptr 0")


def g_m2p(s):
    r = s.rnd
    a = s.frame("A")
    s.op(f"m2p {a} = {hx(r.choice([0, 0x1fff, 0x2000, r.randrange(1 << 40)]))}")
    if r.random() < 0.5:
        s.op(f"{PIN[r.randint(1, 4)]} {a}")
    if r.random() < 0.5:
        s.op(f"uvm MAP+{s.map_slot()} = {a}|0x25 invlpg")


FAMILIES = [
    ("hier", g_hier, 50),
    ("pinorder", g_pinorder, 25),
    ("anchorpin", g_anchor_pins, 10),
    ("map", g_map, 25),
    ("linear", g_linear, 30),
    ("xenslot", g_xenslot, 15),
    ("flags", g_flags, 30),
    ("uvm", g_uvm, 20),
    ("ptwr", g_ptwr, 30),
    ("baseptr", g_baseptr, 20),
    ("m2p", g_m2p, 8),
]


def generate(rnd):
    out = ["# Generated by tests/corpus/gen.py (grammar.py, fixed seed): do not edit.\n"]
    for fam, fn, count in FAMILIES:
        for i in range(count):
            s = Seq(rnd, f"gen.{fam}.{i:03d}")
            fn(s)
            out.append(s.text())
    return "\n".join(out)
