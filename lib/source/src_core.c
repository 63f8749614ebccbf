/* SPDX-License-Identifier: MIT */
/*
 * The `xl dump-core` backend: reads the ELF files that
 * tools/libs/guest/xg_core.c writes (format: docs/misc/dump-core-format.txt,
 * note descriptors: tools/libs/guest/xg_core.h).
 *
 * The file is mapped read-only and never copied.  It has section headers
 * only (no program headers); sections are found by name through .shstrtab,
 * never by position.  Everything is validated before use, with overflow-safe
 * arithmetic, because a core file is untrusted input.
 *
 * Two indexes are built once at open:
 *  - PFN/GFN -> page index: a direct array when the PFN range is compact (the
 *    normal case: PV PFNs are 0..max_pfn-1, HVM GFNs have only the VGA and
 *    MMIO holes), else a sorted array searched by bisection;
 *  - MFN -> page index (PV only): the library's hash table (lib/base/htab.h:
 *    keyed with a per-process secret, bounded probes) as an index set whose
 *    8-byte slots hold a page index and a hash tag; the full MFN is read
 *    back from the mapped .xen_p2m only on a tag match.
 * Lookups are O(1) (or O(log n)) and never allocate, so a 16.7-million-page
 * core costs about 4 bytes (PFN) + 11.5 bytes (MFN, load 0.7) of memory per page.
 *
 * docs/misc/dump-core-format.txt: "There is no rule about the order" of the
 * .xen_p2m / .xen_pfn entries, so nothing here relies on it.  Entries whose
 * pfn is ~0 (XC_CORE_INVALID_PFN) are the zero pages xg_core.c appends when
 * a live domain shrank during the dump; they are skipped.  PFN 0 is an
 * ordinary page.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/htab.h"
#include "source/core_internal.h"
#include "source/source_int.h"
#include "xen/xen_abi.h"

/*
 * Index entries hold the page index + 1, so that 0 means "no page" and the
 * index arrays start out as calloc()'s zero pages: no initialising pass.
 */
#define CORE_NO_PAGE 0u

/*
 * Page indexes are stored as uint32_t: 2^32 - 1 pages (16 TiB of guest
 * memory) is the most one core may hold.
 */
#define CORE_MAX_PAGES ((uint64_t)UINT32_MAX - 1)

/* The dense PFN index may waste this many slots beyond 2 per page. */
#define CORE_DENSE_SLACK ((uint64_t)1 << 20)

/* P2M entries a PV core backs beyond twice its pages (core_fill_info()). */
#define CORE_P2M_SLACK ((uint64_t)1 << 20)

#define CORE_HINT "the file is truncated, damaged or not an `xl dump-core` file"

struct core_sec {
	const uint8_t *data;
	uint64_t offset, size, entsize;
	unsigned index;          /* section header index, 0 = absent */
};

struct core {
	char *path;
	int fd;                  /* open until the layout is checked, then -1 */
	const uint8_t *map;      /* the whole file, PROT_READ */
	size_t size;

	bool hvm;
	uint64_t nr_pages;       /* header note xch_nr_pages */
	uint32_t nr_vcpus;       /* header note xch_nr_vcpus */
	char xen_version[32];

	struct core_sec note, prstatus, shinfo, pages, table;
	unsigned entsize;        /* 16 (.xen_p2m) or 8 (.xen_pfn) */

	/* PFN index, dense form: dense[pfn - dense_base] = page + 1 (0 = hole) */
	uint32_t *dense;
	uint64_t dense_base, dense_len;
	/* PFN index, sorted form */
	uint64_t *sorted_pfn;
	uint32_t *sorted_idx;
	size_t nr_sorted;

	/*
	 * MFN index (PV): an index set of lib/base/htab.h over the page
	 * indexes; probing compares 32-bit hash tags, so it never has to read
	 * other entries' MFNs back from the mapping; the full MFN is compared
	 * only on a tag match.
	 */
	struct htab mfn_index;
	/*
	 * M2P fast path (PV): when the domain's MFNs fall in a compact range
	 * and its PFNs fit in 32 bits, m2p_dense[mfn - m2p_base] = PFN + 1
	 * (0 = not the domain's).  One load per label instead of a hash probe
	 * plus a read of .xen_p2m: the walker labels every step with a PFN.
	 */
	uint32_t *m2p_dense;
	uint64_t m2p_base, m2p_len;

	struct xenpt_core_stats stats;
};

static const struct xenpt_source_ops core_ops;

/* ---- errors ---------------------------------------------------------- */

static struct xenpt_error *core_err(const char *path, enum xenpt_error_code code,
				    const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct xenpt_error *core_err(const char *path, enum xenpt_error_code code,
				    const char *hint, const char *fmt, ...)
{
	struct xenpt_error *err;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = xenpt_error_create(code, "core file %s: %s", path, msg);
	if (hint)
		err = xenpt_error_hint(err, "%s", hint);
	return err;
}

#define core_bad(c, ...) core_err((c)->path, XENPT_ERR_BAD_DATA, CORE_HINT, __VA_ARGS__)

/* ---- table access ----------------------------------------------------- */

static inline uint64_t core_pfn_at(const struct core *c, uint64_t i)
{
	return core_rd64(c->table.data + i * c->entsize);
}

static inline uint64_t core_mfn_at(const struct core *c, uint64_t i)
{
	return core_rd64(c->table.data + i * CORE_P2M_ENTRY_SIZE + 8);
}

static inline const uint8_t *core_page(const struct core *c, uint64_t i)
{
	return c->pages.data + i * XENPT_PAGE_SIZE;
}

/* ---- parsing ---------------------------------------------------------- */

static const char *core_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static struct xenpt_error *core_parse_ehdr(struct core *c, uint64_t *shoff, unsigned *shnum,
					   unsigned *shstrndx)
{
	const uint8_t *e = c->map;
	uint16_t type, machine, shentsize;
	uint64_t off, tab_size;

	if (c->size < CORE_EHDR_SIZE)
		return core_bad(c, "%zu bytes is too short for an ELF header (64 bytes)", c->size);
	if (memcmp(e, ELFMAG, SELFMAG) != 0)
		return core_bad(c, "no ELF magic (starts with %02x %02x %02x %02x)",
				e[0], e[1], e[2], e[3]);
	if (e[EI_CLASS] != ELFCLASS64)
		return core_bad(c, "ELF class %u, but xl dump-core files are always ELFCLASS64 (2)",
				e[EI_CLASS]);
	if (e[EI_DATA] != ELFDATA2LSB)
		return core_bad(c, "ELF data encoding %u, but x86 cores are little endian (1)",
				e[EI_DATA]);
	type = core_rd16(e + CORE_EH_TYPE);
	if (type != ET_CORE)
		return core_bad(c, "ELF type %u, but xl dump-core files are ET_CORE (4)", type);
	machine = core_rd16(e + CORE_EH_MACHINE);
	if (machine == EM_386)
		/* tools/libs/guest/xg_core_x86.h: EM_386 when guest_width is 4 */
		return core_err(c->path, XENPT_ERR_UNSUPPORTED,
				"xenpt reads cores of 64-bit guests only",
				"e_machine EM_386: this is the core of a 32-bit PV guest");
	if (machine != EM_X86_64)
		return core_bad(c, "e_machine %u, expected EM_X86_64 (62)", machine);

	off = core_rd64(e + CORE_EH_SHOFF);
	*shnum = core_rd16(e + CORE_EH_SHNUM);
	*shstrndx = core_rd16(e + CORE_EH_SHSTRNDX);
	shentsize = core_rd16(e + CORE_EH_SHENTSIZE);
	if (off == 0 || *shnum == 0)
		return core_bad(c, "no section headers (e_shoff 0x%" PRIx64 ", e_shnum %u)",
				off, *shnum);
	if (shentsize != CORE_SHDR_SIZE)
		return core_bad(c, "e_shentsize %u, expected %u (Elf64_Shdr)", shentsize,
				CORE_SHDR_SIZE);
	if (*shnum >= SHN_LORESERVE)
		return core_bad(c, "e_shnum %u is in the reserved range", *shnum);
	tab_size = (uint64_t)*shnum * CORE_SHDR_SIZE;
	if (off > c->size || tab_size > c->size - off)
		return core_bad(c, "section header table (e_shnum %u headers, 0x%" PRIx64
				" bytes at e_shoff 0x%" PRIx64 ") runs past the end of the file (0x%zx bytes)",
				*shnum, tab_size, off, c->size);
	if (*shstrndx == SHN_UNDEF || *shstrndx >= *shnum)
		return core_bad(c, "e_shstrndx %u is not a section (e_shnum %u)", *shstrndx, *shnum);
	*shoff = off;
	return NULL;
}

/* A section name from the file, made printable and short for a message. */
static const char *core_safe_name(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Check that section @i lies inside the file; fill @sec. */
static struct xenpt_error *core_sec_bounds(struct core *c, const uint8_t *sh, unsigned i,
					   const char *name, struct core_sec *sec)
{
	uint64_t off = core_rd64(sh + CORE_SH_OFFSET);
	uint64_t size = core_rd64(sh + CORE_SH_SIZE);
	char safe[40];

	if (off > c->size || size > c->size - off)
		return core_bad(c, "section %u (%s): 0x%" PRIx64 " bytes at offset 0x%" PRIx64
				" run past the end of the file (0x%zx bytes)",
				i, core_safe_name(name, safe, sizeof(safe)), size, off, c->size);
	sec->data = c->map + off;
	sec->offset = off;
	sec->size = size;
	sec->entsize = core_rd64(sh + CORE_SH_ENTSIZE);
	sec->index = i;
	return NULL;
}

static const char *core_sh_type_name(uint32_t type)
{
	switch (type) {
	case SHT_PROGBITS:
		return "SHT_PROGBITS";
	case SHT_NOTE:
		return "SHT_NOTE";
	case SHT_STRTAB:
		return "SHT_STRTAB";
	default:
		return "type";
	}
}

/*
 * The name of section @i for a message, read from the string table only if
 * that part of it is inside the file; else its type.
 */
static const char *core_name_for_message(struct core *c, const uint8_t *shdrs, unsigned i,
					 unsigned shstrndx, char *buf, size_t len)
{
	const uint8_t *st = shdrs + (uint64_t)shstrndx * CORE_SHDR_SIZE;
	const uint8_t *sh = shdrs + (uint64_t)i * CORE_SHDR_SIZE;
	uint64_t soff = core_rd64(st + CORE_SH_OFFSET), ssize = core_rd64(st + CORE_SH_SIZE);
	uint32_t name_off = core_rd32(sh + CORE_SH_NAME), type = core_rd32(sh + CORE_SH_TYPE);
	char safe[40];

	if (soff < c->size) {
		uint64_t avail = c->size - soff < ssize ? c->size - soff : ssize;
		const char *name = (const char *)c->map + soff + name_off;

		if (name_off < avail && memchr(name, '\0', avail - name_off)) {
			snprintf(buf, len, "%s", core_safe_name(name, safe, sizeof(safe)));
			return buf;
		}
	}
	if (i == shstrndx)
		snprintf(buf, len, "e_shstrndx");
	else
		snprintf(buf, len, "%s %" PRIu32 ", name unreadable: the section name table, section %u, is past the end of the file too",
			 core_sh_type_name(type), type, shstrndx);
	return buf;
}

/*
 * Before any name is read: a section that runs past the end of the file
 * (the file was cut: xl dump-core writes the name table last, so name the
 * first section the cut falls in, and how much of it is missing), and a
 * section header table that runs into a section's data (e_shnum too large).
 */
static struct xenpt_error *core_check_extents(struct core *c, uint64_t shoff, unsigned shnum,
					     unsigned shstrndx)
{
	const uint8_t *shdrs = c->map + shoff;
	uint64_t tab_end = shoff + (uint64_t)shnum * CORE_SHDR_SIZE, need = c->size;
	uint64_t cut_off = UINT64_MAX, cut_size = 0, fit_off = UINT64_MAX;
	unsigned i, cut = 0, fit = 0;
	char nb[160];

	for (i = 1; i < shnum; i++) {
		const uint8_t *sh = shdrs + (uint64_t)i * CORE_SHDR_SIZE;
		uint32_t type = core_rd32(sh + CORE_SH_TYPE);
		uint64_t off = core_rd64(sh + CORE_SH_OFFSET), size = core_rd64(sh + CORE_SH_SIZE);
		uint64_t hdr_end = shoff + (uint64_t)(i + 1) * CORE_SHDR_SIZE;

		if (type == SHT_NOBITS || type == SHT_NULL || !size)
			continue;
		if (off > c->size || size > c->size - off) {
			if (off < cut_off) {
				cut = i;
				cut_off = off;
				cut_size = size;
			}
			if (off <= UINT64_MAX - size && off + size > need)
				need = off + size;
			continue;
		}
		/* a real header precedes the data it describes; a header table
		 * reaching into that data has more entries than were written */
		if (off >= hdr_end && off < tab_end && off < fit_off) {
			fit = i;
			fit_off = off;
		}
	}
	if (cut && cut_off < c->size)
		return core_bad(c, "section %u (%s): 0x%" PRIx64 " bytes at offset 0x%" PRIx64
				" run past the end of the file (0x%zx bytes): the file ends inside it, 0x%" PRIx64
				" of its bytes are missing (0x%" PRIx64 " in all)",
				cut, core_name_for_message(c, shdrs, cut, shstrndx, nb, sizeof(nb)),
				cut_size, cut_off, c->size, cut_off + cut_size - c->size,
				need - c->size);
	if (cut)
		return core_bad(c, "section %u (%s): 0x%" PRIx64 " bytes at offset 0x%" PRIx64
				" run past the end of the file (0x%zx bytes): it starts beyond the end",
				cut, core_name_for_message(c, shdrs, cut, shstrndx, nb, sizeof(nb)),
				cut_size, cut_off, c->size);
	if (fit)
		return core_bad(c, "e_shnum %u is too large: the section header table at e_shoff 0x%" PRIx64
				" would end at 0x%" PRIx64 ", inside the data of section %u (%s) at 0x%" PRIx64
				"; at most %" PRIu64 " headers fit before it",
				shnum, shoff, tab_end, fit,
				core_name_for_message(c, shdrs, fit, shstrndx, nb, sizeof(nb)), fit_off,
				(fit_off - shoff) / CORE_SHDR_SIZE);
	return NULL;
}

static struct xenpt_error *core_parse_sections(struct core *c, uint64_t shoff, unsigned shnum,
					       unsigned shstrndx)
{
	static const struct {
		const char *name;
		uint32_t type;
		size_t offset;   /* of the struct core_sec in struct core */
	} known[] = {
		{ CORE_SEC_NOTE, SHT_NOTE, offsetof(struct core, note) },
		{ CORE_SEC_PRSTATUS, SHT_PROGBITS, offsetof(struct core, prstatus) },
		{ CORE_SEC_SHARED_INFO, SHT_PROGBITS, offsetof(struct core, shinfo) },
		{ CORE_SEC_PAGES, SHT_PROGBITS, offsetof(struct core, pages) },
		/* .xen_p2m and .xen_pfn both land in table; checked below */
		{ CORE_SEC_P2M, SHT_PROGBITS, offsetof(struct core, table) },
		{ CORE_SEC_PFN, SHT_PROGBITS, offsetof(struct core, table) },
	};
	const uint8_t *shdrs = c->map + shoff;
	struct xenpt_error *err;
	struct core_sec strtab = { 0 };
	const char *table_name = NULL;
	unsigned i, k;

	err = core_check_extents(c, shoff, shnum, shstrndx);
	if (err)
		return err;
	err = core_sec_bounds(c, shdrs + (uint64_t)shstrndx * CORE_SHDR_SIZE, shstrndx,
			      "e_shstrndx", &strtab);
	if (err)
		return err;
	if (core_rd32(shdrs + (uint64_t)shstrndx * CORE_SHDR_SIZE + CORE_SH_TYPE) != SHT_STRTAB)
		return core_bad(c, "section %u (e_shstrndx) is not a string table", shstrndx);

	for (i = 1; i < shnum; i++) {
		const uint8_t *sh = shdrs + (uint64_t)i * CORE_SHDR_SIZE;
		uint32_t name_off = core_rd32(sh + CORE_SH_NAME);
		uint32_t type = core_rd32(sh + CORE_SH_TYPE);
		const char *name;
		struct core_sec sec;

		if (name_off >= strtab.size)
			return core_bad(c, "section %u: name offset 0x%" PRIx32 " is outside "
					".shstrtab (0x%" PRIx64 " bytes)", i, name_off, strtab.size);
		name = (const char *)strtab.data + name_off;
		if (!memchr(name, '\0', strtab.size - name_off))
			return core_bad(c, "section %u: name at .shstrtab offset 0x%" PRIx32
					" is not NUL-terminated inside .shstrtab", i, name_off);
		if (type == SHT_NOBITS || type == SHT_NULL)
			continue;
		err = core_sec_bounds(c, sh, i, name, &sec);
		if (err)
			return err;
		for (k = 0; k < XENPT_ARRAY_SIZE(known); k++) {
			struct core_sec *dst;

			if (strcmp(name, known[k].name) != 0)
				continue;
			if (type != known[k].type)
				return core_bad(c, "section %s has type %" PRIu32 ", expected %" PRIu32,
						name, type, known[k].type);
			dst = (struct core_sec *)((char *)c + known[k].offset);
			if (dst == &c->table && dst->index && strcmp(name, table_name) != 0)
				return core_bad(c, "both %s (section %u) and %s (section %u)",
						table_name, dst->index, name, i);
			if (dst->index)
				return core_bad(c, "two %s sections (%u and %u)", name,
						dst->index, i);
			*dst = sec;
			if (dst == &c->table)
				table_name = known[k].name;
			break;
		}
	}
	if (!c->note.index)
		return core_bad(c, "no %s section", CORE_SEC_NOTE);
	if (!c->prstatus.index)
		return core_bad(c, "no %s section", CORE_SEC_PRSTATUS);
	if (!c->pages.index)
		return core_bad(c, "no %s section", CORE_SEC_PAGES);
	if (!c->table.index)
		return core_bad(c, "no %s or %s section", CORE_SEC_P2M, CORE_SEC_PFN);
	c->entsize = strcmp(table_name, CORE_SEC_P2M) == 0 ? CORE_P2M_ENTRY_SIZE
							   : CORE_PFN_ENTRY_SIZE;
	return NULL;
}

/* Walk .note.Xen (ELF notes: namesz, descsz, type, name, desc; 4-byte padded). */
static struct xenpt_error *core_parse_notes(struct core *c)
{
	const uint8_t *p = c->note.data;
	uint64_t size = c->note.size, off = 0;
	bool have_header = false, have_version = false, have_format = false;
	uint64_t magic = 0, nr_vcpus = 0, page_size = 0;

	c->stats.format_version = UINT64_MAX;
	while (off < size) {
		uint64_t namesz, descsz, name_off, desc_off, desc_end;
		uint32_t type;
		const uint8_t *desc;

		if (size - off < CORE_NOTE_HDR_SIZE)
			return core_bad(c, "%s: note at offset 0x%" PRIx64 ": %" PRIu64
					" bytes left, too few for a note header (12)",
					CORE_SEC_NOTE, off, size - off);
		namesz = core_rd32(p + off);
		descsz = core_rd32(p + off + 4);
		type = core_rd32(p + off + 8);
		/* off < size <= file size < 2^63, namesz, descsz < 2^32: no overflow */
		name_off = off + CORE_NOTE_HDR_SIZE;
		desc_off = (name_off + namesz + 3) & ~(uint64_t)3;
		desc_end = desc_off + descsz;
		if (desc_off > size || descsz > size - desc_off)
			return core_bad(c, "%s: note at offset 0x%" PRIx64 " (type 0x%" PRIx32
					", namesz %" PRIu64 ", descsz %" PRIu64
					") runs past the end of the section (0x%" PRIx64 " bytes)",
					CORE_SEC_NOTE, off, type, namesz, descsz, size);
		desc = p + desc_off;
		off = (desc_end + 3) & ~(uint64_t)3;
		if (off > size)
			off = size;    /* unpadded last note: fine */

		if (namesz != CORE_NOTE_NAMESZ ||
		    memcmp(p + name_off, CORE_NOTE_NAME, CORE_NOTE_NAMESZ) != 0)
			continue;  /* not a "Xen" note: not ours */

		switch (type) {
		case XEN_ELFNOTE_DUMPCORE_NONE:
			break;
		case XEN_ELFNOTE_DUMPCORE_HEADER:
			if (have_header)
				return core_bad(c, "%s: two header notes", CORE_SEC_NOTE);
			if (descsz != CORE_HEADER_DESC_SIZE)
				return core_bad(c, "%s: header note has %" PRIu64 " bytes, expected %u",
						CORE_SEC_NOTE, descsz, CORE_HEADER_DESC_SIZE);
			magic = core_rd64(desc);
			nr_vcpus = core_rd64(desc + 8);
			c->nr_pages = core_rd64(desc + 16);
			page_size = core_rd64(desc + 24);
			have_header = true;
			break;
		case XEN_ELFNOTE_DUMPCORE_XEN_VERSION: {
			char extra[CORE_XENVER_EXTRA_LEN + 1];

			if (have_version)
				return core_bad(c, "%s: two Xen version notes", CORE_SEC_NOTE);
			if (descsz < CORE_XENVER_EXTRA + CORE_XENVER_EXTRA_LEN)
				return core_bad(c, "%s: Xen version note has %" PRIu64
						" bytes, expected %u", CORE_SEC_NOTE, descsz,
						CORE_XENVER_DESC_SIZE);
			memcpy(extra, desc + CORE_XENVER_EXTRA, CORE_XENVER_EXTRA_LEN);
			extra[CORE_XENVER_EXTRA_LEN] = '\0';
			for (char *q = extra; *q; q++)
				if (*q < 0x20 || *q > 0x7e)
					*q = '?';
			snprintf(c->xen_version, sizeof(c->xen_version), "%" PRIu64 ".%" PRIu64 "%s",
				 core_rd64(desc + CORE_XENVER_MAJOR) & 0xffff,
				 core_rd64(desc + CORE_XENVER_MINOR) & 0xffff, extra);
			have_version = true;
			break;
		}
		case XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION:
			if (have_format)
				return core_bad(c, "%s: two format version notes", CORE_SEC_NOTE);
			if (descsz != CORE_FORMAT_DESC_SIZE)
				return core_bad(c, "%s: format version note has %" PRIu64
						" bytes, expected %u", CORE_SEC_NOTE, descsz,
						CORE_FORMAT_DESC_SIZE);
			c->stats.format_version = core_rd64(desc);
			have_format = true;
			break;
		default:
			break;   /* a newer minor version may add notes */
		}
	}

	if (!have_header)
		return core_bad(c, "%s has no dump-core header note (type 0x%x)", CORE_SEC_NOTE,
				XEN_ELFNOTE_DUMPCORE_HEADER);
	if (have_format && c->stats.format_version >> 32 != 0)
		return core_err(c->path, XENPT_ERR_UNSUPPORTED,
				"xenpt reads format 0.x (docs/misc/dump-core-format.txt)",
				"dump-core format version %" PRIu64 ".%" PRIu64,
				c->stats.format_version >> 32,
				c->stats.format_version & 0xffffffff);
	if (magic == XEN_DUMPCORE_MAGIC_HVM)
		c->hvm = true;
	else if (magic != XEN_DUMPCORE_MAGIC_PV)
		return core_bad(c, "header note magic 0x%" PRIx64 " is neither PV (0x%x) nor HVM (0x%x)",
				magic, XEN_DUMPCORE_MAGIC_PV, XEN_DUMPCORE_MAGIC_HVM);
	if (page_size != XENPT_PAGE_SIZE)
		return core_bad(c, "header note page size %" PRIu64 ", expected 4096", page_size);
	if (nr_vcpus == 0)
		return core_bad(c, "header note says 0 vCPUs (xg_core.c never writes that)");
	if (nr_vcpus > UINT64_MAX / XEN_VGC_SIZE)
		return core_bad(c, "section %s: size 0x%" PRIx64 " but the header note's %" PRIu64
				" vCPUs need %u bytes each (more than 2^64 in all)",
				CORE_SEC_PRSTATUS, c->prstatus.size, nr_vcpus, XEN_VGC_SIZE);
	if (c->prstatus.size != nr_vcpus * XEN_VGC_SIZE)
		return core_bad(c, "section %s: size 0x%" PRIx64 " but %" PRIu64 " vCPUs of %u bytes"
				" need 0x%" PRIx64, CORE_SEC_PRSTATUS, c->prstatus.size, nr_vcpus,
				XEN_VGC_SIZE, nr_vcpus * XEN_VGC_SIZE);
	c->nr_vcpus = (uint32_t)nr_vcpus;  /* < file size / 5168 */
	return NULL;   /* without a version note, xen_version stays "" */
}

/* "size 0x.. but N pages need 0x.." with N * @unit possibly overflowing */
static struct xenpt_error *core_check_size(struct core *c, const struct core_sec *sec,
					   const char *name, uint64_t unit)
{
	if (c->nr_pages <= UINT64_MAX / unit && sec->size == c->nr_pages * unit)
		return NULL;
	if (c->nr_pages <= UINT64_MAX / unit)
		return core_bad(c, "section %s: size 0x%" PRIx64 " but %" PRIu64
				" pages need 0x%" PRIx64, name, sec->size, c->nr_pages,
				c->nr_pages * unit);
	return core_bad(c, "section %s: size 0x%" PRIx64 " but the header note's %" PRIu64
			" pages need %" PRIu64 " bytes each (more than 2^64 in all)",
			name, sec->size, c->nr_pages, unit);
}

static struct xenpt_error *core_check_layout(struct core *c)
{
	struct xenpt_error *err;
	bool table_is_p2m = c->entsize == CORE_P2M_ENTRY_SIZE;

	if (c->prstatus.entsize != XEN_VGC_SIZE)
		return core_bad(c, "section %s: sh_entsize %" PRIu64 ", but the x86_64 "
				"vcpu_guest_context is %u bytes", CORE_SEC_PRSTATUS,
				c->prstatus.entsize, XEN_VGC_SIZE);
	if (c->shinfo.index && c->shinfo.size != XENPT_PAGE_SIZE)
		return core_bad(c, "section %s: size 0x%" PRIx64 ", expected one page (0x1000)",
				CORE_SEC_SHARED_INFO, c->shinfo.size);
	if (table_is_p2m == c->hvm)
		return core_bad(c, "%s core (header magic) with a %s section; %s cores have %s",
				c->hvm ? "HVM" : "PV", table_is_p2m ? CORE_SEC_P2M : CORE_SEC_PFN,
				c->hvm ? "HVM" : "PV", c->hvm ? CORE_SEC_PFN : CORE_SEC_P2M);
	err = core_check_size(c, &c->pages, CORE_SEC_PAGES, XENPT_PAGE_SIZE);
	if (err)
		return err;
	if (c->pages.offset % XENPT_PAGE_SIZE)
		return core_bad(c, "section %s at offset 0x%" PRIx64 " is not page aligned",
				CORE_SEC_PAGES, c->pages.offset);
	err = core_check_size(c, &c->table, c->hvm ? CORE_SEC_PFN : CORE_SEC_P2M, c->entsize);
	if (err)
		return err;
	if (c->nr_pages > CORE_MAX_PAGES)
		return core_err(c->path, XENPT_ERR_UNSUPPORTED, NULL,
				"%" PRIu64 " pages: xenpt reads cores of at most %" PRIu64 " pages",
				c->nr_pages, CORE_MAX_PAGES);
	return NULL;
}

/*
 * Memory follows what the file holds, not what its headers claim: the
 * indexes cost about 10 bytes per page listed in .xen_p2m / .xen_pfn, and
 * building them reads the whole table.  A sparse file can claim 2^28
 * pages in a few KiB on disk; its table is then a hole, which reads as
 * zeros at the price of page-cache memory.  The table must be stored:
 * no hole in its range (SEEK_HOLE; a file system that cannot tell reports
 * no holes, and the check passes).  .xen_pages may have holes: a page of
 * zeros needs no disk.
 */
static struct xenpt_error *core_check_stored(struct core *c)
{
	const struct core_sec *t = &c->table;
	off_t hole;

	if (c->fd < 0 || !t->size)
		return NULL;
	hole = lseek(c->fd, (off_t)t->offset, SEEK_HOLE);
	if (hole < 0)
		return NULL;   /* not supported here: nothing known */
	if ((uint64_t)hole >= t->offset + t->size)
		return NULL;
	return core_bad(c, "section %s (0x%" PRIx64 " bytes at offset 0x%" PRIx64 " for the header "
			"note's %" PRIu64 " pages) is not stored: a hole at offset 0x%jx (a sparse "
			"file claiming pages it does not hold)",
			c->hvm ? CORE_SEC_PFN : CORE_SEC_P2M, t->size, t->offset, c->nr_pages,
			(intmax_t)hole);
}

/* ---- indexes ---------------------------------------------------------- */

struct core_sort_ent {
	uint64_t pfn;
	uint64_t idx;
};

static int core_sort_cmp(const void *a, const void *b)
{
	const struct core_sort_ent *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct xenpt_error *core_dup_pfn(struct core *c, uint64_t pfn, uint64_t a, uint64_t b)
{
	return core_bad(c, "PFN 0x%" PRIx64 " is listed twice in %s (pages %" PRIu64 " and %"
			PRIu64 ")", pfn, c->hvm ? CORE_SEC_PFN : CORE_SEC_P2M, a, b);
}

static struct xenpt_error *core_index_pfns(struct core *c)
{
	struct xenpt_core_stats *st = &c->stats;
	struct core_sort_ent *tmp = NULL;
	struct xenpt_error *err = NULL;
	uint64_t i, range, prev = 0;
	bool have_prev = false;
	size_t n;

	st->min_pfn = UINT64_MAX;
	st->max_pfn = 0;
	st->pfn_sorted = true;
	for (i = 0; i < c->nr_pages; i++) {
		uint64_t pfn = core_pfn_at(c, i);

		if (pfn == CORE_INVALID_PFN) {
			st->nr_padding++;
			continue;
		}
		if (pfn < st->min_pfn)
			st->min_pfn = pfn;
		if (pfn > st->max_pfn)
			st->max_pfn = pfn;
		if (have_prev && pfn <= prev)
			st->pfn_sorted = false;
		prev = pfn;
		have_prev = true;
	}
	st->nr_valid = c->nr_pages - st->nr_padding;
	if (!st->nr_valid) {
		st->max_pfn = UINT64_MAX;
		return NULL;
	}

	range = st->max_pfn - st->min_pfn + 1;  /* max_pfn <= 2^64 - 2 */
	if (range <= 2 * st->nr_valid + CORE_DENSE_SLACK && range <= SIZE_MAX / sizeof(uint32_t)) {
		c->dense = xenpt_zalloc_huge(range, sizeof(*c->dense));
		if (!c->dense)
			return xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: no memory for "
						  "the PFN index (%" PRIu64 " entries)", c->path, range);
		c->dense_base = st->min_pfn;
		c->dense_len = range;
		st->pfn_index_dense = true;
		for (i = 0; i < c->nr_pages; i++) {
			uint64_t pfn = core_pfn_at(c, i);
			uint32_t *slot;

			if (pfn == CORE_INVALID_PFN)
				continue;
			slot = &c->dense[pfn - c->dense_base];
			if (*slot != CORE_NO_PAGE)
				return core_dup_pfn(c, pfn, *slot - 1, i);
			*slot = (uint32_t)i + 1;
		}
		return NULL;
	}

	/* Sparse: sorted arrays, bisection. */
	n = (size_t)st->nr_valid;
	c->sorted_pfn = malloc(n * sizeof(*c->sorted_pfn));
	c->sorted_idx = malloc(n * sizeof(*c->sorted_idx));
	if (!st->pfn_sorted)
		tmp = malloc(n * sizeof(*tmp));
	if (!c->sorted_pfn || !c->sorted_idx || (!st->pfn_sorted && !tmp)) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: no memory for the PFN "
					 "index (%zu entries)", c->path, n);
		goto out;
	}
	c->nr_sorted = n;
	if (st->pfn_sorted) {
		size_t j = 0;

		for (i = 0; i < c->nr_pages; i++) {
			uint64_t pfn = core_pfn_at(c, i);

			if (pfn == CORE_INVALID_PFN)
				continue;
			c->sorted_pfn[j] = pfn;
			c->sorted_idx[j++] = (uint32_t)i;
		}
		goto out;
	}
	{
		size_t j = 0;

		for (i = 0; i < c->nr_pages; i++) {
			uint64_t pfn = core_pfn_at(c, i);

			if (pfn == CORE_INVALID_PFN)
				continue;
			tmp[j].pfn = pfn;
			tmp[j++].idx = i;
		}
		qsort(tmp, n, sizeof(*tmp), core_sort_cmp);
		for (j = 0; j < n; j++) {
			if (j && tmp[j].pfn == tmp[j - 1].pfn) {
				err = core_dup_pfn(c, tmp[j].pfn, tmp[j - 1].idx, tmp[j].idx);
				goto out;
			}
			c->sorted_pfn[j] = tmp[j].pfn;
			c->sorted_idx[j] = (uint32_t)tmp[j].idx;
		}
	}
out:
	free(tmp);
	return err;
}

/*
 * The MFNs come from an untrusted file: with a fixed hash, a crafted core
 * could make every MFN collide and the open take O(n^2).  The library's
 * table is keyed with a per-process secret and bounds every probe
 * (lib/base/htab.h).
 */
static uint64_t core_mfn_hash_of(const struct htab *h, void *ctx, uint32_t idx)
{
	const struct core *c = ctx;

	return htab_hash(&h->seed, core_mfn_at(c, idx));
}

/* How far ahead the index build prefetches hash slots. */
#define CORE_PREFETCH 16

static bool core_lookup_mfn(const struct core *c, uint64_t mfn, uint64_t *idx);

/*
 * Build the dense M2P when it is small: at most 4 slots per page (or 64K
 * slots), at most 2^28 slots (1 GiB), and every PFN below 2^32 - 1.  An
 * allocation failure just leaves the hash as the only path.
 */
static void core_index_m2p_dense(struct core *c)
{
	uint64_t i, lo = UINT64_MAX, hi = 0, span, limit;

	for (i = 0; i < c->nr_pages; i++) {
		uint64_t pfn = core_pfn_at(c, i), mfn = core_mfn_at(c, i);

		if (pfn == CORE_INVALID_PFN || mfn == XENPT_INVALID_FRAME)
			continue;
		if (pfn >= UINT32_MAX)
			return;
		if (mfn < lo)
			lo = mfn;
		if (mfn > hi)
			hi = mfn;
	}
	if (lo > hi)
		return;
	span = hi - lo + 1;
	limit = c->stats.nr_valid * 4 > 0x10000 ? c->stats.nr_valid * 4 : 0x10000;
	if (span > limit || span > (1ull << 28))
		return;
	c->m2p_dense = calloc(span, sizeof(*c->m2p_dense));
	if (!c->m2p_dense)
		return;
	c->m2p_base = lo;
	c->m2p_len = span;
	/* through the hash, so that duplicates resolve exactly as there (first wins) */
	for (i = 0; i < c->nr_pages; i++) {
		uint64_t pfn = core_pfn_at(c, i), mfn = core_mfn_at(c, i), idx;

		if (pfn == CORE_INVALID_PFN || mfn == XENPT_INVALID_FRAME)
			continue;
		if (core_lookup_mfn(c, mfn, &idx) && idx == i)
			c->m2p_dense[mfn - lo] = (uint32_t)(pfn + 1);
	}
}

static struct xenpt_error *core_index_mfns(struct core *c)
{
	uint64_t i, ahead[CORE_PREFETCH];   /* hashes of entries i .. i + CORE_PREFETCH - 1 */
	uint64_t k1;

	c->stats.first_dup_mfn = XENPT_INVALID_FRAME;
	if (c->hvm)
		return NULL;
	/*
	 * Load factor 0.7: probing compares tags within one or two cache lines,
	 * so a fuller table costs little, and the longest probe of 16.7M random
	 * MFNs stays well below the table's bound (about 150 of 232 slots).
	 */
	if (!htab_init(&c->mfn_index, c->stats.nr_valid, 70))
		return xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: no memory for the MFN "
					  "index (%" PRIu64 " pages)", c->path, c->stats.nr_valid);
	k1 = c->mfn_index.seed.k1;
	for (i = 0; i < CORE_PREFETCH && i < c->nr_pages; i++)
		ahead[i] = htab_hash(&c->mfn_index.seed, core_mfn_at(c, i));
	for (i = 0; i < c->nr_pages; i++) {
		uint64_t mfn, hv = ahead[i % CORE_PREFETCH];
		struct htab_probe p;
		uint32_t j;

		/* The slots are written in random order: fetch them early. */
		if (i + CORE_PREFETCH < c->nr_pages) {
			uint64_t next = htab_hash(&c->mfn_index.seed, core_mfn_at(c, i + CORE_PREFETCH));

			ahead[i % CORE_PREFETCH] = next;
			htab_prefetch(&c->mfn_index, next);
		}
		if (core_pfn_at(c, i) == CORE_INVALID_PFN)
			continue;
		mfn = core_mfn_at(c, i);
		if (mfn == XENPT_INVALID_FRAME) {
			c->stats.nr_invalid_mfns++;
			continue;
		}
		for (j = htab_first(&c->mfn_index, hv, &p); j != HTAB_NONE;
		     j = htab_next(&c->mfn_index, &p))
			if (core_mfn_at(c, j) == mfn)
				break;
		if (j != HTAB_NONE) {
			/* Kept by the first entry; a later p2m --check reports it. */
			if (!c->stats.nr_dup_mfns)
				c->stats.first_dup_mfn = mfn;
			c->stats.nr_dup_mfns++;
			continue;
		}
		if (!htab_insert(&c->mfn_index, hv, (uint32_t)i, core_mfn_hash_of, c))
			return xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: no memory for the "
						  "MFN index", c->path);
		if (c->mfn_index.seed.k1 != k1) {
			uint64_t k;

			/* the table drew a new secret (htab.h, the safety net): rehash ahead */
			k1 = c->mfn_index.seed.k1;
			for (k = i + 1; k < i + 1 + CORE_PREFETCH && k < c->nr_pages; k++)
				ahead[k % CORE_PREFETCH] = htab_hash(&c->mfn_index.seed, core_mfn_at(c, k));
		}
	}
	core_index_m2p_dense(c);
	return NULL;
}

static bool core_lookup_pfn(const struct core *c, uint64_t pfn, uint64_t *idx)
{
	if (c->dense) {
		uint64_t rel = pfn - c->dense_base;   /* wraps for pfn < base */

		if (rel >= c->dense_len || c->dense[rel] == CORE_NO_PAGE)
			return false;
		*idx = c->dense[rel] - 1;
		return true;
	}
	if (c->nr_sorted) {
		size_t lo = 0, hi = c->nr_sorted;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->sorted_pfn[mid] < pfn)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->nr_sorted && c->sorted_pfn[lo] == pfn) {
			*idx = c->sorted_idx[lo];
			return true;
		}
	}
	return false;
}

static bool core_lookup_mfn(const struct core *c, uint64_t mfn, uint64_t *idx)
{
	struct htab_probe p;
	uint32_t j;

	if (mfn == XENPT_INVALID_FRAME)
		return false;
	for (j = htab_first(&c->mfn_index, htab_hash(&c->mfn_index.seed, mfn), &p); j != HTAB_NONE;
	     j = htab_next(&c->mfn_index, &p))
		if (core_mfn_at(c, j) == mfn) {
			*idx = j;
			return true;
		}
	return false;
}

/* ---- ops ---------------------------------------------------------------- */

static struct xenpt_error *core_get_frames(struct xenpt_source *src, enum xenpt_space space,
					   const uint64_t *frames, size_t n,
					   const uint8_t **pages, int *errs, uint8_t *scratch)
{
	const struct core *c = src->priv;
	size_t i;

	(void)scratch;   /* pages point straight into the mapping */
	if (space != XENPT_SPACE_MFN && space != XENPT_SPACE_GFN)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: unknown frame "
					  "space %d", c->path, (int)space);
	if (space == XENPT_SPACE_MFN && c->hvm)
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					"core file %s: an HVM core has no machine frame numbers",
					c->path), "read frames by GFN");
	for (i = 0; i < n; i++) {
		uint64_t idx;
		bool found = space == XENPT_SPACE_MFN ? core_lookup_mfn(c, frames[i], &idx)
						       : core_lookup_pfn(c, frames[i], &idx);

		if (found) {
			pages[i] = core_page(c, idx);
			errs[i] = 0;
		} else {
			pages[i] = NULL;
			errs[i] = ENOENT;
		}
	}
	return NULL;
}

static struct xenpt_error *core_vcpu(struct xenpt_source *src, uint32_t id,
				     struct xenpt_vcpu *ret)
{
	const struct core *c = src->priv;
	uint8_t raw[XEN_VGC_SIZE];

	/*
	 * xg_core.c stores only the vCPUs whose getvcpucontext succeeded, packed,
	 * and records no vCPU ids: the entry's index in .xen_prstatus is the only
	 * identity the file offers, so "vCPU N" of a core means entry N.
	 */
	if (id >= c->nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "core file %s: no vCPU %" PRIu32
					  " (the core holds %" PRIu32 " vCPU context%s)", c->path,
					  id, c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s");
	/* Copied so the decoder never sees a misaligned pointer into the map. */
	memcpy(raw, c->prstatus.data + (uint64_t)id * XEN_VGC_SIZE, sizeof(raw));
	xenpt_abi_decode_vcpu(raw, id, ret);
	return NULL;
}

static struct xenpt_error *core_p2m(struct xenpt_source *src, const uint64_t *gfns, size_t n,
				    uint64_t *mfns)
{
	const struct core *c = src->priv;
	size_t i;

	if (c->hvm)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "core file %s: an HVM core has "
					  "no P2M (.xen_pfn lists GFNs only)", c->path);
	for (i = 0; i < n; i++) {
		uint64_t idx;

		mfns[i] = core_lookup_pfn(c, gfns[i], &idx) ? core_mfn_at(c, idx)
							     : XENPT_INVALID_FRAME;
	}
	return NULL;
}

static struct xenpt_error *core_m2p(struct xenpt_source *src, const uint64_t *mfns, size_t n,
				    uint64_t *gfns)
{
	const struct core *c = src->priv;
	size_t i;

	if (c->hvm)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "core file %s: an HVM core has "
					  "no M2P", c->path);
	if (c->m2p_dense) {
		for (i = 0; i < n; i++) {
			uint64_t rel = mfns[i] - c->m2p_base;   /* wraps below the base */

			gfns[i] = rel < c->m2p_len && c->m2p_dense[rel]
					  ? (uint64_t)c->m2p_dense[rel] - 1 : XENPT_INVALID_FRAME;
		}
		return NULL;
	}
	for (i = 0; i < n; i++) {
		uint64_t idx;

		gfns[i] = core_lookup_mfn(c, mfns[i], &idx) ? core_pfn_at(c, idx)
							    : XENPT_INVALID_FRAME;
	}
	return NULL;
}

static struct xenpt_error *core_shared_info(struct xenpt_source *src, uint8_t *page)
{
	const struct core *c = src->priv;

	if (!c->shinfo.index)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "core file %s has no %s section",
					  c->path, CORE_SEC_SHARED_INFO);
	memcpy(page, c->shinfo.data, XENPT_PAGE_SIZE);
	return NULL;
}

static const char *core_frame_strerror(const struct xenpt_source *src, int err)
{
	(void)src;
	return err == ENOENT ? "frame not in the core file" : NULL;
}

static void core_free(struct core *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->map)
		munmap((void *)c->map, c->size);
	free(c->dense);
	free(c->sorted_pfn);
	free(c->sorted_idx);
	htab_free(&c->mfn_index);
	free(c->m2p_dense);
	free(c->path);
	free(c);
}

static void core_close(struct xenpt_source *src)
{
	core_free(src->priv);
	src->priv = NULL;
}

static const struct xenpt_source_ops core_ops = {
	.name = "core",
	.get_frames = core_get_frames,
	.vcpu = core_vcpu,
	.p2m = core_p2m,
	.m2p = core_m2p,
	.shared_info = core_shared_info,
	.frame_strerror = core_frame_strerror,
	.close = core_close,
};

/* ---- open ----------------------------------------------------------- */

static struct xenpt_error *core_map(struct core *c)
{
	struct xenpt_error *err = NULL;
	struct stat st;
	void *map;
	int fd;

	/* O_NONBLOCK: a FIFO must not hang the open; it is rejected below. */
	fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return xenpt_error_create(XENPT_ERR_NOT_FOUND,
						  "core file %s: no such file", c->path);
		return xenpt_error_os(errno, "core file %s: cannot open", c->path);
	}
	if (fstat(fd, &st) < 0) {
		err = xenpt_error_os(errno, "core file %s: cannot stat", c->path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = core_err(c->path, XENPT_ERR_BAD_DATA, "give the path of an `xl dump-core` file",
			       "is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = core_err(c->path, XENPT_ERR_BAD_DATA, "give the path of an `xl dump-core` file",
			       "not a regular file");
		goto out;
	}
	if (st.st_size == 0) {
		err = core_bad(c, "empty file (0 bytes)");
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		err = core_err(c->path, XENPT_ERR_UNSUPPORTED, NULL,
			       "%jd bytes do not fit the address space", (intmax_t)st.st_size);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = xenpt_error_os(errno, "core file %s: cannot map %jd bytes", c->path,
				     (intmax_t)st.st_size);
		goto out;
	}
	c->map = map;
	c->size = (size_t)st.st_size;
	c->fd = fd;   /* core_check_stored() asks it where the holes are */
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return err;
}

static void core_fill_info(struct xenpt_source *src, const struct core *c)
{
	struct xenpt_domain_info *info = &src->info;
	const struct xenpt_core_stats *st = &c->stats;
	uint32_t i;

	src->caps = XENPT_CAP_VCPU | XENPT_CAP_GFN_FRAMES | XENPT_CAP_STABLE;
	src->immutable = true;   /* a read-only mapping of a file: labels may be memoized */
	if (!c->hvm)
		src->caps |= XENPT_CAP_P2M | XENPT_CAP_M2P | XENPT_CAP_MFN_FRAMES;
	if (c->shinfo.index)
		src->caps |= XENPT_CAP_SHARED_INFO;
	snprintf(src->desc, sizeof(src->desc), "core file %s", c->path);

	memset(info, 0, sizeof(*info));
	/* The format records neither a domain id nor a name. */
	info->domid = 0;
	snprintf(info->name, sizeof(info->name), "%s", core_basename(c->path));
	info->hvm = c->hvm;
	info->guest_width = 8;
	/* HVM: left 0, the front end derives it from vCPU 0's control registers. */
	info->pt_levels = c->hvm ? 0 : 4;
	info->tot_pages = st->nr_valid;
	info->nr_vcpus = c->nr_vcpus;
	for (i = 0; i < c->nr_vcpus; i++) {
		uint64_t flags = core_rd64(c->prstatus.data + (uint64_t)i * XEN_VGC_SIZE +
					   XEN_VGC_FLAGS);

		if (flags & XEN_VGCF_ONLINE)
			info->nr_online_vcpus++;
	}
	info->shared_info_frame = XENPT_INVALID_FRAME;
	info->nr_frames = c->nr_pages;
	info->max_gfn = st->nr_valid ? st->max_pfn : 0;
	info->p2m_size = st->nr_valid ? st->max_pfn + 1 : 0;
	snprintf(info->p2m_size_from, sizeof(info->p2m_size_from), "the highest PFN in %s + 1",
		 c->entsize == CORE_P2M_ENTRY_SIZE ? CORE_SEC_P2M : CORE_SEC_PFN);
	if (!c->hvm) {
		/*
		 * What the core can back: the entries its .xen_p2m lists, and
		 * trailing holes up to twice its pages plus 2^20 entries (a
		 * ballooned guest).  Beyond that a P2M size, whether from
		 * shared_info's arch.max_pfn or from a listed PFN, is a claim
		 * nothing in the file supports; scanning it would cost time
		 * the file does not pay for.  xenpt_p2m_size_claimed()
		 * reports the claim that was not taken.
		 */
		uint64_t cap = 2 * st->nr_valid + CORE_P2M_SLACK;

		if (c->shinfo.index) {
			/* arch.max_pfn is the number of P2M entries (xen-verified.md, section 1). */
			uint64_t max_pfn = core_rd64(c->shinfo.data + XEN_SHINFO_ARCH +
						     XEN_ARCH_SHINFO_MAX_PFN);

			/* a claim beyond the cap is not taken at all: the file backs no part of it */
			if (max_pfn <= cap && max_pfn >= info->p2m_size && max_pfn) {
				info->p2m_size = max_pfn;
				snprintf(info->p2m_size_from, sizeof(info->p2m_size_from),
					 "shared_info arch.max_pfn");
			}
		}
		if (info->p2m_size > cap) {
			info->p2m_size = cap;
			snprintf(info->p2m_size_from, sizeof(info->p2m_size_from),
				 "the cap: 2 x the core's pages + 0x%" PRIx64, CORE_P2M_SLACK);
		}
	}
	snprintf(info->xen_version, sizeof(info->xen_version), "%s", c->xen_version);
}

struct xenpt_error *xenpt_core_open(const char *path, struct xenpt_source **ret)
{
	struct xenpt_error *err = NULL;
	struct xenpt_source *src;
	struct core *c = NULL;
	uint64_t shoff = 0;
	unsigned shnum = 0, shstrndx = 0;

	if (!path || !*path || !ret)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file: no path given");
	c = calloc(1, sizeof(*c));
	if (c) {
		c->fd = -1;
		c->path = strdup(path);
	}
	if (!c || !c->path) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: out of memory", path);
		goto out;
	}
	err = core_map(c);
	if (err)
		goto out;
	err = core_parse_ehdr(c, &shoff, &shnum, &shstrndx);
	if (err)
		goto out;
	err = core_parse_sections(c, shoff, shnum, shstrndx);
	if (err)
		goto out;
	err = core_parse_notes(c);
	if (err)
		goto out;
	err = core_check_layout(c);
	if (!err)
		err = core_check_stored(c);
	close(c->fd);
	c->fd = -1;
	if (err)
		goto out;
	c->stats.hvm = c->hvm;
	c->stats.nr_pages = c->nr_pages;
	err = core_index_pfns(c);
	if (err)
		goto out;
	err = core_index_mfns(c);
	if (err)
		goto out;

	src = xenpt_source_new(&core_ops, c);
	if (!src) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: out of memory", path);
		goto out;
	}
	core_fill_info(src, c);
	c = NULL;   /* owned by src now */
	*ret = src;
out:
	core_free(c);
	return err;
}

struct xenpt_error *xenpt_core_stats(const struct xenpt_source *src,
				     struct xenpt_core_stats *ret)
{
	const struct core *c;

	if (!src || src->ops != &core_ops || !src->priv)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s is not a core file",
					  src ? xenpt_source_describe(src) : "(no source)");
	c = src->priv;
	*ret = c->stats;
	return NULL;
}
