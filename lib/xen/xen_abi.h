/* SPDX-License-Identifier: MIT */
/*
 * The parts of Xen's public ABI that offline sources need, described by
 * offset so that only lib/source/src_xen.c includes Xen's headers.  The layouts are
 * those of xen/include/public/arch-x86/xen.h, arch-x86/xen-x86_64.h and
 * xen.h (x86_64 guests); lib/source/src_xen.c checks every offset against the real
 * headers with static assertions when built with libxen-dev.
 */
#ifndef XENPT_XEN_ABI_H
#define XENPT_XEN_ABI_H

#include <stdint.h>

#include <xenpt/source.h>

/* struct vcpu_guest_context (x86_64) */
#define XEN_VGC_SIZE            5168u
#define XEN_VGC_FLAGS           512u
#define XEN_VGC_USER_REGS       520u   /* struct cpu_user_regs, 200 bytes */
#define XEN_VGC_TRAP_CTXT       720u   /* struct trap_info[256], 16 bytes each */
#define XEN_VGC_LDT_BASE        4816u
#define XEN_VGC_LDT_ENTS        4824u
#define XEN_VGC_GDT_FRAMES      4832u
#define XEN_VGC_GDT_ENTS        4960u
#define XEN_VGC_KERNEL_SS       4968u
#define XEN_VGC_KERNEL_SP       4976u
#define XEN_VGC_CTRLREG         4984u  /* unsigned long[8] */
#define XEN_VGC_DEBUGREG        5048u
#define XEN_VGC_EVENT_CB        5112u
#define XEN_VGC_FAILSAFE_CB     5120u
#define XEN_VGC_SYSCALL_CB      5128u
#define XEN_VGC_VM_ASSIST       5136u
#define XEN_VGC_FS_BASE         5144u
#define XEN_VGC_GS_BASE_KERNEL  5152u
#define XEN_VGC_GS_BASE_USER    5160u

/* struct cpu_user_regs (x86_64), offsets inside user_regs */
#define XEN_REGS_R15   0u
#define XEN_REGS_R14   8u
#define XEN_REGS_R13   16u
#define XEN_REGS_R12   24u
#define XEN_REGS_RBP   32u
#define XEN_REGS_RBX   40u
#define XEN_REGS_R11   48u
#define XEN_REGS_R10   56u
#define XEN_REGS_R9    64u
#define XEN_REGS_R8    72u
#define XEN_REGS_RAX   80u
#define XEN_REGS_RCX   88u
#define XEN_REGS_RDX   96u
#define XEN_REGS_RSI   104u
#define XEN_REGS_RDI   112u
#define XEN_REGS_ERROR_CODE   120u
#define XEN_REGS_ENTRY_VECTOR 124u
#define XEN_REGS_RIP   128u
#define XEN_REGS_CS    136u
#define XEN_REGS_UPCALL_MASK 140u
#define XEN_REGS_RFLAGS 144u
#define XEN_REGS_RSP   152u
#define XEN_REGS_SS    160u
#define XEN_REGS_ES    168u
#define XEN_REGS_DS    176u
#define XEN_REGS_FS    184u
#define XEN_REGS_GS    192u

#define XEN_VGCF_I387_VALID  (1u << 0)
#define XEN_VGCF_IN_KERNEL   (1u << 2)
#define XEN_VGCF_ONLINE      (1u << 5)

/* struct shared_info (x86_64) */
#define XEN_SHINFO_VCPU_INFO       0u     /* struct vcpu_info[32], 64 bytes each */
#define XEN_SHINFO_VCPU_INFO_SIZE  64u
#define XEN_SHINFO_LEGACY_VCPUS    32u
#define XEN_SHINFO_EVTCHN_PENDING  2048u  /* xen_ulong_t[64] */
#define XEN_SHINFO_EVTCHN_MASK     2560u
#define XEN_SHINFO_WC_VERSION      3072u
#define XEN_SHINFO_WC_SEC          3076u
#define XEN_SHINFO_WC_NSEC         3080u
#define XEN_SHINFO_WC_SEC_HI       3084u
#define XEN_SHINFO_ARCH            3088u  /* struct arch_shared_info */
#define XEN_ARCH_SHINFO_MAX_PFN    0u
#define XEN_ARCH_SHINFO_FLL        8u
#define XEN_ARCH_SHINFO_NMI_REASON 16u
#define XEN_ARCH_SHINFO_P2M_CR3    24u
#define XEN_ARCH_SHINFO_P2M_VADDR  32u
#define XEN_ARCH_SHINFO_P2M_GEN    40u

/* xl dump-core (tools/libs/guest/xg_core.h, docs/misc/dump-core-format.txt) */
#define XEN_DUMPCORE_MAGIC_PV      0xF00FEBEDu
#define XEN_DUMPCORE_MAGIC_HVM     0xF00FEBEEu
#define XEN_ELFNOTE_DUMPCORE_NONE           0x2000000u
#define XEN_ELFNOTE_DUMPCORE_HEADER         0x2000001u
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION    0x2000002u
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003u
#define XEN_DUMPCORE_FORMAT_VERSION_0_1     0x0000000000000001ull

/* Page-type words of XEN_DOMCTL_getpageframeinfo3 (xen/include/public/domctl.h). */
#define XEN_PFINFO_LTAB_SHIFT 28
#define XEN_PFINFO_LPINTAB    (0x8u << 28)

/* Decode / encode a raw x86_64 vcpu_guest_context (XEN_VGC_SIZE bytes). */
void xenpt_abi_decode_vcpu(const uint8_t *raw, uint32_t id, struct xenpt_vcpu *ret);
void xenpt_abi_encode_vcpu(const struct xenpt_vcpu *v, uint8_t *raw);
/* Decode / encode a raw 4096-byte shared_info page. */
void xenpt_abi_decode_shared_info(const uint8_t *page, struct xenpt_shared_info *ret);
void xenpt_abi_encode_shared_info(const struct xenpt_shared_info *s, uint8_t *page);
/* Page-type word from getpageframeinfo3 <-> xenpt_page_type_t. */
xenpt_page_type_t xenpt_abi_page_type(uint32_t pfinfo_word);

#endif
