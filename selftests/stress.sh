#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Both allocators under concurrent stress while user space stirs the pot.
#
# Loads pgcluster (allow_inject=1) and pgcluster_test (stress_seconds from
# STRESS_SECONDS, default 60) from $PGC_MODDIR and runs the in-kernel
# `stress` case in the background: kthreads allocating, stamping, checking
# and freeing in every gfp and free context (see modules/test_stress.c).
# Meanwhile, until the case ends, one round a second of knobs:
#   - drop_caches, so the shrinkers (pool and slot cache) run under load;
#   - pool growth from the buddy allocator (debugfs pool_grow; -ENOMEM is
#     fine);
#   - slot_cache cycled through 1, 4, 16 and 0;
#   - force_virtual on in odd rounds, off in even ones, so PGCLUSTER_VIRTOK
#     requests take the emergency path part of the time, and every third
#     round the next 16 emergency page allocations fail (emerg_fail_pages),
#     so its page reserve is used;
# and alongside, one after the other (together they could run the guest
# out of memory):
#   - when the injector is there, a checkerboard over STRESS_INJECT_PCT
#     (default 15) percent of free memory, held for two seconds, then
#     released (30% takes about 30 s to lay under TCG);
#   - a tmpfs filled to within 4 MiB of its limit, sized from MemAvailable
#     less STRESS_MARGIN_MB (default 320: the case's 64 MiB cap, pool slack
#     and the guest), drop_caches while it is full, then removed;
# a start or a fill still running when the case ends is cut short.
# Then: the case passed (the write succeeded and its log has a summary and
# no FAIL), the emergency path was used, no bad frees, nothing live
# (live_allocations and emerg_live_slots 0), both modules unload and
# pgcluster reports no leak.  The host harness fails the run on any kernel
# report in the console.  The case's summary is printed as a diagnostic.
# shellcheck source=selftests/tap.sh
. "$(dirname "$0")/tap.sh"
D=/sys/kernel/debug/pgcluster
I=$D/inject
T=/sys/kernel/debug/pgcluster_test
P=/sys/module/pgcluster/parameters
secs=${STRESS_SECONDS:-60}
margin=${STRESS_MARGIN_MB:-320}
inject_pct=${STRESS_INJECT_PCT:-15}
fill=/tmp/pgc-stress-fill
rcfile=/tmp/pgc-stress.rc

pgc_test_modules stress
dmesg -c > /dev/null
if ! insmod "$ko" allow_inject=1 || ! insmod "$tko" stress_seconds="$secs"; then
	tap_fail "load pgcluster allow_inject=1 and pgcluster_test stress_seconds=$secs"
	pgc_unload_all
	tap_finish
fi

stats() {
	tap_diag "$1: pool $(pgc_stat pool_bytes) clusters $(pgc_stat clusters) refills $(pgc_stat refills) grow_sync $(pgc_stat grow_sync) shrinks $(pgc_stat shrinks) live $(pgc_stat live_allocations) emerg_allocs $(pgc_stat emerg_allocs) emerg_live_slots $(pgc_stat emerg_live_slots) cache_hits $(pgc_stat emerg_cache_hits) reserve_used $(pgc_stat reserve_pages_used) deferred_frees $(pgc_stat deferred_frees) bad_frees $(pgc_stat bad_frees)"
}

# tmpfs_fill SECONDS_LEFT: fills a tmpfs close to its limit, sized so that
# the guest keeps $margin MiB, runs the shrinkers while it is full, and
# removes it.
tmpfs_fill() {
	left=$1
	[ "$left" -ge 5 ] || return
	avail=$(awk '$1 == "MemAvailable:" {print int($2 / 1024)}' /proc/meminfo)
	mb=$((avail - margin))
	if [ "$mb" -lt 32 ]; then
		fills_skipped=$((fills_skipped + 1))
		return
	fi
	mkdir -p $fill
	if ! mount -t tmpfs -o size=${mb}m pgc-stress $fill; then
		fills_skipped=$((fills_skipped + 1))
		return
	fi
	# fallocate zeroes the pages without copying them from user space:
	# faster than dd, though under TCG either takes a minute or more for
	# the whole guest.  Cut short when the case ends, so that the run's
	# length stays bounded.
	ts=$(date +%s)
	timeout $((left + 1)) fallocate -l $((mb - 4))m $fill/fill 2> /dev/null
	frc=$?
	if [ $frc -eq 1 ]; then
		timeout $((left + 1)) dd if=/dev/zero of=$fill/fill bs=1M count=$((mb - 4)) 2> /dev/null
		frc=$?
	fi
	[ $frc -gt 128 ] && fills_cut=$((fills_cut + 1))
	fill_secs=$(($(date +%s) - ts))
	echo 3 > /proc/sys/vm/drop_caches
	rm -f $fill/fill
	umount $fill
	fills=$((fills + 1))
	fill_mb=$mb
}

# inject_cycle SECONDS_LEFT: a checkerboard over $inject_pct% of free
# memory for two seconds.  A start still running when the case ends is
# stopped by a signal (the injector then keeps what it pinned so far).
inject_cycle() {
	left=$1
	[ -d $I ] && [ "$left" -ge 5 ] || return
	ts=$(date +%s)
	if ! echo checkerboard > $I/pattern || ! echo "$inject_pct%" > $I/amount; then
		inject_fails=$((inject_fails + 1))
		return
	fi
	timeout $((left + 1)) sh -c "echo start > $I/control"
	case $? in
	0) injects=$((injects + 1)) ;;
	1) inject_fails=$((inject_fails + 1)) ;;
	*) injects_cut=$((injects_cut + 1)) ;;
	esac
	inject_secs=$(($(date +%s) - ts))
	sleep 2
	echo release > $I/control || inject_fails=$((inject_fails + 1))
}

# The knobs, once a second until the case ends.  Runs in a subshell: the
# counts come back through a file.
knobs_loop() {
	drops=0 grows=0 grow_enomem=0 resizes=0 resize_fails=0 virt_on=0
	fail_pages=0 round=0
	while [ ! -s $rcfile ]; do
		round=$((round + 1))
		echo 3 > /proc/sys/vm/drop_caches && drops=$((drops + 1))
		if echo "buddy 0" > $D/pool_grow 2> /dev/null; then
			grows=$((grows + 1))
		else
			grow_enomem=$((grow_enomem + 1))
		fi
		case $((round % 4)) in
		0) v=0 ;;
		1) v=1 ;;
		2) v=4 ;;
		*) v=16 ;;
		esac
		if echo $v > $P/slot_cache; then
			resizes=$((resizes + 1))
		else
			resize_fails=$((resize_fails + 1))
		fi
		if [ $((round % 2)) -eq 1 ]; then
			echo 1 > $D/force_virtual && virt_on=$((virt_on + 1))
		else
			echo 0 > $D/force_virtual
		fi
		if [ $((round % 3)) -eq 0 ]; then
			echo 16 > $D/emerg_fail_pages &&
				fail_pages=$((fail_pages + 1))
		fi
		sleep 1
	done
	echo "rounds=$round drops=$drops grows=$grows grow_enomem=$grow_enomem resizes=$resizes resize_fails=$resize_fails virt_on=$virt_on fail_pages=$fail_pages" > $rcfile.knobs
}

# Injection and tmpfs fills, one after the other (together they could
# run the guest out of memory), until the case ends.
heavy_loop() {
	fills=0 fills_skipped=0 fill_mb=0 fill_secs=0 injects=0 inject_fails=0
	inject_secs=0 injects_cut=0 fills_cut=0
	while [ ! -s $rcfile ]; do
		inject_cycle $((t0 + secs - $(date +%s)))
		[ -s $rcfile ] && break
		tmpfs_fill $((t0 + secs - $(date +%s)))
		sleep 1
	done
	echo "fills=$fills fills_skipped=$fills_skipped fill_mb=$fill_mb fill_secs=$fill_secs fills_cut=$fills_cut injects=$injects injects_cut=$injects_cut inject_fails=$inject_fails inject_secs=$inject_secs" > $rcfile.heavy
}

stats "loaded"
bad0=$(pgc_stat bad_frees)
emerg0=$(pgc_stat emerg_allocs)
t0=$(date +%s)
rm -f $rcfile $rcfile.knobs $rcfile.heavy
# The write returns when the case ends: 0 on pass, -EIO on failure.
(
	if echo stress > $T/run; then
		echo 0 > $rcfile
	else
		echo 1 > $rcfile
	fi
) &
bg=$!
knobs_loop &
kp=$!
heavy_loop &
hp=$!
wait $bg
t1=$(date +%s)
wait $kp $hp
echo 0 > $D/force_virtual
echo 0 > $D/emerg_fail_pages
echo 16 > $P/slot_cache
rc=$(cat $rcfile)
rounds=0 drops=0 resize_fails=1 virt_on=0 inject_fails=1
# shellcheck source=/dev/null
. $rcfile.knobs
# shellcheck source=/dev/null
. $rcfile.heavy

tap_diag "case ran $((t1 - t0)) s; $rounds rounds: drop_caches $drops, pool_grow $grows (ENOMEM $grow_enomem), slot_cache $resizes (failed $resize_fails), force_virtual on $virt_on, emerg_fail_pages $fail_pages; tmpfs fills $fills (last $fill_mb MiB in $fill_secs s, cut short $fills_cut, skipped $fills_skipped), injections $injects (last laid in $inject_secs s, cut short $injects_cut, failed $inject_fails)"
sed 's/^/# /' $T/log
tap_check "stress_case_passes" [ "$rc" = 0 ]
tap_check "summary_without_fail" sh -c "grep -q '^summary: ' $T/log && ! grep -q FAIL $T/log"
tap_check "pressure_applied" [ "$drops" -gt 0 -a "$resize_fails" -eq 0 ]
if [ -d $I ]; then
	tap_check "injection_cycles" [ "$inject_fails" -eq 0 ]
else
	tap_skip "injection_cycles" "no injector (allow_inject=1 refused?)"
fi
# Every odd round sent VIRTOK requests to the emergency path.
if [ "$virt_on" -gt 0 ] && [ "$secs" -ge 10 ]; then
	tap_check "emergency_path_used" [ "$(pgc_stat emerg_allocs)" -gt "$emerg0" ]
else
	tap_skip "emergency_path_used" "run too short for force_virtual rounds"
fi
tap_check "no_bad_frees" [ "$(pgc_stat bad_frees)" -eq "$bad0" ]

# Frees from interrupt context unmap emergency slots in a worker: give it a
# moment before counting what is still live.
n=0
while [ "$(pgc_stat emerg_live_slots)" -ne 0 ] && [ $n -lt 20 ]; do
	sleep 1
	n=$((n + 1))
done
stats "after the case"
tap_check "nothing_live_after_case" [ "$(pgc_stat live_allocations)" -eq 0 ]
tap_check "no_emergency_slots_live" [ "$(pgc_stat emerg_live_slots)" -eq 0 ]

tap_check "unload_pgcluster_test" rmmod pgcluster_test
tap_check "unload_pgcluster" rmmod pgcluster
pgc_check_unloaded unload_clean
tap_finish
