#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# check-debug.sh [TEST...]: `make check-debug`. Builds the debug kernel
# (scripts/build-debug-kernel.sh: KASAN, lockdep, UBSAN, kmemleak,
# DEBUG_OBJECTS, DEBUG_LIST), siw.ko and the test programs against it,
# boots it and runs the VM selftests (default: all but bpftools.sh, whose
# CO-RE tools need the BTF this kernel leaves out) through
# selftests/vm/debug-guest.sh, which ends with a kmemleak scan. The VM
# keeps going after a report (no panic_on_warn, kasan_multi_shot) so one
# run collects every report; run-vm.sh then fails on any KASAN, UBSAN,
# lockdep, DEBUG_OBJECTS or kmemleak line in the console or dmesg.
#
# SIW_DEBUG_TESTS: the tests (as for run-guest.sh) when none are given;
# SIW_DEBUG_TIMEOUT: seconds for the whole VM run (default 7200);
# SIW_TEST_TIMEOUT: seconds per test in the guest (default 2400: data
# moves 40 to 50 times slower than on Debian's kernel).
# Results land in results/vm-debug/ (console.log, dmesg.txt, output.txt,
# kmemleak.txt). Last line: "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p results
log=results/build-debug.log

scripts/build-debug-kernel.sh --siw > "$log" 2>&1 || { cat "$log"; exit 2; }
read -r kver image modroot kdir <<< "$(sed -n 's/^debug kernel: //p' "$log" | tail -n 1)"
grep -E '^build-debug-kernel: (built|.* up to date)' "$log"
{ make -s -C selftests/siw && make -s userprogs && scripts/ynl.sh setup &&
  KDIR=$kdir scripts/build-linux-siw.sh "$kver"; } >> "$log" 2>&1 ||
	{ tail -n 40 "$log"; exit 2; }

if [ $# = 0 ]; then
	if [ -n "${SIW_DEBUG_TESTS:-}" ]; then
		set -- $SIW_DEBUG_TESTS
	else
		for t in selftests/siw/*.sh; do
			case $t in */bpftools.sh) continue ;; esac
			set -- "$@" "${t##*/}"
		done
		for t in build/selftests/siw/*; do
			[ -x "$t" ] && set -- "$@" "${t##*/}"
		done
	fi
fi

out=results/vm-debug
echo "check-debug: $kver, tests: $*"
SIW_VM_KERNEL=$image SIW_VM_MODROOT=$modroot SIW_VM_PANIC_ON_WARN=0 \
SIW_VM_APPEND="kasan_multi_shot log_buf_len=8M loglevel=5" \
	selftests/vm/run-vm.sh -t "${SIW_DEBUG_TIMEOUT:-7200}" "$kver" "$out" \
	SIW_TEST_TIMEOUT="${SIW_TEST_TIMEOUT:-2400}" sh selftests/vm/debug-guest.sh "$@"
rc=$?
cat "$out/output.txt" 2>/dev/null

# What the debug options found, by kind (run-vm.sh already failed the run).
echo "check-debug: reports in the kernel log:"
for pat in 'BUG: KASAN' 'UBSAN:' 'possible circular locking' 'possible recursive locking' \
	   'inconsistent lock state' 'suspicious RCU usage' 'BUG: sleeping function' \
	   'ODEBUG:' 'list_(add|del) corruption' 'WARNING:' 'kmemleak: [0-9]+ new suspected'; do
	n=$(cat "$out/console.log" "$out/dmesg.txt" 2>/dev/null | grep -Ec "$pat")
	[ "$n" = 0 ] || echo "  $pat: $n (console + dmesg)"
done

line=$(grep -E '^siw-selftests: [0-9]+ passed' "$out/output.txt" 2>/dev/null | tail -n 1)
p=$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
p=${p:-0} f=${f:-0} s=${s:-0}
if [ $rc != 0 ] && [ "$f" = 0 ]; then
	f=1
fi
echo "$p passed, $f failed, $s skipped"
[ $rc = 0 ]
