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

siw_load() {
	modprobe -a $SIW_DEPS && insmod "$SIW_KO" "$@"
}

siw_unload() {
	rmmod siw
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

dmesg_clean() {
	! dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection|refcount_t|list_(add|del) corruption'
}

# siw_wait_listen PORT: wait (up to 20 s) until a TCP listener is on PORT;
# servers under TCG can take seconds to start listening.
siw_wait_listen() {
	wait_for 20 sh -c "ss -Hltn 'sport = :$1' | grep -q ."
}
