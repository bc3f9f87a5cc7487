# SPDX-License-Identifier: GPL-2.0
#
# Kernel features that module/compat.h depends on, probed in the tree the
# module is built against instead of guessed from its version number: a
# declaration in the tree's headers, or a symbol in its Module.symvers
# (that is, exported to modules).  Each probe becomes -DPGC_PROBE_<NAME>=0|1;
# the debugfs "stats" file prints the results as probe_<name> lines.
#
# An in-tree build has no Module.symvers while it compiles: symbol probes
# then read 0 and the feature is not used.

pgc-symvers := $(objtree)/Module.symvers
pgc-header = $(firstword $(wildcard $(srctree)/include/$(1) \
				   $(objtree)/include/$(1)))

# $(call pgc-declares,HEADER,EXTENDED-REGEX): 1 if HEADER matches
pgc-declares = $(if $(call pgc-header,$(1)),,$(error pgcluster: \
			no include/$(1) in $(srctree) or $(objtree)))$(if \
		$(shell grep -sqE '$(2)' $(call pgc-header,$(1)) && echo y),1,0)
# $(call pgc-exports,SYMBOL|SYMBOL...): 1 if Module.symvers lists one
pgc-exports = $(if $(shell grep -sqE \
			'^0x[0-9a-f]+[[:space:]]+($(1))[[:space:]]' \
			$(pgc-symvers) && echo y),1,0)

# 6.4 made MAX_ORDER the largest order instead of one past it; 6.8 renamed
# it MAX_PAGE_ORDER (compat.h tests that macro itself).
pgc-probe-max-order-inclusive := \
	$(call pgc-declares,linux/mmzone.h,define MAX_ORDER_NR_PAGES[[:space:]]+.1 << MAX_ORDER.$$)
# 6.7: shrinker_alloc()/shrinker_register()/shrinker_free().
pgc-probe-shrinker-alloc := \
	$(call pgc-declares,linux/shrinker.h,struct shrinker \*shrinker_alloc)
# alloc_contig_pages(): declared everywhere under CONFIG_CONTIG_ALLOC, but
# exported (as alloc_contig_pages_noprof() since 6.10) only on some kernels.
pgc-probe-alloc-contig-pages := \
	$(call pgc-exports,alloc_contig_pages|alloc_contig_pages_noprof)

ccflags-y += -DPGC_PROBE_MAX_ORDER_INCLUSIVE=$(pgc-probe-max-order-inclusive) \
	     -DPGC_PROBE_SHRINKER_ALLOC=$(pgc-probe-shrinker-alloc) \
	     -DPGC_PROBE_ALLOC_CONTIG_PAGES=$(pgc-probe-alloc-contig-pages)
