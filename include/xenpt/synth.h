/* SPDX-License-Identifier: MIT */
/**
 * @file synth.h
 * Synthetic domains: a model of a Xen domain and of Xen's PV MMU rules, for
 * tests, demos and scale benchmarks (man page xenpt-synth(5) describes the
 * text format).
 *
 * A synthetic domain is either 64-bit PV (page tables hold MFNs; a shuffled
 * P2M and a host-wide M2P that also knows other domains' frames; Xen's page
 * types, type counts, general reference counts, pins and validation follow
 * xen/arch/x86/mm.c) or HVM in any paging mode (tables hold GFNs; no
 * P2M/M2P/page types, as with HAP).  The builder records every mapping it
 * makes independently of the page tables (xenpt_synth_lookup(),
 * xenpt_synth_mapping()), so that walks can be checked against it.
 *
 * Frame numbers of tables ("table frames") are MFNs for PV and GFNs for
 * HVM; functions taking a plain uint64_t table frame say so.  Data pages
 * are not stored unless written: reading one yields generated content (a
 * header naming the frame, then a pattern; see xenpt-synth(5)).
 *
 * Ownership: xenpt_synth_create() returns a model holding one reference.
 * xenpt_synth_source() takes another for the source; the model is freed
 * when xenpt_synth_destroy() and xenpt_source_close() have both been
 * called, in either order.  The model is not thread-safe.
 *
 * Not the stable ABI.  The builder and the model's mutators are for tests,
 * demos and benchmarks; every function of this header is exported in the
 * version node XENPT_UNSTABLE_SYNTH of libxenpt.so (lib/libxenpt.map), not
 * in the stable reader ABI XENPT_0, and may change incompatibly in any
 * release.  A program that only reads domains (sources, walks, dumps,
 * rmap, P2M) needs none of it.
 */
#ifndef XENPT_SYNTH_H
#define XENPT_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_synth;

enum xenpt_synth_kind {
	XENPT_SYNTH_PV = 0,   /**< 64-bit PV: 4-level tables holding MFNs */
	XENPT_SYNTH_HVM = 1,  /**< HVM (HAP): tables holding GFNs, any paging mode */
};

/**
 * Bounds on what a model may allocate.  The text parser applies them to
 * every directive, so hostile specs cannot ask for unbounded memory or time.
 */
struct xenpt_synth_limits {
	uint64_t max_pages;        /**< PFNs/GFNs of the domain */
	uint64_t max_host_frames;  /**< frames of the synthetic host (max MFN + 1) */
	uint64_t max_tables;       /**< page-table frames the builder may create */
	uint64_t max_written;      /**< data pages that may be written (stored) */
	uint64_t max_entries;      /**< leaf entries the builder may write in total */
	uint64_t max_generated;    /**< generated frames a source may materialise */
	uint32_t max_vcpus;
	uint32_t max_roots;
};

/** Defaults: 2^26 pages (256 GiB), 2^40 host frames, 2^20 tables, ... */
void xenpt_synth_limits_init(struct xenpt_synth_limits *ret);

struct xenpt_synth_params {
	enum xenpt_synth_kind kind;
	/** HVM: 2LEVEL, PAE, 4LEVEL or 5LEVEL.  PV: 4LEVEL (NONE means 4LEVEL). */
	enum xenpt_paging_mode mode;
	uint32_t domid;
	char name[64];
	/** PV: PFNs (the P2M has this many entries); HVM: GFNs 0..nr_pages-1. */
	uint64_t nr_pages;
	/** Host frames (max MFN + 1); 0 = max(4 * nr_pages + 0x1000, 0x20000). */
	uint64_t host_frames;
	uint32_t nr_vcpus;
	uint64_t seed;             /**< drives the P2M shuffle and generated content */
	/** xenpt_synth_write_core() leaves data pages never written as holes. */
	bool sparse;
	/** HVM: GFNs 0xa0-0xbf are a hole (not populated), as on real HVM guests. */
	bool vga_hole;
	/** NULL: xenpt_synth_limits_init() defaults. */
	const struct xenpt_synth_limits *limits;
};

/** Defaults: PV 4-level, domid 1, "synth", 16 MiB, 1 vCPU, seed 1. */
void xenpt_synth_params_init(struct xenpt_synth_params *ret, enum xenpt_synth_kind kind);

/**
 * Create a domain.  PV: root "kernel" (an L4) is created, pinned
 * (MMUEXT_PIN_L4_TABLE) and loaded as every vCPU's CR3.  HVM: root "kernel"
 * is the CR3 of every vCPU, with CR0/CR4/EFER set for the mode.
 */
struct xenpt_error *xenpt_synth_create(const struct xenpt_synth_params *params,
				       struct xenpt_synth **ret);
/** Drop the builder's reference (NULL is fine). */
void xenpt_synth_destroy(struct xenpt_synth *s);
/** The effective parameters (host_frames filled in). */
const struct xenpt_synth_params *xenpt_synth_get_params(const struct xenpt_synth *s);
/** "domain 7 (demo-pv)": for messages. */
const char *xenpt_synth_describe(const struct xenpt_synth *s);

/* ---- roots (top-level tables: address spaces) ----------------------------- */

/** The root made by xenpt_synth_create(). */
#define XENPT_SYNTH_ROOT_DEFAULT 0u

/**
 * A new empty root table.  PV with @p pin: pinned as L4 at once (so entries
 * are written under Xen's rules); without: entries are plain writes until it
 * is pinned or loaded as a CR3 (as Linux builds a new pgd).  @p name may be
 * NULL; names are unique.
 */
struct xenpt_error *xenpt_synth_root_create(struct xenpt_synth *s, const char *name, bool pin,
					    unsigned *root_ret);
unsigned xenpt_synth_nr_roots(const struct xenpt_synth *s);
/** Table frame of @p root (MFN for PV, GFN for HVM); XENPT_INVALID_FRAME if none. */
uint64_t xenpt_synth_root_frame(const struct xenpt_synth *s, unsigned root);
/** CR3 value that selects @p root (frame << 12). */
uint64_t xenpt_synth_root_cr3(const struct xenpt_synth *s, unsigned root);
/** "" if unnamed or no such root. */
const char *xenpt_synth_root_name(const struct xenpt_synth *s, unsigned root);
/** XENPT_ERR_NOT_FOUND if no root has that name. */
struct xenpt_error *xenpt_synth_root_find(const struct xenpt_synth *s, const char *name,
					  unsigned *root_ret);
/** An address space for the walker that reads @p root as the domain's hardware would. */
void xenpt_synth_aspace(const struct xenpt_synth *s, unsigned root, struct xenpt_aspace *ret);
/**
 * Copy top-level entries @p first_slot..@p last_slot of @p src into @p dst,
 * so that both share the tables below (Linux's pgd_alloc copying the kernel
 * half, or 64-bit PV Linux mirroring user entries into the user L4).  PV:
 * Xen's slots 256-271 are skipped; under Xen's rules each shared table gets
 * one more type reference.  Later mappings below a shared slot are visible
 * in both; xenpt_synth_lookup() follows the share.
 */
struct xenpt_error *xenpt_synth_share(struct xenpt_synth *s, unsigned dst, unsigned src,
				      unsigned first_slot, unsigned last_slot);

/* ---- mappings ---------------------------------------------------------------- */

/**
 * Map @p size bytes at @p va to consecutive frames from @p gfn (a PFN for
 * PV: each page's MFN comes from the P2M) with pages of @p page_size
 * (4K; HVM also 2M and 1G, or 4M in 2-level mode).  @p flags are
 * XENPT_PTE_* bits (P is implied; PSE is added for large pages).
 *
 * PV: the entries are written as Xen stores them (adjust_guest_l1e: kernel
 * leaves get US and bit 52, user leaves G; upper levels US), and tables that
 * Xen has validated are updated under its rules: a writable mapping of a
 * page-table or descriptor frame is XENPT_ERR_REFUSED (Xen: -EBUSY), large
 * pages, PWT/PCD/PAT and Xen's L4 slots are XENPT_ERR_INVALID_ARG.
 * Existing mappings in the range are replaced.  Missing tables are made from
 * the domain's free frames.
 */
struct xenpt_error *xenpt_synth_map(struct xenpt_synth *s, unsigned root, xenpt_va_t va,
				    xenpt_gfn_t gfn, uint64_t size, uint64_t page_size,
				    uint64_t flags);
/** PV: map one 4K page of machine frame @p mfn (any owner: Xen decides). */
struct xenpt_error *xenpt_synth_map_mfn(struct xenpt_synth *s, unsigned root, xenpt_va_t va,
					xenpt_mfn_t mfn, uint64_t flags);
/** Clear the leaf entries of [@p va, @p va + @p size) (tables are kept). */
struct xenpt_error *xenpt_synth_unmap(struct xenpt_synth *s, unsigned root, xenpt_va_t va,
				      uint64_t size);
/**
 * Write @p entry as the level-@p level entry used to translate @p va in
 * @p root, creating missing tables above it.  With @p raw the value is
 * stored as is, bypassing Xen (hostile cases: cycles, foreign or
 * out-of-range frames, reserved bits); Xen's model then ignores the entry.
 * Without, PV tables validated by Xen are updated under its rules
 * (mmu_update).  Recorded mappings the entry covers are forgotten and the
 * entry is recorded (xenpt_synth_entry_record()).
 */
struct xenpt_error *xenpt_synth_set_entry(struct xenpt_synth *s, unsigned root, xenpt_va_t va,
					  unsigned level, uint64_t entry, bool raw);
/**
 * HYPERVISOR_mmu_update(MMU_NORMAL_PT_UPDATE) on entry @p index of machine
 * frame @p table (PV), with Xen's semantics: validated tables are updated
 * under the rules of mod_lN_entry(); a frame that is no validated table
 * gets a plain 8-byte write (if it may become writable); a descriptor
 * frame is refused.
 */
struct xenpt_error *xenpt_synth_mmu_update(struct xenpt_synth *s, xenpt_mfn_t table,
					   unsigned index, uint64_t entry);
/** Store @p entry raw into entry @p index of table frame @p table (MFN PV, GFN HVM). */
struct xenpt_error *xenpt_synth_set_table_entry(struct xenpt_synth *s, uint64_t table,
						unsigned index, uint64_t entry);
/** Read entry @p index of table frame @p table (4-byte entries zero-extended). */
struct xenpt_error *xenpt_synth_table_entry(const struct xenpt_synth *s, uint64_t table,
					    unsigned index, uint64_t *entry_ret);

/* ---- Xen's PV page types and reference counts -------------------------------- */

/** MMUEXT_PIN_L<level>_TABLE on machine frame @p mfn (PV). */
struct xenpt_error *xenpt_synth_pin(struct xenpt_synth *s, unsigned level, xenpt_mfn_t mfn);
/** MMUEXT_UNPIN_TABLE. */
struct xenpt_error *xenpt_synth_unpin(struct xenpt_synth *s, xenpt_mfn_t mfn);

/** Xen's PGT_* types (xen/arch/x86/include/asm/mm.h), in its order. */
enum xenpt_synth_type {
	XENPT_SYNTH_TYPE_NONE = 0,
	XENPT_SYNTH_TYPE_L1,
	XENPT_SYNTH_TYPE_L2,
	XENPT_SYNTH_TYPE_L3,
	XENPT_SYNTH_TYPE_L4,
	XENPT_SYNTH_TYPE_SEG_DESC,
	XENPT_SYNTH_TYPE_SHARED,
	XENPT_SYNTH_TYPE_WRITABLE,
};

/** "none", "l1".."l4", "seg_desc", "shared", "writable". */
const char *xenpt_synth_type_name(enum xenpt_synth_type t);

/** Who owns a machine frame of the synthetic host. */
enum xenpt_synth_owner {
	XENPT_SYNTH_OWNER_NONE = 0,   /**< beyond the host (no such frame) */
	XENPT_SYNTH_OWNER_DOMAIN,     /**< the synthetic domain */
	XENPT_SYNTH_OWNER_XEN,        /**< Xen (its L4-slot tables, ...) */
	XENPT_SYNTH_OWNER_IO,         /**< DOMID_IO (MFNs below 0x100) */
	XENPT_SYNTH_OWNER_OTHER,      /**< another domain (owner_domid) */
	XENPT_SYNTH_OWNER_FREE,       /**< free host memory (M2P invalid) */
};

/** The model's exact view of one machine frame (PV). */
struct xenpt_synth_frame_state {
	xenpt_mfn_t mfn;
	enum xenpt_synth_owner owner;
	uint32_t owner_domid;
	xenpt_gfn_t pfn;           /**< the owner's PFN, XENPT_INVALID_GFN if none */
	bool special;              /**< a Xen page shared with the domain (shared_info) */
	enum xenpt_synth_type type;
	uint64_t type_count;       /**< PGT_count_mask part of type_info */
	uint64_t ref_count;        /**< PGC_count_mask part of count_info (PGC_allocated holds 1) */
	bool allocated;            /**< PGC_allocated */
	bool pinned;               /**< PGT_pinned */
	bool validated;            /**< PGT_validated */
	int linear_pt_count;       /**< >0: linear entries in it; <0: linear uses of it */
	unsigned table_level;      /**< the builder made it as a table of this level (0: no) */
	bool written;              /**< holds data written by the builder */
};

/** State of machine frame @p mfn (PV; any MFN, owner NONE beyond the host). */
struct xenpt_error *xenpt_synth_frame_state(const struct xenpt_synth *s, xenpt_mfn_t mfn,
					    struct xenpt_synth_frame_state *ret);
/**
 * The model's exact type count and general count of machine frame @p mfn,
 * for an audit (the shape of xenpt_audit_counts_fn, @p synth a struct
 * xenpt_synth): false when the frame is not the domain's or the model is
 * not PV (counts unknown).
 */
bool xenpt_synth_exact_counts(void *synth, uint64_t mfn, uint64_t *type_count_ret,
			      uint64_t *ref_count_ret);
/**
 * The type word XEN_DOMCTL_getpageframeinfo3 would give for @p mfn: only
 * pinned or validated tables show their level (plus XENPT_PT_PINNED);
 * writable and descriptor pages show NONE; frames that are not the
 * domain's, and special pages, show XTAB.
 */
xenpt_page_type_t xenpt_synth_page_type(const struct xenpt_synth *s, xenpt_mfn_t mfn);

/* ---- P2M and M2P (PV) ---------------------------------------------------- */

/** The domain's P2M; XENPT_INVALID_MFN beyond it. */
xenpt_mfn_t xenpt_synth_p2m(const struct xenpt_synth *s, xenpt_gfn_t pfn);
/** Xen's M2P (any MFN of the host); XENPT_INVALID_GFN for free, Xen and I/O frames. */
xenpt_gfn_t xenpt_synth_m2p(const struct xenpt_synth *s, xenpt_mfn_t mfn);
/**
 * Override a P2M entry (stale or hostile P2M); frame ownership, and entries
 * already written, do not change.
 */
struct xenpt_error *xenpt_synth_set_p2m(struct xenpt_synth *s, xenpt_gfn_t pfn, xenpt_mfn_t mfn);
/** Override an M2P entry. */
struct xenpt_error *xenpt_synth_set_m2p(struct xenpt_synth *s, xenpt_mfn_t mfn, xenpt_gfn_t pfn);
/** Machine frame of the shared_info page (PV; XENPT_INVALID_MFN for HVM). */
xenpt_mfn_t xenpt_synth_shared_info_mfn(const struct xenpt_synth *s);
struct xenpt_error *xenpt_synth_shared_info(const struct xenpt_synth *s,
					    struct xenpt_shared_info *ret);
struct xenpt_error *xenpt_synth_set_shared_info(struct xenpt_synth *s,
						const struct xenpt_shared_info *si);

/* ---- vCPUs ------------------------------------------------------------------ */

struct xenpt_error *xenpt_synth_vcpu(const struct xenpt_synth *s, uint32_t id,
				     struct xenpt_vcpu *ret);
/**
 * Set a vCPU's state.  PV: a changed cr3 (kernel L4, maddr) or user_cr3
 * (ctrlreg[1], 0 = none) takes a general and an L4 type reference on the
 * new table and drops those of the old one, as arch_set_info_guest() does;
 * trap addresses must be canonical.
 */
struct xenpt_error *xenpt_synth_set_vcpu(struct xenpt_synth *s, uint32_t id,
					 const struct xenpt_vcpu *v);
/** Set one trap_ctxt[] entry (vector 14 is #PF). */
struct xenpt_error *xenpt_synth_set_trap(struct xenpt_synth *s, uint32_t id, uint8_t vector,
					 uint16_t cs, uint8_t flags, uint64_t address);

/* ---- memory contents ------------------------------------------------------ */

/** Write bytes at PFN/GFN @p gfn, byte @p offset (may run on into the next PFNs). */
struct xenpt_error *xenpt_synth_write_gfn(struct xenpt_synth *s, xenpt_gfn_t gfn,
					  uint64_t offset, const void *data, size_t len);
/** Write bytes at @p va of @p root (through the recorded mappings). */
struct xenpt_error *xenpt_synth_write_va(struct xenpt_synth *s, unsigned root, xenpt_va_t va,
					 const void *data, size_t len);
/** Read bytes at PFN/GFN @p gfn (generated content where never written). */
struct xenpt_error *xenpt_synth_read_gfn(const struct xenpt_synth *s, xenpt_gfn_t gfn,
					 uint64_t offset, void *buf, size_t len);

/* ---- the oracle: what the builder mapped, independent of the tables --------- */

/** A run of pages mapped by one xenpt_synth_map() call (or merged calls). */
struct xenpt_synth_mapping {
	unsigned root;           /**< the root whose tables hold it */
	uint64_t va;             /**< first VA */
	uint64_t size;           /**< bytes */
	uint64_t page_size;      /**< 4K, 2M, 4M or 1G */
	unsigned level;          /**< leaf level: 1, 2 or 3 */
	uint64_t gfn;            /**< first PFN/GFN; XENPT_INVALID_FRAME when mapped by MFN */
	uint64_t mfn;            /**< PV: MFN for map_mfn(); else XENPT_INVALID_FRAME (use the P2M) */
	uint64_t flags;          /**< leaf entry flags as stored (P, PSE, Xen's adjustments) */
	uint64_t req_flags;      /**< flags as given to xenpt_synth_map() */
};

/** The page holding one VA. */
struct xenpt_synth_page {
	unsigned root;           /**< the root whose tables hold it (after shares) */
	uint64_t va;             /**< first VA of the page */
	uint64_t page_size;
	unsigned level;
	uint64_t gfn;            /**< PFN/GFN of the 4K frame holding the VA (invalid if by MFN) */
	uint64_t mfn;            /**< PV: its MFN (through the P2M when mapped by PFN) */
	uint64_t frame;          /**< the 4K frame in table space: MFN (PV) or GFN (HVM) */
	uint64_t flags;          /**< leaf entry flags as stored */
};

/**
 * XENPT_ERR_NOT_FOUND if the builder did not map @p va in @p root.  For a
 * page mapped by PFN the MFN is the P2M's now: a later xenpt_synth_set_p2m()
 * on that PFN is not reflected in the tables.
 */
struct xenpt_error *xenpt_synth_lookup(const struct xenpt_synth *s, unsigned root,
				       xenpt_va_t va, struct xenpt_synth_page *ret);
/** Recorded mappings, sorted by (root, va). */
size_t xenpt_synth_nr_mappings(const struct xenpt_synth *s);
bool xenpt_synth_mapping(const struct xenpt_synth *s, size_t index,
			 struct xenpt_synth_mapping *ret);

/** An entry written by set_entry / set_table_entry / mmu_update. */
struct xenpt_synth_entry {
	unsigned root;           /**< UINT32_MAX when written by table frame */
	uint64_t va;             /**< first VA the entry covers (root set) */
	unsigned level;
	uint64_t table;          /**< table frame */
	unsigned index;
	uint64_t value;          /**< as stored */
	bool raw;                /**< stored bypassing Xen's rules */
};

size_t xenpt_synth_nr_entry_records(const struct xenpt_synth *s);
bool xenpt_synth_entry_record(const struct xenpt_synth *s, size_t index,
			      struct xenpt_synth_entry *ret);

struct xenpt_synth_stats {
	uint64_t tables[6];       /**< table frames the builder made, by level 1..5 */
	uint64_t leaf_entries[4]; /**< present leaf entries it wrote, by level 1..3 */
	uint64_t mapped_bytes;    /**< bytes covered by recorded mappings */
	uint64_t stored_pages;    /**< pages held in memory (tables, written, materialised) */
	uint64_t written_pages;   /**< data pages written */
	uint64_t generated_pages; /**< generated frames materialised for a source */
	uint64_t entry_records;
	uint64_t mem_bytes;       /**< approximate memory of the model */
};

void xenpt_synth_stats(const struct xenpt_synth *s, struct xenpt_synth_stats *ret);

/* ---- a Linux-like layout ----------------------------------------------------- */

#define XENPT_SYNTH_LINUX_TEXT       0xffffffff81000000ull /**< __START_KERNEL */
#define XENPT_SYNTH_LINUX_DIRECT_MAP 0xffff888000000000ull /**< PAGE_OFFSET (4-level) */
#define XENPT_SYNTH_LINUX_VMALLOC    0xffffc90000000000ull /**< VMALLOC_START: the linear P2M */
#define XENPT_SYNTH_LINUX_USER_TEXT  0x0000000000400000ull
#define XENPT_SYNTH_LINUX_STACK_TOP  0x00007ffffffff000ull

/** Where xenpt_synth_layout_linux() put things. */
struct xenpt_synth_linux {
	unsigned root_init;      /**< "init": swapper_pg_dir, p2m_cr3, vCPUs >= 1 */
	unsigned root_kernel;    /**< "kernel": the process's kernel L4, vCPU 0's CR3 */
	unsigned root_user;      /**< "user": the process's user L4, vCPU 0's ctrlreg[1] */
	uint64_t text_va, text_size, text_pfn;
	uint64_t rodata_va, rodata_size, rodata_pfn;
	uint64_t data_va, data_size, data_pfn;
	uint64_t bss_va, bss_size, bss_pfn;
	uint64_t direct_map_va;  /**< PFN 0 */
	uint64_t p2m_va;         /**< linear P2M (shared_info p2m_vaddr) */
	uint64_t p2m_pfn;        /**< first of the P2M leaf pages (contiguous PFNs) */
	uint64_t p2m_pages;
	uint64_t fll_mfn;        /**< pfn_to_mfn_frame_list_list */
	uint64_t fl_pfn;         /**< first frame-list page (contiguous PFNs) */
	uint64_t fl_pages;
	uint64_t vmalloc_va[3], vmalloc_size[3]; /**< other vmalloc areas */
	uint64_t stack_va[2], stack_size;        /**< vCPU kernel stacks (vmalloc) */
	uint64_t user_text_va, user_text_size;
	uint64_t user_data_va, user_data_size;
	uint64_t user_heap_va, user_heap_size;
	uint64_t user_mmap_va, user_mmap_size;
	uint64_t user_stack_va, user_stack_size;
	uint64_t vsyscall_l3_mfn; /**< user L4 slot 511 (pinned L3, as Linux's level3_user_vsyscall) */
	uint64_t gdt_mfn[2];     /**< GDT frames (seg_desc) of vCPU 0 and 1 */
	uint64_t pf_handler;     /**< trap_ctxt[14].address */
	uint64_t event_callback;
	uint64_t banner_va;      /**< "Linux version ..." in rodata */
};

/**
 * Build a 64-bit PV Linux-like guest in a fresh PV domain (before any other
 * mapping; needs at least 32 MiB).  See xenpt-synth(5) for the addresses.
 */
struct xenpt_error *xenpt_synth_layout_linux(struct xenpt_synth *s,
					     struct xenpt_synth_linux *ret);
/** What the layout made; XENPT_ERR_NOT_FOUND if none was made. */
struct xenpt_error *xenpt_synth_linux_info(const struct xenpt_synth *s,
					   struct xenpt_synth_linux *ret);

/* ---- sources, spec files, core files ------------------------------------------ */

/**
 * A source reading the model (it takes a reference; see the ownership note
 * at the top).  Caps: VCPU, GFN_FRAMES and STABLE (no WRITE: the vtable has
 * no write operations yet); PV adds MFN_FRAMES, P2M, M2P, PAGE_TYPES and
 * SHARED_INFO.  Frames that are not
 * the domain's read as ENOENT, frames beyond the host (or the domain) as
 * ERANGE.  Generated data frames are materialised on first read and kept
 * until the model is freed (max_generated of the limits; beyond it ENOMEM).
 */
struct xenpt_error *xenpt_synth_source(struct xenpt_synth *s, struct xenpt_source **ret);
/** The model behind a synthetic source (borrowed), or NULL for other sources. */
struct xenpt_synth *xenpt_synth_of_source(struct xenpt_source *src);

/**
 * Parse a spec (xenpt-synth(5)); @p name is used in messages ("FILE:LINE:
 * ...").  Safe on arbitrary bytes; bounded by default limits.
 */
struct xenpt_error *xenpt_synth_parse(const char *text, size_t len, const char *name,
				      struct xenpt_synth **ret);
/** Same, with explicit limits (fuzzers use small ones). */
struct xenpt_error *xenpt_synth_parse_limited(const char *text, size_t len, const char *name,
					      const struct xenpt_synth_limits *limits,
					      struct xenpt_synth **ret);
/** Read and parse a spec file. */
struct xenpt_error *xenpt_synth_load(const char *path, struct xenpt_synth **ret);

/**
 * Write the domain as an `xl dump-core` file: PV with .xen_p2m (the
 * shuffled MFNs) and shared_info, HVM with .xen_pfn.  Data pages never
 * written are generated, or holes when the domain is sparse.
 */
struct xenpt_error *xenpt_synth_write_core(const struct xenpt_synth *s, const char *path);

#ifdef __cplusplus
}
#endif
#endif
