// SPDX-License-Identifier: GPL-2.0
/*
 * The map: a window of physical memory, one character per 2^map_scale
 * pages ('.' free, '#' used, 'x' pinned by the injector, 'P' in pgcluster's
 * pool, ':' partly free, ' ' no memory), 64 characters a line.  map_start,
 * map_pages and map_scale set the window.
 *
 * Free pages are found by their PageBuddy() heads, whose order is read from
 * page->private without the zone lock and range-checked, so a block split
 * or merged meanwhile gives at worst a wrong character, never a fault.
 * Free pages on per-cpu lists are not PageBuddy and show as used.  The walk
 * visits each page at most once, skips a free block or a memory hole in
 * one step, and reschedules every PGC_MAP_RESCHED steps and between lines.
 *
 * pgc_map_lock guards the window settings and nests in nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "input.h"
#include "lab.h"

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

const struct file_operations pgc_map_fops = {
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
	unsigned long v;
	int ret;

	ret = pgc_input_ulong(ubuf, count, ppos, &v);
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
	unsigned long v;
	int ret;

	ret = pgc_input_ulong(ubuf, count, ppos, &v);
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
	unsigned long v;
	int ret;

	ret = pgc_input_ulong(ubuf, count, ppos, &v);
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

PGC_LAB_FOPS(pgc_map_start, pgc_map_start_write);
PGC_LAB_FOPS(pgc_map_pages, pgc_map_pages_write);
PGC_LAB_FOPS(pgc_map_scale, pgc_map_scale_write);
