/* SPDX-License-Identifier: MIT */
/*
 * The source front end: opens TARGETs, validates calls, turns missing
 * backend operations into XENPT_ERR_UNSUPPORTED naming the source, and puts
 * the frame cache in front of every frame read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>
#include <xenpt/version.h>
#include <xenpt/walk.h>

#include "source/source_int.h"
#include "xen/xen_abi.h"

struct xenpt_source *xenpt_source_new(const struct xenpt_source_ops *ops, void *priv)
{
	struct xenpt_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->ops = ops;
	src->priv = priv;
	src->info.shared_info_frame = XENPT_INVALID_FRAME;
	snprintf(src->desc, sizeof(src->desc), "%s source", ops->name);
	return src;
}

void xenpt_source_logf(const struct xenpt_source *src, int level, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!src || !src->log)
		return;
	va_start(ap, fmt);
	msg = xenpt_vasprintf(fmt, ap);
	va_end(ap);
	if (msg)
		src->log(src->log_arg, level, msg);
	free(msg);
}

static struct xenpt_error *unsupported(const struct xenpt_source *src, const char *what)
{
	return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: %s is not available from a %s source",
				  src->desc, what, src->ops->name);
}

/*
 * Fill what the backend leaves to the front end (HVM paging levels from
 * vCPU 0's control registers) and create the frame cache.
 */
static struct xenpt_error *finish_open(struct xenpt_source *src)
{
	src->cache = frame_cache_create(0, src->caps & XENPT_CAP_STABLE);
	if (!src->cache)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	if (src->caps & XENPT_CAP_STABLE) {
		src->fp = calloc(2 * 2 * SRC_FP_SETS, sizeof(*src->fp));
		if (!src->fp)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	if (src->info.hvm && !src->info.pt_levels && (src->caps & XENPT_CAP_VCPU) &&
	    src->info.nr_vcpus) {
		struct xenpt_vcpu *v = malloc(sizeof(*v));
		struct xenpt_error *err;

		if (!v)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		err = src->ops->vcpu(src, 0, v);
		if (!err)
			src->info.pt_levels = xenpt_paging_mode_levels(
				xenpt_paging_mode_from_regs(v->cr0, v->cr4, v->efer, v->efer_known,
							    src->info.guest_width != 4));
		xenpt_error_destroy(err);   /* a missing vCPU 0 just leaves "unknown" */
		free(v);
	}
	return NULL;
}

static struct xenpt_error *opened(struct xenpt_error *err, struct xenpt_source *src,
				  struct xenpt_source **ret)
{
	if (!err)
		err = finish_open(src);
	if (err) {
		xenpt_source_close(src);
		return err;
	}
	*ret = src;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_open_core(const char *path, struct xenpt_source **ret)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	if (!path || !*path)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core: no file name given");
	err = xenpt_core_open(path, &src);
	if (err)
		return err;
	return opened(NULL, src, ret);
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_open_xen(const char *domain, unsigned flags,
						       struct xenpt_source **ret)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	if (!domain || !*domain)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "no domain given");
	err = xenpt_xen_open(domain, flags, &src);
	if (err)
		return err;
	return opened(NULL, src, ret);
}

static struct xenpt_error *open_synth(const char *path, struct xenpt_source **ret)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	if (!*path)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "synth: no file name given");
	err = xenpt_synth_open_file(path, &src);
	if (err)
		return err;
	return opened(NULL, src, ret);
}

/* Open a source built by a backend-specific constructor (e.g. the synth builder). */
struct xenpt_error *xenpt_source_finish(struct xenpt_source *src, struct xenpt_source **ret)
{
	return opened(NULL, src, ret);
}

static struct xenpt_error *open_core(const char *path, unsigned flags, struct xenpt_source **ret)
{
	(void)flags;
	return xenpt_source_open_core(path, ret);
}

static struct xenpt_error *open_synth_kind(const char *path, unsigned flags,
					   struct xenpt_source **ret)
{
	(void)flags;
	return open_synth(path, ret);
}

/* The TARGET grammar: help, completion and messages are made from this table. */
static const struct xenpt_target_kind target_kinds[] = {
	{ "core", "core:", "core:FILE", "an xl dump-core file", open_core },
	{ "synth", "synth:", "synth:FILE", "a synthetic domain", open_synth_kind },
	{ "xen", "", "DOMID|NAME", "a live domain by id or name, from dom0", xenpt_source_open_xen },
};

XENPT_PUBLIC const struct xenpt_target_kind *xenpt_target_kinds(size_t *n_ret)
{
	*n_ret = XENPT_ARRAY_SIZE(target_kinds);
	return target_kinds;
}

/* "DOMID|NAME (a live domain ...), core:FILE (...) or synth:FILE (...)" */
static struct xenpt_error *hint_kinds(struct xenpt_error *err)
{
	char buf[512];
	size_t i, n = XENPT_ARRAY_SIZE(target_kinds), o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s (%s)",
				      i == 0 ? "" : i + 1 == n ? " or " : ", ",
				      target_kinds[i].syntax, target_kinds[i].description);
	return xenpt_error_hint(err, "TARGET is %s", buf);
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_open_target(const char *target, unsigned flags,
							  struct xenpt_source **ret)
{
	const struct xenpt_target_kind *live = NULL;
	const char *colon;
	size_t i;

	if (!target || !*target)
		return hint_kinds(xenpt_error_create(XENPT_ERR_INVALID_ARG, "no TARGET given"));
	for (i = 0; i < XENPT_ARRAY_SIZE(target_kinds); i++) {
		const struct xenpt_target_kind *k = &target_kinds[i];
		size_t len = strlen(k->prefix);

		if (!len) {
			live = k;
			continue;
		}
		if (!strncmp(target, k->prefix, len))
			return k->open(target + len, flags, ret);
		/* "core" alone: the kind without its colon and FILE */
		if (!strncmp(target, k->prefix, len - 1) && !target[len - 1])
			return xenpt_error_hint(
				xenpt_error_create(XENPT_ERR_INVALID_ARG,
						   "target '%s' is a kind of target without its file", target),
				"write %s", k->syntax);
	}
	colon = strchr(target, ':');
	if (colon)
		return hint_kinds(xenpt_error_create(XENPT_ERR_INVALID_ARG,
						     "unknown kind of target '%.*s:' in '%s'",
						     (int)(colon - target), target, target));
	if (strchr(target, '/'))
		return hint_kinds(xenpt_error_create(XENPT_ERR_INVALID_ARG,
						     "target '%s' looks like a file but names no kind",
						     target));
	if (!live)
		return hint_kinds(xenpt_error_create(XENPT_ERR_INVALID_ARG,
						     "target '%s' names no kind", target));
	return live->open(target, flags, ret);
}

XENPT_PUBLIC void xenpt_source_close(struct xenpt_source *src)
{
	if (!src)
		return;
	if (src->ops->close)
		src->ops->close(src);
	frame_cache_destroy(src->cache);
	free(src->fp);
	free(src);
}

XENPT_PUBLIC void xenpt_source_signal_cleanup(struct xenpt_source *src)
{
	if (src && src->ops->signal_cleanup)
		src->ops->signal_cleanup(src);
}

XENPT_PUBLIC const char *xenpt_source_kind(const struct xenpt_source *src)
{
	return src->ops->name;
}

XENPT_PUBLIC const char *xenpt_source_describe(const struct xenpt_source *src)
{
	return src->desc;
}

XENPT_PUBLIC unsigned xenpt_source_caps(const struct xenpt_source *src)
{
	return src->caps;
}

XENPT_PUBLIC const struct xenpt_domain_info *xenpt_source_domain(const struct xenpt_source *src)
{
	return &src->info;
}

XENPT_PUBLIC void xenpt_source_set_interrupt(struct xenpt_source *src,
					    const volatile sig_atomic_t *flag)
{
	src->intr = flag;
}

XENPT_PUBLIC void xenpt_source_set_log(struct xenpt_source *src, xenpt_log_fn fn, void *arg)
{
	src->log = fn;
	src->log_arg = arg;
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_vcpu(struct xenpt_source *src, uint32_t vcpu,
						   struct xenpt_vcpu *ret)
{
	if (!(src->caps & XENPT_CAP_VCPU) || !src->ops->vcpu)
		return unsupported(src, "vCPU state");
	if (src->info.nr_vcpus && vcpu >= src->info.nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no vCPU %u (it has %u)",
					  src->desc, vcpu, src->info.nr_vcpus);
	return src->ops->vcpu(src, vcpu, ret);
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_shared_info(struct xenpt_source *src,
							  struct xenpt_shared_info *ret)
{
	uint8_t *page;
	struct xenpt_error *err;

	if (!(src->caps & XENPT_CAP_SHARED_INFO) || !src->ops->shared_info)
		return unsupported(src, "shared_info");
	page = calloc(1, XENPT_PAGE_SIZE);
	if (!page)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	err = src->ops->shared_info(src, page);
	if (!err)
		xenpt_abi_decode_shared_info(page, ret);
	free(page);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_get_frames(struct xenpt_source *src,
							 enum xenpt_space space,
							 const uint64_t *frames, size_t n,
							 const uint8_t **pages_ret, int *errs_ret)
{
	unsigned need = space == XENPT_SPACE_MFN ? XENPT_CAP_MFN_FRAMES : XENPT_CAP_GFN_FRAMES;

	if (!(src->caps & need) || !src->ops->get_frames)
		return unsupported(src, space == XENPT_SPACE_MFN ? "reading frames by MFN"
								 : "reading frames by PFN/GFN");
	if (!n)
		return NULL;
	if (src->intr && *src->intr)
		return xenpt_error_create(XENPT_ERR_INTERRUPTED, "interrupted");
	return frame_cache_get(src->cache, src, space, frames, n, pages_ret, errs_ret);
}

const uint8_t *xenpt_source_frame_slow(struct xenpt_source *src, enum xenpt_space space,
				       uint64_t frame, int *err_ret,
				       struct xenpt_error **error_ret)
{
	const uint8_t *page = NULL;
	int e = 0;

	*error_ret = xenpt_source_get_frames(src, space, &frame, 1, &page, &e);
	if (*error_ret) {
		*err_ret = 0;
		return NULL;
	}
	if (!page) {
		*err_ret = e;
		return NULL;
	}
	if (src->fp) {
		/* the new frame in way 0, the previous way 0 in way 1 */
		struct src_fp *set = &src->fp[(space == XENPT_SPACE_GFN ? 2 * SRC_FP_SETS : 0) +
					      (frame & (SRC_FP_SETS - 1)) * 2];

		if (set[0].frame != frame || !set[0].ptr) {
			set[1] = set[0];
			set[0].label = SRC_FP_NO_LABEL;
		}
		set[0].frame = frame;
		set[0].ptr = page;
	}
	return page;
}

XENPT_PUBLIC const char *xenpt_source_frame_strerror(const struct xenpt_source *src, int err)
{
	const char *s = NULL;

	if (src->ops->frame_strerror)
		s = src->ops->frame_strerror(src, err);
	if (s)
		return s;
	switch (err) {
	case ENOENT: return "frame not in this source";
	case ERANGE: return "frame number beyond the host";
	default: return strerror(err);
	}
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_get_frame(struct xenpt_source *src,
							enum xenpt_space space, uint64_t frame,
							const uint8_t **page_ret)
{
	const uint8_t *page = NULL;
	int e = 0;
	struct xenpt_error *err;

	err = xenpt_source_get_frames(src, space, &frame, 1, &page, &e);
	if (err)
		return err;
	if (!page)
		return xenpt_error_create(XENPT_ERR_FAULT, "%s: %s 0x%" PRIx64 ": %s", src->desc,
					  src->info.hvm || space == XENPT_SPACE_MFN
						  ? xenpt_space_name(space) : "pfn",
					  frame, xenpt_source_frame_strerror(src, e));
	*page_ret = page;
	return NULL;
}

/*
 * The M2P is global and stale for frames the domain does not own: keep
 * only the answers (@pfns, from a backend's raw M2P) that the domain's P2M
 * confirms, P2M[M2P[mfn]] == mfn, as the save code's mfn_to_pfn() does
 * (tools/libs/guest/xg_sr_common_x86_pv.c).  The rest become
 * XENPT_INVALID_FRAME.  PV sources with a P2M only; one policy for every
 * source, applied by the front end (the P2M checker of lib/view/p2m.c reads
 * the backend's raw M2P).
 */
static struct xenpt_error *m2p_confirm(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				       uint64_t *pfns)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	uint64_t ask[XENPT_P2M_BATCH], back[XENPT_P2M_BATCH];
	size_t done, i;

	if (info->hvm || !(xenpt_source_caps(src) & XENPT_CAP_P2M) || !src->ops->p2m)
		return NULL;
	for (done = 0; done < n; done += XENPT_P2M_BATCH) {
		size_t k = n - done < XENPT_P2M_BATCH ? n - done : XENPT_P2M_BATCH;
		struct xenpt_error *err;

		/* not bounded by p2m_size: a source may cap that below PFNs it holds */
		for (i = 0; i < k; i++)
			ask[i] = pfns[done + i];
		err = src->ops->p2m(src, ask, k, back);
		if (err)
			return err;
		for (i = 0; i < k; i++)
			if (ask[i] == XENPT_INVALID_FRAME || back[i] != mfns[done + i])
				pfns[done + i] = XENPT_INVALID_FRAME;
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_p2m(struct xenpt_source *src, const xenpt_gfn_t *gfns,
						  size_t n, xenpt_mfn_t *mfns_ret)
{
	_Static_assert(sizeof(xenpt_gfn_t) == sizeof(uint64_t), "typed frames are plain u64s");
	if (!(src->caps & XENPT_CAP_P2M) || !src->ops->p2m)
		return unsupported(src, "the P2M (PFN to MFN)");
	return src->ops->p2m(src, (const uint64_t *)gfns, n, (uint64_t *)mfns_ret);
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_m2p(struct xenpt_source *src, const xenpt_mfn_t *mfns,
						  size_t n, xenpt_gfn_t *gfns_ret)
{
	struct xenpt_error *err;

	if (!(src->caps & XENPT_CAP_M2P) || !src->ops->m2p)
		return unsupported(src, "the M2P (MFN to PFN)");
	err = src->ops->m2p(src, (const uint64_t *)mfns, n, (uint64_t *)gfns_ret);
	if (!err)
		err = m2p_confirm(src, (const uint64_t *)mfns, n, (uint64_t *)gfns_ret);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_page_types(struct xenpt_source *src,
							 enum xenpt_space space,
							 const uint64_t *frames, size_t n,
							 xenpt_page_type_t *types_ret)
{
	if (!(src->caps & XENPT_CAP_PAGE_TYPES) || !src->ops->page_types)
		return xenpt_error_hint(unsupported(src, "page types"),
					"page types and pins exist only on a live domain (or a synthetic one)");
	return src->ops->page_types(src, space, frames, n, types_ret);
}

XENPT_PUBLIC void xenpt_source_cache_stats(const struct xenpt_source *src,
					   struct xenpt_cache_stats *ret)
{
	frame_cache_stats(src->cache, ret);
}

XENPT_PUBLIC void xenpt_source_cache_flush(struct xenpt_source *src)
{
	frame_cache_flush(src->cache);
	if (src->fp)
		memset(src->fp, 0, 2 * 2 * SRC_FP_SETS * sizeof(*src->fp));
}

XENPT_PUBLIC struct xenpt_error *xenpt_source_cache_set_capacity(struct xenpt_source *src,
								 size_t frames)
{
	if (frames > XENPT_CACHE_MAX_FRAMES)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: frame cache of %zu frames: at most %zu", src->desc,
					  frames, XENPT_CACHE_MAX_FRAMES);
	if (!frame_cache_set_capacity(src->cache, frames))
		return xenpt_error_create(XENPT_ERR_NOMEM,
					  "%s: no memory for a frame cache of %zu frames (kept %zu)",
					  src->desc, frames, frame_cache_capacity(src->cache));
	return NULL;
}
