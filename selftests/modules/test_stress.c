// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for concurrent stress of both allocators.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pgcluster.h>

#include "pgct.h"

const struct pgct_case pgct_stress_cases[] = {
	{ NULL, NULL }
};
