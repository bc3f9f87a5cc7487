// SPDX-License-Identifier: GPL-2.0
/*
 * Refill sources: where the pool's clusters come from, tried in table
 * order.  A source hands back a naturally aligned block already split into
 * order-0 pages, so every page of the pool has its own reference count.
 * The table also names the sources for debugfs pool_grow and gives each
 * its "refill_NAME" counter in debugfs stats.  Adding a source is one
 * entry in pgc_sources[] plus its take function.
 *
 * Each take function decides from the caller's effective gfp whether it
 * may be used at all: migration (alloc_contig_pages()) waits on page locks
 * and writeback, so a caller that must not wait for FS/IO never reaches it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "diagnose.h"
#include "pool.h"

/**
 * pgc_meta_gfp() - gfp for metadata allocated on behalf of a caller
 * @gfp: the caller's effective mask
 *
 * Return: the caller's reclaim, retry and reserve policy, nothing added.
 */
gfp_t pgc_meta_gfp(gfp_t gfp)
{
	return (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH |
		       __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_MEMALLOC |
		       __GFP_NOMEMALLOC)) | __GFP_NOWARN;
}

/**
 * pgc_gfp_restricted() - may this caller not wait for FS/IO
 * @gfp: the caller's effective mask
 *
 * A caller that may not recurse into the filesystem or start I/O must not
 * wait on anything whose holder may (the grow mutex, migration); reclaim
 * itself (PF_MEMALLOC) may hold what a grower waits for.
 *
 * Return: true for such a caller.
 */
bool pgc_gfp_restricted(gfp_t gfp)
{
	return (gfp & (__GFP_IO | __GFP_FS)) != (__GFP_IO | __GFP_FS) ||
	       (current->flags & PF_MEMALLOC);
}

/*
 * The buddy allocator, largest order first: the caller's reclaim bits and
 * zone, never retrying hard, never dipping into the emergency reserves for
 * a whole cluster, never movable.
 */
static struct page *pgc_take_buddy(int nid, unsigned int min_order,
				   unsigned int max_order, gfp_t gfp,
				   unsigned int *order)
{
	gfp_t take = (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_DMA |
			     __GFP_DMA32)) |
		     __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN |
		     __GFP_NOMEMALLOC;
	struct page *page;
	int o;

	for (o = max_order; o >= (int)min_order; o--) {
		page = alloc_pages_node(nid, take, o);
		if (page) {
			split_page(page, o);
			*order = o;
			return page;
		}
	}
	return NULL;
}

/*
 * Migration: a largest-order block built by moving movable pages out of a
 * range, whatever @max_order asked for.  alloc_contig_pages() retries hard
 * (it adds __GFP_RETRY_MAYFAIL) and allocates migration targets without
 * __GFP_NOMEMALLOC: not for callers that asked for neither, nor for
 * restricted ones.  It returns order-0 pages already.
 */
static struct page *pgc_take_contig(int nid, unsigned int min_order,
				    unsigned int max_order, gfp_t gfp,
				    unsigned int *order)
{
	struct page *page = NULL;

	if (pgc_gfp_restricted(gfp) || (gfp & __GFP_NORETRY) ||
	    gfp_zone(gfp) < ZONE_NORMAL)
		return NULL;
#if PGC_HAVE_ALLOC_CONTIG
	/* Only reclaim and a few action bits are accepted here. */
	page = alloc_contig_pages(1UL << PGC_CLUSTER_MAX_ORDER,
				  (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS |
					  __GFP_RETRY_MAYFAIL)) |
				  __GFP_THISNODE | __GFP_NOWARN, nid, NULL);
#endif
	if (page)
		*order = PGC_CLUSTER_MAX_ORDER;
	return page;
}

static atomic_long_t pgc_clusters_buddy = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_clusters_contig = ATOMIC_LONG_INIT(0);

const struct pgc_source pgc_sources[] = {
	{
		.name = "buddy",
		.available = true,
		.take = pgc_take_buddy,
		.clusters = &pgc_clusters_buddy,
	},
	{
		.name = "contig",
		.available = PGC_HAVE_ALLOC_CONTIG,
		.take = pgc_take_contig,
		.clusters = &pgc_clusters_contig,
	},
};

static_assert(ARRAY_SIZE(pgc_sources) <= BITS_PER_LONG);

/**
 * pgc_source_find() - look a source up by its pool_grow name
 * @name: the name
 *
 * Return: the source, or NULL when no source has that name.
 */
const struct pgc_source *pgc_source_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pgc_sources); i++)
		if (!strcmp(pgc_sources[i].name, name))
			return &pgc_sources[i];
	return NULL;
}

/**
 * pgc_source_take() - take one cluster's pages from the first source that has
 * @sources: bit i allows pgc_sources[i]; %PGC_SOURCES_ALL for every source
 * @nid: node the pages must be on
 * @min_order: smallest acceptable block
 * @max_order: largest wanted block
 * @gfp: the effective mask of whoever the cluster is for
 * @order: set to the order taken
 * @from: set to the source that supplied
 *
 * Context: process context; may sleep when @gfp allows.
 * Return: the first of 2^*@order order-0 pages, or NULL.
 */
struct page *pgc_source_take(unsigned long sources, int nid,
			     unsigned int min_order, unsigned int max_order,
			     gfp_t gfp, unsigned int *order,
			     const struct pgc_source **from)
{
	struct page *page;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pgc_sources); i++) {
		const struct pgc_source *src = &pgc_sources[i];

		if (!(sources & BIT(i)) || !src->available)
			continue;
		page = src->take(nid, min_order, max_order, gfp, order);
		if (page) {
			*from = src;
			return page;
		}
	}
	pgc_note_grow_failure(sources, nid, min_order, max_order, gfp);
	return NULL;
}

/**
 * pgc_sources_show_stats() - print "refill_NAME" for every source
 * @m: the seq_file of debugfs stats
 *
 * Counts the clusters each source supplied, whatever asked for them (load,
 * the refill worker, a request growing the pool, pool_grow).
 */
void pgc_sources_show_stats(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pgc_sources); i++)
		seq_printf(m, "refill_%s %ld\n", pgc_sources[i].name,
			   atomic_long_read(pgc_sources[i].clusters));
}
