/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels pgcluster builds against (6.1 LTS up
 * to 7.x) lives here, one shim per change.  The module is written against
 * the newest upstream names; older kernels get them backported below.
 * Whether a kernel has a feature is decided from that kernel's tree: a
 * macro it defines, or a PGC_PROBE_* result that module/kernel-probes.mk
 * read from its headers and Module.symvers.  No version numbers.
 */
#ifndef _PGCLUSTER_COMPAT_H
#define _PGCLUSTER_COMPAT_H

#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/gfp.h>

#if !defined(PGC_PROBE_MAX_ORDER_INCLUSIVE) || \
	!defined(PGC_PROBE_SHRINKER_ALLOC) || \
	!defined(PGC_PROBE_ALLOC_CONTIG_PAGES)
#error "PGC_PROBE_* missing: build through Kbuild (module/kernel-probes.mk)"
#endif

/*
 * Largest buddy order, inclusive: MAX_PAGE_ORDER since 6.8.  Before, it was
 * MAX_ORDER, which until 6.4 was one past the largest order.
 */
#ifndef MAX_PAGE_ORDER
#if PGC_PROBE_MAX_ORDER_INCLUSIVE
#define MAX_PAGE_ORDER		MAX_ORDER
#else
#define MAX_PAGE_ORDER		(MAX_ORDER - 1)
#endif
#endif
static_assert(MAX_ORDER_NR_PAGES == 1UL << MAX_PAGE_ORDER);

/*
 * Shrinkers: 6.7 replaced register_shrinker() on a caller-owned struct with
 * shrinker_alloc()/shrinker_register()/shrinker_free().  The backport
 * keeps the name from shrinker_alloc() and calls register_shrinker() in
 * shrinker_register().  Upstream's shrinker_register() cannot fail; if the
 * old call fails (it allocates a per-node array) that is logged and the
 * shrinker stays unregistered: what it would have given back under
 * pressure stays in the pool until unload or a manual shrink.
 */
#if !PGC_PROBE_SHRINKER_ALLOC
struct pgc_compat_shrinker {
	struct shrinker shrinker;
	bool registered;
	char name[32];
};

static inline __printf(2, 3) struct shrinker *
shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct pgc_compat_shrinker *cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	va_list args;

	if (!cs)
		return NULL;
	va_start(args, fmt);
	vsnprintf(cs->name, sizeof(cs->name), fmt, args);
	va_end(args);
	cs->shrinker.flags = flags;
	cs->shrinker.seeks = DEFAULT_SEEKS;
	return &cs->shrinker;
}

static inline void shrinker_register(struct shrinker *s)
{
	struct pgc_compat_shrinker *cs =
		container_of(s, struct pgc_compat_shrinker, shrinker);

	cs->registered = !register_shrinker(s, "%s", cs->name);
	if (!cs->registered)
		pr_warn("shrinker %s not registered\n", cs->name);
}

static inline void shrinker_free(struct shrinker *s)
{
	struct pgc_compat_shrinker *cs;

	if (!s)
		return;
	cs = container_of(s, struct pgc_compat_shrinker, shrinker);
	if (cs->registered)
		unregister_shrinker(s);
	kfree(cs);
}
#endif

/*
 * emergency.c: vm_map_ram() serves up to VMAP_MAX_ALLOC pages from per-CPU
 * vmap blocks.  The constant is private to mm/vmalloc.c; it has been
 * BITS_PER_LONG from 6.1 through 7.2.  Larger slots are mapped with vmap().
 */
#define PGC_VMAP_MAX_ALLOC	BITS_PER_LONG

/*
 * Bulk order-0 allocation into a page array (fills the NULL entries,
 * returns how many entries are set): 6.14 renamed
 * alloc_pages_bulk_array_node() to alloc_pages_bulk_node(), a macro.
 */
#ifndef alloc_pages_bulk_node
#define alloc_pages_bulk_node(gfp, nid, nr, pages) \
	alloc_pages_bulk_array_node(gfp, nid, nr, pages)
#endif

/*
 * alloc_contig_pages() builds a cluster by migrating movable pages out of a
 * range when the buddy allocator has no free block that large.  It exists
 * under CONFIG_CONTIG_ALLOC everywhere, but modules can only call it where
 * the kernel exports it (7.2 does; 6.1 and 6.12 export only
 * alloc_contig_range()).  Override with ccflags -DPGC_HAVE_ALLOC_CONTIG=0.
 */
#ifndef PGC_HAVE_ALLOC_CONTIG
#define PGC_HAVE_ALLOC_CONTIG \
	(IS_ENABLED(CONFIG_CONTIG_ALLOC) && PGC_PROBE_ALLOC_CONTIG_PAGES)
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
