#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kselftest-style runner for the pgcluster selftests, run inside the guest
# (busybox sh).  Prints TAP 13: one line per test program, with each
# program's own TAP indented as "# " diagnostics.  Exit 0 when nothing
# failed.  Usage: run_tests.sh [test...]
cd "$(dirname "$0")"
export PGC_MODDIR=${PGC_MODDIR:-/pgcluster}
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-600}
tests=${*:-"params.sh load_unload.sh pgcluster_kmod_test pool_shrink.sh debugfs_badinput lab.sh"}

set -- $tests
echo "TAP version 13"
echo "1..$#"
n=0
fail=0
for t in $tests; do
	n=$((n + 1))
	if [ ! -e "$t" ]; then
		echo "ok $n selftests: pgcluster: $t # SKIP not built"
		continue
	fi
	case "$t" in
	*.sh) run="sh ./$t" ;;
	*) run="./$t" ;;
	esac
	echo "# selftests: pgcluster: $t"
	# busybox sh has no PIPESTATUS: the status goes through a file.
	rm -f /tmp/.rc
	{ timeout "$timeout" $run 2>&1; echo $? > /tmp/.rc; } | sed 's/^/# /'
	rc=$(cat /tmp/.rc 2>/dev/null)
	case "$rc" in
	0) echo "ok $n selftests: pgcluster: $t" ;;
	4) echo "ok $n selftests: pgcluster: $t # SKIP" ;;
	*) echo "not ok $n selftests: pgcluster: $t # exit=$rc"; fail=1 ;;
	esac
	for m in pgcluster_bench pgcluster_test pgcluster; do
		[ -d /sys/module/$m ] && rmmod $m
	done
done
exit $fail
