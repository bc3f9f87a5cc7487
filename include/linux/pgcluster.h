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
 * pgcluster_free() releases both kinds.  The kernel-doc of the functions is
 * in module/api.c; docs/api.md is the guide, gfp rules included.
 */
#ifndef _LINUX_PGCLUSTER_H
#define _LINUX_PGCLUSTER_H

#include <linux/types.h>
#include <linux/gfp.h>

/**
 * define PGCLUSTER_VIRTOK - the caller accepts virtually contiguous memory
 *
 * The only flag.  When the pool cannot serve a request, the emergency
 * allocator maps order-0 pages side by side into a fixed-size slot in
 * vmalloc space.  Do not pass it for memory a device will DMA as one
 * physical range.
 */
#define PGCLUSTER_VIRTOK	0x1u

/**
 * define PGCLUSTER_GRANULE - allocation granule in bytes
 *
 * Sizes are rounded up to a multiple of it and results are aligned to it
 * (the x86-64 cache line), nothing more.
 */
#define PGCLUSTER_GRANULE	64

/**
 * define PGCLUSTER_MAX_SIZE - the largest size pgcluster_alloc() serves
 *
 * One cluster: 2 MiB.  Larger requests get NULL.
 */
#define PGCLUSTER_MAX_SIZE	(2UL << 20)

void *pgcluster_alloc(size_t size, gfp_t gfp, unsigned int flags);
void *pgcluster_alloc_node(size_t size, gfp_t gfp, unsigned int flags,
			   int node);
void pgcluster_free(const void *ptr);
size_t pgcluster_size(const void *ptr);
bool pgcluster_is_virtual(const void *ptr);

#endif /* _LINUX_PGCLUSTER_H */
