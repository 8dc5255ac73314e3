#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# run-guest.sh [TEST...]: kselftest-style runner inside the test VM. Runs
# each test program (default: every selftests/siw/*.sh and every C test
# built into build/selftests/siw/), indents its TAP
# as a nested test, and ends with "siw-selftests: N passed, N failed,
# N skipped" counted over the individual checks. SIW_TEST_TIMEOUT: seconds
# per test (default 600; the debug kernel needs more); a script may ask
# for more with a "# siw-test-timeout: SECONDS" line near its top. After
# each test vm/reset-guest.sh undoes what a killed test left behind.
cd "$(dirname "$0")/siw" || exit 1
bin=../../build/selftests/siw
if [ $# = 0 ]; then
	set -- *.sh
	for t in "$bin"/*; do
		[ -x "$t" ] && set -- "$@" "$t"
	done
fi

echo "TAP version 13"
echo "1..$#"
n=0 passed=0 failed=0 skipped=0
for t in "$@"; do
	n=$((n + 1))
	case $t in
	*.sh) run="sh ./${t##*/}" ;;
	*/*) run=$t ;;
	*) run=$bin/$t ;;
	esac
	limit=${SIW_TEST_TIMEOUT:-600}
	case $t in
	*.sh)
		want=$(sed -n '1,30s/^# siw-test-timeout: \([0-9][0-9]*\)$/\1/p' "$t")
		[ -n "$want" ] && [ "$want" -gt "$limit" ] && limit=$want ;;
	esac
	t=${t##*/}
	echo "# selftests: siw: $t"
	t0=$(date +%s)
	# timeout makes its own process group; the test notes its ID so that
	# what it leaves running can be reaped. (Not "&": background jobs
	# would ignore SIGINT, which tests use to stop their tools.)
	rm -f /tmp/siw-test.pgid
	timeout -k 10 "$limit" sh -c \
		'ps -o pgid= $$ > /tmp/siw-test.pgid; exec "$@"' sh $run > /tmp/siw-test.out 2>&1
	rc=$?
	tpid=$(tr -d ' ' < /tmp/siw-test.pgid 2> /dev/null)
	[ $rc = 124 ] && echo "not ok - $t timed out after $limit s" >> /tmp/siw-test.out
	sh ../vm/reset-guest.sh $tpid >> /tmp/siw-test.out 2>&1 ||
		echo "not ok - the VM could not be reset after $t" >> /tmp/siw-test.out
	# Where make check's time goes (CI has a budget).
	echo "# selftests: siw: $t took $(($(date +%s) - t0)) s"
	sed 's/^/# /' /tmp/siw-test.out
	p=$(grep -c '^ok ' /tmp/siw-test.out)
	f=$(grep -c '^not ok ' /tmp/siw-test.out)
	case $rc in
	0)
		[ "$f" = 0 ] || rc=1
		;;
	4)
		skipped=$((skipped + 1))
		echo "ok $n selftests: siw: $t # SKIP"
		continue
		;;
	esac
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc = 0 ]; then
		echo "ok $n selftests: siw: $t"
	else
		# A test that died without reporting a failure still fails.
		[ "$f" = 0 ] && failed=$((failed + 1))
		echo "not ok $n selftests: siw: $t # exit=$rc"
	fi
done
echo "siw-selftests: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
