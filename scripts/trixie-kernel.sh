#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Set up (or reuse) Debian 13's kernel, 6.12 LTS, as a kernel to build for
# and boot: a minimal Debian 13 (trixie) root made with debootstrap, holding
# Debian's prebuilt linux-image-6.12.*-amd64 and its headers with the
# compiler they were made for (gcc-14).  Modules are built inside that root
# (scripts/kernel.sh does the chroot), so their vermagic and code
# generation are exactly what Debian 13's DKMS would produce; the image is
# booted straight from the root's /boot.
#
# Why a root and not the headers alone: the headers' host tools (modpost,
# objtool, resolve_btfids) need glibc 2.38 where Debian 12 has 2.36; those
# can be rebuilt from linux-source-6.12, but the headers also pass gcc-14
# options (-fmin-function-alignment=16 for the call-depth tracking thunks)
# that Debian 12's gcc-12 does not have, and dropping them would give the
# module another code layout than the kernel expects.
#
# The root lives in $PGCLUSTER_CACHE/trixie/<release>, made once (about
# 90 s and 900 MB with Debian's mirror) and reused until a newer kernel
# is asked for.  Prints the root on the last line of stdout; progress goes
# to stderr.
#
# Options:
#   --cached    print the root only if it is complete (never fetches)
#
# Environment:
#   PGCLUSTER_CACHE             cache root (default /var/cache/pgcluster)
#   PGCLUSTER_KERNEL_REFRESH=1  look for a newer 6.12 in trixie
#   PGCLUSTER_DEBIAN_MIRROR     Debian mirror (default http://deb.debian.org/debian)

set -euo pipefail

cache=${PGCLUSTER_CACHE:-/var/cache/pgcluster}/trixie
mirror=${PGCLUSTER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { echo "[trixie-kernel] $*" >&2; }

mode=build
case "${1:-}" in
--cached) mode=cached ;;
"") ;;
*) say "unknown option $1"; exit 2 ;;
esac

# The newest root already made, unless asked to look for a newer kernel.
newest() {
	ls -1d "$cache"/6.12.*/ 2>/dev/null | sort -V | while read -r d; do
		[ -f "$d/.pgcluster-ready" ] && echo "${d%/}"
	done | tail -n1 || true
}
have=$(newest)
if [ "$mode" = cached ] || { [ -n "$have" ] &&
			     [ "${PGCLUSTER_KERNEL_REFRESH:-0}" != 1 ]; }; then
	[ -n "$have" ] && echo "$have"
	exit 0
fi

command -v debootstrap >/dev/null ||
	{ say "debootstrap is not installed: run scripts/deps.sh"; exit 1; }

# One setup at a time: the apt lists and the roots are shared.
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
	say "another setup is running; waiting for it"
	flock 9
fi

# Which 6.12 is current in trixie: the linux-headers-amd64 metapackage names
# it.
. "$(dirname "$0")/apt-private.sh"
apt_private "$cache/apt" trixie
hdr=$(apt-cache "${aptopts[@]}" depends linux-headers-amd64 2>/dev/null |
      awk '/Depends: linux-headers-6\.12\.[^ ]*-amd64$/ { print $2; exit }')
[ -n "$hdr" ] || { say "no linux-headers-6.12.*-amd64 in trixie"; exit 1; }
rel=${hdr#linux-headers-}
dir=$cache/$rel
if [ -f "$dir/.pgcluster-ready" ]; then
	echo "$dir"
	exit 0
fi

start=$(date +%s)
say "debootstrap trixie (minbase) with gcc-14, make and $hdr into $dir"
# debootstrap mounts /proc and /sys in the root: in a mount namespace of
# its own, those mounts end with it even when it is killed, and the
# removal of a half-made root cannot walk into them.
rm -rf --one-file-system "$dir"
if ! unshare -m --propagation private debootstrap --variant=minbase \
	--include=gcc-14,make,libc6-dev,"$hdr",linux-image-"$rel" \
	trixie "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1; then
	tail -n 20 "$cache/debootstrap.log" >&2
	say "debootstrap failed; log: $cache/debootstrap.log"
	exit 1
fi
# Nothing from the download cache is needed again.
rm -rf "$dir"/var/cache/apt/archives/*.deb
mkdir -p "$dir/build"
[ -r "$dir/boot/vmlinuz-$rel" ] && [ -f "$dir/usr/src/$hdr/Makefile" ] ||
	{ say "root at $dir lacks the image or the headers"; exit 1; }
echo "$rel" >"$dir/.pgcluster-ready"
say "ready in $(( $(date +%s) - start )) s: $dir"
echo "$dir"
