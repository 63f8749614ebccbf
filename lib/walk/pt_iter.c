/* SPDX-License-Identifier: MIT */
/*
 * The range iterator: every entry of an address space in VA order, one
 * range per entry, never merged (drgn's pgtable_iterator in spirit, house
 * style §2.5; merging is the printer's job, as in the kernel's ptdump).
 *
 * State per level: the table's contents (a private copy for copying
 * sources, whose frame pointers die at the next read; the frame cache's own
 * pointer for XENPT_CAP_STABLE sources), its frame, the first VA it covers
 * and the rights accumulated above it.  next() resumes at the lowest level
 * whose table still covers the current VA, so a run of L1 entries costs one
 * table read for all 512 of them and no call into the source per entry.
 *
 * Loops: the iterator follows the entries that the table graph follows
 * (the loop rule of walk_priv.h, pt_link_followed()).  At creation it
 * builds the graph of the address space's tables (lib/walk/ptgraph.c,
 * reading every table above L1 once; L1 tables are only named), which
 * gives every table frame one level; an entry naming a table of its own
 * level or above (a linear page table, a self map, a loop, a frame that is
 * a higher-level table elsewhere) is reported as XENPT_RANGE_CYCLE and not
 * entered, whatever the path and the VA order.  Depth is bounded by the
 * paging levels and VAs only grow, so every call makes progress.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "base/base.h"
#include "walk/ptgraph.h"
#include "walk/walk_priv.h"

struct it_level {
	const uint8_t *tbl;      /* entries (PAE root: already at the PDPT offset) */
	uint64_t frame;
	uint64_t base;           /* first VA the table covers */
	bool rw, us, nx;         /* rights of the entries above it */
};

struct xenpt_pt_iter {
	struct xenpt_source *src;
	struct xenpt_aspace as;
	struct pt_geom g;
	struct ptg graph;        /* the tables' levels: which entries are followed */
	bool have_graph;
	uint64_t va, end;
	bool done;
	bool stable;
	unsigned cur;            /* lowest level with a loaded table; top + 1: none */
	struct it_level lv[PT_MAX_LEVELS + 1];
	uint8_t *copies;         /* copying sources: one 4 KiB copy per level */
	size_t prefetch_max;     /* copying sources: child tables read ahead in one batch */
	uint64_t *pf_frames;
	const uint8_t **pf_pages;
	int *pf_errs;
};

XENPT_PUBLIC const char *xenpt_range_kind_name(enum xenpt_range_kind kind)
{
	static const char *const names[] = {
		[XENPT_RANGE_MAPPED] = "mapped",
		[XENPT_RANGE_HOLE] = "hole",
		[XENPT_RANGE_NON_CANONICAL] = "non_canonical",
		[XENPT_RANGE_XEN_SLOT] = "xen_slot",
		[XENPT_RANGE_RESERVED] = "reserved_bits",
		[XENPT_RANGE_UNREADABLE] = "unreadable",
		[XENPT_RANGE_CYCLE] = "cycle",
		[XENPT_RANGE_DISALLOWED] = "disallowed_flags",
		[XENPT_RANGE_OUTSIDE_SPACE] = "outside_address_space",
	};

	if ((unsigned)kind < XENPT_ARRAY_SIZE(names))
		return names[kind];
	return "unknown";
}

XENPT_PUBLIC struct xenpt_error *xenpt_pt_iter_create(struct xenpt_source *src,
						      const struct xenpt_aspace *as,
						      uint64_t start, uint64_t end,
						      struct xenpt_pt_iter **ret)
{
	struct xenpt_pt_iter *it;

	if (!src || !as || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_pt_iter_create: NULL argument");
	if (start > end)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: empty range: start va 0x%016" PRIx64 " above end va 0x%016" PRIx64,
					  xenpt_source_describe(src), start, end);
	it = calloc(1, sizeof(*it));
	if (!it)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	if (!pt_geom_init(as, &it->g)) {
		free(it);
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: unknown paging mode %u",
					  xenpt_source_describe(src), (unsigned)as->mode);
	}
	it->src = src;
	it->as = *as;
	it->va = start;
	it->end = end;
	it->cur = it->g.top + 1;
	it->stable = xenpt_source_caps(src) & XENPT_CAP_STABLE;
	if (!it->stable && it->g.top) {
		struct xenpt_cache_stats st;

		it->copies = malloc((size_t)(it->g.top + 1) * XENPT_PAGE_SIZE);
		/* Read ahead at most a quarter of the frame cache, so that the
		 * prefetched tables survive until they are used. */
		xenpt_source_cache_stats(src, &st);
		it->prefetch_max = st.capacity / 4;
		if (it->prefetch_max > 512)
			it->prefetch_max = 512;
		if (it->prefetch_max >= 2) {
			it->pf_frames = malloc(it->prefetch_max * sizeof(*it->pf_frames));
			it->pf_pages = malloc(it->prefetch_max * sizeof(*it->pf_pages));
			it->pf_errs = malloc(it->prefetch_max * sizeof(*it->pf_errs));
		} else {
			it->prefetch_max = 0;
		}
		if (!it->copies || (it->prefetch_max && (!it->pf_frames || !it->pf_pages ||
							  !it->pf_errs))) {
			xenpt_pt_iter_destroy(it);
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		}
	}
	if (it->g.top) {
		struct xenpt_error *err;

		/* The levels of the tables (the loop rule): one read of every table
		 * above L1; the root's own failure is reported by next(). */
		it->have_graph = true;
		err = ptg_init(&it->graph, src, as);
		if (!err)
			err = ptg_add_root(&it->graph, as->root, NULL);
		if (!err)
			err = ptg_build(&it->graph, false, NULL, NULL);
		if (err) {
			xenpt_pt_iter_destroy(it);
			return xenpt_error_prefix(err, "%s: the table graph of the iteration",
						  xenpt_source_describe(src));
		}
	}
	*ret = it;
	return NULL;
}

XENPT_PUBLIC void xenpt_pt_iter_destroy(struct xenpt_pt_iter *it)
{
	if (!it)
		return;
	free(it->copies);
	free(it->pf_frames);
	free(it->pf_pages);
	free(it->pf_errs);
	if (it->have_graph)
		ptg_deinit(&it->graph);
	free(it);
}

/* Does the table loaded at @level cover @va? */
static inline bool covers(const struct xenpt_pt_iter *it, unsigned level, uint64_t va)
{
	unsigned sh;

	if (level == it->g.top)
		return true;
	sh = it->g.shift[level] + it->g.bits[level];
	return (va >> sh) == (it->lv[level].base >> sh);
}

/* Is the entry of @level naming the table @frame followed (the loop rule)? */
static bool followed(const struct xenpt_pt_iter *it, unsigned level, uint64_t frame)
{
	return ptg_link_followed(&it->graph, level, frame);
}

/*
 * Copying sources: read every child table of the table just loaded at
 * @level, from @first_idx on, in one batch, so that descending into them
 * later is a cache hit (one foreign-map call per batch, live).
 */
static struct xenpt_error *prefetch_children(struct xenpt_pt_iter *it, unsigned level,
					     unsigned first_idx)
{
	const struct pt_geom *g = &it->g;
	unsigned n_entries = 1u << g->bits[level], i;
	size_t n = 0;

	if (!it->prefetch_max || level < 2)
		return NULL;
	for (i = first_idx; i < n_entries && n < it->prefetch_max; i++) {
		uint64_t e = pt_read_entry(g, it->lv[level].tbl, i);
		struct pt_entry d;

		if (!(e & XENPT_PTE_P) || pt_is_xen_slot(g, level, i))
			continue;
		pt_decode(g, level, e, &d);
		if (d.leaf || pt_bad(&d) || !followed(it, level, d.next))
			continue;
		if (n && it->pf_frames[n - 1] == d.next)
			continue;
		it->pf_frames[n++] = d.next;
	}
	if (n < 2)
		return NULL;   /* nothing to gain over the read at descent */
	/* Per-frame failures are seen again (and reported) at descent. */
	return xenpt_source_get_frames(it->src, it->as.space, it->pf_frames, n, it->pf_pages,
				       it->pf_errs);
}

/*
 * Load the table @frame at @level.  Returns an error for whole-call
 * failures; *ferr is the per-frame errno (0 on success).
 */
static struct xenpt_error *load_table(struct xenpt_pt_iter *it, unsigned level, uint64_t frame,
				      unsigned first_idx, int *ferr)
{
	const uint8_t *page = NULL;
	struct xenpt_error *err;
	int e = 0;

	err = xenpt_source_get_frames(it->src, it->as.space, &frame, 1, &page, &e);
	if (err)
		return xenpt_error_prefix(err, "%s: iteration at va 0x%016" PRIx64 ": L%u table at %s 0x%" PRIx64,
					  xenpt_source_describe(it->src), it->va, level,
					  it->as.pv ? "mfn" : xenpt_space_name(it->as.space), frame);
	if (!page) {
		*ferr = e ? e : EFAULT;
		return NULL;
	}
	if (!it->stable) {
		uint8_t *copy = it->copies + (size_t)level * XENPT_PAGE_SIZE;

		memcpy(copy, page, XENPT_PAGE_SIZE);
		page = copy;
	}
	it->lv[level].tbl = page + (level == it->g.top ? it->g.root_off : 0);
	it->lv[level].frame = frame;
	*ferr = 0;
	if (!it->stable) {
		err = prefetch_children(it, level, first_idx);
		if (err)
			return xenpt_error_prefix(err, "%s: iteration at va 0x%016" PRIx64 ": tables below L%u table %s 0x%" PRIx64,
						  xenpt_source_describe(it->src), it->va, level,
						  it->as.pv ? "mfn" : xenpt_space_name(it->as.space),
						  frame);
	}
	return NULL;
}

/* Emit [it->va, min(last, it->end)] and advance. */
static void emit(struct xenpt_pt_iter *it, struct xenpt_pt_range *r, uint64_t last)
{
	r->start = it->va;
	r->end = last < it->end ? last : it->end;
	if (r->end == it->end || r->end == UINT64_MAX)
		it->done = true;
	else
		it->va = r->end + 1;
}

static void range_init(struct xenpt_pt_range *r, enum xenpt_range_kind kind, unsigned level,
		       uint64_t table)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->level = level;
	r->table = table;
	r->frame = XENPT_INVALID_FRAME;
}

XENPT_PUBLIC struct xenpt_error *xenpt_pt_iter_next(struct xenpt_pt_iter *it,
						    struct xenpt_pt_range *ret, bool *done_ret)
{
	const struct pt_geom *g = &it->g;
	struct xenpt_pt_range r;
	struct xenpt_error *err;
	uint64_t va = it->va;
	unsigned l;
	int ferr;

	if (!it || !ret || !done_ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_pt_iter_next: NULL argument");
	if (it->done) {
		*done_ret = true;
		return NULL;
	}
	if (!pt_canonical(g, va)) {
		/* One range for the whole gap (or, 32-bit modes, everything above 4G:
		 * outside the address space). */
		uint64_t last = (g->va_min_high && va < g->va_min_high) ? g->va_min_high - 1
								       : UINT64_MAX;

		range_init(&r, pt_outside_space(g) ? XENPT_RANGE_OUTSIDE_SPACE : XENPT_RANGE_NON_CANONICAL,
			   g->top, it->as.root);
		emit(it, &r, last);
		goto out;
	}
	if (!g->top) {
		/* Paging off: linear = guest-physical, no entries. */
		range_init(&r, XENPT_RANGE_MAPPED, 0, it->as.root);
		r.frame = va >> 12;
		r.page_size = XENPT_PAGE_SIZE;
		r.writable = r.user = r.hw_user = true;
		emit(it, &r, g->va_max_low);
		goto out;
	}

	/* Resume at the lowest table that still covers va. */
	l = it->cur;
	while (l <= g->top && !covers(it, l, va))
		l++;
	if (l > g->top) {
		l = g->top;
		it->lv[l].base = 0;
		it->lv[l].rw = it->lv[l].us = true;
		it->lv[l].nx = false;
		it->lv[l].frame = XENPT_INVALID_FRAME;
		err = load_table(it, l, it->as.root, pt_index(g, l, va), &ferr);
		if (err)
			return err;
		if (ferr) {
			/* To the end of this canonical half; the next half retries. */
			range_init(&r, XENPT_RANGE_UNREADABLE, l, it->as.root);
			r.frame = it->as.root;
			r.err = ferr;
			emit(it, &r, va <= g->va_max_low ? g->va_max_low : UINT64_MAX);
			goto out;
		}
	}
	it->cur = l;

	for (;;) {
		struct it_level *lv = &it->lv[l];
		unsigned idx = pt_index(g, l, va);
		uint64_t e = pt_read_entry(g, lv->tbl, idx);
		uint64_t span = 1ull << g->shift[l];
		uint64_t estart = va & ~(span - 1);
		uint64_t last = estart + (span - 1);
		struct pt_entry d;
		bool rw, us, nx;

		range_init(&r, XENPT_RANGE_HOLE, l, lv->frame);
		r.index = idx;
		r.entry = e;
		r.page_size = span;
		if (pt_is_xen_slot(g, l, idx)) {
			r.kind = XENPT_RANGE_XEN_SLOT;
			emit(it, &r, last);
			goto out;
		}
		if (!(e & XENPT_PTE_P)) {
			emit(it, &r, last);
			goto out;
		}
		pt_decode(g, l, e, &d);
		if (d.rsvd) {
			r.kind = XENPT_RANGE_RESERVED;
			emit(it, &r, last);
			goto out;
		}
		if (d.disallowed) {
			r.kind = XENPT_RANGE_DISALLOWED;
			emit(it, &r, last);
			goto out;
		}
		rw = lv->rw;
		us = lv->us;
		nx = lv->nx;
		if (g->has_rw_us[l]) {
			rw = rw && (e & XENPT_PTE_RW);
			us = us && (e & XENPT_PTE_US);
		}
		if (g->nx && (e & XENPT_PTE_NX))
			nx = true;
		if (d.leaf) {
			r.kind = XENPT_RANGE_MAPPED;
			r.frame = d.next + ((va - estart) >> 12);
			r.writable = pt_writable(rw, us, it->as.wp);
			r.hw_user = us;
			r.user = pt_user(&it->as, us, e);
			r.nx = nx;
			emit(it, &r, last);
			goto out;
		}
		if (!followed(it, l, d.next)) {
			r.kind = XENPT_RANGE_CYCLE;
			r.frame = d.next;
			emit(it, &r, last);
			goto out;
		}
		/* Descend. */
		it->lv[l - 1].base = estart;
		it->lv[l - 1].rw = rw;
		it->lv[l - 1].us = us;
		it->lv[l - 1].nx = nx;
		it->lv[l - 1].frame = XENPT_INVALID_FRAME;
		err = load_table(it, l - 1, d.next, pt_index(g, l - 1, va), &ferr);
		if (err)
			return err;
		if (ferr) {
			r.kind = XENPT_RANGE_UNREADABLE;
			r.frame = d.next;
			r.err = ferr;
			emit(it, &r, last);
			goto out;
		}
		l--;
		it->cur = l;
	}
out:
	*ret = r;
	*done_ret = false;
	return NULL;
}
