/* SPDX-License-Identifier: MIT */
/*
 * Tests of the synthetic domain model (lib/synth/).
 *
 * Independent sources of truth used here:
 * - twalk(): a small page-table walker written for this file, reading the
 *   tables through the source (not the builder), checked against the
 *   builder's own bookkeeping (xenpt_synth_lookup / xenpt_synth_mapping);
 * - reference counts computed by hand from the rules of xen/arch/x86/mm.c;
 * - the P2M checked against a full sweep of the host's M2P, the linear P2M
 *   and the frame-list tree read through raw tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenpt/xenpt.h>

#include "harness.h"

#define PTE_ADDR 0x000ffffffffff000ull
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------------------- */

static struct xenpt_synth *new_pv(uint64_t pages, uint32_t vcpus)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = pages;
	p.nr_vcpus = vcpus;
	p.domid = 5;
	p.seed = 42;
	CHECK_OK(xenpt_synth_create(&p, &s));
	return s;
}

static struct xenpt_synth *new_hvm(enum xenpt_paging_mode mode, uint64_t pages)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_HVM);
	p.mode = mode;
	p.nr_pages = pages;
	p.seed = 3;
	CHECK_OK(xenpt_synth_create(&p, &s));
	return s;
}

static struct xenpt_synth_frame_state fstate(struct xenpt_synth *s, uint64_t mfn)
{
	struct xenpt_synth_frame_state st;

	memset(&st, 0, sizeof(st));
	CHECK_OK(xenpt_synth_frame_state(s, xenpt_mfn(mfn), &st));
	return st;
}

static uint64_t rd(const uint8_t *page, unsigned i, unsigned width)
{
	uint64_t v = 0;
	unsigned b;

	for (b = 0; b < width; b++)
		v |= (uint64_t)page[i * width + b] << (8 * b);
	return v;
}

struct tw {
	uint64_t frame;          /* 4K frame holding the VA (table space) */
	uint64_t leaf;           /* raw leaf entry */
	unsigned level;          /* leaf level */
	uint64_t table[5];       /* table frame per level (index level-1) */
	uint64_t entry[5];
};

/*
 * A walker for the tests, independent of lib/walk/walk.c and of the builder:
 * reads the tables through @src.  0 mapped, 1 not present, -1 error.
 */
static int twalk(struct xenpt_source *src, enum xenpt_paging_mode mode, bool pv, uint64_t root,
		 uint64_t va, struct tw *ret)
{
	enum xenpt_space space = pv ? XENPT_SPACE_MFN : XENPT_SPACE_GFN;
	unsigned levels = mode == XENPT_PM_2LEVEL ? 2 : mode == XENPT_PM_PAE ? 3 :
			  mode == XENPT_PM_4LEVEL ? 4 : 5;
	unsigned width = mode == XENPT_PM_2LEVEL ? 4 : 8, bits = mode == XENPT_PM_2LEVEL ? 10 : 9;
	uint64_t frame = root;
	unsigned level;

	memset(ret, 0, sizeof(*ret));
	for (level = levels; level >= 1; level--) {
		const uint8_t *page = NULL;
		unsigned shift = 12 + (level - 1) * bits, idx;
		uint64_t e, nframe;
		struct xenpt_error *err;

		idx = (unsigned)((va >> shift) & ((1u << bits) - 1));
		if (mode == XENPT_PM_PAE && level == 3)
			idx = (unsigned)((va >> 30) & 3);
		err = xenpt_source_get_frame(src, space, frame, &page);
		if (err) {
			xenpt_error_destroy(err);
			return -1;
		}
		e = rd(page, idx, width);
		ret->table[level - 1] = frame;
		ret->entry[level - 1] = e;
		if (!(e & 1))
			return 1;
		if (level == 1 || ((e & XENPT_PTE_PSE) && (level == 2 || (level == 3 && levels >= 4)))) {
			uint64_t off = (va & ((1ull << shift) - 1)) >> 12;

			if (width == 4 && level == 2)
				nframe = ((e >> 22) & 0x3ff) << 10;
			else if (width == 4)
				nframe = (e >> 12) & 0xfffff;
			else
				nframe = ((e & PTE_ADDR) >> 12) & ~((1ull << (shift - 12)) - 1);
			ret->frame = nframe + off;
			ret->leaf = e;
			ret->level = level;
			return 0;
		}
		frame = width == 4 ? (e >> 12) & 0xfffff : (e & PTE_ADDR) >> 12;
	}
	return -1;
}

/*
 * Every page the builder recorded must be found by twalk() with the frame,
 * level and flags the builder says; returns the number of pages checked.
 */
static uint64_t check_oracle(struct xenpt_synth *s, struct xenpt_source *src)
{
	const struct xenpt_synth_params *p = xenpt_synth_get_params(s);
	bool pv = p->kind == XENPT_SYNTH_PV;
	struct xenpt_synth_mapping m;
	uint64_t pages = 0;
	size_t i;

	for (i = 0; xenpt_synth_mapping(s, i, &m); i++) {
		uint64_t off;

		for (off = 0; off < m.size; off += 4096) {
			struct xenpt_synth_page pg;
			struct tw w;
			uint64_t flagmask = ~PTE_ADDR;
			int rc;

			if (m.page_size > 4096 && p->mode == XENPT_PM_2LEVEL)
				flagmask = 0xfff;
			struct xenpt_error *err;
			bool bad;

			rc = twalk(src, p->mode, pv, xenpt_synth_root_frame(s, m.root), m.va + off, &w);
			err = xenpt_synth_lookup(s, m.root, xenpt_va(m.va + off), &pg);
			bad = rc || err || w.level != m.level || w.frame != pg.frame ||
			      (w.leaf & flagmask & ~(XENPT_PTE_PAT_LARGE * (m.level > 1))) !=
				      (m.flags & flagmask) ||
			      (m.gfn != XENPT_INVALID_FRAME && pg.gfn != m.gfn + (off >> 12)) ||
			      (pv && m.gfn != XENPT_INVALID_FRAME &&
			       pg.frame != xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pg.gfn))));
			if (bad) {
				// report the first difference in detail
				CHECK_EQ(rc, 0);
				CHECK_OK(err);
				CHECK_EQ(w.level, m.level);
				CHECK_EQ(w.frame, pg.frame);
				CHECK_EQ(w.leaf & flagmask & ~(XENPT_PTE_PAT_LARGE * (m.level > 1)),
					 m.flags & flagmask);
				printf("# at va 0x%016" PRIx64 " of root %u\n", m.va + off, m.root);
				return pages;
			}
			pages++;
		}
	}
	return pages;
}

static struct xenpt_synth *load_fixture_early(const char *name)
{
	char path[512];
	struct xenpt_synth *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

static struct xenpt_source *source_of(struct xenpt_synth *s)
{
	struct xenpt_source *src = NULL;

	CHECK_OK(xenpt_synth_source(s, &src));
	return src;
}

/* ---- creation ------------------------------------------------------------------------ */

TEST(synth_create_errors)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.domid = 0;
	CHECK_ERR_MSG(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG, "domid 0 is out of range");
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.mode = XENPT_PM_PAE;
	CHECK_ERR_MSG(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG, "paging mode pae is not supported");
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = 8;
	CHECK_ERR_MSG(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG, "8 pages is out of range");
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.host_frames = 0x1000;
	CHECK_ERR_MSG(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG, "host of 0x1000 frames is out of range");
	xenpt_synth_params_init(&p, XENPT_SYNTH_HVM);
	p.mode = XENPT_PM_2LEVEL;
	p.nr_pages = 0x200000;
	CHECK_ERR_MSG(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG, "2-level paging reaches 4 GiB");
	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_vcpus = 0;
	CHECK_ERR(xenpt_synth_create(&p, &s), XENPT_ERR_INVALID_ARG);
	CHECK(s == NULL);
}

/* ---- P2M and M2P ---------------------------------------------------------------------- */

TEST(synth_p2m_m2p_consistent)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	const struct xenpt_synth_params *p;
	uint64_t mfn, pfn, identity = 0, mine = 0, other = 0, invalid = 0, io_invalid = 0;
	uint8_t *seen;

	REQUIRE(s);
	p = xenpt_synth_get_params(s);
	CHECK_EQ(p->host_frames, 0x20000);     // max(4 * 0x1000 + 0x1000, 0x20000)
	seen = calloc(p->host_frames, 1);
	REQUIRE(seen);
	// the P2M: a permutation into the host, not the identity, deterministic
	for (pfn = 0; pfn < p->nr_pages; pfn++) {
		mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
		CHECK(mfn >= 0x100 && mfn < p->host_frames);
		if (mfn >= p->host_frames)
			break;
		CHECK(!seen[mfn]);
		seen[mfn] = 1;
		identity += mfn == pfn || mfn == pfn + 0x100;
	}
	CHECK(identity < 4);
	CHECK_EQ(xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(p->nr_pages))), XENPT_INVALID_FRAME);
	// the M2P over the whole host: p2m[m2p[mfn]] == mfn for exactly the
	// domain's frames; other domains' frames have entries too; free, Xen
	// and I/O frames are INVALID
	for (mfn = 0; mfn < p->host_frames; mfn++) {
		uint64_t g = xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(mfn)));
		struct xenpt_synth_frame_state st = fstate(s, mfn);

		if (seen[mfn]) {
			CHECK(g < p->nr_pages);
			CHECK_EQ(xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(g))), mfn);
			CHECK_EQ(st.owner, XENPT_SYNTH_OWNER_DOMAIN);
			mine++;
		} else if (g != XENPT_INVALID_FRAME) {
			CHECK_EQ(st.owner, XENPT_SYNTH_OWNER_OTHER);
			// another domain's PFN: ours would map it elsewhere
			CHECK(g >= p->nr_pages || xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(g))) != mfn);
			other++;
		} else {
			CHECK(st.owner != XENPT_SYNTH_OWNER_DOMAIN || st.special);
			invalid++;
			io_invalid += mfn < 0x100;
		}
		if (test_failed())
			break;
	}
	CHECK_EQ(mine, p->nr_pages);
	CHECK_EQ(io_invalid, 0x100);
	CHECK(other > 0x8000);      // dom0 and another domU share the rest
	CHECK(invalid > 0x4000);    // free memory
	CHECK_EQ(mine + other + invalid, p->host_frames);
	CHECK_EQ(xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(p->host_frames))), XENPT_INVALID_FRAME);
	CHECK_EQ(fstate(s, p->host_frames).owner, XENPT_SYNTH_OWNER_NONE);
	CHECK_EQ(fstate(s, 5).owner, XENPT_SYNTH_OWNER_IO);
	free(seen);
	xenpt_synth_destroy(s);
}

TEST(synth_p2m_seeded)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *a = NULL, *b = NULL, *c = NULL;
	uint64_t pfn, same_ab = 0, same_ac = 0;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.seed = 7;
	CHECK_OK(xenpt_synth_create(&p, &a));
	CHECK_OK(xenpt_synth_create(&p, &b));
	p.seed = 8;
	CHECK_OK(xenpt_synth_create(&p, &c));
	REQUIRE(a && b && c);
	for (pfn = 0; pfn < p.nr_pages; pfn++) {
		same_ab += xenpt_mfn_eq(xenpt_synth_p2m(a, xenpt_gfn(pfn)), xenpt_synth_p2m(b, xenpt_gfn(pfn)));
		same_ac += xenpt_mfn_eq(xenpt_synth_p2m(a, xenpt_gfn(pfn)), xenpt_synth_p2m(c, xenpt_gfn(pfn)));
	}
	CHECK_EQ(same_ab, p.nr_pages);
	CHECK(same_ac < 8);
	CHECK_EQ(xenpt_synth_root_frame(a, 0), xenpt_synth_root_frame(b, 0));
	xenpt_synth_destroy(a);
	xenpt_synth_destroy(b);
	xenpt_synth_destroy(c);
}

TEST(synth_p2m_overrides)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	uint64_t m5;

	REQUIRE(s);
	m5 = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(5)));
	CHECK_OK(xenpt_synth_set_p2m(s, xenpt_gfn(5), XENPT_INVALID_MFN));
	CHECK_EQ(xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(5))), XENPT_INVALID_FRAME);
	// the frame is still the domain's, and its M2P entry still says 5 (stale)
	CHECK_EQ(fstate(s, m5).owner, XENPT_SYNTH_OWNER_DOMAIN);
	CHECK_EQ(xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(m5))), 5);
	CHECK_OK(xenpt_synth_set_m2p(s, xenpt_mfn(m5), xenpt_gfn(0x777)));
	CHECK_EQ(xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(m5))), 0x777);
	CHECK_ERR_MSG(xenpt_synth_set_p2m(s, xenpt_gfn(0x1000), xenpt_mfn(1)), XENPT_ERR_INVALID_ARG,
		      "beyond the P2M");
	CHECK_ERR_MSG(xenpt_synth_set_m2p(s, xenpt_mfn(0x20000), xenpt_gfn(1)), XENPT_ERR_INVALID_ARG,
		      "beyond the host");
	xenpt_synth_destroy(s);
}

/* ---- mappings vs tables ------------------------------------------------------------------------ */

TEST(synth_pv_map_readback)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	struct xenpt_source *src;
	struct xenpt_synth_stats st;
	struct xenpt_synth_page pg;
	struct tw w;
	uint64_t root;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0xffff888000000000ull), xenpt_gfn(0), 0x200000, 4096,
				 XENPT_PTE_RW | XENPT_PTE_NX | XENPT_PTE_A | XENPT_PTE_D));
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0xffffffff81000000ull), xenpt_gfn(0x800), 0x10000, 4096,
				 XENPT_PTE_A));
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x400000), xenpt_gfn(0x900), 0x3000, 4096,
				 XENPT_PTE_US | XENPT_PTE_A));
	// an extra map continuing the first one merges into one record
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0xffff888000200000ull), xenpt_gfn(0x200), 0x1000,
				 4096, XENPT_PTE_RW | XENPT_PTE_NX | XENPT_PTE_A | XENPT_PTE_D));
	CHECK_EQ(xenpt_synth_nr_mappings(s), 3);
	xenpt_synth_stats(s, &st);
	CHECK_EQ(st.leaf_entries[1], 512 + 16 + 3 + 1);
	CHECK_EQ(st.tables[4], 1);
	CHECK_EQ(st.tables[3], 3);        // slots 273, 511, 0
	CHECK_EQ(st.tables[2], 3);
	CHECK_EQ(st.tables[1], 4);        // direct map crosses into a 2nd L1
	CHECK_EQ(st.mapped_bytes, 0x201000 + 0x10000 + 0x3000);

	// Xen's adjust_guest_l1e(): kernel leaves get US and bit 52, user ones G
	CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0xffffffff81003123ull), &pg));
	CHECK_EQ(pg.flags, XENPT_PTE_P | XENPT_PTE_A | XENPT_PTE_US | XENPT_PTE_GUEST_KERNEL);
	CHECK_EQ(pg.gfn, 0x803);
	CHECK_EQ(pg.va, 0xffffffff81003000ull);
	CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0x401000), &pg));
	CHECK_EQ(pg.flags, XENPT_PTE_P | XENPT_PTE_A | XENPT_PTE_US | XENPT_PTE_G);
	CHECK_ERR(xenpt_synth_lookup(s, 0, xenpt_va(0x403000), &pg), XENPT_ERR_NOT_FOUND);

	src = source_of(s);
	REQUIRE(src);
	CHECK_EQ(check_oracle(s, src), 512 + 16 + 3 + 1);
	// upper levels: Xen adds US (L2/L3) and A|US (L4)
	root = xenpt_synth_root_frame(s, 0);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x400000, &w), 0);
	CHECK_EQ(w.entry[3] & 0xfff, 0x067);
	CHECK_EQ(w.entry[2] & 0xfff, 0x067);
	CHECK_EQ(w.entry[1] & 0xfff, 0x067);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x403000, &w), 1);

	// unmap makes a hole and splits the record
	CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(0xffff888000010000ull), 0x2000));
	CHECK_EQ(xenpt_synth_nr_mappings(s), 4);
	CHECK_ERR(xenpt_synth_lookup(s, 0, xenpt_va(0xffff888000011000ull), &pg), XENPT_ERR_NOT_FOUND);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0xffff888000011000ull, &w), 1);
	CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0xffff888000012000ull), &pg));
	CHECK_EQ(pg.gfn, 0x12);
	CHECK_EQ(check_oracle(s, src), 512 + 16 + 3 + 1 - 2);
	xenpt_synth_stats(s, &st);
	CHECK_EQ(st.leaf_entries[1], 512 + 16 + 3 + 1 - 2);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(synth_map_errors)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);

	REQUIRE(s);
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0xffff800000000000ull), xenpt_gfn(0), 4096, 4096, 0),
		      XENPT_ERR_INVALID_ARG, "overlaps L4 slots 256-271, which belong to Xen");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x0000800000000000ull), xenpt_gfn(0), 4096, 4096, 0),
		      XENPT_ERR_INVALID_ARG, "is not canonical for 48-bit addresses");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x200000), xenpt_gfn(0), 0x200000, 0x200000, 0),
		      XENPT_ERR_INVALID_ARG, "PV guests have no superpages");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x1001), xenpt_gfn(0), 4096, 4096, 0),
		      XENPT_ERR_INVALID_ARG, "must be aligned");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x1000), xenpt_gfn(0xfff), 0x2000, 4096, 0),
		      XENPT_ERR_INVALID_ARG, "beyond the domain's 0x1000 pages");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x1000), xenpt_gfn(0), 4096, 4096, 0x5000),
		      XENPT_ERR_INVALID_ARG, "include address bits");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x1000), xenpt_gfn(0), 4096, 4096, XENPT_PTE_PCD),
		      XENPT_ERR_INVALID_ARG, "flags 0x10 are disallowed in an L1 entry");
	CHECK_ERR(xenpt_synth_map(s, 9, xenpt_va(0x1000), xenpt_gfn(0), 4096, 4096, 0),
		  XENPT_ERR_NOT_FOUND);
	CHECK_EQ(xenpt_synth_nr_mappings(s), 0);
	xenpt_synth_destroy(s);
}

/* ---- Xen's type and reference counting -------------------------------------------------- */

/*
 * Hand-computed from xen/arch/x86/mm.c: a present entry of a validated
 * L(n+1) holds one general and one Ln type reference on the frame it
 * names; an L1 entry one general reference, plus a writable type
 * reference when RW; a pin one of each; a vCPU's CR3 one of each; the
 * allocation (PGC_allocated) one general reference.
 */
TEST(synth_type_counts)
{
	struct xenpt_synth *s = new_pv(0x1000, 2);
	struct xenpt_synth_frame_state st;
	struct xenpt_synth_page pg;
	uint64_t root, l3, l2, l1, data, e;
	struct xenpt_source *src;
	struct tw w;

	REQUIRE(s);
	root = xenpt_synth_root_frame(s, 0);
	// root: pinned + CR3 of 2 vCPUs
	st = fstate(s, root);
	CHECK_EQ(st.type, XENPT_SYNTH_TYPE_L4);
	CHECK_EQ(st.type_count, 3);
	CHECK_EQ(st.ref_count, 4);
	CHECK(st.pinned && st.validated && st.allocated);
	CHECK_EQ(st.table_level, 4);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(root)), XENPT_PT_L4 | XENPT_PT_PINNED);

	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x200000), xenpt_gfn(0x10), 4096, 4096,
				 XENPT_PTE_RW | XENPT_PTE_US));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE(twalk(src, XENPT_PM_4LEVEL, true, root, 0x200000, &w) == 0);
	l3 = w.table[2];
	l2 = w.table[1];
	l1 = w.table[0];
	data = w.frame;
	CHECK_EQ(data, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x10))));
	// the root's counts do not change: entries take refs on the frames below
	CHECK_EQ(fstate(s, root).type_count, 3);
	CHECK_EQ(fstate(s, root).ref_count, 4);
	st = fstate(s, l3);
	CHECK_EQ(st.type, XENPT_SYNTH_TYPE_L3);
	CHECK_EQ(st.type_count, 1);
	CHECK_EQ(st.ref_count, 2);
	CHECK(!st.pinned && st.validated);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(l3)), XENPT_PT_L3);
	st = fstate(s, l1);
	CHECK_EQ(st.type, XENPT_SYNTH_TYPE_L1);
	CHECK_EQ(st.type_count, 1);
	CHECK_EQ(st.ref_count, 2);
	st = fstate(s, data);
	CHECK_EQ(st.type, XENPT_SYNTH_TYPE_WRITABLE);
	CHECK_EQ(st.type_count, 1);
	CHECK_EQ(st.ref_count, 2);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(data)), XENPT_PT_NONE);

	// a read-only alias: one more general reference, no type reference
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x201000), xenpt_gfn(0x10), 4096, 4096, XENPT_PTE_US));
	CHECK_EQ(fstate(s, data).type_count, 1);
	CHECK_EQ(fstate(s, data).ref_count, 3);

	// an L1 referenced by two L2 entries has type count 2 (mmu_update on the L2)
	CHECK_OK(xenpt_synth_mmu_update(s, xenpt_mfn(l2), 7, (l1 << 12) | 0x67));
	CHECK_OK(xenpt_synth_table_entry(s, l2, 7, &e));
	CHECK_EQ(e, (l1 << 12) | 0x67);
	st = fstate(s, l1);
	CHECK_EQ(st.type_count, 2);
	CHECK_EQ(st.ref_count, 3);
	// the same data frame is now reached through 0x200000 and 0xe00000
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0xe00000, &w), 0);
	CHECK_EQ(w.frame, data);

	// pinning adds one type and one general reference; not nested
	CHECK_OK(xenpt_synth_pin(s, 1, xenpt_mfn(l1)));
	st = fstate(s, l1);
	CHECK_EQ(st.type_count, 3);
	CHECK_EQ(st.ref_count, 4);
	CHECK(st.pinned);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(l1)), XENPT_PT_L1 | XENPT_PT_PINNED);
	CHECK_ERR_MSG(xenpt_synth_pin(s, 1, xenpt_mfn(l1)), XENPT_ERR_INVALID_ARG, "already pinned");
	CHECK_ERR_MSG(xenpt_synth_pin(s, 2, xenpt_mfn(l1)), XENPT_ERR_INVALID_ARG, "is typed L1 (type count 3), expected L2");
	st = fstate(s, l1);
	CHECK_EQ(st.type_count, 3);
	CHECK_EQ(st.ref_count, 4);
	// a page table can never be mapped writable (Xen: -EBUSY)
	CHECK_ERR_MSG(xenpt_synth_map_mfn(s, 0, xenpt_va(0x202000), xenpt_mfn(l1), XENPT_PTE_RW),
		      XENPT_ERR_REFUSED, "which is in use as L1 (type count 3): could not get a writable type reference");
	CHECK_EQ(fstate(s, l1).ref_count, 4);
	CHECK_ERR(xenpt_synth_lookup(s, 0, xenpt_va(0x202000), &pg), XENPT_ERR_NOT_FOUND);
	// read-only is fine: one more general reference
	CHECK_OK(xenpt_synth_map_mfn(s, 0, xenpt_va(0x202000), xenpt_mfn(l1), 0));
	CHECK_EQ(fstate(s, l1).ref_count, 5);
	CHECK_EQ(fstate(s, l1).type_count, 3);
	CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0x202000), &pg));
	CHECK_EQ(pg.mfn, l1);
	CHECK_EQ(pg.gfn, XENPT_INVALID_FRAME);
	// unpinning restores the counts
	CHECK_OK(xenpt_synth_unpin(s, xenpt_mfn(l1)));
	st = fstate(s, l1);
	CHECK_EQ(st.type_count, 2);
	CHECK_EQ(st.ref_count, 4);
	CHECK(!st.pinned && st.validated);
	CHECK_ERR_MSG(xenpt_synth_unpin(s, xenpt_mfn(l1)), XENPT_ERR_INVALID_ARG, "is not pinned");
	CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(0x202000), 4096));
	CHECK_OK(xenpt_synth_mmu_update(s, xenpt_mfn(l2), 7, 0));
	CHECK_EQ(fstate(s, l1).type_count, 1);
	CHECK_EQ(fstate(s, l1).ref_count, 2);

	// unmapping drops the data references; the type stays writable at count 0
	CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(0x200000), 0x2000));
	st = fstate(s, data);
	CHECK_EQ(st.type_count, 0);
	CHECK_EQ(st.ref_count, 1);
	CHECK_EQ(st.type, XENPT_SYNTH_TYPE_WRITABLE);

	// Xen's L4 slots: 258 is the linear self-map Xen writes, and none of
	// slots 256-271 is counted
	CHECK_OK(xenpt_synth_table_entry(s, root, 258, &e));
	CHECK_EQ(e, (root << 12) | XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_A | XENPT_PTE_D | XENPT_PTE_NX);
	CHECK_OK(xenpt_synth_table_entry(s, root, 256, &e));
	CHECK(e & XENPT_PTE_P);          // RO M2P: filled when loaded as a kernel CR3
	CHECK_EQ(fstate(s, (e & PTE_ADDR) >> 12).owner, XENPT_SYNTH_OWNER_XEN);
	CHECK_OK(xenpt_synth_table_entry(s, root, 259, &e));
	CHECK_EQ(e, 0);
	CHECK_EQ(fstate(s, root).type_count, 3);
	CHECK_EQ(fstate(s, root).ref_count, 4);
	CHECK_ERR_MSG(xenpt_synth_mmu_update(s, xenpt_mfn(root), 260, 0), XENPT_ERR_INVALID_ARG,
		      "slot 260 is one of Xen's slots (256-271)");
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

// An unpinned root: plain writes, no references, until Xen validates it.
TEST(synth_validation_cascade)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	struct xenpt_synth_frame_state st;
	struct xenpt_source *src;
	unsigned r;
	uint64_t root, l3, l2, l1, data;
	struct tw w;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_root_create(s, "proc", false, &r));
	CHECK_EQ(r, 1);
	root = xenpt_synth_root_frame(s, r);
	CHECK_OK(xenpt_synth_map(s, r, xenpt_va(0x400000), xenpt_gfn(0x20), 4096, 4096,
				 XENPT_PTE_US | XENPT_PTE_RW));
	src = source_of(s);
	REQUIRE(src);
	REQUIRE(twalk(src, XENPT_PM_4LEVEL, true, root, 0x400000, &w) == 0);
	l3 = w.table[2];
	l2 = w.table[1];
	l1 = w.table[0];
	data = w.frame;
	// nothing is validated: no type or general references beyond allocation
	st = fstate(s, root);
	CHECK_EQ(st.type_count, 0);
	CHECK(!st.validated);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(root)), XENPT_PT_NONE);
	CHECK_EQ(fstate(s, l3).type_count, 0);
	CHECK_EQ(fstate(s, l3).ref_count, 1);
	CHECK_EQ(fstate(s, l1).ref_count, 1);
	CHECK_EQ(fstate(s, data).ref_count, 1);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(l1)), XENPT_PT_NONE);
	// no Xen slots before validation
	{
		uint64_t e;

		CHECK_OK(xenpt_synth_table_entry(s, root, 258, &e));
		CHECK_EQ(e, 0);
	}
	// pinning validates the whole tree
	CHECK_OK(xenpt_synth_pin(s, 4, xenpt_mfn(root)));
	CHECK_EQ(fstate(s, root).type_count, 1);
	CHECK_EQ(fstate(s, root).ref_count, 2);
	CHECK_EQ(fstate(s, l3).type_count, 1);
	CHECK_EQ(fstate(s, l2).type_count, 1);
	CHECK_EQ(fstate(s, l1).type_count, 1);
	CHECK_EQ(fstate(s, l1).ref_count, 2);
	CHECK_EQ(fstate(s, data).type_count, 1);
	CHECK_EQ(fstate(s, data).ref_count, 2);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(l2)), XENPT_PT_L2);
	{
		uint64_t e;

		CHECK_OK(xenpt_synth_table_entry(s, root, 258, &e));
		CHECK_EQ(e & PTE_ADDR, root << 12);
	}
	// a second pinned root sharing the user half: the L3 gets a 2nd type ref
	{
		unsigned r2;

		CHECK_OK(xenpt_synth_root_create(s, "proc-user", true, &r2));
		CHECK_OK(xenpt_synth_share(s, r2, r, 0, 255));
		CHECK_EQ(fstate(s, l3).type_count, 2);
		CHECK_EQ(fstate(s, l3).ref_count, 3);
		CHECK_OK(xenpt_synth_unpin(s, xenpt_mfn(xenpt_synth_root_frame(s, r2))));
		CHECK_EQ(fstate(s, l3).type_count, 1);
		CHECK_EQ(fstate(s, l3).ref_count, 2);
	}
	// unpinning devalidates everything again (the last type reference)
	CHECK_OK(xenpt_synth_unpin(s, xenpt_mfn(root)));
	CHECK_EQ(fstate(s, root).type_count, 0);
	CHECK(!fstate(s, root).validated);
	CHECK_EQ(fstate(s, root).ref_count, 1);
	CHECK_EQ(fstate(s, l3).type_count, 0);
	CHECK_EQ(fstate(s, l1).type_count, 0);
	CHECK(!fstate(s, l1).validated);
	CHECK_EQ(fstate(s, data).ref_count, 1);
	CHECK_EQ(fstate(s, data).type_count, 0);
	// a validated table under an RW mapping cannot be validated: pinning
	// fails and leaves every count as it was
	CHECK_OK(xenpt_synth_map_mfn(s, 0, xenpt_va(0x600000), xenpt_mfn(l1), XENPT_PTE_RW));
	CHECK_EQ(fstate(s, l1).type, XENPT_SYNTH_TYPE_WRITABLE);
	CHECK_ERR_MSG(xenpt_synth_pin(s, 4, xenpt_mfn(root)), XENPT_ERR_INVALID_ARG,
		      "is typed writable (type count 1), expected L1");
	CHECK_EQ(fstate(s, root).type_count, 0);
	CHECK_EQ(fstate(s, l3).type_count, 0);
	CHECK_EQ(fstate(s, l2).type_count, 0);
	CHECK_EQ(fstate(s, l1).type_count, 1);
	CHECK_EQ(fstate(s, l1).ref_count, 2);
	CHECK_EQ(fstate(s, data).ref_count, 1);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(synth_linear_and_refusals)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	uint64_t root, other, mfn;
	unsigned r2;

	REQUIRE(s);
	root = xenpt_synth_root_frame(s, 0);
	// a read-only same-level self-map is allowed and holds no reference
	CHECK_OK(xenpt_synth_set_entry(s, 0, xenpt_va(0xfffff68000000000ull), 4,
				       (root << 12) | XENPT_PTE_P | XENPT_PTE_A, false));
	CHECK_EQ(fstate(s, root).type_count, 2);
	CHECK_EQ(fstate(s, root).ref_count, 3);
	// ... but not a writable one
	CHECK_ERR_MSG(xenpt_synth_set_entry(s, 0, xenpt_va(0xfffff70000000000ull), 4,
					    (root << 12) | XENPT_PTE_P | XENPT_PTE_RW, false),
		      XENPT_ERR_INVALID_ARG, "with write permission");
	// a linear mapping of another validated L4: one type and one general
	// reference, and the linear counts of both
	CHECK_OK(xenpt_synth_root_create(s, "other", true, &r2));
	other = xenpt_synth_root_frame(s, r2);
	CHECK_OK(xenpt_synth_set_entry(s, 0, xenpt_va(0xfffff70000000000ull), 4,
				       (other << 12) | XENPT_PTE_P, false));
	CHECK_EQ(fstate(s, other).type_count, 2);
	CHECK_EQ(fstate(s, other).ref_count, 3);
	CHECK_EQ(fstate(s, other).linear_pt_count, -1);
	CHECK_EQ(fstate(s, root).linear_pt_count, 1);
	// a table with linear entries cannot itself be used linearly
	CHECK_ERR_MSG(xenpt_synth_set_entry(s, r2, xenpt_va(0xfffff70000000000ull), 4,
					    (root << 12) | XENPT_PTE_P, false),
		      XENPT_ERR_INVALID_ARG, "this table is itself a linear target (1 uses)");
	CHECK_EQ(fstate(s, root).type_count, 2);
	CHECK_OK(xenpt_synth_set_entry(s, 0, xenpt_va(0xfffff70000000000ull), 4, 0, false));
	CHECK_EQ(fstate(s, other).type_count, 1);
	CHECK_EQ(fstate(s, other).linear_pt_count, 0);
	CHECK_EQ(fstate(s, root).linear_pt_count, 0);
	// PSE in an L2 entry: Xen's base_disallow_mask
	CHECK_ERR_MSG(xenpt_synth_set_entry(s, 0, xenpt_va(0x40000000), 2,
					    (xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x200))) << 12) |
					    XENPT_PTE_P | XENPT_PTE_PSE, false),
		      XENPT_ERR_INVALID_ARG, "flags 0x80 are disallowed in an L2 entry");
	// frames that are not the domain's
	mfn = xenpt_synth_get_params(s)->host_frames + 10;
	CHECK_ERR_MSG(xenpt_synth_map_mfn(s, 0, xenpt_va(0x1000), xenpt_mfn(mfn), 0), XENPT_ERR_REFUSED,
		      "may not map MMIO frame");
	CHECK_ERR_MSG(xenpt_synth_map_mfn(s, 0, xenpt_va(0x1000), xenpt_mfn(0x10), 0), XENPT_ERR_REFUSED,
		      "may not map MMIO frame 0x10 (no I/O capability)");
	for (mfn = 0x100; mfn < xenpt_synth_get_params(s)->host_frames; mfn++)
		if (fstate(s, mfn).owner == XENPT_SYNTH_OWNER_OTHER)
			break;
	CHECK_ERR_MSG(xenpt_synth_map_mfn(s, 0, xenpt_va(0x1000), xenpt_mfn(mfn), 0), XENPT_ERR_REFUSED,
		      "belongs to d0, not to d5 (the page owner)");
	CHECK_ERR_MSG(xenpt_synth_pin(s, 1, xenpt_mfn(mfn)), XENPT_ERR_INVALID_ARG, "is not d5's");
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(mfn)), XENPT_PT_XTAB);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_synth_shared_info_mfn(s)), XENPT_PT_XTAB);
	CHECK_EQ(fstate(s, xenpt_mfn_x(xenpt_synth_shared_info_mfn(s))).type, XENPT_SYNTH_TYPE_WRITABLE);
	CHECK(fstate(s, xenpt_mfn_x(xenpt_synth_shared_info_mfn(s))).special);
	xenpt_synth_destroy(s);
}

// Raw (hostile) entries bypass Xen and never disturb its counts.
TEST(synth_raw_entries)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	struct xenpt_synth_entry rec;
	struct xenpt_source *src;
	uint64_t root, data;
	struct tw w;

	REQUIRE(s);
	root = xenpt_synth_root_frame(s, 0);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x400000), xenpt_gfn(0x30), 0x2000, 4096, XENPT_PTE_US));
	data = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x30)));
	CHECK_EQ(fstate(s, data).ref_count, 2);
	// replace a mapped entry raw: its reference goes, the raw one takes none
	CHECK_OK(xenpt_synth_set_entry(s, 0, xenpt_va(0x400000), 1, (0xfffffull << 12) | 5, true));
	CHECK_EQ(fstate(s, data).ref_count, 1);
	CHECK_EQ(xenpt_synth_nr_mappings(s), 1);         // the oracle forgot that page
	CHECK_EQ(xenpt_synth_nr_entry_records(s), 1);
	CHECK(xenpt_synth_entry_record(s, 0, &rec));
	CHECK_EQ(rec.level, 1);
	CHECK_EQ(rec.va, 0x400000);
	CHECK_EQ(rec.value, (0xfffffull << 12) | 5);
	CHECK(rec.raw);
	// an L3 entry looping back to the L4 (Xen would refuse it)
	CHECK_ERR(xenpt_synth_set_entry(s, 0, xenpt_va(0x8000000000ull), 3,
					(root << 12) | 0x67, false), XENPT_ERR_INVALID_ARG);
	CHECK_OK(xenpt_synth_set_entry(s, 0, xenpt_va(0x8000000000ull), 3, (root << 12) | 0x67, true));
	CHECK_EQ(fstate(s, root).type_count, 2);
	src = source_of(s);
	REQUIRE(src);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x400000, &w), 0);
	CHECK_EQ(w.frame, 0xfffff);      // beyond the host
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x401000, &w), 0);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x8000000000ull, &w), 0);
	CHECK_EQ(w.table[1], root);      // the "L2" is the L4
	// devalidating the tree skips raw entries: counts come back exactly
	data = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x31)));
	CHECK_EQ(fstate(s, data).ref_count, 2);
	CHECK_OK(xenpt_synth_unpin(s, xenpt_mfn(root)));
	CHECK_EQ(fstate(s, root).type_count, 1);         // the vCPU's CR3
	CHECK_OK(xenpt_synth_set_vcpu(s, 0, &(struct xenpt_vcpu){ .id = 0, .online = true }));
	CHECK_EQ(fstate(s, root).type_count, 0);
	CHECK(!fstate(s, root).validated);
	CHECK_EQ(fstate(s, data).ref_count, 1);
	CHECK_EQ(fstate(s, w.table[2]).type_count, 0);
	CHECK_OK(xenpt_synth_pin(s, 4, xenpt_mfn(root)));
	CHECK_EQ(fstate(s, root).type_count, 1);
	CHECK_EQ(fstate(s, data).ref_count, 2);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- HVM -------------------------------------------------------------------------------- */

static void hvm_mode_case(enum xenpt_paging_mode mode, uint64_t large, uint64_t big_va, uint64_t small_va)
{
	struct xenpt_synth *s = new_hvm(mode, 5 * (large >> 12) > 0x10000 ? 5 * (large >> 12) : 0x10000);
	struct xenpt_source *src;
	struct xenpt_vcpu v;
	struct xenpt_aspace as;
	struct tw w;
	uint64_t nx = mode == XENPT_PM_2LEVEL ? 0 : XENPT_PTE_NX, e;
	unsigned levels = xenpt_paging_mode_levels(mode);

	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(big_va), xenpt_gfn(large >> 12), 4 * large, large,
				 XENPT_PTE_RW | nx));
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(small_va), xenpt_gfn(0x123), 0x5000, 4096,
				 XENPT_PTE_US | XENPT_PTE_A));
	CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(small_va + 0x2000), 0x1000));
	CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(big_va + large), large));
	CHECK_ERR_MSG(xenpt_synth_unmap(s, 0, xenpt_va(big_va), 0x1000), XENPT_ERR_INVALID_ARG,
		      "is part of a");
	CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(big_va), xenpt_gfn(1), 4096, 4096, 0),
		      XENPT_ERR_INVALID_ARG, "is covered by a");
	src = source_of(s);
	REQUIRE(src);
	CHECK_EQ(check_oracle(s, src), 3 * (large >> 12) + 4);
	CHECK_EQ(twalk(src, mode, false, xenpt_synth_root_frame(s, 0), small_va + 0x2000, &w), 1);
	CHECK_EQ(twalk(src, mode, false, xenpt_synth_root_frame(s, 0), big_va + large + 0x5000, &w), 1);
	CHECK_EQ(twalk(src, mode, false, xenpt_synth_root_frame(s, 0), big_va + 2 * large + 0x5000, &w), 0);
	CHECK_EQ(w.frame, (3 * large + 0x5000) >> 12);
	CHECK_EQ(w.level, large == (1ull << 30) ? 3 : 2);
	CHECK(w.leaf & XENPT_PTE_PSE);
	CHECK_EQ(w.leaf & XENPT_PTE_NX, nx);
	// PAE: the PDPT's entries have only P (RW/US/NX are reserved there)
	if (mode == XENPT_PM_PAE)
		CHECK_EQ(w.entry[2] & 0xfff, 1);
	// the vCPU's registers select the mode
	CHECK_OK(xenpt_source_vcpu(src, 0, &v));
	CHECK_EQ(xenpt_paging_mode_from_regs(v.cr0, v.cr4, v.efer, v.efer_known, true), mode);
	CHECK_EQ(v.cr3, xenpt_synth_root_cr3(s, 0));
	CHECK_EQ(xenpt_source_domain(src)->pt_levels, levels);
	CHECK(xenpt_source_domain(src)->hvm);
	xenpt_synth_aspace(s, 0, &as);
	CHECK_EQ(as.space, XENPT_SPACE_GFN);
	CHECK_EQ(as.mode, mode);
	CHECK(!as.pv);
	// no P2M/M2P/page types for HVM
	CHECK(!(xenpt_source_caps(src) & (XENPT_CAP_P2M | XENPT_CAP_M2P | XENPT_CAP_PAGE_TYPES |
					  XENPT_CAP_MFN_FRAMES | XENPT_CAP_SHARED_INFO)));
	CHECK_ERR(xenpt_synth_pin(s, 1, xenpt_mfn(1)), XENPT_ERR_UNSUPPORTED);
	// raw entries in 2-level mode are 4 bytes
	if (mode == XENPT_PM_2LEVEL) {
		CHECK_ERR_MSG(xenpt_synth_set_entry(s, 0, xenpt_va(0x10000000), 1, 1ull << 40, true),
			      XENPT_ERR_INVALID_ARG, "does not fit a 4-byte entry");
		CHECK_ERR_MSG(xenpt_synth_map(s, 0, xenpt_va(0x10000000), xenpt_gfn(0), 4096, 4096,
					      XENPT_PTE_NX),
			      XENPT_ERR_INVALID_ARG, "2-level paging has no NX");
		CHECK_OK(xenpt_synth_table_entry(s, xenpt_synth_root_frame(s, 0),
						 (unsigned)(big_va >> 22), &e));
		CHECK_EQ(e >> 32, 0);
		CHECK_EQ(e, large | XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_PSE);
	}
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(synth_hvm_4level)
{
	hvm_mode_case(XENPT_PM_4LEVEL, 1ull << 21, 0xffff888000000000ull, 0xffffffff81000000ull);
	hvm_mode_case(XENPT_PM_4LEVEL, 1ull << 30, 0xffff888000000000ull, 0x400000);
}

TEST(synth_hvm_5level)
{
	hvm_mode_case(XENPT_PM_5LEVEL, 1ull << 21, 0xff11000000000000ull, 0x00f0000000000000ull);
	hvm_mode_case(XENPT_PM_5LEVEL, 1ull << 30, 0xff11000000000000ull, 0xffffffff81000000ull);
}

TEST(synth_hvm_pae)
{
	hvm_mode_case(XENPT_PM_PAE, 1ull << 21, 0xc0000000, 0x08048000);
}

TEST(synth_hvm_2level)
{
	hvm_mode_case(XENPT_PM_2LEVEL, 1ull << 22, 0xc0000000, 0x08048000);
}

TEST(synth_hvm_vga_hole)
{
	struct xenpt_synth *s = new_hvm(XENPT_PM_4LEVEL, 0x1000);
	struct xenpt_source *src;
	const uint8_t *pages[4];
	uint64_t frames[4] = { 0x9f, 0xa0, 0xbf, 0x1000 };
	int errs[4];

	REQUIRE(s);
	src = source_of(s);
	REQUIRE(src);
	CHECK_EQ(xenpt_source_domain(src)->tot_pages, 0x1000 - 0x20);
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 4, pages, errs));
	CHECK(pages[0] != NULL);
	CHECK_EQ(errs[1], ENOENT);
	CHECK_EQ(errs[2], ENOENT);
	CHECK_EQ(errs[3], ERANGE);
	CHECK_ERR(xenpt_source_get_frame(src, XENPT_SPACE_MFN, 1, &pages[0]), XENPT_ERR_UNSUPPORTED);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- the Linux layout ------------------------------------------------------------------------- */

// Read 8 bytes at @va through the tables of @root (twalk), then the frame.
static uint64_t read64_va(struct xenpt_source *src, uint64_t root, uint64_t va)
{
	const uint8_t *page = NULL;
	struct tw w;

	if (twalk(src, XENPT_PM_4LEVEL, true, root, va, &w))
		return ~0ull - 1;
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, w.frame, &page));
	if (!page)
		return ~0ull - 1;
	return rd(page, (unsigned)((va & 0xfff) / 8), 8);
}

TEST(synth_layout_linux)
{
	struct xenpt_synth *s = new_pv(0x4000, 2);
	struct xenpt_synth_linux L;
	struct xenpt_synth_page pg;
	struct xenpt_source *src;
	struct xenpt_shared_info si;
	struct xenpt_vcpu v;
	struct tw w;
	uint64_t pfn, root_init, root_kernel, root_user, census[16] = { 0 }, nr_user_l1 = 0, last = ~0ull;
	const struct xenpt_synth_params *p;
	size_t i;

	REQUIRE(s);
	p = xenpt_synth_get_params(s);
	CHECK_OK(xenpt_synth_layout_linux(s, &L));
	CHECK_ERR_MSG(xenpt_synth_layout_linux(s, NULL), XENPT_ERR_INVALID_ARG, "must come first");
	src = source_of(s);
	REQUIRE(src);
	root_init = xenpt_synth_root_frame(s, L.root_init);
	root_kernel = xenpt_synth_root_frame(s, L.root_kernel);
	root_user = xenpt_synth_root_frame(s, L.root_user);
	CHECK_STR_EQ(xenpt_synth_root_name(s, L.root_init), "init");
	CHECK_STR_EQ(xenpt_synth_root_name(s, L.root_kernel), "kernel");
	CHECK_STR_EQ(xenpt_synth_root_name(s, L.root_user), "user");

	// the Linux addresses
	CHECK_EQ(L.text_va, 0xffffffff81000000ull);
	CHECK_EQ(L.text_pfn, 0x1000);
	CHECK_EQ(L.direct_map_va, 0xffff888000000000ull);
	CHECK_EQ(L.p2m_va, 0xffffc90000000000ull);
	CHECK_EQ(L.user_text_va, 0x400000);
	CHECK_EQ(L.user_stack_va + L.user_stack_size, 0x7ffffffff000ull);
	CHECK_OK(xenpt_synth_lookup(s, L.root_kernel, xenpt_va(0xffffffff81000000ull), &pg));
	CHECK_EQ(pg.gfn, 0x1000);
	CHECK_EQ(pg.flags & (XENPT_PTE_RW | XENPT_PTE_NX), 0);         // RO, executable
	CHECK_OK(xenpt_synth_lookup(s, L.root_kernel, xenpt_va(L.rodata_va), &pg));
	CHECK_EQ(pg.flags & (XENPT_PTE_RW | XENPT_PTE_NX), XENPT_PTE_NX);
	CHECK_OK(xenpt_synth_lookup(s, L.root_kernel, xenpt_va(L.bss_va + L.bss_size - 1), &pg));
	CHECK_EQ(pg.flags & (XENPT_PTE_RW | XENPT_PTE_NX), XENPT_PTE_RW | XENPT_PTE_NX);
	CHECK_EQ(pg.gfn, L.bss_pfn + (L.bss_size >> 12) - 1);
	CHECK_EQ(pg.root, L.root_init);           // the kernel half belongs to init
	CHECK_OK(xenpt_synth_lookup(s, L.root_user, xenpt_va(0x400000), &pg));
	CHECK_EQ(pg.root, L.root_kernel);         // the user half to the process
	CHECK(pg.flags & XENPT_PTE_US);
	CHECK_ERR(xenpt_synth_lookup(s, L.root_user, xenpt_va(0xffffffff81000000ull), &pg),
		  XENPT_ERR_NOT_FOUND);               // no kernel half in the user L4
	CHECK_ERR(xenpt_synth_lookup(s, L.root_init, xenpt_va(0x400000), &pg), XENPT_ERR_NOT_FOUND);

	// everything recorded is in the tables, page by page
	CHECK_EQ(check_oracle(s, src), 0x4000 + 0x200 + 0x100 + 0x80 + 0x80 + L.p2m_pages +
				       2 * 4 + 25 + 8 + 4 + 32 + 28 + 33);

	// the direct map covers all RAM; table and descriptor frames are read-only
	{
		uint64_t wrong = 0, ro = 0;

		for (pfn = 0; pfn < p->nr_pages; pfn++) {
			uint64_t mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
			struct xenpt_synth_frame_state st = fstate(s, mfn);
			bool table = st.type >= XENPT_SYNTH_TYPE_L1 &&
				     st.type <= XENPT_SYNTH_TYPE_SEG_DESC && st.type_count;

			wrong += twalk(src, XENPT_PM_4LEVEL, true, root_kernel,
				       L.direct_map_va + (pfn << 12), &w) != 0 || w.frame != mfn ||
				 !!(w.leaf & XENPT_PTE_RW) == table;
			ro += table;
			census[xenpt_synth_page_type(s, xenpt_mfn(mfn))]++;
		}
		CHECK_EQ(wrong, 0);
		CHECK(ro >= 50);
	}
	// pins as Linux makes them: 3 L4s, the vsyscall L3, the process's L1s
	// (one per 2 MiB region the user mappings touch)
	{
		struct xenpt_synth_mapping m;

		for (i = 0; xenpt_synth_mapping(s, i, &m); i++) {
			uint64_t off;

			if (m.va >> 47)
				continue;
			for (off = 0; off < m.size; off += 4096) {
				if ((m.va + off) >> 21 != last)
					nr_user_l1++;
				last = (m.va + off) >> 21;
			}
		}
	}
	CHECK_EQ(nr_user_l1, 5);     // text, data, heap, mmap, stack
	CHECK_EQ(census[XENPT_PT_L4 | XENPT_PT_PINNED], 3);
	CHECK_EQ(census[XENPT_PT_L3 | XENPT_PT_PINNED], 1);
	CHECK_EQ(census[XENPT_PT_L1 | XENPT_PT_PINNED], nr_user_l1);
	CHECK_EQ(census[XENPT_PT_L4], 0);
	CHECK(census[XENPT_PT_L1] >= 9);
	CHECK_EQ(census[XENPT_PT_XTAB], 0);
	CHECK_EQ(fstate(s, L.vsyscall_l3_mfn).type_count, 2);      // pin + user L4 slot 511
	CHECK_OK(xenpt_synth_table_entry(s, root_user, 511, &w.leaf));
	CHECK_EQ(w.leaf >> 12 & 0xffffffffffull, L.vsyscall_l3_mfn);
	// shared tables: the user half's L3 is in both process L4s; the kernel
	// text's L3 in init's and the process's
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root_user, 0x400000, &w), 0);
	CHECK_EQ(fstate(s, w.table[2]).type_count, 2);
	CHECK_EQ(fstate(s, w.table[2]).ref_count, 4);              // + its read-only direct-map alias
	CHECK_EQ(fstate(s, w.table[0]).type_count, 2);             // L2 entry + pin
	CHECK(fstate(s, w.table[0]).pinned);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root_kernel, L.text_va, &w), 0);
	CHECK_EQ(fstate(s, w.table[2]).type_count, 2);
	CHECK(!fstate(s, w.table[0]).pinned);
	// L4s: pin + CR3 (+ the direct map's read-only alias: a general ref)
	CHECK_EQ(fstate(s, root_init).type_count, 2);
	CHECK_EQ(fstate(s, root_init).ref_count, 4);
	CHECK_EQ(fstate(s, root_kernel).type_count, 2);
	CHECK_EQ(fstate(s, root_user).type_count, 2);
	// GDT frames: seg_desc, shown as NONE
	CHECK_EQ(fstate(s, L.gdt_mfn[0]).type, XENPT_SYNTH_TYPE_SEG_DESC);
	CHECK_EQ(fstate(s, L.gdt_mfn[0]).type_count, 1);
	CHECK_EQ(xenpt_synth_page_type(s, xenpt_mfn(L.gdt_mfn[1])), XENPT_PT_NONE);

	// vCPUs
	CHECK_OK(xenpt_source_vcpu(src, 0, &v));
	CHECK_EQ(v.cr3, root_kernel << 12);
	CHECK_EQ(v.user_cr3, root_user << 12);
	CHECK_EQ(v.traps[14].address, L.pf_handler);
	CHECK(v.traps[14].address >= L.text_va && v.traps[14].address < L.text_va + L.text_size);
	CHECK_EQ(v.traps[14].flags, 4);
	CHECK_EQ(v.event_callback_eip, L.event_callback);
	CHECK(v.regs.rip >= L.text_va && v.regs.rip < L.text_va + L.text_size);
	CHECK(v.regs.rsp > L.stack_va[0] && v.regs.rsp < L.stack_va[0] + L.stack_size);
	CHECK_EQ(v.gdt_frames[0], L.gdt_mfn[0]);
	CHECK_EQ(read64_va(src, root_kernel, L.pf_handler), 0xccc35d90e5894855ull);
	CHECK_OK(xenpt_source_vcpu(src, 1, &v));
	CHECK_EQ(v.cr3, root_init << 12);
	CHECK_EQ(v.user_cr3, 0);

	// shared_info publishes the P2M as Linux does
	CHECK_OK(xenpt_source_shared_info(src, &si));
	CHECK_EQ(si.max_pfn, p->nr_pages);
	CHECK_EQ(si.p2m_vaddr, 0xffffc90000000000ull);
	CHECK_EQ(si.p2m_cr3, root_init << 12);
	CHECK_EQ(si.pfn_to_mfn_frame_list_list, L.fll_mfn);
	CHECK_EQ(si.p2m_generation, 0);
	// the linear P2M, read through p2m_cr3's raw tables, is the P2M
	{
		uint64_t wrong = 0;

		for (pfn = 0; pfn < p->nr_pages; pfn++)
			wrong += read64_va(src, si.p2m_cr3 >> 12, si.p2m_vaddr + 8 * pfn) !=
				 xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
		CHECK_EQ(wrong, 0);
	}
	// and so is the frame-list tree: FLL -> frame lists -> leaves
	{
		const uint8_t *fll = NULL, *fl = NULL, *leaf = NULL;
		uint64_t n = 0, k, j, q;

		CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, si.pfn_to_mfn_frame_list_list, &fll));
		uint64_t wrong = 0;

		for (k = 0; fll && k < 512 && rd(fll, (unsigned)k, 8) != ~0ull; k++) {
			CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, rd(fll, (unsigned)k, 8), &fl));
			for (j = 0; fl && j < 512 && rd(fl, (unsigned)j, 8) != ~0ull; j++) {
				CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, rd(fl, (unsigned)j, 8), &leaf));
				for (q = 0; leaf && q < 512 && n < si.max_pfn; q++, n++)
					wrong += rd(leaf, (unsigned)q, 8) !=
						 xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(n)));
			}
		}
		CHECK_EQ(wrong, 0);
		CHECK_EQ(n, p->nr_pages);
		CHECK_EQ(k, 1);
	}
	// the banner in rodata
	{
		const uint8_t *page = NULL;

		REQUIRE(twalk(src, XENPT_PM_4LEVEL, true, root_init, L.banner_va, &w) == 0);
		CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, w.frame, &page));
		CHECK(page && !memcmp(page, "Linux version 6.1.0-xenpt-synth", 31));
	}
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(synth_layout_linux_more_tables)
{
	struct xenpt_synth *s = new_pv(0x2000, 1);
	struct xenpt_synth_linux L;
	struct xenpt_synth_page pg;
	uint64_t mfn;
	unsigned i;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_layout_linux(s, &L));
	// every PFN is in the direct map; new tables take a frame whose only
	// reference is its writable direct-map alias, made read-only first
	for (i = 0; i < 40; i++)
		CHECK_OK(xenpt_synth_map(s, L.root_kernel, xenpt_va(0x10000000000ull + ((uint64_t)i << 30)),
					 xenpt_gfn(0x1000), 4096, 4096, XENPT_PTE_US));
	CHECK_EQ(fstate(s, xenpt_synth_root_frame(s, L.root_kernel)).type_count, 2);
	CHECK_OK(xenpt_synth_lookup(s, L.root_kernel, xenpt_va(0x10000000000ull + (39ull << 30)), &pg));
	CHECK_EQ(pg.gfn, 0x1000);
	// the table frames' direct-map entries are read-only now
	mfn = 0;
	for (i = 0; i < 0x2000; i++) {
		struct xenpt_synth_frame_state st;
		uint64_t m = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(i)));

		st = fstate(s, m);
		if (st.type == XENPT_SYNTH_TYPE_L1 && st.type_count) {
			CHECK_OK(xenpt_synth_lookup(s, L.root_init, xenpt_va(L.direct_map_va + ((uint64_t)i << 12)), &pg));
			CHECK_EQ(pg.flags & XENPT_PTE_RW, 0);
			mfn++;
		}
	}
	CHECK(mfn >= 40);
	xenpt_synth_destroy(s);
}

/* ---- the source ------------------------------------------------------------------------------ */

TEST(synth_source_frames)
{
	struct xenpt_synth_params p;
	struct xenpt_synth_limits lim;
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src;
	const uint8_t *a = NULL, *b = NULL, *pages[5];
	uint64_t frames[5], m10;
	xenpt_page_type_t types[3];
	xenpt_gfn_t g;
	xenpt_mfn_t m;
	int errs[5];
	char hdr[64];

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	xenpt_synth_limits_init(&lim);
	lim.max_generated = 3;
	p.limits = &lim;
	p.domid = 9;
	CHECK_OK(xenpt_synth_create(&p, &s));
	REQUIRE(s);
	src = source_of(s);
	REQUIRE(src);
	CHECK_EQ(xenpt_synth_of_source(src), s);
	xenpt_synth_destroy(s);          // the source keeps the model alive
	CHECK_EQ(xenpt_source_caps(src), XENPT_CAP_VCPU | XENPT_CAP_GFN_FRAMES | XENPT_CAP_STABLE |
					 XENPT_CAP_MFN_FRAMES | XENPT_CAP_P2M | XENPT_CAP_M2P |
					 XENPT_CAP_PAGE_TYPES | XENPT_CAP_SHARED_INFO);
	CHECK_STR_EQ(xenpt_source_kind(src), "synth");
	CHECK_STR_EQ(xenpt_source_describe(src), "synthetic domain synth (d9)");
	CHECK_EQ(xenpt_source_domain(src)->domid, 9);
	CHECK_EQ(xenpt_source_domain(src)->p2m_size, 0x1000);
	CHECK_EQ(xenpt_source_domain(src)->max_mfn, 0x20000);
	CHECK_EQ(xenpt_source_domain(src)->shared_info_frame,
		 xenpt_mfn_x(xenpt_synth_shared_info_mfn(s)));
	m10 = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x10)));
	// generated content names the frame; the pointer is the same by PFN and MFN
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_GFN, 0x10, &a));
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, m10, &b));
	REQUIRE(a && b);
	CHECK(a == b);
	snprintf(hdr, sizeof(hdr), "xenpt-synth d9 pfn 0x10 mfn 0x%" PRIx64 "\n", m10);
	CHECK_STR_EQ((const char *)a, hdr);
	CHECK_EQ(rd(a, 100, 8) ^ rd(a, 101, 8), (100ull << 3) ^ (101ull << 3));
	// errors per frame: beyond the host, not the domain's, beyond the P2M
	frames[0] = 0x20000;
	frames[1] = 0x10;                 // DOMID_IO
	frames[2] = xenpt_synth_root_frame(s, 0);
	frames[3] = m10;
	frames[4] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x11)));
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 5, pages, errs));
	CHECK_EQ(errs[0], ERANGE);
	CHECK(pages[0] == NULL);
	CHECK_EQ(errs[1], ENOENT);
	CHECK_EQ(errs[2], 0);
	CHECK(pages[3] == a);
	// the 3rd generated frame (0x10, the root is stored, 0x11), then the limit
	CHECK_EQ(errs[4], 0);
	frames[0] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x12)));
	frames[1] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x13)));
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, frames, 2, pages, errs));
	CHECK_EQ(errs[0], 0);
	CHECK_EQ(errs[1], ENOMEM);
	CHECK_STR_EQ(xenpt_source_frame_strerror(src, ENOMEM),
		     "the synthetic source's limit of generated frames is reached");
	frames[0] = 0x1000;
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, frames, 1, pages, errs));
	CHECK_EQ(errs[0], ERANGE);
	// P2M, M2P and page types through the source
	g = xenpt_gfn(0x10);
	CHECK_OK(xenpt_source_p2m(src, &g, 1, &m));
	CHECK_EQ(xenpt_mfn_x(m), m10);
	CHECK_OK(xenpt_source_m2p(src, &m, 1, &g));
	CHECK_EQ(xenpt_gfn_x(g), 0x10);
	frames[0] = xenpt_synth_root_frame(s, 0);
	frames[1] = 0x10;
	frames[2] = m10;
	CHECK_OK(xenpt_source_page_types(src, XENPT_SPACE_MFN, frames, 3, types));
	CHECK_EQ(types[0], XENPT_PT_L4 | XENPT_PT_PINNED);
	CHECK_EQ(types[1], XENPT_PT_XTAB);
	CHECK_EQ(types[2], XENPT_PT_NONE);
	xenpt_source_close(src);
}

TEST(synth_write_and_read)
{
	struct xenpt_synth *s = new_pv(0x1000, 1);
	struct xenpt_synth_stats st;
	char buf[64];
	uint64_t l1;
	struct xenpt_synth_page pg;

	REQUIRE(s);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x400000), xenpt_gfn(0x40), 0x2000, 4096,
				 XENPT_PTE_US | XENPT_PTE_RW));
	// a write across a page boundary lands in two consecutive PFNs
	CHECK_OK(xenpt_synth_write_va(s, 0, xenpt_va(0x400ffc), "abcdefgh", 8));
	CHECK_OK(xenpt_synth_read_gfn(s, xenpt_gfn(0x40), 0xffc, buf, 8));
	CHECK(!memcmp(buf, "abcdefgh", 8));
	CHECK_OK(xenpt_synth_read_gfn(s, xenpt_gfn(0x41), 0, buf, 4));
	CHECK(!memcmp(buf, "efgh", 4));
	CHECK(fstate(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x41)))).written);
	xenpt_synth_stats(s, &st);
	CHECK_EQ(st.written_pages, 2);
	CHECK_ERR_MSG(xenpt_synth_write_va(s, 0, xenpt_va(0x402000), "x", 1), XENPT_ERR_NOT_FOUND,
		      "write at va 0x0000000000402000: not mapped in root 0 ('kernel')");
	// page tables are written through entries only
	CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0x400000), &pg));
	{
		struct xenpt_source *src = source_of(s);
		struct tw w;

		REQUIRE(src);
		REQUIRE(twalk(src, XENPT_PM_4LEVEL, true, xenpt_synth_root_frame(s, 0), 0x400000, &w) == 0);
		l1 = w.table[0];
		xenpt_source_close(src);
	}
	CHECK_ERR_MSG(xenpt_synth_write_gfn(s, xenpt_synth_m2p(s, xenpt_mfn(l1)), 0, "x", 1),
		      XENPT_ERR_INVALID_ARG, "page table the builder made");
	CHECK_ERR_MSG(xenpt_synth_write_gfn(s, xenpt_gfn(0x1000), 0, "x", 1), XENPT_ERR_INVALID_ARG,
		      "beyond the domain");
	xenpt_synth_destroy(s);
}

TEST(synth_vcpu_state)
{
	struct xenpt_synth *s = new_pv(0x1000, 2);
	struct xenpt_vcpu v;
	unsigned r;
	uint64_t root, other;

	REQUIRE(s);
	root = xenpt_synth_root_frame(s, 0);
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v));
	CHECK_EQ(v.cr3, root << 12);
	CHECK(v.online);
	CHECK_ERR(xenpt_synth_vcpu(s, 2, &v), XENPT_ERR_NOT_FOUND);
	// moving vCPU 1's CR3 moves a type and a general reference
	CHECK_OK(xenpt_synth_root_create(s, "p", false, &r));
	other = xenpt_synth_root_frame(s, r);
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v));
	v.cr3 = other << 12;
	v.user_cr3 = other << 12;
	CHECK_OK(xenpt_synth_set_vcpu(s, 1, &v));
	CHECK_EQ(fstate(s, root).type_count, 2);
	CHECK_EQ(fstate(s, other).type_count, 2);     // guest_table and guest_table_user
	CHECK(fstate(s, other).validated);
	v.traps[14].address = 0x0000800000000000ull;
	CHECK_ERR_MSG(xenpt_synth_set_vcpu(s, 1, &v), XENPT_ERR_INVALID_ARG, "trap 14 address 0x800000000000 is not canonical");
	CHECK_OK(xenpt_synth_set_trap(s, 1, 14, 0xe033, 4, 0xffffffff81234560ull));
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v));
	CHECK_EQ(v.traps[14].address, 0xffffffff81234560ull);
	CHECK_EQ(v.traps[14].cs, 0xe033);
	CHECK_EQ(fstate(s, other).type_count, 2);     // unchanged by the trap update
	// a CR3 that is no L4 (a data frame mapped writable) is refused
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0x400000), xenpt_gfn(0x50), 4096, 4096, XENPT_PTE_RW));
	v.cr3 = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x50))) << 12;
	CHECK_ERR_MSG(xenpt_synth_set_vcpu(s, 1, &v), XENPT_ERR_INVALID_ARG, "is typed writable (type count 1), expected L4");
	CHECK_EQ(fstate(s, other).type_count, 2);
	// pv_set_gdt(): at most FIRST_RESERVED_GDT_ENTRY (14 pages of 512) descriptors
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v));
	v.gdt_ents = 7169;
	CHECK_ERR_MSG(xenpt_synth_set_vcpu(s, 1, &v), XENPT_ERR_INVALID_ARG,
		      "7169 GDT entries: at most 7168 (FIRST_RESERVED_GDT_ENTRY)");
	CHECK_EQ(fstate(s, other).type_count, 2);
	xenpt_synth_destroy(s);
}

/* ---- scale ------------------------------------------------------------------------------------ */

TEST(synth_scale_1gib)
{
	struct xenpt_synth *s = new_pv(0x48000, 1);     // 1 GiB mapped + room for tables
	struct xenpt_synth_stats st;
	struct xenpt_synth_page pg;
	struct timespec t0, t1;
	uint64_t pfn;

	REQUIRE(s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(0xffff888000000000ull), xenpt_gfn(0), 1ull << 30, 4096,
				 XENPT_PTE_RW | XENPT_PTE_NX | XENPT_PTE_A | XENPT_PTE_D));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	xenpt_synth_stats(s, &st);
	CHECK_EQ(st.leaf_entries[1], 262144);
	CHECK_EQ(st.tables[1], 512);
	CHECK_EQ(st.tables[2], 1);
	CHECK_EQ(st.tables[3], 1);
	CHECK_EQ(st.tables[4], 1);
	CHECK_EQ(st.mapped_bytes, 1ull << 30);
	CHECK_EQ(xenpt_synth_nr_mappings(s), 1);
	for (pfn = 0; pfn < 0x40000; pfn += 0x1111) {
		struct xenpt_synth_frame_state fs = fstate(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn))));

		CHECK_EQ(fs.type_count, 1);
		CHECK_EQ(fs.ref_count, 2);
		CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(0xffff888000000000ull + (pfn << 12)), &pg));
		CHECK_EQ(pg.gfn, pfn);
	}
	printf("# synth_scale_1gib: 262144 PTEs in %.3f s, model %" PRIu64 " KiB\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, st.mem_bytes >> 10);
	// devalidating it all gives every reference back
	CHECK_OK(xenpt_synth_unpin(s, xenpt_mfn(xenpt_synth_root_frame(s, 0))));
	CHECK_OK(xenpt_synth_set_vcpu(s, 0, &(struct xenpt_vcpu){ .id = 0 }));
	CHECK_EQ(fstate(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x2222)))).ref_count, 1);
	CHECK_EQ(fstate(s, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x2222)))).type_count, 0);
	xenpt_synth_destroy(s);
}

// The oracle against a plain array: scattered maps and unmaps in an order
// that defeats appending (blocks split, merge and empty).
TEST(synth_oracle_scattered)
{
	enum { N = 3000 };
	struct xenpt_synth *s = new_hvm(XENPT_PM_4LEVEL, 0x10000);
	static uint64_t ref[N];      // gfn mapped at page i of the area, or 0
	struct xenpt_synth_mapping m;
	uint64_t i, base = 0x40000000, pages = 0, wrong = 0, n;
	size_t k;

	REQUIRE(s);
	memset(ref, 0, sizeof(ref));
	for (i = N; i-- > 0;) {
		// every third page left out; runs of consecutive gfns merge
		if (i % 3 == 1)
			continue;
		ref[i] = 0x1000 + i + (i % 3 == 2 ? 0x5000 : 0);
		CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(base + (i << 12)), xenpt_gfn(ref[i]), 4096, 4096,
					 XENPT_PTE_RW));
	}
	CHECK_EQ(xenpt_synth_nr_mappings(s), 2 * N / 3);
	for (i = 0; i < N; i += 7) {
		if (!ref[i])
			continue;
		CHECK_OK(xenpt_synth_unmap(s, 0, xenpt_va(base + (i << 12)), 4096));
		ref[i] = 0;
	}
	// a range remapped over holes and mappings alike
	CHECK_OK(xenpt_synth_map(s, 0, xenpt_va(base + (1000 << 12)), xenpt_gfn(0x9000), 500 << 12,
				 4096, XENPT_PTE_RW));
	for (i = 1000; i < 1500; i++)
		ref[i] = 0x9000 + i - 1000;
	for (i = 0; i < N; i++) {
		struct xenpt_synth_page pg;
		struct xenpt_error *err = xenpt_synth_lookup(s, 0, xenpt_va(base + (i << 12) + 5), &pg);

		if (ref[i])
			wrong += err != NULL || pg.gfn != ref[i];
		else
			wrong += err == NULL;
		xenpt_error_destroy(err);
		pages += ref[i] != 0;
	}
	CHECK_EQ(wrong, 0);
	n = 0;
	for (k = 0; xenpt_synth_mapping(s, k, &m); k++) {
		if (k)
			CHECK(m.va >= base);
		n += m.size >> 12;
	}
	CHECK_EQ(n, pages);
	CHECK_EQ(k, xenpt_synth_nr_mappings(s));
	xenpt_synth_destroy(s);
}

/*
 * Recompute every domain frame's type and general reference count from
 * the tables, pins and vCPUs, by xen/arch/x86/mm.c's rules, and compare
 * with the model.  Only for models without raw entries.  Returns the number
 * of frames that differ (printing the first few).
 */
static uint64_t audit_counts(struct xenpt_synth *s)
{
	const struct xenpt_synth_params *p = xenpt_synth_get_params(s);
	uint64_t n = p->nr_pages, pfn, bad = 0;
	uint64_t *tref = calloc(n, sizeof(*tref)), *ref = calloc(n, sizeof(*ref));
	uint32_t v;

	if (!tref || !ref) {
		free(tref);
		free(ref);
		return 1;
	}
	for (pfn = 0; pfn < n; pfn++) {
		uint64_t mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
		struct xenpt_synth_frame_state st = fstate(s, mfn);
		unsigned i;

		if (st.pinned) {
			tref[pfn]++;
			ref[pfn]++;
		}
		if (!st.validated || st.type < XENPT_SYNTH_TYPE_L1 || st.type > XENPT_SYNTH_TYPE_L4)
			continue;
		for (i = 0; i < 512; i++) {
			uint64_t e, t;
			xenpt_gfn_t tp;

			if (st.type == XENPT_SYNTH_TYPE_L4 && i >= 256 && i <= 271)
				continue;          // Xen's slots
			CHECK_OK(xenpt_synth_table_entry(s, mfn, i, &e));
			if (!(e & XENPT_PTE_P))
				continue;
			t = (e & PTE_ADDR) >> 12;
			if (t == mfn && st.type > XENPT_SYNTH_TYPE_L1)
				continue;          // linear self-map: no reference
			tp = xenpt_synth_m2p(s, xenpt_mfn(t));
			if (xenpt_gfn_x(tp) >= n || xenpt_mfn_x(xenpt_synth_p2m(s, tp)) != t)
				continue;          // not the domain's (cannot happen without raw)
			ref[xenpt_gfn_x(tp)]++;
			if (st.type > XENPT_SYNTH_TYPE_L1 || (e & XENPT_PTE_RW))
				tref[xenpt_gfn_x(tp)]++;
		}
	}
	for (v = 0; v < p->nr_vcpus; v++) {
		struct xenpt_vcpu c;
		unsigned g;

		CHECK_OK(xenpt_synth_vcpu(s, v, &c));
		if (c.cr3) {
			tref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.cr3 >> 12)))]++;
			ref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.cr3 >> 12)))]++;
		}
		if (c.user_cr3) {
			tref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.user_cr3 >> 12)))]++;
			ref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.user_cr3 >> 12)))]++;
		}
		for (g = 0; g < (c.gdt_ents + 511) / 512; g++) {
			tref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.gdt_frames[g])))]++;
			ref[xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(c.gdt_frames[g])))]++;
		}
	}
	for (pfn = 0; pfn < n; pfn++) {
		uint64_t mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn)));
		struct xenpt_synth_frame_state st = fstate(s, mfn);
		bool pt = st.type >= XENPT_SYNTH_TYPE_L1 && st.type <= XENPT_SYNTH_TYPE_L4;

		if (st.type_count != tref[pfn] || st.ref_count != 1 + ref[pfn] ||
		    (pt && st.validated != (st.type_count > 0))) {
			if (bad++ < 4)
				printf("# pfn 0x%" PRIx64 " mfn 0x%" PRIx64 ": %s tc %" PRIu64 " rc %" PRIu64
				       " val %d; recomputed tc %" PRIu64 " rc %" PRIu64 "\n",
				       pfn, mfn, xenpt_synth_type_name(st.type), st.type_count,
				       st.ref_count, st.validated, tref[pfn], 1 + ref[pfn]);
		}
	}
	free(tref);
	free(ref);
	return bad;
}

TEST(synth_model_audit_linux)
{
	struct xenpt_synth *s = load_fixture_early("pv-linux.synth");

	REQUIRE(s);
	CHECK_EQ(audit_counts(s), 0);
	xenpt_synth_destroy(s);
}

// Random operations, many refused by Xen's rules; the counts must always
// be what the tables say.
TEST(synth_model_random_ops)
{
	struct xenpt_synth *s = new_pv(0x400, 2);
	uint64_t seed = 99, ok = 0, refused = 0, op;
	unsigned roots[4], nroots = 1, r;

	REQUIRE(s);
	roots[0] = 0;
	for (op = 0; op < 3000; op++) {
		struct xenpt_error *err = NULL;
		uint64_t rnd, va, mfn, flags;
		struct xenpt_vcpu v;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		rnd = seed >> 20;
		r = roots[(rnd >> 8) % nroots];
		va = ((rnd >> 12) % 64) << 12 | (((rnd >> 18) % 4) << 21) | (((rnd >> 20) % 2) << 39);
		flags = XENPT_PTE_US | ((rnd >> 24) & 1 ? XENPT_PTE_RW : 0);
		// a random frame of the domain (often a table)
		mfn = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x3c0 + (rnd >> 30) % 64)));
		switch (rnd % 11) {
		case 0: case 1: case 2:
			err = xenpt_synth_map(s, r, xenpt_va(va), xenpt_gfn((rnd >> 26) % 0x3c0),
					      ((rnd >> 40) % 3 + 1) << 12, 4096, flags);
			break;
		case 3:
			err = xenpt_synth_unmap(s, r, xenpt_va(va), 0x3000);
			break;
		case 4:
			err = xenpt_synth_map_mfn(s, r, xenpt_va(va), xenpt_mfn(mfn), flags);
			break;
		case 5:
			err = xenpt_synth_pin(s, 1 + (rnd >> 33) % 4, xenpt_mfn(mfn));
			break;
		case 6:
			err = xenpt_synth_unpin(s, xenpt_mfn(mfn));
			break;
		case 7:
			err = xenpt_synth_mmu_update(s, xenpt_mfn(mfn), (rnd >> 36) % 8,
						     (rnd >> 39) & 1 ? 0 : (xenpt_mfn_x(xenpt_synth_p2m(
							s, xenpt_gfn(0x3c0 + (rnd >> 41) % 64))) << 12) | 0x25 |
						     (flags & XENPT_PTE_RW));
			break;
		case 8:
			if (nroots < 4 && !(err = xenpt_synth_root_create(s, NULL, (rnd >> 30) & 1,
									   &roots[nroots])))
				nroots++;
			break;
		case 9:
			CHECK_OK(xenpt_synth_vcpu(s, (rnd >> 30) & 1, &v));
			v.cr3 = (rnd >> 31) & 1 ? xenpt_synth_root_cr3(s, r) : 0;
			v.user_cr3 = (rnd >> 32) & 1 ? xenpt_synth_root_cr3(s, roots[0]) : 0;
			err = xenpt_synth_set_vcpu(s, (rnd >> 30) & 1, &v);
			break;
		default:
			err = xenpt_synth_set_entry(s, r, xenpt_va(va), 1 + (rnd >> 33) % 4,
						    (mfn << 12) | 0x25, false);
			break;
		}
		if (err) {
			refused++;
			xenpt_error_destroy(err);
		} else {
			ok++;
		}
		if (op % 250 == 249 && audit_counts(s)) {
			CHECK(!"counts differ from the tables");
			printf("# after operation %" PRIu64 "\n", op);
			break;
		}
	}
	CHECK(ok > 500);
	CHECK(refused > 300);
	printf("# synth_model_random_ops: %" PRIu64 " applied, %" PRIu64 " refused\n", ok, refused);
	xenpt_synth_destroy(s);
}

/* ---- the spec format ------------------------------------------------------------------------ */

static struct xenpt_synth *load_fixture(const char *name)
{
	char path[512];
	struct xenpt_synth *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

TEST(synth_fixture_pv_linux)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_synth_linux L;
	struct xenpt_synth_page pg;
	const uint8_t *page = NULL;
	struct xenpt_vcpu v;
	char path[512];

	REQUIRE(s);
	CHECK_STR_EQ(xenpt_synth_get_params(s)->name, "demo-pv");
	CHECK_EQ(xenpt_synth_get_params(s)->domid, 7);
	CHECK_EQ(xenpt_synth_get_params(s)->nr_vcpus, 2);
	CHECK_EQ(xenpt_synth_get_params(s)->nr_pages, 0x4000);
	CHECK_OK(xenpt_synth_linux_info(s, &L));
	CHECK_OK(xenpt_synth_lookup(s, L.root_user, xenpt_va(0x1a00010), &pg));
	CHECK_OK(xenpt_synth_vcpu(s, 0, &v));
	CHECK_EQ(v.regs.rsi, 0x1a00010);
	xenpt_synth_destroy(s);
	// through the front end, as the CLI opens it
	snprintf(path, sizeof(path), "synth:%s/pv-linux.synth", test_fixtures_dir());
	CHECK_OK(xenpt_source_open_target(path, 0, &src));
	REQUIRE(src);
	CHECK(strstr(xenpt_source_describe(src), "synthetic domain demo-pv ("));
	CHECK(strstr(xenpt_source_describe(src), "pv-linux.synth)"));
	s = xenpt_synth_of_source(src);
	REQUIRE(s);
	CHECK_OK(xenpt_synth_lookup(s, L.root_user, xenpt_va(0x1a00010), &pg));
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, pg.mfn, &page));
	CHECK(page && !strcmp((const char *)page + 0x10, "xenpt demo: hello from the user heap"));   // NUL-terminated in the spec
	CHECK_OK(xenpt_synth_lookup(s, L.root_init, xenpt_va(0xffffffff81300040ull), &pg));
	CHECK_EQ(pg.gfn, 0x1300);
	CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_GFN, 0x1300, &page));
	CHECK(page && !strcmp((const char *)page + 0x40, "xenpt demo: hello from kernel data"));
	CHECK_EQ(check_oracle(s, src), 0x4000 + 0x200 + 0x100 + 0x80 + 0x80 + 0x20 + 2 * 4 + 25 + 8 +
				       4 + 32 + 28 + 33);
	xenpt_source_close(src);
}

TEST(synth_fixtures_all)
{
	static const struct {
		const char *file;
		enum xenpt_paging_mode mode;
		uint64_t leaves[4];
		const char *string;
		uint64_t string_va;
	} fx[] = {
		{ "hvm-4level.synth", XENPT_PM_4LEVEL, { 0, 60, 32, 1 },
		  "xenpt demo: hello from hvm-4level", 0xffffffff81100010ull },
		{ "hvm-5level.synth", XENPT_PM_5LEVEL, { 0, 25, 32, 1 },
		  "xenpt demo: hello from above 2^47", 0x00f0000000000000ull },
		{ "hvm-pae.synth", XENPT_PM_PAE, { 0, 44, 16, 0 },
		  "xenpt demo: hello from hvm-pae", 0xc0100000 },
		{ "hvm-2level.synth", XENPT_PM_2LEVEL, { 0, 13, 4, 0 },
		  "xenpt demo: hello from hvm-2level", 0xc0200000 },
		{ "pv-cycle.synth", XENPT_PM_4LEVEL, { 0, 16, 0, 0 }, NULL, 0 },
		{ "pv-badmfn.synth", XENPT_PM_4LEVEL, { 0, 5, 0, 0 }, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fx); i++) {
		struct xenpt_synth *s = load_fixture(fx[i].file);
		struct xenpt_source *src;
		struct xenpt_synth_stats st;
		struct xenpt_synth_page pg;
		uint64_t pages = 0;
		size_t k;

		if (!s)
			continue;
		CHECK_EQ(xenpt_synth_get_params(s)->mode, fx[i].mode);
		xenpt_synth_stats(s, &st);
		for (k = 1; k < 4; k++)
			CHECK_EQ(st.leaf_entries[k], fx[i].leaves[k]);
		src = source_of(s);
		if (src) {
			struct xenpt_synth_mapping m;

			for (k = 0; xenpt_synth_mapping(s, k, &m); k++)
				pages += m.size >> 12;
			CHECK_EQ(check_oracle(s, src), pages);
			if (fx[i].string) {
				const uint8_t *page = NULL;

				CHECK_OK(xenpt_synth_lookup(s, 0, xenpt_va(fx[i].string_va), &pg));
				CHECK_OK(xenpt_source_get_frame(src, XENPT_SPACE_GFN, pg.gfn, &page));
				CHECK(page && !strcmp((const char *)page + (fx[i].string_va & 0xfff),
						      fx[i].string));
			}
			xenpt_source_close(src);
		}
		if (test_failed())
			printf("# in %s\n", fx[i].file);
		xenpt_synth_destroy(s);
	}
}

TEST(synth_fixture_hostile)
{
	struct xenpt_synth *s = load_fixture("pv-cycle.synth");
	struct xenpt_source *src;
	struct xenpt_synth_entry e;
	uint64_t root;
	struct tw w;

	REQUIRE(s);
	root = xenpt_synth_root_frame(s, 0);
	CHECK_EQ(xenpt_synth_nr_entry_records(s), 2);
	CHECK(xenpt_synth_entry_record(s, 0, &e));
	CHECK(e.raw);
	CHECK_EQ(e.level, 3);
	CHECK_EQ(e.value, (root << 12) | 0x27);
	CHECK(xenpt_synth_entry_record(s, 1, &e));
	CHECK(!e.raw);
	CHECK_EQ(e.level, 4);
	CHECK_EQ(e.index, 493);
	CHECK_EQ(e.value, (root << 12) | XENPT_PTE_P | XENPT_PTE_A | XENPT_PTE_US);
	// the self-map holds no reference: pin + 1 vCPU
	CHECK_EQ(fstate(s, root).type_count, 2);
	src = source_of(s);
	REQUIRE(src);
	// L4[1] -> L3[0] -> the L4 read as an L2 -> its entry 0 (empty)
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x8000000000ull, &w), 1);
	CHECK_EQ(w.table[1], root);
	// L4[493] -> the L4 read as an L3, L2 and L1: the self-map reaches the L4 itself
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0xfffff6fb7dbed000ull, &w), 0);
	CHECK_EQ(w.frame, root);
	CHECK_EQ(w.table[2], root);
	CHECK_EQ(w.table[1], root);
	CHECK_EQ(w.table[0], root);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);

	s = load_fixture("pv-badmfn.synth");
	REQUIRE(s);
	src = source_of(s);
	REQUIRE(src);
	root = xenpt_synth_root_frame(s, 0);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x404000, &w), 0);
	CHECK_EQ(w.frame, 0x7fffff);
	CHECK_EQ(twalk(src, XENPT_PM_4LEVEL, true, root, 0x40000000, &w), -1);
	CHECK_EQ(w.table[1] != 0, 1);
	{
		const uint8_t *page;
		int err;
		uint64_t f = 0x7fffff;

		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, &f, 1, &page, &err));
		CHECK_EQ(err, ERANGE);
	}
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

static void spec_err(const char *text, enum xenpt_error_code code, const char *msg)
{
	struct xenpt_synth *s = NULL;
	struct xenpt_synth_limits lim;

	xenpt_synth_limits_init(&lim);
	lim.max_pages = 0x10000;
	CHECK_ERR_MSG(xenpt_synth_parse_limited(text, strlen(text), "t.synth", &lim, &s), code, msg);
	CHECK(s == NULL);
	if (test_failed())
		printf("# spec: %s\n", text);
}

TEST(synth_spec_errors)
{
	spec_err("map 0x1000 pfn=1\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:1: 'map': the first directive must be 'domain pv' or 'domain hvm'");
	spec_err("domain pvh\n", XENPT_ERR_INVALID_ARG, "t.synth:1: 'pvh': the domain is 'pv' or 'hvm'");
	spec_err("domain pv\nmode pae\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'pae': 64-bit PV guests use 4-level paging");
	spec_err("domain hvm\nmode 6level\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: '6level': paging mode must be 2level, pae, 4level or 5level");
	spec_err("domain pv\n\n# comment\nmemory 12345\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:4: '12345': memory is a non-zero multiple of 4K");
	spec_err("domain pv\nmemory 1T\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: '1T': more than the limit of 0x10000 pages");
	spec_err("domain pv\nvcpus 0x\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: '0x': vcpus must be a number (0x hex or decimal)");
	spec_err("domain pv\nmapp 0x1000\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'mapp': unknown directive");
	spec_err("domain pv\nmap 0x1000 pfn=1 flags=rw,xx\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'flags=rw,xx': unknown flag");
	spec_err("domain pv\nmap 0x1000 pfn=1 colour=red\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'colour=red': unknown argument (arguments here: va root pfn gfn mfn size count page flags)");
	spec_err("domain pv\nmap 0x1000\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'map': needs pfn= (gfn=) or mfn=");
	spec_err("domain pv\nmap 0x1000 pfn=0x1 page=2m\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: synthetic domain 1 (synth): map: PV guests have no superpages");
	spec_err("domain pv\nmap 0x1000 pfn=0x1 root=nope\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'root=nope': no root of that name");
	spec_err("domain pv\nmap 0x1000 pfn=1\nname late\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:3: 'name': header directives must come before the first mapping, root or layout");
	spec_err("domain pv\nwrite va=0x1000 \"abc\n", XENPT_ERR_INVALID_ARG, "t.synth:2: unterminated string");
	spec_err("domain pv\nwrite va=0x1000 \"a\\q\"\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: unknown escape '\\q' in a string");
	spec_err("domain pv\nwrite va=0x1000 \"abc\"\n", XENPT_ERR_NOT_FOUND,
		 "t.synth:2: synthetic domain 1 (synth): write at va 0x0000000000001000: not mapped in root 0 ('kernel')");
	spec_err("domain pv\nname \"a\\x01\"\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'a\\x01': a name is printable ASCII");
	spec_err("domain pv\nlayout bsd\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'bsd': the only layout is 'linux'");
	spec_err("domain pv\nlayout linux\n", XENPT_ERR_INVALID_ARG,
		 "layout linux needs at least 32 MiB (0x2000 pages), not 0x1000");
	spec_err("domain pv\npin l5 root=kernel\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'l5': pin takes a level");
	spec_err("domain pv\npin l4 root=kernel\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: synthetic domain 1 (synth): pin L4 table mfn");
	spec_err("domain pv\nvcpu 3 rip=1\n", XENPT_ERR_INVALID_ARG, "t.synth:2: '3': no such vCPU (the domain has 1)");
	spec_err("domain pv\nvcpu 0 rpi=1\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'rpi=1': unknown vCPU register");
	spec_err("domain pv\nraw 0x1000 level=6 value=1\n", XENPT_ERR_INVALID_ARG, "t.synth:2: 'level=6': level is 1..5");
	spec_err("domain pv\nraw 0x1000 level=1 value=1 pfn=2\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'raw': needs value=N, or a frame");
	spec_err("domain pv\nmap 0x1000 pfn=1 mfn=2\n", XENPT_ERR_INVALID_ARG,
		 "t.synth:2: 'mfn=2': give one of pfn=, gfn=, mfn= or to-root=");
	spec_err("domain pv\nmap 0x1000 pfn=18446744073709551616\n", XENPT_ERR_INVALID_ARG,
		 "'pfn=18446744073709551616': a frame must be a number");
	spec_err("domain pv\nmap 0x1000 pfn=1 count=0\n", XENPT_ERR_INVALID_ARG, "'count=0': count is 1..2^40");
	spec_err("domain hvm\nmode 2level\nmap 0x1000 gfn=1 flags=nx\n", XENPT_ERR_INVALID_ARG,
		 "2-level paging has no NX");
	spec_err("domain pv\nshare kernel kernel 0 1\n", XENPT_ERR_INVALID_ARG, "need two roots");
	spec_err("domain pv\np2m 0x1000 1\n", XENPT_ERR_INVALID_ARG, "beyond the P2M");
	spec_err("domain hvm\np2m 1 1\n", XENPT_ERR_UNSUPPORTED, "the P2M exists only for PV domains");
	spec_err("domain pv\nwrite va=0x1000 \"a\"b\n", XENPT_ERR_INVALID_ARG, "text right after a closing quote");
	{
		// a NUL in the text (strlen would stop there: give the length)
		static const char t[] = "domain pv\nmap\0 0x1000 pfn=1\n";
		struct xenpt_synth *s = NULL;

		CHECK_ERR_MSG(xenpt_synth_parse(t, sizeof(t) - 1, "nul.synth", &s), XENPT_ERR_INVALID_ARG,
			      "nul.synth:2: a NUL byte in the text");
	}
}

TEST(synth_spec_features)
{
	static const char text[] =
		"# all directives\n"
		"domain pv   # trailing comment\n"
		"name \"spec test\"\n"
		"domid 0x30\n"
		"pages 0x2000\n"
		"host-memory 1G\n"
		"vcpus 2\n"
		"seed 1_000\n"
		"sparse yes\n"
		"root proc unpinned\n"
		"map 0x400000 pfn=0x100 count=3 flags=us,rw,nx,a,d root=proc\n"
		"map 0xffff888000000000 pfn=0 size=64K flags=rw,nx,a,d\n"
		"map va=0xffff888000100000 mfn=0x0 flags=a\n"   // DOMID_IO: refused below? no: line 14
		"";
	static const char text2[] =
		"domain pv\n"
		"name t2\n"
		"vcpus 2\n"
		"root proc unpinned\n"
		"map 0x400000 pfn=0x100 count=3 flags=us,rw,nx,a,d root=proc\n"
		"root puser unpinned\n"
		"share puser proc 0 255\n"
		"pin l4 root=proc\n"
		"pin l4 root=puser\n"
		"vcpu 1 cr3-root=proc user-root=puser rip=0x401000 rsp=0x7ffffffde000 cs=0xe033 online=yes\n"
		"trap 1 14 0xffffffff81001000 cs=0xe033 flags=4\n"
		"write root=puser va=0x400010 \"tab\\there\\n\\x41\\0\"\n"
		"write pfn=0x101 offset=8 hex=deadbeef\n"
		"entry 0x402000 level=1 pfn=0x300 flags=us,a root=proc\n"
		"raw 0x7f0000000000 level=2 value=0x123000067 root=proc\n"
		"unmap 0x401000 root=proc\n"
		"p2m 0x10 0x19999\n"
		"m2p 0x19999 0x10\n";
	struct xenpt_synth *s = NULL;
	struct xenpt_synth_page pg;
	struct xenpt_vcpu v;
	unsigned proc, puser;
	char buf[16];

	CHECK_ERR_MSG(xenpt_synth_parse(text, sizeof(text) - 1, "f.synth", &s), XENPT_ERR_REFUSED,
		      "f.synth:13: synthetic domain 48 (spec test): map va 0xffff888000100000 to mfn 0x0");
	CHECK_OK(xenpt_synth_parse(text2, sizeof(text2) - 1, "f2.synth", &s));
	REQUIRE(s);
	CHECK_OK(xenpt_synth_root_find(s, "proc", &proc));
	CHECK_OK(xenpt_synth_root_find(s, "puser", &puser));
	CHECK_OK(xenpt_synth_lookup(s, puser, xenpt_va(0x400000), &pg));
	CHECK_EQ(pg.gfn, 0x100);
	CHECK_ERR(xenpt_synth_lookup(s, puser, xenpt_va(0x401000), &pg), XENPT_ERR_NOT_FOUND);
	CHECK_ERR(xenpt_synth_lookup(s, puser, xenpt_va(0x402000), &pg), XENPT_ERR_NOT_FOUND);  // entries are not mappings
	CHECK_EQ(xenpt_synth_nr_entry_records(s), 2);
	CHECK_OK(xenpt_synth_vcpu(s, 1, &v));
	CHECK_EQ(v.cr3, xenpt_synth_root_cr3(s, proc));
	CHECK_EQ(v.user_cr3, xenpt_synth_root_cr3(s, puser));
	CHECK_EQ(v.regs.rip, 0x401000);
	CHECK_EQ(v.regs.cs, 0xe033);
	CHECK_EQ(v.traps[14].address, 0xffffffff81001000ull);
	CHECK_OK(xenpt_synth_read_gfn(s, xenpt_gfn(0x100), 0x10, buf, 11));
	CHECK(!memcmp(buf, "tab\there\nA\0", 11));
	CHECK_OK(xenpt_synth_read_gfn(s, xenpt_gfn(0x101), 8, buf, 4));
	CHECK(!memcmp(buf, "\xde\xad\xbe\xef", 4));
	CHECK_EQ(xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x10))), 0x19999);
	CHECK_EQ(xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(0x19999))), 0x10);
	CHECK_EQ(fstate(s, xenpt_synth_root_frame(s, proc)).type_count, 2);
	xenpt_synth_destroy(s);
}

// Mutations of the fixtures must give an error or a domain, never a crash.
TEST(synth_spec_mutations)
{
	static const char *const files[] = { "pv-cycle.synth", "hvm-4level.synth", "hvm-pae.synth",
					     "pv-badmfn.synth" };
	struct xenpt_synth_limits lim;
	unsigned f, round, ok = 0, bad = 0;
	uint64_t seed = 12345;

	xenpt_synth_limits_init(&lim);
	lim.max_pages = 1u << 20;
	lim.max_tables = 4096;
	lim.max_entries = 1u << 16;
	lim.max_written = 1024;
	for (f = 0; f < ARRAY_SIZE(files); f++) {
		char path[512], text[4096];
		FILE *fp;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), files[f]);
		fp = fopen(path, "r");
		REQUIRE(fp);
		len = fread(text, 1, sizeof(text), fp);
		fclose(fp);
		for (round = 0; round < 150; round++) {
			char copy[4096];
			struct xenpt_synth *s = NULL;
			struct xenpt_error *err;
			unsigned k;

			memcpy(copy, text, len);
			for (k = 0; k < 1 + round % 4; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				copy[(seed >> 33) % len] = (char)(seed >> 13);
			}
			err = xenpt_synth_parse_limited(copy, len, "mut", &lim, &s);
			if (err) {
				CHECK(strlen(xenpt_error_message(err)) > 0);
				xenpt_error_destroy(err);
				bad++;
			} else {
				ok++;
			}
			xenpt_synth_destroy(s);
		}
	}
	CHECK(bad > 100);
	printf("# synth_spec_mutations: %u parsed, %u refused\n", ok, bad);
}

/* ---- core files ------------------------------------------------------------------------ */

static void core_roundtrip(struct xenpt_synth *s, const char *name)
{
	const char *path = test_tmp_path(name);
	struct xenpt_source *core = NULL, *src;
	struct xenpt_synth_mapping m;
	size_t i;

	CHECK_OK(xenpt_synth_write_core(s, path));
	CHECK_OK(xenpt_source_open_core(path, &core));
	src = source_of(s);
	if (!core || !src)
		goto out;
	CHECK_EQ(xenpt_source_domain(core)->hvm, xenpt_source_domain(src)->hvm);
	CHECK_EQ(xenpt_source_domain(core)->nr_frames, xenpt_source_domain(src)->tot_pages);
	// walks through the core find what the builder recorded
	for (i = 0; xenpt_synth_mapping(s, i, &m); i++) {
		uint64_t off;

		for (off = 0; off < m.size; off += m.size > 0x100000 ? 0x41000 : 0x1000) {
			struct xenpt_synth_page pg;
			struct tw w;
			const struct xenpt_synth_params *p = xenpt_synth_get_params(s);

			CHECK_EQ(twalk(core, p->mode, p->kind == XENPT_SYNTH_PV,
				       xenpt_synth_root_frame(s, m.root), m.va + off, &w), 0);
			CHECK_OK(xenpt_synth_lookup(s, m.root, xenpt_va(m.va + off), &pg));
			CHECK_EQ(w.frame, pg.frame);
			if (test_failed())
				goto out;
		}
	}
	// every page of the core equals the source's (generated pages too)
	{
		uint64_t gfn, n = xenpt_source_domain(src)->p2m_size, same = 0;

		for (gfn = 0; gfn < n; gfn += 7) {
			const uint8_t *a = NULL, *b = NULL;
			int ea = 0, eb = 0;

			CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, &gfn, 1, &a, &ea));
			CHECK_OK(xenpt_source_get_frames(core, XENPT_SPACE_GFN, &gfn, 1, &b, &eb));
			CHECK_EQ(!a, !b);
			if (a && b && !memcmp(a, b, 4096))
				same++;
		}
		CHECK(same > 0);
		if (!xenpt_synth_get_params(s)->sparse)
			CHECK_EQ(same, (n + 6) / 7 - (xenpt_source_domain(src)->hvm ? 5 : 0));
	}
	if (!xenpt_source_domain(src)->hvm) {
		struct xenpt_shared_info a, b;
		xenpt_gfn_t g = xenpt_gfn(0x123);
		xenpt_mfn_t mc, ms;

		CHECK_OK(xenpt_source_shared_info(src, &a));
		CHECK_OK(xenpt_source_shared_info(core, &b));
		CHECK_EQ(a.p2m_vaddr, b.p2m_vaddr);
		CHECK_EQ(a.pfn_to_mfn_frame_list_list, b.pfn_to_mfn_frame_list_list);
		CHECK_OK(xenpt_source_p2m(src, &g, 1, &ms));
		CHECK_OK(xenpt_source_p2m(core, &g, 1, &mc));
		CHECK_MFN_EQ(ms, mc);
	}
	{
		struct xenpt_vcpu a, b;

		CHECK_OK(xenpt_source_vcpu(src, 0, &a));
		CHECK_OK(xenpt_source_vcpu(core, 0, &b));
		CHECK_EQ(a.cr3, b.cr3);
		CHECK_EQ(a.regs.rip, b.regs.rip);
		CHECK_EQ(a.traps[14].address, b.traps[14].address);
	}
out:
	xenpt_source_close(core);
	xenpt_source_close(src);
	unlink(path);
}

TEST(synth_write_core_roundtrip)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");

	if (s)
		core_roundtrip(s, "pv-linux.core");
	xenpt_synth_destroy(s);
	s = load_fixture("hvm-2level.synth");
	if (s)
		core_roundtrip(s, "hvm-2level.core");
	xenpt_synth_destroy(s);
}

/*
 * A large spec, generated here (as bench/gen-synth-spec.py does, sparser):
 * line i maps one 4K page, every 64th line 4 pages, at a distinct VA of one
 * of eight regions, each line in its own 32-page slot, so that an L1 table
 * holds 16 lines.  The model must cost tens of bytes per line (page tables
 * are held compactly until read), not a 4 KiB table per handful of lines,
 * and walks must land on the frames the lines name.
 */
static const uint64_t big_regions[8] = {
	0x0000000000400000ull, 0x00000000c0000000ull, 0x0000100000000000ull,
	0x00007f0000000000ull, 0xffff888100000000ull, 0xffffc90000000000ull,
	0xffffea0000000000ull, 0xfffffffe00000000ull,
};

static void big_line(uint64_t i, uint64_t *va, uint64_t *pfn, uint64_t *count)
{
	*count = i % 64 == 63 ? 4 : 1;
	*va = big_regions[i % 8] + (i / 8) * 32 * 4096 + (*count > 1 ? 0 : (i % 7) * 4096);
	*pfn = (i * 0x9e3b) % (1u << 19);
}

TEST(synth_spec_large_compact)
{
	enum { N = 200000 };
	size_t cap = (size_t)N * 64 + 256, len = 0;
	char *text = malloc(cap);
	struct xenpt_synth *s = NULL;
	struct xenpt_synth_stats st;
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	uint64_t i, va, pfn, count;

	REQUIRE(text);
	len += (size_t)snprintf(text + len, cap - len,
				"domain pv\nname big\ndomid 5\nmemory 4G\nvcpus 2\n");
	for (i = 0; i < N; i++) {
		big_line(i, &va, &pfn, &count);
		len += (size_t)snprintf(text + len, cap - len,
					"map 0x%" PRIx64 " pfn=0x%" PRIx64 " count=%" PRIu64 "\n", va,
					pfn, count);
	}
	CHECK_OK(xenpt_synth_parse(text, len, "big.synth", &s));
	free(text);
	REQUIRE(s);
	xenpt_synth_stats(s, &st);
	CHECK_EQ(xenpt_synth_nr_mappings(s), N);
	CHECK(st.tables[1] >= N / 17);
	// 9 bytes of frame state per PFN of the domain, and per line: its
	// mapping record and its L1 entry (about 64 + 16 bytes), not 4 KiB
	// tables (about 260 bytes a line here)
	printf("# synth_spec_large_compact: %u lines, %" PRIu64 " L1 tables, model %" PRIu64
	       " KiB, %" PRIu64 " bytes a line\n", (unsigned)N, st.tables[1], st.mem_bytes >> 10,
	       (st.mem_bytes - ((uint64_t)1 << 20) * 9) / N);
	CHECK(st.mem_bytes < (1ull << 20) * 9 + (uint64_t)N * 128);
	CHECK(st.stored_pages < (uint64_t)N / 8);
	// a source sees the tables the lines built: walks land on their frames
	CHECK_OK(xenpt_synth_source(s, &src));
	REQUIRE(src);
	xenpt_synth_aspace(s, 0, &as);
	for (i = 0; i < N; i += 997) {
		struct xenpt_walk w;
		uint64_t k;

		big_line(i, &va, &pfn, &count);
		for (k = 0; k < count; k++) {
			CHECK_OK(xenpt_walk_va(src, &as, xenpt_va(va + k * 4096), &w));
			CHECK_EQ(w.end, XENPT_WALK_MAPPED);
			CHECK_EQ(w.frame, xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(pfn + k))));
			CHECK_EQ(w.frame_other, pfn + k);
		}
		// the slot's other pages are holes
		CHECK_OK(xenpt_walk_va(src, &as, xenpt_va(va + 8 * 4096), &w));
		CHECK_EQ(w.end, XENPT_WALK_NOT_PRESENT);
	}
	xenpt_synth_stats(s, &st);
	// only the tables walked through were made 4 KiB
	CHECK(st.mem_bytes < (1ull << 20) * 9 + (uint64_t)N * 128 + 4096ull * (N / 997 + 40));
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}
