// SPDX-License-Identifier: GPL-2.0
/*
 * The fragmentation report (debugfs "fragmentation", also reachable by its
 * old name "checkerboard"): per node and zone, free blocks per order, free
 * pages, the largest free block, the unusable free space index and the
 * fragmentation index per order (the formulas of mm/vmstat.c, three
 * decimals), pages the injector pins and free pages on per-cpu lists; the
 * pages pgcluster's pool holds; a verdict per order over all zones; and the
 * last buddy probe of each order (probes.c).
 *
 * No zone lock is taken: free_area[].nr_free is read racily, as the
 * kernel's own extfrag debugfs does.  Free pages on the per-cpu lists are
 * in no free list, so they count as not free here, as in the kernel's
 * counters; the report gives their number per zone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>

#include "lab.h"

/**
 * pgc_fmt_bytes() - a byte count in the largest binary unit that divides it
 * @buf: destination
 * @size: size of @buf
 * @bytes: the count
 *
 * Return: @buf, e.g. "4 KiB", "9000 B".
 */
const char *pgc_fmt_bytes(char *buf, size_t size, u64 bytes)
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

/**
 * pgc_verdict() - can the buddy allocator serve an order
 * @blocks: free blocks a request of @order could use
 * @free_pages: free pages
 * @order: the order
 *
 * Return: "ok", "fragmented" (enough free pages, no block) or
 * "out of memory".
 */
const char *pgc_verdict(unsigned long blocks, unsigned long free_pages,
			unsigned int order)
{
	if (blocks)
		return "ok";
	if (free_pages >= (1UL << order))
		return "fragmented";
	return "out of memory";
}

/**
 * pgc_free_lists() - free blocks of an order and up, over every zone
 * @order: the order
 * @blocks: blocks of @order a request could use (bigger ones split)
 * @free_pages: free pages
 * @pcp_pages: free pages on the per-cpu lists, in no free list
 *
 * What the report's verdict counts; a racy snapshot.
 */
void pgc_free_lists(unsigned int order, unsigned long *blocks,
		    unsigned long *free_pages, unsigned long *pcp_pages)
{
	struct pgc_zone_snap s;
	int nid, zidx;

	*blocks = 0;
	*free_pages = 0;
	*pcp_pages = 0;
	for_each_online_node(nid) {
		for (zidx = 0; zidx < MAX_NR_ZONES; zidx++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zidx];

			if (!populated_zone(zone))
				continue;
			pgc_zone_snapshot(zone, &s);
			*blocks += pgc_suitable(s.nr_free, order);
			*free_pages += s.free_pages;
			*pcp_pages += pgc_zone_pcp_pages(zone);
		}
	}
}

static void pgc_print_index(struct seq_file *m, int idx)
{
	seq_printf(m, " %s%d.%03d", idx < 0 ? "-" : " ", abs(idx) / 1000,
		   abs(idx) % 1000);
}

static int pgc_fragmentation_show(struct seq_file *m, void *unused)
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
		   pool, pgc_pages_to_mb(pool), pinned, pgc_pages_to_mb(pinned));

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
	pgc_probes_show_seen(m);
	return 0;
}

static int pgc_fragmentation_open(struct inode *inode, struct file *file)
{
	return single_open(file, pgc_fragmentation_show, NULL);
}

const struct file_operations pgc_fragmentation_fops = {
	.owner = THIS_MODULE,
	.open = pgc_fragmentation_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};
