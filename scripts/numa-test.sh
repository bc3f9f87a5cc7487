#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# numa-test.sh [distro|trixie|debug]: build pgcluster and the test modules
# for one kernel and boot it under QEMU in the shape the plain selftests'
# guest does not have: two memory nodes (vm-run.sh --numa 2, 2 x 3 GiB, one
# CPU each), so that node 1 lies wholly above 4 GiB, and the kernel
# arguments init_on_free=1 init_on_alloc=0.  There selftests/numa.sh (per-
# node pools), gfp.sh (whose GFP_DMA32 checks need memory above 4 GiB) and
# init_on_free.sh (the emergency reserve clears what it takes back) run,
# the first and last failing rather than skipping when the guest lacks
# their shape.  TAP output (through selftests/run_tests.sh); exits non-zero
# when a check fails or the harness saw a kernel report.  The TAP from the
# guest's result channel is kept in $PGC_RESULT_FILE (default
# $PGCLUSTER_OUT/<kernel>/numa.tap).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-distro}
# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
tmo=600
[ "$kernel" = debug ] && tmo=1200
exec "$root/scripts/vm-run.sh" --kernel "$kernel" --numa 2 --mem 6144 \
	--append "init_on_free=1 init_on_alloc=0" \
	--timeout "$tmo" --selftests "$out/selftests" \
	--ko "$out/pgcluster.ko" --ko "$out/selftests/modules/pgcluster_test.ko" \
	--log "$out/numa-console.log" \
	--result "${PGC_RESULT_FILE:-$out/numa.tap}" \
	-- "NUMA_REQUIRE=1 INIT_ON_FREE_REQUIRE=1 sh /pgcluster/selftests/run_tests.sh numa.sh gfp.sh init_on_free.sh"
