#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The differential corpus generator (tests/corpus/README.md).

  gen.py                      write tests/corpus/generated.seq (fixed seed)
  gen.py --check              fail if generated.seq differs from what gen.py makes
  gen.py --compile -o OUT F.. compile .seq files into the C table (corpus.h)
"""

import argparse
import os
import random
import sys

sys.dont_write_bytecode = True  # nothing into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seqlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261205


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("-o", dest="out")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    try:
        if a.compile:
            seqs = []
            for f in a.files:
                seqs += seqlib.parse(f)
            text = seqlib.compile_c(seqs)
            with open(a.out, "w") as f:
                f.write(text)
            return 0
        import grammar
        text = grammar.generate(random.Random(SEED))
        path = a.out or os.path.join(HERE, "generated.seq")
        if a.check:
            with open(path) as f:
                if f.read() != text:
                    print(f"gen.py: {path} is stale; run python3 tests/corpus/gen.py")
                    return 1
            return 0
        with open(path, "w") as f:
            f.write(text)
        n = text.count("\nend\n")
        print(f"gen.py: wrote {n} sequences to {path}")
        return 0
    except seqlib.SeqError as e:
        print(f"gen.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
