/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls through the hypercall page.
 *
 * Xen fills the page named by the XEN_ELFNOTE_HYPERCALL_PAGE note with one
 * 32-byte stub per hypercall (xen/arch/x86/pv/hypercall.c,
 * pv_ring3_init_hypercall_page): "call hypercall_page + nr * 32" with the
 * arguments in rdi, rsi, rdx, r10, r8 and the result in rax.  Xen may
 * clobber the argument registers, so all five are in/out operands here.
 * HYPERVISOR_iret is different: it is jumped to, never called (head.S).
 */
#ifndef XENPT_GUEST_HYPERCALL_H
#define XENPT_GUEST_HYPERCALL_H

#include "guest.h"

extern char hypercall_page[4096];

static inline long hypercall5(unsigned int nr, unsigned long a1, unsigned long a2,
			      unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	unsigned long stub = (unsigned long)hypercall_page + nr * 32;
	long rax;

	__asm__ volatile("call *%[stub]"
			 : "=a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
			 : [stub] "r"(stub)
			 : "memory", "rcx", "r11");
	return rax;
}

static inline long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2,
			      unsigned long a3)
{
	return hypercall5(nr, a1, a2, a3, 0, 0);
}

static inline long hypercall2(unsigned int nr, unsigned long a1, unsigned long a2)
{
	return hypercall5(nr, a1, a2, 0, 0, 0);
}

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return hypercall2(__HYPERVISOR_set_trap_table, (unsigned long)table, 0);
}

static inline long HYPERVISOR_mmu_update(const struct mmu_update *req, unsigned int count,
					 unsigned int *done, domid_t dom)
{
	return hypercall5(__HYPERVISOR_mmu_update, (unsigned long)req, count,
			  (unsigned long)done, dom, 0);
}

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op, unsigned int count,
					unsigned int *done, domid_t dom)
{
	return hypercall5(__HYPERVISOR_mmuext_op, (unsigned long)op, count,
			  (unsigned long)done, dom, 0);
}

static inline long HYPERVISOR_update_va_mapping(uint64_t va, uint64_t entry,
						unsigned long flags)
{
	return hypercall3(__HYPERVISOR_update_va_mapping, va, entry, flags);
}

/*
 * A batch (xen/common/multicall.c): each entry runs whatever the earlier
 * ones returned; its result lands in the entry's result field (a debug
 * Xen overwrites the rest of the entry).
 */
static inline long HYPERVISOR_multicall(multicall_entry_t *calls, unsigned int nr)
{
	return hypercall2(__HYPERVISOR_multicall, (unsigned long)calls, nr);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int len, const char *buf)
{
	return hypercall3(__HYPERVISOR_console_io, (unsigned long)cmd, len,
			  (unsigned long)buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd,
			  (unsigned long)arg);
}

#endif
