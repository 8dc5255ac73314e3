#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Scale (Documentation/limits.md, "Scale"): SCALE_N rdma_cm connections
# (default 256) on one siw device, at most SCALE_CONC (default 256) set
# up at once, then Sends on every one of them with each receiver
# checking its messages; siw's live-object counts while all are up and
# after teardown, and the kernel memory per QP (qp_scale). For the big
# run: SCALE_N=4096 (8192 QPs on the device).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/faults.sh"
siw_require_vm
QP_SCALE=$SIW_TOP/build/selftests/helpers/qp_scale
[ -x "$CTL" ] || tap_skip_all "no $CTL: build it with make -C ctl"
[ -x "$QP_SCALE" ] || tap_skip_all "no $QP_SCALE: build it with make -C selftests/siw"

N=${SCALE_N:-256}
CONC=${SCALE_CONC:-256}
ADDR=10.99.12.1
LOG=${TMPDIR:-/tmp}/scale
rm -rf "$LOG"
mkdir -p "$LOG"

cleanup() {
	rdma link delete scsiw 2> /dev/null
	ip link del sc0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

siw_loaded && siw_unload
dmesg_mark
# All setups start at once and the server accepts them one by one: on
# the debug kernel (SIW_TIME_SCALE=8) the last ones wait for their MPA
# reply longer than the default 10 s.
siw_dummy_up sc0 $ADDR scsiw mpa_timeout_ms=$((10000 * ${SIW_TIME_SCALE:-1})) ||
	tap_skip_all "cannot set up scsiw"
# Every connection's listening child and both TCP ends: room to spare.
sysctl -qw net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192
ulimit -n 65536 2> /dev/null

t0=$(date +%s)
QP_SCALE_DIAG="$CTL -s qp show dev scsiw qpn" timeout 900 "$QP_SCALE" $ADDR -n "$N" -C "$CONC" -k 4 -S 1024 \
	-x "$CTL -j objects > $LOG/objects.json" > "$LOG/out" 2> "$LOG/err"
rc=$?
sed 's/^/# /' "$LOG/out"
tail -n 5 "$LOG/err" | sed 's/^/# stderr: /'
val() { tr ' ' '\n' < "$LOG/out" | sed -n "s/^$1=//p" | head -n 1; }
tap_eq "$N connections up, $CONC setups at most in flight" "$N/$N" "$(val connections)"
tap_check "peak setups in flight reached min(N, C)" \
	[ "$(val peak_inflight)" -ge "$(( N < CONC ? N : CONC ))" ]
tap_eq "Sends on every connection, each receiver got its 4 intact" ok "$(val traffic)"
qps=$(tr -d '{}" ' < "$LOG/objects.json" | tr ',' '\n' | sed -n 's/^qps://p')
tap_eq "siw counted $((2 * N)) live QPs while all were up" $((2 * N)) "$qps"
ceps=$(tr -d '{}" ' < "$LOG/objects.json" | tr ',' '\n' | sed -n 's/^ceps://p')
tap_check "and at least $((2 * N)) connection endpoints ($ceps)" [ "${ceps:-0}" -ge $((2 * N)) ]
tap_eq "qp_scale exit status" 0 $rc
tap_diag "scale: $N connections, $((2 * N)) QPs: $(val kib_per_qp) KiB kernel memory per QP (slab + vmalloc), setup $(val setup_s) s, traffic $(val traffic_s) s, teardown $(val teardown_s) s, $(( $(date +%s) - t0 )) s in all"
tap_objects_idle "after teardown every count is idle" 1
tap_check "rdma link delete, rmmod" sh -c "rdma link delete scsiw && rmmod siw"
tap_check "unload logged no leak" sh -c "! dmesg | grep -q 'still live'"
tap_check "no WARN, BUG or oops in the kernel log" dmesg_clean
tap_done
