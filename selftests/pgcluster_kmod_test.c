// SPDX-License-Identifier: GPL-2.0
/*
 * Loads pgcluster.ko (unless already loaded) and pgcluster_test.ko, runs
 * every in-kernel case listed in /sys/kernel/debug/pgcluster_test/list and
 * prints one TAP line per case with the case's log as diagnostics.  The
 * verdict is the case's raw line in pgcluster_test/results, which must
 * agree with what the write to "run" returned.
 *
 * Then it checks the harness itself with the driven harness_* cases: each
 * must end as expected (most fail on purpose) and leave the expected lines
 * in its log, so that EXPECT going on, ASSERT stopping and the deferred
 * cleanup running are proven on every run.
 *
 * Usage: pgcluster_kmod_test [case...]   (default: all cases and the
 * harness checks; "harness" selects the harness checks alone)
 * Environment: PGC_MODDIR (default /pgcluster), PGC_PARAMS (extra
 * pgcluster.ko parameters).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define TESTDIR "/sys/kernel/debug/pgcluster_test"
#define MAX_CASES 256
#define LOG_MAX 16384

static char log_text[LOG_MAX];

static int run_cmd(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

/* Reads the whole of @path into @buf; returns 0 or -1. */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* Reads the log of the last case into log_text and prints it. */
static void print_log(void)
{
	char *line, *next;

	read_text(TESTDIR "/log", log_text, sizeof(log_text));
	for (line = log_text; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next = '\0';
		tap_diag("%s", line);
		if (!next)
			break;
		*next++ = '\n';
	}
}

static int run_case(const char *name)
{
	int fd = open(TESTDIR "/run", O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, name, strlen(name));
	err = n < 0 ? errno : 0;
	close(fd);
	return -err;
}

enum verdict { V_PASS, V_FAIL, V_SKIP, V_NONE };

/* The verdict of the last line of "results", which must name @name. */
static enum verdict last_result(const char *name)
{
	static char buf[32768];
	char want[96], *last;
	size_t len;

	if (read_text(TESTDIR "/results", buf, sizeof(buf)))
		return V_NONE;
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	snprintf(want, sizeof(want), "ok %s # SKIP", name);
	if (!strcmp(last, want))
		return V_SKIP;
	snprintf(want, sizeof(want), "ok %s", name);
	if (!strcmp(last, want))
		return V_PASS;
	snprintf(want, sizeof(want), "not ok %s", name);
	if (!strcmp(last, want))
		return V_FAIL;
	return V_NONE;
}

static enum verdict of_errno(int rc)
{
	if (!rc)
		return V_PASS;
	if (rc == -EOPNOTSUPP)
		return V_SKIP;
	return rc == -EIO ? V_FAIL : V_NONE;
}

/* Runs @name; returns its verdict, V_NONE when the two channels disagree. */
static enum verdict run_and_log(const char *name)
{
	int rc = run_case(name);
	enum verdict v;

	print_log();
	v = last_result(name);
	if (v != of_errno(rc)) {
		tap_diag("%s: run returned %d (%s), results says %d", name, rc,
			 strerror(-rc), v);
		return V_NONE;
	}
	return v;
}

/* The first line of the log that starts with @prefix, or NULL. */
static const char *log_line(const char *prefix)
{
	const char *p;

	for (p = log_text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
	return NULL;
}

/* Lines starting with @a and @b are both in the log, @a first. */
static int log_order(const char *a, const char *b)
{
	const char *pa = log_line(a), *pb = log_line(b);

	return pa && pb && pa < pb;
}

/* Counts the lines of the log that start with @prefix. */
static int log_count(const char *prefix)
{
	const char *p;
	int n = 0;

	for (p = log_text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void harness_checks(void)
{
	enum verdict v;

	v = run_and_log("harness_expect");
	tap_result(v == V_FAIL && log_count("FAIL ") == 2 &&
		   log_order("FAIL ", "after expect") &&
		   log_line("2 checks, 2 failed"),
		   "harness: a failed EXPECT fails the case and the case goes on");

	v = run_and_log("harness_assert");
	tap_result(v == V_FAIL && log_count("FAIL ") == 1 &&
		   !log_line("helper went on after ASSERT") &&
		   !log_line("after assert"),
		   "harness: a failed ASSERT stops the case");
	tap_result(v == V_FAIL && log_order("deferred 3 ran", "FAIL ") &&
		   log_order("FAIL ", "deferred 2 ran") &&
		   log_order("deferred 2 ran", "deferred 1 ran") &&
		   log_count("deferred ") == 3,
		   "harness: deferred cleanup runs after an ASSERT, newest first, once");

	v = run_and_log("harness_skip");
	tap_result(v == V_SKIP && log_line("deferred 4 ran") &&
		   !log_line("after skip"),
		   "harness: SKIP_IF skips the case and deferred cleanup runs");

	v = run_and_log("harness_skip_after_fail");
	tap_result(v == V_FAIL, "harness: a failed EXPECT outweighs a skip");
}

int main(int argc, char **argv)
{
	const char *moddir = getenv("PGC_MODDIR") ?: "/pgcluster";
	const char *params = getenv("PGC_PARAMS") ?: "";
	static char names[MAX_CASES][64];
	int loaded_here = 0, n = 0, i, j, harness = argc < 2;
	char cmd[1024];
	enum verdict v;
	FILE *f;

	tap_header(0);
	if (access("/sys/module/pgcluster", F_OK)) {
		snprintf(cmd, sizeof(cmd), "insmod %s/pgcluster.ko %s", moddir,
			 params);
		if (run_cmd(cmd)) {
			tap_result(0, "load pgcluster.ko");
			return tap_finish();
		}
		loaded_here = 1;
	}
	snprintf(cmd, sizeof(cmd), "insmod %s/pgcluster_test.ko", moddir);
	if (run_cmd(cmd)) {
		tap_result(0, "load pgcluster_test.ko");
		return tap_finish();
	}

	f = fopen(TESTDIR "/list", "r");
	while (f && n < MAX_CASES && fgets(names[n], sizeof(names[n]), f)) {
		names[n][strcspn(names[n], "\n")] = '\0';
		if (names[n][0])
			n++;
	}
	if (f)
		fclose(f);
	tap_result(n > 0, "pgcluster_test lists its cases");

	for (j = 1; j < argc; j++)
		harness |= !strcmp(argv[j], "harness");
	for (i = 0; i < n; i++) {
		int wanted = argc < 2;

		for (j = 1; j < argc; j++)
			wanted |= !strcmp(argv[j], names[i]);
		if (!wanted)
			continue;
		v = run_and_log(names[i]);
		if (v == V_SKIP)
			tap_skip_result(names[i], "skipped by the case");
		else
			tap_result(v == V_PASS, names[i]);
	}
	if (harness)
		harness_checks();
	/* A name asked for that the list does not hold ran nothing. */
	for (j = 1; j < argc; j++) {
		int known = !strcmp(argv[j], "harness");

		for (i = 0; i < n && !known; i++)
			known = !strcmp(argv[j], names[i]);
		if (!known)
			tap_result(0, argv[j]);
	}

	tap_result(run_cmd("rmmod pgcluster_test") == 0, "unload pgcluster_test.ko");
	if (loaded_here)
		tap_result(run_cmd("rmmod pgcluster") == 0, "unload pgcluster.ko");
	return tap_finish();
}
