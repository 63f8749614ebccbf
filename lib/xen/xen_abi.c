/* SPDX-License-Identifier: MIT */
/*
 * Decode and encode Xen's x86_64 vcpu_guest_context and shared_info by
 * offset (lib/xen/xen_abi.h).  Used by the core and synthetic sources, which
 * must not include Xen's headers; lib/source/src_xen.c checks the offsets.
 */
#include <string.h>

#include "base/base.h"
#include "xen/xen_abi.h"

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* General-purpose registers: (offset in cpu_user_regs, offset in struct xenpt_vcpu). */
#define REG(name, OFF) { XEN_REGS_##OFF, offsetof(struct xenpt_vcpu, regs.name) }
static const struct { uint16_t xen, ours; } gprs[] = {
	REG(r15, R15), REG(r14, R14), REG(r13, R13), REG(r12, R12), REG(rbp, RBP),
	REG(rbx, RBX), REG(r11, R11), REG(r10, R10), REG(r9, R9), REG(r8, R8),
	REG(rax, RAX), REG(rcx, RCX), REG(rdx, RDX), REG(rsi, RSI), REG(rdi, RDI),
	REG(rip, RIP), REG(rflags, RFLAGS), REG(rsp, RSP),
};
static const struct { uint16_t xen, ours; } segs[] = {
	REG(cs, CS), REG(ss, SS), REG(es, ES), REG(ds, DS), REG(fs, FS), REG(gs, GS),
};
#undef REG

void xenpt_abi_decode_vcpu(const uint8_t *raw, uint32_t id, struct xenpt_vcpu *ret)
{
	const uint8_t *ur = raw + XEN_VGC_USER_REGS;
	struct xenpt_vcpu v;
	size_t i;

	memset(&v, 0, sizeof(v));
	v.id = id;
	v.flags = get64(raw, XEN_VGC_FLAGS);
	v.online = v.flags & XEN_VGCF_ONLINE;
	for (i = 0; i < XENPT_ARRAY_SIZE(gprs); i++) {
		uint64_t val = get64(ur, gprs[i].xen);
		memcpy((uint8_t *)&v + gprs[i].ours, &val, sizeof(val));
	}
	for (i = 0; i < XENPT_ARRAY_SIZE(segs); i++) {
		uint16_t val = get16(ur, segs[i].xen);
		memcpy((uint8_t *)&v + segs[i].ours, &val, sizeof(val));
	}
	for (i = 0; i < 256; i++) {
		const uint8_t *t = raw + XEN_VGC_TRAP_CTXT + 16 * i;
		v.traps[i].vector = t[0];
		v.traps[i].flags = t[1];
		v.traps[i].cs = get16(t, 2);
		v.traps[i].address = get64(t, 8);
	}
	v.ldt_base = get64(raw, XEN_VGC_LDT_BASE);
	v.ldt_ents = get64(raw, XEN_VGC_LDT_ENTS);
	for (i = 0; i < 16; i++)
		v.gdt_frames[i] = get64(raw, XEN_VGC_GDT_FRAMES + 8 * i);
	v.gdt_ents = get64(raw, XEN_VGC_GDT_ENTS);
	v.kernel_ss = get64(raw, XEN_VGC_KERNEL_SS);
	v.kernel_sp = get64(raw, XEN_VGC_KERNEL_SP);
	v.cr0 = get64(raw, XEN_VGC_CTRLREG + 0 * 8);
	v.user_cr3 = get64(raw, XEN_VGC_CTRLREG + 1 * 8);
	v.cr2 = get64(raw, XEN_VGC_CTRLREG + 2 * 8);
	v.cr3 = get64(raw, XEN_VGC_CTRLREG + 3 * 8);
	v.cr4 = get64(raw, XEN_VGC_CTRLREG + 4 * 8);
	v.event_callback_eip = get64(raw, XEN_VGC_EVENT_CB);
	v.failsafe_callback_eip = get64(raw, XEN_VGC_FAILSAFE_CB);
	v.syscall_callback_eip = get64(raw, XEN_VGC_SYSCALL_CB);
	v.vm_assist = get64(raw, XEN_VGC_VM_ASSIST);
	v.fs_base = get64(raw, XEN_VGC_FS_BASE);
	v.gs_base_kernel = get64(raw, XEN_VGC_GS_BASE_KERNEL);
	v.gs_base_user = get64(raw, XEN_VGC_GS_BASE_USER);
	*ret = v;
}

void xenpt_abi_encode_vcpu(const struct xenpt_vcpu *v, uint8_t *raw)
{
	uint8_t *ur = raw + XEN_VGC_USER_REGS;
	size_t i;

	memset(raw, 0, XEN_VGC_SIZE);
	put64(raw, XEN_VGC_FLAGS, v->flags | (v->online ? XEN_VGCF_ONLINE : 0));
	for (i = 0; i < XENPT_ARRAY_SIZE(gprs); i++) {
		uint64_t val;
		memcpy(&val, (const uint8_t *)v + gprs[i].ours, sizeof(val));
		put64(ur, gprs[i].xen, val);
	}
	for (i = 0; i < XENPT_ARRAY_SIZE(segs); i++) {
		uint16_t val;
		memcpy(&val, (const uint8_t *)v + segs[i].ours, sizeof(val));
		put16(ur, segs[i].xen, val);
	}
	for (i = 0; i < 256; i++) {
		uint8_t *t = raw + XEN_VGC_TRAP_CTXT + 16 * i;
		t[0] = v->traps[i].vector;
		t[1] = v->traps[i].flags;
		put16(t, 2, v->traps[i].cs);
		put64(t, 8, v->traps[i].address);
	}
	put64(raw, XEN_VGC_LDT_BASE, v->ldt_base);
	put64(raw, XEN_VGC_LDT_ENTS, v->ldt_ents);
	for (i = 0; i < 16; i++)
		put64(raw, XEN_VGC_GDT_FRAMES + 8 * i, v->gdt_frames[i]);
	put64(raw, XEN_VGC_GDT_ENTS, v->gdt_ents);
	put64(raw, XEN_VGC_KERNEL_SS, v->kernel_ss);
	put64(raw, XEN_VGC_KERNEL_SP, v->kernel_sp);
	put64(raw, XEN_VGC_CTRLREG + 0 * 8, v->cr0);
	put64(raw, XEN_VGC_CTRLREG + 1 * 8, v->user_cr3);
	put64(raw, XEN_VGC_CTRLREG + 2 * 8, v->cr2);
	put64(raw, XEN_VGC_CTRLREG + 3 * 8, v->cr3);
	put64(raw, XEN_VGC_CTRLREG + 4 * 8, v->cr4);
	put64(raw, XEN_VGC_EVENT_CB, v->event_callback_eip);
	put64(raw, XEN_VGC_FAILSAFE_CB, v->failsafe_callback_eip);
	put64(raw, XEN_VGC_SYSCALL_CB, v->syscall_callback_eip);
	put64(raw, XEN_VGC_VM_ASSIST, v->vm_assist);
	put64(raw, XEN_VGC_FS_BASE, v->fs_base);
	put64(raw, XEN_VGC_GS_BASE_KERNEL, v->gs_base_kernel);
	put64(raw, XEN_VGC_GS_BASE_USER, v->gs_base_user);
}

void xenpt_abi_decode_shared_info(const uint8_t *page, struct xenpt_shared_info *ret)
{
	const uint8_t *arch = page + XEN_SHINFO_ARCH;
	struct xenpt_shared_info s;
	unsigned i;

	memset(&s, 0, sizeof(s));
	s.max_pfn = get64(arch, XEN_ARCH_SHINFO_MAX_PFN);
	s.pfn_to_mfn_frame_list_list = get64(arch, XEN_ARCH_SHINFO_FLL);
	s.p2m_cr3 = get64(arch, XEN_ARCH_SHINFO_P2M_CR3);
	s.p2m_vaddr = get64(arch, XEN_ARCH_SHINFO_P2M_VADDR);
	s.p2m_generation = get64(arch, XEN_ARCH_SHINFO_P2M_GEN);
	s.wc_version = get32(page, XEN_SHINFO_WC_VERSION);
	s.wc_sec = get32(page, XEN_SHINFO_WC_SEC);
	s.wc_nsec = get32(page, XEN_SHINFO_WC_NSEC);
	s.wc_sec_hi = get32(page, XEN_SHINFO_WC_SEC_HI);
	for (i = 0; i < 64; i++) {
		s.nr_pending_evtchn += __builtin_popcountll(get64(page, XEN_SHINFO_EVTCHN_PENDING + 8 * i));
		s.nr_masked_evtchn += __builtin_popcountll(get64(page, XEN_SHINFO_EVTCHN_MASK + 8 * i));
	}
	for (i = 0; i < XEN_SHINFO_LEGACY_VCPUS; i++) {
		const uint8_t *vi = page + XEN_SHINFO_VCPU_INFO + XEN_SHINFO_VCPU_INFO_SIZE * i;
		s.vcpu_upcall_pending[i] = vi[0];
		s.vcpu_upcall_mask[i] = vi[1];
	}
	*ret = s;
}

void xenpt_abi_encode_shared_info(const struct xenpt_shared_info *s, uint8_t *page)
{
	uint8_t *arch = page + XEN_SHINFO_ARCH;
	unsigned i;

	put64(arch, XEN_ARCH_SHINFO_MAX_PFN, s->max_pfn);
	put64(arch, XEN_ARCH_SHINFO_FLL, s->pfn_to_mfn_frame_list_list);
	put64(arch, XEN_ARCH_SHINFO_P2M_CR3, s->p2m_cr3);
	put64(arch, XEN_ARCH_SHINFO_P2M_VADDR, s->p2m_vaddr);
	put64(arch, XEN_ARCH_SHINFO_P2M_GEN, s->p2m_generation);
	put32(page, XEN_SHINFO_WC_VERSION, s->wc_version);
	put32(page, XEN_SHINFO_WC_SEC, s->wc_sec);
	put32(page, XEN_SHINFO_WC_NSEC, s->wc_nsec);
	put32(page, XEN_SHINFO_WC_SEC_HI, s->wc_sec_hi);
	for (i = 0; i < XEN_SHINFO_LEGACY_VCPUS; i++) {
		uint8_t *vi = page + XEN_SHINFO_VCPU_INFO + XEN_SHINFO_VCPU_INFO_SIZE * i;
		vi[0] = s->vcpu_upcall_pending[i];
		vi[1] = s->vcpu_upcall_mask[i];
	}
}

/*
 * XEN_DOMCTL_PFINFO_* (xen/include/public/domctl.h): the type in bits
 * 28-31, LPINTAB (bit 31) marks a pinned table.
 */
xenpt_page_type_t xenpt_abi_page_type(uint32_t word)
{
	unsigned t = (word >> XEN_PFINFO_LTAB_SHIFT) & 0xf;

	switch (t) {
	case 0x0: case 0x1: case 0x2: case 0x3: case 0x4:
	case 0x9: case 0xa: case 0xb: case 0xc:
		return (xenpt_page_type_t)t;
	case 0xd: return XENPT_PT_BROKEN;
	case 0xe: return XENPT_PT_XALLOC;
	case 0xf: return XENPT_PT_XTAB;
	default:  return XENPT_PT_XTAB;   /* 0x5-0x8: not produced by Xen */
	}
}
