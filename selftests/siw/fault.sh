#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Fault injection through the siw netlink family (fault_ynl.py): each
# fault type breaks a connection the way it should, on both ends, and
# nothing is left behind.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_ynl_test "$(dirname "$0")/fault_ynl.py" 10.99.8.1
tap_done
