// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs "stats" file: one "name value" pair per line (per-node lines
 * carry the node in the name), so scripts can look a value up by name.
 * The event counters of stats.h come first, in one loop; then the gauges
 * of each allocator and the kernel probes the module was built with.
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/seq_file.h>

#include "internal.h"
#include "stats.h"

DEFINE_PER_CPU(u64 [PGC_NR_STATS], pgc_stat_pcpu);

static const char * const pgc_stat_names[] = {
	[PGC_STAT_ALLOCS]		= "allocs",
	[PGC_STAT_FREES]		= "frees",
	[PGC_STAT_ALLOC_FAILURES]	= "alloc_failures",
	[PGC_STAT_BYTES_REQUESTED]	= "bytes_requested",
	[PGC_STAT_BYTES_ALLOCATED]	= "bytes_allocated",
	[PGC_STAT_BYTES_FREED]		= "bytes_freed",
	[PGC_STAT_REFILLS]		= "refills",
	[PGC_STAT_GROW_SYNC]		= "grow_sync",
	[PGC_STAT_SHRINKS]		= "shrinks",
	[PGC_STAT_GROW_STALLS]		= "grow_stalls",
	[PGC_STAT_EMERG_ALLOCS]		= "emerg_allocs",
	[PGC_STAT_EMERG_FREES]		= "emerg_frees",
	[PGC_STAT_EMERG_FAILURES]	= "emerg_failures",
	[PGC_STAT_EMERG_CACHE_HITS]	= "emerg_cache_hits",
	[PGC_STAT_EMERG_CACHE_RELEASED]	= "emerg_cache_released",
	[PGC_STAT_RESERVE_REFILLS]	= "reserve_refills",
	[PGC_STAT_RESERVE_PAGES_USED]	= "reserve_pages_used",
	[PGC_STAT_DEFERRED_FREES]	= "deferred_frees",
	[PGC_STAT_BAD_FREES]		= "bad_frees",
	[PGC_STAT_REFUSED_REQUESTS]	= "refused_requests",
};

static_assert(ARRAY_SIZE(pgc_stat_names) == PGC_NR_STATS);

/**
 * pgc_stat_read() - the current value of an event counter
 * @item: the counter
 *
 * Context: any context.
 * Return: the sum over all CPUs; concurrent bumps may or may not be seen.
 */
u64 pgc_stat_read(enum pgc_stat_item item)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(pgc_stat_pcpu, cpu)[item]);
	return sum;
}

/**
 * pgc_stats_show() - print debugfs "stats"
 * @m: the seq_file
 *
 * Context: process context.
 */
void pgc_stats_show(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < PGC_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", pgc_stat_names[i],
			   pgc_stat_read(i));
	pgc_pool_show_stats(m);
	pgc_emerg_show_stats(m);
	/* What module/kernel-probes.mk found in the tree built against. */
	seq_printf(m, "max_page_order %d\n", MAX_PAGE_ORDER);
	seq_printf(m, "probe_max_order_inclusive %d\n",
		   PGC_PROBE_MAX_ORDER_INCLUSIVE);
	seq_printf(m, "probe_shrinker_alloc %d\n", PGC_PROBE_SHRINKER_ALLOC);
	seq_printf(m, "probe_alloc_contig_pages %d\n",
		   PGC_PROBE_ALLOC_CONTIG_PAGES);
}
