#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Connection management with kernel ULPs on both ends (nvmet_rdma
# listening, nvme_rdma connecting, over one siw device in one guest):
# a kernel listener refusing a foreign request, kernel connect and
# accept, then the device removed and the module unloaded under live
# kernel connections and listeners, which must neither hang nor leave an
# endpoint behind. Data integrity of NVMe-oF is nvmeof.sh's business.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
PATH=$PATH:/usr/sbin:/sbin
command -v nvme > /dev/null || tap_skip_all "no nvme (nvme-cli)"
command -v rping > /dev/null || tap_skip_all "no rping"
for m in brd nvmet nvmet_rdma nvme_rdma; do
	modinfo "$m" > /dev/null 2>&1 || tap_skip_all "kernel has no $m module"
done
siw_loaded && siw_unload

ADDR=10.99.7.1
PORT=4421
NQN=nqn.2024-01.org.siw:cm-ulp-selftest
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:5e1f7e57-0000-4000-8000-00000000c0de
CFG=/sys/kernel/config/nvmet
SUB=$CFG/subsystems/$NQN
PRT=$CFG/ports/7
LOG=${TMPDIR:-/tmp}/siw-cm-ulp
mkdir -p "$LOG"

cleanup() {
	nvme disconnect -n "$NQN" > /dev/null 2>&1
	rm -f "$PRT/subsystems/$NQN" 2> /dev/null
	rmdir "$PRT" 2> /dev/null
	[ -e "$SUB/namespaces/1/enable" ] &&
		echo 0 > "$SUB/namespaces/1/enable" 2> /dev/null
	rmdir "$SUB/namespaces/1" 2> /dev/null
	rmdir "$SUB" 2> /dev/null
	rmmod nvme_rdma 2> /dev/null
	rmmod nvmet_rdma 2> /dev/null
	rmmod nvmet 2> /dev/null
	rmmod brd 2> /dev/null
	rdma link delete siwul0 2> /dev/null
	ip link del ul0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

listening() {
	ss -Hltn "sport = :$PORT" | grep -q LISTEN
}

setup() {
	siw_load &&
		ip link add ul0 type dummy &&
		ip addr add $ADDR/24 dev ul0 &&
		ip link set ul0 up &&
		rdma link add siwul0 type siw netdev ul0 &&
		modprobe brd rd_nr=1 rd_size=16384 &&
		modprobe -a nvmet nvmet_rdma nvme_rdma &&
		wait_for 5 test -b /dev/ram0 &&
		mkdir "$SUB" &&
		echo 1 > "$SUB/attr_allow_any_host" &&
		mkdir "$SUB/namespaces/1" &&
		echo /dev/ram0 > "$SUB/namespaces/1/device_path" &&
		echo 1 > "$SUB/namespaces/1/enable" &&
		mkdir "$PRT" &&
		echo ipv4 > "$PRT/addr_adrfam" &&
		echo rdma > "$PRT/addr_trtype" &&
		echo $ADDR > "$PRT/addr_traddr" &&
		echo $PORT > "$PRT/addr_trsvcid" &&
		ln -s "$SUB" "$PRT/subsystems/$NQN"
}

ctrl_dev() {
	for _c in /sys/class/nvme/nvme*; do
		[ "$(cat "$_c/subsysnqn" 2> /dev/null)" = "$NQN" ] && return 0
	done
	return 1
}

connect() {
	timeout 120 nvme connect -t rdma -a $ADDR -s $PORT -n "$NQN" \
		--hostnqn="$HOSTNQN" -i 2 || return 1
	wait_for 30 ctrl_dev
}

# Some I/O through the connection, so it is really up.
io() {
	for _b in /sys/block/nvme*n*; do
		[ "$(cat "$_b/device/subsysnqn" 2> /dev/null)" = "$NQN" ] || continue
		case ${_b##*/} in nvme*c*n*) continue ;; esac
		dd if=/dev/urandom of="$LOG/data" bs=64k count=16 2> /dev/null &&
			dd if="$LOG/data" of="/dev/${_b##*/}" bs=64k oflag=direct 2> /dev/null &&
			dd if="/dev/${_b##*/}" of="$LOG/back" bs=64k count=16 iflag=direct 2> /dev/null &&
			cmp "$LOG/data" "$LOG/back"
		return
	done
	echo "no namespace block device"
	return 1
}

# A foreign connect request (rping's) is refused by nvmet_rdma.
foreign() {
	timeout 30 rping -c -a $ADDR -p $PORT -C 1 > "$LOG/foreign.client" 2>&1
	_rc=$?
	cat "$LOG/foreign.client"
	[ $_rc != 0 ] && [ $_rc != 124 ]
}

no_ctrl() {
	! ctrl_dev
}

gone() {
	! ctrl_dev && ! rdma link show siwul0/1 > /dev/null 2>&1
}

no_endpoints() {
	! dmesg_since_mark | grep -q 'endpoints were still referenced'
}

dmesg_mark
tap_check "siw, brd, nvmet target on $ADDR:$PORT over siwul0" setup
tap_check "the kernel listener appears" wait_for 10 listening
tap_check "a foreign request is refused by the kernel ULP" foreign
tap_check "nvme connect: kernel connect and accept" connect
tap_check "I/O through the connection" io

tap_check "rdma link delete under live kernel connections completes" \
	timeout 120 rdma link delete siwul0
tap_check "the controller and the device are gone" wait_for 60 gone
tap_check "no listener left on the removed device" \
	sh -c "! ss -Hltn 'sport = :$PORT' | grep -q LISTEN"

tap_check "device back" rdma link add siwul0 type siw netdev ul0
# nvmet_rdma drops a port whose device went away: enable it again.
relisten() {
	rm "$PRT/subsystems/$NQN" &&
		ln -s "$SUB" "$PRT/subsystems/$NQN" &&
		wait_for 10 listening
}
tap_check "nvmet listens again on the new device" relisten
tap_check "nvme connect again" connect
tap_check "I/O again" io

tap_check "unload siw under live kernel connections and a listener" \
	timeout 120 rmmod siw
tap_check "the controller is gone" wait_for 60 no_ctrl
tap_check "no connection endpoint left at unload" no_endpoints
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
