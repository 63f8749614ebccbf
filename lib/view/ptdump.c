/* SPDX-License-Identifier: MIT */
/*
 * ptdump: a whole address space as runs of equal attributes, in the style
 * of the Linux kernel's arch/x86/mm/dump_pagetables.c (note_page(): a run
 * state flushed on a change of level or attributes or at a section marker;
 * effective_prot(): USER and RW ANDed, NX ORed down the levels; check_wx()
 * reusing the same walk), plus what a Xen developer needs on top: Xen's L4
 * slots, PV frame types, and robustness against hostile tables.
 *
 * Three passes, none of which can explode:
 *
 * 1. ptgraph.c: breadth-first from the root, every table frame gets one
 *    level (the highest at which it is reached) and is read once.  An entry
 *    of level L is followed only to a table of level L-1; anything else is
 *    a linear / recursive reference, reported and not followed.
 *
 * 2. Summaries, memoised per (table, rights inherited from above): the
 *    run structure of the subtree as seen in isolation (attributes of the
 *    first and last run, number of lines), and its content (bytes and
 *    regions of each finding class, problem entries, pages by size).
 *    Concatenating two summaries is O(1): the lines and regions add up,
 *    minus one where the last run of the left one merges with the first of
 *    the right one.  A table is summarised once per distinct rights value
 *    (at most 8), so the cost is linear in the distinct table frames even
 *    when one table is linked from all 512 slots of its parent and of every
 *    ancestor (512^4 paths): those paths are never walked.
 *
 * 3. Emission and report: top-down from the root over the range, with
 *    the section markers.  A child subtree that lies inside the range and
 *    inside one section is taken from its summary in O(1) when it is a
 *    single run, or when its lines would be skipped anyway (--max-lines),
 *    or (report) when it holds no finding that still has to be listed.
 *    Otherwise it is descended, so printing costs O(lines printed) tables.
 *
 * Frame types (64-bit PV): Xen's page type of each mapped frame when the
 * source has page types (batched per table), else the level at which the
 * frame is used as a table in this address space (from pass 1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/ptdump.h>

#include "base/base.h"
#include "walk/ptgraph.h"

/* ---- packed run attributes ---------------------------------------------------- */

/*
 * bits 0-3 kind, 4-6 level, 7 "never merges", 8-16 XENPT_PTDUMP_USER...,
 * 17-20 frame type.  Two pieces merge into one run iff their words are
 * equal and the no-merge bit is clear.
 */
#define A_LEVEL_SHIFT 4
#define A_NOMERGE     (1u << 7)
#define A_FLAGS_SHIFT 8
#define A_FT_SHIFT    17

static inline uint32_t mkattr(unsigned kind, unsigned level, unsigned flags, unsigned ft,
			      bool nomerge)
{
	return (uint32_t)kind | (uint32_t)level << A_LEVEL_SHIFT | (nomerge ? A_NOMERGE : 0) |
	       (uint32_t)flags << A_FLAGS_SHIFT | (uint32_t)ft << A_FT_SHIFT;
}

static inline unsigned a_kind(uint32_t a) { return a & 0xf; }
static inline unsigned a_level(uint32_t a) { return (a >> A_LEVEL_SHIFT) & 7; }
static inline unsigned a_flags(uint32_t a) { return (a >> A_FLAGS_SHIFT) & 0x1ff; }
static inline unsigned a_ft(uint32_t a) { return (a >> A_FT_SHIFT) & 0xf; }

static inline bool mergeable(uint32_t a, uint32_t b)
{
	return a == b && !(a & A_NOMERGE);
}

/* Finding classes of a piece (C_USER: user-accessible anywhere; the report
 * keeps it only in the kernel half). */
enum { C_WX = 1u << XENPT_PTDUMP_WX, C_USER = 1u << XENPT_PTDUMP_USER_KERNEL,
       C_WPT = 1u << XENPT_PTDUMP_WRITABLE_PT };

static inline unsigned a_classes(uint32_t a)
{
	unsigned f = a_flags(a), c = 0, ft;

	if (a_kind(a) != XENPT_PTDUMP_MAPPED)
		return 0;
	if ((f & XENPT_PTDUMP_RW) && !(f & XENPT_PTDUMP_NX))
		c |= C_WX;
	if (f & XENPT_PTDUMP_USER)
		c |= C_USER;
	ft = a_ft(a);
	if ((f & XENPT_PTDUMP_RW) && ft >= XENPT_PTDUMP_FT_L1 && ft <= XENPT_PTDUMP_FT_L4)
		c |= C_WPT;
	return c;
}

static inline int a_problem(uint32_t a)
{
	switch (a_kind(a)) {
	case XENPT_PTDUMP_RESERVED: return XENPT_PTDUMP_P_RESERVED;
	case XENPT_PTDUMP_UNREADABLE: return XENPT_PTDUMP_P_UNREADABLE;
	case XENPT_PTDUMP_LINEAR: return XENPT_PTDUMP_P_LINEAR;
	case XENPT_PTDUMP_DISALLOWED: return XENPT_PTDUMP_P_DISALLOWED;
	default: return -1;
	}
}

/* ---- summaries ------------------------------------------------------------------ */

#define NCLS XENPT_PTDUMP_NR_CLASSES
#define NPROB XENPT_PTDUMP_NR_PROBLEMS
#define SUMM_NONE UINT32_MAX

struct summ {
	/* display: the runs as the dump would print them (with the level cut) */
	uint32_t first, last;       /* attributes of the first and last run */
	uint64_t lines;
	uint64_t dentries;          /* entries as displayed (a cut table entry counts 1) */
	/* content: always down to the leaves */
	uint8_t cfirst, clast;      /* classes of the first and last piece */
	uint64_t cregions[NCLS], cbytes[NCLS];
	uint64_t prob[NPROB];
	uint64_t entries;           /* terminal entries, per path */
	uint64_t mapped;            /* bytes */
	uint64_t pages[4];          /* leaf entries by level */
	uint64_t links;             /* followed table links, per path */
};

/* A summary under construction. */
struct acc {
	bool have;
	struct summ s;
};

/* @n equal pieces (n > 1 only for mergeable attributes). */
static inline void acc_display(struct acc *a, uint32_t attr, uint64_t n)
{
	if (!a->have) {
		a->s.first = attr;
		a->s.lines = 1;
	} else if (!mergeable(a->s.last, attr)) {
		a->s.lines++;
	}
	a->s.last = attr;
	a->s.dentries += n;
}

static inline void acc_display_child(struct acc *a, const struct summ *c)
{
	if (!a->have) {
		a->s.first = c->first;
		a->s.lines = c->lines;
	} else {
		a->s.lines += c->lines - (mergeable(a->s.last, c->first) ? 1 : 0);
	}
	a->s.last = c->last;
	a->s.dentries += c->dentries;
}

/* Content of @n equal pieces of @span bytes each. */
static inline void acc_content(struct acc *a, uint32_t attr, uint64_t span, uint64_t n)
{
	unsigned cls = a_classes(attr), c;
	int p;

	if (cls) {
		for (c = 0; c < NCLS; c++) {
			if (!(cls & (1u << c)))
				continue;
			a->s.cbytes[c] += span * n;
			if (!a->have || !(a->s.clast & (1u << c)))
				a->s.cregions[c]++;
		}
	}
	if (!a->have)
		a->s.cfirst = (uint8_t)cls;
	a->s.clast = (uint8_t)cls;
	a->s.entries += n;
	if (a_kind(attr) == XENPT_PTDUMP_MAPPED) {
		a->s.mapped += span * n;
		a->s.pages[a_level(attr)] += n;
	} else if ((p = a_problem(attr)) >= 0) {
		a->s.prob[p] += n;
	}
}

static inline void acc_content_child(struct acc *a, const struct summ *c)
{
	unsigned k;

	for (k = 0; k < NCLS; k++) {
		a->s.cbytes[k] += c->cbytes[k];
		a->s.cregions[k] += c->cregions[k];
		if (a->have && (a->s.clast & c->cfirst & (1u << k)))
			a->s.cregions[k]--;
	}
	for (k = 0; k < NPROB; k++)
		a->s.prob[k] += c->prob[k];
	if (!a->have)
		a->s.cfirst = c->cfirst;
	a->s.clast = c->clast;
	a->s.entries += c->entries;
	a->s.mapped += c->mapped;
	for (k = 1; k < 4; k++)
		a->s.pages[k] += c->pages[k];
	a->s.links += c->links + 1;
}

/* ---- the dump object ------------------------------------------------------------------ */

#define MAX_SECTIONS 16

struct region_list {
	uint64_t regions, bytes;
	bool open;                  /* the last piece seen was of the class */
	bool listed_open;           /* ... and its region is the last listed one */
	uint64_t open_last;
	size_t n;
	struct xenpt_ptdump_region *v;
};

struct xenpt_ptdump {
	struct xenpt_source *src;
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct ptg g;
	uint32_t root;
	unsigned cut;                /* entries of this level naming tables are not descended */
	bool ftypes, xen_types;
	uint64_t kernel_start;       /* first VA of the kernel half (0: none) */

	struct summ *s;
	uint32_t ns, scap;
	uint32_t *memo;              /* per table: 8 rights values */
	uint32_t memo_n;

	uint8_t *scopy;              /* copying sources: one table per level, summaries */
	uint8_t *ecopy;              /* ... and for emission / report */
	uint64_t frames[1024];       /* scratch: frames of one table's leaves */
	xenpt_page_type_t types[1024];

	struct xenpt_ptdump_section secs[MAX_SECTIONS];
	unsigned nsec;

	struct region_list cls[NCLS], prob[NPROB];
	struct xenpt_ptdump_report rep;

	struct xenpt_ptdump_stats st;
};

XENPT_PUBLIC const char *xenpt_ptdump_kind_name(enum xenpt_ptdump_kind kind)
{
	static const char *const n[] = {
		[XENPT_PTDUMP_MAPPED] = "mapped", [XENPT_PTDUMP_HOLE] = "hole",
		[XENPT_PTDUMP_TABLE] = "table", [XENPT_PTDUMP_XEN_SLOT] = "xen_slot",
		[XENPT_PTDUMP_RESERVED] = "reserved_bits", [XENPT_PTDUMP_UNREADABLE] = "unreadable",
		[XENPT_PTDUMP_LINEAR] = "linear", [XENPT_PTDUMP_DISALLOWED] = "disallowed_flags",
		[XENPT_PTDUMP_REPEAT] = "repeat",
	};

	if ((unsigned)kind < XENPT_ARRAY_SIZE(n) && n[kind])
		return n[kind];
	return "unknown";
}

XENPT_PUBLIC const char *xenpt_ptdump_ftype_name(enum xenpt_ptdump_ftype t)
{
	/* The names are Xen's page types' (xenpt_page_type_name(), the one table). */
	static const xenpt_page_type_t xt[] = {
		[XENPT_PTDUMP_FT_L1] = XENPT_PT_L1, [XENPT_PTDUMP_FT_L2] = XENPT_PT_L2,
		[XENPT_PTDUMP_FT_L3] = XENPT_PT_L3, [XENPT_PTDUMP_FT_L4] = XENPT_PT_L4,
		[XENPT_PTDUMP_FT_XTAB] = XENPT_PT_XTAB, [XENPT_PTDUMP_FT_BROKEN] = XENPT_PT_BROKEN,
		[XENPT_PTDUMP_FT_XALLOC] = XENPT_PT_XALLOC,
	};

	if (t == XENPT_PTDUMP_FT_NONE)
		return "";
	if ((unsigned)t < XENPT_ARRAY_SIZE(xt))
		return xenpt_page_type_name(xt[t]);
	return "?";
}

XENPT_PUBLIC const char *xenpt_ptdump_class_name(enum xenpt_ptdump_class c)
{
	static const char *const n[] = { "wx", "user_kernel", "writable_pt" };

	if ((unsigned)c < XENPT_ARRAY_SIZE(n))
		return n[c];
	return "unknown";
}

XENPT_PUBLIC const char *xenpt_ptdump_problem_name(enum xenpt_ptdump_problem p)
{
	static const char *const n[] = { "reserved_bits", "unreadable", "linear", "disallowed_flags" };

	if ((unsigned)p < XENPT_ARRAY_SIZE(n))
		return n[p];
	return "unknown";
}

XENPT_PUBLIC const char *xenpt_ptdump_level_name(enum xenpt_paging_mode mode, unsigned level)
{
	/* The kernel's names: the top level is the pgd whatever the mode. */
	static const char *const below[] = { "?", "pte", "pmd", "pud", "p4d", "pgd" };
	unsigned top = xenpt_paging_mode_levels(mode);

	if (!level || level > 5)
		return "?";
	if (level == top)
		return "pgd";
	return below[level];
}

XENPT_PUBLIC void xenpt_ptdump_opts_init(struct xenpt_ptdump_opts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->va_last = UINT64_MAX;
	ret->max_level = 1;
	ret->max_listed = 16;
}

/* Section markers: the Linux x86-64 layout (Documentation/arch/x86/x86_64/mm.rst)
 * for 4- and 5-level paging, with Xen's slots for PV. */
static void add_sec(struct xenpt_ptdump *d, uint64_t start, const char *name,
		    uint64_t max_lines)
{
	if (d->nsec < MAX_SECTIONS) {
		d->secs[d->nsec].start = start;
		d->secs[d->nsec].name = name;
		d->secs[d->nsec].max_lines = max_lines;
		d->nsec++;
	}
}

static void init_sections(struct xenpt_ptdump *d)
{
	static const struct { uint64_t va; const char *name; uint64_t max; } top[] = {
		{ 0xfffffe0000000000ull, "cpu entry area", 0 },
		{ 0xffffff0000000000ull, "espfix", 16 },
		{ 0xffffffef00000000ull, "EFI", 0 },
		{ 0xffffffff80000000ull, "kernel text", 0 },
		{ 0xffffffffa0000000ull, "modules", 0 },
		{ 0xffffffffff000000ull, "fixmap and vsyscall", 0 },
	};
	size_t i;

	add_sec(d, 0, "user", 0);
	switch (d->as.mode) {
	case XENPT_PM_4LEVEL:
		add_sec(d, 0xffff800000000000ull, d->as.pv ? "Xen reserved: L4 slots 256-271"
							   : "hypervisor hole: L4 slots 256-271", 0);
		add_sec(d, 0xffff880000000000ull, "LDT remap", 0);
		add_sec(d, 0xffff888000000000ull, "direct map", 0);
		add_sec(d, 0xffffc90000000000ull, "vmalloc", 0);
		add_sec(d, 0xffffea0000000000ull, "vmemmap", 0);
		break;
	case XENPT_PM_5LEVEL:
		add_sec(d, 0xff00000000000000ull, "hypervisor hole", 0);
		add_sec(d, 0xff10000000000000ull, "LDT remap", 0);
		add_sec(d, 0xff11000000000000ull, "direct map", 0);
		add_sec(d, 0xffa0000000000000ull, "vmalloc", 0);
		add_sec(d, 0xffd4000000000000ull, "vmemmap", 0);
		break;
	default:
		add_sec(d, 0xc0000000ull, "kernel (3G/1G split)", 0);
		return;
	}
	for (i = 0; i < XENPT_ARRAY_SIZE(top); i++)
		add_sec(d, top[i].va, top[i].name, top[i].max);
}

/* ---- frame types ------------------------------------------------------------------ */

static unsigned ftype_of_xen(xenpt_page_type_t t)
{
	switch (t) {
	case XENPT_PT_BROKEN: return XENPT_PTDUMP_FT_BROKEN;
	case XENPT_PT_XALLOC: return XENPT_PTDUMP_FT_XALLOC;
	case XENPT_PT_XTAB: return XENPT_PTDUMP_FT_XTAB;
	default:
		t &= 0x7;
		return t >= 1 && t <= 4 ? t : XENPT_PTDUMP_FT_NONE;
	}
}

/*
 * Frame types of the leaves of table @tbl (level @level) into d->types:
 * types[i] is the ftype of entry i's first frame (only leaves are set).
 */
static struct xenpt_error *table_ftypes(struct xenpt_ptdump *d, uint32_t id,
					const uint8_t *tbl, uint8_t *ft)
{
	const struct pt_geom *g = &d->g.g;
	unsigned level = d->g.t[id].level, nent = ptg_nent(&d->g, level), i, n = 0;
	uint16_t idx[1024];
	struct xenpt_error *err;

	for (i = 0; i < nent; i++) {
		uint64_t e = pt_read_entry(g, tbl, i);
		struct pt_entry de;

		ft[i] = 0;
		if (!(e & XENPT_PTE_P) || pt_is_xen_slot(g, level, i))
			continue;
		pt_decode(g, level, e, &de);
		if (pt_bad(&de) || !de.leaf)
			continue;
		if (!d->xen_types) {
			uint32_t tid = ptg_find(&d->g, de.next);

			ft[i] = tid == PTG_NONE ? 0 : d->g.t[tid].level;
			continue;
		}
		idx[n] = (uint16_t)i;
		d->frames[n++] = de.next;
	}
	if (!n)
		return NULL;
	err = xenpt_source_page_types(d->src, XENPT_SPACE_MFN, d->frames, n, d->types);
	if (err)
		return xenpt_error_prefix(err, "page types of the frames mapped by the L%u table at mfn 0x%" PRIx64,
					  level, d->g.t[id].frame);
	for (i = 0; i < n; i++)
		ft[idx[i]] = (uint8_t)ftype_of_xen(d->types[i]);
	return NULL;
}

/* ---- one entry ------------------------------------------------------------------------- */

/* What entry @idx of a table of level @level with inherited rights @rights is. */
struct piece {
	uint32_t attr;
	uint32_t child;       /* followed table (PTG_NONE if none) */
	unsigned crights;     /* the child's inherited rights */
	struct pt_entry de;
	uint64_t e;
};

#define R_RW 1u
#define R_US 2u
#define R_NX 4u
#define R_ROOT (R_RW | R_US)

static inline void decode_piece(struct xenpt_ptdump *d, unsigned level, unsigned rights,
				uint64_t e, unsigned idx, unsigned ft, struct piece *p)
{
	const struct pt_geom *g = &d->g.g;
	bool rw, us, nx;

	p->e = e;
	p->child = PTG_NONE;
	if (pt_is_xen_slot(g, level, idx)) {
		p->attr = mkattr(XENPT_PTDUMP_XEN_SLOT, level, 0, 0, false);
		return;
	}
	if (!(e & XENPT_PTE_P)) {
		p->attr = mkattr(XENPT_PTDUMP_HOLE, level, 0, 0, false);
		return;
	}
	pt_decode(g, level, e, &p->de);
	if (p->de.rsvd) {
		p->attr = mkattr(XENPT_PTDUMP_RESERVED, level, 0, 0, true);
		return;
	}
	if (p->de.disallowed) {
		/* 64-bit PV: Xen never validates it (lib/xen/pv.h) */
		p->attr = mkattr(XENPT_PTDUMP_DISALLOWED, level, 0, 0, true);
		return;
	}
	rw = (rights & R_RW) != 0;
	us = (rights & R_US) != 0;
	nx = (rights & R_NX) != 0;
	if (g->has_rw_us[level]) {
		rw = rw && (e & XENPT_PTE_RW);
		us = us && (e & XENPT_PTE_US);
	}
	if (g->nx && (e & XENPT_PTE_NX))
		nx = true;
	if (p->de.leaf) {
		unsigned f = 0;

		/* the privilege, one definition (pt_user(), lib/xen/pv.h) */
		if (pt_user(&d->as, us, e))
			f |= XENPT_PTDUMP_USER;
		if (us)
			f |= XENPT_PTDUMP_HW_USER;
		if (pt_writable(rw, us, d->as.wp))
			f |= XENPT_PTDUMP_RW;
		if (nx)
			f |= XENPT_PTDUMP_NX;
		if (e & XENPT_PTE_G)
			f |= XENPT_PTDUMP_GLB;
		if (level > 1)
			f |= XENPT_PTDUMP_PSE;
		if (e & (level == 1 ? XENPT_PTE_PSE : XENPT_PTE_PAT_LARGE))
			f |= XENPT_PTDUMP_PAT;
		if (e & XENPT_PTE_PCD)
			f |= XENPT_PTDUMP_PCD;
		if (e & XENPT_PTE_PWT)
			f |= XENPT_PTDUMP_PWT;
		p->attr = mkattr(XENPT_PTDUMP_MAPPED, level, f, ft, d->o.raw);
		return;
	}
	p->crights = (rw ? R_RW : 0) | (us ? R_US : 0) | (nx ? R_NX : 0);
	p->child = ptg_find(&d->g, p->de.next);
	if (p->child == PTG_NONE || d->g.t[p->child].level != level - 1) {
		p->attr = mkattr(XENPT_PTDUMP_LINEAR, level, 0, 0, true);
		p->child = PTG_NONE;
		return;
	}
	if (d->g.t[p->child].flags & PTG_UNREADABLE) {
		p->attr = mkattr(XENPT_PTDUMP_UNREADABLE, level, 0, 0, true);
		p->child = PTG_NONE;
		return;
	}
	/* a followed link; a TABLE piece if the level is cut here */
	/* 64-bit PV: Xen sets US in every upper entry (adjust_guest_l2e() ..
	 * adjust_guest_l4e()); the privilege is decided at the leaf, so a
	 * table entry is not "user", only its raw US is kept */
	p->attr = mkattr(XENPT_PTDUMP_TABLE, level,
			 (us && !d->as.pv ? XENPT_PTDUMP_USER : 0) | (us ? XENPT_PTDUMP_HW_USER : 0) |
			 (pt_writable(rw, us, d->as.wp) ? XENPT_PTDUMP_RW : 0) |
			 (nx ? XENPT_PTDUMP_NX : 0), 0, false);
}

/* ---- summaries: pass 2 ---------------------------------------------------------------- */

static struct xenpt_error *summ_get(struct xenpt_ptdump *d, uint32_t id, unsigned rights,
				    uint32_t *ret);

/* Read table @id into a stable place: the source's pointer, or a copy in @copies. */
static struct xenpt_error *read_table(struct xenpt_ptdump *d, uint32_t id, uint8_t *copies,
				      const uint8_t **ret, int *ferr)
{
	struct xenpt_error *err;
	const uint8_t *tbl;
	unsigned level = d->g.t[id].level;

	err = ptg_read(&d->g, id, &tbl, ferr);
	if (err || !tbl) {
		*ret = NULL;
		return err;
	}
	if (!d->g.stable) {
		uint8_t *c = copies + (size_t)level * XENPT_PAGE_SIZE;
		size_t len = (size_t)ptg_nent(&d->g, level) * d->g.g.esize;

		memcpy(c, tbl, len);
		tbl = c;
	}
	*ret = tbl;
	return NULL;
}

/*
 * The hot loop: the summary of an L1 table (not raw).  Entries are compared
 * by the bits that decide their run attributes; only where those change is
 * an entry decoded, and a stretch of equal entries is added as one group.
 * @ft holds Xen's frame types when the source has them; otherwise the
 * structural type is looked up here, behind the bloom filter.
 */
static void scan_l1(struct xenpt_ptdump *d, const uint8_t *tbl, unsigned nent, unsigned rights,
		    const uint8_t *ft, struct acc *a)
{
	const struct pt_geom *g = &d->g.g;
	const uint64_t keymask = XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_US | XENPT_PTE_PWT |
				 XENPT_PTE_PCD | XENPT_PTE_PSE | XENPT_PTE_G |
				 XENPT_PTE_GUEST_KERNEL | XENPT_PTE_NX | g->rsvd[1] | g->disallow[1];
	const bool structural = d->ftypes && !d->xen_types;
	uint64_t prevk = ~0ull, n = 0;
	unsigned prevft = ~0u, i;
	uint32_t cur = 0;

	for (i = 0; i < nent; i++) {
		uint64_t e = pt_read_entry(g, tbl, i), k = e & keymask;
		unsigned t = ft[i];

		if (structural && (e & XENPT_PTE_P)) {
			uint64_t f = g->esize == 8 ? (e & XENPT_PTE_ADDR_MASK) >> 12
						   : (e & 0xfffff000ull) >> 12;
			uint32_t tid = ptg_find(&d->g, f);

			t = tid == PTG_NONE ? 0 : d->g.t[tid].level;
		}
		if (k != prevk || t != prevft) {
			struct piece p;

			decode_piece(d, 1, rights, e, i, t, &p);
			prevk = k;
			prevft = t;
			if (n && (p.attr != cur || (cur & A_NOMERGE))) {
				acc_display(a, cur, n);
				acc_content(a, cur, XENPT_PAGE_SIZE, n);
				a->have = true;
				n = 0;
			}
			cur = p.attr;
			if (cur & A_NOMERGE) {
				/* a problem entry: alone, and the next one is decoded */
				acc_display(a, cur, 1);
				acc_content(a, cur, XENPT_PAGE_SIZE, 1);
				a->have = true;
				prevk = ~0ull;
				continue;
			}
		}
		n++;
	}
	if (n) {
		acc_display(a, cur, n);
		acc_content(a, cur, XENPT_PAGE_SIZE, n);
		a->have = true;
	}
}

static struct xenpt_error *summ_compute(struct xenpt_ptdump *d, uint32_t id, unsigned rights,
					struct summ *out, bool *unreadable)
{
	const struct pt_geom *g = &d->g.g;
	unsigned level = d->g.t[id].level, nent, i;
	struct xenpt_error *err;
	const uint8_t *tbl;
	uint8_t ft[1024];
	struct acc a;
	int ferr;

	*unreadable = false;
	err = read_table(d, id, d->scopy, &tbl, &ferr);
	if (err)
		return err;
	if (!tbl) {
		d->g.t[id].flags |= PTG_UNREADABLE;
		d->g.t[id].err = ferr;
		*unreadable = true;
		return NULL;
	}
	nent = ptg_nent(&d->g, level);
	d->st.entries_scanned += nent;
	memset(ft, 0, sizeof(ft));
	/* structural types of L1 leaves are looked up inline by scan_l1() */
	if (d->ftypes && (d->xen_types || level != 1 || d->o.raw) &&
	    (level == 1 || g->large_ok[level])) {
		err = table_ftypes(d, id, tbl, ft);
		if (err)
			return err;
	}
	memset(&a, 0, sizeof(a));
	if (level == 1 && !d->o.raw) {
		scan_l1(d, tbl, nent, rights, ft, &a);
		*out = a.s;
		return NULL;
	}
	for (i = 0; i < nent; i++) {
		struct piece p;
		uint32_t cs;

		decode_piece(d, level, rights, pt_read_entry(g, tbl, i), i, ft[i], &p);
		if (p.child == PTG_NONE) {
			acc_display(&a, p.attr, 1);
			acc_content(&a, p.attr, ptg_span(&d->g, level), 1);
			a.have = true;
			continue;
		}
		err = summ_get(d, p.child, p.crights, &cs);
		if (err)
			return err;
		if (cs == SUMM_NONE) {
			/* the child turned out unreadable (an L1 the first pass did not read) */
			uint32_t ua = mkattr(XENPT_PTDUMP_UNREADABLE, level, 0, 0, true);

			acc_display(&a, ua, 1);
			acc_content(&a, ua, ptg_span(&d->g, level), 1);
		} else {
			/* d->s may have moved: copy */
			struct summ c = d->s[cs];

			if (level == d->cut)
				acc_display(&a, p.attr, 1);
			else
				acc_display_child(&a, &c);
			acc_content_child(&a, &c);
		}
		a.have = true;
	}
	*out = a.s;
	return NULL;
}

static struct xenpt_error *summ_get(struct xenpt_ptdump *d, uint32_t id, unsigned rights,
				    uint32_t *ret)
{
	uint32_t key = id * 8 + rights;
	struct xenpt_error *err;
	struct summ s;
	bool unreadable;

	if (d->memo_n < d->g.n) {
		uint32_t *nm = realloc(d->memo, (size_t)d->g.n * 8 * sizeof(*nm));

		if (!nm)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		memset(nm + (size_t)d->memo_n * 8, 0xff, (size_t)(d->g.n - d->memo_n) * 8 * sizeof(*nm));
		d->memo = nm;
		d->memo_n = d->g.n;
	}
	if (d->memo[key] != SUMM_NONE) {
		d->st.summary_hits++;
		*ret = d->memo[key];
		return NULL;
	}
	if (d->g.t[id].flags & PTG_UNREADABLE) {
		*ret = SUMM_NONE;
		return NULL;
	}
	err = summ_compute(d, id, rights, &s, &unreadable);
	if (err)
		return err;
	if (unreadable) {
		*ret = SUMM_NONE;
		return NULL;
	}
	if (d->ns == d->scap) {
		uint32_t ncap = d->scap ? d->scap * 2 : 256;
		struct summ *n = realloc(d->s, (size_t)ncap * sizeof(*n));

		if (!n)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		d->s = n;
		d->scap = ncap;
	}
	d->s[d->ns] = s;
	d->memo[key] = d->ns;
	*ret = d->ns++;
	d->st.summaries++;
	return NULL;
}

/* ---- create / destroy --------------------------------------------------------------- */

XENPT_PUBLIC struct xenpt_error *xenpt_ptdump_create(struct xenpt_source *src,
						     const struct xenpt_aspace *as,
						     const struct xenpt_ptdump_opts *opts,
						     struct xenpt_ptdump **ret)
{
	struct xenpt_ptdump *d;
	struct xenpt_error *err;
	unsigned top, k;
	size_t max_listed;

	if (!src || !as || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_ptdump_create: NULL argument");
	d = calloc(1, sizeof(*d));
	if (!d)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	d->src = src;
	d->as = *as;
	if (opts)
		d->o = *opts;
	else
		xenpt_ptdump_opts_init(&d->o);
	err = ptg_init(&d->g, src, as);
	if (err)
		goto fail;
	top = d->g.g.top;
	if (!top) {
		err = xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					 "%s: paging is off (VA = guest-physical): there are no page tables to dump",
					 xenpt_source_describe(src));
		goto fail;
	}
	if (d->o.va_start > d->o.va_last) {
		err = xenpt_error_create(XENPT_ERR_INVALID_ARG,
					 "%s: empty range: va 0x%016" PRIx64 " above va 0x%016" PRIx64,
					 xenpt_source_describe(src), d->o.va_start, d->o.va_last);
		goto fail;
	}
	if (d->o.max_level > top) {
		err = xenpt_error_create(XENPT_ERR_INVALID_ARG,
					 "%s: level %u: %s paging has %u levels",
					 xenpt_source_describe(src), d->o.max_level,
					 xenpt_paging_mode_name(as->mode), top);
		goto fail;
	}
	d->cut = d->o.max_level >= 2 ? d->o.max_level : 0;
	d->ftypes = as->pv && !d->o.no_ftypes;
	d->xen_types = d->ftypes && (xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES) &&
		       as->space == XENPT_SPACE_MFN;
	if (as->mode == XENPT_PM_4LEVEL || as->mode == XENPT_PM_5LEVEL)
		d->kernel_start = d->g.g.va_min_high;
	init_sections(d);
	max_listed = d->o.max_listed ? d->o.max_listed : 16;
	d->o.max_listed = max_listed;
	for (k = 0; k < NCLS; k++) {
		d->cls[k].v = calloc(max_listed, sizeof(*d->cls[k].v));
		if (!d->cls[k].v) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (k = 0; k < NPROB; k++) {
		d->prob[k].v = calloc(max_listed, sizeof(*d->prob[k].v));
		if (!d->prob[k].v) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (!d->g.stable) {
		d->scopy = malloc((size_t)(top + 1) * XENPT_PAGE_SIZE);
		d->ecopy = malloc((size_t)(top + 1) * XENPT_PAGE_SIZE);
		if (!d->scopy || !d->ecopy) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	err = ptg_add_root(&d->g, as->root, &d->root);
	if (!err)
		err = ptg_build(&d->g, false, NULL, NULL);
	if (err)
		goto fail;
	d->st.tables = d->g.n;
	*ret = d;
	return NULL;
fail:
	xenpt_ptdump_destroy(d);
	return err;
}

XENPT_PUBLIC void xenpt_ptdump_destroy(struct xenpt_ptdump *d)
{
	unsigned k;

	if (!d)
		return;
	ptg_deinit(&d->g);
	free(d->s);
	free(d->memo);
	free(d->scopy);
	free(d->ecopy);
	for (k = 0; k < NCLS; k++)
		free(d->cls[k].v);
	for (k = 0; k < NPROB; k++)
		free(d->prob[k].v);
	free(d);
}

XENPT_PUBLIC void xenpt_ptdump_stats(const struct xenpt_ptdump *d, struct xenpt_ptdump_stats *ret)
{
	*ret = d->st;
	ret->tables = d->g.n;
	ret->table_reads = d->g.reads;
	ret->entries_scanned = d->st.entries_scanned + d->g.entries;
}

/* ---- the walk shared by emission and report (pass 3) ------------------------------------- */

/* Does a section start inside (@a, @b]? */
static bool crosses_marker(const struct xenpt_ptdump *d, uint64_t a, uint64_t b)
{
	unsigned i;

	for (i = 0; i < d->nsec; i++)
		if (d->secs[i].start > a && d->secs[i].start <= b)
			return true;
	return false;
}

/*
 * A top-down walk over the range.  For each entry the walker calls
 * piece() (a leaf, hole, problem or, at the cut level, a table entry), or
 * for a followed link whose subtree lies inside the range and one section,
 * try_child() which may account for the whole subtree from its summary
 * (returning true) instead of descending.
 */
struct walker {
	struct xenpt_ptdump *d;
	bool report;                 /* report walk: full depth, no cut */
	uint64_t *visits;
	struct xenpt_error *(*piece)(struct walker *w, const struct piece *p, unsigned level,
				     uint32_t table, unsigned idx, uint64_t a, uint64_t b,
				     const struct summ *cs);
	struct xenpt_error *(*try_child)(struct walker *w, const struct summ *cs, uint32_t id,
					 unsigned rights, uint64_t a, uint64_t b, bool *done);
};

static struct xenpt_error *walk_table(struct walker *w, uint32_t id, unsigned rights,
				      uint64_t base)
{
	struct xenpt_ptdump *d = w->d;
	const struct pt_geom *g = &d->g.g;
	unsigned level = d->g.t[id].level, nent, i, first, lastidx;
	uint64_t lo = d->o.va_start, hi = d->o.va_last, span = ptg_span(&d->g, level);
	struct xenpt_error *err;
	const uint8_t *tbl;
	uint8_t ft[1024];
	int ferr;

	(*w->visits)++;
	err = read_table(d, id, d->ecopy, &tbl, &ferr);
	if (err)
		return err;
	if (!tbl)
		return xenpt_error_create(XENPT_ERR_GONE,
					  "%s: L%u table at %s 0x%" PRIx64 " became unreadable while dumping",
					  xenpt_source_describe(d->src), level,
					  d->as.pv ? "mfn" : xenpt_space_name(d->as.space),
					  d->g.t[id].frame);
	nent = ptg_nent(&d->g, level);
	d->st.entries_scanned += nent;
	/* entries overlapping [lo, hi] (the top level holds both halves: scan it all) */
	first = 0;
	lastidx = nent - 1;
	if (level != g->top) {
		if (lo > base)
			first = (unsigned)((lo - base) >> g->shift[level]);
		if (hi - base < span * nent - 1)
			lastidx = (unsigned)((hi - base) >> g->shift[level]);
	}
	memset(ft, 0, sizeof(ft));
	if (d->ftypes && (level == 1 || g->large_ok[level])) {
		err = table_ftypes(d, id, tbl, ft);
		if (err)
			return err;
	}
	for (i = first; i <= lastidx && i < nent; i++) {
		uint64_t a = ptg_entry_va(&d->g, level, base, i), b = a + (span - 1);
		uint64_t ca, cb;
		struct piece p;
		uint32_t cs = SUMM_NONE;

		if (b < lo || a > hi)
			continue;
		ca = a < lo ? lo : a;
		cb = b > hi ? hi : b;
		decode_piece(d, level, rights, pt_read_entry(g, tbl, i), i, ft[i], &p);
		if (p.child != PTG_NONE) {
			err = summ_get(d, p.child, p.crights, &cs);
			if (err)
				return err;
			if (cs == SUMM_NONE) {
				p.attr = mkattr(XENPT_PTDUMP_UNREADABLE, level, 0, 0, true);
				p.child = PTG_NONE;
			}
		}
		/*
		 * At the level cut a link is shown as one TABLE run, unless a
		 * section marker falls inside it: then it is descended (one
		 * line cannot belong to two sections, and splitting it would
		 * count what lies below twice).
		 */
		if (p.child == PTG_NONE ||
		    (!w->report && d->cut && level <= d->cut && !crosses_marker(d, ca, cb))) {
			struct summ c;

			if (cs != SUMM_NONE)
				c = d->s[cs];
			err = w->piece(w, &p, level, id, i, ca, cb, cs != SUMM_NONE ? &c : NULL);
		} else {
			bool done = false;

			if (ca == a && cb == b) {
				struct summ c = d->s[cs];

				err = w->try_child(w, &c, p.child, p.crights, a, b, &done);
				if (err)
					return err;
			}
			if (done)
				continue;
			/* copying sources: the recursion only uses the copy buffers below us */
			err = walk_table(w, p.child, p.crights, a);
			if (err)
				return err;
			continue;
		}
		if (err)
			return err;
	}
	return NULL;
}

/* ---- emission ------------------------------------------------------------------------- */

struct emitter {
	struct walker w;
	xenpt_ptdump_fn fn;
	void *arg;
	uint64_t max_lines_opt;      /* as given to xenpt_ptdump_emit() */
	uint64_t max_lines;          /* the current section's limit (0: none) */
	int sec;                     /* current section, -1 before the first */
	uint64_t sec_lines;          /* runs ended in the current section */
	bool have;                   /* a pending run */
	bool printable;              /* its start and details are known */
	uint32_t attr;
	uint32_t rkey;               /* REPEAT: the subtree (table id * 8 + rights) */
	uint64_t *seen;              /* !expand: per subtree, the first VA printed in full, or 1 */
	size_t nseen;
	struct xenpt_ptdump_run run;
	uint64_t m2p_frames[512], m2p_pfns[512];
};

static struct xenpt_error *em_event(struct emitter *em, enum xenpt_ptdump_event_type type,
				    const struct xenpt_ptdump_run *run, uint64_t skipped)
{
	struct xenpt_ptdump_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.section = &em->w.d->secs[em->sec];
	ev.run = run;
	ev.skipped = skipped;
	return em->fn(em->arg, &ev);
}

static struct xenpt_error *em_flush(struct emitter *em)
{
	struct xenpt_error *err = NULL;

	if (!em->have)
		return NULL;
	if (!em->max_lines || em->sec_lines < em->max_lines) {
		if (!em->printable)
			return xenpt_error_create(XENPT_ERR_BAD_DATA, "ptdump: internal error: unprintable run");
		err = em_event(em, XENPT_PTDUMP_EV_RUN, &em->run, 0);
	}
	em->sec_lines++;
	em->have = false;
	return err;
}

static struct xenpt_error *em_end_section(struct emitter *em)
{
	struct xenpt_error *err = em_flush(em);

	if (err)
		return err;
	if (em->sec >= 0 && em->max_lines && em->sec_lines > em->max_lines)
		err = em_event(em, XENPT_PTDUMP_EV_SKIPPED, NULL, em->sec_lines - em->max_lines);
	return err;
}

/* Make the section holding @va current. */
static struct xenpt_error *em_section(struct emitter *em, uint64_t va)
{
	struct xenpt_ptdump *d = em->w.d;
	struct xenpt_error *err;
	int s = em->sec < 0 ? 0 : em->sec;

	while (s + 1 < (int)d->nsec && d->secs[s + 1].start <= va)
		s++;
	if (s == em->sec)
		return NULL;
	err = em_end_section(em);
	if (err)
		return err;
	em->sec = s;
	em->sec_lines = 0;
	em->max_lines = em->max_lines_opt == XENPT_PTDUMP_SECTION_LIMITS ? d->secs[s].max_lines
									 : em->max_lines_opt;
	return em_event(em, XENPT_PTDUMP_EV_SECTION, NULL, 0);
}

/* Start of the section after the current one, or 0 (none). */
static uint64_t em_next_start(const struct emitter *em)
{
	const struct xenpt_ptdump *d = em->w.d;

	return em->sec + 1 < (int)d->nsec ? d->secs[em->sec + 1].start : 0;
}

static void run_fill(struct xenpt_ptdump *d, struct xenpt_ptdump_run *r, uint32_t attr,
		     const struct piece *p, uint32_t table, unsigned idx, const struct summ *cs)
{
	unsigned kind = a_kind(attr);

	memset(r, 0, sizeof(*r));
	r->kind = (enum xenpt_ptdump_kind)kind;
	r->level = a_level(attr);
	r->attrs = a_flags(attr);
	r->ftype = (enum xenpt_ptdump_ftype)a_ft(attr);
	r->table = XENPT_INVALID_FRAME;
	r->frame = XENPT_INVALID_FRAME;
	r->frame_other = XENPT_INVALID_FRAME;
	if (kind == XENPT_PTDUMP_TABLE && cs)
		r->below_mapped = cs->mapped;
	if (!p || !(attr & A_NOMERGE))
		return;
	/* one entry */
	r->table = table == PTG_NONE ? XENPT_INVALID_FRAME : d->g.t[table].frame;
	r->index = idx;
	r->entry = p->e;
	switch (kind) {
	case XENPT_PTDUMP_MAPPED:
		r->frame = p->de.next;
		break;
	case XENPT_PTDUMP_RESERVED:
		r->frame = (p->e & XENPT_PTE_ADDR_MASK) >> 12;
		r->rsvd = p->de.rsvd;
		break;
	case XENPT_PTDUMP_DISALLOWED:
		r->frame = (p->e & XENPT_PTE_ADDR_MASK) >> 12;
		r->disallowed = p->de.disallowed;
		break;
	case XENPT_PTDUMP_UNREADABLE:
	case XENPT_PTDUMP_LINEAR: {
		uint32_t t = ptg_find(&d->g, p->de.next);

		r->frame = p->de.next;
		if (t != PTG_NONE) {
			r->named_level = d->g.t[t].level;
			r->err = d->g.t[t].err;
		}
		break;
	}
	default:
		break;
	}
}

/* One piece [a, b] (inside one section): merge into the pending run or start one. */
static struct xenpt_error *em_note(struct emitter *em, uint32_t attr, uint64_t a, uint64_t b,
				   uint64_t nent, const struct piece *p, uint32_t table,
				   unsigned idx, const struct summ *cs)
{
	struct xenpt_error *err;

	if (em->have && mergeable(em->attr, attr) && em->run.last + 1 == a &&
	    (a_kind(attr) != XENPT_PTDUMP_REPEAT || (p && em->rkey == p->child))) {
		em->run.last = b;
		em->run.entries += nent;
		if (cs && a_kind(attr) == XENPT_PTDUMP_TABLE)
			em->run.below_mapped += cs->mapped;
		return NULL;
	}
	err = em_flush(em);
	if (err)
		return err;
	em->have = true;
	em->printable = true;
	em->attr = attr;
	run_fill(em->w.d, &em->run, attr, p, table, idx, cs);
	if (a_kind(attr) == XENPT_PTDUMP_REPEAT && p) {
		/* p->child holds the key, p->e the first VA (see em_repeat()) */
		struct xenpt_ptdump *d = em->w.d;
		uint32_t id = p->child / 8;

		em->rkey = p->child;
		em->run.same_as = p->e;
		em->run.frame = d->g.t[id].frame;
		em->run.named_level = d->g.t[id].level;
	}
	em->run.start = a;
	em->run.last = b;
	em->run.entries = nent;
	return NULL;
}

/* A piece that may cross section markers: split it at them. */
static struct xenpt_error *em_piece_split(struct emitter *em, uint32_t attr, uint64_t a,
					  uint64_t b, uint64_t nent, const struct piece *p,
					  uint32_t table, unsigned idx, const struct summ *cs)
{
	struct xenpt_error *err;

	for (;;) {
		uint64_t next;

		err = em_section(em, a);
		if (err)
			return err;
		next = em_next_start(em);
		if (!next || b < next)
			return em_note(em, attr, a, b, nent, p, table, idx, cs);
		err = em_note(em, attr, a, next - 1, nent, p, table, idx, cs);
		if (err)
			return err;
		a = next;
		nent = 0;     /* the entry is counted in the part where it starts */
	}
}

static struct xenpt_error *em_piece(struct walker *w, const struct piece *p, unsigned level,
				    uint32_t table, unsigned idx, uint64_t a, uint64_t b,
				    const struct summ *cs)
{
	struct emitter *em = (struct emitter *)w;
	struct xenpt_ptdump *d = w->d;
	uint64_t nent = 1;

	(void)level;
	if (a_kind(p->attr) == XENPT_PTDUMP_MAPPED && (p->attr & A_NOMERGE) &&
	    d->as.pv && (xenpt_source_caps(d->src) & XENPT_CAP_M2P)) {
		/* raw PV line: the PFN of the frame */
		xenpt_mfn_t m = xenpt_mfn(p->de.next);
		xenpt_gfn_t pfn;
		struct xenpt_error *err = xenpt_source_m2p(d->src, &m, 1, &pfn);

		if (err)
			return err;
		err = em_piece_split(em, p->attr, a, b, nent, p, table, idx, cs);
		if (!err && em->have && em->printable)
			em->run.frame_other = xenpt_gfn_x(pfn);
		return err;
	}
	return em_piece_split(em, p->attr, a, b, nent, p, table, idx, cs);
}

/*
 * Without --expand: the subtree (@id, @rights) over [@a, @b] was printed in
 * full before?  Then one REPEAT piece (merged with the previous one when it
 * names the same subtree), else remember where it is printed.
 */
static struct xenpt_error *em_repeat(struct emitter *em, uint32_t id, unsigned rights,
				     uint64_t a, uint64_t b, bool *done)
{
	struct xenpt_ptdump *d = em->w.d;
	size_t key = (size_t)id * 8 + rights;
	struct piece p;

	*done = false;
	if (key >= em->nseen) {
		size_t n = (size_t)d->g.n * 8, i;
		uint64_t *ns = realloc(em->seen, n * sizeof(*ns));

		if (!ns)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		for (i = em->nseen; i < n; i++)
			ns[i] = 1;     /* no subtree starts at VA 1 */
		em->seen = ns;
		em->nseen = n;
	}
	if (em->seen[key] == 1) {
		em->seen[key] = a;
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.attr = mkattr(XENPT_PTDUMP_REPEAT, d->g.t[id].level + 1, 0, 0, false);
	p.child = (uint32_t)key;
	p.e = em->seen[key];
	*done = true;
	return em_note(em, p.attr, a, b, 1, &p, PTG_NONE, 0, NULL);
}

static struct xenpt_error *em_try_child(struct walker *w, const struct summ *cs, uint32_t id,
					unsigned rights, uint64_t a, uint64_t b, bool *done)
{
	struct emitter *em = (struct emitter *)w;
	struct xenpt_error *err;
	uint64_t next;

	*done = false;
	err = em_section(em, a);
	if (err)
		return err;
	next = em_next_start(em);
	if (next && b >= next)
		return NULL;            /* a marker inside: descend */
	if (cs->lines == 1) {
		/* one single run: no need to look inside */
		err = em_note(em, cs->first, a, b, cs->dentries, NULL, 0, 0, cs);
		*done = !err;
		return err;
	}
	if (!w->d->o.expand)
		/* repeated subtrees are one line each: descending the first
		 * occurrence of each costs O(distinct subtrees) */
		return em_repeat(em, id, rights, a, b, done);
	if (em->max_lines && em->sec_lines >= em->max_lines) {
		/* none of its lines will be printed: count them */
		bool merge = em->have && mergeable(em->attr, cs->first) && em->run.last + 1 == a;

		em->sec_lines += cs->lines - 1 + (em->have && !merge ? 1 : 0);
		em->have = true;
		em->printable = false;
		em->attr = cs->last;
		em->run.last = b;
		*done = true;
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_ptdump_emit(struct xenpt_ptdump *d, uint64_t max_lines,
						   xenpt_ptdump_fn fn, void *arg)
{
	struct emitter *em;
	struct xenpt_error *err = NULL;

	if (!d || !fn)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_ptdump_emit: NULL argument");
	em = calloc(1, sizeof(*em));
	if (!em)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	em->w.d = d;
	em->w.visits = &d->st.emit_tables;
	em->w.piece = em_piece;
	em->w.try_child = em_try_child;
	em->fn = fn;
	em->arg = arg;
	em->max_lines_opt = max_lines;
	em->sec = -1;
	if (d->g.t[d->root].flags & PTG_UNREADABLE) {
		/* the root itself: one run per canonical half */
		struct piece p;
		const struct pt_geom *g = &d->g.g;
		uint64_t halves[2][2] = { { 0, g->va_max_low }, { g->va_min_high, UINT64_MAX } };
		unsigned h;

		memset(&p, 0, sizeof(p));
		p.attr = mkattr(XENPT_PTDUMP_UNREADABLE, g->top, 0, 0, true);
		p.de.next = d->g.t[d->root].frame;
		for (h = 0; h < (g->va_min_high ? 2u : 1u) && !err; h++) {
			uint64_t a = halves[h][0] < d->o.va_start ? d->o.va_start : halves[h][0];
			uint64_t b = halves[h][1] > d->o.va_last ? d->o.va_last : halves[h][1];

			if (a <= b)
				err = em_piece_split(em, p.attr, a, b, 1, &p, PTG_NONE, 0, NULL);
		}
	} else {
		err = walk_table(&em->w, d->root, R_ROOT, 0);
	}
	if (!err && em->sec >= 0)
		err = em_end_section(em);
	free(em->seen);
	free(em);
	return err;
}

/* ---- report ---------------------------------------------------------------------------- */

struct reporter {
	struct walker w;
	uint64_t mapped, pages[4];
};

static bool in_kernel_half(const struct xenpt_ptdump *d, uint64_t va)
{
	return d->kernel_start && va >= d->kernel_start;
}

static void rl_add(struct xenpt_ptdump *d, struct region_list *rl, uint64_t a, uint64_t b,
		   uint32_t attr, const struct piece *p, uint32_t table, unsigned idx)
{
	if (rl->open && rl->open_last + 1 == a) {
		if (rl->listed_open)
			rl->v[rl->n - 1].last = b;
	} else {
		rl->regions++;
		rl->listed_open = false;
		if (rl->n < d->o.max_listed) {
			struct xenpt_ptdump_region *r = &rl->v[rl->n++];

			r->start = a;
			r->last = b;
			run_fill(d, &r->run, attr, p, table, idx, NULL);
			r->run.start = a;
			r->run.last = b;
			r->run.entries = 1;
			rl->listed_open = true;
		}
	}
	rl->open = true;
	rl->open_last = b;
}

static struct xenpt_error *rep_piece(struct walker *w, const struct piece *p, unsigned level,
				     uint32_t table, unsigned idx, uint64_t a, uint64_t b,
				     const struct summ *cs)
{
	struct reporter *r = (struct reporter *)w;
	struct xenpt_ptdump *d = w->d;
	unsigned cls = a_classes(p->attr), c;
	int pr;

	(void)cs;
	if (!in_kernel_half(d, a))
		cls &= ~C_USER;
	for (c = 0; c < NCLS; c++) {
		struct region_list *rl = &d->cls[c];

		if (cls & (1u << c)) {
			rl->bytes += b - a + 1;
			rl_add(d, rl, a, b, p->attr, p, table, idx);
		} else {
			rl->open = rl->listed_open = false;
		}
	}
	if ((pr = a_problem(p->attr)) >= 0) {
		struct region_list *rl = &d->prob[pr];

		rl->regions++;
		if (rl->n < d->o.max_listed) {
			struct xenpt_ptdump_region *g = &rl->v[rl->n++];

			g->start = a;
			g->last = b;
			run_fill(d, &g->run, p->attr, p, table, idx, NULL);
			g->run.start = a;
			g->run.last = b;
			g->run.entries = 1;
		}
	}
	if (a_kind(p->attr) == XENPT_PTDUMP_MAPPED) {
		r->mapped += b - a + 1;
		r->pages[level]++;
	}
	return NULL;
}

static struct xenpt_error *rep_try_child(struct walker *w, const struct summ *cs, uint32_t id,
					 unsigned rights, uint64_t a, uint64_t b, bool *done)
{
	struct reporter *r = (struct reporter *)w;
	struct xenpt_ptdump *d = w->d;
	unsigned c, mask = in_kernel_half(d, a) ? ~0u : ~(unsigned)C_USER;

	(void)id;
	(void)rights;
	*done = false;
	for (c = 0; c < NCLS; c++) {
		struct region_list *rl = &d->cls[c];

		if (!(mask & (1u << c)) || !cs->cregions[c])
			continue;
		if (rl->n < d->o.max_listed)
			return NULL;    /* may list some: descend */
		if (rl->listed_open && rl->open_last + 1 == a && (cs->cfirst & (1u << c)))
			return NULL;    /* extends a listed region: descend to find its end */
	}
	for (c = 0; c < NPROB; c++)
		if (cs->prob[c] && d->prob[c].n < d->o.max_listed)
			return NULL;
	/* account for the whole subtree from its summary */
	for (c = 0; c < NCLS; c++) {
		struct region_list *rl = &d->cls[c];

		if (!(mask & (1u << c)) || !cs->cregions[c]) {
			rl->open = rl->listed_open = false;
			continue;
		}
		rl->regions += cs->cregions[c];
		if (rl->open && rl->open_last + 1 == a && (cs->cfirst & (1u << c)))
			rl->regions--;
		rl->bytes += cs->cbytes[c];
		rl->open = (cs->clast & (1u << c)) != 0;
		rl->listed_open = false;
		rl->open_last = b;
	}
	for (c = 0; c < NPROB; c++)
		d->prob[c].regions += cs->prob[c];
	r->mapped += cs->mapped;
	for (c = 1; c < 4; c++)
		r->pages[c] += cs->pages[c];
	*done = true;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_ptdump_report(struct xenpt_ptdump *d,
						     const struct xenpt_ptdump_report **ret)
{
	struct reporter r;
	struct xenpt_error *err = NULL;
	unsigned k;

	if (!d || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_ptdump_report: NULL argument");
	for (k = 0; k < NCLS; k++) {
		struct xenpt_ptdump_region *v = d->cls[k].v;

		memset(&d->cls[k], 0, sizeof(d->cls[k]));
		d->cls[k].v = v;
	}
	for (k = 0; k < NPROB; k++) {
		struct xenpt_ptdump_region *v = d->prob[k].v;

		memset(&d->prob[k], 0, sizeof(d->prob[k]));
		d->prob[k].v = v;
	}
	memset(&r, 0, sizeof(r));
	r.w.d = d;
	r.w.report = true;
	r.w.visits = &d->st.report_tables;
	r.w.piece = rep_piece;
	r.w.try_child = rep_try_child;
	if (d->g.t[d->root].flags & PTG_UNREADABLE) {
		/*
		 * One problem entry (the root), listed as the space it covers
		 * within the range: one region per canonical half, as the
		 * listing shows it.
		 */
		struct region_list *rl = &d->prob[XENPT_PTDUMP_P_UNREADABLE];
		const struct pt_geom *g = &d->g.g;
		uint64_t halves[2][2] = { { 0, g->va_max_low }, { g->va_min_high, UINT64_MAX } };
		unsigned h;

		rl->regions = 1;
		for (h = 0; h < (g->va_min_high ? 2u : 1u) && rl->n < d->o.max_listed; h++) {
			uint64_t a = halves[h][0] < d->o.va_start ? d->o.va_start : halves[h][0];
			uint64_t b = halves[h][1] > d->o.va_last ? d->o.va_last : halves[h][1];
			struct xenpt_ptdump_region *v = &rl->v[rl->n];

			if (a > b)
				continue;
			rl->n++;
			memset(v, 0, sizeof(*v));
			v->start = a;
			v->last = b;
			v->run.kind = XENPT_PTDUMP_UNREADABLE;
			v->run.level = g->top;
			v->run.named_level = g->top;
			v->run.start = a;
			v->run.last = b;
			v->run.table = XENPT_INVALID_FRAME;
			v->run.frame = d->g.t[d->root].frame;
			v->run.frame_other = XENPT_INVALID_FRAME;
			v->run.err = d->g.t[d->root].err;
			v->run.entries = 1;
		}
	} else {
		err = walk_table(&r.w, d->root, R_ROOT, 0);
	}
	if (err)
		return err;
	memset(&d->rep, 0, sizeof(d->rep));
	d->rep.mapped_bytes = r.mapped;
	memcpy(d->rep.pages, r.pages, sizeof(r.pages));
	d->rep.tables = d->g.n;
	for (k = 0; k < d->g.n; k++)
		d->rep.tables_by_level[d->g.t[k].level]++;
	for (k = 0; k < NCLS; k++) {
		d->rep.cls[k].regions = d->cls[k].regions;
		d->rep.cls[k].bytes = d->cls[k].bytes;
		d->rep.cls[k].nlisted = d->cls[k].n;
		d->rep.cls[k].listed = d->cls[k].v;
		d->rep.findings += d->cls[k].regions;
	}
	for (k = 0; k < NPROB; k++) {
		d->rep.prob[k].entries = d->prob[k].regions;
		d->rep.prob[k].nlisted = d->prob[k].n;
		d->rep.prob[k].listed = d->prob[k].v;
		d->rep.findings += d->prob[k].regions;
	}
	*ret = &d->rep;
	return NULL;
}

/* ---- the table list ------------------------------------------------------------------------ */

XENPT_PUBLIC struct xenpt_error *xenpt_ptdump_tables(struct xenpt_ptdump *d,
						     struct xenpt_error *(*fn)(void *arg,
									       const struct xenpt_ptdump_table *t),
						     void *arg)
{
	const struct pt_geom *g;
	bool types, m2p;
	struct xenpt_error *err = NULL;
	uint32_t i;

	if (!d || !fn)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "xenpt_ptdump_tables: NULL argument");
	g = &d->g.g;
	types = d->as.pv && (xenpt_source_caps(d->src) & XENPT_CAP_PAGE_TYPES);
	m2p = d->as.pv && (xenpt_source_caps(d->src) & XENPT_CAP_M2P);
	for (i = 0; i < d->g.n && !err; i++) {
		struct ptg_table *t = &d->g.t[i];
		struct xenpt_ptdump_table out;

		if (t->level == 1 && !(t->flags & (PTG_READ | PTG_UNREADABLE))) {
			/* L1 tables are not read by the first pass: count them now */
			const uint8_t *tbl;
			unsigned k, nent = ptg_nent(&d->g, 1);
			int ferr;

			err = ptg_read(&d->g, i, &tbl, &ferr);
			if (err)
				break;
			t = &d->g.t[i];
			if (!tbl) {
				t->flags |= PTG_UNREADABLE;
				t->err = ferr;
			} else {
				d->st.entries_scanned += nent;
				for (k = 0; k < nent; k++) {
					uint64_t e = pt_read_entry(g, tbl, k);

					if (!(e & XENPT_PTE_P))
						continue;
					t->present++;
					if (!(e & (g->rsvd[1] | g->disallow[1])))
						t->leaves++;
				}
				t->flags |= PTG_READ;
			}
		}
		memset(&out, 0, sizeof(out));
		out.level = t->level;
		out.frame = t->frame;
		out.frame_other = XENPT_INVALID_FRAME;
		out.first_va = t->first_va;
		out.refs = t->refs;
		out.present = t->present;
		out.leaves = t->leaves;
		out.links = t->links;
		out.unreadable = t->flags & PTG_UNREADABLE;
		out.err = t->err;
		if (m2p) {
			xenpt_mfn_t m = xenpt_mfn(t->frame);
			xenpt_gfn_t p;

			err = xenpt_source_m2p(d->src, &m, 1, &p);
			if (err)
				break;
			out.frame_other = xenpt_gfn_x(p);
		}
		if (types) {
			err = xenpt_source_page_types(d->src, XENPT_SPACE_MFN, &t->frame, 1, &out.type);
			if (err)
				break;
			out.have_type = true;
		}
		err = fn(arg, &out);
	}
	return err;
}
