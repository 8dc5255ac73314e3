#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The fault matrix (Documentation/faults.md): a wr_check server here and
# a client in a peer namespace, each posting numbered Sends and
# receives, while something breaks under them: every injected fault
# type, the peer's netdev going down and up, being deleted, the peer's
# namespace vanishing, rmmod under traffic, either process killed with
# SIGKILL, and kill -9 of an rping and an ib_write_bw client. For each,
# the surviving end must complete or flush every WR exactly once and see
# the error (wr_check's exit status says both), the kernel must log no
# WARN, and siw's live-object counts must return to idle.
#
# FM_N (default 300) Sends per end and case.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
. "$(dirname "$0")/../lib/faults.sh"
siw_require_vm
[ -x "$CTL" ] || tap_skip_all "no $CTL: build it with make -C ctl"
[ -x "$WR_CHECK" ] || tap_skip_all "no $WR_CHECK: build it with make -C selftests/siw"

N=${FM_N:-300}
LOG=${TMPDIR:-/tmp}/fault-matrix
rm -rf "$LOG"
mkdir -p "$LOG"
spid='' cpid='' xpid=''
retries2=$(sysctl -n net.ipv4.tcp_retries2)

cleanup() {
	for p in $spid $cpid $xpid; do
		kill -9 "$p" 2> /dev/null
	done
	sysctl -qw net.ipv4.tcp_retries2="$retries2"
	fm_topology_down
	siw_loaded && siw_unload
}
trap cleanup EXIT

siw_loaded && siw_unload
dmesg_mark
siw_load || tap_skip_all "cannot load siw"
fm_topology_up || { tap_not_ok "two-namespace topology set up"; tap_done; }
tap_objects_idle "idle with two devices: every live-object count 0" 2

# A silent peer shows only when TCP gives up on our data: in seconds,
# not the default 15 minutes (tcp_retries2 is per namespace).
sysctl -qw net.ipv4.tcp_retries2=4
in_peer sysctl -qw net.ipv4.tcp_retries2=4

port=8100
# case NAME SERVER_EXPECT CLIENT_EXPECT ACTION [EXTRA_ARGS]: one pair
# through ACTION (a function run once both are connected); each end's
# exit status must be 0 for its -e expectation ("-": any status but 1,
# for an end that is killed or loses its device).
case_run() {
	_name=$1 _se=$2 _ce=$3 _act=$4 _extra=${5:-}
	port=$((port + 1))
	_sargs="-n $N -t 30 -T 90 $_extra"
	_cargs="-n $N -t 30 -T 90 $_extra"
	[ "$_se" != - ] && _sargs="$_sargs -e $_se"
	[ "$_ce" != - ] && _cargs="$_cargs -e $_ce"
	if ! wr_pair_start "$_name" $port "$_sargs" "$_cargs"; then
		tap_not_ok "$_name: connected"
		tail -n 3 "$LOG/$_name.server" "$LOG/$_name.client" | sed 's/^/# /'
		kill -9 $spid $cpid 2> /dev/null
		return
	fi
	$_act
	wr_pair_wait "$_name" 120
	tap_diag "$_name: server rc $src: ${sline#wr_check: }"
	tap_diag "$_name: client rc $crc: ${cline#wr_check: }"
	case $_se in
	-) [ $src != 1 ] && [ $src != 124 ] ;;
	*) [ $src = 0 ] ;;
	esac && tap_ok "$_name: server: each WR completed exactly once (expected: $_se)" ||
		tap_not_ok "$_name: server: each WR completed exactly once (expected: $_se; rc $src)"
	case $_ce in
	-) [ $crc != 1 ] && [ $crc != 124 ] ;;
	*) [ $crc = 0 ] ;;
	esac && tap_ok "$_name: client: each WR completed exactly once (expected: $_ce)" ||
		tap_not_ok "$_name: client: each WR completed exactly once (expected: $_ce; rc $crc)"
}

# The checks common to every case, and where the time goes.
t_case=$(date +%s)
after_case() {
	tap_objects_idle "$1: live objects back to idle" "${2:-2}"
	tap_check "$1: no WARN, BUG or oops" dmesg_clean
	tap_diag "$1: took $(($(date +%s) - t_case)) s"
	t_case=$(date +%s)
}

# A connected QP on fmsa: the stock tools' client got through.
rts_on_fmsa() {
	"$CTL" -j qp show dev fmsa state rts | grep -q qpn
}

nothing() { :; }

# -- the baseline: all succeed, the extra receives flush at disconnect
case_run baseline ok ok nothing
tap_eq "baseline: server received all $N messages" "$N/$N" "$(field "$sline" msgs)"
tap_eq "baseline: server's 8 extra receives flushed" 8 "$(field "$sline" rq_flush)"
after_case baseline

# -- injected faults on FPDUs the client sends (its device fmsb)
fault_case() {
	_f=$1
	shift
	in_peer "$CTL" dev set fmsb crc "$crc_mode" > /dev/null
	"$CTL" dev set fmsa crc "$crc_mode" > /dev/null
	in_peer "$CTL" fault add dev fmsb type "$@" > /dev/null
	case_run "$_f" "$fexp" "$fexp" nothing
	_hits=$(in_peer "$CTL" -j fault show dev fmsb | tr -d '[]{}" ' |
		tr ',' '\n' | sed -n 's/^hits://p')
	tap_eq "$_f: the rule hit once" 1 "$_hits"
	in_peer "$CTL" fault del dev fmsb
	after_case "$_f"
}
crc_mode=off fexp=error
fault_case drop drop every 40 count 1
fault_case corrupt corrupt every 40 count 1
fault_case truncate truncate every 40 count 1
fault_case reset reset every 40 count 1
crc_mode=on
fault_case corrupt-crc corrupt every 40 count 1
crc_mode=off fexp=ok
fault_case delay delay every 40 count 1 delay 500

# -- allocation failure: the server's CQ creation fails, the client is
#    refused, nothing is left behind
"$CTL" fault add dev fmsa type alloc-fail every 1 count 1 > /dev/null
port=$((port + 1))
"$WR_CHECK" -s "$FM_SADDR" -p $port -n 10 > "$LOG/alloc.server" 2>&1 &
spid=$!
wait_for 20 grep -q listening "$LOG/alloc.server"
in_peer "$WR_CHECK" -c "$FM_SADDR" -p $port -n 10 -T 30 > "$LOG/alloc.client" 2>&1
crc=$?
wait_pid 30 $spid
src=$?
spid=''
tap_eq "alloc-fail: server setup fails (exit 2)" 2 "$src"
tap_eq "alloc-fail: client is refused (exit 2)" 2 "$crc"
"$CTL" fault del dev fmsa
after_case alloc-fail

# -- the peer's netdev down for 2 s under paced traffic: TCP rides it out
link_flap() {
	sleep 1
	in_peer ip link set fmb down
	wait_for 5 fmsb_state_is DOWN
	flap_port=$(fmsb_state)
	sleep 2
	in_peer ip link set fmb up
}
# TCP must outlast the flap: at tcp_retries2=4 it gives up after about
# 6 s of retransmits, and on a debug kernel the veth takes up to 7 s to
# come back (8: about 100 s).
sysctl -qw net.ipv4.tcp_retries2=8
in_peer sysctl -qw net.ipv4.tcp_retries2=8
case_run link-down-up ok ok link_flap "-i 10000"
sysctl -qw net.ipv4.tcp_retries2=4
in_peer sysctl -qw net.ipv4.tcp_retries2=4
tap_eq "link-down-up: fmsb's port went DOWN meanwhile" DOWN "$flap_port"
tap_check "link-down-up: fmsb's port ACTIVE again" wait_for 10 fmsb_state_is ACTIVE
after_case link-down-up

# -- rmmod under traffic: siw implements disassociate_ucontext, so the
#    core takes the devices from under the processes (DEVICE_REMOVAL)
#    instead of refusing the unload; both ends account for every WR.
try_rmmod() {
	sleep 1
	timeout 120 rmmod siw > "$LOG/rmmod.out" 2>&1
	rmmod_rc=$?
}
case_run rmmod-busy error error try_rmmod "-i 10000"
tap_eq "rmmod-busy: rmmod succeeded under traffic" 0 "$rmmod_rc"
tap_check "rmmod-busy: server saw DEVICE_REMOVAL" \
	sh -c "echo '$sline' | grep -q DEVICE_REMOVAL"
tap_check "rmmod-busy: unload logged no leak" sh -c "! dmesg | grep -q 'still live'"
tap_check "rmmod-busy: no WARN, BUG or oops" dmesg_clean
t_case=$(date +%s)
reload_topology() {
	{ siw_loaded || siw_load; } && fm_topology_down && fm_topology_up
}
tap_check "rmmod-busy: siw reloaded, both devices back" reload_topology
in_peer sysctl -qw net.ipv4.tcp_retries2=4
after_case rmmod-busy

# -- a process killed mid-transfer: the other end flushes
kill_client() { sleep 1; kill -9 $cpid; }
kill_server() { sleep 1; kill -9 $spid; }
case_run kill-client error - kill_client "-i 10000"
after_case kill-client
case_run kill-server - error kill_server "-i 10000"
after_case kill-server

# -- the peer's netdev deleted while connected: its end sees
#    DEVICE_REMOVAL, ours loses the peer silently and TCP gives up
del_peer_netdev() { sleep 1; in_peer ip link del fmb; }
case_run peer-netdev-gone error - del_peer_netdev "-i 10000"
tap_check "peer-netdev-gone: client saw DEVICE_REMOVAL" \
	sh -c "echo '$cline' | grep -q DEVICE_REMOVAL"
tap_check "peer-netdev-gone: fmsb removed" wait_for 20 fmsb_gone
after_case peer-netdev-gone 1
tap_check "peer-netdev-gone: peer back" fm_peer_up

# -- the peer namespace vanishing: its process killed and the namespace
#    deleted at once; the veth and fmsb go with it
vanish_peer() {
	sleep 1
	kill -9 $cpid
	ip netns del "$FM_NS"
}
case_run peer-netns-gone error - vanish_peer "-i 10000"
tap_check "peer-netns-gone: fmsb removed" wait_for 20 fmsb_gone
after_case peer-netns-gone 1
tap_check "peer-netns-gone: peer back" fm_peer_up
in_peer sysctl -qw net.ipv4.tcp_retries2=4

# -- kill -9 of stock tools' clients: rping's server must notice and end
port=$((port + 1))
rping -s -a "$FM_SADDR" -p $port -C 100000 -S 4096 > "$LOG/rping.server" 2>&1 &
spid=$!
siw_wait_listen $port
ip netns exec "$FM_NS" rping -c -a "$FM_SADDR" -p $port -C 100000 -S 4096 > "$LOG/rping.client" 2>&1 &
cpid=$!
tap_check "kill-rping: connected" wait_for 30 rts_on_fmsa
sleep 1
kill -9 $cpid
wait $cpid 2> /dev/null
cpid=''
wait_pid 30 $spid
rc=$?
spid=''
tap_check "kill-rping: the rping server ends by itself (exit $rc)" [ $rc != 124 ]
tail -n 3 "$LOG/rping.server" | sed 's/^/# rping server: /'
after_case kill-rping

if command -v ib_write_bw > /dev/null; then
	ib_write_bw -R -F -n 100000 -s 65536 > "$LOG/perf.server" 2>&1 &
	spid=$!
	siw_wait_listen 18515
	ip netns exec "$FM_NS" ib_write_bw -R -F -n 100000 -s 65536 "$FM_SADDR" > "$LOG/perf.client" 2>&1 &
	cpid=$!
	tap_check "kill-ib_write_bw: connected" wait_for 30 rts_on_fmsa
	sleep 2
	kill -9 $cpid
	wait $cpid 2> /dev/null
	cpid=''
	# perftest's server may wait for its client forever: not siw's to judge.
	wait_pid 20 $spid
	tap_diag "kill-ib_write_bw: server exit $? (124: killed after 20 s)"
	spid=''
	after_case kill-ib_write_bw
fi

# -- and all of it gone with the devices and the module
fm_topology_down
tap_objects_idle "no devices: every count 0" 0
tap_check "rmmod siw" siw_unload
tap_check "unload logged no leak" sh -c "! dmesg | grep -q 'still live'"
tap_check "no WARN, BUG or oops in the kernel log" dmesg_clean
tap_done
