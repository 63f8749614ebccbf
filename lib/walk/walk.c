/* SPDX-License-Identifier: MIT */
/*
 * The x86 page-table walker: 64-bit PV (tables hold MFNs, Xen owns L4 slots
 * 256-271) and HVM in every paging mode (tables hold GFNs): 4-level,
 * 5-level, PAE, 2-level (with PSE and PSE-36) and paging off.
 *
 * Semantics: Intel SDM vol. 3A ch. 4; Xen's software walker
 * xen/arch/x86/mm/guest_walk.c (present first, then reserved bits, then the
 * rights: RW and US ANDed over the levels, NX ORed) and its reserved-bit
 * rules in xen/arch/x86/include/asm/guest_pt.h.  Unlike
 * tools/libs/ctrl/xc_pagetab.c this walker handles 5-level paging and
 * PSE-36, checks reserved bits, records every level, and reads tables
 * through the source's frame cache instead of mapping one page per level.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "base/base.h"
#include "base/htab.h"
#include "source/source_int.h"
#include "walk/walk_priv.h"

/* ---- names ---------------------------------------------------------------- */

XENPT_PUBLIC const char *xenpt_walk_end_name(enum xenpt_walk_end end)
{
	static const char *const names[] = {
		[XENPT_WALK_MAPPED] = "mapped",
		[XENPT_WALK_NOT_PRESENT] = "not_present",
		[XENPT_WALK_RESERVED] = "reserved_bits",
		[XENPT_WALK_NON_CANONICAL] = "non_canonical",
		[XENPT_WALK_XEN_SLOT] = "xen_slot",
		[XENPT_WALK_UNREADABLE] = "unreadable",
		[XENPT_WALK_DISALLOWED] = "disallowed_flags",
		[XENPT_WALK_OUTSIDE_SPACE] = "outside_address_space",
	};

	if ((unsigned)end < XENPT_ARRAY_SIZE(names))
		return names[end];
	return "unknown";
}

/* ---- address spaces -------------------------------------------------------- */

static uint64_t root_of(enum xenpt_paging_mode mode, uint64_t cr3)
{
	switch (mode) {
	case XENPT_PM_NONE:
		return 0;
	case XENPT_PM_2LEVEL:
		return (cr3 & 0xfffff000ull) >> 12;
	case XENPT_PM_PAE:
		/* The PDPT is 32-byte aligned anywhere in the frame (SDM 4.4.1). */
		return (cr3 & 0xffffffe0ull) >> 12;
	default:
		/* Bits 11:0 are flags or the PCID, 63:52 are not part of CR3's base. */
		return (cr3 & XENPT_PTE_ADDR_MASK) >> 12;
	}
}

/*
 * The physical address width entries are checked against: the source's
 * (live: Xen's CPU policy for the domain), else XENPT_PADDR_BITS_ASSUMED.
 * pt_geom_init() clamps it to 32..52.
 */
static unsigned paddr_bits_of(const struct xenpt_domain_info *info)
{
	return info->paddr_bits ? info->paddr_bits : XENPT_PADDR_BITS_ASSUMED;
}

static void aspace_pv(uint64_t cr3, enum xenpt_paging_mode mode, bool user,
		      const struct xenpt_domain_info *info, struct xenpt_aspace *as)
{
	memset(as, 0, sizeof(*as));
	as->space = XENPT_SPACE_MFN;
	as->mode = mode;
	as->cr3 = cr3;
	as->root = root_of(mode, cr3);
	as->pv = true;
	as->user = user;
	/* Xen runs PV guests with EFER.NXE when the CPU has NX, and with
	 * CR0.WP always set (guest_nx_enabled(), guest_wp_enabled()). */
	as->nxe = true;
	as->pse = true;
	as->wp = true;
	as->maxphyaddr = paddr_bits_of(info);
	as->io_caps = xen_pv_assume_io_caps(info->domid);
}

static void aspace_hvm(uint64_t cr3, enum xenpt_paging_mode mode, const struct xenpt_vcpu *v,
		       const struct xenpt_domain_info *info, struct xenpt_aspace *as)
{
	memset(as, 0, sizeof(*as));
	as->space = XENPT_SPACE_GFN;
	as->mode = mode;
	as->cr3 = cr3;
	as->root = root_of(mode, cr3);
	if (v) {
		/* Without EFER (dump-core files) assume NXE: every 64-bit and PAE
		 * OS in use sets it, and bit 63 would otherwise read as reserved. */
		as->nxe = v->efer_known ? (v->efer & EFER_NXE) != 0 : true;
		as->pse = (v->cr4 & CR4_PSE) != 0;
		as->wp = (v->cr0 & CR0_WP) != 0;
		as->mode_cr0 = v->cr0;
		as->mode_cr4 = v->cr4;
	} else {
		as->nxe = true;
		as->pse = true;
		as->wp = true;
	}
	as->maxphyaddr = paddr_bits_of(info);
}

static bool is_32bit_pv(const struct xenpt_domain_info *info)
{
	return !info->hvm && info->guest_width == 4;
}

/* A 64-bit PV guest runs on 4-level tables only: Xen never gives a PV guest
 * CR4.LA57 (pv_fixup_guest_cr4(), xen/arch/x86/pv/domain.c). */
static struct xenpt_error *pv_mode_error(struct xenpt_source *src, enum xenpt_paging_mode mode)
{
	return xenpt_error_create(XENPT_ERR_INVALID_ARG,
				  "%s: --mode %s: a 64-bit PV guest's page tables are always 4-level (Xen runs PV guests without 5-level paging)",
				  xenpt_source_describe(src), xenpt_paging_mode_name(mode));
}

XENPT_PUBLIC struct xenpt_error *xenpt_aspace_set_mode(struct xenpt_source *src,
						       struct xenpt_aspace *as,
						       enum xenpt_paging_mode mode)
{
	if (!src || !as)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_aspace_set_mode: NULL argument");
	if ((unsigned)mode > XENPT_PM_5LEVEL)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "unknown paging mode %u",
					  (unsigned)mode);
	if (as->pv && mode != XENPT_PM_4LEVEL)
		return pv_mode_error(src, mode);
	as->mode = mode;
	as->root = root_of(mode, as->cr3);
	as->mode_inferred = false;
	return NULL;
}

XENPT_PUBLIC const char *xenpt_aspace_mode_from(const struct xenpt_aspace *as, char *buf,
						size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	if (!as->mode_inferred)
		return buf;
	snprintf(buf, len, "CR0.PG=%u CR4.PAE=%u CR4.LA57=%u, no EFER in dump-core files",
		 (as->mode_cr0 & CR0_PG) ? 1u : 0u, (as->mode_cr4 & CR4_PAE) ? 1u : 0u,
		 (as->mode_cr4 & CR4_LA57) ? 1u : 0u);
	return buf;
}

XENPT_PUBLIC struct xenpt_error *xenpt_aspace_from_vcpu(struct xenpt_source *src, uint32_t vcpu,
							bool user, struct xenpt_aspace *ret)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	struct xenpt_vcpu *v;
	struct xenpt_error *err;
	struct xenpt_aspace as;

	if (is_32bit_pv(info))
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: 32-bit PV guests are not supported (only 64-bit PV and HVM)",
					  xenpt_source_describe(src));
	if (user && info->hvm)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: a separate user page table (ctrlreg[1]) exists only for 64-bit PV guests",
					  xenpt_source_describe(src));
	v = malloc(sizeof(*v));
	if (!v)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	err = xenpt_source_vcpu(src, vcpu, v);
	if (err) {
		free(v);
		return err;
	}
	if (!info->hvm) {
		uint64_t cr3 = user ? v->user_cr3 : v->cr3;

		if (!cr3) {
			if (user)
				err = xenpt_error_create(XENPT_ERR_NOT_FOUND,
							 "%s: vCPU %u has no user page table (ctrlreg[1] is 0: the guest kernel uses no separate user L4)",
							 xenpt_source_describe(src), vcpu);
			else
				err = xenpt_error_create(XENPT_ERR_NOT_FOUND,
							 "%s: vCPU %u has no page table (ctrlreg[3] is 0: vCPU offline or not started?)",
							 xenpt_source_describe(src), vcpu);
			free(v);
			return err;
		}
		/* 64-bit PV: ctrlreg[3] = xen_pfn_to_cr3_x86_64(mfn) = mfn << 12. */
		aspace_pv(cr3, XENPT_PM_4LEVEL, user, info, &as);
	} else {
		enum xenpt_paging_mode mode =
			xenpt_paging_mode_from_regs(v->cr0, v->cr4, v->efer, v->efer_known,
						    info->guest_width != 4);
		aspace_hvm(v->cr3, mode, v, info, &as);
		as.mode_inferred = !v->efer_known;
	}
	free(v);
	*ret = as;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_aspace_from_cr3(struct xenpt_source *src, uint64_t cr3,
						       enum xenpt_paging_mode mode,
						       struct xenpt_aspace *ret)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(src);
	struct xenpt_aspace as;

	if ((unsigned)mode > XENPT_PM_5LEVEL)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "unknown paging mode %u",
					  (unsigned)mode);
	if (is_32bit_pv(info))
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: 32-bit PV guests are not supported (only 64-bit PV and HVM)",
					  xenpt_source_describe(src));
	if (!info->hvm) {
		if (mode == XENPT_PM_NONE)
			mode = XENPT_PM_4LEVEL;
		if (mode != XENPT_PM_4LEVEL)
			return pv_mode_error(src, mode);
		aspace_pv(cr3, mode, false, info, &as);
	} else {
		struct xenpt_vcpu *v = NULL;
		bool inferred = false;

		if (xenpt_source_caps(src) & XENPT_CAP_VCPU) {
			struct xenpt_error *err;

			v = malloc(sizeof(*v));
			if (!v)
				return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			err = xenpt_source_vcpu(src, 0, v);
			if (err) {
				free(v);
				if (mode == XENPT_PM_NONE)
					return xenpt_error_prefix(err, "paging mode of vCPU 0 (give a mode explicitly)");
				xenpt_error_destroy(err);   /* flags default below */
				v = NULL;
			}
		} else if (mode == XENPT_PM_NONE) {
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: no vCPU state to take the paging mode from; give a mode explicitly",
						  xenpt_source_describe(src));
		}
		if (mode == XENPT_PM_NONE) {
			mode = xenpt_paging_mode_from_regs(v->cr0, v->cr4, v->efer, v->efer_known,
							   info->guest_width != 4);
			inferred = !v->efer_known;
		}
		aspace_hvm(cr3, mode, v, info, &as);
		as.mode_inferred = inferred;
		free(v);
	}
	*ret = as;
	return NULL;
}

/* ---- the walk ------------------------------------------------------------ */

static struct xenpt_error *table_error(struct xenpt_error *err, struct xenpt_source *src,
				       const struct xenpt_aspace *as, uint64_t va,
				       unsigned level, uint64_t table)
{
	return xenpt_error_prefix(err, "%s: walk of va 0x%016" PRIx64 ": L%u table at %s 0x%" PRIx64,
				  xenpt_source_describe(src), va, level,
				  as->pv ? "mfn" : xenpt_space_name(as->space), table);
}

/*
 * The walk, written once: the state between levels, one level, and the two
 * ways a walk ends, each inlined with @w or @x constant NULL, so that a walk
 * writes into a struct xenpt_walk with every step (@w) or into a struct
 * xenpt_xlate with only the translation (@x: xenpt_translate() and the
 * batch), recording nothing else.  The single walk (walk_core) and the
 * level-synchronous batch (pt_translate_batch) share every decision.
 */
struct wst {
	uint64_t table;        /* table of the next level */
	unsigned off;          /* PAE: the PDPT's offset in the root frame */
	bool rw, us, nx;       /* rights so far */
	uint64_t e;            /* the last entry read */
	struct pt_entry d;     /* and its decoding */
};

enum { STEP_NEXT, STEP_LEAF, STEP_END };

static inline void wst_init(const struct xenpt_aspace *as, const struct pt_geom *g, struct wst *s)
{
	s->table = as->root;
	s->off = g->root_off;
	s->rw = s->us = true;
	s->nx = false;
}

/* One level: the entry for @va in @page (the table s->table at @level). */
static inline __attribute__((always_inline)) int
walk_step(const struct pt_geom *g, uint64_t va, unsigned level, const uint8_t *page,
	  struct wst *s, struct xenpt_walk *w, enum xenpt_walk_end *end)
{
	unsigned idx = pt_index(g, level, va);
	uint64_t e = pt_read_entry(g, page + s->off, idx);
	struct pt_entry *d = &s->d;

	pt_decode(g, level, e, d);
	s->e = e;
	if (w) {
		struct xenpt_walk_step *st = &w->steps[w->nsteps++];

		st->level = level;
		st->table = s->table;
		st->table_other = XENPT_INVALID_FRAME;
		st->index = idx;
		st->entry_addr = (s->table << 12) + s->off + (uint64_t)idx * g->esize;
		st->entry = e;
		st->present = d->present;
		st->leaf = d->present && d->leaf;
		st->next = d->present ? d->next : XENPT_INVALID_FRAME;
		st->next_other = XENPT_INVALID_FRAME;
		st->rsvd = d->present ? d->rsvd : 0;
		st->disallowed = d->present ? d->disallowed : 0;
	}
	if (pt_is_xen_slot(g, level, idx)) {
		/* is_guest_l4_slot(): Xen's own mappings, not the guest's. */
		*end = XENPT_WALK_XEN_SLOT;
		return STEP_END;
	}
	if (!d->present) {
		*end = XENPT_WALK_NOT_PRESENT;
		return STEP_END;
	}
	if (d->rsvd) {
		*end = XENPT_WALK_RESERVED;
		return STEP_END;
	}
	if (d->disallowed) {
		*end = XENPT_WALK_DISALLOWED;
		return STEP_END;
	}
	if (g->has_rw_us[level]) {
		s->rw = s->rw && (e & XENPT_PTE_RW);
		s->us = s->us && (e & XENPT_PTE_US);
	}
	if (g->nx && (e & XENPT_PTE_NX))
		s->nx = true;
	if (d->leaf)
		return STEP_LEAF;
	if (level == 1) {   /* unreachable: L1 entries are leaves */
		*end = XENPT_WALK_RESERVED;
		return STEP_END;
	}
	s->table = d->next;
	s->off = 0;
	return STEP_NEXT;
}

/*
 * The result of a walk of @va that ended in a mapping at @level: the leaf
 * entry @e maps @size bytes from frame @base; @rw, @us: the rights folded
 * over every level, @nx: NX seen on any level (and honoured).  The one fill
 * of both result forms, for the general walk, the fast path and the batch.
 */
static inline __attribute__((always_inline)) void
mapped_result(const struct xenpt_aspace *as, uint64_t va, unsigned level, uint64_t size,
	      uint64_t base, uint64_t e, bool rw, bool us, bool nx,
	      struct xenpt_walk *w, struct xenpt_xlate *x)
{
	uint64_t frame = base + ((va & (size - 1)) >> 12);

	if (w) {
		w->va = va;
		w->end = XENPT_WALK_MAPPED;
		w->end_level = level;
		w->end_errno = 0;
		w->page_size = size;
		w->frame = frame;
		w->addr = (frame << 12) | (va & 0xfff);
		w->writable = pt_writable(rw, us, as->wp);
		w->hw_user = us;
		w->user = pt_user(as, us, e);
		w->guest_kernel = as->pv && (e & XEN_PV_PAGE_GUEST_KERNEL);
		w->nx = nx;
		w->global = (e & XENPT_PTE_G) != 0;
		w->accessed = (e & XENPT_PTE_A) != 0;
		w->dirty = (e & XENPT_PTE_D) != 0;
	} else {
		x->va = va;
		x->end = XENPT_WALK_MAPPED;
		x->end_level = level;
		x->end_errno = 0;
		x->page_size = size;
		x->page_va = va & ~(size - 1);
		x->frame = frame;
		x->addr = (frame << 12) | (va & 0xfff);
		x->writable = pt_writable(rw, us, as->wp);
		x->user = pt_user(as, us, e);
		x->hw_user = us;
		x->nx = nx;
		x->cached = false;
	}
}

/* The walk of @va ended in a mapping at @level (s->e the leaf entry). */
static inline __attribute__((always_inline)) void
walk_mapped(const struct xenpt_aspace *as, uint64_t va, unsigned level, const struct wst *s,
	    struct xenpt_walk *w, struct xenpt_xlate *x)
{
	mapped_result(as, va, level, 1ull << s->d.page_shift, s->d.next, s->e, s->rw, s->us, s->nx,
		      w, x);
}

/* The walk of @va ended without a mapping. */
static inline __attribute__((always_inline)) void
walk_unmapped(uint64_t va, enum xenpt_walk_end end, unsigned end_level, int ferr,
	      struct xenpt_walk *w, struct xenpt_xlate *x)
{
	if (w) {
		w->end = end;
		w->end_level = end_level;
		w->end_errno = end == XENPT_WALK_UNREADABLE ? ferr : 0;
	} else {
		x->va = va;
		x->page_size = x->page_va = x->frame = x->addr = 0;
		x->writable = x->user = x->nx = x->cached = x->hw_user = false;
		x->end = end;
		x->end_level = end_level;
		x->end_errno = end == XENPT_WALK_UNREADABLE ? ferr : 0;
	}
}

/* Outcomes decided before any table is read: true if @va had one. */
static inline __attribute__((always_inline)) bool
walk_trivial(const struct pt_geom *g, uint64_t va, struct xenpt_walk *w, struct xenpt_xlate *x)
{
	if (!pt_canonical(g, va)) {
		walk_unmapped(va, pt_outside_space(g) ? XENPT_WALK_OUTSIDE_SPACE
						      : XENPT_WALK_NON_CANONICAL, g->top, 0, w, x);
		return true;
	}
	if (g->top)
		return false;
	/* Paging off: linear = guest-physical. */
	if (w) {
		w->end = XENPT_WALK_MAPPED;
		w->end_level = 0;
		w->page_size = XENPT_PAGE_SIZE;
		w->frame = va >> 12;
		w->addr = va;
		w->writable = w->user = w->hw_user = true;
		w->nx = w->global = w->accessed = w->dirty = w->guest_kernel = false;
	} else {
		x->va = va;
		x->end = XENPT_WALK_MAPPED;
		x->end_level = 0;
		x->end_errno = 0;
		x->page_size = XENPT_PAGE_SIZE;
		x->page_va = va & ~0xfffull;
		x->frame = va >> 12;
		x->addr = va;
		x->writable = x->user = x->hw_user = true;
		x->nx = x->cached = false;
	}
	return true;
}

static struct xenpt_error *interrupted(struct xenpt_source *src, const struct xenpt_aspace *as,
				       const struct pt_geom *g, uint64_t va)
{
	return table_error(xenpt_error_create(XENPT_ERR_INTERRUPTED, "interrupted"), src, as, va,
			   g->top, as->root);
}

/*
 * One walk.  Per level the table comes from the source's frame-pointer memo
 * when the source is stable (one compare: xenpt_source_frame_fast()), else
 * from the frame cache.  An interrupt (xenpt_source_set_interrupt()) is
 * checked once per walk, as the frame cache checks it once per read.
 */
static inline __attribute__((always_inline)) struct xenpt_error *
walk_core(struct xenpt_source *src, const struct xenpt_aspace *as, const struct pt_geom *g,
	  uint64_t va, struct xenpt_walk *w, struct xenpt_xlate *x)
{
	enum xenpt_walk_end end = XENPT_WALK_MAPPED;
	struct wst s;
	unsigned level;

	if (w) {
		w->va = va;
		w->nsteps = 0;
		w->end_errno = 0;
	}
	if (walk_trivial(g, va, w, x))
		return NULL;
	if (src->intr && *src->intr)
		return interrupted(src, as, g, va);
	wst_init(as, g, &s);
	for (level = g->top;; level--) {
		const uint8_t *page = xenpt_source_frame_fast(src, as->space, s.table);
		int r;

		if (__builtin_expect(!page, 0)) {
			struct xenpt_error *err = NULL;
			int ferr = 0;

			page = xenpt_source_frame_slow(src, as->space, s.table, &ferr, &err);
			if (err)
				return table_error(err, src, as, va, level, s.table);
			if (!page) {
				walk_unmapped(va, XENPT_WALK_UNREADABLE, level, ferr, w, x);
				return NULL;
			}
		}
		r = walk_step(g, va, level, page, &s, w, &end);
		if (r == STEP_LEAF) {
			walk_mapped(as, va, level, &s, w, x);
			return NULL;
		}
		if (r == STEP_END) {
			walk_unmapped(va, end, level, 0, w, x);
			return NULL;
		}
	}
}

/*
 * The common case, and nothing else: a stable source whose memo holds every
 * table, 4- or 5-level paging (8-byte entries, 9 index bits per level), and
 * a walk that ends in a mapping without a reserved or disallowed bit and
 * outside Xen's slots.  Per level: one or two compares for the table's
 * pointer, one load for the entry, one test of the bits that would end the
 * walk otherwise.  Anything else returns false and the general walk
 * (walk_core) starts again and decides, so every outcome, reason and rights
 * bit is the general walk's.  Like walk_core, instantiated with @w (every
 * step) or @x (the translation only).
 */
static inline __attribute__((always_inline)) bool
walk_fast(const struct xenpt_source *src, const struct xenpt_aspace *as, const struct pt_geom *g,
	  uint64_t va, struct xenpt_walk *w, struct xenpt_xlate *x)
{
	const struct src_fp *fp = xenpt_source_fp(src, as->space);
	uint64_t table = as->root, e, all = ~0ull, any = 0;
	unsigned level = g->top;
	bool leaf;

	if (!fp || g->esize != 8 || level < 4 || !pt_canonical(g, va) ||
	    pt_is_xen_slot(g, level, pt_index(g, level, va)))
		return false;
	if (w)
		w->nsteps = 0;
	for (;; level--) {
		const uint8_t *page = src_fp_find(fp, table);
		unsigned off;
		uint64_t bad, next;

		if (__builtin_expect(!page, 0))
			return false;
		off = (unsigned)(va >> (9 * level)) & (511u << 3);
		memcpy(&e, page + off, 8);
		all &= e;
		any |= e;
		leaf = level == 1 || (g->large_ok[level] && (e & XENPT_PTE_PSE));
		bad = g->rsvd[level] | g->disallow[level] | (leaf ? g->rsvd_large[level] : 0);
		if (__builtin_expect(!(e & XENPT_PTE_P) || (e & bad), 0))
			return false;
		next = (e & XENPT_PTE_ADDR_MASK & ~((leaf ? 1ull << (3 + 9 * level) : 1) - 1)) >> 12;
		if (w) {
			struct xenpt_walk_step *st = &w->steps[w->nsteps++];

			st->level = level;
			st->table = table;
			st->table_other = XENPT_INVALID_FRAME;
			st->index = off >> 3;
			st->entry_addr = (table << 12) + off;
			st->entry = e;
			st->present = true;
			st->leaf = leaf;
			st->next = next;
			st->next_other = XENPT_INVALID_FRAME;
			st->rsvd = 0;
			st->disallowed = 0;
		}
		if (leaf)
			break;
		table = next;
	}
	{
		uint64_t size = 1ull << (3 + 9 * level);   /* 4K, 2M, 1G */

		mapped_result(as, va, level, size, (e & XENPT_PTE_ADDR_MASK & ~(size - 1)) >> 12, e,
			      all & XENPT_PTE_RW, all & XENPT_PTE_US, g->nx && (any & XENPT_PTE_NX), w, x);
	}
	return true;
}

/* The general walks, out of line: the fast path stays small. */
static __attribute__((noinline)) struct xenpt_error *
walk_slow(struct xenpt_source *src, const struct xenpt_aspace *as, const struct pt_geom *g,
	  uint64_t va, struct xenpt_walk *w)
{
	return walk_core(src, as, g, va, w, NULL);
}

static __attribute__((noinline)) struct xenpt_error *
translate_slow(struct xenpt_source *src, const struct xenpt_aspace *as, const struct pt_geom *g,
	       uint64_t va, struct xenpt_xlate *x)
{
	return walk_core(src, as, g, va, NULL, x);
}

struct xenpt_error *pt_walk(struct xenpt_source *src, const struct xenpt_aspace *as,
			    const struct pt_geom *g, uint64_t va, struct xenpt_walk *w)
{
	if (walk_fast(src, as, g, va, w, NULL))
		return NULL;
	return walk_slow(src, as, g, va, w);
}

struct xenpt_error *pt_translate(struct xenpt_source *src, const struct xenpt_aspace *as,
				 const struct pt_geom *g, uint64_t va, struct xenpt_xlate *x)
{
	if (walk_fast(src, as, g, va, NULL, x))
		return NULL;
	return translate_slow(src, as, g, va, x);
}

/* ---- many addresses ------------------------------------------------------- */

#define LANES 8

/*
 * Stable source, 4/5-level: translate_fast() for LANES addresses at a time,
 * level by level, so that the entry loads of different addresses overlap
 * (they are independent; one address's are not).  A lane that leaves the
 * common case is finished by pt_translate(), which decides everything.
 */
static struct xenpt_error *batch_stable(struct xenpt_source *src, const struct xenpt_aspace *as,
					const struct pt_geom *g, const xenpt_va_t *vas, size_t n,
					struct xenpt_xlate *ret)
{
	const struct src_fp *fp = xenpt_source_fp(src, as->space);
	size_t i;

	for (i = 0; i < n; i += LANES) {
		uint64_t va[LANES], tab[LANES], e[LANES], all[LANES], any[LANES];
		unsigned lvl[LANES], j, k = n - i < LANES ? (unsigned)(n - i) : LANES, level;
		bool live[LANES], done[LANES], more = false;

		for (j = 0; j < k; j++) {
			va[j] = xenpt_va_x(vas[i + j]);
			tab[j] = as->root;
			all[j] = ~0ull;
			any[j] = 0;
			done[j] = false;
			live[j] = pt_canonical(g, va[j]) &&
				  !pt_is_xen_slot(g, g->top, pt_index(g, g->top, va[j]));
			more |= live[j];
		}
		for (level = g->top; more && level >= 1; level--) {
			more = false;
			for (j = 0; j < k; j++) {
				const uint8_t *page;
				uint64_t ent, bad;

				if (!live[j])
					continue;
				page = src_fp_find(fp, tab[j]);
				if (!page) {
					live[j] = false;
					continue;
				}
				memcpy(&ent, page + ((va[j] >> (9 * level)) & (511u << 3)), 8);
				all[j] &= ent;
				any[j] |= ent;
				e[j] = ent;
				if (level == 1 || (g->large_ok[level] && (ent & XENPT_PTE_PSE))) {
					bad = level == 1 ? g->rsvd[1] : g->rsvd[level] | g->rsvd_large[level];
					live[j] = false;
					done[j] = (ent & XENPT_PTE_P) && !(ent & (bad | g->disallow[level]));
					lvl[j] = level;
					continue;
				}
				if (!(ent & XENPT_PTE_P) || (ent & (g->rsvd[level] | g->disallow[level]))) {
					live[j] = false;
					continue;
				}
				tab[j] = (ent & XENPT_PTE_ADDR_MASK) >> 12;
				more = true;
			}
		}
		for (j = 0; j < k; j++) {
			struct xenpt_xlate *x = &ret[i + j];

			if (!done[j]) {
				struct xenpt_error *err = pt_translate(src, as, g, va[j], x);

				if (err)
					return err;
				continue;
			}
			{
				uint64_t size = 1ull << (3 + 9 * lvl[j]);

				mapped_result(as, va[j], lvl[j], size,
					      (e[j] & XENPT_PTE_ADDR_MASK & ~(size - 1)) >> 12, e[j],
					      all[j] & XENPT_PTE_RW, all[j] & XENPT_PTE_US,
					      g->nx && (any[j] & XENPT_PTE_NX), NULL, x);
			}
		}
	}
	return NULL;
}

static uint64_t batch_frame_hash(const struct htab *h, void *ctx, uint32_t u)
{
	const uint64_t *frames = ctx;

	return htab_hash(&h->seed, frames[u]);
}

/*
 * Copying source (or any other): level-synchronous.  At each level the
 * distinct tables the unfinished walks need are read in ONE
 * xenpt_source_get_frames() call, so the frame cache fetches the missing
 * ones in one backend call (one foreign map, live); the pointers of that
 * call are used up before the next.  Each address then takes walk_step(),
 * the single walk's own decision.
 */
static struct xenpt_error *batch_levels(struct xenpt_source *src, const struct xenpt_aspace *as,
					const struct pt_geom *g, const xenpt_va_t *vas, size_t n,
					struct xenpt_xlate *ret)
{
	struct wst *st = malloc(n * sizeof(*st));
	size_t *act = malloc(n * sizeof(*act));
	uint32_t *slot = malloc(n * sizeof(*slot));
	uint64_t *frames = malloc(n * sizeof(*frames));
	const uint8_t **pages = malloc(n * sizeof(*pages));
	int *errs = malloc(n * sizeof(*errs));
	struct htab tab = { 0 };   /* the level's distinct tables (guest-chosen frames: keyed) */
	size_t nact = 0, i;
	struct xenpt_error *err = NULL;
	unsigned level;

	if (!st || !act || !slot || !frames || !pages || !errs || !htab_init(&tab, n, 50)) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (walk_trivial(g, xenpt_va_x(vas[i]), NULL, &ret[i]))
			continue;
		wst_init(as, g, &st[i]);
		act[nact++] = i;
	}
	if (nact && src->intr && *src->intr) {
		err = interrupted(src, as, g, xenpt_va_x(vas[act[0]]));
		goto out;
	}
	for (level = g->top; nact; level--) {
		size_t nf = 0, keep = 0;

		htab_clear(&tab);
		for (i = 0; i < nact; i++) {
			uint64_t t = st[act[i]].table, hv = htab_hash(&tab.seed, t);
			struct htab_probe p;
			uint32_t u;

			for (u = htab_first(&tab, hv, &p); u != HTAB_NONE; u = htab_next(&tab, &p))
				if (frames[u] == t)
					break;
			if (u == HTAB_NONE) {
				u = (uint32_t)nf;
				frames[nf++] = t;
				if (!htab_insert(&tab, hv, u, batch_frame_hash, frames)) {
					err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
					goto out;
				}
			}
			slot[act[i]] = u;
		}
		err = xenpt_source_get_frames(src, as->space, frames, nf, pages, errs);
		if (err) {
			err = table_error(err, src, as, xenpt_va_x(vas[act[0]]), level, frames[0]);
			goto out;
		}
		for (i = 0; i < nact; i++) {
			size_t v = act[i];
			uint64_t va = xenpt_va_x(vas[v]);
			const uint8_t *page = pages[slot[v]];
			enum xenpt_walk_end end = XENPT_WALK_MAPPED;
			int r;

			if (!page) {
				walk_unmapped(va, XENPT_WALK_UNREADABLE, level, errs[slot[v]], NULL, &ret[v]);
				continue;
			}
			r = walk_step(g, va, level, page, &st[v], NULL, &end);
			if (r == STEP_LEAF)
				walk_mapped(as, va, level, &st[v], NULL, &ret[v]);
			else if (r == STEP_END)
				walk_unmapped(va, end, level, 0, NULL, &ret[v]);
			else
				act[keep++] = v;
		}
		nact = keep;
	}
out:
	free(st);
	free(act);
	free(slot);
	free(frames);
	free(pages);
	free(errs);
	htab_free(&tab);
	return err;
}

struct xenpt_error *pt_translate_batch(struct xenpt_source *src, const struct xenpt_aspace *as,
				       const struct pt_geom *g, const xenpt_va_t *vas, size_t n,
				       struct xenpt_xlate *ret)
{
	size_t i;

	if (!n)
		return NULL;
	if (src->fp && g->esize == 8 && g->top >= 4)
		return batch_stable(src, as, g, vas, n, ret);
	if (src->fp) {
		for (i = 0; i < n; i++) {
			struct xenpt_error *err = pt_translate(src, as, g, xenpt_va_x(vas[i]), &ret[i]);

			if (err)
				return err;
		}
		return NULL;
	}
	return batch_levels(src, as, g, vas, n, ret);
}

/*
 * Label every frame of the walk in the other space in ONE batched lookup:
 * PV MFNs get their PFN from the M2P; HVM GFNs get an MFN when the source
 * has a P2M for them.  Sources without either leave XENPT_INVALID_FRAME.
 * An immutable source (a core file) keeps the labels of table frames in its
 * frame-pointer memo, so a walk through known tables looks up only its
 * data frame.
 */
static struct xenpt_error *label_walk(struct xenpt_source *src, struct xenpt_walk *w)
{
	uint64_t in[PT_MAX_LEVELS + 2], out[PT_MAX_LEVELS + 2], ask[PT_MAX_LEVELS + 2];
	uint64_t back[PT_MAX_LEVELS + 2];
	struct src_fp *memo[PT_MAX_LEVELS + 2] = { NULL };
	unsigned caps = xenpt_source_caps(src), n = 0, i, last_next = 0, frame_at = 0, nask = 0;
	unsigned where[PT_MAX_LEVELS + 2];
	bool have_next = false, have_frame = false;
	struct xenpt_error *err;

	_Static_assert(sizeof(xenpt_mfn_t) == sizeof(uint64_t) &&
		       sizeof(xenpt_gfn_t) == sizeof(uint64_t), "typed frames are plain u64s");
	if (w->as.space == XENPT_SPACE_MFN ? !(caps & XENPT_CAP_M2P) : !(caps & XENPT_CAP_P2M))
		return NULL;
	for (i = 0; i < w->nsteps; i++)
		in[n++] = w->steps[i].table;
	if (w->nsteps && w->steps[w->nsteps - 1].next != XENPT_INVALID_FRAME) {
		last_next = n;
		in[n++] = w->steps[w->nsteps - 1].next;
		have_next = true;
	}
	if (w->end == XENPT_WALK_MAPPED) {
		if (have_next && in[last_next] == w->frame) {
			frame_at = last_next;     /* a 4K leaf: the same frame */
		} else {
			frame_at = n;
			in[n++] = w->frame;
		}
		have_frame = true;
	}
	if (!n)
		return NULL;
	for (i = 0; i < n; i++) {
		if (src->immutable && i < w->nsteps) {
			memo[i] = src_fp_entry(src, w->as.space, in[i]);
			if (memo[i] && memo[i]->label != SRC_FP_NO_LABEL) {
				out[i] = memo[i]->label;
				continue;
			}
		}
		where[nask] = i;
		ask[nask++] = in[i];
	}
	if (nask) {
		if (w->as.space == XENPT_SPACE_MFN)
			err = xenpt_source_m2p(src, (const xenpt_mfn_t *)ask, nask, (xenpt_gfn_t *)back);
		else
			err = xenpt_source_p2m(src, (const xenpt_gfn_t *)ask, nask, (xenpt_mfn_t *)back);
		if (err)
			return xenpt_error_prefix(err, "%s: labels for the walk of va 0x%016" PRIx64,
						  xenpt_source_describe(src), w->va);
		for (i = 0; i < nask; i++) {
			out[where[i]] = back[i];
			if (memo[where[i]])
				memo[where[i]]->label = back[i];
		}
	}
	for (i = 0; i < w->nsteps; i++) {
		w->steps[i].table_other = out[i];
		if (i + 1 < w->nsteps)
			w->steps[i].next_other = out[i + 1];
	}
	if (have_next)
		w->steps[w->nsteps - 1].next_other = out[last_next];
	if (have_frame)
		w->frame_other = out[frame_at];
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_walk_va(struct xenpt_source *src, const struct xenpt_aspace *as,
					       xenpt_va_t va, struct xenpt_walk *ret)
{
	struct xenpt_walk w;
	const struct pt_geom *g;
	struct xenpt_error *err;
	unsigned i;

	if (!src || !as || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_walk_va: NULL argument");
	g = pt_geom_get(as);
	if (!g)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: unknown paging mode %u",
					  xenpt_source_describe(src), (unsigned)as->mode);
	/* No memset of the whole record: pt_walk() sets what it uses, the
	 * rest is cleared here, and only the steps taken are copied out. */
	w.as = *as;
	w.page_size = w.frame = w.addr = 0;
	w.frame_other = XENPT_INVALID_FRAME;
	w.writable = w.user = w.nx = w.global = w.accessed = w.dirty = false;
	w.hw_user = w.guest_kernel = false;
	err = pt_walk(src, as, g, xenpt_va_x(va), &w);
	if (!err)
		err = label_walk(src, &w);
	if (err)
		return err;
	ret->va = w.va;
	ret->as = w.as;
	ret->nsteps = w.nsteps;
	for (i = 0; i < w.nsteps; i++)
		ret->steps[i] = w.steps[i];
	if (w.nsteps < XENPT_ARRAY_SIZE(w.steps))
		memset(&ret->steps[w.nsteps], 0,
		       (XENPT_ARRAY_SIZE(w.steps) - w.nsteps) * sizeof(w.steps[0]));
	ret->end = w.end;
	ret->end_level = w.end_level;
	ret->end_errno = w.end_errno;
	ret->page_size = w.page_size;
	ret->frame = w.frame;
	ret->frame_other = w.frame_other;
	ret->addr = w.addr;
	ret->writable = w.writable;
	ret->user = w.user;
	ret->nx = w.nx;
	ret->global = w.global;
	ret->accessed = w.accessed;
	ret->dirty = w.dirty;
	ret->hw_user = w.hw_user;
	ret->guest_kernel = w.guest_kernel;
	return NULL;
}
