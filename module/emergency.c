// SPDX-License-Identifier: GPL-2.0
/*
 * Emergency allocator: virtually contiguous memory made of order-0 pages.
 *
 * When a PGCLUSTER_VIRTOK request cannot be served by the cluster pool,
 * pgc_emerg_alloc() takes one order-0 page per PAGE_SIZE of the request and
 * maps them side by side into vmalloc space.
 *
 * Slots.  Every mapping covers one whole slot of pgc_slot_pages pages (a
 * power of two, 2..256): the allocation's own pages first, then the same
 * module-owned filler page repeated up to the end of the slot.  All mappings
 * therefore have a single size, so they cannot fragment the virtual space
 * they are carved from.  Slots of up to PGC_VMAP_MAX_ALLOC pages (64 with
 * 4 KiB pages) are mapped with vm_map_ram(), which carves them from per-CPU
 * vmap blocks with lazily batched TLB flushes; larger slots with vmap().  A
 * request larger than one slot returns NULL from this path.  The filler page
 * is mapped writable (vm_map_ram() takes no protection argument and vmap()
 * takes one for the whole mapping, and no exported call changes one PTE):
 * writes beyond pgcluster_size() land on the shared filler, never on another
 * allocation's pages, but they do not fault, KASAN cannot see them, and
 * another allocation's overflow may read them back.  A build with
 * -DPGC_EMERG_EXACT_MAP maps only the allocation's pages, so that an
 * overflow past the last page faults.  vm_map_ram() reuses the space of a vmap block only once
 * every mapping in it is gone, so a long-lived slot keeps its block's
 * virtual range (a few MiB of the TiB-sized vmalloc space) in use.
 *
 * Whole-slot against exact-size mapping (build with
 * KCFLAGS=-DPGC_EMERG_EXACT_MAP to map only the allocation's own pages),
 * median alloc+free under QEMU TCG, 6.1, slot 32, normalised by
 * vmalloc+vfree of 128 KiB in the same boot: 16 KiB 0.148 whole-slot vs
 * 0.140 exact, 36 KiB 0.302 vs 0.296, i.e. within 5%, the noise of those
 * runs.  Allocating the pages dominates; the extra PTEs cost little, so
 * whole-slot mapping is the default.
 *
 * Slot cache.  A freed slot is not unmapped at once: up to pgc_slot_cache
 * slots (module parameter slot_cache, writable at run time) are kept mapped
 * with their own pages, in one list per page count, and the next request
 * for the same number of pages takes one back with no page allocation, no
 * mapping and no TLB flush: two short critical sections of the record lock.
 * vmalloc() has no such cache, which is where the emergency path gains on
 * it; a request that misses the cache costs what vmalloc() costs.  Only
 * slots of exactly the requested page count are reused, so a cached slot
 * never hands out more pages than asked for.  A cached slot may hold pages
 * of another node than the one a later request prefers.  When the cache is
 * full, a free unmaps the oldest cached slot to make room, so the cache
 * follows the sizes in current use.  A slot is cached
 * only while the page reserve is full (otherwise its pages refill the
 * reserve), and the memory is cleared as the page allocator would: on
 * reuse for __GFP_ZERO or init_on_alloc, on free for init_on_free.  A
 * shrinker unmaps cached slots under memory pressure, lowering slot_cache
 * trims the cache the same way, and unload empties it.  Of the cached slots
 * of one size the oldest is reused first, so a freed address is handed out
 * again as late as the cache allows (a stale second free of it is caught
 * until then).
 * A cached slot stays mapped, so a use after free of an emergency
 * allocation is invisible to KASAN; slot_cache=0 restores vmalloc-like
 * behaviour for such hunts.
 *
 * Forward progress.  Pages are first asked of the page allocator with
 * __GFP_NORETRY | __GFP_NOWARN, in one bulk call and then one by one for
 * what the bulk call did not give; only when that fails is a page taken from a
 * reserve of pgc_reserve_pages order-0 pages.  The bookkeeping record of an
 * allocation has a small reserve of its own, so a request whose pages are
 * all in the reserve needs no memory from the system except what
 * vm_map_ram()/vmap() take for themselves (vmap metadata and page tables).
 * The reserve is topped up by frees and by a worker on a WQ_MEM_RECLAIM
 * workqueue, which backs off while the page allocator keeps failing.
 *
 * Records.  Live allocations are kept in a hash table keyed by the page
 * number of the mapping, under one short irq-safe spinlock.  pgc_emerg_free()
 * removes the record under that lock before anything else, so of two racing
 * frees of one pointer exactly one succeeds, and a vmalloc address that was
 * not handed out here (or is not the start of an allocation) is refused
 * without touching anything.
 *
 * Context rules (quoted in the README):
 *  - Allocation needs a sleeping gfp (gfpflags_allow_blocking()); with
 *    GFP_ATOMIC or GFP_NOWAIT the emergency path returns NULL at once and
 *    never sleeps.  GFP_NOFS/GFP_NOIO are honoured around the mapping.
 *  - Free works in any context in which the contiguous free works: process
 *    context, under spinlocks or rcu_read_lock(), with interrupts disabled,
 *    in softirq and in hard interrupt context.  vm_unmap_ram() and vunmap()
 *    may sleep, so the unmap happens inline only when the caller could
 *    sleep (preemptible() and outside rcu_read_lock(); never on PREEMPT_RT
 *    or without CONFIG_PREEMPT_COUNT); otherwise the allocation leaves the
 *    record table at once and is unmapped by a worker (counted in
 *    deferred_frees).  Module unload flushes the deferred frees.
 *  - pgcluster_size() and pgcluster_is_virtual() work in any context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/kstrtox.h>
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
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"

#define PGC_EMERG_HASH_BITS	10
/* Records kept in reserve: at most this many, and no more than reserve pages. */
#define PGC_REC_RESERVE_MAX	64
/* Delay before the refill worker tries again after a failed allocation. */
#define PGC_REFILL_RETRY	(HZ / 10)

/* One live emergency allocation. */
struct pgc_emerg_rec {
	struct hlist_node hnode;	/* pgc_emerg_hash, under pgc_emerg_lock */
	union {
		struct llist_node llnode;	/* pgc_deferred, awaiting unmap */
		struct list_head list;		/* record reserve or slot cache */
	};
	struct list_head lru;		/* slot cache, in free order */
	unsigned long addr;		/* start of the mapping */
	unsigned int nr_pages;		/* pages of the allocation */
	unsigned int map_pages;		/* pages mapped (slot or nr_pages) */
	unsigned int nr_reserve;	/* pages taken from the reserve */
	struct page *pages[];		/* map_pages entries, filler at the end */
};

bool pgc_force_virtual;

static DEFINE_HASHTABLE(pgc_emerg_hash, PGC_EMERG_HASH_BITS);
static DEFINE_SPINLOCK(pgc_emerg_lock);		/* irq-safe: frees from irq */

/* Page and record reserves, touched in process context only. */
static DEFINE_SPINLOCK(pgc_reserve_lock);
static LIST_HEAD(pgc_reserve_list);
static unsigned int pgc_reserve_level;
static LIST_HEAD(pgc_rec_spares);
static unsigned int pgc_rec_spare_level;
static unsigned int pgc_rec_spare_target;

static struct kmem_cache *pgc_rec_cache;
static struct page *pgc_filler_page;
static struct workqueue_struct *pgc_emerg_wq;
static LLIST_HEAD(pgc_deferred);
static bool pgc_emerg_dying;

static void pgc_refill_fn(struct work_struct *work);
static void pgc_deferred_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pgc_refill_work, pgc_refill_fn);
static DECLARE_WORK(pgc_deferred_work, pgc_deferred_fn);

/* Test knob: the next N page allocations of the emergency path fail. */
static atomic_t pgc_fail_pages = ATOMIC_INIT(0);

static atomic64_t pgc_stat_allocs = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_frees = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_failures = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_refills = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_reserve_used = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_deferred = ATOMIC64_INIT(0);
static atomic_long_t pgc_live_slots = ATOMIC_LONG_INIT(0);
static atomic_long_t pgc_pages_mapped = ATOMIC_LONG_INIT(0);

static unsigned int pgc_emerg_map_pages(unsigned int nr_pages)
{
#ifdef PGC_EMERG_EXACT_MAP
	return nr_pages;
#else
	return pgc_slot_pages;
#endif
}

/* ---- reserves ---------------------------------------------------------- */

static struct page *pgc_reserve_take(void)
{
	struct page *page;

	spin_lock(&pgc_reserve_lock);
	page = list_first_entry_or_null(&pgc_reserve_list, struct page, lru);
	if (page) {
		list_del(&page->lru);
		WRITE_ONCE(pgc_reserve_level, pgc_reserve_level - 1);
	}
	spin_unlock(&pgc_reserve_lock);
	return page;
}

/*
 * Gives @page to the reserve if it is short; false when it is full.  With
 * @clear the page is cleared first, under the lock, only when it is taken.
 */
static bool pgc_reserve_put(struct page *page, bool clear)
{
	bool taken = false;

	if (READ_ONCE(pgc_reserve_level) >= pgc_reserve_pages)
		return false;
	spin_lock(&pgc_reserve_lock);
	if (pgc_reserve_level < pgc_reserve_pages) {
		if (clear)
			clear_highpage(page);
		list_add(&page->lru, &pgc_reserve_list);
		WRITE_ONCE(pgc_reserve_level, pgc_reserve_level + 1);
		taken = true;
	}
	spin_unlock(&pgc_reserve_lock);
	if (taken)
		atomic64_inc(&pgc_stat_refills);
	return taken;
}

static struct pgc_emerg_rec *pgc_rec_spare_take(void)
{
	struct pgc_emerg_rec *rec;

	spin_lock(&pgc_reserve_lock);
	rec = list_first_entry_or_null(&pgc_rec_spares, struct pgc_emerg_rec,
				       list);
	if (rec) {
		list_del(&rec->list);
		WRITE_ONCE(pgc_rec_spare_level, pgc_rec_spare_level - 1);
	}
	spin_unlock(&pgc_reserve_lock);
	return rec;
}

static bool pgc_rec_spare_put(struct pgc_emerg_rec *rec)
{
	bool taken = false;

	spin_lock(&pgc_reserve_lock);
	if (pgc_rec_spare_level < pgc_rec_spare_target) {
		list_add(&rec->list, &pgc_rec_spares);
		WRITE_ONCE(pgc_rec_spare_level, pgc_rec_spare_level + 1);
		taken = true;
	}
	spin_unlock(&pgc_reserve_lock);
	return taken;
}

static bool pgc_reserves_short(void)
{
	return READ_ONCE(pgc_reserve_level) < pgc_reserve_pages ||
	       READ_ONCE(pgc_rec_spare_level) < pgc_rec_spare_target;
}

static void pgc_refill_kick(void)
{
	if (!READ_ONCE(pgc_emerg_dying) && pgc_reserves_short())
		queue_delayed_work(pgc_emerg_wq, &pgc_refill_work, 0);
}

/* Tops both reserves up; returns false when the system could not supply. */
static bool pgc_refill(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	struct pgc_emerg_rec *rec;
	struct page *page;

	while (READ_ONCE(pgc_reserve_level) < pgc_reserve_pages) {
		page = alloc_page(gfp);
		if (!page)
			return false;
		if (!pgc_reserve_put(page, false)) {
			__free_page(page);
			break;
		}
	}
	while (READ_ONCE(pgc_rec_spare_level) < pgc_rec_spare_target) {
		rec = kmem_cache_alloc(pgc_rec_cache, gfp);
		if (!rec)
			return false;
		if (!pgc_rec_spare_put(rec)) {
			kmem_cache_free(pgc_rec_cache, rec);
			break;
		}
	}
	return true;
}

static void pgc_refill_fn(struct work_struct *work)
{
	if (!pgc_refill() && !READ_ONCE(pgc_emerg_dying))
		queue_delayed_work(pgc_emerg_wq, &pgc_refill_work,
				   PGC_REFILL_RETRY);
}

/* ---- slot cache -------------------------------------------------------- */

/*
 * Freed slots kept mapped, under pgc_emerg_lock: on a list per page count
 * (index nr_pages - 1) for lookup and on one list in the order they were
 * freed for eviction, newest first on both.  pgc_cache_slots and
 * pgc_cache_pages count the slots on the lists plus those a free has
 * claimed room for and is still clearing; pgc_cache_ready is set once the
 * lists are initialised.
 */
static struct list_head pgc_cache[PGC_SLOT_PAGES_MAX];
static LIST_HEAD(pgc_cache_lru);
static unsigned int pgc_cache_slots;
static unsigned long pgc_cache_pages;
static bool pgc_cache_ready;
static struct shrinker *pgc_cache_shrinker;
static atomic64_t pgc_stat_cache_hits = ATOMIC64_INIT(0);
static atomic64_t pgc_stat_cache_released = ATOMIC64_INIT(0);

/* Takes @rec off both cache lists.  Lock held. */
static void pgc_cache_unlink(struct pgc_emerg_rec *rec)
{
	list_del(&rec->list);
	list_del(&rec->lru);
	WRITE_ONCE(pgc_cache_slots, pgc_cache_slots - 1);
	WRITE_ONCE(pgc_cache_pages, pgc_cache_pages - rec->nr_pages);
}

/*
 * Takes a cached slot of exactly @nr pages and makes it live; NULL on a
 * miss.  The oldest of that size goes first, so a freed address is handed
 * out again as late as the cache allows and a stale second free of it is
 * more likely to be caught as a double free.
 */
static struct pgc_emerg_rec *pgc_cache_take(unsigned int nr)
{
	struct pgc_emerg_rec *rec = NULL;

	if (!READ_ONCE(pgc_cache_slots))
		return NULL;
	spin_lock_irq(&pgc_emerg_lock);
	if (!list_empty(&pgc_cache[nr - 1]))
		rec = list_last_entry(&pgc_cache[nr - 1],
				      struct pgc_emerg_rec, list);
	if (rec) {
		pgc_cache_unlink(rec);
		hash_add(pgc_emerg_hash, &rec->hnode, rec->addr >> PAGE_SHIFT);
	}
	spin_unlock_irq(&pgc_emerg_lock);
	return rec;
}

/*
 * Takes the oldest cached slot out of the cache for unmapping, or returns
 * NULL when no slot is on the lists.  Its pages count as mapped again until
 * the unmap.  Lock held.
 */
static struct pgc_emerg_rec *pgc_cache_evict(void)
{
	struct pgc_emerg_rec *rec;

	if (list_empty(&pgc_cache_lru))
		return NULL;
	rec = list_last_entry(&pgc_cache_lru, struct pgc_emerg_rec, lru);
	pgc_cache_unlink(rec);
	atomic_long_add(rec->nr_pages, &pgc_pages_mapped);
	atomic64_inc(&pgc_stat_cache_released);
	return rec;
}

/*
 * Claims room in the cache for @rec, just removed from the live table.
 * When the cache is full, the oldest cached slot makes room and comes back
 * in @victim for the caller to unmap.  A full reserve comes first: while it
 * is short, freed pages go to it instead.  Lock held.
 */
static bool pgc_cache_claim(struct pgc_emerg_rec *rec,
			    struct pgc_emerg_rec **victim)
{
	unsigned int limit = READ_ONCE(pgc_slot_cache);

	*victim = NULL;
	if (!pgc_cache_ready || pgc_emerg_dying || !limit ||
	    READ_ONCE(pgc_reserve_level) < pgc_reserve_pages)
		return false;
	if (pgc_cache_slots >= limit)
		*victim = pgc_cache_evict();
	if (pgc_cache_slots >= limit)
		return false;
	WRITE_ONCE(pgc_cache_slots, pgc_cache_slots + 1);
	WRITE_ONCE(pgc_cache_pages, pgc_cache_pages + rec->nr_pages);
	return true;
}

static void pgc_emerg_dispose(struct pgc_emerg_rec *rec);

/*
 * Puts @rec, which has claimed its room, on the cache lists; unless the
 * limit was lowered (or unload began) since the claim, in which case the
 * trim that ran meanwhile could not see it: it gives the room back and is
 * unmapped instead.
 */
static void pgc_cache_put(struct pgc_emerg_rec *rec)
{
	unsigned long flags;
	bool keep;

	if (want_init_on_free())
		memset((void *)rec->addr, 0, (size_t)rec->nr_pages << PAGE_SHIFT);
	spin_lock_irqsave(&pgc_emerg_lock, flags);
	keep = !pgc_emerg_dying &&
	       pgc_cache_slots <= READ_ONCE(pgc_slot_cache);
	if (keep) {
		list_add(&rec->list, &pgc_cache[rec->nr_pages - 1]);
		list_add(&rec->lru, &pgc_cache_lru);
	} else {
		WRITE_ONCE(pgc_cache_slots, pgc_cache_slots - 1);
		WRITE_ONCE(pgc_cache_pages, pgc_cache_pages - rec->nr_pages);
	}
	spin_unlock_irqrestore(&pgc_emerg_lock, flags);
	if (!keep) {
		atomic_long_add(rec->nr_pages, &pgc_pages_mapped);
		pgc_emerg_dispose(rec);
	}
}

static void pgc_emerg_release(struct pgc_emerg_rec *rec);

/*
 * Unmaps cached slots, oldest first, until at most @keep slots stay cached
 * or at least @pages pages are released.  Returns the pages released.
 * Process context: the unmap may sleep.
 */
static unsigned long pgc_cache_trim(unsigned int keep, unsigned long pages)
{
	struct pgc_emerg_rec *rec, *next;
	unsigned long flags, done = 0;
	LLIST_HEAD(victims);

	might_sleep();
	spin_lock_irqsave(&pgc_emerg_lock, flags);
	while (pgc_cache_ready && pgc_cache_slots > keep && done < pages) {
		rec = pgc_cache_evict();
		if (!rec)
			break;
		llist_add(&rec->llnode, &victims);
		done += rec->nr_pages;
	}
	spin_unlock_irqrestore(&pgc_emerg_lock, flags);
	llist_for_each_entry_safe(rec, next, llist_del_all(&victims), llnode)
		pgc_emerg_release(rec);
	return done;
}

/**
 * pgc_emerg_cache_resize() - apply a new slot_cache limit
 *
 * Called by the module parameter's setter after the limit changed; slots
 * above the new limit are unmapped.  Does nothing before the emergency
 * allocator is initialised.
 *
 * Context: process context.
 */
void pgc_emerg_cache_resize(void)
{
	if (READ_ONCE(pgc_emerg_dying))
		return;
	pgc_cache_trim(READ_ONCE(pgc_slot_cache), ULONG_MAX);
}

static unsigned long pgc_cache_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long pages = READ_ONCE(pgc_cache_pages);

	return pages ? pages : SHRINK_EMPTY;
}

/* Under memory pressure cached slots are unmapped, oldest first. */
static unsigned long pgc_cache_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	unsigned long done = pgc_cache_trim(0, sc->nr_to_scan);

	return done ? done : SHRINK_STOP;
}

/* ---- allocation -------------------------------------------------------- */

static struct page *pgc_emerg_get_page(gfp_t gfp, int node, bool *reserve)
{
	struct page *page = NULL;

	if (!atomic_add_unless(&pgc_fail_pages, -1, 0))
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
	atomic64_inc(&pgc_stat_reserve_used);
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
	if (atomic_read(&pgc_fail_pages))
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
		atomic64_inc(&pgc_stat_cache_hits);
		addr = (void *)rec->addr;
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

	spin_lock_irq(&pgc_emerg_lock);
	hash_add(pgc_emerg_hash, &rec->hnode, rec->addr >> PAGE_SHIFT);
	spin_unlock_irq(&pgc_emerg_lock);
	if (rec->nr_reserve)
		pgc_refill_kick();
done:
	atomic64_inc(&pgc_stat_allocs);
	atomic_long_inc(&pgc_live_slots);
	atomic_long_add(nr, &pgc_pages_mapped);
	return addr;

fail_pages:
	pgc_emerg_put_pages(rec, i < nr ? i : nr);
	pgc_rec_put(rec);
	pgc_refill_kick();
fail:
	atomic64_inc(&pgc_stat_failures);
	return NULL;
}

/* ---- lookup and free --------------------------------------------------- */

/* Caller holds pgc_emerg_lock. */
static struct pgc_emerg_rec *pgc_emerg_find(unsigned long addr)
{
	struct pgc_emerg_rec *rec;

	hash_for_each_possible(pgc_emerg_hash, rec, hnode, addr >> PAGE_SHIFT)
		if (rec->addr == addr)
			return rec;
	return NULL;
}

/* Unmaps and releases an allocation already removed from the table. */
static void pgc_emerg_release(struct pgc_emerg_rec *rec)
{
	unsigned int nr = rec->nr_pages;

	pgc_emerg_unmap(rec);
	pgc_emerg_put_pages(rec, nr);
	pgc_rec_put(rec);
	atomic_long_sub(nr, &pgc_pages_mapped);
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
	pgc_refill_kick();
}

/* True when the current context may call vm_unmap_ram()/vunmap(). */
static bool pgc_emerg_may_sleep(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT) || pgc_in_non_block_section())
		return false;
	return preemptible() && !rcu_preempt_depth();
}

/* Unmaps @rec now if the context allows, else hands it to the worker. */
static void pgc_emerg_dispose(struct pgc_emerg_rec *rec)
{
	if (pgc_emerg_may_sleep()) {
		pgc_emerg_release(rec);
		return;
	}
	atomic64_inc(&pgc_stat_deferred);
	llist_add(&rec->llnode, &pgc_deferred);
	queue_work(pgc_emerg_wq, &pgc_deferred_work);
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
 * Return: true when @ptr was a live allocation (now freed), false when it
 * was not handed out here or is already freed (nothing is changed).
 */
bool pgc_emerg_free(const void *ptr)
{
	unsigned long addr = (unsigned long)ptr;
	struct pgc_emerg_rec *rec, *victim = NULL;
	bool cache = false;
	unsigned long flags;

	if (!PAGE_ALIGNED(addr))
		return false;
	spin_lock_irqsave(&pgc_emerg_lock, flags);
	rec = pgc_emerg_find(addr);
	if (rec) {
		hash_del(&rec->hnode);
		cache = pgc_cache_claim(rec, &victim);
	}
	spin_unlock_irqrestore(&pgc_emerg_lock, flags);
	if (!rec)
		return false;

	atomic64_inc(&pgc_stat_frees);
	atomic_long_dec(&pgc_live_slots);
	if (victim)
		pgc_emerg_dispose(victim);
	if (cache) {
		atomic_long_sub(rec->nr_pages, &pgc_pages_mapped);
		pgc_cache_put(rec);
	} else {
		pgc_emerg_dispose(rec);
	}
	return true;
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

/* ---- reporting --------------------------------------------------------- */

/**
 * pgc_emerg_show_stats() - print the emergency allocator's counters
 * @m: the seq_file of debugfs "stats"
 *
 * One "name value" line each: emerg_allocs, emerg_frees, emerg_live_slots,
 * emerg_failures (requests that reached this path and got NULL, whatever the
 * reason), emerg_slot_pages, emerg_pages_mapped (pages of allocations not
 * yet unmapped, deferred frees included, cached slots not), emerg_cache_slots
 * and emerg_cache_pages (slots kept mapped for reuse and their pages),
 * emerg_cache_limit (slot_cache), emerg_cache_hits (allocations served from
 * the cache), emerg_cache_released (cached slots unmapped: evicted by a newer
 * one, by the shrinker, a lower limit or unload), reserve_pages (current
 * level),
 * reserve_target, reserve_refills (pages put into the reserve by the worker
 * or by frees, initial fill included), reserve_pages_used (pages served
 * from the reserve) and deferred_frees (frees unmapped by the worker).
 *
 * Context: process context.
 */
void pgc_emerg_show_stats(struct seq_file *m)
{
	seq_printf(m, "emerg_allocs %lld\n", atomic64_read(&pgc_stat_allocs));
	seq_printf(m, "emerg_frees %lld\n", atomic64_read(&pgc_stat_frees));
	seq_printf(m, "emerg_live_slots %ld\n",
		   atomic_long_read(&pgc_live_slots));
	seq_printf(m, "emerg_failures %lld\n",
		   atomic64_read(&pgc_stat_failures));
	seq_printf(m, "emerg_slot_pages %u\n", pgc_slot_pages);
	seq_printf(m, "emerg_pages_mapped %ld\n",
		   atomic_long_read(&pgc_pages_mapped));
	seq_printf(m, "emerg_cache_slots %u\n", READ_ONCE(pgc_cache_slots));
	seq_printf(m, "emerg_cache_pages %lu\n", READ_ONCE(pgc_cache_pages));
	seq_printf(m, "emerg_cache_limit %u\n", READ_ONCE(pgc_slot_cache));
	seq_printf(m, "emerg_cache_hits %lld\n",
		   atomic64_read(&pgc_stat_cache_hits));
	seq_printf(m, "emerg_cache_released %lld\n",
		   atomic64_read(&pgc_stat_cache_released));
	seq_printf(m, "reserve_pages %u\n", READ_ONCE(pgc_reserve_level));
	seq_printf(m, "reserve_target %u\n", pgc_reserve_pages);
	seq_printf(m, "reserve_refills %lld\n",
		   atomic64_read(&pgc_stat_refills));
	seq_printf(m, "reserve_pages_used %lld\n",
		   atomic64_read(&pgc_stat_reserve_used));
	seq_printf(m, "deferred_frees %lld\n",
		   atomic64_read(&pgc_stat_deferred));
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
	return atomic_long_read(&pgc_pages_mapped) +
	       READ_ONCE(pgc_cache_pages) +
	       READ_ONCE(pgc_reserve_level) + (pgc_filler_page ? 1 : 0);
}

/*
 * debugfs "slots": one line per live slot, "<vaddr> <used>/<slot> pages
 * <n> reserve", then "slots <n> pages <used>/<mapped> reserve <n> cached
 * <n> (<n> pages)", the last two for the slot cache (free slots still
 * mapped, not listed one by one).  The table is walked one hash bucket at a
 * time so the lock is held briefly.
 */
static int pgc_slots_show(struct seq_file *m, void *unused)
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
		   slots, used, mapped, reserve, READ_ONCE(pgc_cache_slots),
		   READ_ONCE(pgc_cache_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgc_slots);

/*
 * The two knobs parse strictly: one value, at most one trailing newline,
 * nothing else (no truncation of long input, no embedded NUL).  Bad input
 * fails with -EINVAL, or -ERANGE for a number above U32_MAX, and changes
 * nothing.
 */
#define PGC_KNOB_MAX	24

static int pgc_knob_copy(const char __user *ubuf, size_t len, char *buf)
{
	if (!len || len >= PGC_KNOB_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!len || strlen(buf) != len)
		return -EINVAL;
	while (len--)
		if (isspace(buf[len]))
			return -EINVAL;
	return 0;
}

static ssize_t pgc_fail_pages_read(struct file *file, char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[16];
	int n;

	n = scnprintf(buf, sizeof(buf), "%u\n",
		      (u32)atomic_read(&pgc_fail_pages));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t pgc_fail_pages_write(struct file *file,
				    const char __user *ubuf, size_t len,
				    loff_t *ppos)
{
	char buf[PGC_KNOB_MAX];
	u32 val;
	int ret;

	ret = pgc_knob_copy(ubuf, len, buf);
	if (!ret)
		ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	atomic_set(&pgc_fail_pages, (int)val);
	return len;
}

static const struct file_operations pgc_fail_pages_fops = {
	.owner = THIS_MODULE,
	.read = pgc_fail_pages_read,
	.write = pgc_fail_pages_write,
	.llseek = default_llseek,
};

static ssize_t pgc_force_virtual_read(struct file *file, char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	char buf[2] = { READ_ONCE(pgc_force_virtual) ? 'Y' : 'N', '\n' };

	return simple_read_from_buffer(ubuf, len, ppos, buf, sizeof(buf));
}

/* Accepts 1/Y/y/on and 0/N/n/off. */
static ssize_t pgc_force_virtual_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	char buf[PGC_KNOB_MAX];
	bool val;
	int ret;

	ret = pgc_knob_copy(ubuf, len, buf);
	if (ret)
		return ret;
	if (!strcmp(buf, "1") || !strcasecmp(buf, "y") || !strcmp(buf, "on"))
		val = true;
	else if (!strcmp(buf, "0") || !strcasecmp(buf, "n") ||
		 !strcmp(buf, "off"))
		val = false;
	else
		return -EINVAL;
	WRITE_ONCE(pgc_force_virtual, val);
	return len;
}

static const struct file_operations pgc_force_virtual_fops = {
	.owner = THIS_MODULE,
	.read = pgc_force_virtual_read,
	.write = pgc_force_virtual_write,
	.llseek = default_llseek,
};

/* ---- init and exit ----------------------------------------------------- */

/**
 * pgc_emerg_init() - set up the emergency allocator and fill its reserve
 *
 * Creates debugfs "slots" (read-only) and two test knobs, both 0600:
 * "emerg_fail_pages" (u32: the next N order-0 page allocations of the
 * emergency path fail as if the page allocator had nothing, so the reserve
 * is used) and "force_virtual" (bool: PGCLUSTER_VIRTOK requests skip the
 * contiguous pool, to test and time this path).  Bad input is refused with
 * -EINVAL (or -ERANGE) and leaves the value unchanged.
 *
 * Context: process context.
 * Return: 0, or -ENOMEM.
 */
int pgc_emerg_init(void)
{
	size_t rec_size = sizeof(struct pgc_emerg_rec) +
			  pgc_slot_pages * sizeof(struct page *);
	unsigned int i;

	pgc_emerg_dying = false;
	for (i = 0; i < PGC_SLOT_PAGES_MAX; i++)
		INIT_LIST_HEAD(&pgc_cache[i]);
	pgc_rec_spare_target = min(pgc_reserve_pages, PGC_REC_RESERVE_MAX);
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
	pgc_cache_shrinker = shrinker_alloc(0, "pgcluster-slots");
	if (!pgc_cache_shrinker)
		goto err_wq;
	pgc_cache_shrinker->count_objects = pgc_cache_count;
	pgc_cache_shrinker->scan_objects = pgc_cache_scan;
	shrinker_register(pgc_cache_shrinker);
	spin_lock_irq(&pgc_emerg_lock);
	pgc_cache_ready = true;
	spin_unlock_irq(&pgc_emerg_lock);

	if (!pgc_refill())
		pr_warn("emergency reserve filled to %u of %u pages; the worker keeps trying\n",
			READ_ONCE(pgc_reserve_level), pgc_reserve_pages);
	pgc_refill_kick();

	debugfs_create_file("slots", 0444, pgc_debugfs_root, NULL,
			    &pgc_slots_fops);
	debugfs_create_file("emerg_fail_pages", 0600, pgc_debugfs_root, NULL,
			    &pgc_fail_pages_fops);
	debugfs_create_file("force_virtual", 0600, pgc_debugfs_root, NULL,
			    &pgc_force_virtual_fops);
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
	struct page *page, *pnext;
	struct pgc_emerg_rec *rnext;
	unsigned int bkt;

	/* No user is left to free or allocate; only our workers run. */
	shrinker_free(pgc_cache_shrinker);
	pgc_cache_shrinker = NULL;
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
		atomic_long_sub(leaked, &pgc_live_slots);
		pgc_deferred_drain();
	}
	/* After the deferred work: it may have queued a refill. */
	cancel_delayed_work_sync(&pgc_refill_work);
	destroy_workqueue(pgc_emerg_wq);
	pgc_emerg_wq = NULL;

	list_for_each_entry_safe(page, pnext, &pgc_reserve_list, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	pgc_reserve_level = 0;
	list_for_each_entry_safe(rec, rnext, &pgc_rec_spares, list) {
		list_del(&rec->list);
		kmem_cache_free(pgc_rec_cache, rec);
	}
	pgc_rec_spare_level = 0;
	__free_page(pgc_filler_page);
	pgc_filler_page = NULL;
	kmem_cache_destroy(pgc_rec_cache);
	pgc_rec_cache = NULL;
	spin_lock_irq(&pgc_emerg_lock);
	pgc_cache_ready = false;
	spin_unlock_irq(&pgc_emerg_lock);
}
