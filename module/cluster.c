// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster pool: physically contiguous allocations of any size.
 *
 * Clusters.  A cluster is a physically contiguous, naturally aligned block
 * of 2^order pages, order PGC_CLUSTER_MIN_ORDER (6, 256 KiB with 4 KiB pages)
 * to PGC_CLUSTER_MAX_ORDER (9, 2 MiB).  Right after allocation the block is
 * split with split_page(), so every page of the pool is an ordinary order-0
 * page with its own reference count: a driver may get_page()/put_page(),
 * vm_insert_page() or hand any page of an allocation to an skb, as it would
 * with alloc_pages() memory.  A cluster goes back page by page with
 * __free_page(); a page a driver still holds a reference on is then freed by
 * the driver's last put_page() (reported at release).  Both refill sources
 * yield such pages: alloc_pages_node() + split_page(), and on kernels that
 * export it alloc_contig_pages(), which already returns order-0 pages.
 *
 * Placement.  Each cluster has an extent map (extent.h) in PGCLUSTER_GRANULE
 * units and its own spinlock, taken irqsave because frees may come from hard
 * interrupts.  Allocation is address-ordered first fit inside a cluster,
 * O(log n) in the number of extents; free coalesces, O(log n).  Metadata is
 * outside the clusters.
 *
 * Per node.  Every node with memory has a struct pgc_node: the list of its
 * clusters (RCU list, changed under the node spinlock), a per-CPU "current
 * cluster" pointer, a grow mutex and a refill work item.  The fast path
 * reads this CPU's current cluster for the wanted node under RCU and takes
 * only that cluster's lock.  When it cannot serve the request, the slow path
 * walks the node's cluster list under RCU (first fit over clusters in list
 * order, skipping clusters whose cached largest free run is too short, so
 * this walk is O(clusters) word reads plus one locked attempt per likely
 * candidate) and makes the cluster that served it the CPU's current one.  No
 * node-wide lock is taken on allocation or free, except when a CPU's batch
 * of the node's free-units count (a percpu_counter, read by the O(1) refill
 * check) spills.  Node order: the requested
 * node (the local memory node for NUMA_NO_NODE), then the other nodes by
 * distance; __GFP_THISNODE restricts to the requested node.
 *
 * Lookup.  A global xarray maps pfn >> PGC_CLUSTER_MIN_ORDER to the cluster;
 * a cluster of order o fills 2^(o - 6) slots (clusters are aligned to their
 * size, so slots never overlap).  Lookup is lockless under RCU; a removed
 * cluster is marked dead under its lock, erased from the xarray, dropped
 * from every CPU's current pointer and freed after a grace period.  Only
 * wholly free clusters are removed, so a live allocation's cluster never
 * dies under a free.  A pointer that is not the start of a live allocation
 * (foreign, unaligned, interior, double free) is refused by the lookup or by
 * the extent map (-ENOENT) and nothing changes.
 *
 * Growth.  At load each node takes pool_mb MiB (at most a quarter of the
 * node) with GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN,
 * largest order first, stepping down to the minimum order when large blocks
 * are scarce.  That amount is the node's reserve.  A sleeping allocation
 * that nothing fits grows the pool synchronously by one cluster big enough
 * for the request, with the caller's reclaim and zone bits (pgc_take_gfp()),
 * and takes its allocation before the cluster is listed.  Unrestricted
 * callers grow under the node's grow mutex; a caller without __GFP_IO or
 * __GFP_FS, or in reclaim (PF_MEMALLOC), never waits for it (its holder may
 * be in FS/IO reclaim) and never migrates: it grows alone from the buddy
 * allocator, at most PGC_RESTRICTED_GROWERS at a time per node.  A
 * non-sleeping allocation is served from the pool only.  When a node's
 * free space drops below its low watermark (reserve / 4, at least one
 * minimum-order cluster) a worker adds clusters until free space reaches
 * twice that or no source can supply.  Refill sources, in order:
 *   - all kernels: buddy allocator, orders 9 down to 6, never retrying hard;
 *   - kernels where compat.h sets PGC_HAVE_ALLOC_CONTIG (7.2 and later, with
 *     CONFIG_CONTIG_ALLOC; 6.1 does not export alloc_contig_pages()): a
 *     2 MiB cluster built by migrating movable pages out of a range with
 *     alloc_contig_pages(), when no free block of any cluster order exists.
 *
 * Shrinking.  A shrinker counts wholly free clusters above the reserve and,
 * under memory pressure (or drop_caches), returns them, newest first, never
 * taking a node below its reserve.  The refill worker does not grow a node
 * above its reserve for a second after a shrink, so the two do not
 * ping-pong.  Unload returns every cluster, reporting live allocations that
 * leaked and checking that the pool's page accounting balances.
 *
 * Testing.  debugfs pool_grow takes "buddy N" or "contig N" and adds one
 * cluster to node N from that source at once (see pgc_grow_write()).
 *
 * Lock order: grow_mutex -> (reclaim) ; pgc_node.lock -> pgc_cluster.lock
 * (irqsave) -> the free_units percpu_counter's lock.  pgc_node.lock is never
 * taken in interrupt context.
 *
 * Counters.  Hot counters (allocs, frees, failures, bytes) are per-CPU; the
 * rare ones (refills, shrinks) atomic.  bytes_requested and bytes_allocated
 * are cumulative (waste = 1 - requested / allocated); bytes_held is the
 * granule-rounded size of the live allocations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"
#include "extent.h"

/* Largest and smallest cluster, as buddy orders. */
#define PGC_CLUSTER_MAX_ORDER	(MAX_PAGE_ORDER < 9 ? MAX_PAGE_ORDER : 9)
#define PGC_CLUSTER_MIN_ORDER	(PGC_CLUSTER_MAX_ORDER < 6 ? \
				 PGC_CLUSTER_MAX_ORDER : 6)
#define PGC_UNIT_SHIFT		ilog2(PGCLUSTER_GRANULE)

struct pgc_node;

struct pgc_cluster {
	spinlock_t lock;		/* map, dead */
	struct pgc_extent_map map;
	bool dead;			/* removed: refuse everything */
	bool counted;			/* in its node's free_units */
	bool contig;			/* from alloc_contig_pages() */
	u8 order;
	u8 zone;			/* zone of its pages (one block) */
	int nid;
	/* Hints for lockless readers, written under @lock. */
	u32 largest;			/* longest free run, units */
	u32 free_units;
	void *base;			/* linear-map address of the first page */
	unsigned long pfn;		/* first pfn */
	struct pgc_node *node;
	struct list_head link;		/* pgc_node.clusters, RCU */
	struct rcu_head rcu;
};

struct pgc_node {
	int nid;
	spinlock_t lock;		/* clusters list, pages, nr_clusters */
	struct list_head clusters;
	unsigned long pages;		/* pages held by this node's clusters */
	struct percpu_counter free_units; /* free units of listed clusters */
	s32 units_batch;		/* free_units batch: error < low / 2 */
	atomic_t restricted_growers;	/* growing without grow_mutex */
	unsigned int nr_clusters;
	unsigned long reserve;		/* pages the shrinker leaves alone */
	unsigned long low;		/* refill below this many free pages */
	unsigned long last_shrink;	/* jiffies */
	struct mutex grow_mutex;	/* one unrestricted grower at a time */
	struct work_struct refill_work;
	struct pgc_cluster * __percpu *cur;	/* this CPU's current cluster */
	int *fallback;			/* other nodes by distance, -1 ends */
};

struct pgc_pcpu_stats {
	u64 allocs;
	u64 frees;
	u64 failures;
	u64 bytes_requested;
	u64 bytes_allocated;
	u64 bytes_freed;
};

static DEFINE_PER_CPU(struct pgc_pcpu_stats, pgc_stats);
/* A spare extent node per CPU, for when node memory is short. */
static DEFINE_PER_CPU(struct pgc_extent *, pgc_spare);

static DEFINE_XARRAY(pgc_lookup);
/* Refill sources for pgc_cluster_create(). */
#define PGC_SRC_BUDDY		0x1
#define PGC_SRC_CONTIG		0x2
#define PGC_SRC_ANY		(PGC_SRC_BUDDY | PGC_SRC_CONTIG)
/* Restricted callers growing a node at once, besides the mutex holder. */
#define PGC_RESTRICTED_GROWERS	2

static struct pgc_node **pgc_nodes;	/* nr_node_ids entries */
static struct workqueue_struct *pgc_wq;
static struct shrinker *pgc_shrinker;
static bool pgc_dying;

static atomic_long_t pgc_pages_held = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_pages_taken = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_pages_returned = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_nr_clusters = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_refills = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_refill_contig = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_grow_sync = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_shrinks = ATOMIC_LONG_INIT(0);

/*
 * Test knob (debugfs grow_stall_ms): the next unrestricted grower sleeps
 * this long, at most PGC_GROW_STALL_MAX ms, holding the grow mutex, as if
 * it were stuck in FS/IO reclaim; the knob then reads 0 again.  Restricted
 * callers must not wait for it.
 */
static u32 pgc_grow_stall_ms;
static atomic_long_t pgc_grow_stalls = ATOMIC_LONG_INIT(0);
#define PGC_GROW_STALL_MAX	60000

static void pgc_grow_stall(void)
{
	u32 ms = xchg(&pgc_grow_stall_ms, 0);	/* one grower only */

	if (!ms)
		return;
	atomic_long_inc(&pgc_grow_stalls);
	msleep_interruptible(min_t(u32, ms, PGC_GROW_STALL_MAX));
}

static struct pgc_node *pgc_node_of(int nid)
{
	if (nid < 0 || nid >= nr_node_ids || !pgc_nodes)
		return NULL;
	return pgc_nodes[nid];
}

/* ---- extent node supply ------------------------------------------------ */

/*
 * The gfp for metadata allocated on behalf of a caller's (effective) @gfp:
 * the caller's reclaim, retry and reserve policy, nothing added.
 */
static gfp_t pgc_meta_gfp(gfp_t gfp)
{
	return (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH |
		       __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_MEMALLOC |
		       __GFP_NOMEMALLOC)) | __GFP_NOWARN;
}

/*
 * The gfp for a cluster taken from the buddy allocator for @gfp: the
 * caller's reclaim bits and zone, never retrying hard, never dipping into
 * the emergency reserves for a whole cluster, never movable.
 */
static gfp_t pgc_take_gfp(gfp_t gfp)
{
	return (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_DMA |
		       __GFP_DMA32)) |
	       __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN | __GFP_NOMEMALLOC;
}

/*
 * A caller that may not recurse into the filesystem or start I/O must not
 * wait on anything whose holder may (the grow mutex, migration).
 */
static bool pgc_gfp_restricted(gfp_t gfp)
{
	/* Reclaim itself (PF_MEMALLOC) may hold what a grower waits for. */
	return (gfp & (__GFP_IO | __GFP_FS)) != (__GFP_IO | __GFP_FS) ||
	       (current->flags & PF_MEMALLOC);
}

/*
 * alloc_contig_pages() retries hard (it adds __GFP_RETRY_MAYFAIL) and
 * allocates migration targets without __GFP_NOMEMALLOC: not for callers
 * that asked for neither, nor for restricted ones.
 */
static bool pgc_gfp_may_migrate(gfp_t gfp)
{
	return !pgc_gfp_restricted(gfp) && !(gfp & __GFP_NORETRY) &&
	       gfp_zone(gfp) >= ZONE_NORMAL;
}

static struct pgc_extent *pgc_spare_get(gfp_t gfp)
{
	struct pgc_extent *node = pgc_extent_node_new(pgc_meta_gfp(gfp));

	if (!node)
		node = this_cpu_xchg(pgc_spare, NULL);
	return node;
}

/* Park an unused node in this CPU's stash, or top the stash up. */
static void pgc_spare_put(struct pgc_extent *node, gfp_t gfp)
{
	if (!node) {
		if (this_cpu_read(pgc_spare))
			return;
		node = pgc_extent_node_new(pgc_meta_gfp(gfp));
		if (!node)
			return;
	}
	if (this_cpu_cmpxchg(pgc_spare, NULL, node))
		pgc_extent_node_put(node);
}

/* ---- clusters ----------------------------------------------------------- */

static unsigned long pgc_cluster_pages(const struct pgc_cluster *c)
{
	return 1UL << c->order;
}

static void pgc_cluster_hints(struct pgc_cluster *c)
{
	WRITE_ONCE(c->largest, pgc_extent_largest_free(&c->map));
	WRITE_ONCE(c->free_units, c->map.free_units);
}

#if PGC_HAVE_ALLOC_CONTIG
static struct page *pgc_alloc_contig(int nid, gfp_t gfp)
{
	/* Only reclaim and a few action bits are accepted here. */
	return alloc_contig_pages(1UL << PGC_CLUSTER_MAX_ORDER,
				  (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS |
					  __GFP_RETRY_MAYFAIL)) |
				  __GFP_THISNODE | __GFP_NOWARN, nid, NULL);
}
#else
static struct page *pgc_alloc_contig(int nid, gfp_t gfp)
{
	return NULL;
}
#endif

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
	atomic_long_dec(&pgc_nr_clusters);
}

static void pgc_lookup_erase(struct pgc_cluster *c, unsigned long nr_slots)
{
	unsigned long first = c->pfn >> PGC_CLUSTER_MIN_ORDER;
	unsigned long i;

	for (i = 0; i < nr_slots; i++)
		xa_erase(&pgc_lookup, first + i);
}

/*
 * Finish removing @c, already marked dead and off the node list (or never
 * listed): no new user can find it once it is out of the xarray and the
 * per-CPU pointers; RCU readers that found it earlier see it dead and only
 * touch the struct, which is freed after a grace period.
 */
static void pgc_cluster_retire(struct pgc_cluster *c, unsigned long nr_slots)
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

/*
 * Take one cluster of order @max_order down to @min_order for @n from the
 * buddy allocator or, when it has none (or @sources says so), a
 * largest-order cluster by migration, and make it findable, not yet
 * listed.  @gfp: the effective mask of whoever the cluster is for; its
 * reclaim, retry and zone bits are kept (see pgc_take_gfp()).
 */
static struct pgc_cluster *pgc_cluster_create(struct pgc_node *n,
					      unsigned int min_order,
					      unsigned int max_order,
					      unsigned int sources,
					      gfp_t gfp, bool *contig)
{
	gfp_t meta = pgc_meta_gfp(gfp);
	unsigned long first, i, slots;
	struct pgc_extent *enode;
	struct pgc_cluster *c;
	struct page *page = NULL;
	int order;

	*contig = false;
	if (min_order > max_order || max_order > PGC_CLUSTER_MAX_ORDER)
		return NULL;
	c = kzalloc_node(sizeof(*c), meta, n->nid);
	if (!c)
		return NULL;
	enode = pgc_extent_node_new(meta);
	if (!enode)
		goto out_free;

	for (order = max_order; order >= (int)min_order; order--) {
		if (!(sources & PGC_SRC_BUDDY))
			break;
		page = alloc_pages_node(n->nid, pgc_take_gfp(gfp), order);
		if (page)
			break;
	}
	if (page) {
		split_page(page, order);
	} else {
		/* Migration waits on page locks and writeback. */
		if (!(sources & PGC_SRC_CONTIG) || !pgc_gfp_may_migrate(gfp))
			goto out_node;
		page = pgc_alloc_contig(n->nid, gfp);
		if (!page)
			goto out_node;
		order = PGC_CLUSTER_MAX_ORDER;
		*contig = true;
	}

	spin_lock_init(&c->lock);
	c->order = order;
	c->contig = *contig;
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
	atomic_long_inc(&pgc_nr_clusters);

	first = c->pfn >> PGC_CLUSTER_MIN_ORDER;
	slots = 1UL << (order - PGC_CLUSTER_MIN_ORDER);
	for (i = 0; i < slots; i++) {
		if (xa_err(xa_store(&pgc_lookup, first + i, c, meta))) {
			/* Earlier slots were visible to lockless lookups. */
			pgc_cluster_mark_dead(c);
			pgc_cluster_retire(c, i);
			return NULL;
		}
	}
	return c;

out_node:
	pgc_extent_node_put(enode);
out_free:
	kfree(c);
	return NULL;
}

static void pgc_units_add(struct pgc_node *n, s64 units)
{
	percpu_counter_add_batch(&n->free_units, units, n->units_batch);
}

/*
 * List @c on @n.  Its free units join the node's count under its lock, so
 * takes and frees racing with the publication are counted exactly once.
 */
static void pgc_cluster_publish(struct pgc_node *n, struct pgc_cluster *c)
{
	unsigned long flags;

	spin_lock(&n->lock);
	spin_lock_irqsave(&c->lock, flags);
	c->counted = true;
	pgc_units_add(n, c->map.free_units);
	spin_unlock_irqrestore(&c->lock, flags);
	list_add_tail_rcu(&c->link, &n->clusters);
	WRITE_ONCE(n->pages, n->pages + pgc_cluster_pages(c));
	WRITE_ONCE(n->nr_clusters, n->nr_clusters + 1);
	spin_unlock(&n->lock);
}

/* ---- allocation ----------------------------------------------------------- */

/* A cluster may serve @zone when its pages lie in that zone or below. */
static bool pgc_cluster_fits(const struct pgc_cluster *c, u32 units,
			     enum zone_type zone)
{
	return READ_ONCE(c->largest) >= units && c->zone <= zone;
}

/* Allocate @units from @c under its lock; NULL when it cannot. */
static void *pgc_cluster_take(struct pgc_cluster *c, u32 units,
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

/* Try @c; on success make it this CPU's current cluster of its node. */
static void *pgc_cluster_try(struct pgc_cluster *c, u32 units,
			     struct pgc_extent **spare)
{
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&c->lock, flags);
	p = pgc_cluster_take(c, units, spare);
	/* Under the lock: a remover marks it dead, then clears the pointers. */
	if (p && this_cpu_read(*c->node->cur) != c)
		this_cpu_write(*c->node->cur, c);
	spin_unlock_irqrestore(&c->lock, flags);
	return p;
}

/* Free pages of @n's listed clusters, approximately; O(1). */
static unsigned long pgc_node_free_pages(struct pgc_node *n)
{
	return percpu_counter_read_positive(&n->free_units) >>
	       (PAGE_SHIFT - PGC_UNIT_SHIFT);
}

static void pgc_refill_kick(struct pgc_node *n)
{
	if (n->low && !READ_ONCE(pgc_dying) &&
	    pgc_node_free_pages(n) < n->low)
		queue_work(pgc_wq, &n->refill_work);
}

/* Fast path (this CPU's cluster), then first fit over the node's list. */
static void *pgc_node_alloc(struct pgc_node *n, u32 units,
			    enum zone_type zone, struct pgc_extent **spare)
{
	struct pgc_cluster *c, *cur;
	void *p = NULL;

	rcu_read_lock();
	cur = this_cpu_read(*n->cur);
	if (cur && pgc_cluster_fits(cur, units, zone)) {
		p = pgc_cluster_try(cur, units, spare);
		if (p)
			goto out;
	}
	list_for_each_entry_rcu(c, &n->clusters, link) {
		if (c == cur || !pgc_cluster_fits(c, units, zone))
			continue;
		p = pgc_cluster_try(c, units, spare);
		if (p)
			break;
	}
	rcu_read_unlock();
	/* Left the fast path: see whether the node runs low. */
	pgc_refill_kick(n);
	return p;
out:
	rcu_read_unlock();
	return p;
}

/*
 * Grow @n by one cluster big enough for @units and allocate from it before
 * it is listed, so the shrinker (which takes only wholly free, listed
 * clusters) cannot retire it under us.  An unrestricted caller grows under
 * the node's grow mutex, so concurrent growers do not each add a cluster.
 * A caller without __GFP_IO or __GFP_FS never waits for that mutex: its
 * holder may be deep in FS/IO reclaim, waiting on the caller's own I/O.  It
 * grows on its own, from the buddy allocator only, with its own mask.
 */
static void *pgc_node_grow_alloc(struct pgc_node *n, u32 units, gfp_t gfp,
				 struct pgc_extent **spare)
{
	unsigned int order = get_order((size_t)units << PGC_UNIT_SHIFT);
	bool restricted = pgc_gfp_restricted(gfp);
	enum zone_type zone = gfp_zone(gfp);
	unsigned int sources = PGC_SRC_ANY;	/* migration: unrestricted */
	struct pgc_cluster *c;
	unsigned long flags;
	bool contig;
	void *p;

	order = max_t(unsigned int, order, PGC_CLUSTER_MIN_ORDER);
	if (!restricted) {
		mutex_lock(&n->grow_mutex);
		pgc_grow_stall();
	} else if (mutex_trylock(&n->grow_mutex)) {
		restricted = false;	/* holds the mutex, no stall */
		sources = PGC_SRC_BUDDY;
	} else {
		sources = PGC_SRC_BUDDY;
		/* Bound the clusters added by concurrent restricted growers. */
		if (atomic_inc_return(&n->restricted_growers) >
		    PGC_RESTRICTED_GROWERS) {
			atomic_dec(&n->restricted_growers);
			return pgc_node_alloc(n, units, zone, spare);
		}
	}
	/* Someone may have grown the node meanwhile. */
	p = pgc_node_alloc(n, units, zone, spare);
	if (!p) {
		c = pgc_cluster_create(n, order, PGC_CLUSTER_MAX_ORDER,
				       sources, gfp, &contig);
		if (c) {
			spin_lock_irqsave(&c->lock, flags);
			p = pgc_cluster_take(c, units, spare);
			spin_unlock_irqrestore(&c->lock, flags);
			pgc_cluster_publish(n, c);
			atomic_long_inc(&pgc_grow_sync);
			if (contig)
				atomic_long_inc(&pgc_refill_contig);
		}
	}
	if (restricted)
		atomic_dec(&n->restricted_growers);
	else
		mutex_unlock(&n->grow_mutex);
	return p;
}

/* The nodes to try for @nid: @nid itself, then by distance. */
static int pgc_nth_node(struct pgc_node *pref, int i)
{
	if (i == 0)
		return pref->nid;
	return pref->fallback[i - 1];
}

/**
 * pgc_cluster_alloc() - allocate physically contiguous memory from the pool
 * @size: bytes, 1 to %PGCLUSTER_MAX_SIZE (rounded up to the granule)
 * @gfp: the caller's effective mask (current_gfp_context() applied); a
 *	sleeping mask may grow the pool synchronously, a non-sleeping one is
 *	served from the pool only.  __GFP_ZERO (or init_on_alloc=1) zeroes the
 *	usable size; __GFP_THISNODE keeps to @node; a zone modifier (GFP_DMA,
 *	GFP_DMA32) limits the result to clusters in that zone or below.
 * @node: preferred node or %NUMA_NO_NODE (local memory node)
 *
 * Context: any context for a non-sleeping @gfp, process context otherwise.
 * Return: %PGCLUSTER_GRANULE aligned memory in the linear map, or NULL.
 */
void *pgc_cluster_alloc(size_t size, gfp_t gfp, int node)
{
	bool blocking = gfpflags_allow_blocking(gfp);
	enum zone_type zone = gfp_zone(gfp);
	struct pgc_extent *spare;
	struct pgc_node *pref, *n;
	void *p = NULL;
	u32 units;
	int i, nid;

	if (!size || size > PGCLUSTER_MAX_SIZE)
		goto fail;
	if (blocking)
		might_sleep();
	units = DIV_ROUND_UP(size, PGCLUSTER_GRANULE);

	pref = pgc_node_of(node == NUMA_NO_NODE ? numa_mem_id() : node);
	if (!pref && (node == NUMA_NO_NODE || !(gfp & __GFP_THISNODE)))
		pref = pgc_node_of(first_memory_node);
	if (!pref)
		goto fail;

	spare = pgc_spare_get(gfp);
	for (i = 0; (nid = pgc_nth_node(pref, i)) >= 0; i++) {
		n = pgc_node_of(nid);
		if (n)
			p = pgc_node_alloc(n, units, zone, &spare);
		if (p || (gfp & __GFP_THISNODE))
			break;
	}
	for (i = 0; !p && blocking && (nid = pgc_nth_node(pref, i)) >= 0;
	     i++) {
		n = pgc_node_of(nid);
		if (n)
			p = pgc_node_grow_alloc(n, units, gfp, &spare);
		if (gfp & __GFP_THISNODE)
			break;
	}
	pgc_spare_put(spare, gfp);
	if (!p)
		goto fail;

	this_cpu_inc(pgc_stats.allocs);
	this_cpu_add(pgc_stats.bytes_requested, size);
	this_cpu_add(pgc_stats.bytes_allocated, (u64)units << PGC_UNIT_SHIFT);
	/* __GFP_ZERO, or init_on_alloc=1 as kmalloc() honours it. */
	if (want_init_on_alloc(gfp))
		memset(p, 0, (size_t)units << PGC_UNIT_SHIFT);
	return p;

fail:
	this_cpu_inc(pgc_stats.failures);
	return NULL;
}

/* ---- free and lookup ------------------------------------------------------ */

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
 * Find the live allocation starting at @ptr and, under its cluster's lock,
 * free it (@free) or only measure it.  Returns its units, or -ENOENT.
 */
static long pgc_cluster_find(const void *ptr, bool free)
{
	struct pgc_cluster *c;
	unsigned long flags, off;
	long units = -ENOENT;

	rcu_read_lock();
	c = pgc_lookup_ptr(ptr, &off);
	if (c && !(off & (PGCLUSTER_GRANULE - 1))) {
		spin_lock_irqsave(&c->lock, flags);
		if (!c->dead && free) {
			units = pgc_extent_free(&c->map, off >> PGC_UNIT_SHIFT);
			if (units > 0) {
				pgc_cluster_hints(c);
				if (c->counted)
					pgc_units_add(c->node, units);
			}
		} else if (!c->dead) {
			units = pgc_extent_size(&c->map, off >> PGC_UNIT_SHIFT);
		}
		spin_unlock_irqrestore(&c->lock, flags);
	}
	rcu_read_unlock();
	return units;
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
	long units = pgc_cluster_find(ptr, true);

	if (units <= 0)
		return false;
	this_cpu_inc(pgc_stats.frees);
	this_cpu_add(pgc_stats.bytes_freed, (u64)units << PGC_UNIT_SHIFT);
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

/* ---- refill and shrink ------------------------------------------------- */

static void pgc_refill_fn(struct work_struct *work)
{
	struct pgc_node *n = container_of(work, struct pgc_node, refill_work);
	struct pgc_cluster *c;
	bool contig;

	mutex_lock(&n->grow_mutex);
	pgc_grow_stall();
	while (!READ_ONCE(pgc_dying) &&
	       (percpu_counter_sum_positive(&n->free_units) >>
		(PAGE_SHIFT - PGC_UNIT_SHIFT)) < 2 * n->low) {
		/* Just shrunk under pressure: do not grow past the reserve. */
		if (READ_ONCE(n->pages) >= n->reserve &&
		    time_before(jiffies, READ_ONCE(n->last_shrink) + HZ))
			break;
		c = pgc_cluster_create(n, PGC_CLUSTER_MIN_ORDER,
				       PGC_CLUSTER_MAX_ORDER, PGC_SRC_ANY,
				       GFP_KERNEL, &contig);
		if (!c)
			break;
		pgc_cluster_publish(n, c);
		atomic_long_inc(&pgc_refills);
		if (contig)
			atomic_long_inc(&pgc_refill_contig);
		cond_resched();
	}
	mutex_unlock(&n->grow_mutex);
}

/*
 * debugfs pool_grow (write-only): "buddy N" or "contig N" adds one cluster
 * to node N from that source now, so tests can exercise each refill source
 * on demand.  Bad input: -EINVAL; contig where the kernel does not export
 * it: -EOPNOTSUPP; the source has nothing: -ENOMEM.  Nothing changes then.
 */
static ssize_t pgc_grow_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct pgc_cluster *c;
	struct pgc_node *n;
	unsigned int src;
	char buf[32], name[8];
	bool contig;
	int nid;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%7s %d", name, &nid) != 2)
		return -EINVAL;
	if (!strcmp(name, "buddy"))
		src = PGC_SRC_BUDDY;
	else if (!strcmp(name, "contig"))
		src = PGC_SRC_CONTIG;
	else
		return -EINVAL;
	n = pgc_node_of(nid);
	if (!n)
		return -EINVAL;
	if (src == PGC_SRC_CONTIG && !PGC_HAVE_ALLOC_CONTIG)
		return -EOPNOTSUPP;

	mutex_lock(&n->grow_mutex);
	pgc_grow_stall();
	c = pgc_cluster_create(n, PGC_CLUSTER_MIN_ORDER, PGC_CLUSTER_MAX_ORDER,
			       src, GFP_KERNEL, &contig);
	if (c) {
		pgc_cluster_publish(n, c);
		atomic_long_inc(&pgc_refills);
		if (contig)
			atomic_long_inc(&pgc_refill_contig);
	}
	mutex_unlock(&n->grow_mutex);
	return c ? len : -ENOMEM;
}

static const struct file_operations pgc_grow_fops = {
	.owner = THIS_MODULE,
	.write = pgc_grow_write,
	.llseek = noop_llseek,
};

static bool pgc_cluster_is_free(const struct pgc_cluster *c)
{
	return READ_ONCE(c->free_units) == c->map.nr_units;
}

static unsigned long pgc_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long count = 0;
	struct pgc_cluster *c;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);
		unsigned long pages, free = 0;

		if (!n)
			continue;
		pages = READ_ONCE(n->pages);
		if (pages <= n->reserve)
			continue;
		rcu_read_lock();
		list_for_each_entry_rcu(c, &n->clusters, link)
			if (pgc_cluster_is_free(c))
				free += pgc_cluster_pages(c);
		rcu_read_unlock();
		count += min(free, pages - n->reserve);
	}
	return count ? count : SHRINK_EMPTY;
}

/* Unlist one wholly free cluster of @n above the reserve, newest first. */
static struct pgc_cluster *pgc_node_unlist_free(struct pgc_node *n)
{
	struct pgc_cluster *c, *found = NULL;
	unsigned long flags;

	spin_lock(&n->lock);
	list_for_each_entry_reverse(c, &n->clusters, link) {
		if (n->pages - pgc_cluster_pages(c) < n->reserve ||
		    !pgc_cluster_is_free(c))
			continue;
		spin_lock_irqsave(&c->lock, flags);
		if (!c->map.nr_allocated && !c->dead) {
			c->dead = true;
			c->counted = false;
			pgc_units_add(n, -(s64)c->map.nr_units);
			found = c;
		}
		spin_unlock_irqrestore(&c->lock, flags);
		if (found)
			break;
	}
	if (found) {
		list_del_rcu(&found->link);
		WRITE_ONCE(n->pages, n->pages - pgc_cluster_pages(found));
		WRITE_ONCE(n->nr_clusters, n->nr_clusters - 1);
		WRITE_ONCE(n->last_shrink, jiffies);
	}
	spin_unlock(&n->lock);
	return found;
}

static unsigned long pgc_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long freed = 0;
	struct pgc_cluster *c;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);

		while (n && freed < sc->nr_to_scan) {
			c = pgc_node_unlist_free(n);
			if (!c)
				break;
			freed += pgc_cluster_pages(c);
			pgc_cluster_retire(c, 1UL << (c->order -
						      PGC_CLUSTER_MIN_ORDER));
			atomic_long_inc(&pgc_shrinks);
		}
	}
	return freed ? freed : SHRINK_STOP;
}

/* ---- init and exit ------------------------------------------------------ */

/* Fill @n with @target pages at load: large clusters first. */
static void pgc_node_fill(struct pgc_node *n, unsigned long target)
{
	unsigned int cap = PGC_CLUSTER_MAX_ORDER, want;
	struct pgc_cluster *c;
	bool contig;

	while (n->pages < target) {
		unsigned long left = target - n->pages;

		/* Do not overshoot a small pool by a whole large cluster. */
		want = cap;
		if (left < (1UL << want))
			want = max_t(unsigned int, PGC_CLUSTER_MIN_ORDER,
				     order_base_2(left));
		c = pgc_cluster_create(n, PGC_CLUSTER_MIN_ORDER, want,
				       PGC_SRC_ANY, GFP_KERNEL, &contig);
		if (!c)
			break;
		/* Got less than asked: larger blocks are scarce. */
		if (c->order < want)
			cap = c->order;
		if (contig)
			atomic_long_inc(&pgc_refill_contig);
		pgc_cluster_publish(n, c);
	}
}

static void pgc_node_destroy(struct pgc_node *n)
{
	struct pgc_cluster *c, *tmp;
	unsigned long live = 0, pages = 0;

	list_for_each_entry_safe(c, tmp, &n->clusters, link) {
		live += c->map.nr_allocated;
		pages += pgc_cluster_pages(c);
		list_del(&c->link);
		pgc_lookup_erase(c, 1UL << (c->order - PGC_CLUSTER_MIN_ORDER));
		pgc_extent_map_destroy(&c->map);
		pgc_cluster_release_pages(c);
		kfree(c);
	}
	if (live)
		pr_err("node %d: %lu allocations leaked (still live at unload); their memory is returned\n",
		       n->nid, live);
	if (pages != n->pages)
		pr_err("node %d: clusters held %lu pages, node accounting says %lu\n",
		       n->nid, pages, n->pages);
	percpu_counter_destroy(&n->free_units);
	free_percpu(n->cur);
	kfree(n->fallback);
	kfree(n);
}

static void pgc_pool_teardown(void)
{
	int nid, cpu;

	shrinker_free(pgc_shrinker);
	pgc_shrinker = NULL;
	WRITE_ONCE(pgc_dying, true);
	if (pgc_nodes) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (pgc_nodes[nid])
				cancel_work_sync(&pgc_nodes[nid]->refill_work);
	}
	if (pgc_wq)
		destroy_workqueue(pgc_wq);
	pgc_wq = NULL;
	/* Removed clusters still wait for their grace period. */
	synchronize_rcu();
	if (pgc_nodes) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (pgc_nodes[nid])
				pgc_node_destroy(pgc_nodes[nid]);
		kfree(pgc_nodes);
		pgc_nodes = NULL;
	}
	for_each_possible_cpu(cpu) {
		pgc_extent_node_put(per_cpu(pgc_spare, cpu));
		per_cpu(pgc_spare, cpu) = NULL;
	}
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

/* Other nodes with memory, nearest first. */
static int pgc_node_fallback(struct pgc_node *n)
{
	int nid, i, j, cnt = 0;

	n->fallback = kcalloc(nr_node_ids, sizeof(int), GFP_KERNEL);
	if (!n->fallback)
		return -ENOMEM;
	for_each_node_state(nid, N_MEMORY) {
		if (nid == n->nid)
			continue;
		/* Insertion sort by distance: a handful of nodes. */
		for (i = cnt; i > 0; i--) {
			j = n->fallback[i - 1];
			if (node_distance(n->nid, j) <= node_distance(n->nid, nid))
				break;
			n->fallback[i] = j;
		}
		n->fallback[i] = nid;
		cnt++;
	}
	if (cnt < nr_node_ids)
		n->fallback[cnt] = -1;
	return 0;
}

static struct pgc_node *pgc_node_create(int nid)
{
	unsigned long quarter = node_present_pages(nid) / 4;
	struct pgc_node *n;

	n = kzalloc_node(sizeof(*n), GFP_KERNEL, nid);
	if (!n)
		return NULL;
	n->nid = nid;
	spin_lock_init(&n->lock);
	INIT_LIST_HEAD(&n->clusters);
	mutex_init(&n->grow_mutex);
	INIT_WORK(&n->refill_work, pgc_refill_fn);
	n->last_shrink = jiffies - HZ;
	n->cur = alloc_percpu(struct pgc_cluster *);
	if (!n->cur || pgc_node_fallback(n) ||
	    percpu_counter_init(&n->free_units, 0, GFP_KERNEL)) {
		free_percpu(n->cur);
		kfree(n->fallback);
		kfree(n);
		return NULL;
	}
	n->reserve = (unsigned long)pgc_pool_mb << (20 - PAGE_SHIFT);
	if (n->reserve > quarter) {
		pr_warn("node %d: pool_mb=%u is more than a quarter of the node; using %lu MiB\n",
			nid, pgc_pool_mb, quarter >> (20 - PAGE_SHIFT));
		n->reserve = quarter;
	}
	if (n->reserve)
		n->low = max(n->reserve / 4, 1UL << PGC_CLUSTER_MIN_ORDER);
	/* The count may be off by batch x CPUs: keep that below low / 2. */
	n->units_batch = clamp_t(u64, ((u64)n->low << (PAGE_SHIFT -
			   PGC_UNIT_SHIFT)) / (2 * num_possible_cpus()),
			   32, S32_MAX);
	return n;
}

/**
 * pgc_pool_init() - set up the per-node pools and take the initial clusters
 *
 * A node that cannot get its whole pool_mb is reported and keeps what it
 * got; the load does not fail for that.
 *
 * Context: process context, module load.
 * Return: 0, or -ENOMEM when the pool's own structures cannot be allocated.
 */
int pgc_pool_init(void)
{
	struct pgc_node *n;
	int nid;

	pgc_dying = false;
	pgc_wq = alloc_workqueue("pgcluster_refill", WQ_UNBOUND, 0);
	pgc_nodes = kcalloc(nr_node_ids, sizeof(*pgc_nodes), GFP_KERNEL);
	if (!pgc_wq || !pgc_nodes)
		goto fail;
	for_each_node_state(nid, N_MEMORY) {
		n = pgc_node_create(nid);
		if (!n)
			goto fail;
		pgc_nodes[nid] = n;
	}
	for_each_node_state(nid, N_MEMORY) {
		/* A node that gained memory since the loop above has no pool. */
		n = pgc_node_of(nid);
		if (!n)
			continue;
		pgc_node_fill(n, n->reserve);
		if (n->pages < n->reserve)
			pr_warn("node %d: pool got %lu of %lu KiB (large free blocks scarce)\n",
				nid, n->pages << (PAGE_SHIFT - 10),
				n->reserve << (PAGE_SHIFT - 10));
		/* The shrinker keeps what the node could actually get. */
		n->reserve = n->pages;
		pr_debug("node %d: %u clusters, %lu KiB\n", nid,
			 n->nr_clusters, n->pages << (PAGE_SHIFT - 10));
	}
	pgc_shrinker = shrinker_alloc(0, "pgcluster-pool");
	if (!pgc_shrinker)
		goto fail;
	pgc_shrinker->count_objects = pgc_shrink_count;
	pgc_shrinker->scan_objects = pgc_shrink_scan;
	shrinker_register(pgc_shrinker);
	debugfs_create_file("pool_grow", 0200, pgc_debugfs_root, NULL,
			    &pgc_grow_fops);
	debugfs_create_u32("grow_stall_ms", 0600, pgc_debugfs_root,
			   &pgc_grow_stall_ms);
	return 0;

fail:
	pgc_pool_teardown();
	return -ENOMEM;
}

/**
 * pgc_pool_exit() - return every cluster to the buddy allocator
 *
 * Reports allocations still live (their memory is returned anyway: their
 * users are gone) and any imbalance in the pool's page accounting.
 *
 * Context: process context, module unload.
 */
void pgc_pool_exit(void)
{
	pgc_pool_teardown();
}

/* ---- stats ---------------------------------------------------------------- */

/* Nodes of the lookup xarray, estimated from the indices in use. */
static unsigned long pgc_lookup_nodes(void)
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

/**
 * pgc_pool_show_stats() - print the pool's counters for debugfs stats
 * @m: the seq_file of the stats file
 *
 * One "name value" line each; per-node lines are named nodeN_*.
 *
 * Context: process context.
 */
void pgc_pool_show_stats(struct seq_file *m)
{
	struct pgc_pcpu_stats sum = {};
	unsigned long pool = 0, free = 0, reserve = 0, clusters = 0;
	unsigned long enodes = 0, nodes_bytes = 0;
	struct pgc_cluster *c;
	unsigned long flags;
	int cpu, nid;

	for_each_possible_cpu(cpu) {
		struct pgc_pcpu_stats *s = per_cpu_ptr(&pgc_stats, cpu);

		sum.allocs += READ_ONCE(s->allocs);
		sum.frees += READ_ONCE(s->frees);
		sum.failures += READ_ONCE(s->failures);
		sum.bytes_requested += READ_ONCE(s->bytes_requested);
		sum.bytes_allocated += READ_ONCE(s->bytes_allocated);
		sum.bytes_freed += READ_ONCE(s->bytes_freed);
	}

	seq_printf(m, "allocs %llu\n", sum.allocs);
	seq_printf(m, "frees %llu\n", sum.frees);
	seq_printf(m, "alloc_failures %llu\n", sum.failures);
	seq_printf(m, "live_allocations %llu\n", sum.allocs - sum.frees);
	seq_printf(m, "bytes_requested %llu\n", sum.bytes_requested);
	seq_printf(m, "bytes_allocated %llu\n", sum.bytes_allocated);
	seq_printf(m, "bytes_held %llu\n",
		   sum.bytes_allocated - sum.bytes_freed);

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
	seq_printf(m, "pool_pages_held %lu\n", pgc_pool_pages_held());
	seq_printf(m, "clusters %lu\n", clusters);
	seq_printf(m, "cluster_min_bytes %lu\n",
		   PAGE_SIZE << PGC_CLUSTER_MIN_ORDER);
	seq_printf(m, "cluster_max_bytes %lu\n",
		   PAGE_SIZE << PGC_CLUSTER_MAX_ORDER);
	seq_printf(m, "refills %ld\n", atomic_long_read(&pgc_refills));
	seq_printf(m, "refill_contig %ld\n",
		   atomic_long_read(&pgc_refill_contig));
	seq_printf(m, "grow_sync %ld\n", atomic_long_read(&pgc_grow_sync));
	seq_printf(m, "shrinks %ld\n", atomic_long_read(&pgc_shrinks));
	seq_printf(m, "grow_stalls %ld\n", atomic_long_read(&pgc_grow_stalls));
	seq_printf(m, "metadata_bytes %lu\n",
		   enodes * pgc_extent_node_bytes() +
		   clusters * sizeof(struct pgc_cluster) +
		   pgc_lookup_nodes() * sizeof(struct xa_node) + nodes_bytes +
		   nr_cpu_ids * (sizeof(struct pgc_pcpu_stats) +
				 sizeof(void *)));
	seq_printf(m, "contig_refill_supported %d\n", PGC_HAVE_ALLOC_CONTIG);
}
