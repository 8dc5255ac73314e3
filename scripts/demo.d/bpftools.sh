#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The bpf-tools piece of "make demo", inside the demo VM with siw0 up on
# eth9 (10.99.0.1): siwtop's table every second while ib_write_bw moves
# 2000 x 64 KiB. Fails if perftest or siwtop does, or if siwtop saw no
# QP sending.
ADDR=10.99.0.1
PORT=18521
B=build/bpf-tools
if [ ! -x "$B/siwtop" ]; then
	echo "(no $B/siwtop: building bpf-tools into /tmp)"
	make -s -C bpf-tools OUT=/tmp/bpf-tools-demo || exit 1
	B=/tmp/bpf-tools-demo
fi
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T || exit 1

wait_listen() {
	i=0
	while ! ss -Hltn "sport = :$1" | grep -q . && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}

echo "== bpf-tools: siwtop while ib_write_bw -R -F -n 2000 -s 65536 runs"
echo "\$ siwtop -p -i 1 -c 6"
"$B/siwtop" -p -i 1 -c 6 > /tmp/demo-siwtop.log 2> /tmp/demo-siwtop.err &
tpid=$!
i=0
while ! grep -q Tracing /tmp/demo-siwtop.err && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
ib_write_bw -R -F -p $PORT -n 2000 -s 65536 -d siw0 > /tmp/demo-bpf-bw-server.log 2>&1 &
spid=$!
wait_listen $PORT
ib_write_bw -R -F -p $PORT -n 2000 -s 65536 -d siw0 $ADDR > /tmp/demo-bpf-bw.log 2>&1
bw_rc=$?
wait $spid
bw_src=$?
wait $tpid
top_rc=$?
cat /tmp/demo-siwtop.log
cat /tmp/demo-siwtop.err >&2
echo "\$ ib_write_bw ... $ADDR | tail -n 2"
tail -n 2 /tmp/demo-bpf-bw.log
rc=0
[ $bw_rc = 0 ] && [ $bw_src = 0 ] || { echo "ib_write_bw failed: client $bw_rc, server $bw_src"; rc=1; }
[ $top_rc = 0 ] || { echo "siwtop failed: $top_rc"; rc=1; }
awk '($2 == "RTS" || $2 == "ERROR") && $4 + 0 > 0 { f = 1 } END { exit !f }' /tmp/demo-siwtop.log ||
	{ echo "siwtop saw no QP sending"; rc=1; }
echo
echo "== bpf-tools piece: rc=$rc"
exit $rc
