// SPDX-License-Identifier: GPL-2.0
/*
 * Lab test cases: the situation the fragmentation lab creates, built by the
 * test itself with the same technique as the injector (high-order blocks,
 * split_page(), every other page kept), then checked from a driver's point
 * of view:
 *
 *   lab_checkerboard_isolates  a freed page whose buddy is held cannot merge:
 *                              every freed page that is back in the buddy
 *                              lists sits there as an order-0 block
 *   lab_contig_in_checkerboard pgcluster still serves 9000 B, 36 KiB and
 *                              128 KiB physically contiguous while the local
 *                              checkerboard is in place, and the memory is
 *                              really usable end to end
 *   lab_order2_alloc           one GFP_KERNEL order-2 allocation, the kind
 *                              that retries hard and may reach the OOM
 *                              killer; alone it only checks that such a
 *                              block can be had, selftests/lab.sh runs it
 *                              inside the injector's seal, where compaction
 *                              or the seal's OOM notifier let it succeed
 *   lab_oom_unpins             holds every free block of order 1 and up
 *                              (64 MiB at most), then makes the same
 *                              request; under the injector's checkerboard,
 *                              unsealed, its OOM notifier gives pinned
 *                              pages back (lab.sh checks inject/status);
 *                              alone it succeeds at once on any guest with
 *                              well over 64 MiB free (pgcluster_kmod_test
 *                              runs every case, on 2 GiB guests)
 *   lab_hold_block             takes one order-8 block and keeps it after
 *                              the case returns; lab_free_block gives it
 *                              back.  selftests/lab.sh holds it across an
 *                              injector start and frees it after: memory
 *                              the kernel freed since the start, which the
 *                              injector's "sweep" must cover
 *
 * The debugfs side of the lab (inject/, fragmentation, map, probes) is tested
 * from user space by selftests/lab.sh and selftests/debugfs_badinput.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/pgcluster.h>

#include "pgct.h"

#define LAB_BLOCK_ORDER		5	/* 128 KiB blocks */
/* 128 MiB: enough freed pages to overflow the per-cpu free lists */
#define LAB_BLOCKS		1024

/* One board at a time: cases run serialised by pgcluster_test.ko. */
static struct lab_board {
	struct page *blocks[LAB_BLOCKS];
	unsigned int nr;
} lab_board;

/* Take blocks, keep the even pages, free the odd ones.  Returns blocks. */
static unsigned int lab_board_make(struct lab_board *b)
{
	unsigned int i, j;
	struct page *page;

	b->nr = 0;
	for (i = 0; i < LAB_BLOCKS; i++) {
		page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN,
				   LAB_BLOCK_ORDER);
		if (!page)
			break;
		split_page(page, LAB_BLOCK_ORDER);
		for (j = 1; j < (1U << LAB_BLOCK_ORDER); j += 2)
			__free_page(page + j);
		b->blocks[b->nr++] = page;
	}
	return b->nr;
}

static void lab_board_free(struct lab_board *b)
{
	unsigned int i, j;

	for (i = 0; i < b->nr; i++)
		for (j = 0; j < (1U << LAB_BLOCK_ORDER); j += 2)
			__free_page(b->blocks[i] + j);
	b->nr = 0;
}

static void lab_board_release(void *arg)
{
	lab_board_free(arg);
}

static int lab_checkerboard_isolates(void)
{
	unsigned long in_buddy = 0, merged = 0;
	struct lab_board *b = &lab_board;
	unsigned int i, j;

	lab_board_make(b);
	PGCT_ASSERT(!pgct_defer(lab_board_release, b), "defer");
	PGCT_SKIP_IF(b->nr < LAB_BLOCKS / 4,
		     "only %u blocks of order %d available", b->nr,
		     LAB_BLOCK_ORDER);
	for (i = 0; i < b->nr; i++) {
		for (j = 1; j < (1U << LAB_BLOCK_ORDER); j += 2) {
			struct page *p = b->blocks[i] + j;

			if (!PageBuddy(p))
				continue;	/* still on a per-cpu list */
			in_buddy++;
			/* racy peek at a free page's order, as the map does */
			if (data_race(READ_ONCE(p->private)) != 0)
				merged++;
		}
	}
	pgct_log("%u blocks: %lu freed pages in the buddy lists, %lu merged",
		 b->nr, in_buddy, merged);
	PGCT_EXPECT(merged == 0, "%lu freed pages merged with a held buddy",
		    merged);
	PGCT_EXPECT(in_buddy > 0, "no freed page reached the buddy lists");
	return PGCT_PASS;
}

static int lab_check_contig(size_t size)
{
	unsigned long pfn, i;
	size_t usable;
	u8 *p, *bad;

	p = pgcluster_alloc(size, GFP_KERNEL, 0);
	PGCT_ASSERT(p, "%zu B: allocation failed inside a checkerboard", size);
	PGCT_DEFER_FREE(p);
	usable = pgcluster_size(p);
	PGCT_ASSERT(!pgcluster_is_virtual(p) && usable >= size &&
		    virt_addr_valid(p), "%zu B: virtual %d, usable %zu", size,
		    pgcluster_is_virtual(p), usable);
	pfn = page_to_pfn(virt_to_page(p));
	for (i = PAGE_SIZE - offset_in_page(p); i < usable; i += PAGE_SIZE)
		PGCT_ASSERT(page_to_pfn(virt_to_page(p + i)) == pfn + 1 +
			    (i - (PAGE_SIZE - offset_in_page(p))) / PAGE_SIZE,
			    "%zu B: page at offset %lu not consecutive", size, i);
	memset(p, 0xa5, usable);
	bad = memchr_inv(p, 0xa5, usable);
	PGCT_EXPECT(!bad, "%zu B: byte %td reads %#x", size, bad - p, *bad);
	pgct_log("%zu B: contiguous from pfn %#lx, usable %zu", size, pfn,
		 usable);
	pgct_release(pgct_free_action, p);
	return PGCT_PASS;
}

static int lab_contig_in_checkerboard(void)
{
	static const size_t sizes[] = { 9000, 36 << 10, 128 << 10 };
	struct lab_board *b = &lab_board;
	unsigned int i;
	void *probe;

	/* Without a working pool there is nothing to check. */
	probe = pgcluster_alloc(9000, GFP_KERNEL | __GFP_NOWARN, 0);
	PGCT_SKIP_IF(!probe, "pgcluster serves nothing even unfragmented");
	pgcluster_free(probe);

	lab_board_make(b);
	PGCT_ASSERT(!pgct_defer(lab_board_release, b), "defer");
	pgct_log("checkerboard of %u blocks in place", b->nr);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if (lab_check_contig(sizes[i]))
			return PGCT_FAIL;
	return PGCT_PASS;
}

static int lab_order2_alloc(void)
{
	struct page *page;

	/* no __GFP_NORETRY: reclaim, compaction, then the OOM path */
	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 2);
	PGCT_ASSERT(page, "no order-2 block for a GFP_KERNEL request");
	pgct_log("order-2 block at pfn %#lx", page_to_pfn(page));
	__free_pages(page, 2);
	return PGCT_PASS;
}

/* Hold every free block of order >= 1, up to this many pages (64 MiB) */
#define LAB_HOLD_PAGES		(SZ_64M >> PAGE_SHIFT)
#define LAB_HOLD_TOP_ORDER	10	/* valid on 6.1 and 7.2 */

static int lab_oom_unpins(void)
{
	struct page *page, *next, *got;
	unsigned long pages = 0;
	LIST_HEAD(held);
	int order;

	for (order = LAB_HOLD_TOP_ORDER; order >= 1; order--) {
		while (pages + (1UL << order) <= LAB_HOLD_PAGES) {
			page = alloc_pages(GFP_KERNEL | __GFP_NORETRY |
					   __GFP_NOWARN, order);
			if (!page)
				break;
			set_page_private(page, order);
			list_add(&page->lru, &held);
			pages += 1UL << order;
		}
	}
	pgct_log("holding %lu pages in blocks of order 1 and up", pages);
	/* no __GFP_NORETRY: reclaim, compaction, then the OOM path */
	got = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 2);
	if (got) {
		pgct_log("order-2 block at pfn %#lx", page_to_pfn(got));
		__free_pages(got, 2);
	}
	list_for_each_entry_safe(page, next, &held, lru) {
		list_del(&page->lru);
		order = page_private(page);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
	PGCT_EXPECT(got, "no order-2 block for a GFP_KERNEL request");
	return PGCT_PASS;
}

/* One block held from lab_hold_block to lab_free_block (or unload). */
#define LAB_HELD_ORDER		8
static struct page *lab_held;

static int lab_hold_block(void)
{
	PGCT_ASSERT(!lab_held, "a block is held already");
	lab_held = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN,
			       LAB_HELD_ORDER);
	PGCT_ASSERT(lab_held, "no free order-%d block", LAB_HELD_ORDER);
	pgct_log("holding an order-%d block at pfn %#lx", LAB_HELD_ORDER,
		 page_to_pfn(lab_held));
	return PGCT_PASS;
}

static int lab_free_block(void)
{
	PGCT_ASSERT(lab_held, "no block held (run lab_hold_block first)");
	pgct_log("freeing the order-%d block at pfn %#lx", LAB_HELD_ORDER,
		 page_to_pfn(lab_held));
	__free_pages(lab_held, LAB_HELD_ORDER);
	lab_held = NULL;
	return PGCT_PASS;
}

void pgct_lab_exit(void)
{
	if (lab_held)
		__free_pages(lab_held, LAB_HELD_ORDER);
	lab_held = NULL;
}

const struct pgct_case pgct_lab_cases[] = {
	{ "lab_checkerboard_isolates", lab_checkerboard_isolates },
	{ "lab_contig_in_checkerboard", lab_contig_in_checkerboard },
	{ "lab_order2_alloc", lab_order2_alloc },
	{ "lab_oom_unpins", lab_oom_unpins },
	{ "lab_hold_block", lab_hold_block },
	{ "lab_free_block", lab_free_block },
	{ NULL, NULL }
};
