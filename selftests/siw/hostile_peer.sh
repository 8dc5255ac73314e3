#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A hostile TCP peer against a siw listener (rping -s -P): malformed MPA
# and DDP/RDMAP frames get a Terminate or a closed connection; the
# listener keeps serving a well-behaved client and the kernel stays clean.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_loaded && siw_unload
command -v rping > /dev/null || tap_skip_all "no rping"

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	rdma link delete siwh0 2> /dev/null
	ip link del hd0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

tap_check "load siw" siw_load
ip link add hd0 type dummy
ip addr add 10.99.1.1/24 dev hd0
ip link set hd0 up
tap_check "siw device on hd0" rdma link add siwh0 type siw netdev hd0

rping -s -P -a 10.99.1.1 -p 7174 > /tmp/hostile-server.log 2>&1 &
spid=$!
siw_wait_listen 7174

/usr/bin/python3 "$(dirname "$0")/hostile_peer.py" 10.99.1.1 7174 > /tmp/hostile.tap 2>&1
tap_n_before=$tap_n
while read -r line; do
	case "$line" in
	"ok "*) tap_ok "hostile peer: ${line#ok * - }" ;;
	"not ok "*) tap_not_ok "hostile peer: ${line#not ok * - }" ;;
	*) echo "# $line" ;;
	esac
done < /tmp/hostile.tap
[ $tap_n -gt "$tap_n_before" ] || tap_not_ok "hostile peer ran no case"

tap_check "listener survives: well-behaved rping client" \
	timeout 60 rping -c -a 10.99.1.1 -p 7174 -C 3 -V -S 100
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
