// SPDX-License-Identifier: GPL-2.0
/*
 * driver_sim.ko: plays a network driver for the fragmentation experiment
 * (docs/experiment.md, issue 12).
 *
 * Buffers: 9000 B jumbo-frame receive buffers (half of all requests), and
 * 16 KiB, 36 KiB and 128 KiB buffers (a fifth, a fifth and a tenth).  Each
 * buffer lives for a time drawn log-uniformly between 1 ms and 4.096 s
 * (2^U ms, U uniform in [0, 12)): most are short lived like receive buffers
 * handed up the stack, a long tail is held like socket queues.  The median
 * lifetime is 64 ms.
 *
 * Contexts: "threads" kthreads, each owning "slots" buffer slots, take one
 * step every period_us (GFP_KERNEL); a timer takes tick_ops steps per jiffy
 * in softirq context with its own slots (GFP_ATOMIC).  A step frees every
 * expired buffer of its context, then fills one empty slot.  All randomness
 * comes from xorshift64* generators seeded from "seed".  Each context draws
 * its requests (size, tag, lifetime together) from one generator and its
 * slot choice from another, so two boots with the same seed make the same
 * requests in the same order, failed ones included; when they are made
 * and which are live at once still depends on timing.
 *
 * Arms (parameter arm): 0 kmalloc (sizes above 8 KiB go to the page
 * allocator as compound pages), 1 pgcluster_alloc(), 2 pgcluster_alloc()
 * with PGCLUSTER_VIRTOK.  Every buffer is filled with a pattern derived from
 * its tag and checked when freed: a mismatch counts as lost data.
 *
 * debugfs /sys/kernel/debug/driver_sim/:
 *   sample   "name value" lines: counters since load, allocation latency
 *            percentiles since the previous read of sample (then reset),
 *            and one buddy probe per order 2, 3 and 9
 *            (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, freed at once)
 *   stats    the same counters with percentiles since load; no probe
 *   control  "freeze" (stop allocating and freeing, keep the live buffers),
 *            "start" (resume), "stop" (freeze and free every buffer, the
 *            worst case's fill included)
 *   worst    the design's worst case, with memory sealed by pgcluster's lab
 *            between the two writes:
 *              "prepare TASKS FILL": TASKS kthreads wait for "run"; with
 *              FILL 1 (pgcluster arms) the pool is first filled with held
 *              GFP_ATOMIC allocations, which never grow it, so requests
 *              must grow it or go elsewhere
 *              "run MS": for MS ms every task repeats a step: take a
 *              16 KiB buffer (GFP_KERNEL | __GFP_NORETRY), fill, hold it
 *              across a short sleep, check, free; a failed request is
 *              retried after 0.5-1 ms; a step taking over stall_ms
 *              (however its allocation ended) counts one stall
 *            Numbers are plain decimal separated by single spaces;
 *            anything else is refused and changes nothing.
 *            reading it gives the last run's counts.  The fill is held
 *            until the next prepare or "stop".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/pgcluster.h>

enum { DS_ARM_KMALLOC, DS_ARM_PGC, DS_ARM_VIRTOK, DS_NR_ARMS };
static const char *const ds_arm_names[DS_NR_ARMS] = {
	"kmalloc", "pgcluster", "pgcluster-virtok"
};

static int arm;
module_param(arm, int, 0444);
MODULE_PARM_DESC(arm, "0 kmalloc, 1 pgcluster, 2 pgcluster with PGCLUSTER_VIRTOK");
static ulong seed = 1;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "seed of the size and lifetime generators");
static uint threads = 2;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "process-context kthreads (1-64)");
static uint slots = 64;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "buffer slots per context (1-4096)");
static uint period_us = 1000;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "pause between kthread steps in us (100-1000000)");
static uint tick_ops = 2;
module_param(tick_ops, uint, 0444);
MODULE_PARM_DESC(tick_ops, "softirq steps per timer tick (0 = no softirq context, at most 64)");
static uint stall_ms = 100;
module_param(stall_ms, uint, 0444);
MODULE_PARM_DESC(stall_ms, "worst case: a step taking longer counts as a stall (1-60000)");

#define DS_MAX_THREADS		64
#define DS_MAX_WORST		256
#define DS_FILL_MAX		16384
#define DS_NR_BUCKETS		160
#define DS_STALL_NS		((u64)stall_ms * NSEC_PER_MSEC)

enum { DS_PROC, DS_SOFTIRQ, DS_NR_KINDS };
static const char *const ds_kind_names[DS_NR_KINDS] = { "proc", "softirq" };

struct ds_buf {
	void *ptr;
	size_t size;
	u64 tag;
	u64 expires;
};

struct ds_ctx {
	struct ds_buf *bufs;
	u64 rng;		/* requests: size, tag, lifetime */
	u64 slot_rng;		/* which empty slot; depends on timing */
	int kind;
	struct task_struct *task;
};

struct ds_counters {
	atomic64_t allocs, fails, frees, lost, virt, live_bytes;
	atomic64_t hist[DS_NR_BUCKETS];
	atomic64_t win[DS_NR_BUCKETS];
};

static struct ds_counters ds_cnt[DS_NR_KINDS];
static struct ds_ctx *ds_ctxs;		/* threads kthread contexts */
static struct ds_ctx ds_tctx;		/* the timer's context */
static struct timer_list ds_timer;
static bool ds_running;			/* written under ds_lock */
static bool ds_timer_on;		/* timer re-arms itself while set */
static DEFINE_MUTEX(ds_lock);
static struct dentry *ds_dir;

/* xorshift64*: small, seedable, the same sequence on every kernel. */
static u64 ds_rand(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static size_t ds_pick_size(u64 *rng)
{
	u32 r = ds_rand(rng) % 10;

	if (r < 5)
		return 9000;
	if (r < 7)
		return SZ_16K;
	if (r < 9)
		return 36 * SZ_1K;
	return SZ_128K;
}

/* Log-uniform between 1 ms and 4.096 s, in 1/256 steps of a doubling. */
static u64 ds_pick_lifetime(u64 *rng)
{
	u32 r = ds_rand(rng) % (12 * 256);
	u64 base = (u64)NSEC_PER_MSEC << (r / 256);

	return base + ((base * (r % 256)) >> 8);
}

static void *ds_alloc(size_t size, gfp_t gfp)
{
	gfp |= __GFP_NOWARN;
	switch (arm) {
	case DS_ARM_PGC:
		return pgcluster_alloc(size, gfp, 0);
	case DS_ARM_VIRTOK:
		return pgcluster_alloc(size, gfp, PGCLUSTER_VIRTOK);
	default:
		return kmalloc(size, gfp);
	}
}

static void ds_free(void *p)
{
	if (arm == DS_ARM_KMALLOC)
		kfree(p);
	else
		pgcluster_free(p);
}

static bool ds_is_virtual(void *p)
{
	return arm != DS_ARM_KMALLOC && pgcluster_is_virtual(p);
}

static void ds_fill(u64 *w, size_t size, u64 tag)
{
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++)
		w[i] = tag ^ (i * 0x9E3779B97F4A7C15ULL);
}

static bool ds_check(const u64 *w, size_t size, u64 tag)
{
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++)
		if (w[i] != (tag ^ (i * 0x9E3779B97F4A7C15ULL)))
			return false;
	return true;
}

/*
 * Latency buckets: four per power of two, so a percentile is read to
 * within a quarter of its value.  Values below 4 ns have a bucket each.
 */
static unsigned int ds_bucket(u64 ns)
{
	unsigned int e;

	if (ns < 4)
		return ns;
	e = ilog2(ns);
	return min_t(unsigned int, 4 * (e - 1) + ((ns >> (e - 2)) & 3),
		     DS_NR_BUCKETS - 1);
}

static u64 ds_bucket_top(unsigned int b)
{
	unsigned int e;

	if (b < 4)
		return b;
	e = b / 4 + 1;
	return ((u64)(4 + b % 4) << (e - 2)) + (1ULL << (e - 2)) - 1;
}

static void ds_account(int kind, u64 ns)
{
	unsigned int b = ds_bucket(ns);

	atomic64_inc(&ds_cnt[kind].hist[b]);
	atomic64_inc(&ds_cnt[kind].win[b]);
}

static void ds_release(struct ds_ctx *c, struct ds_buf *b)
{
	struct ds_counters *k = &ds_cnt[c->kind];

	if (!ds_check(b->ptr, b->size, b->tag)) {
		atomic64_inc(&k->lost);
		pr_err_ratelimited("data lost: %zu B buffer at %p changed\n",
				   b->size, b->ptr);
	}
	ds_free(b->ptr);
	atomic64_inc(&k->frees);
	atomic64_sub(b->size, &k->live_bytes);
	b->ptr = NULL;
}

/* One step: free what expired, then fill one empty slot. */
static void ds_step(struct ds_ctx *c, gfp_t gfp)
{
	struct ds_counters *k = &ds_cnt[c->kind];
	u64 now = ktime_get_ns();
	struct ds_buf *b;
	unsigned int i, start, empty = slots;
	u64 t0, life;

	for (i = 0; i < slots; i++) {
		b = &c->bufs[i];
		if (b->ptr && now >= b->expires)
			ds_release(c, b);
	}
	start = ds_rand(&c->slot_rng) % slots;
	for (i = 0; i < slots; i++) {
		if (!c->bufs[(start + i) % slots].ptr) {
			empty = (start + i) % slots;
			break;
		}
	}
	if (empty == slots)
		return;
	b = &c->bufs[empty];
	/*
	 * A request is drawn whole before it is tried, so a failure does
	 * not shift later requests: every arm sees the same stream.
	 */
	b->size = ds_pick_size(&c->rng);
	b->tag = ds_rand(&c->rng);
	life = ds_pick_lifetime(&c->rng);
	t0 = ktime_get_ns();
	b->ptr = ds_alloc(b->size, gfp);
	now = ktime_get_ns();
	ds_account(c->kind, now - t0);
	if (!b->ptr) {
		atomic64_inc(&k->fails);
		return;
	}
	atomic64_inc(&k->allocs);
	atomic64_add(b->size, &k->live_bytes);
	if (ds_is_virtual(b->ptr))
		atomic64_inc(&k->virt);
	ds_fill(b->ptr, b->size, b->tag);
	b->expires = now + life;
}

static int ds_thread(void *arg)
{
	struct ds_ctx *c = arg;

	while (!kthread_should_stop()) {
		ds_step(c, GFP_KERNEL);
		usleep_range(period_us, period_us + period_us / 4);
	}
	return 0;
}

static void ds_tick(struct timer_list *t)
{
	unsigned int i;

	for (i = 0; i < tick_ops; i++)
		ds_step(&ds_tctx, GFP_ATOMIC);
	if (READ_ONCE(ds_timer_on))
		mod_timer(&ds_timer, jiffies + 1);
}

static void ds_free_all(struct ds_ctx *c)
{
	unsigned int i;

	for (i = 0; i < slots; i++)
		if (c->bufs[i].ptr)
			ds_release(c, &c->bufs[i]);
}

/* Caller holds ds_lock. */
static int ds_start(void)
{
	unsigned int i;

	if (ds_running)
		return 0;
	for (i = 0; i < threads; i++) {
		struct task_struct *t;

		t = kthread_run(ds_thread, &ds_ctxs[i], "driver_sim/%u", i);
		if (IS_ERR(t)) {
			while (i--) {
				kthread_stop(ds_ctxs[i].task);
				ds_ctxs[i].task = NULL;
			}
			return PTR_ERR(t);
		}
		ds_ctxs[i].task = t;
	}
	if (tick_ops) {
		WRITE_ONCE(ds_timer_on, true);
		mod_timer(&ds_timer, jiffies + 1);
	}
	WRITE_ONCE(ds_running, true);
	return 0;
}

/* Caller holds ds_lock.  Stops every context; live buffers stay. */
static void ds_freeze(void)
{
	unsigned int i;

	if (!ds_running)
		return;
	WRITE_ONCE(ds_timer_on, false);
	timer_delete_sync(&ds_timer);
	for (i = 0; i < threads; i++) {
		kthread_stop(ds_ctxs[i].task);
		ds_ctxs[i].task = NULL;
	}
	WRITE_ONCE(ds_running, false);
}

/* Caller holds ds_lock and has stopped every context. */
static void ds_stop_free(void)
{
	unsigned int i;

	for (i = 0; i < threads; i++)
		ds_free_all(&ds_ctxs[i]);
	ds_free_all(&ds_tctx);
}

static void ds_worst_cleanup(void);

/* Caller holds ds_lock. */
static void ds_stop(void)
{
	ds_worst_cleanup();
	ds_freeze();
	ds_stop_free();
}

/* Percentile P/1000 of a histogram, as the top of its bucket in ns. */
static u64 ds_percentile(const u64 *h, u64 total, unsigned int p)
{
	u64 want = div_u64(total * p + 999, 1000), seen = 0;
	unsigned int b;

	if (!total)
		return 0;
	for (b = 0; b < DS_NR_BUCKETS; b++) {
		seen += h[b];
		if (seen >= want)
			return ds_bucket_top(b);
	}
	return ds_bucket_top(DS_NR_BUCKETS - 1);
}

static int ds_show_counters(struct seq_file *m, bool window)
{
	static const unsigned int pct[] = { 500, 990, 999 };
	static const char *const pname[] = { "p50", "p99", "p999" };
	u64 *h;
	int kind;
	unsigned int b, i;

	/* 1.25 KiB: too much for the stack of a read(). */
	h = kmalloc_array(DS_NR_BUCKETS, sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	seq_printf(m, "arm %d\narm_name %s\nseed %lu\nrunning %d\n", arm,
		   ds_arm_names[arm], seed, READ_ONCE(ds_running));
	for (kind = 0; kind < DS_NR_KINDS; kind++) {
		struct ds_counters *k = &ds_cnt[kind];
		const char *n = ds_kind_names[kind];
		u64 total = 0;

		seq_printf(m, "%s_allocs %lld\n%s_fails %lld\n%s_frees %lld\n",
			   n, atomic64_read(&k->allocs), n,
			   atomic64_read(&k->fails), n,
			   atomic64_read(&k->frees));
		seq_printf(m, "%s_lost %lld\n%s_virtual %lld\n%s_live_bytes %lld\n",
			   n, atomic64_read(&k->lost), n,
			   atomic64_read(&k->virt), n,
			   atomic64_read(&k->live_bytes));
		for (b = 0; b < DS_NR_BUCKETS; b++) {
			h[b] = window ? atomic64_xchg(&k->win[b], 0) :
					atomic64_read(&k->hist[b]);
			total += h[b];
		}
		seq_printf(m, "%s_lat_samples %llu\n", n, total);
		for (i = 0; i < ARRAY_SIZE(pct); i++)
			seq_printf(m, "%s_lat_%s_ns %llu\n", n, pname[i],
				   ds_percentile(h, total, pct[i]));
	}
	kfree(h);
	return 0;
}

static int ds_stats_show(struct seq_file *m, void *v)
{
	return ds_show_counters(m, false);
}
DEFINE_SHOW_ATTRIBUTE(ds_stats);

static int ds_sample_show(struct seq_file *m, void *v)
{
	static const unsigned int orders[] = { 2, 3, 9 };
	unsigned int i;
	int ret;

	ret = ds_show_counters(m, true);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_NORETRY |
					     __GFP_NOWARN, orders[i]);

		if (p)
			__free_pages(p, orders[i]);
		seq_printf(m, "probe_order%u %d\n", orders[i], p ? 1 : 0);
	}
	return 0;
}

/* A read of sample resets the window, so only one reader may hold it. */
static unsigned long ds_sample_busy;

static int ds_sample_open(struct inode *inode, struct file *file)
{
	int ret;

	if (test_and_set_bit(0, &ds_sample_busy))
		return -EBUSY;
	ret = single_open(file, ds_sample_show, NULL);
	if (ret)
		clear_bit(0, &ds_sample_busy);
	return ret;
}

static int ds_sample_release(struct inode *inode, struct file *file)
{
	clear_bit(0, &ds_sample_busy);
	return single_release(inode, file);
}

static const struct file_operations ds_sample_fops = {
	.owner = THIS_MODULE,
	.open = ds_sample_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = ds_sample_release,
};

static ssize_t ds_control_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char buf[16];
	int ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	mutex_lock(&ds_lock);
	if (!strcmp(buf, "start"))
		ret = ds_start();
	else if (!strcmp(buf, "freeze"))
		ds_freeze();
	else if (!strcmp(buf, "stop"))
		ds_stop();
	else
		ret = -EINVAL;
	mutex_unlock(&ds_lock);
	return ret ? ret : len;
}

static const struct file_operations ds_control_fops = {
	.owner = THIS_MODULE,
	.write = ds_control_write,
	.llseek = noop_llseek,
};

/* The worst case: state of one prepare/run pair, under ds_lock. */
struct ds_worker {
	struct task_struct *task;
	u64 rng;
	u64 steps, fails, stalls, virt, lost, max_step_ns;
};

static struct ds_worker *ds_workers;
static unsigned int ds_nworkers;
static void **ds_fill_ptrs;
static unsigned int ds_nfill;
static DECLARE_WAIT_QUEUE_HEAD(ds_go_wq);
static bool ds_go;
static u64 ds_deadline;
static char ds_worst_result[512];

static bool ds_worst_over(void)
{
	return kthread_should_stop() || ktime_get_ns() >= READ_ONCE(ds_deadline);
}

static bool ds_worker_go(void)
{
	/* Pairs with the release in ds_worst_run(): go implies the deadline. */
	return smp_load_acquire(&ds_go) || kthread_should_stop();
}

static int ds_worker_fn(void *arg)
{
	struct ds_worker *w = arg;

	wait_event_interruptible(ds_go_wq, ds_worker_go());
	while (!ds_worst_over()) {
		u64 t0 = ktime_get_ns(), tag = ds_rand(&w->rng);
		bool stalled = false;
		void *p;

		for (;;) {
			p = ds_alloc(SZ_16K, GFP_KERNEL | __GFP_NORETRY);
			if (p)
				break;
			w->fails++;
			if (!stalled && ktime_get_ns() - t0 > DS_STALL_NS) {
				w->stalls++;
				stalled = true;
			}
			if (ds_worst_over())
				break;
			usleep_range(500, 1000);
		}
		if (!p)
			break;
		if (ds_is_virtual(p))
			w->virt++;
		ds_fill(p, SZ_16K, tag);
		/*
		 * Held across a sleep, as a driver holds a buffer while the
		 * device uses it: compaction or reclaim may run meanwhile.
		 */
		usleep_range(50, 100);
		if (!ds_check(p, SZ_16K, tag))
			w->lost++;
		ds_free(p);
		w->steps++;
		/* A slow step counts even when its allocation succeeded. */
		if (!stalled && ktime_get_ns() - t0 > DS_STALL_NS)
			w->stalls++;
		w->max_step_ns = max(w->max_step_ns, ktime_get_ns() - t0);
		cond_resched();
	}
	/* kthread_stop() needs the thread alive until it is called. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void ds_worst_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < ds_nworkers; i++)
		if (ds_workers[i].task)
			kthread_stop(ds_workers[i].task);
	kfree(ds_workers);
	ds_workers = NULL;
	ds_nworkers = 0;
	for (i = 0; i < ds_nfill; i++)
		pgcluster_free(ds_fill_ptrs[i]);
	kvfree(ds_fill_ptrs);
	ds_fill_ptrs = NULL;
	ds_nfill = 0;
	WRITE_ONCE(ds_go, false);
}

/* Holds pool memory with requests that cannot grow the pool. */
static void ds_worst_fill(void)
{
	static const size_t sizes[] = { SZ_128K, SZ_16K };
	unsigned int s;

	ds_fill_ptrs = kvcalloc(DS_FILL_MAX, sizeof(void *), GFP_KERNEL);
	if (!ds_fill_ptrs)
		return;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		while (ds_nfill < DS_FILL_MAX) {
			void *p = pgcluster_alloc(sizes[s],
						  GFP_ATOMIC | __GFP_NOWARN, 0);

			if (!p)
				break;
			ds_fill_ptrs[ds_nfill++] = p;
		}
	}
}

static int ds_worst_prepare(unsigned int tasks, unsigned int fill)
{
	unsigned int i;

	/* The kmalloc arm has no pool to fill. */
	if (!tasks || tasks > DS_MAX_WORST || fill > 1 ||
	    (fill && arm == DS_ARM_KMALLOC))
		return -EINVAL;
	ds_worst_cleanup();
	ds_workers = kcalloc(tasks, sizeof(*ds_workers), GFP_KERNEL);
	if (!ds_workers)
		return -ENOMEM;
	if (fill)
		ds_worst_fill();
	WRITE_ONCE(ds_deadline, U64_MAX);
	for (i = 0; i < tasks; i++) {
		struct ds_worker *w = &ds_workers[i];
		struct task_struct *t;

		w->rng = (seed ^ (0xA5A5A5A5ULL * (i + 1))) | 1;
		t = kthread_run(ds_worker_fn, w, "driver_sim_w/%u", i);
		if (IS_ERR(t)) {
			ds_nworkers = i;
			ds_worst_cleanup();
			return PTR_ERR(t);
		}
		w->task = t;
		ds_nworkers = i + 1;
	}
	scnprintf(ds_worst_result, sizeof(ds_worst_result),
		  "prepared tasks %u fill_allocs %u\n", tasks, ds_nfill);
	return 0;
}

static int ds_worst_run(unsigned int ms)
{
	u64 steps = 0, fails = 0, stalls = 0, virt = 0, lost = 0, max_ns = 0;
	u64 min_steps = U64_MAX;
	unsigned int i, progressed = 0, nfill = ds_nfill;

	if (!ds_nworkers || !ms || ms > 60000)
		return -EINVAL;
	WRITE_ONCE(ds_deadline, ktime_get_ns() + (u64)ms * NSEC_PER_MSEC);
	/* The deadline above is seen by every worker that sees go. */
	smp_store_release(&ds_go, true);
	wake_up_all(&ds_go_wq);
	msleep(ms);
	for (i = 0; i < ds_nworkers; i++) {
		struct ds_worker *w = &ds_workers[i];

		kthread_stop(w->task);
		w->task = NULL;
		steps += w->steps;
		fails += w->fails;
		stalls += w->stalls;
		virt += w->virt;
		lost += w->lost;
		max_ns = max(max_ns, w->max_step_ns);
		min_steps = min(min_steps, w->steps);
		if (w->steps)
			progressed++;
	}
	scnprintf(ds_worst_result, sizeof(ds_worst_result),
		  "tasks %u\nms %u\nfill_allocs %u\nsteps %llu\nfails %llu\nstalls %llu\nvirtual %llu\nlost %llu\ntasks_progressed %u\nmin_task_steps %llu\nmax_step_us %llu\n",
		  ds_nworkers, ms, nfill, steps, fails, stalls, virt, lost,
		  progressed, min_steps, div_u64(max_ns, NSEC_PER_USEC));
	if (lost)
		pr_err("worst case: data lost in %llu steps\n", lost);
	/*
	 * The fill stays until the next prepare or "stop", so the pool can
	 * be read as the run left it before the seal ends.
	 */
	kfree(ds_workers);
	ds_workers = NULL;
	ds_nworkers = 0;
	WRITE_ONCE(ds_go, false);
	return 0;
}

/*
 * Splits @s on single spaces into exactly @n decimal numbers.  Signs,
 * other bases, junk and extra or missing tokens are refused, so a typo
 * cannot start something the writer did not ask for.
 */
static int ds_parse(char *s, unsigned int *v, unsigned int n)
{
	unsigned int i;
	char *tok;

	for (i = 0; i < n; i++) {
		tok = strsep(&s, " ");
		if (!tok || !isdigit(*tok) || kstrtouint(tok, 10, &v[i]))
			return -EINVAL;
	}
	return s ? -EINVAL : 0;
}

static ssize_t ds_worst_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[48], *s = buf, *cmd;
	unsigned int v[2];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	/* echo's newline only; any other whitespace is junk */
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	cmd = strsep(&s, " ");
	mutex_lock(&ds_lock);
	if (!strcmp(cmd, "prepare"))
		ret = ds_parse(s, v, 2) ?: ds_worst_prepare(v[0], v[1]);
	else if (!strcmp(cmd, "run"))
		ret = ds_parse(s, v, 1) ?: ds_worst_run(v[0]);
	else
		ret = -EINVAL;
	mutex_unlock(&ds_lock);
	return ret ? ret : len;
}

static int ds_worst_show(struct seq_file *m, void *v)
{
	mutex_lock(&ds_lock);
	seq_puts(m, ds_worst_result);
	mutex_unlock(&ds_lock);
	return 0;
}

static int ds_worst_open(struct inode *inode, struct file *file)
{
	return single_open(file, ds_worst_show, NULL);
}

static const struct file_operations ds_worst_fops = {
	.owner = THIS_MODULE,
	.open = ds_worst_open,
	.read = seq_read,
	.write = ds_worst_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int ds_alloc_ctx(struct ds_ctx *c, int kind, u64 s)
{
	c->bufs = kvcalloc(slots, sizeof(*c->bufs), GFP_KERNEL);
	if (!c->bufs)
		return -ENOMEM;
	c->kind = kind;
	/* xorshift must not start at zero */
	c->rng = s ? s : 1;
	c->slot_rng = (s ^ 0x5851F42D4C957F2DULL) | 1;
	return 0;
}

static void ds_free_ctxs(void)
{
	unsigned int i;

	if (ds_ctxs)
		for (i = 0; i < threads; i++)
			kvfree(ds_ctxs[i].bufs);
	kfree(ds_ctxs);
	kvfree(ds_tctx.bufs);
}

static int __init ds_init(void)
{
	unsigned int i;
	int ret;

	if (arm < 0 || arm >= DS_NR_ARMS || !threads ||
	    threads > DS_MAX_THREADS || !slots || slots > 4096 ||
	    period_us < 100 || period_us > 1000000 || tick_ops > 64 ||
	    !stall_ms || stall_ms > 60000) {
		pr_err("bad parameter (see modinfo)\n");
		return -EINVAL;
	}
	ds_ctxs = kcalloc(threads, sizeof(*ds_ctxs), GFP_KERNEL);
	if (!ds_ctxs)
		return -ENOMEM;
	ret = ds_alloc_ctx(&ds_tctx, DS_SOFTIRQ, seed * 0x9E3779B97F4A7C15ULL);
	for (i = 0; !ret && i < threads; i++)
		ret = ds_alloc_ctx(&ds_ctxs[i], DS_PROC,
				   (seed + i + 1) * 0xD1B54A32D192ED03ULL);
	if (ret)
		goto err;
	timer_setup(&ds_timer, ds_tick, 0);
	mutex_lock(&ds_lock);
	ret = ds_start();
	if (ret)
		/* ds_start() stopped its threads; they may hold buffers. */
		ds_stop_free();
	mutex_unlock(&ds_lock);
	if (ret)
		goto err;
	/* Only now: a "worst" or "control" write needs running contexts. */
	ds_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, ds_dir, NULL, &ds_stats_fops);
	debugfs_create_file("sample", 0400, ds_dir, NULL, &ds_sample_fops);
	debugfs_create_file("control", 0200, ds_dir, NULL, &ds_control_fops);
	debugfs_create_file("worst", 0600, ds_dir, NULL, &ds_worst_fops);
	pr_info("arm %s, seed %lu, %u threads, %u slots, %u softirq steps per tick\n",
		ds_arm_names[arm], seed, threads, slots, tick_ops);
	return 0;
err:
	ds_free_ctxs();
	return ret;
}

static void __exit ds_exit(void)
{
	u64 lost = 0;
	int k;

	debugfs_remove_recursive(ds_dir);
	mutex_lock(&ds_lock);
	ds_worst_cleanup();
	ds_stop();
	mutex_unlock(&ds_lock);
	for (k = 0; k < DS_NR_KINDS; k++)
		lost += atomic64_read(&ds_cnt[k].lost);
	pr_info("unloaded, %llu buffers lost data\n", lost);
	ds_free_ctxs();
}

module_init(ds_init);
module_exit(ds_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("driver simulator for the pgcluster fragmentation experiment");
