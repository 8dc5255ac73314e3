#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# soak.sh: `make soak`. Boots a kernel in qemu and runs
# selftests/soak/soak.sh in it: SOAK_MINUTES (default 60) of verified rping
# and perftest traffic with faults injected every few rounds, failing on
# payload corruption, objects left behind or memory growth (see that
# script for every knob; SOAK_* variables are passed into the guest).
#
# SOAK_KVER: the kernel (default the Debian 6.1 one, scripts/kvers.sh 6.1);
# SOAK_KVER=debug boots the debug kernel of scripts/build-debug-kernel.sh
# instead (slower, but KASAN/lockdep/kmemleak watch the whole run).
# First, unless SOAK_PROVE=0, a SOAK_PROVE_MINUTES (4) proof run shows
# that the payload and memory checks fail when they should (see
# selftests/soak/soak.sh). Results: results/soak-KVER/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p results

kver=${SOAK_KVER:-$(scripts/kvers.sh 6.1)}
minutes=${SOAK_MINUTES:-60}
log=results/build-soak.log
if [ "$kver" = debug ]; then
	scripts/build-debug-kernel.sh --siw > "$log" 2>&1 || { cat "$log"; exit 2; }
	read -r kver image modroot kdir <<< "$(sed -n 's/^debug kernel: //p' "$log" | tail -n 1)"
	export SIW_VM_KERNEL=$image SIW_VM_MODROOT=$modroot SIW_VM_PANIC_ON_WARN=0
	export SIW_VM_APPEND="kasan_multi_shot log_buf_len=8M loglevel=5"
else
	make -s module KVER="$kver" > "$log" 2>&1 || { cat "$log"; exit 2; }
fi
make -s userprogs >> "$log" 2>&1 || { cat "$log"; exit 2; }

# The guest sees only the command line: hand the SOAK_* knobs over.
envs=$(env | grep -E '^SOAK_[A-Z_]+=[0-9]+$' |
	grep -v -e '^SOAK_KVER=' -e '^SOAK_PROVE' | tr '\n' ' ')
cmd="$envs sh selftests/soak/soak.sh"
timeout=$((minutes * 60 + 900))
# First a short proof run: the payload and memory checks must catch the
# corruption and growth it injects (SOAK_PROVE=0 skips it).
if [ "${SOAK_PROVE:-1}" != 0 ]; then
	pmin=${SOAK_PROVE_MINUTES:-4}
	cmd="$envs SOAK_PROVE=1 SOAK_MINUTES=$pmin SOAK_WARMUP_MINUTES=1 sh selftests/soak/soak.sh; p=\$?; echo; $cmd; r=\$?; [ \$p = 0 ] && [ \$r = 0 ]"
	timeout=$((timeout + pmin * 60 + 300))
fi
out=results/soak-$kver
echo "soak: $minutes min on $kver (results in $out)"
selftests/vm/run-vm.sh -t $timeout "$kver" "$out" "$cmd"
rc=$?
cat "$out/output.txt" 2>/dev/null
exit $rc
