#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Guest instructions per small RDMA operation, function by function, for
# this siw and Linux's in-tree siw. Under TCG there are no hardware
# counters and a kprobe costs more than what it would time; the
# insncount QEMU plugin (bench/insncount) counts every guest instruction
# instead. From the host:
#
#   make -C bench/insncount && mkdir -p /tmp/ic
#   SIW_VM_QEMU_ARGS="-plugin file=$PWD/build/insncount/insncount.so,out=/tmp/ic/snap" \
#       selftests/vm/run-vm.sh -t 1500 KVER results/insn sh bench/insn_profile.sh
#   bench/insncount/insnprof.py --marks results/insn /tmp/ic/snap --module siw,siw_linux
#
# Inside the VM, per driver: mark, run N_SHORT iterations, mark, run
# N_LONG iterations, mark. Each mark (bench/insncount/insnmark) makes the plugin dump
# its counters; (long - short) / (N_LONG - N_SHORT) is the cost of one
# iteration without setup and teardown. kallsyms is saved while each
# driver is loaded, to name the addresses.
#
# INSN_TOOL (default ib_write_lat), INSN_SIZE (8), INSN_SHORT (500),
# INSN_LONG (5500). A bandwidth tool works too, per message:
# INSN_TOOL=ib_write_bw INSN_SIZE=1048576 INSN_SHORT=100 INSN_LONG=600.
cd "$(dirname "$0")/.." || exit 1
SIW_TOP=$(pwd)
. selftests/lib/tap.sh > /dev/null
. selftests/lib/siw.sh
OUT=${BENCH_OUT:-/siw-out}
TOOL=${INSN_TOOL:-ib_write_lat}
SIZE=${INSN_SIZE:-8}
SHORT=${INSN_SHORT:-500}
LONG=${INSN_LONG:-5500}
LINUX_KO=build/linux-siw/$(uname -r)/siw_linux.ko
MARK=build/insncount/insnmark
ADDR=10.99.14.1
snap=0

[ -x "$MARK" ] || { echo "insn_profile: no $MARK (make -C bench/insncount)"; exit 4; }
[ -r "$LINUX_KO" ] || { echo "insn_profile: no $LINUX_KO (scripts/build-linux-siw.sh)"; exit 4; }

mark() {
	"$MARK" || exit 1
	snap=$((snap + 1))
}

# one_run DEV N: one perftest pair of N iterations. A client refused
# because the server was not listening yet (as bench/guest.sh's perf_lat
# sees at times) tries once more; a failed try costs no iterations.
one_run() {
	for _try in 1 2; do
		timeout 300 $TOOL -R -F -d "$1" -s "$SIZE" -n "$2" > /tmp/insn.srv 2>&1 &
		_sp=$!
		siw_wait_listen 18515
		timeout 300 $TOOL -R -F -d "$1" -s "$SIZE" -n "$2" $ADDR > /tmp/insn.cli 2>&1
		_rc=$?
		[ $_rc = 0 ] && break
		grep -q "Failed to connect RDMA CM\|Failed to handle RDMA CM" /tmp/insn.cli || break
		kill $_sp 2> /dev/null
		wait $_sp 2> /dev/null
		sleep 1
	done
	wait $_sp
	[ $_rc = 0 ] || { echo "insn_profile: $TOOL -n $2 failed"; tail -n 3 /tmp/insn.cli; }
	return $_rc
}

# profile NAME DEV: prints "NAME S0 S1 S2 N" (snapshot numbers) to marks.
profile() {
	cat /proc/kallsyms > "$OUT/kallsyms.$1"
	# A warm-up: modules loaded on first use, page cache, ... stay out.
	one_run "$2" 20 || return 1
	_s0=$snap
	mark
	one_run "$2" "$SHORT" || return 1
	mark
	one_run "$2" "$LONG" || return 1
	mark
	echo "$1 $_s0 $((_s0 + 1)) $((_s0 + 2)) $((LONG - SHORT))" >> "$OUT/marks.txt"
}

ip link add ic0 type dummy && ip addr add $ADDR/24 dev ic0 && ip link set ic0 up || exit 1
: > "$OUT/marks.txt"
echo "$TOOL $SIZE" > "$OUT/workload.txt"
rc=0

make -s -C userlib install > /dev/null &&
	siw_load && rdma link add isiw0 type siw netdev ic0 || exit 1
profile siw isiw0 || rc=1
rdma link delete isiw0 && rmmod siw
make -s -C userlib uninstall > /dev/null

modprobe -a $SIW_DEPS && insmod "$LINUX_KO" &&
	rdma link add ilsiw0 type siw_linux netdev ic0 || exit 1
profile linux-siw ilsiw0 || rc=1
rdma link delete ilsiw0 && rmmod siw_linux
exit $rc
