// SPDX-License-Identifier: GPL-2.0
/*
 * What the injector pins: the pattern table and the amount.
 *
 * A pattern decides from the pfn alone (and a start's seed) whether a page
 * is pinned, so that blocks taken one after the other agree at their
 * edges and every page given back has a pinned buddy: the free pages stay
 * free but cannot merge.  Each pattern also names the smallest block that
 * holds a whole period of it; a pass takes no smaller block.  A new pattern
 * is one entry in pgc_pattern_types[] plus its pins() function.
 *
 * No locking here: callers hold pgc_inject_lock around the settings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "input.h"
#include "lab.h"

#define PGC_STRIDE_MAX		BIT(MAX_PAGE_ORDER)
#define PGC_RANDOM_MAX		99

static unsigned int pgc_period_one(unsigned int arg)
{
	return 1;
}

/* checkerboard: every even pfn, isolated order-0 holes */
static bool pgc_checker_pins(unsigned int arg, u64 seed, unsigned long pfn)
{
	return !(pfn & 1);
}

/* stride:N: every N-th pfn */
static bool pgc_stride_pins(unsigned int arg, u64 seed, unsigned long pfn)
{
	return pfn % arg == 0;
}

static unsigned int pgc_stride_period(unsigned int arg)
{
	return order_base_2(arg);
}

/* blocks:K: alternate aligned runs of 2^K pages, order-K holes */
static bool pgc_blocks_pins(unsigned int arg, u64 seed, unsigned long pfn)
{
	return (pfn >> arg) & 1;
}

static unsigned int pgc_blocks_period(unsigned int arg)
{
	return arg + 1;
}

/* random:P: each page with probability P%, the same for the same seed */
static bool pgc_random_pins(unsigned int arg, u64 seed, unsigned long pfn)
{
	return hash_64(pfn ^ seed, 32) % 100 < arg;
}

static const struct pgc_pattern_type pgc_pattern_types[] = {
	{ "checkerboard", false, 0, 0, pgc_checker_pins, pgc_period_one },
	{ "stride", true, 2, PGC_STRIDE_MAX, pgc_stride_pins,
	  pgc_stride_period },
	{ "blocks", true, 0, MAX_PAGE_ORDER - 1, pgc_blocks_pins,
	  pgc_blocks_period },
	{ "random", true, 1, PGC_RANDOM_MAX, pgc_random_pins, pgc_period_one },
};

const struct pgc_pattern pgc_pattern_default = {
	.type = &pgc_pattern_types[0],
};

/**
 * pgc_pattern_parse() - read a pattern as written to inject/pattern
 * @s: "NAME" for a pattern without an argument, "NAME:N" for one with
 *     (N decimal or 0x hexadecimal)
 * @p: result, written only on success
 *
 * Return: 0; -EINVAL when malformed or unknown, -ERANGE when N is out of
 * the pattern's range.
 */
int pgc_pattern_parse(const char *s, struct pgc_pattern *p)
{
	const struct pgc_pattern_type *t;
	unsigned long v = 0;
	size_t i, n;
	int ret;

	for (i = 0; i < ARRAY_SIZE(pgc_pattern_types); i++) {
		t = &pgc_pattern_types[i];
		n = str_has_prefix(s, t->name);
		if (!n)
			continue;
		if (!t->has_arg) {
			if (s[n])
				continue;
		} else {
			if (s[n] != ':')
				continue;
			ret = pgc_parse_ulong(s + n + 1, &v);
			if (ret)
				return ret;
			if (v < t->arg_min || v > t->arg_max)
				return -ERANGE;
		}
		p->type = t;
		p->arg = v;
		return 0;
	}
	return -EINVAL;
}

/**
 * pgc_pattern_fmt() - a pattern as inject/pattern reads it back
 * @buf: destination
 * @size: size of @buf
 * @p: the pattern
 *
 * Return: @buf.
 */
const char *pgc_pattern_fmt(char *buf, size_t size,
			    const struct pgc_pattern *p)
{
	if (p->type->has_arg)
		scnprintf(buf, size, "%s:%u", p->type->name, p->arg);
	else
		scnprintf(buf, size, "%s", p->type->name);
	return buf;
}

/**
 * pgc_pattern_print() - pgc_pattern_fmt() into a seq_file
 * @m: the seq_file
 * @p: the pattern
 */
void pgc_pattern_print(struct seq_file *m, const struct pgc_pattern *p)
{
	char buf[32];

	seq_puts(m, pgc_pattern_fmt(buf, sizeof(buf), p));
}

/**
 * pgc_amount_parse() - read an amount as written to inject/amount
 * @s: "PCT%" (1..100, decimal) or a size as memparse() reads it
 *     (at least a page, at most all of memory)
 * @a: result, written only on success
 *
 * Return: 0; -EINVAL when malformed, -ERANGE when out of range.
 */
int pgc_amount_parse(const char *s, struct pgc_amount *a)
{
	size_t len = strlen(s);
	char num[PGC_INPUT_MAX];
	unsigned long pct;
	u64 bytes;
	int ret;

	if (len && s[len - 1] == '%') {
		if (len - 1 >= sizeof(num))
			return -EINVAL;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		ret = pgc_parse_dec(num, &pct);
		if (ret)
			return ret;
		if (pct < 1 || pct > 100)
			return -ERANGE;
		a->percent = true;
		a->val = pct;
		return 0;
	}
	ret = pgc_parse_size(s, &bytes);
	if (ret)
		return ret;
	if (bytes < PAGE_SIZE || bytes > ((u64)totalram_pages() << PAGE_SHIFT))
		return -ERANGE;
	a->percent = false;
	a->val = bytes;
	return 0;
}

/**
 * pgc_amount_print() - an amount as inject/amount reads it back
 * @m: the seq_file
 * @a: the amount, in the largest binary unit that divides it
 */
void pgc_amount_print(struct seq_file *m, const struct pgc_amount *a)
{
	if (a->percent)
		seq_printf(m, "%llu%%", a->val);
	else if (!(a->val & (SZ_1G - 1)))
		seq_printf(m, "%lluG", a->val >> 30);
	else if (!(a->val & (SZ_1M - 1)))
		seq_printf(m, "%lluM", a->val >> 20);
	else if (!(a->val & (SZ_1K - 1)))
		seq_printf(m, "%lluK", a->val >> 10);
	else
		seq_printf(m, "%llu", a->val);
}
