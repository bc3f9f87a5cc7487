#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fault-test.sh [debug|KERNEL]: build pgcluster, the test modules and the
# selftests for a kernel with fault injection (the 7.2 debug kernel by
# default: FAILSLAB, FAIL_PAGE_ALLOC, KASAN, lockdep, kmemleak), boot it
# under QEMU and run selftests/fault_walk.sh there: every allocation point
# of insmod pgcluster.ko and of pgcluster's debugfs writes fails once in
# turn.  FAULT_WALK_OPS, FAULT_WALK_STRIDE and FAULT_WALK_OFFSET pass on
# (see fault_walk.sh).  TAP output; the guest writes it on its result
# channel too (vm-run.sh --result), kept in $PGC_RESULT_FILE (default
# $PGCLUSTER_OUT/<kernel>/faults.tap) for scripts/check.sh.  Exits non-zero when a walk fails or the harness saw a
# kernel report or a kmemleak finding.
#
# Console reports accepted here, and only here (vm-run.sh
# --allow-alloc-failure-dumps): the stack dumps the kernel prints by design
# when an allocation fails (warn_alloc() for an allocation without
# __GFP_NOWARN, kmem_cache_create() when it cannot create a cache).  Every
# other report, inside such a dump or not, still fails the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-debug}
# Resolved once here: build.sh and vm-run.sh take the answer from the
# environment (pgc_kernel in lib.sh).
pgc_kernel "$kernel"
out=$("$root/scripts/build.sh" "$kernel" | tail -n1)
env=
for v in FAULT_WALK_OPS FAULT_WALK_STRIDE FAULT_WALK_OFFSET; do
	[ -n "${!v:-}" ] && env+="$v='${!v}' "
done
# 1 GiB: the injector's start sets a reserve aside in proportion to memory,
# a point per block.
exec "$root/scripts/vm-run.sh" --kernel "$kernel" --mem 1024 --timeout 2400 \
	--allow-alloc-failure-dumps --selftests "$out/selftests" \
	--ko "$out/pgcluster.ko" --ko "$out/selftests/modules/pgcluster_test.ko" \
	--log "$out/faults-console.log" \
	--result "${PGC_RESULT_FILE:-$out/faults.tap}" -- "cd /pgcluster/selftests
{ ${env}FAULT_WALK_REQUIRE=1 sh ./fault_walk.sh 2>&1; echo \$? > /tmp/.rc; } | tee \$PGC_RESULT
exit \$(cat /tmp/.rc)"
