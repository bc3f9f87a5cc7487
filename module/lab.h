/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the two files of the fragmentation lab:
 *
 *   inject.c  pins pages in a pattern (debugfs inject/)
 *   report.c  checkerboard report, PFN map, buddy and pgcluster probes, and
 *             the strict input parsers every writable lab file uses
 *
 * The parsers accept exactly one value per write, optionally followed by one
 * newline, and reject everything else (empty, over-long, signs, embedded NUL
 * or control characters, trailing garbage) with -EINVAL, and values that do
 * not fit with -ERANGE.  Callers parse completely before changing any state,
 * so a rejected write leaves the state as it was.
 */
#ifndef _PGCLUSTER_LAB_H
#define _PGCLUSTER_LAB_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/* Longest input any lab file accepts, including the trailing newline. */
#define PGC_LAB_INPUT_MAX	64

/*
 * Copy a write from user space into @buf (@size bytes) as a NUL-terminated
 * string without its one trailing newline.  Returns 0, -EINVAL or -EFAULT.
 */
int pgc_lab_get_input(const char __user *ubuf, size_t count, char *buf,
		      size_t size);
/* Unsigned integer, decimal or 0x-prefixed hex.  0, -EINVAL or -ERANGE. */
int pgc_lab_parse_ulong(const char *s, unsigned long *val);
/*
 * Byte count: decimal digits with an optional binary suffix K, M or G
 * (upper or lower case).  0, -EINVAL or -ERANGE.
 */
int pgc_lab_parse_size(const char *s, u64 *bytes);

/* inject.c: pages pinned by the injector in one zone (racy snapshot). */
unsigned long pgc_inject_zone_pinned(int nid, int zone_idx);
/* inject.c: the seal around one probe (report.c), see inject.c */
struct pgc_probe_seal {
	unsigned int gen;	/* the seal's number */
	bool sealed;		/* memory was sealed when the probe began */
	bool own;		/* the probe made the seal and ends it */
};

int pgc_inject_probe_begin(bool seal, struct pgc_probe_seal *ps);
bool pgc_inject_probe_end(struct pgc_probe_seal *ps);

/*
 * Size of the seq_file buffer of the lab's small files.  Above PAGE_SIZE,
 * seq_file's kvmalloc() tries kmalloc() without hard retries (6.1 adds
 * __GFP_NORETRY, newer kernels drop direct reclaim) and falls back to
 * vmalloc()'s order-0 pages, so reading such a file never retries hard for
 * a higher-order block.  That matters inside a seal (inject.c), when no
 * block of order 1 or more is free: a PAGE_SIZE buffer comes from
 * kmalloc-4k, which on a KASAN kernel has order-1 slabs and recycles freed
 * objects only after its quarantine, so a few reads in a row needed a new
 * slab and woke the OOM killer in testing.
 */
#define PGC_LAB_SEQ_BUF		(2 * PAGE_SIZE)

/* single_open() with a PGC_LAB_SEQ_BUF buffer. */
static inline int pgc_lab_single_open(struct file *file,
				      int (*show)(struct seq_file *, void *))
{
	return single_open_size(file, show, NULL, PGC_LAB_SEQ_BUF);
}

/*
 * file_operations for a debugfs file with NAME_show() (seq_file) and
 * NAME_write(): defines NAME_fops.  See PGC_LAB_SEQ_BUF.
 */
#define PGC_RW_FOPS(name)						\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return pgc_lab_single_open(file, name##_show);			\
}									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.write = name##_write,						\
	.llseek = seq_lseek,						\
	.release = single_release,					\
}

#endif /* _PGCLUSTER_LAB_H */
