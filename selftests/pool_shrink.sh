#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The cluster pool grows on demand and shrinks back under memory pressure.
#
# Loads pgcluster with a small pool (POOL_MB, default 4 MiB per node) and the
# test module, runs the cluster_grow_pool case (32 MiB in 512 KiB pieces,
# all freed again), then checks in debugfs stats that the pool grew, that
# drop_caches made the shrinker return the free clusters down to the reserve
# and no further, that the refill worker does not grow it back while idle,
# that each refill source works on demand (debugfs pool_grow: buddy always,
# alloc_contig_pages where the kernel exports it) and bad input is refused,
# that cluster_bad_frees is counted exactly (6 bad frees), and that unload
# reports no leak or accounting imbalance.  Run as `sh pool_shrink.sh` with
# PGC_MODDIR naming the directory of pgcluster.ko and pgcluster_test.ko.
. "$(dirname "$0")/tap.sh"
pool_mb=${POOL_MB:-4}

pgc_test_modules pool_shrink
dmesg -c > /dev/null
if ! insmod "$ko" pool_mb="$pool_mb" || ! insmod "$tko"; then
	tap_fail "load pgcluster pool_mb=$pool_mb and pgcluster_test"
	pgc_unload_all
	tap_finish
fi

stats() { tap_diag "$1: pool $(pgc_stat pool_bytes) free $(pgc_stat pool_free_bytes) clusters $(pgc_stat clusters) refills $(pgc_stat refills) grow_sync $(pgc_stat grow_sync) shrinks $(pgc_stat shrinks)"; }
# run_case NAME: run one test-module case; ok when it passes.
run_case() {
	if echo "$1" > "$run"; then
		return 0
	fi
	sed 's/^/# /' "$tlog"
	return 1
}

initial=$(pgc_stat pool_bytes)
reserve=$(pgc_stat pool_reserve_bytes)
cmax=$(pgc_stat cluster_max_bytes)
shrinks0=$(pgc_stat shrinks)
stats "loaded"
tap_check "initial_pool_taken" [ "$initial" -ge $((pool_mb << 20)) ]
tap_check "reserve_is_initial_pool" [ "$reserve" -eq "$initial" ]

tap_check "grow_case_passes" run_case cluster_grow_pool
grown=$(pgc_stat pool_bytes)
stats "after cluster_grow_pool"
tap_check "pool_grew_past_32MiB" [ "$grown" -ge $((32 << 20)) ]
tap_check "nothing_live_after_case" [ "$(pgc_stat live_allocations)" -eq 0 ]
tap_check "no_bytes_held_after_case" [ "$(pgc_stat bytes_held)" -eq 0 ]
tap_check "grown_pool_all_free" [ "$(pgc_stat pool_free_bytes)" -eq "$grown" ]
tap_check "pages_held_matches_pool" [ $(($(pgc_stat pool_pages_held) * 4096)) -eq "$grown" ]

# Memory pressure as the VM applies it to shrinkers.
sync
echo 3 > /proc/sys/vm/drop_caches
shrunk=$(pgc_stat pool_bytes)
stats "after drop_caches"
tap_check "shrinker_returned_clusters" [ "$(pgc_stat shrinks)" -gt "$shrinks0" ]
tap_check "pool_shrank" [ "$shrunk" -lt "$grown" ]
tap_check "pool_back_near_reserve" [ "$shrunk" -le $((reserve + cmax)) ]
tap_check "reserve_kept" [ "$shrunk" -ge "$reserve" ]
tap_check "pages_held_matches_pool_after_shrink" [ $(($(pgc_stat pool_pages_held) * 4096)) -eq "$shrunk" ]

# Idle and full of free space: the refill worker must leave it alone.
sleep 2
tap_check "no_regrowth_when_idle" [ "$(pgc_stat pool_bytes)" -eq "$shrunk" ]

# Allocations work after the shrink (clusters really gone from the lookup).
tap_check "allocations_after_shrink" run_case cluster_many_live

# Each refill source on demand through debugfs pool_grow.
growf=/sys/kernel/debug/pgcluster/pool_grow
grow() { echo "$1" > "$growf" 2>/dev/null; }
sleep 1	# let a refill kicked by the last case finish
p0=$(pgc_stat pool_bytes)
r0=$(pgc_stat refills)
rej=0
for bad in "bogus 0" "buddy 99999" "buddy -1" "contig" "buddy x"; do
	if grow "$bad"; then
		tap_diag "pool_grow accepted '$bad'"
		rej=1
	fi
done
tap_check "pool_grow_rejects_bad_input" [ $rej -eq 0 ]
tap_check "bad_input_changes_nothing" [ "$(pgc_stat pool_bytes)" -eq "$p0" ]
tap_check "buddy_refill" grow "buddy 0"
tap_check "buddy_refill_counted" [ "$(pgc_stat refills)" -eq $((r0 + 1)) ]
tap_check "buddy_refill_grows_pool" [ "$(pgc_stat pool_bytes)" -gt "$p0" ]
c0=$(pgc_stat refill_contig)
p1=$(pgc_stat pool_bytes)
if [ "$(pgc_stat contig_refill_supported)" = 1 ]; then
	tap_check "contig_refill" grow "contig 0"
	tap_check "contig_refill_counted" [ "$(pgc_stat refill_contig)" -eq $((c0 + 1)) ]
	tap_check "contig_refill_adds_max_cluster" [ "$(pgc_stat pool_bytes)" -eq $((p1 + cmax)) ]
else
	if grow "contig 0"; then
		tap_fail "contig_refused_where_unsupported"
	else
		tap_ok "contig_refused_where_unsupported"
	fi
	tap_skip "contig_refill" "kernel does not export alloc_contig_pages"
fi
stats "after pool_grow"
tap_check "max_size_after_refills" run_case cluster_max_size
echo 3 > /proc/sys/vm/drop_caches
stats "after second drop_caches"
tap_check "refilled_clusters_returned" [ "$(pgc_stat pool_bytes)" -le $((reserve + cmax)) ]

bad0=$(pgc_stat bad_frees)
tap_check "bad_frees_case_passes" run_case cluster_bad_frees
bad1=$(pgc_stat bad_frees)
tap_diag "bad_frees $bad0 -> $bad1"
tap_check "bad_frees_counted_exactly" [ $((bad1 - bad0)) -eq 6 ]
tap_check "bad_frees_leave_nothing_live" [ "$(pgc_stat live_allocations)" -eq 0 ]

rmmod pgcluster_test
rmmod pgcluster
pgc_check_unloaded unload_clean
tap_finish
