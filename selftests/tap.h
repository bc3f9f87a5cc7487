/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 output for the pgcluster selftests (kselftest conventions:
 * "ok N name", "not ok N name", "ok N name # SKIP reason", exit 4 when
 * everything was skipped).  Header-only so each program stays one file.
 *
 * The plan is computed: tap_header(0) prints none and tap_finish() prints
 * "1..N" after the last result, which TAP allows; a program that knows its
 * count up front passes it to tap_header() instead.
 */
#ifndef PGC_TAP_H
#define PGC_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TAP_EXIT_PASS	0
#define TAP_EXIT_FAIL	1
#define TAP_EXIT_SKIP	4

static int tap_n, tap_pass, tap_fail, tap_skip, tap_planned;

static inline void tap_header(int planned)
{
	printf("TAP version 13\n");
	tap_planned = planned > 0;
	if (tap_planned)
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

/* The whole program is skipped: an empty plan with the reason. */
static inline int tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	return TAP_EXIT_SKIP;
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
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	if (tap_n == 0 || tap_skip == tap_n) {
		fflush(stdout);
		return TAP_EXIT_SKIP;
	}
	printf("# Totals: pass:%d fail:%d skip:%d\n", tap_pass, tap_fail,
	       tap_skip);
	fflush(stdout);
	return tap_fail ? TAP_EXIT_FAIL : TAP_EXIT_PASS;
}

#endif /* PGC_TAP_H */
