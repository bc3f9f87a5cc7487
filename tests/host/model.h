/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of an extent map for the host tests and the fuzzer: one
 * byte per unit and the length of the allocation starting at each unit.
 * Slow (linear scans) and obviously right; the real map is compared with it.
 */
#ifndef _PGC_EXTENT_MODEL_H
#define _PGC_EXTENT_MODEL_H

#include <string.h>
#include "extent.h"

struct model {
	u32 nr;			/* units */
	u8 *used;		/* 1: unit belongs to an allocation */
	u32 *len_at;		/* length of the allocation starting here */
	u32 nr_allocs;
	u32 free_units;
};

static inline int model_init(struct model *m, u32 nr)
{
	m->nr = nr;
	m->used = calloc(nr ? nr : 1, 1);
	m->len_at = calloc(nr ? nr : 1, sizeof(u32));
	m->nr_allocs = 0;
	m->free_units = nr;
	return m->used && m->len_at ? 0 : -ENOMEM;
}

static inline void model_destroy(struct model *m)
{
	free(m->used);
	free(m->len_at);
	m->used = NULL;
	m->len_at = NULL;
}

/* End of the free run that starts at @u (first used unit, or nr). */
static inline u32 model_run_end(const struct model *m, u32 u)
{
	const u8 *p = memchr(m->used + u, 1, m->nr - u);

	return p ? (u32)(p - m->used) : m->nr;
}

/* First free run of >= @units: its start, its length in *@run. */
static inline long model_find(const struct model *m, u32 units, u32 *run)
{
	u32 u = 0, s;

	while (u < m->nr) {
		if (m->len_at[u]) {
			u += m->len_at[u];
			continue;
		}
		s = u;
		u = model_run_end(m, u);
		if (u - s >= units) {
			*run = u - s;
			return s;
		}
	}
	return -ENOSPC;
}

/* What pgc_extent_alloc() must return, applied to the model. */
static inline long model_alloc(struct model *m, u32 units, bool have_spare)
{
	u32 run = 0;
	long s;

	if (!units)
		return -EINVAL;
	s = model_find(m, units, &run);
	if (s < 0)
		return s;
	if (run > units && !have_spare)
		return -ENOMEM;
	memset(m->used + s, 1, units);
	m->len_at[s] = units;
	m->nr_allocs++;
	m->free_units -= units;
	return s;
}

static inline long model_size(const struct model *m, u32 start)
{
	if (start >= m->nr || !m->len_at[start])
		return -ENOENT;
	return m->len_at[start];
}

static inline long model_free(struct model *m, u32 start)
{
	long len = model_size(m, start);

	if (len < 0)
		return len;
	memset(m->used + start, 0, len);
	m->len_at[start] = 0;
	m->nr_allocs--;
	m->free_units += len;
	return len;
}

static inline u32 model_largest(const struct model *m)
{
	u32 u = 0, s, best = 0;

	while (u < m->nr) {
		if (m->len_at[u]) {
			u += m->len_at[u];
			continue;
		}
		s = u;
		u = model_run_end(m, u);
		if (u - s > best)
			best = u - s;
	}
	return best;
}

/* Start of the @k-th live allocation (k < nr_allocs) in address order. */
static inline u32 model_nth(const struct model *m, u32 k)
{
	u32 u = 0;

	while (u < m->nr) {
		if (m->len_at[u]) {
			if (!k--)
				return u;
			u += m->len_at[u];
		} else {
			u = model_run_end(m, u);
		}
	}
	return m->nr;
}

struct model_cmp {
	const struct model *m;
	u32 allocs;
	const char *why;
	u32 where;
};

static inline int model_cmp_one(void *arg, u32 start, u32 units, bool free)
{
	struct model_cmp *c = arg;

	c->where = start;
	if (!free) {
		c->allocs++;
		if (start >= c->m->nr || c->m->len_at[start] != units) {
			c->why = "allocated extent not in the model";
			return 1;
		}
		return 0;
	}
	if (start >= c->m->nr || units > c->m->nr - start ||
	    memchr(c->m->used + start, 1, units)) {
		c->why = "free extent covers a model allocation";
		return 1;
	}
	return 0;
}

/*
 * Compare @map with @m: same allocations, same free units (the map's own
 * check, run first, guarantees coverage and maximal free extents).
 * Returns NULL when equal, else what differs.
 */
static inline const char *model_compare(const struct pgc_extent_map *map,
					const struct model *m)
{
	struct model_cmp c = { .m = m };

	if (pgc_extent_check(map))
		return "pgc_extent_check() failed";
	if (map->nr_units != m->nr)
		return "nr_units differs";
	if (map->free_units != m->free_units)
		return "free_units differs";
	if (map->nr_allocated != m->nr_allocs)
		return "nr_allocated differs";
	if (pgc_extent_for_each(map, model_cmp_one, &c))
		return c.why;
	if (c.allocs != m->nr_allocs)
		return "allocation count differs";
	if (pgc_extent_largest_free(map) != model_largest(m))
		return "largest_free differs";
	return NULL;
}

#endif /* _PGC_EXTENT_MODEL_H */
