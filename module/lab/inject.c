// SPDX-License-Identifier: GPL-2.0
/*
 * The injector: start, sweep and release.
 *
 * A start makes real fragmentation out of real kernel allocations.  It
 * takes blocks of free memory from the buddy allocator, highest order
 * first (GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN with
 * the zone modifier of the zone being covered), split_page()s each block,
 * keeps the pages the pattern selects and frees the others at once.  The
 * pinned pages are ordinary unmovable kernel pages, so compaction cannot
 * undo the pattern.  The order only goes down, and stops at the smallest
 * order that holds a period of the pattern; a zone's covering ends there,
 * at the target, or at its watermark floor.  DMA, DMA32 and Normal zones
 * are covered; movable and device memory are left alone.
 *
 * Before a start, a reserve of order-PGC_RESERVE_ORDER blocks per zone is
 * set aside and given back at the end, so the kernel keeps a few small
 * blocks of its own (fork, slab growth).  With amount 100%, sweeps follow
 * the first pass until two in a row find nothing; "sweep" makes one more
 * such pass on request, over blocks above the reserve's order.
 *
 * A seal (seal.c) runs the same passes with run->seal set: blocks are
 * handed to pgc_seal_add() whole instead of being split.
 *
 * Locking: pgc_inject_lock serialises the settings, start, sweep, release
 * and the making of a seal; a start holds it for its whole length.  A
 * fatal signal stops a start early (what was pinned stays pinned).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/vmstat.h>

#include "lab.h"
#include "trace.h"

/*
 * The kernel's reserve, per zone: at least PGC_RESERVE_BLOCKS blocks and
 * 1/2^PGC_RESERVE_SHIFT of the zone.  The order is above
 * PAGE_ALLOC_COSTLY_ORDER, so the blocks go back to the buddy lists, where
 * every CPU finds them, not to one CPU's per-cpu lists.
 */
#define PGC_RESERVE_ORDER	4
#define PGC_RESERVE_BLOCKS	8
#define PGC_RESERVE_SHIFT	8

#define PGC_SWEEP_ROUNDS	8
#define PGC_SWEEP_MS		250
#define PGC_SWEEP_QUIET		2	/* stop after this many empty sweeps */
#define PGC_SWEEP_MIN_ORDER	(PGC_RESERVE_ORDER + 1)

/* settings, start, sweep, release, making a seal; see lab.h */
DEFINE_MUTEX(pgc_inject_lock);

/* .pattern is set at init: pgc_pattern_default is not a constant */
struct pgc_inject_state pgc_inj = {
	.amount = { .percent = true, .val = 90 },
};

const char *const pgc_run_end_text[] = {
	[PGC_END_NONE] = "none yet",
	[PGC_END_DONE] = "target reached",
	[PGC_END_NOMEM] = "buddy allocator ran out of suitable blocks",
	[PGC_END_FLOOR] = "stopped at a zone's watermark safety floor",
	[PGC_END_SIGNAL] = "interrupted by a signal",
	[PGC_END_NOBITMAP] = "out of memory for the pinned-page bitmap",
	[PGC_END_UNSEALED] = "the seal ended during its passes",
};

static LIST_HEAD(pgc_reserve);		/* the kernel's reserve during a start */
static unsigned long pgc_nr_reserve;

/**
 * pgc_run_init() - set up a run of passes
 * @run: the run
 * @pattern: the pattern it lays, or whose period bounds a seal's blocks
 * @seed: the seed of a random pattern
 * @min_order: smallest block to take besides the pattern's period
 */
void pgc_run_init(struct pgc_run *run, const struct pgc_pattern *pattern,
		  u64 seed, unsigned int min_order)
{
	*run = (struct pgc_run) {
		.pattern = *pattern,
		.seed = seed,
		.min_order = min_order,
		.end = PGC_END_DONE,
		.next_progress = PGC_PROGRESS_MB << (20 - PAGE_SHIFT),
	};
}

/**
 * pgc_zone_covers() - does the injector cover a zone, and with what flag
 * @zidx: zone index
 * @gfp: set to the zone's GFP modifier
 *
 * Return: true for DMA, DMA32 and Normal.
 */
bool pgc_zone_covers(int zidx, gfp_t *gfp)
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
	const struct pgc_pattern_type *t = run->pattern.type;
	unsigned long pfn = page_to_pfn(page), i, pinned = 0;

	for (i = 0; i < (1UL << order); i++) {
		if (t->pins(run->pattern.arg, run->seed, pfn + i)) {
			if (!pgc_pin_record(&run->cur, pfn + i)) {
				pinned++;
				continue;
			}
			run->end = PGC_END_NOBITMAP;
		}
		__free_page(pfn_to_page(pfn + i));
	}
	return pinned;
}

static void pgc_inject_zone(struct pgc_run *run, int nid, int zidx,
			    unsigned long target)
{
	struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];
	unsigned int min_order =
		max(run->pattern.type->period_order(run->pattern.arg),
		    run->min_order);
	unsigned int order = MAX_PAGE_ORDER;
	unsigned long floor = pgc_zone_floor(zone);
	unsigned long covered = 0, pinned;
	struct page *page;
	long sealed;
	gfp_t gfp;

	if (!pgc_zone_covers(zidx, &gfp))
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
			sealed = pgc_seal_add(run, page, order);
			if (sealed < 0) {
				run->end = PGC_END_UNSEALED;
				break;
			}
			pinned = sealed;
		} else {
			split_page(page, order);
			pinned = pgc_pin_block(run, page, order);
			pgc_pins_count(page, pinned);
			/* covered counts the start's blocks; a seal keeps its own */
			pgc_zone_covered_add(nid, zidx, 1UL << order);
		}
		covered += 1UL << order;
		run->covered += 1UL << order;
		run->pinned += pinned;
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

/**
 * pgc_inject_pass() - one pass of a run over every node and zone
 * @run: the run
 * @pages_left: for an amount in bytes, what is still to cover
 * @result: collects how zones that fell short of their target ended
 *
 * Context: pgc_inject_lock held.
 * Return: false when the run must stop (signal, no memory for the bitmap,
 * the seal ended).
 */
bool pgc_inject_pass(struct pgc_run *run, unsigned long *pages_left,
		     enum pgc_run_end *result)
{
	const struct pgc_amount *amount = &pgc_inj.amount;
	unsigned long target, before;
	int nid, zidx;

	for_each_online_node(nid) {
		/* highest zone first, as the page allocator itself prefers */
		for (zidx = MAX_NR_ZONES - 1; zidx >= 0; zidx--) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];

			if (!populated_zone(zone))
				continue;
			if (run->every_block || pgc_amount_all(amount))
				target = ULONG_MAX;	/* until no block is left */
			else if (amount->percent)
				target = div_u64((u64)zone_page_state(zone, NR_FREE_PAGES) *
						 amount->val, 100);
			else
				target = *pages_left;
			if (!target)
				continue;
			before = run->covered;
			pgc_inject_zone(run, nid, zidx, target);
			if (!amount->percent && !run->every_block)
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
 * Set the kernel's reserve aside before a start, kept whole and given back
 * when the start ends.  Every other block taken is freed again at once: the
 * pattern covers those, so the kept ones cannot merge into blocks a large
 * request would take.  pgc_inject_lock held.
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

			if (!populated_zone(zone) || !pgc_zone_covers(zidx, &gfp))
				continue;
			gfp |= GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY |
			       __GFP_NOWARN;
			want = max_t(unsigned long, PGC_RESERVE_BLOCKS,
				     (zone_managed_pages(zone) >> PGC_RESERVE_SHIFT) >>
				     PGC_RESERVE_ORDER);
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

/**
 * pgc_inject_start() - cover every zone with the current pattern
 *
 * Keeps the kernel's reserve out of it, then sweeps (amount 100% only).
 * Records how it went in pgc_inj.
 *
 * Context: pgc_inject_lock held, nothing pinned.
 */
void pgc_inject_start(void)
{
	const struct pgc_amount *amount = &pgc_inj.amount;
	enum pgc_run_end result = PGC_END_DONE;
	unsigned long pages_left = 0, before;
	unsigned int round, idle = 0;
	u64 t0 = ktime_get_ns();
	struct pgc_run run;
	char name[32];
	bool go;

	pgc_run_init(&run, &pgc_inj.pattern, get_random_u64(), 0);
	if (!amount->percent)
		pages_left = amount->val >> PAGE_SHIFT;

	pr_info("inject: start, pattern %s, amount %llu%s\n",
		pgc_pattern_fmt(name, sizeof(name), &run.pattern),
		amount->percent ? amount->val : amount->val >> 10,
		amount->percent ? "% of free memory" : " KiB");

	pgc_reserve_take();
	go = pgc_inject_pass(&run, &pages_left, &result);
	run.min_order = PGC_SWEEP_MIN_ORDER;
	for (round = 1; go && pgc_amount_all(amount) &&
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
	pgc_inj.last_reserve = pgc_nr_reserve;
	pgc_reserve_give_back();
	if (!amount->percent && pages_left && run.end == PGC_END_DONE)
		run.end = PGC_END_NOMEM;

	pgc_inj.last_pattern = run.pattern;
	pgc_inj.last_seed = run.seed;
	pgc_inj.sweeps = 0;
	pgc_inj.swept_covered = 0;
	pgc_inj.swept_pinned = 0;
	pgc_inj.last_covered = run.covered;
	pgc_inj.last_pinned = run.pinned;
	pgc_inj.last_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	pgc_inj.last_end = run.end;
	trace_pgcluster_lab(PGC_TRACE_LAB_START, &run.pattern, run.pinned);
	pr_info("inject: done in %llu ms: %lu MiB covered, %lu MiB pinned (%s)\n",
		pgc_inj.last_ms, pgc_pages_to_mb(run.covered),
		pgc_pages_to_mb(run.pinned), pgc_run_end_text[run.end]);
}

/**
 * pgc_inject_sweep() - one more pass with the pinned start's pattern
 *
 * Covers what the kernel freed since the start: every free block above the
 * reserve's order (and no smaller than a period of the pattern), down to
 * the watermark floor, whatever the amount.  Status counts the sweeps.
 *
 * Context: pgc_inject_lock held.
 * Return: 0; -EINVAL when no start's pages are pinned, -EBUSY while sealed
 * (the seal holds every block already); -EINTR or -ENOMEM when a fatal
 * signal or the bitmap's allocation stopped the pass (what it pinned stays
 * pinned and is counted).
 */
int pgc_inject_sweep(void)
{
	enum pgc_run_end result = PGC_END_DONE;
	unsigned long pages_left = 0;
	struct pgc_run run;

	lockdep_assert_held(&pgc_inject_lock);
	if (!pgc_inject_pages_pinned())
		return -EINVAL;
	if (pgc_seal_on())
		return -EBUSY;
	pgc_run_init(&run, &pgc_inj.last_pattern, pgc_inj.last_seed,
		     PGC_SWEEP_MIN_ORDER);
	run.every_block = true;
	pgc_inject_pass(&run, &pages_left, &result);
	pgc_inj.sweeps++;
	pgc_inj.swept_covered += run.covered;
	pgc_inj.swept_pinned += run.pinned;
	pr_info("inject: sweep on request: %lu more pages covered, %lu pinned%s%s\n",
		run.covered, run.pinned,
		run.end == PGC_END_DONE ? "" : ", stopped early: ",
		run.end == PGC_END_DONE ? "" : pgc_run_end_text[run.end]);
	if (run.end == PGC_END_SIGNAL)
		return -EINTR;
	return run.end == PGC_END_NOBITMAP ? -ENOMEM : 0;
}

/**
 * pgc_inject_release() - unseal, then give every pinned page back
 *
 * Context: pgc_inject_lock held (or module exit).
 */
void pgc_inject_release(void)
{
	unsigned long freed;

	pgc_unseal(PGC_SEAL_RELEASE);
	if (!pgc_pins_held())
		return;
	freed = pgc_pins_free(false);
	trace_pgcluster_lab(PGC_TRACE_LAB_RELEASE, &pgc_inj.last_pattern, freed);
	pr_info("inject: released %lu pages (%lu MiB)\n", freed,
		pgc_pages_to_mb(freed));
}

/**
 * pgc_inject_show() - status: the last start and the sweeps since
 * @m: the seq_file
 *
 * Context: pgc_inject_lock held.
 */
void pgc_inject_show(struct seq_file *m)
{
	if (pgc_inj.last_end == PGC_END_NONE)
		return;
	seq_puts(m, "last start: ");
	pgc_pattern_print(m, &pgc_inj.last_pattern);
	seq_printf(m, ", %lu MiB covered, %lu MiB pinned in %llu ms (%s)\n",
		   pgc_pages_to_mb(pgc_inj.last_covered),
		   pgc_pages_to_mb(pgc_inj.last_pinned), pgc_inj.last_ms,
		   pgc_run_end_text[pgc_inj.last_end]);
	seq_printf(m, "kernel reserve: %lu blocks of order %d left free\n",
		   pgc_inj.last_reserve, PGC_RESERVE_ORDER);
	seq_printf(m, "sweeps since: %u, %lu pages covered, %lu pinned\n",
		   pgc_inj.sweeps, pgc_inj.swept_covered, pgc_inj.swept_pinned);
}
