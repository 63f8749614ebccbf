/* SPDX-License-Identifier: MIT */
/*
 * Tests of the PV MMU model (lib/xen/pvmm.c).  Every expected value is
 * derived by hand from Xen 4.17's code (xen/arch/x86/mm.c, pv/mm.h,
 * pv/ro-page-fault.c), never from the model: the comment above each check
 * says which rule gives it.  Counts: a domain's frame starts with general
 * count 1 (PGC_allocated); each present validated entry holds +1 general
 * (+1 type for a child, an RW L1 mapping or a linear entry), each pin and
 * each vCPU root +1 general +1 type.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "xen/pvmm.h"

#include "harness.h"

#define P   0x1ull
#define RW  0x2ull
#define US  0x4ull
#define PWT 0x8ull
#define PCD 0x10ull
#define ACC 0x20ull
#define DIR 0x40ull
#define PSE 0x80ull
#define GLB 0x100ull
#define GK  (1ull << 52)
#define NX  (1ull << 63)
#define E(mfn, fl) (((uint64_t)(mfn) << 12) | (fl))

/* The test world: domain 1 (a domU) owns 0x1000-0x103f, domain 0 (dom0,
 * I/O capable) owns 0x2000-0x200f, 0x50 is I/O memory (DOMID_IO). */
enum {
	A = 0x1000, B, C, D, DATA_E, DATA_F, D2, D3,   /* L4, L3, L2, L1, data, data */
	G = 0x1010, H, N, N2,                          /* more L4s */
	C2 = 0x1020, D4, C3,
	Z0 = 0x2000, Z1,
	IO = 0x50,
};

#define SELF PVMM_DOMID_SELF

static struct pvmm *world(void)
{
	struct pvmm *m = pvmm_new();

	if (!m)
		return NULL;
	if (pvmm_add_domain(m, 0, 1, true) || pvmm_add_domain(m, 1, 2, false))
		goto fail;
	for (uint64_t f = 0x1000; f < 0x1040; f++)
		if (pvmm_add_frame(m, f, 1))
			goto fail;
	for (uint64_t f = 0x2000; f < 0x2010; f++)
		if (pvmm_add_frame(m, f, 0))
			goto fail;
	if (pvmm_add_frame(m, IO, PVMM_DOMID_IO))
		goto fail;
	return m;
fail:
	pvmm_free(m);
	return NULL;
}

/* A -> B -> C -> D, D[0] = RW map of DATA_E, D[1] = RO map of DATA_F, raw. */
static int hierarchy(struct pvmm *m)
{
	return pvmm_set_entry_raw(m, A, 0, E(B, 0x63)) | pvmm_set_entry_raw(m, B, 0, E(C, 0x63)) |
	       pvmm_set_entry_raw(m, C, 0, E(D, 0x63)) |
	       pvmm_set_entry_raw(m, D, 0, E(DATA_E, 0x63)) |
	       pvmm_set_entry_raw(m, D, 1, E(DATA_F, 0x21));
}

static int mmu(struct pvmm *m, uint16_t dom, uint64_t mfn, unsigned idx, uint64_t val)
{
	return pvmm_mmu_update(m, dom, 0, mfn << 12 | idx * 8, val, SELF);
}

static int ext(struct pvmm *m, uint16_t dom, unsigned cmd, uint64_t arg1, uint64_t arg2)
{
	struct pvmm_mmuext_op op = { .cmd = cmd, .arg1 = arg1, .arg2 = arg2 };

	return pvmm_mmuext_op(m, dom, 0, &op, SELF);
}

#define CHECK_FRAME(m, mfn, type_, tc, cnt, val, pin)                          \
	do {                                                                   \
		struct pvmm_frame_info i_;                                     \
		REQUIRE(pvmm_frame((m), (mfn), &i_));                          \
		CHECK_STR_EQ(pvmm_type_name(i_.type), pvmm_type_name(type_));  \
		CHECK_EQ(i_.type_count, (tc));                                 \
		CHECK_EQ(i_.count, (cnt));                                     \
		CHECK_EQ(i_.validated, (val));                                 \
		CHECK_EQ(i_.pinned, (pin));                                    \
	} while (0)

#define CHECK_LINEAR(m, mfn, n)                                                \
	do {                                                                   \
		struct pvmm_frame_info i_;                                     \
		REQUIRE(pvmm_frame((m), (mfn), &i_));                          \
		CHECK_EQ((int64_t)i_.linear, (int64_t)(n));                    \
	} while (0)

#define CHECK_REASON(m, substr)                                                \
	do {                                                                   \
		if (!strstr(pvmm_reason(m), (substr)))                         \
			test_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"", \
				  pvmm_reason(m), (substr));                   \
	} while (0)

/* ---- frames ------------------------------------------------------------- */

TEST(pvmm_fresh_frame)
{
	struct pvmm *m = world();
	struct pvmm_frame_info i;

	REQUIRE(m);
	/* alloc_domheap_pages + assign_pages: PGC_allocated | 1, type none */
	CHECK_FRAME(m, A, PVMM_T_NONE, 0, 1, false, false);
	REQUIRE(pvmm_frame(m, A, &i));
	CHECK_EQ(i.owner, 1);
	CHECK_EQ(pvmm_add_frame(m, A, 1), -EEXIST);
	CHECK(!pvmm_frame(m, 0x3000, &i));
	CHECK_EQ(pvmm_entry(m, A, 3), 0);
	/* iteration in MFN order */
	CHECK_EQ(pvmm_frame_next(m, 0), IO);
	CHECK_EQ(pvmm_frame_next(m, IO + 1), 0x1000);
	CHECK_EQ(pvmm_frame_next(m, 0x1040), 0x2000);
	CHECK_EQ(pvmm_frame_next(m, 0x2010), PVMM_NO_FRAME);
	pvmm_free(m);
}

/* ---- promote / demote ---------------------------------------------------- */

TEST(pvmm_pin_promotes_recursively_and_unpin_demotes)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0), 0);
	/* pin: +1 general +1 type; each child entry: +1 general +1 type */
	CHECK_FRAME(m, A, PVMM_T_L4, 1, 2, true, true);
	CHECK_FRAME(m, B, PVMM_T_L3, 1, 2, true, false);
	CHECK_FRAME(m, C, PVMM_T_L2, 1, 2, true, false);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, false);
	/* RW L1 mapping: writable type ref; RO mapping: general only */
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 2, false, false);
	/* adjust_guest_l4e: +A|US; l3e/l2e: +US; l1e without US: +US|GUEST_KERNEL */
	CHECK_EQ(pvmm_entry(m, A, 0), E(B, 0x67));
	CHECK_EQ(pvmm_entry(m, B, 0), E(C, 0x67));
	CHECK_EQ(pvmm_entry(m, C, 0), E(D, 0x67));
	CHECK_EQ(pvmm_entry(m, D, 0), E(DATA_E, 0x67) | GK);
	CHECK_EQ(pvmm_entry(m, D, 1), E(DATA_F, 0x25) | GK);
	/* init_xen_l4_slots: slot 258 maps the L4 itself, __PAGE_HYPERVISOR_RW */
	CHECK_EQ(pvmm_entry(m, A, 258), E(A, 0x63) | NX);

	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, A, 0), 0);
	/* type count 1 -> 0 devalidates, recursively; type bits remain */
	CHECK_FRAME(m, A, PVMM_T_L4, 0, 1, false, false);
	CHECK_FRAME(m, B, PVMM_T_L3, 0, 1, false, false);
	CHECK_FRAME(m, C, PVMM_T_L2, 0, 1, false, false);
	CHECK_FRAME(m, D, PVMM_T_L1, 0, 1, false, false);
	/* a writable page keeps its type and PGT_validated at count 0 */
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 0, 1, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 1, false, false);
	pvmm_free(m);
}

TEST(pvmm_mmu_update_clearing_an_entry_demotes_the_subtree)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	CHECK_FRAME(m, A, PVMM_T_L4, 1, 2, true, false);
	CHECK_EQ(pvmm_vcpu_root(m, 1, 0, false), A);
	/* B[0] := 0: put_page_from_l3e -> C's last type ref -> demote C, D */
	CHECK_EQ(mmu(m, 1, B, 0, 0), 0);
	CHECK_EQ(pvmm_entry(m, B, 0), 0);
	CHECK_FRAME(m, B, PVMM_T_L3, 1, 2, true, false);
	CHECK_FRAME(m, C, PVMM_T_L2, 0, 1, false, false);
	CHECK_FRAME(m, D, PVMM_T_L1, 0, 1, false, false);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 0, 1, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 1, false, false);
	/* B[0] := C again: C revalidated (promote_l2_table), D too */
	CHECK_EQ(mmu(m, 1, B, 0, E(C, 0x63)), 0);
	CHECK_FRAME(m, C, PVMM_T_L2, 1, 2, true, false);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, false);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	pvmm_free(m);
}

/* ---- pins ---------------------------------------------------------------- */

TEST(pvmm_pin_rules)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(pvmm_set_entry_raw(m, D, 0, E(DATA_E, 0x63)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0), 0);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, true);
	/* double pin: test_and_set_bit(_PGT_pinned) -> -EINVAL, refs dropped */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0), -EINVAL);
	CHECK_REASON(m, "frame 0x1003 is already pinned");
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, true);
	/* wrong level: _get_page_type "Bad type" */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, D, 0), -EINVAL);
	CHECK_REASON(m, "frame 0x1003 is typed L1 (type count 1), expected L2");
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, true);
	/* unpin, then unpin of an unpinned frame */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, D, 0), 0);
	CHECK_FRAME(m, D, PVMM_T_L1, 0, 1, false, false);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 0, 1, true, false);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, D, 0), -EINVAL);
	CHECK_REASON(m, "is not pinned");
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, DATA_F, 0), -EINVAL);
	/* a frame of another domain: get_page_from_gfn fails */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, Z0, 0), -EINVAL);
	CHECK_FRAME(m, Z0, PVMM_T_NONE, 0, 1, false, false);
	/* a data frame (type none, count 0) pins as L1 */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, DATA_F, 0), 0);
	CHECK_FRAME(m, DATA_F, PVMM_T_L1, 1, 2, true, true);
	pvmm_free(m);
}

TEST(pvmm_pin_of_a_table_that_does_not_validate)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, G, 0) == 0);
	/* C2: slot 0 a fresh L1 (fine), slot 5 an L4 in use (wrong type) */
	REQUIRE(pvmm_set_entry_raw(m, C2, 0, E(D4, 0x63)) == 0);
	REQUIRE(pvmm_set_entry_raw(m, C2, 5, E(G, 0x21)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, C2, 0), -EINVAL);
	CHECK_REASON(m, "pin L2 0x1020: L2 frame 0x1020 slot 5: frame 0x1010 is typed L4 "
		     "(type count 1), expected L1");
	/* failure after slot 0: the page was old_guest_table, devalidated at
	 * the end of the hypercall; its type bits stay (count 0) */
	CHECK_FRAME(m, C2, PVMM_T_L2, 0, 1, false, false);
	/* D4 was validated for slot 0 and released again */
	CHECK_FRAME(m, D4, PVMM_T_L1, 0, 1, false, false);
	CHECK_FRAME(m, G, PVMM_T_L4, 1, 2, true, true);
	/* the entry of slot 0 was already stored adjusted (+US) */
	CHECK_EQ(pvmm_entry(m, C2, 0), E(D4, 0x67));
	CHECK_EQ(pvmm_entry(m, C2, 5), E(G, 0x21));

	/* failure at slot 0: validate_page() sets type_info = 0 */
	REQUIRE(pvmm_set_entry_raw(m, C3, 0, E(G, 0x21)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, C3, 0), -EINVAL);
	CHECK_FRAME(m, C3, PVMM_T_NONE, 0, 1, false, false);

	/* an RW mapping of a table inside a child: -EBUSY propagates up */
	REQUIRE(pvmm_set_entry_raw(m, D3, 7, E(G, 0x63)) == 0);
	REQUIRE(pvmm_set_entry_raw(m, C, 0, E(D3, 0x63)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, C, 0), -EBUSY);
	CHECK_REASON(m, "L2 frame 0x1002 slot 0: L1 frame 0x1007 slot 7: RW mapping of frame 0x1010");
	CHECK_FRAME(m, C, PVMM_T_NONE, 0, 1, false, false);
	CHECK_FRAME(m, D3, PVMM_T_NONE, 0, 1, false, false);
	pvmm_free(m);
}

/* ---- RW mapping of a table, disallowed flags, Xen slots ----------------- */

TEST(pvmm_rw_mapping_of_a_table_is_ebusy)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* get_page_from_l1e: get_page_type(PGT_writable_page) fails -> -EBUSY */
	CHECK_EQ(mmu(m, 1, D, 2, E(C, 0x63)), -EBUSY);
	CHECK_REASON(m, "L1 frame 0x1003 slot 2: RW mapping of frame 0x1002, which is in use as L2");
	CHECK_EQ(pvmm_entry(m, D, 2), 0);
	/* RW self map of the L1 (xen-verified.md B2) */
	CHECK_EQ(mmu(m, 1, D, 2, E(D, 0x63)), -EBUSY);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, false);
	/* RO mapping of a table: +1 general only (B3) */
	CHECK_EQ(mmu(m, 1, D, 2, E(D, 0x21)), 0);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 3, true, false);
	CHECK_EQ(pvmm_entry(m, D, 2), E(D, 0x25) | GK);
	/* a frame of another domain in an L1 entry: could_not_pin -> -EBUSY */
	CHECK_EQ(mmu(m, 1, D, 3, E(Z0, 0x21)), -EBUSY);
	/* MMIO without I/O capability: -EPERM */
	CHECK_EQ(mmu(m, 1, D, 3, E(IO, 0x21)), -EPERM);

	/* buggy Xen: the RW mapping of the L2 goes through, general ref only */
	pvmm_set_bug(m, PVMM_BUG_RW_TABLE);
	CHECK_EQ(mmu(m, 1, D, 4, E(C, 0x63)), 0);
	CHECK_FRAME(m, C, PVMM_T_L2, 1, 3, true, false);
	CHECK_EQ(mmu(m, 1, D, 4, 0), 0);
	CHECK_FRAME(m, C, PVMM_T_L2, 1, 2, true, false);
	pvmm_free(m);
}

TEST(pvmm_disallowed_flags_per_level)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* L1: L1_DISALLOW_MASK = PWT|PCD|PAT (G allowed) for a domU */
	CHECK_EQ(mmu(m, 1, D, 4, E(DATA_F, 0x21 | PSE)), -EINVAL);
	CHECK_REASON(m, "flags 0x80 are disallowed in an L1 entry");
	CHECK_EQ(mmu(m, 1, D, 4, E(DATA_F, 0x21 | PCD)), -EINVAL);
	CHECK_EQ(mmu(m, 1, D, 4, E(DATA_F, 0x21 | PWT)), -EINVAL);
	CHECK_EQ(mmu(m, 1, D, 4, E(DATA_F, 0x21 | GLB)), 0);
	/* a user entry (US set) is made global by adjust_guest_l1e */
	CHECK_EQ(mmu(m, 1, D, 5, E(DATA_F, 0x25)), 0);
	CHECK_EQ(pvmm_entry(m, D, 5), E(DATA_F, 0x125));
	/* L2: PSE and G refused */
	CHECK_EQ(mmu(m, 1, C, 4, E(D2, 0x63 | PSE)), -EINVAL);
	CHECK_REASON(m, "flags 0x80 are disallowed in an L2 entry");
	CHECK_EQ(mmu(m, 1, C, 4, E(D2, 0x63 | GLB)), -EINVAL);
	CHECK_REASON(m, "flags 0x100");
	/* L3, L4: base_disallow_mask */
	CHECK_EQ(mmu(m, 1, B, 4, E(C2, 0x63 | PCD)), -EINVAL);
	CHECK_REASON(m, "flags 0x10 are disallowed in an L3 entry");
	CHECK_EQ(mmu(m, 1, A, 4, E(N, 0x63 | PWT)), -EINVAL);
	CHECK_REASON(m, "flags 0x8 are disallowed in an L4 entry");
	/* nothing was taken by the refusals */
	CHECK_FRAME(m, D2, PVMM_T_NONE, 0, 1, false, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 4, false, false);

	/* dom0 (I/O capable): cache attributes allowed in L1 entries */
	REQUIRE(pvmm_set_entry_raw(m, Z0, 0, E(Z1, 0x63 | PCD)) == 0);
	CHECK_EQ(ext(m, 0, PVMM_MMUEXT_PIN_L1_TABLE, Z0, 0), 0);
	/* and MMIO: a WB mapping gets PWT|PCD flipped on (opt_mmio_relax 0) */
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(Z0, 8), E(IO, 0x63), SELF), 0);
	CHECK_EQ(pvmm_entry(m, Z0, 1), E(IO, 0x7f) | GK);
	pvmm_free(m);
}

TEST(pvmm_xen_l4_slots)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* mod_l4_entry: !is_guest_l4_slot -> -EINVAL */
	CHECK_EQ(mmu(m, 1, A, 256, E(N, 0x63)), -EINVAL);
	CHECK_REASON(m, "slot 256 is one of Xen's slots");
	CHECK_EQ(mmu(m, 1, A, 271, 0), -EINVAL);
	CHECK_EQ(mmu(m, 1, A, 258, 0), -EINVAL);
	CHECK_EQ(pvmm_entry(m, A, 258), E(A, 0x63) | NX);
	/* 255 and 272 are the guest's: N (fresh) becomes an L3 */
	CHECK_EQ(mmu(m, 1, A, 255, E(N, 0x63)), 0);
	CHECK_FRAME(m, N, PVMM_T_L3, 1, 2, true, false);
	CHECK_EQ(mmu(m, 1, A, 272, E(N2, 0x63)), 0);
	CHECK_FRAME(m, N2, PVMM_T_L3, 1, 2, true, false);
	/* validation skips Xen's slots: garbage there does not matter */
	REQUIRE(pvmm_set_entry_raw(m, G, 260, E(Z0, 0x63 | PSE)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, G, 0), 0);
	/* buggy Xen: the write goes through, raw */
	pvmm_set_bug(m, PVMM_BUG_XEN_SLOTS);
	CHECK_EQ(mmu(m, 1, A, 260, 0x1234), 0);
	CHECK_EQ(pvmm_entry(m, A, 260), 0x1234);
	pvmm_free(m);
}

/* ---- linear page tables ---------------------------------------------------- */

TEST(pvmm_linear_entries)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	/* self map, RO: no reference at all (get_l4_linear_pagetable) */
	CHECK_EQ(mmu(m, 1, A, 1, E(A, 0x21)), 0);
	CHECK_EQ(pvmm_entry(m, A, 1), E(A, 0x25));
	CHECK_FRAME(m, A, PVMM_T_L4, 1, 2, true, false);
	CHECK_LINEAR(m, A, 0);
	/* self map, RW: "linear p.t. with write perms" */
	CHECK_EQ(mmu(m, 1, A, 1, E(A, 0x23)), -EINVAL);
	CHECK_REASON(m, "self map of L4 frame 0x1000 with write permission");
	CHECK_EQ(pvmm_entry(m, A, 1), E(A, 0x25));

	/* another validated L4: +1 general +1 type, linear counts */
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, G, 0) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, H, 0) == 0);
	CHECK_EQ(mmu(m, 1, A, 2, E(G, 0x21)), 0);
	CHECK_FRAME(m, G, PVMM_T_L4, 2, 3, true, true);
	CHECK_LINEAR(m, G, -1);
	CHECK_LINEAR(m, A, 1);
	CHECK_EQ(mmu(m, 1, A, 3, E(G, 0x23)), -EINVAL);
	CHECK_REASON(m, "linear entry to L4 frame 0x1010 with write permission");
	/* XSA-240: a linear target may not get linear entries ... */
	CHECK_EQ(mmu(m, 1, G, 3, E(H, 0x21)), -EINVAL);
	CHECK_REASON(m, "this table is itself a linear target");
	/* ... and a table with linear entries may not be a linear target */
	CHECK_EQ(mmu(m, 1, H, 3, E(A, 0x21)), -EINVAL);
	CHECK_REASON(m, "which itself has 1 linear entries");
	CHECK_FRAME(m, H, PVMM_T_L4, 1, 2, true, true);
	/* dropping the linear entry drops its references and counts */
	CHECK_EQ(mmu(m, 1, A, 2, 0), 0);
	CHECK_FRAME(m, G, PVMM_T_L4, 1, 2, true, true);
	CHECK_LINEAR(m, G, 0);
	CHECK_LINEAR(m, A, 0);
	/* a fresh frame in an L4 entry becomes an L3 child, RO or not */
	CHECK_EQ(mmu(m, 1, A, 2, E(N, 0x21)), 0);
	CHECK_FRAME(m, N, PVMM_T_L3, 1, 2, true, false);

	/* same rule one level down: L2 -> L2 */
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, C2, 0) == 0);
	CHECK_EQ(mmu(m, 1, C, 7, E(C2, 0x21)), 0);
	CHECK_FRAME(m, C2, PVMM_T_L2, 2, 3, true, true);
	CHECK_LINEAR(m, C, 1);
	CHECK_EQ(mmu(m, 1, C, 8, E(C2, 0x23)), -EINVAL);

	/* buggy Xen without the single-level rule */
	pvmm_set_bug(m, PVMM_BUG_LINEAR_LEVELS);
	CHECK_EQ(mmu(m, 1, A, 2, 0), 0);
	CHECK_EQ(mmu(m, 1, A, 2, E(G, 0x21)), 0);
	CHECK_EQ(mmu(m, 1, G, 3, E(H, 0x21)), 0);
	CHECK_FRAME(m, H, PVMM_T_L4, 2, 3, true, true);
	pvmm_free(m);
}

TEST(pvmm_wrong_type_child)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, G, 0) == 0);
	/* L2 entry naming an L4 in use, RO: neither child nor linear */
	CHECK_EQ(mmu(m, 1, C, 3, E(G, 0x21)), -EINVAL);
	CHECK_REASON(m, "L2 frame 0x1002 slot 3: frame 0x1010 is typed L4 (type count 1), expected L1");
	/* RW: the linear fallback refuses (RW), the reason is the type */
	CHECK_EQ(mmu(m, 1, C, 3, E(G, 0x23)), -EINVAL);
	CHECK_REASON(m, "frame 0x1010 is typed L4 (type count 1), expected L1");
	/* L3 entry naming the L1 D in use */
	CHECK_EQ(mmu(m, 1, B, 3, E(D, 0x63)), -EINVAL);
	CHECK_REASON(m, "L3 frame 0x1001 slot 3: frame 0x1003 is typed L1 (type count 1), expected L2");
	CHECK_FRAME(m, G, PVMM_T_L4, 1, 2, true, true);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 2, true, false);
	/* buggy Xen: accepted with a general reference only */
	pvmm_set_bug(m, PVMM_BUG_WRONG_TYPE);
	CHECK_EQ(mmu(m, 1, C, 3, E(G, 0x21)), 0);
	CHECK_FRAME(m, G, PVMM_T_L4, 1, 3, true, true);
	pvmm_set_bug(m, PVMM_BUG_NONE);
	CHECK_EQ(mmu(m, 1, C, 3, 0), 0);
	CHECK_FRAME(m, G, PVMM_T_L4, 1, 2, true, true);
	pvmm_free(m);
}

/* ---- mmu_update paths ------------------------------------------------------ */

TEST(pvmm_plain_write_path)
{
	struct pvmm *m = world();

	REQUIRE(m);
	/* not a table in use: get_page_type(PGT_writable_page), a plain write */
	CHECK_EQ(mmu(m, 1, DATA_E, 7, 0x1234), 0);
	CHECK_EQ(pvmm_entry(m, DATA_E, 7), 0x1234);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 0, 1, true, false);
	/* an L1 left over with type count 0 is simply written, and retyped */
	REQUIRE(pvmm_set_entry_raw(m, D, 0, E(DATA_F, 0x21)) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, D, 0) == 0);
	CHECK_FRAME(m, D, PVMM_T_L1, 0, 1, false, false);
	CHECK_EQ(mmu(m, 1, D, 1, E(D, 0x63)), 0);  /* no check at all */
	CHECK_EQ(pvmm_entry(m, D, 1), E(D, 0x63));
	CHECK_FRAME(m, D, PVMM_T_WRITABLE, 0, 1, true, false);
	/* ... and it no longer validates as an L1 (RW self map) */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0), -EBUSY);
	/* a frame that is not ours */
	CHECK_EQ(mmu(m, 1, Z0, 0, 1), -EINVAL);
	CHECK_REASON(m, "could not get page for normal update");
	/* a writable page in use (an RW mapping exists): still a plain write */
	REQUIRE(pvmm_set_entry_raw(m, D2, 0, E(DATA_E, 0x63)) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D2, 0) == 0);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	CHECK_EQ(mmu(m, 1, DATA_E, 8, 0x99), 0);
	CHECK_EQ(pvmm_entry(m, DATA_E, 8), 0x99);
	pvmm_free(m);
}

TEST(pvmm_preserve_ad_and_fast_path)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* same frame, only A/D differ: fast path, no new reference */
	CHECK_EQ(pvmm_mmu_update(m, 1, 0, E(D, 0 * 8) | PVMM_MMU_PT_UPDATE_PRESERVE_AD,
				 E(DATA_E, 0x03), SELF), 0);
	CHECK_EQ(pvmm_entry(m, D, 0), E(DATA_E, 0x67) | GK);
	CHECK_EQ(mmu(m, 1, D, 0, E(DATA_E, 0x03)), 0);
	CHECK_EQ(pvmm_entry(m, D, 0), E(DATA_E, 0x07) | GK);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	/* RW -> RO: slow path, the writable type reference goes */
	CHECK_EQ(mmu(m, 1, D, 0, E(DATA_E, 0x01)), 0);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 0, 2, true, false);
	/* unknown command */
	CHECK_EQ(pvmm_mmu_update(m, 1, 0, E(D, 0) | 5, 0, SELF), -ENOSYS);
	pvmm_free(m);
}

TEST(pvmm_foreign_and_machphys)
{
	struct pvmm *m = world();
	struct pvmm_frame_info i;

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* dom0 edits domU's L1 with subject ((1+1)<<16)|1 (xen-verified A1) */
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(D, 3 * 8), E(DATA_F, 0x21) | NX,
				 (2u << 16) | 1), 0);
	CHECK_EQ(pvmm_entry(m, D, 3), E(DATA_F, 0x25) | GK | NX);
	/* subject DOMID_SELF (D1/D2): the frame is not dom0's */
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(D, 3 * 8), 0, SELF), -EINVAL);
	/* naming oneself as foreign domain */
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(Z0, 0), 0, 0), -ESRCH);
	/* a domU may not edit dom0's tables */
	CHECK_EQ(pvmm_mmu_update(m, 1, 0, E(Z0, 0), 0, (1u << 16) | 0), -EPERM);
	/* an L2 edit with a foreign page owner */
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(C, 5 * 8), 0, (2u << 16) | 0x7ff0), -EINVAL);
	/* M2P */
	CHECK_EQ(pvmm_mmu_update(m, 1, 0, E(DATA_F, 0) | PVMM_MMU_MACHPHYS_UPDATE, 0x42, SELF), 0);
	REQUIRE(pvmm_frame(m, DATA_F, &i));
	CHECK_EQ(i.m2p, 0x42);
	CHECK_EQ(pvmm_mmu_update(m, 1, 0, E(Z0, 0) | PVMM_MMU_MACHPHYS_UPDATE, 0x42, SELF), -EINVAL);
	CHECK_EQ(pvmm_mmu_update(m, 0, 0, E(DATA_F, 0) | PVMM_MMU_MACHPHYS_UPDATE, 0x43,
				 (2u << 16) | 1), -EPERM);
	pvmm_free(m);
}

/* ---- base pointers --------------------------------------------------------- */

TEST(pvmm_new_baseptr_and_pin_of_the_current_root)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	/* N is not validated; NEW_BASEPTR validates it (new_guest_cr3) */
	REQUIRE(pvmm_set_entry_raw(m, N, 0, E(B, 0x63)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_NEW_BASEPTR, N, 0), 0);
	CHECK_EQ(pvmm_vcpu_root(m, 1, 0, false), N);
	CHECK_FRAME(m, N, PVMM_T_L4, 1, 2, true, false);
	/* the old root lost its only type reference: demoted; B kept by N */
	CHECK_FRAME(m, A, PVMM_T_L4, 0, 1, false, false);
	CHECK_FRAME(m, B, PVMM_T_L3, 1, 2, true, false);
	/* same root again: nothing */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_NEW_BASEPTR, N, 0), 0);
	CHECK_FRAME(m, N, PVMM_T_L4, 1, 2, true, false);
	/* PIN_L4 of the current root: one more type reference */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, N, 0), 0);
	CHECK_FRAME(m, N, PVMM_T_L4, 2, 3, true, true);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, N, 0), -EINVAL);
	CHECK_FRAME(m, N, PVMM_T_L4, 2, 3, true, true);
	/* user base pointer */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_NEW_USER_BASEPTR, N, 0), 0);
	CHECK_FRAME(m, N, PVMM_T_L4, 3, 4, true, true);
	CHECK_EQ(pvmm_vcpu_root(m, 1, 0, true), N);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
	CHECK_FRAME(m, N, PVMM_T_L4, 2, 3, true, true);
	/* a root that does not validate: refused, the old one stays */
	REQUIRE(pvmm_set_entry_raw(m, N2, 0, E(D, 0x63)) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_NEW_BASEPTR, N2, 0), -EINVAL);
	CHECK_REASON(m, "new base pointer 0x1013: L4 frame 0x1013 slot 0: frame 0x1003 is typed L1");
	CHECK_EQ(pvmm_vcpu_root(m, 1, 0, false), N);
	/* another domain's base pointer: -EPERM (xen-verified §4) */
	{
		struct pvmm_mmuext_op op = { .cmd = PVMM_MMUEXT_NEW_BASEPTR, .arg1 = N };

		CHECK_EQ(pvmm_mmuext_op(m, 0, 0, &op, 1), -EPERM);
	}
	pvmm_free(m);
}

/* ---- multicall --------------------------------------------------------------- */

/*
 * xen/common/multicall.c do_multicall: every entry runs, in order, whatever
 * the earlier ones returned; each gets its own result; the multicall
 * returns 0.  The batch: a plain write (C untyped), a pin that validates
 * it, the same pin again (fails), a validated update of the new L1, an
 * update_va_mapping through the vCPU's tables, a nested multicall.
 */
TEST(pvmm_multicall_runs_every_entry_in_order)
{
	struct pvmm *m = world();
	struct pvmm_multicall_entry mc[6];

	REQUIRE(m);
	REQUIRE(pvmm_set_entry_raw(m, A, 0, E(B, 0x63)) == 0);
	REQUIRE(pvmm_set_entry_raw(m, B, 0, E(C, 0x63)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0), 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	/* A pinned L4, B its L3, C an empty validated L2: C[0] is free */
	memset(mc, 0, sizeof(mc));
	mc[0].op = PVMM_HC_MMU_UPDATE;     /* C[0] = D: C is an L2, D validates as an empty L1 */
	mc[0].ptr = (uint64_t)C << 12;
	mc[0].val = E(D, 0x63);
	mc[0].foreigndom = SELF;
	mc[1].op = PVMM_HC_MMUEXT_OP;      /* pin D as L1 */
	mc[1].ext.cmd = PVMM_MMUEXT_PIN_L1_TABLE;
	mc[1].ext.arg1 = D;
	mc[1].foreigndom = SELF;
	mc[2] = mc[1];                     /* again: already pinned, -EINVAL */
	mc[3].op = PVMM_HC_MMU_UPDATE;     /* D[5] = DATA_E RW */
	mc[3].ptr = (uint64_t)D << 12 | 5 * 8;
	mc[3].val = E(DATA_E, 0x63);
	mc[3].foreigndom = SELF;
	mc[4].op = PVMM_HC_UPDATE_VA_MAPPING;  /* VA 0x6000: L4 0, L3 0, L2 0 = D, slot 6 */
	mc[4].ptr = 0x6000;
	mc[4].val = E(DATA_F, 0x21);
	mc[4].flags = PVMM_UVMF_INVLPG;
	mc[5].op = PVMM_HC_MULTICALL;      /* reentry */
	CHECK_EQ(pvmm_multicall(m, 1, 0, mc, 6), 0);
	CHECK_EQ(mc[0].result, 0);
	CHECK_EQ(mc[1].result, 0);
	CHECK_EQ(mc[2].result, -EINVAL);
	CHECK_EQ(mc[3].result, 0);
	CHECK_EQ(mc[4].result, 0);
	CHECK_EQ(mc[5].result, -EINVAL);
	CHECK_REASON(m, "multicall entry 5: a multicall inside a multicall");
	/* D: the L2 entry (+1/+1) and the pin (+1/+1) */
	CHECK_FRAME(m, D, PVMM_T_L1, 2, 3, true, true);
	/* DATA_E: RW L1 entry, writable type; DATA_F: RO, general only */
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 2, false, false);
	CHECK_EQ(pvmm_entry(m, D, 5), E(DATA_E, 0x67) | GK);
	CHECK_EQ(pvmm_entry(m, D, 6), E(DATA_F, 0x25) | GK);

	/* an op the model does not have: nothing runs */
	memset(mc, 0, sizeof(mc));
	mc[0].op = PVMM_HC_MMU_UPDATE;
	mc[0].ptr = (uint64_t)D << 12 | 7 * 8;
	mc[0].val = E(DATA_F, 0x21);
	mc[0].foreigndom = SELF;
	mc[1].op = 23;                      /* __HYPERVISOR_iret */
	CHECK_EQ(pvmm_multicall(m, 1, 0, mc, 2), -EOPNOTSUPP);
	CHECK_EQ(pvmm_entry(m, D, 7), 0);
	/* an empty batch */
	CHECK_EQ(pvmm_multicall(m, 1, 0, mc, 0), 0);
	pvmm_free(m);
}

/* ---- update_va_mapping and the writable page tables ------------------------ */

TEST(pvmm_update_va_mapping)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	/* VA 0x2000: L1 D slot 2 */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x2000, E(DATA_F, 0x63), PVMM_UVMF_INVLPG), 0);
	CHECK_EQ(pvmm_entry(m, D, 2), E(DATA_F, 0x67) | GK);
	CHECK_FRAME(m, DATA_F, PVMM_T_WRITABLE, 1, 3, true, false);
	/* VA 0x200000: L2 slot 1 is empty -> no L1 -> -EINVAL */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x200000, E(DATA_F, 0x21), 0), -EINVAL);
	CHECK_REASON(m, "no L1 table");
	/* XSA-279: non-canonical VA with INVLPG|ALL */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 1ull << 63, 0,
					PVMM_UVMF_INVLPG | PVMM_UVMF_ALL), -EINVAL);
	/* Xen's own range */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0xffff800000000000ull, 0, 0), -EINVAL);
	/* the L1 entry is checked like mmu_update's */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x3000, E(C, 0x63), 0), -EBUSY);
	/* a vCPU mask pointer that is not mapped: -EFAULT after the write */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x2000, 0, PVMM_UVMF_TLB_FLUSH | 0x7fff0000ull),
		 -EFAULT);
	CHECK_EQ(pvmm_entry(m, D, 2), 0);
	CHECK_FRAME(m, DATA_F, PVMM_T_WRITABLE, 0, 2, true, false);
	/* a mapped one: fine (VA 0 maps DATA_E) */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x2000, 0, PVMM_UVMF_INVLPG | 0x8ull), 0);
	/* an L2 entry that names a frame whose type count is 0 as L1: not an L1 in use */
	REQUIRE(pvmm_set_entry_raw(m, C, 1, E(D2, 0x67)) == 0);
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x200000, E(DATA_F, 0x21), 0), -EINVAL);
	CHECK_REASON(m, "is not a validated L1 table");
	pvmm_free(m);
}

TEST(pvmm_writable_page_tables)
{
	struct pvmm *m = world();
	unsigned ec = 99;

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	/* map L1 D read-only at 0x4000 (general ref only) */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x4000, E(D, 0x21), 0), 0);
	CHECK_FRAME(m, D, PVMM_T_L1, 1, 3, true, false);
	/* without VMASST_TYPE_writable_pagetables no emulation: #PF P|W */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x4000 + 5 * 8, E(DATA_E, 0x63), &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 3);
	CHECK_EQ(pvmm_entry(m, D, 5), 0);
	REQUIRE(pvmm_set_writable_pagetables(m, 1, true) == 0);
	/* a store into it: ptwr_emulated_update, a validated L1 update */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x4000 + 5 * 8, E(DATA_E, 0x63), &ec),
		 PVMM_WRITE_EMULATED);
	CHECK_EQ(pvmm_entry(m, D, 5), E(DATA_E, 0x67) | GK);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 2, 3, true, false);
	/* an entry Xen refuses: the emulation fails, the guest gets #PF P|W */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x4000 + 6 * 8, E(C, 0x63), &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 3);
	CHECK_EQ(pvmm_entry(m, D, 6), 0);
	/* clearing through the emulation drops the reference */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x4000 + 5 * 8, 0, &ec), PVMM_WRITE_EMULATED);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	/* a read-only mapping of a data frame: #PF P|W */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x6000, E(DATA_F, 0x21), 0), 0);
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x6000, 1, &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 3);
	/* a read-only mapping of the L2: not an L1, #PF */
	CHECK_EQ(pvmm_update_va_mapping(m, 1, 0, 0x7000, E(C, 0x21), 0), 0);
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x7000, 0, &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 3);
	/* nothing mapped: #PF W */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x9000, 1, &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 2);
	/* an RW mapping: a plain store */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0x0000 + 16, 0xdead, &ec), PVMM_WRITE_DONE);
	CHECK_EQ(pvmm_entry(m, DATA_E, 2), 0xdead);
	/* non-canonical: #GP */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 1ull << 63, 0, &ec), PVMM_WRITE_GP);
	/* Xen's range: the linear-map slot 258 is present (supervisor): P|W */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0xffff810000000000ull, 0, &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 3);
	/* slot 259 (shadow linear map) is empty here: W */
	CHECK_EQ(pvmm_guest_write(m, 1, 0, 0xffff818000000000ull, 0, &ec), PVMM_WRITE_PF);
	CHECK_EQ(ec, 2);
	pvmm_free(m);
}

/* ---- mmuext argument checks -------------------------------------------------- */

TEST(pvmm_mmuext_misc)
{
	struct pvmm *m = world();
	struct pvmm_mmuext_op op = { .cmd = PVMM_MMUEXT_TLB_FLUSH_LOCAL };

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_MARK_SUPER, DATA_E, 0), -EOPNOTSUPP);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_UNMARK_SUPER, DATA_E, 0), -EOPNOTSUPP);
	CHECK_EQ(ext(m, 1, 99, 0, 0), -ENOSYS);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_INVLPG_LOCAL, 1ull << 63, 0), 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_INVLPG_ALL, 0x1000, 0), 0);
	/* own domid as foreign domain: get_pg_owner -> -ESRCH (xen-verified §4) */
	CHECK_EQ(pvmm_mmuext_op(m, 1, 0, &op, 1), -ESRCH);
	/* dom0 flushing for the domU: -EPERM */
	CHECK_EQ(pvmm_mmuext_op(m, 0, 0, &op, 1), -EPERM);
	/* vCPU mask: copy_from_guest fails -> -EINVAL */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_TLB_FLUSH_MULTI, 0, 0x7fff0000), -EINVAL);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_INVLPG_MULTI, 0x1000, 0x8), 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_FLUSH_CACHE, 0, 0), -EACCES);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), -EINVAL);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_SET_LDT, 0x1001, 1), -EINVAL);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_SET_LDT, 0x1000, 8193), -EINVAL);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_SET_LDT, 0x1000, 16), 0);
	/* CLEAR_PAGE: writable type needed */
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_CLEAR_PAGE, D, 0), -EINVAL);
	REQUIRE(pvmm_set_entry_raw(m, DATA_F, 9, 0x77) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_COPY_PAGE, D3, DATA_F), 0);
	CHECK_EQ(pvmm_entry(m, D3, 9), 0x77);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_CLEAR_PAGE, D3, 0), 0);
	CHECK_EQ(pvmm_entry(m, D3, 9), 0);
	CHECK_FRAME(m, D3, PVMM_T_WRITABLE, 0, 1, true, false);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_CLEAR_PAGE, Z0, 0), -EINVAL);
	pvmm_free(m);
}

/* ---- the other buggy-Xen switches, and what a tool sees ---------------------- */

TEST(pvmm_bug_linear_rw_and_bad_flags)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(pvmm_vcpu_set_roots(m, 1, 0, A, 0) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, G, 0) == 0);
	CHECK_STR_EQ(pvmm_bug_name(PVMM_BUG_LINEAR_RW), "linear-rw");
	pvmm_set_bug(m, PVMM_BUG_LINEAR_RW);
	/* an RW linear entry is taken like an RO one: +1 general +1 type */
	CHECK_EQ(mmu(m, 1, A, 2, E(G, 0x23)), 0);
	CHECK_FRAME(m, G, PVMM_T_L4, 2, 3, true, true);
	CHECK_LINEAR(m, G, -1);
	/* an RW self map: no reference */
	CHECK_EQ(mmu(m, 1, A, 1, E(A, 0x23)), 0);
	CHECK_FRAME(m, A, PVMM_T_L4, 1, 2, true, false);
	pvmm_set_bug(m, PVMM_BUG_BAD_FLAGS);
	CHECK_EQ(mmu(m, 1, D, 4, E(DATA_F, 0x21 | PCD)), 0);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 3, false, false);
	pvmm_set_bug(m, PVMM_BUG_NONE);
	/* with the rules back, the same write is refused again */
	CHECK_EQ(mmu(m, 1, D, 5, E(DATA_F, 0x21 | PCD)), -EINVAL);
	pvmm_free(m);
}

TEST(pvmm_getpageframeinfo3_view)
{
	struct pvmm *m = world();
	struct pvmm_frame_info i;
	uint64_t t[512] = { [3] = E(DATA_E, 0x63) };

	REQUIRE(m);
	REQUIRE(pvmm_set_table_raw(m, D, t) == 0);
	CHECK_EQ(pvmm_entry(m, D, 3), E(DATA_E, 0x63));
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0) == 0);
	/* XEN_DOMCTL_getpageframeinfo3: the type only if pinned or validated;
	 * writable shows as none; another domain's frame is XTAB */
	REQUIRE(pvmm_frame(m, D, &i));
	CHECK_STR_EQ(pvmm_pfinfo_type(&i, 1), "l1");
	REQUIRE(pvmm_frame(m, DATA_E, &i));
	CHECK_STR_EQ(pvmm_pfinfo_type(&i, 1), "none");
	REQUIRE(pvmm_frame(m, Z0, &i));
	CHECK_STR_EQ(pvmm_pfinfo_type(&i, 1), "xtab");
	REQUIRE(ext(m, 1, PVMM_MMUEXT_UNPIN_TABLE, D, 0) == 0);
	REQUIRE(pvmm_frame(m, D, &i));
	CHECK_EQ(i.type, PVMM_T_L1);   /* the type bits stay ... */
	CHECK_STR_EQ(pvmm_pfinfo_type(&i, 1), "none");  /* ... but Xen reports none */
	pvmm_free(m);
}

TEST(pvmm_gdt_frames)
{
	struct pvmm *m = world();
	uint64_t frames[14], gdt[2] = { DATA_E, DATA_F };

	REQUIRE(m);
	REQUIRE(hierarchy(m) == 0);
	REQUIRE(ext(m, 1, PVMM_MMUEXT_PIN_L4_TABLE, A, 0) == 0);
	/* DATA_E has an RW mapping (writable type count 1): no seg_desc type */
	CHECK_EQ(pvmm_set_gdt(m, 1, 0, gdt, 513), -EINVAL);
	CHECK_REASON(m, "GDT frame 0 (0x1004): frame 0x1004 is typed writable");
	CHECK_EQ(pvmm_vcpu_gdt(m, 1, 0, frames), 0);
	CHECK_FRAME(m, DATA_E, PVMM_T_WRITABLE, 1, 2, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_NONE, 0, 2, false, false);
	pvmm_free(m);

	m = world();
	REQUIRE(m);
	/* 513 entries: two frames, each PGT_seg_desc_page +1 type +1 general */
	CHECK_EQ(pvmm_set_gdt(m, 1, 0, gdt, 513), 0);
	CHECK_EQ(pvmm_vcpu_gdt(m, 1, 0, frames), 513);
	CHECK_EQ(frames[0], DATA_E);
	CHECK_EQ(frames[1], DATA_F);
	CHECK_EQ(frames[2], 0);
	CHECK_FRAME(m, DATA_E, PVMM_T_SEG_DESC, 1, 2, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_SEG_DESC, 1, 2, true, false);
	/* an RW mapping of a descriptor frame: -EBUSY (xen-verified.md §3) */
	REQUIRE(pvmm_set_entry_raw(m, D, 0, E(DATA_E, 0x63)) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0), -EBUSY);
	/* mmu_update into it: page_lock succeeds, seg_desc -> -EINVAL (C2) */
	CHECK_EQ(mmu(m, 1, DATA_E, 0, 1), -EINVAL);
	/* too many entries */
	CHECK_EQ(pvmm_set_gdt(m, 1, 0, gdt, 14 * 512 + 1), -EINVAL);
	/* a new, one-frame GDT releases both old frames */
	CHECK_EQ(pvmm_set_gdt(m, 1, 0, gdt + 1, 16), 0);
	CHECK_FRAME(m, DATA_E, PVMM_T_SEG_DESC, 0, 1, true, false);
	CHECK_FRAME(m, DATA_F, PVMM_T_SEG_DESC, 1, 2, true, false);
	CHECK_EQ(pvmm_vcpu_gdt(m, 1, 0, frames), 16);
	pvmm_free(m);
}

/* ---- the synthetic builder drives this model ---------------------------- */

/*
 * lib/synth/ has no rules of its own: it runs xen/pvmm_rules.h, the code
 * of this model, over its compact state.  So comparing the two would
 * compare the code with itself; instead the builder's results are checked
 * against counts derived by hand from Xen's rules, and its refusals
 * against the model's reason text.
 */

#include <stdio.h>

#include <xenpt/xenpt.h>

static struct xenpt_synth_frame_state synth_frame(struct xenpt_synth *s, uint64_t mfn)
{
	struct xenpt_synth_frame_state st;

	memset(&st, 0, sizeof(st));
	CHECK_OK(xenpt_synth_frame_state(s, xenpt_mfn(mfn), &st));
	return st;
}

#define CHECK_SYNTH(s, mfn, type_, tc, cnt, pin)                               \
	do {                                                                   \
		struct xenpt_synth_frame_state st_ = synth_frame((s), (mfn));  \
		CHECK_STR_EQ(xenpt_synth_type_name(st_.type), xenpt_synth_type_name(type_)); \
		CHECK_EQ(st_.type_count, (tc));                                \
		CHECK_EQ(st_.ref_count, (cnt));                                \
		CHECK_EQ(st_.pinned, (pin));                                   \
		CHECK(st_.validated);                                          \
		CHECK_EQ(st_.linear_pt_count, 0);                              \
	} while (0)

static uint64_t synth_entry(struct xenpt_synth *s, uint64_t table, unsigned idx)
{
	uint64_t e = 0;

	CHECK_OK(xenpt_synth_table_entry(s, table, idx, &e));
	return (e & 0x000ffffffffff000ull) >> 12;
}

/*
 * Frames of tests/fixtures/pv-linux.synth ("layout linux", xenpt-synth(5)),
 * their counts derived from the layout and Xen's rules: general count 1
 * (PGC_allocated) + 1 per present validated entry naming the frame + 1 per
 * pin / vCPU root / GDT; type count 1 per RW mapping, child entry, pin,
 * root and GDT.  Every frame of the domain is in the direct map (the root
 * init's, validated since it is pinned): RW for data, read-only for
 * page-table and descriptor frames (Linux's rule, which Xen enforces).
 */
TEST(pvmm_rules_drive_the_synth_builder)
{
	char path[512];
	struct xenpt_synth *s = NULL;
	struct xenpt_synth_linux L;
	struct xenpt_vcpu v0, v1;
	uint64_t k4, u4, i4, l3, l2, l1;

	snprintf(path, sizeof(path), "%s/pv-linux.synth", test_fixtures_dir());
	CHECK_OK(xenpt_synth_load(path, &s));
	REQUIRE(s);
	CHECK_OK(xenpt_synth_linux_info(s, &L));
	CHECK_OK(xenpt_synth_vcpu(s, 0, &v0));
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v1));
	k4 = xenpt_synth_root_frame(s, L.root_kernel);
	u4 = xenpt_synth_root_frame(s, L.root_user);
	i4 = xenpt_synth_root_frame(s, L.root_init);
	CHECK_EQ(v0.cr3 >> 12, k4);
	CHECK_EQ(v0.user_cr3 >> 12, u4);
	CHECK_EQ(v1.cr3 >> 12, i4);

	/* the three L4s: each pinned and the base pointer of one vCPU slot
	 * (+2 general, +2 type), plus its read-only direct-map entry (+1) */
	CHECK_SYNTH(s, k4, XENPT_SYNTH_TYPE_L4, 2, 4, true);
	CHECK_SYNTH(s, u4, XENPT_SYNTH_TYPE_L4, 2, 4, true);
	CHECK_SYNTH(s, i4, XENPT_SYNTH_TYPE_L4, 2, 4, true);
	/* level3_user_vsyscall: pinned, and the child of the user L4's slot
	 * 511 (+2, +2), read-only in the direct map (+1) */
	CHECK_EQ(synth_entry(s, u4, 511), L.vsyscall_l3_mfn);
	CHECK_SYNTH(s, L.vsyscall_l3_mfn, XENPT_SYNTH_TYPE_L3, 2, 4, true);
	/* the L1 of the user text (VA 0x400000: L4 slot 0, L3 slot 0, L2 slot
	 * 2): one child entry (the user L4 shares the kernel L4's L3, so no
	 * second one) and its pin by __xen_pgd_pin() (+2, +2), read-only in
	 * the direct map (+1) */
	l3 = synth_entry(s, k4, 0);
	CHECK_EQ(synth_entry(s, u4, 0), l3);
	l2 = synth_entry(s, l3, 0);
	l1 = synth_entry(s, l2, 2);
	CHECK_SYNTH(s, l1, XENPT_SYNTH_TYPE_L1, 2, 4, true);
	/* its L2: one child entry (+1, +1) and the direct map (+1); not
	 * pinned (only L1s and L4s are, and the vsyscall L3).  The L3: a
	 * child of slot 0 of both the kernel and the user L4 (+2, +2) and
	 * the direct map (+1) */
	CHECK_SYNTH(s, l2, XENPT_SYNTH_TYPE_L2, 1, 3, false);
	CHECK_SYNTH(s, l3, XENPT_SYNTH_TYPE_L3, 2, 4, false);
	/* a .data page: RW in the kernel image and RW in the direct map */
	CHECK_SYNTH(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(L.data_pfn))),
		    XENPT_SYNTH_TYPE_WRITABLE, 2, 3, false);
	/* a .text page: read-only in the image (+1 general), RW in the direct
	 * map (+1 general, +1 writable) */
	CHECK_SYNTH(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(L.text_pfn))),
		    XENPT_SYNTH_TYPE_WRITABLE, 1, 3, false);
	/* vCPU 0's GDT frame: pv_set_gdt() (+1, +1 seg_desc), read-only in
	 * the direct map (+1) */
	CHECK_SYNTH(s, L.gdt_mfn[0], XENPT_SYNTH_TYPE_SEG_DESC, 1, 3, false);
	xenpt_synth_destroy(s);
}

/*
 * The same refusals in the model and in the builder carry the same reason
 * (the text of xen/pvmm_rules.h), each written out here by hand.
 */
TEST(pvmm_reasons_are_the_synth_builders)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;
	struct xenpt_error *err;
	struct pvmm *m = world();
	char want[160];
	uint64_t root, e, l3, l2, l1;

	REQUIRE(m);
	/* the model: D validated as an L1 (pin), then pinned as an L2 */
	REQUIRE(hierarchy(m) == 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L1_TABLE, D, 0), 0);
	CHECK_EQ(ext(m, 1, PVMM_MMUEXT_PIN_L2_TABLE, D, 0), -EINVAL);
	snprintf(want, sizeof(want), "frame 0x%x is typed L1 (type count 1), expected L2", D);
	CHECK_REASON(m, want);
	/* and an RW mapping of that L1 */
	CHECK_EQ(mmu(m, 1, D, 5, E(D, P | RW)), -EBUSY);
	snprintf(want, sizeof(want), "RW mapping of frame 0x%x, which is in use as L1 (type count 1)"
		 ": could not get a writable type reference", D);
	CHECK_REASON(m, want);
	pvmm_free(m);

	/* the builder: its root's first L1 (VA 0), pinned as an L2 */
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.domid = 3;
	CHECK_OK(xenpt_synth_create(&p, &s));
	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x1000), xenpt_gfn(0x10), 4096, 4096, 0));
	root = xenpt_synth_root_frame(s, 0);
	CHECK_OK(xenpt_synth_table_entry(s, root, 0, &e));
	l3 = (e >> 12) & 0xffffffffffull;
	CHECK_OK(xenpt_synth_table_entry(s, l3, 0, &e));
	l2 = (e >> 12) & 0xffffffffffull;
	CHECK_OK(xenpt_synth_table_entry(s, l2, 0, &e));
	l1 = (e >> 12) & 0xffffffffffull;
	/* one type reference: the L2 entry naming it */
	err = xenpt_synth_pin(s, 2, xenpt_mfn(l1));
	snprintf(want, sizeof(want), "frame 0x%" PRIx64 " is typed L1 (type count 1), expected L2", l1);
	CHECK_ERR_MSG(err, XENPT_ERR_INVALID_ARG, want);
	err = xenpt_synth_map_mfn(s, 0, xenpt_va(0x5000), xenpt_mfn(l1), XENPT_PTE_RW);
	snprintf(want, sizeof(want), "RW mapping of frame 0x%" PRIx64 ", which is in use as L1 "
		 "(type count 1): could not get a writable type reference", l1);
	CHECK_ERR_MSG(err, XENPT_ERR_REFUSED, want);
	xenpt_synth_destroy(s);
}
