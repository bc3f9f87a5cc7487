// SPDX-License-Identifier: GPL-2.0
/* placeholder: replaced by the cluster pool implementation */
#include <linux/seq_file.h>
#include "internal.h"
int pgc_pool_init(void) { return 0; }
void pgc_pool_exit(void) { }
void *pgc_cluster_alloc(size_t size, gfp_t gfp, int node) { return NULL; }
bool pgc_cluster_free(const void *ptr) { return false; }
size_t pgc_cluster_size(const void *ptr) { return 0; }
bool pgc_pool_owns_pfn(unsigned long pfn) { return false; }
void pgc_pool_show_stats(struct seq_file *m) { }
unsigned long pgc_pool_pages_held(void) { return 0; }
