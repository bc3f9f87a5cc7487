// SPDX-License-Identifier: GPL-2.0
/*
 * Defines the pgcluster trace events declared in trace.h.  Only this file
 * compiles the events' bodies, so it alone needs what TP_fast_assign looks
 * up: pgcluster_size() and the lab's pattern names.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/string.h>

#include "internal.h"
#include "lab/lab.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
