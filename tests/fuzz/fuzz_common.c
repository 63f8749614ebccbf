/* SPDX-License-Identifier: MIT */
/* What both fuzz targets do with an open source (tests/fuzz/fuzz_common.h). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Work bounds per input. */
#define FUZZ_MAX_VCPUS   4u
#define FUZZ_MAX_RANGES  512u
#define FUZZ_MAX_RUNS    1024u
#define FUZZ_MAX_P2M     ((uint64_t)1 << 13)   /* 32 MiB: the smallest Linux layout */

static uint64_t seed_u64(const uint8_t *seed, size_t len, size_t i)
{
	uint64_t v = 0;
	size_t k;

	if (!len)
		return i * 0x1000;
	for (k = 0; k < 8; k++)
		v = v << 8 | seed[(i * 8 + k) % len];
	return v;
}

static void drop(struct xenpt_error *err)
{
	if (err) {
		/* every error has a code and a message */
		FUZZ_ASSERT(xenpt_error_code(err) >= XENPT_ERR_NOMEM);
		FUZZ_ASSERT(xenpt_error_message(err) != NULL);
		xenpt_error_destroy(err);
	}
}

static void exercise_aspace(struct xenpt_source *src, const struct xenpt_aspace *as,
			    const uint8_t *seed, size_t seed_len)
{
	static const uint64_t vas[] = {
		0x0, 0x400000, 0x1a00010, 0x7ffffffff000, 0xffff800000000000,
		0xffff888000000000, 0xffffc90000000000, 0xffffffff81000000, 0xfffffffffffff000,
	};
	struct xenpt_walk *w = malloc(sizeof(*w));
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_pt_range r;
	struct xenpt_xlate x;
	uint8_t buf[64];
	bool done = false;
	unsigned i, n = 0;

	if (!w)
		return;
	for (i = 0; i < sizeof(vas) / sizeof(vas[0]) + 2; i++) {
		uint64_t va = i < sizeof(vas) / sizeof(vas[0]) ? vas[i] : seed_u64(seed, seed_len, i);
		struct xenpt_error *err = xenpt_walk_va(src, as, xenpt_va(va), w);

		if (!err) {
			FUZZ_ASSERT(w->nsteps <= 5);
			if (w->end == XENPT_WALK_MAPPED)
				FUZZ_ASSERT(w->page_size >= 4096);
		}
		drop(err);
		drop(xenpt_translate(src, NULL, as, xenpt_va(va), &x));
		drop(xenpt_read_va(src, NULL, as, xenpt_va(va), buf, sizeof(buf)));
	}
	free(w);
	drop(xenpt_pt_iter_create(src, as, 0, UINT64_MAX, &it));
	if (!it)
		return;
	while (n++ < FUZZ_MAX_RANGES) {
		struct xenpt_error *err = xenpt_pt_iter_next(it, &r, &done);

		if (err) {
			drop(err);
			break;
		}
		if (done)
			break;
		FUZZ_ASSERT(r.start <= r.end);
	}
	xenpt_pt_iter_destroy(it);
}

static void exercise_p2m(struct xenpt_source *src, const uint8_t *seed, size_t seed_len)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	unsigned caps = xenpt_source_caps(src);
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_p2m_iter *pit = NULL;
	struct xenpt_m2p_iter *mit = NULL;
	struct xenpt_p2m_check *chk = NULL;
	struct xenpt_p2m_check_opts opts = { .max_findings = 64, .max_ranges = 1024 };
	struct xenpt_frame_info fi[8];
	struct xenpt_error *err;
	uint64_t frames[8];
	unsigned i, n;
	bool done;

	if (info->hvm || !(caps & XENPT_CAP_P2M) || !(caps & XENPT_CAP_M2P) ||
	    info->p2m_size > FUZZ_MAX_P2M)
		return;
	for (i = 0; i < 8; i++)
		frames[i] = i < 4 ? i : seed_u64(seed, seed_len, i) % (info->p2m_size + 4);
	err = xenpt_p2m_lookup(src, NULL, false, frames, 8, fi);
	for (i = 0; i < 8 && !err; i++) {
		FUZZ_ASSERT(fi[i].pfn == frames[i] && !fi[i].by_mfn);
		/* OK means both tables agree on the pair */
		if (fi[i].status == XENPT_FS_OK)
			FUZZ_ASSERT(fi[i].m2p_pfn == fi[i].pfn && fi[i].m2p_p2m_mfn == fi[i].mfn);
	}
	drop(err);

	drop(xenpt_p2m_iter_create(src, 0, UINT64_MAX,
				   (caps & XENPT_CAP_PAGE_TYPES) ? XENPT_P2M_TYPES : 0, &pit));
	if (pit) {
		struct xenpt_p2m_run r;
		uint64_t next = 0;

		for (n = 0; n < FUZZ_MAX_RUNS; n++) {
			err = xenpt_p2m_iter_next(pit, &r, &done);

			if (err) {
				drop(err);
				break;
			}
			if (done)
				break;
			/* runs tile the P2M in order */
			FUZZ_ASSERT(r.pfn == next && r.count > 0);
			next = r.pfn + r.count;
		}
		xenpt_p2m_iter_destroy(pit);
	}

	drop(xenpt_p2m_index_create(src, &idx));
	if (idx) {
		struct xenpt_m2p_run r;
		uint64_t last = 0;

		FUZZ_ASSERT(xenpt_p2m_index_valid(idx) <= xenpt_p2m_index_size(idx));
		for (i = 0; i < 8; i++)
			frames[i] = i < 2 ? xenpt_p2m_index_max_mfn(idx) - i
				  : seed_u64(seed, seed_len, i + 8);
		err = xenpt_p2m_lookup(src, idx, true, frames, 8, fi);
		for (i = 0; i < 8 && !err; i++) {
			FUZZ_ASSERT(fi[i].mfn == frames[i] && fi[i].by_mfn);
			/* the domain's frames are never "free" or "other" */
			if (fi[i].nr_pfns)
				FUZZ_ASSERT(fi[i].status != XENPT_FS_FREE &&
					    fi[i].status != XENPT_FS_OTHER);
		}
		drop(err);
		drop(xenpt_m2p_iter_create(src, idx, 0, UINT64_MAX, XENPT_M2P_ALL, &mit));
		for (n = 0; mit && n < FUZZ_MAX_RUNS; n++) {
			err = xenpt_m2p_iter_next(mit, &r, &done);

			if (err) {
				drop(err);
				break;
			}
			if (done)
				break;
			/* MFNs only grow */
			FUZZ_ASSERT(r.count > 0 && (n == 0 || r.mfn >= last));
			last = r.mfn + r.count;
		}
		xenpt_m2p_iter_destroy(mit);
		xenpt_p2m_index_destroy(idx);
	}

	drop(xenpt_p2m_check(src, &opts, &chk));
	if (chk) {
		uint64_t total = 0;
		unsigned k;

		FUZZ_ASSERT(chk->nr_findings <= 64 && chk->nr_findings <= chk->nr_total);
		for (k = 0; k < XENPT_FIND_COUNT; k++)
			total += chk->counts[k];
		FUZZ_ASSERT(total == chk->nr_total);
		xenpt_p2m_check_free(chk);
	}
}

void fuzz_exercise_source(struct xenpt_source *src, const uint8_t *seed, size_t seed_len)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	unsigned caps = xenpt_source_caps(src);
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_shared_info si;
	struct xenpt_error *err;
	uint64_t frames[8], out[8];
	const uint8_t *pages[8];
	int errs[8];
	uint32_t i;

	FUZZ_ASSERT(xenpt_source_describe(src) != NULL);
	if (!v)
		return;
	for (i = 0; i < info->nr_vcpus && i < FUZZ_MAX_VCPUS; i++)
		drop(xenpt_source_vcpu(src, i, v));
	free(v);
	drop(xenpt_source_shared_info(src, &si));

	for (i = 0; i < 8; i++)
		frames[i] = i < 4 ? i : seed_u64(seed, seed_len, i);
	if (caps & XENPT_CAP_P2M)
		drop(xenpt_source_p2m(src, (const xenpt_gfn_t *)frames, 8, (xenpt_mfn_t *)out));
	if (caps & XENPT_CAP_M2P)
		drop(xenpt_source_m2p(src, (const xenpt_mfn_t *)out, 8, (xenpt_gfn_t *)frames));
	for (i = 0; i < 8; i++)
		frames[i] = i < 4 ? i : seed_u64(seed, seed_len, i + 16);
	err = xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 8, pages, errs);
	for (i = 0; i < 8 && !err; i++)
		FUZZ_ASSERT(pages[i] ? errs[i] == 0 : errs[i] > 0);
	drop(err);
	if (caps & XENPT_CAP_MFN_FRAMES)
		drop(xenpt_source_get_frames(src, XENPT_SPACE_MFN, out, 8, pages, errs));
	if (caps & XENPT_CAP_PAGE_TYPES) {
		xenpt_page_type_t t[8];

		drop(xenpt_source_page_types(src, XENPT_SPACE_MFN, out, 8, t));
	}

	for (i = 0; i < info->nr_vcpus && i < 2; i++) {
		struct xenpt_aspace as;
		int user;

		for (user = 0; user < 2; user++) {
			err = xenpt_aspace_from_vcpu(src, i, user, &as);

			if (err) {
				drop(err);
				continue;
			}
			exercise_aspace(src, &as, seed, seed_len);
		}
	}
	exercise_p2m(src, seed, seed_len);
}
