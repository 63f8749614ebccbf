/* SPDX-License-Identifier: MIT */
/*
 * xenpt p2m: a PV domain's P2M (PFN -> MFN) as coalesced runs with Xen's
 * page types (the view of `xen-mfndump dump-p2m`, tools/misc/xen-mfndump.c,
 * one line per run instead of per frame), lookups, and --check.  Option
 * parsing, lookups and the check are shared with `xenpt m2p` (cmd/m2p.c).
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

/* xen-mfndump's words: none, L1..L4, pinned L1..L4, broken, xalloc, xtab. */
static const char *type_label(xenpt_page_type_t t)
{
	static const char *const n[] = {
		[XENPT_PT_NONE] = "none", [XENPT_PT_L1] = "L1", [XENPT_PT_L2] = "L2",
		[XENPT_PT_L3] = "L3", [XENPT_PT_L4] = "L4",
		[XENPT_PT_L1 | XENPT_PT_PINNED] = "pinned L1",
		[XENPT_PT_L2 | XENPT_PT_PINNED] = "pinned L2",
		[XENPT_PT_L3 | XENPT_PT_PINNED] = "pinned L3",
		[XENPT_PT_L4 | XENPT_PT_PINNED] = "pinned L4",
		[XENPT_PT_BROKEN] = "broken", [XENPT_PT_XALLOC] = "xalloc",
		[XENPT_PT_XTAB] = "xtab",
	};

	return t < sizeof(n) / sizeof(n[0]) && n[t] ? n[t] : "unknown";
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

static int parse_opts(struct cli *cli, int argc, char **argv, struct p2m_opts *o, bool *help)
{
	const char *space = o->m2p ? "MFN" : "PFN";
	int c;

	while ((c = cli_getopt(cli, argc, argv, help)) != -1) {
		uint64_t v;

		switch (c) {
		case '?':
			return EXIT_USAGE;
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
			if (!parse_range(optarg, &o->first, &o->last))
				return cli_usage_error(cli, "--range: '%s' is not a %s range (A-B, A <= B)",
						       optarg, space);
			o->have_range = true;
			break;
		case 'P':
		case 'M':
			if (!cli_parse_u64(optarg, &v))
				return cli_usage_error(cli, "--%s: '%s' is not a frame number",
						       c == 'P' ? "pfn" : "mfn", optarg);
			if (!push(c == 'P' ? &o->pfns : &o->mfns, c == 'P' ? &o->npfns : &o->nmfns, v))
				return cli_usage_error(cli, "too many --%s", c == 'P' ? "pfn" : "mfn");
			break;
		default:
			return cli_usage_error(cli, "unexpected option");
		}
	}
	if (*help)
		return 0;
	if (optind >= argc)
		return cli_usage_error(cli, "no TARGET given");
	if (argc - optind > 1)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + 1]);
	o->target = argv[optind];
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
		char b[6][40];

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
				  xenpt_frame_status_name(x->status), type_label(x->type));
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
	if (k->walked)
		printf("page tables: %u root%s walked, 0x%" PRIx64 " frames used (0x%" PRIx64 " tables)%s%s\n",
		       k->roots, k->roots == 1 ? "" : "s", k->frames_checked, k->tables_checked,
		       k->vcpus_skipped ? ", vCPUs without CR3 skipped" : "",
		       k->walk_truncated ? "; WALK TRUNCATED (too many ranges)" : "");
	else
		printf("page tables: not walked\n");
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
	if (!k->nr_total) {
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

static void check_json(struct cli *cli, const struct xenpt_p2m_check *k)
{
	struct jw *w = cli_jw(cli);
	size_t i;
	unsigned kind;

	jw_obj_begin(w);
	jw_kstr(w, "source", xenpt_source_describe(cli->src));
	jw_kbool(w, "clean", k->nr_total == 0);
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
	jw_obj_end(w);
	jw_key(w, "counts");
	jw_obj_begin(w);
	for (kind = 0; kind < XENPT_FIND_COUNT; kind++)
		jw_ku64(w, xenpt_p2m_finding_name(kind), k->counts[kind]);
	jw_obj_end(w);
	jw_key(w, "frames");
	jw_obj_begin(w);
	for (kind = 0; kind < XENPT_FIND_COUNT; kind++)
		jw_ku64(w, xenpt_p2m_finding_name(kind), k->frames[kind]);
	jw_obj_end(w);
	jw_ku64(w, "nr_findings", k->nr_total);
	jw_ku64(w, "listed", k->nr_findings);
	jw_key(w, "findings");
	jw_arr_begin(w);
	for (i = 0; i < k->nr_findings; i++) {
		const struct xenpt_p2m_finding *f = &k->findings[i];

		jw_obj_begin(w);
		jw_kstr(w, "kind", xenpt_p2m_finding_name(f->kind));
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
			jw_kbool(w, "as_table", f->as_table);
			if (f->typed)
				jw_kstr(w, "type", xenpt_page_type_name(f->type));
		}
		jw_kstr(w, "where", f->where);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "note_frames");
	jw_obj_begin(w);
	for (kind = 1; kind < XENPT_NOTE_COUNT; kind++)
		jw_ku64(w, xenpt_p2m_note_name(kind), k->note_frames[kind]);
	jw_obj_end(w);
	jw_ku64(w, "nr_notes", k->nr_notes_total);
	jw_key(w, "notes");
	jw_arr_begin(w);
	for (i = 0; i < k->nr_notes; i++) {
		const struct xenpt_p2m_finding *f = &k->notes[i];

		jw_obj_begin(w);
		jw_kstr(w, "kind", xenpt_p2m_note_name(f->note));
		jw_kframe(w, "mfn", f->mfn);
		jw_ku64(w, "count", f->count);
		jw_kframe(w, "m2p_pfn", f->m2p_pfn);
		jw_kframe(w, "va", f->va);
		jw_kframe(w, "root_mfn", f->root);
		jw_kframe(w, "table_mfn", f->table);
		jw_ku64(w, "level", f->level);
		jw_ku64(w, "index", f->index);
		if (f->typed)
			jw_kstr(w, "type", xenpt_page_type_name(f->type));
		jw_kstr(w, "where", f->where);
		jw_obj_end(w);
	}
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
	rc = k->nr_total ? EXIT_FINDING : EXIT_OK;
	xenpt_p2m_check_free(k);
	return rc;
}

/* ---- the P2M dump ------------------------------------------------------------------------- */

static int p2m_dump(struct cli *cli, const struct p2m_opts *o)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(cli->src);
	bool typed = xenpt_source_caps(cli->src) & XENPT_CAP_PAGE_TYPES, known, done = false;
	uint64_t first = o->have_range ? o->first : 0, last = o->have_range ? o->last : UINT64_MAX;
	uint64_t host = xenpt_p2m_host_frames(cli->src, &known), frames = 0, valid = 0, runs = 0;
	unsigned pw, mw, cw, pw1, mw1;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_run r;
	struct xenpt_error *err;
	struct jw *w = NULL;

	err = xenpt_p2m_iter_create(cli->src, first, last,
				    (typed ? XENPT_P2M_TYPES : 0) | (o->raw ? XENPT_P2M_RAW : 0), &it);
	if (err)
		return cli_error(cli, err);
	p2m_note_claim(cli);
	if (last > info->p2m_size - 1)
		last = info->p2m_size - 1;
	if (!known) {
		/* no host size: the widest MFN of the P2M decides */
		struct xenpt_p2m_index *idx = NULL;

		err = xenpt_p2m_index_create(cli->src, &idx);
		if (err) {
			xenpt_p2m_iter_destroy(it);
			return cli_error(cli, err);
		}
		host = xenpt_p2m_index_valid(idx) ? xenpt_p2m_index_max_mfn(idx) + 1 : 1;
		xenpt_p2m_index_destroy(idx);
	}
	pw = 2 * (2 + p2m_hex_digits(last)) + 1;
	mw = 2 * (2 + p2m_hex_digits(host - 1)) + 1;
	pw1 = 2 + p2m_hex_digits(last);
	mw1 = 2 + p2m_hex_digits(host - 1);
	if (mw1 < 11)
		mw1 = 11;   /* INVALID_MFN */
	if (mw < 11)
		mw = 11;
	cw = 1;
	for (uint64_t v = last - first + 1; v >= 10; v /= 10)
		cw++;
	if (cli->json) {
		w = cli_jw(cli);
		jw_obj_begin(w);
		jw_kstr(w, "source", xenpt_source_describe(cli->src));
		jw_ku64(w, "p2m_size", info->p2m_size);
		jw_khex(w, "first_pfn", first);
		jw_khex(w, "last_pfn", last);
		jw_kbool(w, "typed", typed);
		jw_kbool(w, "raw", o->raw);
		jw_key(w, "runs");
		jw_arr_begin(w);
	} else {
		printf("P2M of %s: 0x%" PRIx64 " entries (pfn 0x0-0x%" PRIx64 "), pfn 0x%" PRIx64 "-0x%" PRIx64 " shown; %s\n",
		       xenpt_source_describe(cli->src), info->p2m_size, info->p2m_size - 1, first, last,
		       typed ? "page types from Xen (getpageframeinfo3)"
			     : "no page types (only live and synthetic domains have them)");
	}
	while (!err) {
		char ps[48], ms[48];

		err = xenpt_p2m_iter_next(it, &r, &done);
		if (err || done)
			break;
		runs++;
		frames += r.count;
		if (r.mfn != XENPT_INVALID_FRAME)
			valid += r.count;
		if (w) {
			jw_obj_begin(w);
			jw_khex(w, "pfn", r.pfn);
			jw_khex(w, "last_pfn", r.pfn + r.count - 1);
			jw_kframe(w, "mfn", r.mfn);
			jw_kframe(w, "last_mfn", r.mfn == XENPT_INVALID_FRAME ? r.mfn : r.mfn + r.count - 1);
			jw_ku64(w, "count", r.count);
			if (typed)
				jw_kstr(w, "type", xenpt_page_type_name(r.type));
			jw_obj_end(w);
			continue;
		}
		p2m_fmt_span(ps, sizeof(ps), r.pfn, r.count);
		if (r.mfn == XENPT_INVALID_FRAME)
			snprintf(ms, sizeof(ms), "INVALID_MFN");
		else
			p2m_fmt_span(ms, sizeof(ms), r.mfn, r.count);
		{
			char line[256];
			size_t l;

			if (o->raw)
				snprintf(line, sizeof(line), "pfn %-*s -> mfn %-*s  %s", (int)pw1, ps,
					 (int)mw1, ms, typed ? type_label(r.type) : "");
			else
				snprintf(line, sizeof(line), "pfn %-*s -> mfn %-*s  %*" PRIu64 " frame%s  %s",
					 (int)pw, ps, (int)mw, ms, (int)cw, r.count,
					 r.count == 1 ? " " : "s", typed ? type_label(r.type) : "");
			for (l = strlen(line); l && line[l - 1] == ' '; l--)
				line[l - 1] = 0;
			printf("%s\n", line);
		}
	}
	xenpt_p2m_iter_destroy(it);
	if (err) {
		if (w) {
			jw_arr_end(w);
			jw_obj_end(w);
			jw_destroy(w);
			cli->jw = NULL;
			fflush(stdout);
		}
		return cli_error(cli, err);
	}
	if (w) {
		jw_arr_end(w);
		jw_ku64(w, "frames", frames);
		jw_ku64(w, "valid", valid);
		jw_ku64(w, "invalid", frames - valid);
		jw_ku64(w, "nr_runs", runs);
		jw_obj_end(w);
	} else {
		printf("0x%" PRIx64 " frames in %" PRIu64 " run%s: 0x%" PRIx64 " mapped, 0x%" PRIx64 " INVALID_MFN\n",
		       frames, runs, runs == 1 ? "" : "s", valid, frames - valid);
	}
	return EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------------- */

int p2m_run(struct cli *cli, int argc, char **argv, bool m2p)
{
	struct p2m_opts o;
	struct xenpt_error *err;
	bool help = false;
	int rc;

	memset(&o, 0, sizeof(o));
	o.m2p = m2p;
	rc = parse_opts(cli, argc, argv, &o, &help);
	if (rc || help) {
		if (!rc)
			cli_print_help(cli->cmd);
		goto out;
	}
	err = cli_open_target(cli, o.target);
	if (err) {
		rc = cli_error(cli, err);
		goto out;
	}
	if (o.check)
		rc = do_check(cli, &o);
	else if (o.npfns || o.nmfns)
		rc = do_lookups(cli, &o);
	else if (m2p)
		rc = m2p_dump(cli, &o);
	else
		rc = p2m_dump(cli, &o);
out:
	free(o.pfns);
	free(o.mfns);
	return rc;
}

int cmd_p2m(struct cli *cli, int argc, char **argv)
{
	return p2m_run(cli, argc, argv, false);
}
