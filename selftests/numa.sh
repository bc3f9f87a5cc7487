#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-node pools on a guest with two memory nodes (scripts/vm-run.sh
# --numa 2; scripts/numa-test.sh runs it).  Skips (exit 4) on a guest with
# fewer memory nodes, unless NUMA_REQUIRE=1 makes that a failure.
#
# 1. pgcluster pool_mb=POOL_MB (default 8): each node has its own pool at
#    load (nodeN_pool_bytes > 0, all free); the in-kernel cases
#    numa_node_placement (memory of the asked node, with and without
#    __GFP_THISNODE) and numa_local_node (NUMA_NO_NODE means the CPU's node)
#    pass; allocations held through probe_pgcluster from a shell pinned to
#    CPU 1, then CPU 0 (taskset), move exactly that node's free bytes and
#    come back on release; clusters added with pool_grow "buddy 1" (x3) and
#    "buddy 0" (x1) go back under drop_caches, each node down to exactly
#    its own reserve.
# 2. pgcluster pool_mb=0 (no refill worker) and one cluster per node from
#    pool_grow: numa_fallback sees GFP_NOWAIT for node 1 served from node 0
#    only once node 1 is spent, in its first round; GFP_KERNEL |
#    __GFP_THISNODE grows node 1 (grow_sync, node1_clusters).
# Both loads unload without a leak or accounting report.
. "$(dirname "$0")/tap.sh"
D=/sys/kernel/debug/pgcluster
pool_mb=${POOL_MB:-8}

pgc_test_modules numa

# Nodes with memory, as the kernel sees them.
mem_nodes=
for d in /sys/devices/system/node/node[0-9]*; do
	[ -d "$d" ] || continue
	kb=$(awk '/MemTotal/ {print $4}' "$d/meminfo")
	tap_diag "${d##*/}: MemTotal $kb kB, CPUs $(cat "$d/cpulist")"
	[ "${kb:-0}" -gt 0 ] && mem_nodes="$mem_nodes ${d##*/node}"
done
set -- $mem_nodes
if [ $# -lt 2 ]; then
	if [ "${NUMA_REQUIRE:-0}" = 1 ]; then
		tap_fail "two_memory_nodes (found $#: is ACPI_NUMA on?)"
	else
		tap_skip numa "$# memory node(s): boot with vm-run.sh --numa 2"
	fi
	tap_finish
fi
tap_ok "two_memory_nodes ($(cat /sys/devices/system/node/has_memory))"
dmesg -c > /dev/null

nstat() { pgc_stat "node$1_$2"; }
# run_case NAME: run one test-module case; ok when it passes.
run_case() {
	if echo "$1" > "$run"; then
		sed 's/^/# /' "$tlog"
		return 0
	fi
	sed 's/^/# /' "$tlog"
	return 1
}
show() { tap_diag "$1: node0 pool $(nstat 0 pool_bytes) free $(nstat 0 free_bytes) clusters $(nstat 0 clusters); node1 pool $(nstat 1 pool_bytes) free $(nstat 1 free_bytes) clusters $(nstat 1 clusters)"; }
unload_clean() {
	rmmod pgcluster_test
	rmmod pgcluster
	pgc_check_unloaded "$1"
}
# hold CPU SIZE COUNT: COUNT allocations of SIZE held by probe_pgcluster,
# made by a shell pinned to CPU (NUMA_NO_NODE: that CPU's memory node).
hold() {
	taskset -c "$1" sh -c "i=0; while [ \$i -lt $3 ]; do echo '$2 hold' > $D/probe_pgcluster || exit 1; i=\$((i + 1)); done"
}

# ---- 1. per-node pools at load, placement, stats, shrink ----------------
if ! insmod "$ko" pool_mb="$pool_mb" || ! insmod "$tko"; then
	tap_fail "load pgcluster pool_mb=$pool_mb and pgcluster_test"
	pgc_unload_all
	tap_finish
fi
show "loaded pool_mb=$pool_mb"
for n in 0 1; do
	tap_check "node${n}_pool_at_load" [ "$(nstat $n pool_bytes)" -gt 0 -a "$(nstat $n clusters)" -gt 0 ]
	tap_check "node${n}_pool_all_free" [ "$(nstat $n free_bytes)" -eq "$(nstat $n pool_bytes)" ]
done
p0=$(nstat 0 pool_bytes)
p1=$(nstat 1 pool_bytes)
tap_check "pool_is_sum_of_nodes" [ "$(pgc_stat pool_bytes)" -eq $((p0 + p1)) ]
tap_check "reserve_is_pool_at_load" [ "$(pgc_stat pool_reserve_bytes)" -eq $((p0 + p1)) ]

tap_check "numa_node_placement" run_case numa_node_placement
tap_check "numa_local_node" run_case numa_local_node
tap_check "pcp_zone_node" run_case pcp_zone_node
sleep 1	# a refill kicked by the cases ends
show "after the placement cases"

# Per-node stats follow the allocations: 2 x 1 MiB held from CPU 1 (node 1),
# then 3 x 256 KiB from CPU 0 (node 0); exact to the byte.
f0=$(nstat 0 free_bytes)
f1=$(nstat 1 free_bytes)
live0=$(pgc_stat live_allocations)
tap_check "hold_2x1M_on_cpu1" hold 1 1M 2
show "2 x 1M held from CPU 1"
tap_diag "probe: $(head -n 1 $D/probe_pgcluster)"
tap_check "node1_free_down_2M" [ "$(nstat 1 free_bytes)" -eq $((f1 - (2 << 20))) ]
tap_check "node0_free_unchanged" [ "$(nstat 0 free_bytes)" -eq "$f0" ]
tap_check "hold_3x256K_on_cpu0" hold 0 256K 3
show "3 x 256K held from CPU 0"
tap_check "node0_free_down_768K" [ "$(nstat 0 free_bytes)" -eq $((f0 - (768 << 10))) ]
tap_check "node1_free_still_down_2M" [ "$(nstat 1 free_bytes)" -eq $((f1 - (2 << 20))) ]
tap_check "five_live_allocations" [ "$(pgc_stat live_allocations)" -eq $((live0 + 5)) ]
echo release > $D/probe_pgcluster
tap_check "release_restores_node0" [ "$(nstat 0 free_bytes)" -eq "$f0" ]
tap_check "release_restores_node1" [ "$(nstat 1 free_bytes)" -eq "$f1" ]

# Shrink per node: node 1 grown by three clusters, node 0 by one; the
# shrinker gives back exactly what is above each node's reserve.
sleep 1
p0=$(nstat 0 pool_bytes)
p1=$(nstat 1 pool_bytes)
c0=$(nstat 0 clusters)
c1=$(nstat 1 clusters)
s0=$(pgc_stat shrinks)
grown=0
for n in 1 1 1 0; do
	echo "buddy $n" > $D/pool_grow && grown=$((grown + 1))
done
show "pool_grow buddy 1 (x3), buddy 0"
tap_check "pool_grow_per_node" [ $grown -eq 4 -a "$(nstat 1 clusters)" -eq $((c1 + 3)) -a "$(nstat 0 clusters)" -eq $((c0 + 1)) ]
tap_check "node1_grew" [ "$(nstat 1 pool_bytes)" -gt "$p1" ]
tap_check "node0_grew" [ "$(nstat 0 pool_bytes)" -gt "$p0" ]
sync
echo 3 > /proc/sys/vm/drop_caches
show "after drop_caches"
tap_diag "reserve: node0 $p0 node1 $p1, shrinks $s0 -> $(pgc_stat shrinks)"
tap_check "node1_back_to_reserve" [ "$(nstat 1 pool_bytes)" -eq "$p1" -a "$(nstat 1 clusters)" -eq "$c1" ]
tap_check "node0_back_to_reserve" [ "$(nstat 0 pool_bytes)" -eq "$p0" -a "$(nstat 0 clusters)" -eq "$c0" ]
tap_check "four_clusters_shrunk" [ "$(pgc_stat shrinks)" -eq $((s0 + 4)) ]
tap_check "placement_after_shrink" run_case numa_node_placement
unload_clean "unload_clean_pool_mb_$pool_mb"

# ---- 2. fallback order, deterministic: no refill worker -----------------
dmesg -c > /dev/null
if ! insmod "$ko" pool_mb=0 || ! insmod "$tko"; then
	tap_fail "load pgcluster pool_mb=0 and pgcluster_test"
	pgc_unload_all
	tap_finish
fi
echo "buddy 0" > $D/pool_grow
echo "buddy 1" > $D/pool_grow
show "pool_mb=0, pool_grow buddy 0, buddy 1"
tap_check "one_cluster_per_node" [ "$(nstat 0 clusters)" -eq 1 -a "$(nstat 1 clusters)" -eq 1 ]
g0=$(pgc_stat grow_sync)
tap_check "numa_fallback" run_case numa_fallback
tap_check "fallback_in_first_round" grep -q "served from node 0 (fallback seen in round 1)" "$tlog"
tap_check "thisnode_grew_node1" [ "$(pgc_stat grow_sync)" -gt "$g0" -a "$(nstat 1 clusters)" -ge 2 ]
tap_check "nothing_live_after_fallback" [ "$(pgc_stat live_allocations)" -eq 0 ]
show "after numa_fallback"
unload_clean "unload_clean_pool_mb_0"
tap_finish
