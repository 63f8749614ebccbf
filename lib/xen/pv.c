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
