/* SPDX-License-Identifier: MIT */
/*
 * Symbol tables (lib/view/sym.c) and the disassembler (lib/view/dis.c): System.map
 * parsing, lookups, the address parser, ELF through libelf (checked
 * against this very binary: differences between two functions' ELF values
 * equal the differences of their run-time addresses), and backward decoding
 * on byte sequences whose instruction boundaries are known.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/dis.h>
#include <xenpt/sym.h>

#include "harness.h"

static const char map_text[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 t startup_64\n"
	"ffffffff81001000 T do_thing\n"
	"ffffffff81001000 t do_thing_alias\n"
	"ffffffff81002000 D linux_banner\n"
	"0000000000000000 A __per_cpu_start\n"
	"                 U undefined_here\n"
	"ffffffff81003000 T last+sym\n";

static struct xenpt_symtab *map_table(void)
{
	const char *path = test_tmp_path("System.map");
	struct xenpt_symtab *tab = NULL;
	struct xenpt_error *err;
	FILE *f = fopen(path, "w");

	if (!f)
		return NULL;
	fputs(map_text, f);
	fclose(f);
	err = xenpt_symtab_create(&tab);
	if (!err)
		err = xenpt_symtab_load(tab, path);
	remove(path);
	if (err) {
		test_fail(__FILE__, __LINE__, "loading: %s", xenpt_error_message(err));
		xenpt_error_destroy(err);
		xenpt_symtab_destroy(tab);
		return NULL;
	}
	return tab;
}

TEST(system_map_lookups)
{
	struct xenpt_symtab *tab = map_table();
	struct xenpt_sym s;
	char buf[64];

	REQUIRE(tab);
	CHECK_EQ(xenpt_symtab_count(tab), 6);   /* no A at 0, no U */
	REQUIRE(xenpt_symtab_lookup(tab, "linux_banner", &s));
	CHECK_EQ(s.addr, 0xffffffff81002000ull);
	CHECK_EQ(s.type, 'D');
	CHECK(!xenpt_symtab_lookup(tab, "undefined_here", &s));
	CHECK(!xenpt_symtab_lookup(tab, "__per_cpu_start", &s));
	/* nearest: a global symbol wins a tie; an address inside */
	REQUIRE(xenpt_symtab_nearest(tab, 0xffffffff81000010ull, &s));
	CHECK_STR_EQ(s.name, "_text");
	REQUIRE(xenpt_symtab_nearest(tab, 0xffffffff81001fffull, &s));
	CHECK_STR_EQ(s.name, "do_thing");
	CHECK(!xenpt_symtab_nearest(tab, 0xffffffff80ffffffull, &s));
	CHECK_STR_EQ(xenpt_symtab_format(tab, 0xffffffff81002010ull, buf, sizeof(buf)), "linux_banner+0x10");
	CHECK_STR_EQ(xenpt_symtab_format(tab, 0xffffffff81001000ull, buf, sizeof(buf)), "do_thing");
	CHECK_STR_EQ(xenpt_symtab_format(tab, 0x1000, buf, sizeof(buf)), "");
	xenpt_symtab_destroy(tab);
}

TEST(nearest_prefers_sized_and_skips_sections)
{
	struct xenpt_symtab *tab = NULL;
	struct xenpt_sym s;

	REQUIRE_OK(xenpt_symtab_create(&tab));
	CHECK_OK(xenpt_symtab_add(tab, 0x1000, 0x2000, 'S', ".text"));
	CHECK_OK(xenpt_symtab_add(tab, 0x1000, 0, 'T', "label"));
	CHECK_OK(xenpt_symtab_add(tab, 0x1000, 0x100, 'T', "object"));
	CHECK_OK(xenpt_symtab_add(tab, 0x1800, 0x10, 't', "small"));
	REQUIRE(xenpt_symtab_nearest(tab, 0x1010, &s));
	CHECK_STR_EQ(s.name, "object");           /* sized and covering, not the bare label */
	REQUIRE(xenpt_symtab_nearest(tab, 0x1200, &s));
	CHECK_STR_EQ(s.name, "label");            /* object ends at 0x1100 */
	REQUIRE(xenpt_symtab_nearest(tab, 0x1810, &s));
	CHECK_STR_EQ(s.name, ".text");            /* past small's end: the section */
	CHECK(!xenpt_symtab_nearest(tab, 0xfff, &s));
	REQUIRE(xenpt_symtab_lookup(tab, ".text", &s));
	CHECK_EQ(s.size, 0x2000);
	xenpt_symtab_destroy(tab);
}

TEST(address_parser)
{
	struct xenpt_symtab *tab = map_table();
	uint64_t a = 0;

	REQUIRE(tab);
	CHECK_OK(xenpt_symtab_parse(tab, "linux_banner", &a));
	CHECK_EQ(a, 0xffffffff81002000ull);
	CHECK_OK(xenpt_symtab_parse(tab, "linux_banner+0x10", &a));
	CHECK_EQ(a, 0xffffffff81002010ull);
	CHECK_OK(xenpt_symtab_parse(tab, "linux_banner-8", &a));
	CHECK_EQ(a, 0xffffffff81001ff8ull);
	CHECK_OK(xenpt_symtab_parse(tab, "last+sym", &a));   /* a whole name first */
	CHECK_EQ(a, 0xffffffff81003000ull);
	CHECK_OK(xenpt_symtab_parse(tab, "last+sym+0x1", &a));
	CHECK_EQ(a, 0xffffffff81003001ull);
	CHECK_ERR(xenpt_symtab_parse(tab, "nosuch", &a), XENPT_ERR_NOT_FOUND);
	CHECK_ERR(xenpt_symtab_parse(tab, "nosuch+4", &a), XENPT_ERR_NOT_FOUND);
	CHECK_ERR(xenpt_symtab_parse(tab, "linux_banner+zz", &a), XENPT_ERR_INVALID_ARG);
	CHECK_ERR_MSG(xenpt_symtab_parse(NULL, "x", &a), XENPT_ERR_NOT_FOUND, "no symbols loaded");
	xenpt_symtab_destroy(tab);
}

TEST(bad_files)
{
	const char *path = test_tmp_path("bad.map");
	struct xenpt_symtab *tab = NULL;
	FILE *f;

	REQUIRE_OK(xenpt_symtab_create(&tab));
	CHECK_ERR(xenpt_symtab_load(tab, "/nonexistent/System.map"), XENPT_ERR_NOT_FOUND);
	f = fopen(path, "w");
	REQUIRE(f);
	fputs("ffffffff81000000 T ok\nthis is not a map line\n", f);
	fclose(f);
	CHECK_ERR_MSG(xenpt_symtab_load(tab, path), XENPT_ERR_BAD_DATA, "line 2");
	f = fopen(path, "w");
	REQUIRE(f);
	fclose(f);
	CHECK_ERR_MSG(xenpt_symtab_load(tab, path), XENPT_ERR_BAD_DATA, "no symbols");
	remove(path);
	xenpt_symtab_destroy(tab);
}

/* ELF through libelf: this test binary's own symbols against its run-time addresses. */
int test_sym_marker_a(void);
int test_sym_marker_b(void);
__attribute__((noinline)) int test_sym_marker_a(void) { return 1; }
__attribute__((noinline)) int test_sym_marker_b(void) { return 2; }

TEST(elf_symbols_of_this_binary)
{
	struct xenpt_symtab *tab = NULL;
	struct xenpt_error *err;

	REQUIRE_OK(xenpt_symtab_create(&tab));
	err = xenpt_symtab_load(tab, "/proc/self/exe");
#ifndef HAVE_LIBELF
	CHECK(err && xenpt_error_code(err) == XENPT_ERR_UNSUPPORTED);
	xenpt_error_destroy(err);
	xenpt_symtab_destroy(tab);
	return;
#else
	struct xenpt_sym a, b, n;

	REQUIRE_OK(err);
	REQUIRE(xenpt_symtab_lookup(tab, "test_sym_marker_a", &a));
	REQUIRE(xenpt_symtab_lookup(tab, "test_sym_marker_b", &b));
	CHECK_EQ(b.addr - a.addr, (uintptr_t)test_sym_marker_b - (uintptr_t)test_sym_marker_a);
	CHECK(a.size > 0);
	CHECK_EQ(a.type, 'T');
	/* inside a function: that function; sections are there too */
	REQUIRE(xenpt_symtab_nearest(tab, a.addr + a.size - 1, &n));
	CHECK_STR_EQ(n.name, "test_sym_marker_a");
	REQUIRE(xenpt_symtab_lookup(tab, ".text", &n));
	CHECK_EQ(n.type, 'S');
	xenpt_symtab_destroy(tab);
#endif
}

/*
 * 64-bit code with known boundaries (as objdump shows them):
 *   0: 48 b8 11 22 33 44 55 66 77 88   movabs rax, 0x8877665544332211
 *   a: 48 89 e7                        mov rdi, rsp
 *   d: e8 00 00 00 00                  call 0x12
 *  12: 59                              pop rcx
 *  13: c3                              ret
 * The bytes of the movabs immediate decode as other instructions from a
 * misaligned start; backward decoding must still land on the true ones.
 */
static const uint8_t code[] = {
	0x48, 0xb8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x48, 0x89, 0xe7, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x59, 0xc3,
};

TEST(disassemble)
{
	struct xenpt_dis *d = NULL;
	struct xenpt_insn in;
	struct xenpt_error *err = xenpt_dis_create(0, &d);
	uint64_t start;
	unsigned n;

	if (!xenpt_have_capstone()) {
		CHECK(err && xenpt_error_code(err) == XENPT_ERR_UNSUPPORTED);
		xenpt_error_destroy(err);
		return;
	}
	REQUIRE_OK(err);
	REQUIRE(xenpt_dis_one(d, code, sizeof(code), 0x1000, &in));
	CHECK_EQ(in.size, 10);
	CHECK_STR_EQ(in.mnemonic, "movabs");
	REQUIRE(xenpt_dis_one(d, code + 13, sizeof(code) - 13, 0x100d, &in));
	CHECK(in.is_call && in.has_target);
	CHECK_EQ(in.target, 0x1012);
	REQUIRE(xenpt_dis_one(d, code + 19, 1, 0x1013, &in));
	CHECK(in.is_ret);
	CHECK(!xenpt_dis_one(d, code, 5, 0x1000, &in));   /* cut short */
	/* backward: the 3 instructions ending at 0x1013 start at 0x100a */
	REQUIRE(xenpt_dis_backward(d, code, 19, 0x1013, 3, &start, &n));
	CHECK_EQ(start, 0x100a);
	CHECK_EQ(n, 3);
	REQUIRE(xenpt_dis_backward(d, code, 20, 0x1014, 1, &start, &n));
	CHECK_EQ(start, 0x1013);
	xenpt_dis_destroy(d);
	/* 32-bit, AT&T */
	REQUIRE_OK(xenpt_dis_create(XENPT_DIS_32BIT | XENPT_DIS_ATT, &d));
	REQUIRE(xenpt_dis_one(d, (const uint8_t *)"\x89\xe5", 2, 0x8000, &in));
	CHECK_STR_EQ(in.mnemonic, "movl");
	CHECK_STR_EQ(in.op_str, "%esp, %ebp");
	xenpt_dis_destroy(d);
}

/* ---- kallsyms (lib/view/kallsyms.c) ------------------------------------------
 *
 * The oracle for the synthetic tables is this test's own writer, which lays
 * the arrays out as the kernel's scripts/kallsyms.c describes them (written
 * here from that description, not from the reader): the symbols it was given
 * must come back, address for address and name for name.  The real one is
 * the System.map of the fixture's kernel (Debian linux-image-6.1.0-56-amd64,
 * 6.1.192-2, from its -dbg package), parsed here with sscanf.
 */
#include <xenpt/kallsyms.h>
#include <xenpt/source.h>
#include <xenpt/walk.h>

#define KS_N 300
#define KS_VA 0xffffffff82000000ull

enum ks_layout {
	KS_61,        /* offsets, base, num, names, markers, 3-byte seqs, tokens, index (6.1.y) */
	KS_64,        /* num, names, markers, tokens, index, offsets, base (6.4+), no per-CPU */
	KS_ABS,       /* addresses, num (u64), names, 8-byte markers, tokens, index (no BASE_RELATIVE) */
};

struct ks_img {
	uint8_t *p;
	size_t len, cap;
	size_t at_num, at_names, at_markers, at_tokens, at_index, at_offsets;
};

static void ks_put(struct ks_img *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void ks_align(struct ks_img *b)
{
	static const uint8_t z[8];

	ks_put(b, z, (8 - b->len % 8) % 8);
}

static void ks_u32(struct ks_img *b, uint32_t v) { ks_put(b, &v, 4); }
static void ks_u64(struct ks_img *b, uint64_t v) { ks_put(b, &v, 8); }

/* Symbol i: per-CPU ones first (addresses 0, 0x1000, ...) when @percpu, then text. */
static void ks_sym(unsigned i, bool percpu, uint64_t *addr, char *type, char *name, size_t len)
{
	if (percpu && i < 4) {
		*addr = 0x1000ull * i;
		*type = 'A';
		snprintf(name, len, "percpu__var%u", i);
		return;
	}
	*addr = KS_VA + 0x10ull * i;   /* sorted, inside the image (the reader wants one there) */
	*type = i % 3 ? 't' : 'T';
	snprintf(name, len, "%s_%04u", i % 2 ? "do__thing" : "sym__", i);   /* all digits, "__" */
}

/*
 * Tokens: every byte used in "type+name" stands for itself; 0x01 is "__"
 * (compressed in the names); the other unused bytes get "qz".
 */
static void ks_build(struct ks_img *b, enum ks_layout lay, bool big_len)
{
	bool percpu = lay == KS_61, used[256] = { false };
	uint64_t addrs[KS_N], base = 0;
	char names[KS_N][200];
	uint16_t index[256];
	size_t markers[(KS_N + 255) / 256], off = 0;
	unsigned i, j;

	memset(b, 0, sizeof(*b));
	ks_put(b, "\0\0\0\0\0\0\0\0", 8);   /* something before */
	for (i = 0; i < KS_N; i++) {
		char type, name[64];

		ks_sym(i, percpu, &addrs[i], &type, name, sizeof(name));
		snprintf(names[i], sizeof(names[i]), "%c%s", type, name);
		if (big_len && i == 7) {   /* 130 bytes: a two-byte length (6.1+) */
			memset(names[i] + 1, 'L', 129);
			names[i][130] = 0;
		}
		for (j = 0; names[i][j]; j++)
			used[(uint8_t)names[i][j]] = true;
	}
	for (i = 0; i < KS_N; i++)
		if (!percpu || addrs[i] >= 0x100000) {
			base = addrs[i];
			break;
		}
	if (lay == KS_61) {
		b->at_offsets = b->len;
		for (i = 0; i < KS_N; i++)
			ks_u32(b, addrs[i] < 0x100000 ? (uint32_t)addrs[i] : (uint32_t)(int32_t)-(int64_t)(addrs[i] - base + 1));
		ks_align(b);
		ks_u64(b, base);
	} else if (lay == KS_ABS) {
		b->at_offsets = b->len;
		for (i = 0; i < KS_N; i++)
			ks_u64(b, addrs[i]);
	}
	ks_align(b);
	b->at_num = b->len;
	if (lay == KS_ABS)
		ks_u64(b, KS_N);
	else
		ks_u32(b, KS_N);
	ks_align(b);
	b->at_names = b->len;
	for (i = 0; i < KS_N; i++) {
		uint8_t enc[300];
		size_t n = 0;
		const char *s = names[i];

		while (*s) {
			if (s[0] == '_' && s[1] == '_') {
				enc[n++] = 0x01;
				s += 2;
			} else {
				enc[n++] = (uint8_t)*s++;
			}
		}
		if (!(i & 0xff))
			markers[i >> 8] = off;
		if (n > 0x7f) {
			uint8_t l[2] = { (uint8_t)((n & 0x7f) | 0x80), (uint8_t)(n >> 7) };

			ks_put(b, l, 2);
			off += 2;
		} else {
			uint8_t l = (uint8_t)n;

			ks_put(b, &l, 1);
			off += 1;
		}
		ks_put(b, enc, n);
		off += n;
	}
	ks_align(b);
	b->at_markers = b->len;
	for (i = 0; i < (KS_N + 255) / 256; i++) {
		if (lay == KS_ABS)
			ks_u64(b, markers[i]);
		else
			ks_u32(b, (uint32_t)markers[i]);
	}
	ks_align(b);
	if (lay == KS_61) {   /* kallsyms_seqs_of_names: 3 bytes each (contents unused) */
		for (i = 0; i < KS_N; i++) {
			uint8_t s3[3] = { 0, (uint8_t)(i >> 8), (uint8_t)i };

			ks_put(b, s3, 3);
		}
		ks_align(b);
	}
	b->at_tokens = b->len;
	off = 0;
	for (i = 0; i < 256; i++) {
		char tok[3] = { (char)i, 0, 0 };

		index[i] = (uint16_t)off;
		if (i == 1)
			strcpy(tok, "__");
		else if (!used[i])
			strcpy(tok, "qz");
		ks_put(b, tok, strlen(tok) + 1);
		off += strlen(tok) + 1;
	}
	ks_align(b);
	b->at_index = b->len;
	ks_put(b, index, sizeof(index));
	ks_align(b);
	if (lay == KS_64) {
		b->at_offsets = b->len;
		for (i = 0; i < KS_N; i++)
			ks_u32(b, (uint32_t)(addrs[i] - base));
		ks_align(b);
		ks_u64(b, base);
	}
	ks_put(b, "\0\0\0\0\0\0\0\0", 8);
	/* pad to whole pages, as memory is */
	while (b->len % 4096)
		ks_put(b, "", 1);
}

/* Every symbol the writer put in comes back, in order, with its type. */
static void ks_check_all(struct xenpt_symtab *tab, enum ks_layout lay, bool big_len)
{
	unsigned i;

	CHECK_EQ(xenpt_symtab_count(tab), KS_N);
	for (i = 0; i < KS_N; i++) {
		struct xenpt_sym s;
		uint64_t addr;
		char type, name[200];

		ks_sym(i, lay == KS_61, &addr, &type, name, sizeof(name));
		if (big_len && i == 7) {
			memset(name, 'L', 129);
			name[129] = 0;
		}
		if (!xenpt_symtab_lookup(tab, name, &s)) {
			test_fail(__FILE__, __LINE__, "symbol %u '%s' not decoded", i, name);
			return;
		}
		CHECK_EQ(s.addr, addr);
		CHECK_EQ(s.type, type);
	}
}

TEST(kallsyms_layouts)
{
	static const enum ks_layout lays[] = { KS_61, KS_64, KS_ABS };
	unsigned l;

	for (l = 0; l < 3; l++) {
		struct ks_img b;
		struct xenpt_symtab *tab = NULL;
		struct xenpt_kallsyms_info info;
		int big;

		for (big = 0; big <= 1; big++) {
			ks_build(&b, lays[l], big);
			REQUIRE_OK(xenpt_symtab_create(&tab));
			CHECK_OK(xenpt_kallsyms_scan(b.p, b.len, KS_VA, tab, &info));
			ks_check_all(tab, lays[l], big);
			CHECK_EQ(info.nsyms, KS_N);
			CHECK_EQ(info.num_syms, KS_VA + b.at_num);
			CHECK_EQ(info.names, KS_VA + b.at_names);
			CHECK_EQ(info.markers, KS_VA + b.at_markers);
			CHECK_EQ(info.token_table, KS_VA + b.at_tokens);
			CHECK_EQ(info.token_index, KS_VA + b.at_index);
			CHECK_EQ(info.addresses, KS_VA + b.at_offsets);
			CHECK_EQ(info.marker_size, lays[l] == KS_ABS ? 8u : 4u);
			CHECK_EQ(info.base_relative, lays[l] != KS_ABS);
			CHECK_EQ(info.absolute_percpu, lays[l] == KS_61);
			xenpt_symtab_destroy(tab);
			free(b.p);
		}
	}
}

/* Scan @len bytes of a copy (so that ASan sees reads past @len); NOT_FOUND or the whole table. */
static int ks_scan_copy(const uint8_t *p, size_t len, size_t *count)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct xenpt_symtab *tab = NULL;
	struct xenpt_error *err;
	int rc;

	memcpy(copy, p, len);
	xenpt_symtab_create(&tab);
	err = xenpt_kallsyms_scan(copy, len, KS_VA, tab, NULL);
	rc = err ? (int)xenpt_error_code(err) : 0;
	*count = xenpt_symtab_count(tab);
	xenpt_error_destroy(err);
	xenpt_symtab_destroy(tab);
	free(copy);
	return rc;
}

TEST(kallsyms_hostile)
{
	struct ks_img b;
	size_t cut, n, i;
	uint8_t *p;
	uint32_t big = 0xffffffffu;
	unsigned seed = 12345, found = 0, notfound = 0;

	ks_build(&b, KS_61, false);
	/* truncated anywhere before the end of the index: not found, nothing added */
	for (cut = 0; cut < b.at_index + 512; cut += 7) {
		CHECK_EQ(ks_scan_copy(b.p, cut, &n), XENPT_ERR_NOT_FOUND);
		CHECK_EQ(n, 0);
	}
	p = malloc(b.len);
	/* one marker wrong */
	memcpy(p, b.p, b.len);
	p[b.at_markers + 4]++;
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* the last name's length running past the image's contents */
	memcpy(p, b.p, b.len);
	memcpy(p + b.at_num, &big, 4);
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* a length byte that is all continuation */
	memcpy(p, b.p, b.len);
	p[b.at_names] = 0x80;
	p[b.at_names + 1] = 0x80;
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* a token index entry off by one */
	memcpy(p, b.p, b.len);
	p[b.at_index + 2 * 0x41]++;
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* the offsets not sorted */
	memcpy(p, b.p, b.len);
	memcpy(p + b.at_offsets + 4 * 10, p + b.at_offsets + 4 * 200, 4);
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* a token that does not end (the table's NULs overwritten) */
	memcpy(p, b.p, b.len);
	memset(p + b.at_tokens, 'x', b.at_index - b.at_tokens);
	CHECK_EQ(ks_scan_copy(p, b.len, &n), XENPT_ERR_NOT_FOUND);
	/* random damage: never a crash; either nothing or the whole table (the damage missed) */
	for (i = 0; i < 3000; i++) {
		unsigned k, flips = 1 + (unsigned)(rand_r(&seed) % 4);
		int rc;

		memcpy(p, b.p, b.len);
		for (k = 0; k < flips; k++) {
			size_t at = b.at_offsets + (size_t)rand_r(&seed) % (b.at_index + 512 - b.at_offsets);

			p[at] = (uint8_t)rand_r(&seed);
		}
		rc = ks_scan_copy(p, b.len, &n);
		if (rc == 0 && n == KS_N)
			found++;
		else if (rc == XENPT_ERR_NOT_FOUND && n == 0)
			notfound++;
		else
			test_fail(__FILE__, __LINE__, "random damage %zu: code %d, %zu symbols", i, rc, n);
	}
	CHECK(notfound > 0);
	/* no table at all: zeros, and the message says where it looked */
	memset(p, 0, b.len);
	CHECK_ERR_MSG(xenpt_kallsyms_scan(p, b.len, KS_VA, NULL, NULL),
		      XENPT_ERR_INVALID_ARG, "no image or no table");
	{
		struct xenpt_symtab *tab = NULL;

		REQUIRE_OK(xenpt_symtab_create(&tab));
		CHECK_ERR_MSG(xenpt_kallsyms_scan(p, b.len, KS_VA, tab, NULL), XENPT_ERR_NOT_FOUND,
			      "no kallsyms table found in 0xffffffff82000000-");
		xenpt_symtab_destroy(tab);
	}
	(void)found;
	free(p);
	free(b.p);
}

/* ---- the real kernel: every symbol from memory against its System.map ---- */

struct map_ent {
	uint64_t addr;
	char type;
	char name[128];
};

static int map_cmp(const void *a, const void *b)
{
	const struct map_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct map_ent *read_system_map(size_t *n)
{
	char path[4096], line[512];
	struct map_ent *v = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fixtures/xenlab-domu.System.map.txt", test_build_dir());
	f = fopen(path, "r");
	*n = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = realloc(v, cap * sizeof(*v));
		}
		if (sscanf(line, "%" SCNx64 " %c %127s", &v[*n].addr, &v[*n].type, v[*n].name) == 3)
			(*n)++;
	}
	fclose(f);
	qsort(v, *n, sizeof(*v), map_cmp);
	return v;
}

static void kallsyms_vs_map(const char *core)
{
	char path[4096];
	struct xenpt_source *src = NULL;
	struct xenpt_symtab *tab = NULL;
	struct xenpt_kallsyms_info info;
	struct xenpt_aspace as;
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct map_ent *map, key, *hit;
	struct xenpt_sym s;
	size_t nmap, pos = 0, count = 0, bad_name = 0, bad_type = 0, percpu = 0;
	const char *arrays[] = { "kallsyms_num_syms", "kallsyms_names", "kallsyms_markers",
				 "kallsyms_token_table", "kallsyms_token_index", "kallsyms_offsets" };
	unsigned i;

	map = read_system_map(&nmap);
	if (!map) {
		test_fail(__FILE__, __LINE__, "no build/fixtures/xenlab-domu.System.map.txt (make fixtures)");
		free(v);
		return;
	}
	CHECK_EQ(nmap, 94280);
	snprintf(path, sizeof(path), "%s/fixtures/%s", test_build_dir(), core);
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	REQUIRE_OK(xenpt_source_vcpu(src, 0, v));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	REQUIRE_OK(xenpt_symtab_create(&tab));
	CHECK_OK(xenpt_kallsyms_load(src, &as, v->regs.rip, tab, &info));
	/* the arrays where the System.map puts them */
	{
		uint64_t got[6] = { info.num_syms, info.names, info.markers, info.token_table,
				    info.token_index, info.addresses };

		for (i = 0; i < 6; i++) {
			size_t k;

			for (k = 0; k < nmap && strcmp(map[k].name, arrays[i]); k++)
				;
			REQUIRE(k < nmap);
			CHECK_EQ(got[i], map[k].addr);
		}
	}
	CHECK_EQ(info.nsyms, 94266);
	CHECK(info.base_relative && info.absolute_percpu);
	CHECK_EQ(info.relative_base, 0xffffffff81000000ull);   /* _text */
	/* every symbol decoded: its name at its address in the System.map */
	while (xenpt_symtab_prefix(tab, "", &pos, &s)) {
		count++;
		key.addr = s.addr;
		snprintf(key.name, sizeof(key.name), "%s", s.name);
		hit = bsearch(&key, map, nmap, sizeof(*map), map_cmp);
		if (!hit) {
			if (bad_name++ < 5)
				test_fail(__FILE__, __LINE__, "%s at 0x%" PRIx64 " is not in the System.map",
					  s.name, s.addr);
			continue;
		}
		/* kallsyms marks per-CPU symbols 'A' (scripts/kallsyms.c); the rest as nm */
		if (s.type == 'A' && tolower((unsigned char)hit->type) == 'd')
			percpu++;
		else if (s.type != hit->type && bad_type++ < 5)
			test_fail(__FILE__, __LINE__, "%s: type %c, System.map %c", s.name, s.type, hit->type);
	}
	CHECK_EQ(count, 94266);
	CHECK_EQ(bad_name, 0);
	CHECK_EQ(bad_type, 0);
	CHECK_EQ(percpu, 383);
	printf("# %s: %zu symbols from kallsyms, %zu not in the System.map, %zu of another type "
	       "(%zu per-CPU 'A')\n", core, count, bad_name, bad_type, percpu);
	xenpt_symtab_destroy(tab);
	xenpt_source_close(src);
	free(map);
	free(v);
}

TEST(kallsyms_pv_core_vs_system_map)
{
	kallsyms_vs_map("xenlab-domu.core");
}

TEST(kallsyms_pvh_core_vs_system_map)
{
	kallsyms_vs_map("xenlab-domu-pvh.core");
}

TEST(kallsyms_not_linux)
{
	char path[4096];
	struct xenpt_source *src = NULL;
	struct xenpt_symtab *tab = NULL;
	struct xenpt_aspace as;

	snprintf(path, sizeof(path), "%s/fixtures/xenpt-testguest.core", test_build_dir());
	REQUIRE_OK(xenpt_source_open_core(path, &src));
	REQUIRE_OK(xenpt_aspace_from_vcpu(src, 0, false, &as));
	REQUIRE_OK(xenpt_symtab_create(&tab));
	CHECK_ERR_MSG(xenpt_kallsyms_load(src, &as, 0xffffffff800003aaull, tab, NULL), XENPT_ERR_NOT_FOUND,
		      "no kallsyms table found in 0xffffffff80000000-0xffffffff80400000 (the mapped run of the kernel image holding the vCPU's RIP");
	CHECK_EQ(xenpt_symtab_count(tab), 0);
	xenpt_symtab_destroy(tab);
	xenpt_source_close(src);
}
