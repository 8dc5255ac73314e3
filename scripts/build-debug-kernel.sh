#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# build-debug-kernel.sh [--siw] [--print-kver]
#
# Build a small 6.1 kernel with KASAN, lockdep, UBSAN, kmemleak and friends
# from Debian's linux-source-6.1 tarball, for `make check-debug` and for
# chasing siw bugs the stock Debian kernels cannot see.
#
# The tree is extracted and built outside the checkout, in $SIW_DEBUGK_DIR
# (default /var/cache/siw-debugk, or build/debugk when that is not
# writable), and reused: a second run with an unchanged tarball and
# config fragment does nothing. The config is `make allnoconfig` with
# scripts/debug-kernel.config merged on top; every option of the fragment
# must survive the merge, or the script fails (a silently dropped KASAN
# would make check-debug worthless). Modules are installed into
# $SIW_DEBUGK_DIR/staging/lib/modules/KVER, which run-vm.sh bind-mounts
# into the guest (SIW_VM_KERNEL / SIW_VM_MODROOT, see there).
#
#   --siw         also build siw.ko against the tree (build/KVER/ here)
#   --print-kver  print the kernel release and exit (nothing is built)
#
# Last line of output on success: "debug kernel: KVER IMAGE MODROOT KDIR".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${SIW_DEBUGK_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
frag=$top/scripts/debug-kernel.config
dir=${SIW_DEBUGK_DIR:-}
if [ -z "$dir" ]; then
	dir=/var/cache/siw-debugk
	mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || dir=$top/build/debugk
fi
mkdir -p "$dir"
jobs=${SIW_DEBUGK_JOBS:-2}

build_siw=0 print_kver=0
for a in "$@"; do
	case $a in
	--siw) build_siw=1 ;;
	--print-kver) print_kver=1 ;;
	*) echo "usage: $0 [--siw] [--print-kver]" >&2; exit 2 ;;
	esac
done

[ -r "$tarball" ] || {
	echo "build-debug-kernel: no $tarball (apt-get install linux-source-6.1)" >&2
	exit 2
}

# The tarball holds one top directory, linux-source-6.1.
src=$dir/linux-source-6.1
if [ ! -f "$dir/.extracted" ] || [ "$tarball" -nt "$dir/.extracted" ]; then
	echo "build-debug-kernel: extracting $tarball into $dir"
	rm -rf "$src" "$dir/.extracted" "$dir/.built"
	nice -n 19 tar -xJf "$tarball" -C "$dir"
	touch "$dir/.extracted"
fi

kmake() {
	nice -n 19 make -C "$src" ARCH=x86_64 -j"$jobs" "$@"
}

# Regenerate the config only when the fragment changed: olddefconfig on an
# unchanged .config is harmless, but allnoconfig would rewrite it and make
# kbuild rebuild everything.
want=$(sha256sum "$frag" | cut -d' ' -f1)
if [ ! -f "$src/.config" ] || [ "$(cat "$dir/.config-sha" 2>/dev/null)" != "$want" ]; then
	echo "build-debug-kernel: configuring (allnoconfig + $frag)"
	rm -f "$dir/.built"
	kmake -s allnoconfig > /dev/null
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag") > "$dir/merge.log" 2>&1
	kmake -s olddefconfig > /dev/null
	# include/config/auto.conf now, not at the first build: kernelrelease
	# reads CONFIG_LOCALVERSION from it.
	kmake -s syncconfig > /dev/null
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$src/.config" && continue ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$src/.config" || continue
			;;
		*) continue ;;
		esac
		echo "build-debug-kernel: fragment line lost in the merge: $line" >&2
		missing=1
	done < "$frag"
	[ $missing = 0 ] || exit 1
	echo "$want" > "$dir/.config-sha"
fi

kver=$(kmake -s kernelrelease)
if [ $print_kver = 1 ]; then
	echo "$kver"
	exit 0
fi

image=$src/arch/x86/boot/bzImage
modroot=$dir/staging
if [ -f "$dir/.built" ] && [ "$dir/.built" -nt "$src/.config" ] &&
   [ -s "$image" ] && [ -d "$modroot/lib/modules/$kver" ]; then
	echo "build-debug-kernel: $kver is up to date"
else
	echo "build-debug-kernel: building $kver (nice -n 19 make -j$jobs; log in $dir/build.log)"
	t0=$(date +%s)
	if ! kmake bzImage modules > "$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log"
		exit 1
	fi
	rm -rf "$modroot"
	kmake -s INSTALL_MOD_PATH="$modroot" modules_install >> "$dir/build.log" 2>&1
	# The guest's modprobe reads modules.dep from the staging tree.
	[ -s "$modroot/lib/modules/$kver/modules.dep" ] || {
		echo "build-debug-kernel: modules_install left no modules.dep" >&2
		exit 1
	}
	touch "$dir/.built"
	echo "build-debug-kernel: built in $(($(date +%s) - t0)) s"
fi

if [ $build_siw = 1 ]; then
	make -s -C "$top" module KVER="$kver" KDIR="$src"
fi

echo "debug kernel: $kver $image $modroot $src"
