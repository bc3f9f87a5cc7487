#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unload while the lab is busy (busybox sh, TAP 13): rmmod pgcluster while
# a start's pages are pinned, and while a "seal:MS" window is armed.  The
# unload must succeed, give every pinned and sealed page back (free pages
# return to within 2% of what they were before the load) and leave nothing
# for kmemleak (the host harness scans after the run).  Inside a seal no
# fork may succeed, so the rmmod is a process forked before the seal that
# waits on a FIFO and then execs rmmod.
. "$(dirname "$0")/tap.sh"
ko=$PGC_MODDIR/pgcluster.ko
I=/sys/kernel/debug/pgcluster/inject

pgc_unload_all
if [ ! -f "$ko" ]; then
	tap_skip unload_busy "needs $ko"
	tap_finish
fi
free0=$(pgc_free_pages)
tap_diag "free pages before: $free0"

# recovered: free pages are back to within 2% of the start.
recovered() {
	f=$(pgc_free_pages)
	tap_diag "free pages now: $f"
	[ $((f * 100)) -ge $((free0 * 98)) ]
}

# While pinned.
insmod "$ko" allow_inject=1 pool_mb=4 || { tap_fail "load with allow_inject=1"; tap_finish; }
echo checkerboard > $I/pattern && echo 30% > $I/amount && echo start > $I/control
tap_check "pages pinned ($(sed -n 's/^pinned: //p' $I/status))" test "$(cat $I/control)" = pinned
tap_check "rmmod while pinned" rmmod pgcluster
tap_check "pinned pages returned" recovered

# While a seal:MS window is armed.
insmod "$ko" allow_inject=1 pool_mb=4 || { tap_fail "reload"; tap_finish; }
echo checkerboard > $I/pattern && echo 100% > $I/amount && echo start > $I/control
fifo=/tmp/unload_busy.fifo
rm -f $fifo
mkfifo $fifo
( read -r go < $fifo; exec rmmod pgcluster ) &
remover=$!
sealed=no
if echo seal:10000 > $I/control; then
	read -r state < $I/control
	[ "$state" = sealed ] && sealed=yes
fi
echo go > $fifo
wait $remover
rc=$?
rm -f $fifo
tap_check "seal:10000 armed before the unload" test $sealed = yes
tap_check "rmmod inside the seal window (exit $rc)" test $rc = 0 -a ! -d /sys/module/pgcluster
tap_check "pinned and sealed pages returned" recovered
tap_finish
