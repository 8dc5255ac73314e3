#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The siwctl piece of "make demo", inside the demo VM with siw0 up on
# eth9 (10.99.0.1): the device, the TX threads and the QPs with their
# counters while ib_write_bw moves 2000 x 64 KiB. Fails if siwctl does.
ADDR=10.99.0.1
PORT=18520
C=build/ctl/siwctl
if [ ! -x "$C" ]; then
	echo "(no $C: building it into /tmp)"
	make -s -C ctl OUT=/tmp/siwctl-demo || exit 1
	C=/tmp/siwctl-demo/siwctl
fi
rc=0

step() {
	echo
	echo "\$ siwctl $*"
	"$C" "$@" || rc=1
}

# The data QP has sent Write payload: perftest's transfer is under way.
writing() {
	"$C" -s qp show dev siw0 | awk 'NR == 1 {
		for (i = 1; i <= NF; i++) if ($i == "WRITE_TX_BYTES") c = i; next }
		c && $c > 0 { found = 1 } END { exit !found }'
}

echo "== siwctl: siw's netlink family from the command line"
step dev show
step tx show

echo
echo "== siwctl while ib_write_bw -R -F -n 2000 -s 65536 runs"
ib_write_bw -R -F -p $PORT -n 2000 -s 65536 -d siw0 > /tmp/demo-ctl-bw-server.log 2>&1 &
spid=$!
i=0
while ! ss -Hltn "sport = :$PORT" | grep -q . && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
ib_write_bw -R -F -p $PORT -n 2000 -s 65536 -d siw0 $ADDR > /tmp/demo-ctl-bw.log 2>&1 &
cpid=$!
i=0
while ! writing && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
step -s qp show
step qp show state rts
step tx show

wait $cpid
bw_rc=$?
wait $spid
bw_src=$?
echo
echo "\$ ib_write_bw ... $ADDR | tail -n 2"
tail -n 2 /tmp/demo-ctl-bw.log
step -s dev show
[ $bw_rc = 0 ] && [ $bw_src = 0 ] || { echo "ib_write_bw failed: client $bw_rc, server $bw_src"; rc=1; }
echo
echo "== siwctl piece: rc=$rc"
exit $rc
