/* SPDX-License-Identifier: MIT */
/*
 * x86 paging as Xen reads it (lib/xen/paging.c): the decoded geometry of
 * one address space (levels, index bits, entry size, reserved masks, and
 * for a 64-bit PV guest Xen's L4 slots and disallow masks) and the
 * per-entry decoder, shared by the walker, the range iterator, the
 * translation cache and the table graph (lib/walk/) so that they cannot
 * disagree.  These are the architecture's and Xen's rules, not a walk:
 * nothing here reads a frame.
 *
 * References: Intel SDM vol. 3A ch. 4 (4.3 32-bit paging, 4.4 PAE paging,
 * 4.5 4-level and 5-level paging), and Xen's reserved-bit rules in
 * xen/arch/x86/include/asm/guest_pt.h (guest_rsvd_bits, guest_l[1-4]e_rsvd_bits,
 * SUPERPAGE_RSVD, fold_pse36/unfold_pse36, GUEST_L3_PAGETABLE_RSVD for PAE).
 */
#ifndef XENPT_XEN_PAGING_H
#define XENPT_XEN_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xenpt/walk.h>

#include "xen/pv.h"

/* Control register and EFER bits (SDM vol. 3A 2.5, 2.2.1). */
#define CR0_WP    (1ull << 16)
#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)

#define PT_MAX_LEVELS 5

struct pt_geom {
	enum xenpt_paging_mode mode;
	unsigned top;                        /* top level number (0 for NONE) */
	unsigned esize;                      /* entry bytes: 8, or 4 (2-level) */
	unsigned shift[PT_MAX_LEVELS + 1];   /* VA bit where the level's index starts */
	unsigned bits[PT_MAX_LEVELS + 1];    /* index bits: 9; 10 (2-level); 2 (PAE L3) */
	uint64_t rsvd[PT_MAX_LEVELS + 1];    /* reserved bits of any present entry */
	uint64_t rsvd_large[PT_MAX_LEVELS + 1]; /* extra reserved bits of a PSE leaf */
	bool large_ok[PT_MAX_LEVELS + 1];    /* PSE makes a leaf at this level */
	bool has_rw_us[PT_MAX_LEVELS + 1];   /* RW/US take part in the rights (not PAE PDPTEs) */
	unsigned root_off;                   /* PAE: byte offset of the PDPT in the root frame */
	bool nx;                             /* bit 63 is NX (EFER.NXE, not 2-level) */
	bool xen_slots;                      /* 64-bit PV 4-level: L4 slots 256-271 are Xen's */
	uint64_t disallow[PT_MAX_LEVELS + 1]; /* 64-bit PV: flags Xen never validates (xen/pv.h) */
	uint64_t va_max_low;                 /* last VA of the lower canonical half */
	uint64_t va_min_high;                /* first VA of the upper canonical half (0: none) */
};

/* One decoded entry. */
struct pt_entry {
	bool present;
	bool leaf;
	uint64_t rsvd;       /* reserved bits set */
	uint64_t disallowed; /* PV: bits Xen's disallow mask forbids at this level */
	uint64_t next;       /* frame named: next table, or first 4K frame of the page */
	unsigned page_shift; /* leaf: 12, 21, 22 or 30 */
};

/* Fill @g from @as; false if the mode is unknown. */
bool pt_geom_init(const struct xenpt_aspace *as, struct pt_geom *g);
/*
 * The geometry of @as from a per-thread memo of the last one built (it is a
 * pure function of the mode and flags), or NULL if the mode is unknown.
 * Valid until the next call in the same thread.
 */
const struct pt_geom *pt_geom_get(const struct xenpt_aspace *as);

static inline unsigned pt_index(const struct pt_geom *g, unsigned level, uint64_t va)
{
	return (unsigned)(va >> g->shift[level]) & ((1u << g->bits[level]) - 1);
}

static inline uint64_t pt_read_entry(const struct pt_geom *g, const uint8_t *table,
				     unsigned index)
{
	if (g->esize == 8) {
		uint64_t e;
		memcpy(&e, table + (size_t)index * 8, 8);
		return e;
	} else {
		uint32_t e;
		memcpy(&e, table + (size_t)index * 4, 4);
		return e;
	}
}

/* 32-bit paging 4 MiB page: PA bits 31:22 from entry bits 31:22, PA bits
 * 39:32 from entry bits 20:13 (PSE-36; SDM table 4-4; Xen unfold_pse36). */
static inline uint64_t pt_pse36_base(uint64_t e)
{
	return (e & 0xffc00000ull) | (((e >> 13) & 0xffull) << 32);
}

/* Decode entry @e found at @level. */
static inline void pt_decode(const struct pt_geom *g, unsigned level, uint64_t e,
			     struct pt_entry *d)
{
	d->present = e & XENPT_PTE_P;
	d->leaf = false;
	d->rsvd = 0;
	d->disallowed = e & g->disallow[level];
	d->page_shift = 12;
	if (level == 1) {
		d->leaf = true;
		d->rsvd = e & g->rsvd[1];
		d->next = g->esize == 8 ? (e & XENPT_PTE_ADDR_MASK) >> 12 : (e & 0xfffff000ull) >> 12;
		return;
	}
	if (g->large_ok[level] && (e & XENPT_PTE_PSE)) {
		unsigned sh = g->shift[level];
		d->leaf = true;
		d->page_shift = sh;
		d->rsvd = e & (g->rsvd[level] | g->rsvd_large[level]);
		if (g->esize == 4)
			d->next = pt_pse36_base(e) >> 12;
		else
			d->next = (e & XENPT_PTE_ADDR_MASK & ~((1ull << sh) - 1)) >> 12;
		return;
	}
	d->rsvd = e & g->rsvd[level];
	d->next = g->esize == 8 ? (e & XENPT_PTE_ADDR_MASK) >> 12 : (e & 0xfffff000ull) >> 12;
}

/* VA canonical for the geometry (32-bit modes: below 4 GiB). */
static inline bool pt_canonical(const struct pt_geom *g, uint64_t va)
{
	return va <= g->va_max_low || (g->va_min_high && va >= g->va_min_high);
}

/*
 * Why a VA failing pt_canonical() has no translation: the 48/57-bit modes
 * have a non-canonical gap; 32-bit modes (2-level, PAE, paging off) end at
 * 4 GiB, and a VA above that is outside the address space, not non-canonical.
 */
static inline bool pt_outside_space(const struct pt_geom *g)
{
	return !g->va_min_high;
}

static inline bool pt_is_xen_slot(const struct pt_geom *g, unsigned level, unsigned index)
{
	return g->xen_slots && level == 4 && xen_pv_is_xen_l4_slot(index);
}

/*
 * An entry that is not followed: reserved bits (the hardware would fault)
 * or, 64-bit PV, flags Xen never validates (so it cannot be in use).
 */
static inline bool pt_bad(const struct pt_entry *d)
{
	return d->rsvd || d->disallowed;
}

#endif
