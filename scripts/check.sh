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
	[ "$f" != 0 ] && stages_failed+=("$name")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	rm -f "$log"
}

vm_suite() {
	local kver=$1 out=results/vm-$kver rc
	{ make -s module KVER="$kver" && make -s -C selftests/siw && make -s userprogs &&
	  scripts/ynl.sh setup &&
	  scripts/build-linux-siw.sh "$kver"; } > "results/build-$kver.log" 2>&1 ||
		{ cat "results/build-$kver.log"; return 1; }
	selftests/vm/run-vm.sh -t 2100 "$kver" "$out" sh selftests/run-guest.sh
	rc=$?
	cat "$out/output.txt" 2>/dev/null
	return $rc
}

mkdir -p results
if [ -f selftests/unit/Makefile ]; then
	run_stage "unit tests" make -s -C selftests/unit run
fi
if [ -f selftests/fuzz/Makefile ]; then
	run_stage "fuzz (short)" make -s -C selftests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-15}"
	# corpus replay plus a short run per target; fails under 85% of lines
	run_stage "fuzz coverage of kernel/proto" make -s -C selftests/fuzz coverage COV_SECONDS="${COV_SECONDS:-5}"
fi
run_stage "lint" scripts/lint.sh
run_stage "install and DKMS" scripts/test-install.sh
for kver in $(scripts/kvers.sh all); do
	run_stage "VM selftests on $kver" vm_suite "$kver"
done

echo
[ ${#stages_failed[@]} = 0 ] || echo "failed stages: ${stages_failed[*]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
