/* SPDX-License-Identifier: MIT */
/*
 * Live tests of the xen source (lib/source/src_xen.c) against real Xen.  Runs in
 * dom0 as root; tests/live/run.sh builds it, starts the domains and runs it
 * (directly on a dom0, or through xenlab).
 *
 *	live_source [--pv DOM] [--pvh DOM] [--gone NAME] [--core] [--pvh-core]
 *
 * DOM is a domain id or name.  --pv: a booted 64-bit PV domU (the xenlab
 * Linux one); --pvh: a booted PVH domU; --gone: a domain this test may
 * destroy (run.sh creates one paused); --core: compare the PV domU with an
 * `xl dump-core` of it taken in the same pause (in /tmp); --pvh-core: the
 * same for the PVH domU (slow under TCG: minutes).
 *
 * The oracles are Xen's own tools, run in the same pause: `xl list`,
 * `xl info`, `xen-mfndump dump-p2m`, `xl dump-core`.  Prints one line per
 * check ("ok - ..." / "FAIL - ..."), measurements as "# measure: ...", and
 * "N passed, N failed" at the end; exits 1 if anything failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

/* lib/source/src_xen.c test hook (hidden symbol, reachable when linking libxenpt.a). */
struct xenpt_error *xenpt_xen_reload_p2m(struct xenpt_source *src, int how,
					 uint64_t *map_calls_ret);

static unsigned n_passed, n_failed, n_skipped;
static bool verbose;

static void report(bool good, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(bool good, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s", good ? "ok" : "FAIL", name);
	if (fmt && *fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	if (good)
		n_passed++;
	else
		n_failed++;
}

static void skip(const char *name, const char *why)
{
	printf("skip - %s: %s\n", name, why);
	n_skipped++;
}

static void measure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void measure(const char *fmt, ...)
{
	va_list ap;

	printf("# measure: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* An error is expected to be NULL; report it and free it. */
static bool check_ok(const char *name, struct xenpt_error *err)
{
	if (!err)
		return true;
	report(false, name, "%s (%s)", xenpt_error_message(err),
	       xenpt_error_code_name(xenpt_error_code(err)));
	xenpt_error_destroy(err);
	return false;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The last message a source logged at warning level (<= 0, as the CLI reads it). */
static char last_warning[1024];

static void log_cb(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level <= 0)
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
	if (verbose)
		printf("# log[%d]: %s\n", level, msg);
}

/* Run a shell command; its stdout as a malloc'd string (NULL on failure). */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *run(const char *fmt, ...)
{
	char cmd[512], *buf = NULL;
	size_t len = 0, cap = 0, got;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *n;

			cap = cap ? cap * 2 : 65536;
			n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		if (!got)
			break;
		len += got;
	}
	st = pclose(f);
	if (!buf || st != 0) {
		if (verbose)
			printf("# command failed (status %d): %s\n", st, cmd);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static struct xenpt_source *open_dom(const char *name, const char *dom, unsigned flags)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err = xenpt_source_open_xen(dom, flags, &src);

	if (!check_ok(name, err))
		return NULL;
	xenpt_source_set_log(src, log_cb, NULL);
	return src;
}

/* One domain's state as xenpt_xen_list_domains() sees it now. */
static bool list_state(uint32_t domid, struct xenpt_domain_info *ret)
{
	struct xenpt_domain_info *doms = NULL;
	size_t n = 0, i;
	bool found = false;
	struct xenpt_error *err = xenpt_xen_list_domains(&doms, &n);

	memset(ret, 0, sizeof(*ret));
	if (err) {
		xenpt_error_destroy(err);
		return false;
	}
	for (i = 0; i < n; i++)
		if (doms[i].domid == domid) {
			*ret = doms[i];
			found = true;
		}
	free(doms);
	return found;
}

/* ---- xl list ------------------------------------------------------------- */

/*
 * One comparison of xenpt_xen_list_domains() with `xl list`: true if they
 * agree.  Other users of the host may create or destroy domains in
 * between, so the caller tries again; differences are printed only when
 * @print.
 */
static bool compare_list(bool print, size_t *n_ret, unsigned *bad_ret)
{
	struct xenpt_domain_info *doms = NULL;
	size_t n = 0, i, xl_n = 0;
	unsigned bad = 0;
	char *out, *line, *save = NULL;
	struct xenpt_error *err;

	err = xenpt_xen_list_domains(&doms, &n);
	if (err) {
		if (print)
			printf("#   xenpt_xen_list_domains: %s\n", xenpt_error_message(err));
		xenpt_error_destroy(err);
		*bad_ret = 1;
		return false;
	}
	out = run("xl list");
	if (!out) {
		free(doms);
		*bad_ret = 1;
		return false;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], state[16];
		unsigned id, vcpus;
		unsigned long mem;
		const struct xenpt_domain_info *d = NULL;

		if (sscanf(line, "%127s %u %lu %u %15s", name, &id, &mem, &vcpus, state) != 5)
			continue;   // header
		xl_n++;
		for (i = 0; i < n; i++)
			if (doms[i].domid == id)
				d = &doms[i];
		if (!d) {
			if (print)
				printf("#   xl list has domain %u (%s), xenpt does not\n", id, name);
			bad++;
			continue;
		}
		// xl list: (current_memkb + outstanding_memkb) / 1024, current_memkb
		// = tot_pages * 4 (libxl_domain_info).
		// A domain half created or half destroyed has no name in xenstore:
		// xl prints "(null)", xenpt "".
		if ((strcmp(d->name, name) && !(!strcmp(name, "(null)") && !d->name[0])) ||
		    d->nr_online_vcpus != vcpus ||
		    (d->tot_pages * 4 / 1024 != mem && d->tot_pages * 4 / 1024 + 1 != mem) ||
		    d->paused != (state[2] == 'p') ||
		    d->shutdown != (state[3] == 's' || state[4] == 'c') ||
		    d->dying != (state[5] == 'd')) {
			if (print)
				printf("#   domain %u: xl says name %s mem %lu MiB vcpus %u state %s; "
				       "xenpt says name %s tot_pages 0x%" PRIx64 " online vcpus %u "
				       "paused %d shutdown %d dying %d\n", id, name, mem, vcpus, state,
				       d->name, d->tot_pages, d->nr_online_vcpus, d->paused,
				       d->shutdown, d->dying);
			bad++;
		}
	}
	free(out);
	free(doms);
	if (xl_n != n) {
		if (print)
			printf("#   xl list shows %zu domains, xenpt %zu\n", xl_n, n);
		bad++;
	}
	*n_ret = n;
	*bad_ret = bad;
	return bad == 0;
}

/* dom0's entry and the Xen version, against `xl info`. */
static void test_list_fields(void)
{
	struct xenpt_domain_info *doms = NULL;
	size_t n = 0, i;
	char *info, ver[64] = "";
	const char *want_ver = NULL;

	if (!check_ok("list: xenpt_xen_list_domains", xenpt_xen_list_domains(&doms, &n)))
		return;
	info = run("xl info");
	if (info) {
		char *p = strstr(info, "xen_version"), *q = strstr(info, "xen_extra");
		unsigned maj = 0, min = 0;
		char extra[32] = "";

		if (p && sscanf(p, "xen_version : %u.%u", &maj, &min) == 2 && q &&
		    sscanf(q, "xen_extra : %31s", extra) >= 0) {
			snprintf(ver, sizeof(ver), "%u.%u%s", maj, min, extra);
			want_ver = ver;
		}
		free(info);
	}
	for (i = 0; i < n; i++)
		if (doms[i].domid == 0)
			break;
	report(i < n && !strcmp(doms[i].name, "Domain-0") && !doms[i].hvm &&
	       doms[i].guest_width == 8 && doms[i].pt_levels == 4 && doms[i].max_mfn > 0 &&
	       doms[i].p2m_size > 0, "list: dom0 present",
	       "name '%s', width %u, max_mfn 0x%" PRIx64 ", p2m_size 0x%" PRIx64,
	       i < n ? doms[i].name : "", i < n ? doms[i].guest_width : 0,
	       i < n ? doms[i].max_mfn : 0, i < n ? doms[i].p2m_size : 0);
	report(n && want_ver && !strcmp(doms[0].xen_version, want_ver), "list: xen_version",
	       "xenpt '%s', xl info '%s'", n ? doms[0].xen_version : "", want_ver ? want_ver : "?");
	free(doms);
}

static void test_list(void)
{
	size_t n = 0;
	unsigned bad = 0, attempt;
	bool same = false;

	for (attempt = 0; attempt < 3 && !same; attempt++)
		same = compare_list(attempt == 2, &n, &bad);
	report(same, "list: matches xl list", "%zu domains, %u differences", n, bad);
	test_list_fields();
}

/* ---- shared helpers for PV ----------------------------------------------- */

static unsigned type_census[16];

/* The P2M and page types of every PFN, from the source. */
static bool pv_p2m_and_types(struct xenpt_source *src, uint64_t size, xenpt_mfn_t **mfns_ret,
			     xenpt_page_type_t **types_ret)
{
	xenpt_gfn_t *gfns = malloc(size * sizeof(*gfns));
	uint64_t *raw = malloc(size * sizeof(*raw));
	xenpt_mfn_t *mfns = malloc(size * sizeof(*mfns));
	xenpt_page_type_t *types = malloc(size);
	bool good = false;
	uint64_t i;

	if (!gfns || !raw || !mfns || !types)
		goto out;
	for (i = 0; i < size; i++) {
		gfns[i] = xenpt_gfn(i);
		raw[i] = i;
	}
	if (!check_ok("pv: p2m of every pfn", xenpt_source_p2m(src, gfns, size, mfns)))
		goto out;
	if (!check_ok("pv: page types of every pfn",
		      xenpt_source_page_types(src, XENPT_SPACE_GFN, raw, size, types)))
		goto out;
	*mfns_ret = mfns;
	*types_ret = types;
	mfns = NULL;
	types = NULL;
	good = true;
out:
	free(gfns);
	free(raw);
	free(mfns);
	free(types);
	return good;
}

/* Compare the source's P2M and types with `xen-mfndump dump-p2m`. */
static void compare_mfndump(uint32_t domid, uint64_t size, const xenpt_mfn_t *mfns,
			    const xenpt_page_type_t *types)
{
	char *out = run("xen-mfndump dump-p2m %u 2>/dev/null", domid);
	char *line, *save = NULL;
	uint64_t lines = 0, mfn_bad = 0, type_bad = 0, dump_size = 0;
	double t0;

	if (!out) {
		report(false, "pv: xen-mfndump dump-p2m", "could not run it");
		return;
	}
	t0 = now_s();
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long pfn, mfn, type;
		const char *s = strstr(line, "P2M size: = ");

		if (s) {
			dump_size = strtoull(s + 12, NULL, 10);
			continue;
		}
		if (sscanf(line, " pfn=0x%lx ==> mfn=0x%lx (type 0x%lx)", &pfn, &mfn, &type) != 3)
			continue;
		lines++;
		if (pfn >= size) {
			mfn_bad++;
			continue;
		}
		if (xenpt_mfn_x(mfns[pfn]) != (uint64_t)mfn) {
			if (mfn_bad++ < 5)
				printf("#   pfn 0x%lx: xen-mfndump mfn 0x%lx, xenpt mfn 0x%" PRIx64 "\n",
				       pfn, mfn, xenpt_mfn_x(mfns[pfn]));
		}
		if (types[pfn] != type) {
			if (type_bad++ < 5)
				printf("#   pfn 0x%lx: xen-mfndump type 0x%lx, xenpt type 0x%x (%s)\n",
				       pfn, type, types[pfn], xenpt_page_type_name(types[pfn]));
		}
	}
	free(out);
	(void)t0;
	report(dump_size == size && lines == size, "pv: p2m size equals xen-mfndump's",
	       "xen-mfndump %" PRIu64 " (%" PRIu64 " lines), xenpt %" PRIu64, dump_size, lines, size);
	report(lines && mfn_bad == 0, "pv: p2m equals xen-mfndump dump-p2m entry by entry",
	       "%" PRIu64 " entries, %" PRIu64 " mfn mismatches", lines, mfn_bad);
	report(lines && type_bad == 0, "pv: page types equal xen-mfndump's",
	       "%" PRIu64 " entries, %" PRIu64 " type mismatches", lines, type_bad);
}

/* Copy frames out of the cache's pointers (valid only until the next read). */
static int read_copy(struct xenpt_source *src, enum xenpt_space space, const uint64_t *frames,
		     size_t n, uint8_t *dst, int *errs, struct xenpt_error **err_ret)
{
	const uint8_t **pages = calloc(n, sizeof(*pages));
	size_t i;
	int bad = 0;

	*err_ret = NULL;
	if (!pages)
		return -1;
	*err_ret = xenpt_source_get_frames(src, space, frames, n, pages, errs);
	if (*err_ret) {
		free(pages);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pages[i])
			memcpy(dst + i * XENPT_PAGE_SIZE, pages[i], XENPT_PAGE_SIZE);
		else
			bad++;
	}
	free(pages);
	return bad;
}

/* The MFNs of every page-table frame (typed L1..L4, pinned or not). */
static size_t pt_frames(uint64_t size, const xenpt_mfn_t *mfns, const xenpt_page_type_t *types,
			uint64_t **pfns_ret, uint64_t **mfns_ret)
{
	uint64_t *pf = malloc(size * sizeof(*pf)), *mf = malloc(size * sizeof(*mf));
	size_t n = 0;
	uint64_t i;

	for (i = 0; pf && mf && i < size; i++) {
		unsigned t = types[i] & 7;

		if (types[i] >= XENPT_PT_BROKEN || t < XENPT_PT_L1 || t > XENPT_PT_L4)
			continue;
		pf[n] = i;
		mf[n++] = xenpt_mfn_x(mfns[i]);
	}
	*pfns_ret = pf;
	*mfns_ret = mf;
	return n;
}

/* The sample used for frame comparisons: every PT frame plus every 127th PFN. */
static size_t sample_pfns(uint64_t size, const uint64_t *pt_pfns, size_t n_pt, uint64_t **ret)
{
	uint64_t *s = malloc((n_pt + size / 127 + 1) * sizeof(*s));
	size_t n = 0, i;
	uint64_t p;

	if (!s)
		return 0;
	for (i = 0; i < n_pt; i++)
		s[n++] = pt_pfns[i];
	for (p = 0; p < size; p += 127)
		s[n++] = p;
	*ret = s;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define ROUNDS 5

/*
 * Page-table frames: one batched read versus one call per frame, each
 * repeated ROUNDS times from a flushed cache (the median is reported; the
 * first round also pays for first-touching the cache's memory).
 */
static void measure_pt_reads(struct xenpt_source *src, const uint64_t *pt_mfns, size_t n_pt)
{
	struct xenpt_cache_stats a, b;
	uint8_t *buf = malloc((n_pt ? n_pt : 1) * XENPT_PAGE_SIZE);
	int *errs = calloc(n_pt ? n_pt : 1, sizeof(*errs));
	struct xenpt_error *err;
	double t0, t_batch[ROUNDS], t_single[ROUNDS];
	uint64_t calls_b = 0, mapped_b = 0, calls_s = 0, mapped_s = 0;
	size_t i;
	int bad = 0, bad1 = 0, r;

	if (!buf || !errs || !n_pt) {
		report(false, "pv: page-table frames", "none found");
		goto out;
	}
	for (r = 0; r < ROUNDS; r++) {
		xenpt_source_cache_flush(src);
		xenpt_source_cache_stats(src, &a);
		t0 = now_s();
		bad = read_copy(src, XENPT_SPACE_MFN, pt_mfns, n_pt, buf, errs, &err);
		t_batch[r] = now_s() - t0;
		xenpt_source_cache_stats(src, &b);
		if (!check_ok("pv: read all page-table frames", err))
			goto out;
		calls_b = b.map_calls - a.map_calls;
		mapped_b = b.frames_mapped - a.frames_mapped;
	}
	report(bad == 0 && calls_b <= (n_pt + 1023) / 1024, "pv: all page-table frames in one batch",
	       "%zu frames, %" PRIu64 " map calls, %" PRIu64 " frames mapped, %d unreadable", n_pt,
	       calls_b, mapped_b, bad);

	for (r = 0; r < ROUNDS; r++) {
		xenpt_source_cache_flush(src);
		xenpt_source_cache_stats(src, &a);
		t0 = now_s();
		for (i = 0; i < n_pt; i++) {
			const uint8_t *page;

			err = xenpt_source_get_frame(src, XENPT_SPACE_MFN, pt_mfns[i], &page);
			if (err) {
				bad1++;
				xenpt_error_destroy(err);
			} else if (memcmp(page, buf + i * XENPT_PAGE_SIZE, XENPT_PAGE_SIZE)) {
				bad1++;
			}
		}
		t_single[r] = now_s() - t0;
		xenpt_source_cache_stats(src, &b);
		calls_s = b.map_calls - a.map_calls;
		mapped_s = b.frames_mapped - a.frames_mapped;
	}
	report(bad1 == 0 && calls_s == n_pt, "pv: page-table frames one call per frame equal the batch",
	       "%" PRIu64 " map calls, %d differ or failed", calls_s, bad1);
	qsort(t_batch, ROUNDS, sizeof(double), cmp_double);
	qsort(t_single, ROUNDS, sizeof(double), cmp_double);
	measure("PV page-table frames (all L1-L4 frames by type), batched: %zu frames, %" PRIu64
		" foreign-map call(s), %" PRIu64 " frames mapped; median of %d rounds %.2f ms "
		"(%.1f us/frame), min %.2f ms, max %.2f ms", n_pt, calls_b, mapped_b, ROUNDS,
		t_batch[ROUNDS / 2] * 1e3, t_batch[ROUNDS / 2] * 1e6 / n_pt, t_batch[0] * 1e3,
		t_batch[ROUNDS - 1] * 1e3);
	measure("PV page-table frames, one call per frame: %zu frames, %" PRIu64
		" foreign-map calls, %" PRIu64 " frames mapped; median %.2f ms (%.1f us/frame), "
		"min %.2f ms; batched is %.1fx faster (median)", n_pt, calls_s, mapped_s,
		t_single[ROUNDS / 2] * 1e3, t_single[ROUNDS / 2] * 1e6 / n_pt, t_single[0] * 1e3,
		t_single[ROUNDS / 2] / t_batch[ROUNDS / 2]);
	xenpt_source_cache_flush(src);
out:
	free(buf);
	free(errs);
}

/* getpageframeinfo3 timing: whole P2M in 1024-frame batches versus 1 frame. */
static void measure_types(struct xenpt_source *src, uint64_t size, const xenpt_mfn_t *mfns)
{
	uint64_t *raw = malloc(size * sizeof(*raw));
	xenpt_page_type_t *types = malloc(size);
	double t0, t_all, t_one;
	uint64_t i, batches = (size + 1023) / 1024;
	unsigned reps = 64;

	if (!raw || !types)
		goto out;
	for (i = 0; i < size; i++)
		raw[i] = xenpt_mfn_x(mfns[i]);
	t0 = now_s();
	if (!check_ok("pv: page types by mfn", xenpt_source_page_types(src, XENPT_SPACE_MFN, raw,
								       size, types)))
		goto out;
	t_all = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < reps; i++)
		xenpt_error_destroy(xenpt_source_page_types(src, XENPT_SPACE_MFN, raw + i, 1,
							    types + i));
	t_one = (now_s() - t0) / reps;
	measure("page types: %" PRIu64 " frames in %" PRIu64 " batches of <=1024: %.1f ms, "
		"%.0f us per 1024-frame batch; 1-frame call %.0f us (%.0fx cheaper per frame batched)",
		size, batches, t_all * 1e3, t_all * 1e6 / batches, t_one * 1e6,
		t_one * 1024 / (t_all / batches));
out:
	free(raw);
	free(types);
}

/* Compare a live source with a core file of the same (paused) domain. */
static void compare_core(const char *tag, struct xenpt_source *live, const uint64_t *pfns,
			 size_t n, const char *core_path)
{
	struct xenpt_source *core = NULL;
	struct xenpt_error *err;
	uint8_t *a = malloc((n ? n : 1) * XENPT_PAGE_SIZE), *b = malloc((n ? n : 1) * XENPT_PAGE_SIZE);
	int *ea = calloc(n ? n : 1, sizeof(int)), *eb = calloc(n ? n : 1, sizeof(int));
	struct xenpt_vcpu *vl = malloc(sizeof(*vl)), *vc = malloc(sizeof(*vc));
	char name[96];
	size_t i, differ = 0, unreadable = 0, compared = 0;
	int ra, rb;

	snprintf(name, sizeof(name), "%s: open the dump-core", tag);
	err = xenpt_source_open_core(core_path, &core);
	if (!check_ok(name, err))
		goto out;
	snprintf(name, sizeof(name), "%s: dump-core vCPU 0 equals live", tag);
	if (!xenpt_source_vcpu(live, 0, vl) && !xenpt_source_vcpu(core, 0, vc))
		report(vl->cr3 == vc->cr3 && vl->regs.rip == vc->regs.rip &&
		       vl->regs.rsp == vc->regs.rsp, name,
		       "cr3 0x%" PRIx64 "/0x%" PRIx64 ", rip 0x%" PRIx64 "/0x%" PRIx64,
		       vl->cr3, vc->cr3, vl->regs.rip, vc->regs.rip);
	else
		report(false, name, "cannot read vCPU 0 from both");

	ra = read_copy(live, XENPT_SPACE_GFN, pfns, n, a, ea, &err);
	snprintf(name, sizeof(name), "%s: live frames by pfn", tag);
	if (!check_ok(name, err))
		goto out;
	rb = read_copy(core, XENPT_SPACE_GFN, pfns, n, b, eb, &err);
	snprintf(name, sizeof(name), "%s: dump-core frames by pfn", tag);
	if (!check_ok(name, err))
		goto out;
	for (i = 0; i < n; i++) {
		if (ea[i] || eb[i]) {
			if (!!ea[i] != !!eb[i])
				unreadable++;
			continue;
		}
		compared++;
		if (memcmp(a + i * XENPT_PAGE_SIZE, b + i * XENPT_PAGE_SIZE, XENPT_PAGE_SIZE)) {
			if (differ++ < 5)
				printf("#   %s: pfn/gfn 0x%" PRIx64 " differs between live and dump-core\n",
				       tag, pfns[i]);
		}
	}
	snprintf(name, sizeof(name), "%s: live equals dump-core frame by frame", tag);
	report(compared && differ == 0 && unreadable == 0, name,
	       "%zu sampled, %zu compared, %zu differ, %zu readable on one side only "
	       "(live unreadable %d, core unreadable %d)", n, compared, differ, unreadable, ra, rb);
out:
	xenpt_source_close(core);
	free(a);
	free(b);
	free(ea);
	free(eb);
	free(vl);
	free(vc);
}

/* ---- PV ------------------------------------------------------------------- */

static void test_pv(const char *dom, bool do_core)
{
	struct xenpt_source *src = open_dom("pv: open paused", dom, XENPT_OPEN_PAUSE);
	const struct xenpt_domain_info *info;
	struct xenpt_shared_info si;
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_domain_info now;
	xenpt_mfn_t *mfns = NULL;
	xenpt_page_type_t *types = NULL, t3, t1 = XENPT_PT_NONE;
	uint64_t *pt_pfn = NULL, *pt_mfn = NULL, *sample = NULL, *smfn = NULL, size, i;
	uint8_t *a = NULL, *b = NULL;
	int *ea = NULL, *eb = NULL;
	size_t n_pt = 0, n_s = 0, differ = 0, failed_reads = 0;
	struct xenpt_error *err;
	unsigned caps, want;
	char desc[128];
	uint32_t domid;
	bool listed;

	if (!src || !v)
		goto out;
	info = xenpt_source_domain(src);
	domid = info->domid;
	caps = xenpt_source_caps(src);
	want = XENPT_CAP_LIVE | XENPT_CAP_VCPU | XENPT_CAP_MFN_FRAMES | XENPT_CAP_GFN_FRAMES |
	       XENPT_CAP_P2M | XENPT_CAP_M2P | XENPT_CAP_PAGE_TYPES | XENPT_CAP_SHARED_INFO;
	snprintf(desc, sizeof(desc), "domain %u (%s)", domid, info->name);
	report(!info->hvm && info->guest_width == 8 && info->pt_levels == 4 && info->paused &&
	       !info->running && info->nr_vcpus >= 1 && info->tot_pages > 0 &&
	       info->max_gfn + 1 == info->p2m_size && info->max_mfn > 0 &&
	       !strcmp(xenpt_source_describe(src), desc),
	       "pv: domain info", "%s: width %u, levels %u, paused %d, running %d, tot_pages 0x%" PRIx64
	       ", max_gfn 0x%" PRIx64 ", p2m_size 0x%" PRIx64 ", max_mfn 0x%" PRIx64
	       ", shared_info mfn 0x%" PRIx64, xenpt_source_describe(src), info->guest_width,
	       info->pt_levels, info->paused, info->running, info->tot_pages, info->max_gfn,
	       info->p2m_size, info->max_mfn, info->shared_info_frame);
	report((caps & want) == want && !(caps & XENPT_CAP_STABLE), "pv: caps",
	       "0x%x (want 0x%x, not STABLE)", caps, want);
	listed = list_state(domid, &now);
	report(listed && now.paused, "pv: XENPT_OPEN_PAUSE paused it", "%s",
	       now.paused ? "paused" : "not paused");

	if (check_ok("pv: shared_info", xenpt_source_shared_info(src, &si)))
		report(si.max_pfn == info->p2m_size && (si.p2m_cr3 || si.pfn_to_mfn_frame_list_list),
		       "pv: shared_info publishes the P2M",
		       "max_pfn 0x%" PRIx64 ", fll mfn 0x%" PRIx64 ", p2m_cr3 0x%" PRIx64
		       ", p2m_vaddr 0x%" PRIx64 ", generation %" PRIu64, si.max_pfn,
		       si.pfn_to_mfn_frame_list_list, si.p2m_cr3, si.p2m_vaddr, si.p2m_generation);

	if (check_ok("pv: vCPU 0", xenpt_source_vcpu(src, 0, v))) {
		uint64_t cr3_mfn = v->cr3 >> 12, user_mfn = v->user_cr3 >> 12;

		xenpt_error_destroy(xenpt_source_page_types(src, XENPT_SPACE_MFN, &cr3_mfn, 1, &t3));
		if (v->user_cr3)
			xenpt_error_destroy(xenpt_source_page_types(src, XENPT_SPACE_MFN, &user_mfn,
								    1, &t1));
		report(v->cr3 && t3 == (XENPT_PT_L4 | XENPT_PT_PINNED) &&
		       (!v->user_cr3 || t1 == (XENPT_PT_L4 | XENPT_PT_PINNED)) && v->online &&
		       v->regs.rip >= 0xffff800000000000ull && !v->efer_known,
		       "pv: vCPU 0 CR3 is a pinned L4",
		       "cr3 0x%" PRIx64 " (mfn 0x%" PRIx64 ", type %s), user cr3 0x%" PRIx64
		       " (type %s), rip 0x%" PRIx64 ", online %d, flags 0x%" PRIx64, v->cr3, cr3_mfn,
		       xenpt_page_type_name(t3), v->user_cr3,
		       v->user_cr3 ? xenpt_page_type_name(t1) : "-", v->regs.rip, v->online, v->flags);
		report(v->traps[14].address >= 0xffff800000000000ull && v->traps[14].vector == 14,
		       "pv: vCPU 0 has a #PF handler in trap_ctxt[14]", "address 0x%" PRIx64 " cs 0x%x",
		       v->traps[14].address, v->traps[14].cs);
	}
	err = xenpt_source_vcpu(src, info->nr_vcpus, v);
	report(err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND, "pv: vCPU beyond the last is NOT_FOUND",
	       "%s", err ? xenpt_error_message(err) : "succeeded");
	xenpt_error_destroy(err);

	size = info->p2m_size;
	if (!pv_p2m_and_types(src, size, &mfns, &types))
		goto out;
	memset(type_census, 0, sizeof(type_census));
	for (i = 0; i < size; i++)
		type_census[types[i] & 0xf]++;
	printf("# page-type census (by pfn):");
	for (i = 0; i < 16; i++)
		if (type_census[i])
			printf(" %s=%u", xenpt_page_type_name((xenpt_page_type_t)i), type_census[i]);
	putchar('\n');
	compare_mfndump(domid, size, mfns, types);

	{	// Both P2M layouts Linux publishes give the same table.
		static const char *const how_name[] = { "auto", "linear list", "frame-list tree" };
		xenpt_gfn_t *gfns = malloc(size * sizeof(*gfns));
		xenpt_mfn_t *again = malloc(size * sizeof(*again));
		uint64_t calls = 0, differ2;
		int how;

		for (how = 1; gfns && again && how <= 2; how++) {
			char name[96];
			double t0 = now_s();

			snprintf(name, sizeof(name), "pv: p2m from the %s", how_name[how]);
			err = xenpt_xen_reload_p2m(src, how, &calls);
			if (!check_ok(name, err))
				continue;
			measure("P2M read from the %s: %" PRIu64 " foreign-map calls, %.2f ms",
				how_name[how], calls, (now_s() - t0) * 1e3);
			for (i = 0; i < size; i++)
				gfns[i] = xenpt_gfn(i);
			differ2 = 0;
			if (check_ok(name, xenpt_source_p2m(src, gfns, size, again)))
				for (i = 0; i < size; i++)
					differ2 += !xenpt_mfn_eq(again[i], mfns[i]);
			report(differ2 == 0, name, "%" PRIu64 " entries differ from the first read",
			       differ2);
		}
		check_ok("pv: p2m reload", xenpt_xen_reload_p2m(src, 0, NULL));
		free(gfns);
		free(again);
	}

	{	// M2P: Xen's table answers the inverse of the guest's P2M.
		xenpt_gfn_t *back = malloc(size * sizeof(*back));
		uint64_t bad = 0, valid = 0;

		if (back && check_ok("pv: m2p", xenpt_source_m2p(src, mfns, size, back))) {
			for (i = 0; i < size; i++) {
				if (!xenpt_mfn_valid(mfns[i]))
					continue;
				valid++;
				if (xenpt_gfn_x(back[i]) != i)
					bad++;
			}
			report(valid && !bad, "pv: m2p(p2m(pfn)) == pfn", "%" PRIu64 " valid entries, %"
			       PRIu64 " disagree", valid, bad);
		}
		free(back);
	}

	// Frames by PFN (P2M then map by MFN) and by MFN are the same bytes.
	n_pt = pt_frames(size, mfns, types, &pt_pfn, &pt_mfn);
	n_s = sample_pfns(size, pt_pfn, n_pt, &sample);
	smfn = malloc((n_s ? n_s : 1) * sizeof(*smfn));
	a = malloc((n_s ? n_s : 1) * XENPT_PAGE_SIZE);
	b = malloc((n_s ? n_s : 1) * XENPT_PAGE_SIZE);
	ea = calloc(n_s ? n_s : 1, sizeof(int));
	eb = calloc(n_s ? n_s : 1, sizeof(int));
	if (!smfn || !a || !b || !ea || !eb)
		goto out;
	for (i = 0; i < n_s; i++)
		smfn[i] = xenpt_mfn_x(mfns[sample[i]]);
	xenpt_source_cache_flush(src);
	if (read_copy(src, XENPT_SPACE_GFN, sample, n_s, a, ea, &err) < 0 ||
	    read_copy(src, XENPT_SPACE_MFN, smfn, n_s, b, eb, &err) < 0) {
		check_ok("pv: frames by pfn and by mfn", err);
	} else {
		for (i = 0; i < n_s; i++) {
			if (ea[i] || eb[i]) {
				failed_reads++;
				continue;
			}
			if (memcmp(a + i * XENPT_PAGE_SIZE, b + i * XENPT_PAGE_SIZE, XENPT_PAGE_SIZE))
				differ++;
		}
		report(!failed_reads && !differ, "pv: frames read by pfn equal frames read by mfn",
		       "%zu frames (%zu page tables), %zu failed, %zu differ", n_s, n_pt,
		       failed_reads, differ);
	}

	{	// Bad frame numbers fail per frame, with a reason.
		uint64_t badf[2] = { info->max_mfn + 5, XENPT_INVALID_FRAME };
		const uint8_t *pg[2];
		int e[2];

		err = xenpt_source_get_frames(src, XENPT_SPACE_MFN, badf, 2, pg, e);
		report(!err && !pg[0] && !pg[1] && e[0] == ERANGE, "pv: mfn beyond the host is ERANGE",
		       "errs %d %d: %s", e[0], e[1], xenpt_source_frame_strerror(src, e[0]));
		xenpt_error_destroy(err);
	}

	{	// A walk of vCPU 0's RIP through the live tables.
		struct xenpt_aspace as;
		struct xenpt_walk w;

		if (check_ok("pv: aspace of vCPU 0", xenpt_aspace_from_vcpu(src, 0, false, &as)) &&
		    check_ok("pv: walk vCPU 0 rip", xenpt_walk_va(src, &as, xenpt_va(v->regs.rip), &w)))
			report(w.end == XENPT_WALK_MAPPED && w.frame_other < size &&
			       xenpt_mfn_x(mfns[w.frame_other]) == w.frame,
			       "pv: walk of vCPU 0 rip", "%s at L%u, mfn 0x%" PRIx64 " pfn 0x%" PRIx64,
			       xenpt_walk_end_name(w.end), w.end_level, w.frame, w.frame_other);
	}

	measure_pt_reads(src, pt_mfn, n_pt);
	measure_types(src, size, mfns);

	if (do_core) {
		char path[128], *out;
		double t0 = now_s();

		snprintf(path, sizeof(path), "/tmp/xenpt-live-%u.core", domid);
		// The domain stays paused by our source while xl dumps it.
		out = run("xl dump-core %u %s 2>&1 && echo dumped", domid, path);
		if (!out || !strstr(out, "dumped")) {
			report(false, "pv: xl dump-core", "%s", out ? out : "failed");
		} else {
			measure("xl dump-core of the PV domU: %.1f s", now_s() - t0);
			compare_core("pv", src, sample, n_s, path);
		}
		free(out);
		unlink(path);
	}

	// Last: the signal path unpauses once; close must not unpause again.
	xenpt_source_signal_cleanup(src);
	listed = list_state(domid, &now);
	report(listed && !now.paused, "pv: signal_cleanup unpaused it", "%s",
	       now.paused ? "still paused" : "running");
	xenpt_source_signal_cleanup(src);
	xenpt_source_close(src);
	src = NULL;
	listed = list_state(domid, &now);
	report(listed && !now.paused && !now.dying,
	       "pv: close after signal_cleanup leaves it running", "%s",
	       now.paused ? "paused" : "running");
out:
	xenpt_source_close(src);
	free(v);
	free(mfns);
	free(types);
	free(pt_pfn);
	free(pt_mfn);
	free(sample);
	free(smfn);
	free(a);
	free(b);
	free(ea);
	free(eb);
}

/* A PV domain opened without PAUSE says that it is running. */
static void test_pv_unpaused(const char *dom)
{
	struct xenpt_source *src = open_dom("pv: open running", dom, 0);
	const struct xenpt_domain_info *info;
	struct xenpt_domain_info now;

	uint32_t domid;
	bool listed;

	if (!src)
		return;
	info = xenpt_source_domain(src);
	domid = info->domid;
	report(info->running && !info->paused, "pv: unpaused source reports running",
	       "running %d, paused %d", info->running, info->paused);
	xenpt_source_close(src);
	listed = list_state(domid, &now);
	report(listed && !now.paused, "pv: closing an unpaused source leaves it running",
	       "%s", now.paused ? "paused" : "running");
}

/* ---- PVH ------------------------------------------------------------------ */

static void test_pvh(const char *dom, bool do_core)
{
	struct xenpt_source *src = open_dom("pvh: open paused", dom, XENPT_OPEN_PAUSE);
	const struct xenpt_domain_info *info;
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_shared_info si;
	struct xenpt_error *err;
	unsigned caps;
	uint32_t domid;

	if (!src || !v)
		goto out;
	info = xenpt_source_domain(src);
	domid = info->domid;
	caps = xenpt_source_caps(src);
	report(info->hvm && info->hap && info->guest_width == 8 && info->pt_levels == 4 &&
	       info->paused && info->p2m_size == info->max_gfn + 1 && info->max_gfn > 0,
	       "pvh: domain info", "%s: hvm %d hap %d width %u levels %u max_gfn 0x%" PRIx64
	       " p2m_size 0x%" PRIx64 " shared_info gfn 0x%" PRIx64, xenpt_source_describe(src),
	       info->hvm, info->hap, info->guest_width, info->pt_levels, info->max_gfn,
	       info->p2m_size, info->shared_info_frame);
	report((caps & XENPT_CAP_GFN_FRAMES) && !(caps & XENPT_CAP_MFN_FRAMES) &&
	       !(caps & XENPT_CAP_P2M) && (caps & XENPT_CAP_VCPU) && (caps & XENPT_CAP_PAGE_TYPES),
	       "pvh: caps", "0x%x", caps);

	if (check_ok("pvh: vCPU 0", xenpt_source_vcpu(src, 0, v))) {
		uint64_t root = (v->cr3 & XENPT_PTE_ADDR_MASK) >> 12, gbad[3];
		xenpt_page_type_t t[3];
		const uint8_t *page;
		unsigned present = 0, k;

		report(v->efer_known && (v->efer & (1u << 10)) && (v->cr0 & (1ull << 31)) &&
		       (v->cr4 & (1u << 5)) && v->cr3, "pvh: vCPU 0 is in long mode (EFER.LMA)",
		       "cr0 0x%" PRIx64 " cr3 0x%" PRIx64 " cr4 0x%" PRIx64 " efer 0x%" PRIx64
		       " rip 0x%" PRIx64, v->cr0, v->cr3, v->cr4, v->efer, v->regs.rip);
		err = xenpt_source_get_frame(src, XENPT_SPACE_GFN, root, &page);
		if (check_ok("pvh: read the CR3 root by gfn", err)) {
			for (k = 0; k < 512; k++) {
				uint64_t e;

				memcpy(&e, page + 8 * k, 8);
				present += e & 1;
			}
			report(present > 0, "pvh: CR3 root has present entries", "gfn 0x%" PRIx64
			       ": %u present", root, present);
		}
		gbad[0] = root;
		gbad[1] = info->max_gfn + 1;
		gbad[2] = 0x1000;
		if (check_ok("pvh: page types by gfn",
			     xenpt_source_page_types(src, XENPT_SPACE_GFN, gbad, 3, t)))
			report(t[0] == XENPT_PT_NONE && t[1] == XENPT_PT_XTAB && t[2] == XENPT_PT_NONE,
			       "pvh: page types by gfn", "root %s, beyond max %s, gfn 0x1000 %s",
			       xenpt_page_type_name(t[0]), xenpt_page_type_name(t[1]),
			       xenpt_page_type_name(t[2]));
	}

	{
		uint64_t g[3] = { 0x1000, info->max_gfn + 1, 0xe0000 };
		const uint8_t *pg[3];
		int e[3];

		err = xenpt_source_get_frames(src, XENPT_SPACE_GFN, g, 3, pg, e);
		report(!err && pg[0] && !pg[1] && e[1] == ERANGE && !pg[2] && e[2],
		       "pvh: per-frame errors", "gfn 0x1000 %s; max+1: %s; hole 0xe0000: %s",
		       pg[0] ? "read" : "failed", xenpt_source_frame_strerror(src, e[1]),
		       xenpt_source_frame_strerror(src, e[2]));
		xenpt_error_destroy(err);
		err = xenpt_source_get_frames(src, XENPT_SPACE_MFN, g, 1, pg, e);
		report(err && xenpt_error_code(err) == XENPT_ERR_UNSUPPORTED,
		       "pvh: reading by mfn is unsupported", "%s",
		       err ? xenpt_error_message(err) : "succeeded");
		xenpt_error_destroy(err);
	}
	check_ok("pvh: shared_info", xenpt_source_shared_info(src, &si));

	{
		struct xenpt_aspace as;
		struct xenpt_walk w;

		if (check_ok("pvh: aspace of vCPU 0", xenpt_aspace_from_vcpu(src, 0, false, &as)) &&
		    check_ok("pvh: walk vCPU 0 rip", xenpt_walk_va(src, &as, xenpt_va(v->regs.rip), &w)))
			report(w.end == XENPT_WALK_MAPPED && as.space == XENPT_SPACE_GFN,
			       "pvh: walk of vCPU 0 rip", "%s at L%u, gfn 0x%" PRIx64 ", %u steps",
			       xenpt_walk_end_name(w.end), w.end_level, w.frame, w.nsteps);
	}

	if (do_core) {
		char path[128], *out;
		uint64_t g[64];
		unsigned k;
		double t0 = now_s();

		snprintf(path, sizeof(path), "/tmp/xenpt-live-%u.core", domid);
		out = run("xl dump-core %u %s 2>&1 && echo dumped", domid, path);
		if (!out || !strstr(out, "dumped")) {
			report(false, "pvh: xl dump-core", "%s", out ? out : "failed");
		} else {
			measure("xl dump-core of the PVH domU: %.1f s", now_s() - t0);
			for (k = 0; k < 64; k++)
				g[k] = (uint64_t)k * 0x1ff;   // spread over the 0x8000 RAM GFNs
			compare_core("pvh", src, g, 64, path);
		}
		free(out);
		unlink(path);
	}
	xenpt_source_close(src);
	src = NULL;
	{
		struct xenpt_domain_info now;
		bool listed = list_state(domid, &now);

		report(listed && !now.paused, "pvh: close unpaused it", "%s",
		       now.paused ? "still paused" : "running");
	}
out:
	xenpt_source_close(src);
	free(v);
}

/* ---- dom0 itself (mapped as DOMID_SELF) ----------------------------------- */

static void test_dom0(void)
{
	struct xenpt_source *src = NULL;
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_error *err;
	const struct xenpt_domain_info *info;
	xenpt_gfn_t gfns[64];
	xenpt_mfn_t mfns[64];
	uint64_t pf[64], mf[64];
	uint8_t *a = malloc(64 * XENPT_PAGE_SIZE), *b = malloc(64 * XENPT_PAGE_SIZE);
	int ea[64], eb[64];
	unsigned k, differ = 0, unread = 0;

	err = xenpt_source_open_xen("0", XENPT_OPEN_PAUSE, &src);
	report(err && xenpt_error_code(err) == XENPT_ERR_INVALID_ARG, "dom0: pausing it is refused",
	       "%s", err ? xenpt_error_message(err) : "paused dom0!");
	xenpt_error_destroy(err);
	xenpt_source_close(src);
	src = open_dom("dom0: open", "0", 0);
	if (!src || !v || !a || !b)
		goto out;
	info = xenpt_source_domain(src);
	report(!strcmp(xenpt_source_describe(src), "domain 0 (Domain-0)") && info->running &&
	       (xenpt_source_caps(src) & XENPT_CAP_P2M), "dom0: info",
	       "%s, caps 0x%x, p2m_size 0x%" PRIx64, xenpt_source_describe(src),
	       xenpt_source_caps(src), info->p2m_size);
	err = xenpt_source_vcpu(src, 0, v);
	if (info->nr_vcpus == 1)
		report(err && xenpt_error_code(err) == XENPT_ERR_UNSUPPORTED,
		       "dom0: its only vCPU (the caller) has no context", "%s",
		       err ? xenpt_error_message(err) : "got one");
	xenpt_error_destroy(err);
	{	// Classify the whole P2M: dom0's has holes (~0) and Linux's
		// identity entries (bit 62) for the e820 holes.
		uint64_t n = info->p2m_size, i, inval = 0, flagged = 0, good = 0;
		xenpt_gfn_t *all = malloc(n * sizeof(*all));
		xenpt_mfn_t *m = malloc(n * sizeof(*m));

		for (i = 0; all && i < n; i++)
			all[i] = xenpt_gfn(i);
		if (all && m && check_ok("dom0: p2m", xenpt_source_p2m(src, all, n, m))) {
			for (i = 0; i < n; i++) {
				uint64_t x = xenpt_mfn_x(m[i]);

				if (x == XENPT_INVALID_FRAME)
					inval++;
				else if (x >= info->max_mfn)
					flagged++;
				else if (good < 64 && i % 97 == 0)
					gfns[good++] = xenpt_gfn(i);
			}
			printf("# dom0 p2m: 0x%" PRIx64 " entries: %" PRIu64 " invalid (~0), %" PRIu64
			       " beyond the host (Linux identity/foreign flags)\n", n, inval, flagged);
		}
		free(all);
		free(m);
		if (good < 64) {
			report(false, "dom0: p2m sample", "only %" PRIu64 " valid entries", good);
			goto out;
		}
	}
	// Its own frames, mapped as DOMID_SELF: by PFN and by MFN alike.
	if (!check_ok("dom0: p2m", xenpt_source_p2m(src, gfns, 64, mfns)))
		goto out;
	for (k = 0; k < 64; k++) {
		pf[k] = xenpt_gfn_x(gfns[k]);
		mf[k] = xenpt_mfn_x(mfns[k]);
	}
	if (read_copy(src, XENPT_SPACE_GFN, pf, 64, a, ea, &err) < 0 ||
	    read_copy(src, XENPT_SPACE_MFN, mf, 64, b, eb, &err) < 0) {
		check_ok("dom0: frames", err);
		goto out;
	}
	for (k = 0; k < 64; k++) {
		if (ea[k] || eb[k]) {
			unread++;
			continue;
		}
		// dom0 runs while we read: compare only pages that do not change
		// between the two reads (most of them).
		differ += !!memcmp(a + k * XENPT_PAGE_SIZE, b + k * XENPT_PAGE_SIZE, XENPT_PAGE_SIZE);
	}
	report(unread == 0 && differ < 8, "dom0: own frames by pfn equal frames by mfn",
	       "64 sampled, %u unreadable, %u changed between reads", unread, differ);
out:
	xenpt_source_close(src);
	free(v);
	free(a);
	free(b);
}

/* ---- a domain destroyed while we look ------------------------------------ */

static void test_gone(const char *name)
{
	struct xenpt_source *src = open_dom("gone: open", name, 0);
	const struct xenpt_domain_info *info;
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_error *err;
	const uint8_t *page;
	uint64_t cr3_mfn = 0;
	xenpt_page_type_t t = 0;
	char idbuf[16], *out;
	unsigned caps;

	if (!src || !v)
		goto out;
	info = xenpt_source_domain(src);
	caps = xenpt_source_caps(src);
	snprintf(idbuf, sizeof(idbuf), "%u", info->domid);
	report(!info->hvm && info->paused && !(caps & XENPT_CAP_P2M) &&
	       (caps & XENPT_CAP_MFN_FRAMES) && !(caps & XENPT_CAP_GFN_FRAMES),
	       "gone: a never-run PV domain has no P2M but can be read by mfn",
	       "%s paused %d caps 0x%x", xenpt_source_describe(src), info->paused, caps);
	last_warning[0] = '\0';
	err = xenpt_source_vcpu(src, 0, v);
	report(strstr(last_warning, "no P2M") && strstr(last_warning, "walks still work"),
	       "gone: the missing P2M is reported through the log callback", "\"%s\"",
	       last_warning);
	if (check_ok("gone: vCPU 0 before", err)) {
		cr3_mfn = v->cr3 >> 12;
		xenpt_error_destroy(xenpt_source_page_types(src, XENPT_SPACE_MFN, &cr3_mfn, 1, &t));
		report(cr3_mfn && t == (XENPT_PT_L4 | XENPT_PT_PINNED),
		       "gone: builder CR3 is a pinned L4", "cr3 mfn 0x%" PRIx64 " %s", cr3_mfn,
		       xenpt_page_type_name(t));
		check_ok("gone: read the CR3 frame before", xenpt_source_get_frame(src, XENPT_SPACE_MFN,
										   cr3_mfn, &page));
		{
			struct xenpt_aspace as;
			struct xenpt_walk w;

			if (check_ok("gone: aspace", xenpt_aspace_from_vcpu(src, 0, false, &as)) &&
			    check_ok("gone: walk", xenpt_walk_va(src, &as, xenpt_va(v->regs.rip), &w)))
				report(w.end == XENPT_WALK_MAPPED,
				       "gone: walk of the entry point without a P2M",
				       "rip 0x%" PRIx64 ": %s, mfn 0x%" PRIx64 " pfn 0x%" PRIx64 " (M2P)",
				       v->regs.rip, xenpt_walk_end_name(w.end), w.frame, w.frame_other);
		}
	}
	out = run("xl destroy %s 2>&1 && echo destroyed", idbuf);
	report(out && strstr(out, "destroyed"), "gone: xl destroy", "%s", out ? "" : "failed");
	free(out);

	xenpt_source_cache_flush(src);
	err = xenpt_source_get_frame(src, XENPT_SPACE_MFN, cr3_mfn, &page);
	report(err && xenpt_error_code(err) == XENPT_ERR_GONE, "gone: frame read after destroy is GONE",
	       "%s", err ? xenpt_error_message(err) : "succeeded");
	xenpt_error_destroy(err);
	err = xenpt_source_vcpu(src, 0, v);
	report(err && xenpt_error_code(err) == XENPT_ERR_GONE, "gone: vCPU read after destroy is GONE",
	       "%s", err ? xenpt_error_message(err) : "succeeded");
	xenpt_error_destroy(err);
	err = xenpt_source_page_types(src, XENPT_SPACE_MFN, &cr3_mfn, 1, &t);
	report(err && xenpt_error_code(err) == XENPT_ERR_GONE, "gone: page types after destroy is GONE",
	       "%s", err ? xenpt_error_message(err) : "succeeded");
	xenpt_error_destroy(err);
	xenpt_source_close(src);
	src = NULL;

	err = xenpt_source_open_xen(name, 0, &src);
	report(err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND && strstr(xenpt_error_message(err), name),
	       "gone: reopening by name is NOT_FOUND", "%s", err ? xenpt_error_message(err) : "opened");
	xenpt_error_destroy(err);
	err = xenpt_source_open_xen(idbuf, 0, &src);
	report(err && (xenpt_error_code(err) == XENPT_ERR_NOT_FOUND ||
		       xenpt_error_code(err) == XENPT_ERR_GONE), "gone: reopening by id is NOT_FOUND or GONE",
	       "%s", err ? xenpt_error_message(err) : "opened");
	xenpt_error_destroy(err);
out:
	xenpt_source_close(src);
	free(v);
}

static void test_errors(void)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	err = xenpt_source_open_xen("no-such-domain-xenpt", 0, &src);
	report(err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND, "errors: unknown name",
	       "%s", err ? xenpt_error_message(err) : "opened");
	xenpt_error_destroy(err);
	err = xenpt_source_open_xen("32000", 0, &src);
	report(err && xenpt_error_code(err) == XENPT_ERR_NOT_FOUND, "errors: unknown id",
	       "%s", err ? xenpt_error_message(err) : "opened");
	xenpt_error_destroy(err);
	err = xenpt_source_open_xen("65535", 0, &src);
	report(err && xenpt_error_code(err) == XENPT_ERR_INVALID_ARG, "errors: reserved id",
	       "%s", err ? xenpt_error_message(err) : "opened");
	xenpt_error_destroy(err);
	xenpt_source_close(src);
}

int main(int argc, char **argv)
{
	const char *pv = NULL, *pvh = NULL, *gone = NULL;
	bool core = false, pvh_core = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pv") && i + 1 < argc)
			pv = argv[++i];
		else if (!strcmp(argv[i], "--pvh") && i + 1 < argc)
			pvh = argv[++i];
		else if (!strcmp(argv[i], "--gone") && i + 1 < argc)
			gone = argv[++i];
		else if (!strcmp(argv[i], "--core"))
			core = true;
		else if (!strcmp(argv[i], "--pvh-core"))
			pvh_core = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [-v] [--pv DOM] [--pvh DOM] [--gone NAME] [--core] "
				"[--pvh-core]\n", argv[0]);
			return 2;
		}
	}
	if (!xenpt_have_xen()) {
		printf("libxenpt was built without libxen-dev\n0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	test_list();
	test_errors();
	test_dom0();
	if (pv) {
		test_pv(pv, core);
		test_pv_unpaused(pv);
	} else {
		skip("pv", "no --pv domain");
	}
	if (pvh)
		test_pvh(pvh, pvh_core);
	else
		skip("pvh", "no --pvh domain");
	if (gone)
		test_gone(gone);
	else
		skip("gone", "no --gone domain");
	printf("%u passed, %u failed, %u skipped\n", n_passed, n_failed, n_skipped);
	return n_failed ? 1 : 0;
}
