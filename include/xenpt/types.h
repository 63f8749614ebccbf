/* SPDX-License-Identifier: MIT */
/**
 * @file types.h
 * Typed frame numbers and addresses.
 *
 * A Xen PV guest juggles three address spaces: guest virtual addresses (VA),
 * pseudo-physical frames (PFN, called GFN for HVM guests) and machine frames
 * (MFN).  Mixing them up is the classic bug of every hand-written PV
 * debugging script, so each gets its own single-member struct type, in the
 * spirit of Xen's TYPE_SAFE() (xen/include/xen/typesafe.h,
 * xen/include/xen/mm-frame.h): passing an MFN where a GFN is expected is a
 * compile error.  Use the constructor/accessor pairs to cross the boundary
 * explicitly.
 */
#ifndef XENPT_TYPES_H
#define XENPT_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A machine frame number. */
typedef struct { uint64_t mfn; } xenpt_mfn_t;
/** A guest frame number: pseudo-physical frame (PFN) for PV, GFN for HVM. */
typedef struct { uint64_t gfn; } xenpt_gfn_t;
/** A guest virtual address. */
typedef struct { uint64_t va; } xenpt_va_t;

#define XENPT_PAGE_SHIFT 12
#define XENPT_PAGE_SIZE  4096u
#define XENPT_PAGE_MASK  (~(uint64_t)(XENPT_PAGE_SIZE - 1))

/** All ones: Xen's INVALID_MFN / INVALID_GFN / INVALID_M2P_ENTRY. */
#define XENPT_INVALID_FRAME UINT64_MAX

static inline xenpt_mfn_t xenpt_mfn(uint64_t v) { xenpt_mfn_t m = { v }; return m; }
static inline uint64_t xenpt_mfn_x(xenpt_mfn_t m) { return m.mfn; }
static inline xenpt_gfn_t xenpt_gfn(uint64_t v) { xenpt_gfn_t g = { v }; return g; }
static inline uint64_t xenpt_gfn_x(xenpt_gfn_t g) { return g.gfn; }
static inline xenpt_va_t xenpt_va(uint64_t v) { xenpt_va_t a = { v }; return a; }
static inline uint64_t xenpt_va_x(xenpt_va_t a) { return a.va; }

#define XENPT_INVALID_MFN xenpt_mfn(XENPT_INVALID_FRAME)
#define XENPT_INVALID_GFN xenpt_gfn(XENPT_INVALID_FRAME)

static inline bool xenpt_mfn_valid(xenpt_mfn_t m) { return m.mfn != XENPT_INVALID_FRAME; }
static inline bool xenpt_gfn_valid(xenpt_gfn_t g) { return g.gfn != XENPT_INVALID_FRAME; }
static inline bool xenpt_mfn_eq(xenpt_mfn_t a, xenpt_mfn_t b) { return a.mfn == b.mfn; }
static inline bool xenpt_gfn_eq(xenpt_gfn_t a, xenpt_gfn_t b) { return a.gfn == b.gfn; }

/**
 * Which frame-number space a raw frame number belongs to.  Used where one
 * API serves both (the frame cache, page types): PV guests' page tables hold
 * MFNs, HVM guests' hold GFNs.
 */
enum xenpt_space {
	XENPT_SPACE_MFN = 0,
	XENPT_SPACE_GFN = 1,
};

/** "mfn" or "gfn" (PV guests say "pfn" for the latter in output). */
const char *xenpt_space_name(enum xenpt_space space);

/**
 * Page types as Xen reports them (XEN_DOMCTL_getpageframeinfo3,
 * xen/include/public/domctl.h XEN_DOMCTL_PFINFO_*).  Only pinned or
 * validated page tables show as L1..L4; writable, segment-descriptor and
 * shared pages show as NONE.
 */
enum xenpt_page_type {
	XENPT_PT_NONE   = 0x0,   /**< NOTAB: not a page table */
	XENPT_PT_L1     = 0x1,
	XENPT_PT_L2     = 0x2,
	XENPT_PT_L3     = 0x3,
	XENPT_PT_L4     = 0x4,
	XENPT_PT_BROKEN = 0xd,   /**< PGC_broken */
	XENPT_PT_XALLOC = 0xe,   /**< allocate-only */
	XENPT_PT_XTAB   = 0xf,   /**< not the domain's, or special */
};
/** Bit added to a page type word when the table is pinned (LPINTAB). */
#define XENPT_PT_PINNED 0x8u

/** One page type word: the enum in bits 0-2 or 0xd..0xf, plus XENPT_PT_PINNED. */
typedef uint8_t xenpt_page_type_t;

/** Short name: "none", "l1", ..., "l4", "broken", "xalloc", "xtab". */
const char *xenpt_page_type_name(xenpt_page_type_t t);

/** Flags of xenpt_parse_number(). */
enum {
	/** Allow a binary size suffix: K, M, G, T (either case; 1K = 1024). */
	XENPT_NUM_SIZE       = 1u << 0,
	/** Allow '_' and '`' as digit separators ("0xffffffff_81000000", "fffff800`00000000"). */
	XENPT_NUM_SEPARATORS = 1u << 1,
};

/**
 * Parse an unsigned 64-bit number: hex with 0x (or 0X), else decimal; no
 * sign, no surrounding space.  @p flags (XENPT_NUM_*) allow more.  Returns
 * false, leaving *ret untouched, on junk or overflow.
 */
bool xenpt_parse_number(const char *s, unsigned flags, uint64_t *ret);

#ifdef __cplusplus
}
#endif
#endif
