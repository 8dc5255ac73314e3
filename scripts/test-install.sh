#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# test-install.sh: the install paths a real host uses, without loading
# anything here: "make install" into a staging DESTDIR, and (as root)
# dkms add/build for every supported kernel, then dkms remove.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0 failed=0
result() {
	if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "ok - $2"
	else failed=$((failed + 1)); echo "not ok - $2"; fi
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for kver in $(scripts/kvers.sh all); do
	make -s install KVER="$kver" DESTDIR="$stage" > "$stage/log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail "$stage/log"
	modinfo -F vermagic "$stage/lib/modules/$kver/updates/siw.ko" 2>/dev/null | grep -q "^$kver "
	result "$([ $rc = 0 ] && [ $? = 0 ]; echo $?)" "make install DESTDIR=... for $kver (vermagic matches)"
done

# The provider: installed where siw.driver sends libibverbs, and removed
# again with siw.driver given back to rdma-core's provider.
lib=$stage/usr/local/lib/libibverbs/libsiw-rdmav34.so
[ -f "$lib" ] && grep -q '^driver /usr/local/lib/libibverbs/libsiw$' "$stage/etc/libibverbs.d/siw.driver"
result $? "make install: our provider and a siw.driver naming it"
make -s -C userlib uninstall DESTDIR="$stage" > "$stage/log" 2>&1 && [ ! -e "$lib" ] &&
	[ "$(grep -v '^#' "$stage/etc/libibverbs.d/siw.driver")" = "driver siw" ]
result $? "make uninstall: provider gone, siw.driver is rdma-core's again"

if [ "$(id -u)" = 0 ] && command -v dkms > /dev/null; then
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	make -s dkms-remove > /dev/null 2>&1
	make -s dkms-add > "$stage/log" 2>&1
	result $? "dkms add siw/$ver"
	for kver in $(scripts/kvers.sh all); do
		dkms build -m siw -v "$ver" -k "$kver" > "$stage/log" 2>&1
		rc=$?
		[ $rc = 0 ] || tail -n 30 "$stage/log"
		result $rc "dkms build for $kver"
	done
	for kver in $(scripts/kvers.sh all); do
		ls /var/lib/dkms/siw/"$ver"/"$kver"/*/module/siw.ko* > /dev/null 2>&1
		result $? "dkms built siw.ko for $kver"
	done
	dkms build -m siw -v "$ver" -k 5.10.0-99-amd64 > "$stage/log" 2>&1
	grep -q BUILD_EXCLUSIVE "$stage/log"
	result $? "dkms refuses a kernel outside BUILD_EXCLUSIVE_KERNEL"
	make -s dkms-remove > /dev/null 2>&1
	dkms status -m siw 2>/dev/null | grep -q siw
	result "$([ $? != 0 ]; echo $?)" "dkms remove leaves nothing registered"
else
	echo "# not root or no dkms: dkms checks skipped"
fi

echo "install: $passed passed, $failed failed"
[ $failed = 0 ]
