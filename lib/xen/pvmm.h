/* SPDX-License-Identifier: MIT */
/*
 * A standalone model of Xen 4.17's PV MMU for 64-bit PV domains: frame
 * ownership, page types with type count, general count, PGT_validated,
 * PGT_pinned, linear_pt_count, the 512 entries of each frame, the M2P, and
 * per-vCPU guest_table / guest_table_user.  The operations follow
 * xen/arch/x86/mm.c and xen/arch/x86/pv/ (Xen 4.17) and return Xen's rc;
 * unlike a release hypervisor they also leave a human reason for each
 * refusal (pvmm_reason()).
 *
 * Followed, by Xen function (xen/arch/x86/mm.c unless noted):
 *   _get_page_type / _put_page_type / _put_final_page_type  types and counts
 *   validate_page / promote_l1..l4_table        validation (recursive)
 *   devalidate_page / demote_l1..l4_table       devalidation (recursive)
 *   get_page_from_l1e .. get_page_from_l4e      the reference of an entry
 *     (classified by xen_pv_entry_ref(), xen/pv.h)
 *   put_page_from_l1e .. put_page_from_l4e      its release
 *   define_get_linear_pagetable, inc_linear_entries, inc_linear_uses
 *   mod_l1_entry .. mod_l4_entry, update_intpte (pv/mm.h)
 *   do_mmu_update, do_mmuext_op, new_guest_cr3, __do_update_va_mapping,
 *   map_guest_l1e (pv/mm.c), fixup_page_fault (traps.c), pv_ro_page_fault /
 *   ptwr_emulated_update (pv/ro-page-fault.c), pv_set_gdt
 *   (pv/descriptor-tables.c), get_pg_owner (common/page_alloc.c), and what
 *   XEN_DOMCTL_getpageframeinfo3 reports (domctl.c).
 *
 * Checked against real Xen: tests/unit/test_corpus.c replays the corpus
 * recorded on Xen 4.17.7 (tests/corpus/) and must agree on every rc and
 * every recorded final state; tests/unit/test_pvmm.c has hand-derived
 * cases for each rule.
 *
 * The type and reference rules (from _get_page_type to mod_lN_entry, pins
 * and base pointers) are written once, in xen/pvmm_rules.h, over a frame
 * store: this model runs them over its own store (below), and the
 * synthetic domain builder (lib/synth/synth.c) drives the same rules over
 * its compact per-frame state and page store, so that every type, count,
 * validation, linear-table and pin decision of a synthetic domain is this
 * model's, with this model's reasons.
 *
 * Not modelled: preemption and continuations (-ERESTART: the model always
 * finishes an operation, which gives the state Xen reaches once its
 * continuations are done), L1TF shadowing of not-present entries, 32-bit
 * PV, shadow/translated domains, grant mappings, IOMMU, LDT pages,
 * descriptor checks, m2p_strict, the MMIO read-only ranges of the
 * hardware domain, XSM beyond "dom0 may act on other domains".
 *
 * This model's store: frames live in a two-level table indexed by MFN
 * (chunks of 4096 frame records allocated on first use); the 512 entries
 * of a frame come from a slab on first write, so nothing is allocated per
 * entry.
 */
#ifndef XENPT_XEN_PVMM_H
#define XENPT_XEN_PVMM_H

#include <stdbool.h>
#include <stdint.h>

/* Owners that are not domains. */
#define PVMM_OWNER_FREE  0xffffu   /* no owner (free page, or unknown) */
#define PVMM_DOMID_SELF  0x7ff0u   /* DOMID_SELF (public/xen.h) */
#define PVMM_DOMID_IO    0x7ff1u   /* DOMID_IO: "not RAM" (MMIO, the first MiB) */
#define PVMM_DOMID_XEN   0x7ff2u   /* DOMID_XEN */

#define PVMM_NO_FRAME    UINT64_MAX

enum pvmm_type {
	PVMM_T_NONE = 0,     /* PGT_none */
	PVMM_T_L1, PVMM_T_L2, PVMM_T_L3, PVMM_T_L4,
	PVMM_T_SEG_DESC,     /* PGT_seg_desc_page (GDT/LDT) */
	PVMM_T_WRITABLE,     /* PGT_writable_page */
};

/* Commands (public/xen.h). */
#define PVMM_MMU_NORMAL_PT_UPDATE       0
#define PVMM_MMU_MACHPHYS_UPDATE        1
#define PVMM_MMU_PT_UPDATE_PRESERVE_AD  2
#define PVMM_MMU_PT_UPDATE_NO_TRANSLATE 3

enum pvmm_mmuext_cmd {
	PVMM_MMUEXT_PIN_L1_TABLE = 0, PVMM_MMUEXT_PIN_L2_TABLE = 1,
	PVMM_MMUEXT_PIN_L3_TABLE = 2, PVMM_MMUEXT_PIN_L4_TABLE = 3,
	PVMM_MMUEXT_UNPIN_TABLE = 4, PVMM_MMUEXT_NEW_BASEPTR = 5,
	PVMM_MMUEXT_TLB_FLUSH_LOCAL = 6, PVMM_MMUEXT_INVLPG_LOCAL = 7,
	PVMM_MMUEXT_TLB_FLUSH_MULTI = 8, PVMM_MMUEXT_INVLPG_MULTI = 9,
	PVMM_MMUEXT_TLB_FLUSH_ALL = 10, PVMM_MMUEXT_INVLPG_ALL = 11,
	PVMM_MMUEXT_FLUSH_CACHE = 12, PVMM_MMUEXT_SET_LDT = 13,
	PVMM_MMUEXT_NEW_USER_BASEPTR = 15, PVMM_MMUEXT_CLEAR_PAGE = 16,
	PVMM_MMUEXT_COPY_PAGE = 17, PVMM_MMUEXT_FLUSH_CACHE_GLOBAL = 18,
	PVMM_MMUEXT_MARK_SUPER = 19, PVMM_MMUEXT_UNMARK_SUPER = 20,
};

/* update_va_mapping flags (public/xen.h). */
#define PVMM_UVMF_NONE           0ull
#define PVMM_UVMF_TLB_FLUSH      1ull
#define PVMM_UVMF_INVLPG         2ull
#define PVMM_UVMF_FLUSHTYPE_MASK 3ull
#define PVMM_UVMF_LOCAL          0ull
#define PVMM_UVMF_ALL            4ull

struct pvmm_mmuext_op {
	unsigned cmd;        /* enum pvmm_mmuext_cmd */
	uint64_t arg1;       /* mfn, or linear_addr */
	uint64_t arg2;       /* nr_ents, vcpumask (a guest VA), or src_mfn */
};

/*
 * One rule of Xen the model can be told to break ("buggy Xen"), so that
 * tests can build states Xen forbids.  Entries accepted only because of a
 * bug hold a general reference and nothing else.
 */
enum pvmm_bug {
	PVMM_BUG_NONE = 0,
	PVMM_BUG_RW_TABLE,      /* accept an RW L1 mapping of a table / seg-desc frame */
	PVMM_BUG_WRONG_TYPE,    /* accept an L2-L4 entry naming a frame in use with another type */
	PVMM_BUG_LINEAR_RW,     /* accept RW linear (same-level) entries */
	PVMM_BUG_LINEAR_LEVELS, /* skip the XSA-240 single-level rule (inc_linear_entries/uses) */
	PVMM_BUG_BAD_FLAGS,     /* skip the disallow masks */
	PVMM_BUG_XEN_SLOTS,     /* let guest writes into L4 slots 256-271 through (raw) */
};

struct pvmm_frame_info {
	uint16_t owner;          /* domid, PVMM_DOMID_IO, or PVMM_OWNER_FREE */
	enum pvmm_type type;     /* type bits (kept at count 0, as Xen does) */
	uint32_t type_count;
	uint32_t count;          /* general count (PGC_allocated is 1 of it) */
	bool validated;          /* PGT_validated */
	bool pinned;             /* PGT_pinned */
	int linear;              /* linear_pt_count: >0 linear entries, <0 linear uses */
	bool special;            /* a Xen page shared with the domain (is_special_page) */
	uint64_t m2p;            /* the M2P entry */
};

/* Result of a guest store (pvmm_guest_write()). */
enum pvmm_write_result {
	PVMM_WRITE_DONE = 0,     /* the store went through an RW mapping */
	PVMM_WRITE_EMULATED,     /* ptwr: emulated as a validated L1 entry update */
	PVMM_WRITE_PF,           /* #PF delivered to the guest (error code in *ec) */
	PVMM_WRITE_GP,           /* non-canonical address: #GP */
};

struct pvmm;

/* A model with no frames and no domains; NULL when out of memory. */
struct pvmm *pvmm_new(void);
void pvmm_free(struct pvmm *m);

/* The reason of the last refusal (or "" after success). */
const char *pvmm_reason(const struct pvmm *m);

/* Break one rule from now on (PVMM_BUG_NONE: none). */
void pvmm_set_bug(struct pvmm *m, enum pvmm_bug bug);
const char *pvmm_bug_name(enum pvmm_bug bug);

/*
 * A 64-bit PV domain with @nr_vcpus vCPUs (at most 8).  @io_caps: it has
 * I/O memory (l1_disallow_mask() lets cache attributes through, MMIO maps
 * allowed); domain 0 is also privileged over the others (XSM_TARGET).
 * VM_ASSIST(d, m2p_strict) is off.  0 or -EEXIST/-EINVAL/-ENOSPC.
 */
int pvmm_add_domain(struct pvmm *m, uint16_t domid, unsigned nr_vcpus, bool io_caps);
/* VMASST_TYPE_writable_pagetables for @domid (off when a domain is made, as
 * in Xen; Linux and the test guest turn it on): see pvmm_guest_write(). */
int pvmm_set_writable_pagetables(struct pvmm *m, uint16_t domid, bool on);
/* The 16 Xen L4 slots (256-271) a validated L4 of @domid gets
 * (init_xen_l4_slots()): slot 258 is always the self map, slot 256 (the
 * RO M2P) is empty at validation and set from @slots when the L4 becomes
 * a kernel base pointer (fill_ro_mpt(), no m2p_strict).  Without this call
 * the model leaves slots other than 258 as they are. */
int pvmm_set_xen_l4_slots(struct pvmm *m, uint16_t domid, const uint64_t slots[16]);

/*
 * Frame setup.  pvmm_add_frame(): a fresh frame owned by @owner (a domid,
 * or PVMM_DOMID_IO for "not RAM"), type none, count 1 (PGC_allocated) for
 * a domain's frame; its entries zero; m2p invalid.  -EEXIST if present.
 * pvmm_set_entry_raw(): store @val as entry @idx without any check or
 * reference (building initial worlds, or hostile states); -ENOENT if the
 * frame is not in the model.  pvmm_set_special(): mark a frame a Xen page
 * shared with its owner.
 */
int pvmm_add_frame(struct pvmm *m, uint64_t mfn, uint16_t owner);
int pvmm_set_entry_raw(struct pvmm *m, uint64_t mfn, unsigned idx, uint64_t val);
/* All 512 entries of @mfn at once, raw (as pvmm_set_entry_raw()). */
int pvmm_set_table_raw(struct pvmm *m, uint64_t mfn, const uint64_t ents[512]);
int pvmm_set_special(struct pvmm *m, uint64_t mfn, bool special);
int pvmm_set_m2p(struct pvmm *m, uint64_t mfn, uint64_t pfn);

/* Query: false if @mfn is not in the model. */
bool pvmm_frame(const struct pvmm *m, uint64_t mfn, struct pvmm_frame_info *info);
/* Entry @idx of @mfn (0 for frames not in the model or never written). */
uint64_t pvmm_entry(const struct pvmm *m, uint64_t mfn, unsigned idx);
/* The first frame in the model with MFN >= @from, or PVMM_NO_FRAME. */
uint64_t pvmm_frame_next(const struct pvmm *m, uint64_t from);
/* guest_table / guest_table_user of a vCPU (0: none). */
uint64_t pvmm_vcpu_root(const struct pvmm *m, uint16_t domid, unsigned vcpu, bool user);
/*
 * What getpageframeinfo3 (XEN_DOMCTL_getpageframeinfo3,
 * xen/arch/x86/domctl.c) reports to a tool for a frame asked about as
 * @domid's: "xtab" (not the domain's, or a Xen page), "l1".."l4" (the type
 * bits, when pinned or validated), otherwise "none" (writable, descriptor
 * and devalidated pages alike); the pin bit is info->pinned.
 */
const char *pvmm_pfinfo_type(const struct pvmm_frame_info *info, uint16_t domid);
/* The level getpageframeinfo3 reports for a frame of the domain that is
 * not special: 1..4 for an L1..L4 pinned or validated, otherwise 0. */
static inline unsigned pvmm_pfinfo_level(enum pvmm_type type, bool validated, bool pinned)
{
	return type >= PVMM_T_L1 && type <= PVMM_T_L4 && (validated || pinned) ? (unsigned)type : 0;
}
/* Short name of a type ("L1", "writable", ...). */
const char *pvmm_type_name(enum pvmm_type t);

/*
 * Initial vCPU state as the domain builder sets it (arch_set_info_guest(),
 * xen/arch/x86/domain.c): a type reference of L4 on @kernel_l4 (validating
 * it) and, if non-zero, on @user_l4.  Xen's rc.
 */
int pvmm_vcpu_set_roots(struct pvmm *m, uint16_t domid, unsigned vcpu,
			uint64_t kernel_l4, uint64_t user_l4);

/*
 * HYPERVISOR_set_gdt for vCPU @vcpu of @domid (pv_set_gdt(),
 * xen/arch/x86/pv/descriptor-tables.c): @entries descriptors in
 * ceil(@entries / 512) frames, each taken as PGT_seg_desc_page (+1 general
 * +1 type), the previous GDT frames released.  The descriptors are not
 * checked.  pvmm_vcpu_gdt(): the frames (0: none) and the entry count.
 */
int pvmm_set_gdt(struct pvmm *m, uint16_t domid, unsigned vcpu, const uint64_t *frames,
		 unsigned entries);
unsigned pvmm_vcpu_gdt(const struct pvmm *m, uint16_t domid, unsigned vcpu, uint64_t frames[14]);

/*
 * The hypercalls, issued by vCPU @vcpu of domain @caller.
 * pvmm_mmu_update(): one request of do_mmu_update() (@ptr's low 3 bits the
 * command), @foreigndom as in the hypercall (low 16 bits the page owner,
 * DOMID_SELF for the caller; high 16 bits the page-table owner + 1).
 * pvmm_mmuext_op(): one op of do_mmuext_op() with @foreigndom the page
 * owner.  pvmm_update_va_mapping(): do_update_va_mapping().
 */
int pvmm_mmu_update(struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t ptr,
		    uint64_t val, uint32_t foreigndom);
int pvmm_mmuext_op(struct pvmm *m, uint16_t caller, unsigned vcpu,
		   const struct pvmm_mmuext_op *op, uint32_t foreigndom);
int pvmm_update_va_mapping(struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t va,
			   uint64_t val, uint64_t flags);

/*
 * HYPERVISOR_multicall (__HYPERVISOR_multicall = 13): each entry is one of
 * the three calls above with count 1 (the op number as in Xen's public
 * xen.h: __HYPERVISOR_mmu_update 1, __HYPERVISOR_update_va_mapping 14,
 * __HYPERVISOR_mmuext_op 26), or a nested multicall.
 */
enum {
	PVMM_HC_MMU_UPDATE = 1,
	PVMM_HC_MULTICALL = 13,
	PVMM_HC_UPDATE_VA_MAPPING = 14,
	PVMM_HC_MMUEXT_OP = 26,
};

struct pvmm_multicall_entry {
	unsigned op;                 /* PVMM_HC_* */
	uint64_t ptr, val;           /* mmu_update: the request; update_va_mapping: va, val */
	uint64_t flags;              /* update_va_mapping: UVMF_* */
	struct pvmm_mmuext_op ext;   /* mmuext_op */
	uint32_t foreigndom;         /* mmu_update, mmuext_op */
	int64_t result;              /* out: the entry's rc */
};

/*
 * Run @nr entries in order, each whatever the earlier ones returned, and
 * store each one's rc in its result (xen/common/multicall.c do_multicall,
 * xen/arch/x86/pv/hypercall.c pv_do_multicall_call: no entry stops the
 * batch but HYPERVISOR_iret, which the model has not).  A nested multicall
 * entry gets -EINVAL ("Multicall reentry is disallowed").  Returns the
 * multicall's own rc: 0; -EOPNOTSUPP (nothing run) if an entry's op is not
 * one the model has, with the reason.  pvmm_reason() afterwards: the last
 * failing entry's reason.
 */
int pvmm_multicall(struct pvmm *m, uint16_t caller, unsigned vcpu,
		   struct pvmm_multicall_entry *calls, unsigned nr);

/*
 * An 8-byte guest-kernel store of @val at @va (8-byte aligned) by vCPU
 * @vcpu, through its kernel page tables: a plain write through an RW
 * mapping, the writable-page-table emulation when @va maps one of the
 * domain's validated L1 tables read-only and the domain turned on
 * writable page tables (fixup_page_fault(), pv_ro_page_fault()), otherwise
 * a #PF with the error code the guest sees in *@ec (P|W = 3 for a
 * read-only mapping, W = 2 for a missing one).
 */
enum pvmm_write_result pvmm_guest_write(struct pvmm *m, uint16_t caller, unsigned vcpu,
					uint64_t va, uint64_t val, unsigned *ec);

/*
 * Translate @va through @caller's vCPU kernel tables as the hardware would
 * (4 KiB leaves only): the frame the L1 entry names, and in *@writable
 * whether every level allows writes.  PVMM_NO_FRAME if a level is not
 * present or @va is not canonical.
 */
uint64_t pvmm_translate(const struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t va,
			bool *writable);

#endif
