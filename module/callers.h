/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-caller accounting (callers.c), debugfs "callers": live allocations,
 * live bytes, calls and failures per call site of the allocation API.  Off
 * by default; while off the hooks below cost one static branch.
 */
#ifndef _PGCLUSTER_CALLERS_H
#define _PGCLUSTER_CALLERS_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct seq_file;

DECLARE_STATIC_KEY_FALSE(pgc_callers_key);

extern bool pgc_callers_param;		/* module parameter "callers" */

void __pgc_callers_alloc(unsigned long caller, const void *ptr, size_t size,
			 gfp_t gfp);
void __pgc_callers_free(const void *ptr);

/*
 * After every allocation call of @size bytes, @ptr NULL when it failed;
 * the usable size is worked out from @size, without a lookup.
 */
static inline void pgc_callers_alloc(unsigned long caller, const void *ptr,
				     size_t size, gfp_t gfp)
{
	if (static_branch_unlikely(&pgc_callers_key))
		__pgc_callers_alloc(caller, ptr, size, gfp);
}

/* Before @ptr is given back, so a reuse of @ptr cannot race its record. */
static inline void pgc_callers_free(const void *ptr)
{
	if (static_branch_unlikely(&pgc_callers_key))
		__pgc_callers_free(ptr);
}

int pgc_callers_init(void);
void pgc_callers_exit(void);
int pgc_callers_show(struct seq_file *m);
int pgc_callers_write(char *cmd);

#endif /* _PGCLUSTER_CALLERS_H */
