/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus of fuzz_core (tests/fuzz/corpus/core/): tiny
 * `xl dump-core` files made with xenpt_core_write() and
 * xenpt_synth_write_core(), plus truncated and damaged variants, so that
 * the fuzzer starts from valid files of every shape it should explore.
 * Kept small (a few pages each): the fuzzer's speed depends on it.
 *
 *   cc -Iinclude -Ilib tests/fuzz/mkcorpus.c build/libxenpt.a -o mkcorpus && ./mkcorpus DIR
 *
 * The output is deterministic; the committed files are its output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xenpt/xenpt.h>

#include "xen/xen_abi.h"

#define PAGE 4096u
#define NPAGES 6u

static uint8_t pages[NPAGES][PAGE];

static const uint8_t *page_of(void *arg, uint64_t index)
{
	(void)arg;
	return index < NPAGES ? pages[index] : NULL;
}

static void put64(uint8_t *page, unsigned idx, uint64_t v)
{
	memcpy(page + idx * 8, &v, 8);
}

static void die(struct xenpt_error *err, const char *what)
{
	if (!err)
		return;
	fprintf(stderr, "mkcorpus: %s: %s\n", what, xenpt_error_message(err));
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spew(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* DIR/NAME.core, then NAME-trunc-K variants cut at a few places and one with a flipped byte. */
static void variants(const char *dir, const char *name)
{
	static const size_t cuts[] = { 64, 200, 1000, 4096 };
	char path[512], vpath[600];
	size_t len, i;
	char *data;

	snprintf(path, sizeof(path), "%s/%s.core", dir, name);
	data = slurp(path, &len);
	if (!data)
		return;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (cuts[i] >= len)
			continue;
		snprintf(vpath, sizeof(vpath), "%s/%s-trunc-%zu.core", dir, name, cuts[i]);
		spew(vpath, data, cuts[i]);
	}
	snprintf(vpath, sizeof(vpath), "%s/%s-trunc-last.core", dir, name);
	spew(vpath, data, len - 1);
	free(data);
}

/*
 * A 64-bit PV guest in 6 pages: an L4 -> L3 -> L2 -> L1 chain with shared
 * and hostile entries (Xen slot, a 1G and a 2M PSE leaf, a writable map of
 * the L4, frames not in the core), a data page and a P2M leaf page.
 */
static void pv_core(const char *dir)
{
	static const uint64_t mfn[NPAGES] = { 0x1005, 0x1003, 0x1000, 0x1004, 0x1001, 0x1002 };
	uint64_t pfns[NPAGES];
	struct xenpt_vcpu v[2];
	struct xenpt_shared_info si;
	struct xenpt_core_desc d;
	static uint8_t shinfo[PAGE];
	char path[512];
	unsigned i;

	memset(pages, 0, sizeof(pages));
	for (i = 0; i < NPAGES; i++)
		pfns[i] = i;
	/* pfn 0: the L4 */
	put64(pages[0], 0, mfn[1] << 12 | 0x67);
	put64(pages[0], 1, 0x9999ull << 12 | 0x67);        /* an L3 not in the core */
	put64(pages[0], 258, mfn[0] << 12 | 0x63);         /* Xen's slot: never walked */
	put64(pages[0], 273, mfn[1] << 12 | 0x67);         /* direct map shares the L3 */
	put64(pages[0], 511, mfn[1] << 12 | 0x67);
	/* pfn 1: the L3 */
	put64(pages[1], 0, mfn[2] << 12 | 0x67);
	put64(pages[1], 5, 0x40000ull << 12 | 0xe3);        /* 1G PSE leaf */
	put64(pages[1], 510, mfn[2] << 12 | 0x67);
	put64(pages[1], 511, mfn[0] << 12 | 0x65);         /* back to the L4: a cycle */
	/* pfn 2: the L2 */
	put64(pages[2], 0, mfn[3] << 12 | 0x67);
	put64(pages[2], 1, 0x2000ull << 12 | 0xe3);         /* 2M PSE leaf */
	put64(pages[2], 2, 0xfff0000000000067ull);         /* reserved bits */
	/* pfn 3: the L1 */
	put64(pages[3], 0, mfn[4] << 12 | 0x8000000000000025ull);
	put64(pages[3], 1, mfn[5] << 12 | 0x25);
	put64(pages[3], 2, mfn[0] << 12 | 0x27);           /* the L4, writable */
	put64(pages[3], 3, 0x7777ull << 12 | 0x25);        /* not in the core */
	put64(pages[3], 511, mfn[1] << 12 | 0x25);
	/* pfn 4: data */
	memcpy(pages[4], "XENPT-FUZZ-CORE-SEED", 20);
	/* pfn 5: a P2M leaf */
	for (i = 0; i < NPAGES; i++)
		put64(pages[5], i, mfn[i]);
	for (i = NPAGES; i < 512; i++)
		put64(pages[5], i, ~0ull);

	memset(v, 0, sizeof(v));
	v[0].id = 0;
	v[0].online = true;
	v[0].flags = 0x3d;
	v[0].cr3 = mfn[0] << 12;
	v[0].user_cr3 = mfn[1] << 12;
	v[0].regs.rip = 0xffffffff81000000ull;
	v[0].regs.cs = 0xe033;
	v[0].traps[14].vector = 14;
	v[0].traps[14].cs = 0xe033;
	v[0].traps[14].address = 0xffffffff81001000ull;
	v[1].id = 1;   /* offline: no CR3 */
	memset(&si, 0, sizeof(si));
	si.max_pfn = NPAGES;
	si.pfn_to_mfn_frame_list_list = mfn[5];
	si.p2m_cr3 = mfn[0] << 12;
	si.p2m_vaddr = 0xffffc90000000000ull;
	xenpt_abi_encode_shared_info(&si, shinfo);

	memset(&d, 0, sizeof(d));
	d.nr_vcpus = 2;
	d.vcpus = v;
	d.shared_info = shinfo;
	d.nr_pages = NPAGES;
	d.pfns = pfns;
	d.mfns = mfn;
	d.page = page_of;
	d.xen_major = 4;
	d.xen_minor = 17;
	d.xen_extra = ".7";
	snprintf(path, sizeof(path), "%s/pv-tiny.core", dir);
	die(xenpt_core_write(path, &d), path);
	variants(dir, "pv-tiny");

	/* the same with a duplicate MFN, a PFN gap and no shared_info */
	{
		uint64_t mfn2[NPAGES], pfn2[NPAGES];

		memcpy(mfn2, mfn, sizeof(mfn2));
		mfn2[4] = mfn[3];
		for (i = 0; i < NPAGES; i++)
			pfn2[i] = i < 3 ? i : i + 0x100;
		d.mfns = mfn2;
		d.pfns = pfn2;
		d.shared_info = NULL;
		d.nr_vcpus = 1;
		snprintf(path, sizeof(path), "%s/pv-dup.core", dir);
		die(xenpt_core_write(path, &d), path);
	}
}

/* An HVM guest in 6 pages: 4-level tables holding GFNs. */
static void hvm_core(const char *dir)
{
	uint64_t gfns[NPAGES];
	struct xenpt_vcpu v;
	struct xenpt_core_desc d;
	char path[512];
	unsigned i;

	memset(pages, 0, sizeof(pages));
	for (i = 0; i < NPAGES; i++)
		gfns[i] = i == 5 ? 0x100 : i;
	put64(pages[0], 0, 1ull << 12 | 0x67);
	put64(pages[0], 511, 1ull << 12 | 0x63);
	put64(pages[1], 0, 2ull << 12 | 0x67);
	put64(pages[1], 1, 0x40000ull << 12 | 0xe3);
	put64(pages[2], 0, 3ull << 12 | 0x67);
	put64(pages[2], 1, 0x200ull << 12 | 0xe3);
	put64(pages[3], 0, 4ull << 12 | 0x63);
	put64(pages[3], 1, 0x100ull << 12 | 0x63);
	memcpy(pages[4], "XENPT-FUZZ-HVM-SEED", 19);
	memset(&v, 0, sizeof(v));
	v.online = true;
	v.flags = 0x3d;
	v.cr0 = 0x80050033;
	v.cr4 = 0x20;     /* PAE: long mode assumed for a 64-bit core */
	v.cr3 = 0;
	memset(&d, 0, sizeof(d));
	d.hvm = true;
	d.nr_vcpus = 1;
	d.vcpus = &v;
	d.nr_pages = NPAGES;
	d.pfns = gfns;
	d.page = page_of;
	d.xen_major = 4;
	d.xen_minor = 17;
	d.xen_extra = ".7";
	snprintf(path, sizeof(path), "%s/hvm-tiny.core", dir);
	die(xenpt_core_write(path, &d), path);
	variants(dir, "hvm-tiny");
}

/* A synthetic PV domain of 16 pages written by the model itself. */
static void synth_core(const char *dir)
{
	static const char spec[] =
		"domain pv\nname fuzz\ndomid 3\npages 16\nhost-frames 0x400\nvcpus 2\nseed 9\n"
		"map 0x400000 pfn=1 count=2 flags=us,a\n"
		"map 0xffff888000000000 pfn=0 count=4 flags=rw,nx,a,d\n"
		"write pfn=2 \"XENPT-FUZZ-SYNTH\\0\"\n"
		"raw 0x404000 level=1 mfn=0x3ff flags=us,a\n"
		"p2m 5 0x3fe\n";
	struct xenpt_synth *s;
	char path[512];

	die(xenpt_synth_parse(spec, sizeof(spec) - 1, "mkcorpus", &s), "synth spec");
	snprintf(path, sizeof(path), "%s/synth-small.core", dir);
	die(xenpt_synth_write_core(s, path), path);
	xenpt_synth_destroy(s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	mkdir(argv[1], 0755);
	pv_core(argv[1]);
	hvm_core(argv[1]);
	synth_core(argv[1]);
	return 0;
}
