// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation injector: debugfs inject/, only with allow_inject=1.
 *
 *   pattern  checkerboard | stride:N | blocks:ORDER | random:PCT
 *   amount   PCT% of the free memory of each zone (100% means: until the
 *            buddy allocator has no block left that holds a whole period of
 *            the pattern), or a size (512M, 64K, 1G, bytes) laid over the
 *            zones in order
 *   control  "start" (synchronous, -EBUSY while pages are pinned),
 *            "sweep" (see Decay below), "release", "seal", "seal:MS" or
 *            "unseal" (see Seal below); reads back "idle", "pinned" or
 *            "sealed"
 *   status   pattern, amount, state, pages pinned in total and per zone,
 *            the seal ("sealed: N pages, unseals in M ms" or "not sealed"),
 *            how the last start and the last seal went, and the sweeps
 *            since that start
 *
 * The injector makes real fragmentation out of real kernel allocations.  It
 * takes blocks of free memory from the buddy allocator, highest order first
 * (GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN with the zone
 * modifier of the zone being covered), split_page()s each block, keeps the
 * pages the pattern selects and frees the others at once.  The pattern is a
 * function of the pfn alone, so neighbouring blocks agree and a freed page's
 * buddy is always pinned: the pages given back stay free but cannot merge.
 * Pinned pages are ordinary unmovable kernel pages, so compaction cannot
 * undo the pattern either.
 *
 *   checkerboard  pins every even pfn: isolated order-0 holes
 *   stride:N      pins every N-th pfn (2 <= N <= 2^MAX_ORDER)
 *   blocks:K      pins alternate aligned runs of 2^K pages: order-K holes
 *   random:P      pins each page with probability P% (1..99)
 *
 * The order only goes down (an order that failed once is not tried again in
 * the same zone) and stops at the smallest order that still holds a whole
 * period of the pattern; the zone's covering ends there, at the target, or
 * when the zone's free pages would drop below its high watermark plus a
 * safety margin.  Only DMA, DMA32 and Normal zones are covered; movable and
 * device memory are left alone.
 *
 * Two things keep a complete checkerboard (amount 100%) honest and the box
 * alive.  Sweeps: the failed high-order attempts wake kswapd and kcompactd
 * and shrinkers give memory back, so blocks reappear during and just after
 * a pass; further passes take those of order 5 and up until two in a row
 * find nothing.  Reserve: the kernel needs some small blocks itself (fork
 * allocates an order-1 pgd with PTI, slabs grow by order-1..3 pages); 1/256
 * of each zone in order-4 blocks is kept out of the pattern and freed at
 * the end (order 4 bypasses the per-cpu lists, so every CPU sees them).
 * Without it, testing hit the OOM killer in fork right after a complete
 * injection.  So under a full
 * checkerboard, requests of order 5 and up fail; smaller ones may be served
 * from the reserve or by compaction of movable pages, until a seal (below)
 * takes the reserve as well.
 *
 * Seal: a short, bounded window in which the kernel's reserve and every
 * other block left is taken too, so that a demo or a test can show even
 * order-1 requests failing.  "seal:MS" (MS decimal, 1..PGC_SEAL_MS_MAX;
 * plain "seal" means PGC_SEAL_MS_DEFAULT) is accepted only while a start's
 * pages are pinned (-EINVAL otherwise, -EBUSY while already sealed; nothing
 * is logged and nothing changes).  It takes every block still free in the
 * covered zones down to the smallest order that holds a period of the last
 * start's pattern, as a start would (same flags, same watermark floor, no
 * target), in passes until one finds nothing (PGC_SEAL_PASSES at most), so
 * that blocks the failed attempts' direct reclaim drains from the per-cpu
 * lists, or compaction makes, are taken as well.  Unlike a start it keeps
 * each block whole rather than laying the pattern over it: the pages an
 * unseal frees one by one would stay on the per-cpu lists, unmerged, and
 * the kernel would find no small block after the unseal (see
 * pgc_seal_block()).  Free memory is then exactly the start's holes.  The
 * sealed blocks are in the bitmap (map and report show them as pinned) and
 * on a list, so an unseal frees exactly them, whole, and leaves the start's
 * pattern as it was.  Forks and any other order >= 1 allocation of the
 * kernel may fail or reach the OOM killer while sealed, so a seal is kept
 * short and gives way:
 *
 *  - A probe may carry its own seal ("ORDER sealed" in probe, "SIZE sealed"
 *    in probe_pgcluster, see report.c): pgc_inject_probe_begin() seals,
 *    the probe asks, pgc_inject_probe_end() unseals, all in one write, so
 *    the kernel is without small blocks for milliseconds.  This is what the
 *    demo and the tests use.  (A window driven from a shell lasted seconds
 *    on the KASAN kernel under TCG, and in CI a kernel allocation inside it
 *    ran the OOM killer until "System is deadlocked on memory".)
 *  - "seal:MS" opens a window by hand: a delayed work unseals MS ms after
 *    the seal's passes ended, and "unseal" (a no-op when not sealed),
 *    "release" and unload unseal at once, so a script that dies inside the
 *    window cannot leave the box sealed.  Inside it a shell should use
 *    builtins only (no fork).
 *  - An OOM notifier ends any seal early (pgc_inject_oom_notify()): when
 *    the kernel is about to kill a task for memory, the seal gives its
 *    blocks back instead and no task is killed for it.  Without a seal,
 *    the same notifier gives back a start's pins, one bitmap chunk per
 *    call: a full checkerboard on the KASAN debug kernel can run out of
 *    small blocks under a burst of forks even unsealed.  It cannot help
 *    while a start or a sweep runs (see pgc_inject_oom_notify()).
 *
 * Decay.  A start covers only the memory that was free when it ran.  The
 * kernel keeps freeing pages it held then, and those pages merge with each
 * other, though never with the pattern's holes, into blocks again.  On the
 * 7.2 debug kernel after the selftests, with no reclaim and no compaction
 * running, the free order-3 blocks went from 168 to 237 and an order-6
 * block formed within about a minute of a complete checkerboard (slabs
 * emptied late by RCU callbacks or the KASAN quarantine, most likely).
 * "sweep" (accepted only while a start's pages are pinned and not sealed)
 * makes one more pass with the pinned start's pattern, over blocks above
 * the reserve's order (and no smaller than a period of the pattern), as
 * the start's own sweeps do, whatever the amount; status counts the
 * sweeps and what they covered.
 *
 * After a start that stopped short of 100%, the watermark floor may
 * leave blocks free during a seal.  The kernel keeps freeing memory while
 * sealed, and a page freed next to a free one merges into a small block, so
 * each probe made while a seal is on first has the seal take what was freed
 * since (pgc_inject_probe_begin()); on the 7.2 debug kernel, whose KASAN
 * quarantine and RCU callbacks free a lot late, probes of order 1-4
 * otherwise often succeeded a few milliseconds after the seal.
 *
 * The unseal work runs on its own WQ_MEM_RECLAIM workqueue: its rescuer
 * thread runs it even when no new kworker can be forked because memory is
 * sealed.  The work takes only pgc_seal_lock, never pgc_inject_lock, so a
 * writer holding pgc_inject_lock may cancel_delayed_work_sync() it; nothing
 * holds pgc_seal_lock while waiting for the work.  The lock order is
 * pgc_probe_lock (report.c), pgc_inject_lock, pgc_seal_lock; the OOM
 * notifier only trylocks the last two.
 *
 * Pinned pages are recorded in an xarray of bitmap chunks indexed by pfn,
 * about one bit per page of covered memory; pgc_inject_owns_pfn() reads it
 * locklessly under RCU for the report and map, and chunks are freed with
 * kfree_rcu().  A mutex serialises the control files.  Long runs print a
 * progress line every PGC_PROGRESS_MB and reschedule after every block, and
 * a fatal signal stops a start or a seal early (what was pinned stays
 * pinned; a seal is armed all the same).  Everything is released at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/memory_hotplug.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/notifier.h>
#include <linux/oom.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"
#include "lab.h"

/* A bitmap of pinned pfns, one page in size, freed after an RCU grace period. */
struct pgc_pin_chunk {
	struct rcu_head rcu;
	unsigned long bits[];
};

#define PGC_CHUNK_PAGES \
	((PAGE_SIZE - sizeof(struct rcu_head)) / sizeof(unsigned long) * \
	 BITS_PER_LONG)

#define PGC_PROGRESS_MB		256
/*
 * Blocks kept out of every start and freed at its end, per zone.  The
 * kernel needs a few small blocks of its own: fork allocates an order-1 pgd
 * (PTI), task_struct slabs are order 2.  A complete checkerboard leaves it
 * only what compaction can still make out of movable pages; in a small VM
 * with little page cache that may be nothing, and the next fork wakes the
 * OOM killer (seen in testing when the injector also took what compaction
 * made; on a debug kernel a reserve of 8 blocks was eaten by slab growth
 * within a minute).  Buddy probes up to this order may succeed from it.
 */
#define PGC_RESERVE_ORDER	4
#define PGC_RESERVE_BLOCKS	8	/* at least, per zone */
#define PGC_RESERVE_SHIFT	8	/* and 1/256 of the zone */

/*
 * With amount 100%, sweeps follow the first pass until two in a row find
 * nothing: what the kernel frees or compacts during and just after a pass
 * (the failed high-order attempts wake kswapd and kcompactd, and shrinkers
 * give memory back) is covered too.  They take only blocks above the
 * reserve's order, leaving the small ones that compaction makes to the
 * kernel; "sweep" makes one more such pass on request.
 */
#define PGC_SWEEP_ROUNDS	8
#define PGC_SWEEP_MS		250
#define PGC_SWEEP_QUIET		2	/* stop after this many empty sweeps */
#define PGC_SWEEP_MIN_ORDER	(PGC_RESERVE_ORDER + 1)
#define PGC_STRIDE_MAX		BIT(MAX_PAGE_ORDER)

/*
 * Seal: how long it may last (a bound, so the box is never left without
 * small blocks for long) and how many passes it makes at most.
 */
#define PGC_SEAL_MS_DEFAULT	2000
#define PGC_SEAL_MS_MAX		10000
#define PGC_SEAL_PASSES		4
#define PGC_RANDOM_MAX		99

enum pgc_pattern_kind {
	PGC_PAT_CHECKER,
	PGC_PAT_STRIDE,
	PGC_PAT_BLOCKS,
	PGC_PAT_RANDOM,
};

struct pgc_pattern {
	enum pgc_pattern_kind kind;
	unsigned int arg;
};

struct pgc_amount {
	bool percent;
	u64 val;		/* 1..100 percent, or bytes */
};

/* How a start ended. */
enum pgc_run_end {
	PGC_END_NONE,		/* no start yet */
	PGC_END_DONE,		/* every target reached */
	PGC_END_NOMEM,		/* buddy allocator ran out of suitable blocks */
	PGC_END_FLOOR,		/* stopped at a zone's safety floor */
	PGC_END_SIGNAL,		/* interrupted by a fatal signal */
	PGC_END_NOBITMAP,	/* could not allocate the pinned-page bitmap */
	PGC_END_UNSEALED,	/* a seal's passes: the seal ended meanwhile */
};

static const char *const pgc_run_end_text[] = {
	[PGC_END_NONE] = "none yet",
	[PGC_END_DONE] = "target reached",
	[PGC_END_NOMEM] = "buddy allocator ran out of suitable blocks",
	[PGC_END_FLOOR] = "stopped at a zone's watermark safety floor",
	[PGC_END_SIGNAL] = "interrupted by a signal",
	[PGC_END_NOBITMAP] = "out of memory for the pinned-page bitmap",
	[PGC_END_UNSEALED] = "the seal ended during its passes",
};

/* State of one start; lives on the writer's stack. */
struct pgc_run {
	struct pgc_pattern pattern;
	u64 seed;
	struct pgc_pin_chunk *chunk;	/* cache of the last chunk used */
	unsigned long chunk_idx;
	unsigned long covered;		/* pages taken from the buddy allocator */
	unsigned long pinned;		/* of those, pages kept */
	unsigned long next_progress;	/* covered pages of the next log line */
	unsigned int min_order;		/* smallest block to take (sweeps) */
	bool every_block;		/* no target: a seal or a sweep */
	struct list_head *seal;		/* a seal: every free block, pins here */
	unsigned int seal_gen;		/* a seal: pgc_seal_gen of that seal */
	enum pgc_run_end end;
};

/* How the last seal ended. */
enum pgc_seal_end {
	PGC_SEAL_NONE,		/* no seal yet */
	PGC_SEAL_ON,		/* still sealed */
	PGC_SEAL_TIMER,		/* the delayed work unsealed it */
	PGC_SEAL_REQUEST,	/* "unseal" */
	PGC_SEAL_RELEASE,	/* "release" or unload */
	PGC_SEAL_PROBE,		/* a sealed probe's own seal, after the probe */
	PGC_SEAL_OOM,		/* given back to stop the OOM killer */
};

static const char *const pgc_seal_end_text[] = {
	[PGC_SEAL_NONE] = "none yet",
	[PGC_SEAL_ON] = "sealed now",
	[PGC_SEAL_TIMER] = "unsealed by its timer",
	[PGC_SEAL_REQUEST] = "unsealed on request",
	[PGC_SEAL_RELEASE] = "unsealed by release or unload",
	[PGC_SEAL_PROBE] = "unsealed after its probe",
	[PGC_SEAL_OOM] = "unsealed early: the kernel ran out of memory",
};

static DEFINE_MUTEX(pgc_inject_lock);	/* serialises everything below */
static struct pgc_pattern pgc_pattern = { .kind = PGC_PAT_CHECKER };
static struct pgc_amount pgc_amount = { .percent = true, .val = 90 };
static DEFINE_XARRAY(pgc_pins);		/* pfn / PGC_CHUNK_PAGES -> chunk */
static atomic_long_t pgc_pinned_total = ATOMIC_LONG_INIT(0);
/*
 * [nid * MAX_NR_ZONES + zone index]; written under pgc_inject_lock, and
 * pinned also under pgc_seal_lock by a seal and its unseal (the work and the
 * OOM notifier, see pgc_unseal_locked()); read racily
 */
static unsigned long *pgc_zone_pinned;
static unsigned long *pgc_zone_covered;
static struct pgc_pattern pgc_last_pattern;
static u64 pgc_last_seed;		/* of the pattern random:PCT */
static unsigned int pgc_sweeps;		/* "sweep"s since the last start */
static unsigned long pgc_swept_covered, pgc_swept_pinned;
static unsigned long pgc_last_covered, pgc_last_pinned;
static u64 pgc_last_ms;
static enum pgc_run_end pgc_last_end;
static unsigned long pgc_last_reserve;	/* blocks left for the kernel */
static LIST_HEAD(pgc_reserve);		/* the kernel's reserve during a start */
static unsigned long pgc_nr_reserve;

/*
 * The seal.  pgc_seal_lock protects everything below and is the only lock
 * the unseal work takes; whoever changes the seal holds it.  A seal is
 * made with pgc_inject_lock held as well.
 */
static DEFINE_MUTEX(pgc_seal_lock);
static LIST_HEAD(pgc_seal_pages);	/* the seal's pins, through page->lru */
static unsigned long pgc_nr_sealed;	/* pages on pgc_seal_pages */
static bool pgc_sealed;			/* read racily by control */
static unsigned long pgc_seal_deadline;	/* jiffies of the automatic unseal */
static unsigned int pgc_seal_ms;	/* the window asked for */
static unsigned long pgc_last_seal_pinned;
static u64 pgc_last_seal_pass_ms;	/* how long the seal passes took */
static u64 pgc_seal_t0;			/* ktime_get_ns() at the first pass */
static u64 pgc_last_seal_held_ms;	/* from the first pass to the unseal */
static unsigned long pgc_seal_retaken;	/* pages taken again at probes */
static unsigned int pgc_seal_retakes;	/* probes that re-sealed */
static enum pgc_seal_end pgc_last_seal_end;
static unsigned int pgc_seal_gen;	/* seals made so far */
/* Given to the OOM path (pgc_inject_oom_notify(), under the oom_lock) */
static unsigned long pgc_oom_sealed_freed;	/* sealed pages */
static unsigned long pgc_oom_pins_freed;	/* a start's pinned pages */
static unsigned int pgc_oom_missed;		/* calls that found it busy */
static struct workqueue_struct *pgc_seal_wq;
static void pgc_seal_expire(struct work_struct *work);
static DECLARE_DELAYED_WORK(pgc_seal_work, pgc_seal_expire);

static inline unsigned long pgc_pages_to_mb(unsigned long pages)
{
	return pages >> (20 - PAGE_SHIFT);
}

/* ---- patterns ---------------------------------------------------------- */

static int pgc_pattern_parse(const char *s, struct pgc_pattern *p)
{
	static const struct {
		const char *prefix;
		enum pgc_pattern_kind kind;
		unsigned long min, max;
	} forms[] = {
		{ "stride:", PGC_PAT_STRIDE, 2, PGC_STRIDE_MAX },
		{ "blocks:", PGC_PAT_BLOCKS, 0, MAX_PAGE_ORDER - 1 },
		{ "random:", PGC_PAT_RANDOM, 1, PGC_RANDOM_MAX },
	};
	unsigned long v;
	size_t i, n;
	int ret;

	if (!strcmp(s, "checkerboard")) {
		p->kind = PGC_PAT_CHECKER;
		p->arg = 0;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		n = str_has_prefix(s, forms[i].prefix);
		if (!n)
			continue;
		ret = pgc_lab_parse_ulong(s + n, &v);
		if (ret)
			return ret;
		if (v < forms[i].min || v > forms[i].max)
			return -ERANGE;
		p->kind = forms[i].kind;
		p->arg = v;
		return 0;
	}
	return -EINVAL;
}

static const char *pgc_pattern_fmt(char *buf, size_t size,
				   const struct pgc_pattern *p)
{
	static const char *const names[] = {
		[PGC_PAT_CHECKER] = "checkerboard",
		[PGC_PAT_STRIDE] = "stride",
		[PGC_PAT_BLOCKS] = "blocks",
		[PGC_PAT_RANDOM] = "random",
	};

	if (p->kind == PGC_PAT_CHECKER)
		scnprintf(buf, size, "%s", names[p->kind]);
	else
		scnprintf(buf, size, "%s:%u", names[p->kind], p->arg);
	return buf;
}

static void pgc_pattern_print(struct seq_file *m, const struct pgc_pattern *p)
{
	char buf[24];

	seq_puts(m, pgc_pattern_fmt(buf, sizeof(buf), p));
}

static bool pgc_pattern_pins(const struct pgc_run *run, unsigned long pfn)
{
	const struct pgc_pattern *p = &run->pattern;

	switch (p->kind) {
	case PGC_PAT_CHECKER:
		return !(pfn & 1);
	case PGC_PAT_STRIDE:
		return pfn % p->arg == 0;
	case PGC_PAT_BLOCKS:
		return (pfn >> p->arg) & 1;
	case PGC_PAT_RANDOM:
		return hash_64(pfn ^ run->seed, 32) % 100 < p->arg;
	}
	return false;
}

/* Smallest block that holds a whole period of the pattern. */
static unsigned int pgc_pattern_min_order(const struct pgc_pattern *p)
{
	switch (p->kind) {
	case PGC_PAT_STRIDE:
		return order_base_2(p->arg);
	case PGC_PAT_BLOCKS:
		return p->arg + 1;
	default:
		return 1;
	}
}

/* ---- amount ------------------------------------------------------------ */

static int pgc_amount_parse(const char *s, struct pgc_amount *a)
{
	size_t len = strlen(s);
	char num[PGC_LAB_INPUT_MAX];
	unsigned long pct;
	u64 bytes;
	int ret;

	if (len && s[len - 1] == '%') {
		if (len - 1 >= sizeof(num) || !isdigit(s[0]))
			return -EINVAL;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		ret = kstrtoul(num, 10, &pct);
		if (ret)
			return ret;
		if (pct < 1 || pct > 100)
			return -ERANGE;
		a->percent = true;
		a->val = pct;
		return 0;
	}
	ret = pgc_lab_parse_size(s, &bytes);
	if (ret)
		return ret;
	if (bytes < PAGE_SIZE || bytes > ((u64)totalram_pages() << PAGE_SHIFT))
		return -ERANGE;
	a->percent = false;
	a->val = bytes;
	return 0;
}

static void pgc_amount_print(struct seq_file *m, const struct pgc_amount *a)
{
	if (a->percent)
		seq_printf(m, "%llu%%", a->val);
	else if (!(a->val & (SZ_1G - 1)))
		seq_printf(m, "%lluG", a->val >> 30);
	else if (!(a->val & (SZ_1M - 1)))
		seq_printf(m, "%lluM", a->val >> 20);
	else if (!(a->val & (SZ_1K - 1)))
		seq_printf(m, "%lluK", a->val >> 10);
	else
		seq_printf(m, "%llu", a->val);
}

/* ---- pinned-page bitmap -------------------------------------------------- */

/*
 * Record @pfn as pinned.  Caller holds pgc_inject_lock (and, for a seal,
 * pgc_seal_lock).  No hard retries: inside a seal a slab of kmalloc-4k may
 * need an order-1 page (KASAN), and a GFP_KERNEL request would reach the
 * OOM killer while the seal's own OOM notifier cannot take pgc_seal_lock.
 */
static int pgc_pin_record(struct pgc_run *run, unsigned long pfn)
{
	unsigned long idx = pfn / PGC_CHUNK_PAGES;
	struct pgc_pin_chunk *chunk = run->chunk;
	void *old;

	if (!chunk || run->chunk_idx != idx) {
		chunk = xa_load(&pgc_pins, idx);
		if (!chunk) {
			chunk = kzalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NORETRY |
					__GFP_NOWARN);
			if (!chunk)
				return -ENOMEM;
			old = xa_store(&pgc_pins, idx, chunk, GFP_KERNEL |
				       __GFP_NORETRY | __GFP_NOWARN);
			if (xa_is_err(old)) {
				kfree(chunk);
				return xa_err(old);
			}
		}
		run->chunk = chunk;
		run->chunk_idx = idx;
	}
	set_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
	return 0;
}

/* Forget @pfn; its chunk stays.  Caller holds the lock that pinned it. */
static void pgc_pin_clear(unsigned long pfn)
{
	struct pgc_pin_chunk *chunk = xa_load(&pgc_pins, pfn / PGC_CHUNK_PAGES);

	if (chunk)
		clear_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
}

/**
 * pgc_inject_owns_pfn() - is a page pinned by the injector?
 * @pfn: page frame number
 *
 * Lockless (RCU); the answer is a snapshot that a concurrent start or
 * release may change at once.
 *
 * Return: true when the injector holds @pfn.
 */
bool pgc_inject_owns_pfn(unsigned long pfn)
{
	struct pgc_pin_chunk *chunk;
	bool ret = false;

	if (!atomic_long_read(&pgc_pinned_total))
		return false;
	rcu_read_lock();
	chunk = xa_load(&pgc_pins, pfn / PGC_CHUNK_PAGES);
	if (chunk)
		ret = test_bit(pfn % PGC_CHUNK_PAGES, chunk->bits);
	rcu_read_unlock();
	return ret;
}

/**
 * pgc_inject_pages_pinned() - pages the injector holds now
 *
 * Return: the number of pinned pages (a racy snapshot).
 */
unsigned long pgc_inject_pages_pinned(void)
{
	return atomic_long_read(&pgc_pinned_total);
}

/**
 * pgc_inject_zone_pinned() - pages the injector holds in one zone
 * @nid: online node id
 * @zone_idx: zone index within the node
 *
 * Return: the number of pinned pages in that zone (a racy snapshot); 0 when
 * the injector is disabled.
 */
unsigned long pgc_inject_zone_pinned(int nid, int zone_idx)
{
	if (!pgc_zone_pinned || nid < 0 || nid >= nr_node_ids ||
	    zone_idx < 0 || zone_idx >= MAX_NR_ZONES)
		return 0;
	return READ_ONCE(pgc_zone_pinned[nid * MAX_NR_ZONES + zone_idx]);
}

/*
 * Count @delta pages (negative: unpinned) starting at @page in the total
 * and in its zone's counter.  The caller holds the lock that guards that
 * counter (see pgc_zone_pinned).
 */
static void pgc_pins_count(struct page *page, long delta)
{
	unsigned long *slot = &pgc_zone_pinned[page_to_nid(page) * MAX_NR_ZONES +
					       page_zonenum(page)];

	atomic_long_add(delta, &pgc_pinned_total);
	WRITE_ONCE(*slot, *slot + delta);
}

/* ---- start and release ----------------------------------------------------- */

/* GFP zone modifier for covering @zidx; false for zones we leave alone. */
static bool pgc_zone_gfp(int zidx, gfp_t *gfp)
{
	switch (zidx) {
#ifdef CONFIG_ZONE_DMA
	case ZONE_DMA:
		*gfp = __GFP_DMA;
		return true;
#endif
#ifdef CONFIG_ZONE_DMA32
	case ZONE_DMA32:
		*gfp = __GFP_DMA32;
		return true;
#endif
	case ZONE_NORMAL:
		*gfp = 0;
		return true;
	default:
		return false;
	}
}

/*
 * Free pages a zone must keep: its high watermark plus a margin of 1/64 of
 * the zone (at least 256 pages), so the box never gets near reclaim or OOM
 * because of the injector.
 */
static unsigned long pgc_zone_floor(struct zone *zone)
{
	return high_wmark_pages(zone) +
	       max(zone_managed_pages(zone) / 64, 256UL);
}

/* Keep the pattern's pages of a split block, free the rest.  Returns pinned. */
static unsigned long pgc_pin_block(struct pgc_run *run, struct page *page,
				   unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), i, pinned = 0;

	for (i = 0; i < (1UL << order); i++) {
		if (pgc_pattern_pins(run, pfn + i)) {
			if (!pgc_pin_record(run, pfn + i)) {
				pinned++;
				continue;
			}
			run->end = PGC_END_NOBITMAP;
		}
		__free_page(pfn_to_page(pfn + i));
	}
	return pinned;
}

/*
 * A seal keeps a block whole, all of it pinned, with its order in
 * page->private and its head on the seal's list (the owner of a page may
 * use both), so that an unseal gives it back in one piece.  Split into
 * order-0 pages, it would come back through the per-cpu lists, where freed
 * pages do not merge until a drain, and the kernel would find no order-1
 * block after the unseal (seen in testing: fork() hit the OOM killer right
 * after an unseal while 1263 freed pages sat on the per-cpu lists).
 * Returns pinned: 2^order, or 0 when the bitmap could not record the block
 * (then it is freed again).
 */
static unsigned long pgc_seal_block(struct pgc_run *run, struct page *page,
				    unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), i;

	for (i = 0; i < (1UL << order); i++) {
		if (pgc_pin_record(run, pfn + i)) {
			run->end = PGC_END_NOBITMAP;
			while (i--)
				pgc_pin_clear(pfn + i);
			__free_pages(page, order);
			return 0;
		}
	}
	set_page_private(page, order);
	list_add_tail(&page->lru, run->seal);
	return 1UL << order;
}

static void pgc_inject_zone(struct pgc_run *run, int nid, int zidx,
			    unsigned long target)
{
	struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];
	unsigned int min_order = max(pgc_pattern_min_order(&run->pattern),
				     run->min_order);
	unsigned int order = MAX_PAGE_ORDER;
	unsigned long floor = pgc_zone_floor(zone);
	unsigned long covered = 0, pinned;
	struct page *page;
	gfp_t gfp;

	if (!pgc_zone_gfp(zidx, &gfp))
		return;
	gfp |= GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN;

	while (covered < target && run->end == PGC_END_DONE) {
		if (fatal_signal_pending(current)) {
			run->end = PGC_END_SIGNAL;
			break;
		}
		while (order > min_order && (1UL << order) > target - covered)
			order--;
		if (zone_page_state(zone, NR_FREE_PAGES) < floor + (1UL << order)) {
			if (order == min_order) {
				run->end = PGC_END_FLOOR;
				break;
			}
			order--;
			continue;
		}
		page = alloc_pages_node(nid, gfp, order);
		if (page && page_zonenum(page) != zidx) {
			/* fell back to a lower zone: this one is used up */
			__free_pages(page, order);
			page = NULL;
		}
		if (!page) {
			if (order == min_order)
				break;
			order--;
			continue;
		}
		if (run->seal) {
			/*
			 * Block by block under pgc_seal_lock, so that the OOM
			 * notifier can end the seal between two blocks.
			 */
			mutex_lock(&pgc_seal_lock);
			if (!pgc_sealed || pgc_seal_gen != run->seal_gen) {
				mutex_unlock(&pgc_seal_lock);
				__free_pages(page, order);
				run->end = PGC_END_UNSEALED;
				break;
			}
			pinned = pgc_seal_block(run, page, order);
			pgc_nr_sealed += pinned;
			pgc_pins_count(page, pinned);
			mutex_unlock(&pgc_seal_lock);
		} else {
			split_page(page, order);
			pinned = pgc_pin_block(run, page, order);
			pgc_pins_count(page, pinned);
		}
		covered += 1UL << order;
		run->covered += 1UL << order;
		run->pinned += pinned;
		/* covered counts the start's blocks; a seal keeps its own */
		if (!run->seal)
			pgc_zone_covered[nid * MAX_NR_ZONES + zidx] += 1UL << order;
		if (run->covered >= run->next_progress) {
			pr_info("inject: %lu MiB covered, %lu MiB pinned so far (node %d zone %s, order %u)\n",
				pgc_pages_to_mb(run->covered),
				pgc_pages_to_mb(run->pinned), nid, zone->name,
				order);
			run->next_progress += PGC_PROGRESS_MB << (20 - PAGE_SHIFT);
		}
		cond_resched();
	}
	if (covered < target && run->end == PGC_END_DONE)
		run->end = PGC_END_NOMEM;
}

/*
 * One pass over every node and zone.  Returns false when the run must stop
 * (signal, no memory for the bitmap); *@result collects zones that fell
 * short of their target.
 */
static bool pgc_inject_pass(struct pgc_run *run, unsigned long *pages_left,
			    enum pgc_run_end *result)
{
	unsigned long target, before;
	int nid, zidx;

	for_each_online_node(nid) {
		/* highest zone first, as the page allocator itself prefers */
		for (zidx = MAX_NR_ZONES - 1; zidx >= 0; zidx--) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];

			if (!populated_zone(zone))
				continue;
			if (run->every_block ||
			    (pgc_amount.percent && pgc_amount.val == 100))
				target = ULONG_MAX;	/* until no block is left */
			else if (pgc_amount.percent)
				target = div_u64((u64)zone_page_state(zone, NR_FREE_PAGES) *
						 pgc_amount.val, 100);
			else
				target = *pages_left;
			if (!target)
				continue;
			before = run->covered;
			pgc_inject_zone(run, nid, zidx, target);
			if (!pgc_amount.percent && !run->every_block)
				*pages_left -= min(*pages_left,
						   run->covered - before);
			if (run->end == PGC_END_SIGNAL ||
			    run->end == PGC_END_NOBITMAP ||
			    run->end == PGC_END_UNSEALED)
				return false;
			/* one zone short of blocks does not stop the others */
			if (run->end != PGC_END_DONE)
				*result = run->end;
			run->end = PGC_END_DONE;
		}
	}
	return true;
}

/*
 * Set the kernel's reserve aside before a start: up to PGC_RESERVE_BLOCKS
 * blocks of PGC_RESERVE_ORDER per covered zone, kept whole and given back
 * when the start ends.  The order is above PAGE_ALLOC_COSTLY_ORDER so that
 * the free goes straight to the buddy lists, where every CPU finds it,
 * rather than to this CPU's per-cpu lists.  Lock held.
 */
static void pgc_reserve_take(void)
{
	struct page *page, *next;
	unsigned long want, i;
	int nid, zidx;
	LIST_HEAD(spare);
	gfp_t gfp;

	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];

			if (!populated_zone(zone) || !pgc_zone_gfp(zidx, &gfp))
				continue;
			gfp |= GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY |
			       __GFP_NOWARN;
			want = max_t(unsigned long, PGC_RESERVE_BLOCKS,
				     (zone_managed_pages(zone) >> PGC_RESERVE_SHIFT) >>
				     PGC_RESERVE_ORDER);
			/*
			 * Keep every other block: the ones freed again are
			 * covered by the pattern, so the kept ones cannot
			 * merge into blocks that a large request would take.
			 */
			for (i = 0; i < 2 * want; i++) {
				page = alloc_pages_node(nid, gfp,
							PGC_RESERVE_ORDER);
				if (!page)
					break;
				if (page_zonenum(page) != zidx) {
					__free_pages(page, PGC_RESERVE_ORDER);
					break;
				}
				/* the owner of a page may use its lru */
				list_add_tail(&page->lru,
					      (i & 1) ? &pgc_reserve : &spare);
				if (i & 1)
					pgc_nr_reserve++;
			}
		}
	}
	list_for_each_entry_safe(page, next, &spare, lru) {
		list_del(&page->lru);
		__free_pages(page, PGC_RESERVE_ORDER);
	}
}

static void pgc_reserve_give_back(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &pgc_reserve, lru) {
		list_del(&page->lru);
		__free_pages(page, PGC_RESERVE_ORDER);
	}
	pgc_nr_reserve = 0;
}

/*
 * Cover every node and zone with the current pattern, keeping the kernel's
 * reserve out of it, then sweep (amount 100% only).  Lock held.
 */
static void pgc_inject_start(void)
{
	u64 t0 = ktime_get_ns();
	struct pgc_run run = {
		.pattern = pgc_pattern,
		.seed = get_random_u64(),
		.end = PGC_END_DONE,
		.next_progress = PGC_PROGRESS_MB << (20 - PAGE_SHIFT),
	};
	enum pgc_run_end result = PGC_END_DONE;
	unsigned long pages_left = 0, before;
	unsigned int round, idle = 0;
	char name[24];
	bool go;

	if (!pgc_amount.percent)
		pages_left = pgc_amount.val >> PAGE_SHIFT;

	pr_info("inject: start, pattern %s, amount %llu%s\n",
		pgc_pattern_fmt(name, sizeof(name), &run.pattern),
		pgc_amount.percent ? pgc_amount.val : pgc_amount.val >> 10,
		pgc_amount.percent ? "% of free memory" : " KiB");

	pgc_reserve_take();
	go = pgc_inject_pass(&run, &pages_left, &result);
	run.min_order = PGC_SWEEP_MIN_ORDER;
	for (round = 1; go && pgc_amount.percent && pgc_amount.val == 100 &&
	     round <= PGC_SWEEP_ROUNDS; round++) {
		if (msleep_interruptible(PGC_SWEEP_MS)) {
			run.end = PGC_END_SIGNAL;
			break;
		}
		before = run.covered;
		go = pgc_inject_pass(&run, &pages_left, &result);
		pr_info("inject: sweep %u: %lu more pages covered\n", round,
			run.covered - before);
		idle = run.covered == before ? idle + 1 : 0;
		if (idle == PGC_SWEEP_QUIET)
			break;
	}
	if (run.end == PGC_END_DONE)
		run.end = result;
	pgc_last_reserve = pgc_nr_reserve;
	pgc_reserve_give_back();
	if (!pgc_amount.percent && pages_left && run.end == PGC_END_DONE)
		run.end = PGC_END_NOMEM;

	pgc_last_pattern = run.pattern;
	pgc_last_seed = run.seed;
	pgc_sweeps = 0;
	pgc_swept_covered = 0;
	pgc_swept_pinned = 0;
	pgc_last_covered = run.covered;
	pgc_last_pinned = run.pinned;
	pgc_last_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	pgc_last_end = run.end;
	pr_info("inject: done in %llu ms: %lu MiB covered, %lu MiB pinned (%s)\n",
		pgc_last_ms, pgc_pages_to_mb(run.covered),
		pgc_pages_to_mb(run.pinned), pgc_run_end_text[run.end]);
}

/*
 * "sweep": one more pass with the pinned start's pattern and seed over every
 * free block above the reserve's order, down to the watermark floor,
 * whatever the amount: what the kernel freed since the start (see Decay
 * above).  Lock held.  Returns 0; -EINVAL when no start's pages are
 * pinned, -EBUSY while sealed (the seal holds every block already); -EINTR
 * or -ENOMEM when a fatal signal or the bitmap's allocation stopped the
 * pass (what it pinned stays pinned and is counted).
 */
static int pgc_inject_sweep(void)
{
	struct pgc_run run = {
		.pattern = pgc_last_pattern,
		.seed = pgc_last_seed,
		.end = PGC_END_DONE,
		.next_progress = PGC_PROGRESS_MB << (20 - PAGE_SHIFT),
		.min_order = PGC_SWEEP_MIN_ORDER,
		.every_block = true,
	};
	enum pgc_run_end result = PGC_END_DONE;
	unsigned long pages_left = 0;

	lockdep_assert_held(&pgc_inject_lock);
	if (!atomic_long_read(&pgc_pinned_total))
		return -EINVAL;
	if (READ_ONCE(pgc_sealed))
		return -EBUSY;
	pgc_inject_pass(&run, &pages_left, &result);
	pgc_sweeps++;
	pgc_swept_covered += run.covered;
	pgc_swept_pinned += run.pinned;
	pr_info("inject: sweep on request: %lu more pages covered, %lu pinned%s%s\n",
		run.covered, run.pinned,
		run.end == PGC_END_DONE ? "" : ", stopped early: ",
		run.end == PGC_END_DONE ? "" : pgc_run_end_text[run.end]);
	if (run.end == PGC_END_SIGNAL)
		return -EINTR;
	return run.end == PGC_END_NOBITMAP ? -ENOMEM : 0;
}

/* ---- seal ---------------------------------------------------------------- */

/*
 * Free exactly the pages the seal pinned, clearing their bits and counts;
 * the start's pins stay.  pgc_seal_lock held.  It is not pgc_inject_lock
 * because the unseal work and the OOM notifier call this too.  Neither can
 * run it at the same time as a start (pages are pinned while sealed) or a
 * release (which unseals first); a seal's passes add to the seal under
 * pgc_seal_lock, block by block.
 */
static void pgc_unseal_locked(enum pgc_seal_end why)
{
	unsigned long pfn, freed = 0, nr, i;
	struct page *page, *next;
	unsigned int order;

	lockdep_assert_held(&pgc_seal_lock);
	if (!pgc_sealed)
		return;
	list_for_each_entry_safe(page, next, &pgc_seal_pages, lru) {
		pfn = page_to_pfn(page);
		order = page_private(page);
		nr = 1UL << order;
		for (i = 0; i < nr; i++)
			pgc_pin_clear(pfn + i);
		pgc_pins_count(page, -(long)nr);
		list_del(&page->lru);
		set_page_private(page, 0);
		/*
		 * Above PAGE_ALLOC_COSTLY_ORDER (the THP order aside) a block
		 * goes straight to the buddy lists; a smaller one to this
		 * CPU's per-cpu list of its order, still whole.
		 */
		__free_pages(page, order);
		freed += nr;
		cond_resched();
	}
	pgc_nr_sealed = 0;
	WRITE_ONCE(pgc_sealed, false);
	pgc_last_seal_end = why;
	pgc_last_seal_held_ms = div_u64(ktime_get_ns() - pgc_seal_t0,
					NSEC_PER_MSEC);
	if (why == PGC_SEAL_OOM)
		pr_warn("inject: %s: %lu sealed pages given back\n",
			pgc_seal_end_text[why], freed);
	else if (why != PGC_SEAL_PROBE)
		pr_info("inject: %s: %lu pages\n", pgc_seal_end_text[why],
			freed);
}

/* The delayed work: the window is over.  Takes only pgc_seal_lock. */
static void pgc_seal_expire(struct work_struct *work)
{
	mutex_lock(&pgc_seal_lock);
	pgc_unseal_locked(PGC_SEAL_TIMER);
	mutex_unlock(&pgc_seal_lock);
}

/*
 * Unseal now, if sealed.  pgc_inject_lock held (or module exit): waiting
 * for the work here is safe because the work never takes that lock.
 */
static void pgc_unseal(enum pgc_seal_end why)
{
	cancel_delayed_work_sync(&pgc_seal_work);
	mutex_lock(&pgc_seal_lock);
	pgc_unseal_locked(why);
	mutex_unlock(&pgc_seal_lock);
}

/*
 * Passes of a seal over every zone until one finds nothing, at most
 * PGC_SEAL_PASSES.  pgc_inject_lock held; pgc_seal_lock is taken block by
 * block (pgc_inject_zone()).  Returns the passes made.
 */
static unsigned int pgc_seal_passes(struct pgc_run *run)
{
	enum pgc_run_end result = PGC_END_DONE;
	unsigned long pages_left = 0, before;
	unsigned int passes = 0;

	lockdep_assert_held(&pgc_inject_lock);
	while (passes < PGC_SEAL_PASSES) {
		before = run->covered;
		passes++;
		if (!pgc_inject_pass(run, &pages_left, &result) ||
		    run->covered == before)
			break;
	}
	return passes;
}

/*
 * Take what the kernel freed since the seal @gen (or the last probe): one
 * more set of passes, with the pins added to the seal (status counts
 * them).  pgc_inject_lock held.
 */
static void pgc_reseal(unsigned int gen)
{
	struct pgc_run run = {
		.pattern = pgc_last_pattern,
		.end = PGC_END_DONE,
		.next_progress = PGC_PROGRESS_MB << (20 - PAGE_SHIFT),
		.every_block = true,
		.seal = &pgc_seal_pages,
		.seal_gen = gen,
	};

	pgc_seal_passes(&run);
	mutex_lock(&pgc_seal_lock);
	pgc_seal_retaken += run.pinned;
	pgc_seal_retakes++;
	mutex_unlock(&pgc_seal_lock);
}

/**
 * pgc_seal() - take every block left, for a bounded window
 * @ms: window in milliseconds, 1..PGC_SEAL_MS_MAX
 * @quiet: not logged (a sealed probe: one write, one line of result)
 *
 * Takes every block still free in the covered zones that holds a period of
 * the pinned start's pattern, the kernel's reserve included, whole, in
 * passes until one finds nothing, and arms the work that unseals @ms ms
 * after the passes ended.  Memory counts as sealed from the first pass on,
 * so that the OOM notifier can end the seal while the passes run; they
 * stop then.  A fatal signal stops the passes early; the seal is armed all
 * the same.  pgc_inject_lock held.
 *
 * Return: 0; -EINVAL when no start's pages are pinned (or allow_inject=0),
 * -EBUSY when already sealed.  Nothing changes on an error.
 */
static int pgc_seal(unsigned int ms, bool quiet)
{
	struct pgc_run run = {
		.pattern = pgc_last_pattern,	/* for its min_order */
		.end = PGC_END_DONE,
		.next_progress = PGC_PROGRESS_MB << (20 - PAGE_SHIFT),
		.every_block = true,
		.seal = &pgc_seal_pages,
	};
	unsigned int passes;
	bool armed = false;
	u64 t0;

	lockdep_assert_held(&pgc_inject_lock);
	if (!pgc_seal_wq || !atomic_long_read(&pgc_pinned_total))
		return -EINVAL;
	/* only pgc_seal() makes a seal, and it runs under pgc_inject_lock */
	if (READ_ONCE(pgc_sealed))
		return -EBUSY;
	/* a timer left by a seal the OOM notifier ended must not end this */
	cancel_delayed_work_sync(&pgc_seal_work);
	t0 = ktime_get_ns();
	mutex_lock(&pgc_seal_lock);
	pgc_nr_sealed = 0;
	pgc_seal_retaken = 0;
	pgc_seal_retakes = 0;
	run.seal_gen = ++pgc_seal_gen;
	pgc_seal_t0 = t0;
	pgc_seal_ms = ms;
	pgc_seal_deadline = jiffies + msecs_to_jiffies(ms);
	pgc_last_seal_pinned = 0;
	pgc_last_seal_pass_ms = 0;
	pgc_last_seal_end = PGC_SEAL_ON;
	WRITE_ONCE(pgc_sealed, true);
	mutex_unlock(&pgc_seal_lock);

	passes = pgc_seal_passes(&run);

	mutex_lock(&pgc_seal_lock);
	pgc_last_seal_pinned = run.pinned;
	pgc_last_seal_pass_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	if (pgc_sealed && pgc_seal_gen == run.seal_gen) {
		pgc_seal_deadline = jiffies + msecs_to_jiffies(ms);
		mod_delayed_work(pgc_seal_wq, &pgc_seal_work,
				 msecs_to_jiffies(ms));
		armed = true;
	}
	mutex_unlock(&pgc_seal_lock);
	if (!quiet)
		pr_info("inject: sealed %lu pages in %llu ms (%u passes), %s\n",
			run.pinned, pgc_last_seal_pass_ms, passes,
			armed ? "unseals by its timer" : "already unsealed");
	return 0;
}

/**
 * pgc_inject_probe_begin() - set up the memory a probe is about to ask for
 * @seal: the probe wants a seal ("ORDER sealed", "SIZE sealed")
 * @ps: filled in, for pgc_inject_probe_end()
 *
 * While a "seal:MS" window is on, first take what the kernel freed since:
 * it keeps freeing memory while sealed (RCU callbacks, slabs emptied by a
 * KASAN quarantine, page tables of exited tasks), and a page freed next to
 * a free one merges into a block of order 1 or more.  With @seal and no
 * seal on, seal now, for the probe alone: pgc_inject_probe_end() unseals
 * right after it, so the kernel is without small blocks for the length of
 * one probe (milliseconds) rather than for a window driven from user
 * space.
 *
 * Return: 0; -EINVAL when @seal and the injector holds no start's pages
 * (or allow_inject=0); -EINTR on a fatal signal.  Probes are serialised
 * by the caller (report.c).
 */
int pgc_inject_probe_begin(bool seal, struct pgc_probe_seal *ps)
{
	unsigned int gen;
	bool sealed;
	int ret = 0;

	ps->sealed = false;
	ps->own = false;
	if (!seal && !READ_ONCE(pgc_sealed))
		return 0;
	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	mutex_lock(&pgc_seal_lock);
	sealed = pgc_sealed;
	gen = pgc_seal_gen;
	mutex_unlock(&pgc_seal_lock);
	if (sealed) {
		pgc_reseal(gen);
		ps->sealed = true;
	} else if (seal) {
		ret = pgc_seal(PGC_SEAL_MS_DEFAULT, true);
		ps->sealed = !ret;
		ps->own = !ret;
	}
	/* changes only in pgc_seal(), under pgc_inject_lock */
	ps->gen = pgc_seal_gen;
	mutex_unlock(&pgc_inject_lock);
	return ret;
}

/**
 * pgc_inject_probe_end() - after the probe: unseal a probe's own seal
 * @ps: as filled in by pgc_inject_probe_begin()
 *
 * Return: true when memory was sealed from pgc_inject_probe_begin() to
 * here without a break (not unsealed by its timer, by "unseal" or for the
 * OOM killer in between), false otherwise or when it was not sealed.
 */
bool pgc_inject_probe_end(struct pgc_probe_seal *ps)
{
	bool held;

	if (!ps->sealed)
		return false;
	mutex_lock(&pgc_inject_lock);
	mutex_lock(&pgc_seal_lock);
	held = pgc_sealed && pgc_seal_gen == ps->gen;
	mutex_unlock(&pgc_seal_lock);
	if (held && ps->own)
		pgc_unseal(PGC_SEAL_PROBE);
	mutex_unlock(&pgc_inject_lock);
	return held;
}

/*
 * Free the pages pinned in one bitmap chunk, drop the chunk, and return how
 * many were freed; *@progress counts across calls for the log.
 * pgc_inject_lock held and not sealed (a seal's pins are in the bitmap too).
 */
static unsigned long pgc_release_chunk(unsigned long idx,
				       struct pgc_pin_chunk *chunk,
				       unsigned long *progress)
{
	unsigned long base = idx * PGC_CHUNK_PAGES, bit, freed = 0;
	struct page *page;

	for_each_set_bit(bit, chunk->bits, PGC_CHUNK_PAGES) {
		page = pfn_to_page(base + bit);
		clear_bit(bit, chunk->bits);
		pgc_pins_count(page, -1);
		__free_page(page);
		freed++;
		if (!(++*progress % 1024))
			cond_resched();
		if (!(*progress % (PGC_PROGRESS_MB << (20 - PAGE_SHIFT))))
			pr_info("inject: %lu MiB released so far\n",
				pgc_pages_to_mb(*progress));
	}
	xa_erase(&pgc_pins, idx);
	kfree_rcu(chunk, rcu);
	return freed;
}

/* Give every pinned page back, unsealing first.  Lock held (or unload). */
static void pgc_inject_release(void)
{
	unsigned long idx, freed = 0, progress = 0;
	struct pgc_pin_chunk *chunk;

	pgc_unseal(PGC_SEAL_RELEASE);
	if (!atomic_long_read(&pgc_pinned_total) && xa_empty(&pgc_pins))
		return;
	xa_for_each(&pgc_pins, idx, chunk)
		freed += pgc_release_chunk(idx, chunk, &progress);
	memset(pgc_zone_covered, 0,
	       nr_node_ids * MAX_NR_ZONES * sizeof(*pgc_zone_covered));
	pr_info("inject: released %lu pages (%lu MiB)\n", freed,
		pgc_pages_to_mb(freed));
}

/* The OOM path's share of a seal: all of it.  Returns the pages freed. */
static unsigned long pgc_oom_unseal(void)
{
	unsigned long nr;

	if (!mutex_trylock(&pgc_seal_lock)) {
		pgc_oom_missed++;
		return 0;
	}
	nr = pgc_sealed ? pgc_nr_sealed : 0;
	pgc_unseal_locked(PGC_SEAL_OOM);
	pgc_oom_sealed_freed += nr;
	mutex_unlock(&pgc_seal_lock);
	return nr;
}

/*
 * The OOM path's share of a start's pins: those of one bitmap chunk (a
 * chunk maps 127 MiB with 4 KiB pages; a checkerboard pins half of it),
 * which gives the kernel large free blocks at once, though not
 * necessarily in the zone or node that ran out.  Returns the pages freed.
 */
static unsigned long pgc_oom_unpin(void)
{
	struct pgc_pin_chunk *chunk;
	unsigned long idx, nr = 0, progress = 0;

	if (!mutex_trylock(&pgc_inject_lock)) {
		pgc_oom_missed++;
		return 0;
	}
	if (!mutex_trylock(&pgc_seal_lock)) {
		mutex_unlock(&pgc_inject_lock);
		pgc_oom_missed++;
		return 0;
	}
	if (!pgc_sealed) {
		xa_for_each(&pgc_pins, idx, chunk) {
			nr = pgc_release_chunk(idx, chunk, &progress);
			if (nr)
				break;
		}
		/* all gone: idle again, as after a release */
		if (!atomic_long_read(&pgc_pinned_total))
			memset(pgc_zone_covered, 0, nr_node_ids * MAX_NR_ZONES *
			       sizeof(*pgc_zone_covered));
	}
	pgc_oom_pins_freed += nr;
	mutex_unlock(&pgc_seal_lock);
	mutex_unlock(&pgc_inject_lock);
	if (nr)
		pr_warn("inject: the kernel ran out of memory: %lu pinned pages given back, %lu still pinned\n",
			nr, atomic_long_read(&pgc_pinned_total));
	return nr;
}

/*
 * The OOM killer's last resort.  out_of_memory() calls its notifiers
 * before it picks a victim and kills nobody when one of them gave pages
 * back.  The injector exists to make allocations fail, and the kernel may
 * need a small block it no longer has (a fork, a slab growing; the debug
 * kernel's KASAN quarantine keeps slabs from being reused for a while).
 * Rather than a task killed, or a panic when none is left to kill, the
 * injector gives way: a seal ends early and gives everything back (a seal
 * takes pgc_seal_lock block by block, so this works while its passes
 * run); without a seal, one bitmap chunk of a start's pins is freed, and
 * the next call frees another.  Trylocks only: the notifier runs inside
 * some task's allocation, which may hold one of these locks (reclaim from
 * within a probe or a start).  A call that finds the injector busy gives
 * nothing (status counts it) and the OOM killer goes ahead; that happens
 * while a start runs (it holds pgc_inject_lock for its whole length, with
 * the kernel's reserve set aside), while a sweep runs, or while a control
 * file is being read or written.  The counters are written under the
 * oom_lock the notifiers run under.
 */
static int pgc_inject_oom_notify(struct notifier_block *nb,
				 unsigned long unused, void *parm)
{
	unsigned long *freed = parm, nr = 0;

	if (READ_ONCE(pgc_sealed))
		nr = pgc_oom_unseal();
	else if (atomic_long_read(&pgc_pinned_total))
		nr = pgc_oom_unpin();
	*freed += nr;
	return nr ? NOTIFY_OK : NOTIFY_DONE;
}

static struct notifier_block pgc_inject_oom_nb = {
	.notifier_call = pgc_inject_oom_notify,
};

/* ---- debugfs --------------------------------------------------------------- */

static int pgc_pattern_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_inject_lock);
	pgc_pattern_print(m, &pgc_pattern);
	mutex_unlock(&pgc_inject_lock);
	seq_putc(m, '\n');
	return 0;
}

static ssize_t pgc_pattern_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	struct pgc_pattern p;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = pgc_pattern_parse(buf, &p);
	if (ret)
		return ret;
	mutex_lock(&pgc_inject_lock);
	pgc_pattern = p;
	mutex_unlock(&pgc_inject_lock);
	return count;
}

static int pgc_amount_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_inject_lock);
	pgc_amount_print(m, &pgc_amount);
	mutex_unlock(&pgc_inject_lock);
	seq_putc(m, '\n');
	return 0;
}

static ssize_t pgc_amount_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	struct pgc_amount a;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = pgc_amount_parse(buf, &a);
	if (ret)
		return ret;
	mutex_lock(&pgc_inject_lock);
	pgc_amount = a;
	mutex_unlock(&pgc_inject_lock);
	return count;
}

/* "idle", "pinned" or "sealed" (racy snapshot, no lock: see pgc_sealed) */
static const char *pgc_state_text(void)
{
	if (READ_ONCE(pgc_sealed))
		return "sealed";
	return atomic_long_read(&pgc_pinned_total) ? "pinned" : "idle";
}

static int pgc_control_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", pgc_state_text());
	return 0;
}

enum pgc_control_op {
	PGC_CTL_START,
	PGC_CTL_SWEEP,
	PGC_CTL_RELEASE,
	PGC_CTL_SEAL,
	PGC_CTL_UNSEAL,
};

/*
 * "start", "sweep", "release", "seal", "seal:MS" or "unseal".  MS is
 * decimal only (a leading zero does not mean octal), 1..PGC_SEAL_MS_MAX.
 */
static int pgc_control_parse(const char *s, enum pgc_control_op *op,
			     unsigned int *ms)
{
	static const struct {
		const char *word;
		enum pgc_control_op op;
	} words[] = {
		{ "start", PGC_CTL_START },
		{ "sweep", PGC_CTL_SWEEP },
		{ "release", PGC_CTL_RELEASE },
		{ "seal", PGC_CTL_SEAL },
		{ "unseal", PGC_CTL_UNSEAL },
	};
	unsigned long v;
	size_t i, n;
	int ret;

	*ms = PGC_SEAL_MS_DEFAULT;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcmp(s, words[i].word)) {
			*op = words[i].op;
			return 0;
		}
	}
	n = str_has_prefix(s, "seal:");
	if (!n || !isdigit(s[n]))
		return -EINVAL;
	ret = kstrtoul(s + n, 10, &v);
	if (ret)
		return ret;
	if (v < 1 || v > PGC_SEAL_MS_MAX)
		return -ERANGE;
	*op = PGC_CTL_SEAL;
	*ms = v;
	return 0;
}

static ssize_t pgc_control_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	enum pgc_control_op op;
	unsigned int ms;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = pgc_control_parse(buf, &op, &ms);
	if (ret)
		return ret;

	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	switch (op) {
	case PGC_CTL_START:
		if (atomic_long_read(&pgc_pinned_total))
			ret = -EBUSY;
		else
			pgc_inject_start();
		break;
	case PGC_CTL_SWEEP:
		ret = pgc_inject_sweep();
		break;
	case PGC_CTL_RELEASE:
		pgc_inject_release();
		break;
	case PGC_CTL_SEAL:
		ret = pgc_seal(ms, false);
		break;
	case PGC_CTL_UNSEAL:
		pgc_unseal(PGC_SEAL_REQUEST);
		break;
	}
	mutex_unlock(&pgc_inject_lock);
	return ret ? ret : count;
}

/* The seal's lines of status.  Both locks held. */
static void pgc_seal_show(struct seq_file *m)
{
	long left;

	if (pgc_sealed) {
		left = (long)(pgc_seal_deadline - jiffies);
		seq_printf(m, "sealed: %lu pages, unseals in %u ms\n",
			   pgc_nr_sealed,
			   left > 0 ? jiffies_to_msecs(left) : 0);
	} else {
		seq_puts(m, "not sealed\n");
	}
	if (pgc_last_seal_end != PGC_SEAL_NONE) {
		seq_printf(m, "last seal: %lu pages in %llu ms, window %u ms, %s",
			   pgc_last_seal_pinned, pgc_last_seal_pass_ms,
			   pgc_seal_ms, pgc_seal_end_text[pgc_last_seal_end]);
		if (pgc_last_seal_end != PGC_SEAL_ON)
			seq_printf(m, " (sealed for %llu ms)",
				   pgc_last_seal_held_ms);
		seq_putc(m, '\n');
	}
	if (pgc_last_seal_end != PGC_SEAL_NONE && pgc_seal_retakes)
		seq_printf(m, "last seal: %lu more pages taken at %u probes\n",
			   pgc_seal_retaken, pgc_seal_retakes);
	if (pgc_oom_sealed_freed || pgc_oom_pins_freed || pgc_oom_missed)
		seq_printf(m, "given to the OOM path: %lu sealed pages, %lu pinned pages; %u calls found the injector busy\n",
			   READ_ONCE(pgc_oom_sealed_freed),
			   READ_ONCE(pgc_oom_pins_freed),
			   READ_ONCE(pgc_oom_missed));
}

static int pgc_status_show(struct seq_file *m, void *unused)
{
	unsigned long pinned;
	int nid, zidx;
	gfp_t gfp;

	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	pinned = atomic_long_read(&pgc_pinned_total);
	seq_puts(m, "pattern: ");
	pgc_pattern_print(m, &pgc_pattern);
	seq_puts(m, "\namount: ");
	pgc_amount_print(m, &pgc_amount);
	mutex_lock(&pgc_seal_lock);
	seq_printf(m, "\nstate: %s\n", pgc_state_text());
	seq_printf(m, "pinned: %lu pages (%lu MiB)\n", pinned,
		   pgc_pages_to_mb(pinned));
	pgc_seal_show(m);
	mutex_unlock(&pgc_seal_lock);
	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];
			unsigned long i = nid * MAX_NR_ZONES + zidx;

			if (!populated_zone(zone) || !pgc_zone_gfp(zidx, &gfp))
				continue;
			seq_printf(m, "node %d zone %-8s pinned %lu pages, covered %lu pages\n",
				   nid, zone->name, pgc_zone_pinned[i],
				   pgc_zone_covered[i]);
		}
	}
	if (pgc_last_end != PGC_END_NONE) {
		seq_puts(m, "last start: ");
		pgc_pattern_print(m, &pgc_last_pattern);
		seq_printf(m, ", %lu MiB covered, %lu MiB pinned in %llu ms (%s)\n",
			   pgc_pages_to_mb(pgc_last_covered),
			   pgc_pages_to_mb(pgc_last_pinned), pgc_last_ms,
			   pgc_run_end_text[pgc_last_end]);
		seq_printf(m, "kernel reserve: %lu blocks of order %d left free\n",
			   pgc_last_reserve, PGC_RESERVE_ORDER);
		seq_printf(m, "sweeps since: %u, %lu pages covered, %lu pinned\n",
			   pgc_sweeps, pgc_swept_covered, pgc_swept_pinned);
	}
	mutex_unlock(&pgc_inject_lock);
	return 0;
}

/* Not DEFINE_SHOW_ATTRIBUTE(): read inside a seal, see PGC_LAB_SEQ_BUF. */
static int pgc_status_open(struct inode *inode, struct file *file)
{
	return pgc_lab_single_open(file, pgc_status_show);
}

static const struct file_operations pgc_status_fops = {
	.owner = THIS_MODULE,
	.open = pgc_status_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

PGC_RW_FOPS(pgc_pattern);
PGC_RW_FOPS(pgc_amount);
PGC_RW_FOPS(pgc_control);

/**
 * pgc_inject_init() - create debugfs inject/ when allow_inject=1
 *
 * Also registers the injector's OOM notifier (pgc_inject_oom_notify()).
 *
 * Return: 0, -ENOMEM when the per-zone counters or the seal's workqueue
 * cannot be allocated, or the error of register_oom_notifier().
 */
int pgc_inject_init(void)
{
	struct dentry *dir;
	size_t n = nr_node_ids * MAX_NR_ZONES;
	int ret = -ENOMEM;

	if (!pgc_allow_inject)
		return 0;
	pgc_zone_pinned = kcalloc(n, sizeof(*pgc_zone_pinned), GFP_KERNEL);
	pgc_zone_covered = kcalloc(n, sizeof(*pgc_zone_covered), GFP_KERNEL);
	/* WQ_MEM_RECLAIM: a rescuer unseals when no kworker can be forked */
	pgc_seal_wq = alloc_workqueue("pgcluster_seal",
				      WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!pgc_zone_pinned || !pgc_zone_covered || !pgc_seal_wq)
		goto fail;
	ret = register_oom_notifier(&pgc_inject_oom_nb);
	if (ret)
		goto fail;
	dir = debugfs_create_dir("inject", pgc_debugfs_root);
	debugfs_create_file("pattern", 0600, dir, NULL, &pgc_pattern_fops);
	debugfs_create_file("amount", 0600, dir, NULL, &pgc_amount_fops);
	debugfs_create_file("control", 0600, dir, NULL, &pgc_control_fops);
	debugfs_create_file("status", 0400, dir, NULL, &pgc_status_fops);
	return 0;

fail:
	if (pgc_seal_wq)
		destroy_workqueue(pgc_seal_wq);
	kfree(pgc_zone_pinned);
	kfree(pgc_zone_covered);
	pgc_seal_wq = NULL;
	pgc_zone_pinned = NULL;
	pgc_zone_covered = NULL;
	return ret;
}

/**
 * pgc_inject_exit() - unseal and release every pinned page
 *
 * Called after the debugfs tree is gone, so no writer can race; the OOM
 * notifier can, until it is unregistered, and takes the same locks.  The
 * release cancels the unseal work (waiting for it if it runs), so the
 * workqueue is idle when it is destroyed.
 */
void pgc_inject_exit(void)
{
	if (!pgc_zone_pinned)
		return;
	mutex_lock(&pgc_inject_lock);
	pgc_inject_release();
	mutex_unlock(&pgc_inject_lock);
	unregister_oom_notifier(&pgc_inject_oom_nb);
	destroy_workqueue(pgc_seal_wq);
	pgc_seal_wq = NULL;
	kfree(pgc_zone_pinned);
	kfree(pgc_zone_covered);
	pgc_zone_pinned = NULL;
	pgc_zone_covered = NULL;
}
