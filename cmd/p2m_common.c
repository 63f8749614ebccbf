/* SPDX-License-Identifier: MIT */
/*
 * What `xenpt p2m` (cmd/p2m.c) and `xenpt m2p` (cmd/m2p.c) share: their
 * options, the lookups (--pfn, --mfn), the check (--check), and labels.
 * Each command keeps only its own dump, handed to p2m_run(); neither
 * calls the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>

#include "p2m_cli.h"

/* ---- shared helpers ------------------------------------------------------- */

unsigned p2m_hex_digits(uint64_t max)
{
	unsigned n = 1;

	while (max >>= 4)
		n++;
	return n;
}

const char *p2m_fmt_span(char *buf, size_t len, uint64_t first, uint64_t count)
{
	if (count > 1)
		snprintf(buf, len, "0x%" PRIx64 "-0x%" PRIx64, first, first + count - 1);
	else
		snprintf(buf, len, "0x%" PRIx64, first);
	return buf;
}

const char *p2m_m2p_origin(struct xenpt_source *src)
{
	const char *kind = xenpt_source_kind(src);

	if (!strcmp(kind, "core"))
		return "the core's .xen_p2m inverted (a core holds no Xen M2P)";
	if (!strcmp(kind, "synth"))
		return "the synthetic host's M2P";
	return "Xen's M2P";
}

void p2m_note_claim(struct cli *cli)
{
	const char *field = NULL;
	uint64_t claim = 0;

	if (xenpt_p2m_size_claimed(cli->src, &claim, &field))
		cli_note(cli, "%s: %s is 0x%" PRIx64 ", more P2M entries than the source backs: the P2M is taken as 0x%" PRIx64 " entries",
			 xenpt_source_describe(cli->src), field, claim,
			 xenpt_source_domain(cli->src)->p2m_size);
}

/*
 * xen-mfndump's words for a type (none, L1..L4, pinned L1..L4, broken,
 * xalloc, xtab): the levels spelled out, every other name the library's
 * (xenpt_page_type_name(), lib/base/util.c: the one table of type names).
 */
const char *p2m_type_label(xenpt_page_type_t t, char *buf, size_t len)
{
	unsigned level = t & ~XENPT_PT_PINNED;

	if (t != XENPT_PT_XTAB && t != XENPT_PT_XALLOC && t != XENPT_PT_BROKEN &&
	    level >= XENPT_PT_L1 && level <= XENPT_PT_L4) {
		snprintf(buf, len, "%sL%u", (t & XENPT_PT_PINNED) ? "pinned " : "", level);
		return buf;
	}
	return xenpt_page_type_name(t);
}

/* ---- options ------------------------------------------------------------------- */

static bool parse_range(const char *s, uint64_t *first, uint64_t *last)
{
	char buf[64];
	const char *dash = strchr(s, '-');
	size_t n;

	if (!dash)
		return cli_parse_u64(s, first) && (*last = *first, true);
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return cli_parse_u64(buf, first) && cli_parse_u64(dash + 1, last) && *first <= *last;
}

static bool push(uint64_t **arr, size_t *n, uint64_t v)
{
	uint64_t *a;

	if (*n >= 1u << 20)
		return false;
	a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return false;
	a[(*n)++] = v;
	*arr = a;
	return true;
}

static int parse_opts(struct cli *cli, struct p2m_opts *o)
{
	const char *space = o->m2p ? "MFN" : "PFN", *arg;
	size_t oi = 0;
	int c;

	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		uint64_t v;

		switch (c) {
		case 'R':
			o->raw = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'c':
			o->check = true;
			break;
		case 'n':
			o->no_walk = true;
			break;
		case 'r':
			if (!parse_range(arg, &o->first, &o->last))
				return cli_usage_error(cli, "--range: '%s' is not a %s range (A-B, A <= B)",
						       arg, space);
			o->have_range = true;
			break;
		case 'P':
		case 'M':
			if (!cli_parse_u64(arg, &v))
				return cli_usage_error(cli, "--%s: '%s' is not a frame number",
						       c == 'P' ? "pfn" : "mfn", arg);
			if (!push(c == 'P' ? &o->pfns : &o->mfns, c == 'P' ? &o->npfns : &o->nmfns, v))
				return cli_usage_error(cli, "too many --%s", c == 'P' ? "pfn" : "mfn");
			break;
		default:
			return cli_usage_error(cli, "unexpected option");
		}
	}
	o->target = cli->target;
	if (o->check && (o->raw || o->have_range || o->npfns || o->nmfns || o->all))
		return cli_usage_error(cli, "--check checks the whole domain: it takes no --raw, --range, --pfn, --mfn%s",
				       o->m2p ? " or --all" : "");
	if (o->no_walk && !o->check)
		return cli_usage_error(cli, "--no-walk goes with --check");
	if ((o->npfns || o->nmfns) && (o->raw || o->have_range || o->all))
		return cli_usage_error(cli, "--pfn and --mfn look frames up: they take no --raw, --range%s",
				       o->m2p ? " or --all" : "");
	return 0;
}

/* ---- lookups ------------------------------------------------------------------------ */

static int do_lookups(struct cli *cli, const struct p2m_opts *o)
{
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_frame_info *fi = NULL;
	struct xenpt_error *err;
	size_t n = o->npfns + o->nmfns, i;
	bool typed = xenpt_source_caps(cli->src) & XENPT_CAP_PAGE_TYPES;
	int rc = EXIT_OK;

	err = xenpt_p2m_index_create(cli->src, &idx);
	if (err)
		return cli_error(cli, err);
	fi = calloc(n, sizeof(*fi));
	if (!fi) {
		xenpt_p2m_index_destroy(idx);
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
	}
	/* the command's own kind of frame first, each group in the order given */
	if (o->m2p) {
		err = xenpt_p2m_lookup(cli->src, idx, true, o->mfns, o->nmfns, fi);
		if (!err)
			err = xenpt_p2m_lookup(cli->src, idx, false, o->pfns, o->npfns, fi + o->nmfns);
	} else {
		err = xenpt_p2m_lookup(cli->src, idx, false, o->pfns, o->npfns, fi);
		if (!err)
			err = xenpt_p2m_lookup(cli->src, idx, true, o->mfns, o->nmfns, fi + o->npfns);
	}
	if (err) {
		rc = cli_error(cli, err);
		goto out;
	}
	if (cli->json) {
		struct jw *w = cli_jw(cli);

		jw_obj_begin(w);
		jw_kstr(w, "source", xenpt_source_describe(cli->src));
		jw_ku64(w, "p2m_size", xenpt_p2m_index_size(idx));
		jw_kbool(w, "typed", typed);
		jw_key(w, "lookups");
		jw_arr_begin(w);
		for (i = 0; i < n; i++) {
			const struct xenpt_frame_info *x = &fi[i];

			jw_obj_begin(w);
			jw_kstr(w, "query", x->by_mfn ? "mfn" : "pfn");
			jw_khex(w, "frame", x->by_mfn ? x->mfn : x->pfn);
			jw_kframe(w, "pfn", x->pfn);
			jw_kframe(w, "mfn", x->mfn);
			jw_kframe(w, "m2p_pfn", x->m2p_pfn);
			jw_kframe(w, "m2p_p2m_mfn", x->m2p_p2m_mfn);
			jw_ku64(w, "nr_pfns", x->nr_pfns);
			if (typed)
				jw_kstr(w, "type", xenpt_page_type_name(x->type));
			jw_kstr(w, "status", xenpt_frame_status_name(x->status));
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	} else {
		static const char *const titles[] = {
			"QUERY", "PFN", "MFN", "M2P[MFN]", "P2M[M2P[MFN]]", ">PFNS", "STATUS", "TYPE",
		};
		struct table *t = table_create(titles, typed ? 8 : 7);
		char b[6][40], tl[16];

		if (!t)
			abort();
		printf("lookups in %s: P2M 0x%" PRIx64 " entries; M2P: %s\n",
		       xenpt_source_describe(cli->src), xenpt_p2m_index_size(idx),
		       p2m_m2p_origin(cli->src));
		for (i = 0; i < n; i++) {
			const struct xenpt_frame_info *x = &fi[i];

			snprintf(b[0], sizeof(b[0]), "%s 0x%" PRIx64, x->by_mfn ? "mfn" : "pfn",
				 x->by_mfn ? x->mfn : x->pfn);
			snprintf(b[5], sizeof(b[5]), "%" PRIu64, x->nr_pfns);
			table_add(t, b[0], fmt_frame(b[1], sizeof(b[1]), x->pfn),
				  fmt_frame(b[2], sizeof(b[2]), x->mfn),
				  fmt_frame(b[3], sizeof(b[3]), x->m2p_pfn),
				  fmt_frame(b[4], sizeof(b[4]), x->m2p_p2m_mfn), b[5],
				  xenpt_frame_status_name(x->status),
				  p2m_type_label(x->type, tl, sizeof(tl)));
		}
		table_print(t, stdout, true);
		table_destroy(t);
	}
out:
	free(fi);
	xenpt_p2m_index_destroy(idx);
	return rc;
}

/* ---- the check ---------------------------------------------------------------------------- */

static void check_plain(struct cli *cli, const struct xenpt_p2m_check *k)
{
	static const char *const titles[] = { "KIND", "PFN", "MFN", ">COUNT", "WHERE" };
	char b[4][48];
	size_t i;
	unsigned kind;

	printf("check of %s: P2M 0x%" PRIx64 " entries (0x%" PRIx64 " valid); M2P: %s; host 0x%" PRIx64 " frames%s\n",
	       xenpt_source_describe(cli->src), k->p2m_size, k->p2m_valid,
	       p2m_m2p_origin(cli->src), k->host_frames,
	       k->host_known ? "" : " (not known: 52-bit limit)");
	if (k->size_claim != XENPT_INVALID_FRAME)
		printf("note: %s is 0x%" PRIx64 ", more P2M entries than the source backs: the check covers 0x%" PRIx64 "\n",
		       k->size_claim_field, k->size_claim, k->p2m_size);
	if (k->walked && k->complete)
		printf("page tables: %u root%s walked, 0x%" PRIx64 " frames used (0x%" PRIx64 " tables)%s\n",
		       k->roots, k->roots == 1 ? "" : "s", k->frames_checked, k->tables_checked,
		       k->vcpus_skipped ? ", vCPUs without CR3 skipped" : "");
	else if (k->walked)
		printf("page tables: %u root%s, %u walked completely; WALK INCOMPLETE: the budget of 0x%" PRIx64
		       " distinct frames ran out after 0x%" PRIx64 " frames used (0x%" PRIx64 " tables)%s\n",
		       k->roots, k->roots == 1 ? "" : "s", k->roots_complete, k->max_ranges,
		       k->frames_checked, k->tables_checked,
		       k->vcpus_skipped ? ", vCPUs without CR3 skipped" : "");
	else
		printf("page tables: not walked\n");
	for (i = 0; i < k->nr_not_checked; i++) {
		const struct xenpt_p2m_unchecked *u = &k->not_checked[i];

		if (u->first == u->last)
			printf("not checked: %s: L%u slot %u (va 0x%" PRIx64 "-0x%" PRIx64 ")\n",
			       u->root_desc, u->level, u->first, u->va_start, u->va_last);
		else
			printf("not checked: %s: L%u slots %u-%u (va 0x%" PRIx64 "-0x%" PRIx64 ")\n",
			       u->root_desc, u->level, u->first, u->last, u->va_start, u->va_last);
	}
	if (k->nr_findings) {
		struct table *t = table_create(titles, 5);

		if (!t)
			abort();
		for (i = 0; i < k->nr_findings; i++) {
			const struct xenpt_p2m_finding *f = &k->findings[i];

			snprintf(b[3], sizeof(b[3]), "%" PRIu64, f->count);
			table_add(t, xenpt_p2m_finding_name(f->kind), fmt_frame(b[0], sizeof(b[0]), f->pfn),
				  fmt_frame(b[1], sizeof(b[1]), f->mfn), b[3], f->where);
		}
		table_print(t, stdout, true);
		table_destroy(t);
	}
	if (k->nr_total > k->nr_findings)
		printf("... %" PRIu64 " more findings not listed\n", k->nr_total - k->nr_findings);
	if (k->nr_notes) {
		static const char *const ntitles[] = { "NOTE", "MFN", ">COUNT", "WHERE" };
		struct table *t = table_create(ntitles, 4);

		if (!t)
			abort();
		printf("frames the domain maps but does not own (information, not findings):\n");
		for (i = 0; i < k->nr_notes; i++) {
			const struct xenpt_p2m_finding *f = &k->notes[i];

			snprintf(b[3], sizeof(b[3]), "%" PRIu64, f->count);
			table_add(t, xenpt_p2m_note_name(f->note), fmt_frame(b[1], sizeof(b[1]), f->mfn),
				  b[3], f->where);
		}
		table_print(t, stdout, true);
		table_destroy(t);
	}
	if (k->nr_notes_total > k->nr_notes)
		printf("... %" PRIu64 " more notes not listed\n", k->nr_notes_total - k->nr_notes);
	if (!k->complete) {
		printf("result: incomplete (%u of %u root%s not checked completely); %" PRIu64
		       " finding%s in what was checked", k->roots - k->roots_complete, k->roots,
		       k->roots == 1 ? "" : "s", k->nr_total, k->nr_total == 1 ? "" : "s");
		if (k->nr_total) {
			printf(" (");
			for (kind = 0, i = 0; kind < XENPT_FIND_COUNT; kind++) {
				if (!k->counts[kind])
					continue;
				printf("%s%s %" PRIu64, i++ ? ", " : "", xenpt_p2m_finding_name(kind),
				       k->counts[kind]);
			}
			printf(")");
		}
	} else if (!k->nr_total) {
		printf("result: clean");
	} else {
		printf("result: %" PRIu64 " finding%s (", k->nr_total, k->nr_total == 1 ? "" : "s");
		for (kind = 0, i = 0; kind < XENPT_FIND_COUNT; kind++) {
			if (!k->counts[kind])
				continue;
			printf("%s%s %" PRIu64, i++ ? ", " : "", xenpt_p2m_finding_name(kind),
			       k->counts[kind]);
		}
		printf(")");
	}
	if (k->nr_notes_total) {
		uint64_t frames = 0;

		for (kind = 0; kind < XENPT_NOTE_COUNT; kind++)
			frames += k->note_frames[kind];
		printf("; %" PRIu64 " frame%s mapped that the domain does not own (", frames,
		       frames == 1 ? "" : "s");
		for (kind = 0, i = 0; kind < XENPT_NOTE_COUNT; kind++) {
			if (!k->note_frames[kind])
				continue;
			printf("%s%s %" PRIu64, i++ ? ", " : "", xenpt_p2m_note_name(kind),
			       k->note_frames[kind]);
		}
		printf(")");
	}
	printf("\n");
}

/* One finding, or one note (a frame mapped that the domain does not own). */
static void check_json_record(struct jw *w, const struct xenpt_p2m_finding *f, bool note)
{
	jw_obj_begin(w);
	jw_kstr(w, "kind", note ? xenpt_p2m_note_name(f->note) : xenpt_p2m_finding_name(f->kind));
	if (!note)
		jw_kframe(w, "pfn", f->pfn);
	jw_kframe(w, "mfn", f->mfn);
	jw_ku64(w, "count", f->count);
	jw_kframe(w, "m2p_pfn", f->m2p_pfn);
	if (f->kind == XENPT_FIND_M2P_MISMATCH)
		jw_kframe(w, "m2p_p2m_mfn", f->other);
	if (f->kind == XENPT_FIND_DUPLICATE_MFN)
		jw_kframe(w, "first_pfn", f->other);
	if (f->kind == XENPT_FIND_MAPPED_NOT_IN_P2M) {
		jw_kframe(w, "va", f->va);
		jw_kframe(w, "root_mfn", f->root);
		jw_kframe(w, "table_mfn", f->table);
		jw_ku64(w, "level", f->level);
		jw_ku64(w, "index", f->index);
		if (!note)
			jw_kbool(w, "as_table", f->as_table);
		if (f->typed)
			jw_kstr(w, "type", xenpt_page_type_name(f->type));
	}
	jw_kstr(w, "where", f->where);
	jw_obj_end(w);
}

/* "key": {finding name: n, ...} over every finding kind. */
static void json_per_finding(struct jw *w, const char *key, const uint64_t *n)
{
	int kind;

	jw_key(w, key);
	jw_obj_begin(w);
	for (kind = 0; kind < XENPT_FIND_COUNT; kind++)
		jw_ku64(w, xenpt_p2m_finding_name(kind), n[kind]);
	jw_obj_end(w);
}

static void check_json(struct cli *cli, const struct xenpt_p2m_check *k)
{
	struct jw *w = cli_jw(cli);
	size_t i;
	unsigned kind;

	jw_obj_begin(w);
	jw_kstr(w, "source", xenpt_source_describe(cli->src));
	jw_kbool(w, "clean", k->complete && k->nr_total == 0);
	jw_kbool(w, "complete", k->complete);
	jw_kstr(w, "result", !k->complete ? "incomplete" : k->nr_total ? "findings" : "clean");
	jw_ku64(w, "p2m_size", k->p2m_size);
	jw_kframe(w, "shinfo_max_pfn", k->shinfo_max_pfn);
	jw_key(w, "p2m_size_claim");
	if (k->size_claim == XENPT_INVALID_FRAME) {
		jw_null(w);
	} else {
		jw_obj_begin(w);
		jw_kstr(w, "field", k->size_claim_field);
		jw_khex(w, "value", k->size_claim);
		jw_obj_end(w);
	}
	jw_ku64(w, "p2m_valid", k->p2m_valid);
	jw_khex(w, "host_frames", k->host_frames);
	jw_kbool(w, "host_known", k->host_known);
	jw_key(w, "walk");
	jw_obj_begin(w);
	jw_kbool(w, "walked", k->walked);
	jw_ku64(w, "roots", k->roots);
	jw_ku64(w, "vcpus_skipped", k->vcpus_skipped);
	jw_ku64(w, "frames", k->frames_checked);
	jw_ku64(w, "tables", k->tables_checked);
	jw_ku64(w, "ranges", k->ranges);
	jw_kbool(w, "truncated", k->walk_truncated);
	jw_khex(w, "budget", k->max_ranges);
	jw_ku64(w, "roots_complete", k->roots_complete);
	jw_obj_end(w);
	jw_key(w, "not_checked");
	jw_arr_begin(w);
	for (i = 0; i < k->nr_not_checked; i++) {
		const struct xenpt_p2m_unchecked *u = &k->not_checked[i];

		jw_obj_begin(w);
		jw_kstr(w, "root", u->root_desc);
		jw_kframe(w, "root_mfn", u->root);
		jw_ku64(w, "level", u->level);
		jw_ku64(w, "first_slot", u->first);
		jw_ku64(w, "last_slot", u->last);
		jw_khex(w, "va_start", u->va_start);
		jw_khex(w, "va_last", u->va_last);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	json_per_finding(w, "counts", k->counts);
	json_per_finding(w, "frames", k->frames);
	jw_ku64(w, "nr_findings", k->nr_total);
	jw_ku64(w, "listed", k->nr_findings);
	jw_key(w, "findings");
	jw_arr_begin(w);
	for (i = 0; i < k->nr_findings; i++)
		check_json_record(w, &k->findings[i], false);
	jw_arr_end(w);
	jw_key(w, "note_frames");
	jw_obj_begin(w);
	for (kind = 1; kind < XENPT_NOTE_COUNT; kind++)
		jw_ku64(w, xenpt_p2m_note_name(kind), k->note_frames[kind]);
	jw_obj_end(w);
	jw_ku64(w, "nr_notes", k->nr_notes_total);
	jw_key(w, "notes");
	jw_arr_begin(w);
	for (i = 0; i < k->nr_notes; i++)
		check_json_record(w, &k->notes[i], true);
	jw_arr_end(w);
	jw_obj_end(w);
}

static int do_check(struct cli *cli, const struct p2m_opts *o)
{
	struct xenpt_p2m_check_opts co = { .flags = o->no_walk ? XENPT_P2M_CHECK_NO_WALK : 0 };
	struct xenpt_p2m_check *k = NULL;
	struct xenpt_error *err;
	int rc;

	err = xenpt_p2m_check(cli->src, &co, &k);
	if (err)
		return cli_error(cli, err);
	if (cli->json)
		check_json(cli, k);
	else
		check_plain(cli, k);
	/*
	 * A check whose budget ran out is not a result: exit 2 (as for a source
	 * that cannot be read), whatever was found in the part checked.
	 */
	if (!k->complete) {
		fprintf(stderr, "%s %s: the check did not finish: the page-table walk's budget of 0x%" PRIx64
			" distinct frames ran out; %u of %u root%s not checked completely (see 'not checked')\n",
			cli->prog, cli->cmd->name, k->max_ranges, k->roots - k->roots_complete, k->roots,
			k->roots == 1 ? "" : "s");
		rc = EXIT_INCOMPLETE;
	} else {
		rc = k->nr_total ? EXIT_FINDING : EXIT_OK;
	}
	xenpt_p2m_check_free(k);
	return rc;
}

/* ---- the commands ------------------------------------------------------------------------------- */

int p2m_run(struct cli *cli, int argc, char **argv, bool m2p, p2m_dump_fn dump)
{
	struct p2m_opts o;
	int rc;

	(void)argc;   /* the dispatcher opened the TARGET; no other arguments */
	(void)argv;
	memset(&o, 0, sizeof(o));
	o.m2p = m2p;
	rc = parse_opts(cli, &o);
	if (rc)
		goto out;
	if (o.check)
		rc = do_check(cli, &o);
	else if (o.npfns || o.nmfns)
		rc = do_lookups(cli, &o);
	else
		rc = dump(cli, &o);
out:
	free(o.pfns);
	free(o.mfns);
	return rc;
}
