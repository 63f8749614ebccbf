/* SPDX-License-Identifier: MIT */
/*
 * Synthetic domains: roots, page tables, mappings and the oracle.
 *
 * The oracle is a sorted array of extents (root, va, size, page size, first
 * frame, flags), one per xenpt_synth_map() call and merged with neighbours
 * that continue it, so the 64 GiB direct map of a big domain is one record.
 * It is kept apart from the page tables: the walker's tests compare the two.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/synth_int.h"
#include "xen/pv.h"

/* ---- tables and roots --------------------------------------------------------- */

static uint64_t nr_tables(const struct xenpt_synth *s)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 1; i <= 5; i++)
		n += s->st.tables[i];
	return n;
}

int synth_new_table(struct xenpt_synth *s, unsigned level, struct synth_page **pg_ret)
{
	struct synth_page *pg;
	uint64_t frame;
	int64_t idx;
	int rc;

	if (nr_tables(s) >= s->lim.max_tables)
		return synth_fail(s, -E2BIG, "more than %" PRIu64 " page tables", s->lim.max_tables);
	rc = synth_alloc_frame(s, "a page table", &frame);
	if (rc)
		return rc;
	pg = synth_page_make(s, frame, SPAGE_TABLE, false);
	if (!pg) {
		idx = synth_state_idx(s, frame);
		if (idx >= 0)
			s->fflags[idx] &= (uint8_t)~FF_USED;
		return synth_fail(s, -ENOMEM, "out of memory");
	}
	free(pg->raw_bits);
	pg->raw_bits = NULL;
	pg->level = (uint8_t)level;
	s->st.tables[level]++;
	*pg_ret = pg;
	return 0;
}

int synth_root_add(struct xenpt_synth *s, const char *name, bool pin, unsigned *root_ret)
{
	struct synth_page *pg;
	struct synth_root *r;
	unsigned i;
	int rc;

	if (s->nr_roots >= s->lim.max_roots)
		return synth_fail(s, -E2BIG, "more than %u roots", s->lim.max_roots);
	if (name && *name) {
		if (strlen(name) >= sizeof(r->name))
			return synth_fail(s, -EINVAL, "root name '%.40s...' is too long", name);
		for (i = 0; i < s->nr_roots; i++)
			if (!strcmp(s->roots[i].name, name))
				return synth_fail(s, -EINVAL, "a root named '%s' exists", name);
	}
	if (s->nr_roots == s->cap_roots) {
		unsigned cap = s->cap_roots ? 2 * s->cap_roots : 4;
		struct synth_root *n = realloc(s->roots, cap * sizeof(*n));

		if (!n)
			return synth_fail(s, -ENOMEM, "out of memory");
		s->roots = n;
		s->cap_roots = cap;
	}
	rc = synth_new_table(s, s->levels, &pg);
	if (rc)
		return rc;
	r = &s->roots[s->nr_roots];
	memset(r, 0, sizeof(*r));
	r->frame = pg->frame;
	r->idx = pg->idx;
	if (name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	s->nr_roots++;
	if (s->pv && pin) {
		rc = synth_pin(s, 4, pg->frame);
		if (rc)
			return rc;
	}
	*root_ret = s->nr_roots - 1;
	return 0;
}

static struct xenpt_error *bad_root(const struct xenpt_synth *s, unsigned root)
{
	if (root < s->nr_roots)
		return NULL;
	return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no root %u (it has %u)", s->desc, root,
				  s->nr_roots);
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_root_create(struct xenpt_synth *s, const char *name,
							 bool pin, unsigned *root_ret)
{
	unsigned r;

	if (synth_root_add(s, name, pin, &r))
		return synth_fail_error(s, "create root '%s'", name ? name : "");
	*root_ret = r;
	return NULL;
}

XENPT_PUBLIC unsigned xenpt_synth_nr_roots(const struct xenpt_synth *s)
{
	return s->nr_roots;
}

XENPT_PUBLIC uint64_t xenpt_synth_root_frame(const struct xenpt_synth *s, unsigned root)
{
	return root < s->nr_roots ? s->roots[root].frame : XENPT_INVALID_FRAME;
}

XENPT_PUBLIC uint64_t xenpt_synth_root_cr3(const struct xenpt_synth *s, unsigned root)
{
	return root < s->nr_roots ? s->roots[root].frame << XENPT_PAGE_SHIFT : 0;
}

XENPT_PUBLIC const char *xenpt_synth_root_name(const struct xenpt_synth *s, unsigned root)
{
	return root < s->nr_roots ? s->roots[root].name : "";
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_root_find(const struct xenpt_synth *s,
						       const char *name, unsigned *root_ret)
{
	unsigned i;

	for (i = 0; i < s->nr_roots; i++) {
		if (s->roots[i].name[0] && !strcmp(s->roots[i].name, name)) {
			*root_ret = i;
			return NULL;
		}
	}
	return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no root named '%s'", s->desc, name);
}

XENPT_PUBLIC void xenpt_synth_aspace(const struct xenpt_synth *s, unsigned root,
				     struct xenpt_aspace *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->space = s->pv ? XENPT_SPACE_MFN : XENPT_SPACE_GFN;
	ret->mode = s->mode;
	ret->root = xenpt_synth_root_frame(s, root);
	ret->cr3 = ret->root << XENPT_PAGE_SHIFT;
	ret->pv = s->pv;
	ret->nxe = s->mode != XENPT_PM_2LEVEL;
	ret->pse = s->mode == XENPT_PM_2LEVEL;
	ret->wp = true;
	ret->maxphyaddr = 52;
}

unsigned synth_owner_root(const struct xenpt_synth *s, unsigned root, uint64_t va)
{
	unsigned i = synth_va_index(s, va, s->levels), hops = 0;

	while (root < s->nr_roots && s->roots[root].link && s->roots[root].link[i] != SYNTH_NO_ROOT &&
	       hops++ < s->nr_roots)
		root = s->roots[root].link[i];
	return root;
}

/* ---- address checks ------------------------------------------------------------ */

static unsigned va_bits(const struct xenpt_synth *s)
{
	switch (s->mode) {
	case XENPT_PM_5LEVEL: return 57;
	case XENPT_PM_4LEVEL: return 48;
	default: return 32;
	}
}

bool synth_va_ok(const struct xenpt_synth *s, uint64_t va)
{
	unsigned b = va_bits(s);
	uint64_t top;

	if (b == 32)
		return va < (1ull << 32);
	top = va >> (b - 1);
	return top == 0 || top == (UINT64_MAX >> (b - 1));
}

// The range [va, va + size) lies in one half of the canonical space (or
// below 4 GiB) and, for PV, outside Xen's L4 slots 256-271.
static struct xenpt_error *check_range(const struct xenpt_synth *s, uint64_t va, uint64_t size,
				       const char *what)
{
	uint64_t last = va + size - 1;

	if (!size)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: %s: empty range", s->desc, what);
	if (last < va || !synth_va_ok(s, va) || !synth_va_ok(s, last) ||
	    ((va ^ last) >> 63))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: %s: va range 0x%016" PRIx64 "-0x%016" PRIx64
					  " is not canonical for %u-bit addresses",
					  s->desc, what, va, last, va_bits(s));
	if (s->pv && !(last < 0xffff800000000000ull || va >= 0xffff880000000000ull))
		return xenpt_error_hint(
			xenpt_error_create(XENPT_ERR_INVALID_ARG,
					   "%s: %s: va range 0x%016" PRIx64 "-0x%016" PRIx64
					   " overlaps L4 slots 256-271, which belong to Xen",
					   s->desc, what, va, last),
			"PV guests may use 0x0-0x00007fffffffffff and 0xffff880000000000-0xffffffffffffffff");
	return NULL;
}

/* ---- the oracle ---------------------------------------------------------------------- */

/*
 * Extents are kept sorted by (root, va) in blocks of at most EXT_BLOCK, so
 * that an insertion or removal moves at most a block and the block
 * pointers: hostile specs with many scattered mappings stay fast.
 */
#define EXT_BLOCK 64

struct synth_eblock {
	size_t n;
	struct synth_extent e[EXT_BLOCK];
};

struct epos {
	size_t b, i;
};

static bool ext_before(const struct synth_extent *e, unsigned root, uint64_t va)
{
	return e->root < root || (e->root == root && e->va + e->size <= va);
}

static struct synth_extent *ext_at(const struct xenpt_synth *s, struct epos p)
{
	return p.b < s->nr_eb && p.i < s->eb[p.b]->n ? &s->eb[p.b]->e[p.i] : NULL;
}

static struct epos ext_next(const struct xenpt_synth *s, struct epos p)
{
	if (++p.i == s->eb[p.b]->n) {
		p.b++;
		p.i = 0;
	}
	return p;
}

// The first extent of @root ending after @va (or any later root): its place.
static struct epos ext_first(const struct xenpt_synth *s, unsigned root, uint64_t va)
{
	size_t lo = 0, hi = s->nr_eb;
	struct epos p;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct synth_eblock *b = s->eb[mid];

		if (ext_before(&b->e[b->n - 1], root, va))
			lo = mid + 1;
		else
			hi = mid;
	}
	p.b = lo;
	p.i = 0;
	if (lo < s->nr_eb) {
		const struct synth_eblock *b = s->eb[lo];
		size_t l = 0, h = b->n;

		while (l < h) {
			size_t mid = l + (h - l) / 2;

			if (ext_before(&b->e[mid], root, va))
				l = mid + 1;
			else
				h = mid;
		}
		p.i = l;
	}
	return p;
}

static int eb_insert_block(struct xenpt_synth *s, size_t at, struct synth_eblock *b)
{
	if (s->nr_eb == s->cap_eb) {
		size_t cap = s->cap_eb ? 2 * s->cap_eb : 16;
		struct synth_eblock **n = realloc(s->eb, cap * sizeof(*n));

		if (!n)
			return synth_fail(s, -ENOMEM, "out of memory");
		s->eb = n;
		s->cap_eb = cap;
	}
	memmove(&s->eb[at + 1], &s->eb[at], (s->nr_eb - at) * sizeof(*s->eb));
	s->eb[at] = b;
	s->nr_eb++;
	return 0;
}

// Insert @x at @p (which must keep the order).
static int ext_insert_at(struct xenpt_synth *s, struct epos p, const struct synth_extent *x)
{
	struct synth_eblock *b;

	if (!s->nr_eb) {
		b = calloc(1, sizeof(*b));
		if (!b || eb_insert_block(s, 0, b)) {
			free(b);
			return synth_fail(s, -ENOMEM, "out of memory");
		}
		p.b = 0;
		p.i = 0;
	} else if (p.b == s->nr_eb) {
		p.b = s->nr_eb - 1;
		p.i = s->eb[p.b]->n;
	}
	if (p.i == 0 && p.b > 0) {
		// between two blocks: the end of the first, or the start of the
		// second if the first is full
		p.b--;
		p.i = s->eb[p.b]->n;
		if (p.i == EXT_BLOCK && s->eb[p.b + 1]->n < EXT_BLOCK) {
			p.b++;
			p.i = 0;
		}
	}
	b = s->eb[p.b];
	if (b->n == EXT_BLOCK && (p.i == 0 || p.i == EXT_BLOCK)) {
		// at an end of a full block: a new block, so that mappings
		// given in order leave full blocks, not half-full ones
		struct synth_eblock *nb = calloc(1, sizeof(*nb));
		size_t at = p.i ? p.b + 1 : p.b;

		if (!nb || eb_insert_block(s, at, nb)) {
			free(nb);
			return synth_fail(s, -ENOMEM, "out of memory");
		}
		p.b = at;
		p.i = 0;
		b = nb;
	} else if (b->n == EXT_BLOCK) {
		// split in halves
		struct synth_eblock *nb = calloc(1, sizeof(*nb));

		if (!nb || eb_insert_block(s, p.b + 1, nb)) {
			free(nb);
			return synth_fail(s, -ENOMEM, "out of memory");
		}
		nb->n = EXT_BLOCK / 2;
		memcpy(nb->e, &b->e[EXT_BLOCK / 2], nb->n * sizeof(*x));
		b->n = EXT_BLOCK / 2;
		if (p.i > b->n) {
			p.i -= b->n;
			p.b++;
			b = nb;
		}
	}
	memmove(&b->e[p.i + 1], &b->e[p.i], (b->n - p.i) * sizeof(*x));
	b->e[p.i] = *x;
	b->n++;
	s->nr_ext++;
	s->eb_cum_valid = false;
	return 0;
}

// Remove the extent at @p; returns the position of the one that followed.
static struct epos ext_remove_at(struct xenpt_synth *s, struct epos p)
{
	struct synth_eblock *b = s->eb[p.b];

	memmove(&b->e[p.i], &b->e[p.i + 1], (b->n - p.i - 1) * sizeof(b->e[0]));
	b->n--;
	s->nr_ext--;
	s->eb_cum_valid = false;
	if (!b->n) {
		free(b);
		memmove(&s->eb[p.b], &s->eb[p.b + 1], (s->nr_eb - p.b - 1) * sizeof(*s->eb));
		s->nr_eb--;
		p.i = 0;
	} else if (p.i == b->n) {
		p.b++;
		p.i = 0;
	}
	return p;
}

void synth_ext_free(struct xenpt_synth *s)
{
	size_t i;

	for (i = 0; i < s->nr_eb; i++)
		free(s->eb[i]);
	free(s->eb);
	free(s->eb_cum);
}

uint64_t synth_ext_bytes(const struct xenpt_synth *s)
{
	uint64_t n = 0;
	size_t b, i;

	for (b = 0; b < s->nr_eb; b++)
		for (i = 0; i < s->eb[b]->n; i++)
			n += s->eb[b]->e[i].size;
	return n;
}

static void ext_advance(struct synth_extent *e, uint64_t by)
{
	e->va += by;
	e->size -= by;
	if (e->gfn != XENPT_INVALID_FRAME)
		e->gfn += by >> 12;
}

// Forget [va, va + size) of @root.
static int ext_remove(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;
	struct epos p = ext_first(s, root, va);
	struct synth_extent *e;

	while ((e = ext_at(s, p)) && e->root == root && e->va < end) {
		uint64_t eend = e->va + e->size;

		if (e->va < va && eend > end) {
			// split in two
			struct synth_extent tail = *e;

			ext_advance(&tail, end - tail.va);
			e->size = va - e->va;
			return ext_insert_at(s, ext_next(s, p), &tail);
		}
		if (e->va < va) {
			e->size = va - e->va;
			p = ext_next(s, p);
		} else if (eend > end) {
			ext_advance(e, end - e->va);
			return 0;
		} else {
			p = ext_remove_at(s, p);
		}
	}
	return 0;
}

static bool ext_continues(const struct synth_extent *a, const struct synth_extent *b)
{
	return a->root == b->root && a->va + a->size == b->va && a->level == b->level &&
	       a->page_shift == b->page_shift && a->flags == b->flags &&
	       a->req_flags == b->req_flags && a->mfn == XENPT_INVALID_FRAME &&
	       b->mfn == XENPT_INVALID_FRAME && a->gfn != XENPT_INVALID_FRAME &&
	       b->gfn == a->gfn + (a->size >> 12);
}

// Insert @n (its range must be free), merging with neighbours.
static int ext_insert(struct xenpt_synth *s, const struct synth_extent *n)
{
	struct epos p = ext_first(s, n->root, n->va), q;
	struct synth_extent *prev = NULL, *next = ext_at(s, p);

	if (p.i > 0) {
		prev = &s->eb[p.b]->e[p.i - 1];
	} else if (p.b > 0) {
		q.b = p.b - 1;
		q.i = s->eb[q.b]->n - 1;
		prev = &s->eb[q.b]->e[q.i];
	}
	if (prev && ext_continues(prev, n)) {
		prev->size += n->size;
		if (next && ext_continues(prev, next)) {
			prev->size += next->size;
			ext_remove_at(s, p);
		}
		return 0;
	}
	if (next && ext_continues(n, next)) {
		next->va = n->va;
		next->size += n->size;
		next->gfn = n->gfn;
		return 0;
	}
	return ext_insert_at(s, p, n);
}

static int erec_add(struct xenpt_synth *s, const struct synth_erec *r)
{
	if (s->nr_erec >= s->lim.max_entries)
		return synth_fail(s, -E2BIG, "more than %" PRIu64 " entry records",
				  s->lim.max_entries);
	if (s->nr_erec == s->cap_erec) {
		size_t cap = s->cap_erec ? 2 * s->cap_erec : 16;
		struct synth_erec *n = realloc(s->erec, cap * sizeof(*n));

		if (!n)
			return synth_fail(s, -ENOMEM, "out of memory");
		s->erec = n;
		s->cap_erec = cap;
	}
	s->erec[s->nr_erec++] = *r;
	return 0;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_lookup(const struct xenpt_synth *s, unsigned root,
						    xenpt_va_t va, struct xenpt_synth_page *ret)
{
	uint64_t v = xenpt_va_x(va), off;
	const struct synth_extent *e;
	struct xenpt_synth_page pg;
	unsigned owner;

	if (root >= s->nr_roots)
		return bad_root(s, root);
	owner = synth_owner_root(s, root, v);
	e = ext_at(s, ext_first(s, owner, v));
	if (!e || e->root != owner || e->va > v)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND,
					  "%s: va 0x%016" PRIx64 " is not mapped in root %u ('%s')",
					  s->desc, v, root, s->roots[root].name);
	off = v - e->va;
	memset(&pg, 0, sizeof(pg));
	pg.root = owner;
	pg.va = e->va + (off & ~((1ull << e->page_shift) - 1));
	pg.page_size = 1ull << e->page_shift;
	pg.level = e->level;
	pg.flags = e->flags;
	if (e->gfn != XENPT_INVALID_FRAME) {
		pg.gfn = e->gfn + (off >> 12);
		pg.mfn = s->pv ? synth_p2m(s, pg.gfn) : XENPT_INVALID_FRAME;
	} else {
		pg.gfn = XENPT_INVALID_FRAME;
		pg.mfn = e->mfn + ((off & ((1ull << e->page_shift) - 1)) >> 12);
	}
	pg.frame = s->pv ? pg.mfn : pg.gfn;
	*ret = pg;
	return NULL;
}

XENPT_PUBLIC size_t xenpt_synth_nr_mappings(const struct xenpt_synth *s)
{
	return s->nr_ext;
}

XENPT_PUBLIC bool xenpt_synth_mapping(const struct xenpt_synth *s, size_t index,
				      struct xenpt_synth_mapping *ret)
{
	struct xenpt_synth *m = (struct xenpt_synth *)s;   // the index cache only
	const struct synth_extent *e;
	size_t lo = 0, hi, b;

	if (index >= s->nr_ext)
		return false;
	if (!s->eb_cum_valid) {
		size_t *cum = realloc(m->eb_cum, (s->nr_eb + 1) * sizeof(*cum));

		if (!cum)
			return false;
		m->eb_cum = cum;
		cum[0] = 0;
		for (b = 0; b < s->nr_eb; b++)
			cum[b + 1] = cum[b] + s->eb[b]->n;
		m->eb_cum_valid = true;
	}
	// the block holding @index: the last b with cum[b] <= index
	hi = s->nr_eb;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->eb_cum[mid] <= index)
			lo = mid;
		else
			hi = mid;
	}
	e = &s->eb[lo]->e[index - s->eb_cum[lo]];
	ret->root = e->root;
	ret->va = e->va;
	ret->size = e->size;
	ret->page_size = 1ull << e->page_shift;
	ret->level = e->level;
	ret->gfn = e->gfn;
	ret->mfn = e->mfn;
	ret->flags = e->flags;
	ret->req_flags = e->req_flags;
	return true;
}

XENPT_PUBLIC size_t xenpt_synth_nr_entry_records(const struct xenpt_synth *s)
{
	return s->nr_erec;
}

XENPT_PUBLIC bool xenpt_synth_entry_record(const struct xenpt_synth *s, size_t index,
					   struct xenpt_synth_entry *ret)
{
	const struct synth_erec *r;

	if (index >= s->nr_erec)
		return false;
	r = &s->erec[index];
	ret->root = r->root;
	ret->va = r->va;
	ret->level = r->level;
	ret->table = r->table;
	ret->index = r->index;
	ret->value = r->value;
	ret->raw = r->raw;
	return true;
}

/* ---- walking the builder's own tables --------------------------------------------- */

// Flags of an entry pointing at a lower table.
static uint64_t table_entry_flags(const struct xenpt_synth *s, unsigned level, bool user)
{
	uint64_t f;

	if (s->mode == XENPT_PM_PAE && level == 3)
		return XENPT_PTE_P;     // PDPTEs have no RW/US/A/D (SDM 4.4.1)
	f = XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_A | XENPT_PTE_D;
	if (user || s->pv)
		f |= XENPT_PTE_US;
	if (s->pv)
		f = xen_pv_adjust_entry(level, f);
	return f;
}

static void count_leaf(struct xenpt_synth *s, uint64_t old, uint64_t new, unsigned level)
{
	if ((old & XENPT_PTE_P) && synth_entry_leaf(s, old, level) && level <= 3)
		s->st.leaf_entries[level]--;
	if ((new & XENPT_PTE_P) && synth_entry_leaf(s, new, level) && level <= 3)
		s->st.leaf_entries[level]++;
}

/*
 * The table at @level holding @va's entry in @root.  With @create, missing
 * tables above are made (entries user-accessible when @user).  -ENOENT if
 * missing and !create.
 */
int synth_walk_to(struct xenpt_synth *s, unsigned root, uint64_t va, unsigned level, bool create,
		   bool user, struct synth_page **pg_ret)
{
	struct synth_page *pg = synth_page_get(s, s->roots[root].frame);
	unsigned l;
	int rc;

	for (l = s->levels; l > level; l--) {
		unsigned i = synth_va_index(s, va, l);
		uint64_t e = synth_entry_get(s, pg, i), want;
		struct synth_page *next;

		if (!(e & XENPT_PTE_P)) {
			if (!create)
				return -ENOENT;
			if (s->pv && l == 4 && !synth_is_guest_l4_slot(i))
				return synth_fail(s, -EINVAL, "L4 slot %u belongs to Xen", i);
			rc = synth_new_table(s, l - 1, &next);
			if (rc)
				return rc;
			want = (next->frame << 12) | table_entry_flags(s, l, user);
			rc = synth_write_entry(s, pg, l, i, want, false);
			if (rc)
				return synth_fail_ctx(s, rc, "linking a new L%u table into L%u entry %u",
						      l - 1, l, i);
			pg = next;
			continue;
		}
		if (synth_entry_leaf(s, e, l))
			return synth_fail(s, -EINVAL,
					  "va 0x%016" PRIx64 " is covered by a %s page (L%u entry 0x%" PRIx64 ")",
					  va, l == 3 ? "1G" : (s->mode == XENPT_PM_2LEVEL ? "4M" : "2M"),
					  l, e);
		next = synth_page_get(s, synth_entry_frame(s, e, l));
		if (!next)
			return synth_fail(s, -EINVAL,
					  "L%u entry %u (0x%" PRIx64 ") names frame 0x%" PRIx64
					  ", which holds no page table of this builder",
					  l, i, e, synth_entry_frame(s, e, l));
		if (create && user && !(e & XENPT_PTE_US) && !s->pv &&
		    !(s->mode == XENPT_PM_PAE && l == 3)) {
			rc = synth_write_entry(s, pg, l, i, e | XENPT_PTE_US, false);
			if (rc)
				return rc;
		}
		pg = next;
	}
	*pg_ret = pg;
	return 0;
}

/* ---- mapping ------------------------------------------------------------------------- */

static unsigned leaf_level(const struct xenpt_synth *s, uint64_t page_size)
{
	if (page_size == 4096)
		return 1;
	if (page_size == (1ull << 21) && s->mode != XENPT_PM_2LEVEL)
		return 2;
	if (page_size == (1ull << 22) && s->mode == XENPT_PM_2LEVEL)
		return 2;
	if (page_size == (1ull << 30) && (s->mode == XENPT_PM_4LEVEL || s->mode == XENPT_PM_5LEVEL))
		return 3;
	return 0;
}

/*
 * Map one chunk that lies below a single top-level entry.  @gfn is a
 * PFN/GFN, or XENPT_INVALID_FRAME with @mfn a machine frame (one page).
 * *done_ret is the number of bytes mapped (also on failure).
 */
static int map_chunk(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t gfn,
		     uint64_t mfn, uint64_t size, uint64_t page_size, uint64_t flags,
		     uint64_t *done_ret)
{
	unsigned level = leaf_level(s, page_size);
	uint64_t span = synth_level_size(s, level + 1), base = 1, off;
	struct synth_page *pg = NULL;
	bool user = flags & XENPT_PTE_US;
	uint64_t leaf_flags = flags | XENPT_PTE_P | (level > 1 ? XENPT_PTE_PSE : 0);
	int rc = 0;

	if (s->pv)
		leaf_flags = xen_pv_adjust_entry(1, leaf_flags);
	for (off = 0; off < size; off += page_size) {
		uint64_t v = va + off, frame, e, old;
		unsigned i;

		if (!pg || (v & ~(span - 1)) != base) {
			rc = synth_walk_to(s, root, v, level, true, user, &pg);
			if (rc)
				break;
			base = v & ~(span - 1);
		}
		if (gfn != XENPT_INVALID_FRAME) {
			uint64_t g = gfn + (off >> 12);

			frame = s->pv ? synth_p2m(s, g) : g;
			if (frame == XENPT_INVALID_FRAME) {
				rc = synth_fail(s, -EINVAL, "pfn 0x%" PRIx64 " has no MFN in the P2M", g);
				break;
			}
			if (!s->pv)
				s->fflags[g] |= FF_MAPPED;
		} else {
			frame = mfn;
		}
		if (s->st.leaf_entries[1] + s->st.leaf_entries[2] + s->st.leaf_entries[3] >=
		    s->lim.max_entries) {
			rc = synth_fail(s, -E2BIG, "more than %" PRIu64 " leaf entries",
					s->lim.max_entries);
			break;
		}
		i = synth_va_index(s, v, level);
		old = synth_entry_get(s, pg, i);
		if ((old & XENPT_PTE_P) && !synth_entry_leaf(s, old, level)) {
			rc = synth_fail(s, -EINVAL,
					"va 0x%016" PRIx64 " is mapped with smaller pages below L%u entry %u; unmap them first",
					v, level, i);
			break;
		}
		e = (frame << 12) | leaf_flags;
		rc = synth_write_entry(s, pg, level, i, e, false);
		if (rc) {
			synth_fail_ctx(s, rc, "va 0x%016" PRIx64 " -> %s 0x%" PRIx64, v,
				       s->pv ? "mfn" : "gfn", frame);
			break;
		}
		count_leaf(s, old, synth_entry_get(s, pg, i), level);
	}
	*done_ret = off < size ? off : size;
	return rc;
}

int synth_map_range(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t gfn,
		    uint64_t mfn, uint64_t size, uint64_t page_size, uint64_t flags)
{
	uint64_t slot = synth_level_size(s, s->levels), off = 0;
	unsigned level = leaf_level(s, page_size);
	int rc = 0;

	while (off < size) {
		uint64_t v = va + off, n = slot - (v & (slot - 1)), done = 0;
		struct synth_extent x;
		unsigned owner = synth_owner_root(s, root, v);

		if (n > size - off)
			n = size - off;
		rc = map_chunk(s, root, v, gfn == XENPT_INVALID_FRAME ? gfn : gfn + (off >> 12),
			       mfn, n, page_size, flags, &done);
		if (done) {
			memset(&x, 0, sizeof(x));
			x.root = owner;
			x.level = (uint8_t)level;
			x.va = v;
			x.size = done;
			x.page_shift = (uint8_t)__builtin_ctzll(page_size);
			x.gfn = gfn == XENPT_INVALID_FRAME ? gfn : gfn + (off >> 12);
			x.mfn = gfn == XENPT_INVALID_FRAME ? mfn : XENPT_INVALID_FRAME;
			x.req_flags = flags;
			x.flags = flags | XENPT_PTE_P | (level > 1 ? XENPT_PTE_PSE : 0);
			if (s->pv)
				x.flags = xen_pv_adjust_entry(1, x.flags);
			if (ext_remove(s, owner, v, done) || ext_insert(s, &x))
				return synth_fail(s, -ENOMEM, "out of memory");
		}
		if (rc)
			return rc;
		off += n;
	}
	return 0;
}

static struct xenpt_error *check_flags(const struct xenpt_synth *s, uint64_t flags,
				       const char *what)
{
	if (flags & (XENPT_PTE_ADDR_MASK | XENPT_PTE_PSE))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: %s: flags 0x%" PRIx64 " include address bits or PSE",
					  s->desc, what, flags);
	if (s->mode == XENPT_PM_2LEVEL && (flags >> 12))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: %s: flags 0x%" PRIx64 " do not fit a 4-byte 2-level entry "
					  "(2-level paging has no NX)",
					  s->desc, what, flags);
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_map(struct xenpt_synth *s, unsigned root,
						 xenpt_va_t va, xenpt_gfn_t gfn, uint64_t size,
						 uint64_t page_size, uint64_t flags)
{
	uint64_t v = xenpt_va_x(va), g = xenpt_gfn_x(gfn);
	struct xenpt_error *err;

	if ((err = bad_root(s, root)) || (err = check_flags(s, flags, "map")))
		return err;
	if (!leaf_level(s, page_size))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: map: page size 0x%" PRIx64 " is not available in %s paging%s",
					  s->desc, page_size,
					  xenpt_paging_mode_name(s->mode),
					  s->pv ? " (PV guests have only 4K pages)" : "");
	if (s->pv && page_size != 4096)
		return xenpt_error_hint(
			xenpt_error_create(XENPT_ERR_INVALID_ARG,
					   "%s: map: PV guests have no superpages: Xen's base_disallow_mask forbids PSE in L2 and L3 entries",
					   s->desc),
			"map 4K pages");
	if ((v | size) & (page_size - 1) || (g & ((page_size >> 12) - 1)))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: map: va 0x%016" PRIx64 ", size 0x%" PRIx64 " and %s 0x%" PRIx64
					  " must be aligned to the page size 0x%" PRIx64,
					  s->desc, v, size, s->pv ? "pfn" : "gfn", g, page_size);
	if ((err = check_range(s, v, size, "map")))
		return err;
	if (g >= s->p.nr_pages || (size >> 12) > s->p.nr_pages - g)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: map: %s 0x%" PRIx64 "+0x%" PRIx64 " is beyond the domain's 0x%" PRIx64 " pages",
					  s->desc, s->pv ? "pfn" : "gfn", g, size >> 12, s->p.nr_pages);
	if (synth_map_range(s, root, v, g, XENPT_INVALID_FRAME, size, page_size, flags))
		return synth_fail_error(s, "map va 0x%016" PRIx64 " size 0x%" PRIx64, v, size);
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_map_mfn(struct xenpt_synth *s, unsigned root,
						     xenpt_va_t va, xenpt_mfn_t mfn,
						     uint64_t flags)
{
	uint64_t v = xenpt_va_x(va);
	struct xenpt_error *err;

	if (!s->pv)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: map_mfn: HVM tables hold GFNs, not MFNs", s->desc);
	if ((err = bad_root(s, root)) || (err = check_flags(s, flags, "map_mfn")))
		return err;
	if (v & 0xfff)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: map_mfn: va 0x%016" PRIx64 " is not page aligned", s->desc, v);
	if ((err = check_range(s, v, 4096, "map_mfn")))
		return err;
	if (xenpt_mfn_x(mfn) > (XENPT_PTE_ADDR_MASK >> 12))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: map_mfn: mfn 0x%" PRIx64 " does not fit an entry",
					  s->desc, xenpt_mfn_x(mfn));
	if (synth_map_range(s, root, v, XENPT_INVALID_FRAME, xenpt_mfn_x(mfn), 4096, 4096, flags))
		return synth_fail_error(s, "map va 0x%016" PRIx64 " to mfn 0x%" PRIx64, v,
					xenpt_mfn_x(mfn));
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_unmap(struct xenpt_synth *s, unsigned root,
						   xenpt_va_t va, uint64_t size)
{
	uint64_t v = xenpt_va_x(va), off = 0;
	struct xenpt_error *err;

	if ((err = bad_root(s, root)))
		return err;
	if ((v | size) & 0xfff)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: unmap: va 0x%016" PRIx64 " and size 0x%" PRIx64 " must be page aligned",
					  s->desc, v, size);
	if ((err = check_range(s, v, size, "unmap")))
		return err;
	while (off < size) {
		uint64_t cur = v + off, step = 0;
		struct synth_page *pg = synth_page_get(s, s->roots[root].frame);
		unsigned level;

		// down from the top: a missing entry, or one naming a frame that
		// holds no table of ours (raw), skips all it covers
		for (level = s->levels; level >= 1 && pg; level--) {
			uint64_t ls = synth_level_size(s, level);
			unsigned i = synth_va_index(s, cur, level);
			uint64_t e = synth_entry_get(s, pg, i);

			step = ls - (cur & (ls - 1));
			if (!(e & XENPT_PTE_P))
				break;
			if (synth_entry_leaf(s, e, level)) {
				if ((cur & (ls - 1)) || size - off < ls)
					return xenpt_error_create(XENPT_ERR_INVALID_ARG,
								  "%s: unmap: va 0x%016" PRIx64 " is part of a 0x%" PRIx64
								  "-byte page; unmap all of it",
								  s->desc, cur, ls);
				if (synth_write_entry(s, pg, level, i, 0, false))
					return synth_fail_error(s, "unmap va 0x%016" PRIx64, cur);
				count_leaf(s, e, 0, level);
				break;
			}
			pg = synth_page_get(s, synth_entry_frame(s, e, level));
		}
		if (step > size - off)
			step = size - off;
		if (ext_remove(s, synth_owner_root(s, root, cur), cur, step))
			return synth_fail_error(s, "unmap");
		off += step;
	}
	return NULL;
}

/* ---- entries ------------------------------------------------------------------------------ */

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_entry(struct xenpt_synth *s, unsigned root,
						       xenpt_va_t va, unsigned level,
						       uint64_t entry, bool raw)
{
	uint64_t v = xenpt_va_x(va), ls, base;
	struct synth_page *pg;
	struct synth_erec r;
	struct xenpt_error *err;
	unsigned i, owner;
	uint64_t old;

	if ((err = bad_root(s, root)))
		return err;
	if (level < 1 || level > s->levels)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set entry: level %u does not exist in %s paging (1..%u)",
					  s->desc, level, xenpt_paging_mode_name(s->mode), s->levels);
	if (!synth_va_ok(s, v))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set entry: va 0x%016" PRIx64 " is not canonical", s->desc, v);
	if (s->entry_bytes == 4 && (entry >> 32))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set entry: 0x%" PRIx64 " does not fit a 4-byte entry",
					  s->desc, entry);
	ls = synth_level_size(s, level);
	base = v & ~(ls - 1);
	if (synth_walk_to(s, root, v, level, true, false, &pg))
		return synth_fail_error(s, "set L%u entry for va 0x%016" PRIx64, level, v);
	i = synth_va_index(s, v, level);
	old = synth_entry_get(s, pg, i);
	owner = synth_owner_root(s, root, v);
	if (synth_write_entry(s, pg, level, i, entry, raw))
		return synth_fail_error(s, "set L%u entry %u for va 0x%016" PRIx64, level, i, v);
	count_leaf(s, old, synth_entry_get(s, pg, i), level);
	if (level == s->levels && owner != root) {
		// the root's own top-level entry changed: it no longer shares it
		s->roots[root].link[i] = SYNTH_NO_ROOT;
	} else if (ext_remove(s, owner, base, ls)) {
		return synth_fail_error(s, "set entry");
	}
	memset(&r, 0, sizeof(r));
	r.root = root;
	r.level = (uint8_t)level;
	r.raw = raw;
	r.va = base;
	r.table = pg->frame;
	r.index = i;
	r.value = synth_entry_get(s, pg, i);
	if (erec_add(s, &r))
		return synth_fail_error(s, "set entry");
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_table_entry(struct xenpt_synth *s,
							     uint64_t table, unsigned index,
							     uint64_t entry)
{
	struct synth_page *pg = synth_page_get(s, table);
	struct synth_erec r;
	uint64_t old;
	unsigned level;

	if (!pg || (pg->kind != SPAGE_TABLE && pg->kind != SPAGE_GEN))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set table entry: %s 0x%" PRIx64 " is not a page table",
					  s->desc, s->pv ? "mfn" : "gfn", table);
	level = pg->kind == SPAGE_TABLE ? pg->level : 1;
	if (index >= synth_entries(s, level))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set table entry: index %u is beyond the table's %u entries",
					  s->desc, index, synth_entries(s, level));
	if (s->entry_bytes == 4 && (entry >> 32))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set table entry: 0x%" PRIx64 " does not fit a 4-byte entry",
					  s->desc, entry);
	old = synth_entry_get(s, pg, index);
	if (synth_write_entry(s, pg, level, index, entry, true))
		return synth_fail_error(s, "set entry %u of table 0x%" PRIx64, index, table);
	if (pg->kind == SPAGE_TABLE)
		count_leaf(s, old, entry, level);
	memset(&r, 0, sizeof(r));
	r.root = SYNTH_NO_ROOT;
	r.level = (uint8_t)level;
	r.raw = true;
	r.table = table;
	r.index = index;
	r.value = entry;
	if (erec_add(s, &r))
		return synth_fail_error(s, "set table entry");
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_mmu_update(struct xenpt_synth *s, xenpt_mfn_t table,
							unsigned index, uint64_t entry)
{
	uint64_t mfn = xenpt_mfn_x(table), old = 0;
	struct synth_page *pg;
	struct synth_erec r;
	int64_t idx;
	unsigned t, level;
	int rc;

	if (!s->pv)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: mmu_update exists only for PV domains", s->desc);
	if (index >= 512)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: mmu_update: index %u is beyond 512 entries", s->desc, index);
	idx = synth_state_idx(s, mfn);
	if (idx < 0 || idx == (int64_t)s->p.nr_pages)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: mmu_update: mfn 0x%" PRIx64 " is not the domain's "
					  "(Xen: could not get page for normal update, -EINVAL)",
					  s->desc, mfn);
	t = s->fflags[idx] & FF_TYPE_MASK;
	pg = synth_page_get(s, mfn);
	// do_mmu_update(): the model says which path (xen/pvmm_rules.h)
	if (synth_update_path(s, idx, &level))
		return synth_fail_error(s, "mmu_update mfn 0x%" PRIx64 " entry %u", mfn, index);
	if (level) {
		// page_lock() succeeds: mod_lN_entry() by the frame's type
		old = synth_entry_get(s, pg, index);
		rc = synth_write_entry(s, pg, level, index, entry, false);
		if (rc)
			return synth_fail_error(s, "mmu_update mfn 0x%" PRIx64 " entry %u", mfn, index);
		if (pg->kind == SPAGE_TABLE)
			count_leaf(s, old, synth_entry_get(s, pg, index), pg->level);
	} else if (pg && pg->kind == SPAGE_TABLE) {
		// a plain 8-byte write (a table not in use)
		old = synth_entry_get(s, pg, index);
		synth_write_entry(s, pg, pg->level, index, entry, false);
		count_leaf(s, old, entry, pg->level);
	} else {
		uint8_t bytes[8];
		unsigned b;

		for (b = 0; b < 8; b++)
			bytes[b] = (uint8_t)(entry >> (8 * b));
		if (synth_write_frame(s, mfn, 8 * index, bytes, 8))
			return synth_fail_error(s, "mmu_update mfn 0x%" PRIx64, mfn);
	}
	memset(&r, 0, sizeof(r));
	r.root = SYNTH_NO_ROOT;
	r.level = (uint8_t)(t >= 1 && t <= 4 ? t : 0);
	r.table = mfn;
	r.index = index;
	r.value = pg ? synth_entry_get(s, pg, index) : entry;
	if (erec_add(s, &r))
		return synth_fail_error(s, "mmu_update");
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_table_entry(const struct xenpt_synth *s,
							 uint64_t table, unsigned index,
							 uint64_t *entry_ret)
{
	const struct synth_page *pg = synth_page_get(s, table);
	uint8_t *buf;
	const uint8_t *d;
	bool gen;
	int e = 0;

	if (index >= 4096 / s->entry_bytes)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: entry index %u is out of range",
					  s->desc, index);
	if (pg) {
		*entry_ret = synth_entry_get(s, pg, index);
		return NULL;
	}
	buf = malloc(SYNTH_PAGE);
	if (!buf)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	d = synth_frame_data(s, s->pv ? XENPT_SPACE_MFN : XENPT_SPACE_GFN, table, buf, &e, &gen);
	if (!d) {
		free(buf);
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: %s 0x%" PRIx64 ": %s", s->desc,
					  s->pv ? "mfn" : "gfn", table, strerror(e));
	}
	if (s->entry_bytes == 4)
		*entry_ret = (uint64_t)d[4 * index] | (uint64_t)d[4 * index + 1] << 8 |
			     (uint64_t)d[4 * index + 2] << 16 | (uint64_t)d[4 * index + 3] << 24;
	else {
		unsigned b;

		*entry_ret = 0;
		for (b = 0; b < 8; b++)
			*entry_ret |= (uint64_t)d[8 * index + b] << (8 * b);
	}
	free(buf);
	return NULL;
}

/* ---- sharing top-level entries --------------------------------------------------------- */

XENPT_PUBLIC struct xenpt_error *xenpt_synth_share(struct xenpt_synth *s, unsigned dst,
						   unsigned src, unsigned first_slot,
						   unsigned last_slot)
{
	unsigned n = synth_entries(s, s->levels), i;
	struct synth_page *dpg, *spg;
	struct xenpt_error *err;

	if ((err = bad_root(s, dst)) || (err = bad_root(s, src)))
		return err;
	if (dst == src || first_slot > last_slot || last_slot >= n)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: share: slots %u..%u of root %u into root %u: need two roots and slots within 0..%u",
					  s->desc, first_slot, last_slot, src, dst, n - 1);
	dpg = synth_page_get(s, s->roots[dst].frame);
	spg = synth_page_get(s, s->roots[src].frame);
	if (!s->roots[dst].link) {
		s->roots[dst].link = malloc(n * sizeof(uint32_t));
		if (!s->roots[dst].link)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		for (i = 0; i < n; i++)
			s->roots[dst].link[i] = SYNTH_NO_ROOT;
	}
	for (i = first_slot; i <= last_slot; i++) {
		uint64_t e = synth_entry_get(s, spg, i);
		uint64_t va = (uint64_t)i * synth_level_size(s, s->levels);
		unsigned owner;

		if (s->pv && !synth_is_guest_l4_slot(i))
			continue;
		if (!(e & XENPT_PTE_P))
			continue;
		if (s->levels >= 4 && va >= (1ull << (va_bits(s) - 1)))
			va |= ~((1ull << va_bits(s)) - 1);     // sign-extend
		owner = synth_owner_root(s, src, va);
		if (owner == dst)
			continue;
		if (synth_entry_get(s, dpg, i) & XENPT_PTE_P)
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: share: slot %u of root %u is in use; share only into empty slots",
						  s->desc, i, dst);
		if (synth_write_entry(s, dpg, s->levels, i, e, false))
			return synth_fail_error(s, "share slot %u of root %u into root %u", i, src,
						dst);
		s->roots[dst].link[i] = owner;
	}
	return NULL;
}
