#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the pgcluster debug kernel: Debian's linux-source-7.2 from
# the unstable suite, x86_64_defconfig + kvm_guest.config + the debug fragment
# in scripts/kconfig/debug.config.  The build lives outside the work tree, in
# $PGCLUSTER_CACHE (default /var/cache/pgcluster), in a directory named after
# the source package version and a hash of the configuration inputs, so a
# machine that built it once reuses it until either changes.
#
# Prints the build directory (usable as KDIR) on the last line of stdout.
# Progress goes to stderr.
#
# Options:
#   --cached        print the build directory only if a finished build for
#                   the current inputs exists (never downloads or builds)
#   --source-only   download and unpack only (for checkpatch), print the tree
#
# Environment:
#   PGCLUSTER_CACHE          cache root (default /var/cache/pgcluster)
#   PGCLUSTER_KERNEL_PKG     source package (default linux-source-7.2)
#   PGCLUSTER_KERNEL_REFRESH=1  look for a newer source package in unstable
#   JOBS                     parallel make jobs (default: nproc)

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PGCLUSTER_CACHE:-/var/cache/pgcluster}
pkg=${PGCLUSTER_KERNEL_PKG:-linux-source-7.2}
jobs=${JOBS:-$(nproc)}
fragment=$here/kconfig/debug.config

say() { echo "[debug-kernel] $*" >&2; }

mode=build
case "${1:-}" in
--cached) mode=cached ;;
--source-only) mode=source ;;
"") ;;
*) say "unknown option $1"; exit 2 ;;
esac

. "$here/apt-private.sh"

# 1. The source package: reuse the newest downloaded one unless asked to refresh.
mkdir -p "$cache/src"
deb=$(ls -1 "$cache/src/${pkg}_"*_all.deb 2>/dev/null | sort -V | tail -n1 || true)
if [ "$mode" = cached ] && [ -z "$deb" ]; then
	exit 0
fi
if [ -z "$deb" ] || [ "${PGCLUSTER_KERNEL_REFRESH:-0}" = 1 ]; then
	command -v apt-get >/dev/null || { say "apt-get not found"; exit 1; }
	apt_private "$cache/apt" unstable
	ver=$(apt-cache "${aptopts[@]}" show "$pkg" 2>/dev/null |
	      awk '/^Version:/ {print $2; exit}')
	[ -n "$ver" ] || { say "$pkg not found in Debian unstable"; exit 1; }
	if [ ! -f "$cache/src/${pkg}_${ver}_all.deb" ]; then
		say "downloading $pkg $ver"
		(cd "$cache/src" && apt-get "${aptopts[@]}" -qq download "$pkg=$ver" >&2)
	fi
	deb=$(ls -1 "$cache/src/${pkg}_${ver}"*_all.deb | head -n1)
fi
ver=$(dpkg-deb -f "$deb" Version)

# 2. The key: package version + hash of everything that shapes .config.
cfghash=$( (cat "$fragment"; echo "$pkg $ver"; gcc --version | head -n1) |
	  sha256sum | cut -c1-12)
build=$cache/build/$pkg-$ver-$cfghash
if [ -f "$build/.pgcluster-built" ]; then
	[ "$mode" = cached ] || say "reusing $build"
	echo "$build"
	exit 0
fi
[ "$mode" = cached ] && exit 0

# 3. Unpack.
if [ ! -f "$build/Makefile" ]; then
	say "unpacking $(basename "$deb")"
	rm -rf "$build" "$build.tmp"
	mkdir -p "$build.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$build.tmp" --wildcards './usr/src/linux-source-*.tar.*'
	tarball=$(ls "$build.tmp"/usr/src/linux-source-*.tar.*)
	mkdir -p "$build"
	tar -xf "$tarball" -C "$build" --strip-components=1
	rm -rf "$build.tmp"
fi

if [ "$mode" = source ]; then
	echo "$build"
	exit 0
fi

# Only one build at a time per tree.
exec 9>"$build.lock"
if ! flock -n 9; then
	say "another build of $build is running; waiting for it"
	flock 9
fi
# Another run may have finished it between the check above and the lock.
if [ -f "$build/.pgcluster-built" ]; then
	echo "$build"
	exit 0
fi

# 4. Configure.
cd "$build"
say "configuring: x86_64_defconfig + kvm_guest.config + $(basename "$fragment")"
make -s x86_64_defconfig >&2
./scripts/kconfig/merge_config.sh -m -O . .config \
	kernel/configs/kvm_guest.config "$fragment" >/dev/null
make -s olddefconfig >&2
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" .config || { say "config mismatch: wanted $line"; missing=1; }
		;;
	esac
done <"$fragment"
[ "$missing" = 0 ] || say "warning: some fragment options were not taken (see above)"

# 5. Build with a progress line every 30 s.
start=$(date +%s)
say "building bzImage + modules with $jobs jobs (about 25 min on 2 cores); log: $build/build.log"
(
	while sleep 30; do
		n=$(grep -c '^  CC' build.log 2>/dev/null || true)
		say "$(( ($(date +%s) - start) / 60 )) min: $n objects compiled"
	done
) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
if ! make -j"$jobs" bzImage modules >build.log 2>&1; then
	tail -n 40 build.log >&2
	say "build failed; full log in $build/build.log"
	exit 1
fi
kill $ticker 2>/dev/null || true
touch .pgcluster-built
say "done in $(( ($(date +%s) - start) / 60 )) min: $build/arch/x86/boot/bzImage"
echo "$build"
