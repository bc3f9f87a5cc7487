#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh [distro|trixie|debug]: the stress selftest for a long time in one guest.
#
# Builds pgcluster and the test module for the kernel (scripts/build.sh),
# boots it under QEMU (scripts/vm-run.sh) and runs selftests/stress.sh with
# STRESS_SECONDS=$SOAK_SECONDS (default 3600): the in-kernel `stress` case
# for that long, with memory pressure, pool growth, slot_cache changes,
# force_virtual and fragmentation injection from user space meanwhile.
# Prints the case's summary and the TAP result, and exits non-zero when a
# check failed or the harness saw a kernel report (BUG, WARNING, KASAN,
# lockdep, kmemleak...).  The console is kept in <build dir>/soak.log.
#
# Environment: SOAK_SECONDS (default 3600), PGCLUSTER_OUT (build dir root,
# see build.sh), VM_MEM and VM_CPUS (see vm-run.sh), and STRESS_MARGIN_MB
# and STRESS_INJECT_PCT, passed on to stress.sh when set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-distro}
secs=${SOAK_SECONDS:-3600}
case "$secs" in
''|*[!0-9]*|0) echo "soak: SOAK_SECONDS wants a positive number of seconds" >&2; exit 2 ;;
esac
case "$kernel" in
distro|trixie|debug) ;;
*) echo "soak: kernel is distro, trixie or debug, not '$kernel'" >&2; exit 2 ;;
esac

# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
# On top of the soak itself: the boot (about 60 s for the debug kernel
# under TCG), the injection or tmpfs fill still running when the case ends
# (minutes on the debug kernel), unload and the kmemleak scans.
slack=600
[ "$kernel" = debug ] && slack=1800
env="STRESS_SECONDS=$secs"
for v in STRESS_MARGIN_MB STRESS_INJECT_PCT; do
	[ -n "${!v:-}" ] && env="$env $v=${!v}"
done
log=$out/soak.log
echo "soak: stress.sh for $secs s on the $kernel kernel, guest timeout $((secs + slack)) s"
set +e
"$root/scripts/vm-run.sh" --kernel "$kernel" --timeout $((secs + slack)) \
	--selftests "$out/selftests" --ko "$out/pgcluster.ko" \
	--ko "$out/selftests/modules/pgcluster_test.ko" --log "$log" \
	--result "$out/soak.tap" \
	-- "{ $env sh /pgcluster/selftests/stress.sh 2>&1; echo \$? > /tmp/soak.rc; } | tee \$PGC_RESULT
exit \$(cat /tmp/soak.rc)"
rc=$?
set -e

# The TAP from the guest's result channel, whole lines (the console that
# kernel messages share may split the lines that streamed).
echo
echo "soak: $kernel kernel, $secs s, console in $log"
grep -E '^(# (case ran|summary:|after the case)|(not )?ok [0-9]|# Totals)' \
	"$out/soak.tap" | sed 's/^/soak: /' || true
if [ "$rc" -eq 0 ]; then
	echo "soak: PASS"
else
	echo "soak: FAIL (exit $rc)"
fi
exit $rc
