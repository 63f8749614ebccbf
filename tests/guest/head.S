/* SPDX-License-Identifier: MIT */
/*
 * xenpt test guest: ELF notes, the fixed pages, the entry point, the trap
 * entry stubs and the accesses that are meant to trap.
 *
 * Written from Xen's public interface: xen/include/public/elfnote.h (the
 * notes), xen.h "Start-of-day memory layout" (rsi = start_info, rsp = top
 * of the boot stack), xen/arch/x86/x86_64/entry.S create_bounce_frame (the
 * exception frame a PV kernel receives) and xen/arch/x86/pv/iret.c with
 * pv/hypercall.c (how HYPERVISOR_iret returns from it).
 */
#include <xen/elfnote.h>
#include <xen/xen.h>

#define VIRT_BASE 0xffffffff80000000

/* ---- ELF notes: name "Xen", read by libelf (xen/common/libelf) -------- */

.macro XEN_NOTE type, desc:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:	\desc
4:	.balign 4
	.popsection
.endm
.macro XEN_NOTE_STR type, str
	XEN_NOTE \type, .asciz "\str"
.endm

	XEN_NOTE_STR XEN_ELFNOTE_GUEST_OS, xenpt-testguest
	XEN_NOTE_STR XEN_ELFNOTE_GUEST_VERSION, 1
	XEN_NOTE_STR XEN_ELFNOTE_XEN_VERSION, xen-3.0
	XEN_NOTE_STR XEN_ELFNOTE_LOADER, generic
	XEN_NOTE XEN_ELFNOTE_VIRT_BASE, .quad VIRT_BASE
	/* ELF paddr == vaddr, so PADDR_OFFSET = VIRT_BASE maps PFN 0 to VIRT_BASE */
	XEN_NOTE XEN_ELFNOTE_PADDR_OFFSET, .quad VIRT_BASE
	XEN_NOTE XEN_ELFNOTE_ENTRY, .quad _start
	XEN_NOTE XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page

/* ---- fixed pages (guest.ld checks their addresses) -------------------- */

	.section .fixed.hypercall_page, "aw", @progbits
	.globl hypercall_page
hypercall_page:			/* VIRT_BASE + 0x0000, filled by Xen */
	.skip 4096

	.section .fixed.result, "aw", @progbits
	.globl result_page
result_page:			/* VIRT_BASE + 0x1000, struct xenpt_guest_result */
	.skip 4096

	.section .fixed.inject, "aw", @progbits
	.globl inject_area
inject_area:			/* VIRT_BASE + 0x2000, 4 pages the guest never touches */
	.skip 4 * 4096

	.section .fixed.shinfo, "aw", @progbits
	.globl shinfo_slot
shinfo_slot:			/* VIRT_BASE + 0x6000, remapped to shared_info */
	.skip 4096

	.section .fixed.window, "aw", @progbits
	.globl window_slot
window_slot:			/* VIRT_BASE + 0x7000, scratch mapping slot */
	.skip 4096

/* ---- entry ------------------------------------------------------------ */

	.section .text.entry, "ax", @progbits
	.globl _start
_start:
	/* rsi = start_info VA; rsp = top of the builder's one-page boot stack */
	cld
	mov	%rsi, %r12
	mov	%rsp, %r13
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	lea	stack_top(%rip), %rsp
	mov	%r12, %rdi
	mov	%r13, %rsi
	call	xenpt_main
	ud2

/* ---- trap entry --------------------------------------------------------
 * Xen enters a PV kernel handler with
 *	rsp -> rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * (cs carries saved_upcall_mask in bits 32-39).  Each stub pops rcx/r11
 * back into their registers, pushes a dummy error code if the vector has
 * none, and pushes the vector, giving trap_common a uniform frame.
 * An injected handler receives the same Xen frame and can chain to a stub
 * here (hooks.pf_entry_va) without changing the stack.
 */

.macro TRAP_STUB vec, has_ec
	.globl trap_\vec
trap_\vec:
	pop	%rcx
	pop	%r11
	.if \has_ec == 0
	push	$0
	.endif
	push	$\vec
	jmp	trap_common
.endm

	.text
	TRAP_STUB 0, 0
	TRAP_STUB 1, 0
	TRAP_STUB 3, 0
	TRAP_STUB 4, 0
	TRAP_STUB 5, 0
	TRAP_STUB 6, 0
	TRAP_STUB 7, 0
	TRAP_STUB 10, 1
	TRAP_STUB 11, 1
	TRAP_STUB 12, 1
	TRAP_STUB 13, 1
	.globl pf_entry
pf_entry:
	TRAP_STUB 14, 1
	TRAP_STUB 16, 0
	TRAP_STUB 17, 1
	TRAP_STUB 19, 0

trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi		/* struct trap_frame * */
	mov	%rsp, %rbx
	and	$-16, %rsp
	cld
	call	xenpt_trap
	mov	%rbx, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	/*
	 * HYPERVISOR_iret wants flags, rip, cs, rflags, rsp, ss on the stack;
	 * its stub pushes rcx, r11 and rax (struct iret_context).  flags = 0:
	 * not VGCF_in_syscall, so rcx and r11 are restored too.
	 */
	push	$0
	jmp	hypercall_page + __HYPERVISOR_iret * 32

/* ---- accesses that may trap: xenpt_trap() resumes at the *_fixup label -- */

	.globl touch_read, touch_read_insn, touch_read_fixup
touch_read:			/* uint64_t touch_read(uint64_t va) */
	xor	%eax, %eax
touch_read_insn:
	mov	(%rdi), %rax
touch_read_fixup:
	ret

	.globl touch_write, touch_write_insn, touch_write_fixup
touch_write:			/* void touch_write(uint64_t va, uint64_t val) */
touch_write_insn:
	mov	%rsi, (%rdi)
touch_write_fixup:
	ret

	.globl touch_exec
touch_exec:			/* void touch_exec(uint64_t va): call va */
	call	*%rdi
	ret

	.globl touch_int3
touch_int3:
	int3
	ret

	.globl touch_ud2, touch_ud2_insn, touch_ud2_fixup
touch_ud2:
touch_ud2_insn:
	ud2
touch_ud2_fixup:
	ret

/* ---- stack -------------------------------------------------------------- */

	.bss
	.balign 16
stack:
	.skip 16384
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits
