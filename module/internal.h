/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the parts of pgcluster.ko:
 *
 *   main.c       module parameters, init/exit order, debugfs root
 *   api.c        the exported API: dispatch between the two allocators
 *   extent.c     placement and coalescing inside one cluster
 *   pool.c       the cluster pool: per-node lists, refill (pool.h)
 *   source.c     refill sources, cluster.c one cluster, shrink.c shrinker
 *   emergency.c  virtually contiguous allocations in fixed slots (emerg.h),
 *                emerg_cache.c the slot cache, emerg_reserve.c the reserve
 *   stats.c      event counters (stats.h) and the debugfs "stats" file
 *   debugfs.c    the allocator's debugfs files and test knobs
 *   input.c      the strict parser of every debugfs write (input.h)
 *   callers.c    per-caller accounting, debugfs "callers" (callers.h)
 *   diagnose.c   why an allocation failed, for its message (diagnose.h)
 *   lab/         the fragmentation lab, behind lab-iface.h
 */
#ifndef _PGCLUSTER_INTERNAL_H
#define _PGCLUSTER_INTERNAL_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgcluster.h>

#include "compat.h"
#include "lab-iface.h"

struct dentry;
struct seq_file;

/* main.c: module parameters, validated when set. */
extern unsigned int pgc_pool_mb;	/* initial pool per node, MiB */
extern unsigned int pgc_slot_pages;	/* emergency slot, pages, power of 2 */
extern unsigned int pgc_reserve_pages;	/* emergency page reserve */
extern unsigned int pgc_slot_cache;	/* freed slots kept mapped, run-time */
#define PGC_SLOT_PAGES_MAX	256	/* largest slot_pages */

/* api.c */
/* @caller: _RET_IP_ of the exported function the bad pointer came to. */
void pgc_report_bad_free(const void *ptr, const char *why,
			 unsigned long caller);

/* pool.c: the contiguous allocator. */
int pgc_pool_init(void);
void pgc_pool_exit(void);
void *pgc_cluster_alloc(size_t size, gfp_t gfp, int node);
/* Returns false when @ptr is not a live allocation (nothing is changed). */
bool pgc_cluster_free(const void *ptr);
/* Usable bytes of a live allocation, 0 when @ptr is not one. */
size_t pgc_cluster_size(const void *ptr);

/* emergency.c: the virtually contiguous allocator. */
int pgc_emerg_init(void);
void pgc_emerg_exit(void);
void *pgc_emerg_alloc(size_t size, gfp_t gfp, int node);
/* True when @ptr is the start of a live emergency allocation. */
bool pgc_emerg_owns(const void *ptr);
/* pgc_emerg_free(): 0 when @ptr is not a live allocation, else one of: */
#define PGC_EMERG_FREED			1
#define PGC_EMERG_FREED_DEFERRED	2	/* its unmap went to the worker */
int pgc_emerg_free(const void *ptr);
size_t pgc_emerg_size(const void *ptr);
void pgc_emerg_show_slots(struct seq_file *m);
unsigned long pgc_emerg_pages_held(void);
/* slot_cache changed: trim the slot cache to the new limit. */
void pgc_emerg_cache_resize(void);
/* debugfs testing/force_virtual: PGCLUSTER_VIRTOK requests skip the cluster pool. */
extern bool pgc_force_virtual;
static inline bool pgc_skip_contig(unsigned int flags)
{
	return (flags & PGCLUSTER_VIRTOK) && READ_ONCE(pgc_force_virtual);
}

/**
 * pgc_usable_size() - what pgcluster_size() reports for a result
 * @size: the request's size
 * @ptr: what the request returned, NULL when it failed
 *
 * Worked out, not looked up, so that no lock is taken: the cluster pool
 * rounds to %PGCLUSTER_GRANULE, the emergency path (vmalloc space) to pages.
 *
 * Return: usable bytes at @ptr, 0 when @ptr is NULL.
 */
static inline size_t pgc_usable_size(size_t size, const void *ptr)
{
	if (!ptr)
		return 0;
	return is_vmalloc_addr(ptr) ? PAGE_ALIGN(size) :
				      round_up(size, PGCLUSTER_GRANULE);
}

/* debugfs.c: stats, slots and testing/; the lab adds its own files. */
int pgc_debugfs_init(void);

#endif /* _PGCLUSTER_INTERNAL_H */
