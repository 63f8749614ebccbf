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
#define PTE_FRAME(e)  (((e) & XENPT_PTE_ADDR_MASK) >> 12)

/* __PAGE_HYPERVISOR_RW (xen/arch/x86/include/asm/page.h): NX|A|D|RW|P. */
#define PAGE_HYPERVISOR_RW (XENPT_PTE_NX | XENPT_PTE_D | XENPT_PTE_A | XENPT_PTE_RW | XENPT_PTE_P)
/* LINEAR_PT_VIRT_START's and RO_MPT_VIRT_START's L4 slots
 * (xen/arch/x86/include/asm/config.h). */
#define XEN_LINEAR_SLOT 258u
#define XEN_RO_MPT_SLOT 256u
/* HYPERVISOR_VIRT_END (config.h): the end of the 16 Xen L4 slots. */
#define HYPERVISOR_VIRT_END 0xffff880000000000ull

/*
 * FASTPATH_FLAG_WHITELIST (mm.c): flags a guest may change without
 * re-validating: NX, AVAIL_HIGH (52-62), AVAIL (9-11), G, D, A, US.  With
 * CONFIG_PV_LINEAR_PT the PDE list is the same.  l1e_has_changed() compares
 * the address (bits 12-51) and every flag outside the list.
 */
#define FASTPATH_WHITELIST (XENPT_PTE_NX | 0x7ff0000000000000ull | 0xe00ull | XENPT_PTE_G | \
			    XENPT_PTE_D | XENPT_PTE_A | XENPT_PTE_US)

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

/* ---- reasons ------------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3))) why(struct pvmm *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
}

/* Prefix the current reason with context ("ctx: reason"). */
static void __attribute__((format(printf, 2, 3))) why_ctx(struct pvmm *m, const char *fmt, ...)
{
	char old[sizeof(m->reason)];
	size_t n;
	va_list ap;

	memcpy(old, m->reason, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	n = strlen(m->reason);
	if (n + 2 < sizeof(m->reason)) {
		memcpy(m->reason + n, ": ", 2);
		n += 2;
		strncpy(m->reason + n, old, sizeof(m->reason) - n - 1);
		m->reason[sizeof(m->reason) - 1] = 0;
	}
}

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
	if (info->type >= PVMM_T_L1 && info->type <= PVMM_T_L4 && (info->pinned || info->validated))
		return (const char *const[]){ "l1", "l2", "l3", "l4" }[info->type - PVMM_T_L1];
	return "none";
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

/* ---- general and type references --------------------------------------- */

/* get_page(page, d): a general reference if @d owns the frame. */
static struct frame *get_page(struct pvmm *m, uint64_t mfn, uint16_t d)
{
	struct frame *f = frame_get(m, mfn);

	if (!f || f->owner != d || !f->count)
		return NULL;
	f->count++;
	return f;
}

/*
 * put_page(): drop a general reference; at 0 the page is freed
 * (cleanup_page_mappings() clears a writable type; free_domheap_page()).
 */
static void put_page(struct pvmm *m, struct frame *f)
{
	if (!f->count)
		return;
	if (--f->count)
		return;
	if (f->type == PVMM_T_WRITABLE)
		f->type = PVMM_T_NONE, f->validated = 0;
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

static int get_type(struct pvmm *m, uint64_t mfn, struct frame *f, enum pvmm_type type);
static void put_type(struct pvmm *m, uint64_t mfn, struct frame *f, struct frame *ptpg);
static int validate(struct pvmm *m, uint64_t mfn, struct frame *f, enum pvmm_type type,
		    unsigned *fail_idx);
static void devalidate(struct pvmm *m, uint64_t mfn, struct frame *f);

/* The type of a frame as xen_pv_entry_ref() wants it. */
static enum xen_pv_type pv_type(const struct frame *f)
{
	if (!f->type_count)
		return XEN_PV_T_NONE;
	switch (f->type) {
	case PVMM_T_L1: case PVMM_T_L2: case PVMM_T_L3: case PVMM_T_L4:
		return (enum xen_pv_type)f->type;
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
static int get_type(struct pvmm *m, uint64_t mfn, struct frame *f, enum pvmm_type type)
{
	unsigned fail_idx = 0;
	int rc;

	if (f->type_count == UINT32_MAX) {
		why(m, "type count overflow on frame 0x%" PRIx64, mfn);
		return -EINVAL;
	}
	if (f->type_count) {
		if (f->type != type) {
			why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected %s",
			    mfn, pvmm_type_name((enum pvmm_type)f->type), f->type_count,
			    pvmm_type_name(type));
			return -EINVAL;
		}
		if (!f->validated) {
			/* Xen would wait for the concurrent validation. */
			why(m, "frame 0x%" PRIx64 " is being validated as %s", mfn, pvmm_type_name(type));
			return -EINVAL;
		}
		f->type_count++;
		return 0;
	}
	/* Typeref 0 -> 1 */
	if (f->type != type) {
		f->type = (uint8_t)type;
		f->validated = 0;
	}
	f->type_count = 1;
	if (f->validated)
		return 0;
	if (type == PVMM_T_WRITABLE) {
		f->validated = 1;
		return 0;
	}
	f->linear = 0;
	rc = validate(m, mfn, f, type, &fail_idx);
	if (!rc) {
		f->validated = 1;
		return 0;
	}
	f->type_count = 0;
	if (type == PVMM_T_L1 || fail_idx == 0)
		f->type = PVMM_T_NONE;
	f->linear = 0;
	return rc;
}

/*
 * _put_page_type() with @ptpg the table whose entry held the reference
 * (NULL for pins, roots, L1 mappings): the last reference of a validated
 * page table devalidates it (recursively) and keeps its type bits; a
 * reference of the same type as @ptpg was a linear one.
 */
static void put_type(struct pvmm *m, uint64_t mfn, struct frame *f, struct frame *ptpg)
{
	bool linear = ptpg && ptpg->type == f->type;

	if (!f->type_count)
		return;
	if (f->type_count == 1 && f->type >= PVMM_T_L1 && f->type <= PVMM_T_L4 && f->validated) {
		f->validated = 0;
		devalidate(m, mfn, f);
		if (linear) {
			f->linear++;
			ptpg->linear--;
		}
		f->type_count = 0;
		return;
	}
	f->type_count--;
	if (linear) {
		f->linear++;
		ptpg->linear--;
	}
}

static void put_page_and_type(struct pvmm *m, uint64_t mfn, struct frame *f)
{
	put_type(m, mfn, f, NULL);
	put_page(m, f);
}

/* ---- the reference an entry holds --------------------------------------- */

static bool bug(const struct pvmm *m, enum pvmm_bug b)
{
	return m->bug == b;
}

static uint64_t disallow(const struct pvmm *m, unsigned level, const struct domain *d)
{
	if (bug(m, PVMM_BUG_BAD_FLAGS))
		return 0;
	return xen_pv_disallow_mask(level, d && d->io_caps);
}

static bool privileged(uint16_t domid)
{
	return domid == 0;
}

/*
 * get_page_from_l1e(l1e, l1e_owner, pg_owner): 0, the flags to flip (> 0,
 * MMIO cache attributes), or -errno.  @holder/@idx: where the entry will
 * live (for the buggy-Xen bookkeeping), PVMM_NO_FRAME if nowhere yet.
 */
static int get_l1e(struct pvmm *m, uint64_t e, uint16_t l1e_owner, uint16_t pg_owner,
		   uint16_t curr, uint64_t holder, unsigned idx)
{
	uint64_t mfn = PTE_FRAME(e);
	const struct domain *ld = dom_get(m, l1e_owner);
	uint64_t bad = e & disallow(m, 1, ld);
	struct frame *f;
	uint16_t real;
	enum xen_pv_ref r;
	int flip = 0;

	if (bad) {
		why(m, "L1 entry 0x%" PRIx64 ": flags 0x%" PRIx64 " are disallowed in an L1 entry",
		    e, bad);
		return -EINVAL;
	}
	f = frame_get(m, mfn);
	if (!f || f->owner == PVMM_DOMID_IO) {
		/* I/O memory: iomem_access_permitted() of pg_owner, then of l1e_owner */
		const struct domain *pd;

		if (pg_owner == PVMM_DOMID_IO)
			pg_owner = curr;
		pd = dom_get(m, pg_owner);
		if (!pd || !pd->io_caps || (pg_owner != l1e_owner && (!ld || !ld->io_caps))) {
			/* INVALID_MFN (PADDR_MASK >> PAGE_SHIFT) is -EINVAL, not -EPERM */
			why(m, "d%u may not map MMIO frame 0x%" PRIx64 " (no I/O capability)",
			    pd && pd->io_caps ? l1e_owner : pg_owner, mfn);
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
	real = f->count ? f->owner : PVMM_OWNER_FREE;
	if (real != pg_owner) {
		if (real == PVMM_OWNER_FREE || pg_owner == l1e_owner || !privileged(pg_owner)) {
			if (real == PVMM_OWNER_FREE)
				why(m, "frame 0x%" PRIx64 " is free (no owner)", mfn);
			else
				why(m, "frame 0x%" PRIx64 " belongs to d%u, not to d%u (the page owner)",
				    mfn, real, pg_owner);
			return -EBUSY;
		}
		pg_owner = real;
	}
	f->count++;
	/* a bad-flags bug lets the flags through: classify the rest of the entry */
	r = xen_pv_entry_ref(1, bug(m, PVMM_BUG_BAD_FLAGS) ?
			     e & ~xen_pv_disallow_mask(1, ld && ld->io_caps) : e,
			     holder, pv_type(f), ld && ld->io_caps);
	if (r == XEN_PV_REF_RW_TABLE) {
		if (bug(m, PVMM_BUG_RW_TABLE) && holder != PVMM_NO_FRAME) {
			if (bug_ref_add(m, holder, idx)) {
				put_page(m, f);
				return -ENOMEM;
			}
			return 0;
		}
		why(m, "RW mapping of frame 0x%" PRIx64 ", which is in use as %s (type count %" PRIu32
		    "): could not get a writable type reference", mfn,
		    pvmm_type_name((enum pvmm_type)f->type), f->type_count);
		put_page(m, f);
		return -EBUSY;
	}
	if (r == XEN_PV_REF_MAP_RW && get_type(m, mfn, f, PVMM_T_WRITABLE)) {
		put_page(m, f);
		return -EBUSY;
	}
	if ((e & XEN_PV_CACHE_ATTRS) && f->special) {
		if (r == XEN_PV_REF_MAP_RW)
			put_type(m, mfn, f, NULL);
		put_page(m, f);
		why(m, "frame 0x%" PRIx64 " is a Xen page: its cache attributes cannot change", mfn);
		return -EACCES;
	}
	return 0;
}

/* put_page_from_l1e(); @bugged: the entry holds only a general reference */
static void put_l1e(struct pvmm *m, uint64_t e, bool bugged)
{
	struct frame *f;

	if (!(e & XENPT_PTE_P))
		return;
	f = frame_get(m, PTE_FRAME(e));
	if (!f || f->owner == PVMM_DOMID_IO)
		return;
	if (bugged) {
		put_page(m, f);
		return;
	}
	if (e & XENPT_PTE_RW)
		put_page_and_type(m, PTE_FRAME(e), f);
	else
		put_page(m, f);
}

/*
 * get_page_from_l2e/l3e/l4e() for entry @e at slot @idx of the level-@level
 * table @holder owned by @d.
 */
static int get_lne(struct pvmm *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx,
		   uint16_t d)
{
	uint64_t mfn = PTE_FRAME(e);
	const struct domain *dom = dom_get(m, d);
	uint64_t bad = e & disallow(m, level, dom);
	struct frame *f, *hf;
	enum xen_pv_ref r;
	int rc;

	if (bad) {
		why(m, "flags 0x%" PRIx64 " are disallowed in an L%u entry", bad, level);
		return -EINVAL;
	}
	f = frame_get(m, mfn);
	if (!f || f->owner != d || !f->count) {
		if (mfn == holder)  /* cannot happen: the holder is d's */
			return 0;
		why(m, "frame 0x%" PRIx64 " is not d%u's", mfn, d);
		return -EINVAL;
	}
	hf = frame_get(m, holder);
	r = xen_pv_entry_ref(level, bug(m, PVMM_BUG_BAD_FLAGS) ?
			     e & ~xen_pv_disallow_mask(level, dom && dom->io_caps) : e,
			     holder, pv_type(f), dom && dom->io_caps);
	if (r == XEN_PV_REF_LINEAR_RW && bug(m, PVMM_BUG_LINEAR_RW))
		r = mfn == holder ? XEN_PV_REF_SELF
		    : pv_type(f) == (enum xen_pv_type)level ? XEN_PV_REF_LINEAR
		    : XEN_PV_REF_WRONG_TYPE;
	switch (r) {
	case XEN_PV_REF_CHILD:
		f->count++;
		rc = get_type(m, mfn, f, (enum pvmm_type)(level - 1));
		if (rc)
			put_page(m, f);
		return rc;
	case XEN_PV_REF_SELF:
		return 0;
	case XEN_PV_REF_LINEAR:
		if (!bug(m, PVMM_BUG_LINEAR_LEVELS)) {
			if (hf->linear < 0) {
				why(m, "linear entry to L%u frame 0x%" PRIx64 ": this table is itself "
				    "a linear target (%d uses)", level, mfn, -hf->linear);
				return -EINVAL;
			}
			if (f->linear > 0) {
				why(m, "linear entry to L%u frame 0x%" PRIx64 ", which itself has %d "
				    "linear entries", level, mfn, f->linear);
				return -EINVAL;
			}
		}
		if (!f->validated || f->type_count == UINT32_MAX) {
			why(m, "linear entry to L%u frame 0x%" PRIx64 ", which is not validated",
			    level, mfn);
			return -EINVAL;
		}
		hf->linear++;
		f->linear--;
		f->count++;
		f->type_count++;
		return 0;
	case XEN_PV_REF_LINEAR_RW:
		/* get_page_and_type_from_mfn() failed, and the linear fallback
		 * refuses RW first: say which of the two the guest meant */
		if (mfn == holder)
			why(m, "self map of L%u frame 0x%" PRIx64 " with write permission", level, mfn);
		else if (pv_type(f) == (enum xen_pv_type)level)
			why(m, "linear entry to L%u frame 0x%" PRIx64 " with write permission", level,
			    mfn);
		else
			why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected L%u",
			    mfn, pvmm_type_name((enum pvmm_type)f->type), f->type_count, level - 1);
		return -EINVAL;
	case XEN_PV_REF_WRONG_TYPE:
		if (bug(m, PVMM_BUG_WRONG_TYPE)) {
			if (bug_ref_add(m, holder, idx))
				return -ENOMEM;
			f->count++;
			return 0;
		}
		why(m, "frame 0x%" PRIx64 " is typed %s (type count %" PRIu32 "), expected L%u",
		    mfn, pvmm_type_name((enum pvmm_type)f->type), f->type_count, level - 1);
		return -EINVAL;
	default:
		why(m, "unexpected entry class %s", xen_pv_ref_name(r));
		return -EINVAL;
	}
}

/* put_page_from_l2e/l3e/l4e(): nothing for self maps. */
static void put_lne(struct pvmm *m, uint64_t e, uint64_t holder, bool bugged)
{
	uint64_t mfn = PTE_FRAME(e);
	struct frame *f;

	if (!(e & XENPT_PTE_P) || mfn == holder)
		return;
	f = frame_get(m, mfn);
	if (!f)
		return;
	if (bugged) {
		put_page(m, f);
		return;
	}
	put_type(m, mfn, f, frame_get(m, holder));
	put_page(m, f);
}

static int get_entry(struct pvmm *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx,
		     uint16_t owner, uint16_t pg_owner, uint16_t curr)
{
	if (level == 1)
		return get_l1e(m, e, owner, pg_owner, curr, holder, idx);
	return get_lne(m, level, e, holder, idx, owner);
}

/* Release the reference entry @idx of @holder holds for @e; @bugged: the
 * caller already took the entry's buggy-Xen mark (see take_mark()). */
static void put_entry_as(struct pvmm *m, unsigned level, uint64_t e, uint64_t holder,
			 bool bugged)
{
	if (level == 1)
		put_l1e(m, e, bugged);
	else
		put_lne(m, e, holder, bugged);
}

static bool take_mark(struct pvmm *m, uint64_t holder, unsigned idx)
{
	return m->nr_bug_refs && bug_ref_take(m, holder, idx);
}

static void put_entry(struct pvmm *m, unsigned level, uint64_t e, uint64_t holder, unsigned idx)
{
	put_entry_as(m, level, e, holder, take_mark(m, holder, idx));
}

static bool guest_slot(unsigned level, unsigned i)
{
	return level != 4 || !xen_pv_is_xen_l4_slot(i);
}

/*
 * validate_page() -> promote_l1_table() .. promote_l4_table(): take the
 * reference of every present entry in a guest slot, storing each as Xen
 * adjusts it; on failure release what was taken.  An L4 then gets Xen's
 * slots (init_xen_l4_slots()).
 */
static int validate(struct pvmm *m, uint64_t mfn, struct frame *f, enum pvmm_type type,
		    unsigned *fail_idx)
{
	unsigned level = (unsigned)type;
	uint16_t d = f->owner;
	int rc = 0;
	unsigned i;

	if (type == PVMM_T_SEG_DESC)
		return 0;  /* validate_segdesc_page(): descriptors are not modelled */
	for (i = 0; i < NR_ENTRIES; i++) {
		uint64_t e = ent_get(m, f, i);

		if (!guest_slot(level, i) || !(e & XENPT_PTE_P))
			continue;
		rc = get_entry(m, level, e, mfn, i, d, d, d);
		if (rc < 0)
			break;
		if (rc > 0) {
			e ^= (uint64_t)rc;
			rc = 0;
		}
		if ((rc = ent_set(m, f, i, xen_pv_adjust_entry(level, e))) < 0) {
			put_entry(m, level, e, mfn, i);
			break;
		}
	}
	if (rc < 0) {
		why_ctx(m, "L%u frame 0x%" PRIx64 " slot %u", level, mfn, i);
		*fail_idx = i;
		while (i-- > 0)
			if (guest_slot(level, i))
				put_entry(m, level, ent_get(m, f, i), mfn, i);
		return rc;
	}
	if (level == 4) {
		const struct domain *dom = dom_get(m, d);

		for (i = XEN_PV_FIRST_XEN_SLOT; i <= XEN_PV_LAST_XEN_SLOT; i++) {
			uint64_t v;

			if (i == XEN_LINEAR_SLOT)
				v = mfn << 12 | PAGE_HYPERVISOR_RW;
			else if (!dom || !dom->have_xen_slots)
				continue;
			else if (i == XEN_RO_MPT_SLOT)
				v = 0;  /* ro_mpt = VM_ASSIST(d, m2p_strict): off */
			else
				v = dom->xen_slots[i - XEN_PV_FIRST_XEN_SLOT];
			if (ent_set(m, f, i, v))
				return -ENOMEM;
		}
	}
	return 0;
}

/* devalidate_page() -> demote_l1_table() .. demote_l4_table() */
static void devalidate(struct pvmm *m, uint64_t mfn, struct frame *f)
{
	unsigned level = f->type;

	for (unsigned i = NR_ENTRIES; i-- > 0;)
		if (guest_slot(level, i))
			put_entry(m, level, ent_get(m, f, i), mfn, i);
}

/* get_page_and_type_from_mfn() */
static int get_page_and_type(struct pvmm *m, uint64_t mfn, enum pvmm_type type, uint16_t d)
{
	struct frame *f = get_page(m, mfn, d);
	int rc;

	if (!f) {
		why(m, "frame 0x%" PRIx64 " is not d%u's", mfn, d);
		return -EINVAL;
	}
	rc = get_type(m, mfn, f, type);
	if (rc)
		put_page(m, f);
	return rc;
}

/* ---- mod_lN_entry ------------------------------------------------------- */

/* update_intpte() with preserve_ad: the old A and D bits are kept. */
static uint64_t with_ad(uint64_t old, uint64_t nv, bool preserve_ad)
{
	return preserve_ad ? nv | (old & (XENPT_PTE_A | XENPT_PTE_D)) : nv;
}

/*
 * mod_l1_entry() .. mod_l4_entry(): entry @idx of validated level-@level
 * table @mfn (owned by pt_dom) := @nv.
 */
static int mod_entry(struct pvmm *m, unsigned level, uint64_t mfn, unsigned idx, uint64_t nv,
		     bool preserve_ad, uint16_t pt_dom, uint16_t pg_dom, uint16_t curr)
{
	struct frame *f = frame_get(m, mfn);
	const struct domain *d = dom_get(m, pt_dom);
	uint64_t ov = ent_get(m, f, idx), bad;
	bool old_bugged;
	int rc;

	if (level == 4 && xen_pv_is_xen_l4_slot(idx)) {
		if (bug(m, PVMM_BUG_XEN_SLOTS))
			return ent_set(m, f, idx, nv);
		why(m, "L4 frame 0x%" PRIx64 " slot %u is one of Xen's slots (256-271)", mfn, idx);
		return -EINVAL;
	}
	if (nv & XENPT_PTE_P) {
		bad = nv & disallow(m, level, d);
		if (bad) {
			why(m, "L%u frame 0x%" PRIx64 " slot %u: flags 0x%" PRIx64
			    " are disallowed in an L%u entry", level, mfn, idx, bad, level);
			return -EINVAL;
		}
		nv = xen_pv_adjust_entry(level, nv);
		/* Fast path for sufficiently-similar mappings: no new reference. */
		if ((ov & XENPT_PTE_P) && !((ov ^ nv) & ~FASTPATH_WHITELIST))
			return ent_set(m, f, idx, with_ad(ov, nv, preserve_ad));
		old_bugged = take_mark(m, mfn, idx);
		rc = get_entry(m, level, nv, mfn, idx, pt_dom, pg_dom, curr);
		if (rc < 0) {
			if (old_bugged)
				bug_ref_add(m, mfn, idx);
			why_ctx(m, "L%u frame 0x%" PRIx64 " slot %u", level, mfn, idx);
			return rc;
		}
		if (rc > 0)
			nv ^= (uint64_t)rc;
	} else {
		old_bugged = take_mark(m, mfn, idx);
	}
	if ((rc = ent_set(m, f, idx, with_ad(ov, nv, preserve_ad))) < 0)
		return rc;
	put_entry_as(m, level, ov, mfn, old_bugged);
	return 0;
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
	return caller == target || privileged(caller);
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
			unsigned idx = (unsigned)((ptr & 0xfff) >> 3);

			if (f->validated && f->type_count) {
				/* page_lock() succeeded */
				switch (f->type) {
				case PVMM_T_L1:
					rc = mod_entry(m, 1, mfn, idx, val,
						       cmd == PVMM_MMU_PT_UPDATE_PRESERVE_AD,
						       pt_owner, pg_owner, caller);
					break;
				case PVMM_T_L2: case PVMM_T_L3: case PVMM_T_L4:
					if (pg_owner != pt_owner) {
						why(m, "L%u frame 0x%" PRIx64 ": the page owner d%u is "
						    "not the page-table owner d%u", f->type, mfn,
						    pg_owner, pt_owner);
						rc = -EINVAL;
						break;
					}
					rc = mod_entry(m, f->type, mfn, idx, val,
						       cmd == PVMM_MMU_PT_UPDATE_PRESERVE_AD,
						       pt_owner, pg_owner, caller);
					break;
				case PVMM_T_WRITABLE:
					rc = ent_set(m, f, idx, val);
					break;
				default:
					why(m, "frame 0x%" PRIx64 " is in use as %s: not writable by "
					    "mmu_update", mfn, pvmm_type_name((enum pvmm_type)f->type));
					rc = -EINVAL;
					break;
				}
			} else if (!get_type(m, mfn, f, PVMM_T_WRITABLE)) {
				/* not a table in use: a plain write */
				rc = ent_set(m, f, idx, val);
				put_type(m, mfn, f, NULL);
			} else {
				why(m, "frame 0x%" PRIx64 " (%s) cannot be written", mfn,
				    pvmm_type_name((enum pvmm_type)f->type));
				rc = -EINVAL;
			}
		}
		put_page(m, f);
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
		put_page(m, f);
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
		rc = get_page_and_type(m, mfn, PVMM_T_L4, d->domid);
		if (rc) {
			why_ctx(m, "new %sbase pointer 0x%" PRIx64, user ? "user " : "", mfn);
			return rc;
		}
	}
	/* new_guest_cr3(): without m2p_strict, fill_ro_mpt() gives the new
	 * kernel root the RO M2P slot */
	if (!user && d->have_xen_slots) {
		struct frame *f = frame_get(m, mfn);

		if (f && ent_set(m, f, XEN_RO_MPT_SLOT, d->xen_slots[XEN_RO_MPT_SLOT -
								  XEN_PV_FIRST_XEN_SLOT]))
			return -ENOMEM;
	}
	*slot = mfn;
	if (old) {
		struct frame *f = frame_get(m, old);

		if (f)
			put_page_and_type(m, old, f);
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
	if (entries > GDT_FRAMES * 512) {
		why(m, "%u GDT entries: at most %u (FIRST_RESERVED_GDT_ENTRY)", entries,
		    GDT_FRAMES * 512);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++)
		if ((rc = get_page_and_type(m, frames[i], PVMM_T_SEG_DESC, domid))) {
			why_ctx(m, "GDT frame %u (0x%" PRIx64 ")", i, frames[i]);
			while (i-- > 0)
				put_page_and_type(m, frames[i], frame_get(m, frames[i]));
			return -EINVAL;
		}
	for (i = 0; i < GDT_FRAMES; i++) {
		struct frame *f = v->gdt_frames[i] ? frame_get(m, v->gdt_frames[i]) : NULL;

		if (f)
			put_page_and_type(m, v->gdt_frames[i], f);
		v->gdt_frames[i] = i < nr ? frames[i] : 0;
	}
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
		f = get_page(m, op->arg1, pg_owner);
		if (!f) {
			why(m, "pin: frame 0x%" PRIx64 " is not d%u's", op->arg1, pg_owner);
			return -EINVAL;
		}
		rc = get_type(m, op->arg1, f, type);
		if (rc) {
			why_ctx(m, "pin %s 0x%" PRIx64, pvmm_type_name(type), op->arg1);
			put_page(m, f);
			return rc;
		}
		if (f->pinned) {
			why(m, "frame 0x%" PRIx64 " is already pinned", op->arg1);
			/* pin_drop: put_page_and_type() now or via old_guest_table */
			put_page_and_type(m, op->arg1, f);
			return -EINVAL;
		}
		f->pinned = 1;
		return 0;

	case PVMM_MMUEXT_UNPIN_TABLE:
		f = get_page(m, op->arg1, pg_owner);
		if (!f) {
			why(m, "unpin: frame 0x%" PRIx64 " bad, or not d%u's", op->arg1, pg_owner);
			return -EINVAL;
		}
		if (!f->pinned) {
			put_page(m, f);
			why(m, "frame 0x%" PRIx64 " is not pinned", op->arg1);
			return -EINVAL;
		}
		f->pinned = 0;
		put_page_and_type(m, op->arg1, f);
		put_page(m, f);
		return 0;

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
		if (!f || get_type(m, op->arg1, f, PVMM_T_WRITABLE)) {
			if (f) {
				why(m, "frame 0x%" PRIx64 " is in use as %s: cannot be written",
				    op->arg1, pvmm_type_name((enum pvmm_type)f->type));
				put_page(m, f);
			} else {
				why(m, "frame 0x%" PRIx64 " is not d%u's", op->arg1, pg_owner);
			}
			if (src)
				put_page(m, src);
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
		put_page_and_type(m, op->arg1, f);
		if (src)
			put_page(m, src);
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
		put_page(m, f);
		return -EINVAL;
	}
	rc = mod_entry(m, 1, l1, idx, val, false, caller, caller, caller);
	put_page(m, f);
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
		bool old_bugged = take_mark(m, target, idx);

		if (nv & XENPT_PTE_P) {
			rc = get_entry(m, 1, nv, target, idx, caller, caller, caller);
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
		put_entry_as(m, 1, ov, target, old_bugged);
	}
	*ec = 0;
	return PVMM_WRITE_EMULATED;
}
