// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for per-node pools and placement, for a guest with two or more
 * memory nodes (scripts/vm-run.sh --numa 2); each case skips when fewer
 * than two nodes have memory.  Through the exported API only:
 *
 *   numa_node_placement  every page of an allocation for node N lies on N,
 *                        with and without __GFP_THISNODE, sleeping or not
 *   numa_local_node      NUMA_NO_NODE means the memory node of the CPU the
 *                        caller runs on (a work item on each online CPU)
 *   numa_fallback        a GFP_NOWAIT request for node B is served from
 *                        another node only once B's pool is spent; with
 *                        __GFP_THISNODE it fails then; B serves again as
 *                        soon as it has room; GFP_KERNEL | __GFP_THISNODE
 *                        grows B's pool rather than failing
 *
 * numa_fallback is deterministic on a pool without a refill worker
 * (pool_mb=0 and one cluster per node from debugfs pool_grow, as
 * selftests/numa.sh sets it up) and tolerates one otherwise: a refill that
 * gives B room between the exhaustion and the request shows up as a request
 * served from B, and the case exhausts B again.  Per-node stats and the
 * shrinker are checked from selftests/numa.sh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pgcluster.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "pgct.h"

/* Requests of this size exhaust a node in numa_fallback. */
#define PGCT_NUMA_CHUNK		(64UL << 10)
/* At most this many chunks are held (128 MiB): bounds the exhaustion. */
#define PGCT_NUMA_MAX_HELD	2048
/* Exhaustion rounds before numa_fallback gives up on seeing a fallback. */
#define PGCT_NUMA_ROUNDS	16

/* Every case needs two memory nodes. */
#define PGCT_NUMA_SKIP_IF_ONE_NODE()					\
	PGCT_SKIP_IF(num_node_state(N_MEMORY) < 2,			\
		     "%d memory node(s): needs 2 (vm-run.sh --numa 2)",	\
		     num_node_state(N_MEMORY))

static int pgct_nid(const void *p)
{
	return page_to_nid(virt_to_page(p));
}

/* The node of every page of [p, p + size), or -1 when they differ. */
static int pgct_nid_all(const void *p, size_t size)
{
	const char *c = p, *end = c + size;
	int nid = pgct_nid(p);

	for (c = PTR_ALIGN(c + 1, PAGE_SIZE); c < end; c += PAGE_SIZE)
		if (pgct_nid(c) != nid)
			return -1;
	return pgct_nid(end - 1) == nid ? nid : -1;
}

static const size_t pgct_numa_sizes[] = {
	64, 9000, 128 << 10, PGCLUSTER_MAX_SIZE,
};

static const struct {
	gfp_t gfp;
	const char *name;
	size_t max;		/* largest size tried with it */
} pgct_numa_gfps[] = {
	{ GFP_KERNEL, "GFP_KERNEL", 128 << 10 },
	{ GFP_KERNEL | __GFP_THISNODE, "GFP_KERNEL|__GFP_THISNODE",
	  PGCLUSTER_MAX_SIZE },
	{ GFP_NOWAIT, "GFP_NOWAIT", 128 << 10 },
	{ GFP_ATOMIC | __GFP_THISNODE, "GFP_ATOMIC|__GFP_THISNODE",
	  128 << 10 },
};

/*
 * Without __GFP_THISNODE the other node may serve only when the asked one
 * cannot, so sizes stay well inside a node's pool (a fresh pool of at least
 * 2 MiB): a whole PGCLUSTER_MAX_SIZE cluster is asked for only with
 * GFP_KERNEL | __GFP_THISNODE, which grows the node's pool when it must.
 */
static int pgct_numa_node_placement(void)
{
	int nid, g, s, got, checked = 0;

	PGCT_NUMA_SKIP_IF_ONE_NODE();
	for_each_node_state(nid, N_MEMORY) {
		for (g = 0; g < ARRAY_SIZE(pgct_numa_gfps); g++) {
			for (s = 0; s < ARRAY_SIZE(pgct_numa_sizes); s++) {
				size_t size = pgct_numa_sizes[s];
				void *p;

				if (size > pgct_numa_gfps[g].max)
					continue;
				p = pgcluster_alloc_node(size,
							 pgct_numa_gfps[g].gfp,
							 0, nid);
				PGCT_ASSERT(p, "node %d, %zu B, %s: failed",
					    nid, size, pgct_numa_gfps[g].name);
				got = pgct_nid_all(p, size);
				memset(p, 0x5a, size);
				pgcluster_free(p);
				PGCT_EXPECT(got == nid,
					    "node %d, %zu B, %s: memory of node %d (-1: mixed)",
					    nid, size, pgct_numa_gfps[g].name,
					    got);
				checked++;
			}
		}
	}
	pgct_log("%d allocations on %d nodes, each on its node", checked,
		 num_node_state(N_MEMORY));
	return PGCT_PASS;
}

struct pgct_numa_local {
	int want;	/* cpu_to_mem() of the CPU */
	int got;	/* node of NUMA_NO_NODE memory, -1 mixed, -2 failed */
	int got_node;	/* the same through pgcluster_alloc_node() */
	int on_cpu;
};

/* On the CPU under test (work_on_cpu()): where does local memory come from? */
static long pgct_numa_local_fn(void *arg)
{
	struct pgct_numa_local *l = arg;
	void *p, *q;

	l->on_cpu = raw_smp_processor_id();
	l->want = numa_mem_id();
	p = pgcluster_alloc(9000, GFP_KERNEL, 0);
	q = pgcluster_alloc_node(9000, GFP_KERNEL, 0, NUMA_NO_NODE);
	l->got = p ? pgct_nid_all(p, 9000) : -2;
	l->got_node = q ? pgct_nid_all(q, 9000) : -2;
	pgcluster_free(p);
	pgcluster_free(q);
	return 0;
}

static int pgct_numa_local_node(void)
{
	struct pgct_numa_local l;
	int cpu, checked = 0;
	nodemask_t seen = NODE_MASK_NONE;

	PGCT_NUMA_SKIP_IF_ONE_NODE();
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		l = (struct pgct_numa_local){ -3, -3, -3, -3 };
		work_on_cpu(cpu, pgct_numa_local_fn, &l);
		PGCT_EXPECT(l.on_cpu == cpu && l.want == cpu_to_mem(cpu) &&
			    l.got == l.want && l.got_node == l.want,
			    "CPU %d (ran on %d, memory node %d): pgcluster_alloc() gave node %d, NUMA_NO_NODE gave node %d (-1 mixed, -2 failed)",
			    cpu, l.on_cpu, l.want, l.got, l.got_node);
		node_set(l.want, seen);
		checked++;
	}
	cpus_read_unlock();
	pgct_log("%d CPUs on %d memory nodes: local memory from the CPU's node",
		 checked, nodes_weight(seen));
	PGCT_EXPECT(nodes_weight(seen) >= 2,
		    "the CPUs cover only %d memory node(s)", nodes_weight(seen));
	return PGCT_PASS;
}

struct pgct_numa_held {
	void **p;		/* PGCT_NUMA_MAX_HELD entries */
	int n;
};

static void pgct_numa_free_held(struct pgct_numa_held *h)
{
	while (h->n)
		pgcluster_free(h->p[--h->n]);
}

/* Takes chunks of @nid with GFP_NOWAIT | __GFP_THISNODE until it fails. */
static int pgct_numa_exhaust(struct pgct_numa_held *h, int nid, int *taken)
{
	void *p;

	*taken = 0;
	while (h->n < PGCT_NUMA_MAX_HELD) {
		p = pgcluster_alloc_node(PGCT_NUMA_CHUNK, GFP_NOWAIT |
					 __GFP_THISNODE | __GFP_NOWARN, 0, nid);
		if (!p)
			return PGCT_PASS;
		h->p[h->n++] = p;
		(*taken)++;
		PGCT_ASSERT(pgct_nid_all(p, PGCT_NUMA_CHUNK) == nid,
			    "GFP_NOWAIT|__GFP_THISNODE for node %d: memory of node %d (-1: mixed)",
			    nid, pgct_nid_all(p, PGCT_NUMA_CHUNK));
	}
	PGCT_FAIL_NOW("node %d still serves after %d chunks of %lu KiB", nid,
		      PGCT_NUMA_MAX_HELD, PGCT_NUMA_CHUNK >> 10);
}

static int pgct_numa_fallback_held(struct pgct_numa_held *h, int a, int b)
{
	gfp_t nowait = GFP_NOWAIT | __GFP_NOWARN;
	int round, taken, total = 0, got, ret;
	void *p = NULL, *q;

	for (round = 1; round <= PGCT_NUMA_ROUNDS; round++) {
		ret = pgct_numa_exhaust(h, b, &taken);
		if (ret)
			return ret;
		total += taken;
		PGCT_ASSERT(total > 0, "node %d had no room for %lu KiB at all: give it a pool",
			    b, PGCT_NUMA_CHUNK >> 10);
		PGCT_ASSERT(h->n < PGCT_NUMA_MAX_HELD, "too many chunks held");
		p = pgcluster_alloc_node(PGCT_NUMA_CHUNK, nowait, 0, b);
		PGCT_ASSERT(p, "GFP_NOWAIT for spent node %d: NULL, node %d has room",
			    b, a);
		h->p[h->n++] = p;
		got = pgct_nid_all(p, PGCT_NUMA_CHUNK);
		PGCT_ASSERT(got >= 0 && node_state(got, N_MEMORY),
			    "GFP_NOWAIT for node %d: memory of mixed nodes", b);
		if (got != b)
			break;
		/* A refill gave @b room since the exhaustion: again. */
		pgct_log("round %d: node %d got room again meanwhile", round, b);
	}
	PGCT_ASSERT(round <= PGCT_NUMA_ROUNDS,
		    "no fallback seen in %d rounds: node %d keeps being refilled",
		    PGCT_NUMA_ROUNDS, b);
	pgct_log("node %d spent after %d chunks of %lu KiB", b, total,
		 PGCT_NUMA_CHUNK >> 10);
	pgct_log("GFP_NOWAIT for node %d served from node %d (fallback seen in round %d)",
		 b, got, round);
	if (num_node_state(N_MEMORY) == 2)
		PGCT_EXPECT(got == a, "fallback for node %d went to node %d, not %d",
			    b, got, a);

	/* __GFP_THISNODE never leaves the node. */
	q = pgcluster_alloc_node(PGCT_NUMA_CHUNK, nowait | __GFP_THISNODE, 0, b);
	if (q) {
		/* Only a refill racing with us may give room on @b. */
		got = pgct_nid_all(q, PGCT_NUMA_CHUNK);
		pgcluster_free(q);
		PGCT_EXPECT(got == b, "GFP_NOWAIT|__GFP_THISNODE for node %d: memory of node %d",
			    b, got);
		pgct_log("node %d was refilled meanwhile (THISNODE served)", b);
	} else {
		pgct_log("GFP_NOWAIT|__GFP_THISNODE for spent node %d: NULL", b);
	}

	/* Room on @b again: @b serves, no fallback. */
	pgcluster_free(h->p[0]);
	h->p[0] = pgcluster_alloc_node(PGCT_NUMA_CHUNK, nowait, 0, b);
	PGCT_ASSERT(h->p[0], "GFP_NOWAIT for node %d after a free on it: NULL", b);
	got = pgct_nid_all(h->p[0], PGCT_NUMA_CHUNK);
	PGCT_EXPECT(got == b, "node %d has room again, yet GFP_NOWAIT for it gave node %d",
		    b, got);

	/* Spent again: a sleeping __GFP_THISNODE request grows @b's pool. */
	ret = pgct_numa_exhaust(h, b, &taken);
	if (ret)
		return ret;
	q = pgcluster_alloc_node(PGCT_NUMA_CHUNK, GFP_KERNEL | __GFP_THISNODE,
				 0, b);
	PGCT_ASSERT(q, "GFP_KERNEL|__GFP_THISNODE for spent node %d: NULL (no growth)",
		    b);
	got = pgct_nid_all(q, PGCT_NUMA_CHUNK);
	pgcluster_free(q);
	PGCT_EXPECT(got == b, "GFP_KERNEL|__GFP_THISNODE for node %d: node %d",
		    b, got);

	/*
	 * Recorded, not judged: a sleeping request without __GFP_THISNODE
	 * takes any node's pool before growing its own (cluster.c).
	 */
	ret = pgct_numa_exhaust(h, b, &taken);
	if (ret)
		return ret;
	q = pgcluster_alloc_node(PGCT_NUMA_CHUNK, GFP_KERNEL, 0, b);
	PGCT_ASSERT(q, "GFP_KERNEL for spent node %d: NULL", b);
	got = pgct_nid_all(q, PGCT_NUMA_CHUNK);
	pgcluster_free(q);
	pgct_log("GFP_KERNEL for spent node %d: served from node %d", b, got);
	return PGCT_PASS;
}

/* The chunks numa_fallback holds; deferred cleanup frees them. */
static struct pgct_numa_held pgct_numa_held;

static void pgct_numa_release(void *arg)
{
	struct pgct_numa_held *h = arg;

	pgct_numa_free_held(h);
	kfree(h->p);
	h->p = NULL;
}

static int pgct_numa_fallback(void)
{
	struct pgct_numa_held *h = &pgct_numa_held;
	int a, b;

	PGCT_NUMA_SKIP_IF_ONE_NODE();
	a = first_memory_node;
	b = next_memory_node(a);
	h->n = 0;
	h->p = kcalloc(PGCT_NUMA_MAX_HELD, sizeof(*h->p), GFP_KERNEL);
	PGCT_ASSERT(h->p, "no memory for the list of held chunks");
	PGCT_ASSERT(!pgct_defer(pgct_numa_release, h), "defer");
	return pgct_numa_fallback_held(h, a, b);
}

const struct pgct_case pgct_numa_cases[] = {
	{ "numa_node_placement", pgct_numa_node_placement },
	{ "numa_local_node", pgct_numa_local_node },
	{ "numa_fallback", pgct_numa_fallback },
	{ NULL, NULL }
};
