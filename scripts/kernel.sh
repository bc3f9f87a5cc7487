#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh NAME WHAT [ARGS...]: the one place that knows where each kernel
# pgcluster is tested on lives, how to boot it and how to build for it.
#
# NAME:
#   distro   Debian 12's own kernel, 6.1 LTS (linux-image-amd64 and
#            linux-headers-amd64, installed by scripts/deps.sh)
#   trixie   Debian 13's kernel, 6.12 LTS, in a Debian 13 root of its own
#            (made on first use by scripts/trixie-kernel.sh)
#   debug    7.2 with KASAN, lockdep, kmemleak and the other debug options
#            (built on first use by scripts/debug-kernel.sh)
#   DIR      a kernel build directory (it holds arch/x86/boot/bzImage)
#
# WHAT:
#   image             the bzImage to boot
#   kdir              the kernel build tree, as make sees it
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
	image=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n1)
	[ -n "$image" ] || die "no Debian kernel in /boot: run scripts/deps.sh"
	release=${image#/boot/vmlinuz-}
	kdir=/lib/modules/$release/build
	;;
trixie)
	chroot_dir=$("$root/scripts/trixie-kernel.sh" | tail -n1)
	[ -n "$chroot_dir" ] || die "no Debian 13 kernel root"
	release=$(cat "$chroot_dir/.pgcluster-ready")
	image=$chroot_dir/boot/vmlinuz-$release
	kdir=/usr/src/linux-headers-$release
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
	# Quote the arguments once for the shell inside the namespace.
	args=$(printf ' %q' "$@")
	exec unshare -m sh -c "mount --bind '$dir' '$chroot_dir/build' &&
		mount -t proc proc '$chroot_dir/proc' &&
		exec chroot '$chroot_dir' make -C /build KDIR='$kdir' $args"
	;;
*) die "unknown request $what" ;;
esac
