/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the synthetic-domain spec parser (xenpt-synth(5)).
 * The input is parsed with small limits (xenpt_synth_parse_limited), the
 * model becomes a source, and the source is exercised like a core
 * (tests/fuzz/fuzz_common.c).  Small PV domains are also written as a
 * core file and read back: the core's P2M must equal the model's, except
 * for PFNs whose frame the domain does not own, which the dump leaves out
 * (xenpt_synth_write_core()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Round trip through a core for domains of at most this many pages. */
#define FUZZ_CORE_PAGES 256u

static char path[96], dir[64];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void round_trip(struct xenpt_synth *s)
{
	const struct xenpt_synth_params *p = xenpt_synth_get_params(s);
	struct xenpt_source *core = NULL;
	struct xenpt_error *err;
	uint64_t pfn;

	if (p->kind != XENPT_SYNTH_PV || p->nr_pages > FUZZ_CORE_PAGES)
		return;
	/*
	 * A real file in a private directory: the writer renames a temporary
	 * file into place, which a memfd's /proc/self/fd path cannot take.
	 */
	if (!path[0]) {
		snprintf(dir, sizeof(dir), "/tmp/xenpt-fuzz-synth-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/core", dir);
		atexit(cleanup);
	}
	err = xenpt_synth_write_core(s, path);
	if (err) {
		/* the model refuses only what it cannot write; never a crash */
		FUZZ_ASSERT(xenpt_error_message(err) != NULL);
		xenpt_error_destroy(err);
		return;
	}
	/* what the writer wrote, the reader reads */
	err = xenpt_source_open_core(path, &core);
	if (err) {
		fprintf(stderr, "fuzz_synth: the core written cannot be read: %s\n",
			xenpt_error_message(err));
		FUZZ_ASSERT(!err);
	}
	for (pfn = 0; pfn < p->nr_pages; pfn++) {
		xenpt_gfn_t g = xenpt_gfn(pfn);
		xenpt_mfn_t m;

		err = xenpt_source_p2m(core, &g, 1, &m);
		if (err) {
			xenpt_error_destroy(err);
			break;
		}
		FUZZ_ASSERT(xenpt_mfn_eq(m, xenpt_synth_p2m(s, g)) || !xenpt_mfn_valid(m));
	}
	xenpt_source_close(core);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xenpt_synth_limits lim;
	struct xenpt_synth *s = NULL;
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;

	xenpt_synth_limits_init(&lim);
	lim.max_pages = 1u << 14;       /* 64 MiB: the Linux layout fits */
	lim.max_host_frames = 1ull << 22;
	lim.max_tables = 512;
	lim.max_written = 256;
	lim.max_entries = 1u << 16;
	lim.max_generated = 64;
	lim.max_vcpus = 4;
	lim.max_roots = 16;
	err = xenpt_synth_parse_limited((const char *)data, size, "fuzz", &lim, &s);
	if (err) {
		FUZZ_ASSERT(xenpt_error_message(err) != NULL);
		xenpt_error_destroy(err);
		return 0;
	}
	err = xenpt_synth_source(s, &src);
	if (!err) {
		fuzz_exercise_source(src, data, size < 64 ? size : 64);
		xenpt_source_close(src);
	} else {
		xenpt_error_destroy(err);
	}
	round_trip(s);
	xenpt_synth_destroy(s);
	return 0;
}
