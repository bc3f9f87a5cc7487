#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh: checkpatch --strict (from the 7.2 source tree), docs/api.md
# against the kernel-doc (scripts/gen-api-doc.sh --check), W=1 with warnings
# as errors and sparse C=2, against the distro kernel and, when built, the
# debug kernel.  Prints one TAP line per step; exits non-zero on any failure.
# The sparse used is one the kernel tree accepts (scripts/sparse.sh builds
# one from Debian unstable's source when the system's is too old).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$pgc_root
. "$root/selftests/tap.sh"
ok() { tap_ok "$*"; }
nok() { tap_fail "$*"; }
ktree=$(PGCLUSTER_KERNEL_REFRESH=0 "$root/scripts/debug-kernel.sh" --source-only 2>/dev/null | tail -n1)
checkpatch=$ktree/scripts/checkpatch.pl
cd "$root" || exit 1
files=$(git ls-files 'module/*.[ch]' 'include/*.h' 'selftests/*.[ch]' \
	'selftests/modules/*.[ch]' 'experiment/*.[ch]' 2>/dev/null || find module include selftests experiment -name '*.[ch]')
if [ -f "$checkpatch" ]; then
	bad=0
	for f in $files; do
		# The test macros return from the case on failure, as
		# kunit's assertions do.
		case $f in
		selftests/modules/pgct.h) ign=MACRO_WITH_FLOW_CONTROL ;;
		*) ign= ;;
		esac
		res=$(perl "$checkpatch" --no-tree --strict --quiet --show-types \
			--ignore "FILE_PATH_CHANGES${ign:+,$ign}" -f "$f" 2>&1)
		if [ -n "$res" ]; then
			echo "$res" | sed 's/^/# /'
			bad=1
		fi
	done
	[ $bad = 0 ] && ok "checkpatch --strict ($(echo $files | wc -w) files)" ||
		nok "checkpatch --strict"
else
	nok "checkpatch: no kernel source tree (scripts/debug-kernel.sh --source-only)"
fi

if out=$("$root/scripts/gen-api-doc.sh" --check 2>&1); then
	ok "docs/api.md matches the kernel-doc"
else
	echo "$out" | head -n 20 | sed 's/^/# /'
	nok "docs/api.md is stale: run scripts/gen-api-doc.sh"
fi

kernels=(distro)
[ -n "$("$root/scripts/debug-kernel.sh" --cached 2>/dev/null)" ] && kernels+=(debug)
for k in "${kernels[@]}"; do
	pgc_kernel "$k"
	kdir=$pgc_kdir
	dir=$(pgc_out "lint-$k")
	pgc_stage --fresh "$dir"
	log=$dir/lint.log
	sparse=$("$root/scripts/sparse.sh" "$kdir" 2>"$dir/sparse.log" | tail -n1) || sparse=
	check=(C=2)
	[ -n "$sparse" ] && check+=(CHECK="$sparse")
	# W=1 with -Werror, and sparse on every file (C=2), in one build.
	if make -C "$dir" KDIR="$kdir" W=1 "${check[@]}" KCFLAGS=-Werror modules >"$log" 2>&1 &&
	   make -C "$dir/selftests/modules" KDIR="$kdir" W=1 "${check[@]}" KCFLAGS=-Werror >>"$log" 2>&1; then
		# Compiler and sparse both print "file:line:col: warning: ..."
		# (sparse with paths relative to the module directory).
		warn=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" || true)
		if [ -z "$warn" ]; then
			ok "W=1 -Werror clean on $k"
		else
			echo "$warn" | sed "s|$dir/||; s/^/# /"
			nok "W=1 on $k: warnings"
		fi
		# Kbuild refuses a sparse older than the tree wants, and says so.
		if grep -q 'sparse is not available or not up to date' "$log"; then
			sed 's/^/# /' "$dir/sparse.log"
			nok "sparse C=2 on $k: no sparse this tree accepts"
		elif ! grep -q '^  CHECK ' "$log"; then
			nok "sparse C=2 on $k: sparse did not run"
		elif [ -z "$warn" ]; then
			ok "sparse C=2 clean on $k (${sparse:-sparse})"
		else
			nok "sparse C=2 on $k: warnings"
		fi
	else
		grep -E '(warning|error):' "$log" | sed "s|$dir/||; s/^/# /" | head -n 30
		nok "W=1 -Werror + sparse C=2 build on $k"
	fi
done
tap_finish
