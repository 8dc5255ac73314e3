#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mkinitramfs.sh KVER OUT: a busybox initramfs that mounts the host's root
# over 9p (read-only, tmpfs overlay on top) and hands over to the siw guest
# init from the checkout. Only the modules needed to reach 9p go inside.
# SIW_VM_MODROOT: take them from DIR/lib/modules/KVER instead of /lib/modules
# (a kernel not installed on the host); the guest init then bind-mounts
# that directory over /lib/modules/KVER (SIWTEST_MODROOT on the command line).
set -euo pipefail

kver=$1
out=$2
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
      netfs fscache 9pnet 9pnet_virtio 9p overlay"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,lib/modules,proc,sys,dev,host,rw,newroot}
cp /bin/busybox "$work/bin/busybox"

: > "$work/modules.order"
for m in $mods; do
	f=$(modinfo ${SIW_VM_MODROOT:+-b "$SIW_VM_MODROOT"} -k "$kver" -F filename "$m" 2>/dev/null | head -n1) || true
	case "$f" in
	""|"(builtin)") continue ;;
	*.ko.xz) xz -dc "$f" > "$work/lib/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$work/lib/modules/$m.ko" ;;
	*.ko) cp "$f" "$work/lib/modules/$m.ko" ;;
	*) echo "mkinitramfs: $m: unexpected file $f" >&2; exit 1 ;;
	esac
	echo "$m" >> "$work/modules.order"
done

cat > "$work/init" <<'EOS'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do
	insmod /lib/modules/$m.ko || echo "initramfs: insmod $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host ||
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host
mount -t tmpfs -o size=3g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot
mkdir -p /newroot/siw-out
if [ -n "$SIWTEST_MODROOT" ]; then
	kver=$(uname -r)
	mkdir -p /newroot/lib/modules/$kver
	mount --bind /newroot$SIWTEST_MODROOT/lib/modules/$kver /newroot/lib/modules/$kver
fi
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 siwout /newroot/siw-out
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || true
exec switch_root /newroot /bin/sh "$SIWTEST_DIR/selftests/vm/guest-init.sh"
EOS
chmod +x "$work/init"

mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
