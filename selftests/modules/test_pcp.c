// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for the per-CPU cache of freed extents, through the exported
 * API and the debugfs stats file.  Each case runs its body on one CPU
 * (the case's thread pinned there), so that a free and the next allocation meet the same
 * cache:
 *
 *   pcp_hot_pair     a freed extent comes back for the same size (pcp_hits,
 *                    pcp_fast_frees move); while cached its size is 0 and a
 *                    second free is refused and counted as a bad free
 *   pcp_cross_cpu    an extent handed out by CPU A and freed on CPU B is
 *                    free (size 0); freeing it again on either CPU is
 *                    refused
 *   pcp_drain        the shrinker (drop_caches) gives every cached extent
 *                    back when a node is above its reserve (one cluster
 *                    is added first): pcp_cached_bytes 0, pcp_drained moves
 *   pcp_zone_node    a cached extent is not handed out for a zone it is not
 *                    in (GFP_DMA) nor for another node (__GFP_THISNODE)
 *   pcp_irq          GFP_ATOMIC allocation and free from a hard-irq irq_work,
 *                    the free of an extent handed out from the cache
 *   index_fit        the cluster index finds the one cluster that fits
 *                    among several of the same size class whose longest
 *                    runs are just too short (GFP_ATOMIC, refill stalled):
 *                    success and no pool growth
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pgcluster.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sched.h>

#include "pgct.h"

#define PCPT_DEBUGFS	"/sys/kernel/debug/pgcluster/"
#define PCPT_STATS	PCPT_DEBUGFS "stats"
#define PCPT_STATS_LEN	16384
#define PCPT_SIZE	9000
#define PCPT_USABLE	ALIGN(PCPT_SIZE, PGCLUSTER_GRANULE)

static long long pcpt_stat(const char *name)
{
	char *buf = kmalloc(PCPT_STATS_LEN, GFP_KERNEL);
	long long v = -1;

	if (!buf)
		return -1;
	if (pgct_read_file(PCPT_STATS, buf, PCPT_STATS_LEN) > 0)
		v = pgct_find_value(buf, name);
	kfree(buf);
	return v;
}

/*
 * Runs @fn on @cpu in the case's own thread (pinned there: reading stats
 * needs the thread's mm, which a kworker lacks); PGCT_SKIP when @cpu is not
 * online.
 */
static int pcpt_on(int cpu, long (*fn)(void *), void *arg)
{
	long ret;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return PGCT_SKIP;
	if (set_cpus_allowed_ptr(current, cpumask_of(cpu)))
		return PGCT_SKIP;
	ret = fn(arg);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	return ret;
}

static long pcpt_hot_pair_fn(void *arg)
{
	long long hits, fast, bad;
	void *p, *q;

	p = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(p, "allocation failed");
	pgcluster_free(p);
	hits = pcpt_stat("pcp_hits");
	fast = pcpt_stat("pcp_fast_frees");
	bad = pcpt_stat("bad_frees");
	PGCT_ASSERT(hits >= 0 && fast >= 0 && bad >= 0, "stats missing");

	q = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(q, "allocation failed");
	PGCT_EXPECT(q == p, "cache did not serve the same size: %p then %p",
		    p, q);
	PGCT_EXPECT(pcpt_stat("pcp_hits") > hits, "pcp_hits did not move");
	PGCT_EXPECT(pgcluster_size(q) == PCPT_USABLE, "size %zu of a live one",
		    pgcluster_size(q));
	pgcluster_free(q);
	PGCT_EXPECT(pcpt_stat("pcp_fast_frees") > fast,
		    "pcp_fast_frees did not move");
	if (q != p)
		return PGCT_FAIL;

	/* Cached now: free for the API. */
	PGCT_EXPECT(pgcluster_size(p) == 0, "size %zu of a freed one",
		    pgcluster_size(p));
	pgcluster_free(p);
	PGCT_EXPECT(pcpt_stat("bad_frees") == bad + 1,
		    "double free of a cached extent not counted");
	PGCT_EXPECT(pgcluster_size(p) == 0, "double free changed it");

	/* The refused free changed nothing: it comes back once. */
	q = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(q, "allocation failed");
	PGCT_EXPECT(q == p, "cache lost the extent: %p then %p", p, q);
	PGCT_EXPECT(pgcluster_size(q) == PCPT_USABLE, "size %zu",
		    pgcluster_size(q));
	pgcluster_free(q);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_pcp_hot_pair(void)
{
	return pcpt_on(cpumask_first(cpu_online_mask), pcpt_hot_pair_fn,
		       NULL);
}

struct pcpt_cross {
	void *p;
};

/* On CPU A: cache an extent, then hand it out again. */
static long pcpt_cross_a(void *arg)
{
	struct pcpt_cross *x = arg;

	x->p = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(x->p, "allocation failed");
	pgcluster_free(x->p);
	x->p = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(x->p, "allocation failed");
	return PGCT_PASS;
}

/* On CPU B: free it; then again, which is a double free. */
static long pcpt_cross_b(void *arg)
{
	struct pcpt_cross *x = arg;
	long long bad = pcpt_stat("bad_frees");

	PGCT_EXPECT(pgcluster_size(x->p) == PCPT_USABLE,
		    "size %zu of a live one", pgcluster_size(x->p));
	pgcluster_free(x->p);
	PGCT_EXPECT(pcpt_stat("bad_frees") == bad, "legal free refused");
	PGCT_EXPECT(pgcluster_size(x->p) == 0, "size %zu after free",
		    pgcluster_size(x->p));
	pgcluster_free(x->p);
	PGCT_EXPECT(pcpt_stat("bad_frees") == bad + 1,
		    "double free on B not counted");
	return PGCT_PASS;
}

/* Back on A: its token is gone, so this is refused too. */
static long pcpt_cross_a_again(void *arg)
{
	struct pcpt_cross *x = arg;
	long long bad = pcpt_stat("bad_frees");

	pgcluster_free(x->p);
	PGCT_EXPECT(pcpt_stat("bad_frees") == bad + 1,
		    "double free on A not counted");
	return PGCT_PASS;
}

static int pgct_pcp_cross_cpu(void)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	struct pcpt_cross x = { NULL };
	int ret;

	PGCT_SKIP_IF(b >= nr_cpu_ids, "needs two online CPUs");
	ret = pcpt_on(a, pcpt_cross_a, &x);
	if (ret)
		return ret;
	ret = pcpt_on(b, pcpt_cross_b, &x);
	if (ret)
		return ret;
	ret = pcpt_on(a, pcpt_cross_a_again, &x);
	if (ret)
		return ret;
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static long pcpt_fill_fn(void *arg)
{
	static const size_t sizes[] = { 9000, 16384, 36 << 10, 4096 };
	void *p[ARRAY_SIZE(sizes)][4] = { };
	int i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < ARRAY_SIZE(p[0]); j++)
			p[i][j] = pgcluster_alloc(sizes[i], GFP_KERNEL, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < ARRAY_SIZE(p[0]); j++)
			pgcluster_free(p[i][j]);
	return PGCT_PASS;
}

static int pgct_pcp_drain(void)
{
	long long drained, frees, allocs;
	int cpu, ret;

	for_each_online_cpu(cpu) {
		ret = pcpt_on(cpu, pcpt_fill_fn, NULL);
		if (ret)
			return ret;
	}
	PGCT_EXPECT(pcpt_stat("pcp_cached_bytes") > 0, "nothing cached");
	/* The shrinker drains only when that can free pages. */
	PGCT_ASSERT(!pgct_write_file(PCPT_DEBUGFS "testing/pool_grow", "buddy 0"),
		    "pool_grow");
	drained = pcpt_stat("pcp_drained");
	PGCT_ASSERT(!pgct_write_file("/proc/sys/vm/drop_caches", "2"),
		    "drop_caches");
	PGCT_EXPECT(pcpt_stat("pcp_cached_bytes") == 0,
		    "%lld bytes still cached after the shrinker",
		    pcpt_stat("pcp_cached_bytes"));
	PGCT_EXPECT(pcpt_stat("pcp_drained") > drained, "pcp_drained %lld",
		    pcpt_stat("pcp_drained"));
	/* Nothing leaked: the API's books balance. */
	frees = pcpt_stat("frees");
	allocs = pcpt_stat("allocs");
	PGCT_EXPECT(allocs >= frees, "allocs %lld frees %lld", allocs, frees);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static long pcpt_zone_node_fn(void *arg)
{
	int other = NUMA_NO_NODE, nid;
	bool drained = false;
	void *p, *q;

	p = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(p, "allocation failed");
	nid = page_to_nid(virt_to_page(p));
	pgcluster_free(p);	/* cached on this CPU */

	/* Only ZONE_DMA will do; p cannot be in it unless the pool is. */
	q = pgcluster_alloc(PCPT_SIZE, GFP_NOWAIT | GFP_DMA | __GFP_NOWARN, 0);
	if (q) {
		PGCT_EXPECT(page_zonenum(virt_to_page(q)) == ZONE_DMA,
			    "GFP_DMA got zone %d", page_zonenum(virt_to_page(q)));
		pgcluster_free(q);
	}
	/* A failed allocation drains this CPU's cache before it gives up. */
	drained |= !q;
	if (page_zonenum(virt_to_page(p)) != ZONE_DMA)
		PGCT_EXPECT(q != p, "cached extent outside ZONE_DMA handed out");

	for_each_node_state(other, N_MEMORY)
		if (other != nid)
			break;
	if (other < MAX_NUMNODES && other != nid && node_online(other)) {
		q = pgcluster_alloc_node(PCPT_SIZE, GFP_NOWAIT |
					 __GFP_THISNODE | __GFP_NOWARN, 0,
					 other);
		PGCT_EXPECT(q != p, "cached extent of node %d for node %d",
			    nid, other);
		if (q)
			PGCT_EXPECT(page_to_nid(virt_to_page(q)) == other,
				    "__GFP_THISNODE broken");
		drained |= !q;
		pgcluster_free(q);
	} else {
		pgct_log("one memory node: node rule not checked\n");
	}

	/* Still cached and still served for its own node. */
	q = pgcluster_alloc_node(PCPT_SIZE, GFP_NOWAIT | __GFP_THISNODE, 0,
				 nid);
	PGCT_EXPECT(q, "allocation failed");
	PGCT_EXPECT(q == p || drained, "cache lost the extent: %p then %p",
		    p, q);
	pgcluster_free(q);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_pcp_zone_node(void)
{
	return pcpt_on(cpumask_first(cpu_online_mask), pcpt_zone_node_fn,
		       NULL);
}

struct pcpt_irq {
	struct irq_work work;
	void *to_free;
	void *got;
	bool in_irq;
};

/* An ordinary irq_work runs in hard interrupt context on !PREEMPT_RT. */
static void pcpt_irq_work(struct irq_work *w)
{
	struct pcpt_irq *x = container_of(w, struct pcpt_irq, work);

	x->in_irq = in_hardirq();
	pgcluster_free(x->to_free);
	x->got = pgcluster_alloc(PCPT_SIZE, GFP_ATOMIC | __GFP_NOWARN, 0);
}

static long pcpt_irq_fn(void *arg)
{
	struct pcpt_irq *x = arg;
	long long bad = pcpt_stat("bad_frees");
	void *p;

	p = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);
	PGCT_ASSERT(p, "allocation failed");
	pgcluster_free(p);
	x->to_free = pgcluster_alloc(PCPT_SIZE, GFP_KERNEL, 0);	/* cached */
	PGCT_ASSERT(x->to_free, "allocation failed");
	init_irq_work(&x->work, pcpt_irq_work);
	/* Queued on this CPU: the free meets the CPU that handed it out. */
	irq_work_queue(&x->work);
	irq_work_sync(&x->work);
	PGCT_EXPECT(x->got, "GFP_ATOMIC allocation in hard irq failed");
	PGCT_EXPECT(pcpt_stat("bad_frees") == bad, "free in hard irq refused");
	if (x->got)
		PGCT_EXPECT(x->got == x->to_free,
			    "extent freed in irq not reused (%p, %p)",
			    x->to_free, x->got);
	pgct_log("callback ran in %s\n", x->in_irq ? "hard irq" : "task context");
	pgcluster_free(x->got);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_pcp_irq(void)
{
	struct pcpt_irq *x = kzalloc(sizeof(*x), GFP_KERNEL);
	int ret;

	PGCT_ASSERT(x, "no memory");
	ret = pcpt_on(cpumask_first(cpu_online_mask), pcpt_irq_fn, x);
	kfree(x);
	return ret;
}

/*
 * index_fit: five clusters whose longest free run is 140 units and one of
 * 150, all in the size class 128..159, and no other free space: a request
 * of 141 units must find the 150 one (the index once looked at only the
 * first four members of the class).  The pool is exhausted with GFP_ATOMIC
 * (which never grows it) and the refill worker stalled meanwhile; each
 * shaped cluster is one taken whole by a 2 MiB allocation, freed and taken
 * again but for its hole (sizes above the per-CPU cache's limit).
 */
#define IXT_MAX		4096
#define IXT_GFP		(GFP_ATOMIC | __GFP_NOWARN | __GFP_THISNODE)
#define IXT_UNITS(u)	((size_t)(u) * PGCLUSTER_GRANULE)

struct ixt {
	void *p[IXT_MAX];
	unsigned int nr;
	void *whole[6];
	unsigned int nr_whole;
};

static void ixt_free_all(struct ixt *x)
{
	while (x->nr)
		pgcluster_free(x->p[--x->nr]);
}

static long ixt_fn(void *arg)
{
	static const u32 holes[] = { 140, 140, 140, 140, 150, 140 };
	struct ixt *x = arg;
	int nid = numa_mem_id();
	long long clusters, refills, grow_sync;
	size_t size;
	void *p;
	int i;

	/* Whole 2 MiB clusters first, then everything else, halving. */
	for (size = PGCLUSTER_MAX_SIZE; size >= PGCLUSTER_GRANULE; size /= 2) {
		while (x->nr < IXT_MAX) {
			p = pgcluster_alloc(size, IXT_GFP, nid);
			if (!p)
				break;
			if (size == PGCLUSTER_MAX_SIZE &&
			    x->nr_whole < ARRAY_SIZE(x->whole))
				x->whole[x->nr_whole++] = p;
			x->p[x->nr++] = p;
		}
	}
	PGCT_SKIP_IF(x->nr == IXT_MAX, "pool too large to exhaust");
	PGCT_SKIP_IF(x->nr_whole < ARRAY_SIZE(holes),
		     "only %u whole 2 MiB clusters", x->nr_whole);
	clusters = pcpt_stat("clusters");
	refills = pcpt_stat("refills");
	grow_sync = pcpt_stat("grow_sync");

	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		char *w = x->whole[i];
		int j;

		for (j = 0; j < x->nr && x->p[j] != w; j++)
			;
		pgcluster_free(w);
		p = pgcluster_alloc(PGCLUSTER_MAX_SIZE - IXT_UNITS(holes[i]),
				    IXT_GFP, nid);
		x->p[j] = p;
		PGCT_ASSERT(p, "cluster %d not taken again", i);
		PGCT_ASSERT((char *)p >= w && (char *)p < w + PGCLUSTER_MAX_SIZE,
			    "cluster %d taken again elsewhere: %p, not %p",
			    i, p, w);
	}

	p = pgcluster_alloc(IXT_UNITS(141), IXT_GFP, nid);
	PGCT_EXPECT(p, "141 units failed; a 150-unit run was free");
	if (p) {
		char *w = x->whole[4];

		PGCT_EXPECT((char *)p >= w && (char *)p < w + PGCLUSTER_MAX_SIZE,
			    "served from %p, outside the 150-unit cluster", p);
		x->p[x->nr++] = p;
	}
	PGCT_EXPECT(pcpt_stat("clusters") == clusters &&
		    pcpt_stat("refills") == refills &&
		    pcpt_stat("grow_sync") == grow_sync,
		    "pool grew: clusters %lld -> %lld", clusters,
		    pcpt_stat("clusters"));
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_index_fit(void)
{
	struct ixt *x = vzalloc(sizeof(*x));
	int ret;

	PGCT_ASSERT(x, "no memory");
	/* The refill worker, kicked once the pool runs low, waits meanwhile. */
	ret = pgct_write_file(PCPT_DEBUGFS "testing/grow_stall_ms", "10000");
	if (ret) {
		vfree(x);
		PGCT_FAIL_NOW("grow_stall_ms: %d", ret);
	}
	ret = pcpt_on(cpumask_first(cpu_online_mask), ixt_fn, x);
	ixt_free_all(x);
	pgct_write_file(PCPT_DEBUGFS "testing/grow_stall_ms", "0");
	vfree(x);
	return ret;
}

const struct pgct_case pgct_pcp_cases[] = {
	{ "pcp_hot_pair", pgct_pcp_hot_pair },
	{ "pcp_cross_cpu", pgct_pcp_cross_cpu },
	{ "pcp_drain", pgct_pcp_drain },
	{ "pcp_zone_node", pgct_pcp_zone_node },
	{ "pcp_irq", pgct_pcp_irq },
	{ "index_fit", pgct_index_fit },
	{ NULL, NULL }
};
