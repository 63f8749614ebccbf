/* SPDX-License-Identifier: MIT */
/**
 * @file p2m.h
 * The P2M (PFN -> MFN, the PV guest's own table) and the M2P (MFN -> PFN,
 * Xen's global table) of a 64-bit PV domain: dumps as coalesced runs with
 * Xen's page types, lookups, and a consistency check.
 *
 * The reference for what "consistent" means is the save code's
 * mfn_in_pseudophysmap() (tools/libs/guest/xg_sr_common_x86_pv.c): a
 * machine frame belongs to the guest's pseudo-physical map when it is
 * below the host's max_mfn, M2P[mfn] is below the P2M size, and
 * P2M[M2P[mfn]] == mfn.  The per-frame view with types is what
 * `xen-mfndump dump-p2m` prints (tools/misc/xen-mfndump.c), with Xen's type
 * word from XEN_DOMCTL_getpageframeinfo3.
 *
 * Everything is batched: the P2M, the M2P and page types are asked for
 * XENPT_P2M_BATCH frames at a time (getpageframeinfo3 takes at most 1024,
 * xen-verified.md section 1), never frame by frame.
 *
 * What the M2P is depends on the source: live and synthetic domains have
 * Xen's host-wide M2P; a core file has only the inverse of its .xen_p2m
 * (xenpt_source_m2p()).  Page types exist only where the source has
 * XENPT_CAP_PAGE_TYPES (live and synthetic PV domains).
 */
#ifndef XENPT_P2M_H
#define XENPT_P2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Frames per P2M, M2P and page-type request (XEN_DOMCTL_getpageframeinfo3's limit). */
#define XENPT_P2M_BATCH 1024u

/**
 * What the two tables say about one (PFN, MFN) pair.  "The domain's frame"
 * means that some P2M entry names the MFN.
 */
enum xenpt_frame_status {
	XENPT_FS_OK = 0,        /**< P2M[pfn] == mfn and M2P[mfn] == pfn */
	XENPT_FS_HOLE,          /**< by PFN: the P2M entry is INVALID_MFN */
	XENPT_FS_BEYOND_P2M,    /**< by PFN: the PFN is beyond the P2M */
	XENPT_FS_BEYOND_HOST,   /**< the MFN is beyond the host's frames */
	XENPT_FS_M2P_INVALID,   /**< the domain's frame, but M2P[mfn] is INVALID */
	XENPT_FS_MISMATCH,      /**< the domain's frame, but M2P[mfn] names a PFN whose P2M
				     entry is another MFN */
	XENPT_FS_DUPLICATE,     /**< by PFN: M2P[mfn] names another PFN that maps the same
				     MFN (two PFNs share one machine frame) */
	XENPT_FS_FREE,          /**< not the domain's, M2P[mfn] INVALID (free, Xen's, I/O) */
	XENPT_FS_OTHER,         /**< not the domain's, M2P[mfn] names a PFN (another
				     domain's frame, or a stale entry) */
};
#define XENPT_FS_COUNT (XENPT_FS_OTHER + 1)

/** "ok", "hole", "beyond_p2m", "beyond_host", "m2p_invalid", "mismatch", "duplicate", "free", "other". */
const char *xenpt_frame_status_name(enum xenpt_frame_status s);
/** True for the statuses that are a problem of the domain's tables. */
bool xenpt_frame_status_bad(enum xenpt_frame_status s);

/**
 * The host-frame bound used for "beyond the host": the source's max_mfn
 * when it knows one, else 2^40 (52-bit machine addresses, the x86-64
 * architectural limit).  *known_ret says which.
 */
uint64_t xenpt_p2m_host_frames(const struct xenpt_source *src, bool *known_ret);

/** shared_info's arch.max_pfn (the P2M size the guest claims), XENPT_INVALID_FRAME if none. */
uint64_t xenpt_p2m_shinfo_max_pfn(struct xenpt_source *src);

/**
 * Whether something the source holds claims a bigger P2M than the size the
 * source uses (xenpt_source_domain()->p2m_size): a source caps what it
 * cannot back (a PV core backs at most twice its pages plus 2^20 entries,
 * whatever its shared_info or a listed PFN says; live refuses more than
 * twice the host's frames).  *claim_ret gets the claimed size and
 * *field_ret names where it comes from ("shared_info arch.max_pfn", "the
 * highest PFN listed + 1"); both may be NULL.
 */
bool xenpt_p2m_size_claimed(struct xenpt_source *src, uint64_t *claim_ret,
			    const char **field_ret);

/* ---- the P2M reversed -------------------------------------------------- */

/**
 * Every valid P2M entry sorted by MFN: which PFNs map a machine frame.  The
 * whole P2M (xenpt_source_domain()->p2m_size entries) is read once, in
 * batches.  16 bytes per valid entry.
 */
struct xenpt_p2m_index;

struct xenpt_error *xenpt_p2m_index_create(struct xenpt_source *src,
					   struct xenpt_p2m_index **ret);
void xenpt_p2m_index_destroy(struct xenpt_p2m_index *idx);
/** P2M entries read (the P2M size). */
uint64_t xenpt_p2m_index_size(const struct xenpt_p2m_index *idx);
/** Valid entries (not INVALID_MFN). */
uint64_t xenpt_p2m_index_valid(const struct xenpt_p2m_index *idx);
/** Distinct MFNs among the valid entries (fewer when two PFNs share a frame). */
uint64_t xenpt_p2m_index_distinct(const struct xenpt_p2m_index *idx);
/** Lowest valid MFN, XENPT_INVALID_FRAME if none. */
uint64_t xenpt_p2m_index_min_mfn(const struct xenpt_p2m_index *idx);
/** Highest valid MFN, XENPT_INVALID_FRAME if none. */
uint64_t xenpt_p2m_index_max_mfn(const struct xenpt_p2m_index *idx);
/**
 * How many PFNs map @p mfn (0: not the domain's frame); the lowest of them
 * in *first_pfn_ret (may be NULL).
 */
size_t xenpt_p2m_index_find(const struct xenpt_p2m_index *idx, xenpt_mfn_t mfn,
			    xenpt_gfn_t *first_pfn_ret);

/* ---- lookups ------------------------------------------------------------- */

/** One answer of xenpt_p2m_lookup(). */
struct xenpt_frame_info {
	bool by_mfn;             /**< the question was an MFN (else a PFN) */
	uint64_t pfn;            /**< by PFN: the PFN asked; by MFN: the domain's PFN mapping
				      it (the lowest), else M2P[mfn]; XENPT_INVALID_FRAME if none */
	uint64_t mfn;            /**< by PFN: P2M[pfn]; by MFN: the MFN asked */
	uint64_t m2p_pfn;        /**< M2P[mfn] (XENPT_INVALID_FRAME: invalid or no MFN) */
	uint64_t m2p_p2m_mfn;    /**< P2M[M2P[mfn]] (XENPT_INVALID_FRAME if none) */
	uint64_t nr_pfns;        /**< PFNs of the domain mapping mfn (needs an index; else 0) */
	enum xenpt_frame_status status;
	bool typed;              /**< the source reports page types */
	xenpt_page_type_t type;  /**< of mfn (XTAB for no MFN) */
};

/**
 * Look up @p n frames: PFNs (@p by_mfn false) or MFNs.  @p idx may be NULL
 * for PFN lookups (then nr_pfns is 0 and a frame mapped twice still shows
 * as DUPLICATE through the M2P); MFN lookups need it to know whether a
 * frame is the domain's.  Batched: one P2M, M2P and type request per
 * XENPT_P2M_BATCH frames.
 */
struct xenpt_error *xenpt_p2m_lookup(struct xenpt_source *src, const struct xenpt_p2m_index *idx,
				     bool by_mfn, const uint64_t *frames, size_t n,
				     struct xenpt_frame_info *ret);

/* ---- the P2M as runs ---------------------------------------------------- */

enum {
	XENPT_P2M_RAW   = 1u << 0, /**< one run per frame: no coalescing */
	XENPT_P2M_TYPES = 1u << 1, /**< add Xen's page types (XENPT_CAP_PAGE_TYPES) */
};

/**
 * PFNs pfn..pfn+count-1 map MFNs mfn..mfn+count-1 (or are all INVALID_MFN
 * when mfn is XENPT_INVALID_FRAME), all of one page type.
 */
struct xenpt_p2m_run {
	uint64_t pfn;
	uint64_t mfn;
	uint64_t count;
	bool typed;
	xenpt_page_type_t type;
};

struct xenpt_p2m_iter;

/**
 * Iterate over the P2M entries @p first_pfn..@p last_pfn (inclusive,
 * clipped to the P2M size; an empty intersection is XENPT_ERR_INVALID_ARG).
 * Runs are coalesced where PFNs and MFNs are both contiguous and the type
 * is the same, unless XENPT_P2M_RAW.  XENPT_P2M_TYPES on a source without
 * page types is XENPT_ERR_UNSUPPORTED.
 */
struct xenpt_error *xenpt_p2m_iter_create(struct xenpt_source *src, uint64_t first_pfn,
					  uint64_t last_pfn, unsigned flags,
					  struct xenpt_p2m_iter **ret);
/** Next run; *done_ret is true (and *ret untouched) at the end. */
struct xenpt_error *xenpt_p2m_iter_next(struct xenpt_p2m_iter *it, struct xenpt_p2m_run *ret,
					bool *done_ret);
void xenpt_p2m_iter_destroy(struct xenpt_p2m_iter *it);

/* ---- the M2P as runs ---------------------------------------------------- */

enum {
	/* XENPT_P2M_RAW applies too */
	XENPT_M2P_ALL = 1u << 2,   /**< every MFN the source knows, not only the domain's */
};

/**
 * MFNs mfn..mfn+count-1 have M2P entries pfn..pfn+count-1 (or are all
 * INVALID when pfn is XENPT_INVALID_FRAME) and one status.  Only OK, FREE
 * and OTHER runs are coalesced; every other status is one run per frame,
 * with the details of that frame.
 */
struct xenpt_m2p_run {
	uint64_t mfn;
	uint64_t pfn;            /**< M2P[mfn] */
	uint64_t count;
	enum xenpt_frame_status status;
	bool domain;             /**< the domain's frame (a P2M entry names it) */
	uint64_t p2m_pfn;        /**< first frame: the domain's (lowest) PFN mapping it, or
				      XENPT_INVALID_FRAME */
	uint64_t m2p_p2m_mfn;    /**< first frame: P2M[M2P[mfn]], or XENPT_INVALID_FRAME */
};

struct xenpt_m2p_iter;

/**
 * Iterate over MFNs @p first_mfn..@p last_mfn (inclusive): by default the
 * domain's frames (those @p idx holds), with XENPT_M2P_ALL every MFN below
 * the source's max_mfn (a core file knows no other frames than its own:
 * there ALL is the domain's frames).  @p idx must stay alive until the
 * iterator is destroyed.
 */
struct xenpt_error *xenpt_m2p_iter_create(struct xenpt_source *src,
					  const struct xenpt_p2m_index *idx, uint64_t first_mfn,
					  uint64_t last_mfn, unsigned flags,
					  struct xenpt_m2p_iter **ret);
struct xenpt_error *xenpt_m2p_iter_next(struct xenpt_m2p_iter *it, struct xenpt_m2p_run *ret,
					bool *done_ret);
void xenpt_m2p_iter_destroy(struct xenpt_m2p_iter *it);

/* ---- the consistency check ----------------------------------------------- */

enum xenpt_p2m_finding_kind {
	XENPT_FIND_M2P_MISMATCH = 0, /**< a P2M entry whose M2P entry does not point back:
					  P2M[M2P[mfn]] != mfn */
	XENPT_FIND_P2M_HOLE,         /**< INVALID_MFN inside the P2M (a run of them) */
	XENPT_FIND_DUPLICATE_MFN,    /**< a second PFN mapping the same MFN */
	XENPT_FIND_MFN_BEYOND_HOST,  /**< a P2M entry naming a frame beyond the host */
	XENPT_FIND_MAPPED_NOT_IN_P2M,/**< a frame the page tables map (or use as a table) that
					  is not in the P2M: M2P says INVALID or another PFN,
					  or it is not the domain's */
};
#define XENPT_FIND_COUNT (XENPT_FIND_MAPPED_NOT_IN_P2M + 1)

/** "m2p_mismatch", "p2m_hole", "duplicate_mfn", "mfn_beyond_host", "mapped_not_in_p2m". */
const char *xenpt_p2m_finding_name(enum xenpt_p2m_finding_kind kind);

/**
 * What a frame the page tables map outside the pseudo-physical map is, when
 * a healthy guest may map it (a note, not a finding), as far as the source
 * can tell.
 */
enum xenpt_p2m_note_kind {
	XENPT_NOTE_NONE = 0,        /**< not a note: a finding */
	XENPT_NOTE_SHARED_INFO,     /**< the domain's shared_info page (the source knows its MFN) */
	XENPT_NOTE_XEN_OR_FOREIGN,  /**< Xen's page types say XTAB: a Xen page shared with the
				         domain (grant table) or another domain's frame (grant or
				         foreign mapping) */
	XENPT_NOTE_NOT_OWNED,       /**< no page types; the M2P names no PFN of this P2M: not the
				         domain's as far as the source tells (a core holds only its
				         own frames) */
};
#define XENPT_NOTE_COUNT (XENPT_NOTE_NOT_OWNED + 1)

/** "none", "shared_info", "xen_or_foreign", "not_owned". */
const char *xenpt_p2m_note_name(enum xenpt_p2m_note_kind kind);

struct xenpt_p2m_finding {
	enum xenpt_p2m_finding_kind kind;
	uint64_t pfn;            /**< first PFN (XENPT_INVALID_FRAME if none) */
	uint64_t mfn;            /**< first MFN (XENPT_INVALID_FRAME if none) */
	uint64_t count;          /**< frames: holes come as runs, and so do the frames of one
				      large leaf that fail for one reason; everything else is 1 */
	uint64_t m2p_pfn;        /**< M2P[mfn] where it was asked (else XENPT_INVALID_FRAME) */
	uint64_t other;          /**< m2p_mismatch: P2M[M2P[mfn]]; duplicate_mfn: the lowest PFN
				      mapping the MFN; else XENPT_INVALID_FRAME */
	/* mapped_not_in_p2m: where the page tables use the frame */
	uint64_t va;             /**< first VA seen mapping it (or covered by the table) */
	uint64_t root;           /**< the root table (MFN) walked */
	uint64_t table;          /**< the table holding the entry (MFN) */
	unsigned level;          /**< level of that entry */
	unsigned index;          /**< its index */
	bool as_table;           /**< the frame is used as a page table, not mapped as data */
	bool typed;
	xenpt_page_type_t type;  /**< the frame's page type, when typed */
	enum xenpt_p2m_note_kind note; /**< in xenpt_p2m_check.notes: what the frame is */
	char where[320];         /**< the finding in words, naming frames and addresses */
};

enum {
	XENPT_P2M_CHECK_NO_WALK = 1u << 0, /**< skip the page-table walk */
};

struct xenpt_p2m_check_opts {
	unsigned flags;
	size_t max_findings;     /**< findings kept (the counts go on); 0 = 10000 */
	uint64_t max_ranges;     /**< distinct frames the walk may check: tables, and each 4K
				      frame of a leaf (each distinct table is scanned once, and a
				      large leaf seen before is not checked again); 0 = 2^25, or
				      twice the P2M size plus 2^20 if that is less */
};

/**
 * Part of the page tables the check did not cover because its budget
 * (xenpt_p2m_check_opts.max_ranges) ran out: slots @c first..last of a root
 * whose subtrees (or the slots themselves) were not checked completely.
 */
struct xenpt_p2m_unchecked {
	uint64_t root;           /**< the root table (MFN) */
	char root_desc[64];      /**< e.g. "vcpu 0 kernel L4 mfn 0x53d9a" */
	unsigned level;          /**< the root's level (the slots are its entries) */
	unsigned first, last;    /**< slots, inclusive */
	uint64_t va_start, va_last; /**< the VAs they cover (inclusive) */
};

struct xenpt_p2m_check {
	struct xenpt_p2m_finding *findings;  /**< in the order found */
	size_t nr_findings;                  /**< kept */
	uint64_t nr_total;                   /**< found (kept or not) */
	uint64_t counts[XENPT_FIND_COUNT];   /**< findings per kind (not frames) */
	uint64_t frames[XENPT_FIND_COUNT];   /**< frames per kind */
	uint64_t p2m_size, p2m_valid;        /**< P2M entries, and those not INVALID_MFN */
	uint64_t host_frames;                /**< bound for "beyond the host" */
	bool host_known;                     /**< ... from the source (else 2^40) */
	bool walked;                         /**< the page tables were walked */
	unsigned roots;                      /**< distinct roots walked */
	unsigned vcpus_skipped;              /**< vCPUs without a CR3 (offline) */
	uint64_t frames_checked;             /**< distinct frames the tables map or use */
	uint64_t tables_checked;             /**< ... of which page tables */
	uint64_t ranges;                     /**< distinct frames offered (the budget spent) */
	uint64_t subtrees_shared;            /**< entries naming a table another entry names (each
					          table is scanned once) */
	bool walk_truncated;                 /**< stopped at max_ranges */
	/* frames a healthy guest maps without owning them: information, not findings */
	struct xenpt_p2m_finding *notes;     /**< kind mapped_not_in_p2m, .note says what */
	size_t nr_notes;                     /**< kept (at most max_findings) */
	uint64_t nr_notes_total;
	uint64_t note_counts[XENPT_NOTE_COUNT]; /**< records per note kind */
	uint64_t note_frames[XENPT_NOTE_COUNT]; /**< frames per note kind */
	uint64_t shinfo_max_pfn;             /**< shared_info arch.max_pfn (XENPT_INVALID_FRAME: none) */
	uint64_t size_claim;                 /**< a bigger P2M size claimed (xenpt_p2m_size_claimed()),
					          or XENPT_INVALID_FRAME */
	const char *size_claim_field;        /**< where it is claimed (static), or NULL */
	/*
	 * Completeness.  When the walk's budget runs out (walk_truncated), the
	 * check is incomplete: never "clean", whatever nr_total says.
	 */
	bool complete;                       /**< everything asked for was checked */
	uint64_t max_ranges;                 /**< the walk's budget (distinct frames) */
	unsigned roots_complete;             /**< roots whose whole tree was checked */
	struct xenpt_p2m_unchecked *not_checked; /**< what was not, per root and slot range */
	size_t nr_not_checked;
};

/**
 * Check the P2M against the M2P and the page tables: every P2M entry's
 * M2P entry points back, INVALID_MFN holes, MFNs mapped by two PFNs, MFNs
 * beyond the host, and (unless XENPT_P2M_CHECK_NO_WALK) every frame
 * reachable from the vCPUs' CR3s, their user L4s (ctrlreg[1]) and
 * shared_info's p2m_cr3, walked as one graph of distinct tables (lib/
 * ptgraph.h; Xen's L4 slots are not walked), is in the pseudo-physical map.
 * Frames outside it that a healthy guest maps (shared_info, Xen pages,
 * other domains' frames) go to .notes, not to .findings.  The result is
 * "clean" when nr_total is 0 and the check is complete, whatever the notes;
 * when the walk's budget runs out, .complete is false, .walk_truncated
 * true, and .not_checked names the roots and slots not covered (the
 * findings found until then are kept).  @p opts may be NULL.
 * Free the result with xenpt_p2m_check_free().
 */
struct xenpt_error *xenpt_p2m_check(struct xenpt_source *src,
				    const struct xenpt_p2m_check_opts *opts,
				    struct xenpt_p2m_check **ret);
void xenpt_p2m_check_free(struct xenpt_p2m_check *chk);

#ifdef __cplusplus
}
#endif
#endif
