#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Interop with Linux's in-tree siw (built from Debian's linux-source by
# scripts/build-linux-siw.sh, renamed siw_linux) in one kernel: rping with
# data verification in both directions, with our side speaking MPA v2 and
# v1, with and without CRC (rping sizes up to its 64 KiB maximum).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
LINUX_KO=$SIW_TOP/build/linux-siw/$(uname -r)/siw_linux.ko
[ -r "$LINUX_KO" ] || tap_skip_all "no $LINUX_KO (scripts/build-linux-siw.sh)"
command -v rping > /dev/null || tap_skip_all "no rping"

OURS=10.99.2.1
THEIRS=10.99.2.2

teardown() {
	rdma link delete siw0 2> /dev/null
	rdma link delete lsiw0 2> /dev/null
	rmmod siw 2> /dev/null
	rmmod siw_linux 2> /dev/null
}

cleanup() {
	teardown
	ip link del id0 2> /dev/null
	ip link del id1 2> /dev/null
}
trap cleanup EXIT
siw_loaded && siw_unload

ip link add id0 type dummy
ip addr add $OURS/24 dev id0
ip link set id0 up
ip link add id1 type dummy
ip addr add $THEIRS/24 dev id1
ip link set id1 up

# Both drivers register as RDMA_DRIVER_SIW, and each one's module exit
# removes every device of that driver id: always set up and tear down both.
setup() {
	siw_load "$@" && insmod "$LINUX_KO" &&
		rdma link add siw0 type siw netdev id0 &&
		rdma link add lsiw0 type siw_linux netdev id1
}

# rping_pair SERVER_ADDR CLIENT_SRC SIZE: one verified rping session.
rping_pair() {
	rping -s -a "$1" -C 10 -S "$3" > /tmp/interop-server.log 2>&1 &
	_spid=$!
	siw_wait_listen 7174
	timeout 120 rping -c -a "$1" -I "$2" -C 10 -V -S "$3" > /tmp/interop-client.log 2>&1
	_rc=$?
	kill $_spid 2> /dev/null
	wait $_spid 2> /dev/null
	[ $_rc = 0 ] || { tail -n 5 /tmp/interop-client.log /tmp/interop-server.log; return 1; }
}

for mode in "default" "mpa_crc_required=1" "mpa_rev=1" "mpa_rev=1 mpa_crc_required=1"; do
	params=
	[ "$mode" = default ] || params=$mode
	# shellcheck disable=SC2086
	if ! setup $params; then
		tap_not_ok "[$mode] set up both drivers"
		teardown
		continue
	fi
	for size in 64 4096 65535; do
		case $mode in
		mpa_rev=1*)
			# Linux's siw always initiates with enhanced MPA v2 and
			# refuses a v1 reply (RFC 6581 leaves it the choice):
			# the connection must fail cleanly, not hang.
			tap_check_fails "[$mode] Linux siw client -> our v1 server is refused, $size bytes" \
				rping_pair $OURS $THEIRS $size
			;;
		*)
			tap_check "[$mode] Linux siw client -> our server, $size bytes" \
				rping_pair $OURS $THEIRS $size
			;;
		esac
		tap_check "[$mode] our client -> Linux siw server, $size bytes" \
			rping_pair $THEIRS $OURS $size
	done
	teardown
done

# GSO FPDUs: Linux's siw echoes our request's offer (0x08) in its reply
# but never sets the acceptance bit: our QP must stay on MSS-sized FPDUs.
CTL=$SIW_TOP/build/ctl/siwctl
qp_gso() { # DEV: the gso field of its QP in RTS ("" while there is none)
	"$CTL" -j qp show dev "$1" state rts 2> /dev/null | tr ',{}' '\n\n\n' |
		sed -n 's/^ *"gso": *//p' | head -n 1
}
qp_connected() {
	[ -n "$(qp_gso "$1")" ]
}
if [ -x "$CTL" ] && setup; then
	rping -s -a $THEIRS -C 1000 -S 4096 > /tmp/interop-server.log 2>&1 &
	spid=$!
	siw_wait_listen 7174
	rping -c -a $THEIRS -I $OURS -C 1000 -V -S 4096 > /tmp/interop-client.log 2>&1 &
	cpid=$!
	wait_for 60 qp_connected siw0
	tap_eq "[gso] our client -> Linux siw server: GSO FPDUs not negotiated" false "$(qp_gso siw0)"
	kill $cpid $spid 2> /dev/null
	wait $cpid $spid 2> /dev/null
	teardown
else
	tap_not_ok "[gso] set up both drivers (and siwctl)"
fi

# RFC 7306: Linux's siw does not speak the extensions. Our provider's
# atomic and immediate posts towards it must fail at post time, and a
# plain Send must still arrive (no Terminate from the peer).
EXT_BIN=$SIW_TOP/build/selftests/siw/verbs_rdmap_ext
if [ -x "$EXT_BIN" ] && [ -r "$SIW_TOP/build/userlib/libsiw-rdmav34.so" ] &&
	make -s -C "$SIW_TOP/userlib" install > /dev/null 2>&1; then
	if setup; then
		RDMAP_EXT_SERVER=$THEIRS RDMAP_EXT_CLIENT_SRC=$OURS "$EXT_BIN" \
			> /tmp/interop-ext.tap 2>&1
		while read -r _line; do
			case "$_line" in
			"ok "*) tap_ok "[rfc7306] ${_line#ok * - }" ;;
			"not ok "*) tap_not_ok "[rfc7306] ${_line#not ok * - }" ;;
			esac
		done < /tmp/interop-ext.tap
		grep -q '^ok' /tmp/interop-ext.tap ||
			tap_not_ok "[rfc7306] no result: $(tail -n 3 /tmp/interop-ext.tap)"
	else
		tap_not_ok "[rfc7306] set up both drivers"
	fi
	teardown
	make -s -C "$SIW_TOP/userlib" uninstall > /dev/null 2>&1
else
	tap_not_ok "[rfc7306] no provider or verbs_rdmap_ext build"
fi

tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
