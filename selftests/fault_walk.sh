#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault walk: every allocation point of an operation fails once in turn.
#
# With the kernel's fail-nth (Documentation/fault-injection/), failslab and
# fail_page_alloc set so that sleeping allocations of any order can fail
# (ignore-gfp-wait=N, min-order=0, verbose=0), the helper fail_nth arms
# fail-nth of its own task with n and runs one operation, for n = 1, 2, ...
# until a run passes fewer than n points; the walk's length is that n - 1.
# The operations (FAULT_WALK_OPS picks some; the default is all but the
# two long walks, pool_grow_contig and test_grow_pool):
#
#   insmod             insmod pgcluster.ko pool_mb=2 reserve_pages=8
#                      allow_inject=1, rmmod when it loaded.  The walk
#                      starts after the module loader's own points before
#                      pgcluster's init (see below), so it covers the init
#                      and what the loader does after it.
#   pool_grow          "buddy 0" to debugfs pool_grow
#   pool_grow_contig   "contig 0" (kernels exporting alloc_contig_pages):
#                      mostly the kernel's page migration, a walk of 6 to
#                      200 points depending on what the range holds
#   slot_cache         the slot_cache parameter set to 64 (sysfs)
#   force_virtual      "1" to debugfs force_virtual
#   emerg_fail_pages   "2" to debugfs emerg_fail_pages
#   inject_start       "start" to inject/control (pattern blocks:4, amount
#                      4M), released after each run
#   inject_release     "release" of such a start
#   probe              "3" to debugfs probe (an order-3 buddy probe)
#   probe_pgcluster    "9000", and "128K virtok" with force_virtual=1 and
#                      slot_cache=0 (each run maps a new slot)
#   test_cluster_sizes "cluster_sizes" to pgcluster_test/run
#   test_grow_pool     "cluster_grow_pool" to pgcluster_test/run: 32 MiB
#                      in 512 KiB pieces, the pool grown 16 times per run
#                      (about 250 points, 8 minutes on the debug kernel)
#
# All but insmod run on pgcluster loaded with pool_mb=0 (no reserve, so no
# refill worker: what the pool does happens in the walked task only), and
# each run of the probes and test cases starts from an empty pool (the
# shrinker returns every free cluster: drop_caches), so each run grows it.
#
# A run passes when the operation failed cleanly (an errno; for insmod:
# nothing left behind, no module, no debugfs directory) or succeeded by a
# fallback (insmod: the module loads and unloads cleanly), and the state
# checked after it is consistent: a failed pool_grow adds no cluster, the
# pool's page count matches its bytes, a probe or test case leaves no
# allocation live.  A test case that fails because an allocation it made
# returned NULL (write error EIO), or skipped because it could not allocate
# its own bookkeeping (EOPNOTSUPP), is a clean error.  After each walk,
# pgcluster must not have reported a leak or an accounting imbalance.
# Kernel reports (BUG, WARNING, KASAN, lockdep, Call Trace) and kmemleak
# are judged by scripts/vm-run.sh over the whole console.  Each operation
# must have at least one point, except the knob writes, which may have none.
#
# The module loader's own allocations before pgcluster's init are not
# walked: kernel code there WARNs when they fail (jump_label_module_notify:
# "Failed to allocate memory: jump_label may not work properly"), a report
# that is not pgcluster's.  Their number is that of a load that pgcluster's
# init refuses before it allocates anything (pool_mb above the limit).
#
# FAULT_WALK_STRIDE=k (default 1) walks only every k-th point of the insmod
# walk, from point FAULT_WALK_OFFSET (default 0) after the loader's; the
# report says how many were walked.  FAULT_WALK_MAX (default 5000) bounds a
# walk.  Skips (exit 4) without fail-nth or the failslab/fail_page_alloc
# debugfs files, unless FAULT_WALK_REQUIRE=1 makes that a failure.  Run as
# `sh fault_walk.sh` with PGC_MODDIR naming the directory of pgcluster.ko
# and pgcluster_test.ko.
. "$(dirname "$0")/tap.sh"
here=$(cd "$(dirname "$0")" && pwd)
fnth=$here/fail_nth
ko=$PGC_MODDIR/pgcluster.ko
tko=$PGC_MODDIR/pgcluster_test.ko
D=/sys/kernel/debug/pgcluster
T=/sys/kernel/debug/pgcluster_test
FI=/sys/kernel/debug
max=${FAULT_WALK_MAX:-5000}
stride=${FAULT_WALK_STRIDE:-1}
offset=${FAULT_WALK_OFFSET:-0}
ops=${FAULT_WALK_OPS:-"insmod pool_grow slot_cache force_virtual emerg_fail_pages inject_start inject_release probe probe_pgcluster test_cluster_sizes"}
# Small: fewer points per load.
insmod_params="pool_mb=2 reserve_pages=8 allow_inject=1"
load_params="pool_mb=0 reserve_pages=8 allow_inject=1"
# Free pages an insmod walk of some hundred loads may drift by (slab and
# per-cpu caches, the KASAN quarantine): one leaked pool cluster per failed
# load would be tens of thousands.
slack=${SLACK_PAGES:-1024}
summary=

pgc_unload_all
missing=
for f in "$fnth" "$ko" "$tko" /proc/self/task/$$/fail-nth \
	 $FI/failslab/ignore-gfp-wait $FI/fail_page_alloc/min-order; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	if [ "${FAULT_WALK_REQUIRE:-0}" = 1 ]; then
		tap_fail "fault_injection_available (missing:$missing)"
	else
		tap_skip fault_walk "missing:$missing"
	fi
	tap_finish
fi

# Sleeping allocations of any order may fail, silently; fail-nth alone
# decides which (probability stays 0).
for a in failslab fail_page_alloc; do
	echo N > $FI/$a/ignore-gfp-wait
	echo 0 > $FI/$a/verbose
	echo 0 > $FI/$a/probability
done
echo 0 > $FI/fail_page_alloc/min-order
echo N > $FI/fail_page_alloc/ignore-gfp-highmem

# No report of a leak or an imbalance from pgcluster since the last call
# (shown when there is one).
no_reports() {
	r=$(dmesg -c | grep -E "$pgc_unload_report")
	[ -z "$r" ] && return 0
	echo "$r" | sed 's/^/# /'
	return 1
}
# The stats this script checks, read with shell builtins only (a walk runs
# hundreds of times; a fork costs a good part of a run under TCG).
stats_read() {
	while read -r k v; do
		case "$k" in
		clusters) s_clusters=$v ;;
		pool_bytes) s_pool=$v ;;
		pool_pages_held) s_held=$v ;;
		live_allocations) s_live=$v ;;
		emerg_live_slots) s_slots=$v ;;
		esac
	done < $D/stats
}
pool_consistent() {
	[ $((s_held * 4096)) -eq "$s_pool" ] && return 0
	tap_diag "pool accounting: $s_held pages held, pool $s_pool bytes"
	return 1
}

# parse LINE: the fields of one fail_nth line; false when it is not one.
parse() {
	case "$1" in
	n=*\ injected=?\ passed=*\ errno=*\ unload=*\ left=*) ;;
	*) return 1 ;;
	esac
	inj=${1#* injected=}; inj=${inj%% *}
	en=${1#* errno=}; en=${en%% *}
	ul=${1#* unload=}; ul=${ul%% *}
	left=${1##* left=}
}

# Counting, shared by the walks: point POINT gave $inj/$en, CHECK said OK.
w_start() {
	w_name=$1 w_ok=0 w_err=0 w_bad=0 w_errnos='' w_final=none w_pts=0
	w_t0=$(date +%s)
}
w_point() {
	if [ "$2" != 0 ]; then
		tap_diag "$w_name: point $1 (injected=$inj): inconsistent after $en"
		w_bad=$((w_bad + 1))
	fi
	if [ "$inj" = N ]; then
		w_final=$en
		return 1
	fi
	w_pts=$((w_pts + 1))
	if [ "$en" = 0 ]; then
		w_ok=$((w_ok + 1))
	else
		w_err=$((w_err + 1))
		w_errnos="$w_errnos $en"
	fi
	return 0
}
# w_end MIN [WHAT]: the TAP line of a walk of at least MIN points.
w_end() {
	no_reports || w_bad=$((w_bad + 1))
	w_hist=$(for e in $w_errnos; do echo "$e"; done | sort | uniq -c |
		 awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')
	tap_diag "$w_name: ${2:-$w_pts points} in $(($(date +%s) - w_t0))s: $w_ok succeeded (fallback), $w_err clean errors${w_hist:+ ($w_hist)}; unfaulted run: $w_final"
	summary="$summary $w_name=$w_pts"
	if [ "$w_final" = none ]; then
		tap_fail "$w_name: walk not finished after $w_pts points"
	elif [ $w_bad -ne 0 ]; then
		tap_fail "$w_name: $w_bad inconsistent runs in $w_pts points"
	elif [ "$w_final" != 0 ]; then
		tap_fail "$w_name: the run without a fault failed ($w_final)"
	elif [ $w_pts -lt "$1" ]; then
		tap_fail "$w_name: only $w_pts points (expected at least $1)"
	else
		tap_ok "$w_name: $w_pts points walked"
	fi
}

# walk NAME MIN PREP CHECK ARGS...: for n = 1, 2, ...: PREP; fail_nth n
# ARGS; CHECK (with $inj, $en set) must succeed.  The first run without an
# injected fault ends the walk and must succeed itself.
walk() {
	w_min=$2 w_prep=$3 w_check=$4
	w_start "$1"
	shift 4
	n=1
	while [ $n -le "$max" ]; do
		$w_prep
		res=$("$fnth" "$n" "$@")
		if ! parse "$res"; then
			tap_diag "$w_name: point $n: fail_nth said '$res'"
			w_bad=$((w_bad + 1))
			break
		fi
		$w_check
		w_point $n $? || break
		n=$((n + 1))
	done
	w_end "$w_min"
}

nop() { :; }

# ---- insmod ----------------------------------------------------------------
# One fail_nth process walks it; each line is checked here: a load that
# worked was unloaded, and whatever happened nothing of it is left.
walk_insmod() {
	res=$("$fnth" 1000000 insmod "$ko" "pool_mb=65536 ${insmod_params#pool_mb=* }")
	parse "$res" && [ "$en" = EINVAL ] ||
		{ tap_fail "insmod: a load refused by pgcluster's init gave '$res'"; return; }
	pre=${res#* passed=}; pre=${pre%% *}
	tap_diag "insmod: the loader passes $pre points before pgcluster's init: the walk starts after them"
	free0=$(pgc_free_pages)
	w_start insmod
	"$fnth" walk $((pre + 1 + offset)) "$stride" insmod "$ko" "$insmod_params" > /tmp/fw-insmod.txt
	while read -r line; do
		if ! parse "$line"; then
			tap_diag "insmod: fail_nth said '$line'"
			w_bad=$((w_bad + 1))
			continue
		fi
		ok=0
		case "$en:$ul:$left" in
		0:0:-|*:-:-) ;;
		*) ok=1 ;;
		esac
		w_point "${line%% *}" $ok || break
	done < /tmp/fw-insmod.txt
	total=${line#* passed=}; total=${total%% *}
	free1=$(pgc_free_pages)
	tap_diag "insmod: points $((pre + 1 + offset)) on, every $stride: $w_pts walked; an unfaulted load passes $total"
	tap_diag "insmod walk: free pages before $free0, after $free1"
	if [ $((free0 - free1)) -gt "$slack" ]; then
		tap_diag "insmod walk: $((free0 - free1)) pages lost (slack $slack)"
		w_bad=$((w_bad + 1))
	fi
	w_end 1
}

# ---- debugfs writes on a loaded module --------------------------------------
prep_grow() { stats_read; c0=$s_clusters; }
check_grow() {
	stats_read
	pool_consistent || return 1
	if [ "$en" = 0 ]; then
		[ "$s_clusters" -eq $((c0 + 1)) ] && return 0
	else
		[ "$en" = ENOMEM ] && [ "$s_clusters" -eq "$c0" ] && return 0
	fi
	tap_diag "pool_grow: $en, clusters $c0 -> $s_clusters"
	return 1
}

# A write whose only failure can be an allocation's: ENOMEM or success.
check_enomem() { [ "$en" = 0 ] || [ "$en" = ENOMEM ]; }

check_start() {
	read -r st < $D/inject/control
	echo release > $D/inject/control
	read -r st2 < $D/inject/control
	[ "$st2" = idle ] || { tap_diag "start: $st, then $st2 after release"; return 1; }
	check_enomem || { tap_diag "start: $en ($st)"; return 1; }
}
prep_release() {
	echo start > $D/inject/control
	read -r st < $D/inject/control
	[ "$st" = pinned ] || tap_diag "start did not pin: $st"
}
check_release() {
	read -r st < $D/inject/control
	[ "$st" = idle ] && [ "$en" = 0 ] && return 0
	tap_diag "release: $en, $st"
	echo release > $D/inject/control
	return 1
}

# Each run from an empty pool: it grows it.
prep_live() {
	echo 3 > /proc/sys/vm/drop_caches
	stats_read
	l0=$s_live e0=$s_slots
}
check_live() {
	stats_read
	pool_consistent || return 1
	[ "$s_live" -eq "$l0" ] && [ "$s_slots" -eq "$e0" ] && return 0
	tap_diag "live allocations $l0 -> $s_live, emergency slots $e0 -> $s_slots"
	return 1
}
check_probe() { check_live && [ "$en" = 0 ]; }
# A case that saw NULL from an allocation fails with EIO, one that could
# not allocate its own bookkeeping skips (EOPNOTSUPP): clean errors.
check_case() {
	check_live || return 1
	case "$en" in
	0) ;;
	EIO) case_eio=$((case_eio + 1))
	     [ $case_eio -le 2 ] && grep -m 1 FAIL $T/log |
		sed 's/^FAIL /# the case, at an injected failure: /' ;;
	EOPNOTSUPP) ;;
	*) tap_diag "case: $en"; return 1 ;;
	esac
	return 0
}
# walk_case NAME CASE
walk_case() {
	case_eio=0
	walk "$1" 1 prep_live check_case write $T/run "$2"
	tap_diag "$1: the case failed (EIO: an allocation returned NULL) at $case_eio points"
}

dmesg -c > /dev/null
for op in $ops; do
	if [ "$op" = insmod ]; then
		pgc_unload_all
		walk_insmod
		continue
	fi
	if ! pgc_loaded; then
		insmod "$ko" $load_params && insmod "$tko" ||
			{ tap_fail "load pgcluster $load_params and pgcluster_test"; break; }
	fi
	case "$op" in
	pool_grow)
		walk pool_grow 1 prep_grow check_grow write $D/pool_grow "buddy 0"
		echo 3 > /proc/sys/vm/drop_caches ;;
	pool_grow_contig)
		if [ "$(pgc_stat contig_refill_supported)" = 1 ]; then
			walk pool_grow_contig 1 prep_grow check_grow write $D/pool_grow "contig 0"
		else
			tap_skip pool_grow_contig "no alloc_contig_pages on this kernel"
		fi
		echo 3 > /proc/sys/vm/drop_caches ;;
	slot_cache)
		walk slot_cache 0 nop check_enomem write /sys/module/pgcluster/parameters/slot_cache 64
		echo 16 > /sys/module/pgcluster/parameters/slot_cache ;;
	force_virtual)
		walk force_virtual 0 nop check_enomem write $D/force_virtual 1
		echo 0 > $D/force_virtual ;;
	emerg_fail_pages)
		walk emerg_fail_pages 0 nop check_enomem write $D/emerg_fail_pages 2
		echo 0 > $D/emerg_fail_pages ;;
	inject_start)
		echo blocks:4 > $D/inject/pattern
		echo 4M > $D/inject/amount
		walk inject_start 1 nop check_start write $D/inject/control start ;;
	inject_release)
		echo blocks:4 > $D/inject/pattern
		echo 4M > $D/inject/amount
		walk inject_release 0 prep_release check_release write $D/inject/control release ;;
	probe)
		walk probe 1 prep_live check_probe write $D/probe 3 ;;
	probe_pgcluster)
		walk probe_pgcluster 1 prep_live check_probe write $D/probe_pgcluster 9000
		echo 1 > $D/force_virtual
		echo 0 > /sys/module/pgcluster/parameters/slot_cache
		walk probe_pgcluster_virtok 1 prep_live check_probe write $D/probe_pgcluster "128K virtok"
		echo 16 > /sys/module/pgcluster/parameters/slot_cache
		echo 0 > $D/force_virtual ;;
	test_cluster_sizes)
		walk_case test_cluster_sizes cluster_sizes ;;
	test_grow_pool)
		walk_case test_grow_pool cluster_grow_pool ;;
	*)
		tap_fail "unknown operation $op" ;;
	esac
done
pgc_unload_all
tap_check unload_clean no_reports
for a in failslab fail_page_alloc; do
	echo Y > $FI/$a/ignore-gfp-wait
done
echo 1 > $FI/fail_page_alloc/min-order
tap_diag "fault points walked:$summary"
tap_finish
