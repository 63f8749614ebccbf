/* SPDX-License-Identifier: MIT */
/*
 * xenpt-guest-mbox: drive a running xenpt test guest from dom0 through its
 * result page (tests/guest/result.h), and print that page.
 *
 *   xenpt-guest-mbox DOMID show
 *   xenpt-guest-mbox DOMID read VA | write VA VALUE | map VA | unmap VA | poweroff
 *
 * It finds the result page (PFN 1) through the P2M the guest publishes
 * (shared_info arch.pfn_to_mfn_frame_list_list), maps it read-write, posts
 * the request in the mailbox and waits up to 10 s for the guest's ack.
 * Output is one key=value line per item.  Exit status: 0 ok, 1 request
 * failed or trapped, 2 usage or setup error.
 *
 * A test helper, not part of xenpt: libxenctrl and libxenforeignmemory
 * only (xenctrl.h, xenforeignmemory.h from libxen-dev).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "../result.h"

/* arch_shared_info sits after vcpu_info[32], evtchn_pending/mask and wallclock */
#define SHINFO_ARCH_OFF (32 * 64 + 2 * 64 * 8 + 16)

static xenforeignmemory_handle *fmem;
static uint32_t domid;

static void *map1(uint64_t mfn, int prot)
{
	xen_pfn_t frame = mfn;
	int err = 0;
	void *p = xenforeignmemory_map(fmem, domid, prot, 1, &frame, &err);

	if (!p || err) {
		fprintf(stderr, "xenpt-guest-mbox: cannot map mfn 0x%" PRIx64 ": %s\n", mfn,
			strerror(err ? -err : errno));
		if (p)
			xenforeignmemory_unmap(fmem, p, 1);
		return NULL;
	}
	return p;
}

/* PFN -> MFN through the guest's frame-list-list tree (64-bit guest). */
static uint64_t p2m_lookup(uint64_t shinfo_mfn, uint64_t pfn)
{
	uint64_t mfn = ~0ull, *page;
	unsigned int level;

	page = map1(shinfo_mfn, PROT_READ);
	if (!page)
		return ~0ull;
	mfn = page[SHINFO_ARCH_OFF / 8 + 1];   /* pfn_to_mfn_frame_list_list */
	xenforeignmemory_unmap(fmem, page, 1);
	if (!mfn || mfn == ~0ull) {
		fprintf(stderr, "xenpt-guest-mbox: the guest published no P2M tree\n");
		return ~0ull;
	}
	for (level = 3; level >= 1; level--) {
		unsigned int idx = (pfn >> (9 * (level - 1))) & 511;

		page = map1(mfn, PROT_READ);
		if (!page)
			return ~0ull;
		mfn = page[idx];
		xenforeignmemory_unmap(fmem, page, 1);
	}
	return mfn;
}

static const char *const kind_name[] = { "?", "map", "unmap", "table", "pin", "unpin",
					 "touch", "special" };

static void show(const struct xenpt_guest_result *r)
{
	const struct xenpt_guest_layout *l = &r->layout;
	uint32_t i;

	printf("result version=%u state=%u flags=0x%x records=%u faults=%u lost=%u seq=%u\n",
	       r->version, r->state, r->flags, r->nr_records, r->nr_faults, r->lost, r->seq);
	printf("layout nr_pages=0x%" PRIx64 " l4_mfn=0x%" PRIx64 " mfn_list=0x%" PRIx64
	       " result_mfn=0x%" PRIx64 " inject_va=0x%" PRIx64 " inject_pfn=0x%" PRIx64
	       " p2m_fll_mfn=0x%" PRIx64 " p2m_cr3=0x%" PRIx64 "\n", l->nr_pages, l->l4_mfn,
	       l->mfn_list_va, l->result_mfn, l->inject_va, l->inject_pfn, l->p2m_fll_mfn,
	       l->p2m_cr3);
	printf("alloc next_pfn=0x%" PRIx64 " end_pfn=0x%" PRIx64 " allocated=%" PRIu64 "\n",
	       r->alloc.next_pfn, r->alloc.end_pfn, r->alloc.nr_allocated);
	printf("cmdline \"%.*s\" fail_reason \"%.*s\"\n", (int)sizeof(r->cmdline), r->cmdline,
	       (int)sizeof(r->fail_reason), r->fail_reason);
	for (i = 0; i < r->nr_records && i < XENPT_GUEST_MAX_RECORDS; i++) {
		const struct xenpt_guest_record *c = &r->records[i];

		printf("record %u kind=%s level=%u flags=0x%x va=0x%" PRIx64 " pfn=0x%" PRIx64
		       " mfn=0x%" PRIx64 " expect=0x%" PRIx64 " aux=0x%" PRIx64 "\n", i,
		       c->kind < 8 ? kind_name[c->kind] : "?", c->level, c->flags, c->va, c->pfn,
		       c->mfn, c->expect, c->aux);
	}
	for (i = 0; i < r->nr_faults && i < XENPT_GUEST_MAX_FAULTS; i++) {
		const struct xenpt_guest_fault *f = &r->faults[i];

		printf("fault %u vector=%u va=0x%" PRIx64 " error=0x%x rip=0x%" PRIx64
		       " action=%u record=%u\n", i, f->vector, f->va, f->error, f->rip, f->action,
		       f->record);
	}
}

static int request(volatile struct xenpt_guest_result *r, uint32_t op, uint64_t a0,
		   uint64_t a1)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint32_t seq = r->mbox.ack_seq + 1;
	int i;

	r->mbox.op = op;
	r->mbox.arg0 = a0;
	r->mbox.arg1 = a1;
	__atomic_store_n(&r->mbox.req_seq, seq, __ATOMIC_RELEASE);
	for (i = 0; i < 1000; i++) {
		if (__atomic_load_n(&r->mbox.ack_seq, __ATOMIC_ACQUIRE) == seq) {
			printf("mbox seq=%u op=%u status=%d ret=0x%" PRIx64 "\n", seq, op,
			       r->mbox.status, r->mbox.ret);
			return r->mbox.status ? 1 : 0;
		}
		nanosleep(&ts, NULL);
	}
	if (op == XENPT_GUEST_MB_POWEROFF) {
		printf("mbox seq=%u op=%u status=gone\n", seq, op);
		return 0;
	}
	fprintf(stderr, "xenpt-guest-mbox: no ack for seq %u (is the guest holding?)\n", seq);
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const ops[] = { "nop", "read", "write", "map", "unmap", "poweroff" };
	xc_interface *xch;
	xc_domaininfo_t info;
	struct xenpt_guest_result *r;
	uint64_t a[2] = { 0, 0 }, mfn;
	uint32_t op;
	int rc, i;

	if (argc < 3) {
		fprintf(stderr, "usage: xenpt-guest-mbox DOMID show|nop|read VA|write VA VALUE|"
			"map VA|unmap VA|poweroff\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	for (op = 0; op < 6 && strcmp(argv[2], ops[op]); op++)
		;
	if (op == 6 && strcmp(argv[2], "show")) {
		fprintf(stderr, "xenpt-guest-mbox: unknown request %s\n", argv[2]);
		return 2;
	}
	for (i = 3; i < argc && i < 5; i++)
		a[i - 3] = strtoull(argv[i], NULL, 0);

	xch = xc_interface_open(NULL, NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	if (!xch || !fmem) {
		fprintf(stderr, "xenpt-guest-mbox: cannot open libxenctrl/foreignmemory\n");
		return 2;
	}
	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid) {
		fprintf(stderr, "xenpt-guest-mbox: no domain %u\n", domid);
		return 2;
	}
	mfn = p2m_lookup(info.shared_info_frame, 1);
	if (mfn == ~0ull)
		return 2;
	r = map1(mfn, op == 6 ? PROT_READ : PROT_READ | PROT_WRITE);
	if (!r)
		return 2;
	if (memcmp(r->magic, XENPT_GUEST_RESULT_MAGIC, 8) ||
	    r->version != XENPT_GUEST_RESULT_VERSION) {
		fprintf(stderr, "xenpt-guest-mbox: mfn 0x%" PRIx64 " holds no result page\n", mfn);
		return 2;
	}
	if (op == 6) {
		show(r);
		rc = 0;
	} else {
		rc = request(r, op, a[0], a[1]);
	}
	xenforeignmemory_unmap(fmem, r, 1);
	xenforeignmemory_close(fmem);
	xc_interface_close(xch);
	return rc;
}
