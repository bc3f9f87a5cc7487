#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KERNEL [EXTRA_MAKE_ARGS...]: build pgcluster.ko, the test modules
# and the static selftests for KERNEL (distro | trixie | debug | a kernel
# build dir; see scripts/kernel.sh)
# in a copy of the tree at $PGCLUSTER_OUT/KERNEL (default
# /tmp/pgcluster-build), so builds for different kernels never share
# objects.  Prints the output directory on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:?usage: build.sh distro|trixie|debug|KDIR [make args]}
shift
case "$kernel" in
distro|trixie|debug) name=$kernel ;;
*) name=$(basename "$kernel") ;;
esac
kdir=$("$root/scripts/kernel.sh" "$kernel" kdir)
out=${PGCLUSTER_OUT:-/tmp/pgcluster-build}/$name
mkdir -p "$out"
rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
	--exclude '*.cmd' --exclude '*.mod*' --exclude Module.symvers \
	--exclude modules.order "$root/" "$out/" >/dev/null
# Keep the objects of the previous build for this kernel: rsync above only
# skipped them, so incremental builds stay incremental.
echo "build: pgcluster.ko for $name ($kdir)" >&2
"$root/scripts/kernel.sh" "$kernel" make "$out" -s "$@" modules >&2
"$root/scripts/kernel.sh" "$kernel" make "$out" -s -C selftests/modules "$@" >&2
make -s -C "$out/selftests" >&2
echo "$out"
