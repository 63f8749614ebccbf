/* SPDX-License-Identifier: MIT */
/*
 * Private to lib/walk/: the rights of a mapping and the walker core that
 * the single-address walker, the range iterator and the translation cache
 * share.  The geometry and the entry decoder are x86's and Xen's rules and
 * live in lib/xen/paging.h.
 */
#ifndef XENPT_WALK_PRIV_H
#define XENPT_WALK_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xenpt/walk.h>

#include "xen/paging.h"
#include "xen/pv.h"

/*
 * THE loop rule, written once for both whole-space traversals: the range
 * iterator (lib/walk/pt_iter.c) and the table graph (lib/walk/ptgraph.c, on
 * which dump, rmap and the P2M check are built).
 *
 * A frame has one type at a time (xen/arch/x86/mm.c: PGT_l1_page_table ..
 * PGT_l4_page_table in type_info, changed only at type count 0 by
 * _get_page_type()), so every table frame of an address space gets ONE
 * level, its type: the highest level at which it is reached from the roots
 * (a root is at the top level).  An entry of level @entry_level naming a
 * table frame of level @table_level is followed exactly when
 * @table_level == @entry_level - 1: what Xen's get_page_from_l2e() ..
 * get_page_from_l4e() take with get_page_and_type(PGT_l(N-1)_page_table).
 * Not followed:
 *  - a table of the entry's own level: a linear page table (Xen's
 *    get_lN_linear_pagetable(), define_get_linear_pagetable in mm.c, which
 *    accepts a same-level entry read-only), including a self map;
 *  - a table of a higher level: a loop back to an ancestor, or a frame that
 *    is a higher-level table elsewhere in the space (a type conflict Xen
 *    would refuse; the hardware would read it one level down).
 * Because the answer depends on the frame and not on the path, a table's
 * subtree is the same wherever it is reached, whatever the VA order: the
 * iterator and the graph follow exactly the same entries.
 */
static inline bool pt_link_followed(unsigned entry_level, unsigned table_level)
{
	return table_level + 1 == entry_level;
}

/*
 * The privilege of a mapping (struct xenpt_walk.user): US at every level
 * (@us_all), and for 64-bit PV Xen's rule (xen_pv_user(), lib/xen/pv.h)
 * on the leaf entry @leaf.
 */
static inline bool pt_user(const struct xenpt_aspace *as, bool us_all, uint64_t leaf)
{
	return as->pv ? xen_pv_user(us_all, leaf, as->user) : us_all;
}

/* Effective write permission (struct xenpt_walk.writable): RW at every
 * level; a supervisor-only mapping is writable by the kernel whatever RW
 * says when CR0.WP is clear (guest_walk.c: the WP check). */
static inline bool pt_writable(bool rw_all, bool us_all, bool wp)
{
	return rw_all || (!us_all && !wp);
}

/*
 * The walker without labels and without the copy-out: @w is written in place
 * (fields not listed as valid for the outcome are left as they are, except
 * that steps[] gets table_other/next_other = XENPT_INVALID_FRAME).  On error
 * @w is garbage.  Used by xenpt_walk_va() and the translation cache.
 */
struct xenpt_error *pt_walk(struct xenpt_source *src, const struct xenpt_aspace *as,
			    const struct pt_geom *g, uint64_t va, struct xenpt_walk *w);
/*
 * The same walk recording only the translation (struct xenpt_xlate, every
 * field set, cached false): what xenpt_translate() and the batch return.
 */
struct xenpt_error *pt_translate(struct xenpt_source *src, const struct xenpt_aspace *as,
				 const struct pt_geom *g, uint64_t va, struct xenpt_xlate *x);
/*
 * pt_translate() of @n addresses into @ret[0..n-1]: stable sources
 * interleave several walks; others go level by level, one frame read for
 * all the tables of a level (xenpt_translate_batch()).
 */
struct xenpt_error *pt_translate_batch(struct xenpt_source *src, const struct xenpt_aspace *as,
				       const struct pt_geom *g, const xenpt_va_t *vas, size_t n,
				       struct xenpt_xlate *ret);

#endif
