/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extent map: placement and coalescing inside one cluster.
 *
 * A map covers nr_units allocation units (granules) of one cluster.  Every
 * unit belongs to exactly one extent, free or allocated; extents are kept in
 * an address-ordered augmented rbtree whose nodes also record the longest
 * free extent in their subtree, so address-ordered first fit, lookup of an
 * allocation by its start, and coalescing on free are all O(log n).
 *
 * Metadata lives outside the cluster.  The map takes no locks: the caller
 * serialises all calls on one map.  Nodes are allocated by the caller before
 * taking its lock (pgc_extent_node_new()) so that the map itself never
 * allocates memory and is usable under a spinlock.
 *
 * This file and extent.c build both in the module and, with the shim in
 * tests/host/, as a host program for unit tests and fuzzing.
 */
#ifndef _PGCLUSTER_EXTENT_H
#define _PGCLUSTER_EXTENT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/rbtree.h>
#else
#include "extent_host.h"
#endif

struct pgc_extent;

struct pgc_extent_map {
	struct rb_root root;	/* every extent, by start */
	u32 nr_units;		/* size of the cluster in units */
	u32 free_units;		/* units in free extents */
	u32 nr_allocated;	/* live allocations */
	u32 nr_nodes;		/* tree nodes (free + allocated extents) */
};

/* Node memory: allocate before taking the lock, release after. */
struct pgc_extent *pgc_extent_node_new(gfp_t gfp);
void pgc_extent_node_put(struct pgc_extent *node);	/* NULL is a no-op */

int pgc_extent_cache_init(void);	/* kmem_cache setup; 0 on host */
void pgc_extent_cache_exit(void);
size_t pgc_extent_node_bytes(void);	/* bytes of metadata per node */

/*
 * @nr_units: 1 to 2^24 in pgcluster (any u32 works on 64-bit).  @node: one
 * node from pgc_extent_node_new(); consumed.  With @nr_units 0 or @node NULL
 * the map is empty and every allocation fails with -ENOSPC.
 */
void pgc_extent_map_init(struct pgc_extent_map *map, u32 nr_units,
			 struct pgc_extent *node);
/* Frees every node; the caller has checked the map is empty if it cares. */
void pgc_extent_map_destroy(struct pgc_extent_map *map);

/*
 * Allocate @units (>= 1) with address-ordered first fit.  *@spare holds a
 * node from pgc_extent_node_new(); it is consumed (set to NULL) when the
 * allocation splits a free extent.  Returns the start unit, or -ENOSPC when
 * no free extent is long enough, or -ENOMEM when a split needs a node and
 * *@spare is NULL (an exact fit needs none), or -EINVAL when @units is 0.
 * On failure the map is unchanged.
 */
long pgc_extent_alloc(struct pgc_extent_map *map, u32 units,
		      struct pgc_extent **spare);

/*
 * Free the allocation that starts at @start, coalescing with free
 * neighbours.  Returns the number of units freed, or -ENOENT when no live
 * allocation starts at @start (foreign pointer or double free: the map is
 * left unchanged).  Nodes released by coalescing are freed internally.
 */
long pgc_extent_free(struct pgc_extent_map *map, u32 start);

/* Units of the live allocation starting at @start, or -ENOENT. */
long pgc_extent_size(const struct pgc_extent_map *map, u32 start);

/*
 * A live allocation may carry a 16-bit tag for the caller (0 when it never
 * set one; every new allocation starts at 0).  pgc_extent_tag() returns the
 * units like pgc_extent_size() and the tag; pgc_extent_set_tag() returns 0.
 * Both return -ENOENT when no live allocation starts at @start.
 */
long pgc_extent_tag(const struct pgc_extent_map *map, u32 start, u16 *tag);
int pgc_extent_set_tag(struct pgc_extent_map *map, u32 start, u16 tag);

/* Longest free extent in units (O(1)). */
u32 pgc_extent_largest_free(const struct pgc_extent_map *map);

/* Calls @fn for every extent in address order; stops when @fn returns != 0. */
int pgc_extent_for_each(const struct pgc_extent_map *map,
			int (*fn)(void *arg, u32 start, u32 units, bool free),
			void *arg);

/*
 * Verify every invariant (order, red-black balance, coverage of
 * [0, nr_units), no two adjacent free extents, subtree maxima, counters).
 * Returns 0 or -EFAULT.
 */
int pgc_extent_check(const struct pgc_extent_map *map);

#endif /* _PGCLUSTER_EXTENT_H */
