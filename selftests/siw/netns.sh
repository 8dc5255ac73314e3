#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# siw and network namespaces: two namespaces joined by a veth pair with a
# 1500-byte MTU (a two-host topology on one machine), each with its own
# siw device. The data path between them (verified rping, perftest Write,
# Read, Send, latency, RFC 7306 atomics through our provider), listeners
# and siw's netlink family per namespace, a device following its netdev
# into another namespace with its settings, and the RDMA core's exclusive
# mode: devices visible only in their namespace, `rdma dev set ... netns`,
# and a namespace deleted under a device.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/traffic.sh"
siw_require_vm
command -v rping > /dev/null || tap_skip_all "no rping"
command -v ib_write_bw > /dev/null || tap_skip_all "no perftest"
CTL=$SIW_TOP/build/ctl/siwctl
[ -x "$CTL" ] || tap_skip_all "no $CTL: make userprogs"
LIB=$SIW_TOP/build/userlib/libsiw-rdmav34.so
PY=/usr/bin/python3
siw_loaded && siw_unload

A_ADDR=10.98.0.1
B_ADDR=10.98.0.2
LOG=${TMPDIR:-/tmp}/siw-netns
rm -rf "$LOG"
mkdir -p "$LOG"
spid=
userlib=

in_a() { ip netns exec nsa "$@"; }
in_b() { ip netns exec nsb "$@"; }

teardown_ns() {
	ip netns del nsa 2> /dev/null
	ip netns del nsb 2> /dev/null
	ip link del vx0 2> /dev/null
	# Devices go with their netdevs, from the core's work queue.
	wait_for 20 sh -c '! ls /sys/class/infiniband 2> /dev/null | grep -q siw'
}

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	teardown_ns
	rdma system set netns shared 2> /dev/null
	siw_loaded && siw_unload
	[ -n "$userlib" ] && make -s -C "$SIW_TOP/userlib" uninstall > /dev/null 2>&1
}
trap cleanup EXIT

# topology: nsa (va, A_ADDR) <-veth-> nsb (vb, B_ADDR)
topology() {
	ip netns add nsa && ip netns add nsb &&
		ip link add va type veth peer name vb &&
		ip link set va netns nsa && ip link set vb netns nsb &&
		in_a ip addr add $A_ADDR/24 dev va && in_b ip addr add $B_ADDR/24 dev vb &&
		in_a ip link set va up && in_b ip link set vb up &&
		in_a ip link set lo up && in_b ip link set lo up &&
		[ "$(in_a cat /sys/class/net/va/mtu)" = 1500 ]
}

# siw devices on both ends, created from inside their namespace.
devices() {
	in_a rdma link add siwa type siw netdev va &&
		in_b rdma link add siwb type siw netdev vb &&
		wait_for 10 siw_port_state_is_in nsa siwa ACTIVE &&
		wait_for 10 siw_port_state_is_in nsb siwb ACTIVE
}

# logged PATTERN: the kernel logged PATTERN since dmesg_mark.
logged() {
	dmesg_since_mark | grep -q "$1"
}

siw_port_state_is_in() {
	[ "$(ip netns exec "$1" sed 's/^[0-9]*: *//' "/sys/class/infiniband/$2/ports/1/state")" = "$3" ]
}

# in_ns NS CMD...: CMD in namespace NS, or in the initial one for "init".
in_ns() {
	_ns=$1
	shift
	if [ "$_ns" = init ]; then
		"$@"
	else
		ip netns exec "$_ns" "$@"
	fi
}

# ctl_devs NS: the siw devices siwctl lists in namespace NS, sorted.
ctl_devs() {
	in_ns "$1" "$CTL" -j dev show > "$LOG/devs.$1.json" 2>&1 || return 1
	$PY -c 'import json, sys
print(" ".join(sorted(d["name"] for d in json.load(open(sys.argv[1])))))' "$LOG/devs.$1.json"
}

# ctl_dev_field NS DEV FIELD: one field of siwctl's JSON for DEV in NS.
ctl_dev_field() {
	in_ns "$1" "$CTL" -j dev show "$2" > "$LOG/dev.$2.json" 2>&1 || return 1
	$PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
print(d[sys.argv[2]])' "$LOG/dev.$2.json" "$3"
}

# rdma_devs NS: the RDMA devices `rdma dev` lists in namespace NS.
rdma_devs() {
	in_ns "$1" rdma dev show | awk '{ sub(":", "", $2); print $2 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# datapath full|short: the data path from nsa (client) to nsb (server).
datapath() {
	SRV_NS=nsb
	CLI_NS=nsa
	ADDR=$B_ADDR
	if [ "$1" = full ]; then
		for size in 64 4096 60000; do
			tap_check "rping nsa -> nsb, $size bytes, verified" rping_pair $size
		done
		perf_check "ib_read_bw nsa -> nsb" ib_read_bw -s 65536 -n 200
		perf_check "ib_send_bw nsa -> nsb" ib_send_bw -s 65536 -n 300
		perf_check "ib_write_lat nsa -> nsb" ib_write_lat -s 8 -n 200
	else
		tap_check "rping nsa -> nsb, 4096 bytes, verified" rping_pair 4096
	fi
	perf_check "ib_write_bw nsa -> nsb" ib_write_bw -s 65536 -n 300
	if [ -n "$userlib" ]; then
		perf_check "ib_atomic_bw (Fetch-and-Add) nsa -> nsb" \
			ib_atomic_bw -A FETCH_AND_ADD -n 200
	else
		tap_not_ok "ib_atomic_bw nsa -> nsb: our provider is not installed"
	fi
	SRV_NS= CLI_NS=
}

# rping server in NS on PORT, in the background; sets spid.
rping_server() {
	ip netns exec "$1" rping -s -P -p "$2" > "$LOG/rping-srv.$1.$2" 2>&1 &
	spid=$!
	SIW_LISTEN_NS=$1 siw_wait_listen "$2"
}

# Listeners are per namespace: the same wildcard port in both, and a
# listener in nsa does not hear a connection made inside nsb.
listeners() {
	rping_server nsa 7300
	_pa=$spid
	rping_server nsb 7300
	_pb=$spid
	spid=
	tap_check "wildcard listeners on port 7300 in both namespaces" \
		kill -0 $_pa $_pb
	tap_check "rping in nsb reaches nsb's listener" \
		in_b timeout 60 rping -c -a $B_ADDR -p 7300 -C 5 -v -V -S 1024
	kill $_pb
	wait $_pb 2> /dev/null
	# Only nsa listens on 7301: a client in nsb to nsb's own address
	# must be refused, not handed to nsa's listener.
	rping_server nsa 7301
	_pc=$spid
	spid=
	tap_eq "nsa's listener took no port in nsb" "" \
		"$(in_b ss -Hltn 'sport = :7301')"
	in_b timeout 30 rping -c -a $B_ADDR -p 7301 -C 1 -v -S 64 > "$LOG/cross.client" 2>&1
	tap_eq "a client in nsb does not reach nsa's listener" 0 \
		"$(grep -c 'ping data' "$LOG/cross.client")"
	# A process left in a namespace keeps it alive, and the core
	# refuses exclusive mode while any namespace but the initial lives.
	kill $_pa $_pc
	wait $_pa $_pc 2> /dev/null
}

tap_check "load siw" siw_load
if [ -r "$LIB" ] && make -s -C "$SIW_TOP/userlib" install > "$LOG/userlib" 2>&1; then
	userlib=1
fi

# ---- shared mode (the default) ----
tap_check "two namespaces joined by veth, MTU 1500" topology
tap_check "siwa in nsa and siwb in nsb, ACTIVE" devices
tap_eq "siwctl in nsa lists siwa only" "siwa" "$(ctl_devs nsa)"
tap_eq "siwctl in nsb lists siwb only" "siwb" "$(ctl_devs nsb)"
tap_eq "siwctl in the initial namespace lists none" "" "$(ctl_devs init)"
datapath full
listeners

# A device follows its netdev into another namespace, keeping its name
# and settings, and back.
ip link add vx0 type veth peer name vx1
tap_check "siwx on vx0 in the initial namespace" \
	rdma link add siwx type siw netdev vx0
tap_check "siwctl dev set siwx crc on" "$CTL" dev set siwx crc on
tap_check "vx0 moves to nsa" ip link set vx0 netns nsa
tap_check "siwx follows vx0 into nsa" \
	wait_for 20 sh -c "ip netns exec nsa $CTL -j dev show siwx | grep -q vx0"
tap_eq "siwx kept its setting crc on" "True" "$(ctl_dev_field nsa siwx crc_required)"
tap_eq "siwctl in the initial namespace no longer lists siwx" "" "$(ctl_devs init)"
tap_check "vx0 moves back" in_a ip link set vx0 netns 1
tap_check "siwx follows it back" \
	wait_for 20 sh -c "$CTL -j dev show siwx | grep -q vx0"
tap_eq "siwctl in nsa lists siwa only again" "siwa" "$(ctl_devs nsa)"
ip link del vx0
tap_check "deleting the namespaces removes siwa, siwb and siwx" teardown_ns

# ---- exclusive mode ----
# The core refuses while any other namespace exists; deleted ones are
# dismantled in the background.
tap_check "rdma system set netns exclusive" \
	wait_for 30 rdma system set netns exclusive
tap_check "namespaces again" topology
tap_check "siwa and siwb created inside their namespaces" devices
tap_eq "rdma dev in nsa: siwa only" "siwa" "$(rdma_devs nsa)"
tap_eq "rdma dev in nsb: siwb only" "siwb" "$(rdma_devs nsb)"
tap_eq "rdma dev in the initial namespace: none" "" "$(rdma_devs init)"
datapath short

# `rdma dev set ... netns`: the core disassociates and moves the device;
# moving its netdev after it re-creates it there.
ip link add vx0 type veth peer name vx1
tap_check "siwx on vx0 in the initial namespace" \
	rdma link add siwx type siw netdev vx0
tap_eq "rdma dev in the initial namespace: siwx" "siwx" "$(rdma_devs init)"
tap_check "rdma dev set siwx netns nsa" rdma dev set siwx netns nsa
tap_eq "rdma dev in nsa: siwa siwx" "siwa siwx" "$(rdma_devs nsa)"
tap_eq "rdma dev in the initial namespace: none" "" "$(rdma_devs init)"
dmesg_mark
tap_check "vx0 moves to nsa" ip link set vx0 netns nsa
tap_check "siwx is re-created in nsa" wait_for 20 logged 'siwx: attached to vx0'
tap_eq "rdma dev in nsa after the move: siwa siwx" "siwa siwx" "$(rdma_devs nsa)"
dmesg_mark
tap_check "ip netns del nsa" ip netns del nsa
tap_check "siwa goes with va" wait_for 20 logged 'siwa: removed from va'
tap_check "siwx goes with vx0" wait_for 20 logged 'siwx: removed from vx0'
teardown_ns
tap_check "rdma system set netns shared" rdma system set netns shared

tap_check "unload siw: nothing left holding it" siw_unload
tap_check "kernel log clean" dmesg_clean
tap_done
