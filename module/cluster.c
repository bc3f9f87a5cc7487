// SPDX-License-Identifier: GPL-2.0
/*
 * One cluster: a physically contiguous, naturally aligned block of 2^order
 * order-0 pages with an extent map (extent.h) in PGCLUSTER_GRANULE units
 * under its own irq-safe spinlock.  Creation, lookup of a pointer's
 * cluster through a global xarray (lockless under RCU), allocation and
 * free inside a cluster, and its retirement.  docs/design.md has the
 * design; pool.h the lock order.
 *
 * Lifetime: a cluster is removed only when wholly free: marked dead under
 * its lock, erased from the xarray and every CPU's current pointer, and
 * freed after an RCU grace period, so a lockless reader that found it
 * earlier sees it dead and touches only the struct.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "pcp_cache.h"
#include "pool.h"
#include "stats.h"

/* pfn >> PGC_CLUSTER_MIN_ORDER -> cluster; clusters never share a slot. */
static DEFINE_XARRAY(pgc_lookup);

static atomic_long_t pgc_pages_held = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_pages_taken = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_pages_returned = ATOMIC_LONG_INIT(0);

/* Under @c's lock, after its map changed. */
static void pgc_cluster_hints(struct pgc_cluster *c)
{
	WRITE_ONCE(c->largest, pgc_extent_largest_free(&c->map));
	WRITE_ONCE(c->free_units, c->map.free_units);
	pgc_index_update(c);
}

/* Give the pages of @c back; counts pages someone else still holds. */
static void pgc_cluster_release_pages(struct pgc_cluster *c)
{
	unsigned long i, n = pgc_cluster_pages(c);
	unsigned long busy = 0;

	for (i = 0; i < n; i++) {
		struct page *page = pfn_to_page(c->pfn + i);

		if (page_ref_count(page) != 1)
			busy++;
		__free_page(page);
	}
	if (busy)
		pr_warn("cluster at pfn %#lx: %lu pages still referenced elsewhere at release\n",
			c->pfn, busy);
	atomic_long_sub(n, &pgc_pages_held);
	atomic_long_add(n, &pgc_pages_returned);
}

static void pgc_lookup_erase(struct pgc_cluster *c, unsigned long nr_slots)
{
	unsigned long first = c->pfn >> PGC_CLUSTER_MIN_ORDER;
	unsigned long i;

	for (i = 0; i < nr_slots; i++)
		xa_erase(&pgc_lookup, first + i);
}

/**
 * pgc_cluster_retire() - finish removing a dead cluster
 * @c: the cluster, marked dead and off its node's list (or never listed)
 * @nr_slots: its lookup slots stored so far
 *
 * No new user can find @c once it is out of the xarray and the per-CPU
 * pointers; RCU readers that found it earlier see it dead and only touch
 * the struct, which is freed after a grace period.
 */
void pgc_cluster_retire(struct pgc_cluster *c, unsigned long nr_slots)
{
	struct pgc_node *n = c->node;
	int cpu;

	pgc_lookup_erase(c, nr_slots);
	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(n->cur, cpu), c, NULL);
	pgc_extent_map_destroy(&c->map);
	pgc_cluster_release_pages(c);
	kfree_rcu(c, rcu);
}

static void pgc_cluster_mark_dead(struct pgc_cluster *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->dead = true;
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * pgc_cluster_create() - take a new cluster and make it findable
 * @n: the node it is for
 * @min_order: smallest acceptable order
 * @max_order: largest wanted order
 * @sources: allowed sources, see pgc_source_take()
 * @gfp: the effective mask of whoever the cluster is for
 *
 * The cluster is in the lookup xarray but not yet listed on @n.
 *
 * Return: the cluster, or NULL when no allowed source could supply.
 */
struct pgc_cluster *pgc_cluster_create(struct pgc_node *n,
				       unsigned int min_order,
				       unsigned int max_order,
				       unsigned long sources, gfp_t gfp)
{
	gfp_t meta = pgc_meta_gfp(gfp);
	const struct pgc_source *src;
	unsigned long first, i, slots;
	struct pgc_extent *enode;
	struct pgc_cluster *c;
	struct page *page;
	unsigned int order;

	if (min_order > max_order || max_order > PGC_CLUSTER_MAX_ORDER)
		return NULL;
	c = kzalloc_node(sizeof(*c), meta, n->nid);
	if (!c)
		return NULL;
	enode = pgc_extent_node_new(meta);
	if (!enode)
		goto out_free;
	page = pgc_source_take(sources, n->nid, min_order, max_order, gfp,
			       &order, &src);
	if (!page)
		goto out_node;

	spin_lock_init(&c->lock);
	c->order = order;
	c->source = src;
	c->zone = page_zonenum(page);
	c->nid = n->nid;
	c->node = n;
	c->pfn = page_to_pfn(page);
	c->base = page_address(page);
	pgc_extent_map_init(&c->map, (PAGE_SIZE << order) >> PGC_UNIT_SHIFT,
			    enode);
	pgc_cluster_hints(c);
	atomic_long_add(1UL << order, &pgc_pages_held);
	atomic_long_add(1UL << order, &pgc_pages_taken);
	first = c->pfn >> PGC_CLUSTER_MIN_ORDER;
	slots = pgc_cluster_slots(c);
	for (i = 0; i < slots; i++) {
		if (xa_err(xa_store(&pgc_lookup, first + i, c, meta))) {
			/* Earlier slots were visible to lockless lookups. */
			pgc_cluster_mark_dead(c);
			pgc_cluster_retire(c, i);
			return NULL;
		}
	}
	atomic_long_inc(src->clusters);
	return c;

out_node:
	pgc_extent_node_put(enode);
out_free:
	kfree(c);
	return NULL;
}

/**
 * pgc_cluster_take() - allocate inside one cluster
 * @c: the cluster, its lock held
 * @units: granules wanted
 * @spare: an extent node the map may consume
 *
 * Return: the allocation, or NULL when @c is dead or has no room.
 */
void *pgc_cluster_take(struct pgc_cluster *c, u32 units,
		       struct pgc_extent **spare)
{
	long start;

	lockdep_assert_held(&c->lock);
	if (c->dead)
		return NULL;
	start = pgc_extent_alloc(&c->map, units, spare);
	if (start < 0)
		return NULL;
	pgc_cluster_hints(c);
	if (c->counted)
		pgc_units_add(c->node, -(s64)units);
	return c->base + ((unsigned long)start << PGC_UNIT_SHIFT);
}

/**
 * pgc_cluster_destroy() - free a cluster at unload, live allocations or not
 * @c: a cluster no other CPU can reach any more
 */
void pgc_cluster_destroy(struct pgc_cluster *c)
{
	pgc_lookup_erase(c, pgc_cluster_slots(c));
	pgc_extent_map_destroy(&c->map);
	pgc_cluster_release_pages(c);
	kfree(c);
}

/* Under rcu_read_lock(): the cluster holding @ptr and @ptr's offset in it. */
static struct pgc_cluster *pgc_lookup_ptr(const void *ptr,
					  unsigned long *offset)
{
	struct pgc_cluster *c;
	unsigned long off;

	if (!virt_addr_valid(ptr))
		return NULL;
	c = xa_load(&pgc_lookup, PHYS_PFN(__pa(ptr)) >> PGC_CLUSTER_MIN_ORDER);
	if (!c)
		return NULL;
	off = (unsigned long)ptr - (unsigned long)c->base;
	if (off >= (PAGE_SIZE << c->order))
		return NULL;
	*offset = off;
	return c;
}

/*
 * Free the allocation at unit @start of @c, or stash it in this CPU's cache.
 * A tagged (cached) extent is a live allocation only while the CPU of its
 * tag has it handed out; otherwise it is free and this is a double free.
 * Returns its units, or -ENOENT.
 */
static long pgc_cluster_free_locked(struct pgc_cluster *c, void *ptr,
				    u32 start, struct pgc_pcp_batch *evicted)
{
	long units;
	u16 tag;

	units = pgc_extent_tag(&c->map, start, &tag);
	if (units <= 0)
		return -ENOENT;
	if (tag) {
		if (!pgc_pcp_handed_out(tag, ptr, true))
			return -ENOENT;
	} else {
		tag = pgc_pcp_stash(c, ptr, units, evicted);
		if (tag) {
			pgc_extent_set_tag(&c->map, start, tag);
			return units;
		}
	}
	pgc_extent_free(&c->map, start);
	pgc_cluster_hints(c);
	if (c->counted)
		pgc_units_add(c->node, units);
	return units;
}

/* Units of the live allocation at unit @start of @c, or -ENOENT. */
static long pgc_cluster_size_locked(struct pgc_cluster *c, const void *ptr,
				    u32 start)
{
	long units;
	u16 tag;

	units = pgc_extent_tag(&c->map, start, &tag);
	if (units > 0 && tag && !pgc_pcp_handed_out(tag, ptr, false))
		return -ENOENT;
	return units;
}

/*
 * Find the live allocation starting at @ptr and, under its cluster's lock,
 * free it (@free) or only measure it.  Returns its units, or -ENOENT.
 */
static long pgc_cluster_find(const void *ptr, bool free)
{
	struct pgc_pcp_batch evicted = { .nr = 0 };
	struct pgc_cluster *c;
	unsigned long flags, off;
	long units = -ENOENT;

	rcu_read_lock();
	c = pgc_lookup_ptr(ptr, &off);
	if (c && !(off & (PGCLUSTER_GRANULE - 1))) {
		spin_lock_irqsave(&c->lock, flags);
		if (!c->dead && free)
			units = pgc_cluster_free_locked(c, (void *)ptr,
							off >> PGC_UNIT_SHIFT,
							&evicted);
		else if (!c->dead)
			units = pgc_cluster_size_locked(c, ptr,
							off >> PGC_UNIT_SHIFT);
		spin_unlock_irqrestore(&c->lock, flags);
	}
	rcu_read_unlock();
	pgc_pcp_release(&evicted);
	return units;
}

/**
 * pgc_cluster_release_cached() - free a cached extent in its cluster
 * @e: the extent, taken off a stack or out of a token table by the caller
 *
 * Cached extents count as allocated in the node's free_units until here.
 *
 * Context: any context; no cluster lock held.
 */
void pgc_cluster_release_cached(const struct pgc_pcp_entry *e)
{
	struct pgc_cluster *c;
	unsigned long flags, off;
	long units = -ENOENT;
	u16 tag = 0;

	rcu_read_lock();
	c = pgc_lookup_ptr(e->ptr, &off);
	if (c) {
		spin_lock_irqsave(&c->lock, flags);
		if (!c->dead)
			units = pgc_extent_tag(&c->map, off >> PGC_UNIT_SHIFT,
					       &tag);
		if (units > 0 && tag) {
			pgc_extent_free(&c->map, off >> PGC_UNIT_SHIFT);
			pgc_cluster_hints(c);
			if (c->counted)
				pgc_units_add(c->node, units);
		}
		spin_unlock_irqrestore(&c->lock, flags);
	}
	rcu_read_unlock();
	WARN_ONCE(units <= 0 || !tag, "cached extent %p not found\n", e->ptr);
}

/**
 * pgc_cluster_free() - free an allocation from pgc_cluster_alloc()
 * @ptr: the pointer the allocation returned
 *
 * Context: any context, including hard interrupts.
 * Return: true when @ptr was a live allocation and is now free; false (and
 * nothing changed) for any other pointer.
 */
bool pgc_cluster_free(const void *ptr)
{
	long units;
	u32 fast;

	if (pgc_pcp_free(ptr, &fast)) {
		units = fast;
	} else {
		units = pgc_cluster_find(ptr, true);
		if (units <= 0)
			return false;
	}
	pgc_stat_inc(PGC_STAT_FREES);
	pgc_stat_add(PGC_STAT_BYTES_FREED, (u64)units << PGC_UNIT_SHIFT);
	return true;
}

/**
 * pgc_cluster_size() - usable size of a live allocation
 * @ptr: the pointer the allocation returned
 *
 * Context: any context.
 * Return: usable bytes (the request rounded up to the granule), or 0 when
 * @ptr is not the start of a live allocation.
 */
size_t pgc_cluster_size(const void *ptr)
{
	long units = pgc_cluster_find(ptr, false);

	return units > 0 ? (size_t)units << PGC_UNIT_SHIFT : 0;
}

/**
 * pgc_pool_owns_pfn() - does a page belong to a cluster of the pool
 * @pfn: page frame number
 *
 * Lockless; the answer may be stale by the time the caller looks at it.
 *
 * Context: any context.
 * Return: true when @pfn lies in a cluster of the pool.
 */
bool pgc_pool_owns_pfn(unsigned long pfn)
{
	return !!xa_load(&pgc_lookup, pfn >> PGC_CLUSTER_MIN_ORDER);
}

/**
 * pgc_pool_pages_held() - pages the pool holds from the buddy allocator
 *
 * Context: any context.
 * Return: the number of pages in all clusters.
 */
unsigned long pgc_pool_pages_held(void)
{
	return atomic_long_read(&pgc_pages_held);
}

/**
 * pgc_cluster_exit() - check at unload that every cluster went back
 *
 * Context: process context, after every node is destroyed.
 */
void pgc_cluster_exit(void)
{
	if (!xa_empty(&pgc_lookup))
		pr_err("cluster lookup not empty at unload\n");
	xa_destroy(&pgc_lookup);
	if (atomic_long_read(&pgc_pages_held) ||
	    atomic_long_read(&pgc_pages_taken) !=
	    atomic_long_read(&pgc_pages_returned))
		pr_err("pool page accounting does not balance: held %ld, taken %ld, returned %ld\n",
		       atomic_long_read(&pgc_pages_held),
		       atomic_long_read(&pgc_pages_taken),
		       atomic_long_read(&pgc_pages_returned));
}

/**
 * pgc_lookup_nodes() - nodes of the lookup xarray, estimated
 *
 * Return: the estimate, from the indices in use.
 */
unsigned long pgc_lookup_nodes(void)
{
	unsigned long prev[BITS_PER_LONG / XA_CHUNK_SHIFT + 1];
	unsigned long nodes = 0, index, max = 0;
	unsigned int lvl, levels = ARRAY_SIZE(prev);
	void *entry;

	memset(prev, 0xff, sizeof(prev));
	xa_for_each(&pgc_lookup, index, entry) {
		max = index;
		for (lvl = 1; lvl < levels; lvl++) {
			unsigned long key = index >> (lvl * XA_CHUNK_SHIFT);

			if (key == prev[lvl])
				break;
			prev[lvl] = key;
			nodes++;
			if (!key)
				break;
		}
	}
	return max ? nodes : 0;
}

