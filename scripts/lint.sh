#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# lint.sh: checkpatch --strict (from Debian's linux-source), sparse (C=2)
# and a W=1 build of siw.ko for every supported kernel. Prints
# "lint: N passed, N failed"; exits non-zero on any finding.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

passed=0 failed=0
result() {
	if [ "$1" = 0 ]; then
		passed=$((passed + 1)); echo "ok - $2"
	else
		failed=$((failed + 1)); echo "not ok - $2"
	fi
}

# checkpatch.pl and its data files, cached from the linux-source tarball.
ksrc=build/ksrc
if [ ! -x "$ksrc/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz /usr/src/linux-source-6.12.tar.xz 2>/dev/null | head -n1)
	if [ -z "$tarball" ]; then
		echo "lint: no linux-source tarball: run scripts/setup.sh" >&2
		exit 2
	fi
	mkdir -p "$ksrc"
	base=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$ksrc" --strip-components=1 \
		"$base/scripts/checkpatch.pl" "$base/scripts/spelling.txt" \
		"$base/scripts/const_structs.checkpatch" || exit 2
fi
cp_args=(--strict --no-tree --terse --show-types --quiet -f)

mapfile -t srcs < <(find kernel -name '*.[ch]' ! -name '*.mod.c' ! -name compat.h ! -name trace.h | sort)
checkpatch() {
	"$ksrc/scripts/checkpatch.pl" "${cp_args[@]}" "$@" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):'
}

out=$(checkpatch "${srcs[@]}")
[ -n "$out" ] && echo "$out"
result "$([ -z "$out" ]; echo $?)" "checkpatch --strict kernel/ (${#srcs[@]} files)"

# compat.h exists to test LINUX_VERSION_CODE: exactly those two findings
# are expected there and nothing else.
out=$(checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kernel/compat.h)
[ -n "$out" ] && echo "$out"
result "$([ -z "$out" ]; echo $?)" "checkpatch --strict kernel/compat.h (version tests allowed)"

# trace.h is laid out the way the kernel's TRACE_EVENT() headers are,
# which --strict's alignment checks do not know; everything else applies.
out=$(checkpatch --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE kernel/trace.h)
[ -n "$out" ] && echo "$out"
result "$([ -z "$out" ]; echo $?)" "checkpatch --strict kernel/trace.h (TRACE_EVENT layout allowed)"

# User-space C in kernel style: fixed-width C types, positive errnos
# (libibverbs' convention) and C11 _Atomic are right there. The provider
# ABI mirror lists bare parameter types and plain attributes, as
# rdma-core's own header does.
mapfile -t usrcs < <(ls userlib/*.[ch] bench/*.c selftests/lib/siwcm.h \
	selftests/siw/verbs_provider.c | grep -v provider_abi.h | sort)
usr_ignore=PREFER_KERNEL_TYPES,USE_NEGATIVE_ERRNO,CAMELCASE
out=$(checkpatch --ignore $usr_ignore "${usrcs[@]}";
      checkpatch --ignore $usr_ignore,FUNCTION_ARGUMENTS,PREFER_DEFINED_ATTRIBUTE_MACRO \
		userlib/provider_abi.h)
usrcs+=(userlib/provider_abi.h)
[ -n "$out" ] && echo "$out"
result "$([ -z "$out" ]; echo $?)" "checkpatch --strict user-space C (${#usrcs[@]} files)"

for kver in $(scripts/kvers.sh all); do
	bdir=build/lint-$kver
	rm -rf "$bdir"
	mkdir -p "$bdir"
	cp -a Kbuild kernel include "$bdir/"
	log=$bdir/build.log
	make -C "/usr/src/linux-headers-$kver" M="$top/$bdir" W=1 C=2 \
		modules > "$log" 2>&1
	rc=$?
	# Findings in our own files only: the kernel's headers are not ours.
	findings=$(grep -E "^$top/$bdir/.*(warning|error):" "$log" |
		   sed "s|$top/$bdir/||")
	[ -n "$findings" ] && echo "$findings"
	[ $rc != 0 ] && tail -n 20 "$log"
	result "$([ $rc = 0 ] && [ -z "$findings" ]; echo $?)" \
		"W=1 + sparse (C=2) build for $kver"
done

echo "lint: $passed passed, $failed failed"
[ $failed = 0 ]
