/* SPDX-License-Identifier: MIT */
/*
 * xenpt dump: a guest's whole address space in the style of the Linux
 * kernel's ptdump (/sys/kernel/debug/page_tables): section markers, one
 * line per run of entries with the same level and effective attributes,
 * then a summary of the findings.  --tables lists the table frames instead.
 * The library does the walking and coalescing (lib/view/ptdump.c); this file
 * only renders, streaming (plain lines or one JSON object per run).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/ptdump.h>

#include "cli.h"

/* option characters: the table in cmd/xenpt.c */
enum { OPT_RAW = 'R', OPT_LEVEL = 'l', OPT_RANGE = 'a', OPT_MAX_LINES = 'n', OPT_TABLES = 't',
       OPT_NO_TYPES = 'T', OPT_EXPAND = 'e' };

struct dump_ctx {
	struct cli *cli;
	struct xenpt_ptdump *d;
	struct xenpt_aspace as;
	struct jw *j;               /* JSON mode */
	const char *sp;             /* "mfn" (PV) or "gfn" (HVM) */
};

/* ---- one run ---------------------------------------------------------------------- */

static const char *level_name(const struct dump_ctx *x, unsigned level)
{
	return xenpt_ptdump_level_name(x->as.mode, level);
}

/* Fixed-width attribute columns; an absent attribute is blanks of its width. */
static const char *fmt_attrs(const struct dump_ctx *x, const struct xenpt_ptdump_run *r,
			     char *buf, size_t len)
{
	static const struct { unsigned bit; const char *tok; } cols[] = {
		{ XENPT_PTDUMP_USER, "USR" }, { XENPT_PTDUMP_RW, "RW" }, { XENPT_PTDUMP_PWT, "PWT" },
		{ XENPT_PTDUMP_PCD, "PCD" }, { XENPT_PTDUMP_PSE, "PSE" }, { XENPT_PTDUMP_PAT, "PAT" },
		{ XENPT_PTDUMP_GLB, "GLB" }, { XENPT_PTDUMP_NX, "NX" },
	};
	unsigned a = 0;
	size_t i, o = 0;
	bool present = r->kind == XENPT_PTDUMP_MAPPED || r->kind == XENPT_PTDUMP_TABLE;

	if (r->kind == XENPT_PTDUMP_MAPPED)
		a = r->attrs;
	else if (r->kind == XENPT_PTDUMP_TABLE)
		a = r->attrs & (XENPT_PTDUMP_USER | XENPT_PTDUMP_RW | XENPT_PTDUMP_NX);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const char *tok = (a & cols[i].bit) ? cols[i].tok : "";

		/* as the kernel's ptdump: a present mapping says "ro" and "x", so
		 * that a read-only executable page never looks like a hole */
		if (present && !(a & cols[i].bit) && cols[i].bit == XENPT_PTDUMP_RW)
			tok = "ro";
		if (present && !(a & cols[i].bit) && cols[i].bit == XENPT_PTDUMP_NX)
			tok = "x";
		o += (size_t)snprintf(buf + o, len - o, "%s%-*s", i ? " " : "",
				      (int)strlen(cols[i].tok), tok);
	}
	if (x->as.pv)
		snprintf(buf + o, len - o, " %-6s",
			 r->kind == XENPT_PTDUMP_MAPPED ? xenpt_ptdump_ftype_name(r->ftype) : "");
	return buf;
}

static const char *fmt_where(const struct dump_ctx *x, const struct xenpt_ptdump_run *r,
			     char *buf, size_t len)
{
	if (r->table == XENPT_INVALID_FRAME)
		snprintf(buf, len, "the root (cr3 0x%" PRIx64 ")", x->as.cr3);
	else
		snprintf(buf, len, "entry 0x%016" PRIx64 " in L%u table %s 0x%" PRIx64 " [%u]",
			 r->entry, r->level, x->sp, r->table, r->index);
	return buf;
}

static const char *fmt_desc(const struct dump_ctx *x, const struct xenpt_ptdump_run *r,
			    char *buf, size_t len)
{
	char w[128], sz[24], f[32];

	buf[0] = 0;
	switch (r->kind) {
	case XENPT_PTDUMP_MAPPED:
		if (r->table == XENPT_INVALID_FRAME)
			break;
		if (x->as.pv)
			snprintf(buf, len, "page mfn 0x%" PRIx64 " pfn %s, %s", r->frame,
				 fmt_frame(f, sizeof(f), r->frame_other), fmt_where(x, r, w, sizeof(w)));
		else
			snprintf(buf, len, "page gfn 0x%" PRIx64 ", %s", r->frame,
				 fmt_where(x, r, w, sizeof(w)));
		break;
	case XENPT_PTDUMP_XEN_SLOT:
		snprintf(buf, len, "Xen's, not walked");
		break;
	case XENPT_PTDUMP_REPEAT:
		snprintf(buf, len, "same L%u subtree (table %s 0x%" PRIx64 ") as at 0x%016" PRIx64 ", %" PRIu64 " time%s (--expand prints it)",
			 r->named_level, x->sp, r->frame, r->same_as, r->entries,
			 r->entries == 1 ? "" : "s");
		break;
	case XENPT_PTDUMP_TABLE:
		snprintf(buf, len, "-> %" PRIu64 " L%u table%s, %s mapped below", r->entries,
			 r->level - 1, r->entries == 1 ? "" : "s",
			 fmt_size(sz, sizeof(sz), r->below_mapped));
		break;
	case XENPT_PTDUMP_RESERVED:
		snprintf(buf, len, "reserved bits 0x%" PRIx64 " set (not followed): %s", r->rsvd,
			 fmt_where(x, r, w, sizeof(w)));
		break;
	case XENPT_PTDUMP_DISALLOWED: {
		char names[64];

		snprintf(buf, len, "flags %s (0x%" PRIx64 ") that Xen never validates at L%u (not followed): %s",
			 fmt_flag_names(names, sizeof(names), r->disallowed, r->level), r->disallowed,
			 r->level, fmt_where(x, r, w, sizeof(w)));
		break;
	}
	case XENPT_PTDUMP_UNREADABLE:
		snprintf(buf, len, "L%u table %s 0x%" PRIx64 " unreadable (%s): %s",
			 r->named_level ? r->named_level : r->level - 1, x->sp, r->frame,
			 xenpt_source_frame_strerror(x->cli->src, r->err ? r->err : EFAULT),
			 fmt_where(x, r, w, sizeof(w)));
		break;
	case XENPT_PTDUMP_LINEAR:
		snprintf(buf, len, "names the L%u table %s 0x%" PRIx64 " (%s, not followed): %s",
			 r->named_level, x->sp, r->frame,
			 r->named_level >= r->level ? "recursive or linear map" : "level conflict",
			 fmt_where(x, r, w, sizeof(w)));
		break;
	default:
		break;
	}
	return buf;
}

static void run_plain(const struct dump_ctx *x, uint64_t start, uint64_t last,
		      const struct xenpt_ptdump_run *r, const char *indent)
{
	char sz[24], attrs[64], desc[320];

	/* the end is exclusive, as in the kernel's ptdump (the top of the
	 * address space wraps to 0x0000000000000000) */
	printf("%s0x%016" PRIx64 "-0x%016" PRIx64 " %7s  %s  %-3s%s%s\n", indent, start, last + 1,
	       fmt_size(sz, sizeof(sz), last - start + 1), fmt_attrs(x, r, attrs, sizeof(attrs)),
	       level_name(x, r->level), *fmt_desc(x, r, desc, sizeof(desc)) ? "  " : "", desc);
}

static void run_json(const struct dump_ctx *x, const char *section, uint64_t start,
		     uint64_t last, const struct xenpt_ptdump_run *r)
{
	struct jw *j = x->j;
	char key[32];

	jw_obj_begin(j);
	if (section)
		jw_kstr(j, "section", section);
	jw_khex(j, "start", start);
	jw_khex(j, "last", last);
	jw_khex(j, "size", last - start + 1);
	jw_kstr(j, "kind", xenpt_ptdump_kind_name(r->kind));
	jw_ku64(j, "level", r->level);
	jw_kstr(j, "level_name", level_name(x, r->level));
	jw_ku64(j, "entries", r->entries);
	if (r->kind == XENPT_PTDUMP_MAPPED || r->kind == XENPT_PTDUMP_TABLE) {
		jw_kbool(j, "user", r->attrs & XENPT_PTDUMP_USER);
		jw_kbool(j, "hw_user", r->attrs & XENPT_PTDUMP_HW_USER);
		jw_kbool(j, "writable", r->attrs & XENPT_PTDUMP_RW);
		jw_kbool(j, "nx", r->attrs & XENPT_PTDUMP_NX);
	}
	if (r->kind == XENPT_PTDUMP_MAPPED) {
		jw_kbool(j, "global", r->attrs & XENPT_PTDUMP_GLB);
		jw_kbool(j, "pse", r->attrs & XENPT_PTDUMP_PSE);
		jw_kbool(j, "pat", r->attrs & XENPT_PTDUMP_PAT);
		jw_kbool(j, "pcd", r->attrs & XENPT_PTDUMP_PCD);
		jw_kbool(j, "pwt", r->attrs & XENPT_PTDUMP_PWT);
		if (x->as.pv) {
			jw_key(j, "frame_type");
			if (r->ftype)
				jw_str(j, xenpt_ptdump_ftype_name(r->ftype));
			else
				jw_null(j);
		}
	}
	if (r->kind == XENPT_PTDUMP_TABLE)
		jw_khex(j, "below_mapped", r->below_mapped);
	if (r->table != XENPT_INVALID_FRAME) {
		snprintf(key, sizeof(key), "table_%s", x->sp);
		jw_kframe(j, key, r->table);
		jw_ku64(j, "index", r->index);
		jw_khex(j, "entry", r->entry);
	}
	switch (r->kind) {
	case XENPT_PTDUMP_MAPPED:
		if (r->table != XENPT_INVALID_FRAME) {
			jw_kframe(j, x->sp, r->frame);
			if (x->as.pv)
				jw_kframe(j, "pfn", r->frame_other);
		}
		break;
	case XENPT_PTDUMP_RESERVED:
		jw_khex(j, "reserved_bits", r->rsvd);
		break;
	case XENPT_PTDUMP_DISALLOWED:
		jw_khex(j, "disallowed_bits", r->disallowed);
		break;
	case XENPT_PTDUMP_REPEAT:
		jw_khex(j, "same_as", r->same_as);
		snprintf(key, sizeof(key), "target_%s", x->sp);
		jw_kframe(j, key, r->frame);
		jw_ku64(j, "target_level", r->named_level);
		break;
	case XENPT_PTDUMP_UNREADABLE:
	case XENPT_PTDUMP_LINEAR:
		snprintf(key, sizeof(key), "target_%s", x->sp);
		jw_kframe(j, key, r->frame);
		jw_ku64(j, "target_level", r->named_level ? r->named_level : r->level - 1);
		if (r->kind == XENPT_PTDUMP_UNREADABLE)
			jw_kstr(j, "error", xenpt_source_frame_strerror(x->cli->src,
									r->err ? r->err : EFAULT));
		break;
	default:
		break;
	}
	jw_obj_end(j);
}

static struct xenpt_error *on_event(void *arg, const struct xenpt_ptdump_event *ev)
{
	struct dump_ctx *x = arg;

	switch (ev->type) {
	case XENPT_PTDUMP_EV_SECTION:
		if (!x->j)
			printf("---[ %s ]---\n", ev->section->name);
		break;
	case XENPT_PTDUMP_EV_RUN:
		if (x->j)
			run_json(x, ev->section->name, ev->run->start, ev->run->last, ev->run);
		else
			run_plain(x, ev->run->start, ev->run->last, ev->run, "");
		break;
	case XENPT_PTDUMP_EV_SKIPPED:
		if (x->j) {
			jw_obj_begin(x->j);
			jw_kstr(x->j, "section", ev->section->name);
			jw_kstr(x->j, "kind", "skipped");
			jw_ku64(x->j, "lines", ev->skipped);
			jw_obj_end(x->j);
		} else {
			printf("... %" PRIu64 " entr%s skipped ...\n", ev->skipped,
			       ev->skipped == 1 ? "y" : "ies");
		}
		break;
	}
	return ferror(stdout) ? xenpt_error_os(EIO, "writing the dump") : NULL;
}

/* ---- the summary ------------------------------------------------------------------- */

static const char *const class_title[XENPT_PTDUMP_NR_CLASSES] = {
	"W+X mappings (writable and executable)",
	"user-accessible kernel mappings",
	"writable mappings of page-table frames",
};
static const char *const prob_title[XENPT_PTDUMP_NR_PROBLEMS] = {
	"entries with reserved bits",
	"unreadable tables",
	"linear or recursive entries",
	"entries with flags Xen never validates (PV disallow masks)",
};

static void report_plain(const struct dump_ctx *x, const struct xenpt_ptdump_report *rep)
{
	char a[24];
	unsigned k, l, top = xenpt_paging_mode_levels(x->as.mode);
	size_t i;
	bool first = true;

	printf("---[ summary ]---\n");
	printf("tables: %" PRIu64 " (", rep->tables);
	for (l = top; l >= 1; l--) {
		printf("%sL%u %" PRIu64, first ? "" : ", ", l, rep->tables_by_level[l]);
		first = false;
	}
	printf(")\n");
	printf("mapped: %s in %" PRIu64 " 4K pages, %" PRIu64 " %s pages, %" PRIu64 " 1G pages\n",
	       fmt_size(a, sizeof(a), rep->mapped_bytes), rep->pages[1], rep->pages[2],
	       x->as.mode == XENPT_PM_2LEVEL ? "4M" : "2M", rep->pages[3]);
	printf("findings: %" PRIu64 "\n", rep->findings);
	for (k = 0; k < XENPT_PTDUMP_NR_CLASSES; k++) {
		if (k == XENPT_PTDUMP_WRITABLE_PT && !x->as.pv)
			continue;
		if (!rep->cls[k].regions) {
			printf("  %s: none\n", class_title[k]);
			continue;
		}
		printf("  %s: %" PRIu64 " region%s, %s\n", class_title[k], rep->cls[k].regions,
		       rep->cls[k].regions == 1 ? "" : "s", fmt_size(a, sizeof(a), rep->cls[k].bytes));
		for (i = 0; i < rep->cls[k].nlisted; i++)
			run_plain(x, rep->cls[k].listed[i].start, rep->cls[k].listed[i].last,
				  &rep->cls[k].listed[i].run, "    ");
		if (rep->cls[k].regions > rep->cls[k].nlisted)
			printf("    ... %" PRIu64 " more\n", rep->cls[k].regions - rep->cls[k].nlisted);
	}
	for (k = 0; k < XENPT_PTDUMP_NR_PROBLEMS; k++) {
		if (k == XENPT_PTDUMP_P_DISALLOWED && !x->as.pv)
			continue;
		if (!rep->prob[k].entries) {
			printf("  %s: none\n", prob_title[k]);
			continue;
		}
		printf("  %s: %" PRIu64 "\n", prob_title[k], rep->prob[k].entries);
		for (i = 0; i < rep->prob[k].nlisted; i++)
			run_plain(x, rep->prob[k].listed[i].start, rep->prob[k].listed[i].last,
				  &rep->prob[k].listed[i].run, "    ");
		if (rep->prob[k].entries > rep->prob[k].nlisted)
			printf("    ... %" PRIu64 " more\n", rep->prob[k].entries - rep->prob[k].nlisted);
	}
	/* whether frame bits are reserved or name a missing frame depends on the
	 * physical address width: say so when it was assumed (as walk does) */
	if (rep->prob[XENPT_PTDUMP_P_RESERVED].entries || rep->prob[XENPT_PTDUMP_P_UNREADABLE].entries) {
		char note[160];

		if (paddr_bits_note(x->cli->src, note, sizeof(note))[0])
			printf("note: %s\n", note);
	}
}

static void report_json(const struct dump_ctx *x, const struct xenpt_ptdump_report *rep)
{
	struct jw *j = x->j;
	unsigned k, l;
	size_t i;
	char key[16];

	jw_key(j, "summary");
	jw_obj_begin(j);
	jw_ku64(j, "tables", rep->tables);
	jw_key(j, "tables_by_level");
	jw_obj_begin(j);
	for (l = xenpt_paging_mode_levels(x->as.mode); l >= 1; l--) {
		snprintf(key, sizeof(key), "l%u", l);
		jw_ku64(j, key, rep->tables_by_level[l]);
	}
	jw_obj_end(j);
	jw_khex(j, "mapped_bytes", rep->mapped_bytes);
	jw_ku64(j, "pages_4k", rep->pages[1]);
	jw_ku64(j, x->as.mode == XENPT_PM_2LEVEL ? "pages_4m" : "pages_2m", rep->pages[2]);
	jw_ku64(j, "pages_1g", rep->pages[3]);
	jw_ku64(j, "findings", rep->findings);
	jw_key(j, "classes");
	jw_obj_begin(j);
	for (k = 0; k < XENPT_PTDUMP_NR_CLASSES; k++) {
		if (k == XENPT_PTDUMP_WRITABLE_PT && !x->as.pv)
			continue;
		jw_key(j, xenpt_ptdump_class_name(k));
		jw_obj_begin(j);
		jw_ku64(j, "regions", rep->cls[k].regions);
		jw_khex(j, "bytes", rep->cls[k].bytes);
		jw_key(j, "listed");
		jw_arr_begin(j);
		for (i = 0; i < rep->cls[k].nlisted; i++)
			run_json(x, NULL, rep->cls[k].listed[i].start, rep->cls[k].listed[i].last,
				 &rep->cls[k].listed[i].run);
		jw_arr_end(j);
		jw_obj_end(j);
	}
	jw_obj_end(j);
	jw_key(j, "problems");
	jw_obj_begin(j);
	for (k = 0; k < XENPT_PTDUMP_NR_PROBLEMS; k++) {
		if (k == XENPT_PTDUMP_P_DISALLOWED && !x->as.pv)
			continue;
		jw_key(j, xenpt_ptdump_problem_name(k));
		jw_obj_begin(j);
		jw_ku64(j, "entries", rep->prob[k].entries);
		jw_key(j, "listed");
		jw_arr_begin(j);
		for (i = 0; i < rep->prob[k].nlisted; i++)
			run_json(x, NULL, rep->prob[k].listed[i].start, rep->prob[k].listed[i].last,
				 &rep->prob[k].listed[i].run);
		jw_arr_end(j);
		jw_obj_end(j);
	}
	jw_obj_end(j);
	jw_obj_end(j);
}

/* ---- --tables ------------------------------------------------------------------------ */

static struct xenpt_error *table_row(void *arg, const struct xenpt_ptdump_table *t)
{
	struct dump_ctx *x = arg;
	char f[32], o[32], key[32];

	if (x->j) {
		jw_obj_begin(x->j);
		jw_ku64(x->j, "level", t->level);
		snprintf(key, sizeof(key), "table_%s", x->sp);
		jw_kframe(x->j, key, t->frame);
		if (x->as.pv)
			jw_kframe(x->j, "table_pfn", t->frame_other);
		jw_khex(x->j, "first_va", t->first_va);
		jw_ku64(x->j, "refs", t->refs);
		jw_kbool(x->j, "unreadable", t->unreadable);
		if (t->unreadable) {
			jw_kstr(x->j, "error", xenpt_source_frame_strerror(x->cli->src, t->err));
		} else {
			jw_ku64(x->j, "present", t->present);
			jw_ku64(x->j, "leaves", t->leaves);
			jw_ku64(x->j, "links", t->links);
		}
		if (t->have_type)
			jw_kstr(x->j, "xen_type", xenpt_page_type_name(t->type));
		jw_obj_end(x->j);
		return NULL;
	}
	if (x->as.pv)
		printf("L%-4u  %-10s  %-10s  0x%016" PRIx64 "  %5" PRIu64 "  ", t->level,
		       fmt_frame(f, sizeof(f), t->frame), fmt_frame(o, sizeof(o), t->frame_other),
		       t->first_va, t->refs);
	else
		printf("L%-4u  %-10s  0x%016" PRIx64 "  %5" PRIu64 "  ", t->level,
		       fmt_frame(f, sizeof(f), t->frame), t->first_va, t->refs);
	if (t->unreadable)
		printf("%-23s", "unreadable");
	else
		printf("%7u  %6u  %6u", t->present, t->leaves, t->links);
	if (x->as.pv)
		printf("  %s", t->have_type ? xenpt_page_type_name(t->type) : "-");
	if (t->unreadable)
		printf("  (%s)", xenpt_source_frame_strerror(x->cli->src, t->err));
	printf("\n");
	return ferror(stdout) ? xenpt_error_os(EIO, "writing the table list") : NULL;
}

/* ---- options --------------------------------------------------------------------------- */

/* START-END (END exclusive, as the dump prints it; "START-" runs to the top). */
static bool parse_range(const char *s, uint64_t *start, uint64_t *last)
{
	const char *dash = strchr(s, '-');
	char buf[64];
	uint64_t end;

	if (!dash || (size_t)(dash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = 0;
	if (!cli_parse_va(buf, start))
		return false;
	if (!dash[1]) {
		*last = UINT64_MAX;
		return true;
	}
	if (!cli_parse_va(dash + 1, &end))
		return false;
	if (end == 0) {             /* 0x0000000000000000: the top, as printed */
		*last = UINT64_MAX;
		return true;
	}
	if (end <= *start)
		return false;
	*last = end - 1;
	return true;
}

static void header_plain(const struct dump_ctx *x, const struct xenpt_ptdump_opts *o)
{
	char note[200];

	printf("address space of %s: %s%s paging%s, cr3 0x%" PRIx64 "%s", xenpt_source_describe(x->cli->src),
	       xenpt_paging_mode_name(x->as.mode), x->as.pv ? " PV" : "",
	       cli_mode_note(&x->as, note, sizeof(note)), x->as.cr3, x->as.user ? " (user L4)" : "");
	if (o->va_start || o->va_last != UINT64_MAX)
		printf(", range 0x%016" PRIx64 "-0x%016" PRIx64, o->va_start, o->va_last + 1);
	if (o->max_level > 1)
		printf(", down to level %u", o->max_level);
	if (o->raw)
		printf(", raw");
	if (o->expand)
		printf(", expanded");
	printf("\n");
}

static void header_json(const struct dump_ctx *x, const struct xenpt_ptdump_opts *o)
{
	struct jw *j = x->j;

	jw_kstr(j, "source", xenpt_source_describe(x->cli->src));
	cli_json_mode(j, &x->as);
	jw_kstr(j, "space", x->sp);
	jw_khex(j, "cr3", x->as.cr3);
	jw_kbool(j, "user_l4", x->as.user);
	jw_khex(j, "range_start", o->va_start);
	jw_khex(j, "range_last", o->va_last);
	jw_ku64(j, "max_level", o->max_level ? o->max_level : 1);
	jw_kbool(j, "raw", o->raw);
	jw_kbool(j, "expand", o->expand);
}

int cmd_dump(struct cli *cli, int argc, char **argv)
{
	struct cli_aspace_opts ao = { 0 };
	struct xenpt_ptdump_opts o;
	const struct xenpt_ptdump_report *rep = NULL;
	struct dump_ctx x;
	struct xenpt_error *err;
	bool strict = false, tables = false;
	uint64_t max_lines = XENPT_PTDUMP_SECTION_LIMITS, v;
	const char *arg;
	size_t oi = 0;
	int c, r, rc = EXIT_OK;

	(void)argc;   /* the dispatcher opened the TARGET; no other arguments */
	(void)argv;
	memset(&x, 0, sizeof(x));
	x.cli = cli;
	xenpt_ptdump_opts_init(&o);
	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		switch (c) {
		case 's':
			strict = true;
			continue;
		case OPT_RAW:
			o.raw = true;
			continue;
		case OPT_LEVEL:
			if (!cli_parse_u64(arg, &v) || v < 1 || v > 5)
				return cli_usage_error(cli, "--level: '%s' is not a level (1 to 5)", arg);
			o.max_level = (unsigned)v;
			continue;
		case OPT_RANGE:
			if (!parse_range(arg, &o.va_start, &o.va_last))
				return cli_usage_error(cli, "--range: '%s' is not START-END (hex VAs, END exclusive and above START, or START- for the rest)",
						       arg);
			continue;
		case OPT_MAX_LINES:
			if (!cli_parse_u64(arg, &max_lines) || max_lines == XENPT_PTDUMP_SECTION_LIMITS)
				return cli_usage_error(cli, "--max-lines: '%s' is not a number", arg);
			continue;
		case OPT_TABLES:
			tables = true;
			continue;
		case OPT_NO_TYPES:
			o.no_ftypes = true;
			continue;
		case OPT_EXPAND:
			o.expand = true;
			continue;
		}
		r = cli_aspace_opt(cli, c, arg, &ao);
		if (r)
			return EXIT_USAGE;
	}
	err = cli_aspace(cli, &ao, &x.as);
	if (err)
		return cli_error(cli, err);
	x.sp = x.as.pv ? "mfn" : "gfn";
	err = xenpt_ptdump_create(cli->src, &x.as, &o, &x.d);
	if (err)
		return cli_error(cli, err);
	if (cli->json) {
		x.j = cli_jw(cli);
		jw_obj_begin(x.j);
		header_json(&x, &o);
		jw_key(x.j, tables ? "tables" : "runs");
		jw_arr_begin(x.j);
	} else if (tables) {
		header_plain(&x, &o);
		if (x.as.pv)
			printf("LEVEL  TABLE_MFN   TABLE_PFN   FIRST_VA             REFS  PRESENT  LEAVES   LINKS  XEN_TYPE\n");
		else
			printf("LEVEL  TABLE_GFN   FIRST_VA             REFS  PRESENT  LEAVES   LINKS\n");
	} else {
		header_plain(&x, &o);
	}
	if (tables) {
		err = xenpt_ptdump_tables(x.d, table_row, &x);
	} else {
		err = xenpt_ptdump_emit(x.d, max_lines, on_event, &x);
		if (!err)
			err = xenpt_ptdump_report(x.d, &rep);
	}
	if (err) {
		xenpt_ptdump_destroy(x.d);
		return cli_error(cli, err);
	}
	if (x.j) {
		jw_arr_end(x.j);
		if (rep)
			report_json(&x, rep);
		jw_obj_end(x.j);
	} else if (rep) {
		report_plain(&x, rep);
	}
	if (cli->stats || cli->verbose) {
		struct xenpt_ptdump_stats st;

		xenpt_ptdump_stats(x.d, &st);
		fprintf(stderr, "%s dump: %" PRIu64 " tables, %" PRIu64 " table reads, %" PRIu64
			" summaries (%" PRIu64 " reused), %" PRIu64 " entries decoded, %" PRIu64
			" tables visited to print, %" PRIu64 " to report\n",
			cli->prog, st.tables, st.table_reads, st.summaries, st.summary_hits,
			st.entries_scanned, st.emit_tables, st.report_tables);
	}
	if (strict && rep && rep->findings)
		rc = EXIT_FINDING;
	xenpt_ptdump_destroy(x.d);
	return rc;
}
