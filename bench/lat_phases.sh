#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Where an 8 B RDMA Read's round trip goes, for this siw and Linux's
# in-tree siw alike. Runs inside the test VM:
#
#   selftests/vm/run-vm.sh -t 900 KVER results/lat-phases sh bench/lat_phases.sh
#
# Both drivers get the same instruments: five kprobes at the same
# logical points (the doorbell, the hand-over of an FPDU to TCP, the
# receiver's data_ready, the TX thread taking the QP up, the completion)
# plus the scheduler's wakeup events, so that the probes' own cost is
# alike on both sides. bench/lat_phases.py turns the traces into the
# median time of each phase of one Read:
#
#   A doorbell -> FPDU to TCP    B TCP loopback -> receiver
#   C parse Read Request -> wake TX thread
#   D wakeup -> TX thread runs   E build Read Response -> TCP
#   F TCP loopback -> receiver   G place -> completion
#
# and the rest of the round trip (user space polling and posting).
# LAT_PHASES_N (default 300) Reads per driver; LAT_PHASES_SIZE (8).
cd "$(dirname "$0")/.." || exit 1
SIW_TOP=$(pwd)
. selftests/lib/tap.sh > /dev/null
. selftests/lib/siw.sh
OUT=${BENCH_OUT:-/siw-out}
N=${LAT_PHASES_N:-300}
SIZE=${LAT_PHASES_SIZE:-8}
LINUX_KO=build/linux-siw/$(uname -r)/siw_linux.ko
ADDR=10.99.12.1
T=/sys/kernel/tracing

# The same five points in each driver, in the order of phases A to G.
PROBES_siw="siw_post_send siw_tx_push siw_rx_data_ready siw_tx_run siw_cq_add"
PROBES_linux_siw="siw_post_send siw_tx_ctrl siw_qp_llp_data_ready siw_sq_resume siw_sqe_complete"

traced_read_lat() {	# traced_read_lat NAME DEV PROBES...
	_name=$1 _dev=$2
	shift 2
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 8192 > $T/buffer_size_kb
	echo > $T/set_event
	echo > $T/kprobe_events
	_i=0
	for _f in "$@"; do
		echo "p:siwlat/p$_i $_f" >> $T/kprobe_events ||
			{ echo "lat_phases: no probe point $_f"; return 1; }
		_i=$((_i + 1))
	done
	echo 'siwlat:*' > $T/set_event
	echo 'sched:sched_waking' >> $T/set_event
	timeout 60 ib_read_lat -R -F -d "$_dev" -s "$SIZE" -n "$N" > /tmp/lat_phases.srv 2>&1 &
	_spid=$!
	siw_wait_listen 18515
	echo 1 > $T/tracing_on
	timeout 60 ib_read_lat -R -F -d "$_dev" -s "$SIZE" -n "$N" $ADDR > /tmp/lat_phases.cli 2>&1
	_rc=$?
	echo 0 > $T/tracing_on
	wait $_spid
	cp $T/trace "$OUT/trace-$_name.txt"
	echo > $T/set_event
	echo > $T/kprobe_events
	[ $_rc = 0 ] || { echo "lat_phases: $_name: ib_read_lat failed"; tail -n 3 /tmp/lat_phases.cli; return 1; }
	echo "lat_phases: $_name: ib_read_lat $SIZE B: $(awk '$1 ~ /^[0-9]+$/ && NF >= 6 { v = $5 } END { print v }' /tmp/lat_phases.cli) us typical"
}

mount -t tracefs none $T 2> /dev/null
[ -d $T ] || { echo "lat_phases: no tracefs"; exit 1; }
ip link add bd0 type dummy && ip addr add $ADDR/24 dev bd0 && ip link set bd0 up || exit 1
rc=0

make -s -C userlib install > /dev/null &&
	siw_load && rdma link add bsiw0 type siw netdev bd0 || exit 1
traced_read_lat siw bsiw0 $PROBES_siw || rc=1
rdma link delete bsiw0 && rmmod siw
make -s -C userlib uninstall > /dev/null

if [ -r "$LINUX_KO" ]; then
	modprobe -a $SIW_DEPS && insmod "$LINUX_KO" &&
		rdma link add blsiw0 type siw_linux netdev bd0 || exit 1
	traced_read_lat linux-siw blsiw0 $PROBES_linux_siw || rc=1
	rdma link delete blsiw0 && rmmod siw_linux
else
	echo "lat_phases: no $LINUX_KO (scripts/build-linux-siw.sh): linux-siw skipped"
fi
exit $rc
