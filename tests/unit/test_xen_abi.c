/* SPDX-License-Identifier: MIT */
/*
 * The offset-based Xen ABI codec (lib/xen/xen_abi.c) against Xen's own structure
 * definitions.  lib/source/src_xen.c already proves every offset with static
 * assertions; this test proves the mapping: each field of Xen's
 * vcpu_guest_context_x86_64 and shared_info_x86_64, filled by name with a
 * distinct value, must come out in the xenpt field of the same meaning (a
 * swapped pair of registers in a table would pass the offset checks).
 *
 * Needs only xen/foreign/x86_64.h (a header-only part of libxen-dev, no
 * library), so it runs whenever that header is there, even when the
 * pkg-config probe of the live backend (HAVE_XEN) failed; without libxen-dev
 * the test is reported as a skip, which `make check` refuses on a machine
 * where `make deps` ran (tests/README.md).
 */
#if defined(HAVE_XEN)
#define TEST_XEN_HEADERS 1
#elif defined(__has_include)
#if __has_include(<xen/foreign/x86_64.h>)
#define TEST_XEN_HEADERS 1
#endif
#endif

#ifdef TEST_XEN_HEADERS
/* xen/foreign/x86_64.h uses GNU __attribute__((aligned)) unless strict ANSI. */
#undef __STRICT_ANSI__
#endif

#include <stdlib.h>

#include "harness.h"

#include <xenpt/source.h>

#include "xen/xen_abi.h"

#ifdef TEST_XEN_HEADERS
#include <xen/foreign/x86_64.h>

_Static_assert(sizeof(struct vcpu_guest_context_x86_64) == XEN_VGC_SIZE, "vgc size");

/* A distinct, recognisable value per field. */
#define V(n) (0x1000000000000000ull + (uint64_t)(n) * 0x0101010101ull)

static void fill_vgc(struct vcpu_guest_context_x86_64 *c)
{
	unsigned i;

	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel_X86_64 | VGCF_online_X86_64 | VGCF_i387_valid_X86_64;
	c->user_regs.r15 = V(1);
	c->user_regs.r14 = V(2);
	c->user_regs.r13 = V(3);
	c->user_regs.r12 = V(4);
	c->user_regs.rbp = V(5);
	c->user_regs.rbx = V(6);
	c->user_regs.r11 = V(7);
	c->user_regs.r10 = V(8);
	c->user_regs.r9 = V(9);
	c->user_regs.r8 = V(10);
	c->user_regs.rax = V(11);
	c->user_regs.rcx = V(12);
	c->user_regs.rdx = V(13);
	c->user_regs.rsi = V(14);
	c->user_regs.rdi = V(15);
	c->user_regs.rip = V(16);
	c->user_regs.rflags = V(17);
	c->user_regs.rsp = V(18);
	c->user_regs.cs = 0xe033;
	c->user_regs.ss = 0xe02b;
	c->user_regs.ds = 0x11;
	c->user_regs.es = 0x22;
	c->user_regs.fs = 0x33;
	c->user_regs.gs = 0x44;
	for (i = 0; i < 256; i++) {
		c->trap_ctxt[i].vector = (uint8_t)i;
		c->trap_ctxt[i].flags = (uint8_t)(i & 7);
		c->trap_ctxt[i].cs = (uint16_t)(0xe030 + i);
		c->trap_ctxt[i].address = V(100 + i);
	}
	c->ldt_base = V(20);
	c->ldt_ents = 21;
	for (i = 0; i < 16; i++)
		c->gdt_frames[i] = 0x5000 + i;
	c->gdt_ents = 22;
	c->kernel_ss = 0xe02b;
	c->kernel_sp = V(23);
	c->ctrlreg[0] = V(30);
	c->ctrlreg[1] = V(31);   // 64-bit PV: the user L4
	c->ctrlreg[2] = V(32);
	c->ctrlreg[3] = V(33);
	c->ctrlreg[4] = V(34);
	c->event_callback_eip = V(40);
	c->failsafe_callback_eip = V(41);
	c->syscall_callback_eip = V(42);
	c->vm_assist = V(43);
	c->fs_base = V(44);
	c->gs_base_kernel = V(45);
	c->gs_base_user = V(46);
}

TEST(decode_vcpu_maps_every_field)
{
	struct vcpu_guest_context_x86_64 *c = malloc(sizeof(*c));
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	unsigned i, bad = 0;

	REQUIRE(c && v);
	fill_vgc(c);
	xenpt_abi_decode_vcpu((const uint8_t *)c, 3, v);
	CHECK_EQ(v->id, 3);
	CHECK(v->online);
	CHECK_EQ(v->flags, c->flags);
	CHECK_EQ(v->regs.r15, V(1));
	CHECK_EQ(v->regs.r14, V(2));
	CHECK_EQ(v->regs.r13, V(3));
	CHECK_EQ(v->regs.r12, V(4));
	CHECK_EQ(v->regs.rbp, V(5));
	CHECK_EQ(v->regs.rbx, V(6));
	CHECK_EQ(v->regs.r11, V(7));
	CHECK_EQ(v->regs.r10, V(8));
	CHECK_EQ(v->regs.r9, V(9));
	CHECK_EQ(v->regs.r8, V(10));
	CHECK_EQ(v->regs.rax, V(11));
	CHECK_EQ(v->regs.rcx, V(12));
	CHECK_EQ(v->regs.rdx, V(13));
	CHECK_EQ(v->regs.rsi, V(14));
	CHECK_EQ(v->regs.rdi, V(15));
	CHECK_EQ(v->regs.rip, V(16));
	CHECK_EQ(v->regs.rflags, V(17));
	CHECK_EQ(v->regs.rsp, V(18));
	CHECK_EQ(v->regs.cs, 0xe033);
	CHECK_EQ(v->regs.ss, 0xe02b);
	CHECK_EQ(v->regs.ds, 0x11);
	CHECK_EQ(v->regs.es, 0x22);
	CHECK_EQ(v->regs.fs, 0x33);
	CHECK_EQ(v->regs.gs, 0x44);
	for (i = 0; i < 256; i++)
		bad += v->traps[i].vector != i || v->traps[i].flags != (i & 7) ||
		       v->traps[i].cs != 0xe030 + i || v->traps[i].address != V(100 + i);
	CHECK_EQ(bad, 0);
	CHECK_EQ(v->ldt_base, V(20));
	CHECK_EQ(v->ldt_ents, 21);
	CHECK_EQ(v->gdt_frames[0], 0x5000);
	CHECK_EQ(v->gdt_frames[15], 0x500f);
	CHECK_EQ(v->gdt_ents, 22);
	CHECK_EQ(v->kernel_ss, 0xe02b);
	CHECK_EQ(v->kernel_sp, V(23));
	CHECK_EQ(v->cr0, V(30));
	CHECK_EQ(v->user_cr3, V(31));
	CHECK_EQ(v->cr2, V(32));
	CHECK_EQ(v->cr3, V(33));
	CHECK_EQ(v->cr4, V(34));
	CHECK(!v->efer_known);
	CHECK_EQ(v->event_callback_eip, V(40));
	CHECK_EQ(v->failsafe_callback_eip, V(41));
	CHECK_EQ(v->syscall_callback_eip, V(42));
	CHECK_EQ(v->vm_assist, V(43));
	CHECK_EQ(v->fs_base, V(44));
	CHECK_EQ(v->gs_base_kernel, V(45));
	CHECK_EQ(v->gs_base_user, V(46));
	free(c);
	free(v);
}

TEST(encode_vcpu_writes_xen_fields)
{
	struct vcpu_guest_context_x86_64 *c = malloc(sizeof(*c)), *back = malloc(sizeof(*back));
	struct xenpt_vcpu *v = malloc(sizeof(*v));

	REQUIRE(c && back && v);
	fill_vgc(c);
	xenpt_abi_decode_vcpu((const uint8_t *)c, 0, v);
	xenpt_abi_encode_vcpu(v, (uint8_t *)back);
	// Everything but the FPU image (not carried by struct xenpt_vcpu)
	// and the debug registers round-trips byte for byte.
	memset(back->fpu_ctxt.x, 0, sizeof(back->fpu_ctxt.x));
	memset(back->debugreg, 0, sizeof(back->debugreg));
	CHECK(!memcmp(c, back, sizeof(*c)));
	CHECK_EQ(back->user_regs.rsi, V(14));
	CHECK_EQ(back->user_regs.rdi, V(15));
	CHECK_EQ(back->ctrlreg[3], V(33));
	CHECK_EQ(back->trap_ctxt[14].address, V(114));
	free(c);
	free(back);
	free(v);
}

TEST(decode_shared_info_maps_every_field)
{
	struct shared_info_x86_64 *si = calloc(1, XENPT_PAGE_SIZE);
	struct xenpt_shared_info s;

	REQUIRE(si);
	si->arch.max_pfn = 0x8000;
	si->arch.pfn_to_mfn_frame_list_list = 0x52765;
	si->arch.nmi_reason = 0xdead;
	si->arch.p2m_cr3 = 0x54a10000;
	si->arch.p2m_vaddr = 0xffffc90000000000ull;
	si->arch.p2m_generation = 7;
	si->wc_version = 2;
	si->wc_sec = 1700000000u;
	si->wc_nsec = 123456789u;
	si->wc_sec_hi = 1;
	si->evtchn_pending[0] = 0x5;        // 2 bits
	si->evtchn_pending[63] = 1ull << 63; // 1 bit
	si->evtchn_mask[1] = 0xff;          // 8 bits
	si->vcpu_info[0].evtchn_upcall_pending = 1;
	si->vcpu_info[31].evtchn_upcall_pending = 1;
	// evtchn_upcall_mask: "pad0" unless XEN_HAVE_PV_UPCALL_MASK (x86 has it).
	si->vcpu_info[5].pad0 = 1;
	xenpt_abi_decode_shared_info((const uint8_t *)si, &s);
	CHECK_EQ(s.max_pfn, 0x8000);
	CHECK_EQ(s.pfn_to_mfn_frame_list_list, 0x52765);
	CHECK_EQ(s.p2m_cr3, 0x54a10000);
	CHECK_EQ(s.p2m_vaddr, 0xffffc90000000000ull);
	CHECK_EQ(s.p2m_generation, 7);
	CHECK_EQ(s.wc_version, 2);
	CHECK_EQ(s.wc_sec, 1700000000u);
	CHECK_EQ(s.wc_nsec, 123456789u);
	CHECK_EQ(s.wc_sec_hi, 1);
	CHECK_EQ(s.nr_pending_evtchn, 3);
	CHECK_EQ(s.nr_masked_evtchn, 8);
	CHECK_EQ(s.vcpu_upcall_pending[0], 1);
	CHECK_EQ(s.vcpu_upcall_pending[31], 1);
	CHECK_EQ(s.vcpu_upcall_pending[1], 0);
	CHECK_EQ(s.vcpu_upcall_mask[5], 1);
	CHECK_EQ(s.vcpu_upcall_mask[0], 0);
	free(si);
}

#else /* !TEST_XEN_HEADERS */

TEST(vcpu_guest_context_and_shared_info_against_xen_headers)
{
	SKIP("built without libxen-dev (xen/foreign/x86_64.h)");
}

#endif

/* Page-type words (xen/include/public/domctl.h XEN_DOMCTL_PFINFO_*). */
TEST(page_type_words)
{
	CHECK_EQ(xenpt_abi_page_type(0x00000000u), XENPT_PT_NONE);
	CHECK_EQ(xenpt_abi_page_type(0x10000000u), XENPT_PT_L1);
	CHECK_EQ(xenpt_abi_page_type(0x40000000u), XENPT_PT_L4);
	CHECK_EQ(xenpt_abi_page_type(0x90000000u), XENPT_PT_L1 | XENPT_PT_PINNED);
	CHECK_EQ(xenpt_abi_page_type(0xc0000000u), XENPT_PT_L4 | XENPT_PT_PINNED);
	CHECK_EQ(xenpt_abi_page_type(0xd0000000u), XENPT_PT_BROKEN);
	CHECK_EQ(xenpt_abi_page_type(0xe0000000u), XENPT_PT_XALLOC);
	CHECK_EQ(xenpt_abi_page_type(0xf0000000u), XENPT_PT_XTAB);
	// Bits below 28 are not part of the type.
	CHECK_EQ(xenpt_abi_page_type(0xb0000123u), XENPT_PT_L3 | XENPT_PT_PINNED);
}
