/* SPDX-License-Identifier: MIT */
/*
 * ioctl_count.so: an LD_PRELOAD shim that counts a program's calls into
 * Xen's privcmd driver, so that map calls can be compared between programs
 * that are not ours (xen-mfndump) and ours (xenpt), the same way.  dom0 has
 * no strace.
 *
 *	XENPT_IOCTL_COUNT=/tmp/counts LD_PRELOAD=.../ioctl_count.so xen-mfndump ...
 *
 * At exit it appends one line to $XENPT_IOCTL_COUNT:
 *	ioctls pid=N mmapbatch=N frames=N hypercall=N domctl=N mmap_resource=N munmap=N
 * mmapbatch: IOCTL_PRIVCMD_MMAPBATCH(_V2), one per xenforeignmemory_map()
 * (and xc_map_foreign_range()) call, frames: the frames they asked for;
 * hypercall: IOCTL_PRIVCMD_HYPERCALL (domctl: __HYPERVISOR_domctl, e.g.
 * getpageframeinfo3 and getvcpucontext).  Linux privcmd ABI:
 * include/uapi/xen/privcmd.h.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PRIVCMD_TYPE 'P'
#define NR_HYPERCALL 0
#define NR_MMAPBATCH 3
#define NR_MMAPBATCH_V2 4
#define NR_MMAP_RESOURCE 7
#define HYPERVISOR_domctl 36

static unsigned long n_batch, n_frames, n_hcall, n_domctl, n_res, n_munmap;

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (_IOC_TYPE(req) == PRIVCMD_TYPE && arg) {
		switch (_IOC_NR(req)) {
		case NR_HYPERCALL:
			n_hcall++;
			n_domctl += *(const uint64_t *)arg == HYPERVISOR_domctl;
			break;
		case NR_MMAPBATCH:
		case NR_MMAPBATCH_V2:
			n_batch++;
			n_frames += *(const unsigned int *)arg;   /* .num comes first in both */
			break;
		case NR_MMAP_RESOURCE:
			n_res++;
			break;
		}
	}
	return real(fd, req, arg);
}

int munmap(void *addr, size_t len)
{
	static int (*real)(void *, size_t);

	if (!real)
		real = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
	n_munmap++;
	return real(addr, len);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("XENPT_IOCTL_COUNT");
	char line[256];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof(line),
		     "ioctls pid=%d mmapbatch=%lu frames=%lu hypercall=%lu domctl=%lu mmap_resource=%lu munmap=%lu\n",
		     (int)getpid(), n_batch, n_frames, n_hcall, n_domctl, n_res, n_munmap);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n) {
			/* nothing to do: a lost count shows as a missing line */
		}
		close(fd);
	}
}
