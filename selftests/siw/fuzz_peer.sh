#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A mutating TCP peer (fuzz_peer.py) against a siw listener for
# SIW_FUZZ_SECONDS (default 20 in make check; SIW_FUZZ_SEED replays a
# run). The listener is helpers/ping_listener.c, a single-threaded rping
# server: rping -s -P's threads can call rdma_reject or accept again on a
# cm_id already accepted, which trips a BUG_ON in the kernel's iw_cm
# (iwcm.c cm_conn_est_handler) whatever the driver does; see
# Documentation/hostile-input.md. Then the same listener must still serve
# a well-behaved rping client with verified data, every siw object must
# be gone once it exits (rdma resource and siw's own netlink counters),
# the module must unload, and the kernel log must stay clean.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_loaded && siw_unload
command -v rping > /dev/null || tap_skip_all "no rping"
LISTENER=$SIW_TOP/build/selftests/helpers/ping_listener
[ -x "$LISTENER" ] || tap_skip_all "no $LISTENER: make -C selftests/siw"
export SIW_FUZZ_SECONDS=${SIW_FUZZ_SECONDS:-20}

ADDR=10.99.13.1
PORT=7175
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
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

"$LISTENER" $ADDR $PORT > /tmp/fuzz-server.log 2>&1 &
spid=$!
tap_check "ping_listener listening on $ADDR:$PORT" \
	wait_for 20 grep -q listening /tmp/fuzz-server.log
tap_check "before fuzzing: rping client, 3 rounds of 4 KiB, data verified" \
	timeout 60 rping -c -a $ADDR -p $PORT -C 3 -V -S 4096

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
tap_check "listener survives: well-behaved rping client, data verified" \
	timeout 60 rping -c -a $ADDR -p $PORT -C 3 -V -S 100
tap_check "the listener is still running" kill -0 "$spid"
kill -TERM "$spid"
wait "$spid"
tap_eq "the listener exits cleanly" 0 $?
spid=
sed 's/^/# /' /tmp/fuzz-server.log | tail -n 3

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
