#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# siw tracepoints under a known workload: every event exists with its
# format, and ib_write_bw -n 200 -s 65536 shows up exactly as perftest
# counts it (Write FPDU payload bytes sent and received = 200 * 64 KiB),
# with the connection setup (MPA frames, iw_cm events), QP states, CQEs,
# doorbells and TX thread wakeups; an injected CRC corruption shows up as
# siw_crc_error and siw_terminate on both ends.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
command -v ib_write_bw > /dev/null || tap_skip_all "no perftest"
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2> /dev/null
[ -d $T/events ] || tap_skip_all "no tracefs"
siw_loaded && siw_unload
ADDR=10.99.9.1
YNL="/usr/bin/python3 $SIW_TOP/build/ynl/linux-source-6.12/tools/net/ynl/cli.py --spec $SIW_TOP/build/ynl/linux-source-6.12/Documentation/netlink/specs/siw.yaml"

cleanup() {
	[ -d $T/events/siw ] && echo 0 > $T/events/siw/enable
	rdma link delete siw0 2> /dev/null
	ip link del dp0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

dmesg_mark
tap_check "load siw, siw0 on dp0" siw_dummy_up dp0 $ADDR siw0 ||
	tap_skip_all "cannot set up siw0"

EVENTS="siw_cm_event siw_mpa siw_cm_timeout siw_qp_state siw_wr_post
	siw_doorbell siw_fpdu_tx siw_fpdu_rx siw_tx_wakeup siw_tx_idle
	siw_sk_blocked siw_sk_resumed siw_terminate siw_crc_error siw_cqe"
missing=
for e in $EVENTS; do
	[ -r $T/events/siw/$e/format ] || missing="$missing $e"
done
tap_check "all $(echo $EVENTS | wc -w) siw events exist${missing:+ (missing:$missing)}" \
	test -z "$missing"

echo 8192 > $T/buffer_size_kb
echo > $T/trace
echo 1 > $T/events/siw/enable

ib_write_bw -R -F -n 200 -s 65536 > /tmp/tr.server 2>&1 &
spid=$!
siw_wait_listen 18515
timeout 120 ib_write_bw -R -F -n 200 -s 65536 $ADDR > /tmp/tr.client 2>&1
crc=$?
wait $spid
tap_check "ib_write_bw -n 200 -s 65536 (client $crc, server $?)" test $crc = 0
echo 0 > $T/events/siw/enable
cat $T/trace > /tmp/tr.txt
grep -q "LOST" /tmp/tr.txt && tap_diag "trace buffer lost events"

# sum_len EVENT OPNAME: the len= of EVENT lines for opcode OPNAME, summed.
sum_len() {
	grep " $1: " /tmp/tr.txt | grep "op=$2 " |
		sed -n 's/.* len=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
count() {
	grep -c " $1: .*$2" /tmp/tr.txt
}
want=$((200 * 65536))
tx=$(sum_len siw_fpdu_tx WRITE)
rx=$(sum_len siw_fpdu_rx WRITE)
tap_diag "siw_fpdu_tx WRITE: $tx bytes in $(count siw_fpdu_tx op=WRITE) FPDUs; rx $rx; perftest moved $want"
tap_eq "siw_fpdu_tx: Write payload bytes = what ib_write_bw moved" "$want" "$tx"
tap_eq "siw_fpdu_rx: Write payload bytes = what ib_write_bw moved" "$want" "$rx"
tap_check "siw_fpdu_tx records the CPU" grep -q "siw_fpdu_tx: qp=[0-9]* op=WRITE len=[0-9]* cpu=[0-9]" /tmp/tr.txt
# perftest -R sets up two connections (one to exchange parameters).
conns=$(count siw_cm_event 'CONNECT_REQUEST')
tap_diag "connections: $conns"
tap_check "siw_cm_event: CONNECT_REQUEST per connection ($conns)" test "$conns" -ge 1
tap_eq "siw_mpa: one request sent per connection" "$conns" "$(count siw_mpa 'sent request')"
tap_eq "siw_mpa: one request received per connection" "$conns" "$(count siw_mpa 'received request')"
tap_eq "siw_mpa: one reply sent per connection" "$conns" "$(count siw_mpa 'sent reply')"
tap_eq "siw_mpa: one reply received per connection" "$conns" "$(count siw_mpa 'received reply')"
tap_check "siw_cm_event: both ends established" sh -c \
	"[ \$(grep -c 'siw_cm_event: .*event=\(ESTABLISHED\|CONNECT_REPLY\) status=0' /tmp/tr.txt) -ge 2 ]"
tap_check "siw_qp_state: two QPs reach RTS" sh -c \
	"[ \$(grep -c 'siw_qp_state: .*-> RTS' /tmp/tr.txt) -ge 2 ]"
tap_check "siw_qp_state: and end in ERROR" sh -c \
	"[ \$(grep -c 'siw_qp_state: .*-> ERROR' /tmp/tr.txt) -ge 2 ]"
tap_check "siw_doorbell fired (user SQ)" grep -q "siw_doorbell: qp=" /tmp/tr.txt
tap_check "siw_cqe: successful completions" grep -q "siw_cqe: .*status=0 bytes=65536" /tmp/tr.txt
tap_check "siw_tx_wakeup and siw_tx_idle fired" sh -c \
	"grep -q siw_tx_wakeup: /tmp/tr.txt && grep -q siw_tx_idle: /tmp/tr.txt"

# A corrupted CRC: the receiver traces the error and its Terminate.
IDX=$(rdma dev show siw0 | cut -d: -f1)
$YNL --do dev-set --json "{\"index\": $IDX, \"crc-required\": 1}" > /dev/null
$YNL --do fault-add --json "{\"dev-index\": $IDX, \"type\": \"corrupt\", \"every\": 3, \"count\": 1}" > /dev/null
echo > $T/trace
echo 1 > $T/events/siw/enable
rping -s -a $ADDR -p 7900 -C 10 -S 1024 > /dev/null 2>&1 &
spid=$!
siw_wait_listen 7900
timeout 60 rping -c -a $ADDR -p 7900 -C 10 -S 1024 > /dev/null 2>&1
sleep 1
kill $spid 2> /dev/null
wait $spid 2> /dev/null
echo 0 > $T/events/siw/enable
cat $T/trace > /tmp/tr.txt
$YNL --do fault-del --json "{\"dev-index\": $IDX}" > /dev/null
tap_check "siw_crc_error traced" grep -q "siw_crc_error: qp=" /tmp/tr.txt
tap_check "siw_terminate: sent by the receiver" grep -q "siw_terminate: .* sent layer=" /tmp/tr.txt
tap_check "siw_terminate: received by the sender" grep -q "siw_terminate: .* received layer=" /tmp/tr.txt
tap_check "rdma link delete, unload" sh -c "rdma link delete siw0 && rmmod siw"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
