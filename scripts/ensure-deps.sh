#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ensure-deps.sh: run scripts/setup.sh (as root, via sudo if needed) when
# anything the build and the VM tests need is missing.
top=$(cd "$(dirname "$0")/.." && pwd)
missing=
for cmd in qemu-system-x86_64 busybox cpio sparse rdma ibv_devinfo ib_write_bw clang bpftrace bpftool; do
	command -v "$cmd" > /dev/null 2>&1 || missing="$missing $cmd"
done
for series in 6.1 6.12; do
	[ -n "$("$top/scripts/kvers.sh" "$series")" ] || missing="$missing kernel-$series"
done
ls /usr/src/linux-source-6.1.tar.xz > /dev/null 2>&1 || missing="$missing linux-source-6.1"
for hdr in bpf/libbpf.h sys/sdt.h netlink/genl/genl.h infiniband/verbs.h; do
	echo "#include <$hdr>" | cc -E -I/usr/include/libnl3 - > /dev/null 2>&1 ||
		missing="$missing $hdr"
done
/usr/bin/python3 -c 'import matplotlib' 2> /dev/null || missing="$missing python3-matplotlib"
[ -z "$missing" ] && exit 0

echo "ensure-deps: missing:$missing; running scripts/setup.sh"
if [ "$(id -u)" = 0 ]; then
	"$top/scripts/setup.sh"
else
	sudo "$top/scripts/setup.sh"
fi
