# SPDX-License-Identifier: GPL-2.0
# TAP 13 helpers for the busybox-sh selftests and the host scripts (bash);
# source it, then call tap_ok/tap_fail/tap_check/tap_skip/tap_diag and end
# with `tap_finish`, which prints the plan "1..N" (a plan at the end is valid
# TAP): nobody counts tests by hand.  Exit status of tap_finish: 0 when
# nothing failed, 1 when something did, 4 (kselftest's SKIP) when every
# test was skipped.
tap_n=0
tap_nfail=0
tap_nskip=0
PGC_MODDIR=${PGC_MODDIR:-/pgcluster}
echo "TAP version 13"

tap_ok()   { tap_n=$((tap_n + 1)); echo "ok $tap_n $*"; }
tap_fail() { tap_n=$((tap_n + 1)); tap_nfail=$((tap_nfail + 1)); echo "not ok $tap_n $*"; }
tap_skip() { tap_n=$((tap_n + 1)); tap_nskip=$((tap_nskip + 1)); echo "ok $tap_n $1 # SKIP $2"; }
tap_diag() { echo "# $*"; }
# tap_check NAME COMMAND...: ok when the command succeeds.
tap_check() { _n=$1; shift; if "$@"; then tap_ok "$_n"; else tap_fail "$_n"; fi; }
tap_finish() {
	echo "1..$tap_n"
	echo "# Totals: pass:$((tap_n - tap_nfail - tap_nskip)) fail:$tap_nfail skip:$tap_nskip"
	[ "$tap_nfail" -eq 0 ] || exit 1
	[ "$tap_n" -gt "$tap_nskip" ] || exit 4
	exit 0
}

# Helpers shared by the scripts.
pgc_loaded() { [ -d /sys/module/pgcluster ]; }
pgc_unload_all() {
	for m in pgcluster_bench pgcluster_test pgcluster; do
		[ -d /sys/module/$m ] && rmmod $m
	done
	return 0
}
# Free pages after dropping caches (a steady reading for leak checks):
# the buddy free lists plus the per-CPU page lists (pages freed one by one
# wait there and are not in nr_free_pages), summed over /proc/zoneinfo.
pgc_free_pages() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '$1 == "nr_free_pages" || $1 == "count:" {n += $2} END {print n}' /proc/zoneinfo
}
# pgc_test_modules NAME: for the scripts that drive pgcluster_test: sets
# ko, tko, run and tlog, unloads what is loaded, and ends the script with one
# SKIP line called NAME when either module is missing.
pgc_test_modules() {
	ko=$PGC_MODDIR/pgcluster.ko
	tko=$PGC_MODDIR/pgcluster_test.ko
	run=/sys/kernel/debug/pgcluster_test/run
	tlog=/sys/kernel/debug/pgcluster_test/log
	pgc_unload_all
	if [ ! -f "$ko" ] || [ ! -f "$tko" ]; then
		tap_skip "$1" "needs $ko and $tko"
		tap_finish
	fi
}
# pgc_check_unloaded NAME: after rmmod pgcluster, one TAP line called NAME
# that fails when the unload reported a leak, live allocations or slots,
# pages still referenced, or an accounting imbalance.
pgc_unload_report='pgcluster: .*(leak|does not balance|not empty|accounting|still live|still referenced)'
pgc_check_unloaded() {
	if dmesg | grep -Eq "$pgc_unload_report"; then
		dmesg | grep -E "$pgc_unload_report" | sed 's/^/# /'
		tap_fail "$1"
	else
		tap_ok "$1"
	fi
}
pgc_stat() { awk -v k="$1" '$1 == k {print $2}' /sys/kernel/debug/pgcluster/stats; }

# case_tap NAME: run pgcluster_test's case NAME through $run, show its log
# ($tlog) and print one TAP line; a case that skips is a SKIP.
case_tap() {
	if echo "$1" > "$run" 2> /tmp/.case_err; then
		sed 's/^/# /' "$tlog"
		tap_ok "$1"
	elif grep -q 'not supported' /tmp/.case_err; then
		sed 's/^/# /' "$tlog"
		tap_skip "$1" "$(tail -n 1 "$tlog")"
	else
		sed 's/^/# /' "$tlog"
		tap_fail "$1"
	fi
}
