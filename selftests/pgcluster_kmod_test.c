// SPDX-License-Identifier: GPL-2.0
/*
 * Loads pgcluster.ko (unless already loaded) and pgcluster_test.ko, runs
 * every in-kernel case listed in /sys/kernel/debug/pgcluster_test/list and
 * prints one TAP line per case with the case's log as diagnostics.
 *
 * Usage: pgcluster_kmod_test [case...]   (default: all cases)
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

static int run_cmd(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

static void print_log(void)
{
	char line[512];
	FILE *f = fopen(TESTDIR "/log", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		tap_diag("%s", line);
	}
	fclose(f);
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

int main(int argc, char **argv)
{
	const char *moddir = getenv("PGC_MODDIR") ?: "/pgcluster";
	const char *params = getenv("PGC_PARAMS") ?: "";
	static char names[MAX_CASES][64];
	char cmd[1024];
	int loaded_here = 0, n = 0, i, rc;
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

	for (i = 0; i < n; i++) {
		int wanted = argc < 2, j;

		for (j = 1; j < argc; j++)
			wanted |= !strcmp(argv[j], names[i]);
		if (!wanted)
			continue;
		rc = run_case(names[i]);
		print_log();
		if (rc == -EOPNOTSUPP)
			tap_skip_result(names[i], "skipped by the case");
		else
			tap_result(rc == 0, names[i]);
	}

	tap_result(run_cmd("rmmod pgcluster_test") == 0, "unload pgcluster_test.ko");
	if (loaded_here)
		tap_result(run_cmd("rmmod pgcluster") == 0, "unload pgcluster.ko");
	return tap_finish();
}
