/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 output for the pgcluster selftests (kselftest conventions:
 * "ok N name", "not ok N name", "ok N name # SKIP reason", exit 4 when
 * everything was skipped).  Header-only so each program stays one file.
 */
#ifndef PGC_TAP_H
#define PGC_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TAP_EXIT_PASS	0
#define TAP_EXIT_FAIL	1
#define TAP_EXIT_SKIP	4

static int tap_n, tap_pass, tap_fail, tap_skip;

static inline void tap_header(int planned)
{
	printf("TAP version 13\n");
	if (planned > 0)
		printf("1..%d\n", planned);
	fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void tap_result(int ok, const char *name)
{
	tap_n++;
	if (ok)
		tap_pass++;
	else
		tap_fail++;
	printf("%sok %d %s\n", ok ? "" : "not ", tap_n, name);
	fflush(stdout);
}

static inline void tap_skip_result(const char *name, const char *why)
{
	tap_n++;
	tap_skip++;
	printf("ok %d %s # SKIP %s\n", tap_n, name, why);
	fflush(stdout);
}

static inline int tap_finish(void)
{
	if (tap_n == 0 || tap_skip == tap_n)
		return TAP_EXIT_SKIP;
	printf("# Totals: pass:%d fail:%d skip:%d\n", tap_pass, tap_fail,
	       tap_skip);
	fflush(stdout);
	return tap_fail ? TAP_EXIT_FAIL : TAP_EXIT_PASS;
}

#endif /* PGC_TAP_H */
