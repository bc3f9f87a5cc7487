# SPDX-License-Identifier: GPL-2.0
# lab_lib.sh: shell helpers for the fragmentation lab, shared by
# selftests/lab.sh and scripts/demo-guest.sh (busybox sh).  Source it; it
# defines functions and the paths below, and prints nothing.
#
# The sealed probes seal, ask and unseal inside one write, so the commands
# around them may fork.  docs/lab.md describes the files.

LAB_D=/sys/kernel/debug/pgcluster
LAB_I=$LAB_D/inject
LAB_VM=/proc/sys/vm

# lab_compaction_off: compaction can move movable pages (a guest's
# initramfs lives in tmpfs) into the pattern's holes and so make a free
# block, which is the kernel doing its job, not a hole in the pattern.
# Turn it off for orders above 3, as far as the sysctls allow (it cannot be
# turned off for smaller orders), until lab_compaction_restore.
lab_compaction_off() {
	lab_old_xt=$(cat $LAB_VM/extfrag_threshold 2>/dev/null)
	lab_old_cp=$(cat $LAB_VM/compaction_proactiveness 2>/dev/null)
	[ -n "$lab_old_xt" ] && echo 1000 > $LAB_VM/extfrag_threshold
	[ -n "$lab_old_cp" ] && echo 0 > $LAB_VM/compaction_proactiveness
	return 0
}

lab_compaction_restore() {
	[ -n "$lab_old_xt" ] && echo "$lab_old_xt" > $LAB_VM/extfrag_threshold
	[ -n "$lab_old_cp" ] && echo "$lab_old_cp" > $LAB_VM/compaction_proactiveness
	return 0
}

# lab_sealed_probe ORDER [TRIES]: TRIES (default 3) buddy probes of ORDER,
# each inside a seal of its own.  Sets lab_failed to the number that
# failed sealed and lab_lines to their results, one a line.
lab_sealed_probe() {
	lab_failed=0 lab_lines= _lab_t=0
	while [ $_lab_t -lt "${2:-3}" ]; do
		_lab_t=$((_lab_t + 1))
		if echo "$1 sealed" > $LAB_D/probe; then
			_lab_l=$(cat $LAB_D/probe)
		else
			_lab_l="the write of '$1 sealed' failed"
		fi
		case $_lab_l in
		*", sealed: FAILED") lab_failed=$((lab_failed + 1)) ;;
		esac
		lab_lines="$lab_lines$_lab_l
"
	done
}

# lab_probe_until_ok ORDER [TRIES]: buddy probes of ORDER, half a second
# apart, until one succeeds (TRIES, default 3, at most): a busy debug kernel
# may take a moment to free small blocks after an unseal.  Sets lab_tries
# and lab_lines; returns 0 when a probe succeeded.
lab_probe_until_ok() {
	lab_tries=0 lab_lines=
	while [ $lab_tries -lt "${2:-3}" ]; do
		lab_tries=$((lab_tries + 1))
		echo "$1" > $LAB_D/probe
		_lab_l=$(cat $LAB_D/probe)
		lab_lines="$lab_lines$_lab_l
"
		case $_lab_l in *": ok (pfn "*) return 0 ;; esac
		sleep 0.5
	done
	return 1
}
