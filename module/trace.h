/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pgcluster trace system: one event per allocator decision a sysadmin
 * or driver author may want to watch with tracefs, perf, trace-cmd or
 * bpftrace.  trace.c is the one file that defines them (CREATE_TRACE_POINTS);
 * every other file only calls trace_pgcluster_*().  A disabled event is a
 * static branch not taken, and whatever an event must work out (the usable
 * size of a new allocation, a pattern's name) is worked out in
 * TP_fast_assign, which runs only when the event is enabled, without
 * taking locks.
 * docs/tracing.md lists the events and their fields.
 */
#ifndef _PGCLUSTER_TRACE_ENUMS_H
#define _PGCLUSTER_TRACE_ENUMS_H

#include <linux/mm.h>
#include <linux/pgcluster.h>

#include "internal.h"

/* Why a cluster was added (pgcluster_pool_grow). */
enum pgc_trace_grow {
	PGC_TRACE_GROW_SYNC,	/* a request grew the pool for itself */
	PGC_TRACE_GROW_REFILL,	/* the refill worker */
	PGC_TRACE_GROW_KNOB,	/* debugfs pool_grow */
	PGC_TRACE_GROW_LOAD,	/* the initial pool */
};

/* pgcluster_emerg_cache */
enum pgc_trace_cache {
	PGC_TRACE_CACHE_HIT,	/* a cached slot served an allocation */
	PGC_TRACE_CACHE_EVICT,	/* a cached slot leaves the cache */
};

/* pgcluster_reserve */
enum pgc_trace_reserve {
	PGC_TRACE_RESERVE_TAKE,
	PGC_TRACE_RESERVE_REFILL,
};

/* pgcluster_lab */
enum pgc_trace_lab {
	PGC_TRACE_LAB_START,
	PGC_TRACE_LAB_RELEASE,
	PGC_TRACE_LAB_SEAL,
	PGC_TRACE_LAB_UNSEAL,
};

struct pgc_pattern;

#endif /* _PGCLUSTER_TRACE_ENUMS_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM pgcluster

#if !defined(_PGCLUSTER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PGCLUSTER_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

/* Symbolic values for user-space parsers of the print formats. */
TRACE_DEFINE_ENUM(PGC_TRACE_GROW_SYNC);
TRACE_DEFINE_ENUM(PGC_TRACE_GROW_REFILL);
TRACE_DEFINE_ENUM(PGC_TRACE_GROW_KNOB);
TRACE_DEFINE_ENUM(PGC_TRACE_GROW_LOAD);
TRACE_DEFINE_ENUM(PGC_TRACE_CACHE_HIT);
TRACE_DEFINE_ENUM(PGC_TRACE_CACHE_EVICT);
TRACE_DEFINE_ENUM(PGC_TRACE_RESERVE_TAKE);
TRACE_DEFINE_ENUM(PGC_TRACE_RESERVE_REFILL);
TRACE_DEFINE_ENUM(PGC_TRACE_LAB_START);
TRACE_DEFINE_ENUM(PGC_TRACE_LAB_RELEASE);
TRACE_DEFINE_ENUM(PGC_TRACE_LAB_SEAL);
TRACE_DEFINE_ENUM(PGC_TRACE_LAB_UNSEAL);

/*
 * Strings are copied into fixed arrays: __string()/__assign_str() changed
 * form in 6.10, and these strings are short and bounded.
 */
#define PGC_TRACE_NAME_LEN	16	/* a refill source's name */
#define PGC_TRACE_WHY_LEN	40	/* a bad free's reason */
#define PGC_TRACE_PATTERN_LEN	32	/* "name:N" of a lab pattern */

/*
 * The 7.x gfp name table makes show_gfp_flags() inside TP_printk() longer
 * than sparse will expand; sparse gets a stand-in, the compiler the table.
 */
#ifdef __CHECKER__
#define pgc_show_gfp(gfp)	((gfp) ? "gfp" : "none")
#else
#define pgc_show_gfp(gfp)	show_gfp_flags(gfp)
#endif

/* Result kinds of pgcluster_alloc and pgcluster_free. */
#define PGC_TRACE_FAILED	0
#define PGC_TRACE_CONTIG	1
#define PGC_TRACE_VIRTUAL	2
#define pgc_show_kind(k)						\
	__print_symbolic(k, { PGC_TRACE_FAILED, "failed" },		\
			 { PGC_TRACE_CONTIG, "contig" },		\
			 { PGC_TRACE_VIRTUAL, "virtual" })

/*
 * @gfp is the effective mask (current_gfp_context() applied); the rounded
 * size is what pgcluster_size() reports for the result, 0 on failure.
 */
TRACE_EVENT(pgcluster_alloc,
	    TP_PROTO(size_t size, gfp_t gfp, unsigned int flags, int node,
		     const void *ptr, unsigned long call_site),
	    TP_ARGS(size, gfp, flags, node, ptr, call_site),
	    TP_STRUCT__entry(__field(size_t, size)
			     __field(size_t, rounded)
			     __field(unsigned long, gfp)
			     __field(unsigned int, flags)
			     __field(int, node)
			     __field(int, kind)
			     __field(const void *, ptr)
			     __field(unsigned long, call_site)),
	    TP_fast_assign(__entry->size = size;
			   __entry->rounded = pgc_usable_size(size, ptr);
			   __entry->gfp = (__force unsigned long)gfp;
			   __entry->flags = flags;
			   __entry->node = node;
			   __entry->kind = !ptr ? PGC_TRACE_FAILED :
					   is_vmalloc_addr(ptr) ?
					   PGC_TRACE_VIRTUAL : PGC_TRACE_CONTIG;
			   __entry->ptr = ptr;
			   __entry->call_site = call_site;),
	    TP_printk("size=%zu rounded=%zu gfp=%s flags=%#x node=%d kind=%s ptr=%p call_site=%pS",
		      __entry->size, __entry->rounded,
		      pgc_show_gfp(__entry->gfp), __entry->flags,
		      __entry->node, pgc_show_kind(__entry->kind),
		      __entry->ptr, (void *)__entry->call_site)
);

/*
 * Traced once the free is done.  @deferred: the unmap of an emergency
 * allocation was handed to the worker because the caller could not sleep.
 */
TRACE_EVENT(pgcluster_free,
	    TP_PROTO(const void *ptr, size_t size, bool virtual, bool deferred,
		     unsigned long call_site),
	    TP_ARGS(ptr, size, virtual, deferred, call_site),
	    TP_STRUCT__entry(__field(const void *, ptr)
			     __field(size_t, size)
			     __field(int, kind)
			     __field(bool, deferred)
			     __field(unsigned long, call_site)),
	    TP_fast_assign(__entry->ptr = ptr;
			   __entry->size = size;
			   __entry->kind = virtual ? PGC_TRACE_VIRTUAL :
						     PGC_TRACE_CONTIG;
			   __entry->deferred = deferred;
			   __entry->call_site = call_site;),
	    TP_printk("ptr=%p size=%zu kind=%s deferred=%d call_site=%pS",
		      __entry->ptr, __entry->size,
		      pgc_show_kind(__entry->kind), __entry->deferred,
		      (void *)__entry->call_site)
);

TRACE_EVENT(pgcluster_pool_grow,
	    TP_PROTO(int node, unsigned int order, const char *source,
		     enum pgc_trace_grow why),
	    TP_ARGS(node, order, source, why),
	    TP_STRUCT__entry(__field(int, node)
			     __field(unsigned int, order)
			     __array(char, source, PGC_TRACE_NAME_LEN)
			     __field(int, why)),
	    TP_fast_assign(__entry->node = node;
			   __entry->order = order;
			   strscpy(__entry->source, source,
				   PGC_TRACE_NAME_LEN);
			   __entry->why = why;),
	    TP_printk("node=%d order=%u source=%s why=%s",
		      __entry->node, __entry->order, __entry->source,
		      __print_symbolic(__entry->why,
				       { PGC_TRACE_GROW_SYNC, "sync" },
				       { PGC_TRACE_GROW_REFILL, "refill" },
				       { PGC_TRACE_GROW_KNOB, "pool_grow" },
				       { PGC_TRACE_GROW_LOAD, "load" }))
);

/* One wholly free cluster given back to the buddy allocator. */
TRACE_EVENT(pgcluster_shrink,
	    TP_PROTO(int node, unsigned long pages),
	    TP_ARGS(node, pages),
	    TP_STRUCT__entry(__field(int, node)
			     __field(unsigned long, pages)),
	    TP_fast_assign(__entry->node = node;
			   __entry->pages = pages;),
	    TP_printk("node=%d pages=%lu", __entry->node, __entry->pages)
);

/* @pages of the allocation, in a mapping of @slot pages. */
DECLARE_EVENT_CLASS(pgcluster_emerg_mapping,
		    TP_PROTO(const void *ptr, unsigned int pages,
			     unsigned int slot),
		    TP_ARGS(ptr, pages, slot),
		    TP_STRUCT__entry(__field(const void *, ptr)
				     __field(unsigned int, pages)
				     __field(unsigned int, slot)),
		    TP_fast_assign(__entry->ptr = ptr;
				   __entry->pages = pages;
				   __entry->slot = slot;),
		    TP_printk("ptr=%p pages=%u slot=%u", __entry->ptr,
			      __entry->pages, __entry->slot)
);

DEFINE_EVENT(pgcluster_emerg_mapping, pgcluster_emerg_map,
	     TP_PROTO(const void *ptr, unsigned int pages, unsigned int slot),
	     TP_ARGS(ptr, pages, slot)
);

DEFINE_EVENT(pgcluster_emerg_mapping, pgcluster_emerg_unmap,
	     TP_PROTO(const void *ptr, unsigned int pages, unsigned int slot),
	     TP_ARGS(ptr, pages, slot)
);

TRACE_EVENT(pgcluster_emerg_cache,
	    TP_PROTO(enum pgc_trace_cache op, const void *ptr,
		     unsigned int pages),
	    TP_ARGS(op, ptr, pages),
	    TP_STRUCT__entry(__field(int, op)
			     __field(const void *, ptr)
			     __field(unsigned int, pages)),
	    TP_fast_assign(__entry->op = op;
			   __entry->ptr = ptr;
			   __entry->pages = pages;),
	    TP_printk("op=%s ptr=%p pages=%u",
		      __print_symbolic(__entry->op,
				       { PGC_TRACE_CACHE_HIT, "hit" },
				       { PGC_TRACE_CACHE_EVICT, "evict" }),
		      __entry->ptr, __entry->pages)
);

/* @level: pages in the emergency reserve after the change. */
TRACE_EVENT(pgcluster_reserve,
	    TP_PROTO(enum pgc_trace_reserve op, unsigned int pages,
		     unsigned int level),
	    TP_ARGS(op, pages, level),
	    TP_STRUCT__entry(__field(int, op)
			     __field(unsigned int, pages)
			     __field(unsigned int, level)),
	    TP_fast_assign(__entry->op = op;
			   __entry->pages = pages;
			   __entry->level = level;),
	    TP_printk("op=%s pages=%u level=%u",
		      __print_symbolic(__entry->op,
				       { PGC_TRACE_RESERVE_TAKE, "take" },
				       { PGC_TRACE_RESERVE_REFILL, "refill" }),
		      __entry->pages, __entry->level)
);

TRACE_EVENT(pgcluster_bad_free,
	    TP_PROTO(const void *ptr, const char *why,
		     unsigned long call_site),
	    TP_ARGS(ptr, why, call_site),
	    TP_STRUCT__entry(__field(const void *, ptr)
			     __array(char, why, PGC_TRACE_WHY_LEN)
			     __field(unsigned long, call_site)),
	    TP_fast_assign(__entry->ptr = ptr;
			   strscpy(__entry->why, why, PGC_TRACE_WHY_LEN);
			   __entry->call_site = call_site;),
	    TP_printk("ptr=%p why=\"%s\" call_site=%pS", __entry->ptr,
		      __entry->why, (void *)__entry->call_site)
);

/* @pattern: the pattern pinned; @pages pinned, sealed or given back. */
TRACE_EVENT(pgcluster_lab,
	    TP_PROTO(enum pgc_trace_lab op, const struct pgc_pattern *pattern,
		     unsigned long pages),
	    TP_ARGS(op, pattern, pages),
	    TP_STRUCT__entry(__field(int, op)
			     __array(char, pattern, PGC_TRACE_PATTERN_LEN)
			     __field(unsigned long, pages)),
	    TP_fast_assign(__entry->op = op;
			   pgc_pattern_fmt(__entry->pattern,
					   PGC_TRACE_PATTERN_LEN, pattern);
			   __entry->pages = pages;),
	    TP_printk("op=%s pattern=%s pages=%lu",
		      __print_symbolic(__entry->op,
				       { PGC_TRACE_LAB_START, "start" },
				       { PGC_TRACE_LAB_RELEASE, "release" },
				       { PGC_TRACE_LAB_SEAL, "seal" },
				       { PGC_TRACE_LAB_UNSEAL, "unseal" }),
		      __entry->pattern, __entry->pages)
);

#endif /* _PGCLUSTER_TRACE_H */

/* Out of the kernel tree: define_trace.h finds this file on the -I path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
