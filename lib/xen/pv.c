/* SPDX-License-Identifier: MIT */
/* Xen's 64-bit PV rules for readers: see xen/pv.h. */
#include <xenpt/walk.h>

#include "xen/pv.h"

_Static_assert(XEN_PV_PAGE_GUEST_KERNEL == XENPT_PTE_GUEST_KERNEL,
	       "_PAGE_GUEST_KERNEL is PTE bit 52");
_Static_assert(XEN_PV_BASE_DISALLOW == (XENPT_PTE_PWT | XENPT_PTE_PCD | XENPT_PTE_PSE | XENPT_PTE_G),
	       "base_disallow_mask: PWT, PCD, PSE, G");

uint64_t xen_pv_disallow_mask(unsigned level, bool io_caps)
{
	switch (level) {
	case 1:
		/* l1_disallow_mask(d), xen/arch/x86/mm.c */
		return io_caps ? XEN_PV_L1_DISALLOW & ~XEN_PV_CACHE_ATTRS : XEN_PV_L1_DISALLOW;
	case 2:     /* L2_DISALLOW_MASK */
	case 3:     /* l3_disallow_mask(d) of a 64-bit PV domain */
	case 4:     /* L4_DISALLOW_MASK */
		return XEN_PV_BASE_DISALLOW;
	default:
		return 0;
	}
}

uint64_t xen_pv_adjust_entry(unsigned level, uint64_t e)
{
	if (!(e & XENPT_PTE_P))
		return e;
	switch (level) {
	case 1:
		if (!(e & XENPT_PTE_US))
			e |= XEN_PV_PAGE_GUEST_KERNEL | XENPT_PTE_US;
		if (!(e & XEN_PV_PAGE_GUEST_KERNEL))
			e |= XENPT_PTE_G | XENPT_PTE_US;
		return e;
	case 2:
	case 3:
		return e | XENPT_PTE_US;
	default:
		return e | XENPT_PTE_A | XENPT_PTE_US;
	}
}

/*
 * get_page_from_l1e(): disallowed flags first; then a RW mapping takes a
 * PGT_writable_page type reference, which _get_page_type() refuses while
 * the frame has another type in use.  get_page_from_l2e()/l3e()/l4e():
 * disallowed flags first; then get_page_and_type_from_mfn() of the next
 * level's type; when that fails with -EINVAL, get_lN_linear_pagetable()
 * (define_get_linear_pagetable): refused if RW, free for the table itself,
 * otherwise only for a validated table of the same level.  I/O frames
 * (not RAM of the domain) are not classified here: the caller knows.
 */
enum xen_pv_ref xen_pv_entry_ref(unsigned level, uint64_t e, uint64_t holder,
				 enum xen_pv_type target, bool io_caps)
{
	uint64_t mfn = (e & XENPT_PTE_ADDR_MASK) >> 12;

	if (!(e & XENPT_PTE_P))
		return XEN_PV_REF_NONE;
	if (e & xen_pv_disallow_mask(level, io_caps))
		return XEN_PV_REF_BAD_FLAGS;
	if (level == 1) {
		if (!(e & XENPT_PTE_RW))
			return XEN_PV_REF_MAP_RO;
		if (target >= XEN_PV_T_L1 && target <= XEN_PV_T_SEG_DESC)
			return XEN_PV_REF_RW_TABLE;
		return XEN_PV_REF_MAP_RW;
	}
	/* get_page_and_type_from_mfn(mfn, PGT_l(level-1)_page_table) */
	if (target == XEN_PV_T_NONE || target == (enum xen_pv_type)(level - 1))
		return XEN_PV_REF_CHILD;
	/* -EINVAL: the linear fallback */
	if (e & XENPT_PTE_RW)
		return XEN_PV_REF_LINEAR_RW;
	if (mfn == holder)
		return XEN_PV_REF_SELF;
	if (target == (enum xen_pv_type)level)
		return XEN_PV_REF_LINEAR;
	return XEN_PV_REF_WRONG_TYPE;
}

const char *xen_pv_ref_name(enum xen_pv_ref r)
{
	static const char *const names[] = {
		[XEN_PV_REF_NONE] = "none",          [XEN_PV_REF_CHILD] = "child",
		[XEN_PV_REF_SELF] = "self",          [XEN_PV_REF_LINEAR] = "linear",
		[XEN_PV_REF_MAP_RO] = "map-ro",      [XEN_PV_REF_MAP_RW] = "map-rw",
		[XEN_PV_REF_BAD_FLAGS] = "bad-flags", [XEN_PV_REF_WRONG_TYPE] = "wrong-type",
		[XEN_PV_REF_LINEAR_RW] = "linear-rw", [XEN_PV_REF_RW_TABLE] = "rw-table",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) && names[r] ? names[r] : "?";
}

/* ==== audit (xenpt audit, lib/view/audit.c) ==== */

/* init_xen_l4_slots(), xen/arch/x86/mm.c (Xen 4.17): see pv.h. */
enum xen_pv_l4_slot_rule xen_pv_l4_slot_rule(unsigned slot)
{
	switch (slot) {
	case 256:   /* RO_MPT_VIRT_START */
		return XEN_PV_L4_SLOT_RO_MPT;
	case 258:   /* LINEAR_PT_VIRT_START */
		return XEN_PV_L4_SLOT_SELF;
	case 259:   /* SH_LINEAR_PT_VIRT_START */
		return XEN_PV_L4_SLOT_SHADOW;
	default:
		return XEN_PV_L4_SLOT_SAME;
	}
}
/* ==== end of the audit block ==== */
