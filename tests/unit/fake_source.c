/* SPDX-License-Identifier: MIT */
/* A hand-written in-memory source for unit tests; see fake_source.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source_int.h"
#include "fake_source.h"

#define FAKE_MAX_VCPUS 8

/* Open-addressing map u64 -> u64 (keys never equal to UINT64_MAX). */
struct u64map {
	uint64_t *keys, *vals;
	size_t mask, used;
};

struct fake_source {
	struct xenpt_source *src;
	unsigned flags;
	struct u64map pages;   /* key(space, frame) -> (uintptr_t)page */
	struct u64map errs;    /* key(space, frame) -> errno */
	struct u64map m2p, p2m;
	struct u64map types;   /* mfn -> page type word (FAKE_TYPES) */
	bool have_vcpu[FAKE_MAX_VCPUS];
	struct xenpt_vcpu *vcpus;
	struct fake_counts counts;
};

static void *xmalloc0(size_t n)
{
	void *p = calloc(1, n);

	if (!p) {
		fprintf(stderr, "fake_source: out of memory\n");
		abort();
	}
	return p;
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 31;
	k *= 0x9e3779b97f4a7c15ull;
	k ^= k >> 29;
	return k;
}

static void map_init(struct u64map *m, size_t n)
{
	size_t i;

	m->keys = xmalloc0(n * sizeof(*m->keys));
	m->vals = xmalloc0(n * sizeof(*m->vals));
	for (i = 0; i < n; i++)
		m->keys[i] = UINT64_MAX;
	m->mask = n - 1;
	m->used = 0;
}

static void map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
}

static uint64_t *map_slot(struct u64map *m, uint64_t key, bool create)
{
	size_t i = mix(key) & m->mask;

	while (m->keys[i] != UINT64_MAX) {
		if (m->keys[i] == key)
			return &m->vals[i];
		i = (i + 1) & m->mask;
	}
	if (!create)
		return NULL;
	if ((m->used + 1) * 2 > m->mask + 1) {
		struct u64map old = *m;
		size_t j;

		map_init(m, (old.mask + 1) * 2);
		for (j = 0; j <= old.mask; j++)
			if (old.keys[j] != UINT64_MAX)
				*map_slot(m, old.keys[j], true) = old.vals[j];
		map_free(&old);
		return map_slot(m, key, true);
	}
	m->keys[i] = key;
	m->vals[i] = 0;
	m->used++;
	return &m->vals[i];
}

static uint64_t fkey(enum xenpt_space space, uint64_t frame)
{
	return (frame << 1) | (uint64_t)space;
}

static struct xenpt_error *fake_get_frames(struct xenpt_source *src, enum xenpt_space space,
					   const uint64_t *frames, size_t n,
					   const uint8_t **pages, int *errs, uint8_t *scratch)
{
	struct fake_source *f = src->priv;
	size_t i;

	f->counts.get_frames_calls++;
	f->counts.frames_requested += n;
	for (i = 0; i < n; i++) {
		uint64_t *e = map_slot(&f->errs, fkey(space, frames[i]), false);
		uint64_t *p = map_slot(&f->pages, fkey(space, frames[i]), false);

		pages[i] = NULL;
		if (e && *e) {
			errs[i] = (int)*e;
		} else if (!p || frames[i] >> 52) {
			errs[i] = frames[i] >> 52 ? ERANGE : ENOENT;
		} else if (scratch) {
			memcpy(scratch + i * XENPT_PAGE_SIZE, (const void *)(uintptr_t)*p,
			       XENPT_PAGE_SIZE);
			pages[i] = scratch + i * XENPT_PAGE_SIZE;
			errs[i] = 0;
		} else {
			pages[i] = (const uint8_t *)(uintptr_t)*p;
			errs[i] = 0;
		}
	}
	return NULL;
}

static struct xenpt_error *fake_vcpu(struct xenpt_source *src, uint32_t id,
				     struct xenpt_vcpu *ret)
{
	struct fake_source *f = src->priv;

	if (id >= FAKE_MAX_VCPUS || !f->have_vcpu[id])
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no vCPU %u", src->desc, id);
	*ret = f->vcpus[id];
	return NULL;
}

static struct xenpt_error *fake_m2p(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				    uint64_t *gfns)
{
	struct fake_source *f = src->priv;
	size_t i;

	f->counts.m2p_calls++;
	f->counts.m2p_frames += n;
	for (i = 0; i < n; i++) {
		uint64_t *v = map_slot(&f->m2p, mfns[i], false);
		gfns[i] = v ? *v : XENPT_INVALID_FRAME;
	}
	return NULL;
}

static struct xenpt_error *fake_p2m(struct xenpt_source *src, const uint64_t *gfns, size_t n,
				    uint64_t *mfns)
{
	struct fake_source *f = src->priv;
	size_t i;

	f->counts.p2m_calls++;
	for (i = 0; i < n; i++) {
		uint64_t *v = map_slot(&f->p2m, gfns[i], false);
		mfns[i] = v ? *v : XENPT_INVALID_FRAME;
	}
	return NULL;
}

static struct xenpt_error *fake_page_types(struct xenpt_source *src, enum xenpt_space space,
					   const uint64_t *frames, size_t n, xenpt_page_type_t *types)
{
	struct fake_source *f = src->priv;
	size_t i;

	(void)space;
	for (i = 0; i < n; i++) {
		uint64_t *v = map_slot(&f->types, frames[i], false);
		types[i] = v ? (xenpt_page_type_t)*v : XENPT_PT_NONE;
	}
	return NULL;
}

static void fake_close(struct xenpt_source *src)
{
	struct fake_source *f = src->priv;
	size_t i;

	for (i = 0; i <= f->pages.mask; i++)
		if (f->pages.keys[i] != UINT64_MAX)
			free((void *)(uintptr_t)f->pages.vals[i]);
	map_free(&f->pages);
	map_free(&f->errs);
	map_free(&f->m2p);
	map_free(&f->p2m);
	map_free(&f->types);
	free(f->vcpus);
	free(f);
}

static const struct xenpt_source_ops fake_ops = {
	.name = "fake",
	.get_frames = fake_get_frames,
	.vcpu = fake_vcpu,
	.p2m = fake_p2m,
	.m2p = fake_m2p,
	.page_types = fake_page_types,
	.close = fake_close,
};

struct fake_source *fake_create(unsigned flags)
{
	struct fake_source *f = xmalloc0(sizeof(*f));
	struct xenpt_source *src;
	struct xenpt_error *err;

	f->flags = flags;
	map_init(&f->pages, 64);
	map_init(&f->errs, 16);
	map_init(&f->m2p, 64);
	map_init(&f->p2m, 16);
	map_init(&f->types, 16);
	f->vcpus = xmalloc0(FAKE_MAX_VCPUS * sizeof(*f->vcpus));
	src = xenpt_source_new(&fake_ops, f);
	if (!src)
		abort();
	src->caps = XENPT_CAP_VCPU;
	if (!(flags & FAKE_COPY))
		src->caps |= XENPT_CAP_STABLE;
	if (flags & FAKE_HVM) {
		src->caps |= XENPT_CAP_GFN_FRAMES;
		src->info.hvm = true;
		src->info.hap = true;
	} else {
		src->caps |= XENPT_CAP_MFN_FRAMES;
		if (!(flags & FAKE_NO_M2P))
			src->caps |= XENPT_CAP_M2P;
	}
	if (flags & FAKE_P2M)
		src->caps |= XENPT_CAP_P2M;
	if (flags & FAKE_TYPES)
		src->caps |= XENPT_CAP_PAGE_TYPES;
	src->info.domid = 42;
	snprintf(src->info.name, sizeof(src->info.name), "fake");
	src->info.guest_width = 8;
	src->info.pt_levels = 4;
	snprintf(src->desc, sizeof(src->desc), "fake domain 42");
	err = xenpt_source_finish(src, &f->src);
	if (err) {
		fprintf(stderr, "fake_source: %s\n", xenpt_error_message(err));
		abort();
	}
	return f;
}

struct xenpt_source *fake_src(struct fake_source *f)
{
	return f->src;
}

void fake_destroy(struct fake_source *f)
{
	if (f)
		xenpt_source_close(f->src);   /* frees f through fake_close() */
}

struct xenpt_domain_info *fake_info(struct fake_source *f)
{
	return &f->src->info;
}

uint8_t *fake_page(struct fake_source *f, enum xenpt_space space, uint64_t frame)
{
	uint64_t *v = map_slot(&f->pages, fkey(space, frame), true);

	if (!*v)
		*v = (uintptr_t)xmalloc0(XENPT_PAGE_SIZE);
	return (uint8_t *)(uintptr_t)*v;
}

void fake_set64(struct fake_source *f, enum xenpt_space space, uint64_t frame, unsigned index,
		uint64_t val)
{
	if (index >= 512)
		abort();
	memcpy(fake_page(f, space, frame) + (size_t)index * 8, &val, 8);
}

void fake_set32(struct fake_source *f, enum xenpt_space space, uint64_t frame, unsigned index,
		uint32_t val)
{
	if (index >= 1024)
		abort();
	memcpy(fake_page(f, space, frame) + (size_t)index * 4, &val, 4);
}

void fake_set_err(struct fake_source *f, enum xenpt_space space, uint64_t frame, int err)
{
	*map_slot(&f->errs, fkey(space, frame), true) = (uint64_t)err;
}

void fake_set_m2p(struct fake_source *f, uint64_t mfn, uint64_t pfn)
{
	*map_slot(&f->m2p, mfn, true) = pfn;
}

void fake_set_p2m(struct fake_source *f, uint64_t pfn, uint64_t mfn)
{
	*map_slot(&f->p2m, pfn, true) = mfn;
}

void fake_set_type(struct fake_source *f, uint64_t mfn, xenpt_page_type_t type)
{
	*map_slot(&f->types, mfn, true) = type;
}

void fake_set_vcpu(struct fake_source *f, const struct xenpt_vcpu *v)
{
	if (v->id >= FAKE_MAX_VCPUS)
		abort();
	f->vcpus[v->id] = *v;
	f->have_vcpu[v->id] = true;
	if (f->src->info.nr_vcpus <= v->id)
		f->src->info.nr_vcpus = v->id + 1;
}

const struct fake_counts *fake_counts(const struct fake_source *f)
{
	return &f->counts;
}

void fake_reset_counts(struct fake_source *f)
{
	memset(&f->counts, 0, sizeof(f->counts));
}
