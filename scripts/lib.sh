# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: what the host scripts share.  Source it from bash:
#
#   . "$(dirname "$0")/lib.sh"
#
# It sets pgc_root (the tree the script belongs to) and defines:
#
#   pgc_die MSG...            print "SCRIPT: MSG" on stderr and exit 1
#   pgc_kernel NAME           resolve a kernel once (below)
#   pgc_kernel_make NAME DIR ARGS...
#                             make -C DIR KDIR=<kdir> ARGS... for that kernel
#   pgc_stage [--fresh] DST   copy the tree to DST for a build there
#   pgc_out NAME              the output directory $PGCLUSTER_OUT/NAME
#   pgc_tap_count FILE        "PASSED FAILED SKIPPED" of the TAP in FILE
#
# Host scripts that print TAP source selftests/tap.sh as the guest's do:
# one helper, plan computed by tap_finish.

pgc_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGCLUSTER_OUT=${PGCLUSTER_OUT:-/tmp/pgcluster-build}

pgc_die() {
	echo "$(basename "$0" .sh): $*" >&2
	exit 1
}

pgc_out() {
	echo "$PGCLUSTER_OUT/$1"
}

# pgc_kernel NAME: resolve NAME and set
#   pgc_kname      a short name for output directories
#   pgc_kimage     the bzImage to boot
#   pgc_kdir       the kernel build tree (for trixie: its host path)
#   pgc_krelease   the kernel release (uname -r in the guest)
#   pgc_kchroot    the Debian root to build in (trixie only, else empty)
#   pgc_kchroot_kdir  the build tree's path inside that root
#
# NAME is one of
#   distro   Debian 12's own kernel, 6.1 LTS: the one the linux-image-amd64
#            metapackage depends on (scripts/deps.sh installs it and its
#            headers), whatever else /boot holds or the host runs
#   trixie   Debian 13's kernel, 6.12 LTS, in a Debian 13 root of its own
#            (made on first use by scripts/trixie-kernel.sh)
#   debug    7.2 with KASAN, lockdep, kmemleak and the other debug options
#            (built on first use by scripts/debug-kernel.sh)
#   DIR      a kernel build directory (it holds arch/x86/boot/bzImage)
#
# The answer is exported in PGC_KERNEL_<NAME> so that the scripts this one
# starts (build.sh, vm-run.sh) take the same kernel without asking again.
pgc_kernel() {
	local name=${1:?pgc_kernel: no kernel name} key cached
	key=PGC_KERNEL_$(printf '%s' "$name" | tr -c 'A-Za-z0-9_' _)
	cached=${!key:-}
	if [ -n "$cached" ]; then
		IFS='|' read -r pgc_kname pgc_kimage pgc_kdir pgc_krelease \
			pgc_kchroot pgc_kchroot_kdir <<<"$cached"
		return 0
	fi
	pgc_kchroot=
	pgc_kchroot_kdir=
	pgc_krelease=
	case "$name" in
	distro)
		local dep
		dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
		pgc_krelease=$(echo "$dep" | grep -o 'linux-image-[^ ,]*' | head -n1 || true)
		pgc_krelease=${pgc_krelease#linux-image-}
		[ -n "$pgc_krelease" ] ||
			pgc_die "linux-image-amd64 is not installed: run scripts/deps.sh"
		pgc_kname=distro
		pgc_kimage=/boot/vmlinuz-$pgc_krelease
		pgc_kdir=/lib/modules/$pgc_krelease/build
		;;
	trixie)
		pgc_kchroot=$("$pgc_root/scripts/trixie-kernel.sh" | tail -n1)
		[ -n "$pgc_kchroot" ] || pgc_die "no Debian 13 kernel root"
		pgc_krelease=$(cat "$pgc_kchroot/.pgcluster-ready")
		pgc_kname=trixie
		pgc_kimage=$pgc_kchroot/boot/vmlinuz-$pgc_krelease
		pgc_kchroot_kdir=/usr/src/linux-headers-$pgc_krelease
		pgc_kdir=$pgc_kchroot$pgc_kchroot_kdir
		;;
	debug)
		pgc_kdir=$("$pgc_root/scripts/debug-kernel.sh" | tail -n1)
		[ -n "$pgc_kdir" ] || pgc_die "no debug kernel"
		pgc_kname=debug
		pgc_kimage=$pgc_kdir/arch/x86/boot/bzImage
		;;
	*)
		[ -d "$name" ] || pgc_die "unknown kernel $name"
		pgc_kdir=$(cd "$name" && pwd)
		pgc_kname=$(basename "$pgc_kdir")
		pgc_kimage=$pgc_kdir/arch/x86/boot/bzImage
		;;
	esac
	# A built tree records its release; asking make is the slow fallback.
	if [ -z "$pgc_krelease" ]; then
		if [ -f "$pgc_kdir/include/config/kernel.release" ]; then
			pgc_krelease=$(cat "$pgc_kdir/include/config/kernel.release")
		else
			pgc_krelease=$(make -s -C "$pgc_kdir" kernelrelease)
		fi
	fi
	printf -v "$key" '%s|%s|%s|%s|%s|%s' "$pgc_kname" "$pgc_kimage" \
		"$pgc_kdir" "$pgc_krelease" "$pgc_kchroot" "$pgc_kchroot_kdir"
	export "${key?}"
}

# pgc_kernel_make NAME DIR ARGS...: make -C DIR KDIR=<kdir> ARGS... (a
# further -C in ARGS is taken relative to DIR).  For trixie the build runs
# inside its root with DIR mounted at /build, in a private mount namespace
# so the mounts go with it, and with a clean environment so nothing of the
# host's (CC, MAKEFLAGS, KBUILD_*) reaches the Debian 13 toolchain: the
# module is built by the compiler the kernel was built with.
pgc_kernel_make() {
	local name=${1:?} dir
	dir=$(cd "${2:?pgc_kernel_make needs a directory}" && pwd)
	shift 2
	pgc_kernel "$name"
	if [ -z "$pgc_kchroot" ]; then
		[ -f "$pgc_kdir/Makefile" ] ||
			pgc_die "no kernel tree at $pgc_kdir (run scripts/deps.sh)"
		make -C "$dir" KDIR="$pgc_kdir" "$@"
		return
	fi
	unshare -m --propagation private sh -c '
		mount --bind "$1" "$2/build" &&
		mount -t proc proc "$2/proc" || exit 1
		d=$2 k=$3
		shift 3
		exec chroot "$d" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root make -C /build KDIR="$k" "$@"' \
		sh "$dir" "$pgc_kchroot" "$pgc_kchroot_kdir" "$@"
}

# pgc_stage [--fresh] DST: copy the tree to DST without .git and without
# build products, deleting in DST what the tree no longer has.  The build
# products already in DST stay (incremental builds stay incremental) unless
# --fresh, for builds that must compile everything (lint: W=1, sparse).
pgc_stage() {
	local fresh=
	if [ "${1:-}" = --fresh ]; then
		fresh=--delete-excluded
		shift
	fi
	local dst=${1:?pgc_stage needs a directory}
	mkdir -p "$dst"
	rsync -a --delete $fresh --exclude .git --exclude '*.o' \
		--exclude '*.ko' --exclude '*.cmd' --exclude '*.mod' \
		--exclude '*.mod.c' --exclude Module.symvers \
		--exclude modules.order "$pgc_root/" "$dst/" >/dev/null
}

# pgc_tap_count FILE: the TAP results in FILE as "PASSED FAILED SKIPPED"
# (SKIP and TODO count as skipped).  A test program whose own TAP is nested
# as "# ok N" lines counts by its subtests; a program that failed without a
# failing subtest (a crash) counts as one more failure.
pgc_tap_count() {
	tr -d '\r' <"$1" | awk '
		/^# (not )?ok [0-9]+/ {
			if ($0 ~ /# (SKIP|TODO)/) ns++
			else if ($0 ~ /^# not ok/) nf++
			else np++
			next
		}
		/^(not )?ok [0-9]+/ {
			if (np + nf + ns > 0) {
				P += np; F += nf; S += ns
				if ($0 ~ /^not ok/ && nf == 0) F++
			} else if ($0 ~ /# (SKIP|TODO)/) S++
			else if ($0 ~ /^not ok/) F++
			else P++
			np = nf = ns = 0
		}
		END { print P + 0, F + 0, S + 0 }'
}
