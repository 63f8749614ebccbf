/* SPDX-License-Identifier: MIT */
/*
 * Private to libxenpt: what the `xl dump-core` backend (lib/source/src_core.c)
 * knows beyond the generic source interface, for checks such as
 * `xenpt p2m --check` on a core file.
 */
#ifndef XENPT_CORE_INTERNAL_H
#define XENPT_CORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>

/* Facts about an open core file, counted once at open. */
struct xenpt_core_stats {
	bool hvm;                 /* .xen_pfn (HVM magic) rather than .xen_p2m */
	uint64_t nr_pages;        /* header note xch_nr_pages: pages in .xen_pages */
	uint64_t nr_padding;      /* entries with pfn == ~0: zero-filled padding pages */
	uint64_t nr_valid;        /* nr_pages - nr_padding: pages reachable by PFN/GFN */
	uint64_t nr_dup_mfns;     /* PV: entries whose MFN an earlier entry already had */
	uint64_t first_dup_mfn;   /* the first such MFN, XENPT_INVALID_FRAME if none */
	uint64_t nr_invalid_mfns; /* PV: non-padding entries with mfn == ~0 (not in the M2P) */
	uint64_t min_pfn, max_pfn; /* lowest and highest PFN/GFN, ~0 if no page */
	uint64_t format_version;  /* format version note (0 major, 1 minor = 0x1), ~0 if absent */
	bool pfn_sorted;          /* the table lists PFNs in ascending order */
	bool pfn_index_dense;     /* PFN index is a direct array (else binary search) */
};

/*
 * @p src must be a core source (xenpt_source_kind() == "core"); anything else
 * is XENPT_ERR_INVALID_ARG.
 */
struct xenpt_error *xenpt_core_stats(const struct xenpt_source *src,
				     struct xenpt_core_stats *ret);

/*
 * The file layout shared by the reader (lib/source/src_core.c) and the writer
 * (lib/source/core_write.c).  Sources: tools/libs/guest/xg_core.c (the writer),
 * xg_core.h (note descriptors), docs/misc/dump-core-format.txt, and the ELF
 * gABI for the header and section-header layouts.  Everything is little
 * endian and read/written byte by byte, so no alignment is assumed.
 */
#define CORE_SEC_NOTE        ".note.Xen"
#define CORE_SEC_PRSTATUS    ".xen_prstatus"
#define CORE_SEC_SHARED_INFO ".xen_shared_info"
#define CORE_SEC_PAGES       ".xen_pages"
#define CORE_SEC_P2M         ".xen_p2m"
#define CORE_SEC_PFN         ".xen_pfn"
#define CORE_SEC_SHSTRTAB    ".shstrtab"

/* Elf64_Ehdr */
#define CORE_EHDR_SIZE     64u
#define CORE_EH_TYPE       16u
#define CORE_EH_MACHINE    18u
#define CORE_EH_VERSION    20u
#define CORE_EH_PHOFF      32u
#define CORE_EH_SHOFF      40u
#define CORE_EH_FLAGS      48u
#define CORE_EH_EHSIZE     52u
#define CORE_EH_PHENTSIZE  54u
#define CORE_EH_PHNUM      56u
#define CORE_EH_SHENTSIZE  58u
#define CORE_EH_SHNUM      60u
#define CORE_EH_SHSTRNDX   62u
#define CORE_PHDR_SIZE     56u  /* sizeof(Elf64_Phdr), xg_core.c writes it as e_phentsize */

/* Elf64_Shdr */
#define CORE_SHDR_SIZE     64u
#define CORE_SH_NAME       0u
#define CORE_SH_TYPE       4u
#define CORE_SH_FLAGS      8u
#define CORE_SH_ADDR       16u
#define CORE_SH_OFFSET     24u
#define CORE_SH_SIZE       32u
#define CORE_SH_LINK       40u
#define CORE_SH_INFO       44u
#define CORE_SH_ADDRALIGN  48u
#define CORE_SH_ENTSIZE    56u

/* struct elfnote: namesz, descsz, type, then "Xen\0" (xg_core.h) */
#define CORE_NOTE_HDR_SIZE 12u
#define CORE_NOTE_NAME     "Xen"
#define CORE_NOTE_NAMESZ   4u
/* struct xen_dumpcore_elfnote_header_desc */
#define CORE_HEADER_DESC_SIZE 32u
/*
 * struct xen_dumpcore_elfnote_xen_version_desc (64-bit guests): major u64,
 * minor u64, extra_version char[16], compile_info (64 + 16 + 32 + 32),
 * capabilities char[1024], changeset char[64], platform_parameters
 * (virt_start), pagesize u64.
 */
#define CORE_XENVER_DESC_SIZE   1280u
#define CORE_XENVER_MAJOR       0u
#define CORE_XENVER_MINOR       8u
#define CORE_XENVER_EXTRA       16u
#define CORE_XENVER_EXTRA_LEN   16u
#define CORE_XENVER_VIRT_START  1264u
#define CORE_XENVER_PAGESIZE    1272u
/* struct xen_dumpcore_elfnote_format_version_desc */
#define CORE_FORMAT_DESC_SIZE   8u

/* .xen_p2m: struct xen_dumpcore_p2m { u64 pfn; u64 gmfn; }; .xen_pfn: u64 */
#define CORE_P2M_ENTRY_SIZE 16u
#define CORE_PFN_ENTRY_SIZE 8u
/* XC_CORE_INVALID_PFN / _GMFN: a zero-filled padding page */
#define CORE_INVALID_PFN    UINT64_MAX

static inline uint16_t core_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t core_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t core_rd64(const uint8_t *p)
{
	return (uint64_t)core_rd32(p) | (uint64_t)core_rd32(p + 4) << 32;
}

static inline void core_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void core_wr32(uint8_t *p, uint32_t v)
{
	core_wr16(p, (uint16_t)v);
	core_wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void core_wr64(uint8_t *p, uint64_t v)
{
	core_wr32(p, (uint32_t)v);
	core_wr32(p + 4, (uint32_t)(v >> 32));
}

#endif
