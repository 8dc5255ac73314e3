# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# TAP helpers for siw's kselftest-style shell tests (sourced, POSIX sh).
# Each test prints "ok N - what" or "not ok N - what", then a plan line
# from tap_done; exit status 0 pass, 1 fail, 4 skip (kselftest KSFT_SKIP).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

tap_n=0
tap_failed=0
TAP_LOG=${TMPDIR:-/tmp}/tap-cmd.$$

echo "TAP version 13"

# SIW_TAP_TIMES=1: after each result, a diagnostic with the seconds
# since the last one (where a test's time goes).
tap_t0=$(date +%s)
tap_time() {
	[ "${SIW_TAP_TIMES:-0}" = 1 ] || return 0
	_now=$(date +%s)
	echo "# +$((_now - tap_t0)) s"
	tap_t0=$_now
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
	tap_time
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	tap_time
}

# tap_check DESC CMD...: CMD must succeed.
tap_check() {
	_desc=$1
	shift
	if "$@" > "$TAP_LOG" 2>&1; then
		tap_ok "$_desc"
	else
		tap_not_ok "$_desc"
		echo "# command: $*"
		sed 's/^/# /' "$TAP_LOG" | tail -n 40
	fi
}

# tap_check_fails DESC CMD...: CMD must fail and say why on stderr/stdout.
tap_check_fails() {
	_desc=$1
	shift
	if "$@" > "$TAP_LOG" 2>&1; then
		tap_not_ok "$_desc (command succeeded)"
		echo "# command: $*"
	elif [ ! -s "$TAP_LOG" ]; then
		tap_not_ok "$_desc (failed without a message)"
	else
		tap_ok "$_desc"
		sed 's/^/# error was: /' "$TAP_LOG" | head -n 3
	fi
}

# tap_eq DESC EXPECTED ACTUAL
tap_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		echo "# expected: '$2'"
		echo "# actual:   '$3'"
	fi
}

tap_diag() {
	echo "# $*"
}

tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

tap_done() {
	rm -f "$TAP_LOG"
	echo "1..$tap_n"
	[ $tap_failed = 0 ] && exit $KSFT_PASS
	exit $KSFT_FAIL
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	_tries=$(($1 * 10))
	shift
	while [ $_tries -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
		_tries=$((_tries - 1))
	done
	return 1
}
