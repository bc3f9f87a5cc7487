// SPDX-License-Identifier: GPL-2.0
/*
 * Emergency allocator: virtually contiguous memory made of order-0 pages,
 * for PGCLUSTER_VIRTOK requests the cluster pool cannot serve.  Each
 * allocation takes one order-0 page per PAGE_SIZE (page allocator first,
 * the reserve of emerg_reserve.c last) and maps them into one slot of
 * slot_pages pages in vmalloc space, the rest of the slot showing a shared
 * filler page, so every mapping has one size.  Live allocations are
 * records in a hash table keyed by address; a free removes the record
 * before anything else, so a foreign or repeated pointer is refused
 * without touching anything.  Freed slots may stay mapped in the slot
 * cache (emerg_cache.c).  Allocation needs a sleeping gfp; free works in
 * any context and hands the unmap to a worker when it may not sleep.
 * docs/design.md has the design, emerg.h the lock order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "emerg.h"
#include "stats.h"
#include "trace.h"

#define PGC_EMERG_HASH_BITS	10

bool pgc_force_virtual;

static DEFINE_HASHTABLE(pgc_emerg_hash, PGC_EMERG_HASH_BITS);
DEFINE_SPINLOCK(pgc_emerg_lock);		/* irq-safe: frees from irq */
bool pgc_emerg_dying;

struct kmem_cache *pgc_rec_cache;
static struct page *pgc_filler_page;
struct workqueue_struct *pgc_emerg_wq;
static LLIST_HEAD(pgc_deferred);

static void pgc_deferred_fn(struct work_struct *work);
static DECLARE_WORK(pgc_deferred_work, pgc_deferred_fn);

/* Test knob: the next N page allocations of the emergency path fail. */
atomic_t pgc_emerg_fail_pages = ATOMIC_INIT(0);

atomic_long_t pgc_emerg_live_slots = ATOMIC_LONG_INIT(0);
/* Pages of allocations not yet unmapped; cached slots not included. */
atomic_long_t pgc_emerg_pages_mapped = ATOMIC_LONG_INIT(0);

static unsigned int pgc_emerg_map_pages(unsigned int nr_pages)
{
#ifdef PGC_EMERG_EXACT_MAP
	return nr_pages;
#else
	return pgc_slot_pages;
#endif
}

static struct page *pgc_emerg_get_page(gfp_t gfp, int node, bool *reserve)
{
	struct page *page = NULL;

	if (!atomic_add_unless(&pgc_emerg_fail_pages, -1, 0))
		page = alloc_pages_node(node, gfp | __GFP_NORETRY | __GFP_NOWARN,
					0);
	*reserve = false;
	if (page)
		return page;
	/* Reserve pages may be on any node. */
	if (gfp & __GFP_THISNODE)
		return NULL;
	page = pgc_reserve_take();
	if (!page)
		return NULL;
	*reserve = true;
	pgc_stat_inc(PGC_STAT_RESERVE_PAGES_USED);
	if (want_init_on_alloc(gfp))
		clear_highpage(page);
	return page;
}

/*
 * Fills as many of @rec's nr_pages entries as the page allocator's fast path
 * gives in one bulk call (the rest stay NULL); none while the
 * emerg_fail_pages knob is armed, so that it fails single pages as it says.
 */
static void pgc_emerg_bulk_pages(struct pgc_emerg_rec *rec, gfp_t gfp,
				 int node)
{
	memset(rec->pages, 0, rec->nr_pages * sizeof(rec->pages[0]));
	if (atomic_read(&pgc_emerg_fail_pages))
		return;
	alloc_pages_bulk_node(gfp | __GFP_NORETRY | __GFP_NOWARN, node,
			      rec->nr_pages, rec->pages);
}

static struct pgc_emerg_rec *pgc_rec_get(gfp_t gfp, int node)
{
	struct pgc_emerg_rec *rec;

	gfp &= ~(GFP_ZONEMASK | __GFP_ZERO | __GFP_COMP | __GFP_NOFAIL);
	rec = kmem_cache_alloc_node(pgc_rec_cache,
				    gfp | __GFP_NORETRY | __GFP_NOWARN, node);
	if (!rec)
		rec = pgc_rec_spare_take();
	return rec;
}

static void pgc_rec_put(struct pgc_emerg_rec *rec)
{
	if (!pgc_rec_spare_put(rec))
		kmem_cache_free(pgc_rec_cache, rec);
}

/*
 * Returns the first @nr pages of @rec to the reserve or the system.  With
 * init_on_free a page the reserve takes is cleared first, under the reserve
 * lock, as the page allocator would have cleared it; __free_page() clears
 * the others.
 */
static void pgc_emerg_put_pages(struct pgc_emerg_rec *rec, unsigned int nr)
{
	bool clear = want_init_on_free();
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!pgc_reserve_put(rec->pages[i], clear))
			__free_page(rec->pages[i]);
	}
}

static void *pgc_emerg_map(struct pgc_emerg_rec *rec, gfp_t gfp, int node)
{
	unsigned int nofs = 0, noio = 0;
	/*
	 * vm_map_ram() and vmap() allocate their own metadata and page tables
	 * with GFP_KERNEL: only the caller's IO/FS restrictions reach them,
	 * through the scope below, not its retry or kswapd policy.
	 */
	bool scope_noio = !(gfp & __GFP_IO), scope_nofs = !(gfp & __GFP_FS);
	void *addr;

	/* vm_map_ram() and vmap() allocate with GFP_KERNEL internally. */
	if (scope_noio)
		noio = memalloc_noio_save();
	else if (scope_nofs)
		nofs = memalloc_nofs_save();
	if (rec->map_pages <= PGC_VMAP_MAX_ALLOC)
		addr = vm_map_ram(rec->pages, rec->map_pages, node);
	else
		addr = vmap(rec->pages, rec->map_pages, VM_MAP, PAGE_KERNEL);
	if (scope_noio)
		memalloc_noio_restore(noio);
	else if (scope_nofs)
		memalloc_nofs_restore(nofs);
	return addr;
}

static void pgc_emerg_unmap(struct pgc_emerg_rec *rec)
{
	if (rec->map_pages <= PGC_VMAP_MAX_ALLOC)
		vm_unmap_ram((void *)rec->addr, rec->map_pages);
	else
		vunmap((void *)rec->addr);
}

/**
 * pgc_emerg_alloc() - map order-0 pages into one virtually contiguous slot
 * @size: bytes wanted, at most pgc_slot_pages pages
 * @gfp: must allow blocking; __GFP_ZERO zeroes the memory
 * @node: preferred node for the pages, or %NUMA_NO_NODE
 *
 * Pages come from the page allocator (__GFP_NORETRY) or, when it cannot
 * supply, from the module's reserve.
 *
 * Context: process context; sleeps.  Returns NULL at once for a gfp that
 * does not allow blocking.
 * Return: a vmalloc-space address usable for pgc_emerg_size() bytes, or NULL
 * when @size exceeds a slot, @gfp does not allow sleeping or asks for a
 * zone below ZONE_NORMAL (GFP_DMA, GFP_DMA32), or no page could be found.
 */
void *pgc_emerg_alloc(size_t size, gfp_t gfp, int node)
{
	unsigned int nr, i, map;
	struct pgc_emerg_rec *rec;
	gfp_t page_gfp;
	bool reserve;
	void *addr;

	/* Reserve pages and cached slots may lie in any zone. */
	if (!size || size > (size_t)pgc_slot_pages << PAGE_SHIFT ||
	    !gfpflags_allow_blocking(gfp) || gfp_zone(gfp) < ZONE_NORMAL)
		goto fail;
	might_sleep();

	nr = DIV_ROUND_UP(size, PAGE_SIZE);
	/* Cached slots may hold pages of any node. */
	rec = (gfp & __GFP_THISNODE) ? NULL : pgc_cache_take(nr);
	if (rec) {
		pgc_stat_inc(PGC_STAT_EMERG_CACHE_HITS);
		addr = (void *)rec->addr;
		trace_pgcluster_emerg_cache(PGC_TRACE_CACHE_HIT, addr, nr);
		if (want_init_on_alloc(gfp))
			memset(addr, 0, (size_t)nr << PAGE_SHIFT);
		goto done;
	}

	map = pgc_emerg_map_pages(nr);
	rec = pgc_rec_get(gfp, node);
	if (!rec)
		goto fail;
	rec->nr_pages = nr;
	rec->map_pages = map;
	rec->nr_reserve = 0;

	/* Unmovable pages: they stay pinned while mapped. */
	page_gfp = gfp & ~(__GFP_MOVABLE | __GFP_COMP | __GFP_NOFAIL);
	pgc_emerg_bulk_pages(rec, page_gfp, node);
	for (i = 0; i < nr; i++) {
		if (rec->pages[i])
			continue;
		rec->pages[i] = pgc_emerg_get_page(page_gfp, node, &reserve);
		if (!rec->pages[i])
			goto fail_pages;
		if (reserve)
			rec->nr_reserve++;
	}
	for (; i < map; i++)
		rec->pages[i] = pgc_filler_page;

	addr = pgc_emerg_map(rec, gfp, node);
	if (!addr)
		goto fail_pages;
	rec->addr = (unsigned long)addr;
	trace_pgcluster_emerg_map(addr, nr, map);

	spin_lock_irq(&pgc_emerg_lock);
	pgc_emerg_track(rec);
	spin_unlock_irq(&pgc_emerg_lock);
	if (rec->nr_reserve)
		pgc_reserve_kick();
done:
	pgc_stat_inc(PGC_STAT_EMERG_ALLOCS);
	atomic_long_inc(&pgc_emerg_live_slots);
	atomic_long_add(nr, &pgc_emerg_pages_mapped);
	return addr;

fail_pages:
	pgc_emerg_put_pages(rec, i < nr ? i : nr);
	pgc_rec_put(rec);
	pgc_reserve_kick();
fail:
	pgc_stat_inc(PGC_STAT_EMERG_FAILURES);
	return NULL;
}

/**
 * pgc_emerg_track() - enter a live allocation in the record table
 * @rec: the allocation, mapped
 *
 * Context: pgc_emerg_lock held.
 */
void pgc_emerg_track(struct pgc_emerg_rec *rec)
{
	hash_add(pgc_emerg_hash, &rec->hnode, rec->addr >> PAGE_SHIFT);
}

/* Caller holds pgc_emerg_lock. */
static struct pgc_emerg_rec *pgc_emerg_find(unsigned long addr)
{
	struct pgc_emerg_rec *rec;

	hash_for_each_possible(pgc_emerg_hash, rec, hnode, addr >> PAGE_SHIFT)
		if (rec->addr == addr)
			return rec;
	return NULL;
}

/**
 * pgc_emerg_release() - unmap and free an allocation out of the table
 * @rec: the allocation, no longer live nor cached
 *
 * Context: process context; the unmap may sleep.
 */
void pgc_emerg_release(struct pgc_emerg_rec *rec)
{
	unsigned int nr = rec->nr_pages;

	trace_pgcluster_emerg_unmap((void *)rec->addr, nr, rec->map_pages);
	pgc_emerg_unmap(rec);
	pgc_emerg_put_pages(rec, nr);
	pgc_rec_put(rec);
	atomic_long_sub(nr, &pgc_emerg_pages_mapped);
}

static void pgc_deferred_drain(void)
{
	struct llist_node *list = llist_del_all(&pgc_deferred);
	struct pgc_emerg_rec *rec, *next;

	llist_for_each_entry_safe(rec, next, list, llnode) {
		pgc_emerg_release(rec);
		cond_resched();
	}
}

static void pgc_deferred_fn(struct work_struct *work)
{
	pgc_deferred_drain();
	pgc_reserve_kick();
}

/* True when the current context may call vm_unmap_ram()/vunmap(). */
static bool pgc_emerg_may_sleep(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT) || pgc_in_non_block_section())
		return false;
	return preemptible() && !rcu_preempt_depth();
}

/**
 * pgc_emerg_dispose() - release an allocation now or from the worker
 * @rec: the allocation, no longer live nor cached
 *
 * Unmaps @rec now if the context allows, else hands it to the worker.
 *
 * Context: any context.
 * Return: true when the unmap was handed to the worker.
 */
bool pgc_emerg_dispose(struct pgc_emerg_rec *rec)
{
	if (pgc_emerg_may_sleep()) {
		pgc_emerg_release(rec);
		return false;
	}
	pgc_stat_inc(PGC_STAT_DEFERRED_FREES);
	llist_add(&rec->llnode, &pgc_deferred);
	queue_work(pgc_emerg_wq, &pgc_deferred_work);
	return true;
}

/**
 * pgc_emerg_free() - free an emergency allocation
 * @ptr: start of a live emergency allocation
 *
 * The slot is kept mapped in the slot cache (which, when full, unmaps its
 * oldest slot to make room) or else unmapped; an unmap is deferred to a
 * worker when the caller cannot sleep.
 *
 * Context: any context.
 * Return: %PGC_EMERG_FREED, or %PGC_EMERG_FREED_DEFERRED when its unmap
 * was handed to the worker; 0 when @ptr was not handed out here or is
 * already freed (nothing is changed).
 */
int pgc_emerg_free(const void *ptr)
{
	unsigned long addr = (unsigned long)ptr;
	struct pgc_emerg_rec *rec, *victim = NULL;
	bool cache = false, deferred = false;
	unsigned long flags;

	if (!PAGE_ALIGNED(addr))
		return 0;
	spin_lock_irqsave(&pgc_emerg_lock, flags);
	rec = pgc_emerg_find(addr);
	if (rec) {
		hash_del(&rec->hnode);
		cache = pgc_cache_claim(rec, &victim);
	}
	spin_unlock_irqrestore(&pgc_emerg_lock, flags);
	if (!rec)
		return 0;

	pgc_stat_inc(PGC_STAT_EMERG_FREES);
	atomic_long_dec(&pgc_emerg_live_slots);
	if (victim)
		pgc_emerg_dispose(victim);
	if (cache) {
		atomic_long_sub(rec->nr_pages, &pgc_emerg_pages_mapped);
		deferred = pgc_cache_put(rec);
	} else {
		deferred = pgc_emerg_dispose(rec);
	}
	return deferred ? PGC_EMERG_FREED_DEFERRED : PGC_EMERG_FREED;
}

/**
 * pgc_emerg_size() - usable bytes of an emergency allocation
 * @ptr: start of a live emergency allocation
 *
 * Context: any context.
 * Return: the allocation's pages times PAGE_SIZE, or 0 when @ptr is not the
 * start of a live emergency allocation.
 */
size_t pgc_emerg_size(const void *ptr)
{
	struct pgc_emerg_rec *rec;
	unsigned long flags;
	size_t size = 0;

	if (!PAGE_ALIGNED((unsigned long)ptr))
		return 0;
	spin_lock_irqsave(&pgc_emerg_lock, flags);
	rec = pgc_emerg_find((unsigned long)ptr);
	if (rec)
		size = (size_t)rec->nr_pages << PAGE_SHIFT;
	spin_unlock_irqrestore(&pgc_emerg_lock, flags);
	return size;
}

/**
 * pgc_emerg_owns() - is @ptr a live emergency allocation
 * @ptr: any pointer
 *
 * Context: any context.
 * Return: true when @ptr is the start of a live emergency allocation.
 */
bool pgc_emerg_owns(const void *ptr)
{
	return pgc_emerg_size(ptr) != 0;
}

/**
 * pgc_emerg_pages_held() - pages the emergency allocator holds
 *
 * Context: any context.
 * Return: pages in live (or not yet unmapped) allocations, in cached slots,
 * in the reserve, and the filler page.
 */
unsigned long pgc_emerg_pages_held(void)
{
	return atomic_long_read(&pgc_emerg_pages_mapped) +
	       pgc_cache_pages_read() + pgc_reserve_level_read() +
	       (pgc_filler_page ? 1 : 0);
}

/**
 * pgc_emerg_show_slots() - print debugfs "slots"
 * @m: the seq_file
 *
 * One line per live slot, "<vaddr> <used>/<slot> pages <n> reserve", then
 * "slots <n> pages <used>/<mapped> reserve <n> cached <n> (<n> pages)", the
 * last two for the slot cache (free slots still mapped, not listed one by
 * one).  The table is walked one hash bucket at a time so the lock is held
 * briefly.
 *
 * Context: process context.
 */
void pgc_emerg_show_slots(struct seq_file *m)
{
	unsigned long slots = 0, used = 0, mapped = 0, reserve = 0;
	struct pgc_emerg_rec *rec;
	unsigned int bkt;

	for (bkt = 0; bkt < HASH_SIZE(pgc_emerg_hash); bkt++) {
		spin_lock_irq(&pgc_emerg_lock);
		hlist_for_each_entry(rec, &pgc_emerg_hash[bkt], hnode) {
			seq_printf(m, "%p %u/%u pages %u reserve\n",
				   (void *)rec->addr, rec->nr_pages,
				   rec->map_pages, rec->nr_reserve);
			slots++;
			used += rec->nr_pages;
			mapped += rec->map_pages;
			reserve += rec->nr_reserve;
		}
		spin_unlock_irq(&pgc_emerg_lock);
	}
	seq_printf(m, "slots %lu pages %lu/%lu reserve %lu cached %u (%lu pages)\n",
		   slots, used, mapped, reserve, pgc_cache_slots_read(),
		   pgc_cache_pages_read());
}

/**
 * pgc_emerg_init() - set up the emergency allocator and fill its reserve
 *
 * Context: process context.
 * Return: 0, or -ENOMEM.
 */
int pgc_emerg_init(void)
{
	size_t rec_size = sizeof(struct pgc_emerg_rec) +
			  pgc_slot_pages * sizeof(struct page *);

	pgc_emerg_dying = false;
	pgc_cache_init();
	pgc_reserve_init();
	pgc_rec_cache = kmem_cache_create("pgcluster_emerg_rec", rec_size, 0,
					  0, NULL);
	if (!pgc_rec_cache)
		return -ENOMEM;
	pgc_filler_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!pgc_filler_page)
		goto err_cache;
	pgc_emerg_wq = alloc_workqueue("pgcluster_emerg",
				       WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!pgc_emerg_wq)
		goto err_filler;
	if (pgc_cache_shrinker_init())
		goto err_wq;

	if (!pgc_reserve_refill())
		pr_warn("emergency reserve filled to %u of %u pages; the worker keeps trying\n",
			pgc_reserve_level_read(), pgc_reserve_pages);
	pgc_reserve_kick();
	return 0;

err_wq:
	destroy_workqueue(pgc_emerg_wq);
	pgc_emerg_wq = NULL;
err_filler:
	__free_page(pgc_filler_page);
	pgc_filler_page = NULL;
err_cache:
	kmem_cache_destroy(pgc_rec_cache);
	pgc_rec_cache = NULL;
	return -ENOMEM;
}

/**
 * pgc_emerg_exit() - release everything the emergency allocator holds
 *
 * Allocations still live (leaked by a user that has been unloaded) are
 * unmapped and freed with a message; deferred frees are flushed.
 *
 * Context: process context, after the debugfs files are gone.
 */
void pgc_emerg_exit(void)
{
	struct pgc_emerg_rec *rec;
	struct hlist_node *tmp;
	unsigned long leaked = 0;
	unsigned int bkt;

	/* No user is left to free or allocate; only our workers run. */
	pgc_cache_shrinker_exit();
	/*
	 * slot_cache stays writable until after the module's exit: a setter
	 * trimming now would race the teardown below.  Setters run under the
	 * parameter lock and do nothing once dying is set.
	 */
	kernel_param_lock(THIS_MODULE);
	spin_lock_irq(&pgc_emerg_lock);
	WRITE_ONCE(pgc_emerg_dying, true);
	spin_unlock_irq(&pgc_emerg_lock);
	kernel_param_unlock(THIS_MODULE);
	flush_work(&pgc_deferred_work);
	pgc_cache_trim(0, ULONG_MAX);
	pgc_deferred_drain();

	spin_lock_irq(&pgc_emerg_lock);
	hash_for_each_safe(pgc_emerg_hash, bkt, tmp, rec, hnode) {
		hash_del(&rec->hnode);
		llist_add(&rec->llnode, &pgc_deferred);
		leaked++;
	}
	spin_unlock_irq(&pgc_emerg_lock);
	if (leaked) {
		pr_warn("%lu emergency allocations still live at unload: freed\n",
			leaked);
		atomic_long_sub(leaked, &pgc_emerg_live_slots);
		pgc_deferred_drain();
	}
	/* After the deferred work: it may have queued a refill. */
	pgc_reserve_stop();
	destroy_workqueue(pgc_emerg_wq);
	pgc_emerg_wq = NULL;

	pgc_reserve_exit();
	__free_page(pgc_filler_page);
	pgc_filler_page = NULL;
	kmem_cache_destroy(pgc_rec_cache);
	pgc_rec_cache = NULL;
	pgc_cache_exit();
}
