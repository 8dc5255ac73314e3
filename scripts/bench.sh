#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: build everything, boot KVER (default: the newest 6.1) in the
# test VM and run bench/guest.sh there (our siw with our provider and with
# rdma-core's, Linux's in-tree siw, plain TCP; BENCH_ROUNDS rounds,
# default 3; BENCH_WORKLOADS a subset, see bench/guest.sh; BENCH_BASE=REV
# adds siw-base, the module as of git revision REV, to weigh one change
# against the same run's noise), then
# bench/report.py: a table on stdout, summary.csv, goals.txt and PNG
# plots in results/bench-KVER-DATE/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=${1:-$(scripts/kvers.sh 6.1)}
scripts/ensure-deps.sh
stamp=$(date +%Y%m%d-%H%M%S)
out=results/bench-$kver-$stamp
mkdir -p build
{
	make -s module KVER="$kver"
	make -s userprogs
	scripts/build-linux-siw.sh "$kver"
	mkdir -p build/bench
	cc -O2 -Wall -Wextra -Werror -Iselftests/lib -o build/bench/qpmem bench/qpmem.c -libverbs
} > "build/bench-build.log" 2>&1 || { cat build/bench-build.log; exit 1; }
rounds=${BENCH_ROUNDS:-3}
impls=${BENCH_IMPLS:-siw siw-stocklib linux-siw tcp}
if [ -n "${BENCH_BASE:-}" ]; then
	# The module's sources as of that revision, built on their own.
	base=build/bench-base
	rm -rf "$base"
	mkdir -p "$base/src" "$base/$kver"
	git archive "$BENCH_BASE" | tar -x -C "$base/src"
	make -s -C "$base/src" module KVER="$kver" > "$base/build.log" 2>&1 ||
		{ cat "$base/build.log"; exit 1; }
	cp "$base/src/build/$kver/kernel/siw.ko" "$base/$kver/siw.ko"
	case " $impls " in
	*" siw-base "*) ;;
	*) impls="$impls siw-base" ;;
	esac
fi
echo "bench: $kver, $rounds rounds of: $impls (a TCG VM: 3 to 10 minutes a round, then about as long for bench/veth.sh)"
# Then bench/veth.sh: the same implementations between two namespaces
# over veth with a 1500-byte MTU, where GSO FPDUs matter (BENCH_VETH=0
# skips it).
veth=
[ "${BENCH_VETH:-1}" = 1 ] && veth="; VETH_ROUNDS=$rounds sh bench/veth.sh"
selftests/vm/run-vm.sh -t $((rounds * 1500 + 300)) "$kver" "$out" \
	"BENCH_ROUNDS=$rounds BENCH_IMPLS='$impls' BENCH_WORKLOADS='${BENCH_WORKLOADS:-}' BENCH_POLL_US='${BENCH_POLL_US:-}' sh bench/guest.sh$veth" ||
	{ tail -n 20 "$out/output.txt" 2> /dev/null; exit 1; }
grep '^bench:' "$out/output.txt" | tail -n 3
/usr/bin/python3 bench/report.py "$out/raw.csv" "$out"
if grep -q '^veth: medians' "$out/output.txt"; then
	sed -n '/^veth: medians/,$p' "$out/output.txt" | grep '^veth:' > "$out/veth.txt"
	cat "$out/veth.txt"
fi
echo "bench: results in $out"
