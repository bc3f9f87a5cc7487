#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel features module/kernel-probes.mk decided from the tree the
# module was built against must be those of the kernel it runs on: stats'
# max_page_order against the columns of /proc/buddyinfo, probe_shrinker_alloc
# against shrinker_alloc in /proc/kallsyms, probe_alloc_contig_pages against
# the export of alloc_contig_pages(_noprof) (its __ksymtab_ entry, listed
# with CONFIG_KALLSYMS_ALL), and contig_refill_supported against that probe.
. "$(dirname "$0")/tap.sh"
ko=$PGC_MODDIR/pgcluster.ko
pgc_unload_all
[ -f "$ko" ] || { tap_skip probes "no $ko"; tap_finish; }
if ! insmod "$ko" pool_mb=0; then
	tap_fail "insmod pgcluster.ko pool_mb=0"
	tap_finish
fi
# One pass over /proc/kallsyms (long, and slow to read on the debug
# kernel): has shrinker_alloc, number of __ksymtab_ entries, exports
# alloc_contig_pages or alloc_contig_pages_noprof.
read -r have ksymtabs contig <<EOF
$(awk '$3 == "shrinker_alloc" { s = 1 }
       $3 ~ /^__ksymtab_/ { n++ }
       $3 == "__ksymtab_alloc_contig_pages" ||
       $3 == "__ksymtab_alloc_contig_pages_noprof" { c = 1 }
       END { print s + 0, n + 0, c + 0 }' /proc/kallsyms)
EOF

orders=$(awk '/zone/ { print NF - 4; exit }' /proc/buddyinfo)
tap_diag "max_page_order $(pgc_stat max_page_order), buddyinfo shows $orders orders"
tap_check "max_page_order is the kernel's largest buddy order" \
	[ "$(pgc_stat max_page_order)" = $((orders - 1)) ]

tap_diag "probe_shrinker_alloc $(pgc_stat probe_shrinker_alloc), kernel has shrinker_alloc: $have"
tap_check "probe_shrinker_alloc matches the kernel" \
	[ "$(pgc_stat probe_shrinker_alloc)" = "$have" ]

if [ "$ksymtabs" = 0 ]; then
	tap_skip probe_alloc_contig_pages "no __ksymtab_ symbols (CONFIG_KALLSYMS_ALL off)"
else
	tap_diag "probe_alloc_contig_pages $(pgc_stat probe_alloc_contig_pages), kernel exports it: $contig"
	tap_check "probe_alloc_contig_pages matches the kernel's exports" \
		[ "$(pgc_stat probe_alloc_contig_pages)" = "$contig" ]
fi
# The function is only exported where CONFIG_CONTIG_ALLOC built it.
tap_check "contig_refill_supported follows the probe" \
	[ "$(pgc_stat contig_refill_supported)" = \
	  "$(pgc_stat probe_alloc_contig_pages)" ]
rmmod pgcluster
tap_finish
