# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Helpers for fault_matrix.sh and scale.sh (sourced after tap.sh and
# siw.sh): the module's live-object counts through siwctl, a two-sided
# topology (this namespace and a peer namespace joined by a veth pair
# behind a bridge, one siw device on each side) and wr_check pairs.

CTL=${CTL:-$SIW_TOP/build/ctl/siwctl}
WR_CHECK=${WR_CHECK:-$SIW_TOP/build/selftests/helpers/wr_check}
FM_NS=${FM_NS:-fmpeer}
FM_SADDR=${FM_SADDR:-10.99.9.1}
FM_CADDR=${FM_CADDR:-10.99.9.2}

# siw_objects: "key value" lines of siwctl -j objects.
siw_objects() {
	"$CTL" -j objects | tr -d '{}" ' | tr ',' '\n' | tr ':' ' '
}

# siw_objects_left DEVICES: the counts that are not what an idle module
# with DEVICES siw devices has (every other count 0), as "key=value"; empty
# if all are as they should be.
siw_objects_left() {
	siw_objects | awk -v devs="$1" '
		$1 == "devices" { if ($2 != devs) printf "%s=%s ", $1, $2; next }
		$2 != 0 { printf "%s=%s ", $1, $2 }'
}

siw_objects_idle() {
	[ -z "$(siw_objects_left "$1")" ]
}

# tap_objects_idle DESC DEVICES: within 20 s every count is back at idle.
tap_objects_idle() {
	if wait_for 20 siw_objects_idle "$2"; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		tap_diag "still live: $(siw_objects_left "$2")"
	fi
}

# A peer namespace FM_NS with veth fmb (FM_CADDR) and siw device fmsb;
# here a bridge fmbr (FM_SADDR) with siw device fmsa and the other veth
# end fma enslaved. Deleting fmb (or the namespace) takes fma with it,
# the bridge and fmsa stay: this side survives its peer's netdev.
fm_topology_up() {
	ip link add fmbr type bridge forward_delay 0 2> /dev/null ||
		ip link show fmbr > /dev/null || return 1
	ip addr flush dev fmbr
	ip addr add "$FM_SADDR/24" dev fmbr &&
		ip link set fmbr up || return 1
	siw_dev_exists fmsa || rdma link add fmsa type siw netdev fmbr || return 1
	fm_peer_up
}

fm_peer_up() {
	ip netns add "$FM_NS" 2> /dev/null
	ip link add fma type veth peer name fmb netns "$FM_NS" &&
		ip link set fma master fmbr && ip link set fma up &&
		ip -n "$FM_NS" addr add "$FM_CADDR/24" dev fmb &&
		ip -n "$FM_NS" link set fmb up &&
		ip -n "$FM_NS" link set lo up &&
		ip netns exec "$FM_NS" rdma link add fmsb type siw netdev fmb ||
		return 1
	# The bridge port forwards (state 3) and both ports are up.
	wait_for 10 grep -qx 3 /sys/class/net/fma/brport/state &&
		wait_for 10 siw_port_state_is fmsa ACTIVE &&
		wait_for 10 fmsb_state_is ACTIVE
}

# fmsb lives in the peer namespace, with its netdev: read its sysfs there.
fmsb_state() {
	in_peer sed 's/^[0-9]*: *//' /sys/class/infiniband/fmsb/ports/1/state 2> /dev/null
}

fmsb_state_is() {
	[ "$(fmsb_state)" = "$1" ]
}

# Gone from the peer namespace, and from the initial one (where the core
# moves the devices of a namespace that goes away).
fmsb_gone() {
	siw_dev_gone fmsb && ! in_peer test -e /sys/class/infiniband/fmsb 2> /dev/null
}

fm_topology_down() {
	ip netns exec "$FM_NS" rdma link delete fmsb 2> /dev/null
	ip netns del "$FM_NS" 2> /dev/null
	ip link del fma 2> /dev/null
	rdma link delete fmsa 2> /dev/null
	ip link del fmbr 2> /dev/null
}

# Run in the peer namespace. Not for "in_peer CMD &": that would put a
# subshell between $! and CMD; background "ip netns exec" directly.
in_peer() {
	ip netns exec "$FM_NS" "$@"
}

# wait_pid SECONDS PID: wait for PID to end; its exit status, or 124
# (and it is killed) after SECONDS.
wait_pid() {
	_i=$(($1 * 10))
	while kill -0 "$2" 2> /dev/null && [ $_i -gt 0 ]; do
		sleep 0.1
		_i=$((_i - 1))
	done
	if kill -0 "$2" 2> /dev/null; then
		kill -9 "$2" 2> /dev/null
		wait "$2" 2> /dev/null
		return 124
	fi
	wait "$2"
}

# wr_pair_start NAME PORT SERVER_ARGS CLIENT_ARGS: a wr_check server here
# and a client in the peer namespace, both in the background (spid,
# cpid), logs in $LOG/NAME.server and .client; returns once both are
# connected (1 if that does not happen within 30 s).
wr_pair_start() {
	_n=$1
	"$WR_CHECK" -s "$FM_SADDR" -p "$2" $3 > "$LOG/$_n.server" 2>&1 &
	spid=$!
	wait_for 20 grep -q listening "$LOG/$_n.server" || return 1
	ip netns exec "$FM_NS" "$WR_CHECK" -c "$FM_SADDR" -p "$2" $4 \
		> "$LOG/$_n.client" 2>&1 &
	cpid=$!
	wait_for 30 grep -q established "$LOG/$_n.client" &&
		wait_for 10 grep -q established "$LOG/$_n.server"
}

# wr_pair_wait NAME SECONDS: wait for both ends; src and crc get their
# exit statuses, sline and cline their summary lines.
wr_pair_wait() {
	wait_pid "$2" "$spid"
	src=$?
	wait_pid "$2" "$cpid"
	crc=$?
	spid='' cpid=''
	sline=$(grep '^wr_check: role=' "$LOG/$1.server")
	cline=$(grep '^wr_check: role=' "$LOG/$1.client")
}

# field LINE KEY: the value of KEY=... in a wr_check summary line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
