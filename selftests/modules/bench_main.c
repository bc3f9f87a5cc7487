// SPDX-License-Identifier: GPL-2.0
/*
 * pgcluster_bench.ko: measures pgcluster against the kernel's own allocators
 * and reports raw rows; scripts/bench_report.py turns them into tables,
 * ratios and goal lines, and scripts/bench.sh drives it in a guest.
 *
 * It uses pgcluster only through include/linux/pgcluster.h, like a driver.
 * A step runs when written to /sys/kernel/debug/pgcluster_bench/run (in the
 * writer's process context; the write returns when the step is done), its
 * rows are read back from .../results, one per line:
 *
 *   info KEY=VALUE...                         the settings of the run
 *   row STEP KEY=VALUE...                     one measurement
 *
 * bench_perf.c adds the growth, adv, tail, scale and obs steps.
 *
 * Steps ("run" takes "STEP [ARG]"):
 *
 *   speed        for 9000 B, 16, 36 and 128 KiB, per allocator (pgcluster
 *                contiguous, kmalloc, alloc_pages_exact, alloc_pages with
 *                the order rounded up, vmalloc) and mode ("hot": alloc then
 *                free at once, hot_iters times; "batch": batch allocations,
 *                then all freed): median, min and max over repeats runs,
 *                in ps per alloc+free pair; a batch run is timed whole with
 *                ktime_get_ns(), a hot run in PB_CHUNKS chunks whose median
 *                is the run's figure.
 *   emerg        the same for 16, 36 and 128 KiB: pgcluster VIRTOK (meant
 *                to run with pgcluster's force_virtual=1), vmalloc,
 *                kvmalloc; vhits counts results in vmalloc space.
 *   waste        waste_count live allocations, sizes uniform in
 *                [4 KiB, 128 KiB] (xorshift64 from seed): bytes requested
 *                and held per allocator.  pgcluster's set stays allocated
 *                so the caller can read pgcluster's stats; "free" frees it.
 *   success [A]  success_n requests of each size held at once by allocator
 *                A (all of them without A): how many succeeded, how many in
 *                vmalloc space.  One allocator a write, so that the caller
 *                can seal the lab (inject/control "seal") around each one.
 *   kvpath [S]   for size S (16384, 36864 or 131072; all without S):
 *                kmalloc of the size drained (kmalloc NORETRY until it
 *                fails, at most drain_mb), then kvmalloc, vmalloc and
 *                pgcluster VIRTOK timed as in emerg (hot loop only).
 *
 * Runs of all allocators are interleaved (run r of each, then run r + 1) so
 * that a slow phase of the host spreads over all of them.  Failures are
 * counted, never fatal; every allocation passes __GFP_NOWARN.  The timed
 * loops call the allocators directly through one inlined switch each.
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

#include "bench.h"

#define PB_BUF_SIZE	65536
#define PB_LINE_MAX	256
#define PB_CMD_MAX	48
#define PB_WASTE_MIN	4096
#define PB_WASTE_MAX	131072
#define PB_KV_ITERS_MAX	200

unsigned int repeats = 7;
module_param(repeats, uint, 0444);
MODULE_PARM_DESC(repeats, "Timed runs per row, median printed (1-31; default 7)");

unsigned int hot_iters = 1000;
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

static ulong seed = 0x9e3779b97f4a7c15UL;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the waste step's size sequence (nonzero)");

/* Names in the rows: one word each, bench_report.py knows them. */
const char *const pb_kind_name[] = {
	[PB_PGC]	 = "pgcluster",
	[PB_PGC_VIRT]	 = "pgcluster_virtok",
	[PB_KMALLOC]	 = "kmalloc",
	[PB_PAGES_EXACT] = "alloc_pages_exact",
	[PB_PAGES]	 = "alloc_pages",
	[PB_VMALLOC]	 = "vmalloc",
	[PB_KVMALLOC]	 = "kvmalloc",
};

/* One measured row: picoseconds per alloc+free pair, median/min/max. */
struct pb_row {
	u64 hot_ps, hot_min, hot_max;
	u64 batch_ps, batch_min, batch_max;
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
static struct dentry *pb_dir;
static void **pb_ptrs;		/* batch pointers */
static void **pb_held;		/* pgcluster set kept by "waste" */
static void **pb_success_ptrs;	/* success_n per size, one allocator */
static unsigned int pb_held_n;

void pb_out(const char *fmt, ...)
{
	char line[PB_LINE_MAX];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (pb_len + n + 2 > PB_BUF_SIZE)
		return;
	memcpy(pb_buf + pb_len, line, n);
	pb_len += n;
	pb_buf[pb_len++] = '\n';
	pb_buf[pb_len] = '\0';
}

/* Only the kinds that may return either kind of memory are checked. */
static __always_inline bool pb_check_virt(enum pb_kind k)
{
	return k == PB_PGC_VIRT || k == PB_KVMALLOC;
}

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
noinline u64 pb_hot(enum pb_kind k, size_t size, unsigned int n,
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

/**
 * pb_hot_ps() - picoseconds per hot pair in one run
 * @k: allocator
 * @size: bytes
 * @iters: pairs in the run
 * @c: counters to add to
 *
 * The run is timed in PB_CHUNKS chunks and its figure is the median chunk:
 * a vCPU preempted by a busy host, or a tick, costs one chunk, not the run.
 *
 * Return: the median chunk's picoseconds per pair.
 */
u64 pb_hot_ps(enum pb_kind k, size_t size, unsigned int iters,
	      struct pb_counts *c)
{
	u64 chunk[PB_CHUNKS];
	unsigned int i, n = iters >= 10 * PB_CHUNKS ? PB_CHUNKS : 1;
	unsigned int per = iters / n;

	for (i = 0; i < n; i++)
		chunk[i] = div_u64(pb_hot(k, size, per, c) * 1000, per);
	return pb_median(chunk, n);
}

u64 pb_median(u64 *v, unsigned int n)
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
			hot[k][i] = pb_hot_ps(kinds[k], size, iters, &c[k]);
			cond_resched();
		}
	}
	for (k = 0; k < nk; k++) {
		rows[k].hot_ok = !c[k].fails;
		rows[k].hot_ps = pb_median(hot[k], repeats);
		rows[k].hot_min = hot[k][0];
		rows[k].hot_max = hot[k][repeats - 1];
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
			rows[k].batch_min = bat[k][0];
			rows[k].batch_max = bat[k][repeats - 1];
			rows[k].measured_batch = true;
		}
		rows[k].fails = c[k].fails;
		rows[k].vhits = c[k].vhits;
		rows[k].done = c[k].done;
	}
}

#define PB_ROW_FMT \
	"row %s size=%zu alloc=%s mode=%s ps=%llu min=%llu max=%llu ok=%d fails=%lu vhits=%lu done=%lu"

/* One "row" line per mode of a measured allocator. */
static void pb_out_rows(const char *step, size_t size, enum pb_kind k,
			const struct pb_row *r)
{
	pb_out(PB_ROW_FMT, step, size, pb_kind_name[k], "hot", r->hot_ps,
	       r->hot_min, r->hot_max, r->hot_ok, r->fails, r->vhits, r->done);
	if (r->measured_batch)
		pb_out(PB_ROW_FMT, step, size, pb_kind_name[k], "batch",
		       r->batch_ps, r->batch_min, r->batch_max, r->batch_ok,
		       r->fails, r->vhits, r->done);
}

static void pb_out_info(void)
{
	pb_out("info repeats=%u hot_iters=%u batch=%u init_on_alloc=%d init_on_free=%d",
	       repeats, hot_iters, batch, want_init_on_alloc(GFP_KERNEL),
	       want_init_on_free());
}

/* ------------------------------------------------------------------ speed */

static const size_t pb_speed_sizes[] = { 9000, 16384, 36864, 131072 };
static const enum pb_kind pb_speed_kinds[] = {
	PB_PGC, PB_KMALLOC, PB_PAGES_EXACT, PB_PAGES, PB_VMALLOC,
};

static void pb_step_speed(const char *arg)
{
	/* Static (under pb_lock) to keep the stack frame small. */
	static struct pb_row rows[ARRAY_SIZE(pb_speed_kinds)];
	unsigned int si, ki;

	pb_out_info();
	for (si = 0; si < ARRAY_SIZE(pb_speed_sizes); si++) {
		pb_measure(pb_speed_kinds, ARRAY_SIZE(pb_speed_kinds),
			   pb_speed_sizes[si], hot_iters, true, rows);
		for (ki = 0; ki < ARRAY_SIZE(pb_speed_kinds); ki++)
			pb_out_rows("speed", pb_speed_sizes[si],
				    pb_speed_kinds[ki], &rows[ki]);
	}
}

/* -------------------------------------------------------------- emergency */

static const size_t pb_emerg_sizes[] = { 16384, 36864, 131072 };
static const enum pb_kind pb_emerg_kinds[] = {
	PB_PGC_VIRT, PB_VMALLOC, PB_KVMALLOC,
};

static void pb_step_emerg(const char *arg)
{
	static struct pb_row rows[ARRAY_SIZE(pb_emerg_kinds)];
	unsigned int si, ki;

	pb_out_info();
	for (si = 0; si < ARRAY_SIZE(pb_emerg_sizes); si++) {
		pb_measure(pb_emerg_kinds, ARRAY_SIZE(pb_emerg_kinds),
			   pb_emerg_sizes[si], hot_iters, true, rows);
		for (ki = 0; ki < ARRAY_SIZE(pb_emerg_kinds); ki++)
			pb_out_rows("emerg", pb_emerg_sizes[si],
				    pb_emerg_kinds[ki], &rows[ki]);
	}
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

static void pb_step_waste(const char *arg)
{
	size_t *sizes;
	void **ptrs;
	unsigned int i, ki;
	u64 st = seed;

	pb_release_held();
	sizes = kvmalloc_array(waste_count, sizeof(*sizes), GFP_KERNEL);
	ptrs = kvcalloc(waste_count, sizeof(*ptrs), GFP_KERNEL);
	if (!sizes || !ptrs) {
		pb_out("error waste: no memory for %u entries", waste_count);
		kvfree(sizes);
		kvfree(ptrs);
		return;
	}
	for (i = 0; i < waste_count; i++)
		sizes[i] = PB_WASTE_MIN +
			   pb_rng_below(&st, PB_WASTE_MAX - PB_WASTE_MIN + 1);

	pb_out("info waste_count=%u min=%u max=%u seed=%#lx", waste_count,
	       PB_WASTE_MIN, PB_WASTE_MAX, seed);
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
		pb_out("row waste alloc=%s requested=%llu held=%llu fails=%lu",
		       pb_kind_name[k], req, held, fails);
		/* vmalloc's address space: each area has a guard page. */
		if (k == PB_VMALLOC)
			pb_out("row waste alloc=vmalloc_va requested=%llu held=%llu fails=%lu",
			       req, va, fails);
		if (k == PB_PGC) {
			/* Kept live for the caller's reading of stats. */
			pb_held = ptrs;
			pb_held_n = waste_count;
			ptrs = NULL;
			break;
		}
		for (i = 0; i < waste_count; i++)
			if (ptrs[i])
				pb_free(k, ptrs[i], sizes[i]);
	}
	kvfree(ptrs);
	kvfree(sizes);
}

static void pb_step_free(const char *arg)
{
	pb_out("info freed=%u", pb_held_n);
	pb_release_held();
}

/* ---------------------------------------------------------------- success */

static const size_t pb_success_sizes[] = { 9000, 16384, 36864, 131072 };

static const struct {
	enum pb_kind kind;
	gfp_t gfp;
	const char *name;
} pb_success_kinds[] = {
	{ PB_PAGES,	PB_GFP_NORETRY,	"alloc_pages_noretry" },
	{ PB_KMALLOC,	PB_GFP_NORETRY,	"kmalloc_noretry" },
	{ PB_KVMALLOC,	PB_GFP,		"kvmalloc" },
	{ PB_PGC,	PB_GFP,		"pgcluster" },
	{ PB_PGC_VIRT,	PB_GFP,		"pgcluster_virtok" },
};

/* Every size of allocator @ki, all held at once, then freed. */
static void pb_success_one(unsigned int ki)
{
	enum pb_kind k = pb_success_kinds[ki].kind;
	unsigned int si, i;
	unsigned long ok, virt;
	void **p = pb_success_ptrs;

	for (si = 0; si < ARRAY_SIZE(pb_success_sizes); si++) {
		for (i = 0; i < success_n; i++) {
			p[si * success_n + i] = pb_alloc(k, pb_success_sizes[si],
							 pb_success_kinds[ki].gfp);
			cond_resched();
		}
	}
	for (si = 0; si < ARRAY_SIZE(pb_success_sizes); si++) {
		ok = 0;
		virt = 0;
		for (i = 0; i < success_n; i++) {
			if (!p[si * success_n + i])
				continue;
			ok++;
			if (is_vmalloc_addr(p[si * success_n + i]))
				virt++;
		}
		pb_out("row success size=%zu alloc=%s n=%u ok=%lu virt=%lu",
		       pb_success_sizes[si], pb_success_kinds[ki].name,
		       success_n, ok, virt);
	}
	for (si = 0; si < ARRAY_SIZE(pb_success_sizes); si++)
		for (i = 0; i < success_n; i++)
			if (p[si * success_n + i])
				pb_free(k, p[si * success_n + i],
					pb_success_sizes[si]);
}

static void pb_step_success(const char *arg)
{
	unsigned int ki;
	bool any = false;

	for (ki = 0; ki < ARRAY_SIZE(pb_success_kinds); ki++) {
		if (*arg && !sysfs_streq(arg, pb_success_kinds[ki].name))
			continue;
		pb_success_one(ki);
		any = true;
		cond_resched();
	}
	if (!any)
		pb_out("error success: no allocator called %s", arg);
}

/* ----------------------------------------------------------------- kvpath */

static const enum pb_kind pb_kvpath_kinds[] = {
	PB_KVMALLOC, PB_VMALLOC, PB_PGC_VIRT,
};

static void pb_kvpath_one(size_t size)
{
	static struct pb_row rows[ARRAY_SIZE(pb_kvpath_kinds)];
	unsigned int iters = min_t(unsigned int, hot_iters, PB_KV_ITERS_MAX);
	unsigned long i, cap, drained = 0;
	unsigned int ki;
	void **held;

	cap = ((unsigned long)drain_mb << 20) / size;
	held = kvcalloc(cap, sizeof(*held), GFP_KERNEL);
	if (held) {
		for (i = 0; i < cap; i++) {
			held[i] = kmalloc(size, PB_GFP_NORETRY);
			if (!held[i])
				break;
			cond_resched();
		}
		drained = i;
	}
	pb_measure(pb_kvpath_kinds, ARRAY_SIZE(pb_kvpath_kinds), size, iters,
		   false, rows);
	if (held) {
		for (i = 0; i < drained; i++)
			kfree(held[i]);
		kvfree(held);
	}
	pb_out("row kvdrain size=%zu drained=%lu capped=%d", size, drained,
	       drained == cap);
	for (ki = 0; ki < ARRAY_SIZE(pb_kvpath_kinds); ki++)
		pb_out_rows("kvpath", size, pb_kvpath_kinds[ki], &rows[ki]);
}

static void pb_step_kvpath(const char *arg)
{
	unsigned int si;
	bool any = false;

	pb_out("info repeats=%u kv_iters=%u drain_mb=%u", repeats,
	       min_t(unsigned int, hot_iters, PB_KV_ITERS_MAX), drain_mb);
	for (si = 0; si < ARRAY_SIZE(pb_emerg_sizes); si++) {
		char want[24];

		snprintf(want, sizeof(want), "%zu", pb_emerg_sizes[si]);
		if (*arg && !sysfs_streq(arg, want))
			continue;
		pb_kvpath_one(pb_emerg_sizes[si]);
		any = true;
		cond_resched();
	}
	if (!any)
		pb_out("error kvpath: no size %s", arg);
}

/* ---------------------------------------------------------------- control */

static const struct {
	const char *name;
	void (*fn)(const char *arg);
} pb_steps[] = {
	{ "speed",	pb_step_speed },
	{ "emerg",	pb_step_emerg },
	{ "waste",	pb_step_waste },
	{ "free",	pb_step_free },
	{ "success",	pb_step_success },
	{ "kvpath",	pb_step_kvpath },
	{ "growth",	pb_step_growth },
	{ "adv",	pb_step_adv },
	{ "tail",	pb_step_tail },
	{ "scale",	pb_step_scale },
	{ "obs",	pb_step_obs },
};

/* "STEP [ARG]": the step's index, @arg pointed at ARG ("" without). */
static int pb_find_step(char *cmd, const char **arg)
{
	char *name = strim(cmd), *rest;
	unsigned int i;

	rest = strchr(name, ' ');
	if (rest)
		*rest++ = '\0';
	*arg = rest ? skip_spaces(rest) : "";
	for (i = 0; i < ARRAY_SIZE(pb_steps); i++)
		if (!strcmp(name, pb_steps[i].name))
			return i;
	return -EINVAL;
}

static ssize_t pb_run_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char cmd[PB_CMD_MAX];
	const char *arg;
	int step;

	if (*ppos || !len || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	step = pb_find_step(cmd, &arg);
	if (step < 0)
		return step;
	if (mutex_lock_interruptible(&pb_lock))
		return -EINTR;
	pb_len = 0;
	pb_buf[0] = '\0';
	pb_steps[step].fn(arg);
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
	int ret;

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

	/*
	 * Taken here, not in the step: a success step runs inside a seal,
	 * where even a small kmalloc may fail.
	 */
	pb_ptrs = kvcalloc(batch, sizeof(*pb_ptrs), GFP_KERNEL);
	pb_success_ptrs = kvcalloc((size_t)success_n *
				   ARRAY_SIZE(pb_success_sizes),
				   sizeof(*pb_success_ptrs), GFP_KERNEL);
	if (!pb_ptrs || !pb_success_ptrs) {
		kvfree(pb_ptrs);
		kvfree(pb_success_ptrs);
		return -ENOMEM;
	}

	ret = pb_perf_init();
	if (ret) {
		kvfree(pb_ptrs);
		kvfree(pb_success_ptrs);
		return ret;
	}

	pb_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, pb_dir, NULL, &pb_run_fops);
	debugfs_create_file("results", 0400, pb_dir, NULL, &pb_results_fops);
	return 0;
}

static void __exit pb_exit(void)
{
	debugfs_remove_recursive(pb_dir);
	mutex_lock(&pb_lock);
	pb_release_held();
	mutex_unlock(&pb_lock);
	pb_perf_exit();
	kvfree(pb_success_ptrs);
	kvfree(pb_ptrs);
}

module_init(pb_init);
module_exit(pb_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pgcluster developers");
MODULE_DESCRIPTION("pgcluster benchmark: raw rows of speed, waste and success under fragmentation");
