/* SPDX-License-Identifier: MIT */
/*
 * The guest's virtual IDT (HYPERVISOR_set_trap_table) and its one C
 * handler.  A trap the running scenario announced with expect_*() is
 * recorded and resumed past; any other trap is logged, recorded, and stops
 * the guest with SHUTDOWN_crash.
 *
 * A PV guest reads the #PF address from its vcpu_info (arch.cr2), which Xen
 * writes before bouncing the fault (xen/arch/x86/pv/traps.c,
 * pv_inject_event); Xen also clears the error code's U bit for faults in
 * guest kernel mode, although the kernel really runs in ring 3.
 */
#include "hypercall.h"

extern char trap_0[], trap_1[], trap_3[], trap_4[], trap_5[], trap_6[], trap_7[],
	trap_10[], trap_11[], trap_12[], trap_13[], trap_14[], trap_16[], trap_17[],
	trap_19[];

/* flags: bits 0-1 DPL, bit 2 "mask events on entry" (TI_SET_IF) */
#define TRAP(vec, dpl, entry) { vec, (dpl) | 4, FLAT_KERNEL_CS, (unsigned long)(entry) }

static const struct trap_info trap_table[] = {
	TRAP(0, 0, trap_0),    /* #DE */
	TRAP(1, 0, trap_1),    /* #DB */
	TRAP(3, 3, trap_3),    /* #BP: DPL 3 so int3 works from the (ring 3) kernel */
	TRAP(4, 3, trap_4),    /* #OF */
	TRAP(5, 0, trap_5),    /* #BR */
	TRAP(6, 0, trap_6),    /* #UD */
	TRAP(7, 0, trap_7),    /* #NM */
	TRAP(10, 0, trap_10),  /* #TS */
	TRAP(11, 0, trap_11),  /* #NP */
	TRAP(12, 0, trap_12),  /* #SS */
	TRAP(13, 0, trap_13),  /* #GP */
	TRAP(14, 0, trap_14),  /* #PF */
	TRAP(16, 0, trap_16),  /* #MF */
	TRAP(17, 0, trap_17),  /* #AC */
	TRAP(19, 0, trap_19),  /* #XM */
	{ 0, 0, 0, 0 },
};

enum expect_kind { EXPECT_NONE, EXPECT_FIXUP, EXPECT_EXEC, EXPECT_TRAP };

static struct {
	enum expect_kind kind;
	uint64_t rip, fixup, va;
	uint8_t vector;
	int touch;      /* TOUCH record index, or -1 */
	int fault;      /* fault record of the last expected trap, or -1 */
#ifdef XENPT_GUEST_CORPUS
	uint32_t error; /* its error code (kept when the fault array is full) */
	uint8_t last_vector; /* and vector */
#endif
} expect = { .fault = -1 };

static int depth;

void traps_init(void)
{
	long rc = HYPERVISOR_set_trap_table(trap_table);

	if (rc) {
		log_line("DONE fail reason=set_trap_table rc=%ld", rc);
		console_flush();
		shutdown(SHUTDOWN_crash);
	}
}

/* The next trap at @fault_rip resumes at @fixup_rip. */
void expect_fault(uint64_t fault_rip, uint64_t fixup_rip, int touch)
{
	expect.kind = EXPECT_FIXUP;
	expect.rip = fault_rip;
	expect.fixup = fixup_rip;
	expect.touch = touch;
	expect.fault = -1;
}

/* The next #PF fetching at @va (called by touch_exec) returns to its caller. */
void expect_exec_fault(uint64_t va, int touch)
{
	expect.kind = EXPECT_EXEC;
	expect.va = va;
	expect.touch = touch;
	expect.fault = -1;
}

/* The next trap with @vector resumes where Xen says (a trap, like int3). */
void expect_trap(uint8_t vector, int touch)
{
	expect.kind = EXPECT_TRAP;
	expect.vector = vector;
	expect.touch = touch;
	expect.fault = -1;
}

bool expect_pending(void)
{
	return expect.kind != EXPECT_NONE;
}

void expect_clear(void)
{
	expect.kind = EXPECT_NONE;
}

int last_fault(void)
{
	return expect.fault;
}

#ifdef XENPT_GUEST_CORPUS
/* Error code and vector of the last expected trap. */
uint32_t last_fault_error(uint8_t *vector)
{
	*vector = expect.last_vector;
	return expect.error;
}
#endif

/* The TOUCH record of the access in progress, or -1. */
int expect_touch(void)
{
	return expect.kind != EXPECT_NONE ? expect.touch : -1;
}

static const char *const action_name[] = { "", "fixup", "continue", "fatal", "external" };

/* Called by trap_common (head.S) with events masked. */
void xenpt_trap(struct trap_frame *f);
void xenpt_trap(struct trap_frame *f)
{
	uint64_t cr2 = 0, rip = f->rip;
	uint8_t vector = (uint8_t)f->vector;
	uint8_t action = 0;

	if (vector == 14 && g.shinfo)
		cr2 = g.shinfo->vcpu_info[0].arch.cr2;
	if (++depth > 1) {
		// A trap inside the handler: say so (unless that traps too) and stop.
		if (depth == 2)
			log_line("DONE fail reason=nested-trap vector=%u va=0x%lx rip=0x%lx", vector,
				 cr2, rip);
		shutdown(SHUTDOWN_crash);
	}

	switch (expect.kind) {
	case EXPECT_FIXUP:
		if (rip == expect.rip) {
			f->rip = expect.fixup;
			action = XENPT_GUEST_FA_FIXUP;
		}
		break;
	case EXPECT_EXEC:
		if (vector == 14 && rip == expect.va) {
			// touch_exec's "call *%rdi" pushed the return address.
			f->rip = *(const uint64_t *)f->rsp;
			f->rsp += 8;
			action = XENPT_GUEST_FA_FIXUP;
		}
		break;
	case EXPECT_TRAP:
		if (vector == expect.vector)
			action = XENPT_GUEST_FA_CONTINUE;
		break;
	case EXPECT_NONE:
		break;
	}

	if (action) {
#ifdef XENPT_GUEST_CORPUS
		expect.error = (uint32_t)f->error;
		expect.last_vector = vector;
#endif
		expect.fault = fault_add(cr2, rip, (uint32_t)f->error, vector, action, expect.touch);
		expect.kind = EXPECT_NONE;
		log_line("fault vector=%u va=0x%lx error=0x%lx rip=0x%lx action=%s", vector, cr2,
			 f->error, rip, action_name[action]);
		depth--;
		return;
	}

	fault_add(cr2, rip, (uint32_t)f->error, vector, XENPT_GUEST_FA_FATAL, -1);
	log_line("fault vector=%u va=0x%lx error=0x%lx rip=0x%lx action=fatal", vector, cr2,
		 f->error, rip);
	log_line("regs rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx rsi=0x%lx rdi=0x%lx rbp=0x%lx "
		 "rsp=0x%lx rflags=0x%lx", f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp,
		 f->rsp, f->rflags);
	result_fail("unexpected-trap vector=%u va=0x%lx", vector, cr2);
	result_set_state(XENPT_GUEST_STATE_CRASHED);
	log_line("DONE fail reason=unexpected-trap vector=%u va=0x%lx error=0x%lx rip=0x%lx",
		 vector, cr2, f->error, rip);
	console_flush();
	shutdown(SHUTDOWN_crash);
}
