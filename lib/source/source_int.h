/* SPDX-License-Identifier: MIT */
/*
 * Private to libxenpt, the source layer (lib/source/) and the layers above
 * it: the source vtable that backends implement, the source object, the
 * frame cache and the backend constructors.  Never installed.
 */
#ifndef XENPT_SOURCE_INT_H
#define XENPT_SOURCE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>

#include "base/base.h"

struct frame_cache;

/*
 * One backend.  Backends are dumb: no caching, no argument checking beyond
 * their own data; the front end (lib/source/source.c) validates, caches, batches and
 * turns a NULL op into XENPT_ERR_UNSUPPORTED naming the source and the
 * operation.  The ops table is static const in the backend file.
 */
struct xenpt_source_ops {
	const char *name;            /* "xen", "core", "synth" */
	/*
	 * Deliver @n frames.  Set pages[i] to 4096 bytes of frame data and
	 * errs[i] = 0, or pages[i] = NULL and errs[i] = a positive errno.
	 * Stable backends (XENPT_CAP_STABLE) point into their own storage,
	 * valid until close; copying backends copy into scratch + i * 4096.
	 * Return an error only when the whole call failed.
	 */
	struct xenpt_error *(*get_frames)(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n,
					  const uint8_t **pages, int *errs, uint8_t *scratch);
	struct xenpt_error *(*vcpu)(struct xenpt_source *src, uint32_t id,
				    struct xenpt_vcpu *ret);
	/* PFN->MFN and MFN->PFN; unknown = XENPT_INVALID_FRAME. */
	struct xenpt_error *(*p2m)(struct xenpt_source *src, const uint64_t *gfns, size_t n,
				   uint64_t *mfns);
	struct xenpt_error *(*m2p)(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				   uint64_t *gfns);
	struct xenpt_error *(*page_types)(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n,
					  xenpt_page_type_t *types);
	/* The raw 4096-byte shared_info page. */
	struct xenpt_error *(*shared_info)(struct xenpt_source *src, uint8_t *page);
	/* Backend-specific text for a per-frame errno (NULL: strerror). */
	const char *(*frame_strerror)(const struct xenpt_source *src, int err);
	/* Async-signal-safe emergency cleanup (unpause); may be NULL. */
	void (*signal_cleanup)(struct xenpt_source *src);
	void (*close)(struct xenpt_source *src);
};

/*
 * The frame-pointer memo of a stable source (XENPT_CAP_STABLE): what the
 * walker asks per level.  Direct-indexed by the frame's low bits, two ways
 * per set (the most recent first: table frames 16 MiB apart do not evict
 * each other), one table per space; no hashing and no statistics.  A
 * pointer once delivered stays valid until close, so a hit is one or two
 * compares.  Misses go through the frame cache (xenpt_source_get_frames())
 * and fill the memo.  Copying sources have none (their pointers live for
 * one call).
 */
#define SRC_FP_BITS 12
#define SRC_FP_SETS (1u << SRC_FP_BITS)

struct src_fp {
	uint64_t frame;
	const uint8_t *ptr;          /* NULL: empty */
	uint64_t label;              /* immutable sources: the frame's label (PV: M2P-confirmed
				        PFN), SRC_FP_NO_LABEL until the walker looked it up */
};

#define SRC_FP_NO_LABEL (XENPT_INVALID_FRAME - 1)

struct xenpt_source {
	const struct xenpt_source_ops *ops;
	struct src_fp *fp;           /* stable sources: 2 spaces (MFN, GFN) * SRC_FP_SETS * 2 ways */
	bool immutable;              /* set by the backend: frames, P2M and M2P never change
				        (core files), so the walker may memoize labels */
	void *priv;                  /* the backend's state */
	unsigned caps;               /* XENPT_CAP_* of this instance */
	struct xenpt_domain_info info;
	char desc[160];              /* xenpt_source_describe() */
	struct frame_cache *cache;
	xenpt_log_fn log;
	const volatile sig_atomic_t *intr; /* xenpt_source_set_interrupt() */
	void *log_arg;
};

/*
 * Create the front-end object for a backend (caps and info filled by the
 * caller afterwards).  Returns NULL on allocation failure.
 */
struct xenpt_source *xenpt_source_new(const struct xenpt_source_ops *ops, void *priv);
/*
 * Finish opening a source a backend built (frame cache, derived info) and
 * hand it out; closes it on failure.  For constructors outside
 * xenpt_source_open_* (e.g. xenpt_synth_source()).
 */
struct xenpt_error *xenpt_source_finish(struct xenpt_source *src, struct xenpt_source **ret);
/* Log through the source's callback, if any. */
void xenpt_source_logf(const struct xenpt_source *src, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Backend constructors (lib/source/src_*.c). */
struct xenpt_error *xenpt_core_open(const char *path, struct xenpt_source **ret);
struct xenpt_error *xenpt_xen_open(const char *domain, unsigned flags,
				   struct xenpt_source **ret);
/* lib/source/synth_source.c: open a synthetic domain from a spec file. */
struct xenpt_error *xenpt_synth_open_file(const char *path, struct xenpt_source **ret);

/* The memo's sets for @space (NULL for a copying source). */
static inline const struct src_fp *xenpt_source_fp(const struct xenpt_source *src,
						   enum xenpt_space space)
{
	if (!src->fp)
		return NULL;
	return src->fp + (space == XENPT_SPACE_GFN ? 2 * SRC_FP_SETS : 0);
}

/* The pointer of @frame in the memo @fp (of one space), or NULL. */
static inline const uint8_t *src_fp_find(const struct src_fp *fp, uint64_t frame)
{
	const struct src_fp *set = &fp[(frame & (SRC_FP_SETS - 1)) * 2];

	if (set[0].frame == frame && set[0].ptr)
		return set[0].ptr;
	if (set[1].frame == frame)
		return set[1].ptr;
	return NULL;
}

/* The memo entry of @frame (a stable source's), or NULL. */
static inline struct src_fp *src_fp_entry(struct xenpt_source *src, enum xenpt_space space,
					  uint64_t frame)
{
	struct src_fp *set;

	if (!src->fp)
		return NULL;
	set = &src->fp[(space == XENPT_SPACE_GFN ? 2 * SRC_FP_SETS : 0) +
		       (frame & (SRC_FP_SETS - 1)) * 2];
	if (set[0].frame == frame && set[0].ptr)
		return &set[0];
	if (set[1].frame == frame && set[1].ptr)
		return &set[1];
	return NULL;
}

/*
 * One frame for the walker: the memo's pointer for a stable source, else
 * NULL (then ask xenpt_source_frame_slow()).
 */
static inline const uint8_t *xenpt_source_frame_fast(const struct xenpt_source *src,
						     enum xenpt_space space, uint64_t frame)
{
	const struct src_fp *fp = xenpt_source_fp(src, space);

	return fp ? src_fp_find(fp, frame) : NULL;
}

/*
 * The same through the frame cache (one frame; fills the memo of a stable
 * source).  NULL with *@err_ret (positive errno) when the frame cannot be
 * read, or with *@error_ret when the whole read failed (then *@err_ret is 0).
 */
const uint8_t *xenpt_source_frame_slow(struct xenpt_source *src, enum xenpt_space space,
				       uint64_t frame, int *err_ret,
				       struct xenpt_error **error_ret);

/* Frame cache (lib/source/frame_cache.c). */
struct frame_cache *frame_cache_create(size_t capacity, bool stable);
void frame_cache_destroy(struct frame_cache *fc);
struct xenpt_error *frame_cache_get(struct frame_cache *fc, struct xenpt_source *src,
				    enum xenpt_space space, const uint64_t *frames, size_t n,
				    const uint8_t **pages, int *errs);
void frame_cache_flush(struct frame_cache *fc);
/* False on allocation failure; the cache then keeps its old table and contents. */
bool frame_cache_set_capacity(struct frame_cache *fc, size_t frames);
size_t frame_cache_capacity(const struct frame_cache *fc);
void frame_cache_stats(const struct frame_cache *fc, struct xenpt_cache_stats *ret);

#endif
