#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# gen-vmlinux-h.sh OUT.h [BTF]: write vmlinux.h for the BPF programs.
#
# BTF is a file bpftool reads (raw BTF or an ELF vmlinux with .BTF). By
# default it is taken from the oldest supported Debian kernel image in
# /boot (scripts/kvers.sh), not from the build host's running kernel: the
# image is decompressed (xz for 6.1, zstd for 6.12, gzip tried too) the
# way scripts/extract-vmlinux does and its .BTF section kept. Without
# such an image /sys/kernel/btf/vmlinux is used. The programs are CO-RE
# and take little from vmlinux.h, so any of these works on both kernels.
set -eu
out=$1
btf=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BPFTOOL=${BPFTOOL:-bpftool}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# extract IMAGE ELF: the first compressed stream in IMAGE that inflates to
# an ELF file.
extract() {
	for fmt in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		tool=${fmt%%:*}
		command -v "$tool" > /dev/null || continue
		for off in $(LC_ALL=C grep -aboP "${fmt#*:}" "$1" | cut -d: -f1); do
			tail -c +$((off + 1)) "$1" | "$tool" -dc > "$2" 2> /dev/null || true
			if [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	return 1
}

if [ -z "$btf" ]; then
	kver=$("$top/scripts/kvers.sh" all 2> /dev/null | head -n 1)
	img=/boot/vmlinuz-$kver
	if [ -n "$kver" ] && [ -r "$img" ] && extract "$img" "$tmp/vmlinux" &&
		objcopy -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/btf" &&
		[ -s "$tmp/btf" ]; then
		btf=$tmp/btf
		echo "vmlinux.h: BTF of $img" >&2
	elif [ -r /sys/kernel/btf/vmlinux ]; then
		btf=/sys/kernel/btf/vmlinux
		echo "vmlinux.h: no Debian kernel image with BTF found, using the running kernel's" >&2
	else
		echo "gen-vmlinux-h.sh: no BTF: install a Debian kernel image (scripts/setup.sh) or pass VMLINUX_BTF=" >&2
		exit 1
	fi
fi
"$BPFTOOL" btf dump file "$btf" format c > "$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
