#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# PID 1 inside the test VM: minimal system setup, run the requested
# command with its output captured on the results share, power off.
# SIWTEST_DIR comes from the kernel command line; the command to run is
# /siw-out/cmd.sh, written by the host runner.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /tmp stays the overlay's (already RAM-backed): the checkout itself may
# live under the host's /tmp, as in a CI clone.
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
modprobe configfs 2>/dev/null && mount -t configfs configfs /sys/kernel/config
hostname siw-vm
ip link set lo up
ulimit -n 65536
ulimit -l unlimited

out=/siw-out
echo "guest: kernel $(uname -r), running cmd.sh" > /dev/console
cd "$SIWTEST_DIR" || echo "guest: no $SIWTEST_DIR" > /dev/console
sh "$out/cmd.sh" > "$out/output.txt" 2>&1 < /dev/null
echo $? > "$out/exit-code"
dmesg > "$out/dmesg.txt"
sync
echo "guest: done" > /dev/console
echo o > /proc/sysrq-trigger
# PID 1 must not exit (that panics) and the root may vanish under us:
# wait for the power-off in a loop of shell builtins only.
while :; do :; done
