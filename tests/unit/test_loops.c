/* SPDX-License-Identifier: MIT */
/*
 * The one loop rule (lib/walk/walk_priv.h, pt_link_followed()): the range
 * iterator (lib/walk/pt_iter.c) and the table graph (lib/walk/ptgraph.c,
 * under dump and rmap) follow exactly the same entries, on hostile specs
 * where they used to disagree (tests/fixtures/pv-type-levels.synth: a frame
 * reached as an L2 on one path and named by an L2 entry on another, before
 * and after in VA order; an L2 entry naming an L3 table that is not an
 * ancestor).
 *
 * The expectations are derived by hand from the spec; the frames come from
 * the model's own tables (xenpt_synth_root_frame(), xenpt_synth_table_entry()),
 * never from the engines under test.
 */
#include <stdio.h>
#include <stdlib.h>

#include <xenpt/synth.h>
#include <xenpt/walk.h>

#include "harness.h"
#include "walk/ptgraph.h"

static struct xenpt_synth *load_fixture(const char *name)
{
	char path[1024];
	struct xenpt_synth *s = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	fp = fopen(path, "rb");
	if (!fp) {
		test_fail(__FILE__, __LINE__, "fixture %s missing", path);
		return NULL;
	}
	fclose(fp);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

/* The frame named by entry @index of the model's table @table (0 if none). */
static uint64_t child(const struct xenpt_synth *s, uint64_t table, unsigned index)
{
	uint64_t e = 0;

	CHECK_OK(xenpt_synth_table_entry(s, table, index, &e));
	CHECK(e & XENPT_PTE_P);
	return (e & XENPT_PTE_ADDR_MASK) >> 12;
}

static uint64_t root_of(const struct xenpt_synth *s, const char *name)
{
	unsigned r = 0;

	CHECK_OK(xenpt_synth_root_find(s, name, &r));
	return xenpt_synth_root_frame(s, r);
}

/* What one entry decided, for the kinds that say what was followed. */
struct seen {
	enum xenpt_range_kind kind;
	uint64_t start;
	unsigned level;
	uint64_t table;
	unsigned index;
	uint64_t frame;
};

/* The MAPPED and CYCLE ranges of the whole space, in VA order. */
static size_t iterate(struct xenpt_source *src, const struct xenpt_aspace *as, struct seen *out,
		      size_t max)
{
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_pt_range r;
	size_t n = 0, total = 0;
	bool done = false;

	CHECK_OK(xenpt_pt_iter_create(src, as, 0, UINT64_MAX, &it));
	if (!it)
		return 0;
	while (total++ < 1000000) {
		struct xenpt_error *err = xenpt_pt_iter_next(it, &r, &done);

		if (err) {
			test_fail(__FILE__, __LINE__, "next: %s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			break;
		}
		if (done)
			break;
		if (r.kind != XENPT_RANGE_MAPPED && r.kind != XENPT_RANGE_CYCLE)
			continue;
		if (n < max)
			out[n] = (struct seen){ r.kind, r.start, r.level, r.table, r.index, r.frame };
		n++;
	}
	CHECK(done);
	xenpt_pt_iter_destroy(it);
	return n;
}

static void check_seen(const struct seen *got, size_t n, const struct seen *want, size_t nwant,
		       int line)
{
	size_t i;

	if (n != nwant)
		test_fail(__FILE__, line, "%zu mapped/cycle ranges, want %zu", n, nwant);
	for (i = 0; i < n && i < nwant; i++) {
		if (got[i].kind == want[i].kind && got[i].start == want[i].start &&
		    got[i].level == want[i].level && got[i].table == want[i].table &&
		    got[i].index == want[i].index && got[i].frame == want[i].frame)
			continue;
		test_fail(__FILE__, line,
			  "range %zu: got %s va 0x%llx L%u table 0x%llx[%u] frame 0x%llx, want %s va 0x%llx L%u table 0x%llx[%u] frame 0x%llx",
			  i, xenpt_range_kind_name(got[i].kind), (unsigned long long)got[i].start,
			  got[i].level, (unsigned long long)got[i].table, got[i].index,
			  (unsigned long long)got[i].frame, xenpt_range_kind_name(want[i].kind),
			  (unsigned long long)want[i].start, want[i].level,
			  (unsigned long long)want[i].table, want[i].index,
			  (unsigned long long)want[i].frame);
	}
}

/* One table of the graph as the spec says it must be. */
struct want_table {
	uint64_t frame;
	unsigned level;
	unsigned present, leaves, links; /* links: followed entries */
	uint64_t refs;                   /* followed entries naming it */
};

static void check_graph(struct xenpt_source *src, const struct xenpt_aspace *as,
			const struct want_table *want, size_t nwant, int line)
{
	struct ptg g;
	size_t i;

	CHECK_OK(ptg_init(&g, src, as));
	if (test_failed()) {
		ptg_deinit(&g);
		return;
	}
	CHECK_OK(ptg_add_root(&g, as->root, NULL));
	CHECK_OK(ptg_build(&g, true, NULL, NULL));
	if (g.n != nwant)
		test_fail(__FILE__, line, "the graph has %u tables, want %zu", g.n, nwant);
	for (i = 0; i < nwant; i++) {
		uint32_t id = ptg_find(&g, want[i].frame);
		const struct ptg_table *t;

		if (id == PTG_NONE) {
			test_fail(__FILE__, line, "table %zu (mfn 0x%llx) is not in the graph", i,
				  (unsigned long long)want[i].frame);
			continue;
		}
		t = &g.t[id];
		if (t->level != want[i].level || t->present != want[i].present ||
		    t->leaves != want[i].leaves || t->links != want[i].links ||
		    t->refs != want[i].refs)
			test_fail(__FILE__, line,
				  "table %zu (mfn 0x%llx): L%u present %u leaves %u links %u refs %llu, want L%u present %u leaves %u links %u refs %llu",
				  i, (unsigned long long)want[i].frame, t->level, t->present,
				  t->leaves, t->links, (unsigned long long)t->refs, want[i].level,
				  want[i].present, want[i].leaves, want[i].links,
				  (unsigned long long)want[i].refs);
	}
	ptg_deinit(&g);
}

#define M XENPT_RANGE_MAPPED
#define C XENPT_RANGE_CYCLE

TEST(loop_levels_iterator_and_graph_follow_the_same_entries)
{
	struct xenpt_synth *s = load_fixture("pv-type-levels.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct seen got[32];
	unsigned kroot = 0;
	uint64_t K, B4, B3, B2, C4, C3, C2, D4, D3, D2, D1;
	uint64_t K3_1, K2_1, K3_2, K3_3, K3_4, K2_4, K3_7, K2_7, K3m, K2m, K1m;
	size_t n;

	REQUIRE(s);
	REQUIRE_OK(xenpt_synth_root_find(s, "kernel", &kroot));
	K = xenpt_synth_root_frame(s, kroot);
	/* the roots' own trees */
	B4 = root_of(s, "b"), B3 = child(s, B4, 0), B2 = child(s, B3, 0);
	C4 = root_of(s, "c"), C3 = child(s, C4, 0), C2 = child(s, C3, 0);
	D4 = root_of(s, "d"), D3 = child(s, D4, 0), D2 = child(s, D3, 0), D1 = child(s, D2, 0);
	/* the kernel's: slots 1, 2, 3, 4, 6, 7 and 273 */
	K3_1 = child(s, K, 1), K2_1 = child(s, K3_1, 0);
	K3_2 = child(s, K, 2);
	K3_3 = child(s, K, 3);
	K3_4 = child(s, K, 4), K2_4 = child(s, K3_4, 0);
	CHECK_EQ(child(s, K, 6), D4);
	K3_7 = child(s, K, 7), K2_7 = child(s, K3_7, 0);
	K3m = child(s, K, 273), K2m = child(s, K3m, 0), K1m = child(s, K2m, 0);
	CHECK_EQ(child(s, K2_1, 0), B4);
	CHECK_EQ(child(s, K3_2, 0), B4);
	CHECK_EQ(child(s, K3_3, 0), C4);
	CHECK_EQ(child(s, K2_4, 0), C4);
	CHECK_EQ(child(s, K2_7, 0), D4);
	CHECK_EQ(child(s, K1m, 0), xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(16))));
	REQUIRE(!test_failed());

	REQUIRE_OK(xenpt_synth_source(s, &src));
	xenpt_synth_aspace(s, kroot, &as);
	CHECK_EQ(as.root, K);

	/*
	 * The iterator, in VA order.  Slot 1: K2_1[0] names b, an L2 table
	 * (slot 2 reaches it from an L3 entry): linear, reported, not entered.
	 * Slot 2: b as an L2, B3 as an L1, whose entry 0 maps the frame B2.
	 * Slot 3: c as an L2, C3 as an L1: maps C2.  Slot 4: K2_4[0] names c,
	 * an L2 table: linear.  Slot 6: d as an L3, D3 an L2, D2 an L1: maps
	 * D1.  Slot 7: K2_7[0] names d, an L3 table: not followed.  Slot 273:
	 * the direct map, pfn 16.
	 */
	{
		const struct seen want[] = {
			{ C, 0x0000008000000000ull, 2, K2_1, 0, B4 },
			{ M, 0x0000010000000000ull, 1, B3, 0, B2 },
			{ M, 0x0000018000000000ull, 1, C3, 0, C2 },
			{ C, 0x0000020000000000ull, 2, K2_4, 0, C4 },
			{ M, 0x0000030000000000ull, 1, D2, 0, D1 },
			{ C, 0x0000038000000000ull, 2, K2_7, 0, D4 },
			{ M, 0xffff888000000000ull, 1, K1m, 0,
			  xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(16))) },
		};

		n = iterate(src, &as, got, 32);
		check_seen(got, n, want, sizeof(want) / sizeof(want[0]), __LINE__);
	}

	/*
	 * The graph: 19 tables, each at the highest level it is reached at;
	 * the three entries the iterator reported are the only present table
	 * entries not followed (present - leaves - links = 1 in K2_1, K2_4,
	 * K2_7, 0 everywhere else).  The kernel L4 holds 7 guest entries
	 * (slots 1, 2, 3, 4, 6, 7, 273; Xen's slots are not counted).
	 */
	{
		const struct want_table want[] = {
			{ K, 4, 7, 0, 7, 0 },
			{ K3_1, 3, 1, 0, 1, 1 },  { K3_2, 3, 1, 0, 1, 1 },
			{ K3_3, 3, 1, 0, 1, 1 },  { K3_4, 3, 1, 0, 1, 1 },
			{ D4, 3, 1, 0, 1, 1 },    { K3_7, 3, 1, 0, 1, 1 },
			{ K3m, 3, 1, 0, 1, 1 },
			{ K2_1, 2, 1, 0, 0, 1 },  /* its entry names b: linear */
			{ B4, 2, 1, 0, 1, 1 },    /* one ref: K3_2[0]; K2_1[0] is linear */
			{ C4, 2, 1, 0, 1, 1 },    /* one ref: K3_3[0]; K2_4[0] is linear */
			{ K2_4, 2, 1, 0, 0, 1 },  /* its entry names c: linear */
			{ D3, 2, 1, 0, 1, 1 },
			{ K2_7, 2, 1, 0, 0, 1 },  /* its entry names d, an L3: not followed */
			{ K2m, 2, 1, 0, 1, 1 },
			{ B3, 1, 1, 1, 0, 1 },    /* b's L3, read as an L1: one leaf (B2) */
			{ C3, 1, 1, 1, 0, 1 },
			{ D2, 1, 1, 1, 0, 1 },
			{ K1m, 1, 1, 1, 0, 1 },
		};

		check_graph(src, &as, want, sizeof(want) / sizeof(want[0]), __LINE__);
	}
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/*
 * The loops both engines always agreed on (tests/fixtures/pv-cycle.synth):
 * L4[1] -> L3 whose entry 0 names the L4 (an ancestor), and the L4 self
 * map in slot 493.  The iterator reports both, the graph follows neither.
 */
TEST(loop_ancestors_and_self_map)
{
	struct xenpt_synth *s = load_fixture("pv-cycle.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct seen got[32];
	unsigned kroot = 0;
	uint64_t K, K3_1, K3m, K2m, K1m;
	size_t n, i;

	REQUIRE(s);
	REQUIRE_OK(xenpt_synth_root_find(s, "kernel", &kroot));
	K = xenpt_synth_root_frame(s, kroot);
	K3_1 = child(s, K, 1);
	CHECK_EQ(child(s, K3_1, 0), K);
	CHECK_EQ(child(s, K, 493), K);
	K3m = child(s, K, 273), K2m = child(s, K3m, 0), K1m = child(s, K2m, 0);
	REQUIRE(!test_failed());
	REQUIRE_OK(xenpt_synth_source(s, &src));
	xenpt_synth_aspace(s, kroot, &as);
	n = iterate(src, &as, got, 32);
	/* slot 1's loop, 16 pages of the direct map (pfn 0..15), slot 493 */
	REQUIRE(n == 18);
	CHECK(got[0].kind == C && got[0].start == 0x0000008000000000ull && got[0].level == 3 &&
	      got[0].table == K3_1 && got[0].index == 0 && got[0].frame == K);
	for (i = 0; i < 16; i++)
		CHECK(got[1 + i].kind == M &&
		      got[1 + i].start == 0xffff888000000000ull + i * 0x1000 &&
		      got[1 + i].table == K1m && got[1 + i].index == i &&
		      got[1 + i].frame == xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(i))));
	CHECK(got[17].kind == C && got[17].start == 0xfffff68000000000ull && got[17].level == 4 &&
	      got[17].table == K && got[17].index == 493 && got[17].frame == K);
	{
		const struct want_table want[] = {
			{ K, 4, 3, 0, 2, 0 },     /* slots 1, 273 followed; 493 not */
			{ K3_1, 3, 1, 0, 0, 1 },  /* its entry names the L4: not followed */
			{ K3m, 3, 1, 0, 1, 1 },
			{ K2m, 2, 1, 0, 1, 1 },
			{ K1m, 1, 16, 16, 0, 1 },
		};

		check_graph(src, &as, want, sizeof(want) / sizeof(want[0]), __LINE__);
	}
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}
