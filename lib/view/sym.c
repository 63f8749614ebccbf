/* SPDX-License-Identifier: MIT */
/*
 * Symbol tables (include/xenpt/sym.h): System.map files parsed here, ELF
 * images read through libelf (elfutils), never by hand.  Symbols sit in one
 * array sorted by address, with a second index sorted by name; both are
 * (re)built lazily after additions.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBELF
#include <gelf.h>
#include <libelf.h>
#endif

#include <xenpt/sym.h>
#include <xenpt/types.h>

#include "base/base.h"

struct sym_ent {
	uint64_t addr, size;
	char type;
	size_t seq;              /* insertion order: stable ties */
	char *name;
};

struct xenpt_symtab {
	struct sym_ent *v;       /* by address (when sorted) */
	size_t n, cap;
	size_t *by_name;         /* indices into v, by name */
	bool sorted;
};

XENPT_PUBLIC struct xenpt_error *xenpt_symtab_create(struct xenpt_symtab **ret)
{
	*ret = calloc(1, sizeof(**ret));
	if (!*ret)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	(*ret)->sorted = true;
	return NULL;
}

XENPT_PUBLIC void xenpt_symtab_destroy(struct xenpt_symtab *tab)
{
	size_t i;

	if (!tab)
		return;
	for (i = 0; i < tab->n; i++)
		free(tab->v[i].name);
	free(tab->v);
	free(tab->by_name);
	free(tab);
}

XENPT_PUBLIC struct xenpt_error *xenpt_symtab_add(struct xenpt_symtab *tab, uint64_t addr,
						  uint64_t size, char type, const char *name)
{
	struct sym_ent *e;

	if (!name || !*name)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "a symbol needs a name");
	if (tab->n == tab->cap) {
		size_t cap = tab->cap ? tab->cap * 2 : 1024;
		struct sym_ent *v = realloc(tab->v, cap * sizeof(*v));

		if (!v)
			return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		tab->v = v;
		tab->cap = cap;
	}
	e = &tab->v[tab->n];
	e->name = strdup(name);
	if (!e->name)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	e->addr = addr;
	e->size = size;
	e->type = type;
	e->seq = tab->n;
	tab->n++;
	tab->sorted = false;
	return NULL;
}

XENPT_PUBLIC size_t xenpt_symtab_count(const struct xenpt_symtab *tab)
{
	return tab ? tab->n : 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct sym_ent *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const struct sym_ent *sort_base;

/* by name; among equal names a global symbol first, then the first loaded */
static int cmp_name(const void *a, const void *b)
{
	const struct sym_ent *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
	int c = strcmp(x->name, y->name);
	bool gx = isupper((unsigned char)x->type), gy = isupper((unsigned char)y->type);

	if (c)
		return c;
	if (gx != gy)
		return gx ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort after additions.  The table is logically const for lookups. */
static bool ensure_sorted(const struct xenpt_symtab *ctab)
{
	struct xenpt_symtab *tab = (struct xenpt_symtab *)ctab;
	size_t i, *idx;

	if (tab->sorted)
		return true;
	qsort(tab->v, tab->n, sizeof(*tab->v), cmp_addr);
	idx = realloc(tab->by_name, (tab->n ? tab->n : 1) * sizeof(*idx));
	if (!idx)
		return false;
	tab->by_name = idx;
	for (i = 0; i < tab->n; i++)
		idx[i] = i;
	sort_base = tab->v;
	qsort(idx, tab->n, sizeof(*idx), cmp_name);
	sort_base = NULL;
	tab->sorted = true;
	return true;
}

static void to_sym(const struct sym_ent *e, struct xenpt_sym *ret)
{
	ret->addr = e->addr;
	ret->size = e->size;
	ret->type = e->type;
	ret->name = e->name;
}

XENPT_PUBLIC bool xenpt_symtab_lookup(const struct xenpt_symtab *tab, const char *name,
				      struct xenpt_sym *ret)
{
	size_t lo = 0, hi;

	if (!tab || !ensure_sorted(tab))
		return false;
	hi = tab->n;
	while (lo < hi) {   /* first entry with name >= @name */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(tab->v[tab->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == tab->n || strcmp(tab->v[tab->by_name[lo]].name, name))
		return false;
	to_sym(&tab->v[tab->by_name[lo]], ret);
	return true;
}

XENPT_PUBLIC bool xenpt_symtab_prefix(const struct xenpt_symtab *tab, const char *prefix,
				      size_t *pos, struct xenpt_sym *ret)
{
	size_t len = strlen(prefix), lo = 0, hi;

	if (!tab || !ensure_sorted(tab))
		return false;
	if (!*pos) {   /* first name >= @prefix */
		hi = tab->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(tab->v[tab->by_name[mid]].name, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		*pos = lo + 1;
	}
	if (*pos - 1 >= tab->n || strncmp(tab->v[tab->by_name[*pos - 1]].name, prefix, len))
		return false;
	to_sym(&tab->v[tab->by_name[*pos - 1]], ret);
	(*pos)++;
	return true;
}

static bool covers(const struct sym_ent *e, uint64_t addr)
{
	return !e->size || addr - e->addr < e->size;
}

XENPT_PUBLIC bool xenpt_symtab_nearest(const struct xenpt_symtab *tab, uint64_t addr,
				       struct xenpt_sym *ret)
{
	const struct sym_ent *sec = NULL, *best;
	size_t lo = 0, hi, i;

	if (!tab || !tab->n || !ensure_sorted(tab))
		return false;
	hi = tab->n;
	while (lo < hi) {   /* first entry with addr > @addr */
		size_t mid = lo + (hi - lo) / 2;

		if (tab->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the highest symbol at or below, skipping sections (kept as a fallback) */
	for (i = lo; i-- > 0;) {
		if (tab->v[i].type != 'S')
			break;
		if (!sec && covers(&tab->v[i], addr))
			sec = &tab->v[i];
	}
	if (i == (size_t)-1 || i >= lo) {
		if (!sec)
			return false;
		to_sym(sec, ret);
		return true;
	}
	/*
	 * In its address group: a global symbol before a local one, then one
	 * with a size covering @addr (an object or function, not a bare
	 * label), then the first loaded.
	 */
	best = &tab->v[i];
	for (; i-- > 0 && tab->v[i].addr == best->addr;) {
		const struct sym_ent *e = &tab->v[i];
		bool g = isupper((unsigned char)e->type), bg = isupper((unsigned char)best->type);
		bool sz = e->size && covers(e, addr), bsz = best->size && covers(best, addr);

		if (e->type == 'S' || (bg && !g))
			continue;
		if ((g && !bg) || (sz && !bsz) || sz == bsz)
			best = e;
	}
	if (!covers(best, addr)) {
		/* past the end of a sized symbol: the section around it, if any */
		for (i = lo; !sec && i-- > 0;)
			if (tab->v[i].type == 'S' && covers(&tab->v[i], addr))
				sec = &tab->v[i];
		if (!sec)
			return false;
		best = sec;
	}
	to_sym(best, ret);
	return true;
}

XENPT_PUBLIC const char *xenpt_symtab_format(const struct xenpt_symtab *tab, uint64_t addr,
					     char *buf, size_t len)
{
	struct xenpt_sym s;

	if (!len)
		return buf;
	buf[0] = 0;
	if (!xenpt_symtab_nearest(tab, addr, &s))
		return buf;
	if (addr == s.addr)
		snprintf(buf, len, "%s", s.name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s.name, addr - s.addr);
	return buf;
}

XENPT_PUBLIC struct xenpt_error *xenpt_symtab_parse(const struct xenpt_symtab *tab, const char *s,
						    uint64_t *ret)
{
	struct xenpt_sym sym;
	const char *op;
	uint64_t off;
	char *name;

	if (xenpt_symtab_lookup(tab, s, &sym)) {
		*ret = sym.addr;
		return NULL;
	}
	op = strrchr(s, '+');
	if (!op || (strrchr(s, '-') && strrchr(s, '-') > op))
		op = strrchr(s, '-');
	if (!op || op == s)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "no symbol '%s'%s", s,
					  tab && tab->n ? "" : " (no symbols loaded: --symbols FILE)");
	name = strndup(s, (size_t)(op - s));
	if (!name)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	if (!xenpt_symtab_lookup(tab, name, &sym)) {
		struct xenpt_error *err = xenpt_error_create(XENPT_ERR_NOT_FOUND, "no symbol '%s'%s",
			name, tab && tab->n ? "" : " (no symbols loaded: --symbols FILE)");

		free(name);
		return err;
	}
	free(name);
	if (!xenpt_parse_number(op + 1, XENPT_NUM_SEPARATORS, &off))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "'%s': '%s' is not an offset", s, op + 1);
	*ret = *op == '+' ? sym.addr + off : sym.addr - off;
	return NULL;
}

/* ---- System.map: "ffffffff81000000 T _text" per line -------------------- */

static struct xenpt_error *load_map(struct xenpt_symtab *tab, const char *path, FILE *f)
{
	char line[1024];
	size_t lineno = 0, added = 0;
	struct xenpt_error *err;

	while (fgets(line, sizeof(line), f)) {
		char *end, type, name[512];
		uint64_t addr;
		int n;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		/* nm lists undefined symbols without an address: "         U name" */
		if (sscanf(line, " %c %511s", &type, name) == 2 && strchr("Uwv", type) &&
		    isspace((unsigned char)line[strspn(line, " \t") + 1]))
			continue;
		errno = 0;
		addr = strtoull(line, &end, 16);
		if (end == line || errno ||
		    sscanf(end, " %c %511s%n", &type, name, &n) != 2 || !isspace((unsigned char)*end))
			return xenpt_error_create(XENPT_ERR_BAD_DATA,
				"%s: line %zu is not 'ADDRESS TYPE NAME' (a System.map or nm listing)",
				path, lineno);
		if (type == 'U' || type == 'w' || type == 'v' || (addr == 0 && (type == 'A' || type == 'a')))
			continue;   /* undefined, weak undefined, absolute zero */
		err = xenpt_symtab_add(tab, addr, 0, type, name);
		if (err)
			return err;
		added++;
	}
	if (ferror(f))
		return xenpt_error_os(errno, "reading %s", path);
	if (!added)
		return xenpt_error_create(XENPT_ERR_BAD_DATA, "%s: no symbols", path);
	return NULL;
}

/* ---- ELF, through libelf ------------------------------------------------ */

#ifdef HAVE_LIBELF
static char elf_type_letter(const GElf_Sym *s, const GElf_Shdr *sec)
{
	int t = GELF_ST_TYPE(s->st_info);
	char c;

	if (s->st_shndx == SHN_ABS)
		c = 'a';
	else if (t == STT_FUNC || (sec && (sec->sh_flags & SHF_EXECINSTR)))
		c = 't';
	else if (sec && sec->sh_type == SHT_NOBITS)
		c = 'b';
	else if (sec && !(sec->sh_flags & SHF_WRITE))
		c = 'r';
	else
		c = 'd';
	return GELF_ST_BIND(s->st_info) == STB_LOCAL ? c : (char)toupper(c);
}

static struct xenpt_error *load_elf(struct xenpt_symtab *tab, const char *path, int fd)
{
	struct xenpt_error *err = NULL;
	Elf *e = NULL;
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	size_t shstrndx, added = 0, i, nsyms;
	Elf_Data *data;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "libelf: %s", elf_errmsg(-1));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx)) {
		err = xenpt_error_create(XENPT_ERR_BAD_DATA, "%s: not a readable ELF file: %s", path,
					 elf_errmsg(-1));
		goto out;
	}
	/* sections with an address, and the symbol table (.symtab, else .dynsym) */
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !symscn)) {
			symscn = scn;
			symsh = sh;
		}
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if ((sh.sh_flags & SHF_ALLOC) && sh.sh_addr && name && *name) {
			err = xenpt_symtab_add(tab, sh.sh_addr, sh.sh_size, 'S', name);
			if (err)
				goto out;
			added++;
		}
	}
	if (!symscn || !(data = elf_getdata(symscn, NULL)) || !symsh.sh_entsize)
		goto done;
	nsyms = symsh.sh_size / symsh.sh_entsize;
	for (i = 1; i < nsyms; i++) {
		GElf_Sym s;
		GElf_Shdr ssh, *secp = NULL;
		const char *name;
		int t;

		if (!gelf_getsym(data, (int)i, &s))
			break;
		t = GELF_ST_TYPE(s.st_info);
		if (s.st_shndx == SHN_UNDEF || t == STT_FILE || t == STT_SECTION || !s.st_value)
			continue;
		name = elf_strptr(e, symsh.sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (s.st_shndx < SHN_LORESERVE) {
			Elf_Scn *ss = elf_getscn(e, s.st_shndx);

			if (ss && gelf_getshdr(ss, &ssh))
				secp = &ssh;
		}
		err = xenpt_symtab_add(tab, s.st_value, s.st_size, elf_type_letter(&s, secp), name);
		if (err)
			goto out;
		added++;
	}
done:
	if (!added)
		err = xenpt_error_create(XENPT_ERR_BAD_DATA, "%s: no symbols or sections with an address",
					 path);
out:
	if (e)
		elf_end(e);
	return err;
}
#endif

XENPT_PUBLIC struct xenpt_error *xenpt_symtab_load(struct xenpt_symtab *tab, const char *path)
{
	struct xenpt_error *err;
	unsigned char magic[4] = { 0 };
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return xenpt_error_os(errno, "opening %s", path);
	if (fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4)) {
#ifdef HAVE_LIBELF
		err = load_elf(tab, path, fileno(f));
#else
		err = xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					 "%s is an ELF file, and xenpt was built without libelf", path);
		err = xenpt_error_hint(err, "install libelf-dev and rebuild, or give a System.map");
#endif
	} else {
		rewind(f);
		err = load_map(tab, path, f);
	}
	fclose(f);
	if (!err)
		ensure_sorted(tab);
	return err;
}
