#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# siwctl (ctl/), the operator's tool, against the module: device tables
# and JSON, settings and the kernel's refusals, QPs and their counters
# under perftest traffic, TX CPU changes under traffic, stats reset,
# fault rules breaking and then no longer breaking rping, the monitor
# group, the unprivileged caller, and dev add/del through rdma.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/traffic.sh"
siw_require_vm
CTL=$SIW_TOP/build/ctl/siwctl
[ -x "$CTL" ] || tap_skip_all "no $CTL: build it with make -C ctl"
command -v ib_write_bw > /dev/null || tap_skip_all "no perftest"
command -v rping > /dev/null || tap_skip_all "no rping"
PY=/usr/bin/python3

ADDR=10.99.11.1
N_WRITES=200
MSG=65536
WANT=$((N_WRITES * MSG))
T=${TMPDIR:-/tmp}/siwctl-test
rm -rf "$T"
mkdir -p "$T"
LOG=$T	# lib/traffic.sh's pair logs
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
mpid='' jpid='' spid='' cpid=''

cleanup() {
	for p in $mpid $jpid $spid $cpid; do
		kill "$p" 2> /dev/null
	done
	rdma link delete siw1 2> /dev/null
	rdma link delete siw0 2> /dev/null
	ip link del dp1 2> /dev/null
	ip link del dp0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

# tcol FILE HEADER: the cells of one column of a siwctl table.
tcol() {
	awk -v h="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == h) c = i; next }
		c { print $c }' "$1"
}

# pyj FILE EXPR: EXPR over the JSON in FILE (as d), printed.
pyj() {
	$PY -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1" 2>&1
}

# run NAME ARGS...: siwctl ARGS, stdout to $T/NAME.out, stderr to
# $T/NAME.err; the exit code is in $rc.
run() {
	_n=$1
	shift
	"$CTL" "$@" > "$T/$_n.out" 2> "$T/$_n.err"
	rc=$?
}

show_err() {
	sed 's/^/# stderr: /' "$T/$1.err" | head -n 3
}

# rping_count PORT: verified rping, 20 pings; prints how many the client
# verified (rping may exit 0 after a failed completion).
rping_count() {
	timeout 120 rping -s -a $ADDR -p "$1" -C 20 -v -S 4096 > "$T/rping-s.$1" 2>&1 &
	_s=$!
	siw_wait_listen "$1"
	timeout 120 rping -c -a $ADDR -p "$1" -C 20 -v -V -S 4096 > "$T/rping-c.$1" 2>&1
	wait $_s
	grep -c "ping data:" "$T/rping-c.$1"
}

# perf_start PORT N: ib_write_bw server and client in the background.
perf_start() {
	ib_write_bw -R -F -p "$1" -n "$2" -s $MSG -d siw0 > "$T/bw-s.$1" 2>&1 &
	spid=$!
	siw_wait_listen "$1"
	ib_write_bw -R -F -p "$1" -n "$2" -s $MSG -d siw0 $ADDR > "$T/bw-c.$1" 2>&1 &
	cpid=$!
}

# perf_wait: both ended with 0 within two minutes.
perf_wait() {
	_i=0
	while kill -0 $cpid 2> /dev/null && [ $_i -lt 1200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill $cpid $spid 2> /dev/null
	wait $cpid
	_c=$?
	wait $spid
	_s=$?
	cpid='' spid=''
	[ $_c = 0 ] && [ $_s = 0 ]
}

# wait_rts N: until at least N QPs of siw0 are in RTS (20 s). No
# Python here: this has to be quick.
rts_count() {
	"$CTL" qp show dev siw0 state rts | tail -n +2 | wc -l
}

# wait_writes: until a QP of siw0 has sent Write payload (20 s).
writes_seen() {
	"$CTL" -s qp show dev siw0 | tcol - WRITE_TX_BYTES | grep -q '^[1-9]'
}

wait_writes() {
	wait_for 20 writes_seen
}

wait_rts() {
	_i=0
	while [ "$(rts_count)" -lt "$1" ] && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(rts_count)" -ge "$1" ]
}

# --- the tool itself -------------------------------------------------
# (ctl/Makefile builds with -Wall -Wextra -Werror on the host; building
# it again here took 45 s under TCG.)
run version -V
tap_eq "siwctl -V prints the version" "0:siwctl" "$rc:$(cut -d' ' -f1 "$T/version.out")"
run help help
tap_eq "siwctl help: usage on stdout, exit 0" "0:1" \
	"$rc:$(grep -c '^Usage: siwctl' "$T/help.out")"
run bad frobnicate
tap_eq "unknown object: exit 2" "2" "$rc"
run bad dev set siw0 crc perhaps
tap_eq "dev set crc perhaps: usage error, exit 2" "2" "$rc"
show_err bad

# --- setup -----------------------------------------------------------
siw_loaded && siw_unload
dmesg_mark
siw_dummy_up dp0 $ADDR siw0 || tap_skip_all "cannot set up siw0"

# --- devices ---------------------------------------------------------
run dev dev show
tap_eq "dev show: siw0 on dp0, ACTIVE" "0:siw0 dp0 ACTIVE" \
	"$rc:$(tcol "$T/dev.out" NAME) $(tcol "$T/dev.out" NETDEV) $(tcol "$T/dev.out" STATE)"
run devj -j dev show
tap_eq "dev show -j: name, netdev, port_state, mpa_rev" "0:siw0 dp0 active 2" \
	"$rc:$(pyj "$T/devj.out" '" ".join(str(x) for x in (d[0]["name"], d[0]["netdev"], d[0]["port_state"], d[0]["mpa_rev"])) if len(d) == 1 else d')"
run dev1 -j dev show siw0
tap_eq "dev show siw0 (one device by name)" "0:siw0" "$rc:$(pyj "$T/dev1.out" 'd[0]["name"]')"
run nodev dev show nosuch0
tap_eq "dev show nosuch0: exit 1 with the kernel's reason" \
	"1:1" "$rc:$(grep -c 'nosuch0: no such siw device in this network namespace (ENODEV)' "$T/nodev.err")"
show_err nodev

run set dev set siw0 crc on tcp-nodelay off
run devj -j dev show
tap_eq "dev set crc on tcp-nodelay off: dev show -j reflects it" "0:True False" \
	"$rc:$(pyj "$T/devj.out" 'd[0]["crc_required"], d[0]["tcp_nodelay"]' | tr -d '(),')"
run dev dev show
tap_eq "dev show table: CRC on, NODELAY off" "on off" \
	"$(tcol "$T/dev.out" CRC) $(tcol "$T/dev.out" NODELAY)"
ynl=$SIW_TOP/build/ynl/linux-source-6.12
if [ -r "$ynl/tools/net/ynl/cli.py" ]; then
	$PY "$ynl/tools/net/ynl/cli.py" --spec "$ynl/Documentation/netlink/specs/siw.yaml" \
		--do dev-get --json '{"name": "siw0"}' > "$T/ynl.out" 2>&1
	tap_eq "the kernel's YNL client sees crc-required 1, tcp-nodelay 0" "1:1" \
		"$(grep -c "'crc-required': 1" "$T/ynl.out"):$(grep -c "'tcp-nodelay': 0" "$T/ynl.out")"
fi
run set dev set siw0 tcp-nodelay on crc off
tap_eq "dev set back" "0" "$rc"

run inval dev set siw0 mpa-rev 3
tap_eq "dev set mpa-rev 3: exit 1, the policy's range in the message" "1:1" \
	"$rc:$(grep -c 'mpa-rev: integer out of range, valid 1 to 2 (ERANGE)' "$T/inval.err")"
show_err inval
run inval dev set siw0 p2p on markers on
tap_eq "dev set p2p on markers on: exit 1 with siw's extack text" "1:1" \
	"$rc:$(grep -c 'peer-to-peer mode needs MPA revision 2 and no markers (EINVAL)' "$T/inval.err")"
show_err inval
run devj -j dev show
tap_eq "refused settings changed nothing" "2 False False" \
	"$(pyj "$T/devj.out" 'd[0]["mpa_rev"], d[0]["peer_to_peer"], d[0]["markers"]' | tr -d '(),')"

# Without CAP_NET_ADMIN: reading works, changing does not.
$NOBODY "$CTL" dev show > "$T/nobody.out" 2> "$T/nobody.err"
rc=$?
tap_eq "unprivileged dev show works" "0:siw0" "$rc:$(tcol "$T/nobody.out" NAME)"
$NOBODY "$CTL" dev set siw0 markers on > "$T/nobody.out" 2> "$T/nobody.err"
rc=$?
tap_eq "unprivileged dev set: EPERM, exit 1" "1:1" "$rc:$(grep -c '(EPERM)' "$T/nobody.err")"
show_err nobody

# --- the monitor, listening from here on -----------------------------
"$CTL" monitor > "$T/mon.txt" 2> "$T/mon.err" &
mpid=$!
"$CTL" -j monitor > "$T/monj.txt" 2> "$T/monj.err" &
jpid=$!
sleep 3
ip link set dp0 down
wait_for 10 siw_port_state_is siw0 DOWN
ip link set dp0 up
wait_for 10 siw_port_state_is siw0 ACTIVE

# --- TX threads --------------------------------------------------------
ncpu=$(nproc)
run tx tx show
tap_eq "tx show: one thread per CPU" "$ncpu" "$(tcol "$T/tx.out" CPU | wc -l)"
run txj -j tx show
tap_eq "tx show -j: cpu, qps, runs, wakeups, busy_ns, poll_hits, poll_ns" "$ncpu" \
	"$(pyj "$T/txj.out" 'len([t for t in d if set(t) == {"cpu", "qps", "runs", "wakeups", "busy_ns", "poll_hits", "poll_ns"}])')"

# --- busy polling: idle TX threads spin for the next kick ---------------
# Every RDMA Read Request makes the responder's RX kick its TX thread for
# the Read Response: a thread still spinning from the previous one finds
# it without a wakeup. The spin gives way to any other task runnable on
# its CPU, so the TX threads get the last CPU and this script (with both
# ib_read_lat processes) the first: the responder's thread then has its
# CPU to itself.
txsum() {	# txsum FIELD: the sum over the TX threads, now
	run txp -j tx show
	pyj "$T/txp.out" "sum(t['$1'] for t in d)"
}
BP=/sys/module/siw/parameters/tx_busy_poll_us
ALLCPUS=0-$((ncpu - 1))
LASTCPU=$((ncpu - 1))
tap_eq "tx_busy_poll_us is 0 by default" 0 "$(cat $BP)"
tap_eq "idle, no thread has polled" "0 0" "$(txsum poll_hits) $(txsum poll_ns)"
run txset tx set cpus $LASTCPU
tap_eq "tx set cpus $LASTCPU for the busy-poll tests" 0 "$rc"
taskset -pc 0 $$ > /dev/null
# A hit needs the next Read Request within the spin: spin the longest
# allowed (a loaded TCG host can stretch a round trip past 1 ms), and give
# it up to three runs, so that only a poll that never finds anything
# fails.
echo 10000 > $BP
hits=0 tries=0
while [ "$hits" = 0 ] && [ $tries -lt 3 ]; do
	tries=$((tries + 1))
	if perf_pair ib_read_lat -n 200 -d siw0 > "$T/rl.$tries" 2>&1; then
		tap_ok "tx_busy_poll_us=10000: ib_read_lat -n 200 completes (run $tries)"
	else
		tap_not_ok "tx_busy_poll_us=10000: ib_read_lat -n 200 completes (run $tries)"
		sed 's/^/# /' "$T/rl.$tries"
		break
	fi
	hits=$(txsum poll_hits)
done
pns=$(txsum poll_ns)
tap_diag "busy polling, client on CPU 0: $hits kicks found while spinning in $tries runs, $((pns / 1000)) us spent"
if [ "$ncpu" -gt 1 ]; then
	tap_check "tx_busy_poll_us=10000: some Read Responses found while spinning" \
		test "$hits" -gt 0
else
	tap_ok "tx_busy_poll_us=10000: some Read Responses found while spinning # SKIP one CPU: the client always wants it"
fi
tap_check "tx_busy_poll_us=10000: spinning time is counted" test "$pns" -gt 0
# With the client polling its CQ on the thread's own CPU the spin must
# not start: a spinning thread holds the client off until the
# scheduler's tick sets need_resched, up to 4 ms per Read.
hits=$(txsum poll_hits)
pns=$(txsum poll_ns)
taskset -pc $LASTCPU $$ > /dev/null
if perf_pair ib_read_lat -n 200 -d siw0 > "$T/rl.same" 2>&1; then
	tap_ok "tx_busy_poll_us=10000, client on the TX thread's CPU: ib_read_lat -n 200 completes"
else
	tap_not_ok "tx_busy_poll_us=10000, client on the TX thread's CPU: ib_read_lat -n 200 completes"
	sed 's/^/# /' "$T/rl.same"
fi
same_hits=$(($(txsum poll_hits) - hits))
same_us=$((($(txsum poll_ns) - pns) / 1000))
tap_diag "busy polling, client on the TX CPU: $same_hits kicks found while spinning, $same_us us spent"
tap_check "the spin gives way to the client on its CPU: under 20 ms spun in 200 Reads" \
	test "$same_us" -lt 20000
taskset -pc $ALLCPUS $$ > /dev/null
hits=$(txsum poll_hits)
pns=$(txsum poll_ns)
echo 0 > $BP
tap_check "tx_busy_poll_us=0: ib_read_lat -n 200 completes" \
	perf_pair ib_read_lat -n 200 -d siw0
tap_eq "tx_busy_poll_us=0: no more polling" "$hits $pns" \
	"$(txsum poll_hits) $(txsum poll_ns)"
echo 20000 > $BP
tap_check "tx_busy_poll_us=20000 (above the 10000 cap): ib_read_lat -n 200 completes" \
	perf_pair ib_read_lat -n 200 -d siw0
tap_eq "tx_busy_poll_us=20000 reads back as written" 20000 "$(cat $BP)"
echo 0 > $BP
run txset tx set cpus $ALLCPUS
tap_eq "tx set cpus back to all after the busy-poll tests" 0 "$rc"

# --- counters equal to what ib_write_bw moved -------------------------
run reset stats reset dev siw0
perf_start 18515 $N_WRITES
tap_check "ib_write_bw -n $N_WRITES completes" perf_wait
run devj -j dev show
tap_eq "dev show -j: Write bytes sent and received = $WANT, as perftest moved" "ok" \
	"$(pyj "$T/devj.out" '"ok" if all('$WANT' <= d[0]["stats"]["ops"]["write"][k] <= '$WANT' * 1.05 for k in ("tx_bytes", "rx_bytes")) else d[0]["stats"]["ops"]["write"]')"
run devs -s dev show
tap_eq "dev show -s: WRITE_TX_BYTES column agrees with JSON" \
	"$(pyj "$T/devj.out" 'd[0]["stats"]["ops"]["write"]["tx_bytes"]')" \
	"$(tcol "$T/devs.out" WRITE_TX_BYTES)"
hw=$(cat /sys/class/infiniband/siw0/ports/1/hw_counters/tx_write_bytes 2> /dev/null)
tap_eq "hw_counters tx_write_bytes agrees" \
	"$(pyj "$T/devj.out" 'd[0]["stats"]["ops"]["write"]["tx_bytes"]')" "$hw"

# Small FPDUs, each in one piece of a socket buffer: the receive fast
# path (rx.c, siw_rx_whole()) takes them, and hw_counters says so.
hwc() {
	cat /sys/class/infiniband/siw0/ports/1/hw_counters/$1 2> /dev/null || echo 0
}
whole=$(hwc rx_fpdus_whole)
fpdus=$(hwc rx_fpdus)
tap_check "ib_write_lat -n 200 (8 B) completes" perf_pair ib_write_lat -n 200 -d siw0
whole=$(($(hwc rx_fpdus_whole) - whole))
fpdus=$(($(hwc rx_fpdus) - fpdus))
tap_diag "received $fpdus FPDUs, $whole of them through the fast path"
tap_check "the receive fast path took at least 360 of the 400 Writes" \
	test "$whole" -ge 360 -a "$whole" -le "$fpdus"

run reset stats reset
run devj -j dev show
tap_eq "stats reset zeroes the device's counters" "0:0 0 0" \
	"$rc:$(pyj "$T/devj.out" 'd[0]["stats"]["tx_bytes"], d[0]["stats"]["rx_fpdus"], d[0]["stats"]["ops"]["write"]["tx_bytes"]' | tr -d '(),')"

# --- QPs during a longer ib_write_bw, its client stopped meanwhile ------
# Under TCG a short run ends before a few siwctl and python3 calls do:
# SIGSTOP holds the client (its QPs stay connected), SIGCONT lets it go.
perf_start 18516 5000
tap_check "qp show state rts: two connected QPs during ib_write_bw" wait_rts 2
tap_check "qp show -s: the Writes begin (WRITE_TX_BYTES above 0)" wait_writes
kill -STOP $cpid
run qps -s qp show
tap_eq "qp show -s: statistics columns" "0:1" \
	"$rc:$(head -n 1 "$T/qps.out" | grep -c 'TX_FPDUS.*CRC_ERR.*TERM_TX.*TERM_RX.*BACKPRESSURE')"
sed 's/^/# /' "$T/qps.out"
tap_eq "qp show -s: Write bytes of the writer QP, at most what perftest moves" "ok" \
	"$(tcol "$T/qps.out" WRITE_TX_BYTES | sort -n | tail -n 1 |
		awk '$1 > 0 && $1 <= 5000 * '$MSG' { print "ok" }')"
run qpsj -j qp show dev siw0
qpn=$(pyj "$T/qpsj.out" 'd[0]["qpn"]')
tap_eq "qp show -j: connected QPs with address, CPU, MPA v2" "ok" \
	"$(pyj "$T/qpsj.out" '"ok" if d and all(q["remote_addr"] == "'$ADDR'" and q["tx_cpu"] >= 0 and q["mpa_rev"] == 2 and q["dev"] == "siw0" and "write" in q["stats"]["ops"] for q in d) else d')"
run qp1 qp show dev siw0 qpn "$qpn"
tap_eq "qp show dev siw0 qpn N: that QP alone" "$qpn" "$(tcol "$T/qp1.out" QPN)"
run qpp qp show peer 10.99.11.2
tap_eq "qp show peer 10.99.11.2: none" "0:0" "$rc:$(wc -c < "$T/qpp.out")"
run qpp qp show peer $ADDR state rts
tap_eq "qp show peer $ADDR state rts: the connected ones" "0:ok" \
	"$rc:$([ "$(tcol "$T/qpp.out" QPN | wc -l)" -ge 2 ] && echo ok)"
run qpe qp show dev siw0 state error
tap_eq "qp show state error: none of them" "0" "$(tcol "$T/qpe.out" QPN | wc -l)"
run qpn qp show dev siw0 qpn 999999
tap_eq "qp show of no QP: exit 1, ENOENT from the kernel" "1:1" \
	"$rc:$(grep -c 'no such QP on this device (ENOENT)' "$T/qpn.err")"
kill -CONT $cpid

# --- TX CPU list changes under that traffic ----------------------------
sleep 0.5
run txset tx set cpus 0
run tx tx show
tap_eq "tx set cpus 0 under ib_write_bw: one thread left" "0:0" \
	"$rc:$(tcol "$T/tx.out" CPU | tr '\n' ' ' | sed 's/ $//')"
run qpsj -j qp show state rts
tap_eq "every connected QP moved to CPU 0" "[0]" \
	"$(pyj "$T/qpsj.out" 'sorted(set(q["tx_cpu"] for q in d))')"
run txset tx set cpus 0,1
run tx tx show
tap_eq "tx set cpus 0,1: two threads" "0:0 1" \
	"$rc:$(tcol "$T/tx.out" CPU | tr '\n' ' ' | sed 's/ $//')"
tap_check "ib_write_bw -n 5000 completes across both changes" perf_wait
run txbad tx set cpus 0-4096
tap_eq "tx set cpus 0-4096: exit 1 with the kernel's reason" "1:1" \
	"$rc:$(grep -c 'CPU list' "$T/txbad.err")"
show_err txbad
run txset tx set cpus "0-$((ncpu - 1))"
src=$rc
run tx tx show
tap_eq "tx set cpus back to all" "0:$ncpu" "$src:$(tcol "$T/tx.out" CPU | wc -l)"

# --- fault rules --------------------------------------------------------
run fbad fault add dev siw0 type drop
tap_eq "fault add without every or probability: exit 1, kernel's reason" "1:1" \
	"$rc:$(grep -c 'exactly one of every and probability' "$T/fbad.err")"
run fbad fault add dev siw0 type delay every 2
tap_eq "a delay rule without delay: exit 1, kernel's reason" "1:1" \
	"$rc:$(grep -c 'delay-ms' "$T/fbad.err")"
run fbad fault add dev siw0 type sideways every 2
tap_eq "an unknown fault type: exit 2" "2" "$rc"

run reset stats reset dev siw0
run fadd -j fault add dev siw0 type drop every 3 count 1
fid=$(pyj "$T/fadd.out" 'd["id"]')
tap_eq "fault add drop every 3 count 1: rule id" "0:ok" \
	"$rc:$(expr "$fid" : '[0-9][0-9]*$' > /dev/null && echo ok || echo "$fid")"
run fshow fault show
tap_eq "fault show lists it" "$fid drop 3 1" \
	"$(tcol "$T/fshow.out" ID) $(tcol "$T/fshow.out" TYPE) $(tcol "$T/fshow.out" EVERY) $(tcol "$T/fshow.out" COUNT)"
pings=$(rping_count 7180)
tap_eq "rping runs into the drop and fails" "ok" "$([ "$pings" -lt 20 ] && echo ok || echo "$pings pings")"
run fshowj -j fault show dev siw0
tap_eq "fault show -j: the rule hit once" "1" "$(pyj "$T/fshowj.out" 'd[0]["hits"]')"
run devj -j dev show
tap_eq "a Terminate was sent and one received" "ok" \
	"$(pyj "$T/devj.out" '"ok" if d[0]["stats"]["terms_sent"] >= 1 and d[0]["stats"]["terms_received"] >= 1 else d[0]["stats"]')"
run fdel fault del dev siw0 id "$fid"
run fshow fault show
tap_eq "fault del clears it" "0:0" "$rc:$(wc -c < "$T/fshow.out")"
run fdel fault del dev siw0 id "$fid"
tap_eq "deleting it again: exit 1, ENOENT" "1:1" "$rc:$(grep -c '(ENOENT)' "$T/fdel.err")"
$NOBODY "$CTL" fault show > "$T/nobody.out" 2> "$T/nobody.err"
rc=$?
tap_eq "unprivileged fault show: EPERM" "1:1" "$rc:$(grep -c '(EPERM)' "$T/nobody.err")"
pings=$(rping_count 7181)
tap_eq "without the rule rping passes, 20 pings verified" "20" "$pings"

# --- the monitor's findings ----------------------------------------------
sleep 1
kill -TERM $mpid
wait $mpid
mrc=$?
mpid=
kill -INT $jpid
wait $jpid
jrc=$?
jpid=
tap_eq "monitor exits 0 on SIGTERM, -j monitor on SIGINT" "0 0" "$mrc $jrc"
tap_eq "monitor saw QPs reach RTS and ERROR" "ok" \
	"$(grep -q ' RTS local ' "$T/mon.txt" && grep -q ' ERROR' "$T/mon.txt" && echo ok)"
tap_eq "monitor saw the port go down and come back" "ok" \
	"$(grep -q 'dev siw0 port-down' "$T/mon.txt" && grep -q 'dev siw0 port-active' "$T/mon.txt" && echo ok)"
tap_eq "monitor saw the Terminates, sent and received" "ok" \
	"$(grep -q 'term siw0 qpn [0-9]* sent' "$T/mon.txt" && grep -q 'term siw0 qpn [0-9]* received' "$T/mon.txt" && echo ok)"
$PY - "$T/monj.txt" "$WANT" > "$T/monj.check" 2>&1 << 'EOF'
import json, sys
want = int(sys.argv[2])
ev = [json.loads(l) for l in open(sys.argv[1])]
qp = [e for e in ev if e["event"] == "qp-state"]
states = {e["state"] for e in qp}
writer = [e for e in qp if e["state"] == "error" and
          want <= e["stats"]["ops"]["write"]["tx_bytes"] <= want * 1.05]
terms = [e for e in ev if e["event"] == "terminate"]
print(len(ev), sorted(states), len(writer), len(terms))
ok = {"rts", "error"} <= states and writer and terms
print("ok" if ok else "bad")
EOF
tap_eq "monitor -j: one JSON object per line; the writer QP's last event carries its $WANT Write bytes" \
	"ok" "$(tail -n 1 "$T/monj.check")"
sed 's/^/# /' "$T/monj.check" | head -n 3
grep -E 'RTS|ERROR|term|dev' "$T/mon.txt" | head -n 8 | sed 's/^/# /'

# --- dev add / del through rdma -------------------------------------------
ip link add dp1 type dummy && ip link set dp1 up
run add dev add siw1 netdev dp1
run devs dev show
tap_eq "dev add siw1 netdev dp1 creates it" "0:siw1 dp1" \
	"$rc:$(grep '^siw1 ' "$T/devs.out" | awk '{ print $1, $2 }')"
run add dev add siw1 netdev dp1
tap_eq "dev add of a taken name: exit 1, EEXIST" "1:1" "$rc:$(grep -c '(EEXIST)' "$T/add.err")"
run del dev del siw1
tap_eq "dev del siw1 removes it" "0:ok" "$rc:$(siw_dev_gone siw1 && echo ok)"
run del dev del siw1
tap_eq "dev del of no device: exit 1 with rdma's message" "1:1" \
	"$rc:$(grep -c 'rdma link delete: .*siw1' "$T/del.err")"
show_err del
run add dev add siw2 netdev nosuch9
tap_eq "dev add on no such netdev: exit 1" "1" "$rc"
show_err add

tap_check "rdma link delete, unload" sh -c "rdma link delete siw0 && rmmod siw"
run gone dev show
tap_eq "without the module: exit 1, says so" "1:1" \
	"$rc:$(grep -c 'is the siw module loaded' "$T/gone.err")"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
