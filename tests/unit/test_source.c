/* SPDX-License-Identifier: MIT */
/*
 * Front end, frame cache, error objects and the Xen ABI codec, tested with a
 * tiny counting backend whose frame contents are a function of the frame
 * number (the oracle).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "source/source_int.h"
#include "xen/xen_abi.h"

#include <xenpt/source.h>

struct counting {
	unsigned calls;
	uint64_t frames_asked;
	uint64_t max_frame;        /* frames >= this fail with ERANGE */
	uint64_t missing;          /* this frame fails with ENOENT */
	bool stable;
	uint8_t *store;            /* stable mode: max_frame pages */
};

static void fill(uint8_t *p, enum xenpt_space space, uint64_t frame)
{
	uint64_t w = frame * 2 + space;
	size_t i;

	for (i = 0; i < XENPT_PAGE_SIZE; i += 8) {
		uint64_t v = w ^ (i * 0x9e3779b97f4a7c15ull);
		memcpy(p + i, &v, 8);
	}
}

static bool check_page(const uint8_t *p, enum xenpt_space space, uint64_t frame)
{
	uint8_t want[XENPT_PAGE_SIZE];

	fill(want, space, frame);
	return p && !memcmp(p, want, sizeof(want));
}

static struct xenpt_error *cnt_get_frames(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n, const uint8_t **pages,
					  int *errs, uint8_t *scratch)
{
	struct counting *c = src->priv;
	size_t i;

	c->calls++;
	c->frames_asked += n;
	for (i = 0; i < n; i++) {
		if (frames[i] >= c->max_frame || frames[i] == c->missing) {
			pages[i] = NULL;
			errs[i] = frames[i] >= c->max_frame ? ERANGE : ENOENT;
			continue;
		}
		if (c->stable) {
			pages[i] = c->store + frames[i] * XENPT_PAGE_SIZE;
		} else {
			fill(scratch + i * XENPT_PAGE_SIZE, space, frames[i]);
			pages[i] = scratch + i * XENPT_PAGE_SIZE;
		}
		errs[i] = 0;
	}
	return NULL;
}

static void cnt_close(struct xenpt_source *src)
{
	struct counting *c = src->priv;

	free(c->store);
	free(c);
}

static const struct xenpt_source_ops cnt_ops = {
	.name = "counting",
	.get_frames = cnt_get_frames,
	.close = cnt_close,
};

static struct xenpt_source *make_src(bool stable, size_t capacity)
{
	struct counting *c = calloc(1, sizeof(*c));
	struct xenpt_source *src, *out = NULL;
	uint64_t f;

	c->max_frame = 4096;
	c->missing = 77;
	c->stable = stable;
	if (stable) {
		c->store = malloc(c->max_frame * XENPT_PAGE_SIZE);
		for (f = 0; f < c->max_frame; f++)
			fill(c->store + f * XENPT_PAGE_SIZE, XENPT_SPACE_MFN, f);
	}
	src = xenpt_source_new(&cnt_ops, c);
	src->caps = XENPT_CAP_MFN_FRAMES | XENPT_CAP_GFN_FRAMES | (stable ? XENPT_CAP_STABLE : 0);
	snprintf(src->desc, sizeof(src->desc), "counting test source");
	if (xenpt_source_finish(src, &out))
		return NULL;
	if (capacity)
		CHECK_OK(xenpt_source_cache_set_capacity(out, capacity));
	return out;
}

TEST(copy_cache_hits_and_batches)
{
	struct xenpt_source *src = make_src(false, 64);
	struct counting *c;
	uint64_t frames[10] = { 1, 2, 3, 2, 1, 4, 5, 5, 6, 7 };
	const uint8_t *pages[10];
	int errs[10];
	struct xenpt_cache_stats st;
	size_t i;

	REQUIRE(src);
	c = src->priv;
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 10, pages, errs));
	CHECK_EQ(c->calls, 1);             /* one batch for all misses */
	CHECK_EQ(c->frames_asked, 7);      /* deduplicated: 1..7 */
	for (i = 0; i < 10; i++) {
		CHECK_EQ(errs[i], 0);
		CHECK(check_page(pages[i], XENPT_SPACE_MFN, frames[i]));
	}
	CHECK(pages[1] == pages[3]);       /* the same frame, the same copy */
	/* again: all hits, no backend call */
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 10, pages, errs));
	CHECK_EQ(c->calls, 1);
	xenpt_source_cache_stats(src, &st);
	CHECK_EQ(st.lookups, 20);
	CHECK_EQ(st.misses, 7);
	CHECK_EQ(st.hits, 13);
	CHECK_EQ(st.map_calls, 1);
	CHECK_EQ(st.frames_mapped, 7);
	CHECK_EQ(st.resident, 7);
	/* the GFN space is a different key */
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 1, pages, errs));
	CHECK(check_page(pages[0], XENPT_SPACE_GFN, 1));
	CHECK_EQ(c->calls, 2);
	xenpt_source_close(src);
}

/* The shell's Ctrl-C: a raised flag fails every read, cached or not, and the
 * backend is not called; cleared, reads go on. */
TEST(interrupt_flag_stops_reads)
{
	struct xenpt_source *src = make_src(false, 64);
	volatile sig_atomic_t flag = 0;
	uint64_t frames[2] = { 1, 2 };
	const uint8_t *pages[2];
	int errs[2];
	struct counting *c;
	struct xenpt_error *err;

	REQUIRE(src);
	c = src->priv;
	xenpt_source_set_interrupt(src, &flag);
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 1, pages, errs));
	CHECK_EQ(c->calls, 1);
	flag = 1;
	err = xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 1, pages, errs);   /* cached */
	CHECK_EQ(xenpt_error_code(err), XENPT_ERR_INTERRUPTED);
	xenpt_error_destroy(err);
	err = xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames + 1, 1, pages, errs);
	CHECK_EQ(xenpt_error_code(err), XENPT_ERR_INTERRUPTED);
	CHECK_STR_EQ(xenpt_error_code_name(xenpt_error_code(err)), "interrupted");
	xenpt_error_destroy(err);
	CHECK_EQ(c->calls, 1);
	flag = 0;
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 2, pages, errs));
	CHECK(check_page(pages[1], XENPT_SPACE_MFN, 2));
	xenpt_source_set_interrupt(src, NULL);
	xenpt_source_close(src);
}

TEST(copy_cache_eviction_keeps_current_call)
{
	struct xenpt_source *src = make_src(false, 16);
	uint64_t frames[40];
	const uint8_t *pages[40];
	int errs[40];
	struct xenpt_cache_stats st;
	size_t i;

	REQUIRE(src);
	/* more frames than slots in one call: every pointer must still be right */
	for (i = 0; i < 40; i++)
		frames[i] = 100 + i;
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 40, pages, errs));
	for (i = 0; i < 40; i++)
		CHECK(check_page(pages[i], XENPT_SPACE_MFN, 100 + i));
	xenpt_source_cache_stats(src, &st);
	CHECK_EQ(st.resident, 16);
	CHECK_EQ(st.capacity, 16);
	/* now a stream of single reads: LRU eviction, contents always right */
	for (i = 0; i < 1000; i++) {
		const uint8_t *p;
		uint64_t f = (i * 7) % 50;
		REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, f, &p));
		CHECK(check_page(p, XENPT_SPACE_MFN, f));
	}
	xenpt_source_cache_stats(src, &st);
	CHECK(st.evictions > 0);
	CHECK_EQ(st.resident, 16);
	CHECK_EQ(st.hits + st.misses, st.lookups);
	xenpt_source_close(src);
}

TEST(per_frame_errors)
{
	struct xenpt_source *src = make_src(false, 0);
	uint64_t frames[3] = { 5, 77, 5000 };
	const uint8_t *pages[3];
	int errs[3];
	const uint8_t *p;

	REQUIRE(src);
	REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 3, pages, errs));
	CHECK(check_page(pages[0], XENPT_SPACE_MFN, 5));
	CHECK(pages[1] == NULL);
	CHECK_EQ(errs[1], ENOENT);
	CHECK(pages[2] == NULL);
	CHECK_EQ(errs[2], ERANGE);
	CHECK_ERR_MSG(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 77, &p), XENPT_ERR_FAULT,
		      "counting test source: mfn 0x4d: frame not in this source");
	/* failed frames are not cached: asking again asks the backend again */
	{
		struct counting *c = src->priv;
		unsigned before = c->calls;
		CHECK_ERR(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 77, &p), XENPT_ERR_FAULT);
		CHECK_EQ(c->calls, before + 1);
	}
	xenpt_source_close(src);
}

TEST(stable_cache_returns_backend_pointers)
{
	struct xenpt_source *src = make_src(true, 0);
	struct counting *c;
	const uint8_t *p1, *p2;
	struct xenpt_cache_stats st;

	REQUIRE(src);
	c = src->priv;
	REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 42, &p1));
	CHECK(p1 == c->store + 42 * XENPT_PAGE_SIZE);
	REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 42, &p2));
	CHECK(p1 == p2);
	CHECK_EQ(c->calls, 1);
	xenpt_source_cache_stats(src, &st);
	CHECK_EQ(st.hits, 1);
	xenpt_source_cache_flush(src);
	REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 42, &p2));
	CHECK_EQ(c->calls, 2);
	xenpt_source_close(src);
}

TEST(missing_ops_are_unsupported)
{
	struct xenpt_source *src = make_src(true, 0);
	struct xenpt_vcpu v;
	struct xenpt_shared_info sh;
	xenpt_mfn_t m = xenpt_mfn(1);
	xenpt_gfn_t g = xenpt_gfn(1);
	xenpt_page_type_t t;
	uint64_t f = 1;
	struct xenpt_error *e;

	REQUIRE(src);
	CHECK_ERR_MSG(xenpt_source_vcpu(src, 0, &v), XENPT_ERR_UNSUPPORTED,
		      "counting test source: vCPU state is not available from a counting source");
	CHECK_ERR(xenpt_source_shared_info(src, &sh), XENPT_ERR_UNSUPPORTED);
	CHECK_ERR(xenpt_source_p2m(src, &g, 1, &m), XENPT_ERR_UNSUPPORTED);
	CHECK_ERR(xenpt_source_m2p(src, &m, 1, &g), XENPT_ERR_UNSUPPORTED);
	e = xenpt_source_page_types(src, XENPT_SPACE_MFN, &f, 1, &t);
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_UNSUPPORTED);
	CHECK(strstr(xenpt_error_message(e), "page types is not available from a counting source"));
	CHECK(xenpt_error_hint_text(e) &&
	      strstr(xenpt_error_hint_text(e), "page types and pins exist only on a live domain"));
	xenpt_error_destroy(e);
	xenpt_source_close(src);
}

TEST(open_target_grammar)
{
	struct xenpt_source *src = NULL;

	CHECK_ERR_MSG(xenpt_source_open_target("", 0, &src), XENPT_ERR_INVALID_ARG, "no TARGET");
	CHECK_ERR_MSG(xenpt_source_open_target("file:/x", 0, &src), XENPT_ERR_INVALID_ARG,
		      "unknown kind of target 'file:' in 'file:/x'");
	CHECK_ERR_MSG(xenpt_source_open_target("core:", 0, &src), XENPT_ERR_INVALID_ARG,
		      "no file name");
	CHECK_ERR(xenpt_source_open_target("core:/nonexistent/x.core", 0, &src), XENPT_ERR_NOT_FOUND);
	CHECK(src == NULL);
}

TEST(errors_prefix_hint_and_codes)
{
	struct xenpt_error *e = xenpt_error_create(XENPT_ERR_BAD_DATA, "table at mfn 0x%x", 0x1234);

	e = xenpt_error_prefix(e, "domain %u", 7);
	e = xenpt_error_hint(e, "is the core truncated?");
	CHECK_STR_EQ(xenpt_error_message(e), "domain 7: table at mfn 0x1234");
	CHECK_STR_EQ(xenpt_error_hint_text(e), "is the core truncated?");
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_BAD_DATA);
	CHECK_STR_EQ(xenpt_error_code_name(xenpt_error_code(e)), "bad_data");
	xenpt_error_destroy(e);
	e = xenpt_error_os(EACCES, "opening %s", "/dev/xen/privcmd");
	CHECK_STR_EQ(xenpt_error_message(e), "opening /dev/xen/privcmd: Permission denied");
	CHECK_EQ(xenpt_error_errno(e), EACCES);
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_OS);
	xenpt_error_destroy(e);
	e = xenpt_error_os(ENOMEM, "x");
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_NOMEM);
	xenpt_error_destroy(e);   /* the static one: must be a no-op */
	CHECK(xenpt_error_prefix(NULL, "x") == NULL);
	xenpt_error_destroy(NULL);
}

TEST(vcpu_codec_round_trip)
{
	struct xenpt_vcpu *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint8_t raw[XEN_VGC_SIZE];
	uint64_t v;

	a->id = 3;
	a->online = true;
	a->flags = 0x3d;
	a->regs.rax = 0x1111; a->regs.r15 = 0xf15; a->regs.rip = 0xffffffff81027e70;
	a->regs.rsp = 0xffffc90000123f00; a->regs.rflags = 0x246; a->regs.cs = 0xe033;
	a->regs.ss = 0xe02b; a->regs.gs = 0x63;
	a->cr0 = 0x80050033; a->cr2 = 0xdead000; a->cr3 = 0x53da2000; a->cr4 = 0x50660;
	a->user_cr3 = 0x53d50000;
	a->traps[14].vector = 14; a->traps[14].flags = 4; a->traps[14].cs = 0xe033;
	a->traps[14].address = 0xffffffff81027e70;
	a->gdt_frames[0] = 0x52a0b; a->gdt_ents = 16; a->kernel_ss = 0xe02b;
	a->fs_base = 0x7f0000001000; a->gs_base_user = 0x1234;
	a->event_callback_eip = 0xffffffff81001000;
	xenpt_abi_encode_vcpu(a, raw);
	/* spot-check the raw layout against Xen's offsets (xen/include/public/arch-x86/xen.h) */
	memcpy(&v, raw + XEN_VGC_CTRLREG + 3 * 8, 8);
	CHECK_EQ(v, 0x53da2000);
	memcpy(&v, raw + XEN_VGC_USER_REGS + XEN_REGS_RIP, 8);
	CHECK_EQ(v, 0xffffffff81027e70);
	memcpy(&v, raw + XEN_VGC_TRAP_CTXT + 14 * 16 + 8, 8);
	CHECK_EQ(v, 0xffffffff81027e70);
	CHECK_EQ(raw[XEN_VGC_TRAP_CTXT + 14 * 16], 14);
	xenpt_abi_decode_vcpu(raw, 3, b);
	CHECK(!memcmp(a, b, sizeof(*a)));
	free(a);
	free(b);
}

TEST(shared_info_codec_and_page_types)
{
	struct xenpt_shared_info s = { 0 }, t;
	uint8_t page[4096] = { 0 };

	s.max_pfn = 0x8000;
	s.pfn_to_mfn_frame_list_list = 0x52765;
	s.p2m_cr3 = 0x54a10000;
	s.p2m_vaddr = 0xffffc90000000000;
	s.p2m_generation = 4;
	s.vcpu_upcall_mask[1] = 1;
	xenpt_abi_encode_shared_info(&s, page);
	page[XEN_SHINFO_EVTCHN_PENDING] = 0x5;   /* two pending ports */
	xenpt_abi_decode_shared_info(page, &t);
	CHECK_EQ(t.max_pfn, 0x8000);
	CHECK_EQ(t.pfn_to_mfn_frame_list_list, 0x52765);
	CHECK_EQ(t.p2m_cr3, 0x54a10000);
	CHECK_EQ(t.p2m_vaddr, 0xffffc90000000000);
	CHECK_EQ(t.p2m_generation, 4);
	CHECK_EQ(t.nr_pending_evtchn, 2);
	CHECK_EQ(t.vcpu_upcall_mask[1], 1);
	/* getpageframeinfo3 words as xen-mfndump prints them (type >> 28) */
	CHECK_EQ(xenpt_abi_page_type(0x00000000u), XENPT_PT_NONE);
	CHECK_EQ(xenpt_abi_page_type(0x10000000u), XENPT_PT_L1);
	CHECK_EQ(xenpt_abi_page_type(0x90000000u), XENPT_PT_L1 | XENPT_PT_PINNED);
	CHECK_EQ(xenpt_abi_page_type(0xc0000000u), XENPT_PT_L4 | XENPT_PT_PINNED);
	CHECK_EQ(xenpt_abi_page_type(0xf0000000u), XENPT_PT_XTAB);
	CHECK_STR_EQ(xenpt_page_type_name(XENPT_PT_L3 | XENPT_PT_PINNED), "l3_pinned");
	CHECK_STR_EQ(xenpt_page_type_name(XENPT_PT_XTAB), "xtab");
}

/* Frame numbers from hostile data: ~0 and values >= 2^63 must not alias cached frames. */
TEST(extreme_frame_numbers_do_not_alias)
{
	bool stable;

	for (stable = false; ; stable = true) {
		struct xenpt_source *src = make_src(stable, 0);
		uint64_t frames[3] = { 1, UINT64_MAX, 0x8000000000000001ull };
		const uint8_t *pages[3];
		int errs[3];

		REQUIRE(src);
		REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 1, pages, errs));
		REQUIRE_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 3, pages, errs));
		CHECK(pages[0] != NULL);
		CHECK(pages[1] == NULL);
		CHECK_EQ(errs[1], ERANGE);
		CHECK(pages[2] == NULL);
		CHECK_EQ(errs[2], ERANGE);
		xenpt_source_close(src);
		if (stable)
			break;
	}
}
