/* SPDX-License-Identifier: MIT */
/*
 * The one hash table of libxenpt (htab.h: the keyed hash, why it is
 * enough, the worst-case cost).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <xenpt/source.h>

#include "base/base.h"
#include "base/htab.h"

/* ---- the secret ------------------------------------------------------------ */

static uint64_t g_secret[2];
static int g_secret_state;        /* 0: not drawn, 2: drawn */
static uint64_t g_table_counter;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void draw_secret(void)
{
	uint64_t s[2] = { 0, 0 };

	if (__atomic_load_n(&g_secret_state, __ATOMIC_ACQUIRE) == 2)
		return;
	if (getrandom(s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		/* no entropy yet (early boot): the clock and ASLR'd addresses */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)(uintptr_t)&ts;
		s[0] = splitmix(&x) ^ (uint64_t)(uintptr_t)&g_secret;
		s[1] = splitmix(&x) ^ (uint64_t)(uintptr_t)s;
	}
	/* racing first users may store different secrets: each table keeps its own keys */
	__atomic_store_n(&g_secret[0], s[0], __ATOMIC_RELAXED);
	__atomic_store_n(&g_secret[1], s[1], __ATOMIC_RELAXED);
	__atomic_store_n(&g_secret_state, 2, __ATOMIC_RELEASE);
}

void htab_seed_init(struct htab_seed *s)
{
	uint64_t x;

	draw_secret();
	x = __atomic_add_fetch(&g_table_counter, 1, __ATOMIC_RELAXED) * UINT64_C(0xd1342543de82ef95) ^
	    __atomic_load_n(&g_secret[0], __ATOMIC_RELAXED);
	s->k0 = splitmix(&x) ^ __atomic_load_n(&g_secret[1], __ATOMIC_RELAXED);
	s->k1 = splitmix(&x) | 1;
}

/* ---- process-wide counters ---------------------------------------------------- */

static struct xenpt_hash_stats g_stats;

static void account(const struct htab *h)
{
	const struct htab_stats *st = h->st;
	uint32_t old;

	if (!st)
		return;
	__atomic_add_fetch(&g_stats.tables, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_stats.lookups, st->lookups, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_stats.probes, st->probes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_stats.inserts, st->inserts, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_stats.rebuilds, st->rebuilds, __ATOMIC_RELAXED);
	old = __atomic_load_n(&g_stats.max_disp, __ATOMIC_RELAXED);
	while (st->max_disp > old &&
	       !__atomic_compare_exchange_n(&g_stats.max_disp, &old, st->max_disp, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

XENPT_PUBLIC void xenpt_hash_stats(struct xenpt_hash_stats *ret)
{
	ret->tables = __atomic_load_n(&g_stats.tables, __ATOMIC_RELAXED);
	ret->lookups = __atomic_load_n(&g_stats.lookups, __ATOMIC_RELAXED);
	ret->probes = __atomic_load_n(&g_stats.probes, __ATOMIC_RELAXED);
	ret->inserts = __atomic_load_n(&g_stats.inserts, __ATOMIC_RELAXED);
	ret->rebuilds = __atomic_load_n(&g_stats.rebuilds, __ATOMIC_RELAXED);
	ret->max_disp = __atomic_load_n(&g_stats.max_disp, __ATOMIC_RELAXED);
}

/* ---- the index set ------------------------------------------------------------- */

/* Zeroed slots (big tables on huge pages: xenpt_zalloc_huge()). */
static uint64_t *slots_alloc(uint64_t n)
{
	if (n > SIZE_MAX)
		return NULL;
	return xenpt_zalloc_huge((size_t)n, sizeof(uint64_t));
}

static unsigned log2_ceil(uint64_t x)
{
	unsigned b = 0;

	while (b < 63 && (UINT64_C(1) << b) < x)
		b++;
	return b;
}

static uint32_t limit_for(uint64_t nslots)
{
	return HTAB_LIMIT_BASE + HTAB_LIMIT_PER_BIT * log2_ceil(nslots);
}

static unsigned load_of(const struct htab *h)
{
	return h->load_pct ? h->load_pct : 50;
}

/* Slots for @n entries at the table's load. */
static uint64_t slots_for(const struct htab *h, uint64_t n)
{
	uint64_t s = n * 100 / load_of(h) + 1;

	return s < 16 ? 16 : s;
}

static bool ensure_meta(struct htab *h)
{
	if (!h->st) {
		h->st = calloc(1, sizeof(*h->st));
		if (!h->st)
			return false;
	}
	if (!h->seed.k1)
		htab_seed_init(&h->seed);
	return true;
}

bool htab_init(struct htab *h, uint64_t capacity, unsigned load_pct)
{
	uint64_t ns;

	memset(h, 0, sizeof(*h));
	h->load_pct = load_pct > 0 && load_pct < 100 ? load_pct : 50;
	if (!ensure_meta(h))
		return false;
	ns = slots_for(h, capacity);
	if (ns > SIZE_MAX / sizeof(*h->slot) || ns > UINT32_MAX)
		return false;
	h->slot = slots_alloc(ns);
	if (!h->slot)
		return false;
	h->nslots = ns;
	h->limit = limit_for(ns);
	return true;
}

void htab_free(struct htab *h)
{
	account(h);
	free(h->slot);
	free(h->st);
	memset(h, 0, sizeof(*h));
}

void htab_clear(struct htab *h)
{
	if (h->slot)
		memset(h->slot, 0, h->nslots * sizeof(*h->slot));
	h->n = 0;
	h->max_disp = 0;
}

const struct htab_seed *htab_seed_of(struct htab *h)
{
	if (!h->seed.k1)
		htab_seed_init(&h->seed);
	return &h->seed;
}

void htab_stats(const struct htab *h, struct htab_stats *ret)
{
	if (h->st)
		*ret = *h->st;
	else
		memset(ret, 0, sizeof(*ret));
	ret->max_disp = h->max_disp > ret->max_disp ? h->max_disp : ret->max_disp;
}

/* Place slot value @v (no duplicate check); its displacement. */
static uint64_t place(uint64_t *slot, uint64_t nslots, uint64_t v)
{
	uint64_t pos = (uint64_t)(((unsigned __int128)(v >> 32) * nslots) >> 32), d = 0;

	while (slot[pos]) {
		if (++pos == nslots)
			pos = 0;
		d++;
	}
	slot[pos] = v;
	return d;
}

/*
 * Rebuild into @nslots slots, with a new secret if @reseed (hashes from
 * @hash_of).  False on allocation failure (the table unchanged).
 */
static bool rebuild(struct htab *h, uint64_t nslots, bool reseed, htab_hash_fn hash_of, void *ctx)
{
	uint64_t *ns, i, maxd = 0;

	if (nslots > SIZE_MAX / sizeof(*ns) || nslots > UINT32_MAX)
		return false;
	ns = slots_alloc(nslots);
	if (!ns)
		return false;
	if (reseed)
		htab_seed_init(&h->seed);
	for (i = 0; i < h->nslots; i++) {
		uint64_t v = h->slot[i], d;

		if (!v)
			continue;
		if (reseed)
			v = (hash_of(h, ctx, (uint32_t)v - 1) & ~UINT64_C(0xffffffff)) | (uint32_t)v;
		d = place(ns, nslots, v);
		if (d > maxd)
			maxd = d;
	}
	free(h->slot);
	h->slot = ns;
	h->nslots = nslots;
	h->limit = limit_for(nslots);
	h->max_disp = (uint32_t)maxd;
	if (h->st && maxd > h->st->max_disp)
		h->st->max_disp = (uint32_t)maxd;
	return true;
}

bool htab_insert(struct htab *h, uint64_t hv, uint32_t index, htab_hash_fn hash_of, void *ctx)
{
	uint64_t d;
	unsigned tries = 0;

	if (!ensure_meta(h))
		return false;
	if (!h->load_pct)
		h->load_pct = 50;
	if (h->n >= HTAB_MAX_ENTRIES)
		return false;
	if (!h->slot || (h->n + 1) * 100 > h->nslots * load_of(h)) {
		uint64_t want = slots_for(h, h->n + 1 > 8 ? (h->n + 1) * 2 : 8);

		if (!rebuild(h, want, false, hash_of, ctx))
			return false;
		if (h->st && h->n)
			h->st->grows++;
	}
	d = place(h->slot, h->nslots, (hv & ~UINT64_C(0xffffffff)) | ((uint64_t)index + 1));
	h->n++;
	h->st->inserts++;
	/*
	 * The safety net: too far from home.  A new secret (the hash of every
	 * entry again, this one included), then a bigger table; a failed
	 * allocation keeps the table as it is, correct but slower.
	 */
	while (d > h->limit && tries < HTAB_MAX_REBUILDS) {
		bool ok;

		tries++;
		if (hash_of && tries == 1) {
			ok = rebuild(h, h->nslots, true, hash_of, ctx);
			if (ok)
				h->st->rebuilds++;
		} else {
			ok = rebuild(h, h->nslots * 2, false, hash_of, ctx);
			if (ok)
				h->st->grows++;
		}
		if (!ok)
			break;
		d = h->max_disp;
	}
	if (d > h->max_disp)
		h->max_disp = (uint32_t)d;
	if (h->max_disp > h->st->max_disp)
		h->st->max_disp = h->max_disp;
	return true;
}

/* Position of @index's slot (hash @hv), or UINT64_MAX. */
static uint64_t find_slot(const struct htab *h, uint64_t hv, uint32_t index)
{
	uint64_t pos, want = (hv & ~UINT64_C(0xffffffff)) | ((uint64_t)index + 1);
	uint32_t left;

	if (!h->n)
		return UINT64_MAX;
	pos = htab_home(h, hv);
	for (left = h->max_disp + 1; left && h->slot[pos]; left--) {
		if (h->slot[pos] == want)
			return pos;
		if (++pos == h->nslots)
			pos = 0;
	}
	return UINT64_MAX;
}

void htab_rename(struct htab *h, uint64_t hv, uint32_t from, uint32_t to)
{
	uint64_t pos = find_slot(h, hv, from);

	if (pos != UINT64_MAX)
		h->slot[pos] = (h->slot[pos] & ~UINT64_C(0xffffffff)) | ((uint64_t)to + 1);
}

/* Linear-probing deletion with backward shift (no tombstones). */
void htab_remove(struct htab *h, uint64_t hv, uint32_t index)
{
	uint64_t i = find_slot(h, hv, index), j;

	if (i == UINT64_MAX)
		return;
	h->slot[i] = 0;
	h->n--;
	if (h->st)
		h->st->removes++;
	for (j = i + 1 == h->nslots ? 0 : i + 1; h->slot[j]; j = j + 1 == h->nslots ? 0 : j + 1) {
		uint64_t home = htab_home(h, h->slot[j]);

		/* move j back to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			h->slot[i] = h->slot[j];
			h->slot[j] = 0;
			i = j;
		}
	}
}

/* ---- uint64 -> uint64 ------------------------------------------------------------ */

static uint64_t map_hash_of(const struct htab *h, void *ctx, uint32_t index)
{
	const struct htab_map *m = ctx;

	return htab_hash(&h->seed, m->keys[index]);
}

static uint32_t map_index(const struct htab_map *m, uint64_t key)
{
	struct htab_probe p;
	uint32_t i;

	if (!m->n)
		return HTAB_NONE;
	for (i = htab_first(&m->h, htab_hash(&m->h.seed, key), &p); i != HTAB_NONE;
	     i = htab_next(&m->h, &p))
		if (m->keys[i] == key)
			return i;
	return HTAB_NONE;
}

bool htab_map_get(const struct htab_map *m, uint64_t key, uint64_t *val_ret)
{
	uint32_t i = map_index(m, key);

	if (i == HTAB_NONE)
		return false;
	*val_ret = m->set ? 0 : m->vals[i];
	return true;
}

uint64_t *htab_map_find(const struct htab_map *m, uint64_t key)
{
	uint32_t i = map_index(m, key);

	return i == HTAB_NONE || m->set ? NULL : &m->vals[i];
}

static int map_insert(struct htab_map *m, uint64_t key, uint64_t val, bool replace)
{
	uint32_t i = map_index(m, key);

	if (i != HTAB_NONE) {
		if (replace)
			m->vals[i] = val;
		return 0;
	}
	if (m->n == m->cap) {
		uint32_t ncap;
		uint64_t *k, *v;

		if (m->cap >= HTAB_MAX_ENTRIES / 2)
			return -1;
		ncap = m->cap ? m->cap * 2 : 16;
		k = realloc(m->keys, (size_t)ncap * sizeof(*k));
		if (!k)
			return -1;
		m->keys = k;
		if (!m->set) {
			v = realloc(m->vals, (size_t)ncap * sizeof(*v));
			if (!v)
				return -1;
			m->vals = v;
		}
		m->cap = ncap;
	}
	m->keys[m->n] = key;
	if (!m->set)
		m->vals[m->n] = val;
	if (!htab_insert(&m->h, htab_hash(htab_seed_of(&m->h), key), m->n, map_hash_of, m))
		return -1;
	m->n++;
	return 1;
}

bool htab_map_put(struct htab_map *m, uint64_t key, uint64_t val)
{
	return map_insert(m, key, val, true) >= 0;
}

int htab_map_add(struct htab_map *m, uint64_t key, uint64_t val)
{
	return map_insert(m, key, val, false);
}

int htab_set_add(struct htab_map *m, uint64_t key)
{
	if (!m->cap)
		m->set = true;
	return map_insert(m, key, 0, false);
}

bool htab_set_has(const struct htab_map *m, uint64_t key)
{
	return map_index(m, key) != HTAB_NONE;
}

/* The last entry moves into the hole, so the arrays stay dense. */
void htab_map_del(struct htab_map *m, uint64_t key)
{
	uint32_t i = map_index(m, key), last;

	if (i == HTAB_NONE)
		return;
	htab_remove(&m->h, htab_hash(&m->h.seed, key), i);
	last = m->n - 1;
	if (i != last) {
		htab_rename(&m->h, htab_hash(&m->h.seed, m->keys[last]), last, i);
		m->keys[i] = m->keys[last];
		if (!m->set)
			m->vals[i] = m->vals[last];
	}
	m->n--;
}

void htab_map_clear(struct htab_map *m)
{
	htab_clear(&m->h);
	m->n = 0;
}

void htab_map_free(struct htab_map *m)
{
	htab_free(&m->h);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
