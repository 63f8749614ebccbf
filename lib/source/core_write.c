/* SPDX-License-Identifier: MIT */
/*
 * Writing `xl dump-core` files in the layout tools/libs/guest/xg_core.c
 * produces (xc_domain_dumpcore_via_callback), so that our files and Xen's
 * are interchangeable:
 *
 *   0x0     ELF header (ELF64, ET_CORE, EM_X86_64, no program headers)
 *   0x40    section headers: NULL, .shstrtab, .note.Xen, .xen_prstatus,
 *           [.xen_shared_info], .xen_pages, .xen_p2m | .xen_pfn
 *   ...     .note.Xen: none, header, Xen version, format version (0.1)
 *   ...     .xen_prstatus: vcpu_guest_context[nr_vcpus]
 *   ...     .xen_shared_info (optional, one page)
 *   (pad)   .xen_pages at the next page boundary, nr_pages * 4096
 *   ...     .xen_p2m {u64 pfn, u64 mfn}[nr_pages] or .xen_pfn u64[nr_pages]
 *   ...     .shstrtab
 *
 * All-zero pages are not written: they stay holes, so a mostly empty 64 GiB
 * guest costs only the disk space of its non-zero pages.  Non-zero pages are
 * gathered into 4 MiB chunks, one pwrite() per run of consecutive pages.
 * The file is written under a temporary name in the target directory and
 * renamed into place only when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenpt/core.h>

#include "source/core_internal.h"
#include "base/base.h"
#include "xen/xen_abi.h"

#define CORE_CHUNK_PAGES   1024u       /* 4 MiB per pwrite() */
#define CORE_TABLE_CHUNK   65536u      /* table entries per pwrite() */
#define CORE_EM_X86_64     62u
#define CORE_ET_CORE       4u
#define CORE_SHT_PROGBITS  1u
#define CORE_SHT_STRTAB    3u
#define CORE_SHT_NOTE      7u
/*
 * platform_parameters.virt_start as XENVER_platform_parameters reports it to
 * a 64-bit toolstack: HYPERVISOR_VIRT_START of x86_64 Xen
 * (xen/include/public/arch-x86/xen-x86_64.h).  The real fixture has it too.
 */
#define CORE_XEN_VIRT_START UINT64_C(0xffff800000000000)

struct core_writer {
	const char *path;
	int fd;
	uint8_t *chunk;          /* CORE_CHUNK_PAGES pages */
	uint64_t chunk_first;    /* page index of chunk[0] */
	unsigned chunk_n;        /* pages in chunk */
	uint64_t pages_off;
};

struct core_layout {
	unsigned nsec;
	uint64_t note_off, note_size;
	uint64_t prs_off, prs_size;
	uint64_t shi_off;
	uint64_t pages_off, pages_size;
	uint64_t table_off, table_size;
	uint64_t strtab_off;
	uint64_t total;
};

/*
 * The section name table, names in xg_core.c's order (.xen_shared_info only
 * when present; .xen_pfn instead of .xen_p2m for HVM).  name[] receives each
 * name's offset; returns the table's length.
 */
#define CORE_STRTAB_MAX 128
static uint32_t core_strtab_build(char *buf, bool shinfo, bool hvm, uint32_t *name)
{
	const char *names[6] = { CORE_SEC_SHSTRTAB, CORE_SEC_NOTE, CORE_SEC_PRSTATUS,
				 CORE_SEC_SHARED_INFO, CORE_SEC_PAGES,
				 hvm ? CORE_SEC_PFN : CORE_SEC_P2M };
	uint32_t len = 1;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < 6; i++) {
		if (i == 3 && !shinfo) {
			name[i] = 0;
			continue;
		}
		name[i] = len;
		memcpy(buf + len, names[i], strlen(names[i]) + 1);
		len += (uint32_t)strlen(names[i]) + 1;
	}
	return len;
}

static struct xenpt_error *core_wr_err(const char *path, int errnum, const char *what)
{
	return xenpt_error_os(errnum, "core file %s: %s", path, what);
}

static struct xenpt_error *core_pwrite_all(struct core_writer *w, const void *buf, size_t len,
					   uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(w->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return xenpt_error_os(errno, "core file %s: cannot write 0x%zx bytes at "
					      "offset 0x%" PRIx64, w->path, len, off);
		}
		if (n == 0)
			return xenpt_error_os(EIO, "core file %s: short write at offset 0x%" PRIx64,
					      w->path, off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return NULL;
}

static struct xenpt_error *core_chunk_flush(struct core_writer *w)
{
	struct xenpt_error *err;

	if (!w->chunk_n)
		return NULL;
	err = core_pwrite_all(w, w->chunk, (size_t)w->chunk_n * XENPT_PAGE_SIZE,
			      w->pages_off + w->chunk_first * XENPT_PAGE_SIZE);
	w->chunk_n = 0;
	return err;
}

static bool core_page_is_zero(const uint8_t *p)
{
	uint64_t first;

	memcpy(&first, p, sizeof(first));
	return !first && memcmp(p, p + sizeof(first), XENPT_PAGE_SIZE - sizeof(first)) == 0;
}

static void core_put_shdr(uint8_t *sh, uint32_t name, uint32_t type, uint64_t off,
			  uint64_t size, uint64_t align, uint64_t entsize)
{
	memset(sh, 0, CORE_SHDR_SIZE);
	core_wr32(sh + CORE_SH_NAME, name);
	core_wr32(sh + CORE_SH_TYPE, type);
	core_wr64(sh + CORE_SH_OFFSET, off);
	core_wr64(sh + CORE_SH_SIZE, size);
	core_wr64(sh + CORE_SH_ADDRALIGN, align);
	core_wr64(sh + CORE_SH_ENTSIZE, entsize);
}

/* One note: header, "Xen\0", then @descsz bytes the caller fills; returns desc. */
static uint8_t *core_put_note(uint8_t **pp, uint32_t type, uint32_t descsz)
{
	uint8_t *p = *pp;

	core_wr32(p, CORE_NOTE_NAMESZ);
	core_wr32(p + 4, descsz);
	core_wr32(p + 8, type);
	memcpy(p + CORE_NOTE_HDR_SIZE, CORE_NOTE_NAME, CORE_NOTE_NAMESZ);
	*pp = p + CORE_NOTE_HDR_SIZE + CORE_NOTE_NAMESZ + descsz;
	return p + CORE_NOTE_HDR_SIZE + CORE_NOTE_NAMESZ;
}

static struct xenpt_error *core_check_desc(const char *path, const struct xenpt_core_desc *d)
{
	uint64_t i;
	bool padding = false;

	if (!d)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: no description",
					  path);
	if (!d->nr_vcpus || !d->vcpus)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: at least one "
					  "vCPU is needed (xg_core.c refuses a core without)", path);
	if (d->nr_pages && (!d->pfns || (!d->hvm && !d->mfns)))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: %" PRIu64
					  " pages but no %s", path, d->nr_pages,
					  !d->pfns ? "PFN list" : "MFN list (PV)");
	if (d->nr_pages > UINT32_MAX - 1)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: %" PRIu64
					  " pages is more than a core may hold", path, d->nr_pages);
	for (i = 0; i < d->nr_pages; i++) {
		if (d->pfns[i] == CORE_INVALID_PFN) {
			padding = true;
			continue;
		}
		if (padding)
			return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: PFN 0x%"
						  PRIx64 " (page %" PRIu64 ") after a padding "
						  "entry; padding (~0) goes last", path,
						  d->pfns[i], i);
		if (i && d->pfns[i] <= d->pfns[i - 1])
			return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: PFNs not "
						  "strictly ascending: 0x%" PRIx64 " (page %" PRIu64
						  ") after 0x%" PRIx64, path, d->pfns[i], i,
						  d->pfns[i - 1]);
	}
	return NULL;
}

static struct xenpt_error *core_plan(const char *path, const struct xenpt_core_desc *d,
				     uint32_t strtab_len, struct core_layout *l)
{
	uint64_t entsize = d->hvm ? CORE_PFN_ENTRY_SIZE : CORE_P2M_ENTRY_SIZE;
	uint64_t end;

	l->nsec = d->shared_info ? 7 : 6;
	l->note_off = CORE_EHDR_SIZE + (uint64_t)l->nsec * CORE_SHDR_SIZE;
	l->note_size = 4 * (CORE_NOTE_HDR_SIZE + CORE_NOTE_NAMESZ) + CORE_HEADER_DESC_SIZE +
		       CORE_XENVER_DESC_SIZE + CORE_FORMAT_DESC_SIZE;
	l->prs_off = l->note_off + l->note_size;
	l->prs_size = (uint64_t)d->nr_vcpus * XEN_VGC_SIZE;
	l->shi_off = l->prs_off + l->prs_size;
	end = l->shi_off + (d->shared_info ? XENPT_PAGE_SIZE : 0);
	l->pages_off = (end + XENPT_PAGE_SIZE - 1) & XENPT_PAGE_MASK;
	/* nr_pages < 2^32, so none of these overflow 64 bits */
	l->pages_size = d->nr_pages * XENPT_PAGE_SIZE;
	l->table_off = l->pages_off + l->pages_size;
	l->table_size = d->nr_pages * entsize;
	l->strtab_off = l->table_off + l->table_size;
	l->total = l->strtab_off + strtab_len;
	if (l->total > INT64_MAX || l->pages_off > SIZE_MAX)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file %s: 0x%" PRIx64
					  " bytes is too big for a file", path, l->total);
	return NULL;
}

/* Everything before .xen_pages: headers, notes, prstatus, shared_info, padding. */
static uint8_t *core_build_head(const struct xenpt_core_desc *d, const struct core_layout *l,
				uint32_t strtab_len, const uint32_t *name)
{
	uint8_t *head = calloc(1, (size_t)l->pages_off);
	uint8_t *sh, *p, *desc;
	unsigned i, s = 0;

	if (!head)
		return NULL;
	/* ELF header, as xc_core_ehdr_init() sets it */
	memcpy(head, "\177ELF", 4);
	head[4] = 2;                  /* EI_CLASS: ELFCLASS64 */
	head[5] = 1;                  /* EI_DATA: ELFDATA2LSB */
	head[6] = 1;                  /* EI_VERSION: EV_CURRENT */
	head[7] = 0;                  /* EI_OSABI: ELFOSABI_SYSV */
	head[8] = 1;                  /* EI_ABIVERSION: EV_CURRENT (sic, xg_core.c) */
	core_wr16(head + CORE_EH_TYPE, CORE_ET_CORE);
	core_wr16(head + CORE_EH_MACHINE, CORE_EM_X86_64);
	core_wr32(head + CORE_EH_VERSION, 1);
	core_wr64(head + CORE_EH_SHOFF, CORE_EHDR_SIZE);
	core_wr16(head + CORE_EH_EHSIZE, CORE_EHDR_SIZE);
	core_wr16(head + CORE_EH_PHENTSIZE, CORE_PHDR_SIZE);
	core_wr16(head + CORE_EH_SHENTSIZE, CORE_SHDR_SIZE);
	core_wr16(head + CORE_EH_SHNUM, (uint16_t)l->nsec);
	core_wr16(head + CORE_EH_SHSTRNDX, 1);

	/* Section headers; [0] stays the all-zero NULL section. */
	sh = head + CORE_EHDR_SIZE;
	core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[0], CORE_SHT_STRTAB, l->strtab_off,
		      strtab_len, 0, 0);
	core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[1], CORE_SHT_NOTE, l->note_off,
		      l->note_size, 0, 0);
	core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[2], CORE_SHT_PROGBITS, l->prs_off,
		      l->prs_size, 8, XEN_VGC_SIZE);
	if (d->shared_info)
		core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[3], CORE_SHT_PROGBITS, l->shi_off,
			      XENPT_PAGE_SIZE, 8, XENPT_PAGE_SIZE);
	core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[4], CORE_SHT_PROGBITS, l->pages_off,
		      l->pages_size, XENPT_PAGE_SIZE, XENPT_PAGE_SIZE);
	core_put_shdr(sh + ++s * CORE_SHDR_SIZE, name[5], CORE_SHT_PROGBITS, l->table_off,
		      l->table_size, 8, d->hvm ? CORE_PFN_ENTRY_SIZE : CORE_P2M_ENTRY_SIZE);

	/* .note.Xen, in xg_core.c's order */
	p = head + l->note_off;
	core_put_note(&p, XEN_ELFNOTE_DUMPCORE_NONE, 0);
	desc = core_put_note(&p, XEN_ELFNOTE_DUMPCORE_HEADER, CORE_HEADER_DESC_SIZE);
	core_wr64(desc, d->hvm ? XEN_DUMPCORE_MAGIC_HVM : XEN_DUMPCORE_MAGIC_PV);
	core_wr64(desc + 8, d->nr_vcpus);
	core_wr64(desc + 16, d->nr_pages);
	core_wr64(desc + 24, XENPT_PAGE_SIZE);
	desc = core_put_note(&p, XEN_ELFNOTE_DUMPCORE_XEN_VERSION, CORE_XENVER_DESC_SIZE);
	core_wr64(desc + CORE_XENVER_MAJOR, d->xen_major);
	core_wr64(desc + CORE_XENVER_MINOR, d->xen_minor);
	if (d->xen_extra)
		/* xen_extraversion_t is char[16]: at most 15 characters and a NUL */
		memcpy(desc + CORE_XENVER_EXTRA, d->xen_extra,
		       strnlen(d->xen_extra, CORE_XENVER_EXTRA_LEN - 1));
	core_wr64(desc + CORE_XENVER_VIRT_START, CORE_XEN_VIRT_START);
	core_wr64(desc + CORE_XENVER_PAGESIZE, XENPT_PAGE_SIZE);
	desc = core_put_note(&p, XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, CORE_FORMAT_DESC_SIZE);
	core_wr64(desc, XEN_DUMPCORE_FORMAT_VERSION_0_1);

	for (i = 0; i < d->nr_vcpus; i++)
		xenpt_abi_encode_vcpu(&d->vcpus[i], head + l->prs_off + (uint64_t)i * XEN_VGC_SIZE);
	if (d->shared_info)
		memcpy(head + l->shi_off, d->shared_info, XENPT_PAGE_SIZE);
	return head;
}

static struct xenpt_error *core_write_pages(struct core_writer *w,
					    const struct xenpt_core_desc *d)
{
	struct xenpt_error *err;
	uint64_t i;

	if (!d->page)
		return NULL;
	w->chunk = malloc((size_t)CORE_CHUNK_PAGES * XENPT_PAGE_SIZE);
	if (!w->chunk)
		return xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: out of memory", w->path);
	for (i = 0; i < d->nr_pages; i++) {
		const uint8_t *data = NULL;

		/* Padding entries are zero pages by definition (xg_core.c). */
		if (d->pfns[i] != CORE_INVALID_PFN)
			data = d->page(d->arg, i);
		if (!data || core_page_is_zero(data)) {
			err = core_chunk_flush(w);   /* leave a hole */
			if (err)
				return err;
			continue;
		}
		if (w->chunk_n && w->chunk_first + w->chunk_n != i) {
			err = core_chunk_flush(w);
			if (err)
				return err;
		}
		if (!w->chunk_n)
			w->chunk_first = i;
		memcpy(w->chunk + (size_t)w->chunk_n++ * XENPT_PAGE_SIZE, data, XENPT_PAGE_SIZE);
		if (w->chunk_n == CORE_CHUNK_PAGES) {
			err = core_chunk_flush(w);
			if (err)
				return err;
		}
	}
	return core_chunk_flush(w);
}

static struct xenpt_error *core_write_table(struct core_writer *w,
					    const struct xenpt_core_desc *d,
					    const struct core_layout *l)
{
	unsigned entsize = d->hvm ? CORE_PFN_ENTRY_SIZE : CORE_P2M_ENTRY_SIZE;
	struct xenpt_error *err = NULL;
	uint8_t *buf;
	uint64_t i = 0;

	buf = malloc((size_t)CORE_TABLE_CHUNK * entsize);
	if (!buf)
		return xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: out of memory", w->path);
	while (i < d->nr_pages) {
		uint64_t n = d->nr_pages - i, j;

		if (n > CORE_TABLE_CHUNK)
			n = CORE_TABLE_CHUNK;
		for (j = 0; j < n; j++) {
			core_wr64(buf + j * entsize, d->pfns[i + j]);
			if (!d->hvm)
				core_wr64(buf + j * entsize + 8, d->mfns[i + j]);
		}
		err = core_pwrite_all(w, buf, (size_t)(n * entsize), l->table_off + i * entsize);
		if (err)
			break;
		i += n;
	}
	free(buf);
	return err;
}

/* "<dir>/.<base>.XXXXXX" next to @path, so that rename() stays in one file system. */
static char *core_tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dirlen;
	size_t len = dirlen + 1 + strlen(base) + 8 + 1;
	char *tmp = malloc(len);

	if (tmp)
		snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	return tmp;
}

XENPT_PUBLIC struct xenpt_error *xenpt_core_write(const char *path,
						  const struct xenpt_core_desc *desc)
{
	struct core_writer w = { .path = path, .fd = -1 };
	struct xenpt_error *err = NULL;
	struct core_layout l;
	char strtab[CORE_STRTAB_MAX];
	uint32_t name[6], strtab_len;
	uint8_t *head = NULL;
	char *tmp = NULL;
	bool created = false;

	if (!path || !*path)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "core file: no path given");
	err = core_check_desc(path, desc);
	if (err)
		return err;
	strtab_len = core_strtab_build(strtab, desc->shared_info, desc->hvm, name);
	err = core_plan(path, desc, strtab_len, &l);
	if (err)
		return err;
	head = core_build_head(desc, &l, strtab_len, name);
	tmp = core_tmp_name(path);
	if (!head || !tmp) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "core file %s: out of memory", path);
		goto out;
	}
	w.fd = mkstemp(tmp);
	if (w.fd < 0) {
		err = xenpt_error_os(errno, "core file %s: cannot create the temporary file %s",
				     path, tmp);
		goto out;
	}
	created = true;
	w.pages_off = l.pages_off;
	err = core_pwrite_all(&w, head, (size_t)l.pages_off, 0);
	if (err)
		goto out;
	err = core_write_pages(&w, desc);
	if (err)
		goto out;
	err = core_write_table(&w, desc, &l);
	if (err)
		goto out;
	err = core_pwrite_all(&w, strtab, strtab_len, l.strtab_off);
	if (err)
		goto out;
	if (fsync(w.fd) < 0) {
		err = core_wr_err(path, errno, "cannot sync");
		goto out;
	}
	if (close(w.fd) < 0) {
		w.fd = -1;
		err = core_wr_err(path, errno, "cannot close");
		goto out;
	}
	w.fd = -1;
	if (rename(tmp, path) < 0) {
		err = xenpt_error_os(errno, "core file %s: cannot rename %s to it", path, tmp);
		goto out;
	}
out:
	if (w.fd >= 0)
		close(w.fd);
	if (err && created)
		unlink(tmp);   /* never leave a half-written core behind */
	free(w.chunk);
	free(head);
	free(tmp);
	return err;
}
