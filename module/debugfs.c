// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator's debugfs files, under /sys/kernel/debug/pgcluster:
 *
 *   stats      read: one "name value" per line (stats.c)
 *   slots      read: the live emergency slots
 *   callers    root only: per call site live allocations, live bytes,
 *              calls and failures (callers.c); write on, off or reset
 *   testing/   test-only knobs, see pgc_knobs[] below; those that were
 *              once top-level files are also reachable under their old
 *              names (symlinks), which outside scripts use
 *
 * The fragmentation lab creates its own files beside these.  Every knob
 * parses with input.c: one value at offset 0, nothing else; a bad write
 * fails with -EINVAL (or -ERANGE) and changes nothing.  That strictness is
 * why the knobs do not use debugfs_create_u32()/_bool(), whose parsers
 * take octal, signs and trailing junk.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "callers.h"
#include "emerg.h"
#include "input.h"
#include "pool.h"
#include "stats.h"

static int pgc_stats_file_show(struct seq_file *m, void *unused)
{
	pgc_stats_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgc_stats_file);

static int pgc_slots_show(struct seq_file *m, void *unused)
{
	pgc_emerg_show_slots(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgc_slots);

static int pgc_callers_file_show(struct seq_file *m, void *unused)
{
	return pgc_callers_show(m);
}

static int pgc_callers_open(struct inode *inode, struct file *file)
{
	return single_open(file, pgc_callers_file_show, NULL);
}

static ssize_t pgc_callers_file_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	return pgc_input_store(ubuf, len, ppos, pgc_callers_write);
}

static const struct file_operations pgc_callers_fops = {
	.owner = THIS_MODULE,
	.open = pgc_callers_open,
	.read = seq_read,
	.write = pgc_callers_file_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* One test knob: @show formats its value (NULL: write-only), @store sets it. */
struct pgc_knob {
	const char *name;
	umode_t mode;
	int (*show)(char *buf, size_t size);
	int (*store)(char *s);
	bool alias;		/* also under its old top-level name */
};

/*
 * pool_grow: "SOURCE NODE" (a name from pgc_sources[], a decimal node)
 * adds one cluster to the node from that source now.  -EOPNOTSUPP for a
 * source this kernel lacks, -ENOMEM when the source has nothing.
 */
static int pgc_pool_grow_store(char *s)
{
	const struct pgc_source *src;
	unsigned long nid;
	char *f[2];
	int ret;

	if (pgc_input_split(s, f, ARRAY_SIZE(f)) != ARRAY_SIZE(f))
		return -EINVAL;
	src = pgc_source_find(f[0]);
	if (!src)
		return -EINVAL;
	ret = pgc_parse_dec(f[1], &nid);
	if (ret)
		return ret;
	if (nid > INT_MAX)
		return -EINVAL;
	return pgc_pool_grow(src, nid);
}

/* grow_stall_ms: the next unrestricted grower sleeps this long (pool.c). */
static int pgc_grow_stall_show(char *buf, size_t size)
{
	return scnprintf(buf, size, "%u\n", READ_ONCE(pgc_grow_stall_ms));
}

static int pgc_grow_stall_store(char *s)
{
	u32 val;
	int ret = pgc_parse_u32(s, &val);

	if (!ret)
		WRITE_ONCE(pgc_grow_stall_ms, val);
	return ret;
}

/* emerg_fail_pages: the next N page allocations of the emergency path fail. */
static int pgc_fail_pages_show(char *buf, size_t size)
{
	return scnprintf(buf, size, "%u\n",
			 (u32)atomic_read(&pgc_emerg_fail_pages));
}

static int pgc_fail_pages_store(char *s)
{
	u32 val;
	int ret = pgc_parse_u32(s, &val);

	if (!ret)
		atomic_set(&pgc_emerg_fail_pages, (int)val);
	return ret;
}

/* force_virtual: PGCLUSTER_VIRTOK requests skip the cluster pool. */
static int pgc_force_virtual_show(char *buf, size_t size)
{
	return scnprintf(buf, size, "%c\n",
			 READ_ONCE(pgc_force_virtual) ? 'Y' : 'N');
}

static int pgc_force_virtual_store(char *s)
{
	bool val;
	int ret = pgc_parse_bool(s, &val);

	if (!ret)
		WRITE_ONCE(pgc_force_virtual, val);
	return ret;
}

/* refill_hold: the reserve's refill worker does nothing while set. */
static int pgc_refill_hold_show(char *buf, size_t size)
{
	return scnprintf(buf, size, "%c\n",
			 pgc_reserve_held() ? 'Y' : 'N');
}

static int pgc_refill_hold_store(char *s)
{
	bool val;
	int ret = pgc_parse_bool(s, &val);

	if (!ret)
		pgc_reserve_hold(val);
	return ret;
}

static const struct pgc_knob pgc_knobs[] = {
	{ "pool_grow", 0200, NULL, pgc_pool_grow_store, true },
	{ "grow_stall_ms", 0600, pgc_grow_stall_show, pgc_grow_stall_store,
	  true },
	{ "emerg_fail_pages", 0600, pgc_fail_pages_show, pgc_fail_pages_store,
	  true },
	{ "force_virtual", 0600, pgc_force_virtual_show,
	  pgc_force_virtual_store, true },
	{ "refill_hold", 0600, pgc_refill_hold_show, pgc_refill_hold_store,
	  false },
};

static ssize_t pgc_knob_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	const struct pgc_knob *knob = file->private_data;
	char buf[24];
	int n;

	if (!knob->show)
		return -EPERM;
	n = knob->show(buf, sizeof(buf));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t pgc_knob_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	const struct pgc_knob *knob = file->private_data;

	return pgc_input_store(ubuf, len, ppos, knob->store);
}

static const struct file_operations pgc_knob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = pgc_knob_read,
	.write = pgc_knob_write,
	.llseek = default_llseek,
};

/**
 * pgc_debugfs_init() - create the allocator's debugfs files
 *
 * Runs after the allocators are up; main.c removes the whole directory
 * before they go down.  debugfs failures are not fatal.
 *
 * Context: process context, module load.
 * Return: 0.
 */
int pgc_debugfs_init(void)
{
	struct dentry *testing;
	char target[64];
	unsigned int i;

	debugfs_create_file("stats", 0444, pgc_debugfs_root, NULL,
			    &pgc_stats_file_fops);
	debugfs_create_file("slots", 0444, pgc_debugfs_root, NULL,
			    &pgc_slots_fops);
	debugfs_create_file("callers", 0600, pgc_debugfs_root, NULL,
			    &pgc_callers_fops);
	testing = debugfs_create_dir("testing", pgc_debugfs_root);
	for (i = 0; i < ARRAY_SIZE(pgc_knobs); i++) {
		debugfs_create_file(pgc_knobs[i].name, pgc_knobs[i].mode,
				    testing, (void *)&pgc_knobs[i],
				    &pgc_knob_fops);
		if (!pgc_knobs[i].alias)
			continue;
		snprintf(target, sizeof(target), "testing/%s",
			 pgc_knobs[i].name);
		debugfs_create_symlink(pgc_knobs[i].name, pgc_debugfs_root,
				       target);
	}
	return 0;
}
