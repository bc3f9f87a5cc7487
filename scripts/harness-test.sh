#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-test.sh [distro|debug]: prove that scripts/vm-run.sh fails a run
# when the kernel reports a problem, a guest times out or the command fails,
# boots again (then fails) a kernel that dies before init, and passes a
# clean one.  TAP output.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-distro}
dir=${PGCLUSTER_OUT:-/tmp/pgcluster-build}/harness-$kernel
rm -rf "$dir"; mkdir -p "$dir"
cp "$root/tests/harness/"* "$dir/"
kdir=$("$root/scripts/kernel.sh" "$kernel" kdir)
make -s -C "$kdir" M="$dir" modules >/dev/null 2>&1 || true
vm() { "$root/scripts/vm-run.sh" --kernel "$kernel" --selftests /nonexistent "$@" >"$dir/last.log" 2>&1; }
n=0
fail=0
expect() {
	local want=$1 name=$2; shift 2
	vm "$@"; local rc=$?
	n=$((n + 1))
	if { [ "$want" = pass ] && [ $rc = 0 ]; } || { [ "$want" = fail ] && [ $rc != 0 ]; }; then
		echo "ok $n $name"
	else
		tail -n 5 "$dir/last.log" | sed 's/^/# /'
		echo "not ok $n $name (vm-run exit $rc)"
		fail=1
	fi
}
echo "TAP version 13"
if [ ! -f "$dir/warn_at_load.ko" ]; then
	echo "not ok 1 build warn_at_load.ko"; exit 1
fi
expect pass "harness passes a clean run" -- 'true'
expect fail "harness fails a command exiting 3" -- 'exit 3'
expect fail "harness fails a WARN at module load" --ko "$dir/warn_at_load.ko" \
	-- 'insmod /pgcluster/warn_at_load.ko; true'
expect fail "harness fails a guest timeout" --timeout 25 -- 'sleep 600'
# A kernel that dies before init is booted again, then failed.
VM_BOOT_TRIES=2 expect fail "harness fails a kernel that panics before init" \
	--timeout 60 --append rdinit=/nonexistent -- 'true'
n=$((n + 1))
if [ "$(grep -c 'booting again' "$dir/last.log")" = 1 ]; then
	echo "ok $n harness booted that kernel twice (VM_BOOT_TRIES=2)"
else
	echo "not ok $n harness did not boot that kernel twice"
	fail=1
fi
exit $fail
