// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth: make the N-th fault-injection point of one operation fail, the
 * way Documentation/fault-injection/fault-injection.rst ("Systematic faults
 * using fail-nth") does it.  fail-nth is per task, so the arming, the
 * operation and the read-back all happen here, in this one thread, with
 * every file opened beforehand:
 *
 *   fail_nth N insmod MODULE.ko [PARAMS]   init_module() of the file; when
 *                                          it loaded, delete_module() after
 *                                          (not armed any more)
 *   fail_nth N write FILE DATA             one write() of DATA (no newline)
 *   fail_nth walk FIRST STRIDE insmod MODULE.ko [PARAMS]
 *                                          the insmod for N = FIRST,
 *                                          FIRST + STRIDE, ... until a run
 *                                          passes fewer than N points (one
 *                                          process for the whole walk: an
 *                                          exec costs about as much as a
 *                                          load under TCG)
 *
 * N = 0 runs the operation without arming.  Prints one line per run:
 *
 *   n=N injected=Y|N passed=K errno=0|NAME unload=-|0|NAME left=-|WHAT
 *
 * injected=Y: the N-th point failed during the operation (fail-nth read
 * back 0); N: the operation passed fewer than N points, K of them.  errno
 * is 0 when the operation succeeded, else the name of its errno (ENOMEM);
 * unload is the result of the delete_module() after a successful insmod;
 * left names what of the module is still there after an insmod (and its
 * unload): "sysfs" (/sys/module/NAME), "debugfs" (/sys/kernel/debug/NAME).
 * Exit 0 when the operations ran (whatever their results), 2 on a usage or
 * setup error.  fault_walk.sh drives it.  The fault types (failslab,
 * fail_page_alloc, ...) and their gfp filters are set in debugfs by the
 * caller.  Build it static: the guest has no libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* At most this many runs in one walk. */
#define WALK_MAX	100000

struct op {
	void *image;		/* insmod: the module file */
	size_t len;
	const char *params;
	char name[64];		/* insmod: the module's name */
	int fd;			/* write: the file, opened once */
	const char *data;
};

static int bad_usage(void)
{
	fprintf(stderr,
		"usage: fail_nth N insmod MODULE.ko [PARAMS]\n"
		"       fail_nth N write FILE DATA\n"
		"       fail_nth walk FIRST STRIDE insmod MODULE.ko [PARAMS]\n");
	return 2;
}

static const char *errname(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";

	return name ? name : "?";
}

/* The whole file in memory, or NULL. */
static void *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t off = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0)
		return NULL;
	buf = malloc(st.st_size);
	while (buf && off < (size_t)st.st_size) {
		got = read(fd, buf + off, st.st_size - off);
		if (got <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		off += got;
	}
	close(fd);
	*len = off;
	return buf;
}

/* The module name of @path, as the kernel sees it (rmmod's rule). */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *p;

	snprintf(name, size, "%s", base);
	p = strstr(name, ".ko");
	if (p)
		*p = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int op_setup(struct op *op, int argc, char **argv)
{
	memset(op, 0, sizeof(*op));
	op->fd = -1;
	if (argc >= 2 && argc <= 3 && !strcmp(argv[0], "insmod")) {
		op->image = slurp(argv[1], &op->len);
		if (!op->image) {
			perror(argv[1]);
			return 2;
		}
		op->params = argc == 3 ? argv[2] : "";
		module_name(argv[1], op->name, sizeof(op->name));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[0], "write")) {
		op->fd = open(argv[1], O_WRONLY | O_CLOEXEC);
		if (op->fd < 0) {
			perror(argv[1]);
			return 2;
		}
		op->data = argv[2];
		return 0;
	}
	return bad_usage();
}

/*
 * One run with the N-th point armed; prints its line.  Returns 1 when the
 * fault was injected, 0 when not, -1 on a setup error.
 */
static int run(struct op *op, int ctl, unsigned long n)
{
	char num[32], path[96], left[32] = "";
	const char *unload = "-";
	int rc, err = 0;
	struct stat st;
	long remain;

	/* Armed: nothing but the operation until the read-back. */
	snprintf(num, sizeof(num), "%lu", n);
	if (write(ctl, num, strlen(num)) != (ssize_t)strlen(num)) {
		perror("arm fail-nth");
		return -1;
	}
	if (op->image)
		rc = syscall(SYS_init_module, op->image, op->len, op->params);
	else
		rc = write(op->fd, op->data, strlen(op->data)) ==
		     (ssize_t)strlen(op->data) ? 0 : -1;
	if (rc)
		err = errno ? errno : EIO;	/* EIO: a short write */
	memset(num, 0, sizeof(num));
	if (pread(ctl, num, sizeof(num) - 1, 0) <= 0) {
		perror("read fail-nth");
		return -1;
	}
	remain = strtol(num, NULL, 10);
	/* Disarm, in case the operation passed fewer than N points. */
	if (write(ctl, "0", 1) != 1) {
		perror("disarm fail-nth");
		return -1;
	}

	if (op->image && !rc)
		unload = errname(syscall(SYS_delete_module, op->name,
					 O_NONBLOCK) ? errno : 0);
	if (op->image) {
		snprintf(path, sizeof(path), "/sys/module/%s", op->name);
		if (!stat(path, &st))
			strcat(left, "sysfs");
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", op->name);
		if (!stat(path, &st))
			strcat(left, left[0] ? ",debugfs" : "debugfs");
	}
	printf("n=%lu injected=%c passed=%lu errno=%s unload=%s left=%s\n", n,
	       n && !remain ? 'Y' : 'N', n - remain, errname(err), unload,
	       left[0] ? left : "-");
	fflush(stdout);
	return n && !remain;
}

int main(int argc, char **argv)
{
	unsigned long n, stride = 1, i;
	bool walk = false;
	char path[64], *end;
	struct op op;
	int ctl, ret;

	if (argc >= 2 && !strcmp(argv[1], "walk")) {
		if (argc < 6)
			return bad_usage();
		walk = true;
		stride = strtoul(argv[3], &end, 10);
		if (*end || !stride || strcmp(argv[4], "insmod"))
			return bad_usage();
		argv[3] = argv[2];	/* FIRST where N goes */
		argv += 2;
		argc -= 2;
	}
	if (argc < 4)
		return bad_usage();
	n = strtoul(argv[1], &end, 10);
	if (*end || !*argv[1] || (walk && !n))
		return bad_usage();
	ret = op_setup(&op, argc - 2, argv + 2);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		perror(path);
		return 2;
	}

	for (i = 0; i < (walk ? WALK_MAX : 1); i++, n += stride) {
		ret = run(&op, ctl, n);
		if (ret < 0)
			return 2;
		if (!ret)
			break;
	}
	return 0;
}
