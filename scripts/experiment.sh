#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# experiment.sh [--check] [KERNEL]: the fragmentation experiment
# (`make experiment`, docs/experiment.md).  Builds pgcluster and experiment/driver_sim.ko for
# KERNEL (distro by default, or $KERNEL; see scripts/kernel.sh), builds the
# static churn helper, boots one fresh guest per arm (kmalloc, pgcluster,
# virtok) with the same seed and length, runs experiment/workload.sh in each
# and collects its CSV rows into $PGCLUSTER_OUT/experiment/KERNEL/:
#
#   ARM.csv        one row per sample (EXPROW lines)
#   ARM-buddy.csv  free blocks per order per zone per sample
#   ARM-end.csv    the end-of-run 2 MiB test
#   ARM-worst.csv  the worst case (sealed checkerboard)
#   ARM.log        the guest console
#   experiment.png, summary.md   from experiment/plot.py
#
# The summary table is also printed on stdout.
#
# Parameters (environment):
#   EXP_SECONDS   load length per arm in seconds (default 60; --check: 20;
#                 the long setting in the docs is 1800)
#   EXP_SEED      seed for the driver and the churn (default 1)
#   EXP_INTERVAL  seconds between samples (default 5)
#   EXP_MEM       guest memory in MiB (default 1024)
#   EXP_CPUS      guest CPUs (default 2)
#   EXP_ARMS      arms to run (default "kmalloc pgcluster virtok")
#   EXP_WORST_MS  length of one worst-case run in ms (default 2000, at most 8000)
#   EXP_WORST_REPS  worst-case runs per pool state (default 3)
#
# --check: a short run that fails when an arm's guest failed (vm-run.sh
# judges the console: no WARNING, BUG, Call Trace, OOM report or timeout),
# when an arm has fewer than half of SECONDS/INTERVAL load samples or none
# in its last two intervals, or when the driver lost data.  Rows spoilt by
# console messages are dropped and counted (ARM*.dropped) in every run.  The plot uses matplotlib when installed, else plot.py's own
# standard-library renderer.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
check=
kernel=${KERNEL:-distro}
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1; shift ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
	-*) echo "experiment: unknown option $1" >&2; exit 2 ;;
	*) kernel=$1; shift ;;
	esac
done
secs=${EXP_SECONDS:-$([ -n "$check" ] && echo 20 || echo 60)}
seed=${EXP_SEED:-1}
interval=${EXP_INTERVAL:-5}
mem=${EXP_MEM:-1024}
cpus=${EXP_CPUS:-2}
worst_ms=${EXP_WORST_MS:-2000}
worst_reps=${EXP_WORST_REPS:-3}
read -ra arms <<<"${EXP_ARMS:-kmalloc pgcluster virtok}"
for v in "$secs" "$seed" "$interval" "$mem" "$cpus" "$worst_ms" "$worst_reps"; do
	case "$v" in ''|*[!0-9]*) echo "experiment: EXP_* values are numbers" >&2; exit 2 ;; esac
done
if [ "$interval" -lt 1 ] || [ "$cpus" -lt 1 ] || [ "$secs" -lt 1 ]; then
	echo "experiment: EXP_INTERVAL, EXP_CPUS and EXP_SECONDS are at least 1" >&2
	exit 2
fi
if [ "$worst_ms" -lt 1 ] || [ "$worst_ms" -gt 8000 ]; then
	echo "experiment: EXP_WORST_MS is 1-8000 (the lab seals for at most 10 s)" >&2
	exit 2
fi

# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
echo "experiment: building driver_sim.ko for $kernel" >&2
pgc_kernel_make "$kernel" "$out" -s -C experiment module >&2
gcc -static -O2 -Wall -Wextra -o "$out/experiment/churn" "$out/experiment/churn.c"

res=$(pgc_out "experiment/$pgc_kname")
mkdir -p "$res"
# Enough for boot, load, the end test and the worst case under TCG.
tmo=$((secs * 3 + 900 + worst_reps * worst_ms * 4 / 1000))
failed=
for a in "${arms[@]}"; do
	echo "experiment: arm $a, ${secs}s, seed $seed, $kernel" >&2
	rm -f "$res/$a".* "$res/$a"-*.csv
	set +e
	EXP_INTERVAL=$interval "$root/scripts/vm-run.sh" --kernel "$kernel" \
		--mem "$mem" --cpus "$cpus" --timeout "$tmo" \
		--selftests /nonexistent \
		--ko "$out/pgcluster.ko" --ko "$out/experiment/driver_sim.ko" \
		--file "$out/experiment/churn" \
		--file "$out/experiment/workload.sh" \
		--log "$res/$a.log" \
		-- "EXP_INTERVAL=$interval EXP_WORST_MS=$worst_ms EXP_WORST_REPS=$worst_reps sh /pgcluster/workload.sh $a $secs $seed" \
		>"$res/$a.vm" 2>&1
	rc=$?
	set -e
	tail -n 3 "$res/$a.vm" >&2
	[ "$rc" = 0 ] || { echo "experiment: arm $a: guest run failed (exit $rc), see $res/$a.log" >&2; failed="$failed $a"; }
	# A row is kept only when it has as many fields as its header: a
	# kernel message printed in the middle of a line spoils that line only.
	log=$res/$a.log
	[ -f "$log" ] || log=$res/$a.vm
	for kind in ROW:"" BUDDY:-buddy END:-end WORST:-worst; do
		tag=${kind%%:*}
		suffix=${kind#*:}
		tr -d '\r' <"$log" | awk -F, -v tag="EXP$tag" -v hdr="EXP${tag}HDR" '
			$1 == hdr || (tag == "EXPROW" && $1 == "EXPHDR") {
				if (!n) { n = NF; sub(/^[^,]*,/, ""); print }
				next
			}
			tag == "EXPBUDDY" && $1 == tag && NF >= 6 {
				if (!n) { print "arm,t,node,zone," "o" 0 ",o1,o2,o3,o4,o5,o6,o7,o8,o9,o10"; n = -1 }
				sub(/^[^,]*,/, ""); print; next
			}
			$1 == tag && NF == n { sub(/^[^,]*,/, ""); print; next }
			$1 == tag && tag != "EXPBUDDY" { bad++ }
			END { printf "%d\n", bad > drop }' drop="$res/$a$suffix.dropped" \
			>"$res/$a$suffix.csv"
		d=$(cat "$res/$a$suffix.dropped")
		[ "$d" = 0 ] || echo "experiment: arm $a: dropped $d malformed EXP$tag rows" >&2
	done
done

summary_rc=0
python3 "$root/experiment/plot.py" --kernel "$kernel" \
	--seconds "$secs" --seed "$seed" "$res" "${arms[@]}" | tee "$res/summary.md" ||
	summary_rc=$?
[ -f "$res/experiment.png" ] && echo "experiment: plot $res/experiment.png" >&2

if [ -n "$check" ]; then
	bad=$failed
	# An arm that stops sampling must fail: about secs/interval load
	# samples (half is enough, TCG is slow) and one near the end.
	want=$((secs / interval / 2))
	[ "$want" -ge 1 ] || want=1
	for a in "${arms[@]}"; do
		read -r rows last < <(awk -F, 'NR > 1 && $2 ~ /^[0-9]+$/ && $2 > 0 { n++; l = $2 }
			END { print n + 0, l + 0 }' "$res/$a.csv")
		if [ "$rows" -lt "$want" ] || [ "$last" -lt $((secs - 2 * interval)) ]; then
			echo "experiment: check: arm $a: $rows load samples (want >= $want), last at ${last}s (want >= $((secs - 2 * interval))s)" >&2
			bad="$bad $a"
		fi
		for f in "$res/$a"*.dropped; do
			[ "$(cat "$f")" = 0 ] ||
				echo "experiment: check: arm $a: $(cat "$f") malformed rows dropped ($(basename "$f" .dropped))" >&2
		done
		lost=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "drv_lost") c = i; next }
				c && $c > 0 { n++ } END { print n + 0 }' "$res/$a.csv")
		wlost=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lost") c = i; next }
				 c && $c > 0 { n++ } END { print n + 0 }' "$res/$a-worst.csv")
		if [ "$lost" != 0 ] || [ "$wlost" != 0 ]; then
			echo "experiment: check: arm $a: the driver lost data" >&2
			bad="$bad $a"
		fi
	done
	[ "$summary_rc" = 0 ] || bad="$bad summary"
	if [ -n "$bad" ]; then
		echo "experiment: check FAILED:$bad" >&2
		exit 1
	fi
	echo "experiment: check passed (${arms[*]}, ${secs}s each)" >&2
	exit 0
fi
[ -z "$failed" ] || { echo "experiment: failed arms:$failed" >&2; exit 1; }
