#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Guest kernel instructions per function between two insncount snapshots.

  insnprof.py KALLSYMS SNAP_A SNAP_B [--per N] [--top K] [--module MOD]
  insnprof.py --compare KALLSYMS1 A1 B1 N1 KALLSYMS2 A2 B2 N2 [--top K]
              [--module MOD]
  insnprof.py --marks OUTDIR SNAP_PREFIX [--top K] [--module MOD]

A snapshot (written by the insncount QEMU plugin) has lines
"vaddr_hex ninsns count": a translation block starting at vaddr, its
number of instructions and how often it ran so far. Per block, the
instructions run between A and B are (count_B - count_A) * ninsns; they
go to the function containing the block's start address, found in
KALLSYMS (a copy of /proc/kallsyms, read as root while the profiled
modules were loaded, from the same boot as the snapshots). Dividing by N
(--per) gives instructions per operation.

--compare matches the functions of two runs by name and sorts them by the
absolute difference of their per-operation counts. --marks compares the
two drivers of one bench/insn_profile.sh run (OUTDIR/marks.txt names
their snapshots): per function, the long run's instructions minus the
short run's, per extra iteration. Functions outside the drivers also
carry what happened meanwhile (timers, other processes); the drivers'
own lines and their --module total do not.
"""

import argparse
import bisect
import sys

TEXT_TYPES = set('tTwW')
KERNEL_START = 0xffff800000000000
# A block further than this past the closest symbol is not attributed to it.
MAX_FUNC_SIZE = 0x10000
UNKNOWN = ('[unknown]', '')


def die(msg):
    print('insnprof: ' + msg, file=sys.stderr)
    sys.exit(1)


class Symbols:
    """Sorted text symbols of one kallsyms file."""

    def __init__(self, path):
        best = {}
        try:
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) < 3 or parts[1] not in TEXT_TYPES:
                        continue
                    try:
                        addr = int(parts[0], 16)
                    except ValueError:
                        continue
                    if addr < KERNEL_START:
                        continue
                    name = parts[2]
                    mod = parts[3].strip('[]') if len(parts) > 3 else ''
                    # Aliases at one address: prefer a real function name
                    # over the __pfx_/__cfi_ padding symbols, then the
                    # first one listed.
                    old = best.get(addr)
                    if old is None or (self._padding(old[0]) and
                                       not self._padding(name)):
                        best[addr] = (name, mod)
        except OSError as e:
            die('%s: %s' % (path, e.strerror))
        if not best:
            die('%s: no kernel text symbols (read /proc/kallsyms as root?)'
                % path)
        self.addrs = sorted(best)
        self.syms = [best[a] for a in self.addrs]

    @staticmethod
    def _padding(name):
        return name.startswith('__pfx_') or name.startswith('__cfi_')

    def lookup(self, addr):
        """(name, module) of the function containing addr."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or addr - self.addrs[i] >= MAX_FUNC_SIZE:
            return UNKNOWN
        return self.syms[i]


def read_snapshot(path):
    counts = {}
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                parts = line.split()
                if not parts or parts[0].startswith('#'):
                    continue
                try:
                    key = (int(parts[0], 16), int(parts[1]))
                    counts[key] = counts.get(key, 0) + int(parts[2])
                except (IndexError, ValueError):
                    die('%s:%d: bad line' % (path, n))
    except OSError as e:
        die('%s: %s' % (path, e.strerror))
    return counts


def profile(kallsyms, snap_a, snap_b):
    """{(name, module): instructions run between the snapshots}."""
    syms = Symbols(kallsyms)
    a = read_snapshot(snap_a)
    b = read_snapshot(snap_b)
    funcs = {}
    for (vaddr, ninsns), count in b.items():
        delta = count - a.get((vaddr, ninsns), 0)
        if delta < 0:
            die('%s is older than %s (count of %x goes down)'
                % (snap_b, snap_a, vaddr))
        if not delta:
            continue
        sym = syms.lookup(vaddr)
        funcs[sym] = funcs.get(sym, 0) + delta * ninsns
    return funcs


def profile_marks(kallsyms, prefix, s0, s1, s2):
    """Instructions of the long run minus those of the short one."""
    short = profile(kallsyms, '%s.%s' % (prefix, s0), '%s.%s' % (prefix, s1))
    funcs = profile(kallsyms, '%s.%s' % (prefix, s1), '%s.%s' % (prefix, s2))
    for sym, n in short.items():
        funcs[sym] = funcs.get(sym, 0) - n
    return funcs


def positive(s):
    v = float(s)
    if v <= 0:
        raise argparse.ArgumentTypeError('must be > 0')
    return v


def fmt_name(name, mod):
    return '%s [%s]' % (name, mod) if mod else name


def single(args):
    if len(args.files) != 3:
        die('usage: insnprof.py KALLSYMS SNAP_A SNAP_B [--per N] [--top K] '
            '[--module MOD]')
    funcs = profile(*args.files)
    per = args.per
    total = sum(funcs.values())
    rows = sorted(funcs.items(), key=lambda kv: (-kv[1], kv[0]))
    print('%14s %6s  %s' % ('insns/op', '%', 'function'))
    for (name, mod), n in rows[:args.top]:
        print('%14.1f %6.2f  %s' % (n / per, 100.0 * n / total if total
                                    else 0.0, fmt_name(name, mod)))
    print('%14.1f %6.2f  total (%d functions, per %g)'
          % (total / per, 100.0 if total else 0.0, len(funcs), per))
    if args.module:
        mtotal = module_total(funcs, args.module.split(','))
        print('%14.1f %6.2f  total [%s]'
              % (mtotal / per, 100.0 * mtotal / total if total else 0.0,
                 args.module))


def by_name(funcs, per):
    """{name: (insns per op, modules)}; same-named functions are summed."""
    out = {}
    for (name, mod), n in funcs.items():
        old, mods = out.get(name, (0.0, ()))
        if mod and mod not in mods:
            mods += (mod,)
        out[name] = (old + n / per, mods)
    return out


def module_total(funcs, modules):
    return sum(n for (_, mod), n in funcs.items() if mod in modules)


def marks(args):
    """bench/insn_profile.sh's output: OUTDIR/marks.txt, snapshots PREFIX.N."""
    if len(args.files) != 2:
        die('usage: insnprof.py --marks OUTDIR SNAP_PREFIX')
    outdir, prefix = args.files
    runs = []
    try:
        with open(outdir + '/marks.txt') as f:
            for line in f:
                parts = line.split()
                if len(parts) == 5:
                    runs.append(parts)
    except OSError as e:
        die('%s/marks.txt: %s' % (outdir, e.strerror))
    if len(runs) != 2:
        die('%s/marks.txt: want two runs, found %d' % (outdir, len(runs)))
    res = []
    for name, s0, s1, s2, n in runs:
        funcs = profile_marks('%s/kallsyms.%s' % (outdir, name), prefix,
                              s0, s1, s2)
        res.append((name, funcs, positive(n)))
    print('%s against %s, instructions per iteration (long run minus short)'
          % (res[0][0], res[1][0]))
    show_compare(args, res[0][1], res[0][2], res[1][1], res[1][2])


def compare(args):
    f = args.files
    if len(f) != 8:
        die('usage: insnprof.py --compare KALLSYMS1 A1 B1 N1 '
            'KALLSYMS2 A2 B2 N2 [--top K] [--module MOD]')
    try:
        n1, n2 = positive(f[3]), positive(f[7])
    except (ValueError, argparse.ArgumentTypeError):
        die('N1 and N2 must be numbers > 0')
    f1 = profile(f[0], f[1], f[2])
    f2 = profile(f[4], f[5], f[6])
    show_compare(args, f1, n1, f2, n2)


def show_compare(args, f1, n1, f2, n2):
    r1, r2 = by_name(f1, n1), by_name(f2, n2)
    names = set(r1) | set(r2)
    rows = []
    for name in names:
        v1, m1 = r1.get(name, (0.0, ()))
        v2, m2 = r2.get(name, (0.0, ()))
        mods = ','.join(dict.fromkeys(m1 + m2))
        rows.append((abs(v2 - v1), name, v1, v2, mods))
    rows.sort(key=lambda r: (-r[0], r[1]))
    print('%14s %14s %14s  %s' % ('run1/op', 'run2/op', 'run2-run1',
                                  'function'))
    for _, name, v1, v2, mods in rows[:args.top]:
        print('%14.1f %14.1f %+14.1f  %s' % (v1, v2, v2 - v1,
                                            fmt_name(name, mods)))
    t1 = sum(v for v, _ in r1.values())
    t2 = sum(v for v, _ in r2.values())
    print('%14.1f %14.1f %+14.1f  total (%d functions)'
          % (t1, t2, t2 - t1, len(names)))
    if args.module:
        mods = args.module.split(',')
        m1 = module_total(f1, mods) / n1
        m2 = module_total(f2, mods) / n2
        print('%14.1f %14.1f %+14.1f  total [%s]'
              % (m1, m2, m2 - m1, args.module))


def main():
    p = argparse.ArgumentParser(
        description='Guest kernel instructions per function between two '
        'insncount snapshots.',
        usage='%(prog)s KALLSYMS SNAP_A SNAP_B [--per N] [--top K] '
        '[--module MOD]\n       %(prog)s --compare KALLSYMS1 A1 B1 N1 '
        'KALLSYMS2 A2 B2 N2 [--top K] [--module MOD]')
    p.add_argument('files', nargs='+', help=argparse.SUPPRESS)
    p.add_argument('--compare', action='store_true',
                   help='compare two runs (8 arguments)')
    p.add_argument('--marks', action='store_true',
                   help='compare the two runs of bench/insn_profile.sh '
                   '(OUTDIR SNAP_PREFIX)')
    p.add_argument('--per', type=positive, default=1.0,
                   help='number of operations between the snapshots')
    p.add_argument('--top', type=int, default=40,
                   help='functions to print (default 40)')
    p.add_argument('--module',
                   help='also print the total of the functions of this '
                   'module (or of these, comma separated: siw,siw_linux)')
    args = p.parse_args()
    if args.marks:
        marks(args)
    elif args.compare:
        compare(args)
    else:
        single(args)


if __name__ == '__main__':
    main()
