// SPDX-License-Identifier: GPL-2.0
/*
 * The slot cache: up to slot_cache freed slots kept mapped with their own
 * pages, one list per page count, so the next request of that exact size
 * needs no page allocation, no mapping and no TLB flush.  A full cache
 * unmaps its oldest slot to make room; slots are cached only while the
 * page reserve is full; a shrinker, a lower slot_cache and unload unmap
 * them.  The oldest slot of a size is reused first, so a stale second free
 * of an address is caught as long as possible.
 *
 * Lock: pgc_emerg_lock (emerg.h), shared with the live records so a slot
 * moves between the two atomically.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "emerg.h"
#include "stats.h"
#include "trace.h"

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

/* Takes @rec off both cache lists.  Lock held. */
static void pgc_cache_unlink(struct pgc_emerg_rec *rec)
{
	list_del(&rec->list);
	list_del(&rec->lru);
	WRITE_ONCE(pgc_cache_slots, pgc_cache_slots - 1);
	WRITE_ONCE(pgc_cache_pages, pgc_cache_pages - rec->nr_pages);
}

/**
 * pgc_cache_take() - reuse a cached slot of exactly @nr pages
 * @nr: pages wanted
 *
 * The oldest slot of that size goes first, so a freed address is handed
 * out again as late as the cache allows and a stale second free of it is
 * more likely to be caught as a double free.
 *
 * Return: the slot, now live, or NULL on a miss.
 */
struct pgc_emerg_rec *pgc_cache_take(unsigned int nr)
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
		pgc_emerg_track(rec);
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
	atomic_long_add(rec->nr_pages, &pgc_emerg_pages_mapped);
	pgc_stat_inc(PGC_STAT_EMERG_CACHE_RELEASED);
	trace_pgcluster_emerg_cache(PGC_TRACE_CACHE_EVICT, (void *)rec->addr,
				    rec->nr_pages);
	return rec;
}

/**
 * pgc_cache_claim() - claim room in the cache for a slot being freed
 * @rec: the slot, just removed from the live table
 * @victim: set to the oldest cached slot when it made room; the caller
 *	unmaps it
 *
 * A full reserve comes first: while it is short, freed pages go to it.
 *
 * Context: pgc_emerg_lock held.
 * Return: true when @rec may be cached with pgc_cache_put().
 */
bool pgc_cache_claim(struct pgc_emerg_rec *rec,
		     struct pgc_emerg_rec **victim)
{
	unsigned int limit = READ_ONCE(pgc_slot_cache);

	*victim = NULL;
	if (!pgc_cache_ready || pgc_emerg_dying || !limit ||
	    pgc_reserve_level_read() < pgc_reserve_pages)
		return false;
	if (pgc_cache_slots >= limit)
		*victim = pgc_cache_evict();
	if (pgc_cache_slots >= limit)
		return false;
	WRITE_ONCE(pgc_cache_slots, pgc_cache_slots + 1);
	WRITE_ONCE(pgc_cache_pages, pgc_cache_pages + rec->nr_pages);
	return true;
}

/**
 * pgc_cache_put() - put a slot that claimed its room on the cache lists
 * @rec: the slot
 *
 * If the limit was lowered (or unload began) since the claim, the trim
 * that ran meanwhile could not see @rec: it gives the room back and is
 * unmapped instead.
 *
 * Context: any context.
 * Return: true when @rec was unmapped instead and that unmap deferred.
 */
bool pgc_cache_put(struct pgc_emerg_rec *rec)
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
	if (keep)
		return false;
	atomic_long_add(rec->nr_pages, &pgc_emerg_pages_mapped);
	return pgc_emerg_dispose(rec);
}

/**
 * pgc_cache_trim() - unmap cached slots, oldest first
 * @keep: stop when at most this many slots stay cached
 * @pages: or when at least this many pages are released
 *
 * Context: process context; the unmap may sleep.
 * Return: the pages released.
 */
unsigned long pgc_cache_trim(unsigned int keep, unsigned long pages)
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

/**
 * pgc_cache_init() - set the cache up, empty
 *
 * Context: process context, before the first free can reach the cache.
 */
void pgc_cache_init(void)
{
	unsigned int i;

	for (i = 0; i < PGC_SLOT_PAGES_MAX; i++)
		INIT_LIST_HEAD(&pgc_cache[i]);
}

/**
 * pgc_cache_shrinker_init() - register the cache's shrinker, open the cache
 *
 * Return: 0 or -ENOMEM.
 */
int pgc_cache_shrinker_init(void)
{
	pgc_cache_shrinker = shrinker_alloc(0, "pgcluster-slots");
	if (!pgc_cache_shrinker)
		return -ENOMEM;
	pgc_cache_shrinker->count_objects = pgc_cache_count;
	pgc_cache_shrinker->scan_objects = pgc_cache_scan;
	shrinker_register(pgc_cache_shrinker);
	spin_lock_irq(&pgc_emerg_lock);
	pgc_cache_ready = true;
	spin_unlock_irq(&pgc_emerg_lock);
	return 0;
}

/**
 * pgc_cache_shrinker_exit() - unregister the shrinker; no scan runs after it
 */
void pgc_cache_shrinker_exit(void)
{
	shrinker_free(pgc_cache_shrinker);
	pgc_cache_shrinker = NULL;
}

/**
 * pgc_cache_exit() - close the cache, already trimmed to nothing
 */
void pgc_cache_exit(void)
{
	spin_lock_irq(&pgc_emerg_lock);
	pgc_cache_ready = false;
	spin_unlock_irq(&pgc_emerg_lock);
}

/**
 * pgc_cache_slots_read() - slots in the cache now
 *
 * Return: the count, read without the lock.
 */
unsigned int pgc_cache_slots_read(void)
{
	return READ_ONCE(pgc_cache_slots);
}

/**
 * pgc_cache_pages_read() - pages of the slots in the cache now
 *
 * Return: the count, read without the lock.
 */
unsigned long pgc_cache_pages_read(void)
{
	return READ_ONCE(pgc_cache_pages);
}
