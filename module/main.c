// SPDX-License-Identifier: GPL-2.0
/*
 * pgcluster module entry: parameters, the debugfs root and the order in which
 * the parts come up and go down.
 *
 * Parameters are validated when they are set, so a bad value on the insmod
 * line fails the load with a message naming the parameter and the accepted
 * range.  All of them but slot_cache are read-only once loaded (0444);
 * slot_cache may be changed at run time (0644) and a lower value trims the
 * cache at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/debugfs.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "callers.h"
#include "internal.h"
#include "extent.h"

unsigned int pgc_pool_mb = 16;
unsigned int pgc_slot_pages = 32;
unsigned int pgc_reserve_pages = 256;
unsigned int pgc_slot_cache = 16;
bool pgc_allow_inject;
struct dentry *pgc_debugfs_root;

#define PGC_POOL_MB_MAX		65536
#define PGC_SLOT_PAGES_MIN	2
#define PGC_RESERVE_PAGES_MAX	65536
#define PGC_SLOT_CACHE_MAX	1024

static int pgc_param_set_range(const char *val, unsigned int *res,
			       const char *name, unsigned int min,
			       unsigned int max)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < min || v > max) {
		pr_err("invalid %s=%s: expected an integer in [%u, %u]\n",
		       name, val, min, max);
		return -EINVAL;
	}
	*res = v;
	return 0;
}

static int pgc_set_pool_mb(const char *val, const struct kernel_param *kp)
{
	return pgc_param_set_range(val, kp->arg, "pool_mb", 0, PGC_POOL_MB_MAX);
}

static int pgc_set_slot_pages(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = pgc_param_set_range(val, &v, "slot_pages", PGC_SLOT_PAGES_MIN,
				  PGC_SLOT_PAGES_MAX);
	if (ret)
		return ret;
	if (!is_power_of_2(v)) {
		pr_err("invalid slot_pages=%s: must be a power of two\n", val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int pgc_set_reserve_pages(const char *val,
				 const struct kernel_param *kp)
{
	return pgc_param_set_range(val, kp->arg, "reserve_pages", 0,
				   PGC_RESERVE_PAGES_MAX);
}

/* Runs under the module's parameter lock, so writers are serialised. */
static int pgc_set_slot_cache(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = pgc_param_set_range(val, &v, "slot_cache", 0,
				  PGC_SLOT_CACHE_MAX);
	if (ret)
		return ret;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	pgc_emerg_cache_resize();
	return 0;
}

static const struct kernel_param_ops pgc_pool_mb_ops = {
	.set = pgc_set_pool_mb,
	.get = param_get_uint,
};

static const struct kernel_param_ops pgc_slot_pages_ops = {
	.set = pgc_set_slot_pages,
	.get = param_get_uint,
};

static const struct kernel_param_ops pgc_reserve_pages_ops = {
	.set = pgc_set_reserve_pages,
	.get = param_get_uint,
};

static const struct kernel_param_ops pgc_slot_cache_ops = {
	.set = pgc_set_slot_cache,
	.get = param_get_uint,
};

module_param_cb(pool_mb, &pgc_pool_mb_ops, &pgc_pool_mb, 0444);
MODULE_PARM_DESC(pool_mb,
		 "Cluster pool taken at load, MiB per NUMA node (0-65536, at most a quarter of the node's memory; default 16)");
module_param_cb(slot_pages, &pgc_slot_pages_ops, &pgc_slot_pages, 0444);
MODULE_PARM_DESC(slot_pages,
		 "Emergency slot size in pages (power of two, 2-256; default 32)");
module_param_cb(reserve_pages, &pgc_reserve_pages_ops, &pgc_reserve_pages,
		0444);
MODULE_PARM_DESC(reserve_pages,
		 "Order-0 pages reserved for the emergency allocator (0-65536; default 256)");
module_param_cb(slot_cache, &pgc_slot_cache_ops, &pgc_slot_cache, 0644);
MODULE_PARM_DESC(slot_cache,
		 "Freed emergency slots kept mapped for reuse (0-1024, 0 = none; default 16; writable at run time)");
module_param_named(allow_inject, pgc_allow_inject, bool, 0444);
MODULE_PARM_DESC(allow_inject,
		 "Create debugfs inject/ to pin pages in a fragmentation pattern (default 0)");
module_param_named(callers, pgc_callers_param, bool, 0444);
MODULE_PARM_DESC(callers,
		 "Count live allocations per call site from load on (debugfs callers; default 0)");

/* The parts, in the order they come up; they go down in reverse. */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} pgc_parts[] = {
	{ pgc_extent_cache_init, pgc_extent_cache_exit },
	{ pgc_pool_init, pgc_pool_exit },
	{ pgc_emerg_init, pgc_emerg_exit },
	{ pgc_lab_init, pgc_lab_exit },
	{ pgc_callers_init, pgc_callers_exit },
	{ pgc_debugfs_init, NULL },
};

/*
 * Take down the first @up parts.  The debugfs files go first, so nothing
 * reads state that is being torn down, on a failed load as at unload.
 */
static void pgc_teardown(unsigned int up)
{
	debugfs_remove_recursive(pgc_debugfs_root);
	pgc_debugfs_root = NULL;
	while (up--)
		if (pgc_parts[up].exit)
			pgc_parts[up].exit();
}

static int __init pgc_init(void)
{
	unsigned long limit_mb = (totalram_pages() >> (20 - PAGE_SHIFT)) / 4;
	unsigned int up;
	int ret;

	if ((unsigned long)pgc_pool_mb * num_online_nodes() > limit_mb) {
		pr_err("invalid pool_mb=%u: %u node(s) x %u MiB is more than a quarter of memory (%lu MiB)\n",
		       pgc_pool_mb, num_online_nodes(), pgc_pool_mb, limit_mb);
		return -EINVAL;
	}
	pgc_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	for (up = 0; up < ARRAY_SIZE(pgc_parts); up++) {
		ret = pgc_parts[up].init();
		if (ret) {
			pgc_teardown(up);
			return ret;
		}
	}

	pr_info("loaded: pool %u MiB/node, granule %u B, slot %u pages, reserve %u pages, slot cache %u%s\n",
		pgc_pool_mb, PGCLUSTER_GRANULE, pgc_slot_pages,
		pgc_reserve_pages, READ_ONCE(pgc_slot_cache),
		pgc_allow_inject ? ", injector enabled" : "");
	return 0;
}

static void __exit pgc_exit(void)
{
	pgc_teardown(ARRAY_SIZE(pgc_parts));
	pr_info("unloaded\n");
}

module_init(pgc_init);
module_exit(pgc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pgcluster developers");
MODULE_DESCRIPTION("Page-cluster allocator: contiguous memory of any size that survives fragmentation");
