#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A hostile TCP peer against a siw listener (helpers/ping_listener, an
# rping server; not rping -s -P, whose threads race on failing
# connections): malformed MPA and DDP/RDMAP frames get a Terminate or a
# closed connection; the listener keeps serving a well-behaved client and
# the kernel stays clean.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_loaded && siw_unload
command -v rping > /dev/null || tap_skip_all "no rping"
LISTENER=$SIW_TOP/build/selftests/helpers/ping_listener
[ -x "$LISTENER" ] || tap_skip_all "no $LISTENER: make -C selftests/siw"

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

"$LISTENER" 10.99.1.1 7174 > /tmp/hostile-server.log 2>&1 &
spid=$!
tap_check "ping_listener listening" wait_for 20 grep -q listening /tmp/hostile-server.log

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
tap_check "the listener is still running" kill -0 "$spid"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
