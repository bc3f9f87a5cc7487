// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU cache of freed extents: a driver that allocates and frees the
 * same sizes takes no shared lock.
 *
 * Each CPU has a few size classes (exact unit counts), each a stack of
 * freed extents, and a table of tokens for extents it handed out from
 * them.  A cached extent stays allocated in its cluster's map, tagged with
 * the CPU that holds it, so the cluster cannot be retired under it and the
 * slow path can tell the cases apart under the cluster lock:
 *  - untagged: an ordinary live allocation; its free may stash it here;
 *  - tagged, the tagged CPU has a token: handed out again, a legal free;
 *  - tagged, no token: it sits on a stack, i.e. it is free: a double free,
 *    refused, and pgcluster_size() says 0.
 * An allocation takes an extent of its exact size from this CPU's stack
 * only when the extent lies on the preferred node and in an allowed zone.
 * A free on the CPU that handed the extent out finds its token and pushes
 * it back without looking at the cluster.  Cached units do not count as
 * free in the node's free_units: only this CPU can use them, so the refill
 * check must not rely on them.  Only extents of the local memory node are
 * cached (no other node's are ever served), and none while the token table
 * is full (nothing could be handed out from the stacks).
 *
 * A CPU's cache is reached through raw_cpu_ptr() and its lock taken with
 * spin_lock_irqsave(), which is also correct on PREEMPT_RT: a task that
 * migrates after picking the pointer still uses one consistent cache, the
 * one of the CPU in the extent's tag.  An extent pushed on the stack of a
 * CPU that has meanwhile died is drained by the shrinker or at unload.
 *
 * Bounds: PGC_PCP_CLASSES classes of PGC_PCP_DEPTH extents, at most
 * PGC_PCP_MAX_BYTES per CPU, extents of at most PGC_PCP_MAX_UNITS.  The
 * least recently used class is evicted for a new size.  Drained by the
 * shrinker, when a CPU is dead, and at unload.
 *
 * Lock order: pcp_cache.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include "pool.h"
#include "pcp_cache.h"
#include "stats.h"

#define PGC_PCP_CLASSES		8
#define PGC_PCP_TOKENS		64
#define PGC_PCP_MAX_BYTES	SZ_512K
#define PGC_PCP_MAX_UNITS	(SZ_128K >> PGC_UNIT_SHIFT)

struct pgc_pcp_class {
	u32 units;			/* its size; 0 unused */
	u32 used;			/* pgc_pcp.tick at last use, for LRU */
	unsigned int nr;
	struct pgc_pcp_entry e[PGC_PCP_DEPTH];
};

struct pgc_pcp {
	spinlock_t lock;		/* everything below */
	u32 tick;
	unsigned long bytes;		/* on the stacks */
	unsigned int nr_tokens;
	struct pgc_pcp_class cls[PGC_PCP_CLASSES];
	struct pgc_pcp_entry tokens[PGC_PCP_TOKENS];	/* handed out */
};

static DEFINE_PER_CPU(struct pgc_pcp, pgc_pcp);
static bool pgc_pcp_enabled;
static int pgc_pcp_hp_state;

static struct pgc_pcp_class *pgc_pcp_class_of(struct pgc_pcp *pcp, u32 units)
{
	int i;

	for (i = 0; i < PGC_PCP_CLASSES; i++)
		if (pcp->cls[i].units == units)
			return &pcp->cls[i];
	return NULL;
}

/* Move every extent of @cls to @b; the class is then free for any size. */
static void pgc_pcp_class_empty(struct pgc_pcp *pcp, struct pgc_pcp_class *cls,
				struct pgc_pcp_batch *b)
{
	while (cls->nr) {
		struct pgc_pcp_entry *e = &cls->e[--cls->nr];

		pcp->bytes -= (unsigned long)e->units << PGC_UNIT_SHIFT;
		b->e[b->nr++] = *e;
	}
	cls->units = 0;
}

/*
 * The class for @units, claiming an unused one or evicting the least
 * recently used into @evicted (which must be empty).
 */
static struct pgc_pcp_class *pgc_pcp_class_get(struct pgc_pcp *pcp, u32 units,
					       struct pgc_pcp_batch *evicted)
{
	struct pgc_pcp_class *cls = pgc_pcp_class_of(pcp, units), *lru = NULL;
	int i;

	if (cls)
		return cls;
	for (i = 0; i < PGC_PCP_CLASSES; i++) {
		cls = &pcp->cls[i];
		if (!cls->nr)
			goto claim;
		if (!lru || (s32)(cls->used - lru->used) < 0)
			lru = cls;
	}
	if (evicted->nr)
		return NULL;
	cls = lru;
	pgc_pcp_class_empty(pcp, cls, evicted);
claim:
	cls->units = units;
	return cls;
}

/* Push @e on this CPU's stack of its size; false when there is no room. */
static bool pgc_pcp_push(struct pgc_pcp *pcp, const struct pgc_pcp_entry *e,
			 struct pgc_pcp_batch *evicted)
{
	unsigned long bytes = (unsigned long)e->units << PGC_UNIT_SHIFT;
	struct pgc_pcp_class *cls;

	if (pcp->bytes + bytes > PGC_PCP_MAX_BYTES)
		return false;
	cls = pgc_pcp_class_get(pcp, e->units, evicted);
	if (!cls || cls->nr == PGC_PCP_DEPTH)
		return false;
	cls->e[cls->nr++] = *e;
	cls->used = ++pcp->tick;
	pcp->bytes += bytes;
	return true;
}

static int pgc_pcp_token_find(struct pgc_pcp *pcp, const void *ptr)
{
	int i;

	/* Newest first: a hot pair frees what it just got. */
	for (i = pcp->nr_tokens - 1; i >= 0; i--)
		if (pcp->tokens[i].ptr == ptr)
			return i;
	return -1;
}

static void pgc_pcp_token_drop(struct pgc_pcp *pcp, int i)
{
	pcp->tokens[i] = pcp->tokens[--pcp->nr_tokens];
}

/**
 * pgc_pcp_alloc() - take a cached extent of exactly @units on this CPU
 * @units: size wanted
 * @nid: the only node the extent may lie on (the preferred node)
 * @zone: the highest zone it may lie in
 *
 * Context: any context.
 * Return: the extent (not zeroed), or NULL.
 */
void *pgc_pcp_alloc(u32 units, int nid, enum zone_type zone)
{
	struct pgc_pcp_entry e = { .ptr = NULL };
	struct pgc_pcp_class *cls;
	struct pgc_pcp *pcp;
	unsigned long flags;
	int i;

	if (units > PGC_PCP_MAX_UNITS || !READ_ONCE(pgc_pcp_enabled))
		return NULL;
	/* Racy hint: an empty cache costs no lock; if wrong, a miss. */
	if (!data_race(READ_ONCE(raw_cpu_ptr(&pgc_pcp)->bytes)))
		goto miss;
	pcp = raw_cpu_ptr(&pgc_pcp);
	spin_lock_irqsave(&pcp->lock, flags);
	cls = pgc_pcp_class_of(pcp, units);
	if (!cls || pcp->nr_tokens == PGC_PCP_TOKENS)
		goto out;
	for (i = cls->nr - 1; i >= 0; i--) {
		if (cls->e[i].nid != nid || cls->e[i].zone > zone)
			continue;
		e = cls->e[i];
		cls->e[i] = cls->e[--cls->nr];
		cls->used = ++pcp->tick;
		pcp->bytes -= (unsigned long)units << PGC_UNIT_SHIFT;
		pcp->tokens[pcp->nr_tokens++] = e;
		break;
	}
out:
	spin_unlock_irqrestore(&pcp->lock, flags);
	if (!e.ptr)
		goto miss;
	pgc_stat_inc(PGC_STAT_PCP_HITS);
	return e.ptr;

miss:
	pgc_stat_inc(PGC_STAT_PCP_MISSES);
	return NULL;
}

/**
 * pgc_pcp_free() - free an extent this CPU handed out from its cache
 * @ptr: the pointer being freed
 * @units: set to its size when it was one
 *
 * Context: any context.
 * Return: true when @ptr was handed out by this CPU and is now free; false
 * when the slow path must look at it.
 */
bool pgc_pcp_free(const void *ptr, u32 *units)
{
	struct pgc_pcp_batch evicted = { .nr = 0 };
	struct pgc_pcp_entry e;
	struct pgc_pcp *pcp;
	unsigned long flags;
	bool pushed;
	int i;

	/* Racy hint: if wrong, the slow path finds the token on any CPU. */
	if (!data_race(READ_ONCE(raw_cpu_ptr(&pgc_pcp)->nr_tokens)))
		return false;
	pcp = raw_cpu_ptr(&pgc_pcp);
	spin_lock_irqsave(&pcp->lock, flags);
	i = pgc_pcp_token_find(pcp, ptr);
	if (i < 0) {
		spin_unlock_irqrestore(&pcp->lock, flags);
		return false;
	}
	e = pcp->tokens[i];
	pgc_pcp_token_drop(pcp, i);
	pushed = pgc_pcp_push(pcp, &e, &evicted);
	spin_unlock_irqrestore(&pcp->lock, flags);

	*units = e.units;
	if (pushed)
		pgc_stat_inc(PGC_STAT_PCP_FAST_FREES);
	else	/* Tagged, no token, on no stack: nobody else frees it. */
		pgc_cluster_release_cached(&e);
	pgc_pcp_release(&evicted);
	return true;
}

/**
 * pgc_pcp_stash() - cache an extent that is being freed, on this CPU
 * @c: its cluster, locked
 * @ptr: the extent
 * @units: its size
 * @evicted: receives a class evicted to make room; the caller frees them
 *	with pgc_pcp_release() once it has dropped the cluster lock
 *
 * On success the caller tags the extent with the returned tag before
 * dropping the cluster lock.  Only extents of the local memory node are
 * cached, and none while this CPU's token table is full.
 *
 * Context: under @c's lock (interrupts off).
 * Return: the tag of the CPU whose stack holds the extent, or 0 when it was
 * not cached.
 */
u16 pgc_pcp_stash(struct pgc_cluster *c, void *ptr, u32 units,
		  struct pgc_pcp_batch *evicted)
{
	struct pgc_pcp_entry e = {
		.ptr = ptr, .units = units, .nid = c->nid, .zone = c->zone,
	};
	struct pgc_pcp *pcp;
	unsigned int cpu;
	bool pushed;

	lockdep_assert_held(&c->lock);
	if (units > PGC_PCP_MAX_UNITS || !READ_ONCE(pgc_pcp_enabled) ||
	    c->nid != numa_mem_id())
		return 0;
	cpu = raw_smp_processor_id();
	pcp = per_cpu_ptr(&pgc_pcp, cpu);
	spin_lock(&pcp->lock);
	pushed = pcp->nr_tokens < PGC_PCP_TOKENS &&
		 pgc_pcp_push(pcp, &e, evicted);
	spin_unlock(&pcp->lock);
	return pushed ? pgc_pcp_tag(cpu) : 0;
}

/**
 * pgc_pcp_handed_out() - is a tagged extent out with a user
 * @tag: the extent's tag, pgc_pcp_tag() of the CPU that holds it
 * @ptr: the extent
 * @take: forget the token when there is one (the extent is being freed)
 *
 * Context: under the extent's cluster lock (interrupts off).
 * Return: true when that CPU handed @ptr out (a live allocation); false
 * when it sits on a stack (it is free).
 */
bool pgc_pcp_handed_out(u16 tag, const void *ptr, bool take)
{
	unsigned int cpu = tag - 1;
	struct pgc_pcp *pcp;
	int i;

	if (!tag || cpu >= nr_cpu_ids)
		return false;
	pcp = per_cpu_ptr(&pgc_pcp, cpu);
	spin_lock(&pcp->lock);
	i = pgc_pcp_token_find(pcp, ptr);
	if (i >= 0 && take)
		pgc_pcp_token_drop(pcp, i);
	spin_unlock(&pcp->lock);
	return i >= 0;
}

/**
 * pgc_pcp_release() - free extents taken off the stacks
 * @b: the extents; empty on return
 *
 * Context: any context; no cluster lock held.
 */
void pgc_pcp_release(struct pgc_pcp_batch *b)
{
	while (b->nr) {
		struct pgc_pcp_entry *e = &b->e[--b->nr];

		pgc_cluster_release_cached(e);
		pgc_stat_inc(PGC_STAT_PCP_DRAINED);
	}
}

/**
 * pgc_pcp_drain_cpu() - free everything on one CPU's stacks
 * @cpu: the CPU; its tokens stay valid
 *
 * Context: any context without a cluster lock.
 * Return: the number of extents freed.
 */
unsigned int pgc_pcp_drain_cpu(unsigned int cpu)
{
	struct pgc_pcp *pcp = per_cpu_ptr(&pgc_pcp, cpu);
	struct pgc_pcp_batch b = { .nr = 0 };
	unsigned int freed = 0;
	unsigned long flags;
	int i;

	for (i = 0; i < PGC_PCP_CLASSES; i++) {
		spin_lock_irqsave(&pcp->lock, flags);
		pgc_pcp_class_empty(pcp, &pcp->cls[i], &b);
		spin_unlock_irqrestore(&pcp->lock, flags);
		freed += b.nr;
		pgc_pcp_release(&b);
	}
	return freed;
}

/**
 * pgc_pcp_drain_all() - free every CPU's cached extents
 *
 * Extents cached again meanwhile stay cached.
 *
 * Context: process context or any context without a cluster lock.
 * Return: the number of extents freed.
 */
unsigned int pgc_pcp_drain_all(void)
{
	unsigned int cpu, freed = 0;

	for_each_possible_cpu(cpu)
		freed += pgc_pcp_drain_cpu(cpu);
	return freed;
}

/**
 * pgc_pcp_cached_bytes() - bytes on all CPUs' stacks
 *
 * Return: the sum, read without locks.
 */
unsigned long pgc_pcp_cached_bytes(void)
{
	unsigned long bytes = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		bytes += READ_ONCE(per_cpu_ptr(&pgc_pcp, cpu)->bytes);
	return bytes;
}

/**
 * pgc_pcp_meta_bytes() - memory of the caches themselves
 *
 * Return: bytes of the per-CPU structures.
 */
size_t pgc_pcp_meta_bytes(void)
{
	return nr_cpu_ids * sizeof(struct pgc_pcp);
}

/* A dead CPU's cache would otherwise wait for the shrinker. */
static int pgc_pcp_cpu_dead(unsigned int cpu)
{
	pgc_pcp_drain_cpu(cpu);
	return 0;
}

/**
 * pgc_pcp_init() - set up the per-CPU caches
 *
 * Tags are 16 bits: with more CPUs than that the cache stays off.
 *
 * Context: process context, before the pool serves anything.
 * Return: 0 or a negative errno from the CPU hotplug setup.
 */
int pgc_pcp_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&pgc_pcp, cpu)->lock);
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"pgcluster/pcp:dead", NULL,
					pgc_pcp_cpu_dead);
	if (ret < 0)
		return ret;
	pgc_pcp_hp_state = ret;
	WRITE_ONCE(pgc_pcp_enabled, nr_cpu_ids < U16_MAX);
	return 0;
}

/**
 * pgc_pcp_exit() - stop caching and free every cached extent
 *
 * Extents handed out from a cache and still live are left to the pool's
 * leak report.
 *
 * Context: process context, unload, before the clusters go.
 */
void pgc_pcp_exit(void)
{
	WRITE_ONCE(pgc_pcp_enabled, false);
	if (pgc_pcp_hp_state > 0)
		cpuhp_remove_state_nocalls(pgc_pcp_hp_state);
	pgc_pcp_hp_state = 0;
	pgc_pcp_drain_all();
}
