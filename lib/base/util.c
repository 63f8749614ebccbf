/* SPDX-License-Identifier: MIT */
/* Small helpers shared by lib/ files. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenpt/version.h>
#include <xenpt/walk.h>

#include "base/base.h"

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

XENPT_PUBLIC bool xenpt_parse_number(const char *s, unsigned flags, uint64_t *ret)
{
	char buf[80];
	unsigned long long v;
	unsigned shift = 0;
	size_t i, n = 0;
	char *end;
	int base;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return false;
	for (i = 0; s[i]; i++) {
		if ((flags & XENPT_NUM_SEPARATORS) && (s[i] == '_' || s[i] == '`') && n)
			continue;
		if (n + 1 >= sizeof(buf))
			return false;
		buf[n++] = s[i];
	}
	buf[n] = 0;
	if ((flags & XENPT_NUM_SIZE) && n > 1) {
		switch (buf[n - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		}
		if (shift)
			buf[--n] = 0;
	}
	base = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X') ? 16 : 10;
	if (base == 16 && (!buf[2] || buf[2] == '-' || buf[2] == '+' || isspace((unsigned char)buf[2])))
		return false;
	errno = 0;
	v = strtoull(buf, &end, base);
	if (errno || *end || end == buf)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*ret = (uint64_t)v << shift;
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

void *xenpt_zalloc_huge(size_t n, size_t size)
{
	const size_t huge = (size_t)2 << 20;
	size_t bytes, rounded;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes < huge)
		return calloc(n ? n : 1, size ? size : 1);
	if (bytes > SIZE_MAX - huge)
		return NULL;
	rounded = (bytes + huge - 1) & ~(huge - 1);
	p = aligned_alloc(huge, rounded);
	if (!p)
		return NULL;
	(void)madvise(p, rounded, MADV_HUGEPAGE);   /* a hint; fine if refused */
	memset(p, 0, bytes);
	return p;
}
