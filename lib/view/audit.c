/* SPDX-License-Identifier: MIT */
/*
 * xenpt audit: page types, pins and references of a 64-bit PV domain
 * against Xen's rules (include/xenpt/audit.h).
 *
 * One traversal (lib/ptgraph.c) from every vCPU's kernel and user L4, then
 * from the tables Xen reports as pinned or validated that those roots do
 * not reach.  Every present entry of every table is classified ONCE by
 * xen_pv_entry_ref() (lib/xen/pv.h): L1 tables as ptg_build() visits them
 * (every table frame is known by then), upper tables afterwards, when the
 * writable mappings of every frame are counted (an upper entry naming a
 * frame mapped writable is refused by Xen).  State is kept per "audited"
 * frame only (tables, Xen-typed frames, GDT frames, the frame asked about):
 * data frames cost a bloom-filter probe per entry, nothing more.
 *
 * Xen sources: xen/arch/x86/mm.c (get_page_from_l1e..l4e, the linear
 * page-table rule, init_xen_l4_slots, do_mmuext_op pins, new_guest_cr3),
 * xen/arch/x86/pv/descriptor-tables.c (GDT frames: PGT_seg_desc_page),
 * xen/arch/x86/domctl.c (XEN_DOMCTL_getpageframeinfo3).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/audit.h>

#include "base/htab.h"
#include "source/source_int.h"
#include "walk/ptgraph.h"
#include "xen/pv.h"

#define NO_REC UINT32_MAX
#define REC_BLOOM_BITS 20
#define REC_BLOOM_MASK ((1ull << REC_BLOOM_BITS) - 1)

enum {
	R_XEN   = 1u << 0,   /* xen type known */
	R_GDT   = 1u << 1,
	R_FOCUS = 1u << 2,
	R_ROOT  = 1u << 3,
};

struct rec {
	uint64_t frame;
	uint32_t ptg;            /* graph id or PTG_NONE */
	uint8_t xen;             /* Xen's type word (R_XEN) */
	uint8_t flags;
	uint8_t want;            /* bit L: a holder takes it as an L<L> (root, child, linear,
				    or a wrong-type entry where an L<L> belongs) */
	uint32_t parents, roots, linear_uses, linear_entries, self_entries, gdt_uses, refused;
	uint64_t rw_maps, ro_maps;
};

/* host-wide: which domain owns an MFN (open addressing) */
struct owners {
	struct htab_map map;     /* mfn -> domain index | level of the frame in its owner's tables << 24 */
	const bool *dying;
	const uint32_t *domids;
	/* round 1 with a dying domain: MFNs entries name that no P2M owns */
	uint64_t *unowned;
	size_t nunowned, uncap;
};

struct xenpt_audit {
	struct xenpt_source *src;
	struct xenpt_audit_opts o;
	struct xenpt_audit_summary sum;
	uint32_t domid;
	bool types;
	struct ptg g;
	bool g_init;

	struct rec *r;
	uint32_t nr, rcap;
	struct htab ht;          /* frame -> rec index (lib/base/htab.h) */
	uint64_t *bloom;
	uint32_t synced;         /* graph ids below this have a rec */

	struct xenpt_audit_finding *f;
	size_t nf, fcap;
	struct xenpt_audit_holder *h;
	size_t nh, hcap;

	uint32_t *upper;         /* upper tables, classified after the L1s */
	size_t nupper, upcap;

	/* host-wide */
	const struct owners *own;
	struct owners *collect;  /* round 1: only collect unowned MFNs into it */
	uint32_t self_idx;
	struct xenpt_error *cb_err;
};

/* ---- names ------------------------------------------------------------------------------- */

XENPT_PUBLIC const char *xenpt_audit_code_name(enum xenpt_audit_code code)
{
	static const char *const n[] = {
		[XENPT_AUDIT_ORPHAN] = "orphan-table",
		[XENPT_AUDIT_WRONG_TYPE] = "wrong-type-child",
		[XENPT_AUDIT_RW_TABLE] = "rw-table-mapping",
		[XENPT_AUDIT_BAD_FLAGS] = "disallowed-flags",
		[XENPT_AUDIT_LINEAR_RW] = "linear-rw",
		[XENPT_AUDIT_LINEAR_BOTH] = "linear-chain",
		[XENPT_AUDIT_LINEAR_FOREIGN] = "linear-cross-domain",
		[XENPT_AUDIT_PIN_TYPE] = "pin-wrong-type",
		[XENPT_AUDIT_XEN_SLOT] = "xen-slot-differs",
		[XENPT_AUDIT_TYPE_MISMATCH] = "type-mismatch",
		[XENPT_AUDIT_COUNT_LOW] = "count-below-holders",
		[XENPT_AUDIT_UNREADABLE] = "unreadable-table",
		[XENPT_AUDIT_FOREIGN_TABLE] = "cross-domain-table",
		[XENPT_AUDIT_FOREIGN_MAP] = "cross-domain-mapping",
		[XENPT_AUDIT_DYING_REF] = "dying-domain-reference",
	};
	return (unsigned)code < XENPT_ARRAY_SIZE(n) && n[code] ? n[code] : "?";
}

XENPT_PUBLIC const char *xenpt_audit_type_name(enum xenpt_audit_type t)
{
	static const char *const n[] = { "none", "l1", "l2", "l3", "l4", "seg_desc", "writable" };
	return (unsigned)t < XENPT_ARRAY_SIZE(n) ? n[t] : "?";
}

XENPT_PUBLIC const char *xenpt_audit_holder_name(enum xenpt_audit_holder_kind k)
{
	static const char *const n[] = { "pin", "parent", "vcpu-root", "linear", "self",
					 "map-rw", "map-ro", "gdt", "refused" };
	return (unsigned)k < XENPT_ARRAY_SIZE(n) ? n[k] : "?";
}

XENPT_PUBLIC void xenpt_audit_opts_init(struct xenpt_audit_opts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->frame = XENPT_INVALID_FRAME;
}

/* Table level of a page type word (0: not a table), and its pin bit. */
static unsigned xt_level(uint8_t t)
{
	if (t >= XENPT_PT_L1 && t <= XENPT_PT_L4)
		return t;
	if (t >= (XENPT_PT_PINNED | XENPT_PT_L1) && t <= (XENPT_PT_PINNED | XENPT_PT_L4))
		return t & 7u;
	return 0;
}

static bool xt_pinned(uint8_t t)
{
	return (t & XENPT_PT_PINNED) && t < XENPT_PT_BROKEN;
}

/* ---- the audited frames ---------------------------------------------------------------------- */

static uint64_t rec_hash_of(const struct htab *h, void *ctx, uint32_t i)
{
	const struct xenpt_audit *a = ctx;

	return htab_hash(&h->seed, a->r[i].frame);
}

static inline uint32_t rec_find(const struct xenpt_audit *a, uint64_t frame)
{
	struct htab_probe p;
	uint32_t i;

	if (!a->bloom)
		return NO_REC;
	if (!(a->bloom[(frame & REC_BLOOM_MASK) >> 6] & (1ull << (frame & 63))))
		return NO_REC;
	for (i = htab_first(&a->ht, htab_hash(&a->ht.seed, frame), &p); i != HTAB_NONE;
	     i = htab_next(&a->ht, &p))
		if (a->r[i].frame == frame)
			return i;
	return NO_REC;
}

static struct xenpt_error *nomem(void)
{
	return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
}

/* The rec of @frame, made if needed. */
static struct xenpt_error *rec_get(struct xenpt_audit *a, uint64_t frame, uint32_t *ret)
{
	uint32_t i = rec_find(a, frame);

	if (i != NO_REC) {
		*ret = i;
		return NULL;
	}
	if (!a->bloom) {
		a->bloom = calloc((REC_BLOOM_MASK + 1) / 64, sizeof(*a->bloom));
		if (!a->bloom)
			return nomem();
	}
	if (a->nr == a->rcap) {
		uint32_t ncap = a->rcap ? a->rcap * 2 : 256;
		struct rec *nr = realloc(a->r, (size_t)ncap * sizeof(*nr));

		if (!nr)
			return nomem();
		a->r = nr;
		a->rcap = ncap;
	}
	i = a->nr;
	memset(&a->r[i], 0, sizeof(a->r[i]));
	a->r[i].frame = frame;
	a->r[i].ptg = PTG_NONE;
	if (!htab_insert(&a->ht, htab_hash(htab_seed_of(&a->ht), frame), i, rec_hash_of, a))
		return nomem();
	a->nr++;
	a->bloom[(frame & REC_BLOOM_MASK) >> 6] |= 1ull << (frame & 63);
	*ret = i;
	return NULL;
}

/* Every graph table gets a rec. */
static struct xenpt_error *sync_graph(struct xenpt_audit *a)
{
	struct xenpt_error *err;
	uint32_t id, i;

	for (id = a->synced; id < a->g.n; id++) {
		err = rec_get(a, a->g.t[id].frame, &i);
		if (err)
			return err;
		a->r[i].ptg = id;
	}
	a->synced = a->g.n;
	return NULL;
}

/* ---- findings and holders ------------------------------------------------------------------- */

static struct xenpt_error *finding(struct xenpt_audit *a, enum xenpt_audit_code code,
				   uint64_t frame, unsigned level, unsigned index, uint64_t entry,
				   uint64_t target, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static struct xenpt_error *finding(struct xenpt_audit *a, enum xenpt_audit_code code,
				   uint64_t frame, unsigned level, unsigned index, uint64_t entry,
				   uint64_t target, const char *fmt, ...)
{
	struct xenpt_audit_finding *f;
	uint32_t ri;
	va_list ap;

	a->sum.findings++;
	a->sum.by_code[code]++;
	if (a->nf >= a->o.max_findings) {
		a->sum.findings_dropped++;
		return NULL;
	}
	if (a->nf == a->fcap) {
		size_t ncap = a->fcap ? a->fcap * 2 : 16;
		struct xenpt_audit_finding *nf = realloc(a->f, ncap * sizeof(*nf));

		if (!nf)
			return nomem();
		a->f = nf;
		a->fcap = ncap;
	}
	f = &a->f[a->nf++];
	memset(f, 0, sizeof(*f));
	f->code = code;
	f->domid = a->domid;
	f->frame = frame;
	f->level = level;
	f->index = index;
	f->entry = entry;
	f->target = target;
	ri = rec_find(a, index == UINT32_MAX ? frame : target);
	if (ri != NO_REC && (a->r[ri].flags & R_XEN)) {
		f->xen_type = a->r[ri].xen;
		f->xen_type_known = true;
	}
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	return NULL;
}

static struct xenpt_error *holder(struct xenpt_audit *a, enum xenpt_audit_holder_kind kind,
				  uint64_t table, unsigned level, unsigned index, uint64_t entry,
				  bool user, const char *ref)
{
	struct xenpt_audit_holder *h;

	if (a->nh == a->hcap) {
		size_t ncap = a->hcap ? a->hcap * 2 : 16;
		struct xenpt_audit_holder *nh = realloc(a->h, ncap * sizeof(*nh));

		if (!nh)
			return nomem();
		a->h = nh;
		a->hcap = ncap;
	}
	h = &a->h[a->nh++];
	h->kind = kind;
	h->table = table;
	h->level = level;
	h->index = index;
	h->entry = entry;
	h->user = user;
	h->ref = ref;
	return NULL;
}

/* ---- classification ------------------------------------------------------------------------- */

/*
 * The type xen_pv_entry_ref() is given for a frame: Xen's table type when
 * the source reports types, else the level the traversal gives it; a GDT
 * frame is a descriptor page; a frame mapped writable has the writable
 * type in use.
 */
static enum xen_pv_type target_type(const struct xenpt_audit *a, const struct rec *r)
{
	if (!r)
		return XEN_PV_T_NONE;
	if (a->types && (r->flags & R_XEN)) {
		unsigned l = xt_level(r->xen);

		if (l)
			return (enum xen_pv_type)l;
	} else if (!a->types && r->ptg != PTG_NONE) {
		return (enum xen_pv_type)a->g.t[r->ptg].level;
	}
	if (r->flags & R_GDT)
		return XEN_PV_T_SEG_DESC;
	if (r->rw_maps)
		return XEN_PV_T_WRITABLE_INUSE;
	return XEN_PV_T_NONE;
}

static const char *pv_type_name(enum xen_pv_type t)
{
	static const char *const n[] = { "none", "L1", "L2", "L3", "L4", "seg_desc", "writable" };
	return (unsigned)t < XENPT_ARRAY_SIZE(n) ? n[t] : "?";
}

static enum xenpt_audit_type audit_type(enum xen_pv_type t)
{
	switch (t) {
	case XEN_PV_T_L1: case XEN_PV_T_L2: case XEN_PV_T_L3: case XEN_PV_T_L4:
		return (enum xenpt_audit_type)t;
	case XEN_PV_T_SEG_DESC:
		return XENPT_AUDIT_T_SEG_DESC;
	case XEN_PV_T_WRITABLE_INUSE:
		return XENPT_AUDIT_T_WRITABLE;
	default:
		return XENPT_AUDIT_T_NONE;
	}
}

static uint64_t *owner_slot(const struct owners *o, uint64_t mfn)
{
	return htab_map_find(&o->map, mfn);
}

/* Index of the domain owning @mfn, or NO_REC; *level_ret: its table level there (0: none). */
static uint32_t owner_of(const struct owners *o, uint64_t mfn, unsigned *level_ret)
{
	uint64_t *v = owner_slot(o, mfn);

	*level_ret = v ? (unsigned)(*v >> 24) : 0;
	return v ? (uint32_t)(*v & 0xffffffu) : NO_REC;
}

/* Host-wide: the entry names a frame of another domain. */
static struct xenpt_error *cross_domain(struct xenpt_audit *a, uint64_t table, unsigned level,
					unsigned idx, uint64_t e, uint64_t mfn, enum xen_pv_ref ref)
{
	unsigned olevel;
	uint32_t ow = owner_of(a->own, mfn, &olevel);
	struct xenpt_error *err = NULL;

	if (a->collect) {
		struct owners *o = a->collect;

		if (ow != NO_REC)
			return NULL;
		if (o->nunowned == o->uncap) {
			size_t ncap = o->uncap ? o->uncap * 2 : 256;
			uint64_t *nu = realloc(o->unowned, ncap * sizeof(*nu));

			if (!nu)
				return nomem();
			o->unowned = nu;
			o->uncap = ncap;
		}
		o->unowned[o->nunowned++] = mfn;
		return NULL;
	}
	if (ow == NO_REC || ow == a->self_idx)
		return NULL;
	/* a same-level entry: a linear one, whatever this domain's view made of it */
	if (ref == XEN_PV_REF_LINEAR || ref == XEN_PV_REF_LINEAR_RW || ref == XEN_PV_REF_SELF ||
	    (level > 1 && olevel == level))
		err = finding(a, XENPT_AUDIT_LINEAR_FOREIGN, table, level, idx, e, mfn,
			      "L%u entry %u of mfn 0x%" PRIx64 " is a linear entry naming mfn 0x%" PRIx64
			      " of domain %u (Xen takes linear tables of the domain's own only)",
			      level, idx, table, mfn, a->own->domids[ow]);
	else
		err = finding(a, level > 1 ? XENPT_AUDIT_FOREIGN_TABLE : XENPT_AUDIT_FOREIGN_MAP,
			      table, level, idx, e, mfn,
			      "L%u entry %u of mfn 0x%" PRIx64 " names mfn 0x%" PRIx64 " of domain %u%s",
			      level, idx, table, mfn, a->own->domids[ow],
			      level > 1 ? " as a table" : " (grant or foreign mapping)");
	if (err)
		return err;
	if (a->f && a->nf)
		a->f[a->nf - 1].other_domid = a->own->domids[ow];
	if (a->own->dying[ow]) {
		err = finding(a, XENPT_AUDIT_DYING_REF, table, level, idx, e, mfn,
			      "L%u entry %u of mfn 0x%" PRIx64 " still references mfn 0x%" PRIx64
			      " of dying domain %u", level, idx, table, mfn, a->own->domids[ow]);
		if (!err && a->nf)
			a->f[a->nf - 1].other_domid = a->own->domids[ow];
	}
	return err;
}

/* Classify every present guest entry of table @id (level @level), entries @tbl. */
static struct xenpt_error *classify(struct xenpt_audit *a, uint32_t id, const uint8_t *tbl)
{
	const struct pt_geom *geo = &a->g.g;
	unsigned level = a->g.t[id].level, nent = ptg_nent(&a->g, level), idx;
	uint64_t table = a->g.t[id].frame;
	uint32_t hi = rec_find(a, table);
	struct xenpt_error *err;

	a->sum.tables_scanned++;
	for (idx = 0; idx < nent; idx++) {
		uint64_t e = pt_read_entry(geo, tbl, idx), mfn;
		enum xen_pv_ref ref;
		struct rec *t;
		uint32_t ti;
		struct pt_entry d;

		if (!(e & XENPT_PTE_P) || pt_is_xen_slot(geo, level, idx))
			continue;
		a->sum.entries_present++;
		pt_decode(geo, level, e, &d);
		mfn = d.next;
		ti = rec_find(a, mfn);
		t = ti == NO_REC ? NULL : &a->r[ti];
		if (d.rsvd) {
			/* Xen never stores such an entry: get_page_from_lNe() finds no valid frame */
			a->sum.refused++;
			if (t)
				t->refused++;
			err = finding(a, XENPT_AUDIT_BAD_FLAGS, table, level, idx, e, mfn,
				      "L%u entry %u of mfn 0x%" PRIx64 " (0x%016" PRIx64 ") has reserved bits 0x%" PRIx64,
				      level, idx, table, e, d.rsvd);
			if (err)
				return err;
			if (t && (t->flags & R_FOCUS)) {
				err = holder(a, XENPT_AUDIT_H_REFUSED, table, level, idx, e, false, "reserved-bits");
				if (err)
					return err;
			}
			continue;
		}
		ref = xen_pv_entry_ref(level, e, table, target_type(a, t), a->g.as.io_caps);
		switch (ref) {
		case XEN_PV_REF_CHILD:
			a->sum.child_refs++;
			if (t) {
				t->parents++;
				t->want |= (uint8_t)(1u << (level - 1));
			}
			break;
		case XEN_PV_REF_SELF:
			a->sum.self_refs++;
			if (hi != NO_REC)
				a->r[hi].self_entries++;
			break;
		case XEN_PV_REF_LINEAR:
			a->sum.linear_refs++;
			if (t) {
				t->linear_uses++;
				t->want |= (uint8_t)(1u << level);
			}
			if (hi != NO_REC)
				a->r[hi].linear_entries++;
			break;
		case XEN_PV_REF_MAP_RO:
			a->sum.map_ro++;
			if (t)
				t->ro_maps++;
			break;
		case XEN_PV_REF_MAP_RW:
			a->sum.map_rw++;
			if (t)
				t->rw_maps++;
			break;
		default: {
			enum xen_pv_type tt = target_type(a, t);

			a->sum.refused++;
			if (t) {
				t->refused++;
				if (ref == XEN_PV_REF_WRONG_TYPE)
					t->want |= (uint8_t)(1u << (level - 1));
			}
			if (ref == XEN_PV_REF_BAD_FLAGS)
				err = finding(a, XENPT_AUDIT_BAD_FLAGS, table, level, idx, e, mfn,
					      "L%u entry %u of mfn 0x%" PRIx64 " (0x%016" PRIx64 ") has flags 0x%" PRIx64
					      " that Xen refuses at L%u",
					      level, idx, table, e,
					      e & xen_pv_disallow_mask(level, a->g.as.io_caps), level);
			else if (ref == XEN_PV_REF_WRONG_TYPE)
				err = finding(a, XENPT_AUDIT_WRONG_TYPE, table, level, idx, e, mfn,
					      "L%u entry %u of mfn 0x%" PRIx64 " names mfn 0x%" PRIx64
					      " of type %s, expected L%u",
					      level, idx, table, mfn, pv_type_name(tt), level - 1);
			else if (ref == XEN_PV_REF_LINEAR_RW)
				err = finding(a, XENPT_AUDIT_LINEAR_RW, table, level, idx, e, mfn,
					      "L%u entry %u of mfn 0x%" PRIx64 " names %smfn 0x%" PRIx64
					      " (%s) read-write: linear page tables must be read-only",
					      level, idx, table, mfn == table ? "its own " : "", mfn,
					      pv_type_name(tt));
			else if (ref == XEN_PV_REF_RW_TABLE)
				err = finding(a, XENPT_AUDIT_RW_TABLE, table, level, idx, e, mfn,
					      "L1 entry %u of mfn 0x%" PRIx64 " maps mfn 0x%" PRIx64
					      " (%s) read-write",
					      idx, table, mfn, pv_type_name(tt));
			else
				err = NULL;
			if (err)
				return err;
			if (a->nf && a->f[a->nf - 1].index == idx && a->f[a->nf - 1].frame == table)
				a->f[a->nf - 1].target_type = audit_type(tt);
			break;
		}
		}
		if (t && (t->flags & R_FOCUS)) {
			static const enum xenpt_audit_holder_kind hk[] = {
				[XEN_PV_REF_CHILD] = XENPT_AUDIT_H_PARENT,
				[XEN_PV_REF_SELF] = XENPT_AUDIT_H_SELF,
				[XEN_PV_REF_LINEAR] = XENPT_AUDIT_H_LINEAR,
				[XEN_PV_REF_MAP_RO] = XENPT_AUDIT_H_MAP_RO,
				[XEN_PV_REF_MAP_RW] = XENPT_AUDIT_H_MAP_RW,
				[XEN_PV_REF_BAD_FLAGS] = XENPT_AUDIT_H_REFUSED,
				[XEN_PV_REF_WRONG_TYPE] = XENPT_AUDIT_H_REFUSED,
				[XEN_PV_REF_LINEAR_RW] = XENPT_AUDIT_H_REFUSED,
				[XEN_PV_REF_RW_TABLE] = XENPT_AUDIT_H_REFUSED,
			};
			err = holder(a, hk[ref], table, level, idx, e, false, xen_pv_ref_name(ref));
			if (err)
				return err;
		}
		if (a->own) {
			err = cross_domain(a, table, level, idx, e, mfn, ref);
			if (err)
				return err;
		}
	}
	return NULL;
}

static struct xenpt_error *visit(void *arg, struct ptg *g, uint32_t id, const uint8_t *tbl)
{
	struct xenpt_audit *a = arg;
	struct xenpt_error *err = sync_graph(a);

	if (err)
		return err;
	if (g->t[id].level == 1)
		return classify(a, id, tbl);
	if (a->nupper == a->upcap) {
		size_t ncap = a->upcap ? a->upcap * 2 : 64;
		uint32_t *nu = realloc(a->upper, ncap * sizeof(*nu));

		if (!nu)
			return nomem();
		a->upper = nu;
		a->upcap = ncap;
	}
	a->upper[a->nupper++] = id;
	return NULL;
}

/* ---- Xen's slots ------------------------------------------------------------------------------- */

static struct xenpt_error *check_xen_slots(struct xenpt_audit *a)
{
	uint64_t ref[16], ref_frame = XENPT_INVALID_FRAME;
	bool have = false;
	size_t k;

	for (k = 0; k < a->nupper; k++) {
		uint32_t id = a->upper[k];
		uint64_t frame = a->g.t[id].frame;
		const uint8_t *tbl;
		struct xenpt_error *err;
		unsigned s;
		int ferr;

		if (a->g.t[id].level != 4 || !a->g.g.xen_slots)
			continue;
		err = ptg_read(&a->g, id, &tbl, &ferr);
		if (err)
			return err;
		if (!tbl)
			continue;
		for (s = XEN_PV_FIRST_XEN_SLOT; s <= XEN_PV_LAST_XEN_SLOT; s++) {
			uint64_t e = pt_read_entry(&a->g.g, tbl, s);
			uint64_t r = have ? ref[s - XEN_PV_FIRST_XEN_SLOT] : e;
			bool bad = false;

			switch (xen_pv_l4_slot_rule(s)) {
			case XEN_PV_L4_SLOT_SAME:
				bad = (e & XEN_PV_L4_SLOT_CMP_MASK) != (r & XEN_PV_L4_SLOT_CMP_MASK);
				break;
			case XEN_PV_L4_SLOT_RO_MPT:
				bad = (e & XENPT_PTE_P) && (r & XENPT_PTE_P) &&
				      (e & XEN_PV_L4_SLOT_CMP_MASK) != (r & XEN_PV_L4_SLOT_CMP_MASK);
				if (!(r & XENPT_PTE_P) && have)
					ref[s - XEN_PV_FIRST_XEN_SLOT] = e;
				break;
			case XEN_PV_L4_SLOT_SELF:
				bad = !(e & XENPT_PTE_P) || ((e & XENPT_PTE_ADDR_MASK) >> 12) != frame;
				break;
			case XEN_PV_L4_SLOT_SHADOW:
				break;
			}
			if (!bad)
				continue;
			if (xen_pv_l4_slot_rule(s) == XEN_PV_L4_SLOT_SELF)
				err = finding(a, XENPT_AUDIT_XEN_SLOT, frame, 4, s, e, frame,
					      "L4 mfn 0x%" PRIx64 " slot %u is 0x%016" PRIx64
					      ", not Xen's linear map of the L4 itself", frame, s, e);
			else
				err = finding(a, XENPT_AUDIT_XEN_SLOT, frame, 4, s, e, ref_frame,
					      "L4 mfn 0x%" PRIx64 " slot %u is 0x%016" PRIx64
					      ", L4 mfn 0x%" PRIx64 " has 0x%016" PRIx64,
					      frame, s, e, ref_frame, r);
			if (err)
				return err;
		}
		if (!have) {
			for (s = 0; s < 16; s++)
				ref[s] = pt_read_entry(&a->g.g, tbl, XEN_PV_FIRST_XEN_SLOT + s);
			ref_frame = frame;
			have = true;
		}
	}
	return NULL;
}

/* ---- per frame: derived type, bounds, findings ----------------------------------------------- */

/*
 * The type Xen's rules give the frame: the level its holders take it as
 * (vCPU roots, validated parents, linear entries, and entries Xen would
 * refuse as the wrong type); when they disagree, the level the traversal
 * gives it (the refused entries are findings); a pinned frame nobody else
 * holds: its pin's level; then a GDT frame, a frame mapped writable.
 */
static enum xenpt_audit_type derived_type(const struct xenpt_audit *a, const struct rec *r)
{
	unsigned w = r->want & 0x1e;

	if (w && !(w & (w - 1)))
		return (enum xenpt_audit_type)__builtin_ctz(w);
	if (w && r->ptg != PTG_NONE)
		return (enum xenpt_audit_type)a->g.t[r->ptg].level;
	if (a->types && (r->flags & R_XEN) && xt_pinned(r->xen) && xt_level(r->xen))
		return (enum xenpt_audit_type)xt_level(r->xen);
	if (r->flags & R_GDT)
		return XENPT_AUDIT_T_SEG_DESC;
	if (r->rw_maps)
		return XENPT_AUDIT_T_WRITABLE;
	return XENPT_AUDIT_T_NONE;
}

static void frame_info(const struct xenpt_audit *a, const struct rec *r,
		       struct xenpt_audit_frame *f)
{
	unsigned level = r->ptg != PTG_NONE ? a->g.t[r->ptg].level : 0;
	size_t len;

	memset(f, 0, sizeof(*f));
	f->frame = r->frame;
	f->audited = true;
	f->level = level;
	f->xen_type = r->xen;
	f->xen_type_known = r->flags & R_XEN;
	f->gdt = r->flags & R_GDT;
	f->pins = a->types && (r->flags & R_XEN) && xt_pinned(r->xen) ? 1 : 0;
	f->parents = r->parents;
	f->roots = r->roots;
	f->linear_uses = r->linear_uses;
	f->linear_entries = r->linear_entries;
	f->self_entries = r->self_entries;
	f->rw_maps = r->rw_maps;
	f->ro_maps = r->ro_maps;
	f->gdt_uses = r->gdt_uses;
	f->refused_refs = r->refused;
	f->derived = derived_type(a, r);
	switch (f->derived) {
	case XENPT_AUDIT_T_L1: case XENPT_AUDIT_T_L2: case XENPT_AUDIT_T_L3: case XENPT_AUDIT_T_L4:
		f->type_lb = f->pins + f->parents + f->roots + f->linear_uses;
		break;
	case XENPT_AUDIT_T_SEG_DESC:
		f->type_lb = f->gdt_uses;
		break;
	case XENPT_AUDIT_T_WRITABLE:
		f->type_lb = f->rw_maps;
		break;
	default:
		f->type_lb = 0;
	}
	/* PGC_allocated, unless Xen says the frame is not the domain's */
	f->general_lb = (f->xen_type_known && r->xen == XENPT_PT_XTAB ? 0 : 1) + f->type_lb + f->ro_maps;
	if (a->o.counts && a->o.counts(a->o.counts_arg, r->frame, &f->type_count, &f->general_count)) {
		f->counts_known = true;
		if (f->general_count > f->general_lb)
			f->unexplained = f->general_count - f->general_lb;
	}
	/* why */
	len = 0;
	f->why[0] = 0;
#define WHY(...) do { if (len < sizeof(f->why)) len += (size_t)snprintf(f->why + len, sizeof(f->why) - len, __VA_ARGS__); } while (0)
	if (f->parents)
		WHY("%s%" PRIu64 " validated L%u entr%s name%s it as an L%u", len ? "; " : "",
		    f->parents, f->derived + 1, f->parents == 1 ? "y" : "ies", f->parents == 1 ? "s" : "",
		    f->derived);
	if (f->roots)
		WHY("%sthe L4 of %" PRIu64 " vCPU root%s", len ? "; " : "", f->roots, f->roots == 1 ? "" : "s");
	if (f->pins)
		WHY("%spinned as L%u", len ? "; " : "", xt_level(r->xen));
	if (f->linear_uses)
		WHY("%s%" PRIu64 " linear entr%s", len ? "; " : "", f->linear_uses,
		    f->linear_uses == 1 ? "y" : "ies");
	if (f->gdt_uses)
		WHY("%sGDT frame of %" PRIu64 " vCPU%s", len ? "; " : "", f->gdt_uses, f->gdt_uses == 1 ? "" : "s");
	if (!level && r->rw_maps)
		WHY("%s%" PRIu64 " RW L1 mapping%s", len ? "; " : "", r->rw_maps, r->rw_maps == 1 ? "" : "s");
	if (r->refused)
		WHY("%s%u entr%s Xen would refuse", len ? "; " : "", r->refused, r->refused == 1 ? "y" : "ies");
	if ((level || f->xen_type_known) && !f->parents && !f->roots && !f->pins && !f->linear_uses &&
	    xt_level(r->xen))
		WHY("%sno holder seen", len ? "; " : "");
	if (!len)
		WHY("no page-table, descriptor or writable use seen");
#undef WHY
}

static struct xenpt_error *check_frames(struct xenpt_audit *a)
{
	struct xenpt_error *err = NULL;
	uint32_t i;

	for (i = 0; i < a->nr && !err; i++) {
		struct rec *r = &a->r[i];
		struct xenpt_audit_frame f;
		unsigned xl = (r->flags & R_XEN) ? xt_level(r->xen) : 0, dl;
		bool pinned = a->types && (r->flags & R_XEN) && xt_pinned(r->xen);

		frame_info(a, r, &f);
		if (f.derived >= XENPT_AUDIT_T_L1 && f.derived <= XENPT_AUDIT_T_L4)
			a->sum.derived_tables[f.derived]++;
		if (r->flags & R_GDT)
			a->sum.derived_seg_desc++;
		dl = f.derived >= XENPT_AUDIT_T_L1 && f.derived <= XENPT_AUDIT_T_L4 ? (unsigned)f.derived : 0;
		if (a->types && xl && !pinned && !f.parents && !f.roots && !f.linear_uses) {
			err = finding(a, XENPT_AUDIT_ORPHAN, r->frame, xl, UINT32_MAX, 0, XENPT_INVALID_FRAME,
				      "mfn 0x%" PRIx64 ": Xen reports a validated L%u, not pinned, and no "
				      "validated entry, vCPU root or linear entry holds it", r->frame, xl);
		} else if (pinned && !xl) {
			err = finding(a, XENPT_AUDIT_PIN_TYPE, r->frame, 0, UINT32_MAX, 0, XENPT_INVALID_FRAME,
				      "mfn 0x%" PRIx64 ": pinned, but Xen reports type %s, not a page table",
				      r->frame, xenpt_page_type_name(r->xen));
		} else if (pinned && (r->want & 0x1e) && !(r->want & (1u << xl))) {
			err = finding(a, XENPT_AUDIT_PIN_TYPE, r->frame, xl, UINT32_MAX, 0, XENPT_INVALID_FRAME,
				      "mfn 0x%" PRIx64 ": pinned as L%u, but every entry or vCPU naming it "
				      "takes it as an L%u", r->frame, xl, (unsigned)__builtin_ctz(r->want & 0x1e));
		} else if (a->types && (r->flags & R_XEN) && !pinned && dl != xl) {
			err = finding(a, XENPT_AUDIT_TYPE_MISMATCH, r->frame, dl, UINT32_MAX, 0,
				      XENPT_INVALID_FRAME,
				      "mfn 0x%" PRIx64 ": Xen says %s, the rules derive %s (%s)",
				      r->frame, xenpt_page_type_name(r->xen),
				      xenpt_audit_type_name(f.derived), f.why);
		}
		if (!err && f.counts_known) {
			if (f.type_count < f.type_lb || f.general_count < f.general_lb)
				err = finding(a, XENPT_AUDIT_COUNT_LOW, r->frame, f.level, UINT32_MAX, 0,
					      XENPT_INVALID_FRAME,
					      "mfn 0x%" PRIx64 ": type count %" PRIu64 " / general count %" PRIu64
					      " below the holders seen (%" PRIu64 " / %" PRIu64 ")",
					      r->frame, f.type_count, f.general_count, f.type_lb, f.general_lb);
			else if (f.unexplained) {
				a->sum.unexplained_frames++;
				a->sum.unexplained_refs += f.unexplained;
			}
		}
		if (!err && xen_pv_linear_both(r->linear_entries, r->linear_uses))
			err = finding(a, XENPT_AUDIT_LINEAR_BOTH, r->frame, f.level, UINT32_MAX, 0,
				      XENPT_INVALID_FRAME,
				      "mfn 0x%" PRIx64 ": L%u with %u linear entr%s is itself the target of %u "
				      "linear entr%s (one level of linear page tables only)",
				      r->frame, f.level, r->linear_entries, r->linear_entries == 1 ? "y" : "ies",
				      r->linear_uses, r->linear_uses == 1 ? "y" : "ies");
		if (!err && (r->flags & R_FOCUS) && f.pins)
			err = holder(a, XENPT_AUDIT_H_PIN, XENPT_INVALID_FRAME, xl, 0, 0, false, "pin");
	}
	return err;
}

/* ---- inputs --------------------------------------------------------------------------------- */

/* Xen's types of every frame of the domain's P2M: counted, tables and pins kept. */
static struct xenpt_error *sweep_types(struct xenpt_audit *a)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(a->src);
	enum { CHUNK = 4096 };
	xenpt_gfn_t *pfns = malloc(CHUNK * sizeof(*pfns));
	xenpt_mfn_t *mfns = malloc(CHUNK * sizeof(*mfns));
	uint64_t *frames = malloc(CHUNK * sizeof(*frames));
	xenpt_page_type_t *types = malloc(CHUNK);
	struct xenpt_error *err = NULL;
	uint64_t pfn;

	if (!pfns || !mfns || !frames || !types) {
		err = nomem();
		goto out;
	}
	for (pfn = 0; pfn < info->p2m_size && !err; pfn += CHUNK) {
		size_t n = info->p2m_size - pfn < CHUNK ? (size_t)(info->p2m_size - pfn) : CHUNK, k, m = 0;

		for (k = 0; k < n; k++)
			pfns[k] = xenpt_gfn(pfn + k);
		err = xenpt_source_p2m(a->src, pfns, n, mfns);
		if (err)
			break;
		for (k = 0; k < n; k++)
			if (xenpt_mfn_valid(mfns[k]))
				frames[m++] = xenpt_mfn_x(mfns[k]);
		if (!m)
			continue;
		err = xenpt_source_page_types(a->src, XENPT_SPACE_MFN, frames, m, types);
		if (err)
			break;
		for (k = 0; k < m; k++) {
			uint8_t t = types[k];
			unsigned l = xt_level(t);
			uint32_t ri;

			a->sum.frames_typed++;
			if (l) {
				a->sum.xen_tables[l]++;
				if (xt_pinned(t))
					a->sum.xen_pinned[l]++;
			} else if (t == XENPT_PT_XTAB) {
				a->sum.xen_xtab++;
			} else if (t == XENPT_PT_BROKEN) {
				a->sum.xen_broken++;
			} else {
				a->sum.xen_none++;
			}
			if (!l && !xt_pinned(t))
				continue;
			err = rec_get(a, frames[k], &ri);
			if (err)
				break;
			if (a->r[ri].flags & R_XEN)
				continue;   /* a frame in the P2M twice: counted, kept once */
			a->r[ri].xen = t;
			a->r[ri].flags |= R_XEN;
		}
	}
out:
	free(pfns);
	free(mfns);
	free(frames);
	free(types);
	return err;
}

/* Xen's type of every audited frame the sweep did not see (not in the P2M), batched. */
static struct xenpt_error *type_rest(struct xenpt_audit *a)
{
	enum { CHUNK = 1024 };
	uint64_t frames[CHUNK];
	uint32_t idx[CHUNK];
	xenpt_page_type_t types[CHUNK];
	struct xenpt_error *err;
	uint32_t i = 0;

	while (i < a->nr) {
		size_t n = 0, k;

		for (; i < a->nr && n < CHUNK; i++)
			if (!(a->r[i].flags & R_XEN)) {
				idx[n] = i;
				frames[n++] = a->r[i].frame;
			}
		if (!n)
			break;
		err = xenpt_source_page_types(a->src, XENPT_SPACE_MFN, frames, n, types);
		if (err)
			return err;
		for (k = 0; k < n; k++) {
			a->r[idx[k]].xen = types[k];
			a->r[idx[k]].flags |= R_XEN;
		}
	}
	return NULL;
}

static struct xenpt_error *add_root(struct xenpt_audit *a, uint64_t frame, uint32_t vcpu, bool user,
				    bool *have_as)
{
	struct xenpt_error *err;
	uint32_t ri;

	if (!*have_as) {
		struct xenpt_aspace as;

		err = xenpt_aspace_from_cr3(a->src, frame << 12, XENPT_PM_4LEVEL, &as);
		if (err)
			return err;
		err = ptg_init(&a->g, a->src, &as);
		if (err)
			return err;
		a->g_init = true;
		*have_as = true;
	}
	if (vcpu != UINT32_MAX) {
		err = ptg_add_root(&a->g, frame, NULL);
		if (err)
			return err;
		err = rec_get(a, frame, &ri);
		if (err)
			return err;
		a->r[ri].roots++;
		a->r[ri].want |= 1u << 4;
		a->r[ri].flags |= R_ROOT;
		a->sum.roots++;
		if (a->r[ri].flags & R_FOCUS)
			return holder(a, XENPT_AUDIT_H_ROOT, XENPT_INVALID_FRAME, 4, vcpu, frame << 12, user,
				      user ? "user-l4" : "kernel-l4");
	}
	return NULL;
}

static struct xenpt_error *audit_one(struct xenpt_audit *a)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(a->src);
	unsigned caps = xenpt_source_caps(a->src);
	struct xenpt_error *err;
	bool have_as = false;
	uint32_t v, i, id;
	unsigned lvl;

	a->domid = info->domid;
	a->sum.domid = info->domid;
	if (info->hvm || (info->guest_width && info->guest_width != 8) || !(caps & XENPT_CAP_MFN_FRAMES))
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: the audit is for 64-bit PV domains (Xen's PV page types)",
					  xenpt_source_describe(a->src));
	a->types = !a->o.no_types && (caps & XENPT_CAP_PAGE_TYPES);
	a->sum.types_known = a->types;
	a->sum.counts_known = a->o.counts != NULL;
	if (a->o.frame != XENPT_INVALID_FRAME) {
		err = rec_get(a, a->o.frame, &i);
		if (err)
			return err;
		a->r[i].flags |= R_FOCUS;
	}
	if (a->types && (caps & XENPT_CAP_P2M)) {
		err = sweep_types(a);
		if (err)
			return err;
	}
	/* vCPU roots and GDT frames */
	if (caps & XENPT_CAP_VCPU) {
		for (v = 0; v < info->nr_vcpus; v++) {
			struct xenpt_vcpu vc;
			uint64_t nf, k;

			err = xenpt_source_vcpu(a->src, v, &vc);
			if (err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND) {
				xenpt_error_destroy(err);
				continue;
			}
			/* dom0 auditing itself: Xen gives no context of the calling
			 * vCPU (XEN_DOMCTL_getvcpucontext); a PV kernel pins its L4s,
			 * so its tables are still found from the pins */
			if (err && xenpt_error_code(err) == XENPT_ERR_UNSUPPORTED && a->types) {
				xenpt_error_destroy(err);
				a->sum.vcpus_skipped++;
				continue;
			}
			if (err)
				return err;
			if (vc.cr3) {
				err = add_root(a, vc.cr3 >> 12, v, false, &have_as);
				if (err)
					return err;
			}
			if (vc.user_cr3) {
				err = add_root(a, vc.user_cr3 >> 12, v, true, &have_as);
				if (err)
					return err;
			}
			/* gdt_ents descriptors of 8 bytes: 512 per frame (pv/descriptor-tables.c) */
			nf = (vc.gdt_ents + 511) / 512;
			for (k = 0; k < nf && k < 16; k++) {
				err = rec_get(a, vc.gdt_frames[k], &i);
				if (err)
					return err;
				a->r[i].flags |= R_GDT;
				a->r[i].gdt_uses++;
				if (a->r[i].flags & R_FOCUS) {
					err = holder(a, XENPT_AUDIT_H_GDT, XENPT_INVALID_FRAME, 0, v, 0, false, "gdt");
					if (err)
						return err;
				}
			}
		}
	}
	/* tables Xen reports that no root reaches need an address space too */
	if (!have_as)
		for (i = 0; i < a->nr; i++)
			if ((a->r[i].flags & R_XEN) && xt_level(a->r[i].xen)) {
				err = add_root(a, a->r[i].frame, UINT32_MAX, false, &have_as);
				if (err)
					return err;
				break;
			}
	if (!have_as)
		goto frames;   /* nothing to traverse */
	/*
	 * Then what Xen reports as a pinned or validated table, at the level
	 * Xen validated it as (top level first): Xen checks each entry against
	 * the type the named frame has, so does the traversal.
	 */
	for (lvl = 4; lvl >= 1; lvl--)
		for (i = 0; i < a->nr; i++)
			if ((a->r[i].flags & R_XEN) && xt_level(a->r[i].xen) == lvl) {
				err = ptg_add_table(&a->g, a->r[i].frame, lvl, NULL);
				if (err)
					return err;
			}
	err = ptg_build(&a->g, true, visit, a);
	if (err)
		return err;
	err = sync_graph(a);
	if (err)
		return err;
	/* the upper tables, now that every writable mapping is counted */
	for (i = 0; i < a->nupper; i++) {
		const uint8_t *tbl;
		int ferr;

		err = ptg_read(&a->g, a->upper[i], &tbl, &ferr);
		if (err)
			return err;
		if (tbl) {
			err = classify(a, a->upper[i], tbl);
			if (err)
				return err;
		}
	}
	for (id = 0; id < a->g.n; id++)
		if (a->g.t[id].flags & PTG_UNREADABLE) {
			a->sum.incomplete = true;
			err = finding(a, XENPT_AUDIT_UNREADABLE, a->g.t[id].frame, a->g.t[id].level,
				      UINT32_MAX, 0, XENPT_INVALID_FRAME,
				      "L%u table at mfn 0x%" PRIx64 " cannot be read: %s",
				      a->g.t[id].level, a->g.t[id].frame,
				      xenpt_source_frame_strerror(a->src, a->g.t[id].err));
			if (err)
				return err;
		}
	err = check_xen_slots(a);
	if (err)
		return err;
frames:
	if (a->types) {
		err = type_rest(a);
		if (err)
			return err;
	}
	return check_frames(a);
}

static struct xenpt_audit *audit_new(struct xenpt_source *src, const struct xenpt_audit_opts *opts)
{
	struct xenpt_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->src = src;
	if (opts)
		a->o = *opts;
	else
		xenpt_audit_opts_init(&a->o);
	if (!a->o.max_findings)
		a->o.max_findings = 100000;
	a->self_idx = NO_REC;
	return a;
}

XENPT_PUBLIC struct xenpt_error *xenpt_audit_run(struct xenpt_source *src,
						 const struct xenpt_audit_opts *opts,
						 struct xenpt_audit **ret)
{
	struct xenpt_audit *a = audit_new(src, opts);
	struct xenpt_error *err;

	if (!a)
		return nomem();
	err = audit_one(a);
	if (err) {
		xenpt_audit_destroy(a);
		return err;
	}
	*ret = a;
	return NULL;
}

XENPT_PUBLIC void xenpt_audit_destroy(struct xenpt_audit *a)
{
	if (!a)
		return;
	if (a->g_init)
		ptg_deinit(&a->g);
	free(a->r);
	htab_free(&a->ht);
	free(a->bloom);
	free(a->f);
	free(a->h);
	free(a->upper);
	free(a);
}

/* ---- host-wide ------------------------------------------------------------------------------ */

/* The first owner wins. */
static struct xenpt_error *owners_add(struct owners *o, size_t *n, uint64_t mfn, uint32_t dom)
{
	int r = htab_map_add(&o->map, mfn, dom);

	if (r < 0)
		return nomem();
	*n += (size_t)r;
	return NULL;
}

/* A dying domain after `xl destroy`: no P2M or tables any more, only Xen's page types. */
static bool dying_types_only(struct xenpt_source *src)
{
	unsigned caps = xenpt_source_caps(src);

	return xenpt_source_domain(src)->dying && !(caps & XENPT_CAP_P2M) &&
	       (caps & XENPT_CAP_PAGE_TYPES);
}

static bool cannot_audit(struct xenpt_source *src)
{
	return xenpt_source_domain(src)->hvm ||
	       (xenpt_source_domain(src)->dying && !(xenpt_source_caps(src) & XENPT_CAP_MFN_FRAMES));
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * The frames a dying domain still owns, among the MFNs entries named that
 * no P2M owns: Xen's page type for it is anything but XTAB
 * (getpageframeinfo3 checks the owner, xen/arch/x86/domctl.c).  The level
 * of a typed frame is kept, as round 1 keeps it for the others.
 */
static struct xenpt_error *owners_from_types(struct owners *o, size_t *nown,
					     struct xenpt_source *src, uint32_t dom)
{
	enum { CHUNK = 1024 };
	xenpt_page_type_t types[CHUNK];
	struct xenpt_error *err;
	size_t i, k, n;

	for (i = 0; i < o->nunowned; i += n) {
		n = o->nunowned - i < CHUNK ? o->nunowned - i : CHUNK;
		err = xenpt_source_page_types(src, XENPT_SPACE_MFN, o->unowned + i, n, types);
		if (err)
			return xenpt_error_prefix(err, "%s", xenpt_source_describe(src));
		for (k = 0; k < n; k++) {
			if (types[k] == XENPT_PT_XTAB)
				continue;
			err = owners_add(o, nown, o->unowned[i + k], dom | (uint32_t)xt_level(types[k]) << 24);
			if (err)
				return err;
		}
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_audit_run_host(struct xenpt_source *const *srcs, size_t n,
						      const struct xenpt_audit_opts *opts,
						      struct xenpt_audit **ret)
{
	struct owners o = { 0 };
	bool *dying = calloc(n ? n : 1, sizeof(*dying));
	uint32_t *domids = calloc(n ? n : 1, sizeof(*domids));
	struct xenpt_error *err = NULL;
	size_t i, nown = 0;
	bool zombies = false;
	enum { CHUNK = 4096 };
	xenpt_gfn_t *pfns = malloc(CHUNK * sizeof(*pfns));
	xenpt_mfn_t *mfns = malloc(CHUNK * sizeof(*mfns));

	for (i = 0; i < n; i++)
		ret[i] = NULL;
	if (!dying || !domids || !pfns || !mfns) {
		err = nomem();
		goto out;
	}
	/* who owns what: every domain's P2M */
	for (i = 0; i < n && !err; i++) {
		const struct xenpt_domain_info *info = xenpt_source_domain(srcs[i]);
		uint64_t pfn;

		dying[i] = info->dying;
		domids[i] = info->domid;
		zombies |= dying_types_only(srcs[i]);
		if (info->hvm || !(xenpt_source_caps(srcs[i]) & XENPT_CAP_P2M))
			continue;
		for (pfn = 0; pfn < info->p2m_size && !err; pfn += CHUNK) {
			size_t m = info->p2m_size - pfn < CHUNK ? (size_t)(info->p2m_size - pfn) : CHUNK, k;

			for (k = 0; k < m; k++)
				pfns[k] = xenpt_gfn(pfn + k);
			err = xenpt_source_p2m(srcs[i], pfns, m, mfns);
			for (k = 0; k < m && !err; k++)
				if (xenpt_mfn_valid(mfns[k]))
					err = owners_add(&o, &nown, xenpt_mfn_x(mfns[k]), (uint32_t)i);
		}
		if (err)
			err = xenpt_error_prefix(err, "%s", xenpt_source_describe(srcs[i]));
	}
	o.dying = dying;
	o.domids = domids;
	/*
	 * Round 1: each domain alone, to learn the level of every table frame
	 * in its owner's tables (an entry of another domain naming it at that
	 * level is a linear entry), and, when a dying domain has only page
	 * types left, which MFNs entries name that no P2M owns: Xen says which
	 * of them are the dying domain's.  Round 2: the audits, with the owners.
	 */
	for (i = 0; i < n && !err; i++) {
		struct xenpt_audit *a;
		uint32_t id;

		if (cannot_audit(srcs[i]) || (!nown && !zombies))
			continue;
		a = audit_new(srcs[i], opts);
		if (!a) {
			err = nomem();
			break;
		}
		a->o.frame = XENPT_INVALID_FRAME;
		if (zombies) {
			a->own = &o;
			a->collect = &o;
			a->self_idx = (uint32_t)i;
		}
		err = audit_one(a);
		a->own = NULL;
		a->collect = NULL;
		for (id = 0; !err && a->g_init && id < a->g.n; id++) {
			uint64_t *v = owner_slot(&o, a->g.t[id].frame);

			if (v && (*v & 0xffffffu) == i)
				*v = (uint32_t)i | (uint32_t)a->g.t[id].level << 24;
		}
		xenpt_audit_destroy(a);
	}
	if (!err && zombies && o.nunowned) {
		size_t k, m = 1;

		qsort(o.unowned, o.nunowned, sizeof(*o.unowned), cmp_u64);
		for (k = 1; k < o.nunowned; k++)
			if (o.unowned[k] != o.unowned[m - 1])
				o.unowned[m++] = o.unowned[k];
		o.nunowned = m;
		for (i = 0; i < n && !err; i++)
			if (dying_types_only(srcs[i]))
				err = owners_from_types(&o, &nown, srcs[i], (uint32_t)i);
	}
	for (i = 0; i < n && !err; i++) {
		struct xenpt_audit *a;

		if (cannot_audit(srcs[i]))
			continue;
		a = audit_new(srcs[i], opts);
		if (!a) {
			err = nomem();
			break;
		}
		a->own = nown ? &o : NULL;
		a->self_idx = (uint32_t)i;
		err = audit_one(a);
		a->own = NULL;
		if (err) {
			xenpt_audit_destroy(a);
			break;
		}
		ret[i] = a;
	}
	if (err)
		for (i = 0; i < n; i++) {
			xenpt_audit_destroy(ret[i]);
			ret[i] = NULL;
		}
out:
	htab_map_free(&o.map);
	free(o.unowned);
	free(dying);
	free(domids);
	free(pfns);
	free(mfns);
	return err;
}

/* ---- results ------------------------------------------------------------------------------- */

XENPT_PUBLIC size_t xenpt_audit_nr_findings(const struct xenpt_audit *a)
{
	return a->nf;
}

XENPT_PUBLIC const struct xenpt_audit_finding *xenpt_audit_finding(const struct xenpt_audit *a,
								    size_t i)
{
	return i < a->nf ? &a->f[i] : NULL;
}

XENPT_PUBLIC void xenpt_audit_keep_reproduced(struct xenpt_audit *a, const struct xenpt_audit *again)
{
	size_t i, j, k = 0;

	for (i = 0; i < a->nf; i++) {
		const struct xenpt_audit_finding *f = &a->f[i];
		bool seen = false;

		for (j = 0; j < again->nf && !seen; j++) {
			const struct xenpt_audit_finding *g = &again->f[j];

			seen = g->code == f->code && g->frame == f->frame && g->index == f->index &&
			       g->target == f->target;
		}
		if (seen) {
			a->f[k++] = *f;
			continue;
		}
		a->sum.findings--;
		a->sum.by_code[f->code]--;
		a->sum.findings_transient++;
	}
	a->nf = k;
}

XENPT_PUBLIC void xenpt_audit_summary(const struct xenpt_audit *a, struct xenpt_audit_summary *ret)
{
	*ret = a->sum;
}

XENPT_PUBLIC void xenpt_audit_frame_info(const struct xenpt_audit *a, uint64_t mfn,
					 struct xenpt_audit_frame *ret)
{
	uint32_t i = rec_find(a, mfn);

	if (i == NO_REC) {
		memset(ret, 0, sizeof(*ret));
		ret->frame = mfn;
		snprintf(ret->why, sizeof(ret->why), "not a page table, descriptor or Xen-typed frame");
		return;
	}
	frame_info(a, &a->r[i], ret);
}

XENPT_PUBLIC size_t xenpt_audit_nr_holders(const struct xenpt_audit *a)
{
	return a->nh;
}

XENPT_PUBLIC const struct xenpt_audit_holder *xenpt_audit_holder(const struct xenpt_audit *a,
								  size_t i)
{
	return i < a->nh ? &a->h[i] : NULL;
}
