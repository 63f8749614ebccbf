/* SPDX-License-Identifier: MIT */
/* Runner for harness.h tests: TAP output, exit 1 on any failure. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static struct test_case *head, **tail = &head;
static bool current_failed;
static bool current_skipped;
static char skip_reason[256];

void test_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = true;
	fprintf(stdout, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	current_skipped = true;
	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	/* one line: the reason ends the TAP line */
	for (char *p = skip_reason; *p; p++)
		if (*p == '\n' || *p == '#')
			*p = ' ';
}

bool test_failed(void)
{
	return current_failed;
}

const char *test_fixtures_dir(void)
{
	const char *d = getenv("XENPT_FIXTURES");
	return d && *d ? d : "tests/fixtures";
}

const char *test_build_dir(void)
{
	const char *d = getenv("XENPT_BUILD");
	return d && *d ? d : "build";
}

const char *test_tmp_path(const char *name)
{
	static char buf[4][512];
	static unsigned slot;
	const char *tmp = getenv("TMPDIR");
	char *p = buf[slot++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/xenpt-test-%ld-%s", tmp && *tmp ? tmp : "/tmp",
		 (long)getpid(), name);
	return p;
}

int main(int argc, char **argv)
{
	unsigned n = 0, passed = 0, failed = 0, skipped = 0;
	struct test_case *tc;

	for (tc = head; tc; tc = tc->next)
		n++;
	printf("1..%u\n", n);
	n = 0;
	for (tc = head; tc; tc = tc->next) {
		if (argc > 1 && !strstr(tc->name, argv[1])) {
			skipped++;
			printf("ok %u - %s # SKIP filtered out by \"%s\"\n", ++n, tc->name, argv[1]);
			continue;
		}
		current_failed = false;
		current_skipped = false;
		skip_reason[0] = '\0';
		tc->fn();
		fflush(stdout);
		if (current_failed) {
			/* a failed check counts even when the test then skipped */
			failed++;
			printf("not ok %u - %s\n", ++n, tc->name);
		} else if (current_skipped) {
			skipped++;
			printf("ok %u - %s # SKIP %s\n", ++n, tc->name,
			       skip_reason[0] ? skip_reason : "(no reason given)");
		} else {
			passed++;
			printf("ok %u - %s\n", ++n, tc->name);
		}
	}
	printf("# %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
