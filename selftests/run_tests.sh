#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kselftest-style runner for the pgcluster selftests, run inside the guest
# (busybox sh).  Prints TAP 13 (selftests/tap.sh): one line per test
# program, with each program's own TAP indented as "# " diagnostics.  Exit
# 0 when nothing failed.  Usage: run_tests.sh [test...]
#
# The TAP streams on stdout, the console that kernel messages share, where
# a printk can split a line: that copy is for people watching.  When
# PGC_RESULT names a file or device (scripts/vm-run.sh sets it to the
# guest's second serial port) the same TAP goes there too, and the host
# scripts count that copy.
cd "$(dirname "$0")" || exit 1

run_all() {
	export PGC_MODDIR=${PGC_MODDIR:-/pgcluster}
	timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
	timeout=${timeout:-600}
	tests=${*:-"params.sh load_unload.sh probes.sh pgcluster_kmod_test pool_shrink.sh gfp.sh callers.sh debugfs_badinput lab.sh trace.sh unload_busy.sh stress.sh"}
	. ./tap.sh
	for t in $tests; do
		name="selftests: pgcluster: $t"
		if [ ! -e "$t" ]; then
			tap_skip "$name" "not built"
			continue
		fi
		case "$t" in
		*.sh) run="sh ./$t" ;;
		*) run="./$t" ;;
		esac
		tap_diag "$name"
		# busybox sh has no PIPESTATUS: the status goes through a file.
		rm -f /tmp/.pgc-test-rc
		# awk, not sed: it ends a last line that a killed program left
		# unfinished, so the next result line stays a line of its own.
		{ timeout "$timeout" $run 2>&1; echo $? > /tmp/.pgc-test-rc; } |
			awk '{ print "# " $0; fflush() }'
		rc=$(cat /tmp/.pgc-test-rc 2>/dev/null)
		case "$rc" in
		0) tap_ok "$name" ;;
		4) tap_skip "$name" "" ;;
		*) tap_fail "$name # exit=$rc" ;;
		esac
		for m in pgcluster_bench pgcluster_test pgcluster; do
			[ -d /sys/module/$m ] && rmmod $m
		done
	done
	tap_finish
}

rm -f /tmp/.pgc-run-rc
{ (run_all "$@"); echo $? > /tmp/.pgc-run-rc; } | tee "${PGC_RESULT:-/dev/null}"
rc=$(cat /tmp/.pgc-run-rc 2>/dev/null)
# tap_finish says 4 when every program was skipped: nothing failed.
case "$rc" in
4) exit 0 ;;
*) exit "${rc:-1}" ;;
esac
