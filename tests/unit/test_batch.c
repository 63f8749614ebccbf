/* SPDX-License-Identifier: MIT */
/*
 * xenpt_translate_batch(): the answers against independent truths (tables
 * written here entry by entry, the shipped core's P2M, a synthetic domain's
 * spec) and against single translations, and the cost on a copying source:
 * at most one backend frame read per paging level for the whole batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <xenpt/synth.h>
#include <xenpt/walk.h>

#include "fake_source.h"
#include "harness.h"

#define MFN XENPT_SPACE_MFN
#define E(frame, flags) (((uint64_t)(frame) << 12) | (uint64_t)(flags))
#define F_USR  0x067ull   /* P RW US A D */
#define F_RO   0x065ull   /* P US A D, read-only */
#define NX     (1ull << 63)

/*
 * A PV guest written by hand: L4 0x1000; slot 273 -> L3 0x1001, slot 300
 * -> L3 0x1002; each L3 entry 0 and 1 -> an L2 (0x1010 + 2 * l3 + i); each
 * L2 entry 0..3 -> an L1 (0x2000 + 4 * l2 + j); each L1 entry k (k < 256)
 * maps data frame 0x100000 + 512 * l1 + k, read-only and NX when k is odd.
 * Entries 256..511 of the L1s are not present.  So VA (slot, l3i, l2i, k)
 * maps frame data(slot, l3i, l2i, k), derived here without the walker.
 */
static const unsigned slots[2] = { 273, 300 };

static uint64_t va_of(unsigned s, unsigned l3i, unsigned l2i, unsigned k, unsigned off)
{
	return 0xffff000000000000ull | ((uint64_t)slots[s] << 39) | ((uint64_t)l3i << 30) |
	       ((uint64_t)l2i << 21) | ((uint64_t)k << 12) | off;
}

static uint64_t l2_of(unsigned s, unsigned l3i)
{
	return 0x1010 + 2 * s + l3i;
}

static uint64_t l1_of(unsigned s, unsigned l3i, unsigned l2i)
{
	return 0x2000 + 4 * (l2_of(s, l3i) - 0x1010) + l2i;
}

static uint64_t data_of(unsigned s, unsigned l3i, unsigned l2i, unsigned k)
{
	return 0x100000 + 512 * (l1_of(s, l3i, l2i) - 0x2000) + k;
}

static void build(struct fake_source *f)
{
	unsigned s, a, b, k;

	for (s = 0; s < 2; s++) {
		fake_set64(f, MFN, 0x1000, slots[s], E(0x1001 + s, F_USR));
		for (a = 0; a < 2; a++) {
			fake_set64(f, MFN, 0x1001 + s, a, E(l2_of(s, a), F_USR));
			for (b = 0; b < 4; b++) {
				fake_set64(f, MFN, l2_of(s, a), b, E(l1_of(s, a, b), F_USR));
				for (k = 0; k < 256; k++)
					fake_set64(f, MFN, l1_of(s, a, b), k,
						   E(data_of(s, a, b, k), (k & 1) ? (F_RO | NX) : F_USR));
			}
		}
	}
}

static struct xenpt_aspace as_of(struct fake_source *f)
{
	struct xenpt_aspace as;
	struct xenpt_error *err = xenpt_aspace_from_cr3(fake_src(f), 0x1000000, XENPT_PM_NONE, &as);

	if (err) {
		test_fail(__FILE__, __LINE__, "aspace: %s", xenpt_error_message(err));
		xenpt_error_destroy(err);
	}
	return as;
}

static bool same_xlate(const struct xenpt_xlate *a, const struct xenpt_xlate *b)
{
	return a->va == b->va && a->end == b->end && a->end_level == b->end_level &&
	       a->end_errno == b->end_errno && a->page_size == b->page_size &&
	       a->page_va == b->page_va && a->frame == b->frame && a->addr == b->addr &&
	       a->writable == b->writable && a->user == b->user && a->nx == b->nx &&
	       a->hw_user == b->hw_user && a->cached == b->cached;
}

#define NB 512

/* Mapped VAs in a scrambled order, plus the ways a walk ends early. */
static size_t make_vas(xenpt_va_t *vas, uint64_t *want_frame, unsigned *want_end)
{
	size_t n = 0, i;
	unsigned x = 12345;

	for (i = 0; i < NB - 8; i++) {
		unsigned s, a, b, k;

		x = x * 1103515245u + 12345u;
		s = (x >> 8) & 1;
		a = (x >> 9) & 1;
		b = (x >> 10) & 3;
		k = (x >> 12) & 255;
		vas[n] = xenpt_va(va_of(s, a, b, k, (x >> 20) & 0xff8));
		want_frame[n] = data_of(s, a, b, k);
		want_end[n++] = XENPT_WALK_MAPPED;
	}
	vas[n] = xenpt_va(va_of(0, 0, 0, 300, 0));          /* L1 entry not present */
	want_end[n++] = XENPT_WALK_NOT_PRESENT;
	vas[n] = xenpt_va(va_of(1, 1, 9, 0, 0));            /* L2 entry not present */
	want_end[n++] = XENPT_WALK_NOT_PRESENT;
	vas[n] = xenpt_va(va_of(1, 7, 0, 0, 0));            /* L3 entry not present */
	want_end[n++] = XENPT_WALK_NOT_PRESENT;
	vas[n] = xenpt_va(0xffff830000000000ull);           /* L4 slot 262: Xen's */
	want_end[n++] = XENPT_WALK_XEN_SLOT;
	vas[n] = xenpt_va(0x0000900000000000ull);           /* non-canonical */
	want_end[n++] = XENPT_WALK_NON_CANONICAL;
	vas[n] = vas[0];                                    /* duplicates */
	want_frame[n] = want_frame[0];
	want_end[n++] = XENPT_WALK_MAPPED;
	vas[n] = vas[1];
	want_frame[n] = want_frame[1];
	want_end[n++] = XENPT_WALK_MAPPED;
	vas[n] = xenpt_va(0x0000000000400000ull);           /* L4 slot 0 not present */
	want_end[n++] = XENPT_WALK_NOT_PRESENT;
	return n;
}

static void check_answers(const xenpt_va_t *vas, size_t n, const uint64_t *want_frame,
			  const unsigned *want_end, const struct xenpt_xlate *r, int line)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		uint64_t va = xenpt_va_x(vas[i]);
		bool odd = want_end[i] == XENPT_WALK_MAPPED && (((va >> 12) & 1) != 0);

		if (r[i].va != va || r[i].end != want_end[i])
			bad++;
		else if (want_end[i] == XENPT_WALK_MAPPED &&
			 (r[i].frame != want_frame[i] || r[i].addr != (want_frame[i] << 12 | (va & 0xfff)) ||
			  r[i].page_size != 4096 || r[i].end_level != 1 || r[i].writable == odd ||
			  r[i].nx != odd || !r[i].hw_user))
			bad++;
	}
	if (bad)
		test_fail(__FILE__, line, "%zu of %zu answers differ from the tables written", bad, n);
}

static void batch_case(unsigned flags, bool with_cache)
{
	struct fake_source *f = fake_create(flags);
	xenpt_va_t vas[NB];
	uint64_t want_frame[NB] = { 0 };
	unsigned want_end[NB];
	struct xenpt_xlate *r = calloc(NB, sizeof(*r)), one;
	struct xenpt_xlate_cache *c = NULL;
	struct xenpt_aspace as;
	size_t n, i, differ = 0;

	REQUIRE(r != NULL);
	build(f);
	as = as_of(f);
	n = make_vas(vas, want_frame, want_end);
	if (with_cache)
		REQUIRE_OK(xenpt_xlate_cache_create(1u << 20, &c));   /* no set conflicts here */
	fake_reset_counts(f);
	REQUIRE_OK(xenpt_translate_batch(fake_src(f), c, &as, vas, n, r));
	if (flags & FAKE_COPY)
		/* 4 levels: at most one backend read per level for all n VAs */
		CHECK(fake_counts(f)->get_frames_calls <= 4);
	check_answers(vas, n, want_frame, want_end, r, __LINE__);
	/* the same as one translation at a time (from cold caches) */
	xenpt_source_cache_flush(fake_src(f));
	for (i = 0; i < n; i++) {
		REQUIRE_OK(xenpt_translate(fake_src(f), NULL, &as, vas[i], &one));
		if (!same_xlate(&one, &r[i]))
			differ++;
	}
	CHECK_EQ(differ, 0);
	if (c) {
		struct xenpt_xlate_stats st, before;

		/* The cache grew while it filled (it starts small), so what
		 * conflicted on the way may be walked once more; after that the
		 * mapped VAs come from the cache, bar the few a 2-way set cannot
		 * hold (copying sources only: a stable source's walk is what the
		 * cache would save). */
		REQUIRE_OK(xenpt_translate_batch(fake_src(f), c, &as, vas, n, r));
		check_answers(vas, n, want_frame, want_end, r, __LINE__);
		xenpt_xlate_cache_stats(c, &before);
		fake_reset_counts(f);
		REQUIRE_OK(xenpt_translate_batch(fake_src(f), c, &as, vas, n, r));
		check_answers(vas, n, want_frame, want_end, r, __LINE__);
		for (i = 0; i < n; i++)
			if (r[i].cached && (!(flags & FAKE_COPY) || want_end[i] != XENPT_WALK_MAPPED))
				differ++;
		CHECK_EQ(differ, 0);
		xenpt_xlate_cache_stats(c, &st);
		if (!(flags & FAKE_COPY)) {
			CHECK_EQ(st.lookups, 0);
		} else {
			uint64_t hits = 0;

			for (i = 0; i < n; i++)
				hits += r[i].cached;
			CHECK_EQ(st.lookups - before.lookups, n);
			CHECK_EQ(st.hits - before.hits, hits);
			printf("# %" PRIu64 " of %u mapped VAs from the cache\n", hits, NB - 8 + 2);
			CHECK(hits >= (NB - 8 + 2) * 90 / 100);
			/* the unmapped ones walked again: still one read per level at most */
			CHECK(fake_counts(f)->get_frames_calls <= 4);
		}
		xenpt_xlate_cache_destroy(c);
	}
	free(r);
	fake_destroy(f);
}

TEST(batch_copying_source_one_read_per_level)
{
	batch_case(FAKE_COPY, false);
}

TEST(batch_copying_source_with_cache)
{
	batch_case(FAKE_COPY, true);
}

TEST(batch_stable_source)
{
	batch_case(0, false);
	batch_case(0, true);
}

/* A table that cannot be read ends those walks as UNREADABLE with its errno. */
TEST(batch_unreadable_table)
{
	unsigned flags[2] = { 0, FAKE_COPY }, t;

	for (t = 0; t < 2; t++) {
		struct fake_source *f = fake_create(flags[t]);
		struct xenpt_aspace as;
		xenpt_va_t vas[3];
		struct xenpt_xlate r[3];

		build(f);
		as = as_of(f);
		fake_set_err(f, MFN, l1_of(1, 0, 2), EIO);
		vas[0] = xenpt_va(va_of(1, 0, 2, 5, 0));
		vas[1] = xenpt_va(va_of(0, 1, 3, 6, 0x10));
		vas[2] = xenpt_va(va_of(1, 0, 2, 7, 0));
		REQUIRE_OK(xenpt_translate_batch(fake_src(f), NULL, &as, vas, 3, r));
		CHECK_EQ(r[0].end, XENPT_WALK_UNREADABLE);
		CHECK_EQ(r[0].end_level, 1);
		CHECK_EQ(r[0].end_errno, EIO);
		CHECK_EQ(r[1].end, XENPT_WALK_MAPPED);
		CHECK_EQ(r[1].addr, data_of(0, 1, 3, 6) << 12 | 0x10);
		CHECK_EQ(r[2].end, XENPT_WALK_UNREADABLE);
		fake_destroy(f);
	}
}

TEST(batch_empty_and_bad_arguments)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_aspace as;
	struct xenpt_xlate r;
	xenpt_va_t va = xenpt_va(0);

	build(f);
	as = as_of(f);
	CHECK_OK(xenpt_translate_batch(fake_src(f), NULL, &as, NULL, 0, NULL));
	CHECK_ERR(xenpt_translate_batch(fake_src(f), NULL, &as, NULL, 1, &r), XENPT_ERR_INVALID_ARG);
	CHECK_ERR(xenpt_translate_batch(fake_src(f), NULL, NULL, &va, 1, &r), XENPT_ERR_INVALID_ARG);
	as.mode = (enum xenpt_paging_mode)9;
	CHECK_ERR(xenpt_translate_batch(fake_src(f), NULL, &as, &va, 1, &r), XENPT_ERR_INVALID_ARG);
	fake_destroy(f);
}

/* The shipped core: the direct map maps PFN n at +n pages; the P2M says where. */
TEST(batch_core_direct_map)
{
	char path[1024];
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	xenpt_va_t *vas = malloc(0x8000 * sizeof(*vas));
	struct xenpt_xlate *r = malloc(0x8000 * sizeof(*r)), one;
	xenpt_gfn_t *pfns = malloc(0x8000 * sizeof(*pfns));
	xenpt_mfn_t *mfns = malloc(0x8000 * sizeof(*mfns));
	uint64_t i, bad = 0, differ = 0;
	FILE *fp;

	REQUIRE(vas && r && pfns && mfns);
	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.core", test_build_dir());
	fp = fopen(path, "rb");
	if (!fp) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		goto out;
	}
	fclose(fp);
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	/* every PFN once, in a scrambled order (i * odd mod 2^15 is a permutation) */
	for (i = 0; i < 0x8000; i++) {
		uint64_t pfn = (i * 0x2f1d) & 0x7fff;

		pfns[i] = xenpt_gfn(pfn);
		vas[i] = xenpt_va(0xffff888000000000ull + (pfn << 12) + (pfn & 0xff8));
	}
	REQUIRE_OK(xenpt_source_p2m(src, pfns, 0x8000, mfns));
	REQUIRE_OK(xenpt_translate_batch(src, NULL, &as, vas, 0x8000, r));
	for (i = 0; i < 0x8000; i++) {
		uint64_t pfn = xenpt_gfn_x(pfns[i]);

		if (r[i].end != XENPT_WALK_MAPPED || r[i].frame != xenpt_mfn_x(mfns[i]) ||
		    r[i].addr != (r[i].frame << 12 | (pfn & 0xff8)))
			bad++;
		CHECK_OK(xenpt_translate(src, NULL, &as, vas[i], &one));
		if (!same_xlate(&one, &r[i]))
			differ++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(differ, 0);
	xenpt_source_close(src);
out:
	free(vas);
	free(r);
	free(pfns);
	free(mfns);
}

/*
 * A synthetic PV domain built here: 8 MiB of its direct map from GFN 0,
 * 512 KiB blocks RW and read-only in turn, NX.  Expected: the P2M of
 * GFN n for VA base + n pages, rights from the block.
 */
TEST(batch_synth_domain_from_spec)
{
	const uint64_t base = 0xffff888000000000ull, bytes = 8ull << 20, block = 512ull << 10;
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	size_t n = bytes / 4096, i;
	xenpt_va_t *vas = malloc(n * sizeof(*vas));
	struct xenpt_xlate *r = malloc(n * sizeof(*r)), one;
	uint64_t bad = 0, differ = 0, off;

	REQUIRE(vas && r);
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	snprintf(p.name, sizeof(p.name), "batch");
	p.nr_pages = 8192;
	REQUIRE_OK(xenpt_synth_create(&p, &s));
	for (off = 0; off < bytes; off += block)
		REQUIRE_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(base + off),
					   xenpt_gfn(off >> 12), block, 4096,
					   XENPT_PTE_NX | ((off / block) & 1 ? 0 : XENPT_PTE_RW)));
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	for (i = 0; i < n; i++)
		vas[i] = xenpt_va(base + ((uint64_t)((i * 0x1234567u) % n) << 12) + 0x18);
	REQUIRE_OK(xenpt_translate_batch(src, NULL, &as, vas, n, r));
	for (i = 0; i < n; i++) {
		uint64_t va = xenpt_va_x(vas[i]), gfn = (va - base) >> 12;
		uint64_t mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(gfn)));
		bool rw = !(((va - base) / block) & 1);

		if (r[i].end != XENPT_WALK_MAPPED || r[i].frame != mfn ||
		    r[i].addr != (mfn << 12 | 0x18) || r[i].writable != rw || !r[i].nx)
			bad++;
		CHECK_OK(xenpt_translate(src, NULL, &as, vas[i], &one));
		if (!same_xlate(&one, &r[i]))
			differ++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(differ, 0);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
	free(vas);
	free(r);
}
