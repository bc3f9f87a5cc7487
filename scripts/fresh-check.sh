#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-check.sh (`make fresh-check`): what a newcomer meets.  A Debian 12
# root is made with debootstrap (minbase, plus make: the one package the
# README asks for before its two commands), this tree goes in as a fresh
# git clone of HEAD, and the README's commands run inside it as root, in
# a private mount namespace with /proc, /sys and /dev: `make demo`, then
# `make check`.  The root has its own /var/cache/pgcluster, empty, so both
# are timed cold: every package, the Debian 13 root and the debug kernel
# are fetched and built as on a new machine.
#
# The root gets the machine's apt configuration (sources and apt.conf.d),
# which a fresh machine of the same kind has as well.
#
# Prints one TAP line per command with its time, keeps each command's log
# next to the root, and removes the root at the end (FRESH_KEEP=1 keeps it).
#
# Environment:
#   FRESH_DIR    where the root is made (default /var/tmp/pgcluster-fresh)
#   FRESH_STEPS  commands to run (default "demo check")
#   FRESH_KEEP=1 leave the root in place
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
dir=${FRESH_DIR:-/var/tmp/pgcluster-fresh}
steps=${FRESH_STEPS:-demo check}
mirror=${PGCLUSTER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
fsroot=$dir/root
marker=$dir/.pgcluster-fresh
say() { echo "fresh-check: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot)"; exit 1; }
for s in $steps; do
	case $s in demo|check) ;; *) say "unknown step $s"; exit 2 ;; esac
done
command -v debootstrap >/dev/null || "$root/scripts/deps.sh" >&2 || exit 1

# Only a directory this script made is ever removed (FRESH_DIR=/ must not
# cost the machine), one run at a time, and never while a step still runs
# in it: a step is killed, and waited for, before the root goes.
mkdir -p "$dir"
if [ -n "$(ls -A "$dir")" ] && [ ! -f "$marker" ]; then
	say "$dir is not empty and was not made by fresh-check: refusing to use it"
	exit 1
fi
exec 9>"$marker"
flock -n 9 || { say "another fresh-check is running in $dir"; exit 1; }
child=
cleanup() {
	if [ -n "$child" ]; then
		# unshare --fork blocks SIGTERM while it waits; SIGKILL
		# makes --kill-child take the whole PID namespace down.
		# The namespace's init exits only after the kernel has reaped
		# everything else in it: wait for it before the root goes.
		local init
		init=$(pgrep -P "$child")
		kill -KILL "$child" 2>/dev/null
		wait "$child" 2>/dev/null
		while [ -n "$init" ] && kill -0 "$init" 2>/dev/null; do
			sleep 0.1
		done
	fi
	[ "${FRESH_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$fsroot"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
rm -rf --one-file-system "$fsroot"

. "$root/selftests/tap.sh"
t0=$(date +%s)
say "debootstrap bookworm (minbase + make) into $fsroot"
if ! unshare -m --propagation private debootstrap --variant=minbase \
	--include=make bookworm "$fsroot" "$mirror" \
	>"$dir/debootstrap.log" 2>&1; then
	tail -n 20 "$dir/debootstrap.log" | sed 's/^/# /'
	tap_fail "debootstrap bookworm"
	tap_finish
fi
cp /etc/resolv.conf "$fsroot/etc/"
# The machine's sources replace the one debootstrap wrote.
rm -f "$fsroot/etc/apt/sources.list"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$fsroot/etc/apt/"
cp -a /etc/apt/sources.list.d/. "$fsroot/etc/apt/sources.list.d/"
cp -a /etc/apt/apt.conf.d/. "$fsroot/etc/apt/apt.conf.d/"
for d in keyrings trusted.gpg.d; do
	[ -d /etc/apt/$d ] && mkdir -p "$fsroot/etc/apt/$d" &&
		cp -a /etc/apt/$d/. "$fsroot/etc/apt/$d/"
done
git clone -q "$root" "$fsroot/root/pgcluster" ||
	{ tap_fail "git clone"; tap_finish; }
tap_ok "Debian 12 root with make and a clone of HEAD ($(( $(date +%s) - t0 )) s)"

for s in $steps; do
	log=$dir/make-$s.log
	say "make $s in the fresh root (log: $log)"
	t=$(date +%s)
	# A clean environment: nothing of the caller's make or shell
	# (MAKEFLAGS, KERNEL, PGCLUSTER_*) reaches the newcomer's command.
	# The root is bind-mounted onto itself so that its / is a mount point,
	# as on a real machine: tools that make their own mount namespace
	# (kernel.sh, trixie-kernel.sh: unshare -m) change the propagation of
	# /, which fails on a plain directory.
	unshare -m --propagation private --fork --pid --kill-child sh -c '
		mount --bind "$1" "$1" &&
		mount -t proc proc "$1/proc" &&
		mount -t sysfs sysfs "$1/sys" &&
		mount --rbind /dev "$1/dev" || exit 1
		exec chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM=dumb /bin/sh -c "cd /root/pgcluster && make $2"' \
		sh "$fsroot" "$s" >"$log" 2>&1 &
	child=$!
	wait "$child"; rc=$?; child=
	secs=$(( $(date +%s) - t ))
	tail -n 3 "$log" | sed 's/^/# /'
	if [ $rc = 0 ]; then
		tap_ok "make $s on a fresh Debian 12 root: $((secs / 60)) min $((secs % 60)) s"
	else
		tap_fail "make $s on a fresh Debian 12 root (exit $rc after $secs s)"
	fi
done
tap_finish
