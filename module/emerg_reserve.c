// SPDX-License-Identifier: GPL-2.0
/*
 * The emergency allocator's reserves: reserve_pages order-0 pages, taken
 * only when the page allocator has nothing, and a few spare records, so a
 * request whose pages all come from the reserve needs no memory from the
 * system but what vm_map_ram()/vmap() take themselves.  Frees top the
 * reserve up first; a worker on a WQ_MEM_RECLAIM workqueue refills the
 * rest and backs off while the page allocator keeps failing.
 *
 * Lock: pgc_reserve_lock, process context only, never nested (emerg.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "emerg.h"
#include "stats.h"
#include "trace.h"

/* Records kept in reserve: at most this many, and no more than reserve pages. */
#define PGC_REC_RESERVE_MAX	64
/* Delay before the refill worker tries again after a failed allocation. */
#define PGC_REFILL_RETRY	(HZ / 10)

static DEFINE_SPINLOCK(pgc_reserve_lock);
static LIST_HEAD(pgc_reserve_list);
static unsigned int pgc_reserve_level;
static LIST_HEAD(pgc_rec_spares);
static unsigned int pgc_rec_spare_level;
static unsigned int pgc_rec_spare_target;

static void pgc_refill_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pgc_refill_work, pgc_refill_fn);

/**
 * pgc_reserve_take() - take a page from the reserve
 *
 * Return: the page, or NULL when the reserve is empty.
 */
struct page *pgc_reserve_take(void)
{
	struct page *page;

	spin_lock(&pgc_reserve_lock);
	page = list_first_entry_or_null(&pgc_reserve_list, struct page, lru);
	if (page) {
		list_del(&page->lru);
		WRITE_ONCE(pgc_reserve_level, pgc_reserve_level - 1);
		trace_pgcluster_reserve(PGC_TRACE_RESERVE_TAKE, 1,
					pgc_reserve_level);
	}
	spin_unlock(&pgc_reserve_lock);
	return page;
}

/**
 * pgc_reserve_put() - give a page to the reserve if it is short
 * @page: an order-0 page
 * @clear: clear it first (under the lock, only when it is taken)
 *
 * Return: true when the reserve took @page, false when it is full.
 */
bool pgc_reserve_put(struct page *page, bool clear)
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
		trace_pgcluster_reserve(PGC_TRACE_RESERVE_REFILL, 1,
					pgc_reserve_level);
		taken = true;
	}
	spin_unlock(&pgc_reserve_lock);
	if (taken)
		pgc_stat_inc(PGC_STAT_RESERVE_REFILLS);
	return taken;
}

/**
 * pgc_rec_spare_take() - take a spare record
 *
 * Return: the record, or NULL when none is left.
 */
struct pgc_emerg_rec *pgc_rec_spare_take(void)
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

/**
 * pgc_rec_spare_put() - keep a record as a spare if they are short
 * @rec: an unused record
 *
 * Return: true when it was kept.
 */
bool pgc_rec_spare_put(struct pgc_emerg_rec *rec)
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

/**
 * pgc_reserve_kick() - queue the refill worker when a reserve is short
 */
void pgc_reserve_kick(void)
{
	if (!READ_ONCE(pgc_emerg_dying) && pgc_reserves_short())
		queue_delayed_work(pgc_emerg_wq, &pgc_refill_work, 0);
}

/**
 * pgc_reserve_refill() - top both reserves up
 *
 * Context: process context; sleeps.
 * Return: false when the system could not supply.
 */
bool pgc_reserve_refill(void)
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

/*
 * Test knob (debugfs testing/refill_hold): while set, the worker leaves the
 * reserves as they are, so a test can see what a free puts back in them.
 */
static bool pgc_reserve_refill_hold;

static void pgc_refill_fn(struct work_struct *work)
{
	if (READ_ONCE(pgc_reserve_refill_hold))
		return;
	if (!pgc_reserve_refill() && !READ_ONCE(pgc_emerg_dying))
		queue_delayed_work(pgc_emerg_wq, &pgc_refill_work,
				   PGC_REFILL_RETRY);
}

/**
 * pgc_reserve_hold() - hold or release the refill worker (testing/refill_hold)
 * @hold: true to hold
 *
 * A hold waits for a running refill to finish, so that on return nothing
 * tops the reserves up but frees.
 *
 * Context: process context; sleeps.
 */
void pgc_reserve_hold(bool hold)
{
	WRITE_ONCE(pgc_reserve_refill_hold, hold);
	if (hold)
		cancel_delayed_work_sync(&pgc_refill_work);
	else
		pgc_reserve_kick();
}

/**
 * pgc_reserve_held() - is the refill worker held
 *
 * Return: the testing/refill_hold setting.
 */
bool pgc_reserve_held(void)
{
	return READ_ONCE(pgc_reserve_refill_hold);
}

/**
 * pgc_reserve_level_read() - pages in the reserve now
 *
 * Return: the level, read without the lock.
 */
unsigned int pgc_reserve_level_read(void)
{
	return READ_ONCE(pgc_reserve_level);
}

/**
 * pgc_reserve_init() - set the record target before the first refill
 */
void pgc_reserve_init(void)
{
	pgc_rec_spare_target = min(pgc_reserve_pages, PGC_REC_RESERVE_MAX);
}

/**
 * pgc_reserve_stop() - wait for the refill worker; it is not queued again
 *
 * Context: process context, after pgc_emerg_dying is set.
 */
void pgc_reserve_stop(void)
{
	cancel_delayed_work_sync(&pgc_refill_work);
}

/**
 * pgc_reserve_exit() - give both reserves back
 *
 * Context: process context, once nothing allocates or frees any more.
 */
void pgc_reserve_exit(void)
{
	struct pgc_emerg_rec *rec, *rnext;
	struct page *page, *pnext;

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
}
