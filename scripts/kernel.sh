#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh NAME WHAT [ARGS...]: the command-line face of pgc_kernel
# (scripts/lib.sh), the one place that knows where each kernel pgcluster is
# tested on lives, how to boot it and how to build for it.
#
# NAME: distro (Debian 12's 6.1), trixie (Debian 13's 6.12), debug (7.2
# with the debug options) or a kernel build directory; see lib.sh.
#
# WHAT:
#   image             the bzImage to boot
#   kdir              the kernel build tree (for trixie: its path on the
#                     host, inside the Debian 13 root)
#   release           the kernel release (uname -r in the guest)
#   make DIR ARGS...  make -C DIR KDIR=<kdir> ARGS... for this kernel (for
#                     trixie inside its root, with its compiler)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=${1:?usage: kernel.sh distro|trixie|debug|DIR image|kdir|release|make}
what=${2:?usage: kernel.sh NAME image|kdir|release|make DIR ARGS...}
shift 2
pgc_kernel "$name"
case "$what" in
image) echo "$pgc_kimage" ;;
kdir) echo "$pgc_kdir" ;;
release) echo "$pgc_krelease" ;;
make) pgc_kernel_make "$name" "$@" ;;
*) pgc_die "unknown request $what" ;;
esac
