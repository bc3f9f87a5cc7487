#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: benchmark tables for pgcluster (`make bench`).  Builds pgcluster
# and selftests/modules/pgcluster_bench.ko for one kernel, boots it once
# under QEMU (scripts/vm-run.sh) and prints, in that one boot:
#
#   1. speed: alloc+free pairs of 9000 B to 128 KiB, pgcluster against
#      kmalloc, alloc_pages_exact, alloc_pages and vmalloc (hot and batch);
#      then the emergency path (pgcluster VIRTOK with force_virtual=1)
#      against vmalloc and kvmalloc, with the slot cache and without it
#      (slot_cache=0);
#   2. waste: bytes held per byte requested for 2000 live allocations of
#      4 KiB to 128 KiB, plus pgcluster's own bytes_held, metadata_bytes and
#      pool_bytes from debugfs stats;
#   3. success under a checkerboard: pgcluster is reloaded with a fresh pool
#      and allow_inject=1, 90% of free memory is pinned in a checkerboard,
#      and N requests per size are held per allocator: once as the injector
#      left memory, once with the bench module's filler also holding every
#      remaining free block of order >= 1 (the injector leaves 10% of free
#      memory unfragmented, which serves any small test).  Then kvmalloc's
#      vmalloc path, vmalloc and the emergency path are timed in that state.
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
#   BENCH_LOG                 console log kept here [$PGCLUSTER_OUT/<kernel>/bench.log]
#   VERBOSE=1                 stream the guest console while it runs
#
# Exit status: that of the guest script (0 unless a module failed to load or
# a step was refused), or 1 when vm-run.sh saw a kernel report or a timeout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${KERNEL:-distro}
pool_mb=${POOL_MB:-160}
success_pool_mb=${SUCCESS_POOL_MB:-16}
success_n=${SUCCESS_N:-200}
case "$kernel" in
distro|trixie|debug) vmkernel=$kernel ;;
*) vmkernel=$kernel/arch/x86/boot/bzImage ;;
esac
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
append=${BENCH_APPEND-init_on_alloc=0}

for v in "$pool_mb" "$success_pool_mb" "$success_n" "$repeats" "$hot_iters" "$batch"; do
	case "$v" in ''|*[!0-9]*) echo "bench: numeric settings only (got '$v')" >&2; exit 2 ;; esac
done

"$root/scripts/deps.sh" >&2
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
bench_ko=$out/selftests/modules/pgcluster_bench.ko
[ -f "$bench_ko" ] || { echo "bench: $bench_ko was not built" >&2; exit 1; }
log=${BENCH_LOG:-$out/bench.log}

work=$(mktemp -d /tmp/pgcluster-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
guest=$work/bench-guest.sh

# The guest script: busybox sh.  Lines for the host start with "BENCH| ".
cat >"$guest" <<GUEST
POOL1=$pool_mb
POOL2=$success_pool_mb
BPARAMS="repeats=$repeats hot_iters=$hot_iters batch=$batch success_n=$success_n"
GUEST
cat >>"$guest" <<'GUEST'
D=/sys/kernel/debug
PG=$D/pgcluster
B=$D/pgcluster_bench
M=/pgcluster
say() { echo "BENCH| $*"; }
stat() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
step() {
	if ! echo "$1" > $B/run; then
		say "step $1: write refused"
		return 1
	fi
	sed 's/^/BENCH| /' $B/results
}
force() {
	[ -e $PG/force_virtual ] && echo "$1" > $PG/force_virtual
}
load() {
	insmod $M/pgcluster.ko "$@" || { say "insmod pgcluster.ko $* failed"; exit 1; }
	insmod $M/pgcluster_bench.ko $BPARAMS || { say "insmod pgcluster_bench.ko failed"; exit 1; }
}
unload() {
	rmmod pgcluster_bench && rmmod pgcluster || { say "rmmod failed"; exit 1; }
}

rc=0
say "kernel: $(uname -r) ($(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB)"
say "cmdline: $(cat /proc/cmdline)"
say "pgcluster_bench $BPARAMS"
say ""
say "---- part 1: pgcluster loaded with pool_mb=$POOL1"
load pool_mb=$POOL1
step speed || rc=1
say ""
SC=/sys/module/pgcluster/parameters/slot_cache
if [ -e $PG/force_virtual ]; then
	force 1
	say "emergency path with the slot cache (slot_cache=$(cat $SC)): freed"
	say "slots stay mapped and the next request of that size reuses one"
	step emerg || rc=1
	sc=$(cat $SC)
	echo 0 > $SC
	say ""
	say "emergency path without the slot cache (slot_cache=0): every pair"
	say "allocates pages, maps, unmaps and frees them"
	step emerg || rc=1
	echo "$sc" > $SC
	force 0
else
	say "(no $PG/force_virtual: the pgcluster VIRTOK rows read n/a)"
	step emerg || rc=1
fi
say ""
cat $PG/stats > /tmp/stats0
step waste || rc=1
cat $PG/stats > /tmp/stats1
req=$(sed -n 's/.*requested_bytes=\([0-9]*\).*/\1/p' $B/results)
h0=$(stat bytes_held /tmp/stats0)
h1=$(stat bytes_held /tmp/stats1)
md=$(stat metadata_bytes /tmp/stats1)
pb=$(stat pool_bytes /tmp/stats1)
if [ -n "$req" ] && [ "${req:-0}" != 0 ] && [ -n "$h0" ] && [ -n "$h1" ]; then
	say "$(awk -v a="$h0" -v b="$h1" -v r="$req" 'BEGIN {
		printf "pgcluster stats: bytes_held +%d for %d requested: %.4f held/req (goal <= 1.01: %s)",
		       b - a, r, (b - a) / r, ((b - a) <= 1.01 * r) ? "met" : "NOT met" }')"
else
	say "pgcluster stats: bytes_held n/a"
fi
if [ -n "$md" ] && [ -n "$pb" ] && [ "$pb" != 0 ]; then
	say "$(awk -v m="$md" -v p="$pb" 'BEGIN {
		printf "pgcluster stats: metadata_bytes %d / pool_bytes %d = %.3f%% (with the set live)", m, p, 100 * m / p }')"
else
	say "pgcluster stats: metadata_bytes / pool_bytes n/a"
fi
step free || rc=1
unload

say ""
say "---- part 2: pgcluster reloaded with pool_mb=$POOL2 allow_inject=1"
load pool_mb=$POOL2 allow_inject=1
say "pool_bytes before injection: $(stat pool_bytes $PG/stats)"
say "MemFree before injection: $(awk '/MemFree/ {print $2 " kB"}' /proc/meminfo)"
injected=0
if [ -d $PG/inject ]; then
	echo checkerboard > $PG/inject/pattern &&
	echo 90% > $PG/inject/amount &&
	echo start > $PG/inject/control && injected=1
fi
if [ $injected = 1 ]; then
	say "injected: echo checkerboard > pattern; echo 90% > amount; echo start > control"
	sed 's/^/BENCH|   inject: /' $PG/inject/status
	say "MemFree after injection: $(awk '/MemFree/ {print $2 " kB"}' /proc/meminfo)"
else
	say "NOTE: injector unavailable: the success table below is WITHOUT fragmentation"
	rc=1
fi
say ""
step success || rc=1
say "pool_bytes after the success step: $(stat pool_bytes $PG/stats)"
say ""
if [ -e $PG/force_virtual ]; then
	force 1
	step kvpath || rc=1
	force 0
else
	say "(no $PG/force_virtual: the pgcluster VIRTOK rows read n/a)"
	step kvpath || rc=1
fi
if [ $injected = 1 ]; then
	echo release > $PG/inject/control || { say "release failed"; rc=1; }
	say "released the injected pages"
fi
unload
exit $rc
GUEST

tmo=1800
[ "$sanitized" = 1 ] && tmo=3600
kos=(--ko "$out/pgcluster.ko" --ko "$bench_ko")
load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: booting the $kernel kernel; tables follow when the guest is done (log: $log)" >&2
rm -f "$log"
set +e
if [ "${VERBOSE:-0}" = 1 ]; then
	"$root/scripts/vm-run.sh" --kernel "$vmkernel" --timeout "$tmo" \
		--append "$append" --file "$guest" "${kos[@]}" --log "$log" \
		-- 'sh /pgcluster/bench-guest.sh'
else
	"$root/scripts/vm-run.sh" --kernel "$vmkernel" --timeout "$tmo" \
		--append "$append" --file "$guest" "${kos[@]}" --log "$log" \
		-- 'sh /pgcluster/bench-guest.sh' >/dev/null
fi
rc=$?
set -e
echo "host: $(nproc) CPUs, load average $load at boot, QEMU TCG"
[ -f "$log" ] && tr -d '\r' <"$log" | sed -n 's/^BENCH| \{0,1\}//p'
echo "bench: exit $rc" >&2
exit $rc
