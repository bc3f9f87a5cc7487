// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken module: it WARNs when loaded.  scripts/check.sh
 * boots it through scripts/vm-run.sh and expects the run to FAIL, proving
 * the harness turns kernel reports into test failures.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/bug.h>

static int __init warn_at_load_init(void)
{
	WARN(1, "deliberate warning from the harness self-test\n");
	return 0;
}

static void __exit warn_at_load_exit(void)
{
}

module_init(warn_at_load_init);
module_exit(warn_at_load_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pgcluster harness self-test: WARN at load");
