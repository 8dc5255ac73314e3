#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# reset-guest.sh [PGID]: bring the test VM back to a clean state after a
# test, so that one test killed by its timeout (its EXIT trap never ran)
# does not make every later test fail at "load siw". Kills what is left
# of the test's process group, then every known traffic tool, NVMe-oF
# state, namespaces, rdma links, dummy/veth/bridge netdevs,
# qdiscs on lo and both siw modules (ours and Linux's, for interop).
# Prints one "# reset: ..." line per thing it had to undo; prints nothing
# when the test cleaned up after itself. Exit 1 if siw stays loaded.

pgid=$1
said=
say() {
	echo "# reset: $*"
	said=1
}

if [ -n "$pgid" ] && pkill -0 -g "$pgid" 2> /dev/null; then
	say "killing processes left in the test's group: $(pgrep -g "$pgid" | tr '\n' ' ')"
	pkill -KILL -g "$pgid"
	sleep 1
fi
tools='^([^ ]*/)?(rping|ib_(write|read|send|atomic)_(bw|lat)|qperf|iperf3|bpftrace|siwtop|siw_txlat|wr_check|qp_scale|fio|nvme|udaddy|rdma_server|rdma_client)( |$)'
left=
for p in $(pgrep -f "$tools"); do
	# not kernel threads (ib_* workqueues): those have no command line
	[ -s "/proc/$p/cmdline" ] && left="$left $p"
done
if [ -n "$left" ]; then
	say "killing leftover tools: $(ps -o comm= -p "$(echo $left | tr ' ' ,)" | tr '\n' ' ')"
	kill -KILL $left 2> /dev/null
	sleep 1
fi

if [ -d /sys/kernel/config/nvmet ] || grep -q '^nvme_rdma ' /proc/modules; then
	if command -v nvme > /dev/null && nvme list-subsys 2> /dev/null | grep -q rdma; then
		say "disconnecting NVMe-oF controllers"
		nvme disconnect-all > /dev/null 2>&1
	fi
	cfg=/sys/kernel/config/nvmet
	for l in "$cfg"/ports/*/subsystems/*; do
		[ -L "$l" ] && rm -f "$l" && say "removing nvmet port link $l"
	done
	for p in "$cfg"/ports/*; do
		[ -d "$p" ] && rmdir "$p" 2> /dev/null
	done
	for ns in "$cfg"/subsystems/*/namespaces/*; do
		[ -d "$ns" ] || continue
		echo 0 > "$ns/enable" 2> /dev/null
		rmdir "$ns" 2> /dev/null
	done
	for s in "$cfg"/subsystems/*; do
		[ -d "$s" ] && rmdir "$s" 2> /dev/null && say "removing nvmet subsystem ${s##*/}"
	done
	for m in nvme_rdma nvmet_rdma; do
		grep -q "^$m " /proc/modules && rmmod "$m" 2> /dev/null
	done
fi

tc qdisc show dev lo 2> /dev/null | grep -q -e netem -e tbf &&
	say "removing qdisc on lo" && tc qdisc del dev lo root 2> /dev/null
for f in /sys/kernel/tracing/events/siw/enable /sys/kernel/debug/tracing/events/siw/enable; do
	[ -w "$f" ] && [ "$(cat "$f" 2> /dev/null)" != 0 ] && echo 0 > "$f"
done

for ns in $(ip netns list 2> /dev/null | cut -d' ' -f1); do
	say "deleting namespace $ns"
	ip netns pids "$ns" 2> /dev/null | xargs -r kill -KILL 2> /dev/null
	ip netns delete "$ns"
done

links=$(rdma link show 2> /dev/null | sed -n 's/^link \([^/]*\)\/.*/\1/p' | sort -u)
for d in $links; do
	say "deleting rdma link $d"
	rdma link delete "$d" 2> /dev/null
done

# The kinds of netdev tests create (not tunl0, sit0 and the like, which
# appear with their modules and cannot be deleted).
for kind in dummy veth bridge; do
	for l in $(ip -o link show type $kind 2> /dev/null | sed -n 's/^[0-9]*: \([^:@]*\)[:@].*/\1/p'); do
		ip link show "$l" > /dev/null 2>&1 || continue	# veth peer went
		say "deleting netdev $l"
		ip link del "$l" 2> /dev/null
	done
done

rc=0
for m in siw siw_linux; do
	grep -q "^$m " /proc/modules || continue
	say "unloading $m"
	i=0
	until rmmod "$m" 2> /dev/null; do
		i=$((i + 1))
		if [ $i -ge 30 ]; then
			say "$m stays loaded: $(grep "^$m " /proc/modules)"
			rc=1
			break
		fi
		sleep 1
	done
done
[ -z "$said" ] || sync
exit $rc
