#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The gfp rules of the API, driven from user space where a case needs a
# scene set up (busybox sh, TAP 13):
#  - refused bits (__GFP_NOFAIL, __GFP_ACCOUNT, DMA|DMA32) and __GFP_THISNODE with a
#    node that is not online give NULL and count in refused_requests;
#  - GFP_DMA32 results end below 4 GiB (skipped without memory above it);
#  - callers restricted by GFP_NOIO/GFP_NOFS or a memalloc_noio/nofs scope
#    do not wait for the grow mutex: a pool_grow writer holds it, stalled
#    by grow_stall_ms as if stuck in FS/IO reclaim, and the restricted
#    requests (gfp_noio_no_wait) must return while it still stalls;
#  - with force_virtual and a slot cache: a stale second free of a slot that
#    has not been handed out again is refused (bad_frees + 1) and the new
#    owner of a reused slot keeps it; a DMA32 request gets no emergency
#    mapping.
. "$(dirname "$0")/tap.sh"
D=/sys/kernel/debug/pgcluster
cache=/sys/module/pgcluster/parameters/slot_cache
stall_ms=${STALL_MS:-10000}

pgc_test_modules gfp
if ! insmod "$ko" || ! insmod "$tko"; then
	tap_fail "load pgcluster and pgcluster_test"
	pgc_unload_all
	tap_finish
fi

# case NAME: run one test-module case; its log becomes diagnostics.
case_ok() {
	if echo "$1" > "$run"; then
		sed 's/^/# /' "$tlog"
		return 0
	fi
	sed 's/^/# /' "$tlog"
	return 1
}

r0=$(pgc_stat refused_requests)
case_tap gfp_refused
r1=$(pgc_stat refused_requests)
tap_check "refused_requests counts the 12 refusals ($((r1 - r0)))" [ $((r1 - r0)) -eq 12 ]
case_tap gfp_thisnode_bad_node
r2=$(pgc_stat refused_requests)
tap_check "THISNODE with bad nodes is counted as refused ($((r2 - r1)))" [ $((r2 - r1)) -ge 4 ]
case_tap gfp_dma32

# A grower stalled inside the grow mutex; restricted callers must not wait.
s0=$(pgc_stat grow_stalls)
echo "$stall_ms" > $D/grow_stall_ms
( echo buddy 0 > $D/pool_grow ) 2> /dev/null &
holder=$!
i=0
while [ "$(pgc_stat grow_stalls)" = "$s0" ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "a pool_grow writer stalls holding the grow mutex" [ "$(pgc_stat grow_stalls)" != "$s0" ]
echo 0 > $D/grow_stall_ms
t0=$(date +%s)
case_ok gfp_noio_no_wait
rc=$?
t1=$(date +%s)
alive=no
kill -0 $holder 2> /dev/null && alive=yes
tap_diag "restricted requests took $((t1 - t0)) s; grower still stalling after them: $alive"
tap_check "GFP_NOIO/NOFS and noio/nofs scopes return while the grower stalls" test $rc = 0 -a $alive = yes
wait $holder
tap_check "the stalled grower finished" [ "$(pgc_stat grow_stalls)" != "$s0" ]

# Emergency path: stale second free, zone-limited requests.
old_cache=$(cat $cache)
echo 1 > $D/force_virtual
echo 4 > $cache
b0=$(pgc_stat bad_frees)
case_tap gfp_stale_virtual_free
b1=$(pgc_stat bad_frees)
tap_check "the stale free was counted as a bad free ($((b1 - b0)))" [ $((b1 - b0)) -eq 1 ]
case_tap gfp_virtual_zone
echo 0 > $D/force_virtual
echo "$old_cache" > $cache

tap_check "nothing live after the cases" test "$(pgc_stat live_allocations)" -eq 0 -a "$(pgc_stat emerg_live_slots)" -eq 0
tap_check "unload pgcluster_test" rmmod pgcluster_test
tap_check "unload pgcluster" rmmod pgcluster
tap_finish
