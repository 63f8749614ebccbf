/* SPDX-License-Identifier: MIT */
/**
 * @file sym.h
 * Symbol tables: names for guest addresses, from a System.map (nm format,
 * "ADDR TYPE NAME") or an ELF image such as vmlinux (its .symtab, or
 * .dynsym when stripped, and its sections), read with libelf.  One table
 * may hold several files.  Lookups: a name to its address, an address to
 * the nearest symbol at or below it (a sorted array and a binary search).
 */
#ifndef XENPT_SYM_H
#define XENPT_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenpt_symtab;

/** One symbol. */
struct xenpt_sym {
	uint64_t addr;
	uint64_t size;       /**< 0 when unknown (System.map) */
	char type;           /**< nm's letter: 'T' text, 'D' data, 't' local text, ...; 'S' a section */
	const char *name;    /**< owned by the table */
};

/** An empty table. */
struct xenpt_error *xenpt_symtab_create(struct xenpt_symtab **ret);
/** Free (NULL is fine). */
void xenpt_symtab_destroy(struct xenpt_symtab *tab);
/**
 * Add the symbols of @p path: an ELF file (by its magic; needs libelf,
 * else XENPT_ERR_UNSUPPORTED) or a System.map.  Undefined, absolute-zero and
 * file symbols are left out; ELF sections with an address are added with
 * type 'S'.  A file with no usable symbol is XENPT_ERR_BAD_DATA.
 */
struct xenpt_error *xenpt_symtab_load(struct xenpt_symtab *tab, const char *path);
/** Add one symbol (tests, kallsyms). */
struct xenpt_error *xenpt_symtab_add(struct xenpt_symtab *tab, uint64_t addr, uint64_t size,
				     char type, const char *name);
/** Number of symbols. */
size_t xenpt_symtab_count(const struct xenpt_symtab *tab);
/** The symbol called @p name (the first loaded, preferring globals); false if none. */
bool xenpt_symtab_lookup(const struct xenpt_symtab *tab, const char *name, struct xenpt_sym *ret);
/**
 * The symbols whose names start with @p prefix, in name order, one per
 * call: start with *@p pos = 0; false after the last.  For completion.
 */
bool xenpt_symtab_prefix(const struct xenpt_symtab *tab, const char *prefix, size_t *pos,
			 struct xenpt_sym *ret);
/**
 * The symbol nearest at or below @p addr (functions and data before
 * sections; among equal addresses a global one, then one whose size covers
 * @p addr, then the first loaded); false if none, or if the
 * symbol has a size and @p addr lies beyond it.  *ret->addr <= addr.
 */
bool xenpt_symtab_nearest(const struct xenpt_symtab *tab, uint64_t addr, struct xenpt_sym *ret);
/**
 * "name" or "name+0x10" for @p addr into @p buf; "" when no symbol
 * covers it.  Returns @p buf.
 */
const char *xenpt_symtab_format(const struct xenpt_symtab *tab, uint64_t addr, char *buf,
				size_t len);
/**
 * Parse "NAME", "NAME+OFF" or "NAME-OFF" (OFF a number, hex with 0x) into
 * an address.  XENPT_ERR_NOT_FOUND when the name is not in @p tab (NULL: no
 * symbols), XENPT_ERR_INVALID_ARG for a bad offset.
 */
struct xenpt_error *xenpt_symtab_parse(const struct xenpt_symtab *tab, const char *s,
				       uint64_t *ret);

#ifdef __cplusplus
}
#endif
#endif
