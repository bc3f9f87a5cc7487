#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab.sh: selftest of the fragmentation lab in debugfs (busybox sh, TAP 13).
#
# Loads pgcluster.ko with allow_inject=1 from $PGC_MODDIR (default
# /pgcluster) unless it is loaded already, then checks the fragmentation
# report (and its old name, checkerboard), the map and its window files,
# both probes, a checkerboard injection over all free memory (map
# pattern, report verdicts, probes under fragmentation, -EBUSY on a second
# start), a sweep (it covers an order-8
# block that pgcluster_test.ko held across the start and then freed, and
# the buddy probes of order 6-10 fail right after it), the seal (every
# small block is taken too, so that sealed buddy probes of orders 1-5 fail;
# unsealed after a probe, on request, by its timer and by the OOM
# notifier), the watermark floor with a pattern that pins almost
# everything, release and recovery, and a few bad writes (debugfs_badinput
# tries hundreds).  Exit 0: all passed, 1: a failure, 4: skipped (pgcluster
# cannot be loaded).
#
# The buddy probes under the seal are sealed probes ("ORDER sealed"), which
# seal, ask and unseal inside one write.  The windows opened by hand
# (seal:MS) use shell builtins only between seal and unseal (echo, read,
# case, test; no $(...), no pipes, no external commands): fork() may fail
# there.  `read -t` on a FIFO is its sleep.  A GFP_KERNEL order-2 request
# made inside a seal (pgcluster_test.ko) shows the seal giving way to the
# OOM path instead of a task being killed, and the same request with every
# small block held and no seal shows pinned pages given back.  TAP comes
# from tap.sh, the helpers shared with the demo from lab_lib.sh.

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/lab_lib.sh"
D=$LAB_D
I=$LAB_I
LOADED=

# diag: a command's output as TAP diagnostics (builtins only)
diag() { while IFS= read -r _l; do tap_diag "$_l"; done; }
# pinned_now: the pages the injector holds now (status)
pinned_now() {
	sed -n 's/^pinned: \([0-9]*\) pages.*/\1/p' $I/status
}
# oom_given: "SEALED PINNED", the pages the injector gave to the OOM path
oom_given() {
	sed -n 's/^given to the OOM path: \([0-9]*\) sealed pages, \([0-9]*\) pinned.*/\1 \2/p' \
		$I/status | grep . || echo 0 0
}
# pins_lost: pinned pages given to the OOM path since the start ($given0)
pins_lost() {
	set -- $(oom_given)
	echo $(($2 - given0))
}

if [ ! -d $D ]; then
	if ! insmod "$PGC_MODDIR/pgcluster.ko" allow_inject=1 pool_mb=4 2>/dev/null
	then
		tap_skip lab "pgcluster.ko not loadable from $PGC_MODDIR"
		tap_finish
	fi
	LOADED=1
fi

# --- report -------------------------------------------------------------
cb=$(cat $D/fragmentation)
tap_check "fragmentation names every order in its verdict" \
	test "$(echo "$cb" | grep -c '^order-[0-9]*: [0-9]* blocks free')" -ge 11
tap_check "checkerboard, the old name, is a link to fragmentation" \
	sh -c "test -L $D/checkerboard &&
	       test \"\$(head -n1 $D/checkerboard)\" = \"\$(head -n1 $D/fragmentation)\""
tap_check "fragmentation lists the zones with their indexes" \
	sh -c "echo \"\$1\" | grep -q '^node 0 zone .* pages managed' &&
	       echo \"\$1\" | grep -q 'order *size *free blocks *unusable *fragidx'" \
	_ "$cb"

# --- map ----------------------------------------------------------------
old_start=$(cat $D/map_start); old_pages=$(cat $D/map_pages)
old_scale=$(cat $D/map_scale)
echo 0x1000 > $D/map_start && echo 256 > $D/map_pages &&
	echo 2 > $D/map_scale
tap_check "map window files read back what was written" \
	test "$(cat $D/map_start) $(cat $D/map_pages) $(cat $D/map_scale)" = \
	     "0x1000 256 2"
m=$(cat $D/map)
lines=$(echo "$m" | grep -c '^0x')
cells=$(echo "$m" | grep '^0x' | head -n1 | cut -d' ' -f2- | tr -d '\n' | wc -c)
tap_check "map of 256 pages at scale 2 is one line of 64 cells" \
	test "$lines" = 1 -a "$cells" = 64
echo 0 > $D/map_start; echo 4096 > $D/map_pages; echo 0 > $D/map_scale
m=$(cat $D/map)
wide=$(echo "$m" | awk 'length($0) > 80' | wc -l)
tap_check "map lines fit in 80 columns, 64 data lines, legend present" \
	test "$wide" = 0 -a "$(echo "$m" | grep -c '^0x')" = 64 -a \
	     "$(echo "$m" | grep -c '^legend:')" = 1
bad=$(echo "$m" | grep '^0x' | cut -c12- | tr -d '.#xP: \n' | wc -c)
tap_check "map uses only the legend's characters" test "$bad" = 0
if echo 1048577 > $D/map_pages 2>/dev/null; then
	tap_fail "map refuses more than 2^20 cells"
else
	tap_ok "map refuses more than 2^20 cells"
fi
echo 16 > $D/map_scale && echo 1048576 > $D/map_pages
tap_check "a 4 GiB window is accepted at scale 16" \
	test "$(cat $D/map_pages)" = 1048576
echo 4096 > $D/map_pages; echo 0 > $D/map_scale

# --- probes -------------------------------------------------------------
echo 0 > $D/probe
tap_check "buddy probe of order 0 succeeds" grep -q '^buddy order-0 (4 KiB): ok (pfn 0x' $D/probe
echo 10 > $D/probe
tap_check "buddy probe of order 10 answers" grep -q '^buddy order-10 (4 MiB): ' $D/probe
echo 9000 > $D/probe_pgcluster
r=$(cat $D/probe_pgcluster)
if echo "$r" | grep -q FAILED; then
	tap_skip "pgcluster probe of 9000 B" "pool serves nothing: $r"
	pool=
else
	tap_check "pgcluster probe of 9000 B is contiguous, usable >= 9000" \
		sh -c "echo \"\$1\" | grep -Eq '^9000 B: contiguous, pfn 0x[0-9a-f]+-0x[0-9a-f]+, usable (9[0-9]{3}|[0-9]{5,}) B'" _ "$r"
	pool=1
fi

# --- injection ----------------------------------------------------------
if [ ! -d $I ]; then
	tap_skip injector "load with allow_inject=1"
else
	# Compaction is off for orders above 3 (see lab_compaction_off) from
	# the start to the end of the sealed probes.
	lab_compaction_off
	# pgcluster_test.ko holds an order-8 block across the start and frees
	# it after: memory the kernel gave back since, for the sweep below
	T2=/sys/kernel/debug/pgcluster_test
	# A check that needs pgcluster_test.ko skips only when the module is
	# not there; when it is there and the check could not use it, it fails.
	tko_skip() {
		if [ -f "$PGC_MODDIR/pgcluster_test.ko" ]; then
			tap_fail "$1 (pgcluster_test.ko is there but could not be used)"
		else
			tap_skip "$1" "no pgcluster_test.ko"
		fi
	}
	TLOADED= held=
	if [ ! -d $T2 ] && insmod "$PGC_MODDIR/pgcluster_test.ko" 2>/dev/null; then
		TLOADED=1
	fi
	if [ -d $T2 ] && echo lab_hold_block > $T2/run 2>/dev/null; then
		held=$(sed -n 's/.*order-8 block at pfn \(0x[0-9a-f]*\).*/\1/p' $T2/log)
	fi
	echo checkerboard > $I/pattern && echo 100% > $I/amount
	t0=$(date +%s)
	echo start > $I/control
	t1=$(date +%s)
	grep -E '^(pinned|last start|node)' $I/status | diag
	echo "# injection took $((t1 - t0)) s"
	pinned=$(pinned_now)
	set -- $(oom_given); given0=$2
	tap_check "checkerboard pins pages, control reads pinned" \
		test "${pinned:-0}" -gt 1000 -a "$(cat $I/control)" = pinned
	if echo start > $I/control 2>/dev/null; then
		tap_fail "second start is refused while pinned"
	else
		tap_ok "second start is refused while pinned"
	fi
	echo 0 > $D/map_start; echo 524288 > $D/map_pages
	n=$(grep -c 'x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.x\.' $D/map)
	echo 4096 > $D/map_pages
	tap_check "map shows the checkerboard (x. lines: $n)" test "$n" -gt 100
	# Orders 1-5 may be served from the injector's kernel reserve (order-4
	# blocks) or, up to order 3, by compaction of movable pages.  From
	# order 6 up nothing of the pattern is left (the pinned pages cannot
	# move), but the kernel keeps freeing memory it held during the start,
	# and on the debug kernel those pages re-form order-6 blocks within
	# tens of seconds (the map read above takes seconds there).  A sweep
	# covers them again, and the probes of order 6-10 follow it at once
	# (builtins only in between).  Free pages waiting on per-cpu lists
	# are in no free list, so neither the sweep nor the report sees them
	# until the kernel flushes them, at any time, and then they may merge
	# into a block of order 6 to 9.  So the verdicts checked are those
	# each probe recorded from the free lists it searched, in the same
	# write (the report's "probe order-N:" lines); the report's current
	# verdicts are diagnostics.  A probe that finds nothing reclaims,
	# drains the per-cpu lists and tries again, so it may be served by
	# those pages: a served probe passes only when its own line shows the
	# per-cpu lists shrank during it.
	[ -n "$held" ] && echo lab_free_block > $T2/run
	swrc=1
	echo sweep > $I/control && swrc=0
	r6=; for o in 6 7 8 9 10; do
		echo $o > $D/probe
		read -r line < $D/probe
		r6="$r6$line
"
	done
	printf '%s' "$r6" | diag
	grep -E '^(pinned|sweeps)' $I/status | diag
	cb=$(cat $D/fragmentation)
	echo "$cb" | grep -E '^(probe order-([6-9]|10):|order-([6-9]|10):|  per-cpu)' | diag
	frag=$(echo "$cb" | grep -c '^probe order-\([6-9]\|10\): [a-zA-Z]*, 0 blocks free just before it: fragmented;')
	live=$(echo "$cb" | grep -c '^order-\([6-9]\|10\): 0 blocks free, .*: fragmented$')
	[ "$live" = 5 ] ||
		echo "# since the probes, $((5 - live)) of the orders 6-10 got a free block (per-cpu pages flushed?)"
	tap_check "verdicts for orders 6-10, read with each probe, say fragmented ($frag of 5)" \
		test "$frag" = 5
	served=$(printf '%s' "$r6" | grep -v FAILED | sed -n 's/^buddy order-\([0-9]*\) .*/\1/p' | tr '\n' ' ')
	fails=$(printf '%s' "$r6" | grep -c ': FAILED$')
	# served orders whose per-cpu lists shrank during the probe
	drained=$(echo "$cb" | sed -n 's/^probe order-\([0-9]*\): ok, .*per-cpu lists \([0-9]*\) -> \([0-9]*\) pages$/\1 \2 \3/p' |
		awk '$1 >= 6 && $3 < $2' | wc -l)
	tap_check "sweep accepted, status counts it" \
		sh -c "test $swrc = 0 && grep -q '^sweeps since: 1, [0-9]* pages covered' $I/status"
	tap_check "right after a sweep, buddy probes of order 6-10 fail or are served by drained per-cpu pages (served: ${served:-none}, $drained drained)" \
		test $((fails + drained)) = 5
	if [ -n "$held" ]; then
		echo "$held" > $D/map_start; echo 256 > $D/map_pages
		n=$(grep -cE '^0x[0-9a-f]+ (x[.#]){32}$' $D/map)
		[ "$n" = 4 ] || cat $D/map | diag
		echo 0 > $D/map_start; echo 4096 > $D/map_pages
		tap_check "the sweep covered the order-8 block freed after the start (pfn $held, $n of 4 map lines x.)" \
			test "$n" = 4
	else
		tko_skip "the sweep covers a block freed after the start"
	fi
	for o in 1 2 3 4 5; do
		echo $o > $D/probe
		cat $D/probe | diag
	done
	# the pin counts below are relative to the start and this sweep
	pinned=$(($(pinned_now) + $(pins_lost)))
	if [ -n "$pool" ]; then
		echo 36K > $D/probe_pgcluster
		cat $D/probe_pgcluster | head -n1 | diag
		tap_check "pgcluster still serves 36 KiB contiguously" \
			grep -q '^36864 B: contiguous' $D/probe_pgcluster
	else
		tap_skip "pgcluster serves 36 KiB under fragmentation" "no pool"
	fi

	# --- seal ---------------------------------------------------------
	rejected=0
	for v in seal: seal:0 seal:10001 seal:-1 seal:1x "seal: 5" unseal:1 \
		 seal:0x10 seal:99999999999999999999 Seal; do
		echo "$v" > $I/control 2>/dev/null || rejected=$((rejected + 1))
	done
	tap_check "10 bad seal writes rejected, control reads pinned ($rejected)" \
		test "$rejected" = 10 -a "$(cat $I/control)" = pinned
	# Sealed probes: each seals, asks and unseals in one write; three
	# tries per order.  Compaction of orders 1-3 cannot be turned off and
	# now and then makes a small block out of movable pages (2 of 60
	# sealed probes of orders 1-3 in a row on the debug kernel), so the
	# goal is "near 0%": at least 2 of 3 tries fail for each order, and at
	# most 2 of the 15 succeed.
	total=0
	for o in 1 2 3 4 5; do
		lab_sealed_probe $o 3
		printf '%s' "$lab_lines" | diag
		total=$((total + 3 - lab_failed))
		tap_check "sealed: buddy order-$o failed $lab_failed of 3 times" \
			test $lab_failed -ge 2
	done
	tap_check "sealed: $total of 15 buddy probes of orders 1-5 succeeded (at most 2)" \
		test $total -le 2
	lab_compaction_restore
	if [ -n "$pool" ]; then
		echo "36K sealed" > $D/probe_pgcluster
		pg=$(head -n1 $D/probe_pgcluster)
		tap_check "sealed: pgcluster serves 36 KiB ($pg)" \
			sh -c 'echo "$1" | grep -Eq "^36864 B: contiguous, .*, sealed$"' _ "$pg"
	else
		tap_skip "sealed: pgcluster serves 36 KiB" "no pool"
	fi
	grep -E '^(pinned|last seal)' $I/status | diag
	now=$(pinned_now)
	lost=$(pins_lost)
	tap_check "after the sealed probes: unsealed, $now pages pinned as after the start (less $lost given to the OOM path)" \
		sh -c "test '$now' = '$((pinned - lost))' -a \"\$(cat $I/control)\" = pinned &&
		       grep -q '^last seal: .*unsealed after its probe' $I/status"

	# a window by hand; builtins only from the seal to the unseal
	fifo=/tmp/lab-sleep.fifo
	rm -f $fifo; mkfifo $fifo
	sealrc=1 ctl= st= busy= swept=
	echo seal:3000 > $I/control && sealrc=0
	read -r ctl < $I/control
	while read -r line; do
		case $line in
		sealed:*|"not sealed") st=$line ;;
		esac
	done < $I/status
	echo seal > $I/control 2>/dev/null && busy=accepted
	echo sweep > $I/control 2>/dev/null && swept=accepted
	echo unseal > $I/control
	# end of the window
	grep -E '^(pinned|last seal)' $I/status | diag
	tap_check "seal:3000 accepted, control read sealed ($ctl)" \
		test "$sealrc" = 0 -a "$ctl" = sealed
	tap_check "status while sealed: '$st'" \
		sh -c 'echo "$1" | grep -Eq "^sealed: [0-9]+ pages, unseals in [0-9]+ ms$"' _ "$st"
	tap_check "a second seal while sealed is refused" test -z "$busy"
	tap_check "a sweep while sealed is refused" test -z "$swept"
	# The debug kernel under load can eat the kernel's reserve (KASAN
	# keeps freed slab objects in quarantine, so slabs keep growing):
	# the order-1 probe gets three tries, half a second apart, and the
	# pin counts below allow for pins the OOM path was given meanwhile.
	lab_probe_until_ok 1 3
	o1=$?
	printf '%s' "$lab_lines" | diag
	tap_check "unsealed: order-1 probe succeeds again (try $lab_tries)" test $o1 = 0
	now=$(pinned_now)
	lost=$(pins_lost)
	tap_check "unsealed: control reads pinned, $now pages pinned as after the start (less $lost given to the OOM path)" \
		test "$(cat $I/control)" = pinned -a "$now" = $((pinned - lost))
	# the timer unseals on its own; poll with builtins only
	ctl0= n=0
	echo seal:500 > $I/control
	read -r ctl0 < $I/control
	ctl=$ctl0
	while [ "$ctl" = sealed ] && [ $n -lt 100 ]; do
		read -t 0.1 line <> $fifo
		read -r ctl < $I/control
		n=$((n + 1))
	done
	grep -E '^(pinned|last seal)' $I/status | diag
	tap_check "seal:500 unseals by itself (control '$ctl0', then '$ctl' after $n x 0.1 s)" \
		test "$ctl0" = sealed -a "$ctl" = pinned
	now=$(pinned_now)
	lost=$(pins_lost)
	tap_check "after the timer: $now pages pinned as after the start (less $lost given to the OOM path), status says so" \
		sh -c "test '$now' = '$((pinned - lost))' &&
		       grep -q '^last seal: .*unsealed by its timer' $I/status &&
		       grep -q '^not sealed' $I/status"
	rm -f $fifo

	# the seal gives way to the OOM path: a GFP_KERNEL order-2 request
	# (pgcluster_test.ko's lab_order2_alloc) finds no block while sealed,
	# retries, and reaches out_of_memory(), whose notifier unseals
	if [ -d $T2 ]; then
		# Compaction of order 2 cannot be turned off and may find a
		# block before the request reaches the OOM path: then the seal
		# is still on after it, which proves nothing either way, and
		# the request is made again (3 tries at most).
		set -- $(oom_given); s0=$1 p0=$2
		oomrc=1 try=0 ended=
		while [ $try -lt 3 ] && [ -z "$ended" ]; do
			try=$((try + 1))
			oomrc=1
			echo seal:10000 > $I/control
			echo lab_order2_alloc > $T2/run 2>/dev/null && oomrc=0
			grep -q '^last seal: .*unsealed early: the kernel ran out of memory' $I/status && ended=1
			echo unseal > $I/control
			cat $T2/log | diag
		done
		grep -E '^(last seal|given to)' $I/status | diag
		set -- $(oom_given); s1=$1 p1=$2
		# The seal gives way first.  If what it gave was not enough
		# (the debug kernel eats the kernel's reserve over time, and a
		# late seal may hold only a few blocks), the next call of the
		# notifier, unsealed by then, gives pinned pages back too.
		tap_check "a GFP_KERNEL order-2 request inside a seal succeeds: the seal gave way to the OOM path (try $try, $((s1 - s0)) sealed and $((p1 - p0)) pinned pages given)" \
			test $oomrc = 0 -a -n "$ended" -a $((s1 - s0)) -gt 0
		now=$(pinned_now)
		lost=$(pins_lost)
		tap_check "after the OOM notifier: $now pages pinned, as after the start less $lost given to the OOM path" \
			test "$now" = $((pinned - lost))
		# without a seal: lab_oom_unpins holds every small block left
		# (the kernel's reserve), then makes the same request; the
		# notifier gives back pinned pages, a bitmap chunk per call
		oomrc=1
		echo lab_oom_unpins > $T2/run 2>/dev/null && oomrc=0
		cat $T2/log | diag
		grep -E '^(pinned|given to)' $I/status | diag
		set -- $(oom_given); s2=$1 p2=$2
		tap_check "unsealed, every small block held: a GFP_KERNEL order-2 request succeeds, $((p2 - p1)) pinned pages given to the OOM path" \
			test $oomrc = 0 -a $((p2 - p1)) -gt 0
	else
		tko_skip "the seal gives way to the OOM path"
		tko_skip "pages pinned after the OOM notifier"
		tko_skip "pinned pages given to the OOM path"
	fi

	echo release > $I/control
	[ -n "$TLOADED" ] && rmmod pgcluster_test
	if echo seal > $I/control 2>/dev/null; then
		echo unseal > $I/control
		tap_fail "seal is refused when nothing is pinned"
	else
		tap_ok "seal is refused when nothing is pinned"
	fi
	if echo "1 sealed" > $D/probe 2>/dev/null; then
		tap_fail "a sealed probe is refused when nothing is pinned"
	else
		tap_ok "a sealed probe is refused when nothing is pinned"
	fi
	tap_check "release gives every page back" \
		sh -c "grep -q '^pinned: 0 pages' $I/status &&
		       test \"\$(cat $I/control)\" = idle"
	echo 5 > $D/probe
	tap_check "order-5 probe succeeds again after release" \
		grep -q 'ok (pfn' $D/probe
	# a pattern that pins 99% must stop at the watermark floor
	echo random:99 > $I/pattern && echo 100% > $I/amount
	echo start > $I/control
	grep '^last start' $I/status | diag
	free=$(awk '/MemFree/ {print $2}' /proc/meminfo)
	echo release > $I/control
	echo checkerboard > $I/pattern; echo 90% > $I/amount
	tap_check "random:99 stops at the floor ($free KiB stayed free)" \
		test "$free" -gt 16384
fi

# holding grows the pool; done last so that clusters the pool's shrinker
# returns later cannot show up as free blocks during the injection tests
echo "2M hold" > $D/probe_pgcluster 2>/dev/null
echo "64K hold" > $D/probe_pgcluster 2>/dev/null
h=$(tail -n1 $D/probe_pgcluster)
echo "release" > $D/probe_pgcluster
tap_check "probe_pgcluster holds and releases ($h)" \
	grep -q '^held: 0 allocations, 0 B' $D/probe_pgcluster

# --- bad input (debugfs_badinput does the thorough job) -------------------
before="$(cat $D/map_scale) $(cat $D/map_pages) $(cat $D/inject/pattern 2>/dev/null)"
rejected=0
for v in -1 abc 21 0x 99999999999999999999 "1 2" " "; do
	printf '%s' "$v" > $D/map_scale 2>/dev/null || rejected=$((rejected + 1))
done
for v in stride:1 random:100 blocks:99 Checkerboard; do
	[ -d $I ] || { rejected=$((rejected + 1)); continue; }
	echo "$v" > $I/pattern 2>/dev/null || rejected=$((rejected + 1))
done
after="$(cat $D/map_scale) $(cat $D/map_pages) $(cat $D/inject/pattern 2>/dev/null)"
tap_check "11 bad writes rejected, state unchanged ($rejected)" \
	test "$rejected" = 11 -a "$before" = "$after"

echo "$old_start" > $D/map_start; echo "$old_pages" > $D/map_pages
echo "$old_scale" > $D/map_scale
[ -n "$LOADED" ] && rmmod pgcluster
tap_finish
