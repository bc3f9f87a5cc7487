// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster pool: physically contiguous allocations of any size.
 *
 * Every node with memory has a struct pgc_node: an RCU list of its
 * clusters, an index of them by longest free run (cluster_index.c), a
 * per-CPU current cluster (the fast path takes only that cluster's lock),
 * a grow mutex and a refill worker that keeps free space above the node's
 * low watermark.  Before all of that, an allocation tries this CPU's cache
 * of freed extents (pcp_cache.c).  A sleeping request that nothing fits
 * grows the pool by one cluster for itself; a non-sleeping one is served
 * from the pool only.  Nodes are tried nearest first.  docs/design.md has
 * the design, pool.h the lock order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pcp_cache.h"
#include "pool.h"
#include "stats.h"
#include "trace.h"

/* A spare extent node per CPU, for when node memory is short. */
static DEFINE_PER_CPU(struct pgc_extent *, pgc_spare);

/* Restricted callers growing a node at once, besides the mutex holder. */
#define PGC_RESTRICTED_GROWERS	2

static struct pgc_node **pgc_nodes;	/* nr_node_ids entries */
static struct workqueue_struct *pgc_wq;
static bool pgc_dying;

/*
 * Test knob (debugfs testing/grow_stall_ms): the next unrestricted grower
 * sleeps this long, at most PGC_GROW_STALL_MAX ms, holding the grow mutex,
 * as if it were stuck in FS/IO reclaim; the knob then reads 0 again.
 * Restricted callers must not wait for it.
 */
u32 pgc_grow_stall_ms;

static void pgc_grow_stall(void)
{
	u32 ms = xchg(&pgc_grow_stall_ms, 0);	/* one grower only */

	if (!ms)
		return;
	pgc_stat_inc(PGC_STAT_GROW_STALLS);
	msleep_interruptible(min_t(u32, ms, PGC_GROW_STALL_MAX));
}

/**
 * pgc_node_of() - the pool of a node
 * @nid: node id, any value
 *
 * Return: the node's pool, or NULL when it has none.
 */
struct pgc_node *pgc_node_of(int nid)
{
	if (nid < 0 || nid >= nr_node_ids || !pgc_nodes)
		return NULL;
	return pgc_nodes[nid];
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

/**
 * pgc_units_add() - change a node's count of free units
 * @n: the node
 * @units: the change
 */
void pgc_units_add(struct pgc_node *n, s64 units)
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
	pgc_index_update(c);
	spin_unlock_irqrestore(&c->lock, flags);
	list_add_tail_rcu(&c->link, &n->clusters);
	WRITE_ONCE(n->pages, n->pages + pgc_cluster_pages(c));
	WRITE_ONCE(n->nr_clusters, n->nr_clusters + 1);
	spin_unlock(&n->lock);
}

/* A cluster may serve @zone when its pages lie in that zone or below. */
static bool pgc_cluster_fits(const struct pgc_cluster *c, u32 units,
			     enum zone_type zone)
{
	return READ_ONCE(c->largest) >= units && c->zone <= zone;
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

/* Tries of the index before the exhaustive walk (clusters raced us). */
#define PGC_INDEX_TRIES	3

/* Every listed cluster: the index's picks kept losing races. */
static void *pgc_node_walk(struct pgc_node *n, u32 units, enum zone_type zone,
			   struct pgc_extent **spare)
{
	struct pgc_cluster *c;
	void *p;

	list_for_each_entry_rcu(c, &n->clusters, link) {
		if (!pgc_cluster_fits(c, units, zone))
			continue;
		p = pgc_cluster_try(c, units, spare);
		if (p)
			return p;
	}
	return NULL;
}

/*
 * This CPU's current cluster, then the node's index of clusters by longest
 * free run: O(1) in the number of clusters.
 */
static void *pgc_node_alloc(struct pgc_node *n, u32 units,
			    enum zone_type zone, struct pgc_extent **spare)
{
	struct pgc_cluster *c, *tried = NULL;
	void *p = NULL;
	int i;

	rcu_read_lock();
	c = this_cpu_read(*n->cur);
	if (c && pgc_cluster_fits(c, units, zone)) {
		p = pgc_cluster_try(c, units, spare);
		if (p)
			goto out;
		tried = c;
	}
	for (i = 0; i < PGC_INDEX_TRIES; i++) {
		c = pgc_index_pick(n, units, zone, tried);
		if (!c)
			break;
		p = pgc_cluster_try(c, units, spare);
		if (p)
			break;
		tried = c;
	}
	/* Every pick lost a race: look at every cluster before failing. */
	if (!p && i == PGC_INDEX_TRIES)
		p = pgc_node_walk(n, units, zone, spare);
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
 * grows on its own with its own mask, which keeps it to the buddy
 * allocator (migration refuses restricted masks, see source.c).
 */
static void *pgc_node_grow_alloc(struct pgc_node *n, u32 units, gfp_t gfp,
				 struct pgc_extent **spare)
{
	unsigned int order = get_order((size_t)units << PGC_UNIT_SHIFT);
	bool restricted = pgc_gfp_restricted(gfp);
	enum zone_type zone = gfp_zone(gfp);
	struct pgc_cluster *c;
	unsigned long flags;
	void *p;

	order = max_t(unsigned int, order, PGC_CLUSTER_MIN_ORDER);
	if (!restricted) {
		mutex_lock(&n->grow_mutex);
		pgc_grow_stall();
	} else if (mutex_trylock(&n->grow_mutex)) {
		restricted = false;	/* holds the mutex, no stall */
	} else {
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
				       PGC_SOURCES_ALL, gfp);
		if (c) {
			spin_lock_irqsave(&c->lock, flags);
			p = pgc_cluster_take(c, units, spare);
			spin_unlock_irqrestore(&c->lock, flags);
			pgc_cluster_publish(n, c);
			pgc_stat_inc(PGC_STAT_GROW_SYNC);
			trace_pgcluster_pool_grow(n->nid, c->order,
						  c->source->name,
						  PGC_TRACE_GROW_SYNC);
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

/* The pool of @pref, then the other nodes by distance, without growing. */
static void *pgc_nodes_alloc(struct pgc_node *pref, u32 units, gfp_t gfp,
			     struct pgc_extent **spare)
{
	enum zone_type zone = gfp_zone(gfp);
	struct pgc_node *n;
	void *p = NULL;
	int i, nid;

	for (i = 0; (nid = pgc_nth_node(pref, i)) >= 0; i++) {
		n = pgc_node_of(nid);
		if (n)
			p = pgc_node_alloc(n, units, zone, spare);
		if (p || (gfp & __GFP_THISNODE))
			break;
	}
	return p;
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

	/* This CPU's cache: no shared lock; exact size, preferred node. */
	p = pgc_pcp_alloc(units, pref->nid, zone);
	if (p)
		goto done;

	spare = pgc_spare_get(gfp);
	p = pgc_nodes_alloc(pref, units, gfp, &spare);
	/*
	 * Cached extents count as allocated: give them back (this CPU's, or
	 * every CPU's for a caller that may sleep) and, when that freed any,
	 * try once more before failing or growing the pool.
	 */
	if (!p && pgc_pcp_cached_bytes() &&
	    (blocking ? pgc_pcp_drain_all() :
			pgc_pcp_drain_cpu(raw_smp_processor_id())))
		p = pgc_nodes_alloc(pref, units, gfp, &spare);
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

done:
	pgc_stat_inc(PGC_STAT_ALLOCS);
	pgc_stat_add(PGC_STAT_BYTES_REQUESTED, size);
	pgc_stat_add(PGC_STAT_BYTES_ALLOCATED, (u64)units << PGC_UNIT_SHIFT);
	/* __GFP_ZERO, or init_on_alloc=1 as kmalloc() honours it. */
	if (want_init_on_alloc(gfp))
		memset(p, 0, (size_t)units << PGC_UNIT_SHIFT);
	return p;

fail:
	pgc_stat_inc(PGC_STAT_ALLOC_FAILURES);
	return NULL;
}

static void pgc_refill_fn(struct work_struct *work)
{
	struct pgc_node *n = container_of(work, struct pgc_node, refill_work);
	struct pgc_cluster *c;

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
				       PGC_CLUSTER_MAX_ORDER, PGC_SOURCES_ALL,
				       GFP_KERNEL);
		if (!c)
			break;
		pgc_cluster_publish(n, c);
		pgc_stat_inc(PGC_STAT_REFILLS);
		trace_pgcluster_pool_grow(n->nid, c->order, c->source->name,
					  PGC_TRACE_GROW_REFILL);
		cond_resched();
	}
	mutex_unlock(&n->grow_mutex);
}

/**
 * pgc_pool_grow() - add one cluster to a node from one source, now
 * @src: the source, from pgc_source_find()
 * @nid: the node
 *
 * For debugfs pool_grow, so tests can exercise each source on demand.
 *
 * Context: process context; sleeps.
 * Return: 0; -EINVAL when @nid has no pool; -EOPNOTSUPP when @src is not
 * available with this kernel; -ENOMEM when it has nothing.
 */
int pgc_pool_grow(const struct pgc_source *src, int nid)
{
	struct pgc_node *n = pgc_node_of(nid);
	struct pgc_cluster *c;

	if (!n)
		return -EINVAL;
	if (!src->available)
		return -EOPNOTSUPP;
	mutex_lock(&n->grow_mutex);
	pgc_grow_stall();
	c = pgc_cluster_create(n, PGC_CLUSTER_MIN_ORDER, PGC_CLUSTER_MAX_ORDER,
			       BIT(src - pgc_sources), GFP_KERNEL);
	if (c) {
		pgc_cluster_publish(n, c);
		pgc_stat_inc(PGC_STAT_REFILLS);
		trace_pgcluster_pool_grow(nid, c->order, c->source->name,
					  PGC_TRACE_GROW_KNOB);
	}
	mutex_unlock(&n->grow_mutex);
	return c ? 0 : -ENOMEM;
}

/* Fill @n with @target pages at load: large clusters first. */
static void pgc_node_fill(struct pgc_node *n, unsigned long target)
{
	unsigned int cap = PGC_CLUSTER_MAX_ORDER, want;
	struct pgc_cluster *c;

	while (n->pages < target) {
		unsigned long left = target - n->pages;

		/* Do not overshoot a small pool by a whole large cluster. */
		want = cap;
		if (left < (1UL << want))
			want = max_t(unsigned int, PGC_CLUSTER_MIN_ORDER,
				     order_base_2(left));
		c = pgc_cluster_create(n, PGC_CLUSTER_MIN_ORDER, want,
				       PGC_SOURCES_ALL, GFP_KERNEL);
		if (!c)
			break;
		/* Got less than asked: larger blocks are scarce. */
		if (c->order < want)
			cap = c->order;
		pgc_cluster_publish(n, c);
		trace_pgcluster_pool_grow(n->nid, c->order, c->source->name,
					  PGC_TRACE_GROW_LOAD);
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
		pgc_cluster_destroy(c);
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

	pgc_shrink_exit();
	WRITE_ONCE(pgc_dying, true);
	if (pgc_nodes) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (pgc_nodes[nid])
				cancel_work_sync(&pgc_nodes[nid]->refill_work);
	}
	if (pgc_wq)
		destroy_workqueue(pgc_wq);
	pgc_wq = NULL;
	/* Cached extents go back to their clusters while those still exist. */
	pgc_pcp_exit();
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
	pgc_cluster_exit();
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
	pgc_index_init(&n->index);
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
 * Return: 0, -ENOMEM when the pool's own structures cannot be allocated, or
 * the errno of the CPU hotplug setup.
 */
int pgc_pool_init(void)
{
	struct pgc_node *n;
	int nid, ret;

	pgc_dying = false;
	ret = pgc_pcp_init();
	if (ret) {
		pgc_pool_teardown();
		return ret;
	}
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
	if (pgc_shrink_init())
		goto fail;
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
