#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh (`make demo`): boot a VM, fragment its memory into a checkerboard
# with pgcluster's injector and show, step by step, what the buddy allocator
# and pgcluster can still allocate.  The guest part is scripts/demo-guest.sh.
#
# Environment:
#   KERNEL=distro|trixie|debug  kernel to boot (default distro: Debian 12's
#                         6.1, ~10 s; trixie: Debian 13's 6.12; debug: the
#                         7.2 debug kernel, slower; see scripts/kernel.sh)
#   SAVE_MAPS=DIR         also save whole-memory maps and reports before and
#                         after injection in DIR (map-before.txt, ...) and,
#                         with python3, render DIR/fragmentation.png
#   VERBOSE=1             show the whole guest console, boot messages too
set -euo pipefail

. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=${KERNEL:-distro}

# What a fresh Debian machine lacks (QEMU, the distro kernel and its
# headers, busybox, the build tools) is installed first, and named.
"$root/scripts/deps.sh"

case "$kernel" in
distro|trixie|debug) ;;
*)
	echo "demo: KERNEL must be distro, trixie or debug" >&2
	exit 2
	;;
esac

# Build in a private copy so the demo never touches the work tree's objects.
pgc_kernel "$kernel"
build=$(mktemp -d /tmp/pgcluster-demo.XXXXXX)
trap 'rm -rf "$build"' EXIT
pgc_stage "$build"
echo "demo: building pgcluster.ko for the $kernel kernel"
pgc_kernel_make "$kernel" "$build" -s >"$build/build.log" 2>&1 ||
	{ cat "$build/build.log" >&2; exit 1; }

env=
[ -n "${SAVE_MAPS:-}" ] && env="DUMP_MAPS=1 "

# Show the guest's own output, the module's log lines and vm-run's verdict
# as they come; no boot chatter and no map dumps (VERBOSE=1: everything).
# Lines longer than 80 columns are folded at a space.
show() {
	if [ "${VERBOSE:-0}" = 1 ]; then
		cat
		return
	fi
	tr -d '\r' |
	awk 'function out(s, ind,  i) {
		while (length(s) > 80) {
			for (i = 81; i > 40 && substr(s, i, 1) != " "; i--)
				;
			if (i <= 40)
				break
			print substr(s, 1, i - 1)
			s = ind substr(s, i + 1)
		}
		print s
		fflush()
	     }
	     /^vm-run: guest up/ { on = 1 }
	     /^=== (map|report)-/ { skip = 1 }
	     skip && /^=== end ===/ { skip = 0; next }
	     skip { next }
	     /^vm-run:/ { print; fflush(); next }
	     on && /^\[ *[0-9]+\.[0-9]+\] / {
		if (/pgcluster: /) {
			sub(/^\[[^]]*\] /, "  [kernel] ")
			out($0, "             ")
		}
		next
	     }
	     on && !/^PGCLUSTER-EXIT/ { out($0, "      ") }'
}

echo "demo: booting the $kernel kernel under QEMU (2 GiB, TCG)"
set +e
"$root/scripts/vm-run.sh" --kernel "$kernel" --mem 2048 --timeout 900 \
	--ko "$build/pgcluster.ko" --file "$root/scripts/demo-guest.sh" \
	-- "${env}sh /pgcluster/demo-guest.sh" 2>&1 | tee "$build/raw.log" | show
rc=${PIPESTATUS[0]}
set -e

if [ -n "${SAVE_MAPS:-}" ]; then
	mkdir -p "$SAVE_MAPS"
	for part in map-before map-after report-before report-after; do
		tr -d '\r' <"$build/raw.log" |
		awk -v p="=== $part ===" '$0 == p { on = 1; next }
			on && /^=== end ===/ { on = 0 } on' >"$SAVE_MAPS/$part.txt"
	done
	echo "demo: maps and reports saved in $SAVE_MAPS"
	if command -v python3 >/dev/null; then
		python3 "$root/scripts/map2png.py" --scale 2 --detail 0x40000 \
			--title-a "before" --title-b "after checkerboard" \
			-o "$SAVE_MAPS/fragmentation.png" \
			"$SAVE_MAPS/map-before.txt" "$SAVE_MAPS/map-after.txt"
	fi
fi
[ "$rc" = 0 ] || echo "demo: the VM run failed (exit $rc); VERBOSE=1 shows the whole console" >&2
exit "$rc"
