/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the contiguous allocator: pool.c (per-node lists, publish,
 * refill), source.c (where clusters come from), cluster.c (one cluster) and
 * shrink.c (the shrinker).  docs/design.md describes the design.
 *
 * Lock order: pgc_node.grow_mutex -> (reclaim);
 * pgc_node.lock -> pgc_cluster.lock (irqsave) -> pgc_index.lock,
 *	pgc_pcp.lock (pcp_cache.h), free_units' lock.
 * pgc_node.lock is never taken in interrupt context; pgc_index.lock and
 * pgc_pcp.lock are also taken alone, with interrupts off.
 */
#ifndef _PGCLUSTER_POOL_H
#define _PGCLUSTER_POOL_H

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "extent.h"

/* Largest and smallest cluster, as buddy orders. */
#define PGC_CLUSTER_MAX_ORDER	(MAX_PAGE_ORDER < 9 ? MAX_PAGE_ORDER : 9)
#define PGC_CLUSTER_MIN_ORDER	(PGC_CLUSTER_MAX_ORDER < 6 ? \
				 PGC_CLUSTER_MAX_ORDER : 6)
#define PGC_UNIT_SHIFT		ilog2(PGCLUSTER_GRANULE)

/* cluster_index.c: buckets by longest free run, per zone. */
#define PGC_IDX_SUB		4	/* sub-buckets per power of two */
#define PGC_IDX_BUCKETS		(PGC_IDX_SUB * (PAGE_SHIFT + \
				 PGC_CLUSTER_MAX_ORDER - PGC_UNIT_SHIFT + 1))

struct pgc_index {
	spinlock_t lock;		/* all of it; inside pgc_cluster.lock */
	unsigned long map[MAX_NR_ZONES][BITS_TO_LONGS(PGC_IDX_BUCKETS)];
	struct list_head bucket[MAX_NR_ZONES][PGC_IDX_BUCKETS];
};

struct pgc_node;
struct pgc_source;

struct pgc_cluster {
	spinlock_t lock;		/* map, dead */
	struct pgc_extent_map map;
	bool dead;			/* removed: refuse everything */
	bool counted;			/* in its node's free_units */
	u8 order;
	u8 zone;			/* zone of its pages (one block) */
	int nid;
	/* Hints for lockless readers, written under @lock. */
	u32 largest;			/* longest free run, units */
	u32 free_units;
	u8 idx_bucket;			/* in the node's index; 0 not there */
	struct list_head idx_link;	/* pgc_index.bucket[zone][idx_bucket] */
	void *base;			/* linear-map address of the first page */
	unsigned long pfn;		/* first pfn */
	const struct pgc_source *source;	/* where its pages came from */
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
	struct pgc_index index;		/* listed clusters by longest run */
};

/*
 * source.c: where clusters come from.  pgc_sources[] is tried in order; a
 * new source is one entry there plus its take function.
 */
struct pgc_source {
	const char *name;		/* pool_grow keyword, stats refill_NAME */
	bool available;			/* usable with this kernel */
	/*
	 * Take one block of @min_order to @max_order pages on @nid for a
	 * caller whose effective mask is @gfp, split into order-0 pages.
	 * Sets *@order; NULL when the source has nothing or may not be used
	 * with @gfp.
	 */
	struct page *(*take)(int nid, unsigned int min_order,
			     unsigned int max_order, gfp_t gfp,
			     unsigned int *order);
	atomic_long_t *clusters;	/* clusters it supplied */
};

extern const struct pgc_source pgc_sources[];
#define PGC_SOURCES_ALL		(~0UL)

const struct pgc_source *pgc_source_find(const char *name);
struct page *pgc_source_take(unsigned long sources, int nid,
			     unsigned int min_order, unsigned int max_order,
			     gfp_t gfp, unsigned int *order,
			     const struct pgc_source **from);
void pgc_sources_show_stats(struct seq_file *m);
gfp_t pgc_meta_gfp(gfp_t gfp);
bool pgc_gfp_restricted(gfp_t gfp);

/* cluster.c: one cluster. */
static inline unsigned long pgc_cluster_pages(const struct pgc_cluster *c)
{
	return 1UL << c->order;
}

static inline unsigned long pgc_cluster_slots(const struct pgc_cluster *c)
{
	return 1UL << (c->order - PGC_CLUSTER_MIN_ORDER);
}

static inline bool pgc_cluster_is_free(const struct pgc_cluster *c)
{
	return READ_ONCE(c->free_units) == c->map.nr_units;
}

struct pgc_cluster *pgc_cluster_create(struct pgc_node *n,
				       unsigned int min_order,
				       unsigned int max_order,
				       unsigned long sources, gfp_t gfp);
void *pgc_cluster_take(struct pgc_cluster *c, u32 units,
		       struct pgc_extent **spare);
void pgc_cluster_retire(struct pgc_cluster *c, unsigned long nr_slots);
void pgc_cluster_destroy(struct pgc_cluster *c);
void pgc_cluster_exit(void);
unsigned long pgc_lookup_nodes(void);

/* cluster_index.c */
void pgc_index_init(struct pgc_index *idx);
void pgc_index_update(struct pgc_cluster *c);
struct pgc_cluster *pgc_index_pick(struct pgc_node *n, u32 units,
				   enum zone_type zone,
				   const struct pgc_cluster *skip);

/* pool.c */
struct pgc_node *pgc_node_of(int nid);
void pgc_units_add(struct pgc_node *n, s64 units);
int pgc_pool_grow(const struct pgc_source *src, int nid);
extern u32 pgc_grow_stall_ms;
#define PGC_GROW_STALL_MAX	60000

/* shrink.c */
int pgc_shrink_init(void);
void pgc_shrink_exit(void);

#endif /* _PGCLUSTER_POOL_H */
