#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# check.sh: everything "make check" runs. Installs what is missing, then
# user-space unit and fuzz tests, lint, and the VM selftests on every
# supported Debian kernel. Last line: "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/ensure-deps.sh || exit 2

total_pass=0 total_fail=0 total_skip=0
stages_failed=()

# run_stage NAME CMD...: run CMD, echo its output, add up the counts of its
# last "...: N passed, N failed[, N skipped]" line.
run_stage() {
	local name=$1 log rc line p f s
	shift
	log=$(mktemp)
	echo "=== $name"
	SECONDS=0
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# Where make check's time goes (CI has a budget).
	echo "=== $name took $SECONDS s"
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/(^|.*[^0-9])([0-9]+) passed.*/\2/p')
	f=$(echo "$line" | sed -nE 's/.*[^0-9]([0-9]+) failed.*/\1/p')
	s=$(echo "$line" | sed -nE 's/.*[^0-9]([0-9]+) skipped.*/\1/p')
	p=${p:-0} f=${f:-0} s=${s:-0}
	# A stage that failed without counting a failure still failed.
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	if [ "$f" != 0 ]; then
		stages_failed+=("$name")
		failure_summary "$name" "$log" >> results/failures.txt
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	rm -f "$log"
}

# failure_summary NAME LOG: each failed check with up to two diagnostic
# lines before it and up to 44 after (a hang reports both ends, the QPs
# and the kernel), so that the end of make check's output
# (all CI keeps) says what failed, not only where.
failure_summary() {
	echo "--- $1"
	awk '{ match($0, /^(# )*/); d = RLENGTH; body = substr($0, d + 1) }
	     body ~ /^not ok/ {
		if (d) for (i = 2; i >= 1; i--) if (prev[i] != "") print prev[i]
		print FNR ": " $0; n = d ? 44 : 0; nd = d; prev[1] = prev[2] = ""; next
	     }
	     n > 0 && d > nd { print FNR ": " $0; n--; next }
	     { n = 0; prev[2] = prev[1]; prev[1] = (d && body !~ /^ok /) ? FNR ": " $0 : "" }' "$2" | cut -c1-300 | head -n 120
}

vm_build() {
	local kver=$1
	{ make -s module KVER="$kver" && make -s -C selftests/siw && make -s userprogs &&
	  scripts/ynl.sh setup &&
	  scripts/build-linux-siw.sh "$kver"; } > "results/build-$kver.log" 2>&1
}

# vm_start KVER: the suite in a VM in the background; vm_result waits
# for it, prints its output and returns its status.
vm_start() {
	local kver=$1
	rm -f "results/vm-$kver.rc"
	# Both suites run side by side in about 2000 s here; a CI machine
	# was 1.4 times slower. 3600 s leaves room for that and one test
	# hitting its own timeout, and keeps CI (90 min) with its installs,
	# builds and lint (about 15 min there) inside its budget.
	( SECONDS=0
	  SIW_VM_LOCK=/tmp/siw-vm.$kver.lock \
		selftests/vm/run-vm.sh -t 3600 "$kver" "results/vm-$kver" sh selftests/run-guest.sh \
		> "results/vm-$kver.log" 2>&1
	  rc=$?
	  echo "=== the VM on $kver ran $SECONDS s" >> "results/vm-$kver.log"
	  echo $rc > "results/vm-$kver.rc" ) &
}

vm_wait() {
	while [ ! -s "results/vm-$1.rc" ]; do
		sleep 5
	done
}

vm_result() {
	local kver=$1
	if [ -e "results/build-$kver.failed" ]; then
		cat "results/build-$kver.log"
		return 1
	fi
	vm_wait "$kver"
	cat "results/vm-$kver/output.txt" "results/vm-$kver.log" 2> /dev/null
	return "$(cat "results/vm-$kver.rc")"
}

mkdir -p results
rm -f results/failures.txt
if [ -f selftests/unit/Makefile ]; then
	run_stage "unit tests" make -s -C selftests/unit run
fi
if [ -f selftests/fuzz/Makefile ]; then
	run_stage "fuzz (short)" make -s -C selftests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-8}"
	# corpus replay plus a short run per target; fails under 85% of lines
	run_stage "fuzz coverage of kernel/proto" make -s -C selftests/fuzz coverage COV_SECONDS="${COV_SECONDS:-5}"
fi
run_stage "lint" scripts/lint.sh
run_stage "install and DKMS" scripts/test-install.sh
# The VM suites of both kernels run side by side (SIW_CHECK_PARALLEL=0:
# one after the other). A suite keeps the CPUs about half busy (it
# waits on timers, TCP and the other end), so two together take little
# longer than one. Builds come first, one at a time.
kvers=$(scripts/kvers.sh all)
SECONDS=0
for kver in $kvers; do
	rm -f "results/build-$kver.failed"
	vm_build "$kver" || touch "results/build-$kver.failed"
done
echo "=== builds for the VM suites took $SECONDS s"
# Other VM users of this machine wait until both suites are done.
exec 8> /tmp/siw-vm.lock
flock 8
for kver in $kvers; do
	[ -e "results/build-$kver.failed" ] && continue
	vm_start "$kver"
	[ "${SIW_CHECK_PARALLEL:-1}" = 0 ] && vm_wait "$kver"
done
for kver in $kvers; do
	run_stage "VM selftests on $kver" vm_result "$kver"
done
flock -u 8

echo
if [ ${#stages_failed[@]} != 0 ]; then
	echo "=== what failed (line numbers are in each stage's output)"
	cat results/failures.txt
	echo "failed stages: ${stages_failed[*]}"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
