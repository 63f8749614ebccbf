/* SPDX-License-Identifier: MIT */
/**
 * @file source.h
 * Sources: where frames come from.  A source is one domain seen through one
 * backend: a live domain (libxenctrl + libxenforeignmemory), an `xl
 * dump-core` file, or a synthetic domain.  Everything above this interface
 * (walker, dump, audit) is written once.
 *
 * Frame reads go through a per-source frame cache (batched misses, whole
 * 4 KiB frames, hit/miss/map statistics).
 */
#ifndef XENPT_SOURCE_H
#define XENPT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_source;

/** Capability bits (xenpt_source_caps()). */
enum {
	XENPT_CAP_LIVE        = 1u << 0, /**< a running domain: contents may change */
	XENPT_CAP_VCPU        = 1u << 1, /**< vCPU contexts */
	XENPT_CAP_P2M         = 1u << 2, /**< PFN->MFN lookups (PV) */
	XENPT_CAP_M2P         = 1u << 3, /**< MFN->PFN lookups (live/synth: Xen's M2P; core: inverted .xen_p2m) */
	XENPT_CAP_MFN_FRAMES  = 1u << 4, /**< frames can be read by MFN */
	XENPT_CAP_GFN_FRAMES  = 1u << 5, /**< frames can be read by GFN/PFN */
	XENPT_CAP_PAGE_TYPES  = 1u << 6, /**< Xen page types and pins */
	XENPT_CAP_SHARED_INFO = 1u << 7, /**< the shared_info page */
	XENPT_CAP_WRITE       = 1u << 8, /**< writes (inject); live test domains and synth */
	XENPT_CAP_STABLE      = 1u << 9, /**< frame pointers stay valid for the source's lifetime */
};

/** Flags for opening. */
enum {
	XENPT_OPEN_PAUSE = 1u << 0, /**< live: pause the domain while the source is open */
	XENPT_OPEN_DYING = 1u << 1, /**< live: a dying domain opens too, with XENPT_CAP_LIVE |
				         XENPT_CAP_PAGE_TYPES only: Xen's page types of the
				         frames it still owns (others are XTAB); without this
				         flag a dying domain is XENPT_ERR_GONE */
};

/** One domain as the source sees it.  Fields a source cannot know are 0. */
struct xenpt_domain_info {
	uint32_t domid;
	char name[64];            /**< "" when unknown */
	bool hvm;                 /**< XEN_DOMINF_hvm_guest: HVM or PVH */
	bool hap;                 /**< hardware-assisted paging */
	unsigned guest_width;     /**< bytes: 8 (64-bit) or 4 (32-bit) */
	unsigned pt_levels;       /**< paging levels (PV64: 4; HVM: from vCPU 0's CR0/CR4/EFER) */
	uint64_t tot_pages;       /**< pages the domain owns */
	uint64_t max_pages;
	uint32_t nr_vcpus;        /**< max_vcpu_id + 1 (core: vCPUs saved in the file) */
	uint32_t nr_online_vcpus;
	bool paused, dying, shutdown, running, blocked;
	unsigned shutdown_code;
	uint64_t shared_info_frame; /**< MFN for PV, GFN for HVM; XENPT_INVALID_FRAME if none */
	uint64_t p2m_size;        /**< number of P2M entries (PV arch.max_pfn; HVM max_gfn + 1) */
	uint64_t max_gfn;         /**< highest PFN/GFN */
	uint64_t max_mfn;         /**< host frames (highest MFN + 1) when known */
	uint64_t nr_frames;       /**< frames present in the source (core: nr_pages) */
	char xen_version[32];     /**< "4.17.7" when known */
	/**
	 * Physical address width (MAXPHYADDR) entries are checked against: frame
	 * bits at or above it are reserved bits.  Live: CPUID leaf 0x80000008
	 * EAX[7:0] of the domain's CPU policy as Xen reports it (the width Xen's
	 * own guest walker uses, xen/arch/x86/include/asm/guest_pt.h).  0: the
	 * source does not know it (cores do not record it; walks assume 52,
	 * XENPT_PADDR_BITS_ASSUMED).
	 */
	unsigned paddr_bits;
	char p2m_size_from[48];   /**< where p2m_size comes from, for messages ("" if not said) */
};

/** The physical address width walks assume when the source does not know the host's. */
#define XENPT_PADDR_BITS_ASSUMED 52

/** A virtual trap-table entry (struct trap_info, xen/include/public/arch-x86/xen.h). */
struct xenpt_trap {
	uint8_t vector;
	uint8_t flags;            /**< bits 0-1 DPL, bit 2 clear event mask (IF) */
	uint16_t cs;
	uint64_t address;
};

/** A vCPU's state, decoded from vcpu_guest_context (x86_64) and, for HVM, the CPU save record. */
struct xenpt_vcpu {
	uint32_t id;
	bool online;
	uint64_t flags;           /**< VGCF_* */
	struct {
		uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
		uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
		uint64_t rip, rflags;
		uint16_t cs, ss, ds, es, fs, gs;
	} regs;
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t efer;
	bool efer_known;          /**< only the HVM save record carries EFER */
	uint64_t user_cr3;        /**< 64-bit PV: ctrlreg[1], the user L4 (0 = none) */
	uint64_t fs_base, gs_base_kernel, gs_base_user;
	uint64_t kernel_ss, kernel_sp;
	uint64_t event_callback_eip, failsafe_callback_eip, syscall_callback_eip;
	uint64_t ldt_base, ldt_ents, gdt_ents;
	uint64_t gdt_frames[16];
	uint64_t vm_assist;
	struct xenpt_trap traps[256]; /**< trap_ctxt[], PV only */
};

/** Decoded shared_info (xen/include/public/xen.h struct shared_info, x86_64). */
struct xenpt_shared_info {
	uint64_t max_pfn;          /**< number of P2M entries */
	uint64_t pfn_to_mfn_frame_list_list; /**< MFN of the 3-level P2M tree; 0 unset, ~0 invalid */
	uint64_t p2m_cr3;          /**< cr3-format root of the linear P2M's address space */
	uint64_t p2m_vaddr;        /**< VA of the linear P2M */
	uint64_t p2m_generation;
	uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
	unsigned nr_pending_evtchn; /**< bits set in evtchn_pending */
	unsigned nr_masked_evtchn;  /**< bits set in evtchn_mask */
	uint8_t vcpu_upcall_pending[32], vcpu_upcall_mask[32];
};

/** Frame-cache statistics. */
struct xenpt_cache_stats {
	uint64_t lookups;         /**< frames asked for */
	uint64_t hits;            /**< answered from the cache */
	uint64_t misses;          /**< had to ask the backend */
	uint64_t map_calls;       /**< backend batch calls (one foreign-map call each, live) */
	uint64_t frames_mapped;   /**< frames the backend delivered */
	uint64_t failed;          /**< frames the backend could not deliver */
	uint64_t evictions;
	size_t capacity, resident;
};

/** Diagnostics callback; the library never prints. */
typedef void (*xenpt_log_fn)(void *arg, int level, const char *msg);

/**
 * One kind of TARGET (xenpt_target_kinds()): the grammar
 * `TARGET := { DOMID | NAME | core:FILE | synth:FILE }` is this table, from
 * which help texts, completions and error messages are made.
 */
struct xenpt_target_kind {
	const char *name;         /**< "core", "synth", "xen" (xenpt_source_kind()) */
	const char *prefix;       /**< "core:", "synth:"; "" for the live DOMID|NAME */
	const char *syntax;       /**< "core:FILE", "DOMID|NAME" */
	const char *description;  /**< "an xl dump-core file" */
	/** Open the part after the prefix (the whole TARGET for the live kind). */
	struct xenpt_error *(*open)(const char *arg, unsigned flags, struct xenpt_source **ret);
};

/**
 * The TARGET kinds, in the order help texts list them; *n_ret is their
 * number.  The prefixed kinds come first and the unprefixed live kind last.
 */
const struct xenpt_target_kind *xenpt_target_kinds(size_t *n_ret);

/**
 * Open a TARGET: "core:FILE", "synth:FILE", or a live domain id or name
 * (xenpt_target_kinds()).  Anything else, or an ambiguous spec (an unknown
 * "kind:", a kind's name without its colon, a path without a kind), is
 * XENPT_ERR_INVALID_ARG with a hint listing the kinds.
 */
struct xenpt_error *xenpt_source_open_target(const char *target, unsigned flags,
					     struct xenpt_source **ret);
/** Open an `xl dump-core` file (PV or HVM). */
struct xenpt_error *xenpt_source_open_core(const char *path, struct xenpt_source **ret);
/** Open a live domain by id or name.  XENPT_ERR_UNSUPPORTED if built without Xen. */
struct xenpt_error *xenpt_source_open_xen(const char *domain, unsigned flags,
					  struct xenpt_source **ret);
/** Close and free (NULL is fine).  Unpauses a domain paused by XENPT_OPEN_PAUSE. */
void xenpt_source_close(struct xenpt_source *src);
/**
 * Async-signal-safe: undo what must not outlive the process (unpause a
 * domain paused by XENPT_OPEN_PAUSE).  For the CLI's SIGINT/SIGTERM handler;
 * the source must still be closed (or the process exit) afterwards.
 */
void xenpt_source_signal_cleanup(struct xenpt_source *src);

/** True when libxenpt was built with the live Xen backend. */
bool xenpt_have_xen(void);
/**
 * List the domains of the host (live only).  *ret is a malloc'd array the
 * caller frees.
 */
struct xenpt_error *xenpt_xen_list_domains(struct xenpt_domain_info **ret, size_t *n_ret);

/** "xen", "core" or "synth". */
const char *xenpt_source_kind(const struct xenpt_source *src);
/** What this is, for messages: "domain 7 (guest-a)", "core file guest.core". */
const char *xenpt_source_describe(const struct xenpt_source *src);
unsigned xenpt_source_caps(const struct xenpt_source *src);
const struct xenpt_domain_info *xenpt_source_domain(const struct xenpt_source *src);
void xenpt_source_set_log(struct xenpt_source *src, xenpt_log_fn fn, void *arg);
/**
 * An interrupt flag (e.g. set by a SIGINT handler): while *@flag is
 * non-zero, every frame read fails with XENPT_ERR_INTERRUPTED, so any
 * operation reading guest memory stops at its next read and returns that
 * error; clear the flag to go on.  NULL removes it.
 */
void xenpt_source_set_interrupt(struct xenpt_source *src, const volatile sig_atomic_t *flag);

/** vCPU state.  XENPT_ERR_NOT_FOUND for a vCPU that does not exist. */
struct xenpt_error *xenpt_source_vcpu(struct xenpt_source *src, uint32_t vcpu,
				      struct xenpt_vcpu *ret);
/** The decoded shared_info page. */
struct xenpt_error *xenpt_source_shared_info(struct xenpt_source *src,
					     struct xenpt_shared_info *ret);

/**
 * Read @p n frames through the frame cache, in one backend batch for the
 * misses.  pages_ret[i] points at 4096 bytes, or is NULL with errs_ret[i] a
 * positive errno: ENOENT (not in this source / not the domain's), ERANGE
 * (beyond the host or domain), EFAULT or whatever Xen said.  The pointers
 * stay valid until the next frame read on @p src (for XENPT_CAP_STABLE
 * sources: until close).  The returned error is for failures of the whole
 * call (out of memory, domain gone, unsupported space).
 */
struct xenpt_error *xenpt_source_get_frames(struct xenpt_source *src, enum xenpt_space space,
					    const uint64_t *frames, size_t n,
					    const uint8_t **pages_ret, int *errs_ret);
/** One frame; a frame that cannot be read is XENPT_ERR_FAULT naming it. */
struct xenpt_error *xenpt_source_get_frame(struct xenpt_source *src, enum xenpt_space space,
					   uint64_t frame, const uint8_t **page_ret);
/** Human text for a per-frame errno from xenpt_source_get_frames(). */
const char *xenpt_source_frame_strerror(const struct xenpt_source *src, int err);

/** PFN -> MFN, batched; unknown entries are XENPT_INVALID_MFN. */
struct xenpt_error *xenpt_source_p2m(struct xenpt_source *src, const xenpt_gfn_t *gfns,
				     size_t n, xenpt_mfn_t *mfns_ret);
/** MFN -> PFN, batched; unknown entries are XENPT_INVALID_GFN. */
struct xenpt_error *xenpt_source_m2p(struct xenpt_source *src, const xenpt_mfn_t *mfns,
				     size_t n, xenpt_gfn_t *gfns_ret);
/** Page types (MFNs for PV, GFNs for HVM), batched. */
struct xenpt_error *xenpt_source_page_types(struct xenpt_source *src, enum xenpt_space space,
					    const uint64_t *frames, size_t n,
					    xenpt_page_type_t *types_ret);

void xenpt_source_cache_stats(const struct xenpt_source *src, struct xenpt_cache_stats *ret);

/**
 * Counters of the library's hash tables (frame cache, core MFN index,
 * table graph, audit and P2M-check indexes, the synthetic model), summed
 * over the tables destroyed so far in this process (close the source and
 * destroy the views first).  Every table is keyed with a per-process
 * random secret, and no entry sits further than a small bound from its
 * home slot, so a lookup probes at most max_disp + 1 slots whatever
 * frame numbers a guest or a core file chose.
 */
struct xenpt_hash_stats {
	uint64_t tables;          /**< tables destroyed so far */
	uint64_t lookups;
	uint64_t probes;          /**< slots examined by the lookups */
	uint64_t inserts;
	uint64_t rebuilds;        /**< new secrets drawn after an over-long probe */
	uint32_t max_disp;        /**< largest distance of an entry from its home slot */
};

void xenpt_hash_stats(struct xenpt_hash_stats *ret);
/** Drop every cached frame (e.g. after the domain ran). */
void xenpt_source_cache_flush(struct xenpt_source *src);
/**
 * Frames the cache may hold for copying (live) sources; 0 = default.  Stable
 * sources keep their fixed pointer table.  On failure (XENPT_ERR_INVALID_ARG
 * beyond XENPT_CACHE_MAX_FRAMES, XENPT_ERR_NOMEM) the cache keeps its
 * previous capacity and stays usable.  The cached frames are dropped either
 * way on success.
 */
struct xenpt_error *xenpt_source_cache_set_capacity(struct xenpt_source *src, size_t frames);
/** The largest capacity xenpt_source_cache_set_capacity() accepts (64 GiB of frames). */
#define XENPT_CACHE_MAX_FRAMES ((size_t)1 << 24)

#ifdef __cplusplus
}
#endif
#endif
