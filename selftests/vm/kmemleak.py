#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
kmemleak.py: find memory siw leaked, inside the debug-kernel VM.

  kmemleak.py watch DIR      poll (0.5 s) for siw.ko being loaded; keep a
                             copy of its symbols for every load address
  kmemleak.py snapshot DIR   the same, once
  kmemleak.py scan DIR       trigger two kmemleak scans, save the report
                             in DIR/kmemleak.txt, and exit 1 if a leaked
                             object was allocated from siw code

Why the snapshots: the tests unload siw.ko, and kmemleak prints the
backtrace of a leak found after that as bare addresses. The snapshots
(symbols of siw at each load address, /sys/module/siw/coresize for its
extent) map such addresses back to siw functions.
"""
import glob
import os
import re
import sys
import time

KMEMLEAK = "/sys/kernel/debug/kmemleak"


def snapshot(outdir):
    """Save siw's symbols if it is loaded at an address not seen yet."""
    try:
        with open("/sys/module/siw/sections/.text") as f:
            base = int(f.read(), 16)
        with open("/sys/module/siw/coresize") as f:
            size = int(f.read())
    except (OSError, ValueError):
        return
    path = os.path.join(outdir, "siw-%x.syms" % base)
    if base == 0 or os.path.exists(path):
        return
    syms = []
    with open("/proc/kallsyms") as f:
        for line in f:
            if line.rstrip().endswith("[siw]"):
                a, _, name = line.split()[:3]
                syms.append("%s %s" % (a, name))
    if not syms:
        return
    with open(path + ".tmp", "w") as f:
        f.write("# base %x size %d\n" % (base, size))
        f.write("\n".join(syms) + "\n")
    os.rename(path + ".tmp", path)


def load_snapshots(outdir):
    """[(base, end, [(addr, name)] sorted)] of every siw load seen."""
    maps = []
    for p in glob.glob(os.path.join(outdir, "siw-*.syms")):
        with open(p) as f:
            head = f.readline().split()
            base, size = int(head[2], 16), int(head[4])
            syms = sorted((int(a, 16), n) for a, n in
                          (ln.split() for ln in f if ln.strip()))
        maps.append((base, base + size, syms))
    return maps


def symbolize(addr, maps):
    for base, end, syms in maps:
        if base <= addr < end:
            best = None
            for a, n in syms:
                if a <= addr:
                    best = (a, n)
            if best:
                return "%s+0x%x [siw, unloaded]" % (best[1], addr - best[0])
            return "0x%x [siw, unloaded]" % addr
    return None


def scan(outdir):
    if not os.access(KMEMLEAK, os.W_OK):
        print("kmemleak: %s not available" % KMEMLEAK)
        return 4
    snapshot(outdir)
    # An object must be older than 5 s to be reported, and a second scan
    # drops false positives of the first (kmemleak's own advice).
    for _ in range(2):
        time.sleep(6)
        with open(KMEMLEAK, "w") as f:
            f.write("scan")
    with open(KMEMLEAK) as f:
        report = f.read()
    maps = load_snapshots(outdir)
    blocks = re.split(r"(?m)^(?=unreferenced object)", report)
    blocks = [b for b in blocks if b.startswith("unreferenced object")]
    siw_blocks = []
    out = []
    for b in blocks:
        lines = []
        is_siw = False
        for ln in b.splitlines():
            # "[<hashed pointer>] 0xADDR": code no longer loaded (%pS
            # prints the raw address then).
            m = re.match(r"\s+\[<[0-9a-f]+>\] 0x([0-9a-f]+)$", ln)
            if m:
                sym = symbolize(int(m.group(1), 16), maps)
                if sym:
                    ln = ln.replace("0x" + m.group(1), sym)
            if "[siw" in ln:
                is_siw = True
            lines.append(ln)
        text = "\n".join(lines)
        out.append(text)
        if is_siw:
            siw_blocks.append(text)
    with open(os.path.join(outdir, "kmemleak.txt"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("kmemleak: %d unreferenced objects, %d allocated from siw "
          "(%d siw load addresses known)" % (len(blocks), len(siw_blocks),
                                              len(maps)))
    for b in siw_blocks[:10]:
        print(b)
    return 1 if siw_blocks else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("watch", "snapshot", "scan"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    cmd, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if cmd == "scan":
        return scan(outdir)
    if cmd == "snapshot":
        snapshot(outdir)
        return 0
    while True:
        snapshot(outdir)
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
