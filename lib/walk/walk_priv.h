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

#endif
