#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kselftest-style runner for the pgcluster selftests, run inside the guest
# (busybox sh).  Prints TAP 13: one line per test program, with each
# program's own TAP indented as "# " diagnostics.  Exit 0 when nothing
# failed.  Usage: run_tests.sh [test...]
#
# The TAP streams as the tests run, on the console that kernel messages
# share, so a printk can split a line.  A clean copy is kept in a file and
# printed again at the end between PGC-TAP-BEGIN and PGC-TAP-END lines;
# scripts/check.sh counts that copy.
cd "$(dirname "$0")"
export PGC_MODDIR=${PGC_MODDIR:-/pgcluster}
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-600}
tests=${*:-"params.sh load_unload.sh probes.sh pgcluster_kmod_test pool_shrink.sh gfp.sh debugfs_badinput lab.sh unload_busy.sh stress.sh"}

tapfile=/tmp/pgc-tap.txt
: > "$tapfile"
out() { echo "$*"; echo "$*" >> "$tapfile"; }

set -- $tests
out "TAP version 13"
out "1..$#"
n=0
fail=0
for t in $tests; do
	n=$((n + 1))
	if [ ! -e "$t" ]; then
		out "ok $n selftests: pgcluster: $t # SKIP not built"
		continue
	fi
	case "$t" in
	*.sh) run="sh ./$t" ;;
	*) run="./$t" ;;
	esac
	out "# selftests: pgcluster: $t"
	# busybox sh has no PIPESTATUS: the status goes through a file.
	rm -f /tmp/.rc
	{ timeout "$timeout" $run 2>&1; echo $? > /tmp/.rc; } | sed 's/^/# /' | tee -a "$tapfile"
	rc=$(cat /tmp/.rc 2>/dev/null)
	case "$rc" in
	0) out "ok $n selftests: pgcluster: $t" ;;
	4) out "ok $n selftests: pgcluster: $t # SKIP" ;;
	*) out "not ok $n selftests: pgcluster: $t # exit=$rc"; fail=1 ;;
	esac
	for m in pgcluster_bench pgcluster_test pgcluster; do
		[ -d /sys/module/$m ] && rmmod $m
	done
done
echo "PGC-TAP-BEGIN"
cat "$tapfile"
echo "PGC-TAP-END"
exit $fail
