/* SPDX-License-Identifier: MIT */
/*
 * Private to lib/walk/ and the views above it (dump, rmap, the P2M check):
 * the graph of an address space's page-table frames, found breadth-first
 * from one or more roots.
 *
 * Every table gets ONE level: the highest at which it is reached (roots are
 * at the top level).  Because all tables of level L are discovered while
 * the tables of level L+1 are scanned, and a FIFO processes levels in
 * order, the graph gives each frame its type as the loop rule of
 * walk_priv.h (pt_link_followed()) defines it: an entry of level L is
 * "followed" exactly when it names a table of level L-1; an entry naming a
 * table of level L or above is a linear / recursive reference (Xen's
 * same-level linear page tables, self maps, loops back to an ancestor, a
 * higher-level table elsewhere) and is never followed.  The range iterator
 * builds this graph (without reading L1 tables) to follow the same entries.  This makes every later
 * pass independent of the path by which a table is reached, so results can
 * be memoised per table: the cost of anything built on the graph is linear
 * in the number of distinct table frames, whatever the sharing (a table
 * named by all 512 slots of its parent and of each ancestor is read once).
 *
 * Each table frame is read once by ptg_build() (L1 tables only when asked),
 * through the source's frame cache.  In a 64-bit PV guest Xen's L4 slots
 * 256-271 are never followed, nor are entries with reserved bits or with
 * flags Xen never validates (lib/xen/pv.h; pt_bad()).
 */
#ifndef XENPT_PTGRAPH_H
#define XENPT_PTGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/source.h>
#include <xenpt/walk.h>

#include "base/htab.h"
#include "walk/walk_priv.h"

#define PTG_NONE UINT32_MAX

enum {
	PTG_UNREADABLE = 1u << 0,  /* the frame could not be read (err) */
	PTG_ROOT       = 1u << 1,  /* a root of the graph */
	PTG_READ       = 1u << 2,  /* read and scanned by ptg_build() */
};

struct ptg_table {
	uint64_t frame;
	uint64_t first_va;      /* first VA it covers, through the first path found */
	uint64_t refs;          /* followed entries naming it */
	uint32_t first_root;    /* root (index into roots[]) of that path */
	uint16_t present;       /* present guest entries (not Xen's slots), when read */
	uint16_t leaves;        /* of them: leaf entries */
	uint16_t links;         /* of them: followed links to a table */
	uint8_t level;
	uint8_t flags;
	int err;                /* PTG_UNREADABLE: per-frame errno */
};

struct ptg;

/*
 * Called by ptg_build() for every table read, after its entries were
 * scanned (so every table it names is already in the graph), with its
 * entries (PAE root: at the PDPT).  The pointer is valid during the call.
 */
typedef struct xenpt_error *(*ptg_visit_fn)(void *arg, struct ptg *g, uint32_t id,
					    const uint8_t *entries);

struct ptg {
	struct xenpt_source *src;
	struct xenpt_aspace as;
	struct pt_geom g;
	bool stable;               /* the source's frame pointers stay valid */
	struct ptg_table *t;
	uint32_t n, cap;
	struct htab ht;            /* frame -> id (lib/base/htab.h: keyed, bounded probes) */
	uint64_t *bloom;           /* one bit per (frame & PTG_BLOOM_MASK) of every table */
	uint32_t *roots;           /* ids */
	uint32_t nroots;
	uint64_t reads;            /* table reads through the frame cache */
	uint32_t prefetched;       /* copying sources: ids below this were batch-read */
	uint64_t entries;          /* entries decoded */
	uint32_t built;            /* ids below this were processed by ptg_build() */
};

#define PTG_BLOOM_BITS 20
#define PTG_BLOOM_MASK ((1ull << PTG_BLOOM_BITS) - 1)

/* @as gives the geometry (mode, flags); its root is NOT added. */
struct xenpt_error *ptg_init(struct ptg *g, struct xenpt_source *src,
			     const struct xenpt_aspace *as);
void ptg_deinit(struct ptg *g);
/* A root at the top level (a frame already a root is not added twice). */
struct xenpt_error *ptg_add_root(struct ptg *g, uint64_t frame, uint32_t *id_ret);
/*
 * A table at @level that is not a root (the audit: a table Xen reports as
 * pinned or validated that the roots do not reach); a frame already in the
 * graph is not added again (*id_ret: its id).  A later ptg_build() goes on
 * from the tables not processed yet.
 */
struct xenpt_error *ptg_add_table(struct ptg *g, uint64_t frame, unsigned level, uint32_t *id_ret);
/* Breadth-first from the roots: levels, first VAs, counts; @visit may be NULL. */
struct xenpt_error *ptg_build(struct ptg *g, bool read_l1, ptg_visit_fn visit, void *arg);

/* Id of table @frame or PTG_NONE. */
static inline uint32_t ptg_find(const struct ptg *g, uint64_t frame)
{
	struct htab_probe p;
	uint32_t id;

	if (g->bloom && !(g->bloom[(frame & PTG_BLOOM_MASK) >> 6] & (1ull << (frame & 63))))
		return PTG_NONE;
	for (id = htab_first(&g->ht, htab_hash(&g->ht.seed, frame), &p); id != HTAB_NONE;
	     id = htab_next(&g->ht, &p))
		if (g->t[id].frame == frame)
			return id;
	return PTG_NONE;
}

/*
 * Is an entry of level @level naming the table frame @frame followed
 * (pt_link_followed() on the frame's level in the graph)?  A frame the
 * graph does not know (the tables changed since it was built: a live
 * domain) is followed, as the hardware would.
 */
static inline bool ptg_link_followed(const struct ptg *g, unsigned level, uint64_t frame)
{
	uint32_t id = ptg_find(g, frame);

	return id == PTG_NONE || pt_link_followed(level, g->t[id].level);
}

/*
 * Read table @id: its entries (PAE root: at the PDPT) in *ret, or NULL and
 * *ferr a per-frame errno.  Valid until the next read on the source (for
 * stable sources: until close).
 */
struct xenpt_error *ptg_read(struct ptg *g, uint32_t id, const uint8_t **ret, int *ferr);

/* Number of entries of a table of level @level. */
static inline unsigned ptg_nent(const struct ptg *g, unsigned level)
{
	return 1u << g->g.bits[level];
}

/* VA covered by entry @idx of a table of level @level that starts at @base. */
static inline uint64_t ptg_entry_va(const struct ptg *g, unsigned level, uint64_t base,
				    unsigned idx)
{
	uint64_t va = base + ((uint64_t)idx << g->g.shift[level]);

	if (level == g->g.top && g->g.va_min_high && va > g->g.va_max_low)
		va |= ~((g->g.va_max_low << 1) | 1);  /* sign-extend the upper half */
	return va;
}

/* Bytes covered by one entry of level @level. */
static inline uint64_t ptg_span(const struct ptg *g, unsigned level)
{
	return 1ull << g->g.shift[level];
}

#endif
