/* SPDX-License-Identifier: MIT */
/*
 * The P2M and the M2P of a 64-bit PV domain: runs, lookups, the reverse
 * index and the consistency check (include/xenpt/p2m.h).
 *
 * References (read, not copied):
 *  - tools/misc/xen-mfndump.c: dump-p2m prints pfn, mfn and the type word
 *    of xc_map_domain_meminfo() per PFN; dump-m2p prints M2P[mfn] for every
 *    MFN below xc_maximum_ram_page() (in Xen 4.17 it never gets there: a
 *    stray ';' after the `if` makes it fail before the loop).
 *  - tools/libs/guest/xg_sr_common_x86_pv.c: mfn_in_pseudophysmap(), the
 *    "M2P points back" rule (mfn <= max_mfn, M2P[mfn] <= max_pfn,
 *    P2M[M2P[mfn]] == mfn) used before trusting an MFN found in a page table.
 *  - xen/include/public/domctl.h XEN_DOMCTL_PFINFO_*: the type words,
 *    at most 1024 frames per getpageframeinfo3 call.
 *
 * Every table access is batched by XENPT_P2M_BATCH.  Nothing here trusts
 * the sizes a source reports: loops are bounded by counts, never by
 * "frame + 1" arithmetic that could wrap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>
#include <xenpt/walk.h>

#include "internal.h"
#include "xen/pv.h"

#define INV XENPT_INVALID_FRAME
#define BATCH XENPT_P2M_BATCH

/* 2^40 frames: 52-bit machine addresses. */
#define ARCH_MAX_FRAMES ((uint64_t)1 << 40)
/* The most P2M entries scanned (16 TiB of guest memory). */
#define P2M_MAX_SCAN ((uint64_t)1 << 32)
#define CHECK_DEFAULT_MAX_FINDINGS 10000u
/* Ranges the walk may visit: hostile tables that share subtrees can name 2^36 of them. */
#define CHECK_DEFAULT_MAX_RANGES ((uint64_t)1 << 30)

/* ---- names ------------------------------------------------------------------ */

XENPT_PUBLIC const char *xenpt_frame_status_name(enum xenpt_frame_status s)
{
	static const char *const names[] = {
		[XENPT_FS_OK] = "ok",
		[XENPT_FS_HOLE] = "hole",
		[XENPT_FS_BEYOND_P2M] = "beyond_p2m",
		[XENPT_FS_BEYOND_HOST] = "beyond_host",
		[XENPT_FS_M2P_INVALID] = "m2p_invalid",
		[XENPT_FS_MISMATCH] = "mismatch",
		[XENPT_FS_DUPLICATE] = "duplicate",
		[XENPT_FS_FREE] = "free",
		[XENPT_FS_OTHER] = "other",
	};

	if ((unsigned)s < XENPT_ARRAY_SIZE(names))
		return names[s];
	return "unknown";
}

XENPT_PUBLIC bool xenpt_frame_status_bad(enum xenpt_frame_status s)
{
	switch (s) {
	case XENPT_FS_HOLE:
	case XENPT_FS_BEYOND_HOST:
	case XENPT_FS_M2P_INVALID:
	case XENPT_FS_MISMATCH:
	case XENPT_FS_DUPLICATE:
		return true;
	default:
		return false;
	}
}

XENPT_PUBLIC const char *xenpt_p2m_finding_name(enum xenpt_p2m_finding_kind kind)
{
	static const char *const names[] = {
		[XENPT_FIND_M2P_MISMATCH] = "m2p_mismatch",
		[XENPT_FIND_P2M_HOLE] = "p2m_hole",
		[XENPT_FIND_DUPLICATE_MFN] = "duplicate_mfn",
		[XENPT_FIND_MFN_BEYOND_HOST] = "mfn_beyond_host",
		[XENPT_FIND_MAPPED_NOT_IN_P2M] = "mapped_not_in_p2m",
	};

	if ((unsigned)kind < XENPT_ARRAY_SIZE(names))
		return names[kind];
	return "unknown";
}

/* ---- helpers ------------------------------------------------------------------ */

XENPT_PUBLIC uint64_t xenpt_p2m_host_frames(const struct xenpt_source *src, bool *known_ret)
{
	uint64_t max = xenpt_source_domain(src)->max_mfn;
	bool known = max != 0 && max <= ARCH_MAX_FRAMES;

	if (known_ret)
		*known_ret = known;
	return known ? max : ARCH_MAX_FRAMES;
}

/*
 * The source must be a PV domain with a P2M (and, if @m2p, an M2P).  HVM
 * gets a sentence on why: its P2M is Xen's (EPT/NPT), not the guest's.
 */
static struct xenpt_error *need_tables(struct xenpt_source *src, bool m2p, const char *what)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	unsigned caps = xenpt_source_caps(src);

	if (info->hvm)
		return xenpt_error_hint(
			xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					   "%s: %s: an HVM/PVH domain has no guest P2M (its P2M is Xen's, EPT/NPT, which dom0 cannot read)",
					   xenpt_source_describe(src), what),
			"'xenpt walk' shows its guest-physical (GFN) translations");
	if (!(caps & XENPT_CAP_P2M))
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: %s: the source has no P2M",
					  xenpt_source_describe(src), what);
	if (m2p && !(caps & XENPT_CAP_M2P))
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: %s: the source has no M2P",
					  xenpt_source_describe(src), what);
	return NULL;
}

static struct xenpt_error *p2m_size_of(struct xenpt_source *src, uint64_t *ret)
{
	uint64_t n = xenpt_source_domain(src)->p2m_size;

	if (n > P2M_MAX_SCAN)
		return xenpt_error_create(XENPT_ERR_BAD_DATA,
					  "%s: a P2M of 0x%" PRIx64 " entries is more than xenpt scans (0x%" PRIx64 ")",
					  xenpt_source_describe(src), n, P2M_MAX_SCAN);
	*ret = n;
	return NULL;
}

static struct xenpt_error *nomem(void)
{
	return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
}

/* P2M of @n PFNs (some may be INVALID: they stay INVALID, not asked). */
static struct xenpt_error *p2m_batch(struct xenpt_source *src, const uint64_t *pfns, size_t n,
				     uint64_t *mfns)
{
	_Static_assert(sizeof(xenpt_gfn_t) == sizeof(uint64_t), "typed frames are plain u64s");
	return xenpt_source_p2m(src, (const xenpt_gfn_t *)pfns, n, (xenpt_mfn_t *)mfns);
}

static struct xenpt_error *m2p_batch(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				     uint64_t *pfns)
{
	return xenpt_source_m2p(src, (const xenpt_mfn_t *)mfns, n, (xenpt_gfn_t *)pfns);
}

/* Page types of @n MFNs in batches; INVALID MFNs are XTAB without asking. */
static struct xenpt_error *types_batch(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				       xenpt_page_type_t *types)
{
	uint64_t ask[BATCH];
	size_t pos[BATCH];
	xenpt_page_type_t got[BATCH];
	size_t done = 0;

	while (done < n) {
		size_t k = 0, i;
		struct xenpt_error *err;

		for (; done < n && k < BATCH; done++) {
			types[done] = XENPT_PT_XTAB;
			if (mfns[done] == INV)
				continue;
			ask[k] = mfns[done];
			pos[k++] = done;
		}
		if (!k)
			continue;
		err = xenpt_source_page_types(src, XENPT_SPACE_MFN, ask, k, got);
		if (err)
			return err;
		for (i = 0; i < k; i++)
			types[pos[i]] = got[i];
	}
	return NULL;
}

/* ---- the reverse index ----------------------------------------------------------- */

struct p2m_pair {
	uint64_t mfn, pfn;
};

struct xenpt_p2m_index {
	uint64_t size;            /* P2M entries read */
	size_t n;                 /* valid pairs */
	size_t distinct;          /* distinct MFNs among them */
	struct p2m_pair *pairs;   /* sorted by (mfn, pfn) */
};

static int pair_cmp(const void *a, const void *b)
{
	const struct p2m_pair *x = a, *y = b;

	if (x->mfn != y->mfn)
		return x->mfn < y->mfn ? -1 : 1;
	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return 0;
}

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_index_create(struct xenpt_source *src,
							struct xenpt_p2m_index **ret)
{
	struct xenpt_p2m_index *idx;
	struct xenpt_error *err;
	uint64_t pfns[BATCH], mfns[BATCH], size = 0, pfn;
	size_t cap = 0;
	bool sorted = true;

	err = need_tables(src, false, "the P2M");
	if (!err)
		err = p2m_size_of(src, &size);
	if (err)
		return err;
	idx = calloc(1, sizeof(*idx));
	if (!idx)
		return nomem();
	idx->size = size;
	for (pfn = 0; pfn < size;) {
		size_t k = size - pfn < BATCH ? (size_t)(size - pfn) : BATCH, i;

		for (i = 0; i < k; i++)
			pfns[i] = pfn + i;
		err = p2m_batch(src, pfns, k, mfns);
		if (err)
			goto fail;
		for (i = 0; i < k; i++) {
			if (mfns[i] == INV)
				continue;
			if (idx->n == cap) {
				size_t ncap = cap ? cap * 2 : 4096;
				struct p2m_pair *p = realloc(idx->pairs, ncap * sizeof(*p));

				if (!p) {
					err = nomem();
					goto fail;
				}
				idx->pairs = p;
				cap = ncap;
			}
			if (idx->n && mfns[i] < idx->pairs[idx->n - 1].mfn)
				sorted = false;
			idx->pairs[idx->n].mfn = mfns[i];
			idx->pairs[idx->n++].pfn = pfns[i];
		}
		pfn += k;
	}
	/* PFNs were added in order, so an already sorted MFN column is sorted by (mfn, pfn). */
	if (!sorted)
		qsort(idx->pairs, idx->n, sizeof(*idx->pairs), pair_cmp);
	for (size_t i = 0; i < idx->n; i++)
		idx->distinct += !i || idx->pairs[i].mfn != idx->pairs[i - 1].mfn;
	*ret = idx;
	return NULL;
fail:
	xenpt_p2m_index_destroy(idx);
	return xenpt_error_prefix(err, "reading the P2M");
}

XENPT_PUBLIC void xenpt_p2m_index_destroy(struct xenpt_p2m_index *idx)
{
	if (!idx)
		return;
	free(idx->pairs);
	free(idx);
}

XENPT_PUBLIC uint64_t xenpt_p2m_index_size(const struct xenpt_p2m_index *idx)
{
	return idx->size;
}

XENPT_PUBLIC uint64_t xenpt_p2m_index_valid(const struct xenpt_p2m_index *idx)
{
	return idx->n;
}

XENPT_PUBLIC uint64_t xenpt_p2m_index_distinct(const struct xenpt_p2m_index *idx)
{
	return idx->distinct;
}

XENPT_PUBLIC uint64_t xenpt_p2m_index_min_mfn(const struct xenpt_p2m_index *idx)
{
	return idx->n ? idx->pairs[0].mfn : INV;
}

XENPT_PUBLIC uint64_t xenpt_p2m_index_max_mfn(const struct xenpt_p2m_index *idx)
{
	return idx->n ? idx->pairs[idx->n - 1].mfn : INV;
}

/* First position whose MFN is >= @mfn. */
static size_t index_lower(const struct xenpt_p2m_index *idx, uint64_t mfn)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (idx->pairs[mid].mfn < mfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

XENPT_PUBLIC size_t xenpt_p2m_index_find(const struct xenpt_p2m_index *idx, xenpt_mfn_t mfn,
					 xenpt_gfn_t *first_pfn_ret)
{
	uint64_t m = xenpt_mfn_x(mfn);
	size_t i = index_lower(idx, m), n = 0;

	if (first_pfn_ret)
		*first_pfn_ret = XENPT_INVALID_GFN;
	if (i < idx->n && idx->pairs[i].mfn == m && first_pfn_ret)
		*first_pfn_ret = xenpt_gfn(idx->pairs[i].pfn);
	while (i + n < idx->n && idx->pairs[i + n].mfn == m)
		n++;
	return n;
}

/* ---- lookups ----------------------------------------------------------------------- */

/*
 * Status of one (pfn, mfn) pair given M2P[mfn] (@m2p) and P2M[M2P[mfn]]
 * (@back); @domain: a P2M entry names @mfn.
 */
static enum xenpt_frame_status pair_status(uint64_t pfn, uint64_t mfn, uint64_t m2p,
					   uint64_t back, bool domain, uint64_t host)
{
	if (mfn >= host)
		return XENPT_FS_BEYOND_HOST;
	if (m2p == INV)
		return domain ? XENPT_FS_M2P_INVALID : XENPT_FS_FREE;
	if (back == mfn)
		return pfn == INV || m2p == pfn ? XENPT_FS_OK : XENPT_FS_DUPLICATE;
	return domain ? XENPT_FS_MISMATCH : XENPT_FS_OTHER;
}

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_lookup(struct xenpt_source *src,
						  const struct xenpt_p2m_index *idx, bool by_mfn,
						  const uint64_t *frames, size_t n,
						  struct xenpt_frame_info *ret)
{
	uint64_t a[BATCH], b[BATCH], c[BATCH], size = 0, host;
	xenpt_page_type_t types[BATCH];
	bool typed = xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES;
	struct xenpt_error *err;
	size_t done, i;

	err = need_tables(src, true, by_mfn ? "M2P lookup" : "P2M lookup");
	if (!err)
		err = p2m_size_of(src, &size);
	if (err)
		return err;
	if (by_mfn && !idx)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: an MFN lookup needs the P2M index",
					  xenpt_source_describe(src));
	host = xenpt_p2m_host_frames(src, NULL);
	for (done = 0; done < n; done += BATCH) {
		size_t k = n - done < BATCH ? n - done : BATCH;
		const uint64_t *f = frames + done;
		struct xenpt_frame_info *r = ret + done;

		/* a = MFNs */
		if (by_mfn) {
			memcpy(a, f, k * sizeof(*a));
		} else {
			for (i = 0; i < k; i++)
				b[i] = f[i] < size ? f[i] : INV;
			err = p2m_batch(src, b, k, a);
			if (err)
				return err;
			for (i = 0; i < k; i++)
				if (b[i] == INV)
					a[i] = INV;
		}
		/* b = M2P[a], c = P2M[b] */
		err = m2p_batch(src, a, k, b);
		if (!err) {
			for (i = 0; i < k; i++)
				if (a[i] == INV)
					b[i] = INV;
			err = p2m_batch(src, b, k, c);
		}
		if (!err && typed)
			err = types_batch(src, a, k, types);
		if (err)
			return err;
		for (i = 0; i < k; i++) {
			struct xenpt_frame_info *x = &r[i];
			xenpt_gfn_t first = XENPT_INVALID_GFN;
			uint64_t m2p = b[i], back = b[i] == INV ? INV : c[i];

			memset(x, 0, sizeof(*x));
			x->by_mfn = by_mfn;
			x->mfn = a[i];
			x->m2p_pfn = m2p;
			x->m2p_p2m_mfn = back;
			x->typed = typed;
			x->type = typed ? types[i] : XENPT_PT_NONE;
			if (idx && a[i] != INV)
				x->nr_pfns = xenpt_p2m_index_find(idx, xenpt_mfn(a[i]), &first);
			if (by_mfn) {
				x->pfn = x->nr_pfns ? xenpt_gfn_x(first) : m2p;
				x->status = pair_status(INV, a[i], m2p, back, x->nr_pfns > 0, host);
				if (x->status == XENPT_FS_OK && x->nr_pfns)
					x->pfn = m2p;
				continue;
			}
			x->pfn = f[i];
			if (f[i] >= size)
				x->status = XENPT_FS_BEYOND_P2M;
			else if (a[i] == INV)
				x->status = XENPT_FS_HOLE;
			else
				x->status = pair_status(f[i], a[i], m2p, back, true, host);
		}
	}
	return NULL;
}

/* ---- P2M runs ------------------------------------------------------------------------ */

struct xenpt_p2m_iter {
	struct xenpt_source *src;
	unsigned flags;
	uint64_t next_pfn;        /* next PFN to fetch */
	uint64_t left;            /* PFNs still to fetch */
	uint64_t mfns[BATCH];
	xenpt_page_type_t types[BATCH];
	size_t pos, n;            /* buffered entries: pfn = buf_pfn + pos */
	uint64_t buf_pfn;
	struct xenpt_p2m_run cur;
	bool have_cur, done;
};

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_iter_create(struct xenpt_source *src,
						       uint64_t first_pfn, uint64_t last_pfn,
						       unsigned flags, struct xenpt_p2m_iter **ret)
{
	struct xenpt_p2m_iter *it;
	struct xenpt_error *err;
	uint64_t size = 0;

	err = need_tables(src, false, "the P2M");
	if (!err)
		err = p2m_size_of(src, &size);
	if (err)
		return err;
	if ((flags & XENPT_P2M_TYPES) && !(xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES))
		return xenpt_source_page_types(src, XENPT_SPACE_MFN, NULL, 0, NULL);
	if (first_pfn > last_pfn || first_pfn >= size)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: pfn 0x%" PRIx64 "-0x%" PRIx64 " is outside the P2M (pfn 0x0-0x%" PRIx64 ", 0x%" PRIx64 " entries)",
					  xenpt_source_describe(src), first_pfn, last_pfn,
					  size ? size - 1 : 0, size);
	if (last_pfn >= size)
		last_pfn = size - 1;
	it = calloc(1, sizeof(*it));
	if (!it)
		return nomem();
	it->src = src;
	it->flags = flags;
	it->next_pfn = first_pfn;
	it->left = last_pfn - first_pfn + 1;
	*ret = it;
	return NULL;
}

XENPT_PUBLIC void xenpt_p2m_iter_destroy(struct xenpt_p2m_iter *it)
{
	free(it);
}

static struct xenpt_error *p2m_iter_fill(struct xenpt_p2m_iter *it)
{
	uint64_t pfns[BATCH];
	size_t k = it->left < BATCH ? (size_t)it->left : BATCH, i;
	struct xenpt_error *err;

	for (i = 0; i < k; i++)
		pfns[i] = it->next_pfn + i;
	err = p2m_batch(it->src, pfns, k, it->mfns);
	if (!err && (it->flags & XENPT_P2M_TYPES))
		err = types_batch(it->src, it->mfns, k, it->types);
	if (err)
		return err;
	it->buf_pfn = it->next_pfn;
	it->pos = 0;
	it->n = k;
	it->next_pfn += k;
	it->left -= k;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_iter_next(struct xenpt_p2m_iter *it,
						     struct xenpt_p2m_run *ret, bool *done_ret)
{
	bool typed = it->flags & XENPT_P2M_TYPES;

	*done_ret = false;
	while (!it->done) {
		struct xenpt_p2m_run r;

		if (it->pos == it->n) {
			struct xenpt_error *err;

			if (!it->left) {
				it->done = true;
				break;
			}
			err = p2m_iter_fill(it);
			if (err)
				return err;
		}
		r.pfn = it->buf_pfn + it->pos;
		r.mfn = it->mfns[it->pos];
		r.count = 1;
		r.typed = typed;
		r.type = typed ? (r.mfn == INV ? XENPT_PT_XTAB : it->types[it->pos])
			       : XENPT_PT_NONE;
		it->pos++;
		if (it->have_cur && !(it->flags & XENPT_P2M_RAW) && r.type == it->cur.type &&
		    (it->cur.mfn == INV ? r.mfn == INV
					: r.mfn != INV && r.mfn - it->cur.mfn == it->cur.count)) {
			it->cur.count++;
			continue;
		}
		if (it->have_cur) {
			*ret = it->cur;
			it->cur = r;
			return NULL;
		}
		it->cur = r;
		it->have_cur = true;
	}
	if (it->have_cur) {
		*ret = it->cur;
		it->have_cur = false;
		return NULL;
	}
	*done_ret = true;
	return NULL;
}

/* ---- M2P runs -------------------------------------------------------------------------- */

struct xenpt_m2p_iter {
	struct xenpt_source *src;
	const struct xenpt_p2m_index *idx;
	unsigned flags;
	uint64_t host;
	bool all;
	/* ALL: MFNs next_mfn.. (left of them); domain: index positions ipos..iend */
	uint64_t next_mfn, left;
	size_t ipos, iend;
	/* the batch */
	uint64_t mfns[BATCH], m2p[BATCH], back[BATCH], dom_pfn[BATCH];
	size_t pos, n;
	struct xenpt_m2p_run cur;
	bool have_cur, done;
};

XENPT_PUBLIC struct xenpt_error *xenpt_m2p_iter_create(struct xenpt_source *src,
						       const struct xenpt_p2m_index *idx,
						       uint64_t first_mfn, uint64_t last_mfn,
						       unsigned flags, struct xenpt_m2p_iter **ret)
{
	struct xenpt_m2p_iter *it;
	struct xenpt_error *err;
	bool known;
	uint64_t host;

	err = need_tables(src, true, "the M2P");
	if (err)
		return err;
	if (!idx)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: the M2P view needs the P2M index",
					  xenpt_source_describe(src));
	if (first_mfn > last_mfn)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: empty MFN range 0x%" PRIx64 "-0x%" PRIx64,
					  xenpt_source_describe(src), first_mfn, last_mfn);
	host = xenpt_p2m_host_frames(src, &known);
	it = calloc(1, sizeof(*it));
	if (!it)
		return nomem();
	it->src = src;
	it->idx = idx;
	it->flags = flags;
	it->host = host;
	/* A source that knows no host (a core file) knows only the domain's frames. */
	it->all = (flags & XENPT_M2P_ALL) && known;
	if (it->all) {
		if (first_mfn >= host) {
			it->left = 0;
		} else {
			it->next_mfn = first_mfn;
			it->left = (last_mfn < host ? last_mfn : host - 1) - first_mfn + 1;
		}
	} else {
		it->ipos = index_lower(idx, first_mfn);
		it->iend = last_mfn == INV ? idx->n : index_lower(idx, last_mfn + 1);
	}
	*ret = it;
	return NULL;
}

XENPT_PUBLIC void xenpt_m2p_iter_destroy(struct xenpt_m2p_iter *it)
{
	free(it);
}

static struct xenpt_error *m2p_iter_fill(struct xenpt_m2p_iter *it)
{
	const struct xenpt_p2m_index *idx = it->idx;
	struct xenpt_error *err;
	size_t k = 0, i;

	if (it->all) {
		size_t p;

		k = it->left < BATCH ? (size_t)it->left : BATCH;
		for (i = 0; i < k; i++)
			it->mfns[i] = it->next_mfn + i;
		/* the domain's PFN of each: walk the index alongside */
		p = index_lower(idx, it->next_mfn);
		for (i = 0; i < k; i++) {
			while (p < idx->n && idx->pairs[p].mfn < it->mfns[i])
				p++;
			it->dom_pfn[i] = p < idx->n && idx->pairs[p].mfn == it->mfns[i]
					 ? idx->pairs[p].pfn : INV;
		}
		it->next_mfn += k;
		it->left -= k;
	} else {
		/* the domain's MFNs, each once (the lowest PFN of a shared frame) */
		while (k < BATCH && it->ipos < it->iend) {
			uint64_t m = idx->pairs[it->ipos].mfn;

			it->mfns[k] = m;
			it->dom_pfn[k++] = idx->pairs[it->ipos].pfn;
			while (it->ipos < it->iend && idx->pairs[it->ipos].mfn == m)
				it->ipos++;
		}
	}
	err = m2p_batch(it->src, it->mfns, k, it->m2p);
	if (!err)
		err = p2m_batch(it->src, it->m2p, k, it->back);
	if (err)
		return err;
	for (i = 0; i < k; i++)
		if (it->m2p[i] == INV)
			it->back[i] = INV;
	it->pos = 0;
	it->n = k;
	return NULL;
}

static bool m2p_coalesces(enum xenpt_frame_status s)
{
	return s == XENPT_FS_OK || s == XENPT_FS_FREE || s == XENPT_FS_OTHER;
}

XENPT_PUBLIC struct xenpt_error *xenpt_m2p_iter_next(struct xenpt_m2p_iter *it,
						     struct xenpt_m2p_run *ret, bool *done_ret)
{
	*done_ret = false;
	while (!it->done) {
		struct xenpt_m2p_run r;
		size_t p;

		if (it->pos == it->n) {
			struct xenpt_error *err;

			if (it->all ? !it->left : it->ipos >= it->iend) {
				it->done = true;
				break;
			}
			err = m2p_iter_fill(it);
			if (err)
				return err;
			if (!it->n) {
				it->done = true;
				break;
			}
		}
		p = it->pos++;
		r.mfn = it->mfns[p];
		r.pfn = it->m2p[p];
		r.count = 1;
		r.domain = it->dom_pfn[p] != INV;
		r.p2m_pfn = it->dom_pfn[p];
		r.m2p_p2m_mfn = it->back[p];
		r.status = pair_status(INV, r.mfn, r.pfn, r.m2p_p2m_mfn, r.domain, it->host);
		if (it->have_cur && !(it->flags & XENPT_P2M_RAW) && m2p_coalesces(r.status) &&
		    r.status == it->cur.status && r.domain == it->cur.domain &&
		    r.mfn - it->cur.mfn == it->cur.count &&
		    (it->cur.pfn == INV ? r.pfn == INV
					: r.pfn != INV && r.pfn - it->cur.pfn == it->cur.count)) {
			it->cur.count++;
			continue;
		}
		if (it->have_cur) {
			*ret = it->cur;
			it->cur = r;
			return NULL;
		}
		it->cur = r;
		it->have_cur = true;
	}
	if (it->have_cur) {
		*ret = it->cur;
		it->have_cur = false;
		return NULL;
	}
	*done_ret = true;
	return NULL;
}

/* ---- the check ----------------------------------------------------------------------------- */

/* An open-addressing set of MFNs (the frames the page tables use, checked once). */
struct mfn_set {
	uint64_t *slots;         /* INV = empty */
	size_t cap, n;
};

static inline size_t mfn_hash(uint64_t mfn, size_t cap)
{
	mfn *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(mfn >> 20) & (cap - 1);
}

/* Insert; true if it was new.  *oom on allocation failure. */
static bool mfn_set_add(struct mfn_set *s, uint64_t mfn, bool *oom)
{
	size_t i;

	if ((s->n + 1) * 4 > s->cap * 3) {
		size_t ncap = s->cap ? s->cap * 2 : 4096, j;
		uint64_t *ns = malloc(ncap * sizeof(*ns));

		if (!ns) {
			*oom = true;
			return false;
		}
		for (j = 0; j < ncap; j++)
			ns[j] = INV;
		for (j = 0; j < s->cap; j++) {
			uint64_t m = s->slots[j];
			size_t h;

			if (m == INV)
				continue;
			for (h = mfn_hash(m, ncap); ns[h] != INV; h = (h + 1) & (ncap - 1))
				;
			ns[h] = m;
		}
		free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	for (i = mfn_hash(mfn, s->cap); s->slots[i] != INV; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == mfn)
			return false;
	s->slots[i] = mfn;
	s->n++;
	return true;
}

/* A frame the page tables use, waiting for its batched M2P/P2M check. */
struct used_frame {
	uint64_t mfn, va, table;
	unsigned level, index;
	bool as_table;
};

struct checker {
	struct xenpt_source *src;
	struct xenpt_p2m_check *chk;
	size_t max_findings;
	uint64_t size, host;
	bool typed;
	/* the walk */
	uint64_t max_ranges;
	struct mfn_set seen;               /* frames checked */
	struct mfn_set subtrees;           /* L3 tables named by an L4 slot already walked */
	struct used_frame pend[BATCH];
	size_t npend;
	uint64_t root;
	char root_desc[64];
	/* the last mapped_not_in_p2m finding, to extend with the next frame of a large leaf */
	bool have_last;
	uint64_t last_mfn_end, last_table, last_va_end;
	unsigned last_level, last_index, last_class;
	struct xenpt_p2m_finding *last;
	size_t cap;                        /* of chk->findings */
	struct xenpt_p2m_finding sink;     /* findings beyond max_findings land here */
};

static struct xenpt_p2m_finding *add_finding(struct checker *c, enum xenpt_p2m_finding_kind kind,
					     uint64_t pfn, uint64_t mfn, uint64_t count,
					     struct xenpt_error **err)
{
	struct xenpt_p2m_check *chk = c->chk;
	struct xenpt_p2m_finding *f = &c->sink;   /* counted, not kept */

	chk->nr_total++;
	chk->counts[kind]++;
	chk->frames[kind] += count;
	if (chk->nr_findings < c->max_findings) {
		if (chk->nr_findings == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 16;
			struct xenpt_p2m_finding *nf = realloc(chk->findings, ncap * sizeof(*nf));

			if (nf) {
				chk->findings = nf;
				c->cap = ncap;
			} else if (!*err) {
				*err = nomem();
			}
		}
		if (chk->nr_findings < c->cap)
			f = &chk->findings[chk->nr_findings++];
	}
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->pfn = pfn;
	f->mfn = mfn;
	f->count = count;
	f->m2p_pfn = INV;
	f->other = INV;
	f->va = INV;
	f->root = INV;
	f->table = INV;
	return f;
}

/*
 * Pass 1: the P2M in PFN order: holes, MFNs beyond the host, and M2P
 * entries that do not point back.  Fills the index for pass 2.
 */
static struct xenpt_error *check_p2m(struct checker *c, struct xenpt_p2m_index *idx)
{
	uint64_t pfns[BATCH], m2p[BATCH], back[BATCH];
	uint64_t hole_start = INV, hole_len = 0, pfn;
	struct xenpt_error *err = NULL;
	const struct p2m_pair *pr;
	size_t i, j;

	/* The index is sorted by MFN: read the P2M again, in PFN order. */
	for (pfn = 0; pfn < c->size;) {
		size_t k = c->size - pfn < BATCH ? (size_t)(c->size - pfn) : BATCH;
		uint64_t mfns[BATCH];

		for (i = 0; i < k; i++)
			pfns[i] = pfn + i;
		err = p2m_batch(c->src, pfns, k, mfns);
		if (err)
			return err;
		/* m2p of the valid ones */
		err = m2p_batch(c->src, mfns, k, m2p);
		if (err)
			return err;
		for (i = 0; i < k; i++)
			if (mfns[i] == INV)
				m2p[i] = INV;
		err = p2m_batch(c->src, m2p, k, back);
		if (err)
			return err;
		for (i = 0; i < k; i++) {
			uint64_t p = pfn + i, m = mfns[i];
			struct xenpt_p2m_finding *f;

			if (m == INV) {
				if (hole_len && hole_start + hole_len == p) {
					hole_len++;
				} else {
					if (hole_len) {
						f = add_finding(c, XENPT_FIND_P2M_HOLE, hole_start, INV,
								hole_len, &err);
						snprintf(f->where, sizeof(f->where),
							 "p2m[pfn 0x%" PRIx64 "-0x%" PRIx64 "] is INVALID_MFN",
							 hole_start, hole_start + hole_len - 1);
					}
					hole_start = p;
					hole_len = 1;
				}
				continue;
			}
			c->chk->p2m_valid++;
			if (hole_len) {
				f = add_finding(c, XENPT_FIND_P2M_HOLE, hole_start, INV, hole_len, &err);
				snprintf(f->where, sizeof(f->where),
					 "p2m[pfn 0x%" PRIx64 "-0x%" PRIx64 "] is INVALID_MFN",
					 hole_start, hole_start + hole_len - 1);
				hole_len = 0;
			}
			if (m >= c->host) {
				f = add_finding(c, XENPT_FIND_MFN_BEYOND_HOST, p, m, 1, &err);
				snprintf(f->where, sizeof(f->where),
					 "p2m[pfn 0x%" PRIx64 "] names mfn 0x%" PRIx64 ", beyond the host's 0x%" PRIx64 " frames%s",
					 p, m, c->host, c->chk->host_known ? "" : " (52-bit limit)");
				continue;
			}
			if (m2p[i] != INV && back[i] == m)
				continue;   /* points back (possibly via another PFN: see duplicates) */
			f = add_finding(c, XENPT_FIND_M2P_MISMATCH, p, m, 1, &err);
			f->m2p_pfn = m2p[i];
			f->other = m2p[i] == INV ? INV : back[i];
			if (m2p[i] == INV)
				snprintf(f->where, sizeof(f->where),
					 "p2m[pfn 0x%" PRIx64 "] = mfn 0x%" PRIx64 " but m2p[mfn 0x%" PRIx64 "] is INVALID",
					 p, m, m);
			else if (back[i] == INV)
				snprintf(f->where, sizeof(f->where),
					 "p2m[pfn 0x%" PRIx64 "] = mfn 0x%" PRIx64 " but m2p[mfn 0x%" PRIx64 "] = pfn 0x%" PRIx64 ", %s",
					 p, m, m, m2p[i],
					 m2p[i] >= c->size ? "beyond the P2M" : "a P2M hole");
			else
				snprintf(f->where, sizeof(f->where),
					 "p2m[pfn 0x%" PRIx64 "] = mfn 0x%" PRIx64 " but m2p[mfn 0x%" PRIx64 "] = pfn 0x%" PRIx64 ", whose p2m entry is mfn 0x%" PRIx64,
					 p, m, m, m2p[i], back[i]);
			if (err)
				return err;
		}
		pfn += k;
	}
	if (hole_len) {
		struct xenpt_p2m_finding *f = add_finding(c, XENPT_FIND_P2M_HOLE, hole_start, INV,
							  hole_len, &err);

		snprintf(f->where, sizeof(f->where), "p2m[pfn 0x%" PRIx64 "-0x%" PRIx64 "] is INVALID_MFN",
			 hole_start, hole_start + hole_len - 1);
	}
	if (err)
		return err;

	/* duplicates: equal MFNs are adjacent in the index, lowest PFN first */
	pr = idx->pairs;
	for (i = 0; i < idx->n; i = j) {
		for (j = i + 1; j < idx->n && pr[j].mfn == pr[i].mfn; j++) {
			struct xenpt_p2m_finding *f = add_finding(c, XENPT_FIND_DUPLICATE_MFN,
								  pr[j].pfn, pr[j].mfn, 1, &err);

			f->other = pr[i].pfn;
			snprintf(f->where, sizeof(f->where),
				 "pfn 0x%" PRIx64 " and pfn 0x%" PRIx64 " both map mfn 0x%" PRIx64,
				 pr[i].pfn, pr[j].pfn, pr[j].mfn);
			if (err)
				return err;
		}
	}
	return NULL;
}

static const char *level_name(unsigned level)
{
	static const char *const n[] = { "L?", "L1", "L2", "L3", "L4", "L5" };

	return level < XENPT_ARRAY_SIZE(n) ? n[level] : "L?";
}

/* Check the pending frames: one M2P, P2M and (for failures) type request. */
static struct xenpt_error *flush_used(struct checker *c)
{
	uint64_t mfns[BATCH], m2p[BATCH], back[BATCH], bad[BATCH];
	xenpt_page_type_t types[BATCH];
	size_t badpos[BATCH], nbad = 0, i, n = c->npend;
	struct xenpt_error *err;

	if (!n)
		return NULL;
	c->npend = 0;
	for (i = 0; i < n; i++)
		mfns[i] = c->pend[i].mfn < c->host ? c->pend[i].mfn : INV;
	err = m2p_batch(c->src, mfns, n, m2p);
	if (!err) {
		for (i = 0; i < n; i++)
			if (mfns[i] == INV)
				m2p[i] = INV;
		err = p2m_batch(c->src, m2p, n, back);
	}
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		/* mfn_in_pseudophysmap(): below the host, M2P within the P2M, P2M points back */
		if (mfns[i] != INV && m2p[i] != INV && m2p[i] < c->size && back[i] == mfns[i])
			continue;
		bad[nbad] = mfns[i];
		badpos[nbad++] = i;
	}
	if (!nbad)
		return NULL;
	if (c->typed) {
		err = types_batch(c->src, bad, nbad, types);
		if (err)
			return err;
	}
	for (i = 0; i < nbad; i++) {
		const struct used_frame *u = &c->pend[badpos[i]];
		uint64_t mp = m2p[badpos[i]], bk = back[badpos[i]];
		struct xenpt_p2m_finding *f;
		char why[112], what[80];
		unsigned cls;

		/* the reason, as a class: frames of one leaf with one reason make one finding */
		if (u->mfn >= c->host)
			cls = 1;
		else if (mp == INV)
			cls = 2;
		else
			cls = 3;
		if (c->typed && types[i] == XENPT_PT_XTAB)
			cls |= 4;
		if (cls != 3 && cls != 7 && c->have_last && !u->as_table && u->mfn == c->last_mfn_end &&
		    u->va == c->last_va_end && u->table == c->last_table &&
		    u->level == c->last_level && u->index == c->last_index && cls == c->last_class) {
			c->chk->frames[XENPT_FIND_MAPPED_NOT_IN_P2M]++;
			if (c->last)
				c->last->count++;
			c->last_mfn_end++;
			c->last_va_end += XENPT_PAGE_SIZE;
			continue;
		}
		f = add_finding(c, XENPT_FIND_MAPPED_NOT_IN_P2M, INV, u->mfn, 1, &err);
		c->have_last = !u->as_table;
		c->last = f == &c->sink ? NULL : f;
		c->last_mfn_end = u->mfn + 1;
		c->last_va_end = u->va + XENPT_PAGE_SIZE;
		c->last_table = u->table;
		c->last_level = u->level;
		c->last_index = u->index;
		c->last_class = cls;
		f->m2p_pfn = mp;
		f->va = u->va;
		f->root = c->root;
		f->table = u->table;
		f->level = u->level;
		f->index = u->index;
		f->as_table = u->as_table;
		f->typed = c->typed;
		f->type = c->typed ? types[i] : XENPT_PT_NONE;
		if (u->mfn >= c->host)
			snprintf(why, sizeof(why), "beyond the host's 0x%" PRIx64 " frames", c->host);
		else if (mp == INV)
			snprintf(why, sizeof(why), "m2p is INVALID");
		else if (mp >= c->size)
			snprintf(why, sizeof(why), "m2p says pfn 0x%" PRIx64 ", beyond the P2M", mp);
		else if (bk == INV)
			snprintf(why, sizeof(why), "m2p says pfn 0x%" PRIx64 ", a P2M hole", mp);
		else
			snprintf(why, sizeof(why), "m2p says pfn 0x%" PRIx64 ", whose p2m entry is mfn 0x%" PRIx64,
				 mp, bk);
		if (c->typed && f->type == XENPT_PT_XTAB)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "; not the domain's (type xtab)");
		if (u->mfn == xenpt_source_domain(c->src)->shared_info_frame)
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 "; it is the shared_info page, Xen's, never in a P2M");
		if (u->as_table)
			snprintf(what, sizeof(what), "used as a table by %s entry %u of mfn 0x%" PRIx64,
				 level_name(u->level), u->index, u->table);
		else
			snprintf(what, sizeof(what), "mapped at va 0x%" PRIx64 " by %s entry %u of mfn 0x%" PRIx64,
				 u->va, level_name(u->level), u->index, u->table);
		snprintf(f->where, sizeof(f->where), "mfn 0x%" PRIx64 " %s (%s): %s", u->mfn, what,
			 c->root_desc, why);
		if (err)
			return err;
	}
	return NULL;
}

static struct xenpt_error *use_frame(struct checker *c, uint64_t mfn, uint64_t va,
				     uint64_t table, unsigned level, unsigned index, bool as_table)
{
	bool oom = false;
	struct used_frame *u;

	if (!mfn_set_add(&c->seen, mfn, &oom))
		return oom ? nomem() : NULL;
	c->chk->frames_checked++;
	if (as_table)
		c->chk->tables_checked++;
	u = &c->pend[c->npend++];
	u->mfn = mfn;
	u->va = va;
	u->table = table;
	u->level = level;
	u->index = index;
	u->as_table = as_table;
	return c->npend == BATCH ? flush_used(c) : NULL;
}

/* Iterate [@start, @end] of one root: every frame its tables map or use. */
static struct xenpt_error *walk_range(struct checker *c, const struct xenpt_aspace *as,
				      uint64_t start, uint64_t end)
{
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_pt_range r;
	struct xenpt_error *err;
	bool done = false;

	err = xenpt_pt_iter_create(c->src, as, start, end, &it);
	while (!err) {
		if (c->chk->ranges >= c->max_ranges) {
			c->chk->walk_truncated = true;
			break;
		}
		err = xenpt_pt_iter_next(it, &r, &done);
		if (err || done)
			break;
		c->chk->ranges++;
		switch (r.kind) {
		case XENPT_RANGE_MAPPED: {
			uint64_t pages = (r.end - r.start) / XENPT_PAGE_SIZE + 1, i;

			err = use_frame(c, r.table, r.start, r.table, r.level, r.index, true);
			if (r.frame == INV)
				break;
			/* every frame of a large leaf counts against the budget */
			for (i = 0; i < pages && !err; i++) {
				if (r.frame + i < r.frame)
					break;   /* wraps: hostile entry */
				if (i && c->chk->ranges++ >= c->max_ranges) {
					c->chk->walk_truncated = true;
					break;
				}
				err = use_frame(c, r.frame + i, r.start + i * XENPT_PAGE_SIZE, r.table,
						r.level, r.index, false);
			}
			break;
		}
		case XENPT_RANGE_UNREADABLE:
		case XENPT_RANGE_CYCLE:
			err = use_frame(c, r.table, r.start, r.table, r.level, r.index, true);
			if (!err && r.frame != INV)
				err = use_frame(c, r.frame, r.start, r.table, r.level, r.index, true);
			break;
		case XENPT_RANGE_HOLE:
		case XENPT_RANGE_RESERVED:
		case XENPT_RANGE_XEN_SLOT:
			err = use_frame(c, r.table, r.start, r.table, r.level, r.index, true);
			break;
		case XENPT_RANGE_NON_CANONICAL:
		default:
			break;
		}
	}
	xenpt_pt_iter_destroy(it);
	return err;
}

/* First VA of L4 slot @slot (4-level, canonical). */
static uint64_t l4_slot_va(unsigned slot)
{
	uint64_t va = (uint64_t)slot << 39;

	return slot >= 256 ? va | 0xffff000000000000ull : va;
}

/*
 * Walk one root.  4-level roots go slot by slot, and an L4 slot naming an
 * L3 another root (or slot) already walked is not walked again: the kernel
 * half that Linux shares between every pgd is read once, not once per root.
 */
static struct xenpt_error *walk_root(struct checker *c, const struct xenpt_aspace *as)
{
	uint64_t ents[512];
	const uint8_t *page = NULL;
	struct xenpt_error *err;
	unsigned slot;
	int ferr = 0;

	err = use_frame(c, as->root, 0, as->root, as->mode == XENPT_PM_5LEVEL ? 5 : 4, 0, true);
	if (err)
		return err;
	if (as->mode != XENPT_PM_4LEVEL)
		goto whole;
	err = xenpt_source_get_frames(c->src, as->space, &as->root, 1, &page, &ferr);
	if (err)
		return err;
	if (!page)
		goto whole;   /* the iterator reports the unreadable root */
	memcpy(ents, page, sizeof(ents));
	for (slot = 0; slot < 512 && !err; slot++) {
		uint64_t e = ents[slot], va = l4_slot_va(slot);
		bool oom = false;

		if (!(e & XENPT_PTE_P))
			continue;
		if (as->pv && xen_pv_is_xen_l4_slot(slot))
			continue;   /* Xen's slots: never walked */
		if (!(e & XENPT_PTE_PSE) &&
		    !mfn_set_add(&c->subtrees, (e & XENPT_PTE_ADDR_MASK) >> XENPT_PAGE_SHIFT, &oom)) {
			if (oom)
				return nomem();
			c->chk->subtrees_shared++;
			continue;
		}
		err = walk_range(c, as, va, va + ((uint64_t)1 << 39) - 1);
	}
	if (!err)
		err = flush_used(c);
	return err;
whole:
	err = walk_range(c, as, 0, UINT64_MAX);
	if (!err)
		err = flush_used(c);
	return err;
}

/* Walk @as unless a root with the same L4 was walked. */
static struct xenpt_error *walk_new_root(struct checker *c, const struct xenpt_aspace *as,
					 uint64_t *roots, unsigned *nroots)
{
	struct xenpt_error *err;
	unsigned k;

	for (k = 0; k < *nroots; k++)
		if (roots[k] == as->root)
			return NULL;
	roots[(*nroots)++] = as->root;
	c->root = as->root;
	err = walk_root(c, as);
	if (err)
		return xenpt_error_prefix(err, "walking %s", c->root_desc);
	c->chk->roots++;
	return NULL;
}

/* Pass 2: the page tables of every vCPU (kernel and user L4) and p2m_cr3. */
static struct xenpt_error *check_tables(struct checker *c)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(c->src);
	unsigned nroots = 0, caps = xenpt_source_caps(c->src);
	uint32_t v, nv = (caps & XENPT_CAP_VCPU) ? info->nr_vcpus : 0;
	struct xenpt_error *err = NULL;
	uint64_t *roots;

	if (!(caps & XENPT_CAP_MFN_FRAMES))
		return NULL;
	roots = malloc(((size_t)nv * 2 + 1) * sizeof(*roots));
	if (!roots)
		return nomem();
	c->chk->walked = true;
	for (v = 0; v < nv && !err; v++) {
		int user;

		for (user = 0; user < 2 && !err; user++) {
			struct xenpt_aspace as;

			err = xenpt_aspace_from_vcpu(c->src, v, user, &as);
			if (err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND) {
				/* no CR3 (offline, not started) or no user L4 */
				xenpt_error_destroy(err);
				err = NULL;
				if (!user) {
					c->chk->vcpus_skipped++;
					break;
				}
				continue;
			}
			if (err)
				break;
			snprintf(c->root_desc, sizeof(c->root_desc),
				 "vcpu %" PRIu32 " %s L4 mfn 0x%" PRIx64, v, user ? "user" : "kernel",
				 as.root);
			err = walk_new_root(c, &as, roots, &nroots);
		}
	}
	if (!err && (caps & XENPT_CAP_SHARED_INFO)) {
		struct xenpt_shared_info si;
		struct xenpt_aspace as;
		struct xenpt_error *e2;

		/* A missing or odd shared_info just means one root fewer. */
		e2 = xenpt_source_shared_info(c->src, &si);
		if (!e2 && si.p2m_cr3 && si.p2m_cr3 != INV)
			e2 = xenpt_aspace_from_cr3(c->src, si.p2m_cr3 & XENPT_PAGE_MASK, XENPT_PM_NONE,
						   &as);
		else if (!e2)
			e2 = xenpt_error_create(XENPT_ERR_NOT_FOUND, "no p2m_cr3");
		if (!e2) {
			snprintf(c->root_desc, sizeof(c->root_desc),
				 "shared_info p2m_cr3 L4 mfn 0x%" PRIx64, as.root);
			err = walk_new_root(c, &as, roots, &nroots);
		}
		xenpt_error_destroy(e2);
	}
	free(roots);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_check(struct xenpt_source *src,
						 const struct xenpt_p2m_check_opts *opts,
						 struct xenpt_p2m_check **ret)
{
	struct xenpt_p2m_index *idx = NULL;
	struct checker c;
	struct xenpt_error *err;
	unsigned flags = opts ? opts->flags : 0;

	memset(&c, 0, sizeof(c));
	err = need_tables(src, true, "P2M check");
	if (!err)
		err = p2m_size_of(src, &c.size);
	if (err)
		return err;
	c.src = src;
	c.max_findings = opts && opts->max_findings ? opts->max_findings : CHECK_DEFAULT_MAX_FINDINGS;
	c.max_ranges = opts && opts->max_ranges ? opts->max_ranges : CHECK_DEFAULT_MAX_RANGES;
	c.typed = xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES;
	c.chk = calloc(1, sizeof(*c.chk));
	if (!c.chk)
		return nomem();
	c.host = xenpt_p2m_host_frames(src, &c.chk->host_known);
	c.chk->host_frames = c.host;
	c.chk->p2m_size = c.size;
	err = xenpt_p2m_index_create(src, &idx);
	if (!err)
		err = check_p2m(&c, idx);
	if (!err && !(flags & XENPT_P2M_CHECK_NO_WALK))
		err = check_tables(&c);
	xenpt_p2m_index_destroy(idx);
	free(c.seen.slots);
	free(c.subtrees.slots);
	if (err) {
		xenpt_p2m_check_free(c.chk);
		return xenpt_error_prefix(err, "%s: P2M check", xenpt_source_describe(src));
	}
	*ret = c.chk;
	return NULL;
}

XENPT_PUBLIC void xenpt_p2m_check_free(struct xenpt_p2m_check *chk)
{
	if (!chk)
		return;
	free(chk->findings);
	free(chk);
}
