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

/*
 * file_operations for a debugfs file with NAME_show() (seq_file) and
 * NAME_write(): defines NAME_fops.
 */
#define PGC_RW_FOPS(name)						\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return single_open(file, name##_show, NULL);			\
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
