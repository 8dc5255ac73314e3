#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A mutating TCP peer (fuzz_peer.py) against a siw listener (rping -s -P)
# for SIW_FUZZ_SECONDS (default 45; SIW_FUZZ_SEED replays a run). Then
# the listener must still serve a well-behaved rping client with
# verified data, every siw object must be gone once the server exits
# (rdma resource and siw's own netlink counters), the module must
# unload, and the kernel log must stay clean.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
# Off by default until the iw_cm race below is fixed or avoided: under
# this churn rping -s -P can end in "kernel BUG at iwcm.c:862"
# (cm_conn_est_handler: ESTABLISHED queued by a successful accept, then
# a second accept or a reject on the same cm_id moved it to IDLE), which
# panics the VM and takes the rest of the suite with it.
# SIW_FUZZ_PEER=1 runs it (see Documentation/hostile-input.md).
[ "${SIW_FUZZ_PEER:-0}" = 1 ] ||
	tap_skip_all "SIW_FUZZ_PEER=1 runs it (iw_cm BUG under rping -P churn)"
siw_loaded && siw_unload
command -v rping > /dev/null || tap_skip_all "no rping"

ADDR=10.99.13.1
PORT=7175
cleanup() {
	rm -f /tmp/fuzz-running
	[ -n "$spid" ] && kill "$spid" 2> /dev/null
	[ -n "$supervisor" ] && wait "$supervisor" 2> /dev/null
	rdma link delete siwf0 2> /dev/null
	ip link del hf0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

# siw_counts: "num-qp=0 num-cq=0 ..." from siw's dev-get (needs YNL).
siw_counts() {
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
from siwynl import YnlFamily, SPEC
d = YnlFamily(SPEC).do("dev-get", {"name": "siwf0"})
print(" ".join("%s=%d" % (k, d[k]) for k in ("num-qp", "num-cq", "num-srq",
      "num-mr", "num-pd", "num-cep", "num-ucontext")))
' "$SIW_TOP/selftests/lib"
}

dmesg_mark
tap_check "load siw" siw_load
ip link add hf0 type dummy
ip addr add $ADDR/24 dev hf0
ip link set hf0 up
tap_check "siw device on hf0" rdma link add siwf0 type siw netdev hf0

# rping -s -P itself is not robust against connections aborted at every
# step: its error paths free a connection's state while the CM event
# thread may still use it, and it can die of that (a segfault in user
# space). A supervisor restarts it, and the restarts are reported; what
# siw must guarantee (the kernel, the listener port, the objects) is
# checked below regardless.
touch /tmp/fuzz-running
rm -f /tmp/fuzz-restarts
(
	while [ -e /tmp/fuzz-running ]; do
		rping -s -P -a $ADDR -p $PORT >> /tmp/fuzz-server.log 2>&1 &
		echo $! > /tmp/fuzz-rping.pid
		wait $!
		[ -e /tmp/fuzz-running ] && echo restart >> /tmp/fuzz-restarts
	done
) &
supervisor=$!
siw_wait_listen $PORT

PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$(dirname "$0")/fuzz_peer.py" \
	$ADDR $PORT > /tmp/fuzz-peer.tap 2>&1
rc=$?
n_before=$tap_n
while read -r line; do
	case "$line" in
	"ok "*) tap_ok "fuzz peer: ${line#ok * - }" ;;
	"not ok "*) tap_not_ok "fuzz peer: ${line#not ok * - }" ;;
	"1.."*) ;;
	*) echo "# $line" ;;
	esac
done < /tmp/fuzz-peer.tap
[ $tap_n -gt "$n_before" ] || tap_not_ok "fuzz peer ran to the end (exit $rc)"
rm -f /tmp/fuzz-running
restarts=$(cat /tmp/fuzz-restarts 2> /dev/null | wc -l)
if [ "$restarts" != 0 ]; then
	echo "# rping -s -P died $restarts time(s) and was restarted:"
	dmesg | grep 'rping.*segfault' | sed 's/^/#   /'
fi
siw_wait_listen $PORT
spid=$(cat /tmp/fuzz-rping.pid)

tap_check "listener survives: well-behaved rping client, data verified" \
	timeout 60 rping -c -a $ADDR -p $PORT -C 3 -V -S 100
tap_check "rping server still running" kill -0 "$spid"
kill "$spid"
wait "$supervisor" 2> /dev/null
spid= supervisor=

# Everything the connections created must go with the server process.
wait_for 20 sh -c '! rdma resource show qp | grep -q siwf0'
tap_check "no QP left (rdma resource)" sh -c '! rdma resource show qp | grep siwf0'
tap_check "no cm_id left (rdma resource)" sh -c '! rdma resource show cm_id | grep -E "siwf0|$ADDR"'
if [ -r "$SIW_TOP/build/ynl/linux-source-6.12/tools/net/ynl/cli.py" ]; then
	counts=$(siw_counts)
	echo "# siw counters: $counts"
	tap_eq "siw counts back to zero (netlink dev-get)" \
		"num-qp=0 num-cq=0 num-srq=0 num-mr=0 num-pd=0 num-cep=0 num-ucontext=0" \
		"$counts"
else
	tap_ok "siw counts back to zero # SKIP no YNL tools"
fi
tap_check "rdma link delete, unload" sh -c "rdma link delete siwf0 && rmmod siw"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
