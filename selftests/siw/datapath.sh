#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The data path end to end in one guest (client and server over loopback
# through a siw device on a dummy netdev): rping with data verification
# (Send, RDMA Read and Write) at several sizes, with and without CRC and
# markers, perftest bandwidth for Send, Write and Read (to the TAP
# diagnostics), and an independent Python peer checking markers and CRC.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/traffic.sh"
siw_require_vm
command -v rping > /dev/null || tap_skip_all "no rping"
siw_loaded && siw_unload

ADDR=10.99.0.1
LOG=${TMPDIR:-/tmp}/siw-datapath
mkdir -p "$LOG"

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	rdma link delete siw0 2> /dev/null
	ip link del dp0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

ip link add dp0 type dummy
ip addr add $ADDR/24 dev dp0
ip link set dp0 up

setup() {
	siw_load "$@" && rdma link add siw0 type siw netdev dp0
}

teardown() {
	rdma link delete siw0 && siw_unload
}

# A client killed (SIGKILL) in the middle of a transfer: its QPs are torn
# down by the kernel's uverbs cleanup, the server sees the connection go
# and ends (or is stopped), and nothing stays behind.
kill_mid_transfer() {
	# Iterations, not -D: in duration mode perftest's server does not
	# look at its QP until the time is up (the test then waited 60 s).
	ib_write_bw -R -F -n 100000 -s 65536 > "$LOG/kill.server" 2>&1 &
	spid=$!
	siw_wait_listen 18515 || return 1
	ib_write_bw -R -F -n 100000 -s 65536 $ADDR > "$LOG/kill.client" 2>&1 &
	_cpid=$!
	# Wait until data moves: both QPs in RTS (perftest's own output
	# is block-buffered in a file).
	wait_for 30 sh -c "[ \$(rdma resource show qp 2> /dev/null | grep siw0 | grep -c RTS) -ge 2 ]" || {
		echo "client never connected"; kill -9 $_cpid; return 1; }
	sleep 2
	kill -9 $_cpid
	wait $_cpid 2> /dev/null
	# The server learns of it through a disconnect or a flush.
	_i=0
	while kill -0 $spid 2> /dev/null && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 $spid 2> /dev/null; then
		echo "server still running 30 s after its peer was killed"
		kill -9 $spid
	fi
	wait $spid 2> /dev/null
	spid=
	wait_for 20 sh -c "[ -z \"\$(rdma resource show qp 2> /dev/null | grep siw0)\" ]" ||
		{ echo "QPs left:"; rdma resource show qp; return 1; }
}

tap_check "load siw, siw0 on dummy dp0" setup
for size in 64 4096 65535; do
	tap_check "rping -V, $size bytes, 100 rounds" rping_pair $size
done
perf_check "ib_send_bw, 64 KiB" ib_send_bw -n 100 -s 65536
perf_check "ib_write_bw" ib_write_bw -n 100
perf_check "ib_read_bw" ib_read_bw -n 100
perf_check "ib_send_bw through a shared receive queue" ib_send_bw -n 100 \
	-s 4096 --use-srq
perf_check "ib_write_bw, 1 byte" ib_write_bw -n 200 -s 1
perf_check "ib_send_bw, 1 byte" ib_send_bw -n 200 -s 1
perf_check "ib_read_bw, 1 byte" ib_read_bw -n 200 -s 1
perf_check "ib_write_bw, 1 MiB" ib_write_bw -n 20 -s 1048576
perf_check "ib_send_bw, 1 MiB" ib_send_bw -n 20 -s 1048576
perf_check "ib_read_bw, 1 MiB" ib_read_bw -n 20 -s 1048576
perf_check "ib_write_bw, 4 QPs" ib_write_bw -n 100 -q 4
perf_check "ib_send_bw, 4 QPs, 4 KiB" ib_send_bw -n 100 -q 4 -s 4096
perf_check "ib_read_bw, 4 QPs" ib_read_bw -n 100 -q 4
perf_check "ib_send_lat, 64 bytes" ib_send_lat -n 200 -s 64
perf_check "ib_write_lat, 64 bytes" ib_write_lat -n 200 -s 64
perf_check "ib_read_lat, 64 bytes" ib_read_lat -n 200 -s 64
perf_check "ib_send_lat, 64 KiB" ib_send_lat -n 50 -s 65536
tap_check "a client killed mid-transfer leaves no QP, the server ends" \
	kill_mid_transfer
tap_check "no QP left once the programs ended" \
	sh -c "[ -z \"\$(rdma resource show qp 2> /dev/null | grep siw0)\" ]"
tap_check "rdma link delete, unload" teardown

# An Ethernet-sized path: with loopback's MTU at 1500 the MSS is about
# 1448 bytes, so every message above it is cut into many FPDUs that TCP
# may split and coalesce at any byte.
if setup; then
	ip link set lo mtu 1500
	for size in 64 1500 65535; do
		tap_check "[mtu 1500] rping -V, $size bytes" rping_pair $size
	done
	perf_check "[mtu 1500] ib_write_bw, 64 KiB" ib_write_bw -n 100
	perf_check "[mtu 1500] ib_read_bw, 64 KiB" ib_read_bw -n 100
	perf_check "[mtu 1500] ib_send_bw, 64 KiB" ib_send_bw -n 100 -s 65536
	ip link set lo mtu 65536
	tap_check "[mtu 1500] rdma link delete, unload" teardown
else
	tap_not_ok "[mtu 1500] load siw, siw0 on dummy dp0"
fi

# CRC32c on every FPDU, MPA markers, and both, each way.
for mode in "mpa_crc_required=1" "mpa_markers=1" \
	"mpa_markers=1 mpa_crc_required=1"; do
	# shellcheck disable=SC2086
	if ! setup $mode; then
		tap_not_ok "[$mode] load siw, siw0 on dummy dp0"
		siw_loaded && siw_unload
		continue
	fi
	for size in 64 65535; do
		tap_check "[$mode] rping -V, $size bytes" rping_pair $size
	done
	perf_check "[$mode] ib_write_bw" ib_write_bw -n 100
	perf_check "[$mode] ib_read_bw" ib_read_bw -n 100
	tap_check "[$mode] rdma link delete, unload" teardown
done

# Zero-copy transmit (tx_zcopy): TCP references the payload pages. With
# CRC on, a page handed over before its CRC was taken, or a header page
# rewritten under TCP, fails rping's verification or the peer's CRC
# check. Each mode zero-copies its own kinds of message, counted in
# tx_zcopy_bytes: Read Responses (1, the default), unsignalled work
# requests (2), signalled ones (3). Kernels before 6.5 copy everything.
# A work request sent so completes only at TCP's ACK of its last byte,
# counted in tx_zcopy_wrs; Read Responses have no work request.
zc_bytes() {
	cat /sys/class/infiniband/siw0/ports/1/hw_counters/tx_zcopy_bytes 2> /dev/null || echo 0
}
zc_wrs() {
	cat /sys/class/infiniband/siw0/ports/1/hw_counters/tx_zcopy_wrs 2> /dev/null || echo 0
}
zc_kernel=0
case $(uname -r) in
[7-9].* | 6.[5-9]* | 6.[1-9][0-9]*) zc_kernel=1 ;;
esac
# zc_expect DESC DELTA MIN: DELTA zero-copied bytes are at least MIN
# where this kernel and mode zero-copy that kind of message, else 0
# (MIN=0: the mode copies it).
zc_expect() {
	if [ $zc_kernel = 1 ] && [ "$3" != 0 ]; then
		tap_check "$1: zero-copied ($2 >= $3 bytes)" test "$2" -ge "$3"
	else
		tap_eq "$1: copied" 0 "$2"
	fi
}
# zc_wrs_expect DESC DELTA MIN: as zc_expect, for work requests that
# completed at TCP's ACK.
zc_wrs_expect() {
	if [ $zc_kernel = 1 ] && [ "$3" != 0 ]; then
		tap_check "$1: $2 >= $3 work requests completed at TCP's ACK" test "$2" -ge "$3"
	else
		tap_eq "$1: none waited for TCP's ACK" 0 "$2"
	fi
}
# perf_zc DESC TOOL ARGS...: perf_check, and the bytes it zero-copied
# and work requests that completed at TCP's ACK.
perf_zc() {
	_zc0=$(zc_bytes)
	_zw0=$(zc_wrs)
	perf_check "$@"
	zc_delta=$(($(zc_bytes) - _zc0))
	zc_wrs_delta=$(($(zc_wrs) - _zw0))
}
for zc in 0 default 2 3; do
	param=tx_zcopy=$zc
	[ $zc = default ] && param=
	# shellcheck disable=SC2086
	if ! setup $param mpa_crc_required=1; then
		tap_not_ok "[tx_zcopy=$zc] load siw with CRC"
		continue
	fi
	for size in 4096 65535; do
		tap_check "[tx_zcopy=$zc crc] rping -V, $size bytes" rping_pair $size
	done
	rr=6553600 unsig=6553600 sig=20971520
	case $zc in
	0) rr=0 unsig=0 sig=0 ;;
	default) unsig=0 sig=0 ;;
	2) sig=0 ;;
	esac
	perf_zc "[tx_zcopy=$zc crc] ib_read_bw, 100 x 64 KiB" ib_read_bw -n 100
	zc_expect "[tx_zcopy=$zc] Read Responses" $zc_delta $rr
	tap_eq "[tx_zcopy=$zc] Read Responses: no work request waited for TCP's ACK" 0 $zc_wrs_delta
	# -Q 100: one Write in 100 signalled.
	perf_zc "[tx_zcopy=$zc crc] ib_write_bw, 200 x 64 KiB, unsignalled" \
		ib_write_bw -n 200 -Q 100
	zc_expect "[tx_zcopy=$zc] unsignalled Writes" $zc_delta $unsig
	zc_wrs_expect "[tx_zcopy=$zc] unsignalled Writes" $zc_wrs_delta $((unsig / 65536))
	# Above 8 KiB perftest signals every work request.
	perf_zc "[tx_zcopy=$zc crc] ib_write_bw, 20 x 1 MiB, signalled" \
		ib_write_bw -n 20 -s 1048576
	zc_expect "[tx_zcopy=$zc] signalled Writes" $zc_delta $sig
	zc_wrs_expect "[tx_zcopy=$zc] signalled Writes" $zc_wrs_delta $((sig / 1048576))
	perf_check "[tx_zcopy=$zc crc] ib_send_bw, 64 KiB" ib_send_bw -n 100 -s 65536
	perf_check "[tx_zcopy=$zc crc] ib_write_bw, 4 QPs" ib_write_bw -n 100 -q 4
	# A QP torn down while its work request waits for TCP's ACK.
	[ $zc = 3 ] && tap_check "[tx_zcopy=$zc] a client killed mid-transfer leaves no QP" \
		kill_mid_transfer
	tap_eq "[tx_zcopy=$zc] no CRC error on the device" 0 \
		"$(cat /sys/class/infiniband/siw0/ports/1/hw_counters/crc_errors)"
	tap_check "[tx_zcopy=$zc] rdma link delete, unload" teardown
done

# An independent peer: datapath_peer.py speaks iWARP with markers and CRC
# both ways to an rping server, byte-split segments included.
PEER_TEXT=siw-datapath-peer-placed-this
if setup mpa_markers=1 mpa_crc_required=1; then
	rping -s -v -a $ADDR -p 7175 -S 1000 > "$LOG/peer.server" 2>&1 &
	spid=$!
	siw_wait_listen 7175
	/usr/bin/python3 "$(dirname "$0")/datapath_peer.py" $ADDR 7175 \
		$PEER_TEXT > "$LOG/peer.tap" 2>&1
	peer_n=$tap_n
	while read -r line; do
		case "$line" in
		"ok "*) tap_ok "peer: ${line#ok * - }" ;;
		"not ok "*) tap_not_ok "peer: ${line#not ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done < "$LOG/peer.tap"
	[ $tap_n -gt $peer_n ] || tap_not_ok "peer ran no check"
	tap_check "peer: rping read what the Read Response carried" \
		wait_for 10 grep -q "server ping data: $PEER_TEXT" \
		"$LOG/peer.server"
	kill $spid 2> /dev/null
	wait $spid 2> /dev/null

	# Broken frames, one connection each, to a persistent server:
	# ping_listener, not rping -s -P, whose threads race on failing
	# connections (a crashed server closes without a Terminate).
	"$SIW_TOP/build/selftests/helpers/ping_listener" $ADDR 7176 \
		> "$LOG/peer-errors.server" 2>&1 &
	spid=$!
	wait_for 20 grep -q listening "$LOG/peer-errors.server"
	/usr/bin/python3 "$(dirname "$0")/datapath_peer.py" $ADDR 7176 \
		errors > "$LOG/peer-errors.tap" 2>&1
	peer_n=$tap_n
	while read -r line; do
		case "$line" in
		"ok "*) tap_ok "peer: ${line#ok * - }" ;;
		"not ok "*) tap_not_ok "peer: ${line#not ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done < "$LOG/peer-errors.tap"
	[ $tap_n -gt $peer_n ] || tap_not_ok "peer (errors) ran no check"
	tap_check "peer: the listener survived the broken frames" kill -0 $spid
	kill $spid 2> /dev/null
	wait $spid 2> /dev/null
	spid=
	tap_check "peer: rdma link delete, unload" teardown
else
	tap_not_ok "peer: load siw with markers and CRC"
fi

tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
