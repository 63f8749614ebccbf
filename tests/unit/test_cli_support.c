/* SPDX-License-Identifier: MIT */
/*
 * What the CLI builds on: error hints kept apart from messages, the TARGET
 * registry, the number parser, and a frame cache that survives a failed
 * resize.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness.h"
#include "source/source_int.h"

#include <xenpt/source.h>
#include <xenpt/types.h>

TEST(error_hint_is_separate)
{
	struct xenpt_error *e = xenpt_error_create(XENPT_ERR_NOT_FOUND, "no domain %d", 9);

	CHECK(xenpt_error_hint_text(e) == NULL);
	e = xenpt_error_hint(e, "see '%s'", "xl list");
	CHECK_STR_EQ(xenpt_error_message(e), "no domain 9");
	CHECK_STR_EQ(xenpt_error_hint_text(e), "see 'xl list'");
	/* a second hint is appended; a prefix changes the message only */
	e = xenpt_error_hint(e, "or run as root");
	e = xenpt_error_prefix(e, "walk");
	CHECK_STR_EQ(xenpt_error_message(e), "walk: no domain 9");
	CHECK_STR_EQ(xenpt_error_hint_text(e), "see 'xl list'; or run as root");
	xenpt_error_destroy(e);
	CHECK(xenpt_error_hint_text(NULL) == NULL);
	CHECK(xenpt_error_hint(NULL, "x") == NULL);
	/* the static out-of-memory error takes no hint and stays intact */
	e = xenpt_error_hint(xenpt_error_os(ENOMEM, "x"), "buy RAM");
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_NOMEM);
	CHECK(xenpt_error_hint_text(e) == NULL);
	CHECK_STR_EQ(xenpt_error_message(e), "out of memory");
	xenpt_error_destroy(e);
}

TEST(target_registry)
{
	size_t n = 0, i, live = 0;
	const struct xenpt_target_kind *k = xenpt_target_kinds(&n);

	REQUIRE(n == 3);
	CHECK_STR_EQ(k[0].name, "core");
	CHECK_STR_EQ(k[0].prefix, "core:");
	CHECK_STR_EQ(k[0].syntax, "core:FILE");
	CHECK_STR_EQ(k[1].name, "synth");
	CHECK_STR_EQ(k[1].prefix, "synth:");
	CHECK_STR_EQ(k[2].name, "xen");
	CHECK_STR_EQ(k[2].prefix, "");
	for (i = 0; i < n; i++) {
		CHECK(k[i].open != NULL);
		CHECK(k[i].description && *k[i].description);
		live += !*k[i].prefix;
	}
	CHECK_EQ(live, 1);
}

static void check_target_error(const char *target, const char *msg, const char *hint)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *e = xenpt_source_open_target(target, 0, &src);

	CHECK(e != NULL);
	CHECK(src == NULL);
	if (!e)
		return;
	CHECK_EQ(xenpt_error_code(e), XENPT_ERR_INVALID_ARG);
	if (!strstr(xenpt_error_message(e), msg))
		test_fail(__FILE__, __LINE__, "'%s': message \"%s\" lacks \"%s\"", target,
			  xenpt_error_message(e), msg);
	if (!xenpt_error_hint_text(e) || !strstr(xenpt_error_hint_text(e), hint))
		test_fail(__FILE__, __LINE__, "'%s': hint \"%s\" lacks \"%s\"", target,
			  xenpt_error_hint_text(e) ? xenpt_error_hint_text(e) : "(null)", hint);
	xenpt_error_destroy(e);
}

TEST(target_grammar_errors_name_the_kinds)
{
	check_target_error("", "no TARGET given", "core:FILE (an xl dump-core file)");
	check_target_error("core", "target 'core' is a kind of target without its file", "core:FILE");
	check_target_error("synth", "target 'synth' is a kind", "synth:FILE");
	check_target_error("file:/x", "unknown kind of target 'file:'",
			   "TARGET is core:FILE (an xl dump-core file), synth:FILE");
	check_target_error("dir/guest.core", "looks like a file but names no kind", "or DOMID|NAME");
	/* a prefix with an empty name reaches the kind's opener */
	CHECK_ERR_MSG(xenpt_source_open_target("synth:", 0, &(struct xenpt_source *){ NULL }),
		      XENPT_ERR_INVALID_ARG, "no file name");
}

static bool num(const char *s, unsigned flags, uint64_t want)
{
	uint64_t v = 0xdead;

	if (!xenpt_parse_number(s, flags, &v)) {
		test_fail(__FILE__, __LINE__, "'%s' (flags %u) rejected", s, flags);
		return false;
	}
	if (v != want)
		test_fail(__FILE__, __LINE__, "'%s' (flags %u): 0x%" PRIx64 " != 0x%" PRIx64, s, flags,
			  v, want);
	return v == want;
}

static void bad(const char *s, unsigned flags)
{
	uint64_t v = 0xdead;

	if (xenpt_parse_number(s, flags, &v))
		test_fail(__FILE__, __LINE__, "'%s' (flags %u) accepted as 0x%" PRIx64, s, flags, v);
	CHECK_EQ(v, 0xdead);   /* untouched on failure */
}

TEST(number_parser)
{
	num("0", 0, 0);
	num("42", 0, 42);
	num("0x1f", 0, 0x1f);
	num("0X1F", 0, 0x1f);
	num("18446744073709551615", 0, UINT64_MAX);
	num("0xffffffffffffffff", 0, UINT64_MAX);
	bad("", 0);
	bad(NULL, 0);
	bad("-1", 0);
	bad("+1", 0);
	bad(" 1", 0);
	bad("1 ", 0);
	bad("0x", 0);
	bad("0x-1", 0);
	bad("12abc", 0);
	bad("18446744073709551616", 0);
	bad("0x10000000000000000", 0);
	/* suffixes only with XENPT_NUM_SIZE, binary */
	bad("4K", 0);
	num("4K", XENPT_NUM_SIZE, 4096);
	num("4k", XENPT_NUM_SIZE, 4096);
	num("1M", XENPT_NUM_SIZE, 1u << 20);
	num("2G", XENPT_NUM_SIZE, 2ull << 30);
	num("1T", XENPT_NUM_SIZE, 1ull << 40);
	num("0x10K", XENPT_NUM_SIZE, 0x4000);
	num("100", XENPT_NUM_SIZE, 100);
	bad("K", XENPT_NUM_SIZE);
	bad("1KK", XENPT_NUM_SIZE);
	bad("1KB", XENPT_NUM_SIZE);
	bad("1X", XENPT_NUM_SIZE);
	bad("16777216T", XENPT_NUM_SIZE);   /* 2^64: overflows */
	num("16777215T", XENPT_NUM_SIZE, 16777215ull << 40);
	/* separators only with XENPT_NUM_SEPARATORS */
	bad("0xffffffff_81000000", 0);
	num("0xffffffff_81000000", XENPT_NUM_SEPARATORS, 0xffffffff81000000ull);
	num("0xfffff800`00000000", XENPT_NUM_SEPARATORS, 0xfffff80000000000ull);
	num("1_000", XENPT_NUM_SEPARATORS, 1000);
	bad("_1", XENPT_NUM_SEPARATORS);
}

/* A source whose frames come from nowhere: only the cache matters here. */
static struct xenpt_error *none_get_frames(struct xenpt_source *src, enum xenpt_space space,
					   const uint64_t *frames, size_t n,
					   const uint8_t **pages, int *errs, uint8_t *scratch)
{
	size_t i;

	(void)src;
	(void)space;
	for (i = 0; i < n; i++) {
		memset(scratch + i * XENPT_PAGE_SIZE, (int)(frames[i] & 0xff), XENPT_PAGE_SIZE);
		pages[i] = scratch + i * XENPT_PAGE_SIZE;
		errs[i] = 0;
	}
	return NULL;
}

static const struct xenpt_source_ops none_ops = { .name = "none", .get_frames = none_get_frames };

static struct xenpt_source *copying_source(void)
{
	struct xenpt_source *src = xenpt_source_new(&none_ops, NULL), *out = NULL;

	if (!src)
		return NULL;
	src->caps = XENPT_CAP_MFN_FRAMES;
	if (xenpt_source_finish(src, &out))
		return NULL;
	return out;
}

static void check_cache_works(struct xenpt_source *src, size_t want_cap)
{
	struct xenpt_cache_stats st;
	const uint8_t *p = NULL;

	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 0x42, &p));
	CHECK(p && p[0] == 0x42 && p[4095] == 0x42);
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 0x42, &p));
	xenpt_source_cache_stats(src, &st);
	CHECK_EQ(st.capacity, want_cap);
	CHECK(st.hits >= 1);
}

TEST(cache_capacity_failure_keeps_the_table)
{
	struct xenpt_source *src = copying_source();

	REQUIRE(src != NULL);
	CHECK_OK(xenpt_source_cache_set_capacity(src, 64));
	check_cache_works(src, 64);
	/* absurd capacities are refused, and the cache stays as it was */
	CHECK_ERR_MSG(xenpt_source_cache_set_capacity(src, SIZE_MAX), XENPT_ERR_INVALID_ARG,
		      "at most");
	CHECK_ERR(xenpt_source_cache_set_capacity(src, XENPT_CACHE_MAX_FRAMES + 1),
		  XENPT_ERR_INVALID_ARG);
	check_cache_works(src, 64);
	xenpt_source_close(src);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

TEST(cache_capacity_allocation_failure)
{
#ifdef UNDER_ASAN
	/* ASan reserves terabytes of shadow: an address-space limit would kill it */
	SKIP("an address-space limit cannot be set under AddressSanitizer");
#else
	struct xenpt_source *src = copying_source();
	struct rlimit old, lim;
	struct xenpt_error *err;

	REQUIRE(src != NULL);
	CHECK_OK(xenpt_source_cache_set_capacity(src, 32));
	check_cache_works(src, 32);
	REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
	/* 1 GiB of address space cannot hold 2^20 frames (4 GiB) */
	lim = old;
	lim.rlim_cur = (rlim_t)1 << 30;
	if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < lim.rlim_cur)
		lim.rlim_cur = old.rlim_cur;
	REQUIRE(setrlimit(RLIMIT_AS, &lim) == 0);
	err = xenpt_source_cache_set_capacity(src, (size_t)1 << 20);
	setrlimit(RLIMIT_AS, &old);
	CHECK(err != NULL);
	CHECK_EQ(xenpt_error_code(err), XENPT_ERR_NOMEM);
	xenpt_error_destroy(err);
	check_cache_works(src, 32);
	xenpt_source_close(src);
#endif
}
