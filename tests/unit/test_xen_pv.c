/* SPDX-License-Identifier: MIT */
/*
 * lib/xen/pv.[ch]: Xen's 64-bit PV rules, against values derived by hand
 * from Xen 4.17's source (xen/arch/x86/mm.c get_page_from_l1e() ..
 * get_page_from_l4e(), define_get_linear_pagetable(), arch_init_memory()'s
 * base_disallow_mask; xen/arch/x86/pv/mm.h adjust_guest_lNe()) and the
 * answers real Xen gave in xenlab (shared/notes/xen-verified.md §3).
 */
#include "harness.h"

#include <xenpt/walk.h>

#include "xen/pv.h"

#define P  XENPT_PTE_P
#define RW XENPT_PTE_RW
#define US XENPT_PTE_US
#define A  XENPT_PTE_A
#define D  XENPT_PTE_D

static uint64_t ent(uint64_t mfn, uint64_t flags)
{
	return (mfn << 12) | flags;
}

TEST(pv_disallow_masks_per_level)
{
	/* L1: PWT|PCD|PAT (0x98), not G; with I/O caps the cache attributes go */
	CHECK_EQ(xen_pv_disallow_mask(1, false), 0x098);
	CHECK_EQ(xen_pv_disallow_mask(1, true), 0x000);
	/* L2..L4: base_disallow_mask = PWT|PCD|PSE|G */
	CHECK_EQ(xen_pv_disallow_mask(2, false), 0x198);
	CHECK_EQ(xen_pv_disallow_mask(3, true), 0x198);
	CHECK_EQ(xen_pv_disallow_mask(4, false), 0x198);
}

TEST(pv_ref_not_present_holds_nothing)
{
	CHECK_EQ(xen_pv_entry_ref(2, ent(0x99, RW), 0x10, XEN_PV_T_L2, false), XEN_PV_REF_NONE);
	CHECK_EQ(xen_pv_entry_ref(1, 0, 0x10, XEN_PV_T_NONE, false), XEN_PV_REF_NONE);
}

TEST(pv_ref_l1_mappings)
{
	/* RO mapping of anything: a general reference only */
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | A), 0x10, XEN_PV_T_L1, false), XEN_PV_REF_MAP_RO);
	/* RW mapping of a data page: writable type */
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | RW), 0x10, XEN_PV_T_NONE, false),
		 XEN_PV_REF_MAP_RW);
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | RW), 0x10, XEN_PV_T_WRITABLE_INUSE, false),
		 XEN_PV_REF_MAP_RW);
	/* RW mapping of a table or descriptor page: refused (xenlab B1/B2: EBUSY) */
	for (unsigned t = XEN_PV_T_L1; t <= XEN_PV_T_SEG_DESC; t++)
		CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | RW), 0x10, (enum xen_pv_type)t, false),
			 XEN_PV_REF_RW_TABLE);
	/* self-map RW of an L1 (xenlab B2) */
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x10, P | RW), 0x10, XEN_PV_T_L1, false),
		 XEN_PV_REF_RW_TABLE);
	/* PAT (bit 7) in an L1 entry: EINVAL (xenlab B5); G is allowed in L1 */
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | 0x80), 0x10, XEN_PV_T_NONE, false),
		 XEN_PV_REF_BAD_FLAGS);
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | XENPT_PTE_G), 0x10, XEN_PV_T_NONE, false),
		 XEN_PV_REF_MAP_RO);
	/* PCD with I/O capabilities: allowed */
	CHECK_EQ(xen_pv_entry_ref(1, ent(0x99, P | XENPT_PTE_PCD), 0x10, XEN_PV_T_NONE, true),
		 XEN_PV_REF_MAP_RO);
}

TEST(pv_ref_upper_levels_child_and_linear)
{
	for (unsigned l = 2; l <= 4; l++) {
		enum xen_pv_type child = (enum xen_pv_type)(l - 1), same = (enum xen_pv_type)l;

		/* the next level down, or an untyped frame (it gets validated) */
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P | RW), 0x10, child, false), XEN_PV_REF_CHILD);
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P | RW), 0x10, XEN_PV_T_NONE, false),
			 XEN_PV_REF_CHILD);
		/* same level, other table: linear only read-only */
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P), 0x10, same, false), XEN_PV_REF_LINEAR);
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P | RW), 0x10, same, false),
			 XEN_PV_REF_LINEAR_RW);
		/* self entry: free when read-only; RW is checked first */
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x10, P | A), 0x10, same, false), XEN_PV_REF_SELF);
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x10, P | RW), 0x10, same, false),
			 XEN_PV_REF_LINEAR_RW);
		/* in use as a data page or a descriptor page: wrong type */
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P), 0x10, XEN_PV_T_WRITABLE_INUSE, false),
			 XEN_PV_REF_WRONG_TYPE);
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P), 0x10, XEN_PV_T_SEG_DESC, false),
			 XEN_PV_REF_WRONG_TYPE);
		/* PSE, PWT, PCD, G are in base_disallow_mask at every upper level */
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P | XENPT_PTE_PSE), 0x10, child, false),
			 XEN_PV_REF_BAD_FLAGS);
		CHECK_EQ(xen_pv_entry_ref(l, ent(0x99, P | XENPT_PTE_G), 0x10, child, true),
			 XEN_PV_REF_BAD_FLAGS);
	}
	/* two levels apart: an L4 entry naming an L2 */
	CHECK_EQ(xen_pv_entry_ref(4, ent(0x99, P), 0x10, XEN_PV_T_L2, false),
		 XEN_PV_REF_WRONG_TYPE);
	/* an L2 entry naming an L4 */
	CHECK_EQ(xen_pv_entry_ref(2, ent(0x99, P), 0x10, XEN_PV_T_L4, false),
		 XEN_PV_REF_WRONG_TYPE);
}

TEST(pv_adjust_entry_what_xen_stores)
{
	/* xenlab A1: 0x80000000527e4021 read back as 0x80100000527e4025 */
	CHECK_EQ(xen_pv_adjust_entry(1, 0x80000000527e4021ull), 0x80100000527e4025ull);
	/* a user L1 entry gets G (adjust_guest_l1e) */
	CHECK_EQ(xen_pv_adjust_entry(1, ent(0x99, P | US)), ent(0x99, P | US | XENPT_PTE_G));
	CHECK_EQ(xen_pv_adjust_entry(2, ent(0x99, P | RW)), ent(0x99, P | RW | US));
	CHECK_EQ(xen_pv_adjust_entry(4, ent(0x99, P)), ent(0x99, P | A | US));
	/* not present: as written */
	CHECK_EQ(xen_pv_adjust_entry(4, 0x1234000ull), 0x1234000ull);
}

TEST(pv_ref_names)
{
	CHECK_STR_EQ(xen_pv_ref_name(XEN_PV_REF_LINEAR), "linear");
	CHECK_STR_EQ(xen_pv_ref_name(XEN_PV_REF_RW_TABLE), "rw-table");
	CHECK_STR_EQ(xen_pv_ref_name((enum xen_pv_ref)99), "?");
}
