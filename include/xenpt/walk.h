/* SPDX-License-Identifier: MIT */
/**
 * @file walk.h
 * The x86 page-table walker: one implementation for 64-bit PV (tables hold
 * MFNs), and HVM guests in every paging mode (tables hold GFNs).  A walk
 * records every level; a non-present entry, reserved bits or an address
 * outside the mode's range (non-canonical) is a result, not an error.  Errors mean "could not
 * look" (out of memory, domain gone).
 *
 * Semantics follow the Intel SDM vol. 3 ch. 4 and Xen's own walkers
 * (xen/arch/x86/mm/guest_walk.c, tools/libs/ctrl/xc_pagetab.c):
 *
 * - An entry is first checked for P, then for reserved bits, then followed;
 *   RW and US are ANDed over the levels (not over PAE PDPTEs, which have
 *   neither), NX is ORed when as.nxe.
 * - Reserved bits: address bits at or above as.maxphyaddr (default 52); bit
 *   63 without NXE; PSE in L4/L5 entries; the bits below the alignment of a
 *   2M/1G leaf (bit 12 is their PAT bit); PAE PDPTEs: bits 63:52 (also NX),
 *   RW, US, A, D, PSE, G; PAE L1/L2: bits 62:52; 2-level 4M entries: bit 21
 *   and PSE-36 address bits beyond MAXPHYADDR (capped at 40).
 * - 1G leaves are always honoured in HVM 4/5-level mode (as Xen does with
 *   HAP).  64-bit PV: after the reserved bits, the flags Xen's disallow mask
 *   forbids at the level (PWT, PCD, PSE and G above L1; PWT, PCD and PAT in
 *   L1 unless the domain has I/O capabilities, assumed for dom0 only) end
 *   the walk as XENPT_WALK_DISALLOWED: Xen never validates such an entry,
 *   so PSE in a PV L2/L3 entry is never a leaf.
 * - Privilege (struct xenpt_walk.user): HVM, US at every level.  64-bit PV
 *   (whose kernel runs in ring 3 with US set by Xen everywhere): in the
 *   user L4, US at every level; in the kernel L4, US at every level and no
 *   _PAGE_GUEST_KERNEL in the leaf (lib/xen/pv.h).  The raw AND of the US
 *   bits is kept as hw_user.
 * - 2-level: PSE makes a 4M leaf only with as.pse (CR4.PSE); without it the
 *   bit is ignored.  PSE-36 high address bits are decoded (xc_pagetab.c
 *   ignores them).
 * - PV: only in 4-level mode are L4 slots 256-271 treated as Xen's.
 * - 32-bit modes (2-level, PAE, paging off) have no addresses above 4 GiB:
 *   such VAs are reported as XENPT_WALK_OUTSIDE_SPACE ("outside_address_space"),
 *   not as NON_CANONICAL, which only the 48/57-bit modes use.
 *
 * Tables are read whole through the source's frame cache
 * (xenpt_source_get_frames()), one read per level, never mapped per entry;
 * a stable source's table pointers are also kept in a small direct-indexed
 * memo of the source, so a walk through known tables does no lookup beyond
 * one compare per level.
 */
#ifndef XENPT_WALK_H
#define XENPT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Page-table entry bits (SDM names). */
#define XENPT_PTE_P        (1ull << 0)
#define XENPT_PTE_RW       (1ull << 1)
#define XENPT_PTE_US       (1ull << 2)
#define XENPT_PTE_PWT      (1ull << 3)
#define XENPT_PTE_PCD      (1ull << 4)
#define XENPT_PTE_A        (1ull << 5)
#define XENPT_PTE_D        (1ull << 6)
#define XENPT_PTE_PSE      (1ull << 7)   /**< page size (L2/L3); PAT in an L1 entry */
#define XENPT_PTE_G        (1ull << 8)
#define XENPT_PTE_PAT_LARGE (1ull << 12) /**< PAT bit of a 2M/1G/4M leaf */
/** Xen marks 64-bit PV kernel mappings with bit 52 (_PAGE_GUEST_KERNEL). */
#define XENPT_PTE_GUEST_KERNEL (1ull << 52)
#define XENPT_PTE_NX       (1ull << 63)
/** Frame field of a 64-bit entry (bits 12-51). */
#define XENPT_PTE_ADDR_MASK 0x000ffffffffff000ull

enum xenpt_paging_mode {
	XENPT_PM_NONE = 0,   /**< paging disabled: VA = guest-physical */
	XENPT_PM_2LEVEL,     /**< 32-bit, 4-byte entries, 4M pages with CR4.PSE */
	XENPT_PM_PAE,        /**< 32-bit PAE, 3 levels */
	XENPT_PM_4LEVEL,     /**< IA-32e 4-level (64-bit PV, HVM long mode) */
	XENPT_PM_5LEVEL,     /**< IA-32e 5-level (CR4.LA57) */
};

/** "none", "2level", "pae", "4level", "5level". */
const char *xenpt_paging_mode_name(enum xenpt_paging_mode mode);
/** Parse those names (also "2", "3", "4", "5", "legacy"); false if unknown. */
bool xenpt_paging_mode_parse(const char *name, enum xenpt_paging_mode *ret);
/** Number of levels of a mode (0 for NONE). */
unsigned xenpt_paging_mode_levels(enum xenpt_paging_mode mode);
/**
 * The mode selected by CR0.PG, CR4.PAE, CR4.LA57 and EFER.LMA.  Without
 * EFER (dump-core files), long mode is assumed when CR4.PAE is set and
 * @p assume_long is true (64-bit guest).
 */
enum xenpt_paging_mode xenpt_paging_mode_from_regs(uint64_t cr0, uint64_t cr4, uint64_t efer,
						   bool efer_known, bool assume_long);

/** How to read addresses: which tables, in which mode. */
struct xenpt_aspace {
	enum xenpt_space space;       /**< MFN (PV) or GFN (HVM): what table frames are */
	enum xenpt_paging_mode mode;
	uint64_t cr3;                 /**< raw root (PV: maddr of the L4; HVM: CR3 value) */
	uint64_t root;                /**< frame of the top table (PAE: frame holding the PDPT) */
	bool pv;                      /**< Xen PV: L4 slots 256-271 are Xen's; PFN labels via M2P */
	bool user;                    /**< PV: the user L4 (ctrlreg[1]) */
	bool nxe;                     /**< EFER.NXE: bit 63 is NX, else reserved */
	bool pse;                     /**< CR4.PSE: 4M pages in 2-level mode */
	bool wp;                      /**< CR0.WP */
	unsigned maxphyaddr;          /**< physical address bits for reserved-bit checks: from
				           xenpt_aspace_from_*(), the source's paddr_bits
				           (struct xenpt_domain_info), or 52 when it does not know
				           (XENPT_PADDR_BITS_ASSUMED); 0 here also means 52 */
	bool io_caps;                 /**< PV: I/O capabilities (cache attributes allowed in L1
				           entries); assumed for dom0 only */
	bool mode_inferred;           /**< HVM: the mode was inferred from CR0/CR4 without EFER */
	uint64_t mode_cr0, mode_cr4;  /**< ... from these (mode_inferred) */
};

/**
 * How @p as got its mode, for output: "" when it was not inferred, else
 * e.g. "CR0.PG=1 CR4.PAE=1 CR4.LA57=0, no EFER in dump-core files".
 * Returns @p buf.
 */
const char *xenpt_aspace_mode_from(const struct xenpt_aspace *as, char *buf, size_t len);

/**
 * The address space a vCPU is using: its CR3 (or, with @p user, a 64-bit PV
 * vCPU's user L4 from ctrlreg[1]) and its paging mode.
 *
 * PV (64-bit only): MFN space, 4-level, root = CR3 >> 12, nxe and wp true
 * (Xen runs PV guests with EFER.NXE when the CPU has NX and always with
 * CR0.WP).  A zero ctrlreg[1] with @p user is XENPT_ERR_NOT_FOUND; 32-bit
 * PV is XENPT_ERR_UNSUPPORTED.
 * HVM: GFN space, mode from CR0/CR4/EFER (without EFER, as in dump-core
 * files: long mode when CR4.PAE and the guest is not 32-bit, and NXE
 * assumed), pse = CR4.PSE, wp = CR0.WP; PAE: root = (CR3 & ~0x1f) >> 12
 * with the PDPT at CR3 & 0xfe0 inside that frame.  @p user is
 * XENPT_ERR_INVALID_ARG.
 */
struct xenpt_error *xenpt_aspace_from_vcpu(struct xenpt_source *src, uint32_t vcpu, bool user,
					   struct xenpt_aspace *ret);
/**
 * An explicit root.  @p cr3 is a CR3 value (PV: maddr of the L4, i.e.
 * MFN << 12).  @p mode XENPT_PM_NONE means "the domain's mode" (PV: 4-level;
 * HVM: vCPU 0's).  HVM flags (nxe, pse, wp) come from vCPU 0 when the source
 * has vCPUs, else nxe, pse and wp are true.  PV accepts only 4LEVEL (a
 * 64-bit PV guest cannot use 5-level paging): anything else is
 * XENPT_ERR_INVALID_ARG.
 */
struct xenpt_error *xenpt_aspace_from_cr3(struct xenpt_source *src, uint64_t cr3,
					  enum xenpt_paging_mode mode, struct xenpt_aspace *ret);
/**
 * Override the paging mode of @p as (the CLI's --mode): the root is
 * recomputed from as.cr3 and mode_inferred cleared.  PV accepts only
 * 4LEVEL (XENPT_ERR_INVALID_ARG otherwise).
 */
struct xenpt_error *xenpt_aspace_set_mode(struct xenpt_source *src, struct xenpt_aspace *as,
					  enum xenpt_paging_mode mode);

/** One level of a walk. */
struct xenpt_walk_step {
	unsigned level;        /**< 5..1; PAE PDPT is level 3, 2-level uses 2 and 1 */
	uint64_t table;        /**< frame of the table, in as.space */
	uint64_t table_other;  /**< PV: its PFN via M2P; HVM: MFN when known; else XENPT_INVALID_FRAME */
	unsigned index;        /**< entry index in the table */
	uint64_t entry_addr;   /**< maddr (PV) or guest-physical address (HVM) of the entry */
	uint64_t entry;        /**< raw entry (zero-extended for 4-byte entries) */
	bool present;
	bool leaf;             /**< maps a page here (L1, or PSE at L2/L3) */
	uint64_t next;         /**< frame the entry names (next table or first frame of the page) */
	uint64_t next_other;   /**< PV: PFN of that frame via M2P; else XENPT_INVALID_FRAME */
	uint64_t rsvd;         /**< reserved bits set in the entry (0 if none) */
	uint64_t disallowed;   /**< PV: flags Xen's disallow mask forbids at this level (0 if none) */
};

enum xenpt_walk_end {
	XENPT_WALK_MAPPED = 0,     /**< translated */
	XENPT_WALK_NOT_PRESENT,    /**< P clear at end_level */
	XENPT_WALK_RESERVED,       /**< reserved bits set at end_level */
	XENPT_WALK_NON_CANONICAL,  /**< address outside the canonical range */
	XENPT_WALK_XEN_SLOT,       /**< PV: L4 slot 256-271 belongs to Xen, not walked */
	XENPT_WALK_UNREADABLE,     /**< the table at end_level could not be read (end_errno) */
	XENPT_WALK_DISALLOWED,     /**< PV: flags Xen never validates at end_level (step.disallowed) */
	XENPT_WALK_OUTSIDE_SPACE,  /**< 32-bit modes (2-level, PAE, paging off): the VA is at or
				        above 4 GiB, outside the 32-bit address space */
};

/** "mapped", "not_present", "reserved_bits", "non_canonical", "xen_slot", "unreadable",
 *  "disallowed_flags", "outside_address_space". */
const char *xenpt_walk_end_name(enum xenpt_walk_end end);

struct xenpt_walk {
	uint64_t va;
	struct xenpt_aspace as;
	unsigned nsteps;
	struct xenpt_walk_step steps[5];   /**< steps[nsteps..4] are zero */
	enum xenpt_walk_end end;
	unsigned end_level;    /**< level where the walk stopped (leaf level when mapped) */
	int end_errno;         /**< UNREADABLE: the per-frame errno */
	/* Valid when end == XENPT_WALK_MAPPED: */
	uint64_t page_size;    /**< 4K, 2M, 4M or 1G */
	uint64_t frame;        /**< 4K frame holding va, in as.space */
	uint64_t frame_other;  /**< PV: PFN via M2P; HVM: MFN when known; else XENPT_INVALID_FRAME */
	uint64_t addr;         /**< maddr (PV) or guest-physical address (HVM) of va */
	bool writable;         /**< effective: RW at every level (and CR0.WP for supervisor) */
	bool user;             /**< privilege: guest user mode may use it (see above; PV rules in
				    lib/xen/pv.h) */
	bool nx;               /**< effective: NX at any level (with NXE) */
	bool global, accessed, dirty;
	bool hw_user;          /**< raw hardware: US at every level */
	bool guest_kernel;     /**< PV: the leaf has _PAGE_GUEST_KERNEL (bit 52) */
};

/**
 * Translate @p va.  A result of any kind is success (NULL).  Labels
 * (table_other, next_other, frame_other) come from ONE batched lookup per
 * walk: the M2P for PV (XENPT_CAP_M2P), the P2M for HVM sources that have
 * one (XENPT_CAP_P2M); otherwise they are XENPT_INVALID_FRAME.  A table
 * that cannot be read ends the walk as UNREADABLE with the per-frame errno,
 * keeping the steps read so far (its frame is the last step's @c next, or
 * as.root).  Self-referencing tables are followed as the hardware would
 * (the depth is bounded by the levels).
 */
struct xenpt_error *xenpt_walk_va(struct xenpt_source *src, const struct xenpt_aspace *as,
				  xenpt_va_t va, struct xenpt_walk *ret);

/** True if @p va is canonical for @p mode (48 or 57 bits; 32-bit modes: below 4 GiB). */
bool xenpt_va_canonical(enum xenpt_paging_mode mode, uint64_t va);
/** PV: true if @p va lies in the L4 slots 256-271 Xen owns. */
bool xenpt_va_in_xen_slots(uint64_t va);

/** Kinds of range the iterator returns. */
enum xenpt_range_kind {
	XENPT_RANGE_MAPPED = 0,
	XENPT_RANGE_HOLE,          /**< a non-present entry (at range.level) */
	XENPT_RANGE_NON_CANONICAL, /**< the non-canonical gap */
	XENPT_RANGE_XEN_SLOT,      /**< PV: Xen's L4 slots, not walked */
	XENPT_RANGE_RESERVED,      /**< an entry with reserved bits set: not followed */
	XENPT_RANGE_UNREADABLE,    /**< a table that could not be read (range.err) */
	XENPT_RANGE_CYCLE,         /**< an entry naming a table of its own level or above
				        (a linear page table, a self map, a loop, a frame that
				        is a higher-level table elsewhere): not followed; see
				        xenpt_pt_iter_create() */
	XENPT_RANGE_DISALLOWED,    /**< PV: an entry with flags Xen never validates: not followed */
	XENPT_RANGE_OUTSIDE_SPACE, /**< 32-bit modes: everything at or above 4 GiB, outside the
				        32-bit address space */
};

/** "mapped", "hole", "non_canonical", "xen_slot", "reserved_bits", "unreadable", "cycle",
 *  "disallowed_flags", "outside_address_space". */
const char *xenpt_range_kind_name(enum xenpt_range_kind kind);

/**
 * One range: one entry's worth of address space, never merged (clipped to
 * the iteration bounds).
 *
 * - MAPPED, HOLE, RESERVED, DISALLOWED, XEN_SLOT: level/table/index/entry describe the
 *   deciding entry.
 * - UNREADABLE and CYCLE: level/table/index/entry describe the entry that
 *   names the table, and @c frame is that table's frame; when the root
 *   table itself cannot be read, level is the top level, table = frame =
 *   as.root, index 0 and entry 0.
 * - NON_CANONICAL, OUTSIDE_SPACE (and paging-off MAPPED): no entry; level is the top level
 *   (0 with paging off), table as.root, entry 0.
 */
struct xenpt_pt_range {
	uint64_t start;        /**< first VA (canonical) */
	uint64_t end;          /**< last VA, inclusive */
	enum xenpt_range_kind kind;
	unsigned level;        /**< level of the deciding entry */
	uint64_t table;        /**< table holding that entry (as.space) */
	unsigned index;
	uint64_t entry;        /**< the raw entry */
	uint64_t frame;        /**< MAPPED: 4K frame of @c start (as.space); UNREADABLE/CYCLE:
				    the table named; else XENPT_INVALID_FRAME */
	uint64_t page_size;    /**< MAPPED: 4K, 2M, 4M or 1G (entry span); else the entry span */
	bool writable, user, nx; /**< effective rights (MAPPED), as in struct xenpt_walk */
	int err;               /**< UNREADABLE: per-frame errno */
	bool hw_user;          /**< MAPPED: raw US at every level */
};

struct xenpt_pt_iter;

/**
 * Iterate over [@p start, @p end] (inclusive; canonical forms; for 32-bit
 * modes addresses above 4 GiB come back as one OUTSIDE_SPACE range).
 *
 * Tables are read whole through the frame cache, one read per table visit
 * (never per entry); for copying (live) sources the iterator also prefetches
 * all child tables of a table in one batch.  Per-level state is the table's
 * contents (a copy, or for XENPT_CAP_STABLE sources the cache's pointer) and
 * the rights accumulated above it.
 *
 * Loops and linear entries: one rule, the one dump and rmap use.  A frame
 * has one type (Xen: one of L1..L4 at a time), so every table frame of the
 * address space gets one level, the highest at which it is reached from
 * the root; an entry of level L is followed only when it names a table of
 * level L-1.  An entry naming a table of its own level (a same-level
 * "linear" page table, as Xen's define_get_linear_pagetable in
 * xen/arch/x86/mm.c allows read-only, or a self map) or of a higher level
 * (a loop back to an ancestor, or a frame that is a higher-level table
 * elsewhere, even on another path or later in VA order) is reported as one
 * CYCLE range and not entered.  So the answer for an entry does not depend
 * on the path or the order of the walk, and a VA under a linear entry, which
 * the hardware (and xenpt_walk_va()) translates through it, is a CYCLE
 * range here.  To know the levels, creation reads every table above L1 of
 * the address space once (the L1 tables are only named), whatever
 * [@p start, @p end]; depth is bounded by the paging levels, so hostile or
 * self-mapping tables cannot make it loop or explode.
 */
struct xenpt_error *xenpt_pt_iter_create(struct xenpt_source *src, const struct xenpt_aspace *as,
					 uint64_t start, uint64_t end,
					 struct xenpt_pt_iter **ret);
/** Next range; *done_ret is true (and *ret untouched) at the end. */
struct xenpt_error *xenpt_pt_iter_next(struct xenpt_pt_iter *it, struct xenpt_pt_range *ret,
				       bool *done_ret);
void xenpt_pt_iter_destroy(struct xenpt_pt_iter *it);

/*
 * Translation cache ("software TLB", LibVMI's v2p cache).
 *
 * Caches successful translations keyed by (address space: root, mode and
 * the flags that change the result; VA page), one entry per page: a 2M, 4M
 * or 1G page is cached once and serves every VA inside it.  Lookups probe
 * the 4K class first, then the large classes if any large page is cached.
 * Unmapped results are never cached.  Its memory follows what it holds
 * (it starts small and grows up to the capacity).
 *
 * It is consulted only where it wins: copying (live) sources, where a walk
 * costs a frame-cache lookup per level and a miss a foreign map.  For a
 * stable source (XENPT_CAP_STABLE: core files, synthetic domains) the walk
 * is a few compares and loads, no slower than a lookup, so the cache is
 * neither consulted nor filled (xenpt_xlate_stats stays zero) and every
 * answer is the walk's (cached false).
 *
 * NOTHING FLUSHES IT AUTOMATICALLY.  A cache is only right while the guest's
 * page tables do not change: for a live domain, call
 * xenpt_xlate_cache_flush() whenever the domain may have run (after an
 * unpause, after any write through the source), together with
 * xenpt_source_cache_flush().  Core files and synthetic domains that are
 * not written to never need a flush.  A cache used with a different source
 * than the last time flushes itself.  A cache (like a source and an
 * iterator) is not thread-safe: one thread at a time.
 */
struct xenpt_xlate_cache;

/** Translation-cache statistics. */
struct xenpt_xlate_stats {
	uint64_t lookups;        /**< xenpt_translate() calls */
	uint64_t hits;           /**< answered from the cache */
	uint64_t misses;         /**< needed a walk */
	uint64_t inserts;        /**< translations stored */
	uint64_t flushes;
	size_t capacity;         /**< 4K-class entries (large classes are smaller) */
};

/** One translation. */
struct xenpt_xlate {
	uint64_t va;
	enum xenpt_walk_end end;   /**< MAPPED, or why not (then only end_* are valid) */
	unsigned end_level;
	int end_errno;             /**< UNREADABLE: per-frame errno */
	uint64_t page_size;        /**< 4K, 2M, 4M or 1G */
	uint64_t page_va;          /**< first VA of the page */
	uint64_t frame;            /**< 4K frame holding va, in as.space (MFN PV, GFN HVM) */
	uint64_t addr;             /**< maddr (PV) or guest-physical address (HVM) of va */
	bool writable, user, nx;   /**< effective rights, as in struct xenpt_walk */
	bool cached;               /**< answered from the cache */
	bool hw_user;              /**< raw US at every level */
};

/** A cache of @p capacity 4K translations (rounded up to a power of 2; 0 = 4096). */
struct xenpt_error *xenpt_xlate_cache_create(size_t capacity, struct xenpt_xlate_cache **ret);
/** Free (NULL is fine). */
void xenpt_xlate_cache_destroy(struct xenpt_xlate_cache *cache);
/** Forget every translation (O(1)). */
void xenpt_xlate_cache_flush(struct xenpt_xlate_cache *cache);
void xenpt_xlate_cache_stats(const struct xenpt_xlate_cache *cache,
			     struct xenpt_xlate_stats *ret);

/**
 * Translate @p va in @p as through @p cache (NULL: no cache, always walk;
 * see above for where a cache is consulted).  Like xenpt_walk_va(), an
 * unmapped address is a result (ret->end), not an error; no M2P labels are
 * looked up, and nothing but @p ret is recorded.  To translate many
 * addresses of one address space, xenpt_translate_batch() is faster.
 */
struct xenpt_error *xenpt_translate(struct xenpt_source *src, struct xenpt_xlate_cache *cache,
				    const struct xenpt_aspace *as, xenpt_va_t va,
				    struct xenpt_xlate *ret);

/** Defined where xenpt_translate_batch() exists. */
#define XENPT_HAVE_TRANSLATE_BATCH 1

/**
 * Translate the @p n addresses @p vas (any order, duplicates allowed) of
 * one address space @p as into @p ret[0 .. n-1], each exactly as
 * xenpt_translate() would: an unmapped address is a result (ret[i].end),
 * not an error, and no labels are looked up.  @p cache as for
 * xenpt_translate() (NULL: none; consulted for copying sources only).
 *
 * The cost is what a batch allows:
 * - a stable source (core file, synthetic domain) walks several addresses
 *   at once, so that their table reads overlap;
 * - a copying source (live) walks all addresses level by level and reads
 *   the distinct tables each level needs in ONE frame read, so at most one
 *   backend call (one foreign map, live) per paging level for the whole
 *   batch, whatever @p n; this needs memory proportional to @p n.
 *
 * On error (out of memory, a read that failed as a whole, an interrupt)
 * the contents of @p ret are unspecified.
 */
struct xenpt_error *xenpt_translate_batch(struct xenpt_source *src,
					  struct xenpt_xlate_cache *cache,
					  const struct xenpt_aspace *as, const xenpt_va_t *vas,
					  size_t n, struct xenpt_xlate *ret);

/**
 * Read @p len bytes of guest memory at @p va (crossing pages as needed)
 * through @p cache (may be NULL): every page is translated first, then all
 * data frames are read in one batch.  A VA that does not translate, or a
 * frame that cannot be read, is XENPT_ERR_FAULT naming the VA (and the
 * frame); @p buf is written only on success.
 */
struct xenpt_error *xenpt_read_va(struct xenpt_source *src, struct xenpt_xlate_cache *cache,
				  const struct xenpt_aspace *as, xenpt_va_t va, void *buf,
				  size_t len);

#ifdef __cplusplus
}
#endif
#endif
