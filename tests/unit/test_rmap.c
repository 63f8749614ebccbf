/* SPDX-License-Identifier: MIT */
/*
 * The reverse map (lib/view/rmap.c), against independent oracles:
 *
 * - the synthetic builder: for every frame it mapped, the set of
 *   (VA, root) pairs its own lookup gives equals the set of paths rmap
 *   finds, exactly;
 * - Xen's type model in the builder: a validated L1..L3 table has one type
 *   reference per validated entry naming it, so rmap's table links must
 *   equal its type count (minus the pin);
 * - hand-computed numbers for hostile tables (shared from every slot,
 *   self maps) and facts about the real dump-core from xen-mfndump.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <xenpt/rmap.h>
#include <xenpt/synth.h>
#include <xenpt/walk.h>

#include "fake_source.h"
#include "harness.h"

#define ASIZE(a) (sizeof(a) / sizeof((a)[0]))

struct refs {
	struct xenpt_rmap_ref *v;
	size_t n, cap;
};

static struct xenpt_error *collect_ref(void *arg, const struct xenpt_rmap_ref *ref)
{
	struct refs *rs = arg;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		if (!rs->v)
			abort();
	}
	rs->v[rs->n++] = *ref;
	return NULL;
}

static void lookup(struct xenpt_rmap *r, uint64_t frame, struct refs *rs,
		   struct xenpt_rmap_frame *info)
{
	struct xenpt_rmap_frame fi;

	memset(rs, 0, sizeof(*rs));
	CHECK_OK(xenpt_rmap_lookup(r, frame, collect_ref, rs, info ? info : &fi));
}

static struct xenpt_synth *load_fixture(const char *name)
{
	char path[1024];
	struct xenpt_synth *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

TEST(names)
{
	CHECK_STR_EQ(xenpt_rmap_kind_name(XENPT_RMAP_LEAF), "leaf");
	CHECK_STR_EQ(xenpt_rmap_kind_name(XENPT_RMAP_TABLE), "table");
	CHECK_STR_EQ(xenpt_rmap_kind_name(XENPT_RMAP_XEN_SLOT), "xen_slot");
	CHECK_STR_EQ(xenpt_rmap_kind_name(XENPT_RMAP_LINEAR), "linear");
	CHECK_STR_EQ(xenpt_rmap_kind_name(XENPT_RMAP_RESERVED), "reserved_bits");
	CHECK_STR_EQ(xenpt_rmap_kind_name((enum xenpt_rmap_kind)42), "unknown");
}

/* ---- the builder's (VA, root) pairs, frame by frame ----------------------------------- */

struct pair {
	uint64_t frame, va, root;   /* root: its table frame */
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every (frame, VA, root) the builder's lookup gives, for every root and every VA it mapped. */
static struct pair *builder_pairs(struct xenpt_synth *s, size_t *n_ret)
{
	uint64_t *vas = NULL;
	struct pair *p = NULL;
	size_t nva = 0, cap = 0, n = 0, pcap = 0, i, j;
	unsigned root;

	for (i = 0; i < xenpt_synth_nr_mappings(s); i++) {
		struct xenpt_synth_mapping m;
		uint64_t off;

		if (!xenpt_synth_mapping(s, i, &m))
			abort();
		for (off = 0; off < m.size; off += 4096) {
			if (nva == cap) {
				cap = cap ? cap * 2 : 4096;
				vas = realloc(vas, cap * sizeof(*vas));
				if (!vas)
					abort();
			}
			vas[nva++] = m.va + off;
		}
	}
	qsort(vas, nva, sizeof(*vas), cmp_u64);
	for (root = 0; root < xenpt_synth_nr_roots(s); root++)
		for (j = 0; j < nva; j++) {
			struct xenpt_synth_page pg;
			struct xenpt_error *err;

			if (j && vas[j] == vas[j - 1])
				continue;
			err = xenpt_synth_lookup(s, root, xenpt_va(vas[j]), &pg);
			if (err) {
				xenpt_error_destroy(err);
				continue;
			}
			if (n == pcap) {
				pcap = pcap ? pcap * 2 : 4096;
				p = realloc(p, pcap * sizeof(*p));
				if (!p)
					abort();
			}
			p[n].frame = pg.frame;
			p[n].va = vas[j];
			p[n].root = xenpt_synth_root_frame(s, root);
			n++;
		}
	free(vas);
	qsort(p, n, sizeof(*p), cmp_pair);
	*n_ret = n;
	return p;
}

static void check_pairs_against_builder(const char *fixture)
{
	struct xenpt_synth *s = load_fixture(fixture);
	struct xenpt_source *src = NULL;
	struct xenpt_rmap_opts o;
	struct xenpt_rmap *r = NULL;
	struct xenpt_rmap_path *paths;
	uint64_t *cr3s;
	struct pair *want, *got = NULL;
	size_t nwant, ngot = 0, gcap = 0, i, j, frames = 0;
	unsigned k;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	/* every root the builder made, in addition to the vCPUs' */
	cr3s = calloc(xenpt_synth_nr_roots(s), sizeof(*cr3s));
	REQUIRE(cr3s);
	for (k = 0; k < xenpt_synth_nr_roots(s); k++)
		cr3s[k] = xenpt_synth_root_cr3(s, k);
	xenpt_rmap_opts_init(&o);
	o.cr3s = cr3s;
	o.n_cr3s = xenpt_synth_nr_roots(s);
	REQUIRE_OK(xenpt_rmap_create(src, &o, &r));
	want = builder_pairs(s, &nwant);
	paths = calloc(4096, sizeof(*paths));
	REQUIRE(paths && want);
	for (i = 0; i < nwant; i = j) {
		struct refs rs;
		size_t q;

		for (j = i; j < nwant && want[j].frame == want[i].frame; j++)
			;
		frames++;
		lookup(r, want[i].frame, &rs, NULL);
		for (q = 0; q < rs.n; q++) {
			size_t np = 0, t;

			if (rs.v[q].kind != XENPT_RMAP_LEAF)
				continue;
			CHECK(rs.v[q].paths <= 4096);
			CHECK_OK(xenpt_rmap_paths(r, &rs.v[q], 4096, paths, &np));
			CHECK_EQ(np, rs.v[q].paths);
			for (t = 0; t < np; t++) {
				if (ngot == gcap) {
					gcap = gcap ? gcap * 2 : 4096;
					got = realloc(got, gcap * sizeof(*got));
					if (!got)
						abort();
				}
				got[ngot].frame = want[i].frame;
				got[ngot].va = paths[t].va;
				got[ngot].root = xenpt_rmap_root(r, paths[t].root)->frame;
				ngot++;
			}
		}
		free(rs.v);
		if (test_failed())
			break;
	}
	qsort(got, ngot, sizeof(*got), cmp_pair);
	CHECK_EQ(ngot, nwant);
	for (i = 0; i < ngot && i < nwant; i++)
		if (cmp_pair(&got[i], &want[i])) {
			test_fail(__FILE__, __LINE__,
				  "%s: pair %zu: rmap (frame 0x%" PRIx64 ", va 0x%016" PRIx64 ", root 0x%" PRIx64 "), builder (0x%" PRIx64 ", 0x%016" PRIx64 ", 0x%" PRIx64 ")",
				  fixture, i, got[i].frame, got[i].va, got[i].root, want[i].frame,
				  want[i].va, want[i].root);
			break;
		}
	printf("# %s: %zu (frame, VA, root) pairs of %zu frames agree with the builder\n", fixture,
	       nwant, frames);
	free(got);
	free(want);
	free(paths);
	free(cr3s);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(every_mapped_frame_matches_the_builder)
{
	check_pairs_against_builder("pv-linux.synth");
	check_pairs_against_builder("hvm-4level.synth");
	check_pairs_against_builder("hvm-pae.synth");
	check_pairs_against_builder("hvm-2level.synth");
	check_pairs_against_builder("hvm-5level.synth");
}

/* Xen's type counts: one type reference per validated entry naming the table. */
TEST(table_links_match_xen_type_counts)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_rmap_opts o;
	struct xenpt_rmap *r = NULL;
	uint64_t *cr3s, pfn, checked = 0;
	unsigned k;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	cr3s = calloc(xenpt_synth_nr_roots(s), sizeof(*cr3s));
	REQUIRE(cr3s);
	for (k = 0; k < xenpt_synth_nr_roots(s); k++)
		cr3s[k] = xenpt_synth_root_cr3(s, k);
	xenpt_rmap_opts_init(&o);
	o.cr3s = cr3s;
	o.n_cr3s = xenpt_synth_nr_roots(s);
	REQUIRE_OK(xenpt_rmap_create(src, &o, &r));
	for (pfn = 0; pfn < xenpt_synth_get_params(s)->nr_pages; pfn++) {
		xenpt_mfn_t mfn = xenpt_synth_p2m(s, xenpt_gfn(pfn));
		struct xenpt_synth_frame_state st;
		struct xenpt_rmap_frame info;
		struct refs rs;
		uint64_t links = 0;
		size_t i;

		CHECK_OK(xenpt_synth_frame_state(s, mfn, &st));
		if (st.type < XENPT_SYNTH_TYPE_L1 || st.type > XENPT_SYNTH_TYPE_L3 || !st.validated)
			continue;
		lookup(r, xenpt_mfn_x(mfn), &rs, &info);
		for (i = 0; i < rs.n; i++)
			if (rs.v[i].kind == XENPT_RMAP_TABLE) {
				links++;
				CHECK_EQ(rs.v[i].level, (unsigned)st.type + 1);
			}
		CHECK_EQ(info.table_level, (unsigned)st.type);
		if (links != st.type_count - (st.pinned ? 1 : 0))
			test_fail(__FILE__, __LINE__, "pfn 0x%" PRIx64 " (L%u): %" PRIu64 " links, type count %" PRIu64 "%s",
				  pfn, (unsigned)st.type, links, st.type_count, st.pinned ? " (pinned)" : "");
		checked++;
		free(rs.v);
	}
	CHECK(checked >= 40);
	printf("# %" PRIu64 " validated L1-L3 tables: links == type count\n", checked);
	free(cr3s);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- hostile tables ------------------------------------------------------------------------ */

TEST(shared_from_every_slot)
{
	struct xenpt_synth *s = load_fixture("pv-shared-all-slots.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_rmap *r = NULL;
	struct xenpt_rmap_stats st;
	struct xenpt_rmap_path paths[16];
	struct xenpt_cache_stats cs;
	struct refs rs;
	struct xenpt_rmap_frame info;
	unsigned t1, t2, t3, i;
	uint64_t f1, f2, f3, data;
	size_t np = 0;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_root_find(s, "t1", &t1));
	REQUIRE_OK(xenpt_synth_root_find(s, "t2", &t2));
	REQUIRE_OK(xenpt_synth_root_find(s, "t3", &t3));
	f1 = xenpt_synth_root_frame(s, t1);
	f2 = xenpt_synth_root_frame(s, t2);
	f3 = xenpt_synth_root_frame(s, t3);
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_rmap_create(src, NULL, &r));
	xenpt_rmap_stats(r, &st);
	CHECK_EQ(st.roots, 1);       /* the one vCPU's kernel L4 (no user L4) */
	CHECK_EQ(st.tables, 4);
	xenpt_source_cache_stats(src, &cs);
	CHECK_EQ(cs.misses, 4);      /* each distinct table read once */
	CHECK_EQ(st.table_reads, 4);
	/* 496 root slots -> t3, 512 -> t2, 512 -> t1, 384 leaves (one pair
	 * each), and what Xen's 16 slots name (indexed, never followed) */
	CHECK(st.refs >= 1 + 1 + 1 + 384 && st.refs <= 1 + 1 + 1 + 384 + 16);
	/* t1: linked in by all 512 entries of t2, each reached 496 * 512 ways */
	lookup(r, f1, &rs, &info);
	CHECK_EQ(info.table_level, 1);
	CHECK_EQ(rs.n, 512);
	for (i = 0; i < rs.n; i++) {
		CHECK_EQ(rs.v[i].kind, XENPT_RMAP_TABLE);
		CHECK_EQ(rs.v[i].table, f2);
		CHECK_EQ(rs.v[i].index, i);
		CHECK_EQ(rs.v[i].level, 2);
		CHECK_EQ(rs.v[i].paths, 496ull * 512);
	}
	free(rs.v);
	lookup(r, f3, &rs, &info);
	CHECK_EQ(rs.n, 496);
	CHECK_EQ(rs.v[0].paths, 1);
	free(rs.v);
	/* the W+X page: t1 entry 100, 130 million paths; the first 16 enumerated */
	data = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0x264)));
	lookup(r, data, &rs, NULL);
	REQUIRE(rs.n == 1);
	CHECK_EQ(rs.v[0].kind, XENPT_RMAP_LEAF);
	CHECK_EQ(rs.v[0].table, f1);
	CHECK_EQ(rs.v[0].index, 100);
	CHECK_EQ(rs.v[0].paths, 496ull * 512 * 512);
	CHECK_OK(xenpt_rmap_paths(r, &rs.v[0], 16, paths, &np));
	CHECK_EQ(np, 16);
	for (i = 0; i < np; i++) {
		CHECK_EQ(paths[i].va, (uint64_t)i * 2 * 1024 * 1024 + 100 * 4096);
		CHECK(paths[i].writable);
		CHECK(!paths[i].nx);
	}
	free(rs.v);
	xenpt_rmap_stats(r, &st);
	/* queries read only the tables that hold references (and their
	 * parents), from the cache: still 4 frames fetched from the backend */
	CHECK(st.table_reads < 64);
	xenpt_source_cache_stats(src, &cs);
	CHECK_EQ(cs.misses, 4);
	printf("# all slots: %" PRIu64 " table reads for the index and 3 queries\n", st.table_reads);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(self_maps_and_loops)
{
	struct xenpt_synth *s = load_fixture("pv-cycle.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_rmap *r = NULL;
	struct xenpt_aspace as;
	struct xenpt_rmap_frame info;
	struct refs rs;
	size_t i, linear = 0;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	REQUIRE_OK(xenpt_rmap_create(src, NULL, &r));
	lookup(r, as.root, &rs, &info);
	CHECK(info.is_root);
	CHECK_EQ(info.roots, 1);
	CHECK_EQ(info.table_level, 4);
	for (i = 0; i < rs.n; i++) {
		const struct xenpt_rmap_ref *f = &rs.v[i];

		if (f->kind == XENPT_RMAP_LINEAR) {
			linear++;
			CHECK_EQ(f->named_level, 4);
			if (f->level == 4) {
				/* slot 493, the same-level self map */
				CHECK_EQ(f->table, as.root);
				CHECK_EQ(f->index, 493);
			} else {
				/* entry 0 of the L3 under slot 1: a loop to the root */
				CHECK_EQ(f->level, 3);
				CHECK_EQ(f->index, 0);
			}
		}
	}
	CHECK_EQ(linear, 2);
	free(rs.v);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* A large page: the frame is found inside it, with its offset. */
TEST(inside_large_pages)
{
	struct xenpt_synth *s = load_fixture("hvm-4level.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_rmap *r = NULL;
	struct xenpt_rmap_path p[4];
	struct refs rs;
	size_t i, np;
	bool found = false;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_rmap_create(src, NULL, &r));
	/* the walk tests: 0xffff888052345678 is gfn 0x52345 inside a 1G page at gfn 0x40000 */
	lookup(r, 0x52345, &rs, NULL);
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].kind != XENPT_RMAP_LEAF || rs.v[i].page_size != (1ull << 30))
			continue;
		CHECK_EQ(rs.v[i].frame_offset, 0x12345000ull);
		CHECK_OK(xenpt_rmap_paths(r, &rs.v[i], 4, p, &np));
		REQUIRE(np >= 1);
		if (p[0].va == 0xffff888052345000ull)
			found = true;
	}
	CHECK(found);
	free(rs.v);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* A copying source: same answers, each table fetched from the backend once. */
TEST(copying_source)
{
	unsigned k, i;
	uint64_t nrefs[2];

	for (k = 0; k < 2; k++) {
		struct fake_source *f = fake_create(k ? FAKE_COPY : 0);
		struct xenpt_vcpu v;
		struct xenpt_rmap *r = NULL;
		struct refs rs;

		memset(&v, 0, sizeof(v));
		v.id = 0;
		v.online = true;
		v.cr3 = 0x1000ull << 12;
		fake_set_vcpu(f, &v);
		for (i = 0; i < 4; i++)
			fake_set64(f, XENPT_SPACE_MFN, 0x1000, i, (0x1001ull << 12) | 0x67);
		for (i = 0; i < 512; i++) {
			fake_set64(f, XENPT_SPACE_MFN, 0x1001, i, (0x1002ull << 12) | 0x67);
			fake_set64(f, XENPT_SPACE_MFN, 0x1002, i, (0x1003ull << 12) | 0x67);
			fake_set64(f, XENPT_SPACE_MFN, 0x1003, i, (0x5000ull << 12) | 0x63);
		}
		fake_reset_counts(f);
		REQUIRE_OK(xenpt_rmap_create(fake_src(f), NULL, &r));
		CHECK_EQ(fake_counts(f)->frames_requested, 4);
		lookup(r, 0x5000, &rs, NULL);
		REQUIRE(rs.n == 512);
		nrefs[k] = rs.v[511].paths;
		CHECK_EQ(rs.v[511].index, 511);
		free(rs.v);
		xenpt_rmap_destroy(r);
		fake_destroy(f);
	}
	CHECK_EQ(nrefs[0], 4ull * 512 * 512);
	CHECK_EQ(nrefs[1], nrefs[0]);
}

/* ---- the real core --------------------------------------------------------------------------- */

TEST(real_core_facts)
{
	char path[1024];
	struct xenpt_source *src = NULL;
	struct xenpt_rmap *r = NULL;
	struct xenpt_rmap_frame info;
	struct xenpt_rmap_path p[4];
	struct refs rs;
	size_t i, np, leaves = 0, xen = 0, tables = 0;

	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.core", test_build_dir());
	if (access(path, R_OK)) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		return;
	}
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	REQUIRE_OK(xenpt_rmap_create(src, NULL, &r));
	CHECK_EQ(xenpt_rmap_nr_roots(r), 2);
	CHECK_STR_EQ(xenpt_rmap_root(r, 0)->name, "vCPU 0 kernel L4");
	CHECK_EQ(xenpt_rmap_root(r, 0)->frame, 0x53d9a);
	CHECK_STR_EQ(xenpt_rmap_root(r, 1)->name, "vCPU 0 user L4");
	CHECK_EQ(xenpt_rmap_root(r, 1)->frame, 0x53d70);
	/* vCPU 0's L4 (pfn 0x699a, pinned L4 in xen-mfndump): a root; Xen's
	 * slot 258 maps it onto itself (init_xen_l4_slots(), the linear page
	 * table); Linux maps it read-only in the direct map at pfn 0x699a */
	lookup(r, 0x53d9a, &rs, &info);
	CHECK(info.is_root);
	CHECK_EQ(info.table_level, 4);
	for (i = 0; i < rs.n; i++) {
		const struct xenpt_rmap_ref *f = &rs.v[i];

		if (f->kind == XENPT_RMAP_XEN_SLOT) {
			xen++;
			CHECK_EQ(f->table, 0x53d9a);
			CHECK_EQ(f->index, 258);
			CHECK_EQ(f->table_other, 0x699a);
		} else if (f->kind == XENPT_RMAP_LEAF) {
			leaves++;
			CHECK(!(f->entry & XENPT_PTE_RW));
			CHECK_OK(xenpt_rmap_paths(r, f, 4, p, &np));
			REQUIRE(np == 1);
			CHECK_EQ(p[0].va, 0xffff888000000000ull + 0x699aull * 4096);
			CHECK(!p[0].writable);
			/* Xen's kernel PTE: US set by Xen, bit 52 (the entry) */
			CHECK(!p[0].user);
			CHECK(p[0].hw_user);
			CHECK(f->entry & XENPT_PTE_GUEST_KERNEL);
		}
	}
	CHECK_EQ(xen, 1);
	free(rs.v);
	/* busybox text, pfn 0x330e at 0x400000 (mfn 0x5430e, as the t205 CLI
	 * test reads the core): a user PTE (US|G, no bit 52) reached through
	 * both L4s; user in both, the same privilege walk gives */
	lookup(r, 0x5430e, &rs, &info);
	for (i = 0, np = 0; i < rs.n; i++) {
		size_t k, n;

		if (rs.v[i].kind != XENPT_RMAP_LEAF || (rs.v[i].entry & XENPT_PTE_GUEST_KERNEL))
			continue;
		CHECK_OK(xenpt_rmap_paths(r, &rs.v[i], 4, p, &n));
		for (k = 0; k < n; k++) {
			CHECK_EQ(p[k].va, 0x400000);
			CHECK(p[k].user && p[k].hw_user);
			np++;
		}
	}
	CHECK_EQ(np, 2);
	CHECK_EQ(leaves, 1);
	free(rs.v);
	/* the kernel-text L1 (pfn 0x4a0e, L1 in xen-mfndump) is linked in by
	 * two L2s (pfns 0x2a13: the direct map, 0x2a16: kernel text), entry 8 */
	lookup(r, 0x59a0e, &rs, &info);
	CHECK_EQ(info.table_level, 1);
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].kind == XENPT_RMAP_TABLE) {
			tables++;
			CHECK_EQ(rs.v[i].level, 2);
			CHECK_EQ(rs.v[i].index, 8);
			CHECK(rs.v[i].table_other == 0x2a13 || rs.v[i].table_other == 0x2a16);
		}
	CHECK_EQ(tables, 2);
	free(rs.v);
	/* pfn 0x1000 (mfn 0x51c00), the first kernel text page: one entry, two VAs */
	lookup(r, 0x51c00, &rs, NULL);
	REQUIRE(rs.n == 1);
	CHECK_EQ(rs.v[0].paths, 2);
	CHECK_OK(xenpt_rmap_paths(r, &rs.v[0], 4, p, &np));
	REQUIRE(np == 2);
	CHECK_EQ(p[0].va, 0xffff888001000000ull);
	CHECK(p[0].nx);
	CHECK_EQ(p[1].va, 0xffffffff81000000ull);
	CHECK(!p[1].nx);
	free(rs.v);
	/* a frame nothing references, and one beyond the host */
	lookup(r, 0x12345678, &rs, &info);
	CHECK_EQ(rs.n, 0);
	CHECK(!info.is_root);
	free(rs.v);
	lookup(r, UINT64_MAX, &rs, NULL);
	CHECK_EQ(rs.n, 0);
	free(rs.v);
	xenpt_rmap_destroy(r);
	xenpt_source_close(src);
}

TEST(roots_and_errors)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_rmap_opts o;
	struct xenpt_rmap *r = NULL;
	uint64_t cr3 = 0x1000ull << 12;
	struct refs rs;

	/* no vCPU: nothing to index unless a root is given */
	CHECK_ERR_MSG(xenpt_rmap_create(fake_src(f), NULL, &r), XENPT_ERR_NOT_FOUND, "--cr3");
	fake_set64(f, XENPT_SPACE_MFN, 0x1000, 0, (0x1000ull << 12) | 0x63);   /* a self map */
	xenpt_rmap_opts_init(&o);
	o.cr3s = &cr3;
	o.n_cr3s = 1;
	REQUIRE_OK(xenpt_rmap_create(fake_src(f), &o, &r));
	CHECK_STR_EQ(xenpt_rmap_root(r, 0)->name, "cr3 0x1000000");
	lookup(r, 0x1000, &rs, NULL);
	REQUIRE(rs.n == 1);
	CHECK_EQ(rs.v[0].kind, XENPT_RMAP_LINEAR);
	CHECK_EQ(rs.v[0].paths, 1);
	free(rs.v);
	CHECK_ERR(xenpt_rmap_create(NULL, NULL, &r), XENPT_ERR_INVALID_ARG);
	xenpt_rmap_destroy(r);
	fake_destroy(f);
}

/*
 * The privilege of a path is decided as the walk of its root decides it:
 * one L3 (0x1001) shared by a kernel L4 (0x1000, CR3) and a user L4
 * (0x2000, ctrlreg[1]), down to an L1 entry Xen made for the guest kernel
 * (US | bit 52): not user through the kernel L4, user through the user L4
 * (guest user mode runs on it and the hardware lets it in).
 */
TEST(privilege_per_root)
{
	struct fake_source *f = fake_create(0);
	struct xenpt_vcpu v;
	struct xenpt_rmap *r = NULL;
	struct xenpt_rmap_path p[4];
	struct refs rs;
	size_t np = 0, i;

	memset(&v, 0, sizeof(v));
	v.online = true;
	v.cr3 = 0x1000ull << 12;
	v.user_cr3 = 0x2000ull << 12;
	fake_set_vcpu(f, &v);
	fake_set64(f, XENPT_SPACE_MFN, 0x1000, 0, (0x1001ull << 12) | 0x67);
	fake_set64(f, XENPT_SPACE_MFN, 0x2000, 0, (0x1001ull << 12) | 0x67);
	fake_set64(f, XENPT_SPACE_MFN, 0x1001, 0, (0x1002ull << 12) | 0x67);
	fake_set64(f, XENPT_SPACE_MFN, 0x1002, 0, (0x1003ull << 12) | 0x67);
	fake_set64(f, XENPT_SPACE_MFN, 0x1003, 5, (0x5000ull << 12) | 0x65 | XENPT_PTE_GUEST_KERNEL);
	REQUIRE_OK(xenpt_rmap_create(fake_src(f), NULL, &r));
	REQUIRE(xenpt_rmap_nr_roots(r) == 2);
	CHECK(!xenpt_rmap_root(r, 0)->user_l4);
	CHECK(xenpt_rmap_root(r, 1)->user_l4);
	lookup(r, 0x5000, &rs, NULL);
	REQUIRE(rs.n == 1);
	CHECK_OK(xenpt_rmap_paths(r, &rs.v[0], 4, p, &np));
	REQUIRE(np == 2);
	for (i = 0; i < np; i++) {
		CHECK_EQ(p[i].va, 0x5000);
		CHECK(p[i].hw_user);
		CHECK_EQ(p[i].user, p[i].root == 1);
	}
	free(rs.v);
	xenpt_rmap_destroy(r);
	fake_destroy(f);
}
