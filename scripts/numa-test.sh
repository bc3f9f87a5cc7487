#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# numa-test.sh [distro|debug]: build pgcluster and the test modules for one
# kernel, boot it under QEMU with two memory nodes (vm-run.sh --numa 2,
# 2 x 1 GiB, one CPU each) and run selftests/numa.sh there, which fails
# rather than skips when the guest does not show two memory nodes.  TAP
# output (through selftests/run_tests.sh); exits non-zero when a check
# fails or the harness saw a kernel report.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-distro}
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
tmo=600
[ "$kernel" = debug ] && tmo=1200
exec "$root/scripts/vm-run.sh" --kernel "$kernel" --numa 2 --mem 2048 \
	--timeout "$tmo" --selftests "$out/selftests" \
	--ko "$out/pgcluster.ko" --ko "$out/selftests/modules/pgcluster_test.ko" \
	--log "$out/numa-console.log" \
	-- "NUMA_REQUIRE=1 sh /pgcluster/selftests/run_tests.sh numa.sh"
