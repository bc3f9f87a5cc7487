// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for module/extent.c.  The input is a program for one
 * small map:
 *
 *   byte 0-1   nr_units = 1 + (big-endian value % 512)
 *   then ops, one opcode byte each, low two bits select:
 *     0, 1     alloc; next byte a: units = 1 + a % nr_units when bit 2 is
 *              set, else 1 + (a & 15); units = 0 when the opcode is 0xfc or
 *              more; no spare node when bits 3-5 are 110
 *     2        free the (a % live)-th live allocation (a start when none),
 *              after comparing pgc_extent_size() with the model
 *     3        free (or size, when bit 2 is set) an arbitrary unit from the
 *              next two bytes, modulo nr_units + 4 (out of range included);
 *              0xffffffff - a when bits 3-4 are 11
 *
 * After every op the return value must equal the model's, and
 * pgc_extent_check() plus a full comparison with the model must pass;
 * anything else aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <string.h>

#include "extent.h"
#include "model.h"

static void fail(unsigned int op, const char *what, long got, long want)
{
	fprintf(stderr, "extent_fuzz: op %u: %s (got %ld, want %ld)\n", op,
		what, got, want);
	abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct pgc_extent_map map;
	struct pgc_extent *spare = NULL, *none = NULL;
	struct model m;
	const char *why;
	size_t i = 2;
	unsigned int op_nr = 0;
	u32 nr;

	if (size < 2)
		return 0;
	nr = 1 + ((u32)(data[0] << 8 | data[1]) % 512);
	pgc_extent_map_init(&map, nr, pgc_extent_node_new(GFP_KERNEL));
	if (model_init(&m, nr))
		abort();

	while (i < size) {
		u8 op = data[i++];
		u8 a = i < size ? data[i++] : 0;
		long got, want;
		u32 start;

		if (!spare)
			spare = pgc_extent_node_new(GFP_KERNEL);
		switch (op & 3) {
		case 0:
		case 1: {
			u32 units = op & 4 ? 1 + a % nr : 1 + (a & 15);
			bool no_spare = (op & 0x38) == 0x30;

			if (op >= 0xfc)
				units = 0;
			want = model_alloc(&m, units, !no_spare);
			got = pgc_extent_alloc(&map, units,
					       no_spare ? &none : &spare);
			if (none)
				fail(op_nr, "alloc consumed a NULL spare", 0, 0);
			if (got >= 0 && got != want)
				fail(op_nr, "alloc placed differently", got,
				     want);
			break;
		}
		case 2:
			start = m.nr_allocs ? model_nth(&m, a % m.nr_allocs) : a;
			want = model_size(&m, start);
			got = pgc_extent_size(&map, start);
			if (got != want)
				fail(op_nr, "size", got, want);
			want = model_free(&m, start);
			got = pgc_extent_free(&map, start);
			break;
		default:
			start = a;
			if (i < size)
				start |= (u32)data[i++] << 8;
			start %= nr + 4;
			if ((op & 0x18) == 0x18)
				start = 0xffffffffu - a;
			if (op & 4) {
				want = model_size(&m, start);
				got = pgc_extent_size(&map, start);
			} else {
				want = model_free(&m, start);
				got = pgc_extent_free(&map, start);
			}
			break;
		}
		if (got != want)
			fail(op_nr, "return value differs from the model", got,
			     want);
		why = model_compare(&map, &m);
		if (why)
			fail(op_nr, why, 0, 0);
		op_nr++;
	}

	pgc_extent_node_put(spare);
	pgc_extent_map_destroy(&map);
	model_destroy(&m);
	return 0;
}
