/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the files of pgcluster_bench.ko: the allocators it times, the
 * timed loops (one inlined switch each, so a loop makes no indirect call)
 * and the row output.  bench_main.c holds the control files and the speed,
 * waste and success steps; bench_perf.c the cost growth, tail latency,
 * scaling and observability steps.
 */
#ifndef PGCLUSTER_BENCH_H
#define PGCLUSTER_BENCH_H

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/vmalloc.h>
#include <linux/pgcluster.h>

#define PB_REPEATS_MAX	31
#define PB_CHUNKS	10	/* a hot run is timed in this many chunks */
#define PB_GFP		(GFP_KERNEL | __GFP_NOWARN)
#define PB_GFP_NORETRY	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

enum pb_kind {
	PB_PGC,		/* pgcluster_alloc(size, gfp, 0) */
	PB_PGC_VIRT,	/* pgcluster_alloc(size, gfp, PGCLUSTER_VIRTOK) */
	PB_KMALLOC,
	PB_PAGES_EXACT,
	PB_PAGES,	/* alloc_pages(gfp, get_order(size)) */
	PB_VMALLOC,
	PB_KVMALLOC,
};

extern const char *const pb_kind_name[];
extern unsigned int repeats;
extern unsigned int hot_iters;

struct pb_counts {
	unsigned long fails;
	unsigned long vhits;
	unsigned long done;
};

__printf(1, 2) void pb_out(const char *fmt, ...);
u64 pb_hot(enum pb_kind k, size_t size, unsigned int n, struct pb_counts *c);
u64 pb_median(u64 *v, unsigned int n);
u64 pb_hot_ps(enum pb_kind k, size_t size, unsigned int iters,
	      struct pb_counts *c);

void pb_step_growth(const char *arg);
void pb_step_adv(const char *arg);
void pb_step_tail(const char *arg);
void pb_step_scale(const char *arg);
void pb_step_obs(const char *arg);
int pb_perf_init(void);
void pb_perf_exit(void);

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

#endif /* PGCLUSTER_BENCH_H */
