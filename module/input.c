// SPDX-License-Identifier: GPL-2.0
/*
 * Strict input parsing for the debugfs files (see input.h for the rules).
 *
 * Numbers are decimal, or hexadecimal with a 0x prefix where the file says
 * so; a leading zero is refused rather than read as octal, and no sign is
 * accepted, because kstrto*() alone takes "+5" and "010".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "input.h"

/**
 * pgc_input_get() - copy one written value from user space
 * @ubuf: user buffer
 * @count: bytes written
 * @ppos: file position of the write; only 0 is accepted
 * @buf: destination
 * @size: size of @buf, at most %PGC_INPUT_MAX is useful
 *
 * Accepts printable ASCII with single inner spaces, optionally ended by one
 * newline, which is dropped.  The value is consumed: the file position
 * moves past it, so a second write on the same open file is refused.
 *
 * Return: 0; -EINVAL when the input is empty, does not fit, is written at a
 * non-zero offset, starts or ends with a space or holds any other byte;
 * -EFAULT on a bad user pointer.
 */
int pgc_input_get(const char __user *ubuf, size_t count, loff_t *ppos,
		  char *buf, size_t size)
{
	size_t len, i;

	if (*ppos || !count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	len = count;
	if (buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!len || buf[0] == ' ' || buf[len - 1] == ' ')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (c < 0x20 || c > 0x7e)
			return -EINVAL;
		if (c == ' ' && buf[i + 1] == ' ')
			return -EINVAL;
	}
	*ppos += count;
	return 0;
}

/**
 * pgc_input_split() - split an input in place at its single spaces
 * @s: string from pgc_input_get()
 * @fields: filled with pointers to the fields
 * @max: size of @fields
 *
 * Return: the number of fields, or -EINVAL when there are more than @max.
 */
int pgc_input_split(char *s, char **fields, unsigned int max)
{
	unsigned int n = 0;
	char *tok;

	while ((tok = strsep(&s, " "))) {
		if (n == max)
			return -EINVAL;
		fields[n++] = tok;
	}
	return n;
}

/* Digits only, and no leading zero unless the number is 0. */
static bool pgc_plain_decimal(const char *s)
{
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (p = s; *p; p++)
		if (!isdigit(*p))
			return false;
	return true;
}

/**
 * pgc_parse_dec() - parse an unsigned decimal integer strictly
 * @s: the string
 * @val: result
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit.
 */
int pgc_parse_dec(const char *s, unsigned long *val)
{
	if (!pgc_plain_decimal(s))
		return -EINVAL;
	return kstrtoul(s, 10, val);
}

/**
 * pgc_parse_ulong() - parse an unsigned integer, decimal or 0x hexadecimal
 * @s: the string
 * @val: result
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit.
 */
int pgc_parse_ulong(const char *s, unsigned long *val)
{
	const char *p;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2])
			return -EINVAL;
		for (p = s + 2; *p; p++)
			if (!isxdigit(*p))
				return -EINVAL;
		return kstrtoul(s + 2, 16, val);
	}
	return pgc_parse_dec(s, val);
}

/**
 * pgc_input_store() - a whole write handed to a parser that applies it
 * @ubuf: the user buffer
 * @count: bytes written
 * @ppos: the file position
 * @store: parses the text and, only when it is valid, applies it
 *
 * pgc_input_get() followed by @store: the body of a write handler.
 *
 * Return: @count, or the error either returned.
 */
ssize_t pgc_input_store(const char __user *ubuf, size_t count, loff_t *ppos,
			int (*store)(char *buf))
{
	char buf[PGC_INPUT_MAX];
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	if (!ret)
		ret = store(buf);
	return ret ? ret : count;
}

/**
 * pgc_input_ulong() - a whole write holding one unsigned integer
 * @ubuf: the user buffer
 * @count: bytes written
 * @ppos: the file position
 * @val: result, decimal or 0x hexadecimal
 *
 * pgc_input_get() followed by pgc_parse_ulong().
 *
 * Return: 0, or the error either returned.
 */
int pgc_input_ulong(const char __user *ubuf, size_t count, loff_t *ppos,
		    unsigned long *val)
{
	char buf[PGC_INPUT_MAX];
	int ret;

	ret = pgc_input_get(ubuf, count, ppos, buf, sizeof(buf));
	return ret ? ret : pgc_parse_ulong(buf, val);
}

/**
 * pgc_parse_u32() - pgc_parse_ulong() for a 32-bit value
 * @s: the string
 * @val: result
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit.
 */
int pgc_parse_u32(const char *s, u32 *val)
{
	unsigned long v;
	int ret;

	ret = pgc_parse_ulong(s, &v);
	if (ret)
		return ret;
	if (v > U32_MAX)
		return -ERANGE;
	*val = v;
	return 0;
}

/**
 * pgc_parse_size() - parse a byte count as memparse() reads it, strictly
 * @s: decimal digits, then optionally one of K, M, G, T, P, E (any case)
 * @bytes: result
 *
 * memparse() itself accepts octal and hex and wraps on overflow, so it only
 * reads the suffix here: the digits are checked and multiplied apart.
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when it does not fit in 64 bits.
 */
int pgc_parse_size(const char *s, u64 *bytes)
{
	char num[PGC_INPUT_MAX], unit[3] = "1";
	size_t len = strlen(s);
	unsigned long long digits, mult;
	char *end;
	int ret;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	if (!isdigit(num[len - 1])) {
		unit[1] = num[len - 1];
		num[--len] = '\0';
	}
	if (!pgc_plain_decimal(num))
		return -EINVAL;
	ret = kstrtoull(num, 10, &digits);
	if (ret)
		return ret;
	mult = memparse(unit, &end);
	if (*end)
		return -EINVAL;
	if (digits > U64_MAX / mult)
		return -ERANGE;
	*bytes = digits * mult;
	return 0;
}

/**
 * pgc_parse_bool() - parse a switch
 * @s: one of 0, 1, y, n, Y, N, on, off (kstrtobool()'s words, whole)
 * @val: result
 *
 * Return: 0 or -EINVAL.
 */
int pgc_parse_bool(const char *s, bool *val)
{
	static const char * const words[] = {
		"0", "1", "n", "y", "N", "Y", "off", "on",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcmp(s, words[i])) {
			*val = i & 1;
			return 0;
		}
	}
	return -EINVAL;
}
