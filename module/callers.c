// SPDX-License-Identifier: GPL-2.0
/*
 * Per-caller accounting, in the spirit of /proc/allocinfo: for every call
 * site of pgcluster_alloc()/pgcluster_alloc_node() the live allocations and
 * their usable bytes, the calls and the failed calls.  debugfs "callers"
 * shows it, sorted by live bytes; writing "on", "off" or "reset" drives it.
 *
 * A site is created on its first call and lives until module unload, so
 * readers and the hooks use a site pointer without holding anything.  A
 * live allocation has a record (pointer, site, bytes) in a hash table with
 * a lock per bucket; only the owner of a bucket lock touches its records,
 * which are therefore freed at once.  Records and sites are allocated with
 * the caller's own gfp policy (pgc_meta_gfp()), never sleeping for a
 * caller that may not; an allocation whose record cannot be allocated is
 * still served and only counted as untracked.
 *
 * Off, the hooks are one static branch.  Switching off waits for a grace
 * period, so every hook that saw accounting on has finished, then drops
 * all records and zeroes the live counts: after the next "on" they count
 * the allocations made since, and the free of an allocation made while
 * off finds no record and counts nothing.  "reset" zeroes calls, failures
 * and untracked; the live counts stay exact.
 *
 * Lock order: pgc_callers_mutex -> pgc_rec_bucket.lock, pgc_site_lock
 * (both irqsave, leaves).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "callers.h"
#include "internal.h"
#include "pool.h"

#define PGC_SITE_BITS	8
/* ~6 records a bucket at 100k live allocations; made at the first "on". */
#define PGC_REC_BITS	14

struct pgc_site {
	unsigned long ip;		/* the caller's return address */
	atomic_long_t live;
	atomic_long_t live_bytes;
	atomic_long_t calls;
	atomic_long_t failures;
	struct hlist_node node;		/* pgc_sites[], RCU */
};

struct pgc_rec {
	struct hlist_node node;		/* its bucket, under the bucket lock */
	const void *ptr;
	struct pgc_site *site;
	size_t bytes;
};

struct pgc_rec_bucket {
	spinlock_t lock;		/* @head and its records */
	struct hlist_head head;
};

DEFINE_STATIC_KEY_FALSE(pgc_callers_key);
bool pgc_callers_param;

static DEFINE_MUTEX(pgc_callers_mutex);	/* on/off/reset */
static bool pgc_callers_on;		/* read under rcu_read_lock() */
static struct hlist_head pgc_sites[1 << PGC_SITE_BITS];
/* Serialises additions to pgc_sites[]; lookups are lockless. */
static DEFINE_SPINLOCK(pgc_site_lock);
static atomic_t pgc_nr_sites = ATOMIC_INIT(0);
/* 1 << PGC_REC_BITS buckets; set before the first "on", kept until exit. */
static struct pgc_rec_bucket *pgc_recs;
static atomic_long_t pgc_untracked = ATOMIC_LONG_INIT(0);

static struct pgc_site *pgc_site_find(struct hlist_head *head,
				      unsigned long ip)
{
	struct pgc_site *s;

	/* Under rcu_read_lock(), or pgc_site_lock when adding. */
	hlist_for_each_entry_rcu(s, head, node,
				 lockdep_is_held(&pgc_site_lock))
		if (s->ip == ip)
			return s;
	return NULL;
}

static struct pgc_site *pgc_site_new(unsigned long ip, gfp_t gfp)
{
	struct pgc_site *s = kmalloc(sizeof(*s), pgc_meta_gfp(gfp));

	if (!s)
		return NULL;
	s->ip = ip;
	atomic_long_set(&s->live, 0);
	atomic_long_set(&s->live_bytes, 0);
	atomic_long_set(&s->calls, 0);
	atomic_long_set(&s->failures, 0);
	return s;
}

/* The site of @ip, created on first use; NULL when there is no memory. */
static struct pgc_site *pgc_site_get(unsigned long ip, gfp_t gfp)
{
	struct hlist_head *head = &pgc_sites[hash_long(ip, PGC_SITE_BITS)];
	struct pgc_site *s, *old;
	unsigned long flags;

	rcu_read_lock();
	s = pgc_site_find(head, ip);
	rcu_read_unlock();
	if (likely(s))
		return s;

	s = pgc_site_new(ip, gfp);
	if (!s)
		return NULL;
	spin_lock_irqsave(&pgc_site_lock, flags);
	old = pgc_site_find(head, ip);
	if (!old) {
		hlist_add_head_rcu(&s->node, head);
		atomic_inc(&pgc_nr_sites);
	}
	spin_unlock_irqrestore(&pgc_site_lock, flags);
	if (old) {
		kfree(s);
		s = old;
	}
	return s;
}

static struct pgc_rec_bucket *pgc_rec_bucket(const void *ptr)
{
	return &pgc_recs[hash_ptr((void *)ptr, PGC_REC_BITS)];
}

/**
 * __pgc_callers_alloc() - count one allocation call of @caller
 * @caller: _RET_IP_ of the exported allocation function
 * @ptr: what the call returned, NULL when it failed
 * @size: the size asked for
 * @gfp: the caller's effective mask, for the records' own allocations
 *
 * Context: any context the allocation was called from.
 */
void __pgc_callers_alloc(unsigned long caller, const void *ptr, size_t size,
			 gfp_t gfp)
{
	struct pgc_rec_bucket *b;
	struct pgc_rec *r = NULL;
	struct pgc_site *s;
	unsigned long flags;

	s = pgc_site_get(caller, gfp);
	if (ptr)
		r = kmalloc(sizeof(*r), pgc_meta_gfp(gfp));
	rcu_read_lock();
	/* Acquire: pgc_recs is set before accounting is first on. */
	if (!smp_load_acquire(&pgc_callers_on))
		goto out;
	if (!s) {
		if (ptr)
			atomic_long_inc(&pgc_untracked);
		goto out;
	}
	atomic_long_inc(&s->calls);
	if (!ptr) {
		atomic_long_inc(&s->failures);
		goto out;
	}
	if (!r) {
		atomic_long_inc(&pgc_untracked);
		goto out;
	}
	r->ptr = ptr;
	r->site = s;
	r->bytes = pgc_usable_size(size, ptr);
	atomic_long_inc(&s->live);
	atomic_long_add(r->bytes, &s->live_bytes);
	b = pgc_rec_bucket(ptr);
	spin_lock_irqsave(&b->lock, flags);
	hlist_add_head(&r->node, &b->head);
	spin_unlock_irqrestore(&b->lock, flags);
	r = NULL;
out:
	rcu_read_unlock();
	kfree(r);
}

/**
 * __pgc_callers_free() - forget the record of a live allocation
 * @ptr: the allocation about to be freed
 *
 * An allocation without a record (made while accounting was off, or
 * untracked) changes nothing.
 *
 * Context: any context pgcluster_free() may be called from.
 */
void __pgc_callers_free(const void *ptr)
{
	struct pgc_rec_bucket *b;
	struct pgc_rec *r = NULL, *it;
	unsigned long flags;

	rcu_read_lock();
	/* Acquire: pairs with the release that switched it on. */
	if (!smp_load_acquire(&pgc_callers_on))
		goto out;
	b = pgc_rec_bucket(ptr);
	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(it, &b->head, node) {
		if (it->ptr == ptr) {
			hlist_del(&it->node);
			r = it;
			break;
		}
	}
	spin_unlock_irqrestore(&b->lock, flags);
	if (r) {
		atomic_long_dec(&r->site->live);
		atomic_long_sub(r->bytes, &r->site->live_bytes);
	}
out:
	rcu_read_unlock();
	kfree(r);
}

/* Drop every record and zero the live counts; accounting is off. */
static void pgc_callers_drop_records(void)
{
	struct pgc_rec *r;
	struct hlist_node *tmp;
	struct pgc_site *s;
	unsigned long flags;
	HLIST_HEAD(dead);
	unsigned int i;

	for (i = 0; pgc_recs && i < (1U << PGC_REC_BITS); i++) {
		spin_lock_irqsave(&pgc_recs[i].lock, flags);
		hlist_move_list(&pgc_recs[i].head, &dead);
		spin_unlock_irqrestore(&pgc_recs[i].lock, flags);
		hlist_for_each_entry_safe(r, tmp, &dead, node)
			kfree(r);
		INIT_HLIST_HEAD(&dead);
	}
	for (i = 0; i < ARRAY_SIZE(pgc_sites); i++) {
		hlist_for_each_entry(s, &pgc_sites[i], node) {
			atomic_long_set(&s->live, 0);
			atomic_long_set(&s->live_bytes, 0);
		}
	}
	atomic_long_set(&pgc_untracked, 0);
}

/* The record table, made when accounting is first switched on. */
static int pgc_recs_alloc(void)
{
	struct pgc_rec_bucket *t;
	unsigned int i;

	if (pgc_recs)
		return 0;
	t = kvcalloc(1U << PGC_REC_BITS, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < (1U << PGC_REC_BITS); i++) {
		spin_lock_init(&t[i].lock);
		INIT_HLIST_HEAD(&t[i].head);
	}
	pgc_recs = t;
	return 0;
}

static int pgc_callers_set(bool on)
{
	if (on == pgc_callers_on)
		return 0;
	if (on) {
		if (pgc_recs_alloc())
			return -ENOMEM;
		/* Release: hooks that see it on see the table. */
		smp_store_release(&pgc_callers_on, true);
		static_branch_enable(&pgc_callers_key);
		return 0;
	}
	WRITE_ONCE(pgc_callers_on, false);
	static_branch_disable(&pgc_callers_key);
	/* Hooks that saw it on are done with the records after this. */
	synchronize_rcu();
	pgc_callers_drop_records();
	return 0;
}

static void pgc_callers_reset(void)
{
	struct pgc_site *s;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(pgc_sites); i++) {
		hlist_for_each_entry_rcu(s, &pgc_sites[i], node) {
			atomic_long_set(&s->calls, 0);
			atomic_long_set(&s->failures, 0);
		}
	}
	rcu_read_unlock();
	atomic_long_set(&pgc_untracked, 0);
}

/**
 * pgc_callers_write() - a command written to debugfs "callers"
 * @cmd: the input, newline already stripped by pgc_input_get()
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (nothing changed) unless @cmd is "on", "off" or
 * "reset", or -ENOMEM (still off) when the record table cannot be made.
 */
int pgc_callers_write(char *cmd)
{
	bool on = !strcmp(cmd, "on");
	int ret = 0;

	if (!on && strcmp(cmd, "off") && strcmp(cmd, "reset"))
		return -EINVAL;
	mutex_lock(&pgc_callers_mutex);
	if (!strcmp(cmd, "reset"))
		pgc_callers_reset();
	else
		ret = pgc_callers_set(on);
	mutex_unlock(&pgc_callers_mutex);
	return ret;
}

struct pgc_site_snap {
	unsigned long ip;
	unsigned long live;
	unsigned long live_bytes;
	unsigned long calls;
	unsigned long failures;
};

/* Live bytes descending, then calls descending, then address. */
static int pgc_site_snap_cmp(const void *a, const void *b)
{
	const struct pgc_site_snap *x = a, *y = b;

	if (x->live_bytes != y->live_bytes)
		return x->live_bytes < y->live_bytes ? 1 : -1;
	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return 0;
}

/* A count read while a hook runs may be briefly below zero: show 0. */
static unsigned long pgc_count_read(atomic_long_t *v)
{
	long n = atomic_long_read(v);

	return n > 0 ? n : 0;
}

/**
 * pgc_callers_show() - the debugfs "callers" file
 * @m: its seq_file
 *
 * Two header lines, then one line per site with any non-zero count:
 * live bytes, live allocations, calls, failures and the site (%pS).
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int pgc_callers_show(struct seq_file *m)
{
	struct pgc_site_snap *snap;
	unsigned int i, n = 0, max;
	struct pgc_site *s;

	max = atomic_read(&pgc_nr_sites);
	snap = kvcalloc(max ? max : 1, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(pgc_sites); i++) {
		hlist_for_each_entry_rcu(s, &pgc_sites[i], node) {
			struct pgc_site_snap *t = &snap[n];

			if (n == max)
				break;
			t->ip = s->ip;
			t->live = pgc_count_read(&s->live);
			t->live_bytes = pgc_count_read(&s->live_bytes);
			t->calls = pgc_count_read(&s->calls);
			t->failures = pgc_count_read(&s->failures);
			if (t->live || t->live_bytes || t->calls || t->failures)
				n++;
		}
	}
	rcu_read_unlock();
	sort(snap, n, sizeof(*snap), pgc_site_snap_cmp, NULL);

	seq_printf(m, "# callers: %s, untracked %lu\n",
		   READ_ONCE(pgc_callers_on) ? "on" : "off",
		   pgc_count_read(&pgc_untracked));
	seq_printf(m, "# %14s %12s %12s %12s  %s\n", "live_bytes",
		   "live_allocs", "calls", "failures", "call_site");
	for (i = 0; i < n; i++)
		seq_printf(m, "%16lu %12lu %12lu %12lu  %pS\n",
			   snap[i].live_bytes, snap[i].live, snap[i].calls,
			   snap[i].failures, (void *)snap[i].ip);
	kvfree(snap);
	return 0;
}

/**
 * pgc_callers_init() - accounting on if asked (callers=1)
 *
 * Context: process context, module load.
 * Return: 0 or -ENOMEM.
 */
int pgc_callers_init(void)
{
	int ret = 0;

	mutex_lock(&pgc_callers_mutex);
	if (pgc_callers_param)
		ret = pgc_callers_set(true);
	mutex_unlock(&pgc_callers_mutex);
	return ret;
}

/**
 * pgc_callers_exit() - switch accounting off and free everything
 *
 * Context: process context, module unload or failed load: nobody
 * allocates any more.
 */
void pgc_callers_exit(void)
{
	struct hlist_node *tmp;
	struct pgc_site *s;
	unsigned int i;

	mutex_lock(&pgc_callers_mutex);
	pgc_callers_set(false);
	mutex_unlock(&pgc_callers_mutex);
	/*
	 * No grace period needed: hooks run only inside the module's own
	 * functions, which no caller can be in once the module is being
	 * unloaded (its users hold a reference), and the debugfs files that
	 * read the sites are gone.
	 */
	for (i = 0; i < ARRAY_SIZE(pgc_sites); i++) {
		hlist_for_each_entry_safe(s, tmp, &pgc_sites[i], node) {
			hlist_del(&s->node);
			kfree(s);
		}
	}
	atomic_set(&pgc_nr_sites, 0);
	kvfree(pgc_recs);
	pgc_recs = NULL;
}
