// SPDX-License-Identifier: GPL-2.0
/*
 * Extent map: placement and coalescing inside one cluster.
 *
 * A map describes one cluster of nr_units granules.  The cluster is cut into
 * extents, each either free or allocated, that together cover [0, nr_units)
 * with no gap and no overlap.  Two free extents are never adjacent: freeing
 * merges with free neighbours at once, so a free extent is always maximal
 * and the number of extents is at most 2 * nr_allocated + 1.
 *
 * The extents are the nodes of an augmented red-black tree ordered by start
 * unit (<linux/rbtree_augmented.h>, as mm/vmalloc.c keeps its free areas).
 * Every node stores max_free, the length of the longest free extent in its
 * subtree, so an address-ordered first fit is a single descent from the
 * root: go left while the left subtree has a long enough free extent, else
 * take this node if it is free and long enough, else go right.  The first
 * fit is taken from its front; the rest stays free and the allocation is
 * inserted as its in-order predecessor, so a split inserts exactly one node.
 * An exact fit flips the free node to allocated and needs no node at all.
 *
 * Allocated extents stay in the tree so that a free finds its allocation by
 * start and reaches the neighbours with rb_prev()/rb_next().  Merging grows
 * one free node and erases the one or two nodes it swallowed.  After a node
 * changes, max_free is propagated towards the root until a node comes out
 * unchanged; rotations and erasure keep it through the rbtree callbacks.
 *
 * The map never allocates: the caller gets nodes with pgc_extent_node_new()
 * before taking its lock and hands one in as the spare for an allocation
 * that may split.  Nodes are 40 bytes on 64-bit (an rb_node, start, length,
 * max_free, the free flag and a tag the caller may put on an allocation)
 * and come from the "pgcluster_extent" slab cache in the kernel, from
 * malloc() on the host.
 *
 * The same file builds in the module and, with tests/host/extent_host.h in
 * place of the kernel headers and the kernel's tools/lib/rbtree.c, as a host
 * program for unit tests and fuzzing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/slab.h>
#endif
/* On the host: tools/include's copy, with the kernel's tools/lib/rbtree.c. */
#include <linux/rbtree_augmented.h>

#include "extent.h"

struct pgc_extent {
	struct rb_node rb;	/* in the map's tree, by start */
	u32 start;		/* first unit */
	u32 len;		/* units, >= 1 */
	u32 max_free;		/* longest free extent in this subtree */
	bool free;		/* free extent, else a live allocation */
	u16 tag;		/* caller's mark on a live allocation; 0 free */
};

#ifdef __KERNEL__
static struct kmem_cache *pgc_extent_cache;

/*
 * One parked node per CPU.  An allocation that splits a free extent and the
 * free that coalesces it again use and release one node each, so in the
 * common alloc/free cycle the node goes round through this slot instead of
 * the slab allocator.
 */
static DEFINE_PER_CPU(struct pgc_extent *, pgc_extent_stash);

/**
 * pgc_extent_cache_init() - create the slab cache for extent nodes
 *
 * Return: 0, or -ENOMEM when the cache cannot be created.
 */
int pgc_extent_cache_init(void)
{
	pgc_extent_cache = kmem_cache_create("pgcluster_extent",
					     sizeof(struct pgc_extent), 0, 0,
					     NULL);
	return pgc_extent_cache ? 0 : -ENOMEM;
}

/**
 * pgc_extent_cache_exit() - destroy the slab cache for extent nodes
 *
 * Every node must have been released before.
 */
void pgc_extent_cache_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pgc_extent *node = per_cpu(pgc_extent_stash, cpu);

		per_cpu(pgc_extent_stash, cpu) = NULL;
		if (node)
			kmem_cache_free(pgc_extent_cache, node);
	}
	kmem_cache_destroy(pgc_extent_cache);
	pgc_extent_cache = NULL;
}

/**
 * pgc_extent_node_new() - allocate one extent node
 * @gfp: allocation flags; call before taking the lock that guards the map
 *
 * Return: an uninitialised node, or NULL.
 */
struct pgc_extent *pgc_extent_node_new(gfp_t gfp)
{
	struct pgc_extent *node = this_cpu_xchg(pgc_extent_stash, NULL);

	return node ?: kmem_cache_alloc(pgc_extent_cache, gfp);
}

/**
 * pgc_extent_node_put() - release an extent node
 * @node: node from pgc_extent_node_new(), or NULL
 */
void pgc_extent_node_put(struct pgc_extent *node)
{
	if (node && this_cpu_cmpxchg(pgc_extent_stash, NULL, node))
		kmem_cache_free(pgc_extent_cache, node);
}
#else /* host build */
int pgc_extent_cache_init(void)
{
	return 0;
}

void pgc_extent_cache_exit(void)
{
}

struct pgc_extent *pgc_extent_node_new(gfp_t gfp)
{
	(void)gfp;
	return malloc(sizeof(struct pgc_extent));
}

void pgc_extent_node_put(struct pgc_extent *node)
{
	free(node);
}
#endif /* __KERNEL__ */

/**
 * pgc_extent_node_bytes() - metadata bytes per extent node
 *
 * Return: the size of one node.
 */
size_t pgc_extent_node_bytes(void)
{
	return sizeof(struct pgc_extent);
}

static inline struct pgc_extent *ext_of(const struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct pgc_extent, rb) : NULL;
}

/* What a node itself contributes to max_free. */
static inline u32 ext_own_free(const struct pgc_extent *n)
{
	return n->free ? n->len : 0;
}

RB_DECLARE_CALLBACKS_MAX(static, ext_cb, struct pgc_extent, rb, u32,
			 max_free, ext_own_free)

/* The extent that starts exactly at @start, or NULL. */
static struct pgc_extent *ext_lookup(const struct pgc_extent_map *map,
				     u32 start)
{
	struct rb_node *rb = map->root.rb_node;

	while (rb) {
		struct pgc_extent *n = ext_of(rb);

		if (start < n->start)
			rb = rb->rb_left;
		else if (start > n->start)
			rb = rb->rb_right;
		else
			return n;
	}
	return NULL;
}

/* Unlink @n; max_free and balance are restored by the callbacks. */
static void ext_erase(struct pgc_extent_map *map, struct pgc_extent *n)
{
	rb_erase_augmented(&n->rb, &map->root, &ext_cb);
	pgc_extent_node_put(n);
	map->nr_nodes--;
}

/**
 * pgc_extent_map_init() - set up a map with one free extent
 * @map: the map
 * @nr_units: units in the cluster, at least 1
 * @node: node from pgc_extent_node_new(); consumed, even on bad arguments
 *
 * With @nr_units 0 or @node NULL the map is left empty: every allocation
 * fails with -ENOSPC.
 */
void pgc_extent_map_init(struct pgc_extent_map *map, u32 nr_units,
			 struct pgc_extent *node)
{
	map->root = RB_ROOT;
	map->nr_units = 0;
	map->free_units = 0;
	map->nr_allocated = 0;
	map->nr_nodes = 0;
	if (!nr_units || !node) {
		pgc_extent_node_put(node);
		return;
	}
	node->start = 0;
	node->len = nr_units;
	node->free = true;
	node->tag = 0;
	node->max_free = nr_units;
	rb_link_node(&node->rb, NULL, &map->root.rb_node);
	rb_insert_augmented(&node->rb, &map->root, &ext_cb);
	map->nr_units = nr_units;
	map->free_units = nr_units;
	map->nr_nodes = 1;
}

/**
 * pgc_extent_map_destroy() - release every node of a map
 * @map: the map; empty (as after init with no units) on return
 *
 * Live allocations are forgotten; the caller checks first if it cares.
 */
void pgc_extent_map_destroy(struct pgc_extent_map *map)
{
	struct pgc_extent *n, *tmp;

	rbtree_postorder_for_each_entry_safe(n, tmp, &map->root, rb)
		pgc_extent_node_put(n);
	map->root = RB_ROOT;
	map->nr_units = 0;
	map->free_units = 0;
	map->nr_allocated = 0;
	map->nr_nodes = 0;
}

/**
 * pgc_extent_alloc() - allocate units with address-ordered first fit
 * @map: the map
 * @units: units wanted, at least 1
 * @spare: holds a node from pgc_extent_node_new() or NULL; the node is
 *	consumed (*@spare set to NULL) when the chosen free extent is longer
 *	than @units and must be split
 *
 * Takes the front of the lowest-addressed free extent of at least @units.
 * On failure the map is unchanged.
 *
 * Return: the first unit of the allocation; -EINVAL when @units is 0;
 * -ENOSPC when no free extent is long enough; -ENOMEM when a split is
 * needed and *@spare is NULL.
 */
long pgc_extent_alloc(struct pgc_extent_map *map, u32 units,
		      struct pgc_extent **spare)
{
	struct rb_node *rb = map->root.rb_node;
	struct rb_node **link;
	struct pgc_extent *n, *nn;

	if (unlikely(!units))
		return -EINVAL;
	if (!rb || ext_of(rb)->max_free < units)
		return -ENOSPC;

	/* Invariant: the subtree at rb holds a free extent of >= units. */
	for (;;) {
		n = ext_of(rb);
		if (rb->rb_left && ext_of(rb->rb_left)->max_free >= units)
			rb = rb->rb_left;
		else if (n->free && n->len >= units)
			break;
		else if (likely(rb->rb_right))
			rb = rb->rb_right;
		else
			return -ENOSPC;	/* max_free lied: check() says why */
	}

	if (n->len == units) {
		n->free = false;
		n->tag = 0;
		ext_cb_propagate(&n->rb, NULL);
		goto done;
	}

	nn = *spare;
	if (!nn)
		return -ENOMEM;
	*spare = NULL;

	/* The free extent keeps its tail; nn becomes its predecessor. */
	nn->start = n->start;
	nn->len = units;
	nn->free = false;
	nn->tag = 0;
	nn->max_free = 0;	/* so the path to it needs no update */
	n->start += units;
	n->len -= units;
	ext_cb_propagate(&n->rb, NULL);

	rb = &n->rb;
	link = &rb->rb_left;
	while (*link) {
		rb = *link;
		link = &rb->rb_right;
	}
	rb_link_node(&nn->rb, rb, link);
	rb_insert_augmented(&nn->rb, &map->root, &ext_cb);
	map->nr_nodes++;
	n = nn;
done:
	map->free_units -= units;
	map->nr_allocated++;
	return n->start;
}

/**
 * pgc_extent_free() - free an allocation and merge it with free neighbours
 * @map: the map
 * @start: first unit of a live allocation
 *
 * Nodes that merging makes redundant are released with
 * pgc_extent_node_put().
 *
 * Return: the number of units freed, or -ENOENT when no live allocation
 * starts at @start (double free, a unit inside an allocation, a free extent
 * or out of range); the map is then unchanged.
 */
long pgc_extent_free(struct pgc_extent_map *map, u32 start)
{
	struct pgc_extent *n = ext_lookup(map, start);
	struct pgc_extent *prev, *next;
	u32 units;

	if (!n || n->free)
		return -ENOENT;

	units = n->len;
	prev = ext_of(rb_prev(&n->rb));
	next = ext_of(rb_next(&n->rb));
	if (prev && !prev->free)
		prev = NULL;
	if (next && !next->free)
		next = NULL;

	/*
	 * Grow the surviving free node first: the tree stays consistent
	 * (a larger max_free is never wrong for a node about to go), and
	 * each erase then only has to lower what the swallowed node held.
	 */
	if (prev) {
		prev->len += units + (next ? next->len : 0);
		ext_cb_propagate(&prev->rb, NULL);
		ext_erase(map, n);
	} else {
		n->free = true;
		if (next)
			n->len += next->len;
		ext_cb_propagate(&n->rb, NULL);
	}
	if (next)
		ext_erase(map, next);

	map->free_units += units;
	map->nr_allocated--;
	return units;
}

/**
 * pgc_extent_size() - size of a live allocation
 * @map: the map
 * @start: first unit of the allocation
 *
 * Return: its length in units, or -ENOENT when no live allocation starts at
 * @start.
 */
long pgc_extent_size(const struct pgc_extent_map *map, u32 start)
{
	const struct pgc_extent *n = ext_lookup(map, start);

	if (!n || n->free)
		return -ENOENT;
	return n->len;
}

/**
 * pgc_extent_tag() - size and tag of a live allocation
 * @map: the map
 * @start: first unit of the allocation
 * @tag: set to its tag (0 unless pgc_extent_set_tag() gave it one)
 *
 * Return: its length in units, or -ENOENT when no live allocation starts at
 * @start (*@tag is then left alone).
 */
long pgc_extent_tag(const struct pgc_extent_map *map, u32 start, u16 *tag)
{
	const struct pgc_extent *n = ext_lookup(map, start);

	if (!n || n->free)
		return -ENOENT;
	*tag = n->tag;
	return n->len;
}

/**
 * pgc_extent_set_tag() - mark a live allocation
 * @map: the map
 * @start: first unit of the allocation
 * @tag: the new tag; a free clears it
 *
 * Return: 0, or -ENOENT when no live allocation starts at @start.
 */
int pgc_extent_set_tag(struct pgc_extent_map *map, u32 start, u16 tag)
{
	struct pgc_extent *n = ext_lookup(map, start);

	if (!n || n->free)
		return -ENOENT;
	n->tag = tag;
	return 0;
}

/**
 * pgc_extent_largest_free() - longest free extent of a map
 * @map: the map
 *
 * Return: its length in units (0 when the map is full).
 */
u32 pgc_extent_largest_free(const struct pgc_extent_map *map)
{
	const struct pgc_extent *root = ext_of(map->root.rb_node);

	return root ? root->max_free : 0;
}

/**
 * pgc_extent_for_each() - visit every extent in address order
 * @map: the map; must not change during the walk
 * @fn: called with @arg, start, length and whether the extent is free
 * @arg: passed to @fn
 *
 * Return: 0 after the last extent, or the first non-zero value of @fn,
 * which ends the walk.
 */
int pgc_extent_for_each(const struct pgc_extent_map *map,
			int (*fn)(void *arg, u32 start, u32 units, bool free),
			void *arg)
{
	const struct rb_node *rb;
	const struct pgc_extent *n;
	int ret;

	for (rb = rb_first(&map->root); rb; rb = rb_next(rb)) {
		n = ext_of(rb);
		ret = fn(arg, n->start, n->len, n->free);
		if (ret)
			return ret;
	}
	return 0;
}

/* Black nodes from @rb up to the root, or 0 when deeper than any valid tree. */
static u32 ext_black_depth(const struct rb_node *rb)
{
	u32 steps, black = 0;

	for (steps = 0; rb && steps < 2 * 33 + 2; steps++, rb = rb_parent(rb))
		black += rb_is_black(rb);
	return rb ? 0 : black;
}

/**
 * pgc_extent_check() - verify every invariant of a map
 * @map: the map
 *
 * Checks the parent links, the red-black colouring (black root, no red node
 * with a red child, the same number of black nodes on every path), max_free
 * of every node, that the extents in address order cover [0, nr_units)
 * exactly, that no two free extents are adjacent, and the counters of @map.
 * The walk is bounded by map->nr_nodes, so a corrupted tree cannot make it
 * loop.  The first problem found is reported with pr_err().
 *
 * Return: 0 when the map is consistent, else -EFAULT.
 */
int pgc_extent_check(const struct pgc_extent_map *map)
{
	const struct rb_node *rb = map->root.rb_node;
	const struct pgc_extent *n = NULL, *l, *r;
	u32 cursor = 0, free_units = 0, nr_alloc = 0, nr_nodes = 0;
	u32 black = 0, want;
	bool prev_free = false;
	const char *why;

	if (!rb) {
		why = "empty tree but counters not zero";
		if (map->nr_units || map->free_units || map->nr_allocated ||
		    map->nr_nodes)
			goto bad;
		return 0;
	}
	why = "root has a parent or is red";
	if (rb_parent(rb) || !rb_is_black(rb))
		goto bad;

	for (rb = rb_first(&map->root); rb; rb = rb_next(rb)) {
		n = ext_of(rb);
		l = ext_of(rb->rb_left);
		r = ext_of(rb->rb_right);
		why = "more nodes than nr_nodes, or a cycle";
		if (++nr_nodes > map->nr_nodes)
			goto bad;
		why = "child's parent link is wrong";
		if ((l && rb_parent(&l->rb) != rb) ||
		    (r && rb_parent(&r->rb) != rb))
			goto bad;
		why = "red node with a red child";
		if (rb_is_red(rb) && ((l && rb_is_red(&l->rb)) ||
				      (r && rb_is_red(&r->rb))))
			goto bad;
		if (!l || !r) {
			/* A path ends here: count its black nodes. */
			want = ext_black_depth(rb);
			why = "black height differs between paths";
			if (!want || (black && want != black))
				goto bad;
			black = want;
		}
		want = ext_own_free(n);
		if (l && l->max_free > want)
			want = l->max_free;
		if (r && r->max_free > want)
			want = r->max_free;
		why = "max_free is wrong";
		if (n->max_free != want)
			goto bad;
		why = "empty extent";
		if (!n->len)
			goto bad;
		why = "gap, overlap or out of address order";
		if (n->start != cursor)
			goto bad;
		why = "extent runs past nr_units";
		if (n->len > map->nr_units - cursor)
			goto bad;
		why = "two adjacent free extents";
		if (n->free && prev_free)
			goto bad;
		cursor += n->len;
		prev_free = n->free;
		if (n->free)
			free_units += n->len;
		else
			nr_alloc++;
	}

	n = NULL;
	why = "extents do not reach nr_units";
	if (cursor != map->nr_units)
		goto bad;
	why = "free_units counter is wrong";
	if (free_units != map->free_units)
		goto bad;
	why = "nr_allocated counter is wrong";
	if (nr_alloc != map->nr_allocated)
		goto bad;
	why = "nr_nodes counter is wrong";
	if (nr_nodes != map->nr_nodes)
		goto bad;
	return 0;

bad:
	if (n)
		pr_err("extent map %p: extent [%u, +%u): %s\n", map, n->start,
		       n->len, why);
	else
		pr_err("extent map %p: %s (units %u free %u allocs %u nodes %u)\n",
		       map, why, map->nr_units, map->free_units,
		       map->nr_allocated, map->nr_nodes);
	return -EFAULT;
}
