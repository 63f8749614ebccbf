/* SPDX-License-Identifier: MIT */
/*
 * The xenpt test guest's result page: what the guest did, in a form that
 * host-side tests can read through xenpt (walk XENPT_GUEST_RESULT_VA, read
 * the frame) and compare with the guest's console lines.
 *
 * This header is shared by the freestanding guest (tests/guest/) and by
 * host-side C tests, so it uses fixed-width types only and no Xen headers.
 * Everything is little-endian x86-64; all structures have explicit padding.
 *
 * The guest writes the page; dom0 tools only read it, except for the
 * mailbox (struct xenpt_guest_mailbox), which a tool may write through a
 * read-write foreign mapping of the result frame.
 */
#ifndef XENPT_GUEST_RESULT_H
#define XENPT_GUEST_RESULT_H

#include <stdint.h>

/* ---- fixed virtual layout (see tests/guest/README.md) ------------------- */

#define XENPT_GUEST_VIRT_BASE     0xffffffff80000000ull /* image start = PFN 0 */
#define XENPT_GUEST_HYPERCALL_VA  (XENPT_GUEST_VIRT_BASE + 0x0000) /* PFN 0 */
#define XENPT_GUEST_RESULT_VA     (XENPT_GUEST_VIRT_BASE + 0x1000) /* PFN 1 */
#define XENPT_GUEST_INJECT_VA     (XENPT_GUEST_VIRT_BASE + 0x2000) /* PFN 2..5 */
#define XENPT_GUEST_INJECT_PAGES  4
#define XENPT_GUEST_SHINFO_VA     (XENPT_GUEST_VIRT_BASE + 0x6000) /* shared_info */
#define XENPT_GUEST_WINDOW_VA     (XENPT_GUEST_VIRT_BASE + 0x7000) /* scratch slot */
/* Region with an L1 the guest builds at boot (in the builder's L2). */
#define XENPT_GUEST_MAP_BASE      0xffffffffa0000000ull
/* Region reached only through tables built by scenario "newtables". */
#define XENPT_GUEST_NT_BASE       0xffffffffc0000000ull
/* Canonical, but no L3 exists for it: a fault here has no tables at all. */
#define XENPT_GUEST_HOLE_VA       0x0000400000000000ull
/* Non-canonical: touching it raises #GP, not #PF. */
#define XENPT_GUEST_NONCANON_VA   0x0000800000000000ull

/* Slots in the MAP region used by the scenarios (page index from MAP_BASE). */
#define XENPT_GUEST_MAP_SLOT_DATA    0    /* "map": pages 0..pages-1 */
#define XENPT_GUEST_MAP_SLOT_RO      200  /* "touch": a read-only, NX page */
#define XENPT_GUEST_MAP_SLOT_ABSENT  256  /* "touch": L1 present, entry not */

/* ---- data page pattern ----------------------------------------------------
 * Every data page the guest maps holds 512 little-endian words:
 *   word[i] = va + 8 * i      (each word holds its own VA), except
 *   word[1] = pfn, word[2] = mfn, word[3] = XENPT_GUEST_DATA_MAGIC.
 * So the first 8 bytes (record.expect) are the page's VA.
 */
#define XENPT_GUEST_DATA_MAGIC    0x3141544144545058ull /* "XPTDATA1" */

/* ---- the page --------------------------------------------------------- */

#define XENPT_GUEST_RESULT_MAGIC   "XPTRES01"  /* 8 bytes, no NUL */
#define XENPT_GUEST_RESULT_VERSION 1
#define XENPT_GUEST_MAX_RECORDS    64
#define XENPT_GUEST_MAX_FAULTS     16

enum xenpt_guest_state {
	XENPT_GUEST_STATE_BOOT = 1,      /* start of day, nothing valid yet */
	XENPT_GUEST_STATE_RUNNING = 2,   /* scenarios running */
	XENPT_GUEST_STATE_DONE_OK = 3,   /* all scenarios passed */
	XENPT_GUEST_STATE_DONE_FAIL = 4, /* a scenario failed: fail_reason */
	XENPT_GUEST_STATE_CRASHED = 5,   /* fatal trap; the guest shut down */
};

/* header.flags */
#define XENPT_GUEST_F_HOLD      (1u << 0) /* holds after the scenarios */
#define XENPT_GUEST_F_NX        (1u << 1) /* data mappings carry NX */
#define XENPT_GUEST_F_P2M_TREE  (1u << 2) /* frame-list-list published */
#define XENPT_GUEST_F_P2M_LIST  (1u << 3) /* p2m_cr3/p2m_vaddr published */

enum xenpt_guest_rec_kind {
	XENPT_GUEST_REC_MAP = 1,     /* data page mapped at va -> pfn/mfn */
	XENPT_GUEST_REC_UNMAP = 2,   /* va unmapped; pfn/mfn keep the data */
	XENPT_GUEST_REC_TABLE = 3,   /* page-table frame built by the guest */
	XENPT_GUEST_REC_PIN = 4,     /* MMUEXT_PIN_Ln_TABLE on mfn */
	XENPT_GUEST_REC_UNPIN = 5,   /* MMUEXT_UNPIN_TABLE on mfn */
	XENPT_GUEST_REC_TOUCH = 6,   /* access expected to trap */
	XENPT_GUEST_REC_SPECIAL = 7, /* a frame with a role, see aux */
};

/* record.flags */
#define XENPT_GUEST_RF_MAPPED    (1u << 0) /* MAP: still mapped now */
#define XENPT_GUEST_RF_PINNED    (1u << 1) /* TABLE: pinned now */
#define XENPT_GUEST_RF_RO        (1u << 2) /* MAP: mapped read-only */
#define XENPT_GUEST_RF_NX        (1u << 3) /* MAP: mapped NX */
#define XENPT_GUEST_RF_MMU_UPDATE (1u << 4) /* entry written with mmu_update
					      (else update_va_mapping) */
#define XENPT_GUEST_RF_VERIFIED  (1u << 5) /* the guest read it back: entry,
					      contents, or the expected trap */
#define XENPT_GUEST_RF_BOOT      (1u << 6) /* done at boot, not by a scenario */
#define XENPT_GUEST_RF_FAILED    (1u << 7) /* the operation failed */
#define XENPT_GUEST_RF_MAILBOX   (1u << 8) /* done on a mailbox request */

/* record.aux for XENPT_GUEST_REC_SPECIAL */
enum xenpt_guest_special {
	XENPT_GUEST_SP_RESULT = 1,   /* this page */
	XENPT_GUEST_SP_INJECT = 2,   /* first page of the inject area */
	XENPT_GUEST_SP_SHINFO = 3,   /* shared_info mapped at va (no PFN) */
	XENPT_GUEST_SP_WINDOW = 4,   /* scratch slot; pfn = its orphaned frame */
	XENPT_GUEST_SP_P2M_FLL = 5,  /* P2M frame-list-list */
	XENPT_GUEST_SP_P2M_FL = 6,   /* P2M frame list (one record each) */
	XENPT_GUEST_SP_CONSOLE = 7,  /* console ring */
	XENPT_GUEST_SP_SHINFO_SLOT = 8, /* frame whose slot now maps shared_info */
};

/*
 * One thing the guest did.  Meaning of the fields by kind:
 *   MAP/UNMAP: va, pfn, mfn of the data page; expect = first 8 bytes of
 *              the frame; aux = L1 entry as read back after the write
 *              (Xen adds _PAGE_USER and bit 52 to PV kernel mappings),
 *              or for UNMAP the entry that was removed.
 *   TABLE:     level 1..4; va = first VA the table maps; pfn/mfn of the
 *              table; expect = entry written into the parent; aux =
 *              machine address of that parent entry.
 *   PIN/UNPIN: level, pfn, mfn of the table; va as in its TABLE record;
 *              expect = hypercall result (0 or -errno); aux = result of
 *              the deliberate repeat (expected -EINVAL = -22).
 *   TOUCH:     va touched; level = access (1 read, 2 write, 3 execute,
 *              4 a trapping instruction: int3, ud2); pfn/mfn of the page
 *              if one is mapped there, else ~0; expect = expected vector
 *              << 32 | expected error code (#PF: bits P, W, I only), ~0
 *              for mailbox accesses; aux = index of the fault record, or
 *              ~0 if the access did not trap.
 *   SPECIAL:   va/pfn/mfn of the frame, aux = enum xenpt_guest_special.
 */
struct xenpt_guest_record {
	uint16_t kind;          /* enum xenpt_guest_rec_kind */
	uint8_t level;
	uint8_t pad0;
	uint32_t flags;         /* XENPT_GUEST_RF_* */
	uint64_t va;
	uint64_t pfn;
	uint64_t mfn;
	uint64_t expect;
	uint64_t aux;
};

enum xenpt_guest_fault_action {
	XENPT_GUEST_FA_FIXUP = 1,    /* expected: resumed at a fixup address */
	XENPT_GUEST_FA_CONTINUE = 2, /* expected trap (int3): resumed after it */
	XENPT_GUEST_FA_FATAL = 3,    /* unexpected: the guest stopped */
	XENPT_GUEST_FA_EXTERNAL = 4, /* recorded by an injected handler */
};

/* One trap the guest's handlers saw. */
struct xenpt_guest_fault {
	uint64_t va;            /* #PF: CR2 (vcpu_info.arch.cr2); else 0 */
	uint64_t rip;
	uint32_t error;         /* error code (0 if the vector has none) */
	uint8_t vector;
	uint8_t action;         /* enum xenpt_guest_fault_action */
	uint16_t record;        /* index of the TOUCH record, 0xffff if none */
};

/* The guest's page allocator, shared with an injected handler. */
struct xenpt_guest_alloc {
	uint64_t mapped_next;   /* free PFNs mapped 1:1 at virt_base + pfn*4096 */
	uint64_t mapped_end;
	uint64_t next_pfn;      /* free, unmapped PFNs [next_pfn, end_pfn): */
	uint64_t end_pfn;       /*   take one by incrementing next_pfn; the MFN
				     is mfn_list[pfn].  Never freed or reused. */
	uint64_t nr_allocated;
};

/*
 * Entry points an injected handler may use.  All are guest kernel VAs.
 * The functions follow the SysV x86-64 ABI (clobber rax, rcx, rdx, rsi,
 * rdi, r8-r11), need a 16-byte aligned stack, and may make hypercalls.
 */
struct xenpt_guest_hooks {
	uint64_t pf_entry_va;   /* the guest's own #PF entry: chain to it with
				   the Xen exception frame unchanged */
	uint64_t iret_va;       /* hypercall page iret entry (HYPERVISOR_iret) */
	uint64_t alloc_fn_va;   /* uint64_t alloc(void): a free unmapped PFN
				   from struct xenpt_guest_alloc, ~0 if none */
	uint64_t log_fn_va;     /* void log(const char *nul_terminated) */
	uint64_t fault_fn_va;   /* void fault(uint64_t va, uint64_t rip,
				   uint64_t error, uint64_t vector): add a
				   fault record with action EXTERNAL */
};

enum xenpt_guest_mbox_op {
	XENPT_GUEST_MB_NOP = 0,
	XENPT_GUEST_MB_READ = 1,     /* ret = *(uint64_t *)arg0 */
	XENPT_GUEST_MB_WRITE = 2,    /* *(uint64_t *)arg0 = arg1 */
	XENPT_GUEST_MB_MAP = 3,      /* map a fresh page at arg0 (an L1 must
					exist); ret = its PFN */
	XENPT_GUEST_MB_UNMAP = 4,    /* clear the L1 entry for arg0 */
	XENPT_GUEST_MB_POWEROFF = 5, /* shut down (poweroff) */
	/* The differential corpus (tests/corpus/README.md): */
	XENPT_GUEST_MB_CORPUS_INFO = 6,  /* save the anchors' state; ret = MFN
					    of the corpus result area */
	XENPT_GUEST_MB_CORPUS_RUN = 7,   /* run sequence arg0; ret = its ops */
	XENPT_GUEST_MB_CORPUS_CLEAN = 8, /* undo what it changed in the anchors;
					    ret = hypercalls that failed */
};

/*
 * Mailbox: a tool writes op/arg0/arg1, then increments req_seq.  While
 * holding, the guest polls about every poll_ms milliseconds; when req_seq !=
 * ack_seq it runs the request, writes status/ret, then sets ack_seq =
 * req_seq.  status: 0 ok, -errno, or 1 if the access trapped and the
 * guest's own handler skipped it (see the fault records).
 */
struct xenpt_guest_mailbox {
	uint32_t req_seq;
	uint32_t ack_seq;
	uint32_t op;            /* enum xenpt_guest_mbox_op */
	int32_t status;
	uint64_t arg0;
	uint64_t arg1;
	uint64_t ret;
};

/* Where things are: filled at boot, before the first scenario. */
struct xenpt_guest_layout {
	uint64_t virt_base;
	uint64_t nr_pages;       /* start_info.nr_pages = P2M entries */
	uint64_t start_info_va;
	uint64_t pt_base_va;     /* the builder's L4 (pinned), mapped read-only */
	uint64_t l4_mfn;         /* CR3 frame */
	uint64_t nr_pt_frames;   /* builder page-table frames from pt_base */
	uint64_t mfn_list_va;    /* P2M: uint64_t mfn_list[nr_pages] */
	uint64_t hypercall_va;
	uint64_t shared_info_va;
	uint64_t shared_info_mfn;
	uint64_t console_va;
	uint64_t console_mfn;
	uint64_t console_evtchn;
	uint64_t xenstore_mfn;
	uint64_t m2p_va;         /* Xen's read-only M2P */
	uint64_t boot_end_pfn;   /* PFNs [0, boot_end_pfn) are mapped 1:1 */
	uint64_t result_va;
	uint64_t result_pfn;
	uint64_t result_mfn;
	uint64_t inject_va;
	uint64_t inject_pfn;     /* first PFN; the area is inject_pages PFNs */
	uint64_t inject_pages;
	uint64_t window_va;
	uint64_t map_base;
	uint64_t nt_base;
	uint64_t hole_va;
	uint64_t p2m_max_pfn;    /* what arch.max_pfn says (entries) */
	uint64_t p2m_fll_mfn;    /* arch.pfn_to_mfn_frame_list_list, or 0 */
	uint64_t p2m_cr3;        /* arch.p2m_cr3, or 0 */
	uint64_t p2m_vaddr;      /* arch.p2m_vaddr, or 0 */
};

struct xenpt_guest_result {
	char magic[8];           /* XENPT_GUEST_RESULT_MAGIC */
	uint32_t version;        /* XENPT_GUEST_RESULT_VERSION */
	uint32_t size;           /* sizeof(struct xenpt_guest_result) */
	uint32_t state;          /* enum xenpt_guest_state */
	uint32_t flags;          /* XENPT_GUEST_F_* */
	uint32_t nr_records;     /* valid entries in records[] */
	uint32_t max_records;
	uint32_t nr_faults;      /* valid entries in faults[] */
	uint32_t max_faults;
	uint32_t seq;            /* incremented after every change */
	uint32_t lost;           /* records or faults dropped: arrays full */
	struct xenpt_guest_layout layout;
	struct xenpt_guest_alloc alloc;
	struct xenpt_guest_hooks hooks;
	struct xenpt_guest_mailbox mbox;
	char cmdline[128];       /* start of the command line, NUL-terminated */
	char fail_reason[64];    /* NUL-terminated, empty unless DONE_FAIL */
	struct xenpt_guest_record records[XENPT_GUEST_MAX_RECORDS];
	struct xenpt_guest_fault faults[XENPT_GUEST_MAX_FAULTS];
};

_Static_assert(sizeof(struct xenpt_guest_record) == 48, "record layout");
_Static_assert(sizeof(struct xenpt_guest_fault) == 24, "fault layout");
_Static_assert(sizeof(struct xenpt_guest_result) <= 4096, "result fits a page");

#endif /* XENPT_GUEST_RESULT_H */
