/* SPDX-License-Identifier: MIT */
/*
 * xenpt rmap: every page-table entry that references a frame, from an
 * index built once per run (lib/view/rmap.c) and queried for each --mfn / --pfn.
 * Each reference shows the table frame and index (as xen-mfndump's
 * lookup-pte does), the entry, and, for the paths from the roots, the VAs
 * and effective rights.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/rmap.h>

#include "cli.h"

/* option characters: the table in cmd/xenpt.c */
enum { OPT_MFN = 'M', OPT_PFN = 'P', OPT_CR3 = 'r', OPT_MAX_PATHS = 'n' };

#define DEFAULT_MAX_PATHS 16

struct query {
	bool by_pfn;
	uint64_t value;
};

struct rmap_ctx {
	struct cli *cli;
	struct xenpt_rmap *r;
	const struct xenpt_aspace *as;
	struct jw *j;
	const char *sp;             /* "mfn" or "gfn": what tables hold */
	size_t max_paths;
	struct xenpt_rmap_path *paths;
	uint64_t nrefs;
	bool header_done;
};

static const char *level_label(const struct xenpt_aspace *as, unsigned level, char *buf,
			       size_t len)
{
	if (as->mode == XENPT_PM_PAE && level == 3)
		snprintf(buf, len, "PDPT");
	else
		snprintf(buf, len, "L%u", level);
	return buf;
}

/*
 * A leaf: who may access the page, and how.  Any other entry: the rights it
 * lets through to what lies below (US is not final above the leaf; Xen sets
 * it on every upper-level entry of a 64-bit PV guest).
 */
static const char *rights(const struct xenpt_rmap_ref *ref, const struct xenpt_rmap_path *p,
			  char *buf, size_t len)
{
	if (ref->kind == XENPT_RMAP_LEAF)
		snprintf(buf, len, "%s %s %s", p->user ? "user" : "kernel", p->writable ? "RW" : "ro",
			 p->nx ? "NX" : "x");
	else
		snprintf(buf, len, "down: %s %s", p->writable ? "RW" : "ro", p->nx ? "NX" : "x");
	return buf;
}

static struct xenpt_error *on_ref(void *arg, const struct xenpt_rmap_ref *ref)
{
	struct rmap_ctx *x = arg;
	const struct xenpt_aspace *as = x->as;
	struct xenpt_error *err;
	size_t n = 0, i;
	char key[32], a[32], b[32], lv[8], sz[24], rt[32];

	err = xenpt_rmap_paths(x->r, ref, x->max_paths, x->paths, &n);
	if (err)
		return err;
	x->nrefs++;
	if (x->j) {
		struct jw *j = x->j;

		jw_obj_begin(j);
		jw_kstr(j, "kind", xenpt_rmap_kind_name(ref->kind));
		jw_ku64(j, "level", ref->level);
		snprintf(key, sizeof(key), "table_%s", x->sp);
		jw_kframe(j, key, ref->table);
		if (as->pv)
			jw_kframe(j, "table_pfn", ref->table_other);
		jw_ku64(j, "index", ref->index);
		jw_khex(j, "entry", ref->entry);
		jw_khex(j, "page_size", ref->page_size);
		if (ref->kind == XENPT_RMAP_LEAF)
			jw_khex(j, "frame_offset", ref->frame_offset);
		if (ref->named_level)
			jw_ku64(j, "named_level", ref->named_level);
		jw_ku64(j, "paths", ref->paths);
		jw_key(j, "vas");
		jw_arr_begin(j);
		for (i = 0; i < n; i++) {
			const struct xenpt_rmap_path *p = &x->paths[i];

			jw_obj_begin(j);
			jw_khex(j, "va", p->va);
			jw_kstr(j, "root", xenpt_rmap_root(x->r, p->root)->name);
			jw_kbool(j, "user", p->user);
			jw_kbool(j, "hw_user", p->hw_user);
			jw_kbool(j, "writable", p->writable);
			jw_kbool(j, "nx", p->nx);
			jw_obj_end(j);
		}
		jw_arr_end(j);
		jw_obj_end(j);
		return NULL;
	}
	if (!x->header_done) {
		if (as->pv)
			printf("  %-9s %-5s %-10s %-10s %4s  %-18s  %5s  %s\n", "KIND", "LEVEL",
			       "TABLE_MFN", "TABLE_PFN", "IDX", "ENTRY", "PAGE", "PATHS");
		else
			printf("  %-9s %-5s %-10s %4s  %-18s  %5s  %s\n", "KIND", "LEVEL", "TABLE_GFN",
			       "IDX", "ENTRY", "PAGE", "PATHS");
		x->header_done = true;
	}
	if (as->pv)
		printf("  %-9s %-5s %-10s %-10s %4u  0x%016" PRIx64 "  %5s  %" PRIu64 "\n",
		       xenpt_rmap_kind_name(ref->kind), level_label(as, ref->level, lv, sizeof(lv)),
		       fmt_frame(a, sizeof(a), ref->table), fmt_frame(b, sizeof(b), ref->table_other),
		       ref->index, ref->entry, fmt_size(sz, sizeof(sz), ref->page_size), ref->paths);
	else
		printf("  %-9s %-5s %-10s %4u  0x%016" PRIx64 "  %5s  %" PRIu64 "\n",
		       xenpt_rmap_kind_name(ref->kind), level_label(as, ref->level, lv, sizeof(lv)),
		       fmt_frame(a, sizeof(a), ref->table), ref->index, ref->entry,
		       fmt_size(sz, sizeof(sz), ref->page_size), ref->paths);
	for (i = 0; i < n; i++) {
		const struct xenpt_rmap_path *p = &x->paths[i];

		printf("      va 0x%016" PRIx64 "  %-14s  %s\n", p->va, rights(ref, p, rt, sizeof(rt)),
		       xenpt_rmap_root(x->r, p->root)->name);
	}
	if (ref->paths > n)
		printf("      ... %" PRIu64 " more path%s\n", ref->paths - n,
		       ref->paths - n == 1 ? "" : "s");
	return ferror(stdout) ? xenpt_error_os(EIO, "writing the answer") : NULL;
}

/* Resolve a query to the frame the tables hold; labels for the heading. */
static struct xenpt_error *resolve(struct rmap_ctx *x, const struct query *q, uint64_t *frame,
				   uint64_t *mfn, uint64_t *pfn)
{
	struct xenpt_source *src = x->cli->src;
	unsigned caps = xenpt_source_caps(src);
	struct xenpt_error *err;

	*mfn = *pfn = XENPT_INVALID_FRAME;
	if (x->as->pv) {
		if (q->by_pfn) {
			xenpt_gfn_t g = xenpt_gfn(q->value);
			xenpt_mfn_t m;

			*pfn = q->value;
			if (!(caps & XENPT_CAP_P2M))
				return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
							  "%s has no P2M: give --mfn", xenpt_source_describe(src));
			err = xenpt_source_p2m(src, &g, 1, &m);
			if (err)
				return err;
			if (!xenpt_mfn_valid(m))
				return xenpt_error_create(XENPT_ERR_NOT_FOUND,
							  "%s: pfn 0x%" PRIx64 " has no machine frame (beyond the P2M, or invalid)",
							  xenpt_source_describe(src), q->value);
			*mfn = xenpt_mfn_x(m);
		} else {
			*mfn = q->value;
			if (caps & XENPT_CAP_M2P) {
				xenpt_mfn_t m = xenpt_mfn(q->value);
				xenpt_gfn_t g;

				err = xenpt_source_m2p(src, &m, 1, &g);
				if (err)
					return err;
				*pfn = xenpt_gfn_x(g);
			}
		}
		*frame = *mfn;
		return NULL;
	}
	/* HVM: the tables hold GFNs */
	if (q->by_pfn) {
		*pfn = q->value;
	} else {
		xenpt_mfn_t m = xenpt_mfn(q->value);
		xenpt_gfn_t g;

		*mfn = q->value;
		if (!(caps & XENPT_CAP_M2P))
			return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						  "%s: an HVM guest's page tables hold GFNs and this source has no M2P to turn mfn 0x%" PRIx64 " into one; give --pfn GFN",
						  xenpt_source_describe(src), q->value);
		err = xenpt_source_m2p(src, &m, 1, &g);
		if (err)
			return err;
		if (!xenpt_gfn_valid(g))
			return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: mfn 0x%" PRIx64 " has no GFN in the M2P",
						  xenpt_source_describe(src), q->value);
		*pfn = xenpt_gfn_x(g);
	}
	*frame = *pfn;
	return NULL;
}

static struct xenpt_error *run_query(struct rmap_ctx *x, const struct query *q)
{
	struct xenpt_rmap_frame info;
	struct xenpt_error *err;
	uint64_t frame = 0, mfn, pfn;
	char a[32], b[32];
	size_t i;
	bool pv = x->as->pv;

	err = resolve(x, q, &frame, &mfn, &pfn);
	if (err)
		return err;
	x->nrefs = 0;
	x->header_done = false;
	xenpt_rmap_frame_info(x->r, frame, &info);
	if (x->j) {
		jw_obj_begin(x->j);
		if (pv || mfn != XENPT_INVALID_FRAME)
			jw_kframe(x->j, "mfn", mfn);
		jw_kframe(x->j, pv ? "pfn" : "gfn", pfn);
		jw_key(x->j, "table_level");
		if (info.table_level)
			jw_u64(x->j, info.table_level);
		else
			jw_null(x->j);
		jw_key(x->j, "roots");
		jw_arr_begin(x->j);
		for (i = 0; i < xenpt_rmap_nr_roots(x->r); i++)
			if (xenpt_rmap_root(x->r, i)->frame == frame)
				jw_str(x->j, xenpt_rmap_root(x->r, i)->name);
		jw_arr_end(x->j);
		jw_key(x->j, "references");
		jw_arr_begin(x->j);
	} else {
		if (pv)
			printf("mfn %s (pfn %s)", fmt_frame(a, sizeof(a), mfn), fmt_frame(b, sizeof(b), pfn));
		else if (mfn != XENPT_INVALID_FRAME)
			printf("gfn %s (mfn %s)", fmt_frame(a, sizeof(a), pfn), fmt_frame(b, sizeof(b), mfn));
		else
			printf("gfn %s", fmt_frame(a, sizeof(a), pfn));
		if (info.table_level)
			printf(": an L%u table of the index", info.table_level);
		for (i = 0; i < xenpt_rmap_nr_roots(x->r); i++)
			if (xenpt_rmap_root(x->r, i)->frame == frame)
				printf("%s root %s", info.table_level ? "," : ":",
				       xenpt_rmap_root(x->r, i)->name);
		printf("\n");
	}
	err = xenpt_rmap_lookup(x->r, frame, on_ref, x, &info);
	if (err)
		return err;
	if (x->j) {
		jw_arr_end(x->j);
		jw_ku64(x->j, "count", info.refs);
		jw_obj_end(x->j);
		return NULL;
	}
	printf("  %" PRIu64 " reference%s\n", info.refs, info.refs == 1 ? "" : "s");
	return ferror(stdout) ? xenpt_error_os(EIO, "writing the answer") : NULL;
}

int cmd_rmap(struct cli *cli, int argc, char **argv)
{
	struct xenpt_rmap_opts o;
	struct rmap_ctx x;
	struct query *qs = NULL;
	uint64_t *cr3s = NULL, v;
	size_t nq = 0, ncr3 = 0, i;
	struct xenpt_error *err = NULL;
	const char *arg;
	size_t oi = 0;
	int c, rc = EXIT_OK;

	(void)argc;   /* the dispatcher opened the TARGET; no other arguments */
	(void)argv;
	memset(&x, 0, sizeof(x));
	x.cli = cli;
	x.max_paths = DEFAULT_MAX_PATHS;
	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		switch (c) {
		case OPT_MFN:
		case OPT_PFN: {
			struct query *nqs;

			if (!cli_parse_u64(arg, &v)) {
				rc = cli_usage_error(cli, "--%s: '%s' is not a frame number",
						     c == OPT_MFN ? "mfn" : "pfn", arg);
				goto out;
			}
			nqs = realloc(qs, (nq + 1) * sizeof(*qs));
			if (!nqs)
				abort();
			qs = nqs;
			qs[nq].by_pfn = c == OPT_PFN;
			qs[nq].value = v;
			nq++;
			break;
		}
		case OPT_CR3: {
			uint64_t *n3;

			if (!cli_parse_va(arg, &v)) {
				rc = cli_usage_error(cli, "--cr3: '%s' is not a number", arg);
				goto out;
			}
			n3 = realloc(cr3s, (ncr3 + 1) * sizeof(*cr3s));
			if (!n3)
				abort();
			cr3s = n3;
			cr3s[ncr3++] = v;
			break;
		}
		case OPT_MAX_PATHS:
			if (!cli_parse_u64(arg, &v) || v > 1000000) {
				rc = cli_usage_error(cli, "--max-paths: '%s' is not a number up to 1000000", arg);
				goto out;
			}
			x.max_paths = (size_t)v;
			break;
		default:
			rc = cli_usage_error(cli, "unexpected option");
			goto out;
		}
	}
	if (!nq) {
		rc = cli_usage_error(cli, "no frame given: --mfn MFN or --pfn PFN (repeatable)");
		goto out;
	}
	x.paths = calloc(x.max_paths ? x.max_paths : 1, sizeof(*x.paths));
	if (!x.paths)
		abort();
	xenpt_rmap_opts_init(&o);
	o.cr3s = cr3s;
	o.n_cr3s = ncr3;
	err = xenpt_rmap_create(cli->src, &o, &x.r);
	if (err)
		goto out;
	x.as = xenpt_rmap_aspace(x.r);
	x.sp = x.as->pv ? "mfn" : "gfn";
	{
		struct xenpt_rmap_stats st;

		xenpt_rmap_stats(x.r, &st);
		if (cli->json) {
			x.j = cli_jw(cli);
			jw_obj_begin(x.j);
			jw_kstr(x.j, "source", xenpt_source_describe(cli->src));
			jw_kstr(x.j, "mode", xenpt_paging_mode_name(x.as->mode));
			jw_kstr(x.j, "space", x.sp);
			jw_key(x.j, "roots");
			jw_arr_begin(x.j);
			for (i = 0; i < xenpt_rmap_nr_roots(x.r); i++) {
				const struct xenpt_rmap_root *rt = xenpt_rmap_root(x.r, i);
				char key[32];

				jw_obj_begin(x.j);
				jw_kstr(x.j, "name", rt->name);
				jw_khex(x.j, "cr3", rt->cr3);
				snprintf(key, sizeof(key), "table_%s", x.sp);
				jw_kframe(x.j, key, rt->frame);
				jw_kbool(x.j, "user_l4", rt->user_l4);
				jw_obj_end(x.j);
			}
			jw_arr_end(x.j);
			jw_ku64(x.j, "tables", st.tables);
			jw_ku64(x.j, "index_entries", st.refs);
			jw_key(x.j, "queries");
			jw_arr_begin(x.j);
		} else {
			printf("index of %s: %s%s paging, %" PRIu64 " tables, %" PRIu64
			       " (frame, table) pairs; roots:", xenpt_source_describe(cli->src),
			       xenpt_paging_mode_name(x.as->mode), x.as->pv ? " PV" : "",
			       st.tables, st.refs);
			for (i = 0; i < xenpt_rmap_nr_roots(x.r); i++) {
				const struct xenpt_rmap_root *rt = xenpt_rmap_root(x.r, i);

				printf("%s %s (%s 0x%" PRIx64 ")", i ? "," : "", rt->name, x.sp, rt->frame);
			}
			printf("\n");
		}
	}
	for (i = 0; i < nq && !err; i++)
		err = run_query(&x, &qs[i]);
	if (err)
		goto out;
	if (x.j) {
		jw_arr_end(x.j);
		jw_obj_end(x.j);
	}
	if (cli->stats || cli->verbose) {
		struct xenpt_rmap_stats st;

		xenpt_rmap_stats(x.r, &st);
		fprintf(stderr, "%s rmap: %" PRIu64 " roots, %" PRIu64 " tables, %" PRIu64
			" table reads, %" PRIu64 " entries decoded, index of %" PRIu64 " pairs in %"
			PRIu64 " bytes, %" PRIu64 " lookups\n", cli->prog, st.roots, st.tables,
			st.table_reads, st.entries_scanned, st.refs, st.index_bytes, st.lookups);
	}
out:
	if (err)
		rc = cli_error(cli, err);
	xenpt_rmap_destroy(x.r);
	free(x.paths);
	free(qs);
	free(cr3s);
	return rc;
}
