/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: exercise everything a source answers,
 * with bounded work per input (the fuzzers judge crashes, leaks, UB and
 * hangs; nothing here asserts semantics except where noted).
 */
#ifndef XENPT_FUZZ_COMMON_H
#define XENPT_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/xenpt.h>

/* Abort (a crash the fuzzer reports) when an invariant of the library breaks. */
#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

/*
 * Touch every part of @src: domain info, vCPUs, shared_info, P2M/M2P
 * lookups, frame reads, walks, a bounded range iteration, and (PV with a
 * P2M of at most 2^13 entries) the P2M/M2P runs, lookups and the check.
 * @seed picks a few frame numbers and addresses.
 */
void fuzz_exercise_source(struct xenpt_source *src, const uint8_t *seed, size_t seed_len);

#endif
