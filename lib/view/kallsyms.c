/* SPDX-License-Identifier: MIT */
/*
 * Symbols from the guest's memory: Linux's kallsyms tables
 * (include/xenpt/kallsyms.h), found without a symbol file.
 *
 * The layout, as the kernel's scripts/kallsyms.c emits it (and
 * kernel/kallsyms.c reads it), every array label aligned to 8 bytes on
 * 64-bit kernels:
 *
 *   kallsyms_token_table   256 NUL-terminated strings, back to back; a
 *                          character used in some symbol name stands for
 *                          itself, so the digits are the one-character
 *                          tokens "0".."9" at indexes 0x30..0x39
 *   kallsyms_token_index   256 u16: the offset of token i in the table
 *   kallsyms_num_syms      the number of symbols N (u32, or u64 in old kernels)
 *   kallsyms_names         N entries right after it: a length (one byte, or
 *                          two as ULEB128 when bit 7 is set, 6.1 and later),
 *                          then that many token bytes; the expansion's first
 *                          character is nm's type letter
 *   kallsyms_markers       after the names: the offset of entry 256*k in
 *                          kallsyms_names, u32 (u64 in older kernels)
 *   kallsyms_offsets       N s32 and kallsyms_relative_base (u64) with
 *                          CONFIG_KALLSYMS_BASE_RELATIVE: with absolute
 *                          per-CPU symbols an offset >= 0 is the address and
 *                          a negative one is relative_base - 1 - offset;
 *                          without, relative_base + (u32)offset.  The lowest
 *                          relative symbol is relative_base itself.  Else
 *                          kallsyms_addresses, N u64.  Up to 6.3 these come
 *                          first, before kallsyms_num_syms; later kernels put
 *                          them after kallsyms_token_index.
 *
 * Symbols are sorted by address (scripts/kallsyms.c sorts them before
 * writing), so a decoded address list must be non-decreasing.
 *
 * The search, with no symbol to start from: the digit tokens "0\0" .. "9\0"
 * locate the token table; the index is the u16 array of the offsets those
 * strings imply (searched for, so its place does not matter); the names are
 * the entries after a plausible kallsyms_num_syms that decode with those
 * tokens to names starting with a type letter and are followed by markers
 * that agree with the decoding, entry for entry; the addresses are the
 * array at one of the places above that decodes sorted and starts at its
 * relative base.  Each step is checked against the last, so a false hit
 * has to agree with everything before it.  Every read is bounds-checked
 * against the image, every count is capped: hostile memory gives "not
 * found", never a read out of range or an unbounded loop.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/kallsyms.h>
#include <xenpt/source.h>
#include <xenpt/walk.h>

#include "base/base.h"

#define TOKEN_MAX 256          /* longest token we accept (real ones are a few bytes) */
#define NAME_MAX_LEN 512       /* KSYM_NAME_LEN (include/linux/kallsyms.h, 6.1+; 128 before) */
#define NSYMS_MIN 64           /* a kernel with kallsyms has thousands */
#define NSYMS_MAX (1u << 22)   /* a sane upper bound on kallsyms_num_syms */
#define QUICK_ENTRIES 32       /* names checked before a candidate is decoded whole */
#define FULL_TRIES 64          /* candidates decoded whole, at most */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct kimg {
	const uint8_t *p;
	size_t len;
	uint64_t va;
};

static bool rd16(const struct kimg *k, size_t off, uint16_t *v)
{
	if (off > k->len || k->len - off < 2)
		return false;
	memcpy(v, k->p + off, 2);   /* little-endian guest, little-endian host */
	return true;
}

static bool rd32(const struct kimg *k, size_t off, uint32_t *v)
{
	if (off > k->len || k->len - off < 4)
		return false;
	memcpy(v, k->p + off, 4);
	return true;
}

static bool rd64(const struct kimg *k, size_t off, uint64_t *v)
{
	if (off > k->len || k->len - off < 8)
		return false;
	memcpy(v, k->p + off, 8);
	return true;
}

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

struct tokens {
	size_t off[256];       /* image offset of token i */
	uint16_t len[256];
	size_t table, index;   /* image offsets of the table and the index */
};

/* The token ending with the NUL at @nul (the NUL at the image start is not one). */
static bool token_before(const struct kimg *k, size_t nul, size_t *start)
{
	size_t s = nul;

	while (s > 0 && k->p[s - 1] && nul - s < TOKEN_MAX)
		s--;
	if (s == 0 || k->p[s - 1])   /* no NUL before it: not a table, or too long */
		return false;
	*start = s;
	return true;
}

/*
 * The index for a token table whose tokens 1..255 are known (t->off, t->len):
 * 256 u16, [0] = 0, [1] = L (token 0 is the L - 1 bytes before token 1),
 * [i] = L + off[i] - off[1].  Searched in the whole image.
 */
static bool find_index(const struct kimg *k, struct tokens *t)
{
	uint16_t rel[256], v;
	size_t x, i;

	for (i = 1; i < 256; i++) {
		if (t->off[i] - t->off[1] > 0xffff - TOKEN_MAX)
			return false;
		rel[i] = (uint16_t)(t->off[i] - t->off[1]);
	}
	for (x = 0; k->len >= 512 && x <= k->len - 512; x += 2) {
		uint16_t l;

		if (!rd16(k, x, &v) || v || !rd16(k, x + 2, &l) || l < 1 || l > TOKEN_MAX ||
		    l > t->off[1])
			continue;
		for (i = 2; i < 256; i++)
			if (!rd16(k, x + 2 * i, &v) || v != (uint16_t)(l + rel[i]))
				break;
		if (i < 256)
			continue;
		/* token 0: l - 1 bytes, none of them NUL, then the NUL before token 1 */
		if (memchr(k->p + t->off[1] - l, 0, l - 1u))
			continue;
		if (x < t->off[1] + rel[255] + t->len[255] + 1 && x + 512 > t->off[1] - l)
			continue;   /* overlaps the table */
		t->table = t->off[1] - l;
		t->off[0] = t->table;
		t->len[0] = (uint16_t)(l - 1);
		t->index = x;
		return true;
	}
	return false;
}

/*
 * Token table candidates: "0\0" "1\0" ... "9\0" preceded by the NUL of token
 * 0x2f.  *from is where to look next.  True when one checks out with its index.
 */
static bool find_tokens(const struct kimg *k, size_t *from, struct tokens *t)
{
	static const char digits[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
	size_t n = sizeof(digits);   /* with the final NUL */

	while (*from < k->len) {
		const uint8_t *hit = memmem(k->p + *from, k->len - *from, digits, n);
		size_t p, pos, i;

		if (!hit)
			return false;
		p = (size_t)(hit - k->p);
		*from = p + 1;
		if (p == 0 || k->p[p - 1])
			continue;
		/* tokens 0x2f down to 1, backwards from the NUL before "0" */
		pos = p - 1;
		for (i = 0x2f; i >= 1; i--) {
			size_t s;

			if (!token_before(k, pos, &s))
				break;
			t->off[i] = s;
			t->len[i] = (uint16_t)(pos - s);
			pos = s - 1;
		}
		if (i >= 1)
			continue;
		/* tokens 0x30 up to 0xff, forwards */
		pos = p;
		for (i = 0x30; i < 256; i++) {
			const uint8_t *nul = memchr(k->p + pos, 0, MIN(k->len - pos, (size_t)TOKEN_MAX + 1));

			if (!nul)
				break;
			t->off[i] = pos;
			t->len[i] = (uint16_t)((size_t)(nul - k->p) - pos);
			pos = (size_t)(nul - k->p) + 1;
			if (pos >= k->len)
				break;
		}
		if (i < 256)
			continue;
		if (find_index(k, t))
			return true;
	}
	return false;
}

/* nm's type letters (and '?' for unknown), the first character of every expanded name */
static bool type_letter(char c)
{
	return c && strchr("AaBbCcDdGgiNnpRrSsTtUuVvWw?", c);
}

/*
 * Expand the entry at *pos into @out (NUL-terminated: type letter, then the
 * name).  False when it is malformed or runs out of the image.
 */
static bool decode_entry(const struct kimg *k, const struct tokens *t, size_t *pos, char *out,
			 size_t *outlen)
{
	size_t p = *pos, len, o = 0, i;
	uint8_t b;

	if (p >= k->len)
		return false;
	b = k->p[p++];
	len = b;
	if (b & 0x80) {   /* ULEB128, two bytes at most (scripts/kallsyms.c) */
		if (p >= k->len || (k->p[p] & 0x80))
			return false;
		len = (b & 0x7fu) | ((size_t)k->p[p++] << 7);
	}
	if (!len || len > k->len - p)
		return false;
	for (i = 0; i < len; i++) {
		unsigned c = k->p[p + i];

		if (o + t->len[c] >= NAME_MAX_LEN)
			return false;
		memcpy(out + o, k->p + t->off[c], t->len[c]);
		o += t->len[c];
	}
	out[o] = 0;
	if (o < 2 || !type_letter(out[0]))
		return false;
	for (i = 1; i < o; i++)
		if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
			return false;
	*pos = p + len;
	*outlen = o;
	return true;
}

/* Decoded names: one arena of NUL-terminated "Tname" strings. */
struct names {
	char *buf;
	size_t len, cap;
	size_t *at;        /* arena offset of symbol i */
	size_t n;
	size_t start;      /* image offset of the first entry */
	size_t end;        /* image offset after the last entry */
	size_t markers;    /* image offset of the markers */
	unsigned marker_size;
};

static void names_free(struct names *nm)
{
	free(nm->buf);
	free(nm->at);
	memset(nm, 0, sizeof(*nm));
}

/* The markers after the names, u32 or u64: marker k = offset of entry 256k. */
static bool check_markers(const struct kimg *k, struct names *nm, const size_t *mark, size_t nmark)
{
	unsigned size;

	for (size = 4; size <= 8; size += 4) {
		size_t at = align8(nm->end), i;

		for (i = 0; i < nmark; i++) {
			uint32_t v32;
			uint64_t v;

			if (size == 4 ? !rd32(k, at + 4 * i, &v32) : !rd64(k, at + 8 * i, &v))
				break;
			if (size == 4)
				v = v32;
			if (v != mark[i])
				break;
		}
		if (i == nmark) {
			nm->markers = at;
			nm->marker_size = size;
			return true;
		}
	}
	return false;
}

/*
 * The token table follows the markers: right after them (up to 6.0, and
 * 6.4 on), or after kallsyms_seqs_of_names, 3 bytes a symbol (6.1-6.3 as
 * backported to 6.1.y) or 4 (as first merged in 6.2).
 */
static bool next_is_tokens(const struct names *nm, const struct tokens *t, size_t nmark, size_t n)
{
	size_t end = align8(nm->markers + nmark * nm->marker_size);

	return t->table == end || t->table == align8(end + 3 * n) || t->table == align8(end + 4 * n);
}

/* Decode @n names at @start, then check the markers.  False (and nothing kept) on any mismatch. */
static bool decode_names(const struct kimg *k, const struct tokens *t, size_t start, size_t n,
			 struct names *nm)
{
	char name[NAME_MAX_LEN];
	size_t pos = start, i, len, nmark = (n + 255) / 256, *mark;

	memset(nm, 0, sizeof(*nm));
	mark = malloc(nmark * sizeof(*mark));
	nm->at = malloc(n * sizeof(*nm->at));
	if (!mark || !nm->at)
		goto fail;
	for (i = 0; i < n; i++) {
		if (!(i & 0xff))
			mark[i >> 8] = pos - start;
		if (!decode_entry(k, t, &pos, name, &len))
			goto fail;
		if (nm->len + len + 1 > nm->cap) {
			size_t cap = nm->cap ? nm->cap * 2 : 1 << 16;
			char *b = realloc(nm->buf, cap);

			if (!b)
				goto fail;
			nm->buf = b;
			nm->cap = cap;
		}
		nm->at[i] = nm->len;
		memcpy(nm->buf + nm->len, name, len + 1);
		nm->len += len + 1;
	}
	nm->n = n;
	nm->start = start;
	nm->end = pos;
	if (!check_markers(k, nm, mark, nmark) || !next_is_tokens(nm, t, nmark, n))
		goto fail;
	free(mark);
	return true;
fail:
	free(mark);
	names_free(nm);
	return false;
}

/* The first QUICK_ENTRIES names at @start decode: worth decoding whole. */
static bool quick_names(const struct kimg *k, const struct tokens *t, size_t start, size_t n)
{
	char name[NAME_MAX_LEN];
	size_t pos = start, i, len;

	for (i = 0; i < n && i < QUICK_ENTRIES; i++)
		if (!decode_entry(k, t, &pos, name, &len))
			return false;
	return true;
}

struct addrs {
	uint64_t *v;
	size_t at;               /* image offset of the offsets/addresses array */
	uint64_t base;
	bool relative, percpu;
};

/*
 * kallsyms_offsets at @off (n s32) with kallsyms_relative_base at @rb:
 * decode in either per-CPU mode; the one that is sorted and starts its
 * relative symbols at the base wins.
 */
static bool try_relative(const struct kimg *k, size_t off, size_t rb, size_t n, struct addrs *a)
{
	uint64_t base;
	int percpu;

	if (!rd64(k, rb, &base) || base < 0xffff800000000000ull || n > (k->len - MIN(off, k->len)) / 4)
		return false;
	for (percpu = 1; percpu >= 0; percpu--) {
		uint64_t prev = 0;
		bool first_rel = true;
		size_t i;

		for (i = 0; i < n; i++) {
			uint32_t u;
			int32_t o;
			uint64_t addr;

			if (!rd32(k, off + 4 * i, &u))
				break;
			o = (int32_t)u;
			if (percpu && o >= 0)
				addr = (uint64_t)o;
			else if (percpu)
				addr = base - 1 - (uint64_t)(int64_t)o;
			else
				addr = base + u;
			if (first_rel && (percpu ? o < 0 : true)) {
				if (addr != base)   /* relative_base is the lowest relative symbol */
					break;
				first_rel = false;
			}
			if (addr < prev)
				break;
			a->v[i] = prev = addr;
		}
		if (i == n && !first_rel) {
			a->at = off;
			a->base = base;
			a->relative = true;
			a->percpu = percpu;
			return true;
		}
	}
	return false;
}

/* kallsyms_addresses at @off: n u64, sorted, ending in the kernel half. */
static bool try_absolute(const struct kimg *k, size_t off, size_t n, struct addrs *a)
{
	uint64_t prev = 0, v = 0;
	size_t i;

	if (n > (k->len - MIN(off, k->len)) / 8)
		return false;
	for (i = 0; i < n; i++) {
		if (!rd64(k, off + 8 * i, &v) || v < prev)
			return false;
		a->v[i] = prev = v;
	}
	if (v < 0xffff800000000000ull)
		return false;
	a->at = off;
	a->relative = false;
	return true;
}

/* At least one symbol inside the image: the table describes this kernel. */
static bool in_image(const struct kimg *k, const struct addrs *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a->v[i] >= k->va && a->v[i] - k->va < k->len)
			return true;
	return false;
}

/* The addresses for @n symbols whose kallsyms_num_syms is at @num. */
static bool find_addrs(const struct kimg *k, const struct tokens *t, size_t num, size_t n,
		       struct addrs *a)
{
	size_t after = align8(t->index + 512);

	/* up to 6.3: offsets, relative base, then num_syms */
	if (num >= 8 && num - 8 >= 4 * n) {
		size_t rb = num - 8, off = (rb - 4 * n) & ~(size_t)7;

		if (align8(off + 4 * n) == rb && try_relative(k, off, rb, n, a) && in_image(k, a, n))
			return true;
	}
	/* later: after the token index */
	if (after < k->len && n <= (k->len - after) / 4 &&
	    try_relative(k, after, align8(after + 4 * n), n, a) && in_image(k, a, n))
		return true;
	/* no CONFIG_KALLSYMS_BASE_RELATIVE: absolute addresses, in either place */
	if (num >= 8 * n && try_absolute(k, num - 8 * n, n, a) && in_image(k, a, n))
		return true;
	if (after < k->len && try_absolute(k, after, n, a) && in_image(k, a, n))
		return true;
	return false;
}

static struct xenpt_error *not_found(uint64_t start, uint64_t end, const char *more, const char *why)
{
	struct xenpt_error *err = xenpt_error_create(XENPT_ERR_NOT_FOUND,
		"no kallsyms table found in 0x%016" PRIx64 "-0x%016" PRIx64 "%s: %s",
		start, end, more, why);

	return xenpt_error_hint(err, "a kernel built without CONFIG_KALLSYMS, or not Linux? "
				"Give --symbols System.map or vmlinux instead");
}

/* Why not found goes to @why (and the result is *found = false); errors are errors. */
static struct xenpt_error *scan(const void *image, size_t len, uint64_t va, struct xenpt_symtab *tab,
				struct xenpt_kallsyms_info *info, bool *found, char *why, size_t whylen)
{
	struct kimg k = { image, len, va };
	struct tokens *t;
	struct names nm = { 0 };
	struct addrs a = { 0 };
	struct xenpt_error *err = NULL;
	size_t from = 0, tries = 0, i;
	bool have_tokens = false, have_names = false, done = false;

	*found = false;

	t = calloc(1, sizeof(*t));
	if (!t)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	while (!done && tries < FULL_TRIES && find_tokens(&k, &from, t)) {
		size_t num;

		have_tokens = true;
		/* kallsyms_num_syms: 8-aligned, a sane count, zero upper half, names right after */
		for (num = 0; !done && tries < FULL_TRIES && num + 16 <= len; num += 8) {
			uint32_t n, hi;

			if (!rd32(&k, num, &n) || n < NSYMS_MIN || n > NSYMS_MAX || !rd32(&k, num + 4, &hi) || hi)
				continue;
			if (!quick_names(&k, t, num + 8, n))
				continue;
			tries++;
			if (!decode_names(&k, t, num + 8, n, &nm))
				continue;
			have_names = true;
			a.v = malloc(n * sizeof(*a.v));
			if (!a.v) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
			if (find_addrs(&k, t, num, n, &a)) {
				done = true;
				break;
			}
			free(a.v);
			a.v = NULL;
			names_free(&nm);
		}
		if (!done && !have_names)
			snprintf(why, whylen, "kallsyms_token_table at 0x%" PRIx64
				 " (index at 0x%" PRIx64 "), but no kallsyms_names that decodes with it",
				 va + t->table, va + t->index);
		else if (!done)
			snprintf(why, whylen, "kallsyms_token_table at 0x%" PRIx64
				 " and names that decode, but no sorted kallsyms_offsets or kallsyms_addresses",
				 va + t->table);
	}
	if (!done) {
		if (!have_tokens)
			snprintf(why, whylen, "no kallsyms_token_table (the tokens \"0\"..\"9\" with their index)");
		goto out;
	}
	for (i = 0; i < nm.n; i++) {
		const char *s = nm.buf + nm.at[i];

		err = xenpt_symtab_add(tab, a.v[i], 0, s[0], s + 1);
		if (err)
			goto out;
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->start = va;
		info->end = va + len;
		info->nsyms = nm.n;
		info->num_syms = va + nm.start - 8;
		info->names = va + nm.start;
		info->markers = va + nm.markers;
		info->marker_size = nm.marker_size;
		info->token_table = va + t->table;
		info->token_index = va + t->index;
		info->addresses = va + a.at;
		info->relative_base = a.base;
		info->base_relative = a.relative;
		info->absolute_percpu = a.percpu;
	}
	*found = true;
out:
	free(a.v);
	names_free(&nm);
	free(t);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_kallsyms_scan(const void *image, size_t len, uint64_t va,
						     struct xenpt_symtab *tab,
						     struct xenpt_kallsyms_info *info)
{
	char why[200] = "";
	bool found;
	struct xenpt_error *err;

	if (!image || !tab)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "kallsyms: no image or no table");
	err = scan(image, len, va, tab, info, &found, why, sizeof(why));
	if (!err && !found)
		err = not_found(va, va + len, "", why);
	return err;
}

/* ---- reading the guest ------------------------------------------------------ */

/*
 * Where x86-64 Linux maps its image: __START_KERNEL_map up to MODULES_VADDR
 * (arch/x86/include/asm/page_64_types.h: 0xffffffff80000000, and
 * KERNEL_IMAGE_SIZE of 512 MiB, or 1 GiB with KASLR, after which the module
 * area starts; the 1 GiB bound covers both).  The mapped runs there are the
 * image's text, rodata (where kallsyms lives), data and bss, and modules
 * without KASLR.
 */
#define KIMAGE_START 0xffffffff80000000ull
#define KIMAGE_END   0xffffffffc0000000ull   /* exclusive */
#define READ_BATCH 1024
/*
 * The most of one run read into memory: real images are well below it
 * (Debian's 6.1 kernel maps 55 MiB from _text to _end); page tables that
 * map the whole region (a hostile guest) are searched in their first
 * 256 MiB, not read whole.
 */
#define RUN_MAX_PAGES ((256u << 20) >> 12)

struct run {
	uint64_t start;      /* VA */
	uint64_t *frames;    /* one per 4K page, in as.space */
	size_t n, cap;
	bool capped;         /* longer than RUN_MAX_PAGES: only its start is read */
};

static void runs_free(struct run *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].frames);
	free(r);
}

/* The mapped runs of the kernel image mapping: contiguous mapped pages. */
static struct xenpt_error *kernel_runs(struct xenpt_source *src, const struct xenpt_aspace *as,
				       struct run **ret, size_t *nret)
{
	struct xenpt_pt_iter *it = NULL;
	struct xenpt_error *err;
	struct run *runs = NULL;
	size_t n = 0, cap = 0;
	uint64_t next = 0;

	err = xenpt_pt_iter_create(src, as, KIMAGE_START, KIMAGE_END - 1, &it);
	while (!err) {
		struct xenpt_pt_range r;
		bool done;
		uint64_t va;

		err = xenpt_pt_iter_next(it, &r, &done);
		if (err || done)
			break;
		if (r.kind != XENPT_RANGE_MAPPED || r.frame == XENPT_INVALID_FRAME)
			continue;
		if (!n || r.start != next) {   /* a new run */
			if (n == cap) {
				size_t c = cap ? cap * 2 : 8;
				struct run *v = realloc(runs, c * sizeof(*v));

				if (!v) {
					err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
					break;
				}
				runs = v;
				cap = c;
			}
			memset(&runs[n], 0, sizeof(runs[n]));
			runs[n++].start = r.start;
		}
		for (va = r.start & ~0xfffull; va <= r.end && va >= (r.start & ~0xfffull); va += 4096) {
			struct run *cur = &runs[n - 1];

			if (cur->n >= RUN_MAX_PAGES) {
				cur->capped = true;
				break;
			}
			if (cur->n == cur->cap) {
				size_t c = cur->cap ? cur->cap * 2 : 256;
				uint64_t *v = realloc(cur->frames, c * sizeof(*v));

				if (!v) {
					err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
					break;
				}
				cur->frames = v;
				cur->cap = c;
			}
			/* a large page: its 4K frames follow the first */
			cur->frames[cur->n++] = r.frame + ((va - (r.start & ~0xfffull)) >> 12);
			if (va + 4096 < va)
				break;
		}
		next = r.end + 1;
	}
	xenpt_pt_iter_destroy(it);
	if (err) {
		runs_free(runs, n);
		return err;
	}
	*ret = runs;
	*nret = n;
	return NULL;
}

/* Read a run into one buffer; unreadable pages stay zero and are counted. */
static struct xenpt_error *read_run(struct xenpt_source *src, const struct xenpt_aspace *as,
				    const struct run *r, uint8_t **ret, uint64_t *unreadable)
{
	const uint8_t *pages[READ_BATCH];
	int errs[READ_BATCH];
	uint8_t *buf;
	size_t i;

	buf = calloc(r->n, 4096);
	if (!buf)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory (%zu KiB of kernel image)",
					  r->n * 4);
	for (i = 0; i < r->n; i += READ_BATCH) {
		size_t m = MIN((size_t)READ_BATCH, r->n - i), j;
		struct xenpt_error *err = xenpt_source_get_frames(src, as->space, r->frames + i, m,
								  pages, errs);

		if (err) {
			free(buf);
			return err;
		}
		for (j = 0; j < m; j++) {
			if (pages[j])
				memcpy(buf + (i + j) * 4096, pages[j], 4096);
			else
				(*unreadable)++;
		}
	}
	*ret = buf;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_kallsyms_load(struct xenpt_source *src,
						     const struct xenpt_aspace *as, uint64_t hint,
						     struct xenpt_symtab *tab,
						     struct xenpt_kallsyms_info *info)
{
	struct xenpt_error *err;
	struct run *runs = NULL;
	size_t n = 0, i, *order = NULL, pages = 0;
	uint64_t unreadable = 0;
	char why[200] = "", other[200];
	bool found = false;

	if (!src || !as || !tab)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "kallsyms: no source, address space or table");
	if (as->mode != XENPT_PM_4LEVEL && as->mode != XENPT_PM_5LEVEL)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
			"kallsyms: only 64-bit kernels are searched (paging mode %s)",
			xenpt_paging_mode_name(as->mode));
	err = kernel_runs(src, as, &runs, &n);
	if (err)
		return xenpt_error_prefix(err, "kallsyms");
	if (!n)
		return xenpt_error_hint(xenpt_error_create(XENPT_ERR_NOT_FOUND,
			"no kallsyms table found: nothing is mapped at the kernel image addresses "
			"0x%016llx-0x%016llx", KIMAGE_START, KIMAGE_END - 1),
			"not a 64-bit Linux kernel? Give --symbols System.map or vmlinux instead");
	order = malloc(n * sizeof(*order));
	if (!order) {
		runs_free(runs, n);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	/* the run holding the hint first, then the others, largest first */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++) {
		size_t j = i, x = order[i];

		while (j > 0 && runs[order[j - 1]].n < runs[x].n) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	for (i = 0; i < n; i++) {
		const struct run *r = &runs[order[i]];

		if (hint >= r->start && hint - r->start < r->n * 4096ull) {
			memmove(order + 1, order, i * sizeof(*order));
			order[0] = (size_t)(r - runs);
			break;
		}
	}
	for (i = 0; i < n && !found; i++) {
		const struct run *r = &runs[order[i]];
		uint8_t *buf = NULL;
		uint64_t bad = 0;

		pages += r->n;
		err = read_run(src, as, r, &buf, &bad);
		if (err)
			break;
		unreadable += bad;
		err = scan(buf, r->n * 4096, r->start, tab, info, &found, i ? other : why,
			   i ? sizeof(other) : sizeof(why));
		free(buf);
		if (err)
			break;
		if (found && info)
			info->unreadable_pages = bad;
	}
	if (!err && !found) {
		const struct run *r = &runs[order[0]];
		char more[256];

		const char *head = hint >= r->start && hint - r->start < r->n * 4096ull ?
			(r->capped ? "the first 256 MiB of the mapped run of the kernel image holding the vCPU's RIP" :
			 "the mapped run of the kernel image holding the vCPU's RIP") :
			(r->capped ? "the first 256 MiB of the largest mapped run of the kernel image" :
			 "the largest mapped run of the kernel image");

		char bad[64] = "";

		if (unreadable)
			snprintf(bad, sizeof(bad), n > 1 ? ", %" PRIu64 " of them unreadable" :
				 ", %" PRIu64 " pages unreadable", unreadable);
		if (n > 1)
			snprintf(more, sizeof(more), " (%s; %zu other runs searched too, %zu pages in all%s)",
				 head, n - 1, pages, bad);
		else
			snprintf(more, sizeof(more), " (%s%s)", head, bad);
		err = not_found(r->start, r->start + r->n * 4096, more, why);
	}
	free(order);
	runs_free(runs, n);
	return err;
}
