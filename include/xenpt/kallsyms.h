/* SPDX-License-Identifier: MIT */
/**
 * @file kallsyms.h
 * Symbols from the guest's own memory: Linux's compressed symbol table
 * (CONFIG_KALLSYMS), found in the kernel image without any symbol file and
 * decoded into a symbol table (include/xenpt/sym.h).  Best effort: a kernel
 * built without CONFIG_KALLSYMS, a layout this reader does not know, or a
 * table that does not decode consistently is XENPT_ERR_NOT_FOUND with a
 * sentence saying what was searched.
 *
 * Layouts read (scripts/kallsyms.c of the kernel, kernel/kallsyms.c for
 * the reading side): 64-bit x86 kernels with kallsyms_offsets +
 * kallsyms_relative_base (CONFIG_KALLSYMS_BASE_RELATIVE, with or without
 * absolute per-CPU symbols) or kallsyms_addresses; kallsyms_markers of 4
 * or 8 bytes; one- and two-byte name lengths (6.1 and later); the arrays
 * in either order the kernel has emitted them (offsets before
 * kallsyms_num_syms up to 6.3, after kallsyms_token_index later).
 */
#ifndef XENPT_KALLSYMS_H
#define XENPT_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/sym.h>
#include <xenpt/walk.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where the table was found and how it is laid out (VAs). */
struct xenpt_kallsyms_info {
	uint64_t start, end;        /**< the VAs searched, [start, end) */
	uint64_t nsyms;             /**< symbols decoded (kallsyms_num_syms) */
	uint64_t num_syms;          /**< VA of kallsyms_num_syms */
	uint64_t names;             /**< VA of kallsyms_names */
	uint64_t markers;           /**< VA of kallsyms_markers */
	uint64_t token_table;       /**< VA of kallsyms_token_table */
	uint64_t token_index;       /**< VA of kallsyms_token_index */
	uint64_t addresses;         /**< VA of kallsyms_offsets (base_relative) or kallsyms_addresses */
	uint64_t relative_base;     /**< base_relative: the value of kallsyms_relative_base */
	bool base_relative;         /**< offsets + relative base, else absolute addresses */
	bool absolute_percpu;       /**< base_relative: non-negative offsets are absolute (per-CPU) */
	unsigned marker_size;       /**< bytes per kallsyms_markers entry: 4 or 8 */
	uint64_t unreadable_pages;  /**< xenpt_kallsyms_load(): mapped pages that could not be
				         read (searched as zeros) */
};

/**
 * Find and decode the table in @p len bytes of kernel memory @p image that
 * start at virtual address @p va, adding every symbol to @p tab (size 0,
 * nm's type letter as the kernel stores it: per-CPU symbols are 'A').
 * Every offset read from @p image is bounds-checked: hostile contents give
 * XENPT_ERR_NOT_FOUND, never a read outside @p image or an unbounded loop.
 * @p tab is changed only on success (or, partly, when it runs out of
 * memory while adding); @p info (may be NULL) is filled on success.
 */
struct xenpt_error *xenpt_kallsyms_scan(const void *image, size_t len, uint64_t va,
					struct xenpt_symtab *tab,
					struct xenpt_kallsyms_info *info);

/**
 * The same on the guest of @p src, read through the page tables of @p as
 * (a 64-bit kernel address space, e.g. xenpt_aspace_from_vcpu(src, 0,
 * false)).  Searched: the mapped runs of the kernel image mapping
 * (x86-64 Linux's __START_KERNEL_map 0xffffffff80000000 up to the module
 * area, 0xffffffffc0000000), the run holding @p hint first (the vCPU's RIP
 * when it is in the kernel; 0 for none), then the others, largest first.
 * XENPT_ERR_UNSUPPORTED for 32-bit paging modes; XENPT_ERR_INTERRUPTED
 * when the source's interrupt flag is raised while reading.
 */
struct xenpt_error *xenpt_kallsyms_load(struct xenpt_source *src, const struct xenpt_aspace *as,
					uint64_t hint, struct xenpt_symtab *tab,
					struct xenpt_kallsyms_info *info);

#ifdef __cplusplus
}
#endif
#endif
