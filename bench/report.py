#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""report.py RAW.csv OUTDIR: medians over rounds, ratios against Linux's
in-tree siw, the goals of the performance issue checked one by one, a
table on stdout, summary.csv and PNG plots in OUTDIR."""

import csv
import math
import statistics
import sys
from collections import defaultdict

IMPLS = ["siw", "siw-base", "siw-poll", "siw-zc", "siw-stocklib", "linux-siw", "rxe", "tcp"]
# BENCH_BASE=REV: the same module at revision REV, for one change's effect.
AB = "siw-base"
BASE = "linux-siw"


def load(path):
    """Medians {key: (median, n)} and per-round values {key: {round: v}}."""
    vals = defaultdict(dict)
    with open(path) as f:
        for row in csv.DictReader(f):
            try:
                v = float(row["value"])
            except ValueError:
                continue
            if not math.isfinite(v):   # perftest prints "inf" now and then
                continue
            key = (row["impl"], row["workload"], int(row["size"]), row["metric"])
            vals[key][row["round"]] = v
    med = {k: (statistics.median(v.values()), len(v)) for k, v in vals.items()}
    return med, vals


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 1:
        return "%.2f" % v
    return "%.4f" % v


def table(med, out):
    rows = sorted({(w, s, m) for (_, w, s, m) in med})
    impls = [i for i in IMPLS if any(k[0] == i for k in med)]
    ab = AB in impls
    head = (["workload", "size", "metric"] + impls + ["siw/" + BASE] +
            (["siw/" + AB] if ab else []))
    lines = [head]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(head + ["rounds"])
        for wl, size, metric in rows:
            cells = [med.get((i, wl, size, metric), (None, 0))[0] for i in impls]
            ours = med.get(("siw", wl, size, metric), (None, 0))[0]
            base = med.get((BASE, wl, size, metric), (None, 0))[0]
            ratios = [ours / base if ours is not None and base else None]
            if ab:
                prev = med.get((AB, wl, size, metric), (None, 0))[0]
                ratios.append(ours / prev if ours is not None and prev else None)
            n = max(med.get((i, wl, size, metric), (0, 0))[1] for i in impls)
            w.writerow([wl, size, metric] + ["" if c is None else c for c in cells] +
                       ["" if r is None else "%.3f" % r for r in ratios] + [n])
            lines.append([wl, str(size), metric] + [fmt(c) for c in cells] +
                         ["-" if r is None else "%.2fx" % r for r in ratios])
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    for r in lines:
        print("  ".join(c.rjust(widths[i]) if i > 2 else c.ljust(widths[i])
                        for i, c in enumerate(r)))


# What is known about goals that runs have missed, printed under a miss:
# (part of the goal's text, what the measurements say), first match wins.
# Documentation/performance.md has the numbers behind each.
WHY_NOT_MET = [
    ("our provider:", "a round's 8 B latency falls near 22 to 27 or near 35 "
     "to 40 us by chance, for either provider, so 3 or 5 rounds are too "
     "few: the full 6.1 bench of 2026-12-07 had ours at 1.44x, the 6.12 "
     "one at 0.72x, and pooled over three 5-round runs on 6.1 (15 rounds "
     "each) ours was 0.97x for Sends and 0.94x for Writes; the 8-QP rate "
     "moves as much (0.52x in the full 6.1 bench, 1.04x in a 5-round "
     "run, 1.76x on 6.12); post_cost.sh "
     "puts the kernel's side of both providers level (performance.md, "
     "\"Results of a run (6.1 and 6.12, TCG, 3 rounds, 2026-12-07)\")"),
    ("ib_read_bw 64 KiB", "met in the full runs of 2026-12-07 (6.1: 1.17x; "
     "6.12, where Read Responses go to TCP by reference: 1.80x); earlier "
     "runs moved 0.82x to 1.15x: a Read Response comes from the "
     "responder's TX thread, one request at a time (performance.md, "
     "\"Read, measured again\")"),
    ("memory per QP", "struct siw_qp is 696 B on 6.1 (kmalloc-1k, a "
     "build-time check keeps it there) against the in-tree 1488 B "
     "(kmalloc-2k); the SQ and RQ rings, 16 of the ~18 KiB, have the ABI's "
     "size in both, so a miss is slab and vmalloc accounting "
     "(performance.md, \"Memory per QP\")"),
    ("ib_read_lat", "TCP and one TX thread wakeup are ~150 us of an 8 B "
     "Read's ~235 us for both drivers, their own work was 37 vs 37 us in one "
     "traced run (bench/lat_phases.sh), and on 6.12 the whole kernel runs "
     "as many instructions per 8 B Read as with the in-tree siw (31281 "
     "against 31265); busy polling drops the wakeup only on "
     "a TX CPU with nothing else to run, which this 2-CPU VM with two polling "
     "perftest processes never has (performance.md, \"Where small-message "
     "latency goes\")"),
    (" B latency <= 1.0x in-tree", "both drivers send from the posting "
     "process; per 8 B Write round trip our driver and the kernel work "
     "only one driver asks for (skb_copy_bits, sock_sendmsg and the LSM "
     "hook) are level with the in-tree siw (insncount: 3373 against 3325), "
     "on 6.12 the whole kernel runs 5 % fewer instructions per 8 B Send "
     "round trip than with the in-tree siw (27498 against 28802), "
     "and a 5-round run had 8 B Writes at 0.99x and the other small "
     "latencies at 1.00x to 1.03x, rounds spread 0.88x to 1.07x: what is "
     "left is within the noise of TCP, system calls and scheduling: the "
     "6.1 misses of 2026-12-07 include a round disturbed by load on the "
     "host, and the 6.12 run that day met the Send and Write goals in "
     "every round (performance.md, \"Direct headers "
     "and tcp_sendmsg_locked\", \"The default path, counted on 6.12\", "
     "\"Results of a run (6.1 and 6.12, TCG, 3 rounds, 2026-12-07)\")"),
]


def why_not_met(goal):
    for part, why in WHY_NOT_MET:
        if part in goal:
            return why
    return "not analysed yet: rerun with BENCH_ROUNDS=5 before reading into it"


def goal_list():
    """(goal, numerator key, denominator key, threshold, higher is better)."""
    res = []
    for op in ("ib_write_bw", "ib_read_bw", "ib_send_bw"):
        res.append(("%s 64 KiB bandwidth >= 1.0x in-tree (aim 1.5x)" % op,
                    ("siw", op, 65536, "MBps"), (BASE, op, 65536, "MBps"), 1.0, True))
    res.append(("1 MiB write bandwidth >= 0.9x plain TCP (iperf3)",
                ("siw", "ib_write_bw", 1048576, "MBps"),
                ("tcp", "iperf3", 131072, "MBps"), 0.9, True))
    for op in ("ib_send_lat", "ib_write_lat", "ib_read_lat"):
        for size in (8, 64):
            res.append(("%s %d B latency <= 1.0x in-tree (aim 0.7x)" % (op, size),
                        ("siw", op, size, "lat_us"), (BASE, op, size, "lat_us"),
                        1.0, False))
    res.append(("NVMe-oF 4 KiB random read IOPS >= 1.0x in-tree (aim 1.3x)",
                ("siw", "nvmeof_randread", 4096, "IOPS"),
                (BASE, "nvmeof_randread", 4096, "IOPS"), 1.0, True))
    res.append(("memory per QP <= 1.0x in-tree", ("siw", "qp_memory", 0, "KiB_per_QP"),
                (BASE, "qp_memory", 0, "KiB_per_QP"), 1.0, False))
    for op in ("ib_send_lat", "ib_write_lat"):
        res.append(("our provider: %s 8 B latency <= 1.0x stock libsiw" % op,
                    ("siw", op, 8, "lat_us"), ("siw-stocklib", op, 8, "lat_us"),
                    1.0, False))
    res.append(("our provider: 8-QP 64 B message rate >= 1.0x stock libsiw",
                ("siw", "ib_write_bw-q8", 64, "mpps"),
                ("siw-stocklib", "ib_write_bw-q8", 64, "mpps"), 1.0, True))
    return res


def goals(med, rounds):
    """(goal, ratio of medians, met, per-round ratios, rounds that met it)
    for each goal.

    The per-round ratios pair the two implementations' values of the same
    round, which ran minutes apart: their spread is the noise a verdict on
    the medians has to be read against.
    """
    res = []
    for goal, num, den, limit, higher in goal_list():
        a, b = med.get(num, (None, 0))[0], med.get(den, (None, 0))[0]
        r = a / b if a is not None and b else None
        na, nb = rounds.get(num, {}), rounds.get(den, {})
        per_round = [na[k] / nb[k] for k in sorted(na) if k in nb and nb[k]]
        met = None if r is None else (r >= limit if higher else r <= limit)
        rounds_met = sum((x >= limit if higher else x <= limit) for x in per_round)
        res.append((goal, r, met, per_round, rounds_met))
    return res


def round_note(per_round, rounds_met):
    """"met in 2 of 5 rounds, 0.84x..1.31x": how steady a verdict is."""
    if len(per_round) < 2:
        return ""
    return "met in %d of %d rounds, %.2fx..%.2fx" % (
        rounds_met, len(per_round), min(per_round), max(per_round))


def plots(med, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib (python3-matplotlib): no plots")
        return
    for kind, metric, ops, ylabel in (
            ("bandwidth", "MBps", ("ib_write_bw", "ib_read_bw", "ib_send_bw"), "MB/s"),
            ("latency", "lat_us", ("ib_send_lat", "ib_write_lat", "ib_read_lat"), "us")):
        fig, axes = plt.subplots(1, len(ops), figsize=(5 * len(ops), 4))
        for ax, op in zip(axes, ops):
            for impl in IMPLS:
                pts = sorted((s, v[0]) for (i, w, s, m), v in med.items()
                             if i == impl and w == op and m == metric)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=impl)
            ax.set_xscale("log", base=2)
            if kind == "bandwidth":
                ax.set_yscale("log")
            ax.set_title(op)
            ax.set_xlabel("message size (bytes)")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            if ax.lines:
                ax.legend()
        fig.tight_layout()
        fig.savefig("%s/%s.png" % (outdir, kind), dpi=100)
        plt.close(fig)


def main():
    raw, outdir = sys.argv[1], sys.argv[2]
    med, rounds = load(raw)
    if not med:
        print("report: no measurements in %s" % raw)
        return 1
    print("Medians over rounds (TCG VM, loopback through a dummy netdev):")
    table(med, outdir + "/summary.csv")
    print()
    print("Goals (ratios of medians, our siw with our provider against %s;" % BASE)
    print("how many rounds met each goal on their own, and their spread):")
    met = 0
    res = goals(med, rounds)
    with open(outdir + "/goals.txt", "w") as f:
        for goal, r, ok, per_round, rounds_met in res:
            state = "not measured" if ok is None else ("met" if ok else "NOT MET")
            line = "  %-62s %8s  %-7s %s" % (goal, "-" if r is None else "%.2fx" % r,
                                             state, round_note(per_round, rounds_met))
            line = line.rstrip()
            if ok is False:
                line += "\n      why: " + why_not_met(goal)
            print(line)
            f.write(line + "\n")
            met += bool(ok)
    print("%d of %d goals met" % (met, len(res)))
    plots(med, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
