/* SPDX-License-Identifier: MIT */
/*
 * Private to libxenpt, the bottom layer (lib/base/): what every lib/ file
 * may use.  Never installed.
 */
#ifndef XENPT_BASE_H
#define XENPT_BASE_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/types.h>

/* Exported symbols; everything else is hidden (-fvisibility=hidden). */
#define XENPT_PUBLIC __attribute__((visibility("default")))

#define XENPT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Helpers (lib/base/util.c). */
char *xenpt_vasprintf(const char *fmt, va_list ap);
char *xenpt_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * @n zeroed elements of @size bytes for an index written and read at random:
 * from 2 MiB up, 2 MiB aligned and asked to be backed by transparent huge
 * pages (4 KiB pages make each access a TLB miss: a 16.7-million-page
 * core's MFN index spent about a quarter of its build time there).  NULL
 * on overflow or no memory; freed with free().
 */
void *xenpt_zalloc_huge(size_t n, size_t size);
/* Numbers: xenpt_parse_number() (include/xenpt/types.h). */

#endif
