// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's one debugfs owner: every file of the lab is created here, from
 * one table, and the lab comes up and goes down here.  The files under
 * inject/ exist only with allow_inject=1.  "checkerboard" is the report's
 * old name, kept as a symlink to "fragmentation" for outside scripts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>

#include "lab.h"

struct pgc_lab_file {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
};

static const struct pgc_lab_file pgc_lab_files[] = {
	{ "fragmentation", 0444, &pgc_fragmentation_fops },
	{ "map", 0444, &pgc_map_fops },
	{ "map_start", 0644, &pgc_map_start_fops },
	{ "map_pages", 0644, &pgc_map_pages_fops },
	{ "map_scale", 0644, &pgc_map_scale_fops },
	{ "probe", 0600, &pgc_probe_fops },
	{ "probe_pgcluster", 0600, &pgc_pgprobe_fops },
};

static const struct pgc_lab_file pgc_inject_files[] = {
	{ "pattern", 0600, &pgc_pattern_fops },
	{ "amount", 0600, &pgc_amount_fops },
	{ "control", 0600, &pgc_control_fops },
	{ "status", 0400, &pgc_status_fops },
};

static void pgc_lab_create(struct dentry *dir, const struct pgc_lab_file *f,
			   size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		debugfs_create_file(f[i].name, f[i].mode, dir, NULL, f[i].fops);
}

/*
 * The injector's state: counters, the seal's workqueue, the OOM notifier.
 * Only with allow_inject=1.
 */
static int pgc_inject_init(void)
{
	int ret;

	pgc_inj.pattern = pgc_pattern_default;
	pgc_inj.last_pattern = pgc_pattern_default;
	if (!pgc_allow_inject)
		return 0;
	ret = pgc_pins_init();
	if (ret)
		return ret;
	ret = pgc_seal_init();
	if (ret)
		pgc_pins_exit();
	return ret;
}

/**
 * pgc_lab_init() - bring the lab up and create its debugfs files
 *
 * Return: 0, -ENOMEM when the injector's counters or the seal's workqueue
 * cannot be allocated, or the error of register_oom_notifier().
 */
int pgc_lab_init(void)
{
	struct dentry *root = pgc_debugfs_root;
	int ret;

	ret = pgc_inject_init();
	if (ret)
		return ret;
	pgc_lab_create(root, pgc_lab_files, ARRAY_SIZE(pgc_lab_files));
	debugfs_create_symlink("checkerboard", root, "fragmentation");
	if (pgc_allow_inject)
		pgc_lab_create(debugfs_create_dir("inject", root),
			       pgc_inject_files, ARRAY_SIZE(pgc_inject_files));
	return 0;
}

/**
 * pgc_lab_exit() - unseal, release every pin and every held allocation
 *
 * Called after the debugfs tree is gone, so no writer can race; the OOM
 * notifier can until it is unregistered, and takes the same locks.
 */
void pgc_lab_exit(void)
{
	if (pgc_allow_inject) {
		mutex_lock(&pgc_inject_lock);
		pgc_inject_release();
		mutex_unlock(&pgc_inject_lock);
		pgc_seal_exit();
		pgc_pins_exit();
	}
	pgc_probes_exit();
}
