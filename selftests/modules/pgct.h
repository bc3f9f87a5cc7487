/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgcluster_test.ko: in-kernel test cases that use the pgcluster API the way
 * a driver would.  The module exposes /sys/kernel/debug/pgcluster_test/:
 *   list  names of the cases that need no setup (not PGCT_DRIVEN), one per line
 *   run   write a case name: runs it; the write returns the byte count on
 *         pass, -EOPNOTSUPP on skip, -EIO on failure
 *   log   the messages of the last case run
 * selftests/pgcluster_kmod_test drives it and prints TAP.
 */
#ifndef _PGCT_H
#define _PGCT_H

#include <linux/types.h>
#include <linux/printk.h>

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

/* Gives back what a lab case keeps across calls (module exit). */
void pgct_lab_exit(void);

/* Appends a line to the log of the running case (and to dmesg). */
__printf(1, 2) void pgct_log(const char *fmt, ...);

/* Fail the running case with a message when @cond is false. */
#define PGCT_EXPECT(cond, fmt, ...)					\
	do {								\
		if (!(cond)) {						\
			pgct_log("FAIL %s:%d: (%s) " fmt, __FILE__,	\
				 __LINE__, #cond, ##__VA_ARGS__);	\
			return PGCT_FAIL;				\
		}							\
	} while (0)

#endif /* _PGCT_H */
