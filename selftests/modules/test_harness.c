// SPDX-License-Identifier: GPL-2.0
/*
 * Cases that test the harness itself, so that it cannot pass silently.
 * harness_checks passes.  The others are driven: pgcluster_kmod_test runs
 * them, expects the failures they provoke and reads their logs to see that
 * PGCT_EXPECT went on, PGCT_ASSERT stopped and the deferred actions ran,
 * newest first, also after an ASSERT or a skip.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "pgct.h"

static void pgct_h_note(void *arg)
{
	pgct_log("deferred %lu ran", (unsigned long)arg);
}

static int pgct_h_assert_false(void)
{
	PGCT_ASSERT(false, "helper asserts");
	pgct_log("helper went on after ASSERT");
	return PGCT_PASS;
}

/* Passing checks and a released action: the case passes. */
static int pgct_h_checks(void)
{
	int calls = 0;

	PGCT_EXPECT(true, "a true EXPECT failed");
	PGCT_ASSERT(1 + 1 == 2, "a true ASSERT failed");
	PGCT_ASSERT(!pgct_failed(), "true checks marked the case failed");
	PGCT_ASSERT(!pgct_defer(pgct_h_note, (void *)1), "defer");
	PGCT_EXPECT(pgct_release(pgct_h_note, (void *)1), "release");
	PGCT_EXPECT(!pgct_release(pgct_h_note, (void *)1), "released twice");
	PGCT_EXPECT(++calls == 1, "EXPECT evaluated its condition %d times",
		    calls);
	return PGCT_PASS;
}

/* Expected to fail, with "after expect" and both failures in its log. */
static int pgct_h_expect(void)
{
	PGCT_EXPECT(false, "first expected failure");
	PGCT_EXPECT(0 == 1, "second expected failure");
	pgct_log("after expect");
	return PGCT_PASS;
}

/*
 * Expected to fail, "deferred 2" then "deferred 1" in its log after the
 * failure and no "after assert".
 */
static int pgct_h_assert(void)
{
	PGCT_ASSERT(!pgct_defer(pgct_h_note, (void *)1), "defer");
	PGCT_ASSERT(!pgct_defer(pgct_h_note, (void *)2), "defer");
	PGCT_ASSERT(!pgct_defer(pgct_h_note, (void *)3), "defer");
	PGCT_ASSERT(pgct_release(pgct_h_note, (void *)3), "release");
	if (pgct_h_assert_false())
		return PGCT_FAIL;
	pgct_log("after assert");
	return PGCT_PASS;
}

/* Expected to skip, with "deferred 4" in its log and no "after skip". */
static int pgct_h_skip(void)
{
	PGCT_ASSERT(!pgct_defer(pgct_h_note, (void *)4), "defer");
	PGCT_SKIP_IF(true, "on purpose");
	pgct_log("after skip");
	return PGCT_PASS;
}

/* Expected to fail: a failed EXPECT outweighs a later skip. */
static int pgct_h_skip_after_fail(void)
{
	PGCT_EXPECT(false, "expected failure");
	PGCT_SKIP_IF(true, "after a failure");
	return PGCT_PASS;
}

const struct pgct_case pgct_harness_cases[] = {
	{ "harness_checks", pgct_h_checks },
	{ "harness_expect", pgct_h_expect, PGCT_DRIVEN },
	{ "harness_assert", pgct_h_assert, PGCT_DRIVEN },
	{ "harness_skip", pgct_h_skip, PGCT_DRIVEN },
	{ "harness_skip_after_fail", pgct_h_skip_after_fail, PGCT_DRIVEN },
	{ NULL, NULL }
};
