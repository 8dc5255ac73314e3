#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# MPA negotiation edges from a plain TCP peer (cm_mpa.py), with a short
# mpa_timeout_ms: siw as responder (pieces, revisions, CRC, markers,
# limits, silence) and as initiator (reject, no reply, garbage, a reply
# with the first FPDU in the same segment), then peer-to-peer mode with
# its RTR both ways.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
command -v rping > /dev/null || tap_skip_all "no rping"
siw_loaded && siw_unload

ADDR=10.99.5.1
TMO=2
PY="/usr/bin/python3 $(dirname "$0")/cm_mpa.py"
LOG=${TMPDIR:-/tmp}/siw-cm-mpa
mkdir -p "$LOG"
spid=

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	rdma link delete siwmpa0 2> /dev/null
	ip link del mpa0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

ip link add mpa0 type dummy
ip addr add $ADDR/24 dev mpa0
ip link set mpa0 up

setup() {
	siw_load mpa_timeout_ms=$((TMO * 1000)) "$@" &&
		rdma link add siwmpa0 type siw netdev mpa0
}

teardown() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	spid=
	rdma link delete siwmpa0 && siw_unload
}

listening() {
	ss -Hltn "sport = :$1" | grep -q LISTEN
}

# Merge a TAP stream of cm_mpa.py into ours.
merge() {
	_before=$tap_n
	while read -r line; do
		case "$line" in
		"ok "*) tap_ok "$1: ${line#ok * - }" ;;
		"not ok "*) tap_not_ok "$1: ${line#not ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done
	[ $tap_n -gt "$_before" ] || tap_not_ok "$1: no case ran"
}

# initiator MODE MIN MAX: rping -c against cm_mpa.py MODE must fail, and
# siw close the connection MIN..MAX seconds after its MPA request (the
# peer's clock: rping's own start and exit take seconds on a debug
# kernel); prints both times.
initiator() {
	$PY server $ADDR 7401 "$1" > "$LOG/$1.py" 2>&1 &
	_ppid=$!
	wait_for 5 listening 7401
	_t0=$(date +%s%N)
	timeout 60 rping -c -a $ADDR -p 7401 -C 1 > "$LOG/$1.client" 2>&1
	_rc=$?
	_ms=$((($(date +%s%N) - _t0) / 1000000))
	wait_for 10 grep -q "^closed" "$LOG/$1.py"
	kill $_ppid 2> /dev/null
	wait $_ppid 2> /dev/null
	_closed=$(sed -n 's/^closed \([0-9]*\) ms after the request$/\1/p' "$LOG/$1.py")
	echo "rping exit $_rc after $_ms ms; connection closed ${_closed:-?} ms after the MPA request"
	tail -n 3 "$LOG/$1.client" "$LOG/$1.py"
	[ $_rc != 0 ] && [ $_rc != 124 ] && [ -n "$_closed" ] &&
		[ "$_closed" -ge $(($2 * 1000)) ] && [ "$_closed" -le $(($3 * 1000)) ]
}

# The responder sends its reply and a Terminate in one segment: RX must
# see the Terminate, so the handshake left it in the socket.
replyterm() {
	dmesg_mark
	$PY server $ADDR 7402 replyterm > "$LOG/replyterm.py" 2>&1 &
	_ppid=$!
	wait_for 5 listening 7402
	timeout 30 rping -c -a $ADDR -p 7402 -C 1 > "$LOG/replyterm.client" 2>&1 &
	_cpid=$!
	wait_for 10 sh -c "dmesg | tail -n +$((_dmesg_mark + 1)) | grep -q 'peer sent Terminate'"
	_rc=$?
	kill $_cpid $_ppid 2> /dev/null
	wait $_cpid $_ppid 2> /dev/null
	[ $_rc = 0 ] || { dmesg_since_mark | tail -n 5; cat "$LOG/replyterm.py"; }
	return $_rc
}

rping_pair() {
	rping -s -a $ADDR -p "$1" -C 3 > "$LOG/pair.server" 2>&1 &
	spid=$!
	wait_for 5 listening "$1"
	timeout 60 rping -c -a $ADDR -p "$1" -C 3 -V > "$LOG/pair.client" 2>&1
	_rc=$?
	wait $spid
	_src=$?
	spid=
	[ $_rc = 0 ] && [ $_src = 0 ] && return 0
	tail -n 3 "$LOG/pair.client" "$LOG/pair.server"
	return 1
}

tap_check "load siw (mpa_timeout_ms=$((TMO * 1000))), siwmpa0" setup

# siw as responder: a persistent rping server takes every connection.
rping -s -P -a $ADDR -p 7400 > "$LOG/server.log" 2>&1 &
spid=$!
wait_for 5 listening 7400
$PY responder $ADDR 7400 $TMO > "$LOG/responder.tap" 2>&1
merge responder < "$LOG/responder.tap"
tap_check "the listener still serves rping" \
	timeout 60 rping -c -a $ADDR -p 7400 -C 3 -V
kill $spid
wait $spid 2> /dev/null
spid=

# siw as initiator against a misbehaving responder.
tap_check "initiator: MPA reject fails the connect at once" initiator reject 0 5
tap_check "initiator: no reply fails the connect after the timeout" \
	initiator silent $((TMO - 1)) $((TMO + 10))
tap_check "initiator: a garbage reply fails the connect at once" \
	initiator garbage 0 5
tap_check "initiator: bytes after the reply reach the QP (Terminate)" replyterm
tap_check "unload" teardown

# Peer-to-peer: siw sends and swallows a zero length Write RTR.
if setup mpa_peer_to_peer=1; then
	tap_ok "load siw with mpa_peer_to_peer=1"
	tap_check "p2p: rping between two siw endpoints" rping_pair 7410
	$PY server $ADDR 7411 rtr > "$LOG/rtr.py" 2>&1 &
	_ppid=$!
	wait_for 5 listening 7411
	timeout 20 rping -c -a $ADDR -p 7411 -C 1 > "$LOG/rtr.client" 2>&1 &
	_cpid=$!
	wait $_ppid
	_prc=$?
	cat "$LOG/rtr.py"
	tap_eq "p2p: the initiator's first FPDU is a zero length Write" 0 $_prc
	kill $_cpid 2> /dev/null
	wait $_cpid 2> /dev/null

	rping -s -P -a $ADDR -p 7412 > "$LOG/p2p-server.log" 2>&1 &
	spid=$!
	wait_for 5 listening 7412
	$PY responder $ADDR 7412 $TMO p2p > "$LOG/p2p.tap" 2>&1
	merge p2p < "$LOG/p2p.tap"
	tap_check "unload" teardown
else
	tap_not_ok "load siw with mpa_peer_to_peer=1"
fi

tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
