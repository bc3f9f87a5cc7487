// SPDX-License-Identifier: GPL-2.0
/*
 * File I/O for the cases that read and set pgcluster's debugfs and sysfs
 * files, as an administrator would, without leaving the kernel.
 *
 * kernel_read() and kernel_write() need ->read_iter and ->write_iter,
 * which sysfs and procfs have and debugfs files do not (the debugfs proxy
 * forwards ->read and ->write only).  For those the data goes through a
 * bounce buffer mapped in the calling process's address space with
 * vm_mmap(), the way lib/test_user_copy.c gets user memory: cases run in
 * the context of the process that wrote their name to "run".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pgct.h"

#define PGCT_IO_MAX	(64 << 10)

struct pgct_bounce {
	void __user *ubuf;
	size_t len;
};

static int pgct_bounce_map(struct pgct_bounce *b, size_t len)
{
	unsigned long addr;

	if (!current->mm)
		return -EOPNOTSUPP;
	b->len = PAGE_ALIGN(len);
	addr = vm_mmap(NULL, 0, b->len, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	b->ubuf = (void __user *)addr;
	return 0;
}

static void pgct_bounce_unmap(struct pgct_bounce *b)
{
	vm_munmap((unsigned long)b->ubuf, b->len);
}

/* ->read through the bounce buffer into @buf; returns bytes or errno. */
static ssize_t pgct_read_bounce(struct file *f, char *buf, size_t len)
{
	struct pgct_bounce b;
	size_t done = 0;
	loff_t pos = 0;
	ssize_t ret;

	ret = pgct_bounce_map(&b, len);
	if (ret)
		return ret;
	while (done < len) {
		ret = f->f_op->read(f, b.ubuf + done, len - done, &pos);
		if (ret <= 0)
			break;
		done += ret;
	}
	if (ret >= 0 && copy_from_user(buf, b.ubuf, done))
		ret = -EFAULT;
	pgct_bounce_unmap(&b);
	return ret < 0 ? ret : done;
}

ssize_t pgct_read_file(const char *path, char *buf, size_t len)
{
	size_t done = 0;
	struct file *f;
	loff_t pos = 0;
	ssize_t ret = 0;

	if (!len || len > PGCT_IO_MAX)
		return -EINVAL;
	buf[0] = '\0';
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (f->f_op->read) {
		ret = pgct_read_bounce(f, buf, len - 1);
		done = ret > 0 ? ret : 0;
	} else {
		while (done < len - 1) {
			ret = kernel_read(f, buf + done, len - 1 - done, &pos);
			if (ret <= 0)
				break;
			done += ret;
		}
	}
	filp_close(f, NULL);
	buf[done] = '\0';
	return ret < 0 ? ret : done;
}

int pgct_write_file(const char *path, const char *val)
{
	size_t len = strlen(val) + 1;
	struct pgct_bounce b;
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;
	char *line;

	if (len > PGCT_IO_MAX)
		return -EINVAL;
	line = kasprintf(GFP_KERNEL, "%s\n", val);
	if (!line)
		return -ENOMEM;
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f)) {
		kfree(line);
		return PTR_ERR(f);
	}
	if (f->f_op->write) {
		ret = pgct_bounce_map(&b, len);
		if (!ret) {
			if (copy_to_user(b.ubuf, line, len))
				ret = -EFAULT;
			else
				ret = f->f_op->write(f, b.ubuf, len, &pos);
			pgct_bounce_unmap(&b);
		}
	} else {
		ret = kernel_write(f, line, len, &pos);
	}
	filp_close(f, NULL);
	kfree(line);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

long long pgct_find_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *line = text;
	long long v;
	char num[24];
	size_t i;

	while (line && *line) {
		if (!strncmp(line, name, n) && line[n] == ' ') {
			for (i = 0; i < sizeof(num) - 1 && line[n + 1 + i] &&
			     line[n + 1 + i] != '\n'; i++)
				num[i] = line[n + 1 + i];
			num[i] = '\0';
			if (kstrtoll(num, 10, &v))
				return -1;
			return v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}
