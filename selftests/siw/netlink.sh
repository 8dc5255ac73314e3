#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The siw generic-netlink family through the kernel's own YNL client
# (netlink_ynl.py): a client that is not ours checks that the module
# speaks what Documentation/netlink/specs/siw.yaml says.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_ynl_test "$(dirname "$0")/netlink_ynl.py" 10.99.7.1
tap_done
