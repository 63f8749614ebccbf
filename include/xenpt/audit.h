/* SPDX-License-Identifier: MIT */
/**
 * @file audit.h
 * Audit of a 64-bit PV domain's page types, pins and references against
 * Xen's rules (xen/arch/x86/mm.c), from what a tool in dom0 can observe:
 * the page tables, the vCPUs' roots and GDT frames, and (live and
 * synthetic sources) the type and pin Xen reports for each frame
 * (XEN_DOMCTL_getpageframeinfo3).  What Xen holds per frame (type count,
 * general count) is never reported to tools: the audit derives lower
 * bounds from the holders it sees, and compares them with exact counts
 * only where a source knows them (the synthetic model).
 *
 * Frames audited: every table reachable from every vCPU's kernel and user
 * L4 (followed as Xen validates them: an entry names a table of the next
 * level), every frame Xen reports as a pinned or validated table (with the
 * tables below it), the vCPUs' GDT frames, and the frames L1 entries map.
 * Each present entry of each of those tables is classified by
 * xen_pv_entry_ref() (lib/xen/pv.h) -- the one statement of what reference
 * Xen takes for it -- and the references are added up per frame.
 *
 * On sources without page types (core files) the audit checks the
 * structure alone (summary.types_known is false).
 */
#ifndef XENPT_AUDIT_H
#define XENPT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_audit;

/** Exact counts of a frame, where a source knows them (the synthetic model). */
typedef bool (*xenpt_audit_counts_fn)(void *arg, uint64_t mfn, uint64_t *type_count_ret,
				      uint64_t *general_count_ret);

struct xenpt_audit_opts {
	/** Record every holder of this MFN (xenpt_audit_holders()); XENPT_INVALID_FRAME: none. */
	uint64_t frame;
	/** Ignore the source's page types: audit the structure alone. */
	bool no_types;
	/** NULL, or the exact counts of a frame (then "+k not explained" is computed). */
	xenpt_audit_counts_fn counts;
	void *counts_arg;
	/** Findings kept (all are counted); 0: 100000. */
	size_t max_findings;
};

void xenpt_audit_opts_init(struct xenpt_audit_opts *ret);

/** Stable finding codes (the strings of xenpt_audit_code_name() are the API). */
enum xenpt_audit_code {
	XENPT_AUDIT_ORPHAN = 0,      /**< "orphan-table": Xen reports Ln, not pinned, no holder */
	XENPT_AUDIT_WRONG_TYPE,      /**< "wrong-type-child": an entry of a validated table names a
				          frame of another type */
	XENPT_AUDIT_RW_TABLE,        /**< "rw-table-mapping": an RW L1 entry maps a page-table or
				          descriptor frame */
	XENPT_AUDIT_BAD_FLAGS,       /**< "disallowed-flags": flags in the level's disallow mask */
	XENPT_AUDIT_LINEAR_RW,       /**< "linear-rw": a same-level (linear) entry with RW */
	XENPT_AUDIT_LINEAR_BOTH,     /**< "linear-chain": a table with linear entries that is itself
				          a linear target (XSA-240) */
	XENPT_AUDIT_LINEAR_FOREIGN,  /**< "linear-cross-domain": a linear entry naming another
				          domain's table */
	XENPT_AUDIT_PIN_TYPE,        /**< "pin-wrong-type": a pin whose type is not the one the
				          structure gives the frame */
	XENPT_AUDIT_XEN_SLOT,        /**< "xen-slot-differs": L4 slot 256-271 differs between L4s */
	XENPT_AUDIT_TYPE_MISMATCH,   /**< "type-mismatch": Xen's type differs from the derived one */
	XENPT_AUDIT_COUNT_LOW,       /**< "count-below-holders": an exact count below the holders */
	XENPT_AUDIT_UNREADABLE,      /**< "unreadable-table": the audit is incomplete */
	XENPT_AUDIT_FOREIGN_TABLE,   /**< "cross-domain-table": a table entry names another domain's
				          frame (host-wide) */
	XENPT_AUDIT_FOREIGN_MAP,     /**< "cross-domain-mapping": an L1 entry maps another domain's
				          frame (host-wide; grant and foreign maps) */
	XENPT_AUDIT_DYING_REF,       /**< "dying-domain-reference": a frame of a dying domain is
				          still referenced (host-wide) */
	XENPT_AUDIT_NR_CODES
};

/** "orphan-table", "wrong-type-child", ... */
const char *xenpt_audit_code_name(enum xenpt_audit_code code);

/** Types: what Xen's rules give a frame (derived), and Xen's own words. */
enum xenpt_audit_type {
	XENPT_AUDIT_T_NONE = 0,
	XENPT_AUDIT_T_L1, XENPT_AUDIT_T_L2, XENPT_AUDIT_T_L3, XENPT_AUDIT_T_L4,
	XENPT_AUDIT_T_SEG_DESC,      /**< a GDT frame */
	XENPT_AUDIT_T_WRITABLE,      /**< mapped RW by a validated L1 */
};

/** "none", "l1".."l4", "seg_desc", "writable". */
const char *xenpt_audit_type_name(enum xenpt_audit_type t);

/** One finding. */
struct xenpt_audit_finding {
	enum xenpt_audit_code code;
	uint32_t domid;
	uint64_t frame;       /**< the table holding the entry, or the frame at fault */
	unsigned level;       /**< level of that table / the frame's level (0: none) */
	unsigned index;       /**< entry index, or UINT32_MAX when not about one entry */
	uint64_t entry;       /**< the raw entry (index set) */
	uint64_t target;      /**< the frame the entry names (or the reference L4 for
			           xen-slot-differs); XENPT_INVALID_FRAME if none */
	enum xenpt_audit_type target_type; /**< the type the classification saw for target */
	xenpt_page_type_t xen_type;        /**< Xen's type word of frame (or target), if known */
	bool xen_type_known;
	uint32_t other_domid; /**< host-wide: the other domain */
	char text[200];       /**< one sentence */
};

size_t xenpt_audit_nr_findings(const struct xenpt_audit *a);
/**
 * For a domain that ran while it was audited (dom0 always does): keep only
 * the findings of @a that @again, a second audit of the same domain, also
 * has (same code, frame, index and target); the others were a table
 * changing under the reader and are counted in findings_transient.
 */
void xenpt_audit_keep_reproduced(struct xenpt_audit *a, const struct xenpt_audit *again);
const struct xenpt_audit_finding *xenpt_audit_finding(const struct xenpt_audit *a, size_t i);

/** Side-by-side type counts (xen-mfndump style) and work counters. */
struct xenpt_audit_summary {
	uint32_t domid;
	bool types_known;     /**< the source reported Xen's page types */
	bool counts_known;    /**< exact counts were compared */
	bool incomplete;      /**< some table could not be read */
	uint64_t frames_typed;        /**< frames whose Xen type was read */
	uint64_t xen_tables[5];       /**< Xen says: frames typed L1..L4 (index 1..4) */
	uint64_t xen_pinned[5];       /**< of them pinned */
	uint64_t xen_none, xen_xtab, xen_broken;
	uint64_t derived_tables[5];   /**< rules derive: table frames by level */
	uint64_t derived_seg_desc;    /**< GDT frames */
	uint64_t roots;               /**< vCPU root uses (kernel + user L4s) */
	uint64_t tables_scanned, entries_present;
	uint64_t child_refs, linear_refs, self_refs, map_rw, map_ro, refused;
	uint64_t unexplained_frames;  /**< frames with more references than holders seen */
	uint64_t unexplained_refs;    /**< their excess, summed */
	uint64_t findings;
	uint64_t by_code[XENPT_AUDIT_NR_CODES];
	uint64_t findings_dropped;    /**< beyond max_findings */
	uint64_t findings_transient;  /**< findings a second audit did not reproduce (a running
				           domain changed under the first): dropped, counted here */
	uint64_t vcpus_skipped;       /**< vCPUs whose context Xen would not give (dom0's
				           own calling vCPU): their roots come from pins only */
};

void xenpt_audit_summary(const struct xenpt_audit *a, struct xenpt_audit_summary *ret);

/** Everything the audit knows about one frame. */
struct xenpt_audit_frame {
	uint64_t frame;
	bool audited;                 /**< a table, GDT, Xen-typed or asked-for frame */
	enum xenpt_audit_type derived;
	unsigned level;               /**< table level in the traversal (0: not a table) */
	xenpt_page_type_t xen_type;
	bool xen_type_known;
	bool gdt;
	uint64_t pins, parents, roots, linear_uses, linear_entries, self_entries;
	uint64_t rw_maps, ro_maps, gdt_uses, refused_refs;
	uint64_t type_lb;             /**< type count must be at least this */
	uint64_t general_lb;          /**< general count must be at least this (with PGC_allocated) */
	bool counts_known;
	uint64_t type_count, general_count;
	uint64_t unexplained;         /**< general_count - general_lb when positive (counts_known) */
	char why[200];                /**< why it is typed like this, one sentence */
};

/** What the audit knows about @p mfn (audited false if it was not looked at). */
void xenpt_audit_frame_info(const struct xenpt_audit *a, uint64_t mfn,
			    struct xenpt_audit_frame *ret);

/** A holder of the frame of opts.frame. */
enum xenpt_audit_holder_kind {
	XENPT_AUDIT_H_PIN = 0,      /**< "pin" */
	XENPT_AUDIT_H_PARENT,       /**< "parent": a validated table's entry, one level up */
	XENPT_AUDIT_H_ROOT,         /**< "vcpu-root": a vCPU's kernel or user L4 */
	XENPT_AUDIT_H_LINEAR,       /**< "linear": a same-level entry of another table */
	XENPT_AUDIT_H_SELF,         /**< "self": a same-level entry of the table itself (no ref) */
	XENPT_AUDIT_H_MAP_RW,       /**< "map-rw" */
	XENPT_AUDIT_H_MAP_RO,       /**< "map-ro" */
	XENPT_AUDIT_H_GDT,          /**< "gdt": a vCPU's GDT frame */
	XENPT_AUDIT_H_REFUSED,      /**< "refused": an entry Xen would refuse (no reference) */
};

const char *xenpt_audit_holder_name(enum xenpt_audit_holder_kind k);

struct xenpt_audit_holder {
	enum xenpt_audit_holder_kind kind;
	uint64_t table;       /**< entry kinds: the table; else XENPT_INVALID_FRAME */
	unsigned level;       /**< the table's level */
	unsigned index;       /**< entry index / vCPU id (roots, gdt) */
	uint64_t entry;
	bool user;            /**< roots: the user L4 */
	const char *ref;      /**< xen_pv_ref_name() of the entry ("child", "map-rw", "rw-table") */
};

size_t xenpt_audit_nr_holders(const struct xenpt_audit *a);
const struct xenpt_audit_holder *xenpt_audit_holder(const struct xenpt_audit *a, size_t i);

/** Audit the domain of @p src (64-bit PV only: XENPT_ERR_UNSUPPORTED otherwise). */
struct xenpt_error *xenpt_audit_run(struct xenpt_source *src, const struct xenpt_audit_opts *opts,
				    struct xenpt_audit **ret);
void xenpt_audit_destroy(struct xenpt_audit *a);

/**
 * Host-wide: audit each of @p n domains (64-bit PV; others are skipped, their
 * slot in @p ret NULL) and add to each the cross-domain findings: an entry
 * of one domain naming a frame another domain owns (its P2M), a linear
 * entry naming another domain's table, a reference to a frame of a dying
 * domain.  @p ret has @p n slots, each freed with xenpt_audit_destroy().
 */
struct xenpt_error *xenpt_audit_run_host(struct xenpt_source *const *srcs, size_t n,
					 const struct xenpt_audit_opts *opts,
					 struct xenpt_audit **ret);

#ifdef __cplusplus
}
#endif
#endif
