/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgcluster: physically contiguous allocations of any size from a pool of
 * large clusters, with a virtually contiguous emergency fallback.
 *
 * Contiguous results live in the linear map: virt_to_page() and
 * virt_to_phys() are valid and the pages are physically consecutive.  Sizes
 * are rounded up to PGCLUSTER_GRANULE bytes; results are aligned to
 * PGCLUSTER_GRANULE and nothing more.  Results of the emergency path (only
 * with PGCLUSTER_VIRTOK) are vmalloc-space addresses; use
 * pgcluster_is_virtual() and vmalloc_to_page() for those.
 *
 * pgcluster_free() releases both kinds.  See README for the gfp rules.
 */
#ifndef _LINUX_PGCLUSTER_H
#define _LINUX_PGCLUSTER_H

#include <linux/types.h>
#include <linux/gfp.h>

/* Caller accepts virtually contiguous memory (emergency allocator). */
#define PGCLUSTER_VIRTOK	0x1u

/* Allocation granule in bytes: sizes are rounded up to this. */
#define PGCLUSTER_GRANULE	64

/* Largest size pgcluster_alloc() serves (one cluster). */
#define PGCLUSTER_MAX_SIZE	(2UL << 20)

void *pgcluster_alloc(size_t size, gfp_t gfp, unsigned int flags);
void *pgcluster_alloc_node(size_t size, gfp_t gfp, unsigned int flags,
			   int node);
void pgcluster_free(const void *ptr);
size_t pgcluster_size(const void *ptr);
bool pgcluster_is_virtual(const void *ptr);

#endif /* _LINUX_PGCLUSTER_H */
