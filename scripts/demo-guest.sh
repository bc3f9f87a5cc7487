#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo-guest.sh: the guest half of `make demo` (busybox sh, run as root by
# scripts/demo.sh through scripts/vm-run.sh).  Loads pgcluster with the
# fragmentation injector and a 2 MiB pool, fragments all free memory into a
# checkerboard, and shows what the buddy allocator and pgcluster can still
# do.  With DUMP_MAPS=1 in the environment it also prints whole-memory maps
# between "=== map-before ===" / "=== map-after ===" and "=== end ===" for
# scripts/map2png.py.

D=/sys/kernel/debug/pgcluster
I=$D/inject
MODDIR=${PGC_MODDIR:-/pgcluster}

title() {
	echo
	echo "=============================================================================="
	echo "$*"
	echo "=============================================================================="
}
note() { echo "  $*"; }

probes() {
	for o in ${1:-1 2 3 4 5}; do
		echo $o > $D/probe
		note "$(cat $D/probe)"
	done
}

pgprobe() {
	echo "$1" > $D/probe_pgcluster
	note "pgcluster_alloc($1) -> $(head -n1 $D/probe_pgcluster)"
}

verdict() {
	note "free memory and the largest free block, per zone:"
	grep '^node' $D/checkerboard | sed 's/^/    /'
	note "can the buddy allocator hand out a block of each order?"
	grep '^order-[0-9]*:' $D/checkerboard | sed 's/^/    /'
}

window() {
	echo "$1" > $D/map_start
	echo 1024 > $D/map_pages
	echo 0 > $D/map_scale
	cat $D/map | sed 's/^/  /'
}

dump_map() {
	[ "$DUMP_MAPS" = 1 ] || return 0
	echo 0 > $D/map_start
	echo 524288 > $D/map_pages
	echo 0 > $D/map_scale
	echo "=== map-$1 ==="
	cat $D/map
	echo "=== end ==="
	echo "=== report-$1 ==="
	cat $D/checkerboard
	echo "=== end ==="
}

title "pgcluster demo: what a checkerboard of free memory does to allocations"
note "The buddy allocator hands out memory in power-of-two blocks (order-0 ="
note "4 KiB, order-1 = 8 KiB, ... order-5 = 128 KiB).  If every other page is"
note "in use, half of memory is free but no two free pages touch: even 8 KiB"
note "can fail.  pgcluster keeps a pool of 2 MiB clusters and serves any size"
note "from them, so drivers still get physically contiguous memory."

insmod "$MODDIR/pgcluster.ko" allow_inject=1 pool_mb=2 || exit 1
note "loaded: pgcluster.ko allow_inject=1 pool_mb=2 (one 2 MiB cluster)"

title "1. Before: memory as the kernel left it after boot"
verdict
note
note "A window of physical memory (1024 pages from pfn 0x40000, 1 GiB):"
window 0x40000
dump_map before
note
note "Buddy probes (one real allocation each, given straight back):"
probes

title "2. Fragment: pin every other page of all free memory (checkerboard)"
echo checkerboard > $I/pattern
echo 100% > $I/amount
note "echo checkerboard > inject/pattern; echo 100% > inject/amount"
note "echo start > inject/control    (timed:)"
time echo start > $I/control
grep -E '^(pinned|last start)' $I/status | sed 's/^/  /'

title "3. After: the same window, now a checkerboard (x = pinned, . = free)"
window 0x40000
dump_map after
note
note "time to read the whole report and a map of all 2 GiB:"
echo 0 > $D/map_start; echo 524288 > $D/map_pages
time cat $D/checkerboard > /dev/null
time cat $D/map > /dev/null
echo 1024 > $D/map_pages
note
verdict

title "4. The buddy allocator under the checkerboard"
note "Half of memory is free, yet no block of 128 KiB or more is left.  The"
note "injector leaves the kernel a small reserve of 64 KiB blocks (fork needs"
note "8 KiB ones), and compaction can still move a few movable pages; the"
note "pinned kernel pages cannot move."
probes "1 2 3 4 5 6 7"

title "5. pgcluster under the same checkerboard: served from its pool"
pgprobe 9000
pgprobe 36K
pgprobe 128K
note "(9000 B costs 9024 B of the cluster, not a 16 KiB buddy block)"

title "6. Past the pool's end: fill the pool, then ask again"
note "Hold allocations until the pool (2 MiB, cannot grow now) is full:"
for size in 2M 1M 512K 256K 128K 64K 36K; do
	n=0
	while [ $n -lt 8 ]; do
		echo "$size hold" > $D/probe_pgcluster 2>/dev/null || break
		head -n1 $D/probe_pgcluster | grep -q FAILED && break
		n=$((n + 1))
	done
	[ $n -gt 0 ] && note "held $n x $size"
done
note "$(tail -n1 $D/probe_pgcluster)"
pgprobe 36K
note "with PGCLUSTER_VIRTOK the emergency allocator maps single pages:"
pgprobe "36K virtok"
echo release > $D/probe_pgcluster
note "released the held allocations"

title "7. Release the checkerboard: memory recovers"
echo release > $I/control
grep -E '^(state|pinned)' $I/status | sed 's/^/  /'
probes
verdict

rmmod pgcluster
title "Done.  See README (Fragmentation lab) for every debugfs file."
