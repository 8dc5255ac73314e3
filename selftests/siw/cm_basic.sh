#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Connection management through rdma_cm (client and server over
# loopback): rping over IPv4 and IPv6, a connect without a listener,
# listeners coming and going, wildcard listens (dual-stack, two devices
# on one port), 50 connections at once, programs killed under live
# connections, and no endpoint left behind at unload.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
command -v rping > /dev/null || tap_skip_all "no rping"
siw_loaded && siw_unload

V4=10.99.3.1
V6=fd00:99:3::1
V4B=10.99.6.1
LOG=${TMPDIR:-/tmp}/siw-cm-basic
mkdir -p "$LOG"
spid=
cpid=

cleanup() {
	for p in $spid $cpid; do
		kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	rdma link delete siwcm0 2> /dev/null
	rdma link delete siwcm1 2> /dev/null
	ip link del cm0 2> /dev/null
	ip link del cm1 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

ip link add cm0 type dummy
ip addr add $V4/24 dev cm0
ip addr add $V6/64 dev cm0 nodad
ip link set cm0 up

setup() {
	siw_load "$@" && rdma link add siwcm0 type siw netdev cm0
}

# stop PID: wait up to 10 s for it to end by itself, else kill it (fails).
stop() {
	_w=0
	while kill -0 "$1" 2> /dev/null && [ $_w -lt 100 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	if kill -0 "$1" 2> /dev/null; then
		kill "$1" 2> /dev/null
		wait "$1" 2> /dev/null
		return 1
	fi
	wait "$1"
}

listening() {
	ss -Hltn "sport = :$1" | grep -q LISTEN
}

# pair NAME PORT SERVER_CMD CLIENT_CMD: both must succeed.
pair() {
	$3 > "$LOG/$1.server" 2>&1 &
	spid=$!
	wait_for 10 listening "$2"
	timeout 120 $4 > "$LOG/$1.client" 2>&1
	_rc=$?
	stop $spid
	_src=$?
	spid=
	[ $_rc = 0 ] && [ $_src = 0 ] && return 0
	echo "client exit $_rc, server exit $_src"
	tail -n 5 "$LOG/$1.client" "$LOG/$1.server"
	return 1
}

# A connect that must fail by itself (no hang, no success) within 20 s.
connect_fails() {
	timeout 20 "$@" > "$LOG/fail.client" 2>&1
	_rc=$?
	cat "$LOG/fail.client"
	[ $_rc != 0 ] && [ $_rc != 124 ]
}

# One wildcard rdma_listen on two siw devices shares a socket: each
# connection reaches the device of its address.
wild2() {
	ucmatose -p 7223 -c 2 -C 5 > "$LOG/wild2.server" 2>&1 &
	spid=$!
	wait_for 10 listening 7223
	_ok=0
	# The server talks once both are connected: run them side by side.
	timeout 60 ucmatose -s $V4 -p 7223 -c 1 -C 5 > "$LOG/wild2.client1" 2>&1 &
	_c1=$!
	timeout 60 ucmatose -s $V4B -p 7223 -c 1 -C 5 > "$LOG/wild2.client2" 2>&1 &
	_c2=$!
	wait $_c1 || { echo "client to $V4 failed"; tail -n 5 "$LOG/wild2.client1"; _ok=1; }
	wait $_c2 || { echo "client to $V4B failed"; tail -n 5 "$LOG/wild2.client2"; _ok=1; }
	stop $spid || _ok=1
	spid=
	[ $_ok = 0 ] || tail -n 5 "$LOG/wild2.server"
	return $_ok
}

# Programs killed with live connections and a listener: the kernel
# tears everything down (QPs destroyed before their connection closed).
killed() {
	rping -s -P -a $V4 -p 7240 > "$LOG/killed.server" 2>&1 &
	spid=$!
	wait_for 10 listening 7240
	rping -c -a $V4 -p 7240 -C 1000000 > "$LOG/killed.client1" 2>&1 &
	_c1=$!
	rping -c -a $V4 -p 7240 -C 1000000 > "$LOG/killed.client2" 2>&1 &
	cpid=$!
	sleep 3
	_ok=0
	for p in $_c1 $cpid; do
		kill -0 $p || { echo "client $p not running"; _ok=1; }
	done
	kill -9 $spid $_c1 $cpid
	wait $spid $_c1 $cpid 2> /dev/null
	spid=
	cpid=
	wait_for 10 sh -c "! rdma resource show qp 2> /dev/null | grep -q siwcm0" ||
		{ echo "QPs left"; rdma resource show qp; _ok=1; }
	! listening 7240 || { echo "listener left"; _ok=1; }
	return $_ok
}

tap_check "load siw, siwcm0 on dummy cm0" setup

tap_check "rping IPv4, verified, 10 rounds" \
	pair v4 7200 "rping -s -a $V4 -p 7200 -C 10 -S 100" \
	"rping -c -a $V4 -p 7200 -C 10 -V -S 100"
tap_check "rping IPv4, 60000 bytes, 10 rounds" \
	pair v4big 7201 "rping -s -a $V4 -p 7201 -C 10 -S 60000" \
	"rping -c -a $V4 -p 7201 -C 10 -V -S 60000"
tap_check "rping IPv6, verified, 10 rounds" \
	pair v6 7202 "rping -s -a $V6 -p 7202 -C 10 -S 100" \
	"rping -c -a $V6 -p 7202 -C 10 -V -S 100"
tap_check "rping IPv4, client bound to the source address" \
	pair v4src 7203 "rping -s -a $V4 -p 7203 -C 3" "rping -c -I $V4 -a $V4 -p 7203 -C 3 -V"

tap_check "connect without a listener fails cleanly (IPv4)" \
	connect_fails rping -c -a $V4 -p 7299 -C 1
tap_check "connect without a listener fails cleanly (IPv6)" \
	connect_fails rping -c -a $V6 -p 7299 -C 1

# A listener is a kernel socket: it appears and goes with the server.
rping -s -a $V4 -p 7210 > "$LOG/listen.server" 2>&1 &
spid=$!
tap_check "listener appears on port 7210" wait_for 5 listening 7210
kill $spid
wait $spid 2> /dev/null
spid=
tap_check "listener gone once the server exits" \
	sh -c "! ss -Hltn 'sport = :7210' | grep -q LISTEN"
tap_check "connect to the closed listener fails cleanly" \
	connect_fails rping -c -a $V4 -p 7210 -C 1
tap_check "a new listener on the same port serves again" \
	pair relisten 7210 "rping -s -a $V4 -p 7210 -C 2" "rping -c -a $V4 -p 7210 -C 2 -V"

if command -v ucmatose > /dev/null; then
	tap_check "ucmatose: 50 connections at once" \
		pair many 7220 "ucmatose -b $V4 -p 7220 -c 50 -C 10" \
		"ucmatose -s $V4 -p 7220 -c 50 -C 10"
	tap_check "ucmatose: wildcard IPv4 listener" \
		pair wild4 7221 "ucmatose -p 7221 -c 5 -C 5" "ucmatose -s $V4 -p 7221 -c 5 -C 5"
	tap_check "ucmatose: wildcard IPv6 listener, IPv6 client" \
		pair wild6 7222 "ucmatose -f ipv6 -b :: -p 7222 -c 5 -C 5" \
		"ucmatose -f ipv6 -s $V6 -p 7222 -c 5 -C 5"
	tap_check "ucmatose: IPv4 client to a dual-stack IPv6 wildcard listener" \
		pair wild46 7224 "ucmatose -f ipv6 -b :: -p 7224 -c 2 -C 5" \
		"ucmatose -s $V4 -p 7224 -c 2 -C 5"
	ip link add cm1 type dummy
	ip addr add $V4B/24 dev cm1
	ip link set cm1 up
	tap_check "second siw device siwcm1 on dummy cm1" \
		rdma link add siwcm1 type siw netdev cm1
	tap_check "ucmatose: one wildcard listener on two siw devices" wild2
	tap_check "second device removed" rdma link delete siwcm1
else
	tap_diag "no ucmatose: many/wildcard connection cases skipped"
fi

_n=0
while [ $_n -lt 10 ]; do
	pair cycle 7230 "rping -s -a $V4 -p 7230 -C 1" \
		"rping -c -a $V4 -p 7230 -C 1 -V" > "$LOG/cycle.out" || break
	_n=$((_n + 1))
done
[ $_n = 10 ] || cat "$LOG/cycle.out"
tap_eq "10 connect/disconnect cycles" 10 $_n

tap_check "no QP left once the programs ended" \
	sh -c "[ -z \"\$(rdma resource show qp 2> /dev/null | grep siwcm0)\" ]"

tap_check "programs killed under live connections: all torn down" killed
tap_check "the device still serves afterwards" \
	pair after 7241 "rping -s -a $V4 -p 7241 -C 3" "rping -c -a $V4 -p 7241 -C 3 -V"
dmesg_mark
tap_check "rdma link delete" rdma link delete siwcm0
tap_check "unload" siw_unload
tap_check "no connection endpoint left at unload" \
	sh -c "! dmesg | tail -n +$((_dmesg_mark + 1)) | grep -q 'endpoints were still referenced'"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
