/* SPDX-License-Identifier: MIT */
/*
 * Live benchmark (make bench, through bench/bench_live.sh): the cost of
 * looking at a whole PV guest's page tables, xenpt against Xen's own
 * xen-mfndump, counted in foreign-map calls (the expensive operation:
 * xen-verified.md §7) and wall time.  Runs in dom0 as root.
 *
 *	live_bench --pv DOM --xenpt PATH --shim ioctl_count.so [--lookups N] [--rounds N]
 *
 * One pause (the library source opened with XENPT_OPEN_PAUSE) covers:
 *
 *  1. the page-table frames by Xen's type (getpageframeinfo3): the work set;
 *  2. libxenpt: the range iterator over vCPU 0's whole address space, from a
 *     flushed cache (map calls from the cache statistics); then 100,000
 *     random mapped VAs translated by xenpt_translate_batch() (map calls
 *     per batch: at most one per paging level) against one at a time;
 *  3. the xenpt CLI: `xenpt --stats dump DOM` (and `dump --tables`) when the
 *     binary has dump, under the ioctl-counting shim: the process's real
 *     privcmd map ioctls;
 *  4. xen-mfndump dump-ptes DOM MFN for every page-table frame (one process
 *     each, one map of the PT page each by design, plus its P2M/type setup),
 *     under the shim;
 *  5. xen-mfndump lookup-pte for N sample MFNs (each scans every page-table
 *     frame: one map per PT page) against one `xenpt rmap --mfn ...` with
 *     the same N frames, under the shim.
 *
 * Prints "# measure:" lines and a summary; the target is at most one map
 * call per 512 table frames for xenpt.  Figures only: exit 0 unless
 * something could not run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

#include "util.h"

static const char *xenpt = "xenpt", *shim = NULL;
static char counts_path[64];

struct counts {
	unsigned long procs, batch, frames, hcall, domctl;
};

/* Run a command line under the shim; add its counts; wall time in *secs. */
static bool counted(const char *cmdline, struct counts *c, double *secs, struct lt_run *keep)
{
	char cmd[4096], line[256];
	struct lt_run r;
	FILE *f;
	bool good;

	unlink(counts_path);
	snprintf(cmd, sizeof(cmd), "XENPT_IOCTL_COUNT=%s LD_PRELOAD=%s %s", counts_path, shim, cmdline);
	{
		char *argv[] = { "sh", "-c", cmd, NULL };

		lt_run_argv(argv, 600, LT_CAPTURE, &r);
	}
	good = r.status != -1 && !r.timed_out;
	*secs += r.secs;
	f = fopen(counts_path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long b, fr, h, d, res, mu;
		int pid;

		if (sscanf(line, "ioctls pid=%d mmapbatch=%lu frames=%lu hypercall=%lu domctl=%lu "
			   "mmap_resource=%lu munmap=%lu", &pid, &b, &fr, &h, &d, &res, &mu) == 7) {
			c->procs++;
			c->batch += b;
			c->frames += fr;
			c->hcall += h;
			c->domctl += d;
		}
	}
	if (f)
		fclose(f);
	else
		good = false;
	if (keep)
		*keep = r;
	else
		lt_run_free(&r);
	return good;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool check(const char *what, struct xenpt_error *err)
{
	if (!err)
		return true;
	printf("bench_live: %s: %s\n", what, xenpt_error_message(err));
	xenpt_error_destroy(err);
	return false;
}

/*
 * xenpt_translate_batch() on the live source: up to BATCH_VAS mapped 4K
 * pages of vCPU 0's address space (random offsets), translated from cold
 * caches as one batch, then one at a time, then again as a batch through
 * a translation cache.  Map calls from the frame cache's statistics; the
 * target is at most one per paging level (4) for the whole batch.
 */
#define BATCH_VAS 100000u

static void batch_measure(struct xenpt_source *src, const struct xenpt_aspace *as)
{
	xenpt_va_t *vas = malloc(BATCH_VAS * sizeof(*vas));
	struct xenpt_xlate *res = malloc(BATCH_VAS * sizeof(*res)), one;
	struct xenpt_xlate_cache *cache = NULL;
	struct xenpt_cache_stats a, b, c, d;
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_pt_range rg;
	uint64_t n = 0, mapped = 0, differ = 0, i, seed = 0x9e3779b97f4a7c15ull, pages = 0;
	double t0, t_batch, t_single, t_cached;
	bool done = false;

	if (!vas || !res || !check("iterator", xenpt_pt_iter_create(src, as, 0, UINT64_MAX, &it)))
		goto out;
	/* every mapped 4K page, kept by reservoir sampling */
	while (check("iterator", xenpt_pt_iter_next(it, &rg, &done)) && !done) {
		uint64_t va;

		if (rg.kind != XENPT_RANGE_MAPPED)
			continue;
		for (va = rg.start & ~0xfffull; va <= rg.end && va >= (rg.start & ~0xfffull); va += 4096) {
			uint64_t k;

			seed ^= seed >> 12;
			seed ^= seed << 25;
			seed ^= seed >> 27;
			k = (seed * 0x2545f4914f6cdd1dull) % ++pages;
			if (n < BATCH_VAS)
				vas[n++] = xenpt_va(va | ((seed >> 20) & 0xff8));
			else if (k < BATCH_VAS)
				vas[k] = xenpt_va(va | ((seed >> 20) & 0xff8));
			if (va + 4096 < va)
				break;
		}
	}
	xenpt_pt_iter_destroy(it);
	if (!n)
		goto out;
	xenpt_source_cache_flush(src);
	xenpt_source_cache_stats(src, &a);
	t0 = lt_now();
	if (!check("batch", xenpt_translate_batch(src, NULL, as, vas, n, res)))
		goto out;
	t_batch = lt_now() - t0;
	xenpt_source_cache_stats(src, &b);
	for (i = 0; i < n; i++)
		mapped += res[i].end == XENPT_WALK_MAPPED;
	xenpt_source_cache_flush(src);
	xenpt_source_cache_stats(src, &c);
	t0 = lt_now();
	for (i = 0; i < n; i++) {
		if (!check("translate", xenpt_translate(src, NULL, as, vas[i], &one)))
			goto out;
		differ += one.end != res[i].end || one.addr != res[i].addr ||
			  one.writable != res[i].writable || one.nx != res[i].nx;
	}
	t_single = lt_now() - t0;
	xenpt_source_cache_stats(src, &d);
	lt_measure("xenpt_translate_batch of %" PRIu64 " VAs of vCPU 0 (%" PRIu64 " mapped), cold caches: "
		   "%" PRIu64 " map calls for %" PRIu64 " frames (target: at most 4, one per level), %.1f ms; "
		   "one at a time: %" PRIu64 " map calls, %.1f ms; answers differing: %" PRIu64,
		   n, mapped, b.map_calls - a.map_calls, b.frames_mapped - a.frames_mapped, t_batch * 1e3,
		   d.map_calls - c.map_calls, t_single * 1e3, differ);
	if (!check("translation cache", xenpt_xlate_cache_create(1u << 20, &cache)) ||
	    !check("batch", xenpt_translate_batch(src, cache, as, vas, n, res)))
		goto out;
	xenpt_source_cache_stats(src, &a);
	t0 = lt_now();
	if (!check("batch", xenpt_translate_batch(src, cache, as, vas, n, res)))
		goto out;
	t_cached = lt_now() - t0;
	xenpt_source_cache_stats(src, &b);
	for (i = 0, mapped = 0; i < n; i++)
		mapped += res[i].cached;
	lt_measure("the same batch again through a warm translation cache: %" PRIu64 " of %" PRIu64
		   " from the cache, %" PRIu64 " map calls, %.1f ms (%.1f ns per VA)", mapped, n,
		   b.map_calls - a.map_calls, t_cached * 1e3, t_cached * 1e9 / (double)n);
out:
	xenpt_xlate_cache_destroy(cache);
	free(vas);
	free(res);
}

int main(int argc, char **argv)
{
	const char *dom = NULL;
	unsigned lookups = 4, rounds = 5, i, r;
	struct xenpt_source *src = NULL;
	const struct xenpt_domain_info *info;
	struct xenpt_aspace as;
	xenpt_gfn_t *gfns = NULL;
	xenpt_mfn_t *mfns = NULL;
	uint64_t *raw = NULL, *pt = NULL, size, n_pt = 0, n_pt_as = 0;
	xenpt_page_type_t *types = NULL;
	unsigned census[5] = { 0 };
	double t_iter[16], t_primed[16], t_dump = 0, t_tables = 0, t_ptes = 0, t_lookup = 0, t_rmap = 0;
	double t_audit = 0;
	struct counts c_audit = { 0 };
	bool have_audit = false;
	uint64_t iter_calls = 0, iter_frames = 0, iter_ranges = 0, iter_tables = 0;
	uint64_t primed_calls = 0, primed_frames = 0;
	struct counts c_dump = { 0 }, c_tables = { 0 }, c_ptes = { 0 }, c_lookup = { 0 }, c_rmap = { 0 };
	bool have_dump = false, have_rmap = false;
	char cmd[8192];
	int rc = 1;

	for (i = 1; i < (unsigned)argc; i++) {
		if (!strcmp(argv[i], "--pv") && i + 1 < (unsigned)argc)
			dom = argv[++i];
		else if (!strcmp(argv[i], "--xenpt") && i + 1 < (unsigned)argc)
			xenpt = argv[++i];
		else if (!strcmp(argv[i], "--shim") && i + 1 < (unsigned)argc)
			shim = argv[++i];
		else if (!strcmp(argv[i], "--lookups") && i + 1 < (unsigned)argc)
			lookups = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < (unsigned)argc)
			rounds = (unsigned)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s --pv DOM --xenpt PATH --shim SO [--lookups N] [--rounds N]\n",
				argv[0]);
			return 2;
		}
	}
	if (!dom || !shim || rounds < 1 || rounds > 16) {
		fprintf(stderr, "%s: --pv, --shim needed; --rounds 1-16\n", argv[0]);
		return 2;
	}
	snprintf(counts_path, sizeof(counts_path), "/tmp/xenpt-bench-counts.%d", (int)getpid());

	{
		struct lt_run cr;

		lt_runf(&cr, 30, LT_CAPTURE, "%s __complete commands", xenpt);
		have_dump = strstr(cr.out, "dump\n") != NULL;
		have_rmap = strstr(cr.out, "rmap\n") != NULL;
		have_audit = strstr(cr.out, "audit\n") != NULL;
		lt_run_free(&cr);
	}

	// ---- 1. the work set: every page-table frame by Xen's type ----------------
	if (!check("open", xenpt_source_open_xen(dom, XENPT_OPEN_PAUSE, &src)))
		goto out;
	info = xenpt_source_domain(src);
	size = info->p2m_size;
	gfns = malloc(size * sizeof(*gfns));
	mfns = malloc(size * sizeof(*mfns));
	raw = malloc(size * sizeof(*raw));
	pt = malloc(size * sizeof(*pt));
	types = malloc(size);
	if (!gfns || !mfns || !raw || !pt || !types)
		goto out;
	for (i = 0; i < size; i++) {
		gfns[i] = xenpt_gfn(i);
		raw[i] = i;
	}
	if (!check("p2m", xenpt_source_p2m(src, gfns, size, mfns)) ||
	    !check("page types", xenpt_source_page_types(src, XENPT_SPACE_GFN, raw, size, types)))
		goto out;
	for (i = 0; i < size; i++) {
		unsigned t = types[i] & 7;

		if (types[i] < XENPT_PT_BROKEN && t >= XENPT_PT_L1 && t <= XENPT_PT_L4) {
			pt[n_pt++] = xenpt_mfn_x(mfns[i]);
			census[t]++;
		}
	}
	lt_measure("%s: %" PRIu64 " pages, %" PRIu64 " page-table frames by Xen's type "
		   "(L4 %u, L3 %u, L2 %u, L1 %u, every process's tables)", xenpt_source_describe(src), size,
		   n_pt, census[4], census[3], census[2], census[1]);

	// ---- 2. the library iterator over vCPU 0's address space -------------------
	if (!check("aspace", xenpt_aspace_from_vcpu(src, 0, false, &as)))
		goto out;
	for (r = 0; r < rounds; r++) {
		struct xenpt_cache_stats a, b;
		struct xenpt_pt_iter *it = NULL;
		uint64_t *seen = malloc(size * sizeof(*seen)), n_seen = 0, ranges = 0;
		double t0;
		bool done = false;

		xenpt_source_cache_flush(src);
		xenpt_source_cache_stats(src, &a);
		t0 = lt_now();
		if (!seen || !check("iterator", xenpt_pt_iter_create(src, &as, 0, UINT64_MAX, &it))) {
			free(seen);
			goto out;
		}
		while (!done) {
			struct xenpt_pt_range rg;

			if (!check("iterator", xenpt_pt_iter_next(it, &rg, &done))) {
				xenpt_pt_iter_destroy(it);
				free(seen);
				goto out;
			}
			if (done)
				break;
			ranges++;
			if (n_seen < size && (rg.kind != XENPT_RANGE_NON_CANONICAL))
				seen[n_seen++] = rg.table;
		}
		xenpt_pt_iter_destroy(it);
		t_iter[r] = lt_now() - t0;
		xenpt_source_cache_stats(src, &b);
		iter_calls = b.map_calls - a.map_calls;
		iter_frames = b.frames_mapped - a.frames_mapped;
		iter_ranges = ranges;
		qsort(seen, n_seen, sizeof(*seen), cmp_u64);
		for (i = 0, iter_tables = 0; i < n_seen; i++)
			iter_tables += !i || seen[i] != seen[i - 1];
		free(seen);
	}
	qsort(t_iter, rounds, sizeof(double), cmp_double);
	n_pt_as = iter_frames;
	lt_measure("libxenpt range iterator, vCPU 0 kernel L4, whole VA space: %" PRIu64 " ranges, %" PRIu64
		   " tables deciding them, %" PRIu64 " foreign-map calls for %" PRIu64 " frames (%.1f frames/call);"
		   " median of %u rounds %.2f ms, min %.2f ms", iter_ranges, iter_tables, iter_calls,
		   iter_frames, iter_calls ? (double)iter_frames / iter_calls : 0, rounds,
		   t_iter[rounds / 2] * 1e3, t_iter[0] * 1e3);

	// The same walk after ONE batched read of every typed page-table frame
	// (what a walker can do when the source knows page types: live PV).
	for (r = 0; r < rounds; r++) {
		struct xenpt_cache_stats a, b;
		struct xenpt_pt_iter *it = NULL;
		const uint8_t **pages = malloc(n_pt * sizeof(*pages));
		int *errs = malloc(n_pt * sizeof(*errs));
		double t0;
		bool done = false;

		xenpt_source_cache_flush(src);
		xenpt_source_cache_stats(src, &a);
		t0 = lt_now();
		if (!pages || !errs ||
		    !check("prefetch", xenpt_source_get_frames(src, XENPT_SPACE_MFN, pt, n_pt, pages, errs)) ||
		    !check("iterator", xenpt_pt_iter_create(src, &as, 0, UINT64_MAX, &it))) {
			free(pages);
			free(errs);
			goto out;
		}
		while (!done) {
			struct xenpt_pt_range rg;

			if (!check("iterator", xenpt_pt_iter_next(it, &rg, &done)))
				break;
		}
		xenpt_pt_iter_destroy(it);
		t_primed[r] = lt_now() - t0;
		xenpt_source_cache_stats(src, &b);
		primed_calls = b.map_calls - a.map_calls;
		primed_frames = b.frames_mapped - a.frames_mapped;
		free(pages);
		free(errs);
	}
	qsort(t_primed, rounds, sizeof(double), cmp_double);
	lt_measure("libxenpt range iterator after one batched read of all %" PRIu64 " typed page-table frames: "
		   "%" PRIu64 " foreign-map calls for %" PRIu64 " frames; median %.2f ms, min %.2f ms", n_pt,
		   primed_calls, primed_frames, t_primed[rounds / 2] * 1e3, t_primed[0] * 1e3);
	xenpt_source_cache_flush(src);

	// ---- 2b. translation: one batch against one address at a time --------------
	batch_measure(src, &as);
	xenpt_source_cache_flush(src);

	// ---- 3. the CLI: xenpt dump --------------------------------------------------
	if (have_dump) {
		struct lt_run dr;
		const char *s;
		unsigned long calls = 0, frames = 0;

		snprintf(cmd, sizeof(cmd), "%s --stats dump %s >/dev/null", xenpt, dom);
		counted(cmd, &c_dump, &t_dump, &dr);
		s = strstr(dr.err, " misses, ");
		if (s)
			sscanf(s + 9, "%lu batch reads (%lu frames", &calls, &frames);
		lt_measure("xenpt --stats dump (whole address space, ptdump style): %.0f ms wall; privcmd map "
			   "ioctls %lu for %lu frames (%.1f frames/call), %lu hypercalls (%lu domctl); frame "
			   "cache says: %lu batch reads, %lu frames", t_dump * 1e3, c_dump.batch, c_dump.frames,
			   c_dump.batch ? (double)c_dump.frames / c_dump.batch : 0, c_dump.hcall, c_dump.domctl,
			   calls, frames);
		{
			char *nl = strchr(dr.err, '\n');

			if (nl)
				*nl = '\0';
			lt_note("  xenpt dump says: %s", dr.err);
		}
		lt_run_free(&dr);
		snprintf(cmd, sizeof(cmd), "%s --stats dump --tables %s >/dev/null", xenpt, dom);
		counted(cmd, &c_tables, &t_tables, NULL);
		lt_measure("xenpt --stats dump --tables (every table frame): %.0f ms wall; privcmd map ioctls "
			   "%lu for %lu frames", t_tables * 1e3, c_tables.batch, c_tables.frames);
	} else {
		lt_note("this xenpt has no dump command: CLI figures skipped");
	}

	// ---- 3b. the CLI: xenpt audit ------------------------------------------------
	// Page types of the whole P2M through getpageframeinfo3 (one domctl per
	// 1024 frames), the tables in the batched reads dump uses.
	if (have_audit) {
		snprintf(cmd, sizeof(cmd), "%s --pause audit %s >/dev/null", xenpt, dom);
		counted(cmd, &c_audit, &t_audit, NULL);
		lt_measure("xenpt audit (types of all %" PRIu64 " P2M frames, every table, every check): %.0f ms "
			   "wall; privcmd map ioctls %lu for %lu frames; %lu hypercalls, %lu domctl "
			   "(getpageframeinfo3 needs %" PRIu64 " at 1024 frames per call, plus the domain's "
			   "info and vCPU contexts)", info->p2m_size, t_audit * 1e3, c_audit.batch,
			   c_audit.frames, c_audit.hcall, c_audit.domctl, (info->p2m_size + 1023) / 1024);
	} else {
		lt_note("this xenpt has no audit command: audit figures skipped");
	}

	// ---- 4. xen-mfndump dump-ptes over every page-table frame -------------------
	for (i = 0; i < n_pt; i++) {
		snprintf(cmd, sizeof(cmd), "xen-mfndump dump-ptes %u 0x%" PRIx64 " >/dev/null 2>&1",
			 info->domid, pt[i]);
		counted(cmd, &c_ptes, &t_ptes, NULL);
	}
	lt_measure("xen-mfndump dump-ptes x %" PRIu64 " (every page-table frame, one process each): %.0f ms "
		   "wall (%.1f ms each); privcmd map ioctls %lu for %lu frames (%.1f per process: the PT page "
		   "plus its P2M setup), %lu hypercalls (%lu domctl)", n_pt, t_ptes * 1e3,
		   n_pt ? t_ptes * 1e3 / n_pt : 0, c_ptes.batch, c_ptes.frames,
		   c_ptes.procs ? (double)c_ptes.batch / c_ptes.procs : 0, c_ptes.hcall, c_ptes.domctl);

	// ---- 5. lookup-pte for sample MFNs vs one xenpt rmap ------------------------
	if (lookups > n_pt)
		lookups = (unsigned)n_pt;
	{
		size_t len = 0;

		for (i = 0; i < lookups; i++) {
			uint64_t m = pt[(i * n_pt) / (lookups ? lookups : 1)];

			snprintf(cmd, sizeof(cmd), "xen-mfndump lookup-pte %u 0x%" PRIx64 " >/dev/null 2>&1",
				 info->domid, m);
			counted(cmd, &c_lookup, &t_lookup, NULL);
			len += (size_t)snprintf(cmd + 4096 + len, 4096 - len, " --mfn 0x%" PRIx64, m);
		}
		lt_measure("xen-mfndump lookup-pte x %u sample page-table MFNs: %.0f ms wall (%.0f ms each); "
			   "privcmd map ioctls %lu for %lu frames (%.0f per lookup: one per PT page)", lookups,
			   t_lookup * 1e3, lookups ? t_lookup * 1e3 / lookups : 0, c_lookup.batch,
			   c_lookup.frames, lookups ? (double)c_lookup.batch / lookups : 0);
		if (have_rmap && lookups) {
			char line[4200];
			unsigned k;

			// The same question for all of them at once, over every pinned L4.
			snprintf(line, sizeof(line), "%s rmap%s", xenpt, cmd + 4096);
			for (k = 0; k < size; k++)
				if ((types[k] & 0xf) == (XENPT_PT_L4 | XENPT_PT_PINNED) &&
				    strlen(line) + 40 < sizeof(line))
					snprintf(line + strlen(line), sizeof(line) - strlen(line), " --cr3 0x%" PRIx64,
						 xenpt_mfn_x(mfns[k]) << 12);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s >/dev/null", dom);
			counted(line, &c_rmap, &t_rmap, NULL);
			lt_measure("xenpt rmap of the same %u MFNs, every pinned L4 as a root, one process: %.0f ms "
				   "wall; privcmd map ioctls %lu for %lu frames", lookups, t_rmap * 1e3,
				   c_rmap.batch, c_rmap.frames);
		}
	}

	// ---- summary -------------------------------------------------------------------
	printf("\n# bench_live summary (%s, %" PRIu64 " page-table frames by type, %" PRIu64
	       " in vCPU 0's address space):\n", xenpt_source_describe(src), n_pt, n_pt_as);
	printf("#   %-44s %10s %12s %10s %14s\n", "full walk of the page tables", "wall ms", "map calls",
	       "frames", "frames/call");
	printf("#   %-44s %10.1f %12" PRIu64 " %10" PRIu64 " %14.1f\n", "libxenpt iterator (median)",
	       t_iter[rounds / 2] * 1e3, iter_calls, iter_frames,
	       iter_calls ? (double)iter_frames / iter_calls : 0);
	printf("#   %-44s %10.1f %12" PRIu64 " %10" PRIu64 " %14.1f\n", "libxenpt iterator, typed PT prefetch",
	       t_primed[rounds / 2] * 1e3, primed_calls, primed_frames,
	       primed_calls ? (double)primed_frames / primed_calls : 0);
	if (have_dump)
		printf("#   %-44s %10.1f %12lu %10lu %14.1f\n", "xenpt dump (process, shim count)", t_dump * 1e3,
		       c_dump.batch, c_dump.frames, c_dump.batch ? (double)c_dump.frames / c_dump.batch : 0);
	if (have_audit)
		printf("#   %-44s %10.1f %12lu %10lu %14.1f\n", "xenpt audit (process, shim count)", t_audit * 1e3,
		       c_audit.batch, c_audit.frames, c_audit.batch ? (double)c_audit.frames / c_audit.batch : 0);
	printf("#   %-44s %10.1f %12lu %10lu %14.1f\n", "xen-mfndump dump-ptes x every PT frame", t_ptes * 1e3,
	       c_ptes.batch, c_ptes.frames, c_ptes.batch ? (double)c_ptes.frames / c_ptes.batch : 0);
	printf("#   %-44s %10.1f %12lu %10lu %14.1f\n", "xen-mfndump lookup-pte x sample", t_lookup * 1e3,
	       c_lookup.batch, c_lookup.frames, c_lookup.batch ? (double)c_lookup.frames / c_lookup.batch : 0);
	if (have_rmap && lookups)
		printf("#   %-44s %10.1f %12lu %10lu %14.1f\n", "xenpt rmap, same sample (process)", t_rmap * 1e3,
		       c_rmap.batch, c_rmap.frames, c_rmap.batch ? (double)c_rmap.frames / c_rmap.batch : 0);
	{
		uint64_t best = have_dump ? c_dump.batch : iter_calls;
		uint64_t frames = have_dump ? c_dump.frames : iter_frames;
		uint64_t target = (frames + 511) / 512;

		printf("# ratios: xen-mfndump dump-ptes / xenpt %s: wall %.0fx, map calls %.0fx\n",
		       have_dump ? "dump" : "iterator",
		       (have_dump ? t_dump : t_iter[rounds / 2]) > 0
		       ? t_ptes / (have_dump ? t_dump : t_iter[rounds / 2]) : 0,
		       best ? (double)c_ptes.batch / best : 0);
		if (have_rmap && lookups && c_rmap.batch)
			printf("# ratios: xen-mfndump lookup-pte x %u / xenpt rmap: wall %.0fx, map calls %.0fx\n",
			       lookups, t_rmap > 0 ? t_lookup / t_rmap : 0, (double)c_lookup.batch / c_rmap.batch);
		printf("# target: at most one map call per 512 table frames: xenpt %s used %" PRIu64
		       " calls for %" PRIu64 " frames (target <= %" PRIu64 "): %s\n",
		       have_dump ? "dump" : "iterator", best, frames, target, best <= target ? "MET" : "MISSED");
		printf("# target: libxenpt iterator %" PRIu64 " calls, with the typed prefetch %" PRIu64
		       " calls, for %" PRIu64 " table frames (target <= %" PRIu64 "): %s / %s\n", iter_calls,
		       primed_calls, n_pt_as, (n_pt_as + 511) / 512,
		       iter_calls <= (n_pt_as + 511) / 512 ? "MET" : "MISSED",
		       primed_calls <= (n_pt + 511) / 512 ? "MET" : "MISSED");
	}
	rc = 0;
out:
	xenpt_source_close(src);
	unlink(counts_path);
	free(gfns);
	free(mfns);
	free(raw);
	free(pt);
	free(types);
	return rc;
}
