#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# demo.sh [KVER]: on a machine without RDMA hardware, boot a Debian kernel
# (default: newest 6.1) in qemu, load the freshly built siw.ko, create
# siw0 on a dummy netdev and show what the RDMA stack sees.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/ensure-deps.sh || exit 2
kver=${1:-$(scripts/kvers.sh 6.1)}
make -s module KVER="$kver" > /dev/null || { echo "demo: build failed" >&2; exit 1; }

echo "demo: booting $kver in qemu (about 15 s under TCG)..."
selftests/vm/run-vm.sh -t 600 "$kver" results/demo-$kver sh scripts/demo-guest.sh
rc=$?
cat "results/demo-$kver/output.txt"
exit $rc
