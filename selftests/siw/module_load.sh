#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Module load/unload cycles and TX thread placement via tx_cpu_list.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
siw_loaded && siw_unload

ncpu=$(nproc)
all=$(i=0; while [ $i -lt "$ncpu" ]; do printf 'siw_tx/%d ' $i; i=$((i + 1)); done | sed 's/ $//')

# 10 load/unload cycles; every unload must leave no thread behind.
cycles_ok=0
i=0
while [ $i -lt 10 ]; do
	siw_load || break
	[ "$(siw_tx_threads)" = "$all" ] || break
	siw_unload || break
	[ -z "$(siw_tx_threads)" ] || break
	siw_loaded && break
	cycles_ok=$((cycles_ok + 1))
	i=$((i + 1))
done
tap_eq "10 load/unload cycles, TX threads on all CPUs and gone after unload" 10 $cycles_ok
siw_loaded && siw_unload

tap_check "no WARN or BUG after load cycles" dmesg_clean

# tx_cpu_list: valid, partly invalid, empty and fully invalid lists.
check_cpu_list() {
	_list=$1 _want=$2 _warn=$3 _desc=$4
	dmesg_mark
	if ! siw_load "tx_cpu_list=$_list"; then
		tap_not_ok "$_desc: load failed"
		return
	fi
	tap_eq "$_desc: TX threads" "$_want" "$(siw_tx_threads)"
	if [ -n "$_warn" ]; then
		if dmesg_since_mark | grep -q "$_warn"; then
			tap_ok "$_desc: reported '$_warn'"
		else
			tap_not_ok "$_desc: no '$_warn' in kernel log"
			dmesg_since_mark | sed 's/^/# /'
		fi
	fi
	siw_unload
}

last=$((ncpu - 1))
check_cpu_list "$last" "siw_tx/$last" "" "single CPU list"
check_cpu_list "0-$last" "$all" "" "range list"
check_cpu_list "$last,64,abc" "siw_tx/$last" "ignoring CPU 64" "partly invalid list (bad CPU)"
check_cpu_list "$last,abc" "siw_tx/$last" 'ignoring "abc"' "partly invalid list (not a number)"
check_cpu_list "64,999" "$all" "no usable CPU" "fully invalid list falls back to all CPUs"
check_cpu_list "" "$all" "" "empty list means all CPUs"
check_cpu_list "1-0" "$all" "empty range" "reversed range is rejected, falls back"

tap_check "no WARN or BUG after tx_cpu_list tests" dmesg_clean
tap_done
