#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-caller accounting and failure reports, from user space (busybox sh,
# TAP 13):
#  - debugfs callers is root only (0600) and callers=1 turns it on at load;
#  - with an empty pool (pool_mb=0) a GFP_ATOMIC request fails; the callers
#    file counts the failure at pgcluster_test's call site, named by %pS
#    with its module, and the ratelimited report says why (a non-sleeping
#    caller, the node's pool state, the emergency path skipped) and where
#    to look;
#  - the callers_sites case (exact counts per site) and on/off/reset;
#  - callers_cost: hot pairs with accounting off and on (only measures).
. "$(dirname "$0")/tap.sh"
D=/sys/kernel/debug/pgcluster

pgc_test_modules callers
if ! insmod "$ko" pool_mb=0 callers=1 || ! insmod "$tko"; then
	tap_fail "load pgcluster pool_mb=0 callers=1 and pgcluster_test"
	pgc_unload_all
	tap_finish
fi


mode=$(ls -l $D/callers | cut -c1-10)
tap_check "callers is root only ($mode)" [ "$mode" = "-rw-------" ]
tap_check "callers=1 turns it on at load" grep -q '^# callers: on,' $D/callers

n0=$(dmesg | wc -l)
case_tap callers_atomic_fail
sed 's/^/# /' $D/callers
site='pgct_callers_fail_site[.a-z0-9]*\+0x[0-9a-f]*/0x[0-9a-f]* \[pgcluster_test\]$'
tap_check "the failed call is counted at pgcluster_test's site" \
	grep -Eq "^ +0 +0 +1 +1  $site" $D/callers

msg=$(dmesg | tail -n +$((n0 + 1)) | grep -A6 'allocation of 65536 bytes failed')
echo "$msg" | sed 's/^/# /'
has() { echo "$msg" | grep -q "$1"; }
tap_check "the report names the caller" has 'from pgct_callers_fail_site[.a-z0-9]*+'
tap_check "the report says why: a non-sleeping caller" \
	has 'the pool is not grown for non-sleeping callers'
tap_check "the report gives the node's pool state" \
	has 'node [0-9]* (preferred): 0 clusters'
tap_check "the report says why the emergency path did not help" \
	has 'emergency path skipped: it maps pages and needs a sleeping gfp'
tap_check "the report says where to look" \
	has 'see /sys/kernel/debug/pgcluster/stats'

# A sleeping caller that cannot grow the pool (debug kernel only: it needs
# fail_page_alloc): the report gives the last grow failure.
n1=$(dmesg | wc -l)
if echo callers_grow_fail > "$run" 2> /tmp/.case_err; then
	sed 's/^/# /' "$tlog"
	msg=$(dmesg | tail -n +$((n1 + 1)) | grep -A6 'allocation of 2097152 bytes failed')
	echo "$msg" | sed 's/^/# /'
	tap_check "the report says why the pool could not grow" has \
		'could not grow: last grow failure [0-9]* ms ago on node [0-9]*: buddy: no free block of order 9-9; contig: not used for a caller that may not wait for FS/IO'
elif grep -q 'not supported' /tmp/.case_err; then
	tap_skip "the report says why the pool could not grow" "$(tail -n 1 "$tlog")"
else
	sed 's/^/# /' "$tlog"
	tap_fail "callers_grow_fail"
fi

case_tap callers_sites
tap_check "off is shown in the header" sh -c "echo off > $D/callers && grep -q '^# callers: off,' $D/callers"
tap_check "reset is accepted while off" sh -c "echo reset > $D/callers"
tap_check "on again" sh -c "echo on > $D/callers && grep -q '^# callers: on,' $D/callers"

rmmod pgcluster_test
rmmod pgcluster
pgc_check_unloaded "unload with accounting on is clean"

# The cost of accounting, off and on, with the default pool, for the
# record (docs/accounting.md).
# Not on debug kernels: KASAN and lockdep make the numbers meaningless
# and the loop long.
case $(uname -r) in
*debug*)
	tap_skip callers_cost "a debug kernel times nothing useful"
	;;
*)
	if insmod "$ko" && insmod "$tko"; then
		case_tap callers_cost
	else
		tap_fail "reload pgcluster and pgcluster_test"
	fi
	;;
esac
pgc_unload_all
tap_finish
