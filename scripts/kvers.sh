#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# kvers.sh [6.1|6.12|all]: the newest installed Debian kernel of each
# supported series (one that has both an image and headers).
want=${1:-all}
for series in 6.1 6.12; do
	[ "$want" = all ] || [ "$want" = "$series" ] || continue
	ls -d /usr/src/linux-headers-"$series".*-amd64 2>/dev/null |
		sed 's,.*/linux-headers-,,' | sort -V |
		while read -r k; do [ -r "/boot/vmlinuz-$k" ] && echo "$k"; done |
		tail -n 1
done
