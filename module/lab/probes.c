// SPDX-License-Identifier: GPL-2.0
/*
 * Probes: real requests to the allocators, made from debugfs.
 *
 *   probe            "ORDER [sealed]": one buddy allocation of that order
 *                    (__GFP_NORETRY | __GFP_NOWARN), freed at once
 *   probe_pgcluster  "SIZE [virtok] [hold] [sealed]" or "release": one
 *                    pgcluster_alloc(), freed at once unless "hold" keeps
 *                    it (up to PGC_PROBE_HOLD_MAX, so the pool can be
 *                    filled)
 *
 * "sealed" runs the probe inside a seal of its own (seal.c): seal, ask,
 * unseal, all in one write.  Each buddy probe records the report's verdict
 * for its order from the free lists read just before its allocation, in
 * the same write, because the per-cpu lists may flush into the free lists
 * at any time after it, and the pages on the per-cpu lists just before and
 * after it: an allocation that fails after reclaim drains those lists and
 * tries again, so a probe may be served by pages no sweep could see.
 *
 * pgc_probe_lock serialises the probes, their results and the held
 * allocations, and is held across a probe's seal: it comes before
 * pgc_inject_lock (see seal.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "input.h"
#include "lab.h"

/* The last buddy probe of each order, for the report (pgc_probe_lock). */
struct pgc_probe_seen {
	unsigned long blocks;		/* free blocks of its order, just before */
	unsigned long free_pages;	/* free pages then */
	unsigned long pcp_before;	/* pages on per-cpu lists then */
	unsigned long pcp_after;	/* and just after the allocation */
	bool done, ok, sealed;
};

static DEFINE_MUTEX(pgc_probe_lock);	/* probe results, held allocations */
static struct pgc_probe_seen pgc_probe_seen[PGC_NR_ORDERS];

/**
 * pgc_probes_show_seen() - the report's lines on the last buddy probes
 * @m: the seq_file
 *
 * Context: takes pgc_probe_lock.
 */
void pgc_probes_show_seen(struct seq_file *m)
{
	const struct pgc_probe_seen *p;
	bool any = false;
	unsigned int o;

	seq_puts(m, "\nlast buddy probe of each order, and the verdict for the free lists read\n");
	seq_puts(m, "in the same write, just before its allocation:\n");
	mutex_lock(&pgc_probe_lock);
	for (o = 0; o < PGC_NR_ORDERS; o++) {
		p = &pgc_probe_seen[o];
		if (!p->done)
			continue;
		any = true;
		seq_printf(m, "probe order-%u%s: %s, %lu blocks free just before it: %s; per-cpu lists %lu -> %lu pages\n",
			   o, p->sealed ? ", sealed" : "",
			   p->ok ? "ok" : "FAILED", p->blocks,
			   pgc_verdict(p->blocks, p->free_pages, o),
			   p->pcp_before, p->pcp_after);
	}
	mutex_unlock(&pgc_probe_lock);
	if (!any)
		seq_puts(m, "none yet\n");
}

#define PGC_PROBE_HOLD_MAX	64
#define PGC_PROBE_TEXT		160

static char pgc_probe_text[PGC_PROBE_TEXT] =
	"no probe yet: write an order (0 to the largest buddy order) [sealed]\n";
static char pgc_pgprobe_text[PGC_PROBE_TEXT] =
	"no probe yet: write SIZE [virtok] [hold] [sealed] (e.g. 36K), or release\n";
static void *pgc_held[PGC_PROBE_HOLD_MAX];
static unsigned int pgc_nr_held;

static int pgc_probe_show(struct seq_file *m, void *unused)
{
	mutex_lock(&pgc_probe_lock);
	seq_puts(m, pgc_probe_text);
	mutex_unlock(&pgc_probe_lock);
	return 0;
}

/* "ORDER" or "ORDER sealed" */
static int pgc_probe_parse(char *buf, unsigned long *order, bool *sealed)
{
	char *f[2];
	int n, ret;

	n = pgc_input_split(buf, f, ARRAY_SIZE(f));
	if (n < 0)
		return n;
	*sealed = n == 2;
	if (*sealed && strcmp(f[1], "sealed"))
		return -EINVAL;
	ret = pgc_parse_ulong(f[0], order);
	if (ret)
		return ret;
	return *order > MAX_PAGE_ORDER ? -ERANGE : 0;
}

/* ", sealed" or ", sealed (ended early)" after a sealed probe, else "" */
static const char *pgc_probe_seal_text(bool asked, bool held)
{
	if (!asked)
		return "";
	return held ? ", sealed" : ", sealed (the seal ended early)";
}

static ssize_t pgc_probe_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[PGC_INPUT_MAX], sz[16];
	struct pgc_probe_seen seen = { .done = true };
	unsigned long order, blocks, free_pages;
	struct pgc_probe_seal ps;
	struct page *page;
	bool sealed, held;
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = pgc_probe_parse(buf, &order, &sealed);
	if (ret)
		return ret;

	if (mutex_lock_killable(&pgc_probe_lock))
		return -EINTR;
	ret = pgc_inject_probe_begin(sealed, &ps);
	if (ret) {
		mutex_unlock(&pgc_probe_lock);
		return ret;
	}
	/* the report's view of the free lists this allocation searches */
	pgc_free_lists(order, &seen.blocks, &seen.free_pages, &seen.pcp_before);
	/* A probe only asks: no hard retries, no OOM killer, no warning. */
	page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, order);
	pgc_free_lists(order, &blocks, &free_pages, &seen.pcp_after);
	if (page)
		__free_pages(page, order);
	held = pgc_inject_probe_end(&ps);
	seen.ok = !!page;
	seen.sealed = sealed;
	pgc_probe_seen[order] = seen;
	pgc_fmt_bytes(sz, sizeof(sz), PAGE_SIZE << order);
	if (page)
		scnprintf(pgc_probe_text, sizeof(pgc_probe_text),
			  "buddy order-%lu (%s)%s: ok (pfn %#lx)\n", order, sz,
			  pgc_probe_seal_text(sealed, held),
			  page_to_pfn(page));
	else
		scnprintf(pgc_probe_text, sizeof(pgc_probe_text),
			  "buddy order-%lu (%s)%s: FAILED\n", order, sz,
			  pgc_probe_seal_text(sealed, held));
	mutex_unlock(&pgc_probe_lock);
	return count;
}

static int pgc_pgprobe_show(struct seq_file *m, void *unused)
{
	size_t bytes = 0;
	unsigned int i;

	mutex_lock(&pgc_probe_lock);
	for (i = 0; i < pgc_nr_held; i++)
		bytes += pgcluster_size(pgc_held[i]);
	seq_puts(m, pgc_pgprobe_text);
	seq_printf(m, "held: %u allocations, %zu B\n", pgc_nr_held, bytes);
	mutex_unlock(&pgc_probe_lock);
	return 0;
}

/* Parse "SIZE [virtok] [hold] [sealed]"; each keyword at most once. */
static int pgc_pgprobe_parse(char *buf, u64 *size, unsigned int *flags,
			     bool *hold, bool *sealed)
{
	char *f[4];
	int i, n, ret;

	*flags = 0;
	*hold = false;
	*sealed = false;
	n = pgc_input_split(buf, f, ARRAY_SIZE(f));
	if (n < 0)
		return n;
	ret = pgc_parse_size(f[0], size);
	if (ret)
		return ret;
	for (i = 1; i < n; i++) {
		if (!strcmp(f[i], "virtok") && !*flags)
			*flags = PGCLUSTER_VIRTOK;
		else if (!strcmp(f[i], "hold") && !*hold)
			*hold = true;
		else if (!strcmp(f[i], "sealed") && !*sealed)
			*sealed = true;
		else
			return -EINVAL;
	}
	if (!*size || *size > PGCLUSTER_MAX_SIZE)
		return -ERANGE;
	return 0;
}

static void pgc_pgprobe_release(void)
{
	while (pgc_nr_held)
		pgcluster_free(pgc_held[--pgc_nr_held]);
}

static ssize_t pgc_pgprobe_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[PGC_INPUT_MAX], how[40];
	struct pgc_probe_seal ps;
	bool hold, sealed, held;
	unsigned int flags, n;
	size_t usable;
	u64 size;
	void *p;
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strcmp(buf, "release")) {
		mutex_lock(&pgc_probe_lock);
		n = pgc_nr_held;
		pgc_pgprobe_release();
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "released %u held allocations\n", n);
		mutex_unlock(&pgc_probe_lock);
		return count;
	}
	ret = pgc_pgprobe_parse(buf, &size, &flags, &hold, &sealed);
	if (ret)
		return ret;

	if (mutex_lock_killable(&pgc_probe_lock))
		return -EINTR;
	if (hold && pgc_nr_held == PGC_PROBE_HOLD_MAX) {
		mutex_unlock(&pgc_probe_lock);
		return -ENOSPC;
	}
	ret = pgc_inject_probe_begin(sealed, &ps);
	if (ret) {
		mutex_unlock(&pgc_probe_lock);
		return ret;
	}
	p = pgcluster_alloc(size, GFP_KERNEL | __GFP_NOWARN, flags);
	held = pgc_inject_probe_end(&ps);
	scnprintf(how, sizeof(how), "%s%s", hold && p ? ", held" : "",
		  pgc_probe_seal_text(sealed, held));
	if (!p) {
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: FAILED%s\n", size, how);
	} else if (pgcluster_is_virtual(p)) {
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: virtual (emergency), usable %zu B%s\n",
			  size, pgcluster_size(p), how);
	} else {
		usable = pgcluster_size(p);
		scnprintf(pgc_pgprobe_text, sizeof(pgc_pgprobe_text),
			  "%llu B: contiguous, pfn %#lx-%#lx, usable %zu B%s\n",
			  size, page_to_pfn(virt_to_page(p)),
			  page_to_pfn(virt_to_page((char *)p + usable - 1)), usable,
			  how);
	}
	if (p && hold)
		pgc_held[pgc_nr_held++] = p;
	else
		pgcluster_free(p);
	mutex_unlock(&pgc_probe_lock);
	return count;
}

PGC_LAB_FOPS(pgc_probe, pgc_probe_write);
PGC_LAB_FOPS(pgc_pgprobe, pgc_pgprobe_write);

/**
 * pgc_probes_exit() - free what probe_pgcluster still holds
 *
 * Context: after the debugfs files are gone, before the allocators go down.
 */
void pgc_probes_exit(void)
{
	mutex_lock(&pgc_probe_lock);
	pgc_pgprobe_release();
	mutex_unlock(&pgc_probe_lock);
}
