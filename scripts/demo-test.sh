#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo-test.sh [distro|trixie|debug]: run `make demo` (scripts/demo.sh) on one
# kernel (default $KERNEL, else distro) and turn what it showed into TAP 13
# for scripts/check.sh: the demo completed (exit 0, so vm-run saw no kernel
# report either); sealed (step 5: each probe in a seal of its own, three
# per order) the buddy probes of orders 1-5 FAILED at least 2 of 3 times
# each while pgcluster served 9000 B, 36 KiB and 128 KiB contiguously; the
# order-1 probe succeeded again without a seal, and orders 1-5 after the
# release (step 7).  The demo's output is shown first, as "  | " lines.
# Exit 0 when every line is ok.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${1:-${KERNEL:-distro}}
log=$(mktemp /tmp/pgcluster-demo-test.XXXXXX)
trap 'rm -f "$log"' EXIT

start=$(date +%s)
KERNEL=$kernel "$root/scripts/demo.sh" >"$log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
sed 's/^/  | /' "$log"

# section FIRST NEXT: the demo's lines from step FIRST up to step NEXT
section() {
	awk -v a="^$1\\\\. " -v b="^$2\\\\. " '$0 ~ a { on = 1 } $0 ~ b { on = 0 } on' "$log"
}
sealed=$(section 5 6)
released=$(section 7 Done)

has() { grep -Eq "$2" <<<"$1"; }

. "$root/selftests/tap.sh"
tap_check "demo on $kernel completed (exit $rc, ${secs} s)" test "$rc" = 0
# the rows of the demo's sealed table: what was needed, and the block
needs=(- "8 KiB" "9000 B" "32 KiB" "36 KiB" "128 KiB")
for o in 1 2 3 4 5; do
	# three sealed tries per order; the goal is near 0% success, so at
	# least 2 of 3 must fail (see scripts/demo-guest.sh, step 5)
	tap_check "demo on $kernel: sealed, buddy probe of order $o ($((4 << o)) KiB) FAILED at least 2 of 3 times" \
		has "$sealed" "^  ${needs[$o]} +order-$o: [23] of 3 FAILED( |$)"
done
tap_check "demo on $kernel: sealed, pgcluster served 9000 B contiguously" \
	has "$sealed" "^  9000 B +order-2: [0-3] of 3 FAILED +contiguous, 9024 B at pfn "
tap_check "demo on $kernel: sealed, pgcluster served 36 KiB contiguously" \
	has "$sealed" "^  36 KiB +order-4: [0-3] of 3 FAILED +contiguous, 36864 B at pfn "
tap_check "demo on $kernel: sealed, pgcluster served 128 KiB contiguously" \
	has "$sealed" "^  128 KiB +order-5: [0-3] of 3 FAILED +contiguous, 131072 B at pfn "
tap_check "demo on $kernel: order-1 probe ok again without a seal" \
	has "$sealed" "^  buddy order-1 \(8 KiB\): ok \(pfn "
ok=0
for o in 1 2 3 4 5; do
	has "$released" "^  buddy order-$o \([0-9]+ KiB\): ok \(pfn " && ok=$((ok + 1))
done
tap_check "demo on $kernel: after release, probes of order 1-5 ok ($ok of 5)" \
	test "$ok" = 5
tap_finish
