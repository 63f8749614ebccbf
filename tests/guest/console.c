/* SPDX-License-Identifier: MIT */
/*
 * PV console: the ring page named by start_info.console.domU (struct
 * xencons_interface, xen/include/public/io/console.h) plus an event
 * channel notification to xenconsoled, which logs the output to
 * /var/log/xen/console/guest-NAME.log.  Until the ring is found, and with
 * debug=1 always, output also goes to HYPERVISOR_console_io, which lands in
 * Xen's console ring (`xl dmesg`).  Release hypervisors refuse that to a
 * domU (-EPERM unless CONFIG_VERBOSE_DEBUG: xen/include/xsm/dummy.h,
 * xsm_console_io), so it is given up after the first refusal.
 */
#include "hypercall.h"

static void notify(void)
{
	struct evtchn_send send = { .port = g.cons_port };

	HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

void console_init(void)
{
	uint64_t mfn = g.si->console.domU.mfn;
	uint64_t pfn = m2p(mfn);
	void *va = pfn_va(pfn);

	if (!va || pfn_to_mfn(pfn) != mfn) {
		printk("XENPT-GUEST console ring mfn=0x%lx not in the initial mapping\n", mfn);
		return;
	}
	g.cons_port = g.si->console.domU.evtchn;
	g.cons = va;
}

void console_write(const char *s, size_t n)
{
	static bool console_io_refused;
	struct xencons_interface *ring = g.cons;

	if ((g.debug || !ring) && !console_io_refused)
		console_io_refused = HYPERVISOR_console_io(CONSOLEIO_write, (unsigned int)n, s) < 0;
	if (!ring)
		return;

	while (n) {
		XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod = ring->out_prod;
		size_t space = sizeof(ring->out) - (prod - cons);
		size_t i, chunk;

		if (!space) {
			// Ring full: let xenconsoled drain it.
			notify();
			poll_sleep(10 * 1000 * 1000);
			continue;
		}
		chunk = n < space ? n : space;
		for (i = 0; i < chunk; i++)
			ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = s[i];
		__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)chunk,
				 __ATOMIC_RELEASE);
		s += chunk;
		n -= chunk;
	}
	notify();
}

/* Wait (at most about 2 s) until xenconsoled has read everything. */
void console_flush(void)
{
	struct xencons_interface *ring = g.cons;
	int tries;

	if (!ring)
		return;
	for (tries = 0; tries < 200; tries++) {
		if (__atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) == ring->out_prod)
			return;
		notify();
		poll_sleep(10 * 1000 * 1000);
	}
}

/* Collect console input; true when a whole line is in buf (without EOL). */
bool console_read_line(char *buf, size_t size)
{
	static char line[128];
	static size_t len;
	struct xencons_interface *ring = g.cons;
	bool done = false, got = false;

	if (!ring)
		return false;
	while (!done) {
		XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX cons = ring->in_cons;
		char c;

		if (cons == prod)
			break;
		c = ring->in[MASK_XENCONS_IDX(cons, ring->in)];
		__atomic_store_n(&ring->in_cons, cons + 1, __ATOMIC_RELEASE);
		got = true;
		if (c == '\r' || c == '\n') {
			if (!len)
				continue;
			done = true;
		} else if (len + 1 < sizeof(line)) {
			line[len++] = c;
		}
	}
	if (got)
		notify();
	if (!done)
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	len = 0;
	return true;
}

void printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

/* One "XENPT-GUEST ..." line. */
void log_line(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	memcpy(buf, "XENPT-GUEST ", 12);
	va_start(ap, fmt);
	n = vsnprintf(buf + 12, sizeof(buf) - 13, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 14)
		n = sizeof(buf) - 14;
	n += 12;
	buf[n++] = '\n';
	console_write(buf, (size_t)n);
}
