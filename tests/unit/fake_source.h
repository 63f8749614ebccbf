/* SPDX-License-Identifier: MIT */
/*
 * A test-only in-memory source built directly on the internal backend
 * vtable (lib/source/source_int.h), where tests write page tables entry by entry.
 * It is an oracle independent of the synthetic builder: nothing in it knows
 * about paging, it only stores frames, an M2P/P2M and vCPUs.
 *
 * Frames are created zero-filled on first write.  Frames never written read
 * as ENOENT; fake_set_err() makes a frame fail with any errno.  With
 * FAKE_COPY the backend copies into the front end's scratch (like the live
 * backend) and the source is not XENPT_CAP_STABLE: writes after a read are
 * then only seen after xenpt_source_cache_flush().
 *
 * Allocation failures abort (test code).
 */
#ifndef XENPT_TEST_FAKE_SOURCE_H
#define XENPT_TEST_FAKE_SOURCE_H

#include <stdint.h>

#include <xenpt/source.h>
#include <xenpt/types.h>

enum {
	FAKE_HVM    = 1u << 0, /* HVM: tables in GFN space, no M2P */
	FAKE_COPY   = 1u << 1, /* copying backend (not XENPT_CAP_STABLE) */
	FAKE_NO_M2P = 1u << 2, /* PV without the M2P capability */
	FAKE_P2M    = 1u << 3, /* offer the P2M capability (HVM: GFN -> MFN labels) */
	FAKE_TYPES  = 1u << 4, /* offer Xen's page types (fake_set_type(); default none) */
};

struct fake_source;

struct fake_source *fake_create(unsigned flags);
/* The source (owned by @f). */
struct xenpt_source *fake_src(struct fake_source *f);
/* Close the source and free everything. */
void fake_destroy(struct fake_source *f);
/* Domain info to adjust (guest_width, nr_vcpus, ...). */
struct xenpt_domain_info *fake_info(struct fake_source *f);

/* The 4096 bytes of @frame in @space, created zero-filled. */
uint8_t *fake_page(struct fake_source *f, enum xenpt_space space, uint64_t frame);
void fake_set64(struct fake_source *f, enum xenpt_space space, uint64_t frame, unsigned index,
		uint64_t val);
void fake_set32(struct fake_source *f, enum xenpt_space space, uint64_t frame, unsigned index,
		uint32_t val);
/* Reading @frame fails with @err (a positive errno). */
void fake_set_err(struct fake_source *f, enum xenpt_space space, uint64_t frame, int err);

void fake_set_m2p(struct fake_source *f, uint64_t mfn, uint64_t pfn);
void fake_set_p2m(struct fake_source *f, uint64_t pfn, uint64_t mfn);
/* The page type word Xen would report for @mfn (FAKE_TYPES). */
void fake_set_type(struct fake_source *f, uint64_t mfn, xenpt_page_type_t type);
/* vCPU @v->id (< 8); raises info.nr_vcpus as needed. */
void fake_set_vcpu(struct fake_source *f, const struct xenpt_vcpu *v);

/* Counters of backend calls (the front end's cache sits in front). */
struct fake_counts {
	uint64_t get_frames_calls;
	uint64_t frames_requested;
	uint64_t m2p_calls;
	uint64_t m2p_frames;
	uint64_t p2m_calls;
};
const struct fake_counts *fake_counts(const struct fake_source *f);
void fake_reset_counts(struct fake_source *f);

#endif
