// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation report: what the buddy allocator's free lists look like, and
 * two probes that ask the allocators for real memory.  Files in debugfs
 * pgcluster/:
 *
 *   checkerboard     per node and zone: free blocks per order, free pages,
 *                    largest free block, unusable free space index and
 *                    fragmentation index per order, pages pinned by the
 *                    injector, free pages on per-cpu lists; pages held by
 *                    pgcluster; one verdict per order; the last buddy
 *                    probe of each order
 *   map              a window of physical memory, one character per 2^k
 *                    pages: '.' free, '#' used, 'x' pinned by the injector,
 *                    'P' in pgcluster's pool, ':' partly free, ' ' no memory
 *   map_start        first pfn of the window
 *   map_pages        pages in the window
 *   map_scale        k: pages per character = 2^k
 *   probe            write "ORDER [sealed]": one real buddy allocation of
 *                    that order (__GFP_NORETRY | __GFP_NOWARN), freed at
 *                    once; read the result
 *   probe_pgcluster  write "SIZE [virtok] [hold] [sealed]" or "release": one
 *                    pgcluster_alloc() of SIZE bytes, freed at once unless
 *                    "hold" keeps it (so the pool can be filled); read the
 *                    result
 *
 * "sealed" (only while the injector holds a start's pages, -EINVAL
 * otherwise) runs the probe inside a seal of its own: the injector takes
 * every small block left, the probe asks, the seal ends, all in the one
 * write; the result says ", sealed", or ", sealed (the seal ended early)"
 * when the OOM notifier or another writer ended it during the probe.
 * Without "sealed", a probe made while a "seal:MS" window is on first has
 * the seal take what the kernel freed since (pgc_inject_probe_begin()).
 * Probes are serialised by one mutex, held across the seal.
 *
 * Nothing here takes a zone lock.  The report reads free_area[].nr_free
 * racily, as the kernel's own extfrag debugfs does, and the map finds free
 * pages by looking for PageBuddy() heads and reading their order from
 * page->private, checking the order for sanity, so a block being split or
 * merged at the same time gives at worst a wrong character, never a fault.
 * Free pages cached on the per-cpu lists are not PageBuddy and show as used,
 * as they count as not free in the free-list counters too; the report gives
 * their number per zone.  Only an allocation of the same order and
 * migratetype on the same CPU can take them, an injector's pass does not
 * see them either, and the kernel moves them to the free lists when it
 * likes (a list over its high mark, a drain, the decay of the high mark on
 * newer kernels), where they merge with free neighbours into blocks the
 * free lists did not hold a moment before.  So the free lists a probe found
 * and those a later read of the report shows may differ: each buddy probe
 * records the report's verdict for its order from the free lists read just
 * before its allocation, in the same write, and the report lists it.
 * The walk visits each page at most once and skips a free block or a memory
 * hole in one step; it reschedules every PGC_MAP_RESCHED steps, as a line
 * may cover 2^26 pages, and between lines.  The indexes use the
 * formulas of mm/vmstat.c (unusable free space index and fragmentation
 * index, three decimals).
 *
 * The strict input parsers shared with inject.c are at the end (see lab.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include "internal.h"
#include "lab.h"

#define PGC_NR_ORDERS		(MAX_PAGE_ORDER + 1)

/* ---- sizes ------------------------------------------------------------- */

static const char *pgc_fmt_bytes(char *buf, size_t size, u64 bytes)
{
	if (bytes >= SZ_1G && !(bytes & (SZ_1G - 1)))
		scnprintf(buf, size, "%llu GiB", bytes >> 30);
	else if (bytes >= SZ_1M && !(bytes & (SZ_1M - 1)))
		scnprintf(buf, size, "%llu MiB", bytes >> 20);
	else if (bytes >= SZ_1K && !(bytes & (SZ_1K - 1)))
		scnprintf(buf, size, "%llu KiB", bytes >> 10);
	else
		scnprintf(buf, size, "%llu B", bytes);
	return buf;
}

static inline unsigned long pgc_pages_mb(unsigned long pages)
{
	return pages >> (20 - PAGE_SHIFT);
}

/* ---- checkerboard ---------------------------------------------------------- */

struct pgc_zone_snap {
	unsigned long nr_free[PGC_NR_ORDERS];	/* blocks per order */
	unsigned long free_pages;
	unsigned long blocks_total;
};

static void pgc_zone_snapshot(struct zone *zone, struct pgc_zone_snap *s)
{
	unsigned int o;

	s->free_pages = 0;
	s->blocks_total = 0;
	for (o = 0; o < PGC_NR_ORDERS; o++) {
		/* racy on purpose: a diagnostic snapshot without zone->lock */
		s->nr_free[o] = data_race(READ_ONCE(zone->free_area[o].nr_free));
		s->blocks_total += s->nr_free[o];
		s->free_pages += s->nr_free[o] << o;
	}
}

/* Free pages waiting on the zone's per-cpu lists, in no free list (racy). */
static unsigned long pgc_zone_pcp_pages(struct zone *zone)
{
	unsigned long n = 0;
	int cpu, c;

	for_each_online_cpu(cpu) {
		/* racy on purpose, as /proc/zoneinfo reads it */
		c = data_race(READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset,
						    cpu)->count));
		n += max(c, 0);
	}
	return n;
}

/* Free blocks of order @order an allocation could use (bigger ones split). */
static unsigned long pgc_suitable(const unsigned long *nr_free,
				  unsigned int order)
{
	unsigned long n = 0;
	unsigned int o;

	for (o = order; o < PGC_NR_ORDERS; o++)
		n += nr_free[o] << (o - order);
	return n;
}

/* Share of free memory in blocks smaller than the order, in thousandths. */
static int pgc_unusable_index(const struct pgc_zone_snap *s, unsigned int order)
{
	u64 usable = (u64)pgc_suitable(s->nr_free, order) << order;

	if (!s->free_pages)
		return 1000;
	return div64_u64((s->free_pages - usable) * 1000ULL, s->free_pages);
}

/*
 * Why an allocation of @order would fail, in thousandths: towards 0 lack of
 * memory, towards 1000 fragmentation; -1000 when it would not fail.
 */
static int pgc_frag_index(const struct pgc_zone_snap *s, unsigned int order)
{
	u64 requested = 1ULL << order;

	if (!s->blocks_total)
		return 0;
	if (pgc_suitable(s->nr_free, order))
		return -1000;
	return 1000 - (int)div64_u64(1000 + div64_u64(s->free_pages * 1000ULL,
						      requested),
				     s->blocks_total);
}

static const char *pgc_verdict(unsigned long blocks, unsigned long free_pages,
			       unsigned int order)
{
	if (blocks)
		return "ok";
	if (free_pages >= (1UL << order))
		return "fragmented";
	return "out of memory";
}

/*
 * Free blocks of @order and up over every populated zone, and the free
 * pages, as the report's verdict counts them.
 */
static void pgc_free_lists(unsigned int order, unsigned long *blocks,
			   unsigned long *free_pages)
{
	struct pgc_zone_snap s;
	int nid, zidx;

	*blocks = 0;
	*free_pages = 0;
	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];

			if (!populated_zone(zone))
				continue;
			pgc_zone_snapshot(zone, &s);
			*blocks += pgc_suitable(s.nr_free, order);
			*free_pages += s.free_pages;
		}
	}
}

/* The last buddy probe of each order, for the report (pgc_probe_lock). */
struct pgc_probe_seen {
	unsigned long blocks;		/* free blocks of its order, just before */
	unsigned long free_pages;	/* free pages then */
	bool done, ok, sealed;
};

static DEFINE_MUTEX(pgc_probe_lock);	/* probe results, held allocations */
static struct pgc_probe_seen pgc_probe_seen[PGC_NR_ORDERS];

static void pgc_print_probes_seen(struct seq_file *m)
{
	const struct pgc_probe_seen *p;
	bool any = false;
	unsigned int o;

	seq_puts(m, "\nlast buddy probe of each order, and the verdict for the free lists read\n");
	seq_puts(m, "in the same write, just before its allocation:\n");
	mutex_lock(&pgc_probe_lock);
	for (o = 0; o < PGC_NR_ORDERS; o++) {
		p = &pgc_probe_seen[o];
		if (!p->done)
			continue;
		any = true;
		seq_printf(m, "probe order-%u%s: %s, %lu blocks free just before it: %s\n",
			   o, p->sealed ? ", sealed" : "",
			   p->ok ? "ok" : "FAILED", p->blocks,
			   pgc_verdict(p->blocks, p->free_pages, o));
	}
	mutex_unlock(&pgc_probe_lock);
	if (!any)
		seq_puts(m, "none yet\n");
}

static void pgc_print_index(struct seq_file *m, int idx)
{
	seq_printf(m, " %s%d.%03d", idx < 0 ? "-" : " ", abs(idx) / 1000,
		   abs(idx) % 1000);
}

static int pgc_checkerboard_show(struct seq_file *m, void *unused)
{
	unsigned long all_free[PGC_NR_ORDERS] = { 0 };
	unsigned long free_pages = 0, managed = 0, pct;
	unsigned long pool = pgc_pool_pages_held();
	unsigned long pinned = pgc_inject_pages_pinned();
	struct pgc_zone_snap s;
	char sz[16];
	unsigned int o;
	int nid, zidx;

	seq_puts(m, "Buddy allocator free lists (racy snapshot, read without the zone lock)\n");
	seq_printf(m, "pgcluster pool holds %lu pages (%lu MiB); injector pins %lu pages (%lu MiB)\n",
		   pool, pgc_pages_mb(pool), pinned, pgc_pages_mb(pinned));

	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];
			unsigned long zmanaged = zone_managed_pages(zone);
			int largest = -1;

			if (!populated_zone(zone))
				continue;
			pgc_zone_snapshot(zone, &s);
			for (o = 0; o < PGC_NR_ORDERS; o++) {
				all_free[o] += s.nr_free[o];
				if (s.nr_free[o])
					largest = o;
			}
			free_pages += s.free_pages;
			managed += zmanaged;

			seq_printf(m, "\nnode %d zone %s: %lu pages managed, %lu free (%lu%%), largest free block ",
				   nid, zone->name, zmanaged, s.free_pages,
				   zmanaged ? s.free_pages * 100 / zmanaged : 0);
			if (largest < 0)
				seq_puts(m, "none\n");
			else
				seq_printf(m, "order-%d (%s)\n", largest,
					   pgc_fmt_bytes(sz, sizeof(sz),
							 PAGE_SIZE << largest));
			seq_printf(m, "  injector pins %lu pages in this zone\n",
				   pgc_inject_zone_pinned(nid, zidx));
			seq_printf(m, "  per-cpu lists hold %lu free pages, in no free list until flushed\n",
				   pgc_zone_pcp_pages(zone));
			seq_puts(m, "  order      size  free blocks  unusable   fragidx\n");
			for (o = 0; o < PGC_NR_ORDERS; o++) {
				seq_printf(m, "  %5u %9s %12lu   ", o,
					   pgc_fmt_bytes(sz, sizeof(sz),
							 PAGE_SIZE << o),
					   s.nr_free[o]);
				pgc_print_index(m, pgc_unusable_index(&s, o));
				seq_puts(m, "   ");
				pgc_print_index(m, pgc_frag_index(&s, o));
				seq_putc(m, '\n');
			}
		}
	}

	pct = managed ? free_pages * 100 / managed : 0;
	seq_puts(m, "\nunusable: share of free memory in blocks too small for the order (0..1)\n");
	seq_puts(m, "fragidx: -1 the order is available; near 0 memory is short; near 1 it is\n");
	seq_puts(m, "         fragmentation that makes the allocation fail\n");
	seq_printf(m, "\nverdict, all zones (%lu of %lu pages free):\n",
		   free_pages, managed);
	for (o = 0; o < PGC_NR_ORDERS; o++) {
		unsigned long n = pgc_suitable(all_free, o);

		seq_printf(m, "order-%u: %lu blocks free, %lu%% of memory free: %s\n",
			   o, n, pct, pgc_verdict(n, free_pages, o));
	}
	pgc_print_probes_seen(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgc_checkerboard);

/* ---- map --------------------------------------------------------------- */

#define PGC_MAP_COLS		64
#define PGC_MAP_MAX_SCALE	20
#define PGC_MAP_MAX_CELLS	BIT(20)
#define PGC_MAP_MAX_PAGES	BIT(28)
#define PGC_MAP_RESCHED		1024	/* walk steps between cond_resched() */

#ifdef PAGES_PER_SECTION
#define PGC_HOLE_STEP		PAGES_PER_SECTION
#else
#define PGC_HOLE_STEP		1UL
#endif

static DEFINE_MUTEX(pgc_map_lock);	/* the window settings */
static unsigned long pgc_map_start;
static unsigned long pgc_map_pages = 4096;
static unsigned int pgc_map_scale;

struct pgc_map_iter {
	unsigned long start, end;	/* pfn window, end clipped */
	unsigned long asked_end;	/* end as set, for the header */
	unsigned int scale;
	unsigned long nr_lines;
};

/* One past the highest pfn of any online node. */
static unsigned long pgc_end_pfn(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, pgdat_end_pfn(NODE_DATA(nid)));
	return end;
}

/* Order of a free buddy head, or -1.  Racy: the order is range-checked. */
static int pgc_buddy_order(struct page *page)
{
	unsigned long order;

	if (!PageBuddy(page))
		return -1;
	/* racy: the block may be allocated or split under us; checked below */
	order = data_race(READ_ONCE(page->private));
	return order <= MAX_PAGE_ORDER ? (int)order : -1;
}

/* End of the free block that holds @pfn inside it (not as head), or @pfn. */
static unsigned long pgc_free_block_end(unsigned long pfn)
{
	unsigned int o;

	for (o = 1; o <= MAX_PAGE_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		struct page *page;
		int bo;

		if (head == pfn)
			continue;
		page = pfn_to_online_page(head);
		if (!page)
			continue;
		bo = pgc_buddy_order(page);
		if (bo >= (int)o)
			return head + (1UL << bo);
	}
	return pfn;
}

struct pgc_cell {
	unsigned long free, pinned, pool, used, hole;
};

static char pgc_cell_char(const struct pgc_cell *c)
{
	if (!c->free && !c->pinned && !c->pool && !c->used)
		return ' ';
	if (c->pool)
		return 'P';
	if (c->pinned)
		return 'x';
	if (!c->used)
		return c->free ? '.' : ' ';
	return c->free ? ':' : '#';
}

static void pgc_map_line(struct seq_file *m, const struct pgc_map_iter *it,
			 unsigned long line)
{
	unsigned long cell_pages = 1UL << it->scale;
	unsigned long ls = it->start + line * PGC_MAP_COLS * cell_pages;
	unsigned long le = min(ls + PGC_MAP_COLS * cell_pages, it->end);
	unsigned long pfn = ls, free_end = pgc_free_block_end(ls);
	char out[PGC_MAP_COLS + 1];
	unsigned int col = 0, steps = 0;

	while (pfn < le && col < PGC_MAP_COLS) {
		unsigned long cell_end = min(pfn + cell_pages, le);
		struct pgc_cell c = { 0 };

		while (pfn < cell_end) {
			struct page *page;
			unsigned long n;
			int bo;

			/* seq_file show: process context, no spinlock held */
			if (!(++steps % PGC_MAP_RESCHED))
				cond_resched();
			if (pfn < free_end) {
				n = min(free_end, cell_end) - pfn;
				c.free += n;
				pfn += n;
				continue;
			}
			page = pfn_to_online_page(pfn);
			if (!page) {
				/* online state is per memory section */
				n = min(cell_end, ALIGN(pfn + 1, PGC_HOLE_STEP)) - pfn;
				c.hole += n;
				pfn += n;
				continue;
			}
			bo = pgc_buddy_order(page);
			if (bo >= 0) {
				free_end = pfn + (1UL << bo);
				continue;
			}
			if (pgc_inject_owns_pfn(pfn))
				c.pinned++;
			else if (pgc_pool_owns_pfn(pfn))
				c.pool++;
			else
				c.used++;
			pfn++;
		}
		out[col++] = pgc_cell_char(&c);
	}
	out[col] = '\0';
	seq_printf(m, "%#010lx %s\n", ls, out);
}

static void *pgc_map_seq_start(struct seq_file *m, loff_t *pos)
{
	struct pgc_map_iter *it = m->private;

	return *pos <= it->nr_lines ? pos : NULL;
}

static void *pgc_map_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return pgc_map_seq_start(m, pos);
}

static void pgc_map_seq_stop(struct seq_file *m, void *v)
{
}

static int pgc_map_seq_show(struct seq_file *m, void *v)
{
	struct pgc_map_iter *it = m->private;
	loff_t pos = *(loff_t *)v;
	char a[16], b[16];

	if (pos == 0) {
		seq_printf(m, "pfn %#lx-%#lx (%lu pages, %s), one character per %s\n",
			   it->start, it->asked_end - 1,
			   it->asked_end - it->start,
			   pgc_fmt_bytes(a, sizeof(a),
					 (u64)(it->asked_end - it->start) << PAGE_SHIFT),
			   pgc_fmt_bytes(b, sizeof(b),
					 (u64)PAGE_SIZE << it->scale));
		if (it->end < it->asked_end)
			seq_printf(m, "(memory ends at pfn %#lx)\n", it->end);
		seq_puts(m, "legend: . free  # used  x pinned by injector  P pgcluster pool\n");
		seq_puts(m, "        : partly free  (blank) no memory; per-cpu cached free pages show as #\n");
		return 0;
	}
	pgc_map_line(m, it, pos - 1);
	cond_resched();
	return 0;
}

static const struct seq_operations pgc_map_seq_ops = {
	.start = pgc_map_seq_start,
	.next = pgc_map_seq_next,
	.stop = pgc_map_seq_stop,
	.show = pgc_map_seq_show,
};

static int pgc_map_open(struct inode *inode, struct file *file)
{
	struct pgc_map_iter *it;
	unsigned long end = pgc_end_pfn(), span;

	it = __seq_open_private(file, &pgc_map_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	mutex_lock(&pgc_map_lock);
	it->start = pgc_map_start;
	it->asked_end = pgc_map_start + pgc_map_pages;
	it->scale = pgc_map_scale;
	mutex_unlock(&pgc_map_lock);
	it->end = min(it->asked_end, end);
	if (it->end < it->start)
		it->end = it->start;
	span = PGC_MAP_COLS << it->scale;
	it->nr_lines = DIV_ROUND_UP(it->end - it->start, span);
	return 0;
}

static const struct file_operations pgc_map_fops = {
	.owner = THIS_MODULE,
	.open = pgc_map_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static bool pgc_map_cells_ok(unsigned long pages, unsigned int scale)
{
	return DIV_ROUND_UP(pages, 1UL << scale) <= PGC_MAP_MAX_CELLS;
}

static int pgc_map_start_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%#lx\n", READ_ONCE(pgc_map_start));
	return 0;
}

static ssize_t pgc_map_start_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	unsigned long v;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = pgc_lab_parse_ulong(buf, &v);
	if (ret)
		return ret;
	if (v >= pgc_end_pfn())
		return -ERANGE;
	mutex_lock(&pgc_map_lock);
	WRITE_ONCE(pgc_map_start, v);
	mutex_unlock(&pgc_map_lock);
	return count;
}

static int pgc_map_pages_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%lu\n", READ_ONCE(pgc_map_pages));
	return 0;
}

static ssize_t pgc_map_pages_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	unsigned long v;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = pgc_lab_parse_ulong(buf, &v);
	if (ret)
		return ret;
	if (!v || v > PGC_MAP_MAX_PAGES)
		return -ERANGE;
	mutex_lock(&pgc_map_lock);
	if (!pgc_map_cells_ok(v, pgc_map_scale)) {
		mutex_unlock(&pgc_map_lock);
		return -ERANGE;
	}
	WRITE_ONCE(pgc_map_pages, v);
	mutex_unlock(&pgc_map_lock);
	return count;
}

static int pgc_map_scale_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%u\n", READ_ONCE(pgc_map_scale));
	return 0;
}

static ssize_t pgc_map_scale_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX];
	unsigned long v;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = pgc_lab_parse_ulong(buf, &v);
	if (ret)
		return ret;
	if (v > PGC_MAP_MAX_SCALE)
		return -ERANGE;
	mutex_lock(&pgc_map_lock);
	if (!pgc_map_cells_ok(pgc_map_pages, v)) {
		mutex_unlock(&pgc_map_lock);
		return -ERANGE;
	}
	WRITE_ONCE(pgc_map_scale, v);
	mutex_unlock(&pgc_map_lock);
	return count;
}

/* ---- probes ------------------------------------------------------------- */

#define PGC_PROBE_HOLD_MAX	64
#define PGC_PROBE_TEXT		160

static char pgc_probe_text[PGC_PROBE_TEXT] =
	"no probe yet: write an order (0 to the largest buddy order) [sealed]\n";
static char pgc_pgprobe_text[PGC_PROBE_TEXT] =
	"no probe yet: write SIZE [virtok] [hold] [sealed] (e.g. 36K), or release\n";
static void *pgc_held[PGC_PROBE_HOLD_MAX];
static unsigned int pgc_nr_held;

static int pgc_probe_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_probe_lock);
	seq_puts(m, pgc_probe_text);
	mutex_unlock(&pgc_probe_lock);
	return 0;
}

/*
 * Split off a trailing " sealed" keyword: true when @buf had it.  The rest
 * of @buf is left for the probe's own parser.
 */
static bool pgc_probe_sealed_word(char *buf)
{
	size_t n = strlen(buf), w = strlen(" sealed");

	if (n <= w || strcmp(buf + n - w, " sealed"))
		return false;
	buf[n - w] = '\0';
	return true;
}

/* ", sealed" or ", sealed (ended early)" after a sealed probe, else "" */
static const char *pgc_probe_seal_text(bool asked, bool held)
{
	if (!asked)
		return "";
	return held ? ", sealed" : ", sealed (the seal ended early)";
}

static ssize_t pgc_probe_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX], sz[16];
	struct pgc_probe_seen seen = { .done = true };
	struct pgc_probe_seal ps;
	unsigned long order;
	struct page *page;
	bool sealed, held;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	sealed = pgc_probe_sealed_word(buf);
	ret = pgc_lab_parse_ulong(buf, &order);
	if (ret)
		return ret;
	if (order > MAX_PAGE_ORDER)
		return -ERANGE;

	if (mutex_lock_killable(&pgc_probe_lock))
		return -EINTR;
	ret = pgc_inject_probe_begin(sealed, &ps);
	if (ret) {
		mutex_unlock(&pgc_probe_lock);
		return ret;
	}
	/* the report's view of the free lists this allocation searches */
	pgc_free_lists(order, &seen.blocks, &seen.free_pages);
	/* A probe only asks: no hard retries, no OOM killer, no warning. */
	page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, order);
	if (page)
		__free_pages(page, order);
	held = pgc_inject_probe_end(&ps);
	seen.ok = !!page;
	seen.sealed = sealed;
	pgc_probe_seen[order] = seen;
	pgc_fmt_bytes(sz, sizeof(sz), PAGE_SIZE << order);
	if (page)
		scnprintf(pgc_probe_text, sizeof(pgc_probe_text),
			  "buddy order-%lu (%s)%s: ok (pfn %#lx)\n", order, sz,
			  pgc_probe_seal_text(sealed, held),
			  page_to_pfn(page));
	else
		scnprintf(pgc_probe_text, sizeof(pgc_probe_text),
			  "buddy order-%lu (%s)%s: FAILED\n", order, sz,
			  pgc_probe_seal_text(sealed, held));
	mutex_unlock(&pgc_probe_lock);
	return count;
}

static int pgc_pgprobe_show(struct seq_file *m, void *unused)
{
	size_t bytes = 0;
	unsigned int i;

	mutex_lock(&pgc_probe_lock);
	for (i = 0; i < pgc_nr_held; i++)
		bytes += pgcluster_size(pgc_held[i]);
	seq_puts(m, pgc_pgprobe_text);
	seq_printf(m, "held: %u allocations, %zu B\n", pgc_nr_held, bytes);
	mutex_unlock(&pgc_probe_lock);
	return 0;
}

/* Parse "SIZE [virtok] [hold] [sealed]"; each keyword at most once. */
static int pgc_pgprobe_parse(char *buf, u64 *size, unsigned int *flags,
			     bool *hold, bool *sealed)
{
	char *tok, *rest = buf;
	bool first = true;
	int ret;

	*flags = 0;
	*hold = false;
	*sealed = false;
	while ((tok = strsep(&rest, " "))) {
		if (first) {
			ret = pgc_lab_parse_size(tok, size);
			if (ret)
				return ret;
			first = false;
		} else if (!strcmp(tok, "virtok") && !*flags) {
			*flags = PGCLUSTER_VIRTOK;
		} else if (!strcmp(tok, "hold") && !*hold) {
			*hold = true;
		} else if (!strcmp(tok, "sealed") && !*sealed) {
			*sealed = true;
		} else {
			return -EINVAL;
		}
	}
	if (!*size || *size > PGCLUSTER_MAX_SIZE)
		return -ERANGE;
	return 0;
}

static void pgc_pgprobe_release(void)
{
	while (pgc_nr_held)
		pgcluster_free(pgc_held[--pgc_nr_held]);
}

static ssize_t pgc_pgprobe_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_LAB_INPUT_MAX], how[40];
	struct pgc_probe_seal ps;
	bool hold, sealed, held;
	unsigned int flags, n;
	size_t usable;
	u64 size;
	void *p;
	int ret;

	ret = pgc_lab_get_input(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strcmp(buf, "release")) {
		mutex_lock(&pgc_probe_lock);
		n = pgc_nr_held;
		pgc_pgprobe_release();
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "released %u held allocations\n", n);
		mutex_unlock(&pgc_probe_lock);
		return count;
	}
	ret = pgc_pgprobe_parse(buf, &size, &flags, &hold, &sealed);
	if (ret)
		return ret;

	if (mutex_lock_killable(&pgc_probe_lock))
		return -EINTR;
	if (hold && pgc_nr_held == PGC_PROBE_HOLD_MAX) {
		mutex_unlock(&pgc_probe_lock);
		return -ENOSPC;
	}
	ret = pgc_inject_probe_begin(sealed, &ps);
	if (ret) {
		mutex_unlock(&pgc_probe_lock);
		return ret;
	}
	p = pgcluster_alloc(size, GFP_KERNEL | __GFP_NOWARN, flags);
	held = pgc_inject_probe_end(&ps);
	scnprintf(how, sizeof(how), "%s%s", hold && p ? ", held" : "",
		  pgc_probe_seal_text(sealed, held));
	if (!p) {
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: FAILED%s\n", size, how);
	} else if (pgcluster_is_virtual(p)) {
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: virtual (emergency), usable %zu B%s\n",
			  size, pgcluster_size(p), how);
	} else {
		usable = pgcluster_size(p);
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: contiguous, pfn %#lx-%#lx, usable %zu B%s\n",
			  size, page_to_pfn(virt_to_page(p)),
			  page_to_pfn(virt_to_page((char *)p + usable - 1)), usable,
			  how);
	}
	if (p && hold)
		pgc_held[pgc_nr_held++] = p;
	else
		pgcluster_free(p);
	mutex_unlock(&pgc_probe_lock);
	return count;
}

PGC_RW_FOPS(pgc_map_start);
PGC_RW_FOPS(pgc_map_pages);
PGC_RW_FOPS(pgc_map_scale);
PGC_RW_FOPS(pgc_probe);
PGC_RW_FOPS(pgc_pgprobe);

/**
 * pgc_report_init() - create the report, map and probe files in debugfs
 *
 * Return: 0.
 */
int pgc_report_init(void)
{
	struct dentry *d = pgc_debugfs_root;

	debugfs_create_file("checkerboard", 0444, d, NULL,
			    &pgc_checkerboard_fops);
	debugfs_create_file("map", 0444, d, NULL, &pgc_map_fops);
	debugfs_create_file("map_start", 0644, d, NULL, &pgc_map_start_fops);
	debugfs_create_file("map_pages", 0644, d, NULL, &pgc_map_pages_fops);
	debugfs_create_file("map_scale", 0644, d, NULL, &pgc_map_scale_fops);
	debugfs_create_file("probe", 0600, d, NULL, &pgc_probe_fops);
	debugfs_create_file("probe_pgcluster", 0600, d, NULL,
			    &pgc_pgprobe_fops);
	return 0;
}

/**
 * pgc_report_exit() - free what probe_pgcluster still holds
 *
 * Called after the debugfs tree is gone and before the allocators go down.
 */
void pgc_report_exit(void)
{
	mutex_lock(&pgc_probe_lock);
	pgc_pgprobe_release();
	mutex_unlock(&pgc_probe_lock);
}

/* ---- strict input parsers (lab.h) ---------------------------------------- */

/**
 * pgc_lab_get_input() - copy one written value from user space
 * @ubuf: user buffer
 * @count: bytes written
 * @buf: destination
 * @size: size of @buf
 *
 * Accepts printable ASCII with single inner spaces allowed, optionally
 * ended by one newline; the newline is dropped.
 *
 * Return: 0; -EINVAL when the input is empty, does not fit, starts or ends
 * with a space or holds any other byte; -EFAULT on a bad user pointer.
 */
int pgc_lab_get_input(const char __user *ubuf, size_t count, char *buf,
		      size_t size)
{
	size_t len, i;

	if (!count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	len = count;
	if (buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!len || buf[0] == ' ' || buf[len - 1] == ' ')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (c < 0x20 || c > 0x7e)
			return -EINVAL;
		if (c == ' ' && buf[i + 1] == ' ')
			return -EINVAL;
	}
	return 0;
}

/**
 * pgc_lab_parse_ulong() - parse an unsigned integer strictly
 * @s: the string, decimal or 0x-prefixed hexadecimal, no sign
 * @val: result
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit.
 */
int pgc_lab_parse_ulong(const char *s, unsigned long *val)
{
	if (!isdigit(s[0]))
		return -EINVAL;
	return kstrtoul(s, 0, val);
}

/**
 * pgc_lab_parse_size() - parse a byte count with an optional K, M or G
 * @s: decimal digits, then optionally one of K, M, G (any case)
 * @bytes: result
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit in 64 bits.
 */
int pgc_lab_parse_size(const char *s, u64 *bytes)
{
	char num[PGC_LAB_INPUT_MAX];
	size_t len = strlen(s);
	unsigned int shift = 0;
	u64 v;
	int ret;

	if (!len || len >= sizeof(num) || !isdigit(s[0]))
		return -EINVAL;
	switch (s[len - 1]) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	}
	if (shift)
		len--;
	memcpy(num, s, len);
	num[len] = '\0';
	ret = kstrtou64(num, 10, &v);
	if (ret)
		return ret;
	if (v > (U64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}
