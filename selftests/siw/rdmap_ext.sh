#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# RFC 7306 atomics and immediate data, with our provider installed in the
# guest: our C test (results, memory, errors, Send/Write with Immediate,
# a counter hit by 8 QPs and a CPU, a peer without the extensions),
# perftest's ib_atomic_bw/ib_atomic_lat with both operations, and
# qperf's Write with Immediate and atomic tests. Then the module
# parameter rdmap_ext=0: the extensions are not offered, posts fail.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/traffic.sh"
siw_require_vm
LIB=$SIW_TOP/build/userlib/libsiw-rdmav34.so
BIN=$SIW_TOP/build/selftests/siw
[ -r "$LIB" ] || tap_skip_all "no $LIB: make userprogs"
[ -x "$BIN/verbs_rdmap_ext" ] || tap_skip_all "no verbs_rdmap_ext: make -C selftests/siw"
siw_loaded && siw_unload

ADDR=10.99.11.1
LOG=${TMPDIR:-/tmp}/siw-rdmap-ext
mkdir -p "$LOG"
spid=

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	rdma link delete siw0 2> /dev/null
	ip link del xt0 2> /dev/null
	siw_loaded && siw_unload
	make -s -C "$SIW_TOP/userlib" uninstall > /dev/null 2>&1
}
trap cleanup EXIT

# c_test NAME [ENV...]: verbs_rdmap_ext, its checks folded in.
c_test() {
	_name=$1
	shift
	env "$@" "$BIN/verbs_rdmap_ext" > "$LOG/$_name.tap" 2>&1
	_rc=$?
	while read -r _line; do
		case "$_line" in
		"ok "*) tap_ok "$_name: ${_line#ok * - }" ;;
		"not ok "*) tap_not_ok "$_name: ${_line#not ok * - }" ;;
		"#"*) echo "$_line" ;;
		esac
	done < "$LOG/$_name.tap"
	case $_rc in
	0) ;;
	4) tap_not_ok "$_name skipped: $(grep -m1 SKIP "$LOG/$_name.tap")" ;;
	*) grep -q '^not ok' "$LOG/$_name.tap" || tap_not_ok "$_name exited $_rc" ;;
	esac
}

link_up() {
	siw_dummy_up xt0 $ADDR siw0 "$@"
}

link_down() {
	rdma link delete siw0 && ip link del xt0 && siw_unload
}

dmesg_mark
tap_check "make install of userlib" make -s -C "$SIW_TOP/userlib" install

c_test atomics+imm
c_test peer-without-ext RDMAP_EXT_PEER=noext

tap_check "siw0 up on xt0" link_up
for op in FETCH_AND_ADD CMP_AND_SWAP; do
	perf_check "ib_atomic_bw -A $op" ib_atomic_bw -n 500 -A $op
	perf_check "ib_atomic_lat -A $op" ib_atomic_lat -n 300 -A $op
done
if command -v qperf > /dev/null; then
	qperf > "$LOG/qperf.server" 2>&1 &
	spid=$!
	siw_wait_listen 19765
	for t in rc_rdma_write_lat rc_rdma_write_bw rc_compare_swap_mr rc_fetch_add_mr; do
		tap_check "qperf $t" qperf_run $t
	done
	kill $spid
	wait $spid 2> /dev/null
	spid=
fi
"$SIW_TOP/build/ctl/siwctl" -j dev show -s > "$LOG/siwctl.json" 2>&1
tap_check "siwctl counts Atomic Requests and Immediate Data sent" \
	/usr/bin/python3 -c "
import json, sys
d = json.load(open('$LOG/siwctl.json'))
d = d[0] if isinstance(d, list) else d
ops = d['stats']['ops']
sys.exit(not (ops['atomic_request']['tx_fpdus'] > 0 and
              ops['atomic_response']['rx_fpdus'] > 0 and
              ops['imm_data']['tx_fpdus'] > 0))"
rdma statistic show link siw0/1 > "$LOG/stats" 2>&1
tap_check "no Terminate sent or received in all of it" \
	sh -c "grep -q 'terminates_sent 0 ' $LOG/stats && grep -q 'terminates_received 0' $LOG/stats"
tap_check "siw0 down" link_down

# Not offered: every extended post fails at once, nothing on the wire.
tap_check "siw0 up with rdmap_ext=0" link_up rdmap_ext=0
LIBSIW_DEBUG=1 ib_atomic_bw -R -F -n 50 > "$LOG/noext.server" 2>&1 &
spid=$!
siw_wait_listen 18515
timeout 60 ib_atomic_bw -R -F -n 50 $ADDR > "$LOG/noext.client" 2>&1
_rc=$?
kill $spid 2> /dev/null
wait $spid 2> /dev/null
spid=
tap_check "ib_atomic_bw fails with rdmap_ext=0 (exit $_rc)" test $_rc != 0
tap_diag "$(grep -m1 -i 'fail\|error' "$LOG/noext.client")"
tap_check "siw0 down" link_down

tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
