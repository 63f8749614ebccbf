/* SPDX-License-Identifier: MIT */
/*
 * The P2M/M2P library (lib/view/p2m.c): runs, lookups, the reverse index, the
 * M2P view and the check.
 *
 * Oracles: the synthetic builder's own tables (xenpt_synth_p2m/m2p/
 * page_type/frame_state), with each kind of problem planted through its
 * override API and raw entries, so every finding is predicted exactly;
 * the xen-mfndump listing of the real xenlab domU for its core file; a
 * counting proxy source for the batching promise (<= 1024 frames per
 * P2M, M2P and page-type request).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenpt/xenpt.h>

#include "harness.h"
#include "source/source_int.h"

#define INV XENPT_INVALID_FRAME
#define PAGES 0x1000u

/* ---- helpers ------------------------------------------------------------------------ */

static struct xenpt_synth *new_pv(uint64_t pages)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = pages;
	p.domid = 9;
	p.seed = 77;
	CHECK_OK(xenpt_synth_create(&p, &s));
	return s;
}

static uint64_t p2m_of(const struct xenpt_synth *s, uint64_t pfn)
{
	return xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
}

static uint64_t m2p_of(const struct xenpt_synth *s, uint64_t mfn)
{
	return xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(mfn)));
}

static enum xenpt_synth_owner owner_of(const struct xenpt_synth *s, uint64_t mfn)
{
	struct xenpt_synth_frame_state st;
	struct xenpt_error *err = xenpt_synth_frame_state(s, xenpt_mfn(mfn), &st);

	if (err) {
		xenpt_error_destroy(err);
		return XENPT_SYNTH_OWNER_NONE;
	}
	return st.owner;
}

/* The first MFN from @from with @owner (and, for OTHER, an M2P entry). */
static uint64_t find_owned(const struct xenpt_synth *s, enum xenpt_synth_owner owner,
			   uint64_t from)
{
	uint64_t host = xenpt_synth_get_params(s)->host_frames, m;

	for (m = from; m < host; m++)
		if (owner_of(s, m) == owner &&
		    (owner != XENPT_SYNTH_OWNER_OTHER || m2p_of(s, m) != INV))
			return m;
	return INV;
}

static void raw_l1(struct xenpt_synth *s, uint64_t va, uint64_t mfn)
{
	CHECK_OK(xenpt_synth_set_entry(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(va), 1,
				       mfn << 12 | XENPT_PTE_P | XENPT_PTE_US | XENPT_PTE_A, true));
}

static struct xenpt_source *source_of(struct xenpt_synth *s)
{
	struct xenpt_source *src = NULL;

	CHECK_OK(xenpt_synth_source(s, &src));
	return src;
}

/*
 * The planted domain: 0x1000 pages, 8 pages mapped at 0x400000 (pfn 0x100..),
 * then every kind of problem:
 *   pfn 5      m2p[p2m[5]] = 6                        m2p_mismatch
 *   pfn 10-12  INVALID_MFN                            one p2m_hole of 3
 *   pfn 20     maps pfn 21's frame                    duplicate_mfn (pfn 21, first 20)
 *   pfn 30     an MFN beyond the host                 mfn_beyond_host
 *   pfn 40     m2p[p2m[40]] = INVALID                 m2p_mismatch
 *   va 0x500000..0x504000: raw L1 entries naming another domain's frame, a
 *   free frame, a frame beyond the host, the shared_info page, and pfn 11's
 *   old frame (mapped before its P2M entry was cleared)   mapped_not_in_p2m x5
 */
struct planted {
	struct xenpt_synth *s;
	uint64_t host;
	uint64_t m5, m6, m11, m20, m21, m40, other, free_mfn, shinfo;
};

static bool plant(struct planted *pl)
{
	struct xenpt_synth *s;
	unsigned i;

	memset(pl, 0, sizeof(*pl));
	s = pl->s = new_pv(PAGES);
	if (!s)
		return false;
	pl->host = xenpt_synth_get_params(s)->host_frames;
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0x400000), xenpt_gfn(0x100),
				 8 * 4096, 4096, XENPT_PTE_RW | XENPT_PTE_US));
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0x504000), xenpt_gfn(11),
				 4096, 4096, XENPT_PTE_US));
	pl->m5 = p2m_of(s, 5);
	pl->m6 = p2m_of(s, 6);
	pl->m11 = p2m_of(s, 11);
	pl->m20 = p2m_of(s, 20);
	pl->m21 = p2m_of(s, 21);
	pl->m40 = p2m_of(s, 40);
	CHECK_OK(xenpt_synth_set_m2p(s, xenpt_mfn(pl->m5), xenpt_gfn(6)));
	for (i = 10; i <= 12; i++)
		CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(i), XENPT_INVALID_MFN));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(20), xenpt_mfn(pl->m21)));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(30), xenpt_mfn(pl->host + 5)));
	CHECK_OK(xenpt_synth_set_m2p(s, xenpt_mfn(pl->m40), XENPT_INVALID_GFN));
	pl->other = find_owned(s, XENPT_SYNTH_OWNER_OTHER, 0x100);
	pl->free_mfn = find_owned(s, XENPT_SYNTH_OWNER_FREE, 0x100);
	pl->shinfo = xenpt_mfn_x(xenpt_synth_shared_info_mfn(s));
	CHECK(pl->other != INV && pl->free_mfn != INV && pl->shinfo != INV);
	raw_l1(s, 0x500000, pl->other);
	raw_l1(s, 0x501000, pl->free_mfn);
	raw_l1(s, 0x502000, pl->host + 0x10);
	raw_l1(s, 0x503000, pl->shinfo);
	return !test_failed();
}

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

/* ---- names ----------------------------------------------------------------------------- */

TEST(p2m_names)
{
	CHECK_STR_EQ(xenpt_frame_status_name(XENPT_FS_OK), "ok");
	CHECK_STR_EQ(xenpt_frame_status_name(XENPT_FS_M2P_INVALID), "m2p_invalid");
	CHECK_STR_EQ(xenpt_frame_status_name(XENPT_FS_OTHER), "other");
	CHECK_STR_EQ(xenpt_frame_status_name((enum xenpt_frame_status)99), "unknown");
	CHECK_STR_EQ(xenpt_p2m_finding_name(XENPT_FIND_M2P_MISMATCH), "m2p_mismatch");
	CHECK_STR_EQ(xenpt_p2m_finding_name(XENPT_FIND_MAPPED_NOT_IN_P2M), "mapped_not_in_p2m");
	CHECK_STR_EQ(xenpt_p2m_finding_name((enum xenpt_p2m_finding_kind)42), "unknown");
	CHECK(xenpt_frame_status_bad(XENPT_FS_MISMATCH));
	CHECK(xenpt_frame_status_bad(XENPT_FS_HOLE));
	CHECK(!xenpt_frame_status_bad(XENPT_FS_OK));
	CHECK(!xenpt_frame_status_bad(XENPT_FS_FREE));
	CHECK(!xenpt_frame_status_bad(XENPT_FS_OTHER));
}

/* ---- runs --------------------------------------------------------------------------------- */

TEST(p2m_runs_match_the_model)
{
	struct xenpt_synth *s = new_pv(PAGES);
	struct xenpt_source *src;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_run r;
	uint64_t next = 0, runs = 0, raw_runs = 0, i;
	bool done = false;

	REQUIRE(s);
	/* make some contiguity to coalesce (the shuffled P2M has almost none):
	 * 64 frames beyond the host, all of one type (xtab) */
	for (i = 0; i < 64; i++)
		CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(0x200 + i),
					     xenpt_mfn(xenpt_synth_get_params(s)->host_frames + i)));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_iter_create(src, 0, UINT64_MAX, XENPT_P2M_TYPES, &it));
	for (;;) {
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
		if (done)
			break;
		runs++;
		CHECK_EQ(r.pfn, next);
		CHECK(r.count >= 1 && r.typed);
		for (i = 0; i < r.count; i++) {
			uint64_t m = p2m_of(s, r.pfn + i);

			CHECK_EQ(m, r.mfn + i);
			CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(m)), r.type);
		}
		/* maximal: the next frame would not extend the run */
		if (r.pfn + r.count < PAGES) {
			uint64_t m = p2m_of(s, r.pfn + r.count);

			CHECK(m != r.mfn + r.count ||
			      xenpt_synth_page_type(s, xenpt_mfn(m)) != r.type);
		}
		next = r.pfn + r.count;
		if (r.pfn == 0x200)
			CHECK_EQ(r.count, 64);
	}
	CHECK_EQ(next, PAGES);
	xenpt_p2m_iter_destroy(it);
	/* raw: one run per frame, types the same */
	REQUIRE_OK(xenpt_p2m_iter_create(src, 0x1f0, 0x24f, XENPT_P2M_RAW, &it));
	for (;;) {
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK_EQ(r.pfn, 0x1f0 + raw_runs);
		CHECK_EQ(r.count, 1);
		CHECK(!r.typed);
		raw_runs++;
	}
	CHECK_EQ(raw_runs, 0x60);
	xenpt_p2m_iter_destroy(it);
	/* a range clipped to the P2M; outside it an error naming it */
	REQUIRE_OK(xenpt_p2m_iter_create(src, PAGES - 2, PAGES + 100, 0, &it));
	REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
	CHECK(!done && r.pfn == PAGES - 2);
	xenpt_p2m_iter_destroy(it);
	CHECK_ERR_MSG(xenpt_p2m_iter_create(src, PAGES, PAGES + 1, 0, &it), XENPT_ERR_INVALID_ARG,
		      "outside the P2M");
	CHECK_ERR(xenpt_p2m_iter_create(src, 5, 4, 0, &it), XENPT_ERR_INVALID_ARG);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(p2m_runs_coalesce_holes_and_types)
{
	struct xenpt_synth *s = new_pv(PAGES);
	struct xenpt_source *src;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_run r[8];
	unsigned n = 0, i;
	bool done = false;

	REQUIRE(s);
	/* pfn 0x300-0x30f: 0x20000.. but 0x305 is the domain's L4 (a typed frame) */
	for (i = 0; i < 16; i++)
		CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(0x300 + i), xenpt_mfn(0x1e000 + i)));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(0x305),
				     xenpt_mfn(xenpt_synth_root_frame(s, XENPT_SYNTH_ROOT_DEFAULT))));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(0x30a), XENPT_INVALID_MFN));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(0x30b), XENPT_INVALID_MFN));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_iter_create(src, 0x300, 0x30f, XENPT_P2M_TYPES, &it));
	while (n < 8) {
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r[n], &done));
		if (done)
			break;
		n++;
	}
	xenpt_p2m_iter_destroy(it);
	/* 0x300-0x304 | 0x305 (pinned L4) | 0x306-0x309 | 0x30a-0x30b hole | 0x30c-0x30f */
	REQUIRE(n == 5);
	CHECK_EQ(r[0].pfn, 0x300);
	CHECK_EQ(r[0].count, 5);
	CHECK_EQ(r[0].mfn, 0x1e000);
	CHECK_EQ(r[1].pfn, 0x305);
	CHECK_EQ(r[1].count, 1);
	CHECK_EQ(r[1].type, XENPT_PT_L4 | XENPT_PT_PINNED);
	CHECK_EQ(r[2].pfn, 0x306);
	CHECK_EQ(r[2].mfn, 0x1e006);
	CHECK_EQ(r[2].count, 4);
	CHECK_EQ(r[3].pfn, 0x30a);
	CHECK_EQ(r[3].mfn, INV);
	CHECK_EQ(r[3].count, 2);
	CHECK_EQ(r[3].type, XENPT_PT_XTAB);
	CHECK_EQ(r[4].pfn, 0x30c);
	CHECK_EQ(r[4].count, 4);
	/* the model says the same about every frame */
	for (i = 0; i < 5; i++)
		if (r[i].mfn != INV)
			CHECK_EQ(r[i].type, xenpt_synth_page_type(s, xenpt_mfn(r[i].mfn)));
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- the reverse index and lookups ---------------------------------------------------------- */

TEST(p2m_index_and_lookups)
{
	struct planted pl;
	struct xenpt_source *src;
	struct xenpt_p2m_index *idx = NULL;
	xenpt_gfn_t first;
	struct xenpt_frame_info fi[8], mi[7];
	uint64_t pfns[8], mfns[7];

	REQUIRE(plant(&pl));
	src = source_of(pl.s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_index_create(src, &idx));
	CHECK_EQ(xenpt_p2m_index_size(idx), PAGES);
	CHECK_EQ(xenpt_p2m_index_valid(idx), PAGES - 3);   /* the three holes */
	CHECK_EQ(xenpt_p2m_index_distinct(idx), PAGES - 4); /* and one frame mapped twice */
	CHECK_EQ(xenpt_p2m_index_max_mfn(idx), pl.host + 5);
	CHECK_EQ(xenpt_p2m_index_find(idx, xenpt_mfn(pl.m21), &first), 2);
	CHECK_EQ(xenpt_gfn_x(first), 20);
	CHECK_EQ(xenpt_p2m_index_find(idx, xenpt_mfn(pl.m20), &first), 0);   /* dropped by pfn 20 */
	CHECK_EQ(xenpt_gfn_x(first), INV);
	CHECK_EQ(xenpt_p2m_index_find(idx, xenpt_mfn(pl.m11), NULL), 0);

	pfns[0] = 0x100; pfns[1] = 5; pfns[2] = 11; pfns[3] = 20;
	pfns[4] = 21; pfns[5] = 30; pfns[6] = PAGES; pfns[7] = 40;
	REQUIRE_OK(xenpt_p2m_lookup(src, idx, false, pfns, 8, fi));
	CHECK_EQ(fi[0].status, XENPT_FS_OK);
	CHECK_EQ(fi[0].mfn, p2m_of(pl.s, 0x100));
	CHECK_EQ(fi[0].m2p_pfn, 0x100);
	CHECK_EQ(fi[0].nr_pfns, 1);
	CHECK(fi[0].typed);
	CHECK_EQ(fi[0].type, XENPT_PT_NONE);
	CHECK_EQ(fi[1].status, XENPT_FS_MISMATCH);
	CHECK_EQ(fi[1].m2p_pfn, 6);
	CHECK_EQ(fi[1].m2p_p2m_mfn, pl.m6);
	CHECK_EQ(fi[2].status, XENPT_FS_HOLE);
	CHECK_EQ(fi[2].mfn, INV);
	CHECK_EQ(fi[3].status, XENPT_FS_DUPLICATE);
	CHECK_EQ(fi[3].mfn, pl.m21);
	CHECK_EQ(fi[3].m2p_pfn, 21);
	CHECK_EQ(fi[3].nr_pfns, 2);
	CHECK_EQ(fi[4].status, XENPT_FS_OK);
	CHECK_EQ(fi[5].status, XENPT_FS_BEYOND_HOST);
	CHECK_EQ(fi[5].type, XENPT_PT_XTAB);
	CHECK_EQ(fi[6].status, XENPT_FS_BEYOND_P2M);
	CHECK_EQ(fi[7].status, XENPT_FS_M2P_INVALID);
	CHECK_EQ(fi[7].mfn, pl.m40);

	mfns[0] = p2m_of(pl.s, 0x100); mfns[1] = pl.other; mfns[2] = pl.free_mfn;
	mfns[3] = pl.m40; mfns[4] = pl.m5; mfns[5] = pl.m20; mfns[6] = pl.host + 5;
	CHECK_ERR(xenpt_p2m_lookup(src, NULL, true, mfns, 7, mi), XENPT_ERR_INVALID_ARG);
	REQUIRE_OK(xenpt_p2m_lookup(src, idx, true, mfns, 7, mi));
	CHECK_EQ(mi[0].status, XENPT_FS_OK);
	CHECK_EQ(mi[0].pfn, 0x100);
	CHECK_EQ(mi[1].status, XENPT_FS_OTHER);
	CHECK_EQ(mi[1].pfn, m2p_of(pl.s, pl.other));
	CHECK_EQ(mi[1].nr_pfns, 0);
	CHECK_EQ(mi[1].type, XENPT_PT_XTAB);
	CHECK_EQ(mi[2].status, XENPT_FS_FREE);
	CHECK_EQ(mi[2].pfn, INV);
	CHECK_EQ(mi[3].status, XENPT_FS_M2P_INVALID);
	CHECK_EQ(mi[3].pfn, 40);
	CHECK_EQ(mi[4].status, XENPT_FS_MISMATCH);
	CHECK_EQ(mi[4].pfn, 5);          /* the domain's PFN, not the M2P's */
	CHECK_EQ(mi[4].m2p_pfn, 6);
	CHECK_EQ(mi[5].status, XENPT_FS_OTHER);   /* pfn 20's old frame: M2P 20, P2M moved on */
	CHECK_EQ(mi[5].m2p_pfn, 20);
	CHECK_EQ(mi[5].m2p_p2m_mfn, pl.m21);
	CHECK_EQ(mi[6].status, XENPT_FS_BEYOND_HOST);
	CHECK_EQ(mi[6].nr_pfns, 1);

	xenpt_p2m_index_destroy(idx);
	xenpt_source_close(src);
	xenpt_synth_destroy(pl.s);
}

/* ---- the M2P view ---------------------------------------------------------------------------- */

TEST(m2p_view_domain_and_all)
{
	struct planted pl;
	struct xenpt_source *src;
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_m2p_iter *it = NULL;
	struct xenpt_m2p_run r;
	uint64_t frames = 0, last = 0, by[XENPT_FS_COUNT] = { 0 }, want[XENPT_FS_COUNT] = { 0 }, m, i;
	bool done = false;

	REQUIRE(plant(&pl));
	src = source_of(pl.s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_index_create(src, &idx));

	/* the domain's frames, each once, in MFN order */
	REQUIRE_OK(xenpt_m2p_iter_create(src, idx, 0, UINT64_MAX, 0, &it));
	for (;;) {
		REQUIRE_OK(xenpt_m2p_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK(r.mfn >= last);
		CHECK(r.domain);
		last = r.mfn + r.count;
		frames += r.count;
		by[r.status] += r.count;
		if (r.status == XENPT_FS_MISMATCH) {
			CHECK_EQ(r.mfn, pl.m5);
			CHECK_EQ(r.pfn, 6);
			CHECK_EQ(r.p2m_pfn, 5);
			CHECK_EQ(r.m2p_p2m_mfn, pl.m6);
		}
		if (r.status == XENPT_FS_M2P_INVALID)
			CHECK_EQ(r.mfn, pl.m40);
		if (r.status == XENPT_FS_BEYOND_HOST)
			CHECK_EQ(r.mfn, pl.host + 5);
		for (i = 0; r.status == XENPT_FS_OK && i < r.count; i++)
			CHECK_EQ(p2m_of(pl.s, m2p_of(pl.s, r.mfn + i)), r.mfn + i);
	}
	xenpt_m2p_iter_destroy(it);
	/* 0x1000 PFNs - 3 holes - 1 duplicate = 0xffc distinct frames */
	CHECK_EQ(frames, PAGES - 4);
	CHECK_EQ(by[XENPT_FS_MISMATCH], 1);
	CHECK_EQ(by[XENPT_FS_M2P_INVALID], 1);
	CHECK_EQ(by[XENPT_FS_BEYOND_HOST], 1);
	CHECK_EQ(by[XENPT_FS_OK], PAGES - 7);

	/* every MFN of the host, against the model frame by frame */
	memset(by, 0, sizeof(by));
	frames = 0;
	REQUIRE_OK(xenpt_m2p_iter_create(src, idx, 0, UINT64_MAX, XENPT_M2P_ALL, &it));
	for (;;) {
		REQUIRE_OK(xenpt_m2p_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK_EQ(r.mfn, frames);
		frames += r.count;
		by[r.status] += r.count;
	}
	xenpt_m2p_iter_destroy(it);
	CHECK_EQ(frames, pl.host);
	for (m = 0; m < pl.host; m++) {
		uint64_t g = m2p_of(pl.s, m);
		bool dom = xenpt_p2m_index_find(idx, xenpt_mfn(m), NULL) > 0;

		if (g == INV)
			want[dom ? XENPT_FS_M2P_INVALID : XENPT_FS_FREE]++;
		else if (p2m_of(pl.s, g) == m)
			want[XENPT_FS_OK]++;
		else
			want[dom ? XENPT_FS_MISMATCH : XENPT_FS_OTHER]++;
	}
	for (i = 0; i < XENPT_FS_COUNT; i++)
		CHECK_EQ(by[i], want[i]);
	CHECK(want[XENPT_FS_OTHER] > 0 && want[XENPT_FS_FREE] > 0);

	/* raw and a range: one run per frame */
	REQUIRE_OK(xenpt_m2p_iter_create(src, idx, 0x100, 0x10f, XENPT_M2P_ALL | XENPT_P2M_RAW, &it));
	for (i = 0;; i++) {
		REQUIRE_OK(xenpt_m2p_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK_EQ(r.mfn, 0x100 + i);
		CHECK_EQ(r.count, 1);
	}
	CHECK_EQ(i, 16);
	xenpt_m2p_iter_destroy(it);
	CHECK_ERR(xenpt_m2p_iter_create(src, NULL, 0, 1, 0, &it), XENPT_ERR_INVALID_ARG);
	CHECK_ERR(xenpt_m2p_iter_create(src, idx, 2, 1, 0, &it), XENPT_ERR_INVALID_ARG);
	xenpt_p2m_index_destroy(idx);
	xenpt_source_close(src);
	xenpt_synth_destroy(pl.s);
}

/* ---- the check --------------------------------------------------------------------------------- */

TEST(p2m_check_clean_domain)
{
	struct xenpt_synth *s = new_pv(PAGES);
	struct xenpt_source *src;
	struct xenpt_p2m_check *k = NULL;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0xffff888000000000ull),
				 xenpt_gfn(0), 64 * 4096, 4096, XENPT_PTE_RW | XENPT_PTE_NX));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	CHECK_EQ(k->nr_total, 0);
	CHECK_EQ(k->nr_findings, 0);
	CHECK_EQ(k->p2m_size, PAGES);
	CHECK_EQ(k->p2m_valid, PAGES);
	CHECK(k->host_known);
	CHECK_EQ(k->host_frames, xenpt_synth_get_params(s)->host_frames);
	CHECK(k->walked);
	CHECK_EQ(k->roots, 1);
	/* the 64 data frames and the L4, L3, L2, L1 */
	CHECK_EQ(k->frames_checked, 64 + 4);
	CHECK_EQ(k->tables_checked, 4);
	CHECK(!k->walk_truncated);
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(p2m_check_planted_findings_exact)
{
	struct planted pl;
	struct xenpt_source *src;
	struct xenpt_p2m_check *k = NULL;
	const struct xenpt_p2m_finding *f;
	struct xenpt_p2m_check_opts opts = { .flags = XENPT_P2M_CHECK_NO_WALK };

	REQUIRE(plant(&pl));
	src = source_of(pl.s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	CHECK_EQ(k->nr_total, 7);
	REQUIRE(k->nr_findings == 7);
	CHECK_EQ(k->counts[XENPT_FIND_M2P_MISMATCH], 2);
	CHECK_EQ(k->counts[XENPT_FIND_P2M_HOLE], 1);
	CHECK_EQ(k->frames[XENPT_FIND_P2M_HOLE], 3);
	CHECK_EQ(k->counts[XENPT_FIND_DUPLICATE_MFN], 1);
	CHECK_EQ(k->counts[XENPT_FIND_MFN_BEYOND_HOST], 1);
	CHECK_EQ(k->counts[XENPT_FIND_MAPPED_NOT_IN_P2M], 2);
	CHECK_EQ(k->p2m_valid, PAGES - 3);

	/* pass 1, in PFN order */
	f = &k->findings[0];
	CHECK_EQ(f->kind, XENPT_FIND_M2P_MISMATCH);
	CHECK_EQ(f->pfn, 5);
	CHECK_EQ(f->mfn, pl.m5);
	CHECK_EQ(f->m2p_pfn, 6);
	CHECK_EQ(f->other, pl.m6);
	CHECK(has(f->where, "m2p[mfn") && has(f->where, "whose p2m entry is mfn"));
	f = &k->findings[1];
	CHECK_EQ(f->kind, XENPT_FIND_P2M_HOLE);
	CHECK_EQ(f->pfn, 10);
	CHECK_EQ(f->count, 3);
	CHECK_EQ(f->mfn, INV);
	CHECK(has(f->where, "p2m[pfn 0xa-0xc] is INVALID_MFN"));
	f = &k->findings[2];
	CHECK_EQ(f->kind, XENPT_FIND_MFN_BEYOND_HOST);
	CHECK_EQ(f->pfn, 30);
	CHECK_EQ(f->mfn, pl.host + 5);
	f = &k->findings[3];
	CHECK_EQ(f->kind, XENPT_FIND_M2P_MISMATCH);
	CHECK_EQ(f->pfn, 40);
	CHECK_EQ(f->mfn, pl.m40);
	CHECK_EQ(f->m2p_pfn, INV);
	CHECK(has(f->where, "is INVALID"));
	/* duplicates, in MFN order */
	f = &k->findings[4];
	CHECK_EQ(f->kind, XENPT_FIND_DUPLICATE_MFN);
	CHECK_EQ(f->pfn, 21);
	CHECK_EQ(f->mfn, pl.m21);
	CHECK_EQ(f->other, 20);
	/*
	 * The walk keeps what no healthy guest maps: a frame beyond the host,
	 * and a frame Xen says is the domain's (type none) whose M2P names a
	 * P2M hole.
	 */
	f = &k->findings[5];
	CHECK_EQ(f->kind, XENPT_FIND_MAPPED_NOT_IN_P2M);
	CHECK_EQ(f->mfn, pl.host + 0x10);
	CHECK_EQ(f->va, 0x502000);
	CHECK_EQ(f->note, XENPT_NOTE_NONE);
	CHECK(has(f->where, "beyond the host"));
	f = &k->findings[6];
	CHECK_EQ(f->mfn, pl.m11);
	CHECK_EQ(f->va, 0x504000);
	CHECK_EQ(f->m2p_pfn, 11);
	CHECK(f->typed && f->type == XENPT_PT_NONE);
	CHECK(has(f->where, "m2p says pfn 0xb, a P2M hole; yet Xen says the domain owns it (type none)"));
	/*
	 * The frames a healthy guest may map without owning them are notes:
	 * another domain's frame and a free one (both XTAB: not the domain's)
	 * and the shared_info page, in VA order.
	 */
	CHECK_EQ(k->nr_notes_total, 3);
	REQUIRE(k->nr_notes == 3);
	CHECK_EQ(k->note_counts[XENPT_NOTE_XEN_OR_FOREIGN], 2);
	CHECK_EQ(k->note_counts[XENPT_NOTE_SHARED_INFO], 1);
	CHECK_EQ(k->note_counts[XENPT_NOTE_NOT_OWNED], 0);
	f = &k->notes[0];
	CHECK_EQ(f->kind, XENPT_FIND_MAPPED_NOT_IN_P2M);
	CHECK_EQ(f->note, XENPT_NOTE_XEN_OR_FOREIGN);
	CHECK_EQ(f->mfn, pl.other);
	CHECK_EQ(f->va, 0x500000);
	CHECK_EQ(f->level, 1);
	CHECK_EQ(f->index, 0x100);
	CHECK_EQ(f->m2p_pfn, m2p_of(pl.s, pl.other));
	CHECK(f->typed && f->type == XENPT_PT_XTAB);
	CHECK_EQ(f->root, xenpt_synth_root_frame(pl.s, XENPT_SYNTH_ROOT_DEFAULT));
	CHECK(!f->as_table);
	CHECK(has(f->where, "not the domain's (type xtab)"));
	f = &k->notes[1];
	CHECK_EQ(f->note, XENPT_NOTE_XEN_OR_FOREIGN);
	CHECK_EQ(f->mfn, pl.free_mfn);
	CHECK_EQ(f->va, 0x501000);
	CHECK_EQ(f->m2p_pfn, INV);
	CHECK(has(f->where, "m2p is INVALID"));
	f = &k->notes[2];
	CHECK_EQ(f->note, XENPT_NOTE_SHARED_INFO);
	CHECK_EQ(f->mfn, pl.shinfo);
	CHECK_EQ(f->va, 0x503000);
	CHECK(has(f->where, "shared_info page"));
	CHECK_STR_EQ(xenpt_p2m_note_name(XENPT_NOTE_SHARED_INFO), "shared_info");
	CHECK_STR_EQ(xenpt_p2m_note_name(XENPT_NOTE_XEN_OR_FOREIGN), "xen_or_foreign");
	CHECK_STR_EQ(xenpt_p2m_note_name(XENPT_NOTE_NOT_OWNED), "not_owned");
	xenpt_p2m_check_free(k);

	/* without the walk: the five table findings only */
	REQUIRE_OK(xenpt_p2m_check(src, &opts, &k));
	CHECK_EQ(k->nr_total, 5);
	CHECK(!k->walked);
	CHECK_EQ(k->counts[XENPT_FIND_MAPPED_NOT_IN_P2M], 0);
	xenpt_p2m_check_free(k);
	/* max_findings keeps the first ones and counts the rest */
	opts.flags = 0;
	opts.max_findings = 3;
	REQUIRE_OK(xenpt_p2m_check(src, &opts, &k));
	CHECK_EQ(k->nr_total, 7);
	CHECK_EQ(k->nr_findings, 3);
	CHECK_EQ(k->nr_notes_total, 3);
	CHECK_EQ(k->nr_notes, 3);
	CHECK_EQ(k->findings[2].kind, XENPT_FIND_MFN_BEYOND_HOST);
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
	xenpt_synth_destroy(pl.s);
}

TEST(p2m_check_user_l4_and_roots)
{
	struct xenpt_synth *s;
	struct xenpt_source *src;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_synth_linux lx;
	struct xenpt_synth_params p;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = 0x2000;
	p.nr_vcpus = 2;
	CHECK_OK(xenpt_synth_create(&p, &s));
	REQUIRE(s);
	REQUIRE_OK(xenpt_synth_layout_linux(s, &lx));
	/* a free frame reachable only through the user L4 (its slot 511, the vsyscall L3) */
	CHECK_OK(xenpt_synth_set_entry(s, lx.root_user, xenpt_va(0xffffffffff600000ull), 1,
				       (uint64_t)find_owned(s, XENPT_SYNTH_OWNER_FREE, 0x100) << 12 |
				       XENPT_PTE_P | XENPT_PTE_US, true));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	/* kernel L4 of vCPU 0, its user L4, init (vCPU 1 and p2m_cr3) */
	CHECK_EQ(k->roots, 3);
	CHECK(k->subtrees_shared > 0);      /* the kernel half is named by both L4s */
	/* a free frame is XTAB, like a grant or foreign mapping: a note */
	CHECK_EQ(k->nr_total, 0);
	REQUIRE(k->nr_notes == 1);
	CHECK_EQ(k->notes[0].note, XENPT_NOTE_XEN_OR_FOREIGN);
	CHECK_EQ(k->notes[0].va, 0xffffffffff600000ull);
	CHECK_EQ(k->notes[0].root, xenpt_synth_root_frame(s, lx.root_user));
	CHECK(has(k->notes[0].where, "user L4"));
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/*
 * Tables that fan out: 256 L4 slots -> one L3 -> 512 entries -> one L2 ->
 * 512 entries -> one L1: 2^26 paths through four tables.  The check scans
 * each distinct table once: exactly the four tables and the L1's 512 frames
 * are checked, whatever the number of paths, with no budget cut.
 */
TEST(p2m_check_shared_subtrees_linear)
{
	struct xenpt_synth *s = new_pv(PAGES);
	struct xenpt_source *src;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_p2m_check_opts opts = { .max_ranges = 100 };
	struct xenpt_walk w;
	struct xenpt_aspace as;
	uint64_t l4, l3, l2, e4, e3, e2;
	unsigned i;
	clock_t t0;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(0x400000), xenpt_gfn(0x100),
				 512 * 4096, 4096, XENPT_PTE_US));
	src = source_of(s);
	REQUIRE(src);
	xenpt_synth_aspace(s, XENPT_SYNTH_ROOT_DEFAULT, &as);
	REQUIRE_OK(xenpt_walk_va(src, &as, xenpt_va(0x400000), &w));
	REQUIRE(w.nsteps == 4);
	l4 = w.steps[0].table;
	l3 = w.steps[1].table;
	l2 = w.steps[2].table;
	e4 = w.steps[0].entry;
	e3 = w.steps[1].entry;
	e2 = w.steps[2].entry;
	for (i = 0; i < 512; i++) {
		if (i < 256)
			CHECK_OK(xenpt_synth_set_table_entry(s, l4, i, e4));
		CHECK_OK(xenpt_synth_set_table_entry(s, l3, i, e3));
		CHECK_OK(xenpt_synth_set_table_entry(s, l2, i, e2));
	}
	xenpt_source_cache_flush(src);
	t0 = clock();
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	CHECK(!k->walk_truncated);
	CHECK_EQ(k->roots, 1);
	CHECK_EQ(k->tables_checked, 4);
	CHECK_EQ(k->frames_checked, 4 + 512);
	/* entries naming a table another entry names: 255 L4 slots, 511 + 511 below */
	CHECK_EQ(k->subtrees_shared, 255 + 511 + 511);
	CHECK_EQ(k->nr_total, 0);   /* every frame is the domain's */
	CHECK_EQ(k->nr_notes_total, 0);
	CHECK((clock() - t0) / CLOCKS_PER_SEC < 2);
	CHECK(k->complete);
	CHECK_EQ(k->roots_complete, 1);
	CHECK_EQ(k->nr_not_checked, 0);
	xenpt_p2m_check_free(k);

	/*
	 * The budget still cuts a walk short, and says so: incomplete (never
	 * clean, though nothing was found), the root not walked completely,
	 * and its slots 0-255 (all naming the L3 whose L1 was cut) not checked.
	 */
	REQUIRE_OK(xenpt_p2m_check(src, &opts, &k));
	CHECK(k->walk_truncated);
	CHECK_EQ(k->ranges, 100);
	CHECK_EQ(k->frames_checked, 100);
	CHECK(!k->complete);
	CHECK_EQ(k->max_ranges, 100);
	CHECK_EQ(k->roots, 1);
	CHECK_EQ(k->roots_complete, 0);
	REQUIRE(k->nr_not_checked == 1);
	CHECK_EQ(k->not_checked[0].root, l4);
	CHECK_EQ(k->not_checked[0].level, 4);
	CHECK_EQ(k->not_checked[0].first, 0);
	CHECK_EQ(k->not_checked[0].last, 255);
	CHECK_EQ(k->not_checked[0].va_start, 0);
	CHECK_EQ(k->not_checked[0].va_last, 0x7fffffffffffull);
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(p2m_check_hostile_fixtures)
{
	static const char *const names[] = { "pv-cycle.synth", "pv-badmfn.synth" };
	unsigned i;

	for (i = 0; i < 2; i++) {
		char path[1024];
		struct xenpt_source *src = NULL;
		struct xenpt_p2m_check *k = NULL;

		snprintf(path, sizeof(path), "synth:%s/%s", test_fixtures_dir(), names[i]);
		REQUIRE_OK(xenpt_source_open_target(path, 0, &src));
		REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
		CHECK(!k->walk_truncated);
		if (i == 0) {
			CHECK_EQ(k->nr_total, 0);   /* loops, but every frame is the domain's */
		} else {
			/* an L1 entry naming mfn 0x7fffff and an L2 entry naming table 0x1000000,
			 * both beyond the host's 0x40000 frames */
			CHECK_EQ(k->nr_total, 2);
			REQUIRE(k->nr_findings == 2);
			/* tables first: the walk goes level by level */
			CHECK_EQ(k->findings[0].mfn, 0x1000000);
			CHECK(k->findings[0].as_table);
			CHECK_EQ(k->findings[0].level, 2);
			CHECK(has(k->findings[0].where, "beyond the host's 0x40000 frames"));
			CHECK_EQ(k->findings[1].mfn, 0x7fffff);
			CHECK_EQ(k->findings[1].va, 0x404000);
			CHECK(!k->findings[1].as_table);
			CHECK_EQ(k->nr_notes_total, 0);
		}
		xenpt_p2m_check_free(k);
		xenpt_source_close(src);
	}
}

TEST(p2m_hvm_is_refused)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_p2m_iter *it = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_HVM);
	CHECK_OK(xenpt_synth_create(&p, &s));
	REQUIRE(s);
	src = source_of(s);
	REQUIRE(src);
	CHECK_ERR_MSG(xenpt_p2m_check(src, NULL, &k), XENPT_ERR_UNSUPPORTED, "no guest P2M");
	CHECK_ERR_MSG(xenpt_p2m_index_create(src, &idx), XENPT_ERR_UNSUPPORTED, "HVM/PVH");
	CHECK_ERR(xenpt_p2m_iter_create(src, 0, 1, 0, &it), XENPT_ERR_UNSUPPORTED);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- batching: a proxy source that counts what reaches the backend ---------------------------- */

struct proxy {
	struct xenpt_source *inner;
	bool copy;                                    /* a copying backend, like the live one */
	uint64_t calls[3], frames[3], max_batch[3];   /* p2m, m2p, page types */
};

static void count(struct proxy *p, unsigned k, size_t n)
{
	p->calls[k]++;
	p->frames[k] += n;
	if (n > p->max_batch[k])
		p->max_batch[k] = n;
}

static struct xenpt_error *px_get_frames(struct xenpt_source *src, enum xenpt_space space,
					 const uint64_t *frames, size_t n, const uint8_t **pages,
					 int *errs, uint8_t *scratch)
{
	struct proxy *p = src->priv;
	struct xenpt_error *err = xenpt_source_get_frames(p->inner, space, frames, n, pages, errs);
	size_t i;

	for (i = 0; !err && p->copy && i < n; i++) {
		if (!pages[i])
			continue;
		memcpy(scratch + i * XENPT_PAGE_SIZE, pages[i], XENPT_PAGE_SIZE);
		pages[i] = scratch + i * XENPT_PAGE_SIZE;
	}
	return err;
}

static struct xenpt_error *px_vcpu(struct xenpt_source *src, uint32_t id, struct xenpt_vcpu *ret)
{
	return xenpt_source_vcpu(((struct proxy *)src->priv)->inner, id, ret);
}

static struct xenpt_error *px_p2m(struct xenpt_source *src, const uint64_t *gfns, size_t n,
				  uint64_t *mfns)
{
	struct proxy *p = src->priv;

	count(p, 0, n);
	return p->inner->ops->p2m(p->inner, gfns, n, mfns);
}

static struct xenpt_error *px_m2p(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				  uint64_t *gfns)
{
	struct proxy *p = src->priv;

	count(p, 1, n);
	return p->inner->ops->m2p(p->inner, mfns, n, gfns);
}

static struct xenpt_error *px_types(struct xenpt_source *src, enum xenpt_space space,
				    const uint64_t *frames, size_t n, xenpt_page_type_t *types)
{
	struct proxy *p = src->priv;

	count(p, 2, n);
	return p->inner->ops->page_types(p->inner, space, frames, n, types);
}

static struct xenpt_error *px_shinfo(struct xenpt_source *src, uint8_t *page)
{
	struct proxy *p = src->priv;

	return p->inner->ops->shared_info(p->inner, page);
}

static void px_close(struct xenpt_source *src)
{
	struct proxy *p = src->priv;

	xenpt_source_close(p->inner);
	free(p);
}

static const struct xenpt_source_ops proxy_ops = {
	.name = "proxy",
	.get_frames = px_get_frames,
	.vcpu = px_vcpu,
	.p2m = px_p2m,
	.m2p = px_m2p,
	.page_types = px_types,
	.shared_info = px_shinfo,
	.close = px_close,
};

static struct xenpt_source *proxy_open(struct xenpt_synth *s, bool copy, struct proxy **ret)
{
	struct proxy *p = calloc(1, sizeof(*p));
	struct xenpt_source *src, *opened = NULL;

	if (!p)
		return NULL;
	p->copy = copy;
	p->inner = source_of(s);
	src = p->inner ? xenpt_source_new(&proxy_ops, p) : NULL;
	if (!src) {
		xenpt_source_close(p->inner);
		free(p);
		return NULL;
	}
	src->caps = xenpt_source_caps(p->inner) & ~(copy ? XENPT_CAP_STABLE : 0u);
	src->info = *xenpt_source_domain(p->inner);
	CHECK_OK(xenpt_source_finish(src, &opened));
	*ret = p;
	return opened;
}

TEST(p2m_requests_are_batched)
{
	struct planted pl;
	struct proxy *p = NULL;
	struct xenpt_source *opened;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_p2m_run r;
	bool done = false;
	unsigned i;

	REQUIRE(plant(&pl));
	opened = proxy_open(pl.s, false, &p);
	REQUIRE(opened);
	/* the P2M with types: 4 P2M and 4 type requests of 1024 */
	REQUIRE_OK(xenpt_p2m_iter_create(opened, 0, UINT64_MAX, XENPT_P2M_TYPES, &it));
	do
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
	while (!done);
	xenpt_p2m_iter_destroy(it);
	CHECK_EQ(p->calls[0], PAGES / 1024);
	CHECK_EQ(p->max_batch[0], 1024);
	CHECK_EQ(p->calls[2], PAGES / 1024);
	CHECK_EQ(p->frames[2], PAGES - 3);   /* INVALID_MFN is XTAB without asking */
	CHECK_EQ(p->max_batch[2], 1024);
	/* the check: never more than 1024 per request, every type asked in one batch */
	memset(p->calls, 0, sizeof(p->calls));
	REQUIRE_OK(xenpt_p2m_check(opened, NULL, &k));
	CHECK_EQ(k->nr_total, 7);
	CHECK_EQ(k->nr_notes_total, 3);
	for (i = 0; i < 3; i++)
		CHECK(p->max_batch[i] <= XENPT_P2M_BATCH);
	CHECK_EQ(p->calls[2], 1);   /* the walk's five failures, asked together */
	/* the P2M is read twice (index, then in PFN order), plus the walk's lookups */
	CHECK(p->calls[0] <= 2 * PAGES / 1024 + 4 + 2);
	xenpt_p2m_check_free(k);
	xenpt_source_close(opened);
	xenpt_synth_destroy(pl.s);
}

/* A copying backend (frame pointers die at the next read, as live): the same findings. */
TEST(p2m_check_copying_source)
{
	struct planted pl;
	struct proxy *p = NULL;
	struct xenpt_source *stable, *copying;
	struct xenpt_p2m_check *a = NULL, *b = NULL;
	size_t i;

	REQUIRE(plant(&pl));
	stable = source_of(pl.s);
	copying = proxy_open(pl.s, true, &p);
	REQUIRE(stable && copying);
	CHECK(!(xenpt_source_caps(copying) & XENPT_CAP_STABLE));
	xenpt_source_cache_set_capacity(copying, 16);   /* evictions during the walk */
	REQUIRE_OK(xenpt_p2m_check(stable, NULL, &a));
	REQUIRE_OK(xenpt_p2m_check(copying, NULL, &b));
	CHECK_EQ(a->nr_total, 7);
	CHECK_EQ(b->nr_total, a->nr_total);
	CHECK_EQ(a->nr_notes_total, 3);
	CHECK_EQ(b->nr_notes_total, a->nr_notes_total);
	REQUIRE(a->nr_notes == b->nr_notes);
	for (i = 0; i < a->nr_notes; i++) {
		CHECK_EQ(b->notes[i].note, a->notes[i].note);
		CHECK_EQ(b->notes[i].mfn, a->notes[i].mfn);
		CHECK_STR_EQ(b->notes[i].where, a->notes[i].where);
	}
	CHECK_EQ(b->frames_checked, a->frames_checked);
	CHECK_EQ(b->tables_checked, a->tables_checked);
	REQUIRE(a->nr_findings == b->nr_findings);
	for (i = 0; i < a->nr_findings; i++) {
		CHECK_EQ(b->findings[i].kind, a->findings[i].kind);
		CHECK_EQ(b->findings[i].mfn, a->findings[i].mfn);
		CHECK_EQ(b->findings[i].pfn, a->findings[i].pfn);
		CHECK_EQ(b->findings[i].va, a->findings[i].va);
		CHECK_STR_EQ(b->findings[i].where, a->findings[i].where);
	}
	xenpt_p2m_check_free(a);
	xenpt_p2m_check_free(b);
	xenpt_source_close(stable);
	xenpt_source_close(copying);
	xenpt_synth_destroy(pl.s);
}

/* ---- the real core ------------------------------------------------------------------------------- */

static const char *core_path(const char *name)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s/fixtures/%s", test_build_dir(), name);
	return buf;
}

TEST(p2m_real_core_equals_xen_mfndump)
{
	FILE *f = fopen(core_path("xenlab-domu.mfndump-p2m.txt"), "r");
	struct xenpt_source *src = NULL;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_run r;
	uint64_t *want = NULL, n = 0, size = 0, next = 0, runs = 0, i;
	char line[256];
	bool done = false;

	if (!f) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)",
			  core_path("xenlab-domu.mfndump-p2m.txt"));
		return;
	}
	want = calloc(0x10000, sizeof(*want));
	REQUIRE(want);
	while (fgets(line, sizeof(line), f)) {
		uint64_t pfn, mfn;
		const char *p = strstr(line, "P2M size: = ");

		if (p)
			size = strtoull(p + 12, NULL, 10);
		if (sscanf(line, " pfn=0x%" SCNx64 " ==> mfn=0x%" SCNx64, &pfn, &mfn) == 2) {
			CHECK_EQ(pfn, n);
			if (pfn < 0x10000)
				want[pfn] = mfn;
			n++;
		}
	}
	fclose(f);
	CHECK_EQ(size, 32768);
	CHECK_EQ(n, 32768);
	REQUIRE_OK(xenpt_source_open_core(core_path("xenlab-domu.core"), &src));
	CHECK_EQ(xenpt_source_domain(src)->p2m_size, n);
	/* raw: entry by entry */
	REQUIRE_OK(xenpt_p2m_iter_create(src, 0, UINT64_MAX, XENPT_P2M_RAW, &it));
	for (;;) {
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK_EQ(r.pfn, next);
		CHECK_EQ(r.count, 1);
		if (r.pfn < n && r.mfn != want[r.pfn]) {
			CHECK_EQ(r.mfn, want[r.pfn]);
			break;
		}
		next++;
	}
	CHECK_EQ(next, n);
	xenpt_p2m_iter_destroy(it);
	/* coalesced: the same entries, 64 runs of 512 (the domain builder's 2 MiB extents) */
	next = 0;
	REQUIRE_OK(xenpt_p2m_iter_create(src, 0, UINT64_MAX, 0, &it));
	for (;;) {
		REQUIRE_OK(xenpt_p2m_iter_next(it, &r, &done));
		if (done)
			break;
		runs++;
		for (i = 0; i < r.count; i++)
			CHECK_EQ(r.mfn + i, want[r.pfn + i]);
		next += r.count;
	}
	CHECK_EQ(next, n);
	CHECK_EQ(runs, 64);
	xenpt_p2m_iter_destroy(it);
	/* no page types in a core */
	CHECK_ERR_MSG(xenpt_p2m_iter_create(src, 0, 1, XENPT_P2M_TYPES, &it), XENPT_ERR_UNSUPPORTED,
		      "page types");
	xenpt_source_close(src);
	free(want);
}

TEST(p2m_real_core_check)
{
	struct xenpt_source *src = NULL;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_m2p_iter *it = NULL;
	struct xenpt_m2p_run r;
	struct xenpt_frame_info fi;
	uint64_t pfn = 0x29e4, frames = 0;
	bool done = false;

	struct xenpt_error *oerr = xenpt_source_open_core(core_path("xenlab-domu.core"), &src);

	if (oerr) {
		test_fail(__FILE__, __LINE__, "fixture: %s (make fixtures)", xenpt_error_message(oerr));
		xenpt_error_destroy(oerr);
		return;
	}
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	CHECK_EQ(k->p2m_size, 0x8000);
	CHECK_EQ(k->p2m_valid, 0x8000);
	CHECK(!k->host_known);
	CHECK(k->walked);
	/* vCPU 0's kernel L4 0x53d9a, its user L4 and shared_info's p2m_cr3 0x54a10 */
	CHECK_EQ(k->roots, 3);
	CHECK_EQ(k->frames_checked, 0x8002);
	/*
	 * What is really there: the two Xen pages a Linux PV guest maps and no P2M
	 * holds: mfn 0x55208 in the fixmap, the domain's shared_info page (xcinfo
	 * shinfo_mfn 0x55208, fixture README), and mfn 0x55200 in vmalloc space,
	 * a grant-table frame Xen allocated next to it.
	 */
	CHECK_EQ(k->nr_total, 0);   /* healthy: no finding */
	CHECK_EQ(k->nr_findings, 0);
	CHECK_EQ(k->nr_notes_total, 2);
	REQUIRE(k->nr_notes == 2);
	CHECK_EQ(k->notes[0].mfn, 0x55200);
	CHECK_EQ(k->notes[0].va, 0xffffc900400c0000ull);
	CHECK_EQ(k->notes[0].note, XENPT_NOTE_NOT_OWNED);
	CHECK_EQ(k->notes[0].count, 1);
	/* the start_info page at pfn 0x4a00 names shared_info 0x55208000 */
	CHECK_EQ(k->notes[1].mfn, 0x55208);
	CHECK_EQ(k->notes[1].note, XENPT_NOTE_SHARED_INFO);
	CHECK_EQ(k->notes[1].va, 0xffffffffff57c000ull);
	CHECK_EQ(k->notes[1].level, 1);
	CHECK_EQ(k->notes[1].m2p_pfn, INV);
	CHECK(has(k->notes[1].where, "start_info page at pfn 0x4a00"));
	CHECK_EQ(k->note_frames[XENPT_NOTE_SHARED_INFO], 1);
	CHECK_EQ(k->note_frames[XENPT_NOTE_NOT_OWNED], 1);
	CHECK_EQ(k->shinfo_max_pfn, 0x8000);   /* fixture README: max_pfn=0x8000 */
	xenpt_p2m_check_free(k);

	/* the core's M2P is its P2M inverted: every frame ok */
	REQUIRE_OK(xenpt_p2m_index_create(src, &idx));
	REQUIRE_OK(xenpt_m2p_iter_create(src, idx, 0, UINT64_MAX, XENPT_M2P_ALL, &it));
	for (;;) {
		REQUIRE_OK(xenpt_m2p_iter_next(it, &r, &done));
		if (done)
			break;
		CHECK_EQ(r.status, XENPT_FS_OK);
		frames += r.count;
	}
	CHECK_EQ(frames, 0x8000);
	xenpt_m2p_iter_destroy(it);
	/* pfn 0x29e4 ==> mfn 0x54de4 (xen-mfndump) */
	REQUIRE_OK(xenpt_p2m_lookup(src, idx, false, &pfn, 1, &fi));
	CHECK_EQ(fi.mfn, 0x54de4);
	CHECK_EQ(fi.status, XENPT_FS_OK);
	CHECK(!fi.typed);
	xenpt_p2m_index_destroy(idx);
	xenpt_source_close(src);
}

/*
 * The test guest's core (tests/fixtures/xenpt-testguest.README): clean, and
 * the one frame it maps without owning it is the shared_info page its
 * console names ("shared_info va=0xffffffff80006000 mfn=0x52410").
 */
TEST(p2m_testguest_core_check)
{
	struct xenpt_source *src = NULL;
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_error *oerr = xenpt_source_open_core(core_path("xenpt-testguest.core"), &src);

	if (oerr) {
		printf("# skipped: %s\n", xenpt_error_message(oerr));
		xenpt_error_destroy(oerr);
		return;
	}
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	CHECK_EQ(k->p2m_size, 0x2000);
	CHECK_EQ(k->p2m_valid, 0x2000);
	CHECK_EQ(k->nr_total, 0);
	CHECK_EQ(k->roots, 1);
	REQUIRE(k->nr_notes == 1);
	CHECK_EQ(k->notes[0].note, XENPT_NOTE_SHARED_INFO);
	CHECK_EQ(k->notes[0].mfn, 0x52410);
	CHECK_EQ(k->notes[0].va, 0xffffffff80006000ull);
	CHECK(!k->notes[0].as_table);
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
}

TEST(p2m_real_pvh_core_is_refused)
{
	struct xenpt_source *src = NULL;
	struct xenpt_p2m_check *k = NULL;

	struct xenpt_error *oerr = xenpt_source_open_core(core_path("xenlab-domu-pvh.core"), &src);

	if (oerr) {
		test_fail(__FILE__, __LINE__, "fixture: %s (make fixtures)", xenpt_error_message(oerr));
		xenpt_error_destroy(oerr);
		return;
	}
	CHECK_ERR_MSG(xenpt_p2m_check(src, NULL, &k), XENPT_ERR_UNSUPPORTED, "HVM/PVH");
	xenpt_source_close(src);
}
