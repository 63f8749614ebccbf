/* SPDX-License-Identifier: MIT */
/*
 * Symbol tables (lib/view/sym.c) and the disassembler (lib/view/dis.c): System.map
 * parsing, lookups, the address parser, ELF through libelf (checked
 * against this very binary: differences between two functions' ELF values
 * equal the differences of their run-time addresses), and backward decoding
 * on byte sequences whose instruction boundaries are known.
 */
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
