/* SPDX-License-Identifier: MIT */
/*
 * Xen's rules for 64-bit PV guests that READING page tables needs, each
 * written once here with the Xen source it follows (Xen 4.17).  The walker,
 * the iterator, the table graph, dump, rmap, the P2M checker and the
 * synthetic model take them from here and never restate them.
 *
 * - Xen's L4 slots: is_guest_l4_slot() (xen/arch/x86/include/asm/x86_64/page.h)
 *   with ROOT_PAGETABLE_FIRST/LAST_XEN_SLOT (xen/arch/x86/include/asm/config.h).
 * - _PAGE_GUEST_KERNEL: flag bit 12 of Xen's 24-bit flags, i.e. PTE bit 52
 *   (xen/arch/x86/include/asm/x86_64/page.h, get_pte_flags()).
 * - What Xen adds to guest entries: adjust_guest_l1e() .. adjust_guest_l4e()
 *   (xen/arch/x86/pv/mm.h).
 * - What Xen refuses in a validated entry: base_disallow_mask, computed in
 *   arch_init_memory() (xen/arch/x86/mm.c), and L1_DISALLOW_MASK,
 *   l1_disallow_mask(), L2_DISALLOW_MASK, l3_disallow_mask(),
 *   L4_DISALLOW_MASK (xen/arch/x86/mm.c), checked by get_page_from_l1e()
 *   .. get_page_from_l4e() and mod_l1_entry() .. mod_l4_entry().
 */
#ifndef XENPT_XEN_PV_H
#define XENPT_XEN_PV_H

#include <stdbool.h>
#include <stdint.h>

/* ROOT_PAGETABLE_FIRST_XEN_SLOT / ROOT_PAGETABLE_LAST_XEN_SLOT
 * (xen/arch/x86/include/asm/config.h). */
#define XEN_PV_FIRST_XEN_SLOT 256u
#define XEN_PV_LAST_XEN_SLOT  271u

/* _PAGE_GUEST_KERNEL (1U<<12 in Xen's flags = PTE bit 52,
 * xen/arch/x86/include/asm/x86_64/page.h). */
#define XEN_PV_PAGE_GUEST_KERNEL (1ull << 52)

/*
 * base_disallow_mask (arch_init_memory(), xen/arch/x86/mm.c) is everything
 * but P, RW, US, A, D, AVAIL (bits 9-11), AVAIL_HIGH (bits 52-62) and NX:
 * of the bits a PTE has, PWT, PCD, PSE/PAT and G.
 */
#define XEN_PV_BASE_DISALLOW   0x198ull
/* L1_DISALLOW_MASK = (base_disallow_mask | _PAGE_GNTTAB) & ~_PAGE_GLOBAL;
 * _PAGE_GNTTAB is 0 in release builds (xen/arch/x86/include/asm/page.h). */
#define XEN_PV_L1_DISALLOW     (XEN_PV_BASE_DISALLOW & ~0x100ull)
/* PAGE_CACHE_ATTRS: PAT, PCD, PWT (xen/arch/x86/include/asm/page.h). */
#define XEN_PV_CACHE_ATTRS     0x098ull

/* is_guest_l4_slot() for a 64-bit PV guest: false for Xen's slots 256-271. */
static inline bool xen_pv_is_xen_l4_slot(unsigned slot)
{
	return slot >= XEN_PV_FIRST_XEN_SLOT && slot <= XEN_PV_LAST_XEN_SLOT;
}

/* First and last VA of Xen's L4 slots (4-level, sign-extended). */
#define XEN_PV_XEN_SLOTS_FIRST_VA (0xffff000000000000ull | ((uint64_t)XEN_PV_FIRST_XEN_SLOT << 39))
#define XEN_PV_XEN_SLOTS_LAST_VA  ((0xffff000000000000ull | \
				    (((uint64_t)XEN_PV_LAST_XEN_SLOT + 1) << 39)) - 1)

/*
 * The flag bits Xen refuses in a present entry of a level-@level table of a
 * 64-bit PV guest.  @io_caps: the domain has I/O memory, I/O ports or
 * passed-through devices, for which l1_disallow_mask() lets the cache
 * attributes (PAT, PCD, PWT) through in L1 entries.  L3: the 64-bit
 * l3_disallow_mask() (the 0xFFFFF198 of 32-bit PV does not apply).
 */
uint64_t xen_pv_disallow_mask(unsigned level, bool io_caps);

/*
 * Which domains the reader assumes have I/O capabilities: dom0 (the
 * hardware domain).  A domU with passthrough has them too, but nothing in
 * a dump-core file says so.
 */
static inline bool xen_pv_assume_io_caps(uint32_t domid)
{
	return domid == 0;
}

/*
 * The privilege of a mapping of a 64-bit PV guest: may guest USER mode use
 * it?  A 64-bit PV kernel runs in ring 3 too, so Xen sets US on every
 * present entry it validates: adjust_guest_l2e/l3e/l4e() add _PAGE_USER to
 * every upper entry, adjust_guest_l1e() turns a guest kernel L1 entry (US
 * clear) into US|_PAGE_GUEST_KERNEL and a guest user one into US|G
 * (xen/arch/x86/pv/mm.h).  So the US bits say nothing; instead:
 *
 * - @hw_user (US at every level) false: not even ring 3 reaches it (Xen's
 *   own mappings): not user.
 * - the user L4 (@user_l4, ctrlreg[1], guest_table_user): guest user mode
 *   runs on it (update_cr3() in xen/arch/x86/mm.c), so whatever it maps
 *   with US at every level is user, _PAGE_GUEST_KERNEL or not.
 * - the kernel L4 (ctrlreg[3]): user iff the leaf L1 entry lacks
 *   _PAGE_GUEST_KERNEL (the guest made it a user mapping); guest user mode
 *   reaches it only through the user L4 that links the same tables.
 */
static inline bool xen_pv_user(bool hw_user, uint64_t leaf_entry, bool user_l4)
{
	if (!hw_user)
		return false;
	if (user_l4)
		return true;
	return !(leaf_entry & XEN_PV_PAGE_GUEST_KERNEL);
}

/*
 * What Xen stores for a present entry a 64-bit PV guest writes at @level
 * (xen/arch/x86/pv/mm.h): adjust_guest_l1e() makes a kernel mapping (US
 * clear) US|_PAGE_GUEST_KERNEL and gives a user one US|G;
 * adjust_guest_l2e()/l3e() add US; adjust_guest_l4e() adds A|US.
 * Not-present entries are stored as written.
 */
uint64_t xen_pv_adjust_entry(unsigned level, uint64_t e);

/*
 * The reference a present entry of a VALIDATED level-@level table holds on
 * the frame it names, as get_page_from_l1e() .. get_page_from_l4e() take it
 * (xen/arch/x86/mm.c, Xen 4.17): one rule for the PV MMU model, which applies
 * it with counts, and for the audit, which applies it to the types Xen
 * reports.  The state-dependent parts of the linear rule (inc_linear_entries()
 * / inc_linear_uses(): a table with linear entries may not itself be a
 * linear target, XSA-240) are not decided here.
 */
enum xen_pv_ref {
	XEN_PV_REF_NONE = 0,     /* not present: no reference */
	XEN_PV_REF_CHILD,        /* +1 general, +1 type L(level-1) (validating it) */
	XEN_PV_REF_SELF,         /* same-level entry naming its own table: none */
	XEN_PV_REF_LINEAR,       /* same-level entry, other validated Llevel:
				    +1 general, +1 type Llevel, linear counts */
	XEN_PV_REF_MAP_RO,       /* L1 read-only mapping: +1 general */
	XEN_PV_REF_MAP_RW,       /* L1 writable mapping: +1 general, +1 writable type */
	/* refusals: mod_lN_entry()/validation answer -EINVAL */
	XEN_PV_REF_BAD_FLAGS,    /* flags in the level's disallow mask */
	XEN_PV_REF_WRONG_TYPE,   /* the target is in use with another type */
	XEN_PV_REF_LINEAR_RW,    /* same-level entry with RW ("linear p.t. with write perms") */
	XEN_PV_REF_RW_TABLE,     /* L1 RW mapping of a page-table or descriptor frame */
};

/*
 * Type of a frame as far as the rule above needs it: the PGT_* type and
 * whether it is in use (type count > 0, which for page tables means
 * validated).  XEN_PV_T_SEG_DESC: GDT/LDT pages (PGT_seg_desc_page).
 */
enum xen_pv_type {
	XEN_PV_T_NONE = 0,       /* PGT_none or PGT_writable_page */
	XEN_PV_T_L1 = 1, XEN_PV_T_L2, XEN_PV_T_L3, XEN_PV_T_L4,
	XEN_PV_T_SEG_DESC,
	XEN_PV_T_WRITABLE_INUSE, /* PGT_writable_page with type count > 0 */
};

/*
 * Classify entry @e of a validated level-@level table at frame @holder
 * naming a frame whose current type is @target (XEN_PV_T_Ln only if
 * validated and in use).  @e must be in a guest slot (not Xen's L4 slots).
 */
enum xen_pv_ref xen_pv_entry_ref(unsigned level, uint64_t e, uint64_t holder,
				 enum xen_pv_type target, bool io_caps);
/* Short name of a classification ("child", "linear", "bad-flags", ...). */
const char *xen_pv_ref_name(enum xen_pv_ref r);


/* ==== audit (xenpt audit, lib/view/audit.c): Xen's rules the audit needs ==== */

/*
 * How Xen fills L4 slot @slot (256-271) of every validated L4 of a 64-bit PV
 * domain: init_xen_l4_slots() (xen/arch/x86/mm.c, Xen 4.17), called when an
 * L4 is validated (promote_l4_table()).
 *
 * - XEN_PV_L4_SLOT_SAME: the same entry in every L4 of the domain (257 PCI
 *   MMCFG, 260 the per-domain L3, 261-271 Xen's text, RW M2P, vmap, frame
 *   table and direct map, copied from idle_pg_table).
 * - XEN_PV_L4_SLOT_RO_MPT: slot 256, the read-only M2P: idle_pg_table's
 *   entry or empty (ro_mpt false, and zap_ro_mpt() for user L4s under
 *   VMASST_TYPE_m2p_strict, xen/arch/x86/pv/domain.c, mm.c).
 * - XEN_PV_L4_SLOT_SELF: slot 258, LINEAR_PT_VIRT_START: the L4 itself.
 * - XEN_PV_L4_SLOT_SHADOW: slot 259, SH_LINEAR_PT_VIRT_START: empty or the
 *   shadow L4 (shadow mode, e.g. log-dirty): per table.
 * The accessed and dirty bits are the hardware's and are not compared.
 */
enum xen_pv_l4_slot_rule {
	XEN_PV_L4_SLOT_SAME = 0,
	XEN_PV_L4_SLOT_RO_MPT,
	XEN_PV_L4_SLOT_SELF,
	XEN_PV_L4_SLOT_SHADOW,
};
enum xen_pv_l4_slot_rule xen_pv_l4_slot_rule(unsigned slot);
/* The bits of a Xen slot entry that init_xen_l4_slots() decides (not A, D). */
#define XEN_PV_L4_SLOT_CMP_MASK (~0x60ull)

/*
 * inc_linear_entries() / inc_linear_uses() (xen/arch/x86/mm.c, XSA-240): a
 * table holding linear entries (to other tables of its level) may not itself
 * be the target of a linear entry elsewhere, nor the other way round, and
 * both tables must be the domain's own (get_page_from_mfn(mfn, d)).
 * True when a table with @entries linear entries and @uses linear uses
 * breaks the rule.  Self entries count for neither.
 */
static inline bool xen_pv_linear_both(uint64_t entries, uint64_t uses)
{
	return entries && uses;
}

/* ==== end of the audit block ==== */

#endif
