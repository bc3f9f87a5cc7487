// SPDX-License-Identifier: GPL-2.0
/*
 * Host benchmark of module/extent.c: nanoseconds per alloc + free pair in
 * steady state.  A map of one 2 MiB cluster (64 B granules) is filled with
 * live allocations of random size; then each step frees a random live
 * allocation and allocates new ones back up to the target.  The time per
 * pair is the total time over (allocs + frees) / 2, failed allocations
 * included.  CPU time of the thread (the build machine is shared), -O2,
 * no sanitizers.
 *
 *   extent_bench [MIN_BYTES MAX_BYTES LIVE [STEPS]]
 *
 * Without arguments it runs a fixed set of configurations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extent.h"

#define GRANULE		64
#define CLUSTER		(2u << 20)
#define NR_UNITS	(CLUSTER / GRANULE)

static u64 rng_state = 88172645463325252ull;

static u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 32);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static u32 rand_units(u32 min_b, u32 max_b)
{
	u32 b = min_b + rng() % (max_b - min_b + 1);

	return (b + GRANULE - 1) / GRANULE;
}

static void bench(u32 min_b, u32 max_b, u32 live_target, u32 steps)
{
	struct pgc_extent_map map;
	struct pgc_extent *spare = NULL;
	u32 *live = calloc(live_target, sizeof(*live));
	u32 nlive = 0, i, k, fill_fail = 0;
	u64 t0, t1, live_sum = 0, nodes_sum = 0, ops = 0, enospc = 0;
	long s;

	pgc_extent_map_init(&map, NR_UNITS, pgc_extent_node_new(GFP_KERNEL));
	while (nlive < live_target && fill_fail < 1000) {
		if (!spare)
			spare = pgc_extent_node_new(GFP_KERNEL);
		s = pgc_extent_alloc(&map, rand_units(min_b, max_b), &spare);
		if (s < 0)
			fill_fail++;
		else
			live[nlive++] = (u32)s;
	}

	/*
	 * Each step frees a random live allocation, then allocates until
	 * the live count is back at the target or an allocation fails with
	 * -ENOSPC (then the next step frees again).  Spare nodes come from
	 * malloc() outside the timed map calls only in the sense that the
	 * caller does it; it is included in the time, as in the kernel.
	 */
	t0 = now_ns();
	for (i = 0; i < steps; i++) {
		if (nlive) {
			k = rng() % nlive;
			pgc_extent_free(&map, live[k]);
			live[k] = live[--nlive];
			ops++;
		}
		while (nlive < live_target) {
			if (!spare)
				spare = pgc_extent_node_new(GFP_KERNEL);
			s = pgc_extent_alloc(&map, rand_units(min_b, max_b),
					     &spare);
			ops++;
			if (s < 0) {
				enospc++;
				break;
			}
			live[nlive++] = (u32)s;
		}
		live_sum += nlive;
		nodes_sum += map.nr_nodes;
	}
	t1 = now_ns();

	if (pgc_extent_check(&map))
		printf("CHECK FAILED\n");
	printf("%6u-%-7u B  live %6.1f (target %5u)  nodes %7.1f  ",
	       min_b, max_b, (double)live_sum / steps, live_target,
	       (double)nodes_sum / steps);
	printf("%6.1f ns per alloc+free  (%.1f%% of allocs ENOSPC)\n",
	       (double)(t1 - t0) * 2 / ops,
	       100.0 * enospc / (ops - steps + 1));
	pgc_extent_map_destroy(&map);
	pgc_extent_node_put(spare);
	free(live);
}

int main(int argc, char **argv)
{
	if (argc >= 4) {
		bench(strtoul(argv[1], NULL, 0), strtoul(argv[2], NULL, 0),
		      strtoul(argv[3], NULL, 0),
		      argc > 4 ? strtoul(argv[4], NULL, 0) : 2000000);
		return 0;
	}
	printf("2 MiB cluster, %u units of %u B, node %zu B; free random + alloc random\n",
	       NR_UNITS, GRANULE, pgc_extent_node_bytes());
	bench(4096, 131072, 100, 2000000);	/* as asked; cannot all fit */
	bench(4096, 32768, 100, 2000000);
	bench(64, 16384, 100, 2000000);
	bench(64, 2048, 1000, 2000000);
	bench(64, 256, 10000, 2000000);
	return 0;
}
