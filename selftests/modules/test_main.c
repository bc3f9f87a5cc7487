// SPDX-License-Identifier: GPL-2.0
/*
 * pgcluster_test.ko: runs the in-kernel test cases on demand through
 * debugfs (see pgct.h), so that a user-space runner can print one TAP line
 * per case.  Cases run one at a time, serialised by a mutex, in the
 * writer's process context.  The state of the running case (its failed
 * checks and its deferred actions) is therefore global; the checks may
 * come from the case's own threads and interrupts as well.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pgcluster.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "pgct.h"

#define PGCT_LOG_SIZE		8192
#define PGCT_RESULTS_SIZE	16384
#define PGCT_NAME_MAX		64

static const struct pgct_case *const pgct_tables[] = {
	pgct_cluster_cases,
	pgct_emergency_cases,
	pgct_lab_cases,
	pgct_gfp_cases,
	pgct_stress_cases,
	pgct_numa_cases,
	pgct_pcp_cases,
	pgct_harness_cases,
	pgct_trace_cases,
	pgct_callers_cases,
};

struct pgct_action {
	struct list_head node;
	void (*fn)(void *arg);
	void *arg;
};

/*
 * pgct_lock: one case at a time.  A case reads files (seq_file locks) while
 * holding it, so the readers of log and results never take it.
 * pgct_state_lock: the log text, the results and the deferred list, which
 * the case's threads and interrupts and the readers may touch while it runs.
 */
static DEFINE_MUTEX(pgct_lock);
static DEFINE_SPINLOCK(pgct_state_lock);
static char *pgct_logbuf;
static size_t pgct_loglen;
static char *pgct_results;
static size_t pgct_resultslen;
static LIST_HEAD(pgct_actions);
static atomic_t pgct_nr_checks;
static atomic_t pgct_nr_failed;
static struct dentry *pgct_dir;

void pgct_log(const char *fmt, ...)
{
	unsigned long flags;
	va_list args;
	int n;

	va_start(args, fmt);
	spin_lock_irqsave(&pgct_state_lock, flags);
	if (pgct_logbuf && pgct_loglen < PGCT_LOG_SIZE - 1) {
		n = vscnprintf(pgct_logbuf + pgct_loglen,
			       PGCT_LOG_SIZE - 1 - pgct_loglen, fmt, args);
		pgct_loglen += n;
		if (pgct_loglen < PGCT_LOG_SIZE - 1)
			pgct_logbuf[pgct_loglen++] = '\n';
		pgct_logbuf[pgct_loglen] = '\0';
	}
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	va_end(args);
	va_start(args, fmt);
	pr_info("%pV\n", &(struct va_format){ .fmt = fmt, .va = &args });
	va_end(args);
}
EXPORT_SYMBOL_GPL(pgct_log);

void pgct_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	atomic_inc(&pgct_nr_checks);
	atomic_inc(&pgct_nr_failed);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pgct_log("FAIL %s:%d: (%s) %pV", kbasename(file), line, cond, &vaf);
	va_end(args);
}

void pgct_pass(void)
{
	atomic_inc(&pgct_nr_checks);
}

bool pgct_failed(void)
{
	return atomic_read(&pgct_nr_failed) > 0;
}

int pgct_defer(void (*fn)(void *), void *arg)
{
	struct pgct_action *a = kmalloc(sizeof(*a), GFP_KERNEL);
	unsigned long flags;

	might_sleep();

	if (!a) {
		fn(arg);
		return -ENOMEM;
	}
	a->fn = fn;
	a->arg = arg;
	spin_lock_irqsave(&pgct_state_lock, flags);
	list_add(&a->node, &pgct_actions);
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	return 0;
}

bool pgct_release(void (*fn)(void *), void *arg)
{
	struct pgct_action *a, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&pgct_state_lock, flags);
	list_for_each_entry(a, &pgct_actions, node) {
		if (a->fn == fn && a->arg == arg) {
			list_del(&a->node);
			found = a;
			break;
		}
	}
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	if (!found)
		return false;
	found->fn(found->arg);
	kfree(found);
	return true;
}

/* Runs what the case deferred, newest first (the list is kept so). */
static void pgct_run_deferred(void)
{
	struct pgct_action *a;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&pgct_state_lock, flags);
		a = list_first_entry_or_null(&pgct_actions, struct pgct_action,
					     node);
		if (a)
			list_del(&a->node);
		spin_unlock_irqrestore(&pgct_state_lock, flags);
		if (!a)
			break;
		a->fn(a->arg);
		kfree(a);
	}
}

void pgct_free_action(void *p)
{
	pgcluster_free(p);
}

void pgct_kfree_action(void *p)
{
	kfree(p);
}

void pgct_vfree_action(void *p)
{
	vfree(p);
}

/* Appends the raw result line; the oldest lines go when the file is full. */
static void pgct_add_result(const char *name, int ret)
{
	char line[PGCT_NAME_MAX + 16];
	size_t n, drop;
	unsigned long flags;
	char *nl;

	n = scnprintf(line, sizeof(line), "%s %s%s\n",
		      ret == PGCT_FAIL ? "not ok" : "ok", name,
		      ret == PGCT_SKIP ? " # SKIP" : "");
	spin_lock_irqsave(&pgct_state_lock, flags);
	while (pgct_resultslen + n >= PGCT_RESULTS_SIZE) {
		nl = memchr(pgct_results, '\n', pgct_resultslen);
		drop = nl ? nl - pgct_results + 1 : pgct_resultslen;
		memmove(pgct_results, pgct_results + drop,
			pgct_resultslen - drop);
		pgct_resultslen -= drop;
	}
	memcpy(pgct_results + pgct_resultslen, line, n);
	pgct_resultslen += n;
	pgct_results[pgct_resultslen] = '\0';
	spin_unlock_irqrestore(&pgct_state_lock, flags);
}

static int pgct_run_case(const struct pgct_case *c)
{
	unsigned long flags;
	int ret, failed;

	spin_lock_irqsave(&pgct_state_lock, flags);
	pgct_loglen = 0;
	pgct_logbuf[0] = '\0';
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	atomic_set(&pgct_nr_checks, 0);
	atomic_set(&pgct_nr_failed, 0);

	pr_info("running %s\n", c->name);
	ret = c->run();
	pgct_run_deferred();
	failed = atomic_read(&pgct_nr_failed);
	/* A failed check fails the case whatever the case returned. */
	if (failed || (ret != PGCT_PASS && ret != PGCT_SKIP))
		ret = PGCT_FAIL;
	/* A skipped case's last log line stays its reason (gfp.sh shows it). */
	if (ret != PGCT_SKIP)
		pgct_log("%d checks, %d failed", atomic_read(&pgct_nr_checks),
			 failed);
	else
		pr_info("%d checks\n", atomic_read(&pgct_nr_checks));
	pr_info("%s: %s\n", c->name, ret == PGCT_PASS ? "pass" :
		ret == PGCT_SKIP ? "skip" : "FAIL");
	pgct_add_result(c->name, ret);
	return ret;
}

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
	unsigned long flags;

	spin_lock_irqsave(&pgct_state_lock, flags);
	seq_puts(m, pgct_logbuf);
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgct_log);

static int pgct_results_show(struct seq_file *m, void *unused)
{
	unsigned long flags;

	spin_lock_irqsave(&pgct_state_lock, flags);
	seq_puts(m, pgct_results);
	spin_unlock_irqrestore(&pgct_state_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pgct_results);

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
	ret = pgct_run_case(c);
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
	pgct_results = kzalloc(PGCT_RESULTS_SIZE, GFP_KERNEL);
	if (!pgct_logbuf || !pgct_results) {
		kfree(pgct_logbuf);
		kfree(pgct_results);
		return -ENOMEM;
	}
	pgct_dir = debugfs_create_dir("pgcluster_test", NULL);
	debugfs_create_file("list", 0444, pgct_dir, NULL, &pgct_list_fops);
	debugfs_create_file("log", 0444, pgct_dir, NULL, &pgct_log_fops);
	debugfs_create_file("results", 0444, pgct_dir, NULL,
			    &pgct_results_fops);
	debugfs_create_file("run", 0200, pgct_dir, NULL, &pgct_run_fops);
	return 0;
}

static void __exit pgct_exit(void)
{
	debugfs_remove_recursive(pgct_dir);
	/* Cases run theirs at the end; anything left came in too late. */
	WARN_ON_ONCE(!list_empty(&pgct_actions));
	pgct_run_deferred();
	pgct_lab_exit();
	kfree(pgct_results);
	kfree(pgct_logbuf);
}

module_init(pgct_init);
module_exit(pgct_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pgcluster in-kernel test cases, driven from debugfs");
