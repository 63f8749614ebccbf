/* SPDX-License-Identifier: MIT */
/*
 * The `xl dump-core` reader (lib/source/src_core.c) and writer (lib/source/core_write.c).
 *
 * Oracles: the real xenlab fixture checked against the xen-mfndump listing
 * taken from the live domain (an independent program reading Xen, not the
 * file), the fixture's own bytes read with pread(), the layout xg_core.c
 * writes (the fixture's section headers), readelf, and for written cores
 * the descriptions the tests built themselves.
 */
#include "fake_source.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenpt/core.h>
#include <xenpt/p2m.h>
#include <xenpt/source.h>

#include "source/core_internal.h"
#include "source/source_int.h"
#include "xen/xen_abi.h"

#define PAGE 4096u
#define MARKER "XENLAB-DOMU-MARKER-"
#define INV UINT64_MAX

/* ---- helpers ------------------------------------------------------------ */

static const char *fixture(const char *name)
{
	static char buf[2][1024];
	static unsigned slot;
	char *p = buf[slot++ % 2];

	snprintf(p, sizeof(buf[0]), "%s/fixtures/%s", test_build_dir(), name);
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static bool spit(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok = fd >= 0 && (len == 0 || write(fd, buf, len) == (ssize_t)len);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* A test-side section finder (the base files are trusted: we wrote them). */
static uint8_t *shdr_of(uint8_t *buf, const char *name)
{
	uint64_t shoff = rd64(buf + 40);
	uint16_t shnum, shstrndx;
	const uint8_t *strtab;
	unsigned i;

	memcpy(&shnum, buf + 60, 2);
	memcpy(&shstrndx, buf + 62, 2);
	strtab = buf + rd64(buf + shoff + shstrndx * 64u + 24);
	for (i = 0; i < shnum; i++) {
		uint32_t n;

		memcpy(&n, buf + shoff + i * 64u, 4);
		if (i && strcmp((const char *)strtab + n, name) == 0)
			return buf + shoff + i * 64u;
	}
	return NULL;
}

static uint8_t *sec_data(uint8_t *buf, const char *name)
{
	uint8_t *sh = shdr_of(buf, name);

	return sh ? buf + rd64(sh + 24) : NULL;
}

/* ---- the xen-mfndump listing ------------------------------------------- */

struct mfndump {
	uint64_t p2m_size;
	uint64_t n;
	uint64_t pfn[40000], mfn[40000];
	unsigned type[40000];
};

static struct mfndump *load_mfndump(void)
{
	struct mfndump *d = calloc(1, sizeof(*d));
	FILE *f = fopen(fixture("xenlab-domu.mfndump-p2m.txt"), "r");
	char line[256];

	if (!f || !d) {
		if (f)
			fclose(f);
		free(d);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		uint64_t pfn, mfn;
		unsigned type;
		const char *s;

		if ((s = strstr(line, "P2M size: = ")))
			d->p2m_size = strtoull(s + 12, NULL, 10);
		if (sscanf(line, " pfn=0x%" SCNx64 " ==> mfn=0x%" SCNx64 " (type 0x%x)",
			   &pfn, &mfn, &type) == 3 && d->n < 40000) {
			d->pfn[d->n] = pfn;
			d->mfn[d->n] = mfn;
			d->type[d->n++] = type;
		}
	}
	fclose(f);
	return d;
}

static int mfndump_type_of_mfn(const struct mfndump *d, uint64_t mfn)
{
	uint64_t i;

	for (i = 0; i < d->n; i++)
		if (d->mfn[i] == mfn)
			return (int)d->type[i];
	return -1;
}

static struct xenpt_source *open_fixture(void)
{
	struct xenpt_source *src = NULL;
	struct xenpt_error *err = xenpt_source_open_core(fixture("xenlab-domu.core"), &src);

	if (err) {
		test_fail(__FILE__, __LINE__, "cannot open the fixture (run `make fixtures`): %s",
			  xenpt_error_message(err));
		xenpt_error_destroy(err);
		return NULL;
	}
	return src;
}

/* ---- the real fixture ---------------------------------------------------- */

TEST(fixture_info)
{
	struct xenpt_source *src = open_fixture();
	const struct xenpt_domain_info *info;
	struct xenpt_core_stats st;
	char want[1200];

	REQUIRE(src);
	info = xenpt_source_domain(src);
	CHECK_STR_EQ(xenpt_source_kind(src), "core");
	snprintf(want, sizeof(want), "core file %s", fixture("xenlab-domu.core"));
	CHECK_STR_EQ(xenpt_source_describe(src), want);
	CHECK_EQ(xenpt_source_caps(src), XENPT_CAP_VCPU | XENPT_CAP_P2M | XENPT_CAP_M2P |
		 XENPT_CAP_MFN_FRAMES | XENPT_CAP_GFN_FRAMES | XENPT_CAP_SHARED_INFO |
		 XENPT_CAP_STABLE);
	CHECK_EQ(info->domid, 0);
	CHECK_STR_EQ(info->name, "xenlab-domu.core");
	CHECK(!info->hvm);
	CHECK_EQ(info->guest_width, 8);
	CHECK_EQ(info->pt_levels, 4);
	CHECK_EQ(info->nr_vcpus, 1);
	CHECK_EQ(info->nr_online_vcpus, 1);
	CHECK_EQ(info->tot_pages, 32768);
	CHECK_EQ(info->nr_frames, 32768);
	CHECK_EQ(info->p2m_size, 0x8000);
	CHECK_EQ(info->max_gfn, 0x7fff);
	CHECK_EQ(info->shared_info_frame, XENPT_INVALID_FRAME);
	CHECK_STR_EQ(info->xen_version, "4.17.7");

	REQUIRE_OK(xenpt_core_stats(src, &st));
	CHECK(!st.hvm);
	CHECK_EQ(st.nr_pages, 32768);
	CHECK_EQ(st.nr_padding, 0);
	CHECK_EQ(st.nr_valid, 32768);
	CHECK_EQ(st.nr_dup_mfns, 0);
	CHECK_EQ(st.first_dup_mfn, XENPT_INVALID_FRAME);
	CHECK_EQ(st.nr_invalid_mfns, 0);
	CHECK_EQ(st.min_pfn, 0);
	CHECK_EQ(st.max_pfn, 0x7fff);
	CHECK_EQ(st.format_version, 1);
	CHECK(st.pfn_sorted);
	CHECK(st.pfn_index_dense);
	xenpt_source_close(src);
}

TEST(fixture_shared_info)
{
	struct xenpt_source *src = open_fixture();
	struct xenpt_shared_info si;
	uint8_t raw[PAGE];
	int fd;

	REQUIRE(src);
	REQUIRE_OK(xenpt_source_shared_info(src, &si));
	CHECK_EQ(si.max_pfn, 0x8000);
	CHECK_EQ(si.pfn_to_mfn_frame_list_list, 0x52765);
	CHECK_EQ(si.p2m_cr3, 0x54a10000);
	CHECK_EQ(si.p2m_vaddr, 0xffffc90000000000);
	CHECK_EQ(si.p2m_generation, 0);
	/* The backend hands out exactly the section's bytes (offset from readelf). */
	fd = open(fixture("xenlab-domu.core"), O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(pread(fd, raw, PAGE, 0x1b98) == PAGE);
	close(fd);
	{
		uint8_t page[PAGE];

		REQUIRE_OK(src->ops->shared_info(src, page));
		CHECK(memcmp(page, raw, PAGE) == 0);
	}
	xenpt_source_close(src);
}

TEST(fixture_p2m_equals_mfndump)
{
	struct xenpt_source *src = open_fixture();
	struct mfndump *d = load_mfndump();
	xenpt_gfn_t *gfns = NULL, *back = NULL;
	xenpt_mfn_t *mfns = NULL;
	uint64_t i, bad = 0;

	REQUIRE(src);
	if (!d) {
		CHECK(d);
		goto out;
	}
	CHECK_EQ(d->p2m_size, 32768);
	CHECK_EQ(d->n, 32768);
	gfns = calloc(d->n + 2, sizeof(*gfns));
	back = calloc(d->n + 2, sizeof(*back));
	mfns = calloc(d->n + 2, sizeof(*mfns));
	REQUIRE(gfns && back && mfns);
	for (i = 0; i < d->n; i++)
		gfns[i] = xenpt_gfn(d->pfn[i]);
	gfns[d->n] = xenpt_gfn(0x8000);       /* one past the P2M */
	gfns[d->n + 1] = XENPT_INVALID_GFN;
	CHECK_OK(xenpt_source_p2m(src, gfns, d->n + 2, mfns));
	for (i = 0; i < d->n; i++)
		if (xenpt_mfn_x(mfns[i]) != d->mfn[i] && bad++ < 5)
			CHECK_EQ(xenpt_mfn_x(mfns[i]), d->mfn[i]);
	CHECK_EQ(bad, 0);
	CHECK_MFN_EQ(mfns[d->n], XENPT_INVALID_MFN);
	CHECK_MFN_EQ(mfns[d->n + 1], XENPT_INVALID_MFN);

	/* M2P inverts it, and MFNs outside the domain are unknown. */
	for (i = 0; i < d->n; i++)
		mfns[i] = xenpt_mfn(d->mfn[i]);
	mfns[d->n] = xenpt_mfn(0);
	mfns[d->n + 1] = XENPT_INVALID_MFN;
	CHECK_OK(xenpt_source_m2p(src, mfns, d->n + 2, back));
	for (i = 0, bad = 0; i < d->n; i++)
		if (xenpt_gfn_x(back[i]) != d->pfn[i] && bad++ < 5)
			CHECK_EQ(xenpt_gfn_x(back[i]), d->pfn[i]);
	CHECK_EQ(bad, 0);
	CHECK_GFN_EQ(back[d->n], XENPT_INVALID_GFN);
	CHECK_GFN_EQ(back[d->n + 1], XENPT_INVALID_GFN);
out:
	free(gfns);
	free(back);
	free(mfns);
	free(d);
	xenpt_source_close(src);
}

TEST(fixture_vcpu0_cr3_is_pinned_l4)
{
	struct xenpt_source *src = open_fixture();
	struct mfndump *d = load_mfndump();
	struct xenpt_vcpu v;
	const uint8_t *l4 = NULL;
	uint8_t raw[8];
	uint64_t cr3_mfn, e;
	int fd;

	REQUIRE(src);
	REQUIRE(d);
	REQUIRE_OK(xenpt_source_vcpu(src, 0, &v));
	/* ctrlreg[3] straight from .xen_prstatus (offset 0x768, readelf) */
	fd = open(fixture("xenlab-domu.core"), O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(pread(fd, raw, 8, 0x768 + XEN_VGC_CTRLREG + 3 * 8) == 8);
	close(fd);
	CHECK_EQ(v.cr3, rd64(raw));
	CHECK_EQ(v.cr3, 0x53d9a000);
	CHECK(v.online);
	cr3_mfn = v.cr3 >> 12;     /* xen_cr3_to_pfn_x86_64 */
	REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_MFN, cr3_mfn, &l4));
	/* xen-mfndump saw the frame as a pinned L4 (type 0xc) */
	CHECK_EQ(mfndump_type_of_mfn(d, cr3_mfn), 0xc);
	/* Xen's linear slot 258 (xen/arch/x86/include/asm/config.h) maps the L4 itself */
	e = rd64(l4 + 258 * 8);
	CHECK_EQ((e >> 12) & 0xffffffffffull, cr3_mfn);
	/* kernel slot 511 names an L3 that is in the core */
	e = rd64(l4 + 511 * 8);
	CHECK(e & 1);
	CHECK_EQ(mfndump_type_of_mfn(d, (e >> 12) & 0xffffffffffull), 0x3);
	CHECK_ERR_MSG(xenpt_source_vcpu(src, 1, &v), XENPT_ERR_NOT_FOUND, "vCPU 1");
	free(d);
	xenpt_source_close(src);
}

TEST(fixture_frames_by_mfn_and_pfn)
{
	struct xenpt_source *src = open_fixture();
	uint64_t *pfns = NULL, *mfns = NULL, i, bad = 0, checked = 0;
	const uint8_t **by_pfn = NULL, **by_mfn = NULL;
	int *e1 = NULL, *e2 = NULL, fd = -1;
	uint8_t buf[PAGE];

	REQUIRE(src);
	pfns = calloc(32768, 8);
	mfns = calloc(32768, 8);
	by_pfn = calloc(32768, sizeof(*by_pfn));
	by_mfn = calloc(32768, sizeof(*by_mfn));
	e1 = calloc(32768, sizeof(int));
	e2 = calloc(32768, sizeof(int));
	if (!pfns || !mfns || !by_pfn || !by_mfn || !e1 || !e2)
		goto out;
	for (i = 0; i < 32768; i++)
		pfns[i] = i;
	CHECK_OK(src->ops->p2m(src, pfns, 32768, mfns));
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, pfns, 32768, by_pfn, e1));
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, mfns, 32768, by_mfn, e2));
	fd = open(fixture("xenlab-domu.core"), O_RDONLY);
	CHECK(fd >= 0);
	for (i = 0; i < 32768; i++) {
		if (e1[i] || e2[i] || !by_pfn[i] || !by_mfn[i] ||
		    memcmp(by_pfn[i], by_mfn[i], PAGE) != 0) {
			if (bad++ < 5)
				test_fail(__FILE__, __LINE__, "pfn 0x%" PRIx64 " / mfn 0x%" PRIx64
					  ": errs %d %d", i, mfns[i], e1[i], e2[i]);
			continue;
		}
		/* every 61st page against the file itself: .xen_pages at 0x3000 */
		if (i % 61 == 0 && fd >= 0) {
			if (pread(fd, buf, PAGE, 0x3000 + (off_t)i * PAGE) != PAGE ||
			    memcmp(buf, by_pfn[i], PAGE) != 0)
				bad++;
			checked++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(checked, 538);
out:
	if (fd >= 0)
		close(fd);
	free(pfns);
	free(mfns);
	free(by_pfn);
	free(by_mfn);
	free(e1);
	free(e2);
	xenpt_source_close(src);
}

TEST(fixture_missing_frames)
{
	struct xenpt_source *src = open_fixture();
	const uint64_t gfns[] = { 0x8000, 0x7fffffff, INV };
	const uint64_t mfns[] = { 0, 1, 0xfffffffff, INV };
	const uint8_t *pages[4];
	int errs[4];
	unsigned i;

	REQUIRE(src);
	/*
	 * Through the backend: the front end's frame cache keys (frame << 1 |
	 * space) cannot represent frame ~0 (see the report), so ~0 is checked here.
	 */
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, gfns, 3, pages, errs, NULL));
	for (i = 0; i < 3; i++) {
		CHECK(pages[i] == NULL);
		CHECK_EQ(errs[i], ENOENT);
	}
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_MFN, mfns, 4, pages, errs, NULL));
	for (i = 0; i < 4; i++) {
		CHECK(pages[i] == NULL);
		CHECK_EQ(errs[i], ENOENT);
	}
	/* and through the public API */
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, gfns, 2, pages, errs));
	for (i = 0; i < 2; i++) {
		CHECK(pages[i] == NULL);
		CHECK_EQ(errs[i], ENOENT);
	}
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, mfns, 3, pages, errs));
	for (i = 0; i < 3; i++) {
		CHECK(pages[i] == NULL);
		CHECK_EQ(errs[i], ENOENT);
	}
	CHECK_STR_EQ(xenpt_source_frame_strerror(src, ENOENT), "frame not in the core file");
	/* PFN 0 is a real page (Volatility's XenCoreDumpLayer skips it) */
	CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, (const uint64_t[]){ 0 }, 1,
					 pages, errs));
	CHECK(pages[0] != NULL);
	CHECK_EQ(errs[0], 0);
	xenpt_source_close(src);
}

TEST(fixture_marker_string)
{
	struct xenpt_source *src = open_fixture();
	uint64_t pfn, via_api = 0, via_file = 0, first = INV;
	uint8_t *buf;
	size_t len = 0;

	REQUIRE(src);
	for (pfn = 0; pfn < 32768; pfn++) {
		const uint8_t *p;

		if (xenpt_source_get_frames(src, XENPT_SPACE_GFN, &pfn, 1, &p, &(int){ 0 }) || !p)
			continue;
		if (memmem(p, PAGE, MARKER, strlen(MARKER))) {
			via_api++;
			if (first == INV)
				first = pfn;
		}
	}
	/* The same count straight from the file's .xen_pages (PFN i = page i). */
	buf = slurp(fixture("xenlab-domu.core"), &len);
	REQUIRE(buf);
	REQUIRE(len >= 0x3000 + 32768ull * PAGE);
	for (pfn = 0; pfn < 32768; pfn++)
		if (memmem(buf + 0x3000 + pfn * PAGE, PAGE, MARKER, strlen(MARKER)))
			via_file++;
	free(buf);
	CHECK(via_api > 0);
	CHECK_EQ(via_api, via_file);
	printf("# marker: %" PRIu64 " pages hold \"" MARKER "\", the first at pfn 0x%" PRIx64 "\n",
	       via_api, first);
	xenpt_source_close(src);
}

TEST(fixture_timing)
{
	const char *path = fixture("xenlab-domu.core");
	struct xenpt_source *src = NULL;
	double t0, t_open, t_pfn, t_mfn, t_api;
	uint64_t *frames, *mfns, x = 12345, sum = 0, i;
	const uint8_t **pages;
	int *errs;
	unsigned k;
	const unsigned N = 1u << 20, OPENS = 5;

	t0 = now_s();
	for (k = 0; k < OPENS; k++) {
		REQUIRE_OK(xenpt_source_open_core(path, &src));
		if (k + 1 < OPENS)
			xenpt_source_close(src);
	}
	t_open = (now_s() - t0) / OPENS;
	frames = malloc(N * sizeof(*frames));
	mfns = malloc(N * sizeof(*mfns));
	pages = malloc(N * sizeof(*pages));
	errs = malloc(N * sizeof(*errs));
	if (!frames || !mfns || !pages || !errs)
		goto out;
	for (i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		frames[i] = (x >> 33) % 32768;
	}
	CHECK_OK(src->ops->p2m(src, frames, N, mfns));
	t0 = now_s();
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, frames, N, pages, errs, NULL));
	t_pfn = now_s() - t0;
	for (i = 0; i < N; i++)
		sum += errs[i];
	t0 = now_s();
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_MFN, mfns, N, pages, errs, NULL));
	t_mfn = now_s() - t0;
	for (i = 0; i < N; i++)
		sum += errs[i];
	t0 = now_s();
	for (i = 0; i < N; i += 512)
		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, mfns + i, 512, pages + i,
						 errs + i));
	t_api = now_s() - t0;
	CHECK_EQ(sum, 0);
	printf("# fixture (32768 pages, 128 MiB): open %.2f ms (mean of %u)\n", t_open * 1e3, OPENS);
	printf("# backend lookup: %.1f ns/frame by PFN, %.1f ns/frame by MFN (%u random frames)\n",
	       t_pfn * 1e9 / N, t_mfn * 1e9 / N, N);
	printf("# public xenpt_source_get_frames by MFN, batches of 512: %.1f ns/frame\n",
	       t_api * 1e9 / N);
out:
	free(frames);
	free(mfns);
	free(pages);
	free(errs);
	xenpt_source_close(src);
}

/*
 * A real HVM core: `xl dump-core` of the xenlab PVH domU (HAP), if present
 * as $XENPT_BUILD/fixtures/xenlab-domu-pvh.core (tests/fixtures/
 * xenlab-domu-pvh.core.xz, decompressed by make).  Its .xen_pfn skips the
 * VGA hole and ends with 47 padding entries: xg_core.c found fewer pages to
 * map than tot_pages.  The expected values were read from the file with a
 * separate script and are re-derived from the raw bytes here.
 */
TEST(pvh_fixture)
{
	const char *path = fixture("xenlab-domu-pvh.core");
	struct xenpt_source *src = NULL;
	const struct xenpt_domain_info *info;
	struct xenpt_core_stats st;
	struct xenpt_vcpu v;
	const uint8_t *p, *root = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t g, i, present = 0, in_core = 0, bad = 0;
	int e;

	if (access(path, R_OK) != 0) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		return;
	}
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	info = xenpt_source_domain(src);
	CHECK_EQ(xenpt_source_caps(src), XENPT_CAP_VCPU | XENPT_CAP_GFN_FRAMES |
		 XENPT_CAP_SHARED_INFO | XENPT_CAP_STABLE);
	CHECK(info->hvm);
	CHECK_EQ(info->nr_frames, 0x8010);
	CHECK_EQ(info->tot_pages, 0x8010 - 47);
	CHECK_EQ(info->max_gfn, 0xffff);
	CHECK_EQ(info->p2m_size, 0x10000);
	CHECK_EQ(info->pt_levels, 4);        /* the front end, from vCPU 0's CR0/CR4 */
	CHECK_STR_EQ(info->xen_version, "4.17.7");
	REQUIRE_OK(xenpt_core_stats(src, &st));
	CHECK_EQ(st.nr_padding, 47);
	CHECK(st.pfn_index_dense);
	/* the VGA hole 0xa0-0xbf is not dumped (xg_core_x86.c) */
	for (g = 0x9e; g <= 0xc1; g++) {
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, &g, 1, &p, &e, NULL));
		CHECK_EQ(!!p, g < 0xa0 || g > 0xbf);
	}
	CHECK_ERR(xenpt_source_get_frames(src, XENPT_SPACE_MFN, &g, 1, &p, &e),
		  XENPT_ERR_UNSUPPORTED);

	/* every page against the raw file: .xen_pfn at 0x8013000, .xen_pages at 0x3000 */
	buf = slurp(path, &len);
	REQUIRE(buf);
	REQUIRE(len == 134557896);
	for (i = 0; i < 0x8010; i++) {
		g = rd64(buf + 0x8013000 + i * 8);
		if (g == INV)
			continue;
		if (xenpt_source_get_frames(src, XENPT_SPACE_GFN, &g, 1, &p, &e) || !p ||
		    memcmp(p, buf + 0x3000 + i * PAGE, PAGE) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);

	/* vCPU 0: the guest's CR3 (a GFN) is in the core and its tables point into it */
	REQUIRE_OK(xenpt_source_vcpu(src, 0, &v));
	CHECK_EQ(v.cr3, rd64(buf + 0x768 + XEN_VGC_CTRLREG + 3 * 8));
	CHECK_EQ(v.cr3, 0x56d8000);
	CHECK_EQ(v.cr4, 0x550ef0);
	REQUIRE_OK(xenpt_source_get_frame(src, XENPT_SPACE_GFN, v.cr3 >> 12, &root));
	for (i = 0; i < 512; i++) {
		uint64_t ent = rd64(root + i * 8), next = (ent >> 12) & 0xffffffffffull;

		if (!(ent & 1))
			continue;
		present++;
		if (!src->ops->get_frames(src, XENPT_SPACE_GFN, &next, 1, &p, &e, NULL) && p)
			in_core++;
	}
	CHECK_EQ(present, 71);
	CHECK_EQ(in_core, 71);
	CHECK(memmem(buf + 0x3000, 0x8010ull * PAGE, MARKER, strlen(MARKER)) != NULL);
	free(buf);
	xenpt_source_close(src);
}

/* ---- building test cores --------------------------------------------------- */

struct tcore {
	struct xenpt_core_desc d;
	uint64_t *pfns, *mfns;
	uint8_t *data;               /* n pages */
	bool *null_page;             /* page() returns NULL */
	struct xenpt_vcpu vcpus[2];
	uint8_t shinfo[PAGE];
};

static const uint8_t *tcore_page(void *arg, uint64_t i)
{
	struct tcore *t = arg;

	return t->null_page[i] ? NULL : t->data + i * PAGE;
}

static void tcore_free(struct tcore *t)
{
	if (!t)
		return;
	free(t->pfns);
	free(t->mfns);
	free(t->data);
	free(t->null_page);
	free(t);
}

static struct tcore *tcore_new(bool hvm, uint64_t n, const uint64_t *pfns, const uint64_t *mfns)
{
	struct tcore *t = calloc(1, sizeof(*t));
	uint64_t i, k;

	if (!t)
		return NULL;
	t->pfns = calloc(n ? n : 1, 8);
	t->mfns = calloc(n ? n : 1, 8);
	t->data = calloc(n ? n : 1, PAGE);
	t->null_page = calloc(n ? n : 1, sizeof(bool));
	if (!t->pfns || !t->mfns || !t->data || !t->null_page) {
		tcore_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		uint8_t *p = t->data + i * PAGE;

		t->pfns[i] = pfns[i];
		t->mfns[i] = mfns ? mfns[i] : INV;
		for (k = 0; k < PAGE; k++)
			p[k] = (uint8_t)(i * 37 + k * 13 + 1);
		snprintf((char *)p, 64, "page %" PRIu64 " pfn 0x%" PRIx64, i, pfns[i]);
	}
	t->vcpus[0].flags = XEN_VGCF_ONLINE | XEN_VGCF_IN_KERNEL | XEN_VGCF_I387_VALID;
	t->vcpus[0].online = true;
	t->vcpus[0].cr0 = 0x80050033;
	t->vcpus[0].cr3 = 0x5002000;
	t->vcpus[0].cr4 = 0x50660;
	t->vcpus[0].user_cr3 = 0x5005000;
	t->vcpus[0].regs.rip = 0xffffffff81000000;
	t->vcpus[0].regs.rax = 0x1234;
	t->vcpus[1].id = 1;
	t->vcpus[1].regs.rip = 0xffffffff81000040;
	t->vcpus[1].cr3 = 0x4fff000;
	wr64(t->shinfo + XEN_SHINFO_ARCH + XEN_ARCH_SHINFO_MAX_PFN, 0x101);
	wr64(t->shinfo + XEN_SHINFO_ARCH + XEN_ARCH_SHINFO_FLL, 0x9000);
	wr64(t->shinfo + XEN_SHINFO_ARCH + XEN_ARCH_SHINFO_P2M_CR3, 0x5002000);
	wr64(t->shinfo + XEN_SHINFO_ARCH + XEN_ARCH_SHINFO_P2M_VADDR, 0xffffc90000000000);
	t->d.hvm = hvm;
	t->d.nr_vcpus = 2;
	t->d.vcpus = t->vcpus;
	t->d.shared_info = t->shinfo;
	t->d.nr_pages = n;
	t->d.pfns = t->pfns;
	t->d.mfns = hvm ? NULL : t->mfns;
	t->d.page = tcore_page;
	t->d.arg = t;
	t->d.xen_major = 4;
	t->d.xen_minor = 17;
	t->d.xen_extra = ".7";
	return t;
}

/*
 * The standard small PV core: PFN 0 present, a shuffled P2M, a hole (page()
 * NULL), an all-zero non-NULL page, two padding entries, 2 vCPUs, shared_info.
 */
#define SAMPLE_N 12
/* 0x768 + 2 vCPUs * 5168 + one shared_info page = 0x3fc8, page aligned */
#define SAMPLE_PAGES 0x4000
static const uint64_t sample_pfns[SAMPLE_N] = {
	0, 1, 2, 3, 7, 8, 0x10, 0x11, 0x12, 0x100, INV, INV,
};
static const uint64_t sample_mfns[SAMPLE_N] = {
	0x5003, 0x5000, 0x5007, 0x4fff, 0x6001, 0x5001, 0x5002, 0x9000, 0x5005, 0x5004, INV, INV,
};

static struct tcore *sample_pv(void)
{
	struct tcore *t = tcore_new(false, SAMPLE_N, sample_pfns, sample_mfns);

	if (t) {
		t->null_page[5] = true;                 /* pfn 8: a hole */
		memset(t->data + 6 * PAGE, 0, PAGE);    /* pfn 0x10: zero, not NULL */
	}
	return t;
}

/* Expected content of page @i as the reader must show it. */
static const uint8_t *tcore_expect(const struct tcore *t, uint64_t i)
{
	static const uint8_t zero[PAGE];

	return t->null_page[i] ? zero : t->data + i * PAGE;
}

/* Write a sample core and return its bytes (the base for hostile variants). */
static uint8_t *sample_bytes(const char *name, size_t *len)
{
	struct tcore *t = sample_pv();
	const char *path = test_tmp_path(name);
	uint8_t *buf = NULL;
	struct xenpt_error *err;

	if (!t)
		return NULL;
	err = xenpt_core_write(path, &t->d);
	if (err) {
		test_fail(__FILE__, __LINE__, "write: %s", xenpt_error_message(err));
		xenpt_error_destroy(err);
	} else {
		buf = slurp(path, len);
	}
	unlink(path);
	tcore_free(t);
	return buf;
}

static void check_vcpu_fields(const struct xenpt_vcpu *got, const struct xenpt_vcpu *want)
{
	CHECK_EQ(got->flags, want->flags);
	CHECK_EQ(got->online, !!(want->flags & XEN_VGCF_ONLINE));
	CHECK_EQ(got->cr0, want->cr0);
	CHECK_EQ(got->cr3, want->cr3);
	CHECK_EQ(got->cr4, want->cr4);
	CHECK_EQ(got->user_cr3, want->user_cr3);
	CHECK_EQ(got->regs.rip, want->regs.rip);
	CHECK_EQ(got->regs.rax, want->regs.rax);
}

/* Every lookup of @t against the opened @src. */
static void check_against(struct xenpt_source *src, const struct tcore *t)
{
	const struct xenpt_core_desc *d = &t->d;
	uint64_t i;

	for (i = 0; i < d->nr_pages; i++) {
		const uint8_t *p = NULL, *q = NULL;
		uint64_t m = INV, g = INV;
		int e = -1;

		if (d->pfns[i] == INV)
			continue;
		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, &d->pfns[i], 1, &p, &e));
		CHECK_EQ(e, 0);
		if (!p || memcmp(p, tcore_expect(t, i), PAGE) != 0)
			test_fail(__FILE__, __LINE__, "page %" PRIu64 " (pfn 0x%" PRIx64 ") differs",
				  i, d->pfns[i]);
		if (d->hvm)
			continue;
		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, &d->mfns[i], 1, &q, &e));
		CHECK_EQ(e, 0);
		CHECK(p == q);
		CHECK_OK(src->ops->p2m(src, &d->pfns[i], 1, &m));
		CHECK_EQ(m, d->mfns[i]);
		CHECK_OK(src->ops->m2p(src, &d->mfns[i], 1, &g));
		CHECK_EQ(g, d->pfns[i]);
	}
}

TEST(write_pv_roundtrip)
{
	struct tcore *t = sample_pv();
	const char *path = test_tmp_path("pv.core");
	struct xenpt_source *src = NULL;
	const struct xenpt_domain_info *info;
	struct xenpt_core_stats st;
	struct xenpt_shared_info si;
	struct xenpt_vcpu v;
	uint8_t *buf = NULL, raw[XEN_VGC_SIZE];
	size_t len = 0;
	unsigned i;

	REQUIRE(t);
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	info = xenpt_source_domain(src);
	CHECK_EQ(xenpt_source_caps(src), XENPT_CAP_VCPU | XENPT_CAP_P2M | XENPT_CAP_M2P |
		 XENPT_CAP_MFN_FRAMES | XENPT_CAP_GFN_FRAMES | XENPT_CAP_SHARED_INFO |
		 XENPT_CAP_STABLE);
	CHECK(!info->hvm);
	CHECK_EQ(info->tot_pages, 10);
	CHECK_EQ(info->nr_frames, 12);
	CHECK_EQ(info->max_gfn, 0x100);
	CHECK_EQ(info->p2m_size, 0x101);            /* shared_info arch.max_pfn */
	CHECK_EQ(info->nr_vcpus, 2);
	CHECK_EQ(info->nr_online_vcpus, 1);
	CHECK_STR_EQ(info->xen_version, "4.17.7");
	CHECK_STR_EQ(info->name, strrchr(path, '/') + 1);
	REQUIRE_OK(xenpt_core_stats(src, &st));
	CHECK_EQ(st.nr_pages, 12);
	CHECK_EQ(st.nr_padding, 2);
	CHECK_EQ(st.nr_valid, 10);
	CHECK_EQ(st.min_pfn, 0);
	CHECK_EQ(st.max_pfn, 0x100);
	CHECK_EQ(st.nr_dup_mfns, 0);
	CHECK(st.pfn_sorted);
	CHECK(st.pfn_index_dense);

	check_against(src, t);
	{
		/* frames that are not there: PFN gaps, unknown MFNs, padding's ~0 */
		const uint64_t g[] = { 4, 0xff, 0x101, INV }, m[] = { 0x5006, 0x4ffe, 0, INV };
		const uint8_t *p[4];
		int e[4];
		uint64_t out[4];

		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_GFN, g, 3, p, e));
		for (i = 0; i < 3; i++)
			CHECK(!p[i] && e[i] == ENOENT);
		CHECK_OK(xenpt_source_get_frames(src, XENPT_SPACE_MFN, m, 3, p, e));
		for (i = 0; i < 3; i++)
			CHECK(!p[i] && e[i] == ENOENT);
		/* ~0 through the backend (the front end's cache cannot key it) */
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, g, 4, p, e, NULL));
		for (i = 0; i < 4; i++)
			CHECK(!p[i] && e[i] == ENOENT);
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_MFN, m, 4, p, e, NULL));
		for (i = 0; i < 4; i++)
			CHECK(!p[i] && e[i] == ENOENT);
		CHECK_OK(src->ops->p2m(src, g, 4, out));
		for (i = 0; i < 4; i++)
			CHECK_EQ(out[i], INV);
		CHECK_OK(src->ops->m2p(src, m, 4, out));
		for (i = 0; i < 4; i++)
			CHECK_EQ(out[i], INV);
	}
	for (i = 0; i < 2; i++) {
		REQUIRE_OK(xenpt_source_vcpu(src, i, &v));
		CHECK_EQ(v.id, i);
		check_vcpu_fields(&v, &t->vcpus[i]);
	}
	CHECK_ERR(xenpt_source_vcpu(src, 2, &v), XENPT_ERR_NOT_FOUND);
	REQUIRE_OK(xenpt_source_shared_info(src, &si));
	CHECK_EQ(si.max_pfn, 0x101);
	CHECK_EQ(si.pfn_to_mfn_frame_list_list, 0x9000);
	CHECK_EQ(si.p2m_cr3, 0x5002000);
	CHECK_EQ(si.p2m_vaddr, 0xffffc90000000000);
	xenpt_source_close(src);

	/* The bytes: xg_core.c's layout, prstatus = the ABI encoding, holes zero. */
	buf = slurp(path, &len);
	REQUIRE(buf);
	CHECK_EQ(len, SAMPLE_PAGES + 12 * PAGE + 12 * 16 + 0x48);
	CHECK_EQ(rd64(buf + 40), 0x40);                       /* e_shoff */
	CHECK_EQ(rd64(shdr_of(buf, ".note.Xen") + 24), 0x200);
	CHECK_EQ(rd64(shdr_of(buf, ".note.Xen") + 32), 0x568);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_prstatus") + 24), 0x768);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_prstatus") + 32), 2 * XEN_VGC_SIZE);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_shared_info") + 24), 0x768 + 2 * XEN_VGC_SIZE);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_pages") + 24), SAMPLE_PAGES);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_p2m") + 24), SAMPLE_PAGES + 12 * PAGE);
	CHECK_EQ(rd64(shdr_of(buf, ".shstrtab") + 24), SAMPLE_PAGES + 12 * PAGE + 12 * 16);
	for (i = 0; i < 2; i++) {
		memset(raw, 0, sizeof(raw));
		xenpt_abi_encode_vcpu(&t->vcpus[i], raw);
		CHECK(memcmp(buf + 0x768 + i * XEN_VGC_SIZE, raw, XEN_VGC_SIZE) == 0);
	}
	for (i = 0; i < 12; i++) {
		const uint8_t *page = buf + SAMPLE_PAGES + i * PAGE;

		if (i >= 10) {
			static const uint8_t zero[PAGE];

			CHECK(memcmp(page, zero, PAGE) == 0);   /* padding: zero */
			CHECK_EQ(rd64(buf + SAMPLE_PAGES + 12 * PAGE + i * 16), INV);
			continue;
		}
		CHECK(memcmp(page, tcore_expect(t, i), PAGE) == 0);
		CHECK_EQ(rd64(buf + SAMPLE_PAGES + 12 * PAGE + i * 16), sample_pfns[i]);
		CHECK_EQ(rd64(buf + SAMPLE_PAGES + 12 * PAGE + i * 16 + 8), sample_mfns[i]);
	}
	free(buf);
	unlink(path);
	tcore_free(t);
}

TEST(write_hvm_roundtrip)
{
	/* GFNs 0..0x9f and 0xc0..0x10f: xg_core_x86.c skips the VGA hole 0xa0-0xbf */
	uint64_t pfns[0x50 + 0xa0], i, n = 0;
	struct tcore *t;
	const char *path = test_tmp_path("hvm.core");
	struct xenpt_source *src = NULL, *raw_src = NULL;
	const struct xenpt_domain_info *info;
	const uint8_t *p;
	struct xenpt_vcpu v;
	uint8_t *buf;
	size_t len;
	int e;

	for (i = 0; i < 0x110; i++)
		if (i < 0xa0 || i >= 0xc0)
			pfns[n++] = i;
	t = tcore_new(true, n, pfns, NULL);
	REQUIRE(t);
	t->d.nr_vcpus = 1;
	t->d.shared_info = NULL;
	t->null_page[3] = true;
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	info = xenpt_source_domain(src);
	CHECK_EQ(xenpt_source_caps(src), XENPT_CAP_VCPU | XENPT_CAP_GFN_FRAMES | XENPT_CAP_STABLE);
	CHECK(info->hvm);
	CHECK_EQ(info->tot_pages, n);
	CHECK_EQ(info->max_gfn, 0x10f);
	CHECK_EQ(info->p2m_size, 0x110);
	CHECK_EQ(info->nr_vcpus, 1);
	check_against(src, t);
	REQUIRE_OK(xenpt_source_vcpu(src, 0, &v));
	check_vcpu_fields(&v, &t->vcpus[0]);
	xenpt_source_close(src);

	/* Backend view: pt_levels left for the front end, no MFN space, no shared_info. */
	REQUIRE_OK(xenpt_core_open(path, &raw_src));
	CHECK_EQ(raw_src->info.pt_levels, 0);
	CHECK_ERR_MSG(raw_src->ops->get_frames(raw_src, XENPT_SPACE_MFN,
					       (const uint64_t[]){ 0 }, 1, &p, &e, NULL),
		      XENPT_ERR_UNSUPPORTED, "HVM");
	CHECK_ERR(raw_src->ops->p2m(raw_src, (const uint64_t[]){ 0 }, 1, &i),
		  XENPT_ERR_UNSUPPORTED);
	{
		uint8_t page[PAGE];

		CHECK_ERR_MSG(raw_src->ops->shared_info(raw_src, page), XENPT_ERR_NOT_FOUND,
			      ".xen_shared_info");
	}
	raw_src->ops->get_frames(raw_src, XENPT_SPACE_GFN, (const uint64_t[]){ 0xa0 }, 1, &p,
				 &e, NULL);
	CHECK(!p && e == ENOENT);
	xenpt_source_close(raw_src);

	buf = slurp(path, &len);
	REQUIRE(buf);
	CHECK(shdr_of(buf, ".xen_pfn") != NULL);
	CHECK(shdr_of(buf, ".xen_p2m") == NULL);
	CHECK(shdr_of(buf, ".xen_shared_info") == NULL);
	/* 6 section headers: .note.Xen at 0x1c0, the header note's magic 32 bytes in */
	CHECK_EQ(rd64(shdr_of(buf, ".note.Xen") + 24), 0x1c0);
	CHECK_EQ(rd64(buf + 0x1c0 + 16 + 16), XEN_DUMPCORE_MAGIC_HVM);
	CHECK_EQ(rd64(shdr_of(buf, ".xen_pfn") + 56), 8);
	free(buf);
	unlink(path);
	tcore_free(t);
}

/* ---- readelf ------------------------------------------------------------ */

/* readelf must list every section of @path without a warning (skipped if absent). */
static void check_readelf(const char *path, const char *const *names, unsigned n)
{
	char cmd[1200], line[512];
	unsigned found = 0, i, warnings = 0;
	FILE *f;

	if (system("command -v readelf >/dev/null 2>&1") != 0) {
		/* the test goes on; it is reported as skipped (the readelf part did not run) */
		test_skip("readelf not installed (binutils)");
		return;
	}
	snprintf(cmd, sizeof(cmd), "readelf -S -W '%s' 2>&1", path);
	f = popen(cmd, "r");
	REQUIRE(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "Warning") || strstr(line, "Error") || strstr(line, "readelf:")) {
			warnings++;
			printf("# readelf: %s", line);
		}
		for (i = 0; i < n; i++) {
			char want[64];

			snprintf(want, sizeof(want), "] %s ", names[i]);
			if (strstr(line, want))
				found |= 1u << i;
		}
	}
	CHECK_EQ(pclose(f), 0);
	CHECK_EQ(warnings, 0);
	CHECK_EQ(found, (1u << n) - 1);
}

TEST(write_readelf_accepts)
{
	static const char *const pv[] = { ".shstrtab", ".note.Xen", ".xen_prstatus",
					  ".xen_shared_info", ".xen_pages", ".xen_p2m" };
	static const char *const hvm[] = { ".shstrtab", ".note.Xen", ".xen_prstatus",
					   ".xen_pages", ".xen_pfn" };
	const uint64_t pfns[] = { 0, 1, 2 };
	struct tcore *t = sample_pv(), *h = tcore_new(true, 3, pfns, NULL);
	const char *path = test_tmp_path("readelf.core");

	REQUIRE(t && h);
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	check_readelf(path, pv, 6);
	h->d.shared_info = NULL;
	REQUIRE_OK(xenpt_core_write(path, &h->d));
	check_readelf(path, hvm, 5);
	/* and the real fixture, as a sanity check of the check */
	check_readelf(fixture("xenlab-domu.core"), pv, 6);
	unlink(path);
	tcore_free(t);
	tcore_free(h);
}

/* ---- re-writing the real fixture ------------------------------------------ */

struct refix {
	struct xenpt_source *src;
	const uint64_t *pfns;
};

static const uint8_t *refix_page(void *arg, uint64_t i)
{
	struct refix *r = arg;
	const uint8_t *p = NULL;
	int e;

	if (r->pfns[i] == INV ||
	    xenpt_source_get_frames(r->src, XENPT_SPACE_GFN, &r->pfns[i], 1, &p, &e) || e)
		return NULL;
	return p;
}

static void check_vcpu_equal(const struct xenpt_vcpu *a, const struct xenpt_vcpu *b)
{
	unsigned i;

	CHECK_EQ(a->flags, b->flags);
	CHECK_EQ(a->online, b->online);
	CHECK(memcmp(&a->regs.rax, &b->regs.rax, 18 * sizeof(uint64_t)) == 0);
	CHECK_EQ(a->regs.cs, b->regs.cs);
	CHECK_EQ(a->regs.ss, b->regs.ss);
	CHECK_EQ(a->regs.ds, b->regs.ds);
	CHECK_EQ(a->regs.es, b->regs.es);
	CHECK_EQ(a->regs.fs, b->regs.fs);
	CHECK_EQ(a->regs.gs, b->regs.gs);
	CHECK_EQ(a->cr0, b->cr0);
	CHECK_EQ(a->cr2, b->cr2);
	CHECK_EQ(a->cr3, b->cr3);
	CHECK_EQ(a->cr4, b->cr4);
	CHECK_EQ(a->user_cr3, b->user_cr3);
	CHECK_EQ(a->fs_base, b->fs_base);
	CHECK_EQ(a->gs_base_kernel, b->gs_base_kernel);
	CHECK_EQ(a->gs_base_user, b->gs_base_user);
	CHECK_EQ(a->kernel_ss, b->kernel_ss);
	CHECK_EQ(a->kernel_sp, b->kernel_sp);
	CHECK_EQ(a->event_callback_eip, b->event_callback_eip);
	CHECK_EQ(a->failsafe_callback_eip, b->failsafe_callback_eip);
	CHECK_EQ(a->syscall_callback_eip, b->syscall_callback_eip);
	CHECK_EQ(a->ldt_base, b->ldt_base);
	CHECK_EQ(a->ldt_ents, b->ldt_ents);
	CHECK_EQ(a->gdt_ents, b->gdt_ents);
	CHECK(memcmp(a->gdt_frames, b->gdt_frames, sizeof(a->gdt_frames)) == 0);
	CHECK_EQ(a->vm_assist, b->vm_assist);
	for (i = 0; i < 256; i++) {
		if (a->traps[i].vector != b->traps[i].vector || a->traps[i].flags != b->traps[i].flags ||
		    a->traps[i].cs != b->traps[i].cs || a->traps[i].address != b->traps[i].address) {
			test_fail(__FILE__, __LINE__, "trap %u differs", i);
			break;
		}
	}
}

/*
 * Re-write a real core from its own source (the table in the file's order,
 * padding included) and compare: byte for byte what xg_core.c wrote, except
 * the Xen version note's compile_info/capabilities/changeset text
 * (0x270-0x740), which the description does not carry, and .xen_prstatus,
 * whose FPU and debug-register state struct xenpt_vcpu does not carry; then
 * reopened, entry by entry.
 */
static void rewrite_and_compare(const char *orig, const char *tmpname)
{
	const char *path = test_tmp_path(tmpname);
	struct xenpt_source *src = NULL, *re = NULL;
	struct xenpt_core_desc d = { 0 };
	struct xenpt_vcpu *v = NULL, v2;
	uint64_t *pfns = NULL, *mfns = NULL, *out = NULL, i, n, bad = 0;
	uint8_t shinfo[PAGE], *a = NULL, *b = NULL, *tab, *sh;
	size_t alen = 0, blen = 0;
	struct refix r;
	struct stat st;
	double t0, t_write;
	bool hvm;

	a = slurp(orig, &alen);
	REQUIRE(a);
	REQUIRE_OK(xenpt_source_open_core(orig, &src));
	hvm = xenpt_source_domain(src)->hvm;
	sh = shdr_of(a, hvm ? ".xen_pfn" : ".xen_p2m");
	REQUIRE(sh);
	tab = a + rd64(sh + 24);
	n = rd64(sh + 32) / (hvm ? 8 : 16);
	pfns = malloc(n * 8);
	mfns = malloc(n * 8);
	out = malloc(n * 8);
	v = calloc(xenpt_source_domain(src)->nr_vcpus, sizeof(*v));
	if (!pfns || !mfns || !out || !v)
		goto out;
	for (i = 0; i < n; i++) {
		pfns[i] = rd64(tab + i * (hvm ? 8 : 16));
		mfns[i] = hvm ? INV : rd64(tab + i * 16 + 8);
	}
	for (i = 0; i < xenpt_source_domain(src)->nr_vcpus; i++)
		CHECK_OK(xenpt_source_vcpu(src, (uint32_t)i, &v[i]));
	if (xenpt_source_caps(src) & XENPT_CAP_SHARED_INFO)
		CHECK_OK(src->ops->shared_info(src, shinfo));
	r.src = src;
	r.pfns = pfns;
	d.hvm = hvm;
	d.nr_vcpus = xenpt_source_domain(src)->nr_vcpus;
	d.vcpus = v;
	d.shared_info = xenpt_source_caps(src) & XENPT_CAP_SHARED_INFO ? shinfo : NULL;
	d.nr_pages = n;
	d.pfns = pfns;
	d.mfns = hvm ? NULL : mfns;
	d.page = refix_page;
	d.arg = &r;
	d.xen_major = 4;
	d.xen_minor = 17;
	d.xen_extra = ".7";
	t0 = now_s();
	CHECK_OK(xenpt_core_write(path, &d));
	t_write = now_s() - t0;
	CHECK(stat(path, &st) == 0);
	printf("# re-wrote %s in %.1f ms: %jd bytes, %jd KiB on disk (zero pages are holes)\n",
	       strrchr(orig, '/') + 1, t_write * 1e3, (intmax_t)st.st_size,
	       (intmax_t)st.st_blocks / 2);

	b = slurp(path, &blen);
	REQUIRE(b);
	CHECK_EQ(blen, alen);
	if (alen == blen) {
		uint64_t prs_end = rd64(shdr_of(a, ".xen_prstatus") + 24) +
				   rd64(shdr_of(a, ".xen_prstatus") + 32);

		CHECK(memcmp(a, b, 0x270) == 0);
		CHECK(memcmp(a + 0x740, b + 0x740, 0x768 - 0x740) == 0);
		CHECK(memcmp(a + prs_end, b + prs_end, alen - prs_end) == 0);
	}

	REQUIRE_OK(xenpt_source_open_core(path, &re));
	CHECK_EQ(xenpt_source_caps(re), xenpt_source_caps(src));
	{
		const struct xenpt_domain_info *x = xenpt_source_domain(src);
		const struct xenpt_domain_info *y = xenpt_source_domain(re);

		CHECK_EQ(y->hvm, x->hvm);
		CHECK_EQ(y->tot_pages, x->tot_pages);
		CHECK_EQ(y->nr_frames, x->nr_frames);
		CHECK_EQ(y->p2m_size, x->p2m_size);
		CHECK_EQ(y->max_gfn, x->max_gfn);
		CHECK_EQ(y->nr_vcpus, x->nr_vcpus);
		CHECK_EQ(y->nr_online_vcpus, x->nr_online_vcpus);
		CHECK_EQ(y->pt_levels, x->pt_levels);
		CHECK_STR_EQ(y->xen_version, x->xen_version);
	}
	if (!hvm) {
		CHECK_OK(re->ops->p2m(re, pfns, n, out));
		CHECK(memcmp(mfns, out, n * 8) == 0);
		CHECK_OK(re->ops->m2p(re, mfns, n, out));
		CHECK(memcmp(pfns, out, n * 8) == 0);
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p = NULL, *q = NULL;
		int e1 = -1, e2 = -1;

		if (pfns[i] == INV)
			continue;
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, &pfns[i], 1, &p, &e1, NULL));
		CHECK_OK(re->ops->get_frames(re, XENPT_SPACE_GFN, &pfns[i], 1, &q, &e2, NULL));
		if (e1 || e2 || !p || !q || memcmp(p, q, PAGE) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);
	for (i = 0; i < d.nr_vcpus; i++) {
		CHECK_OK(xenpt_source_vcpu(re, (uint32_t)i, &v2));
		check_vcpu_equal(&v2, &v[i]);
	}
	if (d.shared_info) {
		uint8_t s2[PAGE];

		CHECK_OK(re->ops->shared_info(re, s2));
		CHECK(memcmp(s2, shinfo, PAGE) == 0);
	}
	xenpt_source_close(re);
out:
	unlink(path);
	free(a);
	free(b);
	free(pfns);
	free(mfns);
	free(out);
	free(v);
	xenpt_source_close(src);
}

TEST(write_rewrites_fixture)
{
	rewrite_and_compare(fixture("xenlab-domu.core"), "refix.core");
}

TEST(write_rewrites_pvh_fixture)
{
	const char *path = fixture("xenlab-domu-pvh.core");

	if (access(path, R_OK) != 0) {
		test_fail(__FILE__, __LINE__, "fixture %s missing (make fixtures)", path);
		return;
	}
	rewrite_and_compare(path, "refix-pvh.core");
}

/* ---- order, sparse indexes, duplicates ------------------------------------- */

/* Swap entries @i and @j of a written PV core's table and pages, and of @t. */
static void swap_entries(uint8_t *buf, struct tcore *t, uint64_t i, uint64_t j)
{
	uint8_t *pages = sec_data(buf, ".xen_pages"), *tab = sec_data(buf, ".xen_p2m");
	uint8_t tmp[PAGE];
	uint64_t x;
	bool nb;

	memcpy(tmp, pages + i * PAGE, PAGE);
	memcpy(pages + i * PAGE, pages + j * PAGE, PAGE);
	memcpy(pages + j * PAGE, tmp, PAGE);
	memcpy(tmp, tab + i * 16, 16);
	memcpy(tab + i * 16, tab + j * 16, 16);
	memcpy(tab + j * 16, tmp, 16);
	memcpy(tmp, t->data + i * PAGE, PAGE);
	memcpy(t->data + i * PAGE, t->data + j * PAGE, PAGE);
	memcpy(t->data + j * PAGE, tmp, PAGE);
	x = t->pfns[i], t->pfns[i] = t->pfns[j], t->pfns[j] = x;
	x = t->mfns[i], t->mfns[i] = t->mfns[j], t->mfns[j] = x;
	nb = t->null_page[i], t->null_page[i] = t->null_page[j], t->null_page[j] = nb;
}

static struct xenpt_source *open_buf(const uint8_t *buf, size_t len)
{
	const char *path = test_tmp_path("buf.core");
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	if (!spit(path, buf, len))
		return NULL;
	err = xenpt_source_open_core(path, &src);
	unlink(path);
	if (err) {
		test_fail(__FILE__, __LINE__, "open: %s", xenpt_error_message(err));
		xenpt_error_destroy(err);
		return NULL;
	}
	return src;
}

TEST(read_unsorted_table)
{
	struct tcore *t = sample_pv();
	const char *path = test_tmp_path("unsorted.core");
	struct xenpt_source *src;
	struct xenpt_core_stats st;
	uint8_t *buf;
	size_t len;

	REQUIRE(t);
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	buf = slurp(path, &len);
	unlink(path);
	REQUIRE(buf);
	/* pfn 0x100 first, pfn 0 ninth, and a padding entry in the middle */
	swap_entries(buf, t, 0, 9);
	swap_entries(buf, t, 3, 10);
	src = open_buf(buf, len);
	if (src) {
		CHECK_OK(xenpt_core_stats(src, &st));
		CHECK(!st.pfn_sorted);
		CHECK(st.pfn_index_dense);
		CHECK_EQ(st.nr_padding, 2);
		check_against(src, t);
		xenpt_source_close(src);
	}
	free(buf);
	tcore_free(t);
}

TEST(read_sparse_pfns)
{
	const uint64_t pfns[] = { 0, 5, 0x100000000, 0x7ffffffff000, INV };
	const uint64_t mfns[] = { 0x10, 0x11, 0x12, 0x13, INV };
	struct tcore *t = tcore_new(false, 5, pfns, mfns);
	const char *path = test_tmp_path("sparse.core");
	struct xenpt_source *src;
	struct xenpt_core_stats st;
	uint8_t *buf;
	size_t len;
	uint64_t m = 0;

	REQUIRE(t);
	wr64(t->shinfo + XEN_SHINFO_ARCH, 0);    /* no max_pfn: p2m_size = highest + 1 */
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	buf = slurp(path, &len);
	unlink(path);
	REQUIRE(buf);
	src = open_buf(buf, len);
	if (src) {
		CHECK_OK(xenpt_core_stats(src, &st));
		CHECK(st.pfn_sorted);
		CHECK(!st.pfn_index_dense);
		/*
		 * A listed PFN of 2^47 is a P2M nothing backs: the size is
		 * capped at twice the pages plus 2^20, and the claim reported.
		 */
		const char *field = NULL;
		uint64_t claim = 0;

		CHECK_EQ(xenpt_source_domain(src)->p2m_size, 2 * 4 + 0x100000);
		CHECK(xenpt_p2m_size_claimed(src, &claim, &field));
		CHECK_EQ(claim, 0x7ffffffff001);
		CHECK(field && strcmp(field, "the highest PFN listed + 1") == 0);
		check_against(src, t);
		CHECK_OK(src->ops->p2m(src, (const uint64_t[]){ 0x7fffffffefff }, 1, &m));
		CHECK_EQ(m, INV);
		xenpt_source_close(src);
	}
	/* the same, unsorted: the sparse index sorts */
	swap_entries(buf, t, 0, 3);
	swap_entries(buf, t, 1, 4);
	src = open_buf(buf, len);
	if (src) {
		CHECK_OK(xenpt_core_stats(src, &st));
		CHECK(!st.pfn_sorted);
		CHECK(!st.pfn_index_dense);
		check_against(src, t);
		xenpt_source_close(src);
	}
	/* and a duplicate there */
	wr64(sec_data(buf, ".xen_p2m") + 2 * 16, 0x5);
	{
		const char *p2 = test_tmp_path("sparse-dup.core");
		struct xenpt_source *s2 = NULL;

		REQUIRE(spit(p2, buf, len));
		CHECK_ERR_MSG(xenpt_source_open_core(p2, &s2), XENPT_ERR_BAD_DATA,
			      "PFN 0x5 is listed twice in .xen_p2m");
		unlink(p2);
	}
	free(buf);
	tcore_free(t);
}

TEST(read_duplicate_and_invalid_mfns)
{
	size_t len = 0;
	uint8_t *buf = sample_bytes("dupmfn.core", &len), *tab;
	struct xenpt_source *src;
	struct xenpt_core_stats st;
	uint64_t out[3];
	const uint8_t *p;
	int e;

	REQUIRE(buf);
	tab = sec_data(buf, ".xen_p2m");
	wr64(tab + 1 * 16 + 8, 0x5003);          /* pfn 1 claims pfn 0's MFN */
	wr64(tab + 2 * 16 + 8, INV);             /* pfn 2 has no MFN */
	src = open_buf(buf, len);
	if (src) {
		CHECK_OK(xenpt_core_stats(src, &st));
		CHECK_EQ(st.nr_dup_mfns, 1);
		CHECK_EQ(st.first_dup_mfn, 0x5003);
		CHECK_EQ(st.nr_invalid_mfns, 1);
		CHECK_OK(src->ops->m2p(src, (const uint64_t[]){ 0x5003, 0x5000, 0x5007 }, 3, out));
		CHECK_EQ(out[0], 0);                 /* the first entry wins */
		CHECK_EQ(out[1], INV);
		CHECK_EQ(out[2], INV);
		CHECK_OK(src->ops->p2m(src, (const uint64_t[]){ 0, 1, 2 }, 3, out));
		CHECK_EQ(out[0], 0x5003);
		CHECK_EQ(out[1], 0x5003);
		CHECK_EQ(out[2], INV);
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, (const uint64_t[]){ 2 }, 1,
					      &p, &e, NULL));
		CHECK(p && e == 0);
		xenpt_source_close(src);
	}
	free(buf);
}

static void fake_close(struct xenpt_source *src)
{
	(void)src;
}

TEST(core_stats_refuses_other_sources)
{
	static const struct xenpt_source_ops fake = { .name = "fake", .close = fake_close };
	struct xenpt_source *src = xenpt_source_new(&fake, NULL);
	struct xenpt_core_stats st;

	REQUIRE(src);
	CHECK_ERR(xenpt_core_stats(src, &st), XENPT_ERR_INVALID_ARG);
	CHECK_ERR(xenpt_core_stats(NULL, &st), XENPT_ERR_INVALID_ARG);
	xenpt_source_close(src);
}

/* ---- writer: errors and atomicity -------------------------------------------- */

/* Entries in @dir whose name starts with ".<base>." (our temporary files). */
static unsigned leftover_tmp(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return 999;
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strncmp(de->d_name + 1, base, strlen(base)) == 0 &&
		    de->d_name[1 + strlen(base)] == '.')
			n++;
	closedir(d);
	return n;
}

TEST(write_errors)
{
	struct tcore *t = sample_pv();
	char dir[600], path[1024];
	struct stat st;
	uint64_t save;

	REQUIRE(t);
	snprintf(dir, sizeof(dir), "%s", test_tmp_path("wdir"));
	REQUIRE(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/x.core", dir);

	/* descriptions the format cannot hold */
	save = t->pfns[3];
	t->pfns[3] = 1;
	CHECK_ERR_MSG(xenpt_core_write(path, &t->d), XENPT_ERR_INVALID_ARG, "strictly ascending");
	t->pfns[3] = save;
	t->pfns[4] = INV;
	CHECK_ERR_MSG(xenpt_core_write(path, &t->d), XENPT_ERR_INVALID_ARG, "padding");
	t->pfns[4] = sample_pfns[4];
	t->d.nr_vcpus = 0;
	CHECK_ERR_MSG(xenpt_core_write(path, &t->d), XENPT_ERR_INVALID_ARG, "vCPU");
	t->d.nr_vcpus = 2;
	t->d.mfns = NULL;
	CHECK_ERR_MSG(xenpt_core_write(path, &t->d), XENPT_ERR_INVALID_ARG, "MFN");
	t->d.mfns = t->mfns;
	CHECK_ERR(xenpt_core_write(path, NULL), XENPT_ERR_INVALID_ARG);
	CHECK(stat(path, &st) != 0);

	/* a directory that does not exist: an OS error naming the file */
	{
		char bad[800];

		snprintf(bad, sizeof(bad), "%s/no/such/dir/x.core", dir);
		/* xenpt_error_os() files ENOENT under NOT_FOUND */
		CHECK_ERR_MSG(xenpt_core_write(bad, &t->d), XENPT_ERR_NOT_FOUND, bad);
	}
	/* rename onto a directory fails late: no half file, no temporary left */
	{
		char sub[800];

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		REQUIRE(mkdir(sub, 0700) == 0);
		snprintf(path, sizeof(path), "%s/full", sub);
		REQUIRE(mkdir(path, 0700) == 0);
		CHECK_ERR(xenpt_core_write(path, &t->d), XENPT_ERR_OS);
		CHECK_EQ(leftover_tmp(sub, "full"), 0);
		rmdir(path);
		/* a write that fails half way (file size limit): no file, no temporary */
		{
			struct rlimit old, lim;
			void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);

			REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
			lim = old;
			lim.rlim_cur = 0x8000;   /* the sample core is 0x10108 bytes */
			REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
			CHECK_ERR_MSG(xenpt_core_write(path, &t->d), XENPT_ERR_OS, "cannot write");
			setrlimit(RLIMIT_FSIZE, &old);
			signal(SIGXFSZ, oldsig);
			CHECK(stat(path, &st) != 0);
			CHECK_EQ(leftover_tmp(sub, "full"), 0);
		}
		/* over an existing file: replaced, nothing left over */
		REQUIRE(spit(path, (const uint8_t *)"junk", 4));
		CHECK_OK(xenpt_core_write(path, &t->d));
		CHECK(stat(path, &st) == 0 && st.st_size == SAMPLE_PAGES + 12 * PAGE + 12 * 16 + 0x48);
		CHECK_EQ(leftover_tmp(sub, "full"), 0);
		unlink(path);
		rmdir(sub);
	}
	rmdir(dir);
	tcore_free(t);
}

TEST(write_empty_core)
{
	struct tcore *t = tcore_new(false, 0, NULL, NULL);
	const char *path = test_tmp_path("empty.core");
	struct xenpt_source *src = NULL;
	const struct xenpt_domain_info *info;
	const uint8_t *p = NULL;
	uint64_t m = 0;
	int e = 0;

	REQUIRE(t);
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	info = xenpt_source_domain(src);
	CHECK_EQ(info->tot_pages, 0);
	CHECK_EQ(info->nr_frames, 0);
	CHECK_EQ(info->max_gfn, 0);
	CHECK_EQ(info->p2m_size, 0x101);   /* from shared_info: the guest has none dumped */
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_GFN, (const uint64_t[]){ 0 }, 1, &p, &e,
				      NULL));
	CHECK(!p && e == ENOENT);
	CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_MFN, (const uint64_t[]){ 0 }, 1, &p, &e,
				      NULL));
	CHECK(!p && e == ENOENT);
	CHECK_OK(src->ops->p2m(src, (const uint64_t[]){ 0 }, 1, &m));
	CHECK_EQ(m, INV);
	xenpt_source_close(src);
	unlink(path);
	tcore_free(t);
}

/*
 * Issue 15: on an empty PV core the vCPU's root is in no P2M; the check says
 * it is used as the root (cr3), not "used as a table by L4 entry 0" of itself.
 * The P2M size says where it came from.
 */
TEST(empty_core_messages)
{
	struct tcore *t = tcore_new(false, 0, NULL, NULL);
	const char *path = test_tmp_path("empty-msg.core");
	struct xenpt_source *src = NULL;
	struct xenpt_p2m_check *k = NULL;
	bool said = false;
	size_t i;

	REQUIRE(t);
	REQUIRE_OK(xenpt_core_write(path, &t->d));
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	CHECK_STR_EQ(xenpt_source_domain(src)->p2m_size_from, "shared_info arch.max_pfn");
	REQUIRE_OK(xenpt_p2m_check(src, NULL, &k));
	for (i = 0; i < k->nr_findings; i++) {
		const char *w = k->findings[i].where;

		if (k->findings[i].mfn != 0x5002)
			continue;
		CHECK(!strstr(w, "entry 0 of mfn 0x5002"));
		CHECK(strstr(w, "mfn 0x5002 used as the root (L4 table, cr3)") != NULL);
		if (!strstr(w, "used as the root"))
			printf("# %s\n", w);
		said = true;
	}
	CHECK(said);
	xenpt_p2m_check_free(k);
	xenpt_source_close(src);
	unlink(path);
	tcore_free(t);
}

/* Issue 15: a P2M too big to scan says which field its size came from. */
TEST(p2m_size_message_names_its_field)
{
	struct fake_source *f = fake_create(FAKE_P2M);
	struct xenpt_p2m_index *idx = NULL;

	REQUIRE(f);
	fake_info(f)->p2m_size = 1ull << 33;
	snprintf(fake_info(f)->p2m_size_from, sizeof(fake_info(f)->p2m_size_from),
		 "shared_info arch.max_pfn");
	CHECK_ERR_MSG(xenpt_p2m_index_create(fake_src(f), &idx), XENPT_ERR_BAD_DATA,
		      "a P2M of 0x200000000 entries (from shared_info arch.max_pfn) is more than xenpt scans (0x100000000)");
	fake_info(f)->p2m_size_from[0] = 0;
	CHECK_ERR_MSG(xenpt_p2m_index_create(fake_src(f), &idx), XENPT_ERR_BAD_DATA,
		      "(from the source's domain info p2m_size)");
	CHECK(idx == NULL);
	fake_destroy(f);
}

/* ---- sparse output ----------------------------------------------------------- */

struct bigcore {
	uint64_t n;
	uint8_t page[3][PAGE];
};

static const uint8_t *big_page(void *arg, uint64_t i)
{
	struct bigcore *b = arg;

	if (i == 0)
		return b->page[0];
	if (i == 12345)
		return b->page[1];
	if (i == b->n - 1)
		return b->page[2];
	return NULL;
}

static void big_core(uint64_t n, const char *name)
{
	const char *path = test_tmp_path(name);
	struct bigcore *b = calloc(1, sizeof(*b));
	uint64_t *pfns = malloc(n * 8), *mfns = malloc(n * 8), i;
	struct xenpt_vcpu v = { .flags = XEN_VGCF_ONLINE, .cr3 = 0x100000 };
	struct xenpt_core_desc d = { 0 };
	struct xenpt_source *src = NULL;
	double t0, t_write, t_open;
	struct stat st;

	if (!b || !pfns || !mfns) {
		CHECK(!"out of memory");
		goto out;
	}
	b->n = n;
	for (i = 0; i < 3; i++)
		memset(b->page[i], 0xa0 + (int)i, PAGE);
	for (i = 0; i < n; i++) {
		pfns[i] = i;
		mfns[i] = 0x100000 + (i * 7919) % n;   /* a permutation: 7919 is prime, n = 2^k */
	}
	d.nr_vcpus = 1;
	d.vcpus = &v;
	d.nr_pages = n;
	d.pfns = pfns;
	d.mfns = mfns;
	d.page = big_page;
	d.arg = b;
	d.xen_major = 4;
	d.xen_minor = 17;
	t0 = now_s();
	CHECK_OK(xenpt_core_write(path, &d));
	t_write = now_s() - t0;
	CHECK(stat(path, &st) == 0);
	CHECK_EQ(st.st_size, 0x2000 + n * PAGE + n * 16 + 0x37);
	/* on disk: headers, three pages and the table; the rest are holes */
	CHECK((uint64_t)st.st_blocks * 512 < n * 16 + 4 * 1024 * 1024);
	t0 = now_s();
	CHECK_OK(xenpt_source_open_core(path, &src));
	t_open = now_s() - t0;
	if (src) {
		const uint64_t g[] = { 0, 12345, n - 1, 777 };
		const uint8_t *p[4];
		int e[4];
		uint64_t m[4], back[4];

		CHECK_EQ(xenpt_source_domain(src)->tot_pages, n);
		CHECK_OK(src->ops->p2m(src, g, 4, m));
		CHECK_OK(src->ops->get_frames(src, XENPT_SPACE_MFN, m, 4, p, e, NULL));
		for (i = 0; i < 4; i++) {
			CHECK_EQ(m[i], mfns[g[i]]);
			CHECK(p[i] && e[i] == 0);
			if (p[i])
				CHECK_EQ(p[i][100], i < 3 ? 0xa0 + i : 0);
		}
		CHECK_OK(src->ops->m2p(src, m, 4, back));
		for (i = 0; i < 4; i++)
			CHECK_EQ(back[i], g[i]);
		xenpt_source_close(src);
	}
	printf("# %" PRIu64 " pages (%" PRIu64 " GiB): write %.0f ms, %jd MiB on disk; "
	       "open (index build) %.0f ms\n", n, n * PAGE >> 30, t_write * 1e3,
	       (intmax_t)st.st_blocks / 2048, t_open * 1e3);
out:
	unlink(path);
	free(b);
	free(pfns);
	free(mfns);
}

TEST(write_sparse_4g)
{
	big_core(1u << 20, "sparse4g.core");
}

/* 16.7 million pages, 64 GiB of holes: only with XENPT_TEST_BIG=1 (needs ~0.5 GiB). */
TEST(write_sparse_64g_big)
{
	const char *big = getenv("XENPT_TEST_BIG");

	if (!big || strcmp(big, "1") != 0)
		SKIP("opt-in: set XENPT_TEST_BIG=1 for the 16.7-million-page core");
	big_core(1u << 24, "sparse64g.core");
}

/* ---- hostile files ------------------------------------------------------------ */

static bool verbose(void)
{
	const char *v = getenv("XENPT_TEST_VERBOSE");

	return v && *v && strcmp(v, "0") != 0;
}

/* Open @buf as a core: it must fail with @code and a message containing @substr. */
static void expect_bad(const uint8_t *buf, size_t len, enum xenpt_error_code code,
		       const char *substr, int line)
{
	const char *path = test_tmp_path("hostile.core");
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	if (!spit(path, buf, len)) {
		test_fail(__FILE__, line, "cannot write %s", path);
		return;
	}
	err = xenpt_source_open_core(path, &src);
	unlink(path);
	if (!err) {
		test_fail(__FILE__, line, "opened, expected %s \"%s\"", xenpt_error_code_name(code),
			  substr);
		xenpt_source_close(src);
		return;
	}
	if (xenpt_error_code(err) != code || !strstr(xenpt_error_message(err), substr))
		test_fail(__FILE__, line, "got %s \"%s\", expected %s containing \"%s\"",
			  xenpt_error_code_name(xenpt_error_code(err)), xenpt_error_message(err),
			  xenpt_error_code_name(code), substr);
	else if (verbose())
		printf("# %s\n", xenpt_error_message(err));
	xenpt_error_destroy(err);
}

/* Mutate a copy of the base with the statements given, then expect_bad(). */
#define HOSTILE(code, substr, ...)                                             \
	do {                                                                   \
		uint8_t *b = malloc(len);                                      \
		size_t l = len;                                                \
		if (!b)                                                        \
			break;                                                 \
		memcpy(b, base, len);                                          \
		{ __VA_ARGS__; }                                               \
		expect_bad(b, l, code, substr, __LINE__);                      \
		free(b);                                                       \
		n_cases++;                                                     \
	} while (0)

#define SH(i) (b + 0x40 + (i) * 64)        /* section header i of the sample */
#define BAD XENPT_ERR_BAD_DATA

TEST(hostile_headers_and_sections)
{
	size_t len = 0;
	uint8_t *base = sample_bytes("base.core", &len);
	unsigned n_cases = 0;

	REQUIRE(base);
	REQUIRE(len == 0x10108);
	/* The sample's sections: 1 .shstrtab 2 .note.Xen 3 .xen_prstatus
	 * 4 .xen_shared_info 5 .xen_pages 6 .xen_p2m */
	REQUIRE(shdr_of(base, ".xen_pages") == base + 0x40 + 5 * 64);

	HOSTILE(BAD, "empty file (0 bytes)", l = 0);
	HOSTILE(BAD, "too short for an ELF header", l = 40);
	HOSTILE(BAD, "no ELF magic", b[1] = 'e');
	HOSTILE(BAD, "ELF class 1", b[4] = 1);
	HOSTILE(BAD, "little endian", b[5] = 2);
	HOSTILE(BAD, "ELF type 2", b[16] = 2);
	HOSTILE(XENPT_ERR_UNSUPPORTED, "32-bit PV guest", b[18] = 3);
	HOSTILE(BAD, "e_machine 183", b[18] = 183);
	HOSTILE(BAD, "runs past the end of the file", wr64(b + 40, len + 100));
	HOSTILE(BAD, "runs past the end of the file", wr64(b + 40, UINT64_MAX - 63));
	HOSTILE(BAD, "runs past the end of the file", b[60] = 0xff; b[61] = 0xfe);
	HOSTILE(BAD, "reserved range", b[60] = 0x00; b[61] = 0xff);
	/* issue 15: e_shnum one too many reaches into .note.Xen's data at 0x200 */
	HOSTILE(BAD, "e_shnum 8 is too large: the section header table at e_shoff 0x40 would end "
		"at 0x240, inside the data of section 2 (.note.Xen) at 0x200; at most 7 headers fit",
		b[60] = 8);
	HOSTILE(BAD, "e_shnum 9 is too large", b[60] = 9);
	/* issue 15: a file cut inside .note.Xen (0x568 bytes at 0x200) names that
	 * section and what is missing, not .shstrtab, written last */
	HOSTILE(BAD, "section 2 (SHT_NOTE 7, name unreadable: the section name table, section 1, "
		"is past the end of the file too): 0x568 bytes at offset 0x200 run past the end of "
		"the file (0x300 bytes): the file ends inside it, 0x468 of its bytes are missing "
		"(0xfe08 in all)", l = 0x300);
	/* cut inside .xen_pages: the name table is gone, its type is said */
	HOSTILE(BAD, "section 5 (SHT_PROGBITS 1, name unreadable", l = 0x5000);
	/* cut inside the name table itself, whose names are still in the file */
	HOSTILE(BAD, "section 1 (.shstrtab): 0x48 bytes at offset 0x100c0 run past the end of the "
		"file (0x10100 bytes): the file ends inside it, 0x8 of its bytes are missing",
		l = len - 8);
	HOSTILE(BAD, "no section headers", b[60] = 0; b[61] = 0);
	HOSTILE(BAD, "no section headers", wr64(b + 40, 0));
	HOSTILE(BAD, "e_shentsize 32", b[58] = 32);
	HOSTILE(BAD, "e_shstrndx 7 is not a section", b[62] = 7);
	HOSTILE(BAD, "e_shstrndx 0 is not a section", b[62] = 0);
	HOSTILE(BAD, "e_shstrndx 65535", b[62] = 0xff; b[63] = 0xff);
	HOSTILE(BAD, "section 3 (e_shstrndx) is not a string table", b[62] = 3);
	HOSTILE(BAD, "section 3: name offset 0xffff is outside .shstrtab",
		wr32(SH(3), 0xffff));
	HOSTILE(BAD, "section 3: name offset 0x48 is outside .shstrtab", wr32(SH(3), 0x48));
	HOSTILE(BAD, "section 6: name at .shstrtab offset 0x3f is not NUL-terminated",
		b[len - 1] = 'X');
	HOSTILE(BAD, "section 5 (.xen_pages): 0x" , wr64(SH(5) + 24, UINT64_MAX - 0xfff));
	HOSTILE(BAD, "run past the end of the file", wr64(SH(6) + 32, UINT64_MAX));
	HOSTILE(BAD, "run past the end of the file", wr64(SH(6) + 32, 0x1000));
	HOSTILE(BAD, "section 1 (e_shstrndx)", wr64(SH(1) + 24, len));
	HOSTILE(BAD, "section .note.Xen has type 1, expected 7", b[0x40 + 2 * 64 + 4] = 1);
	HOSTILE(BAD, "no .xen_pages section", memcpy(b + len - 0x48 + 0x34, ".xen_pagex", 10));
	HOSTILE(BAD, "no .note.Xen section", b[len - 0x48 + 0xb + 5] = 'Y');
	HOSTILE(BAD, "no .xen_prstatus section", b[len - 0x48 + 0x15 + 5] = 'Y');
	HOSTILE(BAD, "no .xen_p2m or .xen_pfn section", b[len - 0x48 + 0x3f + 5] = 'Y');
	HOSTILE(BAD, "two .xen_p2m sections (5 and 6)", wr32(SH(5), 0x3f));
	HOSTILE(BAD, "both .xen_pfn (section 4) and .xen_p2m (section 6)",
		memcpy(b + len - 0x48 + 0x23, ".xen_pfn", 9));
	/* notes */
	HOSTILE(BAD, "runs past the end of the section", b[0x214] = 0xff; b[0x215] = 0xff;
		b[0x216] = 0xff; b[0x217] = 0xff);
	HOSTILE(BAD, "runs past the end of the section", b[0x210] = 0xff; b[0x213] = 0xff);
	HOSTILE(BAD, "runs past the end of the section", wr64(SH(2) + 32, 0x568 - 4));
	HOSTILE(BAD, "too few for a note header", wr64(SH(2) + 32, 0x568 + 4));
	HOSTILE(BAD, "header note has 24 bytes", b[0x214] = 24);
	HOSTILE(BAD, "no dump-core header note", b[0x218] = 9);
	HOSTILE(BAD, "two header notes", b[0x248] = 1);
	HOSTILE(BAD, "Xen version note has 8 bytes", b[0x244] = 8; b[0x245] = 0;
		/* keep the walk aligned: the rest of the old desc becomes junk notes */
		wr64(SH(2) + 32, 0x240 + 16 + 8 - 0x200));
	HOSTILE(XENPT_ERR_UNSUPPORTED, "format version 2.0", wr64(b + 0x760, 2ull << 32));
	HOSTILE(BAD, "format version note has 1280 bytes", b[0x248] = 3);
	HOSTILE(BAD, "magic 0x12345678", wr64(b + 0x220, 0x12345678));
	HOSTILE(BAD, "HVM core (header magic) with a .xen_p2m section",
		wr64(b + 0x220, 0xF00FEBEE));
	HOSTILE(BAD, "page size 8192", wr64(b + 0x238, 8192));
	HOSTILE(BAD, "page size 0", wr64(b + 0x238, 0));
	HOSTILE(BAD, "says 0 vCPUs", wr64(b + 0x228, 0));
	HOSTILE(BAD, "section .xen_prstatus: size 0x2860 but 3 vCPUs", wr64(b + 0x228, 3));
	HOSTILE(BAD, "section .xen_prstatus: size 0x2860 but the header note's 4611686018427387904 vCPUs",
		wr64(b + 0x228, 1ull << 62));
	HOSTILE(BAD, "section .xen_pages: size 0xc000 but 13 pages need 0xd000",
		wr64(b + 0x230, 13));
	HOSTILE(BAD, "section .xen_pages: size 0xc000 but 11 pages need 0xb000",
		wr64(b + 0x230, 11));
	HOSTILE(BAD, "section .xen_pages: size 0xc000 but the header note's 1152921504606846976 "
		"pages", wr64(b + 0x230, 1ull << 60));
	HOSTILE(BAD, "section .xen_p2m: size 0xc0 but 0 pages need 0x0",
		wr64(b + 0x230, 0); wr64(SH(5) + 32, 0));
	HOSTILE(BAD, "section .xen_p2m: size 0x0 but 12 pages need 0xc0", wr64(SH(6) + 32, 0));
	HOSTILE(BAD, ".xen_pages at offset 0x4008 is not page aligned", wr64(SH(5) + 24, 0x4008));
	HOSTILE(BAD, "sh_entsize 5000", wr64(SH(3) + 56, 5000));
	HOSTILE(BAD, "section .xen_shared_info: size 0x800", wr64(SH(4) + 32, 0x800));
	/* the table */
	HOSTILE(BAD, "PFN 0x0 is listed twice in .xen_p2m (pages 0 and 1)",
		wr64(b + 0x10000 + 16, 0));
	HOSTILE(BAD, "PFN 0x100 is listed twice in .xen_p2m (pages 9 and 11)",
		wr64(b + 0x10000 + 11 * 16, 0x100));
	printf("# %u hostile variants\n", n_cases);
	free(base);
}

TEST(hostile_not_files)
{
	const char *dir = test_tmp_path("adir"), *fifo = test_tmp_path("fifo");
	struct xenpt_source *src = NULL;

	REQUIRE(mkdir(dir, 0700) == 0);
	CHECK_ERR_MSG(xenpt_source_open_core(dir, &src), XENPT_ERR_BAD_DATA, "is a directory");
	rmdir(dir);
	CHECK_ERR_MSG(xenpt_source_open_core(test_tmp_path("no-such.core"), &src),
		      XENPT_ERR_NOT_FOUND, "no-such.core: no such file");
	REQUIRE(mkfifo(fifo, 0600) == 0);
	/* must neither hang on open nor read */
	CHECK_ERR_MSG(xenpt_source_open_core(fifo, &src), XENPT_ERR_BAD_DATA,
		      "not a regular file");
	unlink(fifo);
	CHECK_ERR_MSG(xenpt_source_open_core("/dev/null", &src), XENPT_ERR_BAD_DATA,
		      "not a regular file");
	CHECK_ERR(xenpt_core_open("", &src), XENPT_ERR_INVALID_ARG);
	CHECK(src == NULL);
}

/*
 * A sparse file whose headers claim 2^28 pages (1 TiB of .xen_pages and a
 * 4 GiB .xen_p2m), holding a few KiB: refused at once, with no memory
 * spent on a table that is a hole.  Built from the writer's sample: the
 * header note's page count and the two sections grow, .xen_p2m and
 * .shstrtab move past the claimed pages, the file is extended with a hole.
 */
TEST(hostile_sparse_claims)
{
	const uint64_t n = 1ull << 28;
	const char *path = test_tmp_path("sparse-claim.core");
	size_t len = 0;
	uint8_t *b = sample_bytes("base.core", &len);
	uint64_t pages_off, p2m_off, str_off, str_size;
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;
	struct rusage ru0, ru1;
	double t0;
	int fd;

	REQUIRE(b);
	pages_off = rd64(shdr_of(b, ".xen_pages") + 24);
	str_off = rd64(b + rd64(b + 40) + 1 * 64u + 24);   /* section 1: .shstrtab */
	str_size = rd64(b + rd64(b + 40) + 1 * 64u + 32);
	REQUIRE(str_off + str_size == len);
	p2m_off = pages_off + n * PAGE;
	wr64(b + 0x230, n);                                 /* header note: nr_pages */
	wr64(shdr_of(b, ".xen_pages") + 32, n * PAGE);
	wr64(shdr_of(b, ".xen_p2m") + 24, p2m_off);
	wr64(shdr_of(b, ".xen_p2m") + 32, n * 16);
	wr64(b + rd64(b + 40) + 1 * 64u + 24, p2m_off + n * 16);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0);
	CHECK(pwrite(fd, b, (size_t)pages_off, 0) == (ssize_t)pages_off);
	/* the first table entries are data; the rest of the table is a hole */
	CHECK(pwrite(fd, b + len - str_size - 16 * 4, 16 * 4, (off_t)p2m_off) == 16 * 4);
	CHECK(pwrite(fd, b + str_off, (size_t)str_size, (off_t)(p2m_off + n * 16)) ==
	      (ssize_t)str_size);
	close(fd);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_s();
	err = xenpt_source_open_core(path, &src);
	getrusage(RUSAGE_SELF, &ru1);
	CHECK(now_s() - t0 < 2.0);
	/* the page cache a read of the hole would fill is counted too (maxrss) */
	CHECK(ru1.ru_maxrss - ru0.ru_maxrss < 64 * 1024);
	CHECK_ERR_MSG(err, XENPT_ERR_BAD_DATA, "section .xen_p2m (0x100000000 bytes");
	CHECK(src == NULL);
	unlink(path);
	free(b);
}

TEST(hostile_truncation)
{
	size_t len = 0, cuts[600], n = 0, i, k;
	uint8_t *base = sample_bytes("trunc.core", &len);
	uint64_t x = 42;

	REQUIRE(base);
	/* every section boundary, one byte either side */
	for (i = 1; i < 7; i++) {
		uint64_t off = rd64(base + 0x40 + i * 64 + 24), size = rd64(base + 0x40 + i * 64 + 32);
		const uint64_t pts[] = { off - 1, off, off + 1, off + size - 1, off + size,
					 off + size + 1 };

		for (k = 0; k < 6; k++)
			if (pts[k] < len)
				cuts[n++] = (size_t)pts[k];
	}
	/* the ELF header and section headers byte by byte */
	for (i = 0; i < 0x200; i += 7)
		cuts[n++] = i;
	/* 200 evenly spaced and 100 random */
	for (i = 0; i < 200; i++)
		cuts[n++] = i * len / 200;
	for (i = 0; i < 100; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		cuts[n++] = (size_t)((x >> 33) % len);
	}
	cuts[n++] = len - 1;
	for (i = 0; i < n; i++) {
		const char *path = test_tmp_path("cut.core");
		struct xenpt_source *src = NULL;
		struct xenpt_error *err;

		REQUIRE(spit(path, base, cuts[i]));
		err = xenpt_source_open_core(path, &src);
		if (!err) {
			test_fail(__FILE__, __LINE__, "a core cut at 0x%zx opened", cuts[i]);
			xenpt_source_close(src);
		} else {
			if (xenpt_error_code(err) != XENPT_ERR_BAD_DATA ||
			    !strstr(xenpt_error_message(err), "core file "))
				test_fail(__FILE__, __LINE__, "cut at 0x%zx: %s", cuts[i],
					  xenpt_error_message(err));
			xenpt_error_destroy(err);
		}
	}
	unlink(test_tmp_path("cut.core"));
	CHECK(n >= 400);
	printf("# %zu truncation points, all refused\n", n);
	free(base);
}

/* Random byte changes in the metadata: either a clean error or a usable source. */
TEST(hostile_random_flips)
{
	size_t len = 0, i;
	uint8_t *base = sample_bytes("flip.core", &len), *b;
	uint64_t x = 7, opened = 0, refused = 0;
	const char *path = test_tmp_path("flip-v.core");
	unsigned iter;

	REQUIRE(base);
	b = malloc(len);
	REQUIRE(b);
	for (iter = 0; iter < 1500; iter++) {
		struct xenpt_source *src = NULL;
		struct xenpt_error *err;
		unsigned flips;

		memcpy(b, base, len);
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		flips = 1 + (unsigned)((x >> 60) & 3);
		for (i = 0; i < flips; i++) {
			size_t at;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			/* headers + notes, or the table + string table */
			at = (x >> 40) & 1 ? (size_t)((x >> 20) % 0x768)
					   : 0x10000 + (size_t)((x >> 20) % (len - 0x10000));
			b[at] ^= (uint8_t)(1u << ((x >> 8) & 7)) | (uint8_t)((x >> 50) & 0xff);
		}
		REQUIRE(spit(path, b, len));
		err = xenpt_source_open_core(path, &src);
		if (err) {
			enum xenpt_error_code c = xenpt_error_code(err);

			if (c != XENPT_ERR_BAD_DATA && c != XENPT_ERR_UNSUPPORTED)
				test_fail(__FILE__, __LINE__, "iteration %u: %s", iter,
					  xenpt_error_message(err));
			xenpt_error_destroy(err);
			refused++;
			continue;
		}
		/* touch everything it claims to have */
		{
			const struct xenpt_domain_info *info = xenpt_source_domain(src);
			uint64_t g[0x120], m[0x120];
			const uint8_t *p[0x120];
			int e[0x120];
			uint32_t v;
			volatile uint8_t sink = 0;

			for (v = 0; v < info->nr_vcpus && v < 4; v++) {
				struct xenpt_vcpu vc;

				xenpt_error_destroy(src->ops->vcpu(src, v, &vc));
			}
			for (i = 0; i < 0x120; i++)
				g[i] = i;
			if (!src->ops->get_frames(src, XENPT_SPACE_GFN, g, 0x120, p, e, NULL))
				for (i = 0; i < 0x120; i++)
					if (p[i])
						sink ^= p[i][PAGE - 1];
			if (!info->hvm && !src->ops->p2m(src, g, 0x120, m)) {
				xenpt_error_destroy(src->ops->get_frames(src, XENPT_SPACE_MFN, m,
									  0x120, p, e, NULL));
				xenpt_error_destroy(src->ops->m2p(src, m, 0x120, g));
			}
			(void)sink;
		}
		xenpt_source_close(src);
		opened++;
	}
	unlink(path);
	printf("# random flips: %" PRIu64 " opened cleanly, %" PRIu64 " refused cleanly\n",
	       opened, refused);
	CHECK(refused > 0);
	free(b);
	free(base);
}
