#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# workload.sh ARM SECONDS SEED: the guest half of scripts/experiment.sh
# (busybox sh, run as root through scripts/vm-run.sh).  ARM is kmalloc,
# pgcluster or virtok (pgcluster with PGCLUSTER_VIRTOK).
#
#  1. Loads pgcluster (allow_inject=1; pool_mb=0 in the kmalloc arm, so
#     that arm holds no pool) and driver_sim.ko for the arm and seed.
#  2. For SECONDS, churns page cache (churn files: tmpfs files, 19-38%
#     of memory), anonymous memory (churn anon: a heap of 19-38% of
#     memory, mmap()ed chunks) and dentries/inodes (churn small: up to
#     30000 small files), all seeded with SEED, while the driver runs.
#  3. Every EXP_INTERVAL seconds (default 5) prints one EXPROW line (CSV,
#     columns in the EXPHDR line) and one EXPBUDDY line per zone.
#  4. After the load: stops the churn with SIGSTOP (its memory and files
#     stay occupied, as compaction_test keeps memory occupied), freezes the
#     driver (its live buffers stay, as a running driver's would), compacts
#     (echo 1 > /proc/sys/vm/compact_memory) and asks nr_hugepages for as
#     many 2 MiB pages as free memory holds: EXPEND line.  The
#     compaction_test bar is a third of free memory.  Then ends the churn
#     (SIGTERM) and deletes its files.
#  5. The worst case: a checkerboard over all free memory (pgcluster's
#     lab), then 2 x CPUs + 2 tasks each needing a 16 KiB block per step for
#     EXP_WORST_MS (default 2000) while the lab's seal holds every block of
#     order >= 1; in the pgcluster arms with the pool as it is and with the
#     pool filled first; each EXP_WORST_REPS times (default 3), each in a
#     seal of its own: EXPWORST lines, with the pool's free bytes and
#     refills before the seal and at its end, whether the seal still held
#     at the end of the run, and vmstat deltas over the seal.
#  6. Stops the driver (every buffer checked) and prints a last EXPROW.
# Exits non-zero when the driver lost data or a step failed to run.

ARM=${1:?usage: workload.sh kmalloc|pgcluster|virtok SECONDS SEED}
SECS=${2:-60}
SEED=${3:-1}
INTERVAL=${EXP_INTERVAL:-5}
WORST_MS=${EXP_WORST_MS:-2000}
WORST_REPS=${EXP_WORST_REPS:-3}
M=${PGC_MODDIR:-/pgcluster}
P=/sys/kernel/debug/pgcluster
S=/sys/kernel/debug/driver_sim
X=/sys/kernel/debug/extfrag
V=/proc/sys/vm

case $ARM in
kmalloc) n=0 pool=0 ;;
pgcluster) n=1 pool=16 ;;
virtok) n=2 pool=16 ;;
*) echo "workload: unknown arm $ARM" >&2; exit 2 ;;
esac

insmod "$M/pgcluster.ko" allow_inject=1 pool_mb=$pool || exit 1
insmod "$M/driver_sim.ko" arm=$n seed="$SEED" || exit 1

mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
anon_mb=$((mem_mb * 38 / 100))
files_mb=$((mem_mb * 38 / 100))
small_max=30000
echo "workload: arm $ARM, ${SECS}s, seed $SEED, ${mem_mb} MiB: anon <= ${anon_mb} MiB, files <= ${files_mb} MiB, <= $small_max small files"

cat > /tmp/sample.awk <<'AWK'
# One EXPROW line (and EXPBUDDY lines) from the files named on the command
# line; the "highest" zone (the last in buddyinfo) gives the indexes.
FILENAME == "/proc/buddyinfo" {
	node = $2; sub(",", "", node); z = $4
	line = "EXPBUDDY," arm "," t "," node "," z
	free = 0
	m = 1
	# busybox awk may lack "^": block sizes by doubling
	for (i = 5; i <= NF; i++) {
		line = line "," $i
		free += $i * m
		m *= 2
	}
	print line
	zone = z; zfree = free
	next
}
FILENAME ~ /unusable_index/ { for (k = 0; k + 5 <= NF; k++) ui[$4, k] = $(5 + k); next }
FILENAME ~ /extfrag_index/ { for (k = 0; k + 5 <= NF; k++) ef[$4, k] = $(5 + k); next }
FILENAME == "/proc/vmstat" {
	vm[$1] = $2
	if ($1 ~ /^allocstall/) vm["allocstall"] += $2
	next
}
FILENAME ~ /pgcluster/ { if (!($1 in pg)) pg[$1] = $2; next }
{ ds[$1] = $2 }
function v(x) { return x == "" ? 0 : x }
END {
	printf "EXPROW,%s,%s,%s,%d", arm, t, zone, zfree
	printf ",%s,%s,%s", v(ui[zone, 2]), v(ui[zone, 3]), v(ui[zone, 9])
	printf ",%s,%s,%s", v(ef[zone, 2]), v(ef[zone, 3]), v(ef[zone, 9])
	printf ",%d,%d,%d", ds["probe_order2"], ds["probe_order3"], ds["probe_order9"]
	printf ",%d,%d,%d,%d", ds["proc_allocs"], ds["proc_fails"], ds["softirq_allocs"], ds["softirq_fails"]
	printf ",%d,%d", ds["proc_lost"] + ds["softirq_lost"], ds["proc_virtual"] + ds["softirq_virtual"]
	printf ",%d", (ds["proc_live_bytes"] + ds["softirq_live_bytes"]) / 1024
	printf ",%d,%d,%d,%d", ds["proc_lat_p50_ns"], ds["proc_lat_p99_ns"], ds["proc_lat_p999_ns"], ds["softirq_lat_p99_ns"]
	printf ",%d,%d", v(pg["pool_bytes"]), v(pg["emerg_allocs"])
	printf ",%d,%d,%d,%d", v(vm["compact_stall"]), v(vm["compact_fail"]), v(vm["compact_success"]), v(vm["allocstall"])
	printf ",%d,%d,%d,%d", v(vm["pgscan_kswapd"]), v(vm["pgscan_direct"]), v(vm["pgsteal_kswapd"]), v(vm["pgsteal_direct"])
	printf ",%d,%d,%d\n", v(vm["nr_free_pages"]), v(vm["nr_slab_unreclaimable"]), v(vm["nr_slab_reclaimable"])
}
AWK
echo "EXPHDR,arm,t,zone,zone_free_pages,unusable_2,unusable_3,unusable_9,extfrag_2,extfrag_3,extfrag_9,probe_2,probe_3,probe_9,drv_allocs,drv_fails,drv_atomic_allocs,drv_atomic_fails,drv_lost,drv_virtual,drv_live_kb,lat_p50_ns,lat_p99_ns,lat_p999_ns,atomic_lat_p99_ns,pool_bytes,emerg_allocs,compact_stall,compact_fail,compact_success,allocstall,pgscan_kswapd,pgscan_direct,pgsteal_kswapd,pgsteal_direct,nr_free_pages,nr_slab_unreclaimable,nr_slab_reclaimable"

sample() {
	awk -v arm="$ARM" -v t="$1" -f /tmp/sample.awk /proc/buddyinfo \
		$X/unusable_index $X/extfrag_index /proc/vmstat $P/stats \
		$S/sample
}

mkdir -p /tmp/churn-files /tmp/churn-small
sample 0
start=$(date +%s)
# The churn runs until it is stopped after the last sample: that sample is
# taken under load, and the end test runs with the churn's memory held.
cs=$((SECS + 3600))
"$M/churn" anon "$SEED" "$cs" "$anon_mb" &
p1=$!
"$M/churn" files /tmp/churn-files "$SEED" "$cs" "$files_mb" &
p2=$!
"$M/churn" small /tmp/churn-small "$SEED" "$cs" "$small_max" &
p3=$!
next=$INTERVAL
while :; do
	now=$(($(date +%s) - start))
	if [ "$now" -ge "$next" ]; then
		sample "$now"
		next=$((next + INTERVAL))
	fi
	[ "$now" -ge "$SECS" ] && break
	sleep 1
done
rc=0
# A churn that failed has exited; kill then fails and wait tells.
kill -STOP $p1 $p2 $p3 2>/dev/null

# After the load: the churn's memory and files and the driver's live
# buffers stay; the pool stays.
echo freeze > $S/control
echo 1 > $V/compact_memory
free_kb=$(awk '/MemFree/ {print $2}' /proc/meminfo)
ask=$((free_kb / 2048))
bar=$((free_kb / 3 / 2048))
echo "$ask" > $V/nr_hugepages
# Not the builtin read: it reads a byte at a time, and a sysctl file
# gives nothing at a non-zero offset.
got=$(cat $V/nr_hugepages)
echo 0 > $V/nr_hugepages
pool_now=$(awk '$1 == "pool_bytes" {print $2; exit}' $P/stats)
live=$(awk '/_live_bytes/ {s += $2} END {print int(s / 1024)}' $S/stats)
churn_kb=$(du -sk /tmp/churn-files /tmp/churn-small | awk '{s += $1} END {print s + 0}')
echo "EXPENDHDR,arm,free_kb,hugepages_asked,hugepages_bar,hugepages_got,pool_bytes,drv_live_kb,churn,churn_files_kb"
echo "EXPEND,$ARM,$free_kb,$ask,$bar,${got:--1},${pool_now:-0},$live,stopped,$churn_kb"
sample after

kill -TERM $p1 $p2 $p3 2>/dev/null
kill -CONT $p1 $p2 $p3 2>/dev/null
for p in $p1 $p2 $p3; do
	wait "$p" || { echo "workload: churn $p failed"; rc=1; }
done
rm -rf /tmp/churn-files /tmp/churn-small

# The worst case of the design.
I=$P/inject
tasks=$(($(nproc) * 2 + 2))
echo checkerboard > $I/pattern
echo 100% > $I/amount
echo start > $I/control || rc=1
VMKEYS="compact_stall compact_success compact_daemon_wake compact_migrate_scanned compact_daemon_migrate_scanned pgmigrate_success pageoutrun allocstall"
vmsnap() {
	awk -v keys="$VMKEYS" 'BEGIN { n = split(keys, k); for (i = 1; i <= n; i++) want[k[i]] = i }
		$1 ~ /^allocstall_/ { v["allocstall"] += $2; next }
		$1 in want { v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%d ", v[k[i]]; print "" }' /proc/vmstat
}
echo "EXPWORSTHDR,arm,fill,rep,tasks,ms,fill_allocs,steps,fails,stalls,virtual,lost,tasks_progressed,min_task_steps,max_step_us,sealed,sealed_at_end,pool_free_before,pool_free_after,refills_before,refills_after,d_compact_stall,d_compact_success,d_compact_daemon_wake,d_compact_migrate_scanned,d_compact_daemon_migrate_scanned,d_pgmigrate_success,d_pageoutrun,d_allocstall"
runs=
for rep in $(seq "$WORST_REPS"); do
	runs="$runs 0:$rep"
	[ "$ARM" != kmalloc ] && runs="$runs 1:$rep"
done
for run in $runs; do
	fill=${run%:*}
	echo "prepare $tasks $fill" > $S/worst || { rc=1; continue; }
	pf0=$(awk '$1 == "pool_free_bytes" {print $2; exit}' $P/stats)
	rf0=$(awk '$1 == "refills" {print $2; exit}' $P/stats)
	vm0=$(vmsnap)
	sealed=1
	# Builtins only from here to the unseal: a fork needs an order-2
	# block, and the seal leaves none.
	echo seal:$((WORST_MS + 2000)) > $I/control || sealed=0
	echo "run $WORST_MS" > $S/worst || rc=1
	# The seal may have ended early (timer, OOM path): look before unseal.
	held=0 pf1=0 rf1=0
	while read -r k val; do
		[ "$k" = sealed: ] && held=1
	done < $I/status
	while read -r k val; do
		case $k in
		pool_free_bytes) pf1=$val ;;
		refills) rf1=$val ;;
		esac
	done < $P/stats
	echo unseal > $I/control
	line="EXPWORST,$ARM,$fill,${run#*:}"
	while read -r k val; do
		case $k in
		prepared) ;;
		*) line="$line,$val" ;;
		esac
	done < $S/worst
	vm1=$(vmsnap)
	d=$(echo "$vm0 $vm1" | awk '{ n = NF / 2; for (i = 1; i <= n; i++) printf ",%d", $(n + i) - $i }')
	echo "$line,$sealed,$held,${pf0:-0},$pf1,${rf0:-0},$rf1$d"
	grep '^last seal' $I/status | sed 's/^/workload: /'
done
echo release > $I/control

echo stop > $S/control
sample end
lost=$(awk '/_lost/ {s += $2} END {print s + 0}' $S/stats)
[ "$lost" = 0 ] || { echo "workload: FAIL: the driver lost data in $lost buffers"; rc=1; }
rmmod driver_sim || rc=1
rmmod pgcluster || rc=1
echo "workload: done, exit $rc"
exit $rc
