#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The demo, inside the VM: what an operator types on a real host.
set -e
ko=build/$(uname -r)/kernel/siw.ko

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
echo
echo "== The RDMA data path (MPA/DDP/RDMAP: QPs, CQs, MRs) is not built yet:"
echo "== queue pairs answer EOPNOTSUPP, so the demo stops after the device checks."
step rdma link delete siw0
step rmmod siw
echo
echo "== demo finished: siw device created, queried and removed cleanly"
