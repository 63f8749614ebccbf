/* SPDX-License-Identifier: MIT */
/*
 * corpus-record: run the differential corpus in a holding xenpt test guest
 * and write what Xen answered (tests/corpus/README.md, "Recorded results").
 *
 *   corpus-record DOMID OUT.rec
 *
 * Runs in dom0.  The guest (tests/guest/, scenario=none) must be READY.
 * For each sequence it posts XENPT_GUEST_MB_CORPUS_RUN through the mailbox,
 * reads the guest's corpus result area (rcs, symbol MFNs), asks Xen for
 * the types and pins of every frame the sequence named
 * (xc_get_pfn_type_batch = XEN_DOMCTL_getpageframeinfo3) and reads their
 * entries through read-only foreign mappings, then posts CORPUS_CLEAN and
 * checks that the anchors are back to the header's state.
 *
 * A test helper, not part of xenpt: libxenctrl and libxenforeignmemory only.
 * Exit status: 0 all sequences recorded, 1 a sequence could not be run or
 * left drift behind, 2 setup error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "../guest/result.h"
#include "corpus.h"

/*
 * Exported by libxenctrl.so.4.17 but declared only in the private
 * tools/libs/ctrl/xc_private.h: XEN_DOMCTL_getpageframeinfo3, frame numbers
 * in, type words out in place, at most 1024 a call.
 */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num, xen_pfn_t *arr);

/* arch_shared_info sits after vcpu_info[32], evtchn_pending/mask and wallclock */
#define SHINFO_ARCH_OFF (32 * 64 + 2 * 64 * 8 + 16)
#define PTE_ADDR 0x000ffffffffff000ull
/* 64-bit PV L4 slots owned by Xen (xen/arch/x86/include/asm/config.h,
 * ROOT_PAGETABLE_FIRST_XEN_SLOT .. LAST_XEN_SLOT) */
#define XEN_SLOT_FIRST 256
#define XEN_SLOT_LAST 271

static const char *const anchor_name[CORPUS_NR_ANCHORS] = { "ROOT", "KL3", "KL2", "KL1",
							     "BL1" };
static xc_interface *xch;
static xenforeignmemory_handle *fmem;
static uint32_t domid;
static FILE *out;
static uint64_t anchor_mfn[CORPUS_NR_ANCHORS];
static uint64_t base_ent[CORPUS_NR_ANCHORS][512];

static void *map1(uint64_t mfn, int prot)
{
	xen_pfn_t frame = mfn;
	int err = 0;
	void *p = xenforeignmemory_map(fmem, domid, prot, 1, &frame, &err);

	if (!p || err) {
		fprintf(stderr, "corpus-record: cannot map mfn 0x%" PRIx64 ": %s\n", mfn,
			strerror(err ? -err : errno));
		if (p)
			xenforeignmemory_unmap(fmem, p, 1);
		return NULL;
	}
	return p;
}

/* Copy a frame's 512 entries out of a read-only foreign mapping. */
static bool read_frame(uint64_t mfn, uint64_t ent[512])
{
	void *p = map1(mfn, PROT_READ);

	if (!p)
		return false;
	memcpy(ent, p, 4096);
	xenforeignmemory_unmap(fmem, p, 1);
	return true;
}

/* PFN -> MFN through the guest's frame-list-list tree (64-bit guest). */
static uint64_t p2m_lookup(uint64_t shinfo_mfn, uint64_t pfn)
{
	uint64_t mfn, ent[512];
	int level;

	if (!read_frame(shinfo_mfn, ent))
		return ~0ull;
	mfn = ent[SHINFO_ARCH_OFF / 8 + 1];   /* pfn_to_mfn_frame_list_list */
	if (!mfn || mfn == ~0ull) {
		fprintf(stderr, "corpus-record: the guest published no P2M tree\n");
		return ~0ull;
	}
	for (level = 3; level >= 1; level--) {
		if (!read_frame(mfn, ent))
			return ~0ull;
		mfn = ent[(pfn >> (9 * (level - 1))) & 511];
	}
	return mfn;
}

static bool guest_alive(void)
{
	xc_domaininfo_t info;

	return xc_domain_getinfolist(xch, domid, 1, &info) == 1 && info.domain == domid &&
	       !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

/* Post a mailbox request and wait for the ack; -1000 on timeout. */
static int request(volatile struct xenpt_guest_result *r, uint32_t op, uint64_t a0,
		   uint64_t *ret)
{
	struct timespec ts = { 0, 500 * 1000 };
	uint32_t seq = r->mbox.ack_seq + 1;
	int i;

	r->mbox.op = op;
	r->mbox.arg0 = a0;
	r->mbox.arg1 = 0;
	__atomic_store_n(&r->mbox.req_seq, seq, __ATOMIC_RELEASE);
	for (i = 0; i < 40000; i++) {
		if (__atomic_load_n(&r->mbox.ack_seq, __ATOMIC_ACQUIRE) == seq) {
			*ret = r->mbox.ret;
			return r->mbox.status;
		}
		if (i % 2000 == 1999 && !guest_alive())
			break;
		nanosleep(&ts, NULL);
	}
	return -1000;
}

static const char *type_name(xen_pfn_t t, int *pinned)
{
	*pinned = (t & XEN_DOMCTL_PFINFO_LPINTAB) != 0;
	switch (t & XEN_DOMCTL_PFINFO_LTAB_MASK) {
	case XEN_DOMCTL_PFINFO_XTAB: *pinned = 0; return "xtab";
	case XEN_DOMCTL_PFINFO_XALLOC: *pinned = 0; return "xalloc";
	case XEN_DOMCTL_PFINFO_BROKEN: *pinned = 0; return "broken";
	}
	switch (t & XEN_DOMCTL_PFINFO_LTABTYPE_MASK) {
	case XEN_DOMCTL_PFINFO_NOTAB: return "none";
	case XEN_DOMCTL_PFINFO_L1TAB: return "l1";
	case XEN_DOMCTL_PFINFO_L2TAB: return "l2";
	case XEN_DOMCTL_PFINFO_L3TAB: return "l3";
	case XEN_DOMCTL_PFINFO_L4TAB: return "l4";
	}
	return "?";
}

static bool frame_types(const uint64_t *mfns, unsigned int n, xen_pfn_t *types)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		types[i] = mfns[i];
	if (xc_get_pfn_type_batch(xch, domid, n, types)) {
		fprintf(stderr, "corpus-record: getpageframeinfo3: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* Symbol of an MFN: anchors, then the sequence's fresh frames. */
static const struct corpus_result *cur_res;
static const char *cur_frames[CORPUS_MAX_FRAMES];

static void print_sym(const char *prefix, uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < CORPUS_NR_ANCHORS; i++)
		if (anchor_mfn[i] == mfn) {
			fprintf(out, "%s%s", prefix, anchor_name[i]);
			return;
		}
	for (i = 0; cur_res && i < cur_res->nr_frames; i++)
		if (cur_res->sym_mfn[CORPUS_NR_ANCHORS + i] == mfn) {
			fprintf(out, "%s%s", prefix, cur_frames[i]);
			return;
		}
	if (!mfn)
		fprintf(out, "%s0", prefix);
	else
		fprintf(out, "%smfn=0x%" PRIx64, prefix, mfn);
}

static void print_entry(const char *pfx, const char *sym, unsigned int i, uint64_t e,
			bool is_l4)
{
	bool xen = is_l4 && i >= XEN_SLOT_FIRST && i <= XEN_SLOT_LAST;

	/* is_l4: the frame is an L4 now, or (fresh frames) this entry was not
	 * written by the sequence, so only Xen can have put it there */

	fprintf(out, "%s %s %s %u 0x%" PRIx64 "\n", pfx, xen ? "xent" : "ent", sym, i, e);
}

/* The header: the anchors as every sequence finds them. */
static bool header(const struct corpus_result *res, const struct xenpt_guest_result *r)
{
	xen_pfn_t types[CORPUS_NR_ANCHORS];
	vcpu_guest_context_any_t ctx;
	unsigned int a, i;
	xen_extraversion_t extra = { 0 };
	int ver = xc_version(xch, XENVER_version, NULL);

	fprintf(out, "# xenpt differential corpus (tests/corpus/README.md), recorded by "
		"tests/corpus/record.c\n");
	xc_version(xch, XENVER_extraversion, &extra);
	fprintf(out, "world xen %d.%d%.*s\n", ver >> 16, ver & 0xffff, (int)sizeof(extra), extra);
	fprintf(out, "world guest nr_pages=0x%" PRIx64 " boot_end_pfn=0x%" PRIx64 " nx=%d\n",
		r->layout.nr_pages, r->layout.boot_end_pfn, !!(r->flags & XENPT_GUEST_F_NX));
	fprintf(out, "world vm_assist writable_pagetables=%d\n", res->vmassist_rc == 0);
	fprintf(out, "world sequences %u ops %u hash 0x%" PRIx64 "\n", corpus_nr_seqs,
		corpus_nr_ops, corpus_hash);
	for (a = 0; a < CORPUS_NR_ANCHORS; a++)
		anchor_mfn[a] = res->sym_mfn[a];
	if (!frame_types(anchor_mfn, CORPUS_NR_ANCHORS, types))
		return false;
	for (a = 0; a < CORPUS_NR_ANCHORS; a++) {
		int pinned;
		const char *t = type_name(types[a], &pinned);

		fprintf(out, "world anchor %s mfn=0x%" PRIx64 " pfn=0x%" PRIx64 " type=%s "
			"pinned=%d\n", anchor_name[a], anchor_mfn[a], res->sym_pfn[a], t, pinned);
		if (!read_frame(anchor_mfn[a], base_ent[a]))
			return false;
		for (i = 0; i < 512; i++)
			if (base_ent[a][i])
				print_entry("world", anchor_name[a], i, base_ent[a][i], a == 0);
	}
	if (xc_vcpu_getcontext(xch, domid, 0, &ctx)) {
		fprintf(stderr, "corpus-record: getcontext: %s\n", strerror(errno));
		return false;
	}
	print_sym("world cr3 ", ctx.x64.ctrlreg[3] >> 12);
	print_sym("\nworld user_cr3 ", ctx.x64.ctrlreg[1] >> 12);
	fprintf(out, "\n");
	return true;
}

static bool named(const struct corpus_seq *s, unsigned int a, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < s->nr_named; i++)
		if (corpus_named[s->first_named + i] == (a << 9 | idx))
			return true;
	return false;
}

static bool anchor_used(const struct corpus_seq *s, unsigned int a)
{
	unsigned int i;

	for (i = 0; i < s->nr_named; i++)
		if (corpus_named[s->first_named + i] >> 9 == a)
			return true;
	for (i = 0; i < s->nr_ops; i++) {
		const struct corpus_op *op = &corpus_ops[s->first_op + i];

		if (op->sym == a || op->vsym == a)
			return true;
	}
	return false;
}

/*
 * Could the sequence itself have written entry idx of symbol sym?  An mmu
 * op on it, or a store (the driver cannot tell which frame a VA maps then:
 * any store's word index counts).  Used to tell Xen's L4 slots, which stay
 * in a frame after it stops being an L4, from what the guest wrote there.
 */
static bool seq_wrote(const struct corpus_seq *s, unsigned int sym, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < s->nr_ops; i++) {
		const struct corpus_op *op = &corpus_ops[s->first_op + i];

		if ((op->code == CO_MMU || op->code == CO_MMU_AD) && op->sym == sym &&
		    op->idx == idx)
			return true;
		if (op->code == CO_WRITE && ((op->va >> 3) & 511) == idx)
			return true;
	}
	return false;
}

/* After the sequence: every frame it named, its type, pin and entries. */
static bool record_state(const struct corpus_seq *s, const struct corpus_result *res)
{
	uint64_t mfns[CORPUS_MAX_SYMS], ent[512];
	xen_pfn_t types[CORPUS_MAX_SYMS];
	const char *names[CORPUS_MAX_SYMS];
	int isanchor[CORPUS_MAX_SYMS];
	unsigned int n = 0, nanch, a, i, k;
	vcpu_guest_context_any_t ctx;

	if (xc_vcpu_getcontext(xch, domid, 0, &ctx)) {
		fprintf(stderr, "corpus-record: getcontext: %s\n", strerror(errno));
		return false;
	}
	fprintf(out, "%s cr3", s->name);
	print_sym(" ", ctx.x64.ctrlreg[3] >> 12);
	fprintf(out, "\n%s user_cr3", s->name);
	print_sym(" ", ctx.x64.ctrlreg[1] >> 12);
	fprintf(out, "\n");
	if ((ctx.x64.ctrlreg[3] >> 12) != res->cr3_mfn ||
	    (ctx.x64.ctrlreg[1] >> 12) != res->user_cr3_mfn)
		fprintf(out, "# %s: the guest's base pointer bookkeeping differs\n", s->name);

	for (a = 0; a < CORPUS_NR_ANCHORS; a++)
		if (anchor_used(s, a)) {
			mfns[n] = anchor_mfn[a];
			names[n] = anchor_name[a];
			isanchor[n++] = (int)a;
		}
	nanch = n;
	for (i = 0; i < res->nr_frames; i++) {
		mfns[n] = res->sym_mfn[CORPUS_NR_ANCHORS + i];
		names[n] = cur_frames[i];
		isanchor[n++] = -1;
	}
	if (n && !frame_types(mfns, n, types))
		return false;
	for (k = 0; k < n; k++) {
		int pinned;
		const char *t = type_name(types[k], &pinned);
		bool l4 = !strcmp(t, "l4");

		fprintf(out, "%s frame %s type=%s pinned=%d\n", s->name, names[k], t, pinned);
		if (!read_frame(mfns[k], ent))
			return false;
		for (i = 0; i < 512; i++) {
			a = (unsigned int)isanchor[k];
			if (isanchor[k] < 0 ? ent[i] != 0 :
			    ent[i] != base_ent[a][i] || named(s, a, i))
				print_entry(s->name, names[k], i, ent[i],
					    l4 || (isanchor[k] < 0 &&
						   !seq_wrote(s, CORPUS_NR_ANCHORS + k - nanch, i)));
		}
	}
	return true;
}

/* After the cleanup: anchors must equal the header again. */
static unsigned int check_drift(const struct corpus_seq *s)
{
	uint64_t ent[512];
	xen_pfn_t types[CORPUS_NR_ANCHORS];
	unsigned int a, i, drift = 0;

	if (!frame_types(anchor_mfn, CORPUS_NR_ANCHORS, types))
		return 1;
	for (a = 0; a < CORPUS_NR_ANCHORS; a++) {
		xen_pfn_t want = a == 0 ? XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB :
			a == 1 ? XEN_DOMCTL_PFINFO_L3TAB : a == 2 ? XEN_DOMCTL_PFINFO_L2TAB :
			XEN_DOMCTL_PFINFO_L1TAB;

		if (types[a] != want) {
			fprintf(out, "%s drift %s type 0x%lx\n", s->name, anchor_name[a],
				(unsigned long)types[a]);
			drift++;
		}
		if (!read_frame(anchor_mfn[a], ent))
			return drift + 1;
		for (i = 0; i < 512; i++)
			if (ent[i] != base_ent[a][i]) {
				fprintf(out, "%s drift %s %u 0x%" PRIx64 " want 0x%" PRIx64 "\n",
					s->name, anchor_name[a], i, ent[i], base_ent[a][i]);
				drift++;
			}
	}
	return drift;
}

int main(int argc, char **argv)
{
	xc_domaininfo_t info;
	struct xenpt_guest_result *r;
	const struct corpus_result *res;
	uint64_t mfn, ret, area;
	unsigned int k, i, failed = 0, nops = 0;
	int st;

	if (argc != 3) {
		fprintf(stderr, "usage: corpus-record DOMID OUT.rec\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	xch = xc_interface_open(NULL, NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	if (!xch || !fmem) {
		fprintf(stderr, "corpus-record: cannot open libxenctrl/foreignmemory\n");
		return 2;
	}
	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid) {
		fprintf(stderr, "corpus-record: no domain %u\n", domid);
		return 2;
	}
	mfn = p2m_lookup(info.shared_info_frame, 1);
	if (mfn == ~0ull || !(r = map1(mfn, PROT_READ | PROT_WRITE)))
		return 2;
	if (memcmp(r->magic, XENPT_GUEST_RESULT_MAGIC, 8)) {
		fprintf(stderr, "corpus-record: mfn 0x%" PRIx64 " holds no result page\n", mfn);
		return 2;
	}
	st = request(r, XENPT_GUEST_MB_CORPUS_INFO, 0, &area);
	if (st || !(res = map1(area, PROT_READ))) {
		fprintf(stderr, "corpus-record: corpus-info failed (%d)\n", st);
		return 2;
	}
	if (memcmp(res->magic, CORPUS_RESULT_MAGIC, 8) || res->hash != corpus_hash ||
	    res->nr_seqs != corpus_nr_seqs) {
		fprintf(stderr, "corpus-record: the guest runs another corpus (hash 0x%" PRIx64
			", this is 0x%" PRIx64 "): rebuild both\n", res->hash, corpus_hash);
		return 2;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		fprintf(stderr, "corpus-record: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (!header(res, r))
		return 2;

	for (k = 0; k < corpus_nr_seqs; k++) {
		const struct corpus_seq *s = &corpus_seqs[k];
		char names[256], *save = NULL, *w;
		unsigned int drift;

		snprintf(names, sizeof(names), "%s", s->frames);
		for (i = 0, w = strtok_r(names, " ", &save); w && i < CORPUS_MAX_FRAMES;
		     w = strtok_r(NULL, " ", &save))
			cur_frames[i++] = w;
		cur_res = res;
		st = request(r, XENPT_GUEST_MB_CORPUS_RUN, k, &ret);
		if (st || res->status || res->seq != k || res->nr_ops != s->nr_ops) {
			fprintf(out, "%s failed status=%d guest_status=%d ops=%u\n", s->name, st,
				res->status, res->nr_ops);
			fprintf(stderr, "corpus-record: sequence %u (%s) failed: %d\n", k, s->name,
				st);
			failed++;
			if (st == -1000)
				break;
			continue;
		}
		fprintf(out, "%s seq ops=%u\n", s->name, s->nr_ops);
		for (i = 0; i < s->nr_frames; i++)
			fprintf(out, "%s sym %s mfn=0x%" PRIx64 " pfn=0x%" PRIx64 "\n", s->name,
				cur_frames[i], res->sym_mfn[CORPUS_NR_ANCHORS + i],
				res->sym_pfn[CORPUS_NR_ANCHORS + i]);
		for (i = 0; i < s->nr_ops; i++) {
			if (res->outcome[i] == CORPUS_PF)
				fprintf(out, "%s op %u pf=0x%" PRIx64, s->name, i,
					(uint64_t)res->rc[i]);
			else
				fprintf(out, "%s op %u rc=%" PRId64, s->name, i, res->rc[i]);
			fprintf(out, "   # %s\n", corpus_op_text[s->first_op + i]);
		}
		nops += s->nr_ops;
		if (!record_state(s, res))
			return 2;
		st = request(r, XENPT_GUEST_MB_CORPUS_CLEAN, 0, &ret);
		drift = check_drift(s);
		if (st || ret || drift) {
			fprintf(out, "%s cleanup status=%d errors=%" PRIu64 " drift=%u\n", s->name, st,
				ret, drift);
			fprintf(stderr, "corpus-record: %s: cleanup status=%d errors=%" PRIu64
				" drift=%u\n", s->name, st, ret, drift);
			failed++;
			if (st == -1000)
				break;
		}
		fprintf(out, "%s end\n", s->name);
	}
	fprintf(out, "world done sequences=%u ops=%u failed=%u\n", k, nops, failed);
	fclose(out);
	printf("corpus-record: %u sequences, %u ops, %u failed\n", k, nops, failed);
	xenforeignmemory_unmap(fmem, (void *)res, 1);
	xenforeignmemory_unmap(fmem, r, 1);
	xenforeignmemory_close(fmem);
	xc_interface_close(xch);
	return failed ? 1 : 0;
}
