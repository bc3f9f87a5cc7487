// SPDX-License-Identifier: GPL-2.0
/*
 * The stress case: both allocators under concurrent load for a set time.
 *
 * More kthreads than online CPUs (2 * ncpus + 2, at nice 10) run for
 * stress_seconds each, allocating and freeing random sizes from
 * PGCLUSTER_GRANULE bytes to PGCLUSTER_MAX_SIZE (mostly small, some large)
 * in every gfp context a driver uses: GFP_KERNEL, GFP_NOIO, GFP_NOFS,
 * GFP_KERNEL inside memalloc_noio_save() and memalloc_nofs_save() scopes,
 * GFP_KERNEL | __GFP_NORETRY, GFP_ATOMIC under a spinlock with interrupts
 * off or with preemption disabled, and GFP_NOWAIT (some with bottom halves
 * disabled, some under rcu_read_lock()).
 * A quarter of the requests pass PGCLUSTER_VIRTOK; selftests/stress.sh
 * turns force_virtual on and off meanwhile so that some of them really take
 * the emergency path, and adds memory pressure, pool growth, slot_cache
 * changes and fragmentation injection from user space.
 *
 * Every byte of every allocation's usable size is stamped with a pattern
 * that depends on the allocation's id and the offset, so memory handed out
 * twice, freed under its owner or filled with another allocation's data is
 * seen when the owner checks it before its free.  Frees happen in process
 * context (some under a spinlock with interrupts off), in softirq context
 * (a timer frees the items queued to it), and in hard interrupt context (an
 * irq_work on the thread's CPU, and one that an IPI queues on another CPU).
 * Items bound for interrupt context are checked in full by their thread
 * before the handover and again at a few words (cheap enough for an
 * interrupt) just before the free.
 *
 * Each new allocation is held to the API contract: pgcluster_size() at
 * least the request, granule alignment, physical contiguity and a
 * linear-map address unless the result is virtual, never virtual without
 * PGCLUSTER_VIRTOK, __GFP_ZERO honoured.  NULL is an allowed answer and
 * counted per gfp class.  Live memory is capped (stress_live_mb) so the
 * 2 GiB test guest is never driven into the OOM killer by the test itself.
 *
 * Threads, timer and interrupts may report at once while the runner holds
 * the log, and pgct_log() is not safe for concurrent callers: the first
 * few messages are kept here and logged by the runner at the end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pgcluster.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "pgct.h"

static unsigned int pgst_seconds = 60;
module_param_named(stress_seconds, pgst_seconds, uint, 0644);
MODULE_PARM_DESC(stress_seconds,
		 "Duration of the stress case in seconds (default 60)");

static unsigned int pgst_live_mb = 64;
module_param_named(stress_live_mb, pgst_live_mb, uint, 0644);
MODULE_PARM_DESC(stress_live_mb,
		 "Cap on the memory the stress case holds at once, MiB (default 64)");

#define PGST_MAX_THREADS	64
#define PGST_SLOTS		32	/* items per thread */
#define PGST_MSGS		8	/* messages kept for the log */
#define PGST_MSG_LEN		192
/* Words checked at the free in interrupt context, besides first and last. */
#define PGST_SPOT_WORDS		6
/* How long the end of the case waits for the timer to drain its queue. */
#define PGST_DRAIN_MS		10000
#define PGST_PROGRESS_SECS	60
#define PGST_NICE		10	/* as kmemleak's scanner, see pgst_stress() */

enum pgst_class {
	PGST_KERNEL,
	PGST_NOIO,
	PGST_NOFS,
	PGST_NOIO_SCOPE,
	PGST_NOFS_SCOPE,
	PGST_NORETRY,
	PGST_ATOMIC,
	PGST_NOWAIT,
	PGST_NR_CLASSES
};

static const char *const pgst_class_name[] = {
	[PGST_KERNEL] = "kernel",
	[PGST_NOIO] = "noio",
	[PGST_NOFS] = "nofs",
	[PGST_NOIO_SCOPE] = "noio_scope",
	[PGST_NOFS_SCOPE] = "nofs_scope",
	[PGST_NORETRY] = "noretry",
	[PGST_ATOMIC] = "atomic",
	[PGST_NOWAIT] = "nowait",
};

static_assert(ARRAY_SIZE(pgst_class_name) == PGST_NR_CLASSES);

/* Where a free happened. */
enum pgst_ctx {
	PGST_FREE_TASK,		/* process context */
	PGST_FREE_LOCKED,	/* process context, spinlock held, irqs off */
	PGST_FREE_SOFTIRQ,	/* timer callback */
	PGST_FREE_HARDIRQ,	/* irq_work on the thread's CPU */
	PGST_FREE_REMOTE,	/* irq_work on another CPU than the thread's */
	PGST_FREE_OTHER,	/* a callback that did not run where expected */
	PGST_NR_CTX
};

static const char *const pgst_ctx_name[] = {
	[PGST_FREE_TASK] = "task",
	[PGST_FREE_LOCKED] = "locked",
	[PGST_FREE_SOFTIRQ] = "softirq",
	[PGST_FREE_HARDIRQ] = "hardirq",
	[PGST_FREE_REMOTE] = "remote_hardirq",
	[PGST_FREE_OTHER] = "other",
};

static_assert(ARRAY_SIZE(pgst_ctx_name) == PGST_NR_CTX);

/*
 * Who owns an item: EMPTY and LIVE items belong to their thread, QUEUED ones
 * to the timer or an interrupt, which hand them back as EMPTY with a
 * release store after the free.
 */
enum pgst_owner { PGST_EMPTY, PGST_LIVE, PGST_QUEUED };

struct pgst_item {
	struct llist_node node;	/* on the softirq or hardirq queue */
	void *p;
	size_t size;		/* bytes asked for */
	size_t usable;		/* pgcluster_size() after the allocation */
	u64 id;
	u8 cls;			/* enum pgst_class */
	bool virtok;
	bool virt;
	bool bad;		/* found corrupted: kept for the end */
	int cpu;		/* where it was queued for @rwork */
	int state;		/* enum pgst_owner */
};

struct pgst_thread {
	struct pgst_item item[PGST_SLOTS];
	struct llist_head hard;	/* items for @work */
	struct irq_work work;	/* frees @hard in hard interrupt context */
	struct llist_head remote;	/* items for @rwork */
	struct irq_work rwork;	/* the same, queued on another CPU */
	struct completion done;
	u32 rnd;
	int id;
};

struct pgst_state {
	struct pgst_thread *thread;
	int nthreads;
	unsigned long deadline;		/* jiffies */
	atomic_t stop;			/* end early: error or fatal signal */
	long cap;			/* bytes */
	atomic_long_t live;		/* bytes held, reserved before alloc */
	atomic_long_t peak;
	atomic64_t next_id;
	spinlock_t atomic_lock;		/* held around some GFP_ATOMIC allocs */
	spinlock_t free_lock;		/* held around PGST_FREE_LOCKED frees */

	struct timer_list timer;	/* frees @soft in softirq context */
	struct llist_head soft;

	atomic_long_t attempts[PGST_NR_CLASSES];
	atomic_long_t failures[PGST_NR_CLASSES];
	atomic_long_t frees[PGST_NR_CTX];
	atomic_long_t allocs;
	atomic_long_t virtok_allocs;	/* successful, with PGCLUSTER_VIRTOK */
	atomic_long_t virt_allocs;	/* of those, virtual */
	atomic_long_t zeroed;		/* __GFP_ZERO results checked */
	atomic_long_t bytes;		/* requested, summed */
	atomic_long_t cap_hits;
	atomic_long_t corruptions;
	atomic_long_t violations;

	spinlock_t msg_lock;		/* msg, nmsg */
	int nmsg;
	char msg[PGST_MSGS][PGST_MSG_LEN];
};

/* Cases run one at a time (pgct_lock), so one instance will do. */
static struct pgst_state pgst;

static u32 pgst_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Keeps the first few messages for the log; all go to dmesg. */
static __printf(1, 2) void pgst_report(const char *fmt, ...)
{
	struct pgst_state *s = &pgst;
	unsigned long flags;
	va_list args;
	int n;

	spin_lock_irqsave(&s->msg_lock, flags);
	n = s->nmsg < PGST_MSGS ? s->nmsg++ : -1;
	if (n >= 0) {
		va_start(args, fmt);
		vscnprintf(s->msg[n], PGST_MSG_LEN, fmt, args);
		va_end(args);
	}
	spin_unlock_irqrestore(&s->msg_lock, flags);
	if (n >= 0) {
		va_start(args, fmt);
		pr_err("stress: %pV\n", &(struct va_format){ fmt, &args });
		va_end(args);
	}
}

/* A contract violation: counted, reported, and the case ends early. */
#define pgst_violation(fmt, ...)					\
	do {								\
		atomic_long_inc(&pgst.violations);			\
		atomic_set(&pgst.stop, 1);				\
		pgst_report("violation: " fmt, ##__VA_ARGS__);		\
	} while (0)

/*
 * The stamp: word k of allocation @id holds a value that differs from
 * allocation to allocation and from word to word, so that neither zeroes,
 * another allocation's stamp nor a shifted copy of this one passes.
 */
static inline u64 pgst_seed(u64 id)
{
	return (id + 1) * 0xd6e8feb86659fd93ULL;
}

static inline u64 pgst_word(u64 seed, size_t off)
{
	return seed ^ ((off + 8) * 0x9e3779b97f4a7c15ULL);
}

static void pgst_stamp(void *p, size_t len, u64 id)
{
	u64 seed = pgst_seed(id), *w = p;
	size_t off;

	/* Results are granule aligned and usable sizes are granule multiples. */
	for (off = 0; off + 8 <= len; off += 8)
		*w++ = pgst_word(seed, off);
	for (; off < len; off++)
		((u8 *)p)[off] = (u8)(pgst_word(seed, off & ~7UL) >> (8 * (off & 7)));
}

/* Byte offset of the first byte of @w that differs from @want. */
static size_t pgst_first_diff(u64 got, u64 want)
{
	return __ffs64(got ^ want) / 8;
}

#define PGST_DESC_LEN	128

/* "id N at P (S of U bytes, class[|virtok], kind)" for the messages. */
static const char *pgst_describe(const struct pgst_item *it, char *buf)
{
	snprintf(buf, PGST_DESC_LEN, "id %llu at %p (%zu of %zu bytes, %s%s, %s)",
		 it->id, it->p, it->size, it->usable,
		 pgst_class_name[it->cls], it->virtok ? "|virtok" : "",
		 it->virt ? "virtual" : "contiguous");
	return buf;
}

static void pgst_corrupt(struct pgst_item *it, size_t off, u64 got,
			 u64 want, const char *where)
{
	void *addr = it->p + off;
	char desc[PGST_DESC_LEN];
	phys_addr_t phys;

	/* The physical address, to match with the pool's map and reports. */
	if (it->virt)
		phys = page_to_phys(vmalloc_to_page(addr)) + offset_in_page(addr);
	else
		phys = virt_to_phys(addr);
	it->bad = true;
	atomic_long_inc(&pgst.corruptions);
	atomic_set(&pgst.stop, 1);
	pgst_report("corruption (%s): %s, offset %zu (phys %pa): %#llx, want %#llx",
		    where, pgst_describe(it, desc), off, &phys, got, want);
}

/* Checks every byte of a live item; false (and reported) when one differs. */
static bool pgst_verify(struct pgst_item *it, const char *where)
{
	u64 seed = pgst_seed(it->id);
	const u64 *w = it->p;
	size_t off;

	for (off = 0; off + 8 <= it->usable; off += 8, w++) {
		u64 want = pgst_word(seed, off);

		if (unlikely(*w != want)) {
			pgst_corrupt(it, off + pgst_first_diff(*w, want), *w,
				     want, where);
			return false;
		}
	}
	for (; off < it->usable; off++) {
		u8 want = pgst_word(seed, off & ~7UL) >> (8 * (off & 7));
		u8 got = ((u8 *)it->p)[off];

		if (unlikely(got != want)) {
			pgst_corrupt(it, off, got, want, where);
			return false;
		}
	}
	return true;
}

/*
 * The check at a free in interrupt context: first, last and a few other
 * words chosen by the id, and the size the allocator still records.
 */
static bool pgst_spot_check(struct pgst_item *it, const char *where)
{
	size_t words = it->usable / 8, size;
	char desc[PGST_DESC_LEN];
	u64 seed = pgst_seed(it->id);
	const u64 *w = it->p;
	u32 rnd = (u32)it->id | 1;
	int i;

	for (i = 0; words && i < PGST_SPOT_WORDS + 2; i++) {
		size_t k = i == 0 ? 0 : i == 1 ? words - 1 :
			   pgst_rand(&rnd) % words;

		if (unlikely(w[k] != pgst_word(seed, k * 8))) {
			pgst_corrupt(it, k * 8 +
				     pgst_first_diff(w[k], pgst_word(seed, k * 8)),
				     w[k], pgst_word(seed, k * 8), where);
			return false;
		}
	}
	size = pgcluster_size(it->p);
	if (unlikely(size != it->usable)) {
		pgst_violation("%s: pgcluster_size %zu before the free in %s",
			       pgst_describe(it, desc), size, where);
		return false;
	}
	return true;
}

/* Every page of [p, p + len) follows the previous one in physical memory. */
static bool pgst_contiguous(const void *p, size_t len)
{
	unsigned long first = page_to_pfn(virt_to_page(p));
	unsigned long pages = (offset_in_page(p) + len - 1) >> PAGE_SHIFT;
	const void *base = p - offset_in_page(p);
	unsigned long k;

	for (k = 1; k <= pages; k++)
		if (page_to_pfn(virt_to_page(base + k * PAGE_SIZE)) != first + k)
			return false;
	return true;
}

/*
 * Mostly small sizes, some large: about 60% up to 4 KiB, 25% up to 64 KiB,
 * 12% up to 512 KiB and 3% up to PGCLUSTER_MAX_SIZE, with the bounds
 * themselves now and then.
 */
static size_t pgst_pick_size(u32 *rnd)
{
	u32 r = pgst_rand(rnd), v = pgst_rand(rnd), b = r % 100;

	if (b == 0)
		return (r >> 8) & 1 ? PGCLUSTER_MAX_SIZE : PGCLUSTER_GRANULE;
	if (b < 60)
		return PGCLUSTER_GRANULE + v % (4096 - PGCLUSTER_GRANULE + 1);
	if (b < 85)
		return 4096 + v % (65536 - 4096 + 1);
	if (b < 97)
		return 65536 + v % (524288 - 65536 + 1);
	return 524288 + v % (PGCLUSTER_MAX_SIZE - 524288 + 1);
}

/* Reserves @bytes under the cap, or returns false. */
static bool pgst_reserve(long bytes)
{
	struct pgst_state *s = &pgst;
	long live = atomic_long_add_return(bytes, &s->live);
	long peak;

	if (live > s->cap) {
		atomic_long_sub(bytes, &s->live);
		atomic_long_inc(&s->cap_hits);
		return false;
	}
	peak = atomic_long_read(&s->peak);
	while (live > peak && !atomic_long_try_cmpxchg(&s->peak, &peak, live))
		;
	return true;
}

static void *pgst_do_alloc(size_t size, enum pgst_class cls,
			   unsigned int flags, gfp_t extra, u32 r)
{
	struct pgst_state *s = &pgst;
	unsigned long irqflags;
	unsigned int scope;
	void *p;

	switch (cls) {
	case PGST_KERNEL:
		/* Now and then through the node variant, as a driver may. */
		if (r & 0x10000)
			return pgcluster_alloc_node(size, GFP_KERNEL | extra,
						    flags,
						    cpu_to_node(raw_smp_processor_id()));
		return pgcluster_alloc(size, GFP_KERNEL | extra, flags);
	case PGST_NOIO:
		return pgcluster_alloc(size, GFP_NOIO | extra, flags);
	case PGST_NOFS:
		return pgcluster_alloc(size, GFP_NOFS | extra, flags);
	case PGST_NOIO_SCOPE:
		scope = memalloc_noio_save();
		p = pgcluster_alloc(size, GFP_KERNEL | extra, flags);
		memalloc_noio_restore(scope);
		return p;
	case PGST_NOFS_SCOPE:
		scope = memalloc_nofs_save();
		p = pgcluster_alloc(size, GFP_KERNEL | extra, flags);
		memalloc_nofs_restore(scope);
		return p;
	case PGST_NORETRY:
		return pgcluster_alloc(size, GFP_KERNEL | __GFP_NORETRY |
				       __GFP_NOWARN | extra, flags);
	case PGST_ATOMIC:
		/* Shared by all threads: they contend as drivers would. */
		if (r & 0x10000) {
			spin_lock_irqsave(&s->atomic_lock, irqflags);
			p = pgcluster_alloc(size, GFP_ATOMIC | __GFP_NOWARN |
					    extra, flags);
			spin_unlock_irqrestore(&s->atomic_lock, irqflags);
		} else {
			preempt_disable();
			p = pgcluster_alloc(size, GFP_ATOMIC | __GFP_NOWARN |
					    extra, flags);
			preempt_enable();
		}
		return p;
	case PGST_NOWAIT:
		if (r & 0x10000) {
			local_bh_disable();
			p = pgcluster_alloc(size, GFP_NOWAIT | __GFP_NOWARN |
					    extra, flags);
			local_bh_enable();
		} else {
			rcu_read_lock();
			p = pgcluster_alloc(size, GFP_NOWAIT | __GFP_NOWARN |
					    extra, flags);
			rcu_read_unlock();
		}
		return p;
	default:
		return NULL;
	}
}

/* The contract every new allocation is held to; false when it is broken. */
static bool pgst_check_new(const struct pgst_item *it, bool zero)
{
	char desc[PGST_DESC_LEN];
	void *nz;

	if (it->usable < it->size) {
		pgst_violation("%s: pgcluster_size below the request",
			       pgst_describe(it, desc));
		return false;
	}
	if (!it->virtok && (it->virt || pgcluster_is_virtual(it->p))) {
		pgst_violation("%s: virtual without PGCLUSTER_VIRTOK",
			       pgst_describe(it, desc));
		return false;
	}
	if (it->virt) {
		if (!pgcluster_is_virtual(it->p)) {
			pgst_violation("%s: pgcluster_is_virtual() is false",
				       pgst_describe(it, desc));
			return false;
		}
	} else {
		if (pgcluster_is_virtual(it->p)) {
			pgst_violation("%s: pgcluster_is_virtual() is true",
				       pgst_describe(it, desc));
			return false;
		}
		if (!virt_addr_valid(it->p) ||
		    !IS_ALIGNED((unsigned long)it->p, PGCLUSTER_GRANULE)) {
			pgst_violation("%s: not a granule-aligned linear-map address",
				       pgst_describe(it, desc));
			return false;
		}
		if (!pgst_contiguous(it->p, it->usable)) {
			pgst_violation("%s: not physically contiguous",
				       pgst_describe(it, desc));
			return false;
		}
	}
	if (zero) {
		nz = memchr_inv(it->p, 0, it->usable);
		if (nz) {
			pgst_violation("%s: __GFP_ZERO but byte %td is %#x",
				       pgst_describe(it, desc),
				       (char *)nz - (char *)it->p, *(u8 *)nz);
			return false;
		}
		atomic_long_inc(&pgst.zeroed);
	}
	return true;
}

static void pgst_alloc(struct pgst_thread *t, struct pgst_item *it)
{
	struct pgst_state *s = &pgst;
	u32 r = pgst_rand(&t->rnd);
	enum pgst_class cls = r % PGST_NR_CLASSES;
	bool zero = ((r >> 8) & 15) == 0;
	size_t size = pgst_pick_size(&t->rnd);
	void *p;

	it->virtok = ((r >> 12) & 3) == 0;
	if (!pgst_reserve(size))
		return;
	atomic_long_inc(&s->attempts[cls]);
	/*
	 * While stress.sh sets force_virtual, VIRTOK requests above one slot
	 * fail by design: no message for those.  Others may warn.
	 */
	p = pgst_do_alloc(size, cls, it->virtok ? PGCLUSTER_VIRTOK : 0,
			  (zero ? __GFP_ZERO : 0) |
			  (it->virtok ? __GFP_NOWARN : 0), r);
	if (!p) {
		atomic_long_inc(&s->failures[cls]);
		atomic_long_sub(size, &s->live);
		return;
	}
	it->p = p;
	it->bad = false;
	it->size = size;
	it->cls = cls;
	it->virt = is_vmalloc_addr(p);
	it->usable = pgcluster_size(p);
	it->id = atomic64_inc_return(&s->next_id);
	atomic_long_add((long)it->usable - (long)size, &s->live);
	atomic_long_inc(&s->allocs);
	atomic_long_add(size, &s->bytes);
	if (it->virtok) {
		atomic_long_inc(&s->virtok_allocs);
		if (it->virt)
			atomic_long_inc(&s->virt_allocs);
	}
	if (!pgst_check_new(it, zero)) {
		/* Not stamped: the allocator's claim on it is in doubt. */
		pgcluster_free(p);
		atomic_long_inc(&s->frees[PGST_FREE_TASK]);
		atomic_long_sub(it->usable, &s->live);
		return;
	}
	pgst_stamp(p, it->usable, it->id);
#ifdef PGST_INJECT_CORRUPTION
	/*
	 * Build with KCFLAGS=-DPGST_INJECT_CORRUPTION to see the case fail:
	 * one byte of every 4096th allocation is changed after its stamp.
	 */
	if (!(it->id % 4096))
		((u8 *)p)[r % it->usable] ^= 0x40;
#endif
	it->state = PGST_LIVE;
}

/* The free itself, in whatever context the caller is in. */
static void pgst_release(struct pgst_item *it, enum pgst_ctx ctx)
{
	long usable = it->usable;

	pgcluster_free(it->p);
	it->p = NULL;
	atomic_long_inc(&pgst.frees[ctx]);
	atomic_long_sub(usable, &pgst.live);
	/* Hands the item back to its thread. */
	smp_store_release(&it->state, PGST_EMPTY);
}

static void pgst_timer_fn(struct timer_list *unused)
{
	struct llist_node *list = llist_del_all(&pgst.soft);
	enum pgst_ctx ctx = in_serving_softirq() ? PGST_FREE_SOFTIRQ :
			    PGST_FREE_OTHER;
	struct pgst_item *it, *next;

	llist_for_each_entry_safe(it, next, list, node) {
		pgst_spot_check(it, "softirq");
		pgst_release(it, ctx);
	}
}

/*
 * Plain irq_works: they run in hard interrupt context except on
 * PREEMPT_RT, where only IRQ_WORK_HARD_IRQ items do.  Those, and IPI
 * callbacks, are hard interrupt context there too, where spinlock_t locks
 * (which pgcluster_free() and kfree() take) sleep: the API excludes them,
 * and lockdep's raw-lock nesting check reports such a free on every kernel.
 */
static void pgst_hardirq_fn(struct irq_work *work)
{
	struct pgst_thread *t = container_of(work, struct pgst_thread, work);
	struct llist_node *list = llist_del_all(&t->hard);
	enum pgst_ctx ctx = in_hardirq() ? PGST_FREE_HARDIRQ : PGST_FREE_OTHER;
	struct pgst_item *it, *next;

	llist_for_each_entry_safe(it, next, list, node) {
		pgst_spot_check(it, "hardirq");
		pgst_release(it, ctx);
	}
}

static void pgst_remote_fn(struct irq_work *work)
{
	struct pgst_thread *t = container_of(work, struct pgst_thread, rwork);
	struct llist_node *list = llist_del_all(&t->remote);
	int cpu = raw_smp_processor_id();
	struct pgst_item *it, *next;

	llist_for_each_entry_safe(it, next, list, node) {
		pgst_spot_check(it, "remote hardirq");
		pgst_release(it, !in_hardirq() ? PGST_FREE_OTHER :
			     cpu != it->cpu ? PGST_FREE_REMOTE :
			     PGST_FREE_HARDIRQ);
	}
}

/*
 * Runs in an IPI on the other CPU.  irq_work_queue_on() is not exported,
 * so the IPI queues the irq_work there itself; it runs when the IPI
 * returns (or at once on a self-IPI).
 */
static void pgst_ipi_fn(void *info)
{
	struct pgst_thread *t = info;

	irq_work_queue(&t->rwork);
}

/* Another online CPU for the remote free, or -1. */
static int pgst_other_cpu(int this)
{
	int cpu;

	if (num_online_cpus() < 2)
		return -1;
	cpu = cpumask_next(this, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	return cpu == this ? -1 : cpu;
}

/*
 * Frees a live item in a context picked by @r: about 40% in process
 * context, 15% under a spinlock with interrupts off, 15% each from the
 * timer, an irq_work on this CPU and one on another CPU.
 */
static void pgst_free(struct pgst_thread *t, struct pgst_item *it, u32 r)
{
	struct pgst_state *s = &pgst;
	unsigned int pick = r % 100;
	char desc[PGST_DESC_LEN];
	unsigned long flags;
	int this, cpu;

	/* A corrupted item is left alone (the case stops) and freed at the end. */
	if (!pgst_verify(it, "task"))
		return;
	if (pgcluster_size(it->p) != it->usable) {
		pgst_violation("%s: pgcluster_size %zu before the free",
			       pgst_describe(it, desc), pgcluster_size(it->p));
		it->bad = true;
		return;
	}
	if (pick < 40) {
		pgst_release(it, PGST_FREE_TASK);
	} else if (pick < 55) {
		spin_lock_irqsave(&s->free_lock, flags);
		pgst_release(it, PGST_FREE_LOCKED);
		spin_unlock_irqrestore(&s->free_lock, flags);
	} else if (pick < 70) {
		it->state = PGST_QUEUED;
		/* The first item on an empty queue arms the timer. */
		if (llist_add(&it->node, &s->soft))
			mod_timer(&s->timer, jiffies + 1);
	} else if (pick < 85) {
		it->state = PGST_QUEUED;
		llist_add(&it->node, &t->hard);
		/* Already pending: it will see this item when it runs. */
		irq_work_queue(&t->work);
	} else {
		this = get_cpu();
		cpu = pgst_other_cpu(this);
		if (cpu >= 0) {
			it->cpu = this;
			it->state = PGST_QUEUED;
			llist_add(&it->node, &t->remote);
			/* Waits for the IPI: @t outlives it, irq_work_sync() sees it. */
			smp_call_function_single(cpu, pgst_ipi_fn, t, 1);
		} else {
			pgst_release(it, PGST_FREE_TASK);
		}
		put_cpu();
	}
}

static int pgst_thread_fn(void *arg)
{
	struct pgst_thread *t = arg;
	struct pgst_state *s = &pgst;
	struct pgst_item *it;
	u32 r;

	while (!atomic_read(&s->stop) && time_before(jiffies, s->deadline)) {
		r = pgst_rand(&t->rnd);
		it = &t->item[r % PGST_SLOTS];
		/* Pairs with pgst_release(): the free is done before reuse. */
		switch (smp_load_acquire(&it->state)) {
		case PGST_EMPTY:
			pgst_alloc(t, it);
			break;
		case PGST_LIVE:
			if (!it->bad)
				pgst_free(t, it, r >> 8);
			break;
		default:	/* still queued for the timer or an interrupt */
			break;
		}
		cond_resched();
	}
	kthread_complete_and_exit(&t->done, 0);
}

/*
 * After the threads: let the timer and the irq_works finish what was
 * queued, then free what is still live in process context.  Returns false
 * when a queue did not drain.
 */
static bool pgst_drain(void)
{
	struct pgst_state *s = &pgst;
	unsigned long end = jiffies + msecs_to_jiffies(PGST_DRAIN_MS);
	bool ok = true;
	int i, k;

	for (i = 0; i < s->nthreads; i++) {
		irq_work_sync(&s->thread[i].work);
		irq_work_sync(&s->thread[i].rwork);
	}
	/* The timer was armed when its queue became non-empty. */
	while (!llist_empty(&s->soft) && time_before(jiffies, end))
		msleep(20);
	timer_delete_sync(&s->timer);
	if (!PGCT_CHECK(llist_empty(&s->soft),
			"the timer left items queued after %d ms",
			PGST_DRAIN_MS)) {
		ok = false;
		pgst_timer_fn(NULL);
	}
	for (i = 0; i < s->nthreads; i++) {
		struct pgst_thread *t = &s->thread[i];

		if (!PGCT_CHECK(llist_empty(&t->hard) &&
				llist_empty(&t->remote),
				"thread %d: irq_work left items queued", i)) {
			ok = false;
			pgst_hardirq_fn(&t->work);
			pgst_remote_fn(&t->rwork);
		}
		for (k = 0; k < PGST_SLOTS; k++) {
			struct pgst_item *it = &t->item[k];

			/* Pairs with pgst_release(), as in the threads. */
			if (smp_load_acquire(&it->state) != PGST_LIVE)
				continue;
			if (!it->bad)
				pgst_verify(it, "end");
			pgst_release(it, PGST_FREE_TASK);
		}
	}
	return ok;
}

/* One line for user space to print; built in pieces to keep it readable. */
static void pgst_log_summary(int started, u64 ms)
{
	struct pgst_state *s = &pgst;
	long virtok = atomic_long_read(&s->virtok_allocs);
	long virt = atomic_long_read(&s->virt_allocs);
	size_t len = 768, n;
	char *buf;
	int i;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return;
	n = scnprintf(buf, len, "%d threads %llu ms: allocs %ld (%ld MiB), frees",
		      started, ms, atomic_long_read(&s->allocs),
		      atomic_long_read(&s->bytes) >> 20);
	for (i = 0; i < PGST_NR_CTX; i++)
		n += scnprintf(buf + n, len - n, " %s %ld", pgst_ctx_name[i],
			       atomic_long_read(&s->frees[i]));
	n += scnprintf(buf + n, len - n, ", virtual %ld of %ld virtok (%ld%%)",
		       virt, virtok, virtok ? virt * 100 / virtok : 0);
	n += scnprintf(buf + n, len - n, ", zeroed %ld, failed/attempted",
		       atomic_long_read(&s->zeroed));
	for (i = 0; i < PGST_NR_CLASSES; i++)
		n += scnprintf(buf + n, len - n, " %s %ld/%ld",
			       pgst_class_name[i],
			       atomic_long_read(&s->failures[i]),
			       atomic_long_read(&s->attempts[i]));
	n += scnprintf(buf + n, len - n, ", cap hits %ld, peak live %ld KiB",
		       atomic_long_read(&s->cap_hits),
		       atomic_long_read(&s->peak) >> 10);
	scnprintf(buf + n, len - n, ", corruptions %ld, violations %ld",
		  atomic_long_read(&s->corruptions),
		  atomic_long_read(&s->violations));
	pgct_log("summary: %s", buf);
	kfree(buf);
}

/* Waits for a thread, waking once a second to look for a fatal signal. */
static void pgst_wait(struct pgst_thread *t, u64 t0, u64 *progress)
{
	struct pgst_state *s = &pgst;
	u64 secs;

	while (!wait_for_completion_timeout(&t->done, HZ)) {
		if (fatal_signal_pending(current) && !atomic_xchg(&s->stop, 1))
			pgst_report("stopped early by a fatal signal");
		secs = div_u64(ktime_get_ns() - t0, NSEC_PER_SEC);
		/* A sign of life on the console for long soaks. */
		if (secs >= *progress + PGST_PROGRESS_SECS) {
			*progress = secs;
			pr_info("stress: %llu s, %ld allocs, %ld corruptions, %ld violations\n",
				secs, atomic_long_read(&s->allocs),
				atomic_long_read(&s->corruptions),
				atomic_long_read(&s->violations));
		}
	}
}

static int pgst_check_result(int started, bool drained)
{
	struct pgst_state *s = &pgst;
	bool stopped = atomic_read(&s->stop);
	long attempts, failures;
	int i;

	for (i = 0; i < s->nmsg; i++)
		pgct_log("%s", s->msg[i]);
	PGCT_EXPECT(started == s->nthreads, "only %d of %d threads started",
		    started, s->nthreads);
	PGCT_EXPECT(drained, "the free queues did not drain");
	PGCT_EXPECT(!atomic_long_read(&s->corruptions) &&
		    !atomic_long_read(&s->violations),
		    "%ld corruptions, %ld contract violations",
		    atomic_long_read(&s->corruptions),
		    atomic_long_read(&s->violations));
	PGCT_EXPECT(!atomic_long_read(&s->live),
		    "%ld bytes still accounted live after the drain",
		    atomic_long_read(&s->live));
	/* Without a stop, every class and every free context must have run. */
	if (!pgct_failed())
		PGCT_EXPECT(!stopped, "stopped early");
	for (i = 0; i < PGST_NR_CLASSES; i++) {
		attempts = atomic_long_read(&s->attempts[i]);
		failures = atomic_long_read(&s->failures[i]);
		PGCT_EXPECT(attempts, "gfp class %s never attempted",
			    pgst_class_name[i]);
		/* Sleeping requests under a 64 MiB cap must succeed. */
		PGCT_EXPECT(!attempts || i >= PGST_ATOMIC || failures < attempts,
			    "every %s allocation failed", pgst_class_name[i]);
	}
	PGCT_EXPECT(atomic_long_read(&s->frees[PGST_FREE_SOFTIRQ]),
		    "no free ran in softirq context");
	PGCT_EXPECT(IS_ENABLED(CONFIG_PREEMPT_RT) ||
		    atomic_long_read(&s->frees[PGST_FREE_HARDIRQ]),
		    "no free ran from an irq_work in hard irq context");
	PGCT_EXPECT(pgst_other_cpu(raw_smp_processor_id()) < 0 ||
		    IS_ENABLED(CONFIG_PREEMPT_RT) ||
		    atomic_long_read(&s->frees[PGST_FREE_REMOTE]),
		    "no free ran in hard irq context on another CPU");
	PGCT_EXPECT(IS_ENABLED(CONFIG_PREEMPT_RT) ||
		    !atomic_long_read(&s->frees[PGST_FREE_OTHER]),
		    "%ld frees ran outside the context they were queued for",
		    atomic_long_read(&s->frees[PGST_FREE_OTHER]));
	return PGCT_PASS;
}

static int pgst_stress(void)
{
	struct pgst_state *s = &pgst;
	struct task_struct *tsk;
	u64 t0, progress = 0;
	int i, started = 0;
	unsigned int secs;
	bool drained;

	memset(s, 0, sizeof(*s));
	spin_lock_init(&s->atomic_lock);
	spin_lock_init(&s->free_lock);
	spin_lock_init(&s->msg_lock);
	init_llist_head(&s->soft);
	timer_setup(&s->timer, pgst_timer_fn, 0);
	s->cap = (long)max(READ_ONCE(pgst_live_mb), 4U) << 20;
	s->nthreads = min(2 * (int)num_online_cpus() + 2, PGST_MAX_THREADS);
	s->thread = kcalloc(s->nthreads, sizeof(*s->thread), GFP_KERNEL);
	PGCT_SKIP_IF(!s->thread, "no memory for %d threads", s->nthreads);
	for (i = 0; i < s->nthreads; i++) {
		struct pgst_thread *t = &s->thread[i];

		t->id = i;
		t->rnd = 0x9e3779b9u * (i + 1) ^ (u32)ktime_get_ns();
		t->rnd |= 1;	/* xorshift stays at 0 forever */
		init_llist_head(&t->hard);
		init_irq_work(&t->work, pgst_hardirq_fn);
		init_llist_head(&t->remote);
		init_irq_work(&t->rwork, pgst_remote_fn);
		init_completion(&t->done);
	}
	secs = max(READ_ONCE(pgst_seconds), 1U);
	pgct_log("%d threads on %u CPUs for %u s, live cap %u MiB",
		 s->nthreads, num_online_cpus(), secs,
		 (unsigned int)(s->cap >> 20));

	t0 = ktime_get_ns();
	s->deadline = jiffies + (unsigned long)secs * HZ;
	for (i = 0; i < s->nthreads; i++) {
		tsk = kthread_create(pgst_thread_fn, &s->thread[i],
				     "pgct_stress/%d", i);
		if (IS_ERR(tsk))
			break;
		/*
		 * The threads never sleep: at kmemleak's nice its scanner,
		 * which may be preempted inside an RCU read-side section,
		 * still gets its share, and they still get their work done.
		 */
		set_user_nice(tsk, PGST_NICE);
		wake_up_process(tsk);
		started++;
	}
	if (started < s->nthreads)
		atomic_set(&s->stop, 1);
	for (i = 0; i < started; i++)
		pgst_wait(&s->thread[i], t0, &progress);
	drained = pgst_drain();
	pgst_log_summary(started, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	i = pgst_check_result(started, drained);
	kfree(s->thread);
	s->thread = NULL;
	return i;
}

const struct pgct_case pgct_stress_cases[] = {
	{ "stress", pgst_stress, PGCT_DRIVEN },
	{ NULL, NULL }
};
