/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private header of the fragmentation lab (module/lab/).  The lab pins
 * pages in a pattern, reports what the buddy allocator's free lists look
 * like, draws a map of physical memory and probes both allocators.  It
 * reaches the rest of pgcluster.ko only through ../lab-iface.h.
 *
 *   patterns.c  the pattern table and the amount
 *   pins.c      the pinned-page bitmap and the per-zone counters
 *   inject.c    start, sweep, release and the kernel's reserve
 *   seal.c      the seal, its timer and the OOM notifier
 *   control.c   inject/pattern, amount, control and status
 *   report.c    the fragmentation report
 *   map.c       the map and its window
 *   probes.c    the buddy and pgcluster probes
 *   debugfs.c   creates every file of the lab; init and exit
 *
 * Lock order (outermost first):
 *   pgc_probe_lock (probes.c) -> pgc_inject_lock (inject.c)
 *     -> the seal's lock (seal.c)
 * pgc_map_lock (map.c) nests in nothing.  The OOM notifier only trylocks.
 * docs/lab.md is the admin guide.
 */
#ifndef _PGCLUSTER_LAB_LAB_H
#define _PGCLUSTER_LAB_LAB_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "lab-iface.h"

#define PGC_NR_ORDERS		(MAX_PAGE_ORDER + 1)
#define PGC_PROGRESS_MB		256	/* a log line per this many MiB */

static inline unsigned long pgc_pages_to_mb(unsigned long pages)
{
	return pages >> (20 - PAGE_SHIFT);
}

/* ---- patterns.c -------------------------------------------------------- */

/*
 * One kind of pattern.  A pattern is a function of the pfn alone (and of a
 * start's seed), so neighbouring blocks agree and a page given back always
 * has its buddy pinned.  Adding one: an entry in patterns.c's table.
 */
struct pgc_pattern_type {
	const char *name;
	bool has_arg;			/* written as "name:N" */
	unsigned long arg_min, arg_max;
	/* true when the page at @pfn is to be pinned */
	bool (*pins)(unsigned int arg, u64 seed, unsigned long pfn);
	/* smallest block that holds a whole period of the pattern */
	unsigned int (*period_order)(unsigned int arg);
};

struct pgc_pattern {
	const struct pgc_pattern_type *type;
	unsigned int arg;
};

extern const struct pgc_pattern pgc_pattern_default;

int pgc_pattern_parse(const char *s, struct pgc_pattern *p);
const char *pgc_pattern_fmt(char *buf, size_t size,
			    const struct pgc_pattern *p);
void pgc_pattern_print(struct seq_file *m, const struct pgc_pattern *p);

/* How much to cover: a share of each zone's free memory, or bytes. */
struct pgc_amount {
	bool percent;
	u64 val;		/* 1..100 percent, or bytes */
};

int pgc_amount_parse(const char *s, struct pgc_amount *a);
void pgc_amount_print(struct seq_file *m, const struct pgc_amount *a);

static inline bool pgc_amount_all(const struct pgc_amount *a)
{
	return a->percent && a->val == 100;
}

/* ---- pins.c -------------------------------------------------------------- */

struct pgc_pin_chunk;

/* Cache of the bitmap chunk a run wrote last. */
struct pgc_pin_cursor {
	struct pgc_pin_chunk *chunk;
	unsigned long idx;
};

int pgc_pins_init(void);
void pgc_pins_exit(void);
int pgc_pin_record(struct pgc_pin_cursor *cur, unsigned long pfn);
void pgc_pin_clear(unsigned long pfn);
void pgc_pins_count(struct page *page, long delta);
unsigned long pgc_pins_free(bool one_chunk);
bool pgc_pins_held(void);
void pgc_zone_covered_add(int nid, int zidx, unsigned long pages);
bool pgc_inject_owns_pfn(unsigned long pfn);
unsigned long pgc_inject_pages_pinned(void);
unsigned long pgc_inject_zone_pinned(int nid, int zidx);
void pgc_pins_show_zones(struct seq_file *m);

/* ---- inject.c ------------------------------------------------------------ */

/* How a start (or a seal's or a sweep's passes) ended. */
enum pgc_run_end {
	PGC_END_NONE,		/* no start yet */
	PGC_END_DONE,		/* every target reached */
	PGC_END_NOMEM,		/* buddy allocator ran out of suitable blocks */
	PGC_END_FLOOR,		/* stopped at a zone's safety floor */
	PGC_END_SIGNAL,		/* interrupted by a fatal signal */
	PGC_END_NOBITMAP,	/* could not allocate the pinned-page bitmap */
	PGC_END_UNSEALED,	/* a seal's passes: the seal ended meanwhile */
};

/* One pass or set of passes over the zones; lives on the caller's stack. */
struct pgc_run {
	struct pgc_pattern pattern;
	u64 seed;
	struct pgc_pin_cursor cur;
	unsigned long covered;		/* pages taken from the buddy allocator */
	unsigned long pinned;		/* of those, pages kept */
	unsigned long next_progress;	/* covered pages of the next log line */
	unsigned int min_order;		/* smallest block to take (sweeps) */
	bool every_block;		/* no target: a seal or a sweep */
	bool seal;			/* a seal: keep blocks whole, see seal.c */
	unsigned int seal_gen;		/* a seal: the number of that seal */
	enum pgc_run_end end;
};

/* Settings and the last start; everything under pgc_inject_lock. */
struct pgc_inject_state {
	struct pgc_pattern pattern;	/* inject/pattern */
	struct pgc_amount amount;	/* inject/amount */
	struct pgc_pattern last_pattern;
	u64 last_seed;			/* of the pattern random:PCT */
	unsigned long last_covered, last_pinned;
	unsigned long last_reserve;	/* blocks left for the kernel */
	u64 last_ms;
	enum pgc_run_end last_end;
	unsigned int sweeps;		/* "sweep"s since the last start */
	unsigned long swept_covered, swept_pinned;
};

extern struct mutex pgc_inject_lock;
extern struct pgc_inject_state pgc_inj;
extern const char *const pgc_run_end_text[];

void pgc_run_init(struct pgc_run *run, const struct pgc_pattern *pattern,
		  u64 seed, unsigned int min_order);
bool pgc_zone_covers(int zidx, gfp_t *gfp);
bool pgc_inject_pass(struct pgc_run *run, unsigned long *pages_left,
		     enum pgc_run_end *result);
void pgc_inject_start(void);
int pgc_inject_sweep(void);
void pgc_inject_release(void);
void pgc_inject_show(struct seq_file *m);

/* ---- seal.c -------------------------------------------------------------- */

#define PGC_SEAL_MS_DEFAULT	2000
#define PGC_SEAL_MS_MAX		10000

/* How the last seal ended. */
enum pgc_seal_end {
	PGC_SEAL_NONE,		/* no seal yet */
	PGC_SEAL_ON,		/* still sealed */
	PGC_SEAL_TIMER,		/* the delayed work unsealed it */
	PGC_SEAL_REQUEST,	/* "unseal" */
	PGC_SEAL_RELEASE,	/* "release" or unload */
	PGC_SEAL_PROBE,		/* a sealed probe's own seal, after the probe */
	PGC_SEAL_OOM,		/* given back to stop the OOM killer */
};

/* The seal around one probe (probes.c). */
struct pgc_probe_seal {
	unsigned int gen;	/* the seal's number */
	bool sealed;		/* memory was sealed when the probe began */
	bool own;		/* the probe made the seal and ends it */
};

int pgc_seal_init(void);
void pgc_seal_exit(void);
bool pgc_seal_on(void);
long pgc_seal_add(struct pgc_run *run, struct page *page, unsigned int order);
int pgc_seal(unsigned int ms, bool quiet);
void pgc_unseal(enum pgc_seal_end why);
void pgc_seal_show(struct seq_file *m);
int pgc_inject_probe_begin(bool seal, struct pgc_probe_seal *ps);
bool pgc_inject_probe_end(struct pgc_probe_seal *ps);

/* ---- report.c ------------------------------------------------------------ */

const char *pgc_fmt_bytes(char *buf, size_t size, u64 bytes);
const char *pgc_verdict(unsigned long blocks, unsigned long free_pages,
			unsigned int order);
void pgc_free_lists(unsigned int order, unsigned long *blocks,
		    unsigned long *free_pages, unsigned long *pcp_pages);

/* ---- probes.c ------------------------------------------------------------ */

void pgc_probes_show_seen(struct seq_file *m);
void pgc_probes_exit(void);

/* ---- the files (debugfs.c creates them) ---------------------------------- */

extern const struct file_operations pgc_fragmentation_fops;	/* report.c */
extern const struct file_operations pgc_map_fops;		/* map.c */
extern const struct file_operations pgc_map_start_fops;
extern const struct file_operations pgc_map_pages_fops;
extern const struct file_operations pgc_map_scale_fops;
extern const struct file_operations pgc_probe_fops;		/* probes.c */
extern const struct file_operations pgc_pgprobe_fops;
extern const struct file_operations pgc_pattern_fops;		/* control.c */
extern const struct file_operations pgc_amount_fops;
extern const struct file_operations pgc_control_fops;
extern const struct file_operations pgc_status_fops;

/*
 * Size of the seq_file buffer of the lab's small files.  Above PAGE_SIZE,
 * seq_file's kvmalloc() does not retry hard for a high-order block and
 * falls back to vmalloc()'s order-0 pages, so reading such a file inside a
 * seal, when no block of order 1 or more is free, does not wake the OOM
 * killer (a KASAN kernel's kmalloc-4k has order-1 slabs).
 */
#define PGC_LAB_SEQ_BUF		(2 * PAGE_SIZE)

static inline int pgc_lab_single_open(struct file *file,
				      int (*show)(struct seq_file *, void *))
{
	return single_open_size(file, show, NULL, PGC_LAB_SEQ_BUF);
}

/*
 * file_operations for a file with NAME_show() (seq_file, PGC_LAB_SEQ_BUF)
 * and, when @write_fn is not NULL, a write handler: defines NAME_fops.
 */
#define PGC_LAB_FOPS(name, write_fn)					\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return pgc_lab_single_open(file, name##_show);			\
}									\
const struct file_operations name##_fops = {				\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.write = write_fn,						\
	.llseek = seq_lseek,						\
	.release = single_release,					\
}

#endif /* _PGCLUSTER_LAB_LAB_H */
