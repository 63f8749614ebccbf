/* SPDX-License-Identifier: MIT */
/*
 * Reverse mapping (rmap.h): which page-table entries reference a frame.
 *
 * Build: ptgraph.c reads every distinct table frame reachable from the
 * roots once, breadth-first; for each present entry we record one 64-bit
 * key, (frame named << 24) | table id, in chunks.  The keys are then
 * sorted in place (an MSD radix sort: no second array the size of the
 * index) and deduplicated.  8 bytes per (frame, table) pair: 16.7 million
 * 4K mappings index in 134 MB.
 *
 * Query: binary search for the frame, and for the first frames of the
 * 2M / 4M / 1G pages that may hold it (large leaves are keyed by their
 * first frame), then one scan of each table found for the entries that
 * name the frame.  The index does not store entry indices: the table is
 * the authority, and a table is 512 entries.
 *
 * Paths: the number of paths from the roots to a table is memoised per
 * table (a sum over the entries that link it in); enumerating them walks
 * up the parent links (computed per table on demand from the index) and
 * stops after as many as asked.  xen-mfndump's lookup-pte
 * (tools/misc/xen-mfndump.c) instead maps every page-table page of the
 * domain for each query and compares raw frame fields, present or not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/rmap.h>

#include "base/base.h"
#include "walk/ptgraph.h"

#define TID_BITS 24
#define TID_MASK ((1u << TID_BITS) - 1)
#define CHUNK_KEYS (1u << 20)

struct parent {
	uint64_t entry;
	uint32_t id;
	uint16_t idx;
};

struct plist {
	bool done;
	uint32_t n;
	struct parent *v;
};

struct xenpt_rmap {
	struct xenpt_source *src;
	struct xenpt_aspace as;
	struct ptg g;
	struct xenpt_rmap_root *roots;
	size_t nroots;
	uint32_t *root_tid;         /* per root: its table id */

	/* build: keys in chunks */
	uint64_t **chunks;
	size_t nchunks, chunk_fill;
	uint64_t last_key;

	uint64_t *keys;             /* sorted, unique */
	size_t nkeys;

	struct plist *parents;      /* per table id */
	uint64_t *npaths;           /* per table id, 0 = not counted yet */

	struct xenpt_rmap_stats st;
};

XENPT_PUBLIC const char *xenpt_rmap_kind_name(enum xenpt_rmap_kind kind)
{
	static const char *const n[] = {
		[XENPT_RMAP_LEAF] = "leaf", [XENPT_RMAP_TABLE] = "table",
		[XENPT_RMAP_XEN_SLOT] = "xen_slot", [XENPT_RMAP_LINEAR] = "linear",
		[XENPT_RMAP_RESERVED] = "reserved_bits",
		[XENPT_RMAP_DISALLOWED] = "disallowed_flags",
	};

	if ((unsigned)kind < XENPT_ARRAY_SIZE(n) && n[kind])
		return n[kind];
	return "unknown";
}

XENPT_PUBLIC void xenpt_rmap_opts_init(struct xenpt_rmap_opts *ret)
{
	memset(ret, 0, sizeof(*ret));
}

/* ---- building --------------------------------------------------------------------- */

static struct xenpt_error *push_key(struct xenpt_rmap *r, uint64_t key)
{
	if (key == r->last_key && (r->nchunks || r->chunk_fill))
		return NULL;    /* the same table naming the same frame again */
	if (!r->nchunks || r->chunk_fill == CHUNK_KEYS) {
		uint64_t **nc = realloc(r->chunks, (r->nchunks + 1) * sizeof(*nc));

		if (!nc)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		r->chunks = nc;
		r->chunks[r->nchunks] = malloc(CHUNK_KEYS * sizeof(uint64_t));
		if (!r->chunks[r->nchunks])
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		r->nchunks++;
		r->chunk_fill = 0;
	}
	r->chunks[r->nchunks - 1][r->chunk_fill++] = key;
	r->last_key = key;
	return NULL;
}

/* The frame an entry names, as the index keys it. */
static uint64_t key_frame(const struct pt_geom *g, uint64_t e, const struct pt_entry *d)
{
	if (d->rsvd)
		return g->esize == 8 ? (e & XENPT_PTE_ADDR_MASK) >> 12 : (e & 0xfffff000ull) >> 12;
	return d->next;
}

static struct xenpt_error *visit(void *arg, struct ptg *g, uint32_t id, const uint8_t *tbl)
{
	struct xenpt_rmap *r = arg;
	const struct pt_geom *geo = &g->g;
	unsigned level = g->t[id].level, nent = ptg_nent(g, level), i;
	struct xenpt_error *err;

	if (id > TID_MASK)
		return xenpt_error_create(XENPT_ERR_BAD_DATA,
					  "%s: more than %u page-table frames: too many to index",
					  xenpt_source_describe(r->src), TID_MASK + 1);
	for (i = 0; i < nent; i++) {
		uint64_t e = pt_read_entry(geo, tbl, i);
		struct pt_entry d;

		if (!(e & XENPT_PTE_P))
			continue;
		pt_decode(geo, level, e, &d);
		err = push_key(r, key_frame(geo, e, &d) << TID_BITS | id);
		if (err)
			return err;
	}
	return NULL;
}

static void insertion_sort(uint64_t *k, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		uint64_t v = k[i];
		size_t j = i;

		while (j && k[j - 1] > v) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = v;
	}
}

/*
 * In-place MSD radix sort (American flag sort) of @n keys by their frame,
 * bits [TID_BITS, @hi) of the key, 11 bits at a time; keys of one frame
 * (a handful) are then ordered by table id.  No second array the size of
 * the index.
 */
static void sort_keys(uint64_t *k, size_t n, unsigned hi)
{
	size_t count[2048], start[2048], next[2048], i, b;
	unsigned width, shift;
	uint64_t mask;

	if (n <= 32 || hi <= TID_BITS) {
		insertion_sort(k, n);
		return;
	}
	width = hi - TID_BITS < 11 ? hi - TID_BITS : 11;
	shift = hi - width;
	mask = (1ull << width) - 1;
	memset(count, 0, (mask + 1) * sizeof(count[0]));
	for (i = 0; i < n; i++)
		count[(k[i] >> shift) & mask]++;
	start[0] = next[0] = 0;
	for (b = 1; b <= mask; b++)
		start[b] = next[b] = start[b - 1] + count[b - 1];
	for (b = 0; b <= mask; b++) {
		size_t end = start[b] + count[b];

		while (next[b] < end) {
			uint64_t v = k[next[b]];
			size_t d = (v >> shift) & mask;

			while (d != b) {
				uint64_t t = k[next[d]];

				k[next[d]++] = v;
				v = t;
				d = (v >> shift) & mask;
			}
			k[next[b]++] = v;
		}
	}
	for (b = 0; b <= mask; b++)
		if (count[b] > 1)
			sort_keys(k + start[b], count[b], shift);
}

/* Stable LSD radix sort of @n keys by bits [TID_BITS, @hi), through @tmp. */
static void lsd_sort(uint64_t *k, uint64_t *tmp, size_t n, unsigned hi)
{
	uint64_t *src = k, *dst = tmp, *t;
	unsigned lo = TID_BITS;

	while (lo < hi) {
		unsigned w = hi - lo < 11 ? hi - lo : 11;
		uint64_t m = (1ull << w) - 1;
		size_t cnt[2048], i, b, sum = 0;

		memset(cnt, 0, (m + 1) * sizeof(cnt[0]));
		for (i = 0; i < n; i++)
			cnt[(src[i] >> lo) & m]++;
		for (b = 0; b <= m; b++) {
			size_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i] >> lo) & m]++] = src[i];
		t = src;
		src = dst;
		dst = t;
		lo += w;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
}

#define SMALL_BUCKET 65536

/*
 * Sort the collected keys by frame: the frames are rebased on the smallest
 * one, a first pass on the top 11 bits of the rest scatters the chunks into
 * the index (freeing each chunk as it is consumed, so the keys never exist
 * twice), then each bucket is sorted: with a small scratch array when it
 * fits (LSD, stable: the keys of a frame stay in table order), in place
 * otherwise (hostile distributions).  Duplicates are dropped.
 */
static struct xenpt_error *finish_index(struct xenpt_rmap *r)
{
	size_t n = r->nchunks ? (r->nchunks - 1) * (size_t)CHUNK_KEYS + r->chunk_fill : 0, i, o, j;
	size_t count[2048], start[2049], maxb = 0, b;
	uint64_t minf = UINT64_MAX, maxf = 0, base, range, *tmp = NULL;
	unsigned hi, width, shift;

	for (i = 0; i < r->nchunks; i++) {
		size_t m = i + 1 == r->nchunks ? r->chunk_fill : CHUNK_KEYS;

		for (j = 0; j < m; j++) {
			uint64_t f = r->chunks[i][j] >> TID_BITS;

			minf = f < minf ? f : minf;
			maxf = f > maxf ? f : maxf;
		}
	}
	base = n ? minf : 0;
	range = n ? maxf - minf : 0;
	for (hi = 64; hi > TID_BITS && !(range >> (hi - 1 - TID_BITS)); hi--)
		;
	width = hi - TID_BITS < 11 ? hi - TID_BITS : 11;
	shift = hi - width;
	memset(count, 0, sizeof(count));
	for (i = 0; i < r->nchunks; i++) {
		size_t m = i + 1 == r->nchunks ? r->chunk_fill : CHUNK_KEYS;

		for (j = 0; j < m; j++)
			count[((r->chunks[i][j] - (base << TID_BITS)) >> shift) & ((1u << width) - 1)]++;
	}
	start[0] = 0;
	for (b = 0; b < 2048; b++) {
		start[b + 1] = start[b] + count[b];
		maxb = count[b] > maxb ? count[b] : maxb;
	}
	r->keys = malloc((n ? n : 1) * sizeof(*r->keys));
	if (!r->keys)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory: the index needs %zu bytes",
					  n * sizeof(*r->keys));
	memcpy(count, start, sizeof(count));   /* now: next free slot per bucket */
	for (i = 0; i < r->nchunks; i++) {
		size_t m = i + 1 == r->nchunks ? r->chunk_fill : CHUNK_KEYS;

		for (j = 0; j < m; j++) {
			uint64_t k = r->chunks[i][j] - (base << TID_BITS);

			r->keys[count[(k >> shift) & ((1u << width) - 1)]++] = k;
		}
		free(r->chunks[i]);
		r->chunks[i] = NULL;
	}
	free(r->chunks);
	r->chunks = NULL;
	r->nchunks = 0;
	if (shift > TID_BITS) {
		size_t tcap = maxb < SMALL_BUCKET ? maxb : SMALL_BUCKET;

		tmp = malloc((tcap ? tcap : 1) * sizeof(*tmp));
		if (!tmp)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		for (b = 0; b < 2048; b++) {
			size_t c = start[b + 1] - start[b];

			if (c <= 32)
				insertion_sort(r->keys + start[b], c);
			else if (c <= SMALL_BUCKET)
				lsd_sort(r->keys + start[b], tmp, c, shift);
			else
				sort_keys(r->keys + start[b], c, shift);
		}
		free(tmp);
	} else {
		/* the top pass covered every frame bit: order each frame's tables */
		for (b = 0; b < 2048; b++)
			insertion_sort(r->keys + start[b], start[b + 1] - start[b]);
	}
	for (i = 0, o = 0; i < n; i++) {
		uint64_t k = r->keys[i] + (base << TID_BITS);

		if (!o || r->keys[o - 1] != k)
			r->keys[o++] = k;
	}
	r->nkeys = o;
	if (o && o < n) {
		uint64_t *nk = realloc(r->keys, o * sizeof(*nk));

		if (nk)
			r->keys = nk;
	}
	return NULL;
}

static struct xenpt_error *add_root(struct xenpt_rmap *r, const struct xenpt_aspace *as,
				    const char *name)
{
	struct xenpt_rmap_root *nr;
	size_t i;

	for (i = 0; i < r->nroots; i++)
		if (r->roots[i].frame == as->root)
			return NULL;    /* another vCPU on the same tables: one root */
	nr = realloc(r->roots, (r->nroots + 1) * sizeof(*nr));
	if (!nr)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	r->roots = nr;
	memset(&nr[r->nroots], 0, sizeof(*nr));
	nr[r->nroots].frame = as->root;
	nr[r->nroots].cr3 = as->cr3;
	nr[r->nroots].user_l4 = as->pv && as->user;
	snprintf(nr[r->nroots].name, sizeof(nr[r->nroots].name), "%s", name);
	r->nroots++;
	return NULL;
}

/* Is @as a root we can index with the geometry of the first root? */
static bool same_geometry(const struct xenpt_aspace *a, const struct xenpt_aspace *b)
{
	return a->mode == b->mode && a->space == b->space && a->pv == b->pv &&
	       (a->mode != XENPT_PM_PAE || (a->cr3 & 0xfe0) == (b->cr3 & 0xfe0));
}

static struct xenpt_error *find_roots(struct xenpt_rmap *r, const struct xenpt_rmap_opts *o,
				      bool *have_as)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(r->src);
	struct xenpt_error *err;
	char name[48];
	uint32_t v;
	size_t i;

	if (!o->no_vcpu_roots && (xenpt_source_caps(r->src) & XENPT_CAP_VCPU)) {
		for (v = 0; v < info->nr_vcpus; v++) {
			unsigned u;

			for (u = 0; u < (info->hvm ? 1u : 2u); u++) {
				struct xenpt_aspace as;

				err = xenpt_aspace_from_vcpu(r->src, v, u, &as);
				if (err && (xenpt_error_code(err) == XENPT_ERR_NOT_FOUND ||
					    xenpt_error_code(err) == XENPT_ERR_INVALID_ARG)) {
					xenpt_error_destroy(err);   /* offline, or no user L4 */
					continue;
				}
				if (err)
					return err;
				if (!*have_as) {
					r->as = as;
					*have_as = true;
				} else if (!same_geometry(&r->as, &as)) {
					continue;
				}
				snprintf(name, sizeof(name), "vCPU %u %s", v,
					 info->hvm ? "CR3" : u ? "user L4" : "kernel L4");
				err = add_root(r, &as, name);
				if (err)
					return err;
			}
		}
	}
	for (i = 0; i < o->n_cr3s; i++) {
		struct xenpt_aspace as;

		err = xenpt_aspace_from_cr3(r->src, o->cr3s[i], *have_as ? r->as.mode : XENPT_PM_NONE,
					    &as);
		if (err)
			return err;
		if (!*have_as) {
			r->as = as;
			*have_as = true;
		} else if (!same_geometry(&r->as, &as)) {
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: cr3 0x%" PRIx64 " cannot be indexed with the other roots (%s paging)",
						  xenpt_source_describe(r->src), o->cr3s[i],
						  xenpt_paging_mode_name(r->as.mode));
		}
		snprintf(name, sizeof(name), "cr3 0x%" PRIx64, o->cr3s[i]);
		err = add_root(r, &as, name);
		if (err)
			return err;
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_rmap_create(struct xenpt_source *src,
						   const struct xenpt_rmap_opts *opts,
						   struct xenpt_rmap **ret)
{
	struct xenpt_rmap_opts o;
	struct xenpt_rmap *r;
	struct xenpt_error *err;
	bool have_as = false;
	size_t i;

	if (!src || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_rmap_create: NULL argument");
	if (opts)
		o = *opts;
	else
		xenpt_rmap_opts_init(&o);
	r = calloc(1, sizeof(*r));
	if (!r)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	r->src = src;
	err = find_roots(r, &o, &have_as);
	if (err)
		goto fail;
	if (!r->nroots) {
		err = xenpt_error_create(XENPT_ERR_NOT_FOUND,
					 "%s: no root to index (no vCPU with a page table); give one with --cr3",
					 xenpt_source_describe(src));
		goto fail;
	}
	if (!xenpt_paging_mode_levels(r->as.mode)) {
		err = xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					 "%s: paging is off: there are no page tables to index",
					 xenpt_source_describe(src));
		goto fail;
	}
	err = ptg_init(&r->g, src, &r->as);
	if (err)
		goto fail;
	r->root_tid = calloc(r->nroots, sizeof(*r->root_tid));
	if (!r->root_tid) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->nroots && !err; i++)
		err = ptg_add_root(&r->g, r->roots[i].frame, &r->root_tid[i]);
	if (!err)
		err = ptg_build(&r->g, true, visit, r);
	if (!err)
		err = finish_index(r);
	if (err)
		goto fail;
	r->parents = calloc(r->g.n, sizeof(*r->parents));
	r->npaths = calloc(r->g.n, sizeof(*r->npaths));
	if (!r->parents || !r->npaths) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	*ret = r;
	return NULL;
fail:
	xenpt_rmap_destroy(r);
	return err;
}

XENPT_PUBLIC void xenpt_rmap_destroy(struct xenpt_rmap *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nchunks; i++)
		free(r->chunks[i]);
	free(r->chunks);
	if (r->parents)
		for (i = 0; i < r->g.n; i++)
			free(r->parents[i].v);
	free(r->parents);
	free(r->npaths);
	free(r->keys);
	free(r->roots);
	free(r->root_tid);
	ptg_deinit(&r->g);
	free(r);
}

XENPT_PUBLIC size_t xenpt_rmap_nr_roots(const struct xenpt_rmap *r)
{
	return r->nroots;
}

XENPT_PUBLIC const struct xenpt_rmap_root *xenpt_rmap_root(const struct xenpt_rmap *r, size_t i)
{
	return i < r->nroots ? &r->roots[i] : NULL;
}

XENPT_PUBLIC const struct xenpt_aspace *xenpt_rmap_aspace(const struct xenpt_rmap *r)
{
	return &r->as;
}

XENPT_PUBLIC void xenpt_rmap_stats(const struct xenpt_rmap *r, struct xenpt_rmap_stats *ret)
{
	size_t i;

	*ret = r->st;
	ret->roots = r->nroots;
	ret->tables = r->g.n;
	ret->table_reads = r->g.reads;
	ret->entries_scanned = r->g.entries + r->st.entries_scanned;
	ret->refs = r->nkeys;
	ret->index_bytes = r->nkeys * sizeof(*r->keys) +
			   (uint64_t)r->g.cap * sizeof(*r->g.t) + r->g.ht.nslots * sizeof(*r->g.ht.slot) +
			   (uint64_t)r->g.n * (sizeof(*r->parents) + sizeof(*r->npaths));
	for (i = 0; i < r->g.n; i++)
		ret->index_bytes += r->parents[i].n * sizeof(struct parent);
}

/* ---- queries ----------------------------------------------------------------------- */

/* First index whose key is >= @key. */
static size_t lower_bound(const struct xenpt_rmap *r, uint64_t key)
{
	size_t lo = 0, hi = r->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Tables holding an entry that may name @frame: keyed by @frame itself, or
 * by the first frame of a large page holding it.  Sorted, unique, malloc'd.
 */
static struct xenpt_error *candidate_tables(struct xenpt_rmap *r, uint64_t frame,
					    uint32_t **ret, size_t *n_ret)
{
	const struct pt_geom *g = &r->g.g;
	uint64_t cands[3];
	unsigned nc = 0, l, c;
	uint32_t *v = NULL;
	size_t n = 0, cap = 0, i, o;

	cands[nc++] = frame;
	for (l = 2; l <= 3; l++) {
		uint64_t base;

		if (!g->large_ok[l])
			continue;
		base = frame & ~((1ull << (g->shift[l] - 12)) - 1);
		if (base != cands[nc - 1])
			cands[nc++] = base;
	}
	for (c = 0; c < nc; c++) {
		size_t k;

		if (cands[c] >> (64 - TID_BITS))
			continue;   /* no entry can name it */
		for (k = lower_bound(r, cands[c] << TID_BITS);
		     k < r->nkeys && r->keys[k] >> TID_BITS == cands[c]; k++) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint32_t *nv = realloc(v, ncap * sizeof(*nv));

				if (!nv) {
					free(v);
					return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				}
				v = nv;
				cap = ncap;
			}
			v[n++] = (uint32_t)(r->keys[k] & TID_MASK);
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 0, o = 0; i < n; i++)
		if (!o || v[o - 1] != v[i])
			v[o++] = v[i];
	*ret = v;
	*n_ret = o;
	return NULL;
}

/* Does entry @e (index @idx of a level-@level table) name @frame?  Fills @ref. */
static bool entry_names(struct xenpt_rmap *r, unsigned level, unsigned idx, uint64_t e,
			uint64_t frame, struct xenpt_rmap_ref *ref)
{
	const struct pt_geom *g = &r->g.g;
	struct pt_entry d;
	uint32_t tid;

	if (!(e & XENPT_PTE_P))
		return false;
	pt_decode(g, level, e, &d);
	memset(ref, 0, sizeof(*ref));
	ref->level = level;
	ref->index = idx;
	ref->entry = e;
	ref->page_size = 1ull << g->shift[level];
	if (pt_is_xen_slot(g, level, idx)) {
		if (d.next != frame)
			return false;
		ref->kind = XENPT_RMAP_XEN_SLOT;
	} else if (d.rsvd) {
		if (key_frame(g, e, &d) != frame)
			return false;
		ref->kind = XENPT_RMAP_RESERVED;
	} else if (d.disallowed) {
		if (d.next != frame)
			return false;
		ref->kind = XENPT_RMAP_DISALLOWED;
	} else if (d.leaf) {
		uint64_t nframes = ref->page_size >> 12;

		if (frame < d.next || frame - d.next >= nframes)
			return false;
		ref->kind = XENPT_RMAP_LEAF;
		ref->frame_offset = (frame - d.next) << 12;
	} else {
		if (d.next != frame)
			return false;
		tid = ptg_find(&r->g, frame);
		ref->kind = tid != PTG_NONE && r->g.t[tid].level == level - 1 ? XENPT_RMAP_TABLE
									     : XENPT_RMAP_LINEAR;
	}
	tid = ptg_find(&r->g, frame);
	if (tid != PTG_NONE && ref->kind != XENPT_RMAP_LEAF)
		ref->named_level = r->g.t[tid].level;
	return true;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static struct xenpt_error *parents_of(struct xenpt_rmap *r, uint32_t id, struct plist **ret);

/* Paths from the roots to table @id. */
static struct xenpt_error *count_paths(struct xenpt_rmap *r, uint32_t id, uint64_t *ret)
{
	struct xenpt_error *err;
	struct plist *pl;
	uint64_t n = 0;
	uint32_t i;

	if (r->npaths[id]) {
		*ret = r->npaths[id];
		return NULL;
	}
	if (r->g.t[id].flags & PTG_ROOT)
		n = 1;
	err = parents_of(r, id, &pl);
	if (err)
		return err;
	/* parents are one level up: the recursion is bounded by the levels */
	for (i = 0; i < pl->n; i++) {
		uint64_t p;

		err = count_paths(r, pl->v[i].id, &p);
		if (err)
			return err;
		n = sat_add(n, p);
	}
	r->npaths[id] = n ? n : 1;   /* unreachable cannot happen: every table was found from a root */
	*ret = r->npaths[id];
	return NULL;
}

/* Scan table @tid for the entries naming @frame; @fn for each. */
static struct xenpt_error *scan_table(struct xenpt_rmap *r, uint32_t tid, uint64_t frame,
				      struct xenpt_error *(*fn)(void *arg, const struct xenpt_rmap_ref *ref,
								struct xenpt_rmap *rm),
				      void *arg, uint64_t *count)
{
	unsigned level = r->g.t[tid].level, nent = ptg_nent(&r->g, level), i, n = 0;
	struct xenpt_rmap_ref found[64];
	struct xenpt_error *err;
	const uint8_t *tbl;
	int ferr;

	err = ptg_read(&r->g, tid, &tbl, &ferr);
	if (err)
		return err;
	if (!tbl)
		return xenpt_error_create(XENPT_ERR_GONE,
					  "%s: L%u table at %s 0x%" PRIx64 " became unreadable: %s",
					  xenpt_source_describe(r->src), level,
					  r->as.pv ? "mfn" : xenpt_space_name(r->as.space),
					  r->g.t[tid].frame, xenpt_source_frame_strerror(r->src, ferr));
	r->st.entries_scanned += nent;
	/* collect first: the callbacks may read other tables (labels, paths) */
	i = 0;
	while (i < nent) {
		for (n = 0; i < nent && n < XENPT_ARRAY_SIZE(found); i++) {
			if (!entry_names(r, level, i, pt_read_entry(&r->g.g, tbl, i), frame, &found[n]))
				continue;
			found[n].table = r->g.t[tid].frame;
			found[n].table_id_ = tid;
			n++;
		}
		if (i < nent && n == XENPT_ARRAY_SIZE(found)) {
			/* more to come: deliver these, then read the table again */
			unsigned k;

			for (k = 0; k < n; k++) {
				err = fn(arg, &found[k], r);
				if (err)
					return err;
			}
			*count += n;
			err = ptg_read(&r->g, tid, &tbl, &ferr);
			if (err)
				return err;
			if (!tbl)
				return xenpt_error_create(XENPT_ERR_GONE, "%s: table at 0x%" PRIx64 " became unreadable",
							  xenpt_source_describe(r->src), r->g.t[tid].frame);
			n = 0;
			continue;
		}
		break;
	}
	{
		unsigned k;

		for (k = 0; k < n; k++) {
			err = fn(arg, &found[k], r);
			if (err)
				return err;
		}
		*count += n;
	}
	return NULL;
}

static struct xenpt_error *add_parent(void *arg, const struct xenpt_rmap_ref *ref,
				      struct xenpt_rmap *r)
{
	struct plist *pl = arg;
	struct parent *nv;

	(void)r;
	if (ref->kind != XENPT_RMAP_TABLE)
		return NULL;
	nv = realloc(pl->v, (pl->n + 1) * sizeof(*nv));
	if (!nv)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	pl->v = nv;
	nv[pl->n].id = ref->table_id_;
	nv[pl->n].idx = (uint16_t)ref->index;
	nv[pl->n].entry = ref->entry;
	pl->n++;
	return NULL;
}

static struct xenpt_error *parents_of(struct xenpt_rmap *r, uint32_t id, struct plist **ret)
{
	struct plist *pl = &r->parents[id];
	struct xenpt_error *err;
	uint32_t *tids = NULL;
	size_t n = 0, i;
	uint64_t count = 0;

	if (!pl->done) {
		err = candidate_tables(r, r->g.t[id].frame, &tids, &n);
		for (i = 0; i < n && !err; i++)
			if (r->g.t[tids[i]].level == r->g.t[id].level + 1)
				err = scan_table(r, tids[i], r->g.t[id].frame, add_parent, pl, &count);
		free(tids);
		if (err)
			return err;
		pl->done = true;
	}
	*ret = pl;
	return NULL;
}

struct lookup_ctx {
	struct xenpt_error *(*fn)(void *arg, const struct xenpt_rmap_ref *ref);
	void *arg;
};

static struct xenpt_error *deliver(void *arg, const struct xenpt_rmap_ref *cref,
				   struct xenpt_rmap *r)
{
	struct lookup_ctx *lc = arg;
	struct xenpt_rmap_ref ref = *cref;
	struct xenpt_error *err;

	ref.table_other = XENPT_INVALID_FRAME;
	if (r->as.pv && (xenpt_source_caps(r->src) & XENPT_CAP_M2P)) {
		xenpt_mfn_t m = xenpt_mfn(ref.table);
		xenpt_gfn_t p;

		err = xenpt_source_m2p(r->src, &m, 1, &p);
		if (err)
			return err;
		ref.table_other = xenpt_gfn_x(p);
	}
	err = count_paths(r, ref.table_id_, &ref.paths);
	if (err)
		return err;
	return lc->fn(lc->arg, &ref);
}

XENPT_PUBLIC void xenpt_rmap_frame_info(const struct xenpt_rmap *r, uint64_t frame,
					struct xenpt_rmap_frame *ret)
{
	uint32_t tid = ptg_find(&r->g, frame);
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->frame = frame;
	if (tid != PTG_NONE)
		ret->table_level = r->g.t[tid].level;
	for (i = 0; i < r->nroots; i++)
		if (r->roots[i].frame == frame) {
			ret->is_root = true;
			if (i < 64)
				ret->roots |= 1ull << i;
		}
}

XENPT_PUBLIC struct xenpt_error *xenpt_rmap_lookup(struct xenpt_rmap *r, uint64_t frame,
						   struct xenpt_error *(*fn)(void *arg,
									     const struct xenpt_rmap_ref *ref),
						   void *arg, struct xenpt_rmap_frame *info_ret)
{
	struct lookup_ctx lc = { fn, arg };
	struct xenpt_rmap_frame info;
	struct xenpt_error *err = NULL;
	uint32_t *tids = NULL;
	size_t n = 0, i;

	if (!r || !fn)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_rmap_lookup: NULL argument");
	r->st.lookups++;
	xenpt_rmap_frame_info(r, frame, &info);
	err = candidate_tables(r, frame, &tids, &n);
	for (i = 0; i < n && !err; i++)
		err = scan_table(r, tids[i], frame, deliver, &lc, &info.refs);
	free(tids);
	if (!err && info_ret)
		*info_ret = info;
	return err;
}

/* ---- paths ------------------------------------------------------------------------- */

/*
 * Paths are enumerated top-down, so that each root's come out in VA
 * order: first the ancestors of the entry's table are found by walking the
 * parent links up (a set bounded by the distinct tables), then a
 * depth-first descent from each root follows, in index order, only the
 * links that lead to an ancestor.
 */
struct link {
	uint32_t child;
	uint16_t idx;
	uint64_t entry;
};

struct anc {
	uint32_t id;
	uint32_t nlinks;
	struct link *links;        /* to other ancestors, by index */
};

struct path_walk {
	struct xenpt_rmap *r;
	const struct xenpt_rmap_ref *ref;
	size_t max, n;
	struct xenpt_rmap_path *out;
	struct anc *anc;
	size_t nanc, cap;
};

static void fold_rights(const struct pt_geom *g, unsigned level, uint64_t e, bool *rw, bool *us,
			bool *nx)
{
	if (g->has_rw_us[level]) {
		*rw = *rw && (e & XENPT_PTE_RW);
		*us = *us && (e & XENPT_PTE_US);
	}
	if (g->nx && (e & XENPT_PTE_NX))
		*nx = true;
}

static struct anc *anc_find(struct path_walk *pw, uint32_t id)
{
	size_t i;

	for (i = 0; i < pw->nanc; i++)
		if (pw->anc[i].id == id)
			return &pw->anc[i];
	return NULL;
}

/* Add @id and its ancestors to the set. */
static struct xenpt_error *anc_collect(struct path_walk *pw, uint32_t id)
{
	struct xenpt_error *err;
	struct plist *pl;
	uint32_t i;

	if (anc_find(pw, id))
		return NULL;
	if (pw->nanc == pw->cap) {
		size_t ncap = pw->cap ? pw->cap * 2 : 8;
		struct anc *na = realloc(pw->anc, ncap * sizeof(*na));

		if (!na)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		pw->anc = na;
		pw->cap = ncap;
	}
	memset(&pw->anc[pw->nanc], 0, sizeof(pw->anc[0]));
	pw->anc[pw->nanc++].id = id;
	err = parents_of(pw->r, id, &pl);
	if (err)
		return err;
	for (i = 0; i < pl->n; i++) {
		err = anc_collect(pw, pl->v[i].id);
		if (err)
			return err;
	}
	return NULL;
}

static int cmp_link(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Links between ancestors, downwards, from the parent lists. */
static struct xenpt_error *anc_links(struct path_walk *pw)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < pw->nanc; i++) {
		struct plist *pl = &pw->r->parents[pw->anc[i].id];

		for (k = 0; k < pl->n; k++) {
			struct anc *p = anc_find(pw, pl->v[k].id);
			struct link *nl;

			if (!p)
				continue;
			nl = realloc(p->links, (p->nlinks + 1) * sizeof(*nl));
			if (!nl)
				return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			p->links = nl;
			nl[p->nlinks].child = pw->anc[i].id;
			nl[p->nlinks].idx = pl->v[k].idx;
			nl[p->nlinks].entry = pl->v[k].entry;
			p->nlinks++;
		}
	}
	for (i = 0; i < pw->nanc; i++)
		if (pw->anc[i].nlinks > 1)
			qsort(pw->anc[i].links, pw->anc[i].nlinks, sizeof(struct link), cmp_link);
	return NULL;
}

/* Down from table @id (covering VAs from @base, with rights so far). */
static void descend(struct path_walk *pw, size_t root, uint32_t id, uint64_t base, bool rw,
		    bool us, bool nx)
{
	struct xenpt_rmap *r = pw->r;
	const struct pt_geom *g = &r->g.g;
	unsigned level = r->g.t[id].level;
	struct anc *a;
	uint32_t i;

	if (pw->n >= pw->max)
		return;
	if (id == pw->ref->table_id_) {
		struct xenpt_rmap_path *p = &pw->out[pw->n++];

		memset(p, 0, sizeof(*p));
		p->root = root;
		p->va = ptg_entry_va(&r->g, level, base, pw->ref->index) + pw->ref->frame_offset;
		fold_rights(g, level, pw->ref->entry, &rw, &us, &nx);
		p->hw_user = us;
		if (pw->ref->kind == XENPT_RMAP_LEAF) {
			/* the privilege as the root's own walk decides it */
			struct xenpt_aspace ras = r->as;

			ras.user = r->roots[root].user_l4;
			p->user = pt_user(&ras, us, pw->ref->entry);
		} else {
			p->user = us;
		}
		p->writable = pt_writable(rw, us, r->as.wp);
		p->nx = nx;
		return;
	}
	a = anc_find(pw, id);
	if (!a)
		return;
	for (i = 0; i < a->nlinks && pw->n < pw->max; i++) {
		bool crw = rw, cus = us, cnx = nx;

		fold_rights(g, level, a->links[i].entry, &crw, &cus, &cnx);
		descend(pw, root, a->links[i].child, ptg_entry_va(&r->g, level, base, a->links[i].idx),
			crw, cus, cnx);
	}
}

XENPT_PUBLIC struct xenpt_error *xenpt_rmap_paths(struct xenpt_rmap *r, const struct xenpt_rmap_ref *ref,
						  size_t max, struct xenpt_rmap_path *out, size_t *n_ret)
{
	struct path_walk pw;
	struct xenpt_error *err;
	size_t i;

	if (!r || !ref || (max && !out) || !n_ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_rmap_paths: NULL argument");
	if (ref->table_id_ >= r->g.n || r->g.t[ref->table_id_].frame != ref->table)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "xenpt_rmap_paths: the reference does not come from this index");
	memset(&pw, 0, sizeof(pw));
	pw.r = r;
	pw.ref = ref;
	pw.max = max;
	pw.out = out;
	err = anc_collect(&pw, ref->table_id_);
	if (!err)
		err = anc_links(&pw);
	for (i = 0; !err && i < r->nroots && pw.n < max; i++)
		if (anc_find(&pw, r->root_tid[i]))
			descend(&pw, i, r->root_tid[i], 0, true, true, false);
	for (i = 0; i < pw.nanc; i++)
		free(pw.anc[i].links);
	free(pw.anc);
	if (err)
		return err;
	*n_ret = pw.n;
	return NULL;
}
