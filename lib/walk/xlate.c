/* SPDX-License-Identifier: MIT */
/*
 * The translation cache: a software TLB in front of the walker, for callers
 * that translate many addresses of the same address space (LibVMI's v2p
 * cache, Rekall's vtop TLB).
 *
 * Three 2-way set-associative classes: 4K pages, 2M/4M pages, 1G pages.
 * The set is picked by the low bits of the VA's page number with the bits
 * above them folded in once (XORed with a hash of the address-space context):
 * up to capacity / 2 consecutive pages never evict each other.  A class
 * starts with 64 sets and grows fourfold whenever a quarter full, up to
 * the capacity: memory follows what the cache holds (at most 4 entries
 * of 40 bytes per translation held, not the capacity's worth for a
 * handful of pages).  An entry
 * is keyed by the exact address-space context (root frame plus the mode and
 * every flag that changes a walk's result) and the VA's page number at that
 * class's size, so a large page takes one entry for all VAs inside it.
 * Lookups probe the 4K class first and the large classes only when a large
 * page has been cached since the last flush.  Invalidation is by
 * generation: a flush is O(1).
 *
 * Nothing here flushes automatically (see walk.h): the caller flushes when a
 * live domain may have changed its tables.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "base/base.h"
#include "walk/walk_priv.h"

enum { CLASS_4K, CLASS_LARGE, CLASS_1G, NR_CLASSES };

#define R_WRITABLE 1u
#define R_USER     2u
#define R_NX       4u
#define R_HW_USER  8u

struct xl_entry {
	uint64_t vpn;        /* va >> shift */
	uint64_t root;
	uint64_t base;       /* first 4K frame of the page (as.space) */
	uint32_t ctx;        /* packed address-space flags, see ctx_of() */
	uint32_t gen;        /* valid when equal to the cache's */
	uint8_t shift;       /* 12, 21, 22 or 30 */
	uint8_t rights;
	uint8_t victim;      /* way 0 only: the way to replace next in this set */
};

struct xl_class {
	struct xl_entry *e;  /* sets * 2, the ways of a set adjacent */
	size_t set_mask;     /* sets - 1 */
	unsigned set_bits;   /* log2(sets) */
	size_t max_sets;     /* what the capacity allows; the class grows to it */
	size_t used;         /* ways filled since the last flush or growth */
};

struct xenpt_xlate_cache {
	struct xl_class cls[NR_CLASSES];
	uint32_t gen;
	uint64_t nlarge;     /* large-page entries inserted since the last flush */
	const struct xenpt_source *src;
	struct xenpt_xlate_stats st;
};

/*
 * Everything besides the root that changes a translation: mode, frame
 * space, NXE, PSE, WP, MAXPHYADDR, the PAE PDPT offset.  PV and user only
 * label, but keep the spaces apart anyway.
 */
static inline uint32_t ctx_of(const struct xenpt_aspace *as)
{
	uint32_t c = (uint32_t)as->mode & 7u;

	c |= (uint32_t)as->space << 3;
	c |= (uint32_t)as->pv << 4;
	c |= (uint32_t)as->user << 5;
	c |= (uint32_t)as->nxe << 6;
	c |= (uint32_t)as->pse << 7;
	c |= (uint32_t)as->wp << 8;
	c |= (uint32_t)(as->maxphyaddr & 0x7f) << 9;
	c |= (uint32_t)as->io_caps << 24;
	if (as->mode == XENPT_PM_PAE)
		c |= (uint32_t)((as->cr3 & 0xfe0) >> 5) << 16;
	return c;
}

/* Mix of the context, XORed into the page number to pick the set. */
static inline uint64_t ctx_mix(uint64_t root, uint32_t ctx)
{
	return ((root ^ ((uint64_t)ctx << 32)) * 0x9e3779b97f4a7c15ull) >> 24;
}

/*
 * The set of a page: its low bits (consecutive pages never collide, and a
 * region's entries stay together: a run of pages uses one block of the
 * table, kind to the TLB and the caches) with the bits above the index
 * folded in once, so that regions a multiple of the table size apart
 * (direct map, vmalloc, kernel image) do not meet in the same sets.
 */
static inline size_t set_index(uint64_t vpn, uint64_t mix, size_t mask, unsigned bits)
{
	return (size_t)((vpn ^ (vpn >> bits) ^ mix) & mask);
}

static inline struct xl_entry *set_of(const struct xl_class *c, uint64_t vpn, uint64_t mix)
{
	return &c->e[set_index(vpn, mix, c->set_mask, c->set_bits) * 2];
}

/* Sets start few: a cache costs memory for what it holds, not for its capacity. */
#define XL_FIRST_SETS 64u

static bool class_alloc(struct xl_class *c, size_t n)
{
	size_t sets = 8;

	while (sets * 2 < n)
		sets <<= 1;
	c->max_sets = sets;
	if (sets > XL_FIRST_SETS)
		sets = XL_FIRST_SETS;
	c->set_mask = sets - 1;
	c->set_bits = (unsigned)__builtin_ctzll(sets);
	c->used = 0;
	c->e = calloc(sets * 2, sizeof(*c->e));
	return c->e != NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_xlate_cache_create(size_t capacity,
							  struct xenpt_xlate_cache **ret)
{
	struct xenpt_xlate_cache *c;

	if (!ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_xlate_cache_create: NULL argument");
	if (!capacity)
		capacity = 4096;
	if (capacity > ((size_t)1 << 26))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "translation cache of %zu entries is too large (at most %zu)",
					  capacity, (size_t)1 << 26);
	c = calloc(1, sizeof(*c));
	if (!c)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	if (!class_alloc(&c->cls[CLASS_4K], capacity) ||
	    !class_alloc(&c->cls[CLASS_LARGE], capacity / 8 > 64 ? capacity / 8 : 64) ||
	    !class_alloc(&c->cls[CLASS_1G], 64)) {
		xenpt_xlate_cache_destroy(c);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	c->gen = 1;
	c->st.capacity = c->cls[CLASS_4K].max_sets * 2;
	*ret = c;
	return NULL;
}

XENPT_PUBLIC void xenpt_xlate_cache_destroy(struct xenpt_xlate_cache *cache)
{
	unsigned i;

	if (!cache)
		return;
	for (i = 0; i < NR_CLASSES; i++)
		free(cache->cls[i].e);
	free(cache);
}

XENPT_PUBLIC void xenpt_xlate_cache_flush(struct xenpt_xlate_cache *cache)
{
	unsigned i;

	if (!cache)
		return;
	cache->st.flushes++;
	cache->nlarge = 0;
	for (i = 0; i < NR_CLASSES; i++)
		cache->cls[i].used = 0;
	if (++cache->gen == 0) {
		/* Generation wrapped: really clear, so no stale entry matches. */
		for (i = 0; i < NR_CLASSES; i++)
			memset(cache->cls[i].e, 0,
			       (cache->cls[i].set_mask + 1) * 2 * sizeof(struct xl_entry));
		cache->gen = 1;
	}
}

XENPT_PUBLIC void xenpt_xlate_cache_stats(const struct xenpt_xlate_cache *cache,
					  struct xenpt_xlate_stats *ret)
{
	if (!cache) {
		memset(ret, 0, sizeof(*ret));
		return;
	}
	*ret = cache->st;
}

static inline void fill_hit(const struct xl_entry *e, uint64_t va, struct xenpt_xlate *ret)
{
	uint64_t size = 1ull << e->shift;

	ret->va = va;
	ret->end = XENPT_WALK_MAPPED;
	ret->end_level = e->shift == 12 ? 1 : e->shift == 30 ? 3 : 2;
	ret->end_errno = 0;
	ret->page_size = size;
	ret->page_va = va & ~(size - 1);
	ret->frame = e->base + ((va & (size - 1)) >> 12);
	ret->addr = (ret->frame << 12) | (va & 0xfff);
	ret->writable = e->rights & R_WRITABLE;
	ret->user = e->rights & R_USER;
	ret->nx = e->rights & R_NX;
	ret->hw_user = e->rights & R_HW_USER;
	ret->cached = true;
}

static inline bool entry_match(const struct xl_entry *e, uint32_t gen, uint64_t vpn,
			       uint64_t root, uint32_t ctx, unsigned shift)
{
	return e->gen == gen && e->vpn == vpn && e->root == root && e->ctx == ctx &&
	       e->shift == shift;
}

static inline const struct xl_entry *lookup(struct xenpt_xlate_cache *c, unsigned cls,
					    unsigned shift, uint64_t va, uint64_t root,
					    uint32_t ctx, uint64_t mix)
{
	const struct xl_class *k = &c->cls[cls];
	uint64_t vpn = va >> shift;
	struct xl_entry *set = set_of(k, vpn, mix);

	if (entry_match(&set[0], c->gen, vpn, root, ctx, shift)) {
		set[0].victim = 1;
		return &set[0];
	}
	if (entry_match(&set[1], c->gen, vpn, root, ctx, shift)) {
		set[0].victim = 0;
		return &set[1];
	}
	return NULL;
}

/*
 * Four times the sets, the entries of this generation moved over (a set
 * that overflows drops the extra: it is a cache).  Allocation failure keeps
 * the class as it is.
 */
static void class_grow(struct xl_class *k, uint32_t gen)
{
	size_t sets = (k->set_mask + 1) * 4, i;
	struct xl_entry *e;

	if (sets > k->max_sets)
		sets = k->max_sets;
	e = calloc(sets * 2, sizeof(*e));
	if (!e)
		return;
	k->used = 0;
	for (i = 0; i < (k->set_mask + 1) * 2; i++) {
		const struct xl_entry *o = &k->e[i];
		struct xl_entry *set;

		if (o->gen != gen)
			continue;
		set = &e[set_index(o->vpn, ctx_mix(o->root, o->ctx), sets - 1,
				   (unsigned)__builtin_ctzll(sets)) * 2];
		if (set[0].gen != gen) {
			set[0] = *o;
			set[0].victim = 1;
		} else if (set[1].gen != gen) {
			set[1] = *o;
			set[0].victim = 0;
		} else {
			continue;
		}
		k->used++;
	}
	free(k->e);
	k->e = e;
	k->set_mask = sets - 1;
	k->set_bits = (unsigned)__builtin_ctzll(sets);
}

static void insert(struct xenpt_xlate_cache *c, const struct xenpt_aspace *as, uint32_t ctx,
		   uint64_t mix, const struct xenpt_xlate *x)
{
	unsigned shift = (unsigned)__builtin_ctzll(x->page_size);
	unsigned cls = shift == 12 ? CLASS_4K : shift == 30 ? CLASS_1G : CLASS_LARGE;
	struct xl_class *k = &c->cls[cls];
	uint64_t vpn = x->va >> shift;
	struct xl_entry *set = set_of(k, vpn, mix);
	unsigned way;
	struct xl_entry *e;

	/* A quarter full and room to grow: grow first (a fuller 2-way table
	 * loses too many entries to conflicts, and a lost entry costs a walk). */
	if (k->used >= (k->set_mask + 1) / 2 && k->set_mask + 1 < k->max_sets) {
		class_grow(k, c->gen);
		set = set_of(k, vpn, mix);
	}
	/* The same page again (a batch with duplicates): the way it is in;
	 * else a free (stale) way, else the victim; the other way becomes it. */
	if (entry_match(&set[0], c->gen, vpn, as->root, ctx, shift)) {
		way = 0;
	} else if (entry_match(&set[1], c->gen, vpn, as->root, ctx, shift)) {
		way = 1;
	} else if (set[0].gen != c->gen) {
		way = 0;
		k->used++;
	} else if (set[1].gen != c->gen) {
		way = 1;
		k->used++;
	} else {
		way = set[0].victim;
	}
	set[0].victim = (uint8_t)!way;
	e = &set[way];
	e->vpn = vpn;
	e->root = as->root;
	e->ctx = ctx;
	e->gen = c->gen;
	e->shift = (uint8_t)shift;
	e->base = x->frame - ((x->va & (x->page_size - 1)) >> 12);
	e->rights = (uint8_t)((x->writable ? R_WRITABLE : 0) | (x->user ? R_USER : 0) |
			      (x->nx ? R_NX : 0) | (x->hw_user ? R_HW_USER : 0));
	if (cls != CLASS_4K)
		c->nlarge++;
	c->st.inserts++;
}

/* A full walk (no labels) into @ret. */
static inline struct xenpt_error *walk_into(struct xenpt_source *src,
					    const struct xenpt_aspace *as, uint64_t va,
					    struct xenpt_xlate *ret)
{
	const struct pt_geom *g = pt_geom_get(as);

	if (!g)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: unknown paging mode %u",
					  xenpt_source_describe(src), (unsigned)as->mode);
	return pt_translate(src, as, g, va, ret);
}

/*
 * Where the cache wins: a copying (live) source, where a walk costs a
 * frame-cache lookup per level and a miss a foreign map.  A stable source's
 * walk is a few compares and loads, no slower than a lookup here, so the
 * cache is not consulted or filled for it (nor for paging off).
 */
static inline bool cache_wins(const struct xenpt_source *src,
			      const struct xenpt_xlate_cache *cache,
			      const struct xenpt_aspace *as)
{
	return cache && as->mode != XENPT_PM_NONE && !(xenpt_source_caps(src) & XENPT_CAP_STABLE);
}

/* A cache used with another source than the last time flushes itself. */
static inline void cache_bind(struct xenpt_xlate_cache *cache, const struct xenpt_source *src)
{
	if (cache->src != src) {
		if (cache->src)
			xenpt_xlate_cache_flush(cache);
		cache->src = src;
	}
}

static inline bool cache_lookup(struct xenpt_xlate_cache *cache, const struct xenpt_aspace *as,
				uint32_t ctx, uint64_t mix, uint64_t v, struct xenpt_xlate *ret)
{
	const struct xl_entry *e;

	cache->st.lookups++;
	e = lookup(cache, CLASS_4K, 12, v, as->root, ctx, mix);
	if (!e && cache->nlarge) {
		e = lookup(cache, CLASS_LARGE, as->mode == XENPT_PM_2LEVEL ? 22 : 21, v, as->root,
			   ctx, mix);
		if (!e)
			e = lookup(cache, CLASS_1G, 30, v, as->root, ctx, mix);
	}
	if (!e) {
		cache->st.misses++;
		return false;
	}
	cache->st.hits++;
	fill_hit(e, v, ret);
	return true;
}

XENPT_PUBLIC struct xenpt_error *xenpt_translate(struct xenpt_source *src,
						 struct xenpt_xlate_cache *cache,
						 const struct xenpt_aspace *as, xenpt_va_t va,
						 struct xenpt_xlate *ret)
{
	uint64_t v = xenpt_va_x(va), mix;
	struct xenpt_error *err;
	uint32_t ctx;

	if (!src || !as || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_translate: NULL argument");
	if (!cache_wins(src, cache, as))
		return walk_into(src, as, v, ret);
	ctx = ctx_of(as);
	mix = ctx_mix(as->root, ctx);
	cache_bind(cache, src);
	if (cache_lookup(cache, as, ctx, mix, v, ret))
		return NULL;
	err = walk_into(src, as, v, ret);
	if (err)
		return err;
	if (ret->end == XENPT_WALK_MAPPED)
		insert(cache, as, ctx, mix, ret);
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_translate_batch(struct xenpt_source *src,
						       struct xenpt_xlate_cache *cache,
						       const struct xenpt_aspace *as,
						       const xenpt_va_t *vas, size_t n,
						       struct xenpt_xlate *ret)
{
	const struct pt_geom *g;
	xenpt_va_t *miss = NULL;
	struct xenpt_xlate *mret = NULL;
	size_t *where = NULL, nmiss = 0, i;
	struct xenpt_error *err = NULL;
	uint32_t ctx;
	uint64_t mix;

	if (!src || !as || (n && (!vas || !ret)))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_translate_batch: NULL argument");
	g = pt_geom_get(as);
	if (!g)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: unknown paging mode %u",
					  xenpt_source_describe(src), (unsigned)as->mode);
	if (!cache_wins(src, cache, as))
		return pt_translate_batch(src, as, g, vas, n, ret);
	/* Hits from the cache; the misses walked as one batch, then cached. */
	ctx = ctx_of(as);
	mix = ctx_mix(as->root, ctx);
	cache_bind(cache, src);
	for (i = 0; i < n; i++) {
		uint64_t v = xenpt_va_x(vas[i]);

		if (cache_lookup(cache, as, ctx, mix, v, &ret[i]))
			continue;
		if (!miss) {
			miss = malloc((n - i) * sizeof(*miss));
			mret = malloc((n - i) * sizeof(*mret));
			where = malloc((n - i) * sizeof(*where));
			if (!miss || !mret || !where) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		miss[nmiss] = vas[i];
		where[nmiss++] = i;
	}
	if (nmiss) {
		err = pt_translate_batch(src, as, g, miss, nmiss, mret);
		if (err)
			goto out;
		for (i = 0; i < nmiss; i++) {
			ret[where[i]] = mret[i];
			if (mret[i].end == XENPT_WALK_MAPPED)
				insert(cache, as, ctx, mix, &mret[i]);
		}
	}
out:
	free(miss);
	free(mret);
	free(where);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_read_va(struct xenpt_source *src,
					       struct xenpt_xlate_cache *cache,
					       const struct xenpt_aspace *as, xenpt_va_t va,
					       void *buf, size_t len)
{
	uint64_t start = xenpt_va_x(va), last, first_page, i, n;
	uint64_t frames_small[16] = { 0 };
	const uint8_t *pages_small[16];
	int errs_small[16];
	uint64_t *frames = frames_small;
	const uint8_t **pages = pages_small;
	int *errs = errs_small;
	struct xenpt_xlate xs_small[16], *xs = xs_small;
	xenpt_va_t vas_small[16] = { { 0 } }, *vas = vas_small;
	struct xenpt_error *err = NULL;
	size_t done = 0;

	if (!src || !as)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_read_va: NULL argument");
	if (!len)
		return NULL;
	if (!buf)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_read_va: NULL buffer");
	last = start + (len - 1);
	if (last < start)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: read of %zu bytes at va 0x%016" PRIx64 " wraps around",
					  xenpt_source_describe(src), len, start);
	first_page = start >> 12;
	n = (last >> 12) - first_page + 1;
	if (n > XENPT_ARRAY_SIZE(frames_small)) {
		frames = malloc(n * sizeof(*frames));
		pages = malloc(n * sizeof(*pages));
		errs = malloc(n * sizeof(*errs));
		if (!frames || !pages || !errs) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	/* Translate every page first, as one batch (one table read per level
	 * on a copying source): walks read tables, which would invalidate
	 * data pointers obtained earlier. */
	if (n == 1) {
		err = xenpt_translate(src, cache, as, xenpt_va(start), xs);
	} else {
		if (n > XENPT_ARRAY_SIZE(xs_small)) {
			xs = malloc(n * sizeof(*xs));
			vas = malloc(n * sizeof(*vas));
			if (!xs || !vas) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		for (i = 0; i < n; i++)
			vas[i] = xenpt_va(i == 0 ? start : (first_page + i) << 12);
		err = xenpt_translate_batch(src, cache, as, vas, n, xs);
	}
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		if (xs[i].end != XENPT_WALK_MAPPED) {
			err = xenpt_error_create(XENPT_ERR_FAULT,
						 "%s: va 0x%016" PRIx64 " is not mapped (%s at L%u)",
						 xenpt_source_describe(src), xs[i].va,
						 xenpt_walk_end_name(xs[i].end), xs[i].end_level);
			goto out;
		}
		frames[i] = xs[i].frame;
	}
	err = xenpt_source_get_frames(src, as->space, frames, n, pages, errs);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t pva = (first_page + i) << 12;

		if (!pages[i]) {
			err = xenpt_error_create(XENPT_ERR_FAULT,
						 "%s: va 0x%016" PRIx64 ": %s 0x%" PRIx64 ": %s",
						 xenpt_source_describe(src), i == 0 ? start : pva,
						 as->pv ? "mfn" : xenpt_space_name(as->space), frames[i],
						 xenpt_source_frame_strerror(src, errs[i]));
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		size_t off = i == 0 ? (size_t)(start & 0xfff) : 0;
		size_t chunk = XENPT_PAGE_SIZE - off;

		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)buf + done, pages[i] + off, chunk);
		done += chunk;
	}
out:
	if (frames != frames_small) {
		free(frames);
		free(pages);
		free(errs);
	}
	if (xs != xs_small) {
		free(xs);
		free(vas);
	}
	return err;
}
