#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The demo, inside the VM: what an operator types on a real host.
set -e
ko=build/$(uname -r)/kernel/siw.ko

# Servers under TCG take a moment before they listen.
wait_listen() {
	i=0
	while ! ss -Hltn "sport = :$1" | grep -q . && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}

step() {
	echo
	echo "\$ $*"
	"$@"
}

echo "== siw demo on Linux $(uname -r)"
step modprobe -a ib_core iw_cm ib_uverbs rdma_cm rdma_ucm libcrc32c
step insmod "$ko" tx_cpu_list=0,1
step ip link add eth9 type dummy
step ip addr add 10.99.0.1/24 dev eth9
step ip link set eth9 up
step rdma link add siw0 type siw netdev eth9
step rdma link show
step rdma dev show siw0
step ibv_devices
step ibv_devinfo -d siw0
echo
echo "\$ ps -e -o comm | grep siw_tx"
ps -e -o comm | grep siw_tx
step ip link set eth9 down
step rdma link show siw0/1
step ip link set eth9 up
step rdma link show siw0/1
set +e
echo
echo "== RDMA traffic over siw0: rping with data verification (Send, RDMA Read/Write)"
rping -s -a 10.99.0.1 -C 10 > /tmp/demo-rping-server.log 2>&1 &
spid=$!
wait_listen 7174
echo "\$ rping -c -a 10.99.0.1 -C 10 -V -S 4096 -v | tail -n 3"
timeout 120 rping -c -a 10.99.0.1 -C 10 -V -S 4096 -v > /tmp/demo-rping.log 2>&1
rping_rc=$?
tail -n 3 /tmp/demo-rping.log
kill $spid 2> /dev/null
wait $spid 2> /dev/null

echo
echo "== perftest: RDMA Write bandwidth, 64 KiB messages, rdma_cm"
ib_write_bw -R -F -n 200 -s 65536 -d siw0 > /tmp/demo-bw-server.log 2>&1 &
spid=$!
wait_listen 18515
echo "\$ ib_write_bw -R -F -n 200 -s 65536 -d siw0 10.99.0.1"
timeout 120 ib_write_bw -R -F -n 200 -s 65536 -d siw0 10.99.0.1 > /tmp/demo-bw.log 2>&1
bw_rc=$?
tail -n 4 /tmp/demo-bw.log
kill $spid 2> /dev/null
wait $spid 2> /dev/null

# Optional parts (siwctl, bpf-tools) each bring their own demo piece,
# run here with siw0 up on eth9 (10.99.0.1); a failing piece fails the demo.
parts_rc=0
for part in scripts/demo.d/*.sh; do
	[ -r "$part" ] || continue
	echo
	sh "$part" || parts_rc=1
done
set -e

step rdma link delete siw0
step rmmod siw
echo
echo "== demo finished: rping rc=$rping_rc, ib_write_bw rc=$bw_rc, parts rc=$parts_rc"
[ "$rping_rc" = 0 ] && [ "$bw_rc" = 0 ] && [ "$parts_rc" = 0 ]
