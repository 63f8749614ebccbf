/* SPDX-License-Identifier: MIT */
/*
 * A standalone main() for the libFuzzer targets of tests/fuzz/: it calls
 * LLVMFuzzerTestOneInput() once on the bytes of each file named, so that the
 * reproducers of tests/fuzz/crashes/ are replayed by `make check` as plain
 * regression inputs, built with the normal $(CC) and without libFuzzer
 * (under `make check-asan` with AddressSanitizer + UBSan, which is what
 * catches most of the memory errors they once triggered).
 *
 *   build/fuzz-replay/fuzz_synth tests/fuzz/crashes/synth-*
 *
 * Prints "ok N - FILE" after each input that returns; a crash or a sanitizer
 * report ends the process before that line.  tests/fuzz/replay.sh runs one
 * process per input and counts them.  Exit status: 0 when every file was
 * read and run, 2 when a file could not be read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s INPUT...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *data = slurp(argv[i], &len);

		if (!data) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i], strerror(errno ? errno : EIO));
			printf("not ok %d - %s (unreadable)\n", i, argv[i]);
			bad = 1;
			continue;
		}
		/* exactly the input's bytes: ASan catches a read past them */
		{
			uint8_t *exact = malloc(len ? len : 1);

			if (!exact) {
				free(data);
				return 2;
			}
			memcpy(exact, data, len);
			free(data);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
		}
		printf("ok %d - %s\n", i, argv[i]);
		fflush(stdout);
	}
	return bad ? 2 : 0;
}
