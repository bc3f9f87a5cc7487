#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh: boot a kernel under QEMU (TCG) with a busybox initramfs holding
# pgcluster.ko, any other modules you name and the selftests, run one shell
# command inside as root, stream the guest console and return the command's
# exit status.  The command's result (its TAP) travels on a channel of its
# own, the guest's second serial port, and its exit status on the third,
# apart from the console that printk shares and splits lines on.
#
#   scripts/vm-run.sh [options] -- 'command'
#
#   --kernel distro|trixie|debug|DIR|PATH
#                                distro: Debian 12's 6.1 (default); trixie:
#                                Debian 13's 6.12; debug: the 7.2 debug
#                                kernel; a kernel build directory (see
#                                pgc_kernel in scripts/lib.sh); or a bzImage
#   --ko FILE.ko                 copy a module to /pgcluster/ (repeatable)
#   --selftests DIR              files copied to /pgcluster/selftests/
#                                (default: selftests/ with its built programs)
#   --file FILE                  copy any other file to /pgcluster/ (repeatable)
#   --mem MiB                    guest memory (default 2048, or $VM_MEM)
#   --cpus N                     guest CPUs (default 2, or $VM_CPUS)
#   --numa N                     N memory nodes (ACPI SRAT), the memory split
#                                evenly, one socket and one CPU per node
#                                (sets --cpus N; --mem must divide by N)
#   --timeout SEC                kill the guest after SEC (default 600)
#   --append 'ARGS'              extra kernel command line
#   --log FILE                   also write the console to FILE
#   --result FILE                write what the guest wrote to $PGC_RESULT
#                                (its second serial port, /dev/ttyS1) to
#                                FILE, carriage returns removed
#   --kvm                        use KVM instead of TCG (hangs on some hosts)
#   --allow-alloc-failure-dumps  accept the stack dumps the kernel prints
#                                by design when an allocation fails (below)
#
# Inside the guest: /pgcluster holds the modules, debugfs is mounted, PATH has
# busybox, PGC_MODDIR=/pgcluster, PGC_RESULT=/dev/ttyS1 (the result channel:
# selftests/run_tests.sh copies its TAP there).  The run FAILS (exit 1) when the console
# shows a BUG, WARNING, Oops, KASAN, lockdep or kmemleak report, a Call Trace
# or a panic, when the guest times out, or when the exit status is missing;
# otherwise vm-run.sh exits with the command's own status.  The kernel is
# booted with panic_on_warn=1 oops=panic, and on kernels with kmemleak a scan
# runs after the command.
#
# --allow-alloc-failure-dumps is for fault injection runs
# (scripts/fault-test.sh), where allocations fail on purpose.  The kernel
# answers some failures with a stack dump by design: warn_alloc() for a page
# or vmalloc allocation without __GFP_NOWARN ("COMM: <what failed>,
# mode:0x...(...), nodemask=...") and kmem_cache_create() ("...(NAME)
# failed with error -N", mm/slab_common.c).  With the option, the one
# "Call Trace:" line of each such dump (between that header line and the
# dump's "</TASK>") is not counted as a report; everything else in the
# console, the rest of those dumps included, is judged as always (a WARNING,
# BUG, KASAN or lockdep report still fails the run), and the number of
# dumps accepted is printed.
#
# A boot that dies or hangs before the guest's init runs (no "guest up" line
# yet, so no module of ours has been loaded) is the kernel's own failure:
# it is shown and the guest is booted again, up to VM_BOOT_TRIES times in all
# (default 3).  The 7.2 debug kernel hits an early KASAN report in
# rcu_is_watching() from an interrupt during identify_cpu() in a few boots
# out of twenty under TCG.  A boot that has not reached init after
# VM_BOOT_TIMEOUT seconds (default 600, at most --timeout) counts as hung.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
root=$pgc_root
kernel=distro
kos=()
files=()
selftests=$root/selftests
mem=${VM_MEM:-2048}
cpus=${VM_CPUS:-2}
cpus_set=
numa=0
tmo=600
append=
log=
result=
accel=tcg
allow_dumps=

die() { echo "vm-run: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--ko) kos+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--selftests) selftests=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; cpus_set=1; shift 2 ;;
	--numa) numa=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--result) result=$2; shift 2 ;;
	--kvm) accel=kvm; shift ;;
	--allow-alloc-failure-dumps) allow_dumps=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (see --help)"
cmd="$*"
case "$mem" in ''|*[!0-9]*) die "--mem wants MiB" ;; esac
case "$cpus" in ''|*[!0-9]*) die "--cpus wants a number" ;; esac
case "$numa" in ''|*[!0-9]*) die "--numa wants a number of nodes" ;; esac
# -smp N,sockets=N and one -numa node per socket, each with its own RAM
# backend: QEMU describes the nodes to the guest in the ACPI SRAT/SLIT.
numa_args=()
numa_desc=
if [ "$numa" -gt 0 ]; then
	[ -z "$cpus_set" ] || [ "$cpus" = "$numa" ] ||
		die "--numa $numa wants one CPU per node, not --cpus $cpus"
	[ $((mem % numa)) = 0 ] || die "--mem $mem does not split into $numa nodes"
	cpus=$numa
	numa_desc=", $numa nodes"
	numa_args=(-smp "$numa,sockets=$numa")
	for ((i = 0; i < numa; i++)); do
		numa_args+=(-object "memory-backend-ram,id=m$i,size=$((mem / numa))M"
			    -numa "node,nodeid=$i,cpus=$i,memdev=m$i")
	done
else
	numa_args=(-smp "$cpus")
fi

if [ -f "$kernel" ]; then
	bzimage=$kernel
else
	pgc_kernel "$kernel"
	bzimage=$pgc_kimage
fi
[ -r "$bzimage" ] || die "kernel image $bzimage not readable"
busybox=/bin/busybox	# from busybox-static: the initramfs has no libc
[ -x "$busybox" ] || die "busybox-static is not installed: run scripts/deps.sh"

work=$(mktemp -d /tmp/pgcluster-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
ird=$work/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,tmp,pgcluster/selftests}
cp "$busybox" "$ird/bin/busybox"
for ko in "${kos[@]}"; do
	[ -f "$ko" ] || die "module $ko not found"
	cp "$ko" "$ird/pgcluster/"
done
for f in "${files[@]}"; do
	[ -f "$f" ] || die "file $f not found"
	cp "$f" "$ird/pgcluster/"
done
if [ -d "$selftests" ]; then
	find "$selftests" -maxdepth 1 -type f ! -name '*.[cho]' ! -name Makefile \
		! -name '*.d' -exec cp {} "$ird/pgcluster/selftests/" \;
fi
printf '%s\n' "$cmd" >"$ird/pgcluster/cmd.sh"
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin PGC_MODDIR=/pgcluster HOME=/tmp PGC_RESULT=/dev/ttyS1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The result channel: the second 8250 port (major 4, minor 64 + 1), raw so
# that nothing is added to what the command writes.
[ -c /dev/ttyS1 ] || mknod /dev/ttyS1 c 4 65
stty -F /dev/ttyS1 raw -echo 2>/dev/null
# The exit status: the third port, so that no printk can split its line.
[ -c /dev/ttyS2 ] || mknod /dev/ttyS2 c 4 66
stty -F /dev/ttyS2 raw -echo 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /lib/modules
echo "vm-run: guest up: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB, $(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l) node(s)"
cd /pgcluster
sh /pgcluster/cmd.sh </dev/null
rc=$?
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo "vm-run: kmemleak scan"
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
echo "PGCLUSTER-EXIT: $rc"
echo "PGCLUSTER-EXIT: $rc" >/dev/ttyS2
poweroff -f
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# acpi=noirq: PCI interrupts are routed from the BIOS's table, not by ACPI
# _PRT methods, which on the debug kernel under TCG ran into the AML loop
# timeout twice per boot (about 50 s of its 130 s boot).
kargs="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 softlockup_panic=0 nokaslr acpi=noirq $append"
out=$work/console.log
tries=${VM_BOOT_TRIES:-3}
boot_tmo=${VM_BOOT_TIMEOUT:-600}
[ "$boot_tmo" -gt "$tmo" ] && boot_tmo=$tmo
# Console lines that mean the kernel is unhappy, whatever the command said.
bad='BUG:|WARNING:|Oops|KASAN|kernel BUG|general protection fault|possible (recursive|circular) locking|possible irq lock inversion|inconsistent lock state|suspicious RCU usage|unreferenced object|Call Trace|Kernel panic|UBSAN|sleeping function called from invalid context|soft lockup|hung_task|blocked for more than'

guest_up() { grep -aq '^vm-run: guest up' "$out"; }

# Kills the guest when it has not reached init after $boot_tmo seconds.
boot_watchdog() {
	local waited=0
	while [ $waited -lt "$boot_tmo" ]; do
		sleep 2
		waited=$((waited + 2))
		guest_up && return 0
	done
	: >"$work/boot-hung"
	[ -f "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null
	return 0
}

attempt=1
while :; do
	echo "vm-run: booting $(basename "$bzimage") ($mem MiB, $cpus CPUs$numa_desc, $accel), timeout ${tmo}s"
	rm -f "$work/boot-hung" "$work/qemu.pid"
	: >"$out"
	: >"$work/result"
	: >"$work/status"
	start=$(date +%s)
	boot_watchdog &
	watchdog=$!
	set +e
	timeout --foreground -k 10 "$tmo" \
		qemu-system-x86_64 -accel "$accel" -cpu max -m "$mem" "${numa_args[@]}" \
		-kernel "$bzimage" -initrd "$work/initramfs.cpio" -append "$kargs" \
		-display none -monitor none -serial stdio \
		-serial "file:$work/result" -serial "file:$work/status" \
		-no-reboot \
		-pidfile "$work/qemu.pid" \
		-device virtio-rng-pci </dev/null 2>&1 | tee "$out"
	qrc=${PIPESTATUS[0]}
	set -e
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	secs=$(( $(date +%s) - start ))
	if guest_up || [ "$attempt" -ge "$tries" ]; then
		break
	fi
	if [ -f "$work/boot-hung" ]; then
		echo "vm-run: the kernel did not reach init in ${boot_tmo}s (boot $attempt of $tries); booting again" >&2
	else
		echo "vm-run: the kernel failed in its own boot, before init ran and before any module was loaded (boot $attempt of $tries); booting again:" >&2
		grep -aE "$bad" "$out" | head -n 3 | sed 's/^/vm-run:   /' >&2
	fi
	attempt=$((attempt + 1))
done
[ -n "$log" ] && cp "$out" "$log"
[ -n "$result" ] && tr -d '\r' <"$work/result" >"$result"

if [ -f "$work/boot-hung" ] && ! guest_up; then
	echo "vm-run: FAIL: the kernel did not reach init in ${boot_tmo}s, $tries boots" >&2
	exit 1
fi
judged=$out
if [ -n "$allow_dumps" ]; then
	judged=$work/judged.log
	tr -d '\r' <"$out" | awk '
		/: .*, mode:0x[0-9a-f]+\(.*\), nodemask=/ ||
		/\] (__)?kmem_cache_create[a-z_]*\(.*\) failed with error -[0-9]+$/ {
			dump = 1; seen = 0; lines = 0; n++
		}
		dump && /Call Trace:/ && !seen { seen = 1; next }
		dump && (/<\/TASK>/ || ++lines > 400) { dump = 0; seen = 0 }
		{ print }
		END { print n + 0 > "/dev/stderr" }' >"$judged" 2>"$work/dumps"
	echo "vm-run: accepted $(cat "$work/dumps") stack dumps of failed allocations (--allow-alloc-failure-dumps)"
fi
if grep -aEq "$bad" "$judged"; then
	echo "vm-run: FAIL: kernel report in the console:" >&2
	grep -aE "$bad" "$judged" | head -n 5 | sed 's/^/vm-run:   /' >&2
	exit 1
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm-run: FAIL: guest timed out after ${tmo}s" >&2
	exit 1
fi
# The status port first; the console's copy for a guest without the port.
rc=$(tr -d '\r' <"$work/status" | sed -n 's/^PGCLUSTER-EXIT: \([0-9]*\)$/\1/p' | tail -n1)
[ -n "$rc" ] ||
	rc=$(tr -d '\r' <"$out" | sed -n 's/^PGCLUSTER-EXIT: \([0-9]*\)$/\1/p' | tail -n1)
if [ -z "$rc" ]; then
	echo "vm-run: FAIL: no exit status from the guest (qemu exit $qrc)" >&2
	exit 1
fi
echo "vm-run: command exited $rc after ${secs}s"
exit "$rc"
