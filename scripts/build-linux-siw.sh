#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# build-linux-siw.sh KVER: build Linux's own in-tree siw from Debian's
# linux-source package of KVER's series, renamed so that it loads beside
# ours in one kernel: module siw_linux.ko, rdma link type "siw_linux".
# Used by the interop tests and make bench; the result lands in
# build/linux-siw/KVER/siw_linux.ko. Nothing of it is kept in the tree.
# KDIR: the kernel build tree (default /usr/src/linux-headers-KVER; the
# debug kernel's tree for scripts/check-debug.sh).
set -euo pipefail
kver=$1
top=$(cd "$(dirname "$0")/.." && pwd)
series=$(echo "$kver" | cut -d. -f1,2)
tarball=/usr/src/linux-source-$series.tar.xz
out=$top/build/linux-siw/$kver
[ -r "$tarball" ] || { echo "build-linux-siw: no $tarball (scripts/setup.sh)" >&2; exit 2; }

if [ -f "$out/siw_linux.ko" ] && [ "$out/siw_linux.ko" -nt "$0" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
tar -xJf "$tarball" -C "$out" --strip-components=5 \
	"linux-source-$series/drivers/infiniband/sw/siw"
# A distinct link type and alias: "rdma link add X type siw_linux".
sed -i 's/\.type = "siw"/.type = "siw_linux"/; s/MODULE_ALIAS_RDMA_LINK("siw")/MODULE_ALIAS_RDMA_LINK("siw_linux")/' \
	"$out/siw_main.c"
grep -q '"siw_linux"' "$out/siw_main.c" || { echo "build-linux-siw: rename failed" >&2; exit 1; }
objs=$(cd "$out" && ls *.c | sed 's/\.c$/.o/' | tr '\n' ' ')
printf 'obj-m := siw_linux.o\nsiw_linux-y := %s\n' "$objs" > "$out/Kbuild"
rm -f "$out/Makefile" "$out/Kconfig"
make -s -C "${KDIR:-/usr/src/linux-headers-$kver}" M="$out" modules > "$out/build.log" 2>&1 ||
	{ tail -n 20 "$out/build.log"; exit 1; }
echo "build-linux-siw: $out/siw_linux.ko"
