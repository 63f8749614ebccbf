/* SPDX-License-Identifier: MIT */
/*
 * x86 paging as Xen reads it: the paging modes (names, levels, the mode
 * from CR0/CR4/EFER) and the geometry of an address space (index bits,
 * entry size, reserved bits per level, canonical halves, and for a 64-bit
 * PV guest Xen's L4 slots and disallow masks).  See lib/xen/paging.h.
 *
 * References: Intel SDM vol. 3A ch. 4 (4.1.1 the modes, 4.3 32-bit paging,
 * 4.4 PAE paging, 4.5 4-level and 5-level paging); Xen's reserved-bit rules
 * in xen/arch/x86/include/asm/guest_pt.h (guest_rsvd_bits,
 * guest_l[1-4]e_rsvd_bits, SUPERPAGE_RSVD, fold_pse36) and the PV rules of
 * lib/xen/pv.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <xenpt/walk.h>

#include "base/base.h"
#include "xen/paging.h"

/* ---- paging modes -------------------------------------------------------- */

static const char *const mode_names[] = {
	[XENPT_PM_NONE] = "none",
	[XENPT_PM_2LEVEL] = "2level",
	[XENPT_PM_PAE] = "pae",
	[XENPT_PM_4LEVEL] = "4level",
	[XENPT_PM_5LEVEL] = "5level",
};

XENPT_PUBLIC const char *xenpt_paging_mode_name(enum xenpt_paging_mode mode)
{
	if ((unsigned)mode < XENPT_ARRAY_SIZE(mode_names))
		return mode_names[mode];
	return "unknown";
}

XENPT_PUBLIC bool xenpt_paging_mode_parse(const char *name, enum xenpt_paging_mode *ret)
{
	static const struct {
		const char *name;
		enum xenpt_paging_mode mode;
	} aliases[] = {
		{ "none", XENPT_PM_NONE },     { "off", XENPT_PM_NONE },
		{ "0", XENPT_PM_NONE },        { "2level", XENPT_PM_2LEVEL },
		{ "2", XENPT_PM_2LEVEL },      { "legacy", XENPT_PM_2LEVEL },
		{ "pae", XENPT_PM_PAE },       { "3", XENPT_PM_PAE },
		{ "3level", XENPT_PM_PAE },    { "4level", XENPT_PM_4LEVEL },
		{ "4", XENPT_PM_4LEVEL },      { "ia32e", XENPT_PM_4LEVEL },
		{ "5level", XENPT_PM_5LEVEL }, { "5", XENPT_PM_5LEVEL },
		{ "la57", XENPT_PM_5LEVEL },
	};
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < XENPT_ARRAY_SIZE(aliases); i++)
		if (!strcasecmp(name, aliases[i].name)) {
			*ret = aliases[i].mode;
			return true;
		}
	return false;
}

XENPT_PUBLIC unsigned xenpt_paging_mode_levels(enum xenpt_paging_mode mode)
{
	switch (mode) {
	case XENPT_PM_2LEVEL: return 2;
	case XENPT_PM_PAE: return 3;
	case XENPT_PM_4LEVEL: return 4;
	case XENPT_PM_5LEVEL: return 5;
	case XENPT_PM_NONE:
	default: return 0;
	}
}

XENPT_PUBLIC enum xenpt_paging_mode xenpt_paging_mode_from_regs(uint64_t cr0, uint64_t cr4,
								 uint64_t efer, bool efer_known,
								 bool assume_long)
{
	bool lma;

	if (!(cr0 & CR0_PG))
		return XENPT_PM_NONE;
	/* EFER.LMA = EFER.LME && CR0.PG; long mode requires CR4.PAE (SDM 4.1.1). */
	lma = efer_known ? (efer & EFER_LMA) != 0 : ((cr4 & CR4_PAE) && assume_long);
	if (lma)
		return (cr4 & CR4_LA57) ? XENPT_PM_5LEVEL : XENPT_PM_4LEVEL;
	if (cr4 & CR4_PAE)
		return XENPT_PM_PAE;
	return XENPT_PM_2LEVEL;
}

/* ---- geometry ------------------------------------------------------------ */

/* Bits @lo..@hi inclusive. */
static uint64_t bits_range(unsigned lo, unsigned hi)
{
	if (hi < lo)
		return 0;
	return (hi >= 63 ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

bool pt_geom_init(const struct xenpt_aspace *as, struct pt_geom *g)
{
	unsigned m = as->maxphyaddr ? as->maxphyaddr : 52, l;
	uint64_t phys, nx;

	if (m > 52)
		m = 52;
	if (m < 32)
		m = 32;
	memset(g, 0, sizeof(*g));
	g->mode = as->mode;
	/* Address bits at or above MAXPHYADDR (guest_rsvd_bits() in guest_pt.h). */
	phys = bits_range(m, 51);
	nx = as->nxe ? 0 : XENPT_PTE_NX;
	for (l = 1; l <= PT_MAX_LEVELS; l++)
		g->has_rw_us[l] = true;

	switch (as->mode) {
	case XENPT_PM_NONE:
		g->top = 0;
		g->va_max_low = 0xffffffffull;
		return true;
	case XENPT_PM_2LEVEL: {
		/* SDM 4.3: no reserved bits except in a 4 MiB PDE (CR4.PSE): bit 21,
		 * and the PSE-36 address bits 13+(M-32)..20 beyond MAXPHYADDR, with M
		 * capped at 40 (Xen: fold_pse36(rsvd_bits | (1ul << 40))). */
		unsigned m36 = m > 40 ? 40 : m;

		g->top = 2;
		g->esize = 4;
		g->shift[1] = 12;
		g->bits[1] = 10;
		g->shift[2] = 22;
		g->bits[2] = 10;
		g->large_ok[2] = as->pse;
		g->rsvd_large[2] = (1ull << 21) | bits_range(13 + (m36 - 32), 20);
		g->va_max_low = 0xffffffffull;
		return true;
	}
	case XENPT_PM_PAE:
		/* SDM 4.4; Xen GUEST_L[1-3]_PAGETABLE_RSVD for 3 levels. */
		g->top = 3;
		g->esize = 8;
		g->shift[1] = 12;
		g->bits[1] = 9;
		g->shift[2] = 21;
		g->bits[2] = 9;
		g->shift[3] = 30;
		g->bits[3] = 2;
		g->rsvd[1] = phys | bits_range(52, 62) | nx;
		g->rsvd[2] = phys | bits_range(52, 62) | nx;
		g->large_ok[2] = true;
		g->rsvd_large[2] = bits_range(13, 20);
		/* PDPTE: bits 63:M, and RW, US, A, D, PSE, G (bits 1, 2, 5-8). */
		g->rsvd[3] = phys | bits_range(52, 63) | XENPT_PTE_RW | XENPT_PTE_US |
			     XENPT_PTE_A | XENPT_PTE_D | XENPT_PTE_PSE | XENPT_PTE_G;
		g->has_rw_us[3] = false;
		g->root_off = (unsigned)(as->cr3 & 0xfe0);
		g->nx = as->nxe;
		g->va_max_low = 0xffffffffull;
		return true;
	case XENPT_PM_4LEVEL:
	case XENPT_PM_5LEVEL:
		/* SDM 4.5; Xen: PSE is reserved in L4 (GUEST_L4_PAGETABLE_RSVD) and
		 * L5 entries; SUPERPAGE_RSVD() for the low address bits of 2M/1G
		 * leaves (bit 12 is their PAT bit). */
		g->top = as->mode == XENPT_PM_5LEVEL ? 5 : 4;
		g->esize = 8;
		for (l = 1; l <= g->top; l++) {
			g->shift[l] = 12 + 9 * (l - 1);
			g->bits[l] = 9;
			g->rsvd[l] = phys | nx;
		}
		g->rsvd[4] |= XENPT_PTE_PSE;
		g->rsvd[5] |= XENPT_PTE_PSE;
		g->large_ok[2] = true;
		g->rsvd_large[2] = bits_range(13, 20);
		g->large_ok[3] = true;
		g->rsvd_large[3] = bits_range(13, 29);
		g->nx = as->nxe;
		g->xen_slots = as->pv && as->mode == XENPT_PM_4LEVEL;
		if (as->pv) {
			/* Xen validates no PSE in a PV L2/L3 (base_disallow_mask):
			 * no superpages, and the flags it refuses end the walk. */
			g->large_ok[2] = g->large_ok[3] = false;
			for (l = 1; l <= g->top; l++)
				g->disallow[l] = xen_pv_disallow_mask(l, as->io_caps);
		}
		if (g->top == 5) {
			g->va_max_low = 0x00ffffffffffffffull;
			g->va_min_high = 0xff00000000000000ull;
		} else {
			g->va_max_low = 0x00007fffffffffffull;
			g->va_min_high = 0xffff800000000000ull;
		}
		return true;
	}
	return false;
}

/* Everything pt_geom_init() reads from an address space. */
struct geom_key {
	enum xenpt_paging_mode mode;
	unsigned maxphyaddr;
	unsigned root_off;
	bool nxe, pse, pv, io_caps;
};

const struct pt_geom *pt_geom_get(const struct xenpt_aspace *as)
{
	static _Thread_local struct {
		bool valid;
		struct geom_key key;
		struct pt_geom g;
	} memo;
	struct geom_key k = {
		.mode = as->mode,
		.maxphyaddr = as->maxphyaddr,
		.root_off = as->mode == XENPT_PM_PAE ? (unsigned)(as->cr3 & 0xfe0) : 0,
		.nxe = as->nxe,
		.pse = as->pse,
		.pv = as->pv,
		.io_caps = as->io_caps,
	};

	if (memo.valid && memo.key.mode == k.mode && memo.key.maxphyaddr == k.maxphyaddr &&
	    memo.key.root_off == k.root_off && memo.key.nxe == k.nxe &&
	    memo.key.pse == k.pse && memo.key.pv == k.pv && memo.key.io_caps == k.io_caps)
		return &memo.g;
	memo.valid = false;
	if (!pt_geom_init(as, &memo.g))
		return NULL;
	memo.key = k;
	memo.valid = true;
	return &memo.g;
}

XENPT_PUBLIC bool xenpt_va_canonical(enum xenpt_paging_mode mode, uint64_t va)
{
	switch (mode) {
	case XENPT_PM_4LEVEL:
		return va <= 0x00007fffffffffffull || va >= 0xffff800000000000ull;
	case XENPT_PM_5LEVEL:
		return va <= 0x00ffffffffffffffull || va >= 0xff00000000000000ull;
	default:
		return va <= 0xffffffffull;
	}
}

XENPT_PUBLIC bool xenpt_va_in_xen_slots(uint64_t va)
{
	return va >= XEN_PV_XEN_SLOTS_FIRST_VA && va <= XEN_PV_XEN_SLOTS_LAST_VA;
}
