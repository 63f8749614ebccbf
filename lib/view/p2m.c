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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>
#include <xenpt/walk.h>

#include "base/htab.h"
#include "source/source_int.h"
#include "walk/ptgraph.h"

#define INV XENPT_INVALID_FRAME
#define BATCH XENPT_P2M_BATCH

/* 2^40 frames: 52-bit machine addresses. */
#define ARCH_MAX_FRAMES ((uint64_t)1 << 40)
/* The most P2M entries scanned (16 TiB of guest memory). */
#define P2M_MAX_SCAN ((uint64_t)1 << 32)
#define CHECK_DEFAULT_MAX_FINDINGS 10000u
/*
 * Frames the walk may check (tables and the 4K frames of leaves, each
 * distinct table scanned once): 2^25 frames is 128 GiB of guest memory;
 * it also bounds the set of frames checked (8 bytes a frame).
 */
#define CHECK_DEFAULT_MAX_RANGES ((uint64_t)1 << 25)
/*
 * ... and at most twice the P2M's entries plus this: a healthy guest's
 * tables use its own frames and a few it does not own, so the memory of a
 * check follows the P2M the source backs, not what hostile tables name.
 */
#define CHECK_RANGES_SLACK ((uint64_t)1 << 20)

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

XENPT_PUBLIC const char *xenpt_p2m_note_name(enum xenpt_p2m_note_kind kind)
{
	static const char *const names[] = {
		[XENPT_NOTE_NONE] = "none",
		[XENPT_NOTE_SHARED_INFO] = "shared_info",
		[XENPT_NOTE_XEN_OR_FOREIGN] = "xen_or_foreign",
		[XENPT_NOTE_NOT_OWNED] = "not_owned",
	};

	if ((unsigned)kind < XENPT_ARRAY_SIZE(names))
		return names[kind];
	return "unknown";
}

/* ---- helpers ------------------------------------------------------------------ */

XENPT_PUBLIC uint64_t xenpt_p2m_shinfo_max_pfn(struct xenpt_source *src)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	struct xenpt_shared_info si;
	struct xenpt_error *err;

	if (info->hvm || !(xenpt_source_caps(src) & XENPT_CAP_SHARED_INFO))
		return INV;
	err = xenpt_source_shared_info(src, &si);
	if (err) {
		xenpt_error_destroy(err);
		return INV;
	}
	return si.max_pfn ? si.max_pfn : INV;   /* 0: not published */
}

XENPT_PUBLIC bool xenpt_p2m_size_claimed(struct xenpt_source *src, uint64_t *claim_ret,
					 const char **field_ret)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	uint64_t max_pfn = xenpt_p2m_shinfo_max_pfn(src);

	if (claim_ret)
		*claim_ret = INV;
	if (field_ret)
		*field_ret = NULL;
	if (info->hvm)
		return false;
	if (max_pfn != INV && max_pfn > info->p2m_size) {
		if (claim_ret)
			*claim_ret = max_pfn;
		if (field_ret)
			*field_ret = "shared_info arch.max_pfn";
		return true;
	}
	if (info->max_gfn != INV && info->max_gfn >= info->p2m_size) {
		if (claim_ret)
			*claim_ret = info->max_gfn + 1;
		if (field_ret)
			*field_ret = "the highest PFN listed + 1";
		return true;
	}
	return false;
}

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
					  "%s: a P2M of 0x%" PRIx64 " entries (from %s) is more than xenpt scans (0x%" PRIx64 ")",
					  xenpt_source_describe(src), n,
					  xenpt_source_domain(src)->p2m_size_from[0]
						  ? xenpt_source_domain(src)->p2m_size_from
						  : "the source's domain info p2m_size",
					  P2M_MAX_SCAN);
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

/* The M2P as the backend has it: the check needs the unconfirmed answers. */
static struct xenpt_error *m2p_batch(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				     uint64_t *pfns)
{
	if (!(xenpt_source_caps(src) & XENPT_CAP_M2P) || !src->ops->m2p)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s has no M2P",
					  xenpt_source_describe(src));
	return src->ops->m2p(src, mfns, n, pfns);
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

/* ---- one run coalescer ------------------------------------------------------------------ */

/*
 * The P2M and M2P views both turn a stream of one-frame runs into runs:
 * a run grows while the next frame continues it.  This is that loop, once;
 * each view says what its next frame is and when it continues a run.
 */
struct coalescer {
	bool have_cur, done;
};

struct coalesce_ops {
	size_t size;   /* of one run */
	/* The next one-frame run into @r; *end (r untouched) at the end of the input. */
	struct xenpt_error *(*next)(void *it, void *r, bool *end);
	/* Whether @r continues @cur; if so @cur has grown by it. */
	bool (*extend)(void *it, void *cur, const void *r);
};

/* Next run into @ret (@cur: the run being built, @r: scratch, both ops->size). */
static struct xenpt_error *coalesce_next(void *it, const struct coalesce_ops *ops,
					 struct coalescer *co, void *cur, void *r, void *ret,
					 bool *done_ret)
{
	*done_ret = false;
	while (!co->done) {
		struct xenpt_error *err;
		bool end = false;

		err = ops->next(it, r, &end);
		if (err)
			return err;
		if (end) {
			co->done = true;
			break;
		}
		if (co->have_cur && ops->extend(it, cur, r))
			continue;
		if (co->have_cur) {
			memcpy(ret, cur, ops->size);
			memcpy(cur, r, ops->size);
			return NULL;
		}
		memcpy(cur, r, ops->size);
		co->have_cur = true;
	}
	if (co->have_cur) {
		memcpy(ret, cur, ops->size);
		co->have_cur = false;
		return NULL;
	}
	*done_ret = true;
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
	struct coalescer co;
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

static struct xenpt_error *p2m_iter_one(void *arg, void *out, bool *end)
{
	struct xenpt_p2m_iter *it = arg;
	struct xenpt_p2m_run *r = out;
	bool typed = it->flags & XENPT_P2M_TYPES;
	struct xenpt_error *err;

	if (it->pos == it->n) {
		if (!it->left) {
			*end = true;
			return NULL;
		}
		err = p2m_iter_fill(it);
		if (err)
			return err;
	}
	r->pfn = it->buf_pfn + it->pos;
	r->mfn = it->mfns[it->pos];
	r->count = 1;
	r->typed = typed;
	r->type = typed ? (r->mfn == INV ? XENPT_PT_XTAB : it->types[it->pos]) : XENPT_PT_NONE;
	it->pos++;
	return NULL;
}

/* PFNs and MFNs both contiguous (or both INVALID_MFN), one type. */
static bool p2m_iter_extend(void *arg, void *cur_arg, const void *r_arg)
{
	const struct xenpt_p2m_iter *it = arg;
	struct xenpt_p2m_run *cur = cur_arg;
	const struct xenpt_p2m_run *r = r_arg;

	if ((it->flags & XENPT_P2M_RAW) || r->type != cur->type ||
	    (cur->mfn == INV ? r->mfn != INV : r->mfn == INV || r->mfn - cur->mfn != cur->count))
		return false;
	cur->count++;
	return true;
}

XENPT_PUBLIC struct xenpt_error *xenpt_p2m_iter_next(struct xenpt_p2m_iter *it,
						     struct xenpt_p2m_run *ret, bool *done_ret)
{
	static const struct coalesce_ops ops = {
		.size = sizeof(struct xenpt_p2m_run),
		.next = p2m_iter_one,
		.extend = p2m_iter_extend,
	};
	struct xenpt_p2m_run r;

	return coalesce_next(it, &ops, &it->co, &it->cur, &r, ret, done_ret);
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
	struct coalescer co;
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

static struct xenpt_error *m2p_iter_one(void *arg, void *out, bool *end)
{
	struct xenpt_m2p_iter *it = arg;
	struct xenpt_m2p_run *r = out;
	size_t p;

	if (it->pos == it->n) {
		struct xenpt_error *err;

		if (it->all ? !it->left : it->ipos >= it->iend) {
			*end = true;
			return NULL;
		}
		err = m2p_iter_fill(it);
		if (err)
			return err;
		if (!it->n) {
			*end = true;
			return NULL;
		}
	}
	p = it->pos++;
	r->mfn = it->mfns[p];
	r->pfn = it->m2p[p];
	r->count = 1;
	r->domain = it->dom_pfn[p] != INV;
	r->p2m_pfn = it->dom_pfn[p];
	r->m2p_p2m_mfn = it->back[p];
	r->status = pair_status(INV, r->mfn, r->pfn, r->m2p_p2m_mfn, r->domain, it->host);
	return NULL;
}

/* OK, FREE and OTHER runs of contiguous MFNs and M2P entries coalesce; the rest are one frame each. */
static bool m2p_iter_extend(void *arg, void *cur_arg, const void *r_arg)
{
	const struct xenpt_m2p_iter *it = arg;
	struct xenpt_m2p_run *cur = cur_arg;
	const struct xenpt_m2p_run *r = r_arg;

	if ((it->flags & XENPT_P2M_RAW) || !m2p_coalesces(r->status) || r->status != cur->status ||
	    r->domain != cur->domain || r->mfn - cur->mfn != cur->count ||
	    (cur->pfn == INV ? r->pfn != INV : r->pfn == INV || r->pfn - cur->pfn != cur->count))
		return false;
	cur->count++;
	return true;
}

XENPT_PUBLIC struct xenpt_error *xenpt_m2p_iter_next(struct xenpt_m2p_iter *it,
						     struct xenpt_m2p_run *ret, bool *done_ret)
{
	static const struct coalesce_ops ops = {
		.size = sizeof(struct xenpt_m2p_run),
		.next = m2p_iter_one,
		.extend = m2p_iter_extend,
	};
	struct xenpt_m2p_run r;

	return coalesce_next(it, &ops, &it->co, &it->cur, &r, ret, done_ret);
}

/* ---- the check ----------------------------------------------------------------------------- */

/* A set of 64-bit keys (frames checked, large leaves checked): lib/base/htab.h. */
struct mfn_set {
	struct htab_map m;
};

/* Insert; true if it was new.  *oom on allocation failure. */
static bool mfn_set_add(struct mfn_set *s, uint64_t mfn, bool *oom)
{
	int r = htab_set_add(&s->m, mfn);

	if (r < 0)
		*oom = true;
	return r > 0;
}

/* A frame the page tables use, waiting for its batched M2P/P2M check. */
struct used_frame {
	uint64_t mfn, va, table, root;
	unsigned level, index;
	uint32_t root_no;        /* index into checker.root_desc */
	bool as_table;
};

#define CHECK_MAX_ROOTS 520u   /* 256 vCPUs x (kernel, user) + p2m_cr3, with room */

struct checker {
	struct xenpt_source *src;
	struct xenpt_p2m_check *chk;
	size_t max_findings;
	uint64_t size, host, shinfo;
	bool typed;
	/* the walk */
	uint64_t max_ranges;
	struct mfn_set seen;               /* frames checked */
	struct mfn_set leaves;             /* large leaves checked: frame | size class */
	uint64_t leaf_work;                /* frames of large leaves looked at */
	struct used_frame pend[BATCH];
	size_t npend;
	char (*root_desc)[64];             /* per root of the graph */
	uint32_t nroots;
	/* the last mapped frame that failed, to extend with the next frame of a large leaf */
	bool have_last;
	uint64_t last_mfn_end, last_table, last_va_end;
	unsigned last_level, last_index, last_class;
	struct xenpt_p2m_finding *last;    /* NULL if it was not kept */
	uint64_t *last_frames;             /* the per-kind frame counter it went to */
	size_t cap, ncap;                  /* of chk->findings, chk->notes */
	size_t ucap;                       /* of chk->not_checked */
	struct xenpt_p2m_finding sink;     /* findings beyond max_findings land here */
};

/* A record in @list (growing it), or the sink when max_findings are kept. */
static struct xenpt_p2m_finding *new_record(struct checker *c, struct xenpt_p2m_finding **list,
					    size_t *nr, size_t *cap, struct xenpt_error **err)
{
	struct xenpt_p2m_finding *f = &c->sink;   /* counted, not kept */

	if (*nr < c->max_findings) {
		if (*nr == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct xenpt_p2m_finding *nf = realloc(*list, ncap * sizeof(*nf));

			if (nf) {
				*list = nf;
				*cap = ncap;
			} else if (!*err) {
				*err = nomem();
			}
		}
		if (*nr < *cap)
			f = &(*list)[(*nr)++];
	}
	return f;
}

static void init_record(struct xenpt_p2m_finding *f, enum xenpt_p2m_finding_kind kind,
			uint64_t pfn, uint64_t mfn, uint64_t count)
{
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
	f->note = XENPT_NOTE_NONE;
}

static struct xenpt_p2m_finding *add_finding(struct checker *c, enum xenpt_p2m_finding_kind kind,
					     uint64_t pfn, uint64_t mfn, uint64_t count,
					     struct xenpt_error **err)
{
	struct xenpt_p2m_check *chk = c->chk;
	struct xenpt_p2m_finding *f;

	chk->nr_total++;
	chk->counts[kind]++;
	chk->frames[kind] += count;
	f = new_record(c, &chk->findings, &chk->nr_findings, &c->cap, err);
	init_record(f, kind, pfn, mfn, count);
	return f;
}

static struct xenpt_p2m_finding *add_note(struct checker *c, enum xenpt_p2m_note_kind note,
					  uint64_t mfn, struct xenpt_error **err)
{
	struct xenpt_p2m_check *chk = c->chk;
	struct xenpt_p2m_finding *f;

	chk->nr_notes_total++;
	chk->note_counts[note]++;
	chk->note_frames[note]++;
	f = new_record(c, &chk->notes, &chk->nr_notes, &c->ncap, err);
	init_record(f, XENPT_FIND_MAPPED_NOT_IN_P2M, INV, mfn, 1);
	f->note = note;
	return f;
}
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

/*
 * What a frame outside the pseudo-physical map is.  A healthy PV guest maps
 * frames it does not own: its shared_info page, its grant-table frames (Xen
 * heap pages shared with it, which getpageframeinfo3 reports as XTAB:
 * is_special_page() in xen/arch/x86/domctl.c), and other domains' frames
 * through grant or foreign mappings (get_page() fails: XTAB too).  Those are
 * notes, with what they are as far as the source can tell.  A finding is
 * kept for what no healthy guest has: a page-table frame outside the map
 * (Xen types only the domain's own frames as tables: get_page_and_type()
 * with the domain as owner, xen/arch/x86/mm.c), a frame beyond the host, a
 * frame Xen says is the domain's (not XTAB) that its P2M does not hold, and,
 * where the source has no page types, an M2P entry that names a PFN of this
 * P2M whose entry is another frame or a hole.
 */
static enum xenpt_p2m_note_kind classify(const struct checker *c, const struct used_frame *u,
					 uint64_t m2p, bool typed, xenpt_page_type_t type)
{
	if (u->as_table || u->mfn >= c->host)
		return XENPT_NOTE_NONE;
	if (u->mfn == c->shinfo)
		return XENPT_NOTE_SHARED_INFO;
	if (typed)
		return type == XENPT_PT_XTAB ? XENPT_NOTE_XEN_OR_FOREIGN : XENPT_NOTE_NONE;
	if (m2p == INV || m2p >= c->size)
		return XENPT_NOTE_NOT_OWNED;
	return XENPT_NOTE_NONE;
}

static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
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
		xenpt_page_type_t type = c->typed ? types[i] : XENPT_PT_NONE;
		enum xenpt_p2m_note_kind note = classify(c, u, mp, c->typed, type);
		struct xenpt_p2m_finding *f;
		char why[200], what[96];
		unsigned cls;

		/*
		 * The reason as a class: the frames of one large leaf that fail
		 * alike make one record.  Frames whose M2P names a PFN each have
		 * their own.
		 */
		cls = u->mfn >= c->host ? 1 : mp == INV ? 2 : 3;
		cls |= (unsigned)note << 4;
		if ((cls & 3) != 3 && c->have_last && !u->as_table && u->mfn == c->last_mfn_end &&
		    u->va == c->last_va_end && u->table == c->last_table &&
		    u->level == c->last_level && u->index == c->last_index && cls == c->last_class) {
			(*c->last_frames)++;
			if (c->last)
				c->last->count++;
			c->last_mfn_end++;
			c->last_va_end += XENPT_PAGE_SIZE;
			continue;
		}
		if (note != XENPT_NOTE_NONE) {
			f = add_note(c, note, u->mfn, &err);
			c->last_frames = &c->chk->note_frames[note];
		} else {
			f = add_finding(c, XENPT_FIND_MAPPED_NOT_IN_P2M, INV, u->mfn, 1, &err);
			c->last_frames = &c->chk->frames[XENPT_FIND_MAPPED_NOT_IN_P2M];
		}
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
		f->root = u->root;
		f->table = u->table;
		f->level = u->level;
		f->index = u->index;
		f->as_table = u->as_table;
		f->typed = c->typed;
		f->type = type;
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
		switch (note) {
		case XENPT_NOTE_SHARED_INFO:
			append(why, sizeof(why), "; the domain's shared_info page (Xen's, never in a P2M)");
			break;
		case XENPT_NOTE_XEN_OR_FOREIGN:
			append(why, sizeof(why), "; not the domain's (type xtab): a Xen page shared with it (grant table) or another domain's frame (grant or foreign mapping)");
			break;
		case XENPT_NOTE_NOT_OWNED:
			append(why, sizeof(why), "; not the domain's as far as the source tells: a Xen page (grant table) or another domain's frame (grant or foreign mapping)");
			break;
		default:
			if (u->as_table && u->mfn < c->host)
				append(why, sizeof(why), "; a page table the domain does not own");
			else if (c->typed && type == XENPT_PT_XTAB)
				append(why, sizeof(why), "; not the domain's (type xtab)");
			else if (c->typed && u->mfn < c->host)
				append(why, sizeof(why), "; yet Xen says the domain owns it (type %s)",
				       xenpt_page_type_name(type));
			break;
		}
		if (u->as_table && u->mfn == u->root && u->table == u->root && !u->va)
			/* walk_graph() offers each root as itself: no entry names it */
			snprintf(what, sizeof(what), "used as the root (%s table, cr3)",
				 level_name(u->level));
		else if (u->as_table)
			snprintf(what, sizeof(what), "used as a table by %s entry %u of mfn 0x%" PRIx64,
				 level_name(u->level), u->index, u->table);
		else
			snprintf(what, sizeof(what), "mapped at va 0x%" PRIx64 " by %s entry %u of mfn 0x%" PRIx64,
				 u->va, level_name(u->level), u->index, u->table);
		snprintf(f->where, sizeof(f->where), "mfn 0x%" PRIx64 " %s (%s): %s", u->mfn, what,
			 c->root_desc[u->root_no], why);
		if (err)
			return err;
	}
	return NULL;
}

static struct xenpt_error *use_frame(struct checker *c, uint64_t mfn, uint64_t va,
				     uint64_t table, unsigned level, unsigned index, bool as_table,
				     uint32_t root_no, uint64_t root)
{
	bool oom = false;
	struct used_frame *u;

	if (c->chk->ranges >= c->max_ranges) {
		c->chk->walk_truncated = true;
		return NULL;
	}
	if (!mfn_set_add(&c->seen, mfn, &oom))
		return oom ? nomem() : NULL;
	c->chk->ranges++;
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
	u->root_no = root_no;
	u->root = root;
	return c->npend == BATCH ? flush_used(c) : NULL;
}

/* The graph of the roots of one paging mode, and where each root's description is. */
struct check_graph {
	struct checker *c;
	uint32_t *root_no;       /* per graph root: index into checker.root_desc */
	uint8_t *done;           /* per table id: every entry was checked */
	uint32_t ndone;          /* entries of done[] */
	uint32_t cut_id;         /* the table whose scan the budget cut, or PTG_NONE */
	unsigned cut_idx;        /* ... at this entry (not checked) */
};

/*
 * ptg_build() visitor: called once per distinct table (lib/walk/ptgraph.h), so
 * the pass costs one read and one scan per table whatever the sharing.
 * Every table the entries name (followed or not) and every frame a leaf
 * maps is checked once; a large leaf already checked (same first frame and
 * size) is not checked again.
 */
static struct xenpt_error *check_visit(void *arg, struct ptg *g, uint32_t id,
				       const uint8_t *tbl)
{
	struct check_graph *cg = arg;
	struct checker *c = cg->c;
	unsigned level = g->t[id].level, nent = ptg_nent(g, level), idx;
	uint64_t frame = g->t[id].frame, base = g->t[id].first_va;
	uint32_t gr = g->t[id].first_root;
	uint64_t root = g->t[g->roots[gr]].frame;
	struct xenpt_error *err = NULL;
	bool started = !c->chk->walk_truncated;

	if (id >= cg->ndone) {
		uint32_t n = g->cap > id ? g->cap : id + 1;
		uint8_t *nd = realloc(cg->done, n);

		if (!nd)
			return nomem();
		memset(nd + cg->ndone, 0, n - cg->ndone);
		cg->done = nd;
		cg->ndone = n;
	}
	for (idx = 0; idx < nent && !err && !c->chk->walk_truncated; idx++) {
		uint64_t e = pt_read_entry(&g->g, tbl, idx), va, pages, i;
		struct pt_entry d;
		bool oom = false;

		if (!(e & XENPT_PTE_P) || pt_is_xen_slot(&g->g, level, idx))
			continue;
		pt_decode(&g->g, level, e, &d);
		if (pt_bad(&d))
			continue;   /* Xen refuses such entries (reserved or disallowed bits): the frame is not used */
		va = ptg_entry_va(g, level, base, idx);
		if (!d.leaf) {
			err = use_frame(c, d.next, va, frame, level, idx, true, cg->root_no[gr], root);
			continue;
		}
		pages = (uint64_t)1 << (d.page_shift - XENPT_PAGE_SHIFT);
		if (pages > 1 && !mfn_set_add(&c->leaves, d.next ^ ((uint64_t)d.page_shift << 58),
					      &oom)) {
			if (oom)
				err = nomem();
			continue;
		}
		for (i = 0; i < pages && !err && !c->chk->walk_truncated; i++) {
			/* frames of large leaves cost budget even when seen before */
			if (pages > 1 && ++c->leaf_work > c->max_ranges) {
				c->chk->walk_truncated = true;
				break;
			}
			err = use_frame(c, d.next + i, va + i * XENPT_PAGE_SIZE, frame, level, idx,
					false, cg->root_no[gr], root);
		}
	}
	if (!err && !c->chk->walk_truncated)
		cg->done[id] = 1;
	else if (!err && started) {
		/* the budget ran out at entry idx - 1 (the loop moved past it) */
		cg->cut_id = id;
		cg->cut_idx = idx ? idx - 1 : 0;
	}
	return err;
}

/* The budget ran out: record the root slots whose subtrees were not checked completely. */
static struct xenpt_error *add_unchecked(struct checker *c, struct ptg *g, uint32_t r,
					 const char *desc, unsigned first, unsigned last)
{
	struct xenpt_p2m_check *chk = c->chk;
	struct xenpt_p2m_unchecked *u;
	unsigned top = g->g.top;

	if (chk->nr_not_checked == c->ucap) {
		size_t ncap = c->ucap ? c->ucap * 2 : 8;
		struct xenpt_p2m_unchecked *nu = realloc(chk->not_checked, ncap * sizeof(*nu));

		if (!nu)
			return nomem();
		chk->not_checked = nu;
		c->ucap = ncap;
	}
	u = &chk->not_checked[chk->nr_not_checked++];
	memset(u, 0, sizeof(*u));
	u->root = g->t[r].frame;
	snprintf(u->root_desc, sizeof(u->root_desc), "%s", desc);
	u->level = top;
	u->first = first;
	u->last = last;
	u->va_start = ptg_entry_va(g, top, 0, first);
	u->va_last = ptg_entry_va(g, top, 0, last) + (ptg_span(g, top) - 1);
	return NULL;
}

/*
 * After a walk the budget cut: a table is incomplete when its own scan was
 * not finished or a table it links to (one level down) is incomplete.  Ids
 * go down the levels (breadth-first from the roots), so one pass in reverse
 * order sees every child before its parents.  Each root's slots that lead
 * to incomplete tables, or that its own cut scan did not reach, go to
 * chk->not_checked; a root without any is complete.
 */
static struct xenpt_error *find_unchecked(struct checker *c, struct ptg *g,
					  struct check_graph *cg)
{
	struct xenpt_error *err = NULL;
	uint8_t *inc = calloc(g->n ? g->n : 1, 1);
	uint32_t id, r;

	if (!inc)
		return nomem();
	for (id = g->n; id-- > 0 && !err;) {
		const struct ptg_table *t = &g->t[id];
		unsigned level = t->level, nent, idx;
		const uint8_t *tbl;
		int ferr;

		if (!level || (t->flags & PTG_UNREADABLE) || !(t->flags & PTG_READ))
			continue;   /* nothing in it to check */
		if (id >= cg->ndone || !cg->done[id]) {
			inc[id] = 1;
			continue;
		}
		if (level < 2)
			continue;
		err = ptg_read(g, id, &tbl, &ferr);
		if (err || !tbl) {
			inc[id] = 1;   /* cannot tell what is below: not claimed checked */
			continue;
		}
		nent = ptg_nent(g, level);
		for (idx = 0; idx < nent && !inc[id]; idx++) {
			uint64_t e = pt_read_entry(&g->g, tbl, idx);
			struct pt_entry d;
			uint32_t cid;

			if (!(e & XENPT_PTE_P) || pt_is_xen_slot(&g->g, level, idx))
				continue;
			pt_decode(&g->g, level, e, &d);
			if (pt_bad(&d) || d.leaf)
				continue;
			cid = ptg_find(g, d.next);
			if (cid != PTG_NONE && g->t[cid].level == level - 1 && inc[cid])
				inc[id] = 1;
		}
	}
	for (r = 0; r < g->nroots && !err; r++) {
		uint32_t rid = g->roots[r];
		const struct ptg_table *t = &g->t[rid];
		unsigned level = t->level, nent, idx, from, nranges = 0, first = 0;
		const char *desc = c->root_desc[cg->root_no[r]];
		const uint8_t *tbl;
		bool open = false;
		int ferr;

		if (!inc[rid]) {
			c->chk->roots_complete++;
			continue;
		}
		err = ptg_read(g, rid, &tbl, &ferr);
		if (err)
			break;
		if (!tbl) {   /* cannot happen: it was read before */
			err = add_unchecked(c, g, rid, desc, 0, ptg_nent(g, level) - 1);
			continue;
		}
		nent = ptg_nent(g, level);
		from = cg->done[rid] ? nent : rid == cg->cut_id ? cg->cut_idx : 0;
		for (idx = 0; idx <= nent && !err; idx++) {
			bool miss = false;

			if (idx < nent) {
				uint64_t e = pt_read_entry(&g->g, tbl, idx);
				struct pt_entry d;

				if ((e & XENPT_PTE_P) && !pt_is_xen_slot(&g->g, level, idx)) {
					pt_decode(&g->g, level, e, &d);
					if (pt_bad(&d))
						;
					else if (idx >= from)
						miss = true;
					else if (!d.leaf) {
						uint32_t cid = ptg_find(g, d.next);

						miss = cid != PTG_NONE && g->t[cid].level == level - 1 &&
						       inc[cid];
					}
				}
			}
			if (miss && !open) {
				open = true;
				first = idx;
			} else if (!miss && open) {
				open = false;
				nranges++;
				err = add_unchecked(c, g, rid, desc, first, idx - 1);
			}
		}
		if (!err && !nranges)
			c->chk->roots_complete++;   /* nothing left in it after all */
	}
	free(inc);
	return err;
}

/* Walk the roots @as[0..n) (all of one paging mode) as one graph. */
static struct xenpt_error *walk_graph(struct checker *c, const struct xenpt_aspace *as,
				      const uint32_t *desc_no, size_t n)
{
	struct check_graph cg = { .c = c, .cut_id = PTG_NONE };
	struct xenpt_error *err;
	struct ptg g;
	size_t k;
	uint32_t i;

	err = ptg_init(&g, c->src, &as[0]);
	if (err)
		return err;
	cg.root_no = calloc(n ? n : 1, sizeof(*cg.root_no));
	if (!cg.root_no) {
		err = nomem();
		goto out;
	}
	for (k = 0; k < n && !err; k++) {
		uint32_t before = g.nroots;

		err = ptg_add_root(&g, as[k].root, NULL);
		if (err || g.nroots == before)
			continue;   /* the same root as an earlier one */
		cg.root_no[g.nroots - 1] = desc_no[k];
		err = use_frame(c, as[k].root, 0, as[k].root, g.g.top, 0, true, desc_no[k],
					as[k].root);
	}
	if (!err)
		err = ptg_build(&g, true, check_visit, &cg);
	if (!err)
		err = flush_used(c);
	if (!err && c->chk->walk_truncated)
		err = find_unchecked(c, &g, &cg);
	else if (!err)
		c->chk->roots_complete += g.nroots;
	if (!err) {
		c->chk->roots += g.nroots;
		for (i = 0; i < g.n; i++)
			if (!(g.t[i].flags & PTG_ROOT) && g.t[i].refs > 1)
				c->chk->subtrees_shared += g.t[i].refs - 1;
	}
out:
	free(cg.root_no);
	free(cg.done);
	ptg_deinit(&g);
	return err;
}

/* Pass 2: the page tables of every vCPU (kernel and user L4) and p2m_cr3. */
static struct xenpt_error *check_tables(struct checker *c)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(c->src);
	unsigned caps = xenpt_source_caps(c->src);
	uint32_t v, nv = (caps & XENPT_CAP_VCPU) ? info->nr_vcpus : 0;
	struct xenpt_error *err = NULL;
	struct xenpt_aspace *as = NULL, *grp = NULL;
	uint32_t *desc_no = NULL, *gdesc = NULL;
	bool *done = NULL;
	size_t n = 0, max = (size_t)nv * 2 + 1, k, j;

	if (!(caps & XENPT_CAP_MFN_FRAMES))
		return NULL;
	as = calloc(max, sizeof(*as));
	grp = calloc(max, sizeof(*grp));
	desc_no = calloc(max, sizeof(*desc_no));
	gdesc = calloc(max, sizeof(*gdesc));
	done = calloc(max, sizeof(*done));
	c->root_desc = calloc(max, sizeof(*c->root_desc));
	if (!as || !grp || !desc_no || !gdesc || !done || !c->root_desc) {
		err = nomem();
		goto out;
	}
	c->chk->walked = true;
	for (v = 0; v < nv && !err; v++) {
		int user;

		for (user = 0; user < 2 && !err; user++) {
			err = xenpt_aspace_from_vcpu(c->src, v, user, &as[n]);
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
			snprintf(c->root_desc[n], sizeof(c->root_desc[n]),
				 "vcpu %" PRIu32 " %s L4 mfn 0x%" PRIx64, v, user ? "user" : "kernel",
				 as[n].root);
			desc_no[n] = (uint32_t)n;
			n++;
		}
	}
	if (!err && (caps & XENPT_CAP_SHARED_INFO)) {
		struct xenpt_shared_info si;
		struct xenpt_error *e2;

		/* A missing or odd shared_info just means one root fewer. */
		e2 = xenpt_source_shared_info(c->src, &si);
		if (!e2 && si.p2m_cr3 && si.p2m_cr3 != INV)
			e2 = xenpt_aspace_from_cr3(c->src, si.p2m_cr3 & XENPT_PAGE_MASK, XENPT_PM_NONE,
						   &as[n]);
		else if (!e2)
			e2 = xenpt_error_create(XENPT_ERR_NOT_FOUND, "no p2m_cr3");
		if (!e2) {
			snprintf(c->root_desc[n], sizeof(c->root_desc[n]),
				 "shared_info p2m_cr3 L4 mfn 0x%" PRIx64, as[n].root);
			desc_no[n] = (uint32_t)n;
			n++;
		}
		xenpt_error_destroy(e2);
	}
	/* one graph per paging geometry (in practice one: PV 4-level) */
	for (k = 0; k < n && !err; k++) {
		size_t m = 0;

		if (done[k])
			continue;
		for (j = k; j < n; j++) {
			if (done[j] || as[j].mode != as[k].mode || as[j].pv != as[k].pv ||
			    as[j].space != as[k].space)
				continue;
			done[j] = true;
			grp[m] = as[j];
			gdesc[m++] = desc_no[j];
		}
		err = walk_graph(c, grp, gdesc, m);
		if (err)
			err = xenpt_error_prefix(err, "walking %s", c->root_desc[desc_no[k]]);
	}
out:
	free(as);
	free(grp);
	free(desc_no);
	free(gdesc);
	free(done);
	return err;
}

/*
 * A source that does not know the shared_info MFN (a core file: the format
 * has no field for it) may still hold the guest's start_info page, whose
 * `shared_info` is the machine address of the shared_info page
 * (xen/include/public/xen.h struct start_info: magic[32] "xen-<version>-
 * <platform>", nr_pages, shared_info).  Linux and the test guest keep that
 * page.  The domain builder puts it among the first frames (xg_dom_core.c
 * xc_dom_alloc_page "start info"), so only the first START_INFO_SCAN PFNs
 * are looked at.  Every page that looks like one must agree, and the frame
 * it names must not be the domain's.  *mfn_ret is INV when nothing is known.
 */
#define START_INFO_SCAN 0x20000u
#define START_INFO_BATCH 512u

static struct xenpt_error *find_start_info_shinfo(struct checker *c, uint64_t *mfn_ret,
						  uint64_t *pfn_ret)
{
	uint64_t pfns[START_INFO_BATCH], limit = c->size < START_INFO_SCAN ? c->size : START_INFO_SCAN;
	const uint8_t *pages[START_INFO_BATCH];
	int errs[START_INFO_BATCH];
	uint64_t pfn, found = INV, where = INV;
	bool conflict = false;

	*mfn_ret = INV;
	*pfn_ret = INV;
	if (!(xenpt_source_caps(c->src) & XENPT_CAP_GFN_FRAMES))
		return NULL;
	for (pfn = 0; pfn < limit && !conflict; pfn += START_INFO_BATCH) {
		size_t k = limit - pfn < START_INFO_BATCH ? (size_t)(limit - pfn) : START_INFO_BATCH, i;
		struct xenpt_error *err;

		for (i = 0; i < k; i++)
			pfns[i] = pfn + i;
		err = xenpt_source_get_frames(c->src, XENPT_SPACE_GFN, pfns, k, pages, errs);
		if (err)
			return err;
		for (i = 0; i < k; i++) {
			const uint8_t *p = pages[i];
			const char *nul;
			uint64_t nr, maddr;

			if (!p || memcmp(p, "xen-", 4) != 0)
				continue;
			nul = memchr(p, 0, 32);
			if (!nul || nul - (const char *)p < 11 ||
			    memcmp(nul - 7, "-x86_64", 7) != 0)
				continue;
			memcpy(&nr, p + 32, 8);
			memcpy(&maddr, p + 40, 8);
			if (!nr || !maddr || (maddr & (XENPT_PAGE_SIZE - 1)) ||
			    (maddr >> XENPT_PAGE_SHIFT) >= c->host)
				continue;
			if (found != INV && found != maddr >> XENPT_PAGE_SHIFT) {
				conflict = true;
				break;
			}
			found = maddr >> XENPT_PAGE_SHIFT;
			where = pfns[i];
		}
	}
	if (!conflict) {
		*mfn_ret = found;
		*pfn_ret = where;
	}
	return NULL;
}

/* Relabel the not_owned notes of the shared_info frame the start_info page names. */
static struct xenpt_error *label_shared_info(struct checker *c, const struct xenpt_p2m_index *idx)
{
	struct xenpt_p2m_check *chk = c->chk;
	uint64_t mfn, pfn;
	struct xenpt_error *err;
	size_t i;

	if (c->shinfo != INV || !chk->note_counts[XENPT_NOTE_NOT_OWNED])
		return NULL;
	err = find_start_info_shinfo(c, &mfn, &pfn);
	if (err || mfn == INV || xenpt_p2m_index_find(idx, xenpt_mfn(mfn), NULL))
		return err;
	for (i = 0; i < chk->nr_notes; i++) {
		struct xenpt_p2m_finding *f = &chk->notes[i];
		char *tail;

		if (f->note != XENPT_NOTE_NOT_OWNED || f->mfn != mfn)
			continue;
		chk->note_counts[XENPT_NOTE_NOT_OWNED]--;
		chk->note_frames[XENPT_NOTE_NOT_OWNED] -= f->count;
		chk->note_counts[XENPT_NOTE_SHARED_INFO]++;
		chk->note_frames[XENPT_NOTE_SHARED_INFO] += f->count;
		f->note = XENPT_NOTE_SHARED_INFO;
		tail = strstr(f->where, "; not the domain's as far as");
		if (tail)
			snprintf(tail, sizeof(f->where) - (size_t)(tail - f->where),
				 "; the domain's shared_info page (named by its start_info page at pfn 0x%" PRIx64 "; Xen's, never in a P2M)",
				 pfn);
	}
	return NULL;
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
	if (!(opts && opts->max_ranges) && c.max_ranges > 2 * c.size + CHECK_RANGES_SLACK)
		c.max_ranges = 2 * c.size + CHECK_RANGES_SLACK;
	c.typed = xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES;
	c.shinfo = xenpt_source_domain(src)->shared_info_frame;
	c.chk = calloc(1, sizeof(*c.chk));
	if (!c.chk)
		return nomem();
	c.host = xenpt_p2m_host_frames(src, &c.chk->host_known);
	c.chk->host_frames = c.host;
	c.chk->p2m_size = c.size;
	c.chk->shinfo_max_pfn = xenpt_p2m_shinfo_max_pfn(src);
	(void)xenpt_p2m_size_claimed(src, &c.chk->size_claim, &c.chk->size_claim_field);
	err = xenpt_p2m_index_create(src, &idx);
	if (!err)
		err = check_p2m(&c, idx);
	if (!err && !(flags & XENPT_P2M_CHECK_NO_WALK))
		err = check_tables(&c);
	if (!err)
		err = label_shared_info(&c, idx);
	c.chk->max_ranges = c.max_ranges;
	c.chk->complete = !c.chk->walk_truncated;
	xenpt_p2m_index_destroy(idx);
	htab_map_free(&c.seen.m);
	htab_map_free(&c.leaves.m);
	free(c.root_desc);
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
	free(chk->notes);
	free(chk->not_checked);
	free(chk);
}
