#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench, inside the VM: the same workloads on each implementation in
# turn, ROUNDS times, appending one CSV row per measurement to
# /siw-out/raw.csv (impl,workload,size,round,metric,value). bench/report.py
# turns that into medians, ratios, a table and plots on the host.
#
# Implementations: siw (this module, this project's provider), siw-stocklib
# (this module, rdma-core's stock libsiw), siw-poll (siw with busy-polling
# TX threads, only when named in BENCH_IMPLS), siw-zc (siw with zero-copy
# transmit of every message from 16 KiB, tx_zcopy=3, only when named),
# siw-base (siw as built from the revision BENCH_BASE, scripts/bench.sh),
# linux-siw (Linux's in-tree siw from Debian's linux-source, stock
# libsiw), tcp (iperf3 and qperf over the same path). All traffic runs
# over loopback through a dummy netdev, client and server in this guest.
# rxe (Soft-RoCE) is there for
# BENCH_IMPLS, but it cannot run over loopback: it takes packets only from
# its own netdev, and rdma_cm finds no route to a rxe device on lo. Nor
# between namespaces on 6.1 and 6.12: its UDP socket lives in the initial
# one only (Documentation/performance.md).
cd "$(dirname "$0")/.." || exit 1
SIW_TOP=$(pwd)
. selftests/lib/tap.sh > /dev/null
. selftests/lib/siw.sh
. selftests/lib/traffic.sh
OUT=${BENCH_OUT:-/siw-out}
RAW=$OUT/raw.csv
ROUNDS=${BENCH_ROUNDS:-3}
IMPLS=${BENCH_IMPLS:-"siw siw-stocklib linux-siw tcp"}
# A subset, for one measurement: ib_{write,read,send}_bw, ib_write_bw_8qp,
# ib_{send,write,read}_lat, conn_rate, qp_memory, nvmeof, iperf3 (tcp).
WORKLOADS=${BENCH_WORKLOADS:-}
# siw-poll (only when BENCH_IMPLS names it): siw with idle TX threads
# spinning this long for the next kick (tx_busy_poll_us).
POLL_US=${BENCH_POLL_US:-200}
LINUX_KO=build/linux-siw/$(uname -r)/siw_linux.ko
BASE_KO=build/bench-base/$(uname -r)/siw.ko
QPMEM=build/bench/qpmem
ADDR=10.99.10.1
RXE_ADDR=10.99.11.1
A=$ADDR
LOG=/tmp/bench
mkdir -p "$LOG"
DEV=
spid=

say() {
	echo "bench: $(date +%T) $*"
}

record() {	# record IMPL WORKLOAD SIZE ROUND METRIC VALUE
	[ -n "$6" ] && echo "$1,$2,$3,$4,$5,$6" >> "$RAW"
}

busy_jiffies() {	# all CPUs' non-idle time so far
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

netdev_up() {
	ip link add bd0 type dummy && ip addr add $ADDR/24 dev bd0 &&
		ip link set bd0 up
}

impl_up() {
	case $1 in
	siw | siw-poll | siw-zc | siw-base)
		_param= _ko=$SIW_KO
		[ "$1" = siw-poll ] && _param=tx_busy_poll_us=$POLL_US
		[ "$1" = siw-zc ] && _param=tx_zcopy=3
		[ "$1" = siw-base ] && _ko=$BASE_KO
		make -s -C userlib install > /dev/null &&
			modprobe -a $SIW_DEPS && insmod "$_ko" $_param &&
			rdma link add bsiw0 type siw netdev bd0 && DEV=bsiw0 ;;
	siw-stocklib)
		make -s -C userlib uninstall > /dev/null &&
			siw_load && rdma link add bsiw0 type siw netdev bd0 &&
			DEV=bsiw0 ;;
	linux-siw)
		make -s -C userlib uninstall > /dev/null &&
			modprobe -a $SIW_DEPS && insmod "$LINUX_KO" &&
			rdma link add blsiw0 type siw_linux netdev bd0 &&
			DEV=blsiw0 ;;
	rxe)
		# rxe takes packets only from the netdev it is bound to, and
		# loopback traffic arrives on lo: bind it there, with an
		# address of its own.
		ip addr add $RXE_ADDR/32 dev lo 2> /dev/null
		modprobe rdma_rxe && rdma link add brxe0 type rxe netdev lo &&
			DEV=brxe0 && A=$RXE_ADDR ;;
	tcp)
		DEV= ;;
	esac
}

impl_down() {
	_down=0
	case $1 in
	siw | siw-poll | siw-zc | siw-base | siw-stocklib)
		rdma link delete bsiw0 && rmmod siw || _down=1 ;;
	linux-siw) rdma link delete blsiw0 && rmmod siw_linux || _down=1 ;;
	rxe) rdma link delete brxe0 && rmmod rdma_rxe || _down=1 ;;
	esac
	A=$ADDR
	return $_down
}

# server_start CMD: CMD in the background, waiting until PORT ($2) listens.
server_start() {
	$1 > "$LOG/server" 2>&1 &
	spid=$!
	siw_wait_listen "$2"
}

server_stop() {
	_i=0
	while kill -0 $spid 2> /dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill $spid 2> /dev/null
	wait $spid 2> /dev/null
	spid=
}

# Enough iterations to move ~32 MiB, within [200, 5000].
iters() {
	_n=$((33554432 / $1))
	[ $_n -lt 200 ] && _n=200
	[ $_n -gt 5000 ] && _n=5000
	echo $_n
}

# perf_bw IMPL ROUND TOOL SIZE [EXTRA...]: bandwidth in MB/s (from the
# message rate, which keeps its precision for small messages), message
# rate, and CPU seconds per GB moved (both ends, all CPUs).
perf_bw() {
	_impl=$1 _round=$2 _t=$3 _s=$4
	shift 4
	_n=$(iters "$_s")
	server_start "$_t -R -F -d $DEV -s $_s -n $_n $*" 18515
	_b0=$(busy_jiffies)
	timeout 60 $_t -R -F -d $DEV -s $_s -n $_n "$@" $A > "$LOG/client" 2>&1
	_rc=$?
	_b1=$(busy_jiffies)
	server_stop
	[ $_rc = 0 ] || { say "$_impl $_t $_s failed"; tail -n 3 "$LOG/client"; return; }
	# "#bytes #iterations BW peak BW average MsgRate[Mpps]"
	_mpps=$(awk '$1 ~ /^[0-9]+$/ && NF >= 5 { v = $5 } END { print v }' "$LOG/client")
	if ! perf_number "$_mpps"; then
		say "$_impl $_t $_s: perftest reported no rate"
		return
	fi
	_w=$_t
	[ $# -gt 0 ] && _w="$_t$(echo "$*" | tr -d ' ')"
	record "$_impl" "$_w" "$_s" "$_round" mpps "$_mpps"
	record "$_impl" "$_w" "$_s" "$_round" MBps \
		"$(awk -v m="$_mpps" -v s="$_s" 'BEGIN { printf "%.3f", m * s }')"
	record "$_impl" "$_w" "$_s" "$_round" cpu_s_per_GB \
		"$(awk -v b=$((_b1 - _b0)) -v n="$_n" -v s="$_s" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.3f", (b / hz) / (n * s / 1e9) }')"
}

# perf_lat IMPL ROUND TOOL SIZE: typical (median) latency in us. A client
# refused because it reconnected before its server listened again (see
# perf_pair in selftests/lib/traffic.sh) gets a second try.
perf_lat() {
	for _try in 1 2; do
		server_start "$3 -R -F -d $DEV -s $4 -n 500" 18515
		timeout 60 $3 -R -F -d $DEV -s $4 -n 500 $A > "$LOG/client" 2>&1
		_rc=$?
		server_stop
		if [ $_rc != 0 ]; then
			grep -q "Failed to handle RDMA CM event" "$LOG/client" || break
			say "$1 $3 $4: client refused before its server listened again (try $_try of 2)"
			continue
		fi
		_lat=$(awk '$1 ~ /^[0-9]+$/ && NF >= 6 { v = $5 } END { print v }' "$LOG/client")
		perf_number "$_lat" && break
		say "$1 $3 $4: perftest reported no latency (${_lat:-nothing}) (try $_try of 2)"
		_lat=
	done
	[ $_rc = 0 ] || { say "$1 $3 $4 failed"; tail -n 3 "$LOG/client"; return; }
	record "$1" "$3" "$4" "$2" lat_us "$_lat"
}

# Connections per second: ucmatose, 20 connections, one message each.
conn_rate() {
	server_start "ucmatose -b $A -p 7190 -c 20 -C 1" 7190
	_t0=$(date +%s.%N)
	timeout 120 ucmatose -s $A -p 7190 -c 20 -C 1 > "$LOG/client" 2>&1
	_rc=$?
	_t1=$(date +%s.%N)
	server_stop
	[ $_rc = 0 ] || { say "$1 ucmatose failed"; tail -n 3 "$LOG/client"; return; }
	record "$1" conn_setup 0 "$2" conn_per_s \
		"$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.2f", 20 / (b - a) }')"
}

# Kernel memory per QP: qpmem creates 256 RC QPs and reports the growth.
qp_memory() {
	[ -x "$QPMEM" ] || return
	_kib=$("$QPMEM" "$DEV" 256 2> "$LOG/qpmem.err")
	[ -n "$_kib" ] || { say "$1 qpmem failed: $(cat "$LOG/qpmem.err")"; return; }
	record "$1" qp_memory 0 "$2" KiB_per_QP "$_kib"
}

NQN=nqn.2024-01.org.siw:bench
CFG=/sys/kernel/config/nvmet
nvme_setup() {
	modprobe brd rd_nr=1 rd_size=131072 && modprobe -a nvmet nvmet_rdma nvme_rdma &&
		mkdir $CFG/subsystems/$NQN && echo 1 > $CFG/subsystems/$NQN/attr_allow_any_host &&
		mkdir $CFG/subsystems/$NQN/namespaces/1 &&
		echo /dev/ram0 > $CFG/subsystems/$NQN/namespaces/1/device_path &&
		echo 1 > $CFG/subsystems/$NQN/namespaces/1/enable &&
		mkdir $CFG/ports/1 && echo ipv4 > $CFG/ports/1/addr_adrfam &&
		echo rdma > $CFG/ports/1/addr_trtype && echo $A > $CFG/ports/1/addr_traddr &&
		echo 4420 > $CFG/ports/1/addr_trsvcid &&
		ln -s $CFG/subsystems/$NQN $CFG/ports/1/subsystems/$NQN
}

nvme_teardown() {
	nvme disconnect -n $NQN > /dev/null 2>&1
	rm -f $CFG/ports/1/subsystems/$NQN 2> /dev/null
	rmdir $CFG/ports/1 2> /dev/null
	# (A failed '>' reports before '2>' applies: test first.)
	[ -e $CFG/subsystems/$NQN/namespaces/1/enable ] &&
		echo 0 > $CFG/subsystems/$NQN/namespaces/1/enable
	rmdir $CFG/subsystems/$NQN/namespaces/1 $CFG/subsystems/$NQN 2> /dev/null
	rmmod nvme_rdma nvmet_rdma nvmet brd 2> /dev/null
}

# NVMe over Fabrics: 4 KiB random read IOPS, 128 KiB sequential write MB/s.
nvmeof() {
	_impl=$1 _round=$2
	nvme_setup > "$LOG/nvme" 2>&1 || { say "$_impl nvmet setup failed"; nvme_teardown; return; }
	timeout 120 nvme connect -t rdma -a $A -s 4420 -n $NQN > "$LOG/nvme" 2>&1 ||
		{ say "$_impl nvme connect failed"; nvme_teardown; return; }
	_dev=
	for _i in $(seq 1 100); do
		for _b in /sys/block/nvme*n*; do
			case ${_b##*/} in nvme*c*n*) continue ;; esac
			[ "$(cat "$_b/device/subsysnqn" 2> /dev/null)" = $NQN ] && _dev=/dev/${_b##*/}
		done
		[ -n "$_dev" ] && [ -b "$_dev" ] && break
		sleep 0.2
	done
	if [ -n "$_dev" ]; then
		timeout 120 fio --name=rr --filename="$_dev" --direct=1 --ioengine=libaio \
			--rw=randread --bs=4k --iodepth=16 --runtime=5 --time_based \
			--output-format=terse --terse-version=3 > "$LOG/fio" 2>&1 &&
			record "$_impl" nvmeof_randread 4096 "$_round" IOPS \
				"$(awk -F';' '{ print $8 }' "$LOG/fio")"
		timeout 120 fio --name=sw --filename="$_dev" --direct=1 --ioengine=libaio \
			--rw=write --bs=128k --iodepth=8 --runtime=5 --time_based \
			--output-format=terse --terse-version=3 > "$LOG/fio" 2>&1 &&
			record "$_impl" nvmeof_seqwrite 131072 "$_round" MBps \
				"$(awk -F';' '{ printf "%.2f", $48 / 1024 }' "$LOG/fio")"
	else
		say "$_impl: no NVMe namespace device"
	fi
	nvme_teardown
}

tcp_round() {
	iperf3 -s -1 -B $A > "$LOG/server" 2>&1 &
	spid=$!
	siw_wait_listen 5201
	timeout 60 iperf3 -c $A -t 3 -J > "$LOG/iperf" 2>&1
	server_stop
	record tcp iperf3 131072 "$1" MBps "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 8e6))' "$LOG/iperf" 2> /dev/null)"
	qperf > "$LOG/server" 2>&1 &
	spid=$!
	siw_wait_listen 19765
	timeout 60 qperf -t 2 -m 8 $A tcp_lat > "$LOG/qperf" 2>&1
	kill $spid 2> /dev/null
	wait $spid 2> /dev/null
	spid=
	record tcp tcp_lat 8 "$1" lat_us \
		"$(awk '/latency/ { v = $3; if ($4 == "ms") v *= 1000; if ($4 == "ns") v /= 1000 } END { print v }' "$LOG/qperf")"
}

# wanted WORKLOAD: in BENCH_WORKLOADS (default: all of them)?
wanted() {
	[ -z "$WORKLOADS" ] && return 0
	case " $WORKLOADS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

impl_round() {
	_impl=$1 _r=$2
	if [ "$_impl" = tcp ]; then
		wanted iperf3 && tcp_round "$_r"
		return
	fi
	for t in ib_write_bw ib_read_bw ib_send_bw; do
		wanted $t || continue
		for s in 64 4096 65536 1048576; do
			perf_bw "$_impl" "$_r" $t $s
		done
	done
	wanted ib_write_bw_8qp && perf_bw "$_impl" "$_r" ib_write_bw 64 -q 8
	for t in ib_send_lat ib_write_lat ib_read_lat; do
		wanted $t || continue
		for s in 8 64 4096 65536; do
			perf_lat "$_impl" "$_r" $t $s
		done
	done
	wanted conn_rate && conn_rate "$_impl" "$_r"
	wanted qp_memory && qp_memory "$_impl" "$_r"
	[ "$_impl" = siw-stocklib ] || ! wanted nvmeof || nvmeof "$_impl" "$_r"
}

trap 'kill $spid 2> /dev/null; nvme_teardown; for i in $IMPLS; do impl_down $i 2> /dev/null; done; make -s -C userlib uninstall > /dev/null 2>&1' EXIT
echo "impl,workload,size,round,metric,value" > "$RAW"
modprobe -a $SIW_DEPS configfs
mount -t configfs none /sys/kernel/config 2> /dev/null
[ -r "$LINUX_KO" ] || { say "no $LINUX_KO: linux-siw skipped"; IMPLS=$(echo "$IMPLS" | sed 's/linux-siw//'); }
netdev_up || exit 1
say "kernel $(uname -r), $(nproc) CPUs, implementations: $IMPLS, $ROUNDS rounds"
# rotated IMPLS R: the list started at its ((R - 1) mod n)th entry, so
# that no implementation always runs first in a round (right after the
# previous one's teardown) or last.
rotated() {
	echo "$IMPLS" | awk -v r="$1" '{ n = NF; for (i = 0; i < n; i++)
		printf "%s%s", $(((r - 1 + i) % n) + 1), (i < n - 1 ? " " : "\n") }'
}

for r in $(seq 1 "$ROUNDS"); do
	for impl in $(rotated "$r"); do
		say "round $r: $impl"
		if impl_up "$impl"; then
			impl_round "$impl" "$r"
			impl_down "$impl" || say "$impl: teardown failed"
		else
			say "$impl: setup failed"
			impl_down "$impl" 2> /dev/null
		fi
	done
done
say "done: $(($(wc -l < "$RAW") - 1)) measurements"
