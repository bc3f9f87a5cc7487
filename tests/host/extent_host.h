/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel definitions module/extent.c needs, so that it builds
 * unchanged as a host program for unit tests, fuzzing and benchmarks.
 */
#ifndef _PGC_EXTENT_HOST_H
#define _PGC_EXTENT_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x2u

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME	"pgcluster"
#endif
#ifndef pr_fmt
#define pr_fmt(fmt)	fmt
#endif
#define pr_err(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)

#endif /* _PGC_EXTENT_HOST_H */
