#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh (make check): build everything and run every test pgcluster has:
#   host unit tests + fuzzing of the placement code, the VM harness's own
#   test, the selftests on Debian 12's kernel (6.1), the DKMS cycle, the
#   selftests on Debian 13's kernel (6.12, set up on first use in a Debian 13
#   root by scripts/trixie-kernel.sh), lint (checkpatch, W=1 -Werror,
#   sparse C=2) and the selftests on the 7.2 debug kernel (KASAN, lockdep,
#   kmemleak, DEBUG_VM, DEBUG_PAGEALLOC), which is built in the background
#   on first use.  Both are cached in /var/cache/pgcluster.
#   Per kernel, the NUMA checks boot a guest with two memory nodes
#   (scripts/numa-test.sh), and on the debug kernel a fault walk fails every
#   allocation point of the debugfs writes and every third of insmod once
#   in turn (scripts/fault-test.sh).
#   The benchmark runs on the distro kernels too; it only reports (its
#   tables are in the log), and counts as passed when it ran and printed
#   every table.
#   So does the demo (make demo, through scripts/demo-test.sh): it counts
#   as passed when it ran cleanly and showed, inside the seal, buddy probes
#   of orders 1-5 failing while pgcluster served 9000 B, 36 KiB and 128 KiB,
#   and the probes succeeding again after the unseal and the release.
# Ends with one line "N passed, N failed, N skipped" (TAP SKIP and TODO lines
# count as skipped) over all of them and
# exits non-zero on any failure.
#
# A stage that boots a guest writes the guest's TAP, taken from its result
# channel (vm-run.sh --result), to the file $PGC_RESULT_FILE that the stage
# names; that file is counted then, not the console.
#
# Environment: CHECK_KERNELS="distro trixie debug" (default all three), FUZZ_SECONDS
# (default 60), PGCLUSTER_OUT (default /tmp/pgcluster-build).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
export PGCLUSTER_OUT
out=$PGCLUSTER_OUT/check
kernels=${CHECK_KERNELS:-distro trixie debug}
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
P=0 F=0 S=0
failed_stages=()

# bench_tap KERNEL: run the benchmark (it only reports numbers) and turn
# "it ran and printed every table" into TAP.
bench_tap() (
	log=$out/bench-$1.txt
	KERNEL=$1 BENCH_QUICK=1 "$root/scripts/bench.sh" >"$log" 2>&1
	rc=$?
	grep -av '^\[ *[0-9]*\.[0-9]*\]' "$log" | sed 's/^/  | /'
	. "$root/selftests/tap.sh"
	for t in '== speed' '== emergency path' '== waste' '== success'; do
		if [ $rc = 0 ] && grep -q "^$t" "$log"; then
			tap_ok "bench on $1 printed the '${t#== }' table"
		else
			tap_fail "bench on $1: no '${t#== }' table (exit $rc)"
		fi
	done
	tap_finish
)

# exp_tap KERNEL: the short fragmentation experiment (scripts/experiment.sh
# --check: every arm sampled, no console report, the driver lost no data)
# as one TAP line.
exp_tap() (
	log=$out/experiment-$1.txt
	"$root/scripts/experiment.sh" --check "$1" >"$log" 2>&1
	rc=$?
	grep -av '^\[ *[0-9]*\.[0-9]*\]' "$log" | tail -n 30 | sed 's/^/  | /'
	. "$root/selftests/tap.sh"
	if [ $rc = 0 ]; then
		tap_ok "experiment --check on $1: every arm sampled, no data lost"
	else
		tap_fail "experiment --check on $1 (exit $rc, see $log)"
	fi
	tap_finish
)

elapsed() { echo "$(( ($(date +%s) - start) / 60 ))m$(( ($(date +%s) - start) % 60 ))s"; }

# tap_of NAME: the TAP stage NAME printed, or when its guest wrote one on
# the result channel, that.
tap_of() {
	if [ -s "$out/$1.tap" ]; then
		tr -d '\r' <"$out/$1.tap"
	else
		tr -d '\r' <"$out/$1.log"
	fi
}

# stage NAME COMMAND...: run a TAP-producing command, show its output, count.
stage() {
	local name=$1; shift
	local log=$out/$name.log
	echo
	echo "=== $name ($(elapsed)) ==="
	rm -f "$out/$name.tap"
	# Show the progress lines.
	PGC_RESULT_FILE=$out/$name.tap "$@" 2>&1 | tee "$log" | awk '
		/^(TAP|(not )?ok |# (not )?ok |# selftests|vm-run|=|  \| |\[(debug|trixie)-kernel\]|deps|build:)|not ok|FAIL/ {
			print; fflush()
		}'
	local rc=${PIPESTATUS[0]}
	read -r p f s < <(tap_of "$name" | pgc_tap_count /dev/stdin)
	# These stages' guests write their TAP to the result channel; an empty
	# channel means it broke, and the console's copy is not trusted.
	case $name in
	selftests-*|numa-*|faults-*)
		if [ ! -s "$out/$name.tap" ]; then
			echo "not ok: $name wrote nothing to the result channel (see $log)" |
				tee -a "$out/failures"
			f=$((f + 1))
		fi ;;
	esac
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok: $name exited $rc (see $log)" |
			tee -a "$out/failures"
		f=$((f + 1))
	fi
	if [ $((p + f + s)) = 0 ]; then
		echo "not ok: $name ran no test (see $log)" |
			tee -a "$out/failures"
		f=1
	fi
	P=$((P + p)); F=$((F + f)); S=$((S + s))
	[ "$f" = 0 ] || failed_stages+=("$name")
	# the failing lines again at the end, where a truncated log keeps them
	{
		tap_of "$name" | grep -E '^(# )?not ok ' | grep -v '# TODO'
		# a FAIL line and the report lines under it; not the lines of a
		# boot that died before init and was booted again
		tr -d '\r' <"$log" | awk '
			/^vm-run: FAIL/ { f = 1; print; next }
			f && /^vm-run:   / { print; next }
			{ f = 0 }'
	} | sed "s/^/$name: /" >>"$out/failures" || true
	echo "--- $name: $p passed, $f failed, $s skipped"
}

echo "=== dependencies ==="
"$root/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

dkpid=
case " $kernels " in
*" debug "*)
	if [ -z "$("$root/scripts/debug-kernel.sh" --cached)" ]; then
		echo "debug kernel not cached: building it in the background (log: $out/debug-kernel.log)"
		"$root/scripts/debug-kernel.sh" >"$out/debug-kernel.log" 2>&1 &
		dkpid=$!
	fi ;;
esac

stage host-tests make -s -C "$root/tests/host" run FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
for k in $kernels; do
	if [ "$k" = debug ] && [ -n "$dkpid" ]; then
		echo
		echo "=== waiting for the debug kernel build ($(elapsed)) ==="
		while kill -0 "$dkpid" 2>/dev/null; do
			sleep 60
			tail -n 1 "$out/debug-kernel.log"
		done
		wait "$dkpid" || { tail -n 30 "$out/debug-kernel.log"; }
	fi
	if [ "$k" = distro ]; then
		stage harness-$k "$root/scripts/harness-test.sh" "$k"
		stage dkms "$root/scripts/dkms-test.sh"
	fi
	stage selftests-$k "$root/scripts/selftests.sh" "$k"
	stage numa-$k "$root/scripts/numa-test.sh" "$k"
	# Every third point of the insmod walk, a third of them each day,
	# all of them over three days (scripts/fault-test.sh alone: all).
	if [ "$k" = debug ]; then
		stage faults-debug env FAULT_WALK_STRIDE=3 \
			FAULT_WALK_OFFSET=$(( $(date +%s) / 86400 % 3 )) \
			"$root/scripts/fault-test.sh" debug
	fi
	# On the debug kernel the bench's times say nothing and it takes
	# 8 minutes: there it is `KERNEL=debug make bench`, by hand.
	[ "$k" = debug ] || stage bench-$k bench_tap "$k"
	stage demo-$k "$root/scripts/demo-test.sh" "$k"
	[ "$k" = distro ] && stage experiment-$k exp_tap "$k"
done
stage lint "$root/scripts/lint.sh"

echo
echo "=== summary ($(elapsed)) ==="
if [ ${#failed_stages[@]} != 0 ]; then
	echo "failed stages: ${failed_stages[*]}"
	head -n 60 "$out/failures"
fi
if [ "$S" = 0 ]; then
	echo "$P passed, $F failed"
else
	echo "$P passed, $F failed, $S skipped"
fi
[ "$F" = 0 ]
