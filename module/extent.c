// SPDX-License-Identifier: GPL-2.0
/*
 * Extent map: placement and coalescing inside one cluster.
 *
 * Design
 * ------
 * A map describes one cluster of nr_units granules.  The cluster is cut into
 * extents, each either free or allocated, that together cover [0, nr_units)
 * with no gap and no overlap.  Two free extents are never adjacent: freeing
 * merges with free neighbours at once, so a free extent is always maximal
 * and the number of extents is at most 2 * nr_allocated + 1.
 *
 * The extents are the nodes of an AVL tree ordered by start unit.  Every
 * node stores its height, a parent pointer and max_free, the length of the
 * longest free extent in its subtree.  With max_free an address-ordered first
 * fit is a single descent from the root: go left while the left subtree has
 * a long enough free extent, else take this node if it is free and long
 * enough, else go right.  The first fit is taken from its front; the rest of
 * the free extent stays free and becomes the in-order successor of a new
 * allocated node, so a split inserts exactly one node.  An exact fit flips
 * the free node to allocated and needs no node at all.
 *
 * Freeing finds the allocation by its start with an ordinary search, then
 * reaches its neighbours through the parent pointers.  Merging grows one
 * free node and erases the one or two nodes it swallowed; their memory goes
 * back with pgc_extent_node_put().
 *
 * Every change to a node (its length, its free flag, or its children) is
 * followed by a walk towards the root that recomputes height and max_free
 * and rotates where the AVL balance is broken.  The walk stops as soon as a
 * node's height and max_free come out unchanged, since nothing above it can
 * then change.  All loops are iterative; no operation recurses.
 *
 * The map never allocates: the caller gets nodes with pgc_extent_node_new()
 * before taking its lock and hands one in as the spare for an allocation
 * that may split.  Nodes are 40 bytes on 64-bit (three pointers, start,
 * length, max_free, height and the free flag) and come from the
 * "pgcluster_extent" slab cache in the kernel, from malloc() on the host.
 *
 * The same file builds in the module and, with tests/host/extent_host.h in
 * place of the kernel headers, as a host program for unit tests and fuzzing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/slab.h>
#endif

#include "extent.h"

struct pgc_extent {
	struct pgc_extent *parent;
	struct pgc_extent *left;	/* extents before this one */
	struct pgc_extent *right;	/* extents after this one */
	u32 start;		/* first unit */
	u32 len;		/* units, >= 1 */
	u32 max_free;		/* longest free extent in this subtree */
	u8 height;		/* AVL height, a leaf has 1 */
	u8 free;		/* 1: free extent, 0: live allocation */
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

static inline u32 ext_height(const struct pgc_extent *n)
{
	return n ? n->height : 0;
}

static inline u32 ext_max_free(const struct pgc_extent *n)
{
	return n ? n->max_free : 0;
}

static inline u32 ext_max(u32 a, u32 b)
{
	return a > b ? a : b;
}

/* Height and max_free of @n from its children, which must be up to date. */
static void ext_update(struct pgc_extent *n)
{
	u32 m = n->free ? n->len : 0;

	m = ext_max(m, ext_max_free(n->left));
	n->max_free = ext_max(m, ext_max_free(n->right));
	n->height = 1 + ext_max(ext_height(n->left), ext_height(n->right));
}

/* Point whatever pointed at @old (its parent or the root) to @new. */
static void ext_replace_child(struct pgc_extent_map *map,
			      struct pgc_extent *parent,
			      struct pgc_extent *old, struct pgc_extent *new)
{
	if (!parent)
		map->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/* @x's right child takes its place; returns the new subtree root. */
static struct pgc_extent *ext_rotate_left(struct pgc_extent_map *map,
					  struct pgc_extent *x)
{
	struct pgc_extent *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	ext_replace_child(map, y->parent, x, y);
	y->left = x;
	x->parent = y;
	ext_update(x);
	ext_update(y);
	return y;
}

/* @x's left child takes its place; returns the new subtree root. */
static struct pgc_extent *ext_rotate_right(struct pgc_extent_map *map,
					   struct pgc_extent *x)
{
	struct pgc_extent *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	ext_replace_child(map, y->parent, x, y);
	y->right = x;
	x->parent = y;
	ext_update(x);
	ext_update(y);
	return y;
}

/*
 * Restore the AVL balance at @n, whose subtrees are balanced and up to date
 * and differ in height by at most two.  Returns the root of the subtree.
 */
static struct pgc_extent *ext_rebalance(struct pgc_extent_map *map,
					struct pgc_extent *n)
{
	u32 hl = ext_height(n->left);
	u32 hr = ext_height(n->right);

	if (hl > hr + 1) {
		if (ext_height(n->left->left) < ext_height(n->left->right))
			ext_rotate_left(map, n->left);
		return ext_rotate_right(map, n);
	}
	if (hr > hl + 1) {
		if (ext_height(n->right->right) < ext_height(n->right->left))
			ext_rotate_right(map, n->right);
		return ext_rotate_left(map, n);
	}
	ext_update(n);
	return n;
}

/*
 * Walk from @n to the root, recomputing and rebalancing, after a change
 * made at or below @n.  The walk may stop early once a subtree comes out
 * with the height and max_free it had, but not before it has passed
 * @through, if any: an ancestor of @n that changed too, or whose stored
 * values were copied from elsewhere.
 */
static void ext_fixup(struct pgc_extent_map *map, struct pgc_extent *n,
		      const struct pgc_extent *through)
{
	while (n) {
		u32 old_height = n->height;
		u32 old_max = n->max_free;
		bool passed = n == through;

		n = ext_rebalance(map, n);
		if (passed)
			through = NULL;
		if (!through && n->height == old_height && n->max_free == old_max)
			return;
		n = n->parent;
	}
}

static struct pgc_extent *ext_first(struct pgc_extent *n)
{
	if (n)
		while (n->left)
			n = n->left;
	return n;
}

static struct pgc_extent *ext_next(const struct pgc_extent *n)
{
	if (n->right)
		return ext_first(n->right);
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

static struct pgc_extent *ext_prev(const struct pgc_extent *n)
{
	struct pgc_extent *p = n->left;

	if (p) {
		while (p->right)
			p = p->right;
		return p;
	}
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}

/* The extent that starts exactly at @start, or NULL. */
static struct pgc_extent *ext_lookup(const struct pgc_extent_map *map,
				     u32 start)
{
	struct pgc_extent *n = map->root;

	while (n) {
		if (start < n->start)
			n = n->left;
		else if (start > n->start)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

/* Unlink @z from the tree and rebalance; the caller releases its memory. */
static void ext_erase(struct pgc_extent_map *map, struct pgc_extent *z)
{
	struct pgc_extent *parent = z->parent;
	struct pgc_extent *child, *y, *from;

	if (!z->left || !z->right) {
		child = z->left ? z->left : z->right;
		ext_replace_child(map, parent, z, child);
		if (child)
			child->parent = parent;
		ext_fixup(map, parent, NULL);
		return;
	}

	/* Two children: the successor y (no left child) takes z's place. */
	y = ext_first(z->right);
	if (y->parent == z) {
		from = y;
	} else {
		from = y->parent;
		from->left = y->right;
		if (y->right)
			y->right->parent = from;
		y->right = z->right;
		z->right->parent = y;
	}
	y->left = z->left;
	z->left->parent = y;
	y->parent = parent;
	ext_replace_child(map, parent, z, y);
	/* What z's parent was computed from; the walk must reach y. */
	y->height = z->height;
	y->max_free = z->max_free;
	ext_fixup(map, from, y);
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
	map->root = NULL;
	map->nr_units = 0;
	map->free_units = 0;
	map->nr_allocated = 0;
	map->nr_nodes = 0;
	if (!nr_units || !node) {
		pgc_extent_node_put(node);
		return;
	}
	node->parent = NULL;
	node->left = NULL;
	node->right = NULL;
	node->start = 0;
	node->len = nr_units;
	node->free = 1;
	ext_update(node);
	map->root = node;
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
	struct pgc_extent *n = map->root;

	/* Post-order without a stack: cut each leaf off and climb. */
	while (n) {
		struct pgc_extent *parent;

		if (n->left) {
			n = n->left;
			continue;
		}
		if (n->right) {
			n = n->right;
			continue;
		}
		parent = n->parent;
		if (parent) {
			if (parent->left == n)
				parent->left = NULL;
			else
				parent->right = NULL;
		}
		pgc_extent_node_put(n);
		n = parent;
	}
	map->root = NULL;
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
	struct pgc_extent *n = map->root;
	struct pgc_extent *nn, *p;

	if (unlikely(!units))
		return -EINVAL;
	if (!n || n->max_free < units)
		return -ENOSPC;

	/* Invariant: the subtree at n holds a free extent of >= units. */
	for (;;) {
		if (n->left && n->left->max_free >= units)
			n = n->left;
		else if (n->free && n->len >= units)
			break;
		else if (likely(n->right))
			n = n->right;
		else
			return -ENOSPC;	/* max_free lied: check() says why */
	}

	if (n->len == units) {
		n->free = 0;
		ext_fixup(map, n, NULL);
		goto done;
	}

	nn = *spare;
	if (!nn)
		return -ENOMEM;
	*spare = NULL;

	/* The free extent keeps its tail; nn becomes its predecessor. */
	nn->start = n->start;
	nn->len = units;
	nn->free = 0;
	nn->left = NULL;
	nn->right = NULL;
	n->start += units;
	n->len -= units;

	if (!n->left) {
		n->left = nn;
		nn->parent = n;
	} else {
		p = n->left;
		while (p->right)
			p = p->right;
		p->right = nn;
		nn->parent = p;
	}
	ext_update(nn);
	/* One walk for both changes: it must get past n, which shrank. */
	ext_fixup(map, nn->parent, n);
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
	prev = ext_prev(n);
	next = ext_next(n);
	if (prev && !prev->free)
		prev = NULL;
	if (next && !next->free)
		next = NULL;

	if (prev) {
		/* Grow prev over n (and next); erase what it swallowed. */
		prev->len += units + (next ? next->len : 0);
		ext_fixup(map, prev, NULL);
		ext_erase(map, n);
		pgc_extent_node_put(n);
		map->nr_nodes--;
	} else {
		n->free = 1;
		if (next)
			n->len += next->len;
		ext_fixup(map, n, NULL);
	}
	if (next) {
		ext_erase(map, next);
		pgc_extent_node_put(next);
		map->nr_nodes--;
	}

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
 * pgc_extent_largest_free() - longest free extent of a map
 * @map: the map
 *
 * Return: its length in units (0 when the map is full).
 */
u32 pgc_extent_largest_free(const struct pgc_extent_map *map)
{
	return ext_max_free(map->root);
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
	const struct pgc_extent *n;
	int ret;

	for (n = ext_first(map->root); n; n = ext_next(n)) {
		ret = fn(arg, n->start, n->len, n->free);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * pgc_extent_check() - verify every invariant of a map
 * @map: the map
 *
 * Checks the parent links, the AVL heights and balance, max_free of every
 * node, that the extents in address order cover [0, nr_units) exactly, that
 * no two free extents are adjacent, and the counters of @map.  The walk is
 * bounded by map->nr_nodes, so a corrupted tree cannot make it loop.  The
 * first problem found is reported with pr_err().
 *
 * Return: 0 when the map is consistent, else -EFAULT.
 */
int pgc_extent_check(const struct pgc_extent_map *map)
{
	const struct pgc_extent *n = map->root;
	u32 cursor = 0, free_units = 0, nr_alloc = 0, nr_nodes = 0;
	u32 hl, hr, want;
	bool prev_free = false;
	const char *why;

	if (!n) {
		why = "empty tree but counters not zero";
		if (map->nr_units || map->free_units || map->nr_allocated ||
		    map->nr_nodes)
			goto bad;
		return 0;
	}
	why = "root has a parent";
	if (n->parent)
		goto bad;

	for (n = ext_first(map->root); n; n = ext_next(n)) {
		why = "more nodes than nr_nodes, or a cycle";
		if (++nr_nodes > map->nr_nodes)
			goto bad;
		why = "parent does not point back";
		if (n->parent && n->parent->left != n && n->parent->right != n)
			goto bad;
		why = "child's parent link is wrong";
		if ((n->left && n->left->parent != n) ||
		    (n->right && n->right->parent != n))
			goto bad;
		hl = ext_height(n->left);
		hr = ext_height(n->right);
		why = "height is wrong";
		if (n->height != 1 + ext_max(hl, hr))
			goto bad;
		why = "AVL balance broken";
		if (hl > hr + 1 || hr > hl + 1)
			goto bad;
		want = ext_max(ext_max_free(n->left), ext_max_free(n->right));
		if (n->free)
			want = ext_max(want, n->len);
		why = "max_free is wrong";
		if (n->max_free != want)
			goto bad;
		why = "bad free flag or empty extent";
		if (n->free > 1 || !n->len)
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
