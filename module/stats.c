// SPDX-License-Identifier: GPL-2.0
/*
 * The read-only debugfs "stats" file: one "name value" pair per line (per
 * node lines carry the node in the name), so scripts can grep it.  Each
 * allocator prints its own counters.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "compat.h"
#include "internal.h"

static int pgc_stats_show(struct seq_file *m, void *unused)
{
	pgc_pool_show_stats(m);
	pgc_emerg_show_stats(m);
	seq_printf(m, "bad_frees %llu\n", pgc_bad_frees());
	seq_printf(m, "refused_requests %llu\n", pgc_refused_requests());
	/* What module/kernel-probes.mk found in the tree built against. */
	seq_printf(m, "max_page_order %d\n", MAX_PAGE_ORDER);
	seq_printf(m, "probe_max_order_inclusive %d\n",
		   PGC_PROBE_MAX_ORDER_INCLUSIVE);
	seq_printf(m, "probe_shrinker_alloc %d\n", PGC_PROBE_SHRINKER_ALLOC);
	seq_printf(m, "probe_alloc_contig_pages %d\n",
		   PGC_PROBE_ALLOC_CONTIG_PAGES);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgc_stats);

int pgc_stats_init(void)
{
	debugfs_create_file("stats", 0444, pgc_debugfs_root, NULL,
			    &pgc_stats_fops);
	return 0;
}
