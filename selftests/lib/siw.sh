# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Helpers for tests that run inside the test VM: load the freshly built
# siw.ko, create links, read device and port state.

SIW_TOP=${SIW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SIW_KO=${SIW_KO:-$SIW_TOP/build/$(uname -r)/kernel/siw.ko}
SIW_DEPS="ib_core iw_cm ib_uverbs rdma_cm rdma_ucm libcrc32c"

siw_require_vm() {
	[ "$(hostname)" = siw-vm ] || tap_skip_all "runs only inside the siw test VM"
	[ -r "$SIW_KO" ] || tap_skip_all "no $SIW_KO: build with make KVER=$(uname -r)"
}

# siw_bpftrace_kernel: 1 if this kernel runs the bpftrace checks, else 0.
# They run on one of make check's two kernels (6.12 and later): their
# probes (siw's tracepoints, our library's USDT probes) are alike on
# both, and bpftrace starts slowly under TCG, most of all on 6.1 (CI has
# a budget). SIW_BPFTRACE=1 runs them on any kernel, 0 nowhere.
siw_bpftrace_kernel() {
	if [ -n "${SIW_BPFTRACE:-}" ]; then
		echo "$SIW_BPFTRACE"
		return
	fi
	case $(uname -r) in
	[1-5].* | 6.[0-9].* | 6.1[01].*) echo 0 ;;
	*) echo 1 ;;
	esac
}

siw_load() {
	modprobe -a $SIW_DEPS && insmod "$SIW_KO" "$@"
}

siw_unload() {
	rmmod siw
}

# siw_dummy_up NETDEV ADDR DEV [PARAM=VALUE...]: load siw (with module
# parameters), a dummy NETDEV up with ADDR/24, siw device DEV on it: the
# one-host topology of most tests (traffic goes over loopback).
siw_dummy_up() {
	_nd=$1 _ad=$2 _dv=$3
	shift 3
	siw_load "$@" && ip link add "$_nd" type dummy &&
		ip addr add "$_ad/24" dev "$_nd" && ip link set "$_nd" up &&
		rdma link add "$_dv" type siw netdev "$_nd"
}

siw_loaded() {
	[ -d /sys/module/siw ]
}

# Names of running siw TX threads, sorted: "siw_tx/0 siw_tx/1".
siw_tx_threads() {
	cat /proc/[0-9]*/comm 2>/dev/null | grep '^siw_tx/' | sort | tr '\n' ' ' |
		sed 's/ $//'
}

siw_dev_exists() {
	[ -e "/sys/class/infiniband/$1" ]
}

siw_dev_gone() {
	[ ! -e "/sys/class/infiniband/$1" ]
}

# Port state word as sysfs shows it: ACTIVE, DOWN, ...
siw_port_state() {
	sed 's/^[0-9]*: *//' "/sys/class/infiniband/$1/ports/1/state" 2>/dev/null
}

siw_port_state_is() {
	[ "$(siw_port_state "$1")" = "$2" ]
}

# Kernel log lines since the last call of dmesg_mark.
dmesg_mark() {
	_dmesg_mark=$(dmesg | wc -l)
}

dmesg_since_mark() {
	dmesg | tail -n +$((_dmesg_mark + 1))
}

# The kernel's own reports only: a user-space crash is logged too
# ("traps: PROG[PID] general protection fault ..."), but is not one.
dmesg_clean() {
	! dmesg | grep -v ' traps: ' |
		grep -Eq 'WARNING:|BUG:|Oops|general protection|refcount_t|list_(add|del) corruption'
}

# siw_wait_listen PORT: wait (up to 20 s) until a TCP listener is on PORT
# (in namespace $SIW_LISTEN_NS if set); servers under TCG can take
# seconds to start listening.
siw_wait_listen() {
	wait_for 20 sh -c "${SIW_LISTEN_NS:+ip netns exec $SIW_LISTEN_NS} ss -Hltn 'sport = :$1' | grep -q ."
}

# siw_ynl_test SCRIPT ADDR: load siw, siw0 on dummy dp0 with ADDR/24, run
# the Python TAP test SCRIPT (it uses the kernel's YNL library from
# build/ynl), fold its checks into ours, then delete siw0 and unload.
siw_ynl_test() {
	_py=$1
	_addr=$2
	[ -r "$SIW_TOP/build/ynl/linux-source-6.12/tools/net/ynl/cli.py" ] ||
		tap_skip_all "no YNL tools: run scripts/ynl.sh setup on the host"
	command -v ib_write_bw > /dev/null || tap_skip_all "no perftest"
	command -v rping > /dev/null || tap_skip_all "no rping"
	siw_loaded && siw_unload
	trap 'rdma link delete siw0 2> /dev/null; ip link del dp0 2> /dev/null; siw_loaded && siw_unload' EXIT
	dmesg_mark
	siw_dummy_up dp0 "$_addr" siw0 || tap_skip_all "cannot set up siw0"
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$_py" > /tmp/siw-ynl.tap 2>&1
	_rc=$?
	_n=0
	while read -r _line; do
		case "$_line" in
		"ok "*) tap_ok "${_line#ok * - }" ;;
		"not ok "*) tap_not_ok "${_line#not ok * - }" ;;
		"1.."*) _n=1 ;;
		*) echo "# $_line" ;;
		esac
	done < /tmp/siw-ynl.tap
	[ $_n = 1 ] || tap_not_ok "${_py##*/} ran to the end (exit $_rc)"
	tap_check "rdma link delete, unload" sh -c "rdma link delete siw0 && rmmod siw"
	tap_check "no WARN or BUG in the kernel log" dmesg_clean
}
