/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: an `xl dump-core` file.  The input is written to a
 * memfd and opened by path (/proc/self/fd/N) with xenpt_source_open_core(),
 * exactly as the CLI opens core:FILE, then every section is touched
 * (tests/fuzz/fuzz_common.c).
 *
 *   make fuzz                       # builds build-fuzz/fuzz_core and runs it briefly
 *   build-fuzz/fuzz_core -runs=10000000 build-fuzz/corpus/core tests/fuzz/corpus/core
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct xenpt_source *src = NULL;
	struct xenpt_error *err;
	size_t off = 0;

	if (fd < 0) {
		fd = memfd_create("xenpt-fuzz-core", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	err = xenpt_source_open_core(path, &src);
	if (err) {
		FUZZ_ASSERT(xenpt_error_message(err) != NULL);
		xenpt_error_destroy(err);
		return 0;
	}
	fuzz_exercise_source(src, data, size < 64 ? size : 64);
	xenpt_source_close(src);
	return 0;
}
