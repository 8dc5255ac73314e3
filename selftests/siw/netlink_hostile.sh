#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Malformed requests to siw's generic-netlink family and to rdma link
# add (netlink_hostile.py): clean errnos, nothing changed, no kernel
# complaint. SIW_NL_FUZZ_SEED / SIW_NL_FUZZ_SECONDS steer its random
# flood (default: a fresh seed, printed, and 10 s).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_ynl_test "$(dirname "$0")/netlink_hostile.py" 10.99.12.1
tap_done
