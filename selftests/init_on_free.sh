#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# On a guest booted with init_on_free=1 init_on_alloc=0 (scripts/numa-test.sh
# boots one), a page the emergency reserve takes back from a free must be
# cleared, as the page allocator clears a freed page: the in-kernel case
# emerg_reserve, in its last step, stamps pages the reserve served, frees
# them, takes as many from the reserve again and requires zeros.  Skips on
# other boots, unless INIT_ON_FREE_REQUIRE=1 makes that a failure.
. "$(dirname "$0")/tap.sh"
pgc_test_modules init_on_free
if ! grep -qw init_on_free=1 /proc/cmdline ||
   ! grep -qw init_on_alloc=0 /proc/cmdline; then
	if [ "${INIT_ON_FREE_REQUIRE:-0}" = 1 ]; then
		tap_fail "init_on_free: booted without init_on_free=1 init_on_alloc=0"
	else
		tap_skip init_on_free "needs init_on_free=1 init_on_alloc=0"
	fi
	tap_finish
fi
dmesg -c > /dev/null
if ! insmod "$ko" reserve_pages=32 || ! insmod "$tko"; then
	tap_fail "load pgcluster and pgcluster_test"
	pgc_unload_all
	tap_finish
fi
if echo emerg_reserve > "$run"; then
	sed 's/^/# /' "$tlog"
	tap_check "reserve pages read zero after init_on_free" \
		grep -q 'init_on_free: \([0-9]*\) of \1 stamped pages back from the reserve read zero' "$tlog"
else
	sed 's/^/# /' "$tlog"
	tap_fail "emerg_reserve"
fi
rmmod pgcluster_test
rmmod pgcluster
pgc_check_unloaded unload_clean
tap_finish
