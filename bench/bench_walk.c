/* SPDX-License-Identifier: MIT */
/*
 * Walk, translation-cache and iterator throughput (`make bench`; figures
 * only, no thresholds).
 *
 * 1. On the real xenlab core ($XENPT_BUILD/fixtures/xenlab-domu.core): random
 *    VAs drawn from the mapped pages of the direct map
 *    (0xffff888000000000..) and the kernel image (0xffffffff80000000..) of
 *    vCPU 0's address space, translated
 *    (a) uncached: xenpt_walk_va() (full walk with M2P labels) and
 *        xenpt_translate() without a cache (full walk, no labels), frame
 *        cache warm;
 *    (b) through a translation cache (xenpt_translate() with a cache).
 *    Then the frame cache's statistics, and a whole-space iteration.
 * 2. A 64 GiB guest built in memory here (16.7M 4K PTEs in 32768 distinct
 *    L1 tables): one full iteration, on a stable (core-like) and on a
 *    copying (live-like) backend.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xenpt/source.h>
#include <xenpt/walk.h>

#include "source/source_int.h"

#define NR_VAS (1u << 20)
#define ROUNDS 9          /* timed rounds per figure: best and median reported */
#define ROUND_VAS (1u << 17)

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

static int fail(struct xenpt_error *err, const char *what)
{
	fprintf(stderr, "bench_walk: %s: %s\n", what, xenpt_error_message(err));
	xenpt_error_destroy(err);
	return 1;
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

enum { MODE_WALK, MODE_XLATE };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Time ROUNDS rounds of ROUND_VAS translations (rotating through @vas). */
static void t_walk(struct xenpt_source *src, const struct xenpt_aspace *as, const uint64_t *vas,
		   struct xenpt_xlate_cache *cache, int mode, uint64_t *sum, const char *label)
{
	double ns[ROUNDS];
	struct xenpt_walk w;
	struct xenpt_xlate x;
	unsigned round, i, base = 0;

	for (round = 0; round < ROUNDS; round++) {
		double t0 = now_ns();

		for (i = 0; i < ROUND_VAS; i++) {
			uint64_t va = vas[(base + i) & (NR_VAS - 1)];

			if (mode == MODE_WALK) {
				xenpt_walk_va(src, as, xenpt_va(va), &w);
				*sum += w.frame + w.frame_other;
			} else {
				xenpt_translate(src, cache, as, xenpt_va(va), &x);
				*sum += x.frame;
			}
		}
		ns[round] = (now_ns() - t0) / ROUND_VAS;
		base += ROUND_VAS;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	printf("  %s %6.1f ns (%6.1f ns) per translation\n", label, ns[0], ns[ROUNDS / 2]);
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
	struct xenpt_aspace as;
	struct xenpt_xlate_cache *cache;
	struct xenpt_xlate_stats xs;
	struct xenpt_error *err;
	uint64_t *pages = NULL, *vas, sum = 0, nranges = 0;
	size_t npages = 0, cap = 0, i, ndirect;
	struct xenpt_walk w;
	struct xenpt_xlate x;
	struct xenpt_pt_iter *it;
	struct xenpt_pt_range r;
	bool done = false;
	double t0, t1;

	err = xenpt_source_open_core(path, &src);
	if (err)
		return fail(err, path);
	err = xenpt_aspace_from_vcpu(src, 0, false, &as);
	if (err)
		return fail(err, "vCPU 0 address space");
	err = collect_pages(src, &as, 0xffff888000000000ull, 0xffffc87fffffffffull, &pages,
			    &npages, &cap);
	ndirect = npages;
	if (!err)
		err = collect_pages(src, &as, 0xffffffff80000000ull, 0xffffffffbfffffffull, &pages,
				    &npages, &cap);
	if (err)
		return fail(err, "collecting mapped pages");
	printf("core %s: vCPU 0 L4 mfn 0x%" PRIx64 "; %zu mapped 4K pages sampled (%zu direct map, %zu kernel image)\n",
	       path, as.root, npages, ndirect, npages - ndirect);
	vas = malloc(NR_VAS * sizeof(*vas));
	if (!vas || !npages) {
		fprintf(stderr, "bench_walk: no pages to sample\n");
		return 1;
	}
	for (i = 0; i < NR_VAS; i++)
		vas[i] = pages[rnd() % npages] + (rnd() & 0xff8);

	/* Warm the frame cache. */
	for (i = 0; i < NR_VAS; i++) {
		err = xenpt_walk_va(src, &as, xenpt_va(vas[i]), &w);
		if (err)
			return fail(err, "walk");
		if (w.end != XENPT_WALK_MAPPED) {
			fprintf(stderr, "bench_walk: va 0x%" PRIx64 " not mapped\n", vas[i]);
			return 1;
		}
	}
	print_cache_stats("frame cache after warm-up:", src);

	printf("  %u random VAs; each figure: %u rounds of %u translations, best (median)\n",
	       NR_VAS, ROUNDS, ROUND_VAS);
	t_walk(src, &as, vas, NULL, MODE_WALK, &sum,
	       "(a)  uncached: xenpt_walk_va (4 levels + one M2P batch for labels)");
	t_walk(src, &as, vas, NULL, MODE_XLATE, &sum,
	       "(a') uncached: xenpt_translate, no cache (4 levels, no labels)   ");
	err = xenpt_xlate_cache_create(1u << 16, &cache);
	if (err)
		return fail(err, "translation cache");
	for (i = 0; i < NR_VAS; i++)
		xenpt_translate(src, cache, &as, xenpt_va(vas[i]), &x);
	{
		struct xenpt_xlate_stats before;

		xenpt_xlate_cache_stats(cache, &before);
		t_walk(src, &as, vas, cache, MODE_XLATE, &sum,
		       "(b)  cached: xenpt_translate, translation cache warm            ");
		xenpt_xlate_cache_stats(cache, &xs);
		printf("       translation cache: %zu entries, hit rate %.2f%% in the timed rounds\n",
		       xs.capacity,
		       100.0 * (double)(xs.hits - before.hits) / (double)(xs.lookups - before.lookups));
	}
	xenpt_xlate_cache_destroy(cache);
	print_cache_stats("frame cache at the end:", src);

	/* Whole-space iteration (frame cache warm). */
	t0 = now_ns();
	err = xenpt_pt_iter_create(src, &as, 0, UINT64_MAX, &it);
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
	return 0;
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

	printf("bench_walk: walker, translation cache and iterator\n");
	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.core", build && *build ? build : "build");
	fp = fopen(path, "rb");
	if (fp) {
		fclose(fp);
		rc |= bench_core(path);
	} else {
		printf("  skipped the core-file figures: %s missing (make fixtures)\n", path);
	}
	printf("64 GiB PV guest in memory (16,777,216 4K PTEs in 32768 L1 tables), one full iteration:\n");
	rc |= bench_big(false);
	rc |= bench_big(true);
	return rc;
}
