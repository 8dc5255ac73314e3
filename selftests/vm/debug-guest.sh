#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# debug-guest.sh [TEST...]: what `make check-debug` runs inside the debug
# kernel's VM: run-guest.sh with the given tests while siw's symbols are
# recorded at every load (kmemleak.py watch), then a kmemleak scan that
# fails if anything allocated by siw was leaked. The report is copied to
# the results share as kmemleak.txt. SIW_TIME_SCALE stretches the
# traffic helpers' time limits (selftests/lib/traffic.sh).
cd "$(dirname "$0")/../.." || exit 1
kml="/usr/bin/python3 $PWD/selftests/vm/kmemleak.py"
dir=/tmp/siw-kmemleak
$kml watch "$dir" &
watcher=$!
export SIW_TIME_SCALE=${SIW_TIME_SCALE:-8}
sh selftests/run-guest.sh "$@"
rc=$?
kill $watcher
wait $watcher 2> /dev/null
echo "# kmemleak scan"
$kml scan "$dir" > "$dir/scan.out" 2>&1
krc=$?
sed 's/^/# /' "$dir/scan.out"
[ -d /siw-out ] && cp "$dir/kmemleak.txt" /siw-out/ 2> /dev/null
case $krc in
0) echo "ok kmemleak: nothing leaked by siw" ;;
4) echo "ok kmemleak # SKIP no kmemleak in this kernel" ;;
*) echo "not ok kmemleak: objects allocated by siw leaked"; rc=1 ;;
esac
exit $rc
