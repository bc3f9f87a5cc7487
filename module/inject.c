// SPDX-License-Identifier: GPL-2.0
/* placeholder: replaced by the fragmentation injector */
#include "internal.h"
int pgc_inject_init(void) { return 0; }
void pgc_inject_exit(void) { }
bool pgc_inject_owns_pfn(unsigned long pfn) { return false; }
unsigned long pgc_inject_pages_pinned(void) { return 0; }
