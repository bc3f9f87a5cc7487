/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event counters of pgcluster.ko, per CPU, summed when debugfs "stats" is
 * read.  A new counter is an enum entry, its name in stats.c and the bump.
 * Gauges (levels, sizes) are printed by their owners after the counters.
 */
#ifndef _PGCLUSTER_STATS_H
#define _PGCLUSTER_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

enum pgc_stat_item {
	/* The cluster pool. */
	PGC_STAT_ALLOCS,
	PGC_STAT_FREES,
	PGC_STAT_ALLOC_FAILURES,
	PGC_STAT_BYTES_REQUESTED,
	PGC_STAT_BYTES_ALLOCATED,
	PGC_STAT_BYTES_FREED,
	PGC_STAT_REFILLS,		/* clusters added by the worker, pool_grow */
	PGC_STAT_GROW_SYNC,		/* clusters added for one request */
	PGC_STAT_SHRINKS,
	PGC_STAT_GROW_STALLS,
	PGC_STAT_PCP_HITS,		/* allocations from a CPU's cache */
	PGC_STAT_PCP_MISSES,		/* cacheable sizes it could not serve */
	PGC_STAT_PCP_FAST_FREES,	/* frees pushed back without the cluster */
	PGC_STAT_PCP_DRAINED,		/* cached extents freed by drain, eviction */
	/* The emergency allocator. */
	PGC_STAT_EMERG_ALLOCS,
	PGC_STAT_EMERG_FREES,
	PGC_STAT_EMERG_FAILURES,	/* reached the path and got NULL */
	PGC_STAT_EMERG_CACHE_HITS,
	PGC_STAT_EMERG_CACHE_RELEASED,	/* cached slots unmapped */
	PGC_STAT_RESERVE_REFILLS,	/* pages put into the reserve */
	PGC_STAT_RESERVE_PAGES_USED,	/* pages served from the reserve */
	PGC_STAT_DEFERRED_FREES,	/* frees unmapped by the worker */
	/* The API. */
	PGC_STAT_BAD_FREES,
	PGC_STAT_REFUSED_REQUESTS,	/* refused for size, flags, gfp, node */
	PGC_NR_STATS
};

DECLARE_PER_CPU(u64 [PGC_NR_STATS], pgc_stat_pcpu);

/* Safe in any context, including hard interrupts. */
static inline void pgc_stat_add(enum pgc_stat_item item, u64 val)
{
	this_cpu_add(pgc_stat_pcpu[item], val);
}

static inline void pgc_stat_inc(enum pgc_stat_item item)
{
	this_cpu_inc(pgc_stat_pcpu[item]);
}

u64 pgc_stat_read(enum pgc_stat_item item);
void pgc_stats_show(struct seq_file *m);

#endif /* _PGCLUSTER_STATS_H */
