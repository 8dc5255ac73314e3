#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""lat_phases.py DIR: the phases of one RDMA Read round trip, from the
traces bench/lat_phases.sh left in DIR (trace-siw.txt, trace-linux-siw.txt):
median and 90th percentile per phase, per driver, side by side. Medians:
the phases of one round trip do not add up to its median, but they come
close, and a slow scheduler wakeup now and then does not swamp them."""

import os
import re
import statistics
import sys

# (phase, the event that ends it); the round trip starts at the doorbell
# (probe p0). Probe numbers are the order of PROBES_* in lat_phases.sh.
PHASES = [
    ("A doorbell -> FPDU to TCP", r" p1: "),
    ("B TCP loopback -> receiver", r" p2: "),
    ("C parse request -> wake TX", r"sched_waking: comm=siw_tx"),
    ("D wakeup -> TX thread runs", r" p3: "),
    ("E build response -> TCP", r" p1: "),
    ("F TCP loopback -> receiver", r" p2: "),
    ("G place -> completion", r" p4: "),
]
START = r" p0: "
TS = re.compile(r"\s(\d+\.\d+):\s")


def stamp(line):
    m = TS.search(line)
    return float(m.group(1)) if m else None


def phases(path):
    """{phase: [us, ...]} over complete round trips, and their totals."""
    lines = [l for l in open(path) if not l.startswith("#") and stamp(l) is not None]
    starts = [i for i, l in enumerate(lines) if re.search(START, l)]
    per = {p: [] for p, _ in PHASES}
    per["rest: user space, syscalls"] = []
    totals = []
    for a, b in zip(starts, starts[1:]):
        seg, prev, cur, j = lines[a:b], stamp(lines[a]), {}, 0
        for name, rx in PHASES:
            while j < len(seg) and not re.search(rx, seg[j]):
                j += 1
            if j == len(seg):
                break
            t = stamp(seg[j])
            cur[name] = (t - prev) * 1e6
            prev = t
        else:
            # A round trip that has every phase: a Read, not a Send of
            # perftest's handshake.
            total = (stamp(lines[b]) - stamp(lines[a])) * 1e6
            cur["rest: user space, syscalls"] = total - sum(cur.values())
            for k, v in cur.items():
                per[k].append(v)
            totals.append(total)
    return per, totals


def cell(v):
    return "%.1f / %.1f" % (statistics.median(v),
                            statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0])


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    cols = []
    for name in ("siw", "linux-siw"):
        path = os.path.join(d, "trace-%s.txt" % name)
        if os.path.exists(path):
            per, totals = phases(path)
            if totals:
                cols.append((name, per, totals))
            else:
                print("lat_phases: no complete round trip in %s" % path)
    if not cols:
        print("lat_phases: no traces in %s" % d)
        return 1
    print("%-30s" % "phase (us, median / p90)" +
          "".join("%20s" % ("%s (%d)" % (n, len(t))) for n, _, t in cols))
    for phase in [p for p, _ in PHASES] + ["rest: user space, syscalls"]:
        print("%-30s" % phase + "".join(
            "%20s" % cell(per[phase]) for _, per, _ in cols))
    print("%-30s" % "round trip" + "".join(
        "%20s" % cell(t) for _, _, t in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
