/* SPDX-License-Identifier: MIT */
/**
 * @file core.h
 * Writing `xl dump-core` files, exactly in the format
 * tools/libs/guest/xg_core.c writes (docs/misc/dump-core-format.txt):
 * ELF64 ET_CORE with section headers only, .note.Xen (none, header, Xen
 * version, format version 0.1), .xen_prstatus, .xen_shared_info,
 * .xen_pages, and .xen_p2m (PV: {pfn, mfn} pairs) or .xen_pfn (HVM).
 * Reading is xenpt_source_open_core() (source.h).
 */
#ifndef XENPT_CORE_H
#define XENPT_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_core_desc {
	bool hvm;                         /**< .xen_pfn and the HVM magic instead of .xen_p2m */
	unsigned nr_vcpus;                /**< entries in vcpus[] */
	const struct xenpt_vcpu *vcpus;   /**< encoded as x86_64 vcpu_guest_context */
	const uint8_t *shared_info;       /**< 4096 bytes, or NULL for no .xen_shared_info */
	uint64_t nr_pages;                /**< pages in .xen_pages */
	const uint64_t *pfns;             /**< nr_pages PFN/GFNs, sorted ascending */
	const uint64_t *mfns;             /**< PV: nr_pages MFNs (NULL for HVM) */
	/**
	 * Data of page @p index (0..nr_pages-1) or NULL for an all-zero page.
	 * Zero pages are left as holes: the file is sparse.
	 */
	const uint8_t *(*page)(void *arg, uint64_t index);
	void *arg;
	unsigned xen_major, xen_minor;    /**< for the Xen version note */
	const char *xen_extra;            /**< e.g. ".7" */
};

/** Write @p desc to @p path (created or truncated). */
struct xenpt_error *xenpt_core_write(const char *path, const struct xenpt_core_desc *desc);

#ifdef __cplusplus
}
#endif
#endif
