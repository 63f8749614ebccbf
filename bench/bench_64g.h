/* SPDX-License-Identifier: MIT */
/*
 * What the 64 GiB benches (bench_dump.c, bench_audit.c) share: clocks, RSS,
 * error reporting and the synthetic guest itself (16,777,216 4K PTEs in
 * 32768 L1 tables: the direct map of 64 GiB in 512 MiB blocks, RW and
 * read-only in turn).  Define BENCH_NAME before including it.
 */
#ifndef XENPT_BENCH_64G_H
#define XENPT_BENCH_64G_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <xenpt/synth.h>

#define GUEST_BYTES (64ull << 30)
#define BLOCK_BYTES (512ull << 20)
#define DIRECT_MAP 0xffff888000000000ull

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline long rss_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "VmRSS:", 6)) {
			v = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

static inline long peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static inline int fail(struct xenpt_error *err, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, what, xenpt_error_message(err));
	xenpt_error_destroy(err);
	return 1;
}

/* ---- the guest ---------------------------------------------------------------------------- */

static inline struct xenpt_error *build_guest(struct xenpt_synth **ret)
{
	struct xenpt_synth_params p;
	struct xenpt_synth *s;
	struct xenpt_error *err;
	uint64_t off;

	xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
	snprintf(p.name, sizeof(p.name), "bench-64g");
	p.nr_pages = GUEST_BYTES / 4096 + 65536;   /* + room for the tables */
	p.sparse = true;
	err = xenpt_synth_create(&p, &s);
	if (err)
		return err;
	for (off = 0; off < GUEST_BYTES; off += BLOCK_BYTES) {
		uint64_t flags = XENPT_PTE_NX | ((off / BLOCK_BYTES) & 1 ? 0 : XENPT_PTE_RW);

		err = xenpt_synth_map(s, XENPT_SYNTH_ROOT_DEFAULT, xenpt_va(DIRECT_MAP + off),
				      xenpt_gfn(off >> 12), BLOCK_BYTES, 4096, flags);
		if (err) {
			xenpt_synth_destroy(s);
			return err;
		}
	}
	*ret = s;
	return NULL;
}

#endif
