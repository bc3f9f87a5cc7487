// SPDX-License-Identifier: GPL-2.0
/*
 * The pinned-page bitmap and the per-zone counters.
 *
 * Pinned pages are recorded in an xarray of bitmap chunks indexed by pfn,
 * about one bit per page of covered memory.  The report and the map read
 * it locklessly under RCU (pgc_inject_owns_pfn()); chunks are freed with
 * kfree_rcu().  Counts per zone are written by whoever pins or unpins:
 * under pgc_inject_lock for a start, a sweep and a release, and under the
 * seal's lock for a seal and its unseal (which the unseal work and the OOM
 * notifier run); they are read racily.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "lab.h"

/* A bitmap of pinned pfns, one page in size, freed after an RCU grace period. */
struct pgc_pin_chunk {
	struct rcu_head rcu;
	unsigned long bits[];
};

#define PGC_CHUNK_PAGES \
	((PAGE_SIZE - sizeof(struct rcu_head)) / sizeof(unsigned long) * \
	 BITS_PER_LONG)

static DEFINE_XARRAY(pgc_pins);		/* pfn / PGC_CHUNK_PAGES -> chunk */
static atomic_long_t pgc_pinned_total = ATOMIC_LONG_INIT(0);
/* [nid * MAX_NR_ZONES + zone index] */
static unsigned long *pgc_zone_pinned;
static unsigned long *pgc_zone_covered;

/**
 * pgc_pins_init() - allocate the per-zone counters
 *
 * Return: 0 or -ENOMEM.
 */
int pgc_pins_init(void)
{
	size_t n = nr_node_ids * MAX_NR_ZONES;

	pgc_zone_pinned = kcalloc(n, sizeof(*pgc_zone_pinned), GFP_KERNEL);
	pgc_zone_covered = kcalloc(n, sizeof(*pgc_zone_covered), GFP_KERNEL);
	if (pgc_zone_pinned && pgc_zone_covered)
		return 0;
	pgc_pins_exit();
	return -ENOMEM;
}

/**
 * pgc_pins_exit() - free the per-zone counters, after every pin was freed
 */
void pgc_pins_exit(void)
{
	kfree(pgc_zone_pinned);
	kfree(pgc_zone_covered);
	pgc_zone_pinned = NULL;
	pgc_zone_covered = NULL;
}

/**
 * pgc_pin_record() - record a page as pinned
 * @cur: the caller's cursor, zeroed before its first use
 * @pfn: the page
 *
 * No hard retries: inside a seal a slab of kmalloc-4k may need an order-1
 * page (KASAN), and a GFP_KERNEL request would reach the OOM killer while
 * the seal's own OOM notifier cannot take the seal's lock.
 *
 * Context: the lock that guards the pin (see the file's header).
 * Return: 0, or -ENOMEM when the bitmap cannot grow.
 */
int pgc_pin_record(struct pgc_pin_cursor *cur, unsigned long pfn)
{
	unsigned long idx = pfn / PGC_CHUNK_PAGES;
	struct pgc_pin_chunk *chunk = cur->chunk;
	void *old;

	if (!chunk || cur->idx != idx) {
		chunk = xa_load(&pgc_pins, idx);
		if (!chunk) {
			chunk = kzalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NORETRY |
					__GFP_NOWARN);
			if (!chunk)
				return -ENOMEM;
			old = xa_store(&pgc_pins, idx, chunk, GFP_KERNEL |
				       __GFP_NORETRY | __GFP_NOWARN);
			if (xa_is_err(old)) {
				kfree(chunk);
				return xa_err(old);
			}
		}
		cur->chunk = chunk;
		cur->idx = idx;
	}
	set_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
	return 0;
}

/**
 * pgc_pin_clear() - forget a pinned page; its chunk stays
 * @pfn: the page
 *
 * Context: the lock that pinned it.
 */
void pgc_pin_clear(unsigned long pfn)
{
	struct pgc_pin_chunk *chunk = xa_load(&pgc_pins, pfn / PGC_CHUNK_PAGES);

	if (chunk)
		clear_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
}

/**
 * pgc_pins_count() - count pages pinned or unpinned
 * @page: a page of the zone to count in
 * @delta: pages pinned, negative when unpinned
 *
 * Context: the lock that guards the pins.
 */
void pgc_pins_count(struct page *page, long delta)
{
	unsigned long *slot = &pgc_zone_pinned[page_to_nid(page) * MAX_NR_ZONES +
					       page_zonenum(page)];

	atomic_long_add(delta, &pgc_pinned_total);
	WRITE_ONCE(*slot, *slot + delta);
}

/**
 * pgc_zone_covered_add() - a start covered more of a zone
 * @nid: node id
 * @zidx: zone index
 * @pages: pages taken from the buddy allocator
 *
 * Context: pgc_inject_lock held.
 */
void pgc_zone_covered_add(int nid, int zidx, unsigned long pages)
{
	pgc_zone_covered[nid * MAX_NR_ZONES + zidx] += pages;
}

/* Free the pages of one chunk and the chunk; *@progress counts for the log. */
static unsigned long pgc_free_chunk(unsigned long idx,
				    struct pgc_pin_chunk *chunk,
				    unsigned long *progress)
{
	unsigned long base = idx * PGC_CHUNK_PAGES, bit, freed = 0;
	struct page *page;

	for_each_set_bit(bit, chunk->bits, PGC_CHUNK_PAGES) {
		page = pfn_to_page(base + bit);
		clear_bit(bit, chunk->bits);
		pgc_pins_count(page, -1);
		__free_page(page);
		freed++;
		if (!(++*progress % 1024))
			cond_resched();
		if (!(*progress % (PGC_PROGRESS_MB << (20 - PAGE_SHIFT))))
			pr_info("inject: %lu MiB released so far\n",
				pgc_pages_to_mb(*progress));
	}
	xa_erase(&pgc_pins, idx);
	kfree_rcu(chunk, rcu);
	return freed;
}

/**
 * pgc_pins_free() - give pinned pages back to the buddy allocator
 * @one_chunk: stop after the first chunk that held a page (the OOM path's
 *             share: a chunk maps 127 MiB with 4 KiB pages)
 *
 * When nothing is left pinned, the zones count as not covered again, as
 * after a release.
 *
 * Context: pgc_inject_lock held and not sealed (a seal's pins are in the
 * bitmap too).
 * Return: the pages freed.
 */
unsigned long pgc_pins_free(bool one_chunk)
{
	unsigned long idx, nr, freed = 0, progress = 0;
	struct pgc_pin_chunk *chunk;

	xa_for_each(&pgc_pins, idx, chunk) {
		nr = pgc_free_chunk(idx, chunk, &progress);
		freed += nr;
		if (one_chunk && nr)
			break;
	}
	if (!atomic_long_read(&pgc_pinned_total))
		memset(pgc_zone_covered, 0,
		       nr_node_ids * MAX_NR_ZONES * sizeof(*pgc_zone_covered));
	return freed;
}

/**
 * pgc_pins_held() - is there anything for a release to free
 *
 * Return: true when pages are pinned or chunks are left by pins cleared
 * one by one (a seal's).
 */
bool pgc_pins_held(void)
{
	return atomic_long_read(&pgc_pinned_total) || !xa_empty(&pgc_pins);
}

/**
 * pgc_inject_owns_pfn() - is a page pinned by the injector?
 * @pfn: page frame number
 *
 * Lockless (RCU); the answer is a snapshot that a concurrent start or
 * release may change at once.
 *
 * Return: true when the injector holds @pfn.
 */
bool pgc_inject_owns_pfn(unsigned long pfn)
{
	struct pgc_pin_chunk *chunk;
	bool ret = false;

	if (!atomic_long_read(&pgc_pinned_total))
		return false;
	rcu_read_lock();
	chunk = xa_load(&pgc_pins, pfn / PGC_CHUNK_PAGES);
	if (chunk)
		ret = test_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
	rcu_read_unlock();
	return ret;
}

/**
 * pgc_inject_pages_pinned() - pages the injector holds now
 *
 * Return: the number of pinned pages (a racy snapshot).
 */
unsigned long pgc_inject_pages_pinned(void)
{
	return atomic_long_read(&pgc_pinned_total);
}

/**
 * pgc_inject_zone_pinned() - pages the injector holds in one zone
 * @nid: online node id
 * @zidx: zone index within the node
 *
 * Return: the number of pinned pages in that zone (a racy snapshot); 0 when
 * the injector is disabled.
 */
unsigned long pgc_inject_zone_pinned(int nid, int zidx)
{
	if (!pgc_zone_pinned || nid < 0 || nid >= nr_node_ids ||
	    zidx < 0 || zidx >= MAX_NR_ZONES)
		return 0;
	return READ_ONCE(pgc_zone_pinned[nid * MAX_NR_ZONES + zidx]);
}

/**
 * pgc_pins_show_zones() - status: one line per zone the injector covers
 * @m: the seq_file
 *
 * Context: pgc_inject_lock held.
 */
void pgc_pins_show_zones(struct seq_file *m)
{
	int nid, zidx;
	gfp_t gfp;

	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];
			unsigned long i = nid * MAX_NR_ZONES + zidx;

			if (!populated_zone(zone) || !pgc_zone_covers(zidx, &gfp))
				continue;
			seq_printf(m, "node %d zone %-8s pinned %lu pages, covered %lu pages\n",
				   nid, zone->name, READ_ONCE(pgc_zone_pinned[i]),
				   pgc_zone_covered[i]);
		}
	}
}
