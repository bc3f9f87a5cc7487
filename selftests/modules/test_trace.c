// SPDX-License-Identifier: GPL-2.0
/*
 * Known sequences for the pgcluster trace events: exact sizes with known
 * gfp masks and flags, so that selftests/trace.sh can read the events back
 * from tracefs and check every field.  The script sets the debugfs knobs
 * each case needs (force_virtual, emerg_fail_pages, slot_cache) and checks
 * the trace; the cases check only what the API returns.  Every case is
 * driven: it runs when named, not with all the others.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgcluster.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pgct.h"

/*
 * 9000 bytes GFP_KERNEL (9024 usable), 100 bytes GFP_ATOMIC|__GFP_ZERO on
 * this CPU's node (128 usable), one size too large (failed), two frees and
 * a second free of the first pointer (a bad free).
 */
static int pgct_trace_contig(void)
{
	void *a, *b, *c;

	a = pgcluster_alloc(9000, GFP_KERNEL, 0);
	PGCT_ASSERT(a, "9000 bytes");
	b = pgcluster_alloc_node(100, GFP_ATOMIC | __GFP_ZERO, 0,
				 numa_mem_id());
	if (!PGCT_CHECK(b, "100 bytes atomic")) {
		pgcluster_free(a);
		return PGCT_FAIL;
	}
	pgct_log("node %d", numa_mem_id());
	PGCT_EXPECT(pgcluster_size(a) == 9024, "size %zu",
		    pgcluster_size(a));
	PGCT_EXPECT(pgcluster_size(b) == 128, "size %zu", pgcluster_size(b));
	c = pgcluster_alloc(PGCLUSTER_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN,
			    0);
	PGCT_EXPECT(!c, "too large a request served");
	pgcluster_free(a);
	pgcluster_free(b);
	pgcluster_free(a);
	return PGCT_PASS;
}

/*
 * With force_virtual=1 and slot_cache=0: 3 pages less 100 bytes, freed
 * where the caller may sleep (unmapped at once), then one page freed with
 * interrupts off (unmap deferred to the worker).
 */
static int pgct_trace_virtual(void)
{
	unsigned long flags;
	void *v, *w;

	v = pgcluster_alloc(3 * PAGE_SIZE - 100, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(v, "3 pages virtual");
	PGCT_EXPECT(pgcluster_is_virtual(v), "not virtual: force_virtual?");
	PGCT_EXPECT(pgcluster_size(v) == 3 * PAGE_SIZE, "size %zu",
		    pgcluster_size(v));
	pgcluster_free(v);
	w = pgcluster_alloc(PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(w, "1 page virtual");
	PGCT_EXPECT(pgcluster_is_virtual(w), "not virtual: force_virtual?");
	local_irq_save(flags);
	pgcluster_free(w);
	local_irq_restore(flags);
	return PGCT_PASS;
}

/*
 * With force_virtual=1 and emerg_fail_pages=2: both pages of a 2-page
 * request come from the emergency reserve, and go back to it on free.
 */
static int pgct_trace_reserve(void)
{
	void *v;

	v = pgcluster_alloc(2 * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(v, "2 pages from the reserve");
	PGCT_EXPECT(pgcluster_is_virtual(v), "not virtual: force_virtual?");
	pgcluster_free(v);
	return PGCT_PASS;
}

/*
 * With force_virtual=1 and slot_cache=1: a freed 3-page slot is cached and
 * serves the next 3-page request (a hit); freeing that, then a 2-page
 * allocation, evicts the 3-page slot to make room.
 */
static int pgct_trace_cache(void)
{
	void *a, *b, *c;

	a = pgcluster_alloc(3 * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(a, "3 pages virtual");
	pgcluster_free(a);
	b = pgcluster_alloc(3 * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(b, "3 pages virtual again");
	PGCT_EXPECT(b == a, "the cached slot was not reused");
	c = pgcluster_alloc(2 * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	if (!PGCT_CHECK(c, "2 pages virtual")) {
		pgcluster_free(b);
		return PGCT_FAIL;
	}
	pgcluster_free(b);
	pgcluster_free(c);
	return PGCT_PASS;
}

#define PGCT_TRACE_GROW_N	6
#define PGCT_TRACE_GROW_MAX	16
#define PGCT_TRACE_GROW_SIZE	(SZ_1M + SZ_512K + SZ_256K)
#define PGCT_TRACE_STATS	"/sys/kernel/debug/pgcluster/stats"
#define PGCT_TRACE_STATS_LEN	16384
#define PGCT_TRACE_WAIT_MS	1000

/* The "refills" counter of debugfs stats, or -1. */
static long long pgct_trace_refills(char *buf)
{
	if (pgct_read_file(PGCT_TRACE_STATS, buf, PGCT_TRACE_STATS_LEN) < 0)
		return -1;
	return pgct_find_value(buf, "refills");
}

/*
 * Allocations of 1.75 MiB held at once: each takes a 2 MiB cluster of its
 * own and leaves a quarter of it, so six are more than a 4 MiB pool serves
 * and the pool grows for the requests, while free space stays under the
 * low watermark (a quarter of the reserve) and the refill worker must
 * grow the pool too.  (With 1 MiB, free space can sit exactly at the
 * watermark, which is not below it.)  With @want_refill more are taken,
 * one at a time, until the worker has grown the pool (at most
 * PGCT_TRACE_GROW_MAX, waiting up to a second after each).  With pool_mb=0
 * there is no worker and every grow is a request's own: exactly six, no
 * waiting.
 */
static noinline __noclone int pgct_trace_grow_held(bool want_refill)
{
	void *p[PGCT_TRACE_GROW_MAX];
	long long refills0, refills;
	char *buf;
	int i, n, ms;

	buf = kmalloc(PGCT_TRACE_STATS_LEN, GFP_KERNEL);
	PGCT_ASSERT(buf, "no memory for stats");
	refills0 = pgct_trace_refills(buf);
	refills = refills0;
	for (n = 0; n < PGCT_TRACE_GROW_MAX; n++) {
		if (n == PGCT_TRACE_GROW_N && (!want_refill || refills != refills0))
			break;
		p[n] = pgcluster_alloc(PGCT_TRACE_GROW_SIZE, GFP_KERNEL, 0);
		if (!PGCT_CHECK(p[n], "allocation #%d", n))
			break;
		for (ms = 0; want_refill && n + 1 >= PGCT_TRACE_GROW_N &&
		     ms < PGCT_TRACE_WAIT_MS && refills == refills0; ms += 20) {
			msleep(20);
			refills = pgct_trace_refills(buf);
		}
	}
	pgct_log("%d allocations of 1.75 MiB, refills %lld -> %lld", n, refills0,
		 refills);
	if (want_refill)
		PGCT_EXPECT(refills > refills0,
			    "the refill worker did not grow the pool");
	for (i = 0; i < n; i++)
		pgcluster_free(p[i]);
	kfree(buf);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_trace_grow(void)
{
	return pgct_trace_grow_held(true);
}

static int pgct_trace_grow_sync(void)
{
	return pgct_trace_grow_held(false);
}

const struct pgct_case pgct_trace_cases[] = {
	{ "trace_contig", pgct_trace_contig, PGCT_DRIVEN },
	{ "trace_virtual", pgct_trace_virtual, PGCT_DRIVEN },
	{ "trace_reserve", pgct_trace_reserve, PGCT_DRIVEN },
	{ "trace_cache", pgct_trace_cache, PGCT_DRIVEN },
	{ "trace_grow", pgct_trace_grow, PGCT_DRIVEN },
	{ "trace_grow_sync", pgct_trace_grow_sync, PGCT_DRIVEN },
	{ NULL, NULL }
};
