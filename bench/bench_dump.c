/* SPDX-License-Identifier: MIT */
/*
 * Whole-address-space dump and reverse-map index at scale (`make bench`;
 * figures only, no thresholds).
 *
 * A 64-bit PV guest with 64 GiB of 4K mappings (16,777,216 PTEs in 32768
 * L1 tables) is built with the synthetic builder, without materialising
 * any data page: the direct map at 0xffff888000000000, in 128 blocks of
 * 512 MiB alternating read-write and read-only (so the dump has real runs
 * to coalesce).  It is also written as a sparse dump-core (data pages are
 * holes).  Then, each in its own forked process so that the peak RSS is
 * that case's:
 *
 *   dump  synth  xenpt_ptdump_create + emit (every line formatted to
 *                /dev/null) + report, on the synthetic source, with Xen's
 *                page type of every mapped frame (the backend's
 *                page_types, batched per L1 table), and without types
 *   dump  core   the same on the sparse core (mmap'd)
 *   rmap  synth  xenpt_rmap_create (the full reverse index) + 3 lookups
 *   rmap  core   the same on the core
 *
 * Times are CPU (the process's, user + system) and wall; on a shared
 * machine the CPU figure is the one to compare.
 *
 * RSS: the child's resident set when it starts (inherited: the model, for
 * the synthetic source) and its peak (getrusage ru_maxrss); for the core,
 * the page-table frames read through the mapping are resident file pages
 * and are shown apart.  If $XENPT is set, `xenpt dump core:...` is timed
 * too, as a user would run it.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenpt/ptdump.h>
#include <xenpt/rmap.h>
#include <xenpt/synth.h>

#define BENCH_NAME "bench_dump"
#include "bench_64g.h"

/* ---- the cases (run in a child) -------------------------------------------------------------- */

struct line_sink {
	FILE *f;
	uint64_t lines;
};

static struct xenpt_error *to_devnull(void *arg, const struct xenpt_ptdump_event *ev)
{
	struct line_sink *k = arg;
	const struct xenpt_ptdump_run *r = ev->run;

	if (ev->type == XENPT_PTDUMP_EV_SECTION) {
		fprintf(k->f, "---[ %s ]---\n", ev->section->name);
	} else if (ev->type == XENPT_PTDUMP_EV_RUN) {
		fprintf(k->f, "0x%016" PRIx64 "-0x%016" PRIx64 " %" PRIu64 " %s %u %x %s\n", r->start,
			r->last + 1, r->last - r->start + 1, xenpt_ptdump_kind_name(r->kind), r->level,
			r->attrs, xenpt_ptdump_ftype_name(r->ftype));
		k->lines++;
	}
	return NULL;
}

static int case_dump(struct xenpt_source *src, const char *label, long rss0, uint64_t table_kib,
		     bool no_types)
{
	struct xenpt_aspace as;
	struct xenpt_ptdump_opts o;
	struct xenpt_ptdump *d;
	const struct xenpt_ptdump_report *rep;
	struct xenpt_ptdump_stats st;
	struct line_sink k = { NULL, 0 };
	struct xenpt_error *err;
	double t0, t1, t2, t3, c0, c3;
	long peak;

	err = xenpt_aspace_from_vcpu(src, 0, false, &as);
	if (err)
		return fail(err, "address space");
	k.f = fopen("/dev/null", "w");
	if (!k.f)
		return 1;
	xenpt_ptdump_opts_init(&o);
	o.no_ftypes = no_types;
	c0 = cpu_s();
	t0 = now_s();
	err = xenpt_ptdump_create(src, &as, &o, &d);
	if (err)
		return fail(err, "dump");
	t1 = now_s();
	err = xenpt_ptdump_emit(d, 0, to_devnull, &k);
	t2 = now_s();
	if (!err)
		err = xenpt_ptdump_report(d, &rep);
	t3 = now_s();
	c3 = cpu_s();
	if (err)
		return fail(err, "dump");
	peak = peak_kib();
	xenpt_ptdump_stats(d, &st);
	printf("  dump %-5s %-13s %6.3f s CPU, %6.3f s wall (tables %.3f s, summaries + %" PRIu64 " lines %.3f s, report %.3f s)\n",
	       label, no_types ? "(no types)" : (xenpt_source_caps(src) & XENPT_CAP_PAGE_TYPES) ?
	       "(Xen types)" : "(table types)", c3 - c0, t3 - t0, t1 - t0, k.lines, t2 - t1, t3 - t2);
	printf("             %" PRIu64 " tables, %" PRIu64 " mapped 4K pages, %" PRIu64 " table reads, %" PRIu64
	       " summaries, %" PRIu64 " entries decoded\n", st.tables, rep->pages[1], st.table_reads,
	       st.summaries, st.entries_scanned);
	printf("             RSS %ld MiB at start, peak %ld MiB: +%ld MiB", rss0 >> 10, peak >> 10,
	       (peak - rss0) >> 10);
	if (table_kib)
		printf(", of which %" PRIu64 " MiB are the table frames read through the mapping: +%ld MiB beyond them",
		       table_kib >> 10, (peak - rss0 - (long)table_kib) >> 10);
	printf("\n");
	fclose(k.f);
	xenpt_ptdump_destroy(d);
	return 0;
}

static struct xenpt_error *count_ref(void *arg, const struct xenpt_rmap_ref *ref)
{
	(void)ref;
	(*(uint64_t *)arg)++;
	return NULL;
}

static int case_rmap(struct xenpt_source *src, const char *label, long rss0, uint64_t table_kib,
		     const struct xenpt_synth *s)
{
	struct xenpt_rmap *r;
	struct xenpt_rmap_stats st;
	struct xenpt_error *err;
	double t0, t1, t2, c0, c1;
	uint64_t q[3], found = 0;
	long peak;
	unsigned i;

	c0 = cpu_s();
	t0 = now_s();
	err = xenpt_rmap_create(src, NULL, &r);
	if (err)
		return fail(err, "rmap");
	t1 = now_s();
	c1 = cpu_s();
	/* three frames: the first, one in the middle, the last page mapped */
	q[0] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(0)));
	q[1] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(GUEST_BYTES / 8192)));
	q[2] = xenpt_mfn_x(xenpt_synth_p2m(s, xenpt_gfn(GUEST_BYTES / 4096 - 1)));
	for (i = 0; i < 3; i++) {
		struct xenpt_rmap_frame info;

		err = xenpt_rmap_lookup(r, q[i], count_ref, &found, &info);
		if (err)
			return fail(err, "rmap lookup");
	}
	t2 = now_s();
	peak = peak_kib();
	xenpt_rmap_stats(r, &st);
	printf("  rmap %-5s %6.3f s CPU, %6.3f s wall to build the index (%" PRIu64 " tables, %" PRIu64 " (frame, table) pairs, %.1f MiB),\n"
	       "             3 lookups in %.3f ms (%" PRIu64 " references)\n",
	       label, c1 - c0, t1 - t0, st.tables, st.refs, (double)st.index_bytes / (1 << 20),
	       (t2 - t1) * 1e3, found);
	printf("             RSS %ld MiB at start, peak %ld MiB: +%ld MiB", rss0 >> 10, peak >> 10,
	       (peak - rss0) >> 10);
	if (table_kib)
		printf(" (%" PRIu64 " MiB of them the table frames read through the mapping)", table_kib >> 10);
	printf("\n");
	xenpt_rmap_destroy(r);
	return 0;
}

enum { SRC_SYNTH, SRC_CORE };
enum { CASE_DUMP, CASE_DUMP_NO_TYPES, CASE_RMAP };

static int run_child(int which_src, int which_case, struct xenpt_synth *s, const char *core,
		     uint64_t table_kib)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("bench_dump: fork");
		return 1;
	}
	if (!pid) {
		struct xenpt_source *src = NULL;
		struct xenpt_error *err;
		long rss0;
		int rc;

		if (which_src == SRC_SYNTH)
			err = xenpt_synth_source(s, &src);
		else
			err = xenpt_source_open_core(core, &src);
		if (err)
			_exit(fail(err, "source"));
		rss0 = rss_kib();
		if (which_case != CASE_RMAP)
			rc = case_dump(src, which_src == SRC_SYNTH ? "synth" : "core", rss0,
				       which_src == SRC_CORE ? table_kib : 0,
				       which_case == CASE_DUMP_NO_TYPES);
		else
			rc = case_rmap(src, which_src == SRC_SYNTH ? "synth" : "core", rss0,
				       which_src == SRC_CORE ? table_kib : 0, s);
		fflush(stdout);
		_exit(rc);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

/* `xenpt dump core:FILE >/dev/null`, as a user runs it. */
static void time_cli(const char *xenpt, const char *core)
{
	char target[1200];
	double t0, t1;
	pid_t pid;
	int status;
	struct rusage ru;

	snprintf(target, sizeof(target), "core:%s", core);
	fflush(stdout);
	t0 = now_s();
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		execl(xenpt, "xenpt", "dump", "--max-lines", "0", target, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return;
	t1 = now_s();
	printf("  xenpt dump --max-lines 0 core:... >/dev/null: %.3f s wall, peak RSS %ld MiB, exit %d\n",
	       t1 - t0, ru.ru_maxrss >> 10, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
	struct xenpt_synth *s = NULL;
	struct xenpt_synth_stats st;
	struct xenpt_error *err;
	const char *tmp = getenv("TMPDIR"), *xenpt = getenv("XENPT");
	char core[1024];
	struct stat sb;
	double t0, t1, t2;
	uint64_t table_kib;
	int rc = 0;

	printf("bench_dump: dump and rmap over a 64 GiB PV guest (16,777,216 4K PTEs in 32768 L1 tables)\n");
	t0 = now_s();
	err = build_guest(&s);
	if (err)
		return fail(err, "building the guest");
	t1 = now_s();
	xenpt_synth_stats(s, &st);
	table_kib = (st.tables[1] + st.tables[2] + st.tables[3] + st.tables[4]) * 4;
	printf("  built with the synthetic builder in %.2f s: %" PRIu64 " L1 + %" PRIu64 " L2 + %" PRIu64
	       " L3 + %" PRIu64 " L4 tables, %" PRIu64 " leaf entries, no data page stored "
	       "(stored pages %" PRIu64 "), model %" PRIu64 " MiB, process RSS %ld MiB\n",
	       t1 - t0, st.tables[1], st.tables[2], st.tables[3], st.tables[4], st.leaf_entries[1],
	       st.stored_pages, st.mem_bytes >> 20, rss_kib() >> 10);
	snprintf(core, sizeof(core), "%s/xenpt-bench-64g-%ld.core", tmp && *tmp ? tmp : "/tmp",
		 (long)getpid());
	err = xenpt_synth_write_core(s, core);
	if (err) {
		xenpt_synth_destroy(s);
		return fail(err, "writing the core");
	}
	t2 = now_s();
	if (!stat(core, &sb))
		printf("  sparse core written in %.2f s: %.1f GiB apparent, %.1f MiB on disk (%s)\n",
		       t2 - t1, (double)sb.st_size / (1 << 30), (double)sb.st_blocks * 512 / (1 << 20),
		       core);
	printf("each case in its own process (RSS per case):\n");
	rc |= run_child(SRC_SYNTH, CASE_DUMP, s, core, table_kib);
	rc |= run_child(SRC_SYNTH, CASE_DUMP_NO_TYPES, s, core, table_kib);
	rc |= run_child(SRC_CORE, CASE_DUMP, s, core, table_kib);
	rc |= run_child(SRC_SYNTH, CASE_RMAP, s, core, table_kib);
	rc |= run_child(SRC_CORE, CASE_RMAP, s, core, table_kib);
	if (xenpt && *xenpt)
		time_cli(xenpt, core);
	unlink(core);
	xenpt_synth_destroy(s);
	return rc;
}
