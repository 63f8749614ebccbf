/* SPDX-License-Identifier: MIT */
/*
 * Translation throughput against its physical floor (`make bench`; figures
 * only, no thresholds).
 *
 * Two VA lists of NR_VAS random mapped addresses each:
 *  - the shipped Linux PV core ($XENPT_BUILD/fixtures/xenlab-domu.core),
 *    vCPU 0: 4K pages drawn from the direct map (0xffff888000000000..) and
 *    the kernel image (0xffffffff80000000..);
 *  - the 64 GiB synthetic PV guest of bench_64g.h (16.7M 4K PTEs in 32768
 *    L1 tables), random addresses of its direct map.
 *
 * The floor: the table frames the list's walks touch are copied into one
 * array and their entries relinked to array indices; a minimal 4-level walk
 * (P and PS only) runs over that copy, once with every VA's walk independent
 * of the others (the CPU may overlap them) and once chained (each VA depends
 * on the previous result).  Its answers are checked against xenpt's.
 *
 * xenpt's figures, each in ns per translation and as a ratio to the
 * independent floor (and the chained one):
 *   walk_va       xenpt_walk_va(): every step, labels (M2P) on every level
 *   translate     xenpt_translate() without a cache (no labels)
 *   translate ch  the same, chained like the chained floor
 *   batch         xenpt_translate_batch() over the whole list, per VA
 *   cache hit     xenpt_translate() through a warm translation cache
 *   cache miss    the same after a flush before every call (walk + insert)
 * first on the stable source itself, then on a copying source over the
 * same frames (what a live domain is: pointers valid for one call only).
 * Each figure is the median (and best) of ROUNDS runs over the whole list.
 *
 * Then the whole-space iterator on the core and on a 64 GiB guest built as
 * raw tables (stable and copying backends).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define BENCH_NAME "bench_walk"
#include "bench_64g.h"

#include <xenpt/source.h>
#include <xenpt/walk.h>

#include "source/source_int.h"

#define NR_VAS 100000u
#define ROUNDS 7

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void print_cache_stats(const char *label, struct xenpt_source *src)
{
	struct xenpt_cache_stats st;

	xenpt_source_cache_stats(src, &st);
	printf("  %-30s lookups %" PRIu64 ", hits %" PRIu64 " (%.2f%%), misses %" PRIu64
	       ", backend calls %" PRIu64 ", frames delivered %" PRIu64 ", evictions %" PRIu64
	       ", resident %zu / capacity %zu\n",
	       label, st.lookups, st.hits, st.lookups ? 100.0 * (double)st.hits / (double)st.lookups : 0.0,
	       st.misses, st.map_calls, st.frames_mapped, st.evictions, st.resident, st.capacity);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- the floor --------------------------------------------------------------------------- */

/* Zero, read at run time: a dependency the compiler cannot see through. */
static volatile uint64_t dep_zero;

#define FL_P   1ull
#define FL_PS  (1ull << 7)
#define FL_ADDR 0x000ffffffffff000ull

struct floor {
	uint64_t *tabs;       /* ntabs * 512 entries, non-leaf entries relinked to indices */
	size_t ntabs;
	uint64_t root;        /* index of the root table */
};

/* Frame -> index, open addressing (setup only). */
struct fmap {
	uint64_t *key;        /* frame + 1, 0 = empty */
	uint32_t *idx;
	uint8_t *level;
	size_t mask, n;
};

static bool fmap_init(struct fmap *m, size_t cap)
{
	size_t sz = 1;

	while (sz < cap * 2)
		sz <<= 1;
	m->key = calloc(sz, sizeof(*m->key));
	m->idx = calloc(sz, sizeof(*m->idx));
	m->level = calloc(sz, 1);
	m->mask = sz - 1;
	m->n = 0;
	return m->key && m->idx && m->level;
}

static size_t fmap_slot(const struct fmap *m, uint64_t frame)
{
	size_t h = (size_t)((frame * 0x9e3779b97f4a7c15ull) >> 17) & m->mask;

	while (m->key[h] && m->key[h] != frame + 1)
		h = (h + 1) & m->mask;
	return h;
}

static void fmap_free(struct fmap *m)
{
	free(m->key);
	free(m->idx);
	free(m->level);
}

/*
 * Copy every table frame the walks of @vas touch (4-level only) and relink
 * each non-leaf entry that names a copied table to that table's index.
 */
static int floor_build(struct xenpt_source *src, const struct xenpt_aspace *as,
		       const uint64_t *vas, size_t n, struct floor *f)
{
	struct fmap m;
	struct xenpt_walk w;
	uint64_t *frames = NULL;
	size_t i, cap = 0;
	unsigned k;

	if (as->mode != XENPT_PM_4LEVEL || !fmap_init(&m, n * 4 + 16))
		return 1;
	for (i = 0; i < n; i++) {
		struct xenpt_error *err = xenpt_walk_va(src, as, xenpt_va(vas[i]), &w);

		if (err)
			return fail(err, "floor: walk");
		if (w.end != XENPT_WALK_MAPPED) {
			fprintf(stderr, "bench_walk: va 0x%" PRIx64 " not mapped\n", vas[i]);
			return 1;
		}
		for (k = 0; k < w.nsteps; k++) {
			size_t h = fmap_slot(&m, w.steps[k].table);

			if (m.key[h]) {
				if (m.level[h] != w.steps[k].level) {
					fprintf(stderr, "bench_walk: floor: frame 0x%" PRIx64 " is a table at two levels\n",
						w.steps[k].table);
					return 1;
				}
				continue;
			}
			if (m.n == cap) {
				uint64_t *p = realloc(frames, (cap ? cap * 2 : 256) * sizeof(*p));

				if (!p)
					return 1;
				frames = p;
				cap = cap ? cap * 2 : 256;
			}
			m.key[h] = w.steps[k].table + 1;
			m.idx[h] = (uint32_t)m.n;
			m.level[h] = (uint8_t)w.steps[k].level;
			frames[m.n++] = w.steps[k].table;
		}
	}
	f->ntabs = m.n;
	f->tabs = malloc(m.n * 4096);
	if (!f->tabs)
		return 1;
	for (i = 0; i < m.n; i++) {
		const uint8_t *p;
		struct xenpt_error *err = xenpt_source_get_frame(src, as->space, frames[i], &p);
		unsigned level = m.level[fmap_slot(&m, frames[i])], e;

		if (err)
			return fail(err, "floor: table copy");
		memcpy(f->tabs + i * 512, p, 4096);
		if (level == 1)
			continue;
		for (e = 0; e < 512; e++) {
			uint64_t *ent = &f->tabs[i * 512 + e], next = (*ent & FL_ADDR) >> 12;
			size_t h;

			if (!(*ent & FL_P) || (level < 4 && (*ent & FL_PS)))
				continue;
			h = fmap_slot(&m, next);
			if (m.key[h] && m.level[h] == level - 1)
				*ent = (*ent & ~FL_ADDR) | ((uint64_t)m.idx[h] << 12);
		}
	}
	f->root = m.idx[fmap_slot(&m, as->root)];
	free(frames);
	fmap_free(&m);
	return 0;
}

/* The minimal walk: P at every level, PS at L3 and L2; the machine address of @va. */
static inline uint64_t floor_walk(const uint64_t *tabs, uint64_t root, uint64_t va)
{
	uint64_t e;

	e = tabs[root * 512 + ((va >> 39) & 511)];
	if (!(e & FL_P))
		return 0;
	e = tabs[((e & FL_ADDR) >> 12) * 512 + ((va >> 30) & 511)];
	if (!(e & FL_P))
		return 0;
	if (e & FL_PS)
		return (e & FL_ADDR & ~((1ull << 30) - 1)) | (va & ((1ull << 30) - 1));
	e = tabs[((e & FL_ADDR) >> 12) * 512 + ((va >> 21) & 511)];
	if (!(e & FL_P))
		return 0;
	if (e & FL_PS)
		return (e & FL_ADDR & ~((1ull << 21) - 1)) | (va & ((1ull << 21) - 1));
	e = tabs[((e & FL_ADDR) >> 12) * 512 + ((va >> 12) & 511)];
	if (!(e & FL_P))
		return 0;
	return (e & FL_ADDR) | (va & 0xfff);
}

/* ---- the figures ------------------------------------------------------------------------- */

enum mode {
	M_FLOOR, M_FLOOR_CHAIN, M_WALK, M_XLATE, M_XLATE_CHAIN, M_BATCH, M_HIT, M_MISS, NR_MODES
};

static const char *const mode_label[NR_MODES] = {
	[M_FLOOR] = "floor, independent",
	[M_FLOOR_CHAIN] = "floor, chained",
	[M_WALK] = "walk_va (labels)",
	[M_XLATE] = "translate, no cache",
	[M_XLATE_CHAIN] = "translate, chained",
	[M_BATCH] = "translate_batch",
	[M_HIT] = "cache hit",
	[M_MISS] = "cache miss",
};

struct ctx {
	struct xenpt_source *src;
	struct xenpt_aspace as;
	const uint64_t *vas;
	size_t n;
	struct floor fl;
	struct xenpt_xlate *res;      /* n results (batch) */
	xenpt_va_t *tvas;             /* the VAs, typed (batch) */
	struct xenpt_xlate_cache *cache;
};

/* One run over the whole list: ns per VA; *sum gets the machine addresses' sum. */
static double run(struct ctx *c, enum mode m, uint64_t *sum)
{
	const uint64_t *vas = c->vas;
	uint64_t s = 0, z = dep_zero, prev = 0;
	struct xenpt_walk w;
	struct xenpt_xlate x;
	size_t i, n = c->n;
	double t0 = now_ns();

	switch (m) {
	case M_FLOOR:
		for (i = 0; i < n; i++)
			s += floor_walk(c->fl.tabs, c->fl.root, vas[i]);
		break;
	case M_FLOOR_CHAIN:
		for (i = 0; i < n; i++) {
			prev = floor_walk(c->fl.tabs, c->fl.root, vas[i] | (prev & z));
			s += prev;
		}
		break;
	case M_WALK:
		for (i = 0; i < n; i++) {
			xenpt_walk_va(c->src, &c->as, xenpt_va(vas[i]), &w);
			s += w.addr;
		}
		break;
	case M_XLATE:
		for (i = 0; i < n; i++) {
			xenpt_translate(c->src, NULL, &c->as, xenpt_va(vas[i]), &x);
			s += x.addr;
		}
		break;
	case M_XLATE_CHAIN:
		for (i = 0; i < n; i++) {
			xenpt_translate(c->src, NULL, &c->as, xenpt_va(vas[i] | (prev & z)), &x);
			prev = x.addr;
			s += prev;
		}
		break;
	case M_BATCH:
#ifdef XENPT_HAVE_TRANSLATE_BATCH
		xenpt_translate_batch(c->src, NULL, &c->as, c->tvas, n, c->res);
		for (i = 0; i < n; i++)
			s += c->res[i].addr;
#else
		return -1;
#endif
		break;
	case M_HIT:
		for (i = 0; i < n; i++) {
			xenpt_translate(c->src, c->cache, &c->as, xenpt_va(vas[i]), &x);
			s += x.addr;
		}
		break;
	case M_MISS:
		for (i = 0; i < n; i++) {
			xenpt_xlate_cache_flush(c->cache);
			xenpt_translate(c->src, c->cache, &c->as, xenpt_va(vas[i]), &x);
			s += x.addr;
		}
		break;
	default:
		return -1;
	}
	*sum = s;
	return (now_ns() - t0) / (double)n;
}

/*
 * Median and best of ROUNDS runs of every mode, the modes interleaved in
 * each round so that load on the machine affects them alike.
 */
static int figures(struct ctx *c, const char *title)
{
	double ns[NR_MODES][ROUNDS], med[NR_MODES], best[NR_MODES];
	uint64_t want = 0, sum;
	unsigned r, m;
	size_t i;
	struct xenpt_xlate x;
	struct xenpt_error *err;

	for (i = 0; i < c->n; i++)
		want += floor_walk(c->fl.tabs, c->fl.root, c->vas[i]);
	err = xenpt_xlate_cache_create(1u << 20, &c->cache);
	if (err)
		return fail(err, "translation cache");
	for (i = 0; i < c->n; i++)
		xenpt_translate(c->src, c->cache, &c->as, xenpt_va(c->vas[i]), &x);
	for (r = 0; r < ROUNDS; r++)
		for (m = 0; m < NR_MODES; m++) {
			ns[m][r] = run(c, (enum mode)m, &sum);
			if (ns[m][r] >= 0 && m != M_FLOOR_CHAIN && m != M_XLATE_CHAIN && sum != want) {
				fprintf(stderr, "bench_walk: %s: %s: checksum %" PRIx64 ", the floor's %" PRIx64 "\n",
					title, mode_label[m], sum, want);
				return 1;
			}
			/* the miss run flushed: warm the cache again for the next round */
			if (m == M_MISS)
				for (i = 0; i < c->n; i++)
					xenpt_translate(c->src, c->cache, &c->as, xenpt_va(c->vas[i]), &x);
		}
	xenpt_xlate_cache_destroy(c->cache);
	c->cache = NULL;
	for (m = 0; m < NR_MODES; m++) {
		qsort(ns[m], ROUNDS, sizeof(ns[m][0]), cmp_double);
		med[m] = ns[m][ROUNDS / 2];
		best[m] = ns[m][0];
	}
	printf("  %s: %zu VAs, %zu table frames; median (best) of %u runs; ratio to the floor independent / chained\n",
	       title, c->n, c->fl.ntabs, ROUNDS);
	for (m = 0; m < NR_MODES; m++) {
		if (med[m] < 0) {
			printf("    %-22s (not in this build)\n", mode_label[m]);
			continue;
		}
		printf("    %-22s %7.1f ns (%7.1f)  %5.2fx / %5.2fx\n", mode_label[m], med[m], best[m],
		       med[m] / med[M_FLOOR], med[m] / med[M_FLOOR_CHAIN]);
		/* one parseable line per figure, for before/after comparisons */
		printf("# figure %s|%s %.2f %.3f\n", title, mode_label[m], med[m], med[m] / med[M_FLOOR]);
	}
	printf("    (checksum %" PRIx64 ", equal for the floor and every xenpt figure)\n", want);
	return 0;
}

/* ---- a copying source over a stable one (what a live domain is) -------------------------- */

static struct xenpt_error *copy_get_frames(struct xenpt_source *src, enum xenpt_space space,
					   const uint64_t *frames, size_t n,
					   const uint8_t **pages, int *errs, uint8_t *scratch)
{
	struct xenpt_source *under = src->priv;
	size_t i;

	for (i = 0; i < n; i++) {
		const uint8_t *p = NULL;
		int e = 0;
		struct xenpt_error *err = xenpt_source_get_frames(under, space, &frames[i], 1, &p, &e);

		if (err)
			return err;
		errs[i] = e;
		pages[i] = NULL;
		if (p) {
			memcpy(scratch + i * 4096, p, 4096);
			pages[i] = scratch + i * 4096;
		}
	}
	return NULL;
}

static void copy_close(struct xenpt_source *src)
{
	(void)src;
}

static const struct xenpt_source_ops copy_ops = {
	.name = "copying",
	.get_frames = copy_get_frames,
	.close = copy_close,
};

static struct xenpt_source *copying_over(struct xenpt_source *under)
{
	struct xenpt_source *raw = xenpt_source_new(&copy_ops, under), *src = NULL;
	struct xenpt_error *err;

	if (!raw)
		return NULL;
	raw->caps = XENPT_CAP_MFN_FRAMES | XENPT_CAP_GFN_FRAMES;
	raw->info = *xenpt_source_domain(under);
	snprintf(raw->desc, sizeof(raw->desc), "copying source over %s", xenpt_source_describe(under));
	err = xenpt_source_finish(raw, &src);
	if (err) {
		fail(err, "copying source");
		return NULL;
	}
	return src;
}

/* Both sets of figures: the stable source, then a copying one over it. */
static int both(struct ctx *c, const char *name)
{
	struct xenpt_source *stable = c->src, *copy;
	char title[128];
	int rc;

	if (floor_build(c->src, &c->as, c->vas, c->n, &c->fl))
		return 1;
	c->res = malloc(c->n * sizeof(*c->res));
	c->tvas = malloc(c->n * sizeof(*c->tvas));
	if (!c->res || !c->tvas)
		return 1;
	for (size_t i = 0; i < c->n; i++)
		c->tvas[i] = xenpt_va(c->vas[i]);
	snprintf(title, sizeof(title), "%s, stable source", name);
	rc = figures(c, title);
	copy = copying_over(stable);
	if (!rc && copy) {
		c->src = copy;
		snprintf(title, sizeof(title), "%s, copying source", name);
		rc = figures(c, title);
		print_cache_stats("copying source's frame cache:", copy);
		xenpt_source_close(copy);
		c->src = stable;
	}
	free(c->res);
	free(c->tvas);
	free(c->fl.tabs);
	return rc || !copy;
}

/* Collect the 4K pages mapped in [lo, hi] of @as. */
static struct xenpt_error *collect_pages(struct xenpt_source *src, const struct xenpt_aspace *as,
					 uint64_t lo, uint64_t hi, uint64_t **pages,
					 size_t *n, size_t *cap)
{
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	struct xenpt_error *err;
	bool done = false;

	err = xenpt_pt_iter_create(src, as, lo, hi, &it);
	if (err)
		return err;
	for (;;) {
		uint64_t va;

		err = xenpt_pt_iter_next(it, &r, &done);
		if (err || done)
			break;
		if (r.kind != XENPT_RANGE_MAPPED)
			continue;
		for (va = r.start & ~0xfffull; va <= r.end && va >= (r.start & ~0xfffull);
		     va += 4096) {
			if (*n == *cap) {
				uint64_t *p = realloc(*pages, (*cap ? *cap * 2 : 4096) * sizeof(*p));
				if (!p) {
					xenpt_pt_iter_destroy(it);
					return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				}
				*pages = p;
				*cap = *cap ? *cap * 2 : 4096;
			}
			(*pages)[(*n)++] = va;
			if (va + 4096 < va)
				break;
		}
	}
	xenpt_pt_iter_destroy(it);
	return err;
}

static int bench_core(const char *path)
{
	struct xenpt_source *src;
	struct ctx c;
	struct xenpt_error *err;
	uint64_t *pages = NULL, *vas, sum = 0, nranges = 0;
	size_t npages = 0, cap = 0, i, ndirect;
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	bool done = false;
	double t0, t1;
	int rc;

	memset(&c, 0, sizeof(c));
	err = xenpt_source_open_core(path, &src);
	if (err)
		return fail(err, path);
	err = xenpt_aspace_from_vcpu(src, 0, false, &c.as);
	if (err)
		return fail(err, "vCPU 0 address space");
	err = collect_pages(src, &c.as, 0xffff888000000000ull, 0xffffc87fffffffffull, &pages,
			    &npages, &cap);
	ndirect = npages;
	if (!err)
		err = collect_pages(src, &c.as, 0xffffffff80000000ull, 0xffffffffbfffffffull, &pages,
				    &npages, &cap);
	if (err)
		return fail(err, "collecting mapped pages");
	printf("core %s: vCPU 0 L4 mfn 0x%" PRIx64 "; %zu mapped 4K pages to draw from (%zu direct map, %zu kernel image)\n",
	       path, c.as.root, npages, ndirect, npages - ndirect);
	vas = malloc(NR_VAS * sizeof(*vas));
	if (!vas || !npages) {
		fprintf(stderr, "bench_walk: no pages to sample\n");
		return 1;
	}
	for (i = 0; i < NR_VAS; i++)
		vas[i] = pages[rnd() % npages] + (rnd() & 0xff8);
	c.src = src;
	c.vas = vas;
	c.n = NR_VAS;
	rc = both(&c, "Linux PV core");
	print_cache_stats("core's frame cache at the end:", src);

	/* Whole-space iteration (frame cache warm). */
	t0 = now_ns();
	err = xenpt_pt_iter_create(src, &c.as, 0, UINT64_MAX, &it);
	if (err)
		return fail(err, "iterator");
	for (;;) {
		err = xenpt_pt_iter_next(it, &r, &done);
		if (err)
			return fail(err, "iterator");
		if (done)
			break;
		nranges++;
		sum += r.frame;
	}
	t1 = now_ns();
	xenpt_pt_iter_destroy(it);
	printf("  iterator, whole 64-bit space of vCPU 0: %" PRIu64 " ranges in %.1f ms (%.1f ns/range)\n",
	       nranges, (t1 - t0) / 1e6, (t1 - t0) / (double)nranges);
	printf("  (checksum %" PRIx64 ")\n", sum);
	free(vas);
	free(pages);
	xenpt_source_close(src);
	return rc;
}

/* The 64 GiB synthetic guest of bench_64g.h: random VAs of its direct map. */
static int bench_synth64(void)
{
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src = NULL;
	struct ctx c;
	struct xenpt_error *err;
	uint64_t *vas;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	err = build_guest(&s);
	if (!err)
		err = xenpt_synth_source(s, &src);
	xenpt_synth_destroy(s);
	if (!err)
		err = xenpt_aspace_from_vcpu(src, 0, false, &c.as);
	if (err)
		return fail(err, "64 GiB synthetic guest");
	vas = malloc(NR_VAS * sizeof(*vas));
	if (!vas)
		return 1;
	for (i = 0; i < NR_VAS; i++)
		vas[i] = DIRECT_MAP + (rnd() % GUEST_BYTES & ~7ull);
	c.src = src;
	c.vas = vas;
	c.n = NR_VAS;
	printf("64 GiB synthetic PV guest (bench_64g.h), random VAs of its direct map:\n");
	rc = both(&c, "64 GiB synth");
	free(vas);
	xenpt_source_close(src);
	return rc;
}

/* ---- a 64 GiB guest in memory ---------------------------------------------- */

/*
 * L4 mfn 0x100 [273] -> L3 mfn 0x101 [0..63] -> L2 mfns 0x200.. -> L1 mfns
 * 0x10000.. (32768 distinct tables) -> data mfns 0x1000000.. : the direct
 * map of a 64 GiB PV guest.  Frames are one flat array indexed by a small
 * table.
 */
#define BIG_L2S  64u
#define BIG_L1S  (BIG_L2S * 512u)

struct big {
	uint8_t *l4, *l3, *l2, *l1;
	bool copy;
};

static const uint8_t *big_frame(const struct big *b, uint64_t mfn)
{
	if (mfn == 0x100)
		return b->l4;
	if (mfn == 0x101)
		return b->l3;
	if (mfn >= 0x200 && mfn < 0x200 + BIG_L2S)
		return b->l2 + (mfn - 0x200) * 4096;
	if (mfn >= 0x10000 && mfn < 0x10000 + BIG_L1S)
		return b->l1 + (mfn - 0x10000) * 4096;
	return NULL;
}

static struct xenpt_error *big_get_frames(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n,
					  const uint8_t **pages, int *errs, uint8_t *scratch)
{
	const struct big *b = src->priv;
	size_t i;

	(void)space;
	for (i = 0; i < n; i++) {
		const uint8_t *p = big_frame(b, frames[i]);

		errs[i] = p ? 0 : 2;
		if (p && scratch) {
			memcpy(scratch + i * 4096, p, 4096);
			p = scratch + i * 4096;
		}
		pages[i] = p;
	}
	return NULL;
}

static void big_close(struct xenpt_source *src)
{
	(void)src;
}

static const struct xenpt_source_ops big_ops = {
	.name = "bench",
	.get_frames = big_get_frames,
	.close = big_close,
};

static int bench_big(bool copy)
{
	static struct big b;
	struct xenpt_source *raw, *src;
	struct xenpt_aspace as = {
		.space = XENPT_SPACE_MFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x100000, .root = 0x100,
		.pv = true, .nxe = true, .pse = true, .wp = true, .maxphyaddr = 52,
	};
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	struct xenpt_error *err;
	uint64_t n = 0, mapped = 0, sum = 0, i;
	bool done = false;
	double t0, t1;

	if (!b.l4) {
		b.l4 = calloc(1, 4096);
		b.l3 = calloc(1, 4096);
		b.l2 = calloc(BIG_L2S, 4096);
		b.l1 = mmap(NULL, (size_t)BIG_L1S * 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!b.l4 || !b.l3 || !b.l2 || b.l1 == MAP_FAILED) {
			fprintf(stderr, "bench_walk: out of memory for the 64 GiB guest\n");
			return 1;
		}
		((uint64_t *)b.l4)[273] = (0x101ull << 12) | 0x67;
		for (i = 0; i < BIG_L2S; i++)
			((uint64_t *)b.l3)[i] = ((0x200 + i) << 12) | 0x67;
		for (i = 0; i < BIG_L1S; i++)
			((uint64_t *)b.l2)[i] = ((0x10000 + i) << 12) | 0x67;
		for (i = 0; i < (uint64_t)BIG_L1S * 512; i++)
			((uint64_t *)b.l1)[i] = (1ull << 63) | ((0x1000000 + i) << 12) | 0x63;
	}
	b.copy = copy;
	raw = xenpt_source_new(&big_ops, &b);
	if (!raw)
		return 1;
	raw->caps = XENPT_CAP_MFN_FRAMES | (copy ? 0 : XENPT_CAP_STABLE);
	raw->info.guest_width = 8;
	snprintf(raw->desc, sizeof(raw->desc), "in-memory 64 GiB guest");
	err = xenpt_source_finish(raw, &src);
	if (err)
		return fail(err, "in-memory source");
	t0 = now_ns();
	err = xenpt_pt_iter_create(src, &as, 0xffff888000000000ull, 0xffff888fffffffffull, &it);
	if (err)
		return fail(err, "iterator");
	for (;;) {
		err = xenpt_pt_iter_next(it, &r, &done);
		if (err)
			return fail(err, "iterator");
		if (done)
			break;
		n++;
		mapped += r.kind == XENPT_RANGE_MAPPED;
		sum += r.frame;
	}
	t1 = now_ns();
	xenpt_pt_iter_destroy(it);
	printf("  %-8s backend: %" PRIu64 " ranges (%" PRIu64 " mapped 4K pages) in %.1f ms = %.1f ns/range (checksum %" PRIx64 ")\n",
	       copy ? "copying" : "stable", n, mapped, (t1 - t0) / 1e6, (t1 - t0) / (double)n, sum);
	print_cache_stats("frame cache:", src);
	xenpt_source_close(src);
	return mapped == (uint64_t)BIG_L1S * 512 ? 0 : 1;
}

int main(void)
{
	const char *build = getenv("XENPT_BUILD");
	char path[1024];
	FILE *fp;
	int rc = 0;

	printf("bench_walk: translation against its floor, translation cache and iterator\n");
	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.core", build && *build ? build : "build");
	fp = fopen(path, "rb");
	if (fp) {
		fclose(fp);
		rc |= bench_core(path);
	} else {
		printf("  skipped the core-file figures: %s missing (make fixtures)\n", path);
	}
	if (getenv("BENCH_WALK_CORE_ONLY"))   /* quick look while working on the walker */
		return rc;
	rc |= bench_synth64();
	printf("64 GiB PV guest in memory (16,777,216 4K PTEs in 32768 L1 tables), one full iteration:\n");
	rc |= bench_big(false);
	rc |= bench_big(true);
	return rc;
}
