#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The siw generic-netlink family through the kernel's own YNL client
# (netlink_ynl.py): a client that is not ours checks that the module
# speaks what Documentation/netlink/specs/siw.yaml says.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
YNL=$SIW_TOP/build/ynl/linux-source-6.12/tools/net/ynl/cli.py
[ -r "$YNL" ] || tap_skip_all "no YNL tools: run scripts/ynl.sh setup on the host"
command -v ib_write_bw > /dev/null || tap_skip_all "no perftest"
siw_loaded && siw_unload

cleanup() {
	rdma link delete siw0 2> /dev/null
	ip link del dp0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

dmesg_mark
siw_load && ip link add dp0 type dummy && ip addr add 10.99.7.1/24 dev dp0 &&
	ip link set dp0 up && rdma link add siw0 type siw netdev dp0 ||
	tap_skip_all "cannot set up siw0"
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$(dirname "$0")/netlink_ynl.py" \
	> /tmp/siw-netlink.tap 2>&1
rc=$?
n=0
while read -r line; do
	case "$line" in
	"ok "*) tap_ok "${line#ok * - }" ;;
	"not ok "*) tap_not_ok "${line#not ok * - }" ;;
	"1.."*) n=1 ;;
	*) echo "# $line" ;;
	esac
done < /tmp/siw-netlink.tap
[ $n = 1 ] || tap_not_ok "netlink_ynl.py ran to the end (exit $rc)"
tap_check "rdma link delete, unload" sh -c "rdma link delete siw0 && rmmod siw"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
tap_done
