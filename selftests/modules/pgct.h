/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgcluster_test.ko: in-kernel test cases that use the pgcluster API the way
 * a driver would.  The module exposes /sys/kernel/debug/pgcluster_test/:
 *   list     names of the cases that need no setup (not PGCT_DRIVEN)
 *   run      write a case name: runs it; the write returns the byte count
 *            on pass, -EOPNOTSUPP on skip, -EIO on failure
 *   log      the messages of the last case run
 *   results  one raw line per case run since load: "ok NAME",
 *            "not ok NAME" or "ok NAME # SKIP"
 * selftests/pgcluster_kmod_test drives it and prints TAP.
 *
 * Checks follow KUnit: PGCT_EXPECT() records a failure and the case goes
 * on; PGCT_ASSERT() records it and returns from the calling function, so a
 * helper that asserts returns int and its caller passes a failure on.
 * Cleanup registered with pgct_defer() runs in reverse order when the case
 * ends, whichever way it ends.
 */
#ifndef _PGCT_H
#define _PGCT_H

#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/types.h>

#define PGCT_PASS	0
#define PGCT_SKIP	1
#define PGCT_FAIL	(-1)

/*
 * A driven case needs a script to set the scene (debugfs knobs, a second
 * writer, a long run): it is not in "list", so a plain run of every case
 * skips it, and it runs when its name is written to "run".
 */
#define PGCT_DRIVEN	0x1

struct pgct_case {
	const char *name;
	int (*run)(void);	/* PGCT_PASS, PGCT_SKIP or PGCT_FAIL */
	unsigned int flags;	/* PGCT_DRIVEN */
};

/* Each file provides one table, ended by an entry with a NULL name. */
extern const struct pgct_case pgct_cluster_cases[];
extern const struct pgct_case pgct_emergency_cases[];
extern const struct pgct_case pgct_lab_cases[];
extern const struct pgct_case pgct_gfp_cases[];
extern const struct pgct_case pgct_stress_cases[];
extern const struct pgct_case pgct_numa_cases[];
extern const struct pgct_case pgct_pcp_cases[];
extern const struct pgct_case pgct_harness_cases[];
extern const struct pgct_case pgct_trace_cases[];
extern const struct pgct_case pgct_callers_cases[];

/* Gives back what a lab case keeps across calls (module exit). */
void pgct_lab_exit(void);

/* Appends a line to the log of the running case (and to dmesg). */
__printf(1, 2) void pgct_log(const char *fmt, ...);

/* Records a failed check of the running case; safe from any context. */
__printf(4, 5) void pgct_fail(const char *file, int line, const char *cond,
			      const char *fmt, ...);

/* Counts a check that held, for the case's summary line. */
void pgct_pass(void);

/* True once a check of the running case has failed. */
bool pgct_failed(void);

/*
 * Runs @fn(@arg) when the running case ends, after any later deferred
 * action.  When no memory is left for the record, runs @fn(@arg) at once
 * and returns -ENOMEM, so the caller never leaks (ASSERT on the result).
 */
int pgct_defer(void (*fn)(void *), void *arg);

/* Runs the deferred @fn(@arg) now and forgets it; false if not deferred. */
bool pgct_release(void (*fn)(void *), void *arg);

/* Deferred frees for the usual allocators (the argument may be NULL). */
void pgct_free_action(void *p);		/* pgcluster_free() */
void pgct_kfree_action(void *p);
void pgct_vfree_action(void *p);

/* Counts the check, records a failure when @cond is false; yields @cond. */
#define PGCT_CHECK(cond, fmt, ...)					\
	({								\
		bool __ok = !!(cond);					\
									\
		if (__ok)						\
			pgct_pass();					\
		else							\
			pgct_fail(__FILE__, __LINE__, #cond, fmt,	\
				  ##__VA_ARGS__);			\
		__ok;							\
	})

/* Records a failure of the case when @cond is false; the case goes on. */
#define PGCT_EXPECT(cond, fmt, ...)					\
	((void)PGCT_CHECK(cond, fmt, ##__VA_ARGS__))

/*
 * Records a failure when @cond is false and returns PGCT_FAIL from the
 * calling function: for checks the rest of the case depends on.
 */
#define PGCT_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!PGCT_CHECK(cond, fmt, ##__VA_ARGS__))		\
			return PGCT_FAIL;				\
	} while (0)

/* Records a failure and returns PGCT_FAIL (after the caller's cleanup). */
#define PGCT_FAIL_NOW(fmt, ...)						\
	do {								\
		pgct_fail(__FILE__, __LINE__, "failed", fmt,		\
			  ##__VA_ARGS__);				\
		return PGCT_FAIL;					\
	} while (0)

/* Ends the case as skipped, with a reason in its log, when @cond holds. */
#define PGCT_SKIP_IF(cond, fmt, ...)					\
	do {								\
		if (cond) {						\
			pgct_log(fmt, ##__VA_ARGS__);			\
			return PGCT_SKIP;				\
		}							\
	} while (0)

/* Defers pgcluster_free(@p); asserts that it could be deferred. */
#define PGCT_DEFER_FREE(p)						\
	PGCT_ASSERT(!pgct_defer(pgct_free_action, (void *)(p)),	\
		    "no memory to defer a free")

/* ---- test_io.c: pgcluster's debugfs and sysfs files from a case ---- */

/*
 * Reads the whole of file @path into @buf (NUL-terminated); returns the
 * length or a negative errno.
 */
ssize_t pgct_read_file(const char *path, char *buf, size_t len);

/*
 * Writes @val followed by a newline to @path, as `echo` does; returns 0
 * or the errno of the write.
 */
int pgct_write_file(const char *path, const char *val);

/* Value of the "NAME value" line of @text, or -1 when there is none. */
long long pgct_find_value(const char *text, const char *name);

#endif /* _PGCT_H */
