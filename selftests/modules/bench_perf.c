// SPDX-License-Identifier: GPL-2.0
/*
 * The steps of pgcluster_bench.ko that measure how pgcluster's cost behaves
 * (issue 13): cost growth with live allocations and pool size, single
 * allocation latency percentiles, multi-thread throughput and the cost of
 * observability.  bench_main.c dispatches the steps; every figure is given
 * as min/median/max over "repeats" runs ("a/b/c" in the rows), the runs of
 * the allocators interleaved.
 *
 *   growth live N  hold N pgcluster and N kmalloc allocations (9000 B; 4 KiB
 *                  from 100000 on, so that both sets fit in the guest), then
 *                  time the 9000 B hot pair (ps) and single allocations (ns)
 *   growth         the same without a held set: the caller sets the pool up
 *                  (debugfs pool_grow) and labels the rows
 *   adv fill|miss|free  fill the pool with GFP_NOWAIT as holes one granule
 *                  too small for 9000 B separated by 64 B pins, the holes
 *                  freed; "miss" times 9000 B GFP_NOWAIT requests that
 *                  search every cluster and fail; "free" releases the pins
 *   tail C [MB]    latency percentiles (p50, p99, p99.9, max) of single
 *                  allocations, tail_n samples a run, for four allocators
 *                  at three sizes; with MB a kthread repeatedly takes up to
 *                  MB MiB of pages and gives them back, to press reclaim
 *   scale          pairs/s of 9000 B with 1, 2, 4 and 8 kthreads for scale_ms
 *   obs            the 9000 B hot pair of pgcluster and kmalloc; the caller
 *                  switches tracepoints or caller accounting around it
 *
 * Runs under bench_main.c's step mutex; the buffers below are its.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "bench.h"

#define PB_PAIR_SIZE	9000
#define PB_PIN_SIZE	64
#define PB_GRANULE	64
#define PB_ADV_MAX	(512 * 1024)	/* holes + pins: 1 GiB of 9000 B pairs */
#define PB_THREADS_MAX	8
#define PB_FIG_LEN	72

static unsigned int tail_n = 5000;
module_param(tail_n, uint, 0444);
MODULE_PARM_DESC(tail_n, "Samples per tail-latency run (100-100000; default 5000)");

static unsigned int scale_ms = 200;
module_param(scale_ms, uint, 0444);
MODULE_PARM_DESC(scale_ms, "Duration of one scaling run, ms (10-10000; default 200)");

static u64 *pb_samples;		/* tail_n single-allocation latencies */
static void **pb_adv;		/* adv: pins at even, holes at odd slots */
static unsigned int pb_adv_n;

/* "min/median/max" of @n values; sorts @v. */
static const char *pb_fig(char *buf, u64 *v, unsigned int n)
{
	u64 med = pb_median(v, n);

	snprintf(buf, PB_FIG_LEN, "%llu/%llu/%llu", v[0], med, v[n - 1]);
	return buf;
}

static int pb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static __always_inline unsigned int pb_lat_loop(enum pb_kind k, size_t size,
						unsigned int n, u64 *s,
						struct pb_counts *c)
{
	unsigned int i, m = 0;
	u64 t0, t1;
	void *p;

	for (i = 0; i < n; i++) {
		t0 = ktime_get_ns();
		p = pb_alloc(k, size, PB_GFP);
		t1 = ktime_get_ns();
		if (unlikely(!p)) {
			c->fails++;
			continue;
		}
		c->done++;
		s[m++] = t1 - t0;
		pb_free(k, p, size);
		if (!(i & 255))
			cond_resched();
	}
	return m;
}

/* One sample per allocation, each timed alone; the free is not timed. */
static noinline unsigned int pb_lat(enum pb_kind k, size_t size,
				    unsigned int n, u64 *s,
				    struct pb_counts *c)
{
	switch (k) {
	case PB_PGC:
		return pb_lat_loop(PB_PGC, size, n, s, c);
	case PB_KMALLOC:
		return pb_lat_loop(PB_KMALLOC, size, n, s, c);
	case PB_PAGES:
		return pb_lat_loop(PB_PAGES, size, n, s, c);
	case PB_VMALLOC:
		return pb_lat_loop(PB_VMALLOC, size, n, s, c);
	default:
		return 0;
	}
}

/* Percentiles of one latency run, in ns: p50, p99, p99.9, max. */
struct pb_pct {
	u64 v[4];
};

static void pb_pct_of(u64 *s, unsigned int m, struct pb_pct *p)
{
	if (!m) {
		memset(p, 0, sizeof(*p));
		return;
	}
	sort(s, m, sizeof(*s), pb_cmp_u64, NULL);
	p->v[0] = s[(u64)m * 50 / 100];
	p->v[1] = s[(u64)m * 99 / 100];
	p->v[2] = s[(u64)m * 999 / 1000];
	p->v[3] = s[m - 1];
}

#define PB_COST_KINDS	2
static const enum pb_kind pb_cost_kinds[PB_COST_KINDS] = { PB_PGC, PB_KMALLOC };

/*
 * The 9000 B hot pair (ps per pair) and single-allocation latency (ns) of
 * pgcluster and kmalloc, runs interleaved; one row each, @extra after the
 * step name.
 */
static void pb_cost(const char *step, const char *extra, bool lat)
{
	static u64 pair[PB_COST_KINDS][PB_REPEATS_MAX];
	static u64 pct[PB_COST_KINDS][4][PB_REPEATS_MAX];
	struct pb_counts c[PB_COST_KINDS] = { };
	struct pb_counts warm = { };
	char f[4][PB_FIG_LEN];
	unsigned int iters = hot_iters, r, k, j, m;
	struct pb_pct p;

	for (k = 0; k < PB_COST_KINDS; k++)
		pb_hot(pb_cost_kinds[k], PB_PAIR_SIZE, iters / 8 + 1, &warm);
	for (r = 0; r < repeats; r++) {
		for (k = 0; k < PB_COST_KINDS; k++) {
			pair[k][r] = pb_hot_ps(pb_cost_kinds[k], PB_PAIR_SIZE,
					       iters, &c[k]);
			if (lat) {
				m = pb_lat(pb_cost_kinds[k], PB_PAIR_SIZE,
					   min(iters, tail_n), pb_samples,
					   &c[k]);
				pb_pct_of(pb_samples, m, &p);
				for (j = 0; j < 4; j++)
					pct[k][j][r] = p.v[j];
			}
			cond_resched();
		}
	}
	for (k = 0; k < PB_COST_KINDS; k++) {
		if (!lat) {
			pb_out("row %s %salloc=%s pair=%s fails=%lu", step, extra,
			       pb_kind_name[pb_cost_kinds[k]],
			       pb_fig(f[0], pair[k], repeats), c[k].fails);
			continue;
		}
		pb_out("row %s %salloc=%s pair=%s lat50=%s lat99=%s latmax=%s fails=%lu",
		       step, extra, pb_kind_name[pb_cost_kinds[k]],
		       pb_fig(f[0], pair[k], repeats),
		       pb_fig(f[1], pct[k][0], repeats),
		       pb_fig(f[2], pct[k][1], repeats),
		       pb_fig(f[3], pct[k][3], repeats), c[k].fails);
	}
}

/* ----------------------------------------------------------------- growth */

void pb_step_growth(const char *arg)
{
	unsigned long n = 0, i, got[PB_COST_KINDS] = { };
	char extra[64];
	size_t held;
	void **ptrs;
	unsigned int k;

	pb_out("info repeats=%u hot_iters=%u lat_n=%u", repeats, hot_iters,
	       min(hot_iters, tail_n));
	if (!*arg) {
		pb_cost("growth", "", true);
		return;
	}
	if (strncmp(arg, "live ", 5) || kstrtoul(arg + 5, 10, &n) ||
	    n > 1000000) {
		pb_out("error growth: expected \"live N\", got %s", arg);
		return;
	}
	held = n >= 100000 ? 4096 : PB_PAIR_SIZE;
	ptrs = kvcalloc(n * PB_COST_KINDS + 1, sizeof(*ptrs), GFP_KERNEL);
	if (!ptrs) {
		pb_out("error growth: no memory for %lu pointers", n);
		return;
	}
	for (k = 0; k < PB_COST_KINDS; k++) {
		for (i = 0; i < n; i++) {
			ptrs[k * n + i] = pb_alloc(pb_cost_kinds[k], held, PB_GFP);
			if (ptrs[k * n + i])
				got[k]++;
			if (!(i & 255))
				cond_resched();
		}
	}
	snprintf(extra, sizeof(extra), "n=%lu held=%zu ", n, held);
	pb_cost("growth", extra, true);
	pb_out("row heldset n=%lu held=%zu pgcluster=%lu kmalloc=%lu", n, held,
	       got[0], got[1]);
	for (k = 0; k < PB_COST_KINDS; k++) {
		for (i = 0; i < n; i++) {
			if (ptrs[k * n + i])
				pb_free(pb_cost_kinds[k], ptrs[k * n + i], held);
			if (!(i & 255))
				cond_resched();
		}
	}
	kvfree(ptrs);
}

/* ------------------------------------------------------------ adversarial */

static void pb_adv_release(void)
{
	unsigned int i;

	for (i = 0; i < pb_adv_n; i++)
		pgcluster_free(pb_adv[i]);
	pb_adv_n = 0;
}

/*
 * Holes of 9000 B rounded to the granule, less one granule: no 9000 B
 * request fits one, and the pins keep neighbouring holes apart.  GFP_NOWAIT
 * never grows the pool, so the fill stops when every cluster is full.
 */
static void pb_adv_fill(void)
{
	size_t hole = ALIGN(PB_PAIR_SIZE, PB_GRANULE) - PB_GRANULE;
	gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	unsigned int holes = 0, i;
	void *h, *pin;

	pb_adv_release();
	while (pb_adv_n + 2 <= PB_ADV_MAX) {
		h = pgcluster_alloc(hole, gfp, 0);
		if (!h)
			break;
		pin = pgcluster_alloc(PB_PIN_SIZE, gfp, 0);
		if (!pin) {
			pgcluster_free(h);
			break;
		}
		pb_adv[pb_adv_n++] = pin;
		pb_adv[pb_adv_n++] = h;
		holes++;
		if (!(holes & 255))
			cond_resched();
	}
	/* Free the holes; the pins stay, at the front of the array. */
	for (i = 0; i < pb_adv_n / 2; i++) {
		pgcluster_free(pb_adv[2 * i + 1]);
		pb_adv[i] = pb_adv[2 * i];
	}
	pb_adv_n /= 2;
	pb_out("row advfill holes=%u hole_size=%zu pin_size=%u capped=%d",
	       holes, hole, PB_PIN_SIZE, pb_adv_n + 2 > PB_ADV_MAX / 2);
}

/* The cost of a request no cluster can serve: the whole search, then NULL. */
static void pb_adv_miss(void)
{
	static u64 med[PB_REPEATS_MAX], top[PB_REPEATS_MAX];
	unsigned int n = max(hot_iters / 10, 10U), r, i, hits = 0;
	char f[2][PB_FIG_LEN];
	u64 t0;
	void *p;

	for (r = 0; r < repeats; r++) {
		for (i = 0; i < n; i++) {
			t0 = ktime_get_ns();
			p = pgcluster_alloc(PB_PAIR_SIZE, GFP_NOWAIT | __GFP_NOWARN, 0);
			pb_samples[i] = ktime_get_ns() - t0;
			if (p) {
				hits++;
				pgcluster_free(p);
			}
		}
		sort(pb_samples, n, sizeof(*pb_samples), pb_cmp_u64, NULL);
		med[r] = pb_samples[n / 2];
		top[r] = pb_samples[n - 1];
		cond_resched();
	}
	pb_out("row advmiss n_req=%u miss50=%s missmax=%s hits=%u", n,
	       pb_fig(f[0], med, repeats), pb_fig(f[1], top, repeats), hits);
}

void pb_step_adv(const char *arg)
{
	if (!strcmp(arg, "fill")) {
		pb_adv_fill();
	} else if (!strcmp(arg, "miss")) {
		pb_adv_miss();
	} else if (!strcmp(arg, "free")) {
		pb_out("info adv_freed=%u", pb_adv_n);
		pb_adv_release();
	} else {
		pb_out("error adv: expected fill or free, got %s", arg);
	}
}

/* ------------------------------------------------------------------- tail */

/* The memory hog of "tail C MB": takes up to MB MiB of pages, frees them. */
struct pb_hog {
	unsigned long limit;	/* pages */
	unsigned long rounds;
	unsigned long most;	/* most pages held at once */
};

static int pb_hog_fn(void *data)
{
	struct pb_hog *hog = data;
	struct page *page, *tmp;
	unsigned long held;
	LIST_HEAD(list);

	while (!kthread_should_stop()) {
		for (held = 0; held < hog->limit && !kthread_should_stop();
		     held++) {
			page = alloc_page(PB_GFP_NORETRY);
			if (!page)
				break;
			list_add(&page->lru, &list);
			if (!(held & 255))
				cond_resched();
		}
		hog->most = max(hog->most, held);
		list_for_each_entry_safe(page, tmp, &list, lru) {
			list_del(&page->lru);
			__free_page(page);
		}
		hog->rounds++;
		/* Pressure in bursts: the timed thread must still get a CPU. */
		msleep(200);
	}
	return 0;
}

static const size_t pb_tail_sizes[] = { 9000, 36864, 131072 };
#define PB_TAIL_KINDS	4
static const enum pb_kind pb_tail_kinds[PB_TAIL_KINDS] = {
	PB_PGC, PB_KMALLOC, PB_PAGES, PB_VMALLOC,
};

#define PB_TAIL_FMT \
	"row tail cond=%s size=%zu alloc=%s n=%u p50=%s p99=%s p999=%s max=%s fails=%lu"

static void pb_tail_size(const char *cond, size_t size)
{
	static u64 pct[PB_TAIL_KINDS][4][PB_REPEATS_MAX];
	struct pb_counts c[PB_TAIL_KINDS] = { };
	char f[4][PB_FIG_LEN];
	unsigned int r, k, j, m;
	struct pb_pct p;

	for (r = 0; r < repeats; r++) {
		for (k = 0; k < PB_TAIL_KINDS; k++) {
			m = pb_lat(pb_tail_kinds[k], size, tail_n, pb_samples,
				   &c[k]);
			pb_pct_of(pb_samples, m, &p);
			for (j = 0; j < 4; j++)
				pct[k][j][r] = p.v[j];
			cond_resched();
		}
	}
	for (k = 0; k < PB_TAIL_KINDS; k++)
		pb_out(PB_TAIL_FMT, cond, size, pb_kind_name[pb_tail_kinds[k]], tail_n,
		       pb_fig(f[0], pct[k][0], repeats),
		       pb_fig(f[1], pct[k][1], repeats),
		       pb_fig(f[2], pct[k][2], repeats),
		       pb_fig(f[3], pct[k][3], repeats), c[k].fails);
}

void pb_step_tail(const char *arg)
{
	struct pb_hog hog = { };
	struct task_struct *t = NULL;
	char cond[24];
	unsigned long mb = 0;
	const char *sp;
	unsigned int si;

	sp = strchr(arg, ' ');
	strscpy(cond, arg, sizeof(cond));
	if (sp) {
		cond[min_t(size_t, sp - arg, sizeof(cond) - 1)] = '\0';
		if (kstrtoul(skip_spaces(sp), 10, &mb) || mb > (1UL << 20)) {
			pb_out("error tail: bad hog size in %s", arg);
			return;
		}
	}
	if (!*cond)
		strscpy(cond, "quiet", sizeof(cond));
	pb_out("info repeats=%u tail_n=%u hog_mb=%lu", repeats, tail_n, mb);
	if (mb) {
		hog.limit = mb << (20 - PAGE_SHIFT);
		t = kthread_run(pb_hog_fn, &hog, "pgcbench_hog");
		if (IS_ERR(t)) {
			pb_out("error tail: no hog thread (%ld)", PTR_ERR(t));
			t = NULL;
		}
	}
	for (si = 0; si < ARRAY_SIZE(pb_tail_sizes); si++)
		pb_tail_size(cond, pb_tail_sizes[si]);
	if (t) {
		kthread_stop(t);
		pb_out("row hog cond=%s mb=%lu rounds=%lu most_mb=%lu", cond, mb,
		       hog.rounds, hog.most >> (20 - PAGE_SHIFT));
	}
}

/* ------------------------------------------------------------------ scale */

struct pb_thread {
	struct completion done;
	enum pb_kind kind;
	struct pb_counts c;
};

static struct pb_thread pb_threads[PB_THREADS_MAX];
static DECLARE_COMPLETION(pb_go);
static bool pb_stop;

static int pb_thread_fn(void *data)
{
	struct pb_thread *t = data;

	wait_for_completion(&pb_go);
	while (!READ_ONCE(pb_stop)) {
		pb_hot(t->kind, PB_PAIR_SIZE, 32, &t->c);
		cond_resched();
	}
	kthread_complete_and_exit(&t->done, 0);
}

/* Pairs per second of @nt threads of @k for scale_ms; 0 on failure. */
static u64 pb_scale_run(enum pb_kind k, unsigned int nt, unsigned long *fails)
{
	struct task_struct *task;
	unsigned long done = 0;
	unsigned int i, started = 0;
	u64 t0, t1;

	reinit_completion(&pb_go);
	WRITE_ONCE(pb_stop, false);
	for (i = 0; i < nt; i++) {
		memset(&pb_threads[i].c, 0, sizeof(pb_threads[i].c));
		pb_threads[i].kind = k;
		init_completion(&pb_threads[i].done);
		task = kthread_run(pb_thread_fn, &pb_threads[i], "pgcbench/%u", i);
		if (IS_ERR(task))
			break;
		started++;
	}
	if (started < nt)
		WRITE_ONCE(pb_stop, true);
	t0 = ktime_get_ns();
	complete_all(&pb_go);
	if (started == nt)
		msleep(scale_ms);
	WRITE_ONCE(pb_stop, true);
	for (i = 0; i < started; i++) {
		wait_for_completion(&pb_threads[i].done);
		done += pb_threads[i].c.done;
		*fails += pb_threads[i].c.fails;
	}
	t1 = ktime_get_ns();
	if (started < nt || t1 <= t0)
		return 0;
	return div64_u64((u64)done * NSEC_PER_SEC, t1 - t0);
}

static const unsigned int pb_scale_threads[] = { 1, 2, 4, 8 };

void pb_step_scale(const char *arg)
{
	static u64 pps[PB_TAIL_KINDS][ARRAY_SIZE(pb_scale_threads)][PB_REPEATS_MAX];
	unsigned long fails[PB_TAIL_KINDS] = { };
	unsigned int r, ti, k;
	char f[PB_FIG_LEN];

	pb_out("info repeats=%u scale_ms=%u cpus=%u", repeats, scale_ms,
	       num_online_cpus());
	for (r = 0; r < repeats; r++)
		for (ti = 0; ti < ARRAY_SIZE(pb_scale_threads); ti++)
			for (k = 0; k < PB_TAIL_KINDS; k++)
				pps[k][ti][r] = pb_scale_run(pb_tail_kinds[k],
							     pb_scale_threads[ti],
							     &fails[k]);
	for (k = 0; k < PB_TAIL_KINDS; k++)
		for (ti = 0; ti < ARRAY_SIZE(pb_scale_threads); ti++)
			pb_out("row scale size=%u alloc=%s threads=%u pps=%s fails=%lu",
			       PB_PAIR_SIZE, pb_kind_name[pb_tail_kinds[k]],
			       pb_scale_threads[ti],
			       pb_fig(f, pps[k][ti], repeats), fails[k]);
}

/* -------------------------------------------------------------------- obs */

void pb_step_obs(const char *arg)
{
	pb_out("info repeats=%u hot_iters=%u", repeats, hot_iters);
	pb_cost("obs", "", false);
}

/* ------------------------------------------------------------------- init */

int pb_perf_init(void)
{
	if (tail_n < 100 || tail_n > 100000 || scale_ms < 10 ||
	    scale_ms > 10000) {
		pr_err("invalid tail_n=%u or scale_ms=%u\n", tail_n, scale_ms);
		return -EINVAL;
	}
	pb_samples = kvmalloc_array(max(tail_n, hot_iters), sizeof(*pb_samples),
				    GFP_KERNEL);
	pb_adv = kvmalloc_array(PB_ADV_MAX, sizeof(*pb_adv), GFP_KERNEL);
	if (!pb_samples || !pb_adv) {
		kvfree(pb_samples);
		kvfree(pb_adv);
		return -ENOMEM;
	}
	return 0;
}

void pb_perf_exit(void)
{
	pb_adv_release();
	kvfree(pb_adv);
	kvfree(pb_samples);
}
