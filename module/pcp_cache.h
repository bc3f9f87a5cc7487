/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU cache of freed cluster extents (pcp_cache.c).  A cached extent
 * stays allocated in its cluster's extent map, tagged there with the CPU
 * that holds it (pgc_pcp_tag()); that CPU either keeps it on a stack of its
 * size class or has handed it out again and keeps a token for it.
 *
 * Lock order: pgc_cluster.lock -> pgc_pcp.lock; a pcp lock alone is taken
 * with interrupts off.  No cluster lock is ever taken under a pcp lock.
 */
#ifndef _PGCLUSTER_PCP_CACHE_H
#define _PGCLUSTER_PCP_CACHE_H

#include <linux/mmzone.h>
#include <linux/types.h>

struct pgc_cluster;

/* One cached or handed-out extent. */
struct pgc_pcp_entry {
	void *ptr;
	u32 units;
	u16 nid;
	u8 zone;
};

/* Extents taken off a CPU's stacks, to be freed outside any lock. */
#define PGC_PCP_DEPTH	8
struct pgc_pcp_batch {
	unsigned int nr;
	struct pgc_pcp_entry e[PGC_PCP_DEPTH];
};

static inline u16 pgc_pcp_tag(unsigned int cpu)
{
	return cpu + 1;
}

void *pgc_pcp_alloc(u32 units, int nid, enum zone_type zone);
bool pgc_pcp_free(const void *ptr, u32 *units);
u16 pgc_pcp_stash(struct pgc_cluster *c, void *ptr, u32 units,
		  struct pgc_pcp_batch *evicted);
bool pgc_pcp_handed_out(u16 tag, const void *ptr, bool take);
void pgc_pcp_release(struct pgc_pcp_batch *b);
unsigned int pgc_pcp_drain_cpu(unsigned int cpu);
unsigned int pgc_pcp_drain_all(void);
unsigned long pgc_pcp_cached_bytes(void);
size_t pgc_pcp_meta_bytes(void);
int pgc_pcp_init(void);
void pgc_pcp_exit(void);

/* cluster.c: free a cached extent in its map (it must carry a tag). */
void pgc_cluster_release_cached(const struct pgc_pcp_entry *e);

#endif /* _PGCLUSTER_PCP_CACHE_H */
