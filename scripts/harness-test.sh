#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-test.sh [distro|debug]: prove that scripts/vm-run.sh fails a run
# when the kernel reports a problem, a guest times out or the command fails,
# boots again (then fails) a kernel that dies before init, passes a clean
# one, and brings what the guest wrote on its result channel back whole.
# TAP output.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-distro}
dir=$(pgc_out "harness-$kernel")
rm -rf "$dir"; mkdir -p "$dir"
cp "$root/tests/harness/"* "$dir/"
pgc_kernel "$kernel"
make -s -C "$pgc_kdir" M="$dir" modules >/dev/null 2>&1 || true
vm() { "$root/scripts/vm-run.sh" --kernel "$kernel" --selftests /nonexistent "$@" >"$dir/last.log" 2>&1; }
expect() {
	local want=$1 name=$2; shift 2
	vm "$@"; local rc=$?
	if { [ "$want" = pass ] && [ $rc = 0 ]; } || { [ "$want" = fail ] && [ $rc != 0 ]; }; then
		tap_ok "$name"
	else
		tail -n 5 "$dir/last.log" | sed 's/^/# /'
		tap_fail "$name (vm-run exit $rc)"
	fi
}
. "$root/selftests/tap.sh"
if [ ! -f "$dir/warn_at_load.ko" ]; then
	tap_fail "build warn_at_load.ko"
	tap_finish
fi
expect pass "harness passes a clean run" -- 'true'
# The result channel: what the guest writes to $PGC_RESULT arrives whole in
# --result's file, while printk floods the console.
expect pass "harness runs a command that writes to the result channel" \
	--result "$dir/result" -- 'i=0; while [ $i -lt 200 ]; do
		echo "ok $i result line" > /dev/kmsg
		echo "ok $i result line"; i=$((i + 1)); done > $PGC_RESULT'
if [ "$(grep -c '^ok [0-9]* result line$' "$dir/result" 2>/dev/null)" = 200 ]; then
	tap_ok "harness: 200 whole lines on the result channel"
else
	tap_fail "harness: the result channel held $(wc -l <"$dir/result" 2>/dev/null || echo no) lines, not 200 whole ones"
fi
expect fail "harness fails a command exiting 3" -- 'exit 3'
expect fail "harness fails a WARN at module load" --ko "$dir/warn_at_load.ko" \
	-- 'insmod /pgcluster/warn_at_load.ko; true'
expect fail "harness fails a guest timeout" --timeout 25 -- 'sleep 600'
# A kernel that dies before init is booted again, then failed.
VM_BOOT_TRIES=2 expect fail "harness fails a kernel that panics before init" \
	--timeout 60 --append rdinit=/nonexistent -- 'true'
if [ "$(grep -c 'booting again' "$dir/last.log")" = 1 ]; then
	tap_ok "harness booted that kernel twice (VM_BOOT_TRIES=2)"
else
	tap_fail "harness did not boot that kernel twice"
fi
tap_finish
