#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What one small RDMA Write costs inside the kernel, for this siw and
# Linux's in-tree siw alike. Runs inside the test VM:
#
#   selftests/vm/run-vm.sh -t 1200 KVER results/post-cost sh bench/post_cost.sh
#
# Over loopback a user QP's doorbell does everything in its own system
# call: both drivers transmit from the posting process, and TCP hands the
# segment to the receiver's softirq on the same CPU, inside sendmsg().
# So three timed calls split one Write, with the same kretprobes in both
# drivers:
#
#   post  siw_post_send()     the whole doorbell
#   tcp   TCP's sendmsg       TCP, loopback, and the receiver's ...
#   rx    data_ready          ... driver work: parse, place, complete
#
# TCP's sendmsg is tcp_sendmsg() for Linux's siw (through sock_sendmsg())
# and tcp_sendmsg_locked() for ours, which takes the socket lock itself:
# the lock and its release (about 90 instructions) count as TCP for the
# one, as driver work for the other.
#
# post - tcp is the sender's own driver work (take the WQE, frame it,
# complete it), tcp - rx is the kernel's TCP; the ratio of the two
# removes most of the drift of an emulated machine between runs.
# kretprobes cost the same fixed time in both drivers; the figures are
# not absolute costs, only comparable between the two.
#
# POST_COST_ROUNDS (default 3) runs of POST_COST_N (10000) 8 B
# ib_write_lat iterations per driver (POST_COST_SIZE, POST_COST_TOOL).
cd "$(dirname "$0")/.." || exit 1
SIW_TOP=$(pwd)
. selftests/lib/tap.sh > /dev/null
. selftests/lib/siw.sh
OUT=${BENCH_OUT:-/siw-out}
N=${POST_COST_N:-10000}
SIZE=${POST_COST_SIZE:-8}
TOOL=${POST_COST_TOOL:-ib_write_lat}
ROUNDS=${POST_COST_ROUNDS:-3}
LINUX_KO=build/linux-siw/$(uname -r)/siw_linux.ko
ADDR=10.99.13.1

command -v bpftrace > /dev/null || { echo "post_cost: no bpftrace"; exit 4; }

# timed_run NAME DEV DATA_READY SENDMSG: one perftest run under the three probes;
# prints "NAME post tcp rx" (averages, in units of 0.1 us).
timed_run() {
	bpftrace -e "
kprobe:siw_post_send { @p[tid] = nsecs; }
kretprobe:siw_post_send /@p[tid]/ { @post = avg((nsecs - @p[tid]) / 100); delete(@p[tid]); }
kprobe:$4 { @t[tid] = nsecs; }
kretprobe:$4 /@t[tid]/ { @tcp = avg((nsecs - @t[tid]) / 100); delete(@t[tid]); }
kprobe:$3 { @r[tid] = nsecs; }
kretprobe:$3 /@r[tid]/ { @rx = avg((nsecs - @r[tid]) / 100); delete(@r[tid]); }
END { clear(@p); clear(@t); clear(@r); }" > "$OUT/bt-$1.txt" 2>&1 &
	_bp=$!
	# Attaching takes seconds under TCG: start only once it is done.
	_i=0
	while ! grep -q '^Attaching' "$OUT/bt-$1.txt" 2> /dev/null && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sleep 2
	timeout 120 $TOOL -R -F -d "$2" -s "$SIZE" -n "$N" > /tmp/post_cost.srv 2>&1 &
	_sp=$!
	siw_wait_listen 18515
	timeout 120 $TOOL -R -F -d "$2" -s "$SIZE" -n "$N" $ADDR > /tmp/post_cost.cli 2>&1
	_rc=$?
	wait $_sp
	kill -INT $_bp
	wait $_bp
	[ $_rc = 0 ] || { echo "post_cost: $1: $TOOL failed"; tail -n 3 /tmp/post_cost.cli; return 1; }
	awk -v name="$1" '/^@post:/ { p = $2 } /^@tcp:/ { t = $2 } /^@rx:/ { r = $2 }
		END { if (p && t && r) print name, p, t, r; else exit 1 }' "$OUT/bt-$1.txt" ||
		{ echo "post_cost: $1: no averages"; cat "$OUT/bt-$1.txt"; return 1; }
}

ip link add pc0 type dummy && ip addr add $ADDR/24 dev pc0 && ip link set pc0 up || exit 1
[ -r "$LINUX_KO" ] || { echo "post_cost: no $LINUX_KO (scripts/build-linux-siw.sh)"; exit 4; }
rc=0
: > "$OUT/post_cost.txt"
r=1
while [ $r -le "$ROUNDS" ]; do
	siw_load && rdma link add psiw0 type siw netdev pc0 || exit 1
	timed_run "siw-stocklib.$r" psiw0 siw_rx_data_ready tcp_sendmsg_locked >> "$OUT/post_cost.txt" || rc=1
	make -s -C userlib install > /dev/null
	timed_run "siw.$r" psiw0 siw_rx_data_ready tcp_sendmsg_locked >> "$OUT/post_cost.txt" || rc=1
	make -s -C userlib uninstall > /dev/null
	rdma link delete psiw0 && rmmod siw
	modprobe -a $SIW_DEPS && insmod "$LINUX_KO" &&
		rdma link add plsiw0 type siw_linux netdev pc0 || exit 1
	timed_run "linux-siw.$r" plsiw0 siw_qp_llp_data_ready tcp_sendmsg >> "$OUT/post_cost.txt" || rc=1
	rdma link delete plsiw0 && rmmod siw_linux
	r=$((r + 1))
done

# Per run: own TX work, TCP, own RX work (us) and each driver's work as
# a share of the same run's TCP; then the median share per driver.
echo "post_cost: $TOOL $SIZE B, $N iterations, averages per call in us (kretprobe cost included)"
awk '{
	split($1, a, ".")
	tx = ($2 - $3) / 10; tcp = ($3 - $4) / 10; rx = $4 / 10
	printf "post_cost: %-18s tx %5.1f  tcp %5.1f  rx %5.1f  tx/tcp %.3f  rx/tcp %.3f\n", $1, tx, tcp, rx, tx / tcp, rx / tcp
	n[a[1]]++; txs[a[1], n[a[1]]] = tx / tcp; rxs[a[1], n[a[1]]] = rx / tcp
}
function median(arr, impl, k,   v, i, j, t) {
	for (i = 1; i <= k; i++) v[i] = arr[impl, i]
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
}
END {
	for (impl in n)
		printf "post_cost: median %-12s tx/tcp %.3f  rx/tcp %.3f (%d runs)\n", impl, median(txs, impl, n[impl]), median(rxs, impl, n[impl]), n[impl]
}' "$OUT/post_cost.txt" | tee "$OUT/post_cost.summary"
exit $rc
