/* SPDX-License-Identifier: MIT */
/*
 * xenpt audit (include/xenpt/audit.h).  Expected values come from the
 * synthetic model's bookkeeping (its P2M, its roots, its tables read back
 * with xenpt_synth_table_entry(), its exact type and general counts) or
 * are written by hand into a fake source; never from the audit itself.
 * Each finding kind has a test asserting the exact finding (code, frame,
 * level, index, target), so removing a check fails a test.
 */
#include <stdlib.h>

#include <xenpt/audit.h>
#include <xenpt/synth.h>

#include "harness.h"
#include "fake_source.h"

struct fix {
	struct xenpt_synth *s;
	struct xenpt_source *src;
	struct xenpt_audit *a;
};

/* Load tests/fixtures/@name and audit it (with the model's counts); @frame: --frame. */
static bool load(struct fix *f, const char *name, uint64_t frame)
{
	struct xenpt_audit_opts o;
	char path[1024];

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	CHECK_OK(xenpt_synth_load(path, &f->s));
	if (!f->s)
		return false;
	CHECK_OK(xenpt_synth_source(f->s, &f->src));
	if (!f->src)
		return false;
	xenpt_audit_opts_init(&o);
	o.frame = frame;
	o.counts = xenpt_synth_exact_counts;
	o.counts_arg = f->s;
	CHECK_OK(xenpt_audit_run(f->src, &o, &f->a));
	return f->a != NULL;
}

static void unload(struct fix *f)
{
	xenpt_audit_destroy(f->a);
	xenpt_source_close(f->src);
	xenpt_synth_destroy(f->s);
}

static uint64_t mfn_of(const struct fix *f, uint64_t pfn)
{
	return xenpt_mfn_x(xenpt_synth_p2m(f->s, xenpt_gfn(pfn)));
}

static uint64_t root_of(const struct fix *f, const char *name)
{
	unsigned r = 0;

	CHECK_OK(xenpt_synth_root_find(f->s, name, &r));
	return xenpt_synth_root_frame(f->s, r);
}

/* The table of level @level translating @va under root @root, read from the model. */
static uint64_t table_of(const struct fix *f, uint64_t root, uint64_t va, unsigned level)
{
	uint64_t t = root, e = 0;
	unsigned l;

	for (l = 4; l > level; l--) {
		CHECK_OK(xenpt_synth_table_entry(f->s, t, (unsigned)(va >> (12 + 9 * (l - 1))) & 511, &e));
		t = (e & XENPT_PTE_ADDR_MASK) >> 12;
	}
	return t;
}

#define CHECK_FINDING(fd, code_, frame_, level_, index_, target_)             \
	do {                                                                   \
		const struct xenpt_audit_finding *x_ = (fd);                   \
		REQUIRE(x_);                                                   \
		CHECK_STR_EQ(xenpt_audit_code_name(x_->code), code_);          \
		CHECK_EQ(x_->frame, frame_);                                   \
		CHECK_EQ(x_->level, level_);                                   \
		CHECK_EQ(x_->index, index_);                                   \
		CHECK_EQ(x_->target, target_);                                 \
	} while (0)

#define NOIDX UINT32_MAX
#define NOFRAME XENPT_INVALID_FRAME

/* ---- clean: what Xen accepts, with the model's exact counts ------------------------------ */

TEST(clean_fixture_counts_match_the_model)
{
	struct fix f;
	struct xenpt_audit_summary s;
	struct xenpt_audit_frame fr;
	struct xenpt_synth_frame_state st;
	uint64_t k, o, l3, l2, l1;

	REQUIRE(load(&f, "audit-clean.synth", XENPT_INVALID_FRAME));
	k = root_of(&f, "kernel");
	o = root_of(&f, "other");
	l3 = mfn_of(&f, 0x200);
	l2 = mfn_of(&f, 0x201);
	l1 = mfn_of(&f, 0x202);
	CHECK_EQ(xenpt_audit_nr_findings(f.a), 0);
	xenpt_audit_summary(f.a, &s);
	CHECK(s.types_known);
	CHECK(s.counts_known);
	CHECK(!s.incomplete);
	/* built: 2 L4s (kernel, other), one L3, L2, L1 */
	CHECK_EQ(s.derived_tables[4], 2);
	CHECK_EQ(s.derived_tables[3], 1);
	CHECK_EQ(s.derived_tables[2], 1);
	CHECK_EQ(s.derived_tables[1], 1);
	CHECK_EQ(s.xen_tables[4], 2);
	CHECK_EQ(s.xen_pinned[4], 2);
	CHECK_EQ(s.xen_tables[1], 1);
	/* entries: kernel 0 and other 0 -> L3, L3 0 -> L2, L2 0 -> L1; kernel 493 self; kernel 1 linear */
	CHECK_EQ(s.child_refs, 4);
	CHECK_EQ(s.self_refs, 1);
	CHECK_EQ(s.linear_refs, 1);
	CHECK_EQ(s.map_rw, 4);   /* L1 entries 0-3 */
	CHECK_EQ(s.map_ro, 2);   /* L1 entries 4 and 5 */
	CHECK_EQ(s.roots, 2);    /* vCPU 0 kernel, vCPU 1 other */
	CHECK_EQ(s.unexplained_refs, 0);

	/* kernel L4: pin + vCPU 0 = 2 type refs, + PGC_allocated */
	xenpt_audit_frame_info(f.a, k, &fr);
	CHECK_EQ(fr.derived, XENPT_AUDIT_T_L4);
	CHECK_EQ(fr.pins, 1);
	CHECK_EQ(fr.roots, 1);
	CHECK_EQ(fr.linear_entries, 1);
	CHECK_EQ(fr.self_entries, 1);
	CHECK_EQ(fr.type_lb, 2);
	CHECK_EQ(fr.general_lb, 3);
	CHECK_OK(xenpt_synth_frame_state(f.s, xenpt_mfn(k), &st));
	CHECK_EQ(fr.type_count, st.type_count);
	CHECK_EQ(st.type_count, 2);
	CHECK_EQ(st.ref_count, 3);
	/* other L4: pin + vCPU 1 + the linear entry of the kernel L4 */
	xenpt_audit_frame_info(f.a, o, &fr);
	CHECK_EQ(fr.linear_uses, 1);
	CHECK_EQ(fr.type_lb, 3);
	CHECK_EQ(fr.general_lb, 4);
	CHECK_OK(xenpt_synth_frame_state(f.s, xenpt_mfn(o), &st));
	CHECK_EQ(st.type_count, 3);
	CHECK_EQ(st.ref_count, 4);
	/* the shared L3: two parents */
	xenpt_audit_frame_info(f.a, l3, &fr);
	CHECK_EQ(fr.derived, XENPT_AUDIT_T_L3);
	CHECK_EQ(fr.parents, 2);
	CHECK_EQ(fr.type_lb, 2);
	CHECK_EQ(fr.general_lb, 3);
	CHECK_OK(xenpt_synth_frame_state(f.s, xenpt_mfn(l3), &st));
	CHECK_EQ(st.type_count, 2);
	CHECK_EQ(st.ref_count, 3);
	xenpt_audit_frame_info(f.a, l2, &fr);
	CHECK_EQ(fr.type_lb, 1);
	CHECK_EQ(fr.general_lb, 2);
	/* the L1: one parent, mapped read-only by its own entry 5 */
	xenpt_audit_frame_info(f.a, l1, &fr);
	CHECK_EQ(fr.derived, XENPT_AUDIT_T_L1);
	CHECK_EQ(fr.parents, 1);
	CHECK_EQ(fr.ro_maps, 1);
	CHECK_EQ(fr.type_lb, 1);
	CHECK_EQ(fr.general_lb, 3);
	CHECK_OK(xenpt_synth_frame_state(f.s, xenpt_mfn(l1), &st));
	CHECK_EQ(st.type_count, 1);
	CHECK_EQ(st.ref_count, 3);
	CHECK_EQ(fr.unexplained, 0);
	unload(&f);
}

TEST(frame_holders_of_a_data_page)
{
	struct fix f;
	struct xenpt_audit_frame fr;
	const struct xenpt_audit_holder *h;
	uint64_t data, l1;

	memset(&f, 0, sizeof(f));
	{
		/* the MFN of pfn 0x100 from a first load: the P2M is the spec's */
		REQUIRE(load(&f, "audit-clean.synth", XENPT_INVALID_FRAME));
		data = mfn_of(&f, 0x100);
		unload(&f);
	}
	REQUIRE(load(&f, "audit-clean.synth", data));
	l1 = mfn_of(&f, 0x202);
	xenpt_audit_frame_info(f.a, data, &fr);
	CHECK(fr.audited);
	CHECK_EQ(fr.derived, XENPT_AUDIT_T_WRITABLE);
	CHECK_EQ(fr.rw_maps, 1);     /* L1 entry 0 */
	CHECK_EQ(fr.ro_maps, 1);     /* L1 entry 4 */
	CHECK_EQ(fr.type_lb, 1);
	CHECK_EQ(fr.general_lb, 3);
	CHECK(fr.counts_known);
	CHECK_EQ(fr.type_count, 1);  /* the model: one writable type ref */
	CHECK_EQ(fr.general_count, 3);
	REQUIRE(xenpt_audit_nr_holders(f.a) == 2);
	h = xenpt_audit_holder(f.a, 0);
	CHECK_EQ(h->kind, XENPT_AUDIT_H_MAP_RW);
	CHECK_EQ(h->table, l1);
	CHECK_EQ(h->level, 1);
	CHECK_EQ(h->index, 0);
	h = xenpt_audit_holder(f.a, 1);
	CHECK_EQ(h->kind, XENPT_AUDIT_H_MAP_RO);
	CHECK_EQ(h->table, l1);
	CHECK_EQ(h->index, 4);
	unload(&f);
}

TEST(linux_layout_audits_clean_with_exact_counts)
{
	struct fix f;
	struct xenpt_audit_summary s;
	struct xenpt_synth_stats st;

	REQUIRE(load(&f, "pv-linux.synth", XENPT_INVALID_FRAME));
	CHECK_EQ(xenpt_audit_nr_findings(f.a), 0);
	xenpt_audit_summary(f.a, &s);
	xenpt_synth_stats(f.s, &st);
	/* every table the builder made is found, at its level */
	CHECK_EQ(s.derived_tables[1], st.tables[1]);
	CHECK_EQ(s.derived_tables[2], st.tables[2]);
	CHECK_EQ(s.derived_tables[3], st.tables[3]);
	CHECK_EQ(s.derived_tables[4], st.tables[4]);
	CHECK_EQ(s.derived_seg_desc, 2);   /* xenpt-synth(5): one GDT frame per vCPU */
	CHECK_EQ(s.roots, 3);              /* vCPU 0 kernel + user, vCPU 1 init */
	CHECK_EQ(s.unexplained_refs, 0);
	unload(&f);
}

/* ---- one test per finding kind: the exact finding ---------------------------------------- */

TEST(wrong_type_child)
{
	struct fix f;

	REQUIRE(load(&f, "audit-wrong-type.synth", XENPT_INVALID_FRAME));
	REQUIRE(xenpt_audit_nr_findings(f.a) == 1);
	/* L2 (pfn 0x201) entry 1 = va 0x200000 >> 21 names the kernel L4 */
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "wrong-type-child", mfn_of(&f, 0x201), 2, 1,
		      root_of(&f, "kernel"));
	CHECK_EQ(xenpt_audit_finding(f.a, 0)->target_type, XENPT_AUDIT_T_L4);
	unload(&f);
}

/* A running domain's findings count only when a second audit has them too. */
TEST(keep_reproduced_findings)
{
	struct fix f, g, c;
	struct xenpt_audit_summary s;

	REQUIRE(load(&f, "audit-wrong-type.synth", XENPT_INVALID_FRAME));
	REQUIRE(load(&g, "audit-wrong-type.synth", XENPT_INVALID_FRAME));
	REQUIRE(load(&c, "audit-clean.synth", XENPT_INVALID_FRAME));
	/* the same domain again: the finding stays */
	xenpt_audit_keep_reproduced(f.a, g.a);
	xenpt_audit_summary(f.a, &s);
	CHECK_EQ(xenpt_audit_nr_findings(f.a), 1);
	CHECK_EQ(s.findings, 1);
	CHECK_EQ(s.findings_transient, 0);
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "wrong-type-child", mfn_of(&f, 0x201), 2, 1,
		      root_of(&f, "kernel"));
	/* a second pass without it: dropped, counted as transient */
	xenpt_audit_keep_reproduced(f.a, c.a);
	xenpt_audit_summary(f.a, &s);
	CHECK_EQ(xenpt_audit_nr_findings(f.a), 0);
	CHECK_EQ(s.findings, 0);
	CHECK_EQ(s.by_code[XENPT_AUDIT_WRONG_TYPE], 0);
	CHECK_EQ(s.findings_transient, 1);
	unload(&f);
	unload(&g);
	unload(&c);
}

TEST(rw_mapping_of_a_table)
{
	struct fix f;

	REQUIRE(load(&f, "audit-rw-table.synth", XENPT_INVALID_FRAME));
	REQUIRE(xenpt_audit_nr_findings(f.a) == 1);
	/* L1 (pfn 0x202) entry 6 = va 0x6000 maps the L1 itself read-write */
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "rw-table-mapping", mfn_of(&f, 0x202), 1, 6,
		      mfn_of(&f, 0x202));
	CHECK_EQ(xenpt_audit_finding(f.a, 0)->target_type, XENPT_AUDIT_T_L1);
	unload(&f);
}

TEST(disallowed_flags)
{
	struct fix f;
	uint64_t k;

	REQUIRE(load(&f, "pv-disallowed.synth", XENPT_INVALID_FRAME));
	k = root_of(&f, "kernel");
	/* the fixture's three raw entries: L1 PCD|PWT, L2 PSE, L3 G (L1 G is allowed) */
	REQUIRE(xenpt_audit_nr_findings(f.a) == 3);
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "disallowed-flags", table_of(&f, k, 0x401000, 1), 1, 1,
		      mfn_of(&f, 0x101));
	CHECK_FINDING(xenpt_audit_finding(f.a, 1), "disallowed-flags", table_of(&f, k, 0x8000000000, 3), 3, 0,
		      mfn_of(&f, 0x300));
	CHECK_FINDING(xenpt_audit_finding(f.a, 2), "disallowed-flags", table_of(&f, k, 0x40000000, 2), 2, 0,
		      mfn_of(&f, 0x200));
	unload(&f);
}

TEST(linear_rules)
{
	struct fix f;
	uint64_t k, o, t;

	REQUIRE(load(&f, "audit-linear.synth", XENPT_INVALID_FRAME));
	k = root_of(&f, "kernel");
	o = root_of(&f, "other");
	t = root_of(&f, "third");
	REQUIRE(xenpt_audit_nr_findings(f.a) == 3);
	/* kernel slot 2 -> third, read-write */
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "linear-rw", k, 4, 2, t);
	/* third: pin + the linear entry of other (stored past Xen, which counts only the pin) */
	CHECK_FINDING(xenpt_audit_finding(f.a, 1), "count-below-holders", t, 4, NOIDX, NOFRAME);
	/* other: a linear entry (slot 1 -> third) while the kernel's slot 1 uses it linearly */
	CHECK_FINDING(xenpt_audit_finding(f.a, 2), "linear-chain", o, 4, NOIDX, NOFRAME);
	unload(&f);
}

TEST(linear_rw_self_loop)
{
	struct fix f;
	uint64_t k;

	REQUIRE(load(&f, "pv-cycle.synth", XENPT_INVALID_FRAME));
	k = root_of(&f, "kernel");
	/* raw L3 entry 0 under kernel slot 1 names the kernel L4, RW */
	REQUIRE(xenpt_audit_nr_findings(f.a) == 1);
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "linear-rw", table_of(&f, k, 0x8000000000, 3), 3, 0, k);
	unload(&f);
}

TEST(pin_of_the_wrong_type)
{
	struct fix f;
	uint64_t k, p;

	REQUIRE(load(&f, "audit-pin.synth", XENPT_INVALID_FRAME));
	k = root_of(&f, "kernel");
	p = mfn_of(&f, 0x203);
	REQUIRE(xenpt_audit_nr_findings(f.a) == 2);
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "wrong-type-child", k, 4, 1, p);
	CHECK_EQ(xenpt_audit_finding(f.a, 0)->target_type, XENPT_AUDIT_T_L2);
	CHECK_FINDING(xenpt_audit_finding(f.a, 1), "pin-wrong-type", p, 2, NOIDX, NOFRAME);
	unload(&f);
}

TEST(type_mismatch_and_count_below)
{
	struct fix f;
	struct xenpt_synth_frame_state st;
	uint64_t t1;

	REQUIRE(load(&f, "audit-mismatch.synth", XENPT_INVALID_FRAME));
	t1 = root_of(&f, "t1");
	CHECK_OK(xenpt_synth_frame_state(f.s, xenpt_mfn(t1), &st));
	CHECK_EQ(st.type_count, 0);   /* the model: Xen never validated it */
	REQUIRE(xenpt_audit_nr_findings(f.a) == 2);
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "type-mismatch", t1, 3, NOIDX, NOFRAME);
	CHECK(xenpt_audit_finding(f.a, 0)->xen_type_known);
	CHECK_EQ(xenpt_audit_finding(f.a, 0)->xen_type, XENPT_PT_NONE);
	CHECK_FINDING(xenpt_audit_finding(f.a, 1), "count-below-holders", t1, 3, NOIDX, NOFRAME);
	unload(&f);
}

TEST(unreadable_table_makes_it_incomplete)
{
	struct fix f;
	struct xenpt_audit_summary s;

	REQUIRE(load(&f, "pv-badmfn.synth", XENPT_INVALID_FRAME));
	xenpt_audit_summary(f.a, &s);
	CHECK(s.incomplete);
	CHECK_EQ(s.by_code[XENPT_AUDIT_UNREADABLE], 1);
	/* the fixture's raw L2 entry names mfn 0x1000000, beyond the host */
	CHECK_FINDING(xenpt_audit_finding(f.a, 0), "unreadable-table", 0x1000000, 1, NOIDX, NOFRAME);
	unload(&f);
}

/* ---- a fake source: what no model of a correct Xen produces ------------------------------ */

#define PTE(mfn, fl) (((uint64_t)(mfn) << 12) | (fl))
#define P_RW_US (XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_US | XENPT_PTE_A)
#define P_US (XENPT_PTE_P | XENPT_PTE_US | XENPT_PTE_A)

/* An L4 at @l4 with Xen's self slot (258) and a vCPU @vcpu on it. */
static void fake_root(struct fake_source *fs, uint64_t l4, uint32_t vcpu, uint64_t user_l4)
{
	struct xenpt_vcpu v;

	fake_set64(fs, XENPT_SPACE_MFN, l4, 258, PTE(l4, XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_A));
	memset(&v, 0, sizeof(v));
	v.id = vcpu;
	v.online = true;
	v.cr3 = l4 << 12;
	v.user_cr3 = user_l4 << 12;
	fake_set_vcpu(fs, &v);
}

TEST(orphan_and_pin_without_table_type)
{
	struct fake_source *fs = fake_create(FAKE_TYPES | FAKE_P2M);
	struct xenpt_audit *a = NULL;

	fake_root(fs, 0x1000, 0, 0);
	fake_page(fs, XENPT_SPACE_MFN, 0x2000);   /* an empty L2 nobody names */
	fake_page(fs, XENPT_SPACE_MFN, 0x3000);
	fake_set_p2m(fs, 0, 0x1000);
	fake_set_p2m(fs, 1, 0x2000);
	fake_set_p2m(fs, 2, 0x3000);
	fake_info(fs)->p2m_size = 3;
	fake_set_type(fs, 0x1000, XENPT_PT_L4 | XENPT_PT_PINNED);
	fake_set_type(fs, 0x2000, XENPT_PT_L2);                      /* validated, not pinned */
	fake_set_type(fs, 0x3000, XENPT_PT_NONE | XENPT_PT_PINNED);  /* pinned, no table type */
	CHECK_OK(xenpt_audit_run(fake_src(fs), NULL, &a));
	REQUIRE(a);
	REQUIRE(xenpt_audit_nr_findings(a) == 2);
	CHECK_FINDING(xenpt_audit_finding(a, 0), "orphan-table", 0x2000, 2, NOIDX, NOFRAME);
	CHECK_FINDING(xenpt_audit_finding(a, 1), "pin-wrong-type", 0x3000, 0, NOIDX, NOFRAME);
	xenpt_audit_destroy(a);
	fake_destroy(fs);
}

TEST(xen_slots_differ_between_l4s)
{
	struct fake_source *fs = fake_create(0);
	struct xenpt_audit *a = NULL;
	struct xenpt_audit_summary s;
	unsigned slot;

	fake_root(fs, 0x1000, 0, 0x1100);
	fake_set64(fs, XENPT_SPACE_MFN, 0x1100, 258, PTE(0x1100, XENPT_PTE_P | XENPT_PTE_RW | XENPT_PTE_A));
	/* Xen's slots 257, 260-271 the same in both; 256 (RO M2P) only in the kernel L4 */
	for (slot = 260; slot <= 271; slot++) {
		fake_set64(fs, XENPT_SPACE_MFN, 0x1000, slot, PTE(0x500 + slot, 0x63));
		fake_set64(fs, XENPT_SPACE_MFN, 0x1100, slot, PTE(0x500 + slot, 0x63));
	}
	fake_set64(fs, XENPT_SPACE_MFN, 0x1000, 256, PTE(0x900, 0x63));
	/* ... but slot 261 of the user L4 differs, and its accessed bit in 262 does not matter */
	fake_set64(fs, XENPT_SPACE_MFN, 0x1100, 261, PTE(0x777, 0x63));
	fake_set64(fs, XENPT_SPACE_MFN, 0x1100, 262, PTE(0x500 + 262, 0x43));
	CHECK_OK(xenpt_audit_run(fake_src(fs), NULL, &a));
	REQUIRE(a);
	xenpt_audit_summary(a, &s);
	CHECK(!s.types_known);
	REQUIRE(xenpt_audit_nr_findings(a) == 1);
	CHECK_FINDING(xenpt_audit_finding(a, 0), "xen-slot-differs", 0x1100, 4, 261, 0x1000);
	CHECK_EQ(xenpt_audit_finding(a, 0)->entry, PTE(0x777, 0x63));
	xenpt_audit_destroy(a);
	fake_destroy(fs);
}

TEST(xen_self_slot_must_name_the_l4)
{
	struct fake_source *fs = fake_create(0);
	struct xenpt_audit *a = NULL;

	fake_root(fs, 0x1000, 0, 0);
	fake_set64(fs, XENPT_SPACE_MFN, 0x1000, 258, PTE(0x1234, XENPT_PTE_P | XENPT_PTE_RW));
	CHECK_OK(xenpt_audit_run(fake_src(fs), NULL, &a));
	REQUIRE(a);
	REQUIRE(xenpt_audit_nr_findings(a) == 1);
	CHECK_FINDING(xenpt_audit_finding(a, 0), "xen-slot-differs", 0x1000, 4, 258, 0x1000);
	xenpt_audit_destroy(a);
	fake_destroy(fs);
}

TEST(host_wide_cross_domain_and_dying)
{
	struct fake_source *fa = fake_create(FAKE_P2M), *fb = fake_create(FAKE_P2M);
	struct xenpt_source *srcs[2];
	struct xenpt_audit *res[2] = { NULL, NULL };

	/* A (domid 1): L4 0x1000 -> L3 0x1001 -> L2 0x1002 -> L1 0x1003 */
	fake_info(fa)->domid = 1;
	fake_root(fa, 0x1000, 0, 0);
	fake_set64(fa, XENPT_SPACE_MFN, 0x1000, 0, PTE(0x1001, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1001, 0, PTE(0x1002, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1002, 0, PTE(0x1003, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1003, 0, PTE(0x2005, P_RW_US));   /* B's page */
	fake_set64(fa, XENPT_SPACE_MFN, 0x1003, 1, PTE(0x1005, P_RW_US));   /* A's own */
	fake_set64(fa, XENPT_SPACE_MFN, 0x1002, 1, PTE(0x2003, P_RW_US));   /* B's frame as an L1 */
	fake_page(fa, XENPT_SPACE_MFN, 0x2003);
	fake_set_p2m(fa, 0, 0x1000);
	fake_set_p2m(fa, 1, 0x1001);
	fake_set_p2m(fa, 2, 0x1002);
	fake_set_p2m(fa, 3, 0x1003);
	fake_set_p2m(fa, 4, 0x1005);
	fake_info(fa)->p2m_size = 5;
	/* B (domid 2, dying) owns 0x2000-0x2005 */
	fake_info(fb)->domid = 2;
	fake_info(fb)->dying = true;
	fake_root(fb, 0x2000, 0, 0);
	fake_set_p2m(fb, 0, 0x2000);
	fake_set_p2m(fb, 1, 0x2003);
	fake_set_p2m(fb, 2, 0x2005);
	fake_info(fb)->p2m_size = 3;
	srcs[0] = fake_src(fa);
	srcs[1] = fake_src(fb);
	CHECK_OK(xenpt_audit_run_host(srcs, 2, NULL, res));
	REQUIRE(res[0] && res[1]);
	/* A: the L1 is classified during the traversal, the L2 after it */
	REQUIRE(xenpt_audit_nr_findings(res[0]) == 4);
	CHECK_FINDING(xenpt_audit_finding(res[0], 0), "cross-domain-mapping", 0x1003, 1, 0, 0x2005);
	CHECK_EQ(xenpt_audit_finding(res[0], 0)->other_domid, 2);
	CHECK_FINDING(xenpt_audit_finding(res[0], 1), "dying-domain-reference", 0x1003, 1, 0, 0x2005);
	CHECK_FINDING(xenpt_audit_finding(res[0], 2), "cross-domain-table", 0x1002, 2, 1, 0x2003);
	CHECK_EQ(xenpt_audit_finding(res[0], 2)->other_domid, 2);
	CHECK_FINDING(xenpt_audit_finding(res[0], 3), "dying-domain-reference", 0x1002, 2, 1, 0x2003);
	CHECK_EQ(xenpt_audit_nr_findings(res[1]), 0);
	xenpt_audit_destroy(res[0]);
	xenpt_audit_destroy(res[1]);
	fake_destroy(fa);
	fake_destroy(fb);
}

/*
 * A dying domain as real Xen leaves it after `xl destroy` while another
 * domain still maps some of its frames (measured on Xen 4.17.7, see
 * tests/live/live_cli.c test_zombie): no P2M and no tables any more, only
 * getpageframeinfo3, which answers type 0 for the frames it still owns and
 * XTAB for every other.  Its frames are found from those answers.
 */
TEST(host_wide_dying_domain_known_by_page_types_only)
{
	struct fake_source *fa = fake_create(FAKE_P2M), *fb = fake_create(FAKE_TYPES);
	struct xenpt_source *srcs[2];
	struct xenpt_audit *res[2] = { NULL, NULL };

	/* A (domid 0): L4 0x1000 -> L3 0x1001 -> L2 0x1002 -> L1 0x1003 */
	fake_root(fa, 0x1000, 0, 0);
	fake_set64(fa, XENPT_SPACE_MFN, 0x1000, 0, PTE(0x1001, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1001, 0, PTE(0x1002, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1002, 0, PTE(0x1003, P_RW_US));
	fake_set64(fa, XENPT_SPACE_MFN, 0x1003, 207, PTE(0x2005, XENPT_PTE_P | XENPT_PTE_US)); /* B's */
	fake_set64(fa, XENPT_SPACE_MFN, 0x1003, 208, PTE(0x3000, XENPT_PTE_P | XENPT_PTE_US)); /* nobody's */
	fake_set_p2m(fa, 0, 0x1000);
	fake_set_p2m(fa, 1, 0x1001);
	fake_set_p2m(fa, 2, 0x1002);
	fake_set_p2m(fa, 3, 0x1003);
	fake_info(fa)->p2m_size = 4;
	/* B (domid 7, dying): Xen's page types only */
	fake_info(fb)->domid = 7;
	fake_info(fb)->dying = true;
	fake_set_type(fb, 0x2005, XENPT_PT_NONE);
	fake_set_type(fb, 0x3000, XENPT_PT_XTAB);
	srcs[0] = fake_src(fa);
	srcs[1] = fake_src(fb);
	CHECK_OK(xenpt_audit_run_host(srcs, 2, NULL, res));
	REQUIRE(res[0]);
	REQUIRE(xenpt_audit_nr_findings(res[0]) == 2);
	CHECK_FINDING(xenpt_audit_finding(res[0], 0), "cross-domain-mapping", 0x1003, 1, 207, 0x2005);
	CHECK_EQ(xenpt_audit_finding(res[0], 0)->other_domid, 7);
	CHECK_FINDING(xenpt_audit_finding(res[0], 1), "dying-domain-reference", 0x1003, 1, 207, 0x2005);
	CHECK_EQ(xenpt_audit_finding(res[0], 1)->other_domid, 7);
	xenpt_audit_destroy(res[0]);
	xenpt_audit_destroy(res[1]);
	fake_destroy(fa);
	fake_destroy(fb);
}

TEST(host_wide_linear_entry_to_another_domain)
{
	struct fake_source *fa = fake_create(FAKE_P2M), *fb = fake_create(FAKE_P2M);
	struct xenpt_source *srcs[2];
	struct xenpt_audit *res[2] = { NULL, NULL };

	/* A's L4 slot 1 names B's L4 read-only: a linear entry across domains */
	fake_info(fa)->domid = 1;
	fake_root(fa, 0x1000, 0, 0);
	fake_set64(fa, XENPT_SPACE_MFN, 0x1000, 1, PTE(0x2000, P_US));
	fake_page(fa, XENPT_SPACE_MFN, 0x2000);
	fake_set_p2m(fa, 0, 0x1000);
	fake_info(fa)->p2m_size = 1;
	fake_info(fb)->domid = 2;
	fake_root(fb, 0x2000, 0, 0);
	fake_set_p2m(fb, 0, 0x2000);
	fake_info(fb)->p2m_size = 1;
	srcs[0] = fake_src(fa);
	srcs[1] = fake_src(fb);
	CHECK_OK(xenpt_audit_run_host(srcs, 2, NULL, res));
	REQUIRE(res[0] && res[1]);
	REQUIRE(xenpt_audit_nr_findings(res[0]) == 1);
	CHECK_FINDING(xenpt_audit_finding(res[0], 0), "linear-cross-domain", 0x1000, 4, 1, 0x2000);
	CHECK_EQ(xenpt_audit_finding(res[0], 0)->other_domid, 2);
	CHECK_EQ(xenpt_audit_nr_findings(res[1]), 0);
	xenpt_audit_destroy(res[0]);
	xenpt_audit_destroy(res[1]);
	fake_destroy(fa);
	fake_destroy(fb);
}

TEST(hvm_is_refused)
{
	struct fake_source *fs = fake_create(FAKE_HVM);
	struct xenpt_audit *a = NULL;

	CHECK_ERR_MSG(xenpt_audit_run(fake_src(fs), NULL, &a), XENPT_ERR_UNSUPPORTED, "64-bit PV");
	CHECK(!a);
	fake_destroy(fs);
}

TEST(names_are_stable)
{
	CHECK_STR_EQ(xenpt_audit_code_name(XENPT_AUDIT_ORPHAN), "orphan-table");
	CHECK_STR_EQ(xenpt_audit_code_name(XENPT_AUDIT_RW_TABLE), "rw-table-mapping");
	CHECK_STR_EQ(xenpt_audit_code_name(XENPT_AUDIT_LINEAR_BOTH), "linear-chain");
	CHECK_STR_EQ(xenpt_audit_code_name(XENPT_AUDIT_NR_CODES), "?");
	CHECK_STR_EQ(xenpt_audit_holder_name(XENPT_AUDIT_H_ROOT), "vcpu-root");
	CHECK_STR_EQ(xenpt_audit_type_name(XENPT_AUDIT_T_SEG_DESC), "seg_desc");
}
