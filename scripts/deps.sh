#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh: install what building and testing pgcluster needs on Debian 12,
# from apt, saying what it installs.  Installs nothing when all is there.
# The debug kernel's source is fetched separately by scripts/debug-kernel.sh,
# Debian 13's kernel by scripts/trixie-kernel.sh.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev           # kernel builds
	linux-image-amd64 linux-headers-amd64                        # distro kernel
	qemu-system-x86 busybox-static cpio                          # the VM harness
	kmod rsync xz-utils zstd python3                             # scripts
	debootstrap                                                  # Debian 13 root
	dkms sparse                                                  # packaging, lint
	clang llvm libclang-rt-14-dev                                # libFuzzer
	linux-source-6.1                                             # host tests: tools/lib/rbtree.c
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "deps: installing from apt: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/pgcluster-deps.log 2>&1 ||
	{ tail -n 20 /tmp/pgcluster-deps.log >&2; echo "deps: apt-get install failed" >&2; exit 1; }
echo "deps: done"
