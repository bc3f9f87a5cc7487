#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Invalid module parameters must fail the load with a clear message naming
# the parameter; valid ones must load.
. "$(dirname "$0")/tap.sh"
ko=$PGC_MODDIR/pgcluster.ko
pgc_unload_all
[ -f "$ko" ] || { tap_skip params "no $ko"; tap_finish; }

reject() {
	param=${1%%=*}
	dmesg -c > /dev/null
	if insmod "$ko" "$1" 2>/dev/null; then
		rmmod pgcluster
		tap_fail "reject $1 (module loaded)"
		return
	fi
	if pgc_loaded; then
		tap_fail "reject $1 (module left loaded)"
		pgc_unload_all
	elif dmesg | grep -q "pgcluster: invalid $param"; then
		tap_ok "reject $1"
	else
		dmesg | tail -n 3 | sed 's/^/# /'
		tap_fail "reject $1 (no message naming $param)"
	fi
}

accept() {
	if insmod "$ko" "$@" && pgc_loaded; then
		ok=1
		for kv in "$@"; do
			v=$(cat /sys/module/pgcluster/parameters/${kv%%=*})
			[ "$v" = "${kv#*=}" ] || ok=0
		done
		rmmod pgcluster
		tap_check "accept $*" [ $ok = 1 ]
	else
		tap_fail "accept $*"
		pgc_unload_all
	fi
}

for v in -1 abc 65537 99999999999999999999 "" 1.5 0x; do reject "pool_mb=$v"; done
for v in 0 1 3 48 512 1024 -32 x; do reject "slot_pages=$v"; done
for v in -5 65537 4294967296 junk; do reject "reserve_pages=$v"; done
accept slot_pages=2
accept slot_pages=64 reserve_pages=0
accept pool_mb=0
for v in -1 1025 4294967296 1e3 "" many; do reject "slot_cache=$v"; done
accept pool_mb=32 slot_pages=256 reserve_pages=1024
accept slot_cache=0
accept slot_cache=1024 slot_pages=256

# slot_cache is writable at run time, with the same checks.
P=/sys/module/pgcluster/parameters/slot_cache
insmod "$ko" slot_cache=8
echo 3 > $P
tap_check "slot_cache writable at run time" [ "$(cat $P)" = 3 ]
bad=0
for v in -1 1025 abc "" 99999999999; do
	echo "$v" > $P 2>/dev/null && bad=$((bad + 1))
done
tap_check "slot_cache rejects bad values at run time" \
	[ $bad = 0 -a "$(cat $P)" = 3 ]
rmmod pgcluster
tap_finish
