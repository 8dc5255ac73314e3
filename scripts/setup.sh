#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Install everything siw needs to build and test on a Debian bookworm host:
# both Debian kernels (6.1 from bookworm, 6.12 from bookworm-backports) with
# headers, qemu and busybox for the test VM, rdma-core tools for the guest,
# and the build/lint toolchain. Idempotent: a second run installs nothing.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "setup.sh: must run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

PKGS=(
	build-essential bc flex bison kmod cpio xz-utils zstd
	qemu-system-x86 busybox-static
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	rdma-core ibverbs-utils ibverbs-providers rdmacm-utils perftest
	libibverbs-dev librdmacm-dev iproute2
	libnl-3-dev libnl-genl-3-dev pkg-config
	sparse dwarves python3-yaml python3-jsonschema
	dkms clang llvm libclang-rt-14-dev
	nvme-cli fio qperf iperf3
	bpftrace bpftool libbpf-dev libelf-dev zlib1g-dev systemtap-sdt-dev
	python3-matplotlib
)

BACKPORTS=/etc/apt/sources.list.d/siw-bookworm-backports.sources
need_update=0
if [ ! -f "$BACKPORTS" ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(awk '/^URIs:/ && /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	cat > "$BACKPORTS" <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	need_update=1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
have612=$(ls /boot/vmlinuz-6.12.* 2>/dev/null | head -n1 || true)

if [ ${#missing[@]} -gt 0 ] || [ -z "$have612" ] || [ $need_update = 1 ]; then
	apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ -z "$have612" ]; then
	# Newest 6.12 image built for bookworm (+deb12), and its headers.
	img=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64$' |
	      awk '{print $1}' | sort -V | tail -n1)
	[ -n "$img" ] || { echo "setup.sh: no 6.12 kernel in bookworm-backports" >&2; exit 1; }
	hdr=${img/linux-image/linux-headers}
	echo "setup.sh: installing $img $hdr"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports "$img" "$hdr"
fi
src612=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | head -n1 || true)
if [ -z "$src612" ]; then
	apt-get install -y -qq --no-install-recommends -t bookworm-backports linux-source-6.12 || true
fi
echo "setup.sh: done"
