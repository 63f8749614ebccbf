/* SPDX-License-Identifier: MIT */
/*
 * The live backend: a running domain seen through libxenctrl and
 * libxenforeignmemory (Xen 4.17 public APIs, plus the exported-but-private
 * xc_get_pfn_type_batch()).  This is the only file of xenpt that includes
 * Xen's headers.
 *
 * Frame numbers: PV guests are read by MFN (their page tables hold MFNs);
 * HVM/PVH guests by GFN.  A PV read by PFN is translated through the guest's
 * own P2M first, which this backend reads once per open from the layout the
 * guest publishes in shared_info (the linear list at p2m_vaddr, or the
 * 3-level frame-list tree), as tools/libs/guest/xg_core_x86.c does.
 *
 * Every frame read is one read-only xenforeignmemory_map() of the whole
 * batch, copied into the front end's scratch buffer and unmapped again: the
 * front end's frame cache keeps the copies (lib/source/frame_cache.c), so no
 * foreign mapping outlives a call and a destroyed domain is never kept alive
 * as a zombie by xenpt.
 *
 * References (read, not copied): tools/libs/ctrl/xc_domain.c,
 * xc_pagetab.c, xc_private.h; tools/libs/guest/xg_core_x86.c,
 * xg_sr_save_x86_pv.c (p2m_generation), xg_domain.c (page types in 1024
 * batches), xg_offline_page.c (xc_map_m2p); tools/misc/xen-mfndump.c
 * (M2P_SIZE); xen/arch/x86/domctl.c (getpageframeinfo3).
 */
#ifdef HAVE_XEN
/*
 * Xen's public headers need GNU C: anonymous unions (xen/hvm/save.h
 * refuses strict ANSI) and the __align8__ attribute in xen/foreign/x86_64.h.
 * Undefine the marker before the first system header so that both see GNU
 * mode; the rest of the file is plain C11.
 */
#undef __STRICT_ANSI__
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "source/source_int.h"
#include "xen/xen_abi.h"
#include "xen/cpuid.h"

#ifndef HAVE_XEN

/* Built without libxen-dev: the live backend answers "unsupported". */

struct xenpt_error *xenpt_xen_open(const char *domain, unsigned flags,
				   struct xenpt_source **ret)
{
	(void)flags;
	(void)ret;
	return xenpt_error_hint(
		xenpt_error_create(XENPT_ERR_UNSUPPORTED,
				   "cannot open live domain '%s': xenpt was built without libxen-dev",
				   domain ? domain : ""),
		"rebuild with libxen-dev installed (make deps), or use core:FILE or synth:FILE");
}

XENPT_PUBLIC struct xenpt_error *xenpt_xen_list_domains(struct xenpt_domain_info **ret,
							size_t *n_ret)
{
	(void)ret;
	(void)n_ret;
	return xenpt_error_hint(xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						   "cannot list domains: xenpt was built without libxen-dev"),
				"rebuild with libxen-dev installed (make deps)");
}

XENPT_PUBLIC bool xenpt_have_xen(void)
{
	return false;
}

#else /* HAVE_XEN */

/*
 * lib/xen/xen_abi.h and xen/elfnote.h spell the dump-core note types the same
 * way: keep ours as enum constants, then let Xen's header define the names.
 */
enum {
	ABI_NOTE_NONE = XEN_ELFNOTE_DUMPCORE_NONE,
	ABI_NOTE_HEADER = XEN_ELFNOTE_DUMPCORE_HEADER,
	ABI_NOTE_XEN_VERSION = XEN_ELFNOTE_DUMPCORE_XEN_VERSION,
	ABI_NOTE_FORMAT_VERSION = XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION,
};
#undef XEN_ELFNOTE_DUMPCORE_NONE
#undef XEN_ELFNOTE_DUMPCORE_HEADER
#undef XEN_ELFNOTE_DUMPCORE_XEN_VERSION
#undef XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION

#include <xen/elfnote.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenguest.h>
#include <xenstore.h>

/*
 * Exported by libxenctrl.so.4.17 (VERS_4.17.0) but declared only in the
 * private tools/libs/ctrl/xc_private.h: XEN_DOMCTL_getpageframeinfo3, at
 * most 1024 frames per call (more is E2BIG), frame numbers in, type words
 * out in place.
 */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num, xen_pfn_t *arr);

/* ---- the ABI of lib/xen/xen_abi.h, checked against Xen's own headers ---------- */

#define VGC_OFF(f) offsetof(vcpu_guest_context_x86_64_t, f)
#define REGS_OFF(f) offsetof(cpu_user_regs_x86_64_t, f)
#define SHINFO_OFF(f) offsetof(shared_info_x86_64_t, f)
#define ASHINFO_OFF(f) offsetof(arch_shared_info_x86_64_t, f)

_Static_assert(sizeof(vcpu_guest_context_x86_64_t) == XEN_VGC_SIZE, "vcpu_guest_context size");
_Static_assert(VGC_OFF(flags) == XEN_VGC_FLAGS, "vgc flags");
_Static_assert(VGC_OFF(user_regs) == XEN_VGC_USER_REGS, "vgc user_regs");
_Static_assert(VGC_OFF(trap_ctxt) == XEN_VGC_TRAP_CTXT, "vgc trap_ctxt");
_Static_assert(sizeof(trap_info_x86_64_t) == 16, "trap_info size");
_Static_assert(offsetof(trap_info_x86_64_t, vector) == 0, "trap_info vector");
_Static_assert(offsetof(trap_info_x86_64_t, flags) == 1, "trap_info flags");
_Static_assert(offsetof(trap_info_x86_64_t, cs) == 2, "trap_info cs");
_Static_assert(offsetof(trap_info_x86_64_t, address) == 8, "trap_info address");
_Static_assert(VGC_OFF(ldt_base) == XEN_VGC_LDT_BASE, "vgc ldt_base");
_Static_assert(VGC_OFF(ldt_ents) == XEN_VGC_LDT_ENTS, "vgc ldt_ents");
_Static_assert(VGC_OFF(gdt_frames) == XEN_VGC_GDT_FRAMES, "vgc gdt_frames");
_Static_assert(VGC_OFF(gdt_ents) == XEN_VGC_GDT_ENTS, "vgc gdt_ents");
_Static_assert(VGC_OFF(kernel_ss) == XEN_VGC_KERNEL_SS, "vgc kernel_ss");
_Static_assert(VGC_OFF(kernel_sp) == XEN_VGC_KERNEL_SP, "vgc kernel_sp");
_Static_assert(VGC_OFF(ctrlreg) == XEN_VGC_CTRLREG, "vgc ctrlreg");
_Static_assert(VGC_OFF(debugreg) == XEN_VGC_DEBUGREG, "vgc debugreg");
_Static_assert(VGC_OFF(event_callback_eip) == XEN_VGC_EVENT_CB, "vgc event_callback_eip");
_Static_assert(VGC_OFF(failsafe_callback_eip) == XEN_VGC_FAILSAFE_CB, "vgc failsafe_callback_eip");
_Static_assert(VGC_OFF(syscall_callback_eip) == XEN_VGC_SYSCALL_CB, "vgc syscall_callback_eip");
_Static_assert(VGC_OFF(vm_assist) == XEN_VGC_VM_ASSIST, "vgc vm_assist");
_Static_assert(VGC_OFF(fs_base) == XEN_VGC_FS_BASE, "vgc fs_base");
_Static_assert(VGC_OFF(gs_base_kernel) == XEN_VGC_GS_BASE_KERNEL, "vgc gs_base_kernel");
_Static_assert(VGC_OFF(gs_base_user) == XEN_VGC_GS_BASE_USER, "vgc gs_base_user");
_Static_assert(VGCF_i387_valid_X86_64 == XEN_VGCF_I387_VALID, "VGCF_i387_valid");
_Static_assert(VGCF_in_kernel_X86_64 == XEN_VGCF_IN_KERNEL, "VGCF_in_kernel");
_Static_assert(VGCF_online_X86_64 == XEN_VGCF_ONLINE, "VGCF_online");

_Static_assert(sizeof(cpu_user_regs_x86_64_t) == 200, "cpu_user_regs size");
_Static_assert(REGS_OFF(r15) == XEN_REGS_R15, "regs r15");
_Static_assert(REGS_OFF(r14) == XEN_REGS_R14, "regs r14");
_Static_assert(REGS_OFF(r13) == XEN_REGS_R13, "regs r13");
_Static_assert(REGS_OFF(r12) == XEN_REGS_R12, "regs r12");
_Static_assert(REGS_OFF(rbp) == XEN_REGS_RBP, "regs rbp");
_Static_assert(REGS_OFF(rbx) == XEN_REGS_RBX, "regs rbx");
_Static_assert(REGS_OFF(r11) == XEN_REGS_R11, "regs r11");
_Static_assert(REGS_OFF(r10) == XEN_REGS_R10, "regs r10");
_Static_assert(REGS_OFF(r9) == XEN_REGS_R9, "regs r9");
_Static_assert(REGS_OFF(r8) == XEN_REGS_R8, "regs r8");
_Static_assert(REGS_OFF(rax) == XEN_REGS_RAX, "regs rax");
_Static_assert(REGS_OFF(rcx) == XEN_REGS_RCX, "regs rcx");
_Static_assert(REGS_OFF(rdx) == XEN_REGS_RDX, "regs rdx");
_Static_assert(REGS_OFF(rsi) == XEN_REGS_RSI, "regs rsi");
_Static_assert(REGS_OFF(rdi) == XEN_REGS_RDI, "regs rdi");
_Static_assert(REGS_OFF(error_code) == XEN_REGS_ERROR_CODE, "regs error_code");
_Static_assert(REGS_OFF(entry_vector) == XEN_REGS_ENTRY_VECTOR, "regs entry_vector");
_Static_assert(REGS_OFF(rip) == XEN_REGS_RIP, "regs rip");
_Static_assert(REGS_OFF(cs) == XEN_REGS_CS, "regs cs");
_Static_assert(REGS_OFF(saved_upcall_mask) == XEN_REGS_UPCALL_MASK, "regs saved_upcall_mask");
_Static_assert(REGS_OFF(rflags) == XEN_REGS_RFLAGS, "regs rflags");
_Static_assert(REGS_OFF(rsp) == XEN_REGS_RSP, "regs rsp");
_Static_assert(REGS_OFF(ss) == XEN_REGS_SS, "regs ss");
_Static_assert(REGS_OFF(es) == XEN_REGS_ES, "regs es");
_Static_assert(REGS_OFF(ds) == XEN_REGS_DS, "regs ds");
_Static_assert(REGS_OFF(fs) == XEN_REGS_FS, "regs fs");
_Static_assert(REGS_OFF(gs) == XEN_REGS_GS, "regs gs");

_Static_assert(sizeof(shared_info_x86_64_t) <= XENPT_PAGE_SIZE, "shared_info fits a page");
_Static_assert(SHINFO_OFF(vcpu_info) == XEN_SHINFO_VCPU_INFO, "shinfo vcpu_info");
_Static_assert(sizeof(vcpu_info_x86_64_t) == XEN_SHINFO_VCPU_INFO_SIZE, "vcpu_info size");
_Static_assert(XEN_LEGACY_MAX_VCPUS_X86_64 == XEN_SHINFO_LEGACY_VCPUS, "legacy vCPUs");
_Static_assert(SHINFO_OFF(evtchn_pending) == XEN_SHINFO_EVTCHN_PENDING, "shinfo evtchn_pending");
_Static_assert(SHINFO_OFF(evtchn_mask) == XEN_SHINFO_EVTCHN_MASK, "shinfo evtchn_mask");
_Static_assert(SHINFO_OFF(wc_version) == XEN_SHINFO_WC_VERSION, "shinfo wc_version");
_Static_assert(SHINFO_OFF(wc_sec) == XEN_SHINFO_WC_SEC, "shinfo wc_sec");
_Static_assert(SHINFO_OFF(wc_nsec) == XEN_SHINFO_WC_NSEC, "shinfo wc_nsec");
_Static_assert(SHINFO_OFF(wc_sec_hi) == XEN_SHINFO_WC_SEC_HI, "shinfo wc_sec_hi");
_Static_assert(SHINFO_OFF(arch) == XEN_SHINFO_ARCH, "shinfo arch");
_Static_assert(ASHINFO_OFF(max_pfn) == XEN_ARCH_SHINFO_MAX_PFN, "arch max_pfn");
_Static_assert(ASHINFO_OFF(pfn_to_mfn_frame_list_list) == XEN_ARCH_SHINFO_FLL, "arch fll");
_Static_assert(ASHINFO_OFF(nmi_reason) == XEN_ARCH_SHINFO_NMI_REASON, "arch nmi_reason");
_Static_assert(ASHINFO_OFF(p2m_cr3) == XEN_ARCH_SHINFO_P2M_CR3, "arch p2m_cr3");
_Static_assert(ASHINFO_OFF(p2m_vaddr) == XEN_ARCH_SHINFO_P2M_VADDR, "arch p2m_vaddr");
_Static_assert(ASHINFO_OFF(p2m_generation) == XEN_ARCH_SHINFO_P2M_GEN, "arch p2m_generation");

/* xl dump-core: xenctrl.h (magic) and xen/elfnote.h (note types). */
_Static_assert(XC_CORE_MAGIC == XEN_DUMPCORE_MAGIC_PV, "dump-core PV magic");
_Static_assert(XC_CORE_MAGIC_HVM == XEN_DUMPCORE_MAGIC_HVM, "dump-core HVM magic");
_Static_assert(ABI_NOTE_NONE == XEN_ELFNOTE_DUMPCORE_NONE, "note none");
_Static_assert(ABI_NOTE_HEADER == XEN_ELFNOTE_DUMPCORE_HEADER, "note header");
_Static_assert(ABI_NOTE_XEN_VERSION == XEN_ELFNOTE_DUMPCORE_XEN_VERSION, "note xen_version");
_Static_assert(ABI_NOTE_FORMAT_VERSION == XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION,
	       "note format_version");

/* Page types: xen/include/public/domctl.h, and our enum of types.h. */
_Static_assert(XEN_DOMCTL_PFINFO_LTAB_SHIFT == XEN_PFINFO_LTAB_SHIFT, "PFINFO shift");
_Static_assert(XEN_DOMCTL_PFINFO_LPINTAB == XEN_PFINFO_LPINTAB, "PFINFO pinned");
_Static_assert(XEN_DOMCTL_PFINFO_NOTAB >> 28 == XENPT_PT_NONE, "PFINFO NOTAB");
_Static_assert(XEN_DOMCTL_PFINFO_L1TAB >> 28 == XENPT_PT_L1, "PFINFO L1TAB");
_Static_assert(XEN_DOMCTL_PFINFO_L2TAB >> 28 == XENPT_PT_L2, "PFINFO L2TAB");
_Static_assert(XEN_DOMCTL_PFINFO_L3TAB >> 28 == XENPT_PT_L3, "PFINFO L3TAB");
_Static_assert(XEN_DOMCTL_PFINFO_L4TAB >> 28 == XENPT_PT_L4, "PFINFO L4TAB");
_Static_assert(XEN_DOMCTL_PFINFO_LPINTAB >> 28 == XENPT_PT_PINNED, "PFINFO pinned bit");
_Static_assert(XEN_DOMCTL_PFINFO_BROKEN >> 28 == XENPT_PT_BROKEN, "PFINFO BROKEN");
_Static_assert(XEN_DOMCTL_PFINFO_XALLOC >> 28 == XENPT_PT_XALLOC, "PFINFO XALLOC");
_Static_assert(XEN_DOMCTL_PFINFO_XTAB >> 28 == XENPT_PT_XTAB, "PFINFO XTAB");

/* Frame arrays are passed to Xen as they are. */
_Static_assert(_Generic((xen_pfn_t)0, uint64_t: 1, default: 0), "xen_pfn_t is uint64_t");
_Static_assert(XC_PAGE_SIZE == XENPT_PAGE_SIZE, "page size");

/* ---- constants ------------------------------------------------------------ */

/* Frames per foreign-map call and per getpageframeinfo3 call. */
#define MAP_CHUNK      1024u
#define TYPE_BATCH     1024u
/* The M2P is mapped in 2 MiB chunks (xen-mfndump.c M2P_SIZE, M2P_SHIFT 21). */
#define M2P_CHUNK      (2ull << 20)
/* Xen's own INVALID_M2P_ENTRY and SHARED_M2P_ENTRY (xen/arch/x86 mm.h). */
#define M2P_INVALID    (~0ul)
#define M2P_SHARED     (~0ul - 1)
/* 64-bit PV: the hypervisor's part of the address space (xg_core_x86.c). */
#define XEN_VIRT_START 0xffff800000000000ull
#define XEN_VIRT_END   0xffff87ffffffffffull
#define PTE_PRESENT    0x1ull
#define PTE_PSE        0x80ull
#define PTE_MFN_MASK   0x000ffffffffff000ull
#define P2M_PER_PAGE   (XENPT_PAGE_SIZE / 8)
/* Attempts at a consistent linear P2M while the guest updates it. */
#define P2M_TRIES      8

/*
 * Log levels passed to the source's callback, as cmd/xenpt.c reads them:
 * <= 0 is shown always, > 0 only with -v.
 */
enum { XLOG_WARNING = 0, XLOG_INFO = 1, XLOG_DEBUG = 2 };

/* ---- state ---------------------------------------------------------------- */

/* A xentoollog logger that forwards libxenctrl's messages to the source. */
struct xen_logger {
	struct xentoollog_logger vtable;  /* first: libxenctrl calls through it */
	struct xenpt_source *src;         /* NULL: discard everything */
};

struct xen_priv {
	struct xen_logger logger;         /* for xch and fmem */
	struct xen_logger quiet;          /* for the signal-cleanup handle */
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	/*
	 * A second libxenctrl handle, opened NON_REENTRANT only when we pause
	 * the domain: signal_cleanup unpauses through it, so the hypercall
	 * path takes no mutex (tools/libs/call/buffer.c cache_lock) and logs
	 * nothing (quiet logger, no malloc).
	 */
	xc_interface *xch_sig;
	atomic_int pause_held;            /* 1 while our XENPT_OPEN_PAUSE holds */

	uint32_t domid;                   /* the domain */
	uint32_t map_domid;               /* domid, or DOMID_SELF for our own domain */
	xen_domain_handle_t handle;       /* its UUID: tells a recycled domid apart */
	char label[96];                   /* "domain 5 (name)" */
	bool hvm;
	unsigned guest_width;
	uint64_t max_mfn;                 /* host frames: MFNs are below this */
	uint64_t max_gfn;                 /* highest GFN/PFN */
	uint64_t shinfo_frame;            /* MFN (PV) / GFN (HVM) of shared_info */

	/* Xen's M2P, mapped on first use. */
	const xen_pfn_t *m2p;
	uint64_t m2p_entries;
	size_t m2p_bytes;
	int m2p_errno;                    /* mapping failed once: don't retry */

	/* The guest's P2M (PV), read at open. */
	uint64_t *p2m;                    /* p2m_size entries, ~0 = none */
	uint64_t p2m_size;
	uint64_t p2m_generation;
	bool p2m_linear;                  /* read from the linear list (else the tree) */

	/*
	 * A warning from open ("no P2M"), delivered on the first call after a
	 * log callback is set: at open there is none yet.
	 */
	char note[512];

	/* Backend statistics (frame reads, P2M reads, shared_info reads). */
	uint64_t map_calls, frames_mapped, frames_failed, type_calls;
};

/* ---- logging -------------------------------------------------------------- */

static void logger_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
			    int errnoval, const char *context, const char *format, va_list al)
	__attribute__((format(printf, 5, 0)));

static void logger_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
			    int errnoval, const char *context, const char *format, va_list al)
{
	struct xen_logger *l = (struct xen_logger *)logger;
	char *msg;

	if (!l->src || !l->src->log)
		return;
	msg = xenpt_vasprintf(format, al);
	if (!msg)
		return;
	// libxenctrl's "errors" are failed calls that we turn into error
	// objects ourselves: detail for -v, not news.
	xenpt_source_logf(l->src, level >= XTL_WARN ? XLOG_INFO : XLOG_DEBUG, "%s%s%s%s%s",
			  context ? context : "", context ? ": " : "", msg,
			  errnoval >= 0 ? ": " : "", errnoval >= 0 ? strerror(errnoval) : "");
	free(msg);
}

static void logger_progress(struct xentoollog_logger *logger, const char *context,
			    const char *doing_what, int percent, unsigned long done,
			    unsigned long total)
{
	(void)logger; (void)context; (void)doing_what;
	(void)percent; (void)done; (void)total;
}

static void logger_destroy(struct xentoollog_logger *logger)
{
	(void)logger;   // embedded in struct xen_priv
}

static void logger_init(struct xen_logger *l, struct xenpt_source *src)
{
	l->vtable.vmessage = logger_vmessage;
	l->vtable.progress = logger_progress;
	l->vtable.destroy = logger_destroy;
	l->src = src;
}

/* ---- helpers -------------------------------------------------------------- */

static struct xenpt_error *root_hint(struct xenpt_error *err)
{
	return xenpt_error_hint(err, "is xenpt running in dom0 as root, with the xen-privcmd "
				"module loaded (/dev/xen/privcmd)?");
}

/* Open libxenctrl; the error says what to check. */
static struct xenpt_error *open_xc(struct xen_logger *l, unsigned flags, xc_interface **ret)
{
	xc_interface *xch;

	errno = 0;
	xch = xc_interface_open(&l->vtable, &l->vtable, flags);
	if (!xch)
		return root_hint(xenpt_error_os(errno ? errno : EIO,
						"cannot open the Xen control interface (libxenctrl)"));
	*ret = xch;
	return NULL;
}

/* Domain name from xenstore, "" when unknown. */
static void read_name(struct xs_handle *xs, uint32_t domid, char *buf, size_t size)
{
	char path[64];
	unsigned int len = 0;
	char *v;

	buf[0] = '\0';
	if (!xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return;
	snprintf(buf, size, "%.*s", (int)len, v);
	free(v);
}

/* Paging levels selected by CR0.PG, CR4.PAE/LA57 and EFER.LMA (SDM 4.1.1). */
static unsigned levels_from_regs(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & (1ull << 31)))
		return 0;
	if (efer & (1ull << 10))
		return (cr4 & (1ull << 12)) ? 5 : 4;
	return (cr4 & (1ull << 5)) ? 3 : 2;
}

/* The HVM CPU save record of one vCPU (xc_pagetab.c and xenctx do the same). */
static int hvm_cpu_record(xc_interface *xch, uint32_t domid, uint32_t vcpu, struct hvm_hw_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	return xc_domain_hvm_getcontext_partial(xch, domid, HVM_SAVE_CODE(CPU), (uint16_t)vcpu,
						cpu, sizeof(*cpu));
}

static void xen_version_string(xc_interface *xch, char *buf, size_t size)
{
	xen_extraversion_t extra;
	int v = xc_version(xch, XENVER_version, NULL);

	memset(extra, 0, sizeof(extra));
	if (v < 0) {
		buf[0] = '\0';
		return;
	}
	if (xc_version(xch, XENVER_extraversion, &extra) < 0)
		extra[0] = '\0';
	extra[sizeof(extra) - 1] = '\0';
	snprintf(buf, size, "%d.%d%s", v >> 16, v & 0xffff, extra);
}

_Static_assert(sizeof(xen_cpuid_leaf_t) == sizeof(struct xen_cpuid_leaf_raw) &&
	       offsetof(xen_cpuid_leaf_t, a) == offsetof(struct xen_cpuid_leaf_raw, a),
	       "xen_cpuid_leaf_t layout");

/*
 * The domain's MAXPHYADDR as Xen gives it to the guest: CPUID leaf
 * 0x80000008 of its CPU policy (xc_cpu_policy_get_domain(), serialised;
 * libxenguest 4.17 has no per-leaf getter).  For PV this is the host's
 * paddr_bits (capped by the max policy), the width the hardware checks the
 * MFNs in PV tables against; for HVM the guest's width, which Xen's guest
 * walker checks GFN bits against.  0 when Xen does not answer (the walks
 * then assume 52 and say so).  lib/xen/cpuid.h has the leaf decoding.
 */
static unsigned domain_paddr_bits(xc_interface *xch, uint32_t domid)
{
	xc_cpu_policy_t *pol = xc_cpu_policy_init();
	xen_cpuid_leaf_t *leaves = NULL;
	uint32_t nr_leaves = 0, nr_msrs = 0;
	unsigned bits = 0;

	if (!pol)
		return 0;
	if (xc_cpu_policy_get_size(xch, &nr_leaves, &nr_msrs) != 0 || !nr_leaves)
		goto out;
	leaves = calloc(nr_leaves, sizeof(*leaves));
	if (!leaves)
		goto out;
	if (xc_cpu_policy_get_domain(xch, domid, pol) != 0)
		goto out;
	if (xc_cpu_policy_serialise(xch, pol, leaves, &nr_leaves, NULL, NULL) != 0)
		goto out;
	bits = xen_cpuid_paddr_bits((const struct xen_cpuid_leaf_raw *)leaves, nr_leaves);
out:
	free(leaves);
	xc_cpu_policy_destroy(pol);
	return bits;
}

/*
 * Fill @info from one getdomaininfo record plus the cheap per-domain calls
 * (maximum GPFN, guest width, HVM vCPU 0 mode).  Used by open and by
 * xenpt_xen_list_domains(), so that both report the same fields.
 */
static void fill_info(xc_interface *xch, struct xs_handle *xs, const xc_domaininfo_t *di,
		      uint64_t max_mfn, const char *xen_version, struct xenpt_domain_info *info)
{
	xen_pfn_t max_gpfn = 0;
	unsigned width = 0;

	memset(info, 0, sizeof(*info));
	info->domid = di->domain;
	read_name(xs, di->domain, info->name, sizeof(info->name));
	info->hvm = di->flags & XEN_DOMINF_hvm_guest;
	info->hap = di->flags & XEN_DOMINF_hap;
	info->tot_pages = di->tot_pages;
	info->max_pages = di->max_pages;
	info->nr_vcpus = di->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : di->max_vcpu_id + 1;
	info->nr_online_vcpus = di->nr_online_vcpus;
	info->paused = di->flags & XEN_DOMINF_paused;
	info->dying = di->flags & XEN_DOMINF_dying;
	info->shutdown = di->flags & XEN_DOMINF_shutdown;
	info->blocked = di->flags & XEN_DOMINF_blocked;
	// "running" here means "its vCPUs may execute while we look" (not
	// paused, not shut down, not dying), which is what makes results
	// inconsistent; Xen's own XEN_DOMINF_running is only "on a pCPU
	// right now".
	info->running = !info->paused && !info->shutdown && !info->dying;
	info->shutdown_code = (di->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	info->shared_info_frame = di->shared_info_frame;
	info->max_mfn = max_mfn;
	info->nr_frames = di->tot_pages;
	snprintf(info->xen_version, sizeof(info->xen_version), "%s", xen_version);
	if (info->dying)
		return;

	// PV: Xen answers arch.max_pfn - 1 ("PV guests specify nr_pfns
	// rather than max_pfn", xen/arch/x86/mm.c domain_get_maximum_gpfn),
	// so max_gfn + 1 is the P2M size for both kinds.
	if (xc_domain_maximum_gpfn(xch, di->domain, &max_gpfn) == 0) {
		info->max_gfn = max_gpfn;
		info->p2m_size = max_gpfn + 1;
		snprintf(info->p2m_size_from, sizeof(info->p2m_size_from),
			 "XENMEM_maximum_gpfn + 1");
	}
	info->paddr_bits = domain_paddr_bits(xch, di->domain);
	if (!info->hvm) {
		// Returns 1 (not -1) on failure.
		if (xc_domain_get_guest_width(xch, di->domain, &width) == 0)
			info->guest_width = width;
		info->pt_levels = info->guest_width == 8 ? 4 : info->guest_width == 4 ? 3 : 0;
	} else if (info->nr_vcpus) {
		// xc_domain_get_guest_width fails for PVH: use vCPU 0's EFER.LMA.
		struct hvm_hw_cpu cpu;

		if (hvm_cpu_record(xch, di->domain, 0, &cpu) == 0) {
			info->guest_width = (cpu.msr_efer & (1ull << 10)) ? 8 : 4;
			info->pt_levels = levels_from_regs(cpu.cr0, cpu.cr4, cpu.msr_efer);
		}
	}
}

/* One domain's getdomaininfo record; 0, or -1 with errno (ESRCH: no such domain). */
static int get_dominfo(xc_interface *xch, uint32_t domid, xc_domaininfo_t *di)
{
	int rc = xc_domain_getinfolist(xch, domid, 1, di);

	if (rc < 0)
		return -1;
	if (rc == 0 || di->domain != domid) {   // the next domain, not ours
		errno = ESRCH;
		return -1;
	}
	return 0;
}

/*
 * After a failed call: is the domain gone (destroyed, or its id now names
 * another domain) or dying?  XENPT_ERR_GONE naming it, or NULL if it is
 * still there (the caller then reports its own failure).
 */
static struct xenpt_error *check_gone(struct xen_priv *p)
{
	xc_domaininfo_t di;
	int saved = errno;

	if (get_dominfo(p->xch, p->domid, &di) < 0) {
		int e = errno;

		errno = saved;
		if (e != ESRCH)
			return NULL;   // cannot tell: report the original failure
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_GONE,
							   "%s no longer exists", p->label),
					"it was destroyed while xenpt was looking at it");
	}
	errno = saved;
	if (memcmp(di.handle, p->handle, sizeof(di.handle)))
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_GONE,
							   "%s no longer exists", p->label),
					"it was destroyed and its domain id now belongs to another domain");
	if (di.flags & XEN_DOMINF_dying)
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_GONE, "%s is dying",
							   p->label),
					"its memory is being returned to Xen; nothing can be read any more");
	return NULL;
}

/* A failed Xen call: GONE if the domain went away, else an OS error. */
static struct xenpt_error *call_failed(struct xen_priv *p, int errnum, const char *what)
{
	struct xenpt_error *gone = check_gone(p);

	if (gone)
		return gone;
	return xenpt_error_prefix(xenpt_error_os(errnum ? errnum : EIO, "%s", what), "%s",
				  p->label);
}

/*
 * Map @n frames (MFNs for PV, GFNs for HVM; already translated) read-only in
 * one xenforeignmemory_map() call, copy every good frame i to
 * dst + pos[i] * 4096 (pos NULL: i) and unmap.  errs[i] becomes 0 or a
 * positive errno.  Returns 0, or the errno of a call that mapped nothing.
 */
static int map_copy(struct xen_priv *p, const uint64_t *arr, size_t n, uint8_t *dst,
		    const size_t *pos, int *errs)
{
	uint8_t *va;
	size_t i;

	p->map_calls++;
	errno = 0;
	va = xenforeignmemory_map(p->fmem, p->map_domid, PROT_READ, n, arr, errs);
	if (!va) {
		int e = errno ? errno : EIO;

		for (i = 0; i < n; i++)
			errs[i] = e;
		p->frames_failed += n;
		return e;
	}
	for (i = 0; i < n; i++) {
		// err[] holds negative errnos (xenforeignmemory.h; verified:
		// -EINVAL for an HVM hole, -EBUSY, ...).  Reading a failed
		// slot would fault, so only good ones are copied.
		if (errs[i]) {
			errs[i] = errs[i] < 0 ? -errs[i] : errs[i];
			p->frames_failed++;
			continue;
		}
		memcpy(dst + (pos ? pos[i] : i) * XENPT_PAGE_SIZE, va + i * XENPT_PAGE_SIZE,
		       XENPT_PAGE_SIZE);
		p->frames_mapped++;
	}
	xenforeignmemory_unmap(p->fmem, va, n);
	return 0;
}

/* One frame into @page; a positive errno on failure. */
static int map_one(struct xen_priv *p, uint64_t frame, uint8_t *page)
{
	int e = 0;
	int rc = map_copy(p, &frame, 1, page, NULL, &e);

	return rc ? rc : e;
}

/* Deliver the note left by open, once, as soon as someone listens. */
static void flush_note(struct xenpt_source *src)
{
	struct xen_priv *p = src->priv;

	if (p->note[0] && src->log) {
		xenpt_source_logf(src, XLOG_WARNING, "%s", p->note);
		p->note[0] = '\0';
	}
}

/* ---- shared_info and the P2M (PV) ---------------------------------------- */

static struct xenpt_error *read_shinfo_page(struct xen_priv *p, uint8_t *page)
{
	int e;

	if (p->shinfo_frame == XENPT_INVALID_FRAME)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s has no shared_info frame",
					  p->label);
	e = map_one(p, p->shinfo_frame, page);
	if (e) {
		struct xenpt_error *gone = check_gone(p);

		if (gone)
			return gone;
		return xenpt_error_create(XENPT_ERR_FAULT,
					  "%s: cannot map its shared_info frame (%s 0x%" PRIx64 "): %s",
					  p->label, p->hvm ? "gfn" : "mfn", p->shinfo_frame,
					  strerror(e));
	}
	return NULL;
}

static struct xenpt_error *read_shinfo(struct xen_priv *p, struct xenpt_shared_info *si)
{
	uint8_t *page = malloc(XENPT_PAGE_SIZE);
	struct xenpt_error *err;

	if (!page)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	err = read_shinfo_page(p, page);
	if (!err)
		xenpt_abi_decode_shared_info(page, si);
	free(page);
	return err;
}

static bool canonical48(uint64_t va)
{
	return ((int64_t)va >> 47) == ((int64_t)va >> 63);
}

/*
 * Read @n table frames (MFNs; XENPT_INVALID_FRAME or beyond the host: left
 * unread) into @buf in one map call.  ok[i] tells which were read.
 */
static struct xenpt_error *read_tables(struct xen_priv *p, const uint64_t *mfns, size_t n,
				       uint8_t *buf, bool *ok)
{
	uint64_t *arr = malloc(n * sizeof(*arr));
	size_t *pos = malloc(n * sizeof(*pos));
	int *errs = malloc(n * sizeof(*errs));
	struct xenpt_error *err = NULL;
	size_t i, k = 0, done;

	if (!arr || !pos || !errs) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		ok[i] = false;
		if (mfns[i] == XENPT_INVALID_FRAME || mfns[i] >= p->max_mfn)
			continue;
		arr[k] = mfns[i];
		pos[k++] = i;
	}
	for (done = 0; done < k; done += MAP_CHUNK) {
		size_t m = k - done < MAP_CHUNK ? k - done : MAP_CHUNK;

		if (map_copy(p, arr + done, m, buf, pos + done, errs + done) == ENOMEM) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < k; i++)
		ok[pos[i]] = errs[i] == 0;
out:
	free(arr);
	free(pos);
	free(errs);
	return err;
}

/*
 * The linear P2M (Linux since 4.3): walk the guest's page tables from
 * p2m_cr3 over [p2m_vaddr, +nframes pages) level by level, one map call per
 * level, and return the MFN of every P2M page (XENPT_INVALID_FRAME where
 * the guest maps nothing).  Same checks as xg_core_x86.c
 * xc_core_arch_map_p2m_list_rw (canonical, outside Xen's range), but a hole
 * is a hole, not a failure.
 */
static struct xenpt_error *p2m_list_leaves(struct xen_priv *p, const struct xenpt_shared_info *si,
					   uint64_t nframes, uint64_t *leaf)
{
	const uint64_t mask48 = 0x0000ffffffffffffull;
	uint64_t va_start = si->p2m_vaddr;
	uint64_t va_end = va_start + nframes * XENPT_PAGE_SIZE - 1;
	uint64_t *cur = NULL, *next = NULL;
	uint8_t *buf = NULL;
	bool *ok = NULL;
	size_t ncur = 1;
	struct xenpt_error *err = NULL;
	int level;

	if (!canonical48(va_start) || !canonical48(va_end) || va_end < va_start ||
	    (va_start <= XEN_VIRT_END && va_end >= XEN_VIRT_START))
		return xenpt_error_create(XENPT_ERR_BAD_DATA,
					  "%s: shared_info says the P2M is at va 0x%" PRIx64 "-0x%" PRIx64
					  ", which is not a guest address range",
					  p->label, va_start, va_end);
	cur = malloc(sizeof(*cur));
	if (!cur)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	cur[0] = si->p2m_cr3 >> 12;   // xen_cr3_to_pfn_x86_64: an MFN
	for (level = 4; level >= 1; level--) {
		unsigned shift = XENPT_PAGE_SHIFT + 9 * (unsigned)(level - 1);
		uint64_t gs = (va_start & mask48) >> shift, ge = (va_end & mask48) >> shift, g;
		size_t nnext = (size_t)(ge - gs + 1);

		// cur[k] is the table for entries (gs >> 9) + k at this level.
		buf = malloc(ncur * XENPT_PAGE_SIZE);
		ok = malloc(ncur * sizeof(*ok));
		next = malloc(nnext * sizeof(*next));
		if (!buf || !ok || !next) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto out;
		}
		err = read_tables(p, cur, ncur, buf, ok);
		if (err)
			goto out;
		for (g = gs; g <= ge; g++) {
			size_t k = (size_t)((g >> 9) - (gs >> 9));
			uint64_t e;

			next[g - gs] = XENPT_INVALID_FRAME;
			if (!ok[k])
				continue;
			memcpy(&e, buf + k * XENPT_PAGE_SIZE + (g & 511) * 8, 8);
			// PV has no superpages: a PSE entry above L1 is not a table.
			if (!(e & PTE_PRESENT) || (level > 1 && (e & PTE_PSE)))
				continue;
			next[g - gs] = (e & PTE_MFN_MASK) >> XENPT_PAGE_SHIFT;
		}
		free(buf);
		free(ok);
		free(cur);
		buf = NULL;
		ok = NULL;
		cur = next;
		next = NULL;
		ncur = nnext;
	}
	memcpy(leaf, cur, nframes * sizeof(*leaf));
out:
	free(buf);
	free(ok);
	free(cur);
	free(next);
	return err;
}

/* A frame number read from guest memory; 0 and ~0 mean "none". */
static uint64_t guest_mfn(const struct xen_priv *p, uint64_t v)
{
	return v == 0 || v >= p->max_mfn ? XENPT_INVALID_FRAME : v;
}

/*
 * The 3-level tree: pfn_to_mfn_frame_list_list -> frame lists -> P2M pages
 * (xg_core_x86.c xc_core_arch_map_p2m_tree_rw), one map call per level.
 */
static struct xenpt_error *p2m_tree_leaves(struct xen_priv *p, const struct xenpt_shared_info *si,
					   uint64_t nframes, uint64_t *leaf)
{
	uint64_t nfl = (nframes + P2M_PER_PAGE - 1) / P2M_PER_PAGE;
	uint64_t fll_mfn = guest_mfn(p, si->pfn_to_mfn_frame_list_list);
	uint64_t *fl_mfns = NULL;
	uint8_t *fll = NULL, *fl = NULL;
	bool fll_ok, *fl_ok = NULL;
	struct xenpt_error *err = NULL;
	uint64_t i;

	if (nfl > P2M_PER_PAGE)
		return xenpt_error_create(XENPT_ERR_BAD_DATA,
					  "%s: a P2M of 0x%" PRIx64 " entries does not fit the frame-list tree",
					  p->label, si->max_pfn);
	fll = malloc(XENPT_PAGE_SIZE);
	fl = malloc(nfl * XENPT_PAGE_SIZE);
	fl_mfns = malloc(nfl * sizeof(*fl_mfns));
	fl_ok = malloc(nfl * sizeof(*fl_ok));
	if (!fll || !fl || !fl_mfns || !fl_ok) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	err = read_tables(p, &fll_mfn, 1, fll, &fll_ok);
	if (err)
		goto out;
	if (!fll_ok) {
		err = xenpt_error_create(XENPT_ERR_FAULT,
					 "%s: cannot read its P2M frame-list-list (mfn 0x%" PRIx64 ")",
					 p->label, si->pfn_to_mfn_frame_list_list);
		goto out;
	}
	for (i = 0; i < nfl; i++) {
		uint64_t v;

		memcpy(&v, fll + i * 8, 8);
		fl_mfns[i] = guest_mfn(p, v);
	}
	err = read_tables(p, fl_mfns, nfl, fl, fl_ok);
	if (err)
		goto out;
	for (i = 0; i < nframes; i++) {
		uint64_t v = 0;

		if (fl_ok[i / P2M_PER_PAGE])
			memcpy(&v, fl + i * 8, 8);
		leaf[i] = guest_mfn(p, v);
	}
out:
	free(fll);
	free(fl);
	free(fl_mfns);
	free(fl_ok);
	return err;
}

/*
 * Read the guest's P2M into p->p2m.  Returns NULL with p->p2m still NULL
 * (and @why set) when the guest has not published one.  The linear list is
 * re-read while p2m_generation is odd or changes under us
 * (xg_sr_save_x86_pv.c get_p2m_generation).
 */
enum p2m_how { P2M_AUTO = 0, P2M_LIST = 1, P2M_TREE = 2 };

static struct xenpt_error *p2m_load(struct xen_priv *p, enum p2m_how how, char *why,
				    size_t why_size)
{
	struct xenpt_shared_info si, after;
	uint64_t *leaf = NULL, *table = NULL;
	struct xenpt_error *err = NULL;
	unsigned attempt;

	why[0] = '\0';
	if (p->guest_width != 8) {
		snprintf(why, why_size, "P2M reading is implemented for 64-bit PV guests only "
			 "(guest width %u bytes)", p->guest_width);
		return NULL;
	}
	for (attempt = 0; attempt < P2M_TRIES; attempt++) {
		uint64_t nframes, limit, i;
		size_t *pos = NULL;
		uint64_t *arr = NULL;
		int *errs = NULL;
		size_t k = 0, done;

		err = read_shinfo(p, &si);
		if (err)
			return err;
		if (!si.max_pfn || (!si.p2m_cr3 && (!si.pfn_to_mfn_frame_list_list ||
						    si.pfn_to_mfn_frame_list_list == XENPT_INVALID_FRAME))) {
			snprintf(why, why_size,
				 "the guest has not published its P2M in shared_info (max_pfn 0x%" PRIx64
				 ", pfn_to_mfn_frame_list_list 0x%" PRIx64 ", p2m_cr3 0x%" PRIx64 ")",
				 si.max_pfn, si.pfn_to_mfn_frame_list_list, si.p2m_cr3);
			return NULL;
		}
		if (how == P2M_LIST && !si.p2m_cr3)
			return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						  "%s publishes no linear P2M (p2m_cr3 is 0)", p->label);
		if (how == P2M_TREE && (!si.pfn_to_mfn_frame_list_list ||
					si.pfn_to_mfn_frame_list_list == XENPT_INVALID_FRAME))
			return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						  "%s publishes no P2M frame-list tree", p->label);
		if (how == P2M_TREE)
			si.p2m_cr3 = 0;   // read the tree even if the list exists
		if (si.p2m_cr3 && (si.p2m_generation & 1)) {   // guest mid-update
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
			continue;
		}
		// A PV guest keeps its P2M in its own memory: more entries than
		// twice the host's frames is garbage, not a big guest.
		limit = 2 * (p->max_mfn > 1 ? p->max_mfn : 1);
		if (si.max_pfn > limit)
			return xenpt_error_create(XENPT_ERR_BAD_DATA,
						  "%s: shared_info says the P2M has 0x%" PRIx64
						  " entries, more than twice the host's 0x%" PRIx64 " frames",
						  p->label, si.max_pfn, p->max_mfn);
		nframes = (si.max_pfn + P2M_PER_PAGE - 1) / P2M_PER_PAGE;
		leaf = malloc(nframes * sizeof(*leaf));
		table = malloc(nframes * XENPT_PAGE_SIZE);
		arr = malloc(nframes * sizeof(*arr));
		pos = malloc(nframes * sizeof(*pos));
		errs = malloc(nframes * sizeof(*errs));
		if (!leaf || !table || !arr || !pos || !errs) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto fail;
		}
		err = si.p2m_cr3 ? p2m_list_leaves(p, &si, nframes, leaf)
				 : p2m_tree_leaves(p, &si, nframes, leaf);
		if (err)
			goto fail;
		memset(table, 0xff, nframes * XENPT_PAGE_SIZE);
		for (i = 0; i < nframes; i++) {
			if (leaf[i] == XENPT_INVALID_FRAME)
				continue;
			arr[k] = leaf[i];
			pos[k++] = (size_t)i;
		}
		for (done = 0; done < k; done += MAP_CHUNK) {
			size_t m = k - done < MAP_CHUNK ? k - done : MAP_CHUNK;

			if (map_copy(p, arr + done, m, (uint8_t *)table, pos + done,
				     errs + done) == ENOMEM) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto fail;
			}
		}
		for (i = 0; i < k; i++)
			if (errs[i])   // unreadable P2M page: its entries stay ~0
				memset(table + pos[i] * P2M_PER_PAGE, 0xff, XENPT_PAGE_SIZE);
		free(arr);
		free(pos);
		free(errs);
		free(leaf);
		arr = leaf = NULL;
		pos = NULL;
		errs = NULL;
		if (si.p2m_cr3) {
			err = read_shinfo(p, &after);
			if (err)
				goto fail;
			if (after.p2m_generation != si.p2m_generation) {
				free(table);
				table = NULL;
				continue;
			}
		}
		free(p->p2m);
		p->p2m = table;
		p->p2m_size = si.max_pfn;
		p->p2m_generation = si.p2m_generation;
		p->p2m_linear = si.p2m_cr3 != 0;
		return NULL;
fail:
		free(arr);
		free(pos);
		free(errs);
		free(leaf);
		free(table);
		return err;
	}
	return xenpt_error_hint(xenpt_error_create(XENPT_ERR_BAD_DATA,
						   "%s: its P2M kept changing while it was read "
						   "(p2m_generation)", p->label),
				"open it with the domain paused");
}

/* ---- the M2P -------------------------------------------------------------- */

static struct xenpt_error *m2p_map(struct xen_priv *p)
{
	unsigned long mfn0 = 0;
	xen_pfn_t *m;

	if (p->m2p)
		return NULL;
	if (p->m2p_errno)
		return xenpt_error_os(p->m2p_errno, "%s: cannot map Xen's M2P table", p->label);
	errno = 0;
	m = xc_map_m2p(p->xch, p->max_mfn, PROT_READ, &mfn0);
	if (!m) {
		p->m2p_errno = errno ? errno : EIO;
		return xenpt_error_os(p->m2p_errno, "%s: cannot map Xen's M2P table", p->label);
	}
	p->m2p = m;
	p->m2p_entries = p->max_mfn;
	p->m2p_bytes = (size_t)((p->max_mfn * sizeof(xen_pfn_t) + M2P_CHUNK - 1) & ~(M2P_CHUNK - 1));
	p->map_calls++;
	return NULL;
}

/* ---- ops ------------------------------------------------------------------ */

static struct xenpt_error *xen_get_frames(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n, const uint8_t **pages,
					  int *errs, uint8_t *scratch)
{
	struct xen_priv *p = src->priv;
	uint64_t *arr = NULL;
	size_t *pos = NULL;
	int *merr = NULL;
	struct xenpt_error *err = NULL;
	bool refreshed = false;
	size_t i, k = 0, done, good = 0;

	flush_note(src);
	if (p->hvm && space == XENPT_SPACE_MFN)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s is HVM: its frames are read by GFN; Xen does not let dom0 "
					  "map an HVM guest's memory by MFN", p->label);
	if (!p->hvm && space == XENPT_SPACE_GFN && !p->p2m)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: frames cannot be read by PFN: its P2M is not available",
					  p->label);
	arr = malloc(n * sizeof(*arr));
	pos = malloc(n * sizeof(*pos));
	merr = malloc(n * sizeof(*merr));
	if (!arr || !pos || !merr) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint64_t f = frames[i];

		pages[i] = NULL;
		errs[i] = 0;
		if (!p->hvm && space == XENPT_SPACE_GFN) {
			// PV by PFN: through the guest's P2M, then by MFN.
			if (f >= p->p2m_size) {
				errs[i] = ERANGE;
				continue;
			}
			f = p->p2m[f];
			if (f == XENPT_INVALID_FRAME) {
				errs[i] = ENOENT;
				continue;
			}
		}
		if (!p->hvm && f >= p->max_mfn) {
			errs[i] = ERANGE;
			continue;
		}
		if (p->hvm && f > p->max_gfn && !refreshed) {
			// The GFN space can grow (ballooning up); ask once.
			xen_pfn_t g;

			refreshed = true;
			if (xc_domain_maximum_gpfn(p->xch, p->domid, &g) == 0)
				p->max_gfn = g;
		}
		if (p->hvm && f > p->max_gfn) {
			errs[i] = ERANGE;
			continue;
		}
		arr[k] = f;
		pos[k++] = i;
	}
	for (done = 0; done < k; done += MAP_CHUNK) {
		size_t m = k - done < MAP_CHUNK ? k - done : MAP_CHUNK;
		int rc = map_copy(p, arr + done, m, scratch, pos + done, merr + done);

		if (rc == ENOMEM) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < k; i++) {
		errs[pos[i]] = merr[i];
		if (!merr[i]) {
			pages[pos[i]] = scratch + pos[i] * XENPT_PAGE_SIZE;
			good++;
		}
	}
	if (k && !good) {
		// Nothing could be mapped: most likely the domain went away.
		err = check_gone(p);
		if (err)
			for (i = 0; i < k; i++)
				pages[pos[i]] = NULL;
	}
out:
	free(arr);
	free(pos);
	free(merr);
	return err;
}

static struct xenpt_error *xen_vcpu(struct xenpt_source *src, uint32_t id, struct xenpt_vcpu *ret)
{
	struct xen_priv *p = src->priv;
	vcpu_guest_context_any_t *ctxt;
	xc_vcpuinfo_t vi;
	struct xenpt_error *err = NULL;

	flush_note(src);
	if (src->info.nr_vcpus && id >= src->info.nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s has no vCPU %u (it has %u)",
					  p->label, id, src->info.nr_vcpus);
	if (!p->hvm && p->guest_width != 8)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s is a 32-bit PV guest: its vCPU context is not decoded yet",
					  p->label);
	ctxt = calloc(1, sizeof(*ctxt));
	if (!ctxt)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	if (xc_vcpu_getcontext(p->xch, p->domid, id, ctxt) < 0) {
		int e = errno;

		// xen/common/domctl.c XEN_DOMCTL_getvcpucontext: EINVAL for
		// the calling vCPU itself ("no vcpu_pause()"), ENODATA for a
		// vCPU that was never initialised.
		if (e == EINVAL && p->map_domid == DOMID_SELF)
			err = xenpt_error_hint(
				xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						   "%s: vCPU %u may be the one running xenpt, and Xen "
						   "does not report the context of the calling vCPU",
						   p->label, id),
				"run xenpt on another vCPU (taskset) to see this one");
		else if (e == ENODATA)
			err = xenpt_error_create(XENPT_ERR_NOT_FOUND,
						 "%s: vCPU %u was never brought up (no context)",
						 p->label, id);
		else
			err = xenpt_error_prefix(call_failed(p, e, "xc_vcpu_getcontext"), "vCPU %u",
						 id);
		goto out;
	}
	xenpt_abi_decode_vcpu((const uint8_t *)&ctxt->x64, id, ret);
	memset(&vi, 0, sizeof(vi));
	if (xc_vcpu_getinfo(p->xch, p->domid, id, &vi) == 0)
		ret->online = vi.online;
	if (p->hvm) {
		// The guest's own control registers and EFER, from the HVM CPU
		// save record; vcpu_guest_context has no EFER.
		struct hvm_hw_cpu cpu;

		if (hvm_cpu_record(p->xch, p->domid, id, &cpu) < 0) {
			err = xenpt_error_prefix(call_failed(p, errno,
							     "reading the HVM CPU save record"),
						 "vCPU %u", id);
			goto out;
		}
		ret->cr0 = cpu.cr0;
		ret->cr2 = cpu.cr2;
		ret->cr3 = cpu.cr3;
		ret->cr4 = cpu.cr4;
		ret->efer = cpu.msr_efer;
		ret->efer_known = true;
		ret->user_cr3 = 0;
	}
out:
	free(ctxt);
	return err;
}

static struct xenpt_error *xen_p2m(struct xenpt_source *src, const uint64_t *gfns, size_t n,
				   uint64_t *mfns)
{
	struct xen_priv *p = src->priv;
	size_t i;

	if (!p->p2m)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: its P2M is not available",
					  p->label);
	// Running and reading the linear list: re-read it if the guest
	// changed it since (one shared_info map per call).
	if (p->p2m_linear && !atomic_load(&p->pause_held)) {
		struct xenpt_shared_info si;
		char why[256];
		struct xenpt_error *err = read_shinfo(p, &si);

		if (err)
			return err;
		if (si.p2m_generation != p->p2m_generation) {
			xenpt_source_logf(src, XLOG_INFO,
					  "%s: P2M generation changed (0x%" PRIx64 " -> 0x%" PRIx64
					  "): re-reading it", p->label, p->p2m_generation,
					  si.p2m_generation);
			err = p2m_load(p, P2M_AUTO, why, sizeof(why));
			if (err)
				return err;
			if (!p->p2m)
				return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: %s", p->label,
							  why);
			src->info.p2m_size = p->p2m_size;
			snprintf(src->info.p2m_size_from, sizeof(src->info.p2m_size_from),
				 "shared_info arch.max_pfn");
		}
	}
	for (i = 0; i < n; i++)
		mfns[i] = gfns[i] < p->p2m_size ? p->p2m[gfns[i]] : XENPT_INVALID_FRAME;
	return NULL;
}

static struct xenpt_error *xen_m2p(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				   uint64_t *gfns)
{
	struct xen_priv *p = src->priv;
	struct xenpt_error *err;
	size_t i;

	flush_note(src);
	err = m2p_map(p);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		uint64_t mfn = mfns[i], pfn;

		gfns[i] = XENPT_INVALID_FRAME;
		if (mfn >= p->m2p_entries)
			continue;
		pfn = p->m2p[mfn];
		if (pfn == M2P_INVALID || pfn == M2P_SHARED)
			continue;
		// Raw: the M2P is global and names other domains' PFNs too.
		// xenpt_source_m2p() keeps only what the P2M confirms, for
		// every source alike; the P2M check reads it raw.
		gfns[i] = pfn;
	}
	return NULL;
}

static struct xenpt_error *xen_page_types(struct xenpt_source *src, enum xenpt_space space,
					  const uint64_t *frames, size_t n, xenpt_page_type_t *types)
{
	struct xen_priv *p = src->priv;
	xen_pfn_t *arr;
	size_t *pos;
	struct xenpt_error *err = NULL;
	size_t i, done;

	flush_note(src);
	if (p->hvm && space == XENPT_SPACE_MFN)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s is HVM: Xen reports its page types by GFN", p->label);
	if (!p->hvm && space == XENPT_SPACE_GFN && !p->p2m)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: page types by PFN need its P2M, which is not available",
					  p->label);
	arr = malloc(TYPE_BATCH * sizeof(*arr));
	pos = malloc(TYPE_BATCH * sizeof(*pos));
	if (!arr || !pos) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (done = 0; done < n;) {
		unsigned k = 0;

		// Fill one batch with the frames Xen can be asked about; the
		// rest are XTAB without a hypercall.
		for (; done < n && k < TYPE_BATCH; done++) {
			uint64_t f = frames[done];

			types[done] = XENPT_PT_XTAB;
			if (!p->hvm && space == XENPT_SPACE_GFN)
				f = f < p->p2m_size ? p->p2m[f] : XENPT_INVALID_FRAME;
			if (f == XENPT_INVALID_FRAME || (!p->hvm && f >= p->max_mfn))
				continue;
			arr[k] = f;
			pos[k++] = done;
		}
		if (!k)
			continue;
		p->type_calls++;
		if (xc_get_pfn_type_batch(p->xch, p->domid, k, arr) < 0) {
			err = call_failed(p, errno, "xc_get_pfn_type_batch (getpageframeinfo3)");
			goto out;
		}
		for (i = 0; i < k; i++)
			types[pos[i]] = xenpt_abi_page_type((uint32_t)arr[i]);
	}
out:
	free(arr);
	free(pos);
	return err;
}

static struct xenpt_error *xen_shared_info(struct xenpt_source *src, uint8_t *page)
{
	flush_note(src);
	return read_shinfo_page(src->priv, page);
}

static const char *xen_frame_strerror(const struct xenpt_source *src, int err)
{
	const struct xen_priv *p = src->priv;

	switch (err) {
	case ERANGE:
		return p->hvm ? "beyond the domain's highest GFN" : "beyond the host's memory or the P2M";
	case ENOENT:
		return p->hvm ? "no such GFN" : "the P2M maps no frame here";
	case EINVAL:
	case EPERM:
		return p->hvm ? "not mapped by Xen (a hole in the guest-physical space?)"
			      : "Xen refused to map it (not the domain's frame?)";
	case EBUSY:
		return "Xen refused to map it (frame busy)";
	case ESRCH:
		return "the domain is gone";
	default:
		return NULL;
	}
}

static void xen_signal_cleanup(struct xenpt_source *src)
{
	struct xen_priv *p = src->priv;

	// Async-signal-safe: an atomic flag and one hypercall through the
	// NON_REENTRANT handle (no locks, no logging, no malloc).
	if (p && atomic_exchange(&p->pause_held, 0) && p->xch_sig)
		xc_domain_unpause(p->xch_sig, p->domid);
}

static void xen_close(struct xenpt_source *src)
{
	struct xen_priv *p = src->priv;

	if (!p)
		return;
	xenpt_source_logf(src, XLOG_DEBUG,
			  "%s: %" PRIu64 " foreign-map calls, %" PRIu64 " frames mapped, %" PRIu64
			  " failed, %" PRIu64 " page-type calls", p->label, p->map_calls,
			  p->frames_mapped, p->frames_failed, p->type_calls);
	xen_signal_cleanup(src);
	if (p->m2p)
		munmap((void *)p->m2p, p->m2p_bytes);
	free(p->p2m);
	if (p->fmem)
		xenforeignmemory_close(p->fmem);
	if (p->xch_sig)
		xc_interface_close(p->xch_sig);
	if (p->xch)
		xc_interface_close(p->xch);
	free(p);
	src->priv = NULL;
}

static const struct xenpt_source_ops xen_ops = {
	.name = "xen",
	.get_frames = xen_get_frames,
	.vcpu = xen_vcpu,
	.p2m = xen_p2m,
	.m2p = xen_m2p,
	.page_types = xen_page_types,
	.shared_info = xen_shared_info,
	.frame_strerror = xen_frame_strerror,
	.signal_cleanup = xen_signal_cleanup,
	.close = xen_close,
};

/*
 * Test and maintenance hook, not public API (hidden symbol; the live tests
 * link libxenpt.a): re-read the P2M of a PV source, from the layout the
 * guest prefers (@how 0), the linear list (1) or the frame-list tree (2).
 * *map_calls_ret: foreign-map calls the read took (shared_info included).
 */
struct xenpt_error *xenpt_xen_reload_p2m(struct xenpt_source *src, int how,
					 uint64_t *map_calls_ret);

struct xenpt_error *xenpt_xen_reload_p2m(struct xenpt_source *src, int how,
					 uint64_t *map_calls_ret)
{
	struct xen_priv *p;
	struct xenpt_error *err;
	uint64_t calls;
	char why[256];

	if (!src || src->ops != &xen_ops || how < P2M_AUTO || how > P2M_TREE)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "not a live source, or bad method");
	p = src->priv;
	if (p->hvm)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s is HVM: Xen's P2M cannot be read from dom0", p->label);
	calls = p->map_calls;
	err = p2m_load(p, (enum p2m_how)how, why, sizeof(why));
	if (map_calls_ret)
		*map_calls_ret = p->map_calls - calls;
	if (err)
		return err;
	if (!p->p2m)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "%s: %s", p->label, why);
	src->info.p2m_size = p->p2m_size;
	snprintf(src->info.p2m_size_from, sizeof(src->info.p2m_size_from),
		 "shared_info arch.max_pfn");
	return NULL;
}

/* ---- open ----------------------------------------------------------------- */

/* Own domain id (xenstore "domid", relative to our home), 0 if unknown. */
static uint32_t own_domid(struct xs_handle *xs)
{
	unsigned int len = 0;
	char *v = xs ? xs_read(xs, XBT_NULL, "domid", &len) : NULL;
	uint64_t id = 0;
	char buf[16];

	if (v) {
		snprintf(buf, sizeof(buf), "%.*s", (int)len, v);
		if (!xenpt_parse_number(buf, 0, &id) || id > 0x7fef)
			id = 0;
		free(v);
	}
	return (uint32_t)id;
}

/* Find a domain by name: walk every domain and compare xenstore names. */
static struct xenpt_error *lookup_name(xc_interface *xch, struct xs_handle *xs, const char *name,
				       uint32_t *domid_ret)
{
	xc_domaininfo_t di[64];
	uint32_t first = 0;
	char buf[64];
	int rc, i;

	if (!xs)
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_NOT_FOUND,
							   "cannot look up domain '%s' by name: xenstore is not reachable",
							   name),
					"give its domain id instead (xl list), or start xenstored");
	for (;;) {
		rc = xc_domain_getinfolist(xch, first, XENPT_ARRAY_SIZE(di), di);
		if (rc < 0)
			return root_hint(xenpt_error_os(errno, "cannot list domains"));
		for (i = 0; i < rc; i++) {
			read_name(xs, di[i].domain, buf, sizeof(buf));
			if (!strcmp(buf, name)) {
				*domid_ret = di[i].domain;
				return NULL;
			}
		}
		if (rc < (int)XENPT_ARRAY_SIZE(di))
			break;
		first = di[rc - 1].domain + 1u;
	}
	return xenpt_error_hint(xenpt_error_create(XENPT_ERR_NOT_FOUND, "no domain named '%s'", name),
				"xl list shows the running domains");
}

struct xenpt_error *xenpt_xen_open(const char *domain, unsigned flags, struct xenpt_source **ret)
{
	struct xenpt_source *src = NULL;
	struct xen_priv *p = NULL;
	struct xs_handle *xs = NULL;
	struct xenpt_error *err = NULL;
	xc_domaininfo_t di;
	char version[32], why[256];
	unsigned long max_mfn = 0;
	uint64_t id;

	p = calloc(1, sizeof(*p));
	if (!p)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	src = xenpt_source_new(&xen_ops, p);
	if (!src) {
		free(p);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	atomic_init(&p->pause_held, 0);
	logger_init(&p->logger, src);
	logger_init(&p->quiet, NULL);
	p->shinfo_frame = XENPT_INVALID_FRAME;
	snprintf(p->label, sizeof(p->label), "domain '%s'", domain);

	err = open_xc(&p->logger, 0, &p->xch);
	if (err) {
		err = xenpt_error_prefix(err, "%s", p->label);
		goto fail;
	}
	errno = 0;
	p->fmem = xenforeignmemory_open(&p->logger.vtable, 0);
	if (!p->fmem) {
		err = xenpt_error_prefix(root_hint(xenpt_error_os(errno ? errno : EIO,
					       "cannot open the foreign-memory interface (libxenforeignmemory)")),
					 "%s", p->label);
		goto fail;
	}
	xs = xs_open(XS_OPEN_READONLY);   // NULL is fine: no names then

	if (xenpt_parse_number(domain, 0, &id)) {
		if (id >= DOMID_FIRST_RESERVED) {
			err = xenpt_error_create(XENPT_ERR_INVALID_ARG,
						 "%s is not a domain id (ids are below %u)", domain,
						 DOMID_FIRST_RESERVED);
			goto fail;
		}
		p->domid = (uint32_t)id;
	} else {
		err = lookup_name(p->xch, xs, domain, &p->domid);
		if (err)
			goto fail;
	}
	if (get_dominfo(p->xch, p->domid, &di) < 0) {
		if (errno == ESRCH)
			err = xenpt_error_hint(xenpt_error_create(XENPT_ERR_NOT_FOUND,
								  "no domain with id %u", p->domid),
					       "xl list shows the running domains");
		else
			err = root_hint(xenpt_error_os(errno, "cannot get information on domain %u",
						       p->domid));
		goto fail;
	}
	memcpy(p->handle, di.handle, sizeof(p->handle));
	p->map_domid = p->domid == own_domid(xs) ? DOMID_SELF : p->domid;
	if (xc_maximum_ram_page(p->xch, &max_mfn) < 0) {
		err = root_hint(xenpt_error_os(errno, "cannot get the host's highest MFN"));
		goto fail;
	}
	xen_version_string(p->xch, version, sizeof(version));
	fill_info(p->xch, xs, &di, max_mfn, version, &src->info);
	if (src->info.name[0])
		snprintf(p->label, sizeof(p->label), "domain %u (%s)", p->domid, src->info.name);
	else
		snprintf(p->label, sizeof(p->label), "domain %u", p->domid);
	snprintf(src->desc, sizeof(src->desc), "%s", p->label);
	if (src->info.dying && !(flags & XENPT_OPEN_DYING)) {
		err = xenpt_error_hint(xenpt_error_create(XENPT_ERR_GONE, "%s is dying", p->label),
				       "its memory is being returned to Xen; nothing can be read any more");
		goto fail;
	}
	if (src->info.dying) {
		// After `xl destroy` (xen/common/domain.c: domain_kill ->
		// domain_relinquish_resources) a domain lives on while any of its
		// pages is still referenced, e.g. by another domain's foreign
		// mapping.  Its tables and P2M are gone, but getpageframeinfo3
		// still answers for the pages it owns (xen/arch/x86/domctl.c:
		// get_page_from_gfn -> get_page, an owner check) and XTAB for all
		// others: on Xen 4.17.7, 3 frames a dom0 foreign map held read
		// type 0, the frame next to them XTAB.  That is all it offers:
		// whose frame a reference names.
		p->hvm = src->info.hvm;
		p->max_mfn = max_mfn;
		src->caps = XENPT_CAP_LIVE | XENPT_CAP_PAGE_TYPES;
		xs_close(xs);
		*ret = src;
		return NULL;
	}

	if ((flags & XENPT_OPEN_PAUSE) && p->map_domid == DOMID_SELF) {
		err = xenpt_error_hint(xenpt_error_create(XENPT_ERR_INVALID_ARG,
							  "cannot pause %s: xenpt itself runs in it",
							  p->label),
				       "open it without pausing");
		goto fail;
	}
	if (flags & XENPT_OPEN_PAUSE) {
		err = open_xc(&p->quiet, XC_OPENFLAG_NON_REENTRANT, &p->xch_sig);
		if (err)
			goto fail;
		if (xc_domain_pause(p->xch, p->domid) < 0) {
			err = call_failed(p, errno, "cannot pause it");
			goto fail;
		}
		atomic_store(&p->pause_held, 1);
		// Re-read the state so that info.paused says so.
		if (get_dominfo(p->xch, p->domid, &di) == 0) {
			src->info.paused = di.flags & XEN_DOMINF_paused;
			src->info.running = false;
			src->info.blocked = di.flags & XEN_DOMINF_blocked;
		}
	}

	p->hvm = src->info.hvm;
	p->guest_width = src->info.guest_width;
	p->max_mfn = max_mfn;
	p->max_gfn = src->info.max_gfn;
	p->shinfo_frame = src->info.shared_info_frame;
	src->caps = XENPT_CAP_LIVE | XENPT_CAP_VCPU | XENPT_CAP_M2P | XENPT_CAP_PAGE_TYPES |
		    XENPT_CAP_SHARED_INFO;
	if (p->hvm) {
		src->caps |= XENPT_CAP_GFN_FRAMES;
	} else {
		src->caps |= XENPT_CAP_MFN_FRAMES;
		if (!p->guest_width) {
			err = call_failed(p, errno, "cannot get its guest width");
			goto fail;
		}
		err = p2m_load(p, P2M_AUTO, why, sizeof(why));
		if (err) {
			// A bad P2M must not stop walks, which need none.
			if (xenpt_error_code(err) == XENPT_ERR_GONE ||
			    xenpt_error_code(err) == XENPT_ERR_NOMEM)
				goto fail;
			snprintf(why, sizeof(why), "%s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			err = NULL;
		}
		if (p->p2m) {
			src->caps |= XENPT_CAP_P2M | XENPT_CAP_GFN_FRAMES;
			src->info.p2m_size = p->p2m_size;
			snprintf(src->info.p2m_size_from, sizeof(src->info.p2m_size_from),
				 "shared_info arch.max_pfn");
		} else {
			// Walks still work: PTEs hold MFNs, the M2P labels PFNs.
			snprintf(p->note, sizeof(p->note),
				 "%s: no P2M: %s; reading by PFN is unavailable, walks still work "
				 "(page tables hold MFNs, the M2P gives PFNs)", p->label, why);
		}
	}
	xs_close(xs);
	*ret = src;
	return NULL;

fail:
	xs_close(xs);
	xenpt_source_close(src);
	return err;
}

/* ---- listing -------------------------------------------------------------- */

XENPT_PUBLIC struct xenpt_error *xenpt_xen_list_domains(struct xenpt_domain_info **ret,
							size_t *n_ret)
{
	struct xen_logger quiet;
	xc_interface *xch = NULL;
	struct xs_handle *xs = NULL;
	xc_domaininfo_t *di = NULL;
	struct xenpt_domain_info *out = NULL;
	struct xenpt_error *err;
	size_t n = 0, cap = 0, i;
	unsigned long max_mfn = 0;
	char version[32];
	uint32_t first = 0;

	logger_init(&quiet, NULL);
	err = open_xc(&quiet, 0, &xch);
	if (err)
		return err;
	for (;;) {
		xc_domaininfo_t *grown;
		int rc;

		if (n + 64 > cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(di, cap * sizeof(*di));
			if (!grown) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
			di = grown;
		}
		rc = xc_domain_getinfolist(xch, first, 64, di + n);
		if (rc < 0) {
			err = root_hint(xenpt_error_os(errno, "cannot list domains"));
			goto out;
		}
		n += (size_t)rc;
		if (rc < 64)
			break;
		first = di[n - 1].domain + 1u;
	}
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (xc_maximum_ram_page(xch, &max_mfn) < 0)
		max_mfn = 0;
	xen_version_string(xch, version, sizeof(version));
	xs = xs_open(XS_OPEN_READONLY);
	for (i = 0; i < n; i++)
		fill_info(xch, xs, &di[i], max_mfn, version, &out[i]);
	*ret = out;
	*n_ret = n;
	out = NULL;
out:
	xs_close(xs);
	free(out);
	free(di);
	xc_interface_close(xch);
	return err;
}

XENPT_PUBLIC bool xenpt_have_xen(void)
{
	return true;
}

#endif /* HAVE_XEN */
