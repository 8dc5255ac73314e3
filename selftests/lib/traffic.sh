# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Traffic helpers for the shell tests (sourced after tap.sh and siw.sh):
# a server/client pair with logs in $LOG, verified rping, and perftest
# runs whose result line goes to the TAP diagnostics. Callers set LOG
# (a directory) and ADDR (the server address), and may set SRV_NS and
# CLI_NS to run the server and the client in network namespaces.

# Line-buffered output: a program stopped by timeout loses what stdio
# still held, and that is often the line that says what went wrong.
LINEBUF=
command -v stdbuf > /dev/null && LINEBUF="stdbuf -oL -eL"

# pair NAME PORT SERVER_CMD CLIENT_CMD: server in the background, client
# once the server listens on PORT; both must succeed within two minutes
# (times SIW_TIME_SCALE: the debug kernel moves data 40 times slower).
# A failure prints what each end said last, the QPs still there and the
# kernel's last siw lines.
pair() {
	_name=$1
	rm -f "$LOG/$_name.qps"
	# ip netns exec execs the command: $spid is the server's own pid.
	${SRV_NS:+ip netns exec $SRV_NS} $LINEBUF $3 > "$LOG/$_name.server" 2>&1 &
	spid=$!
	SIW_LISTEN_NS=$SRV_NS siw_wait_listen "$2"
	_t0=$(date +%s)
	_end=$((_t0 + 120 * ${SIW_TIME_SCALE:-1}))
	${CLI_NS:+ip netns exec $CLI_NS} $LINEBUF $4 > "$LOG/$_name.client" 2>&1 &
	_cpid=$!
	while kill -0 $_cpid 2> /dev/null && [ "$(date +%s)" -lt $_end ]; do
		sleep 0.1
	done
	if kill -0 $_cpid 2> /dev/null; then
		pair_qps > "$LOG/$_name.qps"
		kill $_cpid
		wait $_cpid
		_rc=124
	else
		wait $_cpid
		_rc=$?
	fi
	# The server ends by itself once its client is done.
	_i=0
	while kill -0 $spid 2> /dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 $spid 2> /dev/null; then
		[ -s "$LOG/$_name.qps" ] || pair_qps > "$LOG/$_name.qps"
		kill $spid 2> /dev/null
	fi
	wait $spid
	_src=$?
	spid=
	[ $_rc = 0 ] && [ $_src = 0 ] && return 0
	# 124: the client hung; 143: the server was stopped after it.
	echo "client exit $_rc, server exit $_src, after $(($(date +%s) - _t0)) s"
	for _side in client server; do
		echo "$_side said last:"
		grep -v '^[ -]*$' "$LOG/$_name.$_side" | tail -n 6
	done
	[ -s "$LOG/$_name.qps" ] && { echo "QPs while it hung:"; cat "$LOG/$_name.qps"; }
	echo "kernel:"
	dmesg | grep -i siw | tail -n 6
	return 1
}

# The QPs of every namespace, with state, queues and counters (for a
# hang's report).
pair_qps() {
	for _ns in "" $SRV_NS $CLI_NS; do
		${_ns:+ip netns exec $_ns} "$SIW_TOP/build/ctl/siwctl" --stats qp show 2> /dev/null
	done | head -n 12
}

# rping_pair SIZE: 100 verified rounds. rping can exit 0 after a failure,
# so the client's "ping data:" lines are counted too.
rping_pair() {
	pair "rping-$1" 7174 "rping -s -a $ADDR -C 100 -v -S $1" \
		"rping -c -a $ADDR -C 100 -v -V -S $1" || return 1
	_pings=$(grep -c 'ping data:' "$LOG/rping-$1.client")
	[ "$_pings" = 100 ] || { echo "$_pings of 100 pings"; return 1; }
}

# perf_number VALUE: a finite number above zero? perftest divides by a
# CPU clock rate it measures itself; under TCG that comes out as zero now
# and then, and the run reports a rate of 0 or a latency of "inf": no
# measurement, not a slow one.
perf_number() {
	awk -v v="$1" 'BEGIN { exit !(v + 0 > 0 && v + 0 < 1e300) }'
}

# perf_pair TOOL ARGS...: a perftest pair (-R for rdma_cm, -F no CPU
# frequency warning); its result line goes to $LOG/result.
#
# With -R a perftest client connects twice: for the exchange, then for the
# test, while its server replaces its listener in between. A client that
# is quicker than its server is refused (TCP RST), and perftest gives up
# ("Failed to handle RDMA CM event", then crashes): that one case gets
# a second try, noted in $LOG/retried.
perf_pair() {
	_t=$1
	shift
	rm -f "$LOG/retried"
	if ! pair "$_t" 18515 "$_t -R -F $*" "$_t -R -F $* $ADDR"; then
		grep -q "Failed to handle RDMA CM event" "$LOG/$_t.client" ||
			return 1
		echo "$_t: client refused before its server listened again; retried" > "$LOG/retried"
		pair "$_t" 18515 "$_t -R -F $*" "$_t -R -F $* $ADDR" || return 1
	fi
	case $_t in
	*_lat)	# "#bytes #iterations t_min t_max t_typical t_avg ..."
		_res=$(awk '$1 ~ /^[0-9]+$/ && NF >= 6 { print $1 " bytes: typical " $5 " us, average " $6 " us" }' \
			"$LOG/$_t.client" | tail -n 1) ;;
	*)	# "#bytes #iterations BW peak BW average MsgRate"
		_res=$(awk '$1 ~ /^[0-9]+$/ && NF >= 5 { print $1 " bytes: " $4 " MB/s average" }' \
			"$LOG/$_t.client" | tail -n 1) ;;
	esac
	[ -n "$_res" ] || return 1
	echo "$_t $_res" > "$LOG/result"
}

# perf_check DESC TOOL ARGS...: perf_pair as one TAP check.
perf_check() {
	_desc=$1
	shift
	rm -f "$LOG/result"
	tap_check "$_desc" perf_pair "$@"
	[ -s "$LOG/retried" ] && tap_diag "$_desc: $(cat "$LOG/retried")"
	[ -s "$LOG/result" ] && tap_diag "$_desc: $(cat "$LOG/result")"
}

# qperf_run TEST: one qperf -cm1 test against the qperf server on $ADDR,
# which must report a result; prints its result lines as "# qperf TEST:
# ..." (or, failing, all it said). qperf's server sends the client its
# RDMA CM port before it listens there: a client that comes too soon is
# refused (TCP RST, "Event rejected"), and that one case gets a second
# try.
qperf_run() {
	timeout 120 qperf -cm1 -t 2 $ADDR "$1" > "$LOG/qperf.$1" 2>&1
	if grep -q 'unexpected event from RDMA CM: Event rejected' "$LOG/qperf.$1"; then
		echo "# qperf $1: refused before its server listened; retried"
		timeout 120 qperf -cm1 -t 2 $ADDR "$1" > "$LOG/qperf.$1" 2>&1
	fi
	if grep -Eq '(bw|latency|msg_rate) += +[0-9.]+ ' "$LOG/qperf.$1"; then
		grep -E 'bw|latency|msg_rate' "$LOG/qperf.$1" | sed "s/^ */# qperf $1: /"
		return 0
	fi
	echo "qperf $1:"
	cat "$LOG/qperf.$1"
	return 1
}
