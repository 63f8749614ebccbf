/* SPDX-License-Identifier: MIT */
/*
 * The frame cache in front of every source (style.md §2.4: backends never
 * cache).  Two modes:
 *
 * - stable sources (core files mmap'd, synthetic domains) hand out pointers
 *   that stay valid until close, so the cache only remembers them: a
 *   direct-mapped table of (frame, pointer), no copies.
 * - copying sources (live domains: each batch is foreign-mapped, copied and
 *   unmapped) get an LRU of 4 KiB slots with a linear-probing hash index.
 *
 * Misses of one call go to the backend in ONE batch (one foreign-map call
 * live), deduplicated.  Pointers handed out stay valid until the next call:
 * entries touched by the current call are never evicted by it, and frames
 * that do not fit are served from the call's scratch buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/source_int.h"

#define DM_BITS 16                       /* stable mode: 65536 pointers */
#define NIL UINT32_MAX

struct dm_entry {
	uint64_t frame;
	const uint8_t *ptr;     /* NULL: empty */
	uint8_t space;
};

struct frame_cache {
	bool stable;
	struct xenpt_cache_stats st;
	uint64_t gen;                    /* current call */

	/* stable mode */
	struct dm_entry *dm;

	/* copying mode */
	size_t cap;                      /* slots */
	uint8_t *data;                   /* cap * 4096 */
	uint64_t *keys;                  /* frame numbers */
	uint8_t *kspace;                 /* and their spaces */
	uint64_t *gens;
	uint32_t *prev, *next;           /* LRU list; head = most recent */
	uint32_t head, tail, nfree;
	uint32_t *freelist;
	uint32_t *hash;                  /* slot + 1, 0 = empty */
	size_t hmask;

	/* per-call scratch */
	uint8_t *scratch;
	size_t scratch_frames;
	uint64_t *miss_frames;
	size_t *miss_first;              /* request index of each unique miss */
	const uint8_t **miss_pages;
	int *miss_errs;
	uint32_t *dedup;                 /* per-call hash: unique-miss index + 1 */
	size_t miss_cap, dedup_mask;
	size_t dedup_cap;                /* entries allocated; a call uses (and clears) what its n needs */
};

/* Frame numbers are full 64-bit values (hostile data): hash both halves of the key. */
static inline size_t hash64(uint64_t k);
static inline size_t fc_hash(enum xenpt_space space, uint64_t frame)
{
	return hash64(frame ^ ((uint64_t)space << 63) ^ ((uint64_t)space * 0x9e3779b97f4a7c15ull));
}

static inline size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

static void fc_free_copy(struct frame_cache *fc)
{
	free(fc->data);
	free(fc->keys);
	free(fc->kspace);
	free(fc->gens);
	free(fc->prev);
	free(fc->next);
	free(fc->freelist);
	free(fc->hash);
	fc->data = NULL;
	fc->kspace = NULL;
	fc->keys = fc->gens = NULL;
	fc->prev = fc->next = fc->freelist = fc->hash = NULL;
}

static bool fc_alloc_copy(struct frame_cache *fc, size_t cap)
{
	size_t hsize = 1;
	uint32_t i;

	if (cap < 16)
		cap = 16;
	if (cap > (1u << 24))
		cap = 1u << 24;
	while (hsize < cap * 2)
		hsize <<= 1;
	fc->cap = cap;
	fc->data = malloc(cap * XENPT_PAGE_SIZE);
	fc->keys = malloc(cap * sizeof(*fc->keys));
	fc->kspace = malloc(cap * sizeof(*fc->kspace));
	fc->gens = calloc(cap, sizeof(*fc->gens));
	fc->prev = malloc(cap * sizeof(*fc->prev));
	fc->next = malloc(cap * sizeof(*fc->next));
	fc->freelist = malloc(cap * sizeof(*fc->freelist));
	fc->hash = calloc(hsize, sizeof(*fc->hash));
	if (!fc->data || !fc->keys || !fc->kspace || !fc->gens || !fc->prev || !fc->next ||
	    !fc->freelist || !fc->hash) {
		fc_free_copy(fc);
		return false;
	}
	fc->hmask = hsize - 1;
	fc->head = fc->tail = NIL;
	for (i = 0; i < cap; i++)
		fc->freelist[i] = (uint32_t)(cap - 1 - i);
	fc->nfree = (uint32_t)cap;
	fc->st.capacity = cap;
	fc->st.resident = 0;
	return true;
}

struct frame_cache *frame_cache_create(size_t capacity, bool stable)
{
	struct frame_cache *fc = calloc(1, sizeof(*fc));
	if (!fc)
		return NULL;
	fc->stable = stable;
	if (stable) {
		fc->dm = calloc((size_t)1 << DM_BITS, sizeof(*fc->dm));
		if (!fc->dm) {
			free(fc);
			return NULL;
		}
		fc->st.capacity = 1u << DM_BITS;
	} else if (!fc_alloc_copy(fc, capacity ? capacity : 8192)) {
		free(fc);
		return NULL;
	}
	return fc;
}

void frame_cache_destroy(struct frame_cache *fc)
{
	if (!fc)
		return;
	free(fc->dm);
	fc_free_copy(fc);
	free(fc->scratch);
	free(fc->miss_frames);
	free(fc->miss_first);
	free(fc->miss_pages);
	free(fc->miss_errs);
	free(fc->dedup);
	free(fc);
}

/* ---- copying mode: hash index ------------------------------------------- */

static inline bool slot_is(const struct frame_cache *fc, uint32_t s, enum xenpt_space space,
			   uint64_t frame)
{
	return fc->keys[s] == frame && fc->kspace[s] == space;
}

static uint32_t hash_find(const struct frame_cache *fc, enum xenpt_space space, uint64_t frame)
{
	size_t i = fc_hash(space, frame) & fc->hmask;

	for (;;) {
		uint32_t v = fc->hash[i];
		if (!v)
			return NIL;
		if (slot_is(fc, v - 1, space, frame))
			return v - 1;
		i = (i + 1) & fc->hmask;
	}
}

static void hash_insert(struct frame_cache *fc, uint32_t slot)
{
	size_t i = fc_hash(fc->kspace[slot], fc->keys[slot]) & fc->hmask;

	while (fc->hash[i])
		i = (i + 1) & fc->hmask;
	fc->hash[i] = slot + 1;
}

/* Linear-probing deletion with backward shift (no tombstones). */
static void hash_remove(struct frame_cache *fc, uint32_t slot)
{
	size_t i = fc_hash(fc->kspace[slot], fc->keys[slot]) & fc->hmask, j;

	while (fc->hash[i] && fc->hash[i] - 1 != slot)
		i = (i + 1) & fc->hmask;
	if (!fc->hash[i])
		return;
	fc->hash[i] = 0;
	for (j = (i + 1) & fc->hmask; fc->hash[j]; j = (j + 1) & fc->hmask) {
		uint32_t o = fc->hash[j] - 1;
		size_t home = fc_hash(fc->kspace[o], fc->keys[o]) & fc->hmask;
		/* move j back to i if its home is not in (i, j] (cyclically) */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			fc->hash[i] = fc->hash[j];
			fc->hash[j] = 0;
			i = j;
		}
	}
}

static void lru_unlink(struct frame_cache *fc, uint32_t s)
{
	if (fc->prev[s] != NIL)
		fc->next[fc->prev[s]] = fc->next[s];
	else
		fc->head = fc->next[s];
	if (fc->next[s] != NIL)
		fc->prev[fc->next[s]] = fc->prev[s];
	else
		fc->tail = fc->prev[s];
}

static void lru_push_front(struct frame_cache *fc, uint32_t s)
{
	fc->prev[s] = NIL;
	fc->next[s] = fc->head;
	if (fc->head != NIL)
		fc->prev[fc->head] = s;
	fc->head = s;
	if (fc->tail == NIL)
		fc->tail = s;
}

/* A slot for a new frame, or NIL if every slot is in use by this call. */
static uint32_t slot_alloc(struct frame_cache *fc)
{
	uint32_t s;

	if (fc->nfree)
		return fc->freelist[--fc->nfree];
	s = fc->tail;
	if (s == NIL || fc->gens[s] == fc->gen)
		return NIL;   /* LRU tail touched by this call: so is everything */
	lru_unlink(fc, s);
	hash_remove(fc, s);
	fc->st.evictions++;
	fc->st.resident--;
	return s;
}

/* ---- per-call buffers ---------------------------------------------------- */

static bool ensure_call_buffers(struct frame_cache *fc, size_t n)
{
	size_t dsize = 1;

	if (n > fc->miss_cap) {
		uint64_t *f = realloc(fc->miss_frames, n * sizeof(*f));
		size_t *first;
		const uint8_t **pg;
		int *er;

		if (!f)
			return false;
		fc->miss_frames = f;
		first = realloc(fc->miss_first, n * sizeof(*first));
		if (!first)
			return false;
		fc->miss_first = first;
		pg = realloc(fc->miss_pages, n * sizeof(*pg));
		if (!pg)
			return false;
		fc->miss_pages = pg;
		er = realloc(fc->miss_errs, n * sizeof(*er));
		if (!er)
			return false;
		fc->miss_errs = er;
		fc->miss_cap = n;
	}
	while (dsize < n * 2)
		dsize <<= 1;
	if (dsize > fc->dedup_cap || !fc->dedup) {
		free(fc->dedup);
		fc->dedup = calloc(dsize, sizeof(*fc->dedup));
		if (!fc->dedup) {
			fc->dedup_cap = 0;
			return false;
		}
		fc->dedup_cap = dsize;
	} else {
		/* only what this call uses: one large batch must not make every
		 * later one-frame read clear the whole table */
		memset(fc->dedup, 0, dsize * sizeof(*fc->dedup));
	}
	fc->dedup_mask = dsize - 1;
	return true;
}

static bool ensure_scratch(struct frame_cache *fc, size_t n)
{
	if (n > fc->scratch_frames) {
		uint8_t *p = realloc(fc->scratch, n * XENPT_PAGE_SIZE);
		if (!p)
			return false;
		fc->scratch = p;
		fc->scratch_frames = n;
	}
	return true;
}

/* ---- the lookup ---------------------------------------------------------- */

static struct xenpt_error *get_stable(struct frame_cache *fc, struct xenpt_source *src,
				      enum xenpt_space space, const uint64_t *frames, size_t n,
				      const uint8_t **pages, int *errs)
{
	struct xenpt_error *err;
	size_t i, nmiss = 0;

	for (i = 0; i < n; i++) {
		struct dm_entry *e = &fc->dm[fc_hash(space, frames[i]) & ((1u << DM_BITS) - 1)];

		fc->st.lookups++;
		if (e->ptr && e->frame == frames[i] && e->space == space) {
			fc->st.hits++;
			pages[i] = e->ptr;
			errs[i] = 0;
			continue;
		}
		pages[i] = NULL;
		errs[i] = -1;           /* marks a miss for the second pass */
		nmiss++;
	}
	if (!nmiss)
		return NULL;
	if (!ensure_call_buffers(fc, nmiss))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	nmiss = 0;
	for (i = 0; i < n; i++)
		if (errs[i] == -1) {
			fc->miss_frames[nmiss] = frames[i];
			fc->miss_first[nmiss++] = i;
		}
	fc->st.misses += nmiss;
	fc->st.map_calls++;
	err = src->ops->get_frames(src, space, fc->miss_frames, nmiss, fc->miss_pages,
				   fc->miss_errs, NULL);
	if (err) {
		for (i = 0; i < nmiss; i++)
			errs[fc->miss_first[i]] = EFAULT;
		return err;
	}
	for (i = 0; i < nmiss; i++) {
		size_t r = fc->miss_first[i];

		pages[r] = fc->miss_pages[i];
		errs[r] = pages[r] ? 0 : (fc->miss_errs[i] > 0 ? fc->miss_errs[i] : EFAULT);
		if (pages[r]) {
			struct dm_entry *e = &fc->dm[fc_hash(space, frames[r]) & ((1u << DM_BITS) - 1)];
			if (!e->ptr)
				fc->st.resident++;
			e->frame = frames[r];
			e->space = (uint8_t)space;
			e->ptr = pages[r];
			fc->st.frames_mapped++;
		} else {
			fc->st.failed++;
		}
	}
	return NULL;
}

static struct xenpt_error *get_copy(struct frame_cache *fc, struct xenpt_source *src,
				    enum xenpt_space space, const uint64_t *frames, size_t n,
				    const uint8_t **pages, int *errs)
{
	struct xenpt_error *err;
	size_t i, nmiss = 0;

	fc->gen++;
	if (!fc->data || !ensure_call_buffers(fc, n))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		uint32_t s = hash_find(fc, space, frames[i]);

		fc->st.lookups++;
		if (s != NIL) {
			fc->st.hits++;
			fc->gens[s] = fc->gen;
			lru_unlink(fc, s);
			lru_push_front(fc, s);
			pages[i] = fc->data + (size_t)s * XENPT_PAGE_SIZE;
			errs[i] = 0;
			continue;
		}
		/* a miss: deduplicate within the call */
		{
			size_t h = fc_hash(space, frames[i]) & fc->dedup_mask;
			while (fc->dedup[h] && fc->miss_frames[fc->dedup[h] - 1] != frames[i])
				h = (h + 1) & fc->dedup_mask;
			if (!fc->dedup[h]) {
				fc->miss_frames[nmiss] = frames[i];
				fc->miss_first[nmiss] = i;
				fc->dedup[h] = (uint32_t)++nmiss;
				fc->st.misses++;
			} else {
				fc->st.hits++;   /* served by the same fetch */
			}
			pages[i] = NULL;
			errs[i] = -(int)fc->dedup[h];   /* -(unique index + 1) */
		}
	}
	if (!nmiss)
		return NULL;
	if (!ensure_scratch(fc, nmiss))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	fc->st.map_calls++;
	err = src->ops->get_frames(src, space, fc->miss_frames, nmiss, fc->miss_pages,
				   fc->miss_errs, fc->scratch);
	if (err) {
		for (i = 0; i < n; i++)
			if (errs[i] < 0) {
				pages[i] = NULL;
				errs[i] = EFAULT;
			}
		return err;
	}
	/* insert the delivered frames; the scratch copy serves if no slot is free */
	for (i = 0; i < nmiss; i++) {
		uint32_t s;

		if (!fc->miss_pages[i]) {
			fc->st.failed++;
			if (fc->miss_errs[i] <= 0)
				fc->miss_errs[i] = EFAULT;
			continue;
		}
		fc->st.frames_mapped++;
		s = slot_alloc(fc);
		if (s == NIL)
			continue;
		memcpy(fc->data + (size_t)s * XENPT_PAGE_SIZE, fc->miss_pages[i], XENPT_PAGE_SIZE);
		fc->keys[s] = fc->miss_frames[i];
		fc->kspace[s] = (uint8_t)space;
		fc->gens[s] = fc->gen;
		hash_insert(fc, s);
		lru_push_front(fc, s);
		fc->st.resident++;
		fc->miss_pages[i] = fc->data + (size_t)s * XENPT_PAGE_SIZE;
	}
	for (i = 0; i < n; i++)
		if (errs[i] < 0) {
			size_t u = (size_t)(-errs[i]) - 1;
			pages[i] = fc->miss_pages[u];
			errs[i] = pages[i] ? 0 : fc->miss_errs[u];
		}
	return NULL;
}

struct xenpt_error *frame_cache_get(struct frame_cache *fc, struct xenpt_source *src,
				    enum xenpt_space space, const uint64_t *frames, size_t n,
				    const uint8_t **pages, int *errs)
{
	if (fc->stable)
		return get_stable(fc, src, space, frames, n, pages, errs);
	return get_copy(fc, src, space, frames, n, pages, errs);
}

void frame_cache_flush(struct frame_cache *fc)
{
	size_t i;

	if (fc->stable) {
		memset(fc->dm, 0, sizeof(*fc->dm) << DM_BITS);
		fc->st.resident = 0;
		return;
	}
	memset(fc->hash, 0, (fc->hmask + 1) * sizeof(*fc->hash));
	fc->head = fc->tail = NIL;
	for (i = 0; i < fc->cap; i++)
		fc->freelist[i] = (uint32_t)(fc->cap - 1 - i);
	fc->nfree = (uint32_t)fc->cap;
	fc->st.resident = 0;
}

/* The copying-mode table of @fc, moved between caches as a whole. */
#define FC_TABLE_FIELDS(X) X(cap) X(data) X(keys) X(kspace) X(gens) X(prev) X(next) \
	X(head) X(tail) X(nfree) X(freelist) X(hash) X(hmask)

static void fc_swap_table(struct frame_cache *a, struct frame_cache *b)
{
#define SWAP(f) { __typeof__(a->f) t_ = a->f; a->f = b->f; b->f = t_; }
	FC_TABLE_FIELDS(SWAP)
#undef SWAP
}

/*
 * Build the new table aside and swap it in only when every allocation
 * succeeded: on failure the old table (and its contents) stay.
 */
bool frame_cache_set_capacity(struct frame_cache *fc, size_t frames)
{
	struct frame_cache fresh;
	struct xenpt_cache_stats keep = fc->st;

	if (fc->stable)
		return true;   /* pointer cache: fixed size, no copies */
	memset(&fresh, 0, sizeof(fresh));
	if (!fc_alloc_copy(&fresh, frames ? frames : 8192))
		return false;
	fc_swap_table(fc, &fresh);
	fc_free_copy(&fresh);
	keep.capacity = fresh.st.capacity;
	keep.resident = 0;
	fc->st = keep;
	return true;
}

size_t frame_cache_capacity(const struct frame_cache *fc)
{
	return fc->st.capacity;
}

void frame_cache_stats(const struct frame_cache *fc, struct xenpt_cache_stats *ret)
{
	*ret = fc->st;
}
