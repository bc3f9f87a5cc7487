/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failure reports (diagnose.c): why an allocation failed, computed only
 * when the ratelimited message is printed.
 */
#ifndef _PGCLUSTER_DIAGNOSE_H
#define _PGCLUSTER_DIAGNOSE_H

#include <linux/types.h>

void pgc_report_alloc_failure(size_t size, gfp_t gfp, unsigned int flags,
			      int node, unsigned long caller);
void pgc_note_grow_failure(unsigned long sources, int nid,
			   unsigned int min_order, unsigned int max_order,
			   gfp_t gfp);

#endif /* _PGCLUSTER_DIAGNOSE_H */
