/* SPDX-License-Identifier: MIT */
/**
 * @file rmap.h
 * Reverse mapping: every page-table entry that references a frame, as a
 * leaf (with every VA it maps the frame at, through every path from every
 * root, and the effective rights there) or as a table link (which parent
 * entries link it in, at which level) -- what xen-mfndump's lookup-pte
 * answers for one MFN by mapping every page-table page of the domain, but
 * restricted to what the roots can reach, decoded, and for many frames
 * from one pass.
 *
 * The index is built ONCE: a breadth-first pass from the roots reads every
 * distinct table frame once (levels as in ptdump.h: an entry is followed
 * only to a table of the next lower level; linear / recursive references
 * and Xen's L4 slots are indexed but never followed) and records one
 * (frame named, table) pair per present entry, sorted by frame.  A query
 * is a binary search plus a scan of each table found; it never rescans the
 * address space.  Paths from the roots are counted per table (memoised) and
 * enumerated on demand, so a table reached through millions of paths costs
 * nothing until its paths are asked for, and then only as many as asked.
 *
 * Roots: every vCPU's CR3 and, for 64-bit PV, every vCPU's user L4
 * (ctrlreg[1]), plus any CR3 the caller adds.  All roots must use the
 * paging mode of the first one; vCPUs in another mode are skipped.
 */
#ifndef XENPT_RMAP_H
#define XENPT_RMAP_H

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

struct xenpt_rmap;

struct xenpt_rmap_opts {
	const uint64_t *cr3s;       /**< extra roots: CR3 values (PV: MFN << 12) */
	size_t n_cr3s;
	bool no_vcpu_roots;         /**< only the extra roots */
};

void xenpt_rmap_opts_init(struct xenpt_rmap_opts *ret);

/** Build the index of @p src (see the file comment). */
struct xenpt_error *xenpt_rmap_create(struct xenpt_source *src, const struct xenpt_rmap_opts *opts,
				      struct xenpt_rmap **ret);
void xenpt_rmap_destroy(struct xenpt_rmap *r);

/** One root of the index. */
struct xenpt_rmap_root {
	uint64_t frame;             /**< the top table (MFN for PV, GFN for HVM) */
	uint64_t cr3;
	char name[48];              /**< "vCPU 0 kernel L4", "vCPU 1 user L4", "vCPU 0 CR3", "cr3 0x..." */
	bool user_l4;               /**< 64-bit PV: a user L4 (ctrlreg[1]): the privilege of its paths
				         is decided as for walk --user */
};

size_t xenpt_rmap_nr_roots(const struct xenpt_rmap *r);
const struct xenpt_rmap_root *xenpt_rmap_root(const struct xenpt_rmap *r, size_t i);
/** The address space (mode, space, PV) the index was built for. */
const struct xenpt_aspace *xenpt_rmap_aspace(const struct xenpt_rmap *r);

enum xenpt_rmap_kind {
	XENPT_RMAP_LEAF = 1,      /**< a leaf entry maps the frame (a 4K page or inside a large one) */
	XENPT_RMAP_TABLE,         /**< a followed link: the frame is a table one level down */
	XENPT_RMAP_XEN_SLOT,      /**< 64-bit PV: an entry in Xen's L4 slots 256-271 (never walked) */
	XENPT_RMAP_LINEAR,        /**< names a table of its own level or above: not followed */
	XENPT_RMAP_RESERVED,      /**< an entry with reserved bits set names it: not followed */
	XENPT_RMAP_DISALLOWED,    /**< 64-bit PV: an entry with flags Xen never validates names it:
				       not followed */
};

/** "leaf", "table", "xen_slot", "linear", "reserved_bits", "disallowed_flags". */
const char *xenpt_rmap_kind_name(enum xenpt_rmap_kind kind);

/** One entry that references the frame. */
struct xenpt_rmap_ref {
	enum xenpt_rmap_kind kind;
	unsigned level;             /**< level of the entry (of its table) */
	uint64_t table;             /**< frame of the table holding the entry */
	uint64_t table_other;       /**< PV: the table's PFN via the M2P, else XENPT_INVALID_FRAME */
	unsigned index;
	uint64_t entry;             /**< the raw entry */
	uint64_t page_size;         /**< the bytes the entry covers (LEAF: 4K, 2M, 4M or 1G) */
	uint64_t frame_offset;      /**< LEAF: the frame's byte offset inside the page */
	unsigned named_level;       /**< TABLE / LINEAR / XEN_SLOT: level of the frame named, if a
				         table of the index (0 otherwise) */
	uint64_t paths;             /**< paths from a root to the entry (saturates at UINT64_MAX) */
	uint32_t table_id_;         /**< private */
};

/** What the index knows about one frame. */
struct xenpt_rmap_frame {
	uint64_t frame;
	unsigned table_level;       /**< it is a table of the index at this level (0: not a table) */
	uint64_t refs;              /**< references found */
	uint64_t roots;             /**< bit i: it is root i (the first 64 roots) */
	bool is_root;
};

/**
 * Every reference to @p frame (in the index's space: MFN for PV, GFN for
 * HVM), in (table, index) order, handed to @p fn; *@p info_ret (may be
 * NULL) describes the frame.  Reads only the tables that hold references.
 */
struct xenpt_error *xenpt_rmap_lookup(struct xenpt_rmap *r, uint64_t frame,
				      struct xenpt_error *(*fn)(void *arg,
								const struct xenpt_rmap_ref *ref),
				      void *arg, struct xenpt_rmap_frame *info_ret);

/** What the index knows about @p frame without looking for references (refs = 0). */
void xenpt_rmap_frame_info(const struct xenpt_rmap *r, uint64_t frame,
			   struct xenpt_rmap_frame *ret);

/** One path from a root to a referencing entry. */
struct xenpt_rmap_path {
	size_t root;                /**< index into the roots */
	uint64_t va;                /**< LEAF: the VA of the frame itself; else the first VA the entry
				         covers */
	bool user, writable, nx;    /**< effective rights at the entry; user is the privilege
				         of struct xenpt_walk (64-bit PV leaves: Xen's rule,
				         lib/xen/pv.h) */
	bool hw_user;               /**< raw hardware: US at every level down to the entry */
};

/**
 * The first min(@p max, ref->paths) paths of @p ref in a fixed order
 * (roots in order, then entries in index order), into @p out; the number
 * written in *@p n_ret.
 */
struct xenpt_error *xenpt_rmap_paths(struct xenpt_rmap *r, const struct xenpt_rmap_ref *ref,
				     size_t max, struct xenpt_rmap_path *out, size_t *n_ret);

/** Work and size counters. */
struct xenpt_rmap_stats {
	uint64_t roots;
	uint64_t tables;            /**< distinct table frames indexed */
	uint64_t table_reads;       /**< table reads through the frame cache (build and queries) */
	uint64_t entries_scanned;
	uint64_t refs;              /**< (frame, table) pairs in the index */
	uint64_t index_bytes;       /**< memory of the index */
	uint64_t lookups;
};

void xenpt_rmap_stats(const struct xenpt_rmap *r, struct xenpt_rmap_stats *ret);

#ifdef __cplusplus
}
#endif
#endif
