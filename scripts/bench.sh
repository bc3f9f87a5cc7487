#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--doc FILE]: benchmark tables for pgcluster (`make bench`).
# Builds pgcluster and selftests/modules/pgcluster_bench.ko for one kernel,
# boots it once under QEMU (scripts/vm-run.sh) and measures, in that one
# boot, what follows.  The guest writes raw rows on its result channel
# (kept in $PGCLUSTER_OUT/<kernel>/bench.rows); scripts/bench_report.py
# prints the tables, ratios and goal lines from them, and with --doc also
# writes them as Markdown to FILE (`make bench-doc`: docs/benchmarks.md).
#
#   1. speed: alloc+free pairs of 9000 B to 128 KiB, pgcluster against
#      kmalloc, alloc_pages_exact, alloc_pages and vmalloc (hot and batch);
#      then the emergency path (pgcluster VIRTOK with force_virtual=1)
#      against vmalloc and kvmalloc, with the slot cache and without it
#      (slot_cache=0); the cost of observability (the 9000 B hot pair with
#      nothing on, with pgcluster's tracepoints enabled in tracefs, with
#      per-caller accounting on in debugfs pgcluster/callers; "not
#      available" where the module lacks them); tail latency on a quiet
#      system; throughput with 1, 2, 4 and 8 threads;
#   2. waste: bytes held per byte requested for 2000 live allocations of
#      4 KiB to 128 KiB, plus pgcluster's own bytes_held, metadata_bytes and
#      pool_bytes from debugfs stats;
#   2b. cost growth: pgcluster reloaded with pool_mb=0 (no reserve, so no
#      refill worker and no background growth) and grown one cluster at a
#      time through debugfs pool_grow to 1, 8, 64 and 512 clusters; before
#      each size N >= 8 the first N - 1 clusters are filled (GFP_NOWAIT)
#      with holes one granule too small for 9000 B between 64 B pins, then
#      the Nth cluster is added (the adversarial shape; a request that
#      fits nowhere is timed before), timed, the pins
#      freed and the N clusters timed again, empty.  Then reloaded again
#      (pool_mb=0) with 10 to 100,000 allocations live;
#   3. success under a checkerboard: pgcluster is reloaded with a fresh pool
#      and allow_inject=1, 90% of free memory is pinned in a checkerboard,
#      and N requests per size are held per allocator: once as the injector
#      left memory, once inside the lab's seal (inject/control "seal": every
#      remaining free block of order >= 1 held, a seal per allocator; the
#      injector leaves 10% of free memory unfragmented, which serves any
#      small test).  Then kvmalloc's vmalloc path, vmalloc and the emergency
#      path are timed sealed; tail latency under the checkerboard (not
#      sealed); after the release, tail latency while the pool is grown
#      (pool_grow) and shrunk (drop_caches runs the shrinker) in a loop and
#      a kthread takes and returns half of free memory.
#
# Timings come from TCG: they are only comparable within one run, and a busy
# host (the load average is printed) makes long runs slower than short ones.
#
# Environment (defaults in brackets):
#   KERNEL=distro|trixie|debug|KDIR  kernel to boot [distro]; KDIR: a built kernel
#                             tree (its arch/x86/boot/bzImage is booted)
#   POOL_MB                   pgcluster pool for speed and waste, MiB [160]:
#                             holds a whole batch (1000 x 128 KiB) and the
#                             waste set (~130 MiB), so no row times pool growth
#   SUCCESS_POOL_MB           pool for the success step, taken at load before
#                             the injection [16, the module's default]: the
#                             4 x SUCCESS_N requests (38.6 MiB for 200) do not
#                             fit, so the pool is consumed, and once every
#                             block of order >= 1 is taken it cannot grow:
#                             the table shows where contiguous requests stop
#                             and VIRTOK falls back to the emergency path.
#                             64 holds the whole set.
#   SUCCESS_N                 requests per size in the success step [200]
#   REPEATS, HOT_ITERS, BATCH timing: runs per row (median), pairs per hot
#                             run, allocations per batch [7, 1000, 1000;
#                             3, 200, 200 on the debug kernel, whose
#                             sanitizers dominate every timing]
#   BENCH_APPEND              guest kernel arguments [init_on_alloc=0]:
#                             Debian's kernel zeroes every allocation by
#                             default (init_on_alloc=1; every allocator here,
#                             pgcluster included, honours it), so the default
#                             times the allocators without memset; the tables
#                             print the state in force.  BENCH_APPEND= (empty)
#                             measures the distro default.
#   VM_MEM                    guest MiB [2048]
#   BENCH_QUICK=1             a short run (scripts/check.sh): fewer runs and
#                             samples, cost growth up to 64 clusters and
#                             10,000 live allocations
#   TAIL_N, SCALE_MS          samples per tail-latency run, ms per scaling
#                             run [5000, 200; 2000, 100 quick]
#   BENCH_LOG                 console log kept here [$PGCLUSTER_OUT/<kernel>/bench.log]
#   VERBOSE=1                 stream the guest console while it runs
#
# Exit status: that of the guest script (0 unless a module failed to load or
# a step was refused), or 1 when vm-run.sh saw a kernel report or a timeout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
doc=
doc_cmd="make bench"
if [ "${1:-}" = --doc ]; then
	doc=${2:?--doc needs a file}
	doc_cmd="make bench-doc"
fi
kernel=${KERNEL:-distro}
pool_mb=${POOL_MB:-160}
success_pool_mb=${SUCCESS_POOL_MB:-16}
success_n=${SUCCESS_N:-200}
sanitized=0
[ "$kernel" = debug ] && sanitized=1
[ -f "$kernel/.config" ] && grep -q '^CONFIG_KASAN=y' "$kernel/.config" && sanitized=1
if [ "$sanitized" = 1 ]; then
	# KASAN, lockdep and page poisoning dominate every timing there: the
	# debug run checks that the bench is clean, so it times less.
	repeats=${REPEATS:-3}
	hot_iters=${HOT_ITERS:-200}
	batch=${BATCH:-200}
else
	repeats=${REPEATS:-7}
	hot_iters=${HOT_ITERS:-1000}
	batch=${BATCH:-1000}
fi
quick=${BENCH_QUICK:-0}
if [ "$sanitized" = 1 ]; then
	# A vmalloc pair takes milliseconds there: the fewest samples allowed.
	tail_n=${TAIL_N:-100}
	scale_ms=${SCALE_MS:-100}
	pools="1 8 64"
	lives="10 100 1000"
elif [ "$quick" = 1 ]; then
	repeats=${REPEATS:-5}
	tail_n=${TAIL_N:-2000}
	scale_ms=${SCALE_MS:-100}
	pools="1 8 64"
	lives="10 100 1000 10000"
else
	tail_n=${TAIL_N:-5000}
	scale_ms=${SCALE_MS:-200}
	pools="1 8 64 512"
	lives="10 100 1000 10000 100000"
fi
append=${BENCH_APPEND-init_on_alloc=0}

for v in "$pool_mb" "$success_pool_mb" "$success_n" "$repeats" "$hot_iters" "$batch" \
	"$tail_n" "$scale_ms"; do
	case "$v" in ''|*[!0-9]*) echo "bench: numeric settings only (got '$v')" >&2; exit 2 ;; esac
done

"$root/scripts/deps.sh" >&2
# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
bench_ko=$out/selftests/modules/pgcluster_bench.ko
[ -f "$bench_ko" ] || { echo "bench: $bench_ko was not built" >&2; exit 1; }
log=${BENCH_LOG:-$out/bench.log}
rows=$out/bench.rows

work=$(mktemp -d /tmp/pgcluster-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
guest=$work/bench-guest.sh

# The guest script: busybox sh.  Lines for the host start with "BENCH| ":
# the bench module's raw rows, and the script's own "meta" (free text),
# "note" and "row" lines; scripts/bench_report.py makes the tables.
cat >"$guest" <<GUEST
POOL1=$pool_mb
POOL2=$success_pool_mb
BPARAMS="repeats=$repeats hot_iters=$hot_iters batch=$batch success_n=$success_n tail_n=$tail_n scale_ms=$scale_ms"
POOLS="$pools"
LIVES="$lives"
GUEST
cat >>"$guest" <<'GUEST'
D=/sys/kernel/debug
PG=$D/pgcluster
B=$D/pgcluster_bench
C=$PG/inject/control
M=/pgcluster
say() { echo "BENCH| $*"; }
stat() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
# step "STEP [ARG]" [KEY=VALUE...]: run a bench step, print its rows with
# the KEY=VALUEs added after the step's name.
step() {
	if ! echo "$1" > $B/run; then
		say "note step $1: write refused"
		return 1
	fi
	sed "s/^row \([a-z_]*\) /row \1 ${2:+$2 }/; s/^/BENCH| /" $B/results
}
# sealed "STEP [ARG]" KEY=VALUE...: the same inside a seal of the lab (every
# free block of order >= 1 held; inject/control "seal"), unsealed after.
# Between seal and unseal only shell builtins run (echo, read): a fork needs
# an order-1 block.
sealed() {
	if ! echo seal:10000 > $C; then
		say "note seal refused: step $1 runs unsealed"
		step "$1" "$2 sealed=0"
		return
	fi
	echo "$1" > $B/run
	r=$?
	echo unseal > $C
	[ $r = 0 ] || { say "note step $1: write refused"; return 1; }
	sed "s/^row \([a-z_]*\) /row \1 $2 sealed=1 /; s/^/BENCH| /" $B/results
	sed -n "s/^last seal: /BENCH| note seal around $1: /p" $PG/inject/status
}
force() {
	[ -e $PG/force_virtual ] && echo "$1" > $PG/force_virtual
}
load() {
	insmod $M/pgcluster.ko "$@" || { say "note insmod pgcluster.ko $* failed"; exit 1; }
	insmod $M/pgcluster_bench.ko $BPARAMS || { say "note insmod pgcluster_bench.ko failed"; exit 1; }
}
unload() {
	rmmod pgcluster_bench && rmmod pgcluster || { say "note rmmod failed"; exit 1; }
}

rc=0
say "meta kernel: $(uname -r) ($(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB)"
say "meta cmdline: $(cat /proc/cmdline)"
say "meta pgcluster_bench $BPARAMS"
say "meta part 1: pgcluster loaded with pool_mb=$POOL1"
load pool_mb=$POOL1
step speed || rc=1
SC=/sys/module/pgcluster/parameters/slot_cache
if [ -e $PG/force_virtual ]; then
	force 1
	step emerg "cache=$(cat $SC) forced=1" || rc=1
	sc=$(cat $SC)
	echo 0 > $SC
	step emerg "cache=0 forced=1" || rc=1
	echo "$sc" > $SC
	force 0
else
	step emerg "cache=$(cat $SC) forced=0" || rc=1
fi
cat $PG/stats > /tmp/stats0
step waste || rc=1
cat $PG/stats > /tmp/stats1
say "row stats held0=$(stat bytes_held /tmp/stats0) held1=$(stat bytes_held /tmp/stats1) metadata=$(stat metadata_bytes /tmp/stats1) pool=$(stat pool_bytes /tmp/stats1)"
step free || rc=1
# Observability: the same pair with nothing on, tracepoints, caller
# accounting (files another part of the module adds; absent: not available).
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
step obs "mode=none" || rc=1
if [ -d $T/events/pgcluster ] && echo 1 > $T/events/pgcluster/enable; then
	step obs "mode=trace" || rc=1
	echo 0 > $T/events/pgcluster/enable
else
	say "row obs mode=trace avail=0"
fi
if [ -e $PG/callers ] && echo on > $PG/callers; then
	step obs "mode=callers" || rc=1
	echo off > $PG/callers
else
	say "row obs mode=callers avail=0"
fi
step "tail quiet" || rc=1
step scale || rc=1
unload

# Cost growth.  pool_mb=0: no reserve, so nothing grows the pool behind the
# bench's back; pool_grow adds one cluster a write.
grow_to() {
	while [ "$(stat clusters $PG/stats)" -lt "$1" ]; do
		echo "buddy 0" > $PG/pool_grow || { say "note pool_grow failed at $(stat clusters $PG/stats) clusters"; return 1; }
	done
}
say "meta part 1b: pgcluster reloaded with pool_mb=0, grown through pool_grow"
load pool_mb=0
for n in $POOLS; do
	if [ "$n" -ge 8 ]; then
		grow_to $((n - 1)) || rc=1
		step "adv fill" "n=$n" || rc=1
		step "adv miss" "n=$n clusters=$(stat clusters $PG/stats)" || rc=1
		grow_to "$n" || rc=1
		step growth "axis=pool n=$n adv=1 clusters=$(stat clusters $PG/stats) pool=$(stat pool_bytes $PG/stats)" || rc=1
		step "adv free" || rc=1
	fi
	grow_to "$n" || rc=1
	step growth "axis=pool n=$n adv=0 clusters=$(stat clusters $PG/stats) pool=$(stat pool_bytes $PG/stats)" || rc=1
done
unload
say "meta part 1c: pgcluster reloaded with pool_mb=0, allocations held"
load pool_mb=0
for n in $LIVES; do
	step "growth live $n" "axis=live" || rc=1
	say "row poolsize n=$n clusters=$(stat clusters $PG/stats) pool=$(stat pool_bytes $PG/stats)"
done
unload

say "meta part 2: pgcluster reloaded with pool_mb=$POOL2 allow_inject=1"
load pool_mb=$POOL2 allow_inject=1
say "meta pool_bytes before injection: $(stat pool_bytes $PG/stats)"
say "meta MemFree before injection: $(awk '/MemFree/ {print $2 " kB"}' /proc/meminfo)"
injected=0
if [ -d $PG/inject ]; then
	echo checkerboard > $PG/inject/pattern &&
	echo 90% > $PG/inject/amount &&
	echo start > $C && injected=1
fi
if [ $injected = 1 ]; then
	say "meta injected: echo checkerboard > pattern; echo 90% > amount; echo start > control"
	sed 's/^/BENCH| meta   inject: /' $PG/inject/status
	say "meta MemFree after injection: $(awk '/MemFree/ {print $2 " kB"}' /proc/meminfo)"
else
	say "note injector unavailable: the success table is WITHOUT fragmentation"
	rc=1
fi
step success "phase=a" || rc=1
if [ $injected = 1 ]; then
	for a in alloc_pages_noretry kmalloc_noretry kvmalloc pgcluster pgcluster_virtok; do
		sealed "success $a" "phase=b" || rc=1
	done
fi
say "meta pool_bytes after the success step: $(stat pool_bytes $PG/stats)"
force 1
for s in 16384 36864 131072; do
	if [ $injected = 1 ]; then
		sealed "kvpath $s" "forced=$(cat $PG/force_virtual 2>/dev/null || echo 0)" || rc=1
	else
		step "kvpath $s" "forced=$(cat $PG/force_virtual 2>/dev/null || echo 0) sealed=0" || rc=1
	fi
done
force 0
if [ $injected = 1 ]; then
	step "tail checkerboard" || rc=1
	echo release > $C || { say "note release failed"; rc=1; }
fi
# Pressure: a loop grows the pool past its reserve and runs the shrinker
# (drop_caches), while the bench's kthread takes and returns most free
# memory; the stats deltas show that shrinker and growth ran.
s0=$(stat shrinks $PG/stats) r0=$(stat refills $PG/stats) g0=$(stat grow_sync $PG/stats)
rm -f /tmp/stop
(
	i=0
	# Bounded, so that it ends even if this script does not.
	while [ ! -e /tmp/stop ] && [ $i -lt 3000 ]; do
		i=$((i + 1))
		echo "buddy 0" > $PG/pool_grow
		echo "buddy 0" > $PG/pool_grow
		echo 3 > /proc/sys/vm/drop_caches
		sleep 0.2 2>/dev/null || sleep 1
	done
) &
# Half of free memory: more has the OOM killer take this script.
hog=$(awk '/MemFree/ { m = int($2 / 2048); print (m > 0 ? m : 1) }' /proc/meminfo)
step "tail pressure $hog" || rc=1
touch /tmp/stop
wait
say "row pressure shrinks=$(( $(stat shrinks $PG/stats) - s0 )) refills=$(( $(stat refills $PG/stats) - r0 )) grow_sync=$(( $(stat grow_sync $PG/stats) - g0 )) hog_mb=$hog"
unload
exit $rc
GUEST

tmo=2400
[ "$sanitized" = 1 ] && tmo=3600
kos=(--ko "$out/pgcluster.ko" --ko "$bench_ko")
load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: booting the $kernel kernel; tables follow when the guest is done (log: $log)" >&2
rm -f "$log" "$rows"
# The rows travel on the guest's result channel, whole lines.
set +e
"$root/scripts/vm-run.sh" --kernel "$kernel" --timeout "$tmo" \
	--append "$append" --file "$guest" "${kos[@]}" --log "$log" \
	--result "$work/result" -- '{ sh /pgcluster/bench-guest.sh; echo $? > /tmp/.rc; } | tee $PGC_RESULT
exit $(cat /tmp/.rc)' 2>&1 |
	if [ "${VERBOSE:-0}" = 1 ]; then tee "$work/console"; else cat >"$work/console"; fi
rc=${PIPESTATUS[0]}
set -e
{
	echo "BENCH| meta host: $(nproc) CPUs, load average $load at boot and $(cut -d' ' -f1 /proc/loadavg) at the end, QEMU TCG"
	grep -a '^BENCH| ' "$work/result"
} >"$rows"
if [ -n "$doc" ]; then
	png=${doc%.md}-growth.png
	python3 "$root/scripts/bench_report.py" --markdown \
		--command "$doc_cmd" --png "$png" --png-name "$(basename "$png")" \
		"$rows" >"$doc"
	echo "bench: wrote $doc and $png" >&2
fi
python3 "$root/scripts/bench_report.py" --png "$out/bench-growth.png" "$rows"
echo "bench: cost growth plot: $out/bench-growth.png" >&2
[ "$rc" = 0 ] || grep -a '^vm-run' "$work/console" | tail -n 5 >&2
echo "bench: exit $rc (raw rows: $rows)" >&2
exit $rc
