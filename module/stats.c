// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs "stats" file: one "name value" pair per line (per-node lines
 * carry the node in the name), so scripts can look a value up by name.
 * The event counters of stats.h come first, in one loop; then the gauges
 * of each allocator (levels and sizes read from their state) and the
 * kernel probes the module was built with.
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>

#include "emerg.h"
#include "pcp_cache.h"
#include "pool.h"
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
	[PGC_STAT_PCP_HITS]		= "pcp_hits",
	[PGC_STAT_PCP_MISSES]		= "pcp_misses",
	[PGC_STAT_PCP_FAST_FREES]	= "pcp_fast_frees",
	[PGC_STAT_PCP_DRAINED]		= "pcp_drained",
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

/* The pool's gauges; per-node lines are named nodeN_*. */
static void pgc_pool_show(struct seq_file *m)
{
	unsigned long pool = 0, free = 0, reserve = 0, clusters = 0;
	unsigned long enodes = 0, nodes_bytes = 0;
	struct pgc_cluster *c;
	unsigned long flags;
	u64 frees, freed;
	int nid;

	/* Frees first: every free counted then has its allocation counted. */
	frees = pgc_stat_read(PGC_STAT_FREES);
	freed = pgc_stat_read(PGC_STAT_BYTES_FREED);
	smp_rmb();	/* pairs with the ordering of an allocation before its free */
	seq_printf(m, "live_allocations %llu\n",
		   pgc_stat_read(PGC_STAT_ALLOCS) - frees);
	seq_printf(m, "bytes_held %llu\n",
		   pgc_stat_read(PGC_STAT_BYTES_ALLOCATED) - freed);

	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);
		unsigned long nfree = 0, largest = 0;

		if (!n)
			continue;
		nodes_bytes += sizeof(*n) + nr_node_ids * sizeof(int) +
			       nr_cpu_ids * sizeof(void *);
		rcu_read_lock();
		list_for_each_entry_rcu(c, &n->clusters, link) {
			spin_lock_irqsave(&c->lock, flags);
			if (!c->dead) {
				nfree += c->map.free_units;
				largest = max_t(unsigned long, largest,
						pgc_extent_largest_free(&c->map));
				enodes += c->map.nr_nodes;
				clusters++;
			}
			spin_unlock_irqrestore(&c->lock, flags);
		}
		rcu_read_unlock();
		nfree <<= PGC_UNIT_SHIFT;
		pool += READ_ONCE(n->pages) << PAGE_SHIFT;
		free += nfree;
		reserve += n->reserve << PAGE_SHIFT;
		seq_printf(m, "node%d_pool_bytes %lu\n", nid,
			   READ_ONCE(n->pages) << PAGE_SHIFT);
		seq_printf(m, "node%d_free_bytes %lu\n", nid, nfree);
		seq_printf(m, "node%d_largest_free_run %lu\n", nid,
			   largest << PGC_UNIT_SHIFT);
		seq_printf(m, "node%d_clusters %u\n", nid,
			   READ_ONCE(n->nr_clusters));
	}

	seq_printf(m, "pool_bytes %lu\n", pool);
	seq_printf(m, "pool_free_bytes %lu\n", free);
	seq_printf(m, "pool_reserve_bytes %lu\n", reserve);
	seq_printf(m, "pcp_cached_bytes %lu\n", pgc_pcp_cached_bytes());
	seq_printf(m, "pool_pages_held %lu\n", pgc_pool_pages_held());
	seq_printf(m, "clusters %lu\n", clusters);
	seq_printf(m, "cluster_min_bytes %lu\n",
		   PAGE_SIZE << PGC_CLUSTER_MIN_ORDER);
	seq_printf(m, "cluster_max_bytes %lu\n",
		   PAGE_SIZE << PGC_CLUSTER_MAX_ORDER);
	pgc_sources_show_stats(m);
	seq_printf(m, "metadata_bytes %lu\n",
		   enodes * pgc_extent_node_bytes() +
		   clusters * sizeof(struct pgc_cluster) +
		   pgc_lookup_nodes() * sizeof(struct xa_node) + nodes_bytes +
		   pgc_pcp_meta_bytes() +
		   nr_cpu_ids * (PGC_NR_STATS * sizeof(u64) + sizeof(void *)));
	seq_printf(m, "contig_refill_supported %d\n", PGC_HAVE_ALLOC_CONTIG);
}

/*
 * The emergency allocator's gauges: emerg_live_slots, emerg_slot_pages,
 * emerg_pages_mapped (pages of allocations not yet unmapped, deferred
 * frees included, cached slots not), emerg_cache_slots and
 * emerg_cache_pages (slots kept mapped for reuse and their pages),
 * emerg_cache_limit (slot_cache), reserve_pages (current level) and
 * reserve_target.
 */
static void pgc_emerg_show(struct seq_file *m)
{
	seq_printf(m, "emerg_live_slots %ld\n",
		   atomic_long_read(&pgc_emerg_live_slots));
	seq_printf(m, "emerg_slot_pages %u\n", pgc_slot_pages);
	seq_printf(m, "emerg_pages_mapped %ld\n",
		   atomic_long_read(&pgc_emerg_pages_mapped));
	seq_printf(m, "emerg_cache_slots %u\n", pgc_cache_slots_read());
	seq_printf(m, "emerg_cache_pages %lu\n", pgc_cache_pages_read());
	seq_printf(m, "emerg_cache_limit %u\n", READ_ONCE(pgc_slot_cache));
	seq_printf(m, "reserve_pages %u\n", pgc_reserve_level_read());
	seq_printf(m, "reserve_target %u\n", pgc_reserve_pages);
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
	pgc_pool_show(m);
	pgc_emerg_show(m);
	/* What module/kernel-probes.mk found in the tree built against. */
	seq_printf(m, "max_page_order %d\n", MAX_PAGE_ORDER);
	seq_printf(m, "probe_max_order_inclusive %d\n",
		   PGC_PROBE_MAX_ORDER_INCLUSIVE);
	seq_printf(m, "probe_shrinker_alloc %d\n", PGC_PROBE_SHRINKER_ALLOC);
	seq_printf(m, "probe_alloc_contig_pages %d\n",
		   PGC_PROBE_ALLOC_CONTIG_PAGES);
}
