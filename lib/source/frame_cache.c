/* SPDX-License-Identifier: MIT */
/*
 * The frame cache in front of every source (style.md §2.4: backends never
 * cache).  Two modes:
 *
 * - stable sources (core files mmap'd, synthetic domains) hand out pointers
 *   that stay valid until close, so the cache only remembers them: a
 *   direct-mapped table of (frame, pointer), no copies.  It is a bounded
 *   structure, not a hash table to probe: one slot per lookup, a collision
 *   only costs a miss (a call to the backend), and its index is the keyed
 *   hash of lib/base/htab.h, so a guest cannot pick frames that evict
 *   each other.
 * - copying sources (live domains: each batch is foreign-mapped, copied and
 *   unmapped) get an LRU of 4 KiB slots indexed by the library's hash
 *   table (lib/base/htab.h: keyed, bounded probes).
 *
 * Misses of one call go to the backend in ONE batch (one foreign-map call
 * live), deduplicated.  Pointers handed out stay valid until the next call:
 * entries touched by the current call are never evicted by it, and frames
 * that do not fit are served from the call's scratch buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
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
	struct htab_seed dm_seed;        /* the keyed hash of htab.h, used to index dm */

	/* copying mode */
	size_t cap;                      /* slots */
	uint8_t *data;                   /* cap * 4096 */
	uint64_t *keys;                  /* frame numbers */
	uint8_t *kspace;                 /* and their spaces */
	uint64_t *gens;
	uint32_t *prev, *next;           /* LRU list; head = most recent */
	uint32_t head, tail, nfree;
	uint32_t *freelist;
	struct htab index;               /* (space, frame) -> slot */

	/* per-call scratch */
	uint8_t *scratch;
	size_t scratch_frames;
	uint64_t *miss_frames;
	size_t *miss_first;              /* request index of each unique miss */
	const uint8_t **miss_pages;
	int *miss_errs;
	struct htab dedup;               /* per call: frame -> unique-miss index */
	size_t miss_cap;
};

/* Frame numbers are full 64-bit values (hostile data): the keyed hash of htab.h. */
static inline uint64_t fc_hash(const struct htab_seed *seed, enum xenpt_space space, uint64_t frame)
{
	return htab_hash2(seed, frame, (uint64_t)space);
}

static inline size_t dm_index(const struct frame_cache *fc, enum xenpt_space space, uint64_t frame)
{
	return (size_t)(fc_hash(&fc->dm_seed, space, frame) >> (64 - DM_BITS));
}

static uint64_t slot_hash_of(const struct htab *h, void *ctx, uint32_t s)
{
	const struct frame_cache *fc = ctx;

	return fc_hash(&h->seed, fc->kspace[s], fc->keys[s]);
}

static uint64_t miss_hash_of(const struct htab *h, void *ctx, uint32_t u)
{
	const struct frame_cache *fc = ctx;

	return htab_hash(&h->seed, fc->miss_frames[u]);
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
	htab_free(&fc->index);
	fc->data = NULL;
	fc->kspace = NULL;
	fc->keys = fc->gens = NULL;
	fc->prev = fc->next = fc->freelist = NULL;
}

static bool fc_alloc_copy(struct frame_cache *fc, size_t cap)
{
	uint32_t i;

	if (cap < 16)
		cap = 16;
	if (cap > (1u << 24))
		cap = 1u << 24;
	fc->cap = cap;
	fc->data = malloc(cap * XENPT_PAGE_SIZE);
	fc->keys = malloc(cap * sizeof(*fc->keys));
	fc->kspace = malloc(cap * sizeof(*fc->kspace));
	fc->gens = calloc(cap, sizeof(*fc->gens));
	fc->prev = malloc(cap * sizeof(*fc->prev));
	fc->next = malloc(cap * sizeof(*fc->next));
	fc->freelist = malloc(cap * sizeof(*fc->freelist));
	if (!fc->data || !fc->keys || !fc->kspace || !fc->gens || !fc->prev || !fc->next ||
	    !fc->freelist || !htab_init(&fc->index, cap, 50)) {
		fc_free_copy(fc);
		return false;
	}
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
		htab_seed_init(&fc->dm_seed);
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
	htab_free(&fc->dedup);
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
	struct htab_probe p;
	uint32_t s;

	for (s = htab_first(&fc->index, fc_hash(&fc->index.seed, space, frame), &p); s != HTAB_NONE;
	     s = htab_next(&fc->index, &p))
		if (slot_is(fc, s, space, frame))
			return s;
	return NIL;
}

static bool hash_insert(struct frame_cache *fc, uint32_t slot)
{
	return htab_insert(&fc->index, fc_hash(&fc->index.seed, fc->kspace[slot], fc->keys[slot]),
			   slot, slot_hash_of, fc);
}

static void hash_remove(struct frame_cache *fc, uint32_t slot)
{
	htab_remove(&fc->index, fc_hash(&fc->index.seed, fc->kspace[slot], fc->keys[slot]), slot);
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
	/*
	 * Sized for the call's lookups, so that no insert of the call grows it,
	 * and never much larger: clearing costs the table's size, and one large
	 * batch must not make every later one-frame read clear a large table.
	 */
	if (fc->dedup.nslots < n * 2 + 1 || fc->dedup.nslots > 8 * (n * 2 + 1) + 64) {
		htab_free(&fc->dedup);
		if (!htab_init(&fc->dedup, n, 50))
			return false;
	} else {
		htab_clear(&fc->dedup);
	}
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
		struct dm_entry *e = &fc->dm[dm_index(fc, space, frames[i])];

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
			struct dm_entry *e = &fc->dm[dm_index(fc, space, frames[r])];
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
		/* a miss: deduplicate within the call (one space per call: the frame is the key) */
		{
			uint64_t hv = htab_hash(&fc->dedup.seed, frames[i]);
			struct htab_probe p;
			uint32_t u;

			for (u = htab_first(&fc->dedup, hv, &p); u != HTAB_NONE; u = htab_next(&fc->dedup, &p))
				if (fc->miss_frames[u] == frames[i])
					break;
			if (u == HTAB_NONE) {
				u = (uint32_t)nmiss;
				fc->miss_frames[nmiss] = frames[i];
				fc->miss_first[nmiss++] = i;
				if (!htab_insert(&fc->dedup, hv, u, miss_hash_of, fc))
					return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				fc->st.misses++;
			} else {
				fc->st.hits++;   /* served by the same fetch */
			}
			pages[i] = NULL;
			errs[i] = -(int)(u + 1);   /* -(unique index + 1) */
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
		if (!hash_insert(fc, s)) {
			/* no memory for the index: the slot goes back, the scratch copy serves */
			fc->freelist[fc->nfree++] = s;
			continue;
		}
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
	htab_clear(&fc->index);
	fc->head = fc->tail = NIL;
	for (i = 0; i < fc->cap; i++)
		fc->freelist[i] = (uint32_t)(fc->cap - 1 - i);
	fc->nfree = (uint32_t)fc->cap;
	fc->st.resident = 0;
}

/* The copying-mode table of @fc, moved between caches as a whole. */
#define FC_TABLE_FIELDS(X) X(cap) X(data) X(keys) X(kspace) X(gens) X(prev) X(next) \
	X(head) X(tail) X(nfree) X(freelist) X(index)

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
