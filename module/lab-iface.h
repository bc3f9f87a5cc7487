/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boundary between the fragmentation lab (module/lab/) and the rest of
 * pgcluster.ko, in both directions.  The lab's files include this header
 * and never internal.h; internal.h includes it for main.c and the
 * allocator.  Nothing here includes lab/lab.h.
 */
#ifndef _PGCLUSTER_LAB_IFACE_H
#define _PGCLUSTER_LAB_IFACE_H

#include <linux/types.h>
#include <linux/pgcluster.h>	/* the exported API, for the pgcluster probe */

#include "compat.h"

struct dentry;

/* main.c: module parameter and debugfs root. */
extern bool pgc_allow_inject;		/* create debugfs inject/ */
extern struct dentry *pgc_debugfs_root;	/* /sys/kernel/debug/pgcluster */

/* The pool: lockless reads for the report and the map. */
/* True when @pfn lies in a cluster of the pool. */
bool pgc_pool_owns_pfn(unsigned long pfn);
/* Pages currently held from the buddy allocator by the pool. */
unsigned long pgc_pool_pages_held(void);

/* The lab (lab/debugfs.c): one part of main.c's init/exit table. */
int pgc_lab_init(void);
void pgc_lab_exit(void);

#endif /* _PGCLUSTER_LAB_IFACE_H */
