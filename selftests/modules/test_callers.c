// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for per-caller accounting (debugfs pgcluster/callers): exact
 * live counts and bytes of this module's own call sites, the sort order,
 * failures, reset, off, and frees of allocations made while it was off.
 * The sites are non-inlined functions, so the file names them by %pS.
 * selftests/callers.sh drives callers_atomic_fail and callers_grow_fail
 * and checks the file and the failure reports from user space.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/pgcluster.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "pgct.h"

#define PGCT_CALLERS		"/sys/kernel/debug/pgcluster/callers"
#define PGCT_FORCE_VIRTUAL	"/sys/kernel/debug/pgcluster/testing/force_virtual"
#define PGCT_CALLERS_BUF	(64 << 10)

/*
 * The call sites: not inlined, not cloned (a clone's %pS has a suffix) and
 * not tail calls, so _RET_IP_ is in them.
 */
static noinline __noclone void *pgct_callers_site_a(size_t size, gfp_t gfp)
{
	void *p = pgcluster_alloc(size, gfp, 0);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline __noclone void *pgct_callers_site_b(size_t size, gfp_t gfp)
{
	void *p = pgcluster_alloc_node(size, gfp, 0, NUMA_NO_NODE);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline __noclone void *pgct_callers_site_virt(size_t size, gfp_t gfp)
{
	void *p = pgcluster_alloc(size, gfp, PGCLUSTER_VIRTOK);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

struct pgct_row {
	int line;		/* row index, -1 when the site has no row */
	unsigned long live_bytes, live, calls, failures;
};

static char *pgct_callers_buf;

/* Reads the file; checks the header; 0 or a negative errno. */
static int pgct_callers_read(void)
{
	ssize_t n = pgct_read_file(PGCT_CALLERS, pgct_callers_buf,
				   PGCT_CALLERS_BUF);

	if (!PGCT_CHECK(n > 0, "reading %s: %zd", PGCT_CALLERS, n))
		return n < 0 ? n : -EIO;
	if (!PGCT_CHECK(!strncmp(pgct_callers_buf, "# callers: ", 11),
			"no header line"))
		return -EIO;
	return 0;
}

/*
 * The row of the site whose %pS starts with @fn, and checks that all rows
 * are sorted by live bytes, largest first.
 */
static void pgct_callers_row(const char *fn, struct pgct_row *row)
{
	unsigned long prev = ULONG_MAX, v[4];
	char *line = pgct_callers_buf, *nl = NULL;
	char name[64], name_clone[64];
	int idx = 0;

	snprintf(name, sizeof(name), " %s+", fn);
	snprintf(name_clone, sizeof(name_clone), " %s.", fn);
	memset(row, 0, sizeof(*row));
	row->line = -1;
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		bool match;

		nl = strchr(line, '\n');
		if (*line == '#')
			continue;
		if (nl)
			*nl = '\0';
		match = strstr(line, name) || strstr(line, name_clone);
		if (!PGCT_CHECK(sscanf(line, "%lu %lu %lu %lu", &v[0], &v[1],
				       &v[2], &v[3]) == 4, "bad row '%s'", line))
			v[0] = 0;
		PGCT_EXPECT(v[0] <= prev, "not sorted by live bytes at '%s'",
			    line);
		prev = v[0];
		if (match) {
			row->line = idx;
			row->live_bytes = v[0];
			row->live = v[1];
			row->calls = v[2];
			row->failures = v[3];
		}
		if (nl)
			*nl = '\n';
		idx++;
	}
}

static void pgct_callers_off(void *unused)
{
	pgct_write_file(PGCT_CALLERS, "off");
}

static void pgct_force_virtual_off(void *unused)
{
	pgct_write_file(PGCT_FORCE_VIRTUAL, "N");
}

static int pgct_callers_expect(const char *fn, unsigned long live,
			       unsigned long bytes, unsigned long calls,
			       unsigned long failures, struct pgct_row *row)
{
	if (pgct_callers_read())
		return PGCT_FAIL;
	pgct_callers_row(fn, row);
	PGCT_ASSERT(row->line >= 0, "no row for %s", fn);
	PGCT_EXPECT(row->live == live, "%s: live %lu, want %lu", fn,
		    row->live, live);
	PGCT_EXPECT(row->live_bytes == bytes, "%s: live bytes %lu, want %lu",
		    fn, row->live_bytes, bytes);
	PGCT_EXPECT(row->calls == calls, "%s: calls %lu, want %lu", fn,
		    row->calls, calls);
	PGCT_EXPECT(row->failures == failures, "%s: failures %lu, want %lu",
		    fn, row->failures, failures);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

static int pgct_callers_sites_run(void)
{
	static const size_t a_sizes[] = { 5000, 64, SZ_16K };
	unsigned long a_bytes = 0, b_bytes, v_bytes;
	void *a[ARRAY_SIZE(a_sizes)], *b, *v, *off;
	struct pgct_row ra, rb, rv;
	unsigned int i;
	bool was_on;

	if (pgct_callers_read())
		return PGCT_FAIL;
	was_on = !strncmp(pgct_callers_buf, "# callers: on", 13);
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "on"), "write on");
	if (!was_on)
		PGCT_ASSERT(!pgct_defer(pgct_callers_off, NULL), "defer");
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "reset"), "write reset");

	for (i = 0; i < ARRAY_SIZE(a_sizes); i++) {
		a[i] = pgct_callers_site_a(a_sizes[i], GFP_KERNEL);
		PGCT_ASSERT(a[i], "site a: %zu bytes", a_sizes[i]);
		PGCT_DEFER_FREE(a[i]);
		a_bytes += pgcluster_size(a[i]);
	}
	PGCT_EXPECT(!pgct_callers_site_a(PGCLUSTER_MAX_SIZE + 1,
					 GFP_KERNEL | __GFP_NOWARN),
		    "a request above the maximum size was served");
	b = pgct_callers_site_b(SZ_256K + 100, GFP_KERNEL);
	PGCT_ASSERT(b, "site b");
	PGCT_DEFER_FREE(b);
	b_bytes = pgcluster_size(b);
	PGCT_ASSERT(b_bytes > a_bytes, "site b must hold the most");

	/* An emergency allocation counts its usable size too. */
	PGCT_ASSERT(!pgct_write_file(PGCT_FORCE_VIRTUAL, "Y"), "force_virtual");
	PGCT_ASSERT(!pgct_defer(pgct_force_virtual_off, NULL), "defer");
	v = pgct_callers_site_virt(3 * PAGE_SIZE, GFP_KERNEL);
	pgct_release(pgct_force_virtual_off, NULL);
	PGCT_ASSERT(v, "virtual site");
	PGCT_DEFER_FREE(v);
	PGCT_EXPECT(pgcluster_is_virtual(v), "not an emergency allocation");
	v_bytes = pgcluster_size(v);

	if (pgct_callers_expect("pgct_callers_site_a", 3, a_bytes, 4, 1, &ra) ||
	    pgct_callers_expect("pgct_callers_site_b", 1, b_bytes, 1, 0, &rb) ||
	    pgct_callers_expect("pgct_callers_site_virt", 1, v_bytes, 1, 0,
				&rv))
		return PGCT_FAIL;
	pgct_log("site a: %lu bytes in 3, site b: %lu bytes, virtual: %lu bytes",
		 a_bytes, b_bytes, v_bytes);
	PGCT_EXPECT(rb.line < ra.line, "site b (%lu bytes) is not above site a (%lu bytes)",
		    b_bytes, a_bytes);

	for (i = 0; i < ARRAY_SIZE(a); i++)
		PGCT_ASSERT(pgct_release(pgct_free_action, a[i]), "free a");
	PGCT_ASSERT(pgct_release(pgct_free_action, b), "free b");
	PGCT_ASSERT(pgct_release(pgct_free_action, v), "free v");
	if (pgct_callers_expect("pgct_callers_site_a", 0, 0, 4, 1, &ra) ||
	    pgct_callers_expect("pgct_callers_site_b", 0, 0, 1, 0, &rb) ||
	    pgct_callers_expect("pgct_callers_site_virt", 0, 0, 1, 0, &rv))
		return PGCT_FAIL;

	/* Made while off, freed while on: no record, no negative counts. */
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "off"), "write off");
	off = pgct_callers_site_a(SZ_4K, GFP_KERNEL);
	PGCT_ASSERT(off, "site a while off");
	PGCT_DEFER_FREE(off);
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "on"), "write on");
	PGCT_ASSERT(pgct_release(pgct_free_action, off), "free");
	if (pgct_callers_expect("pgct_callers_site_a", 0, 0, 4, 1, &ra))
		return PGCT_FAIL;

	/* reset: calls and failures go, live counts stay. */
	a[0] = pgct_callers_site_a(SZ_4K, GFP_KERNEL);
	PGCT_ASSERT(a[0], "site a");
	PGCT_DEFER_FREE(a[0]);
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "reset"), "write reset");
	if (pgct_callers_expect("pgct_callers_site_a", 1,
				pgcluster_size(a[0]), 0, 0, &ra))
		return PGCT_FAIL;
	PGCT_ASSERT(pgct_release(pgct_free_action, a[0]), "free");
	PGCT_ASSERT(!pgct_callers_read(), "read");
	pgct_callers_row("pgct_callers_site_a", &ra);
	PGCT_EXPECT(ra.line < 0, "a site with nothing to show has a row");
	pgct_callers_row("pgct_callers_site_b", &rb);
	PGCT_EXPECT(rb.line < 0, "a site with nothing to show has a row");

	/* off: nothing is counted. */
	PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "off"), "write off");
	a[0] = pgct_callers_site_a(SZ_4K, GFP_KERNEL);
	PGCT_ASSERT(a[0], "site a");
	PGCT_DEFER_FREE(a[0]);
	PGCT_ASSERT(!pgct_callers_read(), "read");
	PGCT_EXPECT(!strncmp(pgct_callers_buf, "# callers: off", 14),
		    "header does not say off");
	pgct_callers_row("pgct_callers_site_a", &ra);
	PGCT_EXPECT(ra.line < 0, "counted while off");
	if (was_on)
		PGCT_EXPECT(!pgct_write_file(PGCT_CALLERS, "on"), "write on");
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

/*
 * Exact live counts and bytes per site, sort order, failures, frees of
 * allocations made while off, reset and off.
 */
static int pgct_callers_sites(void)
{
	int ret;

	pgct_callers_buf = kvmalloc(PGCT_CALLERS_BUF, GFP_KERNEL);
	PGCT_ASSERT(pgct_callers_buf, "no memory");
	ret = pgct_callers_sites_run();
	kvfree(pgct_callers_buf);
	pgct_callers_buf = NULL;
	return ret;
}

/* Not inlined: callers.sh looks for this name in the failure report. */
static noinline __noclone void *
pgct_callers_fail_site(size_t size, gfp_t gfp, unsigned int flags)
{
	void *p = pgcluster_alloc(size, gfp, flags);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

/*
 * Driven by callers.sh with an empty pool (pool_mb=0): a GFP_ATOMIC
 * request cannot be served, and its report must say why.
 */
static int pgct_callers_atomic_fail(void)
{
	void *p = pgct_callers_fail_site(SZ_64K, GFP_ATOMIC, PGCLUSTER_VIRTOK);

	if (p) {
		pgcluster_free(p);
		PGCT_SKIP_IF(true, "the pool had room: load with pool_mb=0");
	}
	pgct_log("a GFP_ATOMIC request of 64 KiB failed, as it should");
	return PGCT_PASS;
}

#if IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
#define PGCT_FPA	"/sys/kernel/debug/fail_page_alloc/"

/*
 * Page allocations of order 6 and up (a cluster) by a task with
 * make_it_fail set fail; smaller ones (slab, the records) do not.
 */
static int pgct_fpa_set(bool on)
{
	static const char *const cfg[][3] = {
		/* file, on, off; probability first off and last on */
		{ "probability", "100", "0" },
		{ "verbose", "0", "0" },
		{ "task-filter", "Y", "N" },
		{ "ignore-gfp-wait", "N", "Y" },
		{ "min-order", "6", "1" },
		{ "interval", "1", "1" },
		{ "space", "0", "0" },
		{ "times", "-1", "1" },
	};
	int i, n = ARRAY_SIZE(cfg), ret = 0;
	char path[96];

	for (i = 0; i < n; i++) {
		int k = on ? n - 1 - i : i;

		snprintf(path, sizeof(path), PGCT_FPA "%s", cfg[k][0]);
		if (pgct_write_file(path, cfg[k][on ? 1 : 2]) && !ret)
			ret = -EIO;
	}
	return ret;
}

static void pgct_fpa_off(void *unused)
{
	PGCT_EXPECT(!pgct_fpa_set(false), "cannot restore fail_page_alloc");
}

/*
 * Driven by callers.sh with an empty pool: a GFP_NOIO request of a whole
 * cluster while the buddy allocator fails every block of a cluster's
 * order.  The pool cannot grow (migration is not for GFP_NOIO), and the
 * report must give the last grow failure.
 */
static int pgct_callers_grow_fail(void)
{
	void *p;

	PGCT_ASSERT(!pgct_defer(pgct_fpa_off, NULL), "defer");
	PGCT_ASSERT(!pgct_fpa_set(true), "cannot configure fail_page_alloc");
	WRITE_ONCE(current->make_it_fail, 1);
	p = pgct_callers_fail_site(PGCLUSTER_MAX_SIZE, GFP_NOIO, 0);
	WRITE_ONCE(current->make_it_fail, 0);
	pgct_release(pgct_fpa_off, NULL);
	if (p) {
		pgcluster_free(p);
		PGCT_SKIP_IF(true, "the pool had a free cluster: load with pool_mb=0");
	}
	pgct_log("a GFP_NOIO request of a whole cluster failed, as it should");
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}
#else
static int pgct_callers_grow_fail(void)
{
	PGCT_SKIP_IF(true, "needs CONFIG_FAIL_PAGE_ALLOC and CONFIG_FAULT_INJECTION_DEBUG_FS");
	return PGCT_SKIP;
}
#endif

#define PGCT_COST_ROUNDS	9
#define PGCT_COST_PAIRS		20000

/* ns per alloc+free pair of @size, @n pairs from one call site. */
static u64 pgct_callers_pairs(size_t size, unsigned int n)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = pgct_callers_site_a(size, GFP_KERNEL | __GFP_NOWARN);
		pgcluster_free(p);
	}
	return div_u64(ktime_get_ns() - t0, n);
}

static int pgct_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The cost of accounting: hot alloc+free pairs of 64 bytes with it off and
 * on, the rounds interleaved so that a busy host slows both alike; the
 * medians go to the log (the smallest size, so that the allocator, not
 * init_on_alloc zeroing, dominates).  Driven (callers_cost): it only
 * measures.
 */
static int pgct_callers_cost(void)
{
	static u64 off[PGCT_COST_ROUNDS], on[PGCT_COST_ROUNDS];
	char head[24];
	bool was_on;
	u64 moff, mon;
	int r;

	PGCT_ASSERT(pgct_read_file(PGCT_CALLERS, head, sizeof(head)) > 0,
		    "read %s", PGCT_CALLERS);
	was_on = !strncmp(head, "# callers: on", 13);
	pgct_callers_pairs(64, PGCT_COST_PAIRS / 10);	/* warm up */
	for (r = 0; r < PGCT_COST_ROUNDS; r++) {
		PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "off"), "off");
		off[r] = pgct_callers_pairs(64, PGCT_COST_PAIRS);
		PGCT_ASSERT(!pgct_write_file(PGCT_CALLERS, "on"), "on");
		on[r] = pgct_callers_pairs(64, PGCT_COST_PAIRS);
	}
	PGCT_EXPECT(!pgct_write_file(PGCT_CALLERS, was_on ? "on" : "off"),
		    "restore");
	sort(off, PGCT_COST_ROUNDS, sizeof(u64), pgct_u64_cmp, NULL);
	sort(on, PGCT_COST_ROUNDS, sizeof(u64), pgct_u64_cmp, NULL);
	moff = off[PGCT_COST_ROUNDS / 2];
	mon = on[PGCT_COST_ROUNDS / 2];
	pgct_log("64 B hot pair, median of %d runs of %d: off %llu ns, on %llu ns (%+lld%%)",
		 PGCT_COST_ROUNDS, PGCT_COST_PAIRS, moff, mon,
		 moff ? div64_s64(((s64)mon - (s64)moff) * 100, moff) : 0);
	pgct_log("min/max ns: off %llu/%llu, on %llu/%llu", off[0],
		 off[PGCT_COST_ROUNDS - 1], on[0], on[PGCT_COST_ROUNDS - 1]);
	return pgct_failed() ? PGCT_FAIL : PGCT_PASS;
}

const struct pgct_case pgct_callers_cases[] = {
	{ "callers_sites", pgct_callers_sites },
	{ "callers_atomic_fail", pgct_callers_atomic_fail, PGCT_DRIVEN },
	{ "callers_grow_fail", pgct_callers_grow_fail, PGCT_DRIVEN },
	{ "callers_cost", pgct_callers_cost, PGCT_DRIVEN },
	{ NULL, NULL }
};
