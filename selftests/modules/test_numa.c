// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for per-node pools and placement on a guest with two memory nodes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pgcluster.h>

#include "pgct.h"

const struct pgct_case pgct_numa_cases[] = {
	{ NULL, NULL }
};
