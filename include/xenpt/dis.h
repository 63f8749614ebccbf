/* SPDX-License-Identifier: MIT */
/**
 * @file dis.h
 * x86 disassembly of guest bytes, through Capstone (one wrapper).  The
 * library decodes buffers; reading them through the page tables is the
 * caller's (xenpt_read_va(), or page by page with xenpt_translate()).
 * Built without Capstone, xenpt_dis_create() is XENPT_ERR_UNSUPPORTED.
 */
#ifndef XENPT_DIS_H
#define XENPT_DIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_dis;

enum xenpt_dis_flags {
	XENPT_DIS_32BIT = 1u << 0,  /**< 32-bit code (default: 64-bit) */
	XENPT_DIS_ATT   = 1u << 1,  /**< AT&T syntax (default: Intel) */
};

/** Longest x86 instruction. */
#define XENPT_INSN_MAX 15

/** One decoded instruction. */
struct xenpt_insn {
	uint64_t addr;
	unsigned size;
	uint8_t bytes[XENPT_INSN_MAX + 1];
	char mnemonic[32];
	char op_str[160];
	bool is_jump, is_call, is_ret;
	bool has_target;        /**< a direct jump or call: @c target is where it goes */
	uint64_t target;
};

/** True if the library was built with Capstone. */
bool xenpt_have_capstone(void);
/** A disassembler (XENPT_DIS_* flags). */
struct xenpt_error *xenpt_dis_create(unsigned flags, struct xenpt_dis **ret);
void xenpt_dis_destroy(struct xenpt_dis *d);
/**
 * Decode one instruction from @p buf (@p len bytes, at guest address
 * @p addr).  False if the bytes are not a valid instruction, or are cut
 * short by @p len.
 */
bool xenpt_dis_one(struct xenpt_dis *d, const uint8_t *buf, size_t len, uint64_t addr,
		   struct xenpt_insn *ret);
/**
 * Backward decoding.  @p buf holds the @p len bytes that end at @p end
 * (buf[len - 1] is the byte at end - 1; only the last 512 are used).  x86
 * cannot be decoded backwards, so every start in @p buf is decoded forward;
 * each stream that lands exactly on @p end votes for the start of its last
 * @p want instructions (streams resynchronise, so they agree on the true
 * boundaries near @p end).  The candidate with the most instructions (at
 * most @p want), then the most votes, then the farthest wins: *start_ret is
 * its address and *count_ret its number of instructions.  False when no
 * start lands exactly on @p end; a sequence that does not end at @p end is
 * never returned.
 */
bool xenpt_dis_backward(struct xenpt_dis *d, const uint8_t *buf, size_t len, uint64_t end,
			unsigned want, uint64_t *start_ret, unsigned *count_ret);

#ifdef __cplusplus
}
#endif
#endif
