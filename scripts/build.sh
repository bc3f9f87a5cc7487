#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KERNEL [EXTRA_MAKE_ARGS...]: build pgcluster.ko, the test modules
# and the static selftests for KERNEL (distro | trixie | debug | a kernel
# build dir; see pgc_kernel in scripts/lib.sh) in a copy of the tree at
# $PGCLUSTER_OUT/KERNEL (default /tmp/pgcluster-build), so builds for
# different kernels never share objects.  Prints the output directory on
# the last line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kernel=${1:?usage: build.sh distro|trixie|debug|KDIR [make args]}
shift
pgc_kernel "$kernel"
out=$(pgc_out "$pgc_kname")
pgc_stage "$out"
echo "build: pgcluster.ko for $pgc_kname ($pgc_kdir)" >&2
pgc_kernel_make "$kernel" "$out" -s "$@" modules >&2
pgc_kernel_make "$kernel" "$out" -s -C selftests/modules "$@" >&2
make -s -C "$out/selftests" >&2
echo "$out"
