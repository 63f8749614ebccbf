/* SPDX-License-Identifier: MIT */
/*
 * The result page (result.h): records, fault records, state, and the hook
 * functions an injected handler may call.
 */
#include "guest.h"

#define R result_page

void result_changed(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	R.seq++;
}

void result_init(const char *cmdline)
{
	size_t n = strlen(cmdline);

	memset(&R, 0, sizeof(R));
	memcpy(R.magic, XENPT_GUEST_RESULT_MAGIC, sizeof(R.magic));
	R.version = XENPT_GUEST_RESULT_VERSION;
	R.size = sizeof(R);
	R.state = XENPT_GUEST_STATE_BOOT;
	R.max_records = XENPT_GUEST_MAX_RECORDS;
	R.max_faults = XENPT_GUEST_MAX_FAULTS;
	if (n >= sizeof(R.cmdline))
		n = sizeof(R.cmdline) - 1;
	memcpy(R.cmdline, cmdline, n);
	R.hooks.pf_entry_va = (uint64_t)pf_entry;
	R.hooks.iret_va = XENPT_GUEST_HYPERCALL_VA + __HYPERVISOR_iret * 32;
	R.hooks.alloc_fn_va = (uint64_t)hook_alloc;
	R.hooks.log_fn_va = (uint64_t)hook_log;
	R.hooks.fault_fn_va = (uint64_t)hook_fault;
	result_changed();
}

int rec_add(uint16_t kind, uint8_t level, uint32_t flags, uint64_t va, uint64_t pfn,
	    uint64_t mfn, uint64_t expect, uint64_t aux)
{
	struct xenpt_guest_record *r;

	if (R.nr_records >= XENPT_GUEST_MAX_RECORDS) {
		R.lost++;
		result_changed();
		return -1;
	}
	r = &R.records[R.nr_records];
	r->kind = kind;
	r->level = level;
	r->flags = flags;
	r->va = va;
	r->pfn = pfn;
	r->mfn = mfn;
	r->expect = expect;
	r->aux = aux;
	R.nr_records++;
	result_changed();
	return (int)R.nr_records - 1;
}

/* A record to update later; a dummy if @idx is -1 (the array was full). */
struct xenpt_guest_record *rec_get(int idx)
{
	static struct xenpt_guest_record dummy;

	return idx >= 0 && idx < (int)R.nr_records ? &R.records[idx] : &dummy;
}

int fault_add(uint64_t va, uint64_t rip, uint32_t error, uint8_t vector, uint8_t action,
	      int touch)
{
	struct xenpt_guest_fault *f;

	if (R.nr_faults >= XENPT_GUEST_MAX_FAULTS) {
		R.lost++;
		result_changed();
		return -1;
	}
	f = &R.faults[R.nr_faults];
	f->va = va;
	f->rip = rip;
	f->error = error;
	f->vector = vector;
	f->action = action;
	f->record = touch >= 0 ? (uint16_t)touch : 0xffff;
	R.nr_faults++;
	result_changed();
	return (int)R.nr_faults - 1;
}

void result_set_state(uint32_t state)
{
	R.state = state;
	result_changed();
}

/* Note a failure; the first one while running is kept for the DONE line. */
void result_fail(const char *fmt, ...)
{
	char buf[sizeof(R.fail_reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line("error %s", buf);
	// After DONE (mailbox requests) failures are only logged.
	if (!R.fail_reason[0] && R.state <= XENPT_GUEST_STATE_RUNNING) {
		memcpy(R.fail_reason, buf, sizeof(buf));
		result_changed();
	}
}

/* ---- hooks for an injected handler (result.h, struct xenpt_guest_hooks) -- */

uint64_t hook_alloc(void)
{
	return alloc_pfn();
}

void hook_log(const char *s)
{
	log_line("inject %s", s);
}

/* Link the fault to the access in progress (a mailbox read/write), if any. */
void hook_fault(uint64_t va, uint64_t rip, uint64_t error, uint64_t vector)
{
	int touch = expect_touch();
	int fi = fault_add(va, rip, (uint32_t)error, (uint8_t)vector, XENPT_GUEST_FA_EXTERNAL,
			   touch);

	if (touch >= 0 && fi >= 0) {
		rec_get(touch)->aux = (uint64_t)fi;
		result_changed();
	}
	log_line("fault vector=%lu va=0x%lx error=0x%lx rip=0x%lx action=external", vector, va,
		 error, rip);
}
