/* SPDX-License-Identifier: MIT */
/* Runner for harness.h tests: TAP output, exit 1 on any failure. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static struct test_case *head, **tail = &head;
static bool current_failed;

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
	unsigned n = 0, passed = 0, failed = 0;
	struct test_case *tc;

	for (tc = head; tc; tc = tc->next)
		n++;
	printf("1..%u\n", n);
	n = 0;
	for (tc = head; tc; tc = tc->next) {
		if (argc > 1 && !strstr(tc->name, argv[1])) {
			printf("ok %u - %s # SKIP filtered\n", ++n, tc->name);
			continue;
		}
		current_failed = false;
		tc->fn();
		fflush(stdout);
		if (current_failed)
			failed++;
		else
			passed++;
		printf("%s %u - %s\n", current_failed ? "not ok" : "ok", ++n, tc->name);
	}
	printf("# %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
