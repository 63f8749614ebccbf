/* SPDX-License-Identifier: MIT */
/*
 * The audit against states only a buggy Xen lets a guest build: the PV MMU
 * model (lib/xen/pvmm.c) with one of its rules switched off accepts a
 * hypercall real Xen refuses (the refusals themselves are checked against
 * real Xen by the differential corpus, test_corpus); its frames, types,
 * pins and vCPU roots are handed to the audit through the fake source, and
 * the audit must name exactly the entry the bug let through.  The same
 * hypercall with the rule in force is refused, so each test also shows
 * the state cannot arise under a correct Xen.
 */
#include <errno.h>
#include <string.h>

#include <xenpt/audit.h>
#include <xenpt/walk.h>

#include "fake_source.h"
#include "harness.h"
#include "xen/pvmm.h"

#define DOM 1
/* frames of the world: L4 0x100 -> L3 0x101 (slot 0) -> L2 0x102 (slot 0) -> L1 0x103 (slot 0) */
#define L4 0x100
#define L3 0x101
#define L2 0x102
#define L1 0x103
#define TB 0x110           /* spare tables, made by the tests */
#define TC 0x111
#define TD 0x112
#define DATA 0x120
#define TE(mfn, fl) (((uint64_t)(mfn) << 12) | (fl))
#define F_TABLE (XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_US | XENPT_PTE_A)
#define F_RO (XENPT_PTE_P | XENPT_PTE_US | XENPT_PTE_A)

static struct pvmm *world(void)
{
	struct pvmm *m = pvmm_new();
	uint64_t f;

	if (!m || pvmm_add_domain(m, DOM, 1, false))
		return NULL;
	for (f = 0x100; f < 0x130; f++)
		if (pvmm_add_frame(m, f, DOM) || pvmm_set_m2p(m, f, f - 0x100))
			return NULL;
	pvmm_set_entry_raw(m, L4, 0, TE(L3, F_TABLE));
	pvmm_set_entry_raw(m, L3, 0, TE(L2, F_TABLE));
	pvmm_set_entry_raw(m, L2, 0, TE(L1, F_TABLE));
	pvmm_set_entry_raw(m, L1, 0, TE(DATA, F_TABLE));
	/* the builder's vCPU 0 on L4: validates the whole tree (arch_set_info_guest) */
	if (pvmm_vcpu_set_roots(m, DOM, 0, L4, 0))
		return NULL;
	return m;
}

static int pin(struct pvmm *m, unsigned level, uint64_t mfn)
{
	struct pvmm_mmuext_op op = { .cmd = PVMM_MMUEXT_PIN_L1_TABLE + level - 1, .arg1 = mfn };

	return pvmm_mmuext_op(m, DOM, 0, &op, PVMM_DOMID_SELF);
}

static int update(struct pvmm *m, uint64_t table, unsigned idx, uint64_t val)
{
	return pvmm_mmu_update(m, DOM, 0, (table << 12) + idx * 8 + PVMM_MMU_NORMAL_PT_UPDATE, val,
			       PVMM_DOMID_SELF);
}

/* What a tool in dom0 would see of the model: frames, getpageframeinfo3, P2M, vCPU 0. */
static struct fake_source *observe(const struct pvmm *m)
{
	struct fake_source *fs = fake_create(FAKE_TYPES | FAKE_P2M);
	struct pvmm_frame_info fi;
	struct xenpt_vcpu v;
	uint64_t f, pfn = 0;
	unsigned i;

	for (f = pvmm_frame_next(m, 0); f != PVMM_NO_FRAME; f = pvmm_frame_next(m, f + 1)) {
		const char *t;
		xenpt_page_type_t pt = XENPT_PT_NONE;

		if (!pvmm_frame(m, f, &fi) || fi.owner != DOM)
			continue;
		fake_page(fs, XENPT_SPACE_MFN, f);
		for (i = 0; i < 512; i++)
			if (pvmm_entry(m, f, i))
				fake_set64(fs, XENPT_SPACE_MFN, f, i, pvmm_entry(m, f, i));
		t = pvmm_pfinfo_type(&fi, DOM);
		if (t[0] == 'l')
			pt = (xenpt_page_type_t)(t[1] - '0');
		fake_set_type(fs, f, pt | (fi.pinned ? XENPT_PT_PINNED : 0));
		fake_set_p2m(fs, pfn, f);
		fake_set_m2p(fs, f, pfn);
		pfn++;
	}
	fake_info(fs)->p2m_size = pfn;
	memset(&v, 0, sizeof(v));
	v.online = true;
	v.cr3 = pvmm_vcpu_root(m, DOM, 0, false) << 12;
	fake_set_vcpu(fs, &v);
	return fs;
}

struct want {
	const char *code;
	uint64_t frame;
	unsigned index;
	uint64_t target;
};

/* Audit the model's state: exactly the @n findings @w, in order. */
static void expect(const struct pvmm *m, size_t n, const struct want *w)
{
	struct fake_source *fs = observe(m);
	struct xenpt_audit *a = NULL;
	size_t i;

	CHECK_OK(xenpt_audit_run(fake_src(fs), NULL, &a));
	if (!a) {
		fake_destroy(fs);
		return;
	}
	for (i = 0; i < xenpt_audit_nr_findings(a); i++)
		printf("# finding: %s\n", xenpt_audit_finding(a, i)->text);
	CHECK_EQ(xenpt_audit_nr_findings(a), n);
	for (i = 0; i < n && i < xenpt_audit_nr_findings(a); i++) {
		const struct xenpt_audit_finding *f = xenpt_audit_finding(a, i);

		CHECK_STR_EQ(xenpt_audit_code_name(f->code), w[i].code);
		CHECK_EQ(f->frame, w[i].frame);
		CHECK_EQ(f->index, w[i].index);
		CHECK_EQ(f->target, w[i].target);
	}
	xenpt_audit_destroy(a);
	fake_destroy(fs);
}

static void expect_one(const struct pvmm *m, const char *code, uint64_t frame, unsigned idx,
		       uint64_t target)
{
	const struct want w = { code, frame, idx, target };

	expect(m, 1, &w);
}

/* The correct model audits clean: the world and every step the tests take before their bug. */
TEST(buggy_xen_world_is_clean)
{
	struct pvmm *m = world();
	struct fake_source *fs;
	struct xenpt_audit *a = NULL;

	REQUIRE(m);
	REQUIRE(pin(m, 1, TB) == 0);      /* a pinned, empty L1 nobody links */
	fs = observe(m);
	CHECK_OK(xenpt_audit_run(fake_src(fs), NULL, &a));
	REQUIRE(a);
	CHECK_EQ(xenpt_audit_nr_findings(a), 0);
	xenpt_audit_destroy(a);
	fake_destroy(fs);
	pvmm_free(m);
}

/* XSA-182 class: an RW L1 mapping of a page table (Xen: -EBUSY from get_page_type). */
TEST(buggy_xen_rw_mapping_of_a_table)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(pin(m, 1, TB) == 0);
	CHECK_EQ(update(m, L1, 5, TE(TB, F_TABLE)), -EBUSY);
	pvmm_set_bug(m, PVMM_BUG_RW_TABLE);
	REQUIRE(update(m, L1, 5, TE(TB, F_TABLE)) == 0);
	expect_one(m, "rw-table-mapping", L1, 5, TB);
	pvmm_free(m);
}

/* An L2 entry naming an L4 (Xen: -EINVAL, and the linear fallback needs an L2). */
TEST(buggy_xen_wrong_type_child)
{
	struct pvmm *m = world();

	REQUIRE(m);
	CHECK_EQ(update(m, L2, 7, TE(L4, F_RO)), -EINVAL);
	pvmm_set_bug(m, PVMM_BUG_WRONG_TYPE);
	REQUIRE(update(m, L2, 7, TE(L4, F_RO)) == 0);
	expect_one(m, "wrong-type-child", L2, 7, L4);
	pvmm_free(m);
}

/* A writable same-level entry ("linear p.t. with write perms"). */
TEST(buggy_xen_linear_rw)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(pin(m, 2, TB) == 0);
	CHECK_EQ(update(m, L2, 8, TE(TB, F_TABLE)), -EINVAL);
	pvmm_set_bug(m, PVMM_BUG_LINEAR_RW);
	REQUIRE(update(m, L2, 8, TE(TB, F_TABLE)) == 0);
	expect_one(m, "linear-rw", L2, 8, TB);
	pvmm_free(m);
}

/* XSA-240: a linear target that gets linear entries of its own. */
TEST(buggy_xen_linear_chain)
{
	struct pvmm *m = world();

	REQUIRE(m);
	REQUIRE(pin(m, 2, TB) == 0);
	REQUIRE(pin(m, 2, TC) == 0);
	REQUIRE(update(m, TB, 0, TE(TC, F_RO)) == 0);    /* TB holds a linear entry to TC */
	CHECK_EQ(update(m, TC, 1, TE(TB, F_RO)), -EINVAL);
	pvmm_set_bug(m, PVMM_BUG_LINEAR_LEVELS);
	REQUIRE(update(m, TC, 1, TE(TB, F_RO)) == 0);
	/* each of the two now holds a linear entry and is a linear target */
	expect(m, 2, (const struct want[]){ { "linear-chain", TB, UINT32_MAX, XENPT_INVALID_FRAME },
					   { "linear-chain", TC, UINT32_MAX, XENPT_INVALID_FRAME } });
	pvmm_free(m);
}

/* PCD in an L2 entry of a domain without I/O capabilities (base_disallow_mask). */
TEST(buggy_xen_disallowed_flags)
{
	struct pvmm *m = world();

	REQUIRE(m);
	CHECK_EQ(update(m, L2, 9, TE(TD, F_TABLE | XENPT_PTE_PCD)), -EINVAL);
	pvmm_set_bug(m, PVMM_BUG_BAD_FLAGS);
	REQUIRE(update(m, L2, 9, TE(TD, F_TABLE | XENPT_PTE_PCD)) == 0);
	/* the entry, and what the buggy Xen validated through it: an L1 that no
	 * entry Xen could accept holds (the audit never follows such an entry) */
	expect(m, 2, (const struct want[]){ { "disallowed-flags", L2, 9, TD },
					   { "orphan-table", TD, UINT32_MAX, XENPT_INVALID_FRAME } });
	pvmm_free(m);
}

/* A guest write into Xen's slot 258 (the L4's linear self map). */
TEST(buggy_xen_xen_slot)
{
	struct pvmm *m = world();
	struct pvmm_frame_info fi;

	REQUIRE(m);
	REQUIRE(pvmm_frame(m, L4, &fi) && fi.validated);
	REQUIRE((pvmm_entry(m, L4, 258) & XENPT_PTE_ADDR_MASK) >> 12 == L4);  /* init_xen_l4_slots() */
	CHECK(update(m, L4, 258, TE(L3, F_RO)) != 0);
	CHECK_EQ((pvmm_entry(m, L4, 258) & XENPT_PTE_ADDR_MASK) >> 12, L4);
	pvmm_set_bug(m, PVMM_BUG_XEN_SLOTS);
	REQUIRE(update(m, L4, 258, TE(L3, F_RO)) == 0);
	expect_one(m, "xen-slot-differs", L4, 258, L4);
	pvmm_free(m);
}
