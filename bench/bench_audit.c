/* SPDX-License-Identifier: MIT */
/*
 * `xenpt audit` at scale (`make bench`; figures only, no thresholds).
 *
 * The 64 GiB PV guest of bench_dump.c (16,777,216 4K PTEs in 32768 L1
 * tables: the direct map at 0xffff888000000000 in 128 blocks of 512 MiB,
 * alternating read-write and read-only), built with the synthetic builder.
 * Then, each in its own forked process so that the peak RSS is that case's,
 * and then each again in this process (no copy-on-write faults of the
 * fork in the figures; the peak RSS is then the process's so far):
 *
 *   types   xenpt_audit_run with Xen's page types (the P2M swept in batches
 *           of 4096 frames through the backend's page_types) and the
 *           model's exact counts for every audited frame
 *   struct  the same with --no-types: the structure alone, as on a core
 *
 * Times are CPU (the process's) and wall; the RSS is the child's at start
 * (inherited: the model) and its peak (getrusage ru_maxrss).  Target of
 * issue 8: <= 1 s and <= 512 MiB for the audit itself.
 *
 * `bench_audit types` or `bench_audit struct` builds the guest and runs
 * only that case, in-process (for a profiler).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenpt/audit.h>
#include <xenpt/synth.h>

#define BENCH_NAME "bench_audit"
#include "bench_64g.h"

static int case_audit(struct xenpt_synth *s, bool types, const char *how)
{
	struct xenpt_audit_opts o;
	struct xenpt_audit_summary sum;
	struct xenpt_source *src;
	struct xenpt_audit *a;
	struct xenpt_error *err;
	double t0, t1, c0, c1;
	long rss0, peak;

	err = xenpt_synth_source(s, &src);
	if (err)
		return fail(err, "source");
	rss0 = rss_kib();
	xenpt_audit_opts_init(&o);
	o.no_types = !types;
	if (types) {
		o.counts = xenpt_synth_exact_counts;
		o.counts_arg = s;
	}
	c0 = cpu_s();
	t0 = now_s();
	err = xenpt_audit_run(src, &o, &a);
	if (err) {
		xenpt_source_close(src);
		return fail(err, "audit");
	}
	t1 = now_s();
	c1 = cpu_s();
	peak = peak_kib();
	xenpt_audit_summary(a, &sum);
	printf("  audit %-6s %-7s %6.3f s CPU, %6.3f s wall: %" PRIu64 " tables, %" PRIu64 " present entries"
	       " (%" PRIu64 " RW, %" PRIu64 " RO maps), %" PRIu64 " frames typed, %" PRIu64 " findings\n",
	       types ? "types" : "struct", how, c1 - c0, t1 - t0, sum.tables_scanned, sum.entries_present,
	       sum.map_rw, sum.map_ro, sum.frames_typed, sum.findings);
	printf("                       RSS %ld MiB at start, peak %ld MiB: +%ld MiB\n", rss0 >> 10, peak >> 10,
	       (peak - rss0) >> 10);
	xenpt_audit_destroy(a);
	xenpt_source_close(src);
	return sum.findings ? 1 : 0;
}

static int run_child(struct xenpt_synth *s, bool types)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("bench_audit: fork");
		return 1;
	}
	if (!pid) {
		int r = case_audit(s, types, "forked");

		fflush(stdout);
		_exit(r);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_audit: the %s case failed\n", types ? "types" : "struct");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xenpt_synth *s = NULL;
	struct xenpt_error *err;
	double t0, t1;
	int rc = 0, only = -1;   /* -1: all; 1: types; 0: struct */

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "types") && strcmp(argv[1], "struct"))) {
		fprintf(stderr, "usage: bench_audit [types|struct]\n");
		return 2;
	}
	if (argc == 2)
		only = !strcmp(argv[1], "types");

	printf("bench_audit: xenpt audit of a 64 GiB PV guest (16,777,216 4K PTEs in 32768 L1 tables)\n");
	t0 = now_s();
	err = build_guest(&s);
	if (err)
		return fail(err, "building the guest");
	t1 = now_s();
	printf("  built in %.2f s, process RSS %ld MiB\n", t1 - t0, rss_kib() >> 10);
	if (only < 0) {
		rc |= run_child(s, true);
		rc |= run_child(s, false);
	}
	if (only != 0)
		rc |= case_audit(s, true, "in-proc");
	if (only != 1)
		rc |= case_audit(s, false, "in-proc");
	xenpt_synth_destroy(s);
	return rc;
}
