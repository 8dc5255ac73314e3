#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ynl.sh: the kernel's YNL tools (tools/net/ynl from Debian's
# linux-source-6.12) set up in build/ynl around our netlink spec.
#
#   scripts/ynl.sh gen     regenerate include/uapi/linux/siw_netlink.h
#   scripts/ynl.sh check   fail if the committed header differs from the spec
#   scripts/ynl.sh setup   only extract the tools (before a VM run: the
#                          guest sees build/ read-only)
#   scripts/ynl.sh cli ... run cli.py with our spec (any cli.py arguments)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=/usr/src/linux-source-6.12.tar.xz
tree=$top/build/ynl/linux-source-6.12
spec=$top/Documentation/netlink/specs/siw.yaml
hdr=$top/include/uapi/linux/siw_netlink.h

setup() {
	if [ ! -f "$tree/tools/net/ynl/cli.py" ]; then
		[ -r $src ] || { echo "ynl.sh: no $src (run scripts/setup.sh)" >&2; exit 2; }
		mkdir -p "$top/build/ynl"
		tar -C "$top/build/ynl" -xf $src linux-source-6.12/tools/net/ynl \
			linux-source-6.12/Documentation/netlink
		# The generator finds the tree by its MAINTAINERS file.
		touch "$tree/MAINTAINERS"
	fi
	# The generator only accepts the kernel's UAPI licence line; the
	# spec's content is ours either way. Rewritten only when it changed.
	local copy=$tree/Documentation/netlink/specs/siw.yaml tmp
	tmp=$(mktemp)
	sed '1s/.*/# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)/' \
		"$spec" > "$tmp"
	if cmp -s "$tmp" "$copy"; then
		rm -f "$tmp"
	else
		cat "$tmp" > "$copy"
		rm -f "$tmp"
	fi
}

generate() {
	(cd "$tree/tools/net/ynl" &&
		python3 ynl-gen-c.py --mode uapi --header \
			--spec "$tree/Documentation/netlink/specs/siw.yaml" -o "$1")
	# Our licence line instead of the generator's.
	sed -i '1s|.*|/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */|' "$1"
}

setup
case ${1:-} in
setup)
	;;
gen)
	generate "$hdr"
	;;
check)
	tmp=$(mktemp)
	generate "$tmp"
	if diff -u "$hdr" "$tmp"; then
		echo "ok - $hdr matches the spec"
	else
		echo "not ok - $hdr differs from the spec: run scripts/ynl.sh gen"
		rm -f "$tmp"
		exit 1
	fi
	rm -f "$tmp"
	;;
cli)
	shift
	exec python3 "$tree/tools/net/ynl/cli.py" \
		--spec "$tree/Documentation/netlink/specs/siw.yaml" "$@"
	;;
*)
	echo "usage: $0 setup|gen|check|cli ARGS..." >&2
	exit 2
	;;
esac
