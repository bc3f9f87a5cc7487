// SPDX-License-Identifier: GPL-2.0
/*
 * The seal: a short, bounded window in which the injector also takes the
 * kernel's reserve and every other block left, so that even order-1
 * requests fail.  Only while a start's pages are pinned.
 *
 * A seal runs the start's passes over every covered zone, down to the
 * smallest order that holds a period of the last start's pattern, until a
 * pass finds nothing (PGC_SEAL_PASSES at most).  It keeps each block whole
 * (pgc_seal_add()) on a list, and an unseal frees exactly those blocks,
 * whole: pages freed one by one would sit unmerged on the per-cpu lists
 * and the kernel would find no small block after the unseal.  The start's
 * pattern stays as it was.
 *
 * A seal ends by its timer (a delayed work MS ms after its passes), on
 * "unseal", "release" or unload, after a sealed probe, or when the kernel
 * runs out of memory: the OOM notifier gives the seal back before a task
 * would be killed; unsealed, it gives back one bitmap chunk of a start's
 * pins per call instead.
 *
 * Lock order:
 *   pgc_probe_lock (probes.c)
 *     pgc_inject_lock (inject.c)
 *       pgc_seal_st.lock
 *
 * pgc_seal_st.lock guards the state below and is the only lock the unseal
 * work takes, so a writer holding pgc_inject_lock may wait for the work
 * (cancel_delayed_work_sync()); nothing waits for the work with the seal's
 * lock held.  A seal is made under pgc_inject_lock, and its passes take
 * the seal's lock block by block, so the OOM notifier can end a seal while
 * its passes run.  The notifier only trylocks: it runs inside some task's
 * allocation, which may hold either lock.  The work runs on a
 * WQ_MEM_RECLAIM workqueue, whose rescuer runs it when no kworker can be
 * forked because memory is sealed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "lab.h"
#include "trace.h"

#define PGC_SEAL_PASSES		4

static void pgc_seal_expire(struct work_struct *work);

static struct pgc_seal_state {
	struct mutex lock;		/* everything below; see the lock order */
	struct list_head pages;		/* the seal's blocks, through page->lru */
	unsigned long nr;		/* pages on @pages */
	bool on;			/* read racily by control and probes */
	unsigned int gen;		/* seals made so far */
	unsigned int ms;		/* the window asked for */
	unsigned long deadline;		/* jiffies of the automatic unseal */
	u64 t0;				/* ktime_get_ns() at the first pass */
	/* the last seal, for status */
	unsigned long last_pinned;
	u64 last_pass_ms;		/* how long its passes took */
	u64 last_held_ms;		/* from the first pass to the unseal */
	enum pgc_seal_end last_end;
	unsigned long retaken;		/* pages taken again at probes */
	unsigned int retakes;		/* probes that re-sealed */
	/* given to the OOM path; written under the kernel's oom_lock */
	unsigned long oom_sealed_freed;	/* sealed pages */
	unsigned long oom_pins_freed;	/* a start's pinned pages */
	unsigned int oom_missed;	/* calls that found the injector busy */
	struct workqueue_struct *wq;
	struct delayed_work work;	/* the timer */
} pgc_seal_st = {
	.lock = __MUTEX_INITIALIZER(pgc_seal_st.lock),
	.pages = LIST_HEAD_INIT(pgc_seal_st.pages),
	.work = __DELAYED_WORK_INITIALIZER(pgc_seal_st.work, pgc_seal_expire, 0),
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

/**
 * pgc_seal_on() - is memory sealed
 *
 * Return: a racy snapshot; only pgc_seal() seals, under pgc_inject_lock.
 */
bool pgc_seal_on(void)
{
	return READ_ONCE(pgc_seal_st.on);
}

/*
 * Keep a block whole, all of it pinned, with its order in page->private and
 * its head on the seal's list (the owner of a page may use both).  Returns
 * the pages pinned: 2^order, or 0 when the bitmap could not record the
 * block (then it is freed again).  The seal's lock held.
 */
static unsigned long pgc_seal_block(struct pgc_run *run, struct page *page,
				    unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), i;

	for (i = 0; i < (1UL << order); i++) {
		if (pgc_pin_record(&run->cur, pfn + i)) {
			run->end = PGC_END_NOBITMAP;
			while (i--)
				pgc_pin_clear(pfn + i);
			__free_pages(page, order);
			return 0;
		}
	}
	set_page_private(page, order);
	list_add_tail(&page->lru, &pgc_seal_st.pages);
	return 1UL << order;
}

/**
 * pgc_seal_add() - add a block a seal's pass took to the seal
 * @run: the seal's run
 * @page: the block, not split
 * @order: its order
 *
 * Takes the seal's lock for this block alone, so that the OOM notifier can
 * end the seal between two blocks.
 *
 * Return: the pages pinned (0 when the bitmap could not grow: run->end
 * says so), or -1 when the seal @run belongs to has ended (the block is
 * freed).
 */
long pgc_seal_add(struct pgc_run *run, struct page *page, unsigned int order)
{
	unsigned long pinned;

	mutex_lock(&pgc_seal_st.lock);
	if (!pgc_seal_st.on || pgc_seal_st.gen != run->seal_gen) {
		mutex_unlock(&pgc_seal_st.lock);
		__free_pages(page, order);
		return -1;
	}
	pinned = pgc_seal_block(run, page, order);
	pgc_seal_st.nr += pinned;
	pgc_pins_count(page, pinned);
	mutex_unlock(&pgc_seal_st.lock);
	return pinned;
}

/*
 * Free exactly the blocks the seal pinned, clearing their bits and counts;
 * the start's pins stay.  The seal's lock held: the unseal work and the
 * OOM notifier call this too.  Neither can run it at the same time as a
 * start (pages are pinned while sealed) or a release (which unseals first).
 */
static void pgc_unseal_locked(enum pgc_seal_end why)
{
	struct pgc_seal_state *st = &pgc_seal_st;
	unsigned long pfn, freed = 0, nr, i;
	struct page *page, *next;
	unsigned int order;

	lockdep_assert_held(&st->lock);
	if (!st->on)
		return;
	list_for_each_entry_safe(page, next, &st->pages, lru) {
		pfn = page_to_pfn(page);
		order = page_private(page);
		nr = 1UL << order;
		for (i = 0; i < nr; i++)
			pgc_pin_clear(pfn + i);
		pgc_pins_count(page, -(long)nr);
		list_del(&page->lru);
		set_page_private(page, 0);
		/* whole: to the buddy lists, or to a per-cpu list of its order */
		__free_pages(page, order);
		freed += nr;
		cond_resched();
	}
	st->nr = 0;
	WRITE_ONCE(st->on, false);
	st->last_end = why;
	st->last_held_ms = div_u64(ktime_get_ns() - st->t0, NSEC_PER_MSEC);
	trace_pgcluster_lab(PGC_TRACE_LAB_UNSEAL, &pgc_inj.last_pattern, freed);
	if (why == PGC_SEAL_OOM)
		pr_warn("inject: %s: %lu sealed pages given back\n",
			pgc_seal_end_text[why], freed);
	else if (why != PGC_SEAL_PROBE)
		pr_info("inject: %s: %lu pages\n", pgc_seal_end_text[why],
			freed);
}

/* The delayed work: the window is over.  Takes only the seal's lock. */
static void pgc_seal_expire(struct work_struct *work)
{
	mutex_lock(&pgc_seal_st.lock);
	pgc_unseal_locked(PGC_SEAL_TIMER);
	mutex_unlock(&pgc_seal_st.lock);
}

/**
 * pgc_unseal() - end the seal now, if there is one
 * @why: recorded for status
 *
 * Context: pgc_inject_lock held (or module exit): waiting for the work is
 * safe because the work never takes that lock.
 */
void pgc_unseal(enum pgc_seal_end why)
{
	cancel_delayed_work_sync(&pgc_seal_st.work);
	mutex_lock(&pgc_seal_st.lock);
	pgc_unseal_locked(why);
	mutex_unlock(&pgc_seal_st.lock);
}

/* A seal's passes until one finds nothing.  Returns the passes made. */
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

/* A seal's run: every block, whole, the last start's period as the floor. */
static void pgc_seal_run_init(struct pgc_run *run, unsigned int gen)
{
	pgc_run_init(run, &pgc_inj.last_pattern, 0, 0);
	run->every_block = true;
	run->seal = true;
	run->seal_gen = gen;
}

/*
 * Take what the kernel freed since the seal @gen was made (or since the
 * last probe), adding it to the seal.  pgc_inject_lock held.
 */
static void pgc_reseal(unsigned int gen)
{
	struct pgc_run run;

	pgc_seal_run_init(&run, gen);
	pgc_seal_passes(&run);
	mutex_lock(&pgc_seal_st.lock);
	pgc_seal_st.retaken += run.pinned;
	pgc_seal_st.retakes++;
	mutex_unlock(&pgc_seal_st.lock);
}

/**
 * pgc_seal() - take every block left, for a bounded window
 * @ms: window in milliseconds, 1..PGC_SEAL_MS_MAX
 * @quiet: not logged (a sealed probe: one write, one line of result)
 *
 * Memory counts as sealed from the first pass on, so that the OOM notifier
 * can end the seal while the passes run; they stop then.  A fatal signal
 * stops the passes early; the seal is armed all the same.
 *
 * Context: pgc_inject_lock held.
 * Return: 0; -EINVAL when no start's pages are pinned (or allow_inject=0),
 * -EBUSY when already sealed.  Nothing changes on an error.
 */
int pgc_seal(unsigned int ms, bool quiet)
{
	struct pgc_seal_state *st = &pgc_seal_st;
	unsigned int passes;
	struct pgc_run run;
	bool armed = false;
	u64 t0;

	lockdep_assert_held(&pgc_inject_lock);
	if (!st->wq || !pgc_inject_pages_pinned())
		return -EINVAL;
	if (READ_ONCE(st->on))
		return -EBUSY;
	/* a timer left by a seal the OOM notifier ended must not end this */
	cancel_delayed_work_sync(&st->work);
	t0 = ktime_get_ns();
	mutex_lock(&st->lock);
	st->nr = 0;
	st->retaken = 0;
	st->retakes = 0;
	st->gen++;
	st->t0 = t0;
	st->ms = ms;
	st->deadline = jiffies + msecs_to_jiffies(ms);
	st->last_pinned = 0;
	st->last_pass_ms = 0;
	st->last_end = PGC_SEAL_ON;
	WRITE_ONCE(st->on, true);
	pgc_seal_run_init(&run, st->gen);
	mutex_unlock(&st->lock);

	passes = pgc_seal_passes(&run);

	mutex_lock(&st->lock);
	st->last_pinned = run.pinned;
	trace_pgcluster_lab(PGC_TRACE_LAB_SEAL, &run.pattern, run.pinned);
	st->last_pass_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	if (st->on && st->gen == run.seal_gen) {
		st->deadline = jiffies + msecs_to_jiffies(ms);
		mod_delayed_work(st->wq, &st->work, msecs_to_jiffies(ms));
		armed = true;
	}
	mutex_unlock(&st->lock);
	if (!quiet)
		pr_info("inject: sealed %lu pages in %llu ms (%u passes), %s\n",
			run.pinned, st->last_pass_ms, passes,
			armed ? "unseals by its timer" : "already unsealed");
	return 0;
}

/**
 * pgc_inject_probe_begin() - set up the memory a probe is about to ask for
 * @seal: the probe wants a seal ("ORDER sealed", "SIZE sealed")
 * @ps: filled in, for pgc_inject_probe_end()
 *
 * While a "seal:MS" window is on, first take what the kernel freed since
 * (RCU callbacks, slabs a KASAN quarantine empties, page tables of exited
 * tasks): a page freed next to a free one merges into a block of order 1
 * or more.  With @seal and no seal on, seal now for the probe alone, so
 * the kernel is without small blocks for the length of one probe.
 *
 * Context: pgc_probe_lock held (probes are serialised).
 * Return: 0; -EINVAL when @seal and the injector holds no start's pages
 * (or allow_inject=0); -EINTR on a fatal signal.
 */
int pgc_inject_probe_begin(bool seal, struct pgc_probe_seal *ps)
{
	unsigned int gen;
	bool sealed;
	int ret = 0;

	ps->sealed = false;
	ps->own = false;
	if (!seal && !pgc_seal_on())
		return 0;
	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	mutex_lock(&pgc_seal_st.lock);
	sealed = pgc_seal_st.on;
	gen = pgc_seal_st.gen;
	mutex_unlock(&pgc_seal_st.lock);
	if (sealed) {
		pgc_reseal(gen);
		ps->sealed = true;
	} else if (seal) {
		ret = pgc_seal(PGC_SEAL_MS_DEFAULT, true);
		ps->sealed = !ret;
		ps->own = !ret;
	}
	/* changes only in pgc_seal(), under pgc_inject_lock */
	ps->gen = pgc_seal_st.gen;
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
	mutex_lock(&pgc_seal_st.lock);
	held = pgc_seal_st.on && pgc_seal_st.gen == ps->gen;
	mutex_unlock(&pgc_seal_st.lock);
	if (held && ps->own)
		pgc_unseal(PGC_SEAL_PROBE);
	mutex_unlock(&pgc_inject_lock);
	return held;
}

/* The OOM path's share of a seal: all of it.  Returns the pages freed. */
static unsigned long pgc_oom_unseal(void)
{
	struct pgc_seal_state *st = &pgc_seal_st;
	unsigned long nr;

	if (!mutex_trylock(&st->lock)) {
		st->oom_missed++;
		return 0;
	}
	nr = st->on ? st->nr : 0;
	pgc_unseal_locked(PGC_SEAL_OOM);
	st->oom_sealed_freed += nr;
	mutex_unlock(&st->lock);
	return nr;
}

/*
 * The OOM path's share of a start's pins: one bitmap chunk, which gives the
 * kernel large free blocks at once, though not necessarily in the zone or
 * node that ran out.  Returns the pages freed.
 */
static unsigned long pgc_oom_unpin(void)
{
	struct pgc_seal_state *st = &pgc_seal_st;
	unsigned long nr = 0;

	if (!mutex_trylock(&pgc_inject_lock)) {
		st->oom_missed++;
		return 0;
	}
	if (!mutex_trylock(&st->lock)) {
		mutex_unlock(&pgc_inject_lock);
		st->oom_missed++;
		return 0;
	}
	if (!st->on)
		nr = pgc_pins_free(true);
	st->oom_pins_freed += nr;
	mutex_unlock(&st->lock);
	mutex_unlock(&pgc_inject_lock);
	if (nr)
		pr_warn("inject: the kernel ran out of memory: %lu pinned pages given back, %lu still pinned\n",
			nr, pgc_inject_pages_pinned());
	return nr;
}

/*
 * out_of_memory() calls its notifiers before it picks a victim and kills
 * nobody when one of them gave pages back.  Rather than a task killed (or
 * a panic when none is left), the injector gives way.  A call that finds
 * the injector busy gives nothing (status counts it): while a start or a
 * sweep runs, or a control file is read or written.
 */
static int pgc_inject_oom_notify(struct notifier_block *nb,
				 unsigned long unused, void *parm)
{
	unsigned long *freed = parm, nr = 0;

	if (pgc_seal_on())
		nr = pgc_oom_unseal();
	else if (pgc_inject_pages_pinned())
		nr = pgc_oom_unpin();
	*freed += nr;
	return nr ? NOTIFY_OK : NOTIFY_DONE;
}

static struct notifier_block pgc_inject_oom_nb = {
	.notifier_call = pgc_inject_oom_notify,
};

/**
 * pgc_seal_show() - status: the seal's lines
 * @m: the seq_file
 *
 * Context: pgc_inject_lock held; takes the seal's lock.
 */
void pgc_seal_show(struct seq_file *m)
{
	struct pgc_seal_state *st = &pgc_seal_st;
	long left;

	mutex_lock(&st->lock);
	if (st->on) {
		left = (long)(st->deadline - jiffies);
		seq_printf(m, "sealed: %lu pages, unseals in %u ms\n", st->nr,
			   left > 0 ? jiffies_to_msecs(left) : 0);
	} else {
		seq_puts(m, "not sealed\n");
	}
	if (st->last_end != PGC_SEAL_NONE) {
		seq_printf(m, "last seal: %lu pages in %llu ms, window %u ms, %s",
			   st->last_pinned, st->last_pass_ms, st->ms,
			   pgc_seal_end_text[st->last_end]);
		if (st->last_end != PGC_SEAL_ON)
			seq_printf(m, " (sealed for %llu ms)", st->last_held_ms);
		seq_putc(m, '\n');
	}
	if (st->last_end != PGC_SEAL_NONE && st->retakes)
		seq_printf(m, "last seal: %lu more pages taken at %u probes\n",
			   st->retaken, st->retakes);
	if (st->oom_sealed_freed || st->oom_pins_freed || st->oom_missed)
		seq_printf(m, "given to the OOM path: %lu sealed pages, %lu pinned pages; %u calls found the injector busy\n",
			   READ_ONCE(st->oom_sealed_freed),
			   READ_ONCE(st->oom_pins_freed),
			   READ_ONCE(st->oom_missed));
	mutex_unlock(&st->lock);
}

/**
 * pgc_seal_init() - the seal's workqueue and the OOM notifier
 *
 * Return: 0, -ENOMEM, or the error of register_oom_notifier().
 */
int pgc_seal_init(void)
{
	int ret;

	/* WQ_MEM_RECLAIM: a rescuer unseals when no kworker can be forked */
	pgc_seal_st.wq = alloc_workqueue("pgcluster_seal",
					 WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!pgc_seal_st.wq)
		return -ENOMEM;
	ret = register_oom_notifier(&pgc_inject_oom_nb);
	if (ret) {
		destroy_workqueue(pgc_seal_st.wq);
		pgc_seal_st.wq = NULL;
	}
	return ret;
}

/**
 * pgc_seal_exit() - unregister the OOM notifier, destroy the workqueue
 *
 * Context: after pgc_inject_release(), which cancelled the unseal work
 * (waiting for it if it ran), so the workqueue is idle.
 */
void pgc_seal_exit(void)
{
	unregister_oom_notifier(&pgc_inject_oom_nb);
	destroy_workqueue(pgc_seal_st.wq);
	pgc_seal_st.wq = NULL;
}
