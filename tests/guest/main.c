/* SPDX-License-Identifier: MIT */
/*
 * xenpt test guest: start of day, options, the scenarios, then hold (serve
 * mailbox and console requests) or shut down.
 *
 * Start of day for a 64-bit PV domU (xen/include/public/xen.h, "Start-of-day
 * memory layout"; tools/libs/guest/xg_dom_x86.c): rsi = start_info; the
 * builder's page tables map [virt_base, end of the bootstrap region) 1:1 to
 * PFNs from 0, page tables read-only; the L4 is pinned; events are masked
 * (vcpu_info.evtchn_upcall_mask = 1), and stay masked here: the guest never
 * takes event upcalls, it polls.
 */
#include "hypercall.h"

struct guest g;

struct options opt = {
	.scenario = "all",
	.pages = 4,
	.hold = true,
	.p2m_tree = true,
	.p2m_list = true,
	.pin = true,
	.poll_ms = 100,
	.map_va = XENPT_GUEST_MAP_BASE,
	.nt_va = XENPT_GUEST_NT_BASE,
};

_Noreturn void shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };

	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
}

/* Xen system time in ns (struct vcpu_time_info, xen.h). */
uint64_t now_ns(void)
{
	const struct vcpu_time_info *t;
	uint32_t version, mul, lo, hi;
	uint64_t tsc_stamp, sys, delta;
	int8_t shift;

	if (!g.shinfo)
		return 0;
	t = &g.shinfo->vcpu_info[0].time;
	do {
		version = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
		tsc_stamp = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != __atomic_load_n(&t->version, __ATOMIC_ACQUIRE));
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	delta = ((uint64_t)hi << 32 | lo) - tsc_stamp;
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/*
 * Sleep until @ns passed or the console event channel fires
 * (SCHEDOP_poll works with events masked).  ns = 0: wait for the event.
 */
void poll_sleep(uint64_t ns)
{
	struct sched_poll poll = { .nr_ports = 0 };
	evtchn_port_t port = g.cons_port;

	if (!g.shinfo) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		return;
	}
	if (g.cons) {
		// Consume the event that woke us last time.
		__atomic_fetch_and(&g.shinfo->evtchn_pending[port / 64],
				   ~(1ul << (port % 64)), __ATOMIC_SEQ_CST);
		set_xen_guest_handle(poll.ports, &port);
		poll.nr_ports = 1;
	}
	poll.timeout = ns ? now_ns() + ns : 0;
	if (!poll.nr_ports && !poll.timeout)
		return;
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

/* ---- options ----------------------------------------------------------------- */

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(s, w, len);
}

static void parse_option(const char *key, size_t klen, const char *val, size_t vlen)
{
	uint64_t n;
	bool num = parse_u64(val, vlen, &n);

	if (word_is(key, klen, "scenario") && vlen < sizeof(opt.scenario)) {
		memcpy(opt.scenario, val, vlen);
		opt.scenario[vlen] = '\0';
	} else if (word_is(key, klen, "pages") && num && n >= 1 && n <= 16) {
		opt.pages = (unsigned int)n;
	} else if (word_is(key, klen, "hold") && num) {
		opt.hold = n != 0;
	} else if (word_is(key, klen, "pin") && num) {
		opt.pin = n != 0;
	} else if (word_is(key, klen, "debug") && num) {
		g.debug = n != 0;
	} else if (word_is(key, klen, "poll_ms") && num) {
		opt.poll_ms = n;
	} else if (word_is(key, klen, "map_va") && num) {
		opt.map_va = n & ~(PAGE_SIZE - 1);
	} else if (word_is(key, klen, "nt_va") && num) {
		opt.nt_va = n & ~(PAGE_SIZE - 1);
	} else if (word_is(key, klen, "p2m") &&
		   (word_is(val, vlen, "tree") || word_is(val, vlen, "list") ||
		    word_is(val, vlen, "both") || word_is(val, vlen, "none"))) {
		opt.p2m_tree = word_is(val, vlen, "tree") || word_is(val, vlen, "both");
		opt.p2m_list = word_is(val, vlen, "list") || word_is(val, vlen, "both");
	} else {
		log_line("option ignored: %.*s=%.*s", (int)klen, key, (int)vlen, val);
	}
}

/* key=value words separated by spaces; a bare word is key=1. */
static void parse_cmdline(const char *s)
{
	while (*s) {
		const char *key, *eq, *end;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		key = s;
		while (*s && *s != ' ')
			s++;
		end = s;
		for (eq = key; eq < end && *eq != '='; eq++)
			;
		if (eq == end)
			parse_option(key, (size_t)(end - key), "1", 1);
		else
			parse_option(key, (size_t)(eq - key), eq + 1, (size_t)(end - eq - 1));
	}
}

/* ---- start of day ------------------------------------------------------------ */

static void special(uint64_t va, uint64_t pfn, uint64_t mfn, enum xenpt_guest_special what)
{
	rec_add(XENPT_GUEST_REC_SPECIAL, 0, XENPT_GUEST_RF_BOOT, va, pfn, mfn, 0, what);
}

static void boot_layout(void)
{
	struct xenpt_guest_layout *l = &result_page.layout;
	uint64_t shinfo_slot_pfn = va_to_pfn((void *)XENPT_GUEST_SHINFO_VA);
	uint64_t window_pfn = va_to_pfn((void *)XENPT_GUEST_WINDOW_VA);
	unsigned int i;

	l->virt_base = XENPT_GUEST_VIRT_BASE;
	l->nr_pages = g.nr_pages;
	l->start_info_va = (uint64_t)g.si;
	l->pt_base_va = g.si->pt_base;
	l->l4_mfn = g.l4_mfn;
	l->nr_pt_frames = g.si->nr_pt_frames;
	l->mfn_list_va = g.si->mfn_list;
	l->hypercall_va = (uint64_t)hypercall_page;
	l->shared_info_va = (uint64_t)g.shinfo;
	l->shared_info_mfn = g.si->shared_info >> PAGE_SHIFT;
	l->console_va = (uint64_t)g.cons;
	l->console_mfn = g.si->console.domU.mfn;
	l->console_evtchn = g.si->console.domU.evtchn;
	l->xenstore_mfn = g.si->store_mfn;
	l->m2p_va = MACH2PHYS_VIRT_START;
	l->boot_end_pfn = g.boot_end_pfn;
	l->result_va = (uint64_t)&result_page;
	l->result_pfn = va_to_pfn(&result_page);
	l->result_mfn = pfn_to_mfn(l->result_pfn);
	l->inject_va = (uint64_t)inject_area;
	l->inject_pfn = va_to_pfn(inject_area);
	l->inject_pages = XENPT_GUEST_INJECT_PAGES;
	l->window_va = XENPT_GUEST_WINDOW_VA;
	l->map_base = XENPT_GUEST_MAP_BASE;
	l->nt_base = XENPT_GUEST_NT_BASE;
	l->hole_va = XENPT_GUEST_HOLE_VA;
	if (g.pte_nx)
		result_page.flags |= XENPT_GUEST_F_NX;
	if (opt.hold)
		result_page.flags |= XENPT_GUEST_F_HOLD;
	result_changed();

	special(l->result_va, l->result_pfn, l->result_mfn, XENPT_GUEST_SP_RESULT);
	special(l->inject_va, l->inject_pfn, pfn_to_mfn(l->inject_pfn), XENPT_GUEST_SP_INJECT);
	special(l->shared_info_va, ~0ull, l->shared_info_mfn, XENPT_GUEST_SP_SHINFO);
	special(~0ull, shinfo_slot_pfn, pfn_to_mfn(shinfo_slot_pfn),
		XENPT_GUEST_SP_SHINFO_SLOT);
	special(l->window_va, window_pfn, pfn_to_mfn(window_pfn), XENPT_GUEST_SP_WINDOW);
	special(l->console_va, m2p(l->console_mfn), l->console_mfn, XENPT_GUEST_SP_CONSOLE);

	log_line("boot virt_base=0x%lx nr_pages=0x%lx start_info=0x%lx pt_base=0x%lx "
		 "l4_mfn=0x%lx nr_pt_frames=%lu mfn_list=0x%lx boot_end_pfn=0x%lx nx=%d",
		 l->virt_base, l->nr_pages, l->start_info_va, l->pt_base_va, l->l4_mfn,
		 l->nr_pt_frames, l->mfn_list_va, l->boot_end_pfn, g.pte_nx != 0);
	log_line("cmdline \"%s\"", (const char *)g.si->cmd_line);
	log_line("shared_info va=0x%lx mfn=0x%lx slot_pfn=0x%lx", l->shared_info_va,
		 l->shared_info_mfn, shinfo_slot_pfn);
	log_line("console va=0x%lx pfn=0x%lx mfn=0x%lx evtchn=%lu xenstore_mfn=0x%lx",
		 l->console_va, m2p(l->console_mfn), l->console_mfn, l->console_evtchn,
		 l->xenstore_mfn);
	log_line("result va=0x%lx pfn=0x%lx mfn=0x%lx", l->result_va, l->result_pfn,
		 l->result_mfn);
	for (i = 0; i < XENPT_GUEST_INJECT_PAGES; i++)
		log_line("inject va=0x%lx pfn=0x%lx mfn=0x%lx", l->inject_va + i * PAGE_SIZE,
			 l->inject_pfn + i, pfn_to_mfn(l->inject_pfn + i));
	log_line("window va=0x%lx pfn=0x%lx", l->window_va, window_pfn);
	log_line("hooks pf_entry=0x%lx iret=0x%lx alloc_fn=0x%lx log_fn=0x%lx fault_fn=0x%lx",
		 result_page.hooks.pf_entry_va, result_page.hooks.iret_va,
		 result_page.hooks.alloc_fn_va, result_page.hooks.log_fn_va,
		 result_page.hooks.fault_fn_va);
}

static void check_fixed(void)
{
	if ((uint64_t)&result_page != XENPT_GUEST_RESULT_VA ||
	    (uint64_t)inject_area != XENPT_GUEST_INJECT_VA ||
	    (uint64_t)hypercall_page != XENPT_GUEST_HYPERCALL_VA ||
	    g.si->pt_base < XENPT_GUEST_VIRT_BASE) {
		result_fail("image layout differs from result.h");
		log_line("DONE fail reason=layout");
		console_flush();
		shutdown(SHUTDOWN_crash);
	}
}

/* ---- hold ------------------------------------------------------------------------ */

#ifdef XENPT_GUEST_CORPUS
static const char *const op_name[] = { "nop", "read", "write", "map", "unmap", "poweroff",
				       "corpus-info", "corpus-run", "corpus-clean" };
#else
static const char *const op_name[] = { "nop", "read", "write", "map", "unmap", "poweroff" };
#endif

static void serve(uint32_t op, uint64_t arg0, uint64_t arg1, const char *via, uint32_t seq)
{
	uint64_t ret;
	int status = mbox_run(op, arg0, arg1, &ret);

	if (seq) {
		result_page.mbox.ret = ret;
		result_page.mbox.status = status;
		__atomic_store_n(&result_page.mbox.ack_seq, seq, __ATOMIC_RELEASE);
		result_changed();
	}
	log_line("%s seq=%u op=%s arg0=0x%lx arg1=0x%lx status=%d ret=0x%lx", via, seq,
		 op < ARRAY_SIZE(op_name) ? op_name[op] : "?", arg0, arg1, status, ret);
}

/* Console commands: "read VA", "write VA VAL", "map VA", "unmap VA", "poweroff". */
static void console_command(const char *line)
{
	const char *w[3] = { 0 };
	size_t wl[3] = { 0 };
	uint64_t a[2] = { 0, 0 };
	unsigned int n = 0, op;

	while (*line && n < 3) {
		while (*line == ' ')
			line++;
		if (!*line)
			break;
		w[n] = line;
		while (*line && *line != ' ')
			line++;
		wl[n] = (size_t)(line - w[n]);
		n++;
	}
	if (!n)
		return;
	for (op = 1; op < ARRAY_SIZE(op_name); op++)
		if (word_is(w[0], wl[0], op_name[op]))
			break;
	if (op == ARRAY_SIZE(op_name) || (n > 1 && !parse_u64(w[1], wl[1], &a[0])) ||
	    (n > 2 && !parse_u64(w[2], wl[2], &a[1]))) {
		log_line("cmd unknown: %.*s", (int)wl[0], w[0]);
		return;
	}
	serve(op, a[0], a[1], "cmd", 0);
}

static _Noreturn void hold(void)
{
	struct xenpt_guest_mailbox *mb = &result_page.mbox;
	char line[128];

	for (;;) {
		uint32_t req = __atomic_load_n(&mb->req_seq, __ATOMIC_ACQUIRE);

		if (req != mb->ack_seq)
			serve(mb->op, mb->arg0, mb->arg1, "mbox", req);
		while (console_read_line(line, sizeof(line)))
			console_command(line);
		poll_sleep(opt.poll_ms * 1000 * 1000);
	}
}

/* Called from head.S with the builder's start_info and boot stack top. */
_Noreturn void xenpt_main(start_info_t *si, uint64_t boot_rsp);
_Noreturn void xenpt_main(start_info_t *si, uint64_t boot_rsp)
{
	bool ok;
	long rc;

	g.si = si;
	result_init((const char *)si->cmd_line);
	// Only reads of the builder's tables and the M2P before the trap table:
	// the console comes first so that every later failure is visible.
	mm_init(va_to_pfn((void *)boot_rsp));
	console_init();
	traps_init();
	rc = map_va(XENPT_GUEST_SHINFO_VA, si->shared_info >> PAGE_SHIFT,
		    PTE_P | PTE_RW | PTE_A | PTE_D | g.pte_nx);
	if (rc) {
		log_line("DONE fail reason=shared_info-map rc=%ld", rc);
		console_flush();
		shutdown(SHUTDOWN_crash);
	}
	g.shinfo = (shared_info_t *)XENPT_GUEST_SHINFO_VA;
	parse_cmdline((const char *)si->cmd_line);
	check_fixed();
	boot_layout();

	// The MAP region's L1, in the builder's L2: unpinned, like most of Linux's.
	if (ensure_l1(XENPT_GUEST_MAP_BASE, false, XENPT_GUEST_RF_BOOT))
		log_line("error map region L1 not built");
	p2m_publish(opt.p2m_tree, opt.p2m_list);
	log_line("alloc mapped_pfns=0x%lx-0x%lx free_pfns=0x%lx-0x%lx",
		 result_page.alloc.mapped_next, result_page.alloc.mapped_end,
		 result_page.alloc.next_pfn, result_page.alloc.end_pfn);

	result_set_state(XENPT_GUEST_STATE_RUNNING);
	ok = run_scenarios(opt.scenario) && !result_page.fail_reason[0];
	result_set_state(ok ? XENPT_GUEST_STATE_DONE_OK : XENPT_GUEST_STATE_DONE_FAIL);
	log_line("summary records=%u faults=%u lost=%u allocated=%lu", result_page.nr_records,
		 result_page.nr_faults, result_page.lost, result_page.alloc.nr_allocated);
	if (ok)
		log_line("DONE ok");
	else
		log_line("DONE fail reason=%s", result_page.fail_reason);

	if (!opt.hold) {
		console_flush();
		shutdown(ok ? SHUTDOWN_poweroff : SHUTDOWN_crash);
	}
	log_line("READY scenario=%s result_va=0x%lx result_mfn=0x%lx poll_ms=%lu", opt.scenario,
		 result_page.layout.result_va, result_page.layout.result_mfn, opt.poll_ms);
	hold();
}
