#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# run-vm.sh [-t SECONDS] KVER OUTDIR COMMAND...
#
# Boot Debian kernel KVER in qemu (TCG, 2 vCPUs) with the host's root
# visible read-only, run COMMAND (a shell command line, from the checkout
# directory) inside, and leave output.txt, dmesg.txt, console.log and
# exit-code in OUTDIR. Fails if the command fails, if the guest never
# finishes (timeout), or if the kernel logged a WARN, BUG, oops, lockup
# or panic; then the console tail is printed.
#
# A kernel not installed in /boot (the debug kernel of
# scripts/build-debug-kernel.sh) is booted with
#   SIW_VM_KERNEL=IMAGE    its bzImage
#   SIW_VM_MODROOT=DIR     where its modules were installed
#                          (INSTALL_MOD_PATH: DIR/lib/modules/KVER), bind-
#                          mounted over /lib/modules/KVER in the guest
#   SIW_VM_PANIC_ON_WARN=0 keep running after a WARN/KASAN/UBSAN report,
#                          to collect all of them (the run still fails)
#   SIW_VM_APPEND=...      more kernel command line (later words win)
#   SIW_VM_QEMU_ARGS=...   more qemu arguments, split at spaces (e.g.
#                          -plugin for bench/insncount)
# Debug-kernel reports are also matched: lockdep ("possible circular
# locking", "inconsistent lock state", ...), "kmemleak: N new suspected
# memory leaks", DEBUG_OBJECTS ("ODEBUG:"), list corruption.
set -uo pipefail

timeout=900
mem=${SIW_VM_MEM:-4096}
while getopts t: opt; do
	case $opt in
	t) timeout=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || { echo "usage: $0 [-t SECONDS] KVER OUTDIR COMMAND..." >&2; exit 2; }
kver=$1 out=$2
shift 2

top=$(cd "$(dirname "$0")/../.." && pwd)
case "$top" in *[[:space:]]*) echo "run-vm: checkout path must not contain spaces" >&2; exit 2 ;; esac
kernel=${SIW_VM_KERNEL:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || { echo "run-vm: no $kernel (run scripts/setup.sh)" >&2; exit 2; }
modroot=${SIW_VM_MODROOT:-}
if [ -n "$modroot" ]; then
	modroot=$(cd "$modroot" && pwd) || exit 2
	case "$modroot" in *[[:space:]]*) echo "run-vm: module root path must not contain spaces" >&2; exit 2 ;; esac
	[ -d "$modroot/lib/modules/$kver" ] ||
		{ echo "run-vm: no $modroot/lib/modules/$kver" >&2; exit 2; }
fi
panic_on_warn=1
[ "${SIW_VM_PANIC_ON_WARN:-1}" = 0 ] && panic_on_warn=0

initrd=$top/build/vm/initramfs-$kver.cpio.gz
if [ ! -s "$initrd" ] || [ "$top/selftests/vm/mkinitramfs.sh" -nt "$initrd" ] ||
   { [ -n "$modroot" ] && [ "$modroot/lib/modules/$kver/modules.dep" -nt "$initrd" ]; }; then
	SIW_VM_MODROOT=$modroot "$top/selftests/vm/mkinitramfs.sh" "$kver" "$initrd" || exit 2
fi

# One VM at a time per machine, whichever checkout starts it: parallel
# runs would share 2 cores and turn every timeout into noise.
mkdir -p "$top/build"
exec 9> "${SIW_VM_LOCK:-/tmp/siw-vm.lock}"
flock 9

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
printf '%s\n' "$*" > "$out/cmd.sh"

# tsc=reliable: under TCG the clocksource watchdog now and then finds the
# TSC "unstable"; switching sched_clock then live-patches a static key,
# and TCG once hit the patch's int3 on the other vCPU (an oops in
# sched_clock_cpu, 2026-12-06). The TSC of a TCG guest is the host's
# clock, so the watchdog has nothing to find.
boot() {
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
		-machine q35,accel=tcg -cpu max -smp 2 -m "$mem" \
		-display none -monitor none -no-reboot \
		-serial "file:$out/console.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 tsc=reliable panic=-1 panic_on_warn=$panic_on_warn softlockup_panic=1 oops=panic hung_task_panic=1 quiet loglevel=4 SIWTEST_DIR=$top${modroot:+ SIWTEST_MODROOT=$modroot}${SIW_VM_APPEND:+ $SIW_VM_APPEND}" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=siwout,path="$out",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=siwout,mount_tag=siwout \
		-nic none ${SIW_VM_QEMU_ARGS:-}
}

# A kernel that dies before the guest's init got to the command (no siw
# code loaded yet) is TCG's fault, not the test's: seen once in CI-like
# runs on 6.12, an int3 oops while the kernel patched its own text at
# boot. Boot once more, keeping the first console as console-boot1.log.
boot
qemu_rc=$?
if [ $qemu_rc != 124 ] && [ $qemu_rc != 137 ] && [ ! -f "$out/exit-code" ] &&
   ! grep -q 'running cmd.sh' "$out/console.log" 2> /dev/null &&
   grep -Eq 'Oops|Kernel panic|BUG:' "$out/console.log" 2> /dev/null; then
	echo "run-vm: $kver: the kernel died while booting, before any test; booting again"
	grep -E -m3 'Oops|Kernel panic|BUG:|RIP:' "$out/console.log"
	mv "$out/console.log" "$out/console-boot1.log"
	boot
	qemu_rc=$?
fi

bad='WARNING:|BUG:|Oops|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|general protection fault|UBSAN|KASAN'
# lockdep (its splats start with a WARNING line too, but say what they are
# here), kmemleak scan results, DEBUG_OBJECTS and DEBUG_LIST reports.
bad="$bad|possible circular locking|possible recursive locking|inconsistent lock state"
bad="$bad|suspicious RCU usage|lock held when returning to user space|bad unlock balance"
bad="$bad|kmemleak: [0-9]+ new suspected memory leaks|unreferenced object 0x|ODEBUG:|list_(add|del) corruption"
fail=0
if [ $qemu_rc = 124 ] || [ $qemu_rc = 137 ]; then
	echo "run-vm: $kver: guest did not finish within ${timeout}s"
	fail=1
fi
# (not user-space crashes: "traps: PROG[PID] general protection fault")
if cat "$out/console.log" "$out/dmesg.txt" 2>/dev/null | grep -v ' traps: ' | grep -Eq "$bad"; then
	echo "run-vm: $kver: kernel reported a problem:"
	cat "$out/console.log" "$out/dmesg.txt" 2>/dev/null | grep -v ' traps: ' | grep -E -m5 "$bad"
	fail=1
fi
if [ ! -f "$out/exit-code" ]; then
	echo "run-vm: $kver: guest wrote no exit code"
	fail=1
elif [ "$(cat "$out/exit-code")" != 0 ]; then
	fail=1
fi
if [ $fail = 1 ]; then
	echo "----- console tail ($out/console.log) -----"
	tail -n 60 "$out/console.log"
	echo "-------------------------------------------"
fi
exit $fail
