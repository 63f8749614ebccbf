/* SPDX-License-Identifier: MIT */
/* Small helpers shared by lib/ files. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <xenpt/version.h>
#include <xenpt/walk.h>

#include "internal.h"

char *xenpt_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

char *xenpt_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xenpt_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

bool xenpt_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *end || end == s)
		return false;
	*ret = v;
	return true;
}

XENPT_PUBLIC const char *xenpt_version(void)
{
	return XENPT_VERSION_STRING;
}

XENPT_PUBLIC const char *xenpt_space_name(enum xenpt_space space)
{
	return space == XENPT_SPACE_MFN ? "mfn" : "gfn";
}

XENPT_PUBLIC const char *xenpt_page_type_name(xenpt_page_type_t t)
{
	static const char *const names[] = {
		[XENPT_PT_NONE] = "none", [XENPT_PT_L1] = "l1", [XENPT_PT_L2] = "l2",
		[XENPT_PT_L3] = "l3", [XENPT_PT_L4] = "l4",
		[XENPT_PT_L1 | XENPT_PT_PINNED] = "l1_pinned",
		[XENPT_PT_L2 | XENPT_PT_PINNED] = "l2_pinned",
		[XENPT_PT_L3 | XENPT_PT_PINNED] = "l3_pinned",
		[XENPT_PT_L4 | XENPT_PT_PINNED] = "l4_pinned",
		[XENPT_PT_BROKEN] = "broken", [XENPT_PT_XALLOC] = "xalloc",
		[XENPT_PT_XTAB] = "xtab",
	};

	if (t < XENPT_ARRAY_SIZE(names) && names[t])
		return names[t];
	return "unknown";
}
