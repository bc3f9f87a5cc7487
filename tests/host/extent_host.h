/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel definitions module/extent.c needs, so that it builds
 * unchanged as a host program for unit tests, fuzzing and benchmarks.  The
 * rbtree and the basic types come from a kernel source tree's tools/include
 * (user-space copies of the kernel headers; see the Makefile), so the host
 * build runs the kernel's own rbtree code rather than a stand-in.
 */
#ifndef _PGC_EXTENT_HOST_H
#define _PGC_EXTENT_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* gfp_t, GFP_KERNEL, u32 and friends, likely() */
#include <linux/compiler.h>
#include <linux/rbtree.h>
#include <linux/types.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME	"pgcluster"
#endif
#ifndef pr_fmt
#define pr_fmt(fmt)	fmt
#endif
#define pr_err(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)

#endif /* _PGC_EXTENT_HOST_H */
