/* SPDX-License-Identifier: MIT */
/*
 * zombie_map: hold foreign mappings of some frames of a PV domain, so that
 * `xl destroy` leaves it dying (a "zombie") until they are released.
 * Used by tests/live/live_cli.c (test_zombie); independent of libxenpt.
 *
 *	zombie_map DOMID MFN...
 *
 * Maps each MFN read-only with its own xenforeignmemory_map() call (PV
 * foreign mappings take MFNs), reads its first byte so that the mapping is
 * surely there, and prints one line per frame:
 *
 *	mapped mfn 0x54a10 va 0x7f0c2a3bd000
 *
 * then "HOLDING" and waits.  SIGTERM or SIGINT: unmap everything, print
 * "released" and exit 0.  Its parent's death sends it SIGTERM
 * (PR_SET_PDEATHSIG), so a crashed test leaves no zombie domain behind.  Any failure: a message on stderr, exit 1.
 *
 * While a frame is mapped, dom0's L1 entry for VA holds a general reference
 * on the domain's page (get_page_from_l1e with the foreign domain,
 * xen/arch/x86/mm.c), and a domain is only freed once its last page is
 * (xen/common/domain.c: domain_relinquish_resources, put_domain).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <xenforeignmemory.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	xenforeignmemory_handle *fmem;
	void **maps;
	struct sigaction sa;
	sigset_t block, old;
	unsigned long domid;
	int i, n = argc - 2, rc = 0;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: zombie_map DOMID MFN...\n");
		return 2;
	}
	domid = strtoul(argv[1], &end, 0);
	if (*end || domid >= 0x7ff0) {
		fprintf(stderr, "zombie_map: bad domain id %s\n", argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		stop = 1;

	fmem = xenforeignmemory_open(NULL, 0);
	maps = calloc((size_t)n, sizeof(*maps));
	if (!fmem || !maps) {
		fprintf(stderr, "zombie_map: xenforeignmemory_open: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		xen_pfn_t mfn = (xen_pfn_t)strtoull(argv[i + 2], &end, 0);
		int err = 0;

		if (*end) {
			fprintf(stderr, "zombie_map: bad MFN %s\n", argv[i + 2]);
			rc = 1;
			break;
		}
		maps[i] = xenforeignmemory_map(fmem, (uint32_t)domid, PROT_READ, 1, &mfn, &err);
		if (!maps[i] || err) {
			fprintf(stderr, "zombie_map: cannot map mfn 0x%" PRIx64 " of domain %lu: %s\n",
				(uint64_t)mfn, domid, strerror(maps[i] ? -err : errno));
			rc = 1;
			break;
		}
		(void)*(volatile const unsigned char *)maps[i];
		printf("mapped mfn 0x%" PRIx64 " va 0x%" PRIxPTR "\n", (uint64_t)mfn,
		       (uintptr_t)maps[i]);
	}
	if (!rc) {
		printf("HOLDING\n");
		fflush(stdout);
		while (!stop)
			sigsuspend(&old);
	}
	for (i = 0; i < n; i++)
		if (maps[i])
			xenforeignmemory_unmap(fmem, maps[i], 1);
	xenforeignmemory_close(fmem);
	free(maps);
	if (!rc)
		printf("released\n");
	return rc;
}
