#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload pgcluster 20 times: the debugfs directory must come and go
# with the module, and the free page count must come back (nothing leaked);
# the pool and cached emergency slots are given back at unload.
. "$(dirname "$0")/tap.sh"
ko=$PGC_MODDIR/pgcluster.ko
cycles=${CYCLES:-20}
# Up to this many pages may drift over all cycles: slab pages held by the
# KASAN quarantine and kmemleak metadata on the debug kernel, which grow
# with the objects each load frees (every debugfs file is a dentry and an
# inode), so the debug kernel gets twice the slack.  One leaked 2 MiB
# cluster per cycle would still be 2.5x more; smaller leaks are caught by
# the module's own page accounting at unload (no_leak_reported) and
# kmemleak.
slack=2048
[ -e /sys/kernel/debug/kmemleak ] && slack=4096
slack=${SLACK_PAGES:-$slack}

pgc_unload_all
[ -f "$ko" ] || { tap_skip load_unload "no $ko"; tap_finish; }

# Warm-up cycle: first-use allocations (module loader, slab caches).
insmod "$ko" && rmmod pgcluster
before=$(pgc_free_pages)
tap_diag "free pages before: $before"

fails=0
i=1
while [ $i -le $cycles ]; do
	if ! insmod "$ko"; then
		tap_diag "cycle $i: insmod failed"; fails=$((fails + 1)); break
	fi
	[ -d /sys/kernel/debug/pgcluster ] || { tap_diag "cycle $i: no debugfs dir"; fails=$((fails + 1)); }
	[ -r /sys/kernel/debug/pgcluster/stats ] || { tap_diag "cycle $i: no stats"; fails=$((fails + 1)); }
	rmmod pgcluster || { tap_diag "cycle $i: rmmod failed"; fails=$((fails + 1)); break; }
	[ -e /sys/kernel/debug/pgcluster ] && { tap_diag "cycle $i: debugfs dir left behind"; fails=$((fails + 1)); }
	i=$((i + 1))
done
tap_check "load_unload_${cycles}_cycles" [ $fails -eq 0 ]

after=$(pgc_free_pages)
lost=$((before - after))
tap_diag "free pages after: $after (lost $lost, slack $slack)"
tap_check "no_pages_lost" [ $lost -le $slack ]

if dmesg | grep -q 'pgcluster: .*leak'; then
	dmesg | grep 'pgcluster: .*leak' | sed 's/^/# /'
	tap_fail "no_leak_reported"
else
	tap_ok "no_leak_reported"
fi

# The pool is really taken at load and given back at unload.
insmod "$ko" pool_mb=64
loaded=$(pgc_free_pages)
rmmod pgcluster
unloaded=$(pgc_free_pages)
tap_diag "pool_mb=64: free pages loaded $loaded, unloaded $unloaded"
tap_check "pool_taken_and_returned" [ $((unloaded - loaded)) -ge 16384 ]

# Freed emergency slots kept mapped in the slot cache are given back at
# unload: 64 slots of 128 KiB (2048 pages) cached, then rmmod.
D=/sys/kernel/debug/pgcluster
before=$(pgc_free_pages)
insmod "$ko" slot_cache=64
echo 1 > $D/force_virtual
n=0
while [ $n -lt 64 ] && echo "128K virtok hold" > $D/probe_pgcluster; do
	n=$((n + 1))
done
echo release > $D/probe_pgcluster
cached=$(awk '$1 == "emerg_cache_pages" { print $2 }' $D/stats)
tap_diag "held $n x 128K virtok, released: emerg_cache_pages ${cached:-none}"
tap_check "slots_cached_after_free" [ $n -eq 64 -a "${cached:-0}" -eq 2048 ]
rmmod pgcluster
after=$(pgc_free_pages)
tap_diag "free pages before load $before, after unload $after"
tap_check "cached_slots_returned_at_unload" [ $((before - after)) -lt 1024 ]
tap_finish
