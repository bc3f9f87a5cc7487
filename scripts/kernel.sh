#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh NAME WHAT [ARGS...]: the one place that knows where each kernel
# pgcluster is tested on lives, how to boot it and how to build for it.
#
# NAME:
#   distro   Debian 12's own kernel, 6.1 LTS: the one the linux-image-amd64
#            metapackage depends on (scripts/deps.sh installs it and its
#            headers), whatever else /boot holds
#   trixie   Debian 13's kernel, 6.12 LTS, in a Debian 13 root of its own
#            (made on first use by scripts/trixie-kernel.sh)
#   debug    7.2 with KASAN, lockdep, kmemleak and the other debug options
#            (built on first use by scripts/debug-kernel.sh)
#   DIR      a kernel build directory (it holds arch/x86/boot/bzImage)
#
# WHAT:
#   image             the bzImage to boot
#   kdir              the kernel build tree (for trixie: its path on the
#                     host, inside the Debian 13 root)
#   release           the kernel release (uname -r in the guest)
#   make DIR ARGS...  make -C DIR KDIR=<kdir> ARGS... for this kernel (a
#                     further -C in ARGS is taken relative to DIR): for
#                     trixie inside its root, with DIR mounted at /build
#                     in a private mount namespace, so that the module is
#                     built by the compiler the kernel was built with
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: kernel.sh distro|trixie|debug|DIR image|kdir|release|make}
what=${2:?usage: kernel.sh NAME image|kdir|release|make DIR ARGS...}
shift 2
die() { echo "kernel.sh: $*" >&2; exit 1; }

chroot_dir=
case "$name" in
distro)
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
	release=$(echo "$dep" | grep -o 'linux-image-[^ ,]*' | head -n1 || true)
	release=${release#linux-image-}
	[ -n "$release" ] ||
		die "linux-image-amd64 is not installed: run scripts/deps.sh"
	image=/boot/vmlinuz-$release
	kdir=/lib/modules/$release/build
	;;
trixie)
	chroot_dir=$("$root/scripts/trixie-kernel.sh" | tail -n1)
	[ -n "$chroot_dir" ] || die "no Debian 13 kernel root"
	release=$(cat "$chroot_dir/.pgcluster-ready")
	image=$chroot_dir/boot/vmlinuz-$release
	chroot_kdir=/usr/src/linux-headers-$release
	kdir=$chroot_dir$chroot_kdir
	;;
debug)
	kdir=$("$root/scripts/debug-kernel.sh" | tail -n1)
	image=$kdir/arch/x86/boot/bzImage
	;;
*)
	[ -d "$name" ] || die "unknown kernel $name"
	kdir=$(cd "$name" && pwd)
	image=$kdir/arch/x86/boot/bzImage
	;;
esac

case "$what" in
image) echo "$image" ;;
kdir) echo "$kdir" ;;
release) echo "${release:-$(make -s -C "$kdir" kernelrelease)}" ;;
make)
	dir=$(cd "${1:?make needs a directory}" && pwd)
	shift
	if [ -z "$chroot_dir" ]; then
		[ -f "$kdir/Makefile" ] ||
			die "no kernel tree at $kdir (run scripts/deps.sh)"
		exec make -C "$dir" KDIR="$kdir" "$@"
	fi
	# In a namespace of its own, so the mounts go with it; with a clean
	# environment, so nothing of the host's (CC, MAKEFLAGS, KBUILD_*)
	# reaches the Debian 13 toolchain.
	exec unshare -m --propagation private sh -c '
		mount --bind "$1" "$2/build" &&
		mount -t proc proc "$2/proc" || exit 1
		d=$2 k=$3
		shift 3
		exec chroot "$d" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root make -C /build KDIR="$k" "$@"' \
		sh "$dir" "$chroot_dir" "$chroot_kdir" "$@"
	;;
*) die "unknown request $what" ;;
esac
