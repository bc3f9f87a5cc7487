// SPDX-License-Identifier: GPL-2.0
/*
 * pgcluster_test.ko: runs the in-kernel test cases of the cluster,
 * emergency and lab files on demand through debugfs (see pgct.h), so that a
 * user-space runner can print one TAP line per case.  Cases run one at a
 * time, serialised by a mutex, in the writer's process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/slab.h>

#include "pgct.h"

#define PGCT_LOG_SIZE	8192
#define PGCT_NAME_MAX	64

static const struct pgct_case *const pgct_tables[] = {
	pgct_cluster_cases,
	pgct_emergency_cases,
	pgct_lab_cases,
	pgct_gfp_cases,
	pgct_stress_cases,
	pgct_numa_cases,
};

static DEFINE_MUTEX(pgct_lock);		/* one case at a time; guards log */
static char *pgct_logbuf;
static size_t pgct_loglen;
static struct dentry *pgct_dir;

void pgct_log(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	if (pgct_logbuf && pgct_loglen < PGCT_LOG_SIZE - 1) {
		n = vscnprintf(pgct_logbuf + pgct_loglen,
			       PGCT_LOG_SIZE - 1 - pgct_loglen, fmt, args);
		pgct_loglen += n;
		if (pgct_loglen < PGCT_LOG_SIZE - 1)
			pgct_logbuf[pgct_loglen++] = '\n';
		pgct_logbuf[pgct_loglen] = '\0';
	}
	va_end(args);
	va_start(args, fmt);
	pr_info("%pV\n", &(struct va_format){ .fmt = fmt, .va = &args });
	va_end(args);
}
EXPORT_SYMBOL_GPL(pgct_log);

static const struct pgct_case *pgct_find(const char *name)
{
	const struct pgct_case *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(pgct_tables); i++)
		for (c = pgct_tables[i]; c->name; c++)
			if (!strcmp(c->name, name))
				return c;
	return NULL;
}

static int pgct_list_show(struct seq_file *m, void *unused)
{
	const struct pgct_case *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(pgct_tables); i++)
		for (c = pgct_tables[i]; c->name; c++)
			if (!(c->flags & PGCT_DRIVEN))
				seq_printf(m, "%s\n", c->name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgct_list);

static int pgct_log_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgct_lock);
	seq_puts(m, pgct_logbuf);
	mutex_unlock(&pgct_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgct_log);

static ssize_t pgct_run_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	const struct pgct_case *c;
	char name[PGCT_NAME_MAX];
	int ret;

	if (!len || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	c = pgct_find(strim(name));
	if (!c)
		return -ENOENT;

	mutex_lock(&pgct_lock);
	pgct_loglen = 0;
	pgct_logbuf[0] = '\0';
	pr_info("running %s\n", c->name);
	ret = c->run();
	pr_info("%s: %s\n", c->name, ret == PGCT_PASS ? "pass" :
		ret == PGCT_SKIP ? "skip" : "FAIL");
	mutex_unlock(&pgct_lock);

	if (ret == PGCT_PASS)
		return len;
	return ret == PGCT_SKIP ? -EOPNOTSUPP : -EIO;
}

static const struct file_operations pgct_run_fops = {
	.owner = THIS_MODULE,
	.write = pgct_run_write,
	.llseek = noop_llseek,
};

static int __init pgct_init(void)
{
	pgct_logbuf = kzalloc(PGCT_LOG_SIZE, GFP_KERNEL);
	if (!pgct_logbuf)
		return -ENOMEM;
	pgct_dir = debugfs_create_dir("pgcluster_test", NULL);
	debugfs_create_file("list", 0444, pgct_dir, NULL, &pgct_list_fops);
	debugfs_create_file("log", 0444, pgct_dir, NULL, &pgct_log_fops);
	debugfs_create_file("run", 0200, pgct_dir, NULL, &pgct_run_fops);
	return 0;
}

static void __exit pgct_exit(void)
{
	debugfs_remove_recursive(pgct_dir);
	pgct_lab_exit();
	kfree(pgct_logbuf);
}

module_init(pgct_init);
module_exit(pgct_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pgcluster in-kernel test cases, driven from debugfs");
