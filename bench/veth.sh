#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/veth.sh, inside the test VM: siw between two network namespaces
# joined by a veth pair with an Ethernet MTU (VETH_MTU, default 1500),
# the path where one FPDU per MSS costs most. Our siw with mpa_gso=0 (one
# FPDU per MSS, as RFC 5044 asks) and mpa_gso=1 (FPDUs of up to 60 KiB
# that TCP segments), Linux's in-tree siw (built by
# scripts/build-linux-siw.sh, if there), VETH_ROUNDS rounds (default 3)
# of perftest bandwidth and latency over rdma_cm (rdma-core's stock
# providers for all), then iperf3 on the same path. VETH_IMPLS picks
# implementations; "rxe" (Soft-RoCE) is there but not in the default: on
# Debian's 6.1 and 6.12 rxe's UDP socket (port 4791) lives in the
# initial namespace only, so between two namespaces its connections
# never establish (rdma_cm: UNREACHABLE), and over loopback it sees no
# packets at all. Prints one line per measurement ("veth: ...") and the
# medians; exits 1 if a run failed.
#
#   selftests/vm/run-vm.sh -t 1800 $(scripts/kvers.sh 6.1) results/veth \
#       sh bench/veth.sh
cd "$(dirname "$0")/.." || exit 1
SIW_TOP=$(pwd)
. selftests/lib/tap.sh > /dev/null
. selftests/lib/siw.sh
. selftests/lib/traffic.sh
MTU=${VETH_MTU:-1500}
ROUNDS=${VETH_ROUNDS:-3}
LOG=/tmp/veth-bench
A_ADDR=10.99.40.1
B_ADDR=10.99.40.2
ADDR=$B_ADDR
SRV_NS=vbb
CLI_NS=vba
RES=$LOG/results
rm -rf "$LOG"
mkdir -p "$LOG"
failed=0

LINUX_KO=build/linux-siw/$(uname -r)/siw_linux.ko
impls="mpa_gso=0 mpa_gso=1"
[ -r "$LINUX_KO" ] && impls="$impls linux-siw"
impls=${VETH_IMPLS:-$impls}

cleanup() {
	ip netns exec vba rdma link delete vsa 2> /dev/null
	ip netns exec vbb rdma link delete vsb 2> /dev/null
	ip netns del vba 2> /dev/null
	ip netns del vbb 2> /dev/null
	siw_loaded && siw_unload
	ip netns exec vba rdma link delete vra 2> /dev/null
	ip netns exec vbb rdma link delete vrb 2> /dev/null
	grep -q '^siw_linux ' /proc/modules && rmmod siw_linux
	grep -q '^rdma_rxe ' /proc/modules && rmmod rdma_rxe
}
trap cleanup EXIT
siw_loaded && siw_unload

ip netns add vba && ip netns add vbb &&
	ip link add va type veth peer name vb &&
	ip link set va netns vba && ip link set vb netns vbb &&
	ip -n vba link set va mtu "$MTU" && ip -n vbb link set vb mtu "$MTU" &&
	ip -n vba addr add $A_ADDR/24 dev va && ip -n vbb addr add $B_ADDR/24 dev vb &&
	ip -n vba link set va up && ip -n vbb link set vb up &&
	ip -n vba link set lo up && ip -n vbb link set lo up ||
	{ echo "veth: cannot set up the namespaces"; exit 1; }

# impl_up IMPL / impl_down IMPL: the driver, a device in each namespace.
impl_up() {
	case $1 in
	linux-siw)
		modprobe -a $SIW_DEPS && insmod "$LINUX_KO" &&
			ip netns exec vba rdma link add vsa type siw_linux netdev va &&
			ip netns exec vbb rdma link add vsb type siw_linux netdev vb ;;
	rxe)
		modprobe rdma_rxe &&
			ip netns exec vba rdma link add vra type rxe netdev va &&
			ip netns exec vbb rdma link add vrb type rxe netdev vb ;;
	*)
		siw_load "$1" &&
			ip netns exec vba rdma link add vsa type siw netdev va &&
			ip netns exec vbb rdma link add vsb type siw netdev vb ;;
	esac
}
impl_down() {
	case $1 in
	rxe)
		ip netns exec vba rdma link delete vra
		ip netns exec vbb rdma link delete vrb
		rmmod rdma_rxe
		return ;;
	esac
	ip netns exec vba rdma link delete vsa
	ip netns exec vbb rdma link delete vsb
	case $1 in
	linux-siw) rmmod siw_linux ;;
	*) siw_unload ;;
	esac
}

# measure IMPL ROUND NAME TOOL ARGS...: one perftest run, its number saved.
# A run whose figure is no number (perf_number) gets one more try and is
# otherwise left out of the medians.
measure() {
	_g=$1 _r=$2 _n=$3
	shift 3
	for _try in 1 2; do
		if ! perf_pair "$@" > "$LOG/err" 2>&1; then
			echo "veth: $_g round $_r $_n: FAILED"
			sed 's/^/veth:   /' "$LOG/err"
			failed=1
			return
		fi
		_v=$(sed -n 's/.* \([0-9.]*\) MB\/s average/\1/p; s/.*typical \([0-9.]*\) us.*/\1/p' "$LOG/result")
		perf_number "$_v" && break
		echo "veth: $_g round $_r $_n: perftest reported no number ($(cat "$LOG/result"))"
		grep -v '^[ -]*$' "$LOG/$1.client" | tail -n 3 | sed 's/^/veth:   /'
		_v=
	done
	[ -n "$_v" ] || return
	echo "veth: $_g round $_r $_n: $_v"
	echo "$_g $_n $_v" >> "$RES"
}

for r in $(seq "$ROUNDS"); do
	for g in $impls; do
		impl_up $g || { echo "veth: cannot set up $g"; exit 1; }
		measure $g "$r" "write_bw 64K (MB/s)" ib_write_bw -s 65536 -n 500
		measure $g "$r" "write_bw 1M (MB/s)" ib_write_bw -s 1048576 -n 40
		measure $g "$r" "read_bw 64K (MB/s)" ib_read_bw -s 65536 -n 300
		measure $g "$r" "send_bw 64K (MB/s)" ib_send_bw -s 65536 -n 300
		measure $g "$r" "write_lat 8 (us)" ib_write_lat -s 8 -n 500
		measure $g "$r" "write_lat 64K (us)" ib_write_lat -s 65536 -n 100
		impl_down $g
	done
	if command -v iperf3 > /dev/null; then
		ip netns exec vbb iperf3 -s -1 > /dev/null 2>&1 &
		sleep 1
		bw=$(ip netns exec vba iperf3 -c $B_ADDR -t 5 -f M 2> /dev/null |
			awk '/receiver/ { print $(NF-2) }')
		wait
		echo "veth: tcp round $r iperf3 (MB/s): $bw"
		[ -n "$bw" ] && echo "tcp iperf3_(MB/s) $bw" >> "$RES"
	fi
done

echo "veth: medians over $ROUNDS rounds, MTU $MTU"
for g in $impls tcp; do
	grep "^$g " "$RES" | cut -d' ' -f2- | sed 's/ \([0-9.]*\)$/|\1/' |
		sort -t'|' -k1,1 -k2,2n |
		awk -F'|' -v g="$g" '{ v[$1] = v[$1] " " $2; n[$1]++ }
			END { for (k in v) { split(substr(v[k], 2), a, " ");
				printf "veth: %-10s %-22s %s\n", g, k, a[int((n[k] + 1) / 2)] } }'
done | sort
exit $failed
