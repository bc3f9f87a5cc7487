// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/extent.c, printed as TAP lines ("ok N - name").
 * The implementation is included directly so that the white-box tests can
 * corrupt a tree and see pgc_extent_check() notice.
 *
 *   extent_test [-f FIRST]   number the tests from FIRST (default 1)
 *
 * Exit status: 0 when every test passed, 1 otherwise.
 */
#include "extent.c"

#include <math.h>
#include <string.h>

#include "model.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static const char *fail_what;
static int fail_line;

#define EXPECT(cond)						\
	do {							\
		if (!(cond)) {					\
			fail_what = #cond;			\
			fail_line = __LINE__;			\
			return 1;				\
		}						\
	} while (0)

/* Deterministic xorshift64* generator. */
static u64 rng_state = 0x9e3779b97f4a7c15ull;

static void rng_seed(u64 seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

static u32 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (u32)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static u32 rng_below(u32 n)
{
	return (u32)(((u64)rng() * n) >> 32);
}

/* ---- helpers ---------------------------------------------------------- */

static struct pgc_extent *spare;

static struct pgc_extent **sp(void)
{
	if (!spare)
		spare = pgc_extent_node_new(GFP_KERNEL);
	return &spare;
}

static void map_new(struct pgc_extent_map *map, u32 nr)
{
	pgc_extent_map_init(map, nr, pgc_extent_node_new(GFP_KERNEL));
}

#define MAX_SNAP 64

struct snap {
	u32 n;
	u32 start[MAX_SNAP], units[MAX_SNAP];
	bool free[MAX_SNAP];
	u32 counters[4];
};

static int snap_one(void *arg, u32 start, u32 units, bool free)
{
	struct snap *s = arg;

	if (s->n == MAX_SNAP)
		return -E2BIG;
	s->start[s->n] = start;
	s->units[s->n] = units;
	s->free[s->n] = free;
	s->n++;
	return 0;
}

static void snap_take(const struct pgc_extent_map *map, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	pgc_extent_for_each(map, snap_one, s);
	s->counters[0] = map->nr_units;
	s->counters[1] = map->free_units;
	s->counters[2] = map->nr_allocated;
	s->counters[3] = map->nr_nodes;
}

static bool snap_same(const struct pgc_extent_map *map, const struct snap *a)
{
	struct snap b;

	snap_take(map, &b);
	return !memcmp(a, &b, sizeof(b));
}

/* The map is exactly the (start, units, free) triples given, in order. */
static bool map_is(const struct pgc_extent_map *map, u32 n, const u32 *t)
{
	struct snap s;
	u32 i;

	if (pgc_extent_check(map))
		return false;
	snap_take(map, &s);
	if (s.n != n || map->nr_nodes != n)
		return false;
	for (i = 0; i < n; i++)
		if (s.start[i] != t[3 * i] || s.units[i] != t[3 * i + 1] ||
		    s.free[i] != !!t[3 * i + 2])
			return false;
	return true;
}

/* ---- tests ------------------------------------------------------------ */

static int t_node_size(void)
{
	EXPECT(pgc_extent_node_bytes() <= 48);
	EXPECT(pgc_extent_node_bytes() == sizeof(struct pgc_extent));
	EXPECT(pgc_extent_cache_init() == 0);
	pgc_extent_cache_exit();
	return 0;
}

static int t_init(void)
{
	struct pgc_extent_map map;
	const u32 want[] = { 0, 32768, 1 };

	map_new(&map, 32768);
	EXPECT(map_is(&map, 1, want));
	EXPECT(map.free_units == 32768 && map.nr_allocated == 0);
	EXPECT(pgc_extent_largest_free(&map) == 32768);
	pgc_extent_map_destroy(&map);
	EXPECT(RB_EMPTY_ROOT(&map.root) && map.nr_nodes == 0);
	EXPECT(pgc_extent_check(&map) == 0);
	return 0;
}

static int t_init_empty(void)
{
	struct pgc_extent_map map;

	map_new(&map, 0);
	EXPECT(pgc_extent_check(&map) == 0);
	EXPECT(pgc_extent_alloc(&map, 1, sp()) == -ENOSPC);
	EXPECT(pgc_extent_free(&map, 0) == -ENOENT);
	EXPECT(pgc_extent_size(&map, 0) == -ENOENT);
	EXPECT(pgc_extent_largest_free(&map) == 0);
	pgc_extent_map_init(&map, 10, NULL);
	EXPECT(pgc_extent_check(&map) == 0 && map.nr_units == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_zero_units(void)
{
	struct pgc_extent_map map;
	struct snap s;

	map_new(&map, 100);
	snap_take(&map, &s);
	EXPECT(pgc_extent_alloc(&map, 0, sp()) == -EINVAL);
	EXPECT(snap_same(&map, &s) && spare);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_fill_whole(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *none = NULL;
	const u32 full[] = { 0, 32768, 0 };
	const u32 empty[] = { 0, 32768, 1 };

	map_new(&map, 32768);
	/* Exact fit of the whole cluster needs no spare. */
	EXPECT(pgc_extent_alloc(&map, 32768, &none) == 0);
	EXPECT(map_is(&map, 1, full));
	EXPECT(map.free_units == 0 && pgc_extent_largest_free(&map) == 0);
	EXPECT(pgc_extent_alloc(&map, 1, sp()) == -ENOSPC && spare);
	EXPECT(pgc_extent_free(&map, 0) == 32768);
	EXPECT(map_is(&map, 1, empty));
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_fill_pieces(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *none = NULL;
	u32 i;

	map_new(&map, 1000);
	for (i = 0; i < 9; i++)
		EXPECT(pgc_extent_alloc(&map, 100, sp()) == 100 * i);
	EXPECT(map.nr_nodes == 10);
	EXPECT(pgc_extent_alloc(&map, 101, sp()) == -ENOSPC);
	/* The last piece fits exactly and consumes no node. */
	EXPECT(pgc_extent_alloc(&map, 100, &none) == 900);
	EXPECT(map.nr_nodes == 10 && map.free_units == 0);
	EXPECT(pgc_extent_check(&map) == 0);
	EXPECT(pgc_extent_alloc(&map, 1, sp()) == -ENOSPC);
	for (i = 0; i < 10; i++)
		EXPECT(pgc_extent_free(&map, 100 * i) == 100);
	EXPECT(map.nr_nodes == 1 && map.free_units == 1000);
	EXPECT(pgc_extent_check(&map) == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_split(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *node = pgc_extent_node_new(GFP_KERNEL);
	const u32 want[] = { 0, 10, 0, 10, 90, 1 };

	map_new(&map, 100);
	EXPECT(pgc_extent_alloc(&map, 10, &node) == 0);
	EXPECT(!node);
	EXPECT(map_is(&map, 2, want));
	EXPECT(pgc_extent_largest_free(&map) == 90);
	EXPECT(map.free_units == 90 && map.nr_allocated == 1);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_exact_fit_hole(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *none = NULL;
	const u32 want[] = { 0, 10, 0, 10, 20, 0, 30, 5, 0, 35, 65, 1 };

	map_new(&map, 100);
	EXPECT(pgc_extent_alloc(&map, 10, sp()) == 0);
	EXPECT(pgc_extent_alloc(&map, 20, sp()) == 10);
	EXPECT(pgc_extent_alloc(&map, 5, sp()) == 30);
	EXPECT(pgc_extent_free(&map, 10) == 20);
	EXPECT(map.nr_nodes == 4);
	/* Needs the 20-unit hole split: no spare -> -ENOMEM, unchanged. */
	EXPECT(pgc_extent_alloc(&map, 19, &none) == -ENOMEM);
	/* Exact fit into the hole without a spare. */
	EXPECT(pgc_extent_alloc(&map, 20, &none) == 10);
	EXPECT(map_is(&map, 4, want));
	pgc_extent_map_destroy(&map);
	return 0;
}

/* Three allocations A B C and a blocker D, tail free. */
static void abcd(struct pgc_extent_map *map)
{
	map_new(map, 100);
	pgc_extent_alloc(map, 10, sp());	/* A at 0 */
	pgc_extent_alloc(map, 20, sp());	/* B at 10 */
	pgc_extent_alloc(map, 30, sp());	/* C at 30 */
	pgc_extent_alloc(map, 5, sp());		/* D at 60 */
}

static int t_coalesce_left(void)
{
	struct pgc_extent_map map;
	const u32 want[] = { 0, 30, 1, 30, 30, 0, 60, 5, 0, 65, 35, 1 };

	abcd(&map);
	EXPECT(map.nr_nodes == 5);
	EXPECT(pgc_extent_free(&map, 0) == 10);
	EXPECT(map.nr_nodes == 5);
	EXPECT(pgc_extent_free(&map, 10) == 20);	/* merges into A */
	EXPECT(map_is(&map, 4, want));
	EXPECT(pgc_extent_largest_free(&map) == 35);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_coalesce_right(void)
{
	struct pgc_extent_map map;
	const u32 want[] = { 0, 10, 0, 10, 50, 1, 60, 5, 0, 65, 35, 1 };

	abcd(&map);
	EXPECT(pgc_extent_free(&map, 30) == 30);
	EXPECT(pgc_extent_free(&map, 10) == 20);	/* merges with C */
	EXPECT(map_is(&map, 4, want));
	EXPECT(pgc_extent_largest_free(&map) == 50);
	/* And into the free tail. */
	EXPECT(pgc_extent_free(&map, 60) == 5);
	{
		const u32 want2[] = { 0, 10, 0, 10, 90, 1 };

		EXPECT(map_is(&map, 2, want2));
	}
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_coalesce_both(void)
{
	struct pgc_extent_map map;
	const u32 want[] = { 0, 60, 1, 60, 5, 0, 65, 35, 1 };
	const u32 all[] = { 0, 100, 1 };

	abcd(&map);
	EXPECT(pgc_extent_free(&map, 0) == 10);
	EXPECT(pgc_extent_free(&map, 30) == 30);
	EXPECT(map.nr_nodes == 5);
	EXPECT(pgc_extent_free(&map, 10) == 20);	/* both sides */
	EXPECT(map_is(&map, 3, want));
	EXPECT(pgc_extent_free(&map, 60) == 5);	/* both sides again */
	EXPECT(map_is(&map, 1, all));
	EXPECT(pgc_extent_largest_free(&map) == 100);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_first_fit_order(void)
{
	struct pgc_extent_map map;
	u32 i;

	/* 40 allocations of 10; holes: 5@100 (part), 20@200, 10@300. */
	map_new(&map, 400);
	for (i = 0; i < 40; i++)
		EXPECT(pgc_extent_alloc(&map, 10, sp()) == 10 * i);
	EXPECT(pgc_extent_free(&map, 300) == 10);
	EXPECT(pgc_extent_free(&map, 200) == 10);
	EXPECT(pgc_extent_free(&map, 210) == 10);
	EXPECT(pgc_extent_free(&map, 100) == 10);
	EXPECT(pgc_extent_alloc(&map, 5, sp()) == 100);	/* leaves 5@105 */
	EXPECT(pgc_extent_largest_free(&map) == 20);
	/* 8 does not fit at 105, first fit is 200 (not best fit 300). */
	EXPECT(pgc_extent_alloc(&map, 8, sp()) == 200);
	EXPECT(pgc_extent_alloc(&map, 5, sp()) == 105);	/* lowest fit */
	EXPECT(pgc_extent_alloc(&map, 3, sp()) == 208);
	EXPECT(pgc_extent_alloc(&map, 10, sp()) == 300);
	EXPECT(pgc_extent_alloc(&map, 10, sp()) == -ENOSPC);
	EXPECT(pgc_extent_alloc(&map, 9, sp()) == 211);
	EXPECT(pgc_extent_check(&map) == 0 && map.free_units == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_enospc(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *none = NULL;
	struct snap s;

	map_new(&map, 100);
	EXPECT(pgc_extent_alloc(&map, 101, sp()) == -ENOSPC);
	EXPECT(pgc_extent_alloc(&map, 0xffffffffu, sp()) == -ENOSPC);
	EXPECT(pgc_extent_alloc(&map, 30, sp()) == 0);
	EXPECT(pgc_extent_alloc(&map, 30, sp()) == 30);
	EXPECT(pgc_extent_alloc(&map, 30, sp()) == 60);
	EXPECT(pgc_extent_free(&map, 30) == 30);
	/* 40 units free in total, but longest is 30. */
	snap_take(&map, &s);
	EXPECT(pgc_extent_alloc(&map, 31, sp()) == -ENOSPC);
	/* -ENOSPC wins over -ENOMEM. */
	EXPECT(pgc_extent_alloc(&map, 31, &none) == -ENOSPC);
	EXPECT(snap_same(&map, &s) && spare);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_enomem(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *none = NULL;
	struct snap s;

	map_new(&map, 100);
	snap_take(&map, &s);
	EXPECT(pgc_extent_alloc(&map, 99, &none) == -ENOMEM);
	EXPECT(snap_same(&map, &s));
	EXPECT(pgc_extent_alloc(&map, 1, &none) == -ENOMEM);
	EXPECT(snap_same(&map, &s));
	EXPECT(pgc_extent_alloc(&map, 99, sp()) == 0 && !spare);
	EXPECT(pgc_extent_alloc(&map, 1, &none) == 99);
	EXPECT(pgc_extent_check(&map) == 0 && map.free_units == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_double_free(void)
{
	struct pgc_extent_map map;
	struct snap s;

	abcd(&map);
	EXPECT(pgc_extent_free(&map, 10) == 20);
	snap_take(&map, &s);
	EXPECT(pgc_extent_free(&map, 10) == -ENOENT);
	EXPECT(snap_same(&map, &s));
	EXPECT(pgc_extent_free(&map, 0) == 10);	/* now merged at 0 */
	snap_take(&map, &s);
	EXPECT(pgc_extent_free(&map, 0) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 10) == -ENOENT);
	EXPECT(snap_same(&map, &s));
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_tag(void)
{
	struct pgc_extent_map map;
	struct snap s;
	u16 tag = 99;

	abcd(&map);
	EXPECT(pgc_extent_tag(&map, 0, &tag) == 10 && tag == 0);
	EXPECT(pgc_extent_set_tag(&map, 10, 7) == 0);
	EXPECT(pgc_extent_tag(&map, 10, &tag) == 20 && tag == 7);
	EXPECT(pgc_extent_tag(&map, 0, &tag) == 10 && tag == 0);
	snap_take(&map, &s);
	EXPECT(pgc_extent_set_tag(&map, 31, 1) == -ENOENT);
	EXPECT(pgc_extent_set_tag(&map, 100, 1) == -ENOENT);
	tag = 5;
	EXPECT(pgc_extent_tag(&map, 31, &tag) == -ENOENT && tag == 5);
	EXPECT(snap_same(&map, &s));
	/* A free forgets the tag; a new allocation there starts untagged. */
	EXPECT(pgc_extent_free(&map, 10) == 20);
	EXPECT(pgc_extent_set_tag(&map, 10, 1) == -ENOENT);
	EXPECT(pgc_extent_alloc(&map, 20, &spare) == 10);
	EXPECT(pgc_extent_tag(&map, 10, &tag) == 20 && tag == 0);
	EXPECT(pgc_extent_check(&map) == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_foreign_middle(void)
{
	struct pgc_extent_map map;
	struct snap s;
	u32 u;

	abcd(&map);
	snap_take(&map, &s);
	for (u = 31; u < 60; u++)
		EXPECT(pgc_extent_free(&map, u) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 1) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 64) == -ENOENT);
	EXPECT(snap_same(&map, &s));
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_foreign_free_start(void)
{
	struct pgc_extent_map map;
	struct snap s;

	abcd(&map);
	EXPECT(pgc_extent_free(&map, 10) == 20);
	snap_take(&map, &s);
	EXPECT(pgc_extent_free(&map, 65) == -ENOENT);	/* free tail */
	EXPECT(pgc_extent_free(&map, 10) == -ENOENT);	/* free hole */
	EXPECT(pgc_extent_free(&map, 20) == -ENOENT);	/* inside hole */
	EXPECT(pgc_extent_free(&map, 70) == -ENOENT);	/* inside tail */
	EXPECT(snap_same(&map, &s));
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_foreign_out_of_range(void)
{
	struct pgc_extent_map map;
	struct snap s;

	abcd(&map);
	snap_take(&map, &s);
	EXPECT(pgc_extent_free(&map, 100) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 101) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 0x7fffffffu) == -ENOENT);
	EXPECT(pgc_extent_free(&map, 0xffffffffu) == -ENOENT);
	EXPECT(pgc_extent_size(&map, 100) == -ENOENT);
	EXPECT(pgc_extent_size(&map, 0xffffffffu) == -ENOENT);
	EXPECT(snap_same(&map, &s));
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_size(void)
{
	struct pgc_extent_map map;

	abcd(&map);
	EXPECT(pgc_extent_size(&map, 0) == 10);
	EXPECT(pgc_extent_size(&map, 10) == 20);
	EXPECT(pgc_extent_size(&map, 30) == 30);
	EXPECT(pgc_extent_size(&map, 60) == 5);
	EXPECT(pgc_extent_size(&map, 5) == -ENOENT);
	EXPECT(pgc_extent_size(&map, 65) == -ENOENT);	/* free */
	EXPECT(pgc_extent_free(&map, 30) == 30);
	EXPECT(pgc_extent_size(&map, 30) == -ENOENT);
	EXPECT(pgc_extent_size(&map, 10) == 20);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_largest_free(void)
{
	struct pgc_extent_map map;

	map_new(&map, 1000);
	EXPECT(pgc_extent_largest_free(&map) == 1000);
	EXPECT(pgc_extent_alloc(&map, 100, sp()) == 0);
	EXPECT(pgc_extent_largest_free(&map) == 900);
	EXPECT(pgc_extent_alloc(&map, 800, sp()) == 100);
	EXPECT(pgc_extent_largest_free(&map) == 100);
	EXPECT(pgc_extent_alloc(&map, 100, sp()) == 900);
	EXPECT(pgc_extent_largest_free(&map) == 0);
	EXPECT(pgc_extent_free(&map, 0) == 100);
	EXPECT(pgc_extent_largest_free(&map) == 100);
	EXPECT(pgc_extent_free(&map, 900) == 100);
	EXPECT(pgc_extent_largest_free(&map) == 100);
	EXPECT(pgc_extent_free(&map, 100) == 800);
	EXPECT(pgc_extent_largest_free(&map) == 1000);
	pgc_extent_map_destroy(&map);
	return 0;
}

struct visit {
	u32 n, stop_at, next;
	bool ok;
};

static int visit_one(void *arg, u32 start, u32 units, bool free)
{
	struct visit *v = arg;

	if (start != v->next)
		v->ok = false;
	v->next = start + units;
	if (++v->n == v->stop_at)
		return 42;
	return 0;
}

static int t_for_each(void)
{
	struct pgc_extent_map map;
	struct visit v = { .ok = true };

	abcd(&map);
	EXPECT(pgc_extent_for_each(&map, visit_one, &v) == 0);
	EXPECT(v.ok && v.n == 5 && v.next == 100);
	v = (struct visit){ .ok = true, .stop_at = 3 };
	EXPECT(pgc_extent_for_each(&map, visit_one, &v) == 42);
	EXPECT(v.ok && v.n == 3 && v.next == 60);
	pgc_extent_map_destroy(&map);
	return 0;
}

/* A red-black node colour, set by hand for the corruption tests. */
static void paint(struct pgc_extent *n, struct pgc_extent *parent, int colour)
{
	rb_set_parent_color(&n->rb, parent ? &parent->rb : NULL, colour);
}

/* pgc_extent_check() must notice each kind of corruption. */
static int t_check_detects(void)
{
	struct pgc_extent_map map;
	struct pgc_extent *n, *l, *red = NULL;
	struct rb_node *rb;
	u32 save;

	abcd(&map);
	EXPECT(pgc_extent_check(&map) == 0);
	n = ext_of(map.root.rb_node);
	l = ext_of(n->rb.rb_left);
	EXPECT(l);

	fprintf(stderr, "# expected corruption reports follow\n");
	map.free_units++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	map.free_units--;
	map.nr_nodes++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	map.nr_nodes -= 2;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	map.nr_nodes++;
	map.nr_allocated++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	map.nr_allocated--;
	map.nr_units++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	map.nr_units--;

	n->max_free++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	n->max_free--;
	paint(n, NULL, RB_RED);
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	paint(n, NULL, RB_BLACK);
	rb_set_parent(&l->rb, NULL);
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	rb_set_parent(&l->rb, &n->rb);
	save = l->start;
	l->start++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	l->start = save;
	l->len++;
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	l->len--;
	/* Flip an allocated node to free next to a free one. */
	EXPECT(pgc_extent_check(&map) == 0);
	n = ext_lookup(&map, 60);	/* D, next to the free tail */
	n->free = true;
	map.free_units += 5;
	map.nr_allocated--;
	ext_cb_propagate(&n->rb, NULL);
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	n->free = false;
	map.free_units -= 5;
	map.nr_allocated++;
	ext_cb_propagate(&n->rb, NULL);
	EXPECT(pgc_extent_check(&map) == 0);
	/* A red node painted black: its paths get one black node more. */
	for (rb = rb_first(&map.root); rb; rb = rb_next(rb))
		if (rb_is_red(rb))
			red = ext_of(rb);
	EXPECT(red);
	paint(red, ext_of(rb_parent(&red->rb)), RB_BLACK);
	EXPECT(pgc_extent_check(&map) == -EFAULT);
	paint(red, ext_of(rb_parent(&red->rb)), RB_RED);
	EXPECT(pgc_extent_check(&map) == 0);
	pgc_extent_map_destroy(&map);

	/* A right-leaning chain a, b, c: only a red child of a red node. */
	{
		struct pgc_extent a = { .start = 0, .len = 1, .max_free = 1 };
		struct pgc_extent b = { .start = 1, .len = 1, .max_free = 1 };
		struct pgc_extent c = { .start = 2, .len = 1, .free = true,
					.max_free = 1 };

		paint(&a, NULL, RB_BLACK);
		paint(&b, &a, RB_RED);
		paint(&c, &b, RB_RED);
		a.rb.rb_right = &b.rb;
		b.rb.rb_right = &c.rb;
		map = (struct pgc_extent_map){ .root = { &a.rb }, .nr_units = 3,
			.free_units = 1, .nr_allocated = 2, .nr_nodes = 3 };
		EXPECT(pgc_extent_check(&map) == -EFAULT);
		/* Rebalanced by hand: b black at the root, now consistent. */
		paint(&b, NULL, RB_BLACK);
		paint(&a, &b, RB_RED);
		paint(&c, &b, RB_RED);
		b.rb.rb_left = &a.rb;
		a.rb.rb_right = NULL;
		a.max_free = 0;
		map.root.rb_node = &b.rb;
		EXPECT(pgc_extent_check(&map) == 0);
	}
	fprintf(stderr, "# end of expected corruption reports\n");
	return 0;
}

static u32 tree_height(const struct rb_node *rb)
{
	u32 l, r;

	if (!rb)
		return 0;
	l = tree_height(rb->rb_left);
	r = tree_height(rb->rb_right);
	return 1 + (l > r ? l : r);
}

/* Red-black height bound: h <= 2 log2(n + 1). */
static bool height_ok(const struct pgc_extent_map *map)
{
	double n = map->nr_nodes;

	return tree_height(map->root.rb_node) <= 2 * log2(n + 1) + 0.000001;
}

static int t_sequential_balance(void)
{
	struct pgc_extent_map map;
	u32 i, n = 100000;

	/* Sequential inserts degenerate a plain BST into a list. */
	map_new(&map, n);
	for (i = 0; i < n - 1; i++)
		EXPECT(pgc_extent_alloc(&map, 1, sp()) == i);
	EXPECT(map.nr_nodes == n);
	EXPECT(pgc_extent_check(&map) == 0 && height_ok(&map));
	/* Free every other: nothing merges. */
	for (i = 0; i < n - 1; i += 2)
		EXPECT(pgc_extent_free(&map, i) == 1);
	EXPECT(pgc_extent_check(&map) == 0 && height_ok(&map));
	/* The last one, 99998, did merge with the free tail. */
	EXPECT(map.nr_nodes == n - 1 && map.free_units == n / 2 + 1);
	/* Now every free merges on both sides. */
	for (i = 1; i < n - 1; i += 2)
		EXPECT(pgc_extent_free(&map, i) == 1);
	EXPECT(pgc_extent_check(&map) == 0);
	EXPECT(map.nr_nodes == 1 && map.free_units == n);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_max_units(void)
{
	struct pgc_extent_map map;
	const u32 nr = 1u << 24;
	u32 i, live = 0;
	long s;

	map_new(&map, nr);
	EXPECT(pgc_extent_largest_free(&map) == nr);
	EXPECT(pgc_extent_alloc(&map, nr, sp()) == 0);
	EXPECT(pgc_extent_free(&map, 0) == nr);
	rng_seed(24);
	for (i = 0; i < 200000; i++) {
		s = pgc_extent_alloc(&map, 1 + rng_below(256), sp());
		if (s >= 0)
			live++;
		if (i % 3 == 2) {
			/* free something near a random unit, if any */
			u32 start = rng_below(nr);

			if (pgc_extent_free(&map, start) >= 0)
				live--;
		}
	}
	EXPECT(pgc_extent_check(&map) == 0 && height_ok(&map));
	EXPECT(map.nr_allocated == live);
	s = pgc_extent_alloc(&map, nr - (nr - map.free_units), sp());
	EXPECT(s == -ENOSPC || map.free_units == 0);
	pgc_extent_map_destroy(&map);
	return 0;
}

static int t_destroy_live(void)
{
	struct pgc_extent_map map;
	u32 i;

	/* LeakSanitizer reports any node destroy() forgets. */
	map_new(&map, 5000);
	for (i = 0; i < 1000; i++)
		EXPECT(pgc_extent_alloc(&map, 3, sp()) == 3 * i);
	for (i = 0; i < 1000; i += 3)
		EXPECT(pgc_extent_free(&map, 3 * i) == 3);
	pgc_extent_map_destroy(&map);
	EXPECT(pgc_extent_check(&map) == 0);
	map_new(&map, 10);
	pgc_extent_map_destroy(&map);
	return 0;
}

/*
 * Random alloc/free against the model.  compare_every: full comparison
 * (and check) every that many operations; return values every operation.
 */
static int random_run(u32 nr, u32 ops, u32 max_units, u32 nospare_pct,
		      u32 target_live, u32 compare_every, u64 seed)
{
	struct pgc_extent_map map;
	struct model m;
	struct pgc_extent *none = NULL;
	u32 i;
	long got, want;

	rng_seed(seed);
	map_new(&map, nr);
	EXPECT(model_init(&m, nr) == 0);
	for (i = 0; i < ops; i++) {
		u32 r = rng_below(100);
		bool do_alloc = m.nr_allocs < target_live ? r < 70 : r < 30;

		if (do_alloc) {
			u32 units = 1 + rng_below(max_units);
			bool no_spare = rng_below(100) < nospare_pct;

			want = model_alloc(&m, units, !no_spare);
			got = pgc_extent_alloc(&map, units,
					       no_spare ? &none : sp());
		} else if (m.nr_allocs && rng_below(8)) {
			u32 start = model_nth(&m, rng_below(m.nr_allocs));

			EXPECT(pgc_extent_size(&map, start) ==
			       model_size(&m, start));
			want = model_free(&m, start);
			got = pgc_extent_free(&map, start);
		} else {
			u32 start = rng_below(nr + 2);

			want = model_free(&m, start);
			got = pgc_extent_free(&map, start);
		}
		if (got != want) {
			fprintf(stderr, "# op %u: got %ld want %ld\n", i, got,
				want);
			EXPECT(got == want);
		}
		if (i % compare_every == 0 || i == ops - 1) {
			const char *why = model_compare(&map, &m);

			if (why)
				fprintf(stderr, "# op %u: %s\n", i, why);
			EXPECT(!why);
			EXPECT(height_ok(&map));
		}
	}
	pgc_extent_map_destroy(&map);
	model_destroy(&m);
	return 0;
}

static int t_random_tiny(void)
{
	u32 nr;

	for (nr = 1; nr <= 64; nr++)
		if (random_run(nr, 3000, nr, 15, nr, 1, nr))
			return 1;
	return 0;
}

static int t_random_small(void)
{
	return random_run(1000, 100000, 40, 10, 60, 1, 7);
}

static int t_random_cluster(void)
{
	/* 2 MiB of 64 B granules, allocations of 64 B..32 KiB, ~100 live. */
	return random_run(32768, 300000, 512, 5, 100, 97, 2026);
}

static int t_random_big_allocs(void)
{
	/* Few, large allocations: frequent -ENOSPC and whole-map merges. */
	return random_run(32768, 100000, 16384, 20, 8, 13, 99);
}

static int t_random_many(void)
{
	/* Thousands of live small allocations: a deep tree. */
	return random_run(32768, 200000, 8, 5, 5000, 499, 5);
}

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test tests[] = {
	{ "node_size_at_most_48_bytes", t_node_size },
	{ "init_one_free_extent", t_init },
	{ "init_empty_map", t_init_empty },
	{ "alloc_zero_units_einval", t_zero_units },
	{ "fill_whole_map_exact_fit", t_fill_whole },
	{ "fill_exactly_by_pieces", t_fill_pieces },
	{ "split_consumes_spare", t_split },
	{ "exact_fit_hole_without_spare", t_exact_fit_hole },
	{ "coalesce_left", t_coalesce_left },
	{ "coalesce_right", t_coalesce_right },
	{ "coalesce_both", t_coalesce_both },
	{ "first_fit_address_order", t_first_fit_order },
	{ "enospc_map_unchanged", t_enospc },
	{ "enomem_without_spare_map_unchanged", t_enomem },
	{ "double_free_enoent", t_double_free },
	{ "foreign_start_inside_allocation", t_foreign_middle },
	{ "foreign_start_free_extent", t_foreign_free_start },
	{ "foreign_start_out_of_range", t_foreign_out_of_range },
	{ "size_lookup", t_size },
	{ "tag_set_get_cleared_by_free", t_tag },
	{ "largest_free", t_largest_free },
	{ "for_each_order_and_stop", t_for_each },
	{ "check_detects_corruption", t_check_detects },
	{ "sequential_100k_stays_balanced", t_sequential_balance },
	{ "max_units_2_pow_24", t_max_units },
	{ "destroy_with_live_allocations", t_destroy_live },
	{ "random_vs_model_tiny_maps_1_to_64", t_random_tiny },
	{ "random_vs_model_1000_units", t_random_small },
	{ "random_vs_model_2MiB_cluster_100_live", t_random_cluster },
	{ "random_vs_model_large_allocations", t_random_big_allocs },
	{ "random_vs_model_5000_live", t_random_many },
};

int main(int argc, char **argv)
{
	unsigned int first = 1, i, failed = 0;

	if (argc == 3 && !strcmp(argv[1], "-f"))
		first = (unsigned int)strtoul(argv[2], NULL, 0);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		fail_what = NULL;
		if (tests[i].fn()) {
			printf("not ok %u - %s\n", first + i, tests[i].name);
			printf("# line %d: %s\n", fail_line, fail_what);
			failed++;
		} else {
			printf("ok %u - %s\n", first + i, tests[i].name);
		}
		fflush(stdout);
	}
	pgc_extent_node_put(spare);
	return failed ? 1 : 0;
}
