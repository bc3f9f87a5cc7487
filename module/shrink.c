// SPDX-License-Identifier: GPL-2.0
/*
 * The pool's shrinker: under memory pressure (or drop_caches) it drains
 * the per-CPU caches of freed extents (when some node is above its
 * reserve, else that frees no page), then returns wholly free clusters,
 * newest first, never taking a node below its reserve.  A shrink stamps
 * the node so that the refill worker does not grow it past the reserve
 * again for a second.  Lock order: pool.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/nodemask.h>
#include <linux/rculist.h>
#include <linux/shrinker.h>

#include "pcp_cache.h"
#include "pool.h"
#include "stats.h"
#include "trace.h"

static struct shrinker *pgc_shrinker;

static unsigned long pgc_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long count = 0;
	struct pgc_cluster *c;
	bool above = false;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);
		unsigned long pages, free = 0;

		if (!n)
			continue;
		pages = READ_ONCE(n->pages);
		if (pages <= n->reserve)
			continue;
		above = true;
		rcu_read_lock();
		list_for_each_entry_rcu(c, &n->clusters, link)
			if (pgc_cluster_is_free(c))
				free += pgc_cluster_pages(c);
		rcu_read_unlock();
		count += min(free, pages - n->reserve);
	}
	/*
	 * A scan drains the CPUs' caches first, which may free clusters; not
	 * when every node is at its reserve: that would free no page.
	 */
	if (above)
		count += DIV_ROUND_UP(pgc_pcp_cached_bytes(), PAGE_SIZE);
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
			pgc_index_update(c);	/* out before retirement */
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

	/*
	 * Cached extents keep their clusters busy: give them back first, when
	 * some node is above its reserve (else no page could be freed).
	 */
	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);

		if (n && READ_ONCE(n->pages) > n->reserve) {
			pgc_pcp_drain_all();
			break;
		}
	}
	for_each_node_state(nid, N_MEMORY) {
		struct pgc_node *n = pgc_node_of(nid);

		while (n && freed < sc->nr_to_scan) {
			c = pgc_node_unlist_free(n);
			if (!c)
				break;
			freed += pgc_cluster_pages(c);
			trace_pgcluster_shrink(nid, pgc_cluster_pages(c));
			pgc_cluster_retire(c, pgc_cluster_slots(c));
			pgc_stat_inc(PGC_STAT_SHRINKS);
		}
	}
	return freed ? freed : SHRINK_STOP;
}

/**
 * pgc_shrink_init() - register the pool's shrinker
 *
 * Context: process context, once the nodes are filled.
 * Return: 0 or -ENOMEM.
 */
int pgc_shrink_init(void)
{
	pgc_shrinker = shrinker_alloc(0, "pgcluster-pool");
	if (!pgc_shrinker)
		return -ENOMEM;
	pgc_shrinker->count_objects = pgc_shrink_count;
	pgc_shrinker->scan_objects = pgc_shrink_scan;
	shrinker_register(pgc_shrinker);
	return 0;
}

/**
 * pgc_shrink_exit() - unregister the shrinker; no scan runs after it
 *
 * Context: process context.
 */
void pgc_shrink_exit(void)
{
	shrinker_free(pgc_shrinker);
	pgc_shrinker = NULL;
}
