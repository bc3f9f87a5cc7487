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
#include <linux/atomic.h>
#include <linux/ratelimit.h>

#include "internal.h"

static atomic64_t pgc_bad_free_count = ATOMIC64_INIT(0);

void pgc_report_bad_free(const void *ptr, const char *why, unsigned long caller)
{
	atomic64_inc(&pgc_bad_free_count);
	pr_err_ratelimited("bad free of %p ignored: %s (caller %pS)\n",
			   ptr, why, (void *)caller);
}

u64 pgc_bad_frees(void)
{
	return atomic64_read(&pgc_bad_free_count);
}

/**
 * pgcluster_alloc_node() - allocate memory near a NUMA node
 * @size: bytes wanted, 1 to %PGCLUSTER_MAX_SIZE
 * @gfp: allocation context; a sleeping mask (GFP_KERNEL) may grow the pool,
 *	a non-sleeping one (GFP_ATOMIC, GFP_NOWAIT) is served from the pool only
 *	and never sleeps.  __GFP_ZERO zeroes the memory, __GFP_NOWARN silences
 *	the failure message.
 * @flags: 0, or %PGCLUSTER_VIRTOK when virtually contiguous memory will do
 * @node: preferred node, or %NUMA_NO_NODE for the local node
 *
 * Without %PGCLUSTER_VIRTOK the result is physically contiguous, in the
 * linear map, %PGCLUSTER_GRANULE aligned, and usable for pgcluster_size()
 * bytes.  With %PGCLUSTER_VIRTOK and a sleeping @gfp, a request the pool
 * cannot serve is mapped from order-0 pages into a fixed virtual slot (up to
 * slot_pages pages); pgcluster_is_virtual() then returns true.
 *
 * Context: any context for a non-sleeping @gfp; process context otherwise.
 * Return: the memory, or NULL when @size is 0 or too large, @flags is
 * unknown, or no memory could be found.
 */
void *pgcluster_alloc_node(size_t size, gfp_t gfp, unsigned int flags,
			   int node)
{
	void *p;

	if (unlikely(!size || size > PGCLUSTER_MAX_SIZE ||
		     (flags & ~PGCLUSTER_VIRTOK))) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn_ratelimited("rejected request: size %zu flags %#x\n",
					    size, flags);
		return NULL;
	}
	if (node != NUMA_NO_NODE && (node < 0 || node >= MAX_NUMNODES ||
				     !node_online(node)))
		node = NUMA_NO_NODE;

	p = pgc_skip_contig(flags) ? NULL : pgc_cluster_alloc(size, gfp, node);
	if (!p && (flags & PGCLUSTER_VIRTOK))
		p = pgc_emerg_alloc(size, gfp, node);
	if (!p && !(gfp & __GFP_NOWARN))
		pr_warn_ratelimited("allocation of %zu bytes failed (gfp %pGg, flags %#x)\n",
				    size, &gfp, flags);
	return p;
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
	return pgcluster_alloc_node(size, gfp, flags, NUMA_NO_NODE);
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
 * worker.
 */
void pgcluster_free(const void *ptr)
{
	if (!ptr)
		return;
	if (is_vmalloc_addr(ptr)) {
		if (!pgc_emerg_free(ptr))
			pgc_report_bad_free(ptr, "not a live emergency allocation",
					    _RET_IP_);
		return;
	}
	if (!pgc_cluster_free(ptr))
		pgc_report_bad_free(ptr, "not a live cluster allocation", _RET_IP_);
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
