/* SPDX-License-Identifier: MIT */
/*
 * Xen 4.17's PV type and reference-count rules, written once over a frame
 * store.  Private to lib/xen/pvmm.c (the standalone model, its own store)
 * and lib/synth/synth.c (the synthetic builder, whose store is its compact
 * per-frame state and its page store): each includes this file once, after
 * defining the store below, and gets the rules as static functions, so
 * that both run the same code with no indirect call per access.
 *
 * Followed (xen/arch/x86/mm.c unless noted): get_page / put_page,
 * _get_page_type / _put_page_type / _put_final_page_type, validate_page ->
 * promote_l1..l4_table, devalidate_page -> demote_l1..l4_table,
 * get_page_from_l1e .. get_page_from_l4e (classified by xen_pv_entry_ref(),
 * xen/pv.h) with define_get_linear_pagetable / inc_linear_entries /
 * inc_linear_uses, put_page_from_l1e .. put_page_from_l4e,
 * init_xen_l4_slots, mod_l1_entry .. mod_l4_entry with update_intpte
 * (pv/mm.h), the path of do_mmu_update's normal update,
 * MMUEXT_PIN_Lx_TABLE / MMUEXT_UNPIN_TABLE of do_mmuext_op, new_guest_cr3
 * with fill_ro_mpt, pv_set_gdt / pv_destroy_gdt
 * (pv/descriptor-tables.c), and get_page_and_type_from_mfn.
 *
 * The store (defined by the includer before #include):
 *
 *   PVMM_CTX                 the model's type (a struct type name)
 *   pvmm_fh                  a frame handle (cheap to copy)
 *   pvmm_tab                 a table handle (the 512 entries of a frame)
 *   st_frame(m, mfn)         the handle of @mfn; st_fh_ok() false if the
 *                            frame is not in the store (I/O memory)
 *   st_owner / st_count / st_type / st_tcount / st_validated / st_pinned /
 *   st_linear / st_special   the frame record (owner domid or
 *                            PVMM_DOMID_IO / PVMM_OWNER_FREE; general count
 *                            with PGC_allocated as 1; enum pvmm_type; type
 *                            count; PGT_validated; PGT_pinned;
 *                            linear_pt_count; is_special_page)
 *   st_set_count / st_set_type / st_set_tcount / st_set_validated /
 *   st_set_pinned / st_set_linear   change it (st_set_linear may fail
 *                            with -ENOMEM)
 *   st_freed(m, f)           the general count reached 0
 *   st_tab(m, mfn, &t)       the entries of @mfn (0 or -errno)
 *   st_ent(m, t, i), st_ent_set(m, t, i, v) (0 or -ENOMEM)
 *   st_ent_next(m, t, i)     the first index >= i of an entry that may be
 *                            non-zero, or 512
 *   st_ent_raw(m, t, i)      the store wrote entry i bypassing the rules:
 *                            it holds no reference (never counted)
 *   st_io_caps(m, domid)     the domain has I/O memory (false if unknown)
 *   st_xen_slots(m, domid)   its 16 Xen L4 slot values, or NULL
 *   st_bug(m)                the rule the model breaks (enum pvmm_bug)
 *   st_bug_ref_add(m, mfn, idx) / st_bug_ref_take(m, mfn, idx)
 *                            the entries that hold only a general reference
 *   st_reason(m)             the reason buffer (PVMM_REASON_LEN bytes)
 */
#ifndef XENPT_XEN_PVMM_RULES_H
#define XENPT_XEN_PVMM_RULES_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xenpt/walk.h>

#include "xen/pv.h"
#include "xen/pvmm.h"

#define PVMM_REASON_LEN 512u
#define PVMM_NR_ENTRIES 512u
#define PVMM_PTE_FRAME(e) (((e) & XENPT_PTE_ADDR_MASK) >> 12)

/* __PAGE_HYPERVISOR_RW (xen/arch/x86/include/asm/page.h): NX|A|D|RW|P. */
#define PVMM_PAGE_HYPERVISOR_RW (XENPT_PTE_NX | XENPT_PTE_D | XENPT_PTE_A | XENPT_PTE_RW | \
				 XENPT_PTE_P)
/* LINEAR_PT_VIRT_START's and RO_MPT_VIRT_START's L4 slots
 * (xen/arch/x86/include/asm/config.h). */
#define PVMM_XEN_LINEAR_SLOT 258u
#define PVMM_XEN_RO_MPT_SLOT 256u

/*
 * FASTPATH_FLAG_WHITELIST (mm.c): flags a guest may change without
 * re-validating: NX, AVAIL_HIGH (52-62), AVAIL (9-11), G, D, A, US.  With
 * CONFIG_PV_LINEAR_PT the PDE list is the same.  l1e_has_changed() compares
 * the address (bits 12-51) and every flag outside the list.
 */
#define PVMM_FASTPATH_WHITELIST (XENPT_PTE_NX | 0x7ff0000000000000ull | 0xe00ull | \
				 XENPT_PTE_G | XENPT_PTE_D | XENPT_PTE_A | XENPT_PTE_US)

/* ---- reasons ------------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3), unused)) why(PVMM_CTX *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st_reason(m), PVMM_REASON_LEN, fmt, ap);
	va_end(ap);
}

/* Prefix the current reason with context ("ctx: reason"). */
static void __attribute__((format(printf, 2, 3), unused)) why_ctx(PVMM_CTX *m,
								  const char *fmt, ...)
{
	char old[PVMM_REASON_LEN], *r = st_reason(m);
	size_t n;
	va_list ap;

	memcpy(old, r, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(r, PVMM_REASON_LEN, fmt, ap);
	va_end(ap);
	n = strlen(r);
	if (n + 2 < PVMM_REASON_LEN) {
		memcpy(r + n, ": ", 2);
		n += 2;
		strncpy(r + n, old, PVMM_REASON_LEN - n - 1);
		r[PVMM_REASON_LEN - 1] = 0;
	}
}

/* ---- general and type references --------------------------------------- */

/* get_page(page, d): a general reference if @d owns the frame. */
static pvmm_fh mm_get_page(PVMM_CTX *m, uint64_t mfn, uint16_t d, bool *ok)
{
	pvmm_fh f = st_frame(m, mfn);

	*ok = st_fh_ok(f) && st_owner(m, f) == d && st_count(m, f);
	if (*ok)
		st_set_count(m, f, st_count(m, f) + 1);
	return f;
}

/*
 * put_page(): drop a general reference; at 0 the page is freed
 * (cleanup_page_mappings() clears a writable type; free_domheap_page()).
 */
static void mm_put_page(PVMM_CTX *m, pvmm_fh f)
{
	uint32_t c = st_count(m, f);

	if (!c)
		return;
	st_set_count(m, f, c - 1);
	if (c > 1)
		return;
	if (st_type(m, f) == PVMM_T_WRITABLE) {
		st_set_type(m, f, PVMM_T_NONE);
		st_set_validated(m, f, false);
	}
	st_freed(m, f);
}

static int mm_get_type(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, enum pvmm_type type);
static void mm_put_type(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, const pvmm_fh *ptpg);
static int mm_validate(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, enum pvmm_type type,
		       unsigned *fail_idx);
static void mm_devalidate(PVMM_CTX *m, uint64_t mfn, pvmm_fh f);

/* The type of a frame as xen_pv_entry_ref() wants it. */
static enum xen_pv_type mm_pv_type(PVMM_CTX *m, pvmm_fh f)
{
	if (!st_tcount(m, f))
		return XEN_PV_T_NONE;
	switch (st_type(m, f)) {
	case PVMM_T_L1: case PVMM_T_L2: case PVMM_T_L3: case PVMM_T_L4:
		return (enum xen_pv_type)st_type(m, f);
	case PVMM_T_SEG_DESC:
		return XEN_PV_T_SEG_DESC;
	case PVMM_T_WRITABLE:
		return XEN_PV_T_WRITABLE_INUSE;
	default:
		return XEN_PV_T_NONE;
	}
}

/*
 * _get_page_type(): a type reference of @type.  At type count 0 the type
 * may change (a change clears PGT_validated); the first reference of a page
 * table validates it (validate_page()).  A failed validation leaves type
 * none (validate_page(): type_info = 0) when it failed at slot 0, and the
 * type bits with count 0 when it failed later (the partially validated
 * page became old_guest_table and was devalidated at the end of the
 * hypercall: _put_final_page_type() keeps the type bits).
 */
static int mm_get_type(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, enum pvmm_type type)
{
	uint32_t x = st_tcount(m, f);
	unsigned fail_idx = 0;
	int rc;

	if (x == UINT32_MAX) {
		why(m, "type count overflow on frame 0x%" PRIx64, mfn);
		return -EINVAL;
	}
	if (x) {
		if (st_type(m, f) != type) {
			why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected %s",
			    mfn, pvmm_type_name((enum pvmm_type)st_type(m, f)), x,
			    pvmm_type_name(type));
			return -EINVAL;
		}
		if (!st_validated(m, f)) {
			/* Xen would wait for the concurrent validation. */
			why(m, "frame 0x%" PRIx64 " is being validated as %s", mfn, pvmm_type_name(type));
			return -EINVAL;
		}
		st_set_tcount(m, f, x + 1);
		return 0;
	}
	/* Typeref 0 -> 1 */
	if (st_type(m, f) != type) {
		st_set_type(m, f, type);
		st_set_validated(m, f, false);
	}
	st_set_tcount(m, f, 1);
	if (st_validated(m, f))
		return 0;
	if (type == PVMM_T_WRITABLE) {
		st_set_validated(m, f, true);
		return 0;
	}
	st_set_linear(m, f, 0);
	rc = mm_validate(m, mfn, f, type, &fail_idx);
	if (!rc) {
		st_set_validated(m, f, true);
		return 0;
	}
	st_set_tcount(m, f, 0);
	if (type == PVMM_T_L1 || fail_idx == 0)
		st_set_type(m, f, PVMM_T_NONE);
	st_set_linear(m, f, 0);
	return rc;
}

/* dec_linear_uses(page), dec_linear_entries(ptpg) */
static void mm_dec_linear(PVMM_CTX *m, pvmm_fh f, pvmm_fh ptpg)
{
	st_set_linear(m, f, st_linear(m, f) + 1);
	st_set_linear(m, ptpg, st_linear(m, ptpg) - 1);
}

/*
 * _put_page_type() with @ptpg the table whose entry held the reference
 * (NULL for pins, roots, L1 mappings): the last reference of a validated
 * page table devalidates it (recursively) and keeps its type bits; a
 * reference of the same type as @ptpg was a linear one.
 */
static void mm_put_type(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, const pvmm_fh *ptpg)
{
	uint32_t x = st_tcount(m, f);
	unsigned t = st_type(m, f);
	bool linear = ptpg && st_fh_ok(*ptpg) && st_type(m, *ptpg) == t;

	if (!x)
		return;
	if (x == 1 && t >= PVMM_T_L1 && t <= PVMM_T_L4 && st_validated(m, f)) {
		st_set_validated(m, f, false);
		mm_devalidate(m, mfn, f);
		if (linear)
			mm_dec_linear(m, f, *ptpg);
		st_set_tcount(m, f, 0);
		return;
	}
	st_set_tcount(m, f, x - 1);
	if (linear)
		mm_dec_linear(m, f, *ptpg);
}

static void __attribute__((unused)) mm_put_page_and_type(PVMM_CTX *m, uint64_t mfn, pvmm_fh f)
{
	mm_put_type(m, mfn, f, NULL);
	mm_put_page(m, f);
}

/*
 * Whether the frame can take a PGT_writable_page reference now, i.e. be
 * mapped writable and so written by the guest: not in use as a page table
 * or descriptor page (_get_page_type() refuses a type change at a
 * non-zero type count).
 */
static bool __attribute__((unused)) mm_writable(PVMM_CTX *m, pvmm_fh f)
{
	enum xen_pv_type t = mm_pv_type(m, f);

	return t == XEN_PV_T_NONE || t == XEN_PV_T_WRITABLE_INUSE;
}

/* get_page_and_type_from_mfn() */
static int mm_get_page_and_type(PVMM_CTX *m, uint64_t mfn, enum pvmm_type type, uint16_t d)
{
	bool ok;
	pvmm_fh f = mm_get_page(m, mfn, d, &ok);
	int rc;

	if (!ok) {
		why(m, "frame 0x%" PRIx64 " is not d%u's", mfn, d);
		return -EINVAL;
	}
	rc = mm_get_type(m, mfn, f, type);
	if (rc)
		mm_put_page(m, f);
	return rc;
}

/* ---- the reference an entry holds --------------------------------------- */

static bool mm_bug(PVMM_CTX *m, enum pvmm_bug b)
{
	return st_bug(m) == b;
}

static uint64_t mm_disallow(PVMM_CTX *m, unsigned level, uint16_t d)
{
	if (mm_bug(m, PVMM_BUG_BAD_FLAGS))
		return 0;
	return xen_pv_disallow_mask(level, st_io_caps(m, d));
}

static bool mm_privileged(uint16_t domid)
{
	return domid == 0;
}

/*
 * get_page_from_l1e(l1e, l1e_owner, pg_owner): 0, the flags to flip (> 0,
 * MMIO cache attributes), or -errno.  @holder/@idx: where the entry will
 * live (for the buggy-Xen bookkeeping), PVMM_NO_FRAME if nowhere yet.
 */
static int mm_get_l1e(PVMM_CTX *m, uint64_t e, uint16_t l1e_owner, uint16_t pg_owner,
		      uint16_t curr, uint64_t holder, unsigned idx)
{
	uint64_t mfn = PVMM_PTE_FRAME(e);
	bool l_io = st_io_caps(m, l1e_owner);
	uint64_t bad = e & mm_disallow(m, 1, l1e_owner);
	pvmm_fh f;
	uint16_t real;
	enum xen_pv_ref r;
	int flip = 0;

	if (bad) {
		why(m, "L1 entry 0x%" PRIx64 ": flags 0x%" PRIx64 " are disallowed in an L1 entry",
		    e, bad);
		return -EINVAL;
	}
	f = st_frame(m, mfn);
	if (!st_fh_ok(f) || st_owner(m, f) == PVMM_DOMID_IO) {
		/* I/O memory: iomem_access_permitted() of pg_owner, then of l1e_owner */
		bool p_io;

		if (pg_owner == PVMM_DOMID_IO)
			pg_owner = curr;
		p_io = st_io_caps(m, pg_owner);
		if (!p_io || (pg_owner != l1e_owner && !l_io)) {
			/* INVALID_MFN (PADDR_MASK >> PAGE_SHIFT) is -EINVAL, not -EPERM */
			why(m, "d%u may not map MMIO frame 0x%" PRIx64 " (no I/O capability)",
			    p_io ? l1e_owner : pg_owner, mfn);
			return mfn == ((1ull << 52) - 1) >> 12 ? -EINVAL : -EPERM;
		}
		/* opt_mmio_relax 0: a WB mapping becomes UC, WT/WP becomes UC- */
		switch (e & XEN_PV_CACHE_ATTRS) {
		case 0:
			flip = XENPT_PTE_PWT | XENPT_PTE_PCD;
			break;
		case XENPT_PTE_PWT:
		case XENPT_PTE_PWT | XENPT_PTE_PSE:
			flip = XENPT_PTE_PCD | (int)(e & XENPT_PTE_PSE);
			break;
		}
		return flip;
	}
	real = st_count(m, f) ? st_owner(m, f) : PVMM_OWNER_FREE;
	if (real != pg_owner) {
		if (real == PVMM_OWNER_FREE || pg_owner == l1e_owner || !mm_privileged(pg_owner)) {
			if (real == PVMM_OWNER_FREE)
				why(m, "frame 0x%" PRIx64 " is free (no owner)", mfn);
			else
				why(m, "frame 0x%" PRIx64 " belongs to d%u, not to d%u (the page owner)",
				    mfn, real, pg_owner);
			return -EBUSY;
		}
		pg_owner = real;
	}
	st_set_count(m, f, st_count(m, f) + 1);
	/* a bad-flags bug lets the flags through: classify the rest of the entry */
	r = xen_pv_entry_ref(1, mm_bug(m, PVMM_BUG_BAD_FLAGS) ?
			     e & ~xen_pv_disallow_mask(1, l_io) : e,
			     holder, mm_pv_type(m, f), l_io);
	if (r == XEN_PV_REF_RW_TABLE) {
		if (mm_bug(m, PVMM_BUG_RW_TABLE) && holder != PVMM_NO_FRAME) {
			if (st_bug_ref_add(m, holder, idx)) {
				mm_put_page(m, f);
				return -ENOMEM;
			}
			return 0;
		}
		why(m, "RW mapping of frame 0x%" PRIx64 ", which is in use as %s (type count %" PRIu32
		    "): could not get a writable type reference", mfn,
		    pvmm_type_name((enum pvmm_type)st_type(m, f)), st_tcount(m, f));
		mm_put_page(m, f);
		return -EBUSY;
	}
	if (r == XEN_PV_REF_MAP_RW && mm_get_type(m, mfn, f, PVMM_T_WRITABLE)) {
		mm_put_page(m, f);
		return -EBUSY;
	}
	if ((e & XEN_PV_CACHE_ATTRS) && st_special(m, f)) {
		if (r == XEN_PV_REF_MAP_RW)
			mm_put_type(m, mfn, f, NULL);
		mm_put_page(m, f);
		why(m, "frame 0x%" PRIx64 " is a Xen page: its cache attributes cannot change", mfn);
		return -EACCES;
	}
	return 0;
}

/* put_page_from_l1e(); @bugged: the entry holds only a general reference */
static void mm_put_l1e(PVMM_CTX *m, uint64_t e, bool bugged)
{
	pvmm_fh f;

	if (!(e & XENPT_PTE_P))
		return;
	f = st_frame(m, PVMM_PTE_FRAME(e));
	if (!st_fh_ok(f) || st_owner(m, f) == PVMM_DOMID_IO)
		return;
	if (bugged) {
		mm_put_page(m, f);
		return;
	}
	if (e & XENPT_PTE_RW)
		mm_put_page_and_type(m, PVMM_PTE_FRAME(e), f);
	else
		mm_put_page(m, f);
}

/*
 * get_page_from_l2e/l3e/l4e() for entry @e at slot @idx of the level-@level
 * table @holder owned by @d.
 */
static int mm_get_lne(PVMM_CTX *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx,
		      uint16_t d)
{
	uint64_t mfn = PVMM_PTE_FRAME(e);
	bool io = st_io_caps(m, d);
	uint64_t bad = e & mm_disallow(m, level, d);
	pvmm_fh f, hf;
	enum xen_pv_ref r;
	int rc;

	if (bad) {
		why(m, "flags 0x%" PRIx64 " are disallowed in an L%u entry", bad, level);
		return -EINVAL;
	}
	f = st_frame(m, mfn);
	if (!st_fh_ok(f) || st_owner(m, f) != d || !st_count(m, f)) {
		if (mfn == holder)  /* cannot happen: the holder is d's */
			return 0;
		why(m, "frame 0x%" PRIx64 " is not d%u's", mfn, d);
		return -EINVAL;
	}
	r = xen_pv_entry_ref(level, mm_bug(m, PVMM_BUG_BAD_FLAGS) ?
			     e & ~xen_pv_disallow_mask(level, io) : e,
			     holder, mm_pv_type(m, f), io);
	if (r == XEN_PV_REF_LINEAR_RW && mm_bug(m, PVMM_BUG_LINEAR_RW))
		r = mfn == holder ? XEN_PV_REF_SELF
		    : mm_pv_type(m, f) == (enum xen_pv_type)level ? XEN_PV_REF_LINEAR
		    : XEN_PV_REF_WRONG_TYPE;
	switch (r) {
	case XEN_PV_REF_CHILD:
		st_set_count(m, f, st_count(m, f) + 1);
		rc = mm_get_type(m, mfn, f, (enum pvmm_type)(level - 1));
		if (rc)
			mm_put_page(m, f);
		return rc;
	case XEN_PV_REF_SELF:
		return 0;
	case XEN_PV_REF_LINEAR:
		hf = st_frame(m, holder);
		if (!mm_bug(m, PVMM_BUG_LINEAR_LEVELS)) {
			if (st_linear(m, hf) < 0) {
				why(m, "linear entry to L%u frame 0x%" PRIx64 ": this table is itself "
				    "a linear target (%d uses)", level, mfn, -st_linear(m, hf));
				return -EINVAL;
			}
			if (st_linear(m, f) > 0) {
				why(m, "linear entry to L%u frame 0x%" PRIx64 ", which itself has %d "
				    "linear entries", level, mfn, st_linear(m, f));
				return -EINVAL;
			}
		}
		if (!st_validated(m, f) || st_tcount(m, f) == UINT32_MAX) {
			why(m, "linear entry to L%u frame 0x%" PRIx64 ", which is not validated",
			    level, mfn);
			return -EINVAL;
		}
		if (st_set_linear(m, hf, st_linear(m, hf) + 1))
			return -ENOMEM;
		if (st_set_linear(m, f, st_linear(m, f) - 1)) {
			st_set_linear(m, hf, st_linear(m, hf) - 1);
			return -ENOMEM;
		}
		st_set_count(m, f, st_count(m, f) + 1);
		st_set_tcount(m, f, st_tcount(m, f) + 1);
		return 0;
	case XEN_PV_REF_LINEAR_RW:
		/* get_page_and_type_from_mfn() failed, and the linear fallback
		 * refuses RW first: say which of the two the guest meant */
		if (mfn == holder)
			why(m, "self map of L%u frame 0x%" PRIx64 " with write permission", level, mfn);
		else if (mm_pv_type(m, f) == (enum xen_pv_type)level)
			why(m, "linear entry to L%u frame 0x%" PRIx64 " with write permission", level,
			    mfn);
		else
			why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected L%u",
			    mfn, pvmm_type_name((enum pvmm_type)st_type(m, f)), st_tcount(m, f),
			    level - 1);
		return -EINVAL;
	case XEN_PV_REF_WRONG_TYPE:
		if (mm_bug(m, PVMM_BUG_WRONG_TYPE)) {
			if (st_bug_ref_add(m, holder, idx))
				return -ENOMEM;
			st_set_count(m, f, st_count(m, f) + 1);
			return 0;
		}
		why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected L%u",
		    mfn, pvmm_type_name((enum pvmm_type)st_type(m, f)), st_tcount(m, f), level - 1);
		return -EINVAL;
	default:
		why(m, "unexpected entry class %s", xen_pv_ref_name(r));
		return -EINVAL;
	}
}

/* put_page_from_l2e/l3e/l4e(): nothing for self maps. */
static void mm_put_lne(PVMM_CTX *m, uint64_t e, uint64_t holder, bool bugged)
{
	uint64_t mfn = PVMM_PTE_FRAME(e);
	pvmm_fh f, hf;

	if (!(e & XENPT_PTE_P) || mfn == holder)
		return;
	f = st_frame(m, mfn);
	if (!st_fh_ok(f))
		return;
	if (bugged) {
		mm_put_page(m, f);
		return;
	}
	hf = st_frame(m, holder);
	mm_put_type(m, mfn, f, &hf);
	mm_put_page(m, f);
}

static int mm_get_entry(PVMM_CTX *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx,
			uint16_t owner, uint16_t pg_owner, uint16_t curr)
{
	if (level == 1)
		return mm_get_l1e(m, e, owner, pg_owner, curr, holder, idx);
	return mm_get_lne(m, level, e, holder, idx, owner);
}

/* Release the reference entry @idx of @holder holds for @e; @bugged: the
 * caller already took the entry's buggy-Xen mark (see mm_take_mark()). */
static void mm_put_entry_as(PVMM_CTX *m, unsigned level, uint64_t e, uint64_t holder,
			    bool bugged)
{
	if (level == 1)
		mm_put_l1e(m, e, bugged);
	else
		mm_put_lne(m, e, holder, bugged);
}

static bool mm_take_mark(PVMM_CTX *m, uint64_t holder, unsigned idx)
{
	return st_bug_ref_take(m, holder, idx);
}

static void mm_put_entry(PVMM_CTX *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx)
{
	mm_put_entry_as(m, level, e, holder, mm_take_mark(m, holder, idx));
}

/* is_guest_l4_slot() for 64-bit PV: every slot but Xen's 256-271. */
static bool mm_guest_slot(unsigned level, unsigned i)
{
	return level != 4 || !xen_pv_is_xen_l4_slot(i);
}

/* An entry that holds the reference of its value: a guest slot the store
 * did not write raw. */
static bool mm_counted(PVMM_CTX *m, pvmm_tab t, unsigned level, unsigned i)
{
	return mm_guest_slot(level, i) && !st_ent_raw(m, t, i);
}

/* Release what entries [0, @end) of a level-@level table hold. */
static void mm_put_entries(PVMM_CTX *m, pvmm_tab t, unsigned level, uint64_t mfn, unsigned end)
{
	for (unsigned j = st_ent_next(m, t, 0); j < end; j = st_ent_next(m, t, j + 1))
		if (mm_counted(m, t, level, j))
			mm_put_entry(m, level, st_ent(m, t, j), mfn, j);
}

/*
 * validate_page() -> promote_l1_table() .. promote_l4_table(): take the
 * reference of every present entry in a guest slot, storing each as Xen
 * adjusts it; on failure release what was taken.  An L4 then gets Xen's
 * slots (init_xen_l4_slots(): slot 258 the linear self map; slot 256, the
 * RO M2P, empty: ro_mpt = VM_ASSIST(d, m2p_strict), off; the others from
 * the domain's st_xen_slots(), left as they are without them).
 */
static int mm_validate(PVMM_CTX *m, uint64_t mfn, pvmm_fh f, enum pvmm_type type,
		       unsigned *fail_idx)
{
	unsigned level = (unsigned)type;
	uint16_t d = st_owner(m, f);
	const uint64_t *slots;
	pvmm_tab t;
	int rc = 0;
	unsigned i;

	if (type == PVMM_T_SEG_DESC)
		return 0;  /* validate_segdesc_page(): descriptors are not modelled */
	if ((rc = st_tab(m, mfn, &t))) {
		why(m, "L%u frame 0x%" PRIx64 ": out of memory", level, mfn);
		return rc;
	}
	for (i = st_ent_next(m, t, 0); i < PVMM_NR_ENTRIES; i = st_ent_next(m, t, i + 1)) {
		uint64_t e = st_ent(m, t, i);

		if (!(e & XENPT_PTE_P) || !mm_counted(m, t, level, i))
			continue;
		rc = mm_get_entry(m, level, e, mfn, i, d, d, d);
		if (rc < 0)
			break;
		if (rc > 0) {
			e ^= (uint64_t)rc;
			rc = 0;
		}
		if ((rc = st_ent_set(m, t, i, xen_pv_adjust_entry(level, e))) < 0) {
			mm_put_entry(m, level, e, mfn, i);
			break;
		}
	}
	if (rc < 0) {
		why_ctx(m, "L%u frame 0x%" PRIx64 " slot %u", level, mfn, i);
		*fail_idx = i;
		mm_put_entries(m, t, level, mfn, i);
		return rc;
	}
	if (level == 4) {
		slots = st_xen_slots(m, d);
		for (i = XEN_PV_FIRST_XEN_SLOT; i <= XEN_PV_LAST_XEN_SLOT; i++) {
			uint64_t v;

			if (i == PVMM_XEN_LINEAR_SLOT)
				v = mfn << 12 | PVMM_PAGE_HYPERVISOR_RW;
			else if (!slots)
				continue;
			else if (i == PVMM_XEN_RO_MPT_SLOT)
				v = 0;
			else
				v = slots[i - XEN_PV_FIRST_XEN_SLOT];
			if (st_ent_set(m, t, i, v)) {
				why(m, "L4 frame 0x%" PRIx64 ": out of memory", mfn);
				*fail_idx = PVMM_NR_ENTRIES;
				mm_put_entries(m, t, level, mfn, PVMM_NR_ENTRIES);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

/* devalidate_page() -> demote_l1_table() .. demote_l4_table() */
static void mm_devalidate(PVMM_CTX *m, uint64_t mfn, pvmm_fh f)
{
	pvmm_tab t;

	if (st_tab(m, mfn, &t))
		return;
	mm_put_entries(m, t, st_type(m, f), mfn, PVMM_NR_ENTRIES);
}

/* ---- mod_lN_entry ------------------------------------------------------- */

/* update_intpte() with preserve_ad: the old A and D bits are kept. */
static uint64_t mm_with_ad(uint64_t old, uint64_t nv, bool preserve_ad)
{
	return preserve_ad ? nv | (old & (XENPT_PTE_A | XENPT_PTE_D)) : nv;
}

/*
 * mod_l1_entry() .. mod_l4_entry(): entry @idx of validated level-@level
 * table @mfn (owned by pt_dom, its entries @t) := @nv.  An entry the store
 * wrote raw held no reference: it has none to release, and no fast path.
 */
static int mm_mod_entry(PVMM_CTX *m, unsigned level, uint64_t mfn, pvmm_tab t, unsigned idx,
			uint64_t nv, bool preserve_ad, uint16_t pt_dom, uint16_t pg_dom,
			uint16_t curr)
{
	uint64_t ov = st_ent(m, t, idx), bad;
	bool old_bugged, old_counted;
	int rc;

	old_counted = !st_ent_raw(m, t, idx);
	if (level == 4 && xen_pv_is_xen_l4_slot(idx)) {
		if (mm_bug(m, PVMM_BUG_XEN_SLOTS))
			return st_ent_set(m, t, idx, nv);
		why(m, "L4 frame 0x%" PRIx64 " slot %u is one of Xen's slots (256-271)", mfn, idx);
		return -EINVAL;
	}
	if (nv & XENPT_PTE_P) {
		bad = nv & mm_disallow(m, level, pt_dom);
		if (bad) {
			why(m, "L%u frame 0x%" PRIx64 " slot %u: flags 0x%" PRIx64
			    " are disallowed in an L%u entry", level, mfn, idx, bad, level);
			return -EINVAL;
		}
		nv = xen_pv_adjust_entry(level, nv);
		/* Fast path for sufficiently-similar mappings: no new reference. */
		if (old_counted && (ov & XENPT_PTE_P) && !((ov ^ nv) & ~PVMM_FASTPATH_WHITELIST))
			return st_ent_set(m, t, idx, mm_with_ad(ov, nv, preserve_ad));
		old_bugged = mm_take_mark(m, mfn, idx);
		rc = mm_get_entry(m, level, nv, mfn, idx, pt_dom, pg_dom, curr);
		if (rc < 0) {
			if (old_bugged)
				st_bug_ref_add(m, mfn, idx);
			why_ctx(m, "L%u frame 0x%" PRIx64 " slot %u", level, mfn, idx);
			return rc;
		}
		if (rc > 0)
			nv ^= (uint64_t)rc;
	} else {
		old_bugged = mm_take_mark(m, mfn, idx);
	}
	if ((rc = st_ent_set(m, t, idx, mm_with_ad(ov, nv, preserve_ad))) < 0) {
		if (nv & XENPT_PTE_P)
			mm_put_entry_as(m, level, nv, mfn, false);
		return rc;
	}
	if (old_counted)
		mm_put_entry_as(m, level, ov, mfn, old_bugged);
	return 0;
}

/*
 * do_mmu_update(), MMU_NORMAL_PT_UPDATE and MMU_PT_UPDATE_PRESERVE_AD on
 * frame @mfn of @pt_owner, whose general reference the caller holds: the
 * path Xen takes.  A page table in use (page_lock() succeeds) changes by
 * mod_lN_entry() of its own type, returned in *@level (an L2-L4 only when
 * the page owner is the page-table owner); a writable page in use, or any
 * frame that can take a writable type reference (taken and dropped around
 * the write), is written plainly: *@level 0.  Descriptor pages refuse.
 */
static int __attribute__((unused)) mm_update_path(PVMM_CTX *m, uint64_t mfn, pvmm_fh f,
						  uint16_t pt_owner, uint16_t pg_owner,
						  unsigned *level)
{
	unsigned t = st_type(m, f);

	*level = 0;
	if (st_validated(m, f) && st_tcount(m, f)) {
		if (t >= PVMM_T_L1 && t <= PVMM_T_L4) {
			if (t != PVMM_T_L1 && pg_owner != pt_owner) {
				why(m, "L%u frame 0x%" PRIx64 ": the page owner d%u is not the "
				    "page-table owner d%u", t, mfn, pg_owner, pt_owner);
				return -EINVAL;
			}
			*level = t;
			return 0;
		}
		if (t == PVMM_T_WRITABLE)
			return 0;
		why(m, "frame 0x%" PRIx64 " is in use as %s: not writable by mmu_update", mfn,
		    pvmm_type_name((enum pvmm_type)t));
		return -EINVAL;
	}
	if (mm_get_type(m, mfn, f, PVMM_T_WRITABLE)) {
		why(m, "frame 0x%" PRIx64 " (%s) cannot be written", mfn,
		    pvmm_type_name((enum pvmm_type)st_type(m, f)));
		return -EINVAL;
	}
	mm_put_type(m, mfn, f, NULL);
	return 0;
}

/* ---- pins and base pointers --------------------------------------------- */

/* MMUEXT_PIN_L1_TABLE .. MMUEXT_PIN_L4_TABLE of do_mmuext_op(), page owner @d. */
static int __attribute__((unused)) mm_pin(PVMM_CTX *m, uint64_t mfn, enum pvmm_type type,
					  uint16_t d)
{
	bool ok;
	pvmm_fh f = mm_get_page(m, mfn, d, &ok);
	int rc;

	if (!ok) {
		why(m, "pin: frame 0x%" PRIx64 " is not d%u's", mfn, d);
		return -EINVAL;
	}
	rc = mm_get_type(m, mfn, f, type);
	if (rc) {
		why_ctx(m, "pin %s 0x%" PRIx64, pvmm_type_name(type), mfn);
		mm_put_page(m, f);
		return rc;
	}
	if (st_pinned(m, f)) {
		why(m, "frame 0x%" PRIx64 " is already pinned", mfn);
		/* pin_drop: put_page_and_type() now or via old_guest_table */
		mm_put_page_and_type(m, mfn, f);
		return -EINVAL;
	}
	st_set_pinned(m, f, true);
	return 0;
}

/* MMUEXT_UNPIN_TABLE of do_mmuext_op(), page owner @d. */
static int __attribute__((unused)) mm_unpin(PVMM_CTX *m, uint64_t mfn, uint16_t d)
{
	bool ok;
	pvmm_fh f = mm_get_page(m, mfn, d, &ok);

	if (!ok) {
		why(m, "unpin: frame 0x%" PRIx64 " bad, or not d%u's", mfn, d);
		return -EINVAL;
	}
	if (!st_pinned(m, f)) {
		mm_put_page(m, f);
		why(m, "frame 0x%" PRIx64 " is not pinned", mfn);
		return -EINVAL;
	}
	st_set_pinned(m, f, false);
	mm_put_page_and_type(m, mfn, f);
	mm_put_page(m, f);
	return 0;
}

/*
 * The reference a vCPU base pointer holds (new_guest_cr3(),
 * arch_set_info_guest()): L4 type and general; without m2p_strict,
 * fill_ro_mpt() gives a new kernel root the RO M2P slot.
 */
static int __attribute__((unused)) mm_get_root(PVMM_CTX *m, uint64_t mfn, bool kernel,
					       uint16_t d)
{
	const uint64_t *slots;
	pvmm_tab t;
	int rc = mm_get_page_and_type(m, mfn, PVMM_T_L4, d);

	if (rc)
		return rc;
	if (kernel && (slots = st_xen_slots(m, d))) {
		pvmm_fh f = st_frame(m, mfn);

		if (st_tab(m, mfn, &t) ||
		    st_ent_set(m, t, PVMM_XEN_RO_MPT_SLOT,
			       slots[PVMM_XEN_RO_MPT_SLOT - XEN_PV_FIRST_XEN_SLOT])) {
			mm_put_page_and_type(m, mfn, f);
			why(m, "L4 frame 0x%" PRIx64 ": out of memory", mfn);
			return -ENOMEM;
		}
	}
	return 0;
}

/* FIRST_RESERVED_GDT_PAGE (xen/arch/x86/include/asm/desc.h): 14 frames */
#define PVMM_GDT_FRAMES 14u

/*
 * pv_set_gdt() (xen/arch/x86/pv/descriptor-tables.c), the new frames' half:
 * at most FIRST_RESERVED_GDT_ENTRY descriptors, in ceil(@entries / 512)
 * frames, each taken as PGT_seg_desc_page (+1 general +1 type), all or none.
 * The descriptors themselves (validate_segdesc_page(), check_descriptor())
 * are not checked.  mm_gdt_put(): the release of such frames
 * (pv_destroy_gdt()).
 */
static int __attribute__((unused)) mm_gdt_get(PVMM_CTX *m, uint16_t d, const uint64_t *frames,
					      unsigned entries)
{
	unsigned i, nr = (entries + 511) / 512;

	if (entries > PVMM_GDT_FRAMES * 512) {
		why(m, "%u GDT entries: at most %u (FIRST_RESERVED_GDT_ENTRY)", entries,
		    PVMM_GDT_FRAMES * 512);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++)
		if (mm_get_page_and_type(m, frames[i], PVMM_T_SEG_DESC, d)) {
			why_ctx(m, "GDT frame %u (0x%" PRIx64 ")", i, frames[i]);
			while (i-- > 0)
				mm_put_page_and_type(m, frames[i], st_frame(m, frames[i]));
			return -EINVAL;
		}
	return 0;
}

/* Drop a reference of mm_get_page_and_type() / mm_get_root() (put_page_and_type()). */
static void __attribute__((unused)) mm_put_ref(PVMM_CTX *m, uint64_t mfn)
{
	pvmm_fh f = st_frame(m, mfn);

	if (st_fh_ok(f))
		mm_put_page_and_type(m, mfn, f);
}

static void __attribute__((unused)) mm_gdt_put(PVMM_CTX *m, const uint64_t *frames,
					       unsigned entries)
{
	for (unsigned i = 0; i < (entries + 511) / 512; i++)
		mm_put_ref(m, frames[i]);
}

#endif
