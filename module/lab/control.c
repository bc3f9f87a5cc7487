// SPDX-License-Identifier: GPL-2.0
/*
 * The injector's files (debugfs inject/, only with allow_inject=1):
 *
 *   pattern  what to pin (patterns.c)
 *   amount   how much of each zone's free memory, or a size
 *   control  start, sweep, release, seal, seal:MS, unseal; reads back the
 *            state: idle, pinned or sealed
 *   status   settings, state, pins per zone, the seal, the last start
 *
 * Every write is parsed completely (input.h) before pgc_inject_lock is
 * taken, so a rejected write changes nothing.  docs/lab.md describes the
 * files for an administrator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "input.h"
#include "lab.h"

static int pgc_pattern_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_inject_lock);
	pgc_pattern_print(m, &pgc_inj.pattern);
	mutex_unlock(&pgc_inject_lock);
	seq_putc(m, '\n');
	return 0;
}

static ssize_t pgc_pattern_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_INPUT_MAX];
	struct pgc_pattern p;
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (!ret)
		ret = pgc_pattern_parse(buf, &p);
	if (ret)
		return ret;
	mutex_lock(&pgc_inject_lock);
	pgc_inj.pattern = p;
	mutex_unlock(&pgc_inject_lock);
	return count;
}

static int pgc_amount_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_inject_lock);
	pgc_amount_print(m, &pgc_inj.amount);
	mutex_unlock(&pgc_inject_lock);
	seq_putc(m, '\n');
	return 0;
}

static ssize_t pgc_amount_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char buf[PGC_INPUT_MAX];
	struct pgc_amount a;
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (!ret)
		ret = pgc_amount_parse(buf, &a);
	if (ret)
		return ret;
	mutex_lock(&pgc_inject_lock);
	pgc_inj.amount = a;
	mutex_unlock(&pgc_inject_lock);
	return count;
}

/* "idle", "pinned" or "sealed" (racy snapshot, no lock) */
static const char *pgc_state_text(void)
{
	if (pgc_seal_on())
		return "sealed";
	return pgc_inject_pages_pinned() ? "pinned" : "idle";
}

static int pgc_control_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", pgc_state_text());
	return 0;
}

enum pgc_control_op {
	PGC_CTL_START,
	PGC_CTL_SWEEP,
	PGC_CTL_RELEASE,
	PGC_CTL_SEAL,
	PGC_CTL_UNSEAL,
};

/* "start", "sweep", "release", "seal", "seal:MS" (decimal) or "unseal". */
static int pgc_control_parse(const char *s, enum pgc_control_op *op,
			     unsigned int *ms)
{
	static const struct {
		const char *word;
		enum pgc_control_op op;
	} words[] = {
		{ "start", PGC_CTL_START },
		{ "sweep", PGC_CTL_SWEEP },
		{ "release", PGC_CTL_RELEASE },
		{ "seal", PGC_CTL_SEAL },
		{ "unseal", PGC_CTL_UNSEAL },
	};
	unsigned long v;
	size_t i, n;
	int ret;

	*ms = PGC_SEAL_MS_DEFAULT;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcmp(s, words[i].word)) {
			*op = words[i].op;
			return 0;
		}
	}
	n = str_has_prefix(s, "seal:");
	if (!n)
		return -EINVAL;
	ret = pgc_parse_dec(s + n, &v);
	if (ret)
		return ret;
	if (v < 1 || v > PGC_SEAL_MS_MAX)
		return -ERANGE;
	*op = PGC_CTL_SEAL;
	*ms = v;
	return 0;
}

static ssize_t pgc_control_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_INPUT_MAX];
	enum pgc_control_op op;
	unsigned int ms;
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (!ret)
		ret = pgc_control_parse(buf, &op, &ms);
	if (ret)
		return ret;

	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	switch (op) {
	case PGC_CTL_START:
		if (pgc_inject_pages_pinned())
			ret = -EBUSY;
		else
			pgc_inject_start();
		break;
	case PGC_CTL_SWEEP:
		ret = pgc_inject_sweep();
		break;
	case PGC_CTL_RELEASE:
		pgc_inject_release();
		break;
	case PGC_CTL_SEAL:
		ret = pgc_seal(ms, false);
		break;
	case PGC_CTL_UNSEAL:
		pgc_unseal(PGC_SEAL_REQUEST);
		break;
	}
	mutex_unlock(&pgc_inject_lock);
	return ret ? ret : count;
}

static int pgc_status_show(struct seq_file *m, void *unused)
{
	unsigned long pinned;

	if (mutex_lock_killable(&pgc_inject_lock))
		return -EINTR;
	pinned = pgc_inject_pages_pinned();
	seq_puts(m, "pattern: ");
	pgc_pattern_print(m, &pgc_inj.pattern);
	seq_puts(m, "\namount: ");
	pgc_amount_print(m, &pgc_inj.amount);
	seq_printf(m, "\nstate: %s\n", pgc_state_text());
	seq_printf(m, "pinned: %lu pages (%lu MiB)\n", pinned,
		   pgc_pages_to_mb(pinned));
	pgc_seal_show(m);
	pgc_pins_show_zones(m);
	pgc_inject_show(m);
	mutex_unlock(&pgc_inject_lock);
	return 0;
}

/* Not DEFINE_SHOW_ATTRIBUTE(): read inside a seal, see PGC_LAB_SEQ_BUF. */
PGC_LAB_FOPS(pgc_pattern, pgc_pattern_write);
PGC_LAB_FOPS(pgc_amount, pgc_amount_write);
PGC_LAB_FOPS(pgc_control, pgc_control_write);
PGC_LAB_FOPS(pgc_status, NULL);
