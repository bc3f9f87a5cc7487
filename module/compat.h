/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels pgcluster builds against (6.1 LTS up
 * to 7.x) lives here, one shim per change, each naming the kernel that made
 * it.  Feature macros are tested where the kernel provides them; version
 * numbers only where it does not.
 */
#ifndef _PGCLUSTER_COMPAT_H
#define _PGCLUSTER_COMPAT_H

#include <linux/version.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/gfp.h>

/*
 * Largest buddy order, inclusive.  6.8 renamed it MAX_PAGE_ORDER; 6.4 made
 * MAX_ORDER inclusive; before 6.4 MAX_ORDER was one past the largest order.
 */
#if defined(MAX_PAGE_ORDER)
#define PGC_MAX_ORDER		MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define PGC_MAX_ORDER		MAX_ORDER
#else
#define PGC_MAX_ORDER		(MAX_ORDER - 1)
#endif

/*
 * Shrinkers: 6.7 replaced register_shrinker()/unregister_shrinker() on a
 * caller-owned struct with shrinker_alloc()/shrinker_register()/
 * shrinker_free().  pgc_shrinker_create() hides the difference.
 */
static inline struct shrinker *
pgc_shrinker_create(unsigned long (*count)(struct shrinker *,
					   struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *,
					  struct shrink_control *),
		    const char *name)
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void pgc_shrinker_destroy(struct shrinker *s)
{
	if (!s)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * emergency.c: vm_map_ram() serves up to VMAP_MAX_ALLOC pages from per-CPU
 * vmap blocks.  The constant is private to mm/vmalloc.c; it has been
 * BITS_PER_LONG from 6.1 through 7.2.  Larger slots are mapped with vmap().
 */
#define PGC_VMAP_MAX_ALLOC	BITS_PER_LONG

/*
 * Bulk order-0 allocation into a page array (fills the NULL entries,
 * returns how many entries are set): alloc_pages_bulk_array_node() up to
 * 6.13, a static inline before 6.10 and a macro after; 6.14 renamed it
 * alloc_pages_bulk_node(), a macro.  Exported underneath as
 * __alloc_pages_bulk() (6.1) and alloc_pages_bulk_noprof() (7.2).
 */
#ifdef alloc_pages_bulk_node
#define pgc_alloc_pages_bulk_node(gfp, nid, nr, pages) \
	alloc_pages_bulk_node(gfp, nid, nr, pages)
#else
#define pgc_alloc_pages_bulk_node(gfp, nid, nr, pages) \
	alloc_pages_bulk_array_node(gfp, nid, nr, pages)
#endif

/*
 * alloc_contig_pages() builds a cluster by migrating movable pages out of a
 * range when the buddy allocator has no free block that large.  It exists
 * under CONFIG_CONTIG_ALLOC on every supported kernel but modules can only
 * use it where it is exported: 6.1 exports alloc_contig_range() and
 * free_contig_range() but not alloc_contig_pages(); 7.2 exports
 * alloc_contig_pages_noprof() (and free_contig_range()).  Versions between
 * are not verified and are treated as not exporting it.  Override with
 * ccflags -DPGC_HAVE_ALLOC_CONTIG=0 or 1.
 */
#ifndef PGC_HAVE_ALLOC_CONTIG
#if IS_ENABLED(CONFIG_CONTIG_ALLOC) && \
	LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#define PGC_HAVE_ALLOC_CONTIG	1
#else
#define PGC_HAVE_ALLOC_CONTIG	0
#endif
#endif

/*
 * non_block_start() sections (mmu notifiers that may not block) are only
 * tracked with CONFIG_DEBUG_ATOMIC_SLEEP, which adds the task's counter.
 */
#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
#define pgc_in_non_block_section()	(current->non_block_count > 0)
#else
#define pgc_in_non_block_section()	false
#endif

#endif /* _PGCLUSTER_COMPAT_H */
