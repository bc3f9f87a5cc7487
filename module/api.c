// SPDX-License-Identifier: GPL-2.0
/*
 * The exported API.  It only dispatches: a contiguous allocation lives in the
 * linear map and a cluster of the pool, an emergency allocation in vmalloc
 * space and the emergency allocator's own record.  is_vmalloc_addr() is the
 * one address check that tells them apart; each allocator then confirms the
 * pointer against its own records, so a foreign or stale pointer is reported
 * and ignored instead of being freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/sched/mm.h>

#include "callers.h"
#include "diagnose.h"
#include "internal.h"
#include "stats.h"
#include "trace.h"

/**
 * pgc_report_bad_free() - count and log a free of a pointer not handed out
 * @ptr: the pointer
 * @why: what is wrong with it
 * @caller: _RET_IP_ of the exported function @ptr came to
 *
 * Context: any context; the message is rate limited.
 */
void pgc_report_bad_free(const void *ptr, const char *why, unsigned long caller)
{
	pgc_stat_inc(PGC_STAT_BAD_FREES);
	trace_pgcluster_bad_free(ptr, why, caller);
	pr_err_ratelimited("bad free of %p ignored: %s (caller %pS)\n",
			   ptr, why, (void *)caller);
}

/*
 * Why a request is refused before any memory is looked at, or NULL.  The
 * gfp bits refused here are the ones pgcluster cannot honour: it has no
 * memcg charging for pool memory and cannot promise never to fail.
 */
static const char *pgc_gfp_refusal(gfp_t gfp, int node)
{
	/* gfp_zone() would stop a DEBUG_VM kernel on these. */
	if ((GFP_ZONE_BAD >> (__force unsigned int)(gfp & GFP_ZONEMASK)) & 1)
		return "invalid combination of zone modifiers";
	if (gfp & __GFP_NOFAIL)
		return "__GFP_NOFAIL is not supported";
	if (gfp & __GFP_ACCOUNT)
		return "__GFP_ACCOUNT is not supported";
	if ((gfp & __GFP_THISNODE) && node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_online(node)))
		return "__GFP_THISNODE with a node that is not online";
	return NULL;
}

/* The body of both allocation functions; @caller is their _RET_IP_. */
static void *pgc_alloc(size_t size, gfp_t gfp, unsigned int flags, int node,
		       unsigned long caller)
{
	const char *refusal;
	void *p;

	/* memalloc_noio/nofs scopes apply, as in the page allocator. */
	gfp = current_gfp_context(gfp);
	if (unlikely(!size || size > PGCLUSTER_MAX_SIZE ||
		     (flags & ~PGCLUSTER_VIRTOK))) {
		pgc_stat_inc(PGC_STAT_REFUSED_REQUESTS);
		if (!(gfp & __GFP_NOWARN))
			pr_warn_ratelimited("rejected request: size %zu flags %#x from %pS\n",
					    size, flags, (void *)caller);
		trace_pgcluster_alloc(size, gfp, flags, node, NULL, caller);
		pgc_callers_alloc(caller, NULL, size, gfp);
		return NULL;
	}
	refusal = pgc_gfp_refusal(gfp, node);
	if (unlikely(refusal)) {
		pgc_stat_inc(PGC_STAT_REFUSED_REQUESTS);
		/* Misuse, not a shortage: reported even with __GFP_NOWARN. */
		pr_err_ratelimited("refused request of %zu bytes (gfp %pGg, node %d) from %pS: %s\n",
				   size, &gfp, node, (void *)caller,
				   refusal);
		trace_pgcluster_alloc(size, gfp, flags, node, NULL, caller);
		pgc_callers_alloc(caller, NULL, size, gfp);
		return NULL;
	}
	if (node != NUMA_NO_NODE && (node < 0 || node >= MAX_NUMNODES ||
				     !node_online(node)))
		node = NUMA_NO_NODE;

	p = pgc_skip_contig(flags) ? NULL : pgc_cluster_alloc(size, gfp, node);
	if (!p && (flags & PGCLUSTER_VIRTOK))
		p = pgc_emerg_alloc(size, gfp, node);
	if (!p && !(gfp & __GFP_NOWARN))
		pgc_report_alloc_failure(size, gfp, flags, node, caller);
	trace_pgcluster_alloc(size, gfp, flags, node, p, caller);
	pgc_callers_alloc(caller, p, size, gfp);
	return p;
}

/**
 * pgcluster_alloc_node() - allocate memory near a NUMA node
 * @size: bytes wanted, 1 to %PGCLUSTER_MAX_SIZE
 * @gfp: allocation context, taken as the page allocator takes it: the
 *	effective mask is current_gfp_context(@gfp), so memalloc_noio/nofs
 *	scopes count.  A sleeping mask (GFP_KERNEL) may grow the pool; a
 *	non-sleeping one (GFP_ATOMIC, GFP_NOWAIT) is served from the pool only
 *	and never sleeps.  A mask without __GFP_IO or __GFP_FS never waits for
 *	another grower (which may be in FS/IO reclaim) and never migrates
 *	pages.  __GFP_NORETRY, __GFP_RETRY_MAYFAIL and the absence of
 *	__GFP_KSWAPD_RECLAIM carry over to every allocation made on the
 *	caller's behalf; pool growth never retries hard and never uses the
 *	emergency reserves (__GFP_NOMEMALLOC).  __GFP_ZERO zeroes the memory,
 *	__GFP_NOWARN silences the failure message.  GFP_DMA and GFP_DMA32
 *	limit the result to clusters in that zone or below (the emergency
 *	path, whose pages may lie anywhere, is then skipped).
 *	__GFP_THISNODE keeps to @node.  Mobility hints (__GFP_MOVABLE,
 *	__GFP_RECLAIMABLE) are accepted; pool memory is unmovable.  Refused
 *	(NULL and an error message, even with __GFP_NOWARN): __GFP_NOFAIL
 *	(pgcluster may fail) and __GFP_ACCOUNT (pool memory is not charged to
 *	a memory cgroup).
 * @flags: 0, or %PGCLUSTER_VIRTOK when virtually contiguous memory will do
 * @node: preferred node, or %NUMA_NO_NODE for the local node.  A node that
 *	is not online falls back to the local node, or fails the request with
 *	__GFP_THISNODE.
 *
 * Without %PGCLUSTER_VIRTOK the result is physically contiguous, in the
 * linear map, %PGCLUSTER_GRANULE aligned, and usable for pgcluster_size()
 * bytes.  With %PGCLUSTER_VIRTOK and a sleeping @gfp, a request the pool
 * cannot serve is mapped from order-0 pages into a fixed virtual slot (up to
 * slot_pages pages); pgcluster_is_virtual() then returns true.
 *
 * Context: any context for a non-sleeping @gfp; process context otherwise.
 * Return: the memory, or NULL when @size is 0 or too large, @flags is
 * unknown, @gfp holds a refused bit, or no memory could be found.
 */
void *pgcluster_alloc_node(size_t size, gfp_t gfp, unsigned int flags,
			   int node)
{
	return pgc_alloc(size, gfp, flags, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pgcluster_alloc_node);

/**
 * pgcluster_alloc() - allocate memory on the local node
 * @size: bytes wanted, 1 to %PGCLUSTER_MAX_SIZE
 * @gfp: allocation context, as for pgcluster_alloc_node()
 * @flags: 0, or %PGCLUSTER_VIRTOK
 *
 * Same as pgcluster_alloc_node() with %NUMA_NO_NODE.
 *
 * Context: as for pgcluster_alloc_node().
 * Return: the memory, or NULL.
 */
void *pgcluster_alloc(size_t size, gfp_t gfp, unsigned int flags)
{
	return pgc_alloc(size, gfp, flags, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pgcluster_alloc);

/**
 * pgcluster_free() - free memory from pgcluster_alloc()
 * @ptr: the pointer returned by the allocation, or NULL (no-op)
 *
 * Frees either kind of allocation; no size is needed.  A pointer pgcluster
 * did not hand out, or one already freed, is reported (ratelimited, and
 * counted as bad_frees in debugfs stats) and otherwise ignored.
 *
 * Context: any context kfree() may be called from: process, softirq and
 * hard interrupt context, under spinlocks, with interrupts disabled (not
 * under raw spinlocks or from IRQ_WORK_HARD_IRQ items on PREEMPT_RT).  Where
 * the caller cannot sleep, unmapping an emergency allocation is deferred to a
 * worker.  As with vfree(), a section that may not block although it could
 * (non_block_start(), a non-blockable mmu notifier) is recognised only on
 * kernels with CONFIG_DEBUG_ATOMIC_SLEEP; elsewhere the unmap may sleep
 * there.
 */
void pgcluster_free(const void *ptr)
{
	size_t size = 0;
	int freed;

	if (!ptr)
		return;
	pgc_callers_free(ptr);
	/* The event's size costs a lookup: only while the event is on. */
	if (trace_pgcluster_free_enabled())
		size = pgcluster_size(ptr);
	if (is_vmalloc_addr(ptr)) {
		freed = pgc_emerg_free(ptr);
		if (!freed)
			pgc_report_bad_free(ptr, "not a live emergency allocation",
					    _RET_IP_);
		else
			trace_pgcluster_free(ptr, size, true,
					     freed == PGC_EMERG_FREED_DEFERRED,
					     _RET_IP_);
		return;
	}
	if (!pgc_cluster_free(ptr))
		pgc_report_bad_free(ptr, "not a live cluster allocation", _RET_IP_);
	else
		trace_pgcluster_free(ptr, size, false, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pgcluster_free);

/**
 * pgcluster_size() - usable size of an allocation
 * @ptr: a live allocation from pgcluster_alloc()
 *
 * Context: any context.
 * Return: the bytes usable at @ptr (at least the size requested), or 0 when
 * @ptr is NULL or not a live pgcluster allocation.
 */
size_t pgcluster_size(const void *ptr)
{
	if (!ptr)
		return 0;
	if (is_vmalloc_addr(ptr))
		return pgc_emerg_size(ptr);
	return pgc_cluster_size(ptr);
}
EXPORT_SYMBOL_GPL(pgcluster_size);

/**
 * pgcluster_is_virtual() - tell an emergency mapping from contiguous memory
 * @ptr: a live allocation from pgcluster_alloc()
 *
 * Context: any context.
 * Return: true when @ptr is a live emergency (virtually contiguous)
 * allocation, false for contiguous allocations and anything else.
 */
bool pgcluster_is_virtual(const void *ptr)
{
	return ptr && is_vmalloc_addr(ptr) && pgc_emerg_owns(ptr);
}
EXPORT_SYMBOL_GPL(pgcluster_is_virtual);
