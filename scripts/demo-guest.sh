#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo-guest.sh: the guest half of `make demo` (busybox sh, run as root by
# scripts/demo.sh through scripts/vm-run.sh).  Loads pgcluster with the
# fragmentation injector and a 2 MiB pool, fragments all free memory into a
# checkerboard, and shows what the buddy allocator and pgcluster can still
# do, also in probes that carry a short "seal" of their own, in which the
# injector takes every small block left.  With DUMP_MAPS=1 in the
# environment it also prints whole-memory maps between "=== map-before ==="
# / "=== map-after ===" and "=== end ===" for scripts/map2png.py.

MODDIR=${PGC_MODDIR:-/pgcluster}
# the lab helpers shared with selftests/lab.sh (vm-run.sh copies selftests/)
. "${PGC_LAB_LIB:-$MODDIR/selftests/lab_lib.sh}" || exit 1
D=$LAB_D
I=$LAB_I

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

# sealprobe ORDER: three buddy probes, each inside a seal of its own;
# "N of 3 FAILED" in $sb<ORDER>
sealprobe() {
	lab_sealed_probe "$1" 3
	eval "sb$1=\"order-$1: $lab_failed of 3 FAILED\""
}
# sealpg NAME SIZE: pgcluster_alloc(SIZE) inside a seal, result in $sp<NAME>
sealpg() {
	_l="not sealed"
	echo "$2 sealed" > $D/probe_pgcluster &&
		_l=$(head -n1 $D/probe_pgcluster)
	case $_l in *", sealed") ;; *) _l="not sealed: $_l" ;; esac
	eval "sp$1=\$_l"
}
# row NEED BUDDY-RESULT PGCLUSTER-LINE: one line of the side-by-side table
row() {
	_b=${2:--}
	_p=-
	case $3 in
	"not sealed"*) _p="(${3%%: *}) ${3#not sealed: }" ;;
	*": contiguous, pfn "*)
		_r=${3#*pfn }
		_u=${3##*usable }
		_p="contiguous, ${_u%%,*} at pfn ${_r%%,*}" ;;
	?*) _p=${3#*: } ;;
	esac
	printf '  %-9s %-22s %s\n' "$1" "$_b" "$_p"
}

verdict() {
	note "free memory and the largest free block, per zone:"
	grep '^node' $D/fragmentation | sed 's/^/    /'
	note "can the buddy allocator hand out a block of each order?"
	grep '^order-[0-9]*:' $D/fragmentation | sed 's/^/    /'
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
	cat $D/fragmentation
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
time cat $D/fragmentation > /dev/null
time cat $D/map > /dev/null
echo 1024 > $D/map_pages
note
verdict

title "4. The buddy allocator under the checkerboard"
note "Half of memory is free, yet the report shows no free block of 128 KiB."
note "Orders 1-4 below still succeed: the injector left the kernel a small"
note "reserve of 64 KiB blocks (1/256 of memory) outside the checkerboard,"
note "because fork() needs 8 and 16 KiB blocks; without them the next command"
note "would wake the OOM killer.  These probes are served from that reserve"
note "(or from what compaction makes of movable pages: the pinned kernel"
note "pages cannot move)."
probes "1 2 3 4 5 6 7"

title "5. Sealed probes: not one free block of 8 KiB or more"
note "A probe written as \"ORDER sealed\" (or \"SIZE sealed\" for pgcluster)"
note "runs inside a seal of its own: the injector takes the kernel's reserve"
note "too, and every other free block of 8 KiB or more, whole; the probe"
note "asks; everything is given back; all in one write.  While it lasts, free"
note "memory is only the checkerboard's single 4 KiB pages, so the kernel"
note "itself could not fork() or grow a slab: the seal lasts milliseconds,"
note "and if the kernel runs out of memory meanwhile, the seal gives its"
note "blocks back to it before the OOM killer would pick a task."
note "(echo seal:MS > inject/control opens such a window by hand, MS <= 10 s.)"
note
note "Compaction can still move movable pages (this guest's files live in"
note "tmpfs) to make a block; for requests above 32 KiB it is turned off here"
note "(echo 1000 > /proc/sys/vm/extfrag_threshold), for smaller ones it"
note "cannot be, so each order is probed three times."
lab_compaction_off
sb1= sb2= sb3= sb4= sb5= sp9000= sp36K= sp128K=
for o in 1 2 3 4 5; do
	sealprobe $o
done
sealpg 9000 9000
sealpg 36K 36K
sealpg 128K 128K
lab_compaction_restore
note
note "Each row: sealed buddy probes and a sealed pgcluster_alloc():"
note
printf '  %-9s %-22s %s\n' "need" "buddy allocator" "pgcluster_alloc()"
row "8 KiB" "$sb1" ""
row "9000 B" "$sb2" "$sp9000"
row "32 KiB" "$sb3" ""
row "36 KiB" "$sb4" "$sp36K"
row "128 KiB" "$sb5" "$sp128K"
case "$sb1$sb2$sb3$sb4$sb5" in
*" 0 of 3"*|*" 1 of 3"*|*" 2 of 3"*)
	note "(fewer than 3 of 3: the kernel kept freeing memory, or compacted"
	note "movable pages, during a probe and a small block formed; the seal"
	note "takes such blocks first, but one can come between)"
	;;
esac
case "$sp9000$sp36K$sp128K" in
*"ended early"*)
	note "(ended early: the kernel ran short of memory during that probe and"
	note "the seal gave its blocks back)"
	;;
esac
note
note "The buddy allocator rounds 9000 B up to a 16 KiB block (order 2) and"
note "36 KiB to 64 KiB (order 4); pgcluster serves them from its 2 MiB cluster"
note "for 9024 B and 36864 B, whatever the free lists look like."
grep '^last seal' $I/status | sed 's/^/  /'
note "without a seal, the kernel's reserve is there again (on a busy debug"
note "kernel it may take a moment: up to three tries, half a second apart):"
lab_probe_until_ok 1 3
printf '%s' "$lab_lines" | while IFS= read -r _l; do note "$_l"; done

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
title "Done.  See docs/lab.md for every debugfs file."
