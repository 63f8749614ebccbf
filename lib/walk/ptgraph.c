/* SPDX-License-Identifier: MIT */
/*
 * The graph of an address space's page-table frames (see ptgraph.h): a
 * breadth-first pass from the roots that gives every table one level,
 * reads each table frame once and counts its entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "walk/ptgraph.h"

struct xenpt_error *ptg_init(struct ptg *g, struct xenpt_source *src,
			     const struct xenpt_aspace *as)
{
	memset(g, 0, sizeof(*g));
	g->src = src;
	g->as = *as;
	if (!pt_geom_init(as, &g->g))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: unknown paging mode %u",
					  xenpt_source_describe(src), (unsigned)as->mode);
	g->stable = xenpt_source_caps(src) & XENPT_CAP_STABLE;
	if (!htab_init(&g->ht, 512, 50))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	return NULL;
}

void ptg_deinit(struct ptg *g)
{
	free(g->t);
	htab_free(&g->ht);
	free(g->bloom);
	free(g->roots);
	memset(g, 0, sizeof(*g));
}

static uint64_t ptg_hash_of(const struct htab *h, void *ctx, uint32_t id)
{
	const struct ptg *g = ctx;

	return htab_hash(&h->seed, g->t[id].frame);
}

/* Add table @frame (not in the graph yet) at @level; its id in *id_ret. */
static struct xenpt_error *add_table(struct ptg *g, uint64_t frame, unsigned level,
				     uint64_t first_va, uint32_t first_root, uint32_t *id_ret)
{
	struct ptg_table *t;

	if (g->n == UINT32_MAX - 1)
		return xenpt_error_create(XENPT_ERR_BAD_DATA, "%s: more than 2^32 page-table frames",
					  xenpt_source_describe(g->src));
	if (g->n == g->cap) {
		uint32_t ncap = g->cap ? g->cap * 2 : 256;
		struct ptg_table *nt = realloc(g->t, (size_t)ncap * sizeof(*nt));

		if (!nt)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		g->t = nt;
		g->cap = ncap;
	}
	t = &g->t[g->n];
	memset(t, 0, sizeof(*t));
	t->frame = frame;
	t->level = (uint8_t)level;
	t->first_va = first_va;
	t->first_root = first_root;
	if (!htab_insert(&g->ht, htab_hash(&g->ht.seed, frame), g->n, ptg_hash_of, g))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	*id_ret = g->n++;
	return NULL;
}

struct xenpt_error *ptg_add_root(struct ptg *g, uint64_t frame, uint32_t *id_ret)
{
	struct xenpt_error *err;
	uint32_t id = ptg_find(g, frame), *nr;

	if (id == PTG_NONE) {
		err = add_table(g, frame, g->g.top, 0, g->nroots, &id);
		if (err)
			return err;
	}
	if (!(g->t[id].flags & PTG_ROOT)) {
		nr = realloc(g->roots, (g->nroots + 1) * sizeof(*nr));
		if (!nr)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		g->roots = nr;
		g->roots[g->nroots++] = id;
		g->t[id].flags |= PTG_ROOT;
	}
	if (id_ret)
		*id_ret = id;
	return NULL;
}

struct xenpt_error *ptg_add_table(struct ptg *g, uint64_t frame, unsigned level, uint32_t *id_ret)
{
	uint32_t id = ptg_find(g, frame);

	if (id == PTG_NONE) {
		struct xenpt_error *err;

		if (!level || level > g->g.top)
			return xenpt_error_create(XENPT_ERR_INVALID_ARG, "no level %u in %s paging",
						  level, xenpt_paging_mode_name(g->as.mode));
		err = add_table(g, frame, level, 0, g->nroots, &id);
		if (err)
			return err;
		if (g->bloom)
			g->bloom[(frame & PTG_BLOOM_MASK) >> 6] |= 1ull << (frame & 63);
	}
	if (id_ret)
		*id_ret = id;
	return NULL;
}

struct xenpt_error *ptg_read(struct ptg *g, uint32_t id, const uint8_t **ret, int *ferr)
{
	const uint8_t *page = NULL;
	struct xenpt_error *err;
	int e = 0;

	g->reads++;
	err = xenpt_source_get_frames(g->src, g->as.space, &g->t[id].frame, 1, &page, &e);
	if (err)
		return xenpt_error_prefix(err, "%s: L%u table at %s 0x%" PRIx64,
					  xenpt_source_describe(g->src), g->t[id].level,
					  g->as.pv ? "mfn" : xenpt_space_name(g->as.space),
					  g->t[id].frame);
	if (!page) {
		*ret = NULL;
		*ferr = e ? e : EFAULT;
		return NULL;
	}
	if ((g->t[id].flags & PTG_ROOT) && g->t[id].level == g->g.top)
		page += g->g.root_off;
	*ret = page;
	*ferr = 0;
	return NULL;
}

/*
 * Copying (live) sources: read the next tables of the breadth-first queue
 * in ONE backend batch, so that a whole guest costs about one foreign-map
 * call per PTG_PREFETCH table frames instead of one per table.  The frames
 * land in the frame cache; ptg_read() then hits.  The batch stays well below
 * the cache's default capacity (8192 frames) so nothing is evicted before use.
 */
#define PTG_PREFETCH 512

static struct xenpt_error *ptg_prefetch(struct ptg *g, uint32_t from, bool read_l1)
{
	struct xenpt_cache_stats st;
	bool l1s;
	uint64_t frames[PTG_PREFETCH];
	const uint8_t *pages[PTG_PREFETCH];
	int errs[PTG_PREFETCH];
	uint32_t id;
	size_t n = 0;

	/*
	 * L1s the build does not decode are warmed only while all tables fit
	 * in half the cache: otherwise they would be evicted before use and
	 * read twice.
	 */
	xenpt_source_cache_stats(g->src, &st);
	l1s = read_l1 || g->n <= st.capacity / 2;
	for (id = from; id < g->n && n < PTG_PREFETCH; id++) {
		unsigned level = g->t[id].level;

		if (level > 1 || (level == 1 && l1s))
			frames[n++] = g->t[id].frame;
	}
	g->prefetched = id;
	if (!n)
		return NULL;
	/* per-frame failures are reported again, per table, by ptg_read() */
	return xenpt_source_get_frames(g->src, g->as.space, frames, n, pages, errs);
}

struct xenpt_error *ptg_build(struct ptg *g, bool read_l1, ptg_visit_fn visit, void *arg)
{
	const struct pt_geom *geo = &g->g;
	struct xenpt_error *err;
	uint32_t id, i;

	free(g->bloom);
	g->bloom = NULL;
	for (id = g->built; id < g->n; id++) {
		struct ptg_table *t = &g->t[id];
		unsigned level = t->level, nent, idx;
		uint64_t first_va = t->first_va;
		uint32_t first_root = t->first_root;
		const uint8_t *tbl;
		uint16_t present = 0, leaves = 0, links = 0;
		int ferr;

		/*
		 * L1s too, even when this pass does not decode them: dump reads
		 * them right after the build, and they are then in the cache.
		 */
		if (!g->stable && id >= g->prefetched && level) {
			err = ptg_prefetch(g, id, read_l1);
			if (err)
				return err;
		}
		if (!level || (level == 1 && !read_l1))
			continue;
		err = ptg_read(g, id, &tbl, &ferr);
		if (err)
			return err;
		if (!tbl) {
			g->t[id].flags |= PTG_UNREADABLE;
			g->t[id].err = ferr;
			continue;
		}
		nent = ptg_nent(g, level);
		g->entries += nent;
		for (idx = 0; idx < nent; idx++) {
			uint64_t e = pt_read_entry(geo, tbl, idx);
			struct pt_entry d;
			uint32_t cid;

			if (!(e & XENPT_PTE_P) || pt_is_xen_slot(geo, level, idx))
				continue;
			present++;
			pt_decode(geo, level, e, &d);
			if (pt_bad(&d))
				continue;
			if (d.leaf) {
				leaves++;
				continue;
			}
			cid = ptg_find(g, d.next);
			if (cid == PTG_NONE) {
				/* g->t may move: no pointer into it is held here */
				err = add_table(g, d.next, level - 1,
						ptg_entry_va(g, level, first_va, idx), first_root, &cid);
				if (err)
					return err;
			} else if (!pt_link_followed(level, g->t[cid].level)) {
				continue;   /* linear / recursive: not followed */
			}
			g->t[cid].refs++;
			links++;
		}
		t = &g->t[id];
		t->present = present;
		t->leaves = leaves;
		t->links = links;
		t->flags |= PTG_READ;
		if (visit) {
			/* a copying source's pointer is still valid: nothing was read since */
			err = visit(arg, g, id, tbl);
			if (err)
				return err;
		}
	}
	g->built = g->n;
	g->bloom = calloc((PTG_BLOOM_MASK + 1) / 64, sizeof(*g->bloom));
	if (!g->bloom)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	for (i = 0; i < g->n; i++)
		g->bloom[(g->t[i].frame & PTG_BLOOM_MASK) >> 6] |= 1ull << (g->t[i].frame & 63);
	return NULL;
}
