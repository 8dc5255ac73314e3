#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# rdma link add/delete of siw devices on dummy and veth netdevs: device
# identity, port state following the netdev, errors, and removal paths.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_loaded && siw_unload

cleanup() {
	rdma link delete siw0 2>/dev/null
	rdma link delete siw1 2>/dev/null
	ip link del d0 2>/dev/null
	ip link del d1 2>/dev/null
	ip link del v0 2>/dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

tap_check "load siw" siw_load

ip link add d0 type dummy
ip link set d0 address 02:00:00:5a:00:01
ip link set d0 up

tap_check "link add siw0 on dummy d0" rdma link add siw0 type siw netdev d0
tap_check "siw0 listed by rdma link with netdev d0" \
	sh -c "rdma link show siw0/1 | grep -q 'netdev d0'"
tap_eq "node type is RNIC" "4: RNIC" "$(cat /sys/class/infiniband/siw0/node_type)"
tap_eq "node GUID is the MAC's EUI-64" "0000:00ff:fe5a:0001" \
	"$(cat /sys/class/infiniband/siw0/node_guid)"
tap_eq "GID 0 carries the MAC" "0200:005a:0001:0000:0000:0000:0000:0000" \
	"$(cat /sys/class/infiniband/siw0/ports/1/gids/0)"
tap_eq "link layer is Ethernet" "Ethernet" \
	"$(cat /sys/class/infiniband/siw0/ports/1/link_layer)"
tap_check "port ACTIVE on an up dummy" siw_port_state_is siw0 ACTIVE

if command -v ibv_devinfo > /dev/null; then
	ibv_devinfo -v -d siw0 > /tmp/devinfo 2>&1
	tap_check "ibv_devinfo: transport iWARP" grep -q 'transport:.*iWARP' /tmp/devinfo
	tap_check "ibv_devinfo: port active, MTU 1024" \
		sh -c "grep -q 'state:.*PORT_ACTIVE' /tmp/devinfo && grep -q 'active_mtu:.*1024' /tmp/devinfo"
	tap_check "ibv_devinfo: sane limits" \
		sh -c "grep -Eq 'max_qp:[[:space:]]+[1-9]' /tmp/devinfo && grep -Eq 'max_cqe:[[:space:]]+[1-9]' /tmp/devinfo && grep -Eq 'max_mr:[[:space:]]+[1-9]' /tmp/devinfo"
else
	tap_not_ok "ibv_devinfo missing in the guest"
fi

# Port state follows the netdev.
ip link set d0 down
tap_check "netdev down: port DOWN" wait_for 5 siw_port_state_is siw0 DOWN
ip link set d0 up
tap_check "netdev up: port ACTIVE" wait_for 5 siw_port_state_is siw0 ACTIVE

# MAC change moves the GID.
ip link set d0 address 02:00:00:5a:00:02
tap_eq "GID follows a MAC change" "0200:005a:0002:0000:0000:0000:0000:0000" \
	"$(cat /sys/class/infiniband/siw0/ports/1/gids/0)"

# MTU change shows in the port.
ip link set d0 mtu 4000
tap_check "active MTU follows the netdev (4000 -> 2048)" \
	sh -c "ibv_devinfo -d siw0 | grep -q 'active_mtu:.*2048'"
ip link set d0 mtu 1500

# Errors.
tap_check_fails "link add on a missing netdev fails" \
	rdma link add siw9 type siw netdev nosuch0
tap_check "no device left behind by the failed add" siw_dev_gone siw9
dmesg_mark
tap_check_fails "second link add on the same netdev fails" \
	rdma link add siw1 type siw netdev d0
tap_check "kernel log names the existing device" \
	sh -c "dmesg | tail -n 20 | grep -q 'd0: netdev already has siw device siw0'"
tap_check "no device left behind by the duplicate add" siw_dev_gone siw1

# veth: carrier follows the peer.
ip link add v0 type veth peer name v1
ip link set v0 up
tap_check "link add siw1 on veth v0" rdma link add siw1 type siw netdev v0
tap_check "two devices on two netdevs" \
	sh -c "siw_dev_exists() { [ -e /sys/class/infiniband/\$1 ]; }; siw_dev_exists siw0 && siw_dev_exists siw1"
tap_check "veth without carrier (peer down): port DOWN" siw_port_state_is siw1 DOWN
ip link set v1 up
tap_check "veth peer up: port ACTIVE" wait_for 5 siw_port_state_is siw1 ACTIVE
ip link set v1 down
tap_check "veth peer down again: port DOWN" wait_for 5 siw_port_state_is siw1 DOWN

tap_check "link delete siw1" rdma link delete siw1
tap_check "siw1 gone after delete" siw_dev_gone siw1
tap_check "siw0 untouched by deleting siw1" siw_dev_exists siw0

# Deleting the netdev removes the device (deferred in the core).
ip link del v0
tap_check "link add siw1 on dummy d1" sh -c \
	"ip link add d1 type dummy && ip link set d1 up && rdma link add siw1 type siw netdev d1"
ip link del d1
tap_check "deleting the netdev removes its device" wait_for 10 siw_dev_gone siw1
tap_check "the other device stays" siw_dev_exists siw0

# Re-adding after delete works (no stale state).
tap_check "link delete siw0" rdma link delete siw0
tap_check "link add siw0 again on d0" rdma link add siw0 type siw netdev d0

# Unload with devices present removes them.
ip link add d1 type dummy
ip link set d1 up
rdma link add siw1 type siw netdev d1
tap_check "unload with two devices present" siw_unload
tap_check "devices gone after unload" sh -c \
	"[ ! -e /sys/class/infiniband/siw0 ] && [ ! -e /sys/class/infiniband/siw1 ]"
tap_check "netdevs survive the unload" ip link show d0

tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
