/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One strict parser for every writable debugfs file of pgcluster.ko.
 *
 * A write carries exactly one value (or a few fields separated by single
 * spaces) at file offset 0, optionally followed by one newline.  Anything
 * else (empty, over-long, a second write at a non-zero offset, control
 * bytes, leading, trailing or doubled spaces, signs, octal, trailing
 * garbage) is -EINVAL; a number that does not fit is -ERANGE.  Callers
 * parse completely before they change state, so a rejected write changes
 * nothing.
 */
#ifndef _PGCLUSTER_INPUT_H
#define _PGCLUSTER_INPUT_H

#include <linux/types.h>

/* Longest input any file accepts, including the trailing newline. */
#define PGC_INPUT_MAX	64

int pgc_input_get(const char __user *ubuf, size_t count, loff_t *ppos,
		  char *buf, size_t size);
int pgc_input_split(char *s, char **fields, unsigned int max);
int pgc_parse_dec(const char *s, unsigned long *val);
int pgc_parse_ulong(const char *s, unsigned long *val);
ssize_t pgc_input_store(const char __user *ubuf, size_t count, loff_t *ppos,
			int (*store)(char *buf));
int pgc_input_ulong(const char __user *ubuf, size_t count, loff_t *ppos,
		    unsigned long *val);
int pgc_parse_u32(const char *s, u32 *val);
int pgc_parse_size(const char *s, u64 *bytes);
int pgc_parse_bool(const char *s, bool *val);

#endif /* _PGCLUSTER_INPUT_H */
