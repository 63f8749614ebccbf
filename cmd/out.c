/* SPDX-License-Identifier: MIT */
/*
 * The output layer: a streaming JSON writer (no DOM, callers never handle
 * commas) and an aligned-table printer.  CLI policy, so not in lib/.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- JSON ----------------------------------------------------------------- */

#define JW_MAX_DEPTH 64

struct jw {
	FILE *f;
	bool pretty;
	unsigned depth;
	bool first[JW_MAX_DEPTH];  /* no element written yet at this depth */
	char closer[JW_MAX_DEPTH]; /* '}' or ']' of the container open at this depth */
	bool after_key;
};

struct jw *jw_create(FILE *f, bool pretty)
{
	struct jw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jw_destroy(struct jw *w)
{
	if (!w)
		return;
	fputc('\n', w->f);
	free(w);
}

static void jw_indent(struct jw *w)
{
	unsigned i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before a value or key. */
static void jw_pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->depth)
		jw_indent(w);
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
	jw_pre(w);
	fputc(c, w->f);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
	w->closer[w->depth] = c == '{' ? '}' : ']';
}

static void jw_close(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		jw_indent(w);
	fputc(c, w->f);
}

unsigned jw_depth(const struct jw *w) { return w->depth; }
bool jw_in_array(const struct jw *w) { return w->depth && w->closer[w->depth] == ']'; }
bool jw_started(const struct jw *w) { return !w->first[0]; }
bool jw_after_key(const struct jw *w) { return w->after_key; }

void jw_close_all(struct jw *w)
{
	if (w->after_key)
		jw_null(w);
	while (w->depth)
		jw_close(w, w->closer[w->depth]);
}

void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

static void jw_quoted(struct jw *w, const char *s)
{
	const unsigned char *p;

	fputc('"', w->f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", w->f); break;
		case '\\': fputs("\\\\", w->f); break;
		case '\n': fputs("\\n", w->f); break;
		case '\t': fputs("\\t", w->f); break;
		case '\r': fputs("\\r", w->f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(w->f, "\\u%04x", *p);
			else
				fputc(*p, w->f);
		}
	}
	fputc('"', w->f);
}

void jw_key(struct jw *w, const char *key)
{
	jw_pre(w);
	jw_quoted(w, key);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_pre(w);
	jw_quoted(w, s ? s : "");
}

void jw_u64(struct jw *w, uint64_t v)
{
	jw_pre(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, int64_t v)
{
	jw_pre(w);
	fprintf(w->f, "%" PRId64, v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_pre(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w)
{
	jw_pre(w);
	fputs("null", w->f);
}

void jw_hex(struct jw *w, uint64_t v)
{
	jw_pre(w);
	fprintf(w->f, "\"0x%" PRIx64 "\"", v);
}

void jw_frame(struct jw *w, uint64_t frame)
{
	if (frame == XENPT_INVALID_FRAME)
		jw_null(w);
	else
		jw_hex(w, frame);
}

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_ku64(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_u64(w, v); }
void jw_khex(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_hex(w, v); }
void jw_kframe(struct jw *w, const char *k, uint64_t f) { jw_key(w, k); jw_frame(w, f); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }

/* ---- tables ----------------------------------------------------------------- */

struct table {
	unsigned ncols;
	char **titles;
	bool *right;
	char **cells;        /* nrows * ncols */
	size_t nrows, cap;
	char **cur;          /* row being built with table_addf */
};

struct table *table_create(const char *const *titles, unsigned ncols)
{
	struct table *t = calloc(1, sizeof(*t));
	unsigned i;

	if (!t)
		abort();
	t->ncols = ncols;
	t->titles = calloc(ncols, sizeof(*t->titles));
	t->right = calloc(ncols, sizeof(*t->right));
	if (!t->titles || !t->right)
		abort();
	for (i = 0; i < ncols; i++) {
		const char *s = titles[i];
		t->right[i] = s[0] == '>';
		t->titles[i] = strdup(s + t->right[i]);
		if (!t->titles[i])
			abort();
	}
	return t;
}

static char **table_new_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
		if (!t->cells)
			abort();
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	return &t->cells[t->nrows++ * t->ncols];
}

void table_add(struct table *t, ...)
{
	char **row = table_new_row(t);
	unsigned i;
	va_list ap;

	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		row[i] = strdup(s ? s : "");
		if (!row[i])
			abort();
	}
	va_end(ap);
}

void table_addf(struct table *t, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (!t->cur)
		t->cur = table_new_row(t);
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (col < t->ncols) {
		free(t->cur[col]);
		t->cur[col] = s;
	} else {
		free(s);
	}
}

void table_end_row(struct table *t)
{
	unsigned i;

	if (!t->cur)
		t->cur = table_new_row(t);
	for (i = 0; i < t->ncols; i++)
		if (!t->cur[i]) {
			t->cur[i] = strdup("");
			if (!t->cur[i])
				abort();
		}
	t->cur = NULL;
}

void table_print(struct table *t, FILE *f, bool header)
{
	size_t *w = calloc(t->ncols, sizeof(*w));
	size_t r;
	unsigned c;

	if (!w)
		abort();
	if (t->cur)
		table_end_row(t);
	for (c = 0; c < t->ncols; c++) {
		if (header)
			w[c] = strlen(t->titles[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	}
	for (r = header ? 0 : 1; r <= t->nrows; r++) {
		char **row = r ? &t->cells[(r - 1) * t->ncols] : t->titles;
		size_t len = 0;
		char *line;

		/* build the line, then strip trailing blanks */
		for (c = 0; c < t->ncols; c++)
			len += w[c] + 2;
		line = malloc(len + 1);
		if (!line)
			abort();
		len = 0;
		for (c = 0; c < t->ncols; c++) {
			const char *s = row[c];
			size_t l = strlen(s), pad = w[c] - l;
			if (t->right[c]) {
				memset(line + len, ' ', pad);
				len += pad;
				memcpy(line + len, s, l);
				len += l;
			} else {
				memcpy(line + len, s, l);
				len += l;
				memset(line + len, ' ', pad);
				len += pad;
			}
			if (c + 1 < t->ncols) {
				line[len++] = ' ';
				line[len++] = ' ';
			}
		}
		while (len && line[len - 1] == ' ')
			len--;
		line[len] = 0;
		fprintf(f, "%s\n", line);
		free(line);
	}
	free(w);
}

void table_destroy(struct table *t)
{
	size_t i;

	if (!t)
		return;
	if (t->cur)
		table_end_row(t);
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; i < t->ncols; i++)
		free(t->titles[i]);
	free(t->cells);
	free(t->titles);
	free(t->right);
	free(t);
}

/* ---- formatting -------------------------------------------------------------- */

const char *fmt_frame(char *buf, size_t len, uint64_t frame)
{
	if (frame == XENPT_INVALID_FRAME)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "0x%" PRIx64, frame);
	return buf;
}

/* Largest exact unit, as the kernel's ptdump does (4K, 2M, 1G, 512G, ...). */
const char *fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	unsigned u = 0;

	while (u + 1 < sizeof(units) - 1 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}
