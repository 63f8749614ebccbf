/* SPDX-License-Identifier: MIT */
/*
 * The physical address width (MAXPHYADDR) from a serialised CPUID policy,
 * kept apart from lib/source/src_xen.c so that it is tested without Xen.
 *
 * Xen serialises a CPU policy as an array of xen_cpuid_leaf_t
 * (xen/include/public/arch-x86/xen.h: uint32_t leaf, subleaf, a, b, c, d;
 * subleaf XEN_CPUID_NO_SUBLEAF for leaves without one).  Leaf 0x80000008
 * EAX[7:0] is MAXPHYADDR (Intel SDM vol. 2A, CPUID; Xen's
 * cpu_policy.extd.maxphysaddr).  For a domain's policy Xen computes it in
 * recalculate_cpuid_policy() (xen/arch/x86/cpu-policy.c): the host's width,
 * capped by paging_max_paddr_bits() and at least 32 (36 with PAE/PSE36),
 * and its HVM guest walker takes reserved bits from the same field
 * (guest_rsvd_bits(), xen/arch/x86/include/asm/guest_pt.h).
 */
#ifndef XENPT_XEN_CPUID_H
#define XENPT_XEN_CPUID_H

#include <stddef.h>
#include <stdint.h>

/* One serialised leaf, laid out as Xen's xen_cpuid_leaf_t. */
struct xen_cpuid_leaf_raw {
	uint32_t leaf, subleaf;
	uint32_t a, b, c, d;
};

#define XEN_CPUID_LEAF_PADDR 0x80000008u
#define XEN_CPUID_NO_SUBLEAF_RAW 0xffffffffu

/* MAXPHYADDR from @n leaves, or 0 if the leaf is missing or its value is
 * not a width x86-64 can have (32..52). */
static inline unsigned xen_cpuid_paddr_bits(const struct xen_cpuid_leaf_raw *leaves, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned bits;

		if (leaves[i].leaf != XEN_CPUID_LEAF_PADDR ||
		    (leaves[i].subleaf != XEN_CPUID_NO_SUBLEAF_RAW && leaves[i].subleaf != 0))
			continue;
		bits = leaves[i].a & 0xff;
		return bits >= 32 && bits <= 52 ? bits : 0;
	}
	return 0;
}

#endif
