/* SPDX-License-Identifier: MIT */
/*
 * Synthetic domains as a source (the "synth" backend) and as dump-core
 * files.
 *
 * Frame pointers: the source is XENPT_CAP_STABLE.  Tables, written pages
 * and special pages live in the model's page store, which never moves or
 * frees a page before the model is freed, so pointers into it stay valid
 * until close.  A table held compactly (its entries only) gets its 4 KiB
 * on its first read here (synth_page_data), for good; a core file copies
 * it out instead (synth_page_read).  Generated data frames are materialised into the same store
 * on first read (kind SPAGE_GEN) instead of a ring of buffers: a ring would
 * break the stable-pointer promise the frame cache relies on, and the
 * store keeps the identity "one frame, one page" (a later write or
 * promotion of the frame updates the very page a reader holds).  The cost
 * is 4 KiB per distinct generated frame read, bounded by max_generated of
 * the limits; beyond it reads fail with ENOMEM.  Walks and audits read
 * tables, which are stored anyway; bulk reading of data goes through
 * xenpt_synth_write_core(), which generates into a single buffer.
 *
 * Ownership: the source holds a reference on the model (xenpt_synth_source)
 * and drops it in close.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/core.h>

#include "source/source_int.h"
#include "synth/synth_int.h"
#include "xen/xen_abi.h"

static struct xenpt_error *synth_get_frames(struct xenpt_source *src, enum xenpt_space space,
					    const uint64_t *frames, size_t n,
					    const uint8_t **pages, int *errs, uint8_t *scratch)
{
	struct xenpt_synth *s = src->priv;
	struct xenpt_error *err = synth_complete(s);
	size_t i;

	(void)scratch;
	if (err)
		return err;
	if (!s->pv && space != XENPT_SPACE_GFN)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: HVM frames are read by GFN", src->desc);
	for (i = 0; i < n; i++) {
		uint8_t buf[SYNTH_PAGE];
		const uint8_t *d;
		struct synth_page *pg;
		uint64_t frame = frames[i];
		bool gen;
		int e = 0;

		d = synth_frame_data(s, space, frame, buf, &e, &gen);
		pages[i] = NULL;
		errs[i] = 0;
		if (!d) {
			errs[i] = e;
			continue;
		}
		if (d != buf) {
			pages[i] = d;
			continue;
		}
		if (s->st.generated_pages >= s->lim.max_generated) {
			errs[i] = ENOMEM;
			continue;
		}
		if (s->pv && space == XENPT_SPACE_GFN)
			frame = synth_p2m(s, frame);
		pg = synth_page_make(s, frame, SPAGE_GEN, true);
		if (!pg)
			return xenpt_error_create(XENPT_ERR_NOMEM, "%s: out of memory", src->desc);
		pages[i] = pg->data;
	}
	return NULL;
}

static struct xenpt_error *synth_src_vcpu(struct xenpt_source *src, uint32_t id,
					  struct xenpt_vcpu *ret)
{
	struct xenpt_error *err = synth_complete(src->priv);

	return err ? err : xenpt_synth_vcpu(src->priv, id, ret);
}

static struct xenpt_error *synth_src_p2m(struct xenpt_source *src, const uint64_t *gfns, size_t n,
					 uint64_t *mfns)
{
	struct xenpt_error *err = synth_complete(src->priv);

	if (err)
		return err;
	synth_p2m_batch(src->priv, gfns, n, mfns);
	return NULL;
}

static struct xenpt_error *synth_src_m2p(struct xenpt_source *src, const uint64_t *mfns, size_t n,
					 uint64_t *gfns)
{
	struct xenpt_error *err = synth_complete(src->priv);

	if (err)
		return err;
	synth_m2p_batch(src->priv, mfns, n, gfns);
	return NULL;
}

static struct xenpt_error *synth_src_page_types(struct xenpt_source *src, enum xenpt_space space,
						const uint64_t *frames, size_t n,
						xenpt_page_type_t *types)
{
	struct xenpt_error *err = synth_complete(src->priv);

	if (err)
		return err;
	synth_page_types_batch(src->priv, space, frames, n, types);
	return NULL;
}

static struct xenpt_error *synth_src_shared_info(struct xenpt_source *src, uint8_t *page)
{
	struct xenpt_synth *s = src->priv;
	const struct synth_page *pg = synth_page_get(s, s->shinfo_mfn);

	if (!pg)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: no shared_info", src->desc);
	memcpy(page, pg->data, SYNTH_PAGE);
	return NULL;
}

static const char *synth_frame_strerror(const struct xenpt_source *src, int err)
{
	(void)src;
	switch (err) {
	case ENOENT: return "not a frame of this synthetic domain";
	case ERANGE: return "beyond the synthetic host (or the domain's P2M)";
	case ENOMEM: return "the synthetic source's limit of generated frames is reached";
	default: return NULL;
	}
}

static void synth_src_close(struct xenpt_source *src)
{
	xenpt_synth_destroy(src->priv);
}

static const struct xenpt_source_ops synth_ops = {
	.name = "synth",
	.get_frames = synth_get_frames,
	.vcpu = synth_src_vcpu,
	.p2m = synth_src_p2m,
	.m2p = synth_src_m2p,
	.page_types = synth_src_page_types,
	.shared_info = synth_src_shared_info,
	.frame_strerror = synth_frame_strerror,
	.close = synth_src_close,
};

static uint64_t populated(const struct xenpt_synth *s)
{
	uint64_t n = s->p.nr_pages;

	if (!s->pv && s->p.vga_hole && n > 0xa0)
		n -= (n >= 0xc0 ? 0xc0 : n) - 0xa0;
	return n;
}

// The front-end object for @s (taking a reference); NULL on allocation failure.
static struct xenpt_source *new_source(struct xenpt_synth *s, const char *origin)
{
	struct xenpt_source *src = xenpt_source_new(&synth_ops, s);
	struct xenpt_domain_info *d;
	uint32_t i;

	if (!src)
		return NULL;
	s->refs++;
	src->caps = XENPT_CAP_VCPU | XENPT_CAP_GFN_FRAMES | XENPT_CAP_STABLE;
	if (s->pv)
		src->caps |= XENPT_CAP_MFN_FRAMES | XENPT_CAP_P2M | XENPT_CAP_M2P |
			     XENPT_CAP_PAGE_TYPES | XENPT_CAP_SHARED_INFO;
	d = &src->info;
	d->domid = s->p.domid;
	snprintf(d->name, sizeof(d->name), "%s", s->p.name);
	d->hvm = !s->pv;
	d->hap = !s->pv;
	d->guest_width = (!s->pv && (s->mode == XENPT_PM_2LEVEL || s->mode == XENPT_PM_PAE)) ? 4 : 8;
	d->pt_levels = s->levels;
	d->tot_pages = populated(s);
	d->max_pages = s->p.nr_pages;
	d->nr_vcpus = s->p.nr_vcpus;
	for (i = 0; i < s->p.nr_vcpus; i++)
		d->nr_online_vcpus += s->vcpus[i].online;
	d->paused = true;
	d->shared_info_frame = s->pv ? s->shinfo_mfn : XENPT_INVALID_FRAME;
	d->p2m_size = s->p.nr_pages;
	snprintf(d->p2m_size_from, sizeof(d->p2m_size_from), "the spec's pages");
	d->max_gfn = s->p.nr_pages - 1;
	d->max_mfn = s->p.host_frames;
	d->nr_frames = d->tot_pages;
	snprintf(d->xen_version, sizeof(d->xen_version), "4.17.7");
	if (origin)
		snprintf(src->desc, sizeof(src->desc), "synthetic domain %s (%s)", s->p.name, origin);
	else
		snprintf(src->desc, sizeof(src->desc), "synthetic domain %s (d%u)", s->p.name,
			 s->p.domid);
	return src;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_source(struct xenpt_synth *s,
						    struct xenpt_source **ret)
{
	struct xenpt_source *src = new_source(s, NULL);

	if (!src)
		return xenpt_error_create(XENPT_ERR_NOMEM, "%s: out of memory", s->desc);
	return xenpt_source_finish(src, ret);
}

XENPT_PUBLIC struct xenpt_synth *xenpt_synth_of_source(struct xenpt_source *src)
{
	struct xenpt_error *err;

	if (!src || src->ops != &synth_ops)
		return NULL;
	/* the model is handed out whole: the deferred spec lines first */
	err = synth_complete(src->priv);
	if (err) {
		xenpt_error_destroy(err);
		return NULL;
	}
	return src->priv;
}

struct xenpt_error *xenpt_synth_open_file(const char *path, struct xenpt_source **ret)
{
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src;
	struct xenpt_error *err;

	/* lazily: list and info need no mapping line (synth_load_lazy()) */
	err = synth_load_lazy(path, &s);
	if (err)
		return err;
	src = new_source(s, path);
	xenpt_synth_destroy(s);         // the source holds the model now
	if (!src)
		return xenpt_error_create(XENPT_ERR_NOMEM, "synth:%s: out of memory", path);
	*ret = src;
	return NULL;
}

/* ---- dump-core ------------------------------------------------------------------------- */

struct core_ctx {
	const struct xenpt_synth *s;
	const uint64_t *frames;   // table-space frame of each page
	uint8_t buf[SYNTH_PAGE];
};

static bool p2m_leaf(const struct xenpt_synth *s, uint64_t frame)
{
	uint64_t slot = synth_mfn_to_slot(s, frame);
	unsigned r;

	for (r = 0; r < s->nr_gen; r++)
		if (slot >= s->gen[r].first && slot - s->gen[r].first < s->gen[r].n)
			return true;
	return false;
}

static const uint8_t *core_page(void *arg, uint64_t index)
{
	struct core_ctx *c = arg;
	const struct synth_page *pg = synth_page_get(c->s, c->frames[index]);

	if (pg) {
		synth_page_read(c->s, pg, c->buf);   // a compact table stays so
		return c->buf;
	}
	if (c->s->p.sparse && !(c->s->pv && p2m_leaf(c->s, c->frames[index])))
		return NULL;
	synth_gen_frame(c->s, c->frames[index], c->buf);
	return c->buf;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_write_core(const struct xenpt_synth *s,
							const char *path)
{
	struct xenpt_core_desc d;
	struct core_ctx *ctx = NULL;
	struct xenpt_error *err = NULL;
	uint64_t *pfns = NULL, *mfns = NULL, i, n = 0;
	const struct synth_page *shinfo = NULL;

	pfns = malloc(s->p.nr_pages * sizeof(*pfns));
	if (s->pv)
		mfns = malloc(s->p.nr_pages * sizeof(*mfns));
	ctx = malloc(sizeof(*ctx));
	if (!pfns || (s->pv && !mfns) || !ctx) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "%s: core file %s: out of memory", s->desc,
					 path);
		goto out;
	}
	for (i = 0; i < s->p.nr_pages; i++) {
		if (s->pv) {
			uint64_t mfn = synth_p2m(s, i);

			// the dump holds the frames the P2M names that the domain owns
			if (mfn == XENPT_INVALID_FRAME || synth_state_idx(s, mfn) < 0)
				continue;
			mfns[n] = mfn;
		} else if (!synth_gfn_populated(s, i)) {
			continue;
		}
		pfns[n++] = i;
	}
	memset(&d, 0, sizeof(d));
	d.hvm = !s->pv;
	d.nr_vcpus = s->p.nr_vcpus;
	d.vcpus = s->vcpus;
	if (s->pv)
		shinfo = synth_page_get(s, s->shinfo_mfn);
	d.shared_info = shinfo ? shinfo->data : NULL;
	d.nr_pages = n;
	d.pfns = pfns;
	d.mfns = mfns;
	ctx->s = s;
	ctx->frames = s->pv ? mfns : pfns;
	d.page = core_page;
	d.arg = ctx;
	d.xen_major = 4;
	d.xen_minor = 17;
	d.xen_extra = ".7";
	err = xenpt_core_write(path, &d);
	if (err)
		err = xenpt_error_prefix(err, "%s", s->desc);
out:
	free(ctx);
	free(pfns);
	free(mfns);
	return err;
}
