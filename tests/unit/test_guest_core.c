/* SPDX-License-Identifier: MIT */
/*
 * The project's PV test guest, frozen: an `xl dump-core` of tests/guest
 * with scenario=all, taken paused on the real Xen 4.17 in xenlab
 * (tests/fixtures/xenpt-testguest.core.xz; how it was made is in
 * tests/fixtures/xenpt-testguest.README).
 *
 * The oracle is the guest's own report: its result page (PFN 1, VA
 * 0xffffffff80001000, tests/guest/result.h) records every mapping, table,
 * pin and trap it made, with VA, PFN, MFN, the entries it wrote and the
 * machine addresses it wrote them at; every data page holds a pattern
 * naming its own VA, PFN and MFN.  The walker and the core backend must
 * find exactly that: each VA to the exact MFN and PFN, the bytes, the
 * unmapped VAs not present while their frames keep the pattern, each table
 * at the level and under the parent entry the guest reports, and the P2M
 * the guest publishes in shared_info (tree and linear list) equal to the
 * core's .xen_p2m.  Offline: runs in `make check`.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdlib.h>

#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

#include "../guest/result.h"

#define PAGE 4096u
#define INV UINT64_MAX

static struct xenpt_source *src;
static struct xenpt_guest_result res;
static struct xenpt_aspace as;
static bool ready;

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static const char *core_path(void)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s/fixtures/xenpt-testguest.core", test_build_dir());
	return buf;
}

/* A copy of one frame (NULL with a test failure if it cannot be read). */
static bool frame(enum xenpt_space space, uint64_t f, uint8_t *out)
{
	const uint8_t *p;
	struct xenpt_error *err = xenpt_source_get_frame(src, space, f, &p);

	if (err) {
		test_fail(__FILE__, __LINE__, "%s 0x%" PRIx64 ": %s", xenpt_space_name(space), f,
			  xenpt_error_message(err));
		xenpt_error_destroy(err);
		return false;
	}
	memcpy(out, p, PAGE);
	return true;
}

/* The data-page pattern; -1 if intact, else the first bad word. */
static int pattern_bad(const uint8_t *page, uint64_t va, uint64_t pfn, uint64_t mfn)
{
	unsigned i;

	for (i = 0; i < 512; i++) {
		uint64_t want = i == 1 ? pfn : i == 2 ? mfn : i == 3 ? XENPT_GUEST_DATA_MAGIC : va + 8 * i;

		if (rd64(page + 8 * i) != want)
			return (int)i;
	}
	return -1;
}

static bool walk(uint64_t va, struct xenpt_walk *w)
{
	struct xenpt_error *err = xenpt_walk_va(src, &as, xenpt_va(va), w);

	if (err) {
		test_fail(__FILE__, __LINE__, "walk 0x%" PRIx64 ": %s", va, xenpt_error_message(err));
		xenpt_error_destroy(err);
		return false;
	}
	return true;
}

static const struct xenpt_walk_step *step_at(const struct xenpt_walk *w, unsigned level)
{
	unsigned i;

	for (i = 0; i < w->nsteps; i++)
		if (w->steps[i].level == level)
			return &w->steps[i];
	return NULL;
}

/* ---- open, result page, vCPU ---------------------------------------------- */

TEST(open_and_result_page)
{
	static uint8_t by_pfn[PAGE], by_mfn[PAGE], by_va[PAGE];
	const struct xenpt_domain_info *d;
	struct xenpt_walk w;
	xenpt_mfn_t m;
	xenpt_gfn_t one = xenpt_gfn(1);

	REQUIRE_OK(xenpt_source_open_core(core_path(), &src));
	d = xenpt_source_domain(src);
	CHECK(!d->hvm);
	CHECK_EQ(d->guest_width, 8);
	CHECK_EQ(d->pt_levels, 4);
	CHECK_EQ(d->nr_vcpus, 1);
	CHECK_EQ(d->p2m_size, 0x2000);
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	CHECK(as.pv && as.space == XENPT_SPACE_MFN && as.mode == XENPT_PM_4LEVEL);

	// PFN 1, by PFN, by its MFN (.xen_p2m), and through the page tables.
	REQUIRE(frame(XENPT_SPACE_GFN, 1, by_pfn));
	memcpy(&res, by_pfn, sizeof(res));
	REQUIRE(!memcmp(res.magic, XENPT_GUEST_RESULT_MAGIC, 8));
	CHECK_EQ(res.version, XENPT_GUEST_RESULT_VERSION);
	CHECK_EQ(res.size, sizeof(res));
	CHECK_EQ(res.state, XENPT_GUEST_STATE_DONE_OK);
	CHECK(res.flags & XENPT_GUEST_F_HOLD);
	CHECK(res.flags & XENPT_GUEST_F_P2M_TREE);
	CHECK(res.flags & XENPT_GUEST_F_P2M_LIST);
	CHECK_STR_EQ(res.cmdline, "scenario=all hold=1");
	REQUIRE(res.nr_records > 0 && res.nr_records <= XENPT_GUEST_MAX_RECORDS);
	REQUIRE(res.nr_faults <= XENPT_GUEST_MAX_FAULTS);
	CHECK_EQ(res.lost, 0);
	CHECK_EQ(res.layout.result_va, XENPT_GUEST_RESULT_VA);
	CHECK_EQ(res.layout.result_pfn, 1);
	CHECK_EQ(res.layout.nr_pages, d->p2m_size);
	CHECK_OK(xenpt_source_p2m(src, &one, 1, &m));
	CHECK_EQ(xenpt_mfn_x(m), res.layout.result_mfn);
	REQUIRE(frame(XENPT_SPACE_MFN, res.layout.result_mfn, by_mfn));
	CHECK(!memcmp(by_pfn, by_mfn, PAGE));
	REQUIRE(walk(XENPT_GUEST_RESULT_VA, &w));
	CHECK_EQ(w.end, XENPT_WALK_MAPPED);
	CHECK_EQ(w.frame, res.layout.result_mfn);
	CHECK_EQ(w.frame_other, 1);
	CHECK_OK(xenpt_read_va(src, NULL, &as, xenpt_va(XENPT_GUEST_RESULT_VA), by_va, PAGE));
	CHECK(!memcmp(by_va, by_pfn, PAGE));
	printf("# result page: mfn 0x%" PRIx64 ", %u records, %u faults, l4 mfn 0x%" PRIx64 "\n",
	       res.layout.result_mfn, res.nr_records, res.nr_faults, res.layout.l4_mfn);
	ready = !test_failed();
}

TEST(vcpu_matches_the_guest)
{
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	uint64_t last_pf = INV;
	unsigned k;

	REQUIRE(ready && v);
	CHECK_OK(xenpt_source_vcpu(src, 0, v));
	CHECK_EQ(v->cr3 >> 12, res.layout.l4_mfn);
	CHECK_EQ(as.root, res.layout.l4_mfn);
	CHECK_EQ(v->traps[14].address, res.hooks.pf_entry_va);
	CHECK_EQ(v->regs.cs & 3, 3);
	for (k = 0; k < res.nr_faults; k++)
		if (res.faults[k].vector == 14)
			last_pf = res.faults[k].va;
	CHECK_EQ(v->cr2, last_pf);
	CHECK_EQ(res.layout.pt_base_va - res.layout.virt_base, (uint64_t)0x26 << 12);
	free(v);
}

/* ---- every record ----------------------------------------------------------- */

static unsigned checked[8];

/* A data page that is not mapped (any more): not present at L1, frame intact. */
static void check_unmapped(const struct xenpt_guest_record *r)
{
	static uint8_t a[PAGE], b[PAGE];
	struct xenpt_walk w;
	xenpt_gfn_t g = xenpt_gfn(r->pfn);
	xenpt_mfn_t m;

	if (!walk(r->va, &w))
		return;
	CHECK_EQ(w.end, XENPT_WALK_NOT_PRESENT);
	CHECK_EQ(w.end_level, 1);
	CHECK_OK(xenpt_source_p2m(src, &g, 1, &m));
	CHECK_EQ(xenpt_mfn_x(m), r->mfn);
	if (frame(XENPT_SPACE_MFN, r->mfn, a) && frame(XENPT_SPACE_GFN, r->pfn, b)) {
		CHECK_EQ(pattern_bad(a, r->va, r->pfn, r->mfn), -1);
		CHECK(!memcmp(a, b, PAGE));
	}
}

static void check_mapped(const struct xenpt_guest_record *r)
{
	static uint8_t page[PAGE], viava[PAGE];
	const struct xenpt_walk_step *s;
	struct xenpt_walk w;

	if (!walk(r->va, &w))
		return;
	CHECK_EQ(w.end, XENPT_WALK_MAPPED);
	CHECK_EQ(w.page_size, PAGE);
	CHECK_EQ(w.frame, r->mfn);
	CHECK_EQ(w.frame_other, r->pfn);
	CHECK_EQ(w.addr, r->mfn << 12);
	s = step_at(&w, 1);
	REQUIRE(s);
	CHECK_EQ(s->entry, r->aux);                       // the L1 entry the guest read back
	CHECK_EQ(w.writable, !(r->flags & XENPT_GUEST_RF_RO));
	CHECK_EQ(w.nx, !!(r->flags & XENPT_GUEST_RF_NX));
	CHECK(!!(s->entry & XENPT_PTE_GUEST_KERNEL));      // Xen marks PV kernel mappings
	if (frame(XENPT_SPACE_MFN, r->mfn, page)) {
		CHECK_EQ(pattern_bad(page, r->va, r->pfn, r->mfn), -1);
		CHECK_EQ(rd64(page), r->expect);
	}
	CHECK_OK(xenpt_read_va(src, NULL, &as, xenpt_va(r->va), viava, PAGE));
	CHECK(!memcmp(viava, page, PAGE));
}

/* TABLE, PIN, UNPIN: the table sits at its level under the va it maps. */
static void check_table(const struct xenpt_guest_record *r)
{
	static uint8_t parent[PAGE];
	const struct xenpt_walk_step *s, *up;
	struct xenpt_walk w;
	unsigned k, pins = 0, unpins = 0, tables = 0;

	if (!walk(r->va, &w))
		return;
	s = step_at(&w, r->level);
	REQUIRE(s);
	CHECK_EQ(s->table, r->mfn);
	CHECK_EQ(s->table_other, r->pfn);
	CHECK_EQ(s->index, (r->va >> (12 + 9 * (r->level - 1))) & 511);
	up = step_at(&w, r->level + 1u);
	REQUIRE(up);
	CHECK(up->present && !up->leaf);
	CHECK_EQ(up->next, r->mfn);
	CHECK_EQ(up->next_other, r->pfn);
	for (k = 0; k < res.nr_records; k++) {
		const struct xenpt_guest_record *o = &res.records[k];

		if (o->mfn != r->mfn)
			continue;
		tables += o->kind == XENPT_GUEST_REC_TABLE && o->level == r->level;
		pins += o->kind == XENPT_GUEST_REC_PIN && o->level == r->level;
		unpins += o->kind == XENPT_GUEST_REC_UNPIN && o->level == r->level;
	}
	CHECK_EQ(tables, 1);
	if (r->kind == XENPT_GUEST_REC_TABLE) {
		// The parent entry it wrote, at the machine address it wrote it.
		CHECK_EQ(up->entry_addr, r->aux);
		CHECK_EQ(up->entry, r->expect);
		if (frame(XENPT_SPACE_MFN, r->aux >> 12, parent))
			CHECK_EQ(rd64(parent + (r->aux & 0xfff)), r->expect);
		// PINNED describes the state now: pinned as often as unpinned -> not pinned.
		CHECK_EQ(!!(r->flags & XENPT_GUEST_RF_PINNED), pins > unpins);
	} else {
		CHECK_EQ(r->expect, 0);                           // the hypercall worked
		CHECK_EQ((int64_t)r->aux, -22);                   // and the repeat said EINVAL
	}
}

static void check_touch(const struct xenpt_guest_record *r)
{
	unsigned vec = (unsigned)(r->expect >> 32);
	struct xenpt_walk w;
	uint8_t insn[2];

	if (!walk(r->va, &w))
		return;
	if (r->level == 4) {                                  // int3 / ud2 in the text
		CHECK_EQ(w.end, XENPT_WALK_MAPPED);
		CHECK_OK(xenpt_read_va(src, NULL, &as, xenpt_va(r->va), insn, 2));
		if (vec == 3)
			CHECK_EQ(insn[0], 0xcc);
		else
			CHECK(vec == 6 && insn[0] == 0x0f && insn[1] == 0x0b);
	} else if (r->mfn != INV) {                           // the read-only NX page
		CHECK_EQ(w.end, XENPT_WALK_MAPPED);
		CHECK_EQ(w.frame, r->mfn);
		CHECK(!w.writable);
		CHECK(w.nx);
	} else if (vec == 13) {
		CHECK_EQ(w.end, XENPT_WALK_NON_CANONICAL);
	} else {
		CHECK_EQ(vec, 14);
		CHECK_EQ(w.end, XENPT_WALK_NOT_PRESENT);
		// What the guest's #PF error code said: no P bit (absent).
		CHECK_EQ((uint32_t)r->expect & 1, 0);
	}
	// The fault record it links to.
	if (r->aux < res.nr_faults) {
		CHECK_EQ(res.faults[r->aux].vector, vec);
		CHECK_EQ(res.faults[r->aux].error, (uint32_t)r->expect);
		if (vec == 14)
			CHECK_EQ(res.faults[r->aux].va, r->va);
	}
}

static void check_special(const struct xenpt_guest_record *r, const struct xenpt_shared_info *sh)
{
	static uint8_t a[PAGE], b[PAGE];
	struct xenpt_walk w;
	unsigned k, fl = 0, named = 0;

	if (r->aux == XENPT_GUEST_SP_SHINFO_SLOT) {
		// The frame of PFN 6, whose slot maps shared_info: by PFN = by MFN.
		if (frame(XENPT_SPACE_GFN, r->pfn, a) && frame(XENPT_SPACE_MFN, r->mfn, b))
			CHECK(!memcmp(a, b, PAGE));
		return;
	}
	if (!walk(r->va, &w))
		return;
	switch (r->aux) {
	case XENPT_GUEST_SP_SHINFO:
		// Xen's page: mapped, but not in the guest's P2M nor in the core.
		CHECK_EQ(w.end, XENPT_WALK_MAPPED);
		CHECK_EQ(w.frame, r->mfn);
		CHECK_EQ(w.frame, res.layout.shared_info_mfn);
		CHECK_EQ(w.frame_other, INV);
		break;
	case XENPT_GUEST_SP_WINDOW:
		if (w.end == XENPT_WALK_MAPPED)
			CHECK(!w.writable);
		break;
	default:
		CHECK_EQ(w.end, XENPT_WALK_MAPPED);
		CHECK_EQ(w.frame, r->mfn);
		CHECK_EQ(w.frame_other, r->pfn);
		if (frame(XENPT_SPACE_MFN, r->mfn, a) && frame(XENPT_SPACE_GFN, r->pfn, b))
			CHECK(!memcmp(a, b, PAGE));
		if (r->aux == XENPT_GUEST_SP_P2M_FLL) {
			CHECK_EQ(r->mfn, sh->pfn_to_mfn_frame_list_list);
			for (k = 0; k < res.nr_records; k++)
				if (res.records[k].kind == XENPT_GUEST_REC_SPECIAL &&
				    res.records[k].aux == XENPT_GUEST_SP_P2M_FL)
					named += rd64(a + 8 * fl++) == res.records[k].mfn;
			CHECK(fl > 0);
			CHECK_EQ(named, fl);
		}
		if (r->aux == XENPT_GUEST_SP_RESULT)
			CHECK_EQ(r->mfn, res.layout.result_mfn);
		if (r->aux == XENPT_GUEST_SP_CONSOLE)
			CHECK_EQ(r->mfn, res.layout.console_mfn);
		break;
	}
}

TEST(every_record)
{
	struct xenpt_shared_info sh;
	unsigned i;

	REQUIRE(ready);
	REQUIRE_OK(xenpt_source_shared_info(src, &sh));
	for (i = 0; i < res.nr_records; i++) {
		const struct xenpt_guest_record *r = &res.records[i];
		bool before = test_failed();

		switch (r->kind) {
		case XENPT_GUEST_REC_MAP:
			if (r->flags & XENPT_GUEST_RF_MAPPED)
				check_mapped(r);
			else
				check_unmapped(r);
			break;
		case XENPT_GUEST_REC_UNMAP:
			check_unmapped(r);
			break;
		case XENPT_GUEST_REC_TABLE:
		case XENPT_GUEST_REC_PIN:
		case XENPT_GUEST_REC_UNPIN:
			check_table(r);
			break;
		case XENPT_GUEST_REC_TOUCH:
			check_touch(r);
			break;
		case XENPT_GUEST_REC_SPECIAL:
			check_special(r, &sh);
			break;
		default:
			test_fail(__FILE__, __LINE__, "record %u: unknown kind %u", i, r->kind);
		}
		CHECK(r->flags & (XENPT_GUEST_RF_VERIFIED | XENPT_GUEST_RF_BOOT));
		CHECK(!(r->flags & XENPT_GUEST_RF_FAILED));
		if (!before && test_failed())
			printf("# ^ record %u: kind %u level %u flags 0x%x va 0x%" PRIx64 " pfn 0x%" PRIx64
			       " mfn 0x%" PRIx64 " expect 0x%" PRIx64 " aux 0x%" PRIx64 "\n", i, r->kind,
			       r->level, r->flags, r->va, r->pfn, r->mfn, r->expect, r->aux);
		checked[r->kind < 8 ? r->kind : 0]++;
	}
	// scenario=all does every kind.
	for (i = XENPT_GUEST_REC_MAP; i <= XENPT_GUEST_REC_SPECIAL; i++)
		CHECK(checked[i] > 0);
	printf("# records: map %u, unmap %u, table %u, pin %u, unpin %u, touch %u, special %u\n",
	       checked[1], checked[2], checked[3], checked[4], checked[5], checked[6], checked[7]);
}

TEST(unmapped_regions)
{
	struct xenpt_walk w;

	REQUIRE(ready);
	// The HOLE has no L3 at all; non-canonical is refused; Xen's slots are not walked.
	REQUIRE(walk(XENPT_GUEST_HOLE_VA, &w));
	CHECK_EQ(w.end, XENPT_WALK_NOT_PRESENT);
	CHECK(w.end_level >= 3);
	REQUIRE(walk(XENPT_GUEST_NONCANON_VA, &w));
	CHECK_EQ(w.end, XENPT_WALK_NON_CANONICAL);
	REQUIRE(walk(0xffff800000000000ull, &w));
	CHECK_EQ(w.end, XENPT_WALK_XEN_SLOT);
	// The absent slot of the MAP region: its L1 exists, the entry does not.
	REQUIRE(walk(XENPT_GUEST_MAP_BASE + XENPT_GUEST_MAP_SLOT_ABSENT * PAGE, &w));
	CHECK_EQ(w.end, XENPT_WALK_NOT_PRESENT);
	CHECK_EQ(w.end_level, 1);
	// The 1:1 mapping ends at boot_end_pfn.
	REQUIRE(walk(res.layout.virt_base + (res.layout.boot_end_pfn - 1) * PAGE, &w));
	CHECK_EQ(w.end, XENPT_WALK_MAPPED);
	CHECK_EQ(w.frame_other, res.layout.boot_end_pfn - 1);
	REQUIRE(walk(res.layout.virt_base + res.layout.boot_end_pfn * PAGE, &w));
	CHECK(w.end != XENPT_WALK_MAPPED);
}

/* ---- the P2M the guest publishes = .xen_p2m ------------------------------------ */

TEST(published_p2m_equals_xen_p2m)
{
	struct xenpt_shared_info sh;
	uint64_t n = res.layout.nr_pages, i, tree_bad = 0, list_bad = 0, fll_mfn;
	static uint8_t fll[PAGE], fl[PAGE], leaf[PAGE];
	xenpt_gfn_t *g = malloc(n * sizeof(*g));
	xenpt_mfn_t *m = malloc(n * sizeof(*m));
	uint64_t *list = malloc(n * 8);
	struct xenpt_aspace p2m_as;
	unsigned li = ~0u, fi = ~0u;

	REQUIRE(ready && g && m && list);
	REQUIRE_OK(xenpt_source_shared_info(src, &sh));
	CHECK_EQ(sh.max_pfn, n);
	CHECK_EQ(sh.pfn_to_mfn_frame_list_list, res.layout.p2m_fll_mfn);
	CHECK_EQ(sh.p2m_cr3, res.layout.p2m_cr3);
	CHECK_EQ(sh.p2m_vaddr, res.layout.p2m_vaddr);
	CHECK_EQ(sh.p2m_generation, 0);
	for (i = 0; i < n; i++)
		g[i] = xenpt_gfn(i);
	REQUIRE_OK(xenpt_source_p2m(src, g, n, m));           // .xen_p2m

	// The 3-level tree: frame-list list -> frame lists -> leaves of 512 MFNs.
	fll_mfn = sh.pfn_to_mfn_frame_list_list;
	REQUIRE(frame(XENPT_SPACE_MFN, fll_mfn, fll));
	for (i = 0; i < n; i++) {
		unsigned a = (unsigned)(i >> 18), b = (unsigned)((i >> 9) & 511);

		if (a != fi) {
			REQUIRE(frame(XENPT_SPACE_MFN, rd64(fll + 8 * a), fl));
			fi = a;
			li = ~0u;
		}
		if (b != li) {
			REQUIRE(frame(XENPT_SPACE_MFN, rd64(fl + 8 * b), leaf));
			li = b;
		}
		tree_bad += rd64(leaf + 8 * (i & 511)) != xenpt_mfn_x(m[i]);
	}
	CHECK_EQ(tree_bad, 0);

	// The linear list at p2m_vaddr, in the address space of p2m_cr3.
	REQUIRE_OK(xenpt_aspace_from_cr3(src, sh.p2m_cr3, XENPT_PM_NONE, &p2m_as));
	REQUIRE_OK(xenpt_read_va(src, NULL, &p2m_as, xenpt_va(sh.p2m_vaddr), list, n * 8));
	for (i = 0; i < n; i++)
		list_bad += list[i] != xenpt_mfn_x(m[i]);
	CHECK_EQ(list_bad, 0);
	printf("# P2M: %" PRIu64 " entries; tree (fll mfn 0x%" PRIx64 ") and linear list (va 0x%" PRIx64
	       ") equal .xen_p2m\n", n, fll_mfn, sh.p2m_vaddr);
	free(g);
	free(m);
	free(list);
}

TEST(close)
{
	xenpt_source_close(src);
	src = NULL;
}
