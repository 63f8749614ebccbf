/* SPDX-License-Identifier: MIT */
/*
 * A tiny unit-test harness (no dependency).  Each tests/unit/test_*.c is one
 * binary:
 *
 *	#include "harness.h"
 *	TEST(walk_2m_leaf) { ...; CHECK_EQ(w.page_size, 0x200000); }
 *	...
 *	(no main: harness.c provides it and runs every TEST in file order)
 *
 * Output is TAP ("ok 1 - walk_2m_leaf"); a failing CHECK prints file:line and
 * both values, marks the test failed and continues with the next CHECK
 * (REQUIRE* stop the test).  The binary exits 1 if any test failed.
 *
 * A test that cannot run here (a tool not installed, an opt-in test not asked
 * for) calls SKIP("reason"): the test ends and is reported as
 * "ok N - name # SKIP reason", counted as skipped, never as passed.  A
 * missing fixture is not a reason to skip: fail (test_fail / REQUIRE).  The
 * last line is "# N passed, N failed, N skipped"; tests/run-unit.sh records
 * each skip as unit:<binary>:<test> for the allow-list (tests/skips.allow).
 */
#ifndef XENPT_TEST_HARNESS_H
#define XENPT_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xenpt/error.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The current test's failure flag, used by REQUIRE to bail out. */
bool test_failed(void);
/* Mark the current test skipped with @fmt as the reason (SKIP also returns). */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Directory of fixtures (XENPT_FIXTURES, default "tests/fixtures"). */
const char *test_fixtures_dir(void);
/* Build directory (XENPT_BUILD, default "build"): decompressed cores live in BUILD/fixtures. */
const char *test_build_dir(void);
/* A scratch file path unique to this process: <tmpdir>/xenpt-test-<pid>-<name>. */
const char *test_tmp_path(const char *name);

#define TEST(name)                                                             \
	static void test_fn_##name(void);                                      \
	static struct test_case test_case_##name = { #name, test_fn_##name, NULL }; \
	__attribute__((constructor)) static void test_reg_##name(void)         \
	{ test_register(&test_case_##name); }                                  \
	static void test_fn_##name(void)

/* End the current test as skipped: it could not run here (never for a missing fixture). */
#define SKIP(...)                                                              \
	do {                                                                   \
		test_skip(__VA_ARGS__);                                        \
		return;                                                        \
	} while (0)

#define CHECK(cond)                                                            \
	do { if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);               \
		if (a_ != b_)                                                  \
			test_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
				  #a, #b, a_, b_);                             \
	} while (0)

#define CHECK_MFN_EQ(a, b)  CHECK_EQ(xenpt_mfn_x(a), xenpt_mfn_x(b))
#define CHECK_GFN_EQ(a, b)  CHECK_EQ(xenpt_gfn_x(a), xenpt_gfn_x(b))

#define CHECK_STR_EQ(a, b)                                                     \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                         \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");     \
	} while (0)

/* The error must be NULL; otherwise print its message and destroy it. */
#define CHECK_OK(expr)                                                         \
	do {                                                                   \
		struct xenpt_error *e_ = (expr);                               \
		if (e_) {                                                      \
			test_fail(__FILE__, __LINE__, "%s failed: %s", #expr,  \
				  xenpt_error_message(e_));                    \
			xenpt_error_destroy(e_);                               \
		}                                                              \
	} while (0)

/* The error must have this code; it is destroyed. */
#define CHECK_ERR(expr, code)                                                  \
	do {                                                                   \
		struct xenpt_error *e_ = (expr);                               \
		if (!e_)                                                       \
			test_fail(__FILE__, __LINE__, "%s succeeded, expected %s", #expr, \
				  xenpt_error_code_name(code));                \
		else {                                                         \
			if (xenpt_error_code(e_) != (code))                    \
				test_fail(__FILE__, __LINE__, "%s: code %s, expected %s: %s", \
					  #expr, xenpt_error_code_name(xenpt_error_code(e_)), \
					  xenpt_error_code_name(code), xenpt_error_message(e_)); \
			xenpt_error_destroy(e_);                               \
		}                                                              \
	} while (0)

/* Like CHECK_ERR, and the message must contain @p substr. */
#define CHECK_ERR_MSG(expr, code, substr)                                      \
	do {                                                                   \
		struct xenpt_error *e_ = (expr);                               \
		if (!e_)                                                       \
			test_fail(__FILE__, __LINE__, "%s succeeded, expected %s", #expr, \
				  xenpt_error_code_name(code));                \
		else {                                                         \
			if (xenpt_error_code(e_) != (code) ||                  \
			    !strstr(xenpt_error_message(e_), (substr)))        \
				test_fail(__FILE__, __LINE__, "%s: code %s, message \"%s\"; expected %s containing \"%s\"", \
					  #expr, xenpt_error_code_name(xenpt_error_code(e_)), \
					  xenpt_error_message(e_), xenpt_error_code_name(code), (substr)); \
			xenpt_error_destroy(e_);                               \
		}                                                              \
	} while (0)

/* Like CHECK / CHECK_OK, but end the test (return) when this one fails. */
#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);   \
			return;                                                \
		}                                                              \
	} while (0)
#define REQUIRE_OK(expr)                                                       \
	do {                                                                   \
		struct xenpt_error *r_ = (expr);                               \
		if (r_) {                                                      \
			test_fail(__FILE__, __LINE__, "%s failed: %s", #expr,  \
				  xenpt_error_message(r_));                    \
			xenpt_error_destroy(r_);                               \
			return;                                                \
		}                                                              \
	} while (0)

#endif
