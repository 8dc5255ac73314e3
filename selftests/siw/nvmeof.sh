#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# NVMe over Fabrics through siw, with the kernel as the RDMA consumer on
# both ends in one guest: nvmet + nvmet_rdma export a brd ram disk on
# 10.99.3.1:4420, nvme_rdma connects to it over a siw device on a dummy
# netdev (TCP over loopback). This drives what kernel ULPs need from an
# iWARP device: fast registration (IB_WR_REG_MR), local invalidation and
# RDMA Read with Invalidate (the target's Read sinks), Send with
# Invalidate (the host's MRs), the PD's DMA MR for local_dma_lkey, and
# ib_drain_qp at teardown. fio checks the data (crc32c verify) through
# 4 KiB random writes and 128 KiB sequential writes; IOPS and bandwidth
# go to the TAP diagnostics. Then everything is torn down in reverse
# order and no QP may be left.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
command -v nvme > /dev/null || tap_skip_all "no nvme (nvme-cli)"
command -v fio > /dev/null || tap_skip_all "no fio"
for m in brd nvmet nvmet_rdma nvme_rdma; do
	modinfo "$m" > /dev/null 2>&1 || tap_skip_all "kernel has no $m module"
done
siw_loaded && siw_unload

ADDR=10.99.3.1
PORT=4420
NQN=nqn.2024-01.org.siw:nvmeof-selftest
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:5e1f7e57-0000-4000-8000-000000005157
HOSTID=5e1f7e57-0000-4000-8000-000000005157
CFG=/sys/kernel/config/nvmet
SUB=$CFG/subsystems/$NQN
PRT=$CFG/ports/1
LOG=${TMPDIR:-/tmp}/siw-nvmeof
mkdir -p "$LOG"
DEV=

dmesg_mark

# Best effort, in reverse order of setup, whatever state we are in.
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
	rdma link delete siw0 2> /dev/null
	ip link del nv0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

# Failure output: what the step printed, then the kernel's side of it.
dmesg_tail() {
	echo "--- dmesg (last lines since the test started) ---"
	dmesg_since_mark | tail -n 12
}

# step CMD...: run CMD; on failure show its last output and dmesg.
step() {
	"$@" > "$LOG/step.out" 2>&1 && return 0
	_rc=$?
	echo "exit $_rc"
	tail -n 8 "$LOG/step.out"
	dmesg_tail
	return 1
}

setup_siw() {
	siw_load || return 1
	ip link add nv0 type dummy &&
		ip addr add $ADDR/24 dev nv0 &&
		ip link set nv0 up &&
		rdma link add siw0 type siw netdev nv0 &&
		wait_for 5 siw_port_state_is siw0 ACTIVE
}

load_modules() {
	modprobe brd rd_nr=1 rd_size=65536 &&
		modprobe -a nvmet nvmet_rdma nvme_rdma &&
		wait_for 5 test -b /dev/ram0 || return 1
	[ -d "$CFG" ] || { echo "no $CFG (configfs not mounted?)"; return 1; }
}

setup_target() {
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

# The namespace's block device: the one whose controller (or, with native
# multipath, subsystem) serves $NQN; per-path nodes (nvmeXcYnZ) skipped.
find_dev() {
	for _b in /sys/block/nvme*n*; do
		[ -e "$_b" ] || continue
		case ${_b##*/} in nvme*c*n*) continue ;; esac
		[ "$(cat "$_b/device/subsysnqn" 2> /dev/null)" = "$NQN" ] || continue
		[ -b "/dev/${_b##*/}" ] || continue
		echo "/dev/${_b##*/}"
		return 0
	done
	return 1
}

connect() {
	timeout 120 nvme connect -t rdma -a $ADDR -s $PORT -n "$NQN" \
		--hostnqn="$HOSTNQN" --hostid="$HOSTID" || return 1
	wait_for 30 find_dev || { echo "no block device for $NQN"; return 1; }
	DEV=$(find_dev)
	echo "$DEV"
}

# run_fio NAME ARGS...: fio on $DEV; the summary lines go to $LOG/NAME.perf.
# fio exits non-zero on an I/O error or a verify mismatch.
run_fio() {
	_n=$1
	shift
	timeout 300 fio --name="$_n" --filename="$DEV" --direct=1 \
		--ioengine=libaio "$@" > "$LOG/$_n.fio" 2>&1
	_rc=$?
	grep -E '^ *(read|write): IOPS=' "$LOG/$_n.fio" |
		sed 's/^ *//; s/ (.*//' > "$LOG/$_n.perf"
	if [ $_rc != 0 ] || grep -Eq 'err= *[1-9-]' "$LOG/$_n.fio"; then
		echo "fio exit $_rc"
		grep -E 'verify|bad|err|fio:' "$LOG/$_n.fio" | head -n 8
		return 1
	fi
}

# fio_check DESC NAME ARGS...
fio_check() {
	_desc=$1
	shift
	tap_check "$_desc" step run_fio "$@"
	[ -s "$LOG/$1.perf" ] &&
		while read -r _l; do tap_diag "$1: $_l"; done < "$LOG/$1.perf"
}

disconnect() {
	timeout 60 nvme disconnect -n "$NQN" || return 1
	_d=$DEV
	wait_for 30 sh -c "[ ! -e $_d ]" || { echo "$_d still there"; return 1; }
}

teardown_target() {
	rm "$PRT/subsystems/$NQN" &&
		rmdir "$PRT" &&
		echo 0 > "$SUB/namespaces/1/enable" &&
		rmdir "$SUB/namespaces/1" &&
		rmdir "$SUB"
}

unload_ulps() {
	rmmod nvme_rdma && rmmod nvmet_rdma
}

no_qp_left() {
	_q=$(rdma resource show qp 2> /dev/null | grep siw0)
	[ -z "$_q" ] && return 0
	echo "$_q"
	return 1
}

# nvmet_rdma logs every QP event but COMM_EST and LAST_WQE_REACHED.
no_qp_event() {
	! dmesg_since_mark | grep 'QP event'
}

remove_siw() {
	rdma link delete siw0 && siw_unload
}

tap_check "load siw, siw0 on dummy nv0 ($ADDR)" step setup_siw
tap_check "modprobe brd (64 MiB /dev/ram0), nvmet, nvmet_rdma, nvme_rdma" \
	step load_modules
tap_check "nvmet: subsystem, namespace /dev/ram0, rdma port $ADDR:$PORT" \
	step setup_target
if tap_check "nvme connect -t rdma, namespace block device appears" \
	step connect; [ -n "$(find_dev)" ]; then
	DEV=$(find_dev)
	tap_diag "namespace: $DEV"
	fio_check "fio 4 KiB random write, iodepth 16, crc32c verify" randw4k \
		--rw=randwrite --bs=4k --size=16m --iodepth=16 \
		--verify=crc32c --do_verify=1 --verify_fatal=1
	fio_check "fio 128 KiB sequential write, iodepth 8, crc32c verify" seqw128k \
		--rw=write --bs=128k --size=32m --iodepth=8 \
		--verify=crc32c --do_verify=1 --verify_fatal=1
	fio_check "fio 4 KiB random read, iodepth 16" randr4k \
		--rw=randread --bs=4k --size=16m --iodepth=16
	tap_check "nvme disconnect, block device gone" step disconnect
else
	for t in "fio 4 KiB random write" "fio 128 KiB sequential write" \
		"fio 4 KiB random read" "nvme disconnect"; do
		tap_not_ok "$t (not connected)"
	done
fi
tap_check "nvmet: unlink port, remove port, namespace, subsystem" \
	step teardown_target
tap_check "rmmod nvme_rdma nvmet_rdma" step unload_ulps
tap_check "no QP left on siw0" step no_qp_left

# Again with the target receiving through one shared receive queue per
# completion vector (nvmet_rdma use_srq=1): the kernel SRQ path.
load_srq_modules() {
	modprobe nvmet_rdma use_srq=1 && modprobe nvme_rdma &&
		grep -q Y /sys/module/nvmet_rdma/parameters/use_srq
}

srq_in_use() {
	_s=$(rdma resource show srq 2>&1)
	echo "$_s" | grep -q 'siw0.*nvmet_rdma' ||
		{ echo "no nvmet_rdma SRQ on siw0: $_s"; return 1; }
}

tap_check "[srq] modprobe nvmet_rdma use_srq=1, nvme_rdma" \
	step load_srq_modules
tap_check "[srq] nvmet: subsystem, namespace, rdma port" step setup_target
if tap_check "[srq] nvme connect -t rdma" step connect; [ -n "$(find_dev)" ]; then
	DEV=$(find_dev)
	tap_check "[srq] the target's SRQs live on siw0" step srq_in_use
	fio_check "[srq] fio 4 KiB random write, iodepth 32, crc32c verify" srq4k \
		--rw=randwrite --bs=4k --size=16m --iodepth=32 \
		--verify=crc32c --do_verify=1 --verify_fatal=1
	tap_check "[srq] nvme disconnect" step disconnect
else
	tap_not_ok "[srq] SRQ in use (not connected)"
	tap_not_ok "[srq] fio (not connected)"
	tap_not_ok "[srq] nvme disconnect (not connected)"
fi
tap_check "[srq] nvmet teardown" step teardown_target
tap_check "[srq] rmmod nvme_rdma nvmet_rdma" step unload_ulps
tap_check "[srq] no QP left on siw0" step no_qp_left
tap_check "rdma link delete siw0, unload siw" step remove_siw
tap_check "no QP error event (an orderly disconnect is none)" step no_qp_event
tap_check "no WARN or BUG in the kernel log" step dmesg_clean
tap_done
