#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# soak.sh: a long run of mixed, verified traffic on one siw device with
# faults injected now and then, inside the test VM (scripts/soak.sh starts
# it; it is not part of run-guest.sh's suite).
#
# Rounds until SOAK_MINUTES (default 60) have passed. Every round runs
# SOAK_RPINGS rping pairs with payload verification (-V: Send, Read and
# Write of the ping buffer, compared each time) at different sizes, and
# beside them one perftest bandwidth pair with SOAK_QPS QPs (ib_write_bw,
# ib_read_bw and ib_send_bw in turn, over rdma_cm). Every SOAK_FAULT_EVERY-th
# round also adds a one-shot fault rule through siwctl (drop, corrupt with
# and without CRC, reset, truncate in turn) that hits some FPDU mid-run.
#
# Fails on: any payload mismatch (ever), a round without a fault where a
# pair failed, a fault rule that never hit, siw objects (QPs, CQs, MRs,
# PDs, endpoints) left after a round, a WARN/BUG in the kernel log, and
# memory growth: /proc/meminfo is sampled about every minute (after
# dropping caches, between rounds); from the first sample after the
# warm-up (SOAK_WARMUP_MINUTES, default a sixth of the run, at least 1)
# the unreclaimable slab may grow by at most SOAK_SLAB_MB (default 8) and
# MemAvailable shrink by at most SOAK_AVAIL_MB (default 32). On a kernel
# with kmemleak a scan at the end must find nothing allocated by siw.
#
# SOAK_PROVE=1 shows that those checks can fail (scripts/soak.sh runs it
# first, for a few minutes): a corrupt-placed fault rule damages every
# 7th piece of payload siw places (after its CRC check, as a placement
# bug would), and after the warm-up a grower fills tmpfs with 40000
# empty files (unreclaimable shmem inodes) and 64 MiB of data. The
# payload and both memory checks must then fail, and are reported as "ok"
# only if they do; all other checks stand as they are.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/siw.sh"
siw_require_vm
for t in rping ib_write_bw ib_read_bw ib_send_bw; do
	command -v $t > /dev/null || tap_skip_all "no $t"
done
CTL=$SIW_TOP/build/ctl/siwctl
[ -x "$CTL" ] || tap_skip_all "no $CTL: make userprogs"

minutes=${SOAK_MINUTES:-60}
warmup=${SOAK_WARMUP_MINUTES:-$((minutes / 6))}
[ "$warmup" -ge 1 ] || warmup=1
slab_mb=${SOAK_SLAB_MB:-8}
avail_mb=${SOAK_AVAIL_MB:-32}
nrping=${SOAK_RPINGS:-3}
nqps=${SOAK_QPS:-4}
fault_every=${SOAK_FAULT_EVERY:-3}
pings=${SOAK_PINGS:-50}
perf_iters=${SOAK_PERF_ITERS:-500}
prove=${SOAK_PROVE:-0}

ADDR=10.99.30.1
LOG=${TMPDIR:-/tmp}/siw-soak
rm -rf "$LOG"
mkdir -p "$LOG"
pids=
grower=
SHM=/dev/shm/siw-soak-grower

cleanup() {
	for p in $pids $grower; do
		kill "$p" 2> /dev/null
	done
	rm -rf "$SHM"
	"$CTL" fault del > /dev/null 2>&1
	rdma link delete siw0 2> /dev/null
	ip link del sk0 2> /dev/null
	siw_loaded && siw_unload
}
trap cleanup EXIT

siw_loaded && siw_unload
dmesg_mark
siw_dummy_up sk0 $ADDR siw0 || tap_skip_all "cannot set up siw0 on dummy sk0"

# run_pair NAME PORT SERVER... -- CLIENT...: server in the background, the
# client once it listens; "RC_SERVER RC_CLIENT" into $LOG/NAME.rc. Both
# must end within two minutes (a server whose client died is killed).
run_pair() {
	_n=$1 _p=$2
	shift 2
	_srv=
	while [ "$1" != -- ]; do
		_srv="$_srv $1"
		shift
	done
	shift
	$_srv > "$LOG/$_n.server" 2>&1 &
	_sp=$!
	if ! siw_wait_listen "$_p"; then
		kill $_sp 2> /dev/null
		wait $_sp
		echo "1 1" > "$LOG/$_n.rc"
		return
	fi
	timeout 120 "$@" > "$LOG/$_n.client" 2>&1
	_crc=$?
	# A client that hung: what siw's QPs looked like then (its
	# server is still there).
	[ $_crc = 124 ] && { rdma resource show qp; "$CTL" -s qp show dev siw0; } \
		> "$LOG/$_n.hang" 2>&1
	_i=0
	while kill -0 $_sp 2> /dev/null && [ $_i -lt 150 ]; do
		sleep 0.2
		_i=$((_i + 1))
	done
	kill -9 $_sp 2> /dev/null
	wait $_sp
	echo "$? $_crc" > "$LOG/$_n.rc"
}

# dev_objects: "QP CQ SRQ MR PD CEP CTX" of siw0.
dev_objects() {
	"$CTL" -j dev show siw0 | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(*(d[k] for k in ("num_qp", "num_cq", "num_srq", "num_mr", "num_pd",
                       "num_cep", "num_ucontext")))'
}

objects_gone() {
	[ "$(dev_objects)" = "0 0 0 0 0 0 0" ]
}

# rule_add ARGS...: siwctl fault add dev siw0 ARGS; prints the rule's id.
rule_add() {
	"$CTL" -j fault add dev siw0 "$@" |
		/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# rule_hits ID: how often rule ID of siw0 hit.
rule_hits() {
	"$CTL" -j fault show dev siw0 | /usr/bin/python3 -c '
import json, sys
print(sum(r["hits"] for r in json.load(sys.stdin) if r["id"] == int(sys.argv[1])))' "$1"
}

meminfo() {
	awk -v k="$1:" '$1 == k { print int($2 / 1024) }' /proc/meminfo
}

# grow: what a leak would leave, at once (a steady rate depends on how
# busy the VM is): 40000 empty tmpfs files, each an inode of
# unreclaimable slab (about 0.5 KiB: 20 MB), and 64 MiB of tmpfs data.
grow() {
	mkdir -p "$SHM"
	{ dd if=/dev/zero of="$SHM/data" bs=1M count=64 2> /dev/null
	  seq 40000 | sed "s|^|$SHM/f|" | xargs touch; } &
	grower=$!
}

# rping_exit_race "RC_SERVER RC_CLIENT" I: each end of rping pair I that
# did not exit 0 exited 255 after its CM thread lost the event channel.
rping_exit_race() {
	set -- $1 "$2"
	for _e in server:$1 client:$2; do
		[ "${_e#*:}" = 0 ] && continue
		[ "${_e#*:}" = 255 ] &&
			grep -q 'rdma_get_cm_event: Bad file descriptor' "$LOG/rping$3.${_e%%:*}" ||
			return 1
	done
}

# soak_check DESC PROVEN CMD...: as tap_check, but where PROVEN is 1 in a
# proof run CMD must fail instead.
soak_check() {
	_d=$1 _p=$2
	shift 2
	if [ "$prove" = 1 ] && [ "$_p" = 1 ]; then
		tap_check "proof: this check fails: $_d" sh -c '! "$@"' sh "$@"
	else
		tap_check "$_d" "$@"
	fi
}

sizes="100 4000 65000 1500 32768"
faults="drop corrupt-crc corrupt reset truncate"
perfs="ib_write_bw ib_read_bw ib_send_bw"
nfault=$(echo $faults | wc -w)
nperf=$(echo $perfs | wc -w)

start=$(date +%s)
end=$((start + minutes * 60))
next_sample=$start
round=0 faulted=0 fault_missed=0 clean_fail=0 mismatches=0 leftovers=0
verified=0 perf_ok=0 perf_runs=0 exit_races=0
base_slab= base_avail= last_slab= last_avail= max_slab=0 min_avail=
tap_diag "soak: $minutes min, warm-up $warmup min, $nrping rping pairs + $nqps-QP perftest per round, a fault every $fault_every rounds"
placed_rid=
if [ "$prove" = 1 ]; then
	tap_diag "proof run: corrupt-placed on every 7th placement, tmpfs grower after the warm-up"
	placed_rid=$(rule_add type corrupt-placed every 7)
	[ -n "$placed_rid" ] || tap_not_ok "proof run: add the corrupt-placed rule"
fi

while [ "$(date +%s)" -lt $end ]; do
	round=$((round + 1))
	fault=
	if [ $((round % fault_every)) = 0 ]; then
		fault=$(echo $faults | cut -d' ' -f$((faulted % nfault + 1)))
		faulted=$((faulted + 1))
	fi
	case $fault in
	corrupt-crc) "$CTL" dev set siw0 crc on ;;
	*) "$CTL" dev set siw0 crc off ;;
	esac
	rid=
	if [ -n "$fault" ]; then
		# Every 40th FPDU of any QP, once: well inside the round's traffic.
		rid=$(rule_add type "${fault%-crc}" every 40 count 1)
	fi

	perf=$(echo $perfs | cut -d' ' -f$((round % nperf + 1)))
	pids=
	rm -f "$LOG"/*.hang
	i=0
	for s in $(echo $sizes | cut -d' ' -f1-$nrping); do
		i=$((i + 1))
		port=$((7300 + i))
		run_pair "rping$i" $port rping -s -a $ADDR -p $port -C "$pings" -v -S "$s" -- \
			rping -c -a $ADDR -p $port -C "$pings" -v -V -S "$s" &
		pids="$pids $!"
	done
	run_pair perf 18515 $perf -R -F -q "$nqps" -n "$perf_iters" -s 65536 -- \
		$perf -R -F -q "$nqps" -n "$perf_iters" -s 65536 $ADDR &
	pids="$pids $!"
	for p in $pids; do
		wait "$p"
	done
	pids=

	failed_pairs=
	i=0
	for s in $(echo $sizes | cut -d' ' -f1-$nrping); do
		i=$((i + 1))
		# rping prints each ping once it compared it: count those, and
		# any comparison that failed ("data mismatch").
		n=$(grep -c 'ping data:' "$LOG/rping$i.client")
		m=$(cat "$LOG/rping$i.client" "$LOG/rping$i.server" | grep -ci 'mismatch')
		verified=$((verified + n))
		if [ "$m" != 0 ]; then
			mismatches=$((mismatches + m))
			tap_diag "round $round: rping size $s: $m payload mismatches"
			sed 's/^/#   /' "$LOG/rping$i.client" | grep -i -m3 mismatch
		fi
		rc=$(cat "$LOG/rping$i.rc")
		# rping's own exit race: its main thread closes the event
		# channel while its CM thread still reads it, and the CM
		# thread exits 255 ("rdma_get_cm_event: Bad file
		# descriptor"). Every ping was verified: not a failure.
		if [ "$rc" != "0 0" ] && [ "$n" = "$pings" ] && rping_exit_race "$rc" "$i"; then
			exit_races=$((exit_races + 1))
			rc="0 0"
		fi
		[ "$rc" = "0 0" ] && [ "$n" = "$pings" ] ||
			failed_pairs="$failed_pairs rping-$s($rc,$n)"
	done
	perf_runs=$((perf_runs + 1))
	if [ "$(cat "$LOG/perf.rc")" = "0 0" ] &&
	   awk '$1 == 65536 && NF >= 5 { f = 1 } END { exit !f }' "$LOG/perf.client"; then
		perf_ok=$((perf_ok + 1))
	else
		failed_pairs="$failed_pairs $perf($(cat "$LOG/perf.rc"))"
	fi

	hits=
	if [ -n "$rid" ]; then
		hits=$(rule_hits "$rid")
		"$CTL" fault del dev siw0 id "$rid" > /dev/null
		[ "$hits" = 1 ] || fault_missed=$((fault_missed + 1))
	fi
	# (In a proof run every round has a fault: corrupt-placed.)
	if [ -z "$fault" ] && [ -z "$placed_rid" ] && [ -n "$failed_pairs" ]; then
		clean_fail=$((clean_fail + 1))
		tap_diag "round $round (no fault): failed:$failed_pairs"
		tail -n 3 "$LOG"/*.client "$LOG"/*.server "$LOG"/*.hang 2> /dev/null |
			cut -c1-200 | sed 's/^/#   /'
		# All of the round's logs, for a look afterwards.
		[ -d /siw-out ] && mkdir -p "/siw-out/round-$round" &&
			cp "$LOG"/* "/siw-out/round-$round/" 2> /dev/null
	fi
	# Broken connections are torn down asynchronously: give them time.
	if ! wait_for 30 objects_gone; then
		leftovers=$((leftovers + 1))
		tap_diag "round $round: siw0 objects left (QP CQ SRQ MR PD CEP CTX): $(dev_objects)"
	fi
	[ -n "$fault" ] &&
		tap_diag "round $round: fault $fault hits=$hits, failed:${failed_pairs:- none}"

	now=$(date +%s)
	if [ "$now" -ge "$next_sample" ] || [ "$now" -ge "$end" ]; then
		next_sample=$((now + 60))
		sync
		echo 3 > /proc/sys/vm/drop_caches
		slab=$(meminfo SUnreclaim)
		avail=$(meminfo MemAvailable)
		el=$(((now - start) / 60))
		tap_diag "t=${el}min round $round: MemAvailable $avail MB, SUnreclaim $slab MB, Slab $(meminfo Slab) MB, $verified pings verified"
		if [ -z "$base_slab" ] && [ $((now - start)) -ge $((warmup * 60)) ]; then
			base_slab=$slab base_avail=$avail min_avail=$avail
			[ "$prove" = 1 ] && grow
		fi
		if [ -n "$base_slab" ]; then
			[ "$slab" -gt "$max_slab" ] && max_slab=$slab
			[ "$avail" -lt "$min_avail" ] && min_avail=$avail
			last_slab=$slab last_avail=$avail
		fi
	fi
done

tap_diag "$round rounds ($faulted with a fault), $verified pings verified, $perf_ok of $perf_runs perftest runs complete, $exit_races rping exit races (all pings verified)"
if [ -n "$placed_rid" ]; then
	tap_diag "corrupt-placed rule: $(rule_hits "$placed_rid") hits"
	"$CTL" fault del dev siw0 id "$placed_rid" > /dev/null
fi
[ -n "$grower" ] && kill "$grower" 2> /dev/null
soak_check "no payload mismatch in $verified verified pings ($mismatches)" 1 \
	test "$mismatches" = 0
tap_eq "every round without a fault completed all pairs" 0 "$clean_fail"
tap_eq "every fault rule hit (of $faulted)" 0 "$fault_missed"
tap_eq "no siw objects left after a round" 0 "$leftovers"
tap_check "more than one round ran" test "$round" -gt 1
if [ -n "$base_slab" ] && [ -n "$last_slab" ]; then
	tap_diag "after warm-up: SUnreclaim $base_slab -> $last_slab MB (max $max_slab), MemAvailable $base_avail -> $last_avail MB (min $min_avail)"
	soak_check "unreclaimable slab grew by at most $slab_mb MB" 1 \
		test $((last_slab - base_slab)) -le "$slab_mb"
	soak_check "MemAvailable shrank by at most $avail_mb MB" 1 \
		test $((base_avail - last_avail)) -le "$avail_mb"
else
	tap_not_ok "memory sampled after the warm-up (run longer than $warmup min)"
fi

kml="/usr/bin/python3 $SIW_TOP/selftests/vm/kmemleak.py"
# siw's symbols, to name its code in leaks kmemleak finds after the unload
[ -w /sys/kernel/debug/kmemleak ] && $kml snapshot "$LOG/kmemleak"
rm -rf "$SHM"
tap_check "rdma link delete, unload" sh -c "rdma link delete siw0 && rmmod siw"
tap_check "no WARN or BUG in the kernel log" dmesg_clean
if [ -w /sys/kernel/debug/kmemleak ]; then
	$kml scan "$LOG/kmemleak" > "$LOG/kmemleak.out" 2>&1
	tap_check "kmemleak: nothing leaked by siw" test $? = 0
	sed 's/^/# /' "$LOG/kmemleak.out" | head -n 60
	[ -d /siw-out ] && cp "$LOG/kmemleak/kmemleak.txt" /siw-out/ 2> /dev/null
fi
tap_done
