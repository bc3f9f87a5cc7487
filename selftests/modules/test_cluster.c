// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for the contiguous (cluster) allocator, through the exported
 * API only, as a driver would use it: sizes from 1 byte to
 * PGCLUSTER_MAX_SIZE, physical contiguity of every page, granule alignment,
 * patterns across hundreds of live allocations, GFP_ATOMIC under a spinlock
 * and in hard interrupt context, concurrent threads sharing buffers, bad
 * frees that must change nothing, __GFP_ZERO, node placement and pool
 * growth.  Pool shrinking and the bad_frees counter are checked from
 * selftests/pool_shrink.sh, which reads the debugfs stats file around
 * cluster_grow_pool and cluster_bad_frees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pgcluster.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/topology.h>

#include "pgct.h"

/* Small deterministic generator, so a failure can be replayed. */
static u32 pgct_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void pgct_fill(void *p, size_t n, u32 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (u8)(seed + i * 131 + (i >> 9));
}

/* Offset of the first wrong byte, or -1 when the pattern is intact. */
static long pgct_check(const void *p, size_t n, u32 seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (u8)(seed + i * 131 + (i >> 9)))
			return i;
	return -1;
}

static phys_addr_t pgct_phys(const void *p)
{
	return page_to_phys(virt_to_page(p)) + offset_in_page(p);
}

/* Every page of [p, p + size) is the next pfn after the previous one. */
static bool pgct_contiguous(const void *p, size_t size)
{
	unsigned long first = page_to_pfn(virt_to_page(p));
	size_t off = 0;
	unsigned long k;

	for (k = 1; ; k++) {
		off = k * PAGE_SIZE - offset_in_page(p);
		if (off >= size)
			break;
		if (page_to_pfn(virt_to_page(p + off)) != first + k)
			return false;
	}
	return page_to_pfn(virt_to_page(p + size - 1)) ==
	       first + ((offset_in_page(p) + size - 1) >> PAGE_SHIFT) &&
	       pgct_phys(p + size - 1) - pgct_phys(p) == size - 1;
}

/* The checks every contiguous allocation must pass. */
static int pgct_check_alloc(void *p, size_t size)
{
	size_t usable;

	PGCT_ASSERT(p, "allocation of %zu bytes failed", size);
	PGCT_EXPECT(IS_ALIGNED((unsigned long)p, PGCLUSTER_GRANULE),
		    "%p (%zu bytes) not %d-byte aligned", p, size,
		    PGCLUSTER_GRANULE);
	PGCT_EXPECT(!pgcluster_is_virtual(p), "%p (%zu bytes) is virtual",
		    p, size);
	PGCT_ASSERT(virt_addr_valid(p), "%p not in the linear map", p);
	usable = pgcluster_size(p);
	PGCT_ASSERT(usable == round_up(size, PGCLUSTER_GRANULE),
		    "pgcluster_size(%p) = %zu for a request of %zu", p, usable,
		    size);
	PGCT_EXPECT(pgct_contiguous(p, usable),
		    "%p (%zu bytes) is not physically contiguous", p, usable);
	return PGCT_PASS;
}

static const size_t pgct_sizes[] = {
	1, 2, 63, 64, 65, 127, 128, 1000, 4095, 4096, 4097, 8191, 9000,
	16384, 65535, 65536 + 64, 131072, 262144 + 1, 1 << 20,
	PGCLUSTER_MAX_SIZE - PGCLUSTER_GRANULE, PGCLUSTER_MAX_SIZE,
};

static int pgct_cluster_sizes(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(pgct_sizes); i++) {
		size_t size = pgct_sizes[i];
		void *p = pgcluster_alloc(size, GFP_KERNEL, 0);
		struct page *page;
		long bad;

		PGCT_DEFER_FREE(p);
		if (pgct_check_alloc(p, size))
			return PGCT_FAIL;
		/* Ordinary order-0 pages a driver may take references on. */
		page = virt_to_page(p);
		PGCT_ASSERT(!PageCompound(page) && page_count(page) >= 1,
			    "page of %p: compound %d count %d", p,
			    PageCompound(page), page_count(page));
		get_page(page);
		put_page(page);
		pgct_fill(p, size, i);
		bad = pgct_check(p, size, i);
		pgct_release(pgct_free_action, p);
		PGCT_EXPECT(bad < 0, "size %zu: byte %ld wrong", size, bad);
		PGCT_EXPECT(pgcluster_size(p) == 0,
			    "size %zu: %p still live after free", size, p);
	}
	return PGCT_PASS;
}

#define PGCT_NLIVE	512

struct pgct_live {
	void *p;
	size_t size;
};

static size_t pgct_live_size(u32 *rnd)
{
	u32 r = pgct_rand(rnd);

	if ((r & 15) == 0)
		return 1 + (r >> 8) % 65536;
	return 1 + (r >> 8) % 8192;
}

/* No two live allocations may overlap. */
static int pgct_no_overlap(struct pgct_live *a, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			unsigned long pi = (unsigned long)a[i].p;
			unsigned long pj = (unsigned long)a[j].p;

			PGCT_ASSERT(pi + a[i].size <= pj || pj + a[j].size <= pi,
				    "[%p,+%zu) overlaps [%p,+%zu)", a[i].p,
				    a[i].size, a[j].p, a[j].size);
		}
	return PGCT_PASS;
}

static int pgct_live_verify(struct pgct_live *a, int n, u32 round)
{
	long bad;
	int i;

	for (i = 0; i < n; i++) {
		bad = pgct_check(a[i].p, a[i].size, i * 7 + round);
		PGCT_ASSERT(bad < 0, "allocation %d (%p, %zu bytes): byte %ld wrong",
			    i, a[i].p, a[i].size, bad);
		PGCT_ASSERT(pgcluster_size(a[i].p) ==
			    round_up(a[i].size, PGCLUSTER_GRANULE),
			    "allocation %d: size changed", i);
	}
	return PGCT_PASS;
}

static void pgct_live_free(struct pgct_live *a, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pgcluster_free(a[i].p);
		a[i].p = NULL;
	}
}

static int pgct_live_alloc(struct pgct_live *a, int i, u32 *rnd, u32 round)
{
	a[i].size = pgct_live_size(rnd);
	a[i].p = pgcluster_alloc(a[i].size, GFP_KERNEL, 0);
	if (pgct_check_alloc(a[i].p, a[i].size))
		return PGCT_FAIL;
	pgct_fill(a[i].p, a[i].size, i * 7 + round);
	return PGCT_PASS;
}

/* Deferred: frees what is left of the array of live allocations. */
static void pgct_live_release(void *arg)
{
	pgct_live_free(arg, PGCT_NLIVE);
	kfree(arg);
}

static int pgct_cluster_many_live(void)
{
	struct pgct_live *a;
	u32 rnd = 0x1234567;
	long bad;
	int i;

	a = kcalloc(PGCT_NLIVE, sizeof(*a), GFP_KERNEL);
	PGCT_SKIP_IF(!a, "no memory for the table");
	PGCT_ASSERT(!pgct_defer(pgct_live_release, a), "defer");
	for (i = 0; i < PGCT_NLIVE; i++)
		if (pgct_live_alloc(a, i, &rnd, 0))
			return PGCT_FAIL;
	if (pgct_no_overlap(a, PGCT_NLIVE) || pgct_live_verify(a, PGCT_NLIVE, 0))
		return PGCT_FAIL;
	/* Free every other one, reallocate them with new sizes. */
	for (i = 1; i < PGCT_NLIVE; i += 2) {
		pgcluster_free(a[i].p);
		a[i].p = NULL;
	}
	for (i = 0; i < PGCT_NLIVE; i += 2) {
		bad = pgct_check(a[i].p, a[i].size, i * 7);
		PGCT_ASSERT(bad < 0, "after frees: allocation %d byte %ld wrong",
			    i, bad);
	}
	for (i = 1; i < PGCT_NLIVE; i += 2)
		if (pgct_live_alloc(a, i, &rnd, 0))
			return PGCT_FAIL;
	if (pgct_no_overlap(a, PGCT_NLIVE) || pgct_live_verify(a, PGCT_NLIVE, 0))
		return PGCT_FAIL;
	return PGCT_PASS;
}

#define PGCT_NATOMIC	64

static int pgct_cluster_gfp_atomic(void)
{
	static DEFINE_SPINLOCK(lock);
	void *p[PGCT_NATOMIC];
	size_t size[PGCT_NATOMIC];
	unsigned long flags;
	int i, failed = 0;
	long bad;

	spin_lock_irqsave(&lock, flags);
	for (i = 0; i < PGCT_NATOMIC; i++) {
		size[i] = 64 + i * 251;
		p[i] = pgcluster_alloc(size[i], (i & 1 ? GFP_NOWAIT : GFP_ATOMIC) |
				       __GFP_NOWARN, 0);
		if (p[i])
			pgct_fill(p[i], size[i], i);
		else
			failed++;
	}
	/* Free half while still atomic. */
	for (i = 0; i < PGCT_NATOMIC; i += 2) {
		pgcluster_free(p[i]);
		p[i] = NULL;
	}
	spin_unlock_irqrestore(&lock, flags);

	for (i = 1; i < PGCT_NATOMIC; i += 2)
		PGCT_DEFER_FREE(p[i]);
	for (i = 1; i < PGCT_NATOMIC; i += 2) {
		if (!p[i])
			continue;
		if (pgct_check_alloc(p[i], size[i]))
			return PGCT_FAIL;
		bad = pgct_check(p[i], size[i], i);
		PGCT_EXPECT(bad < 0, "atomic allocation %d: byte %ld wrong", i,
			    bad);
	}
	/* The pool was filled at load: atomic requests are served from it. */
	PGCT_EXPECT(!failed, "%d of %d atomic allocations failed", failed,
		    PGCT_NATOMIC);
	return PGCT_PASS;
}

#define PGCT_NIRQ	32

struct pgct_irq {
	struct irq_work work;
	void *in[PGCT_NIRQ];	/* allocated in process context, freed in irq */
	void *out[PGCT_NIRQ];	/* allocated in irq */
	bool hardirq;
	int failed;
};

static void pgct_irq_fn(struct irq_work *work)
{
	struct pgct_irq *t = container_of(work, struct pgct_irq, work);
	int i;

	t->hardirq = in_hardirq();
	for (i = 0; i < PGCT_NIRQ; i++) {
		pgcluster_free(t->in[i]);
		t->out[i] = pgcluster_alloc(128 + i * 64,
					    GFP_ATOMIC | __GFP_NOWARN, 0);
		if (t->out[i])
			pgct_fill(t->out[i], 128 + i * 64, i);
		else
			t->failed++;
	}
}

/*
 * Cases run one at a time (pgct_lock), so one instance will do.  An
 * ordinary irq_work runs in hard interrupt context on !PREEMPT_RT, like a
 * device interrupt handler (which PREEMPT_RT threads, as it does this
 * work); pgcluster, like kmalloc, is not for raw-spinlock-only contexts
 * such as IRQ_WORK_HARD_IRQ on PREEMPT_RT.
 */
static struct pgct_irq pgct_irq_state = {
	.work = IRQ_WORK_INIT(pgct_irq_fn),
};

/* Deferred: frees whatever the hardirq case still holds. */
static void pgct_irq_release(void *arg)
{
	struct pgct_irq *t = arg;
	int i;

	for (i = 0; i < PGCT_NIRQ; i++) {
		pgcluster_free(t->in[i]);
		pgcluster_free(t->out[i]);
		t->in[i] = NULL;
		t->out[i] = NULL;
	}
}

static int pgct_cluster_hardirq(void)
{
	struct pgct_irq *t = &pgct_irq_state;
	long bad;
	int i;

	memset(t->in, 0, sizeof(t->in));
	memset(t->out, 0, sizeof(t->out));
	t->hardirq = false;
	t->failed = 0;
	PGCT_ASSERT(!pgct_defer(pgct_irq_release, t), "defer");
	for (i = 0; i < PGCT_NIRQ; i++) {
		t->in[i] = pgcluster_alloc(256 + i * 64, GFP_KERNEL, 0);
		PGCT_ASSERT(t->in[i], "process-context allocation %d", i);
	}
	irq_work_queue(&t->work);
	irq_work_sync(&t->work);
	pgct_log("callback ran in %s", t->hardirq ? "hard irq" : "task context");
	memset(t->in, 0, sizeof(t->in));	/* freed by the callback */
	for (i = 0; i < PGCT_NIRQ; i++) {
		if (!t->out[i])
			continue;
		if (pgct_check_alloc(t->out[i], 128 + i * 64))
			return PGCT_FAIL;
		bad = pgct_check(t->out[i], 128 + i * 64, i);
		PGCT_EXPECT(bad < 0, "irq allocation %d: byte %ld wrong", i, bad);
	}
	PGCT_EXPECT(!t->failed, "%d allocations in irq context failed",
		    t->failed);
	return PGCT_PASS;
}

#define PGCT_THREADS	4
/* Debug kernels under TCG run about 100 times slower: fewer ops there. */
#if IS_ENABLED(CONFIG_KASAN) || IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || \
	IS_ENABLED(CONFIG_PROVE_LOCKING)
#define PGCT_OPS	5000
#else
#define PGCT_OPS	20000
#endif
#define PGCT_SLOTS	256

/* Buffers shared by the threads: whoever takes one out verifies and frees. */
struct pgct_conc {
	void *slot[PGCT_SLOTS];
	atomic_t errors;
	atomic_t atomic_failures;
	atomic_long_t allocs;
	spinlock_t msg_lock;	/* msg */
	char msg[160];
	struct completion done[PGCT_THREADS];
	struct pgct_conc_arg {
		struct pgct_conc *c;
		int id;
	} arg[PGCT_THREADS];
};

struct pgct_hdr {
	u32 size;
	u32 seed;
};

static void pgct_conc_error(struct pgct_conc *c, const char *what, void *p,
			    u32 a, u32 b)
{
	if (atomic_inc_return(&c->errors) == 1) {
		spin_lock(&c->msg_lock);
		snprintf(c->msg, sizeof(c->msg), "%s at %p (%u, %u)", what, p,
			 a, b);
		spin_unlock(&c->msg_lock);
	}
}

static void pgct_conc_release(struct pgct_conc *c, void *p, bool irqs_off)
{
	struct pgct_hdr *h = p;
	unsigned long flags;
	size_t usable;

	usable = pgcluster_size(p);
	if (usable < h->size || usable >= h->size + PGCLUSTER_GRANULE)
		pgct_conc_error(c, "size mismatch", p, h->size, usable);
	else if (memchr_inv(h + 1, (u8)h->seed, h->size - sizeof(*h)))
		pgct_conc_error(c, "pattern broken", p, h->size, h->seed);
	if (irqs_off) {
		local_irq_save(flags);
		pgcluster_free(p);
		local_irq_restore(flags);
	} else {
		pgcluster_free(p);
	}
}

static int pgct_conc_thread(void *arg)
{
	struct pgct_conc_arg *a = arg;
	struct pgct_conc *c = a->c;
	u32 rnd = 0x9e3779b9u * (a->id + 1);
	struct pgct_hdr *h;
	void *p, *old;
	int op;

	for (op = 0; op < PGCT_OPS && !atomic_read(&c->errors); op++) {
		u32 r = pgct_rand(&rnd);
		bool is_atomic = (r & 7) == 0;
		size_t size = sizeof(*h) + (r >> 16) % 2048;

		if ((r & 63) == 1)
			size = sizeof(*h) + (r >> 8) % (64 << 10);
		p = NULL;
		if (r & 0x100) {
			p = pgcluster_alloc(size, is_atomic ?
					    GFP_ATOMIC | __GFP_NOWARN :
					    GFP_KERNEL, 0);
			if (!p && is_atomic) {
				atomic_inc(&c->atomic_failures);
			} else if (!p) {
				pgct_conc_error(c, "GFP_KERNEL allocation failed",
						NULL, size, op);
			} else if (!IS_ALIGNED((unsigned long)p,
					       PGCLUSTER_GRANULE) ||
				   pgct_phys(p + size - 1) - pgct_phys(p) !=
				   size - 1) {
				pgct_conc_error(c, "misaligned or not contiguous",
						p, size, op);
			} else {
				h = p;
				h->size = size;
				h->seed = r;
				memset(h + 1, (u8)r, size - sizeof(*h));
				atomic_long_inc(&c->allocs);
			}
		}
		old = xchg(&c->slot[r % PGCT_SLOTS], p);
		if (old)
			pgct_conc_release(c, old, (r & 0x200) != 0);
		if (!(op & 255))
			cond_resched();
	}
	kthread_complete_and_exit(&c->done[a->id], 0);
}

static struct pgct_conc pgct_conc_state;

static int pgct_cluster_concurrent(void)
{
	struct pgct_conc *c = &pgct_conc_state;
	struct task_struct *tsk;
	int i, started = 0;
	u64 t0 = ktime_get_ns();

	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->msg_lock);
	for (i = 0; i < PGCT_THREADS; i++) {
		c->arg[i].c = c;
		c->arg[i].id = i;
		init_completion(&c->done[i]);
	}
	for (i = 0; i < PGCT_THREADS; i++) {
		tsk = kthread_run(pgct_conc_thread, &c->arg[i], "pgct_conc/%d",
				  i);
		if (IS_ERR(tsk))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&c->done[i]);
	for (i = 0; i < PGCT_SLOTS; i++)
		if (c->slot[i])
			pgct_conc_release(c, c->slot[i], false);
	pgct_log("%d threads x %d ops: %ld allocations, %d atomic failures, %llu ms",
		 started, PGCT_OPS, atomic_long_read(&c->allocs),
		 atomic_read(&c->atomic_failures),
		 div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	PGCT_EXPECT(started == PGCT_THREADS, "only %d of %d threads started",
		    started, PGCT_THREADS);
	PGCT_EXPECT(!atomic_read(&c->errors), "%d errors, first: %s",
		    atomic_read(&c->errors), c->msg);
	return PGCT_PASS;
}

/*
 * Bad frees are ignored: a kmalloc pointer, interior and unaligned pointers,
 * a stack address, a page from the buddy allocator and a double free (six
 * in all; pool_shrink.sh checks that bad_frees grows by exactly six).
 */
static int pgct_cluster_bad_frees(void)
{
	void *a, *b, *c, *k;
	struct page *page;
	int local = 0;
	long bad;

	a = pgcluster_alloc(4096, GFP_KERNEL, 0);
	b = pgcluster_alloc(4096, GFP_KERNEL, 0);
	k = kmalloc(128, GFP_KERNEL);
	page = alloc_page(GFP_KERNEL);
	if (!a || !b || !k || !page) {
		pgcluster_free(a);
		pgcluster_free(b);
		kfree(k);
		if (page)
			__free_page(page);
		PGCT_SKIP_IF(true, "no memory for the buffers");
	}
	PGCT_DEFER_FREE(b);
	pgct_fill(a, 4096, 1);
	pgct_fill(b, 4096, 2);
	memset(k, 0x5a, 128);

	pgcluster_free(k);
	pgcluster_free(a + PGCLUSTER_GRANULE);
	pgcluster_free(a + 1);
	pgcluster_free(&local);
	pgcluster_free(page_address(page));
	PGCT_EXPECT(!memchr_inv(k, 0x5a, 128), "kmalloc buffer changed");
	kfree(k);
	__free_page(page);
	PGCT_EXPECT(pgcluster_size(a) == 4096, "interior free changed a: %zu",
		    pgcluster_size(a));
	PGCT_EXPECT(pgcluster_size(a + PGCLUSTER_GRANULE) == 0,
		    "interior pointer has a size");
	PGCT_EXPECT(pgct_check(a, 4096, 1) < 0, "a corrupted");

	pgcluster_free(a);
	pgcluster_free(a);	/* double free */
	PGCT_EXPECT(pgcluster_size(b) == 4096, "b lost: size %zu",
		    pgcluster_size(b));
	bad = pgct_check(b, 4096, 2);
	PGCT_EXPECT(bad < 0, "b corrupted at %ld after double free", bad);

	/* The space of a is free exactly once: two new buffers, no overlap. */
	c = pgcluster_alloc(4096, GFP_KERNEL, 0);
	a = pgcluster_alloc(4096, GFP_KERNEL, 0);
	PGCT_DEFER_FREE(c);
	PGCT_DEFER_FREE(a);
	PGCT_ASSERT(c && a, "reallocation after double free: a %p c %p", a, c);
	PGCT_EXPECT(c != a && c != b && a != b,
		    "reallocation after double free: a %p b %p c %p", a, b, c);
	pgct_fill(c, 4096, 3);
	pgct_fill(a, 4096, 4);
	PGCT_EXPECT(pgct_check(b, 4096, 2) < 0, "b corrupted by new buffers");
	PGCT_EXPECT(pgct_check(c, 4096, 3) < 0, "c corrupted");
	return PGCT_PASS;
}

static int pgct_cluster_zero(void)
{
	static const size_t sizes[] = { 1, 64, 4096, 9000, 65536, 300000 };
	int i, atomic;

	for (atomic = 0; atomic < 2; atomic++) {
		gfp_t gfp = atomic ? GFP_ATOMIC : GFP_KERNEL;

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			void *p = pgcluster_alloc(sizes[i], gfp, 0);
			void *q;
			size_t usable;

			PGCT_ASSERT(p, "allocation of %zu failed", sizes[i]);
			memset(p, 0xa5, pgcluster_size(p));
			pgcluster_free(p);
			q = pgcluster_alloc(sizes[i], gfp | __GFP_ZERO, 0);
			PGCT_ASSERT(q, "zeroed allocation of %zu failed",
				    sizes[i]);
			usable = pgcluster_size(q);
			p = memchr_inv(q, 0, usable);
			pgcluster_free(q);
			PGCT_EXPECT(!p, "%s %zu: byte %td of %zu not zero",
				    atomic ? "atomic" : "kernel", sizes[i],
				    (char *)p - (char *)q, usable);
		}
	}
	return PGCT_PASS;
}

/* The request is refused (what is served by mistake is given back). */
static bool pgct_refused(size_t size, gfp_t gfp, unsigned int flags)
{
	void *p = pgcluster_alloc(size, gfp, flags);

	pgcluster_free(p);
	return !p;
}

static int pgct_cluster_invalid(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	void *p;

	PGCT_EXPECT(pgct_refused(0, gfp, 0), "size 0 allocated");
	PGCT_EXPECT(pgct_refused(PGCLUSTER_MAX_SIZE + 1, gfp, 0),
		    "PGCLUSTER_MAX_SIZE + 1 allocated");
	PGCT_EXPECT(pgct_refused(SIZE_MAX, gfp, 0), "SIZE_MAX allocated");
	PGCT_EXPECT(pgct_refused(64, gfp, 0x80), "unknown flag accepted");
	PGCT_EXPECT(pgct_refused(0, GFP_ATOMIC | __GFP_NOWARN, 0),
		    "atomic size 0 allocated");
	pgcluster_free(NULL);
	PGCT_EXPECT(pgcluster_size(NULL) == 0, "size of NULL");
	PGCT_EXPECT(!pgcluster_is_virtual(NULL), "NULL is virtual");
	/* A node that does not exist falls back to any node. */
	p = pgcluster_alloc_node(64, GFP_KERNEL, 0, MAX_NUMNODES + 5);
	PGCT_EXPECT(p, "allocation with a bogus node failed");
	pgcluster_free(p);
	return PGCT_PASS;
}

static int pgct_cluster_node(void)
{
	int nid, tested = 0;

	for_each_node_state(nid, N_MEMORY) {
		void *p = pgcluster_alloc_node(4096, GFP_KERNEL, 0, nid);
		void *q = pgcluster_alloc_node(4096, GFP_KERNEL | __GFP_THISNODE,
					       0, nid);
		int pn = p ? page_to_nid(virt_to_page(p)) : -1;
		int qn = q ? page_to_nid(virt_to_page(q)) : -1;

		pgcluster_free(p);
		pgcluster_free(q);
		PGCT_EXPECT(pn == nid && qn == nid,
			    "node %d: got nodes %d and %d (THISNODE)", nid, pn,
			    qn);
		tested++;
	}
	pgct_log("%d nodes checked", tested);
	return PGCT_PASS;
}

#define PGCT_GROW_N	64
#define PGCT_GROW_SIZE	(512 << 10)

/*
 * Take 32 MiB (more than the default pool and the small pools that
 * pool_shrink.sh loads) in 512 KiB pieces, then free it all: the pool must
 * grow on demand.  pool_shrink.sh checks that it then shrinks back.
 */
/* Deferred: frees the pieces of the grow_pool case and their table. */
static void pgct_grow_release(void *arg)
{
	void **p = arg;
	int i;

	for (i = 0; i < PGCT_GROW_N; i++)
		pgcluster_free(p[i]);
	kfree(p);
}

static int pgct_cluster_grow_pool(void)
{
	void **p;
	int i;

	p = kcalloc(PGCT_GROW_N, sizeof(*p), GFP_KERNEL);
	PGCT_SKIP_IF(!p, "no memory for the table");
	PGCT_ASSERT(!pgct_defer(pgct_grow_release, p), "defer");
	for (i = 0; i < PGCT_GROW_N; i++) {
		p[i] = pgcluster_alloc(PGCT_GROW_SIZE, GFP_KERNEL, 0);
		if (pgct_check_alloc(p[i], PGCT_GROW_SIZE))
			return PGCT_FAIL;
		memset(p[i], i, PGCT_GROW_SIZE);
	}
	for (i = 0; i < PGCT_GROW_N; i++)
		PGCT_EXPECT(!memchr_inv(p[i], i, PGCT_GROW_SIZE),
			    "piece %d corrupted", i);
	return PGCT_PASS;
}

/* Several whole-cluster allocations live at once. */
static int pgct_cluster_max_size(void)
{
	void *p[4];
	int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = pgcluster_alloc(PGCLUSTER_MAX_SIZE, GFP_KERNEL, 0);
		PGCT_DEFER_FREE(p[i]);
		if (pgct_check_alloc(p[i], PGCLUSTER_MAX_SIZE))
			return PGCT_FAIL;
		memset(p[i], 0x11 * (i + 1), PGCLUSTER_MAX_SIZE);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		PGCT_EXPECT(!memchr_inv(p[i], 0x11 * (i + 1), PGCLUSTER_MAX_SIZE),
			    "cluster-sized allocation %d corrupted", i);
	return PGCT_PASS;
}

const struct pgct_case pgct_cluster_cases[] = {
	{ "cluster_sizes", pgct_cluster_sizes },
	{ "cluster_many_live", pgct_cluster_many_live },
	{ "cluster_gfp_atomic", pgct_cluster_gfp_atomic },
	{ "cluster_hardirq", pgct_cluster_hardirq },
	{ "cluster_concurrent", pgct_cluster_concurrent },
	{ "cluster_bad_frees", pgct_cluster_bad_frees },
	{ "cluster_zero", pgct_cluster_zero },
	{ "cluster_invalid", pgct_cluster_invalid },
	{ "cluster_node", pgct_cluster_node },
	{ "cluster_grow_pool", pgct_cluster_grow_pool },
	{ "cluster_max_size", pgct_cluster_max_size },
	{ NULL, NULL }
};
