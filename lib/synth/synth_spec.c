/* SPDX-License-Identifier: MIT */
/*
 * The text format of synthetic domains (man/xenpt-synth.5).  Line based:
 * a directive and its arguments per line, "#" comments, double-quoted
 * strings with C escapes.  Header directives (domain, mode, name, ...) come
 * first; the first other directive creates the domain.
 *
 * The parser must be safe on arbitrary bytes (a libFuzzer target calls it):
 * every line is tokenised into a bounded buffer, every number is checked
 * for overflow, and everything that allocates is bounded by struct
 * xenpt_synth_limits.  Messages quote tokens escaped and truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/synth_int.h"

#define MAX_TOKENS   32
#define MAX_SPEC     (16u << 20)   /* bytes of a spec file */

struct parser {
	const char *name;
	unsigned line;
	struct xenpt_synth_params p;
	struct xenpt_synth_limits lim;
	bool have_domain, have_mode;
	struct xenpt_synth *s;
	char *tok[MAX_TOKENS];
	size_t tok_len[MAX_TOKENS];  /* strings may hold NULs */
	bool tok_q[MAX_TOKENS];      /* a "quoted string" */
	unsigned ntok;
};

/* ---- messages ------------------------------------------------------------------ */

// @t escaped for a message: printable ASCII, at most 40 characters.
static const char *quote(const char *t, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)t[i];

		if (i == 40) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

static struct xenpt_error *perr(struct parser *ps, int tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct xenpt_error *perr(struct parser *ps, int tok, const char *fmt, ...)
{
	char msg[384], q[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (tok >= 0 && (unsigned)tok < ps->ntok)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s:%u: '%s': %s", ps->name,
					  ps->line,
					  quote(ps->tok[tok], ps->tok_len[tok], q, sizeof(q)), msg);
	return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s:%u: %s", ps->name, ps->line, msg);
}

// Context for an error from the builder (which names the operation): "FILE:LINE: ...".
static struct xenpt_error *pctx(struct parser *ps, struct xenpt_error *err)
{
	if (!err)
		return NULL;
	return xenpt_error_prefix(err, "%s:%u", ps->name, ps->line);
}

/* ---- tokens ---------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

// Split @line (NUL-terminated copy, modified in place) into tokens.
static struct xenpt_error *tokenize(struct parser *ps, char *line)
{
	char *p = line;

	ps->ntok = 0;
	for (;;) {
		char *out;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		if (!*p || *p == '#')
			return NULL;
		if (ps->ntok == MAX_TOKENS)
			return perr(ps, -1, "more than %u words on one line", MAX_TOKENS);
		out = p;
		ps->tok[ps->ntok] = out;
		if (*p == '"' || (strchr(p, '=') && strchr(p, '=') < p + strcspn(p, " \t\"") &&
				  strchr(p, '=')[1] == '"')) {
			// "string", or key="string": unescape in place
			char *w;

			if (*p != '"') {
				while (*p != '=')
					p++;
				p++;
			}
			w = p;
			p++;
			for (;;) {
				char c = *p++;

				if (!c)
					return perr(ps, -1, "unterminated string");
				if (c == '"')
					break;
				if (c == '\\') {
					int h, l;

					c = *p++;
					switch (c) {
					case 'n': c = '\n'; break;
					case 't': c = '\t'; break;
					case 'r': c = '\r'; break;
					case '0': c = 0; break;
					case '\\': case '"': break;
					case 'x':
						h = hexval(p[0]);
						l = h < 0 ? -1 : hexval(p[1]);
						if (h < 0 || l < 0)
							return perr(ps, -1, "bad \\x escape in a string (two hex digits)");
						c = (char)(h << 4 | l);
						p += 2;
						break;
					default:
						return perr(ps, -1, "unknown escape '\\%c' in a string (use \\n \\t \\r \\0 \\\\ \\\" \\xHH)",
							    c >= 0x20 && c < 0x7f ? c : '?');
					}
				}
				*w++ = c;
			}
			ps->tok_len[ps->ntok] = (size_t)(w - out);
			ps->tok_q[ps->ntok] = true;
			if (*p && *p != ' ' && *p != '\t' && *p != '#' && *p != '\r')
				return perr(ps, -1, "text right after a closing quote");
			if (*p == '#')
				*p = 0;
			else if (*p)
				*p++ = 0;
			*w = 0;
			ps->ntok++;
			continue;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#' && *p != '"')
			p++;
		if (*p == '"')
			return perr(ps, -1, "a quote in the middle of a word");
		ps->tok_len[ps->ntok] = (size_t)(p - out);
		ps->tok_q[ps->ntok] = false;
		ps->ntok++;
		if (*p == '#') {
			*p = 0;
			return NULL;
		}
		if (*p)
			*p++ = 0;
	}
}

/* ---- values ------------------------------------------------------------------------ */

// Unsigned number: 0x hex or decimal, "_" between digits, with @suffix
// also K/M/G/T (binary).  False on junk or overflow.
static bool parse_num(const char *t, bool suffix, uint64_t *ret)
{
	uint64_t v = 0, base = 10, mult = 1;
	bool digits = false;
	const char *p = t;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		int d;

		if (*p == '_' && digits && p[1] && p[1] != '_')
			continue;
		d = hexval(*p);
		if (d < 0 || (uint64_t)d >= base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
		digits = true;
	}
	if (!digits)
		return false;
	if (*p && suffix && !p[1]) {
		switch (*p) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		case 't': case 'T': mult = 1ull << 40; break;
		default: return false;
		}
		p++;
		if (v > UINT64_MAX / mult)
			return false;
		v *= mult;
	}
	if (*p)
		return false;
	*ret = v;
	return true;
}

static struct xenpt_error *num_tok(struct parser *ps, unsigned i, const char *val, bool suffix,
				   const char *what, uint64_t *ret)
{
	if (!parse_num(val, suffix, ret))
		return perr(ps, (int)i, "%s must be a number (0x hex or decimal%s)", what,
			    suffix ? ", with K/M/G/T" : "");
	return NULL;
}

// key=value: the value if token @i has this key, else NULL.
static const char *kv(const struct parser *ps, unsigned i, const char *key)
{
	size_t n = strlen(key);

	if (!strncmp(ps->tok[i], key, n) && ps->tok[i][n] == '=')
		return ps->tok[i] + n + 1;
	return NULL;
}

static bool yes_no(const char *t, bool *ret)
{
	if (!strcmp(t, "yes") || !strcmp(t, "on") || !strcmp(t, "true") || !strcmp(t, "1"))
		*ret = true;
	else if (!strcmp(t, "no") || !strcmp(t, "off") || !strcmp(t, "false") || !strcmp(t, "0"))
		*ret = false;
	else
		return false;
	return true;
}

static const struct {
	const char *name;
	uint64_t bits;
} flag_names[] = {
	{ "p", XENPT_PTE_P }, { "rw", XENPT_PTE_RW }, { "ro", 0 }, { "us", XENPT_PTE_US },
	{ "user", XENPT_PTE_US }, { "pwt", XENPT_PTE_PWT }, { "pcd", XENPT_PTE_PCD },
	{ "a", XENPT_PTE_A }, { "d", XENPT_PTE_D }, { "g", XENPT_PTE_G },
	{ "global", XENPT_PTE_G }, { "nx", XENPT_PTE_NX }, { "x", 0 }, { "pse", XENPT_PTE_PSE },
	{ "pat", XENPT_PTE_PSE }, { "k", XENPT_PTE_GUEST_KERNEL }, { "none", 0 },
};

// "rw,us,nx" (or a number)
static struct xenpt_error *flags_tok(struct parser *ps, unsigned i, const char *val,
				     uint64_t *ret)
{
	uint64_t f = 0;
	const char *p = val;

	if (parse_num(val, false, &f)) {
		*ret = f;
		return NULL;
	}
	f = 0;
	while (*p) {
		size_t n = strcspn(p, ","), k;

		for (k = 0; k < XENPT_ARRAY_SIZE(flag_names); k++)
			if (strlen(flag_names[k].name) == n && !strncmp(flag_names[k].name, p, n))
				break;
		if (k == XENPT_ARRAY_SIZE(flag_names))
			return perr(ps, (int)i,
				    "unknown flag (p rw ro us user pwt pcd a d g global nx x pse pat k none, comma-separated)");
		f |= flag_names[k].bits;
		p += n;
		if (*p == ',')
			p++;
	}
	*ret = f;
	return NULL;
}

static struct xenpt_error *root_tok(struct parser *ps, unsigned i, const char *val, unsigned *ret)
{
	struct xenpt_error *err = xenpt_synth_root_find(ps->s, val, ret);

	if (err) {
		xenpt_error_destroy(err);
		return perr(ps, (int)i, "no root of that name");
	}
	return NULL;
}

/* ---- header ---------------------------------------------------------------------------- */

static struct xenpt_error *header(struct parser *ps, const char *d, bool *handled)
{
	uint64_t v;
	struct xenpt_error *err;
	bool b;

	*handled = true;
	if (!strcmp(d, "domain") || !strcmp(d, "mode") || !strcmp(d, "name") ||
	    !strcmp(d, "domid") || !strcmp(d, "memory") || !strcmp(d, "pages") ||
	    !strcmp(d, "host-memory") || !strcmp(d, "host-frames") || !strcmp(d, "vcpus") ||
	    !strcmp(d, "seed") || !strcmp(d, "sparse") || !strcmp(d, "vga-hole")) {
		if (ps->s)
			return perr(ps, 0, "header directives must come before the first mapping, root or layout");
		if (ps->ntok != 2)
			return perr(ps, 0, "takes exactly one argument");
		if (!ps->have_domain && strcmp(d, "domain"))
			return perr(ps, 0, "the first directive must be 'domain pv' or 'domain hvm'");
	} else {
		*handled = false;
		return NULL;
	}
	if (!strcmp(d, "domain")) {
		struct xenpt_synth_params p;

		if (ps->have_domain)
			return perr(ps, 0, "given twice");
		if (!strcmp(ps->tok[1], "pv"))
			xenpt_synth_params_init(&p, XENPT_SYNTH_PV);
		else if (!strcmp(ps->tok[1], "hvm"))
			xenpt_synth_params_init(&p, XENPT_SYNTH_HVM);
		else
			return perr(ps, 1, "the domain is 'pv' or 'hvm'");
		ps->p = p;
		ps->have_domain = true;
		return NULL;
	}
	if (!strcmp(d, "mode")) {
		enum xenpt_paging_mode m;

		if (!xenpt_paging_mode_parse(ps->tok[1], &m) || m == XENPT_PM_NONE)
			return perr(ps, 1, "paging mode must be 2level, pae, 4level or 5level");
		if (ps->p.kind == XENPT_SYNTH_PV && m != XENPT_PM_4LEVEL)
			return perr(ps, 1, "64-bit PV guests use 4-level paging");
		ps->p.mode = m;
		return NULL;
	}
	if (!strcmp(d, "name")) {
		size_t i;

		if (!ps->tok_len[1] || ps->tok_len[1] >= sizeof(ps->p.name))
			return perr(ps, 1, "a name has 1 to %zu characters", sizeof(ps->p.name) - 1);
		for (i = 0; i < ps->tok_len[1]; i++)
			if ((unsigned char)ps->tok[1][i] < 0x20 || (unsigned char)ps->tok[1][i] >= 0x7f)
				return perr(ps, 1, "a name is printable ASCII");
		memcpy(ps->p.name, ps->tok[1], ps->tok_len[1] + 1);
		return NULL;
	}
	if (!strcmp(d, "sparse") || !strcmp(d, "vga-hole")) {
		if (!yes_no(ps->tok[1], &b))
			return perr(ps, 1, "expected yes or no");
		if (d[0] == 's')
			ps->p.sparse = b;
		else
			ps->p.vga_hole = b;
		return NULL;
	}
	err = num_tok(ps, 1, ps->tok[1], !strcmp(d, "memory") || !strcmp(d, "host-memory"), d, &v);
	if (err)
		return err;
	if (!strcmp(d, "domid")) {
		if (v == 0 || v >= 0x7ff0)
			return perr(ps, 1, "domid is 1..0x7fef");
		ps->p.domid = (uint32_t)v;
	} else if (!strcmp(d, "memory") || !strcmp(d, "host-memory")) {
		if (!v || (v & 0xfff))
			return perr(ps, 1, "%s is a non-zero multiple of 4K", d);
		if (d[0] == 'm')
			ps->p.nr_pages = v >> 12;
		else
			ps->p.host_frames = v >> 12;
	} else if (!strcmp(d, "pages")) {
		ps->p.nr_pages = v;
	} else if (!strcmp(d, "host-frames")) {
		ps->p.host_frames = v;
	} else if (!strcmp(d, "vcpus")) {
		if (!v || v > ps->lim.max_vcpus)
			return perr(ps, 1, "vcpus is 1..%u", ps->lim.max_vcpus);
		ps->p.nr_vcpus = (uint32_t)v;
	} else {
		ps->p.seed = v;
	}
	if (ps->p.nr_pages > ps->lim.max_pages)
		return perr(ps, 1, "more than the limit of 0x%" PRIx64 " pages", ps->lim.max_pages);
	if (ps->p.host_frames > ps->lim.max_host_frames)
		return perr(ps, 1, "more than the limit of 0x%" PRIx64 " host frames",
			    ps->lim.max_host_frames);
	return NULL;
}

static struct xenpt_error *create(struct parser *ps)
{
	struct xenpt_synth_params p = ps->p;
	struct xenpt_error *err;

	if (ps->s)
		return NULL;
	if (!ps->have_domain)
		return perr(ps, -1, "no 'domain pv' or 'domain hvm' directive");
	p.limits = &ps->lim;
	err = xenpt_synth_create(&p, &ps->s);
	if (err)
		return xenpt_error_prefix(err, "%s:%u", ps->name, ps->line);
	return NULL;
}

/* ---- body ------------------------------------------------------------------------------- */

struct args {
	unsigned root;
	bool have_root;
	uint64_t va;
	bool have_va;
	uint64_t frame;             /* pfn/gfn/mfn= */
	char frame_kind;            /* 'p' pfn/gfn, 'm' mfn, 'r' to-root, 0 none */
	uint64_t size;
	bool have_size, count;
	uint64_t page_size;
	uint64_t flags;
	bool have_flags;
	unsigned level;
	uint64_t value;
	bool have_value;
	uint64_t offset;
	const char *data;
	size_t data_len;
	uint8_t *hex;
};

// Parse the arguments from token @first on; @allowed lists the keys.
static struct xenpt_error *args(struct parser *ps, unsigned first, const char *allowed,
				struct args *a)
{
	struct xenpt_error *err = NULL;
	unsigned i;
	uint64_t n;

	memset(a, 0, sizeof(*a));
	a->page_size = 4096;
	for (i = first; i < ps->ntok && !err; i++) {
		const char *t = ps->tok[i], *v;
		char key[24];
		size_t kl = strcspn(t, "=");

		if (!t[kl]) {
			// a positional word: VA first, or a string
			if (strstr(allowed, " va ") && !a->have_va && !ps->tok_q[i] &&
			    parse_num(t, false, &a->va)) {
				a->have_va = true;
				continue;
			}
			if (strstr(allowed, " string ") && !a->data && ps->tok_q[i]) {
				a->data = t;
				a->data_len = ps->tok_len[i];
				continue;
			}
			return perr(ps, (int)i, "unexpected word (arguments here: %.*s)",
				    (int)strlen(allowed) - 2, allowed + 1);
		}
		snprintf(key, sizeof(key), " %.*s ", (int)(kl < 20 ? kl : 20), t);
		if (kl >= 20 || !strstr(allowed, key))
			return perr(ps, (int)i, "unknown argument (arguments here: %.*s)",
				    (int)strlen(allowed) - 2, allowed + 1);
		if ((v = kv(ps, i, "root")) != NULL) {
			err = root_tok(ps, i, v, &a->root);
			a->have_root = true;
		} else if ((v = kv(ps, i, "va")) != NULL) {
			err = num_tok(ps, i, v, false, "va", &a->va);
			a->have_va = true;
		} else if ((v = kv(ps, i, "pfn")) || (v = kv(ps, i, "gfn"))) {
			err = num_tok(ps, i, v, false, "a frame", &a->frame);
			a->frame_kind = a->frame_kind ? 'X' : 'p';
		} else if ((v = kv(ps, i, "mfn")) != NULL) {
			err = num_tok(ps, i, v, false, "a frame", &a->frame);
			a->frame_kind = a->frame_kind ? 'X' : 'm';
		} else if ((v = kv(ps, i, "to-root")) != NULL) {
			unsigned r;

			err = root_tok(ps, i, v, &r);
			if (!err)
				a->frame = xenpt_synth_root_frame(ps->s, r);
			a->frame_kind = a->frame_kind ? 'X' : 'r';
		} else if ((v = kv(ps, i, "size")) != NULL) {
			err = num_tok(ps, i, v, true, "size", &a->size);
			if (!err && a->have_size)
				err = perr(ps, (int)i, "size and count given twice");
			a->have_size = true;
		} else if ((v = kv(ps, i, "count")) != NULL) {
			err = num_tok(ps, i, v, false, "count", &n);
			if (!err && a->have_size)
				err = perr(ps, (int)i, "size and count given twice");
			if (!err && (!n || n > (1ull << 40)))
				err = perr(ps, (int)i, "count is 1..2^40");
			a->size = n;             // scaled by the page size later
			a->have_size = true;
			a->count = true;
		} else if ((v = kv(ps, i, "page")) != NULL) {
			if (!strcmp(v, "4k") || !strcmp(v, "4K"))
				a->page_size = 1ull << 12;
			else if (!strcmp(v, "2m") || !strcmp(v, "2M"))
				a->page_size = 1ull << 21;
			else if (!strcmp(v, "4m") || !strcmp(v, "4M"))
				a->page_size = 1ull << 22;
			else if (!strcmp(v, "1g") || !strcmp(v, "1G"))
				a->page_size = 1ull << 30;
			else
				err = perr(ps, (int)i, "page size is 4k, 2m, 4m or 1g");
		} else if ((v = kv(ps, i, "flags")) != NULL) {
			err = flags_tok(ps, i, v, &a->flags);
			a->have_flags = true;
		} else if ((v = kv(ps, i, "level")) != NULL) {
			err = num_tok(ps, i, v, false, "level", &n);
			if (!err && (n < 1 || n > 5))
				err = perr(ps, (int)i, "level is 1..5");
			if (!err)
				a->level = (unsigned)n;
		} else if ((v = kv(ps, i, "value")) != NULL) {
			err = num_tok(ps, i, v, false, "value", &a->value);
			a->have_value = true;
		} else if ((v = kv(ps, i, "offset")) != NULL) {
			err = num_tok(ps, i, v, true, "offset", &a->offset);
			if (!err && a->offset >= (1ull << 40))
				err = perr(ps, (int)i, "offset is below 2^40");
		} else if ((v = kv(ps, i, "hex")) != NULL) {
			size_t len = strlen(v), k;

			if (!len || (len & 1) || a->data)
				return perr(ps, (int)i, "hex= takes an even number of hex digits (and no string)");
			a->hex = malloc(len / 2);
			if (!a->hex)
				return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			for (k = 0; k < len / 2; k++) {
				int h = hexval(v[2 * k]), l = hexval(v[2 * k + 1]);

				if (h < 0 || l < 0)
					return perr(ps, (int)i, "hex= takes hex digits only");
				a->hex[k] = (uint8_t)(h << 4 | l);
			}
			a->data = (const char *)a->hex;
			a->data_len = len / 2;
		} else {
			return perr(ps, (int)i, "unknown argument");
		}
		if (!err && a->frame_kind == 'X')
			err = perr(ps, (int)i, "give one of pfn=, gfn=, mfn= or to-root=");
	}
	return err;
}

static void args_free(struct args *a)
{
	free(a->hex);
	a->hex = NULL;
}

static struct xenpt_error *need(struct parser *ps, bool ok, const char *what)
{
	return ok ? NULL : perr(ps, 0, "%s", what);
}

static struct xenpt_error *d_map(struct parser *ps)
{
	struct args a;
	struct xenpt_error *err;
	uint64_t size;

	err = args(ps, 1, " va root pfn gfn mfn size count page flags ", &a);
	if (!err)
		err = need(ps, a.have_va, "needs a VA");
	if (!err)
		err = need(ps, a.frame_kind == 'p' || a.frame_kind == 'm',
			   "needs pfn= (gfn=) or mfn=");
	if (err)
		goto out;
	size = a.have_size ? a.size : 1;
	if (!a.have_size || a.count) {
		if (size > UINT64_MAX / a.page_size) {
			err = perr(ps, -1, "count too large");
			goto out;
		}
		size *= a.page_size;
	}
	if (a.frame_kind == 'm') {
		uint64_t off;

		if (a.page_size != 4096) {
			err = perr(ps, -1, "mfn= maps 4K pages");
			goto out;
		}
		if (size > (1ull << 20)) {
			err = perr(ps, -1, "mfn= maps at most 256 pages at once");
			goto out;
		}
		for (off = 0; off < size && !err; off += 4096)
			err = xenpt_synth_map_mfn(ps->s, a.root, xenpt_va(a.va + off),
						  xenpt_mfn(a.frame + (off >> 12)), a.flags);
	} else {
		err = xenpt_synth_map(ps->s, a.root, xenpt_va(a.va), xenpt_gfn(a.frame), size,
				      a.page_size, a.flags);
	}
	err = pctx(ps, err);
out:
	args_free(&a);
	return err;
}

static struct xenpt_error *d_unmap(struct parser *ps)
{
	struct args a;
	struct xenpt_error *err;
	uint64_t size;

	err = args(ps, 1, " va root size count ", &a);
	if (!err)
		err = need(ps, a.have_va, "needs a VA");
	if (err)
		goto out;
	size = a.have_size ? a.size : 1;
	if (!a.have_size || a.count) {
		if (size > UINT64_MAX / 4096) {
			err = perr(ps, -1, "count too large");
			goto out;
		}
		size *= 4096;
	}
	err = pctx(ps, xenpt_synth_unmap(ps->s, a.root, xenpt_va(a.va), size));
out:
	args_free(&a);
	return err;
}

static struct xenpt_error *d_entry(struct parser *ps, bool raw)
{
	struct args a;
	struct xenpt_error *err;
	uint64_t e;

	err = args(ps, 1, " va root level pfn gfn mfn to-root flags value ", &a);
	if (!err)
		err = need(ps, a.have_va, "needs a VA");
	if (!err)
		err = need(ps, a.level >= 1 && a.level <= 5, "needs level=N");
	if (!err)
		err = need(ps, a.have_value != (a.frame_kind != 0),
			   "needs value=N, or a frame (pfn=, gfn=, mfn=, to-root=) and flags=");
	if (err)
		goto out;
	if (a.have_value) {
		e = a.value;
	} else {
		uint64_t f = a.frame;

		if (a.frame_kind == 'p' && xenpt_synth_get_params(ps->s)->kind == XENPT_SYNTH_PV)
			f = xenpt_mfn_x(xenpt_synth_p2m(ps->s, xenpt_gfn(f)));
		if (f > (XENPT_PTE_ADDR_MASK >> 12)) {
			err = perr(ps, -1, "frame 0x%" PRIx64 " does not fit an entry", f);
			goto out;
		}
		e = (f << 12) | a.flags | XENPT_PTE_P;
	}
	err = pctx(ps, xenpt_synth_set_entry(ps->s, a.root, xenpt_va(a.va), a.level, e, raw));
out:
	args_free(&a);
	return err;
}

// The machine frame a pin/unpin names.
static struct xenpt_error *pin_frame(struct parser *ps, struct args *a, xenpt_mfn_t *ret)
{
	if (a->have_root) {
		*ret = xenpt_mfn(xenpt_synth_root_frame(ps->s, a->root));
		return NULL;
	}
	if (a->frame_kind == 'm') {
		*ret = xenpt_mfn(a->frame);
		return NULL;
	}
	if (a->frame_kind == 'p') {
		*ret = xenpt_synth_p2m(ps->s, xenpt_gfn(a->frame));
		return NULL;
	}
	return perr(ps, 0, "needs mfn=, pfn= or root=");
}

static struct xenpt_error *d_pin(struct parser *ps, bool pin)
{
	struct args a;
	struct xenpt_error *err;
	unsigned level = 0;
	xenpt_mfn_t mfn;

	if (pin) {
		if (ps->ntok < 2 || strlen(ps->tok[1]) != 2 || (ps->tok[1][0] != 'l' &&
		    ps->tok[1][0] != 'L') || ps->tok[1][1] < '1' || ps->tok[1][1] > '4')
			return perr(ps, ps->ntok < 2 ? 0 : 1, "pin takes a level: l1, l2, l3 or l4");
		level = (unsigned)(ps->tok[1][1] - '0');
	}
	err = args(ps, pin ? 2 : 1, " root pfn mfn ", &a);
	if (!err)
		err = pin_frame(ps, &a, &mfn);
	if (!err)
		err = pctx(ps, pin ? xenpt_synth_pin(ps->s, level, mfn) : xenpt_synth_unpin(ps->s, mfn));
	args_free(&a);
	return err;
}

static struct xenpt_error *d_root(struct parser *ps)
{
	bool pin = true;
	unsigned r;
	size_t i;

	if (ps->ntok < 2 || ps->ntok > 3)
		return perr(ps, 0, "takes a name and optionally 'pinned' or 'unpinned'");
	if (ps->ntok == 3) {
		if (!strcmp(ps->tok[2], "pinned"))
			pin = true;
		else if (!strcmp(ps->tok[2], "unpinned"))
			pin = false;
		else
			return perr(ps, 2, "expected 'pinned' or 'unpinned'");
	}
	for (i = 0; i < ps->tok_len[1]; i++) {
		char c = ps->tok[1][i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return perr(ps, 1, "a root name has letters, digits, '-' and '_'");
	}
	if (!ps->tok_len[1] || ps->tok_len[1] > 31)
		return perr(ps, 1, "a root name has 1 to 31 characters");
	return pctx(ps, xenpt_synth_root_create(ps->s, ps->tok[1], pin, &r));
}

static struct xenpt_error *d_share(struct parser *ps)
{
	struct xenpt_error *err;
	unsigned dst, src;
	uint64_t first, last;

	if (ps->ntok != 5)
		return perr(ps, 0, "takes DST SRC FIRST-SLOT LAST-SLOT");
	if ((err = root_tok(ps, 1, ps->tok[1], &dst)) || (err = root_tok(ps, 2, ps->tok[2], &src)) ||
	    (err = num_tok(ps, 3, ps->tok[3], false, "a slot", &first)) ||
	    (err = num_tok(ps, 4, ps->tok[4], false, "a slot", &last)))
		return err;
	if (first > 1023 || last > 1023)
		return perr(ps, first > 1023 ? 3 : 4, "no such slot");
	return pctx(ps, xenpt_synth_share(ps->s, dst, src, (unsigned)first, (unsigned)last));
}

static struct xenpt_error *d_layout(struct parser *ps)
{
	if (ps->ntok != 2 || strcmp(ps->tok[1], "linux"))
		return perr(ps, ps->ntok > 1 ? 1 : 0, "the only layout is 'linux'");
	return pctx(ps, xenpt_synth_layout_linux(ps->s, NULL));
}

static const struct {
	const char *key;
	size_t off;
	unsigned size;
} vcpu_keys[] = {
#define R(k, f) { k, offsetof(struct xenpt_vcpu, f), sizeof(((struct xenpt_vcpu *)0)->f) }
	R("rax", regs.rax), R("rbx", regs.rbx), R("rcx", regs.rcx), R("rdx", regs.rdx),
	R("rsi", regs.rsi), R("rdi", regs.rdi), R("rbp", regs.rbp), R("rsp", regs.rsp),
	R("r8", regs.r8), R("r9", regs.r9), R("r10", regs.r10), R("r11", regs.r11),
	R("r12", regs.r12), R("r13", regs.r13), R("r14", regs.r14), R("r15", regs.r15),
	R("rip", regs.rip), R("rflags", regs.rflags), R("cs", regs.cs), R("ss", regs.ss),
	R("ds", regs.ds), R("es", regs.es), R("fs", regs.fs), R("gs", regs.gs),
	R("cr0", cr0), R("cr2", cr2), R("cr3", cr3), R("cr4", cr4), R("efer", efer),
	R("user-cr3", user_cr3), R("fs-base", fs_base), R("gs-base-kernel", gs_base_kernel),
	R("gs-base-user", gs_base_user), R("kernel-ss", kernel_ss), R("kernel-sp", kernel_sp),
	R("event-callback", event_callback_eip), R("failsafe-callback", failsafe_callback_eip),
	R("syscall-callback", syscall_callback_eip), R("flags", flags),
	R("vm-assist", vm_assist), R("gdt-ents", gdt_ents),
#undef R
};

static struct xenpt_error *d_vcpu(struct parser *ps)
{
	struct xenpt_vcpu *v = NULL;
	struct xenpt_error *err;
	uint64_t id, val;
	unsigned i, k;

	if (ps->ntok < 3)
		return perr(ps, 0, "takes a vCPU number and KEY=VALUE pairs");
	if ((err = num_tok(ps, 1, ps->tok[1], false, "vCPU", &id)))
		return err;
	if (id >= xenpt_synth_get_params(ps->s)->nr_vcpus)
		return perr(ps, 1, "no such vCPU (the domain has %u)",
			    xenpt_synth_get_params(ps->s)->nr_vcpus);
	v = malloc(sizeof(*v));
	if (!v)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	err = xenpt_synth_vcpu(ps->s, (uint32_t)id, v);
	for (i = 2; i < ps->ntok && !err; i++) {
		const char *t = ps->tok[i], *eq = strchr(t, '=');
		unsigned r;

		if (!eq) {
			err = perr(ps, (int)i, "expected KEY=VALUE");
			break;
		}
		if (!strncmp(t, "cr3-root=", 9) || !strncmp(t, "user-root=", 10)) {
			err = root_tok(ps, i, eq + 1, &r);
			if (!err && t[0] == 'c')
				v->cr3 = xenpt_synth_root_cr3(ps->s, r);
			else if (!err)
				v->user_cr3 = xenpt_synth_root_cr3(ps->s, r);
			continue;
		}
		if (!strncmp(t, "online=", 7)) {
			if (!yes_no(eq + 1, &v->online))
				err = perr(ps, (int)i, "expected yes or no");
			continue;
		}
		for (k = 0; k < XENPT_ARRAY_SIZE(vcpu_keys); k++)
			if (strlen(vcpu_keys[k].key) == (size_t)(eq - t) &&
			    !strncmp(vcpu_keys[k].key, t, (size_t)(eq - t)))
				break;
		if (k == XENPT_ARRAY_SIZE(vcpu_keys)) {
			err = perr(ps, (int)i, "unknown vCPU register");
			break;
		}
		if ((err = num_tok(ps, i, eq + 1, false, "a register value", &val)))
			break;
		if (vcpu_keys[k].size == 2) {
			uint16_t s16 = (uint16_t)val;

			if (val > 0xffff) {
				err = perr(ps, (int)i, "a segment selector is 16 bits");
				break;
			}
			memcpy((char *)v + vcpu_keys[k].off, &s16, 2);
		} else {
			memcpy((char *)v + vcpu_keys[k].off, &val, 8);
		}
	}
	if (!err)
		err = pctx(ps, xenpt_synth_set_vcpu(ps->s, (uint32_t)id, v));
	free(v);
	return err;
}

static struct xenpt_error *d_trap(struct parser *ps)
{
	struct xenpt_error *err;
	uint64_t id, vec, addr, cs = 0xe033, flags = 0;
	unsigned i;

	if (ps->ntok < 4)
		return perr(ps, 0, "takes VCPU VECTOR ADDRESS [cs=N] [flags=N]");
	if ((err = num_tok(ps, 1, ps->tok[1], false, "vCPU", &id)) ||
	    (err = num_tok(ps, 2, ps->tok[2], false, "vector", &vec)) ||
	    (err = num_tok(ps, 3, ps->tok[3], false, "address", &addr)))
		return err;
	if (vec > 255)
		return perr(ps, 2, "a vector is 0..255");
	if (id >= xenpt_synth_get_params(ps->s)->nr_vcpus)
		return perr(ps, 1, "no such vCPU");
	for (i = 4; i < ps->ntok; i++) {
		const char *v;

		if ((v = kv(ps, i, "cs")))
			err = num_tok(ps, i, v, false, "cs", &cs);
		else if ((v = kv(ps, i, "flags")))
			err = num_tok(ps, i, v, false, "flags", &flags);
		else
			err = perr(ps, (int)i, "unknown argument (cs=, flags=)");
		if (err)
			return err;
	}
	if (cs > 0xffff || flags > 0xff)
		return perr(ps, -1, "cs is 16 bits, flags 8 bits");
	return pctx(ps, xenpt_synth_set_trap(ps->s, (uint32_t)id, (uint8_t)vec, (uint16_t)cs,
					     (uint8_t)flags, addr));
}

static struct xenpt_error *d_write(struct parser *ps)
{
	struct args a;
	struct xenpt_error *err;

	err = args(ps, 1, " va root pfn gfn offset hex string ", &a);
	if (!err)
		err = need(ps, a.have_va != (a.frame_kind == 'p'), "needs va=VA or pfn=/gfn=");
	if (!err)
		err = need(ps, a.data && a.data_len, "needs a \"string\" or hex=");
	if (err)
		goto out;
	if (a.have_va)
		err = xenpt_synth_write_va(ps->s, a.root, xenpt_va(a.va + a.offset), a.data,
					   a.data_len);
	else
		err = xenpt_synth_write_gfn(ps->s, xenpt_gfn(a.frame), a.offset, a.data, a.data_len);
	err = pctx(ps, err);
out:
	args_free(&a);
	return err;
}

static struct xenpt_error *d_override(struct parser *ps, bool p2m)
{
	struct xenpt_error *err;
	uint64_t a, b;

	if (ps->ntok != 3)
		return perr(ps, 0, p2m ? "takes PFN MFN" : "takes MFN PFN");
	if ((err = num_tok(ps, 1, ps->tok[1], false, "a frame", &a)) ||
	    (err = num_tok(ps, 2, ps->tok[2], false, "a frame", &b)))
		return err;
	return pctx(ps, p2m ? xenpt_synth_set_p2m(ps->s, xenpt_gfn(a), xenpt_mfn(b))
			    : xenpt_synth_set_m2p(ps->s, xenpt_mfn(a), xenpt_gfn(b)));
}

static struct xenpt_error *directive(struct parser *ps)
{
	const char *d = ps->tok[0];
	struct xenpt_error *err;
	bool handled;

	err = header(ps, d, &handled);
	if (err || handled)
		return err;
	if (!ps->have_domain)
		return perr(ps, 0, "the first directive must be 'domain pv' or 'domain hvm'");
	if (!strcmp(d, "map") || !strcmp(d, "unmap") || !strcmp(d, "entry") || !strcmp(d, "raw") ||
	    !strcmp(d, "pin") || !strcmp(d, "unpin") || !strcmp(d, "root") ||
	    !strcmp(d, "share") || !strcmp(d, "layout") || !strcmp(d, "vcpu") ||
	    !strcmp(d, "trap") || !strcmp(d, "write") || !strcmp(d, "p2m") || !strcmp(d, "m2p")) {
		err = create(ps);
		if (err)
			return err;
	}
	if (!strcmp(d, "map"))
		return d_map(ps);
	if (!strcmp(d, "unmap"))
		return d_unmap(ps);
	if (!strcmp(d, "entry"))
		return d_entry(ps, false);
	if (!strcmp(d, "raw"))
		return d_entry(ps, true);
	if (!strcmp(d, "pin"))
		return d_pin(ps, true);
	if (!strcmp(d, "unpin"))
		return d_pin(ps, false);
	if (!strcmp(d, "root"))
		return d_root(ps);
	if (!strcmp(d, "share"))
		return d_share(ps);
	if (!strcmp(d, "layout"))
		return d_layout(ps);
	if (!strcmp(d, "vcpu"))
		return d_vcpu(ps);
	if (!strcmp(d, "trap"))
		return d_trap(ps);
	if (!strcmp(d, "write"))
		return d_write(ps);
	if (!strcmp(d, "p2m"))
		return d_override(ps, true);
	if (!strcmp(d, "m2p"))
		return d_override(ps, false);
	return perr(ps, 0, "unknown directive");
}

/*
 * Lines that only add to the page tables (map, unmap, entry, raw, pin,
 * unpin) change nothing `xenpt list` and `info` show: the domain's
 * parameters, vCPUs and shared_info are final once the header and every
 * other directive ran.  A spec whose body after its first such line holds
 * nothing else is opened lazily (synth_load_lazy()): those lines are
 * applied on the first read of frames, P2M, M2P or page types
 * (synth_complete()), so a 500,000-line spec opens for list/info in
 * milliseconds.
 */
struct synth_lazy {
	char *text;
	size_t len, off;            /* the deferred lines: text[off, len) */
	unsigned line;              /* number of the line before text[off] */
	char *name;
};

void synth_lazy_free(struct synth_lazy *l)
{
	if (!l)
		return;
	free(l->text);
	free(l->name);
	free(l);
}

static bool word_is(const char *w, size_t n, const char *what)
{
	return strlen(what) == n && !memcmp(w, what, n);
}

static bool deferrable(const char *w, size_t n)
{
	return word_is(w, n, "map") || word_is(w, n, "unmap") || word_is(w, n, "entry") ||
	       word_is(w, n, "raw") || word_is(w, n, "pin") || word_is(w, n, "unpin");
}

/* Does every line of text[pos, len) start with a deferrable directive (or nothing)? */
static bool rest_deferrable(const char *text, size_t len, size_t pos)
{
	if (memchr(text + pos, 0, len - pos))
		return false;   /* the eager parse names the line */
	while (pos < len) {
		const char *eol = memchr(text + pos, '\n', len - pos);
		size_t end = eol ? (size_t)(eol - text) : len, w;

		while (pos < end && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r'))
			pos++;
		for (w = pos; w < end && text[w] != ' ' && text[w] != '\t' && text[w] != '\r' &&
			      text[w] != '#'; w++)
			;
		if (w > pos && !deferrable(text + pos, w - pos))
			return false;
		pos = end + 1;
	}
	return true;
}

/*
 * Run the lines of text[pos, len) through @ps.  With @lazy_ret, stop before
 * the first body directive when every line from there on is deferrable
 * (*lazy_ret: where; else NULL).
 */
static struct xenpt_error *run_lines(struct parser *ps, const char *text, size_t len, size_t pos,
				     size_t *stop_ret)
{
	struct xenpt_error *err = NULL;
	char *line = NULL;
	size_t line_cap = 0;
	bool may_stop = stop_ret != NULL;

	if (stop_ret)
		*stop_ret = len;
	while (pos < len) {
		size_t n = 0, start = pos;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		ps->line++;
		if (n + 1 > line_cap) {
			// one buffer for all lines, grown to the longest
			char *nl = realloc(line, n + 1);

			if (!nl) {
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
			line = nl;
			line_cap = n + 1;
		}
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		if (memchr(line, 0, n)) {
			err = perr(ps, -1, "a NUL byte in the text (write it as \\0 in a string)");
			goto out;
		}
		err = tokenize(ps, line);
		if (err)
			goto out;
		if (!ps->ntok)
			continue;
		if (may_stop && ps->have_domain &&
		    deferrable(ps->tok[0], strlen(ps->tok[0]))) {
			if (rest_deferrable(text, len, start)) {
				ps->line--;
				*stop_ret = start;
				goto out;
			}
			may_stop = false;   /* something else follows: all now */
		}
		err = directive(ps);
		if (err)
			goto out;
	}
out:
	free(line);
	return err;
}

static struct xenpt_error *parse_stage(const char *text, size_t len, const char *name,
				       const struct xenpt_synth_limits *limits, size_t *stop_ret,
				       unsigned *line_ret, struct xenpt_synth **ret)
{
	struct parser ps;
	struct xenpt_error *err;

	memset(&ps, 0, sizeof(ps));
	ps.name = name && *name ? name : "<spec>";
	if (limits)
		ps.lim = *limits;
	else
		xenpt_synth_limits_init(&ps.lim);
	if (!text && len)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: no text", ps.name);
	err = run_lines(&ps, text, len, 0, stop_ret);
	if (err)
		goto out;
	if (line_ret)
		*line_ret = ps.line;
	ps.ntok = 0;
	err = create(&ps);
	if (err)
		goto out;
	*ret = ps.s;
	ps.s = NULL;
out:
	xenpt_synth_destroy(ps.s);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_parse_limited(const char *text, size_t len,
							   const char *name,
							   const struct xenpt_synth_limits *limits,
							   struct xenpt_synth **ret)
{
	return parse_stage(text, len, name, limits, NULL, NULL, ret);
}

/* Apply the deferred lines of @s, once; an error stays the answer of every later call. */
struct xenpt_error *synth_complete(struct xenpt_synth *s)
{
	struct synth_lazy *l = s->lazy;
	struct xenpt_error *err;
	struct parser ps;

	if (!l)
		return s->lazy_err ? xenpt_error_create(XENPT_ERR_BAD_DATA, "%s", s->lazy_err) : NULL;
	s->lazy = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = l->name;
	ps.line = l->line;
	ps.lim = s->lim;
	ps.p = s->p;
	ps.have_domain = ps.have_mode = true;
	ps.s = s;
	err = run_lines(&ps, l->text, l->len, l->off, NULL);
	synth_lazy_free(l);
	if (err) {
		free(s->lazy_err);
		s->lazy_err = strdup(xenpt_error_message(err));
	}
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_parse(const char *text, size_t len, const char *name,
						   struct xenpt_synth **ret)
{
	return xenpt_synth_parse_limited(text, len, name, NULL, ret);
}

static struct xenpt_error *load(const char *path, bool lazy, struct xenpt_synth **ret)
{
	struct xenpt_error *err = NULL;
	char *text = NULL;
	struct stat st;
	size_t got = 0;
	int fd = -1;

	if (!path || !*path)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "synth: no file name given");
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = xenpt_error_os(errno, "synth: cannot open %s", path);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err = xenpt_error_os(errno, "synth: cannot stat %s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = xenpt_error_create(XENPT_ERR_BAD_DATA, "synth: %s: is a directory", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = xenpt_error_create(XENPT_ERR_BAD_DATA,
					 "synth: %s: not a regular file (a FIFO, device or socket is never read)",
					 path);
		goto out;
	}
	if (st.st_size > MAX_SPEC) {
		err = xenpt_error_create(XENPT_ERR_INVALID_ARG,
					 "synth: %s: a regular file of %lld bytes (st_size), more than a spec may have (%u bytes)",
					 path, (long long)st.st_size, MAX_SPEC);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = xenpt_error_os(errno, "synth: cannot read %s", path);
			goto out;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	if (!lazy) {
		err = xenpt_synth_parse(text, got, path, ret);
	} else {
		size_t stop;
		unsigned line;

		err = parse_stage(text, got, path, NULL, &stop, &line, ret);
		if (!err && stop < got) {
			struct synth_lazy *l = calloc(1, sizeof(*l));

			if (!l || !(l->name = strdup(path))) {
				free(l);
				xenpt_synth_destroy(*ret);
				*ret = NULL;
				err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
				goto out;
			}
			l->text = text;
			l->len = got;
			l->off = stop;
			l->line = line;
			(*ret)->lazy = l;
			text = NULL;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_load(const char *path, struct xenpt_synth **ret)
{
	return load(path, false, ret);
}

struct xenpt_error *synth_load_lazy(const char *path, struct xenpt_synth **ret)
{
	return load(path, true, ret);
}
