/* SPDX-License-Identifier: MIT */
/*
 * The one hash table of libxenpt, for keys a guest or a file chooses
 * (frame numbers, VAs, PFNs): a dump-core and a live guest decide which
 * numbers xenpt reads, so a table whose hash they can predict can be made
 * to put every key in one probe chain (issue 14: dump past 60 s, rmap 36 s).
 *
 * Two forms:
 *
 *  - struct htab, an INDEX SET: open addressing, linear probing, one 8-byte
 *    slot per position holding (tag << 32 | index + 1), 0 = empty.  The
 *    caller keeps the keys in its own array (the frame of table 'index',
 *    the MFN of page 'index' of a core, ...): lookups return the indexes
 *    whose tag matches and the caller compares its key.  The tag is the top
 *    32 bits of the keyed hash and also gives the home position, so
 *    growing needs no keys; a false tag match costs one key compare with
 *    probability 2^-32 per probed slot.
 *  - struct htab_map: uint64 -> uint64, with deletion, built on the index
 *    set over its own dense key/value arrays.
 *
 * The hash is keyed (htab_hash()): a 128-bit secret per table, drawn from
 * getrandom() once per process and derived per table, so nobody outside
 * the process can choose keys that collide.  It is
 *
 *     u = M(key ^ k0)       M: xor-shift, multiply by an odd constant, xor-shift
 *     h = u * k1            k1: a secret odd 64-bit number; tag = h >> 32
 *
 * Why this is enough (it is not a cryptographic MAC, and need not be):
 *  - M is a bijection, so distinct keys give distinct u, and for any two
 *    distinct u, v the top 32 bits of u*k1 and v*k1 agree with probability
 *    at most 2^-31 over the random odd k1 (multiply-shift hashing,
 *    Dietzfelbinger et al. 1997): pairwise collisions are as rare as with a
 *    random function, whatever keys were chosen.
 *  - Plain multiply-shift is known to behave badly with linear probing on
 *    structured key sets (dense ranges, arithmetic progressions: Pătraşcu
 *    and Thorup 2010).  The secret k0 and the non-linear M in front of the
 *    multiply destroy that structure: the attacker's keys reach the
 *    multiply as unknown, scattered values.
 *  - Nothing xenpt prints depends on the order of a table's slots (callers
 *    iterate their own arrays in insertion order), so the secret does not
 *    leak through the output; a core file is fixed before xenpt starts, so
 *    the input cannot adapt to timing either.
 *  - And a safety net that holds even if the hash were broken: an insert
 *    that would land more than htab->limit slots from its home (limit =
 *    HTAB_LIMIT_BASE + HTAB_LIMIT_PER_BIT * log2(slots), 112 for 1024 slots,
 *    232 for 32M) draws a new secret and rebuilds the table (then, if that
 *    does not help, doubles it).  So no entry ever sits further than the
 *    limit from its home.
 *
 * Worst-case cost, whatever the keys:
 *  - a lookup (hit or miss) probes at most max_disp + 1 <= limit + 1 slots,
 *    because it stops after max_disp + 1 probes (no entry is further from
 *    its home), and compares the key only on a tag match;
 *  - an insert is amortised O(1); one insert may rebuild the table, O(n),
 *    a few times at most (HTAB_MAX_REBUILDS);
 *  - a removal probes like a lookup plus a backward shift of its cluster.
 *  Expected (random keys, load a): about 1 + 1/(2(1-a)) probes per hit,
 *  1 + 1/(2(1-a)^2) per miss; load <= 1/2 by default (<= 2.5 and 4.5).
 *
 * Each table counts its lookups, probes, inserts, rebuilds and largest
 * displacement (struct htab_stats, htab_stats()); the process-wide sums of
 * tables destroyed so far are xenpt_hash_stats() (include/xenpt/source.h),
 * which `xenpt --stats`-style hooks and the tests read.
 */
#ifndef XENPT_BASE_HTAB_H
#define XENPT_BASE_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTAB_NONE UINT32_MAX
#define HTAB_MAX_ENTRIES (UINT32_MAX - 1u)
#define HTAB_LIMIT_BASE 32u
#define HTAB_LIMIT_PER_BIT 8u
#define HTAB_MAX_REBUILDS 4u

/* The per-table secret of htab_hash(). */
struct htab_seed {
	uint64_t k0, k1;        /* k1 odd; k1 == 0: not drawn yet */
};

struct htab_stats {
	uint64_t lookups;       /* htab_first() calls */
	uint64_t probes;        /* slots examined by lookups */
	uint64_t inserts;
	uint64_t removes;
	uint64_t rebuilds;      /* new secret drawn after a long displacement */
	uint64_t grows;
	uint32_t max_disp;      /* largest displacement of an insert (a lookup probes <= this + 1) */
};

struct htab {
	uint64_t *slot;         /* tag << 32 | (index + 1); 0 = empty */
	uint64_t nslots;        /* 0: nothing allocated yet (a zeroed htab is empty and valid) */
	uint64_t n;
	uint32_t max_disp;      /* no entry is further than this from its home */
	uint32_t limit;         /* displacement that triggers a rebuild */
	unsigned load_pct;      /* grow above this load (0: 50) */
	struct htab_seed seed;
	struct htab_stats *st;  /* counters (a pointer: lookups on a const table count too) */
};

/*
 * The hash of the key of entry @index under @h's current secret
 * (htab_hash(&h->seed, key)): needed when a table draws a new secret.
 */
typedef uint64_t (*htab_hash_fn)(const struct htab *h, void *ctx, uint32_t index);

/* Draw a fresh per-table secret (process secret from getrandom(), then per table). */
void htab_seed_init(struct htab_seed *s);

static inline uint64_t htab_premix(uint64_t x)
{
	x ^= x >> 32;
	x *= UINT64_C(0xd6e8feb86659fd93);
	x ^= x >> 32;
	return x;
}

/* The keyed hash of @key (see the top of the file). */
static inline uint64_t htab_hash(const struct htab_seed *s, uint64_t key)
{
	return htab_premix(key ^ s->k0) * s->k1;
}

/* Two-word keys ((space, frame), ...). */
static inline uint64_t htab_hash2(const struct htab_seed *s, uint64_t a, uint64_t b)
{
	return htab_premix(htab_premix(a ^ s->k0) ^ b) * s->k1;
}

/*
 * Optional: size for @capacity entries at @load_pct (0: 50) before the
 * first insert, and draw the secret.  False on allocation failure.
 */
bool htab_init(struct htab *h, uint64_t capacity, unsigned load_pct);
void htab_free(struct htab *h);
/* Remove every entry; keeps the size and the secret. */
void htab_clear(struct htab *h);
/* The table's secret (drawn on first use): hash keys with htab_hash(htab_seed_of(h), key). */
const struct htab_seed *htab_seed_of(struct htab *h);

struct htab_probe {
	uint64_t pos;
	uint32_t tag;
	uint32_t left;          /* slots still allowed */
};

static inline uint64_t htab_home(const struct htab *h, uint64_t hv)
{
	return (uint64_t)(((unsigned __int128)(hv >> 32) * h->nslots) >> 32);
}

/* Examine slots from p->pos until a tag match (its index) or the end (HTAB_NONE). */
static inline uint32_t htab_scan(const struct htab *h, struct htab_probe *p)
{
	uint64_t pos = p->pos, probes = 0;
	uint32_t r = HTAB_NONE;

	while (p->left) {
		uint64_t s = h->slot[pos];

		p->left--;
		probes++;
		if (++pos == h->nslots)
			pos = 0;
		if (!s) {
			p->left = 0;
			break;
		}
		if ((uint32_t)(s >> 32) == p->tag) {
			r = (uint32_t)s - 1;
			break;
		}
	}
	p->pos = pos;
	if (h->st)
		h->st->probes += probes;
	return r;
}

/*
 * The first index whose tag matches hash @hv, or HTAB_NONE; then
 * htab_next() for the others (the caller compares its keys):
 *
 *	for (i = htab_first(h, hv, &p); i != HTAB_NONE; i = htab_next(h, &p))
 *		if (keys[i] == key)
 *			return i;
 */
static inline uint32_t htab_first(const struct htab *h, uint64_t hv, struct htab_probe *p)
{
	if (!h->n)
		return HTAB_NONE;
	p->pos = htab_home(h, hv);
	p->tag = (uint32_t)(hv >> 32);
	p->left = h->max_disp + 1;
	if (h->st)
		h->st->lookups++;
	return htab_scan(h, p);
}

static inline uint32_t htab_next(const struct htab *h, struct htab_probe *p)
{
	return htab_scan(h, p);
}

static inline void htab_prefetch(const struct htab *h, uint64_t hv)
{
	__builtin_prefetch(&h->slot[htab_home(h, hv)], 1);
}

/*
 * Add @index with hash @hv (its key not in the table: look it up first).
 * @hash_of gives the hash of any entry under a new secret; the key of
 * @index must be readable through it already.  False on allocation
 * failure (the table is unchanged).
 */
bool htab_insert(struct htab *h, uint64_t hv, uint32_t index, htab_hash_fn hash_of, void *ctx);
/* Remove @index (hash @hv); nothing if absent. */
void htab_remove(struct htab *h, uint64_t hv, uint32_t index);
/*
 * Entry @from is now entry @to (the caller moved its key): the slot is
 * renamed, @hv is its hash.
 */
void htab_rename(struct htab *h, uint64_t hv, uint32_t from, uint32_t to);

/* This table's counters so far. */
void htab_stats(const struct htab *h, struct htab_stats *ret);

/* ---- uint64 -> uint64 ------------------------------------------------------- */

struct htab_map {
	struct htab h;
	uint64_t *keys, *vals;  /* dense, in insertion order (until a deletion) */
	uint32_t n, cap;
	bool set;               /* keys only (htab_set_add()): no values stored */
};

/* A zeroed htab_map is empty and valid. */
bool htab_map_get(const struct htab_map *m, uint64_t key, uint64_t *val_ret);
/* Pointer to the value of @key, or NULL; valid until the next change. */
uint64_t *htab_map_find(const struct htab_map *m, uint64_t key);
/* Set @key to @val.  False on allocation failure. */
bool htab_map_put(struct htab_map *m, uint64_t key, uint64_t val);
/* Add @key with @val unless present: 1 added, 0 present (unchanged), -1 no memory. */
int htab_map_add(struct htab_map *m, uint64_t key, uint64_t val);
void htab_map_del(struct htab_map *m, uint64_t key);
/*
 * A set of keys: a map without values (8 bytes per key plus the slots);
 * use only htab_set_add/htab_set_has/htab_map_del/count/clear/free on it.
 * htab_set_add: 1 added, 0 present, -1 no memory.
 */
int htab_set_add(struct htab_map *m, uint64_t key);
bool htab_set_has(const struct htab_map *m, uint64_t key);
void htab_map_clear(struct htab_map *m);
void htab_map_free(struct htab_map *m);
static inline size_t htab_map_count(const struct htab_map *m)
{
	return m->n;
}

#endif
