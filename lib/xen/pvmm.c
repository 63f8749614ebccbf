/* SPDX-License-Identifier: MIT */
/* The model of Xen 4.17's PV MMU: see xen/pvmm.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "xen/pv.h"
#include "xen/pvmm.h"

#define CHUNK_SHIFT   12u
#define CHUNK_FRAMES  (1u << CHUNK_SHIFT)
#define SLAB_PAGES    64u
#define MAX_DOMAINS   8u
#define MAX_VCPUS     8u
#define NR_ENTRIES    512u
#define M2P_INVALID   UINT64_MAX
#define PTE_FRAME(e)  PVMM_PTE_FRAME(e)

/* HYPERVISOR_VIRT_END (config.h): the end of the 16 Xen L4 slots. */
#define HYPERVISOR_VIRT_END 0xffff880000000000ull

/* 20 bytes per frame; the M2P lives in per-chunk arrays made on first use. */
struct frame {
	uint32_t ent;           /* 1 + index of its entry page, 0: all entries zero */
	uint32_t type_count;
	uint32_t count;
	int16_t linear;
	uint16_t owner;
	uint8_t type;
	uint8_t present : 1, validated : 1, pinned : 1, special : 1;
};

/* FIRST_RESERVED_GDT_PAGE (xen/arch/x86/include/asm/desc.h): 14 frames */
#define GDT_FRAMES 14u

struct vcpu {
	uint64_t guest_table, guest_table_user;
	uint64_t gdt_frames[GDT_FRAMES];
	unsigned gdt_ents;
};

struct domain {
	bool used;
	uint16_t domid;
	unsigned nr_vcpus;
	bool io_caps;
	bool writable_pagetables;   /* VM_ASSIST(d, writable_pagetables) */
	bool have_xen_slots;
	uint64_t xen_slots[16];
	struct vcpu vcpu[MAX_VCPUS];
};

struct pvmm {
	struct frame **chunks;
	uint64_t **m2p;             /* per chunk, or NULL: all invalid */
	size_t nr_chunks;
	uint64_t **slabs;           /* SLAB_PAGES entry pages each */
	size_t nr_slabs;
	uint32_t nr_pages;          /* entry pages handed out */
	uint32_t *free_pages;       /* entry pages given back (1 + index) */
	size_t nr_free, cap_free;
	struct domain dom[MAX_DOMAINS];
	enum pvmm_bug bug;
	uint64_t *bug_refs;         /* entries (mfn << 9 | idx) holding only a general ref */
	size_t nr_bug_refs, cap_bug_refs;
	char reason[512];
};


const char *pvmm_reason(const struct pvmm *m)
{
	return m->reason;
}

static const char *const type_names[] = {
	[PVMM_T_NONE] = "none", [PVMM_T_L1] = "L1", [PVMM_T_L2] = "L2", [PVMM_T_L3] = "L3",
	[PVMM_T_L4] = "L4", [PVMM_T_SEG_DESC] = "seg_desc", [PVMM_T_WRITABLE] = "writable",
};

const char *pvmm_pfinfo_type(const struct pvmm_frame_info *info, uint16_t domid)
{
	if (info->owner != domid || info->special)
		return "xtab";
	return (const char *const[]){ "none", "l1", "l2", "l3", "l4" }
		[pvmm_pfinfo_level(info->type, info->validated, info->pinned)];
}

const char *pvmm_type_name(enum pvmm_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

const char *pvmm_bug_name(enum pvmm_bug bug)
{
	static const char *const names[] = {
		[PVMM_BUG_NONE] = "none", [PVMM_BUG_RW_TABLE] = "rw-table",
		[PVMM_BUG_WRONG_TYPE] = "wrong-type", [PVMM_BUG_LINEAR_RW] = "linear-rw",
		[PVMM_BUG_LINEAR_LEVELS] = "linear-levels", [PVMM_BUG_BAD_FLAGS] = "bad-flags",
		[PVMM_BUG_XEN_SLOTS] = "xen-slots",
	};
	return (unsigned)bug < sizeof(names) / sizeof(names[0]) ? names[bug] : "?";
}

void pvmm_set_bug(struct pvmm *m, enum pvmm_bug bug)
{
	m->bug = bug;
}

/* ---- storage ------------------------------------------------------------ */

struct pvmm *pvmm_new(void)
{
	return calloc(1, sizeof(struct pvmm));
}

void pvmm_free(struct pvmm *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr_chunks; i++) {
		free(m->chunks[i]);
		free(m->m2p[i]);
	}
	free(m->chunks);
	free(m->m2p);
	for (size_t i = 0; i < m->nr_slabs; i++)
		free(m->slabs[i]);
	free(m->slabs);
	free(m->free_pages);
	free(m->bug_refs);
	free(m);
}

static struct frame *frame_get(const struct pvmm *m, uint64_t mfn)
{
	uint64_t c = mfn >> CHUNK_SHIFT;
	struct frame *f;

	if (c >= m->nr_chunks || !m->chunks[c])
		return NULL;
	f = &m->chunks[c][mfn & (CHUNK_FRAMES - 1)];
	return f->present ? f : NULL;
}

static struct frame *frame_slot(struct pvmm *m, uint64_t mfn)
{
	uint64_t c = mfn >> CHUNK_SHIFT;

	if (mfn >> 40)
		return NULL;
	if (c >= m->nr_chunks) {
		size_t n = m->nr_chunks ? m->nr_chunks : 16;
		struct frame **nc;

		while (n <= c)
			n *= 2;
		uint64_t **nm;

		nc = realloc(m->chunks, n * sizeof(*nc));
		if (!nc)
			return NULL;
		memset(nc + m->nr_chunks, 0, (n - m->nr_chunks) * sizeof(*nc));
		m->chunks = nc;
		nm = realloc(m->m2p, n * sizeof(*nm));
		if (!nm)
			return NULL;
		memset(nm + m->nr_chunks, 0, (n - m->nr_chunks) * sizeof(*nm));
		m->m2p = nm;
		m->nr_chunks = n;
	}
	if (!m->chunks[c]) {
		m->chunks[c] = calloc(CHUNK_FRAMES, sizeof(struct frame));
		if (!m->chunks[c])
			return NULL;
	}
	return &m->chunks[c][mfn & (CHUNK_FRAMES - 1)];
}

static uint64_t *page_ptr(const struct pvmm *m, uint32_t ent)
{
	uint32_t p = ent - 1;

	return m->slabs[p / SLAB_PAGES] + (size_t)(p % SLAB_PAGES) * NR_ENTRIES;
}

/* The entries of @f, allocated (zero) from a slab on first need. */
static uint64_t *frame_ent(struct pvmm *m, struct frame *f)
{
	uint64_t *p;

	if (f->ent)
		return page_ptr(m, f->ent);
	if (m->nr_free) {
		f->ent = m->free_pages[--m->nr_free];
		p = page_ptr(m, f->ent);
		memset(p, 0, NR_ENTRIES * sizeof(*p));
		return p;
	}
	if (m->nr_pages == UINT32_MAX - 1)
		return NULL;
	if (m->nr_pages / SLAB_PAGES == m->nr_slabs) {
		uint64_t **ns = realloc(m->slabs, (m->nr_slabs + 1) * sizeof(*ns));

		if (!ns)
			return NULL;
		m->slabs = ns;
		ns[m->nr_slabs] = calloc(SLAB_PAGES * NR_ENTRIES, sizeof(uint64_t));
		if (!ns[m->nr_slabs])
			return NULL;
		m->nr_slabs++;
	}
	f->ent = ++m->nr_pages;
	return page_ptr(m, f->ent);
}

static uint64_t ent_get(const struct pvmm *m, const struct frame *f, unsigned i)
{
	return f->ent ? page_ptr(m, f->ent)[i] : 0;
}

/* Store an entry; only fails when out of memory (storing non-zero into a
 * frame that had no entries yet). */
static int ent_set(struct pvmm *m, struct frame *f, unsigned i, uint64_t v)
{
	uint64_t *p;

	if (!f->ent && !v)
		return 0;
	if (!(p = frame_ent(m, f)))
		return -ENOMEM;
	p[i] = v;
	return 0;
}

static uint64_t m2p_get(const struct pvmm *m, uint64_t mfn)
{
	const uint64_t *c = m->m2p[mfn >> CHUNK_SHIFT];

	return c ? c[mfn & (CHUNK_FRAMES - 1)] : M2P_INVALID;
}

static int m2p_set(struct pvmm *m, uint64_t mfn, uint64_t pfn)
{
	uint64_t **c = &m->m2p[mfn >> CHUNK_SHIFT];

	if (!*c) {
		if (pfn == M2P_INVALID)
			return 0;
		*c = malloc(CHUNK_FRAMES * sizeof(uint64_t));
		if (!*c)
			return -ENOMEM;
		memset(*c, 0xff, CHUNK_FRAMES * sizeof(uint64_t));
	}
	(*c)[mfn & (CHUNK_FRAMES - 1)] = pfn;
	return 0;
}

static struct domain *dom_get(struct pvmm *m, uint16_t domid)
{
	for (unsigned i = 0; i < MAX_DOMAINS; i++)
		if (m->dom[i].used && m->dom[i].domid == domid)
			return &m->dom[i];
	return NULL;
}

static const struct domain *dom_cget(const struct pvmm *m, uint16_t domid)
{
	return dom_get((struct pvmm *)m, domid);
}

int pvmm_add_domain(struct pvmm *m, uint16_t domid, unsigned nr_vcpus, bool io_caps)
{
	if (dom_get(m, domid))
		return -EEXIST;
	if (nr_vcpus < 1 || nr_vcpus > MAX_VCPUS || domid >= PVMM_DOMID_SELF)
		return -EINVAL;
	for (unsigned i = 0; i < MAX_DOMAINS; i++) {
		struct domain *d = &m->dom[i];

		if (d->used)
			continue;
		memset(d, 0, sizeof(*d));
		d->used = true;
		d->domid = domid;
		d->nr_vcpus = nr_vcpus;
		d->io_caps = io_caps;
		return 0;
	}
	return -ENOSPC;
}

int pvmm_set_writable_pagetables(struct pvmm *m, uint16_t domid, bool on)
{
	struct domain *d = dom_get(m, domid);

	if (!d)
		return -ESRCH;
	d->writable_pagetables = on;
	return 0;
}

int pvmm_set_xen_l4_slots(struct pvmm *m, uint16_t domid, const uint64_t slots[16])
{
	struct domain *d = dom_get(m, domid);

	if (!d)
		return -ESRCH;
	memcpy(d->xen_slots, slots, sizeof(d->xen_slots));
	d->have_xen_slots = true;
	return 0;
}

int pvmm_add_frame(struct pvmm *m, uint64_t mfn, uint16_t owner)
{
	struct frame *f = frame_slot(m, mfn);

	if (!f)
		return (mfn >> 40) ? -EINVAL : -ENOMEM;
	if (f->present)
		return -EEXIST;
	memset(f, 0, sizeof(*f));
	f->present = 1;
	f->owner = owner;
	if (m2p_set(m, mfn, M2P_INVALID))
		return -ENOMEM;
	/* PGC_allocated: a domain's page holds one general reference. */
	f->count = owner < PVMM_DOMID_SELF ? 1 : 0;
	return 0;
}

int pvmm_set_entry_raw(struct pvmm *m, uint64_t mfn, unsigned idx, uint64_t val)
{
	struct frame *f = frame_get(m, mfn);

	if (!f || idx >= NR_ENTRIES)
		return -ENOENT;
	return ent_set(m, f, idx, val);
}

int pvmm_set_table_raw(struct pvmm *m, uint64_t mfn, const uint64_t ents[512])
{
	struct frame *f = frame_get(m, mfn);
	uint64_t *p;

	if (!f)
		return -ENOENT;
	if (!(p = frame_ent(m, f)))
		return -ENOMEM;
	memcpy(p, ents, NR_ENTRIES * sizeof(*p));
	return 0;
}

int pvmm_set_special(struct pvmm *m, uint64_t mfn, bool special)
{
	struct frame *f = frame_get(m, mfn);

	if (!f)
		return -ENOENT;
	f->special = special;
	return 0;
}

int pvmm_set_m2p(struct pvmm *m, uint64_t mfn, uint64_t pfn)
{
	struct frame *f = frame_get(m, mfn);

	if (!f)
		return -ENOENT;
	return m2p_set(m, mfn, pfn);
}

bool pvmm_frame(const struct pvmm *m, uint64_t mfn, struct pvmm_frame_info *info)
{
	const struct frame *f = frame_get(m, mfn);

	if (!f)
		return false;
	info->owner = f->owner;
	info->type = (enum pvmm_type)f->type;
	info->type_count = f->type_count;
	info->count = f->count;
	info->validated = f->validated;
	info->pinned = f->pinned;
	info->linear = f->linear;
	info->special = f->special;
	info->m2p = m2p_get(m, mfn);
	return true;
}

uint64_t pvmm_entry(const struct pvmm *m, uint64_t mfn, unsigned idx)
{
	const struct frame *f = frame_get(m, mfn);

	return f && idx < NR_ENTRIES ? ent_get(m, f, idx) : 0;
}

uint64_t pvmm_frame_next(const struct pvmm *m, uint64_t from)
{
	for (uint64_t c = from >> CHUNK_SHIFT; c < m->nr_chunks; c++) {
		const struct frame *ch = m->chunks[c];

		if (!ch)
			continue;
		for (uint64_t i = c == (from >> CHUNK_SHIFT) ? (from & (CHUNK_FRAMES - 1)) : 0;
		     i < CHUNK_FRAMES; i++)
			if (ch[i].present)
				return (c << CHUNK_SHIFT) | i;
	}
	return PVMM_NO_FRAME;
}

uint64_t pvmm_vcpu_root(const struct pvmm *m, uint16_t domid, unsigned vcpu, bool user)
{
	const struct domain *d = dom_cget(m, domid);

	if (!d || vcpu >= d->nr_vcpus)
		return 0;
	return user ? d->vcpu[vcpu].guest_table_user : d->vcpu[vcpu].guest_table;
}

/* ---- the entries that hold only a general reference (buggy Xen) -------- */

static bool bug_ref_take(struct pvmm *m, uint64_t mfn, unsigned idx)
{
	uint64_t key = mfn << 9 | idx;

	for (size_t i = 0; i < m->nr_bug_refs; i++)
		if (m->bug_refs[i] == key) {
			m->bug_refs[i] = m->bug_refs[--m->nr_bug_refs];
			return true;
		}
	return false;
}

static int bug_ref_add(struct pvmm *m, uint64_t mfn, unsigned idx)
{
	if (m->nr_bug_refs == m->cap_bug_refs) {
		size_t n = m->cap_bug_refs ? 2 * m->cap_bug_refs : 16;
		uint64_t *p = realloc(m->bug_refs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->bug_refs = p;
		m->cap_bug_refs = n;
	}
	m->bug_refs[m->nr_bug_refs++] = mfn << 9 | idx;
	return 0;
}

/* ---- the store of the rules (xen/pvmm_rules.h) ------------------------- */

#define PVMM_CTX struct pvmm
typedef struct frame *pvmm_fh;
typedef struct frame *pvmm_tab;

static inline pvmm_fh st_frame(struct pvmm *m, uint64_t mfn) { return frame_get(m, mfn); }
static inline bool st_fh_ok(pvmm_fh f) { return f != NULL; }
static inline uint16_t st_owner(struct pvmm *m, pvmm_fh f) { (void)m; return f->owner; }
static inline uint32_t st_count(struct pvmm *m, pvmm_fh f) { (void)m; return f->count; }
static inline unsigned st_type(struct pvmm *m, pvmm_fh f) { (void)m; return f->type; }
static inline uint32_t st_tcount(struct pvmm *m, pvmm_fh f) { (void)m; return f->type_count; }
static inline bool st_validated(struct pvmm *m, pvmm_fh f) { (void)m; return f->validated; }
static inline bool st_pinned(struct pvmm *m, pvmm_fh f) { (void)m; return f->pinned; }
static inline int st_linear(struct pvmm *m, pvmm_fh f) { (void)m; return f->linear; }
static inline bool st_special(struct pvmm *m, pvmm_fh f) { (void)m; return f->special; }
static inline void st_set_count(struct pvmm *m, pvmm_fh f, uint32_t v) { (void)m; f->count = v; }
static inline void st_set_type(struct pvmm *m, pvmm_fh f, unsigned v)
{
	(void)m;
	f->type = (uint8_t)v;
}
static inline void st_set_tcount(struct pvmm *m, pvmm_fh f, uint32_t v)
{
	(void)m;
	f->type_count = v;
}
static inline void st_set_validated(struct pvmm *m, pvmm_fh f, bool v)
{
	(void)m;
	f->validated = v;
}
static inline void st_set_pinned(struct pvmm *m, pvmm_fh f, bool v) { (void)m; f->pinned = v; }
static inline int st_set_linear(struct pvmm *m, pvmm_fh f, int v)
{
	(void)m;
	f->linear = (int16_t)v;
	return 0;
}

/* The last general reference is gone: the page is free, its entry page
 * goes back to the slab. */
static void st_freed(struct pvmm *m, pvmm_fh f)
{
	f->owner = PVMM_OWNER_FREE;
	if (f->ent) {
		uint32_t *p = m->free_pages;

		if (m->nr_free == m->cap_free) {
			size_t n = m->cap_free ? 2 * m->cap_free : 16;

			p = realloc(m->free_pages, n * sizeof(*p));
			if (p) {
				m->free_pages = p;
				m->cap_free = n;
			}
		}
		if (m->nr_free < m->cap_free)
			m->free_pages[m->nr_free++] = f->ent;
		f->ent = 0;
	}
}

static inline int st_tab(struct pvmm *m, uint64_t mfn, pvmm_tab *t)
{
	*t = frame_get(m, mfn);
	return *t ? 0 : -ENOENT;
}
static inline uint64_t st_ent(struct pvmm *m, pvmm_tab t, unsigned i) { return ent_get(m, t, i); }
static inline int st_ent_set(struct pvmm *m, pvmm_tab t, unsigned i, uint64_t v)
{
	return ent_set(m, t, i, v);
}
/* A frame with no entry page has only zero entries. */
static inline unsigned st_ent_next(struct pvmm *m, pvmm_tab t, unsigned i)
{
	(void)m;
	return t->ent ? i : NR_ENTRIES;
}
static inline bool st_ent_raw(struct pvmm *m, pvmm_tab t, unsigned i)
{
	(void)m;
	(void)t;
	(void)i;
	return false;
}
static inline bool st_io_caps(struct pvmm *m, uint16_t d)
{
	const struct domain *dom = dom_get(m, d);

	return dom && dom->io_caps;
}
static inline const uint64_t *st_xen_slots(struct pvmm *m, uint16_t d)
{
	const struct domain *dom = dom_get(m, d);

	return dom && dom->have_xen_slots ? dom->xen_slots : NULL;
}
static inline enum pvmm_bug st_bug(struct pvmm *m) { return m->bug; }
static inline int st_bug_ref_add(struct pvmm *m, uint64_t mfn, unsigned idx)
{
	return bug_ref_add(m, mfn, idx);
}
static inline bool st_bug_ref_take(struct pvmm *m, uint64_t mfn, unsigned idx)
{
	return m->nr_bug_refs && bug_ref_take(m, mfn, idx);
}
static inline char *st_reason(struct pvmm *m) { return m->reason; }

#include "xen/pvmm_rules.h"

/* get_page(): the frame, or NULL without a reference. */
static struct frame *get_page(struct pvmm *m, uint64_t mfn, uint16_t d)
{
	bool ok;
	struct frame *f = mm_get_page(m, mfn, d, &ok);

	return ok ? f : NULL;
}

/* ---- hypercalls ---------------------------------------------------------- */

static struct domain *caller_dom(struct pvmm *m, uint16_t caller, unsigned vcpu)
{
	struct domain *d = dom_get(m, caller);

	if (!d || vcpu >= d->nr_vcpus) {
		why(m, "no vCPU %u in d%u", vcpu, caller);
		return NULL;
	}
	return d;
}

/* get_pg_owner(): the caller itself by its own id is refused. */
static int pg_owner_of(struct pvmm *m, uint16_t caller, uint16_t domid, uint16_t *owner)
{
	if (domid == caller) {
		why(m, "d%u cannot name itself as foreign domain (use DOMID_SELF)", caller);
		return -ESRCH;
	}
	if (domid == PVMM_DOMID_SELF) {
		*owner = caller;
		return 0;
	}
	if (domid == PVMM_DOMID_IO || domid == PVMM_DOMID_XEN) {
		*owner = domid;
		return 0;
	}
	if (!dom_get(m, domid)) {
		why(m, "unknown domain d%u", domid);
		return -ESRCH;
	}
	*owner = domid;
	return 0;
}

/* XSM_TARGET (dummy policy): the domain itself, or a privileged one. */
static bool may_act_on(uint16_t caller, uint16_t target)
{
	return caller == target || mm_privileged(caller);
}

int pvmm_mmu_update(struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t ptr,
		    uint64_t val, uint32_t foreigndom)
{
	unsigned cmd = (unsigned)(ptr & 7);
	uint16_t pt_owner = caller, pg_owner;
	unsigned pt_dom = foreigndom >> 16;
	uint64_t mfn;
	struct frame *f;
	int rc;

	m->reason[0] = 0;
	if (!caller_dom(m, caller, vcpu))
		return -ESRCH;
	if (pt_dom) {
		if (!dom_get(m, (uint16_t)(pt_dom - 1))) {
			why(m, "unknown page-table owner d%u", pt_dom - 1);
			return -ESRCH;
		}
		pt_owner = (uint16_t)(pt_dom - 1);
	}
	if ((rc = pg_owner_of(m, caller, (uint16_t)foreigndom, &pg_owner)))
		return rc;

	switch (cmd) {
	case PVMM_MMU_NORMAL_PT_UPDATE:
	case PVMM_MMU_PT_UPDATE_PRESERVE_AD:
	case PVMM_MMU_PT_UPDATE_NO_TRANSLATE:
		if (!may_act_on(caller, pt_owner) || !may_act_on(caller, pg_owner == PVMM_DOMID_IO ?
								  caller : pg_owner)) {
			why(m, "d%u may not update d%u's page tables", caller, pt_owner);
			return -EPERM;
		}
		mfn = ptr >> 12;
		f = get_page(m, mfn, pt_owner);
		if (!f) {
			why(m, "frame 0x%" PRIx64 " is not d%u's: could not get page for normal update",
			    mfn, pt_owner);
			return -EINVAL;
		}
		{
			unsigned idx = (unsigned)((ptr & 0xfff) >> 3), level;

			rc = mm_update_path(m, mfn, f, pt_owner, pg_owner, &level);
			if (!rc && level)
				rc = mm_mod_entry(m, level, mfn, f, idx, val,
						  cmd == PVMM_MMU_PT_UPDATE_PRESERVE_AD, pt_owner,
						  pg_owner, caller);
			else if (!rc)
				rc = ent_set(m, f, idx, val);
		}
		mm_put_page(m, f);
		return rc;

	case PVMM_MMU_MACHPHYS_UPDATE:
		if (pt_owner != caller) {
			why(m, "machphys update for another domain's page tables");
			return -EPERM;
		}
		mfn = ptr >> 12;
		f = get_page(m, mfn, pg_owner);
		if (!f) {
			why(m, "frame 0x%" PRIx64 " is not d%u's: could not get page for mach->phys "
			    "update", mfn, pg_owner);
			return -EINVAL;
		}
		rc = m2p_set(m, mfn, val);
		mm_put_page(m, f);
		return rc;

	default:
		why(m, "unknown mmu_update command %u", cmd);
		return -ENOSYS;
	}
}

/* Walk @root for @va (4-level); the L1 table frame in *@l1 and its slot. */
static uint64_t walk(const struct pvmm *m, uint64_t root, uint64_t va, uint64_t *l1,
		     unsigned *l1_idx, bool *writable, bool *l2_pse)
{
	uint64_t t = root;
	bool w = true;

	*l2_pse = false;
	for (unsigned level = 4; level >= 1; level--) {
		unsigned idx = (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
		const struct frame *f = frame_get(m, t);
		uint64_t e;

		if (!f)
			return PVMM_NO_FRAME;
		e = ent_get(m, f, idx);
		if (!(e & XENPT_PTE_P))
			return PVMM_NO_FRAME;
		if (level == 2 && (e & XENPT_PTE_PSE)) {
			*l2_pse = true;
			return PVMM_NO_FRAME;
		}
		if (level == 3 && (e & XENPT_PTE_PSE))
			return PVMM_NO_FRAME;
		w = w && (e & XENPT_PTE_RW);
		if (level == 1) {
			*l1 = t;
			*l1_idx = idx;
			*writable = w;
			return e;
		}
		t = PTE_FRAME(e);
	}
	return PVMM_NO_FRAME;
}

static bool canonical(uint64_t va)
{
	return ((int64_t)va >> 47) == ((int64_t)va >> 63);
}

/* __addr_ok(): the lower half, or above Xen's 16 L4 slots. */
static bool addr_ok(uint64_t va)
{
	return va < (1ull << 47) || va >= HYPERVISOR_VIRT_END;
}

uint64_t pvmm_translate(const struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t va,
			bool *writable)
{
	uint64_t root = pvmm_vcpu_root(m, caller, vcpu, false), l1, e;
	unsigned idx;
	bool pse;

	if (!root || !canonical(va))
		return PVMM_NO_FRAME;
	e = walk(m, root, va, &l1, &idx, writable, &pse);
	return e == PVMM_NO_FRAME ? e : PTE_FRAME(e);
}

/* copy_from_guest() of a vCPU bitmap: readable in the current tables? */
static bool guest_readable(const struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t va)
{
	bool w;

	return addr_ok(va) && pvmm_translate(m, caller, vcpu, va, &w) != PVMM_NO_FRAME;
}

/* new_guest_cr3() / MMUEXT_NEW_USER_BASEPTR: switch a root. */
static int set_root(struct pvmm *m, struct domain *d, unsigned vcpu, uint64_t mfn, bool user)
{
	uint64_t *slot = user ? &d->vcpu[vcpu].guest_table_user : &d->vcpu[vcpu].guest_table;
	uint64_t old = *slot;
	int rc;

	if (old == mfn)
		return 0;
	if (mfn || !user) {
		rc = mm_get_root(m, mfn, !user, d->domid);
		if (rc) {
			why_ctx(m, "new %sbase pointer 0x%" PRIx64, user ? "user " : "", mfn);
			return rc;
		}
	}
	*slot = mfn;
	if (old) {
		struct frame *f = frame_get(m, old);

		if (f)
			mm_put_page_and_type(m, old, f);
	}
	return 0;
}

int pvmm_vcpu_set_roots(struct pvmm *m, uint16_t domid, unsigned vcpu, uint64_t kernel_l4,
			uint64_t user_l4)
{
	struct domain *d = caller_dom(m, domid, vcpu);
	int rc;

	m->reason[0] = 0;
	if (!d)
		return -ESRCH;
	if ((rc = set_root(m, d, vcpu, kernel_l4, false)))
		return rc;
	return set_root(m, d, vcpu, user_l4, true);
}

/*
 * pv_set_gdt() (pv/descriptor-tables.c): a seg_desc type reference on each
 * new frame, then the old ones are dropped (pv_destroy_gdt()).  The
 * descriptors themselves (validate_segdesc_page(), check_descriptor()) are
 * not checked.
 */
int pvmm_set_gdt(struct pvmm *m, uint16_t domid, unsigned vcpu, const uint64_t *frames,
		 unsigned entries)
{
	struct domain *d = caller_dom(m, domid, vcpu);
	unsigned i, nr = (entries + 511) / 512;
	struct vcpu *v;
	int rc = 0;

	m->reason[0] = 0;
	if (!d)
		return -ESRCH;
	v = &d->vcpu[vcpu];
	if ((rc = mm_gdt_get(m, domid, frames, entries)))
		return rc;
	mm_gdt_put(m, v->gdt_frames, v->gdt_ents);
	for (i = 0; i < GDT_FRAMES; i++)
		v->gdt_frames[i] = i < nr ? frames[i] : 0;
	v->gdt_ents = entries;
	return 0;
}

unsigned pvmm_vcpu_gdt(const struct pvmm *m, uint16_t domid, unsigned vcpu, uint64_t frames[14])
{
	const struct domain *d = dom_cget(m, domid);

	if (!d || vcpu >= d->nr_vcpus)
		return 0;
	memcpy(frames, d->vcpu[vcpu].gdt_frames, sizeof(d->vcpu[vcpu].gdt_frames));
	return d->vcpu[vcpu].gdt_ents;
}

int pvmm_mmuext_op(struct pvmm *m, uint16_t caller, unsigned vcpu,
		   const struct pvmm_mmuext_op *op, uint32_t foreigndom)
{
	struct domain *d = caller_dom(m, caller, vcpu);
	enum pvmm_type type;
	uint16_t pg_owner;
	struct frame *f;
	int rc;

	m->reason[0] = 0;
	if (!d)
		return -ESRCH;
	if ((rc = pg_owner_of(m, caller, (uint16_t)foreigndom, &pg_owner)))
		return rc;
	if (pg_owner == PVMM_DOMID_IO || pg_owner == PVMM_DOMID_XEN) {
		why(m, "d%u is not a PV domain", pg_owner);
		return -EINVAL;
	}
	if (!may_act_on(caller, pg_owner)) {
		why(m, "d%u may not act on d%u", caller, pg_owner);
		return -EPERM;
	}

	switch (op->cmd) {
	case PVMM_MMUEXT_PIN_L1_TABLE:
	case PVMM_MMUEXT_PIN_L2_TABLE:
	case PVMM_MMUEXT_PIN_L3_TABLE:
	case PVMM_MMUEXT_PIN_L4_TABLE:
		type = (enum pvmm_type)(PVMM_T_L1 + op->cmd - PVMM_MMUEXT_PIN_L1_TABLE);
		return mm_pin(m, op->arg1, type, pg_owner);

	case PVMM_MMUEXT_UNPIN_TABLE:
		return mm_unpin(m, op->arg1, pg_owner);

	case PVMM_MMUEXT_NEW_BASEPTR:
	case PVMM_MMUEXT_NEW_USER_BASEPTR:
		if (caller != pg_owner) {
			why(m, "base pointers of another domain cannot be changed");
			return -EPERM;
		}
		return set_root(m, d, vcpu, op->arg1, op->cmd == PVMM_MMUEXT_NEW_USER_BASEPTR);

	case PVMM_MMUEXT_TLB_FLUSH_LOCAL:
	case PVMM_MMUEXT_INVLPG_LOCAL:
	case PVMM_MMUEXT_TLB_FLUSH_ALL:
	case PVMM_MMUEXT_INVLPG_ALL:
		if (caller != pg_owner) {
			why(m, "TLB operations only on the caller's own domain");
			return -EPERM;
		}
		return 0;

	case PVMM_MMUEXT_TLB_FLUSH_MULTI:
	case PVMM_MMUEXT_INVLPG_MULTI:
		if (caller != pg_owner) {
			why(m, "TLB operations only on the caller's own domain");
			return -EPERM;
		}
		if (!guest_readable(m, caller, vcpu, op->arg2)) {
			why(m, "vCPU mask at 0x%" PRIx64 " is not readable", op->arg2);
			return -EINVAL;
		}
		return 0;

	case PVMM_MMUEXT_FLUSH_CACHE:
		if (caller != pg_owner) {
			why(m, "cache flush only for the caller's own domain");
			return -EPERM;
		}
		if (!d->io_caps) {
			why(m, "d%u may not flush caches (no I/O capability)", caller);
			return -EACCES;
		}
		return 0;

	case PVMM_MMUEXT_FLUSH_CACHE_GLOBAL:
		if (caller != pg_owner) {
			why(m, "cache flush only for the caller's own domain");
			return -EPERM;
		}
		if (!d->io_caps) {
			why(m, "d%u may not flush caches (no I/O capability)", caller);
			return -EINVAL;
		}
		return 0;

	case PVMM_MMUEXT_SET_LDT:
		if (caller != pg_owner) {
			why(m, "SET_LDT only for the caller's own domain");
			return -EPERM;
		}
		if (op->arg2 > 8192 || (op->arg2 && ((op->arg1 & 0xfff) || !addr_ok(op->arg1)))) {
			why(m, "bad SET_LDT arguments: ptr=0x%" PRIx64 " ents=%" PRIu64, op->arg1,
			    op->arg2);
			return -EINVAL;
		}
		return 0;

	case PVMM_MMUEXT_CLEAR_PAGE:
	case PVMM_MMUEXT_COPY_PAGE: {
		struct frame *src = NULL;

		if (op->cmd == PVMM_MMUEXT_COPY_PAGE) {
			src = get_page(m, op->arg2, pg_owner);
			if (!src) {
				why(m, "copy: source frame 0x%" PRIx64 " is not d%u's", op->arg2,
				    pg_owner);
				return -EINVAL;
			}
		}
		f = get_page(m, op->arg1, pg_owner);
		if (!f || mm_get_type(m, op->arg1, f, PVMM_T_WRITABLE)) {
			if (f) {
				why(m, "frame 0x%" PRIx64 " is in use as %s: cannot be written",
				    op->arg1, pvmm_type_name((enum pvmm_type)f->type));
				mm_put_page(m, f);
			} else {
				why(m, "frame 0x%" PRIx64 " is not d%u's", op->arg1, pg_owner);
			}
			if (src)
				mm_put_page(m, src);
			return -EINVAL;
		}
		if (src && src->ent) {
			uint64_t *dst = frame_ent(m, f);

			if (!dst)
				rc = -ENOMEM;
			else
				memcpy(dst, page_ptr(m, src->ent), NR_ENTRIES * sizeof(uint64_t));
		} else if (f->ent) {
			memset(page_ptr(m, f->ent), 0, NR_ENTRIES * sizeof(uint64_t));
		}
		mm_put_page_and_type(m, op->arg1, f);
		if (src)
			mm_put_page(m, src);
		return rc;
	}

	case PVMM_MMUEXT_MARK_SUPER:
	case PVMM_MMUEXT_UNMARK_SUPER:
		why(m, "PV superpages are not supported");
		return -EOPNOTSUPP;

	default:
		why(m, "unknown mmuext command %u", op->cmd);
		return -ENOSYS;
	}
}

/* ---- multicall (xen/common/multicall.c, xen/arch/x86/pv/hypercall.c) ---- */

int pvmm_multicall(struct pvmm *m, uint16_t caller, unsigned vcpu,
		   struct pvmm_multicall_entry *calls, unsigned nr)
{
	char last[sizeof(m->reason) + 32] = "";
	unsigned i;

	for (i = 0; i < nr; i++)
		if (calls[i].op != PVMM_HC_MMU_UPDATE && calls[i].op != PVMM_HC_MMUEXT_OP &&
		    calls[i].op != PVMM_HC_UPDATE_VA_MAPPING && calls[i].op != PVMM_HC_MULTICALL) {
			why(m, "multicall entry %u: hypercall %u is not modeled", i, calls[i].op);
			return -EOPNOTSUPP;
		}
	/*
	 * do_multicall: entries run one after the other and each result is
	 * copied back; a failing entry does not stop the batch (only
	 * mc_exit, i.e. HYPERVISOR_iret, does), and the multicall itself
	 * returns 0.  Preemption only splits the batch into continuations.
	 */
	for (i = 0; i < nr; i++) {
		struct pvmm_multicall_entry *c = &calls[i];
		int rc;

		switch (c->op) {
		case PVMM_HC_MMU_UPDATE:
			rc = pvmm_mmu_update(m, caller, vcpu, c->ptr, c->val, c->foreigndom);
			break;
		case PVMM_HC_MMUEXT_OP:
			rc = pvmm_mmuext_op(m, caller, vcpu, &c->ext, c->foreigndom);
			break;
		case PVMM_HC_UPDATE_VA_MAPPING:
			rc = pvmm_update_va_mapping(m, caller, vcpu, c->ptr, c->val, c->flags);
			break;
		default:
			/* _MCSF_in_multicall is set: "Multicall reentry is disallowed" */
			m->reason[0] = 0;
			why(m, "a multicall inside a multicall");
			rc = -EINVAL;
			break;
		}
		c->result = rc;
		if (rc)
			snprintf(last, sizeof(last), "multicall entry %u: %s", i, m->reason);
	}
	snprintf(m->reason, sizeof(m->reason), "%.*s", (int)sizeof(m->reason) - 1, last);
	return 0;
}

int pvmm_update_va_mapping(struct pvmm *m, uint16_t caller, unsigned vcpu, uint64_t va,
			   uint64_t val, uint64_t flags)
{
	struct domain *d = caller_dom(m, caller, vcpu);
	uint64_t l1 = 0, root, bmap;
	unsigned idx = 0;
	bool w, pse;
	struct frame *f;
	int rc;

	m->reason[0] = 0;
	if (!d)
		return -ESRCH;
	root = d->vcpu[vcpu].guest_table;
	/* map_guest_l1e() (pv/mm.c): through the linear L2 of the current tables */
	if (!addr_ok(va)) {
		why(m, "VA 0x%" PRIx64 " is not a guest address", va);
		return -EINVAL;
	}
	{
		/* the L2 entry must be present and not PSE; the L1 entry need not be */
		uint64_t t = root;

		for (unsigned level = 4; level >= 2; level--) {
			unsigned i = (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
			const struct frame *tf = frame_get(m, t);
			uint64_t e = tf ? ent_get(m, tf, i) : 0;

			if (!(e & XENPT_PTE_P) || (level == 2 && (e & XENPT_PTE_PSE))) {
				why(m, "VA 0x%" PRIx64 ": no L1 table (L%u entry %u of frame 0x%"
				    PRIx64 " is 0x%" PRIx64 ")", va, level, i, t, e);
				return -EINVAL;
			}
			t = PTE_FRAME(e);
		}
		l1 = t;
		idx = (unsigned)((va >> 12) & 511);
	}
	(void)w;
	(void)pse;
	f = get_page(m, l1, caller);
	if (!f) {
		why(m, "VA 0x%" PRIx64 ": the L1 frame 0x%" PRIx64 " is not d%u's", va, l1, caller);
		return -EINVAL;
	}
	if (!f->validated || !f->type_count || f->type != PVMM_T_L1) {
		why(m, "VA 0x%" PRIx64 ": frame 0x%" PRIx64 " (%s%s) is not a validated L1 table",
		    va, l1, pvmm_type_name((enum pvmm_type)f->type),
		    f->type_count ? "" : ", type count 0");
		mm_put_page(m, f);
		return -EINVAL;
	}
	rc = mm_mod_entry(m, 1, l1, f, idx, val, false, caller, caller, caller);
	mm_put_page(m, f);
	if (rc)
		return rc;
	bmap = flags & ~PVMM_UVMF_FLUSHTYPE_MASK;
	if ((flags & PVMM_UVMF_FLUSHTYPE_MASK) && bmap != PVMM_UVMF_LOCAL && bmap != PVMM_UVMF_ALL &&
	    (flags & PVMM_UVMF_FLUSHTYPE_MASK) != 3 && !guest_readable(m, caller, vcpu, bmap)) {
		why(m, "the entry was written, but the vCPU mask at 0x%" PRIx64 " is not readable",
		    bmap);
		return -EFAULT;
	}
	return 0;
}

enum pvmm_write_result pvmm_guest_write(struct pvmm *m, uint16_t caller, unsigned vcpu,
					uint64_t va, uint64_t val, unsigned *ec)
{
	struct domain *d = caller_dom(m, caller, vcpu);
	uint64_t l1 = 0, e, target;
	unsigned idx = 0;
	bool w, pse;
	struct frame *tf;
	int rc;

	m->reason[0] = 0;
	*ec = 0;
	if (!d || !canonical(va) || (va & 7)) {
		if (d)
			why(m, "VA 0x%" PRIx64 " is not canonical (or not 8-byte aligned)", va);
		return PVMM_WRITE_GP;
	}
	if (xen_pv_is_xen_l4_slot((unsigned)((va >> 39) & 511))) {
		/* Xen's own mappings are supervisor-only: fixup_page_fault() leaves
		 * faults in IN_HYPERVISOR_RANGE to the guest */
		const struct frame *rf = frame_get(m, d->vcpu[vcpu].guest_table);
		bool present = rf && (ent_get(m, rf, (unsigned)((va >> 39) & 511)) & XENPT_PTE_P);

		why(m, "VA 0x%" PRIx64 " is in Xen's L4 slots", va);
		*ec = present ? 3 : 2;
		return PVMM_WRITE_PF;
	}
	e = walk(m, d->vcpu[vcpu].guest_table, va, &l1, &idx, &w, &pse);
	if (e == PVMM_NO_FRAME) {
		why(m, "VA 0x%" PRIx64 " is not mapped", va);
		*ec = 2;  /* W, not present */
		return PVMM_WRITE_PF;
	}
	target = PTE_FRAME(e);
	tf = frame_get(m, target);
	if (w) {
		if (tf && tf->owner != PVMM_DOMID_IO && ent_set(m, tf, (unsigned)((va & 0xfff) >> 3), val))
			return PVMM_WRITE_GP;
		return PVMM_WRITE_DONE;
	}
	*ec = 3;  /* P|W (Xen clears U for a guest kernel fault) */
	/* fixup_page_fault() (traps.c): only with VM_ASSIST writable_pagetables */
	if (!d->writable_pagetables) {
		why(m, "VA 0x%" PRIx64 " is mapped read-only (and d%u has no writable page tables)",
		    va, caller);
		return PVMM_WRITE_PF;
	}
	/* pv_ro_page_fault(): only the L1 entry's own RW bit is looked at */
	if ((e & (XENPT_PTE_P | XENPT_PTE_RW)) != XENPT_PTE_P) {
		why(m, "VA 0x%" PRIx64 " is mapped read-only above the L1 entry", va);
		return PVMM_WRITE_PF;
	}
	/* ptwr_do_page_fault(): one of the domain's validated L1 tables */
	if (!tf || tf->owner != caller || !tf->count || !tf->validated || !tf->type_count ||
	    tf->type != PVMM_T_L1) {
		why(m, "VA 0x%" PRIx64 " maps frame 0x%" PRIx64 " read-only and it is not one of "
		    "d%u's L1 tables in use", va, target, caller);
		return PVMM_WRITE_PF;
	}
	/* ptwr_emulated_update(): always through get_page_from_l1e() */
	idx = (unsigned)((va & 0xfff) >> 3);
	{
		uint64_t ov = ent_get(m, tf, idx), nv = val;
		bool old_bugged = mm_take_mark(m, target, idx);

		if (nv & XENPT_PTE_P) {
			rc = mm_get_entry(m, 1, nv, target, idx, caller, caller, caller);
			if (rc < 0) {
				if (old_bugged)
					bug_ref_add(m, target, idx);
				why_ctx(m, "writable page table: L1 frame 0x%" PRIx64 " slot %u", target,
					idx);
				return PVMM_WRITE_PF;
			}
			if (rc > 0)
				nv ^= (uint64_t)rc;
		}
		nv = xen_pv_adjust_entry(1, nv);
		if (ent_set(m, tf, idx, nv))
			return PVMM_WRITE_GP;
		mm_put_entry_as(m, 1, ov, target, old_bugged);
	}
	*ec = 0;
	return PVMM_WRITE_EMULATED;
}
