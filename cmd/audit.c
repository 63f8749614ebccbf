/* SPDX-License-Identifier: MIT */
/*
 * xenpt audit: a PV domain's page types, pins and references against Xen's
 * rules (include/xenpt/audit.h); --frame MFN: who holds a frame and why it
 * is typed so; --all: every PV domain of the host, with cross-domain
 * references.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/audit.h>
#include <xenpt/synth.h>

#include "cli.h"

enum { OPT_FRAME = 'f', OPT_ALL = 'a', OPT_NO_TYPES = 'T' };

static const char *xen_type_str(const struct xenpt_audit_frame *f)
{
	return f->xen_type_known ? xenpt_page_type_name(f->xen_type) : "-";
}

static const char *level_str(char *buf, size_t len, unsigned level)
{
	if (level)
		snprintf(buf, len, "L%u", level);
	else
		snprintf(buf, len, "-");
	return buf;
}

/* ---- plain ---------------------------------------------------------------------------------- */

static void print_summary_plain(const struct xenpt_source *src, const struct xenpt_audit *a)
{
	static const char *const titles[] = { "TYPE", ">XEN_SAYS", ">RULES_DERIVE" };
	struct xenpt_audit_summary s;
	struct table *t;
	unsigned l;

	xenpt_audit_summary(a, &s);
	printf("audit of %s (%s)\n", xenpt_source_describe(src), xenpt_source_kind(src));
	if (s.types_known)
		printf("Xen's page types: read for %" PRIu64 " frames of the P2M and every table found\n",
		       s.frames_typed);
	else
		printf("Xen's page types: not known to this source: the structure alone is audited\n");
	if (s.counts_known)
		printf("exact counts: from the synthetic model\n");
	else
		printf("exact counts: not observable (lower bounds only)\n");
	t = table_create(titles, 3);
	for (l = 1; l <= 4; l++) {
		table_addf(t, 0, "l%u", l);
		if (s.types_known)
			table_addf(t, 1, "%" PRIu64, s.xen_tables[l]);
		else
			table_addf(t, 1, "-");
		table_addf(t, 2, "%" PRIu64, s.derived_tables[l]);
		table_end_row(t);
	}
	for (l = 1; l <= 4; l++) {
		table_addf(t, 0, "pinned l%u", l);
		if (s.types_known)
			table_addf(t, 1, "%" PRIu64, s.xen_pinned[l]);
		else
			table_addf(t, 1, "-");
		table_addf(t, 2, "-");
		table_end_row(t);
	}
	table_addf(t, 0, "seg_desc (GDT)");
	table_addf(t, 1, "-");
	table_addf(t, 2, "%" PRIu64, s.derived_seg_desc);
	table_end_row(t);
	if (s.types_known) {
		table_addf(t, 0, "none");
		table_addf(t, 1, "%" PRIu64, s.xen_none);
		table_addf(t, 2, "-");
		table_end_row(t);
		table_addf(t, 0, "xtab");
		table_addf(t, 1, "%" PRIu64, s.xen_xtab);
		table_addf(t, 2, "-");
		table_end_row(t);
		table_addf(t, 0, "broken");
		table_addf(t, 1, "%" PRIu64, s.xen_broken);
		table_addf(t, 2, "-");
		table_end_row(t);
	}
	table_print(t, stdout, true);
	table_destroy(t);
	printf("tables scanned %" PRIu64 ", present entries %" PRIu64 ": child %" PRIu64 ", linear %" PRIu64
	       ", self %" PRIu64 ", RW maps %" PRIu64 ", RO maps %" PRIu64 ", refused %" PRIu64
	       "; vCPU root uses %" PRIu64 "\n",
	       s.tables_scanned, s.entries_present, s.child_refs, s.linear_refs, s.self_refs, s.map_rw,
	       s.map_ro, s.refused, s.roots);
	if (s.counts_known)
		printf("references not explained by the guest's tables (Xen-internal, grant or foreign): "
		       "%" PRIu64 " on %" PRIu64 " frames\n", s.unexplained_refs, s.unexplained_frames);
	if (s.findings_transient)
		printf("note: %" PRIu64 " finding%s of the first pass did not come back on a second one "
		       "(the domain ran: tables changed under xenpt) and %s dropped\n", s.findings_transient,
		       s.findings_transient == 1 ? "" : "s", s.findings_transient == 1 ? "is" : "are");
	if (s.vcpus_skipped)
		printf("note: %" PRIu64 " vCPU context%s not given by Xen (the vCPU running xenpt): its "
		       "tables are found from the pins only\n", s.vcpus_skipped, s.vcpus_skipped == 1 ? " was" : "s were");
}

static void print_findings_plain(const struct xenpt_audit *a)
{
	static const char *const titles[] = { "CODE", "MFN", "LEVEL", ">INDEX", "TARGET", "DETAIL" };
	struct xenpt_audit_summary s;
	struct table *t;
	char b[32];
	size_t i;

	xenpt_audit_summary(a, &s);
	if (!s.findings) {
		printf("findings: none\n");
		return;
	}
	printf("findings: %" PRIu64 "%s", s.findings, s.findings_dropped ? " (only the first are listed)" : "");
	if (s.by_code[XENPT_AUDIT_FOREIGN_MAP])
		printf(" (%" PRIu64 " cross-domain mapping%s: grant or foreign maps, listed for triage, "
		       "not counted in the exit status)", s.by_code[XENPT_AUDIT_FOREIGN_MAP],
		       s.by_code[XENPT_AUDIT_FOREIGN_MAP] == 1 ? "" : "s");
	printf("\n");
	t = table_create(titles, 6);
	for (i = 0; i < xenpt_audit_nr_findings(a); i++) {
		const struct xenpt_audit_finding *f = xenpt_audit_finding(a, i);

		table_addf(t, 0, "%s", xenpt_audit_code_name(f->code));
		table_addf(t, 1, "0x%08" PRIx64, f->frame);
		table_addf(t, 2, "%s", level_str(b, sizeof(b), f->level));
		if (f->index != UINT32_MAX)
			table_addf(t, 3, "%u", f->index);
		else
			table_addf(t, 3, "-");
		if (f->target != XENPT_INVALID_FRAME)
			table_addf(t, 4, "0x%08" PRIx64, f->target);
		else
			table_addf(t, 4, "-");
		table_addf(t, 5, "%s", f->text);
		table_end_row(t);
	}
	table_print(t, stdout, true);
	table_destroy(t);
}

static void print_frame_plain(const struct xenpt_audit *a, uint64_t mfn)
{
	static const char *const titles[] = { "HOLDER", "TABLE", "LEVEL", ">INDEX", "ENTRY", "REFERENCE" };
	struct xenpt_audit_frame f;
	struct table *t;
	char b[32];
	size_t i;

	xenpt_audit_frame_info(a, mfn, &f);
	printf("mfn 0x%" PRIx64 ": rules derive %s, Xen says %s\n", mfn, xenpt_audit_type_name(f.derived),
	       xen_type_str(&f));
	printf("why: %s\n", f.why);
	printf("type count >= %" PRIu64 ", general count >= %" PRIu64 " (PGC_allocated included)\n",
	       f.type_lb, f.general_lb);
	if (f.counts_known) {
		printf("exact (synthetic model): type count %" PRIu64 ", general count %" PRIu64, f.type_count,
		       f.general_count);
		if (f.unexplained)
			printf(": +%" PRIu64 " not explained by the guest's tables (Xen-internal, grant or foreign)",
			       f.unexplained);
		printf("\n");
	}
	if (!xenpt_audit_nr_holders(a)) {
		printf("holders: none seen\n");
		return;
	}
	t = table_create(titles, 6);
	for (i = 0; i < xenpt_audit_nr_holders(a); i++) {
		const struct xenpt_audit_holder *h = xenpt_audit_holder(a, i);

		table_addf(t, 0, "%s", xenpt_audit_holder_name(h->kind));
		if (h->table != XENPT_INVALID_FRAME) {
			table_addf(t, 1, "0x%08" PRIx64, h->table);
			table_addf(t, 2, "%s", level_str(b, sizeof(b), h->level));
			table_addf(t, 3, "%u", h->index);
			table_addf(t, 4, "0x%016" PRIx64, h->entry);
		} else {
			table_addf(t, 1, "-");
			table_addf(t, 2, "%s", level_str(b, sizeof(b), h->level));
			if (h->kind == XENPT_AUDIT_H_ROOT || h->kind == XENPT_AUDIT_H_GDT)
				table_addf(t, 3, "vcpu %u", h->index);
			else
				table_addf(t, 3, "-");
			table_addf(t, 4, "-");
		}
		table_addf(t, 5, "%s", h->ref);
		table_end_row(t);
	}
	table_print(t, stdout, true);
	table_destroy(t);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_audit(struct jw *w, const struct xenpt_source *src, const struct xenpt_audit *a,
		       uint64_t frame)
{
	struct xenpt_audit_summary s;
	unsigned l, c;
	size_t i;

	xenpt_audit_summary(a, &s);
	jw_obj_begin(w);
	jw_key(w, "domain");
	jw_obj_begin(w);
	jw_ku64(w, "domid", xenpt_source_domain(src)->domid);
	jw_kstr(w, "name", xenpt_source_domain(src)->name);
	jw_kstr(w, "source", xenpt_source_kind(src));
	jw_obj_end(w);
	jw_kbool(w, "types_known", s.types_known);
	jw_kbool(w, "counts_known", s.counts_known);
	jw_kbool(w, "incomplete", s.incomplete);
	jw_key(w, "types");
	jw_arr_begin(w);
	for (l = 1; l <= 4; l++) {
		char n[8];

		snprintf(n, sizeof(n), "l%u", l);
		jw_obj_begin(w);
		jw_kstr(w, "type", n);
		jw_key(w, "xen_says");
		if (s.types_known)
			jw_u64(w, s.xen_tables[l]);
		else
			jw_null(w);
		jw_key(w, "xen_pinned");
		if (s.types_known)
			jw_u64(w, s.xen_pinned[l]);
		else
			jw_null(w);
		jw_ku64(w, "rules_derive", s.derived_tables[l]);
		jw_obj_end(w);
	}
	jw_obj_begin(w);
	jw_kstr(w, "type", "seg_desc");
	jw_key(w, "xen_says");
	jw_null(w);
	jw_key(w, "xen_pinned");
	jw_null(w);
	jw_ku64(w, "rules_derive", s.derived_seg_desc);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_key(w, "counters");
	jw_obj_begin(w);
	jw_ku64(w, "frames_typed", s.frames_typed);
	jw_ku64(w, "tables_scanned", s.tables_scanned);
	jw_ku64(w, "entries_present", s.entries_present);
	jw_ku64(w, "child_refs", s.child_refs);
	jw_ku64(w, "linear_refs", s.linear_refs);
	jw_ku64(w, "self_refs", s.self_refs);
	jw_ku64(w, "map_rw", s.map_rw);
	jw_ku64(w, "map_ro", s.map_ro);
	jw_ku64(w, "refused", s.refused);
	jw_ku64(w, "vcpu_roots", s.roots);
	jw_ku64(w, "vcpus_skipped", s.vcpus_skipped);
	jw_ku64(w, "findings_transient", s.findings_transient);
	if (s.types_known) {
		jw_ku64(w, "xen_none", s.xen_none);
		jw_ku64(w, "xen_xtab", s.xen_xtab);
		jw_ku64(w, "xen_broken", s.xen_broken);
	}
	jw_key(w, "unexplained_refs");
	if (s.counts_known)
		jw_u64(w, s.unexplained_refs);
	else
		jw_null(w);
	jw_key(w, "unexplained_frames");
	if (s.counts_known)
		jw_u64(w, s.unexplained_frames);
	else
		jw_null(w);
	jw_obj_end(w);
	jw_key(w, "finding_counts");
	jw_obj_begin(w);
	for (c = 0; c < XENPT_AUDIT_NR_CODES; c++)
		if (s.by_code[c])
			jw_ku64(w, xenpt_audit_code_name((enum xenpt_audit_code)c), s.by_code[c]);
	jw_obj_end(w);
	jw_ku64(w, "findings_total", s.findings);
	jw_key(w, "findings");
	jw_arr_begin(w);
	for (i = 0; i < xenpt_audit_nr_findings(a); i++) {
		const struct xenpt_audit_finding *f = xenpt_audit_finding(a, i);

		jw_obj_begin(w);
		jw_kstr(w, "code", xenpt_audit_code_name(f->code));
		jw_ku64(w, "domid", f->domid);
		jw_kframe(w, "mfn", f->frame);
		jw_ku64(w, "level", f->level);
		jw_key(w, "index");
		if (f->index != UINT32_MAX)
			jw_u64(w, f->index);
		else
			jw_null(w);
		jw_key(w, "entry");
		if (f->index != UINT32_MAX)
			jw_hex(w, f->entry);
		else
			jw_null(w);
		jw_kframe(w, "target", f->target);
		if (f->index != UINT32_MAX && f->code != XENPT_AUDIT_XEN_SLOT)
			jw_kstr(w, "target_type", xenpt_audit_type_name(f->target_type));
		jw_key(w, "xen_type");
		if (f->xen_type_known)
			jw_str(w, xenpt_page_type_name(f->xen_type));
		else
			jw_null(w);
		if (f->code >= XENPT_AUDIT_FOREIGN_TABLE || f->code == XENPT_AUDIT_LINEAR_FOREIGN)
			jw_ku64(w, "other_domid", f->other_domid);
		jw_kstr(w, "text", f->text);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (frame != XENPT_INVALID_FRAME) {
		struct xenpt_audit_frame f;

		xenpt_audit_frame_info(a, frame, &f);
		jw_key(w, "frame");
		jw_obj_begin(w);
		jw_kframe(w, "mfn", frame);
		jw_kstr(w, "derived", xenpt_audit_type_name(f.derived));
		jw_key(w, "xen_type");
		if (f.xen_type_known)
			jw_str(w, xenpt_page_type_name(f.xen_type));
		else
			jw_null(w);
		jw_kstr(w, "why", f.why);
		jw_ku64(w, "type_count_min", f.type_lb);
		jw_ku64(w, "general_count_min", f.general_lb);
		jw_key(w, "type_count");
		if (f.counts_known)
			jw_u64(w, f.type_count);
		else
			jw_null(w);
		jw_key(w, "general_count");
		if (f.counts_known)
			jw_u64(w, f.general_count);
		else
			jw_null(w);
		jw_key(w, "unexplained");
		if (f.counts_known)
			jw_u64(w, f.unexplained);
		else
			jw_null(w);
		jw_key(w, "holders");
		jw_arr_begin(w);
		for (i = 0; i < xenpt_audit_nr_holders(a); i++) {
			const struct xenpt_audit_holder *h = xenpt_audit_holder(a, i);

			jw_obj_begin(w);
			jw_kstr(w, "kind", xenpt_audit_holder_name(h->kind));
			jw_kframe(w, "table", h->table);
			jw_ku64(w, "level", h->level);
			if (h->table != XENPT_INVALID_FRAME)
				jw_ku64(w, "index", h->index);
			else if (h->kind == XENPT_AUDIT_H_ROOT || h->kind == XENPT_AUDIT_H_GDT)
				jw_ku64(w, "vcpu", h->index);
			if (h->table != XENPT_INVALID_FRAME)
				jw_khex(w, "entry", h->entry);
			jw_kstr(w, "reference", h->ref);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static int exit_code(const struct xenpt_audit *a)
{
	struct xenpt_audit_summary s;

	xenpt_audit_summary(a, &s);
	if (s.incomplete)
		return EXIT_INCOMPLETE;
	/* grant and foreign mappings (host-wide) are how split drivers and the
	 * toolstack work: listed for triage, not a breach of Xen's rules */
	return s.findings > s.by_code[XENPT_AUDIT_FOREIGN_MAP] ? EXIT_FINDING : EXIT_OK;
}

/*
 * A live domain that ran while xenpt read it (not paused: dom0 always
 * runs) may show a table half-changed: its findings count only if a second
 * audit, from a fresh cache, finds them too.
 */
static bool ran_while_read(struct xenpt_source *src)
{
	return (xenpt_source_caps(src) & XENPT_CAP_LIVE) && !xenpt_source_domain(src)->paused;
}

/* ---- host-wide ------------------------------------------------------------------------------ */

static int audit_host(struct cli *cli, const struct xenpt_audit_opts *o)
{
	struct xenpt_domain_info *doms = NULL;
	struct xenpt_source **srcs = NULL;
	struct xenpt_audit **res = NULL;
	struct xenpt_error *err;
	size_t n = 0, ns = 0, i;
	int rc = EXIT_OK, r;
	bool skipped = false;

	err = xenpt_xen_list_domains(&doms, &n);
	if (err)
		return cli_error(cli, xenpt_error_hint(err,
			"--all audits the PV domains of the live host; give a TARGET for one domain"));
	srcs = calloc(n ? n : 1, sizeof(*srcs));
	res = calloc(n ? n : 1, sizeof(*res));
	if (!srcs || !res)
		abort();
	for (i = 0; i < n; i++) {
		char id[16];

		if (doms[i].hvm)
			continue;
		snprintf(id, sizeof(id), "%u", doms[i].domid);
		/* a dying domain (destroyed, some of its pages still referenced)
		 * opens for its page types only: they say which referenced frames
		 * are still its own (dying-domain-reference) */
		err = xenpt_source_open_xen(id, (cli->pause ? XENPT_OPEN_PAUSE : 0) | XENPT_OPEN_DYING,
					    &srcs[ns]);
		if (err) {
			/* a domain that cannot be opened (e.g. gone meanwhile) is named, not fatal */
			fprintf(stderr, "xenpt audit: domain %u skipped: %s\n", doms[i].domid,
				xenpt_error_message(err));
			xenpt_error_destroy(err);
			err = NULL;
			skipped = true;
			continue;
		}
		ns++;
	}
	err = xenpt_audit_run_host(srcs, ns, o, res);
	if (err)
		goto fail;
	for (i = 0; i < ns; i++)
		if (res[i] && xenpt_audit_nr_findings(res[i]) && ran_while_read(srcs[i])) {
			struct xenpt_audit **again = calloc(ns, sizeof(*again));
			size_t k;

			if (!again)
				abort();
			for (k = 0; k < ns; k++)
				xenpt_source_cache_flush(srcs[k]);
			err = xenpt_audit_run_host(srcs, ns, o, again);
			for (k = 0; !err && k < ns; k++)
				if (res[k] && again[k] && ran_while_read(srcs[k]))
					xenpt_audit_keep_reproduced(res[k], again[k]);
			for (k = 0; k < ns; k++)
				xenpt_audit_destroy(again[k]);
			free(again);
			if (err)
				goto fail;
			break;
		}
	if (cli->json)
		jw_arr_begin(cli_jw(cli));
	for (i = 0; i < ns; i++) {
		if (!res[i])
			continue;
		if (cli->json) {
			json_audit(cli_jw(cli), srcs[i], res[i], o->frame);
		} else {
			print_summary_plain(srcs[i], res[i]);
			print_findings_plain(res[i]);
			if (o->frame != XENPT_INVALID_FRAME)
				print_frame_plain(res[i], o->frame);
			printf("\n");
		}
		r = exit_code(res[i]);
		if (r == EXIT_INCOMPLETE || (r == EXIT_FINDING && rc == EXIT_OK))
			rc = r;
	}
	if (cli->json)
		jw_arr_end(cli_jw(cli));
	if (skipped)
		rc = EXIT_INCOMPLETE;   /* a domain was not audited: never "clean" */
	goto out;
fail:
	rc = cli_error(cli, err);
out:
	for (i = 0; i < ns; i++) {
		xenpt_audit_destroy(res[i]);
		xenpt_source_close(srcs[i]);
	}
	free(res);
	free(srcs);
	free(doms);
	return rc;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct xenpt_audit_opts o;
	struct xenpt_audit *a = NULL;
	struct xenpt_error *err;
	struct xenpt_synth *syn;
	const char *arg;
	size_t oi = 0;
	bool all = false;
	uint64_t v;
	int c, rc;

	(void)argc;
	(void)argv;
	xenpt_audit_opts_init(&o);
	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		switch (c) {
		case OPT_FRAME:
			if (!cli_parse_u64(arg, &v) || v == XENPT_INVALID_FRAME)
				return cli_usage_error(cli, "--frame: '%s' is not a frame number", arg);
			o.frame = v;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_NO_TYPES:
			o.no_types = true;
			break;
		default:
			return cli_usage_error(cli, "unexpected option");
		}
	}
	if (all && cli->src)
		return cli_usage_error(cli, "--all audits every PV domain of the host: give no TARGET");
	if (all)
		return audit_host(cli, &o);
	if (!cli->src)
		return cli_usage_error(cli, "no TARGET given (or --all for every PV domain of the host)");
	syn = xenpt_synth_of_source(cli->src);
	if (syn && !o.no_types) {
		o.counts = xenpt_synth_exact_counts;
		o.counts_arg = syn;
	}
	err = xenpt_audit_run(cli->src, &o, &a);
	if (err)
		return cli_error(cli, err);
	if (xenpt_audit_nr_findings(a) && ran_while_read(cli->src)) {
		struct xenpt_audit *again = NULL;

		xenpt_source_cache_flush(cli->src);
		err = xenpt_audit_run(cli->src, &o, &again);
		if (err) {
			xenpt_audit_destroy(a);
			return cli_error(cli, err);
		}
		xenpt_audit_keep_reproduced(a, again);
		xenpt_audit_destroy(again);
	}
	if (cli->json) {
		json_audit(cli_jw(cli), cli->src, a, o.frame);
	} else {
		print_summary_plain(cli->src, a);
		print_findings_plain(a);
		if (o.frame != XENPT_INVALID_FRAME)
			print_frame_plain(a, o.frame);
	}
	cli_print_stats(cli);
	rc = exit_code(a);
	xenpt_audit_destroy(a);
	return rc;
}
