#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse.sh KDIR: print the path of a sparse that the kernel tree KDIR
# accepts (its scripts/checker-valid.sh), building one when needed.
#
# Debian 12's sparse 0.6.4 is too old for 7.x trees (they test for
# __typeof_unqual__), and unstable's binary package needs a newer glibc.
# So when the system's sparse does not pass the tree's check, the sparse
# source package is fetched from Debian unstable through a private apt
# directory (the system's sources are left alone) and only the `sparse`
# program is built (no extra build dependencies; under a minute), cached in
# $PGCLUSTER_CACHE/sparse/<version>/ (default /var/cache/pgcluster).
#
# Exit status 1, with a message on stderr, when no usable sparse can be had.
set -euo pipefail
kdir=${1:?usage: sparse.sh KDIR}
cache=${PGCLUSTER_CACHE:-/var/cache/pgcluster}/sparse
say() { echo "[sparse] $*" >&2; }

# valid SPARSE: the tree's own test (prints 1 when SPARSE is good enough).
valid() {
	[ -x "$1" ] || return 1
	if [ -f "$kdir/scripts/checker-valid.sh" ]; then
		[ "$(sh "$kdir/scripts/checker-valid.sh" "$1" 2>/dev/null)" = 1 ]
	fi
}

sys=$(command -v sparse || true)
if [ -n "$sys" ] && valid "$sys"; then
	echo "$sys"
	exit 0
fi
for built in "$cache"/*/sparse; do
	if valid "$built"; then
		echo "$built"
		exit 0
	fi
done

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
aptdir=$cache/apt
opts=(-o "Dir::Etc::sourcelist=$aptdir/sources.list"
      -o "Dir::Etc::sourceparts=$aptdir/sources.list.d"
      -o "Dir::State::Lists=$aptdir/lists"
      -o "Dir::Cache=$aptdir/cache")
mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" \
	 "$aptdir/cache/archives/partial"
echo "deb-src http://deb.debian.org/debian unstable main" >"$aptdir/sources.list"
say "system sparse ${sys:-(none)} is too old for $kdir; building one from Debian unstable's source"
apt-get "${opts[@]}" -qq update >&2 || { say "apt-get update failed"; exit 1; }
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "${opts[@]}" -qq source --download-only sparse >&2) ||
	{ say "cannot download the sparse source package"; exit 1; }
tarball=$(ls "$work"/sparse_*.orig.tar.* | head -n1)
ver=$(basename "$tarball" | sed 's/^sparse_//; s/\.orig\.tar\..*//')
tar -xf "$tarball" -C "$work"
src=$(ls -d "$work"/sparse-*/ | head -n1)
make -C "$src" -j"$(nproc)" sparse >"$work/build.log" 2>&1 ||
	{ tail -n 20 "$work/build.log" >&2; say "sparse $ver did not build"; exit 1; }
mkdir -p "$cache/$ver"
install -m 0755 "$src/sparse" "$cache/$ver/sparse"
if ! valid "$cache/$ver/sparse"; then
	say "sparse $ver still fails $kdir/scripts/checker-valid.sh"
	exit 1
fi
say "built sparse $ver in $cache/$ver"
echo "$cache/$ver/sparse"
