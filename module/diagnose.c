// SPDX-License-Identifier: GPL-2.0
/*
 * Failure reports a sysadmin can act on.  When an allocation fails and the
 * caller did not pass __GFP_NOWARN, the ratelimited message names the
 * request and its caller, then says why: the pool state of the nodes that
 * were tried (clusters, free bytes, longest free run) and the freed extents
 * the per-CPU caches hold for their exact size, why the pool was not
 * grown (a non-sleeping caller, or the last grow failure as source.c
 * recorded it), why the emergency path did not help, and where to look.
 *
 * Nothing here runs on a successful allocation; the pool is walked under
 * rcu_read_lock() only once the ratelimit lets a message through.
 *
 * Lock order: pgc_grow_fail_lock (irqsave) is a leaf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "diagnose.h"
#include "internal.h"
#include "pcp_cache.h"
#include "pool.h"

/* The last failure to take a cluster from any source. */
static struct {
	unsigned long when;		/* jiffies; 0 when none yet */
	int nid;
	unsigned int min_order;
	unsigned int max_order;
	bool buddy_tried;
	const char *contig;		/* why migration gave nothing */
} pgc_grow_fail;
static DEFINE_SPINLOCK(pgc_grow_fail_lock);

/* Mirrors the tests of source.c's pgc_take_contig(). */
static const char *pgc_contig_reason(unsigned long sources, gfp_t gfp)
{
	const struct pgc_source *src = pgc_source_find("contig");

	if (!src || !(sources & BIT(src - pgc_sources)))
		return "not tried";
	if (!src->available)
		return "not available on this kernel";
	if (pgc_gfp_restricted(gfp))
		return "not used for a caller that may not wait for FS/IO";
	if (gfp & __GFP_NORETRY)
		return "not used with __GFP_NORETRY";
	if (gfp_zone(gfp) < ZONE_NORMAL)
		return "not used for GFP_DMA/GFP_DMA32";
	return "no range of movable pages could be migrated";
}

/**
 * pgc_note_grow_failure() - record that no source had a cluster
 * @sources: the sources allowed, as for pgc_source_take()
 * @nid: node asked for
 * @min_order: smallest block acceptable
 * @max_order: largest block wanted
 * @gfp: effective mask of whoever the cluster was for
 *
 * Context: process context (the caller of pgc_source_take()).
 */
void pgc_note_grow_failure(unsigned long sources, int nid,
			   unsigned int min_order, unsigned int max_order,
			   gfp_t gfp)
{
	const struct pgc_source *buddy = pgc_source_find("buddy");
	const char *contig = pgc_contig_reason(sources, gfp);
	unsigned long flags;

	spin_lock_irqsave(&pgc_grow_fail_lock, flags);
	pgc_grow_fail.when = jiffies | 1;
	pgc_grow_fail.nid = nid;
	pgc_grow_fail.min_order = min_order;
	pgc_grow_fail.max_order = max_order;
	pgc_grow_fail.buddy_tried = buddy &&
				    (sources & BIT(buddy - pgc_sources));
	pgc_grow_fail.contig = contig;
	spin_unlock_irqrestore(&pgc_grow_fail_lock, flags);
}

struct pgc_node_diag {
	unsigned int clusters;		/* listed, alive */
	unsigned int in_zone;		/* of those, usable for the gfp zone */
	unsigned long free_bytes;
	unsigned long largest;		/* longest free run in a usable one */
};

static void pgc_node_diagnose(struct pgc_node *n, enum zone_type zone,
			      struct pgc_node_diag *d)
{
	struct pgc_cluster *c;

	memset(d, 0, sizeof(*d));
	rcu_read_lock();
	list_for_each_entry_rcu(c, &n->clusters, link) {
		unsigned long run;

		if (READ_ONCE(c->dead))
			continue;
		d->clusters++;
		d->free_bytes += (unsigned long)READ_ONCE(c->free_units) <<
				 PGC_UNIT_SHIFT;
		if (c->zone > zone)
			continue;
		d->in_zone++;
		run = (unsigned long)READ_ONCE(c->largest) << PGC_UNIT_SHIFT;
		d->largest = max(d->largest, run);
	}
	rcu_read_unlock();
}

static const char *pgc_zone_limit(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return " (GFP_DMA)";
	if (gfp & __GFP_DMA32)
		return " (GFP_DMA32)";
	return "";
}

/* Per node tried: its state; returns true when one has a fitting run. */
static bool pgc_report_nodes(size_t need, gfp_t gfp, int pref)
{
	enum zone_type zone = gfp_zone(gfp);
	bool thisnode = gfp & __GFP_THISNODE;
	struct pgc_node_diag d;
	bool fits = false;
	struct pgc_node *n;
	int nid;

	for_each_online_node(nid) {
		if (thisnode && nid != pref)
			continue;
		n = pgc_node_of(nid);
		if (!n)
			continue;
		pgc_node_diagnose(n, zone, &d);
		if (d.largest >= need)
			fits = true;
		pr_warn("  node %d%s: %u clusters (%u usable%s), %lu bytes free, longest free run %lu bytes\n",
			nid, nid == pref ? " (preferred)" : "", d.clusters,
			d.in_zone, pgc_zone_limit(gfp), d.free_bytes,
			d.largest);
	}
	return fits;
}

static void pgc_report_grow(void)
{
	unsigned long flags, when;
	unsigned int lo, hi;
	const char *contig;
	bool buddy;
	int nid;

	spin_lock_irqsave(&pgc_grow_fail_lock, flags);
	when = pgc_grow_fail.when;
	nid = pgc_grow_fail.nid;
	lo = pgc_grow_fail.min_order;
	hi = pgc_grow_fail.max_order;
	buddy = pgc_grow_fail.buddy_tried;
	contig = pgc_grow_fail.contig;
	spin_unlock_irqrestore(&pgc_grow_fail_lock, flags);

	if (!when) {
		pr_warn("  the pool could not grow; no source has failed yet (metadata allocation failed, or concurrent growers were at their limit)\n");
		return;
	}
	pr_warn("  the pool could not grow: last grow failure %u ms ago on node %d: buddy: %s order %u-%u; contig: %s\n",
		jiffies_to_msecs(jiffies - when), nid,
		buddy ? "no free block of" : "not tried for", lo, hi, contig);
}

static void pgc_report_emerg(size_t size, gfp_t gfp)
{
	size_t slot = (size_t)READ_ONCE(pgc_slot_pages) << PAGE_SHIFT;

	if (gfp_zone(gfp) < ZONE_NORMAL)
		pr_warn("  emergency path skipped: its pages may lie in any zone%s\n",
			pgc_zone_limit(gfp));
	else if (!gfpflags_allow_blocking(gfp))
		pr_warn("  emergency path skipped: it maps pages and needs a sleeping gfp\n");
	else if (size > slot)
		pr_warn("  emergency path skipped: %zu bytes is more than a slot (%zu bytes, slot_pages)\n",
			size, slot);
	else
		pr_warn("  emergency path failed: no free slot or no order-0 pages (see pgcluster/slots and emerg_* in pgcluster/stats)\n");
}

/**
 * pgc_report_alloc_failure() - log why an allocation failed (ratelimited)
 * @size: bytes asked for
 * @gfp: the caller's effective mask
 * @flags: the request's flags
 * @node: node asked for (already NUMA_NO_NODE when it was not online)
 * @caller: _RET_IP_ of the exported allocation function
 *
 * Context: any context; does not sleep.
 */
void pgc_report_alloc_failure(size_t size, gfp_t gfp, unsigned int flags,
			      int node, unsigned long caller)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	size_t need = round_up(size, PGCLUSTER_GRANULE);
	bool blocking = gfpflags_allow_blocking(gfp);
	bool thisnode = gfp & __GFP_THISNODE;
	int pref = node == NUMA_NO_NODE ? numa_mem_id() : node;
	char why[96];

	if (!__ratelimit(&rs))
		return;
	if (pgc_skip_contig(flags))
		strscpy(why, "the pool was skipped (testing/force_virtual)",
			sizeof(why));
	else if (thisnode && node != NUMA_NO_NODE && !pgc_node_of(pref))
		strscpy(why, "__GFP_THISNODE on a node without a pool",
			sizeof(why));
	else
		snprintf(why, sizeof(why),
			 "no free run of %zu bytes, and the pool %s", need,
			 blocking ? "could not grow" :
			 "is not grown for non-sleeping callers");
	pr_warn("allocation of %zu bytes failed (gfp %pGg, flags %#x, node %d) from %pS: %s%s\n",
		size, &gfp, flags, node, (void *)caller, why,
		thisnode ? " (__GFP_THISNODE)" : "");
	if (!pgc_skip_contig(flags)) {
		unsigned long cached = pgc_pcp_cached_bytes();

		/* The walk is lockless and later than the request's search. */
		if (pgc_report_nodes(need, gfp, pref))
			pr_warn("  a free run of %zu bytes exists now (freed meanwhile, or missed by the search)\n",
				need);
		/* Allocated in their clusters' maps: not in the free bytes above. */
		if (cached)
			pr_warn("  per-CPU caches hold %lu bytes of freed extents besides, each reused only for a request of its exact size\n",
				cached);
		if (blocking)
			pgc_report_grow();
	}
	if (flags & PGCLUSTER_VIRTOK)
		pgc_report_emerg(size, gfp);
	pr_warn("  see /sys/kernel/debug/pgcluster/stats and fragmentation; a larger pool_mb keeps more memory ready\n");
}
