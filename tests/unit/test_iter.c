/* SPDX-License-Identifier: MIT */
/*
 * The range iterator (lib/walk/pt_iter.c) on hand-written tables (fake_source.c):
 * exact range sequences and counts computed by hand, contiguity over the
 * whole 64-bit space, and a cross-check of every range against the
 * single-address walker.
 */
#include <errno.h>
#include <stdlib.h>

#include <xenpt/synth.h>
#include <xenpt/walk.h>

#include "fake_source.h"
#include "harness.h"

#define MFN XENPT_SPACE_MFN
#define GFN XENPT_SPACE_GFN
#define INV XENPT_INVALID_FRAME
#define XENPT_ARRAY_SIZE_T(a) (sizeof(a) / sizeof((a)[0]))

#define E(frame, flags) (((uint64_t)(frame) << 12) | (uint64_t)(flags))
#define F_KRN  0x063ull
#define F_USR  0x067ull
#define F_RO   0x065ull
#define F_PSE  0x080ull
#define NX     (1ull << 63)

/* Same PV guest as test_walk.c: va 0xffff888000201234 -> mfn 0x5555. */
static void build_pv(struct fake_source *f)
{
	fake_set64(f, MFN, 0x1000, 273, E(0x1001, F_USR));
	fake_set64(f, MFN, 0x1001, 0, E(0x1002, F_USR));
	fake_set64(f, MFN, 0x1002, 1, E(0x1003, F_USR));
	fake_set64(f, MFN, 0x1003, 1, NX | E(0x5555, F_USR));
	fake_set_m2p(f, 0x5555, 0x7777);
}

static struct xenpt_aspace pv_as(void)
{
	struct xenpt_aspace as = {
		.space = MFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x1000000, .root = 0x1000,
		.pv = true, .nxe = true, .pse = true, .wp = true, .maxphyaddr = 52,
	};
	return as;
}

/* Collect every range of [start, end] (at most @max). */
static size_t collect(struct xenpt_source *src, const struct xenpt_aspace *as, uint64_t start,
		      uint64_t end, struct xenpt_pt_range *out, size_t max)
{
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	size_t n = 0;
	bool done = false;

	CHECK_OK(xenpt_pt_iter_create(src, as, start, end, &it));
	if (test_failed())
		return 0;
	for (;;) {
		struct xenpt_error *err = xenpt_pt_iter_next(it, &r, &done);

		if (err) {
			test_fail(__FILE__, __LINE__, "next: %s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			break;
		}
		if (done)
			break;
		if (n < max)
			out[n] = r;
		n++;
		if (n > 10000000) {
			test_fail(__FILE__, __LINE__, "iterator does not end");
			break;
		}
	}
	xenpt_pt_iter_destroy(it);
	return n;
}

/* Ranges must tile [start, end] exactly. */
static void check_tiling(const struct xenpt_pt_range *r, size_t n, uint64_t start, uint64_t end,
			 int line)
{
	size_t i;

	if (!n) {
		test_fail(__FILE__, line, "no ranges");
		return;
	}
	if (r[0].start != start)
		test_fail(__FILE__, line, "first range starts at 0x%" PRIx64, r[0].start);
	for (i = 0; i < n; i++) {
		if (r[i].end < r[i].start)
			test_fail(__FILE__, line, "range %zu inverted", i);
		if (i && r[i].start != r[i - 1].end + 1) {
			test_fail(__FILE__, line, "gap/overlap before range %zu at 0x%" PRIx64, i,
				  r[i].start);
			return;
		}
	}
	if (r[n - 1].end != end)
		test_fail(__FILE__, line, "last range ends at 0x%" PRIx64, r[n - 1].end);
}

/* Every range agrees with the walker at its first and last VA. */
static void cross_check(struct xenpt_source *src, const struct xenpt_aspace *as,
			const struct xenpt_pt_range *r, size_t n, int line)
{
	size_t i;
	unsigned k;

	for (i = 0; i < n; i++) {
		uint64_t vas[2] = { r[i].start, r[i].end };

		for (k = 0; k < 2; k++) {
			struct xenpt_walk w;
			bool ok;

			CHECK_OK(xenpt_walk_va(src, as, xenpt_va(vas[k]), &w));
			switch (r[i].kind) {
			case XENPT_RANGE_MAPPED:
				ok = w.end == XENPT_WALK_MAPPED && w.end_level == r[i].level &&
				     w.frame == r[i].frame + ((vas[k] >> 12) - (r[i].start >> 12)) &&
				     w.writable == r[i].writable && w.user == r[i].user &&
				     w.nx == r[i].nx;
				break;
			case XENPT_RANGE_HOLE:
				ok = w.end == XENPT_WALK_NOT_PRESENT && w.end_level == r[i].level &&
				     w.steps[w.nsteps - 1].entry == r[i].entry;
				break;
			case XENPT_RANGE_RESERVED:
				ok = w.end == XENPT_WALK_RESERVED && w.end_level == r[i].level;
				break;
			case XENPT_RANGE_DISALLOWED:
				ok = w.end == XENPT_WALK_DISALLOWED && w.end_level == r[i].level &&
				     w.steps[w.nsteps - 1].entry == r[i].entry;
				break;
			case XENPT_RANGE_XEN_SLOT:
				ok = w.end == XENPT_WALK_XEN_SLOT && w.steps[0].index == r[i].index;
				break;
			case XENPT_RANGE_NON_CANONICAL:
				ok = w.end == XENPT_WALK_NON_CANONICAL;
				break;
			case XENPT_RANGE_OUTSIDE_SPACE:
				ok = w.end == XENPT_WALK_OUTSIDE_SPACE;
				break;
			case XENPT_RANGE_UNREADABLE:
				ok = w.end == XENPT_WALK_UNREADABLE && w.end_errno == r[i].err &&
				     (r[i].level == w.end_level + 1 || w.nsteps == 0);
				break;
			case XENPT_RANGE_CYCLE:
				ok = true;   /* the walker follows self maps like hardware */
				break;
			default:
				ok = false;
			}
			if (!ok) {
				test_fail(__FILE__, line,
					  "range %zu [0x%" PRIx64 ", 0x%" PRIx64 "] %s L%u vs walk of 0x%" PRIx64 ": %s L%u",
					  i, r[i].start, r[i].end, xenpt_range_kind_name(r[i].kind),
					  r[i].level, vas[k], xenpt_walk_end_name(w.end), w.end_level);
				return;
			}
		}
	}
}

TEST(range_kind_names)
{
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_MAPPED), "mapped");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_HOLE), "hole");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_NON_CANONICAL), "non_canonical");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_XEN_SLOT), "xen_slot");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_RESERVED), "reserved_bits");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_UNREADABLE), "unreadable");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_CYCLE), "cycle");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_OUTSIDE_SPACE), "outside_address_space");
	CHECK_STR_EQ(xenpt_range_kind_name(XENPT_RANGE_DISALLOWED), "disallowed_flags");
}

TEST(pv_small_range_exact)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range *r = calloc(600, sizeof(*r));
	size_t n, i;

	REQUIRE(r);
	build_pv(f);
	n = collect(fake_src(f), &as, 0xffff888000000000ull, 0xffff888000403fffull, r, 600);
	/* L2[0] hole, L1[0..511] (one mapped), L2[2] hole clipped. */
	REQUIRE(n == 514);
	check_tiling(r, n, 0xffff888000000000ull, 0xffff888000403fffull, __LINE__);
	CHECK_EQ(r[0].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[0].level, 2);
	CHECK_EQ(r[0].table, 0x1002);
	CHECK_EQ(r[0].index, 0);
	CHECK_EQ(r[0].end, 0xffff8880001fffffull);
	CHECK_EQ(r[0].page_size, 0x200000);
	CHECK_EQ(r[1].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[1].level, 1);
	CHECK_EQ(r[1].start, 0xffff888000200000ull);
	CHECK_EQ(r[2].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[2].level, 1);
	CHECK_EQ(r[2].table, 0x1003);
	CHECK_EQ(r[2].index, 1);
	CHECK_EQ(r[2].entry, NX | E(0x5555, F_USR));
	CHECK_EQ(r[2].start, 0xffff888000201000ull);
	CHECK_EQ(r[2].end, 0xffff888000201fffull);
	CHECK_EQ(r[2].frame, 0x5555);
	CHECK_EQ(r[2].page_size, 0x1000);
	CHECK(r[2].writable && r[2].user && r[2].nx);
	for (i = 3; i < 513; i++)
		if (r[i].kind != XENPT_RANGE_HOLE || r[i].level != 1 || r[i].index != i - 1) {
			test_fail(__FILE__, __LINE__, "range %zu: %s L%u idx %u", i,
				  xenpt_range_kind_name(r[i].kind), r[i].level, r[i].index);
			break;
		}
	CHECK_EQ(r[513].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[513].level, 2);
	CHECK_EQ(r[513].index, 2);
	CHECK_EQ(r[513].start, 0xffff888000400000ull);
	CHECK_EQ(r[513].end, 0xffff888000403fffull);
	cross_check(fake_src(f), &as, r, n, __LINE__);
	/* Starting inside a page: the mapped range is clipped, frame follows. */
	n = collect(fake_src(f), &as, 0xffff888000201800ull, 0xffff888000201900ull, r, 600);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[0].start, 0xffff888000201800ull);
	CHECK_EQ(r[0].end, 0xffff888000201900ull);
	CHECK_EQ(r[0].frame, 0x5555);
	free(r);
	fake_destroy(f);
}

TEST(pv_whole_space_counts_and_tiling)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range *r = calloc(4096, sizeof(*r));
	size_t n, i, kinds[8] = { 0 };

	REQUIRE(r);
	build_pv(f);
	fake_set64(f, MFN, 0x1000, 256, E(0xabcde, F_KRN));   /* Xen's */
	n = collect(fake_src(f), &as, 0, UINT64_MAX, r, 4096);
	/*
	 * Lower half: 256 empty L4 slots.  The gap: 1.  Upper half: 16 Xen
	 * slots, slot 272 empty, slot 273: L3[0] -> L2 (L2[0] hole, L2[1] -> 512
	 * L1 ranges, 510 L2 holes) and 511 L3 holes, then slots 274-511 (238).
	 */
	CHECK_EQ(n, 256 + 1 + 16 + 1 + (1 + 512 + 510) + 511 + 238);
	REQUIRE(n <= 4096);
	check_tiling(r, n, 0, UINT64_MAX, __LINE__);
	for (i = 0; i < n; i++)
		kinds[r[i].kind]++;
	CHECK_EQ(kinds[XENPT_RANGE_MAPPED], 1);
	CHECK_EQ(kinds[XENPT_RANGE_NON_CANONICAL], 1);
	CHECK_EQ(kinds[XENPT_RANGE_XEN_SLOT], 16);
	CHECK_EQ(kinds[XENPT_RANGE_HOLE], n - 18);
	CHECK_EQ(r[256].kind, XENPT_RANGE_NON_CANONICAL);
	CHECK_EQ(r[256].start, 0x0000800000000000ull);
	CHECK_EQ(r[256].end, 0xffff7fffffffffffull);
	CHECK_EQ(r[257].kind, XENPT_RANGE_XEN_SLOT);
	CHECK_EQ(r[257].index, 256);
	CHECK_EQ(r[257].entry, E(0xabcde, F_KRN));
	CHECK_EQ(r[257].start, 0xffff800000000000ull);
	CHECK_EQ(r[257].end, 0xffff807fffffffffull);
	CHECK_EQ(r[272].index, 271);
	CHECK_EQ(r[272].end, 0xffff87ffffffffffull);
	CHECK_EQ(r[273].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[273].level, 4);
	CHECK_EQ(r[273].index, 272);
	CHECK_EQ(r[255].end, 0x00007fffffffffffull);
	cross_check(fake_src(f), &as, r, n, __LINE__);
	free(r);
	fake_destroy(f);
}

TEST(reserved_unreadable_and_cycles)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range r[64];
	size_t n;

	build_pv(f);
	fake_set64(f, MFN, 0x1000, 0, E(0x2000, F_USR));
	fake_set64(f, MFN, 0x2000, 0, 0x40000000ull | (1ull << 13) | F_USR | F_PSE); /* rsvd 1G */
	fake_set64(f, MFN, 0x2000, 1, E(0x2001, F_USR));      /* unreadable */
	fake_set64(f, MFN, 0x2000, 2, E(0x1000, F_USR));      /* -> the L4: cycle */
	fake_set64(f, MFN, 0x2000, 3, E(0x2000, F_USR));      /* -> itself: cycle */
	fake_set64(f, MFN, 0x2000, 4, 0x80000000ull | F_RO | F_PSE); /* 1G leaf */
	fake_set_err(f, MFN, 0x2001, EIO);
	fake_set64(f, MFN, 0x1000, 1, E(0x1000, F_USR));      /* L4 self map */
	n = collect(fake_src(f), &as, 0, 0x000000ffffffffffull, r, 64);
	/* L3[0..511] under slot 0 (512), then slot 1 as one cycle range. */
	REQUIRE(n == 513);
	check_tiling(r, n < 64 ? n : 64, 0, r[n < 64 ? n - 1 : 63].end, __LINE__);
	/* 64-bit PV: PSE in an L3 entry is one of the flags Xen never
	 * validates (base_disallow_mask): not a 1G leaf, not followed */
	CHECK_EQ(r[0].kind, XENPT_RANGE_DISALLOWED);
	CHECK_EQ(r[0].level, 3);
	CHECK_EQ(r[0].end, 0x3fffffff);
	CHECK_EQ(r[1].kind, XENPT_RANGE_UNREADABLE);
	CHECK_EQ(r[1].level, 3);
	CHECK_EQ(r[1].table, 0x2000);
	CHECK_EQ(r[1].index, 1);
	CHECK_EQ(r[1].frame, 0x2001);
	CHECK_EQ(r[1].err, EIO);
	CHECK_EQ(r[1].start, 0x40000000);
	CHECK_EQ(r[1].end, 0x7fffffff);
	CHECK_EQ(r[2].kind, XENPT_RANGE_CYCLE);
	CHECK_EQ(r[2].frame, 0x1000);
	CHECK_EQ(r[3].kind, XENPT_RANGE_CYCLE);
	CHECK_EQ(r[3].frame, 0x2000);
	CHECK_EQ(r[4].kind, XENPT_RANGE_DISALLOWED);
	CHECK_EQ(r[4].level, 3);
	CHECK_EQ(r[4].entry, 0x80000000ull | F_RO | F_PSE);
	CHECK_EQ(r[5].kind, XENPT_RANGE_HOLE);
	cross_check(fake_src(f), &as, r, 6, __LINE__);
	/* The same tables read as an HVM guest's (no Xen rules): the bits
	 * below a 1G leaf's alignment are reserved, and PSE makes a leaf. */
	as.pv = false;
	n = collect(fake_src(f), &as, 0, 0x000000ffffffffffull, r, 64);
	CHECK_EQ(r[0].kind, XENPT_RANGE_RESERVED);
	CHECK_EQ(r[0].level, 3);
	CHECK_EQ(r[0].end, 0x3fffffff);
	CHECK_EQ(r[4].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[4].level, 3);
	CHECK_EQ(r[4].page_size, 0x40000000);
	CHECK_EQ(r[4].frame, 0x80000);
	CHECK(!r[4].writable && r[4].user);
	cross_check(fake_src(f), &as, r, 6, __LINE__);
	as.pv = true;
	/* The root itself unreadable: one range for everything. */
	as.root = 0x9999;
	n = collect(fake_src(f), &as, 0x1000, 0xffffffffffffull, r, 64);
	REQUIRE(n == 2);
	CHECK_EQ(r[0].kind, XENPT_RANGE_UNREADABLE);
	CHECK_EQ(r[0].level, 4);
	CHECK_EQ(r[0].frame, 0x9999);
	CHECK_EQ(r[0].err, ENOENT);
	CHECK_EQ(r[0].start, 0x1000);
	CHECK_EQ(r[0].end, 0x00007fffffffffffull);
	CHECK_EQ(r[1].kind, XENPT_RANGE_NON_CANONICAL);
	fake_destroy(f);
}

TEST(last_range_of_the_lower_half)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range r[4];
	size_t n;

	build_pv(f);
	n = collect(fake_src(f), &as, 0x00007ffffffff000ull, 0xffff800000000fffull, r, 4);
	REQUIRE(n == 3);
	CHECK_EQ(r[0].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[0].index, 255);
	CHECK_EQ(r[1].kind, XENPT_RANGE_NON_CANONICAL);
	CHECK_EQ(r[2].kind, XENPT_RANGE_XEN_SLOT);
	CHECK_EQ(r[2].end, 0xffff800000000fffull);
	/* The top of the space ends the iteration. */
	n = collect(fake_src(f), &as, 0xfffffffffffff000ull, UINT64_MAX, r, 4);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[0].end, UINT64_MAX);
	CHECK_ERR(xenpt_pt_iter_create(fake_src(f), &as, 2, 1, &(struct xenpt_pt_iter *){ NULL }),
		  XENPT_ERR_INVALID_ARG);
	fake_destroy(f);
}

TEST(hvm_large_pages_and_5level)
{
	struct fake_source *f = fake_create(FAKE_HVM);
	struct xenpt_aspace as = {
		.space = GFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x100000, .root = 0x100,
		.nxe = true, .wp = true,
	};
	struct xenpt_pt_range r[8];
	size_t n;

	fake_set64(f, GFN, 0x100, 254, E(0x101, F_USR));
	fake_set64(f, GFN, 0x101, 0, E(0x102, F_USR));
	fake_set64(f, GFN, 0x102, 145, 0x40000000ull | (1ull << 12) | F_USR | F_PSE);
	fake_set64(f, GFN, 0x101, 1, NX | 0x1c0000000ull | F_RO | F_PSE);
	n = collect(fake_src(f), &as, 0x7f0012345000ull, 0x7f00523fffffull, r, 8);
	/* 2M (clipped start), L2[146..511] = 366 holes, the 1G page (clipped end). */
	REQUIRE(n == 1 + 366 + 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[0].level, 2);
	CHECK_EQ(r[0].start, 0x7f0012345000ull);
	CHECK_EQ(r[0].end, 0x7f00123fffffull);
	CHECK_EQ(r[0].frame, 0x40145);
	CHECK_EQ(r[0].page_size, 0x200000);
	CHECK(!r[0].nx && r[0].writable);
	CHECK_EQ(r[1].kind, XENPT_RANGE_HOLE);
	CHECK_EQ(r[1].index, 146);

	/* 5-level: va 0xff5f123456789abc = L5 351, L4 36, L3 209, L2 179, L1 393. */
	fake_set64(f, GFN, 0x200, 351, E(0x201, F_KRN));
	fake_set64(f, GFN, 0x201, 36, E(0x202, F_KRN));
	fake_set64(f, GFN, 0x202, 209, E(0x203, F_KRN));
	fake_set64(f, GFN, 0x203, 179, E(0x204, F_KRN));
	fake_set64(f, GFN, 0x204, 393, E(0x9999, F_KRN));
	as.mode = XENPT_PM_5LEVEL;
	as.root = 0x200;
	n = collect(fake_src(f), &as, 0xff5f123456789000ull, 0xff5f123456789fffull, r, 8);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[0].frame, 0x9999);
	CHECK_EQ(r[0].index, 393);
	CHECK_EQ(r[0].table, 0x204);
	/* The 5-level gap is one range. */
	n = collect(fake_src(f), &as, 0x00fffffffffff000ull, 0xff00000000000fffull, r, 8);
	REQUIRE(n == 3);
	CHECK_EQ(r[0].level, 5);
	CHECK_EQ(r[1].kind, XENPT_RANGE_NON_CANONICAL);
	CHECK_EQ(r[1].start, 0x0100000000000000ull);
	CHECK_EQ(r[1].end, 0xfeffffffffffffffull);
	CHECK_EQ(r[2].index, 256);
	fake_destroy(f);
}

TEST(pae_two_level_and_paging_off)
{
	struct fake_source *f = fake_create(FAKE_HVM);
	struct xenpt_aspace pae = {
		.space = GFN, .mode = XENPT_PM_PAE, .cr3 = 0x3fe0, .root = 3, .nxe = true, .wp = true,
	};
	struct xenpt_aspace two = {
		.space = GFN, .mode = XENPT_PM_2LEVEL, .cr3 = 0x10000, .root = 0x10, .pse = true,
		.wp = true,
	};
	struct xenpt_aspace off = { .space = GFN, .mode = XENPT_PM_NONE };
	struct xenpt_pt_range *r = calloc(2048, sizeof(*r));
	size_t n, i, mapped = 0;

	REQUIRE(r);
	/* PAE: PDPT at 0x3fe0; PDPTE 3 -> L2 gfn 4; L2[4] -> L1 gfn 5; L1[1] -> 6. */
	fake_set64(f, GFN, 3, 511, E(4, 0x1));
	fake_set64(f, GFN, 3, 509, 0x2);   /* not present (RW only) */
	fake_set64(f, GFN, 4, 4, E(5, F_USR));
	fake_set64(f, GFN, 4, 5, 0x600000ull | F_KRN | F_PSE);
	fake_set64(f, GFN, 5, 1, E(6, F_USR));
	n = collect(fake_src(f), &pae, 0, UINT64_MAX, r, 2048);
	/* PDPTE 0-2: 3 holes; PDPTE 3: L2[0..3] 4 holes, L2[4]: 512 L1 ranges,
	 * L2[5] a 2M page, L2[6..511] 506 holes; then everything above 4G. */
	CHECK_EQ(n, 3 + 4 + 512 + 1 + 506 + 1);
	REQUIRE(n <= 2048);
	check_tiling(r, n, 0, UINT64_MAX, __LINE__);
	CHECK_EQ(r[0].level, 3);
	CHECK_EQ(r[0].end, 0x3fffffff);
	CHECK_EQ(r[3].level, 2);
	CHECK_EQ(r[8].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[8].start, 0xc0801000);
	CHECK_EQ(r[8].frame, 6);
	CHECK_EQ(r[7 + 512].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[7 + 512].page_size, 0x200000);
	CHECK_EQ(r[7 + 512].start, 0xc0a00000);
	CHECK_EQ(r[7 + 512].frame, 0x600);
	/* 32-bit modes: above 4G is outside the address space, not non-canonical. */
	CHECK_EQ(r[n - 1].kind, XENPT_RANGE_OUTSIDE_SPACE);
	CHECK_EQ(r[n - 1].start, 0x100000000ull);
	CHECK_EQ(r[n - 1].end, UINT64_MAX);
	cross_check(fake_src(f), &pae, r, n, __LINE__);

	/* 2-level: L2[0x301] -> L1 gfn 0x11 (L1[1] mapped); L2[2] a 4M PSE-36 page. */
	fake_set32(f, GFN, 0x10, 0x301, 0x11067);
	fake_set32(f, GFN, 0x11, 1, 0x12345067);
	fake_set32(f, GFN, 0x10, 2, 0x0040a083);
	n = collect(fake_src(f), &two, 0, 0xffffffffull, r, 2048);
	CHECK_EQ(n, 1023 + 1024);
	REQUIRE(n <= 2048);
	check_tiling(r, n, 0, 0xffffffffull, __LINE__);
	CHECK_EQ(r[2].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[2].page_size, 0x400000);
	CHECK_EQ(r[2].frame, 0x500400);
	CHECK_EQ(r[2].start, 0x800000);
	CHECK_EQ(r[0x301 + 1].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[0x301 + 1].level, 1);
	CHECK_EQ(r[0x301 + 1].start, 0xc0401000);
	CHECK_EQ(r[0x301 + 1].frame, 0x12345);
	for (i = 0; i < n; i++)
		mapped += r[i].kind == XENPT_RANGE_MAPPED;
	CHECK_EQ(mapped, 2);
	cross_check(fake_src(f), &two, r, n, __LINE__);

	/* Paging off: one identity range, then everything above 4G. */
	n = collect(fake_src(f), &off, 0x1000, UINT64_MAX, r, 2048);
	REQUIRE(n == 2);
	CHECK_EQ(r[0].kind, XENPT_RANGE_MAPPED);
	CHECK_EQ(r[0].frame, 1);
	CHECK_EQ(r[0].end, 0xffffffffull);
	CHECK_EQ(r[1].kind, XENPT_RANGE_OUTSIDE_SPACE);
	CHECK_EQ(r[1].start, 0x100000000ull);
	free(r);
	fake_destroy(f);
}

TEST(rights_accumulate_over_levels)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range r[8];
	size_t n;

	/* L4[0] NX; L3[0] read-only; L2[0] supervisor; L1[0..1] RW user leaves. */
	fake_set64(f, MFN, 0x1000, 0, NX | E(0x1001, F_USR));
	fake_set64(f, MFN, 0x1001, 0, E(0x1002, F_RO));
	fake_set64(f, MFN, 0x1002, 0, E(0x1003, F_KRN));
	fake_set64(f, MFN, 0x1003, 0, E(0x4000, F_USR));
	/* L3[1] -> L2 with a user RW 2M leaf whose own NX is clear. */
	fake_set64(f, MFN, 0x1001, 1, E(0x1004, F_USR));
	fake_set64(f, MFN, 0x1004, 0, 0x200000ull | F_USR | F_PSE);
	n = collect(fake_src(f), &as, 0, 0x40000fffull, r, 8);
	REQUIRE(n > 4);
	CHECK_EQ(r[0].kind, XENPT_RANGE_MAPPED);
	CHECK(!r[0].writable && !r[0].user && r[0].nx);
	/* Without CR0.WP the kernel may write the supervisor page. */
	as.wp = false;
	n = collect(fake_src(f), &as, 0, 0xfff, r, 8);
	REQUIRE(n == 1);
	CHECK(r[0].writable && !r[0].user && r[0].nx);
	as.wp = true;
	/* A 2M leaf is hardware semantics: a PV guest has none (PSE is in
	 * Xen's disallow mask, see reserved_unreadable_and_cycles) */
	n = collect(fake_src(f), &as, 0x40000000, 0x40000fff, r, 8);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_DISALLOWED);
	as.pv = false;
	n = collect(fake_src(f), &as, 0x40000000, 0x40000fff, r, 8);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].page_size, 0x200000);
	CHECK(r[0].writable && r[0].user && r[0].nx);
	cross_check(fake_src(f), &as, r, n, __LINE__);
	fake_destroy(f);
}

/* L4 0x1000 [0] -> L3 0x1001 [0] -> L2 0x1002 [0..63] -> L1 0x1100+i [i] -> 0x50000+i. */
static void build_64_l1(struct fake_source *f)
{
	unsigned i;

	fake_set64(f, MFN, 0x1000, 0, E(0x1001, F_USR));
	fake_set64(f, MFN, 0x1001, 0, E(0x1002, F_USR));
	for (i = 0; i < 64; i++) {
		fake_set64(f, MFN, 0x1002, i, E(0x1100 + i, F_USR));
		fake_set64(f, MFN, 0x1100 + i, i, E(0x50000 + i, F_USR));
	}
}

TEST(copying_source_prefetches_and_matches)
{
	struct fake_source *fs = fake_create(0);
	struct fake_source *fc = fake_create(FAKE_COPY);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_range *a = calloc(64 * 512 + 512, sizeof(*a));
	struct xenpt_pt_range *b = calloc(64 * 512 + 512, sizeof(*b));
	size_t na, nb, i;

	REQUIRE(a && b);
	build_64_l1(fs);
	build_64_l1(fc);
	na = collect(fake_src(fs), &as, 0, 0x3fffffff, a, 64 * 512 + 512);
	fake_reset_counts(fc);
	nb = collect(fake_src(fc), &as, 0, 0x3fffffff, b, 64 * 512 + 512);
	CHECK_EQ(na, 64 * 512 + 448);
	CHECK_EQ(na, nb);
	for (i = 0; i < na && i < nb; i++)
		if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].kind != b[i].kind ||
		    a[i].level != b[i].level || a[i].table != b[i].table ||
		    a[i].index != b[i].index || a[i].entry != b[i].entry ||
		    a[i].frame != b[i].frame || a[i].page_size != b[i].page_size ||
		    a[i].writable != b[i].writable || a[i].user != b[i].user ||
		    a[i].nx != b[i].nx || a[i].err != b[i].err) {
			test_fail(__FILE__, __LINE__, "range %zu differs", i);
			break;
		}
	/* L4, L3, L2 one read each; the 64 L1s in one prefetch batch. */
	CHECK_EQ(fake_counts(fc)->get_frames_calls, 4);
	CHECK_EQ(fake_counts(fc)->frames_requested, 3 + 64);
	for (i = 0; i < 64; i++) {
		const struct xenpt_pt_range *m = &a[i * 512 + i];

		if (m->kind != XENPT_RANGE_MAPPED || m->frame != 0x50000 + i ||
		    m->start != (i << 21) + (i << 12)) {
			test_fail(__FILE__, __LINE__, "L1 %zu: mapped range wrong", i);
			break;
		}
	}
	free(a);
	free(b);
	fake_destroy(fs);
	fake_destroy(fc);
}

TEST(shared_l1_gigabyte)
{
	/* 1 GiB of 4K pages: all 512 L2 entries name the same L1 table. */
	struct fake_source *f = fake_create(FAKE_COPY);
	struct xenpt_aspace as = pv_as();
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	uint64_t n = 0, bad = 0, expect_va = 0xffff888000000000ull;
	bool done = false;
	unsigned i;

	fake_set64(f, MFN, 0x1000, 273, E(0x1001, F_KRN));
	fake_set64(f, MFN, 0x1001, 0, E(0x1002, F_KRN));
	for (i = 0; i < 512; i++) {
		fake_set64(f, MFN, 0x1002, i, E(0x1003, F_KRN));
		fake_set64(f, MFN, 0x1003, i, NX | E(0x80000 + i, F_KRN));
	}
	fake_reset_counts(f);
	REQUIRE_OK(xenpt_pt_iter_create(fake_src(f), &as, 0xffff888000000000ull,
					0xffff88803fffffffull, &it));
	for (;;) {
		REQUIRE_OK(xenpt_pt_iter_next(it, &r, &done));
		if (done)
			break;
		if (r.kind != XENPT_RANGE_MAPPED || r.start != expect_va ||
		    r.frame != 0x80000 + ((r.start >> 12) & 511) || !r.nx || r.user)
			bad++;
		expect_va = r.end + 1;
		n++;
	}
	/* Calling next() again after the end stays done. */
	REQUIRE_OK(xenpt_pt_iter_next(it, &r, &done));
	CHECK(done);
	xenpt_pt_iter_destroy(it);
	CHECK_EQ(n, 512 * 512);
	CHECK_EQ(bad, 0);
	/* L4, L3, L2 and the shared L1 once: never one read per entry. */
	CHECK_EQ(fake_counts(f)->get_frames_calls, 4);
	fake_destroy(f);
}

static uint64_t fuzz_state;

static uint64_t fuzz_rand(void)
{
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545f4914f6cdd1dull;
}

/*
 * Hostile random tables: 8 table frames whose entries are empty, point at
 * each other (loops of every shape), carry PSE, reserved bits, unknown or
 * unreadable frames.  In random windows the ranges must tile the window,
 * agree with the walker, and nothing may crash or loop (ASan/UBSan run).
 */
TEST(random_hostile_tables)
{
	unsigned round;

	fuzz_state = 0x1234567887654321ull;
	for (round = 0; round < 60; round++) {
		struct fake_source *f = fake_create(round & 1 ? FAKE_COPY : 0);
		struct xenpt_aspace as = pv_as();
		struct xenpt_pt_range *r = calloc(20000, sizeof(*r));
		unsigned t, i, w;

		REQUIRE(r);
		as.pv = round % 3 != 0;
		as.maxphyaddr = round % 4 == 0 ? 40 : 52;
		as.nxe = round % 5 != 0;
		as.mode = round % 7 == 0 ? XENPT_PM_5LEVEL : XENPT_PM_4LEVEL;
		fake_set_err(f, MFN, 0x1007, EIO);
		for (t = 0; t < 8; t++)
			for (i = 0; i < 512; i++) {
				uint64_t x = fuzz_rand(), e;

				switch (x % 10) {
				case 0: case 1: case 2: case 3:
					e = 0;
					break;
				case 4: case 5: case 6:
					e = E(0x1000 + (x >> 8) % 9, (x >> 20) & 0x1e7);
					e |= 1 | ((x >> 30) & 1 ? NX : 0);
					break;
				case 7:
					e = E(0x3000 + ((x >> 8) & 0xfff), F_USR | F_PSE);
					break;
				case 8:
					e = (x & 0xfffffffffffff000ull) | 0x1;
					break;
				default:
					e = x | 1;
				}
				fake_set64(f, MFN, 0x1000 + t, i, e);
			}
		for (w = 0; w < 4; w++) {
			unsigned bits = as.mode == XENPT_PM_5LEVEL ? 56 : 47;
			uint64_t start = fuzz_rand() & ((1ull << bits) - 1) & ~0xfffull;
			uint64_t len = (fuzz_rand() % (64ull << 20)) | 0xfff;

			if (fuzz_rand() & 1)   /* the upper canonical half */
				start |= ~((1ull << bits) - 1);
			uint64_t end = start + len < start ? UINT64_MAX : start + len;
			size_t n = collect(fake_src(f), &as, start, end, r, 20000);

			if (n > 20000) {
				test_fail(__FILE__, __LINE__, "round %u: %zu ranges", round, n);
				continue;
			}
			check_tiling(r, n, start, end, __LINE__);
			cross_check(fake_src(f), &as, r, n, __LINE__);
		}
		free(r);
		fake_destroy(f);
		if (test_failed()) {
			printf("# failed in round %u\n", round);
			return;
		}
	}
}

/* ---- the real xenlab core (64-bit PV Linux 6.1, 128 MiB) ------------------ */

static struct xenpt_source *open_xenlab_core(void)
{
	char path[1024];
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.core", test_build_dir());
	fp = fopen(path, "rb");
	if (!fp) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		return NULL;
	}
	fclose(fp);
	err = xenpt_source_open_core(path, &src);
	if (err) {
		test_fail(__FILE__, __LINE__, "open %s: %s", path, xenpt_error_message(err));
		xenpt_error_destroy(err);
		return NULL;
	}
	return src;
}

struct oracle {
	uint64_t mapped, holes, bytes, tables;
};

/*
 * An independent, deliberately naive count of a 64-bit PV address space:
 * recursion over every table, PSE leaves at L2/L3, Xen's L4 slots skipped.
 */
static void oracle_walk(struct xenpt_source *src, uint64_t frame, unsigned level,
			struct oracle *o)
{
	uint64_t *copy = malloc(4096);
	const uint8_t *page;
	unsigned i;

	if (!copy)
		return;
	if (xenpt_source_get_frame(src, MFN, frame, &page) != NULL) {
		test_fail(__FILE__, __LINE__, "oracle: mfn 0x%" PRIx64 " unreadable", frame);
		free(copy);
		return;
	}
	memcpy(copy, page, 4096);
	o->tables++;
	for (i = 0; i < 512; i++) {
		uint64_t e = copy[i];

		if (level == 4 && i >= 256 && i <= 271)
			continue;
		if (!(e & 1))
			o->holes++;
		else if (level == 1 || ((level == 2 || level == 3) && (e & 0x80))) {
			o->mapped++;
			o->bytes += 1ull << (12 + 9 * (level - 1));
		} else
			oracle_walk(src, (e & 0x000ffffffffff000ull) >> 12, level - 1, o);
	}
	free(copy);
}

TEST(core_whole_kernel_space_against_naive_oracle)
{
	struct xenpt_source *src = open_xenlab_core();
	struct xenpt_aspace as;
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	struct oracle o = { 0 };
	uint64_t kinds[8] = { 0 }, bytes = 0, next = 0, gaps = 0;
	bool done = false;

	if (!src)
		return;
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	oracle_walk(src, as.root, 4, &o);
	REQUIRE_OK(xenpt_pt_iter_create(src, &as, 0, UINT64_MAX, &it));
	for (;;) {
		REQUIRE_OK(xenpt_pt_iter_next(it, &r, &done));
		if (done)
			break;
		if (r.start != next)
			gaps++;
		next = r.end + 1;
		kinds[r.kind]++;
		if (r.kind == XENPT_RANGE_MAPPED)
			bytes += r.end - r.start + 1;
	}
	xenpt_pt_iter_destroy(it);
	CHECK_EQ(gaps, 0);
	CHECK_EQ(next, 0);   /* the last range ended at 2^64 - 1 */
	CHECK(o.mapped > 300000);
	CHECK_EQ(kinds[XENPT_RANGE_MAPPED], o.mapped);
	CHECK_EQ(kinds[XENPT_RANGE_HOLE], o.holes);
	CHECK_EQ(bytes, o.bytes);
	CHECK_EQ(kinds[XENPT_RANGE_XEN_SLOT], 16);
	CHECK_EQ(kinds[XENPT_RANGE_NON_CANONICAL], 1);
	CHECK_EQ(kinds[XENPT_RANGE_RESERVED] + kinds[XENPT_RANGE_UNREADABLE] +
		 kinds[XENPT_RANGE_CYCLE], 0);
	printf("# %" PRIu64 " mapped ranges (%" PRIu64 " MiB), %" PRIu64 " holes, %" PRIu64 " tables\n",
	       o.mapped, o.bytes >> 20, o.holes, o.tables);
	xenpt_source_close(src);
}

TEST(core_direct_map_ranges_are_the_p2m)
{
	struct xenpt_source *src = open_xenlab_core();
	struct xenpt_aspace as;
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	xenpt_gfn_t *pfns;
	xenpt_mfn_t *mfns;
	uint64_t n = 0, bad = 0, pfn;
	bool done = false;

	if (!src)
		return;
	pfns = malloc(0x8000 * sizeof(*pfns));
	mfns = malloc(0x8000 * sizeof(*mfns));
	REQUIRE(pfns && mfns);
	for (pfn = 0; pfn < 0x8000; pfn++)
		pfns[pfn] = xenpt_gfn(pfn);
	REQUIRE_OK(xenpt_source_p2m(src, pfns, 0x8000, mfns));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	REQUIRE_OK(xenpt_pt_iter_create(src, &as, 0xffff888000000000ull, 0xffff888007ffffffull, &it));
	for (;;) {
		REQUIRE_OK(xenpt_pt_iter_next(it, &r, &done));
		if (done)
			break;
		pfn = (r.start - 0xffff888000000000ull) >> 12;
		if (r.kind != XENPT_RANGE_MAPPED || r.level != 1 || pfn >= 0x8000 ||
		    r.frame != xenpt_mfn_x(mfns[pfn]) || r.end != r.start + 0xfff || !r.nx)
			bad++;
		n++;
	}
	xenpt_pt_iter_destroy(it);
	CHECK_EQ(n, 0x8000);
	CHECK_EQ(bad, 0);
	free(pfns);
	free(mfns);
	xenpt_source_close(src);
}

/* ---- the synthetic builder as the oracle ------------------------------------ */

/* Does an entry record of @root cover @va (a hand-written raw entry)? */
static bool covered_by_entry_record(const struct xenpt_synth *s, unsigned root, uint64_t va)
{
	size_t i, n = xenpt_synth_nr_entry_records(s);
	struct xenpt_synth_entry e;

	for (i = 0; i < n; i++) {
		unsigned shift;

		if (!xenpt_synth_entry_record(s, i, &e) || e.root != root)
			continue;
		shift = e.level == 1 ? 12 : 12 + 9 * (e.level - 1);
		if (va >= e.va && va - e.va < (1ull << shift))
			return true;
	}
	return false;
}

/*
 * Every page the builder recorded is found by the walker with the exact
 * frame, size, level, leaf flags and (PV) PFN label; every MAPPED range of
 * the iterator over each root's whole address space is a page the builder
 * says is mapped there, with the same frame; and the number of MAPPED
 * ranges of each root equals the number of recorded pages visible from it.
 */
static void check_against_synth(struct xenpt_synth *s, const char *what)
{
	struct xenpt_source *src = NULL;
	unsigned nroots = xenpt_synth_nr_roots(s), r;
	size_t nmap = xenpt_synth_nr_mappings(s), i;
	uint64_t *expect = calloc(nroots ? nroots : 1, sizeof(*expect));
	uint64_t walked = 0, bad_walk = 0, bad_range = 0, ranges = 0, extra = 0;
	bool pv = xenpt_synth_get_params(s)->kind == XENPT_SYNTH_PV;
	const uint64_t flag_mask = 0xfff0000000000fffull;

	REQUIRE(expect);
	CHECK_OK(xenpt_synth_source(s, &src));
	if (!src) {
		free(expect);
		return;
	}
	for (i = 0; i < nmap; i++) {
		struct xenpt_synth_mapping m;
		struct xenpt_aspace as;
		uint64_t off;

		REQUIRE(xenpt_synth_mapping(s, i, &m));
		xenpt_synth_aspace(s, m.root, &as);
		for (off = 0; off < m.size; off += m.page_size) {
			struct xenpt_synth_page p;
			struct xenpt_walk w;
			uint64_t va = m.va + off + ((off / m.page_size) * 8 & (m.page_size - 1));
			struct xenpt_error *err = xenpt_synth_lookup(s, m.root, xenpt_va(va), &p);

			if (err) {
				xenpt_error_destroy(err);
				continue;   /* replaced by a later mapping */
			}
			walked++;
			CHECK_OK(xenpt_walk_va(src, &as, xenpt_va(va), &w));
			if (w.end != XENPT_WALK_MAPPED || w.frame != p.frame ||
			    w.page_size != p.page_size || w.end_level != p.level ||
			    (w.steps[w.nsteps - 1].entry & flag_mask) != (p.flags & flag_mask) ||
			    (pv && p.gfn != INV && w.frame_other != p.gfn)) {
				if (!bad_walk++)
					printf("# %s: va 0x%" PRIx64 " root %u: walk %s frame 0x%" PRIx64
					       " size 0x%" PRIx64 " L%u pfn 0x%" PRIx64
					       "; builder frame 0x%" PRIx64 " size 0x%" PRIx64 " L%u pfn 0x%" PRIx64 "\n",
					       what, va, m.root, xenpt_walk_end_name(w.end), w.frame,
					       w.page_size, w.end_level, w.frame_other, p.frame,
					       p.page_size, p.level, p.gfn);
			}
			/* Which roots see this page (shares): the expected counts. */
			for (r = 0; r < nroots; r++) {
				struct xenpt_synth_page q;

				err = xenpt_synth_lookup(s, r, xenpt_va(m.va + off), &q);
				if (err)
					xenpt_error_destroy(err);
				else if (q.root == m.root && q.va == m.va + off)
					expect[r]++;
			}
		}
	}
	for (r = 0; r < nroots; r++) {
		struct xenpt_aspace as;
		struct xenpt_pt_iter *it;
		struct xenpt_pt_range rg;
		uint64_t mapped = 0;
		bool done = false;

		xenpt_synth_aspace(s, r, &as);
		CHECK_OK(xenpt_pt_iter_create(src, &as, 0, UINT64_MAX, &it));
		if (test_failed())
			break;
		for (;;) {
			struct xenpt_synth_page p;
			struct xenpt_error *err = xenpt_pt_iter_next(it, &rg, &done);

			if (err) {
				test_fail(__FILE__, __LINE__, "%s: root %u: %s", what, r,
					  xenpt_error_message(err));
				xenpt_error_destroy(err);
				break;
			}
			if (done)
				break;
			ranges++;
			if (rg.kind == XENPT_RANGE_UNREADABLE || rg.kind == XENPT_RANGE_RESERVED ||
			    rg.kind == XENPT_RANGE_CYCLE) {
				if (!covered_by_entry_record(s, r, rg.start) && !bad_range++)
					printf("# %s: root %u: unexpected %s range at 0x%" PRIx64 "\n",
					       what, r, xenpt_range_kind_name(rg.kind), rg.start);
				continue;
			}
			if (rg.kind != XENPT_RANGE_MAPPED)
				continue;
			err = xenpt_synth_lookup(s, r, xenpt_va(rg.start), &p);
			if (err) {
				xenpt_error_destroy(err);
				if (covered_by_entry_record(s, r, rg.start)) {
					extra++;
					continue;
				}
				if (!bad_range++)
					printf("# %s: root %u: range 0x%" PRIx64 " mapped but not by the builder\n",
					       what, r, rg.start);
				continue;
			}
			mapped++;
			if (p.frame != rg.frame || p.page_size != rg.page_size || p.level != rg.level) {
				if (!bad_range++)
					printf("# %s: root %u: range 0x%" PRIx64 ": frame 0x%" PRIx64
					       " size 0x%" PRIx64 " L%u; builder 0x%" PRIx64 " 0x%" PRIx64 " L%u\n",
					       what, r, rg.start, rg.frame, rg.page_size, rg.level, p.frame,
					       p.page_size, p.level);
			}
		}
		xenpt_pt_iter_destroy(it);
		if (mapped != expect[r])
			test_fail(__FILE__, __LINE__, "%s: root %u: %" PRIu64 " mapped ranges, builder %" PRIu64,
				  what, r, mapped, expect[r]);
	}
	CHECK(walked > 0);
	CHECK_EQ(bad_walk, 0);
	CHECK_EQ(bad_range, 0);
	printf("# %s: %u roots, %zu mappings, %" PRIu64 " pages walked, %" PRIu64 " ranges, %" PRIu64 " from raw entries\n",
	       what, nroots, nmap, walked, ranges, extra);
	free(expect);
	xenpt_source_close(src);
}

TEST(synth_pv_linux_layout)
{
	struct xenpt_synth_params p;
	struct xenpt_synth_linux lx;
	struct xenpt_synth *s = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = 0x4000;   /* 64 MiB */
	p.nr_vcpus = 2;
	REQUIRE_OK(xenpt_synth_create(&p, &s));
	CHECK_OK(xenpt_synth_layout_linux(s, &lx));
	if (!test_failed())
		check_against_synth(s, "pv linux layout");
	xenpt_synth_destroy(s);
}

/* An HVM domain in @mode with 4K pages and large pages of every size the mode has. */
static void synth_hvm_mode(enum xenpt_paging_mode mode)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;
	bool wide = mode == XENPT_PM_4LEVEL || mode == XENPT_PM_5LEVEL;
	uint64_t large = mode == XENPT_PM_2LEVEL ? 0x400000 : 0x200000;
	char what[64];

	xenpt_synth_params_init(&p, XENPT_SYNTH_HVM);
	p.mode = mode;
	p.nr_pages = wide ? 0x48000 : 0x8000;   /* 1.125 GiB : 128 MiB */
	REQUIRE_OK(xenpt_synth_create(&p, &s));
	/* 4K: 40 pages at 4 MiB; large: 4 pages at 0x40000000 (or 0x80000000). */
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0x400000), xenpt_gfn(0x100),
				 40 * 4096, 4096, XENPT_PTE_RW | XENPT_PTE_US));
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0x80000000ull),
				 xenpt_gfn(0x2000), 4 * large, large, XENPT_PTE_RW));
	if (wide) {
		uint64_t hi = mode == XENPT_PM_5LEVEL ? 0xff5f000000000000ull : 0xffff888000000000ull;

		CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(hi),
					 xenpt_gfn(0x0), 0x40000000, 0x40000000,
					 XENPT_PTE_RW | XENPT_PTE_NX));
		CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT,
					 xenpt_va(hi + 0x40000000 + 0x1000), xenpt_gfn(0x40123),
					 3 * 4096, 4096, XENPT_PTE_NX));
	}
	snprintf(what, sizeof(what), "hvm %s", xenpt_paging_mode_name(mode));
	if (!test_failed())
		check_against_synth(s, what);
	xenpt_synth_destroy(s);
}

TEST(synth_hvm_2level)
{
	synth_hvm_mode(XENPT_PM_2LEVEL);
}

TEST(synth_hvm_pae)
{
	synth_hvm_mode(XENPT_PM_PAE);
}

TEST(synth_hvm_4level)
{
	synth_hvm_mode(XENPT_PM_4LEVEL);
}

TEST(synth_hvm_5level)
{
	synth_hvm_mode(XENPT_PM_5LEVEL);
}

/* Every tests/fixtures/pv-linux.synth and hvm-*.synth. */
TEST(synth_fixtures)
{
	static const char *const names[] = {
		"pv-linux.synth", "hvm-2level.synth", "hvm-pae.synth", "hvm-4level.synth",
		"hvm-5level.synth", "pv-cycle.synth", "pv-badmfn.synth",
	};
	unsigned i, found = 0;

	for (i = 0; i < XENPT_ARRAY_SIZE_T(names); i++) {
		char path[1024];
		struct xenpt_synth *s = NULL;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), names[i]);
		fp = fopen(path, "rb");
		if (!fp) {
			test_fail(__FILE__, __LINE__, "fixture %s missing", path);
			continue;
		}
		fclose(fp);
		found++;
		CHECK_OK(xenpt_synth_load(path, &s));
		if (s)
			check_against_synth(s, names[i]);
		xenpt_synth_destroy(s);
	}
	(void)found;
}

/* Load a fixture, or NULL with a printed reason when the file is missing. */
static struct xenpt_synth *load_fixture(const char *name)
{
	char path[1024];
	struct xenpt_synth *s = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	fp = fopen(path, "rb");
	if (!fp) {
		test_fail(__FILE__, __LINE__, "fixture %s missing", path);
		return NULL;
	}
	fclose(fp);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

TEST(synth_hostile_cycles)
{
	struct xenpt_synth *s = load_fixture("pv-cycle.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_walk w;
	struct xenpt_pt_range *r;
	size_t n, i, cycles = 0;
	uint64_t root;

	if (!s)
		return;
	r = calloc(4096, sizeof(*r));
	REQUIRE(r);
	REQUIRE_OK(xenpt_synth_source(s, &src));
	xenpt_synth_aspace(s, XENPT_SYNTH_ROOT_DEFAULT, &as);
	root = xenpt_synth_root_frame(s, XENPT_SYNTH_ROOT_DEFAULT);
	CHECK_EQ(as.root, root);
	/* The classic recursive address: L4 slot 493 four times = the L4 itself. */
	REQUIRE_OK(xenpt_walk_va(src, &as, xenpt_va(0xfffff6fb7dbed000ull), &w));
	CHECK_EQ(w.end, XENPT_WALK_MAPPED);
	CHECK_EQ(w.nsteps, 4);
	CHECK_EQ(w.frame, root);
	CHECK(!w.writable);
	for (i = 0; i < w.nsteps; i++) {
		CHECK_EQ(w.steps[i].table, root);
		CHECK_EQ(w.steps[i].index, 493);
	}
	/* L4[1] -> L3 whose entry 0 names the L4: bounded, whatever it reaches. */
	REQUIRE_OK(xenpt_walk_va(src, &as, xenpt_va(0x0000008000000000ull), &w));
	CHECK(w.nsteps <= 4);
	CHECK_EQ(w.steps[1].next, root);
	/* The iterator reports both loops and does not enter them. */
	n = collect(src, &as, 0, UINT64_MAX, r, 4096);
	REQUIRE(n <= 4096);
	check_tiling(r, n, 0, UINT64_MAX, __LINE__);
	for (i = 0; i < n; i++)
		if (r[i].kind == XENPT_RANGE_CYCLE) {
			cycles++;
			CHECK_EQ(r[i].frame, root);
			CHECK(r[i].level == 3 ? r[i].start == 0x0000008000000000ull :
			      r[i].level == 4 && r[i].start == 0xfffff68000000000ull);
		}
	CHECK_EQ(cycles, 2);
	free(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(synth_hostile_bad_mfns)
{
	struct xenpt_synth *s = load_fixture("pv-badmfn.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_walk w;
	struct xenpt_pt_range r[8];
	uint8_t buf[16];
	size_t n;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	xenpt_synth_aspace(s, XENPT_SYNTH_ROOT_DEFAULT, &as);
	/* A leaf naming a frame beyond the host: translated, not labelled. */
	REQUIRE_OK(xenpt_walk_va(src, &as, xenpt_va(0x404123), &w));
	CHECK_EQ(w.end, XENPT_WALK_MAPPED);
	CHECK_EQ(w.frame, 0x7fffff);
	CHECK_EQ(w.frame_other, INV);
	CHECK_ERR_MSG(xenpt_read_va(src, NULL, &as, xenpt_va(0x404123), buf, sizeof(buf)),
		      XENPT_ERR_FAULT, "mfn 0x7fffff");
	/* A table beyond the host: unreadable, ERANGE. */
	REQUIRE_OK(xenpt_walk_va(src, &as, xenpt_va(0x40000000), &w));
	CHECK_EQ(w.end, XENPT_WALK_UNREADABLE);
	CHECK_EQ(w.end_level, 1);
	CHECK_EQ(w.end_errno, ERANGE);
	CHECK_EQ(w.steps[w.nsteps - 1].next, 0x1000000);
	n = collect(src, &as, 0x40000000, 0x401fffff, r, 8);
	REQUIRE(n == 1);
	CHECK_EQ(r[0].kind, XENPT_RANGE_UNREADABLE);
	CHECK_EQ(r[0].level, 2);
	CHECK_EQ(r[0].frame, 0x1000000);
	CHECK_EQ(r[0].err, ERANGE);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}
