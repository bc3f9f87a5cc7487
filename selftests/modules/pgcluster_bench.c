// SPDX-License-Identifier: GPL-2.0
/*
 * pgcluster_bench.ko: measures pgcluster against the kernel's own allocators
 * and prints fixed-width tables (at most 100 columns).
 *
 * It uses pgcluster only through include/linux/pgcluster.h, like a driver.
 * A step runs when its name is written to
 * /sys/kernel/debug/pgcluster_bench/run (in the writer's process context;
 * the write returns when the step is done) or, once at load, when named in
 * the module parameter run=.  The tables of the last write are read back
 * from /sys/kernel/debug/pgcluster_bench/results; a step run at load prints
 * them to the kernel log instead.  Steps:
 *
 *   speed    median ns per alloc+free pair for 9000 B, 16, 36 and 128 KiB:
 *            pgcluster (contiguous), kmalloc, alloc_pages_exact, alloc_pages
 *            (order rounded up), vmalloc.  "hot": alloc then free at once,
 *            hot_iters times; "batch": batch allocations, then all freed.
 *            The median is over repeats runs, each timed as a whole with
 *            ktime_get_ns() and divided by the number of pairs.
 *   emerg    the same for 16, 36 and 128 KiB: pgcluster with
 *            PGCLUSTER_VIRTOK, vmalloc+vfree, kvmalloc+kvfree.  Meant to run
 *            with pgcluster's debugfs knob force_virtual set to 1, so that
 *            VIRTOK requests take the emergency path; every result is checked
 *            with is_vmalloc_addr() and the row reads "n/a" when they did not.
 *   waste    waste_count live allocations with sizes uniform in
 *            [4 KiB, 128 KiB] (xorshift64 from a fixed seed): bytes held per
 *            byte requested, per allocator.  pgcluster's set stays allocated
 *            afterwards, so the caller can read pgcluster's debugfs stats.
 *   free     frees what "waste" left allocated.
 *   success  under injected fragmentation (the caller injects first):
 *            success_n requests of each size, all held until the
 *            allocator's row is done: alloc_pages and kmalloc with
 *            __GFP_NORETRY, kvmalloc, pgcluster contiguous and VIRTOK.  The
 *            table is printed twice: as the injector left memory, and with
 *            the "filler" (below) holding every remaining free block of
 *            order >= 1, so that only isolated pages are free.
 *   kvpath   under injected fragmentation, with the filler, and with
 *            force_virtual=1: kvmalloc's vmalloc path.  kvmalloc() offers
 *            no way to skip its kmalloc attempt, so the step first drains
 *            kmalloc of the size (kmalloc with __GFP_NORETRY until it fails,
 *            capped at drain_mb), then times kvmalloc+kvfree and reports
 *            which share of the results came from vmalloc; vmalloc+vfree and
 *            pgcluster VIRTOK are timed in the same state.  The cost of
 *            kvmalloc's failing kmalloc attempt is part of what a caller
 *            pays, so it is measured too.
 *   all      speed, emerg, waste, free and success in a row (no injection).
 *
 * Allocation failures are counted and printed ("fail"); nothing depends on
 * an allocator working.  Every allocation passes __GFP_NOWARN so a failure
 * prints no stack trace.  The timed loops call the allocators directly (no
 * indirect calls) through one inlined switch per allocator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <linux/pgcluster.h>

#define PB_BUF_SIZE	32768
#define PB_LINE_MAX	128
#define PB_CMD_MAX	32
#define PB_CELL		48	/* one formatted table cell, worst case */
#define PB_REPEATS_MAX	31
#define PB_WASTE_MIN	4096
#define PB_WASTE_MAX	131072
#define PB_KV_ITERS_MAX	200
#define PB_GFP		(GFP_KERNEL | __GFP_NOWARN)
#define PB_GFP_NORETRY	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

static unsigned int repeats = 7;
module_param(repeats, uint, 0444);
MODULE_PARM_DESC(repeats, "Timed runs per row, median printed (1-31; default 7)");

static unsigned int hot_iters = 1000;
module_param(hot_iters, uint, 0444);
MODULE_PARM_DESC(hot_iters, "Pairs per hot-loop run (1-1000000; default 1000)");

static unsigned int batch = 1000;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "Allocations per batch run (1-100000; default 1000)");

static unsigned int waste_count = 2000;
module_param(waste_count, uint, 0444);
MODULE_PARM_DESC(waste_count, "Live allocations in the waste step (1-100000; default 2000)");

static unsigned int success_n = 200;
module_param(success_n, uint, 0444);
MODULE_PARM_DESC(success_n, "Requests per size in the success step (1-100000; default 200)");

static unsigned int drain_mb = 64;
module_param(drain_mb, uint, 0444);
MODULE_PARM_DESC(drain_mb, "kvpath: most kmalloc memory held to drain kmalloc, MiB (1-1024; default 64)");

static bool fill = true;
module_param(fill, bool, 0444);
MODULE_PARM_DESC(fill, "success, kvpath: also hold all free blocks of order >= 1 (default 1)");

static ulong seed = 0x9e3779b97f4a7c15UL;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the waste step's size sequence (nonzero)");

static char *run;
module_param(run, charp, 0444);
MODULE_PARM_DESC(run, "Step to run at load, results to the kernel log: speed|emerg|waste|success|kvpath|all");

enum pb_kind {
	PB_PGC,		/* pgcluster_alloc(size, gfp, 0) */
	PB_PGC_VIRT,	/* pgcluster_alloc(size, gfp, PGCLUSTER_VIRTOK) */
	PB_KMALLOC,
	PB_PAGES_EXACT,
	PB_PAGES,	/* alloc_pages(gfp, get_order(size)) */
	PB_VMALLOC,
	PB_KVMALLOC,
};

static const char *const pb_kind_name[] = {
	[PB_PGC]	 = "pgcluster",
	[PB_PGC_VIRT]	 = "pgcluster VIRTOK",
	[PB_KMALLOC]	 = "kmalloc",
	[PB_PAGES_EXACT] = "alloc_pages_exact",
	[PB_PAGES]	 = "alloc_pages",
	[PB_VMALLOC]	 = "vmalloc",
	[PB_KVMALLOC]	 = "kvmalloc",
};

/* One measured row: medians in picoseconds per alloc+free pair. */
struct pb_row {
	u64 hot_ps;
	u64 batch_ps;
	unsigned long fails;	/* failed allocations, all runs */
	unsigned long vhits;	/* results in vmalloc space */
	unsigned long done;	/* successful allocations, all runs */
	bool hot_ok;		/* every hot allocation succeeded */
	bool batch_ok;
	bool measured_batch;
};

static DEFINE_MUTEX(pb_lock);	/* one step at a time; guards all below */
static char pb_buf[PB_BUF_SIZE];
static size_t pb_len;
static bool pb_to_log;
static struct dentry *pb_dir;
static void **pb_ptrs;		/* batch pointers */
static void **pb_held;		/* pgcluster set kept by "waste" */
static unsigned int pb_held_n;

static __printf(1, 2) void pb_out(const char *fmt, ...)
{
	char line[PB_LINE_MAX];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (pb_to_log)
		pr_info("%s\n", line);
	if (pb_len + n + 2 > PB_BUF_SIZE)
		return;
	memcpy(pb_buf + pb_len, line, n);
	pb_len += n;
	pb_buf[pb_len++] = '\n';
	pb_buf[pb_len] = '\0';
}

static __always_inline void *pb_alloc(enum pb_kind k, size_t size, gfp_t gfp)
{
	struct page *page;

	switch (k) {
	case PB_PGC:
		return pgcluster_alloc(size, gfp, 0);
	case PB_PGC_VIRT:
		return pgcluster_alloc(size, gfp, PGCLUSTER_VIRTOK);
	case PB_KMALLOC:
		return kmalloc(size, gfp);
	case PB_PAGES_EXACT:
		return alloc_pages_exact(size, gfp);
	case PB_PAGES:
		page = alloc_pages(gfp, get_order(size));
		return page ? page_address(page) : NULL;
	case PB_VMALLOC:
		return __vmalloc(size, gfp);
	case PB_KVMALLOC:
		return kvmalloc(size, gfp);
	}
	return NULL;
}

static __always_inline void pb_free(enum pb_kind k, void *p, size_t size)
{
	switch (k) {
	case PB_PGC:
	case PB_PGC_VIRT:
		pgcluster_free(p);
		break;
	case PB_KMALLOC:
		kfree(p);
		break;
	case PB_PAGES_EXACT:
		free_pages_exact(p, size);
		break;
	case PB_PAGES:
		free_pages((unsigned long)p, get_order(size));
		break;
	case PB_VMALLOC:
		vfree(p);
		break;
	case PB_KVMALLOC:
		kvfree(p);
		break;
	}
}

/* Only the kinds that may return either kind of memory are checked. */
static __always_inline bool pb_check_virt(enum pb_kind k)
{
	return k == PB_PGC_VIRT || k == PB_KVMALLOC;
}

struct pb_counts {
	unsigned long fails;
	unsigned long vhits;
	unsigned long done;
};

static __always_inline u64 pb_hot_loop(enum pb_kind k, size_t size,
				       unsigned int n, struct pb_counts *c)
{
	unsigned int i;
	u64 t0;
	void *p;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p = pb_alloc(k, size, PB_GFP);
		if (unlikely(!p)) {
			c->fails++;
			continue;
		}
		c->done++;
		if (pb_check_virt(k) && is_vmalloc_addr(p))
			c->vhits++;
		pb_free(k, p, size);
	}
	return ktime_get_ns() - t0;
}

static __always_inline u64 pb_batch_loop(enum pb_kind k, size_t size,
					 unsigned int n, struct pb_counts *c)
{
	unsigned int i;
	u64 t0, t1, t2;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		pb_ptrs[i] = pb_alloc(k, size, PB_GFP);
	t1 = ktime_get_ns();
	/* Counting is not timed. */
	for (i = 0; i < n; i++) {
		if (!pb_ptrs[i]) {
			c->fails++;
			continue;
		}
		c->done++;
		if (pb_check_virt(k) && is_vmalloc_addr(pb_ptrs[i]))
			c->vhits++;
	}
	t2 = ktime_get_ns();
	for (i = 0; i < n; i++)
		if (pb_ptrs[i])
			pb_free(k, pb_ptrs[i], size);
	return (t1 - t0) + (ktime_get_ns() - t2);
}

/*
 * One specialised copy of each loop per allocator (the kind is a constant
 * in every inlined call): the timed loops make no indirect calls.
 */
static noinline u64 pb_hot(enum pb_kind k, size_t size, unsigned int n,
			   struct pb_counts *c)
{
	switch (k) {
	case PB_PGC:
		return pb_hot_loop(PB_PGC, size, n, c);
	case PB_PGC_VIRT:
		return pb_hot_loop(PB_PGC_VIRT, size, n, c);
	case PB_KMALLOC:
		return pb_hot_loop(PB_KMALLOC, size, n, c);
	case PB_PAGES_EXACT:
		return pb_hot_loop(PB_PAGES_EXACT, size, n, c);
	case PB_PAGES:
		return pb_hot_loop(PB_PAGES, size, n, c);
	case PB_VMALLOC:
		return pb_hot_loop(PB_VMALLOC, size, n, c);
	case PB_KVMALLOC:
		return pb_hot_loop(PB_KVMALLOC, size, n, c);
	}
	return 0;
}

static noinline u64 pb_batch(enum pb_kind k, size_t size, unsigned int n,
			     struct pb_counts *c)
{
	switch (k) {
	case PB_PGC:
		return pb_batch_loop(PB_PGC, size, n, c);
	case PB_PGC_VIRT:
		return pb_batch_loop(PB_PGC_VIRT, size, n, c);
	case PB_KMALLOC:
		return pb_batch_loop(PB_KMALLOC, size, n, c);
	case PB_PAGES_EXACT:
		return pb_batch_loop(PB_PAGES_EXACT, size, n, c);
	case PB_PAGES:
		return pb_batch_loop(PB_PAGES, size, n, c);
	case PB_VMALLOC:
		return pb_batch_loop(PB_VMALLOC, size, n, c);
	case PB_KVMALLOC:
		return pb_batch_loop(PB_KVMALLOC, size, n, c);
	}
	return 0;
}

static u64 pb_median(u64 *v, unsigned int n)
{
	unsigned int i, j;
	u64 x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

#define PB_KINDS_MAX	8

/*
 * Time @nk allocators at one size: an untimed warm-up of each, then
 * @repeats hot runs of @iters pairs and, when @do_batch, @repeats batch
 * runs.  The runs are interleaved (run r of every allocator, then run r + 1)
 * so that a slow phase of the machine, such as a busy host under TCG,
 * spreads over all allocators instead of biasing one of them.
 */
static void pb_measure(const enum pb_kind *kinds, unsigned int nk,
		       size_t size, unsigned int iters, bool do_batch,
		       struct pb_row *rows)
{
	static u64 hot[PB_KINDS_MAX][PB_REPEATS_MAX];
	static u64 bat[PB_KINDS_MAX][PB_REPEATS_MAX];
	static struct pb_counts c[PB_KINDS_MAX];
	unsigned long hot_fails[PB_KINDS_MAX];
	struct pb_counts warm = { };
	unsigned int i, k;

	nk = min_t(unsigned int, nk, PB_KINDS_MAX);
	memset(c, 0, sizeof(c));
	for (k = 0; k < nk; k++) {
		memset(&rows[k], 0, sizeof(rows[k]));
		pb_hot(kinds[k], size, iters / 8 + 1, &warm);
	}

	for (i = 0; i < repeats; i++) {
		for (k = 0; k < nk; k++) {
			hot[k][i] = div_u64(pb_hot(kinds[k], size, iters,
						   &c[k]) * 1000, iters);
			cond_resched();
		}
	}
	for (k = 0; k < nk; k++) {
		rows[k].hot_ok = !c[k].fails;
		rows[k].hot_ps = pb_median(hot[k], repeats);
		hot_fails[k] = c[k].fails;
	}

	for (i = 0; do_batch && i < repeats; i++) {
		for (k = 0; k < nk; k++) {
			bat[k][i] = div_u64(pb_batch(kinds[k], size, batch,
						     &c[k]) * 1000, batch);
			cond_resched();
		}
	}
	for (k = 0; k < nk; k++) {
		if (do_batch) {
			rows[k].batch_ok = c[k].fails == hot_fails[k];
			rows[k].batch_ps = pb_median(bat[k], repeats);
			rows[k].measured_batch = true;
		}
		rows[k].fails = c[k].fails;
		rows[k].vhits = c[k].vhits;
		rows[k].done = c[k].done;
	}
}

/* "12345.6" from picoseconds ("1234567" from 100 us on), or "fail". */
static const char *pb_fmt_ns(char *b, size_t len, u64 ps, bool ok)
{
	u64 tenths = div_u64(ps + 50, 100);

	if (!ok)
		return "fail";
	if (tenths >= 1000000)
		snprintf(b, len, "%llu", div_u64(tenths + 5, 10));
	else
		snprintf(b, len, "%llu.%llu", div_u64(tenths, 10),
			 tenths - div_u64(tenths, 10) * 10);
	return b;
}

/* "@num/@den" with @decimals (2 or 3) places, or "-" when not valid. */
static const char *pb_fmt_ratio(char *b, size_t len, u64 num, u64 den,
				bool valid, unsigned int decimals)
{
	u64 scale = decimals == 3 ? 1000 : 100;
	u64 q;

	if (!valid || !den)
		return "-";
	q = div64_u64(num * scale + den / 2, den);
	snprintf(b, len, decimals == 3 ? "%llu.%03llu" : "%llu.%02llu",
		 div64_u64(q, scale), q - div64_u64(q, scale) * scale);
	return b;
}

static const char *pb_fmt_size(char *b, size_t len, size_t size)
{
	if (size % 1024)
		snprintf(b, len, "%zu B", size);
	else
		snprintf(b, len, "%zu KiB", size / 1024);
	return b;
}

static const char *pb_fmt_pct(char *b, size_t len, unsigned long part,
			      unsigned long whole)
{
	u64 tenths;

	if (!whole)
		return "-";
	tenths = div64_u64((u64)part * 1000 + whole / 2, whole);
	snprintf(b, len, "%llu.%llu%%", div_u64(tenths, 10),
		 tenths - div_u64(tenths, 10) * 10);
	return b;
}

/* ------------------------------------------------------------------ speed */

static const size_t pb_speed_sizes[] = { 9000, 16384, 36864, 131072 };
static const enum pb_kind pb_speed_kinds[] = {
	PB_PGC, PB_KMALLOC, PB_PAGES_EXACT, PB_PAGES, PB_VMALLOC,
};

static void pb_step_speed(void)
{
	/* Static (under pb_lock) to keep the stack frame small. */
	static struct pb_row rows[ARRAY_SIZE(pb_speed_sizes)][ARRAY_SIZE(pb_speed_kinds)];
	char s[PB_CELL], a[PB_CELL], b[PB_CELL], c[PB_CELL];
	char d[PB_CELL], e[PB_CELL], f[PB_CELL];
	unsigned int si, ki;

	for (si = 0; si < ARRAY_SIZE(pb_speed_sizes); si++)
		pb_measure(pb_speed_kinds, ARRAY_SIZE(pb_speed_kinds),
			   pb_speed_sizes[si], hot_iters, true, rows[si]);

	pb_out("== speed: median ns per alloc+free pair over %u runs, GFP_KERNEL", repeats);
	pb_out("   hot = alloc, free at once, %u pairs a run; batch = %u allocs, then %u frees",
	       hot_iters, batch, batch);
	pb_out("   x kmalloc, x vmalloc: time relative to that allocator (lower is faster)");
	pb_out("   runs of all allocators interleaved; init_on_alloc %d, init_on_free %d",
	       want_init_on_alloc(GFP_KERNEL), want_init_on_free());
	pb_out("%-8s %-18s %9s %9s %9s %10s %9s %9s %6s", "size",
	       "allocator", "hot ns", "x kmalloc", "x vmalloc", "batch ns",
	       "x kmalloc", "x vmalloc", "fails");
	for (si = 0; si < ARRAY_SIZE(pb_speed_sizes); si++) {
		const struct pb_row *km = &rows[si][1], *vm = &rows[si][4];

		for (ki = 0; ki < ARRAY_SIZE(pb_speed_kinds); ki++) {
			const struct pb_row *r = &rows[si][ki];

			pb_out("%-8s %-18s %9s %9s %9s %10s %9s %9s %6lu",
			       pb_fmt_size(s, sizeof(s), pb_speed_sizes[si]),
			       pb_kind_name[pb_speed_kinds[ki]],
			       pb_fmt_ns(a, sizeof(a), r->hot_ps, r->hot_ok),
			       pb_fmt_ratio(b, sizeof(b), r->hot_ps, km->hot_ps,
					    r->hot_ok && km->hot_ok, 2),
			       pb_fmt_ratio(c, sizeof(c), r->hot_ps, vm->hot_ps,
					    r->hot_ok && vm->hot_ok, 2),
			       pb_fmt_ns(d, sizeof(d), r->batch_ps, r->batch_ok),
			       pb_fmt_ratio(e, sizeof(e), r->batch_ps,
					    km->batch_ps,
					    r->batch_ok && km->batch_ok, 2),
			       pb_fmt_ratio(f, sizeof(f), r->batch_ps,
					    vm->batch_ps,
					    r->batch_ok && vm->batch_ok, 2),
			       r->fails);
		}
	}

	/* Goals for 9000 B: row 0 is pgcluster, 1 kmalloc, 4 vmalloc. */
	{
		const struct pb_row *pg = &rows[0][0], *km = &rows[0][1];
		const struct pb_row *vm = &rows[0][4];

		if (pg->hot_ok && km->hot_ok)
			pb_out("goal 9000 B: pgcluster hot <= kmalloc hot: %s vs %s ns: %s",
			       pb_fmt_ns(a, sizeof(a), pg->hot_ps, true),
			       pb_fmt_ns(b, sizeof(b), km->hot_ps, true),
			       pg->hot_ps <= km->hot_ps ? "met" : "NOT met");
		else
			pb_out("%s",
			       "goal 9000 B: pgcluster hot <= kmalloc hot: not measurable (failures)");
		if (pg->hot_ok && vm->hot_ok && pg->hot_ps)
			pb_out("goal 9000 B: pgcluster >= 10x faster than vmalloc: %sx: %s",
			       pb_fmt_ratio(c, sizeof(c), vm->hot_ps,
					    pg->hot_ps, true, 2),
			       vm->hot_ps >= 10 * pg->hot_ps ? "met" : "NOT met");
		else
			pb_out("%s",
			       "goal 9000 B: pgcluster >= 10x faster than vmalloc: not measurable (failures)");
	}
}

/* -------------------------------------------------------------- emergency */

static const size_t pb_emerg_sizes[] = { 16384, 36864, 131072 };
static const enum pb_kind pb_emerg_kinds[] = {
	PB_PGC_VIRT, PB_VMALLOC, PB_KVMALLOC,
};

/* A VIRTOK row only counts when every result was an emergency mapping. */
static bool pb_virt_row_valid(const struct pb_row *r)
{
	return r->done && r->vhits == r->done;
}

static void pb_print_vrows(const size_t *sizes, unsigned int nsizes,
			   const enum pb_kind *kinds, unsigned int nkinds,
			   struct pb_row *rows, unsigned int vm_index)
{
	char s[PB_CELL], a[PB_CELL], b[PB_CELL];
	char d[PB_CELL], e[PB_CELL], p[PB_CELL];
	unsigned int si, ki;

	pb_out("%-8s %-18s %10s %9s %10s %9s %8s %6s", "size", "allocator",
	       "hot ns", "x vmalloc", "batch ns", "x vmalloc", "vmalloc%",
	       "fails");
	for (si = 0; si < nsizes; si++) {
		const struct pb_row *vm = &rows[si * nkinds + vm_index];

		for (ki = 0; ki < nkinds; ki++) {
			const struct pb_row *r = &rows[si * nkinds + ki];
			bool hot_ok = r->hot_ok, bat_ok = r->batch_ok;
			const char *hot, *bat;

			if (kinds[ki] == PB_PGC_VIRT && !pb_virt_row_valid(r)) {
				/* force_virtual absent or 0: not emergency */
				hot = r->done ? "n/a" : "fail";
				bat = hot;
				hot_ok = false;
				bat_ok = false;
			} else {
				hot = pb_fmt_ns(a, sizeof(a), r->hot_ps, hot_ok);
				bat = r->measured_batch ?
				      pb_fmt_ns(d, sizeof(d), r->batch_ps,
						bat_ok) : "-";
			}
			pb_out("%-8s %-18s %10s %9s %10s %9s %8s %6lu",
			       pb_fmt_size(s, sizeof(s), sizes[si]),
			       pb_kind_name[kinds[ki]], hot,
			       pb_fmt_ratio(b, sizeof(b), r->hot_ps, vm->hot_ps,
					    hot_ok && vm->hot_ok, 2),
			       bat,
			       pb_fmt_ratio(e, sizeof(e), r->batch_ps,
					    vm->batch_ps,
					    r->measured_batch && bat_ok &&
					    vm->batch_ok, 2),
			       pb_check_virt(kinds[ki]) ?
			       pb_fmt_pct(p, sizeof(p), r->vhits, r->done) : "-",
			       r->fails);
		}
	}
}

static void pb_step_emerg(void)
{
	static struct pb_row rows[ARRAY_SIZE(pb_emerg_sizes) * ARRAY_SIZE(pb_emerg_kinds)];
	const unsigned int nk = ARRAY_SIZE(pb_emerg_kinds);
	const struct pb_row *pg, *vm;
	char a[PB_CELL], b[PB_CELL];
	unsigned int si;

	for (si = 0; si < ARRAY_SIZE(pb_emerg_sizes); si++)
		pb_measure(pb_emerg_kinds, nk, pb_emerg_sizes[si], hot_iters,
			   true, &rows[si * nk]);

	pb_out("== emergency path: median ns per alloc+free pair over %u runs, GFP_KERNEL",
	       repeats);
	pb_out("   pgcluster VIRTOK is timed with force_virtual=1 (n/a: results were not");
	pb_out("   emergency mappings, knob absent or 0); kvmalloc: its normal path;");
	pb_out("   vmalloc%%: share of results in vmalloc space; hot %u pairs, batch %u",
	       hot_iters, batch);
	pb_print_vrows(pb_emerg_sizes, ARRAY_SIZE(pb_emerg_sizes),
		       pb_emerg_kinds, nk, rows, 1);

	pg = &rows[2 * nk];
	vm = &rows[2 * nk + 1];
	if (pb_virt_row_valid(pg) && pg->hot_ok && vm->hot_ok &&
	    pg->batch_ok && vm->batch_ok)
		pb_out("goal 128 KiB: emergency <= 0.5x vmalloc+vfree: %sx: %s (batch %u: %sx)",
		       pb_fmt_ratio(a, sizeof(a), pg->hot_ps, vm->hot_ps, true, 2),
		       2 * pg->hot_ps <= vm->hot_ps ? "met" : "NOT met", batch,
		       pb_fmt_ratio(b, sizeof(b), pg->batch_ps, vm->batch_ps,
				    true, 2));
	else
		pb_out("goal 128 KiB: emergency <= 0.5x vmalloc+vfree: not measurable");
}

/* ------------------------------------------------------------------ waste */

static u64 pb_rng_next(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Uniform in [0, @n) but for a bias of at most @n / 2^64. */
static u64 pb_rng_below(u64 *s, u64 n)
{
	u64 rem;

	div64_u64_rem(pb_rng_next(s), n, &rem);
	return rem;
}

static void pb_release_held(void)
{
	unsigned int i;

	for (i = 0; i < pb_held_n; i++)
		pgcluster_free(pb_held[i]);
	kvfree(pb_held);
	pb_held = NULL;
	pb_held_n = 0;
}

static const enum pb_kind pb_waste_kinds[] = {
	PB_KMALLOC, PB_PAGES_EXACT, PB_PAGES, PB_VMALLOC, PB_PGC,
};

/* Bytes an allocator holds for one live allocation of @size at @p. */
static u64 pb_held_bytes(enum pb_kind k, const void *p, size_t size)
{
	switch (k) {
	case PB_PGC:
	case PB_PGC_VIRT:
		return pgcluster_size(p);
	case PB_KMALLOC:
		return ksize(p);
	case PB_PAGES_EXACT:
		return PAGE_ALIGN(size);
	case PB_PAGES:
		return PAGE_SIZE << get_order(size);
	case PB_VMALLOC:
	case PB_KVMALLOC:
		return PAGE_ALIGN(size);
	}
	return 0;
}

static void pb_waste_line(const char *name, u64 req, u64 held,
			  unsigned long fails, const char *basis)
{
	char r[PB_CELL];

	pb_out("%-18s %13llu %13llu %9s %6lu  %s", name, req, held,
	       pb_fmt_ratio(r, sizeof(r), held, req, req, 3), fails, basis);
}

static void pb_step_waste(void)
{
	size_t *sizes;
	void **ptrs;
	unsigned int i, ki;
	u64 st = seed;

	pb_release_held();
	sizes = kvmalloc_array(waste_count, sizeof(*sizes), GFP_KERNEL);
	ptrs = kvcalloc(waste_count, sizeof(*ptrs), GFP_KERNEL);
	if (!sizes || !ptrs) {
		pb_out("waste: no memory for %u entries", waste_count);
		kvfree(sizes);
		kvfree(ptrs);
		return;
	}
	for (i = 0; i < waste_count; i++)
		sizes[i] = PB_WASTE_MIN +
			   pb_rng_below(&st, PB_WASTE_MAX - PB_WASTE_MIN + 1);

	pb_out("== waste: %u allocations live at once, sizes uniform in [%u, %u] B",
	       waste_count, PB_WASTE_MIN, PB_WASTE_MAX);
	pb_out("   (xorshift64, seed %#lx); held/req = bytes held per byte requested",
	       seed);
	pb_out("%-18s %13s %13s %9s %6s  %s", "allocator", "requested B",
	       "held B", "held/req", "fails", "held counted as");

	for (ki = 0; ki < ARRAY_SIZE(pb_waste_kinds); ki++) {
		enum pb_kind k = pb_waste_kinds[ki];
		u64 req = 0, held = 0, va = 0;
		unsigned long fails = 0;

		for (i = 0; i < waste_count; i++) {
			ptrs[i] = pb_alloc(k, sizes[i], PB_GFP);
			if (!ptrs[i]) {
				fails++;
			} else {
				req += sizes[i];
				held += pb_held_bytes(k, ptrs[i], sizes[i]);
				va += PAGE_ALIGN(sizes[i]) + PAGE_SIZE;
			}
			cond_resched();
		}
		switch (k) {
		case PB_KMALLOC:
			pb_waste_line("kmalloc", req, held, fails, "ksize()");
			break;
		case PB_PAGES_EXACT:
			pb_waste_line("alloc_pages_exact", req, held, fails,
				      "PAGE_ALIGN(size)");
			break;
		case PB_PAGES:
			pb_waste_line("alloc_pages", req, held, fails,
				      "PAGE_SIZE << get_order(size)");
			break;
		case PB_VMALLOC:
			pb_waste_line("vmalloc pages", req, held, fails,
				      "PAGE_ALIGN(size); page array not counted");
			pb_waste_line("vmalloc VA", req, va, fails,
				      "PAGE_ALIGN(size) + guard page (VA space)");
			break;
		default:
			pb_waste_line("pgcluster", req, held, fails,
				      "pgcluster_size()");
			pb_out("goal pgcluster held/req <= 1.01: %s",
			       !req ? "not measurable (failures)" :
			       held * 100 <= req * 101 ? "met" : "NOT met");
			break;
		}
		if (k == PB_PGC) {
			/* Kept live for the caller's reading of stats. */
			pb_held = ptrs;
			pb_held_n = waste_count;
			ptrs = NULL;
			pb_out("pgcluster set kept live for stats: requested_bytes=%llu live=%lu",
			       req, waste_count - fails);
			break;
		}
		for (i = 0; i < waste_count; i++)
			if (ptrs[i])
				pb_free(k, ptrs[i], sizes[i]);
	}
	kvfree(ptrs);
	kvfree(sizes);
}

/* ----------------------------------------------------------------- filler */

#define PB_FILL_MAX		65536
#define PB_FILL_TOP_ORDER	10	/* valid on every x86-64 kernel */

struct pb_fill_ent {
	struct page *page;
	unsigned int order;
};

static struct pb_fill_ent *pb_fill;
static unsigned long pb_fill_n;

/*
 * The injector covers a share of free memory (90%) with its checkerboard;
 * the rest stays in large free blocks that serve any small test.  The filler
 * holds every block of order >= 1 the buddy allocator still hands out with
 * the effort the tested buddy requests make (GFP_KERNEL | __GFP_NORETRY:
 * one round of reclaim and compaction, never the OOM killer), from order 10
 * down, on every CPU in turn (so the per-CPU lists of small orders are
 * emptied too), so that only isolated pages stay free.  It is topped up
 * before each row, since freeing the previous row's memory makes new blocks;
 * so every row starts from the same state and none profits from blocks that
 * compaction made for another.  It never takes free memory below a quarter
 * of RAM: on memory that is not fragmented it stops there (and says so)
 * instead of starving the kernel.
 * It is held inside one step only: user space runs nothing meanwhile.
 */
static unsigned long pb_fill_per_order[PB_FILL_TOP_ORDER + 1];
static unsigned long pb_fill_pages;
static bool pb_fill_floor_hit;

static long pb_fill_cpu(void *unused)
{
	unsigned long floor = totalram_pages() / 4;
	struct page *page;
	int order;

	for (order = PB_FILL_TOP_ORDER; order >= 1; order--) {
		while (pb_fill_n < PB_FILL_MAX) {
			if (global_zone_page_state(NR_FREE_PAGES) <
			    floor + (1UL << order)) {
				pb_fill_floor_hit = true;
				return 0;
			}
			page = alloc_pages(PB_GFP_NORETRY, order);
			if (!page)
				break;
			pb_fill[pb_fill_n].page = page;
			pb_fill[pb_fill_n].order = order;
			pb_fill_n++;
			pb_fill_per_order[order]++;
			pb_fill_pages += 1UL << order;
			cond_resched();
		}
	}
	return 0;
}

/* Returns the number of blocks added. */
static unsigned long pb_fill_top_up(void)
{
	unsigned long before = pb_fill_n;
	int cpu;

	if (!pb_fill)
		return 0;
	/*
	 * No cpus_read_lock(): the filler reclaims and compacts, better not
	 * under the hotplug lock.  A CPU going offline meanwhile only makes
	 * its work run elsewhere.
	 */
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, pb_fill_cpu, NULL);
	return pb_fill_n - before;
}

static void pb_fill_start(void)
{
	unsigned long *o = pb_fill_per_order;

	pb_fill_n = 0;
	pb_fill_pages = 0;
	pb_fill_floor_hit = false;
	memset(pb_fill_per_order, 0, sizeof(pb_fill_per_order));
	pb_fill = kvcalloc(PB_FILL_MAX, sizeof(*pb_fill), GFP_KERNEL);
	if (!pb_fill) {
		pb_out("filler: no memory for its table: not filled");
		return;
	}
	pb_fill_top_up();
	pb_out("filler (NORETRY): holds %lu MiB in %lu blocks%s; blocks per order 10..1:",
	       pb_fill_pages >> (20 - PAGE_SHIFT), pb_fill_n,
	       pb_fill_n == PB_FILL_MAX ? " (table full)" : "");
	pb_out("   %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", o[10], o[9], o[8],
	       o[7], o[6], o[5], o[4], o[3], o[2], o[1]);
	if (pb_fill_floor_hit)
		pb_out("%s",
		       "filler: stopped at its floor (free memory = RAM / 4): memory is not fragmented");
}

static void pb_fill_stop(void)
{
	unsigned long i;

	for (i = 0; i < pb_fill_n; i++)
		__free_pages(pb_fill[i].page, pb_fill[i].order);
	kvfree(pb_fill);
	pb_fill = NULL;
	pb_fill_n = 0;
}

/* ---------------------------------------------------------------- success */

static const size_t pb_success_sizes[] = { 9000, 16384, 36864, 131072 };

static const struct {
	enum pb_kind kind;
	gfp_t gfp;
	const char *name;
} pb_success_kinds[] = {
	{ PB_PAGES,	PB_GFP_NORETRY,	"alloc_pages NORETRY" },
	{ PB_KMALLOC,	PB_GFP_NORETRY,	"kmalloc NORETRY" },
	{ PB_KVMALLOC,	PB_GFP,		"kvmalloc" },
	{ PB_PGC,	PB_GFP,		"pgcluster" },
	{ PB_PGC_VIRT,	PB_GFP,		"pgcluster VIRTOK" },
};

static void pb_success_table(void **ptrs, bool filled)
{
	unsigned long topped[ARRAY_SIZE(pb_success_kinds)] = { };
	const unsigned int nsz = ARRAY_SIZE(pb_success_sizes);
	unsigned long ok[ARRAY_SIZE(pb_success_sizes)];
	unsigned long virt[ARRAY_SIZE(pb_success_sizes)];
	char c[ARRAY_SIZE(pb_success_sizes)][PB_CELL];
	unsigned int ki, si, i;

	pb_out("%-22s %11s %11s %11s %11s", "allocator", "9000 B",
	       "16 KiB", "36 KiB", "128 KiB");
	for (ki = 0; ki < ARRAY_SIZE(pb_success_kinds); ki++) {
		enum pb_kind k = pb_success_kinds[ki].kind;

		if (filled)
			topped[ki] = pb_fill_top_up();
		for (si = 0; si < nsz; si++) {
			ok[si] = 0;
			virt[si] = 0;
			for (i = 0; i < success_n; i++) {
				void *p = pb_alloc(k, pb_success_sizes[si],
						   pb_success_kinds[ki].gfp);

				ptrs[si * success_n + i] = p;
				if (p) {
					ok[si]++;
					if (is_vmalloc_addr(p))
						virt[si]++;
				}
				cond_resched();
			}
		}
		for (si = 0; si < nsz; si++)
			pb_fmt_pct(c[si], sizeof(c[si]), ok[si], success_n);
		pb_out("%-22s %11s %11s %11s %11s", pb_success_kinds[ki].name,
		       c[0], c[1], c[2], c[3]);
		if (pb_check_virt(k)) {
			for (si = 0; si < nsz; si++)
				pb_fmt_pct(c[si], sizeof(c[si]), virt[si],
					   ok[si]);
			pb_out("%-22s %11s %11s %11s %11s",
			       "  of which virtual", c[0], c[1], c[2], c[3]);
		}
		for (si = 0; si < nsz; si++)
			for (i = 0; i < success_n; i++)
				if (ptrs[si * success_n + i])
					pb_free(k, ptrs[si * success_n + i],
						pb_success_sizes[si]);
		cond_resched();
	}
	if (filled)
		pb_out("filler top-ups before each row took %lu %lu %lu %lu %lu blocks%s",
		       topped[0], topped[1], topped[2], topped[3], topped[4],
		       pb_fill_floor_hit ? "; floor reached" : "");
}

static void pb_step_success(void)
{
	const unsigned int nsz = ARRAY_SIZE(pb_success_sizes);
	size_t total = 0;
	unsigned int si;
	void **ptrs;

	ptrs = kvcalloc((size_t)success_n * nsz, sizeof(*ptrs), GFP_KERNEL);
	if (!ptrs) {
		pb_out("success: no memory for %u entries", success_n * nsz);
		return;
	}
	for (si = 0; si < nsz; si++)
		total += success_n * pb_success_sizes[si];

	pb_out("== success: %u requests of each size per allocator, all held until the",
	       success_n);
	pb_out("   allocator's row is done (%zu KiB requested), then freed; %% succeeded",
	       total >> 10);
	pb_out("   NORETRY = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN; the others");
	pb_out("   GFP_KERNEL | __GFP_NOWARN; virtual = result in vmalloc space");
	pb_out("%s", "");
	pb_out("%s", "-- a) memory as the caller left it (injection only)");
	pb_success_table(ptrs, false);
	if (fill) {
		pb_out("%s", "");
		pb_out("%s", "-- b) and every free block of order >= 1 held by the filler");
		pb_fill_start();
		pb_success_table(ptrs, !!pb_fill);
		pb_fill_stop();
	}
	kvfree(ptrs);
}

/* ----------------------------------------------------------------- kvpath */

static const enum pb_kind pb_kvpath_kinds[] = {
	PB_KVMALLOC, PB_VMALLOC, PB_PGC_VIRT,
};

static void pb_step_kvpath(void)
{
	static struct pb_row rows[ARRAY_SIZE(pb_emerg_sizes) * ARRAY_SIZE(pb_kvpath_kinds)];
	unsigned long drained[ARRAY_SIZE(pb_emerg_sizes)];
	unsigned long topped[ARRAY_SIZE(pb_emerg_sizes)];
	bool capped[ARRAY_SIZE(pb_emerg_sizes)];
	const unsigned int nk = ARRAY_SIZE(pb_kvpath_kinds);
	unsigned int iters = min_t(unsigned int, hot_iters, PB_KV_ITERS_MAX);
	unsigned int si;
	unsigned long i, cap;
	char s[PB_CELL];
	void **held;

	pb_out("== vmalloc paths under fragmentation: median ns per pair, hot loop of %u",
	       iters);
	pb_out("   pairs, %u runs, pgcluster VIRTOK with force_virtual=1%s.", repeats,
	       fill ? ", filler held" : "");
	pb_out("   Before each size, kmalloc of that size is drained (kmalloc NORETRY until");
	pb_out("   it fails, at most %u MiB held) to push kvmalloc onto its vmalloc path;",
	       drain_mb);
	pb_out("%s", "   kvmalloc's failing kmalloc try is part of its cost and is timed too.");
	if (fill)
		pb_fill_start();
	for (si = 0; si < ARRAY_SIZE(pb_emerg_sizes); si++) {
		size_t size = pb_emerg_sizes[si];

		cap = ((unsigned long)drain_mb << 20) / size;
		held = kvcalloc(cap, sizeof(*held), GFP_KERNEL);
		topped[si] = pb_fill_top_up();
		drained[si] = 0;
		capped[si] = false;
		if (held) {
			for (i = 0; i < cap; i++) {
				held[i] = kmalloc(size, PB_GFP_NORETRY);
				if (!held[i])
					break;
				cond_resched();
			}
			drained[si] = i;
			capped[si] = i == cap;
		}
		pb_measure(pb_kvpath_kinds, nk, size, iters, false,
			   &rows[si * nk]);
		if (held) {
			for (i = 0; i < drained[si]; i++)
				kfree(held[i]);
			kvfree(held);
		}
		cond_resched();
	}
	if (fill)
		pb_fill_stop();

	for (si = 0; si < ARRAY_SIZE(pb_emerg_sizes); si++)
		pb_out("   %s: filler top-up %lu blocks, drained %lu kmalloc objects%s",
		       pb_fmt_size(s, sizeof(s), pb_emerg_sizes[si]), topped[si],
		       drained[si],
		       capped[si] ? " (cap reached: kmalloc still succeeded)" : "");
	pb_print_vrows(pb_emerg_sizes, ARRAY_SIZE(pb_emerg_sizes),
		       pb_kvpath_kinds, nk, rows, 1);
}

/* ---------------------------------------------------------------- control */

static void pb_step_free(void)
{
	unsigned int n = pb_held_n;

	pb_release_held();
	pb_out("freed the %u pgcluster allocations kept by waste", n);
}

static void pb_step_all(void)
{
	pb_step_speed();
	pb_out("%s", "");
	pb_step_emerg();
	pb_out("%s", "");
	pb_step_waste();
	pb_step_free();
	pb_out("%s", "");
	pb_step_success();
}

static const struct {
	const char *name;
	void (*fn)(void);
} pb_steps[] = {
	{ "speed",	pb_step_speed },
	{ "emerg",	pb_step_emerg },
	{ "waste",	pb_step_waste },
	{ "free",	pb_step_free },
	{ "success",	pb_step_success },
	{ "kvpath",	pb_step_kvpath },
	{ "all",	pb_step_all },
};

static int pb_find_step(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pb_steps); i++)
		if (sysfs_streq(cmd, pb_steps[i].name))
			return i;
	return -EINVAL;
}

static void pb_run_step(int step, bool to_log)
{
	pb_len = 0;
	pb_buf[0] = '\0';
	pb_to_log = to_log;
	pb_steps[step].fn();
}

static ssize_t pb_run_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char cmd[PB_CMD_MAX];
	int step;

	if (!len || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	step = pb_find_step(cmd);
	if (step < 0)
		return step;
	if (mutex_lock_interruptible(&pb_lock))
		return -EINTR;
	pb_run_step(step, false);
	mutex_unlock(&pb_lock);
	return len;
}

static ssize_t pb_results_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	ssize_t ret;

	if (mutex_lock_interruptible(&pb_lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, len, ppos, pb_buf, pb_len);
	mutex_unlock(&pb_lock);
	return ret;
}

static const struct file_operations pb_run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pb_run_write,
	.llseek = noop_llseek,
};

static const struct file_operations pb_results_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = pb_results_read,
	.llseek = default_llseek,
};

static int pb_check_param(const char *name, unsigned int v, unsigned int min,
			  unsigned int max)
{
	if (v >= min && v <= max)
		return 0;
	pr_err("invalid %s=%u: expected an integer in [%u, %u]\n", name, v,
	       min, max);
	return -EINVAL;
}

static int __init pb_init(void)
{
	int step = -1;

	if (pb_check_param("repeats", repeats, 1, PB_REPEATS_MAX) ||
	    pb_check_param("hot_iters", hot_iters, 1, 1000000) ||
	    pb_check_param("batch", batch, 1, 100000) ||
	    pb_check_param("waste_count", waste_count, 1, 100000) ||
	    pb_check_param("success_n", success_n, 1, 100000) ||
	    pb_check_param("drain_mb", drain_mb, 1, 1024))
		return -EINVAL;
	if (!seed) {
		pr_err("invalid seed=0: must be nonzero\n");
		return -EINVAL;
	}
	if (run) {
		step = pb_find_step(run);
		if (step < 0) {
			pr_err("invalid run=%s: expected speed, emerg, waste, free, success, kvpath or all\n",
			       run);
			return -EINVAL;
		}
	}

	pb_ptrs = kvcalloc(batch, sizeof(*pb_ptrs), GFP_KERNEL);
	if (!pb_ptrs)
		return -ENOMEM;

	pb_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, pb_dir, NULL, &pb_run_fops);
	debugfs_create_file("results", 0400, pb_dir, NULL, &pb_results_fops);

	if (step >= 0) {
		mutex_lock(&pb_lock);
		pb_run_step(step, true);
		if (step == pb_find_step("waste"))
			pb_step_free();
		mutex_unlock(&pb_lock);
	}
	return 0;
}

static void __exit pb_exit(void)
{
	debugfs_remove_recursive(pb_dir);
	mutex_lock(&pb_lock);
	pb_release_held();
	mutex_unlock(&pb_lock);
	kvfree(pb_ptrs);
}

module_init(pb_init);
module_exit(pb_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pgcluster developers");
MODULE_DESCRIPTION("pgcluster benchmark: speed, waste and success under fragmentation");
