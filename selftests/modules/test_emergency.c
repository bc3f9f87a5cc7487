// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for the emergency (virtually contiguous) allocator, run inside
 * pgcluster_test.ko through the pgct framework.
 *
 * The cases use only the exported API plus pgcluster's debugfs files, which
 * they read and write with test_io.c's file I/O, as an administrator would:
 *   force_virtual     set while a case needs PGCLUSTER_VIRTOK requests to
 *                     take the emergency path, and cleared afterwards
 *   emerg_fail_pages  makes the next N page allocations of the emergency
 *                     path fail, so the reserve has to serve them
 *   stats, slots      counters and slot occupancy, checked after each step
 * and the module parameter slot_cache, which the cases set to 0 (every free
 * unmaps) except those that test the slot cache.  Cases run one at a time,
 * so counter deltas belong to the running case.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pgcluster.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "pgct.h"

#define EMT_DIR		"/sys/kernel/debug/pgcluster/"
#define EMT_SLOT_CACHE	"/sys/module/pgcluster/parameters/slot_cache"
#define EMT_STATS_LEN	16384
#define EMT_WAIT_MS	5000

/* ---- debugfs helpers ------------------------------------------------- */

static ssize_t emt_read(const char *name, char *buf, size_t len)
{
	return pgct_read_file(name, buf, len);
}

/* Writes @val to @name; returns 0 or the errno of the write. */
static int emt_write(const char *name, const char *val)
{
	int ret = pgct_write_file(name, val);

	if (ret && ret != -EINVAL && ret != -ERANGE)
		pgct_log("writing %s to %s: %d", val, name, ret);
	return ret;
}

/* One counter of debugfs "stats", or -1 (the case then fails). */
static long long emt_stat(const char *name)
{
	char *buf = kmalloc(EMT_STATS_LEN, GFP_KERNEL);
	long long v = -1;

	if (!buf)
		return -1;
	if (emt_read(EMT_DIR "stats", buf, EMT_STATS_LEN) > 0)
		v = pgct_find_value(buf, name);
	kfree(buf);
	if (v < 0)
		pgct_log("stats has no line \"%s\"", name);
	return v;
}

/* Polls a counter until it equals @want; returns the last value seen. */
static long long emt_wait_stat(const char *name, long long want)
{
	long long v = emt_stat(name);
	int waited;

	for (waited = 0; v != want && v >= 0 && waited < EMT_WAIT_MS;
	     waited += 10) {
		msleep(20);
		v = emt_stat(name);
	}
	return v;
}

static int emt_set_virtual(bool on)
{
	return emt_write(EMT_DIR "force_virtual", on ? "1" : "0");
}

static int emt_set_cache(unsigned int slots)
{
	char val[12];

	snprintf(val, sizeof(val), "%u", slots);
	return emt_write(EMT_SLOT_CACHE, val);
}

/* The slot_cache parameter, or -1. */
static long long emt_get_cache(void)
{
	char buf[24];
	long long v;

	if (emt_read(EMT_SLOT_CACHE, buf, sizeof(buf)) <= 0 ||
	    kstrtoll(strim(buf), 10, &v))
		return -1;
	return v;
}

static long long emt_saved_cache;

static void emt_restore_cache(void *unused)
{
	PGCT_EXPECT(!emt_set_cache(emt_saved_cache),
		    "cannot restore slot_cache=%lld", emt_saved_cache);
}

static void emt_clear_virtual(void *unused)
{
	PGCT_EXPECT(!emt_set_virtual(false), "cannot clear force_virtual");
}

/*
 * Runs @fn with force_virtual set and slot_cache at @cache; both are
 * restored (force_virtual to 0, slot_cache to its old value) when the case
 * ends, whatever the result.
 */
static int emt_with_cache(int (*fn)(void), unsigned int cache)
{
	emt_saved_cache = emt_get_cache();
	PGCT_ASSERT(emt_saved_cache >= 0, "cannot read slot_cache");
	PGCT_ASSERT(!emt_set_cache(cache), "cannot set slot_cache=%u", cache);
	PGCT_ASSERT(!pgct_defer(emt_restore_cache, NULL), "defer");
	PGCT_ASSERT(!emt_set_virtual(true), "cannot set force_virtual");
	PGCT_ASSERT(!pgct_defer(emt_clear_virtual, NULL), "defer");
	return fn();
}

/* Runs @fn with force_virtual set and the slot cache off. */
static int emt_with_virtual(int (*fn)(void))
{
	return emt_with_cache(fn, 0);
}

static unsigned int emt_slot_pages(void)
{
	long long v = emt_stat("emerg_slot_pages");

	return v > 0 ? (unsigned int)v : 0;
}

/* ---- patterns ---------------------------------------------------------- */

static u32 emt_word(u32 seed, size_t i)
{
	return seed ^ (u32)(i * 2654435761u);
}

static void emt_fill(void *p, size_t bytes, u32 seed)
{
	u32 *w = p;
	size_t i;

	for (i = 0; i < bytes / sizeof(u32); i++)
		w[i] = emt_word(seed, i);
}

/* Index of the first wrong word, or -1 when all match. */
static long emt_check(const void *p, size_t bytes, u32 seed)
{
	const u32 *w = p;
	size_t i;

	for (i = 0; i < bytes / sizeof(u32); i++)
		if (w[i] != emt_word(seed, i))
			return i;
	return -1;
}

/*
 * Verifies the pattern of @p page by page through the linear map, via
 * vmalloc_to_page(), and that the pages are distinct.
 */
static int emt_check_pages(const void *p, unsigned int nr, u32 seed)
{
	const size_t wpp = PAGE_SIZE / sizeof(u32);
	struct page *pg, *prev[2] = { NULL, NULL };
	unsigned int i, j;
	const u32 *lin;

	for (i = 0; i < nr; i++) {
		pg = vmalloc_to_page(p + i * PAGE_SIZE);
		PGCT_ASSERT(pg, "page %u of %p not mapped", i, p);
		lin = page_address(pg);
		PGCT_ASSERT(lin, "page %u has no linear address", i);
		for (j = 0; j < wpp; j++)
			PGCT_ASSERT(lin[j] == emt_word(seed, i * wpp + j),
				    "page %u word %u via linear map", i, j);
		PGCT_ASSERT(pg != prev[0] && pg != prev[1],
			    "page %u repeats a neighbour", i);
		prev[1] = prev[0];
		prev[0] = pg;
	}
	return PGCT_PASS;
}

/* ---- cases --------------------------------------------------------------- */

static int emt_knobs(void)
{
	char buf[32];

	PGCT_EXPECT(!emt_write(EMT_DIR "force_virtual", "1"), "set");
	PGCT_EXPECT(emt_read(EMT_DIR "force_virtual", buf, sizeof(buf)) > 0 &&
		    buf[0] == 'Y', "read back %s", buf);
	PGCT_EXPECT(emt_write(EMT_DIR "force_virtual", "2") == -EINVAL, "2");
	PGCT_EXPECT(emt_write(EMT_DIR "force_virtual", "maybe") == -EINVAL,
		    "maybe");
	PGCT_EXPECT(emt_write(EMT_DIR "force_virtual", "nonsense") == -EINVAL,
		    "nonsense");
	PGCT_EXPECT(emt_write(EMT_DIR "force_virtual", "1x") == -EINVAL,
		    "1x");
	PGCT_EXPECT(emt_read(EMT_DIR "force_virtual", buf, sizeof(buf)) > 0 &&
		    buf[0] == 'Y', "bad input changed it: %s", buf);
	PGCT_EXPECT(!emt_write(EMT_DIR "force_virtual", "0"), "clear");
	PGCT_EXPECT(emt_read(EMT_DIR "force_virtual", buf, sizeof(buf)) > 0 &&
		    buf[0] == 'N', "read back %s", buf);

	PGCT_EXPECT(!emt_write(EMT_DIR "emerg_fail_pages", "0"), "0");
	PGCT_EXPECT(emt_write(EMT_DIR "emerg_fail_pages", "abc") == -EINVAL,
		    "abc");
	PGCT_EXPECT(emt_write(EMT_DIR "emerg_fail_pages", "-1") == -EINVAL,
		    "-1");
	PGCT_EXPECT(emt_write(EMT_DIR "emerg_fail_pages", "4294967296") ==
		    -ERANGE, "2^32");
	PGCT_EXPECT(emt_write(EMT_DIR "emerg_fail_pages", "7 pages") ==
		    -EINVAL, "7 pages");
	PGCT_EXPECT(emt_write(EMT_DIR "emerg_fail_pages",
			      "00000000000000000000000000000007") == -EINVAL,
		    "over-long");
	PGCT_EXPECT(emt_read(EMT_DIR "emerg_fail_pages", buf, sizeof(buf)) > 0 &&
		    !strcmp(buf, "0\n"), "bad input changed it: %s", buf);

	PGCT_EXPECT(emt_write(EMT_DIR "slots", "1") < 0, "slots writable");
	return PGCT_PASS;
}

static int emt_sizes_inner(void)
{
	unsigned int slot = emt_slot_pages(), n;
	long long allocs = emt_stat("emerg_allocs");
	long long live = emt_stat("emerg_live_slots");
	size_t size;
	long bad;
	void *p;

	PGCT_ASSERT(slot >= 2 && allocs >= 0 && live >= 0, "stats");
	for (n = 1; n <= slot; n++) {
		/* Not a multiple of the page size, except for the full slot. */
		size = n == slot ? n * PAGE_SIZE : n * PAGE_SIZE - 100 * (n % 7);
		p = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
		PGCT_ASSERT(p, "%u pages (%zu bytes)", n, size);
		PGCT_DEFER_FREE(p);
		PGCT_ASSERT(is_vmalloc_addr(p) && PAGE_ALIGNED(p),
			    "%p not a page in vmalloc space", p);
		PGCT_EXPECT(pgcluster_is_virtual(p), "%u pages", n);
		PGCT_ASSERT(pgcluster_size(p) == n * PAGE_SIZE,
			    "size %zu for %u pages", pgcluster_size(p), n);
		emt_fill(p, n * PAGE_SIZE, n);
		bad = emt_check(p, n * PAGE_SIZE, n);
		PGCT_EXPECT(bad < 0, "%u pages: word %ld", n, bad);
		if (emt_check_pages(p, n, n))
			return PGCT_FAIL;
		pgct_release(pgct_free_action, p);
		PGCT_EXPECT(!pgcluster_is_virtual(p), "live after free");
	}

	/* __GFP_ZERO on pages that just held patterns. */
	p = pgcluster_alloc(slot * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO,
			    PGCLUSTER_VIRTOK);
	PGCT_ASSERT(p, "zeroed slot");
	PGCT_EXPECT(!memchr_inv(p, 0, slot * PAGE_SIZE), "not zeroed");
	pgcluster_free(p);

	PGCT_EXPECT(emt_stat("emerg_allocs") == allocs + slot + 1,
		    "emerg_allocs %lld, was %lld", emt_stat("emerg_allocs"),
		    allocs);
	PGCT_EXPECT(emt_stat("emerg_live_slots") == live, "live slots");
	pgct_log("%u sizes of 1..%u pages verified", slot, slot);
	return PGCT_PASS;
}

static int emt_sizes(void)
{
	return emt_with_virtual(emt_sizes_inner);
}

static int emt_limits_inner(void)
{
	unsigned int slot = emt_slot_pages();
	long long fails = emt_stat("emerg_failures");
	spinlock_t lock;	/* held around the non-sleeping requests */
	void *p, *q, *r;

	spin_lock_init(&lock);	/* lockdep wants a static key for stack locks */
	PGCT_ASSERT(slot >= 2 && fails >= 0, "stats");
	p = pgcluster_alloc(slot * PAGE_SIZE + 1, GFP_KERNEL | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	pgcluster_free(p);
	PGCT_EXPECT(!p, "larger than a slot succeeded");
	p = pgcluster_alloc(2 * slot * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	pgcluster_free(p);
	PGCT_EXPECT(!p, "two slots succeeded");

	/* Non-sleeping masks never take the emergency path (nor sleep). */
	spin_lock(&lock);
	q = pgcluster_alloc(PAGE_SIZE * 2, GFP_ATOMIC | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	r = pgcluster_alloc(PAGE_SIZE * 2, GFP_NOWAIT | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	pgcluster_free(q);
	pgcluster_free(r);
	spin_unlock(&lock);
	PGCT_EXPECT(!q, "GFP_ATOMIC got emergency memory");
	PGCT_EXPECT(!r, "GFP_NOWAIT got emergency memory");

	PGCT_EXPECT(emt_stat("emerg_failures") == fails + 4,
		    "emerg_failures %lld, was %lld",
		    emt_stat("emerg_failures"), fails);

	p = pgcluster_alloc(slot * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_EXPECT(p, "exactly one slot failed");
	pgcluster_free(p);
	return PGCT_PASS;
}

static int emt_limits(void)
{
	return emt_with_virtual(emt_limits_inner);
}

static int emt_is_virtual(void)
{
	unsigned int nr = min(emt_slot_pages(), 3u);
	void *v, *c, *vm, *km;

	PGCT_ASSERT(nr >= 2, "stats");
	PGCT_ASSERT(!emt_set_virtual(true), "force_virtual");
	v = pgcluster_alloc(nr * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_EXPECT(!emt_set_virtual(false), "force_virtual");
	PGCT_ASSERT(v, "emergency allocation");
	PGCT_DEFER_FREE(v);
	c = pgcluster_alloc(3 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN, 0);
	PGCT_DEFER_FREE(c);
	vm = vmalloc(2 * PAGE_SIZE);
	PGCT_ASSERT(!pgct_defer(pgct_vfree_action, vm), "defer");
	km = kmalloc(64, GFP_KERNEL);
	PGCT_ASSERT(!pgct_defer(pgct_kfree_action, km), "defer");

	PGCT_EXPECT(pgcluster_is_virtual(v), "emergency buffer");
	PGCT_EXPECT(!pgcluster_is_virtual(v + PAGE_SIZE), "its second page");
	PGCT_EXPECT(!pgcluster_size(v + PAGE_SIZE), "size of its second page");
	PGCT_EXPECT(!pgcluster_is_virtual(NULL), "NULL");
	PGCT_EXPECT(!vm || !pgcluster_is_virtual(vm), "vmalloc buffer");
	PGCT_EXPECT(!km || !pgcluster_is_virtual(km), "kmalloc buffer");
	PGCT_EXPECT(!c || (!pgcluster_is_virtual(c) && !is_vmalloc_addr(c)),
		    "contiguous buffer");
	pgct_release(pgct_free_action, v);
	PGCT_EXPECT(!pgcluster_is_virtual(v), "still virtual after free");
	PGCT_SKIP_IF(!c, "contiguous allocator returned NULL: contiguous half not checked");
	return PGCT_PASS;
}

#define EMT_MIXED	8

/* Size of buffer @i of the mixed case: 3000 bytes more each pair. */
static size_t emt_mixed_size(unsigned int i, unsigned int slot)
{
	return min_t(size_t, (i / 2 + 1) * 3000, slot * PAGE_SIZE);
}

static int emt_mixed_free(void)
{
	void *buf[2 * EMT_MIXED] = { NULL };
	long long live = emt_stat("emerg_live_slots");
	long long frees = emt_stat("emerg_frees");
	long long bad = emt_stat("bad_frees");
	unsigned int i, nr_contig = 0, slot = emt_slot_pages();
	bool ok;
	size_t sz;

	PGCT_ASSERT(slot && live >= 0 && frees >= 0 && bad >= 0, "stats");
	PGCT_ASSERT(!pgct_defer(emt_clear_virtual, NULL), "defer");
	for (i = 0; i < 2 * EMT_MIXED; i++) {
		sz = emt_mixed_size(i, slot);
		if (i & 1) {
			ok = PGCT_CHECK(!emt_set_virtual(true), "force_virtual");
			buf[i] = pgcluster_alloc(sz, GFP_KERNEL, PGCLUSTER_VIRTOK);
			ok &= PGCT_CHECK(!emt_set_virtual(false),
					 "clear force_virtual");
			ok &= PGCT_CHECK(buf[i] && pgcluster_is_virtual(buf[i]),
					 "virtual allocation %u", i);
		} else {
			buf[i] = pgcluster_alloc(sz, GFP_KERNEL | __GFP_NOWARN, 0);
			ok = PGCT_CHECK(!buf[i] || !pgcluster_is_virtual(buf[i]),
					"contiguous allocation %u is virtual", i);
			nr_contig += !!buf[i];
		}
		if (buf[i])
			emt_fill(buf[i], sz, i);
		if (!ok)
			break;
	}
	/* Free in an interleaved order: odd from the top, even from below. */
	for (i = 0; i < 2 * EMT_MIXED; i++) {
		unsigned int k = (i & 1) ? 2 * EMT_MIXED - i : i;

		PGCT_EXPECT(!buf[k] ||
			    emt_check(buf[k], emt_mixed_size(k, slot), k) < 0,
			    "buffer %u corrupted", k);
		pgcluster_free(buf[k]);
	}
	if (pgct_failed())
		return PGCT_FAIL;
	PGCT_EXPECT(emt_stat("emerg_frees") == frees + EMT_MIXED,
		    "emerg_frees");
	PGCT_EXPECT(emt_stat("emerg_live_slots") == live, "live slots");
	PGCT_EXPECT(emt_stat("bad_frees") == bad, "bad_frees grew");
	PGCT_SKIP_IF(!nr_contig, "contiguous allocator returned NULL: only virtual frees checked");
	return PGCT_PASS;
}

/* Slots file has a line "<addr> @used/@slot pages @reserve reserve". */
static bool emt_slots_has(unsigned int used, unsigned int slot,
			  unsigned int reserve)
{
	char *buf = kmalloc(EMT_STATS_LEN, GFP_KERNEL);
	char want[48];
	bool found = false;

	if (!buf)
		return false;
	snprintf(want, sizeof(want), " %u/%u pages %u reserve\n", used, slot,
		 reserve);
	if (emt_read(EMT_DIR "slots", buf, EMT_STATS_LEN) > 0)
		found = strstr(buf, want);
	kfree(buf);
	return found;
}

/*
 * With init_on_free, a page the reserve takes back from a free must be
 * cleared, as the page allocator clears a freed page: N pages served by the
 * reserve are stamped and freed, N more are taken from the reserve and must
 * read zero.  The refill worker is held (testing/refill_hold) so that the
 * free, not the worker, tops the reserve up: the reserve is LIFO, and every
 * stamped page must come back.  Only meaningful without init_on_alloc,
 * which would clear the pages at allocation (selftests/init_on_free.sh
 * boots so).
 */

/*
 * @pages pages with PGCLUSTER_VIRTOK, the next @fail page allocations of
 * the emergency allocator failing first so that those pages come from the
 * reserve.  NULL when the knob write or the allocation fails.
 */
static void *emt_alloc_failing(unsigned int fail, unsigned int pages,
			       gfp_t gfp)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", fail);
	if (emt_write(EMT_DIR "emerg_fail_pages", buf))
		return NULL;
	return pgcluster_alloc(pages * PAGE_SIZE, gfp, PGCLUSTER_VIRTOK);
}

static int emt_reserve_round(unsigned int n, unsigned int *back)
{
	long long target = emt_stat("reserve_target");
	struct page *stamped[8];
	long long used;
	unsigned int i, j;
	bool zeroed;
	void *p;

	PGCT_ASSERT(n <= ARRAY_SIZE(stamped), "%u pages", n);
	PGCT_ASSERT(emt_wait_stat("reserve_pages", target) == target,
		    "reserve at target");
	p = emt_alloc_failing(n, n, GFP_KERNEL);
	PGCT_ASSERT(p, "reserve did not serve %u pages", n);
	for (i = 0; i < n; i++)
		stamped[i] = vmalloc_to_page(p + i * PAGE_SIZE);
	emt_fill(p, n * PAGE_SIZE, 0xbad);
	pgcluster_free(p);

	used = emt_stat("reserve_pages_used");
	p = emt_alloc_failing(n, n, GFP_KERNEL);
	PGCT_ASSERT(p, "reserve did not serve %u pages again", n);
	zeroed = !memchr_inv(p, 0, n * PAGE_SIZE);
	*back = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (vmalloc_to_page(p + i * PAGE_SIZE) == stamped[j])
				(*back)++;
	pgcluster_free(p);
	PGCT_EXPECT(zeroed,
		    "init_on_free: reserve page kept old data (%u of %u back)",
		    *back, n);
	PGCT_EXPECT(emt_stat("reserve_pages_used") == used + n,
		    "second round not all from the reserve");
	return PGCT_PASS;
}

static void emt_refill_release(void *unused)
{
	PGCT_EXPECT(!emt_write(EMT_DIR "testing/refill_hold", "0"),
		    "cannot release refill_hold");
}

static int emt_reserve_cleared(unsigned int n)
{
	long long target = emt_stat("reserve_target");
	unsigned int back = 0;
	int ret;

	if (!want_init_on_free() || want_init_on_alloc(GFP_KERNEL)) {
		pgct_log("init_on_free %d, init_on_alloc %d: reserve clearing not checked",
			 want_init_on_free(), want_init_on_alloc(GFP_KERNEL));
		return PGCT_PASS;
	}
	PGCT_ASSERT(emt_wait_stat("reserve_pages", target) == target,
		    "reserve at target before the hold");
	PGCT_ASSERT(!emt_write(EMT_DIR "testing/refill_hold", "1"),
		    "cannot hold the refill worker");
	PGCT_ASSERT(!pgct_defer(emt_refill_release, NULL), "defer");
	ret = emt_reserve_round(n, &back);
	if (ret != PGCT_PASS)
		return ret;
	PGCT_EXPECT(back == n, "%u of %u stamped pages came back", back, n);
	pgct_log("init_on_free: %u of %u stamped pages back from the reserve read zero",
		 back, n);
	return PGCT_PASS;
}

static int emt_reserve_inner(void)
{
	unsigned int slot = emt_slot_pages(), n;
	long long target = emt_stat("reserve_target");
	long long used = emt_stat("reserve_pages_used");
	long long level;
	bool zeroed;
	char buf[24];
	void *p;

	PGCT_ASSERT(slot >= 2 && target >= 0 && used >= 0, "stats");
	PGCT_SKIP_IF(!target, "reserve_pages=0: nothing to test");
	n = min_t(unsigned int, slot, target);
	n = min(n, 8u);
	level = emt_wait_stat("reserve_pages", target);
	PGCT_ASSERT(level == target, "reserve at %lld of %lld", level, target);

	/* The page allocator "has nothing": every page from the reserve. */
	p = emt_alloc_failing(n, n, GFP_KERNEL);
	PGCT_ASSERT(p, "reserve did not serve %u pages", n);
	PGCT_DEFER_FREE(p);
	PGCT_EXPECT(emt_stat("reserve_pages_used") == used + n,
		    "reserve_pages_used %lld, was %lld",
		    emt_stat("reserve_pages_used"), used);
	PGCT_EXPECT(emt_read(EMT_DIR "emerg_fail_pages", buf, sizeof(buf)) > 0 &&
		    !strcmp(buf, "0\n"), "fail_pages left %s", buf);
	PGCT_ASSERT(emt_slots_has(n, slot, n) || emt_slots_has(n, n, n),
		    "slots file lacks the %u-page reserve slot", n);
	emt_fill(p, n * PAGE_SIZE, 0xfeed);
	if (emt_check_pages(p, n, 0xfeed))
		return PGCT_FAIL;
	pgct_release(pgct_free_action, p);

	/* Freed pages and the worker bring the reserve back to its target. */
	level = emt_wait_stat("reserve_pages", target);
	PGCT_ASSERT(level == target, "reserve back at %lld of %lld", level,
		    target);

	/* Half from the page allocator, half from the reserve. */
	used = emt_stat("reserve_pages_used");
	p = emt_alloc_failing(n / 2, n, GFP_KERNEL | __GFP_ZERO);
	PGCT_ASSERT(p, "mixed pages");
	zeroed = !memchr_inv(p, 0, n * PAGE_SIZE);
	pgcluster_free(p);
	PGCT_EXPECT(zeroed, "reserve pages not zeroed");
	PGCT_EXPECT(emt_stat("reserve_pages_used") == used + n / 2,
		    "reserve_pages_used");
	pgct_log("%u reserve pages served and returned", n + n / 2);
	return emt_reserve_cleared(n);
}

static void emt_clear_fail_pages(void *unused)
{
	PGCT_EXPECT(!emt_write(EMT_DIR "emerg_fail_pages", "0"),
		    "cannot clear emerg_fail_pages");
}

static int emt_reserve(void)
{
	PGCT_ASSERT(!pgct_defer(emt_clear_fail_pages, NULL), "defer");
	return emt_with_virtual(emt_reserve_inner);
}

#if IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
#define EMT_FPA		"/sys/kernel/debug/fail_page_alloc/"

/* Every order-0 allocation of a task with make_it_fail set fails, silently. */
static int emt_fpa_set(bool on)
{
	static const char *const cfg[][3] = {
		/* file, on, off; probability first off and last on */
		{ "probability", "100", "0" },
		{ "verbose", "0", "0" },
		{ "task-filter", "Y", "N" },
		{ "ignore-gfp-wait", "N", "Y" },
		{ "min-order", "0", "1" },
		{ "interval", "1", "1" },
		{ "space", "0", "0" },
		{ "times", "-1", "1" },
	};
	char path[96];
	int i, n = ARRAY_SIZE(cfg), ret = 0;

	for (i = 0; i < n; i++) {
		int k = on ? n - 1 - i : i;

		snprintf(path, sizeof(path), EMT_FPA "%s", cfg[k][0]);
		if (emt_write(path, cfg[k][on ? 1 : 2]) && !ret)
			ret = -EIO;
	}
	return ret;
}

static void emt_fpa_off(void *unused)
{
	PGCT_EXPECT(!emt_fpa_set(false), "cannot restore fail_page_alloc");
}

/*
 * One emergency allocation of @n pages while every page allocation of this
 * task fails.  The reserve covers the pages and the record, not
 * vm_map_ram(): a new vmap block needs memory of its own (its KASAN shadow,
 * slab objects) and so may a page table, so whether it can map depends on
 * what earlier users of vmalloc space (other tests too) left behind.  A
 * mapping made just before, with the page allocator working, on the same
 * CPU (migration is off), leaves that CPU's vmap block in place with its
 * tables filled up to the chunk the faulting request takes next, unless
 * that chunk starts a new page table or block; the next try then has one
 * ready.
 */
static void *emt_fpa_try(unsigned int n)
{
	void *p;

	p = pgcluster_alloc(n * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	if (!p)
		return NULL;
	pgcluster_free(p);
	WRITE_ONCE(current->make_it_fail, 1);
	p = pgcluster_alloc(n * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN,
			    PGCLUSTER_VIRTOK);
	WRITE_ONCE(current->make_it_fail, 0);
	return p;
}

static int emt_fail_page_alloc_inner(void)
{
	unsigned int slot = emt_slot_pages(), n = min(slot, 4u), tries;
	long long target = emt_stat("reserve_target");
	long long used = emt_stat("reserve_pages_used");
	struct page *probe;
	void *p = NULL;

	PGCT_ASSERT(slot && target >= 0 && used >= 0, "stats");
	PGCT_SKIP_IF(target < n, "reserve_pages=%lld: too small to test",
		     target);
	PGCT_ASSERT(emt_wait_stat("reserve_pages", target) == target,
		    "reserve not full");
	PGCT_ASSERT(!pgct_defer(emt_fpa_off, NULL), "defer");
	PGCT_ASSERT(!emt_fpa_set(true), "cannot configure fail_page_alloc");
	WRITE_ONCE(current->make_it_fail, 1);
	probe = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	WRITE_ONCE(current->make_it_fail, 0);
	migrate_disable();
	for (tries = 1; tries <= 3; tries++) {
		p = emt_fpa_try(n);
		if (p)
			break;
	}
	migrate_enable();
	pgct_release(emt_fpa_off, NULL);
	if (probe)
		__free_page(probe);
	PGCT_EXPECT(!probe, "a page allocation passed fail_page_alloc");
	PGCT_ASSERT(p, "no emergency allocation in %u tries", tries - 1);
	PGCT_DEFER_FREE(p);
	emt_fill(p, n * PAGE_SIZE, 0xf00d);
	if (emt_check_pages(p, n, 0xf00d))
		return PGCT_FAIL;
	PGCT_EXPECT(emt_stat("reserve_pages_used") >= used + n,
		    "reserve_pages_used %lld, was %lld",
		    emt_stat("reserve_pages_used"), used);
	pgct_log("fail_page_alloc: %u pages from the reserve, attempt %u", n,
		 tries);
	return PGCT_PASS;
}

static int emt_fail_page_alloc(void)
{
	return emt_with_virtual(emt_fail_page_alloc_inner);
}
#else
static int emt_fail_page_alloc(void)
{
	PGCT_SKIP_IF(true, "kernel without CONFIG_FAIL_PAGE_ALLOC debugfs");
	return PGCT_PASS;
}
#endif

struct emt_irq {
	struct irq_work work;
	void *ptr;
	bool hardirq;
};

static void emt_irq_free(struct irq_work *work)
{
	struct emt_irq *e = container_of(work, struct emt_irq, work);

	e->hardirq = in_hardirq();
	pgcluster_free(e->ptr);
}

#define EMT_ATOMIC	6

static int emt_atomic_free_inner(void)
{
	long long mapped = emt_stat("emerg_pages_mapped");
	long long deferred = emt_stat("deferred_frees");
	long long live = emt_stat("emerg_live_slots");
	unsigned int slot = emt_slot_pages();
	void *p[EMT_ATOMIC];
	struct emt_irq e;
	unsigned long flags;
	spinlock_t lock;	/* held around one free */
	long long v;
	unsigned int i;

	spin_lock_init(&lock);
	PGCT_ASSERT(slot && mapped >= 0 && deferred >= 0 && live >= 0,
		    "stats");
	for (i = 0; i < EMT_ATOMIC; i++) {
		p[i] = pgcluster_alloc(min(i + 2, slot) * PAGE_SIZE, GFP_KERNEL,
				       PGCLUSTER_VIRTOK);
		if (!p[i]) {
			while (i--)
				pgcluster_free(p[i]);
			PGCT_FAIL_NOW("allocation");
		}
		emt_fill(p[i], min(i + 2, slot) * PAGE_SIZE, i);
	}

	spin_lock_irqsave(&lock, flags);
	pgcluster_free(p[0]);
	spin_unlock_irqrestore(&lock, flags);

	rcu_read_lock();
	pgcluster_free(p[1]);
	rcu_read_unlock();

	local_bh_disable();
	pgcluster_free(p[2]);
	local_bh_enable();

	preempt_disable();
	pgcluster_free(p[3]);
	preempt_enable();

	e.ptr = p[4];
	e.hardirq = false;
	init_irq_work(&e.work, emt_irq_free);
	irq_work_queue(&e.work);
	irq_work_sync(&e.work);

	v = emt_stat("deferred_frees");
	PGCT_EXPECT(v == deferred + 5, "deferred_frees %lld, was %lld", v,
		    deferred);
	pgct_log("irq_work free ran in %s context",
		 e.hardirq ? "hardirq" : "other");

	/* Process context: unmapped inline, not deferred. */
	pgcluster_free(p[5]);
	PGCT_EXPECT(emt_stat("deferred_frees") == deferred + 5,
		    "process-context free was deferred");
	PGCT_EXPECT(emt_stat("emerg_live_slots") == live, "live slots");

	v = emt_wait_stat("emerg_pages_mapped", mapped);
	PGCT_EXPECT(v == mapped, "emerg_pages_mapped %lld, was %lld", v,
		    mapped);
	return PGCT_PASS;
}

static int emt_atomic_free(void)
{
	return emt_with_virtual(emt_atomic_free_inner);
}

#define EMT_THREADS	4
#define EMT_ITERS	150
#define EMT_KEEP	4

struct emt_thread {
	struct task_struct *task;
	unsigned int id;
	unsigned int slot;
	bool few_sizes;		/* 1-3 pages only, so the slot cache hits */
	unsigned int allocs;
	int result;
	struct completion done;	/* its iterations are over */
};

static DEFINE_SPINLOCK(emt_thread_lock);

static int emt_thread_fn(void *arg)
{
	struct emt_thread *t = arg;
	void *p[EMT_KEEP] = { NULL };
	size_t sz[EMT_KEEP] = { 0 };
	u32 seed[EMT_KEEP] = { 0 };
	unsigned int it, k;

	t->result = PGCT_PASS;
	for (it = 0; it < EMT_ITERS && t->result == PGCT_PASS; it++) {
		k = it % EMT_KEEP;
		if (p[k]) {
			if (!PGCT_CHECK(emt_check(p[k], sz[k], seed[k]) < 0 &&
					pgcluster_size(p[k]) >= sz[k],
					"thread %u iteration %u: buffer corrupted",
					t->id, it))
				t->result = PGCT_FAIL;
			if (it % 5 == 0) {
				spin_lock(&emt_thread_lock);
				pgcluster_free(p[k]);
				spin_unlock(&emt_thread_lock);
			} else {
				pgcluster_free(p[k]);
			}
			p[k] = NULL;
		}
		if (t->few_sizes)
			sz[k] = (1 + get_random_u32() % min(3u, t->slot)) *
				PAGE_SIZE - get_random_u32() % PAGE_SIZE;
		else
			sz[k] = 1 + get_random_u32() % (t->slot * PAGE_SIZE);
		seed[k] = get_random_u32();
		p[k] = pgcluster_alloc(sz[k], GFP_KERNEL, PGCLUSTER_VIRTOK);
		if (!PGCT_CHECK(p[k], "thread %u: allocation of %zu failed",
				t->id, sz[k])) {
			t->result = PGCT_FAIL;
			break;
		}
		t->allocs++;
		emt_fill(p[k], sz[k], seed[k]);
		cond_resched();
	}
	for (k = 0; k < EMT_KEEP; k++)
		pgcluster_free(p[k]);
	complete(&t->done);

	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static bool emt_cache_mode;	/* emt_concurrency_inner() with the cache */

static int emt_concurrency_inner(void)
{
	static const char *const limits[] = { "1", "0", "4", "2", "4" };
	long long mapped = emt_stat("emerg_pages_mapped");
	long long hits = emt_stat("emerg_cache_hits");
	long long live = emt_stat("emerg_live_slots");
	long long bad = emt_stat("bad_frees");
	struct emt_thread t[EMT_THREADS];
	unsigned int slot = emt_slot_pages(), i, total = 0;
	long long v;

	PGCT_ASSERT(slot && mapped >= 0 && live >= 0 && bad >= 0 && hits >= 0,
		    "stats");
	memset(t, 0, sizeof(t));
	for (i = 0; i < EMT_THREADS; i++) {
		t[i].id = i;
		t[i].slot = slot;
		t[i].few_sizes = emt_cache_mode;
		t[i].result = PGCT_FAIL;	/* until the thread has run */
		init_completion(&t[i].done);
		t[i].task = kthread_run(emt_thread_fn, &t[i], "pgct_emerg/%u", i);
		if (!PGCT_CHECK(!IS_ERR(t[i].task), "kthread_run: %ld",
				PTR_ERR(t[i].task)))
			t[i].task = NULL;
	}
	/* With the cache: change its limit while the threads run. */
	for (i = 0; emt_cache_mode && i < ARRAY_SIZE(limits); i++)
		PGCT_EXPECT(!emt_write(EMT_SLOT_CACHE, limits[i]),
			    "slot_cache=%s", limits[i]);
	for (i = 0; i < EMT_THREADS; i++) {
		if (!t[i].task)
			continue;
		/* A thread stopped before it first runs never runs at all. */
		wait_for_completion(&t[i].done);
		kthread_stop(t[i].task);
		PGCT_EXPECT(t[i].result == PGCT_PASS, "thread %u", i);
		total += t[i].allocs;
	}
	if (pgct_failed())
		return PGCT_FAIL;
	PGCT_EXPECT(total == EMT_THREADS * EMT_ITERS, "%u allocations", total);
	PGCT_EXPECT(emt_stat("emerg_live_slots") == live, "live slots");
	PGCT_EXPECT(emt_stat("bad_frees") == bad, "bad frees");
	v = emt_wait_stat("emerg_pages_mapped", mapped);
	PGCT_EXPECT(v == mapped, "emerg_pages_mapped %lld, was %lld", v,
		    mapped);
	v = emt_stat("emerg_cache_slots");
	PGCT_EXPECT(v >= 0 && v <= 4, "emerg_cache_slots %lld above the limit",
		    v);
	if (emt_cache_mode) {
		v = emt_stat("emerg_cache_hits") - hits;
		PGCT_EXPECT(v > 0, "no allocation was served from the cache");
		pgct_log("%lld of %u allocations came from the slot cache", v,
			 total);
	} else {
		PGCT_EXPECT(emt_stat("emerg_cache_hits") == hits,
			    "cache hits with slot_cache=0");
	}
	pgct_log("%u threads, %u allocations verified", EMT_THREADS, total);
	return PGCT_PASS;
}

static int emt_concurrency(void)
{
	emt_cache_mode = false;
	return emt_with_virtual(emt_concurrency_inner);
}

static int emt_cache_concurrency(void)
{
	emt_cache_mode = true;
	return emt_with_cache(emt_concurrency_inner, 4);
}

#define EMT_CACHE	4

/* The slots file's summary says @slots cached slots of @pages pages. */
static bool emt_slots_cached(unsigned int slots, unsigned int pages)
{
	char *buf = kmalloc(EMT_STATS_LEN, GFP_KERNEL);
	char want[48];
	bool found = false;

	if (!buf)
		return false;
	snprintf(want, sizeof(want), " cached %u (%u pages)\n", slots, pages);
	if (emt_read(EMT_DIR "slots", buf, EMT_STATS_LEN) > 0)
		found = strstr(buf, want);
	kfree(buf);
	return found;
}

/*
 * The slot cache: a freed slot stays mapped and the next request of the
 * same page count gets it back (zeroed for __GFP_ZERO) without a new
 * mapping; another page count does not take it; the limit holds; a lower
 * limit and the shrinker (drop_caches) unmap cached slots.
 */
static int emt_cache_inner(void)
{
	long long hits = emt_stat("emerg_cache_hits");
	long long released = emt_stat("emerg_cache_released");
	long long mapped = emt_stat("emerg_pages_mapped");
	long long live = emt_stat("emerg_live_slots");
	long long target = emt_stat("reserve_target");
	unsigned int slot = emt_slot_pages(), nr, i;
	void *p, *q, *r[EMT_CACHE + 2];
	long long v;

	PGCT_ASSERT(slot >= 2 && hits >= 0 && released >= 0 && mapped >= 0 &&
		    live >= 0 && target >= 0, "stats");
	PGCT_ASSERT(emt_stat("emerg_cache_limit") == EMT_CACHE, "limit");
	PGCT_ASSERT(emt_stat("emerg_cache_slots") == 0, "cache not empty");
	/* Slots are cached only while the page reserve is full. */
	v = emt_wait_stat("reserve_pages", target);
	PGCT_ASSERT(v == target, "reserve %lld of %lld", v, target);

	nr = min(3u, slot);
	p = pgcluster_alloc(nr * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(p && pgcluster_is_virtual(p), "allocation");
	emt_fill(p, nr * PAGE_SIZE, 11);
	pgcluster_free(p);
	PGCT_EXPECT(emt_stat("emerg_cache_slots") == 1, "freed slot not cached");
	PGCT_EXPECT(emt_stat("emerg_cache_pages") == nr, "cache pages");
	PGCT_EXPECT(emt_stat("emerg_pages_mapped") == mapped,
		    "cached pages still counted as allocated");
	PGCT_EXPECT(emt_stat("emerg_live_slots") == live, "live slots");
	PGCT_EXPECT(emt_slots_cached(1, nr), "slots file lacks the cached slot");
	PGCT_EXPECT(!pgcluster_is_virtual(p) && !pgcluster_size(p),
		    "a cached slot still looks live");

	q = pgcluster_alloc(nr * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO,
			    PGCLUSTER_VIRTOK);
	PGCT_ASSERT(q, "reuse allocation");
	PGCT_DEFER_FREE(q);
	PGCT_EXPECT(q == p, "cached slot %p not reused (got %p)", p, q);
	PGCT_EXPECT(emt_stat("emerg_cache_hits") == hits + 1, "cache hits");
	PGCT_EXPECT(emt_stat("emerg_cache_slots") == 0, "cache not emptied");
	PGCT_ASSERT(pgcluster_size(q) == nr * PAGE_SIZE, "size");
	PGCT_EXPECT(!memchr_inv(q, 0, nr * PAGE_SIZE),
		    "__GFP_ZERO: reused slot not zeroed");
	emt_fill(q, nr * PAGE_SIZE, 12);
	if (emt_check_pages(q, nr, 12))
		return PGCT_FAIL;
	pgct_release(pgct_free_action, q);

	/* Another page count maps a new slot and leaves the cached one. */
	if (nr > 2) {
		q = pgcluster_alloc(2 * PAGE_SIZE, GFP_KERNEL,
				    PGCLUSTER_VIRTOK);
		PGCT_ASSERT(q, "allocation");
		PGCT_EXPECT(q != p && emt_stat("emerg_cache_slots") == 1,
			    "a %u-page slot served a 2-page request", nr);
		pgcluster_free(q);
	}

	/* The limit. */
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i] = pgcluster_alloc(slot * PAGE_SIZE, GFP_KERNEL,
				       PGCLUSTER_VIRTOK);
		if (!r[i]) {
			while (i--)
				pgcluster_free(r[i]);
			PGCT_FAIL_NOW("allocation of a whole slot");
		}
	}
	for (i = 0; i < ARRAY_SIZE(r); i++)
		pgcluster_free(r[i]);
	v = emt_stat("emerg_cache_slots");
	PGCT_EXPECT(v == EMT_CACHE, "%lld slots cached, limit %u", v,
		    EMT_CACHE);
	/*
	 * Older slots made room; of those cached, the oldest is reused first,
	 * so a freed address comes back as late as the cache allows.
	 */
	q = pgcluster_alloc(slot * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_EXPECT(q == r[ARRAY_SIZE(r) - EMT_CACHE],
		    "the oldest cached slot was not reused first");
	pgcluster_free(q);
	PGCT_EXPECT(emt_stat("emerg_cache_slots") == EMT_CACHE, "cache slots");

	/* A lower limit trims the cache. */
	PGCT_ASSERT(!emt_set_cache(1), "slot_cache=1");
	v = emt_wait_stat("emerg_cache_slots", 1);
	PGCT_EXPECT(v == 1, "%lld slots cached after slot_cache=1", v);
	PGCT_EXPECT(emt_set_cache(2000) == -EINVAL && emt_get_cache() == 1,
		    "slot_cache=2000 accepted");
	PGCT_EXPECT(emt_write(EMT_SLOT_CACHE, "-1") == -EINVAL &&
		    emt_get_cache() == 1,
		    "slot_cache=-1 accepted");

	/* Memory pressure: the shrinker gives cached slots back. */
	PGCT_ASSERT(!emt_write("/proc/sys/vm/drop_caches", "2"),
		    "drop_caches");
	v = emt_wait_stat("emerg_cache_slots", 0);
	PGCT_EXPECT(v == 0, "%lld slots cached after drop_caches", v);
	PGCT_EXPECT(emt_stat("emerg_cache_pages") == 0, "cache pages");
	/* Every slot that was cached has been unmapped by now. */
	v = emt_stat("emerg_cache_released") - released;
	PGCT_EXPECT(v == (nr > 2 ? 2 : 0) + ARRAY_SIZE(r),
		    "%lld cached slots released", v);
	v = emt_wait_stat("emerg_pages_mapped", mapped);
	PGCT_EXPECT(v == mapped, "emerg_pages_mapped %lld, was %lld", v,
		    mapped);
	return PGCT_PASS;
}

static int emt_cache(void)
{
	return emt_with_cache(emt_cache_inner, EMT_CACHE);
}

static int emt_bad_free_inner(void)
{
	long long bad = emt_stat("bad_frees");
	long long frees = emt_stat("emerg_frees");
	void *vm, *e;
	long at;

	PGCT_ASSERT(bad >= 0 && frees >= 0, "stats");
	vm = vmalloc(3 * PAGE_SIZE);
	PGCT_ASSERT(vm, "vmalloc");
	PGCT_ASSERT(!pgct_defer(pgct_vfree_action, vm), "defer");
	emt_fill(vm, 3 * PAGE_SIZE, 0xabcd);
	pgcluster_free(vm);
	at = emt_check(vm, 3 * PAGE_SIZE, 0xabcd);
	PGCT_EXPECT(at < 0, "foreign vmalloc buffer touched (word %ld)", at);
	PGCT_EXPECT(!pgcluster_is_virtual(vm) && !pgcluster_size(vm),
		    "foreign vmalloc buffer taken for an emergency one");
	pgct_release(pgct_vfree_action, vm);
	PGCT_EXPECT(emt_stat("bad_frees") == bad + 1, "foreign free not counted");

	e = pgcluster_alloc(2 * PAGE_SIZE, GFP_KERNEL, PGCLUSTER_VIRTOK);
	PGCT_ASSERT(e, "allocation");
	PGCT_DEFER_FREE(e);
	emt_fill(e, 2 * PAGE_SIZE, 0x5a5a);
	pgcluster_free(e + PAGE_SIZE);		/* interior page */
	pgcluster_free(e + 64);			/* unaligned */
	PGCT_ASSERT(pgcluster_size(e) == 2 * PAGE_SIZE &&
		    emt_check(e, 2 * PAGE_SIZE, 0x5a5a) < 0,
		    "interior free changed the allocation");
	PGCT_EXPECT(emt_stat("bad_frees") == bad + 3, "interior frees");
	pgct_release(pgct_free_action, e);
	pgcluster_free(e);			/* double free */
	PGCT_EXPECT(emt_stat("bad_frees") == bad + 4, "double free");
	PGCT_EXPECT(emt_stat("emerg_frees") == frees + 1, "emerg_frees");
	PGCT_EXPECT(!pgcluster_size(e), "size after free");
	return PGCT_PASS;
}

static int emt_bad_free(void)
{
	return emt_with_virtual(emt_bad_free_inner);
}

#define EMT_RUNS	101

static int emt_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median ns of @EMT_RUNS alloc+free pairs; 0 when an allocation failed. */
static u64 emt_time(size_t size, bool use_vmalloc, u64 *ns)
{
	unsigned int i;
	u64 t0;
	void *p;

	for (i = 0; i < EMT_RUNS + 5; i++) {
		t0 = ktime_get_ns();
		if (use_vmalloc) {
			p = vmalloc(size);
			vfree(p);
		} else {
			p = pgcluster_alloc(size, GFP_KERNEL, PGCLUSTER_VIRTOK);
			pgcluster_free(p);
		}
		if (!p)
			return 0;
		if (i >= 5)	/* warm-up */
			ns[i - 5] = ktime_get_ns() - t0;
		cond_resched();
	}
	sort(ns, EMT_RUNS, sizeof(*ns), emt_cmp_u64, NULL);
	return ns[EMT_RUNS / 2];
}

static int emt_timing_inner(void)
{
	static const size_t sizes[] = { SZ_16K, SZ_32K + SZ_4K, SZ_128K };
	unsigned int slot = emt_slot_pages(), i;
	u64 *ns, med;

	PGCT_ASSERT(slot, "stats");
	ns = kcalloc(EMT_RUNS, sizeof(*ns), GFP_KERNEL);
	PGCT_ASSERT(ns, "buffer");
	PGCT_ASSERT(!pgct_defer(pgct_kfree_action, ns), "defer");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i] > (size_t)slot * PAGE_SIZE) {
			pgct_log("emerg %zu KiB: larger than a slot, skipped",
				 sizes[i] >> 10);
			continue;
		}
		med = emt_time(sizes[i], false, ns);
		PGCT_ASSERT(med, "emergency allocation of %zu", sizes[i]);
		pgct_log("emerg alloc+free %zu KiB: median %llu ns (min %llu, max %llu)",
			 sizes[i] >> 10, med, ns[0], ns[EMT_RUNS - 1]);
	}
	med = emt_time(SZ_128K, true, ns);
	PGCT_ASSERT(med, "vmalloc failed");
	pgct_log("vmalloc+vfree 128 KiB: median %llu ns (min %llu, max %llu)",
		 med, ns[0], ns[EMT_RUNS - 1]);
	return PGCT_PASS;
}

static int emt_timing(void)
{
	return emt_with_virtual(emt_timing_inner);
}

const struct pgct_case pgct_emergency_cases[] = {
	{ "emerg_knobs", emt_knobs },
	{ "emerg_sizes", emt_sizes },
	{ "emerg_limits", emt_limits },
	{ "emerg_is_virtual", emt_is_virtual },
	{ "emerg_mixed_free", emt_mixed_free },
	{ "emerg_reserve", emt_reserve },
	{ "emerg_fail_page_alloc", emt_fail_page_alloc },
	{ "emerg_atomic_free", emt_atomic_free },
	{ "emerg_concurrency", emt_concurrency },
	{ "emerg_slot_cache", emt_cache },
	{ "emerg_cache_concurrency", emt_cache_concurrency },
	{ "emerg_bad_free", emt_bad_free },
	{ "emerg_timing", emt_timing },
	{ NULL, NULL }
};
