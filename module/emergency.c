// SPDX-License-Identifier: GPL-2.0
/* placeholder: replaced by the emergency allocator */
#include <linux/seq_file.h>
#include "internal.h"
int pgc_emerg_init(void) { return 0; }
void pgc_emerg_exit(void) { }
void *pgc_emerg_alloc(size_t size, gfp_t gfp, int node) { return NULL; }
bool pgc_emerg_owns(const void *ptr) { return false; }
bool pgc_emerg_free(const void *ptr) { return false; }
size_t pgc_emerg_size(const void *ptr) { return 0; }
void pgc_emerg_show_stats(struct seq_file *m) { }
unsigned long pgc_emerg_pages_held(void) { return 0; }
