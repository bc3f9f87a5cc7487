// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for the gfp rules of the API: refused bits, __GFP_THISNODE
 * with a node that is not online, zone modifiers, callers restricted by
 * GFP_NOIO/GFP_NOFS or by memalloc_noio/nofs scopes, and a stale second
 * free after an emergency slot was reused.  selftests/gfp.sh runs them and
 * sets the debugfs knobs some of them need (grow_stall_ms, force_virtual,
 * slot_cache).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/pgcluster.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "pgct.h"

#define PGCT_4G_PFN	PHYS_PFN(SZ_4G)

/*
 * __GFP_NOFAIL, __GFP_ACCOUNT and a bad zone combination are refused, with
 * and without NOWARN (12 refusals: gfp.sh counts them).
 */
static int pgct_gfp_refused(void)
{
	static const gfp_t bad[] = {
		GFP_KERNEL | __GFP_NOFAIL,
		GFP_KERNEL | __GFP_NOFAIL | __GFP_NOWARN,
		GFP_KERNEL_ACCOUNT,
		GFP_KERNEL_ACCOUNT | __GFP_NOWARN,
		GFP_ATOMIC | __GFP_ACCOUNT,
		GFP_KERNEL | __GFP_DMA | __GFP_DMA32,
	};
	unsigned int flags;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (flags = 0; flags <= PGCLUSTER_VIRTOK; flags++) {
			void *p = pgcluster_alloc(4096, bad[i], flags);

			pgcluster_free(p);
			PGCT_EXPECT(!p, "gfp %pGg flags %#x was served", &bad[i],
				    flags);
		}
	}
	return PGCT_PASS;
}

/* __GFP_THISNODE binds: a node that is not online gives NULL. */
static int pgct_gfp_thisnode_bad_node(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN;
	int nodes[] = { -2, MAX_NUMNODES, MAX_NUMNODES + 5, INT_MAX };
	int i, nid, offline = -1;
	void *p;

	for_each_node(nid) {
		if (!node_online(nid)) {
			offline = nid;
			break;
		}
	}
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		p = pgcluster_alloc_node(64, gfp, PGCLUSTER_VIRTOK, nodes[i]);
		pgcluster_free(p);
		PGCT_EXPECT(!p, "THISNODE with node %d was served", nodes[i]);
	}
	if (offline >= 0) {
		p = pgcluster_alloc_node(64, gfp, 0, offline);
		pgcluster_free(p);
		PGCT_EXPECT(!p, "THISNODE with offline node %d was served",
			    offline);
	}
	/* Without THISNODE a bad node only loses its preference. */
	p = pgcluster_alloc_node(64, GFP_KERNEL, 0, MAX_NUMNODES + 5);
	PGCT_EXPECT(p, "no THISNODE, bad node: not served");
	pgcluster_free(p);
	pgct_log("checked %zu bad nodes, offline node %d", ARRAY_SIZE(nodes),
		 offline);
	return PGCT_PASS;
}

static phys_addr_t pgct_gfp_phys_end(const void *p)
{
	return page_to_phys(virt_to_page(p)) + offset_in_page(p) +
	       pgcluster_size(p);
}

#define PGCT_DMA32_N	48

/*
 * GFP_DMA32 results end below 4 GiB, whichever node is preferred, while
 * the pool also holds clusters above it.  Needs memory above 4 GiB (a
 * guest of more than about 3.5 GiB) to mean anything; skipped otherwise.
 */
static int pgct_gfp_dma32(void)
{
	static const size_t sizes[] = { 64, 9000, SZ_64K, SZ_512K };
	const gfp_t gfp = GFP_KERNEL | GFP_DMA32;
	void *p[PGCT_DMA32_N];
	int i, nid, high = 0, got = 0;

	for_each_node_state(nid, N_MEMORY)
		if (node_end_pfn(nid) > PGCT_4G_PFN)
			high++;
	PGCT_SKIP_IF(!high, "no memory above 4 GiB: nothing to tell apart");
	memset(p, 0, sizeof(p));
	i = 0;
	for_each_node_state(nid, N_MEMORY) {
		int k;

		for (k = 0; k < PGCT_DMA32_N / 4 && i < PGCT_DMA32_N; k++) {
			size_t size = sizes[k % ARRAY_SIZE(sizes)];

			p[i] = pgcluster_alloc_node(size, gfp, PGCLUSTER_VIRTOK,
						    nid);
			if (!p[i])
				continue;
			got++;
			if (PGCT_CHECK(!pgcluster_is_virtual(p[i]),
				       "DMA32 request (node %d, %zu B) got virtual memory",
				       nid, size)) {
				phys_addr_t end = pgct_gfp_phys_end(p[i]);

				PGCT_EXPECT(end <= SZ_4G,
					    "DMA32 request (node %d, %zu B) ends at %pa",
					    nid, size, &end);
			}
			i++;
		}
	}
	for (i = 0; i < PGCT_DMA32_N; i++)
		pgcluster_free(p[i]);
	/* A node that lies wholly above 4 GiB cannot serve it alone. */
	for_each_node_state(nid, N_MEMORY) {
		void *q;

		if (node_start_pfn(nid) < PGCT_4G_PFN)
			continue;
		q = pgcluster_alloc_node(4096, gfp | __GFP_THISNODE |
					 __GFP_NOWARN, 0, nid);
		pgcluster_free(q);
		PGCT_EXPECT(!q, "DMA32 | THISNODE served by node %d (above 4 GiB)",
			    nid);
	}
	pgct_log("%d DMA32 allocations below 4 GiB, %d node(s) reach above it",
		 got, high);
	PGCT_EXPECT(got, "no DMA32 allocation succeeded");
	return PGCT_PASS;
}

#define PGCT_DRAIN_MAX	4096

/*
 * Callers without __GFP_IO or __GFP_FS must not wait for the grow mutex,
 * whose holder may be in FS/IO reclaim.  gfp.sh holds the mutex with a
 * stalled pool_grow writer (grow_stall_ms) and checks that this case
 * returns while the writer still stalls.  Here: take every whole cluster
 * the pool has without growing it (GFP_NOWAIT), so that the restricted
 * requests below must grow the pool, then make them.
 */
static int pgct_gfp_noio_no_wait(void)
{
	void **hold;
	void *p[4] = { };
	unsigned int scope;
	int n = 0, i, served = 0;
	ktime_t t0;
	s64 ms;

	hold = kcalloc(PGCT_DRAIN_MAX, sizeof(*hold), GFP_KERNEL);
	PGCT_SKIP_IF(!hold, "no memory for the table");
	while (n < PGCT_DRAIN_MAX) {
		hold[n] = pgcluster_alloc(PGCLUSTER_MAX_SIZE,
					  GFP_NOWAIT | __GFP_NOWARN, 0);
		if (!hold[n])
			break;
		n++;
	}

	t0 = ktime_get();
	p[0] = pgcluster_alloc(PGCLUSTER_MAX_SIZE, GFP_NOIO | __GFP_NOWARN, 0);
	p[1] = pgcluster_alloc(PGCLUSTER_MAX_SIZE, GFP_NOFS | __GFP_NOWARN, 0);
	scope = memalloc_noio_save();
	p[2] = pgcluster_alloc(PGCLUSTER_MAX_SIZE, GFP_KERNEL | __GFP_NOWARN,
			       0);
	memalloc_noio_restore(scope);
	scope = memalloc_nofs_save();
	p[3] = pgcluster_alloc(PGCLUSTER_MAX_SIZE, GFP_KERNEL | __GFP_NOWARN,
			       0);
	memalloc_nofs_restore(scope);
	ms = ktime_ms_delta(ktime_get(), t0);

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (p[i]) {
			served++;
			memset(p[i], 0x3c, PGCLUSTER_MAX_SIZE);
		}
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		pgcluster_free(p[i]);
	for (i = 0; i < n; i++)
		pgcluster_free(hold[i]);
	kfree(hold);
	/* Memory or NULL are both fine; waiting is what gfp.sh catches. */
	pgct_log("held %d whole clusters; 4 restricted 2 MiB requests: %d served in %lld ms",
		 n, served, ms);
	return PGCT_PASS;
}

/*
 * With force_virtual and a slot cache of at least two slots (gfp.sh sets
 * both): a stale second free of a slot whose address has not been handed
 * out again is refused, and the slot reused first is the oldest one, so
 * that such a stale free does not hit a new owner.
 */
static int pgct_gfp_stale_virtual_free(void)
{
	const size_t size = 4 * PAGE_SIZE;
	void *a, *b, *c, *d;

	a = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_DEFER_FREE(a);
	b = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_DEFER_FREE(b);
	PGCT_ASSERT(a && b && pgcluster_is_virtual(a) && pgcluster_is_virtual(b),
		    "no virtual slots (force_virtual not set?)");
	pgct_release(pgct_free_action, a);
	pgct_release(pgct_free_action, b);
	c = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(c, "reallocation failed");
	memset(c, 0x5c, size);
	pgcluster_free(b);	/* stale: b was freed and not handed out */
	/* When the stale free took c's slot, c is not ours to free. */
	PGCT_ASSERT(pgcluster_size(c) == size && !memchr_inv(c, 0x5c, size),
		    "a stale free of %p took the new owner's slot %p", b, c);
	PGCT_DEFER_FREE(c);
	if (c != a)
		pgct_log("note: reused slot %p is not the oldest (%p); the slot cache was not used",
			 c, a);
	d = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_DEFER_FREE(d);
	PGCT_EXPECT(d && d != c, "second reallocation: %p (first %p)", d, c);
	return PGCT_PASS;
}

/* With force_virtual: the emergency path refuses zone-limited requests. */
static int pgct_gfp_virtual_zone(void)
{
	void *p = pgcluster_alloc(8192, GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN,
				  PGCLUSTER_VIRTOK);
	void *q = pgcluster_alloc(8192, GFP_KERNEL, PGCLUSTER_VIRTOK);
	bool qv = q && pgcluster_is_virtual(q);

	pgcluster_free(p);
	pgcluster_free(q);
	PGCT_EXPECT(qv, "plain VIRTOK request not virtual (force_virtual not set?)");
	PGCT_EXPECT(!p, "a DMA32 request got an emergency mapping");
	return PGCT_PASS;
}

const struct pgct_case pgct_gfp_cases[] = {
	{ "gfp_refused", pgct_gfp_refused },
	{ "gfp_thisnode_bad_node", pgct_gfp_thisnode_bad_node },
	{ "gfp_dma32", pgct_gfp_dma32 },
	{ "gfp_noio_no_wait", pgct_gfp_noio_no_wait },
	{ "gfp_stale_virtual_free", pgct_gfp_stale_virtual_free, PGCT_DRIVEN },
	{ "gfp_virtual_zone", pgct_gfp_virtual_zone, PGCT_DRIVEN },
	{ NULL, NULL }
};
