/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the emergency allocator: emergency.c (records, map/unmap,
 * alloc/free), emerg_cache.c (freed slots kept mapped) and emerg_reserve.c
 * (page and record reserves, refill worker).  docs/design.md has the
 * design.
 *
 * Lock order: pgc_emerg_lock (irq-safe; live records and the slot cache)
 * and pgc_reserve_lock (process context; the reserves) are never nested.
 */
#ifndef _PGCLUSTER_EMERG_H
#define _PGCLUSTER_EMERG_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "internal.h"

/* One live emergency allocation. */
struct pgc_emerg_rec {
	struct hlist_node hnode;	/* live table, under pgc_emerg_lock */
	union {
		struct llist_node llnode;	/* deferred, awaiting unmap */
		struct list_head list;		/* record reserve or slot cache */
	};
	struct list_head lru;		/* slot cache, in free order */
	unsigned long addr;		/* start of the mapping */
	unsigned int nr_pages;		/* pages of the allocation */
	unsigned int map_pages;		/* pages mapped (slot or nr_pages) */
	unsigned int nr_reserve;	/* pages taken from the reserve */
	struct page *pages[];		/* map_pages entries, filler at the end */
};

/* emergency.c */
extern spinlock_t pgc_emerg_lock;
extern bool pgc_emerg_dying;		/* unload began; under pgc_emerg_lock */
extern struct workqueue_struct *pgc_emerg_wq;
extern struct kmem_cache *pgc_rec_cache;
extern atomic_long_t pgc_emerg_pages_mapped;
extern atomic_long_t pgc_emerg_live_slots;
extern atomic_t pgc_emerg_fail_pages;	/* test knob: next N pages fail */
void pgc_emerg_track(struct pgc_emerg_rec *rec);
void pgc_emerg_release(struct pgc_emerg_rec *rec);
bool pgc_emerg_dispose(struct pgc_emerg_rec *rec);

/* emerg_cache.c */
void pgc_cache_init(void);
int pgc_cache_shrinker_init(void);
void pgc_cache_shrinker_exit(void);
void pgc_cache_exit(void);
struct pgc_emerg_rec *pgc_cache_take(unsigned int nr);
bool pgc_cache_claim(struct pgc_emerg_rec *rec, struct pgc_emerg_rec **victim);
bool pgc_cache_put(struct pgc_emerg_rec *rec);
unsigned long pgc_cache_trim(unsigned int keep, unsigned long pages);
unsigned int pgc_cache_slots_read(void);
unsigned long pgc_cache_pages_read(void);

/* emerg_reserve.c */
void pgc_reserve_init(void);
void pgc_reserve_exit(void);
struct page *pgc_reserve_take(void);
bool pgc_reserve_put(struct page *page, bool clear);
unsigned int pgc_reserve_level_read(void);
struct pgc_emerg_rec *pgc_rec_spare_take(void);
bool pgc_rec_spare_put(struct pgc_emerg_rec *rec);
bool pgc_reserve_refill(void);
void pgc_reserve_kick(void);
void pgc_reserve_hold(bool hold);
bool pgc_reserve_held(void);
void pgc_reserve_stop(void);

#endif /* _PGCLUSTER_EMERG_H */
