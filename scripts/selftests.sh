#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh [distro|trixie|debug] [test...]: build pgcluster, the test modules
# and the selftests for one kernel, boot it under QEMU, run
# selftests/run_tests.sh inside and print the TAP.  Exits non-zero when a
# test fails or the harness saw a kernel report.  The TAP, as the guest
# wrote it on its result channel (vm-run.sh --result), is kept in
# $PGC_RESULT_FILE (default $PGCLUSTER_OUT/<kernel>/selftests.tap) for
# scripts/check.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-distro}
[ $# -gt 0 ] && shift
# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
tmo=900
[ "$kernel" = debug ] && tmo=1500
kos=(--ko "$out/pgcluster.ko" --ko "$out/selftests/modules/pgcluster_test.ko")
[ -f "$out/selftests/modules/pgcluster_bench.ko" ] &&
	kos+=(--ko "$out/selftests/modules/pgcluster_bench.ko")
exec "$root/scripts/vm-run.sh" --kernel "$kernel" --timeout "$tmo" \
	--selftests "$out/selftests" "${kos[@]}" --log "$out/console.log" \
	--result "${PGC_RESULT_FILE:-$out/selftests.tap}" \
	-- "sh /pgcluster/selftests/run_tests.sh $*"
