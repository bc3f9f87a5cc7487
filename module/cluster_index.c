// SPDX-License-Identifier: GPL-2.0
/*
 * Index of a node's listed clusters by their longest free run, so that an
 * allocation the CPU's current cluster cannot serve finds a cluster in time
 * independent of the pool's size.
 *
 * Per node and zone, clusters sit in buckets by size class of c->largest:
 * classes below 4 units are exact, above that each power of two is split
 * in PGC_IDX_SUB sub-buckets; a bitmap marks the non-empty buckets.  Every
 * member of a bucket whose lowest value is at least the request fits it, so
 * one find_next_bit() finds a fitting cluster.  The request's own bucket may
 * hold members both shorter and longer than the request: a few of them are
 * looked at first, which keeps the choice close to best fit and leaves long
 * runs (and wholly free clusters, for the shrinker) for requests that need
 * them.  When neither those nor a larger bucket has a fit, the whole own
 * bucket is walked: linear only when many of its members are just too
 * short, and it guarantees that a fitting cluster is found if the index
 * has one.  Zones are tried from the request's own downwards.
 *
 * A cluster is in the index from publication until it is marked dead; its
 * bucket changes only in pgc_index_update(), called wherever largest
 * changes.  Lock order (pool.h): pgc_cluster.lock -> pgc_index.lock; a
 * search takes the index lock alone, picks a cluster and drops the lock
 * before taking the cluster's, under RCU (clusters are freed after a grace
 * period and leave the index before they are retired).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/spinlock.h>

#include "pool.h"

/* Members of the request's own bucket looked at before the next bucket. */
#define PGC_IDX_SCAN	4

/* The size class of a longest free run of @units; 0 when @units is 0. */
static unsigned int pgc_idx_bucket(u32 units)
{
	unsigned int l;

	if (units < PGC_IDX_SUB)
		return units;
	l = ilog2(units);
	return PGC_IDX_SUB * (l - 1) + ((units >> (l - 2)) & (PGC_IDX_SUB - 1));
}

/* The smallest run that falls in bucket @b. */
static u32 pgc_idx_bucket_low(unsigned int b)
{
	unsigned int l;

	if (b < PGC_IDX_SUB)
		return b;
	l = b / PGC_IDX_SUB + 1;
	return (PGC_IDX_SUB + b % PGC_IDX_SUB) << (l - 2);
}

/**
 * pgc_index_init() - set up an empty index
 * @idx: the index, in a new node
 */
void pgc_index_init(struct pgc_index *idx)
{
	unsigned int z, b;

	/* c->idx_bucket is a u8. */
	BUILD_BUG_ON(PGC_IDX_BUCKETS > 256);
	spin_lock_init(&idx->lock);
	for (z = 0; z < MAX_NR_ZONES; z++) {
		bitmap_zero(idx->map[z], PGC_IDX_BUCKETS);
		for (b = 0; b < PGC_IDX_BUCKETS; b++)
			INIT_LIST_HEAD(&idx->bucket[z][b]);
	}
}

static void pgc_index_unlink(struct pgc_index *idx, struct pgc_cluster *c)
{
	struct list_head *head = &idx->bucket[c->zone][c->idx_bucket];

	list_del(&c->idx_link);
	if (list_empty(head))
		__clear_bit(c->idx_bucket, idx->map[c->zone]);
	c->idx_bucket = 0;
}

/**
 * pgc_index_update() - put a cluster in the bucket of its longest free run
 * @c: the cluster, its lock held once published; listed (c->counted) and
 *	not dead, else only taken out of the index
 */
void pgc_index_update(struct pgc_cluster *c)
{
	struct pgc_index *idx = &c->node->index;
	unsigned int b = 0;

	/* Not published yet (creation sets hints without the lock). */
	if (!c->counted && !c->idx_bucket)
		return;
	lockdep_assert_held(&c->lock);
	if (c->counted && !c->dead)
		b = min_t(unsigned int, pgc_idx_bucket(c->largest),
			  PGC_IDX_BUCKETS - 1);
	if (b == c->idx_bucket)
		return;
	spin_lock(&idx->lock);
	if (c->idx_bucket)
		pgc_index_unlink(idx, c);
	if (b) {
		c->idx_bucket = b;
		list_add_tail(&c->idx_link, &idx->bucket[c->zone][b]);
		__set_bit(b, idx->map[c->zone]);
	}
	spin_unlock(&idx->lock);
}

/* Up to @max members of bucket @b of zone @z, for one that fits @units. */
static struct pgc_cluster *pgc_index_scan(struct pgc_index *idx,
					  unsigned int z, unsigned int b,
					  u32 units, unsigned int max,
					  const struct pgc_cluster *skip)
{
	struct pgc_cluster *c;
	unsigned int seen = 0;

	list_for_each_entry(c, &idx->bucket[z][b], idx_link) {
		if (++seen > max)
			break;
		if (c != skip && READ_ONCE(c->largest) >= units)
			return c;
	}
	return NULL;
}

/**
 * pgc_index_pick() - a cluster of @n that likely serves a request
 * @n: the node
 * @units: the request
 * @zone: highest zone allowed
 * @skip: a cluster not to return from the bounded scan (just tried)
 *
 * Context: under rcu_read_lock(); the result is valid until it is dropped.
 * Return: a cluster whose longest run fitted @units when looked at, or NULL
 * when the index has none besides @skip.
 */
struct pgc_cluster *pgc_index_pick(struct pgc_node *n, u32 units,
				   enum zone_type zone,
				   const struct pgc_cluster *skip)
{
	struct pgc_index *idx = &n->index;
	struct pgc_cluster *c, *found = NULL;
	unsigned int own = pgc_idx_bucket(units), first, b;
	unsigned long flags;
	int z;

	if (own >= PGC_IDX_BUCKETS)
		return NULL;
	first = pgc_idx_bucket_low(own) >= units ? own : own + 1;
	spin_lock_irqsave(&idx->lock, flags);
	for (z = zone; z >= 0 && !found; z--) {
		if (first != own && test_bit(own, idx->map[z]))
			found = pgc_index_scan(idx, z, own, units, PGC_IDX_SCAN,
					       skip);
		if (found)
			break;
		/* Every member fits: the first one not just tried. */
		b = first;
		for_each_set_bit_from(b, idx->map[z], PGC_IDX_BUCKETS) {
			list_for_each_entry(c, &idx->bucket[z][b], idx_link) {
				if (c != skip) {
					found = c;
					break;
				}
			}
			if (found)
				break;
		}
		/* Only too short members looked at: the rest of the bucket. */
		if (!found && first != own && test_bit(own, idx->map[z]))
			found = pgc_index_scan(idx, z, own, units, UINT_MAX,
					       skip);
	}
	spin_unlock_irqrestore(&idx->lock, flags);
	return found;
}
