#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the example sessions in README.md match what xenpt prints.

    tests/install/readme-examples.py [README.md]     (after `make`)

Every fenced block of README.md whose first line starts with "$ xenpt" is a
session: "$ COMMAND" lines, each followed by what it prints.  The command is
run with sh in a scratch directory holding tests/fixtures and build/ (the
build $XENPT_BUILD, default build/), with its xenpt first in PATH.  A line
that is exactly "..." stands for
elided lines; every other shown line must be a real line of the output, in
order, and lines not separated by "..." must be adjacent in the output.  A
session that does not start (end) with "..." must start (end) where the output
does.  Exit status: 0 all match, 1 a mismatch (the first differing line is
shown), 2 setup error.

Meant for tests/lint (check-lint) once its owner takes it over.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sessions(path):
    """Yield (line number, command, shown output lines) for every command."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        block = lines[i + 1:j]
        i = j + 1
        if not block or not block[0].startswith("$ xenpt"):
            continue
        cur = None
        for k, line in enumerate(block):
            if line.startswith("$ "):
                if cur:
                    yield cur
                cur = (i - len(block) + k, line[2:], [])
            else:
                cur[2].append(line)
        if cur:
            yield cur


def match(shown, real):
    """None if shown is a faithful excerpt of real, else a message."""
    chunks, cur = [], []
    for line in shown:
        if line == "...":
            chunks.append(cur)
            cur = []
        else:
            cur.append(line)
    chunks.append(cur)
    # chunks[0] is anchored at the start, chunks[-1] at the end (empty: not)
    pos = 0
    for n, chunk in enumerate(chunks):
        if not chunk:
            continue
        anchored_start = n == 0
        found = None
        for at in ([0] if anchored_start else range(pos, len(real) - len(chunk) + 1)):
            if real[at:at + len(chunk)] == chunk:
                found = at
                break
        if found is None:
            # say where it goes wrong: the longest matching start of the chunk
            starts = [0] if anchored_start else [a for a in range(pos, len(real)) if real[a] == chunk[0]]
            if anchored_start and real[:1] != chunk[:1]:
                return "the output starts with %r, the README %r" % ((real or ["(nothing)"])[0], chunk[0])
            if not starts:
                return "shown line not in the output (in order): %r" % chunk[0]
            best = (0, starts[0])
            for a in starts:
                k = 0
                while k < len(chunk) and a + k < len(real) and real[a + k] == chunk[k]:
                    k += 1
                best = max(best, (k, a))
            k, a = best
            got = real[a + k] if a + k < len(real) else "(end of output)"
            return "after %r the output has %r, the README %r" % (chunk[k - 1], got, chunk[k])
        pos = found + len(chunk)
    if chunks[-1] and pos != len(real):
        return "the output goes on after %r (add a '...' line)" % chunks[-1][-1]
    return None


def main():
    readme = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "README.md")
    # the build to show: $XENPT_BUILD (make check-asan: build-asan), else build/
    build = os.path.abspath(os.environ.get("XENPT_BUILD", os.path.join(TOP, "build")))
    xenpt = os.path.join(build, "xenpt")
    if not os.access(xenpt, os.X_OK):
        print("readme-examples: %s missing: run make first" % xenpt, file=sys.stderr)
        return 2
    # Sessions name tests/fixtures and build/ as a user of a checkout types
    # them: run them in a scratch directory where build/ is that build.
    scratch = tempfile.mkdtemp(prefix="xenpt-readme.")
    try:
        os.makedirs(os.path.join(scratch, "tests"))
        os.makedirs(os.path.join(scratch, "bin"))
        os.symlink(os.path.join(TOP, "tests", "fixtures"), os.path.join(scratch, "tests", "fixtures"))
        os.symlink(build, os.path.join(scratch, "build"))
        os.symlink(xenpt, os.path.join(scratch, "bin", "xenpt"))
        env = dict(os.environ, PATH=os.path.join(scratch, "bin") + os.pathsep + os.environ.get("PATH", ""))
        bad = total = 0
        for lineno, cmd, shown in sessions(readme):
            total += 1
            p = subprocess.run(["sh", "-c", cmd], cwd=scratch, env=env, capture_output=True, text=True)
            real = p.stdout.split("\n")
            if real and real[-1] == "":
                real.pop()
            msg = match(shown, real)
            if msg:
                bad += 1
                print("%s:%d: $ %s\n    %s" % (os.path.relpath(readme), lineno, cmd, msg))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("readme-examples: %d sessions, %d differ" % (total, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
