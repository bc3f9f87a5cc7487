#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh: package test against Debian's kernel headers, in TAP:
# `make install`/`make uninstall` into a staging root, then the dkms cycle
# add, build, install, status, remove with the dkms.conf of this tree.
# Leaves no trace in /usr/src, /var/lib/dkms or /lib/modules.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
if [ -n "${KERNELRELEASE:-}" ]; then
	kver=$KERNELRELEASE
else
	pgc_kernel distro
	kver=$pgc_krelease
fi
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
# step NAME COMMAND...: ok when the command succeeds; its output's tail
# when it does not.
step() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		echo "$out" | tail -n 15 | sed 's/^/# /'
		tap_fail "$name"
	fi
}

. "$root/selftests/tap.sh"
stage=$(mktemp -d)
src=/usr/src/pgcluster-$ver
cleanup() {
	dkms remove -m pgcluster -v "$ver" --all >/dev/null 2>&1
	rm -rf "$src" "$stage"
}
trap cleanup EXIT
cleanup
mkdir -p "$stage"

# make install / uninstall, into a staging root.
pgc_stage "$stage/src"
step "make install puts pgcluster.ko in extra/" \
	bash -c "make -s -C '$stage/src' KERNELRELEASE=$kver INSTALL_MOD_PATH='$stage/root' install >/dev/null &&
		 test -f '$stage/root/lib/modules/$kver/extra/pgcluster.ko'"
step "make uninstall removes it" \
	bash -c "make -s -C '$stage/src' KERNELRELEASE=$kver INSTALL_MOD_PATH='$stage/root' uninstall >/dev/null &&
		 ! ls '$stage/root/lib/modules/$kver/extra/pgcluster.ko'* 2>/dev/null"

# DKMS: a clean copy of the sources, as a package would ship them.
mkdir -p "$src"
(cd "$root" && git ls-files -z 2>/dev/null | xargs -0 -I{} cp --parents {} "$src/")
[ -f "$src/dkms.conf" ] || pgc_stage "$src"
step "dkms add" dkms add -m pgcluster -v "$ver"
step "dkms build -k $kver" dkms build -m pgcluster -v "$ver" -k "$kver"
step "dkms install -k $kver" dkms install -m pgcluster -v "$ver" -k "$kver"
step "dkms status shows installed" \
	bash -c "dkms status -m pgcluster -v $ver -k $kver | grep -q installed"
step "modinfo finds the installed module" \
	bash -c "modinfo -k $kver pgcluster | grep -q '^filename:.*pgcluster.ko'"
step "dkms remove" dkms remove -m pgcluster -v "$ver" --all
step "module gone after remove" \
	bash -c "! modinfo -k $kver pgcluster >/dev/null 2>&1"
tap_finish
