/* SPDX-License-Identifier: MIT */
/*
 * Private to lib/synth/: the synthetic domain model.
 *
 * Layout of the synthetic host (PV):
 *
 *   MFN 0x000-0x0ff   DOMID_IO (xen/arch/x86/mm.c arch_init_memory: "First 1MB
 *                     of RAM is historically marked as I/O")
 *   MFN 0x100-...     a keyed permutation of "slots" (synth.c, perm_*):
 *                     slot [0, nr_pages)          the domain's PFN == slot
 *                     slot nr_pages               shared_info (Xen page shared
 *                                                 with the domain)
 *                     slot ... + SYNTH_NR_XEN     Xen's own frames (L4-slot tables)
 *                     then dom0's, another domain's, then free frames.
 *
 * So the P2M is pfn -> 0x100 + perm(pfn) and the M2P is computed by the
 * inverse permutation: nothing proportional to the host is stored (the
 * round functions are tabulated, at most 512 KiB, and the source's batches
 * of consecutive PFNs are permuted together: synth_p2m_batch and friends).  Per
 * domain frame the model keeps Xen's type word, type count and general
 * count (struct-of-arrays, 9 bytes per PFN): the store over which synth.c
 * runs the rules of lib/xen/pvmm_rules.h, the PV MMU model's own code.
 * Page tables, written pages and materialised generated pages live in a
 * sparse store keyed by table-space frame (MFN for PV, GFN for HVM).  Page
 * tables are held as their non-zero
 * entries until a reader needs their bytes (struct synth_page), and the
 * oracle's extents are 56 bytes: a spec costs tens of bytes per mapping
 * line, not a 4 KiB table per few lines.
 */
#ifndef XENPT_SYNTH_INT_H
#define XENPT_SYNTH_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/synth.h>

#include "base/base.h"
#include "base/htab.h"

#define SYNTH_IO_FRAMES   0x100u   /* MFNs owned by DOMID_IO */
#define SYNTH_NR_XEN      16u      /* Xen frames in the partition (after shared_info) */
#define SYNTH_NO_ROOT     UINT32_MAX
#define SYNTH_PAGE        4096u
#define SYNTH_ROUNDS      4u       /* Feistel rounds of the host permutation */
#define SYNTH_SLOT_CACHE  4096u    /* mfn -> slot cache entries (power of 2) */
#define SYNTH_ROUND_TAB_BITS 16u   /* round functions tabulated up to halves of this many bits */

struct synth_slot_cache {
	uint64_t mfn, slot;
};

/*
 * The (MFN, slot) pairs of the last batch of the P2M (synth_p2m_batch),
 * the domain's PFNs in the batch's order: a sweep asks for the types of
 * those very MFNs next, and finds their slots here without inverting the
 * permutation.  A pair is a fact about the permutation, which never
 * changes, so it stays true whatever happens to the model in between.
 */
#define SYNTH_MEMO        4096u
struct synth_memo {
	size_t n;
	uint64_t mfn[SYNTH_MEMO], slot[SYNTH_MEMO];
};

/* Hash map uint64 -> uint64: the library's one table (lib/base/htab.h). */
struct synth_map {
	struct htab_map m;
	size_t count;        /* live keys */
};

bool synth_map_get(const struct synth_map *m, uint64_t key, uint64_t *val_ret);
/* False on allocation failure. */
bool synth_map_put(struct synth_map *m, uint64_t key, uint64_t val);
void synth_map_del(struct synth_map *m, uint64_t key);
void synth_map_free(struct synth_map *m);

/* Kinds of stored page. */
enum {
	SPAGE_TABLE = 1,     /* a page table the builder made (level) */
	SPAGE_DATA,          /* data written by the builder */
	SPAGE_GEN,           /* generated content materialised for a source */
	SPAGE_SPECIAL,       /* shared_info, frame lists */
};

/* A non-zero entry of a table held compactly. */
struct synth_sent {
	uint64_t v;
	uint32_t i;
};

/*
 * A stored page.  Data, generated and special pages hold their 4 KiB in
 * @data from the start.  A page table the builder makes starts compact:
 * @data NULL, its non-zero entries in @sp sorted by index, so that a
 * domain of many sparse tables costs tens of bytes per entry, not 4 KiB
 * per table.  The first read of its bytes (synth_page_data(), for a
 * source or a core file), or more than SYNTH_SPARSE_MAX entries, turns it
 * into 4 KiB for good: @data never moves or shrinks after that, so
 * pointers handed out stay valid until the model is freed.
 */
#define SYNTH_SPARSE_MAX  128u

struct synth_page {
	uint8_t *data;       /* SYNTH_PAGE bytes, or NULL while held compactly */
	struct synth_sent *sp;   /* compact: the non-zero entries, by index */
	uint16_t nr_sp, cap_sp;
	uint8_t kind;
	uint8_t level;       /* SPAGE_TABLE: builder level 1..5 */
	uint64_t frame;      /* table space: MFN (PV) / GFN (HVM) */
	int64_t idx;         /* state index (slot) or -1 */
	uint64_t *raw_bits;  /* entries stored raw, bypassing Xen (NULL: none) */
};

/* Per-frame flag byte. */
#define FF_TYPE_MASK  0x07u  /* enum xenpt_synth_type */
#define FF_PINNED     0x08u
#define FF_VALIDATED  0x10u
#define FF_USED       0x20u  /* taken by the builder: table, data, special */
#define FF_WRITTEN    0x40u
#define FF_MAPPED     0x80u  /* HVM: a data mapping names it */

struct synth_root {
	uint64_t frame;
	int64_t idx;
	char name[32];
	uint32_t *link;      /* [entries of the top table]: root shared from, or SYNTH_NO_ROOT */
};

struct synth_eblock;

struct synth_extent {
	uint32_t root;
	uint8_t level;
	uint8_t page_shift;       /* log2 of the page size: 12, 21, 22 or 30 */
	uint64_t va, size;
	uint64_t gfn, mfn;
	uint64_t flags, req_flags;
};

struct synth_erec {
	uint32_t root;
	uint8_t level;
	bool raw;
	uint64_t va, table, value;
	unsigned index;
};

/* A range of PFNs whose content is generated specially. */
enum { GEN_P2M_LEAF = 1 };
struct synth_gen_range {
	uint64_t first, n;
	int kind;
};

struct synth_lazy;

struct xenpt_synth {
	unsigned refs;
	struct synth_lazy *lazy;   /* spec lines not applied yet (synth_spec.c, synth_complete()) */
	char *lazy_err;            /* what applying them answered */
	struct xenpt_synth_params p;
	struct xenpt_synth_limits lim;
	char desc[112];
	bool pv;

	/* paging geometry */
	enum xenpt_paging_mode mode;
	unsigned levels;          /* 2..5 */
	unsigned entry_bytes;     /* 4 or 8 */
	unsigned idx_bits;        /* 10 or 9 */

	/* host permutation (PV) */
	uint64_t perm_n;          /* slots = host_frames - SYNTH_IO_FRAMES */
	unsigned perm_a, perm_b;  /* bits of the two halves */
	uint64_t perm_key[SYNTH_ROUNDS];
	/* round k's function of the other half, tabulated (synth.c, round_tables);
	 * NULL beyond SYNTH_ROUND_TAB_BITS: computed */
	uint16_t *perm_tab[SYNTH_ROUNDS];
	struct synth_slot_cache *slot_cache;   /* written by const lookups too */
	struct synth_memo *memo;               /* likewise */
	uint64_t xen_first;       /* first Xen slot (after shared_info) */
	uint64_t dom0_first, dom0_n, other_first, other_n, free_first;
	uint32_t other_domid;
	uint64_t pattern_key;

	/* per-frame state, index = slot (PFN/GFN); PV has one more: shared_info */
	uint64_t nr_state;
	uint32_t *type_count;
	uint32_t *ref_count;
	uint8_t *fflags;

	struct synth_map store;   /* frame -> struct synth_page * */
	struct synth_map p2m_ovr, m2p_ovr;
	struct synth_map linear;  /* state idx -> linear_pt_count (int64 bits) */
	uint64_t xen_slots[16];   /* Xen's L4 slots 256-271 (synth_init_xen_slots) */
	uint64_t alloc_cursor;
	uint64_t page_bytes;      /* bytes of stored pages: 4 KiB or compact entries */

	struct synth_root *roots;
	unsigned nr_roots, cap_roots;

	struct synth_eblock **eb;       /* the oracle: blocks of sorted extents */
	size_t nr_eb, cap_eb, nr_ext;
	size_t *eb_cum;                 /* extents before each block (index access) */
	bool eb_cum_valid;
	struct synth_erec *erec;
	size_t nr_erec, cap_erec;

	struct xenpt_vcpu *vcpus;
	struct xenpt_shared_info shinfo;
	uint64_t shinfo_mfn;

	struct synth_gen_range gen[2];
	unsigned nr_gen;

	bool have_linux;
	struct xenpt_synth_linux linux_info;

	struct xenpt_synth_stats st;

	/* first failure of the current operation (innermost first) */
	int fail_rc;
	char fail_msg[512];
};

/* synth.c: host, state, store, Xen's type model */
uint64_t synth_mix64(uint64_t x);
uint64_t synth_slot_to_mfn(const struct xenpt_synth *s, uint64_t slot);
/* Slot of a machine frame, or UINT64_MAX (I/O or beyond the host). */
uint64_t synth_mfn_to_slot(const struct xenpt_synth *s, uint64_t mfn);
/* State index of a table-space frame, or -1 if it is not the domain's. */
int64_t synth_state_idx(const struct xenpt_synth *s, uint64_t frame);
/* Table-space frame of state index @idx. */
uint64_t synth_idx_frame(const struct xenpt_synth *s, int64_t idx);
uint64_t synth_p2m(const struct xenpt_synth *s, uint64_t pfn);
uint64_t synth_m2p(const struct xenpt_synth *s, uint64_t mfn);
/* The same for n frames at once (the source's batched paths): equal to
 * calling synth_p2m(), synth_m2p() or xenpt_synth_page_type() per frame
 * (GFN space: of the P2M's MFN), faster for long runs. */
void synth_p2m_batch(const struct xenpt_synth *s, const uint64_t *pfns, size_t n, uint64_t *mfns);
void synth_m2p_batch(const struct xenpt_synth *s, const uint64_t *mfns, size_t n, uint64_t *gfns);
void synth_page_types_batch(const struct xenpt_synth *s, enum xenpt_space space,
			    const uint64_t *frames, size_t n, xenpt_page_type_t *types);
bool synth_gfn_populated(const struct xenpt_synth *s, uint64_t gfn);

struct synth_page *synth_page_get(const struct xenpt_synth *s, uint64_t frame);
/* The page's 4 KiB, made from its compact entries on first use; NULL on allocation failure. */
uint8_t *synth_page_data(const struct xenpt_synth *s, struct synth_page *pg);
/* Copy the page's 4 KiB into @buf (a compact table stays compact). */
void synth_page_read(const struct xenpt_synth *s, const struct synth_page *pg, uint8_t *buf);
/* Stored page for @frame, created (zeroed, or holding the generated content if @gen) */
struct synth_page *synth_page_make(struct xenpt_synth *s, uint64_t frame, int kind, bool gen);
/* Frame content: stored, or generated into @buf.  NULL with *err_ret on failure. */
const uint8_t *synth_frame_data(const struct xenpt_synth *s, enum xenpt_space space,
				uint64_t frame, uint8_t *buf, int *err_ret, bool *gen_ret);
void synth_gen_frame(const struct xenpt_synth *s, uint64_t frame, uint8_t *page);

/* Write bytes into table-space frame @frame (a domain frame, not a table). */
int synth_write_frame(struct xenpt_synth *s, uint64_t frame, unsigned off, const void *data,
		      size_t len);
/* Record the first failure (formats into fail_msg) and return @rc. */
int synth_fail(struct xenpt_synth *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix context to a recorded failure; returns @rc. */
int synth_fail_ctx(struct xenpt_synth *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Turn the recorded failure into an error object prefixed with @what; clears it. */
struct xenpt_error *synth_fail_error(struct xenpt_synth *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocate a free frame (table-space), marking it used.  -ENOMEM if none. */
int synth_alloc_frame(struct xenpt_synth *s, const char *what, uint64_t *frame_ret);
/* Allocate @n free consecutive PFNs. */
int synth_alloc_contig(struct xenpt_synth *s, uint64_t n, const char *what, uint64_t *first_ret);

/* Entry access by mode. */
uint64_t synth_entry_get(const struct xenpt_synth *s, const struct synth_page *pg, unsigned i);
/* The first index >= @i, below @n, of an entry that may be non-zero (a compact
 * table skips its zero entries), or @n. */
unsigned synth_entry_next(const struct synth_page *pg, unsigned i, unsigned n);
/* -ENOMEM (recorded) if a compact table cannot grow; never fails on a 4 KiB page or for v == 0. */
int synth_entry_set(struct xenpt_synth *s, struct synth_page *pg, unsigned i, uint64_t v);
unsigned synth_entries(const struct xenpt_synth *s, unsigned level);
unsigned synth_va_index(const struct xenpt_synth *s, uint64_t va, unsigned level);
uint64_t synth_level_size(const struct xenpt_synth *s, unsigned level);
/* Frame an entry names (first 4K frame for a large leaf). */
uint64_t synth_entry_frame(const struct xenpt_synth *s, uint64_t e, unsigned level);
bool synth_entry_leaf(const struct xenpt_synth *s, uint64_t e, unsigned level);
bool synth_raw_bit(const struct synth_page *pg, unsigned i);
int synth_set_raw_bit(struct xenpt_synth *s, struct synth_page *pg, unsigned i, bool on);

/*
 * Xen's PV MMU (PV): the rules of lib/xen/pvmm_rules.h over the state above
 * (synth.c).  On failure the reason is recorded (fail_rc, fail_msg).
 */
bool synth_is_guest_l4_slot(unsigned slot);
/* The values of Xen's L4 slots 256-271 (s->xen_slots), once the host is laid out. */
void synth_init_xen_slots(struct xenpt_synth *s);
/* A type reference (enum xenpt_synth_type) on the frame of state index @idx, and its release. */
int synth_get_type(struct xenpt_synth *s, int64_t idx, unsigned type);
void synth_put_type(struct xenpt_synth *s, int64_t idx);
/* Write entry @i (level @level) of table @pg: Xen's rules if validated and !raw. */
int synth_write_entry(struct xenpt_synth *s, struct synth_page *pg, unsigned level, unsigned i,
		      uint64_t v, bool raw);
/* The path of an mmu_update of the frame of state index @idx: 0 with
 * *level 1..4 (mod_lN_entry, synth_write_entry()) or 0 (a plain write), or
 * a refusal. */
int synth_update_path(struct xenpt_synth *s, int64_t idx, unsigned *level);
int synth_pin(struct xenpt_synth *s, unsigned level, uint64_t mfn);
int synth_unpin(struct xenpt_synth *s, uint64_t mfn);
/* Take a vCPU base-pointer reference (guest_table, guest_table_user). */
int synth_get_root_ref(struct xenpt_synth *s, uint64_t mfn, bool kernel);
/* The frame of state index @idx can take a writable type reference (a guest
 * store reaches it through an RW mapping): not a page table or descriptor page in use. */
bool synth_frame_writable(struct xenpt_synth *s, int64_t idx);
/* Drop a reference of synth_get_root_ref() (put_page_and_type()). */
void synth_put_ref(struct xenpt_synth *s, uint64_t mfn);
/* pv_set_gdt()'s references on the GDT frames of @entries descriptors (all
 * or none, at most 7168 descriptors), and their release. */
int synth_gdt_get(struct xenpt_synth *s, const uint64_t *frames, unsigned entries);
void synth_gdt_put(struct xenpt_synth *s, const uint64_t *frames, unsigned entries);
void synth_encode_shared_info(struct xenpt_synth *s);

/* synth_spec.c: lazy opening (list/info read no mapping line) */
struct xenpt_error *synth_load_lazy(const char *path, struct xenpt_synth **ret);
/* Apply the deferred spec lines, if any (NULL: the model is complete). */
struct xenpt_error *synth_complete(struct xenpt_synth *s);
void synth_lazy_free(struct synth_lazy *l);

/* synth_map.c: tables, mappings, the oracle */
int synth_new_table(struct xenpt_synth *s, unsigned level, struct synth_page **pg_ret);
/* Root id owning the tables for @va in @root (follows shares). */
unsigned synth_owner_root(const struct xenpt_synth *s, unsigned root, uint64_t va);
bool synth_va_ok(const struct xenpt_synth *s, uint64_t va);
int synth_map_range(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t gfn,
		    uint64_t mfn, uint64_t size, uint64_t page_size, uint64_t flags);
int synth_walk_to(struct xenpt_synth *s, unsigned root, uint64_t va, unsigned level,
		  bool create, bool user, struct synth_page **pg_ret);
int synth_root_add(struct xenpt_synth *s, const char *name, bool pin, unsigned *root_ret);
void synth_ext_free(struct xenpt_synth *s);
uint64_t synth_ext_bytes(const struct xenpt_synth *s);

/* synth_layout.c: Linux makes a direct-map page read-only to use it as a table. */
int synth_linux_reclaim(struct xenpt_synth *s, uint64_t *frame_ret);

#endif
