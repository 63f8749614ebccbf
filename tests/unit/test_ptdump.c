/* SPDX-License-Identifier: MIT */
/*
 * The ptdump library (lib/view/ptdump.c): exact runs and counts, cross-checked
 * against independent oracles:
 *
 * - the synthetic builder's own bookkeeping (the mappings it recorded,
 *   their stored flags, its page-type model, its leaf-entry counts);
 * - the range iterator (lib/walk/pt_iter.c) with a coalescer written here, on
 *   every bundled fixture and on the real dump-cores: same runs, one by one;
 * - numbers computed by hand for hostile tables (a table shared by every
 *   slot of its parent and ancestors: 650 million runs, 4 tables read).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenpt/ptdump.h>
#include <xenpt/synth.h>
#include <xenpt/walk.h>

#include "fake_source.h"
#include "harness.h"

#define ASIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)

/* ---- collecting runs --------------------------------------------------------------- */

struct sec {
	uint64_t start;
	char name[64];
	uint64_t lines;            /* runs handed out */
	uint64_t skipped;
};

struct runs {
	struct xenpt_ptdump_run *v;
	size_t n, cap;
	struct sec secs[32];
	unsigned nsec;
	uint64_t max;              /* stop storing after this many (0: all) */
	uint64_t total;            /* runs handed out */
};

static struct xenpt_error *collect_fn(void *arg, const struct xenpt_ptdump_event *ev)
{
	struct runs *rs = arg;

	switch (ev->type) {
	case XENPT_PTDUMP_EV_SECTION:
		if (rs->nsec < 32) {
			rs->secs[rs->nsec].start = ev->section->start;
			snprintf(rs->secs[rs->nsec].name, sizeof(rs->secs[0].name), "%s", ev->section->name);
			rs->nsec++;
		}
		break;
	case XENPT_PTDUMP_EV_RUN:
		rs->total++;
		if (rs->nsec)
			rs->secs[rs->nsec - 1].lines++;
		if (rs->max && rs->n >= rs->max)
			break;
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? rs->cap * 2 : 256;
			rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
			if (!rs->v)
				abort();
		}
		rs->v[rs->n++] = *ev->run;
		break;
	case XENPT_PTDUMP_EV_SKIPPED:
		if (rs->nsec)
			rs->secs[rs->nsec - 1].skipped = ev->skipped;
		break;
	}
	return NULL;
}

static struct xenpt_ptdump *dump_runs(struct xenpt_source *src, const struct xenpt_aspace *as,
				      const struct xenpt_ptdump_opts *o, uint64_t max_lines,
				      struct runs *rs)
{
	struct xenpt_ptdump *d = NULL;

	memset(rs, 0, sizeof(*rs));
	CHECK_OK(xenpt_ptdump_create(src, as, o, &d));
	if (!d)
		return NULL;
	CHECK_OK(xenpt_ptdump_emit(d, max_lines, collect_fn, rs));
	return d;
}

static void runs_free(struct runs *rs)
{
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/* The builder's root whose table is @frame. */
static unsigned root_of_frame(const struct xenpt_synth *s, uint64_t frame)
{
	unsigned i;

	for (i = 0; i < xenpt_synth_nr_roots(s); i++)
		if (xenpt_synth_root_frame(s, i) == frame)
			return i;
	test_fail(__FILE__, __LINE__, "no root with table 0x%" PRIx64, frame);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct xenpt_synth *load_fixture(const char *name)
{
	char path[1024];
	struct xenpt_synth *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	CHECK_OK(xenpt_synth_load(path, &s));
	return s;
}

/* ---- an independent coalescer over the range iterator --------------------------------- */

/*
 * The runs the kernel's note_page() would make from the iterator's ranges:
 * a new run on a change of kind, level or attributes, at a section start,
 * or after a gap; problem ranges are one run each.  Rights as in ptdump.h:
 * a 64-bit PV leaf with _PAGE_GUEST_KERNEL is not user-accessible.
 */
static unsigned iter_attrs(const struct xenpt_aspace *as, const struct xenpt_pt_range *r)
{
	unsigned a = 0;
	uint64_t e = r->entry;

	/* the privilege from the raw bits: 64-bit PV kernel L4, a leaf with
	 * _PAGE_GUEST_KERNEL is the kernel's; the user L4 is user mode's */
	if (r->hw_user && !(as->pv && !as->user && (e & XENPT_PTE_GUEST_KERNEL)))
		a |= XENPT_PTDUMP_USER;
	if (r->hw_user)
		a |= XENPT_PTDUMP_HW_USER;
	if (r->writable)
		a |= XENPT_PTDUMP_RW;
	if (r->nx)
		a |= XENPT_PTDUMP_NX;
	if (e & XENPT_PTE_G)
		a |= XENPT_PTDUMP_GLB;
	if (r->level > 1)
		a |= XENPT_PTDUMP_PSE;
	if (e & (r->level == 1 ? XENPT_PTE_PSE : XENPT_PTE_PAT_LARGE))
		a |= XENPT_PTDUMP_PAT;
	if (e & XENPT_PTE_PCD)
		a |= XENPT_PTDUMP_PCD;
	if (e & XENPT_PTE_PWT)
		a |= XENPT_PTDUMP_PWT;
	return a;
}

static size_t iter_runs(struct xenpt_source *src, const struct xenpt_aspace *as,
			const struct runs *sections, struct xenpt_ptdump_run *out, size_t max)
{
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_pt_range r;
	bool done = false, have = false;
	size_t n = 0;
	unsigned sec = 0;
	struct xenpt_ptdump_run cur;

	memset(&cur, 0, sizeof(cur));
	CHECK_OK(xenpt_pt_iter_create(src, as, 0, UINT64_MAX, &it));
	if (!it)
		return 0;
	for (;;) {
		struct xenpt_ptdump_run nr;
		bool nomerge;

		CHECK_OK(xenpt_pt_iter_next(it, &r, &done));
		if (done || test_failed())
			break;
		if (r.kind == XENPT_RANGE_NON_CANONICAL || r.kind == XENPT_RANGE_OUTSIDE_SPACE)
			continue;
		memset(&nr, 0, sizeof(nr));
		nr.start = r.start;
		nr.last = r.end;
		nr.level = r.level;
		nomerge = false;
		switch (r.kind) {
		case XENPT_RANGE_MAPPED:
			nr.kind = XENPT_PTDUMP_MAPPED;
			nr.attrs = iter_attrs(as, &r);
			break;
		case XENPT_RANGE_HOLE:
			nr.kind = XENPT_PTDUMP_HOLE;
			break;
		case XENPT_RANGE_XEN_SLOT:
			nr.kind = XENPT_PTDUMP_XEN_SLOT;
			break;
		case XENPT_RANGE_RESERVED:
			nr.kind = XENPT_PTDUMP_RESERVED;
			nomerge = true;
			break;
		case XENPT_RANGE_UNREADABLE:
			nr.kind = XENPT_PTDUMP_UNREADABLE;
			nomerge = true;
			break;
		case XENPT_RANGE_CYCLE:
			nr.kind = XENPT_PTDUMP_LINEAR;
			nomerge = true;
			break;
		default:
			test_fail(__FILE__, __LINE__, "unexpected range kind %u", r.kind);
			break;
		}
		/* a new section starts inside or at this range: split */
		for (;;) {
			bool new_sec = sec + 1 < sections->nsec && sections->secs[sec + 1].start <= nr.start;
			uint64_t next = sec + 1 < sections->nsec ? sections->secs[sec + 1].start : 0;
			struct xenpt_ptdump_run part = nr;

			if (new_sec) {
				sec++;
				if (have && n < max)
					out[n] = cur;
				n += have;
				have = false;
				continue;
			}
			if (next && nr.last >= next)
				part.last = next - 1;
			if (have && !nomerge && cur.kind == part.kind && cur.level == part.level &&
			    cur.attrs == part.attrs && cur.last + 1 == part.start &&
			    cur.kind != XENPT_PTDUMP_RESERVED && cur.kind != XENPT_PTDUMP_UNREADABLE &&
			    cur.kind != XENPT_PTDUMP_LINEAR) {
				cur.last = part.last;
			} else {
				if (have && n < max)
					out[n] = cur;
				n += have;
				cur = part;
				have = true;
			}
			if (part.last == nr.last)
				break;
			nr.start = part.last + 1;
		}
	}
	if (have && n < max)
		out[n] = cur;
	n += have;
	xenpt_pt_iter_destroy(it);
	return n;
}

/* The dump of @as equals the iterator's runs, one by one (frame types off). */
static void check_against_iterator(struct xenpt_source *src, const struct xenpt_aspace *as,
				   const char *what)
{
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d;
	struct runs rs;
	struct xenpt_ptdump_run *ir;
	size_t n, i;

	xenpt_ptdump_opts_init(&o);
	o.no_ftypes = true;
	o.expand = true;        /* the iterator visits every path */
	d = dump_runs(src, as, &o, 0, &rs);
	if (!d)
		return;
	ir = calloc(rs.n + 16, sizeof(*ir));
	REQUIRE(ir);
	n = iter_runs(src, as, &rs, ir, rs.n + 16);
	if (n != rs.n)
		test_fail(__FILE__, __LINE__, "%s: %zu runs from the iterator, %zu from the dump", what,
			  n, rs.n);
	for (i = 0; i < n && i < rs.n; i++) {
		const struct xenpt_ptdump_run *a = &ir[i], *b = &rs.v[i];

		if (a->start != b->start || a->last != b->last || a->kind != b->kind ||
		    a->level != b->level || a->attrs != b->attrs) {
			test_fail(__FILE__, __LINE__,
				  "%s: run %zu: iterator 0x%016" PRIx64 "-0x%016" PRIx64 " %s L%u 0x%x, dump 0x%016" PRIx64 "-0x%016" PRIx64 " %s L%u 0x%x",
				  what, i, a->start, a->last, xenpt_ptdump_kind_name(a->kind), a->level,
				  a->attrs, b->start, b->last, xenpt_ptdump_kind_name(b->kind), b->level,
				  b->attrs);
			break;
		}
	}
	printf("# %s: %zu runs in %u sections agree with the iterator\n", what, rs.n, rs.nsec);
	free(ir);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
}

/* ---- names --------------------------------------------------------------------------- */

TEST(names)
{
	CHECK_STR_EQ(xenpt_ptdump_kind_name(XENPT_PTDUMP_MAPPED), "mapped");
	CHECK_STR_EQ(xenpt_ptdump_kind_name(XENPT_PTDUMP_LINEAR), "linear");
	CHECK_STR_EQ(xenpt_ptdump_kind_name((enum xenpt_ptdump_kind)99), "unknown");
	CHECK_STR_EQ(xenpt_ptdump_ftype_name(XENPT_PTDUMP_FT_L2), "l2");
	CHECK_STR_EQ(xenpt_ptdump_class_name(XENPT_PTDUMP_WX), "wx");
	CHECK_STR_EQ(xenpt_ptdump_problem_name(XENPT_PTDUMP_P_UNREADABLE), "unreadable");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_4LEVEL, 4), "pgd");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_4LEVEL, 3), "pud");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_5LEVEL, 4), "p4d");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_5LEVEL, 5), "pgd");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_PAE, 3), "pgd");
	CHECK_STR_EQ(xenpt_ptdump_level_name(XENPT_PM_2LEVEL, 1), "pte");
}

/* ---- a PV domain built here: runs and findings from the builder's records ----------- */

struct want_map {
	uint64_t va, pfn, pages, flags;
};

/* Effective ptdump attributes of a page the builder stored with @flags. */
static unsigned attrs_of_stored(uint64_t flags)
{
	unsigned a = 0;

	if ((flags & XENPT_PTE_US) && !(flags & XENPT_PTE_GUEST_KERNEL))
		a |= XENPT_PTDUMP_USER;
	if (flags & XENPT_PTE_US)       /* Xen sets US on every level above */
		a |= XENPT_PTDUMP_HW_USER;
	if (flags & XENPT_PTE_RW)
		a |= XENPT_PTDUMP_RW;
	if (flags & XENPT_PTE_NX)
		a |= XENPT_PTDUMP_NX;
	if (flags & XENPT_PTE_G)
		a |= XENPT_PTDUMP_GLB;
	return a;
}

TEST(builder_pv_runs_and_findings_exact)
{
	static const struct want_map maps[] = {
		/* kernel text, rodata, data: adjacent, three runs */
		{ 0xffffffff81000000ull, 0x1000, 16, 0 },
		{ 0xffffffff81010000ull, 0x1010, 8, XENPT_PTE_NX },
		{ 0xffffffff81018000ull, 0x1018, 8, XENPT_PTE_RW | XENPT_PTE_NX },
		/* more data right after, same flags: merges with the previous */
		{ 0xffffffff81020000ull, 0x1100, 4, XENPT_PTE_RW | XENPT_PTE_NX },
		/* kernel W+X in vmalloc: a finding */
		{ 0xffffc90000000000ull, 0x2000, 3, XENPT_PTE_RW },
		/* user text and a user W+X page (a finding, in the user half) */
		{ 0x0000000000400000ull, 0x3000, 4, XENPT_PTE_US },
		{ 0x0000000000600000ull, 0x3010, 2, XENPT_PTE_US | XENPT_PTE_RW },
		/* a user page in the kernel half (like the vsyscall page): a finding */
		{ 0xffffffffff600000ull, 0x3020, 1, XENPT_PTE_US },
		/* direct map of 1M: PFNs 0..255 */
		{ 0xffff888000000000ull, 0, 256, XENPT_PTE_RW | XENPT_PTE_NX },
	};
	struct xenpt_synth_params p;
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep = NULL;
	struct xenpt_synth_stats st;
	struct runs rs;
	struct { uint64_t start, last; unsigned attrs; } want[16];
	size_t nwant = 0, i, k, nmapped = 0;
	uint64_t wx = 0, uk = 0, total = 0;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	p.nr_pages = 0x4000;
	REQUIRE_OK(xenpt_synth_create(&p, &s));
	for (i = 0; i < ASIZE(maps); i++)
		CHECK_OK(xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(maps[i].va),
					 xenpt_gfn(maps[i].pfn), maps[i].pages * 4096, 4096,
					 maps[i].flags));
	REQUIRE(!test_failed());
	/* the oracle: the builder's records, in VA order, merged where contiguous
	 * with the same stored flags (none of them touches a section marker) */
	for (i = 0; i < xenpt_synth_nr_mappings(s); i++) {
		struct xenpt_synth_mapping m;
		unsigned a;

		REQUIRE(xenpt_synth_mapping(s, i, &m));
		a = attrs_of_stored(m.flags);
		total += m.size;
		if ((a & XENPT_PTDUMP_RW) && !(a & XENPT_PTDUMP_NX))
			wx += m.size;
		if ((a & XENPT_PTDUMP_USER) && m.va >= 0xffff800000000000ull)
			uk += m.size;
		if (nwant && want[nwant - 1].last + 1 == m.va && want[nwant - 1].attrs == a) {
			want[nwant - 1].last = m.va + m.size - 1;
			continue;
		}
		REQUIRE(nwant < 16);
		want[nwant].start = m.va;
		want[nwant].last = m.va + m.size - 1;
		want[nwant].attrs = a;
		nwant++;
	}
	/* the kernel-half runs come after the user ones: sort by VA (already: roots then va) */
	CHECK_EQ(nwant, 8);
	REQUIRE_OK(xenpt_synth_source(s, &src));
	xenpt_synth_aspace(s, XENPT_SYNTH_ROOT_DEFAULT, &as);
	{
		struct xenpt_ptdump_opts o;

		xenpt_ptdump_opts_init(&o);
		o.no_ftypes = true;
		d = dump_runs(src, &as, &o, 0, &rs);
	}
	REQUIRE(d);
	for (i = 0; i < rs.n; i++) {
		const struct xenpt_ptdump_run *r = &rs.v[i];

		if (r->kind != XENPT_PTDUMP_MAPPED)
			continue;
		for (k = 0; k < nwant; k++)
			if (want[k].start == r->start)
				break;
		if (k == nwant) {
			test_fail(__FILE__, __LINE__, "unexpected mapped run at 0x%016" PRIx64, r->start);
			continue;
		}
		CHECK_EQ(r->last, want[k].last);
		CHECK_EQ(r->attrs, want[k].attrs);
		CHECK_EQ(r->level, 1);
		CHECK_EQ(r->entries, (want[k].last - want[k].start + 1) >> 12);
		nmapped++;
	}
	CHECK_EQ(nmapped, nwant);
	/* the report: totals and findings from the same records */
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	xenpt_synth_stats(s, &st);
	CHECK_EQ(rep->mapped_bytes, total);
	CHECK_EQ(rep->mapped_bytes, st.mapped_bytes);
	CHECK_EQ(rep->pages[1], st.leaf_entries[1]);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].bytes, wx);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].regions, 2);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].nlisted, 2);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].listed[0].start, 0x600000);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].listed[0].last, 0x601fff);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].listed[1].start, 0xffffc90000000000ull);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_USER_KERNEL].bytes, uk);
	CHECK_EQ(uk, 4096);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_USER_KERNEL].regions, 1);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_USER_KERNEL].listed[0].start, 0xffffffffff600000ull);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WRITABLE_PT].regions, 0);
	CHECK_EQ(rep->findings, 3);
	for (k = 0; k < XENPT_PTDUMP_NR_PROBLEMS; k++)
		CHECK_EQ(rep->prob[k].entries, 0);
	CHECK_EQ(rep->tables, st.tables[1] + st.tables[2] + st.tables[3] + st.tables[4]);
	/* every mapped run agrees with the single-address walker at both ends */
	for (i = 0; i < rs.n; i++) {
		struct xenpt_walk w;

		if (rs.v[i].kind != XENPT_PTDUMP_MAPPED)
			continue;
		CHECK_OK(xenpt_walk_va(src, &as, xenpt_va(rs.v[i].last), &w));
		CHECK_EQ(w.end, XENPT_WALK_MAPPED);
		CHECK_EQ(w.writable, !!(rs.v[i].attrs & XENPT_PTDUMP_RW));
		CHECK_EQ(w.nx, !!(rs.v[i].attrs & XENPT_PTDUMP_NX));
	}
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- the same runs as the range iterator, on every fixture ------------------------------- */

static void check_fixture(const char *name, bool user)
{
	struct xenpt_synth *s = load_fixture(name);
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	char what[128];

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, user, &as));
	snprintf(what, sizeof(what), "%s%s", name, user ? " (user L4)" : "");
	check_against_iterator(src, &as, what);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(fixtures_match_the_iterator)
{
	check_fixture("pv-linux.synth", false);
	check_fixture("pv-linux.synth", true);
	check_fixture("hvm-4level.synth", false);
	check_fixture("hvm-5level.synth", false);
	check_fixture("hvm-pae.synth", false);
	check_fixture("hvm-2level.synth", false);
	/* hostile, but the iterator ends too: cycles and frames beyond the host */
	check_fixture("pv-cycle.synth", false);
	check_fixture("pv-badmfn.synth", false);
}

static struct xenpt_source *open_core(const char *name)
{
	char path[1024];
	struct xenpt_source *src = NULL;

	snprintf(path, sizeof(path), "%s/fixtures/%s", test_build_dir(), name);
	if (access(path, R_OK)) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		return NULL;
	}
	CHECK_OK(xenpt_source_open_core(path, &src));
	return src;
}

TEST(real_cores_match_the_iterator)
{
	struct xenpt_source *src = open_core("xenlab-domu.core");
	struct xenpt_aspace as;

	if (src) {
		CHECK_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
		check_against_iterator(src, &as, "xenlab-domu.core");
		CHECK_OK(xenpt_aspace_from_vcpu(src, 0, true, &as));
		check_against_iterator(src, &as, "xenlab-domu.core (user L4)");
		xenpt_source_close(src);
	}
	src = open_core("xenlab-domu-pvh.core");
	if (src) {
		CHECK_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
		check_against_iterator(src, &as, "xenlab-domu-pvh.core");
		xenpt_source_close(src);
	}
}

/* Independent facts about the real PV core (xen-mfndump listing, the walk tests). */
TEST(real_core_facts)
{
	struct xenpt_source *src = open_core("xenlab-domu.core");
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct runs rs;
	uint64_t dm_last = 0;
	size_t i;
	bool in_dm = false;

	if (!src)
		return;
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	xenpt_ptdump_opts_init(&o);
	o.va_start = 0xffff888000000000ull;
	o.va_last = 0xffffc8ffffffffffull;
	d = dump_runs(src, &as, &o, 0, &rs);
	REQUIRE(d);
	/* the direct map covers the domain's 128 MiB from 0xffff888000000000, 4K pages */
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].kind == XENPT_PTDUMP_MAPPED) {
			CHECK_EQ(rs.v[i].level, 1);
			if (!in_dm)
				CHECK_EQ(rs.v[i].start, 0xffff888000000000ull);
			in_dm = true;
			dm_last = rs.v[i].last;
		}
	}
	CHECK_EQ(dm_last, 0xffff888000000000ull + 128 * MB - 1);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	CHECK_EQ(rep->mapped_bytes, 128 * MB);
	CHECK_EQ(rep->pages[1], 32768);
	CHECK_EQ(rep->findings, 0);
	/* structural frame types: the page-table frames the direct map maps read-only */
	{
		uint64_t pt_pages = 0;

		for (i = 0; i < rs.n; i++)
			if (rs.v[i].kind == XENPT_PTDUMP_MAPPED && rs.v[i].ftype) {
				CHECK(!(rs.v[i].attrs & XENPT_PTDUMP_RW));   /* Xen's rule */
				pt_pages += rs.v[i].entries;
			}
		/* every table of the kernel L4's tree is in the direct map, once,
		 * the L4 too (xenpt rmap shows its direct-map leaf) */
		CHECK_EQ(pt_pages, rep->tables);
	}
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
}

/* ---- frame types: Xen's page types of the mapped frames (synthetic PV) ------------------ */

TEST(frame_types_match_the_type_model)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	struct runs rs;
	uint64_t got[8] = { 0 }, want[8] = { 0 };
	size_t i;
	unsigned t;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &rs);
	REQUIRE(d);
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].kind == XENPT_PTDUMP_MAPPED)
			got[rs.v[i].ftype] += rs.v[i].entries;
	/* the oracle: every page the builder mapped at a VA that the dumped root
	 * sees (its own mappings or shared ones), once, with the type word its
	 * model gives the frame */
	{
		unsigned root = root_of_frame(s, as.root);
		uint64_t *vas = NULL;
		size_t nva = 0, cap = 0, j;

		for (i = 0; i < xenpt_synth_nr_mappings(s); i++) {
			struct xenpt_synth_mapping m;
			uint64_t off;

			REQUIRE(xenpt_synth_mapping(s, i, &m));
			for (off = 0; off < m.size; off += 4096) {
				if (nva == cap) {
					cap = cap ? cap * 2 : 4096;
					vas = realloc(vas, cap * sizeof(*vas));
					REQUIRE(vas);
				}
				vas[nva++] = m.va + off;
			}
		}
		qsort(vas, nva, sizeof(*vas), cmp_u64);
		for (j = 0; j < nva; j++) {
			struct xenpt_synth_page pg;
			struct xenpt_error *err;
			xenpt_page_type_t ty;

			if (j && vas[j] == vas[j - 1])
				continue;
			err = xenpt_synth_lookup(s, root, xenpt_va(vas[j]), &pg);
			if (err) {
				xenpt_error_destroy(err);   /* another root's */
				continue;
			}
			ty = xenpt_synth_page_type(s, xenpt_mfn(pg.mfn));
			t = ty >= XENPT_PT_BROKEN ? (ty == XENPT_PT_XTAB ? XENPT_PTDUMP_FT_XTAB
					: ty == XENPT_PT_BROKEN ? XENPT_PTDUMP_FT_BROKEN
					: XENPT_PTDUMP_FT_XALLOC) : (ty & 7);
			want[t]++;
		}
		free(vas);
	}
	for (t = 0; t < 8; t++)
		if (got[t] != want[t])
			test_fail(__FILE__, __LINE__, "frame type %s: %" PRIu64 " pages in the dump, %" PRIu64 " by the model",
				  xenpt_ptdump_ftype_name(t), got[t], want[t]);
	CHECK(got[XENPT_PTDUMP_FT_L1] > 0);
	CHECK(got[XENPT_PTDUMP_FT_L4] > 0);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- raw, level cut, range, max_lines ---------------------------------------------------- */

TEST(raw_one_line_per_leaf)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct runs rs;
	uint64_t leaves = 0;
	size_t i, checked = 0;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	xenpt_ptdump_opts_init(&o);
	o.raw = true;
	d = dump_runs(src, &as, &o, 0, &rs);
	REQUIRE(d);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	for (i = 0; i < rs.n; i++) {
		const struct xenpt_ptdump_run *r = &rs.v[i];
		struct xenpt_synth_page pg;
		struct xenpt_error *err;

		if (r->kind != XENPT_PTDUMP_MAPPED)
			continue;
		leaves++;
		CHECK_EQ(r->entries, 1);
		CHECK_EQ(r->last - r->start + 1, 4096);
		CHECK(r->table != XENPT_INVALID_FRAME);
		/* the frame and its PFN: what the builder mapped there */
		err = xenpt_synth_lookup(s, root_of_frame(s, as.root), xenpt_va(r->start), &pg);
		if (err) {
			test_fail(__FILE__, __LINE__, "raw run 0x%016" PRIx64 ": the builder says %s",
				  r->start, xenpt_error_message(err));
			xenpt_error_destroy(err);
			continue;
		}
		CHECK_EQ(r->frame, pg.mfn);
		CHECK_EQ(r->frame_other, xenpt_gfn_x(xenpt_synth_m2p(s, xenpt_mfn(pg.mfn))));
		checked++;
	}
	CHECK_EQ(leaves, rep->pages[1]);
	CHECK_EQ(checked, leaves);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(level_cut_summarises_below)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct runs rs;
	unsigned cut;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	for (cut = 2; cut <= 4; cut++) {
		uint64_t below = 0, mapped = 0, nlow = 0;
		size_t i;

		xenpt_ptdump_opts_init(&o);
		o.max_level = cut;
		d = dump_runs(src, &as, &o, 0, &rs);
		REQUIRE(d);
		REQUIRE_OK(xenpt_ptdump_report(d, &rep));
		for (i = 0; i < rs.n; i++) {
			const struct xenpt_ptdump_run *r = &rs.v[i];

			/* below the cut only where a section marker falls inside an
			 * entry: in pv-linux only L4 slot 511 holds markers (EFI,
			 * kernel text, modules, fixmap) off its entry boundaries */
			if (r->level < cut) {
				CHECK(r->start >= 0xffffff8000000000ull);
				nlow++;
			}
			if (r->kind == XENPT_PTDUMP_TABLE)
				below += r->below_mapped;
			if (r->kind == XENPT_PTDUMP_MAPPED)
				mapped += r->last - r->start + 1;
		}
		/* nothing is lost or counted twice */
		CHECK_EQ(below + mapped, rep->mapped_bytes);
		CHECK(cut == 2 ? nlow == 0 : nlow > 0);
		/* the report still sees the leaves */
		CHECK_EQ(rep->pages[1] * 4096, rep->mapped_bytes);
		runs_free(&rs);
		xenpt_ptdump_destroy(d);
	}
	/* a cut above the top is refused */
	xenpt_ptdump_opts_init(&o);
	o.max_level = 5;
	CHECK_ERR(xenpt_ptdump_create(src, &as, &o, &d), XENPT_ERR_INVALID_ARG);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(range_clips_the_full_dump)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d, *dr;
	struct runs all, part;
	static const uint64_t ranges[][2] = {
		{ 0xffffffff81001000ull, 0xffffffff81302fffull },
		{ 0x0000000000400800ull, 0x00007fffffffffffull },   /* unaligned start */
		{ 0x00007ffffffff000ull, 0xffff888000000fffull },   /* across the gap and Xen's slots */
		{ 0xffffffffff000000ull, UINT64_MAX },
	};
	size_t k, i, j;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &all);
	REQUIRE(d);
	for (k = 0; k < ASIZE(ranges); k++) {
		uint64_t lo = ranges[k][0], hi = ranges[k][1];

		xenpt_ptdump_opts_init(&o);
		o.va_start = lo;
		o.va_last = hi;
		dr = dump_runs(src, &as, &o, 0, &part);
		REQUIRE(dr);
		/* the runs of the full dump that overlap, clipped */
		for (i = 0, j = 0; i < all.n; i++) {
			const struct xenpt_ptdump_run *r = &all.v[i];
			uint64_t a = r->start < lo ? lo : r->start, b = r->last > hi ? hi : r->last;

			if (r->last < lo || r->start > hi)
				continue;
			if (j >= part.n) {
				test_fail(__FILE__, __LINE__, "range %zu: run %zu missing", k, j);
				break;
			}
			CHECK_EQ(part.v[j].start, a);
			CHECK_EQ(part.v[j].last, b);
			CHECK_EQ(part.v[j].kind, r->kind);
			CHECK_EQ(part.v[j].attrs, r->attrs);
			j++;
		}
		CHECK_EQ(j, part.n);
		runs_free(&part);
		xenpt_ptdump_destroy(dr);
	}
	xenpt_ptdump_opts_init(&o);
	o.va_start = 2;
	o.va_last = 1;
	CHECK_ERR(xenpt_ptdump_create(src, &as, &o, &dr), XENPT_ERR_INVALID_ARG);
	runs_free(&all);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(max_lines_counts_what_it_skips)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	struct runs all, lim;
	uint64_t max;
	unsigned k;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &all);
	REQUIRE(d);
	for (max = 1; max <= 5; max += 2) {
		lim.nsec = 0;
		memset(&lim, 0, sizeof(lim));
		CHECK_OK(xenpt_ptdump_emit(d, max, collect_fn, &lim));
		CHECK_EQ(lim.nsec, all.nsec);
		for (k = 0; k < all.nsec && k < lim.nsec; k++) {
			uint64_t n = all.secs[k].lines;

			CHECK_EQ(lim.secs[k].lines, n < max ? n : max);
			CHECK_EQ(lim.secs[k].skipped, n > max ? n - max : 0);
		}
		runs_free(&lim);
	}
	/* the section defaults: only "espfix" has one; nothing is skipped here */
	memset(&lim, 0, sizeof(lim));
	CHECK_OK(xenpt_ptdump_emit(d, XENPT_PTDUMP_SECTION_LIMITS, collect_fn, &lim));
	CHECK_EQ(lim.total, all.total);
	runs_free(&lim);
	runs_free(&all);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* ---- hostile tables ------------------------------------------------------------------------ */

/*
 * tests/fixtures/pv-shared-all-slots.synth: the kernel L4 names t3 from its
 * 496 guest slots, t3 names t2 512 times, t2 names t1 512 times; t1 has 5
 * runs (RW NX, RW x, RW NX, ro x, holes).  Runs per section, by hand:
 * 512 * 512 * 5 per L4 slot, 512 * 5 per L3 entry, 5 per L2 entry.
 */
TEST(shared_from_every_slot_is_linear_in_distinct_tables)
{
	static const struct { const char *name; uint64_t lines; } want[] = {
		{ "user", 256ull * 1310720 },
		{ "Xen reserved: L4 slots 256-271", 1 },
		{ "LDT remap", 1310720 },
		{ "direct map", 129ull * 1310720 },
		{ "vmalloc", 66ull * 1310720 },
		{ "vmemmap", 40ull * 1310720 },
		{ "cpu entry area", 2ull * 1310720 },
		{ "espfix", 1310720 + 444ull * 2560 },
		{ "EFI", 66ull * 2560 },
		{ "kernel text", 256ull * 5 },
		{ "modules", 760ull * 5 },
		{ "fixmap and vsyscall", 8ull * 5 },
	};
	struct xenpt_synth *s = load_fixture("pv-shared-all-slots.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct xenpt_ptdump_stats st;
	struct xenpt_cache_stats cs;
	struct xenpt_ptdump_opts eo;
	struct runs rs;
	uint64_t total = 0;
	unsigned k;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	xenpt_ptdump_opts_init(&eo);
	eo.expand = true;       /* every path counted, the skipped lines not visited */
	d = dump_runs(src, &as, &eo, 7, &rs);
	REQUIRE(d);
	CHECK_EQ(rs.nsec, ASIZE(want));
	for (k = 0; k < rs.nsec && k < ASIZE(want); k++) {
		uint64_t shown = want[k].lines < 7 ? want[k].lines : 7;

		CHECK_STR_EQ(rs.secs[k].name, want[k].name);
		CHECK_EQ(rs.secs[k].lines, shown);
		CHECK_EQ(rs.secs[k].skipped, want[k].lines - shown);
		total += want[k].lines;
	}
	CHECK_EQ(total, 650117121ull);
	/* the first runs: t1 seen from slot 0 */
	REQUIRE(rs.n >= 5);
	CHECK_EQ(rs.v[0].last, 100 * 4096 - 1);
	CHECK_EQ(rs.v[0].attrs, XENPT_PTDUMP_RW | XENPT_PTDUMP_NX);
	CHECK_EQ(rs.v[1].attrs, XENPT_PTDUMP_RW);
	CHECK_EQ(rs.v[3].attrs, 0);
	CHECK_EQ(rs.v[4].kind, XENPT_PTDUMP_HOLE);
	CHECK_EQ(rs.v[4].entries, 128);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	CHECK_EQ(rep->tables, 4);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].regions, 496ull * 512 * 512);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].bytes, 496ull * 512 * 512 * 4096);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].nlisted, 16);
	CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].listed[15].start, 15 * 2 * MB + 100 * 4096);
	CHECK_EQ(rep->pages[1], 496ull * 512 * 512 * 384);
	CHECK_EQ(rep->mapped_bytes, 496ull * 512 * 512 * 384 * 4096);
	/* the cost: 4 distinct frames, each fetched from the backend once */
	xenpt_ptdump_stats(d, &st);
	xenpt_source_cache_stats(src, &cs);
	CHECK_EQ(st.tables, 4);
	CHECK_EQ(cs.misses, 4);
	CHECK_EQ(cs.frames_mapped, 4);
	CHECK(st.summaries <= 3 * 8);
	CHECK(st.table_reads < 100);
	CHECK(st.emit_tables < 100);
	CHECK(st.report_tables < 100);
	CHECK(st.entries_scanned < 100 * 512);
	printf("# all slots: %" PRIu64 " table reads, %" PRIu64 " summaries (%" PRIu64 " reused), %"
	       PRIu64 " entries decoded, %" PRIu64 "+%" PRIu64 " tables visited\n", st.table_reads,
	       st.summaries, st.summary_hits, st.entries_scanned, st.emit_tables, st.report_tables);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/*
 * Without expand, the output is linear in the distinct subtrees too: the
 * fixture's t1 (5 runs) is printed once, then every entry naming a subtree
 * printed before is one REPEAT run, consecutive ones merged.  What the
 * fixture wrote: the kernel L4 names t3 from slots 0-255 and 272-511, t3
 * names t2 from all 512 entries, t2 names t1 from all 512.
 */
TEST(repeated_subtrees_print_once)
{
	struct xenpt_synth *s = load_fixture("pv-shared-all-slots.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	struct xenpt_ptdump_stats st;
	struct runs rs;
	size_t i, nrep = 0;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &rs);
	REQUIRE(d);
	/* user: t1's runs, then t1 x511 (t2's entries 1-511), t2 x511 (t3's),
	 * t3 x255 (L4 slots 1-255), all "as at 0" */
	REQUIRE(rs.n >= 8);
	CHECK_EQ(rs.v[4].kind, XENPT_PTDUMP_HOLE);
	CHECK_EQ(rs.v[4].last, 2 * MB - 1);
	CHECK_EQ(rs.v[5].kind, XENPT_PTDUMP_REPEAT);
	CHECK_EQ(rs.v[5].level, 2);
	CHECK_EQ(rs.v[5].named_level, 1);
	CHECK_EQ(rs.v[5].entries, 511);
	CHECK_EQ(rs.v[5].same_as, 0);
	CHECK_EQ(rs.v[5].start, 2 * MB);
	CHECK_EQ(rs.v[5].last, 1024 * MB - 1);
	CHECK_EQ(rs.v[6].kind, XENPT_PTDUMP_REPEAT);
	CHECK_EQ(rs.v[6].named_level, 2);
	CHECK_EQ(rs.v[6].entries, 511);
	CHECK_EQ(rs.v[6].last, (512ull << 30) - 1);
	CHECK_EQ(rs.v[7].kind, XENPT_PTDUMP_REPEAT);
	CHECK_EQ(rs.v[7].level, 4);
	CHECK_EQ(rs.v[7].named_level, 3);
	CHECK_EQ(rs.v[7].entries, 255);
	CHECK_EQ(rs.v[7].last, 0x00007fffffffffffull);
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].kind != XENPT_PTDUMP_REPEAT)
			continue;
		nrep++;
		CHECK_EQ(rs.v[i].same_as, 0);   /* everything was first printed at 0 */
	}
	/* 4 more runs than t1's 5 would be 650 million with expand */
	CHECK(rs.n < 40);
	CHECK(nrep >= 10);
	xenpt_ptdump_stats(d, &st);
	CHECK(st.emit_tables < 100);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(cycles_and_linear_maps_are_named)
{
	struct xenpt_synth *s = load_fixture("pv-cycle.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	const struct xenpt_ptdump_run *r;
	struct runs rs;
	uint64_t root;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	root = as.root;
	d = dump_runs(src, &as, NULL, 0, &rs);
	REQUIRE(d);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	/* L4 slot 1 -> an L3 whose entry 0 names the L4; L4 slot 493 names the L4 */
	REQUIRE(rep->prob[XENPT_PTDUMP_P_LINEAR].entries == 2);
	r = &rep->prob[XENPT_PTDUMP_P_LINEAR].listed[0].run;
	CHECK_EQ(r->start, 0x0000008000000000ull);
	CHECK_EQ(r->last, 0x0000008000000000ull + GB - 1);
	CHECK_EQ(r->level, 3);
	CHECK_EQ(r->named_level, 4);
	CHECK_EQ(r->frame, root);
	CHECK_EQ(r->index, 0);
	r = &rep->prob[XENPT_PTDUMP_P_LINEAR].listed[1].run;
	CHECK_EQ(r->start, 0xfffff68000000000ull);
	CHECK_EQ(r->level, 4);
	CHECK_EQ(r->named_level, 4);
	CHECK_EQ(r->frame, root);
	CHECK_EQ(r->table, root);
	CHECK_EQ(r->index, 493);
	CHECK_EQ(rep->findings, 2);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

TEST(frames_beyond_the_host)
{
	struct xenpt_synth *s = load_fixture("pv-badmfn.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	const struct xenpt_ptdump_run *r;
	struct runs rs;
	size_t i;
	bool leaf_seen = false;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &rs);
	REQUIRE(d);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	/* the L2 entry at 0x40000000 names table mfn 0x1000000, beyond the host */
	REQUIRE(rep->prob[XENPT_PTDUMP_P_UNREADABLE].entries == 1);
	r = &rep->prob[XENPT_PTDUMP_P_UNREADABLE].listed[0].run;
	CHECK_EQ(r->start, 0x40000000);
	CHECK_EQ(r->last, 0x40000000 + 2 * MB - 1);
	CHECK_EQ(r->level, 2);
	CHECK_EQ(r->frame, 0x1000000);
	CHECK_EQ(r->err, ERANGE);
	/* the L1 entry naming mfn 0x7fffff maps a page that does not exist: Xen
	 * says XTAB (not the domain's) */
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].kind == XENPT_PTDUMP_MAPPED && rs.v[i].start == 0x404000) {
			leaf_seen = true;
			CHECK_EQ(rs.v[i].ftype, XENPT_PTDUMP_FT_XTAB);
		}
	CHECK(leaf_seen);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* A copying source (like the live one): same results, each table fetched once. */
TEST(copying_source_shared_tables)
{
	struct fake_source *f[2] = { fake_create(0), fake_create(FAKE_COPY) };
	struct xenpt_aspace as = {
		.space = XENPT_SPACE_MFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x1000000, .root = 0x1000,
		.pv = true, .nxe = true, .pse = true, .wp = true, .maxphyaddr = 52,
	};
	struct runs rs[2];
	uint64_t lines[2] = { 0, 0 };
	struct xenpt_ptdump_opts eo;
	unsigned k, i;

	xenpt_ptdump_opts_init(&eo);
	eo.expand = true;
	for (k = 0; k < 2; k++) {
		struct xenpt_ptdump *d;
		const struct xenpt_ptdump_report *rep;
		struct runs brief;
		uint64_t blines = 0;

		/* L4 slot 0..3 -> L3 0x1001 (all 512) -> L2 0x1002 (all 512) -> L1 0x1003 */
		for (i = 0; i < 4; i++)
			fake_set64(f[k], XENPT_SPACE_MFN, 0x1000, i, (0x1001ull << 12) | 0x67);
		for (i = 0; i < 512; i++) {
			fake_set64(f[k], XENPT_SPACE_MFN, 0x1001, i, (0x1002ull << 12) | 0x67);
			fake_set64(f[k], XENPT_SPACE_MFN, 0x1002, i, (0x1003ull << 12) | 0x67);
			if (i < 300)
				fake_set64(f[k], XENPT_SPACE_MFN, 0x1003, i,
					   ((0x5000ull + i) << 12) | 0x63 | (i & 1 ? 1ull << 63 : 0));
		}
		fake_reset_counts(f[k]);
		d = dump_runs(fake_src(f[k]), &as, &eo, 3, &rs[k]);
		REQUIRE(d);
		REQUIRE_OK(xenpt_ptdump_report(d, &rep));
		for (i = 0; i < rs[k].nsec; i++)
			lines[k] += rs[k].secs[i].lines + rs[k].secs[i].skipped;
		/* 4 * 512 * 512 L1 tables of 301 runs (alternating NX, then a
		 * hole); one hole for the rest of the user half; Xen's slots; and
		 * one hole in each of the 10 kernel sections after them */
		CHECK_EQ(lines[k], 4ull * 512 * 512 * 301 + 1 + 1 + 10);
		CHECK_EQ(rep->cls[XENPT_PTDUMP_WX].regions, 4ull * 512 * 512 * 150);
		/* four distinct tables, each fetched from the backend once */
		CHECK_EQ(fake_counts(f[k])->frames_requested, 4);
		xenpt_ptdump_destroy(d);
		/* without expand: the L1's 301 runs once, then one repeat line
		 * each for the L1 (x511), the L2 (x511) and the L3 (slots 1-3),
		 * the hole, Xen's slots and the 10 kernel holes */
		d = dump_runs(fake_src(f[k]), &as, NULL, 0, &brief);
		REQUIRE(d);
		for (i = 0; i < brief.nsec; i++)
			blines += brief.secs[i].lines + brief.secs[i].skipped;
		CHECK_EQ(blines, 301 + 3 + 1 + 1 + 10);
		CHECK_EQ(brief.n, 316);
		CHECK_EQ(brief.v[301].kind, XENPT_PTDUMP_REPEAT);
		CHECK_EQ(brief.v[301].entries, 511);
		CHECK_EQ(brief.v[303].entries, 3);
		CHECK_EQ(fake_counts(f[k])->frames_requested, 4);   /* still four: cached */
		runs_free(&brief);
		xenpt_ptdump_destroy(d);
	}
	CHECK_EQ(rs[0].n, rs[1].n);
	for (i = 0; i < rs[0].n && i < rs[1].n; i++) {
		CHECK_EQ(rs[0].v[i].start, rs[1].v[i].start);
		CHECK_EQ(rs[0].v[i].attrs, rs[1].v[i].attrs);
	}
	for (k = 0; k < 2; k++) {
		runs_free(&rs[k]);
		fake_destroy(f[k]);
	}
}

/*
 * A copying source reads the breadth-first queue in batches: 1035 distinct
 * tables (1 L4, 2 L3, 8 L2, 1024 L1) cost 5 backend calls (L4; L3s; L2s;
 * two batches of 512 L1s), not one per table (the live target: at most one
 * foreign-map call per 512 table frames).
 */
TEST(copying_source_batches_table_reads)
{
	struct fake_source *f = fake_create(FAKE_COPY);
	struct xenpt_aspace as = {
		.space = XENPT_SPACE_MFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x1000000, .root = 0x1000,
		.pv = true, .nxe = true, .pse = true, .wp = true, .maxphyaddr = 52,
	};
	struct xenpt_ptdump *d;
	struct runs rs;
	uint64_t l3 = 0x2000, l2 = 0x3000, l1 = 0x4000;
	unsigned a, b, c;

	for (a = 0; a < 2; a++) {
		fake_set64(f, XENPT_SPACE_MFN, 0x1000, a, ((l3 + a) << 12) | 0x67);
		for (b = 0; b < 4; b++) {
			uint64_t t2 = l2 + a * 4 + b;

			fake_set64(f, XENPT_SPACE_MFN, l3 + a, b, (t2 << 12) | 0x67);
			for (c = 0; c < 128; c++) {
				uint64_t t1 = l1 + (a * 4 + b) * 128 + c;

				fake_set64(f, XENPT_SPACE_MFN, t2, c, (t1 << 12) | 0x67);
				fake_set64(f, XENPT_SPACE_MFN, t1, 0, (0x90000ull << 12) | 0x63);
			}
		}
	}
	fake_reset_counts(f);
	d = dump_runs(fake_src(f), &as, NULL, 3, &rs);
	REQUIRE(d);
	CHECK_EQ(fake_counts(f)->frames_requested, 1 + 2 + 8 + 1024);
	CHECK_EQ(fake_counts(f)->get_frames_calls, 5);
	xenpt_ptdump_destroy(d);
	runs_free(&rs);
	fake_destroy(f);
}

/* ---- damaged cores ----------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Offset of PFN @pfn's page in a core written by xenpt_synth_write_core(): find it
 * by its content (the page is the table frame's bytes). */
static long find_page(const char *path, const uint8_t *page)
{
	FILE *fp = fopen(path, "rb");
	uint8_t buf[4096];
	long off = 0, found = -1;

	if (!fp)
		return -1;
	while (fread(buf, 1, sizeof(buf), fp) == sizeof(buf)) {
		if (!memcmp(buf, page, 4096)) {
			found = off;
			break;
		}
		off += 4096;
	}
	fclose(fp);
	return found;
}

TEST(corrupted_and_truncated_cores)
{
	struct xenpt_synth *s = load_fixture("pv-linux.synth");
	const char *path = test_tmp_path("corrupt.core");
	struct xenpt_source *src = NULL, *ssrc = NULL;
	struct xenpt_aspace as;
	const uint8_t *l2;
	long off;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned round;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_write_core(s, path));
	REQUIRE_OK(xenpt_synth_source(s, &ssrc));
	REQUIRE_OK(xenpt_aspace_from_vcpu(ssrc, 0, false, &as));
	{
		/* the L2 of the direct map: the L3 entry of 0xffff888000000000 */
		struct xenpt_walk w;

		REQUIRE_OK(xenpt_walk_va(ssrc, &as, xenpt_va(0xffff888000000000ull), &w));
		REQUIRE_OK(xenpt_source_get_frame(ssrc, XENPT_SPACE_MFN, w.steps[2].table, &l2));
	}
	off = find_page(path, l2);
	REQUIRE(off > 0);
	for (round = 0; round < 8; round++) {
		uint8_t junk[4096];
		struct xenpt_ptdump *d = NULL;
		const struct xenpt_ptdump_report *rep;
		struct runs rs;
		unsigned i;
		int fd;

		for (i = 0; i < sizeof(junk); i += 8) {
			uint64_t v = xorshift(&rng);

			/* mostly present entries naming frames near and far */
			if (round & 1)
				v = (v & 0x000fffffffff0fffull) | 1;
			memcpy(junk + i, &v, 8);
		}
		fd = open(path, O_WRONLY);
		REQUIRE(fd >= 0);
		REQUIRE(pwrite(fd, junk, sizeof(junk), off) == (ssize_t)sizeof(junk));
		close(fd);
		REQUIRE_OK(xenpt_source_open_core(path, &src));
		REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
		d = dump_runs(src, &as, NULL, 50, &rs);
		REQUIRE(d);
		REQUIRE_OK(xenpt_ptdump_report(d, &rep));
		/* hundreds of junk entries: the problems are named, and it ends */
		CHECK(rep->findings > 0);
		CHECK(rep->prob[XENPT_PTDUMP_P_RESERVED].entries + rep->prob[XENPT_PTDUMP_P_UNREADABLE].entries +
		      rep->prob[XENPT_PTDUMP_P_LINEAR].entries > 0);
		runs_free(&rs);
		xenpt_ptdump_destroy(d);
		xenpt_source_close(src);
	}
	/* truncated in the middle of the page data: refused at open, or unreadable
	 * frames; never a crash */
	{
		struct stat stt;
		unsigned cut;

		REQUIRE(!stat(path, &stt));
		for (cut = 1; cut < 8; cut++) {
			struct xenpt_error *err;

			REQUIRE(!truncate(path, stt.st_size * (8 - cut) / 8));
			err = xenpt_source_open_core(path, &src);
			if (err) {
				CHECK(xenpt_error_code(err) == XENPT_ERR_BAD_DATA ||
				      xenpt_error_code(err) == XENPT_ERR_OS);
				xenpt_error_destroy(err);
				continue;
			}
			if (!xenpt_aspace_from_vcpu(src, 0, false, &as)) {
				struct xenpt_ptdump *d = NULL;
				struct runs rs;

				d = dump_runs(src, &as, NULL, 10, &rs);
				runs_free(&rs);
				xenpt_ptdump_destroy(d);
			}
			xenpt_source_close(src);
		}
	}
	unlink(path);
	xenpt_source_close(ssrc);
	xenpt_synth_destroy(s);
}

TEST(argument_errors)
{
	struct xenpt_synth *s = load_fixture("hvm-2level.synth");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_source(s, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	CHECK_ERR(xenpt_ptdump_create(NULL, &as, NULL, &d), XENPT_ERR_INVALID_ARG);
	as.mode = XENPT_PM_NONE;
	CHECK_ERR_MSG(xenpt_ptdump_create(src, &as, NULL, &d), XENPT_ERR_UNSUPPORTED, "paging is off");
	xenpt_source_close(src);
	xenpt_synth_destroy(s);
}

/* A core lacks frames the tables name: those tables are unreadable, named. */
TEST(frames_missing_from_a_core)
{
	struct xenpt_synth *s = load_fixture("pv-badmfn.synth");
	const char *path = test_tmp_path("badmfn.core");
	struct xenpt_source *src = NULL;
	struct xenpt_aspace as;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct runs rs;

	if (!s)
		return;
	REQUIRE_OK(xenpt_synth_write_core(s, path));
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	d = dump_runs(src, &as, NULL, 0, &rs);
	REQUIRE(d);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	REQUIRE(rep->prob[XENPT_PTDUMP_P_UNREADABLE].entries == 1);
	CHECK_EQ(rep->prob[XENPT_PTDUMP_P_UNREADABLE].listed[0].run.frame, 0x1000000);
	CHECK_EQ(rep->prob[XENPT_PTDUMP_P_UNREADABLE].listed[0].run.err, ENOENT);
	CHECK_EQ(rep->prob[XENPT_PTDUMP_P_UNREADABLE].listed[0].start, 0x40000000);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	xenpt_source_close(src);
	unlink(path);
	xenpt_synth_destroy(s);
}

/* The root itself cannot be read (a copying source): one run per half. */
TEST(unreadable_root)
{
	struct fake_source *f = fake_create(FAKE_COPY);
	struct xenpt_aspace as = {
		.space = XENPT_SPACE_MFN, .mode = XENPT_PM_4LEVEL, .cr3 = 0x1000000, .root = 0x1000,
		.pv = true, .nxe = true, .pse = true, .wp = true, .maxphyaddr = 52,
	};
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct runs rs;
	size_t i, n = 0;

	fake_set_err(f, XENPT_SPACE_MFN, 0x1000, EIO);
	d = dump_runs(fake_src(f), &as, NULL, 0, &rs);
	REQUIRE(d);
	for (i = 0; i < rs.n; i++) {
		CHECK_EQ(rs.v[i].kind, XENPT_PTDUMP_UNREADABLE);
		CHECK_EQ(rs.v[i].frame, 0x1000);
		CHECK_EQ(rs.v[i].err, EIO);
		n++;
	}
	/* the lower half, and the upper half cut at each section marker */
	CHECK_EQ(rs.v[0].start, 0);
	CHECK_EQ(rs.v[0].last, 0x00007fffffffffffull);
	CHECK(n >= 2);
	REQUIRE_OK(xenpt_ptdump_report(d, &rep));
	CHECK_EQ(rep->prob[XENPT_PTDUMP_P_UNREADABLE].entries, 1);
	CHECK_EQ(rep->tables, 1);
	runs_free(&rs);
	xenpt_ptdump_destroy(d);
	fake_destroy(f);
}
