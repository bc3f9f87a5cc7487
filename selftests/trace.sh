#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The pgcluster trace events, read back from tracefs.
#
# Mounts tracefs if needed, loads pgcluster (pool_mb=4 slot_cache=0
# allow_inject=1) and the test module, enables events/pgcluster, then for
# each known sequence clears the trace, drives it (the trace_* cases of
# selftests/modules/test_trace.c, the debugfs knobs pool_grow,
# force_virtual, emerg_fail_pages, the slot_cache parameter, drop_caches
# and the lab's inject/control) and checks every field of every event it
# must have produced: sizes, rounded sizes, gfp strings, kinds, pointers
# matched between events, call sites by symbol name, nodes, orders,
# sources, pages and levels.  A kernel without tracefs or trace events
# fails here: it does not skip.  docs/tracing.md describes the events.
. "$(dirname "$0")/tap.sh"

pgc_test_modules trace
D=/sys/kernel/debug/pgcluster
P=/sys/module/pgcluster/parameters
I=$D/inject

T=
for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	if [ ! -f $t/trace ] && [ -d $t ]; then
		mount -t tracefs nodev $t 2>/dev/null
	fi
	if [ -f $t/trace ]; then
		T=$t
		break
	fi
done
if [ -z "$T" ]; then
	tap_fail "tracefs: not mounted and cannot be (CONFIG_TRACING, CONFIG_EVENT_TRACING)"
	tap_finish
fi
tap_diag "tracefs at $T"

dmesg -c > /dev/null
if ! insmod "$ko" pool_mb=4 slot_cache=0 allow_inject=1 || ! insmod "$tko"; then
	tap_fail "load pgcluster and pgcluster_test"
	pgc_unload_all
	tap_finish
fi

E=$T/events/pgcluster
events="alloc free pool_grow shrink emerg_map emerg_unmap emerg_cache reserve bad_free lab"
missing=
for e in $events; do
	[ -f $E/pgcluster_$e/format ] || missing="$missing $e"
done
if [ -n "$missing" ]; then
	tap_fail "events registered (missing:$missing)"
	pgc_unload_all
	tap_finish
fi
tap_ok "all 10 events registered under $E"

tr=/tmp/pgc-trace.txt
# run_case NAME: run one test-module case; ok when it passes.
run_case() {
	if echo "$1" > "$run"; then
		return 0
	fi
	sed 's/^/# /' "$tlog"
	return 1
}
# begin: empty the trace buffer.  snap: keep the pgcluster lines of it.
begin() { echo > $T/trace; }
snap() { grep ' pgcluster_' $T/trace > $tr; }
# has NAME ERE: one TAP line, ok when a line of the snapshot matches.
has() {
	if grep -Eq "$2" $tr; then
		tap_ok "$1"
	else
		tap_fail "$1"
		tap_diag "no line matches: $2"
	fi
}
# count ERE: lines of the snapshot that match.
count() { grep -Ec "$1" $tr; }
# line ERE: number of the first line of the snapshot that matches, or 0.
line() { grep -En "$1" $tr | sed -n '1s/:.*//p' | grep . || echo 0; }
# ptr_of ERE: the ptr= field of the first matching line.
ptr_of() { grep -E "$1" $tr | sed -n '1s/.* ptr=\([^ ]*\).*/\1/p'; }
dump() { sed 's/^ */# /' $tr; }
X='[0-9a-fx]+'	# a pointer as %p prints it (hashed or not)
cs='call_site=pgct_trace_'

echo 1 > $E/enable
echo 1 > $T/tracing_on

# ---- contiguous: alloc, free, failed, bad free ---------------------------
begin
tap_check "trace_contig_passes" run_case trace_contig
snap
dump
node=$(sed -n 's/^node \([0-9]*\)$/\1/p' "$tlog")
a=$(ptr_of "pgcluster_alloc: size=9000 ")
b=$(ptr_of "pgcluster_alloc: size=100 ")
has "alloc 9000 GFP_KERNEL: rounded 9024, contig, call site" \
    "pgcluster_alloc: size=9000 rounded=9024 gfp=GFP_KERNEL flags=0x0 node=-1 kind=contig ptr=$X ${cs}contig\+"
has "alloc_node 100 GFP_ATOMIC|__GFP_ZERO node $node: rounded 128" \
    "pgcluster_alloc: size=100 rounded=128 gfp=GFP_ATOMIC\|__GFP_ZERO flags=0x0 node=$node kind=contig ptr=$X ${cs}contig\+"
has "alloc too large: failed, rounded 0, GFP_KERNEL|__GFP_NOWARN" \
    "pgcluster_alloc: size=$(((2 << 20) + 1)) rounded=0 gfp=GFP_KERNEL\|__GFP_NOWARN flags=0x0 node=-1 kind=failed ptr=[^ ]+ ${cs}contig\+"
has "free of the 9000-byte allocation: size 9024, contig, not deferred" \
    "pgcluster_free: ptr=$a size=9024 kind=contig deferred=0 ${cs}contig\+"
has "free of the 100-byte allocation: size 128" \
    "pgcluster_free: ptr=$b size=128 kind=contig deferred=0 ${cs}contig\+"
has "second free: bad_free with reason and call site" \
    "pgcluster_bad_free: ptr=$a why=\"not a live cluster allocation\" ${cs}contig\+"
tap_check "exactly 3 allocs, 2 frees, 1 bad free" \
    [ "$(count 'pgcluster_alloc:')/$(count 'pgcluster_free:')/$(count 'pgcluster_bad_free:')" = 3/2/1 ]

# Off: the same sequence leaves nothing in the buffer.
echo 0 > $E/enable
begin
run_case trace_contig
snap
tap_check "events disabled: nothing traced" [ ! -s $tr ]
echo 1 > $E/enable

# ---- emergency: map, unmap, deferred unmap --------------------------------
slot=$(cat $P/slot_pages)
echo 1 > $D/testing/force_virtual
begin
tap_check "trace_virtual_passes" run_case trace_virtual
sleep 1		# the deferred unmap runs from a worker
snap
dump
v=$(ptr_of "pgcluster_alloc: size=$((3 * 4096 - 100)) ")
w=$(ptr_of "pgcluster_alloc: size=4096 ")
has "alloc 3 pages VIRTOK: rounded 12288, virtual" \
    "pgcluster_alloc: size=12188 rounded=12288 gfp=GFP_KERNEL flags=0x1 node=-1 kind=virtual ptr=$X ${cs}virtual\+"
has "emerg_map: 3 pages in a $slot-page slot" \
    "pgcluster_emerg_map: ptr=$v pages=3 slot=$slot"
has "free: size 12288, virtual, not deferred" \
    "pgcluster_free: ptr=$v size=12288 kind=virtual deferred=0 ${cs}virtual\+"
has "emerg_unmap of the 3 pages" \
    "pgcluster_emerg_unmap: ptr=$v pages=3 slot=$slot"
has "free with interrupts off: deferred" \
    "pgcluster_free: ptr=$w size=4096 kind=virtual deferred=1 ${cs}virtual\+"
has "deferred emerg_unmap ran" "pgcluster_emerg_unmap: ptr=$w pages=1 slot=$slot"
# The free is traced once done, after the unmap it made.
la=$(line "pgcluster_alloc: size=12188 ")
lm=$(line "pgcluster_emerg_map: ptr=$v ")
lu=$(line "pgcluster_emerg_unmap: ptr=$v ")
lf=$(line "pgcluster_free: ptr=$v ")
tap_check "map, alloc, unmap, free in that order ($lm $la $lu $lf)" \
    [ "$lm" -gt 0 -a "$lm" -lt "$la" -a "$la" -lt "$lu" -a "$lu" -lt "$lf" ]
tap_check "deferred unmap after its free" \
    [ "$(line "pgcluster_free: ptr=$w ")" -lt "$(line "pgcluster_emerg_unmap: ptr=$w ")" ]

# ---- emergency reserve: take and refill ------------------------------------
rp=$(cat $P/reserve_pages)
begin
echo 2 > $D/testing/emerg_fail_pages
tap_check "trace_reserve_passes" run_case trace_reserve
sleep 1		# the reserve's refill worker
snap
dump
has "alloc 2 pages from the reserve: virtual" \
    "pgcluster_alloc: size=8192 rounded=8192 gfp=GFP_KERNEL flags=0x1 node=-1 kind=virtual ptr=$X ${cs}reserve\+"
has "reserve take, level $((rp - 1))" "pgcluster_reserve: op=take pages=1 level=$((rp - 1))$"
has "reserve take, level $((rp - 2))" "pgcluster_reserve: op=take pages=1 level=$((rp - 2))$"
tap_check "exactly 2 reserve takes" [ "$(count 'op=take')" -eq 2 ]
has "reserve refilled back to $rp" "pgcluster_reserve: op=refill pages=1 level=$rp$"

# ---- emergency slot cache: hit and evict -----------------------------------
echo 1 > $P/slot_cache
begin
tap_check "trace_cache_passes" run_case trace_cache
echo 0 > $P/slot_cache
snap
dump
c3=$(ptr_of "pgcluster_alloc: size=12288 ")
c2=$(ptr_of "pgcluster_alloc: size=8192 ")
has "cache hit: the freed 3-page slot" "pgcluster_emerg_cache: op=hit ptr=$c3 pages=3$"
tap_check "3-page slot mapped once, unmapped once" \
    [ "$(count "pgcluster_emerg_map: ptr=$c3 ")/$(count "pgcluster_emerg_unmap: ptr=$c3 ")" = 1/1 ]
has "evict of the 3-page slot" "pgcluster_emerg_cache: op=evict ptr=$c3 pages=3$"
has "slot_cache=0 evicts the 2-page slot" "pgcluster_emerg_cache: op=evict ptr=$c2 pages=2$"
has "evicted 2-page slot unmapped" "pgcluster_emerg_unmap: ptr=$c2 pages=2 slot=$slot"
echo 0 > $D/testing/force_virtual

# ---- pool: refill, pool_grow, shrink; then sync grow ----------------------
# A 4 MiB pool: the case takes and holds 1.75 MiB allocations until the
# refill worker has grown the pool.
begin
tap_check "trace_grow_passes" run_case trace_grow
sed 's/^/# /' "$tlog"
echo "buddy 0" > $D/pool_grow
sleep 1		# a refill the knob's cluster kicked
p0=$(pgc_stat pool_bytes)
sync
echo 3 > /proc/sys/vm/drop_caches
p1=$(pgc_stat pool_bytes)
snap
dump
has "1.75 MiB allocation traced" \
    "pgcluster_alloc: size=1835008 rounded=1835008 gfp=GFP_KERNEL flags=0x0 node=-1 kind=contig ptr=$X ${cs}grow_held\+"
na=$(count 'pgcluster_alloc: size=1835008 ')
nf=$(count 'pgcluster_free: ptr=[^ ]+ size=1835008 kind=contig deferred=0 call_site=pgct_trace_grow_held\+')
tap_check "as many frees as allocs of 1.75 MiB, at least 6 ($na/$nf)" [ "$na" = "$nf" -a "$na" -ge 6 ]
has "refill worker grew the pool" \
    "pgcluster_pool_grow: node=0 order=[0-9] source=(buddy|contig) why=refill$"
has "pool_grow knob: buddy, node 0, order 9" \
    "pgcluster_pool_grow: node=0 order=9 source=buddy why=pool_grow$"
shrunk=$(awk '/pgcluster_shrink: node=0 pages=/ { sub(".*pages=", ""); n += $1 } END { print n + 0 }' $tr)
tap_diag "pool $p0 -> $p1 bytes, shrink events $shrunk pages"
has "shrink event" "pgcluster_shrink: node=0 pages=(64|128|256|512)$"
tap_check "shrink events add up to what the pool lost" \
    [ "$shrunk" -gt 0 -a $((shrunk * 4096)) -eq $((p0 - p1)) ]

# pool_mb=0: no reserve, no refill worker; every grow is a request's own.
rmmod pgcluster_test
rmmod pgcluster
if ! insmod "$ko" pool_mb=0 allow_inject=1 || ! insmod "$tko"; then
	tap_fail "reload pgcluster pool_mb=0"
	pgc_unload_all
	tap_finish
fi
echo 1 > $E/enable
begin
tap_check "trace_grow_passes_without_pool" run_case trace_grow_sync
snap
dump
sg=$(count "pgcluster_pool_grow: node=0 order=(8|9) source=(buddy|contig) why=sync$")
tap_check "pool grew for the requests (sync, $sg times)" [ "$sg" -ge 3 ]
tap_check "every grow was sync" [ "$(count 'pgcluster_pool_grow:')" -eq "$sg" ]

# ---- the lab: start, seal, unseal, release ---------------------------------
begin
echo checkerboard > $I/pattern
echo 5% > $I/amount
echo start > $I/control
echo seal:5000 > $I/control
echo unseal > $I/control
echo release > $I/control
snap
dump
has "lab start: checkerboard, pages pinned" "pgcluster_lab: op=start pattern=checkerboard pages=[1-9][0-9]*$"
has "lab seal" "pgcluster_lab: op=seal pattern=checkerboard pages=[0-9]+$"
has "lab unseal" "pgcluster_lab: op=unseal pattern=checkerboard pages=[0-9]+$"
has "lab release" "pgcluster_lab: op=release pattern=checkerboard pages=[1-9][0-9]*$"
st=$(sed -n '1s/.*op=start pattern=checkerboard pages=\([0-9]*\)$/\1/p' $tr)
rl=$(grep 'op=release' $tr | sed -n '1s/.* pages=\([0-9]*\)$/\1/p')
tap_check "release gives back what the start pinned ($st, $rl)" [ -n "$st" -a "$st" = "$rl" ]

echo 0 > $E/enable
echo > $T/trace
rmmod pgcluster_test
rmmod pgcluster
pgc_check_unloaded unload_clean
tap_finish
